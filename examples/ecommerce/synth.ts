/**
 * `npm run synth`: synthesizes the e-commerce example (the application and every
 * segmentation layer) into one folder per cluster, one file per layer, and prints a summary.
 *
 *   npm run synth                 → out/<cluster>/<layer>.yaml
 *   npm run synth -- other/dir    → other/dir/<cluster>/<layer>.yaml
 */
import { BulkheadError, clusterFolderFiles, formatProblems, layerOf, ManifestFolder, writeManifests } from '../../lib';
import { KubeManifest } from '../../lib/targets/types';
import { buildApp } from './main';

function main(outdir: string): void {
  const { charts } = buildApp({ outdir }, { printWarnings: false });
  let folders: ManifestFolder[];
  let files: string[];
  try {
    folders = charts.synthesis.clusters.map((c) => ({
      name: c.cluster.name,
      manifests: charts.chart(c.cluster.name).toJson() as KubeManifest[],
      // the cluster's facts, for the analysis of several clusters at once (bulkhead connlist out/)
      files: clusterFolderFiles(charts.synthesis.plan, c.cluster),
    }));
    // replaces only the files an earlier run wrote (out/.bulkhead-manifest.json); never a foreign one
    files = writeManifests(folders, outdir);
  } catch (e) {
    if (e instanceof BulkheadError) {
      process.stderr.write(e.message + '\n');
      process.exit(2);
    }
    throw e;
  }
  const layers = [...new Set(folders.flatMap((f) => f.manifests.map(layerOf)))].sort();
  const rows = folders.map((f) => [f.name, ...layers.map((l) => String(f.manifests.filter((m) => layerOf(m) === l).length)), String(f.manifests.length)]);
  const head = ['cluster', ...layers, 'total'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  process.stdout.write(`Synthesized ${files.length} files into ${outdir}/\n\n${line(head)}\n${rows.map(line).join('\n')}\n`);
  const warnings = charts.synthesis.warnings.filter((w) => !w.acknowledged);
  if (warnings.length > 0) {
    process.stdout.write(`\n${warnings.length} warning(s) and note(s) — where a layer is less precise than the declaration:\n`);
    process.stdout.write(formatProblems(warnings, { indent: '  ' }));
  }
}

main(process.argv[2] ?? 'out');
