/**
 * The Istio renderer for ambient clusters: selector policies with L4 fields only (ztunnel),
 * waypoint Gateways and policies attached with targetRefs to the destination's Service for
 * L7 rules, the waypoint's principal admitted at the destination, no Sidecar, STRICT mTLS,
 * and the warnings on what it cannot do or does not own.
 */
import * as fc from 'fast-check';
import { Cluster, ClusterProps, EnforcementMode, External, LAYERS, Port, synthesize, Topology, Workload } from '../../lib';
import { Problem } from '../../lib/core/errors';
import {
  ambientStandIns, AuthorizationPolicy, ISTIO_AMBIENT_WARNINGS, ISTIO_WAYPOINT_NAME, IstioManifest, PeerAuthentication, WaypointGateway,
} from '../../lib/targets/istio';
import { KubeManifest } from '../../lib/targets/types';
import { schemaErrors } from '../util/schema';

const NOW = new Date('2026-11-22T21:00:00Z');

interface Shop {
  readonly topo: Topology;
  readonly eks: Cluster;
  readonly web: Workload;
  readonly cart: Workload;
  readonly db: Workload;
}

/** web → cart (POST /cart/*, L7), cart → db (L4), in an ambient cluster. */
function shop(props: Partial<ClusterProps> = {}, mode: EnforcementMode = EnforcementMode.ENFORCE): Shop {
  const topo = new Topology(undefined, 'shop', { trustDomain: 'shop.example.com', clock: () => NOW, mode });
  const eks = new Cluster(topo, 'eks', { cloud: 'aws', podCidrs: ['10.1.0.0/16'], layers: [...LAYERS], meshMode: 'ambient', ...props });
  const web = new Workload(topo, 'web', { cluster: eks, namespace: 'shop', ports: { http: Port.tcp(8080) } });
  const cart = new Workload(topo, 'cart', { cluster: eks, namespace: 'shop', ports: { http: Port.tcp(9090) } });
  const db = new Workload(topo, 'db', { cluster: eks, namespace: 'data', ports: { pg: Port.POSTGRES } });
  web.allowTo(cart, Port.named('http'), { http: { methods: ['POST'], paths: ['/cart/*'] } });
  cart.allowTo(db, Port.named('pg'));
  return { topo, eks, web, cart, db };
}

function istio(s: Shop): { ms: IstioManifest[]; warnings: Problem[] } {
  const out = synthesize(s.topo, { now: NOW });
  return {
    ms: out.clusters[0].manifests.filter((m) => m.metadata.labels?.['bulkhead.io/layer'] === 'istio') as IstioManifest[],
    warnings: out.warnings.filter((w) => w.code.startsWith('BH-ISTIO')),
  };
}

const aps = (ms: readonly KubeManifest[]) => ms.filter((m): m is AuthorizationPolicy => m.kind === 'AuthorizationPolicy');
const ap = (ms: readonly KubeManifest[], ns: string, name: string): AuthorizationPolicy => {
  const p = aps(ms).find((m) => m.metadata.namespace === ns && m.metadata.name === name);
  if (!p) throw new Error(`no AuthorizationPolicy ${ns}/${name}: ${aps(ms).map((m) => `${m.metadata.namespace}/${m.metadata.name}`).join(', ')}`);
  return p;
};
const hasL7 = (p: AuthorizationPolicy) => (p.spec.rules ?? []).some((r) => (r.to ?? []).some((t) => t.operation.methods || t.operation.paths));

