/**
 * The data model of the HTML report: everything the page shows, computed once from the
 * analysis engine (per-layer and effective connectivity, explanations), the plan (tiers,
 * domains, break-glass grants) and verify's result. Plain, JSON-serializable and sorted, so
 * the same input gives the same model, and the same bytes once rendered.
 */
import { cmp, Problem } from '../core/errors';
import { mergeIntervals } from '../core/intervals';
import { ANNOTATIONS, LABELS } from '../core/names';
import { isExternalId } from '../analysis/format';
import { parseCidr, parseIpv4, rangeId } from '../analysis/ipv4';
import { MultiClusterAnalysis, MultiClusterExplanation, SideMatrix } from '../analysis/multi-cluster';
import { L4Protocol, PortSet } from '../analysis/portset';
import { SIMULATORS } from '../analysis/simulators';
import { AllowedConnection, AnalysisLayer, CandidatePairs, CloudEndpoint, CloudLayer, Reason } from '../analysis/types';
import { Plan, PlanTier } from '../plan/types';
import { VerifyReport } from '../verify';

/** How workloads are aggregated in the overview graph. */
export type ReportGroupBy = 'domain' | 'namespace';

/** What the report was made from. */
export interface ReportInput {
  /** The title of the page (the declaration's or the folders' name). */
  readonly title: string;
  /** `declaration`: a program was synthesized and verified; `manifests`: folders were analysed. */
  readonly source: 'declaration' | 'manifests';
  /** The analysis of every cluster (one cluster is a multi-cluster analysis of one). */
  readonly analysis: MultiClusterAnalysis;
  /** The plan of the declaration. @default - none (manifests) */
  readonly plan?: Plan;
  /** Synthesis warnings (declaration) or loader and simulator warnings (manifests). @default - none */
  readonly warnings?: readonly Problem[];
  /** verify's result (declaration). @default - none */
  readonly verify?: VerifyReport;
  /**
   * Addresses that stand for named externals (an FQDN resolved for the analysis), address →
   * external name.
   * @default - none
   */
  readonly resolved?: Readonly<Record<string, string>>;
  /**
   * The cloud security-group layer of the declaration's networks (the `aws` simulator over the
   * networks' Crossplane objects): its cloud endpoints become nodes, and what it allows between
   * them rows of the `aws` layer.
   * @default - none
   */
  readonly cloud?: CloudLayer;
}

/** Options of {@link buildReportData}. */
export interface ReportDataOptions {
  /** How the overview aggregates workloads. @default 'domain' (workloads without a domain by namespace) */
  readonly groupBy?: ReportGroupBy;
  /** Text shown as the generation time (the report holds no clock reading otherwise). @default - none */
  readonly generatedAt?: string;
  /** The time that decides which break-glass grants found in manifests are in force and how long they have left, RFC 3339. @default - none (expiries shown as they are) */
  readonly now?: string;
  /** At most this many flows get a precomputed explanation (effective flows first, then disagreements). @default 2000 */
  readonly maxExplanations?: number;
}

/** A cluster of the report. */
export interface ReportCluster {
  /** Name. */
  readonly name: string;
  /** The simulated layers present in its manifests, in report order. */
  readonly layers: readonly AnalysisLayer[];
  /** Its trust domain. */
  readonly trustDomain: string;
  /** Cloud and region, when known. @default - unknown */
  readonly where?: string;
}

/** A node of the graph: a workload or a set of external addresses. */
export interface ReportNode {
  /** Id: `<cluster>:<ns>/<name>[<Kind>]` for a workload, `ext:<name>` for an external. */
  readonly id: string;
  /** Short label (`ns/name`, the external's name). */
  readonly label: string;
  /** What it is (`cloud`: a VM fleet or managed service of a cloud network, judged by its security groups). */
  readonly kind: 'workload' | 'platform' | 'external' | 'cloud';
  /** The cluster (for a cloud endpoint: its network). @default - none (externals) */
  readonly cluster?: string;
  /** Namespace. @default - none (externals) */
  readonly namespace?: string;
  /** Tier name. @default - unknown */
  readonly tier?: string;
  /** Tier level (`critical` … `public`). @default - unknown */
  readonly level?: string;
  /** Domain. @default - in no domain */
  readonly domain?: string;
  /** The group it belongs to (see {@link ReportGroup}). */
  readonly group: string;
  /** For an external: its FQDNs and CIDRs as declared. @default - none */
  readonly detail?: string;
}

/** A group of nodes, drawn as one node in the overview. */
export interface ReportGroup {
  /** Id: `domain:<name>`, `ns:<cluster>/<namespace>`, `network:<network>` or `external`. */
  readonly id: string;
  /** Label. */
  readonly label: string;
  /** What it groups. */
  readonly kind: 'domain' | 'namespace' | 'external' | 'network';
  /** Node ids, sorted. */
  readonly members: readonly string[];
  /** The tier levels of its members, sorted. */
  readonly levels: readonly string[];
  /** Clusters its members are in, sorted. */
  readonly clusters: readonly string[];
}

/** One layer's verdict in an explanation. */
export interface ReportLayerVerdict {
  /** The layer. */
  readonly layer: AnalysisLayer;
  /** Allowed. */
  readonly allowed: boolean;
  /** Allowed only for some HTTP requests. @default false */
  readonly l7?: boolean;
  /** The rules and defaults that decided it. */
  readonly reasons: readonly Reason[];
}

/** The explain view of one flow, for one connection on a representative port. */
export interface ReportExplanation {
  /** The connection judged: `TCP/443 from a to b`. */
  readonly connection: string;
  /** Allowed by every layer of every side. */
  readonly allowed: boolean;
  /** Per side (one for a flow within a cluster; egress then ingress across clusters). */
  readonly sides: readonly { readonly cluster: string; readonly direction: string; readonly layers: readonly ReportLayerVerdict[] }[];
}

/**
 * One row of the connectivity matrix: a pair of nodes that some layer allows something
 * between, with what each layer and the effective connectivity allow.
 */
