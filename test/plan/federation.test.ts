/**
 * The federation checks (lib/plan/checks/federation.ts): which declared bundle endpoints are
 * accepted, how the sides of a flow are identified (pods, platform endpoints, VM fleets), and
 * which trust domains a SPIRE server federates with. The problems themselves are catalogued in
 * errors-federation.test.ts.
 */
import { Port } from '../../lib/core/port';
import { Cluster } from '../../lib/model/cluster';
import { Workload } from '../../lib/model/workload';
import {
  checkBundleEndpoint, checkFederation, endpointSpiffeId, FederationIndex, FederationView,
} from '../../lib/plan/checks/federation';
import { Reporter } from '../../lib/plan/checks/report';
import { PlanCluster } from '../../lib/plan/types';
import { base, plan } from './declare';

function collect(): Reporter & { readonly list: { code: string; severity: string; path: string }[] } {
  const list: { code: string; severity: string; path: string }[] = [];
  return {
    list,
    error: (code, path) => list.push({ code, severity: 'error', path }),
    warn: (code, path) => list.push({ code, severity: 'warning', path }),
  };
}

const cluster = (name: string, trustDomain: string, layers: PlanCluster['layers'], bundleEndpoint?: PlanCluster['bundleEndpoint']): PlanCluster => ({
  name, path: `t/${name}`, cloud: 'test', region: '', podCidrs: [], nodeCidrs: [], layers, trustDomain, ciliumClusterName: name, istioRootNamespace: 'istio-system', namespaces: [],
  ...(bundleEndpoint ? { bundleEndpoint } : {}),
});

describe('checkBundleEndpoint accepts what SPIRE accepts', () => {
  test.each([
    { url: 'https://spire-bundle.shop.example.com:8443', profile: 'https_spiffe' },
    { url: 'https://spire-bundle.shop.example.com/bundle', profile: 'https_spiffe', spiffeId: 'spiffe://shop.example.com/bundle-server' },
    { url: 'https://10.0.0.5:8443', profile: 'https_web' },
    { url: 'https://bundle.shop.example.com/path?x=1', profile: 'https_web' },
  ])('%j', (value) => {
    const r = collect();
    checkBundleEndpoint('t/eks', value, 'shop.example.com', r);
    expect(r.list).toEqual([]);
  });

  test('nothing declared: nothing to check', () => {
    const r = collect();
    checkBundleEndpoint('t/eks', undefined, 'shop.example.com', r);
    expect(r.list).toEqual([]);
  });

  test('every problem of one endpoint at once', () => {
    const r = collect();
    checkBundleEndpoint('t/eks', { url: 'ftp://x', profile: 'https_spiffe', spiffeId: 'spiffe://other.example/x' }, 'shop.example.com', r);
    expect(r.list.map((p) => p.code)).toEqual(['BH-BUNDLE-ENDPOINT-URL', 'BH-BUNDLE-ENDPOINT-ID']);
  });

  test('the endpoint SPIFFE ID defaults to the SPIRE server\'s', () => {
    expect(endpointSpiffeId({ url: 'https://x', profile: 'https_spiffe' }, 'shop.example.com')).toBe('spiffe://shop.example.com/spire/server');
    expect(endpointSpiffeId({ url: 'https://x', profile: 'https_spiffe', spiffeId: 'spiffe://shop.example.com/b' }, 'shop.example.com')).toBe('spiffe://shop.example.com/b');
  });
});

