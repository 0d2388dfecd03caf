/**
 * The report's connectivity across clusters (`connectivityOf`): asking each side only about the
 * pairs the sides before it allow something on gives the same connections, per layer and
 * effective, as judging every pair with every side (the reference).
 */
import { GENERATED_NOW, generateTopology } from '../../bench/generate';
import { Analysis } from '../../lib/analysis/engine';
import { clusterFactsOf } from '../../lib/analysis/cluster-facts';
import { MultiClusterAnalysis } from '../../lib/analysis/multi-cluster';
import { SIMULATORS } from '../../lib/analysis/simulators';
import { AllowedConnection, AnalysisLayer } from '../../lib/analysis/types';
import { resolvedExternals } from '../../lib/report';
import { connectivityOf, LayerConnection } from '../../lib/report/model';
import { synthesize } from '../../lib/synth';
import { loadWithEndpoints } from '../../lib/verify';

jest.setTimeout(300_000);

function analysisOf(workloads: number, seed: number): { multi: MultiClusterAnalysis; layers: AnalysisLayer[]; present: Map<string, AnalysisLayer[]> } {
  const s = synthesize(generateTopology(undefined, { workloads, seed }).topology, { now: GENERATED_NOW });
  const { resolve } = resolvedExternals(s.plan);
  const multi = MultiClusterAnalysis.fromAnalyses(s.clusters.map((c) => ({
    facts: clusterFactsOf(s.plan, c.cluster),
    analysis: Analysis.of(loadWithEndpoints(s.plan, c.cluster, c.manifests), { trustDomain: c.cluster.trustDomain, clusterName: c.cluster.ciliumClusterName, podCidrs: c.cluster.podCidrs, resolve }),
  })));
  const order = SIMULATORS.map((x) => x.layer);
  const present = new Map(multi.clusters.map((c) => [c.facts.name, order.filter((l) => c.analysis.presentLayers.includes(l))]));
  return { multi, layers: order.filter((l) => [...present.values()].some((ls) => ls.includes(l))), present };
}

/** Connections as sorted text: a pair listed twice counts twice. */
function texts(cs: readonly (AllowedConnection | LayerConnection)[]): string[] {
  return cs.map((c) => `${'layer' in c ? c.layer : 'effective'} ${c.src} ${c.dst} ${c.ports.toString()}`).sort();
}

test.each([[60, 1], [90, 7]])('%i workloads, seed %i: the narrowed query equals the exhaustive one', (workloads, seed) => {
  const { multi, layers, present } = analysisOf(workloads, seed);
  expect(multi.clusters.length).toBeGreaterThan(1);
  const fast = connectivityOf(multi, layers, present);
  const reference = connectivityOf(multi, layers, present, true);
  // something crosses clusters, or the comparison says little
  const across = (c: AllowedConnection): boolean => c.src.split(':')[0] !== c.dst.split(':')[0];
  expect(reference.perLayer.filter(across).length).toBeGreaterThan(0);
  expect(texts(fast.perLayer)).toEqual(texts(reference.perLayer));
  expect(texts(fast.effective)).toEqual(texts(reference.effective));
});
