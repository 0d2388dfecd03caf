/**
 * Helpers shared by the Istio and Cilium simulators: reading plain manifest values with
 * clear errors, three-valued matching, and turning a per-port decision into a {@link PortSet}.
 * They carry no upstream semantics of their own; each simulator documents the semantics it
 * implements with them.
 *
 * @see ./istio.ts
 * @see ./cilium.ts
 */
import { AnalysisInputError, InputLocation, inputError } from '../errors';
import { parseCidr } from '../ipv4';
import { L4Protocol, PortSet } from '../portset';
import { isRecord } from '../selector';
import { Reason, SourceRef } from '../types';

/**
 * A three-valued match result.
 *
 * - `yes`: matches every request of the connection;
 * - `no`: matches none;
 * - `some`: matches some requests only (an L7 condition judged without an HTTP request).
 */
export type Tri = 'yes' | 'no' | 'some';

/** Conjunction of three-valued results (`yes` when there are none). */
export function triAnd(values: Iterable<Tri>): Tri {
  let out: Tri = 'yes';
  for (const v of values) {
    if (v === 'no') return 'no';
    if (v === 'some') out = 'some';
  }
  return out;
}

/** Disjunction of three-valued results (`no` when there are none). */
export function triOr(values: Iterable<Tri>): Tri {
  let out: Tri = 'no';
  for (const v of values) {
    if (v === 'yes') return 'yes';
    if (v === 'some') out = 'some';
  }
  return out;
}

/** Negation of a three-valued result. */
export function triNot(v: Tri): Tri {
  return v === 'yes' ? 'no' : v === 'no' ? 'yes' : 'some';
}

/** Where a value sits, for error messages: the object and the field path. */
export function at(object: string, field: string): InputLocation {
  return { object, field };
}

/** Reads an optional list; throws when the value is present but not a list. */
export function optList(v: unknown, loc: InputLocation, example: string): unknown[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) return inputError(loc, 'must be a list', v, `write a YAML list, for example ${example}`);
  return v;
}

/** Reads an optional mapping; throws when the value is present but not a mapping. */
export function optRecord(v: unknown, loc: InputLocation, example: string): Record<string, unknown> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isRecord(v)) return inputError(loc, 'must be a mapping', v, `write a YAML mapping, for example ${example}`);
  return v;
}

/** Reads an optional string. */
export function optString(v: unknown, loc: InputLocation, example: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') return inputError(loc, 'must be a string', v, `write a string, for example ${example}`);
  return v;
}

/** Reads an optional list of strings. */
export function optStringList(v: unknown, loc: InputLocation, example: string): string[] | undefined {
  const list = optList(v, loc, example);
  if (list === undefined) return undefined;
  return list.map((item, i) => {
    if (typeof item !== 'string') return inputError({ ...loc, field: `${loc.field}[${i}]` }, 'must be a string', item, `quote the value, for example ${example}`);
    return item;
  });
}

/** Reads an optional boolean. */
export function optBool(v: unknown, loc: InputLocation): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') return inputError(loc, 'must be true or false', v, 'write true or false (unquoted)');
  return v;
}

/** An IPv4 CIDR as a range, `ipv6` for an IPv6 one; throws on anything else. */
export function cidrRange(text: unknown, loc: InputLocation): readonly [number, number] | 'ipv6' {
  if (typeof text !== 'string') return inputError(loc, 'must be an IP address or CIDR string', text, "write an address range such as '203.0.113.0/24'");
  const p = parseCidr(text);
  if (p.family === 'invalid') return inputError(loc, 'is not a valid IP address or CIDR', text, "write an address range such as '203.0.113.0/24' or a single address such as '203.0.113.7'");
  if (p.family === 'ipv6') return 'ipv6';
  return p.range;
}

/** Parses a port number written as a string or an integer (0 to 65535). */
export function portNumber(v: unknown, loc: InputLocation): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^[0-9]{1,5}$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535) return inputError(loc, 'is not a port number (0 to 65535)', v, "write a port number such as '8080'");
  return n;
}

/** Sorts and de-duplicates address ranges. */
export function sortRanges(ranges: Iterable<readonly [number, number]>): (readonly [number, number])[] {
  const seen = new Map<string, readonly [number, number]>();
  for (const r of ranges) seen.set(`${r[0]}-${r[1]}`, r);
  return [...seen.values()].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

/**
 * Builds the set of ports on which `decide` allows a connection, evaluating `decide` once per
 * interval between the given boundary ports. The caller guarantees that the decision only
 * changes at those boundaries (every port number its rules name), so the result agrees with
 * `decide` on every port.
 */
export function portSetFromDecisions(
  protocols: readonly L4Protocol[],
  boundaries: (protocol: L4Protocol) => Iterable<number>,
  decide: (protocol: L4Protocol, port: number) => boolean,
): PortSet {
  const sets: PortSet[] = [];
  for (const protocol of protocols) {
    const points = [...new Set([...boundaries(protocol)].filter((p) => p >= 1 && p <= 65535))].sort((a, b) => a - b);
    const intervals: [number, number][] = [];
    let next = 1;
    for (const p of points) {
      if (p > next) intervals.push([next, p - 1]);
      intervals.push([p, p]);
      next = p + 1;
    }
    if (next <= 65535) intervals.push([next, 65535]);
    for (const [a, b] of intervals) {
      if (decide(protocol, a)) sets.push(PortSet.of(protocol, a, b));
    }
  }
  return PortSet.unionAll(sets);
}

/** Compares two strings independently of the locale. */
export function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A reason with its fields in a fixed order (for deterministic JSON output). */
export function reason(policy: string, rule: string | undefined, effect: Reason['effect'], detail: string): Reason {
  return rule === undefined ? { policy, effect, detail } : { policy, rule, effect, detail };
}

/**
 * Runs `read` for one manifest object; an {@link AnalysisInputError} it raises without a file
 * is raised again with the object's source, when `sourceOf` knows it.
 */
export function withSource<T>(obj: unknown, sourceOf: ((object: unknown) => SourceRef | undefined) | undefined, read: () => T): T {
  try {
    return read();
  } catch (e) {
    const source = sourceOf?.(obj);
    if (e instanceof AnalysisInputError && !e.problem.source && source) throw new AnalysisInputError({ ...e.problem, source });
    throw e;
  }
}
