/**
 * IPv4 and IPv6 addresses and CIDRs of the `aws` layer, as ranges of big integers (both ends
 * included), one family at a time: security-group rules name one family each (`cidrIpv4` or
 * `cidrIpv6`), and AWS counts and evaluates the two families separately.
 */
import * as ipaddr from 'ipaddr.js';

/** An IP family. */
export type IpFamily = 'ipv4' | 'ipv6';

/** An inclusive address range of one family. */
export interface AddressRange {
  /** The family. */
  readonly family: IpFamily;
  /** First address. */
  readonly first: bigint;
  /** Last address. */
  readonly last: bigint;
}

/** One address. */
export interface Address {
  /** The family. */
  readonly family: IpFamily;
  /** The address as a number. */
  readonly value: bigint;
}

const BITS: Record<IpFamily, number> = { ipv4: 32, ipv6: 128 };

function toBig(a: ipaddr.IPv4 | ipaddr.IPv6): bigint {
  let n = 0n;
  for (const b of a.toByteArray()) n = (n << 8n) + BigInt(b);
  return n;
}

/** Parses one address (four decimal octets, or IPv6 text); undefined when it is not one. */
export function parseAddress(text: string): Address | undefined {
  const t = text.trim();
  if (ipaddr.IPv4.isValidFourPartDecimal(t)) return { family: 'ipv4', value: toBig(ipaddr.IPv4.parse(t)) };
  if (t.includes(':') && ipaddr.IPv6.isValid(t) && !t.includes('%')) return { family: 'ipv6', value: toBig(ipaddr.IPv6.parse(t)) };
  return undefined;
}

/** A parsed CIDR: its range and whether host bits were set in the text. */
export interface ParsedRange {
  /** The network's range. */
  readonly range: AddressRange;
  /** The prefix length. */
  readonly prefix: number;
  /** The text had host bits set (`10.0.0.1/24`): the range is the network's. */
  readonly hostBits: boolean;
}

/** Parses a CIDR (`10.0.0.0/16`, `2001:db8::/32`); undefined when it is not one. */
export function parseRange(text: string): ParsedRange | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^([^/\s]+)\/(0|[1-9]\d{0,2})$/.exec(text.trim());
  if (!m) return undefined;
  const addr = parseAddress(m[1]);
  if (!addr) return undefined;
  const prefix = Number(m[2]);
  const bits = BITS[addr.family];
  if (prefix > bits) return undefined;
  const size = 1n << BigInt(bits - prefix);
  const first = (addr.value / size) * size;
  return { range: { family: addr.family, first, last: first + size - 1n }, prefix, hostBits: first !== addr.value };
}

/** Whether the range holds the address. */
export function rangeHolds(r: AddressRange, a: Address): boolean {
  return r.family === a.family && r.first <= a.value && a.value <= r.last;
}

/** Whether `inner` lies entirely within `outer`. */
export function rangeWithinRange(inner: AddressRange, outer: AddressRange): boolean {
  return inner.family === outer.family && outer.first <= inner.first && inner.last <= outer.last;
}

/** Whether two ranges share an address. */
export function rangesMeet(a: AddressRange, b: AddressRange): boolean {
  return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

/** Formats an address. */
export function formatAddress(a: Address): string {
  if (a.family === 'ipv4') {
    const n = Number(a.value);
    return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
  }
  const bytes: number[] = [];
  let v = a.value;
  for (let i = 0; i < 16; i++) {
    bytes.unshift(Number(v & 255n));
    v >>= 8n;
  }
  return ipaddr.fromByteArray(bytes).toString();
}

/**
 * A stand-in address for an instance inside a range, chosen from a seed (deterministic): in a
 * range of 8 addresses or more, never one of the first four nor the last (AWS reserves them in
 * every subnet); in a smaller range, any of its addresses.
 */
export function standInAddress(r: AddressRange, seed: string): Address {
  const size = r.last - r.first + 1n;
  let h = 0xcbf29ce484222325n;
  for (const ch of seed) h = ((h ^ BigInt(ch.codePointAt(0) ?? 0)) * 0x100000001b3n) & 0xffffffffffffffffn;
  if (size < 8n) return { family: r.family, value: r.first + (h % size) };
  const usable = size - 5n;
  return { family: r.family, value: r.first + 4n + (h % usable) };
}
