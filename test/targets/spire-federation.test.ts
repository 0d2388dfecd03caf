/**
 * Identity across trust domains, end to end from a declaration: each cluster of its own trust
 * domain declares its SPIRE bundle endpoint; a flow between the domains gets a
 * ClusterFederatedTrustDomain in each cluster that needs the other's bundle, from the declared
 * endpoint, and `federatesWith` on exactly the workloads that talk across. Istio principals name
 * the remote trust domain explicitly; Cilium selectors name the cluster; NetworkPolicy addresses
 * the remote pods by the remote pod CIDRs.
 */
import * as fc from 'fast-check';
import { Port } from '../../lib/core/port';
import { ClusterLayerName } from '../../lib/core/layers';
import { Cluster } from '../../lib/model/cluster';
import { Topology } from '../../lib/model/topology';
import { Workload } from '../../lib/model/workload';
import { buildPlan } from '../../lib/plan/build';
import { Plan } from '../../lib/plan/types';
import { synthesize } from '../../lib/synth';
import { CiliumNetworkPolicy } from '../../lib/targets/cilium';
import { AuthorizationPolicy } from '../../lib/targets/istio';
import { ClusterFederatedTrustDomain, ClusterSPIFFEID, renderSpire } from '../../lib/targets/spire';
import { KubeManifest } from '../../lib/targets/types';
import { policyPrincipals } from '../../lib/analysis/simulators/istio/authz';
import { schemaErrors } from '../util/schema';

const NOW = new Date('2026-11-22T21:00:00Z');
const ofKind = <T extends KubeManifest>(kind: string) => (ms: readonly KubeManifest[]): T[] => ms.filter((m): m is T => m.kind === kind);
const feds = ofKind<ClusterFederatedTrustDomain>('ClusterFederatedTrustDomain');
const ids = ofKind<ClusterSPIFFEID>('ClusterSPIFFEID');

/** Two clusters, two trust domains, one flow across (web -> collector) and one within (web -> cart). */
function twoDomains() {
  const topo = new Topology(undefined, 'shop', { trustDomain: 'shop.example.com', clock: () => NOW });
  const eks = new Cluster(topo, 'eks', {
    cloud: 'aws', podCidrs: ['10.1.0.0/16'], layers: ['kubernetes', 'cilium', 'istio', 'spire'],
    spireBundleEndpoint: { url: 'https://spire-bundle.shop.example.com:8443', profile: 'https_spiffe' },
  });
  const gke = new Cluster(topo, 'gke', {
    cloud: 'gcp', podCidrs: ['10.8.0.0/14'], layers: ['kubernetes', 'cilium', 'istio', 'spire'], trustDomain: 'analytics.example.com', ciliumClusterName: 'gke-1',
    spireBundleEndpoint: { url: 'https://bundle.analytics.example.com/spiffe', profile: 'https_web' },
  });
  const web = new Workload(topo, 'web', { cluster: eks, namespace: 'shop', ports: { http: Port.tcp(8080) } });
  const cart = new Workload(topo, 'cart', { cluster: eks, namespace: 'shop', ports: { grpc: Port.tcp(9090) } });
  const collector = new Workload(topo, 'collector', { cluster: gke, namespace: 'analytics', ports: { http: Port.tcp(8080) } });
  web.allowTo(cart, Port.named('grpc'));
  web.allowTo(collector, Port.named('http'));
  return { topo, eks, gke, web, cart, collector };
}

