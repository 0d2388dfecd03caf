/**
 * SPIRE for VM fleets: one ClusterStaticEntry per VM fleet with a SPIFFE identity, in the
 * cluster its identity names, schema-valid, with the tier's maximum SVID lifetime and the
 * federation of its peers; the entries SPIRE would refuse are errors before rendering.
 */
import { Duration } from '../../lib/core/duration';
import { BulkheadError } from '../../lib/core/errors';
import { Plan, PlanCluster } from '../../lib/plan/types';
import {
  ClusterFederatedTrustDomain, ClusterSPIFFEID, ClusterStaticEntry, clusterNodeAliasEntryName, clusterStaticEntryName, spireServerId, cloudPrincipal, renderSpire, SPIRE_ERRORS, spiffeTrustDomain, spireTarget, validateSpire,
} from '../../lib/targets/spire';
import { renderIstio, AuthorizationPolicy } from '../../lib/targets/istio';
import { KubeManifest } from '../../lib/targets/types';
import { schemaErrors } from '../util/schema';
import { thrown } from '../util/thrown';
import { cloud, cloudPlan, ERP_IDENTITY, pod, tcp, TD } from './cloud-peers-plan';

const eks = (p: Plan): PlanCluster => p.clusters[0];
const statics = (ms: readonly KubeManifest[]) => ms.filter((m): m is ClusterStaticEntry => m.kind === 'ClusterStaticEntry');

