/**
 * Evaluation helpers shared by the simulators: three-valued matching, turning a per-port
 * decision into a {@link PortSet}, reasons, and the endpoint classes and port-set tables of
 * bulk queries. They carry no upstream semantics of their own; each simulator documents the
 * semantics it implements with them. The readers of plain manifest values that decoders use
 * live in `./decode.ts` (re-exported here).
 *
 * @see ./decode.ts
 */
import { AnalysisInputError } from '../errors';
import { L4Protocol, PortSet } from '../portset';
import { AllowedPair, ContainerPort, Endpoint, Reason, SourceRef } from '../types';

export { at, cidrRange, optBool, optList, optRecord, optString, optStringList, portNumber } from './decode';

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

// ---------------------------------------------------------------------------------------------
// Bulk queries (allowedPairs): endpoint classes and shared port sets

/** A stable text for a label map, independent of key order. */
export function labelsKey(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]));
}

/** A stable text for a list of container ports. */
export function containerPortsKey(ports: readonly ContainerPort[]): string {
  return ports.map((p) => `${p.name ?? ''}/${p.protocol}/${p.port}`).sort().join(',');
}

/**
 * The endpoints of a bulk query grouped into classes: endpoints with the same key (the
 * caller's key holds everything its layer's answer depends on) form one class, represented
 * by the first of them.
 */
export interface EndpointClasses {
  /** One representative endpoint per class. */
  readonly reps: readonly Endpoint[];
  /** Per class, the indices of the sources in it (ascending). */
  readonly srcMembers: readonly (readonly number[])[];
  /** Per class, the indices of the destinations in it (ascending). */
  readonly dstMembers: readonly (readonly number[])[];
}

/** Groups the sources and destinations of a bulk query into classes by `keyOf`. */
export function endpointClasses(sources: readonly Endpoint[], destinations: readonly Endpoint[], keyOf: (ep: Endpoint) => string): EndpointClasses {
  const reps: Endpoint[] = [];
  const byKey = new Map<string, number>();
  const srcMembers: number[][] = [];
  const dstMembers: number[][] = [];
  const classOf = (ep: Endpoint): number => {
    const k = keyOf(ep);
    let u = byKey.get(k);
    if (u === undefined) {
      u = reps.length;
      reps.push(ep);
      srcMembers.push([]);
      dstMembers.push([]);
      byKey.set(k, u);
    }
    return u;
  };
  sources.forEach((ep, i) => srcMembers[classOf(ep)].push(i));
  destinations.forEach((ep, j) => dstMembers[classOf(ep)].push(j));
  return { reps, srcMembers, dstMembers };
}

/**
 * Interns port sets (equal sets share one object and one small integer id) and memoizes
 * their intersections, so that the many pairs of a bulk query share their answers.
 */
export class PortSetTable {
  private readonly ids = new Map<string, number>();
  private readonly sets: PortSet[] = [];
  private readonly meets = new Map<number, number>();

  /** A table holding EMPTY (id 0) and ALL (id 1). */
  public constructor() {
    this.id(PortSet.EMPTY);
    this.id(PortSet.ALL);
  }

  /** The id of a set. */
  public id(ps: PortSet): number {
    const k = ps.toString();
    let id = this.ids.get(k);
    if (id === undefined) {
      id = this.sets.length;
      this.sets.push(ps);
      this.ids.set(k, id);
    }
    return id;
  }

  /** The set of an id. */
  public set(id: number): PortSet {
    return this.sets[id];
  }

  /** The id of the intersection of two sets given by id. */
  public meet(a: number, b: number): number {
    if (a === b || b === 1) return a;
    if (a === 1) return b;
    if (a === 0 || b === 0) return 0;
    const k = a < b ? a * 0x100000 + b : b * 0x100000 + a;
    let r = this.meets.get(k);
    if (r === undefined) {
      r = this.id(this.sets[a].intersect(this.sets[b]));
      this.meets.set(k, r);
    }
    return r;
  }
}

/**
 * Emits every pair of members of a source class and a destination class, except an
 * endpoint with itself.
 */
export function emitPairs(
  out: AllowedPair[],
  srcIdx: readonly number[],
  dstIdx: readonly number[],
  sources: readonly Endpoint[],
  destinations: readonly Endpoint[],
  ports: PortSet,
): void {
  for (const i of srcIdx) {
    const sid = sources[i].id;
    for (const j of dstIdx) {
      if (sid !== destinations[j].id) out.push({ src: i, dst: j, ports });
    }
  }
}
