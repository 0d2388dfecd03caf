/**
 * Catalogue of the problems of identity across trust domains: the declared SPIRE bundle
 * endpoint of a cluster (`spireBundleEndpoint`), flows between trust domains, the SPIRE layer's
 * bootstrap warning, and the Cilium analysis's warning on selectors whose cluster scope depends
 * on the Cilium version. Each entry asserts code, severity, path, message, value and fix.
 */
import { Problem } from '../../lib/core/errors';
import { Port } from '../../lib/core/port';
import { Cluster, ClusterProps } from '../../lib/model/cluster';
import { Workload } from '../../lib/model/workload';
import { createCiliumSimulator } from '../../lib/analysis/simulators/cilium';
import { synthesize } from '../../lib/synth';
import { WorkloadEndpoint } from '../../lib/analysis/types';
import { Base, base, CatalogueCase, checkCatalogueCase, NOW } from './declare';

/** A second cluster `gke` (construct `shop/gke`) with a workload `coll` (`shop/coll`) that calls cart. */
function remote(b: Base, props: Partial<ClusterProps>): Cluster {
  const gke = new Cluster(b.topo, 'gke', { cloud: 'gcp', podCidrs: ['10.9.0.0/16'], layers: ['kubernetes', 'istio', 'spire'], trustDomain: 'us.example.com', ...props });
  new Workload(b.topo, 'coll', { cluster: gke, namespace: 'an' }).allowTo(b.cart, Port.tcp(9090));
  return gke;
}

/** Declares a bundle endpoint on the base cluster (a construct's props are read-only to users, not to the test). */
function endpointOn(c: Cluster, value: unknown): void {
  (c.props as { spireBundleEndpoint?: unknown }).spireBundleEndpoint = value;
}

const EKS_ENDPOINT = { url: 'https://spire-bundle.shop.example.com:8443', profile: 'https_spiffe' as const };

