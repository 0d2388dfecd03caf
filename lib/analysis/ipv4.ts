/**
 * IPv4 ranges as pairs of 32-bit unsigned integers, both ends included. The analysis reasons
 * about external addresses as such ranges.
 */
import * as ipaddr from 'ipaddr.js';

/** An inclusive IPv4 range, `[first, last]`, as unsigned 32-bit integers. */
export type Ipv4Range = readonly [number, number];

/** The whole IPv4 space. */
export const ALL_IPV4: Ipv4Range = [0, 0xffffffff];

/** Converts a dotted IPv4 address to an unsigned integer; undefined if it is not one. */
export function parseIpv4(text: string): number | undefined {
  if (!ipaddr.IPv4.isValidFourPartDecimal(text)) return undefined;
  const b = ipaddr.IPv4.parse(text).octets;
  return ((b[0] << 24) >>> 0) + (b[1] << 16) + (b[2] << 8) + b[3];
}

/** Formats an unsigned integer as a dotted IPv4 address. */
export function formatIpv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** The result of parsing a CIDR. */
export type ParsedCidr =
  | { readonly family: 'ipv4'; readonly range: Ipv4Range; readonly prefix: number }
  | { readonly family: 'ipv6'; readonly prefix: number }
  | { readonly family: 'invalid' };

/**
 * Parses an IPv4 or IPv6 CIDR (a bare address is a single host). Host bits are ignored, as
 * the Kubernetes dataplanes do.
 */
export function parseCidr(text: string): ParsedCidr {
  if (typeof text !== 'string') return { family: 'invalid' };
  // policies repeat the same CIDRs many times: each text is parsed once (the answers are immutable)
  const known = CIDRS.get(text);
  if (known) return known;
  const parsed = Object.freeze(readCidr(text));
  if (CIDRS.size >= 10_000) CIDRS.clear();
  CIDRS.set(text, parsed);
  return parsed;
}

/** The CIDRs parsed so far, by text. */
const CIDRS = new Map<string, ParsedCidr>();

function readCidr(text: string): ParsedCidr {
  const raw = text.trim();
  const withPrefix = raw.includes('/') ? raw : `${raw}/${raw.includes(':') ? 128 : 32}`;
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    parsed = ipaddr.parseCIDR(withPrefix);
  } catch {
    return { family: 'invalid' };
  }
  const [addr, prefix] = parsed;
  if (addr.kind() === 'ipv6') return { family: 'ipv6', prefix };
  const base = parseIpv4(addr.toString());
  if (base === undefined) return { family: 'invalid' };
  const size = 2 ** (32 - prefix);
  const first = Math.floor(base / size) * size;
  return { family: 'ipv4', range: Object.freeze([first, first + size - 1] as const), prefix };
}

/** The id of an external range: `a.b.c.d-e.f.g.h`, or `a.b.c.d` for a single address. */
export function rangeId(first: number, last: number): string {
  return first === last ? formatIpv4(first) : `${formatIpv4(first)}-${formatIpv4(last)}`;
}

/** Whether `[a, b]` lies entirely within `[c, d]`. */
export function rangeWithin(a: number, b: number, c: number, d: number): boolean {
  return a >= c && b <= d;
}

/** Whether the two ranges share an address. */
export function rangesOverlap(a: number, b: number, c: number, d: number): boolean {
  return a <= d && c <= b;
}

/**
 * Splits the IPv4 space at the edges of the given ranges: returns sorted disjoint ranges that
 * cover every address, such that each given range is a union of some of them.
 */
export function partitionIpv4(boundaries: readonly Ipv4Range[]): Ipv4Range[] {
  const cuts = new Set<number>([0]);
  for (const [a, b] of boundaries) {
    cuts.add(a);
    if (b < 0xffffffff) cuts.add(b + 1);
  }
  const sorted = [...cuts].sort((x, y) => x - y);
  const out: Ipv4Range[] = [];
  for (let i = 0; i < sorted.length; i++) {
    out.push([sorted[i], i + 1 < sorted.length ? sorted[i + 1] - 1 : 0xffffffff]);
  }
  return out;
}