export interface ReportFlow {
  /** Index in {@link ReportData.flows}. */
  readonly id: number;
  /** Source node id. */
  readonly src: string;
  /** Destination node id. */
  readonly dst: string;
  /** The ends are in different clusters. */
  readonly cross: boolean;
  /** One end is outside the clusters. */
  readonly external: boolean;
  /** Per layer consulted for the pair: the ports it allows (`''`: nothing). */
  readonly layers: Readonly<Partial<Record<AnalysisLayer, string>>>;
  /** The ports every layer allows together (`''`: nothing). */
  readonly effective: string;
  /** Layers consulted for the pair disagree on what is allowed. */
  readonly disagreement: boolean;
  /** For an external end: the address ranges concerned, merged. @default - none */
  readonly ranges?: string;
  /** The break-glass grant the flow belongs to, if any. @default - none */
  readonly breakGlass?: string;
  /** The explain view. @default - not computed (over {@link ReportDataOptions.maxExplanations}) */
  readonly explanation?: ReportExplanation;
  /** The {@link ReportBlock} the row belongs to (an index into {@link ReportData.blocks}). @default - none: a row of its own */
  readonly block?: number;
}

/**
 * Matrix rows that give the same answer: every pair of `sources` × `destinations` is a row
 * (in {@link ReportData.flows}, marked with the block's index) with exactly these ports in
 * every layer and nothing allowed together. The page shows a block as one row per pair of
 * groups with a count, and lists its pairs on demand; nothing is left out, only said once.
 * Typically a destination no Istio AuthorizationPolicy selects: Istio allows every source
 * while the network layers deny them.
 */
export interface ReportBlock {
  /** Index in {@link ReportData.blocks}. */
  readonly id: number;
  /** Source node ids, sorted. */
  readonly sources: readonly string[];
  /** Destination node ids, sorted. */
  readonly destinations: readonly string[];
  /** Per layer consulted: the ports it allows on every pair (`''`: nothing). */
  readonly layers: Readonly<Partial<Record<AnalysisLayer, string>>>;
  /** The ends are in different clusters. */
  readonly cross: boolean;
  /** The layers disagree on every pair of the block. */
  readonly disagreement: boolean;
  /** Pairs: sources × destinations. */
  readonly pairs: number;
  /** The row of its first pair (its first source to its first destination), which holds the block's explanation when one is held. */
  readonly sample: number;
}

/** A tier and its controls. */
export interface ReportTier {
  /** Tier name. */
  readonly name: string;
  /** Level. */
  readonly level: string;
  /** Controls, as shown (mTLS, mutual auth, SVID TTL, internet egress, audit logging, guardrails). @default - unknown (manifests) */
  readonly controls?: Readonly<Record<string, string>>;
  /** How many workloads it holds. */
  readonly workloads: number;
}

/** A break-glass grant in force. */
export interface ReportGrant {
  /** Name. */
  readonly name: string;
  /** Start, RFC 3339. @default - unknown */
  readonly startsAt?: string;
  /** Expiry, RFC 3339. */
  readonly expiresAt: string;
  /** Time left at {@link ReportDataOptions.now}, when given. @default - not computed */
  readonly remaining?: string;
  /** Why. @default - unknown */
  readonly reason?: string;
  /** Ticket. @default - none */
  readonly ticket?: string;
  /** Approvers. */
  readonly approvers: readonly string[];
  /** What it opens, as `src → dst : ports`, or the objects that carry it. */
  readonly grants: readonly string[];
}

/** Everything the report shows. */
export interface ReportData {
  /** Title. */
  readonly title: string;
  /** What it was made from. */
  readonly source: 'declaration' | 'manifests';
  /** The generation time as given. @default - none */
  readonly generatedAt?: string;
  /** How the overview aggregates. */
  readonly groupBy: ReportGroupBy;
  /** Clusters, sorted by name. */
  readonly clusters: readonly ReportCluster[];
  /** Layers present anywhere, in report order. */
  readonly layers: readonly AnalysisLayer[];
  /** Nodes, sorted by id. */
  readonly nodes: readonly ReportNode[];
  /** Groups, sorted by id. */
  readonly groups: readonly ReportGroup[];
  /** Matrix rows (pairs some layer allows), sorted by source then destination. */
  readonly flows: readonly ReportFlow[];
  /** Rows that give the same answer, said once (see {@link ReportBlock}). */
  readonly blocks: readonly ReportBlock[];
  /** Tiers, most sensitive first. */
  readonly tiers: readonly ReportTier[];
  /** Break-glass grants in force, sorted by name. */
  readonly grants: readonly ReportGrant[];
  /** Acknowledged warnings. */
  readonly acknowledged: readonly Problem[];
  /** The other warnings. */
  readonly warnings: readonly Problem[];
  /** verify's result, for a declaration. @default - none */
  readonly verify?: VerifyReport;
  /** How many flows have no precomputed explanation (over the limit). */
  readonly unexplained: number;
}

/** A block holds at least this many pairs; fewer rows of one answer stay rows of their own. */
export const BLOCK_MIN_PAIRS = 8;

/** How many flows get an explanation in the page unless told otherwise (the others point at `bulkhead explain`). */
export const DEFAULT_MAX_EXPLANATIONS = 2000;

const LEVEL_ORDER = ['critical', 'highly-sensitive', 'sensitive', 'internal', 'public'];
const PROTOCOL_PREFERENCE: readonly L4Protocol[] = ['TCP', 'UDP', 'SCTP'];
/** The node every address outside the clusters that no declared external names goes to. */
export const OTHER_EXTERNAL = 'ext:other';

/** Splits a multi-cluster endpoint id `<cluster>:<id>`. */
function splitId(id: string): { cluster: string; rest: string } {
  const i = id.indexOf(':');
  return { cluster: id.slice(0, i), rest: id.slice(i + 1) };
}

/** `ns/name[Kind]` → its parts. */
function workloadParts(rest: string): { namespace: string; name: string } {
  const m = /^([^/]*)\/(.*?)(\[[^\]]*\])?$/.exec(rest);
  return m ? { namespace: m[1], name: m[2] } : { namespace: '', name: rest };
}

function rangeOf(id: string): [number, number] {
  const [a, b] = id.split('-');
  const first = parseIpv4(a) ?? 0;
  return [first, b === undefined ? first : parseIpv4(b) ?? first];
}

/** A representative connection of a port set: the first port of TCP, else UDP, else SCTP. */
export function representativePort(ports: PortSet): { protocol: L4Protocol; port: number } | undefined {
  for (const p of PROTOCOL_PREFERENCE) {
    const r = ports.rangesOf(p);
    if (r.length > 0) return { protocol: p, port: r[0][0] };
  }
  return undefined;
}

/** Named externals of a plan, as address ranges (declared CIDRs, and the addresses their FQDNs were resolved to). */
interface NamedExternal {
  readonly id: string;
  readonly name: string;
  readonly ranges: readonly (readonly [number, number])[];
  readonly detail: string;
}

