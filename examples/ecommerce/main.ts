/**
 * The e-commerce example as a cdk8s program: the application's Deployments and StatefulSets
 * (cdk8s-plus-27) bound to the declaration, and every segmentation layer, one chart per
 * cluster. Run with `cdk8s synth` (cdk8s.yaml) or `npm run synth`.
 */
import { App, AppProps, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import * as kplus from 'cdk8s-plus-27';
import { Topology, Workload } from '../../lib';
import { bindWorkload, TopologyCharts } from '../../lib/cdk8s';
import { AppWorkloadSpec, declareShop } from './declaration';

/**
 * Creates an application workload in the chart of its cluster — its namespace (once per
 * chart; `namespaces` remembers which), service account, and Deployment or StatefulSet
 * (cdk8s-plus-27) — and binds it to the declaration.
 */
export function appWorkload(chart: Chart, namespaces: Set<string>, scope: Construct, id: string, spec: AppWorkloadSpec): Workload {
  const nsKey = `${chart.node.path}/${spec.namespace}`;
  if (!namespaces.has(nsKey)) {
    namespaces.add(nsKey);
    new kplus.Namespace(chart, `ns-${spec.namespace}`, { metadata: { name: spec.namespace, labels: { 'istio-injection': 'enabled' } } });
  }
  const sa = new kplus.ServiceAccount(chart, `sa-${spec.namespace}-${id}`, { metadata: { name: id, namespace: spec.namespace }, automountToken: false });
  const common = {
    metadata: { name: id, namespace: spec.namespace },
    serviceAccount: sa,
    // Select by the conventional name label only (no generated selector label), so the
    // bound workloads have the same selectors as the plain declaration the Pulumi program uses.
    select: false,
    podMetadata: { labels: { 'app.kubernetes.io/name': id } },
    containers: [{
      name: id,
      image: spec.image,
      ports: Object.entries(spec.ports).map(([name, p]) => ({ name, number: p.from as number })),
      securityContext: { ensureNonRoot: false },
    }],
  };
  const workload = spec.stateful
    ? new kplus.StatefulSet(chart, `${spec.namespace}-${id}`, {
      ...common,
      service: new kplus.Service(chart, `${spec.namespace}-${id}-svc`, { metadata: { name: id, namespace: spec.namespace }, clusterIP: 'None', ports: Object.values(spec.ports).map((p) => ({ port: p.from as number })) }),
    })
    : new kplus.Deployment(chart, `${spec.namespace}-${id}`, common);
  workload.select(kplus.LabelSelector.of({ labels: { 'app.kubernetes.io/name': id } }));
  return bindWorkload(scope, id, workload, { cluster: spec.cluster, tier: spec.tier });
}

/** Builds the cdk8s app of the example. */
export function buildApp(props: AppProps = {}, options: { clock?: () => Date; printWarnings?: boolean } = {}) {
  const { clock, printWarnings } = options;
  const app = new App(props);
  let charts: TopologyCharts | undefined;
  const namespaces = new Set<string>();

  const shop = declareShop(app, {
    clock,
    // One chart per cluster, created as soon as the clusters exist.
    onClusters: ({ eks }) => {
      charts = new TopologyCharts(app, 'segmentation', { topology: Topology.of(eks), printWarnings });
    },
    workload: (scope, id, spec: AppWorkloadSpec) => appWorkload((charts as TopologyCharts).chart(spec.cluster), namespaces, scope, id, spec),
  });
  return { app, shop, charts: charts as unknown as TopologyCharts };
}

if (require.main === module) {
  buildApp().app.synth();
}
