/**
 * Drift: what committed manifests differ from what a declaration synthesizes. Each output
 * folder of the synthesis (a cluster, or a cloud account and region; per environment for an
 * Environments) is compared with the same folder of a committed tree, object by object:
 *
 * - `changed`: the object is in both, and some field differs (listed field by field);
 * - `missing`: the synthesis has it, the folder does not;
 * - `extra`: the folder has an object that carries Bulkhead's `app.kubernetes.io/managed-by`
 *   label and the synthesis does not produce (a left-over of an earlier declaration, or a copy);
 * - `foreign`: the folder has an object Bulkhead did not write (no managed-by label of
 *   Bulkhead's): listed, never treated as Bulkhead's, and no drift by itself.
 *
 * Objects are compared after normalization, so that what the YAML looks like does not count:
 * formatting and key order (objects are compared as parsed data), empty maps and lists against
 * absent ones, fields the API server writes (`status`, `metadata.uid`, `resourceVersion`,
 * `generation`, `creationTimestamp`, `managedFields`, `kubectl.kubernetes.io/last-applied-configuration`)
 * and fields it defaults (for example a NetworkPolicy port's `protocol: TCP`, its
 * `policyTypes`; an AuthorizationPolicy's `action: ALLOW`).
 *
 * @see https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { BulkheadError, Problem, cmp } from './core/errors';
import { LABELS } from './core/names';
import { MANAGED_BY } from './targets/common';
import { ManifestFolder } from './synth';

/** Codes of the drift check's own problems. */
export const DRIFT_CODES = {
  /** A committed folder or file cannot be read. */
  read: 'BH-DRIFT-READ',
  /** A committed file is not valid YAML or JSON. */
  syntax: 'BH-DRIFT-YAML',
  /** A committed document is not a Kubernetes object (no apiVersion, kind or metadata.name). */
  object: 'BH-DRIFT-OBJECT',
  /** The same object is committed twice in one folder. */
  duplicate: 'BH-DRIFT-DUPLICATE',
} as const;

/** One field that differs between the synthesized object and the committed one. */
export interface DriftField {
  /** The field, as a path such as `spec.ingress[0].ports[0].port`. */
  readonly path: string;
  /** `changed`: both have it, with different values; `added`: only the committed object has it; `removed`: only the synthesized one does. */
  readonly change: 'changed' | 'added' | 'removed';
  /** The synthesized value (normalized). @default - absent (an added field) */
  readonly expected?: unknown;
  /** The committed value (normalized). @default - absent (a removed field) */
  readonly actual?: unknown;
}

/** One object that drifted, or one foreign object. */
export interface DriftEntry {
  /** The output folder, relative to the committed tree (`eks`, `prod/eks-prod`, `aws/123456789012/eu-west-1`). */
  readonly folder: string;
  /** What happened to the object (see the module notes). */
  readonly status: 'changed' | 'missing' | 'extra' | 'foreign';
  /** The object's `apiVersion` (the committed one, when there is one). */
  readonly apiVersion: string;
  /** Its `kind`. */
  readonly kind: string;
  /** Its namespace. @default - none (a cluster-scoped object) */
  readonly namespace?: string;
  /** Its name. */
  readonly name: string;
  /** The committed file that holds it, relative to the committed tree. @default - none (a missing object) */
  readonly file?: string;
  /** For a changed object: the fields that differ, sorted by path. @default - none */
  readonly fields?: readonly DriftField[];
}

/** How one output folder compared. */
export interface DriftFolder {
  /** The folder, relative to the committed tree. */
  readonly folder: string;
  /** The committed folder that was read (as given on the command line, joined), or undefined when it does not exist. @default - none */
  readonly committed?: string;
  /** Objects the synthesis has for it. */
  readonly expected: number;
  /** Objects found in the committed folder (foreign ones included). */
  readonly found: number;
  /** Objects equal after normalization. */
  readonly unchanged: number;
}

/** The result of {@link compareFolders}. */
export interface DriftReport {
  /** True when nothing changed, nothing is missing and nothing extra (foreign objects do not count). */
  readonly ok: boolean;
  /** Per output folder, in the synthesis's order. */
  readonly folders: readonly DriftFolder[];
  /** Changed, missing and extra objects, sorted by folder, kind, namespace and name. */
  readonly drift: readonly DriftEntry[];
  /** Objects Bulkhead did not write, sorted the same way. */
  readonly foreign: readonly DriftEntry[];
}

