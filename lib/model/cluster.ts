import { Construct } from 'constructs';
import { hasBrand, setBrand } from '../core/brand';
import { checkedScope, propsOf } from './args';
import { LayerName, LAYERS } from '../plan/types';

/** Properties of a {@link Cluster}. */
export interface ClusterProps {
  /**
   * Cluster name as the platform knows it (a DNS label, unique in the topology).
   * @default - the construct id
   */
  readonly name?: string;
  /** Cloud provider: `aws`, `gcp`, `azure`, `on-prem`, or another name. */
  readonly cloud: string;
  /**
   * Region, such as `eu-west-1`.
   * @default - none
   */
  readonly region?: string;
  /**
   * Pod CIDRs. Needed when a workload of another cluster talks to this one: layers without
   * cross-cluster identity (NetworkPolicy) address the peer by these ranges.
   * @default - none (cross-cluster flows into this cluster are an error for NetworkPolicy)
   */
  readonly podCidrs?: string[];
  /**
   * Node CIDRs (excluded from the internet fallback of FQDN externals).
   * @default - none
   */
  readonly nodeCidrs?: string[];
  /**
   * Enforcement layers this cluster runs. A GKE cluster without Cilium CRDs leaves out
   * `cilium`; an EKS cluster without a mesh leaves out `istio` (and usually `spire`).
   * @default - every layer: kubernetes, cluster-network-policy, cilium, istio, spire
   */
  readonly layers?: LayerName[];
  /**
   * The mesh trust domain of this cluster's workload identities.
   * @default - the topology's trust domain
   */
  readonly trustDomain?: string;
  /**
   * Cilium ClusterMesh cluster name (`io.cilium.k8s.policy.cluster`).
   * @default - the cluster name
   */
  readonly ciliumClusterName?: string;
  /**
   * Istio root namespace (mesh-wide policies).
   * @default 'istio-system'
   */
  readonly istioRootNamespace?: string;
}

/** A Kubernetes cluster of the topology, in one cloud and region, running some layers. */
export class Cluster extends Construct {
  /** Whether a value is a Cluster, also one made by another copy of the library. */
  public static isCluster(x: unknown): x is Cluster {
    return hasBrand(x, 'Cluster');
  }

  /** The cluster name. */
  public readonly clusterName: string;
  /** Properties as declared. */
  public readonly props: ClusterProps;
  /** Layers this cluster runs. */
  public readonly layers: readonly LayerName[];

  constructor(scope: Construct, id: string, props: ClusterProps) {
    super(checkedScope(scope, id, 'Cluster'), id);
    setBrand(this, 'Cluster');
    this.props = props;
    // Props from plain JavaScript may be anything: the planner reports them; read them safely.
    props = propsOf(props) as ClusterProps;
    this.clusterName = props.name ?? id;
    this.layers = props.layers ?? [...LAYERS];
  }

  /** Whether the cluster runs a layer. */
  public runs(layer: LayerName): boolean {
    return this.layers.includes(layer);
  }
}
