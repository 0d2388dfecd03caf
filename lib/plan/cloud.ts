/**
 * The cloud phase of the planner: cloud networks, VM fleets, managed services, the networks of
 * clusters and the security groups of pods, resolved to plan records; and the checks of what
 * AWS cannot do (a managed service that opens a connection, a subnet outside its VPC, an
 * account id that is not one, an L7 rule that only a security group would enforce, …).
 *
 * It plugs into the planner's phases (see `phases/endpoints.ts`): {@link CLOUD_KIND} and
 * {@link readCloud} are registered in the resolve phase ({@link CLOUD_EXTENSIONS}), so that VM fleets and managed
 * services are endpoints of kind `cloud` and get every guardrail of the table (tier
 * justifications, internet egress, domain exports, BreakGlass windows and approvers);
 * {@link checkCloudFlow} adds the cloud rules to the guardrails of each flow; and
 * {@link cloudPlan} gives the assemble phase the networks and cloud workloads of the plan.
 */
import { IConstruct } from 'constructs';
import * as ipaddr from 'ipaddr.js';
import { hasBrand } from '../core/brand';
import { Cidr } from '../core/cidr';
import { cmp } from '../core/errors';
import { TrustDomain } from '../core/identity';
import { dnsLabelProblem, dnsSubdomainProblem } from '../core/names';
import { Port, Protocol } from '../core/port';
import { Sensitivity, TierControls } from '../core/sensitivity';
import { Cluster } from '../model/cluster';
import { DomainBoundary } from '../model/domain';
import { External } from '../model/external';
import { ManagedService } from '../model/managed-service';
import { CloudPlatformDestination, Network } from '../model/network';
import { AdoptedSecurityGroup, VmFleet } from '../model/vm';
import { Workload } from '../model/workload';
import { ClusterLayerName } from '../core/layers';
import { IDENTITY_LAYERS } from './checks/identity';
import { Reporter } from './checks/report';
import type { EdgesOfKind } from './phases/assemble';
import { Endpoint, EndpointKind } from './phases/endpoints';
import type { CandidateFlow } from './phases/flows';
import type { GuardrailContext } from './phases/guardrails';
import { tierOf } from './phases/resolve';
import type { EndpointReader, Resolution, ResolveExtensions } from './phases/resolve';
import {
  PlanCloudIdentity, PlanCloudPlatform, PlanCloudWorkload, PlanCluster, PlanExternal,
  PlanHttpRule, PlanNamedPort, PlanNetwork, PlanNetworkLink, PlanNetworkQuotas, PlanPodSecurityGroup, PlanSpireServer, PlanTier,
} from './types';

/** What the cloud phase reports to: the planner's problem list. */
export interface CloudReporter extends Reporter {
  /** Runs a value-type factory, turning its error into a problem at `where`. */
  value<T>(where: string, f: () => T): T | undefined;
}

/** AWS's default security-group quotas. @see https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-security-groups */
export const AWS_DEFAULT_QUOTAS: PlanNetworkQuotas = { inboundRulesPerGroup: 60, outboundRulesPerGroup: 60, groupsPerInterface: 5 };

/** The largest quotas AWS grants: 1,000 rules per group, 16 groups per interface, rules × groups ≤ 1,000. */
export const AWS_QUOTA_LIMITS = { rulesPerGroup: 1000, groupsPerInterface: 16, rulesTimesGroups: 1000 } as const;

/** The Amazon Time Sync Service. */
export const AWS_NTP_CIDR = '169.254.169.123/32';
/** The instance metadata service. */
export const AWS_IMDS_CIDR = '169.254.169.254/32';
/** The VPC resolver's link-local address (besides the primary VPC CIDR's base + 2). */
export const AWS_DNS_LINK_LOCAL_CIDR = '169.254.169.253/32';

/** The SPIRE server's default port (its `bind_port`). @see https://spiffe.io/docs/latest/deploying/spire_server/ */
export const SPIRE_SERVER_DEFAULT_PORT = 8081;
/** The namespace of the SPIRE server's pods when `spireServer.namespace` is not given (the SPIRE Helm charts' default). */
export const SPIRE_SERVER_DEFAULT_NAMESPACE = 'spire-server';
/** The labels of the SPIRE server's pods when `spireServer.selector` is not given (the SPIRE Helm charts' server pods). */
export const SPIRE_SERVER_DEFAULT_SELECTOR: Readonly<Record<string, string>> = { 'app.kubernetes.io/name': 'server' };

const ACCOUNT = /^\d{12}$/;
// Region names: partition prefix, optional gov/iso qualifier, direction, number (us-east-1,
// eu-central-2, ap-southeast-5, us-gov-west-1, cn-northwest-1, us-isob-east-1).
const REGION = /^(af|ap|ca|cn|eu|il|me|mx|sa|us)-(gov-|iso-|isob-|isof-)?(central|north|south|east|west|northeast|northwest|southeast|southwest)-[1-9]\d?$/;
const VPC_ID = /^vpc-([0-9a-f]{8}|[0-9a-f]{17})$/;
const SG_ID = /^sg-([0-9a-f]{8}|[0-9a-f]{17})$/;
const SERVICE = /^[a-z][a-z0-9-]{0,62}$/;
// aws_iid node selectors (without the type), as the attestor resolves them.
const NODE_SELECTOR = /^(tag:[^:]+:.*|sg:id:sg-[0-9a-f]+|sg:name:.+|iamrole:arn:.+|image:id:ami-[0-9a-f]+|instance:id:i-[0-9a-f]+|region:.+|az:.+)$/;
// Selectors that pin instances (the others — Region, zone, image — are shared by every instance there).
const PINNING_SELECTOR = /^(tag|sg|iamrole|instance):/;
const WORKLOAD_SELECTOR = /^[a-z][a-z0-9_]*:.+$/;

/** A cloud workload as the guardrails read it (the same fields a Kubernetes workload has). */
export interface ResolvedCloudWorkload {
  /** The construct. */
  readonly construct: VmFleet | ManagedService;
  /** The plan record, without its edges. */
  readonly plan: Omit<PlanCloudWorkload, 'calls' | 'calledBy'>;
  /** Its tier's controls. */
  readonly controls: TierControls;
  /** Its domain. @default - in no domain */
  readonly domain?: DomainBoundary;
}

/** One side of a flow, as the cloud checks read it. */
export interface CloudFlowSide {
  /** A Kubernetes workload's cluster. @default - not a Kubernetes workload */
  readonly cluster?: PlanCluster;
  /** A Kubernetes workload's tier. @default - not a Kubernetes workload */
  readonly tier?: PlanTier;
  /** A Kubernetes workload's own security group. @default - none */
  readonly securityGroup?: PlanPodSecurityGroup;
  /** An External. @default - not an External */
  readonly external?: PlanExternal;
  /** A cloud workload. @default - not a cloud workload */
  readonly cloud?: ResolvedCloudWorkload;
}

