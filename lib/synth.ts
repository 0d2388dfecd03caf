/**
 * Host-neutral synthesis: declaration → plan → per-cluster manifests of every layer the
 * cluster runs. The cdk8s and Pulumi hosts, the CLI and the analysis `verify` all start here.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { ArgCheck, isDate, isRecord } from './core/entry';
import { applyAcknowledgements, BulkheadError, cmp, Problem, sortProblems } from './core/errors';
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
  const check = new ArgCheck();
  const opts = checkSynthesisArgs(check, { topology: 'synthesize(topology)', options: 'synthesize(options)', prefix: 'options.' }, topology, options);
  if (!Topology.isTopology(topology)) check.throwIfAny('synthesize');
  topology.markRendered();
  const { plan, problems } = planWithProblems(topology, { now: opts?.now as Date | undefined });
  if (check.problems.length > 0) throw new BulkheadError(dedupe(sortProblems([...check.problems, ...problems.filter(isError)])));
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
  return { plan, clusters, warnings: applyAcknowledgements(dedupe(sortProblems(warnings)), topology.acknowledgedCodes, topology.node.path) };
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
 * of renderers keyed by layer names. `now` is checked by the planner (`BH-NOW`). Returns the
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
 * objects without a Bulkhead layer label go to `app.yaml`), and a record of what it wrote
 * (`<outdir>/.bulkhead-manifest.json`: every file and the SHA-256 of its content).
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
 * Every problem is found before anything is written. The files are written to a staging folder
 * next to `outdir` first, then moved into place one by one (each file is replaced whole, never
 * half-written); a new folder is moved into place at once. Folders and files get the usual
 * permissions (the process umask), not those of a temporary folder.
 *
 * @returns the files written, relative to `outdir`, sorted
 * @throws BulkheadError when the folder holds files Bulkhead did not write, or edited ones
 */
export function writeManifests(folders: readonly ManifestFolder[], outdir: string): string[] {
  checkWriteArgs(folders, outdir);
  const target = path.resolve(outdir);
  const shown = outdir;
  const content = new Map<string, string>();
  for (const c of folders) {
    const byLayer = new Map<string, KubeManifest[]>();
    for (const m of c.manifests) byLayer.set(layerOf(m), [...(byLayer.get(layerOf(m)) ?? []), m]);
    for (const [layer, ms] of [...byLayer.entries()].sort(([a], [b]) => cmp(a, b))) content.set(`${c.name}/${layer}.yaml`, toYaml(ms));
  }
  const files = [...content.keys()].sort(cmp);
  const record: OutputRecord = { generator: 'bulkhead', version: 1, files: Object.fromEntries(files.map((f) => [f, sha256(content.get(f)!)])) };
  const recordText = JSON.stringify(record, null, 2) + '\n';

  const problem = (code: string, where: string, message: string, fix: string, value?: string): Problem => ({ severity: 'error', code, path: where, message, ...(value === undefined ? {} : { value }), fix });
  const fail = (problems: Problem[]): never => {
    throw new BulkheadError(problems, `${problems.length} problem${problems.length === 1 ? '' : 's'} with the output folder ${shown}:`);
  };
  const io = <T>(what: string, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof BulkheadError) throw e;
      return fail([problem(OUTPUT_CODES.write, shown, `cannot ${what}: ${(e as Error).message}`, 'check the output path and its permissions')]);
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

  // every problem before anything is written
  const problems: Problem[] = [];
  const recorded = previous?.files ?? {};
  for (const f of files) {
    const abs = path.join(target, ...f.split('/'));
    if (!fs.existsSync(abs)) continue;
    const now = io(`read ${f}`, () => fs.readFileSync(abs, 'utf8'));
    if (!(f in recorded)) {
      if (now !== content.get(f)) problems.push(problem(OUTPUT_CODES.overwrite, path.join(shown, f), 'the file exists and was not written by Bulkhead: synthesis would overwrite it', 'move the file away (or write the synthesis to another folder)'));
    } else if (sha256(now) !== recorded[f] && now !== content.get(f)) {
      problems.push(problem(OUTPUT_CODES.edited, path.join(shown, f), 'the file was edited since Bulkhead wrote it: synthesis would lose the edit', 'put the change into the declaration (or keep a copy elsewhere), delete the file, and synthesize again'));
    }
  }
  const stale = Object.keys(recorded).filter((f) => !content.has(f)).sort(cmp);
  for (const f of stale) {
    const abs = path.join(target, ...f.split('/'));
    if (!fs.existsSync(abs)) continue;
    const now = io(`read ${f}`, () => fs.readFileSync(abs));
    if (sha256(now) !== recorded[f]) problems.push(problem(OUTPUT_CODES.edited, path.join(shown, f), 'the file is no longer produced, but was edited since Bulkhead wrote it: synthesis would delete the edit', 'move the file out of the folder, and synthesize again'));
  }
  if (problems.length > 0) fail(problems);

  // stage everything next to the output folder (same file system: renames are atomic)
  const parent = path.dirname(target);
  io('create the parent folder', () => fs.mkdirSync(parent, { recursive: true }));
  const staging = io('create a staging folder', () => {
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
    io('write the manifests', () => {
      for (const f of files) {
        const abs = path.join(staging, ...f.split('/'));
        fs.mkdirSync(path.dirname(abs), { recursive: true });
        fs.writeFileSync(abs, content.get(f)!);
      }
      fs.writeFileSync(path.join(staging, OUTPUT_RECORD_FILE), recordText);
    });
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
    fs.rmSync(staging, { recursive: true, force: true });
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
        if (name === '.' || name === '..' || /[\/\\\0]/.test(name) || name === OUTPUT_RECORD_FILE) {
          check.error('BH-OUT-NAME', where, `the folder name of folders[${i}] is not one plain path segment: its files would be written outside their own folder`, name, "name the folder after its cluster, without '/', '\\' or '..' (such as 'eks')");
        } else if (names.has(name)) {
          check.error('BH-OUT-NAME', where, `two folders are named '${name}': the files of one would replace those of the other`, name, 'give every folder its own name (one folder per cluster)');
        }
        names.add(name);
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
