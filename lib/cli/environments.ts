/**
 * The environments half of the `bulkhead` command: `bulkhead synth` of an exported
 * Environments (one folder per environment), and `bulkhead diff <file>#<env> <file>#<env>`,
 * which compares what two environments allow by workload identity — the cluster's construct
 * id, the workload's domain, namespace and name, and the port — never by address, per layer
 * and in effect, within each cluster and across clusters (clusters paired by their role in the
 * declaration): what the second allows that the first did not test, and the other way round.
 * Two folder sets (`out/staging out/prod`) are compared the same way.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Analysis } from '../analysis/engine';
import { clusterFactsOf } from '../analysis/cluster-facts';
import { CLUSTER_FACTS_FILE, ClusterFacts, MultiClusterAnalysis, clusterFolders, loadClusters } from '../analysis/multi-cluster';
import { PortSet } from '../analysis/portset';
import { AnalysisLayer } from '../analysis/types';
import { cmp } from '../core/errors';
import { Ipv4Range, parseCidr, parseIpv4, rangeWithin } from '../analysis/ipv4';
import { Environments } from '../model/environment';
import { Plan, PlanCluster } from '../plan/types';
import { EnvironmentsSynthesis, Synthesis, synthesize, synthesizeEnvironments } from '../synth';
import { loadWithEndpoints } from '../verify';
import { environmentSide, loadDeclaration, loadTopology } from './declaration';

/** Synthesizes what a program exports: a Topology, or every environment of an Environments. */
export function synthesizeProgram(file: string, exportName?: string): Synthesis | EnvironmentsSynthesis {
  if (environmentSide(file)) return synthesize(loadTopology(file, exportName));
  const d = loadDeclaration(file, exportName);
  return Environments.isEnvironments(d) ? synthesizeEnvironments(d) : synthesize(d);
}

/**
 * Whether a diff compares two environments: both sides name environments
 * (`<file>#<environment>`), or both are folder sets of which one holds several cluster folders
 * (with Bulkhead's facts files, such as `out/staging` and `out/prod`).
 */
export function isEnvironmentDiff(before: string, after: string): boolean {
  if (environmentSide(before) !== undefined && environmentSide(after) !== undefined) return true;
  const facts = (p: string): number => {
    try {
      if (!fs.statSync(p).isDirectory()) return 0;
    } catch {
      return 0;
    }
    return clusterFolders([p]).filter((f) => fs.existsSync(path.join(f, CLUSTER_FACTS_FILE))).length;
  };
  const a = facts(before);
  const b = facts(after);
  return a > 0 && b > 0 && a + b > 2;
}

/** One connection allowed in one environment and not (or not on these ports) in the other. */
export interface EnvironmentDiffEntry {
  /**
   * The cluster, by its role: the construct id both environments give it (`eks`); for a
   * cross-cluster connection, the source's and the destination's, `eks -> gke`.
   */
  readonly cluster: string;
  /** The source, by identity: `<domain>/<namespace>/<name>` (`-` for no domain), `platform:<name>`, `pods of cluster <id>`, `external <name>`, or an address. */
  readonly src: string;
  /** The destination, by identity. */
  readonly dst: string;
  /** The ports, as the connectivity list writes them. */
  readonly ports: string;
}

/** What one layer (or the effective connectivity) allows in one environment and not in the other. */
export interface EnvironmentLayerDiff {
  /** The simulated layer, or `effective`. */
  readonly layer: AnalysisLayer | 'effective';
  /** Allowed in the second environment, not in the first (not tested there). */
  readonly onlyAfter: readonly EnvironmentDiffEntry[];
  /** Allowed in the first environment, not in the second. */
  readonly onlyBefore: readonly EnvironmentDiffEntry[];
}

/** The result of {@link diffEnvironments}. */
export interface EnvironmentDiff {
  /** The first environment (`staging`). */
  readonly before: string;
  /** The second environment (`prod`). */
  readonly after: string;
  /** The effective connectivity first, then each layer present in either. */
  readonly layers: readonly EnvironmentLayerDiff[];
}

type Allowed = Map<string, { entry: Omit<EnvironmentDiffEntry, 'ports'>; ports: PortSet }>;

/**
 * Compares what two syntheses (two environments of one declaration) allow, by identity: each
 * cluster is named by its construct id, each endpoint by its domain, namespace and name, so
 * that the clusters' names, trust domains and addresses, which differ per environment, do not
 * show as differences. Connections within each cluster and across clusters (each cross-cluster
 * pair allowed by the source's egress layers and the destination's ingress layers) are compared.
 */