/** What the cloud phase needs of the planner. */
export interface CloudPhaseInputs {
  /** The topology's trust domain. */
  readonly trustDomain: string;
  /** Every construct of the topology. */
  readonly constructs: readonly IConstruct[];
  /** The resolved clusters. */
  readonly clusters: ReadonlyMap<Cluster, PlanCluster>;
  /** Where problems go. */
  readonly report: CloudReporter;
  /**
   * The resolved Externals, the other side of some flows.
   * @default - none
   */
  readonly externals?: ReadonlyMap<External, PlanExternal>;
}

interface ResolvedNetwork {
  readonly construct: Network;
  readonly plan: Omit<PlanNetwork, 'links'>;
  readonly blocks: readonly Cidr[];
  links: PlanNetworkLink[];
}

/**
 * Resolves the cloud half of a declaration. Call {@link resolve} once the clusters are
 * resolved; then ask it for endpoints, pod security groups and cluster networks; check each
 * flow with {@link checkFlow}; and take the plan records from {@link networks} and
 * {@link cloudWorkloads}.
 */
export class CloudPhase {
  private readonly r: CloudReporter;
  private readonly nets = new Map<Network, ResolvedNetwork>();
  private readonly netsByName = new Map<string, ResolvedNetwork>();
  private readonly workloads = new Map<VmFleet | ManagedService, ResolvedCloudWorkload>();
  private readonly clusterNetworks = new Map<Cluster, string>();
  /** Adopted group ids, with the first construct path that adopts each. */
  private readonly adopted = new Map<string, string>();
  /** The SPIRE servers clusters declare reachable from outside, by cluster name. */
  private readonly spireServers = new Map<string, PlanSpireServer>();
  /** The clusters that declare a SPIRE server, valid or not (an invalid one is reported once). */
  private readonly spireServerDeclared = new Set<string>();

  constructor(private readonly inputs: CloudPhaseInputs) {
    this.r = inputs.report;
  }

  /** Whether a peer is a cloud workload (of any copy of this library's shape). */
  public static isCloudPeer(x: unknown): x is VmFleet | ManagedService {
    return VmFleet.isVmFleet(x) || ManagedService.isManagedService(x);
  }

  // ---------------------------------------------------------------- resolve
  /** Reads networks, the networks of clusters, VM fleets and managed services. */
  public resolve(): void {
    this.readNetworks();
    this.readLinks();
    this.readClusterNetworks();
    this.readSpireServers();
    this.readCloudWorkloads();
    this.checkSubnetOverlaps();
  }

  private of<T>(name: string): (T & IConstruct)[] {
    return (this.inputs.constructs.filter((c) => hasBrand(c, name)) as (T & IConstruct)[]).sort((a, b) => cmp(a.node.path, b.node.path));
  }

  private readNetworks(): void {
    const vpcs = new Map<string, Network>();
    for (const n of this.of<Network>('Network')) {
      const where = n.node.path;
      const p = n.props;
      this.dnsName(where, 'network name', n.networkName);
      const first = this.netsByName.get(n.networkName);
      if (first) this.r.error('BH-DUPLICATE-NETWORK', where, `another network has the same name (${first.construct.node.path})`, n.networkName, `rename one of them (name: '${n.networkName}-2')`);
      const cloud = p.cloud ?? 'aws';
      if (cloud !== 'aws') this.r.error('BH-NETWORK-CLOUD', where, 'only AWS networks are supported', cloud, "use cloud: 'aws' (or leave it out); declare clusters of other clouds without a network");
      if (!ACCOUNT.test(p.account)) this.r.error('BH-AWS-ACCOUNT', where, 'the AWS account id is not 12 digits', p.account, "write the 12-digit account id as a string, leading zeros included, such as '012345678901'");
      if (!REGION.test(p.region)) this.r.error('BH-AWS-REGION', where, 'not an AWS Region name', p.region, "write a Region code such as 'eu-west-1' or 'us-east-2' (not an Availability Zone such as 'eu-west-1a')");
      if (!VPC_ID.test(p.vpcId)) this.r.error('BH-AWS-VPC-ID', where, 'not a VPC id', p.vpcId, "write the id of the existing VPC, such as 'vpc-0a1b2c3d4e5f67890' (Bulkhead does not create VPCs)");
      const vpcKey = `${p.account}/${p.region}/${p.vpcId}`;
      const sameVpc = vpcs.get(vpcKey);
      if (sameVpc && VPC_ID.test(p.vpcId)) this.r.error('BH-DUPLICATE-VPC', where, `another network declares the same VPC (${sameVpc.node.path}): both would manage its security groups`, p.vpcId, 'declare each VPC once and place every cluster, VM and service of it in that network');
      else vpcs.set(vpcKey, n);
      const blocks = this.vpcBlocks(n);
      const quotas = this.quotas(n);
      const platform = this.platform(n, blocks);
      const controlPlane = this.controlPlane(n);
      const resolved: ResolvedNetwork = {
        construct: n, blocks, links: [],
        plan: {
          key: `network:${n.networkName}`, path: where, name: n.networkName, cloud: 'aws', account: p.account, region: p.region, vpcId: p.vpcId,
          cidrs: blocks.map(String).sort(), platform, quotas,
          ...(controlPlane !== undefined ? { controlPlane } : {}),
        },
      };
      this.nets.set(n, resolved);
      if (!first) this.netsByName.set(n.networkName, resolved);
    }
  }

  /** The cluster the network's Crossplane objects are applied to, by name (see `NetworkProps.controlPlane`). */
  private controlPlane(n: Network): string | undefined {
    const all: readonly unknown[] = n.controlPlanes;
    if (all.length === 0) return undefined;
    const distinct = [...new Set(all)];
    if (distinct.length > 1) {
      this.r.error('BH-NETWORK-CONTROL-PLANE', n.node.path, 'the network names more than one control-plane cluster: its Crossplane objects are applied to one', distinct.map((c) => (Cluster.isCluster(c) ? c.node.path : String(c))), 'declare one control plane (the controlPlane prop or setControlPlane, once)');
      return undefined;
    }
    const c = distinct[0];
    const fix = 'pass a Cluster of this topology that runs Crossplane with the Upbound AWS provider (controlPlane: eks), or leave controlPlane out';
    if (!Cluster.isCluster(c)) {
      this.r.error('BH-NETWORK-CONTROL-PLANE', n.node.path, 'controlPlane is not a Cluster', typeof c === 'object' && c !== null ? (c as { node?: { path?: string } }).node?.path ?? String(c) : c, fix);
      return undefined;
    }
    const pc = this.inputs.clusters.get(c);
    if (!pc) {
      this.r.error('BH-NETWORK-CONTROL-PLANE', n.node.path, 'the control-plane cluster is not declared in this topology', c.node.path, fix);
      return undefined;
    }
    return pc.name;
  }

