/**
 * The manifest loader: reads Kubernetes manifests (YAML with many documents, or JSON) from
 * files, folders or memory, and finds the workloads, namespaces and policy objects in them.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as jsyaml from 'js-yaml';
import { ArgCheck } from '../core/entry';
import { BULKHEAD_KUSTOMIZATION_MARKER } from '../gitops/marker';
import { Problem } from '../core/errors';
import { AnalysisInputError, INPUT_CODES, InputLocation, ProblemSet, inputError, inputWarning, showValue } from './errors';
import { L4Protocol } from './portset';
import { checkAgainstSchema, crdKind, schemaOf } from './schema';
import { isRecord } from './selector';
import { ContainerPort, SourceRef, WorkloadEndpoint } from './types';
import { readWaypoint } from './simulators/istio/waypoint';

/** One Kubernetes object of the input, with where it came from. */
export interface ManifestObject {
  /** `apiVersion`, such as `networking.k8s.io/v1`. */
  readonly apiVersion: string;
  /** `kind`, such as `NetworkPolicy`. */
  readonly kind: string;
  /** `metadata.name`. */
  readonly name: string;
  /** `metadata.namespace`; `default` when a namespaced object omits it; absent for cluster-scoped kinds. @default - none for cluster-scoped kinds */
  readonly namespace?: string;
  /** The object as parsed. */
  readonly raw: Readonly<Record<string, unknown>>;
  /** Where it came from. */
  readonly source: SourceRef;
}

/** What the loader found. */
export interface LoadedManifests {
  /** Every object with an apiVersion and a kind (List wrappers unwrapped), in input order. */
  readonly objects: readonly ManifestObject[];
  /** The workloads (endpoints), sorted by id. */
  readonly workloads: readonly WorkloadEndpoint[];
  /** Every namespace that holds a workload or an object, or has a Namespace object, with its labels. */
  readonly namespaces: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Things the loader skipped, dropped or could not be sure of (warnings and information), sorted. */
  readonly warnings: readonly Problem[];
  /** Pods reported as their controlling owner: `ns/pod-name` → the owner's workload id. @default - none */
  readonly podOwners?: Readonly<Record<string, string>>;
}

/** The label Kubernetes puts on every namespace. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** Workload kinds that are endpoints. */
export const WORKLOAD_KINDS: readonly string[] = ['CronJob', 'DaemonSet', 'Deployment', 'Job', 'Pod', 'ReplicaSet', 'ReplicationController', 'StatefulSet'];

/** API groups whose kinds may be workloads (core, apps, extensions, batch). */
const WORKLOAD_GROUPS = new Set(['', 'apps', 'extensions', 'batch']);

/** Kinds that are cluster-scoped, so `metadata.namespace` does not default to `default`. */
const CLUSTER_SCOPED_KINDS = new Set([
  'AdminNetworkPolicy',
  'BaselineAdminNetworkPolicy',
  'CiliumClusterwideNetworkPolicy',
  'ClusterFederatedTrustDomain',
  'ClusterNetworkPolicy',
  'ClusterRole',
  'ClusterRoleBinding',
  'ClusterSPIFFEID',
  'ClusterStaticEntry',
  'CustomResourceDefinition',
  'GlobalNetworkPolicy',
  'Namespace',
  'Node',
  'PersistentVolume',
  'StorageClass',
]);

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** The file names of Bulkhead's own output layout (`<dir>/<cluster>/<layer>.yaml`). */
const BULKHEAD_LAYER_FILES = new Set(['app.yaml', 'kubernetes.yaml', 'cluster-network-policy.yaml', 'cilium.yaml', 'istio.yaml', 'spire.yaml']);

/** The record Bulkhead writes into an output folder. */
const OUTPUT_RECORD = '.bulkhead-manifest.json';

/** Options of {@link loadManifests} and {@link loadObjects}. */
export interface LoadOptions {
  /**
   * Strict mode: every loader warning (an unknown field, a missing required field, a policy
   * kind that is not simulated, a template skipped, …) is an error, and all of them are
   * reported at once.
   * @default false
   */
  readonly strict?: boolean;
  /**
   * Check every object against the upstream schema of its kind (generated from the Kubernetes
   * OpenAPI schema and the upstream CRDs; the standard channel for network-policy-api). Turn it
   * off for clusters whose CRDs define more fields (an experimental channel, a newer release):
   * then no field is dropped and no object is left out for a missing field.
   * @default true
   */
  readonly checkSchemas?: boolean;
}