/** The IPv4 ranges of a list of CIDRs (the IPv6 and invalid ones left out). */
function ipv4RangesOf(cidrs: readonly string[]): [number, number][] {
  const out: [number, number][] = [];
  for (const c of cidrs) {
    const p = parseCidr(c);
    if (p.family === 'ipv4') out.push([p.range[0], p.range[1]]);
  }
  return out;
}

function namedExternals(plan: Plan | undefined, resolved: Readonly<Record<string, string>>): NamedExternal[] {
  if (!plan) return [];
  return plan.externals.map((x) => {
    const ranges = ipv4RangesOf(x.cidrs);
    for (const [address, name] of Object.entries(resolved)) {
      const a = parseIpv4(address);
      if (name === x.name && a !== undefined) ranges.push([a, a]);
    }
    const detail = [...x.fqdns, ...x.cidrs, ...x.except.map((e) => `except ${e}`)].join(', ');
    return { id: `ext:${x.name}`, name: x.name, ranges, detail };
  });
}

/** The node an external address range belongs to: the named external that contains it, else {@link OTHER_EXTERNAL}. */
function externalNodeOf(named: readonly NamedExternal[], range: readonly [number, number]): string {
  // the most specific external that holds the whole range
  let best: { id: string; size: number } | undefined;
  for (const x of named) {
    for (const r of x.ranges) {
      if (r[0] <= range[0] && range[1] <= r[1] && (!best || r[1] - r[0] < best.size)) best = { id: x.id, size: r[1] - r[0] };
    }
  }
  return best ? best.id : OTHER_EXTERNAL;
}

/**
 * The ports a layer enforces: Istio authorizes TCP only (sidecars and ztunnel do not intercept
 * UDP or SCTP), so its answer on other protocols says nothing; the other layers enforce every protocol.
 */
export function enforcedScope(layer: AnalysisLayer): PortSet {
  return layer === 'istio' ? PortSet.allOf('TCP') : PortSet.ALL;
}

interface Row {
  src: string;
  dst: string;
  srcCluster: string;
  dstCluster: string;
  layers: Map<AnalysisLayer, PortSet>;
  effective: PortSet;
  ranges: [number, number][];
  /** A raw connection to explain: multi-cluster ids and its ports. */
  sample?: { src: string; dst: string; ports: PortSet; effective: boolean };
  /** For a pair of cloud endpoints: the endpoints, explained by the cloud layer. */
  cloudPair?: readonly [CloudEndpoint, CloudEndpoint, string];
  /** For a cluster workload with security groups of its own and a cloud endpoint: the pair the aws layer judges, and the network. */
  awsPair?: readonly [CloudEndpoint, CloudEndpoint, string];
}

function tierControls(t: PlanTier): Record<string, string> {
  return {
    mTLS: t.mtls,
    'mutual auth': t.mutualAuth ? 'yes' : 'no',
    'max SVID TTL': `${t.maxSvidTtlSeconds} s`,
    'internet egress': String(t.internetEgress),
    'audit logging': t.auditLogging ? 'yes' : 'no',
    guardrails: t.guardrails ? 'yes' : 'no',
  };
}

/** `2h 5m` for a number of seconds. */
export function durationText(seconds: number): string {
  if (seconds <= 0) return 'expired';
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const parts = [...(d ? [`${d}d`] : []), ...(h ? [`${h}h`] : []), ...(m || (!d && !h) ? [`${m}m`] : [])];
  return parts.join(' ');
}

/**
 * Builds the report's data from the analysis (and, for a declaration, its plan and verify's
 * result). Deterministic: the same input gives an equal model, whatever the order the
 * analysis lists things in.
 */