  private vpcBlocks(n: Network): Cidr[] {
    const where = n.node.path;
    const list = n.props.cidrs;
    if (list.length === 0) {
      this.r.error('BH-NETWORK-CIDRS', where, 'a network needs the CIDR blocks of its VPC', [], "list them, the primary block first: cidrs: ['10.0.0.0/16']");
      return [];
    }
    const blocks = list.flatMap((x) => this.r.value(`${where}.cidrs`, () => Cidr.of(x)) ?? []);
    if (blocks.length > 0 && blocks[0].family !== 'ipv4' && list.length === blocks.length) {
      this.r.error('BH-NETWORK-CIDR-SIZE', where, 'the primary CIDR block of a VPC is IPv4', blocks[0].toString(), "list the VPC's primary IPv4 block first, then its other blocks");
    }
    for (const b of blocks) {
      const ok = b.family === 'ipv4' ? b.prefix >= 16 && b.prefix <= 28 : b.prefix >= 44 && b.prefix <= 64;
      if (!ok) {
        this.r.error('BH-NETWORK-CIDR-SIZE', where, `a VPC CIDR block is ${b.family === 'ipv4' ? 'an IPv4 block from /16 to /28' : 'an IPv6 block from /44 to /64'}`, b.toString(), "write the block exactly as the VPC has it (aws ec2 describe-vpcs), such as '10.0.0.0/16'");
      }
    }
    const sorted = [...blocks].sort((a, b) => cmp(a.toString(), b.toString()));
    sorted.forEach((a, i) => {
      for (const b of sorted.slice(i + 1)) {
        if (a.overlaps(b)) this.r.error('BH-NETWORK-CIDR-OVERLAP', where, 'two CIDR blocks of the VPC overlap', [a.toString(), b.toString()], 'list each block of the VPC once, as the VPC has them');
      }
    });
    return blocks;
  }

