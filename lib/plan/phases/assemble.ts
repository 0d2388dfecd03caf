/**
 * The assemble phase: the plan from what the other phases produced. Flows are sorted by id,
 * every entity of the plan is sorted by key, and each workload gets its edges (the flows it
 * starts and accepts). A partial plan (the declaration has errors) keeps the first entity of
 * each name, so that nothing downstream meets two objects of one key.
 */
import { cmp, Problem, sortInPlace } from '../../core/errors';
import { Plan, PlanBreakGlass, PlanEdge, PlanEndpointRef, PlanFlow, PlanWorkload } from '../types';
import { cloudPlan } from '../cloud';
import { Declaration } from './problems';
import { Resolution } from './resolve';

/** The flows that start and end at endpoints of one kind, by endpoint key. */
export interface EdgesOfKind {
  /** Flows each endpoint starts (egress), by its key, sorted by peer key then flow id. */
  readonly calls: ReadonlyMap<string, readonly PlanEdge[]>;
  /** Flows each endpoint accepts (ingress), by its key, sorted by peer key then flow id. */
  readonly calledBy: ReadonlyMap<string, readonly PlanEdge[]>;
}

/**
 * The edges of the endpoints of one kind: each flow seen from its source (a call) and from its
 * destination (a caller), sorted by peer key then flow id.
 *
 * @example
 * const { calls, calledBy } = edgesOf(flows, 'workload');
 * calls.get('eks/shop/cart'); // the flows eks/shop/cart starts
 */
export function edgesOf(flows: readonly PlanFlow[], kind: PlanEndpointRef['kind']): EdgesOfKind {
  const calls = new Map<string, PlanEdge[]>();
  const calledBy = new Map<string, PlanEdge[]>();
  for (const f of flows) {
    if (f.source.kind === kind) addEdge(calls, f.source.key, edgeOf(f, f.destination));
    if (f.destination.kind === kind) addEdge(calledBy, f.destination.key, edgeOf(f, f.source));
  }
  for (const list of calls.values()) sortInPlace(list, edgeOrder);
  for (const list of calledBy.values()) sortInPlace(list, edgeOrder);
  return { calls, calledBy };
}

/** A flow seen from one of its ends, `peer` being the other. */
function edgeOf(f: PlanFlow, peer: PlanEndpointRef): PlanEdge {
  const e: { -readonly [K in keyof PlanEdge]: PlanEdge[K] } = { flowId: f.id, peer, ports: f.ports, http: f.http, origin: f.origin };
  if (f.breakGlass) e.breakGlass = f.breakGlass;
  if (f.tunnel) {
    e.tunnel = f.tunnel;
    e.carries = f.carries ?? [];
  }
  return e;
}

function addEdge(m: Map<string, PlanEdge[]>, key: string, e: PlanEdge): void {
  const list = m.get(key);
  if (list) list.push(e);
  else m.set(key, [e]);
}

/** Edges by peer key, then flow id (a list is usually in this order already). */
function edgeOrder(a: PlanEdge, b: PlanEdge): number {
  return cmp(a.peer.key, b.peer.key) || cmp(a.flowId, b.flowId);
}


/** The plan's workloads with their edges, sorted by key. */
export function workloadsWithEdges(r: Resolution, flows: readonly PlanFlow[]): PlanWorkload[] {
  const { calls, calledBy } = edgesOf(flows, 'workload');
  return [...r.workloads.values()]
    // each list is this workload's own (edgesOf builds fresh ones): no copy needed
    .map((w) => ({ ...w.plan, calls: calls.get(w.plan.key) ?? [], calledBy: calledBy.get(w.plan.key) ?? [] }))
    .sort((a, b) => cmp(a.key, b.key));
}

/** What the assemble phase puts together. */
export interface AssembleInput {
  /** The declaration (its topology's settings). */
  readonly declaration: Declaration;
  /** What the resolve phase found. */
  readonly resolution: Resolution;
  /** Every flow (declared, platform, break-glass), in any order. */
  readonly flows: readonly PlanFlow[];
  /** The grants in force. */
  readonly grants: readonly PlanBreakGlass[];
  /** Every problem, sorted. */
  readonly problems: readonly Problem[];
}

/**
 * The plan. When `problems` holds errors it is partial: of entities of one name (or flows of
 * one id) only the first is kept.
 */
export function assemble(input: AssembleInput): Plan {
  const { declaration: d, resolution: r, problems } = input;
  const partial = problems.some((p) => p.severity === 'error');
  const flows = [...input.flows].sort((a, b) => cmp(a.id, b.id));
  const workloads = workloadsWithEdges(r, flows);
  const cloud = cloudPlan(r, edgesOf(flows, 'cloud'));
  const first = <T>(xs: T[], key: (x: T) => string): T[] => {
    if (!partial) return xs;
    const seen = new Set<string>();
    return xs.filter((x) => !seen.has(key(x)) && seen.add(key(x)) !== undefined);
  };
  const t = d.topology;
  return {
    topology: {
      name: t.node.id, environment: t.environment, trustDomain: t.trustDomain, mode: t.mode,
      ...(Object.keys(t.layerModes).length > 0 ? { layerModes: t.layerModes } : {}),
      ...(t.environmentNamed ? { labelEnvironment: true } : {}),
    },
    clusters: first([...r.clusters.values()], (c) => c.name).sort((a, b) => cmp(a.name, b.name)),
    workloads: first(workloads, (w) => w.key),
    externals: first([...r.externals.values()], (e) => e.key).sort((a, b) => cmp(a.key, b.key)),
    platform: first([...r.platform], (x) => x.key).sort((a, b) => cmp(a.key, b.key)),
    flows: first(flows, (f) => f.id),
    breakGlass: first([...input.grants], (g) => g.name),
    networks: first(cloud.networks, (n) => n.key),
    cloudWorkloads: first(cloud.cloudWorkloads, (w) => w.key),
    warnings: problems.filter((p) => p.severity !== 'error'),
  };
}
