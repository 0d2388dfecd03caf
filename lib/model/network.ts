import { Construct } from 'constructs';
import { hasBrand, setBrand } from '../core/brand';
import { checkedScope, propsOf } from './args';
import type { Cluster } from './cluster';

/**
 * A platform destination of a cloud network that differs from the Amazon-provided one, such
 * as Route 53 Resolver endpoints or the organisation's own DNS servers.
 */
export interface CloudPlatformDestination {
  /** Its addresses, such as `['10.0.0.10/32', '10.0.1.10/32']`. */
  readonly cidrs: string[];
}

/**
 * The platform destinations every instance of a network may reach (egress). AWS security
 * groups do not filter traffic to the Amazon-provided addresses (the VPC resolver, the Time
 * Sync Service, the instance metadata service); the declaration states them all the same, so
 * that the egress an instance needs is written down, and so that a destination of another
 * address (a custom resolver) gets the rules it needs.
 *
 * @see https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html
 */
export interface NetworkPlatformProps {
  /**
   * DNS (UDP and TCP 53): `true` for the VPC resolver (the primary VPC CIDR's base + 2, and
   * 169.254.169.253), `false` for none, or the addresses of another resolver.
   * @default true
   */
  readonly dns?: boolean | CloudPlatformDestination;
  /**
   * NTP (UDP 123): `true` for the Amazon Time Sync Service (169.254.169.123), `false` for none,
   * or the addresses of other time servers.
   * @default true
   */
  readonly ntp?: boolean | CloudPlatformDestination;
  /**
   * The instance metadata service (TCP 80 at 169.254.169.254): IAM credentials, and the
   * instance identity document the SPIRE `aws_iid` node attestor reads. `false` for none.
   * @default true
   */
  readonly imds?: boolean;
}

/**
 * Rule quotas of the network's security groups, as the account has them (AWS lets each be
 * raised on request).
 *
 * @see https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-security-groups
 */
export interface NetworkQuotaProps {
  /**
   * Inbound rules per security group, per address family (1 to 1,000).
   * @default 60
   */
  readonly inboundRulesPerGroup?: number;
  /**
   * Outbound rules per security group, per address family (1 to 1,000).
   * @default 60
   */
  readonly outboundRulesPerGroup?: number;
  /**
   * Security groups per network interface (1 to 16). Rules per group times groups per
   * interface may not exceed 1,000.
   * @default 5
   */
  readonly groupsPerInterface?: number;
}

/** Properties of a {@link Network}. */
export interface NetworkProps {
  /**
   * Network name (a DNS label, unique in the topology).
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * The cloud. Only `aws` is supported.
   * @default 'aws'
   */
  readonly cloud?: string;
  /** The AWS account id (12 digits), such as `'123456789012'`. */
  readonly account: string;
  /** The AWS Region, such as `eu-west-1`. */
  readonly region: string;
  /**
   * The id of the existing VPC (`vpc-…`): Bulkhead segments a VPC, it does not create one.
   */
  readonly vpcId: string;
  /**
   * The VPC's IPv4 (and IPv6) CIDR blocks, the primary block first (the VPC resolver lives at
   * its base + 2).
   */
  readonly cidrs: string[];
  /**
   * Platform destinations every instance may reach.
   * @default - the VPC resolver, the Amazon Time Sync Service and the instance metadata service
   */
  readonly platform?: NetworkPlatformProps;
  /**
   * Security-group quotas of the account.
   * @default - AWS's defaults: 60 inbound and 60 outbound rules per group, 5 groups per interface
   */
  readonly quotas?: NetworkQuotaProps;
  /**
   * The cluster whose Crossplane (with the Upbound AWS provider) the manifest hosts' objects of
   * this network (`out/aws/<account>/<region>/aws.yaml`) are applied to. Its break-glass reaper
   * then also deletes the network's expired break-glass rule objects
   * (`securitygroupingressrules` / `securitygroupegressrules.ec2.aws.upbound.io`), and Crossplane
   * revokes the AWS rules (the default `deletionPolicy: Delete`), without a new synthesis. The
   * Pulumi host does not need it: it schedules the revocation of each break-glass rule with
   * EventBridge Scheduler. A cluster that lives in this network (and so is created after it) is
   * named with {@link Network.setControlPlane} instead.
   * @default - none: in manifest output a break-glass rule lasts until the next synthesis after its expiry (warning `BH-AWS-BREAK-GLASS-REAPER`)
   */
  readonly controlPlane?: Cluster;
}