  private quotas(n: Network): PlanNetworkQuotas {
    const where = n.node.path;
    const q = n.props.quotas ?? {};
    const out = { ...AWS_DEFAULT_QUOTAS, ...Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined)) } as PlanNetworkQuotas;
    const rule = (field: 'inboundRulesPerGroup' | 'outboundRulesPerGroup') => {
      const v = out[field];
      if (!Number.isInteger(v) || v < 1 || v > AWS_QUOTA_LIMITS.rulesPerGroup) {
        this.r.error('BH-NETWORK-QUOTA', where, `quotas.${field} is out of AWS's range`, v, `use a whole number from 1 to ${AWS_QUOTA_LIMITS.rulesPerGroup}, as the account's quota is (Service Quotas, 'Inbound or outbound rules per security group'); AWS's default is 60`);
        return false;
      }
      return true;
    };
    const inOk = rule('inboundRulesPerGroup');
    const outOk = rule('outboundRulesPerGroup');
    const g = out.groupsPerInterface;
    const gOk = Number.isInteger(g) && g >= 1 && g <= AWS_QUOTA_LIMITS.groupsPerInterface;
    if (!gOk) this.r.error('BH-NETWORK-QUOTA', where, "quotas.groupsPerInterface is out of AWS's range", g, `use a whole number from 1 to ${AWS_QUOTA_LIMITS.groupsPerInterface}; AWS's default is 5`);
    if (inOk && outOk && gOk) {
      const rules = Math.max(out.inboundRulesPerGroup, out.outboundRulesPerGroup);
      if (rules * g > AWS_QUOTA_LIMITS.rulesTimesGroups) {
        this.r.error('BH-NETWORK-QUOTA', where, `rules per group times groups per interface is ${rules * g}; AWS allows at most ${AWS_QUOTA_LIMITS.rulesTimesGroups}`, { rulesPerGroup: rules, groupsPerInterface: g }, `lower one of them so that their product is at most ${AWS_QUOTA_LIMITS.rulesTimesGroups}, as the account's quotas are`);
      }
    }
    return { inboundRulesPerGroup: out.inboundRulesPerGroup, outboundRulesPerGroup: out.outboundRulesPerGroup, groupsPerInterface: out.groupsPerInterface };
  }

  private platform(n: Network, blocks: readonly Cidr[]): PlanCloudPlatform[] {
    const where = n.node.path;
    const pf = n.props.platform ?? {};
    const out: PlanCloudPlatform[] = [];
    const custom = (name: string, d: CloudPlatformDestination): string[] => {
      if (d.cidrs.length === 0) this.r.error('BH-NETWORK-PLATFORM', where, `platform.${name} lists no addresses`, [], `list the addresses, or write ${name}: true for the Amazon-provided service, or ${name}: false for none`);
      return [...new Set(d.cidrs.flatMap((x) => this.r.value(`${where}.platform.${name}`, () => Cidr.of(x).toString()) ?? []))].sort();
    };
    const dns = pf.dns ?? true;
    if (dns !== false) {
      const primary = blocks[0];
      const cidrs = dns === true
        ? [AWS_DNS_LINK_LOCAL_CIDR, ...(primary && primary.family === 'ipv4' ? [`${plus(primary.address, 2)}/32`] : [])].sort()
        : custom('dns', dns);
      out.push({ name: 'dns', cidrs, ports: [{ protocol: Protocol.TCP, port: 53 }, { protocol: Protocol.UDP, port: 53 }] });
    }
    if ((pf.imds ?? true) !== false) out.push({ name: 'imds', cidrs: [AWS_IMDS_CIDR], ports: [{ protocol: Protocol.TCP, port: 80 }] });
    const ntp = pf.ntp ?? true;
    if (ntp !== false) out.push({ name: 'ntp', cidrs: ntp === true ? [AWS_NTP_CIDR] : custom('ntp', ntp), ports: [{ protocol: Protocol.UDP, port: 123 }] });
    return out.sort((a, b) => cmp(a.name, b.name));
  }

  private readLinks(): void {
    const pairs = new Map<string, { kind: PlanNetworkLink['kind']; path: string }>();
    for (const [n, rn] of this.nets) {
      for (const l of n.links) {
        if (l.peer === n) {
          this.r.error('BH-NETWORK-LINK-SELF', l.path, 'a network is linked to itself', n.networkName, 'link two different networks: a.peerWith(b)');
          continue;
        }
        const other = this.nets.get(l.peer);
        if (!other) {
          this.r.error('BH-FOREIGN-NETWORK', l.path, 'the linked network is not declared in this topology', l.peer?.node?.path, 'link networks created inside the same Topology');
          continue;
        }
        const [a, b] = [rn, other].sort((x, y) => cmp(x.plan.name, y.plan.name));
        const key = `${a.plan.name}|${b.plan.name}`;
        const seen = pairs.get(key);
        if (seen && seen.kind !== l.kind) {
          this.r.error('BH-NETWORK-LINK-KIND', l.path, `the networks '${a.plan.name}' and '${b.plan.name}' are linked twice, by a ${seen.kind} and a ${l.kind}: which one carries the traffic decides what security groups can reference`, [seen.kind, l.kind], 'declare the one link the route tables use between the two VPCs');
          continue;
        }
        if (seen) continue;
        pairs.set(key, { kind: l.kind, path: l.path });
        const overlap = a.blocks.flatMap((x) => b.blocks.filter((y) => x.overlaps(y)).map((y) => `${x} ~ ${y}`));
        if (overlap.length > 0) {
          this.r.error('BH-NETWORK-LINK-OVERLAP', l.path, `the VPCs of '${a.plan.name}' and '${b.plan.name}' have overlapping CIDR blocks: AWS neither peers nor routes between them`, overlap, 'link VPCs whose CIDR blocks are disjoint, or check the cidrs of both networks');
          continue;
        }
        a.links.push({ peer: b.plan.name, kind: l.kind });
        b.links.push({ peer: a.plan.name, kind: l.kind });
      }
    }
    for (const rn of this.nets.values()) rn.links.sort((x, y) => cmp(x.peer, y.peer));
  }

  private readClusterNetworks(): void {
    for (const [c, pc] of this.inputs.clusters) {
      const n = c.props.network;
      if (n === undefined) continue;
      const where = c.node.path;
      const rn = this.nets.get(n);
      if (!rn) {
        this.r.error('BH-FOREIGN-NETWORK', where, "the cluster's network is not declared in this topology", n?.node?.path, 'pass a Network created inside the same Topology');
        continue;
      }
      if (pc.cloud !== rn.plan.cloud) {
        this.r.error('BH-CLUSTER-NETWORK-CLOUD', where, `the cluster runs in cloud '${pc.cloud}', its network '${rn.plan.name}' in '${rn.plan.cloud}'`, pc.cloud, `place the cluster in a network of its own cloud, or set cloud: '${rn.plan.cloud}' if it runs there (a cluster of another cloud has no network)`);
        continue;
      }
      if (pc.region !== '' && pc.region !== rn.plan.region) {
        this.r.error('BH-CLUSTER-NETWORK-REGION', where, `the cluster is in Region '${pc.region}', its network '${rn.plan.name}' in '${rn.plan.region}': a VPC lives in one Region`, pc.region, `set region: '${rn.plan.region}', or place the cluster in a network of its Region`);
      }
      for (const x of pc.nodeCidrs) {
        const cidr = Cidr.of(x);
        if (!rn.blocks.some((b) => b.contains(cidr))) {
          this.r.error('BH-CLUSTER-NETWORK-CIDR', where, `the node CIDR ${x} lies outside the VPC of network '${rn.plan.name}': the nodes of a cluster live in its VPC`, x, `fix the nodeCidrs, or the network's cidrs (${rn.plan.cidrs.join(', ') || 'none'})`);
        }
      }
      this.clusterNetworks.set(c, rn.plan.name);
    }
  }

  /** The SPIRE servers clusters declare reachable by agents outside them (`ClusterProps.spireServer`). */
  private readSpireServers(): void {
    for (const [c, pc] of [...this.inputs.clusters.entries()].sort(([, a], [, b]) => cmp(a.name, b.name))) {
      const raw: unknown = c.props.spireServer;
      if (raw === undefined) continue;
      this.spireServerDeclared.add(pc.name);
      const where = c.node.path;
      const example = "spireServer: { addresses: ['10.0.15.32/28'], port: 8081 }";
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        this.r.error('BH-SPIRE-SERVER', where, 'spireServer is not an object', raw, `declare where agents reach the server: ${example}`);
        continue;
      }
      const s = raw as Record<string, unknown>;
      let ok = true;
      if (!pc.layers.includes('spire')) {
        this.r.error('BH-SPIRE-SERVER', where, `cluster '${pc.name}' declares a SPIRE server but runs no SPIRE (layer 'spire')`, pc.layers, `add 'spire' to the layers of cluster '${pc.name}', or remove spireServer`);
        ok = false;
      }
      const addresses: string[] = [];
      if (!Array.isArray(s.addresses) || s.addresses.length === 0) {
        this.r.error('BH-SPIRE-SERVER', where, 'spireServer.addresses lists no address: agents outside the cluster would have nowhere to connect', s.addresses, `list the addresses the server is exposed at (its internal load balancer's, or the nodes' for a NodePort): ${example}`);
        ok = false;
      } else {
        for (const x of s.addresses) {
          const cidr = this.r.value(`${where}.spireServer.addresses`, () => Cidr.of(x as string));
          if (cidr) addresses.push(cidr.toString());
          else ok = false;
        }
      }
      const port = s.port ?? SPIRE_SERVER_DEFAULT_PORT;
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
        this.r.error('BH-SPIRE-SERVER', where, 'spireServer.port is not a port number', port, `write the server's port as a whole number from 1 to 65535 (SPIRE's default bind_port is ${SPIRE_SERVER_DEFAULT_PORT}), or leave it out`);
        ok = false;
      }
      const namespace = s.namespace ?? SPIRE_SERVER_DEFAULT_NAMESPACE;
      const nsProblem = typeof namespace === 'string' ? dnsLabelProblem(namespace) : 'it is not a string';
      if (nsProblem) {
        this.r.error('BH-SPIRE-SERVER', where, `spireServer.namespace is not a namespace name: ${nsProblem}`, namespace, `write the namespace of the server's pods, such as '${SPIRE_SERVER_DEFAULT_NAMESPACE}'`);
        ok = false;
      }
      const selector = s.selector ?? SPIRE_SERVER_DEFAULT_SELECTOR;
      const entries = typeof selector === 'object' && selector !== null && !Array.isArray(selector) ? Object.entries(selector as Record<string, unknown>) : undefined;
      if (!entries || entries.length === 0 || entries.some(([k, v]) => k.length === 0 || typeof v !== 'string')) {
        this.r.error('BH-SPIRE-SERVER', where, 'spireServer.selector is not a non-empty set of pod labels', selector, "write the labels of the server's pods, such as { 'app.kubernetes.io/name': 'server' }, or leave selector out");
        ok = false;
      }
      if (!ok || !entries) continue;
      const plan: PlanSpireServer = {
        namespace: namespace as string,
        selector: Object.fromEntries(entries.map(([k, v]) => [k, v as string]).sort(([a], [b]) => cmp(a, b))),
        port: port as number,
        addresses: [...new Set(addresses)].sort(),
      };
      this.spireServers.set(pc.name, plan);
    }
  }

  /** The SPIRE server a cluster declares reachable from outside (see `ClusterProps.spireServer`), if it resolved. */
  public spireServerOf(cluster: string): PlanSpireServer | undefined {
    return this.spireServers.get(cluster);
  }

  /** The cluster with its network's name, as the plan records it. */
  public withNetwork(c: Cluster, pc: PlanCluster): PlanCluster {
    const n = this.clusterNetworks.get(c);
    return n === undefined ? pc : { ...pc, network: n };
  }

  /**
   * The security group of a Kubernetes workload's pods (EKS security groups for pods), or
   * undefined when it has none or it is an error (reported).
   */
  public podSecurityGroup(w: Workload, cluster: Cluster): PlanPodSecurityGroup | undefined {
    const sg = w.props.securityGroup;
    if (sg === undefined || sg === false) return undefined;
    const where = w.node.path;
    const network = this.clusterNetworks.get(cluster);
    if (network === undefined) {
      this.r.error('BH-POD-SG-NETWORK', where, `pods get security groups of their own only on an EKS cluster in an AWS network, and cluster '${cluster.clusterName}' declares none`, sg, `set network on cluster '${cluster.clusterName}' (an EKS cluster with the VPC CNI), or remove securityGroup`);
      return undefined;
    }
    if (sg === true) return { network };
    return this.adopt(where, sg) ? { network, adoptId: sg.adoptId } : undefined;
  }

  private adopt(where: string, sg: AdoptedSecurityGroup): boolean {
    if (!SG_ID.test(sg.adoptId)) {
      this.r.error('BH-AWS-SG-ID', where, 'not a security group id', sg.adoptId, "write the id of the existing group, such as 'sg-0123456789abcdef0', or leave securityGroup out to have Bulkhead create one");
      return false;
    }
    const first = this.adopted.get(sg.adoptId);
    if (first !== undefined && first !== where) {
      this.r.error('BH-DUPLICATE-SG', where, `the security group is adopted by ${first} too: the rules of each would apply to both`, sg.adoptId, 'give each workload a group of its own');
      return false;
    }
    this.adopted.set(sg.adoptId, where);
    return true;
  }

  private readCloudWorkloads(): void {
    const all = [...this.of<VmFleet>('VmFleet'), ...this.of<ManagedService>('ManagedService')].sort((a, b) => cmp(a.node.path, b.node.path));
    const keys = new Map<string, string>();
    for (const c of all) {
      const where = c.node.path;
      const rn = this.nets.get(c.props.network);
      if (!rn) {
        this.r.error('BH-FOREIGN-NETWORK', where, 'the network is not declared in this topology', c.props.network?.node?.path, 'pass a Network created inside the same Topology');
        continue;
      }
      const vm = VmFleet.isVmFleet(c);
      this.dnsName(where, vm ? 'VM fleet name' : 'managed service name', c.peerName);
      const key = `cloud:${rn.plan.name}/${c.peerName}`;
      const dup = keys.get(key);
      if (dup) this.r.error('BH-DUPLICATE-CLOUD-WORKLOAD', where, `another VM fleet or managed service of network '${rn.plan.name}' has the same name (${dup})`, c.peerName, `rename one of them (name: '${c.peerName}-2')`);
      else keys.set(key, where);

      const subnets = this.subnets(c, rn);
      const ports = this.ports(c);
      const tags = this.tags(c);
      let service: string | undefined;
      if (!vm) {
        const ms = c as ManagedService;
        service = ms.props.service;
        if (!SERVICE.test(service)) this.r.error('BH-MANAGED-SERVICE', where, 'the service is not a short lowercase name', service, "name the AWS service, such as 'rds', 'aurora', 'elasticache', 'opensearch' or 'msk'");
        if (ports.length === 0 && Object.keys(ms.props.ports).length === 0) {
          this.r.error('BH-MANAGED-PORTS', where, 'a managed service declares no ports: it is reached only on the ports its engine listens on', {}, 'declare them, such as ports: { postgres: Port.POSTGRES }');
        }
      }
      const sg = c.props.securityGroup;
      const adoptId = sg !== undefined && this.adopt(where, sg) ? sg.adoptId : undefined;
      const domain = DomainBoundary.find(c);
      const { controls, plan: tier } = tierOf(c.props.tier ?? domain?.props.tier);
      const resolved: ResolvedCloudWorkload = {
        construct: c, controls, domain,
        plan: {
          key, path: where, kind: vm ? 'vm' : 'managed-service', name: c.peerName, network: rn.plan.name,
          subnetCidrs: subnets, ports, tags,
          ...(service !== undefined ? { service } : {}),
          ...(adoptId !== undefined ? { adoptId } : {}),
          tier,
          ...(domain ? { domain: domain.domainName } : {}),
        },
      };
      if (vm) {
        const identity = this.identity(c as VmFleet, rn, tier, tags, adoptId);
        if (identity) (resolved.plan as { identity?: PlanCloudIdentity }).identity = identity;
      }
      if (!dup) this.workloads.set(c, resolved);
    }
  }

  /**
   * The subnets of a cloud workload and the pod and node CIDRs of clusters stay apart: the
   * Kubernetes layers admit a VM fleet by its subnets, and an address in both could be a pod
   * (or a node, the source of its pods' traffic where they are translated) as well as the
   * fleet.
   */
  private checkSubnetOverlaps(): void {
    const clusters = [...this.inputs.clusters.values()].sort((a, b) => cmp(a.name, b.name));
    for (const w of [...this.workloads.values()].sort((a, b) => cmp(a.plan.path, b.plan.path))) {
      for (const s of w.plan.subnetCidrs) {
        const cidr = Cidr.of(s);
        for (const c of clusters) {
          for (const [field, list] of [['podCidrs', c.podCidrs], ['nodeCidrs', c.nodeCidrs]] as const) {
            for (const x of list) {
              if (!Cidr.of(x).overlaps(cidr)) continue;
              this.r.error('BH-CLOUD-CIDR-OVERLAP', w.plan.path, `its subnet ${s} overlaps the ${field} range ${x} of cluster '${c.name}': the Kubernetes layers admit it by its subnets, and an address in both could stand for either`, { [`${w.plan.name}.subnetCidrs`]: s, [`${c.name}.${field}`]: x }, `give the fleet or service subnets of its own, apart from the cluster's (its ${field})`);
            }
          }
        }
      }
    }
  }

  private subnets(c: VmFleet | ManagedService, rn: ResolvedNetwork): string[] {
    const where = c.node.path;
    const list = c.props.subnetCidrs;
    if (list.length === 0) {
      this.r.error('BH-CLOUD-SUBNETS', where, 'no subnet CIDRs: layers that address it by IP would admit nothing', [], "list the CIDRs of the subnets its instances take addresses from, such as subnetCidrs: ['10.0.32.0/20']");
      return [];
    }
    const out: string[] = [];
    for (const x of list) {
      const cidr = this.r.value(`${where}.subnetCidrs`, () => Cidr.of(x));
      if (!cidr) continue;
      if (rn.blocks.length > 0 && !rn.blocks.some((b) => b.contains(cidr))) {
        this.r.error('BH-CLOUD-SUBNET-OUTSIDE', where, `the subnet CIDR ${cidr} lies outside the VPC of network '${rn.plan.name}'`, cidr.toString(), `fix the subnet CIDR, or add the VPC block it belongs to in the network's cidrs (${rn.plan.cidrs.join(', ')})`);
        continue;
      }
      out.push(cidr.toString());
    }
    return [...new Set(out)].sort();
  }

  private ports(c: VmFleet | ManagedService): PlanNamedPort[] {
    const where = c.node.path;
    const out: PlanNamedPort[] = [];
    for (const [name, port] of Object.entries(c.props.ports ?? {}).sort(([a], [b]) => cmp(a, b))) {
      const valid = this.r.value(where, () => Port.named(name));
      if (!Port.isPort(port)) continue; // reported by the input check
      if (port.isNamed || port.to !== undefined) {
        this.r.error('BH-PORT', where, `the named port '${name}' must be one numbered port`, port.toString(), `write ${name}: Port.tcp(<number>)`);
        continue;
      }
      if (valid) out.push({ name, port: port.from as number, protocol: port.protocol });
    }
    return out;
  }

  private tags(c: VmFleet | ManagedService): Record<string, string> {
    const where = c.node.path;
    const tags = c.props.tags ?? {};
    for (const [k, v] of Object.entries(tags)) {
      const problem = k.length === 0 || k.length > 128 ? `the key is ${k.length} characters long (1 to 128)`
        : /^aws:/i.test(k) ? "keys starting with 'aws:' are reserved for AWS"
          : v.length > 256 ? `the value is ${v.length} characters long (at most 256)`
            : undefined;
      if (problem) this.r.error('BH-AWS-TAG', where, `the tag '${k}' is not a valid AWS tag: ${problem}`, { [k]: v }, 'use keys of 1 to 128 characters (not starting with aws:) and values of at most 256');
    }
    return Object.fromEntries(Object.keys(tags).sort().map((k) => [k, tags[k]]));
  }

  private identity(v: VmFleet, rn: ResolvedNetwork, tier: PlanTier, tags: Readonly<Record<string, string>>, adoptId: string | undefined): PlanCloudIdentity | undefined {
    const id = v.props.identity;
    if (id === false) return undefined;
    const where = v.node.path;
    const p = id ?? {};
    const namespace = p.namespace ?? rn.plan.name;
    const serviceAccount = p.serviceAccount ?? v.peerName;
    this.dnsName(where, 'identity namespace', namespace);
    const saProblem = dnsSubdomainProblem(serviceAccount);
    if (saProblem) this.r.error('BH-NAME', where, `the identity's service account is invalid: ${saProblem}`, serviceAccount, 'use lowercase letters, digits, - and .');
    const spire = this.spireCluster(v, rn, p.spireCluster);

    const nodeSelectors = p.nodeSelectors ?? (adoptId !== undefined ? [`sg:id:${adoptId}`] : Object.entries(tags).map(([k, x]) => `tag:${k}:${x}`));
    if (nodeSelectors.length === 0) {
      this.r.error('BH-VM-NODE-SELECTORS', where, 'no node selector tells the fleet\'s instances apart: the SPIRE node alias would have nothing to match', [], "tag the instances (tags: { app: 'erp' }), adopt their security group (securityGroup: { adoptId: 'sg-…' }), or set identity.nodeSelectors (such as ['iamrole:arn:aws:iam::123456789012:instance-profile/erp'])");
    }
    for (const s of nodeSelectors) {
      if (!NODE_SELECTOR.test(s)) this.r.error('BH-VM-NODE-SELECTORS', where, 'not a node selector of the aws_iid attestor', s, "write it without the 'aws_iid:' type, such as 'tag:app:erp', 'sg:id:sg-0123456789abcdef0' or 'iamrole:arn:aws:iam::123456789012:instance-profile/erp'");
    }
    if (nodeSelectors.length > 0 && nodeSelectors.every((s) => NODE_SELECTOR.test(s)) && !nodeSelectors.some((s) => PINNING_SELECTOR.test(s))) {
      this.r.error('BH-VM-NODE-SELECTORS', where, 'the node selectors name only a Region, zone or image: every instance there would get the fleet\'s identity', nodeSelectors, 'add a selector the fleet alone carries: a tag, its security group or its instance profile');
    }
    const workloadSelectors = p.workloadSelectors ?? [`unix:user:${serviceAccount}`];
    if (workloadSelectors.length === 0) this.r.error('BH-VM-WORKLOAD-SELECTORS', where, 'no workload selector: SPIRE would give the identity to no process', [], "name the process, such as workloadSelectors: ['unix:user:erp']");
    for (const s of workloadSelectors) {
      if (!WORKLOAD_SELECTOR.test(s)) this.r.error('BH-VM-WORKLOAD-SELECTORS', where, 'not a SPIRE workload selector (type:value)', s, "write it as SPIRE does, such as 'unix:user:erp' or 'systemd:id:erp.service'");
    }
    if (!spire) return undefined;
    if (!this.spireServerDeclared.has(spire.name)) {
      this.r.warn('BH-VM-SPIRE-SERVER', where,
        `the fleet's SPIRE agents must reach the SPIRE server of cluster '${spire.name}' to attest and fetch SVIDs, and the cluster declares no address the server is reachable at: no security-group rule lets them out, so under default deny they get no identity`,
        spire.name,
        `declare where the server is exposed on cluster '${spire.name}': spireServer: { addresses: ['<the internal load balancer's address>/32'], port: ${SPIRE_SERVER_DEFAULT_PORT} }`);
    }
    const td = this.r.value(where, () => TrustDomain.of(spire.trustDomain));
    const spiffeId = td && !saProblem && !dnsLabelProblem(namespace) ? this.r.value(where, () => td.workloadId(namespace, serviceAccount).toString()) : undefined;
    const alias = td && !dnsLabelProblem(v.peerName) ? this.r.value(where, () => td.nodeAliasId('aws', rn.plan.name, v.peerName).toString()) : undefined;
    if (!spiffeId || !alias) return undefined;
    return {
      spiffeId, parentId: alias,
      nodeSelectors: [...new Set(nodeSelectors.map((s) => `aws_iid:${s}`))].sort(),
      selectors: [...new Set(workloadSelectors)].sort(),
      spireCluster: spire.name, svidTtlSeconds: tier.maxSvidTtlSeconds,
    };
  }

  private spireCluster(v: VmFleet, rn: ResolvedNetwork, declared: Cluster | undefined): PlanCluster | undefined {
    const where = v.node.path;
    const fix = 'name the cluster whose SPIRE server holds the entries (identity: { spireCluster: eks }), or set identity: false for instances without a SPIRE agent';
    if (declared !== undefined) {
      const pc = this.inputs.clusters.get(declared);
      if (!pc) {
        this.r.error('BH-VM-SPIRE-CLUSTER', where, 'the SPIRE cluster is not declared in this topology', declared?.node?.path, fix);
        return undefined;
      }
      if (!pc.layers.includes('spire')) {
        this.r.error('BH-VM-SPIRE-CLUSTER', where, `cluster '${pc.name}' runs no SPIRE (layer 'spire'), so it cannot hold the fleet's entries`, pc.layers, `add 'spire' to the layers of cluster '${pc.name}', or ${fix}`);
        return undefined;
      }
      return pc;
    }
    const running = [...this.inputs.clusters.entries()].filter(([, pc]) => pc.layers.includes('spire')).sort(([, a], [, b]) => cmp(a.name, b.name));
    const inNetwork = running.filter(([c]) => this.clusterNetworks.get(c) === rn.plan.name);
    const pick = inNetwork.length === 1 ? inNetwork : running.length === 1 ? running : [];
    if (pick.length === 1) return pick[0][1];
    const candidates = (inNetwork.length > 1 ? inNetwork : running).map(([, pc]) => pc.name);
    this.r.error('BH-VM-SPIRE-CLUSTER', where, candidates.length === 0 ? 'no cluster runs SPIRE (layer \'spire\') to hold the fleet\'s entries' : 'more than one cluster runs SPIRE: which one holds the fleet\'s entries is not clear', candidates, fix);
    return undefined;
  }

  /**
   * A VM fleet's SPIFFE ID must be its own: not another fleet's, nor that of a Kubernetes
   * workload of a cluster that issues identities (Istio, SPIRE). Two holders of one ID are one
   * principal to every policy, so each would inherit the other's access. Reported at the fleet.
   */
  public checkSharedIdentities(pods: readonly { readonly path: string; readonly key: string; readonly spiffeId: string; readonly layers: readonly ClusterLayerName[] }[]): void {
    const holders = new Map<string, { path: string; key: string }>();
    for (const w of [...pods].sort((a, b) => cmp(a.path, b.path))) {
      if (w.layers.some((l) => IDENTITY_LAYERS.includes(l)) && !holders.has(w.spiffeId)) holders.set(w.spiffeId, w);
    }
    for (const c of [...this.workloads.values()].sort((a, b) => cmp(a.plan.path, b.plan.path))) {
      const id = c.plan.identity?.spiffeId;
      if (id === undefined) continue;
      const first = holders.get(id);
      if (!first) {
        holders.set(id, { path: c.plan.path, key: c.plan.key });
        continue;
      }
      this.r.error('BH-SHARED-IDENTITY', c.plan.path, `its identity ${id} is that of ${first.path}, so each would inherit the other's access`, { [first.key]: id, [c.plan.key]: id }, `give the fleet an identity of its own (identity: { serviceAccount: '${c.plan.name}' }, or another namespace)`);
    }
  }

  // ---------------------------------------------------------------- endpoints
  /** The resolved External a construct declares, if any. */
  public external(x: unknown): PlanExternal | undefined {
    return External.isExternal(x) ? this.inputs.externals?.get(x) : undefined;
  }

  /** The resolved record of a cloud workload, if it resolved. */
  public resolved(x: unknown): ResolvedCloudWorkload | undefined {
    return CloudPhase.isCloudPeer(x) ? this.workloads.get(x) : undefined;
  }

  /** Every resolved cloud workload. */
  public get all(): readonly ResolvedCloudWorkload[] {
    return [...this.workloads.values()];
  }

  // ---------------------------------------------------------------- flows
  /**
   * What AWS cannot do with a flow that has a cloud side: a managed service opens no
   * connection; a security group matches addresses and ports, not names or HTTP requests;
   * traffic between networks needs a link; a peer outside every network needs addresses.
   */
  public checkFlow(where: string, src: CloudFlowSide, dst: CloudFlowSide, http: readonly PlanHttpRule[], report: Reporter = this.r): void {
    if (!src.cloud && !dst.cloud) return;
    if (src.cloud && src.cloud.plan.kind === 'managed-service') {
      report.error('BH-MANAGED-SOURCE', where, `managed service '${src.cloud.plan.name}' opens no connections: it can only be a flow's destination`, src.cloud.plan.key, 'remove the flow, or turn it around if the other side calls the service');
      return;
    }
    // Only security groups enforce a flow into a cloud workload, unless the source is a pod of
    // a cluster that runs Cilium (whose egress proxy enforces HTTP rules).
    if (dst.cloud && http.length > 0 && !src.cluster?.layers.includes('cilium')) {
      report.error('BH-CLOUD-HTTP', where, `only security groups enforce this flow into ${dst.cloud.plan.key}, and they match ports, not HTTP methods and paths: the rules would open the whole port`, http, 'remove the http rules and let the service check requests, or send the flow from a pod of a cluster that runs Cilium');
    }
    for (const [side, other] of [[src, dst], [dst, src]] as const) {
      if (!side.cloud || !other.external) continue;
      if (other.external.cidrs.length === 0) {
        report.error('BH-CLOUD-FQDN', where, `security groups match addresses only, and External '${other.external.name}' has none (FQDNs only)`, other.external.fqdns, "add the provider's published ranges to the External (cidrs: [...]) as the fallback for layers without FQDN support");
      }
    }
    // Between networks.
    const netOf = (s: CloudFlowSide) => s.cloud?.plan.network ?? s.cluster?.network;
    const a = netOf(src);
    const b = netOf(dst);
    if (a !== undefined && b !== undefined && a !== b) {
      const linked = this.netsByName.get(a)?.links.some((l) => l.peer === b) ?? true;
      if (!linked) {
        report.error('BH-CLOUD-UNLINKED', where, `networks '${a}' and '${b}' are not linked: no private route joins their VPCs`, [a, b], `link them (${a}.peerWith(${b}) or ${a}.linkViaTransitGateway(${b})), as the VPCs are`);
      }
    }
    for (const [side, other] of [[src, dst], [dst, src]] as const) {
      if (!side.cloud || !other.cluster || other.cluster.network !== undefined) continue;
      if (other.cluster.podCidrs.length === 0) {
        report.error('BH-CLOUD-PEER-CIDRS', where, `cluster '${other.cluster.name}' is in no network of the topology, so the security group of ${side.cloud.plan.key} must address its pods by IP, but it declares no pod CIDRs`, other.cluster.name, `set podCidrs on cluster '${other.cluster.name}' (the addresses its pods reach ${side.cloud.plan.name} from)`);
      }
    }
    // A fleet without a SPIRE identity presents no mesh identity.
    if (src.cloud && !src.cloud.plan.identity && dst.cluster?.layers.includes('istio') && dst.tier && dst.tier.level !== Sensitivity.PUBLIC) {
      report.error('BH-CLOUD-PLAINTEXT', where, `VM fleet '${src.cloud.plan.name}' has no SPIFFE identity to present, and the ${dst.tier.level} tier accepts mutual TLS only`, src.cloud.plan.key, "give the fleet an identity (leave identity out, or declare it), or route it through an internet-facing workload of the public tier");
    }
  }

  // ---------------------------------------------------------------- plan
  /** The networks, sorted by key. */
  public networks(): PlanNetwork[] {
    return [...this.netsByName.values()].map((n) => ({ ...n.plan, links: n.links })).sort((a, b) => cmp(a.key, b.key));
  }

  /** The cloud workloads with both directions of their flows (see `edgesOf`), sorted by key. */
  public cloudWorkloads(edges: EdgesOfKind): PlanCloudWorkload[] {
    return [...this.workloads.values()]
      .map((w) => ({ ...w.plan, calls: [...(edges.calls.get(w.plan.key) ?? [])], calledBy: [...(edges.calledBy.get(w.plan.key) ?? [])] }))
      .sort((a, b) => cmp(a.key, b.key));
  }

  // ---------------------------------------------------------------- helpers
  private dnsName(where: string, what: string, value: string): void {
    const problem = typeof value === 'string' ? dnsLabelProblem(value) : 'it is not a string';
    if (problem) this.r.error('BH-NAME', where, `the ${what} is not a valid name: ${problem}`, value, 'use at most 63 lowercase letters, digits and -, starting and ending with a letter or digit');
  }
}

