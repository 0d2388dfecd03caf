/**
 * The multi-cloud example as a Pulumi program: the same declaration as the cdk8s program,
 * deployed through @pulumi/kubernetes with one provider per cluster, and the security groups
 * of the AWS network through @pulumi/aws (one provider per account and Region, created by the
 * component and pinned to the account).
 *
 *   pulumi up    (kubeconfig contexts named after the clusters, or their kubeconfigs in stack
 *                 config as <cluster>-kubeconfig secrets; AWS credentials for the account)
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { SegmentationStack } from '../../../lib/pulumi';
import { declareMultiCloud } from '../declaration';

const config = new pulumi.Config();
const multi = declareMultiCloud(undefined);

// One provider per cluster; the kubeconfig of each comes from stack config when set.
const providers: Record<string, k8s.Provider> = {};
for (const cluster of Object.values(multi.clusters)) {
  const kubeconfig = config.getSecret(`${cluster.clusterName}-kubeconfig`);
  providers[cluster.clusterName] = new k8s.Provider(cluster.clusterName, kubeconfig ? { kubeconfig } : { context: cluster.clusterName });
}

const segmentation = new SegmentationStack('multi', { topology: multi.topology, providers });

/** Objects per cluster. */
export const objectCounts = segmentation.objectCounts;
