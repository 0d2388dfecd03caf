/**
 * The one definition of a Kubernetes workload's SPIFFE ID that every identity-aware layer
 * shares: the SPIRE ClusterSPIFFEID template renders it, Istio principals name it. Keeping
 * both in this file is what makes "the principal equals the issued identity" hold.
 */
import { PlanCloudIdentity, PlanCluster, PlanPlatformEndpoint, PlanWorkload } from '../../plan/types';

/**
 * The ClusterSPIFFEID template Bulkhead writes. The controller renders `.TrustDomain` as the
 * trust domain it operates for (the cluster's SPIRE trust domain), `.PodMeta.Namespace` and
 * `.PodSpec.ServiceAccountName` from the selected pod: the Istio identity format
 * `spiffe://<td>/ns/<namespace>/sa/<service account>`.
 *
 * @see https://github.com/spiffe/spire-controller-manager/blob/main/docs/clusterspiffeid-crd.md#templates
 */
export const SPIFFE_ID_TEMPLATE = 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}';

/**
 * Renders {@link SPIFFE_ID_TEMPLATE} the way the SPIRE controller manager does, for a pod in
 * `namespace` running as `serviceAccount` in a cluster whose SPIRE trust domain is `trustDomain`.
 *
 * @see https://github.com/spiffe/spire-controller-manager/blob/main/docs/clusterspiffeid-crd.md#templates
 */
export function renderSpiffeIdTemplate(trustDomain: string, namespace: string, serviceAccount: string): string {
  return SPIFFE_ID_TEMPLATE
    .replace('{{ .TrustDomain }}', trustDomain)
    .replace('{{ .PodMeta.Namespace }}', namespace)
    .replace('{{ .PodSpec.ServiceAccountName }}', serviceAccount);
}

/**
 * The SPIFFE ID SPIRE issues to a workload of the plan (its cluster's trust domain).
 *
 * @see https://istio.io/latest/docs/concepts/security/#istio-identity
 */
export function workloadSpiffeId(cluster: PlanCluster, w: PlanWorkload | PlanPlatformEndpoint): string {
  return renderSpiffeIdTemplate(cluster.trustDomain, w.namespace, w.serviceAccount);
}

/**
 * The Istio principal of a workload: its SPIFFE ID without the `spiffe://` scheme.
 *
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source
 */
export function istioPrincipal(cluster: PlanCluster, w: PlanWorkload | PlanPlatformEndpoint): string {
  return workloadSpiffeId(cluster, w).slice('spiffe://'.length);
}

/**
 * The trust domain of a SPIFFE ID (`spiffe://<trust-domain>/<path>`), lower-cased; undefined
 * when the text is no SPIFFE ID.
 *
 * @see https://github.com/spiffe/spiffe/blob/main/standards/SPIFFE-ID.md#21-trust-domain
 */
export function spiffeTrustDomain(spiffeId: string): string | undefined {
  const m = /^spiffe:\/\/([^/]+)(?:\/|$)/i.exec(spiffeId);
  return m ? m[1].toLowerCase() : undefined;
}

/**
 * The Istio principal of a VM with a SPIFFE identity: its SPIFFE ID (the one its ClusterStaticEntry
 * registers, and that its proxy presents as its SVID) without the `spiffe://` scheme.
 *
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source
 */
export function cloudPrincipal(identity: PlanCloudIdentity): string {
  return identity.spiffeId.replace(/^spiffe:\/\//i, '');
}