/** The IPv4 address `n` after `address`. */
function plus(address: string, n: number): string {
  const bytes = ipaddr.parse(address).toByteArray();
  let carry = n;
  for (let i = bytes.length - 1; i >= 0 && carry > 0; i--) {
    const sum = bytes[i] + carry;
    bytes[i] = sum % 256;
    carry = Math.floor(sum / 256);
  }
  return ipaddr.fromByteArray(bytes).toString();
}

// ---------------------------------------------------------------- the planner's phases
/** VM fleets and managed services: endpoints of kind `cloud` (keys `cloud:<network>/<name>`). */
export const CLOUD_KIND: EndpointKind = {
  kind: 'cloud',
  title: 'a cloud workload (VmFleet or ManagedService)',
  noun: 'a cloud workload',
  undeclaredFix: 'declare it inside the same Topology, or remove the flow',
  exportable: true,
  is: (x) => CloudPhase.isCloudPeer(x),
};

/** The cloud phase of each resolution, and of each cloud endpoint it registered. */
const PHASES = new WeakMap<object, CloudPhase>();

/**
 * Reads networks, the networks of clusters, the security groups of pods, VM fleets and
 * managed services, and registers each cloud workload as an endpoint of {@link CLOUD_KIND}.
 * Runs after the Kubernetes workloads are read (it gives them their security groups, and
 * checks that no VM fleet takes a pod's identity).
 */
