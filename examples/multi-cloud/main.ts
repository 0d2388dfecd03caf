/**
 * The multi-cloud example as a cdk8s program: one chart per cluster with every segmentation
 * layer the cluster runs, and one chart per AWS account and Region (`aws.<account>.<region>`)
 * with the network's security groups as Crossplane `ec2.aws.upbound.io` objects. Run with
 * `cdk8s synth` (cdk8s.yaml).
 */
import { App, AppProps } from 'cdk8s';
import { TopologyCharts } from '../../lib/cdk8s';
import { declareMultiCloud } from './declaration';

/** Builds the cdk8s app of the example. */
export function buildApp(props: AppProps = {}, options: { clock?: () => Date; printWarnings?: boolean } = {}) {
  const app = new App(props);
  const multi = declareMultiCloud(app, { clock: options.clock });
  const charts = new TopologyCharts(app, 'segmentation', { topology: multi.topology, printWarnings: options.printWarnings });
  return { app, multi, charts };
}

if (require.main === module) {
  buildApp().app.synth();
}
