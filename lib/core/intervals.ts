/**
 * Inclusive integer intervals (port ranges, IPv4 ranges as 32-bit numbers): the set algebra
 * the plan, the renderers and the analysis share.
 */

/** An inclusive interval `[first, last]`. */
export type Interval = readonly [number, number];

/** Sorts intervals and merges the overlapping or adjacent ones. */
export function mergeIntervals(intervals: readonly Interval[]): [number, number][] {
  const sorted = [...intervals].sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const out: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** The parts of `intervals` outside every interval of `minus` (order kept, not merged). */
export function subtractIntervals(intervals: readonly Interval[], minus: readonly Interval[]): [number, number][] {
  let cur: [number, number][] = intervals.map(([a, b]) => [a, b]);
  for (const [c, d] of minus) {
    const next: [number, number][] = [];
    for (const [a, b] of cur) {
      if (d < a || c > b) {
        next.push([a, b]);
        continue;
      }
      if (a < c) next.push([a, c - 1]);
      if (d < b) next.push([d + 1, b]);
    }
    cur = next;
  }
  return cur;
}
