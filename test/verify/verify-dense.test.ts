/**
 * verify compares sparse answers: the layers' allowed connections (from their bulk queries) with
 * the declared flows. Here a straightforward dense reference judges every ordered pair of
 * endpoints, one pair at a time with the layer's own per-pair answer, on random declarations
 * and random mutations of their manifests; both must give the same findings, pair counts and
 * verdicts.
 */
import * as fc from 'fast-check';
import { generateTopology } from '../../bench/generate';
import { KubeManifest, synthesize, Synthesis } from '../../lib';
import { Analysis, AnalysisLayer, PortSet, WorkloadEndpoint } from '../../lib/analysis';
import { clusterFactsOf } from '../../lib/analysis/cluster-facts';
import { MultiClusterAnalysis } from '../../lib/analysis/multi-cluster';
import { judgedBy } from '../../lib/core/layers';
import { Plan, PlanCluster, PlanPort } from '../../lib/plan/types';
import { loadWithEndpoints, verifySynthesis, VerifyFinding } from '../../lib/verify';
import { sampleAddressOf } from '../../lib/verify-sample';

const portSet = (ports: readonly PlanPort[]): PortSet => PortSet.unionAll(ports.map((p) => PortSet.of(p.protocol, p.port, p.endPort ?? p.port)));

interface DenseEntity { readonly key: string; readonly managed: boolean }

/** The entity of an endpoint: the first declared workload, then platform service, of the cluster whose selector takes it in. */
function entityOf(plan: Plan, cluster: PlanCluster, w: WorkloadEndpoint): DenseEntity | undefined {
  const all = [
    ...plan.workloads.filter((x) => x.cluster === cluster.name).map((x) => ({ key: x.key, managed: true, namespace: x.namespace, selector: x.selector })),
    ...plan.platform.filter((x) => x.cluster === cluster.name).map((x) => ({ key: x.key, managed: false, namespace: x.namespace, selector: x.selector })),
  ];
  return all.find((e) => e.namespace === w.namespace && Object.entries(e.selector).every(([k, v]) => w.labels[k] === v));
}

/** Declared ports between two plan keys (in either cluster). */
function declaredBetween(plan: Plan, src: string, dst: string): PortSet {
  return PortSet.unionAll(plan.flows.filter((f) => f.source.kind !== 'external' && f.destination.kind !== 'external' && f.source.key === src && f.destination.key === dst).map((f) => portSet(f.ports)));
}

interface DenseLayer { readonly cluster: string; readonly layer: AnalysisLayer; pairs: number; crossPairs: number; readonly findings: string[] }

const text = (f: Pick<VerifyFinding, 'cluster' | 'layer' | 'kind' | 'src' | 'dst' | 'ports'>): string => `${f.cluster} ${f.layer} ${f.kind} ${f.src} -> ${f.dst} ${f.ports}`;

/**
 * The dense reference: every ordered pair of endpoints of each cluster (and every pair across
 * clusters seen by identity), each judged with the layer's per-pair answer.
 */
