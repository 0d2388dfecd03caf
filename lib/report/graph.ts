/**
 * The report's graph views and their layout, in one self-contained function that runs both in
 * Node (tests, {@link layoutSvg}) and in the page: the page embeds dagre and this function's
 * source, and lays a view out when it is first opened, so the file carries the data and not
 * the drawings. The function refers to nothing outside itself but its `dagre` parameter and
 * the language's built-ins (checked by the tests), which is what makes its source portable.
 */
import type * as Dagre from '@dagrejs/dagre';
import type { GraphView, ViewEdge, ViewNode } from './layout';

/** The node fields the views read (a {@link ReportNode}, or the page's decoded node). */
export interface GraphNode {
  /** Id. */
  readonly id: string;
  /** Label. */
  readonly label: string;
  /** Kind (`workload`, `platform`, `external`, `cloud`). */
  readonly kind: string;
  /** Cluster. @default - none */
  readonly cluster?: string;
  /** Tier name. @default - unknown */
  readonly tier?: string;
  /** Tier level. @default - unknown */
  readonly level?: string;
  /** Domain. @default - none */
  readonly domain?: string;
  /** Group id. */
  readonly group: string;
  /** Detail (externals). @default - none */
  readonly detail?: string;
}

/** The group fields the views read. */
export interface GraphGroup {
  /** Id. */
  readonly id: string;
  /** Label. */
  readonly label: string;
  /** Kind (`domain`, `namespace`, `external`, `network`). */
  readonly kind: string;
  /** Member node ids, sorted. */
  readonly members: readonly string[];
  /** Tier levels of the members. */
  readonly levels: readonly string[];
  /** Clusters of the members. */
  readonly clusters: readonly string[];
}

/** The flow fields the views read. */
export interface GraphFlow {
  /** Index. */
  readonly id: number;
  /** Source node id. */
  readonly src: string;
  /** Destination node id. */
  readonly dst: string;
  /** Across clusters. */
  readonly cross: boolean;
  /** To or from outside. */
  readonly external: boolean;
  /** Ports allowed by every layer (`''`: none; such a flow is not drawn). */
  readonly effective: string;
  /** Layers disagree. */
  readonly disagreement: boolean;
  /** Break-glass grant. @default - none */
  readonly breakGlass?: string;
}

/** What the views are built from. */
export interface GraphData {
  /** Nodes. */
  readonly nodes: readonly GraphNode[];
  /** Groups. */
  readonly groups: readonly GraphGroup[];
  /** Flows (matrix rows; the graph draws those with an effective port). */
  readonly flows: readonly GraphFlow[];
}

/** An element of a laid-out view: tag, attributes in order, text, children. */
export interface SvgElement {
  /** Tag name. */
  readonly tag: string;
  /** Attributes, in the order they are written. */
  readonly attrs: readonly (readonly [string, string])[];
  /** Text content. @default - none */
  readonly text?: string;
  /** Children. @default - none */
  readonly children?: readonly SvgElement[];
}

/** The functions {@link reportGraph} returns. */
export interface ReportGraph {
  /** The flows the graph draws: those the layers allow together. */
  drawnFlows(data: GraphData): GraphFlow[];
  /** The drawn flows of each node, by node id. */
  flowsByNode(data: GraphData): Map<string, GraphFlow[]>;
  /** The overview: one node per group, the allowed flows between groups aggregated. */
  overviewView(data: GraphData): GraphView;
  /** The view of one group: its members, and every other group they exchange flows with, collapsed. */
  groupView(data: GraphData, group: GraphGroup, byNode: ReadonlyMap<string, GraphNode>, flowsOf: ReadonlyMap<string, readonly GraphFlow[]>): GraphView;
  /** Every node at once, in boxes by group. */
  fullView(data: GraphData): GraphView;
  /** Lays a view out with dagre: the `svg` element, deterministic (sorted input, rounded coordinates). */
  layout(view: GraphView): SvgElement;
}

/**
 * The graph views and their dagre layout. Self-contained: the page embeds this function's
 * source (`reportGraph.toString()`) and calls it with the embedded dagre.
 *
 * @param dagre the dagre module (`@dagrejs/dagre`, or the global its browser bundle defines)
 */
