/**
 * The plan: one normalized, sorted, de-duplicated model of a declaration. Renderers are pure
 * functions of it. Every array is sorted by its `key` (or as documented); every map is a
 * plain object whose keys are written in sorted order.
 */
import { Problem } from '../core/errors';
import { Protocol } from '../core/port';
import { ClusterLayerName, LayerName } from '../core/layers';
import { InternetEgress, Sensitivity } from '../core/sensitivity';

/** A resolved port or port range: never a name. */
export interface PlanPort {
  /** The protocol. */
  readonly protocol: Protocol;
  /** The first port. */
  readonly port: number;
  /** The last port of a range (absent for a single port). @default - a single port */
  readonly endPort?: number;
  /** The destination's name for this port, when the flow named it. @default - the flow named a number */
  readonly name?: string;
}

/** An L7 HTTP constraint on a flow: any of the methods, on any of the paths. */
export interface PlanHttpRule {
  /** Upper-case methods, sorted; empty means any method. */
  readonly methods: readonly string[];
  /** Paths (exact, `prefix*` or `*suffix`, as Istio writes them), sorted; empty means any path. */
  readonly paths: readonly string[];
}

/** The resolved controls of a workload's tier. */
export interface PlanTier {
  /** The tier's level. */
  readonly level: Sensitivity;
  /** The tier construct's name (label value), e.g. `payments` or the level when implicit. */
  readonly name: string;
  /** Istio mTLS mode demanded (before the topology's audit mode relaxes it). */
  readonly mtls: 'STRICT' | 'PERMISSIVE';
  /** Cilium mutual authentication demanded. */
  readonly mutualAuth: boolean;
  /** Maximum SVID TTL, in seconds. */
  readonly maxSvidTtlSeconds: number;
  /** Allowed external egress. */
  readonly internetEgress: InternetEgress;
  /** Audit logging (Istio AUDIT policy). */
  readonly auditLogging: boolean;
  /** Cluster-scoped guardrails emitted for this tier. */
  readonly guardrails: boolean;
}

/** A cluster of the topology. */
export interface PlanCluster {
  /** Cluster name (unique in the topology; a DNS label). */
  readonly name: string;
  /**
   * Construct path of the Cluster, where problems about the whole cluster are reported.
   * @default - `<topology>/<name>`
   */
  readonly path?: string;
  /** Cloud provider, such as `aws`, `gcp`, `azure`, `on-prem`. */
  readonly cloud: string;
  /** Region, such as `eu-west-1`. Empty when not given. */
  readonly region: string;
  /** Pod CIDRs (used when a peer in another cluster must be addressed by IP). */
  readonly podCidrs: readonly string[];
  /** Node CIDRs. */
  readonly nodeCidrs: readonly string[];
  /** Addresses of the Kubernetes API server (see `ClusterProps.apiServerCidrs`), sorted. @default - unknown */
  readonly apiServerCidrs?: readonly string[];
  /** Layers this cluster runs. */
  readonly layers: readonly ClusterLayerName[];
  /** Mesh trust domain for this cluster's workload identities. */
  readonly trustDomain: string;
  /** The Cilium cluster name for ClusterMesh (`io.cilium.k8s.policy.cluster`). */
  readonly ciliumClusterName: string;
  /** Istio root namespace (mesh-wide policies). */
  readonly istioRootNamespace: string;
  /** Namespaces of this cluster that hold workloads, sorted. */
  readonly namespaces: readonly string[];
  /**
   * The cloud network (see {@link PlanNetwork}) its nodes and pods live in, by name.
   * @default - in no declared cloud network
   */
  readonly network?: string;
  /**
   * How the cluster's Istio mesh runs (see `ClusterProps.meshMode`).
   * @default 'sidecar'
   */
  readonly meshMode?: 'sidecar' | 'ambient';
  /**
   * The SPIRE bundle endpoint of the cluster's trust domain (see `ClusterProps.spireBundleEndpoint`).
   * @default - none declared
   */
  readonly bundleEndpoint?: PlanBundleEndpoint;
  /**
   * Where the cluster's SPIRE server is reachable by agents outside the cluster (VM fleets
   * whose identities it holds), see `ClusterProps.spireServer`.
   * @default - none declared
   */
  readonly spireServer?: PlanSpireServer;
  /**
   * The namespaces that get an Istio waypoint, as declared (see `ClusterProps.waypointNamespaces`),
   * sorted; ambient clusters only.
   * @default - the namespaces that hold a destination of a flow with L7 rules
   */
  readonly waypointNamespaces?: readonly string[];
}

