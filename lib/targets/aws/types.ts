/**
 * The cloud resources the `aws` layer renders, host-neutral: the Pulumi host creates them with
 * `@pulumi/aws`, and the manifest hosts (cdk8s, the CLI) write them as Crossplane
 * `ec2.aws.upbound.io` objects. Every reference between resources is by `key`, the resource's
 * stable logical name (derived from content, never from order).
 *
 * @see https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html
 */

/** Where a cloud resource lives. */
export interface AwsPlacement {
  /** The network (see `PlanNetwork`) by name. */
  readonly network: string;
  /** The AWS account id (12 digits). */
  readonly account: string;
  /** The region, such as `eu-west-1`. */
  readonly region: string;
}

/** A security group (its rules are separate resources, never inline). */
export interface AwsSecurityGroup extends AwsPlacement {
  /** Discriminator. */
  readonly kind: 'SecurityGroup';
  /** Stable logical name, unique in the synthesis (a DNS label, used as the Crossplane object name). */
  readonly key: string;
  /** The group name in AWS. */
  readonly name: string;
  /** The group description in AWS (ASCII, at most 255 characters). */
  readonly description: string;
  /** The VPC id (`vpc-…`). */
  readonly vpcId: string;
  /** An existing group to adopt (`sg-…`) instead of creating one. @default - created */
  readonly adoptId?: string;
  /** Tags, keys sorted (always `bulkhead.io/managed-by`, `bulkhead.io/network`, `bulkhead.io/workload`; `bulkhead.io/environment` when the environment is named). */
  readonly tags: Readonly<Record<string, string>>;
  /** The plan endpoints (workload keys) whose instances are members of this group, sorted. */
  readonly members: readonly string[];
  /** The member instances' address ranges (subnets, pod CIDRs), sorted. */
  readonly memberCidrs: readonly string[];
  /** The name of the workload whose instances are the members (a DNS label). */
  readonly workloadName: string;
  /** The VPC's IPv4 CIDRs, sorted. */
  readonly vpcCidrs: readonly string[];
  /** The VPCs this one is linked to (either side declared the link), sorted by VPC id. */
  readonly links: readonly AwsVpcLink[];
  /**
   * When one workload needs several groups to stay within the rule quotas: this group's place
   * among them (1-based) and how many there are. Every member carries all of them.
   * @default - the workload has one group
   */
  readonly shard?: { readonly index: number; readonly of: number };
  /**
   * On the (first) group of a pod workload (EKS security groups for pods): the pods that get
   * the workload's groups through a SecurityGroupPolicy.
   * @default - the members are no pods (a VM fleet or a managed service)
   */
  readonly pods?: AwsPodSelection;
}

/** The pods of a workload with its own security groups, and all the groups they get. */
export interface AwsPodSelection {
  /** The workload's plan key. */
  readonly workload: string;
  /** The workload's construct path. */
  readonly path: string;
  /** The pods' cluster. */
  readonly cluster: string;
  /** The pods' namespace. */
  readonly namespace: string;
  /** The workload's name. */
  readonly name: string;
  /** The pod labels that select the workload, keys sorted. */
  readonly selector: Readonly<Record<string, string>>;
  /** The keys of all the workload's groups (this one first, then its shards). */
  readonly groups: readonly string[];
}

/** A link from a group's VPC to another VPC. */
export interface AwsVpcLink {
  /** The other VPC's id. */
  readonly vpcId: string;
  /** The other VPC's region. */
  readonly region: string;
  /** The other VPC's account. */
  readonly account: string;
  /** `peering` or `transit-gateway`. */
  readonly kind: 'peering' | 'transit-gateway';
}

/** What a rule matches on the other side: exactly one of the fields. */
export interface AwsRulePeer {
  /** One IPv4 CIDR. @default - not a CIDR rule */
  readonly cidrIpv4?: string;
  /** One IPv6 CIDR. @default - not a CIDR rule */
  readonly cidrIpv6?: string;
  /** A referenced group's key (same account and region, or across an active peering). @default - not a reference */
  readonly referencedGroup?: string;
  /** A referenced group of another account, `account-id/sg-id`. @default - not a cross-account reference */
  readonly referencedGroupId?: string;
  /** A prefix list's key. @default - not a prefix-list rule */
  readonly prefixList?: string;
}

/** A standalone ingress or egress rule of one group. */
export interface AwsSecurityGroupRule extends AwsPlacement {
  /** Discriminator. */
  readonly kind: 'SecurityGroupIngressRule' | 'SecurityGroupEgressRule';
  /** Stable logical name, unique in the synthesis. */
  readonly key: string;
  /** The key of the group the rule belongs to. */
  readonly group: string;
  /** `tcp`, `udp`, `icmp` or `-1` (all). */
  readonly ipProtocol: 'tcp' | 'udp' | 'icmp' | '-1';
  /** First port (absent for `-1`). @default - all ports */
  readonly fromPort?: number;
  /** Last port (absent for `-1`). @default - all ports */
  readonly toPort?: number;
  /** The other side. */
  readonly peer: AwsRulePeer;
  /** Description: which flows the rule serves (in the characters AWS allows, at most 255). */
  readonly description: string;
  /** The plan flows (ids) and platform destinations (`platform:<name>`) the rule serves, sorted. */
  readonly flows: readonly string[];
  /**
   * Tags, keys sorted: `bulkhead.io/managed-by`, `bulkhead.io/network`, `bulkhead.io/workload`,
   * `bulkhead.io/environment` when the environment is named, and on a break-glass rule `bulkhead.io/break-glass` (the grant) and `bulkhead.io/expires-at`
   * (Unix seconds).
   */
  readonly tags: Readonly<Record<string, string>>;
}

/** A customer-managed prefix list (counts as its `maxEntries` against a group's quota). */
export interface AwsPrefixList extends AwsPlacement {
  /** Discriminator. */
  readonly kind: 'ManagedPrefixList';
  /** Stable logical name. */
  readonly key: string;
  /** The list name in AWS. */
  readonly name: string;
  /** `IPv4` or `IPv6`. */
  readonly addressFamily: 'IPv4' | 'IPv6';
  /** Maximum entries. */
  readonly maxEntries: number;
  /** Entries, sorted by CIDR. */
  readonly entries: readonly { readonly cidr: string; readonly description: string }[];
  /** Tags, keys sorted. */
  readonly tags: Readonly<Record<string, string>>;
}

/** Every AWS resource the `aws` layer renders. */
export type AwsResource = AwsSecurityGroup | AwsSecurityGroupRule | AwsPrefixList;
