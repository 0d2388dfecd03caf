/**
 * The environments example as a cdk8s program: per environment, the application's Deployments
 * and StatefulSets (cdk8s-plus-27) bound to the declaration, and every segmentation layer, one
 * chart per environment and cluster (`segmentation/<environment>/<cluster>`). Run with
 * `cdk8s synth` (cdk8s.yaml), or `npx ts-node examples/environments/synth.ts` for
 * `out/<environment>/<cluster>/<layer>.yaml`.
 */
import { App, AppProps } from 'cdk8s';
import { Construct } from 'constructs';
import { Environments } from '../../lib';
import { TopologyCharts } from '../../lib/cdk8s';
import { AppWorkloadSpec, WorkloadFactory } from '../ecommerce/declaration';
import { appWorkload } from '../ecommerce/main';
import { declareEnvironments } from './declaration';

/** Builds the cdk8s app of the example: the environments, and the charts of each. */
export function buildApp(props: AppProps = {}, options: { clock?: () => Date; printWarnings?: boolean } = {}): { app: App; environments: Environments; charts: ReadonlyMap<string, TopologyCharts> } {
  const app = new App(props);
  const segmentation = new Construct(app, 'segmentation');
  const charts = new Map<string, TopologyCharts>();
  const namespaces = new Set<string>();

  // One factory per environment: each binds its workloads to cdk8s-plus workloads in the chart of their cluster.
  const factory = (env: string): WorkloadFactory => (scope, id, spec: AppWorkloadSpec) => appWorkload(charts.get(env)!.chart(spec.cluster), namespaces, scope, id, spec);

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
