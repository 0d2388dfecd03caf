/**
 * Catalogue of the mesh problems of callers outside the mesh and of ambient mode across
 * clusters: a workload of a cluster without Istio calling a STRICT workload (error), the same
 * caller admitted by address where the destination accepts plaintext, HBONE across clusters,
 * where Istio's audit mode comes from, and what the ClusterNetworkPolicy guardrails cannot hold
 * back across clusters. Each entry asserts code, severity, path, message,
 * value and fix.
 */
import { BulkheadError, Problem } from '../../lib/core/errors';
import { Cluster } from '../../lib/model/cluster';
import { SensitiveTier } from '../../lib/model/tier';
import { Workload } from '../../lib/model/workload';
import { Port } from '../../lib/core/port';
import { Sensitivity } from '../../lib/core/sensitivity';
import { EnforcementMode, Topology } from '../../lib/model/topology';
import { synthesize } from '../../lib/synth';
import { base, NOW } from './declare';

function one(problems: readonly Problem[], code: string): Problem {
  const hits = problems.filter((p) => p.code === code);
  if (hits.length !== 1) throw new Error(`expected one ${code}, got ${hits.length}: ${JSON.stringify(problems.map((p) => p.code))}`);
  return hits[0];
}

function thrown(f: () => unknown): BulkheadError {
  try {
    f();
  } catch (e) {
    if (e instanceof BulkheadError) return e;
    throw e;
  }
  throw new Error('expected a BulkheadError');
}

describe('callers from clusters without Istio', () => {
  test('BH-ISTIO-NON-MESH-PLAINTEXT: a caller outside the mesh into a STRICT workload is refused, with every problem at once', () => {
    const b = base();
    const gke = new Cluster(b.topo, 'gke', { cloud: 'gcp', podCidrs: ['10.9.0.0/16'], layers: ['kubernetes'] });
    new Workload(b.topo, 'coll', { cluster: gke, namespace: 'an' }).allowTo(b.cart, Port.tcp(9090));
    new Workload(b.topo, 'batch', { cluster: gke, namespace: 'an' }).allowTo(b.web, Port.tcp(8080));
    const e = thrown(() => synthesize(b.topo, { now: NOW }));
    const ps = e.problems.filter((p) => p.code === 'BH-ISTIO-NON-MESH-PLAINTEXT');
    expect(ps.map((p) => [p.severity, p.path, p.value])).toEqual([['error', 'shop/batch', 'gke/an/batch'], ['error', 'shop/coll', 'gke/an/coll']]);
    const p = ps[1];
    expect(p.message).toBe('in cluster eks, eks/shop/cart (tier internal, STRICT mTLS) accepts flow gke/an/coll->eks/shop/cart from gke/an/coll, whose cluster gke runs no Istio: the caller sends plaintext, so the mesh would reject its connections before authorization');
    expect(p.fix).toBe('run Istio in cluster gke (with a trust domain this mesh trusts), or route the caller through an ingress gateway declared as the source, or give the tier of cart PERMISSIVE mTLS');
    expect(e.message).toContain(`[BH-ISTIO-NON-MESH-PLAINTEXT] error at shop/coll: ${p.message}`);
  });

  test('BH-ISTIO-SOURCE-OUTSIDE-MESH: into a public-tier workload the caller is admitted by its cluster\'s pod CIDRs', () => {
    const b = base();
    const edge = new SensitiveTier(b.topo, 'edge', { level: Sensitivity.PUBLIC });
    const front = new Workload(b.topo, 'front', { cluster: b.eks, namespace: 'shop', ports: { http: Port.tcp(8080) }, tier: edge });
    const gke = new Cluster(b.topo, 'gke', { cloud: 'gcp', podCidrs: ['10.9.0.0/16'], layers: ['kubernetes'] });
    new Workload(b.topo, 'coll', { cluster: gke, namespace: 'an' }).allowTo(front, Port.tcp(8080));
    const p = one(synthesize(b.topo, { now: NOW }).warnings, 'BH-ISTIO-SOURCE-OUTSIDE-MESH');
    expect(p).toMatchObject({ severity: 'warning', path: 'shop/front', value: '10.9.0.0/16' });
    expect(p.message).toBe('the source gke/an/coll runs in cluster gke, which runs no Istio: it sends plaintext and has no principal, so Istio admits flow gke/an/coll->eks/shop/front by the pod CIDRs of gke (10.9.0.0/16), and every pod of that cluster gets it too');
    expect(p.fix).toBe('run Istio in cluster gke (its workloads then present their identity over mTLS)');
  });

  test('BH-ISTIO-SOURCE-OUTSIDE-MESH: a caller whose cluster declares no pod CIDRs is not admitted by this layer', () => {
    // the destination runs Istio only (no network layer needs the caller's address), in audit mode
    const topo = new Topology(undefined, 'shop', { trustDomain: 'shop.example.com', clock: () => NOW, mode: EnforcementMode.AUDIT });
    const eks = new Cluster(topo, 'eks', { cloud: 'aws', podCidrs: ['10.1.0.0/16'], layers: ['istio'] });
    const cart = new Workload(topo, 'cart', { cluster: eks, namespace: 'shop', ports: { grpc: Port.tcp(9090) } });
    const gke = new Cluster(topo, 'gke', { cloud: 'gcp', layers: ['kubernetes'] });
    new Workload(topo, 'coll', { cluster: gke, namespace: 'an' }).allowTo(cart, Port.tcp(9090));
    const b = { topo };
    const p = synthesize(b.topo, { now: NOW }).warnings.find((x) => x.code === 'BH-ISTIO-SOURCE-OUTSIDE-MESH');
    expect(p).toMatchObject({ severity: 'warning', path: 'shop/cart', value: 'gke/an/coll' });
    expect(p?.message).toBe('the source gke/an/coll runs in cluster gke, which runs no Istio and declares no pod CIDRs: it sends plaintext and has no principal, so this layer does not allow flow gke/an/coll->eks/shop/cart');
    expect(p?.fix).toBe('run Istio in cluster gke, or declare its pod CIDRs');
  });
});