function denseVerify(s: Synthesis): Map<string, DenseLayer> {
  const plan = s.plan;
  const out = new Map<string, DenseLayer>();
  const runs = s.clusters.map((c) => {
    const loaded = loadWithEndpoints(plan, c.cluster, c.manifests);
    const analysis = Analysis.of(loaded, { trustDomain: c.cluster.trustDomain, clusterName: c.cluster.ciliumClusterName, podCidrs: c.cluster.podCidrs });
    const judged = [...new Set(c.cluster.layers.map((l) => judgedBy(l)).filter((l): l is AnalysisLayer => l !== undefined))];
    const eps = loaded.workloads.map((w) => ({ w, e: entityOf(plan, c.cluster, w) }));
    for (const layer of judged) {
      const sim = analysis.simulator(layer);
      const scope = layer === 'istio' ? PortSet.allOf('TCP') : PortSet.ALL;
      const r: DenseLayer = { cluster: c.cluster.name, layer, pairs: 0, crossPairs: 0, findings: [] };
      out.set(`${c.cluster.name} ${layer}`, r);
      for (const a of eps) {
        for (const b of eps) {
          if (a === b || !a.e || !b.e || (!a.e.managed && !b.e.managed)) continue;
          if (layer === 'istio' && !b.e.managed) continue;
          r.pairs++;
          const want = scope.intersect(declaredBetween(plan, a.e.key, b.e.key));
          const got = scope.intersect(sim.allowedPorts(a.w, b.w));
          const over = got.subtract(want);
          const missing = want.subtract(got);
          if (!over.isEmpty()) r.findings.push(text({ cluster: c.cluster.name, layer, kind: 'over-permissive', src: a.w.id, dst: b.w.id, ports: over.toString() }));
          if (!missing.isEmpty()) r.findings.push(text({ cluster: c.cluster.name, layer, kind: 'missing', src: a.w.id, dst: b.w.id, ports: missing.toString() }));
        }
      }
    }
    return { cluster: c.cluster, analysis, judged, managed: eps.filter((x) => x.e?.managed).map((x) => ({ w: x.w, key: x.e!.key })) };
  });
  if (runs.length < 2) return out;
  const multi = MultiClusterAnalysis.fromAnalyses(runs.map((r) => ({ facts: clusterFactsOf(plan, r.cluster), analysis: r.analysis })));
  for (const a of runs) {
    for (const b of runs) {
      if (a === b || a.managed.length === 0 || b.managed.length === 0) continue;
      const A = a.cluster.name;
      const B = b.cluster.name;
      const sides = [
        ...a.judged.map((layer) => ({ run: a, layer, direction: 'egress' as const, peer: B })),
        ...b.judged.map((layer) => ({ run: b, layer, direction: 'ingress' as const, peer: A })),
      ];
      for (const side of sides) {
        const view = multi.viewOf(side.layer, side.run.cluster.name, side.peer, side.direction);
        // a layer that sees the peer by address is judged once per workload and cluster, not per pair: compared apart
        if (view !== 'identity') continue;
        const sim = side.run.analysis.simulator(side.layer);
        const scope = side.layer === 'istio' ? PortSet.allOf('TCP') : PortSet.ALL;
        const r = out.get(`${side.run.cluster.name} ${side.layer}`)!;
        const over = side.layer !== 'istio' || side.direction === 'ingress';
        for (const s of a.managed) {
          for (const d of b.managed) {
            r.crossPairs++;
            const want = scope.intersect(declaredBetween(plan, s.key, d.key));
            const got = scope.intersect(multi.sidePorts(sim, side.direction, A, s.w, B, d.w));
            const extra = got.subtract(want);
            const missing = want.subtract(got);
            const f = { cluster: side.run.cluster.name, layer: side.layer, src: `${A}:${s.w.id}`, dst: `${B}:${d.w.id}` };
            if (over && !extra.isEmpty()) r.findings.push(text({ ...f, kind: 'over-permissive', ports: extra.toString() }));
            if (!missing.isEmpty()) r.findings.push(text({ ...f, kind: 'missing', ports: missing.toString() }));
          }
        }
      }
    }
  }
  return out;
}

/**
 * The reference of the external checks: every declared flow between a workload and an
 * External, each endpoint of the workload and each port asked of the layer one connection at a
 * time (`explain`), at the external's sample address. Finding texts per `<cluster> <layer>`.
 */
function denseExternals(s: Synthesis): Map<string, string[]> {
  const plan = s.plan;
  const out = new Map<string, string[]>();
  const resolve: Record<string, string[]> = {};
  plan.externals.forEach((x, i) => {
    const a = sampleAddressOf(x, i);
    if (a) x.fqdns.forEach((f) => { resolve[f.replace(/^\*\./, 'www.')] = [a]; });
  });
  for (const c of s.clusters) {
    const loaded = loadWithEndpoints(plan, c.cluster, c.manifests);
    const analysis = Analysis.of(loaded, { trustDomain: c.cluster.trustDomain, clusterName: c.cluster.ciliumClusterName, resolve, podCidrs: c.cluster.podCidrs });
    const judged = [...new Set(c.cluster.layers.map((l) => judgedBy(l)).filter((l): l is AnalysisLayer => l !== undefined))];
    for (const layer of judged) {
      const sim = analysis.simulator(layer);
      const found: string[] = [];
      out.set(`${c.cluster.name} ${layer}`, found);
      for (const f of plan.flows) {
        const outward = f.destination.kind === 'external';
        const xi = plan.externals.findIndex((x) => x.key === (outward ? f.destination.key : f.source.key));
        const other = outward ? f.source : f.destination;
        if (xi < 0 || other.kind !== 'workload') continue;
        const x = plan.externals[xi];
        const address = sampleAddressOf(x, xi);
        if (address === undefined || (!outward && x.cidrs.length === 0)) continue;
        const ip = analysis.endpoint(address);
        for (const w of loaded.workloads) {
          if (entityOf(plan, c.cluster, w)?.key !== other.key) continue;
          for (const p of f.ports) {
            const conn = { protocol: p.protocol, port: p.port, plaintext: !outward, application: 'any' as const };
            if ((outward ? sim.explain(w, ip, conn) : sim.explain(ip, w, conn)).allowed) continue;
            const ext = `${address}[External]`;
            found.push(text({ cluster: c.cluster.name, layer, kind: 'missing', src: outward ? w.id : ext, dst: outward ? ext : w.id, ports: portSet([p]).toString() }));
          }
        }
      }
    }
  }
  return out;
}

