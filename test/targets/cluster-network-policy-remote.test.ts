/**
 * ClusterNetworkPolicy guardrails and the pods of other clusters. Egress: the final Deny names
 * every network, so a guarded workload reaches remote pods only where a declared flow passes
 * them (the remote cluster's pod CIDRs, the declared ports), whatever another team's
 * NetworkPolicy allows. Ingress: v1alpha2 ingress peers are pods and namespaces only, so remote
 * pods arriving by address are left to NetworkPolicy, which the guardrail says
 * (`BH-CNP-REMOTE-INGRESS`). Judged by the kubernetes simulator, with a hostile allow-all
 * NetworkPolicy beside Bulkhead's output.
 */
import { Analysis } from '../../lib/analysis/engine';
import { Cluster, Port, synthesize, Topology, Workload } from '../../lib';
import { Sensitivity } from '../../lib/core/sensitivity';
import { SensitiveTier } from '../../lib/model/tier';
import { loadWithEndpoints } from '../../lib/verify';
import { schemaErrors } from '../util/schema';

const NOW = new Date('2026-11-22T21:00:00Z');

function topology(): Topology {
  const topo = new Topology(undefined, 'shop', { trustDomain: 'shop.example.com', clock: () => NOW });
  const eks = new Cluster(topo, 'eks', { cloud: 'aws', podCidrs: ['10.1.0.0/16'], layers: ['kubernetes', 'cluster-network-policy'] });
  const gke = new Cluster(topo, 'gke', { cloud: 'gcp', podCidrs: ['10.9.0.0/16'], layers: ['kubernetes'] });
  new Cluster(topo, 'aks', { cloud: 'azure', podCidrs: ['10.7.0.0/16'], layers: ['kubernetes'] });
  const vault = new SensitiveTier(topo, 'vault', { level: Sensitivity.CRITICAL });
  const db = new Workload(topo, 'db', { cluster: eks, namespace: 'data', ports: { pg: Port.tcp(5432) }, tier: vault });
  const api = new Workload(topo, 'api', { cluster: eks, namespace: 'data', ports: { http: Port.tcp(8080) }, tier: vault });
  const coll = new Workload(topo, 'coll', { cluster: gke, namespace: 'an', ports: { http: Port.tcp(9000) } });
  api.allowTo(coll, Port.named('http'));
  api.allowTo(db, Port.named('pg'));
  return topo;
}

/** Another team's NetworkPolicy: everything in and out for every pod of namespace data. */
const HOSTILE = {
  apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'allow-all', namespace: 'data' },
  spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [{}], egress: [{}] },
};

describe('guardrails and the pods of other clusters', () => {
  const s = synthesize(topology(), { now: NOW });
  const eks = s.clusters.find((c) => c.cluster.name === 'eks');
  if (!eks) throw new Error('no eks');
  const a = Analysis.of(loadWithEndpoints(s.plan, eks.cluster, [...eks.manifests, HOSTILE]), { trustDomain: eks.cluster.trustDomain, podCidrs: eks.cluster.podCidrs });
  const allowed = (from: string, to: string, port: number) => a.explain(from, to, { protocol: 'TCP', port }).allowed;

  test('the objects validate against the upstream schema', () => {
    for (const m of eks.manifests) expect(schemaErrors(m)).toEqual([]);
  });

  test('egress: the declared remote flow passes (its cluster\'s pod CIDRs, its port), every other remote address and port is denied despite the allow-all policy', () => {
    expect(allowed('data/api[Deployment]', '10.9.0.5', 9000)).toBe(true);
    expect(allowed('data/api[Deployment]', '10.9.0.5', 22)).toBe(false);
    expect(allowed('data/api[Deployment]', '10.7.0.5', 9000)).toBe(false);
    expect(allowed('data/db[Deployment]', '10.9.0.5', 9000)).toBe(false);
    expect(allowed('data/db[Deployment]', '10.7.0.5', 443)).toBe(false);
  });

  test('ingress: in-cluster pods are held back, remote pods arriving by address are left to NetworkPolicy (upstream v1alpha2 has no ingress networks)', () => {
    expect(allowed('data/api[Deployment]', 'data/db[Deployment]', 5432)).toBe(true);
    expect(allowed('data/api[Deployment]', 'data/db[Deployment]', 22)).toBe(false);
    expect(allowed('10.9.0.5', 'data/db[Deployment]', 5432)).toBe(true);
  });

  test('without the hostile policy, Bulkhead\'s NetworkPolicies hold the remote pods back on ingress', () => {
    const own = Analysis.of(loadWithEndpoints(s.plan, eks.cluster, eks.manifests), { trustDomain: eks.cluster.trustDomain, podCidrs: eks.cluster.podCidrs });
    expect(own.explain('10.9.0.5', 'data/db[Deployment]', { protocol: 'TCP', port: 5432 }).allowed).toBe(false);
    expect(own.explain('10.7.0.5', 'data/api[Deployment]', { protocol: 'TCP', port: 8080 }).allowed).toBe(false);
  });

  test('BH-CNP-REMOTE-INGRESS says so, once for the cluster, naming the remote clusters and their pod CIDRs', () => {
    const ws = s.warnings.filter((w) => w.code === 'BH-CNP-REMOTE-INGRESS');
    expect(ws).toHaveLength(1);
    expect(ws[0]).toMatchObject({ severity: 'warning', path: 'shop/eks', value: '10.7.0.0/16,10.9.0.0/16' });
    expect(ws[0].message).toBe("ClusterNetworkPolicy ingress peers are pods and namespaces of this cluster only: in cluster 'eks' the guardrails of 'eks/data/api', 'eks/data/db' cannot deny the pods of 'aks', 'gke', which arrive by address (10.7.0.0/16, 10.9.0.0/16); the namespace default-deny NetworkPolicy holds them back, but any NetworkPolicy may admit them (the guardrails' egress Deny does hold back connections to them)");
    expect(ws[0].fix).toBe('rely on Cilium (ClusterMesh identities and its clusterwide guardrails) or Istio (STRICT mTLS and principals) for the guarded workloads across clusters, or keep their NetworkPolicies owned by Bulkhead alone');
  });

  test('a single cluster gets no such warning', () => {
    const topo = new Topology(undefined, 'solo', { trustDomain: 'solo.example.com', clock: () => NOW });
    const c = new Cluster(topo, 'eks', { cloud: 'aws', podCidrs: ['10.1.0.0/16'], layers: ['kubernetes', 'cluster-network-policy'] });
    new Workload(topo, 'db', { cluster: c, namespace: 'data', tier: new SensitiveTier(topo, 'vault', { level: Sensitivity.CRITICAL }) });
    expect(synthesize(topo, { now: NOW }).warnings.map((w) => w.code)).not.toContain('BH-CNP-REMOTE-INGRESS');
  });
});