describe('FederationIndex', () => {
  const eu = cluster('eu', 'eu.example', ['kubernetes', 'istio', 'spire'], { url: 'https://b.eu.example', profile: 'https_web' });
  const us = cluster('us', 'us.example', ['kubernetes', 'istio', 'spire'], { url: 'https://b.us.example', profile: 'https_web' });
  const plain = cluster('plain', 'plain.example', ['kubernetes'], { url: 'https://b.plain.example', profile: 'https_web' });
  const view: FederationView = {
    clusters: [eu, us, plain],
    workloads: [{ key: 'eu/a/web', cluster: 'eu' }, { key: 'us/b/coll', cluster: 'us' }, { key: 'plain/c/x', cluster: 'plain' }],
    platform: [{ key: 'platform:eu:dns', cluster: 'eu' }],
    cloudWorkloads: [
      { key: 'cloud:vpc/erp', identity: { spiffeId: 'spiffe://us.example/ns/vpc/sa/erp', parentId: 'spiffe://us.example/node/aws/vpc/erp', nodeSelectors: [], selectors: ['unix:user:erp'], spireCluster: 'us', svidTtlSeconds: 3600 } },
      { key: 'cloud:vpc/db' },
    ],
    flows: [],
  };
  const idx = new FederationIndex(view);

  test('pods, platform endpoints and VM fleets have the trust domain of the SPIRE server that registers them', () => {
    expect(idx.side({ kind: 'workload', key: 'eu/a/web' })).toMatchObject({ trustDomain: 'eu.example', issued: true, spireCluster: eu, cluster: eu });
    expect(idx.side({ kind: 'platform', key: 'platform:eu:dns' })).toMatchObject({ trustDomain: 'eu.example', spireCluster: eu });
    expect(idx.side({ kind: 'cloud', key: 'cloud:vpc/erp' })).toMatchObject({ trustDomain: 'us.example', issued: true, spireCluster: us });
    expect(idx.side({ kind: 'cloud', key: 'cloud:vpc/db' })).toBeUndefined();
    expect(idx.side({ kind: 'external', key: 'stripe' })).toBeUndefined();
    // a cluster without Istio or SPIRE issues no SVID
    expect(idx.side({ kind: 'workload', key: 'plain/c/x' })).toMatchObject({ issued: false });
    expect(idx.side({ kind: 'workload', key: 'plain/c/x' })?.spireCluster).toBeUndefined();
  });

  test('a SPIRE server federates with the other trust domains of peers that present an SVID, and whose endpoint is declared', () => {
    expect(idx.federatedDomains('eu.example', [
      { kind: 'workload', key: 'us/b/coll' }, { kind: 'cloud', key: 'cloud:vpc/erp' }, { kind: 'workload', key: 'plain/c/x' },
      { kind: 'workload', key: 'eu/a/web' }, { kind: 'external', key: 'stripe' },
    ])).toEqual(['us.example']);
    const undeclared = new FederationIndex({ ...view, clusters: [eu, { ...us, bundleEndpoint: undefined }, plain] });
    expect(undeclared.federatedDomains('eu.example', [{ kind: 'workload', key: 'us/b/coll' }])).toEqual([]);
  });

  test('a VM fleet of another trust domain: the flow needs its SPIRE cluster\'s endpoint', () => {
    const r = collect();
    const v: FederationView = { ...view, clusters: [eu, { ...us, bundleEndpoint: undefined }], flows: [{ path: 't/web', source: { kind: 'workload', key: 'eu/a/web' }, destination: { kind: 'cloud', key: 'cloud:vpc/erp' } }] };
    checkFederation(v, [], r);
    expect(r.list).toEqual([{ code: 'BH-FEDERATION-ENDPOINT', severity: 'error', path: 't/web' }]);
  });
});

describe('the planner', () => {
  test('copies a valid declared endpoint into the plan, and one trust domain needs no federation', () => {
    const b = base();
    const endpoint = { url: 'https://spire-bundle.shop.example.com:8443', profile: 'https_spiffe' as const };
    (b.eks.props as { spireBundleEndpoint?: unknown }).spireBundleEndpoint = endpoint;
    const gke = new Cluster(b.topo, 'gke', { cloud: 'gcp', podCidrs: ['10.9.0.0/16'], layers: ['kubernetes', 'istio', 'spire'] });
    new Workload(b.topo, 'coll', { cluster: gke, namespace: 'an' }).allowTo(b.cart, Port.tcp(9090));
    const p = plan(b.topo);
    expect(p.clusters.find((c) => c.name === 'eks')?.bundleEndpoint).toEqual(endpoint);
    expect(p.warnings.filter((w) => w.code.startsWith('BH-FEDERATION'))).toEqual([]);
  });
});
