/**
 * End to end through the real constructs: a declaration with a VM fleet (with and without a
 * SPIFFE identity) and a managed service next to a cluster running every cluster layer. The
 * synthesized NetworkPolicy, guardrails, Cilium, Istio and SPIRE objects admit exactly the
 * declared flows with the cloud, and verify (which stands each cloud workload in as an address
 * inside its subnets) finds every layer exact.
 */
import { BulkheadError } from '../../lib/core/errors';
import { Port } from '../../lib/core/port';
import { Sensitivity } from '../../lib/core/sensitivity';
import { SensitiveTier } from '../../lib/model/tier';
import { Workload } from '../../lib/model/workload';
import { synthesize, Synthesis } from '../../lib/synth';
import { AuthorizationPolicy, PeerAuthentication, ServiceEntry } from '../../lib/targets/istio';
import { CiliumNetworkPolicy } from '../../lib/targets/cilium';
import { NetworkPolicyManifest } from '../../lib/targets/kubernetes';
import { ClusterStaticEntry } from '../../lib/targets/spire';
import { KubeManifest } from '../../lib/targets/types';
import { verify } from '../../lib/verify';
import { cloud as cloudBase, vm } from '../plan/declare-cloud';
import { base, NOW } from '../plan/declare';
import { schemaErrors } from '../util/schema';
import { thrown } from '../util/thrown';

const find = <T extends KubeManifest>(s: Synthesis, kind: string, name: string, namespace?: string): T => {
  const m = s.clusters[0].manifests.find((x) => x.kind === kind && x.metadata.name === name && (namespace === undefined || x.metadata.namespace === namespace));
  if (!m) throw new Error(`no ${kind} ${namespace ?? ''}/${name}`);
  return m as T;
};

/** web calls the ERP on https, the ERP calls cart on grpc, cart calls the database on postgres. */
function declaration() {
  const b = base();
  const c = cloudBase(b);
  b.web.allowTo(c.erp, Port.named('https'));
  c.erp.allowTo(b.cart, Port.named('grpc'));
  b.cart.allowTo(c.db, Port.POSTGRES);
  return { ...c };
}

