/**
 * The e-commerce example as a Pulumi program: the same declaration as the cdk8s program,
 * deployed through @pulumi/kubernetes with one provider per cluster.
 *
 *   pulumi up    (kubeconfig contexts named eks-prod and gke-analytics, or pass providers)
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { SegmentationStack } from '../../../lib/pulumi';
import { declareShop } from '../declaration';

const config = new pulumi.Config();
const shop = declareShop(undefined);

// One provider per cluster; the kubeconfig of each comes from stack config when set.
const providers: Record<string, k8s.Provider> = {};
for (const cluster of [shop.clusters.eks, shop.clusters.gke]) {
  const kubeconfig = config.getSecret(`${cluster.clusterName}-kubeconfig`);
  providers[cluster.clusterName] = new k8s.Provider(cluster.clusterName, kubeconfig ? { kubeconfig } : { context: cluster.clusterName });
}

const segmentation = new SegmentationStack('shop', { topology: shop.topology, providers });

/** Objects per cluster. */
export const objectCounts = segmentation.objectCounts;
