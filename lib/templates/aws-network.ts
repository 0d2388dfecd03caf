/**
 * Cloud network templates: functions that create a {@link Network} with the defaults of its
 * cloud written out, beside the cluster templates (`eksCluster` and the others).
 */
import { Construct } from 'constructs';
import type { Cluster } from '../model/cluster';
import { Network, NetworkQuotaProps } from '../model/network';
import { AWS_DEFAULT_QUOTAS } from '../plan/cloud';

/** Properties of {@link awsNetwork}. */
export interface AwsNetworkProps {
  /** The AWS account id (12 digits), such as `'123456789012'`. */
  readonly account: string;
  /** The AWS Region, such as `eu-west-1`. */
  readonly region: string;
  /** The id of the existing VPC (`vpc-…`): Bulkhead segments a VPC, it does not create one. */
  readonly vpcId: string;
  /**
   * The VPC's CIDR blocks, the primary IPv4 block first (the VPC resolver lives at its base + 2),
   * then secondary blocks (such as the block EKS custom networking takes pod addresses from).
   */
  readonly cidrs: string[];
  /**
   * Network name (a DNS label, unique in the topology).
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * The DNS resolvers instances use, when not the VPC resolver: Route 53 Resolver inbound
   * endpoints or the organisation's own servers (UDP and TCP 53 to these addresses).
   * @default - the Amazon-provided VPC resolver (the primary block's base + 2, and 169.254.169.253)
   */
  readonly dnsResolvers?: string[];
  /**
   * The time servers instances use, when not the Amazon Time Sync Service (UDP 123).
   * @default - the Amazon Time Sync Service (169.254.169.123)
   */
  readonly timeServers?: string[];
  /**
   * Whether instances reach the instance metadata service (TCP 80 at 169.254.169.254): IAM role
   * credentials, and the instance identity document the SPIRE `aws_iid` node attestor reads.
   * Turn it off only for fleets without a SPIRE agent and without an instance profile.
   * @default true
   */
  readonly instanceMetadata?: boolean;
  /**
   * The account's security-group quotas, where they were raised (Service Quotas): each field
   * left out keeps AWS's default.
   * @default - AWS's defaults: 60 inbound and 60 outbound rules per group and address family, 5 groups per network interface
   */
  readonly quotas?: NetworkQuotaProps;
  /**
   * The cluster whose Crossplane the network's manifests are applied to: its break-glass reaper
   * deletes the network's expired break-glass rules (see `NetworkProps.controlPlane`).
   * @default - none: in manifest output break-glass rules last until the next synthesis after their expiry
   */
  readonly controlPlane?: Cluster;
}

/**
 * An AWS network: an existing VPC of one account and Region, with AWS's defaults written out.
 *
 * - Platform destinations (egress every instance gets, since groups created through the
 *   Terraform-based providers have no default egress): DNS to the VPC resolver, NTP to the
 *   Amazon Time Sync Service and HTTP to the instance metadata service, unless other resolvers
 *   or time servers are named, or the metadata service is turned off.
 * - Quotas: AWS's defaults (60 inbound and 60 outbound rules per group and address family, a
 *   group reference or prefix list counting against both; 5 groups per network interface),
 *   each replaced where the account's quota was raised. Rules beyond a group's quota are
 *   sharded into further groups at synthesis; a workload that needs more groups than an
 *   interface takes is an error then, never at apply.
 *
 * Place an EKS cluster in it with `eksCluster(…, { network })`, and VM fleets and managed
 * services with their `network` prop.
 *
 * @see https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-security-groups
 * @see https://docs.aws.amazon.com/vpc/latest/userguide/AmazonDNS-concepts.html
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/set-time.html
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html
 *
 * @example
 * const prodVpc = awsNetwork(topology, 'prod-vpc', {
 *   account: '123456789012', region: 'eu-west-1', vpcId: 'vpc-0a1b2c3d4e5f67890', cidrs: ['10.0.0.0/16', '10.20.0.0/16'],
 * });
 * const eks = eksCluster(topology, 'eks-orders', { region: 'eu-west-1', network: prodVpc, podCidrs: ['10.20.0.0/16'], dataplane: 'cilium' });
 */
export function awsNetwork(scope: Construct, id: string, props: AwsNetworkProps): Network {
  return new Network(scope, id, {
    ...(props.name !== undefined ? { name: props.name } : {}),
    cloud: 'aws',
    account: props.account,
    region: props.region,
    vpcId: props.vpcId,
    cidrs: props.cidrs,
    platform: {
      dns: props.dnsResolvers !== undefined ? { cidrs: props.dnsResolvers } : true,
      ntp: props.timeServers !== undefined ? { cidrs: props.timeServers } : true,
      imds: props.instanceMetadata ?? true,
    },
    quotas: props.quotas === undefined || isPlainObject(props.quotas) ? { ...AWS_DEFAULT_QUOTAS, ...definedFields(props.quotas) } : props.quotas,
    ...(props.controlPlane !== undefined ? { controlPlane: props.controlPlane } : {}),
  });
}

/** Whether a value is an object (not an array): other values go to the planner, which reports them. */
function isPlainObject(o: unknown): o is object {
  return typeof o === 'object' && o !== null && !Array.isArray(o);
}

/** The fields of an object whose value is not undefined. */
function definedFields<T extends object>(o: T | undefined): Partial<T> {
  if (!isPlainObject(o)) return {};
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