describe('cloud peers end to end', () => {
  const d = declaration();
  const s = synthesize(d.topo, { now: NOW });
  const erp = s.plan.cloudWorkloads.find((x) => x.name === 'erp')!;
  const db = s.plan.cloudWorkloads.find((x) => x.name === 'orders-db')!;

  /** The rules of a list that name one of the CIDRs (the cloud rules, apart from the platform ones). */
  const withBlocks = <R extends object>(rules: readonly R[] | undefined, cidrs: readonly string[]): R[] =>
    (rules ?? []).filter((r) => JSON.stringify(r).includes(`"${cidrs[0]}"`));

  test('NetworkPolicy admits the subnets on the flow ports, both directions', () => {
    expect(withBlocks(find<NetworkPolicyManifest>(s, 'NetworkPolicy', 'web', 'shop').spec.egress, erp.subnetCidrs)).toEqual([
      { to: erp.subnetCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: 'TCP', port: 443 }] },
    ]);
    expect(find<NetworkPolicyManifest>(s, 'NetworkPolicy', 'cart', 'shop').spec.ingress).toEqual([
      { from: erp.subnetCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: 'TCP', port: 9090 }] },
    ]);
    expect(withBlocks(find<NetworkPolicyManifest>(s, 'NetworkPolicy', 'cart', 'shop').spec.egress, db.subnetCidrs)).toEqual([
      { to: db.subnetCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: 'TCP', port: 5432 }] },
    ]);
    expect(s.warnings.filter((w) => w.code === 'BH-NP-CLOUD-SUBNET')).toHaveLength(3);
  });

  test('Cilium uses toCIDRSet / fromCIDRSet', () => {
    expect(withBlocks(find<CiliumNetworkPolicy>(s, 'CiliumNetworkPolicy', 'web', 'shop').spec.egress, erp.subnetCidrs)).toEqual([
      { toCIDRSet: erp.subnetCidrs.map((cidr) => ({ cidr })), toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] },
    ]);
    expect(withBlocks(find<CiliumNetworkPolicy>(s, 'CiliumNetworkPolicy', 'cart', 'shop').spec.ingress, erp.subnetCidrs)).toEqual([
      { fromCIDRSet: erp.subnetCidrs.map((cidr) => ({ cidr })), toPorts: [{ ports: [{ port: '9090', protocol: 'TCP' }] }] },
    ]);
  });

  test('Istio names the VM fleet by the principal of its SPIFFE ID, and registers the cloud destinations by address', () => {
    const id = erp.identity!;
    const ap = find<AuthorizationPolicy>(s, 'AuthorizationPolicy', 'cart', 'shop');
    expect(ap.spec.rules).toEqual([{ from: [{ source: { principals: [id.spiffeId.slice('spiffe://'.length)] } }], to: [{ operation: { ports: ['9090'] } }] }]);
    expect(find<ServiceEntry>(s, 'ServiceEntry', 'bulkhead-cloud.vpc.erp', 'istio-system').spec).toMatchObject({ addresses: erp.subnetCidrs, location: 'MESH_INTERNAL', exportTo: ['shop'] });
    expect(find<ServiceEntry>(s, 'ServiceEntry', 'bulkhead-cloud.vpc.orders-db', 'istio-system').spec).toMatchObject({ addresses: db.subnetCidrs, location: 'MESH_EXTERNAL' });
  });

  test('SPIRE registers the fleet and its node alias in the cluster its identity names', () => {
    const id = erp.identity!;
    expect(id.spireCluster).toBe('eks');
    const entries = s.clusters[0].manifests.filter((m): m is ClusterStaticEntry => m.kind === 'ClusterStaticEntry');
    expect(entries.map((m) => m.metadata.name)).toEqual(['bulkhead.node-alias.vpc.erp', 'bulkhead.vm.vpc.erp']);
    expect(entries[1].spec).toEqual({ spiffeID: id.spiffeId, parentID: id.parentId, selectors: [...id.selectors], x509SVIDTTL: '4h0m0s' });
    expect(entries[0].spec).toEqual({ spiffeID: id.parentId, parentID: 'spiffe://shop.example.com/spire/server', selectors: [...id.nodeSelectors] });
  });

  test('every object is schema-valid', () => {
    for (const m of s.clusters[0].manifests) expect({ name: `${m.kind} ${m.metadata.name}`, errors: schemaErrors(m) }).toEqual({ name: `${m.kind} ${m.metadata.name}`, errors: [] });
  });

  test('verify: every layer exact, the cloud flows judged', () => {
    const report = verify(declaration().topo, { now: NOW });
    expect(report.findings).toEqual([]);
    expect(report.exact).toBe(true);
    expect(report.layers.find((l) => l.layer === 'kubernetes')?.externalChecks).toBe(3);
  });

  test('a VM fleet without identity into a STRICT workload is refused with the other problems', () => {
    const b = base();
    const c = cloudBase(b);
    const legacy = vm(b.topo, 'legacy', c.vpc, { subnetCidrs: ['10.0.96.0/20'], identity: false });
    legacy.allowTo(b.cart, Port.named('grpc'));
    const e = thrown(() => synthesize(b.topo, { now: NOW }));
    expect(BulkheadError.isBulkheadError(e) && e.problems.map((p) => p.code)).toContain('BH-ISTIO-CLOUD-PLAINTEXT');
  });

  test('…and admitted by its subnets, plaintext only, into a public workload: verify still exact', () => {
    const b = base();
    const c = cloudBase(b);
    const edge = new SensitiveTier(b.topo, 'edge', { level: Sensitivity.PUBLIC });
    const front = new Workload(b.topo, 'front', { cluster: b.eks, namespace: 'shop', ports: { http: Port.tcp(8080) }, tier: edge });
    const legacy = vm(b.topo, 'legacy', c.vpc, { subnetCidrs: ['10.0.96.0/20'], identity: false });
    legacy.allowTo(front, Port.named('http'));
    const r = synthesize(b.topo, { now: NOW });
    expect(find<AuthorizationPolicy>(r, 'AuthorizationPolicy', 'front', 'shop').spec.rules).toEqual([
      { from: [{ source: { ipBlocks: ['10.0.96.0/20'], notPrincipals: ['*'] } }], to: [{ operation: { ports: ['8080'] } }] },
    ]);
    expect(find<PeerAuthentication>(r, 'PeerAuthentication', 'front', 'shop').spec.portLevelMtls).toEqual({ 8080: { mode: 'PERMISSIVE' } });
    expect(r.clusters[0].manifests.filter((m) => m.kind === 'ClusterStaticEntry' && m.metadata.name.endsWith('.legacy'))).toEqual([]);
    const report = verify(b.topo, { now: NOW });
    expect(report.findings).toEqual([]);
    expect(report.exact).toBe(true);
  });
});