describe('ambient mode across clusters', () => {
  test('BH-ISTIO-AMBIENT-HBONE: flows with another cluster are admitted on their declared ports, not over HBONE', () => {
    const b = base();
    Object.assign(b.eks.props, { meshMode: 'ambient' });
    const gke = new Cluster(b.topo, 'gke', { cloud: 'gcp', podCidrs: ['10.9.0.0/16'], layers: ['kubernetes', 'istio'] });
    new Workload(b.topo, 'coll', { cluster: gke, namespace: 'an', ports: { http: Port.tcp(8080) } });
    b.cart.allowTo(b.topo.node.findChild('coll') as Workload, Port.tcp(8080));
    const p = one(synthesize(b.topo, { now: NOW }).warnings, 'BH-ISTIO-AMBIENT-HBONE');
    expect(p).toMatchObject({ severity: 'warning', path: 'shop/eks', value: 'eks/shop/cart->gke/an/coll' });
    expect(p.message).toBe('ambient cluster eks has flows with other clusters (eks/shop/cart->gke/an/coll): the kubernetes and cilium layers admit them on their declared ports only, not over HBONE (TCP 15008) through east-west gateways as Istio ambient multicluster carries them');
    expect(p.fix).toBe('run these flows without ambient multicluster (sidecar mode, or plaintext by address), or admit the east-west gateways on TCP 15008 in the network layers by hand');
  });
});

describe('where audit mode comes from', () => {
  test('BH-ISTIO-AUDIT-MODE: layerModes.istio audits while the topology enforces', () => {
    const b = base({ layerModes: { istio: EnforcementMode.AUDIT } });
    const p = one(synthesize(b.topo, { now: NOW }).warnings, 'BH-ISTIO-AUDIT-MODE');
    expect(p).toMatchObject({ severity: 'warning', path: 'shop', value: 'audit' });
    expect(p.message).toMatch(/^the istio layer is in audit mode \(layerModes.istio: 'audit'; the topology enforces\): PeerAuthentication is PERMISSIVE, .*so Istio denies nothing$/);
    expect(p.fix).toBe("set layerModes.istio to 'enforce' (or leave it out) to enforce the declared flows");
  });

  test('BH-ISTIO-AUDIT-MODE: the topology audits', () => {
    const p = one(synthesize(base({ mode: EnforcementMode.AUDIT }).topo, { now: NOW }).warnings, 'BH-ISTIO-AUDIT-MODE');
    expect(p.message).toMatch(/^the topology is in audit mode: /);
    expect(p.fix).toBe("switch the topology to mode 'enforce' to enforce the declared flows");
  });
});

describe('ClusterNetworkPolicy guardrails across clusters', () => {
  test('BH-CNP-REMOTE-INGRESS: the guardrails\' ingress side cannot name other clusters\' pods', () => {
    const b = base();
    new Cluster(b.topo, 'gke', { cloud: 'gcp', podCidrs: ['10.9.0.0/16'], layers: ['kubernetes'] });
    new Workload(b.topo, 'vault', { cluster: b.eks, namespace: 'sec', tier: new SensitiveTier(b.topo, 'keys', { level: Sensitivity.CRITICAL }) });
    const p = one(synthesize(b.topo, { now: NOW }).warnings, 'BH-CNP-REMOTE-INGRESS');
    expect(p).toMatchObject({ severity: 'warning', path: 'shop/eks', value: '10.9.0.0/16' });
    expect(p.message).toMatch(/^ClusterNetworkPolicy ingress peers are pods and namespaces of this cluster only: in cluster 'eks' the guardrails of 'eks\/sec\/vault' cannot deny the pods of 'gke', which arrive by address \(10.9.0.0\/16\)/);
    expect(p.fix).toMatch(/^rely on Cilium \(ClusterMesh identities and its clusterwide guardrails\) or Istio/);
  });
});
