/**
 * The network layers on the Kubernetes side of flows with cloud workloads (VM fleets, managed
 * services): NetworkPolicy and ClusterNetworkPolicy admit the subnet CIDRs on the flow's ports,
 * Cilium uses toCIDRSet / fromCIDRSet, each layer says where the subnet is wider than the workload.
 */
import { Plan, PlanCluster } from '../../lib/plan/types';
import { CILIUM_WARNINGS, CiliumNetworkPolicy, renderCilium } from '../../lib/targets/cilium';
import { ClusterNetworkPolicyManifest, renderClusterNetworkPolicies, WARN_CNP_INGRESS_UNSCOPED } from '../../lib/targets/cluster-network-policy';
import { NetworkPolicyManifest, renderKubernetes, resolvePeer, WARN_CLOUD_SUBNET, WARN_UNREACHABLE } from '../../lib/targets/kubernetes';
import { PlanIndex } from '../../lib/targets/common';
import { KubeManifest } from '../../lib/targets/types';
import { schemaErrors } from '../util/schema';
import { cloud, cloudPlan, EKS, pod, tcp } from './cloud-peers-plan';

const named = <T extends KubeManifest>(ms: readonly KubeManifest[], name: string, namespace?: string): T => {
  const m = ms.find((x) => x.metadata.name === name && (namespace === undefined || x.metadata.namespace === namespace));
  if (!m) throw new Error(`no ${namespace ?? ''}/${name} in ${ms.map((x) => `${x.kind} ${x.metadata.namespace ?? ''}/${x.metadata.name}`).join(', ')}`);
  return m as T;
};
const eks = (p: Plan): PlanCluster => p.clusters[0];

describe('NetworkPolicy with cloud peers', () => {
  const plan = cloudPlan();
  const out = renderKubernetes(plan, eks(plan));

  test('a cloud peer resolves to its subnet CIDRs, minimal and sorted', () => {
    const idx = new PlanIndex(plan);
    expect(resolvePeer(idx, EKS, cloud('erp'))).toEqual({
      kind: 'blocks', via: 'cloud', blocks: [{ cidr: '10.20.1.0/24', except: [] }, { cidr: '10.20.2.0/24', except: [] }],
    });
    const noSubnet = cloudPlan({ cloud: (c) => (c.name === 'legacy' ? { ...c, subnetCidrs: [] } : c) });
    expect(resolvePeer(new PlanIndex(noSubnet), EKS, cloud('legacy'))).toEqual({ kind: 'unreachable', reason: "VM fleet 'legacy' declares no subnet CIDRs" });
  });

  test('egress to a VM fleet and a managed service: their subnets, on the flow ports only', () => {
    const np = named<NetworkPolicyManifest>(out.manifests, 'orders', 'shop');
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(np.spec.egress).toEqual([
      { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'TCP', port: 53 }, { protocol: 'UDP', port: 53 }] },
      { to: [{ ipBlock: { cidr: '10.20.8.0/24' } }, { ipBlock: { cidr: '10.20.9.0/24' } }], ports: [{ protocol: 'TCP', port: 5432 }] },
      { to: [{ ipBlock: { cidr: '10.20.1.0/24' } }, { ipBlock: { cidr: '10.20.2.0/24' } }], ports: [{ protocol: 'TCP', port: 8443 }] },
    ]);
  });

  test('ingress from a VM fleet: its subnets, on the flow port', () => {
    expect(named<NetworkPolicyManifest>(out.manifests, 'web', 'shop').spec.ingress).toEqual([
      { from: [{ ipBlock: { cidr: '10.20.3.0/24' } }], ports: [{ protocol: 'TCP', port: 8080 }] },
    ]);
    const ledger = named<NetworkPolicyManifest>(out.manifests, 'ledger', 'payments');
    expect(ledger.spec.ingress).toEqual([
      { from: [{ ipBlock: { cidr: '10.20.1.0/24' } }, { ipBlock: { cidr: '10.20.2.0/24' } }], ports: [{ protocol: 'TCP', port: 9090 }] },
    ]);
  });

  test('a workload with no cloud flow gets no rule for the cloud', () => {
    expect(JSON.stringify(named<NetworkPolicyManifest>(out.manifests, 'reports').spec)).not.toContain('ipBlock');
  });

  test('one warning per flow names the flow and the subnet CIDRs that are wider than the workload', () => {
    const w = out.warnings.filter((p) => p.code === WARN_CLOUD_SUBNET);
    expect(w.map((p) => p.value).sort()).toEqual(['10.20.1.0/24, 10.20.2.0/24', '10.20.1.0/24, 10.20.2.0/24', '10.20.3.0/24', '10.20.8.0/24, 10.20.9.0/24', '10.20.8.0/24, 10.20.9.0/24']);
    const erp = plan.flows.find((f) => f.id === 'eks/shop/orders->cloud:corp/erp:TCP/8443')!;
    const p = w.find((x) => x.path === erp.path)!;
    expect(p).toEqual({
      severity: 'warning', code: WARN_CLOUD_SUBNET, path: erp.path,
      message: "NetworkPolicy cannot tell the instances of a subnet apart: in cluster 'eks' flow eks/shop/orders->cloud:corp/erp:TCP/8443 with VM fleet 'cloud:corp/erp' is allowed to and from its whole subnets (10.20.1.0/24, 10.20.2.0/24) on TCP/8443, so every other instance in them gets it too",
      value: '10.20.1.0/24, 10.20.2.0/24',
      fix: "give erp subnets of its own, or rely on the aws layer's security groups, which match the instances themselves",
    });
  });

  test('a cloud workload without subnets is unreachable: the flow is not allowed, and a warning says so', () => {
    const p = cloudPlan({ cloud: (c) => (c.name === 'legacy' ? { ...c, subnetCidrs: [] } : c) });
    const r = renderKubernetes(p, eks(p));
    expect(named<NetworkPolicyManifest>(r.manifests, 'web', 'shop').spec.ingress).toBeUndefined();
    expect(r.warnings.filter((x) => x.code === WARN_UNREACHABLE).map((x) => x.value)).toEqual(['cloud:corp/legacy']);
  });

  test('every object is schema-valid', () => {
    for (const m of out.manifests) expect({ name: m.metadata.name, errors: schemaErrors(m) }).toEqual({ name: m.metadata.name, errors: [] });
  });
});

