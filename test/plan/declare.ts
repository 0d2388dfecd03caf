/**
 * Small declarations shared by the plan tests: a valid base topology that each test extends
 * (or breaks), and helpers to run the planner and look at its problems.
 */
import { BulkheadError, Problem } from '../../lib/core/errors';
import { Port } from '../../lib/core/port';
import { Cluster } from '../../lib/model/cluster';
import { Topology, TopologyProps } from '../../lib/model/topology';
import { Workload } from '../../lib/model/workload';
import { buildPlan } from '../../lib/plan/build';
import { LAYERS, Plan } from '../../lib/plan/types';

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