/**
 * Loads manifests from files and folders. A folder is read recursively (files ending in
 * `.yaml`, `.yml` or `.json`, in sorted order; entries starting with `.` are skipped).
 *
 * The loader analyses what the API server would store:
 *
 * - a field the upstream schema of the kind does not define is dropped, with a warning
 *   (`kubectl apply` rejects such an object by default: server-side field validation `Strict`);
 * - an object missing a required field (such as a container port without `containerPort`) is
 *   left out, with a warning: the API server rejects it;
 * - policy kinds the analysis does not simulate (Calico, Linkerd, Gateway API, cloud firewalls)
 *   are kept but not simulated, with a warning;
 * - `kustomization.yaml`, `values*.yaml` and Helm charts (a folder with `Chart.yaml`) are
 *   skipped with a warning: render them first;
 * - a folder holding the output of several clusters in Bulkhead's layout
 *   (`<dir>/<cluster>/<layer>.yaml`) is refused: each cluster is analysed on its own.
 *
 * With `strict`, every warning is an error.
 *
 * @param paths folders and files
 * @param options @default - not strict
 * @throws AnalysisInputError when a path cannot be read or an object is malformed
 */
export function loadManifests(paths: readonly string[], options: LoadOptions = {}): LoadedManifests {
  const check = new ArgCheck();
  check.textList('loadManifests(paths)', 'paths', paths, "['deploy/'] (folders and manifest files)");
  checkLoadOptions(check, 'loadManifests(options)', options);
  check.throwIfAny('loadManifests');
  if (paths.length === 0) {
    throw new AnalysisInputError({ message: 'no manifest files or folders were given', fix: 'pass at least one folder or file of Kubernetes manifests' });
  }
  const files: string[] = [];
  const seen = new Set<string>();
  const warnings = new ProblemSet();
  for (const p of paths) {
    const listed = listFiles(p, warnings);
    if (listed.length === 0) {
      warnings.warn(INPUT_CODES.empty, p, 'no manifest file (.yaml, .yml or .json) was found', 'pass the folder that holds the rendered manifests');
    }
    for (const f of listed) {
      const key = path.resolve(f);
      if (!seen.has(key)) {
        seen.add(key);
        files.push(f);
      }
    }
  }
  const docs: RawDoc[] = [];
  for (const f of files) docs.push(...readFile(f));
  return build(docs, warnings, options);
}

/**
 * Loads objects already in memory (parsed manifests), for tests and for programs that
 * synthesize manifests. Each element is one object or a List wrapper; `null` is skipped.
 *
 * @param objects the parsed objects
 * @param sourceName the name used in error messages and explanations @default 'memory'
 * @param options @default - not strict
 * @throws AnalysisInputError when an object is malformed
 */
export function loadObjects(objects: readonly unknown[], sourceName: string = 'memory', options: LoadOptions = {}): LoadedManifests {
  const check = new ArgCheck();
  check.list('loadObjects(objects)', 'objects', objects, '[deployment, networkPolicy] (parsed Kubernetes objects)');
  check.text('loadObjects(sourceName)', 'sourceName', sourceName, "'memory' (the name shown in problems)", { empty: true });
  checkLoadOptions(check, 'loadObjects(options)', options);
  check.throwIfAny('loadObjects');
  return build(objects.map((value, index) => ({ value, source: { file: sourceName, index } })), new ProblemSet(), options);
}

/** The options of the loader: two booleans. */
function checkLoadOptions(check: ArgCheck, where: string, options: unknown): void {
  const o = check.options(where, 'options', options, '{ strict: true }');
  if (!o) return;
  check.bool(where, 'options.strict', o.strict);
  check.bool(where, 'options.checkSchemas', o.checkSchemas);
}

interface RawDoc {
  readonly value: unknown;
  readonly source: SourceRef;
}