export function diffEnvironments(before: { name: string; synthesis: Synthesis }, after: { name: string; synthesis: Synthesis }): EnvironmentDiff {
  return diffSides(before.name, sideOfSynthesis(before.synthesis), after.name, sideOfSynthesis(after.synthesis));
}

/**
 * Compares what two sets of cluster folders allow (the output of two environments, such as
 * `out/staging` and `out/prod`), as {@link diffEnvironments} does: clusters paired by their role
 * (the `role` fact Bulkhead writes; else the name without the environment's name), endpoints by
 * namespace and name (and domain label), addresses by the cluster whose pod or node CIDRs hold
 * them (from the facts files).
 *
 * @param options loader options, and names for the two sides @default - not strict; the folders as given
 */
export function diffClusterFolders(before: string, after: string, options: { readonly strict?: boolean; readonly resolve?: Readonly<Record<string, readonly string[]>> } = {}): EnvironmentDiff {
  return diffSides(before, sideOfFolders(before, options), after, sideOfFolders(after, options));
}

/** One cluster of one side of a diff: its role, facts and analysis, and how its endpoints are named. */
interface DiffCluster {
  readonly role: string;
  readonly facts: ClusterFacts;
  readonly analysis: Analysis;
  readonly name: (id: string) => string;
}

function diffSides(beforeName: string, before: readonly DiffCluster[], afterName: string, after: readonly DiffCluster[]): EnvironmentDiff {
  const a = allowedOf(before);
  const b = allowedOf(after);
  const layers = [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => (x === 'effective' ? -1 : y === 'effective' ? 1 : cmp(x, y)));
  return {
    before: beforeName,
    after: afterName,
    layers: layers.map((layer) => ({
      layer: layer as AnalysisLayer | 'effective',
      onlyAfter: minus(b.get(layer) ?? new Map(), a.get(layer) ?? new Map()),
      onlyBefore: minus(a.get(layer) ?? new Map(), b.get(layer) ?? new Map()),
    })),
  };
}

function minus(x: Allowed, y: Allowed): EnvironmentDiffEntry[] {
  const out: EnvironmentDiffEntry[] = [];
  for (const [k, v] of x) {
    const rest = v.ports.subtract(y.get(k)?.ports ?? PortSet.EMPTY);
    if (!rest.isEmpty()) out.push({ ...v.entry, ports: rest.toString() });
  }
  return out.sort((p, q) => cmp(p.cluster, q.cluster) || cmp(p.src, q.src) || cmp(p.dst, q.dst));
}

/** The clusters of a synthesis, each analysed with its declared facts. */
function sideOfSynthesis(s: Synthesis): DiffCluster[] {
  return s.clusters.map((c) => {
    const loaded = loadWithEndpoints(s.plan, c.cluster, c.manifests);
    const analysis = Analysis.of(loaded, { trustDomain: c.cluster.trustDomain, clusterName: c.cluster.ciliumClusterName, podCidrs: c.cluster.podCidrs });
    return { role: clusterId(c.cluster), facts: clusterFactsOf(s.plan, c.cluster), analysis, name: identities(s.plan, c.cluster) };
  });
}

/** The cluster folders of a path, each analysed with its facts file. */
function sideOfFolders(p: string, options: { readonly strict?: boolean; readonly resolve?: Readonly<Record<string, readonly string[]>> }): DiffCluster[] {
  const inputs = loadClusters([p], {}, { strict: options.strict ?? false });
  const multi = MultiClusterAnalysis.of(inputs, options.resolve ? { resolve: Object.fromEntries(Object.entries(options.resolve).map(([k, v]) => [k, [...v]])) } : {});
  const roles = multi.clusters.map((c) => roleOf(c.facts));
  const ranges: { range: Ipv4Range; name: string }[] = [];
  const add = (text: string, name: string): void => {
    const c = parseCidr(text);
    if (c.family === 'ipv4') ranges.push({ range: c.range, name });
  };
  multi.clusters.forEach((c, i) => {
    for (const x of c.facts.podCidrs ?? []) add(x, `pods of cluster ${roles[i]}`);
    for (const x of c.facts.nodeCidrs ?? []) add(x, `nodes of cluster ${roles[i]}`);
  });
  ranges.sort((x, y) => (x.range[1] - x.range[0]) - (y.range[1] - y.range[0]));
  return multi.clusters.map((c, i) => {
    const byId = new Map(c.analysis.context.workloads.map((w) => [w.id, `${w.labels['bulkhead.io/domain'] ?? '-'}/${w.namespace}/${w.name}`]));
    const name = (id: string): string => {
      const w = byId.get(id);
      if (w) return w;
      const r = addressRange(id);
      if (!r) return id;
      return ranges.find((x) => rangeWithin(r[0], r[1], x.range[0], x.range[1]))?.name ?? 'other addresses';
    };
    return { role: roles[i], facts: c.facts, analysis: c.analysis, name };
  });
}

