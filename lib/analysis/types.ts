/**
 * The analysis contracts. The engine reads manifests (never the plan) and simulates each
 * layer with its upstream semantics. A layer is one {@link LayerSimulator}; adding a layer
 * (for example cloud security groups) is one more module implementing it.
 */
import { Problem } from '../core/errors';
import { SimulatedLayerName } from '../core/layers';
import { L4Protocol, PortSet } from './portset';

/** A container port of a workload. */
export interface ContainerPort {
  /** The port name, if any. @default - unnamed */
  readonly name?: string;
  /** The port number. */
  readonly port: number;
  /** The protocol (TCP when the manifest omits it). */
  readonly protocol: L4Protocol;
}

/** Where an object came from, for error messages and explanations. */
export interface SourceRef {
  /** File path (as given to the loader). */
  readonly file: string;
  /** 0-based index of the document in the file. */
  readonly index: number;
}

/** A Kubernetes workload seen by the analysis: the pods it runs. */
export interface WorkloadEndpoint {
  /** Discriminator. */
  readonly type: 'workload';
  /** `ns/name[Kind]`, the id printed by connlist. */
  readonly id: string;
  /** Namespace. */
  readonly namespace: string;
  /** Workload name. */
  readonly name: string;
  /** Workload kind: Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob or Pod. */
  readonly kind: string;
  /** Labels of its pods (pod template labels). */
  readonly labels: Readonly<Record<string, string>>;
  /** Labels of its namespace (including `kubernetes.io/metadata.name`). */
  readonly namespaceLabels: Readonly<Record<string, string>>;
  /** Service account of its pods (`default` when the manifest omits it). */
  readonly serviceAccount: string;
  /** Container ports of its pods. */
  readonly ports: readonly ContainerPort[];
  /** Where it was declared. @default - unknown (objects given in memory) */
  readonly source?: SourceRef;
  /**
   * IPv4 addresses of its pods as 32-bit unsigned integers, sorted (from `status.podIP` /
   * `status.podIPs` of Pods in the input), for rules that match pods by address
   * (ClusterNetworkPolicy `networks`, Istio `ipBlocks`).
   * @default - unknown (no Pod with a status in the input)
   */
  readonly addresses?: readonly number[];
  /**
   * For a workload of another cluster seen by identity (a Cilium ClusterMesh peer, an Istio
   * peer of a federated mesh): the ClusterMesh name of its cluster. Policies of the cluster
   * analysed never select it as their subject; Cilium selectors see it with this
   * `io.cilium.k8s.policy.cluster` label.
   * @default - a workload of the cluster analysed
   */
  readonly cluster?: string;
  /**
   * For a workload of another cluster: the SPIFFE trust domain of its identity (its Istio
   * principal is `<trustDomain>/ns/<namespace>/sa/<serviceAccount>`).
   * @default - the trust domain of the analysis
   */
  readonly trustDomain?: string;
}

/** An IPv4 address range outside the cluster, as 32-bit unsigned integers, both ends included. */
export interface ExternalEndpoint {
  /** Discriminator. */
  readonly type: 'external';
  /** `a.b.c.d-e.f.g.h`, the id printed by connlist (a single address prints as `a.b.c.d`). */
  readonly id: string;
  /** First address. */
  readonly first: number;
  /** Last address. */
  readonly last: number;
}

/** Either side of a connection. */
export type Endpoint = WorkloadEndpoint | ExternalEndpoint;

/**
 * An instance in a cloud network, policed by the security groups it is a member of (a VM, a
 * managed service, a pod with its own group): a member named by a group's `bulkhead.io/members`
 * annotation, or an endpoint given explicitly ({@link CloudEndpointSpec}).
 */
