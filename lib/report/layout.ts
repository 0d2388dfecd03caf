/**
 * Graph layout for the report: the graphs are laid out by dagre (layered layout) at
 * generation time and emitted as SVG, so the page needs no script to draw them.
 */
import * as dagre from '@dagrejs/dagre';
import { cmp } from '../core/errors';
import { escapeHtml } from './escape';

/** A node of a graph view. */
export interface ViewNode {
  /** Id, unique in the view. */
  readonly id: string;
  /** First line. */
  readonly label: string;
  /** Second line. @default - none */
  readonly sub?: string;
  /** CSS classes. */
  readonly classes: readonly string[];
  /** Attributes the page's script reads (`data-node`, `data-group`), without the `data-` prefix. */
  readonly data: Readonly<Record<string, string>>;
  /** The compound parent (a {@link ViewCluster} id). @default - none */
  readonly parent?: string;
}

/** A box drawn around nodes (compound layout). */
export interface ViewCluster {
  /** Id. */
  readonly id: string;
  /** Label. */
  readonly label: string;
  /** Attributes the page's script reads, without the `data-` prefix. @default - none */
  readonly data?: Readonly<Record<string, string>>;
}

/** An edge of a graph view: one or more flows from one node to another. */
export interface ViewEdge {
  /** Source node id. */
  readonly from: string;
  /** Destination node id. */
  readonly to: string;
  /** Flow indices (into the report's flows) it stands for, ascending (counted in the edge's title; the page finds them from the edge's ends). */
  readonly flows: readonly number[];
  /** CSS classes (`cross`, `external`, `break-glass`). */
  readonly classes: readonly string[];
  /** Label on the edge. @default - none */
  readonly label?: string;
}

/** A graph view to lay out. */
export interface GraphView {
  /** Nodes. */
  readonly nodes: readonly ViewNode[];
  /** Edges. */
  readonly edges: readonly ViewEdge[];
  /** Boxes around nodes. @default - none */
  readonly clusters?: readonly ViewCluster[];
  /** Layout direction. @default 'LR' */
  readonly rankdir?: 'LR' | 'TB';
}

const CHAR = 6.6;
const MAX_LABEL = 48;

function clip(text: string): string {
  return text.length > MAX_LABEL ? `${text.slice(0, MAX_LABEL - 1)}…` : text;
}

function n1(x: number): string {
  return (Math.round(x * 10) / 10).toString();
}

function attrs(data: Readonly<Record<string, string>> | undefined): string {
  return Object.keys(data ?? {}).sort(cmp).map((k) => ` data-${k}="${escapeHtml(data![k])}"`).join('');
}

/**
 * At most this many edges per node are routed by dagre; dagre's crossing reduction grows much
 * faster than the edges, so a dense view (every group talks to the DNS and to the outside, say)
 * routes each node's heaviest edges and draws the rest straight between the placed nodes.
 */
export const ROUTED_EDGES_PER_NODE = 3;

/** The edges dagre routes: all when few; else, per source node, those of most flows (ties by destination), within the budget. */
function routedEdges(edges: readonly ViewEdge[], nodeCount: number): Set<ViewEdge> {
  const budget = Math.max(ROUTED_EDGES_PER_NODE * nodeCount, 64);
  if (edges.length <= budget) return new Set(edges);
  const bySource = new Map<string, ViewEdge[]>();
  for (const e of edges) {
    const list = bySource.get(e.from);
    if (list) list.push(e);
    else bySource.set(e.from, [e]);
  }
  const out = new Set<ViewEdge>();
  for (const list of bySource.values()) {
    const heaviest = [...list].sort((a, b) => b.flows.length - a.flows.length || cmp(a.to, b.to)).slice(0, ROUTED_EDGES_PER_NODE);
    for (const e of heaviest) out.add(e);
  }
  return out;
}

