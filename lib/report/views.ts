/**
 * The graph views of the report, built from its data: the overview (one node per group, the
 * flows between groups aggregated), one view per group (its members, and the groups they talk
 * to collapsed into one node each), and, for a small topology, every workload at once. They are
 * {@link reportGraph}'s, which the page runs itself to build a view when it is opened.
 */
import { GraphView } from './layout';
import { nodeGraph } from './layout';
import { ReportData, ReportFlow, ReportGroup, ReportNode } from './model';

/** Above this many nodes the page offers no view of every workload (the overview and the group views stay). */
export const FULL_VIEW_LIMIT = 250;

/** The flows the graph draws: those the layers allow together. */
export function drawnFlows(data: ReportData): ReportFlow[] {
  return data.flows.filter((f) => f.effective !== '');
}

/** The overview: one node per group, the allowed flows between groups aggregated. */
export function overviewView(data: ReportData): GraphView {
  return nodeGraph().overviewView(data);
}

/** The view of one group: its members, and every other group they exchange flows with, collapsed. */
export function groupView(data: ReportData, group: ReportGroup, byNode: ReadonlyMap<string, ReportNode>, flowsOf: ReadonlyMap<string, readonly ReportFlow[]>): GraphView {
  return nodeGraph().groupView(data, group, byNode, flowsOf);
}

/** Every node at once, in boxes by group (small topologies only, see {@link FULL_VIEW_LIMIT}). */
export function fullView(data: ReportData): GraphView {
  return nodeGraph().fullView(data);
}

/** The allowed flows of each node, by node id. */
export function flowsByNode(data: ReportData): Map<string, ReportFlow[]> {
  return nodeGraph().flowsByNode(data) as Map<string, ReportFlow[]>;
}