/** The role of a cluster folder: its `role` fact; else its name without its environment's name (`eks-prod` in prod: `eks`); else its name. */
export function roleOf(facts: ClusterFacts): string {
  if (facts.role !== undefined) return facts.role;
  const env = facts.environment;
  if (env !== undefined && env !== facts.name) {
    const parts = facts.name.split('-');
    const rest = parts.filter((x) => x !== env);
    if (rest.length > 0 && rest.length < parts.length) return rest.join('-');
  }
  return facts.name;
}

/**
 * Per layer (and `effective`), what each cluster allows, and each ordered pair of clusters
 * across (both sides' layers), keyed by cluster role, source and destination identity.
 */
function allowedOf(clusters: readonly DiffCluster[]): Map<string, Allowed> {
  const out = new Map<string, Allowed>();
  const put = (layer: string, entry: Omit<EnvironmentDiffEntry, 'ports'>, ports: PortSet): void => {
    const m = out.get(layer) ?? new Map();
    const key = `${entry.cluster}\u0000${entry.src}\u0000${entry.dst}`;
    const prev = m.get(key);
    m.set(key, { entry, ports: prev ? prev.ports.union(ports) : ports });
    out.set(layer, m);
  };
  for (const c of clusters) {
    for (const layer of ['effective', ...c.analysis.presentLayers] as const) {
      if (!out.has(layer)) out.set(layer, new Map());
      for (const conn of c.analysis.connectivity(layer === 'effective' ? {} : { layer })) put(layer, { cluster: c.role, src: c.name(conn.src), dst: c.name(conn.dst) }, conn.ports);
    }
  }
  if (clusters.length < 2) return out;
  const multi = MultiClusterAnalysis.fromAnalyses(clusters.map((c) => ({ facts: c.facts, analysis: c.analysis })));
  const byName = new Map(clusters.map((c) => [c.facts.name, c]));
  const split = (id: string): { c: DiffCluster; id: string } => {
    const i = id.indexOf(':');
    return { c: byName.get(id.slice(0, i))!, id: id.slice(i + 1) };
  };
  const layers = [...new Set(clusters.flatMap((c) => c.analysis.presentLayers))].sort(cmp);
  for (const layer of ['effective', ...layers] as const) {
    for (const conn of multi.connectivity({ crossOnly: true, ...(layer === 'effective' ? {} : { layer }) })) {
      const s = split(conn.src);
      const d = split(conn.dst);
      put(layer, { cluster: `${s.c.role} -> ${d.c.role}`, src: s.c.name(s.id), dst: d.c.name(d.id) }, conn.ports);
    }
  }
  return out;
}

/** The construct id of a cluster (the same in every environment), else its name. */
function clusterId(c: PlanCluster): string {
  return c.path?.split('/').pop() ?? c.name;
}

/**
 * Names an endpoint id of one cluster's analysis by identity: a workload by its domain,
 * namespace and name; a platform service by its name; an address range by the declared range
 * that holds it (the pods or nodes of a cluster, by the cluster's construct id; an External, by
 * name), the narrowest first; any other address as `other addresses`.
 */
