/**
 * The `kubernetes` layer: `networking.k8s.io/v1` NetworkPolicy (per-namespace default-deny
 * with DNS; per workload one policy of both types, its DNS egress included; separate BreakGlass
 * objects). This module also
 * holds the in-cluster break-glass reaper (core kinds), which `synthesize` emits for every
 * cluster holding a grant, whatever its layers.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
import { Plan, PlanCluster } from '../../plan/types';
import { sortManifests } from '../common';
import { RenderResult, Target } from '../types';
import { renderNetworkPolicies, validateNetworkPolicies } from './network-policy';
import { KubernetesLayerManifest } from './types';

export * from './types';
export { DEFAULT_DENY_NAME, ERR_NP_NAME_CLASH, WARN_CLOUD_SUBNET, WARN_CROSS_CLUSTER, WARN_FQDN, WARN_NO_DNS, WARN_UNREACHABLE, renderNetworkPolicies, validateNetworkPolicies } from './network-policy';
export type { NetworkPolicyRender } from './network-policy';
export * from './reaper';
export { RFC1918_IPV4, LINK_LOCAL_IPV4, cloudBlocks, cloudKindText, fqdnFallbackBlock, fqdnFallbackExcept, ipv4Complement, mergePorts, portsKey, resolvePeer } from './addressing';
export type { SimplePort, AddressBlock, ResolvedPeer } from './addressing';

/**
 * What the `kubernetes` target returns: a {@link RenderResult} with its manifests typed.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export interface KubernetesRenderResult extends RenderResult {
  /** The objects, sorted by (apiVersion, kind, namespace, name). */
  readonly manifests: readonly KubernetesLayerManifest[];
}

/**
 * Renders one cluster's `kubernetes` layer.
 *
 * FQDN externals: NetworkPolicy cannot match names. When the External declares `cidrs`, they
 * are used. Otherwise the flow is allowed to `0.0.0.0/0` except the RFC 1918 ranges, the
 * link-local range and the cluster's pod and node CIDRs, on the declared ports only, and a
 * `BH-NP-FQDN` warning says so (the Cilium and Istio layers enforce the name).
 *
 * Peers in another cluster are addressed by that cluster's pod CIDRs (`BH-NP-CROSS-CLUSTER`).
 *
 * Cloud workloads (VM fleets, managed services) are addressed by their subnet CIDRs, in both
 * directions, on the flow's ports; a subnet holds other instances too, which a
 * `BH-NP-CLOUD-SUBNET` warning names with the flow and the CIDRs.
 *
 * Audit mode: NetworkPolicy has no audit or log-only mode, so `audit` topologies render the
 * same, enforcing policies; the Istio and Cilium layers relax instead.
 *
 * The break-glass reaper is not part of this layer: `synthesize` emits it for every cluster
 * that holds a grant in force, whatever its layers (see `renderReaper`).
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export function renderKubernetes(plan: Plan, cluster: PlanCluster): KubernetesRenderResult {
  const np = renderNetworkPolicies(plan, cluster);
  const manifests: KubernetesLayerManifest[] = [...np.manifests];
  return { manifests: sortManifests(manifests), warnings: np.warnings };
}

/**
 * The `kubernetes` layer target (NetworkPolicy).
 *
 * @see renderKubernetes
 */
export const kubernetesTarget: Target = {
  layer: 'kubernetes',
  render: renderKubernetes,
  validate: validateNetworkPolicies,
  breakGlassResources: [{ group: 'networking.k8s.io', resource: 'networkpolicies' }],
};