/** Where the SPIRE server of a cluster publishes its trust bundle. */
export interface PlanBundleEndpoint {
  /** The bundle endpoint URL. */
  readonly url: string;
  /** `https_spiffe` or `https_web`. */
  readonly profile: 'https_spiffe' | 'https_web';
  /**
   * The endpoint's SPIFFE ID (profile `https_spiffe`).
   * @default - none (profile `https_web`)
   */
  readonly spiffeId?: string;
}

/** A platform endpoint: a cluster service that default-deny would otherwise cut off. */
export interface PlanPlatformEndpoint {
  /** Stable key: `platform:<cluster>:<name>`. */
  readonly key: string;
  /**
   * `dns`, `mesh-control-plane`, `metrics`, a user-declared platform service name, or
   * `waypoint.<namespace>` for the pods of the Istio waypoint of a namespace of an ambient
   * cluster (they live in that namespace; see `lib/plan/phases/flows.ts` `ambientFlows`).
   */
  readonly name: string;
  /** Cluster it lives in. */
  readonly cluster: string;
  /** Namespace it lives in. */
  readonly namespace: string;
  /** Pod labels that select it. */
  readonly selector: Readonly<Record<string, string>>;
  /** Its service account (for mesh principals). */
  readonly serviceAccount: string;
}

/** A Kubernetes workload of the plan. */
export interface PlanWorkload {
  /** Stable key: `<cluster>/<namespace>/<name>`. */
  readonly key: string;
  /** Construct path of the declaration (for errors and annotations). */
  readonly path: string;
  /** Cluster name. */
  readonly cluster: string;
  /** Namespace. */
  readonly namespace: string;
  /** Workload name (DNS label). */
  readonly name: string;
  /** Service account name. */
  readonly serviceAccount: string;
  /** Pod labels that select exactly this workload's pods. Sorted keys. */
  readonly selector: Readonly<Record<string, string>>;
  /** Labels Bulkhead adds to the pod template (tier, domain, workload) when bound. Sorted keys. */
  readonly podLabels: Readonly<Record<string, string>>;
  /** Named ports, sorted by name. */
  readonly ports: readonly PlanNamedPort[];
  /** The workload's SPIFFE ID, `spiffe://<td>/ns/<ns>/sa/<sa>`. */
  readonly spiffeId: string;
  /** The tier and its controls. */
  readonly tier: PlanTier;
  /** The DomainBoundary name, if any. @default - in no domain */
  readonly domain?: string;
  /** Flows this workload starts (egress), sorted by peer key then flow id. */
  readonly calls: readonly PlanEdge[];
  /** Flows this workload accepts (ingress), sorted by peer key then flow id. */
  readonly calledBy: readonly PlanEdge[];
  /**
   * EKS security groups for pods: the workload's pods get a security group of their own (through
   * a `SecurityGroupPolicy`), in the cluster's network.
   * @default - the pods use the node's security groups
   */
  readonly securityGroup?: PlanPodSecurityGroup;
}

/** The security group of a workload's pods (EKS security groups for pods). */
export interface PlanPodSecurityGroup {
  /** The network (the cluster's) the group lives in. */
  readonly network: string;
  /** An existing group's id to adopt instead of creating one (`sg-…`). @default - Bulkhead creates the group */
  readonly adoptId?: string;
}