export function reportGraph(dagre: typeof Dagre): ReportGraph {
  // label widths: an average character, and labels clipped to a length
  const CHAR = 6.6;
  const MAX_LABEL = 48;
  // at most this many edges per node are routed by dagre, and at most ROUTED_MAX in all (see ROUTED_EDGES_PER_NODE and ROUTED_EDGES_MAX in layout.ts)
  const ROUTED = 3;
  const ROUTED_MAX = 500;
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  const clip = (text: string): string => (text.length > MAX_LABEL ? `${text.slice(0, MAX_LABEL - 1)}…` : text);
  const n1 = (x: number): string => (Math.round(x * 10) / 10).toString();
  const el = (tag: string, attrs: [string, string][], children?: SvgElement[], text?: string): SvgElement => ({
    tag, attrs, ...(children ? { children } : {}), ...(text !== undefined ? { text } : {}),
  });
  const dataAttrs = (data: Readonly<Record<string, string>> | undefined): [string, string][] =>
    Object.keys(data ?? {}).sort(cmp).map((k): [string, string] => [`data-${k}`, (data ?? {})[k]]);

  function edgeClasses(flows: readonly GraphFlow[]): string[] {
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
  function groupNode(g: GraphGroup, collapsed: boolean): ViewNode {
    const count = `${g.members.length} ${g.kind === 'external' ? 'destination' : g.kind === 'network' ? 'cloud endpoint' : 'workload'}${g.members.length === 1 ? '' : 's'}`;
    return {
      id: g.id,
      label: g.label,
      sub: [count, ...(g.levels.length > 0 ? [g.levels[0]] : []), ...(g.kind === 'domain' ? [`domain in ${g.clusters.join(', ')}`] : [])].join(' · '),
      classes: ['group', `kind-${g.kind}`, levelClass(g.levels[0]), ...(collapsed ? ['collapsed'] : [])],
      data: { group: g.id },
    };
  }
  function memberNode(n: GraphNode, parent?: string): ViewNode {
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
  function aggregate(flows: readonly GraphFlow[], end: (id: string) => string | undefined): ViewEdge[] {
    const by = new Map<string, { from: string; to: string; flows: GraphFlow[] }>();
    for (const f of flows) {
      const from = end(f.src);
      const to = end(f.dst);
      if (from === undefined || to === undefined || from === to) continue;
      const k = `${from}\u0000${to}`;
      const e = by.get(k);
      if (e) e.flows.push(f);
      else by.set(k, { from, to, flows: [f] });
    }
    return [...by.values()].sort((a, b) => cmp(a.from, b.from) || cmp(a.to, b.to)).map((e) => ({
      from: e.from, to: e.to, flows: e.flows.map((f) => f.id).sort((a, b) => a - b), classes: edgeClasses(e.flows),
      ...(e.flows.length > 1 ? { label: String(e.flows.length) } : {}),
    }));
  }
  function drawnFlows(data: GraphData): GraphFlow[] {
    return data.flows.filter((f) => f.effective !== '');
  }
  function flowsByNode(data: GraphData): Map<string, GraphFlow[]> {
    const out = new Map<string, GraphFlow[]>();
    for (const f of drawnFlows(data)) {
      for (const id of f.src === f.dst ? [f.src] : [f.src, f.dst]) {
        const l = out.get(id);
        if (l) l.push(f);
        else out.set(id, [f]);
      }
    }
    return out;
  }
  function overviewView(data: GraphData): GraphView {
    const groupOf = new Map(data.nodes.map((n) => [n.id, n.group]));
    return { nodes: data.groups.map((g) => groupNode(g, true)), edges: aggregate(drawnFlows(data), (id) => groupOf.get(id)) };
  }
  function groupView(data: GraphData, group: GraphGroup, byNode: ReadonlyMap<string, GraphNode>, flowsOf: ReadonlyMap<string, readonly GraphFlow[]>): GraphView {
    const members = new Set(group.members);
    const groups = new Map(data.groups.map((g) => [g.id, g]));
    const flows = [...new Set(group.members.flatMap((m) => flowsOf.get(m) ?? []))].sort((a, b) => a.id - b.id);
    const end = (id: string): string | undefined => (members.has(id) ? id : byNode.get(id)?.group);
    const neighbours = new Set<string>();
    for (const f of flows) for (const id of [f.src, f.dst]) if (!members.has(id)) neighbours.add(byNode.get(id)?.group ?? id);
    neighbours.delete(group.id);
    const known = [...neighbours].filter((g) => groups.has(g)).sort(cmp);
    return {
      nodes: [...group.members.map((m) => byNode.get(m)).filter((n): n is GraphNode => n !== undefined).map((n) => memberNode(n)), ...known.map((g) => groupNode(groups.get(g)!, true))],
      edges: aggregate(flows, end),
    };
  }
  function fullView(data: GraphData): GraphView {
    return {
      nodes: data.nodes.map((n) => memberNode(n, n.group)),
      edges: aggregate(drawnFlows(data), (id) => id),
      clusters: data.groups.map((g) => ({ id: g.id, label: g.kind === 'domain' ? `domain ${g.label}` : g.label, data: { group: g.id } })),
    };
  }

  /**
   * The edges dagre routes: all when few; else each source's heaviest edge (most flows, ties by
   * destination), then each one's second heaviest, and so on, up to ROUTED per source, within
   * the budget (ROUTED per node, at most ROUTED_MAX).
   */
  function routedEdges(edges: readonly ViewEdge[], nodeCount: number): Set<ViewEdge> {
    const budget = Math.max(Math.min(ROUTED * nodeCount, ROUTED_MAX), 64);
    if (edges.length <= budget) return new Set(edges);
    const bySource = new Map<string, ViewEdge[]>();
    for (const e of edges) {
      const list = bySource.get(e.from);
      if (list) list.push(e);
      else bySource.set(e.from, [e]);
    }
    const lists = [...bySource.keys()].sort(cmp).map((k) => [...bySource.get(k)!].sort((a, b) => b.flows.length - a.flows.length || cmp(a.to, b.to)));
    const out = new Set<ViewEdge>();
    for (let k = 0; k < ROUTED; k++) {
      for (const list of lists) {
        if (out.size >= budget) return out;
        if (k < list.length) out.add(list[k]);
      }
    }
    return out;
  }
  type Placed = { x: number; y: number; width?: number; height?: number };
  /** A straight edge between two placed nodes, from the source's border to the destination's. */
  function straight(a: Placed | undefined, b: Placed | undefined): { x: number; y: number }[] {
    if (!a || !b || a.x === undefined || b.x === undefined) return [];
    const toward = (from: Placed, to: Placed): { x: number; y: number } => {
      const dx = to.x - from.x;
      const dy = to.y - from.y;
      const t = Math.min(dx === 0 ? Infinity : (from.width ?? 0) / 2 / Math.abs(dx), dy === 0 ? Infinity : (from.height ?? 0) / 2 / Math.abs(dy), 1);
      return { x: from.x + dx * t, y: from.y + dy * t };
    };
    return [toward(a, b), toward(b, a)];
  }
  function layout(view: GraphView): SvgElement {
    const g = new dagre.graphlib.Graph({ multigraph: false, compound: (view.clusters ?? []).length > 0 });
    g.setGraph({ rankdir: view.rankdir ?? 'LR', nodesep: 14, ranksep: 60, edgesep: 8, marginx: 12, marginy: 12 });
    g.setDefaultEdgeLabel(() => ({}));
    const nodes = [...view.nodes].sort((a, b) => cmp(a.id, b.id));
    const clusters = [...(view.clusters ?? [])].sort((a, b) => cmp(a.id, b.id));
    for (const c of clusters) g.setNode(`c\u0000${c.id}`, { label: c.label, paddingTop: 22 });
    for (const n of nodes) {
      g.setNode(`n\u0000${n.id}`, { width: Math.max(clip(n.label).length, clip(n.sub ?? '').length) * CHAR + 20, height: n.sub ? 36 : 24 });
      if (n.parent !== undefined) g.setParent(`n\u0000${n.id}`, `c\u0000${n.parent}`);
    }
    const known = new Set(nodes.map((n) => n.id));
    const edges = view.edges.filter((e) => known.has(e.from) && known.has(e.to) && e.from !== e.to).sort((a, b) => cmp(a.from, b.from) || cmp(a.to, b.to));
    const routed = routedEdges(edges, nodes.length);
    for (const e of edges) if (routed.has(e)) g.setEdge(`n\u0000${e.from}`, `n\u0000${e.to}`, {});
    dagre.layout(g);
    const graph = g.graph();
    const width = Math.ceil(graph.width ?? 0) + 2;
    const height = Math.ceil(graph.height ?? 0) + 2;
    const out: SvgElement[] = [
      el('defs', [], [el('marker', [['id', 'arrow'], ['viewBox', '0 0 10 10'], ['refX', '9'], ['refY', '5'], ['markerWidth', '7'], ['markerHeight', '7'], ['orient', 'auto-start-reverse']], [
        el('path', [['d', 'M0,0L10,5L0,10z'], ['class', 'arrowhead']]),
      ])]),
    ];
    for (const c of clusters) {
      const l = g.node(`c\u0000${c.id}`) as Placed | undefined;
      if (!l || l.x === undefined) continue;
      const w = l.width ?? 0;
      const h = l.height ?? 0;
      out.push(el('g', [['class', 'cluster'], ...dataAttrs(c.data)], [
        el('rect', [['x', n1(l.x - w / 2)], ['y', n1(l.y - h / 2)], ['width', n1(w)], ['height', n1(h)], ['rx', '6']]),
        el('text', [['x', n1(l.x - w / 2 + 8)], ['y', n1(l.y - h / 2 + 15)]], undefined, clip(c.label)),
      ]));
    }
    for (const e of edges) {
      const pts = routed.has(e)
        ? ((g.edge(`n\u0000${e.from}`, `n\u0000${e.to}`) as { points?: { x: number; y: number }[] } | undefined)?.points ?? [])
        : straight(g.node(`n\u0000${e.from}`) as Placed | undefined, g.node(`n\u0000${e.to}`) as Placed | undefined);
      if (pts.length === 0) continue;
      // whole pixels: an edge's path needs no finer grain, and a large view holds many
      const d = `M${pts.map((p) => `${Math.round(p.x)},${Math.round(p.y)}`).join('L')}`;
      // the ends are the data attributes and the nodes' own titles: the edge's title counts its flows
      out.push(el('g', [['class', ['edge', ...e.classes].join(' ')], ['data-from', e.from], ['data-to', e.to]], [
        el('title', [], undefined, `${e.flows.length} flow${e.flows.length === 1 ? '' : 's'}`),
        el('path', [['class', 'hit'], ['d', d]]),
        el('path', [['class', 'line'], ['d', d], ['marker-end', 'url(#arrow)']]),
      ]));
    }
    for (const n of nodes) {
      const l = g.node(`n\u0000${n.id}`) as Placed;
      const w = l.width ?? 0;
      const h = l.height ?? 0;
      const lines = n.sub
        ? [el('text', [['x', n1(w / 2)], ['y', '15']], undefined, clip(n.label)), el('text', [['class', 'sub'], ['x', n1(w / 2)], ['y', '29']], undefined, clip(n.sub))]
        : [el('text', [['x', n1(w / 2)], ['y', '16']], undefined, clip(n.label))];
      out.push(el('g', [['class', ['node', ...n.classes].join(' ')], ...dataAttrs(n.data), ['transform', `translate(${n1(l.x - w / 2)},${n1(l.y - h / 2)})`]], [
        el('title', [], undefined, n.id),
        el('rect', [['width', n1(w)], ['height', n1(h)], ['rx', '4']]),
        ...lines,
      ]));
    }
    return el('svg', [['xmlns', 'http://www.w3.org/2000/svg'], ['class', 'graph'], ['width', String(width)], ['height', String(height)], ['viewBox', `0 0 ${width} ${height}`]], out);
  }
  return { drawnFlows, flowsByNode, overviewView, groupView, fullView, layout };
}