export function buildReportData(input: ReportInput, options: ReportDataOptions = {}): ReportData {
  const multi = input.analysis;
  const plan = input.plan;
  const groupBy = options.groupBy ?? 'domain';
  const maxExplanations = options.maxExplanations ?? DEFAULT_MAX_EXPLANATIONS;
  const order = SIMULATORS.map((s) => s.layer);
  const present = new Map<string, AnalysisLayer[]>(multi.clusters.map((c) => [c.facts.name, order.filter((l) => c.analysis.presentLayers.includes(l))]));
  const layers = order.filter((l) => [...present.values()].some((ls) => ls.includes(l)));
  const clusters: ReportCluster[] = multi.clusters.map((c) => ({
    name: c.facts.name,
    layers: present.get(c.facts.name) ?? [],
    trustDomain: c.analysis.context.trustDomain,
    ...(c.facts.cloud || c.facts.region ? { where: [c.facts.cloud, c.facts.region].filter((x) => x).join(' ') } : {}),
  })).sort((a, b) => cmp(a.name, b.name));

  // Workload nodes.
  const planWorkloads = new Map((plan?.workloads ?? []).map((w) => [`${w.cluster}/${w.namespace}/${w.name}`, w]));
  const platform = new Map((plan?.platform ?? []).map((p) => [`${p.cluster}/${p.namespace}/platform-${p.name}`, p]));
  const nodes = new Map<string, ReportNode>();
  const groupOf = (domain: string | undefined, cluster: string, namespace: string): string =>
    (groupBy === 'domain' && domain ? `domain:${domain}` : `ns:${cluster}/${namespace}`);
  for (const c of multi.clusters) {
    for (const w of c.analysis.context.workloads) {
      const id = `${c.facts.name}:${w.id}`;
      const key = `${c.facts.name}/${w.namespace}/${w.name}`;
      const pw = planWorkloads.get(key);
      const pp = platform.get(key);
      const domain = pw ? pw.domain : plan ? undefined : w.labels[LABELS.domain];
      const level = pw ? pw.tier.level : plan ? undefined : w.labels[LABELS.tier];
      const tier = pw ? pw.tier.name : level;
      nodes.set(id, {
        id,
        label: `${w.namespace}/${pw?.name ?? pp?.name ?? w.name}`,
        kind: pp ? 'platform' : 'workload',
        cluster: c.facts.name,
        namespace: w.namespace,
        ...(tier !== undefined ? { tier } : {}),
        ...(level !== undefined ? { level: String(level) } : {}),
        ...(domain !== undefined ? { domain } : {}),
        group: groupOf(domain, c.facts.name, w.namespace),
      });
    }
  }
  // Cloud endpoints (VM fleets, managed services) of the networks, and what their groups allow between them.
  const cloudEndpoints = (input.cloud?.endpoints ?? []).filter((e) => e.id.startsWith('cloud:'));
  const networkOfCloud = (e: CloudEndpoint): string => e.network ?? e.vpc;
  const cloudPlan = new Map((plan?.cloudWorkloads ?? []).map((w) => [w.key, w]));
  for (const e of cloudEndpoints) {
    const pw = cloudPlan.get(e.id);
    const network = networkOfCloud(e);
    nodes.set(e.id, {
      id: e.id,
      label: e.id.slice('cloud:'.length),
      kind: 'cloud',
      cluster: network,
      ...(pw ? { tier: pw.tier.name, level: String(pw.tier.level) } : {}),
      ...(pw?.domain ? { domain: pw.domain } : {}),
      group: groupBy === 'domain' && pw?.domain ? `domain:${pw.domain}` : `network:${network}`,
      detail: `security groups ${e.groups.join(', ')}${e.ranges.length > 0 ? ` · ${e.ranges.join(', ')}` : ''}`,
    });
  }
  if (cloudEndpoints.length > 0) {
    for (const e of cloudEndpoints) present.set(networkOfCloud(e), ['aws']);
    if (!layers.includes('aws')) layers.splice(order.filter((l) => layers.includes(l) || l === 'aws').indexOf('aws'), 0, 'aws');
  }
  const named = namedExternals(plan, input.resolved ?? {});
  // the IPv4 ranges of each cloud endpoint (a VM fleet's or a managed service's subnets): a
  // cluster's answer for an address range within them is its answer for those endpoints
  const cloudRanges = cloudEndpoints.map((e) => ({ e, ranges: ipv4RangesOf(e.ranges) }));
  /** The cloud endpoints whose subnets hold the whole range, the most specific ones (several when they share a subnet). */
  const cloudOfRange = (range: readonly [number, number]): CloudEndpoint[] => {
    let best = Infinity;
    let out: CloudEndpoint[] = [];
    for (const { e, ranges } of cloudRanges) {
      for (const r of ranges) {
        if (r[0] > range[0] || range[1] > r[1]) continue;
        const size = r[1] - r[0];
        if (size < best) { best = size; out = [e]; } else if (size === best && !out.includes(e)) out.push(e);
      }
    }
    return out;
  };
  const nodesOf = (id: string): { node: string; cluster: string; range?: [number, number] }[] => {
    const { cluster, rest } = splitId(id);
    if (isExternalId(rest)) {
      const range = rangeOf(rest);
      const clouds = cloudOfRange(range);
      if (clouds.length > 0) return clouds.map((e) => ({ node: e.id, cluster: networkOfCloud(e), range }));
      return [{ node: externalNodeOf(named, range), cluster, range }];
    }
    return [{ node: id, cluster }];
  };

  // Rows: per-layer and effective connectivity, joined by node pair.
  const rows = new Map<string, Row>();
  const rowsOf = (c: AllowedConnection): Row[] => {
    const out: Row[] = [];
    for (const s of nodesOf(c.src)) {
      for (const d of nodesOf(c.dst)) {
        const key = `${s.node}\u0000${d.node}`;
        let row = rows.get(key);
        if (!row) {
          row = { src: s.node, dst: d.node, srcCluster: s.cluster, dstCluster: d.cluster, layers: new Map(), effective: PortSet.EMPTY, ranges: [] };
          rows.set(key, row);
        }
        const r = s.range ?? d.range;
        if (r) row.ranges.push(r);
        out.push(row);
      }
    }
    return out;
  };
  const { perLayer, effective } = connectivityOf(multi, layers, present);
  for (const c of perLayer) {
    for (const row of rowsOf(c)) {
      row.layers.set(c.layer, (row.layers.get(c.layer) ?? PortSet.EMPTY).union(c.ports));
      if (!row.sample) row.sample = { src: c.src, dst: c.dst, ports: c.ports, effective: false };
    }
  }
  for (const c of effective) {
    for (const row of rowsOf(c)) {
      row.effective = row.effective.union(c.ports);
      if (!row.sample || !row.sample.effective) row.sample = { src: c.src, dst: c.dst, ports: c.ports, effective: true };
    }
  }
  for (const a of cloudEndpoints) {
    for (const b of cloudEndpoints) {
      if (a === b) continue;
      const ports = input.cloud!.allowedPorts(a, b);
      if (ports.isEmpty()) continue;
      const key = `${a.id}\u0000${b.id}`;
      // the groups are the only layer between two cloud endpoints: what they allow is the effective connectivity
      rows.set(key, { src: a.id, dst: b.id, srcCluster: networkOfCloud(a), dstCluster: networkOfCloud(b), layers: new Map([['aws', ports]]), effective: ports, ranges: [], cloudPair: [a, b, networkOfCloud(a)] });
    }
  }
  // Between a cluster workload and a cloud endpoint: the cluster's layers judged the endpoint's
  // addresses (above); the aws layer judges the pair when the workload is a member of security
  // groups (its pods have their own, `bulkhead.io/members`), and both must allow a port. For a
  // workload without groups of its own the aws layer is not consulted: which addresses its
  // traffic carries depends on the network plugin.
  const workloadNode = new Map<string, string>();
  for (const n of nodes.values()) {
    if (n.kind === 'cloud' || n.cluster === undefined) continue;
    const { namespace, name } = workloadParts(splitId(n.id).rest);
    workloadNode.set(`${n.cluster}/${namespace}/${name}`, n.id);
  }
  const members = (input.cloud?.endpoints ?? []).filter((e) => !e.id.startsWith('cloud:') && workloadNode.has(e.id));
  const memberNodes = new Set(members.map((m) => workloadNode.get(m.id)!));
  const cloudIds = new Set(cloudEndpoints.map((e) => e.id));
  for (const m of members) {
    const node = workloadNode.get(m.id)!;
    const cluster = splitId(node).cluster;
    for (const c of cloudEndpoints) {
      for (const [a, b, src, dst, srcCluster, dstCluster] of [[m, c, node, c.id, cluster, networkOfCloud(c)], [c, m, c.id, node, networkOfCloud(c), cluster]] as const) {
        const ports = input.cloud!.allowedPorts(a, b);
        const key = `${src}\u0000${dst}`;
        let row = rows.get(key);
        if (!row && ports.isEmpty()) continue;
        if (!row) {
          row = { src, dst, srcCluster, dstCluster, layers: new Map(), effective: PortSet.EMPTY, ranges: [] };
          rows.set(key, row);
        }
        row.layers.set('aws', ports);
        row.effective = row.effective.intersect(ports);
        row.awsPair = [a, b, networkOfCloud(c)];
      }
    }
  }
  // the layers consulted for a row: those of its ends' clusters (a cloud endpoint's network runs aws), but aws only for a member
  const consultedOf = (r: Row): AnalysisLayer[] => {
    const a = present.get(r.srcCluster) ?? [];
    const b = present.get(r.dstCluster) ?? [];
    const mixed = (cloudIds.has(r.src) && !cloudIds.has(r.dst) && !memberNodes.has(r.dst)) || (cloudIds.has(r.dst) && !cloudIds.has(r.src) && !memberNodes.has(r.src));
    return layers.filter((l) => (a.includes(l) || b.includes(l)) && !(mixed && l === 'aws'));
  };

  // Break-glass flows of the plan, by node pair.
  const grantOfPair = new Map<string, string>();
  if (plan) {
    const nodeOfKey = new Map<string, string>();
    for (const n of nodes.values()) {
      if (n.kind !== 'workload' || n.cluster === undefined) continue;
      const { namespace, name } = workloadParts(splitId(n.id).rest);
      nodeOfKey.set(`${n.cluster}/${namespace}/${name}`, n.id);
    }
    for (const f of plan.flows) {
      if (f.origin !== 'break-glass' || !f.breakGlass) continue;
      const s = nodeOfKey.get(f.source.key);
      const d = nodeOfKey.get(f.destination.key);
      if (s && d) grantOfPair.set(`${s}\u0000${d}`, f.breakGlass);
    }
  }

  const sortedRows = [...rows.entries()].sort((a, b) => cmp(a[1].src, b[1].src) || cmp(a[1].dst, b[1].dst)).map(([k, r]) => ({ key: k, row: r }));
  // decided once per row: the explanations' order and the rows both read it
  const disagreement = new Map<Row, boolean>(sortedRows.map((x) => [x.row, disagreeing(consultedOf(x.row), x.row.layers)]));
  const disagrees = (r: Row): boolean => disagreement.get(r) === true;
  // per row, the ports of each layer consulted, as text (the rows, the blocks and their classes read it)
  const textsOf = (r: Row): Partial<Record<AnalysisLayer, string>> => {
    const out: Partial<Record<AnalysisLayer, string>> = {};
    for (const l of consultedOf(r)) out[l] = portsText(r.layers.get(l) ?? PortSet.EMPTY);
    return out;
  };
  const texts = new Map<Row, Partial<Record<AnalysisLayer, string>>>(sortedRows.map((x) => [x.row, textsOf(x.row)]));
  const idOfKey = new Map(sortedRows.map((x, i) => [x.key, i]));

  // Blocks: rows of one answer (every layer's ports, nothing allowed together) between every
  // source and every destination of a rectangle; by answer, then destination, then the same sources
  const blockOfKey = new Map<string, number>();
  const blocks: ReportBlock[] = [];
  {
    const byAnswer = new Map<string, Map<string, string[]>>();
    for (const { key, row } of sortedRows) {
      if (!row.effective.isEmpty() || row.ranges.length > 0 || row.cloudPair || row.awsPair || grantOfPair.has(key) || row.src.startsWith('ext:') || row.dst.startsWith('ext:')) continue;
      const t = texts.get(row)!;
      const answer = `${row.srcCluster !== row.dstCluster ? 1 : 0}\u0000${layers.map((l) => (l in t ? `${l}=${t[l]}` : '')).join('\u0000')}`;
      let byDst = byAnswer.get(answer);
      if (!byDst) byAnswer.set(answer, (byDst = new Map()));
      const list = byDst.get(row.dst);
      if (list) list.push(row.src);
      else byDst.set(row.dst, [row.src]);
    }
    for (const byDst of byAnswer.values()) {
      const bySources = new Map<string, { sources: string[]; destinations: string[] }>();
      for (const [dst, sources] of byDst) {
        const k = sources.join('\u0000');
        const r = bySources.get(k);
        if (r) r.destinations.push(dst);
        else bySources.set(k, { sources, destinations: [dst] });
      }
      for (const r of bySources.values()) {
        const pairs = r.sources.length * r.destinations.length;
        if (pairs < BLOCK_MIN_PAIRS) continue;
        const destinations = [...r.destinations].sort(cmp);
        const id = blocks.length;
        const first = rows.get(`${r.sources[0]}\u0000${destinations[0]}`)!;
        for (const a of r.sources) for (const b of destinations) blockOfKey.set(`${a}\u0000${b}`, id);
        blocks.push({
          id, sources: r.sources, destinations, layers: texts.get(first)!, cross: first.srcCluster !== first.dstCluster, disagreement: disagrees(first), pairs,
          sample: idOfKey.get(`${r.sources[0]}\u0000${destinations[0]}`)!,
        });
      }
    }
  }

  // Explanations: one pair of each block first (up to half the limit: a block stands for many
  // rows), then the effective flows, then the other disagreements, up to the limit.
  const blockSamples = blocks.slice(0, Math.floor(maxExplanations / 2)).map((b) => sortedRows[b.sample]);
  const explainOrder = [
    ...blockSamples,
    ...sortedRows.filter((x) => !x.row.effective.isEmpty()),
    ...sortedRows.filter((x) => x.row.effective.isEmpty() && disagrees(x.row) && !blockOfKey.has(x.key)),
  ];
  const explanations = new Map<string, ReportExplanation>();
  for (const { key, row } of explainOrder.slice(0, maxExplanations)) {
    const e = row.cloudPair ? explainCloudRow(input.cloud!, row) : row.awsPair ? explainMemberRow(multi, input.cloud!, row) : explainRow(multi, row);
    if (e) explanations.set(key, e);
  }

  const flows: ReportFlow[] = sortedRows.map(({ key, row }, id) => {
    const grant = grantOfPair.get(key);
    const explanation = explanations.get(key);
    const block = blockOfKey.get(key);
    return {
      id,
      src: row.src,
      dst: row.dst,
      cross: row.srcCluster !== row.dstCluster,
      external: row.src.startsWith('ext:') || row.dst.startsWith('ext:'),
      layers: texts.get(row)!,
      effective: portsText(row.effective),
      disagreement: disagrees(row),
      ...(row.ranges.length > 0 ? { ranges: mergeIntervals(row.ranges).map(([a, b]) => rangeId(a, b)).join(', ') } : {}),
      ...(grant ? { breakGlass: grant } : {}),
      ...(explanation ? { explanation } : {}),
      ...(block !== undefined ? { block } : {}),
    };
  });

  // External nodes that some flow touches.
  for (const f of flows) {
    for (const id of [f.src, f.dst]) {
      if (!id.startsWith('ext:') || nodes.has(id)) continue;
      const x = named.find((n) => n.id === id);
      nodes.set(id, { id, label: x ? x.name : 'other addresses', kind: 'external', group: 'external', ...(x ? { detail: x.detail } : { detail: 'addresses outside the clusters that no declared external names' }) });
    }
  }
  const nodeList = [...nodes.values()].sort((a, b) => cmp(a.id, b.id));

  const groups = new Map<string, { members: string[]; levels: Set<string>; clusters: Set<string> }>();
  for (const n of nodeList) {
    const g = groups.get(n.group) ?? { members: [], levels: new Set<string>(), clusters: new Set<string>() };
    g.members.push(n.id);
    if (n.level) g.levels.add(n.level);
    if (n.cluster) g.clusters.add(n.cluster);
    groups.set(n.group, g);
  }
  const groupList: ReportGroup[] = [...groups.entries()].map(([id, g]) => ({
    id,
    label: id === 'external' ? 'outside the clusters' : id.startsWith('domain:') ? id.slice('domain:'.length) : id.startsWith('network:') ? `network ${id.slice('network:'.length)}` : id.slice('ns:'.length),
    kind: id === 'external' ? 'external' as const : id.startsWith('domain:') ? 'domain' as const : id.startsWith('network:') ? 'network' as const : 'namespace' as const,
    members: g.members,
    levels: [...g.levels].sort((a, b) => levelRank(a) - levelRank(b) || cmp(a, b)),
    clusters: [...g.clusters].sort(cmp),
  })).sort((a, b) => cmp(a.id, b.id));

  const warnings = [...(input.warnings ?? [])];
  return {
    title: input.title,
    source: input.source,
    ...(options.generatedAt !== undefined ? { generatedAt: options.generatedAt } : {}),
    groupBy,
    clusters,
    layers,
    nodes: nodeList,
    groups: groupList,
    flows,
    blocks,
    tiers: tiersOf(plan, nodeList),
    grants: plan ? grantsOfPlan(plan, options.now) : grantsOfManifests(multi, options.now),
    acknowledged: warnings.filter((w) => w.acknowledged),
    warnings: warnings.filter((w) => !w.acknowledged),
    ...(input.verify ? { verify: input.verify } : {}),
    unexplained: sortedRows.length - explanations.size,
  };
}