function listFiles(p: string, warnings: ProblemSet): string[] {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch (e) {
    return inputError({ code: INPUT_CODES.read }, `cannot read ${JSON.stringify(p)}: ${(e as Error).message}`, undefined, 'pass an existing folder or manifest file');
  }
  if (st.isFile()) return renderFirst(p, warnings) ? [] : [p];
  if (!st.isDirectory()) return inputError({ code: INPUT_CODES.read }, `${JSON.stringify(p)} is neither a file nor a folder`, undefined, 'pass a folder or a manifest file');
  refuseSeveralClusters(p);
  const out: string[] = [];
  const visited = new Set<string>();
  const walk = (dir: string): void => {
    let real: string;
    let entries: fs.Dirent[];
    try {
      real = fs.realpathSync(dir);
      entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch (e) {
      return inputError({ code: INPUT_CODES.read }, `cannot read the folder ${JSON.stringify(dir)}: ${(e as Error).message}`, undefined, 'check the folder exists and is readable');
    }
    if (visited.has(real)) return; // a link back into a folder already read
    visited.add(real);
    if (entries.some((e) => e.name === 'Chart.yaml' || e.name === 'Chart.yml')) {
      warnings.warn(INPUT_CODES.renderFirst, dir, 'a Helm chart (Chart.yaml) is not manifests; the folder is skipped', `render it first, for example: helm template ${dir} > rendered.yaml, and analyse the output`);
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const full = path.join(dir, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        try {
          const t = fs.statSync(full);
          isDir = t.isDirectory();
          isFile = t.isFile();
        } catch {
          continue; // a dangling link
        }
      }
      if (isDir) walk(full);
      else if (isFile && MANIFEST_EXTENSIONS.has(path.extname(e.name).toLowerCase()) && !renderFirst(full, warnings)) out.push(full);
    }
  };
  walk(p);
  return out;
}

/**
 * Whether a kustomization is one Bulkhead's GitOps output wrote beside its own layer files: its
 * first line is the Bulkhead marker, and where an output record of Bulkhead in a folder above
 * lists the file, the file is as recorded (an edited one may patch the objects: it is foreign).
 * Its patches only add GitOps annotations or split the folder into stages, so the layer files
 * beside it are the objects it applies.
 */
function isBulkheadKustomization(file: string): boolean {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  if (text.split('\n', 1)[0] !== BULKHEAD_KUSTOMIZATION_MARKER) return false;
  for (let dir = path.dirname(path.resolve(file)); ; dir = path.dirname(dir)) {
    const record = path.join(dir, OUTPUT_RECORD);
    if (fs.existsSync(record)) {
      try {
        const files = (JSON.parse(fs.readFileSync(record, 'utf8')) as { files?: Record<string, unknown> }).files ?? {};
        const recorded = files[path.relative(dir, path.resolve(file)).split(path.sep).join('/')];
        if (recorded !== undefined) return recorded === crypto.createHash('sha256').update(text).digest('hex');
      } catch {
        return false;
      }
    }
    if (path.dirname(dir) === dir) return true;
  }
}

/** Skips (with a warning) the files that must be rendered before analysis: kustomizations and Helm values. Bulkhead's own kustomizations are skipped silently. */
function renderFirst(file: string, warnings: ProblemSet): boolean {
  const base = path.basename(file).toLowerCase();
  if (base === 'kustomization.yaml' || base === 'kustomization.yml' || base === 'kustomization.json') {
    if (isBulkheadKustomization(file)) return true;
    warnings.warn(INPUT_CODES.renderFirst, file, 'a kustomization is not a manifest; it is skipped (the other files of its folder are read as they are, without its patches)', `render it first, for example: kubectl kustomize ${path.dirname(file)} > rendered.yaml, and analyse the output`);
    return true;
  }
  if (/^values([.-].*)?\.ya?ml$/.test(base) || base === 'chart.yaml' || base === 'chart.yml') {
    warnings.warn(INPUT_CODES.renderFirst, file, 'Helm chart files are not manifests; the file is skipped', 'render the chart first, for example: helm template <chart> -f values.yaml > rendered.yaml, and analyse the output');
    return true;
  }
  return false;
}

/**
 * Refuses a folder that holds the output of several clusters in Bulkhead's layout
 * (`<dir>/<cluster>/<layer>.yaml`, or a Bulkhead output record naming several cluster folders):
 * merging them would analyse the workloads of different clusters as one cluster.
 */
function refuseSeveralClusters(dir: string): void {
  let clusters: string[] = [];
  try {
    const record = path.join(dir, OUTPUT_RECORD);
    if (fs.existsSync(record)) {
      const parsed = JSON.parse(fs.readFileSync(record, 'utf8')) as { files?: Record<string, unknown> };
      clusters = [...new Set(Object.keys(parsed.files ?? {}).filter((f) => f.includes('/')).map((f) => f.split('/')[0]))];
    } else {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (!e.isDirectory() || e.name.startsWith('.')) continue;
        const inner = fs.readdirSync(path.join(dir, e.name));
        if (inner.length > 0 && inner.every((f) => BULKHEAD_LAYER_FILES.has(f) || f.startsWith('.'))) clusters.push(e.name);
      }
    }
  } catch {
    return; // unreadable parts are reported when they are read
  }
  if (clusters.length < 2) return;
  clusters.sort();
  inputError(
    { code: INPUT_CODES.multiCluster },
    `${JSON.stringify(dir)} holds the manifests of ${clusters.length} clusters (${clusters.join(', ')}); analysing them together would merge different clusters into one`,
    dir,
    `analyse one cluster at a time, for example: ${clusters.slice(0, 2).map((c) => path.join(dir, c)).join(' and ')}`,
  );
}