/** Whether a finding is on a flow with an External (judged at its sample address). */
const isExternal = (f: VerifyFinding): boolean => f.crossCluster === undefined && (f.src.endsWith('[External]') || f.dst.endsWith('[External]'));

/** Compares verify's external checks with the reference; how many findings were compared. */
function agreeOnExternals(s: Synthesis): number {
  const report = verifySynthesis(s);
  const dense = denseExternals(s);
  let n = 0;
  for (const l of report.layers) {
    if (l.scope === 'network') continue;
    const got = [...l.findings, ...(l.audited ?? [])].filter(isExternal).map(text).sort();
    expect(got).toEqual([...dense.get(`${l.cluster} ${l.layer}`) ?? []].sort());
    n += got.length;
  }
  return n;
}

/** A copy of a synthesis with some manifests of one cluster changed. */
function mutated(s: Synthesis, cluster: number, f: (ms: KubeManifest[]) => KubeManifest[]): Synthesis {
  return { ...s, clusters: s.clusters.map((c, i) => (i === cluster ? { ...c, manifests: f(JSON.parse(JSON.stringify(c.manifests)) as KubeManifest[]) } : c)) };
}

type Mutation = { readonly cluster: number; readonly at: number; readonly how: 'drop' | 'open' | 'drop-rule' | 'strip-ports' | 'allow-all' };

const POLICY_KINDS = ['NetworkPolicy', 'ClusterNetworkPolicy', 'CiliumNetworkPolicy', 'CiliumClusterwideNetworkPolicy', 'AuthorizationPolicy', 'PeerAuthentication'];

/** The index of the cluster with the most manifests, and those with any. */
function busy(s: Synthesis): number[] {
  return s.clusters.map((c, i) => ({ i, n: c.manifests.length })).filter((x) => x.n > 0).sort((a, b) => b.n - a.n || a.i - b.i).map((x) => x.i);
}

function apply(s: Synthesis, m: Mutation): Synthesis {
  const clusters = busy(s);
  if (clusters.length === 0) return s;
  const ci = clusters[m.cluster % clusters.length];
  return mutated(s, ci, (ms) => {
    const policies = ms.map((x, i) => ({ x, i })).filter(({ x }) => POLICY_KINDS.includes(x.kind));
    if (policies.length === 0) return ms;
    const { x, i } = policies[m.at % policies.length];
    const spec = (x as unknown as { spec?: Record<string, unknown> }).spec ?? {};
    const rules = (['ingress', 'egress', 'rules'] as const).find((k) => Array.isArray(spec[k]) && (spec[k] as unknown[]).length > 0);
    switch (m.how) {
      case 'drop': return ms.filter((_, j) => j !== i);
      case 'open':
        if (x.kind === 'NetworkPolicy' && rules) spec[rules] = [{}];
        return ms;
      case 'drop-rule':
        if (rules) (spec[rules] as unknown[]).shift();
        return ms;
      case 'strip-ports':
        if (rules) for (const r of spec[rules] as Record<string, unknown>[]) { delete r.ports; delete r.toPorts; delete r.to; }
        return ms;
      case 'allow-all': {
        const ns = x.metadata.namespace ?? 'default';
        // a name no policy of the namespace has (a drop between two allow-alls shortens the list, so its length may repeat)
        let k = 0;
        while (ms.some((o) => o.kind === 'NetworkPolicy' && o.metadata.name === `allow-all-${k}` && (o.metadata.namespace ?? 'default') === ns)) k++;
        return [...ms, { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: `allow-all-${k}`, namespace: ns }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [{}], egress: [{}] } } as KubeManifest];
      }
    }
  });
}

