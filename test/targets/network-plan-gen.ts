/**
 * Plan builders for the NetworkPolicy and ClusterNetworkPolicy tests: a compact spec becomes a
 * consistent plan (flows, both edge directions, DNS platform flows, grants), plus a seeded
 * deep shuffle of any plan (every array and every object's key order) for determinism tests.
 */
import { Protocol } from '../../lib/core/port';
import { defaultControls, Sensitivity } from '../../lib/core/sensitivity';
import {
  Plan, PlanBreakGlass, PlanCluster, PlanEdge, PlanEndpointRef, PlanExternal, PlanFlow, PlanPlatformEndpoint, PlanPort, PlanTier, PlanWorkload,
} from '../../lib/plan/types';

/** A tier with the default controls of its level. */
export function tierOf(level: Sensitivity): PlanTier {
  const c = defaultControls(level);
  return {
    level, name: level, mtls: c.mtls, mutualAuth: c.mutualAuth, maxSvidTtlSeconds: c.maxSvidTtl.totalSeconds,
    internetEgress: c.internetEgress, auditLogging: c.auditLogging, guardrails: c.guardrails,
  };
}

export interface GenCluster { name: string; podCidrs?: string[]; nodeCidrs?: string[]; namespaces?: string[] }
export interface GenWorkload { cluster: string; namespace: string; name: string; level?: Sensitivity }
export interface GenFlow {
  /** `<cluster>/<ns>/<name>`, `external:<name>` or `platform:<cluster>:<name>`. */
  from: string;
  to: string;
  ports: PlanPort[];
  breakGlass?: string;
  origin?: PlanFlow['origin'];
}
export interface GenSpec {
  clusters: GenCluster[];
  workloads: GenWorkload[];
  externals?: Array<Pick<PlanExternal, 'name'> & Partial<Pick<PlanExternal, 'fqdns' | 'cidrs' | 'except'>>>;
  /** Extra platform endpoints besides DNS. */
  platform?: Array<{ cluster: string; name: string; namespace: string; selector: Record<string, string> }>;
  flows: GenFlow[];
  /** Add a DNS endpoint per cluster and a DNS flow per workload. @default true */
  dns?: boolean;
  mode?: 'enforce' | 'audit';
}

export const tcp = (port: number, endPort?: number): PlanPort => ({ protocol: Protocol.TCP, port, ...(endPort ? { endPort } : {}) });
export const udp = (port: number): PlanPort => ({ protocol: Protocol.UDP, port });

function ref(s: string): PlanEndpointRef {
  if (s.startsWith('external:')) return { kind: 'external', key: s };
  if (s.startsWith('platform:')) return { kind: 'platform', key: s };
  return { kind: 'workload', key: s };
}

function portText(ps: readonly PlanPort[]): string {
  return ps.map((p) => `${p.protocol}/${p.port}${p.endPort ? `-${p.endPort}` : ''}`).join(',');
}

