/**
 * The layer registry: one definition per layer ({@link LayerDefinition}), and every list of
 * layers derived from it — the renderers by layer ({@link TARGETS}), the cluster and network
 * layers synthesis renders, the kinds the break-glass reaper may remove, the simulators that
 * judge each layer. The names, scopes and judging layers come from `LAYER_TABLE`
 * (`lib/core/layers.ts`), which the model and the analysis read without loading a renderer.
 *
 * A new layer is a folder of its own under `lib/targets` (its renderer), its name in
 * `LAYER_TABLE`, and one definition here.
 */
import { ClusterLayerName, LAYER_NAMES, LAYER_TABLE, LayerName, SimulatedLayerName } from '../core/layers';
import { AWS_SIMULATOR, CILIUM_SIMULATOR, ISTIO_SIMULATOR, KUBERNETES_SIMULATOR, SimulatorRegistration } from '../analysis/simulators';
import { ciliumTarget } from '../targets/cilium';
import { clusterNetworkPolicyTarget } from '../targets/cluster-network-policy';
import { istioTarget } from '../targets/istio';
import { kubernetesTarget } from '../targets/kubernetes';
import { spireTarget } from '../targets/spire';
import { awsTarget } from '../targets/aws/target';
import { toCrossplane } from '../targets/aws/crossplane';
import { Target } from '../targets/types';
import { ClusterLayerDefinition, LayerDefinition, NetworkLayerDefinition } from './types';

