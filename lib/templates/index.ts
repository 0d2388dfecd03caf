/**
 * Environment templates: functions that create a {@link Cluster} with the enforcement layers a
 * managed platform (or a self-managed Cilium cluster) actually supports, so that Bulkhead never
 * emits objects the cluster would reject or silently ignore.
 *
 * Every template:
 * - sets `cloud` and `region`, and passes `podCidrs`, `nodeCidrs`, `trustDomain` and `name`
 *   through unchanged;
 * - adds the `istio` and `spire` layers only when `mesh` is set. A mesh means a self-managed
 *   Istio whose workload identities are issued by SPIRE (Istio's SPIRE integration), with the
 *   Istio and SPIRE controller-manager CRDs installed; a managed mesh add-on is not assumed to
 *   accept SPIRE-issued identities (not verified for any platform);
 * - leaves `cluster-network-policy` out unless asked for, and only where an implementation is
 *   documented: the Kubernetes ClusterNetworkPolicy API is alpha (`policy.networking.k8s.io/v1alpha2`)
 *   and off by default wherever it is implemented.
 *
 * Platform DNS: the topology's default DNS platform service (kube-system pods labelled
 * `k8s-app: kube-dns`, service account `coredns`) follows the upstream CoreDNS manifests, which
 * EKS, AKS and kubeadm install (assumed, not checked against each platform's documents). GKE
 * differs (see {@link gkeCluster}). Platform services are set per topology
 * (`platform.dns` on the Topology), not per cluster.
 *
 * @see https://network-policy-api.sigs.k8s.io/api-overview/
 * @see https://istio.io/latest/docs/ops/integrations/spire/
 */
import { Construct } from 'constructs';
import { BulkheadError } from '../core/errors';
import { Cluster, SpireServerProps } from '../model/cluster';
import { Network } from '../model/network';
import { ClusterLayerName as LayerName, LAYERS } from '../core/layers';

export * from './aws-network';

/** Properties common to every cluster template. */
export interface ClusterTemplateProps {
  /** Region (for an on-premises cluster: the site or data centre name), such as `eu-west-1`. */
  readonly region: string;
  /**
   * Pod CIDRs. Needed for cross-cluster flows: NetworkPolicy addresses a peer of another
   * cluster by these ranges.
   */
  readonly podCidrs: string[];
  /**
   * Node CIDRs (excluded from the internet fallback of FQDN externals).
   * @default - none
   */
  readonly nodeCidrs?: string[];
  /**
   * Addresses of the Kubernetes API server as pods reach it (the endpoints of the `kubernetes`
   * Service in `default`), so that the break-glass reaper reaches the API server only.
   * @default - unknown: the reaper's NetworkPolicy allows every address on TCP 443 and 6443, with a warning
   */
  readonly apiServerCidrs?: string[];
  /**
   * The mesh trust domain of this cluster's workload identities.
   * @default - the topology's trust domain
   */
  readonly trustDomain?: string;
  /**
   * Cluster name as the platform knows it.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Whether the cluster runs a self-managed Istio with SPIRE-issued identities: adds the
   * `istio` and `spire` layers.
   * @default false
   */
  readonly mesh?: boolean;
  /**
   * Where the cluster's SPIRE server is reachable by SPIRE agents outside the cluster (VM fleets
   * whose identities it holds), see `ClusterProps.spireServer`.
   * @default - none
   */
  readonly spireServer?: SpireServerProps;
}

/** The pod network of an EKS cluster. */
export type EksDataplane = 'cilium' | 'vpc-cni';

