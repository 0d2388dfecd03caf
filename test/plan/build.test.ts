/**
 * The plan of valid declarations: both directions explicit, ports resolved and merged, HTTP
 * rules normalized, platform flows, tier defaults, identities, BreakGlass grants in force.
 */
import { Duration } from '../../lib/core/duration';
import { LABELS } from '../../lib/core/names';
import { Port, Protocol } from '../../lib/core/port';
import { defaultControls, InternetEgress, Sensitivity } from '../../lib/core/sensitivity';
import { BreakGlass } from '../../lib/model/break-glass';
import { Cluster } from '../../lib/model/cluster';
import { DomainBoundary } from '../../lib/model/domain';
import { External } from '../../lib/model/external';
import { SensitiveTier } from '../../lib/model/tier';
import { EnforcementMode, Topology } from '../../lib/model/topology';
import { Workload } from '../../lib/model/workload';
import { MESH_CONTROL_PLANE_PORT, mergePorts } from '../../lib/plan/build';
import { LAYERS } from '../../lib/core/layers';
import { Plan, PlanFlow, PlanPort, PlanWorkload } from '../../lib/plan/types';
import { base, NOW, plan } from './declare';

const tcp = (port: number, endPort?: number, name?: string): PlanPort => ({
  protocol: Protocol.TCP, port, ...(endPort !== undefined ? { endPort } : {}), ...(name ? { name } : {}),
});
const udp = (port: number): PlanPort => ({ protocol: Protocol.UDP, port });

function workload(p: Plan, key: string): PlanWorkload {
  const w = p.workloads.find((x) => x.key === key);
  if (!w) throw new Error(`no workload ${key} in the plan (have ${p.workloads.map((x) => x.key).join(', ')})`);
  return w;
}

function declared(p: Plan): PlanFlow[] {
  return p.flows.filter((f) => f.origin === 'declared');
}

/** A small shop: two clusters, a payments domain with a default tier, an FQDN and a CIDR external. */
function shop() {
  const topo = new Topology(undefined, 'shop', { trustDomain: 'shop.example.com', environment: 'prod', clock: () => NOW });
  const eks = new Cluster(topo, 'eks', { cloud: 'aws', region: 'eu-west-1', podCidrs: ['10.1.0.0/16'], layers: [...LAYERS], spireBundleEndpoint: { url: 'https://spire-bundle.shop.example.com:8443', profile: 'https_spiffe' } });
  const gke = new Cluster(topo, 'gke', { cloud: 'gcp', podCidrs: ['10.8.0.0/14'], layers: ['kubernetes', 'spire'], trustDomain: 'gke.shop.example.com', spireBundleEndpoint: { url: 'https://spire-bundle.gke.shop.example.com:8443', profile: 'https_spiffe' } });
  const publicTier = new SensitiveTier(topo, 'edge', { level: Sensitivity.PUBLIC });
  const paymentsTier = new SensitiveTier(topo, 'payments-tier', { level: Sensitivity.HIGHLY_SENSITIVE, name: 'payments' });
  const web = new Workload(topo, 'web', { cluster: eks, namespace: 'shop', tier: publicTier, ports: { http: Port.tcp(8080), metrics: Port.tcp(9100) } });
  const cart = new Workload(topo, 'cart', { cluster: eks, namespace: 'shop', serviceAccount: 'cart-sa', selector: { app: 'cart' }, ports: { grpc: Port.tcp(9090) } });
  const redis = new Workload(topo, 'redis', { cluster: eks, namespace: 'cache', ports: { redis: Port.REDIS } });
  const payments = new DomainBoundary(topo, 'payments', { tier: paymentsTier });
  const api = payments.addWorkload('payment-api', { cluster: eks, namespace: 'payments', ports: { grpc: Port.tcp(9090) } });
  const db = payments.addWorkload('payment-db', { cluster: eks, namespace: 'payments', ports: { postgres: Port.POSTGRES } });
  const fraud = payments.addWorkload('fraud', { cluster: eks, namespace: 'payments', tier: new SensitiveTier(topo, 'risk', { level: Sensitivity.CRITICAL }) });
  payments.export(api, Port.named('grpc'), { http: { methods: ['POST'], paths: ['/payments.Payments/*'] } });
  const collector = new Workload(topo, 'collector', { cluster: gke, namespace: 'analytics', ports: { http: Port.tcp(8080) } });
  const stripe = new External(topo, 'stripe', { fqdns: ['api.stripe.com', '*.stripe.com'], cidrs: ['54.187.0.0/16'] });
  const internet = new External(topo, 'internet', { cidrs: ['::/0', '0.0.0.0/0'], except: ['10.0.0.0/8'] });
  return { topo, eks, gke, web, cart, redis, payments, api, db, fraud, collector, stripe, internet, publicTier, paymentsTier };
}