function identities(plan: Plan, cluster: PlanCluster): (id: string) => string {
  const byId = new Map<string, string>();
  for (const w of plan.workloads.filter((x) => x.cluster === cluster.name)) byId.set(`${w.namespace}/${w.name}`, `${w.domain ?? '-'}/${w.namespace}/${w.name}`);
  for (const p of plan.platform.filter((x) => x.cluster === cluster.name)) byId.set(`${p.namespace}/platform-${p.name}`, `platform:${p.name}`);
  const ranges: { range: Ipv4Range; name: string }[] = [];
  const add = (text: string, name: string): void => {
    const c = parseCidr(text);
    if (c.family === 'ipv4') ranges.push({ range: c.range, name });
  };
  for (const c of plan.clusters) {
    for (const x of c.podCidrs) add(x, `pods of cluster ${clusterId(c)}`);
    for (const x of c.nodeCidrs) add(x, `nodes of cluster ${clusterId(c)}`);
    for (const x of c.apiServerCidrs ?? []) add(x, `API server of cluster ${clusterId(c)}`);
  }
  for (const x of plan.externals) for (const t of x.cidrs) add(t, `external ${x.name}`);
  ranges.sort((a, b) => (a.range[1] - a.range[0]) - (b.range[1] - b.range[0]));
  return (id: string): string => {
    const workload = /^([^/]+\/[^[]+)\[[A-Za-z]+\]$/.exec(id);
    if (workload) return byId.get(workload[1]) ?? workload[1];
    const r = addressRange(id);
    if (!r) return id;
    return ranges.find((x) => rangeWithin(r[0], r[1], x.range[0], x.range[1]))?.name ?? 'other addresses';
  };
}

/** The IPv4 range of an address endpoint (`a.b.c.d-e.f.g.h`, `a.b.c.d`, or a CIDR); undefined for others. */
function addressRange(id: string): Ipv4Range | undefined {
  const m = /^(\d+\.\d+\.\d+\.\d+)(?:-(\d+\.\d+\.\d+\.\d+))?$/.exec(id);
  if (m) {
    const a = parseIpv4(m[1]);
    const b = m[2] === undefined ? a : parseIpv4(m[2]);
    return a === undefined || b === undefined ? undefined : [a, b];
  }
  const c = parseCidr(id);
  return /\//.test(id) && c.family === 'ipv4' ? c.range : undefined;
}

/**
 * `bulkhead diff <file>#<before> <file>#<after>` (or two folder sets, such as `out/staging
 * out/prod`): the diff of two environments across every cluster, formatted. Returns the text
 * and whether anything differs.
 */
export function environmentDiffCommand(
  before: string, after: string, opts: { format: 'txt' | 'json' | 'md'; layer?: AnalysisLayer; strict?: boolean; resolve?: readonly string[] },
): { text: string; changed: boolean; warnings: Synthesis['warnings'] } {
  let d: EnvironmentDiff;
  let warnings: Synthesis['warnings'] = [];
  if (environmentSide(before) && environmentSide(after)) {
    const sa = synthesize(loadTopology(before));
    const sb = synthesize(loadTopology(after));
    d = diffEnvironments({ name: environmentSide(before)!.environment, synthesis: sa }, { name: environmentSide(after)!.environment, synthesis: sb });
    warnings = [...sa.warnings, ...sb.warnings];
  } else {
    const resolve: Record<string, string[]> = {};
    for (const r of opts.resolve ?? []) {
      const m = /^([^=\s]+)=(.+)$/.exec(r.trim());
      if (m) resolve[m[1].toLowerCase()] = [...(resolve[m[1].toLowerCase()] ?? []), ...m[2].split(',').map((x) => x.trim()).filter((x) => x.length > 0)];
    }
    d = diffClusterFolders(before, after, { strict: opts.strict ?? false, resolve });
  }
  const want = opts.layer ?? 'effective';
  const layers = d.layers.filter((l) => l.layer === want);
  const changed = layers.some((l) => l.onlyAfter.length + l.onlyBefore.length > 0);
  return { text: formatEnvironmentDiff({ ...d, layers }, opts.format), changed, warnings };
}

/** The txt, md or json form of an environment diff. */
export function formatEnvironmentDiff(d: EnvironmentDiff, format: 'txt' | 'json' | 'md'): string {
  if (format === 'json') return JSON.stringify(d, null, 2) + '\n';
  const line = (e: EnvironmentDiffEntry): string => `${e.cluster}: ${e.src} => ${e.dst} : ${e.ports}`;
  const out: string[] = [];
  for (const l of d.layers) {
    if (format === 'md') {
      out.push(`## ${l.layer}`, '', `| only in | cluster | source | destination | ports |`, '|---|---|---|---|---|');
      for (const e of l.onlyAfter) out.push(`| ${d.after} | ${e.cluster} | ${e.src} | ${e.dst} | ${e.ports} |`);
      for (const e of l.onlyBefore) out.push(`| ${d.before} | ${e.cluster} | ${e.src} | ${e.dst} | ${e.ports} |`);
      out.push('');
      continue;
    }
    out.push(`# ${l.layer}: allowed in ${d.after}, not in ${d.before} (not tested there): ${l.onlyAfter.length}`);
    out.push(...l.onlyAfter.map((e) => `+ ${line(e)}`));
    out.push(`# ${l.layer}: allowed in ${d.before}, not in ${d.after}: ${l.onlyBefore.length}`);
    out.push(...l.onlyBefore.map((e) => `- ${line(e)}`));
  }
  return out.join('\n') + '\n';
}