/** Properties of {@link eksCluster}. */
export interface EksClusterProps extends ClusterTemplateProps {
  /**
   * `cilium`: Cilium installed by you as the CNI (or in chaining mode); CiliumNetworkPolicy is
   * enforced. `vpc-cni`: the Amazon VPC CNI with its network policy agent
   * (`enableNetworkPolicy: "true"` on the `vpc-cni` add-on, VPC CNI 1.14 or later), which
   * enforces Kubernetes NetworkPolicy only.
   */
  readonly dataplane: EksDataplane;
  /**
   * Emit ClusterNetworkPolicy guardrails. Only with `dataplane: 'cilium'`: requires Cilium 1.20
   * or later with `k8sClusterNetworkPolicy.enabled=true` and the network-policy-api v0.2.0
   * ClusterNetworkPolicy CRD installed (off by default in Cilium, as the API is alpha). With
   * `vpc-cni` it is an error: ClusterNetworkPolicy support was merged into the AWS network
   * policy agent, but the release and the EKS add-on version that ship it could not be verified.
   * @default false
   */
  readonly clusterNetworkPolicy?: boolean;
  /**
   * The AWS network (VPC, see `awsNetwork`) the cluster's nodes, and pods, live in: security
   * groups of the network then address them as members of the VPC, VM fleets and managed
   * services of the network are reached by their groups, and (with `dataplane: 'vpc-cni'`)
   * workloads may have security groups of their own. Its Region must be the cluster's, and the
   * node CIDRs must lie inside its VPC (checked when the plan is built).
   * @default - in no declared cloud network
   */
  readonly network?: Network;
}

/** Properties of {@link gkeCluster}. */
export interface GkeClusterProps extends ClusterTemplateProps {
  /**
   * Emit ClusterNetworkPolicy guardrails. GKE documents ClusterNetworkPolicy (Admin and
   * Baseline tiers, Accept / Deny / Pass) for Dataplane V2 clusters from version
   * 1.36.0-gke.4447000. Not verified: that GKE serves exactly the upstream
   * `policy.networking.k8s.io/v1alpha2` schema Bulkhead emits; hence off unless asked for.
   * @default false
   */
  readonly clusterNetworkPolicy?: boolean;
}

/** Properties of {@link aksCluster}. */
export interface AksClusterProps extends ClusterTemplateProps {
  /**
   * Whether Advanced Container Networking Services (ACNS) security is enabled on the cluster:
   * adds the `cilium` layer. Without ACNS, AKS does not enforce the Cilium L7 (HTTP) rules or
   * the FQDN (`toFQDNs`) rules Bulkhead emits in CiliumNetworkPolicy. Not verified: Cilium
   * mutual authentication, which Bulkhead demands for critical and highly-sensitive tiers in
   * the `cilium` layer, is not documented for AKS; keep such tiers off AKS when this is set.
   * @default false
   */
  readonly advancedContainerNetworking?: boolean;
}

/** Properties of {@link onPremCluster}. */
export interface OnPremClusterProps extends ClusterTemplateProps {
  /**
   * Emit ClusterNetworkPolicy guardrails: requires Cilium 1.20 or later with
   * `k8sClusterNetworkPolicy.enabled=true` and the network-policy-api v0.2.0
   * ClusterNetworkPolicy CRD installed (off by default in Cilium, as the API is alpha).
   * @default false
   */
  readonly clusterNetworkPolicy?: boolean;
}

/** Layers in rendering order, from a set. */
function layersOf(wanted: ReadonlySet<LayerName>): LayerName[] {
  return LAYERS.filter((l) => wanted.has(l));
}

function meshLayers(props: ClusterTemplateProps): LayerName[] {
  return props.mesh ? ['istio', 'spire'] : [];
}

function create(scope: Construct, id: string, cloud: string, props: ClusterTemplateProps, layers: LayerName[], network?: Network): Cluster {
  return new Cluster(scope, id, {
    ...(network !== undefined ? { network } : {}),
    name: props.name,
    cloud,
    region: props.region,
    podCidrs: props.podCidrs,
    nodeCidrs: props.nodeCidrs,
    ...(props.apiServerCidrs !== undefined ? { apiServerCidrs: props.apiServerCidrs } : {}),
    trustDomain: props.trustDomain,
    layers: layersOf(new Set(layers)),
    ...(props.spireServer !== undefined ? { spireServer: props.spireServer } : {}),
  });
}