export const readCloud: EndpointReader = (d, r) => {
  const phase = new CloudPhase({ trustDomain: d.topology.trustDomain, constructs: d.topology.node.findAll(), clusters: r.clusters, externals: r.externals, report: d.problems });
  phase.resolve();
  // The cluster and workload records are completed in place, as the resolve phase completes
  // the namespaces of a cluster: every view of them (by construct, by name) sees the same.
  for (const [c, pc] of r.clusters) {
    const network = phase.withNetwork(c, pc).network;
    if (network !== undefined) (pc as { network?: string }).network = network;
    const spireServer = phase.spireServerOf(pc.name);
    if (spireServer !== undefined) (pc as { spireServer?: PlanSpireServer }).spireServer = spireServer;
  }
  for (const w of r.workloads.values()) {
    const sg = phase.podSecurityGroup(w.construct, w.construct.cluster);
    if (sg) (w.plan as { securityGroup?: PlanPodSecurityGroup }).securityGroup = sg;
  }
  phase.checkSharedIdentities([...r.workloads.values()].map((w) => ({
    path: w.plan.path, key: w.plan.key, spiffeId: w.plan.spiffeId, layers: r.clusterByName(w.plan.cluster).layers,
  })));
  for (const c of phase.all) {
    const endpoint: Endpoint = {
      kind: CLOUD_KIND, ref: { kind: 'cloud', key: c.plan.key }, construct: c.construct, path: c.plan.path, name: c.plan.name, label: c.plan.key,
      tier: { plan: c.plan.tier, controls: c.controls }, domain: c.domain, namedPorts: c.plan.ports,
    };
    r.endpoints.register(endpoint);
    PHASES.set(endpoint, phase);
  }
  PHASES.set(r, phase);
};