/**
 * Whether layers disagree on a pair: two of them allow different ports within the protocols
 * both enforce (see {@link enforcedScope}).
 */
export function disagreeing(layers: readonly AnalysisLayer[], ports: ReadonlyMap<AnalysisLayer, PortSet>): boolean {
  for (let i = 0; i < layers.length; i++) {
    for (let j = i + 1; j < layers.length; j++) {
      const scope = enforcedScope(layers[i]).intersect(enforcedScope(layers[j]));
      const a = (ports.get(layers[i]) ?? PortSet.EMPTY).intersect(scope);
      const b = (ports.get(layers[j]) ?? PortSet.EMPTY).intersect(scope);
      if (!a.equals(b)) return true;
    }
  }
  return false;
}

/** A connection one layer allows. */
export type LayerConnection = AllowedConnection & { readonly layer: AnalysisLayer };

/**
 * What each layer allows, within the protocols it enforces ({@link enforcedScope}), and what
 * every layer allows together (the effective connectivity): the pairs within each cluster from
 * that cluster's analysis, and the pairs across clusters as both sides judge them. Across
 * clusters each side's answer is computed once per pair (the layer's bulk query, see
 * {@link MultiClusterAnalysis.sideMatrix}) and serves both the layer's row and the effective
 * one. A layer with a narrower scope (Istio: TCP) is listed across clusters only for the pairs
 * another layer allows something between: it would otherwise list nearly every pair for the
 * protocols it leaves to the network layers. The pairs in question narrow side by side: a wide
 * layer's later sides, and the narrow layers, are asked only about the pairs its earlier sides
 * allow something on.
 *
 * @param multi the analysis
 * @param layers the layers, in report order
 * @param present the layers each cluster runs
 * @param exhaustive judge every pair of every couple of clusters with each wide layer's sides
 *   (the reference the narrowing is tested against; it gives the same connections)
 */