describe('ClusterNetworkPolicy guardrails with cloud peers', () => {
  const plan = cloudPlan();
  const out = renderClusterNetworkPolicies(plan, eks(plan));
  const guard = named<ClusterNetworkPolicyManifest>(out.manifests, 'bulkhead-guard-payments-ledger');

  test('egress passes the managed service by its subnets (networks) on its port, then denies the rest', () => {
    const egress = guard.spec.egress ?? [];
    expect(egress[egress.length - 1]).toEqual({ name: 'deny-all', action: 'Deny', to: [{ namespaces: {} }, { networks: ['0.0.0.0/0', '::/0'] }] });
    const pass = egress.find((r) => r.to.some((p) => 'networks' in p && p.networks.includes('10.20.8.0/24')));
    expect(pass).toEqual({ name: 'pass-tcp-5432', action: 'Pass', to: [{ networks: ['10.20.8.0/24', '10.20.9.0/24'] }], protocols: [{ tcp: { destinationPort: { number: 5432 } } }] });
  });

  test('ingress from a VM is left to NetworkPolicy (ingress peers cannot be addresses), with a warning', () => {
    const ingress = guard.spec.ingress ?? [];
    expect(ingress).toEqual([{ name: 'deny-all-other-pods', action: 'Deny', from: [{ namespaces: {} }] }]);
    const w = out.warnings.find((p) => p.code === WARN_CNP_INGRESS_UNSCOPED && p.value === 'cloud:corp/erp');
    expect(w?.message).toContain("neither passes nor denies traffic from 'cloud:corp/erp'");
  });

  test('every object is schema-valid', () => {
    for (const m of out.manifests) expect(schemaErrors(m)).toEqual([]);
  });
});

