/**
 * The cdk8s host: one chart per cluster inside a cdk8s `App`, filled from the declaration
 * when the app (or a chart, with `Testing.synth`) is synthesized, so no render step can be
 * forgotten. Workloads can be bound to cdk8s-plus-27 workloads.
 */
import { ApiObject, Chart, ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { BulkheadError, formatProblem, formatProblems } from '../core/errors';
import { Port, Protocol } from '../core/port';
import { Cluster } from '../model/cluster';
import { Workload, WorkloadProps } from '../model/workload';
import { Topology } from '../model/topology';
import { Synthesis, synthesize, SynthesizeOptions } from '../synth';

/** Properties of {@link TopologyCharts}. */
export interface TopologyChartsProps extends SynthesizeOptions {
  /** The declaration to render. */
  readonly topology: Topology;
  /**
   * Extra chart properties for every cluster chart (labels, namespace are NOT applied to
   * Bulkhead's objects; use them for your own).
   * @default - none
   */
  readonly chartProps?: ChartProps;
  /**
   * Print warnings (where a layer is less precise than the declaration) to stderr at synthesis.
   * @default true
   */
  readonly printWarnings?: boolean;
}

/**
 * One cdk8s `Chart` per cluster of a topology, named after the cluster. The charts are filled
 * with every layer's objects when the app is synthesized (`app.synth()`, `cdk8s synth`,
 * `Testing.synth(chart)`); an invalid declaration fails synthesis with every problem listed
 * and nothing is written. Put the application's own objects (Deployments, Services) in the
 * same charts with {@link TopologyCharts.chart}.
 *
 * @example
 * const app = new App();
 * const topology = new Topology(app, 'shop', { trustDomain: 'prod.shop.example.com' });
 * const eks = new Cluster(topology, 'eks-eu', { cloud: 'aws' });
 * const charts = new TopologyCharts(app, 'segmentation', { topology });
 * const deployment = new kplus.Deployment(charts.chart(eks), 'web', { ... });
 * app.synth();
 */
export class TopologyCharts extends Construct {
  /** The declaration rendered. */
  public readonly topology: Topology;
  private readonly props: TopologyChartsProps;
  private readonly charts = new Map<string, Chart>();
  private result: Synthesis | undefined;
  private rendered = false;

  constructor(scope: Construct, id: string, props: TopologyChartsProps) {
    super(scope, id);
    this.topology = props.topology;
    this.props = props;
    this.topology.markRendered();
    // cdk8s validates every construct before it synthesizes any chart: render then, once.
    this.node.addValidation({ validate: () => this.render() });
  }

  /** The chart of a cluster (created on first use). */
  public chart(cluster: Cluster | string): Chart {
    const name = typeof cluster === 'string' ? cluster : cluster.clusterName;
    let chart = this.charts.get(name);
    if (!chart) {
      chart = new Chart(this, name, { disableResourceNameHashes: true, ...this.props.chartProps });
      this.charts.set(name, chart);
    }
    return chart;
  }

  /** The synthesis result (plan, manifests, warnings), computed once. */
  public get synthesis(): Synthesis {
    if (!this.result) {
      this.result = synthesize(this.topology, { now: this.props.now, targets: this.props.targets });
    }
    return this.result;
  }

  private render(): string[] {
    if (this.rendered) return [];
    let s: Synthesis;
    try {
      s = this.synthesis;
    } catch (e) {
      if (e instanceof BulkheadError) return e.problems.filter((p) => p.severity === 'error').map(formatProblem);
      throw e;
    }
    this.rendered = true;
    const byPath = new Map(s.plan.workloads.map((w) => [w.path, w]));
    for (const w of this.topology.node.findAll()) {
      const bound = w instanceof Workload ? BINDINGS.get(w) : undefined;
      const planned = byPath.get(w.node.path);
      if (!bound || !planned) continue;
      for (const [k, v] of Object.entries(planned.podLabels)) bound.podMetadata.addLabel(k, v);
    }
    for (const c of s.clusters) {
      const chart = this.chart(c.cluster.name);
      for (const m of c.manifests) {
        const { apiVersion, kind, metadata, ...rest } = m as unknown as { apiVersion: string; kind: string; metadata: Record<string, unknown> } & Record<string, unknown>;
        new ApiObject(chart, `${kind}-${metadata.namespace ?? '_'}-${metadata.name}`, { apiVersion, kind, metadata, ...rest });
      }
    }
    if (this.props.printWarnings ?? true) {
      process.stderr.write(formatProblems(s.warnings));
    }
    return [];
  }
}

/** Options of {@link bindWorkload}. */
export interface BindWorkloadOptions extends Omit<WorkloadProps, 'namespace' | 'serviceAccount' | 'selector' | 'ports'> {
  /**
   * Add the tier, domain and workload labels to the pod template (so cluster-scoped
   * guardrails and audits can select by tier).
   * @default true
   */
  readonly labelPods?: boolean;
}

/**
 * Declares a {@link Workload} from a cdk8s-plus-27 workload (Deployment, StatefulSet,
 * DaemonSet): its namespace, service account, selector labels and named container ports are
 * taken from it, and the tier / domain / workload labels are added to its pod template.
 *
 * @param scope where the Workload goes in the declaration (the Topology or a DomainBoundary)
 * @example
 * const web = bindWorkload(shop, 'web', deployment, { cluster: eks, tier: publicTier });
 */
export function bindWorkload(scope: Construct, id: string, target: kplus.Deployment | kplus.StatefulSet | kplus.DaemonSet, options: BindWorkloadOptions): Workload {
  const ports: Record<string, Port> = {};
  for (const c of target.containers) {
    for (const p of c.ports) {
      if (!p.name) continue;
      const proto = p.protocol === kplus.Protocol.UDP ? Protocol.UDP : p.protocol === kplus.Protocol.SCTP ? Protocol.SCTP : Protocol.TCP;
      ports[p.name] = Port.range(proto, p.number, p.number);
    }
  }
  const { labelPods, ...props } = options;
  const workload = new Workload(scope, id, {
    ...props,
    name: props.name ?? target.name,
    namespace: target.metadata.namespace ?? 'default',
    serviceAccount: target.serviceAccount?.name ?? 'default',
    selector: target.matchLabels,
    ports,
  });
  // The plan decides the labels (tier, domain, workload); TopologyCharts adds them at synthesis.
  if (labelPods ?? true) BINDINGS.set(workload, target);
  return workload;
}

const BINDINGS = new WeakMap<Workload, kplus.Deployment | kplus.StatefulSet | kplus.DaemonSet>();