export interface CloudEndpoint {
  /** Discriminator. */
  readonly type: 'cloud';
  /** The plan endpoint key (`cloud:<network>/<name>`, `<cluster>/<namespace>/<name>`) or the given name: the id printed by connlist. */
  readonly id: string;
  /** The object names of its SecurityGroups, sorted. */
  readonly groups: readonly string[];
  /** Its IPv4 address (for a member: a stand-in inside its member CIDRs). @default - no IPv4 address */
  readonly ipv4?: string;
  /** Its IPv6 address. @default - no IPv6 address */
  readonly ipv6?: string;
  /** The address ranges it stands for (a member's CIDRs; an explicit endpoint's own addresses). */
  readonly ranges: readonly string[];
  /** The VPC of its groups. */
  readonly vpc: string;
  /** The region of its groups. */
  readonly region: string;
  /** The AWS account of its groups. @default - unknown */
  readonly account?: string;
  /** The network (`bulkhead.io/network`) of its groups. @default - unknown */
  readonly network?: string;
  /** The address the other side sees is public (an Elastic IP, a NAT): group references do not match it. @default false */
  readonly public?: boolean;
  /** `member` (named by a group's annotation) or `explicit` (given by the user). */
  readonly origin: 'member' | 'explicit';
}

/**
 * A cloud endpoint given explicitly (the `--endpoints` file of the CLI): an instance with an
 * address and the groups it is a member of.
 */
export interface CloudEndpointSpec {
  /** The name (the id printed by connlist); unique, and not the key of a member. */
  readonly name: string;
  /** Its private IPv4 address. @default - none (then `ipv6` is required) */
  readonly address?: string;
  /** Its IPv6 address. @default - none */
  readonly ipv6?: string;
  /** Its groups: SecurityGroup object names, or group ids (`sg-…`, the `crossplane.io/external-name`). */
  readonly groups: readonly string[];
  /** The network its groups belong to (`bulkhead.io/network`), checked against them. @default - not checked */
  readonly network?: string;
  /** The address is public (an Elastic IP): group references do not match it. @default false */
  readonly public?: boolean;
}

/** Either side of a connection in a cloud layer: a cloud endpoint, or an IPv4 range outside every group. */
export type CloudPeer = CloudEndpoint | ExternalEndpoint;

/** What a layer that polices cloud endpoints answers (the `aws` layer). */
export interface CloudLayer {
  /** The cloud endpoints of the input, sorted by id. */
  readonly endpoints: readonly CloudEndpoint[];
  /** Decides one connection and names the groups and rules that decided it. */
  explain(src: CloudPeer, dst: CloudPeer, conn: Connection): LayerVerdict;
  /** The ports allowed from `src` to `dst` (agrees with {@link CloudLayer.explain} on every port). */
  allowedPorts(src: CloudPeer, dst: CloudPeer, family?: 'ipv4' | 'ipv6'): PortSet;
  /**
   * Optional bulk query: every pair `(i, j)` with `sources[i].id !== destinations[j].id`, not
   * both outside every group, whose {@link CloudLayer.allowedPorts} is not empty, exactly once,
   * with the same ports; found from the rules (the work grows with the pairs the rules name,
   * not with every pair). Order is not significant.
   */
  allowedPairs?(sources: readonly CloudPeer[], destinations: readonly CloudPeer[], family?: 'ipv4' | 'ipv6'): readonly AllowedPair[];
  /** IPv4 ranges named by the rules: ingress ones split sources, egress ones destinations. */
  addressBoundaries(): { readonly ingress: readonly (readonly [number, number])[]; readonly egress: readonly (readonly [number, number])[] };
}