describe('Cilium with cloud peers', () => {
  const plan = cloudPlan();
  const out = renderCilium(plan, eks(plan));

  test('toCIDRSet to the subnets of a VM fleet and a managed service, on the flow ports', () => {
    const orders = named<CiliumNetworkPolicy>(out.manifests, 'orders', 'shop');
    expect(orders.spec.egress).toEqual([
      { toCIDRSet: [{ cidr: '10.20.1.0/24' }, { cidr: '10.20.2.0/24' }], toPorts: [{ ports: [{ port: '8443', protocol: 'TCP' }] }] },
      { toCIDRSet: [{ cidr: '10.20.8.0/24' }, { cidr: '10.20.9.0/24' }], toPorts: [{ ports: [{ port: '5432', protocol: 'TCP' }] }] },
      named<CiliumNetworkPolicy>(out.manifests, 'bulkhead-default-deny', 'shop').spec.egress?.[0],
    ]);
  });

  test('fromCIDRSet from the subnets of a VM fleet; no mutual authentication for a CIDR source', () => {
    const web = named<CiliumNetworkPolicy>(out.manifests, 'web', 'shop');
    expect(web.spec.ingress).toEqual([{ fromCIDRSet: [{ cidr: '10.20.3.0/24' }], toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }] }]);
    const ledger = named<CiliumNetworkPolicy>(out.manifests, 'ledger', 'payments');
    expect(ledger.spec.ingress).toEqual([{ fromCIDRSet: [{ cidr: '10.20.1.0/24' }, { cidr: '10.20.2.0/24' }], toPorts: [{ ports: [{ port: '9090', protocol: 'TCP' }] }] }]);
  });

  test('the guardrail emits no world deny in a direction a cloud flow needs', () => {
    const g = out.manifests.find((m) => m.metadata.name === 'bulkhead-guardrail.payments.ledger');
    expect(g).toBeUndefined();
    expect(out.warnings.find((p) => p.code === CILIUM_WARNINGS.guardrailSkipped)?.value).toBe('ingress,egress');
  });

  test('the guardrail denies the world where no flow needs it', () => {
    const p = cloudPlan({ flows: [{ source: cloud('erp'), destination: pod('payments', 'ledger'), ports: [tcp(9090)] }] });
    const g = renderCilium(p, eks(p)).manifests.find((m) => m.metadata.name === 'bulkhead-guardrail.payments.ledger') as CiliumNetworkPolicy | undefined;
    expect(g?.spec).toMatchObject({ egressDeny: [{ toEntities: ['world'] }] });
    expect(g?.spec).not.toHaveProperty('ingressDeny');
  });

  test('one warning per flow names the subnets', () => {
    const w = out.warnings.filter((p) => p.code === CILIUM_WARNINGS.cloudSubnet);
    expect(w).toHaveLength(5);
    const legacy = w.find((p) => p.value === '10.20.3.0/24')!;
    expect(legacy.message).toBe('Cilium addresses the VM fleet cloud:corp/legacy by its subnet CIDRs (10.20.3.0/24): in cluster eks flow cloud:corp/legacy->eks/shop/web:TCP/8080 is allowed with every other instance of those subnets too');
    expect(legacy.path).toBe(plan.flows.find((f) => f.id === 'cloud:corp/legacy->eks/shop/web:TCP/8080')!.path);
  });

  test('a cloud workload without subnets is not allowed, with a warning', () => {
    const p = cloudPlan({ cloud: (c) => (c.name === 'legacy' ? { ...c, subnetCidrs: [] } : c) });
    const r = renderCilium(p, eks(p));
    expect(named<CiliumNetworkPolicy>(r.manifests, 'web', 'shop').spec.ingress).toBeUndefined();
    expect(r.warnings.filter((x) => x.code === CILIUM_WARNINGS.remoteUnreachable).map((x) => x.value)).toEqual(['cloud:corp/legacy']);
  });

  test('every object is schema-valid', () => {
    for (const m of out.manifests) expect(schemaErrors(m)).toEqual([]);
  });
});
