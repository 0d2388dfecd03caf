/**
 * Helpers shared by the renderers: labels every emitted object carries, deterministic names,
 * sorting. Pure functions, no host imports.
 */
import { shortHash } from '../core/hash';
import { ANNOTATIONS, LABELS } from '../core/names';
import { Plan, PlanBreakGlass, PlanCloudWorkload, PlanCluster, PlanEdge, PlanEndpointRef, PlanExternal, PlanPlatformEndpoint, PlanWorkload } from '../plan/types';
import { LayerName } from '../core/layers';
import { KubeManifest, ObjectMeta } from './types';

export { sortInPlace } from '../core/errors';

/** The value of `app.kubernetes.io/managed-by` on every emitted object. */
export const MANAGED_BY = 'bulkhead';

/**
 * The enforcement mode of one layer in a plan: its entry of `plan.topology.layerModes`, else
 * the topology's mode (see `TopologyProps.layerModes` and `AUDIT_LAYERS`).
 */
export function layerMode(plan: Plan, layer: LayerName): 'enforce' | 'audit' {
  return plan.topology.layerModes?.[layer] ?? plan.topology.mode;
}

/**
 * An object with the environment label `bulkhead.io/environment` added (label keys sorted),
 * when the plan's environment is named (`plan.topology.labelEnvironment`); the object itself
 * otherwise. Synthesis applies it to every object it emits.
 */
export function withEnvironmentLabel<T extends KubeManifest>(plan: Plan, manifest: T): T {
  if (!plan.topology.labelEnvironment) return manifest;
  const labels = withSortedKey(manifest.metadata.labels ?? {}, LABELS.environment, plan.topology.environment);
  return { ...manifest, metadata: { ...manifest.metadata, labels } };
}

/**
 * `sortedRecord({ ...r, [key]: value })`: when the keys of `r` are sorted already (the labels
 * of every emitted object are), the key is put in its place without sorting.
 */
function withSortedKey(r: Readonly<Record<string, string>>, key: string, value: string): Record<string, string> {
  const keys = Object.keys(r);
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1] > keys[i]) return sortedRecord({ ...r, [key]: value });
  }
  const out: Record<string, string> = {};
  let placed = false;
  for (const k of keys) {
    if (!placed && k >= key) {
      out[key] = value;
      placed = true;
      if (k === key) continue;
    }
    out[k] = r[k];
  }
  if (!placed) out[key] = value;
  return out;
}

/** Where problems about a whole cluster are reported: its construct path. */
export function clusterPath(plan: Plan, cluster: PlanCluster): string {
  return cluster.path ?? `${plan.topology.name}/${cluster.name}`;
}

/** Sorts keys of a string map (for byte-stable output). */
export function sortedRecord(r: Readonly<Record<string, string>>): Record<string, string> {
  const keys = Object.keys(r);
  // most records arrive sorted already (the plan sorts its selectors): sort only when not
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1] > keys[i]) {
      keys.sort();
      break;
    }
  }
  const out: Record<string, string> = {};
  for (const k of keys) out[k] = r[k];
  return out;
}

const SORTED_LABELS = new WeakMap<Readonly<Record<string, string>>, Readonly<Record<string, string>>>();

/**
 * {@link sortedRecord} of a plan's label map (a selector, pod labels), computed once per map and
 * shared: every object that selects the same pods holds the same map. Emitted objects may share
 * such parts, since nothing downstream (hosts, writer, analysis) changes an object it is given.
 */
export function sortedLabels(r: Readonly<Record<string, string>>): Record<string, string> {
  let known = SORTED_LABELS.get(r);
  if (!known) {
    known = sortedRecord(r);
    SORTED_LABELS.set(r, known);
  }
  return known as Record<string, string>;
}

export { shortHash } from '../core/hash';

/**
 * A valid object name from parts: joined with `-`, lowercased; when longer than `max`
 * (63 for DNS labels, 253 for subdomains) it is cut and suffixed with a hash of the full name,
 * so it stays unique and deterministic.
 */
export function objectName(parts: readonly string[], max = 63): string {
  const full = parts.filter((p) => p.length > 0).join('-').toLowerCase().replace(/[^a-z0-9-]/g, '-');
  if (full.length <= max) return full;
  const h = shortHash(full);
  return `${full.slice(0, max - h.length - 1).replace(/-+$/, '')}-${h}`;
}

