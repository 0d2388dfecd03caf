/**
 * Host-neutral synthesis: declaration → plan → per-cluster manifests of every layer the
 * cluster runs. The cdk8s and Pulumi hosts, the CLI and the analysis `verify` all start here.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { BulkheadError, cmp, Problem, sortProblems } from './core/errors';
import { LABELS } from './core/names';
import { Topology } from './model/topology';
import { planWithProblems } from './plan/build';
import { LayerName, Plan, PlanCluster } from './plan/types';
import { sortManifests } from './targets/common';
import { renderReaper } from './targets/kubernetes/reaper';
import { TARGETS } from './targets/registry';
import { KubeManifest, Target } from './targets/types';

/** The manifests of one cluster. */
export interface ClusterSynthesis {
  /** The cluster. */
  readonly cluster: PlanCluster;
  /** Every object of every layer the cluster runs, sorted by (apiVersion, kind, namespace, name). */
  readonly manifests: readonly KubeManifest[];
  /** Object counts per layer (layers the cluster runs, in rendering order); the reaper's objects are counted apart. */
  readonly counts: Readonly<Partial<Record<LayerName, number>>>;
  /** Objects of the break-glass reaper (0 when no grant in force touches the cluster). */
  readonly reaper: number;
}

/** The result of {@link synthesize}. */
export interface Synthesis {
  /** The plan the manifests were rendered from. */
  readonly plan: Plan;
  /** Per cluster, sorted by cluster name. */
  readonly clusters: readonly ClusterSynthesis[];
  /** Warnings of the plan and of every layer (where a layer is less precise than the declaration). */
  readonly warnings: readonly Problem[];
}

/** Options of {@link synthesize}. */
export interface SynthesizeOptions {
  /**
   * The time that decides which BreakGlass grants are in force.
   * @default - the topology's clock
   */
  readonly now?: Date;
  /**
   * The renderers, by layer.
   * @default - the built-in targets
   */
  readonly targets?: Readonly<Partial<Record<LayerName, Target>>>;
}

/**
 * Validates the declaration, builds its plan and renders every layer of every cluster.
 * Throws a {@link BulkheadError} listing every problem when the declaration is invalid: the
 * declaration's own problems and those each layer finds in its constraints (object names,
 * quotas, what it cannot express), all in one error, before anything is rendered.
 *
 * Every cluster that holds a BreakGlass grant in force also gets the break-glass reaper, whatever
 * its layers, which deletes the grant's objects (in the kinds the cluster's layers emit them in)
 * at expiry.
 *
 * @example
 * const { clusters, warnings } = synthesize(topology);
 */
export function synthesize(topology: Topology, options: SynthesizeOptions = {}): Synthesis {
  topology.markRendered();
  const { plan, problems } = planWithProblems(topology, { now: options.now });
  const targets = options.targets ?? TARGETS;
  const problemsFound = [...problems, ...validateLayers(topology, plan, targets, problems.some(isError))];
  if (problemsFound.some(isError)) throw new BulkheadError(dedupe(sortProblems(problemsFound)));

  const warnings: Problem[] = [...plan.warnings, ...problemsFound.filter((p) => !isError(p) && !plan.warnings.includes(p))];
  const clusters = plan.clusters.map((cluster) => {
    const manifests: KubeManifest[] = [];
    const counts: Partial<Record<LayerName, number>> = {};
    for (const layer of cluster.layers) {
      const result = (targets[layer] as Target).render(plan, cluster);
      manifests.push(...result.manifests);
      warnings.push(...result.warnings);
      counts[layer] = result.manifests.length;
    }
    const resources = cluster.layers.flatMap((l) => targets[l]?.breakGlassResources ?? []);
    const reaper = resources.length > 0 ? renderReaper(plan, cluster, resources) : { manifests: [], warnings: [] };
    manifests.push(...reaper.manifests);
    warnings.push(...reaper.warnings);
    return { cluster, manifests: sortManifests(manifests), counts, reaper: reaper.manifests.length };
  });
  return { plan, clusters, warnings: dedupe(sortProblems(warnings)) };
}

function isError(p: Problem): boolean {
  return p.severity === 'error';
}

/**
 * Runs every layer's `validate` for every cluster that runs it. On a partial plan (the
 * declaration has errors), a layer check that cannot run on what resolved is skipped: the
 * declaration's errors are reported, and the check runs once they are fixed.
 */
function validateLayers(topology: Topology, plan: Plan, targets: Readonly<Partial<Record<LayerName, Target>>>, partial: boolean): Problem[] {
  const out: Problem[] = [];
  for (const cluster of plan.clusters) {
    for (const layer of cluster.layers) {
      const target = targets[layer];
      if (!target) {
        out.push({ severity: 'error', code: 'BH-NO-TARGET', path: topology.node.path, message: `no renderer is registered for layer '${layer}'`, value: layer, fix: 'remove the layer from the cluster, or register a target for it' });
        continue;
      }
      if (!target.validate) continue;
      try {
        out.push(...target.validate(plan, cluster));
      } catch (e) {
        if (e instanceof BulkheadError) out.push(...e.problems);
        else if (!partial) throw e;
      }
    }
  }
  return out;
}

function dedupe(ps: Problem[]): Problem[] {
  const seen = new Set<string>();
  return ps.filter((p) => {
    const k = JSON.stringify(p);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** The layer an emitted object belongs to (its `bulkhead.io/layer` label). */
export function layerOf(m: KubeManifest): string {
  return m.metadata.labels?.[LABELS.layer] ?? 'app';
}

/** Multi-document YAML of manifests, in the given order, with the rendered key order. */
export function toYaml(manifests: readonly KubeManifest[]): string {
  return manifests.map((m) => YAML.stringify(m, { lineWidth: 0, sortMapEntries: false, aliasDuplicateObjects: false })).join('---\n');
}

/** The manifests of one output folder. */
export interface ManifestFolder {
  /** Folder name (the cluster name). */
  readonly name: string;
  /** Objects to write, in order. */
  readonly manifests: readonly KubeManifest[];
}

/** The folders of a synthesis: one per cluster. */
export function foldersOf(synthesis: Synthesis): ManifestFolder[] {
  return synthesis.clusters.map((c) => ({ name: c.cluster.name, manifests: c.manifests }));
}

/**
 * Writes one folder per cluster, one file per layer (`<outdir>/<cluster>/<layer>.yaml`;
 * objects without a Bulkhead layer label go to `app.yaml`).
 * Everything is written to a temporary folder first and moved into place at the end, so a
 * failure leaves the previous output untouched (nothing half-written).
 *
 * @returns the files written, relative to `outdir`, sorted
 */
export function writeManifests(folders: readonly ManifestFolder[], outdir: string): string[] {
  const parent = path.dirname(path.resolve(outdir));
  fs.mkdirSync(parent, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(parent, '.bulkhead-'));
  const files: string[] = [];
  try {
    for (const c of folders) {
      const dir = path.join(tmp, c.name);
      fs.mkdirSync(dir, { recursive: true });
      const byLayer = new Map<string, KubeManifest[]>();
      for (const m of c.manifests) byLayer.set(layerOf(m), [...(byLayer.get(layerOf(m)) ?? []), m]);
      for (const [layer, ms] of [...byLayer.entries()].sort(([a], [b]) => cmp(a, b))) {
        fs.writeFileSync(path.join(dir, `${layer}.yaml`), toYaml(ms));
        files.push(path.join(c.name, `${layer}.yaml`));
      }
    }
    fs.rmSync(outdir, { recursive: true, force: true });
    fs.renameSync(tmp, outdir);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return files.sort();
}