/** A committed object, with the file it came from. */
export interface CommittedObject {
  /** The parsed object. */
  readonly object: Readonly<Record<string, unknown>>;
  /** The file, relative to the committed tree. */
  readonly file: string;
}

const SERVER_METADATA = ['creationTimestamp', 'deletionGracePeriodSeconds', 'deletionTimestamp', 'generation', 'managedFields', 'resourceVersion', 'selfLink', 'uid'];
const SERVER_ANNOTATIONS = ['kubectl.kubernetes.io/last-applied-configuration'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * An object as the comparison sees it: without what the API server writes, without empty maps
 * and lists or nulls, with the defaults the API server fills in filled in, keys sorted.
 */
export function normalizeObject(o: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(o)) as Record<string, unknown>;
  delete copy.status;
  if (isObject(copy.metadata)) {
    const m = copy.metadata;
    for (const k of SERVER_METADATA) delete m[k];
    if (isObject(m.annotations)) for (const k of SERVER_ANNOTATIONS) delete m.annotations[k];
  }
  applyDefaults(copy);
  return (prune(copy) ?? {}) as Record<string, unknown>;
}

/** The defaults the API server (or the CRD's schema) fills in, for the kinds Bulkhead emits. */
function applyDefaults(o: Record<string, unknown>): void {
  const spec = isObject(o.spec) ? o.spec : undefined;
  const group = typeof o.apiVersion === 'string' && o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
  if (!spec) return;
  const eachPort = (rules: unknown, field: string, fill: (p: Record<string, unknown>) => void): void => {
    if (!Array.isArray(rules)) return;
    for (const r of rules) if (isObject(r) && Array.isArray(r[field])) for (const p of r[field] as unknown[]) if (isObject(p)) fill(p);
  };
  if (o.kind === 'NetworkPolicy' && group === 'networking.k8s.io') {
    const tcp = (p: Record<string, unknown>) => { if (p.protocol === undefined) p.protocol = 'TCP'; };
    eachPort(spec.ingress, 'ports', tcp);
    eachPort(spec.egress, 'ports', tcp);
    // policyTypes: Ingress always, Egress when the policy has egress rules (the API server's default)
    if (spec.policyTypes === undefined) spec.policyTypes = Array.isArray(spec.egress) && spec.egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
    if (spec.podSelector === undefined) spec.podSelector = {};
  }
  if (o.kind === 'AuthorizationPolicy' && group.endsWith('istio.io') && spec.action === undefined) spec.action = 'ALLOW';
  if ((o.kind === 'CiliumNetworkPolicy' || o.kind === 'CiliumClusterwideNetworkPolicy') && group === 'cilium.io') {
    const any = (p: Record<string, unknown>) => { if (Array.isArray(p.ports)) for (const x of p.ports as unknown[]) if (isObject(x) && x.protocol === undefined) x.protocol = 'ANY'; };
    for (const dir of ['ingress', 'egress', 'ingressDeny', 'egressDeny']) eachPort(spec[dir], 'toPorts', any);
  }
}

/** Drops nulls, empty maps and empty lists (recursively) and sorts keys; undefined when nothing is left. */
function prune(v: unknown): unknown {
  if (v === null || v === undefined) return undefined;
  if (Array.isArray(v)) {
    const out = v.map((x) => prune(x) ?? {});
    return out.length === 0 ? undefined : out;
  }
  if (isObject(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort(cmp)) {
      const x = prune(v[k]);
      if (x !== undefined) out[k] = x;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return v;
}

/** The fields that differ between two normalized values, sorted by path. */
export function fieldDifferences(expected: unknown, actual: unknown, at = ''): DriftField[] {
  const out: DriftField[] = [];
  const walk = (a: unknown, b: unknown, p: string): void => {
    if (a === undefined && b === undefined) return;
    if (a === undefined) { out.push({ path: p, change: 'added', actual: b }); return; }
    if (b === undefined) { out.push({ path: p, change: 'removed', expected: a }); return; }
    if (Array.isArray(a) && Array.isArray(b)) {
      for (let i = 0; i < Math.max(a.length, b.length); i++) walk(a[i], b[i], `${p}[${i}]`);
      return;
    }
    if (isObject(a) && isObject(b)) {
      for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort(cmp)) walk(a[k], b[k], joinField(p, k));
      return;
    }
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ path: p, change: 'changed', expected: a, actual: b });
  };
  walk(expected, actual, at);
  return out;
}