const CASES: CatalogueCase[] = [
  {
    name: 'a bundle endpoint that is no object (plain JavaScript)',
    declare: (b) => endpointOn(b.eks, 'https://spire-bundle.shop.example.com'),
    code: 'BH-BUNDLE-ENDPOINT', path: 'shop/eks',
    message: /^spireBundleEndpoint is not an object of url, profile and \(for https_spiffe\) spiffeId$/,
    value: /^"https:\/\/spire-bundle\.shop\.example\.com"$/,
    fix: /write it as \{ url: 'https:\/\/spire-bundle\.shop\.example\.com:8443', profile: 'https_spiffe' \}/,
  },
  {
    name: 'an unknown profile',
    declare: (b) => endpointOn(b.eks, { url: 'https://spire.shop.example.com', profile: 'https' }),
    code: 'BH-BUNDLE-ENDPOINT', path: 'shop/eks',
    message: /^the bundle endpoint profile is neither https_spiffe nor https_web$/, value: /^"https"$/, fix: /use 'https_spiffe' .* or 'https_web'/,
  },
  {
    name: 'a SPIFFE ID with the https_web profile',
    declare: (b) => endpointOn(b.eks, { url: 'https://spire.shop.example.com', profile: 'https_web', spiffeId: 'spiffe://shop.example.com/spire/server' }),
    code: 'BH-BUNDLE-ENDPOINT', path: 'shop/eks',
    message: /spiffeId applies to the https_spiffe profile only: the SPIRE controller manager refuses an endpoint SPIFFE ID with https_web/,
    value: /^"spiffe:\/\/shop\.example\.com\/spire\/server"$/, fix: /remove spiffeId, or use profile 'https_spiffe'/,
  },
  {
    name: 'a URL that is not https',
    declare: (b) => endpointOn(b.eks, { url: 'http://spire.shop.example.com:8443', profile: 'https_web' }),
    code: 'BH-BUNDLE-ENDPOINT-URL', path: 'shop/eks',
    message: /^the bundle endpoint URL is not one SPIRE accepts: its scheme is http, not https$/, value: /^"http:\/\/spire\.shop\.example\.com:8443"$/,
    fix: /give the HTTPS URL the SPIRE server of shop\.example\.com serves its bundle at, without user or password/,
  },
  {
    name: 'a URL with a password',
    declare: (b) => endpointOn(b.eks, { url: 'https://admin:secret@spire.shop.example.com', profile: 'https_spiffe' }),
    code: 'BH-BUNDLE-ENDPOINT-URL', path: 'shop/eks',
    message: /it holds a user name or password$/, value: /admin:secret@/, fix: /without user or password/,
  },
  {
    name: 'no URL at all',
    declare: (b) => endpointOn(b.eks, { url: 'spire.shop.example.com', profile: 'https_spiffe' }),
    code: 'BH-BUNDLE-ENDPOINT-URL', path: 'shop/eks',
    message: /it is not a URL$/, value: /^"spire\.shop\.example\.com"$/, fix: /such as 'https:\/\/spire-bundle\.shop\.example\.com:8443'/,
  },
  {
    name: 'an https_spiffe endpoint ID of another trust domain',
    declare: (b) => endpointOn(b.eks, { ...EKS_ENDPOINT, spiffeId: 'spiffe://other.example.com/spire/server' }),
    code: 'BH-BUNDLE-ENDPOINT-ID', path: 'shop/eks',
    message: /is in trust domain other\.example\.com, not in the cluster's shop\.example\.com: the endpoint must serve its own trust domain's bundle$/,
    value: /^"spiffe:\/\/other\.example\.com\/spire\/server"$/,
    fix: /name the ID the endpoint presents in trust domain shop\.example\.com, or leave spiffeId out for the SPIRE server's, spiffe:\/\/shop\.example\.com\/spire\/server/,
  },
  {
    name: 'an https_spiffe endpoint ID that is no SPIFFE ID',
    declare: (b) => endpointOn(b.eks, { ...EKS_ENDPOINT, spiffeId: 'shop.example.com/spire/server' }),
    code: 'BH-BUNDLE-ENDPOINT-ID', path: 'shop/eks',
    message: /the SPIFFE ID of the https_spiffe bundle endpoint is not a SPIFFE ID$/, value: /^"shop\.example\.com\/spire\/server"$/, fix: /leave spiffeId out/,
  },
  {
    name: 'two clusters of one trust domain with different bundle endpoints',
    declare: (b) => {
      endpointOn(b.eks, EKS_ENDPOINT);
      new Cluster(b.topo, 'eks2', { cloud: 'aws', podCidrs: ['10.2.0.0/16'], layers: ['kubernetes', 'spire'], spireBundleEndpoint: { url: 'https://other-bundle.shop.example.com', profile: 'https_web' } });
    },
    code: 'BH-FEDERATION-CONFLICT', path: 'shop/eks2',
    message: /^clusters 'eks' and 'eks2' share trust domain shop\.example\.com but declare different bundle endpoints: the trust domain has one bundle$/,
    value: /"eks":"https:\/\/spire-bundle\.shop\.example\.com:8443 \(https_spiffe, spiffe:\/\/shop\.example\.com\/spire\/server\)".*"eks2":"https:\/\/other-bundle\.shop\.example\.com \(https_web\)"/,
    fix: /declare the same spireBundleEndpoint on both, or give cluster 'eks2' a trust domain of its own/,
  },
  {
    name: 'a flow between trust domains, SPIRE on both sides, and the other side declares no bundle endpoint',
    declare: (b) => { endpointOn(b.eks, EKS_ENDPOINT); remote(b, {}); },
    code: 'BH-FEDERATION-ENDPOINT', path: 'shop/coll',
    message: /^the flow joins trust domains shop\.example\.com and us\.example\.com: the SPIRE server of cluster 'eks' must federate with us\.example\.com to verify gke\/an\/coll, but no cluster of us\.example\.com declares its bundle endpoint$/,
    value: /^"gke\/an\/coll -> eks\/shop\/cart"$/,
    fix: /^set spireBundleEndpoint on cluster 'gke': the URL where the SPIRE server of us\.example\.com serves its bundle/,
  },
  {
    name: 'a source of trust domain cluster.local into an Istio mesh of another trust domain',
    // gke runs Istio without SPIRE: the other rules give only a warning
    declare: (b) => remote(b, { trustDomain: 'cluster.local', layers: ['kubernetes', 'istio'] }),
    code: 'BH-FEDERATION-CLUSTER-LOCAL', path: 'shop/coll',
    message: /^the source gke\/an\/coll has trust domain cluster\.local, which Istio reads in the policies of cluster 'eks' \(trust domain shop\.example\.com\) as its own trust domain/,
    value: /^"gke\/an\/coll -> eks\/shop\/cart"$/, fix: /give the cluster of gke\/an\/coll a trust domain of its own \(trustDomain on the Cluster\), not cluster\.local/,
  },
  {
    name: 'a flow into a trust domain that runs no SPIRE and declares no bundle endpoint (warning)',
    declare: (b) => remote(b, { layers: ['kubernetes', 'istio'] }),
    code: 'BH-FEDERATION-NO-SPIRE', path: 'shop/coll', severity: 'warning',
    message: /^the flow joins trust domains shop\.example\.com and us\.example\.com, and nothing of us\.example\.com runs SPIRE or declares a bundle endpoint: the SPIRE server of cluster 'eks' cannot federate with it/,
    value: /^"gke\/an\/coll -> eks\/shop\/cart"$/, fix: /^set spireBundleEndpoint on cluster 'gke'/,
  },
];

describe('federation: declaration problems', () => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => checkCatalogueCase(c));
});

