/**
 * Istio ambient mode and the network layers: the HBONE tunnels (TCP 15008) the data plane opens
 * are flows of the plan, so NetworkPolicy and Cilium admit them from exactly the declared
 * sources; a destination a waypoint serves is reached through the waypoint's pods. Checked on
 * the plan, on the rendered objects (fields and upstream schemas), with the analysis engine,
 * and by verify (exact, and the faults found in the right layer).
 */
import { Analysis } from '../../lib/analysis/engine';
import { BreakGlass, Cluster, Duration, KubeManifest, LAYERS, Port, synthesize, Synthesis, Topology, Workload } from '../../lib';
import { GATEWAY_NAME_LABEL, HBONE_PORT, waypointKey } from '../../lib/plan/phases/flows';
import { buildPlan } from '../../lib/plan/build';
import { PlanFlow } from '../../lib/plan/types';
import { loadWithEndpoints, verifySynthesis } from '../../lib/verify';
import { schemaErrors } from '../util/schema';

const NOW = new Date('2026-11-22T21:00:00Z');

interface Shop {
  readonly topo: Topology;
  readonly eks: Cluster;
  readonly web: Workload;
  readonly cart: Workload;
  readonly db: Workload;
}

/** web → cart (POST /cart/*, a waypoint serves shop), cart → db (L4, no waypoint in data), search idle in shop. */
function shop(layers: readonly string[] = LAYERS): Shop {
  const topo = new Topology(undefined, 'shop', { trustDomain: 'shop.example.com', clock: () => NOW });
  const eks = new Cluster(topo, 'eks', { cloud: 'aws', podCidrs: ['10.1.0.0/16'], layers: layers as never, meshMode: 'ambient' });
  const web = new Workload(topo, 'web', { cluster: eks, namespace: 'shop', ports: { http: Port.tcp(8080) } });
  const cart = new Workload(topo, 'cart', { cluster: eks, namespace: 'shop', ports: { http: Port.tcp(9090) } });
  const db = new Workload(topo, 'db', { cluster: eks, namespace: 'data', ports: { pg: Port.POSTGRES } });
  new Workload(topo, 'search', { cluster: eks, namespace: 'shop', ports: { http: Port.tcp(7070) } });
  web.allowTo(cart, Port.named('http'), { http: { methods: ['POST'], paths: ['/cart/*'] } });
  cart.allowTo(db, Port.named('pg'));
  return { topo, eks, web, cart, db };
}

const WP = waypointKey('eks', 'shop');
const tunnels = (flows: readonly PlanFlow[]) => flows.filter((f) => f.tunnel === 'hbone')
  .map((f) => ({ id: f.id, origin: f.origin, ports: f.ports.map((p) => `${p.protocol}/${p.port}`).join(','), carries: (f.carries ?? []).map((p) => p.port).join(',') }));

