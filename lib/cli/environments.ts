/**
 * The environments half of the `bulkhead` command: `bulkhead synth` of an exported
 * Environments (one folder per environment), and `bulkhead diff <file>#<env> <file>#<env>`,
 * which compares what two environments allow by workload identity — the cluster's construct
 * id, the workload's domain, namespace and name, and the port — never by address, per layer
 * and in effect: what the second allows that the first did not test, and the other way round.
 */
import { Analysis } from '../analysis/engine';
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

/** Whether both sides of a diff name environments (`<file>#<environment>`). */
export function isEnvironmentDiff(before: string, after: string): boolean {
  return environmentSide(before) !== undefined && environmentSide(after) !== undefined;
}

/** One connection allowed in one environment and not (or not on these ports) in the other. */
export interface EnvironmentDiffEntry {
  /** The cluster, by the construct id both environments give it (`eks`). */
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
 * show as differences.
 */
export function diffEnvironments(before: { name: string; synthesis: Synthesis }, after: { name: string; synthesis: Synthesis }): EnvironmentDiff {
  const a = allowedOf(before.synthesis);
  const b = allowedOf(after.synthesis);
  const layers = [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => (x === 'effective' ? -1 : y === 'effective' ? 1 : cmp(x, y)));
  return {
    before: before.name,
    after: after.name,
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

/** Per layer (and `effective`), what each cluster allows, keyed by cluster id, source and destination identity. */
function allowedOf(s: Synthesis): Map<string, Allowed> {
  const out = new Map<string, Allowed>();
  for (const c of s.clusters) {
    const id = clusterId(c.cluster);
    const loaded = loadWithEndpoints(s.plan, c.cluster, c.manifests);
    const analysis = Analysis.of(loaded, { trustDomain: c.cluster.trustDomain, clusterName: c.cluster.ciliumClusterName, podCidrs: c.cluster.podCidrs });
    const name = identities(s.plan, c.cluster);
    for (const layer of ['effective', ...analysis.presentLayers] as const) {
      const conns = analysis.connectivity(layer === 'effective' ? {} : { layer });
      const m = out.get(layer) ?? new Map();
      for (const conn of conns) {
        const entry = { cluster: id, src: name(conn.src), dst: name(conn.dst) };
        const key = `${entry.cluster}\u0000${entry.src}\u0000${entry.dst}`;
        const prev = m.get(key);
        m.set(key, { entry, ports: prev ? prev.ports.union(conn.ports) : conn.ports });
      }
      out.set(layer, m);
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
 * `bulkhead diff <file>#<before> <file>#<after>`: the diff of two environments, formatted.
 * Returns the text and whether anything differs.
 */
export function environmentDiffCommand(before: string, after: string, opts: { format: 'txt' | 'json' | 'md'; layer?: AnalysisLayer }): { text: string; changed: boolean; warnings: Synthesis['warnings'] } {
  const sa = synthesize(loadTopology(before));
  const sb = synthesize(loadTopology(after));
  const d = diffEnvironments({ name: environmentSide(before)!.environment, synthesis: sa }, { name: environmentSide(after)!.environment, synthesis: sb });
  const want = opts.layer ?? 'effective';
  const layers = d.layers.filter((l) => l.layer === want);
  const changed = layers.some((l) => l.onlyAfter.length + l.onlyBefore.length > 0);
  return { text: formatEnvironmentDiff({ ...d, layers }, opts.format), changed, warnings: [...sa.warnings, ...sb.warnings] };
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