/** A field path and a map key: `a.b` for a plain name, else quoted (`labels["app.kubernetes.io/name"]`). */
function joinField(p: string, k: string): string {
  if (!/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(k)) return `${p}[${JSON.stringify(k)}]`;
  return p === '' ? k : `${p}.${k}`;
}

interface Ident {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

function identOf(o: Readonly<Record<string, unknown>>): Ident | undefined {
  const m = isObject(o.metadata) ? o.metadata : undefined;
  if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string' || !m || typeof m.name !== 'string' || m.name === '') return undefined;
  return { apiVersion: o.apiVersion, kind: o.kind, name: m.name, ...(typeof m.namespace === 'string' && m.namespace !== '' ? { namespace: m.namespace } : {}) };
}

/** The key of an object: its API group (not its version), kind, namespace and name. */
function keyOf(i: Ident): string {
  const group = i.apiVersion.includes('/') ? i.apiVersion.split('/')[0] : '';
  return `${group}\u0000${i.kind}\u0000${i.namespace ?? ''}\u0000${i.name}`;
}

function isBulkheads(o: Readonly<Record<string, unknown>>): boolean {
  const m = isObject(o.metadata) ? o.metadata : undefined;
  return isObject(m?.labels) && m!.labels[LABELS.managedBy] === MANAGED_BY;
}

const byObject = (a: DriftEntry, b: DriftEntry): number => cmp(a.folder, b.folder) || cmp(a.kind, b.kind) || cmp(a.namespace ?? '', b.namespace ?? '') || cmp(a.name, b.name);

/**
 * Compares the objects of one folder: what the synthesis has (`expected`) with what is committed.
 *
 * @param folder the folder's name in the entries
 * @throws BulkheadError when a committed document is not an object or is committed twice
 */
export function compareObjects(folder: string, expected: readonly Readonly<Record<string, unknown>>[], committed: readonly CommittedObject[]): { entries: DriftEntry[]; unchanged: number } {
  const problems: Problem[] = [];
  const found = new Map<string, { ident: Ident; c: CommittedObject }>();
  for (const c of committed) {
    const ident = identOf(c.object);
    if (!ident) {
      problems.push({ severity: 'error', code: DRIFT_CODES.object, path: c.file, message: 'a committed document is not a Kubernetes object: it needs apiVersion, kind and metadata.name', value: JSON.stringify(c.object).slice(0, 120), fix: 'remove the document, or give it apiVersion, kind and metadata.name' });
      continue;
    }
    const key = keyOf(ident);
    const prev = found.get(key);
    if (prev) {
      problems.push({ severity: 'error', code: DRIFT_CODES.duplicate, path: c.file, message: `${ident.kind} ${ident.namespace ? `${ident.namespace}/` : ''}${ident.name} is committed twice in ${folder} (also in ${prev.c.file}): which one is applied depends on the order`, value: `${ident.kind} ${ident.namespace ?? ''}/${ident.name}`, fix: 'keep one copy of the object' });
      continue;
    }
    found.set(key, { ident, c });
  }
  if (problems.length > 0) throw new BulkheadError(problems, `${problems.length} problem${problems.length === 1 ? '' : 's'} with the committed manifests:`);
  const entries: DriftEntry[] = [];
  let unchanged = 0;
  const seen = new Set<string>();
  for (const e of expected) {
    const ident = identOf(e);
    if (!ident) continue;
    const key = keyOf(ident);
    seen.add(key);
    const hit = found.get(key);
    const ref = { folder, apiVersion: ident.apiVersion, kind: ident.kind, ...(ident.namespace ? { namespace: ident.namespace } : {}), name: ident.name };
    if (!hit) {
      entries.push({ ...ref, status: 'missing' });
      continue;
    }
    const fields = fieldDifferences(normalizeObject(e), normalizeObject(hit.c.object));
    if (fields.length === 0) unchanged++;
    else entries.push({ ...ref, apiVersion: hit.ident.apiVersion, status: 'changed', file: hit.c.file, fields });
  }
  for (const [key, { ident, c }] of found) {
    if (seen.has(key)) continue;
    entries.push({
      folder, status: isBulkheads(c.object) ? 'extra' : 'foreign', apiVersion: ident.apiVersion, kind: ident.kind,
      ...(ident.namespace ? { namespace: ident.namespace } : {}), name: ident.name, file: c.file,
    });
  }
  return { entries: entries.sort(byObject), unchanged };
}

/** Files of a committed folder that hold no objects of the folder: GitOps and Bulkhead bookkeeping files. */
const NOT_OBJECT_FILES = /^(kustomization\.ya?ml|Kustomization)$/;

/**
 * Reads the committed objects of a folder: every `.yaml`, `.yml` and `.json` file in it, not
 * in its sub-folders (those are other output folders), nor dot files, nor `kustomization.yaml`
 * (a GitOps file, not an object to apply). A document holding a `List` is unwrapped.
 *
 * @param dir the folder
 * @param shown how the folder is named in the entries and problems (relative to the tree)
 * @throws BulkheadError when a file cannot be read or parsed, naming every such file at once
 */
export function readCommittedFolder(dir: string, shown: string): CommittedObject[] {
  const problems: Problem[] = [];
  const out: CommittedObject[] = [];
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile() && !e.name.startsWith('.') && /\.(ya?ml|json)$/.test(e.name) && !NOT_OBJECT_FILES.test(e.name)).map((e) => e.name).sort(cmp);
  } catch (e) {
    throw new BulkheadError([{ severity: 'error', code: DRIFT_CODES.read, path: shown, message: `cannot read the committed folder: ${(e as Error).message}`, fix: 'pass the folder the manifests are committed in (such as the out folder of bulkhead synth)' }], '1 problem with the committed manifests:');
  }
  for (const name of names) {
    const file = shown === '' ? name : `${shown}/${name}`;
    let text: string;
    try {
      text = fs.readFileSync(path.join(dir, name), 'utf8');
    } catch (e) {
      problems.push({ severity: 'error', code: DRIFT_CODES.read, path: file, message: `cannot read the file: ${(e as Error).message}`, fix: 'check the file and its permissions' });
      continue;
    }
    const docs = YAML.parseAllDocuments(text);
    for (const d of Array.isArray(docs) ? docs : [docs]) {
      if (d.errors.length > 0) {
        const err = d.errors[0];
        problems.push({ severity: 'error', code: DRIFT_CODES.syntax, path: file, message: `the file is not valid YAML: ${err.message.split('\n')[0]}`, fix: 'fix the file (or take it again from bulkhead synth)' });
        continue;
      }
      const v: unknown = d.toJS();
      if (v === null || v === undefined) continue;
      if (!isObject(v)) {
        problems.push({ severity: 'error', code: DRIFT_CODES.object, path: file, message: 'a committed document is not a Kubernetes object: it needs apiVersion, kind and metadata.name', value: JSON.stringify(v).slice(0, 120), fix: 'remove the document, or give it apiVersion, kind and metadata.name' });
        continue;
      }
      if (typeof v.kind === 'string' && v.kind.endsWith('List') && Array.isArray(v.items)) {
        for (const item of v.items as unknown[]) if (isObject(item)) out.push({ object: item, file });
        continue;
      }
      out.push({ object: v, file });
    }
  }
  if (problems.length > 0) throw new BulkheadError(problems, `${problems.length} problem${problems.length === 1 ? '' : 's'} with the committed manifests:`);
  return out;
}