/** How two networks are linked. */
export type NetworkLinkKind = 'peering' | 'transit-gateway';

/** A link declared between two networks. */
export interface NetworkLink {
  /** The other network. */
  readonly peer: Network;
  /** A VPC peering connection or a transit-gateway attachment of both VPCs. */
  readonly kind: NetworkLinkKind;
  /** Construct path of the network whose method declared it. */
  readonly path: string;
}

/**
 * A cloud network: one AWS account, Region and existing VPC, where VMs, managed services and
 * the nodes (and pods) of clusters live. Networks are linked by VPC peering or a transit
 * gateway; security-group references work within a VPC and across a peering in one Region,
 * other paths use addresses.
 *
 * @example
 * const prodVpc = new Network(topo, 'prod-vpc', {
 *   account: '123456789012', region: 'eu-west-1', vpcId: 'vpc-0a1b2c3d4e5f67890', cidrs: ['10.0.0.0/16'],
 * });
 * const eks = new Cluster(topo, 'eks', { cloud: 'aws', region: 'eu-west-1', network: prodVpc });
 */
export class Network extends Construct {
  /** Whether a value is a Network, also one made by another copy of the library. */
  public static isNetwork(x: unknown): x is Network {
    return hasBrand(x, 'Network');
  }

  /** The network name. */
  public readonly networkName: string;
  /** Properties as declared (validated when the plan is built). */
  public readonly props: NetworkProps;
  private readonly linkList: NetworkLink[] = [];
  private readonly controlPlaneList: Cluster[] = [];

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(checkedScope(scope, id, 'Network'), id);
    setBrand(this, 'Network');
    this.props = props;
    this.networkName = propsOf(props).name ?? id;
  }

  /**
   * Declares a VPC peering connection between this network's VPC and another's (both
   * directions). Security groups may reference each other's groups across it when both
   * networks are in one Region.
   *
   * @example prodVpc.peerWith(sharedVpc)
   */
  public peerWith(other: Network): void {
    this.linkList.push({ peer: other, kind: 'peering', path: this.node.path });
  }

  /**
   * Declares that both networks' VPCs are attached to one transit gateway (both directions).
   * Security-group references across it work in inbound rules only.
   *
   * @example prodVpc.linkViaTransitGateway(legacyVpc)
   */
  public linkViaTransitGateway(other: Network): void {
    this.linkList.push({ peer: other, kind: 'transit-gateway', path: this.node.path });
  }

  /**
   * Declares the control-plane cluster after the network (see `NetworkProps.controlPlane`),
   * for a cluster that itself lives in this network and so is created after it.
   *
   * @example prodVpc.setControlPlane(eks)
   */
  public setControlPlane(cluster: Cluster): void {
    this.controlPlaneList.push(cluster);
  }

  /** The control-plane clusters declared, by the prop and by {@link setControlPlane}, in that order (the plan accepts one). */
  public get controlPlanes(): readonly Cluster[] {
    const fromProps = propsOf(this.props).controlPlane;
    return [...(fromProps !== undefined ? [fromProps as Cluster] : []), ...this.controlPlaneList];
  }

  /** The links declared by this network, in declaration order (the plan makes them symmetric). */
  public get links(): readonly NetworkLink[] {
    return this.linkList;
  }
}
