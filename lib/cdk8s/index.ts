/**
 * The cdk8s host: one chart per cluster inside a cdk8s `App`, filled from the declaration
 * when the app (or a chart, with `Testing.synth`) is synthesized, so no render step can be
 * forgotten. Workloads can be bound to cdk8s-plus workloads (cdk8s-plus-27 or any later major)
 * through a structural type: this module never loads cdk8s-plus, so it works without it.
 */
import { ApiObject, ApiObjectProps, Chart, ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import { ArgCheck, isRecord } from '../core/entry';
import { BulkheadError, formatProblem, formatProblems, show } from '../core/errors';
import { checkedScope } from '../model/args';
import { Port, Protocol } from '../core/port';
import { Cluster } from '../model/cluster';
import { Workload, WorkloadProps } from '../model/workload';
import { Environments } from '../model/environment';
import { Topology } from '../model/topology';
import { checkSynthesisArgs, networkFolderPath, Synthesis, synthesize, SynthesizeOptions } from '../synth';
import { KubeManifest } from '../targets/types';

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
 * One cdk8s `Chart` per cluster of a topology, named after the cluster, and one per cloud
 * account and region whose networks run a network layer, named `<cloud>.<account>.<region>`
 * (its objects are those of the network layers, as Kubernetes objects of the cloud's controller:
 * for AWS, Crossplane objects; see {@link TopologyCharts.networkChart}). The charts are filled
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
 *
 * One topology has one TopologyCharts: a second one is an error (`BH-CDK8S-CHARTS-TWICE`),
 * since it would emit every object twice.
 */
export class TopologyCharts extends Construct {
  /** The declaration rendered. */
  public readonly topology: Topology;
  private readonly props: TopologyChartsProps;
  private readonly charts = new Map<string, Chart>();
  private readonly networkCharts = new Map<string, Chart>();
  private result: Synthesis | undefined;
  private rendered = false;

  constructor(scope: Construct, id: string, props: TopologyChartsProps) {
    checkedScope(scope, id, 'TopologyCharts');
    const here = [scope.node.path, id].filter((s) => s !== '').join('/');
    // Every prop of the wrong kind, and a second TopologyCharts, at once, before the construct exists.
    const check = new ArgCheck();
    const p = check.options(here, 'props', props, '{ topology }', false);
    if (p) {
      checkSynthesisArgs(check, { topology: here, options: here, prefix: '', now: true }, p.topology, p);
      check.options(here, 'chartProps', p.chartProps, '{ labels: { team: \'shop\' } }');
      check.bool(here, 'printWarnings', p.printWarnings);
    }
    const first = p && Topology.isTopology(p.topology) ? chartsOf(p.topology) : undefined;
    if (first !== undefined) {
      check.problems.push({
        severity: 'error', code: 'BH-CDK8S-CHARTS-TWICE', path: here,
        message: `the topology '${props.topology.node.path}' already has a TopologyCharts (${first}); a second one would emit every object twice`,
        value: show(props.topology.node.path),
        fix: `keep one TopologyCharts per topology, and add your own objects to its charts with charts.chart(cluster) (the one at ${first})`,
      });
    }
    check.throwIfAny();
    super(scope, id);
    if (props.topology) Object.defineProperty(props.topology, CHARTS_SYMBOL, { value: this.node.path });
    this.topology = props.topology;
    this.props = props;
    this.topology.markRendered();
    // cdk8s validates every construct before it synthesizes any chart: render then, once.
    this.node.addValidation({ validate: () => this.render() });
  }

  /** The chart of a cluster (created on first use). */
  public chart(cluster: Cluster | string): Chart {
    if (!(typeof cluster === 'string' && cluster.length > 0) && !Cluster.isCluster(cluster)) {
      const check = new ArgCheck();
      check.kind(`${this.node.path}`, 'chart(cluster)', cluster, 'a Cluster or a cluster name', 'pass the Cluster (charts.chart(eks)) or its name (charts.chart(\'eks-eu\'))');
      check.throwIfAny();
    }
    const name = typeof cluster === 'string' ? cluster : cluster.clusterName;
    let chart = this.charts.get(name);
    if (!chart) {
      chart = new Chart(this, name, { disableResourceNameHashes: true, ...this.props.chartProps });
      this.charts.set(name, chart);
    }
    return chart;
  }

  /**
   * The chart of the cloud objects of a network (created on first use): one chart per cloud
   * account and region, named `<cloud>.<account>.<region>` (cluster names never hold a dot), which
   * every network of that account and region shares.
   * @param network the network's name
   * @throws BulkheadError when the topology has no network of that name
   */
  public networkChart(network: string): Chart {
    const planned = typeof network === 'string' ? this.synthesis.plan.networks.find((n) => n.name === network) : undefined;
    if (!planned) {
      const check = new ArgCheck();
      const known = this.synthesis.plan.networks.map((n) => `'${n.name}'`).join(', ') || '(none)';
      check.error('BH-CDK8S-CHART-UNKNOWN', this.node.path, 'networkChart(network) names no network of the topology', network, `pass the name of a network: ${known}`);
      check.throwIfAny();
    }
    return this.chartAt(networkFolderPath(planned!).join('.'));
  }

  private chartAt(id: string): Chart {
    let chart = this.networkCharts.get(id);
    if (!chart) {
      chart = new Chart(this, id, { disableResourceNameHashes: true, ...this.props.chartProps });
      this.networkCharts.set(id, chart);
    }
    return chart;
  }

  /** The synthesis result (plan, manifests, warnings), computed once. */
  public get synthesis(): Synthesis {
    if (!this.result) {
      this.result = synthesize(this.topology, { now: this.props.now, targets: this.props.targets, layers: this.props.layers });
    }
    return this.result;
  }

  private render(): string[] {
    if (this.rendered) return [];
    let s: Synthesis;
    try {
      s = this.synthesis;
    } catch (e) {
      if (BulkheadError.isBulkheadError(e)) return e.problems.filter((p) => p.severity === 'error').map(formatProblem);
      throw e;
    }
    // A chart asked for by a name that is no cluster of the topology (a typo) would stay empty:
    // its objects would never reach a cluster.
    const clusters = new Set(s.clusters.map((c) => c.cluster.name));
    const strays = [...this.charts.keys()].filter((n) => !clusters.has(n)).sort();
    if (strays.length > 0) {
      return strays.map((n) => formatProblem({
        severity: 'error', code: 'BH-CDK8S-CHART-UNKNOWN', path: `${this.node.path}/${n}`,
        message: `chart '${n}' was asked for with charts.chart('${n}'), but the topology has no cluster of that name: what is added to it reaches no cluster`,
        value: show(n), fix: `pass a Cluster (charts.chart(eks)) or one of the cluster names: ${[...clusters].sort().join(', ') || '(none)'}`,
      }));
    }
    this.rendered = true;
    const byPath = new Map(s.plan.workloads.map((w) => [w.path, w]));
    for (const w of this.topology.node.findAll()) {
      const bound = Workload.isWorkload(w) ? BINDINGS.get(w) : undefined;
      const planned = byPath.get(w.node.path);
      if (!bound || !planned) continue;
      for (const [k, v] of Object.entries(planned.podLabels)) bound.podMetadata.addLabel(k, v);
    }
    for (const c of s.clusters) addObjects(this.chart(c.cluster.name), c.manifests);
    for (const n of s.networks) {
      if (n.manifests.length > 0) addObjects(this.networkChart(n.network.name), n.manifests);
    }
    if (this.props.printWarnings ?? true) {
      process.stderr.write(formatProblems(s.warnings));
    }
    return [];
  }
}

/**
 * Adds objects to a chart, each under an id from its content (kind, namespace, name). Each object
 * is the ApiObject's props as it is (cdk8s copies what it keeps: the metadata when the ApiObject
 * is made, the rest when it is synthesized), so nothing is copied here.
 */
function addObjects(chart: Chart, manifests: readonly KubeManifest[]): void {
  for (const m of manifests) {
    new ApiObject(chart, `${m.kind}-${m.metadata.namespace ?? '_'}-${m.metadata.name}`, m as unknown as ApiObjectProps);
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

/** A container port as cdk8s-plus describes it (`ContainerPort`). */
export interface BindableContainerPort {
  /** The port number. */
  readonly number: number;
  /**
   * The port name (only named ports become named ports of the Workload).
   * @default - unnamed
   */
  readonly name?: string;
  /**
   * `TCP`, `UDP` or `SCTP` (cdk8s-plus `Protocol`).
   * @default 'TCP'
   */
  readonly protocol?: string;
}

/** A container as cdk8s-plus describes it: only its ports are read. */
export interface BindableContainer {
  /** The container's ports. */
  readonly ports: readonly BindableContainerPort[];
}

/**
 * What {@link bindWorkload} reads from a workload: the members that cdk8s-plus-27 and later
 * majors (28 and up) expose on `Deployment`, `StatefulSet` and `DaemonSet`. A structural type,
 * so that any of those majors (or none) can be installed.
 */
export interface BindableWorkload {
  /** The workload's name (`metadata.name`). */
  readonly name: string;
  /** The workload's metadata; only the namespace is read. */
  readonly metadata: {
    /**
     * The namespace.
     * @default 'default'
     */
    readonly namespace?: string;
  };
  /** The pod selector (`spec.selector.matchLabels`). */
  readonly matchLabels: Readonly<Record<string, string>>;
  /**
   * Expression matchers of the pod selector (`spec.selector.matchExpressions`). A Workload
   * selects by labels only, so a workload with expressions cannot be bound
   * (`BH-BIND-SELECTOR-EXPRESSIONS`): its policies would select more pods than it runs.
   * @default - none
   */
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: string; readonly values?: readonly string[] }[];
  /**
   * The pods' service account.
   * @default - the namespace's `default` service account
   */
  readonly serviceAccount?: { readonly name: string };
  /** The containers; their named ports become the Workload's named ports. */
  readonly containers: readonly BindableContainer[];
  /** The pod template metadata, where the tier, domain and workload labels are added. */
  readonly podMetadata: { addLabel(key: string, value: string): void };
}

/**
 * Declares a {@link Workload} from a cdk8s-plus workload (Deployment, StatefulSet, DaemonSet of
 * cdk8s-plus-27 or a later major; see {@link BindableWorkload}): its namespace, service account,
 * selector labels and named container ports are taken from it, and the tier / domain / workload
 * labels are added to its pod template.
 *
 * @param scope where the Workload goes in the declaration (the Topology or a DomainBoundary)
 * @example
 * const web = bindWorkload(shop, 'web', deployment, { cluster: eks, tier: publicTier });
 */
export function bindWorkload(scope: Construct, id: string, target: BindableWorkload, options: BindWorkloadOptions): Workload {
  checkedScope(scope, id, 'Workload');
  const where = [scope.node.path, id].filter((s) => s !== '').join('/');
  const check = new ArgCheck();
  const o = check.options(where, 'options', options, '{ cluster: eks }', false);
  if (o) check.bool(where, 'options.labelPods', o.labelPods);
  checkBindable(check, where, target, o?.labelPods !== false);
  const expressions = isRecord(target) && Array.isArray(target.matchExpressions) ? target.matchExpressions : [];
  if (expressions.length > 0) {
    check.problems.push({
      severity: 'error', code: 'BH-BIND-SELECTOR-EXPRESSIONS', path: where,
      message: `the workload '${target.name}' selects its pods with matchExpressions, which a Workload cannot express: its policies would select every pod that has its matchLabels`,
      value: show(expressions),
      fix: 'select the pods by labels only (no expressions), or declare the Workload with new Workload(...) and a label selector',
    });
  }
  check.throwIfAny();
  const ports: Record<string, Port> = {};
  for (const c of target.containers) {
    for (const p of c.ports) {
      if (!p.name) continue;
      const proto = p.protocol === 'UDP' ? Protocol.UDP : p.protocol === 'SCTP' ? Protocol.SCTP : Protocol.TCP;
      ports[p.name] = Port.range(proto, p.number, p.number);
    }
  }
  const { labelPods, ...props } = options;
  const workload = new Workload(scope, id, {
    ...props,
    name: props.name ?? target.name,
    namespace: target.metadata.namespace ?? 'default',
    serviceAccount: target.serviceAccount?.name ?? 'default',
    selector: { ...target.matchLabels },
    ports,
  });
  // The plan decides the labels (tier, domain, workload); TopologyCharts adds them at synthesis.
  if (labelPods ?? true) BINDINGS.set(workload, target);
  return workload;
}

/** Checks that the target of {@link bindWorkload} has the members it reads, each of its kind. */
function checkBindable(check: ArgCheck, where: string, target: unknown, labelPods: boolean): void {
  const whatFix = 'pass a cdk8s-plus Deployment, StatefulSet or DaemonSet (cdk8s-plus-27 or a later major)';
  if (!isRecord(target)) return check.kind(where, 'target', target, 'a cdk8s-plus workload', whatFix);
  check.text(where, 'target.name', target.name, `${whatFix}: its name is read`);
  if (!isRecord(target.metadata)) check.kind(where, 'target.metadata', target.metadata, 'an object', `${whatFix}: its metadata.namespace is read`);
  else check.text(where, 'target.metadata.namespace', target.metadata.namespace, "'shop'", { optional: true });
  if (!isRecord(target.matchLabels)) {
    check.kind(where, 'target.matchLabels', target.matchLabels, 'an object of label names and values', `${whatFix}: its pod selector labels are read`);
  } else {
    for (const [k, v] of Object.entries(target.matchLabels)) {
      if (typeof v !== 'string') check.kind(where, `target.matchLabels['${k}']`, v, 'a string (a label value)', "'web'");
    }
  }
  check.list(where, 'target.matchExpressions', target.matchExpressions, '[] (a Workload selects by labels only)', { optional: true });
  if (target.serviceAccount !== undefined && !(isRecord(target.serviceAccount) && typeof target.serviceAccount.name === 'string')) {
    check.kind(where, 'target.serviceAccount', target.serviceAccount, 'a service account with a name', "a cdk8s-plus ServiceAccount, or { name: 'web' }, or none for the namespace's default");
  }
  check.list(where, 'target.containers', target.containers, 'the containers of the workload (cdk8s-plus Container objects)', {
    item: (c, i) => {
      const field = `target.containers[${i}]`;
      if (!isRecord(c)) return check.kind(where, field, c, 'a container', 'a cdk8s-plus Container');
      check.list(where, `${field}.ports`, c.ports, "[{ number: 8080, name: 'http' }]", {
        item: (p, j) => {
          const pf = `${field}.ports[${j}]`;
          if (!isRecord(p)) return check.kind(where, pf, p, 'a container port', "{ number: 8080, name: 'http' }");
          if (typeof p.number !== 'number' || !Number.isInteger(p.number) || p.number < 1 || p.number > 65535) {
            check.kind(where, `${pf}.number`, p.number, 'a whole number from 1 to 65535', 'the container port, such as 8080');
          }
          check.text(where, `${pf}.name`, p.name, "'http'", { optional: true, empty: true });
          if (p.protocol !== undefined && !['TCP', 'UDP', 'SCTP'].includes(p.protocol as string)) {
            check.kind(where, `${pf}.protocol`, p.protocol, "'TCP', 'UDP' or 'SCTP'", "a cdk8s-plus Protocol (Protocol.TCP, Protocol.UDP, Protocol.SCTP), or none for TCP");
          }
        },
      });
    },
  });
  if (labelPods && !(isRecord(target.podMetadata) && typeof target.podMetadata.addLabel === 'function')) {
    check.kind(where, 'target.podMetadata', target.podMetadata, 'the pod template metadata (with addLabel)', `${whatFix}, or set labelPods: false`);
  }
}

// Shared by every copy of the library in the process (a registered symbol on the global
// object): a workload bound by one copy gets its pod labels from the TopologyCharts of another.
const BINDINGS = ((globalThis as Record<symbol, unknown>)[Symbol.for('bulkhead.cdk8s.bindings')] ??= new WeakMap()) as WeakMap<Workload, BindableWorkload>;

/** Marks a topology with the construct path of its TopologyCharts (seen by every copy of the library). */
const CHARTS_SYMBOL = Symbol.for('bulkhead.TopologyCharts');

/** The construct path of the TopologyCharts that renders a topology, if any. */
function chartsOf(topology: Topology | undefined): string | undefined {
  if (typeof topology !== 'object' || topology === null) return undefined;
  const path = (topology as unknown as Record<symbol, unknown>)[CHARTS_SYMBOL];
  return typeof path === 'string' ? path : undefined;
}

/** Properties of {@link EnvironmentCharts}. */
export interface EnvironmentChartsProps extends SynthesizeOptions {
  /** The environments to render. */
  readonly environments: Environments;
  /**
   * Extra chart properties for every cluster chart (see `TopologyChartsProps.chartProps`).
   * @default - none
   */
  readonly chartProps?: ChartProps;
  /**
   * Print warnings to stderr at synthesis.
   * @default true
   */
  readonly printWarnings?: boolean;
}

/**
 * The charts of every environment of an {@link Environments}: one {@link TopologyCharts} per
 * environment, named after it, so one chart per environment and cluster
 * (`<id>/<environment>/<cluster>`). Each object carries its environment's label.
 *
 * @example
 * const envs = new Environments(app, 'shop', { environments, declare });
 * const charts = new EnvironmentCharts(app, 'segmentation', { environments: envs });
 * charts.environment('prod').chart('eks-prod');
 */
export class EnvironmentCharts extends Construct {
  private readonly byName = new Map<string, TopologyCharts>();

  constructor(scope: Construct, id: string, props: EnvironmentChartsProps) {
    checkedScope(scope, id, 'EnvironmentCharts');
    const here = [scope.node.path, id].filter((s) => s !== '').join('/');
    const check = new ArgCheck();
    const p = check.options(here, 'props', props, '{ environments }', false);
    if (p && !Environments.isEnvironments(p.environments)) {
      check.kind(here, 'environments', p.environments, 'an Environments', "pass the Environments: new Environments(app, 'shop', { environments: { ... }, declare })");
    }
    check.throwIfAny();
    super(scope, id);
    const { environments, ...rest } = props;
    for (const name of environments.names) {
      this.byName.set(name, new TopologyCharts(this, name, { ...rest, topology: environments.topology(name) }));
    }
  }

  /**
   * The charts of one environment.
   * @throws BulkheadError when there is no environment of that name (`BH-ENV-KEY`)
   */
  public environment(name: string): TopologyCharts {
    const c = this.byName.get(name);
    if (c) return c;
    throw new BulkheadError([{
      severity: 'error', code: 'BH-ENV-KEY', path: this.node.path, message: 'there is no environment of that name', value: show(name),
      fix: `name one of: ${[...this.byName.keys()].join(', ')}`,
    }]);
  }
}
