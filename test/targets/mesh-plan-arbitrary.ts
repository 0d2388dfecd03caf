/**
 * Random small plans for the property tests of the Cilium, Istio and SPIRE targets, and a
 * shuffler that reorders every list of a plan (the renderers must not depend on input order).
 */
import * as fc from 'fast-check';
import { Protocol } from '../../lib/core/port';
import { defaultControls, Sensitivity } from '../../lib/core/sensitivity';
import { ClusterLayerName as LayerName } from '../../lib/core/layers';
import {
  Plan, PlanCluster, PlanEdge, PlanEndpointRef, PlanExternal, PlanFlow, PlanHttpRule, PlanPort, PlanTier, PlanWorkload,
} from '../../lib/plan/types';

const LEVELS = [Sensitivity.CRITICAL, Sensitivity.HIGHLY_SENSITIVE, Sensitivity.SENSITIVE, Sensitivity.INTERNAL, Sensitivity.PUBLIC];
const CLUSTERS = ['c1', 'c2', 'c3'];
const NAMESPACES = ['n1', 'n2', 'n3'];
const PATHS = ['/a', '/b/*', '*/x', '/c.d', '*'];

/** The externals every random plan has: an FQDN one (with a wildcard), a CIDR one with a carve-out. */
export const RANDOM_EXTERNALS: PlanExternal[] = [
  { key: 'external:api', path: 'arb/api', name: 'api', fqdns: ['*.cdn.example.net', 'api.example.com'], cidrs: [], except: [] },
  { key: 'external:net', path: 'arb/net', name: 'net', fqdns: [], cidrs: ['203.0.113.0/24'], except: ['203.0.113.128/25'] },
];

function tier(level: Sensitivity, pick: number): PlanTier {
  const c = defaultControls(level);
  return {
    level, name: level, mtls: pick % 7 === 0 ? 'PERMISSIVE' : c.mtls, mutualAuth: c.mutualAuth, maxSvidTtlSeconds: c.maxSvidTtl.totalSeconds + (pick % 3) * 45,
    internetEgress: c.internetEgress, auditLogging: c.auditLogging, guardrails: c.guardrails,
  };
}

interface ClusterSpec { cilium: boolean; istio: boolean; spire: boolean; td: number; podCidrs: boolean }
interface WorkloadSpec { cluster: number; ns: number; sa: boolean; level: number; port: number; pick: number }
interface PortSpec { udp: boolean; port: number; span: number }
interface FlowSpec { src: number; dst: number; ports: PortSpec[]; http: { methods: string[]; paths: string[] }[]; bg: boolean }
interface Spec { clusters: ClusterSpec[]; workloads: WorkloadSpec[]; flows: FlowSpec[]; audit: boolean }

const clusterArb: fc.Arbitrary<ClusterSpec> = fc.record({ cilium: fc.boolean(), istio: fc.boolean(), spire: fc.boolean(), td: fc.integer({ min: 0, max: 1 }), podCidrs: fc.boolean() });
const workloadArb: fc.Arbitrary<WorkloadSpec> = fc.record({
  cluster: fc.nat(), ns: fc.nat(), sa: fc.boolean(), level: fc.integer({ min: 0, max: 4 }), port: fc.integer({ min: 1024, max: 9999 }), pick: fc.nat(),
});
const portArb: fc.Arbitrary<PortSpec> = fc.record({ udp: fc.integer({ min: 0, max: 3 }).map((n) => n === 0), port: fc.integer({ min: 1, max: 65000 }), span: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 40 })) });
const httpArb = fc.record({ methods: fc.subarray(['GET', 'POST', 'PUT']), paths: fc.subarray(PATHS) });
const flowArb: fc.Arbitrary<FlowSpec> = fc.record({
  src: fc.nat(), dst: fc.nat(), ports: fc.array(portArb, { minLength: 1, maxLength: 2 }), http: fc.oneof(fc.constant<{ methods: string[]; paths: string[] }[]>([]), fc.array(httpArb, { minLength: 1, maxLength: 2 })), bg: fc.boolean(),
});