export function connectivityOf(
  multi: MultiClusterAnalysis, layers: readonly AnalysisLayer[], present: ReadonlyMap<string, readonly AnalysisLayer[]>, exhaustive = false,
): { perLayer: LayerConnection[]; effective: AllowedConnection[] } {
  const perLayer: LayerConnection[] = [];
  const effective: AllowedConnection[] = [];
  const runs = (cluster: string, layer: AnalysisLayer): boolean => (present.get(cluster) ?? []).includes(layer);
  for (const c of multi.clusters) {
    const n = c.facts.name;
    for (const layer of layers) {
      if (!runs(n, layer)) continue;
      for (const a of c.analysis.connectivity({ layer, scope: enforcedScope(layer) })) perLayer.push({ layer, src: `${n}:${a.src}`, dst: `${n}:${a.dst}`, ports: a.ports });
    }
    for (const a of c.analysis.connectivity()) effective.push({ src: `${n}:${a.src}`, dst: `${n}:${a.dst}`, ports: a.ports });
  }
  const wide = layers.filter((l) => enforcedScope(l).isAll());
  const narrow = layers.filter((l) => !enforcedScope(l).isAll());
  for (const a of multi.clusters) {
    for (const b of multi.clusters) {
      if (a === b) continue;
      const A = a.facts.name;
      const B = b.facts.name;
      const srcs = a.analysis.context.workloads;
      const dsts = b.analysis.context.workloads;
      const nd = dsts.length;
      // the pairs still in question, by destination (ascending sources), or every pair
      type Pairs = number[][] | undefined;
      const fromKeys = (keys: readonly number[], within: Pairs): number[][] => {
        const by: number[][] = Array.from({ length: nd }, () => []);
        const keep = within ? new Set(within.flatMap((ss, j) => ss.map((i) => i * nd + j))) : undefined;
        for (const k of [...keys].sort((x, y) => x - y)) if (!keep || keep.has(k)) by[k % nd].push(Math.floor(k / nd));
        return by;
      };
      const asCandidates = (p: Pairs): CandidatePairs | undefined => (p ? { sourcesOf: (dst) => p[dst] } : undefined);
      // one layer's sides, each bulk query asked only about the pairs the sides before it left
      // (the egress side: A runs it; the ingress side: B runs it); the pairs it may allow
      // the pairs a side without a bulk answer allows something on, among those still in question
      const nonEmptyOf = (m: SideMatrix, within: Pairs): number[][] => {
        const by: number[][] = Array.from({ length: nd }, () => []);
        if (within) within.forEach((ss, j) => { for (const i of ss) if (!m(i, j).isEmpty()) by[j].push(i); });
        else for (let j = 0; j < nd; j++) for (let i = 0; i < srcs.length; i++) if (!m(i, j).isEmpty()) by[j].push(i);
        return by;
      };
      // (a side that sees the peers by address answers per workload, cheaply: asking it about every
      // pair leaves the later sides, and the narrow layers, only the pairs it allows something on)
      const sidesOf = (layer: AnalysisLayer, within: Pairs, narrowing: boolean): { sides: SideMatrix[]; pairs: Pairs } => {
        const sides: SideMatrix[] = [];
        let pairs = within;
        const add = (m: SideMatrix): void => {
          sides.push(m);
          if (m.nonEmpty) pairs = fromKeys(m.nonEmpty, pairs);
          else if (narrowing && !exhaustive) pairs = nonEmptyOf(m, pairs);
        };
        for (const sim of multi.consulted(A, layer)) add(multi.sideMatrix(sim, 'egress', A, srcs, B, dsts, undefined, asCandidates(pairs)));
        for (const sim of multi.consulted(B, layer)) add(multi.sideMatrix(sim, 'ingress', A, srcs, B, dsts, undefined, asCandidates(pairs)));
        return { sides, pairs };
      };
      const judged = (sides: readonly SideMatrix[], i: number, j: number): PortSet => {
        let ports = PortSet.ALL;
        for (const side of sides) {
          ports = ports.intersect(side(i, j));
          if (ports.isEmpty()) break;
        }
        return ports;
      };
      const wideSides = wide.filter((l) => runs(A, l) || runs(B, l)).map((l) => ({ layer: l, ...sidesOf(l, undefined, true) }));
      // a row needs some wide layer to allow something: the union of their pairs (every pair when one of them cannot say)
      let rows: Pairs = wideSides.length === 0 || wideSides.some((w) => w.pairs === undefined) ? undefined : Array.from({ length: nd }, () => []);
      if (rows) {
        const union: Set<number>[] = Array.from({ length: nd }, () => new Set<number>());
        for (const w of wideSides) w.pairs!.forEach((ss, j) => { for (const i of ss) union[j].add(i); });
        rows = union.map((u) => [...u].sort((x, y) => x - y));
      }
      const narrowSides = narrow.filter((l) => runs(A, l) || runs(B, l)).map((l) => ({ layer: l, sides: sidesOf(l, rows, false).sides, scope: enforcedScope(l) }));
      const visit = (i: number, j: number): void => {
        // most pairs have nothing allowed by any wide layer: nothing is built for them
        let hits: [AnalysisLayer, PortSet][] | undefined;
        for (const w of wideSides) {
          const ports = judged(w.sides, i, j);
          if (!ports.isEmpty()) (hits ??= []).push([w.layer, ports]);
        }
        if (!hits && wideSides.length > 0) return;
        const src = `${A}:${srcs[i].id}`;
        const dst = `${B}:${dsts[j].id}`;
        let together = !hits || hits.length === wideSides.length ? PortSet.ALL : PortSet.EMPTY;
        for (const [layer, ports] of hits ?? []) {
          together = together.isEmpty() ? together : together.intersect(ports);
          perLayer.push({ layer, src, dst, ports });
        }
        for (const x of narrowSides) {
          const ports = judged(x.sides, i, j);
          together = together.isEmpty() ? together : together.intersect(ports);
          const scoped = ports.intersect(x.scope);
          if (!scoped.isEmpty()) perLayer.push({ layer: x.layer, src, dst, ports: scoped });
        }
        if (!together.isEmpty()) effective.push({ src, dst, ports: together });
      };
      if (rows) {
        // source-major, as the pairs are listed
        const bySource: number[][] = Array.from({ length: srcs.length }, () => []);
        rows.forEach((ss, j) => { for (const i of ss) bySource[i].push(j); });
        bySource.forEach((ds, i) => { for (const j of ds) visit(i, j); });
      } else {
        for (let i = 0; i < srcs.length; i++) for (let j = 0; j < nd; j++) visit(i, j);
      }
    }
  }
  return { perLayer, effective };
}

