/**
 * Host-neutral synthesis: declaration → plan → per-cluster manifests of every layer the
 * cluster runs, and per-network artifacts of every network layer. The cdk8s and Pulumi hosts,
 * the CLI and the analysis `verify` all start here. The layers are those of the layer
 * registry (`lib/layers/registry.ts`), or the definitions given in the options.
 */
import { clusterFolderFiles } from './analysis/cluster-facts';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ArgCheck, isDate, isRecord } from './core/entry';
import { dumpYamlDocuments, streamYamlDocuments } from './core/yaml';
import { applyAcknowledgements, BulkheadError, cmp, Problem, sortProblems } from './core/errors';
import { ClusterLayerName, LayerName, LAYER_TABLE, NetworkLayerName } from './core/layers';
import { LABELS } from './core/names';
import { LAYER_DEFINITIONS, targetsOf, TARGETS } from './layers/registry';
import { LayerDefinition, NetworkLayerDefinition } from './layers/types';
import { Environments } from './model/environment';
import { Topology } from './model/topology';
import { planWithProblems } from './plan/build';
import { Plan, PlanCluster, PlanNetwork } from './plan/types';
import { sortManifests, withEnvironmentLabel } from './targets/common';
import { renderReaper } from './targets/kubernetes/reaper';
import { ApiResource, CloudArtifact, KubeManifest, Target } from './targets/types';

/** The manifests of one cluster. */
export interface ClusterSynthesis {
  /** The cluster. */
  readonly cluster: PlanCluster;
  /**
   * Every object of every layer the cluster runs, and the objects network layers place into
   * the cluster (such as EKS SecurityGroupPolicies), sorted by (apiVersion, kind, namespace, name).
   */
  readonly manifests: readonly KubeManifest[];
  /**
   * Object counts per layer: the layers the cluster runs, in rendering order, then the network
   * layers that placed objects into it; the reaper's objects are counted apart.
   */
  readonly counts: Readonly<Partial<Record<LayerName, number>>>;
  /** Objects of the break-glass reaper (0 when no grant in force touches the cluster). */
  readonly reaper: number;
}

/** The artifacts of one cloud network: the cloud resources of every network layer it runs. */
export interface NetworkSynthesis {
  /** The network. */
  readonly network: PlanNetwork;
  /** The cloud resources, as the Pulumi host creates them, sorted by (layer, type, key). */
  readonly artifacts: readonly NetworkArtifact[];
  /**
   * The same resources as Kubernetes objects, as the manifest hosts write them (each layer's
   * `toManifests`: for AWS, Crossplane objects), sorted by (apiVersion, kind, namespace, name).
   */
  readonly manifests: readonly KubeManifest[];
  /** Cloud resource counts per network layer the network runs, in rendering order. */
  readonly counts: Readonly<Partial<Record<NetworkLayerName, number>>>;
}

/** A cloud resource of a network, with the layer that rendered it. */
export interface NetworkArtifact {
  /** The layer. */
  readonly layer: NetworkLayerName;
  /** The resource. */
  readonly artifact: CloudArtifact;
}