/** A cloud network: one AWS account, region and VPC. */
export interface PlanNetwork {
  /** Stable key: `network:<name>`. */
  readonly key: string;
  /** Construct path. */
  readonly path: string;
  /** Network name (a DNS label, unique in the topology). */
  readonly name: string;
  /** The cloud (`aws`). */
  readonly cloud: 'aws';
  /** The AWS account id (12 digits). */
  readonly account: string;
  /** The AWS region, such as `eu-west-1`. */
  readonly region: string;
  /** The VPC id (`vpc-…`): Bulkhead segments an existing VPC, it does not create one. */
  readonly vpcId: string;
  /** The VPC's IPv4 CIDRs, sorted. */
  readonly cidrs: readonly string[];
  /** Links to other networks, sorted by peer name. */
  readonly links: readonly PlanNetworkLink[];
  /**
   * Platform destinations every instance of the network may reach (egress), as declared on the
   * network: the VPC resolver (DNS, `<VPC base>+2` and 169.254.169.253), NTP (169.254.169.123),
   * the instance metadata service (169.254.169.254), sorted by name.
   */
  readonly platform: readonly PlanCloudPlatform[];
  /** Per-group rule quotas (AWS defaults 60 inbound / 60 outbound per group, per address family). */
  readonly quotas: PlanNetworkQuotas;
  /**
   * The cluster (by name) whose Crossplane the network's manifests are applied to: its
   * break-glass reaper deletes the network's expired break-glass rules (see `NetworkProps.controlPlane`).
   * @default - none declared
   */
  readonly controlPlane?: string;
}

/** A link between two cloud networks. */
export interface PlanNetworkLink {
  /** The other network's name. */
  readonly peer: string;
  /**
   * `peering` (security-group references work in both directions within a Region) or
   * `transit-gateway` (references work in inbound rules only).
   */
  readonly kind: 'peering' | 'transit-gateway';
}

/** A platform destination of a network (DNS, NTP, metadata service). */
export interface PlanCloudPlatform {
  /** `dns`, `ntp` or `imds`. */
  readonly name: 'dns' | 'ntp' | 'imds';
  /** Its addresses, sorted. */
  readonly cidrs: readonly string[];
  /** Its ports, sorted. */
  readonly ports: readonly PlanPort[];
}

/** Rule quotas of the security groups of a network. */
export interface PlanNetworkQuotas {
  /** Inbound rules per group, per address family. @default 60 */
  readonly inboundRulesPerGroup: number;
  /** Outbound rules per group, per address family. @default 60 */
  readonly outboundRulesPerGroup: number;
  /** Security groups per network interface. @default 5 */
  readonly groupsPerInterface: number;
}

/** A workload that is no Kubernetes pod: a VM fleet or a managed service. */
export interface PlanCloudWorkload {
  /** Stable key: `cloud:<network>/<name>`. */
  readonly key: string;
  /** Construct path. */
  readonly path: string;
  /** `vm` (an EC2 fleet or autoscaling group) or `managed-service` (RDS, ElastiCache, …: it opens no connections). */
  readonly kind: 'vm' | 'managed-service';
  /** Name (a DNS label, unique in its network). */
  readonly name: string;
  /** The network it lives in. */
  readonly network: string;
  /** The subnet CIDRs its instances take addresses from, sorted. */
  readonly subnetCidrs: readonly string[];
  /** Named ports it serves, sorted by name. */
  readonly ports: readonly PlanNamedPort[];
  /** Tags it carries (sorted keys). */
  readonly tags: Readonly<Record<string, string>>;
  /** For a managed service, its engine, such as `rds`, `elasticache`. @default - a VM */
  readonly service?: string;
  /** An existing group's id to adopt instead of creating one (`sg-…`). @default - Bulkhead creates the group */
  readonly adoptId?: string;
  /** The tier and its controls. */
  readonly tier: PlanTier;
  /** The DomainBoundary name, if any. @default - in no domain */
  readonly domain?: string;
  /** A VM's SPIFFE identity and SPIRE registration. @default - none (managed services have no identity) */
  readonly identity?: PlanCloudIdentity;
  /** Flows it starts (egress), sorted by peer key then flow id (always empty for a managed service). */
  readonly calls: readonly PlanEdge[];
  /** Flows it accepts (ingress), sorted by peer key then flow id. */
  readonly calledBy: readonly PlanEdge[];
}

