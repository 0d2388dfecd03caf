/**
 * Address arithmetic of the `aws` layer. A security-group rule names one CIDR and cannot carve
 * ranges out of it, so address sets (an External's cidrs minus its except ranges, the merged
 * CIDRs of several peers) are turned into the fewest CIDRs that cover them exactly.
 *
 * Parsing and printing go through {@link Cidr} (ipaddr.js); ranges are inclusive pairs of
 * BigInts so that IPv4 and IPv6 share one implementation.
 *
 * @see https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html
 */
import * as ipaddr from 'ipaddr.js';
import { Cidr } from '../../core/cidr';

/** An inclusive address range of one family. */
interface Range {
  readonly first: bigint;
  readonly last: bigint;
}

const BITS = { ipv4: 32, ipv6: 128 } as const;

function toBigInt(address: string): bigint {
  return ipaddr.parse(address).toByteArray().reduce((n, b) => (n << BigInt(8)) | BigInt(b), BigInt(0));
}

function fromBigInt(n: bigint, family: 'ipv4' | 'ipv6'): string {
  const bytes: number[] = [];
  let v = n;
  for (let i = 0; i < BITS[family] / 8; i++) {
    bytes.unshift(Number(v & BigInt(255)));
    v >>= BigInt(8);
  }
  return ipaddr.fromByteArray(bytes).toString();
}

interface Parsed extends Range {
  readonly family: 'ipv4' | 'ipv6';
  /** The normalized text. */
  readonly text: string;
}

// Parsing is most of the cost of rendering a large network: each distinct CIDR text is parsed
// once (the cache is emptied when it grows large).
const PARSED = new Map<string, Parsed>();

function parse(text: string): Parsed {
  let p = PARSED.get(text);
  if (p) return p;
  const c = Cidr.of(text);
  const first = toBigInt(c.address);
  const size = BigInt(1) << BigInt(BITS[c.family] - c.prefix);
  p = { family: c.family, first, last: first + size - BigInt(1), text: c.toString() };
  if (PARSED.size >= 100_000) PARSED.clear();
  PARSED.set(text, p);
  return p;
}

/** Sorts ranges and merges the overlapping or adjacent ones. */
function mergeRanges(ranges: readonly Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : a.last < b.last ? -1 : a.last > b.last ? 1 : 0));
  const out: { first: bigint; last: bigint }[] = [];
  for (const r of sorted) {
    const top = out[out.length - 1];
    if (top && r.first <= top.last + BigInt(1)) {
      if (r.last > top.last) top.last = r.last;
    } else {
      out.push({ first: r.first, last: r.last });
    }
  }
  return out;
}

/** The fewest CIDRs that cover one range exactly, in address order. */
function rangeToCidrs(r: Range, family: 'ipv4' | 'ipv6'): string[] {
  const bits = BITS[family];
  const out: string[] = [];
  let first = r.first;
  while (first <= r.last) {
    // the largest block aligned at `first` that does not pass `last`
    let size = 0;
    while (size < bits) {
      const next = BigInt(1) << BigInt(size + 1);
      if (first % next !== BigInt(0) || first + next - BigInt(1) > r.last) break;
      size++;
    }
    out.push(`${fromBigInt(first, family)}/${bits - size}`);
    first += BigInt(1) << BigInt(size);
  }
  return out;
}

/**
 * The fewest CIDRs that cover exactly the union of `cidrs` minus the union of `except`:
 * IPv4 first, then IPv6, each in address order. Adjacent and overlapping CIDRs are merged
 * (`10.0.0.0/25` and `10.0.0.128/25` become `10.0.0.0/24`).
 *
 * @example
 * cidrSet(['10.0.0.0/24'], ['10.0.0.0/26']) // ['10.0.0.64/26', '10.0.0.128/25']
 */
export function cidrSet(cidrs: readonly string[], except: readonly string[] = []): string[] {
  if (cidrs.length === 1 && except.length === 0) return [parse(cidrs[0]).text];
  const out: string[] = [];
  for (const family of ['ipv4', 'ipv6'] as const) {
    const inFamily = (list: readonly string[]) => list.map(parse).filter((c) => c.family === family);
    let ranges = mergeRanges(inFamily(cidrs));
    for (const cut of mergeRanges(inFamily(except))) {
      const next: Range[] = [];
      for (const r of ranges) {
        if (cut.last < r.first || cut.first > r.last) {
          next.push(r);
          continue;
        }
        if (r.first < cut.first) next.push({ first: r.first, last: cut.first - BigInt(1) });
        if (cut.last < r.last) next.push({ first: cut.last + BigInt(1), last: r.last });
      }
      ranges = next;
    }
    for (const r of ranges) out.push(...rangeToCidrs(r, family));
  }
  return out;
}

/** The address family of a CIDR. */
export function familyOf(cidr: string): 'ipv4' | 'ipv6' {
  return parse(cidr).family;
}

/** Whether two CIDRs share an address. */
export function cidrsOverlap(a: string, b: string): boolean {
  const x = parse(a);
  const y = parse(b);
  return x.family === y.family && x.first <= y.last && y.first <= x.last;
}
