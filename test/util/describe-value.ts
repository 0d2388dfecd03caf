/** A value named in a fuzz test's failure report: short, and never the whole of a long string. */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return v.length > 20 ? `string(${v.length})` : JSON.stringify(v);
  if (typeof v === 'function') return v.toString().slice(0, 40);
  if (v instanceof Date) return `Date(${v.getTime()})`;
  if (typeof v === 'symbol' || typeof v === 'bigint') return String(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