/** One connection attempt, for {@link LayerSimulator.explain}. */
export interface Connection {
  /** Protocol. */
  readonly protocol: L4Protocol;
  /** Destination port. */
  readonly port: number;
  /**
   * HTTP request, for L7 layers. Absent: a plain TCP connection, unless the destination's
   * port is HTTP by Istio's protocol selection (see {@link Connection.application}).
   * @default - no HTTP request
   */
  readonly http?: HttpRequest;
  /**
   * What the connection carries, for L7 layers: `tcp` a plain TCP connection (bytes that are
   * not HTTP), `http` an HTTP request (the one in {@link Connection.http}, or, without it,
   * some request: allowed when some request could be), `any` whatever the port may carry
   * (allowed when a plain TCP connection or some HTTP request could be; what the
   * connectivity list reports).
   * @default - `http` with an HTTP request; else `http` when the input's Services make the port HTTP (Istio protocol selection), `tcp` otherwise
   */
  readonly application?: 'tcp' | 'http' | 'any';
  /** The connection is plaintext (not mutual TLS). @default false: traffic between mesh workloads is mTLS */
  readonly plaintext?: boolean;
  /** The IP family, for cloud layers (security-group rules name one family each). @default 'ipv4' */
  readonly ipFamily?: 'ipv4' | 'ipv6';
}

