/**
 * The Cilium simulator in a ClusterMesh: which cluster a peer selector selects. A selector that
 * names `io.cilium.k8s.policy.cluster` means the same on every Cilium version; one that does not
 * selects the local cluster only under `policy-default-local-cluster: true` (Cilium 1.19 and
 * later, assumed by default) and every cluster under `false` (Cilium 1.18 and before). The
 * `cluster` entity is the local cluster's endpoints. Bulkhead's own output names the cluster in
 * every peer selector, so its verdicts do not depend on the setting.
 */
import { PortSet } from '../../lib/analysis/portset';
import { CiliumSimulatorOptions, createCiliumSimulator } from '../../lib/analysis/simulators/cilium';
import { AnalysisContext, WorkloadEndpoint } from '../../lib/analysis/types';
import { renderCilium } from '../../lib/targets/cilium';
import { Plan } from '../../lib/plan/types';
import { fixturePlan } from '../fixtures/plan';
import { context, workload } from './simulator-fixtures';

const api = workload('shop', 'api', { ports: [[8080, 'http']] });
const webHere = workload('shop', 'web', { ports: [[8080, 'http']] });
const webThere = workload('shop', 'web-remote', { labels: { app: 'web' }, ports: [[8080, 'http']] });
const ctx = context([api, webHere, webThere]);
const remote: CiliumSimulatorOptions = { clusterName: 'eks', clusterOf: (w) => (w.name === 'web-remote' ? 'gke' : undefined) };

function apiFrom(selector: Record<string, unknown>): unknown {
  return {
    apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'api', namespace: 'shop' },
    spec: { endpointSelector: { matchLabels: { app: 'api' } }, ingress: [{ fromEndpoints: [selector], toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }] }] },
  };
}
function allowed(objects: unknown[], options: CiliumSimulatorOptions, from: WorkloadEndpoint): boolean {
  return createCiliumSimulator(objects, ctx, options).explain(from, api, { protocol: 'TCP', port: 8080 }).allowed;
}

describe('Cilium cluster scope of peer selectors', () => {
  test('without the cluster label: the local cluster only under the 1.19 default, every cluster under the 1.18 behaviour', () => {
    const p = [apiFrom({ matchLabels: { app: 'web' } })];
    expect(allowed(p, remote, webHere)).toBe(true);
    expect(allowed(p, remote, webThere)).toBe(false);
    expect(allowed(p, { ...remote, policyDefaultLocalCluster: false }, webHere)).toBe(true);
    expect(allowed(p, { ...remote, policyDefaultLocalCluster: false }, webThere)).toBe(true);
    expect(createCiliumSimulator(p, ctx, remote).warnings.map((w) => w.code)).toEqual(['BH-AN-CILIUM-CLUSTER-DEFAULT']);
    expect(createCiliumSimulator(p, ctx, { ...remote, policyDefaultLocalCluster: false }).warnings[0].message).toMatch(/selects endpoints of every cluster, as Cilium 1\.18 and before do \(policy-default-local-cluster: false, as given\)/);
  });

  test.each([
    { name: 'the remote cluster in matchLabels', sel: { matchLabels: { app: 'web', 'io.cilium.k8s.policy.cluster': 'gke' } }, here: false, there: true },
    { name: 'the local cluster, with the k8s: source prefix', sel: { matchLabels: { app: 'web', 'k8s:io.cilium.k8s.policy.cluster': 'eks' } }, here: true, there: false },
    { name: 'every cluster (Exists)', sel: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'io.cilium.k8s.policy.cluster', operator: 'Exists' }] }, here: true, there: true },
    { name: 'both clusters (In)', sel: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'io.cilium.k8s.policy.cluster', operator: 'In', values: ['eks', 'gke'] }] }, here: true, there: true },
  ])('with the cluster named ($name): the same under both settings, and no warning', ({ sel, here, there }) => {
    const p = [apiFrom(sel)];
    for (const policyDefaultLocalCluster of [true, false]) {
      expect(allowed(p, { ...remote, policyDefaultLocalCluster }, webHere)).toBe(here);
      expect(allowed(p, { ...remote, policyDefaultLocalCluster }, webThere)).toBe(there);
      expect(createCiliumSimulator(p, ctx, { ...remote, policyDefaultLocalCluster }).warnings).toEqual([]);
    }
  });

  test('a policy governs the endpoints of its own cluster only', () => {
    const p = [apiFrom({ matchLabels: { app: 'web' } })];
    const remoteApi = workload('shop', 'api-remote', { labels: { app: 'api' }, ports: [[8080, 'http']] });
    const c = context([api, webHere, remoteApi]);
    const sim = createCiliumSimulator(p, c, { clusterName: 'eks', clusterOf: (w) => (w.name === 'api-remote' ? 'gke' : undefined) });
    // the remote api is not in this cluster's default deny: its own cluster's policies judge it
    expect(sim.explain(webHere, remoteApi, { protocol: 'TCP', port: 9999 }).allowed).toBe(true);
    expect(sim.explain(webHere, api, { protocol: 'TCP', port: 9999 }).allowed).toBe(false);
  });

  test('the cluster entity is the local cluster\'s endpoints', () => {
    const p = [{
      apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'api', namespace: 'shop' },
      spec: { endpointSelector: { matchLabels: { app: 'api' } }, ingress: [{ fromEntities: ['cluster'] }] },
    }];
    expect(allowed(p, remote, webHere)).toBe(true);
    expect(allowed(p, remote, webThere)).toBe(false);
    // one cluster in the analysis: every workload
    expect(createCiliumSimulator(p, ctx, {}).explain(webThere, api, { protocol: 'TCP', port: 8080 }).allowed).toBe(true);
  });

  test('one cluster in the analysis: a selector without the label selects its endpoints, with no warning', () => {
    const p = [apiFrom({ matchLabels: { app: 'web' } })];
    const sim = createCiliumSimulator(p, ctx, { clusterName: 'eks' });
    expect(sim.explain(webThere, api, { protocol: 'TCP', port: 8080 }).allowed).toBe(true);
    expect(sim.warnings).toEqual([]);
  });

  test('the bulk query agrees with explain across clusters', () => {
    const p = [apiFrom({ matchLabels: { app: 'web' } })];
    for (const policyDefaultLocalCluster of [true, false]) {
      const sim = createCiliumSimulator(p, ctx, { ...remote, policyDefaultLocalCluster });
      const eps = ctx.workloads;
      const pairs = new Map(sim.allowedPairs(eps, eps).map((x) => [`${eps[x.src].id}>${eps[x.dst].id}`, x.ports.toString()]));
      for (const s of eps) {
        for (const d of eps) {
          if (s === d) continue;
          const ports = sim.allowedPorts(s, d);
          expect(pairs.get(`${s.id}>${d.id}`) ?? PortSet.EMPTY.toString()).toBe(ports.toString());
        }
      }
    }
  });
});

