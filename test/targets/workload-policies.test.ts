/**
 * The workload policies of the network layers (NetworkPolicy, Cilium), judged by the analysis
 * engine on whole syntheses: one object per workload and layer (plus the namespace defaults and
 * the break-glass objects), verify exact, and — the state a GitOps rollout passes through, or
 * a cluster whose default-deny objects were removed — with only the workload policies applied,
 * every workload still resolves names and nothing undeclared is allowed in the directions its
 * policies isolate.
 */
import { generateTopology } from '../../bench/generate';
import { declareShop } from '../../examples/ecommerce/declaration';
import { KubeManifest, synthesize, Synthesis } from '../../lib';
import { Analysis, diff } from '../../lib/analysis/engine';
import { PortSet } from '../../lib/analysis/portset';
import { GITOPS_STAGES, gitopsStageOf } from '../../lib/gitops';
import { CILIUM_DEFAULT_DENY_NAME } from '../../lib/targets/cilium';
import { DEFAULT_DENY_NAME, REAPER_NAMESPACE } from '../../lib/targets/kubernetes';
import { loadWithEndpoints, verifySynthesis } from '../../lib/verify';

const NOW = new Date('2026-11-22T21:00:00Z');

const TOPOLOGIES: readonly [string, () => Synthesis][] = [
  ['e-commerce', () => synthesize(declareShop(undefined).topology, { now: NOW })],
  ['generated (150 workloads, 3 clusters, every layer)', () => synthesize(generateTopology(undefined, { workloads: 150, seed: 3 }).topology, { now: NOW })],
];

const WORKLOAD_LABEL = 'bulkhead.io/workload';
const BREAK_GLASS_LABEL = 'bulkhead.io/break-glass';

interface Spec {
  readonly policyTypes?: readonly string[];
  readonly ingress?: readonly unknown[];
  readonly egress?: readonly unknown[];
}
const specOf = (m: KubeManifest): Spec => (m as unknown as { spec: Spec }).spec;

/** The namespace policies of a layer's kind in a cluster's output (the reaper's own isolation aside). */
function ofKind(ms: readonly KubeManifest[], kind: string): KubeManifest[] {
  return ms.filter((m) => m.kind === kind && m.metadata.namespace !== REAPER_NAMESPACE);
}

/** Only what GitOps applies before the default denies (what stays when they are removed). */
function withoutDefaultDenies(s: Synthesis): Synthesis {
  return { ...s, clusters: s.clusters.map((c) => ({ ...c, manifests: c.manifests.filter((m) => gitopsStageOf(m) !== 'default-deny') })) };
}

