/**
 * The facts of a cluster that the analysis of several clusters needs (name, pod and node
 * CIDRs, trust domain, ClusterMesh name), and the file Bulkhead writes them to in every
 * cluster folder. Kept apart from the engine so that synthesis can write it without loading
 * the analysis.
 */
import { Plan, PlanCluster } from '../plan/types';
import { Ipv4Range, parseCidr } from './ipv4';

/** The file Bulkhead writes into every cluster folder with the facts of the cluster. */
export const CLUSTER_FACTS_FILE = '.bulkhead-cluster.json';

/** What the analysis of several clusters needs to know of one cluster. */
export interface ClusterFacts {
  /** The cluster's name (the folder name when nothing else gives it). */
  readonly name: string;
  /** Its pod CIDRs: where its pods' addresses lie, as other clusters see them. @default - none: its pods may have any address */
  readonly podCidrs?: readonly string[];
  /** Its node CIDRs. @default - none */
  readonly nodeCidrs?: readonly string[];
  /** The SPIFFE trust domain of its workloads. @default - inferred from its manifests, else `cluster.local` */
  readonly trustDomain?: string;
  /** Its Cilium ClusterMesh name (`io.cilium.k8s.policy.cluster`). @default - the cluster's name */
  readonly ciliumClusterName?: string;
  /** Whether it takes part in a Cilium ClusterMesh with the other Cilium clusters. @default - true when it runs Cilium (its layers, else Cilium policies in its manifests) */
  readonly clusterMesh?: boolean;
  /** Trust domains its workloads trust besides their own, when no SPIRE object says so (such as a shared root CA). @default - none */
  readonly trusts?: readonly string[];
  /** The layers it runs. @default - unknown */
  readonly layers?: readonly string[];
  /** The cloud. @default - unknown */
  readonly cloud?: string;
  /** The region. @default - unknown */
  readonly region?: string;
  /** The cloud network it lies in. @default - none */
  readonly network?: string;
  /** The environment. @default - unknown */
  readonly environment?: string;
  /**
   * The cluster's role in the declaration: the construct id every environment gives it (`eks`
   * for `eks-staging` and `eks-prod`), written when it differs from the name; `bulkhead diff`
   * pairs the clusters of two environments by it.
   * @default - the name
   */
  readonly role?: string;
}

/** The pod address ranges of a cluster, by address family ({@link podRangesOf}). */
export interface PodRanges {
  /** Every IPv4 pod CIDR as a range, sorted by first address, without repeats. */
  readonly ipv4: readonly Ipv4Range[];
  /** Every IPv6 pod CIDR, as written, sorted, without repeats (the analysis reasons about IPv4 addresses only). */
  readonly ipv6: readonly string[];
}

/**
 * The pod address ranges of a cluster's facts: every pod CIDR, not the first one only (a
 * cluster may take pod addresses from several ranges, and dual-stack clusters have one of
 * each family). A pod of the cluster may have any address of any of them.
 */
export function podRangesOf(facts: Pick<ClusterFacts, 'podCidrs'>): PodRanges {
  const v4 = new Map<string, Ipv4Range>();
  const v6 = new Set<string>();
  for (const c of facts.podCidrs ?? []) {
    const p = parseCidr(c);
    if (p.family === 'ipv4') v4.set(`${p.range[0]}-${p.range[1]}`, p.range);
    else if (p.family === 'ipv6') v6.add(c.trim());
  }
  return {
    ipv4: [...v4.values()].sort((a, b) => a[0] - b[0] || a[1] - b[1]),
    ipv6: [...v6].sort(),
  };
}

/** The facts file: a format marker and the facts. */
interface FactsFile extends ClusterFacts {
  readonly generator: 'bulkhead';
  readonly kind: 'cluster';
  readonly version: 1;
}

/**
 * The text of the facts file of a cluster ({@link CLUSTER_FACTS_FILE}), as Bulkhead writes it
 * into the cluster's output folder: deterministic JSON, keys in a fixed order.
 */
export function clusterFactsText(facts: ClusterFacts): string {
  const out: FactsFile = {
    generator: 'bulkhead', kind: 'cluster', version: 1,
    name: facts.name,
    ...(facts.role !== undefined && facts.role !== facts.name ? { role: facts.role } : {}),
    ...(facts.environment !== undefined ? { environment: facts.environment } : {}),
    ...(facts.cloud !== undefined ? { cloud: facts.cloud } : {}),
    ...(facts.region !== undefined ? { region: facts.region } : {}),
    ...(facts.network !== undefined ? { network: facts.network } : {}),
    podCidrs: [...(facts.podCidrs ?? [])],
    nodeCidrs: [...(facts.nodeCidrs ?? [])],
    ...(facts.trustDomain !== undefined ? { trustDomain: facts.trustDomain } : {}),
    ...(facts.ciliumClusterName !== undefined ? { ciliumClusterName: facts.ciliumClusterName } : {}),
    ...(facts.layers !== undefined ? { layers: [...facts.layers] } : {}),
    ...(facts.clusterMesh !== undefined ? { clusterMesh: facts.clusterMesh } : {}),
    ...(facts.trusts !== undefined ? { trusts: [...facts.trusts] } : {}),
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}


/** The facts of a planned cluster, as synthesis writes them ({@link CLUSTER_FACTS_FILE}). */
export function clusterFactsOf(plan: Plan, cluster: PlanCluster): ClusterFacts {
  return {
    name: cluster.name,
    ...(cluster.path !== undefined && cluster.path.split('/').pop() !== cluster.name ? { role: cluster.path.split('/').pop() } : {}),
    environment: plan.topology.environment,
    ...(cluster.cloud ? { cloud: cluster.cloud } : {}),
    ...(cluster.region ? { region: cluster.region } : {}),
    ...(cluster.network !== undefined ? { network: cluster.network } : {}),
    podCidrs: [...cluster.podCidrs],
    nodeCidrs: [...cluster.nodeCidrs],
    trustDomain: cluster.trustDomain,
    ciliumClusterName: cluster.ciliumClusterName,
    layers: [...cluster.layers],
  };
}

/** The other files of a cluster's output folder: its facts file. */
export function clusterFolderFiles(plan: Plan, cluster: PlanCluster): Record<string, string> {
  return { [CLUSTER_FACTS_FILE]: clusterFactsText(clusterFactsOf(plan, cluster)) };
}