function readFile(file: string): RawDoc[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return inputError({ code: INPUT_CODES.read }, `cannot read ${JSON.stringify(file)}: ${(e as Error).message}`, undefined, 'check the file exists and is readable');
  }
  if (path.extname(file).toLowerCase() === '.json') {
    let value: unknown;
    try {
      value = text.trim().length === 0 ? null : JSON.parse(text);
    } catch (e) {
      return inputError({ source: { file, index: 0 }, code: INPUT_CODES.syntax }, `not valid JSON: ${(e as Error).message}`, undefined, 'fix the JSON syntax');
    }
    if (Array.isArray(value)) return value.map((v, index) => ({ value: v, source: { file, index } }));
    return [{ value, source: { file, index: 0 } }];
  }
  return parseYaml(text, file).map((value, index) => ({ value, source: { file, index } }));
}


/**
 * Parses the documents of a YAML file. A syntax error names the document and the line and
 * column. Aliases are not copied by the parser, but whoever walks the result sees every
 * alias expanded: a file whose documents expand to far more nodes than its text could hold
 * (an alias bomb) is refused.
 */
function parseYaml(text: string, file: string): unknown[] {
  let docs: unknown[];
  try {
    // js-yaml parses large manifest files many times faster than `yaml` (the library's writer); its default schema is the safe one.
    docs = jsyaml.loadAll(text, undefined, { filename: file, schema: jsyaml.DEFAULT_SCHEMA });
  } catch (e) {
    const err = e as jsyaml.YAMLException;
    const pos = err.mark?.position ?? 0;
    const line = err.mark ? ` at line ${err.mark.line + 1}, column ${err.mark.column + 1}` : '';
    const message = (err.reason ?? err.message).split('\n')[0];
    return inputError({ source: { file, index: documentIndexAt(text, pos) }, code: INPUT_CODES.syntax }, `not valid YAML${line}: ${message}`, undefined, 'fix the YAML syntax (templates must be rendered before analysis)');
  }
  let budget = 10 * text.length + 10_000;
  docs.forEach((doc, index) => {
    budget = expandedBudget(doc, budget);
    if (budget < 0) {
      inputError({ source: { file, index }, code: INPUT_CODES.syntax }, 'cannot read the YAML document: its aliases expand to far more data than the file holds', undefined, 'write the repeated parts out, or use fewer nested aliases');
    }
  });
  return docs;
}