describe('both directions explicit', () => {
  const s = shop();
  s.internet.allowTo(s.web, Port.named('http'));
  s.web.allowTo(s.cart, Port.named('grpc'), { http: { methods: ['POST'], paths: ['/cart.Cart/*'] } });
  s.cart.allowTo(s.redis, Port.named('redis'));
  s.web.allowTo(s.api, Port.named('grpc'), { http: { methods: ['POST'], paths: ['/payments.Payments/Charge'] }, justification: 'checkout' });
  s.db.allowFrom(s.api, Port.named('postgres'));
  s.api.allowTo(s.stripe, Port.HTTPS);
  s.web.allowTo(s.collector, Port.named('http'));
  const p = plan(s.topo);

  test('every declared flow is once in its source\'s calls and once in its destination\'s calledBy, with the same id', () => {
    expect(declared(p)).toHaveLength(7);
    for (const f of p.flows) {
      const calls = f.source.kind === 'workload' ? workload(p, f.source.key).calls.filter((e) => e.flowId === f.id) : [];
      const calledBy = f.destination.kind === 'workload' ? workload(p, f.destination.key).calledBy.filter((e) => e.flowId === f.id) : [];
      if (f.source.kind === 'workload') {
        expect(calls).toEqual([{ flowId: f.id, peer: f.destination, ports: f.ports, http: f.http, origin: f.origin, ...(f.breakGlass ? { breakGlass: f.breakGlass } : {}) }]);
      }
      if (f.destination.kind === 'workload') {
        expect(calledBy).toEqual([{ flowId: f.id, peer: f.source, ports: f.ports, http: f.http, origin: f.origin, ...(f.breakGlass ? { breakGlass: f.breakGlass } : {}) }]);
      }
    }
  });

  test('every edge refers to a flow of the plan, so nothing is one-sided', () => {
    const ids = new Set(p.flows.map((f) => f.id));
    const edges = p.workloads.flatMap((w) => [...w.calls, ...w.calledBy]);
    expect(edges.length).toBeGreaterThan(0);
    for (const e of edges) expect(ids.has(e.flowId)).toBe(true);
    const count = (w: PlanWorkload) => w.calls.length + w.calledBy.length;
    const expected = p.flows.reduce((n, f) => n + (f.source.kind === 'workload' ? 1 : 0) + (f.destination.kind === 'workload' ? 1 : 0), 0);
    expect(p.workloads.reduce((n, w) => n + count(w), 0)).toBe(expected);
  });

  test('edges are sorted by peer key, then flow id; flows by id; workloads by key', () => {
    for (const w of p.workloads) {
      for (const list of [w.calls, w.calledBy]) {
        const keys = list.map((e) => `${e.peer.key}\u0000${e.flowId}`);
        expect(keys).toEqual([...keys].sort());
      }
    }
    const ids = p.flows.map((f) => f.id);
    expect(ids).toEqual([...ids].sort());
    expect(p.workloads.map((w) => w.key)).toEqual([
      'eks/cache/redis', 'eks/payments/fraud', 'eks/payments/payment-api', 'eks/payments/payment-db', 'eks/shop/cart', 'eks/shop/web', 'gke/analytics/collector',
    ]);
  });

  test('externals appear on the workload side only', () => {
    const web = workload(p, 'eks/shop/web');
    expect(web.calledBy.filter((e) => e.peer.kind === 'external')).toEqual([
      { flowId: 'external:internet->eks/shop/web', peer: { kind: 'external', key: 'external:internet' }, ports: [tcp(8080, undefined, 'http')], http: [], origin: 'declared' },
    ]);
    const api = workload(p, 'eks/payments/payment-api');
    expect(api.calls.filter((e) => e.peer.kind === 'external').map((e) => [e.flowId, e.ports])).toEqual([
      ['eks/payments/payment-api->external:stripe', [tcp(443)]],
    ]);
  });

  test('flow ids derive from content; an HTTP rule adds a hash of the rules', () => {
    expect(declared(p).map((f) => f.id.replace(/#[0-9a-f]{8}$/, '#<hash>'))).toEqual([
      'eks/payments/payment-api->eks/payments/payment-db',
      'eks/payments/payment-api->external:stripe',
      'eks/shop/cart->eks/cache/redis',
      'eks/shop/web->eks/payments/payment-api#<hash>',
      'eks/shop/web->eks/shop/cart#<hash>',
      'eks/shop/web->gke/analytics/collector',
      'external:internet->eks/shop/web',
    ]);
  });

  test('each flow keeps the construct path of its statement and its justification', () => {
    const byId = (prefix: string) => declared(p).find((f) => f.id.startsWith(prefix))!;
    expect(byId('eks/payments/payment-api->eks/payments/payment-db').path).toBe('shop/payments/payment-db');
    expect(byId('external:internet').path).toBe('shop/internet');
    expect(byId('eks/shop/web->eks/payments/payment-api').justification).toBe('checkout');
    expect(byId('eks/shop/cart->eks/cache/redis').justification).toBeUndefined();
    expect('justification' in byId('eks/shop/cart->eks/cache/redis')).toBe(false);
  });

  test('topology, clusters and externals', () => {
    expect(p.topology).toEqual({ name: 'shop', environment: 'prod', trustDomain: 'shop.example.com', mode: 'enforce', labelEnvironment: true });
    expect(p.clusters.map((c) => [c.name, c.namespaces])).toEqual([
      ['eks', ['cache', 'payments', 'shop']],
      ['gke', ['analytics']],
    ]);
    expect(p.clusters[1]).toMatchObject({ cloud: 'gcp', region: '', layers: ['kubernetes', 'spire'], trustDomain: 'gke.shop.example.com', ciliumClusterName: 'gke', istioRootNamespace: 'istio-system' });
    expect(p.clusters[0].layers).toEqual(['kubernetes', 'cluster-network-policy', 'cilium', 'istio', 'spire']);
    expect(p.externals).toEqual([
      { key: 'external:internet', path: 'shop/internet', name: 'internet', fqdns: [], cidrs: ['0.0.0.0/0', '::/0'], except: ['10.0.0.0/8'] },
      { key: 'external:stripe', path: 'shop/stripe', name: 'stripe', fqdns: ['*.stripe.com', 'api.stripe.com'], cidrs: ['54.187.0.0/16'], except: [] },
    ]);
    expect(p.warnings).toEqual([]);
  });
});

describe('ports', () => {
  test('named ports are resolved to the destination\'s numbers and keep their name', () => {
    const b = base();
    b.web.allowTo(b.cart, Port.named('grpc'));
    const f = declared(plan(b.topo))[0];
    expect(f.ports).toEqual([tcp(9090, undefined, 'grpc')]);
    expect(plan(b.topo).workloads.find((w) => w.name === 'cart')!.ports).toEqual([{ name: 'grpc', port: 9090, protocol: Protocol.TCP }]);
  });

  test('a workload\'s named ports are listed sorted by name', () => {
    const b = base();
    new Workload(b.topo, 'multi', { cluster: b.eks, namespace: 'shop', ports: { zeta: Port.tcp(1), alpha: Port.udp(2), mid: Port.sctp(3) } });
    expect(workload(plan(b.topo), 'eks/shop/multi').ports.map((x) => x.name)).toEqual(['alpha', 'mid', 'zeta']);
  });

  test('ports of every statement of one flow are merged and sorted', () => {
    const b = base();
    b.web.allowTo(b.cart, [Port.tcp(443), Port.udp(53), Port.tcp(80)]);
    b.web.allowTo(b.cart, [Port.tcp(81), Port.tcpRange(8000, 8100), Port.tcp(8050)]);
    b.web.allowTo(b.cart, Port.named('grpc'));
    const flows = declared(plan(b.topo));
    expect(flows).toHaveLength(1);
    expect(flows[0].ports).toEqual([tcp(80, 81), tcp(443), tcp(8000, 8100), tcp(9090, undefined, 'grpc'), udp(53)]);
  });

  test('mergePorts: sorts by protocol and number, merges overlapping and adjacent ranges, drops duplicates', () => {
    expect(mergePorts([])).toEqual([]);
    expect(mergePorts([udp(53), tcp(5432), tcp(5432), tcp(53)])).toEqual([tcp(53), tcp(5432), udp(53)]);
    expect(mergePorts([tcp(10, 20), tcp(15, 30), tcp(31), tcp(40)])).toEqual([tcp(10, 31), tcp(40)]);
    expect(mergePorts([tcp(100), tcp(1, 65535)])).toEqual([tcp(1, 65535)]);
    // A name survives only on a single port; a range swallows it.
    expect(mergePorts([tcp(9090, undefined, 'grpc'), tcp(9090)])).toEqual([tcp(9090, undefined, 'grpc')]);
    expect(mergePorts([tcp(9090, undefined, 'grpc'), tcp(9091)])).toEqual([tcp(9090, 9091)]);
  });

  test('mergePorts keeps the same name whatever the order when two names denote one port', () => {
    const a = tcp(8080, undefined, 'web');
    const b = tcp(8080, undefined, 'http');
    expect(mergePorts([a, b])).toEqual([tcp(8080, undefined, 'http')]);
    expect(mergePorts([b, a])).toEqual([tcp(8080, undefined, 'http')]);
    expect(mergePorts([tcp(8080), a])).toEqual(mergePorts([a, tcp(8080)]));
  });
});

describe('de-duplication', () => {
  test('a.allowTo(b, p) and b.allowFrom(a, p) are one flow, with both edges once', () => {
    const b = base();
    b.web.allowTo(b.cart, Port.named('grpc'));
    b.cart.allowFrom(b.web, Port.tcp(9090));
    const p = plan(b.topo);
    expect(declared(p)).toHaveLength(1);
    const f = declared(p)[0];
    expect(f.id).toBe('eks/shop/web->eks/shop/cart');
    // The path of the first statement in path order.
    expect(f.path).toBe('shop/cart');
    expect(f.ports).toEqual([tcp(9090, undefined, 'grpc')]);
    expect(workload(p, 'eks/shop/web').calls.filter((e) => e.origin === 'declared')).toHaveLength(1);
    expect(workload(p, 'eks/shop/cart').calledBy).toHaveLength(1);
  });

  test('justifications of merged statements are joined, sorted, blanks dropped', () => {
    const b = base();
    b.web.allowTo(b.cart, Port.named('grpc'), { justification: 'zebra' });
    b.cart.allowFrom(b.web, Port.named('grpc'), { justification: 'alpha' });
    b.web.allowTo(b.cart, Port.named('grpc'), { justification: ' ' });
    expect(declared(plan(b.topo))[0].justification).toBe('alpha; zebra');
  });

  test('the joined justification does not depend on the order of the statements', () => {
    const texts = ['b', 'a', 'a', ' c '];
    const joined = [texts, [...texts].reverse(), ['a', ' c ', 'b', 'a']].map((order) => {
      const b = base();
      for (const j of order) b.web.allowTo(b.cart, Port.named('grpc'), { justification: j });
      return declared(plan(b.topo))[0].justification;
    });
    expect(joined).toEqual(['a; b; c', 'a; b; c', 'a; b; c']);
    const one = base();
    one.web.allowTo(one.cart, Port.named('grpc'), { justification: '  checkout  ' });
    expect(declared(plan(one.topo))[0].justification).toBe('checkout');
  });

  test('the same pair with different HTTP rules gives separate flows; the same rules written differently give one', () => {
    const b = base();
    b.web.allowTo(b.cart, Port.named('grpc'), { http: { methods: ['get'], paths: ['/b', '/a'] } });
    b.cart.allowFrom(b.web, Port.named('grpc'), { http: [{ paths: ['/a', '/b', '/a'], methods: ['GET', 'get'] }] });
    b.web.allowTo(b.cart, Port.named('grpc'), { http: { methods: ['DELETE'] } });
    const flows = declared(plan(b.topo));
    expect(flows).toHaveLength(2);
    expect(flows.map((f) => f.http)).toEqual(expect.arrayContaining([
      [{ methods: ['GET'], paths: ['/a', '/b'] }],
      [{ methods: ['DELETE'], paths: [] }],
    ]));
    expect(new Set(flows.map((f) => f.id)).size).toBe(2);
  });
});

describe('HTTP rules', () => {
  test('methods are upper-cased, de-duplicated and sorted; paths sorted; rules in a fixed order', () => {
    const b = base();
    b.web.allowTo(b.cart, Port.named('grpc'), {
      http: [
        { methods: ['post', 'GET', 'get'], paths: ['/z', '/api/*', '*.json'] },
        { methods: ['delete'] },
        { paths: ['/health'] },
      ],
    });
    // Rules are sorted by their JSON text: a fixed order, whatever the declared one.
    expect(declared(plan(b.topo))[0].http).toEqual([
      { methods: ['DELETE'], paths: [] },
      { methods: ['GET', 'POST'], paths: ['*.json', '/api/*', '/z'] },
      { methods: [], paths: ['/health'] },
    ]);
  });

  test('the order of rules does not change the flow id', () => {
    const one = base();
    one.web.allowTo(one.cart, Port.named('grpc'), { http: [{ methods: ['GET'] }, { methods: ['POST'], paths: ['/x'] }] });
    const two = base();
    two.web.allowTo(two.cart, Port.named('grpc'), { http: [{ paths: ['/x'], methods: ['post'] }, { methods: ['get'] }] });
    expect(declared(plan(two.topo))).toEqual(declared(plan(one.topo)));
  });

  test('an empty HttpMatch means no L7 constraint', () => {
    const b = base();
    b.web.allowTo(b.cart, Port.named('grpc'), { http: {} });
    const f = declared(plan(b.topo))[0];
    expect(f.http).toEqual([]);
    expect(f.id).toBe('eks/shop/web->eks/shop/cart');
  });

  test('a rule that matches everything, ORed with narrower ones, leaves the flow unconstrained', () => {
    // Rules are ORed: [{ methods: [GET] }, {}] matches every request, not only GETs.
    const b = base();
    b.web.allowTo(b.cart, Port.named('grpc'), { http: [{ methods: ['GET'] }, {}] });
    const f = declared(plan(b.topo))[0];
    expect(f.http).toEqual([]);
    expect(f.id).toBe('eks/shop/web->eks/shop/cart');
  });

  test('an export with a rule that matches everything exports the whole port', () => {
    const b = base();
    const d = new DomainBoundary(b.topo, 'billing');
    const inv = d.addWorkload('invoices', { cluster: b.eks, namespace: 'billing', ports: { http: Port.tcp(8080) } });
    d.export(inv, Port.named('http'), { http: [{ paths: ['/public/*'] }, {}] });
    b.web.allowTo(inv, Port.named('http'), { http: { paths: ['/private/x'] } });
    b.web.allowTo(inv, Port.named('http'));
    expect(declared(plan(b.topo))).toHaveLength(2);
  });
});

describe('platform flows', () => {
  test('every workload may query its own cluster\'s DNS on TCP and UDP 53', () => {
    const s = shop();
    const p = plan(s.topo);
    expect(p.platform.filter((x) => x.name === 'dns')).toEqual([
      { key: 'platform:eks:dns', name: 'dns', cluster: 'eks', namespace: 'kube-system', selector: { 'k8s-app': 'kube-dns' }, serviceAccount: 'coredns' },
      { key: 'platform:gke:dns', name: 'dns', cluster: 'gke', namespace: 'kube-system', selector: { 'k8s-app': 'kube-dns' }, serviceAccount: 'coredns' },
    ]);
    for (const w of p.workloads) {
      const dns = w.calls.filter((e) => e.peer.kind === 'platform' && e.peer.key.endsWith(':dns'));
      expect(dns).toEqual([{
        flowId: `${w.key}->platform:${w.cluster}:dns`, peer: { kind: 'platform', key: `platform:${w.cluster}:dns` },
        ports: [tcp(53), udp(53)], http: [], origin: 'platform',
      }]);
    }
  });

  test('the mesh control plane is reached only from clusters that run istio', () => {
    const s = shop();
    const p = plan(s.topo);
    expect(p.platform.filter((x) => x.name === 'mesh-control-plane').map((x) => x.key)).toEqual(['platform:eks:mesh-control-plane']);
    for (const w of p.workloads) {
      const mesh = w.calls.filter((e) => e.peer.key.endsWith(':mesh-control-plane'));
      if (w.cluster === 'eks') expect(mesh.map((e) => e.ports)).toEqual([[tcp(MESH_CONTROL_PLANE_PORT)]]);
      else expect(mesh).toEqual([]);
    }
  });

  test('a metrics scraper reaches exactly the workloads with a port named metrics', () => {
    const topo = new Topology(undefined, 'shop', {
      trustDomain: 'shop.example.com', clock: () => NOW,
      platform: {
        metricsScraper: { namespace: 'monitoring', selector: { 'app.kubernetes.io/name': 'prometheus' }, serviceAccount: 'prometheus' },
        dns: { namespace: 'dns', selector: { app: 'resolver' } },
      },
    });
    const eks = new Cluster(topo, 'eks', { cloud: 'aws', layers: ['kubernetes'] });
    new Workload(topo, 'web', { cluster: eks, namespace: 'shop', ports: { http: Port.tcp(8080), metrics: Port.tcp(9100) } });
    new Workload(topo, 'cart', { cluster: eks, namespace: 'shop', ports: { grpc: Port.tcp(9090), 'metrics-x': Port.tcp(9101) } });
    const p = plan(topo);
    expect(p.platform).toEqual([
      { key: 'platform:eks:dns', name: 'dns', cluster: 'eks', namespace: 'dns', selector: { app: 'resolver' }, serviceAccount: 'default' },
      { key: 'platform:eks:metrics', name: 'metrics', cluster: 'eks', namespace: 'monitoring', selector: { 'app.kubernetes.io/name': 'prometheus' }, serviceAccount: 'prometheus' },
    ]);
    const metrics = p.flows.filter((f) => f.source.key === 'platform:eks:metrics');
    expect(metrics.map((f) => [f.id, f.ports, f.origin])).toEqual([
      ['platform:eks:metrics->eks/shop/web', [tcp(9100, undefined, 'metrics')], 'platform'],
    ]);
    expect(workload(p, 'eks/shop/web').calledBy.map((e) => e.peer.key)).toEqual(['platform:eks:metrics']);
    expect(workload(p, 'eks/shop/cart').calledBy).toEqual([]);
    // No istio: no mesh control plane.
    expect(p.flows.some((f) => f.destination.key.endsWith(':mesh-control-plane'))).toBe(false);
  });

  test('a cluster with no workload has no platform flows and no namespaces', () => {
    const b = base();
    new Cluster(b.topo, 'idle', { cloud: 'gcp' });
    const p = plan(b.topo);
    expect(p.clusters.find((c) => c.name === 'idle')!.namespaces).toEqual([]);
    expect(p.flows.filter((f) => f.source.key.includes(':idle:') || f.destination.key.includes(':idle:'))).toEqual([]);
  });
});

describe('tiers and domains', () => {
  const s = shop();
  const p = plan(s.topo);

  test('a workload without a tier is internal, with the internal controls', () => {
    const c = defaultControls(Sensitivity.INTERNAL);
    expect(workload(p, 'eks/shop/cart').tier).toEqual({
      level: Sensitivity.INTERNAL, name: 'internal', mtls: c.mtls, mutualAuth: c.mutualAuth, maxSvidTtlSeconds: 4 * 3600,
      internetEgress: InternetEgress.ANY, auditLogging: false, guardrails: false,
    });
    expect(workload(p, 'eks/shop/cart').podLabels).toEqual({ [LABELS.tier]: 'internal', [LABELS.workload]: 'cart' });
    expect(workload(p, 'eks/shop/cart').domain).toBeUndefined();
  });

  test('a domain workload takes the domain\'s tier, and its own tier wins over it', () => {
    const api = workload(p, 'eks/payments/payment-api');
    expect(api.tier).toMatchObject({ level: Sensitivity.HIGHLY_SENSITIVE, name: 'payments', maxSvidTtlSeconds: 30 * 60, internetEgress: InternetEgress.FQDN_ONLY, mutualAuth: true, auditLogging: true, guardrails: true });
    expect(api.domain).toBe('payments');
    expect(api.podLabels).toEqual({ [LABELS.domain]: 'payments', [LABELS.tier]: 'highly-sensitive', [LABELS.workload]: 'payment-api' });
    expect(Object.keys(api.podLabels)).toEqual([...Object.keys(api.podLabels)].sort());
    const fraud = workload(p, 'eks/payments/fraud');
    expect(fraud.tier).toMatchObject({ level: Sensitivity.CRITICAL, name: 'risk', maxSvidTtlSeconds: 15 * 60, internetEgress: InternetEgress.NONE });
    expect(fraud.domain).toBe('payments');
  });

  test('tier overrides tighten the controls in the plan', () => {
    const b = base();
    const tier = new SensitiveTier(b.topo, 'tight', { level: Sensitivity.SENSITIVE, maxSvidTtl: Duration.minutes(20), internetEgress: InternetEgress.NONE, mutualAuth: true });
    new Workload(b.topo, 'vault', { cluster: b.eks, namespace: 'vault', tier });
    expect(workload(plan(b.topo), 'eks/vault/vault').tier).toMatchObject({ name: 'tight', level: 'sensitive', maxSvidTtlSeconds: 1200, internetEgress: 'none', mutualAuth: true });
  });
});

describe('identities', () => {
  test('SPIFFE IDs from the cluster trust domain, namespace and service account', () => {
    const p = plan(shop().topo);
    expect(workload(p, 'eks/shop/web').spiffeId).toBe('spiffe://shop.example.com/ns/shop/sa/web');
    expect(workload(p, 'eks/shop/cart').serviceAccount).toBe('cart-sa');
    expect(workload(p, 'eks/shop/cart').spiffeId).toBe('spiffe://shop.example.com/ns/shop/sa/cart-sa');
    expect(workload(p, 'gke/analytics/collector').spiffeId).toBe('spiffe://gke.shop.example.com/ns/analytics/sa/collector');
  });

  test('selectors default to app.kubernetes.io/name and are written with sorted keys', () => {
    const b = base();
    new Workload(b.topo, 'api', { cluster: b.eks, namespace: 'shop', selector: { zone: 'a', app: 'api', 'app.kubernetes.io/part-of': 'shop' } });
    const p = plan(b.topo);
    expect(workload(p, 'eks/shop/web').selector).toEqual({ 'app.kubernetes.io/name': 'web' });
    expect(Object.keys(workload(p, 'eks/shop/api').selector)).toEqual(['app', 'app.kubernetes.io/part-of', 'zone']);
  });

  test('audit mode is carried in the plan', () => {
    expect(plan(base({ mode: EnforcementMode.AUDIT }).topo).topology.mode).toBe('audit');
  });
});

describe('break-glass grants in force', () => {
  function withGrant(extra: Partial<ConstructorParameters<typeof BreakGlass>[2]> = {}) {
    const s = shop();
    const oncall = new Workload(s.topo, 'oncall', { cluster: s.eks, namespace: 'ops' });
    new BreakGlass(s.topo, 'db-oncall', {
      from: [oncall], to: [s.db], ports: Port.named('postgres'),
      start: '2026-11-22T20:30:00Z', duration: Duration.hours(2),
      reason: ' restore a corrupted ledger row ', ticket: 'INC-4711', approvers: ['carol', 'alice', 'alice'],
      ...extra,
    });
    return s;
  }

  test('a grant becomes break-glass flows and a PlanBreakGlass with its expiry', () => {
    const p = plan(withGrant().topo);
    const flows = p.flows.filter((f) => f.origin === 'break-glass');
    expect(flows).toEqual([{
      id: 'bg:db-oncall:eks/ops/oncall->eks/payments/payment-db', path: 'shop/db-oncall',
      source: { kind: 'workload', key: 'eks/ops/oncall' }, destination: { kind: 'workload', key: 'eks/payments/payment-db' },
      ports: [tcp(5432, undefined, 'postgres')], http: [], origin: 'break-glass', breakGlass: 'db-oncall',
    }]);
    expect(p.breakGlass).toEqual([{
      name: 'db-oncall', path: 'shop/db-oncall', startsAt: '2026-11-22T20:30:00Z', expiresAt: '2026-11-22T22:30:00Z',
      expiresAtEpoch: Date.parse('2026-11-22T22:30:00Z') / 1000, reason: 'restore a corrupted ledger row', ticket: 'INC-4711',
      approvers: ['alice', 'carol'], flowIds: [flows[0].id],
    }]);
    expect(workload(p, 'eks/ops/oncall').calls.filter((e) => e.origin === 'break-glass')).toEqual([{
      flowId: flows[0].id, peer: { kind: 'workload', key: 'eks/payments/payment-db' }, ports: [tcp(5432, undefined, 'postgres')], http: [], origin: 'break-glass', breakGlass: 'db-oncall',
    }]);
    expect(workload(p, 'eks/payments/payment-db').calledBy.map((e) => e.breakGlass)).toEqual(['db-oncall']);
    expect(p.warnings).toEqual([]);
  });

  test('a grant needs no domain export and no justification: that is what it is for', () => {
    // oncall is outside the payments domain and less sensitive than payment-db.
    expect(() => plan(withGrant().topo)).not.toThrow();
  });

  test('a grant with a Date start and several sources and targets yields one flow per pair', () => {
    const s = withGrant({ start: new Date('2026-11-22T20:45:00Z'), duration: Duration.minutes(30) });
    const bastion = new Workload(s.topo, 'bastion', { cluster: s.eks, namespace: 'ops' });
    const bg = s.topo.node.findChild('db-oncall') as BreakGlass;
    (bg.props.from as Workload[]).push(bastion);
    (bg.props.to as Workload[]).push(s.api);
    (bg.props as { ports: Port[] }).ports = [Port.POSTGRES, Port.tcp(9090)];
    const p = plan(s.topo);
    const g = p.breakGlass[0];
    expect(g.startsAt).toBe('2026-11-22T20:45:00Z');
    expect(g.expiresAt).toBe('2026-11-22T21:15:00Z');
    expect(g.flowIds).toEqual([
      'bg:db-oncall:eks/ops/bastion->eks/payments/payment-api',
      'bg:db-oncall:eks/ops/bastion->eks/payments/payment-db',
      'bg:db-oncall:eks/ops/oncall->eks/payments/payment-api',
      'bg:db-oncall:eks/ops/oncall->eks/payments/payment-db',
    ]);
    expect(p.flows.filter((f) => f.origin === 'break-glass').map((f) => f.id)).toEqual(g.flowIds);
    expect(p.flows.find((f) => f.id === g.flowIds[0])!.ports).toEqual([tcp(5432), tcp(9090)]);
  });

  test('a peer listed twice in from or to gives its flow once', () => {
    const s = shop();
    const oncall = new Workload(s.topo, 'oncall', { cluster: s.eks, namespace: 'ops' });
    new BreakGlass(s.topo, 'db-oncall', {
      from: [oncall, oncall], to: [s.db, s.db], ports: Port.POSTGRES, start: '2026-11-22T20:30:00Z', duration: Duration.hours(1),
      reason: 'restore', approvers: ['alice', 'bob'],
    });
    const p = plan(s.topo);
    expect(p.flows.filter((f) => f.origin === 'break-glass')).toHaveLength(1);
    expect(workload(p, 'eks/payments/payment-db').calledBy).toHaveLength(1);
    expect(new Set(p.flows.map((f) => f.id)).size).toBe(p.flows.length);
  });

  test('a grant with no ticket has an empty ticket; it is emitted until the very last second', () => {
    const s = withGrant({ ticket: undefined });
    const p = plan(s.topo, new Date('2026-11-22T22:29:59Z'));
    expect(p.breakGlass.map((g) => [g.name, g.ticket])).toEqual([['db-oncall', '']]);
    expect(plan(s.topo, new Date('2026-11-22T22:30:00Z')).breakGlass).toEqual([]);
  });
});