/** The SPIFFE identity of a VM and how SPIRE attests it. */
export interface PlanCloudIdentity {
  /** The SPIFFE ID, named by the same function as every other identity. */
  readonly spiffeId: string;
  /**
   * The SPIRE parent ID of the workload entry: a node alias
   * (`spiffe://<td>/node/aws/<network>/<name>`, see `TrustDomain.nodeAliasId`) that groups
   * every agent whose node matches all of {@link nodeSelectors}. The alias is itself an entry:
   * SPIFFE ID = `parentId`, parent = the SPIRE server (`spiffe://<td>/spire/server`),
   * selectors = `nodeSelectors`.
   */
  readonly parentId: string;
  /**
   * The node selectors of the alias (`aws_iid:tag:<key>:<value>`, `aws_iid:sg:id:sg-…`, …),
   * sorted: the `aws_iid` attestor's selectors that every instance of the fleet carries.
   */
  readonly nodeSelectors: readonly string[];
  /** Workload selectors of the workload entry, sorted (`type:value`, such as `unix:user:erp`). */
  readonly selectors: readonly string[];
  /** The cluster whose SPIRE server holds the entry (its ClusterStaticEntry is applied there). */
  readonly spireCluster: string;
  /** Maximum X509-SVID lifetime (the tier's), in seconds. */
  readonly svidTtlSeconds: number;
}

/** A named port declared by a workload. */
export interface PlanNamedPort {
  /** The port name. */
  readonly name: string;
  /** The port number. */
  readonly port: number;
  /** The protocol. */
  readonly protocol: Protocol;
}

/** An external destination or source. */
export interface PlanExternal {
  /** Stable key: `external:<name>`. */
  readonly key: string;
  /** Construct path. */
  readonly path: string;
  /** The external's name (DNS label). */
  readonly name: string;
  /** FQDN patterns (`api.stripe.com`, `*.example.com`), sorted. */
  readonly fqdns: readonly string[];
  /**
   * CIDRs, sorted. For an FQDN external, the optional addresses layers without FQDN support
   * fall back to. Normalized with `except` so that together they state the address set
   * (∪ declared cidrs − ∪ declared except) exactly: disjoint, none inside another, none
   * that the except ranges cover.
   */
  readonly cidrs: readonly string[];
  /**
   * CIDRs carved out of `cidrs`, sorted: each lies strictly inside one of `cidrs`, and none
   * inside another.
   */
  readonly except: readonly string[];
}

/** What one side of a flow is. */
export type PlanEndpointRef =
  | { readonly kind: 'workload'; readonly key: string }
  | { readonly kind: 'external'; readonly key: string }
  | { readonly kind: 'platform'; readonly key: string }
  | { readonly kind: 'cloud'; readonly key: string };

/** Why a flow exists. */
export type FlowOrigin = 'declared' | 'platform' | 'break-glass';

/** One flow: source → destination on ports, with optional L7 rules. */
export interface PlanFlow {
  /** Stable id derived from content: `<src key>-><dst key>` plus a short hash of ports and rules. */
  readonly id: string;
  /** Construct path of the statement that declared it (the first one, when several declared it). */
  readonly path: string;
  /** The source. */
  readonly source: PlanEndpointRef;
  /** The destination. */
  readonly destination: PlanEndpointRef;
  /** Resolved ports, sorted (protocol, port, endPort), merged where they overlap. */
  readonly ports: readonly PlanPort[];
  /** HTTP rules (OR of rules); empty means no L7 constraint. */
  readonly http: readonly PlanHttpRule[];
  /** Why it exists. */
  readonly origin: FlowOrigin;
  /** Justification text for a flow into a more sensitive tier. @default - none */
  readonly justification?: string;
  /** For origin `break-glass`: the grant's name. @default - not a break-glass flow */
  readonly breakGlass?: string;
  /**
   * `hbone` for the HBONE tunnel (TCP 15008) that an Istio ambient cluster's data plane opens
   * for flows between its pods: pod to pod between two ambient workloads, source to waypoint
   * and waypoint to destination where a waypoint serves the destination. The network layers
   * (NetworkPolicy, Cilium, security groups) see the tunnel on `ports` and admit it; Istio
   * authorizes the flows inside it, so the istio layer renders no rule for a tunnel and is
   * judged on {@link carries} instead.
   * @default - not a tunnel
   */
  readonly tunnel?: 'hbone';
  /**
   * For a tunnel: the TCP ports of the flows it carries (what ztunnel and the waypoint
   * authorize), sorted and merged.
   * @default - not a tunnel
   */
  readonly carries?: readonly PlanPort[];
}