describe.each(TOPOLOGIES)('%s', (_name, make) => {
  const s = make();

  test('objects per workload: NetworkPolicy exactly 1, Cilium at most 1, plus the namespace defaults and one object per grant and workload', () => {
    for (const c of s.clusters) {
      const workloads = s.plan.workloads.filter((w) => w.cluster === c.cluster.name);
      const grantPairs = new Set(workloads.flatMap((w) => [...w.calls, ...w.calledBy].flatMap((e) => (e.breakGlass ? [`${w.key}|${e.breakGlass}`] : []))));
      for (const [kind, layer, exact, deny] of [['NetworkPolicy', 'kubernetes', true, DEFAULT_DENY_NAME], ['CiliumNetworkPolicy', 'cilium', false, CILIUM_DEFAULT_DENY_NAME]] as const) {
        if (!c.cluster.layers.includes(layer)) continue;
        const objects = ofKind(c.manifests, kind);
        const defaults = objects.filter((m) => m.metadata.name === deny);
        const grants = objects.filter((m) => m.metadata.labels?.[BREAK_GLASS_LABEL] !== undefined);
        const own = objects.filter((m) => m.metadata.name !== deny && m.metadata.labels?.[BREAK_GLASS_LABEL] === undefined);
        expect(defaults.map((m) => m.metadata.namespace)).toEqual([...new Set(defaults.map((m) => m.metadata.namespace))]);
        for (const w of workloads) {
          const mine = own.filter((m) => m.metadata.namespace === w.namespace && m.metadata.labels?.[WORKLOAD_LABEL] === w.name);
          expect({ workload: w.key, kind, names: mine.map((m) => m.metadata.name) }).toEqual({ workload: w.key, kind, names: exact || mine.length > 0 ? [w.name] : [] });
        }
        expect(own.length).toBeLessThanOrEqual(workloads.length);
        if (exact) expect(own).toHaveLength(workloads.length);
        expect(grants.length).toBeLessThanOrEqual(grantPairs.size);
        expect(objects).toHaveLength(defaults.length + own.length + grants.length);
      }
    }
  });

  test('verify: every layer exact (approximate only where a layer knowingly widens an FQDN external)', () => {
    const r = verifySynthesis(s);
    expect(r.findings).toEqual([]);
    for (const l of r.layers) expect({ layer: `${l.cluster}/${l.layer}`, status: l.status === 'approximate' && l.approximations.length > 0 ? 'exact' : l.status }).toEqual({ layer: `${l.cluster}/${l.layer}`, status: 'exact' });
  });

  test('without the default denies: every workload resolves names in both network layers', () => {
    const partial = withoutDefaultDenies(s);
    let checked = 0;
    for (const c of partial.clusters) {
      const dns = s.plan.platform.find((p) => p.cluster === c.cluster.name && p.name === 'dns');
      if (!dns) continue;
      const analysis = Analysis.of(loadWithEndpoints(s.plan, c.cluster, c.manifests), { trustDomain: c.cluster.trustDomain, clusterName: c.cluster.ciliumClusterName, podCidrs: c.cluster.podCidrs });
      const resolver = `${dns.namespace}/platform-dns[Deployment]`;
      const want = PortSet.of('TCP', 53).union(PortSet.of('UDP', 53));
      for (const layer of (['kubernetes', 'cilium'] as const).filter((l) => c.cluster.layers.includes(l))) {
        const toDns = new Map(analysis.connectivity({ layer }).filter((a) => a.dst === resolver).map((a) => [a.src, a.ports]));
        for (const w of s.plan.workloads.filter((x) => x.cluster === c.cluster.name)) {
          const src = `${w.namespace}/${w.name}[Deployment]`;
          expect({ layer, src, dns: want.subtract(toDns.get(src) ?? PortSet.EMPTY).isEmpty() }).toEqual({ layer, src, dns: true });
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  test('without the default denies: NetworkPolicy is still exact; Cilium allows nothing undeclared in a direction it isolates', () => {
    const partial = withoutDefaultDenies(s);
    const r = verifySynthesis(partial);
    // NetworkPolicy: every workload policy isolates both directions, so the layer alone is the declaration
    expect(r.findings.filter((f) => f.layer === 'kubernetes')).toEqual([]);
    // Cilium: a workload policy isolates egress (it always has its DNS), and ingress where the
    // workload has callers; what it lets through beyond the declaration enters a workload that
    // has no ingress section, from something that is not a declared workload of the cluster.
    const cilium = r.findings.filter((f) => f.layer === 'cilium');
    expect(cilium.filter((f) => f.kind === 'missing')).toEqual([]);
    for (const c of partial.clusters.filter((x) => x.cluster.layers.includes('cilium'))) {
      const ingressIsolated = new Set(ofKind(c.manifests, 'CiliumNetworkPolicy').filter((m) => specOf(m).ingress !== undefined).map((m) => `${m.metadata.namespace}/${m.metadata.labels?.[WORKLOAD_LABEL]}[Deployment]`));
      const declared = new Set(s.plan.workloads.filter((w) => w.cluster === c.cluster.name).map((w) => `${w.namespace}/${w.name}[Deployment]`));
      for (const f of cilium.filter((x) => x.cluster === c.cluster.name && x.kind === 'over-permissive')) {
        // a cross-cluster pair judged at the source's egress would be an undeclared egress: never
        expect({ f, egress: f.crossCluster?.direction === 'egress' }).toEqual({ f, egress: false });
        const local = (end: string) => (f.crossCluster ? end.replace(/^[^:/]+:/, '') : end);
        expect({ f, dstIsolated: ingressIsolated.has(local(f.dst)), srcDeclared: !f.crossCluster && declared.has(f.src) }).toEqual({ f, dstIsolated: false, srcDeclared: false });
      }
    }
  });

  test('applying the GitOps stages in order never cuts a connection the final state allows, DNS included', () => {
    // The pods (Deployments, the reaper's CronJob) run from the start: the question is what the
    // policies applied so far allow between them.
    const endpoints = (m: KubeManifest): boolean => ['v1', 'apps/v1', 'batch/v1'].includes(m.apiVersion);
    for (const c of s.clusters) {
      const options = { trustDomain: c.cluster.trustDomain, clusterName: c.cluster.ciliumClusterName };
      const final = loadWithEndpoints(s.plan, c.cluster, c.manifests);
      for (let k = 1; k < GITOPS_STAGES.length; k++) {
        const applied: readonly string[] = GITOPS_STAGES.slice(0, k);
        const partial = loadWithEndpoints(s.plan, c.cluster, c.manifests.filter((m) => applied.includes(gitopsStageOf(m)) || endpoints(m)));
        for (const layer of diff(partial, final, options).layers.filter((l) => l.layer === 'kubernetes' || l.layer === 'cilium')) {
          const cut = [
            ...layer.added.map((a) => `${a.src} => ${a.dst} : ${a.ports.toString()}`),
            ...layer.changed.filter((x) => !x.after.subtract(x.before).isEmpty()).map((x) => `${x.src} => ${x.dst} : ${x.after.subtract(x.before).toString()}`),
          ];
          expect({ cluster: c.cluster.name, stages: applied.join('+'), layer: layer.layer, cut }).toEqual({ cluster: c.cluster.name, stages: applied.join('+'), layer: layer.layer, cut: [] });
        }
      }
    }
  });

  test('every policy that isolates egress allows DNS: NetworkPolicy lists Egress, Cilium has an egress section', () => {
    for (const c of s.clusters) {
      const dns = s.plan.platform.find((p) => p.cluster === c.cluster.name && p.name === 'dns');
      if (!dns) continue;
      for (const m of ofKind(c.manifests, 'NetworkPolicy').filter((x) => specOf(x).policyTypes?.includes('Egress'))) {
        expect({ name: `${m.metadata.namespace}/${m.metadata.name}`, dns: JSON.stringify(specOf(m).egress ?? []).includes(JSON.stringify({ matchLabels: dns.selector })) }).toEqual({ name: `${m.metadata.namespace}/${m.metadata.name}`, dns: true });
      }
      for (const m of ofKind(c.manifests, 'CiliumNetworkPolicy').filter((x) => specOf(x).egress !== undefined)) {
        expect({ name: `${m.metadata.namespace}/${m.metadata.name}`, dns: JSON.stringify(specOf(m).egress).includes('"dns":[{"matchPattern":"*"}]') }).toEqual({ name: `${m.metadata.namespace}/${m.metadata.name}`, dns: true });
      }
    }
  });
});