/** Metadata for an emitted object: managed-by and layer labels plus extras, keys sorted. */
export function meta(
  layer: LayerName,
  name: string,
  namespace: string | undefined,
  labels: Readonly<Record<string, string>> = {},
  annotations: Readonly<Record<string, string>> = {},
): ObjectMeta {
  const l = sortedRecord({ [LABELS.managedBy]: MANAGED_BY, [LABELS.layer]: layer, ...labels });
  const a = sortedRecord(annotations);
  return {
    name,
    ...(namespace === undefined ? {} : { namespace }),
    labels: l,
    ...(Object.keys(a).length === 0 ? {} : { annotations: a }),
  };
}

/** Labels and annotations that name a BreakGlass grant on every object implementing it. */
export function breakGlassMarks(bg: PlanBreakGlass): { labels: Record<string, string>; annotations: Record<string, string> } {
  return {
    labels: { [LABELS.breakGlass]: bg.name, [LABELS.expiresAt]: String(bg.expiresAtEpoch) },
    annotations: {
      [ANNOTATIONS.reason]: bg.reason,
      [ANNOTATIONS.expires]: bg.expiresAt,
      [ANNOTATIONS.approvers]: bg.approvers.join(','),
      ...(bg.ticket ? { [ANNOTATIONS.ticket]: bg.ticket } : {}),
    },
  };
}

/**
 * A deep copy of plain JSON data (objects, arrays, strings, numbers, booleans, null), the same
 * value as `JSON.parse(JSON.stringify(value))` without the text in between: object fields whose
 * value is undefined (or a function) are left out, and such array items become null; -0 becomes
 * 0, and NaN and the infinities null.
 */
export function jsonCopy<T>(value: T): T {
  return copyValue(value) as T;
}

function copyValue(v: unknown): unknown {
  if (typeof v === 'number') return Number.isFinite(v) ? (v === 0 ? 0 : v) : null; // -0 reads back as 0
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const out: unknown[] = new Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      out[i] = x === undefined || typeof x === 'function' || typeof x === 'symbol' ? null : copyValue(x);
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    const x: unknown = (v as Record<string, unknown>)[k];
    if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
    if (k === '__proto__') Object.defineProperty(out, k, { value: copyValue(x), enumerable: true, writable: true, configurable: true });
    else out[k] = copyValue(x);
  }
  return out;
}

/** Sorts manifests by (apiVersion, kind, namespace, name). */
export function sortManifests<T extends KubeManifest>(ms: readonly T[]): T[] {
  // field by field, which is the order of the joined key `apiVersion NUL kind NUL namespace NUL
  // name` (no field holds a NUL); the sort is stable, as before
  return [...ms].sort(manifestOrder);
}