/** An HTTP request, for L7 rules. */
export interface HttpRequest {
  /** Method, upper case (`GET`). */
  readonly method: string;
  /** Path, with the query string if any. */
  readonly path: string;
  /** Host (`:authority`). @default - none */
  readonly host?: string;
  /** Request headers, names in lower case. @default - none */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Names of simulated layers: the layers that judge the synthesis layers (`LAYER_TABLE`'s
 * `judgedBy`, `lib/core/layers.ts`). `kubernetes` is the Kubernetes network-policy layer as the
 * network plugin evaluates it: NetworkPolicy and ClusterNetworkPolicy together, the objects of
 * the `kubernetes` and `cluster-network-policy` synthesis layers. Which of them an analysis
 * can simulate is the list of registered simulators (`SIMULATORS`).
 */
export type AnalysisLayer = SimulatedLayerName;

/** One rule or default that took part in a decision. */
export interface Reason {
  /** `NetworkPolicy shop/web`, `ClusterNetworkPolicy tier-critical`, `AuthorizationPolicy shop/web`. */
  readonly policy: string;
  /** Where in the policy: `spec.ingress[0]`, `spec.rules[1]`. Absent for defaults. @default - a default decision, not a rule */
  readonly rule?: string;
  /** The rule's effect on this connection. */
  readonly effect: 'allow' | 'deny' | 'pass' | 'audit' | 'default-allow' | 'default-deny';
  /** One-line explanation. */
  readonly detail: string;
}

/** A layer's decision for one connection. */
export interface LayerVerdict {
  /** The layer. */
  readonly layer: AnalysisLayer;
  /** Allowed or not. */
  readonly allowed: boolean;
  /** The rules and defaults that decided it, in evaluation order. */
  readonly reasons: readonly Reason[];
  /** Allowed only for some HTTP requests (an L7 rule applies); set when the connection had no HTTP request. @default false */
  readonly l7Restricted?: boolean;
  /**
   * For L7 layers: what the connection was taken to carry, and why (for example
   * `tcp`: "no HTTP request was given and no Service in the input names the protocol of port 5432").
   * @default - the layer does not look at the application protocol
   */
  readonly assumed?: { readonly application: 'tcp' | 'http' | 'any'; readonly why: string };
}

/** One allowed connection between two endpoints, with the ports. */
export interface AllowedConnection {
  /** Source endpoint id. */
  readonly src: string;
  /** Destination endpoint id. */
  readonly dst: string;
  /** The allowed ports (never empty). */
  readonly ports: PortSet;
}

/** The world a simulation runs in. */
export interface AnalysisContext {
  /** Workloads, sorted by id. */
  readonly workloads: readonly WorkloadEndpoint[];
  /** Namespaces and their labels (every namespace that holds a workload or a policy). */
  readonly namespaces: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** SPIFFE trust domain used to derive Istio principals. @default 'cluster.local' */
  readonly trustDomain: string;
  /** The cluster's name in a Cilium ClusterMesh (`io.cilium.k8s.policy.cluster` of its endpoints). @default 'default' */
  readonly clusterName?: string;
  /** FQDN → IPv4 addresses, for FQDN rules (Cilium toFQDNs, Istio ServiceEntry). */
  readonly resolve: Readonly<Record<string, readonly string[]>>;
  /**
   * The cluster's pod address ranges, as [first, last] 32-bit integers: a pod whose own
   * address is unknown lies somewhere inside them.
   * @default - unknown: a pod without a known address may have any address
   */
  readonly podCidrs?: readonly (readonly [number, number])[];
  /** Cloud endpoints given explicitly, for cloud layers. @default - only the members the groups name */
  readonly cloudEndpoints?: readonly CloudEndpointSpec[];
}

/**
 * A layer simulator. Built once from the loaded manifests (its factory receives the objects
 * of its layer and the {@link AnalysisContext}); then queried.
 */
export interface LayerSimulator {
  /** The layer. */
  readonly layer: AnalysisLayer;
  /** Whether the input holds any object of this layer. A layer that is absent is not consulted. */
  readonly present: boolean;
  /** Decides one connection and names the rules that decided it. */
  explain(src: Endpoint, dst: Endpoint, conn: Connection): LayerVerdict;
  /**
   * The ports this layer allows from `src` to `dst` at L4 (L7-restricted ports count as
   * allowed). Must agree on every port with {@link explain} of a connection with
   * `application: 'any'` (whatever the port may carry: plain TCP or an HTTP request).
   */
  allowedPorts(src: Endpoint, dst: Endpoint): PortSet;
  /**
   * IPv4 ranges named by the layer's rules (ipBlock, CIDR, resolved FQDN), as [first, last]
   * 32-bit integers: the connectivity list splits the external address space at their edges.
   * Ingress ranges split the source side, egress ranges the destination side.
   */
  addressBoundaries(): { readonly ingress: readonly (readonly [number, number])[]; readonly egress: readonly (readonly [number, number])[] };
  /**
   * Optional bulk query, for layers that can answer many pairs at once without testing each
   * one (the connectivity list calls it when present, and {@link allowedPorts} otherwise).
   * Returns every pair `(i, j)` such that `sources[i].id !== destinations[j].id`, at least one
   * of the two is a workload, and the layer allows a non-empty set of ports from `sources[i]`
   * to `destinations[j]`, exactly once, with the same ports as {@link allowedPorts}. Pairs of
   * two external endpoints may be returned or not; the engine drops them. Order is not
   * significant. With `scope`, a simulator may leave out ports outside it (the engine
   * intersects every answer with the scope anyway). With `candidates`, only the pairs it lists
   * are asked about: a simulator may leave out every other pair (the engine keeps only the
   * candidates anyway), so the work can grow with the candidates instead of the endpoint pairs.
   */
  allowedPairs?(sources: readonly Endpoint[], destinations: readonly Endpoint[], scope?: PortSet, candidates?: CandidatePairs): readonly AllowedPair[];
  /** Things the layer could not simulate exactly (ignored fields, unknown kinds). @default - none */
  readonly warnings?: readonly Problem[];
  /** For a layer that polices cloud endpoints: its answers about them. @default - the layer polices no cloud endpoint */
  readonly cloud?: CloudLayer;
}

/**
 * The pairs a bulk query is asked about, by index into its sources and destinations (the pairs
 * the layers consulted before it allowed).
 */
export interface CandidatePairs {
  /** The indices of the candidate sources of a destination, ascending. */
  sourcesOf(dst: number): readonly number[];
}

/** One pair found by {@link LayerSimulator.allowedPairs}: indices into its arguments, and the ports. */
export interface AllowedPair {
  /** Index into the sources. */
  readonly src: number;
  /** Index into the destinations. */
  readonly dst: number;
  /** The allowed ports (never empty). */
  readonly ports: PortSet;
}