/** A straight edge between two placed nodes, from the source's border to the destination's. */
function straight(g: dagre.graphlib.Graph, e: ViewEdge): { x: number; y: number }[] {
  const a = g.node(`n\u0000${e.from}`);
  const b = g.node(`n\u0000${e.to}`);
  if (!a || !b || a.x === undefined || b.x === undefined) return [];
  const toward = (from: typeof a, to: typeof a): { x: number; y: number } => {
    const dx = to.x - from.x;
    const dy = to.y - from.y;
    const hw = (from.width ?? 0) / 2;
    const hh = (from.height ?? 0) / 2;
    const t = Math.min(dx === 0 ? Infinity : hw / Math.abs(dx), dy === 0 ? Infinity : hh / Math.abs(dy), 1);
    return { x: from.x + dx * t, y: from.y + dy * t };
  };
  return [toward(a, b), toward(b, a)];
}

/**
 * Lays a view out with dagre and returns it as an SVG element (text). Deterministic: nodes
 * and edges are added in sorted order and coordinates are rounded to a tenth of a pixel.
 */
export function layoutSvg(view: GraphView): string {
  const g = new dagre.graphlib.Graph({ multigraph: false, compound: (view.clusters ?? []).length > 0 });
  g.setGraph({ rankdir: view.rankdir ?? 'LR', nodesep: 14, ranksep: 60, edgesep: 8, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  const nodes = [...view.nodes].sort((a, b) => cmp(a.id, b.id));
  const clusters = [...(view.clusters ?? [])].sort((a, b) => cmp(a.id, b.id));
  for (const c of clusters) g.setNode(`c\u0000${c.id}`, { label: c.label, paddingTop: 22 });
  for (const n of nodes) {
    const width = Math.max(clip(n.label).length, clip(n.sub ?? '').length) * CHAR + 20;
    g.setNode(`n\u0000${n.id}`, { width, height: n.sub ? 36 : 24 });
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
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" class="graph" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`);
  out.push('<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" class="arrowhead"/></marker></defs>');
  for (const c of clusters) {
    const l = g.node(`c\u0000${c.id}`);
    if (!l || l.x === undefined) continue;
    const w = l.width ?? 0;
    const h = l.height ?? 0;
    out.push(`<g class="cluster"${attrs(c.data)}><rect x="${n1(l.x - w / 2)}" y="${n1(l.y - h / 2)}" width="${n1(w)}" height="${n1(h)}" rx="6"/><text x="${n1(l.x - w / 2 + 8)}" y="${n1(l.y - h / 2 + 15)}">${escapeHtml(clip(c.label))}</text></g>`);
  }
  for (const e of edges) {
    const pts = routed.has(e) ? ((g.edge(`n\u0000${e.from}`, `n\u0000${e.to}`)?.points ?? []) as { x: number; y: number }[]) : straight(g, e);
    if (pts.length === 0) continue;
    // whole pixels: an edge's path needs no finer grain, and a large view holds many
    const d = `M${pts.map((p) => `${Math.round(p.x)},${Math.round(p.y)}`).join('L')}`;
    // the ends are the data attributes and the nodes' own titles: the edge's title counts its flows
    const title = `${e.flows.length} flow${e.flows.length === 1 ? '' : 's'}`;
    // the page finds an edge's flows from its ends (see the page's script), so the edge does not list them
    out.push(`<g class="${['edge', ...e.classes].join(' ')}" data-from="${escapeHtml(e.from)}" data-to="${escapeHtml(e.to)}"><title>${escapeHtml(title)}</title><path class="hit" d="${d}"/><path class="line" d="${d}" marker-end="url(#arrow)"/></g>`);
  }
  for (const n of nodes) {
    const l = g.node(`n\u0000${n.id}`);
    const w = l.width ?? 0;
    const h = l.height ?? 0;
    const x = l.x - w / 2;
    const y = l.y - h / 2;
    const lines = n.sub
      ? `<text x="${n1(w / 2)}" y="15">${escapeHtml(clip(n.label))}</text><text class="sub" x="${n1(w / 2)}" y="29">${escapeHtml(clip(n.sub))}</text>`
      : `<text x="${n1(w / 2)}" y="16">${escapeHtml(clip(n.label))}</text>`;
    out.push(`<g class="${['node', ...n.classes].join(' ')}"${attrs(n.data)} transform="translate(${n1(x)},${n1(y)})"><title>${escapeHtml(n.id)}</title><rect width="${n1(w)}" height="${n1(h)}" rx="4"/>${lines}</g>`);
  }
  out.push('</svg>');
  return out.join('');
}
