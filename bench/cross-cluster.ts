/**
 * Cross-cluster verify benchmark: generated topologies whose clusters each have a trust domain
 * of their own (federated through SPIRE bundle endpoints), with cross-cluster flows. For each
 * size, in one process:
 *
 *   (b) baseline  `verifySynthesis` of each cluster alone (the synthesis cut to one cluster, so
 *                 no cross-cluster pair is judged), summed over the clusters;
 *   (a) verify    `verifySynthesis` of the whole synthesis: the same per-cluster work plus every
 *                 cross-cluster pair in the egress layers of the source's cluster and the ingress
 *                 layers of the destination's.
 *
 * Prints both, the ratio a/b, the cross-cluster share (a − b), the cross-cluster pairs judged and
 * the findings (zero on a valid generated declaration).
 *
 *   npx ts-node --transpile-only bench/cross-cluster.ts [--sizes 250,500,1000] [--clusters 3] [--seed 1]
 */
import { synthesize, Synthesis } from '../lib';
import { verifySynthesis } from '../lib/verify';
import { generateTopology } from './generate';
import { fullGc, intOption, parseSizes, sec, table, timed } from './harness';

/** Default sizes (workloads). */
export const DEFAULT_CROSS_SIZES: readonly number[] = [250, 500, 1000];

/** One row of the benchmark. */
export interface CrossClusterRow {
  /** Workloads. */
  readonly size: number;
  /** Clusters. */
  readonly clusters: number;
  /** Distinct trust domains of the clusters. */
  readonly trustDomains: number;
  /** Cross-cluster flow statements of the declaration. */
  readonly crossClusterFlows: number;
  /** Milliseconds: `synthesize()` (untimed in the ratio). */
  readonly synthesizeMs: number;
  /** Milliseconds: every cluster verified alone, summed. */
  readonly baselineMs: number;
  /** Milliseconds: the whole synthesis verified (cross-cluster pairs included). */
  readonly verifyMs: number;
  /** Cross-cluster pairs judged, over every cluster and layer. */
  readonly crossPairs: number;
  /** Endpoint pairs judged in all. */
  readonly pairs: number;
  /** Findings of the whole verify. */
  readonly findings: number;
  /** Findings on cross-cluster pairs. */
  readonly crossFindings: number;
  /** The first finding, as text. */
  readonly example?: string;
}

/** Runs one size. */
export function benchCrossCluster(size: number, options: { readonly seed?: number; readonly clusters?: number } = {}): CrossClusterRow {
  const { topology, stats } = generateTopology(undefined, { workloads: size, seed: options.seed ?? 1, clusters: options.clusters ?? 3, trustDomains: 'per-cluster' });
  const [synthesis, synthesizeMs] = timed(() => synthesize(topology));
  fullGc();
  let baselineMs = 0;
  for (const c of synthesis.clusters) {
    const alone: Synthesis = { ...synthesis, clusters: [c], networks: [] };
    baselineMs += timed(() => verifySynthesis(alone))[1];
  }
  fullGc();
  const [report, verifyMs] = timed(() => verifySynthesis(synthesis));
  const cross = report.findings.filter((f) => f.crossCluster !== undefined);
  const first = report.findings[0];
  return {
    size, clusters: stats.clusters, trustDomains: new Set(synthesis.plan.clusters.map((c) => c.trustDomain)).size, crossClusterFlows: stats.crossClusterFlows,
    synthesizeMs, baselineMs, verifyMs,
    crossPairs: report.layers.reduce((n, l) => n + (l.crossClusterPairs ?? 0), 0),
    pairs: report.layers.reduce((n, l) => n + l.pairs, 0),
    findings: report.findings.length, crossFindings: cross.length,
    ...(first ? { example: `${first.kind} ${first.cluster} ${first.layer}: ${first.src} => ${first.dst} : ${first.ports}` } : {}),
  };
}

/** The table of the rows. */
export function reportCrossCluster(rows: readonly CrossClusterRow[]): string {
  return [
    'Cross-cluster verify (a trust domain per cluster, federated): (b) every cluster verified alone, (a) the whole topology with every cross-cluster pair',
    table(
      ['workloads', 'clusters', 'trust domains', 'cross-cluster flows', 'synthesize s', '(b) alone s', '(a) whole s', 'a/b', 'cross share s', 'cross pairs', 'pairs', 'findings', 'cross findings'],
      rows.map((r) => [
        String(r.size), String(r.clusters), String(r.trustDomains), String(r.crossClusterFlows), sec(r.synthesizeMs), sec(r.baselineMs), sec(r.verifyMs),
        (r.verifyMs / Math.max(1, r.baselineMs)).toFixed(2), sec(Math.max(0, r.verifyMs - r.baselineMs)), String(r.crossPairs), String(r.pairs), String(r.findings), String(r.crossFindings),
      ]),
    ),
    ...rows.filter((r) => r.example).map((r) => `  ${r.size}: first finding: ${r.example}`),
  ].join('\n');
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const sizes = parseSizes(argv, DEFAULT_CROSS_SIZES);
  const rows: CrossClusterRow[] = [];
  for (const size of sizes) {
    process.stderr.write(`cross-cluster ${size}\n`);
    rows.push(benchCrossCluster(size, { seed: intOption(argv, '--seed', 1), clusters: intOption(argv, '--clusters', 3) }));
  }
  process.stdout.write(`${reportCrossCluster(rows)}\n`);
}
