import * as fc from 'fast-check';
import { generateTopology } from '../../bench/generate';
import { buildApp } from '../../examples/ecommerce/main';
import { declareShop } from '../../examples/ecommerce/declaration';
import { Cluster, External, KubeManifest, LAYERS, Port, Sensitivity, SensitiveTier, synthesize, Synthesis, Topology, Workload } from '../../lib';
import { verify, verifySynthesis } from '../../lib/verify';

const NOW = () => new Date('2026-11-22T21:00:00Z');

/** A copy of a synthesis with one cluster's manifests replaced. */
function altered(s: Synthesis, cluster: string, f: (ms: KubeManifest[]) => KubeManifest[]): Synthesis {
  return { ...s, clusters: s.clusters.map((c) => (c.cluster.name === cluster ? { ...c, manifests: f(JSON.parse(JSON.stringify(c.manifests)) as KubeManifest[]) } : c)) };
}

describe('verify: the synthesized layers allow exactly the declaration', () => {
  test('the e-commerce example: no over-permissive and no missing flow in any layer', () => {
    const report = verify(declareShop(undefined).topology);
    expect(report.findings).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.layers.map((l) => `${l.cluster}/${l.layer}`)).toEqual([
      'eks-prod/kubernetes', 'eks-prod/cilium', 'eks-prod/istio', 'gke-analytics/kubernetes', 'gke-analytics/istio',
    ]);
    const eks = report.layers.filter((l) => l.cluster === 'eks-prod');
    for (const l of eks) {
      expect(l.pairs).toBeGreaterThan(150); // every ordered pair of the cluster's endpoints, on every port
      expect(l.externalChecks).toBe(2); // internet → ingress controller, payment service → payment provider
    }
  });

  test('the cdk8s program: the application\'s own Deployments and StatefulSets against its segmentation', () => {
    const { charts } = buildApp({ outdir: 'unused' }, { printWarnings: false });
    const objects: Record<string, unknown[]> = {};
    for (const c of charts.synthesis.clusters) {
      objects[c.cluster.name] = (charts.chart(c.cluster.name).toJson() as KubeManifest[]).filter((m) => !m.metadata.labels?.['bulkhead.io/layer']);
    }
    const report = verifySynthesis(charts.synthesis, { objects });
    expect(report.findings).toEqual([]);
    // the endpoints are the application's workloads, not stand-ins
    expect(objects['eks-prod'].some((o) => (o as KubeManifest).kind === 'StatefulSet')).toBe(true);
  });

  test('two Cilium clusters (ClusterMesh-aware selectors): each cluster verifies exact under its own cluster name', () => {
    const topology = new Topology(undefined, 'mesh', { trustDomain: 'mesh.example.com', clock: NOW });
    const a = new Cluster(topology, 'a', { cloud: 'aws', podCidrs: ['10.1.0.0/16'], layers: [...LAYERS] });
    const b = new Cluster(topology, 'b', { cloud: 'gcp', podCidrs: ['10.2.0.0/16'], layers: [...LAYERS] });
    for (const c of [a, b]) {
      const api = new Workload(topology, `api-${c.clusterName}`, { cluster: c, namespace: 'shop', ports: { http: Port.tcp(8080) } });
      const db = new Workload(topology, `db-${c.clusterName}`, { cluster: c, namespace: 'data', ports: { pg: Port.POSTGRES } });
      api.allowTo(db, Port.named('pg'));
    }
    const report = verify(topology);
    expect(report.findings).toEqual([]);
    expect(report.layers.filter((l) => l.layer === 'cilium').map((l) => l.cluster)).toEqual(['a', 'b']);
  });

  test.each([1, 2, 3])('generated multi-cloud topology (3 clusters, domains, tiers, externals, grants; seed %i): exact in every layer', (seed) => {
    const { topology } = generateTopology(undefined, { workloads: 60, seed });
    const report = verify(topology);
    expect(report.findings).toEqual([]);
    expect(report.layers.length).toBeGreaterThanOrEqual(9);
    expect(report.layers.reduce((n, l) => n + l.externalChecks, 0)).toBeGreaterThan(0);
  });

  describe('it catches what a layer gets wrong', () => {
    const s = synthesize(declareShop(undefined).topology);

    test('a missing allow (the ingress rules of the payment DB policy deleted) is reported as missing, in that layer only', () => {
      const r = verifySynthesis(altered(s, 'eks-prod', (ms) => ms.map((m) => (m.kind === 'NetworkPolicy' && m.metadata.name === 'payment-db'
        ? { ...m, spec: { ...(m as unknown as { spec: Record<string, unknown> }).spec, ingress: undefined } } as KubeManifest : m))));
      expect(r.ok).toBe(false);
      expect(r.findings.map((f) => [f.layer, f.kind, f.src, f.dst, f.ports])).toEqual([
        ['kubernetes', 'missing', 'payments/payment-service[Deployment]', 'payments/payment-db[Deployment]', 'TCP 5432'],
      ]);
    });

    test('an allow-all NetworkPolicy next to an unguarded workload is over-permissive', () => {
      const r = verifySynthesis(altered(s, 'eks-prod', (ms) => [...ms, {
        apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'oops', namespace: 'data' },
        spec: { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'catalog-db' } }, policyTypes: ['Ingress'], ingress: [{}] },
      } as KubeManifest]));
      const over = r.findings.filter((f) => f.kind === 'over-permissive');
      expect(over.length).toBeGreaterThan(0);
      expect(new Set(over.map((f) => f.layer))).toEqual(new Set(['kubernetes']));
      // within the cluster, and from the other cluster's pods (by address)
      expect(new Set(over.map((f) => f.dst))).toEqual(new Set(['data/catalog-db[Deployment]', 'eks-prod:data/catalog-db[Deployment]']));
    });

    test('the same allow-all next to a highly-sensitive workload is contained by its ClusterNetworkPolicy guardrail', () => {
      const withAllowAll = altered(s, 'eks-prod', (ms) => [...ms, {
        apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'oops', namespace: 'payments' },
        spec: { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'payment-db' } }, policyTypes: ['Ingress'], ingress: [{}] },
      } as KubeManifest]);
      const contained = verifySynthesis(withAllowAll).findings;
      expect(contained.filter((f) => f.crossCluster === undefined)).toEqual([]);
      // the guardrail selects the cluster's own pods: the other cluster's pods, seen by address, are not held back
      expect(contained.map((f) => [f.cluster, f.layer, f.kind, f.src, f.dst])).toEqual([
        ['eks-prod', 'kubernetes', 'over-permissive', 'gke-analytics:pods[10.40.0.0-10.43.255.255]', 'eks-prod:payments/payment-db[Deployment]'],
      ]);
      // and without the guardrail, the same mistake shows
      const noGuard = altered(withAllowAll, 'eks-prod', (ms) => ms.filter((m) => m.kind !== 'ClusterNetworkPolicy'));
      expect(verifySynthesis(noGuard).findings.some((f) => f.layer === 'kubernetes' && f.kind === 'over-permissive' && f.dst === 'payments/payment-db[Deployment]')).toBe(true);
    });

    test('a wrong principal in Istio is reported in the istio layer', () => {
      const r = verifySynthesis(altered(s, 'eks-prod', (ms) => ms.map((m) => (m.kind === 'AuthorizationPolicy' && m.metadata.name === 'user-db'
        ? JSON.parse(JSON.stringify(m).replace('/sa/user-service', '/sa/catalog-service')) as KubeManifest : m))));
      expect(r.findings.map((f) => [f.layer, f.kind, f.src, f.dst])).toEqual([
        ['istio', 'over-permissive', 'shop/catalog-service[Deployment]', 'data/user-db[Deployment]'],
        ['istio', 'missing', 'shop/user-service[Deployment]', 'data/user-db[Deployment]'],
      ]);
    });

    test('a Cilium rule on the wrong port is reported in the cilium layer', () => {
      const r = verifySynthesis(altered(s, 'eks-prod', (ms) => ms.map((m) => (m.kind === 'CiliumNetworkPolicy' && m.metadata.name === 'redis'
        ? JSON.parse(JSON.stringify(m).replace(/"6379"/g, '"6380"')) as KubeManifest : m))));
      expect(r.findings.map((f) => [f.layer, f.kind, f.dst, f.ports])).toEqual(expect.arrayContaining([
        ['cilium', 'missing', 'shop/redis[Deployment]', 'TCP 6379'],
      ]));
      expect(r.findings.every((f) => f.layer === 'cilium')).toBe(true);
    });
  });

  describe('property: for random declarations every layer enforces exactly the intent', () => {
    const arbDecl = fc.record({
      namespaces: fc.integer({ min: 1, max: 3 }),
      workloads: fc.array(fc.record({
        ns: fc.nat(2), tier: fc.constantFrom(Sensitivity.PUBLIC, Sensitivity.INTERNAL, Sensitivity.SENSITIVE, Sensitivity.CRITICAL),
        ports: fc.uniqueArray(fc.record({ proto: fc.constantFrom('tcp', 'udp'), port: fc.integer({ min: 1000, max: 1010 }) }), { selector: (p) => `${p.proto}${p.port}`, minLength: 1, maxLength: 3 }),
      }), { minLength: 2, maxLength: 5 }),
      flows: fc.array(fc.record({ from: fc.nat(4), to: fc.nat(4), port: fc.nat(2), range: fc.boolean(), http: fc.boolean() }), { maxLength: 8 }),
      internetTo: fc.option(fc.nat(4), { nil: undefined }),
      apiFrom: fc.option(fc.nat(4), { nil: undefined }),
      layers: fc.subarray(['cluster-network-policy', 'cilium', 'istio'] as const),
    });

    test('verify reports zero over-permissive and zero missing flows (1,000 runs)', () => {
      fc.assert(fc.property(arbDecl, (d) => {
        const topology = new Topology(undefined, 'prop', { trustDomain: 'prop.example.com', clock: NOW });
        const cluster = new Cluster(topology, 'c1', { cloud: 'aws', podCidrs: ['10.0.0.0/16'], layers: ['kubernetes', 'spire', ...d.layers] });
        const tiers = new Map<Sensitivity, SensitiveTier>();
        const tierOf = (l: Sensitivity) => tiers.get(l) ?? tiers.set(l, new SensitiveTier(topology, l, { level: l })).get(l)!;
        const ws = d.workloads.map((w, i) => new Workload(topology, `w${i}`, {
          cluster, namespace: `ns${w.ns % d.namespaces}`, tier: tierOf(w.tier),
          ports: Object.fromEntries(w.ports.map((p, j) => [`p${j}`, p.proto === 'tcp' ? Port.tcp(p.port) : Port.udp(p.port)])),
        }));
        for (const f of d.flows) {
          const src = ws[f.from % ws.length];
          const dst = ws[f.to % ws.length];
          const dp = d.workloads[f.to % ws.length].ports;
          const p = dp[f.port % dp.length];
          const port = f.range ? Port.range(p.proto === 'tcp' ? Port.tcp(1).protocol : Port.udp(1).protocol, p.port, p.port + 2) : Port.named(`p${f.port % dp.length}`, p.proto === 'tcp' ? Port.tcp(1).protocol : Port.udp(1).protocol);
          const http = f.http && p.proto === 'tcp' && !f.range ? { http: { methods: ['GET'], paths: ['/api/*'] } } : {};
          src.allowTo(dst, port, { ...http, justification: 'property test' });
        }
        let plaintextInto: Sensitivity | undefined;
        if (d.internetTo !== undefined) {
          const internet = new External(topology, 'internet', { cidrs: ['0.0.0.0/0'], except: ['10.0.0.0/8'] });
          const target = ws[d.internetTo % ws.length];
          internet.allowTo(target, Port.tcp(8443), { justification: 'property test' });
          plaintextInto = target.props.tier?.level;
        }
        if (d.apiFrom !== undefined) {
          const src = ws[d.apiFrom % ws.length];
          if (src.props.tier?.level !== Sensitivity.CRITICAL) {
            src.allowTo(new External(topology, 'api', { fqdns: ['api.example.com'] }), Port.HTTPS);
          }
        }
        if (plaintextInto !== undefined && plaintextInto !== Sensitivity.PUBLIC && d.layers.includes('istio')) {
          // only the public tier takes plaintext from outside the mesh: the declaration is refused
          expect(() => synthesize(topology)).toThrow(/BH-TIER-PLAINTEXT/);
          return;
        }
        const report = verify(topology);
        if (!report.ok) throw new Error(JSON.stringify(report.findings.slice(0, 5), null, 1));
      }), { numRuns: 1000 });
    });
  });
});