/** One direction of a flow, seen from a workload. */
export interface PlanEdge {
  /** The flow id (see {@link Plan.flows}). */
  readonly flowId: string;
  /** The other side. */
  readonly peer: PlanEndpointRef;
  /** Resolved ports. */
  readonly ports: readonly PlanPort[];
  /** HTTP rules; empty means none. */
  readonly http: readonly PlanHttpRule[];
  /** Why it exists. */
  readonly origin: FlowOrigin;
  /** For origin `break-glass`: the grant's name. @default - not a break-glass flow */
  readonly breakGlass?: string;
  /** The flow's {@link PlanFlow.tunnel}. @default - not a tunnel */
  readonly tunnel?: 'hbone';
  /** The flow's {@link PlanFlow.carries}. @default - not a tunnel */
  readonly carries?: readonly PlanPort[];
}

/** A BreakGlass grant in force at synthesis time. */
export interface PlanBreakGlass {
  /** The grant's name (DNS label). */
  readonly name: string;
  /** Construct path. */
  readonly path: string;
  /** Start, RFC 3339 UTC. */
  readonly startsAt: string;
  /** Expiry, RFC 3339 UTC. */
  readonly expiresAt: string;
  /** Expiry in Unix seconds (for the reaper label). */
  readonly expiresAtEpoch: number;
  /** Why. */
  readonly reason: string;
  /** Ticket reference. Empty when not given. */
  readonly ticket: string;
  /** Approvers, sorted. */
  readonly approvers: readonly string[];
  /** The flows the grant adds (origin `break-glass`), sorted. */
  readonly flowIds: readonly string[];
}

/** A platform-wide setting of the topology. */
export interface PlanTopology {
  /** Topology name (the root construct id). */
  readonly name: string;
  /** Environment name, such as `prod`. */
  readonly environment: string;
  /** The SPIFFE trust domain. */
  readonly trustDomain: string;
  /** `enforce` renders STRICT mTLS and deny; `audit` renders PERMISSIVE mTLS and Istio AUDIT/log-only where a layer can. */
  readonly mode: 'enforce' | 'audit';
  /**
   * The mode of the layers whose mode differs from `mode` (see `TopologyProps.layerModes`), keys sorted.
   * @default - every layer follows `mode`
   */
  readonly layerModes?: Readonly<Partial<Record<LayerName, 'enforce' | 'audit'>>>;
  /**
   * Whether every emitted object carries the environment as the label `bulkhead.io/environment`
   * (the environment was named: `TopologyProps.environment`, or an `Environments` instance).
   * @default false
   */
  readonly labelEnvironment?: boolean;
}

/** The normalized plan. */
export interface Plan {
  /** Topology settings. */
  readonly topology: PlanTopology;
  /** Clusters, sorted by name. */
  readonly clusters: readonly PlanCluster[];
  /** Workloads, sorted by key. */
  readonly workloads: readonly PlanWorkload[];
  /** Externals, sorted by key. */
  readonly externals: readonly PlanExternal[];
  /** Platform endpoints, sorted by key. */
  readonly platform: readonly PlanPlatformEndpoint[];
  /** All flows (declared, platform, break-glass), sorted by id. */
  readonly flows: readonly PlanFlow[];
  /** BreakGlass grants in force, sorted by name. */
  readonly breakGlass: readonly PlanBreakGlass[];
  /** Cloud networks, sorted by key. */
  readonly networks: readonly PlanNetwork[];
  /** VMs and managed services, sorted by key. */
  readonly cloudWorkloads: readonly PlanCloudWorkload[];
  /** Warnings found while planning (errors throw instead). */
  readonly warnings: readonly Problem[];
}

/** Where a cluster's SPIRE server is reachable from outside the cluster. */
export interface PlanSpireServer {
  /** The namespace of the server's pods. */
  readonly namespace: string;
  /** The labels of the server's pods, keys sorted. */
  readonly selector: Readonly<Record<string, string>>;
  /** The server's port (its gRPC API, which agents attest and fetch SVIDs on). */
  readonly port: number;
  /** The addresses agents reach it at (a load balancer's, or the nodes' for a NodePort), as CIDRs, sorted. */
  readonly addresses: readonly string[];
}
