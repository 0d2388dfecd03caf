/**
 * The environments example as a Pulumi program: one stack per environment (`pulumi stack
 * select prod`), each deploying its environment's Topology through @pulumi/kubernetes with one
 * provider per cluster. The stack name picks the environment, or the `environment` config value.
 *
 *   pulumi stack select staging && pulumi up    (kubeconfig contexts named eks-staging and gke-staging, or per-cluster kubeconfig secrets)
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { Cluster } from '../../../lib';
import { SegmentationStack } from '../../../lib/pulumi';
import { declareEnvironments } from '../declaration';

const config = new pulumi.Config();
const environments = declareEnvironments(undefined);
/** The environment this stack deploys. */
export const environment = config.get('environment') ?? pulumi.getStack();
const topology = environments.topology(environment);

// One provider per cluster of the environment; the kubeconfig of each comes from stack config when set.
const providers: Record<string, k8s.Provider> = {};
for (const name of topology.node.findAll().filter(Cluster.isCluster).map((c) => c.clusterName).sort()) {
  const kubeconfig = config.getSecret(`${name}-kubeconfig`);
  providers[name] = new k8s.Provider(name, kubeconfig ? { kubeconfig } : { context: name });
}

const segmentation = new SegmentationStack(`shop-${environment}`, { topology, providers });

/** Objects per cluster. */
export const objectCounts = segmentation.objectCounts;
