/**
 * The names of the enforcement layers, from one table. The layer definitions themselves (what
 * each emits, its renderer, simulator and schemas) live in the layer registry
 * (`lib/layers/registry.ts`); this module holds only what a name says — its scope and which
 * simulated layer judges it — so that the model and the analysis can use the names without
 * loading any renderer.
 *
 * **What "kubernetes" means.** `kubernetes` is the Kubernetes network-policy layer: the policy
 * the cluster's network plugin enforces from the Kubernetes policy APIs. It is one layer in
 * synthesis and in analysis. Synthesis renders it in two parts a cluster opts into apart,
 * because the second needs a CRD and a controller that not every cluster has:
 *
 * - `kubernetes` renders the namespaced part, `networking.k8s.io/v1` NetworkPolicy;
 * - `cluster-network-policy` renders the cluster-scoped part,
 *   `policy.networking.k8s.io` ClusterNetworkPolicy (admin and baseline tiers). It is a part
 *   of the `kubernetes` layer, not a layer of its own: its {@link LayerNameInfo.judgedBy} is
 *   `kubernetes`.
 *
 * The analysis judges the layer as the network plugin evaluates it: the `kubernetes` simulated
 * layer reads NetworkPolicy and ClusterNetworkPolicy together (the admin tier before the
 * namespaced policies, the baseline tier after them), since neither part can be judged
 * without the other. So `--layer kubernetes`, and verify's `kubernetes` results, cover every
 * object that the `kubernetes` and `cluster-network-policy` parts emit.
 */

/** Where a layer's objects live: in one Kubernetes cluster, or in one cloud network. */
export type LayerScope = 'cluster' | 'network';

/** What a layer's name says about it. */
export interface LayerNameInfo {
  /** Where its objects live. */
  readonly scope: LayerScope;
  /**
   * The simulated layer that judges it in the analysis (`connlist --layer`, `verify`): the
   * layer itself when it has a simulator of its own, the layer it is a part of otherwise
   * (`cluster-network-policy` → `kubernetes`), or `null` when it enforces no connectivity
   * (`spire` issues identities; the mesh layers enforce with them).
   */
  readonly judgedBy: string | null;
}

/**
 * Every layer name, in rendering order, with its scope and the simulated layer that judges it.
 * A new layer adds its name here (and its definition to the layer registry).
 */
export const LAYER_TABLE = {
  /** NetworkPolicy: the namespaced part of the Kubernetes network-policy layer. */
  'kubernetes': { scope: 'cluster', judgedBy: 'kubernetes' },
  /** ClusterNetworkPolicy: the cluster-scoped part of the Kubernetes network-policy layer. */
  'cluster-network-policy': { scope: 'cluster', judgedBy: 'kubernetes' },
  /** CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy (L3–L7, FQDN). */
  'cilium': { scope: 'cluster', judgedBy: 'cilium' },
  /** Istio AuthorizationPolicy, PeerAuthentication, Sidecar and ServiceEntry (mTLS, L7). */
  'istio': { scope: 'cluster', judgedBy: 'istio' },
  /** SPIRE ClusterSPIFFEID and friends: the workload identities the mesh layers enforce with. */
  'spire': { scope: 'cluster', judgedBy: null },
  /** AWS security groups of a cloud network (its definition is added with the aws renderer). */
  'aws': { scope: 'network', judgedBy: 'aws' },
} as const satisfies Readonly<Record<string, LayerNameInfo>>;

type Table = typeof LAYER_TABLE;

/** Every enforcement layer Bulkhead knows. */
export type LayerName = keyof Table;

/** Layers whose objects are applied to one Kubernetes cluster. */
export type ClusterLayerName = { [K in LayerName]: Table[K]['scope'] extends 'cluster' ? K : never }[LayerName];

/** Layers whose resources live in one cloud network (an AWS account, region and VPC). */
export type NetworkLayerName = { [K in LayerName]: Table[K]['scope'] extends 'network' ? K : never }[LayerName];

/**
 * The layers the analysis simulates (`connlist --layer`, verify's results): the
 * {@link LayerNameInfo.judgedBy} of every layer. See the module notes for what `kubernetes`
 * covers.
 */
export type SimulatedLayerName = NonNullable<Table[LayerName]['judgedBy']>;

/** Every layer name, in rendering order. */
export const LAYER_NAMES: readonly LayerName[] = Object.keys(LAYER_TABLE) as LayerName[];

/** Cluster-scoped layers, in rendering order. */
export const CLUSTER_LAYERS: readonly ClusterLayerName[] = LAYER_NAMES.filter((l): l is ClusterLayerName => LAYER_TABLE[l].scope === 'cluster');

/** Network-scoped layers, in rendering order. */
export const NETWORK_LAYERS: readonly NetworkLayerName[] = LAYER_NAMES.filter((l): l is NetworkLayerName => LAYER_TABLE[l].scope === 'network');

/**
 * The layers a `Cluster` can run (`ClusterProps.layers`), in rendering order: the
 * cluster-scoped layers ({@link CLUSTER_LAYERS}). Network layers run in the cloud networks.
 */
export const LAYERS: readonly ClusterLayerName[] = CLUSTER_LAYERS;

/** The simulated layers, in the order the analysis reports them. */
export const SIMULATED_LAYERS: readonly SimulatedLayerName[] = [...new Set(LAYER_NAMES.map((l) => LAYER_TABLE[l].judgedBy).filter((j): j is SimulatedLayerName => j !== null))];

/** The simulated layer that judges a layer, or undefined when none does (see {@link LayerNameInfo.judgedBy}). */
export function judgedBy(layer: LayerName): SimulatedLayerName | undefined {
  return LAYER_TABLE[layer].judgedBy ?? undefined;
}

/** Whether a value is a layer name. */
export function isLayerName(value: unknown): value is LayerName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(LAYER_TABLE, value);
}