/**
 * An Amazon EKS cluster.
 *
 * Layers: with `dataplane: 'cilium'`, `kubernetes` and `cilium` (Cilium enforces Kubernetes
 * NetworkPolicy and CiliumNetworkPolicy), plus `cluster-network-policy` when
 * `clusterNetworkPolicy` is set; with `dataplane: 'vpc-cni'`, `kubernetes` only (the VPC CNI
 * network policy agent enforces Kubernetes NetworkPolicy, not Cilium CRDs). Either way `istio`
 * and `spire` when `mesh` is set.
 *
 * DNS: the CoreDNS add-on in kube-system; the topology default assumes the upstream labels
 * (`k8s-app: kube-dns`, service account `coredns`), not checked against EKS documentation.
 *
 * Cilium mutual authentication (demanded by critical and highly-sensitive tiers in the
 * `cilium` layer) needs Cilium's SPIRE-based mutual authentication enabled in your install.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/cni-network-policy.html
 * @see https://aws.amazon.com/blogs/containers/amazon-vpc-cni-now-supports-kubernetes-network-policies/
 * @see https://docs.cilium.io/en/stable/network/kubernetes/policy/
 * @see https://github.com/cilium/cilium/pull/47227 (ClusterNetworkPolicy in Cilium 1.20, opt-in)
 * @see https://github.com/aws/aws-network-policy-agent/pull/496 (ClusterNetworkPolicy in the agent; release not verified)
 *
 * Network: with `network` (an `awsNetwork`), the cluster's nodes and pods are members of that
 * VPC for the `aws` layer (see {@link EksClusterProps.network}).
 *
 * @example
 * const eks = eksCluster(topology, 'eks-prod', { region: 'eu-west-1', podCidrs: ['10.20.0.0/16'], dataplane: 'cilium', mesh: true });
 * const vpc = awsNetwork(topology, 'prod-vpc', { account: '123456789012', region: 'eu-west-1', vpcId: 'vpc-0a1b2c3d4e5f67890', cidrs: ['10.0.0.0/16'] });
 * const inVpc = eksCluster(topology, 'eks-vpc', { region: 'eu-west-1', network: vpc, podCidrs: ['10.0.128.0/17'], nodeCidrs: ['10.0.0.0/20'], dataplane: 'vpc-cni' });
 */
export function eksCluster(scope: Construct, id: string, props: EksClusterProps): Cluster {
  if (props.dataplane === 'vpc-cni' && props.clusterNetworkPolicy) {
    throw new BulkheadError([{
      severity: 'error', code: 'BH-TEMPLATE-LAYER', path: `${scope.node.path}/${id}`,
      message: 'ClusterNetworkPolicy enforcement by the Amazon VPC CNI network policy agent is not a verified, released feature',
      value: 'clusterNetworkPolicy: true', fix: "remove clusterNetworkPolicy, or use dataplane: 'cilium' (Cilium 1.20 or later)",
    }]);
  }
  const layers: LayerName[] = props.dataplane === 'cilium'
    ? ['kubernetes', 'cilium', ...(props.clusterNetworkPolicy ? ['cluster-network-policy' as const] : [])]
    : ['kubernetes'];
  return create(scope, id, 'aws', props, [...layers, ...meshLayers(props)], props.network);
}

/**
 * A Google Kubernetes Engine cluster with GKE Dataplane V2 (a managed Cilium).
 *
 * Layers: `kubernetes` (Dataplane V2 always enforces Kubernetes NetworkPolicy), plus
 * `cluster-network-policy` when `clusterNetworkPolicy` is set, plus `istio` and `spire` when
 * `mesh` is set. Never `cilium`: GKE does not serve the namespaced CiliumNetworkPolicy to users
 * (it offers CiliumClusterwideNetworkPolicy for cluster-wide L3/L4 rules and its own
 * FQDNNetworkPolicy, neither of which Bulkhead emits). This rests on the GKE documents below,
 * which describe those two resources and no CiliumNetworkPolicy; no GKE statement that
 * CiliumNetworkPolicy is rejected was found. FQDN externals are therefore expressed by CIDR in
 * NetworkPolicy (with a warning) and by ServiceEntry in Istio.
 *
 * DNS: GKE's default provider is kube-dns, whose pods in kube-system are labelled
 * `k8s-app: kube-dns` like the topology default, but run as service account `kube-dns`, not
 * `coredns`: set `platform.dns` on the Topology to
 * `{ namespace: 'kube-system', selector: { 'k8s-app': 'kube-dns' }, serviceAccount: 'kube-dns' }`
 * when every cluster of the topology is a GKE cluster. With Cloud DNS for GKE there are no
 * in-cluster DNS pods (queries are answered on the node), which the DNS platform flow does not
 * describe (not verified further).
 *
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/network-policy
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/configure-cilium-network-policy
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/fqdn-network-policies
 * @see https://docs.cloud.google.com/kubernetes-engine/docs/how-to/configure-cluster-network-policy
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/cloud-dns
 *
 * @example
 * const gke = gkeCluster(topology, 'gke-analytics', { region: 'us-east1', podCidrs: ['10.40.0.0/14'], mesh: true });
 */
