/**
 * Small declarations shared by the plan tests: a valid base topology that each test extends
 * (or breaks), and helpers to run the planner and look at its problems.
 */
import { BulkheadError, Problem } from '../../lib/core/errors';
import { Duration } from '../../lib/core/duration';
import { Port } from '../../lib/core/port';
import { BreakGlass, BreakGlassProps } from '../../lib/model/break-glass';
import { Cluster } from '../../lib/model/cluster';
import { Topology, TopologyProps } from '../../lib/model/topology';
import { Workload } from '../../lib/model/workload';
import { buildPlan } from '../../lib/plan/build';
import { LAYERS } from '../../lib/core/layers';
import { Plan } from '../../lib/plan/types';

/** The fixed time every test synthesizes at. */
export const NOW = new Date('2026-11-22T21:00:00Z');

/** A valid base declaration: one cluster, one namespace, two workloads, no flows. */
export interface Base {
  readonly topo: Topology;
  readonly eks: Cluster;
  readonly web: Workload;
  readonly cart: Workload;
}

/** Builds the base declaration (topology `shop`, cluster `eks`, workloads `web` and `cart` in `shop`). */
export function base(props: Partial<TopologyProps> = {}): Base {
  const topo = new Topology(undefined, 'shop', { trustDomain: 'shop.example.com', clock: () => NOW, ...props });
  const eks = new Cluster(topo, 'eks', { cloud: 'aws', region: 'eu-west-1', podCidrs: ['10.1.0.0/16'], layers: [...LAYERS] });
  const web = new Workload(topo, 'web', { cluster: eks, namespace: 'shop', ports: { http: Port.tcp(8080) } });
  const cart = new Workload(topo, 'cart', { cluster: eks, namespace: 'shop', ports: { grpc: Port.tcp(9090) } });
  return { topo, eks, web, cart };
}

/** Runs the planner and returns the BulkheadError it throws (fails the test when it does not throw). */
export function planError(topo: Topology, now: Date = NOW): BulkheadError {
  try {
    buildPlan(topo, { now });
  } catch (e) {
    if (e instanceof BulkheadError) return e;
    throw e;
  }
  throw new Error('expected buildPlan to throw a BulkheadError, but it built a plan');
}

/** Runs the planner; on failure rethrows with the problem list, so a test shows what went wrong. */
export function plan(topo: Topology, now: Date = NOW): Plan {
  return buildPlan(topo, { now });
}

/** Only the errors of a problem list. */
export function errors(problems: readonly Problem[]): Problem[] {
  return problems.filter((p) => p.severity === 'error');
}

/** One entry of a catalogue of bad declarations: one mistake on top of the valid base, and the problem it must produce. */
export interface CatalogueCase {
  /** What is wrong. */
  readonly name: string;
  /** Adds the mistake to the base declaration (or returns a topology of its own). */
  readonly declare: (b: Base) => unknown;
  /** The expected problem code. */
  readonly code: string;
  /** On the message. */
  readonly message: RegExp;
  /** The exact construct path. */
  readonly path: string;
  /** On the rendered value. */
  readonly value: RegExp;
  /** On the fix. */
  readonly fix: RegExp;
  /** @default 'error' */
  readonly severity?: 'error' | 'warning';
  /** Other error codes the same mistake also (rightly) produces. @default none */
  readonly also?: readonly string[];
}

/** One call with a bad argument (an entry point, not a declaration), and the problem it must give. */
export interface CallCase {
  /** What is wrong. */
  readonly name: string;
  /** The call. */
  readonly call: () => unknown;
  /** The expected problem code. */
  readonly code: string;
  /** The exact path. */
  readonly path: string;
  /** On the message. */
  readonly message: RegExp;
  /** On the rendered value. */
  readonly value: RegExp;
  /** On the fix. */
  readonly fix: RegExp;
}

/**
 * Checks one catalogue entry: the declaration fails (or warns) with exactly the expected
 * codes, and the problem carries the path, message, value and fix, as the thrown message
 * prints them.
 */
export function checkCatalogueCase(c: CatalogueCase): void {
  const b = base();
  const returned = c.declare(b);
  const topo = Topology.isTopology(returned) ? returned : b.topo;
  let problems: readonly Problem[];
  if ((c.severity ?? 'error') === 'error') {
    const e = planError(topo);
    problems = e.problems;
    // Nothing else is wrong with the declaration: only the expected codes appear.
    expect([...new Set(errors(problems).map((p) => p.code))].sort()).toEqual([...new Set([c.code, ...(c.also ?? [])])].sort());
    // The thrown message names the path, the value and the fix.
    const p = problems.find((x) => x.code === c.code && x.path === c.path);
    expect(p).toBeDefined();
    expect(e.message).toContain(`[${c.code}] error at ${c.path}: ${p?.message}`);
    expect(e.message).toContain(`value: ${p?.value}`);
    expect(e.message).toContain(`fix: ${p?.fix}`);
  } else {
    problems = plan(topo).warnings;
  }
  const found = problems.filter((p) => p.code === c.code);
  expect(found).toHaveLength(1);
  const p = found[0];
  expect(p.severity).toBe(c.severity ?? 'error');
  expect(p.path).toBe(c.path);
  expect(p.message).toMatch(c.message);
  expect(p.value).toBeDefined();
  expect(p.value).toMatch(c.value);
  expect(p.fix).toMatch(c.fix);
  expect(p.fix).not.toBe(p.message);
}

/** A valid grant from web into cart, with some props replaced. */
export function grant(b: Base, id: string, props: Partial<BreakGlassProps> = {}): BreakGlass {
  return new BreakGlass(b.topo, id, {
    from: [b.web], to: [b.cart], ports: Port.named('grpc'),
    start: '2026-11-22T20:30:00Z', duration: Duration.hours(1),
    reason: 'cart is losing orders', ticket: 'INC-1', approvers: ['alice'],
    ...props,
  });
}