describe('SPIRE ClusterStaticEntry for VM fleets', () => {
  const plan = cloudPlan();
  const out = renderSpire(plan, eks(plan));

  test('one entry per VM fleet with an identity: SPIFFE ID, parent ID, sorted selectors, the tier TTL', () => {
    const entries = statics(out.manifests);
    expect(entries.map((m) => m.metadata.name)).toEqual(['bulkhead.node-alias.corp.erp', 'bulkhead.vm.corp.erp']);
    const [alias, erp] = entries;
    expect(alias.spec).toEqual({ spiffeID: `spiffe://${TD}/node/aws/corp/erp`, parentID: `spiffe://${TD}/spire/server`, selectors: ['aws_iid:tag:app:erp'] });
    expect(erp.spec).toEqual({
      spiffeID: `spiffe://${TD}/vm/corp/erp`,
      parentID: `spiffe://${TD}/node/aws/corp/erp`,
      selectors: ['unix:uid:1001', 'unix:user:erp'],
      x509SVIDTTL: '1h0m0s',
    });
    expect(alias.metadata.labels).toEqual(erp.metadata.labels);
    expect(erp.metadata).toEqual({
      name: 'bulkhead.vm.corp.erp',
      labels: { 'app.kubernetes.io/managed-by': 'bulkhead', 'bulkhead.io/layer': 'spire', 'bulkhead.io/tier': 'sensitive', 'bulkhead.io/workload': 'erp' },
      annotations: { 'bulkhead.io/source': 'corp/corp/erp' },
    });
    expect(clusterStaticEntryName(plan.cloudWorkloads[0])).toBe('bulkhead.vm.corp.erp');
  });

  test('an identity with node selectors also gets its node alias: parent = the SPIRE server, selectors = the node selectors', () => {
    const nodeSelectors = ['aws_iid:tag:app:erp', 'aws_iid:sg:id:sg-0123'];
    const p = cloudPlan({ cloud: (c) => (c.identity ? { ...c, identity: { ...c.identity, parentId: `spiffe://${TD}/node/aws/corp/erp`, nodeSelectors } as typeof c.identity } : c) });
    const entries = statics(renderSpire(p, eks(p)).manifests);
    expect(entries.map((m) => m.metadata.name)).toEqual(['bulkhead.node-alias.corp.erp', 'bulkhead.vm.corp.erp']);
    expect(entries[0].spec).toEqual({ spiffeID: `spiffe://${TD}/node/aws/corp/erp`, parentID: `spiffe://${TD}/spire/server`, selectors: ['aws_iid:sg:id:sg-0123', 'aws_iid:tag:app:erp'] });
    expect(entries[1].spec.parentID).toBe(entries[0].spec.spiffeID);
    expect(clusterNodeAliasEntryName(p.cloudWorkloads[0])).toBe('bulkhead.node-alias.corp.erp');
    expect(spireServerId(TD)).toBe(`spiffe://${TD}/spire/server`);
    for (const m of entries) expect(schemaErrors(m)).toEqual([]);
  });

  test('the SVID lifetime never exceeds the tier maximum', () => {
    const p = cloudPlan({ cloud: (c) => (c.identity ? { ...c, identity: { ...c.identity, svidTtlSeconds: 7 * 24 * 3600 } } : c) });
    const erp = statics(renderSpire(p, eks(p)).manifests).find((m) => m.metadata.name === 'bulkhead.vm.corp.erp')!;
    const max = p.cloudWorkloads.find((c) => c.name === 'erp')!.tier.maxSvidTtlSeconds;
    expect(erp.spec.x509SVIDTTL).toBe(Duration.seconds(max).toGoString());
  });

  test('the SPIFFE ID is the principal the mesh names', () => {
    const ap = renderIstio(plan, eks(plan)).manifests.find((m) => m.kind === 'AuthorizationPolicy' && m.metadata.name === 'ledger') as AuthorizationPolicy;
    const erp = statics(out.manifests).find((m) => m.metadata.name === 'bulkhead.vm.corp.erp')!;
    expect(ap.spec.rules?.[0].from?.[0].source.principals).toEqual([erp.spec.spiffeID.slice('spiffe://'.length)]);
    expect(cloudPrincipal(ERP_IDENTITY)).toBe(`${TD}/vm/corp/erp`);
    expect(spiffeTrustDomain('spiffe://Corp.Example.com/vm/x')).toBe('corp.example.com');
    expect(spiffeTrustDomain('not-an-id')).toBeUndefined();
  });

  test('only in the cluster the identity names, and only where SPIRE runs', () => {
    const other = { ...eks(plan), name: 'gke', path: 'corp/gke' };
    expect(statics(renderSpire({ ...plan, clusters: [eks(plan), other] }, other).manifests)).toEqual([]);
    expect(renderSpire(plan, { ...eks(plan), layers: ['kubernetes'] })).toEqual({ manifests: [], warnings: [] });
    expect(validateSpire(plan, { ...eks(plan), layers: ['kubernetes'] })).toEqual([]);
  });

  test('federatesWith the trust domains of its peers; the pods that talk to it federate with the VM', () => {
    const p = cloudPlan({
      cluster: (c) => ({ ...c, trustDomain: 'erp.example.org', bundleEndpoint: { url: 'https://spire.erp.example.org/bundle', profile: 'https_web' } }),
      cloud: (c) => (c.identity ? { ...c, identity: { ...c.identity, spiffeId: 'spiffe://erp.example.org/vm/erp', parentId: 'spiffe://erp.example.org/node/aws/corp/erp' } } : c),
    });
    // the pods keep the topology's trust domain in another cluster of it
    const gke: PlanCluster = { ...eks(p), name: 'gke', path: 'corp/gke', trustDomain: TD, namespaces: ['shop', 'payments'], bundleEndpoint: { url: 'https://spire.gke.example.com/bundle', profile: 'https_web' } };
    const split: Plan = { ...p, clusters: [eks(p), gke], workloads: p.workloads.map((w) => ({ ...w, cluster: 'gke', key: w.key.replace('eks/', 'gke/') })) };
    const remap = (k: string) => k.replace('eks/', 'gke/').replace('platform:eks:', 'platform:gke:');
    const fixed: Plan = {
      ...split,
      platform: split.platform.map((x) => ({ ...x, cluster: 'gke', key: remap(x.key) })),
      flows: split.flows.map((f) => ({ ...f, source: { ...f.source, key: remap(f.source.key) }, destination: { ...f.destination, key: remap(f.destination.key) } })),
      workloads: split.workloads.map((w) => ({ ...w, calls: w.calls.map((e) => ({ ...e, peer: { ...e.peer, key: remap(e.peer.key) } })), calledBy: w.calledBy.map((e) => ({ ...e, peer: { ...e.peer, key: remap(e.peer.key) } })) })),
      cloudWorkloads: split.cloudWorkloads.map((c) => ({ ...c, calls: c.calls.map((e) => ({ ...e, peer: { ...e.peer, key: remap(e.peer.key) } })), calledBy: c.calledBy.map((e) => ({ ...e, peer: { ...e.peer, key: remap(e.peer.key) } })) })),
    };
    const here = renderSpire(fixed, eks(fixed));
    const erp = statics(here.manifests).find((m) => m.metadata.name === 'bulkhead.vm.corp.erp')!;
    expect(erp.spec.federatesWith).toEqual([TD]);
    expect(here.manifests.filter((m): m is ClusterFederatedTrustDomain => m.kind === 'ClusterFederatedTrustDomain').map((m) => m.spec.trustDomain)).toEqual([TD]);
    const there = renderSpire(fixed, gke).manifests.filter((m): m is ClusterSPIFFEID => m.kind === 'ClusterSPIFFEID');
    const byName = Object.fromEntries(there.map((m) => [m.metadata.name, m.spec.federatesWith]));
    expect(byName['bulkhead.shop.orders']).toEqual(['erp.example.org']);
    expect(byName['bulkhead.payments.ledger']).toEqual(['erp.example.org']);
    expect(byName['bulkhead.shop.reports']).toBeUndefined();
  });

  test('an identity outside the cluster\'s trust domain is refused before rendering', () => {
    const p = cloudPlan({ cloud: (c) => (c.identity ? { ...c, identity: { ...c.identity, spiffeId: 'spiffe://other.example/vm/erp' } } : c) });
    expect(validateSpire(p, eks(p))).toEqual([{
      severity: 'error', code: SPIRE_ERRORS.staticTrustDomain, path: 'corp/corp/erp',
      message: `the SPIRE server of cluster eks holds the entry of VM fleet cloud:corp/erp, but spiffe://other.example/vm/erp is not in its trust domain ${TD}: the server refuses the entry, so the VMs get no SVID`,
      value: 'spiffe://other.example/vm/erp',
      fix: `name the VMs' SPIFFE ID and parent ID in trust domain ${TD}, or register them in the SPIRE server of a cluster of their trust domain (identity.spireCluster)`,
    }]);
    const e = thrown(() => renderSpire(p, eks(p)));
    expect(BulkheadError.isBulkheadError(e) && e.problems.map((x) => x.code)).toEqual([SPIRE_ERRORS.staticTrustDomain]);
    expect(spireTarget.validate?.(p, eks(p))).toHaveLength(1);
  });

  test('an identity without selectors is refused', () => {
    const p = cloudPlan({ cloud: (c) => (c.identity ? { ...c, identity: { ...c.identity, selectors: [] } } : c) });
    expect(validateSpire(p, eks(p))).toEqual([{
      severity: 'error', code: SPIRE_ERRORS.staticSelectors, path: 'corp/corp/erp',
      message: 'the SPIRE entry of VM fleet cloud:corp/erp has no workload selectors: SPIRE refuses an entry without selectors',
      value: `spiffe://${TD}/vm/corp/erp`,
      fix: "give the identity the selectors that single out the VMs' workload, such as unix:uid:1001 or a docker label",
    }]);
  });

  test('same plan in any order of flows: byte-identical output', () => {
    const flows = [
      { source: cloud('erp'), destination: pod('payments', 'ledger'), ports: [tcp(9090)] },
      { source: pod('shop', 'orders'), destination: cloud('erp'), ports: [tcp(8443)] },
    ];
    const a = renderSpire(cloudPlan({ flows }), eks(plan));
    const b = renderSpire(cloudPlan({ flows: [...flows].reverse() }), eks(plan));
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  test('every object is schema-valid', () => {
    for (const m of out.manifests) expect({ name: m.metadata.name, errors: schemaErrors(m) }).toEqual({ name: m.metadata.name, errors: [] });
  });
});
