/**
 * The environments example as a cdk8s program: per environment, the application's Deployments
 * and StatefulSets (cdk8s-plus-27) bound to the declaration, and every segmentation layer, one
 * chart per environment and cluster (`segmentation/<environment>/<cluster>`). Run with
 * `cdk8s synth` (cdk8s.yaml), or `npx ts-node examples/environments/synth.ts` for
 * `out/<environment>/<cluster>/<layer>.yaml`.
 */
import { App, AppProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Environments } from '../../lib';
import { bindWorkload, TopologyCharts } from '../../lib/cdk8s';
import { AppWorkloadSpec, WorkloadFactory } from '../ecommerce/declaration';
import { declareEnvironments } from './declaration';

/** Builds the cdk8s app of the example: the environments, and the charts of each. */
export function buildApp(props: AppProps = {}, options: { clock?: () => Date; printWarnings?: boolean } = {}): { app: App; environments: Environments; charts: ReadonlyMap<string, TopologyCharts> } {
  const app = new App(props);
  const segmentation = new Construct(app, 'segmentation');
  const charts = new Map<string, TopologyCharts>();
  const namespaces = new Set<string>();

  // One factory per environment: each binds its workloads to cdk8s-plus workloads in the chart of their cluster.
  const factory = (env: string): WorkloadFactory => (scope, id, spec: AppWorkloadSpec) => {
    const chart = charts.get(env)!.chart(spec.cluster);
    const nsKey = `${env}/${spec.cluster.clusterName}/${spec.namespace}`;
    if (!namespaces.has(nsKey)) {
      namespaces.add(nsKey);
      new kplus.Namespace(chart, `ns-${spec.namespace}`, { metadata: { name: spec.namespace, labels: { 'istio-injection': 'enabled' } } });
    }
    const sa = new kplus.ServiceAccount(chart, `sa-${spec.namespace}-${id}`, { metadata: { name: id, namespace: spec.namespace }, automountToken: false });
    const common = {
      metadata: { name: id, namespace: spec.namespace },
      serviceAccount: sa,
      select: false,
      podMetadata: { labels: { 'app.kubernetes.io/name': id } },
      containers: [{
        name: id, image: spec.image,
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
  };

  const environments = declareEnvironments(app, {
    clock: options.clock,
    workload: factory,
    // The charts of an environment, created as soon as its clusters exist.
    onClusters: (env, topology) => {
      charts.set(env, new TopologyCharts(segmentation, env, { topology, printWarnings: options.printWarnings }));
    },
  });
  return { app, environments, charts };
}

if (require.main === module) {
  buildApp().app.synth();
}
