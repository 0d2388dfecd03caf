/**
 * How observed HTTP paths become the paths of a declaration's HTTP rules.
 *
 * A path is kept exact up to its first segment that looks like an identifier rather than a
 * route: a number (`/orders/42`), a UUID, a hexadecimal string of 16 or more characters (an
 * object id, a hash), a segment longer than 64 characters, or one with characters outside the
 * unreserved set (`A-Z a-z 0-9 - . _ ~`, percent-escapes and `*` included). From there the
 * path becomes a prefix: `/api/v1/orders/42/items` → `/api/v1/orders/*`. Istio and Cilium
 * both match a trailing `*` as a prefix.
 *
 * Then, per flow, a prefix covers the exact paths and longer prefixes below it
 * (`/api/v1/orders/*` drops `/api/v1/orders/7/*`; it does not cover `/api/v1/orders`
 * itself, which stays exact). When more than {@link MAX_PATHS} paths remain for a flow,
 * they are cut to their first segment (`/api/*`); when still more remain, the flow allows
 * every path (its methods stay).
 */

/** At most this many paths are kept per flow and method set before they are cut shorter. */
export const MAX_PATHS = 32;

const IDENTIFIER = [
  /^\d+$/,
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  /^[0-9a-f]{16,}$/i,
];

/** The declaration path of one observed path (exact, or a prefix ending in `*`). */
export function generalizePath(path: string): string {
  if (path === '' || path === '/') return '/';
  const segments = path.split('/').slice(1);
  const kept: string[] = [];
  for (const s of segments) {
    if (s.length > 64 || !/^[A-Za-z0-9._~-]*$/.test(s) || IDENTIFIER.some((re) => re.test(s))) {
      return `/${kept.map((k) => `${k}/`).join('')}*`;
    }
    kept.push(s);
  }
  return `/${kept.join('/')}`;
}

/** Whether a declaration path matches a request path or covers a narrower declaration path. */
export function pathCovers(rule: string, other: string): boolean {
  if (rule === other) return true;
  if (rule.endsWith('*')) return other.startsWith(rule.slice(0, -1));
  return false;
}

/** The paths of one flow, generalized: prefixes drop what they cover; too many are cut to the first segment, then to none (`undefined`: every path). */
export function reducePaths(paths: Iterable<string>): string[] | undefined {
  let list = prune([...new Set(paths)]);
  if (list.length > MAX_PATHS) list = prune(list.map(firstSegment));
  if (list.length > MAX_PATHS || list.includes('/*')) return undefined;
  return list;
}

function firstSegment(p: string): string {
  const m = /^\/([^/*]+)\/./.exec(p);
  return m ? `/${m[1]}/*` : p;
}

function prune(list: readonly string[]): string[] {
  const prefixes = list.filter((p) => p.endsWith('*'));
  return [...new Set(list.filter((p) => !prefixes.some((q) => q !== p && pathCovers(q, p))))].sort();
}