describe('federation: problems of the layers', () => {
  test('BH-SPIRE-FEDERATION-BOOTSTRAP: an https_spiffe endpoint needs the foreign bundle once', () => {
    const b = base();
    endpointOn(b.eks, EKS_ENDPOINT);
    remote(b, { spireBundleEndpoint: { url: 'https://spire-bundle.us.example.com', profile: 'https_spiffe', spiffeId: 'spiffe://us.example.com/bundle' } });
    const found = synthesize(b.topo, { now: NOW }).warnings.filter((w: Problem) => w.code === 'BH-SPIRE-FEDERATION-BOOTSTRAP');
    expect(found.map((w) => w.path).sort()).toEqual(['shop/eks', 'shop/gke']);
    const p = found.find((w) => w.path === 'shop/eks') as Problem;
    expect(p).toMatchObject({ severity: 'warning', value: 'https://spire-bundle.us.example.com' });
    expect(p.message).toBe('the bundle endpoint of trust domain us.example.com (cluster gke) uses the https_spiffe profile: the SPIRE server of cluster eks authenticates it with the bundle of us.example.com, which it must be given once before the first fetch');
    expect(p.fix).toBe('give the SPIRE server of cluster eks the current bundle of us.example.com once (spire-server bundle set -id spiffe://us.example.com, or trustDomainBundle on ClusterFederatedTrustDomain bulkhead.us.example.com), or serve the endpoint with the https_web profile');
  });

  test('BH-AN-CILIUM-CLUSTER-NAME: no cluster name given, the one the selectors name most is taken (information)', () => {
    const w = (name: string): WorkloadEndpoint => ({
      type: 'workload', id: `shop/${name}[Deployment]`, namespace: 'shop', name, kind: 'Deployment', labels: { app: name },
      namespaceLabels: { 'kubernetes.io/metadata.name': 'shop' }, serviceAccount: name, ports: [{ port: 80, protocol: 'TCP' }],
    });
    const cnp = {
      apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'api', namespace: 'shop' },
      spec: { endpointSelector: { matchLabels: { app: 'api' } }, ingress: [{ fromEndpoints: [{ matchLabels: { app: 'web', 'io.cilium.k8s.policy.cluster': 'eks-prod' } }] }] },
    };
    const sim = createCiliumSimulator([cnp], { workloads: [w('api'), w('web')], namespaces: { shop: {} }, trustDomain: 'cluster.local', resolve: {} });
    expect(sim.warnings).toEqual([{
      severity: 'info', code: 'BH-AN-CILIUM-CLUSTER-NAME', path: 'cilium',
      message: 'no cluster name was given: the analysis takes the endpoints to be in cluster eks-prod, the cluster 1 endpoint selector of the input name (io.cilium.k8s.policy.cluster)',
      fix: "nothing to do if that is the cluster's Cilium name (cluster.name); else pass --cluster-name <name>",
    }]);
    expect(sim.explain(w('web'), w('api'), { protocol: 'TCP', port: 80 }).allowed).toBe(true);
  });

  test('BH-AN-CILIUM-CLUSTER-DEFAULT: a selector without the cluster label, with workloads of another cluster in the analysis', () => {
    const w = (name: string): WorkloadEndpoint => ({
      type: 'workload', id: `shop/${name}[Deployment]`, namespace: 'shop', name, kind: 'Deployment', labels: { app: name },
      namespaceLabels: { 'kubernetes.io/metadata.name': 'shop' }, serviceAccount: name, ports: [{ port: 80, protocol: 'TCP' }],
    });
    const web = w('web');
    const api = w('api');
    const cnp = {
      apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'api', namespace: 'shop' },
      spec: { endpointSelector: { matchLabels: { app: 'api' } }, ingress: [{ fromEndpoints: [{ matchLabels: { app: 'web' } }] }] },
    };
    const sim = createCiliumSimulator([cnp], { workloads: [api, web], namespaces: { shop: {} }, trustDomain: 'cluster.local', resolve: {} }, {
      clusterName: 'eks', clusterOf: (x) => (x.name === 'web' ? 'gke' : undefined),
    });
    const p = sim.warnings.filter((x) => x.code === 'BH-AN-CILIUM-CLUSTER-DEFAULT');
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ severity: 'warning', path: 'CiliumNetworkPolicy shop/api, spec.ingress[0]' });
    expect(p[0].message).toBe('an endpoint selector names no cluster (io.cilium.k8s.policy.cluster): it selects endpoints of the local cluster eks only, as Cilium 1.19 and later do by default (policy-default-local-cluster: true, assumed); on a Cilium with the other setting it selects the endpoints of every cluster');
    expect(p[0].fix).toBe('name the cluster in the selector (io.cilium.k8s.policy.cluster in matchLabels, or matchExpressions with In / Exists), so that it means the same on every Cilium version');
  });
});