describe('Bulkhead\'s Cilium output in a ClusterMesh means the same under either setting', () => {
  const base = fixturePlan();
  const plan: Plan = { ...base, clusters: base.clusters.map((c) => (c.name === 'gke-us' ? { ...c, layers: [...c.layers, 'cilium' as const] } : c)) };
  const eps: WorkloadEndpoint[] = [
    ...plan.workloads.map((w) => ({
      ...workload(w.namespace, `${w.cluster}-${w.name}`, { labels: { ...w.selector }, serviceAccount: w.serviceAccount }),
      ports: w.ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol })),
    })),
    ...plan.platform.map((w) => ({
      ...workload(w.namespace, `${w.cluster}-${w.name}`, { labels: { ...w.selector }, serviceAccount: w.serviceAccount }),
      ports: [{ port: 53, protocol: 'UDP' as const }, { port: 53, protocol: 'TCP' as const }],
    })),
  ];
  const clusterOfId = new Map([...plan.workloads, ...plan.platform].map((w, i) => [eps[i].id, plan.clusters.find((c) => c.name === w.cluster)!.ciliumClusterName]));
  const analysisCtx: AnalysisContext = context(eps);

  test.each(['eks-eu', 'gke-us'])('cluster %s: every pair is allowed the same ports with policy-default-local-cluster true and false, and no selector is version-dependent', (name) => {
    const here = plan.clusters.find((c) => c.name === name)!;
    const objects = renderCilium(plan, here).manifests;
    const options = (policyDefaultLocalCluster: boolean): CiliumSimulatorOptions => ({ clusterName: here.ciliumClusterName, policyDefaultLocalCluster, clusterOf: (w) => clusterOfId.get(w.id) });
    const on = createCiliumSimulator(objects, analysisCtx, options(true));
    const off = createCiliumSimulator(objects, analysisCtx, options(false));
    let allowedSomewhere = 0;
    for (const s of eps) {
      for (const d of eps) {
        if (s === d) continue;
        const a = on.allowedPorts(s, d).toString();
        expect(off.allowedPorts(s, d).toString()).toBe(a);
        if (a !== PortSet.EMPTY.toString()) allowedSomewhere++;
      }
    }
    expect(allowedSomewhere).toBeGreaterThan(0);
    expect(on.warnings.map((w) => w.code)).not.toContain('BH-AN-CILIUM-CLUSTER-DEFAULT');
  });
});