/** The path of an output folder below the tree: `<under…>/<name>`. */
export function folderPath(f: ManifestFolder): string {
  return [...(f.under ?? []), f.name].join('/');
}

/**
 * Compares every output folder of a synthesis with the committed tree `root`: folder
 * `<root>/<under…>/<name>` for each (see `foldersOf` in `lib/synth.ts`). When the synthesis
 * has a single folder and the tree does not hold it by name, `root` itself is that folder
 * (`--against out/eks`). A folder that does not exist has every object missing.
 *
 * @param folders the output folders (`foldersOf(synthesis)`)
 * @param root the committed tree
 * @param locate where an output folder is committed, when not `<root>/<path>` @default - `<root>/<path>`
 * @throws BulkheadError when committed files cannot be read or parsed
 *
 * @example
 * const report = compareFolders(foldersOf(synthesize(topology)), 'deploy');
 * if (!report.ok) console.log(report.drift);
 */
export function compareFolders(folders: readonly ManifestFolder[], root: string, locate?: (folder: string) => string | undefined): DriftReport {
  const isDir = (p: string): boolean => {
    try {
      return fs.statSync(p).isDirectory();
    } catch {
      return false;
    }
  };
  if (!isDir(root)) {
    throw new BulkheadError([{ severity: 'error', code: DRIFT_CODES.read, path: root, message: 'the committed folder does not exist or is not a folder', fix: 'pass the folder the manifests are committed in (such as the out folder of bulkhead synth)' }], '1 problem with the committed manifests:');
  }
  const problems: Problem[] = [];
  const report: DriftFolder[] = [];
  const drift: DriftEntry[] = [];
  const foreign: DriftEntry[] = [];
  for (const f of folders) {
    const rel = folderPath(f);
    const given = locate?.(rel);
    const dir = given ?? (isDir(path.join(root, ...rel.split('/'))) ? path.join(root, ...rel.split('/')) : folders.length === 1 ? root : undefined);
    let committed: CommittedObject[] = [];
    if (dir !== undefined) {
      try {
        committed = readCommittedFolder(dir, rel);
      } catch (e) {
        if (!BulkheadError.isBulkheadError(e)) throw e;
        problems.push(...e.problems);
        continue;
      }
    }
    try {
      const r = compareObjects(rel, f.manifests as unknown as readonly Readonly<Record<string, unknown>>[], committed);
      drift.push(...r.entries.filter((x) => x.status !== 'foreign'));
      foreign.push(...r.entries.filter((x) => x.status === 'foreign'));
      report.push({ folder: rel, ...(dir !== undefined ? { committed: dir } : {}), expected: f.manifests.length, found: committed.length, unchanged: r.unchanged });
    } catch (e) {
      if (!BulkheadError.isBulkheadError(e)) throw e;
      problems.push(...e.problems);
    }
  }
  if (problems.length > 0) throw new BulkheadError(problems, `${problems.length} problem${problems.length === 1 ? '' : 's'} with the committed manifests:`);
  return { ok: drift.length === 0, folders: report, drift: drift.sort(byObject), foreign: foreign.sort(byObject) };
}

