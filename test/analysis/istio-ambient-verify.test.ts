/**
 * verify on ambient clusters: the istio layer allows exactly the declaration (ztunnel and
 * waypoint together), and the faults ambient mode invites are found in the istio layer: a
 * missing waypoint policy, an L7 policy bound by selector, a missing waypoint, a namespace
 * left out of ambient mode.
 */
import { declareShop } from '../../examples/ecommerce/declaration';
import { Cluster, KubeManifest, LAYERS, Port, synthesize, Synthesis, Topology, Workload } from '../../lib';
import { verify, verifySynthesis } from '../../lib/verify';

const NOW = new Date('2026-11-22T21:00:00Z');

/** web → cart (POST /cart/*), cart → db, and a bystander in cart's namespace. */
function topology(): Topology {
  const topo = new Topology(undefined, 'shop', { trustDomain: 'shop.example.com', clock: () => NOW });
  const eks = new Cluster(topo, 'eks', { cloud: 'aws', podCidrs: ['10.1.0.0/16'], layers: [...LAYERS], meshMode: 'ambient' });
  const web = new Workload(topo, 'web', { cluster: eks, namespace: 'shop', ports: { http: Port.tcp(8080) } });
  const cart = new Workload(topo, 'cart', { cluster: eks, namespace: 'shop', ports: { http: Port.tcp(9090) } });
  const db = new Workload(topo, 'db', { cluster: eks, namespace: 'data', ports: { pg: Port.POSTGRES } });
  new Workload(topo, 'search', { cluster: eks, namespace: 'shop', ports: { http: Port.tcp(7070) } });
  web.allowTo(cart, Port.named('http'), { http: { methods: ['POST'], paths: ['/cart/*'] } });
  cart.allowTo(db, Port.named('pg'));
  return topo;
}

function altered(s: Synthesis, f: (ms: KubeManifest[]) => KubeManifest[]): Synthesis {
  return { ...s, clusters: s.clusters.map((c) => ({ ...c, manifests: f(JSON.parse(JSON.stringify(c.manifests)) as KubeManifest[]) })) };
}

const named = (m: KubeManifest, kind: string, ns: string, name: string) => m.kind === kind && m.metadata.namespace === ns && m.metadata.name === name;

describe('verify: ambient clusters', () => {
  const synthesis = synthesize(topology(), { now: NOW });

  test('every layer is exact, the istio layer included (ztunnel L4 policies and the waypoint\'s L7 policy)', () => {
    const report = verifySynthesis(synthesis);
    expect(report.findings).toEqual([]);
    expect(report.layers.map((l) => `${l.layer}:${l.status}`)).toEqual(['kubernetes:exact', 'cilium:exact', 'istio:exact']);
    expect(verify(topology(), { now: NOW }).exact).toBe(true);
  });

  test('a missing waypoint policy: the waypoint forwards every mesh source, which the ztunnel admits (over-permissive, istio layer)', () => {
    const report = verifySynthesis(altered(synthesis, (ms) => ms.filter((m) => !named(m, 'AuthorizationPolicy', 'shop', 'cart-waypoint'))));
    expect(report.ok).toBe(false);
    expect(report.findings.every((f) => f.layer === 'istio' && f.dst === 'shop/cart[Deployment]' && f.kind === 'over-permissive' && f.ports === 'TCP 9090')).toBe(true);
    expect(report.findings.map((f) => f.src)).toContain('shop/search[Deployment]');
  });

  test('an L7 policy bound by selector in ambient: ztunnel never meets it and the waypoint does not see it (over-permissive)', () => {
    const report = verifySynthesis(altered(synthesis, (ms) => ms.map((m) => {
      if (!named(m, 'AuthorizationPolicy', 'shop', 'cart-waypoint')) return m;
      const spec = { ...(m as unknown as { spec: Record<string, unknown> }).spec };
      delete spec.targetRefs;
      return { ...m, spec: { ...spec, selector: { matchLabels: { 'app.kubernetes.io/name': 'cart' } } } } as KubeManifest;
    })));
    expect(report.findings.length).toBeGreaterThan(0);
    expect(report.findings.every((f) => f.layer === 'istio' && f.kind === 'over-permissive' && f.dst === 'shop/cart[Deployment]')).toBe(true);
  });

  test('a missing waypoint: the declared L7 flow is refused at the ztunnel (missing, istio layer)', () => {
    const report = verifySynthesis(altered(synthesis, (ms) => ms.filter((m) => m.kind !== 'Gateway')));
    expect(report.findings).toEqual([{ cluster: 'eks', layer: 'istio', kind: 'missing', src: 'shop/web[Deployment]', dst: 'shop/cart[Deployment]', ports: 'TCP 9090' }]);
  });

  test('the namespace labels matter: the user\'s own Namespace without the ambient label is judged as a sidecar namespace', () => {
    const report = verifySynthesis(synthesis, { objects: { eks: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'kubernetes.io/metadata.name': 'shop' } } }] } });
    expect(report.findings).toContainEqual({ cluster: 'eks', layer: 'istio', kind: 'missing', src: 'shop/web[Deployment]', dst: 'shop/cart[Deployment]', ports: 'TCP 9090' });
  });

  test('the e-commerce shop with both clusters in ambient mode: no finding; the only approximation is egress, which ztunnel does not restrict', () => {
    const { topology: shop } = declareShop(undefined, {
      onClusters: ({ eks, gke }) => {
        Object.assign(eks.props, { meshMode: 'ambient' });
        Object.assign(gke.props, { meshMode: 'ambient' });
      },
    });
    const report = verify(shop);
    expect(report.findings).toEqual([]);
    expect(report.layers.map((l) => `${l.cluster}/${l.layer}:${l.status}`)).toEqual([
      'eks-prod/kubernetes:approximate', 'eks-prod/cilium:exact', 'eks-prod/istio:approximate', 'gke-analytics/kubernetes:exact', 'gke-analytics/istio:exact',
    ]);
    const istio = report.approximations.filter((a) => a.layer === 'istio');
    expect(istio.map((a) => [a.src, a.external, a.ports, a.opens])).toEqual([['payments/payment-service[Deployment]', 'payment-provider', 'TCP 443', ['0.0.0.0/0']]]);
    const s = synthesize(shop);
    expect(s.warnings.find((w) => w.code === 'BH-ISTIO-AMBIENT-EGRESS' && w.path === 'shop/eks-prod')?.value).toBe('payments');
  });
});
