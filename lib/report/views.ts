/**
 * The graph views of the report, built from its data: the overview (one node per group, the
 * flows between groups aggregated), one view per group (its members, and the groups they talk
 * to collapsed into one node each), and, for a small topology, every workload at once.
 */
import { cmp } from '../core/errors';
import { GraphView, ViewEdge, ViewNode } from './layout';
import { ReportData, ReportFlow, ReportGroup, ReportNode } from './model';

/** Above this many nodes the report draws no view of every workload (the overview and the group views stay). */
export const FULL_VIEW_LIMIT = 250;

function edgeClasses(flows: readonly ReportFlow[]): string[] {
  return [
    ...(flows.some((f) => f.cross) ? ['cross'] : []),
    ...(flows.some((f) => f.external) ? ['external'] : []),
    ...(flows.some((f) => f.breakGlass !== undefined) ? ['break-glass'] : []),
    ...(flows.some((f) => f.disagreement) ? ['disagree'] : []),
  ];
}

function levelClass(level: string | undefined): string {
  return `level-${(level ?? 'unknown').replace(/[^a-z-]/g, '')}`;
}

function groupNode(g: ReportGroup, collapsed: boolean): ViewNode {
  const count = `${g.members.length} ${g.kind === 'external' ? 'destination' : g.kind === 'network' ? 'cloud endpoint' : 'workload'}${g.members.length === 1 ? '' : 's'}`;
  return {
    id: g.id,
    label: g.label,
    sub: [count, ...(g.levels.length > 0 ? [g.levels[0]] : []), ...(g.kind === 'domain' ? [`domain in ${g.clusters.join(', ')}`] : [])].join(' · '),
    classes: ['group', `kind-${g.kind}`, levelClass(g.levels[0]), ...(collapsed ? ['collapsed'] : [])],
    data: { group: g.id },
  };
}

function memberNode(n: ReportNode, parent?: string): ViewNode {
  const sub = n.kind === 'external' ? n.detail ?? '' : [n.cluster ?? '', n.tier ?? '', n.domain ? `domain ${n.domain}` : ''].filter((x) => x).join(' · ');
  return {
    id: n.id,
    label: n.label,
    ...(sub ? { sub } : {}),
    classes: [`kind-${n.kind}`, levelClass(n.level)],
    data: { node: n.id },
    ...(parent !== undefined ? { parent } : {}),
  };
}

/** Aggregates flows into edges by a key function on both ends. */
function aggregate(flows: readonly ReportFlow[], end: (id: string) => string | undefined): ViewEdge[] {
  const by = new Map<string, { from: string; to: string; flows: ReportFlow[] }>();
  for (const f of flows) {
    const from = end(f.src);
    const to = end(f.dst);
    if (from === undefined || to === undefined || from === to) continue;
    const k = `${from}\u0000${to}`;
    const e = by.get(k) ?? { from, to, flows: [] };
    e.flows.push(f);
    by.set(k, e);
  }
  return [...by.values()].sort((a, b) => cmp(a.from, b.from) || cmp(a.to, b.to)).map((e) => ({
    from: e.from, to: e.to, flows: e.flows.map((f) => f.id).sort((a, b) => a - b), classes: edgeClasses(e.flows),
    ...(e.flows.length > 1 ? { label: String(e.flows.length) } : {}),
  }));
}

/** The flows the graph draws: those the layers allow together. */
export function drawnFlows(data: ReportData): ReportFlow[] {
  return data.flows.filter((f) => f.effective !== '');
}

/** The overview: one node per group, the allowed flows between groups aggregated. */
export function overviewView(data: ReportData): GraphView {
  const groupOf = new Map(data.nodes.map((n) => [n.id, n.group]));
  return {
    nodes: data.groups.map((g) => groupNode(g, true)),
    edges: aggregate(drawnFlows(data), (id) => groupOf.get(id)),
  };
}

/** The view of one group: its members, and every other group they exchange flows with, collapsed. */
export function groupView(data: ReportData, group: ReportGroup, byNode: ReadonlyMap<string, ReportNode>, flowsOf: ReadonlyMap<string, readonly ReportFlow[]>): GraphView {
  const members = new Set(group.members);
  const groups = new Map(data.groups.map((g) => [g.id, g]));
  const flows = [...new Set(group.members.flatMap((m) => flowsOf.get(m) ?? []))].sort((a, b) => a.id - b.id);
  const end = (id: string): string | undefined => (members.has(id) ? id : byNode.get(id)?.group);
  const neighbours = new Set<string>();
  for (const f of flows) for (const id of [f.src, f.dst]) if (!members.has(id)) neighbours.add(byNode.get(id)?.group ?? id);
  neighbours.delete(group.id);
  return {
    nodes: [
      ...group.members.map((m) => memberNode(byNode.get(m)!)),
      ...[...neighbours].sort(cmp).map((g) => groupNode(groups.get(g)!, true)),
    ],
    edges: aggregate(flows, end),
  };
}

/** Every node at once, in boxes by group (small topologies only, see {@link FULL_VIEW_LIMIT}). */
export function fullView(data: ReportData): GraphView {
  return {
    nodes: data.nodes.map((n) => memberNode(n, n.group)),
    edges: aggregate(drawnFlows(data), (id) => id),
    clusters: data.groups.map((g) => ({ id: g.id, label: g.kind === 'domain' ? `domain ${g.label}` : g.label, data: { group: g.id } })),
  };
}

/** The allowed flows of each node, by node id. */
export function flowsByNode(data: ReportData): Map<string, ReportFlow[]> {
  const out = new Map<string, ReportFlow[]>();
  for (const f of drawnFlows(data)) {
    for (const id of new Set([f.src, f.dst])) {
      const l = out.get(id) ?? [];
      l.push(f);
      out.set(id, l);
    }
  }
  return out;
}