describe('two trust domains, end to end', () => {
  const s = twoDomains();
  const out = synthesize(s.topo, { now: NOW });
  const of = (name: string) => out.clusters.find((c) => c.cluster.name === name)!.manifests;

  test('each cluster federates with the other trust domain from its declared endpoint', () => {
    expect(feds(of('eks')).map((m) => m.spec)).toEqual([
      { trustDomain: 'analytics.example.com', bundleEndpointURL: 'https://bundle.analytics.example.com/spiffe', bundleEndpointProfile: { type: 'https_web' } },
    ]);
    expect(feds(of('gke')).map((m) => m.spec)).toEqual([
      { trustDomain: 'shop.example.com', bundleEndpointURL: 'https://spire-bundle.shop.example.com:8443', bundleEndpointProfile: { type: 'https_spiffe', endpointSPIFFEID: 'spiffe://shop.example.com/spire/server' } },
    ]);
  });

  test('federatesWith on exactly the workloads that talk across', () => {
    const byName = (name: string) => Object.fromEntries(ids(of(name)).map((m) => [m.metadata.name, m.spec.federatesWith]));
    expect(byName('eks')).toEqual({ 'bulkhead.shop.web': ['analytics.example.com'], 'bulkhead.shop.cart': undefined });
    expect(byName('gke')).toEqual({ 'bulkhead.analytics.collector': ['shop.example.com'] });
  });

  test('the Istio principal of the remote caller names its trust domain; istiod keeps it as written (no alias, no cluster.local)', () => {
    const ap = ofKind<AuthorizationPolicy>('AuthorizationPolicy')(of('gke')).find((m) => m.metadata.name === 'collector')!;
    const principals = (ap.spec.rules ?? []).flatMap((r) => (r.from ?? []).flatMap((f) => f.source.principals ?? []));
    expect(principals).toEqual(['shop.example.com/ns/shop/sa/web']);
    expect(policyPrincipals(principals[0], 'analytics.example.com')).toEqual(principals);
    for (const m of out.clusters.flatMap((c) => c.manifests)) expect(JSON.stringify(m)).not.toContain('cluster.local/');
    // SPIRE federates the two domains: no warning that the mesh must trust the other root
    expect(out.warnings.map((w) => w.code)).not.toContain('BH-ISTIO-FOREIGN-TRUST-DOMAIN');
  });

  test('Cilium selects the remote caller by its cluster, and the local ones by theirs', () => {
    const cnp = ofKind<CiliumNetworkPolicy>('CiliumNetworkPolicy');
    const collector = cnp(of('gke')).find((m) => m.metadata.name === 'collector')!;
    expect(collector.spec.ingress?.[0].fromEndpoints?.[0].matchLabels).toMatchObject({ 'io.cilium.k8s.policy.cluster': 'eks', 'k8s:io.kubernetes.pod.namespace': 'shop' });
    const cart = cnp(of('eks')).find((m) => m.metadata.name === 'cart')!;
    expect(cart.spec.ingress?.[0].fromEndpoints?.[0].matchLabels).toMatchObject({ 'io.cilium.k8s.policy.cluster': 'eks', 'k8s:io.kubernetes.pod.namespace': 'shop' });
    const web = cnp(of('eks')).find((m) => m.metadata.name === 'web')!;
    expect([...new Set(web.spec.egress?.flatMap((r) => r.toEndpoints ?? []).map((e) => e.matchLabels?.['io.cilium.k8s.policy.cluster']))].sort()).toEqual(['eks', 'gke-1']);
  });

  test('NetworkPolicy addresses the remote pods by the remote cluster\'s pod CIDRs, with its warning', () => {
    const np = of('gke').find((m) => m.kind === 'NetworkPolicy' && JSON.stringify(m).includes('10.1.0.0/16'));
    expect(np).toBeDefined();
    expect(out.warnings.filter((w) => w.code === 'BH-NP-CROSS-CLUSTER').length).toBeGreaterThan(0);
  });

  test('every emitted object passes its upstream schema', () => {
    const all = out.clusters.flatMap((c) => c.manifests);
    expect(all.length).toBeGreaterThan(20);
    for (const m of all) expect(schemaErrors(m)).toEqual([]);
  });
});

// ------------------------------------------------------------------ property
const TDS = ['a.example', 'b.example', 'c.example'];

