/**
 * Namespaces a workload must not be declared in: those of the platform services every
 * workload of the cluster depends on. A declared workload puts its namespace under default
 * deny (every layer isolates the namespace's pods), which would cut the platform service
 * off from every workload of the cluster — default deny without DNS.
 */
import { ClusterLayerName as LayerName } from '../../core/layers';
import { PlanPlatformEndpoint } from '../types';
import { REAPER_NAMESPACE } from '../../targets/kubernetes/reaper';
import { Reporter } from './report';

/** The Kubernetes system namespace (cluster DNS, kube-proxy, CNI agents, …). */
export const KUBE_SYSTEM = 'kube-system';

/** A cluster's platform namespaces, for the check. */
export interface PlatformNamespaces {
  /** Namespace → what lives there. */
  readonly reasons: ReadonlyMap<string, string>;
}

/**
 * The namespaces of a cluster that hold a platform service: `kube-system`, the namespace of
 * every platform service of the cluster (DNS, mesh control plane, metrics scraper), the
 * break-glass reaper's `bulkhead-system`, and, in a cluster that runs Istio, its root
 * namespace (where a namespace policy applies mesh-wide).
 */
export function platformNamespaces(
  cluster: { readonly layers: readonly LayerName[]; readonly istioRootNamespace: string },
  platform: readonly PlanPlatformEndpoint[],
): PlatformNamespaces {
  const reasons = new Map<string, string[]>();
  const add = (ns: string, why: string) => reasons.set(ns, [...(reasons.get(ns) ?? []), why]);
  add(KUBE_SYSTEM, 'the Kubernetes system services (kube-proxy, the CNI, usually the cluster DNS)');
  for (const p of [...platform].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const what = p.name === 'dns' ? 'the cluster DNS' : p.name === 'mesh-control-plane' ? 'the mesh control plane' : p.name === 'metrics' ? 'the metrics scraper' : `the platform service ${p.name}`;
    add(p.namespace, `${what}, which every workload of the cluster depends on`);
  }
  add(REAPER_NAMESPACE, "Bulkhead's break-glass reaper, whose policies would then apply to the workload");
  if (cluster.layers.includes('istio')) add(cluster.istioRootNamespace, "Istio's root namespace, where the namespace's deny-all and STRICT mTLS would apply mesh-wide");
  return { reasons: new Map([...reasons].map(([ns, why]) => [ns, [...new Set(why)].join('; ')])) };
}

/** Reports a workload declared in a platform namespace of its cluster. */
export function checkWorkloadNamespace(where: string, cluster: string, namespace: string, reserved: PlatformNamespaces, report: Reporter): void {
  const why = reserved.reasons.get(namespace);
  if (why === undefined) return;
  report.error(
    'BH-NAMESPACE-PLATFORM', where,
    `namespace '${namespace}' of cluster '${cluster}' holds ${why}: declaring a workload there puts the namespace under default deny, and every workload of the cluster would lose what it serves`,
    namespace,
    'declare the workload in a namespace of its own; platform services are named in the topology\'s platform settings (dns, meshControlPlane, metricsScraper), and Bulkhead opens their flows',
  );
}
