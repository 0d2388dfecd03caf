/**
 * The analysis engine on the output for flows with cloud workloads agrees with the plan: a pod
 * reaches a VM fleet's subnet on the declared port only, other ports and other addresses are
 * denied, other pods are denied, in every layer; and verify, which stands a cloud workload in
 * as an address inside its subnets, finds the output exact and catches a policy that allows
 * more or less.
 */
import { Analysis, AnalysisLayer } from '../../lib/analysis';
import { Plan } from '../../lib/plan/types';
import { KubeManifest } from '../../lib/targets/types';
import { loadWithEndpoints, verifySynthesis } from '../../lib/verify';
import { cloud, cloudPlan, pod, tcp, synthesizePlan as synth } from './cloud-peers-plan';


function analysisOf(plan: Plan, manifests: readonly KubeManifest[]): Analysis {
  const c = plan.clusters[0];
  return Analysis.of(loadWithEndpoints(plan, c, manifests), { trustDomain: c.trustDomain, clusterName: c.ciliumClusterName, podCidrs: c.podCidrs });
}

describe('the analysis engine agrees with the plan on cloud flows', () => {
  const plan = cloudPlan();
  const s = synth(plan);
  const manifests = s.clusters[0].manifests;
  const analysis = analysisOf(plan, manifests);
  const layers: AnalysisLayer[] = ['kubernetes', 'cilium', 'istio'];
  const verdict = (from: string, to: string, port: number, layer: AnalysisLayer) =>
    analysis.explain(from, to, { protocol: 'TCP', port, application: 'any' }).layers.find((l) => l.layer === layer)?.allowed;

  test('every layer is present', () => {
    expect(analysis.presentLayers).toEqual(expect.arrayContaining(layers));
  });

  test.each(layers)('%s: orders reaches the ERP subnets on 8443 only', (layer) => {
    expect(verdict('shop/orders', '10.20.1.7', 8443, layer)).toBe(true);
    expect(verdict('shop/orders', '10.20.2.200', 8443, layer)).toBe(true);
    expect(verdict('shop/orders', '10.20.1.7', 8444, layer)).toBe(false);
    expect(verdict('shop/orders', '10.20.4.7', 8443, layer)).toBe(false);
    expect(verdict('payments/ledger', '10.20.1.7', 8443, layer)).toBe(false);
  });

  test.each(['kubernetes', 'cilium'] as const)('%s: another pod of the namespace does not reach the ERP', (layer) => {
    expect(verdict('shop/reports', '10.20.1.7', 8443, layer)).toBe(false);
  });

  test('istio: the ServiceEntry is visible to the calling namespace, so Istio alone lets its other pods out too (the network layers do not)', () => {
    expect(verdict('shop/reports', '10.20.1.7', 8443, 'istio')).toBe(true);
    expect(analysis.explain('shop/reports', '10.20.1.7', { protocol: 'TCP', port: 8443 }).allowed).toBe(false);
  });

  test.each(['kubernetes', 'cilium'] as const)('%s: the database is reached on 5432 from its callers only; the legacy VMs reach web on 8080 only', (layer) => {
    expect(verdict('shop/orders', '10.20.8.10', 5432, layer)).toBe(true);
    expect(verdict('payments/ledger', '10.20.9.10', 5432, layer)).toBe(true);
    expect(verdict('shop/web', '10.20.8.10', 5432, layer)).toBe(false);
    expect(verdict('10.20.3.9', 'shop/web', 8080, layer)).toBe(true);
    expect(verdict('10.20.3.9', 'shop/web', 8081, layer)).toBe(false);
    expect(verdict('10.20.3.9', 'shop/orders', 8080, layer)).toBe(false);
    expect(verdict('10.20.5.9', 'shop/web', 8080, layer)).toBe(false);
    expect(verdict('10.20.1.9', 'payments/ledger', 9090, layer)).toBe(true);
    expect(verdict('10.20.3.9', 'payments/ledger', 9090, layer)).toBe(false);
  });

  test('istio: plaintext from the legacy subnet into web on 8080 only; a pod is not admitted by the address rule', () => {
    const plain = (from: string, to: string, port: number) => analysis.explain(from, to, { protocol: 'TCP', port, plaintext: true, application: 'any' }).layers.find((l) => l.layer === 'istio')?.allowed;
    expect(plain('10.20.3.9', 'shop/web', 8080)).toBe(true);
    expect(plain('10.20.4.9', 'shop/web', 8080)).toBe(false);
    expect(verdict('shop/reports', 'shop/web', 8080, 'istio')).toBe(false);
  });

  test('verify: every layer is exact, the cloud pairs were judged', () => {
    const report = verifySynthesis(s);
    expect(report.findings).toEqual([]);
    expect(report.layers.map((l) => [l.layer, l.status])).toEqual([['kubernetes', 'exact'], ['cilium', 'exact'], ['istio', 'exact']]);
    const k = report.layers.find((l) => l.layer === 'kubernetes')!;
    // 4 workloads × 3 cloud stand-ins × 2 directions, on top of the pairs of pods
    expect(k.pairs).toBeGreaterThanOrEqual(24);
    expect(k.externalChecks).toBe(5);
    expect(report.notes).toContain('eks: cloud workloads are judged at one stand-in address inside their subnets; a layer that admits the address admits the whole subnet alike');
    expect(report.notes).toContain('eks: istio is not judged on flows from VM fleets with a SPIFFE identity: the analysis cannot present their certificate from an address');
  });

  test('verify: a NetworkPolicy that opens another port to the VM subnet is over-permissive; one that drops the flow is missing', () => {
    const wider = manifests.map((m) => (m.kind === 'NetworkPolicy' && m.metadata.name === 'orders'
      ? JSON.parse(JSON.stringify(m).replace('"port":8443', '"port":8443,"endPort":8450')) as KubeManifest : m));
    const over = verifySynthesis({ ...s, clusters: [{ ...s.clusters[0], manifests: wider }] });
    expect(over.findings.filter((f) => f.layer === 'kubernetes')).toEqual([
      { cluster: 'eks', layer: 'kubernetes', kind: 'over-permissive', src: 'shop/orders[Deployment]', dst: '10.20.1.128[cloud:corp/erp]', ports: 'TCP 8444-8450' },
    ]);
    // web's ingress rules removed (its policy still isolates ingress)
    const dropped = manifests.map((m) => (m.kind === 'NetworkPolicy' && m.metadata.name === 'web'
      ? { ...m, spec: { ...(m as unknown as { spec: Record<string, unknown> }).spec, ingress: undefined } } as KubeManifest : m));
    const missing = verifySynthesis({ ...s, clusters: [{ ...s.clusters[0], manifests: dropped }] });
    expect(missing.findings.filter((f) => f.layer === 'kubernetes')).toEqual([
      { cluster: 'eks', layer: 'kubernetes', kind: 'missing', src: '10.20.3.128[cloud:corp/legacy]', dst: 'shop/web[Deployment]', ports: 'TCP 8080' },
    ]);
  });

  test('verify: a Cilium policy that admits the VM subnet into another workload is over-permissive', () => {
    const extra = manifests.map((m) => (m.kind === 'CiliumNetworkPolicy' && m.metadata.name === 'orders'
      ? { ...m, spec: { ...(m as unknown as { spec: Record<string, unknown> }).spec, ingress: [{ fromCIDRSet: [{ cidr: '10.20.3.0/24' }], toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }] }] } } as KubeManifest : m));
    const r = verifySynthesis({ ...s, clusters: [{ ...s.clusters[0], manifests: extra }] });
    expect(r.findings.filter((f) => f.layer === 'cilium')).toEqual([
      { cluster: 'eks', layer: 'cilium', kind: 'over-permissive', src: '10.20.3.128[cloud:corp/legacy]', dst: 'shop/orders[Deployment]', ports: 'TCP 8080' },
    ]);
  });

  test('verify: two cloud workloads of one subnet are judged against the union of their flows', () => {
    const shared = cloudPlan({
      cloud: (c) => (c.name === 'legacy' ? { ...c, subnetCidrs: ['10.20.1.0/24'] } : c),
      flows: [
        { source: pod('shop', 'orders'), destination: cloud('erp'), ports: [tcp(8443)] },
        { source: cloud('legacy'), destination: pod('shop', 'web'), ports: [tcp(8080)] },
      ],
    });
    expect(verifySynthesis(synth(shared)).findings).toEqual([]);
  });
});
