/**
 * One identity per workload. Istio and SPIRE identify a pod by its SPIFFE ID, derived from the
 * trust domain, namespace and service account: two workloads with the same ID are one
 * principal to every policy, so each would inherit the other's access.
 */
import { cmp } from '../../core/errors';
import { ClusterLayerName as LayerName } from '../../core/layers';
import { Reporter } from './report';

/** Layers that issue or check a workload's SPIFFE identity. */
export const IDENTITY_LAYERS: readonly LayerName[] = ['istio', 'spire'];

/** One workload, for the check. */
export interface IdentifiedWorkload {
  /** Construct path. */
  readonly path: string;
  /** Workload key, `<cluster>/<namespace>/<name>`. */
  readonly key: string;
  /** Its cluster. */
  readonly cluster: string;
  /** Its cluster's layers. */
  readonly layers: readonly LayerName[];
  /** Its service account. */
  readonly serviceAccount: string;
  /** Its SPIFFE ID. */
  readonly spiffeId: string;
}

/**
 * Reports workloads that share a SPIFFE ID in clusters that issue it (Istio or SPIRE): in one
 * namespace, a shared service account; across clusters, the same namespace and service
 * account under one trust domain. Reported at every workload after the first, in path order.
 */
export function checkSharedIdentities(workloads: readonly IdentifiedWorkload[], report: Reporter): void {
  const byId = new Map<string, IdentifiedWorkload[]>();
  for (const w of [...workloads].sort((a, b) => cmp(a.path, b.path))) {
    if (!w.layers.some((l) => IDENTITY_LAYERS.includes(l))) continue;
    const list = byId.get(w.spiffeId);
    if (list) list.push(w);
    else byId.set(w.spiffeId, [w]);
  }
  for (const [id, list] of byId) {
    const first = list[0];
    for (const w of list.slice(1)) {
      if (w.key === first.key) continue; // one workload declared twice: its own error
      if (w.cluster === first.cluster) {
        report.error(
          'BH-SHARED-IDENTITY', w.path,
          `it runs as service account '${w.serviceAccount}', like ${first.path}: both present the identity ${id}, so each would inherit the other's access`,
          { [first.key]: id, [w.key]: id },
          `give each workload its own service account (serviceAccount: '${w.key.split('/')[2]}')`,
        );
      } else {
        report.error(
          'BH-SHARED-IDENTITY', w.path,
          `it has the identity ${id} of ${first.path} in cluster '${first.cluster}' (same trust domain, namespace and service account), so each would inherit the other's access`,
          { [first.key]: id, [w.key]: id },
          `give cluster '${w.cluster}' a trust domain of its own (trustDomain on the Cluster, such as '${w.cluster}.${id.slice('spiffe://'.length).split('/')[0]}'), or the workload another service account`,
        );
      }
    }
  }
}
