/**
 * Graph views for the report, and their layout by dagre (layered layout) as SVG text. The page
 * lays its views out itself, in the browser, with the same code ({@link reportGraph}) and an
 * embedded copy of dagre; this module is the Node side of it.
 */
import * as dagre from '@dagrejs/dagre';
import { escapeHtml } from './escape';
import { ReportGraph, reportGraph, SvgElement } from './graph';

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

/**
 * At most this many edges per node are routed by dagre; dagre's crossing reduction grows much
 * faster than the edges, so a dense view (every group talks to the DNS and to the outside, say)
 * routes each node's heaviest edges and draws the rest straight between the placed nodes.
 * (The layout itself is {@link reportGraph}'s, which holds the same number.)
 */
export const ROUTED_EDGES_PER_NODE = 3;

/**
 * At most this many edges of a view are routed by dagre in all: a large view (the overview of
 * hundreds of groups) routes each node's heaviest edge first, then the next ones, within it.
 * (The layout itself is {@link reportGraph}'s, which holds the same number.)
 */
export const ROUTED_EDGES_MAX = 500;

/** An element as SVG text, every attribute and text escaped. */
export function svgText(e: SvgElement): string {
  const attrs = e.attrs.map(([k, v]) => ` ${k}="${escapeHtml(v)}"`).join('');
  const inner = `${e.text !== undefined ? escapeHtml(e.text) : ''}${(e.children ?? []).map(svgText).join('')}`;
  return `<${e.tag}${attrs}>${inner}</${e.tag}>`;
}

let graph: ReportGraph | undefined;

/** The graph functions with Node's dagre (the page calls the same function with its embedded copy). */
export function nodeGraph(): ReportGraph {
  graph ??= reportGraph(dagre);
  return graph;
}

/**
 * Lays a view out with dagre and returns it as an SVG element (text). Deterministic: nodes
 * and edges are added in sorted order and coordinates are rounded to a tenth of a pixel. The
 * page lays its views out with the same code ({@link reportGraph}).
 */
export function layoutSvg(view: GraphView): string {
  return svgText(nodeGraph().layout(view));
}
