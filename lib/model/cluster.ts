import { Construct } from 'constructs';
import { hasBrand, setBrand } from '../core/brand';
import { checkedScope, propsOf } from './args';
import { ClusterLayerName } from '../core/layers';
import { Network } from './network';

/** How the Istio mesh of a cluster carries its workloads' traffic. */
export type MeshMode = 'sidecar' | 'ambient';

/**
 * Where the SPIRE server of a cluster publishes its trust bundle, for the clusters of other
 * trust domains that federate with it (SPIRE `ClusterFederatedTrustDomain`).
 */
export interface SpireBundleEndpoint {
  /** The bundle endpoint URL, such as `https://spire-bundle.eks.shop.example.com:8443`. */
  readonly url: string;
  /**
   * The endpoint profile: `https_spiffe` (the endpoint authenticates with an SVID of its own
   * trust domain) or `https_web` (a Web PKI certificate).
   */
  readonly profile: 'https_spiffe' | 'https_web';
  /**
   * The SPIFFE ID the endpoint presents (profile `https_spiffe` only).
   * @default - the SPIRE server's ID, `spiffe://<trust domain>/spire/server`
   */
  readonly spiffeId?: string;
}

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
   * Addresses of the Kubernetes API server as pods reach it after the `kubernetes` Service in
   * `default` is translated: the endpoints of that Service (`kubectl get endpointslices -n
   * default -l kubernetes.io/service-name=kubernetes`), or the control plane's CIDR.
   *
   * The break-glass reaper calls the API server. NetworkPolicy cannot name it otherwise: the
   * API server is no pod of the cluster (it runs on the control plane, often managed by the
   * cloud, outside the pod network), so no pod or namespace selector matches it, and policies
   * see the Service's endpoint addresses, not the Service. Cilium names it by its
   * `kube-apiserver` entity, where the cluster runs Cilium.
   * @default - unknown: the reaper's NetworkPolicy allows every address on the API server ports (443, 6443), with a warning
   */
  readonly apiServerCidrs?: string[];
  /**
   * Enforcement layers this cluster runs, in any order (they render in the order of `LAYERS`).
   * Only `kubernetes` (NetworkPolicy) works on every cluster; every other layer needs CRDs
   * that a plain cluster lacks (`cluster-network-policy`: the network-policy-api CRDs and a
   * dataplane that enforces them; `cilium`: Cilium; `istio`: Istio; `spire`: SPIRE with its
   * controller manager), so it is emitted only when listed here. The environment templates
   * (`eksCluster`, `gkeCluster`, `aksCluster`, `onPremCluster`) choose them per platform.
   * @default ['kubernetes'] - NetworkPolicy only
   */
  readonly layers?: ClusterLayerName[];
  /**
   * The mesh trust domain of this cluster's workload identities.
   * @default - the topology's trust domain
   */
  readonly trustDomain?: string;
  /**
   * The SPIRE bundle endpoint of this cluster's trust domain: clusters of other trust domains
   * whose workloads talk to this cluster's federate with it there. Needed only when its trust
   * domain differs from theirs; Bulkhead never invents the URL.
   * @default - none (a flow to or from a cluster of another trust domain is an error where SPIRE runs)
   */
  readonly spireBundleEndpoint?: SpireBundleEndpoint;
  /**
   * How the cluster's Istio mesh runs: `sidecar` (an Envoy beside every pod) or `ambient`
   * (ztunnel on every node enforces L4; L7 rules need a waypoint).
   * @default 'sidecar'
   */
  readonly meshMode?: MeshMode;
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
  /**
   * The cloud network (an AWS VPC) its nodes, and with the VPC CNI its pods, live in. Its
   * workloads may then have security groups of their own (`WorkloadProps.securityGroup`), and
   * security groups of the network address its nodes and pods as members of the VPC.
   * @default - in no declared cloud network
   */
  readonly network?: Network;
  /**
   * Where this cluster's SPIRE server is reachable by SPIRE agents outside the cluster: the VM
   * fleets whose identities it holds (`VmIdentityProps.spireCluster`) attest and fetch their
   * SVIDs there. Each such fleet's security group gets an egress rule to `addresses` on `port`;
   * where the server's namespace is isolated by this cluster's layers (it holds declared
   * workloads), the `kubernetes` and `cilium` layers admit the fleets' subnets into the
   * server's pods on `port`. Bulkhead never invents the address.
   * @default - none: a VM fleet with an identity held here gets no path to the server (warning `BH-VM-SPIRE-SERVER`)
   */
  readonly spireServer?: SpireServerProps;
  /**
   * Namespaces of an ambient cluster (`meshMode: 'ambient'`) that get an Istio waypoint: a
   * `gateway.networking.k8s.io/v1` Gateway `waypoint` of class `istio-waypoint` through which
   * the namespace's Services are reached. Only a waypoint enforces L7 rules (HTTP methods and
   * paths) in ambient mode; ztunnel enforces L4 only. Give `[]` for no waypoint at all: the
   * declared L7 rules are then enforced at L4 only by this layer, with a warning.
   * @default - the namespaces that hold a destination of a flow with L7 rules
   * @see https://istio.io/latest/docs/ambient/usage/waypoint/
   */
  readonly waypointNamespaces?: string[];
}

/**
 * How SPIRE agents outside a cluster reach its SPIRE server: the address the server is exposed
 * at (an internal load balancer, or the nodes of a NodePort Service) and the server's pods.
 *
 * @see https://spiffe.io/docs/latest/deploying/spire_agent/
 */
export interface SpireServerProps {
  /**
   * The addresses the agents connect to, as CIDRs (such as the private addresses of the
   * internal load balancer in front of the server, `['10.0.15.32/28']`).
   */
  readonly addresses: string[];
  /**
   * The port agents connect to (the server's `bind_port`, and the load balancer's listener).
   * @default 8081
   */
  readonly port?: number;
  /**
   * The namespace of the server's pods.
   * @default 'spire-server'
   */
  readonly namespace?: string;
  /**
   * The labels of the server's pods.
   * @default { 'app.kubernetes.io/name': 'server' }
   */
  readonly selector?: Record<string, string>;
}

/** The layers of a cluster that lists none: `kubernetes` (NetworkPolicy), the only layer whose objects every cluster accepts. */
export const DEFAULT_LAYERS: readonly ClusterLayerName[] = ['kubernetes'];

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
  public readonly layers: readonly ClusterLayerName[];

  constructor(scope: Construct, id: string, props: ClusterProps) {
    super(checkedScope(scope, id, 'Cluster'), id);
    setBrand(this, 'Cluster');
    this.props = props;
    // Props from plain JavaScript may be anything: the planner reports them; read them safely.
    props = propsOf(props) as ClusterProps;
    this.clusterName = props.name ?? id;
    this.layers = props.layers ?? [...DEFAULT_LAYERS];
  }

  /** Whether the cluster runs a layer. */
  public runs(layer: ClusterLayerName): boolean {
    return this.layers.includes(layer);
  }
}