/** Arbitrary small plans: 1 to 3 clusters (random layers and trust domains), up to 7 workloads, up to 10 flows, DNS platform flows, one BreakGlass grant. */
export const planArb: fc.Arbitrary<Plan> = fc.record({
  clusters: fc.array(clusterArb, { minLength: 1, maxLength: 3 }),
  workloads: fc.array(workloadArb, { minLength: 1, maxLength: 7 }),
  flows: fc.array(flowArb, { maxLength: 10 }),
  audit: fc.boolean(),
}).map(buildPlan);

const portKey = (p: PlanPort) => `${p.protocol}/${p.port}${p.endPort !== undefined ? `-${p.endPort}` : ''}`;
const byKey = <T extends { key: string }>(a: T, b: T) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** Builds a normalized plan from a random spec, the way the planner would (sorted, de-duplicated, both directions). */
export function buildPlan(spec: Spec): Plan {
  const clusters: PlanCluster[] = spec.clusters.map((c, i) => {
    const layers: LayerName[] = ['kubernetes', ...(c.cilium ? ['cilium' as const] : []), ...(c.istio ? ['istio' as const] : []), ...(c.spire ? ['spire' as const] : [])];
    return {
      name: CLUSTERS[i], cloud: 'test', region: '', podCidrs: c.podCidrs ? [`10.${i}.0.0/16`] : [], nodeCidrs: [], layers,
      trustDomain: c.td === 0 ? 'a.example' : 'b.example', ciliumClusterName: `mesh-${CLUSTERS[i]}`, istioRootNamespace: 'istio-system', namespaces: [],
    };
  });
  type W = Omit<PlanWorkload, 'calls' | 'calledBy'>;
  const ws: W[] = spec.workloads.map((w, i) => {
    const cluster = clusters[w.cluster % clusters.length];
    const ns = NAMESPACES[w.ns % NAMESPACES.length];
    const name = `w${i}`;
    const sa = w.sa ? name : 'shared';
    return {
      key: `${cluster.name}/${ns}/${name}`, path: `arb/${name}`, cluster: cluster.name, namespace: ns, name, serviceAccount: sa,
      selector: { app: name, tier: 'x' }, podLabels: {}, ports: [{ name: 'main', port: w.port, protocol: Protocol.TCP }],
      spiffeId: `spiffe://${cluster.trustDomain}/ns/${ns}/sa/${sa}`, tier: tier(LEVELS[w.level], w.pick),
    };
  });
  const ends: PlanEndpointRef[] = [
    ...ws.map((w): PlanEndpointRef => ({ kind: 'workload', key: w.key })),
    ...RANDOM_EXTERNALS.map((e): PlanEndpointRef => ({ kind: 'external', key: e.key })),
  ];
  const flows = new Map<string, PlanFlow>();
  for (const f of spec.flows) {
    const source = ends[f.src % ends.length];
    let destination = ends[f.dst % ends.length];
    if (source.kind === 'external' && destination.kind === 'external') destination = ends[f.dst % ws.length];
    if (source.key === destination.key) continue;
    const ports = [...new Map(f.ports.map((p): PlanPort => {
      const protocol = p.udp ? Protocol.UDP : Protocol.TCP;
      const end = Math.min(65535, p.port + p.span);
      return end > p.port ? { protocol, port: p.port, endPort: end } : { protocol, port: p.port };
    }).map((p) => [portKey(p), p])).values()].sort((a, b) => (portKey(a) < portKey(b) ? -1 : 1));
    const http: PlanHttpRule[] = f.http.map((h) => ({ methods: [...h.methods].sort(), paths: [...h.paths].sort() }));
    const origin = f.bg && source.kind === 'workload' && destination.kind === 'workload' ? 'break-glass' as const : 'declared' as const;
    const id = `${source.key}->${destination.key}:${ports.map(portKey).join(',')}#${JSON.stringify(http)}${origin === 'break-glass' ? '!bg' : ''}`;
    flows.set(id, { id, path: 'arb', source, destination, ports, http, origin, ...(origin === 'break-glass' ? { breakGlass: 'bg1' } : {}) });
  }
  for (const w of ws) {
    const id = `${w.key}->platform:${w.cluster}:dns:TCP/53,UDP/53`;
    flows.set(id, {
      id, path: 'arb', source: { kind: 'workload', key: w.key }, destination: { kind: 'platform', key: `platform:${w.cluster}:dns` },
      ports: [{ protocol: Protocol.TCP, port: 53 }, { protocol: Protocol.UDP, port: 53 }], http: [], origin: 'platform',
    });
  }
  const allFlows = [...flows.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  const edge = (f: PlanFlow, peer: PlanEndpointRef): PlanEdge => ({ flowId: f.id, peer, ports: f.ports, http: f.http, origin: f.origin, ...(f.breakGlass ? { breakGlass: f.breakGlass } : {}) });
  const byPeer = (a: PlanEdge, b: PlanEdge) => (a.peer.key + a.flowId < b.peer.key + b.flowId ? -1 : 1);
  const workloads: PlanWorkload[] = ws.map((w) => ({
    ...w,
    calls: allFlows.filter((f) => f.source.key === w.key).map((f) => edge(f, f.destination)).sort(byPeer),
    calledBy: allFlows.filter((f) => f.destination.key === w.key).map((f) => edge(f, f.source)).sort(byPeer),
  })).sort(byKey);
  const withNs = clusters.map((c) => ({ ...c, namespaces: [...new Set(workloads.filter((w) => w.cluster === c.name).map((w) => w.namespace))].sort() }));
  const bgFlows = allFlows.filter((f) => f.origin === 'break-glass').map((f) => f.id);
  return {
    topology: { name: 'arb', environment: 'test', trustDomain: 'a.example', mode: spec.audit ? 'audit' : 'enforce' },
    clusters: withNs,
    workloads,
    externals: RANDOM_EXTERNALS,
    platform: withNs.map((c) => ({ key: `platform:${c.name}:dns`, name: 'dns', cluster: c.name, namespace: 'kube-system', selector: { 'k8s-app': 'kube-dns' }, serviceAccount: 'coredns' })),
    flows: allFlows,
    breakGlass: bgFlows.length === 0 ? [] : [{
      name: 'bg1', path: 'arb/bg1', startsAt: '2026-01-01T00:00:00Z', expiresAt: '2026-01-01T01:00:00Z', expiresAtEpoch: 1767229200,
      reason: 'incident', ticket: '', approvers: ['a', 'b'], flowIds: bgFlows,
    }],
    networks: [],
    cloudWorkloads: [],
    warnings: [],
  };
}

/** Deterministic Fisher-Yates shuffle driven by a seed. */
export function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** The same plan with every list (clusters, namespaces, workloads, edges, externals, platform, flows, grants) reordered. */
export function shufflePlan(plan: Plan, seed: number): Plan {
  return {
    ...plan,
    clusters: shuffled(plan.clusters.map((c) => ({ ...c, namespaces: shuffled(c.namespaces, seed + 1) })), seed + 2),
    workloads: shuffled(plan.workloads.map((w) => ({ ...w, calls: shuffled(w.calls, seed + 3), calledBy: shuffled(w.calledBy, seed + 4) })), seed + 5),
    externals: shuffled(plan.externals.map((e) => ({ ...e, fqdns: shuffled(e.fqdns, seed + 6), cidrs: shuffled(e.cidrs, seed + 7) })), seed + 8),
    platform: shuffled(plan.platform, seed + 9),
    flows: shuffled(plan.flows, seed + 10),
    breakGlass: shuffled(plan.breakGlass, seed + 11),
  };
}