/** The `kubernetes` layer: NetworkPolicy, the namespaced part of the Kubernetes network-policy layer. */
export const KUBERNETES_LAYER: ClusterLayerDefinition = {
  name: 'kubernetes',
  scope: 'cluster',
  target: kubernetesTarget,
  emits: [{ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' }],
  simulator: KUBERNETES_SIMULATOR,
};

/**
 * The `cluster-network-policy` layer: ClusterNetworkPolicy, the cluster-scoped part of the
 * Kubernetes network-policy layer. The `kubernetes` simulator judges it, together with the
 * NetworkPolicies (see `lib/core/layers.ts` on what "kubernetes" means).
 */
export const CLUSTER_NETWORK_POLICY_LAYER: ClusterLayerDefinition = {
  name: 'cluster-network-policy',
  scope: 'cluster',
  target: clusterNetworkPolicyTarget,
  emits: [{ apiVersion: 'policy.networking.k8s.io/v1alpha2', kind: 'ClusterNetworkPolicy' }],
  crds: 'network-policy-api',
};

/** The `cilium` layer: CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy. */
export const CILIUM_LAYER: ClusterLayerDefinition = {
  name: 'cilium',
  scope: 'cluster',
  target: ciliumTarget,
  emits: [
    { apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy' },
    { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy' },
  ],
  crds: 'cilium',
  simulator: CILIUM_SIMULATOR,
};

/** The `istio` layer: ServiceEntry, Sidecar, AuthorizationPolicy and PeerAuthentication; in ambient mode waypoint Gateways. */
export const ISTIO_LAYER: ClusterLayerDefinition = {
  name: 'istio',
  scope: 'cluster',
  target: istioTarget,
  emits: [
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', crds: 'gateway-api' },
    { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry' },
    { apiVersion: 'networking.istio.io/v1', kind: 'Sidecar' },
    { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy' },
    { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication' },
  ],
  crds: 'istio',
  simulator: ISTIO_SIMULATOR,
};

/** The `spire` layer: the SPIRE controller manager's ClusterSPIFFEID, ClusterFederatedTrustDomain and ClusterStaticEntry. */
export const SPIRE_LAYER: ClusterLayerDefinition = {
  name: 'spire',
  scope: 'cluster',
  target: spireTarget,
  emits: [
    { apiVersion: 'spire.spiffe.io/v1alpha1', kind: 'ClusterFederatedTrustDomain' },
    { apiVersion: 'spire.spiffe.io/v1alpha1', kind: 'ClusterSPIFFEID' },
    { apiVersion: 'spire.spiffe.io/v1alpha1', kind: 'ClusterStaticEntry' },
  ],
  crds: 'spire',
};

/**
 * The `aws` layer: security groups, their standalone rules and prefix lists of every AWS
 * network, written by the manifest hosts as Crossplane `ec2.aws.upbound.io` objects (created
 * by the Pulumi host with `@pulumi/aws`), the EKS SecurityGroupPolicy of pods with their own
 * groups, placed in the pods' cluster, and the admission of VM fleets' SPIRE agents into the
 * SPIRE server's pods where the SPIRE cluster isolates them (a NetworkPolicy).
 *
 * What break-glass expiry removes (`target.breakGlassResources`): the grant's standalone rules.
 * - Manifest hosts: the Crossplane `securitygroupingressrules` / `securitygroupegressrules`
 *   objects, deleted by the break-glass reaper of the network's control-plane cluster
 *   (`NetworkProps.controlPlane`), after which Crossplane revokes the AWS rules (default
 *   `deletionPolicy: Delete`). A network without a control plane keeps them until the next
 *   synthesis after expiry (warning `BH-AWS-BREAK-GLASS-REAPER`).
 * - Pulumi host: an EventBridge Scheduler one-time schedule per rule revokes it at expiry
 *   (`ec2:RevokeSecurityGroupIngress` / `Egress` through the universal target), with a role
 *   that may revoke on that rule's group only; the next `pulumi up` after expiry removes the
 *   rule, the schedule and the role from the state.
 */
export const AWS_LAYER: NetworkLayerDefinition = {
  name: 'aws',
  scope: 'network',
  cloud: 'aws',
  target: awsTarget,
  toManifests: (artifacts) => toCrossplane(artifacts.map((a) => a.resource)),
  emits: [
    { apiVersion: 'ec2.aws.upbound.io/v1beta1', kind: 'ManagedPrefixList' },
    { apiVersion: 'ec2.aws.upbound.io/v1beta1', kind: 'SecurityGroup' },
    { apiVersion: 'ec2.aws.upbound.io/v1beta1', kind: 'SecurityGroupEgressRule' },
    { apiVersion: 'ec2.aws.upbound.io/v1beta1', kind: 'SecurityGroupIngressRule' },
    { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' },
    { apiVersion: 'vpcresources.k8s.aws/v1beta1', kind: 'SecurityGroupPolicy' },
  ],
  crds: 'aws',
  simulator: AWS_SIMULATOR,
};

/** The built-in network layers, in rendering order. */
const NETWORK_DEFINITIONS: readonly NetworkLayerDefinition[] = [AWS_LAYER];

/** Every built-in layer definition, in rendering order (the order of `LAYER_TABLE`). */
export const LAYER_DEFINITIONS: readonly LayerDefinition[] = orderedDefinitions([
  KUBERNETES_LAYER, CLUSTER_NETWORK_POLICY_LAYER, CILIUM_LAYER, ISTIO_LAYER, SPIRE_LAYER, ...NETWORK_DEFINITIONS,
]);

/** The built-in cluster-scoped layer definitions, in rendering order. */
export const CLUSTER_LAYER_DEFINITIONS: readonly ClusterLayerDefinition[] = LAYER_DEFINITIONS.filter((d): d is ClusterLayerDefinition => d.scope === 'cluster');

/** The built-in network-scoped layer definitions, in rendering order. */
export const NETWORK_LAYER_DEFINITIONS: readonly NetworkLayerDefinition[] = LAYER_DEFINITIONS.filter((d): d is NetworkLayerDefinition => d.scope === 'network');

/** The built-in renderers of the cluster layers, by layer (from the definitions). */
export const TARGETS: Readonly<Record<ClusterLayerName, Target>> = targetsOf(CLUSTER_LAYER_DEFINITIONS) as Record<ClusterLayerName, Target>;

/** The renderers of some cluster layer definitions, by layer. */
export function targetsOf(definitions: readonly LayerDefinition[]): Partial<Record<ClusterLayerName, Target>> {
  const out: Partial<Record<ClusterLayerName, Target>> = {};
  for (const d of definitions) if (d.scope === 'cluster') out[d.name] = d.target;
  return out;
}

/** The built-in definition of a layer. @returns undefined when the layer has no definition (yet) */
export function layerDefinition(name: LayerName): LayerDefinition | undefined {
  return LAYER_DEFINITIONS.find((d) => d.name === name);
}

/**
 * The simulators of some layer definitions, in the order of the definitions (for
 * {@link LAYER_DEFINITIONS}, that of `LAYER_TABLE`, which is the order the analysis reports
 * layers in): the analysis' built-in `SIMULATORS` are those of the built-in definitions (a test
 * checks it), kept as a list of their own so that the analysis loads no renderer.
 */
export function simulatorsOf(definitions: readonly LayerDefinition[]): SimulatorRegistration[] {
  return definitions.flatMap((d) => (d.simulator ? [d.simulator] : []));
}

/**
 * The simulated layer that judges a layer's objects: its own simulator's layer, or the layer
 * it is a part of (`LAYER_TABLE`), or undefined when nothing judges it.
 */
export function judgingLayer(definition: LayerDefinition): SimulatedLayerName | undefined {
  if (definition.simulator) return definition.simulator.layer;
  const info = (LAYER_TABLE as Readonly<Record<string, { readonly judgedBy: SimulatedLayerName | null }>>)[definition.name];
  return info?.judgedBy ?? undefined;
}

/** Definitions in the order of `LAYER_TABLE` (definitions of other names after them, as given). */
function orderedDefinitions(definitions: readonly LayerDefinition[]): LayerDefinition[] {
  const rank = (d: LayerDefinition): number => {
    const i = LAYER_NAMES.indexOf(d.name);
    return i < 0 ? LAYER_NAMES.length : i;
  };
  return [...definitions].sort((a, b) => rank(a) - rank(b));
}