function levelRank(level: string): number {
  const i = LEVEL_ORDER.indexOf(level);
  return i < 0 ? LEVEL_ORDER.length : i;
}

function portsText(p: PortSet): string {
  return p.isEmpty() ? '' : p.toString();
}

function explainRow(multi: MultiClusterAnalysis, row: Row): ReportExplanation | undefined {
  const sample = row.sample;
  if (!sample) return undefined;
  const port = representativePort(row.effective.isEmpty() ? sample.ports : row.effective);
  if (!port) return undefined;
  let e: MultiClusterExplanation;
  try {
    e = multi.explain(endpointText(sample.src), endpointText(sample.dst), { protocol: port.protocol, port: port.port });
  } catch {
    return undefined;
  }
  return {
    connection: `${port.protocol}/${port.port} from ${e.src} to ${e.dst}`,
    allowed: e.allowed,
    sides: e.sides.map((s) => ({
      cluster: s.cluster,
      direction: s.direction,
      layers: s.layers.map((l) => ({ layer: l.layer, allowed: l.allowed, ...(l.l7Restricted ? { l7: true } : {}), reasons: l.reasons.map((r) => ({ ...r })) })),
    })),
  };
}

function explainCloudRow(cloud: CloudLayer, row: Row): ReportExplanation | undefined {
  const [a, b, network] = row.cloudPair!;
  const port = representativePort(row.effective);
  if (!port) return undefined;
  const v = cloud.explain(a, b, { protocol: port.protocol, port: port.port });
  return {
    connection: `${port.protocol}/${port.port} from ${a.id} to ${b.id}`,
    allowed: v.allowed,
    sides: [{ cluster: network, direction: 'local', layers: [{ layer: v.layer, allowed: v.allowed, reasons: v.reasons.map((r) => ({ ...r })) }] }],
  };
}

/**
 * The explanation of a row between a cluster workload with groups of its own and a cloud
 * endpoint: the cluster's layers on the endpoint's address (when they allow something), then
 * the aws layer on the pair.
 */