/** The committed objects of every folder of a drift report, by folder (for analysing what is committed). */
export function committedObjects(report: DriftReport): Map<string, CommittedObject[]> {
  const out = new Map<string, CommittedObject[]>();
  for (const f of report.folders) out.set(f.folder, f.committed !== undefined ? readCommittedFolder(f.committed, f.folder) : []);
  return out;
}

/** The txt form of a drift report: one line per folder, then each drifted object with its fields, then the foreign objects. */
export function formatDriftReport(r: DriftReport): string {
  const lines: string[] = [];
  const ref = (e: DriftEntry): string => `${e.folder}: ${e.kind} ${e.namespace ? `${e.namespace}/` : ''}${e.name}${e.file ? ` (${e.file})` : ''}`;
  const value = (v: unknown): string => (v === undefined ? '(absent)' : JSON.stringify(v));
  for (const f of r.folders) {
    const n = (s: DriftEntry['status']) => [...r.drift, ...r.foreign].filter((e) => e.folder === f.folder && e.status === s).length;
    lines.push(`drift ${f.folder}: ${f.committed === undefined ? 'no committed folder; ' : ''}${f.unchanged} unchanged, ${n('changed')} changed, ${n('missing')} missing, ${n('extra')} extra, ${n('foreign')} foreign (${f.expected} synthesized, ${f.found} committed)`);
  }
  if (r.drift.length > 0) lines.push('');
  for (const e of r.drift) {
    lines.push(`${e.status} ${ref(e)}`);
    for (const x of e.fields ?? []) lines.push(`  ${x.change} ${x.path}: ${x.change === 'added' ? value(x.actual) : x.change === 'removed' ? value(x.expected) : `${value(x.expected)} -> ${value(x.actual)}`}`);
  }
  if (r.foreign.length > 0) lines.push('', ...r.foreign.map((e) => `foreign ${ref(e)}: not written by Bulkhead (no app.kubernetes.io/managed-by: bulkhead); not compared`));
  lines.push('', r.ok ? `drift: none: the committed manifests are what the declaration synthesizes${r.foreign.length > 0 ? ` (${r.foreign.length} foreign object(s) beside them)` : ''}` : `drift: ${r.drift.length} object(s) differ from the declaration's synthesis`);
  return lines.join('\n') + '\n';
}