/** The 0-based index of the document holding a character offset (from the `---` and `...` markers). */
function documentIndexAt(text: string, pos: number): number {
  let index = 0;
  let started = false; // the current document has begun (a marker or content)
  let ended = false; // the current document was closed by `...`
  let offset = 0;
  for (const line of text.split('\n')) {
    if (offset > pos) break;
    if (/^---(\s|$)/.test(line)) {
      if (started) index++;
      started = true; // the marker starts a document, even an empty one
      ended = false;
    } else if (/^\.\.\.(\s|$)/.test(line)) {
      ended = true;
    } else if (!/^\s*(#.*)?$/.test(line) && !line.startsWith('%')) {
      if (ended) index++;
      started = true;
      ended = false;
    }
    offset += line.length + 1;
  }
  return index;
}

/** What is left of `budget` after counting the nodes of a value, aliases expanded; negative when exhausted. */
function expandedBudget(value: unknown, budget: number): number {
  const stack: unknown[] = [value];
  let left = budget;
  while (stack.length > 0) {
    const v = stack.pop();
    if (--left < 0) return left;
    if (Array.isArray(v)) for (const x of v) stack.push(x);
    else if (typeof v === 'object' && v !== null) for (const x of Object.values(v)) stack.push(x);
  }
  return left;
}

interface PendingOwned {
  readonly owner: { readonly kind: string; readonly name: string };
  readonly pod: ManifestObject;
}

function build(docs: readonly RawDoc[], warnings: ProblemSet, options: LoadOptions): LoadedManifests {
  const collected: ManifestObject[] = [];
  for (const d of docs) collect(d.value, d.source, undefined, collected, warnings);
  const objects = collected.map((o) => stored(o, warnings, options.checkSchemas ?? true)).filter((o): o is ManifestObject => o !== undefined);

  // duplicates are ambiguous: the analysis would have to guess which one is applied
  const byKey = new Map<string, ManifestObject>();
  for (const o of objects) {
    const key = `${group(o.apiVersion)}|${o.kind}|${o.namespace ?? ''}|${o.name}`;
    const prev = byKey.get(key);
    if (prev) {
      inputError(
        { source: o.source, object: describe(o), code: INPUT_CODES.duplicate },
        `the same object is also defined in ${prev.source.file} (document ${prev.source.index + 1})`,
        undefined,
        'remove one of the two definitions, or analyse the folders separately',
      );
    }
    byKey.set(key, o);
  }

  const namespaces = new Map<string, Record<string, string>>();
  const nsOf = (name: string): Record<string, string> => {
    let l = namespaces.get(name);
    if (!l) {
      l = { [NAMESPACE_NAME_LABEL]: name };
      namespaces.set(name, l);
    }
    return l;
  };
  for (const o of objects) {
    if (o.kind === 'Namespace' && group(o.apiVersion) === '') {
      const meta = o.raw.metadata as Record<string, unknown>;
      const labels = readLabels(meta.labels, { source: o.source, object: describe(o), field: 'metadata.labels' });
      const l = nsOf(o.name);
      Object.assign(l, labels, { [NAMESPACE_NAME_LABEL]: o.name });
    } else if (o.namespace !== undefined) {
      nsOf(o.namespace);
    }
  }

  const workloads = new Map<string, WorkloadEndpoint>();
  const owned: PendingOwned[] = [];
  for (const o of objects) {
    if (!WORKLOAD_KINDS.includes(o.kind)) continue;
    if (!WORKLOAD_GROUPS.has(group(o.apiVersion))) {
      warnings.add(inputWarning({ source: o.source, object: describe(o) }, INPUT_CODES.notWorkload, `${describe(o)} has apiVersion ${o.apiVersion}, not a Kubernetes workload API; ignored`, 'nothing to do if it is not a workload; otherwise render it to the Kubernetes workload it stands for', undefined, 'info'));
      continue;
    }
    if (o.kind === 'Pod') {
      const owner = controllingOwner(o);
      if (owner) {
        owned.push({ owner, pod: o });
        continue;
      }
    }
    const ns = o.namespace ?? 'default';
    const w = workloadOf(o, o.kind, o.name, ns, nsOf(ns), warnings);
    workloads.set(w.id, w);
  }
  // pods with a controlling owner are reported as the owner (unless the owner itself is in the input)
  owned.sort((a, b) => cmp(a.pod.name, b.pod.name));
  const podOwners: Record<string, string> = {};
  for (const { owner, pod } of owned) {
    const ns = pod.namespace ?? 'default';
    const w = workloadOf(pod, owner.kind, owner.name, ns, nsOf(ns), warnings);
    podOwners[`${ns}/${pod.name}`] = w.id;
    // the owner object in the input (or an earlier pod of the same owner) already stands for it
    if (workloads.has(w.id)) continue;
    workloads.set(w.id, { ...w, source: pod.source });
  }

  const nsRecord: Record<string, Readonly<Record<string, string>>> = {};
  for (const name of [...namespaces.keys()].sort()) nsRecord[name] = sortRecord(namespaces.get(name)!);
  // namespace labels are final only now: attach them to the workloads
  const sorted = [...workloads.values()]
    .map((w) => ({ ...w, namespaceLabels: nsRecord[w.namespace] }))
    .sort((a, b) => cmp(a.id, b.id));
  // cloud-layer objects (security groups) have endpoints of their own: their members
  if (sorted.length === 0 && collected.length > 0 && !collected.some((o) => group(o.apiVersion) === 'ec2.aws.upbound.io')) {
    warnings.warn(INPUT_CODES.empty, docs[0]?.source.file ?? 'input', 'the input holds no workload (Deployment, StatefulSet, DaemonSet, Job, CronJob, ReplicaSet, ReplicationController or Pod): every connection list is empty', 'add the workload manifests next to the policies');
  }
  const problems = warnings.list();
  if (options.strict) {
    const strict = problems.filter((p) => p.severity === 'warning').map((p) => ({ ...p, severity: 'error' as const }));
    if (strict.length > 0) {
      const [first, ...rest] = strict;
      throw new AnalysisInputError({ message: first.message, fix: first.fix, code: first.code, object: first.path, ...(first.value === undefined ? {} : { value: first.value }) }, rest);
    }
  }
  return { objects, workloads: sorted, namespaces: nsRecord, warnings: problems, podOwners };
}

/**
 * What the API server would store of an object: unknown fields dropped (a warning each), or
 * nothing when a required field is missing (a warning). Policy kinds that are not simulated
 * get a warning.
 */
function stored(o: ManifestObject, warnings: ProblemSet, checkSchemas: boolean): ManifestObject | undefined {
  const at = { source: o.source, object: describe(o) };
  const schema = checkSchemas ? schemaOf(o.apiVersion, o.kind) : undefined;
  const crd = crdKind(group(o.apiVersion), o.kind);
  // an ambient waypoint (Gateway of class istio-waypoint) is read by the Istio simulator
  if (crd && !crd.simulated && !readWaypoint(o.raw)) {
    // also for a kind Bulkhead emits and whose schema is checked (the EKS SecurityGroupPolicy)
    warnings.add(inputWarning(at, INPUT_CODES.notSimulated, `${o.kind} (${crd.group}) is a policy kind the analysis does not simulate; what it allows or denies is not part of the results`, 'analyse this policy with its own tools, or express it in a simulated kind (NetworkPolicy, ClusterNetworkPolicy, AdminNetworkPolicy, Cilium or Istio policies)'));
  }
  if (schema === undefined) {
    const version = o.apiVersion.slice(o.apiVersion.indexOf('/') + 1);
    if (checkSchemas && crd && crd.simulated && !crd.versions.includes(version)) {
      warnings.add(inputWarning(at, INPUT_CODES.version, `the upstream CRD of ${o.kind} serves ${crd.versions.map((v) => `${crd.group}/${v}`).join(', ')}, not ${o.apiVersion}: a cluster with that CRD rejects the object; the analysis reads it without checking its fields`, `write apiVersion ${crd.group}/${crd.versions[crd.versions.length - 1]}`));
    }
    return o;
  }
  const check = checkAgainstSchema(o.raw, schema);
  for (const field of check.unknown) {
    warnings.add(inputWarning(
      { ...at, field },
      INPUT_CODES.unknownField,
      `${o.apiVersion} ${o.kind} has no field ${JSON.stringify(lastSegment(field))} here; the API server would not store it, so the analysis drops it (kubectl apply rejects the object by default: server-side field validation Strict)`,
      'remove the field or correct its spelling (see kubectl explain)',
    ));
  }
  if (check.missing.length > 0) {
    for (const field of check.missing) {
      warnings.add(inputWarning(
        { ...at, field },
        INPUT_CODES.required,
        `the required field ${JSON.stringify(lastSegment(field))} is missing: the API server rejects the object, so the analysis leaves it out`,
        `set ${field}`,
      ));
    }
    return undefined;
  }
  return check.unknown.length === 0 ? o : { ...o, raw: check.value as Record<string, unknown> };
}

function collect(value: unknown, source: SourceRef, listKind: { kind: string; apiVersion: string } | undefined, out: ManifestObject[], warnings: ProblemSet): void {
  if (value === null || value === undefined) return;
  if (!isRecord(value)) {
    inputError({ source }, 'a document must be a Kubernetes object (a mapping with apiVersion, kind and metadata)', value, 'remove the document or write it as a Kubernetes object');
  }
  let kind = value.kind;
  let apiVersion = value.apiVersion;
  if (kind === undefined && listKind) {
    kind = listKind.kind;
    if (apiVersion === undefined) apiVersion = listKind.apiVersion;
  }
  if (kind === undefined && apiVersion === undefined && !('metadata' in value)) {
    warnings.add(inputWarning({ source }, INPUT_CODES.notObject, 'not a Kubernetes object (no apiVersion or kind); skipped', 'remove the document, or render the template it belongs to'));
    return;
  }
  if (typeof kind !== 'string' || kind.length === 0) {
    inputError({ source }, 'the object has no kind', kind, 'set kind, for example kind: NetworkPolicy');
  }
  if (typeof apiVersion !== 'string' || apiVersion.length === 0) {
    inputError({ source, object: kind }, 'the object has no apiVersion', apiVersion, 'set apiVersion, for example apiVersion: networking.k8s.io/v1');
  }
  if (kind === 'List' || (kind.endsWith('List') && Array.isArray(value.items))) {
    const items = value.items ?? [];
    if (!Array.isArray(items)) inputError({ source, object: kind, field: 'items' }, 'items of a List must be a list', items, 'write items: [ ... ]');
    const itemKind = kind === 'List' ? undefined : { kind: kind.slice(0, -'List'.length), apiVersion };
    for (const item of items) collect(item, source, itemKind, out, warnings);
    return;
  }
  const meta = value.metadata;
  if (!isRecord(meta)) inputError({ source, object: kind, field: 'metadata' }, 'the object has no metadata', meta, 'add metadata with at least a name');
  const name = meta.name;
  if (typeof name !== 'string' || name.length === 0) {
    inputError({ source, object: kind, field: 'metadata.name' }, 'the object has no name', name, 'set metadata.name');
  }
  const rawNs = meta.namespace;
  if (rawNs !== undefined && rawNs !== null && (typeof rawNs !== 'string' || rawNs.length === 0)) {
    inputError({ source, object: `${kind} ${name}`, field: 'metadata.namespace' }, 'metadata.namespace must be a non-empty string', rawNs, 'set the namespace name, or remove the field to use default');
  }
  const clusterScoped = CLUSTER_SCOPED_KINDS.has(kind) || crdKind(group(apiVersion), kind)?.namespaced === false;
  const namespace = clusterScoped ? undefined : typeof rawNs === 'string' ? rawNs : 'default';
  out.push({ apiVersion, kind, name, namespace, raw: { ...value, kind, apiVersion }, source });
}

function controllingOwner(o: ManifestObject): { kind: string; name: string } | undefined {
  const meta = o.raw.metadata as Record<string, unknown>;
  const refs = meta.ownerReferences;
  if (refs === undefined || refs === null) return undefined;
  const at = { source: o.source, object: describe(o), field: 'metadata.ownerReferences' };
  if (!Array.isArray(refs)) return inputError(at, 'ownerReferences must be a list', refs, 'write ownerReferences as a list of {apiVersion, kind, name, uid, controller}');
  for (const r of refs) {
    if (!isRecord(r) || r.controller !== true) continue;
    if (typeof r.kind !== 'string' || typeof r.name !== 'string' || r.kind.length === 0 || r.name.length === 0) {
      inputError(at, 'a controlling owner reference needs a kind and a name', r, 'set kind and name on the owner reference');
    }
    if (r.kind === 'Node') return undefined;
    return { kind: r.kind, name: r.name };
  }
  return undefined;
}

function workloadOf(o: ManifestObject, kind: string, name: string, ns: string, nsLabels: Record<string, string>, warnings: ProblemSet): WorkloadEndpoint {
  const obj = describe(o);
  const at = (field: string): InputLocation => ({ source: o.source, object: obj, field });
  let template: Record<string, unknown>;
  let base: string;
  if (o.kind === 'Pod') {
    template = o.raw as Record<string, unknown>;
    base = '';
  } else {
    const spec = o.raw.spec;
    if (!isRecord(spec)) return inputError(at('spec'), `a ${o.kind} needs a spec`, spec, 'add the spec with its pod template');
    let tpl: unknown;
    if (o.kind === 'CronJob') {
      const jt = spec.jobTemplate;
      const jts = isRecord(jt) ? jt.spec : undefined;
      tpl = isRecord(jts) ? jts.template : undefined;
      base = 'spec.jobTemplate.spec.template.';
    } else {
      tpl = spec.template;
      base = 'spec.template.';
    }
    if (!isRecord(tpl)) return inputError(at(base.slice(0, -1)), `a ${o.kind} needs a pod template`, tpl, 'add the pod template (metadata.labels and spec.containers)');
    template = tpl;
  }
  const meta = template.metadata;
  const labels = readLabels(isRecord(meta) ? meta.labels : undefined, at(`${base}metadata.labels`));
  const podSpec = template.spec;
  if (!isRecord(podSpec)) return inputError(at(`${base}spec`), 'the pod needs a spec', podSpec, 'add spec.containers');
  const sa = podSpec.serviceAccountName ?? podSpec.serviceAccount ?? 'default';
  if (typeof sa !== 'string' || sa.length === 0) return inputError(at(`${base}spec.serviceAccountName`), 'serviceAccountName must be a non-empty string', sa, 'set the service account name, or remove the field to use default');
  if (podSpec.hostNetwork === true) {
    warnings.add(inputWarning({ source: o.source, object: obj, field: `${base}spec.hostNetwork` }, INPUT_CODES.hostNetwork, `${obj} uses hostNetwork; NetworkPolicy does not apply to host-network pods, but the analysis treats it as an ordinary pod`, 'run the workload without hostNetwork, or check its traffic separately'));
  }
  const ports: ContainerPort[] = [];
  const readContainers = (list: unknown, field: string, sidecarsOnly: boolean): void => {
    if (list === undefined || list === null) return;
    if (!Array.isArray(list)) inputError(at(`${base}spec.${field}`), `${field} must be a list`, list, `write ${field} as a list of containers`);
    list.forEach((c: unknown, ci: number) => {
      if (!isRecord(c)) inputError(at(`${base}spec.${field}[${ci}]`), 'a container must be a mapping', c, 'write the container as a mapping with name, image and ports');
      if (sidecarsOnly && c.restartPolicy !== 'Always') return;
      const cp = c.ports;
      if (cp === undefined || cp === null) return;
      if (!Array.isArray(cp)) inputError(at(`${base}spec.${field}[${ci}].ports`), 'ports must be a list', cp, 'write ports: [{containerPort: 8080, name: http}]');
      cp.forEach((p: unknown, pi: number) => {
        const f = `${base}spec.${field}[${ci}].ports[${pi}]`;
        if (!isRecord(p)) inputError(at(f), 'a container port must be a mapping', p, 'write {containerPort: 8080, name: http}');
        const num = p.containerPort;
        if (typeof num !== 'number' || !Number.isInteger(num) || num < 1 || num > 65535) {
          inputError(at(`${f}.containerPort`), 'containerPort must be a whole number from 1 to 65535', num, 'set containerPort to the port the container listens on');
        }
        const proto = p.protocol ?? 'TCP';
        if (proto !== 'TCP' && proto !== 'UDP' && proto !== 'SCTP') inputError(at(`${f}.protocol`), 'unknown protocol', proto, 'use TCP, UDP or SCTP');
        const pname = p.name;
        if (pname !== undefined && pname !== null && (typeof pname !== 'string' || pname.length === 0)) {
          inputError(at(`${f}.name`), 'a port name must be a non-empty string', pname, 'name the port (IANA_SVC_NAME), for example http');
        }
        ports.push(typeof pname === 'string' ? { name: pname, port: num, protocol: proto as L4Protocol } : { port: num, protocol: proto as L4Protocol });
      });
    });
  };
  readContainers(podSpec.containers, 'containers', false);
  readContainers(podSpec.initContainers, 'initContainers', true);
  ports.sort((a, b) => a.port - b.port || cmp(a.protocol, b.protocol) || cmp(a.name ?? '', b.name ?? ''));
  const dedup = ports.filter((p, i) => i === 0 || JSON.stringify(p) !== JSON.stringify(ports[i - 1]));
  return {
    type: 'workload',
    id: `${ns}/${name}[${kind}]`,
    namespace: ns,
    name,
    kind,
    labels: sortRecord(labels),
    namespaceLabels: nsLabels,
    serviceAccount: sa,
    ports: dedup,
    source: o.source,
  };
}

function readLabels(v: unknown, at: InputLocation): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isRecord(v)) return inputError(at, 'labels must be a mapping of keys to string values', v, 'write labels: {app: web}');
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string') inputError({ ...at, field: `${at.field}.${k}` }, 'a label value must be a string', val, `quote the value: ${k}: "${typeof val === 'object' && val !== null ? showValue(val) : String(val)}"`);
    out[k] = val;
  }
  return out;
}

/** The last name of a field path: `spec.podSelectr` → `podSelectr`. */
function lastSegment(field: string): string {
  const m = /(?:^|\.)("(?:[^"\\]|\\.)*"|[^.[\]]+)(?:\[\d+\])*$/.exec(field);
  if (!m) return field;
  return m[1].startsWith('"') ? (JSON.parse(m[1]) as string) : m[1];
}

/** `Kind namespace/name` or `Kind name`, for messages. */
export function describe(o: Pick<ManifestObject, 'kind' | 'name' | 'namespace'>): string {
  return o.namespace === undefined ? `${o.kind} ${o.name}` : `${o.kind} ${o.namespace}/${o.name}`;
}

/** The API group of an apiVersion (`''` for the core group). */
export function group(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

function sortRecord(r: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k];
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