/** The result of {@link synthesize}. */
export interface Synthesis {
  /** The plan the manifests were rendered from. */
  readonly plan: Plan;
  /** Per cluster, sorted by cluster name. */
  readonly clusters: readonly ClusterSynthesis[];
  /** Per cloud network of the plan (`plan.networks`), in the plan's order (by key). */
  readonly networks: readonly NetworkSynthesis[];
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
   * The renderers of the cluster layers, by layer: they replace those of {@link SynthesizeOptions.layers}
   * (a cluster layer without a renderer here is an error, `BH-NO-TARGET`).
   * @default - the renderers of the layer definitions
   */
  readonly targets?: Readonly<Partial<Record<ClusterLayerName, Target>>>;
  /**
   * The layer definitions to synthesize with (see `LayerDefinition`): cluster layers render in
   * the clusters that run them, network layers in every network of their cloud.
   * @default LAYER_DEFINITIONS (every built-in layer)
   */
  readonly layers?: readonly LayerDefinition[];
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
 * Network layers render every cloud network of their cloud (`plan.networks`): cloud resources
 * into {@link Synthesis.networks}, and Kubernetes objects they place into clusters into those
 * clusters' manifests.
 *
 * @example
 * const { clusters, warnings } = synthesize(topology);
 */
export function synthesize(topology: Topology, options: SynthesizeOptions = {}): Synthesis {
  const check = new ArgCheck();
  const opts = checkSynthesisArgs(check, { topology: 'synthesize(topology)', options: 'synthesize(options)', prefix: 'options.' }, topology, options);
  if (!Topology.isTopology(topology)) check.throwIfAny('synthesize');
  topology.markRendered();
  const { plan, problems } = planWithProblems(topology, { now: opts?.now as Date | undefined });
  if (check.problems.length > 0) throw new BulkheadError(dedupe(sortProblems([...check.problems, ...problems.filter(isError)])));
  const definitions = options.layers ?? LAYER_DEFINITIONS;
  const targets = options.targets ?? targetsOf(definitions);
  const networkLayers = inRenderingOrder(definitions.filter((d): d is NetworkLayerDefinition => d.scope === 'network'));
  const problemsFound = [...problems, ...validateLayers(topology, plan, targets, networkLayers, problems.some(isError))];
  if (problemsFound.some(isError)) throw new BulkheadError(dedupe(sortProblems(problemsFound)));

  const warnings: Problem[] = [...plan.warnings, ...problemsFound.filter((p) => !isError(p) && !plan.warnings.includes(p))];
  const networked = renderNetworks(topology, plan, networkLayers);
  warnings.push(...networked.warnings);
  const clusters = plan.clusters.map((cluster) => {
    const manifests: KubeManifest[] = [];
    const counts: Partial<Record<LayerName, number>> = {};
    for (const layer of cluster.layers) {
      const result = (targets[layer] as Target).render(plan, cluster);
      manifests.push(...result.manifests);
      warnings.push(...result.warnings);
      counts[layer] = result.manifests.length;
    }
    const placed = networked.intoClusters.get(cluster.name) ?? [];
    for (const p of placed) {
      manifests.push(...p.manifests);
      counts[p.layer.name] = p.manifests.length;
    }
    const resources: ApiResource[] = [
      ...cluster.layers.flatMap((l) => targets[l]?.breakGlassResources ?? []),
      ...placed.flatMap((p) => p.layer.target.breakGlassResources ?? []),
    ];
    const reaper = renderReaper(plan, cluster, resources);
    manifests.push(...reaper.manifests);
    warnings.push(...reaper.warnings);
    return { cluster, manifests: sortManifests(manifests).map((m) => withEnvironmentLabel(plan, m)), counts, reaper: reaper.manifests.length };
  });
  const networks = networked.networks.map((n) => ({ ...n, manifests: n.manifests.map((m) => withEnvironmentLabel(plan, m)) }));
  return { plan, clusters, networks, warnings: applyAcknowledgements(dedupe(sortProblems(warnings)), topology.acknowledgedCodes, topology.node.path) };
}

/** The synthesis of one environment of an {@link Environments}. */
export interface EnvironmentSynthesis {
  /** The environment's name. */
  readonly name: string;
  /** Its synthesis. */
  readonly synthesis: Synthesis;
}

/** The result of {@link synthesizeEnvironments}. */
export interface EnvironmentsSynthesis {
  /** Per environment, in the order of the names. */
  readonly environments: readonly EnvironmentSynthesis[];
}

/**
 * Synthesizes every environment of an {@link Environments} (see {@link synthesize}). Throws one
 * {@link BulkheadError} with the problems of every environment when any has errors: nothing of
 * any environment is returned then.
 *
 * @example
 * const folders = foldersOf(synthesizeEnvironments(envs)); // out/<environment>/<cluster>/…
 */
export function synthesizeEnvironments(environments: Environments, options: SynthesizeOptions = {}): EnvironmentsSynthesis {
  if (!Environments.isEnvironments(environments)) {
    const check = new ArgCheck();
    check.kind('synthesizeEnvironments(environments)', 'environments', environments, 'an Environments', "pass the Environments: new Environments(app, 'shop', { environments: { ... }, declare })");
    check.throwIfAny('synthesizeEnvironments');
  }
  const problems: Problem[] = [];
  const out: EnvironmentSynthesis[] = [];
  for (const name of environments.names) {
    try {
      out.push({ name, synthesis: synthesize(environments.topology(name), options) });
    } catch (e) {
      if (!BulkheadError.isBulkheadError(e)) throw e;
      problems.push(...e.problems);
    }
  }
  if (problems.length > 0) throw new BulkheadError(dedupe(sortProblems(problems)));
  return { environments: out };
}

/** Whether a synthesis result is that of an {@link Environments}. */
export function isEnvironmentsSynthesis(x: Synthesis | EnvironmentsSynthesis): x is EnvironmentsSynthesis {
  return Array.isArray((x as EnvironmentsSynthesis).environments);
}

/**
 * Network layers in rendering order, whatever the order they were given in: that of
 * `LAYER_TABLE`, then layers of other names by name.
 */
function inRenderingOrder(layers: readonly NetworkLayerDefinition[]): NetworkLayerDefinition[] {
  const names = Object.keys(LAYER_TABLE);
  const rank = (d: NetworkLayerDefinition): number => (names.includes(d.name) ? names.indexOf(d.name) : names.length);
  return [...layers].sort((a, b) => rank(a) - rank(b) || cmp(a.name, b.name));
}

/** The network layers that render a network: those of its cloud, in rendering order. */
function layersOfNetwork(network: PlanNetwork, layers: readonly NetworkLayerDefinition[]): NetworkLayerDefinition[] {
  return layers.filter((d) => d.cloud === network.cloud);
}

/** Objects a network layer placed into one cluster. */
interface PlacedManifests {
  readonly layer: NetworkLayerDefinition;
  readonly manifests: KubeManifest[];
}

/**
 * Renders every network layer of every network: the networks' cloud resources (and their
 * manifest form), and the objects placed into clusters, by cluster name, in rendering order.
 * An artifact placed elsewhere (another network, a cluster the plan does not have) is an error
 * of the layer (`BH-LAYER-PLACEMENT`), reported with every other one before anything is returned.
 */
function renderNetworks(topology: Topology, plan: Plan, layers: readonly NetworkLayerDefinition[]): { networks: NetworkSynthesis[]; intoClusters: Map<string, PlacedManifests[]>; warnings: Problem[] } {
  const warnings: Problem[] = [];
  const problems: Problem[] = [];
  const clusterNames = new Set(plan.clusters.map((c) => c.name));
  const intoClusters = new Map<string, PlacedManifests[]>();
  const networks = plan.networks.map((network): NetworkSynthesis => {
    const artifacts: NetworkArtifact[] = [];
    const manifests: KubeManifest[] = [];
    const counts: Partial<Record<NetworkLayerName, number>> = {};
    for (const layer of layersOfNetwork(network, layers)) {
      const result = layer.target.render(plan, network);
      warnings.push(...result.warnings);
      const own: CloudArtifact[] = [];
      for (const placed of result.artifacts) {
        if ('cluster' in placed) {
          if (!clusterNames.has(placed.cluster)) {
            problems.push(placement(topology, layer, network, `an object (${placed.artifact.manifest.kind} ${placed.artifact.manifest.metadata.name}) into the cluster '${placed.cluster}', which is no cluster of the topology`, placed.cluster));
            continue;
          }
          const list = intoClusters.get(placed.cluster) ?? [];
          const entry = list.find((e) => e.layer === layer) ?? { layer, manifests: [] };
          if (!list.includes(entry)) list.push(entry);
          entry.manifests.push(placed.artifact.manifest);
          intoClusters.set(placed.cluster, list);
        } else if (placed.network !== network.name) {
          problems.push(placement(topology, layer, network, `a resource (${cloudArtifactKey(placed.artifact)}) into the network '${placed.network}'`, placed.network));
        } else {
          own.push(placed.artifact);
        }
      }
      own.sort((a, b) => cmp(a.type, b.type) || cmp(cloudArtifactKey(a), cloudArtifactKey(b)));
      artifacts.push(...own.map((artifact) => ({ layer: layer.name, artifact })));
      manifests.push(...layer.toManifests(own, network, plan));
      counts[layer.name] = own.length;
    }
    return { network, artifacts, manifests: sortManifests(manifests), counts };
  });
  if (problems.length > 0) throw new BulkheadError(dedupe(sortProblems(problems)));
  return { networks, intoClusters, warnings };
}

function placement(topology: Topology, layer: NetworkLayerDefinition, network: PlanNetwork, what: string, value: string): Problem {
  return {
    severity: 'error', code: 'BH-LAYER-PLACEMENT', path: network.path || topology.node.path,
    message: `layer '${layer.name}', rendering the network '${network.name}', placed ${what}: the artifact would reach nothing`,
    value,
    fix: `place cloud resources in the network rendered ('${network.name}') and Kubernetes objects in one of its clusters (fix the layer's renderer)`,
  };
}

/** The stable key of a cloud resource (unique in its cloud's resources of a synthesis). */
export function cloudArtifactKey(artifact: CloudArtifact): string {
  switch (artifact.type) {
    case 'aws':
      return artifact.resource.key;
  }
}

/** Where the arguments of a synthesis are reported: the function's arguments, or a host construct. @internal */
export interface SynthesisArgPaths {
  /** The path of the topology argument (`synthesize(topology)`, a construct path). */
  readonly topology: string;
  /** The path of the options (`synthesize(options)`, a construct path). */
  readonly options: string;
  /** Written before an option's name in messages (`options.`), or `''` for a host's props. */
  readonly prefix: string;
  /** The name of the topology in messages. @default 'topology' */
  readonly topologyField?: string;
  /** Check `now` here (a host checks it when it is constructed), not only when the plan is built. @default false */
  readonly now?: boolean;
}

/**
 * Checks the topology and the options of a synthesis ({@link synthesize} and the hosts' props)
 * for their kinds: the topology must be a Topology, the options an object, `targets` an object
 * of renderers keyed by layer names, `layers` a list of layer definitions. `now` is checked by the planner (`BH-NOW`). Returns the
 * options to read, or undefined when they are not an object.
 * @internal
 */
export function checkSynthesisArgs(check: ArgCheck, at: SynthesisArgPaths, topology: unknown, options: unknown): Record<string, unknown> | undefined {
  if (!Topology.isTopology(topology)) {
    check.kind(at.topology, at.topologyField ?? 'topology', topology, 'a Topology', "pass the Topology: new Topology(app, 'shop', { trustDomain: 'prod.shop.example.com' })");
  }
  const opts = at.prefix === '' ? (isRecord(options) ? options : undefined) : check.options(at.options, 'options', options, '{ now: new Date(), targets: { ... } }');
  if (!opts) return undefined;
  if (at.now && opts.now !== undefined && !(isDate(opts.now) && !Number.isNaN(opts.now.getTime()))) {
    check.error('BH-NOW', at.options, `${at.prefix}now (the time to synthesize at) is not a valid Date`, opts.now, "pass a valid Date, such as new Date('2026-11-22T21:00:00Z'), or leave now out to use the topology's clock");
  }
  checkLayerDefinitions(check, at, opts.layers);
  const targets = opts.targets;
  const field = `${at.prefix}targets`;
  if (targets === undefined) return opts;
  if (!isRecord(targets)) {
    check.kind(at.options, field, targets, 'an object of renderers by layer', `leave ${field} out for the built-in renderers, or pass { kubernetes: myTarget, ... }`);
    return opts;
  }
  const layers = Object.keys(TARGETS);
  for (const key of Object.keys(targets).sort(cmp)) {
    const t = targets[key];
    if (!layers.includes(key)) {
      check.error('BH-INPUT-KEY', at.options, `${field} has the key '${key}', which names no layer: it would render nothing`, key, `key each renderer by a layer name: ${layers.join(', ')}`);
    } else if (t !== undefined && (!isRecord(t) || typeof t.render !== 'function' || (t.validate !== undefined && typeof t.validate !== 'function') || (t.breakGlassResources !== undefined && !Array.isArray(t.breakGlassResources)))) {
      check.kind(at.options, `${field}.${key}`, t, 'a Target (an object with a render function, and optionally validate and breakGlassResources)', `pass the Target of layer ${key} (such as TARGETS['${key}']), or leave the key out`);
    }
  }
  return opts;
}

/**
 * `layers`: a list of layer definitions, each with a name, a scope, and a renderer with a
 * `render` function; a network layer also with its cloud and `toManifests`. A name used twice
 * (one layer would hide the other) and a cluster layer no Cluster can run are errors
 * (`BH-LAYER-DEFINITION`).
 */
function checkLayerDefinitions(check: ArgCheck, at: SynthesisArgPaths, layers: unknown): void {
  const field = `${at.prefix}layers`;
  const names = new Set<string>();
  check.list(at.options, field, layers, 'LAYER_DEFINITIONS (or some of its entries, and layers of your own)', {
    optional: true,
    item: (d, i) => {
      const f = `${field}[${i}]`;
      if (!isRecord(d)) return check.kind(at.options, f, d, 'a layer definition', 'one of LAYER_DEFINITIONS, such as KUBERNETES_LAYER');
      if (!check.text(at.options, `${f}.name`, d.name, "'kubernetes' (the layer's name)")) return;
      const name = d.name as string;
      if (d.scope !== 'cluster' && d.scope !== 'network') {
        check.kind(at.options, `${f}.scope`, d.scope, "'cluster' or 'network'", "scope: 'cluster' for a layer applied to clusters, 'network' for cloud resources");
      }
      const target = d.target;
      if (!isRecord(target) || typeof target.render !== 'function' || (target.validate !== undefined && typeof target.validate !== 'function') || (target.breakGlassResources !== undefined && !Array.isArray(target.breakGlassResources))) {
        check.kind(at.options, `${f}.target`, target, 'a renderer (an object with a render function, and optionally validate and breakGlassResources)', `pass the layer's renderer (such as TARGETS['kubernetes'] for a cluster layer)`);
      }
      check.list(at.options, `${f}.emits`, d.emits, "[{ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' }]");
      if (d.scope === 'network') {
        check.text(at.options, `${f}.cloud`, d.cloud, "'aws' (the cloud whose networks run the layer)");
        check.fn(at.options, `${f}.toManifests`, d.toManifests, 'a function writing the cloud resources as Kubernetes objects (for AWS, Crossplane objects)');
      }
      if (d.scope === 'cluster' && !Object.prototype.hasOwnProperty.call(LAYER_TABLE, name)) {
        check.error('BH-LAYER-DEFINITION', at.options, `${f} defines the cluster layer '${name}', which no Cluster can run: clusters run the layers of LAYER_TABLE`, name, `name a cluster layer definition after one of: ${Object.keys(TARGETS).join(', ')}`);
      }
      if (names.has(name)) {
        check.error('BH-LAYER-DEFINITION', at.options, `${field} defines the layer '${name}' twice: one definition would hide the other`, name, 'give each layer one definition (replace the built-in one by leaving it out of the list)');
      }
      names.add(name);
    },
  });
}

function isError(p: Problem): boolean {
  return p.severity === 'error';
}

/**
 * Runs every layer's `validate` for every cluster that runs it. On a partial plan (the
 * declaration has errors), a layer check that cannot run on what resolved is skipped: the
 * declaration's errors are reported, and the check runs once they are fixed.
 */
function validateLayers(topology: Topology, plan: Plan, targets: Readonly<Partial<Record<ClusterLayerName, Target>>>, networkLayers: readonly NetworkLayerDefinition[], partial: boolean): Problem[] {
  const out: Problem[] = [];
  const run = (f: () => Problem[]): void => {
    try {
      out.push(...f());
    } catch (e) {
      if (e instanceof BulkheadError) out.push(...e.problems);
      else if (!partial) throw e;
    }
  };
  for (const cluster of plan.clusters) {
    for (const layer of cluster.layers) {
      const target = targets[layer];
      if (!target) {
        out.push({ severity: 'error', code: 'BH-NO-TARGET', path: topology.node.path, message: `no renderer is registered for layer '${layer}'`, value: layer, fix: 'remove the layer from the cluster, or register a target for it' });
        continue;
      }
      const validate = target.validate;
      if (validate) run(() => validate(plan, cluster));
    }
  }
  for (const network of plan.networks) {
    for (const layer of layersOfNetwork(network, networkLayers)) {
      const validate = layer.target.validate;
      if (validate) run(() => validate(plan, network));
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

/**
 * Multi-document YAML of manifests, in the given order, with the rendered key order: no anchors,
 * no folded lines, and every string that a YAML 1.2 or YAML 1.1 reader (kubectl) would take
 * for another type (`yes`, `on`, `0x1`, `1_000`, `1:20`, dates) quoted.
 */
export function toYaml(manifests: readonly KubeManifest[]): string {
  return dumpYamlDocuments(manifests);
}

/** The manifests of one output folder. */
export interface ManifestFolder {
  /** Folder name (the cluster name; for a network, its region). */
  readonly name: string;
  /**
   * The folders the folder sits in, below the output folder, outermost first (for a network,
   * its cloud and account: `['aws', '123456789012']`).
   * @default - directly in the output folder
   */
  readonly under?: readonly string[];
  /** Objects to write, in order. */
  readonly manifests: readonly KubeManifest[];
  /**
   * Other files to write into the folder beside the layer files, by file name (one plain path
   * segment, such as `kustomization.yaml`), with their text. A name that a layer file also
   * takes is an error.
   * @default - none
   */
  readonly files?: Readonly<Record<string, string>>;
}

/**
 * The folder path of a cloud network's objects, below the output folder: `<cloud>/<account>/<region>`
 * (networks of one account and region share it).
 */
export function networkFolderPath(network: PlanNetwork): readonly string[] {
  return [network.cloud, network.account, network.region];
}

/**
 * The folders of a synthesis: one per cluster (`<cluster>`), then one per cloud account and
 * region that has objects (`<cloud>/<account>/<region>`, holding the objects of every network
 * there). For the synthesis of an {@link Environments}, the same per environment, below a
 * folder named after it: `<environment>/<cluster>`, `<environment>/<cloud>/<account>/<region>`.
 */
export function foldersOf(synthesis: Synthesis | EnvironmentsSynthesis): ManifestFolder[] {
  if (isEnvironmentsSynthesis(synthesis)) {
    return synthesis.environments.flatMap((e) => foldersOf(e.synthesis).map((f): ManifestFolder => ({ ...f, under: [e.name, ...(f.under ?? [])] })));
  }
  const clusters: ManifestFolder[] = synthesis.clusters.map((c) => ({ name: c.cluster.name, manifests: c.manifests, files: clusterFolderFiles(synthesis.plan, c.cluster) }));
  const byPath = new Map<string, { path: readonly string[]; manifests: KubeManifest[] }>();
  for (const n of synthesis.networks ?? []) {
    if (n.manifests.length === 0) continue;
    const p = networkFolderPath(n.network);
    const key = p.join('/');
    const entry = byPath.get(key) ?? { path: p, manifests: [] };
    entry.manifests.push(...n.manifests);
    byPath.set(key, entry);
  }
  const networks = [...byPath.keys()].sort(cmp).map((k): ManifestFolder => {
    const { path: p, manifests } = byPath.get(k)!;
    return { name: p[p.length - 1], under: p.slice(0, -1), manifests: sortManifests(manifests) };
  });
  return [...clusters, ...networks];
}

/** The record of what {@link writeManifests} wrote into a folder, kept in the folder as `.bulkhead-manifest.json`. */
export interface OutputRecord {
  /** What wrote the folder. */
  readonly generator: 'bulkhead';
  /** Format version of the record. */
  readonly version: 1;
  /** Every file written, relative to the folder (`/`-separated), with the SHA-256 of its content. */
  readonly files: Readonly<Record<string, string>>;
}

/** The name of the record {@link writeManifests} keeps in an output folder. */
export const OUTPUT_RECORD_FILE = '.bulkhead-manifest.json';

/** Codes of the output problems of {@link writeManifests}. */
export const OUTPUT_CODES = {
  /** The output path exists and is not a folder. */
  notFolder: 'BH-OUT-NOT-FOLDER',
  /** The output folder is not empty and holds no Bulkhead record. */
  foreign: 'BH-OUT-FOREIGN',
  /** A file Bulkhead would write exists and was not written by Bulkhead. */
  overwrite: 'BH-OUT-OVERWRITE',
  /** A file Bulkhead wrote was edited since. */
  edited: 'BH-OUT-EDITED',
  /** The record in the folder cannot be read. */
  record: 'BH-OUT-RECORD',
  /** A file or folder cannot be written. */
  write: 'BH-OUT-WRITE',
} as const;

/**
 * Writes one folder per cluster, one file per layer (`<outdir>/<cluster>/<layer>.yaml`;
 * objects without a Bulkhead layer label go to `app.yaml`), one folder per cloud account and
 * region for the network layers (`<outdir>/<cloud>/<account>/<region>/<layer>.yaml`, see
 * {@link foldersOf}), and a record of what it wrote (`<outdir>/.bulkhead-manifest.json`:
 * every file and the SHA-256 of its content).
 *
 * It never deletes or overwrites a file it did not write:
 *
 * - a new or empty folder is written;
 * - a folder with a record: the files of the record are replaced (and those no longer
 *   produced removed); every other file is left alone;
 * - a non-empty folder without a record is an error (`BH-OUT-FOREIGN`);
 * - a file to be written that exists but is not in the record is an error (`BH-OUT-OVERWRITE`);
 * - a recorded file that was edited since it was written (its hash differs, and it is not
 *   already what would be written) is an error (`BH-OUT-EDITED`): synthesis refuses to lose
 *   the edit. Move the edit into the declaration, or delete the file, and synthesize again.
 *
 * Every problem is found before anything in `outdir` changes. The files are written to a
 * staging folder next to `outdir` first (removed again when there is a problem), then moved into
 * place one by one (each file is replaced whole, never half-written); a new folder is moved into
 * place at once. Folders and files get the usual permissions (the process umask), not those of a
 * temporary folder. The files are made one object at a time and written as they are made, never
 * held in memory all at once.
 *
 * @returns the files written, relative to `outdir`, sorted
 * @throws BulkheadError when the folder holds files Bulkhead did not write, or edited ones
 */
export function writeManifests(folders: readonly ManifestFolder[], outdir: string): string[] {
  checkWriteArgs(folders, outdir);
  const target = path.resolve(outdir);
  const shown = outdir;
  // what each file holds: the objects of a layer (written as YAML), or a text
  const sources = new Map<string, readonly KubeManifest[] | string>();
  for (const c of folders) {
    const byLayer = new Map<string, KubeManifest[]>();
    for (const m of c.manifests) {
      const layer = layerOf(m);
      const list = byLayer.get(layer);
      if (list) list.push(m);
      else byLayer.set(layer, [m]);
    }
    const dir = [...(c.under ?? []), c.name].join('/');
    for (const [layer, ms] of [...byLayer.entries()].sort(([a], [b]) => cmp(a, b))) sources.set(`${dir}/${layer}.yaml`, ms);
    for (const [file, text] of Object.entries(c.files ?? {}).sort(([a], [b]) => cmp(a, b))) sources.set(`${dir}/${file}`, text);
  }
  const files = [...sources.keys()].sort(cmp);

  const problem = (code: string, where: string, message: string, fix: string, value?: string): Problem => ({ severity: 'error', code, path: where, message, ...(value === undefined ? {} : { value }), fix });
  const fail = (problems: Problem[]): never => {
    throw new BulkheadError(problems, `${problems.length} problem${problems.length === 1 ? '' : 's'} with the output folder ${shown}:`);
  };
  const writeProblem = (what: string, e: unknown): Problem => problem(OUTPUT_CODES.write, shown, `cannot ${what}: ${(e as Error).message}`, 'check the output path and its permissions');
  const io = <T>(what: string, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof BulkheadError) throw e;
      return fail([writeProblem(what, e)]);
    }
  };

  const st = io('read the output path', () => (fs.existsSync(target) ? fs.statSync(target) : undefined));
  if (st && !st.isDirectory()) {
    fail([problem(OUTPUT_CODES.notFolder, shown, 'the output path exists and is not a folder', `choose a folder for --out (for example ${path.join(path.dirname(shown), 'manifests')}), or remove the file`)]);
  }
  const previous = st ? readRecord(target, shown, problem, fail) : undefined;
  const existing = st ? io('list the output folder', () => listTree(target)) : [];
  if (st && !previous && existing.length > 0) {
    fail([problem(OUTPUT_CODES.foreign, shown, `the output folder is not empty (${existing.length} file${existing.length === 1 ? '' : 's'}, such as ${existing[0]}) and holds no record of an earlier synthesis (${OUTPUT_RECORD_FILE}): synthesis would mix its files with others`, 'choose a new or empty folder for --out, or empty this one (if it holds an earlier Bulkhead output only, delete it)', existing.slice(0, 5).join(', '))]);
  }

  // Every file is made once, a piece at a time, and each piece hashed and written into a staging
  // folder next to the output folder (same file system: renames are atomic) as it is made, so the
  // files are never all held in memory. The first failure to write is kept, and the files are
  // still made and hashed: the problems with the output folder, found from the hashes, come first.
  const parent = path.dirname(target);
  let failure: Problem | undefined;
  const attempt = <T>(what: string, f: () => T): T | undefined => {
    if (failure) return undefined;
    try {
      return f();
    } catch (e) {
      failure = writeProblem(what, e);
      return undefined;
    }
  };
  attempt('create the parent folder', () => fs.mkdirSync(parent, { recursive: true }));
  const staging = attempt('create a staging folder', () => {
    for (let i = 0; ; i++) {
      const dir = path.join(parent, `.${path.basename(target)}.bulkhead-${process.pid}-${Date.now().toString(36)}-${i}`);
      try {
        fs.mkdirSync(dir); // the usual permissions (umask), unlike mkdtemp's 0700
        return dir;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || i > 100) throw e;
      }
    }
  });
  try {
    const hashes: Record<string, string> = {};
    for (const f of files) {
      const source = sources.get(f)!;
      const out = staging === undefined ? undefined : attempt('write the manifests', () => {
        const abs = path.join(staging, ...f.split('/'));
        fs.mkdirSync(path.dirname(abs), { recursive: true });
        return fs.openSync(abs, 'w');
      });
      const hash = crypto.createHash('sha256');
      const sink = (piece: Buffer): void => {
        hash.update(piece);
        if (out !== undefined) attempt('write the manifests', () => writeAll(out, piece));
      };
      try {
        if (typeof source === 'string') sink(Buffer.from(source, 'utf8'));
        else streamYamlDocuments(source, sink); // the bytes of toYaml(source)
      } finally {
        if (out !== undefined) {
          try {
            fs.closeSync(out);
          } catch (e) {
            failure ??= writeProblem('write the manifests', e);
          }
        }
      }
      hashes[f] = hash.digest('hex');
    }
    const record: OutputRecord = { generator: 'bulkhead', version: 1, files: hashes };
    if (staging !== undefined) attempt('write the manifests', () => fs.writeFileSync(path.join(staging, OUTPUT_RECORD_FILE), JSON.stringify(record, null, 2) + '\n'));

    // every problem with the output folder before anything in it changes (a file is what would
    // be written when its hash is that of the new content)
    const problems: Problem[] = [];
    const recorded = previous?.files ?? {};
    for (const f of files) {
      const abs = path.join(target, ...f.split('/'));
      if (!st || !fs.existsSync(abs)) continue;
      const now = sha256(io(`read ${f}`, () => fs.readFileSync(abs)));
      if (!(f in recorded)) {
        if (now !== hashes[f]) problems.push(problem(OUTPUT_CODES.overwrite, path.join(shown, f), 'the file exists and was not written by Bulkhead: synthesis would overwrite it', 'move the file away (or write the synthesis to another folder)'));
      } else if (now !== recorded[f] && now !== hashes[f]) {
        problems.push(problem(OUTPUT_CODES.edited, path.join(shown, f), 'the file was edited since Bulkhead wrote it: synthesis would lose the edit', 'put the change into the declaration (or keep a copy elsewhere), delete the file, and synthesize again'));
      }
    }
    const stale = Object.keys(recorded).filter((f) => !sources.has(f)).sort(cmp);
    for (const f of stale) {
      const abs = path.join(target, ...f.split('/'));
      if (!fs.existsSync(abs)) continue;
      const now = io(`read ${f}`, () => fs.readFileSync(abs));
      if (sha256(now) !== recorded[f]) problems.push(problem(OUTPUT_CODES.edited, path.join(shown, f), 'the file is no longer produced, but was edited since Bulkhead wrote it: synthesis would delete the edit', 'move the file out of the folder, and synthesize again'));
    }
    if (problems.length > 0) fail(problems);
    if (failure || staging === undefined) return fail([failure!]);

    if (!st) {
      io('move the output folder into place', () => fs.renameSync(staging, target));
      return files;
    }
    io('replace the files in the output folder', () => {
      for (const f of files) {
        const abs = path.join(target, ...f.split('/'));
        fs.mkdirSync(path.dirname(abs), { recursive: true });
        fs.renameSync(path.join(staging, ...f.split('/')), abs);
      }
      for (const f of stale) {
        const abs = path.join(target, ...f.split('/'));
        fs.rmSync(abs, { force: true });
        const dir = path.dirname(abs);
        if (dir !== target && fs.existsSync(dir) && fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
      }
      // the record last: until it is replaced, the old record still covers every file written
      fs.renameSync(path.join(staging, OUTPUT_RECORD_FILE), path.join(target, OUTPUT_RECORD_FILE));
    });
  } finally {
    if (staging !== undefined) fs.rmSync(staging, { recursive: true, force: true });
  }
  return files;
}

/**
 * The arguments of {@link writeManifests}, checked before anything is read or written: a list of
 * folders, each a name that is one path segment (never `..` or a path that leads out of
 * `outdir`), used once, and a list of objects with metadata; and an output path.
 */
function checkWriteArgs(folders: unknown, outdir: unknown): void {
  const check = new ArgCheck();
  const where = 'writeManifests(folders)';
  const names = new Set<string>();
  check.list(where, 'folders', folders, "[{ name: 'eks', manifests: [...] }] (foldersOf(synthesis))", {
    item: (f, i) => {
      if (!isRecord(f)) return check.kind(where, `folders[${i}]`, f, 'an object', "{ name: 'eks', manifests: [...] }");
      if (check.text(where, `folders[${i}].name`, f.name, "'eks' (the cluster name)")) {
        const name = f.name as string;
        const under = Array.isArray(f.under) ? (f.under as unknown[]) : [];
        const plain = (seg: unknown): boolean => typeof seg === 'string' && seg !== '' && seg !== '.' && seg !== '..' && !/[\/\\\0]/.test(seg) && seg !== OUTPUT_RECORD_FILE;
        const full = [...under, name].join('/');
        if (!plain(name)) {
          check.error('BH-OUT-NAME', where, `the folder name of folders[${i}] is not one plain path segment: its files would be written outside their own folder`, name, "name the folder after its cluster, without '/', '\\' or '..' (such as 'eks')");
        } else if (f.under !== undefined && !(Array.isArray(f.under) && under.every(plain))) {
          check.error('BH-OUT-NAME', where, `the folders above folders[${i}] (under) are not a list of plain path segments: its files would be written outside their own folder`, f.under, "list the folders one segment each, without '/', '\\' or '..' (such as ['aws', '123456789012'])");
        } else if (names.has(full)) {
          check.error('BH-OUT-NAME', where, `two folders are named '${full}': the files of one would replace those of the other`, full, 'give every folder its own name (one folder per cluster)');
        }
        names.add(full);
      }
      if (f.files !== undefined) {
        if (!isRecord(f.files)) {
          check.kind(where, `folders[${i}].files`, f.files, 'an object of file names and texts', "{ 'kustomization.yaml': 'resources: ...' }");
        } else {
          const layerFiles = new Set((Array.isArray(f.manifests) ? (f.manifests as unknown[]) : []).filter((m): m is KubeManifest => isRecord(m) && isRecord(m.metadata)).map((m) => `${layerOf(m)}.yaml`));
          for (const [file, text] of Object.entries(f.files)) {
            if (file === '' || file === '.' || file === '..' || /[\/\\\0]/.test(file) || file === OUTPUT_RECORD_FILE) {
              check.error('BH-OUT-NAME', where, `the file name '${file}' of folders[${i}].files is not one plain path segment: it would be written outside its folder`, file, "name the file without '/', '\\' or '..' (such as 'kustomization.yaml')");
            } else if (layerFiles.has(file)) {
              check.error('BH-OUT-NAME', where, `the file name '${file}' of folders[${i}].files is the file of a layer: one would replace the other`, file, 'give the file a name no layer takes');
            }
            if (typeof text !== 'string') check.kind(where, `folders[${i}].files['${file}']`, text, 'a text', "'resources:\n  - kubernetes.yaml\n'");
          }
        }
      }
      check.list(where, `folders[${i}].manifests`, f.manifests, '[{ apiVersion, kind, metadata: { name } }, ...]', {
        item: (m, j) => {
          const field = `folders[${i}].manifests[${j}]`;
          if (!isRecord(m)) return check.kind(where, field, m, 'a Kubernetes object', '{ apiVersion, kind, metadata: { name } }');
          if (!isRecord(m.metadata)) return check.kind(where, `${field}.metadata`, m.metadata, 'an object', "{ name: 'web', namespace: 'shop' }");
          if (m.metadata.labels !== undefined && !isRecord(m.metadata.labels)) check.kind(where, `${field}.metadata.labels`, m.metadata.labels, 'an object of label names and values', "{ 'bulkhead.io/layer': 'kubernetes' }");
        },
      });
    },
  });
  check.text('writeManifests(outdir)', 'outdir', outdir, "'dist/manifests' (the output folder)");
  check.throwIfAny('writeManifests');
}

function readRecord(dir: string, shown: string, problem: (code: string, where: string, message: string, fix: string) => Problem, fail: (ps: Problem[]) => never): OutputRecord | undefined {
  const file = path.join(dir, OUTPUT_RECORD_FILE);
  if (!fs.existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    return fail([problem(OUTPUT_CODES.record, path.join(shown, OUTPUT_RECORD_FILE), `the record of an earlier synthesis cannot be read: ${(e as Error).message}`, 'restore the record, or empty the folder and synthesize again')]);
  }
  const r = parsed as Partial<OutputRecord>;
  const valid = typeof parsed === 'object' && parsed !== null && r.generator === 'bulkhead' && r.version === 1 && typeof r.files === 'object' && r.files !== null
    && Object.entries(r.files).every(([k, v]) => typeof v === 'string' && !k.split('/').includes('..') && !path.isAbsolute(k));
  if (!valid) return fail([problem(OUTPUT_CODES.record, path.join(shown, OUTPUT_RECORD_FILE), 'the record of an earlier synthesis is not one Bulkhead wrote', 'restore the record, or empty the folder and synthesize again')]);
  return r as OutputRecord;
}

/** Every file under a folder, relative and `/`-separated, sorted (the record itself left out). */
function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else if (r !== OUTPUT_RECORD_FILE) out.push(r);
    }
  };
  walk(dir, '');
  return out.sort(cmp);
}

function sha256(data: string | Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/** Writes all of `data` to an open file (a write may take part of it). */
function writeAll(fd: number, data: Buffer): void {
  for (let at = 0; at < data.length;) at += fs.writeSync(fd, data, at, data.length - at);
}