describe('istio target, ambient mode', () => {
  test('L7 destination: a waypoint Gateway in its namespace, the L7 rule attached to its Service, the waypoint admitted at its ztunnel', () => {
    const { ms } = istio(shop());
    const gateways = ms.filter((m): m is WaypointGateway => m.kind === 'Gateway');
    expect(gateways).toHaveLength(1);
    const g = gateways[0];
    expect(g.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(g.metadata).toMatchObject({ name: ISTIO_WAYPOINT_NAME, namespace: 'shop', labels: { 'istio.io/waypoint-for': 'service' } });
    expect(g.spec).toEqual({ gatewayClassName: 'istio-waypoint', listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }] });

    const atWaypoint = ap(ms, 'shop', 'cart-waypoint');
    expect(atWaypoint.spec.selector).toBeUndefined();
    expect(atWaypoint.spec.targetRefs).toEqual([{ group: '', kind: 'Service', name: 'cart' }]);
    expect(atWaypoint.spec.action).toBe('ALLOW');
    expect(atWaypoint.spec.rules).toEqual([{
      from: [{ source: { principals: ['shop.example.com/ns/shop/sa/web'] } }],
      to: [{ operation: { ports: ['9090'], methods: ['POST'], paths: ['/cart/*'] } }],
    }]);

    const ztunnel = ap(ms, 'shop', 'cart');
    expect(ztunnel.spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'cart' } });
    expect(ztunnel.spec.targetRefs).toBeUndefined();
    // web does not reach the pod directly: only the waypoint does, on the flow's port
    expect(ztunnel.spec.rules).toEqual([{ from: [{ source: { principals: ['shop.example.com/ns/shop/sa/waypoint'] } }], to: [{ operation: { ports: ['9090'] } }] }]);
  });

  test('L4 destination: one selector policy for ztunnel, no waypoint in its namespace', () => {
    const { ms } = istio(shop());
    expect(ms.some((m) => m.kind === 'Gateway' && m.metadata.namespace === 'data')).toBe(false);
    const db = ap(ms, 'data', 'db');
    expect(db.spec.rules).toEqual([{ from: [{ source: { principals: ['shop.example.com/ns/shop/sa/cart'] } }], to: [{ operation: { ports: ['5432'] } }] }]);
    expect(aps(ms).some((p) => p.metadata.name === 'db-waypoint')).toBe(false);
  });

  test('no selector policy carries an L7 field; every targetRefs policy names a Service of a namespace a waypoint serves', () => {
    const { ms } = istio(shop());
    for (const p of aps(ms)) {
      if (p.spec.selector || !p.spec.targetRefs) expect(hasL7(p)).toBe(false);
      for (const t of p.spec.targetRefs ?? []) {
        expect(t.kind).toBe('Service');
        expect(ms.some((m) => m.kind === 'Gateway' && m.metadata.namespace === p.metadata.namespace)).toBe(true);
      }
    }
  });

  test('PeerAuthentication STRICT and allow-nothing per namespace still apply; no Sidecar is emitted', () => {
    const { ms } = istio(shop());
    const pas = ms.filter((m): m is PeerAuthentication => m.kind === 'PeerAuthentication');
    expect(pas.map((p) => [p.metadata.namespace, p.spec.mtls.mode])).toEqual([['data', 'STRICT'], ['shop', 'STRICT']]);
    expect(aps(ms).filter((p) => p.metadata.name === 'bulkhead-allow-nothing').map((p) => p.metadata.namespace)).toEqual(['data', 'shop']);
    expect(ms.some((m) => m.kind === 'Sidecar')).toBe(false);
  });

  test('waypointNamespaces: [] leaves the L7 rule to L4 at ztunnel, with a warning naming the methods and paths', () => {
    const { ms, warnings } = istio(shop({ waypointNamespaces: [] }));
    expect(ms.some((m) => m.kind === 'Gateway')).toBe(false);
    expect(ap(ms, 'shop', 'cart').spec.rules).toEqual([{ from: [{ source: { principals: ['shop.example.com/ns/shop/sa/web'] } }], to: [{ operation: { ports: ['9090'] } }] }]);
    const w = warnings.filter((x) => x.code === ISTIO_AMBIENT_WARNINGS.l7WithoutWaypoint);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ severity: 'warning', path: 'shop/cart', value: 'POST,/cart/*' });
    expect(w[0].message).toMatch(/no waypoint serves namespace shop: the HTTP methods and paths of the rules into eks\/shop\/cart are not enforced by this layer/);
  });

  test('declared waypoint namespaces get a waypoint even without L7 rules; L4 sources keep their direct rule', () => {
    const { ms } = istio(shop({ waypointNamespaces: ['data', 'shop'] }));
    expect(ms.filter((m) => m.kind === 'Gateway').map((m) => m.metadata.namespace)).toEqual(['data', 'shop']);
    const db = ap(ms, 'data', 'db');
    expect(db.spec.rules).toEqual([
      { from: [{ source: { principals: ['shop.example.com/ns/data/sa/waypoint'] } }], to: [{ operation: { ports: ['5432'] } }] },
      { from: [{ source: { principals: ['shop.example.com/ns/shop/sa/cart'] } }], to: [{ operation: { ports: ['5432'] } }] },
    ]);
    expect(ap(ms, 'data', 'db-waypoint').spec.rules).toEqual([{ from: [{ source: { principals: ['shop.example.com/ns/shop/sa/cart'] } }], to: [{ operation: { ports: ['5432'] } }] }]);
  });

  test('warnings: the namespace labels and Service names Bulkhead relies on, and the missing egress allow-list', () => {
    const s = shop();
    const ext = new External(s.topo, 'stripe', { fqdns: ['api.stripe.com'] });
    s.cart.allowTo(ext, Port.tcp(443));
    const { warnings } = istio(s);
    const labels = warnings.find((w) => w.code === ISTIO_AMBIENT_WARNINGS.labels);
    expect(labels).toMatchObject({ path: 'shop/eks', value: 'data,shop' });
    expect(labels?.message).toMatch(/namespaces data, shop carry istio.io\/dataplane-mode=ambient, namespaces shop carry istio.io\/use-waypoint=waypoint, and the Services callers address are named after their workloads \(shop\/cart\)/);
    const egress = warnings.find((w) => w.code === ISTIO_AMBIENT_WARNINGS.egress);
    expect(egress).toMatchObject({ path: 'shop/eks', value: 'shop' });
    expect(egress?.fix).toMatch(/kubernetes or cilium layer/);
  });

  test('audit mode: the waypoint and the AUDIT policies at it, nothing that denies', () => {
    const { ms } = istio(shop({}, EnforcementMode.AUDIT));
    expect(ms.some((m) => m.kind === 'Gateway')).toBe(true);
    expect(aps(ms).every((p) => p.spec.action === 'AUDIT')).toBe(true);
    expect(ap(ms, 'shop', 'cart-waypoint').spec.targetRefs).toEqual([{ group: '', kind: 'Service', name: 'cart' }]);
    expect(hasL7(ap(ms, 'shop', 'cart-waypoint'))).toBe(true);
  });

  test('a sidecar cluster is unchanged: no Gateway, no targetRefs, its Sidecars', () => {
    const { ms } = istio(shop({ meshMode: 'sidecar' }));
    expect(ms.some((m) => m.kind === 'Gateway')).toBe(false);
    expect(aps(ms).some((p) => p.spec.targetRefs)).toBe(false);
    expect(hasL7(ap(ms, 'shop', 'cart'))).toBe(true);
  });

  test('every emitted object validates against its upstream schema (the Gateway against the Gateway API CRD)', () => {
    for (const props of [{}, { waypointNamespaces: ['data', 'shop'] }, { waypointNamespaces: [] }]) {
      const { ms } = istio(shop(props));
      for (const m of ms) expect(schemaErrors(m)).toEqual([]);
    }
  });

  test('the stand-ins for analysis: ambient namespaces, use-waypoint where a waypoint serves, a Service per workload there', () => {
    const s = shop();
    const out = synthesize(s.topo, { now: NOW });
    const standIns = ambientStandIns(out.plan, out.plan.clusters[0]);
    expect(standIns.filter((o) => o.kind === 'Namespace').map((o) => [o.metadata.name, o.metadata.labels])).toEqual([
      ['data', { 'istio.io/dataplane-mode': 'ambient', 'kubernetes.io/metadata.name': 'data' }],
      ['shop', { 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'waypoint', 'kubernetes.io/metadata.name': 'shop' }],
    ]);
    expect(standIns.filter((o) => o.kind === 'Service').map((o) => [o.metadata.namespace, o.metadata.name, o.spec?.ports])).toEqual([
      ['shop', 'cart', [{ name: 'http', port: 9090, targetPort: 9090, protocol: 'TCP' }]],
      ['shop', 'web', [{ name: 'http', port: 8080, targetPort: 8080, protocol: 'TCP' }]],
    ]);
    for (const o of standIns) expect(schemaErrors(o as never)).toEqual([]);
    expect(ambientStandIns(out.plan, { ...out.plan.clusters[0], meshMode: undefined })).toEqual([]);
  });

  test('property: same output in any statement order, and never an L7 field in a selector policy', () => {
    const flows = fc.array(fc.record({
      from: fc.constantFrom('a', 'b', 'c'), to: fc.constantFrom('a', 'b', 'c'),
      l7: fc.option(fc.record({ methods: fc.subarray(['GET', 'POST']), paths: fc.subarray(['/x', '/y/*']) }), { nil: undefined }),
    }), { maxLength: 6 });
    fc.assert(fc.property(flows, (fs) => {
      const unique = [...new Map(fs.filter((f) => f.from !== f.to).map((f) => [`${f.from}>${f.to}`, f] as const)).values()];
      const build = (order: typeof fs) => {
        const topo = new Topology(undefined, 't', { trustDomain: 't.example.com', clock: () => NOW });
        const k = new Cluster(topo, 'k', { cloud: 'aws', podCidrs: ['10.1.0.0/16'], layers: ['kubernetes', 'istio'], meshMode: 'ambient' });
        const ws = Object.fromEntries(['a', 'b', 'c'].map((n, i) => [n, new Workload(topo, `w${n}`, { cluster: k, namespace: i === 2 ? 'other' : 'ns', ports: { http: Port.tcp(8000 + i) } })]));
        for (const f of order) {
          const http = f.l7 && (f.l7.methods.length > 0 || f.l7.paths.length > 0) ? { http: { ...(f.l7.methods.length ? { methods: f.l7.methods } : {}), ...(f.l7.paths.length ? { paths: f.l7.paths } : {}) } } : {};
          ws[f.from].allowTo(ws[f.to], Port.named('http'), http);
        }
        return synthesize(topo, { now: NOW }).clusters[0].manifests;
      };
      const ms = build(unique);
      expect(JSON.stringify(build([...unique].reverse()))).toBe(JSON.stringify(ms));
      for (const p of aps(ms)) if (p.spec.selector) expect(hasL7(p)).toBe(false);
      for (const p of aps(ms)) if (p.spec.targetRefs) expect(ms.some((m) => m.kind === 'Gateway' && m.metadata.namespace === p.metadata.namespace)).toBe(true);
    }), { numRuns: 40 });
  });
});
