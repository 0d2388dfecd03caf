/**
 * The catalogue of the problems the cluster layers report about flows with cloud workloads (VM
 * fleets, managed services) and about the SPIRE entries of VM fleets. Each entry produces its
 * code from a plan with cloud workloads and asserts the problem's code, severity, path, message,
 * value and fix.
 */
import { Problem } from '../../lib/core/errors';
import { Plan, PlanCluster } from '../../lib/plan/types';
import { renderCilium } from '../../lib/targets/cilium';
import { renderIstio, validateIstio } from '../../lib/targets/istio';
import { renderKubernetes } from '../../lib/targets/kubernetes';
import { validateSpire } from '../../lib/targets/spire';
import { cloud, cloudPlan, pod, tcp, TD } from '../targets/cloud-peers-plan';

const eks = (p: Plan): PlanCluster => p.clusters[0];

/** The one problem with the code at the path (fails when there is none or more than one). */
function one(problems: readonly Problem[], code: string, path: string): Problem {
  const hits = problems.filter((p) => p.code === code && p.path === path);
  if (hits.length !== 1) throw new Error(`expected one ${code} at ${path}, got ${hits.length}: ${JSON.stringify(problems.map((p) => `${p.code} ${p.path}`))}`);
  return hits[0];
}

const flowPath = (p: Plan, id: string): string => {
  const f = p.flows.find((x) => x.id === id);
  if (!f) throw new Error(`no flow ${id}`);
  return f.path;
};

describe('cloud peers: warnings', () => {
  const plan = cloudPlan();

  test('BH-NP-CLOUD-SUBNET: NetworkPolicy admits the whole subnets of a VM fleet', () => {
    const path = flowPath(plan, 'cloud:corp/legacy->eks/shop/web:TCP/8080');
    expect(one(renderKubernetes(plan, eks(plan)).warnings, 'BH-NP-CLOUD-SUBNET', path)).toEqual({
      severity: 'warning', code: 'BH-NP-CLOUD-SUBNET', path,
      message: "NetworkPolicy cannot tell the instances of a subnet apart: in cluster 'eks' flow cloud:corp/legacy->eks/shop/web:TCP/8080 with VM fleet 'cloud:corp/legacy' is allowed to and from its whole subnets (10.20.3.0/24) on TCP/8080, so every other instance in them gets it too",
      value: '10.20.3.0/24',
      fix: "give legacy subnets of its own, or rely on the aws layer's security groups, which match the instances themselves",
    });
  });

  test('BH-CILIUM-CLOUD-SUBNET: Cilium addresses a managed service by its subnets', () => {
    const path = flowPath(plan, 'eks/shop/orders->cloud:corp/orders-db:TCP/5432');
    expect(one(renderCilium(plan, eks(plan)).warnings, 'BH-CILIUM-CLOUD-SUBNET', path)).toEqual({
      severity: 'warning', code: 'BH-CILIUM-CLOUD-SUBNET', path,
      message: 'Cilium addresses the managed service cloud:corp/orders-db by its subnet CIDRs (10.20.8.0/24, 10.20.9.0/24): in cluster eks flow eks/shop/orders->cloud:corp/orders-db:TCP/5432 is allowed with every other instance of those subnets too',
      value: '10.20.8.0/24,10.20.9.0/24',
      fix: "give orders-db subnets of its own, or rely on the aws layer's security groups, which match the instances themselves",
    });
  });

  test('BH-ISTIO-CLOUD-ADDRESS: the ServiceEntry of a VM fleet opens its whole subnets', () => {
    expect(one(renderIstio(plan, eks(plan)).warnings, 'BH-ISTIO-CLOUD-ADDRESS', 'corp/corp/erp')).toEqual({
      severity: 'warning', code: 'BH-ISTIO-CLOUD-ADDRESS', path: 'corp/corp/erp',
      message: 'Istio knows the VM fleet cloud:corp/erp by its subnet CIDRs only: its ServiceEntry lets the REGISTRY_ONLY Sidecars of shop through to every address of 10.20.1.0/24, 10.20.2.0/24 on TCP 8443 (flows eks/shop/orders->cloud:corp/erp:TCP/8443), and this layer does not police the destination side',
      value: '10.20.1.0/24,10.20.2.0/24',
      fix: "give erp subnets of its own; the aws layer's security groups enforce the flow at the instances",
    });
  });
});

describe('cloud peers: errors', () => {
  test('BH-ISTIO-CLOUD-PLAINTEXT: a VM fleet without identity into a STRICT workload', () => {
    const p = cloudPlan({ flows: [{ source: cloud('legacy'), destination: pod('payments', 'ledger'), ports: [tcp(9090)] }] });
    const path = flowPath(p, 'cloud:corp/legacy->eks/payments/ledger:TCP/9090');
    expect(one(validateIstio(p, eks(p)), 'BH-ISTIO-CLOUD-PLAINTEXT', path)).toEqual({
      severity: 'error', code: 'BH-ISTIO-CLOUD-PLAINTEXT', path,
      message: 'in cluster eks, eks/payments/ledger (tier payments, STRICT mTLS) accepts flow cloud:corp/legacy->eks/payments/ledger:TCP/9090 from the VM fleet cloud:corp/legacy, which has no SPIFFE identity: it cannot present a certificate, so the sidecar would reject its plaintext connections before authorization',
      value: 'cloud:corp/legacy',
      fix: 'give legacy a SPIFFE identity (SPIRE registers it with a ClusterStaticEntry and its mesh proxy presents the SVID), or route it through an ingress gateway declared as the source, or give the tier of ledger PERMISSIVE mTLS',
    });
  });

  test('BH-SPIRE-STATIC-TRUST-DOMAIN: the parent ID is outside the trust domain of the SPIRE server', () => {
    const p = cloudPlan({ cloud: (c) => (c.identity ? { ...c, identity: { ...c.identity, parentId: 'spiffe://elsewhere.example/spire/agent/x' } } : c) });
    expect(one(validateSpire(p, eks(p)), 'BH-SPIRE-STATIC-TRUST-DOMAIN', 'corp/corp/erp')).toEqual({
      severity: 'error', code: 'BH-SPIRE-STATIC-TRUST-DOMAIN', path: 'corp/corp/erp',
      message: `the SPIRE server of cluster eks holds the entry of VM fleet cloud:corp/erp, but spiffe://elsewhere.example/spire/agent/x is not in its trust domain ${TD}: the server refuses the entry, so the VMs get no SVID`,
      value: 'spiffe://elsewhere.example/spire/agent/x',
      fix: `name the VMs' SPIFFE ID and parent ID in trust domain ${TD}, or register them in the SPIRE server of a cluster of their trust domain (identity.spireCluster)`,
    });
  });

  test('BH-SPIRE-STATIC-SELECTORS: an identity without workload selectors', () => {
    const p = cloudPlan({ cloud: (c) => (c.identity ? { ...c, identity: { ...c.identity, selectors: [] } } : c) });
    expect(one(validateSpire(p, eks(p)), 'BH-SPIRE-STATIC-SELECTORS', 'corp/corp/erp')).toEqual({
      severity: 'error', code: 'BH-SPIRE-STATIC-SELECTORS', path: 'corp/corp/erp',
      message: 'the SPIRE entry of VM fleet cloud:corp/erp has no workload selectors: SPIRE refuses an entry without selectors',
      value: `spiffe://${TD}/vm/corp/erp`,
      fix: "give the identity the selectors that single out the VMs' workload, such as unix:uid:1001 or a docker label",
    });
  });
});
