/**
 * The names of the enforcement layers. The layer definitions themselves (what each emits, its
 * renderer, simulator and schemas) live in the layer registry; this module holds only the
 * names, so that the model can check a declaration's layers without loading any renderer.
 */

/** Layers whose objects are applied to one Kubernetes cluster. */
export type ClusterLayerName = 'kubernetes' | 'cluster-network-policy' | 'cilium' | 'istio' | 'spire';

/** Layers whose resources live in one cloud network (an AWS account, region and VPC). */
export type NetworkLayerName = 'aws';

/** Every enforcement layer Bulkhead renders. */
export type LayerName = ClusterLayerName | NetworkLayerName;

/** Cluster-scoped layers, in rendering order. */
export const CLUSTER_LAYERS: readonly ClusterLayerName[] = ['kubernetes', 'cluster-network-policy', 'cilium', 'istio', 'spire'];

/** Network-scoped layers, in rendering order. */
export const NETWORK_LAYERS: readonly NetworkLayerName[] = ['aws'];
