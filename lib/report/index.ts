/**
 * `bulkhead report`: one self-contained HTML page showing who may talk to whom and why — the
 * graph of domains, tiers and workloads with the allowed flows, the connectivity of every layer
 * and the effective one, the explanation of each flow, break-glass grants, tier controls,
 * acknowledged warnings and, for a declaration, verify's result.
 */
import { Analysis, AnalysisOptions } from '../analysis/engine';
import { formatIpv4, parseCidr } from '../analysis/ipv4';
import { LoadOptions } from '../analysis/loader';
import { clusterFactsOf } from '../analysis/cluster-facts';
import { loadClusters, MultiClusterAnalysis } from '../analysis/multi-cluster';
import { Topology } from '../model/topology';
import { Plan } from '../plan/types';
import { synthesize } from '../synth';
import { loadWithEndpoints, verifySynthesis } from '../verify';
import { loadObjects } from '../analysis/loader';
import { AwsSimulator } from '../analysis/simulators/aws';
import { renderReportHtml } from './html';
import { buildReportData, ReportData, ReportDataOptions } from './model';

export { escapeHtml, jsonForScript } from './escape';
export { layoutSvg } from './layout';
export type { GraphView, ViewCluster, ViewEdge, ViewNode } from './layout';
export { buildReportData, DEFAULT_MAX_EXPLANATIONS, durationText, OTHER_EXTERNAL, representativePort } from './model';
export type {
  ReportCluster, ReportData, ReportDataOptions, ReportExplanation, ReportFlow, ReportGrant, ReportGroup, ReportGroupBy, ReportInput, ReportLayerVerdict, ReportNode, ReportTier,
} from './model';
export { MATRIX_BY_WORKLOAD_LIMIT, PAGE_DATA_VERSION, pageData, renderReportHtml } from './html';
export { FULL_VIEW_LIMIT, drawnFlows, flowsByNode, fullView, groupView, overviewView } from './views';

/** Options of {@link reportOfTopology}. */
export interface TopologyReportOptions extends ReportDataOptions {
  /** The time that decides which break-glass grants are in force. @default - the topology's clock */
  readonly clock?: Date;
  /** The page title. @default - the topology's name and environment */
  readonly title?: string;
  /** Run verify and show its result. @default true */
  readonly verify?: boolean;
}

/**
 * The addresses FQDN externals are resolved to for the analysis: inside their declared CIDRs
 * when they have some, else a test address (TEST-NET-3, RFC 5737), one per external.
 */
export function resolvedExternals(plan: Plan): { resolve: Record<string, string[]>; names: Record<string, string> } {
  const resolve: Record<string, string[]> = {};
  const names: Record<string, string> = {};
  plan.externals.forEach((x, i) => {
    if (x.fqdns.length === 0) return;
    let address: string | undefined;
    for (const c of x.cidrs) {
      const p = parseCidr(c);
      if (p.family === 'ipv4') {
        address = formatIpv4(p.range[1] > p.range[0] ? p.range[0] + 1 : p.range[0]);
        break;
      }
    }
    address ??= `203.0.113.${10 + (i % 200)}`;
    names[address] = x.name;
    for (const f of x.fqdns) resolve[f.replace(/^\*\./, 'www.')] = [address];
  });
  return { resolve, names };
}

/**
 * The report data of a declaration: synthesizes it, analyses every cluster's output (declared
 * workloads stand in for the application's pods), and runs verify.
 *
 * @example
 * const html = renderReportHtml(reportOfTopology(topology));
 */
export function reportOfTopology(topology: Topology, options: TopologyReportOptions = {}): ReportData {
  const s = synthesize(topology, { now: options.clock });
  const { resolve, names } = resolvedExternals(s.plan);
  const analysis = MultiClusterAnalysis.fromAnalyses(s.clusters.map((c) => ({
    facts: clusterFactsOf(s.plan, c.cluster),
    analysis: Analysis.of(loadWithEndpoints(s.plan, c.cluster, c.manifests), { trustDomain: c.cluster.trustDomain, clusterName: c.cluster.ciliumClusterName, podCidrs: c.cluster.podCidrs, resolve }),
  })));
  // the networks' security groups (Crossplane objects), judged by the aws layer
  const networkObjects = s.networks.flatMap((n) => n.manifests);
  const cloud = networkObjects.some((m) => m.apiVersion.startsWith('ec2.aws.upbound.io/')) ? new AwsSimulator(loadObjects(networkObjects, 'aws').objects).cloud : undefined;
  // verify judges the same synthesis (made at the same clock) with its own analysis of each cluster
  const report = options.verify === false ? undefined : verifySynthesis(s);
  const env = s.plan.topology.environment;
  return buildReportData({
    title: options.title ?? `${s.plan.topology.name}${env ? ` (${env})` : ''}`,
    source: 'declaration',
    analysis,
    plan: s.plan,
    warnings: s.warnings,
    ...(report ? { verify: report } : {}),
    resolved: names,
    ...(cloud ? { cloud } : {}),
  }, { ...reportDataOptions(options), ...(options.now === undefined && options.clock ? { now: options.clock.toISOString() } : {}) });
}

function reportDataOptions(o: TopologyReportOptions): ReportDataOptions {
  return {
    ...(o.groupBy !== undefined ? { groupBy: o.groupBy } : {}),
    ...(o.generatedAt !== undefined ? { generatedAt: o.generatedAt } : {}),
    ...(o.now !== undefined ? { now: o.now } : {}),
    ...(o.maxExplanations !== undefined ? { maxExplanations: o.maxExplanations } : {}),
  };
}

/** Options of {@link reportOfManifests}. */
export interface ManifestsReportOptions extends ReportDataOptions {
  /** The page title. @default - the paths */
  readonly title?: string;
  /** Loader options. @default - lenient */
  readonly load?: LoadOptions;
  /** Analysis options (FQDN resolution, cloud endpoints). @default - none */
  readonly analysis?: Omit<AnalysisOptions, 'trustDomain' | 'podCidrs' | 'clusterName'>;
}

/**
 * The report data of manifest folders: each cluster folder (a folder with a facts file, or any
 * other path) is analysed, across clusters when there are several.
 */
export function reportOfManifests(paths: readonly string[], options: ManifestsReportOptions = {}): ReportData {
  const analysis = MultiClusterAnalysis.of(loadClusters(paths, {}, options.load ?? {}), options.analysis ?? {});
  return buildReportData({
    title: options.title ?? paths.join(' '),
    source: 'manifests',
    analysis,
    warnings: analysis.warnings,
  }, options);
}

/** The HTML page of a declaration's report. */
export function topologyReportHtml(topology: Topology, options: TopologyReportOptions = {}): string {
  return renderReportHtml(reportOfTopology(topology, options));
}