/** Compares verify with the dense reference on one synthesis; whether there was a finding. */
function agree(s: Synthesis): boolean {
  const report = verifySynthesis(s);
  const dense = denseVerify(s);
  const endpointIds = new Set(s.clusters.flatMap((c) => loadWithEndpoints(s.plan, c.cluster, c.manifests).workloads.map((w) => w.id)));
  for (const l of report.layers) {
    if (l.scope === 'network') continue;
    const d = dense.get(`${l.cluster} ${l.layer}`);
    expect(d).toBeDefined();
    const all = [...l.findings, ...(l.audited ?? [])];
    // findings on pairs of endpoints of the cluster, and on cross-cluster pairs seen by identity
    const pairFindings = all.filter((f) => (f.crossCluster === undefined ? endpointIds.has(f.src) && endpointIds.has(f.dst) : f.crossCluster.view === 'identity'));
    expect(pairFindings.map(text).sort()).toEqual([...d!.findings].sort());
    // every other finding (externals, cloud stand-ins, peers seen by address) is judged the same way by both
    const others = all.length - pairFindings.length;
    const status = d!.findings.length + others > 0 ? 'findings' : l.approximations.length > 0 ? 'approximate' : 'exact';
    if (l.status !== 'audit') expect(l.status).toBe(status);
    if ((s.plan.cloudWorkloads ?? []).length === 0) {
      const addressPairs = (l.crossClusterPairs ?? 0) - d!.crossPairs;
      expect(addressPairs).toBeGreaterThanOrEqual(0);
      expect(l.pairs - (l.crossClusterPairs ?? 0)).toBe(d!.pairs);
    }
  }
  return report.findings.length > 0;
}