describe('the plan of an ambient cluster', () => {
  const plan = buildPlan(shop().topo, { now: NOW });

  test('one tunnel per hop, each carrying exactly its flows\' ports: source → waypoint and waypoint → destination for the L7 flow, pod to pod for the L4 flow', () => {
    expect(tunnels(plan.flows)).toEqual([
      { id: 'hbone:eks/shop/cart->eks/data/db', origin: 'platform', ports: 'TCP/15008', carries: '5432' },
      { id: `hbone:eks/shop/web->${WP}`, origin: 'platform', ports: 'TCP/15008', carries: '9090' },
      { id: `hbone:${WP}->eks/shop/cart`, origin: 'platform', ports: 'TCP/15008', carries: '9090' },
    ]);
    // the L7 flow never goes pod to pod: Istio admits web at cart's ztunnel only through the waypoint
    expect(plan.flows.find((f) => f.id === 'hbone:eks/shop/web->eks/shop/cart')).toBeUndefined();
  });

  test('the waypoint\'s pods are a platform endpoint of their namespace, with DNS and the control plane as their own flows', () => {
    expect(plan.platform.find((p) => p.key === WP)).toEqual({
      key: WP, name: 'waypoint.shop', cluster: 'eks', namespace: 'shop', selector: { [GATEWAY_NAME_LABEL]: 'waypoint' }, serviceAccount: 'waypoint',
    });
    const own = plan.flows.filter((f) => f.source.key === WP && !f.tunnel).map((f) => `${f.destination.key} ${f.ports.map((p) => `${p.protocol}/${p.port}`).join(',')}`);
    expect(own).toEqual(['platform:eks:dns TCP/53,UDP/53', 'platform:eks:mesh-control-plane TCP/15012']);
  });

  test('the workloads see the tunnels as edges', () => {
    const cart = plan.workloads.find((w) => w.key === 'eks/shop/cart');
    expect(cart?.calledBy.filter((e) => e.tunnel).map((e) => [e.peer.key, e.carries?.map((p) => p.port)])).toEqual([[WP, [9090]]]);
  });

  test('a sidecar cluster, or an ambient cluster without Istio, gets no tunnel and no waypoint', () => {
    const side = shop();
    Object.assign(side.eks.props, { meshMode: 'sidecar' });
    const p1 = buildPlan(side.topo, { now: NOW });
    expect(tunnels(p1.flows)).toEqual([]);
    expect(p1.platform.some((p) => p.name.startsWith('waypoint.'))).toBe(false);
    const p2 = buildPlan(shop(['kubernetes', 'cilium']).topo, { now: NOW });
    expect(tunnels(p2.flows)).toEqual([]);
  });

  test('a BreakGlass flow\'s tunnels belong to the grant, so they leave with it', () => {
    const s = shop();
    new BreakGlass(s.topo, 'db-fix', { from: [s.web], to: [s.db], ports: [Port.POSTGRES], reason: 'repair the orders table', approvers: ['alice', 'bob'], start: new Date('2026-11-22T20:30:00Z'), duration: Duration.hours(2) });
    const p = buildPlan(s.topo, { now: NOW });
    const bg = p.flows.filter((f) => f.tunnel && f.origin === 'break-glass');
    expect(bg.map((f) => [f.id, f.breakGlass, f.carries?.map((x) => x.port)])).toEqual([['bg:db-fix:hbone:eks/shop/web->eks/data/db', 'db-fix', [5432]]]);
  });

  test('the same declaration in any statement order gives the same tunnels', () => {
    const a = shop();
    const b = new Topology(undefined, 'shop', { trustDomain: 'shop.example.com', clock: () => NOW });
    const eks = new Cluster(b, 'eks', { cloud: 'aws', podCidrs: ['10.1.0.0/16'], layers: [...LAYERS], meshMode: 'ambient' });
    new Workload(b, 'search', { cluster: eks, namespace: 'shop', ports: { http: Port.tcp(7070) } });
    const db = new Workload(b, 'db', { cluster: eks, namespace: 'data', ports: { pg: Port.POSTGRES } });
    const cart = new Workload(b, 'cart', { cluster: eks, namespace: 'shop', ports: { http: Port.tcp(9090) } });
    const web = new Workload(b, 'web', { cluster: eks, namespace: 'shop', ports: { http: Port.tcp(8080) } });
    cart.allowTo(db, Port.named('pg'));
    web.allowTo(cart, Port.named('http'), { http: { methods: ['POST'], paths: ['/cart/*'] } });
    expect(JSON.stringify(synthesize(b, { now: NOW }).clusters)).toEqual(JSON.stringify(synthesize(a.topo, { now: NOW }).clusters));
  });
});

type Np = KubeManifest & { spec: { podSelector: { matchLabels?: Record<string, string> }; ingress?: { from?: unknown[]; ports?: { port?: number }[] }[]; egress?: { to?: unknown[]; ports?: { port?: number }[] }[] } };

