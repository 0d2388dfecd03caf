/**
 * Synthesizes the environments example (the application and every segmentation layer) into
 * one folder per environment and cluster, one file per layer:
 *
 *   npx ts-node examples/environments/synth.ts            → out/<environment>/<cluster>/<layer>.yaml
 *   npx ts-node examples/environments/synth.ts other/dir  → other/dir/<environment>/<cluster>/<layer>.yaml
 */
import { BulkheadError, clusterFolderFiles, ManifestFolder, writeManifests } from '../../lib';
import { KubeManifest } from '../../lib/targets/types';
import { buildApp } from './main';

/** The folders of the cdk8s app: `<environment>/<cluster>`, with the application's objects and every layer's. */
export function foldersOfApp(): ManifestFolder[] {
  const { charts } = buildApp({}, { printWarnings: false });
  return [...charts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).flatMap(([env, c]) => c.synthesis.clusters.map((s): ManifestFolder => ({
    name: s.cluster.name, under: [env], manifests: c.chart(s.cluster.name).toJson() as KubeManifest[],
    files: clusterFolderFiles(c.synthesis.plan, s.cluster),
  })));
}

if (require.main === module) {
  const outdir = process.argv[2] ?? 'out';
  try {
    const files = writeManifests(foldersOfApp(), outdir);
    process.stdout.write(`Synthesized ${files.length} files into ${outdir}/\n`);
  } catch (e) {
    if (!(e instanceof BulkheadError)) throw e;
    process.stderr.write(e.message + '\n');
    process.exit(2);
  }
}