/** Builds a consistent plan from a compact spec. */
export function buildPlan(spec: GenSpec): Plan {
  const dns = spec.dns !== false;
  const platform: PlanPlatformEndpoint[] = [
    ...(dns ? spec.clusters.map((c) => ({ key: `platform:${c.name}:dns`, name: 'dns', cluster: c.name, namespace: 'kube-system', selector: { 'k8s-app': 'kube-dns' }, serviceAccount: 'coredns' })) : []),
    ...(spec.platform ?? []).map((p) => ({ key: `platform:${p.cluster}:${p.name}`, name: p.name, cluster: p.cluster, namespace: p.namespace, selector: p.selector, serviceAccount: p.name })),
  ].sort((a, b) => (a.key < b.key ? -1 : 1));
  const genFlows: GenFlow[] = [
    ...spec.flows,
    ...(dns ? spec.workloads.map((w) => ({ from: `${w.cluster}/${w.namespace}/${w.name}`, to: `platform:${w.cluster}:dns`, ports: [tcp(53), udp(53)], origin: 'platform' as const })) : []),
  ];
  const byId = new Map<string, PlanFlow>();
  for (const f of genFlows) {
    const origin = f.origin ?? (f.breakGlass ? 'break-glass' : 'declared');
    const id = `${f.from}->${f.to}:${portText(f.ports)}${f.breakGlass ? `:bg:${f.breakGlass}` : ''}`;
    byId.set(id, {
      id, path: `gen/${f.from}->${f.to}`, source: ref(f.from), destination: ref(f.to), ports: f.ports, http: [], origin,
      ...(f.breakGlass ? { breakGlass: f.breakGlass } : {}),
    });
  }
  const flows = [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  const edge = (f: PlanFlow, peer: PlanEndpointRef): PlanEdge => ({
    flowId: f.id, peer, ports: f.ports, http: f.http, origin: f.origin, ...(f.breakGlass ? { breakGlass: f.breakGlass } : {}),
  });
  const byPeer = (a: PlanEdge, b: PlanEdge) => (a.peer.key + a.flowId < b.peer.key + b.flowId ? -1 : 1);
  const workloads: PlanWorkload[] = spec.workloads.map((w) => {
    const key = `${w.cluster}/${w.namespace}/${w.name}`;
    const level = w.level ?? Sensitivity.INTERNAL;
    return {
      key, path: `gen/${w.namespace}/${w.name}`, cluster: w.cluster, namespace: w.namespace, name: w.name, serviceAccount: w.name,
      selector: { app: w.name, 'bulkhead.io/workload': w.name }, podLabels: {}, ports: [], spiffeId: `spiffe://gen.test/ns/${w.namespace}/sa/${w.name}`,
      tier: tierOf(level),
      calls: flows.filter((f) => f.source.key === key).map((f) => edge(f, f.destination)).sort(byPeer),
      calledBy: flows.filter((f) => f.destination.key === key).map((f) => edge(f, f.source)).sort(byPeer),
    };
  }).sort((a, b) => (a.key < b.key ? -1 : 1));
  const clusters: PlanCluster[] = spec.clusters.map((c): PlanCluster => ({
    name: c.name, cloud: 'aws', region: 'eu-west-1', podCidrs: c.podCidrs ?? [], nodeCidrs: c.nodeCidrs ?? [],
    layers: ['kubernetes', 'cluster-network-policy'], trustDomain: 'gen.test', ciliumClusterName: c.name, istioRootNamespace: 'istio-system',
    namespaces: [...new Set([...(c.namespaces ?? []), ...spec.workloads.filter((w) => w.cluster === c.name).map((w) => w.namespace)])].sort(),
  })).sort((a, b) => (a.name < b.name ? -1 : 1));
  const grants = [...new Set(flows.filter((f) => f.breakGlass).map((f) => f.breakGlass as string))].sort();
  const breakGlass: PlanBreakGlass[] = grants.map((g) => ({
    name: g, path: `gen/${g}`, startsAt: '2026-01-01T00:00:00Z', expiresAt: '2026-01-01T02:00:00Z', expiresAtEpoch: 1767232800,
    reason: 'incident', ticket: '', approvers: ['alice', 'bob'], flowIds: flows.filter((f) => f.breakGlass === g).map((f) => f.id),
  }));
  return {
    topology: { name: 'gen', environment: 'test', trustDomain: 'gen.test', mode: spec.mode ?? 'enforce' },
    clusters,
    workloads,
    externals: (spec.externals ?? []).map((e) => ({ key: `external:${e.name}`, path: `gen/${e.name}`, name: e.name, fqdns: e.fqdns ?? [], cidrs: e.cidrs ?? [], except: e.except ?? [] }))
      .sort((a, b) => (a.key < b.key ? -1 : 1)),
    platform,
    flows,
    breakGlass,
    networks: [],
    cloudWorkloads: [],
    warnings: [],
  };
}

/** A small seeded pseudo-random generator (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A copy of `value` with every array shuffled and every object's keys in a random order. */
export function deepShuffle<T>(value: T, rand: () => number): T {
  return shuffleAny(value, rand) as T;
}

function shuffleAny(v: unknown, rand: () => number): unknown {
  if (Array.isArray(v)) {
    const xs = v.map((x) => shuffleAny(x, rand));
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [xs[i], xs[j]] = [xs[j], xs[i]];
    }
    return xs;
  }
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, shuffleAny(x, rand)] as const);
    for (let i = entries.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [entries[i], entries[j]] = [entries[j], entries[i]];
    }
    return Object.fromEntries(entries);
  }
  return v;
}
