/**
 * Synthesizes the multi-cloud example into one folder per cluster and one per AWS account and
 * Region, one file per layer, and prints a summary:
 *
 *   npx ts-node --transpile-only examples/multi-cloud/synth.ts [outdir]
 *     → <outdir>/<cluster>/<layer>.yaml, <outdir>/aws/<account>/<region>/aws.yaml (default outdir: out/multi-cloud)
 */
import * as path from 'path';
import { BulkheadError, foldersOf, formatProblems, layerOf, synthesize, writeManifests } from '../../lib';
import { declareMultiCloud } from './declaration';

/** Writes the example's manifests under `outdir`; returns the files written and the summary table. */
export function synthMultiCloud(outdir: string): { files: string[]; summary: string; warnings: string } {
  const s = synthesize(declareMultiCloud(undefined).topology);
  const folders = foldersOf(s);
  // replaces only the files an earlier run wrote (<outdir>/.bulkhead-manifest.json); never a foreign one
  const files = writeManifests(folders, outdir);
  const layers = [...new Set(folders.flatMap((f) => f.manifests.map(layerOf)))].sort();
  const rows = folders.map((f) => [path.posix.join(...(f.under ?? []), f.name), ...layers.map((l) => String(f.manifests.filter((m) => layerOf(m) === l).length)), String(f.manifests.length)]);
  const head = ['folder', ...layers, 'total'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const warnings = s.warnings.filter((w) => !w.acknowledged);
  return { files, summary: [line(head), ...rows.map(line)].join('\n'), warnings: warnings.length > 0 ? formatProblems(warnings, { indent: '  ' }) : '' };
}

if (require.main === module) {
  const outdir = process.argv[2] ?? path.join('out', 'multi-cloud');
  try {
    const { files, summary, warnings } = synthMultiCloud(outdir);
    process.stdout.write(`Synthesized ${files.length} files into ${outdir}/\n\n${summary}\n`);
    if (warnings) process.stdout.write(`\nwarnings and notes — where a layer is less precise than the declaration:\n${warnings}`);
  } catch (e) {
    if (e instanceof BulkheadError) {
      process.stderr.write(e.message + '\n');
      process.exit(2);
    }
    throw e;
  }
}