/** A random declaration: 1 to 3 clusters of random trust domains and layers, each declaring its bundle endpoint, workloads and flows between them. */
interface Spec {
  readonly clusters: readonly { readonly td: number; readonly spire: boolean; readonly istio: boolean; readonly https: boolean }[];
  readonly workloads: readonly number[];
  readonly flows: readonly (readonly [number, number])[];
}
const declArb: fc.Arbitrary<Spec> = fc.record({
  clusters: fc.array(fc.record({ td: fc.nat(2), spire: fc.boolean(), istio: fc.boolean(), https: fc.boolean() }), { minLength: 1, maxLength: 3 }),
  workloads: fc.array(fc.nat(5), { minLength: 1, maxLength: 6 }),
  flows: fc.array(fc.tuple(fc.nat(20), fc.nat(20)), { maxLength: 8 }),
});

function declare(spec: Spec): Plan {
  const topo = new Topology(undefined, 'arb', { trustDomain: TDS[0], clock: () => NOW });
  const clusters = spec.clusters.map((c, i) => {
    const td = TDS[c.td];
    const layers: ClusterLayerName[] = ['kubernetes', ...(c.istio ? ['istio' as const] : []), ...(c.spire ? ['spire' as const] : [])];
    return new Cluster(topo, `c${i}`, {
      cloud: 'test', podCidrs: [`10.${i}.0.0/16`], layers, trustDomain: td,
      // one endpoint per trust domain: every cluster of a domain declares the same
      spireBundleEndpoint: spec.clusters.find((x) => x.td === c.td)!.https ? { url: `https://bundle.${td}/`, profile: 'https_web' } : { url: `https://spire.${td}:8443`, profile: 'https_spiffe' },
    });
  });
  const ws = spec.workloads.map((c, i) => new Workload(topo, `w${i}`, { cluster: clusters[c % clusters.length], namespace: 'ns', ports: { main: Port.tcp(8000 + i) } }));
  for (const [a, b] of spec.flows) {
    const src = ws[a % ws.length];
    const dst = ws[b % ws.length];
    if (src !== dst) src.allowTo(dst, Port.named('main'));
  }
  return buildPlan(topo, { now: NOW });
}

describe('federation property (random multi-trust-domain declarations)', () => {
  test('federatesWith is set exactly on the workloads with a flow to or from another trust domain that presents an SVID, and each cluster federates with exactly those domains', () => {
    fc.assert(fc.property(declArb, (spec) => {
      const plan = declare(spec);
      const td = (cluster: string) => plan.clusters.find((c) => c.name === cluster)!;
      for (const c of plan.clusters.filter((x) => x.layers.includes('spire'))) {
        const out = renderSpire(plan, c);
        for (const m of out.manifests) expect(schemaErrors(m)).toEqual([]);
        const expectedAll = new Set<string>();
        for (const w of plan.workloads.filter((x) => x.cluster === c.name)) {
          const expected = new Set<string>();
          for (const e of [...w.calls, ...w.calledBy]) {
            if (e.peer.kind !== 'workload') continue;
            const peer = td(plan.workloads.find((x) => x.key === e.peer.key)!.cluster);
            const issued = peer.layers.includes('istio') || peer.layers.includes('spire');
            if (peer.trustDomain !== c.trustDomain && issued) expected.add(peer.trustDomain);
          }
          expected.forEach((x) => expectedAll.add(x));
          const entry = ids(out.manifests).find((m) => m.metadata.name === `bulkhead.${w.namespace}.${w.name}`)!;
          expect(entry.spec.federatesWith ?? []).toEqual([...expected].sort());
        }
        expect(feds(out.manifests).map((m) => m.spec.trustDomain)).toEqual([...expectedAll].sort());
        for (const f of feds(out.manifests)) {
          const declared = plan.clusters.find((x) => x.trustDomain === f.spec.trustDomain && x.bundleEndpoint)!.bundleEndpoint!;
          expect(f.spec.bundleEndpointURL).toBe(declared.url);
          expect(f.spec.bundleEndpointProfile.type).toBe(declared.profile);
        }
      }
    }), { numRuns: 60 });
  });
});