function manifestOrder(a: KubeManifest, b: KubeManifest): number {
  if (a.apiVersion !== b.apiVersion) return a.apiVersion < b.apiVersion ? -1 : 1;
  if (a.kind !== b.kind) return a.kind < b.kind ? -1 : 1;
  const an = a.metadata.namespace ?? '';
  const bn = b.metadata.namespace ?? '';
  if (an !== bn) return an < bn ? -1 : 1;
  const x = a.metadata.name;
  const y = b.metadata.name;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The look-up maps of a plan, built once per plan (a plan is not changed once built). */
interface PlanMaps {
  readonly workloads: Map<string, PlanWorkload>;
  readonly externals: Map<string, PlanExternal>;
  readonly platform: Map<string, PlanPlatformEndpoint>;
  readonly grants: Map<string, PlanBreakGlass>;
  readonly clouds: Map<string, PlanCloudWorkload>;
  readonly byCluster: Map<string, PlanWorkload[]>;
  readonly flowPaths: Map<string, string>;
}

const PLAN_MAPS = new WeakMap<Plan, PlanMaps>();

function planMaps(plan: Plan): PlanMaps {
  // keyed by the plan object: a copy of a plan with other lists is another object, with maps of its own
  const known = PLAN_MAPS.get(plan);
  if (known) return known;
  const maps: PlanMaps = { workloads: new Map(), externals: new Map(), platform: new Map(), grants: new Map(), clouds: new Map(), byCluster: new Map(), flowPaths: new Map() };
  for (const w of plan.workloads) {
    maps.workloads.set(w.key, w);
    const list = maps.byCluster.get(w.cluster);
    if (list) list.push(w);
    else maps.byCluster.set(w.cluster, [w]);
  }
  for (const e of plan.externals) maps.externals.set(e.key, e);
  for (const p of plan.platform) maps.platform.set(p.key, p);
  for (const g of plan.breakGlass) maps.grants.set(g.name, g);
  // A plan written before cloud workloads existed has no such list: read it as empty.
  for (const c of plan.cloudWorkloads ?? []) maps.clouds.set(c.key, c);
  for (const f of plan.flows) maps.flowPaths.set(f.id, f.path);
  PLAN_MAPS.set(plan, maps);
  return maps;
}

/** Fast look-ups into a plan (the maps are built once per plan, whatever the number of indexes made of it). */
export class PlanIndex {
  private readonly workloads: Map<string, PlanWorkload>;
  private readonly externals: Map<string, PlanExternal>;
  private readonly platform: Map<string, PlanPlatformEndpoint>;
  private readonly grants: Map<string, PlanBreakGlass>;
  private readonly clouds: Map<string, PlanCloudWorkload>;
  private readonly byCluster: Map<string, PlanWorkload[]>;
  /** The construct path of each flow of the plan, by flow id (where problems about a flow are reported). */
  public readonly flowPaths: ReadonlyMap<string, string>;

  constructor(public readonly plan: Plan) {
    const maps = planMaps(plan);
    this.workloads = maps.workloads;
    this.externals = maps.externals;
    this.platform = maps.platform;
    this.grants = maps.grants;
    this.clouds = maps.clouds;
    this.byCluster = maps.byCluster;
    this.flowPaths = maps.flowPaths;
  }

  /** The workload with this key (throws when missing: the plan is inconsistent). */
  public workload(key: string): PlanWorkload {
    return must(this.workloads.get(key), key);
  }
  /** The external with this key. */
  public external(key: string): PlanExternal {
    return must(this.externals.get(key), key);
  }
  /** The platform endpoint with this key. */
  public platformEndpoint(key: string): PlanPlatformEndpoint {
    return must(this.platform.get(key), key);
  }
  /** The cloud workload (VM or managed service) with this key. */
  public cloud(key: string): PlanCloudWorkload {
    return must(this.clouds.get(key), key);
  }
  /** The BreakGlass grant with this name. */
  public grant(name: string): PlanBreakGlass {
    return must(this.grants.get(name), name);
  }
  /** Workloads of one cluster, sorted by key. */
  public workloadsIn(cluster: string): PlanWorkload[] {
    return [...(this.byCluster.get(cluster) ?? [])];
  }
  /** Resolves an endpoint reference. */
  public endpoint(ref: PlanEndpointRef): PlanWorkload | PlanExternal | PlanPlatformEndpoint | PlanCloudWorkload {
    switch (ref.kind) {
      case 'workload': return this.workload(ref.key);
      case 'external': return this.external(ref.key);
      case 'platform': return this.platformEndpoint(ref.key);
      case 'cloud': return this.cloud(ref.key);
    }
  }
}

/** Splits edges into the ordinary ones and those of each BreakGlass grant (by grant name, sorted). */
export function splitEdges(edges: readonly PlanEdge[]): { regular: PlanEdge[]; byGrant: Map<string, PlanEdge[]> } {
  // most workloads hold no BreakGlass edge: one copy, no grouping
  if (!edges.some((e) => e.origin === 'break-glass' && e.breakGlass)) return { regular: [...edges], byGrant: new Map() };
  const regular: PlanEdge[] = [];
  const byGrant = new Map<string, PlanEdge[]>();
  for (const e of edges) {
    if (e.origin === 'break-glass' && e.breakGlass) {
      const list = byGrant.get(e.breakGlass) ?? [];
      list.push(e);
      byGrant.set(e.breakGlass, list);
    } else {
      regular.push(e);
    }
  }
  return { regular, byGrant: new Map([...byGrant.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) };
}

function must<T>(v: T | undefined, key: string): T {
  if (v === undefined) throw new Error(`internal: the plan has no entry '${key}'`);
  return v;
}