export function gkeCluster(scope: Construct, id: string, props: GkeClusterProps): Cluster {
  const layers: LayerName[] = ['kubernetes', ...(props.clusterNetworkPolicy ? ['cluster-network-policy' as const] : [])];
  return create(scope, id, 'gcp', props, [...layers, ...meshLayers(props)]);
}

/**
 * An Azure Kubernetes Service cluster with Azure CNI powered by Cilium.
 *
 * Layers: `kubernetes` (Cilium enforces Kubernetes NetworkPolicy), plus `cilium` when
 * `advancedContainerNetworking` is set (ACNS brings FQDN filtering and L7 policies in
 * CiliumNetworkPolicy), plus `istio` and `spire` when `mesh` is set. Never
 * `cluster-network-policy`: AKS runs a Cilium release older than 1.20 (the first with
 * ClusterNetworkPolicy) at the time of writing, and CiliumClusterwideNetworkPolicy support is
 * still an open request.
 *
 * Limitation: on AKS a NetworkPolicy `ipBlock` cannot allow access to this cluster's node or
 * pod IPs. Peers in other clusters are outside this cluster's ranges; a declaration that
 * addresses this cluster's own nodes by CIDR does not work here.
 *
 * DNS: CoreDNS in kube-system; the topology default assumes the upstream labels
 * (`k8s-app: kube-dns`, service account `coredns`), not checked against AKS documentation.
 *
 * @see https://learn.microsoft.com/azure/aks/azure-cni-powered-by-cilium
 * @see https://learn.microsoft.com/azure/aks/container-network-security-concepts
 * @see https://techcommunity.microsoft.com/blog/azurenetworkingblog/layer-7-network-policies-for-aks-now-generally-available-for-production-security/4467598
 * @see https://github.com/Azure/AKS/issues/5985 (Cilium 1.20 and ClusterNetworkPolicy on AKS: open)
 * @see https://github.com/Azure/AKS/issues/4582 (CiliumClusterwideNetworkPolicy on AKS: open)
 *
 * @example
 * const aks = aksCluster(topology, 'aks-support', { region: 'westeurope', podCidrs: ['10.60.0.0/16'] });
 */
export function aksCluster(scope: Construct, id: string, props: AksClusterProps): Cluster {
  const layers: LayerName[] = ['kubernetes', ...(props.advancedContainerNetworking ? ['cilium' as const] : [])];
  return create(scope, id, 'azure', props, [...layers, ...meshLayers(props)]);
}

/**
 * A self-managed cluster running Cilium as its CNI (cloud `on-prem`).
 *
 * Layers: `kubernetes` and `cilium`, plus `cluster-network-policy` when `clusterNetworkPolicy`
 * is set (Cilium 1.20 or later, opt-in), plus `istio` and `spire` when `mesh` is set.
 *
 * DNS: the topology default fits a kubeadm-installed CoreDNS (`k8s-app: kube-dns`, service
 * account `coredns`); other installers may label it differently (not verified).
 *
 * Cilium mutual authentication (demanded by critical and highly-sensitive tiers in the
 * `cilium` layer) needs Cilium's SPIRE-based mutual authentication enabled in your install.
 *
 * @see https://docs.cilium.io/en/stable/network/kubernetes/policy/
 * @see https://github.com/cilium/cilium/pull/47227 (ClusterNetworkPolicy in Cilium 1.20, opt-in)
 * @see https://github.com/cilium/cilium/issues/23380
 *
 * @example
 * const dc = onPremCluster(topology, 'dc1', { region: 'fra-dc1', podCidrs: ['10.80.0.0/16'], mesh: true });
 */
export function onPremCluster(scope: Construct, id: string, props: OnPremClusterProps): Cluster {
  const layers: LayerName[] = ['kubernetes', 'cilium', ...(props.clusterNetworkPolicy ? ['cluster-network-policy' as const] : [])];
  return create(scope, id, 'on-prem', props, [...layers, ...meshLayers(props)]);
}