/**
 * The cloud rules of a flow with a cloud side (see {@link CloudPhase.checkFlow}), for the
 * guardrails phase; nothing for a flow between Kubernetes workloads and Externals.
 */
export function checkCloudFlow(ctx: GuardrailContext, f: CandidateFlow, report: Reporter): void {
  const phase = PHASES.get(f.source) ?? PHASES.get(f.destination);
  if (!phase) return;
  const side = (e: Endpoint): CloudFlowSide => {
    const cloud = phase.resolved(e.construct);
    if (cloud) return { cloud };
    if (e.cluster !== undefined) return { cluster: ctx.clusterByName(e.cluster), tier: e.tier?.plan };
    const external = phase.external(e.construct);
    return external ? { external } : {};
  };
  phase.checkFlow(f.where, side(f.source), side(f.destination), f.http, report);
}

/** The networks and cloud workloads of the plan (none when the resolution read no cloud), each sorted by key. */
export function cloudPlan(r: Resolution, edges: EdgesOfKind): { readonly networks: PlanNetwork[]; readonly cloudWorkloads: PlanCloudWorkload[] } {
  const phase = PHASES.get(r);
  return phase ? { networks: phase.networks(), cloudWorkloads: phase.cloudWorkloads(edges) } : { networks: [], cloudWorkloads: [] };
}

/** The cloud half as an extension of the resolve phase: the planner resolves with it. */
export const CLOUD_EXTENSIONS: ResolveExtensions = { kinds: [CLOUD_KIND], readers: [readCloud] };