describe('verify (sparse) agrees with a dense pair-by-pair reference', () => {
  const arbMutation: fc.Arbitrary<Mutation> = fc.record({
    cluster: fc.nat(2), at: fc.nat(200), how: fc.constantFrom('drop', 'open', 'drop-rule', 'strip-ports', 'allow-all'),
  });

  test('random generated declarations, each with up to three random mutations of its manifests', () => {
    let withFindings = 0;
    fc.assert(fc.property(
      fc.record({ seed: fc.integer({ min: 1, max: 1000 }), workloads: fc.integer({ min: 8, max: 20 }), clusters: fc.integer({ min: 1, max: 3 }) }),
      fc.array(arbMutation, { maxLength: 3 }),
      ({ seed, workloads, clusters }, mutations) => {
        const { topology } = generateTopology(undefined, { workloads, seed, clusters });
        const s = mutations.reduce(apply, synthesize(topology));
        if (agree(s)) withFindings++;
      },
    ), { numRuns: 15 });
    // the mutations are not idle: a good share of the runs have findings to compare
    expect(withFindings).toBeGreaterThan(0);
  });

  test('external flows: verify judges each declared port as the layer does for one connection at the sample address', () => {
    let compared = 0;
    fc.assert(fc.property(
      fc.record({ seed: fc.integer({ min: 1, max: 1000 }), workloads: fc.integer({ min: 20, max: 40 }), clusters: fc.integer({ min: 1, max: 2 }) }),
      fc.array(arbMutation, { maxLength: 3 }),
      fc.constantFrom('none', 'close-egress', 'close-ingress'),
      ({ seed, workloads, clusters }, mutations, close) => {
        const { topology } = generateTopology(undefined, { workloads, seed, clusters });
        let s = mutations.reduce(apply, synthesize(topology));
        // with the egress (or ingress) rules of one cluster's policies gone, flows with externals go missing
        if (close !== 'none') {
          s = mutated(s, busy(s)[0] ?? 0, (ms) => ms.map((m) => {
            const spec = (m as unknown as { spec?: Record<string, unknown> }).spec;
            for (const k of close === 'close-egress' ? ['egress'] : ['ingress', 'rules']) if (spec && Array.isArray(spec[k])) spec[k] = [];
            return m;
          }));
        }
        compared += agreeOnExternals(s);
      },
    ), { numRuns: 12 });
    expect(compared).toBeGreaterThan(0);
  });

  test('the side matrices of one layer toward every other cluster at once equal those asked cluster by cluster', () => {
    let allowed = 0;
    fc.assert(fc.property(
      fc.record({ seed: fc.integer({ min: 1, max: 1000 }), workloads: fc.integer({ min: 12, max: 30 }), trustDomains: fc.constantFrom('shared' as const, 'per-cluster' as const) }),
      fc.array(arbMutation, { maxLength: 3 }),
      fc.boolean(),
      ({ seed, workloads, trustDomains }, mutations, unfederate) => {
        const { topology } = generateTopology(undefined, { workloads, seed, clusters: 3, trustDomains });
        let s = mutations.reduce(apply, synthesize(topology));
        // a cluster that no longer trusts the other trust domains: Istio refuses their peers
        if (unfederate) s = mutated(s, busy(s)[0] ?? 0, (ms) => ms.filter((m) => m.kind !== 'ClusterFederatedTrustDomain'));
        const runs = s.clusters.map((c) => {
          const loaded = loadWithEndpoints(s.plan, c.cluster, c.manifests);
          const analysis = Analysis.of(loaded, { trustDomain: c.cluster.trustDomain, clusterName: c.cluster.ciliumClusterName, podCidrs: c.cluster.podCidrs });
          return { c, analysis, workloads: loaded.workloads.filter((w) => entityOf(s.plan, c.cluster, w)?.managed) };
        });
        const multi = MultiClusterAnalysis.fromAnalyses(runs.map((r) => ({ facts: clusterFactsOf(s.plan, r.c.cluster), analysis: r.analysis })));
        for (const r of runs) {
          const home = r.c.cluster.name;
          const peers = runs.filter((x) => x !== r).map((x) => ({ cluster: x.c.cluster.name, workloads: x.workloads }));
          for (const sim of r.analysis.simulators.filter((x) => x.present && !x.cloud)) {
            for (const direction of ['egress', 'ingress'] as const) {
              const scope = sim.layer === 'istio' ? PortSet.allOf('TCP') : PortSet.ALL;
              const together = multi.sideMatrices(sim, direction, home, r.workloads, peers, scope);
              peers.forEach((p, k) => {
                const [src, srcs, dst, dsts] = direction === 'egress' ? [home, r.workloads, p.cluster, p.workloads] : [p.cluster, p.workloads, home, r.workloads];
                const alone = multi.sideMatrix(sim, direction, src, srcs, dst, dsts, scope);
                const m = together[k];
                const listed = m.nonEmpty ? new Set(m.nonEmpty) : undefined;
                srcs.forEach((_, i) => dsts.forEach((_, j) => {
                  const want = scope.intersect(alone(i, j));
                  const got = scope.intersect(m(i, j));
                  expect(`${sim.layer} ${direction} ${src}->${dst} ${i},${j}: ${got.toString()}`).toBe(`${sim.layer} ${direction} ${src}->${dst} ${i},${j}: ${want.toString()}`);
                  if (listed && !listed.has(i * dsts.length + j)) expect(got.isEmpty()).toBe(true);
                  if (!got.isEmpty()) allowed++;
                }));
              });
            }
          }
        }
      },
    ), { numRuns: 8 });
    expect(allowed).toBeGreaterThan(0);
  });

  test('the generated declarations themselves verify exact or approximate, with no finding, in both', () => {
    for (const seed of [1, 2]) {
      const s = synthesize(generateTopology(undefined, { workloads: 30, seed }).topology);
      agree(s);
      expect([...denseVerify(s).values()].every((l) => l.findings.length === 0)).toBe(true);
    }
  });

  test('mutations that open or close the NetworkPolicies are found by both', () => {
    const base = synthesize(generateTopology(undefined, { workloads: 20, seed: 3 }).topology);
    // without any NetworkPolicy, nothing is isolated: more is allowed than declared
    const open = mutated(base, busy(base)[0], (ms) => ms.filter((m) => m.kind !== 'NetworkPolicy'));
    expect(verifySynthesis(open).findings.some((f) => f.kind === 'over-permissive' && f.layer === 'kubernetes')).toBe(true);
    agree(open);
    // with every ingress rule dropped, declared flows are missing
    const closed = mutated(base, busy(base)[0], (ms) => ms.map((m) => {
      const spec = (m as unknown as { spec?: Record<string, unknown> }).spec;
      if (m.kind === 'NetworkPolicy' && spec && Array.isArray(spec.ingress)) spec.ingress = [];
      return m;
    }));
    expect(verifySynthesis(closed).findings.some((f) => f.kind === 'missing' && f.layer === 'kubernetes')).toBe(true);
    agree(closed);
  });
});