function explainMemberRow(multi: MultiClusterAnalysis, cloud: CloudLayer, row: Row): ReportExplanation | undefined {
  const [a, b, network] = row.awsPair!;
  const aws = row.layers.get('aws') ?? PortSet.EMPTY;
  const port = representativePort(!row.effective.isEmpty() ? row.effective : !aws.isEmpty() ? aws : row.sample?.ports ?? PortSet.EMPTY);
  if (!port) return undefined;
  const v = cloud.explain(a, b, { protocol: port.protocol, port: port.port });
  const awsSide = { cluster: network, direction: 'local', layers: [{ layer: v.layer, allowed: v.allowed, reasons: v.reasons.map((r) => ({ ...r })) }] };
  // the cluster's side: its layers on the cloud endpoint's address (its stand-in inside its subnets)
  const workload = a.id.startsWith('cloud:') ? row.dst : row.src;
  const other = a.id.startsWith('cloud:') ? a : b;
  const address = other.ipv4 !== undefined ? `${splitId(workload).cluster}:${other.ipv4}` : undefined;
  let cluster: ReportExplanation | undefined;
  if (address !== undefined) {
    try {
      const e = workload === row.src ? multi.explain(workload, address, { protocol: port.protocol, port: port.port }) : multi.explain(address, workload, { protocol: port.protocol, port: port.port });
      cluster = { connection: '', allowed: e.allowed, sides: e.sides.map((s) => ({ cluster: s.cluster, direction: s.direction, layers: s.layers.map((l) => ({ layer: l.layer, allowed: l.allowed, ...(l.l7Restricted ? { l7: true } : {}), reasons: l.reasons.map((r) => ({ ...r })) })) })) };
    } catch {
      cluster = undefined;
    }
  }
  return {
    connection: `${port.protocol}/${port.port} from ${row.src} to ${row.dst}`,
    // without the cluster's explanation (the endpoint has no IPv4 address), what its layers allow together says it
    allowed: v.allowed && (cluster ? cluster.allowed : !row.effective.isEmpty()),
    sides: [...(cluster?.sides ?? []), awsSide],
  };
}

/** An endpoint id as explain takes it: an external range stands for its first address. */
function endpointText(id: string): string {
  const { cluster, rest } = splitId(id);
  return isExternalId(rest) ? `${cluster}:${rest.split('-')[0]}` : id;
}

function tiersOf(plan: Plan | undefined, nodes: readonly ReportNode[]): ReportTier[] {
  const counts = new Map<string, number>();
  for (const n of nodes) if (n.tier !== undefined) counts.set(n.tier, (counts.get(n.tier) ?? 0) + 1);
  const out = new Map<string, ReportTier>();
  if (plan) {
    for (const w of [...plan.workloads, ...plan.cloudWorkloads]) {
      if (out.has(w.tier.name)) continue;
      out.set(w.tier.name, { name: w.tier.name, level: String(w.tier.level), controls: tierControls(w.tier), workloads: 0 });
    }
    const all = [...plan.workloads, ...plan.cloudWorkloads];
    for (const [name, t] of out) out.set(name, { ...t, workloads: all.filter((w) => w.tier.name === name).length });
  } else {
    for (const n of nodes) if (n.tier !== undefined && !out.has(n.tier)) out.set(n.tier, { name: n.tier, level: n.level ?? n.tier, workloads: counts.get(n.tier) ?? 0 });
  }
  return [...out.values()].sort((a, b) => levelRank(a.level) - levelRank(b.level) || cmp(a.name, b.name));
}

function remainingOf(expiresAt: string, now: string | undefined): string | undefined {
  if (now === undefined) return undefined;
  const t = Date.parse(expiresAt);
  const n = Date.parse(now);
  if (Number.isNaN(t) || Number.isNaN(n)) return undefined;
  return durationText(Math.floor((t - n) / 1000));
}

function grantsOfPlan(plan: Plan, now: string | undefined): ReportGrant[] {
  const byId = new Map(plan.flows.map((f) => [f.id, f]));
  return plan.breakGlass.map((g) => {
    const remaining = remainingOf(g.expiresAt, now);
    return {
      name: g.name,
      startsAt: g.startsAt,
      expiresAt: g.expiresAt,
      ...(remaining !== undefined ? { remaining } : {}),
      reason: g.reason,
      ...(g.ticket ? { ticket: g.ticket } : {}),
      approvers: [...g.approvers],
      grants: g.flowIds.map((id) => {
        const f = byId.get(id);
        return f ? `${f.source.key} → ${f.destination.key} : ${f.ports.map((p) => `${p.protocol} ${p.port}${p.endPort ? `-${p.endPort}` : ''}`).join(', ')}` : id;
      }),
    };
  }).sort((a, b) => cmp(a.name, b.name));
}

function grantsOfManifests(multi: MultiClusterAnalysis, now: string | undefined): ReportGrant[] {
  const found = new Map<string, { expiresAt: string; reason?: string; ticket?: string; approvers: Set<string>; objects: Set<string> }>();
  for (const c of multi.clusters) {
    for (const o of c.analysis.input.objects) {
      const meta = (o.raw as { metadata?: { labels?: unknown; annotations?: unknown } }).metadata;
      const labels = (meta?.labels ?? {}) as Record<string, unknown>;
      const annotations = (meta?.annotations ?? {}) as Record<string, unknown>;
      const name = labels[LABELS.breakGlass];
      if (typeof name !== 'string') continue;
      const epoch = Number(labels[LABELS.expiresAt]);
      const expires = annotations[ANNOTATIONS.expires];
      // a YAML reader may have made an unquoted timestamp a Date
      const expiresAt = typeof expires === 'string' ? expires : expires instanceof Date && !Number.isNaN(expires.getTime()) ? expires.toISOString().replace('.000Z', 'Z')
        : Number.isFinite(epoch) && epoch > 0 ? new Date(epoch * 1000).toISOString().replace('.000Z', 'Z') : 'unknown';
      const g = found.get(name) ?? { expiresAt, approvers: new Set<string>(), objects: new Set<string>() };
      const text = (k: string): string | undefined => (typeof annotations[k] === 'string' ? annotations[k] as string : undefined);
      g.reason ??= text(ANNOTATIONS.reason);
      g.ticket ??= text(ANNOTATIONS.ticket);
      for (const a of (text(ANNOTATIONS.approvers) ?? '').split(',').map((x) => x.trim()).filter((x) => x)) g.approvers.add(a);
      g.objects.add(`${c.facts.name}: ${o.kind} ${o.namespace !== undefined ? `${o.namespace}/` : ''}${o.name}`);
      found.set(name, g);
    }
  }
  return [...found.entries()].map(([name, g]) => {
    const remaining = remainingOf(g.expiresAt, now);
    return {
      name,
      expiresAt: g.expiresAt,
      ...(remaining !== undefined ? { remaining } : {}),
      ...(g.reason !== undefined ? { reason: g.reason } : {}),
      ...(g.ticket !== undefined ? { ticket: g.ticket } : {}),
      approvers: [...g.approvers].sort(cmp),
      grants: [...g.objects].sort(cmp),
    };
  }).sort((a, b) => cmp(a.name, b.name));
}