describe('the rendered network layers', () => {
  const synthesis = synthesize(shop().topo, { now: NOW });
  const manifests = synthesis.clusters[0].manifests;

  test('every emitted object validates against its upstream schema', () => {
    for (const m of manifests) expect([m.kind, m.metadata.name, schemaErrors(m)]).toEqual([m.kind, m.metadata.name, []]);
  });

  test('NetworkPolicy: the waypoint\'s pods get policies of their own, admitting exactly web in and reaching exactly cart, on 15008', () => {
    const nps = manifests.filter((m) => m.kind === 'NetworkPolicy') as Np[];
    // one policy of both types per workload, the waypoint's pods included
    const ingress = nps.find((m) => m.metadata.namespace === 'shop' && m.metadata.name === 'waypoint');
    expect(ingress?.spec.podSelector.matchLabels).toEqual({ [GATEWAY_NAME_LABEL]: 'waypoint' });
    expect(ingress?.spec.ingress).toEqual([{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchLabels: expect.objectContaining({ 'app.kubernetes.io/name': 'web' }) } }], ports: [{ protocol: 'TCP', port: HBONE_PORT }] }]);
    const egress = ingress;
    const targets = (egress?.spec.egress ?? []).map((r) => `${JSON.stringify(r.to)} ${(r.ports ?? []).map((p) => p.port).join(',')}`);
    expect(targets.some((t) => t.includes('"cart"') && t.endsWith(' 15008'))).toBe(true);
    expect(targets.some((t) => t.includes('istiod') || t.includes('15012'))).toBe(true);
    // no rule admits 15008 from everyone
    for (const np of nps) {
      for (const r of np.spec.ingress ?? []) if ((r.ports ?? []).some((p) => p.port === HBONE_PORT)) expect(r.from?.length ?? 0).toBeGreaterThan(0);
    }
  });

  test('NetworkPolicy: cart admits 15008 from the waypoint only, db from cart only', () => {
    const a = analysis(synthesis);
    const k = (from: string, to: string, port: number) => a.explain(from, to, { protocol: 'TCP', port }).layers.find((l) => l.layer === 'kubernetes')?.allowed;
    expect(k('shop/platform-waypoint.shop[Deployment]', 'shop/cart[Deployment]', HBONE_PORT)).toBe(true);
    expect(k('shop/web[Deployment]', 'shop/platform-waypoint.shop[Deployment]', HBONE_PORT)).toBe(true);
    expect(k('shop/cart[Deployment]', 'data/db[Deployment]', HBONE_PORT)).toBe(true);
    expect(k('shop/web[Deployment]', 'shop/cart[Deployment]', HBONE_PORT)).toBe(false);
    expect(k('shop/search[Deployment]', 'shop/cart[Deployment]', HBONE_PORT)).toBe(false);
    expect(k('shop/search[Deployment]', 'shop/platform-waypoint.shop[Deployment]', HBONE_PORT)).toBe(false);
    expect(k('shop/web[Deployment]', 'data/db[Deployment]', HBONE_PORT)).toBe(false);
  });

  test('Cilium: the same admissions, judged by its simulator', () => {
    const a = analysis(synthesis);
    const c = (from: string, to: string, port: number) => a.explain(from, to, { protocol: 'TCP', port }).layers.find((l) => l.layer === 'cilium')?.allowed;
    expect(c('shop/platform-waypoint.shop[Deployment]', 'shop/cart[Deployment]', HBONE_PORT)).toBe(true);
    expect(c('shop/web[Deployment]', 'shop/platform-waypoint.shop[Deployment]', HBONE_PORT)).toBe(true);
    expect(c('shop/cart[Deployment]', 'data/db[Deployment]', HBONE_PORT)).toBe(true);
    expect(c('shop/search[Deployment]', 'shop/cart[Deployment]', HBONE_PORT)).toBe(false);
    expect(c('shop/web[Deployment]', 'data/db[Deployment]', HBONE_PORT)).toBe(false);
  });

  test('Istio renders no rule for a tunnel: no AuthorizationPolicy names port 15008', () => {
    const aps = manifests.filter((m) => m.kind === 'AuthorizationPolicy');
    expect(aps.length).toBeGreaterThan(0);
    expect(JSON.stringify(aps)).not.toContain('"15008"');
  });

  test('no HBONE warning is left for a cluster whose flows stay inside it', () => {
    expect(synthesis.warnings.map((w) => w.code)).not.toContain('BH-ISTIO-AMBIENT-HBONE');
  });
});

function analysis(s: Synthesis): Analysis {
  const c = s.clusters[0];
  return Analysis.of(loadWithEndpoints(s.plan, c.cluster, c.manifests), { trustDomain: c.cluster.trustDomain, clusterName: c.cluster.ciliumClusterName, podCidrs: c.cluster.podCidrs });
}

function without(s: Synthesis, drop: (m: KubeManifest) => boolean): Synthesis {
  return { ...s, clusters: s.clusters.map((c) => ({ ...c, manifests: c.manifests.filter((m) => !drop(m)) })) };
}

/** The synthesis with one object's ingress rules removed (its egress kept). */
function withoutIngressOf(s: Synthesis, pick: (m: KubeManifest) => boolean): Synthesis {
  return { ...s, clusters: s.clusters.map((c) => ({ ...c, manifests: c.manifests.map((m) => (pick(m) ? { ...m, spec: { ...(m as Np).spec, ingress: [] } } as KubeManifest : m)) })) };
}

describe('verify of an ambient cluster with every layer', () => {
  const synthesis = synthesize(shop().topo, { now: NOW });

  test('exact in every layer: the network layers on the tunnels, Istio on what they carry', () => {
    const report = verifySynthesis(synthesis);
    expect(report.findings).toEqual([]);
    expect(report.layers.map((l) => `${l.layer}:${l.status}`)).toEqual(['kubernetes:exact', 'cilium:exact', 'istio:exact']);
  });

  test('the waypoint\'s NetworkPolicy ingress rules removed: web → waypoint on 15008 is missing in the kubernetes layer, and nowhere else', () => {
    const report = verifySynthesis(withoutIngressOf(synthesis, (m) => m.kind === 'NetworkPolicy' && m.metadata.namespace === 'shop' && m.metadata.name === 'waypoint'));
    expect(report.findings).toEqual([{ cluster: 'eks', layer: 'kubernetes', kind: 'missing', src: 'shop/web[Deployment]', dst: 'shop/platform-waypoint.shop[Deployment]', ports: 'TCP 15008' }]);
  });

  test('cart\'s Cilium policy removed: the tunnel from the waypoint is among the missing flows of the cilium layer', () => {
    const report = verifySynthesis(without(synthesis, (m) => m.kind === 'CiliumNetworkPolicy' && m.metadata.name === 'cart'));
    expect(report.findings).toContainEqual({ cluster: 'eks', layer: 'cilium', kind: 'missing', src: 'shop/platform-waypoint.shop[Deployment]', dst: 'shop/cart[Deployment]', ports: 'TCP 15008' });
    expect(report.findings.every((f) => f.layer === 'cilium')).toBe(true);
  });
});
