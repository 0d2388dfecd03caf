/**
 * The decoded `aws` layer: security groups placed in their account, region and VPC, their
 * standalone rules, and the prefix lists the rules name. {@link decodeAws} builds it from the
 * Crossplane objects; the evaluation ({@link ./security-group.ts}) reads only this model.
 */
import { SourceRef } from '../../types';
import { AddressRange } from './address';

/** How a VPC reaches another one. */
export interface AwsLink {
  /** The other VPC's id. */
  readonly vpc: string;
  /** The other VPC's region. @default - the same region */
  readonly region?: string;
  /** `peering` (an active VPC peering) or `transit-gateway`. */
  readonly kind: 'peering' | 'transit-gateway';
}

/** A security group, placed. */
export interface AwsGroup {
  /** The object name (`metadata.name`): rules point at it with `securityGroupIdRef`. */
  readonly name: string;
  /** `SecurityGroup <name>`, for explanations. */
  readonly ref: string;
  /** The group id, from `crossplane.io/external-name` (an adopted group). @default - unknown (a group Crossplane creates) */
  readonly id?: string;
  /** The AWS account id. @default - unknown */
  readonly account?: string;
  /** The region. */
  readonly region: string;
  /** The VPC id. */
  readonly vpc: string;
  /** The VPC's CIDRs. */
  readonly vpcCidrs: readonly AddressRange[];
  /** The VPCs its VPC is linked to. */
  readonly links: readonly AwsLink[];
  /** The plan endpoints (keys) whose instances are members, sorted. */
  readonly members: readonly string[];
  /** The member instances' address ranges, as written (sorted). */
  readonly memberCidrs: readonly string[];
  /** The same, parsed. */
  readonly memberRanges: readonly AddressRange[];
  /** The `bulkhead.io/network` label. @default - none */
  readonly network?: string;
  /** Where it was declared. */
  readonly source: SourceRef;
}

/** What a rule matches on the other side of the traffic. */
export type AwsPeer =
  | { readonly kind: 'cidr'; readonly text: string; readonly range: AddressRange }
  | { readonly kind: 'group'; readonly group: string; readonly text: string }
  | { readonly kind: 'prefix-list'; readonly list: string; readonly text: string };

/**
 * A rule's protocol: `all` (`-1`), or an IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6,
 * 132 SCTP, …).
 */
export type AwsProtocol = 'all' | number;

/** A standalone ingress or egress rule. */
export interface AwsRule {
  /** The object name. */
  readonly name: string;
  /** `SecurityGroupIngressRule <name>` or `SecurityGroupEgressRule <name>`. */
  readonly ref: string;
  /** Which traffic it allows: into its group's members, or out of them. */
  readonly direction: 'ingress' | 'egress';
  /** Its group's object name. */
  readonly group: string;
  /** The protocol. */
  readonly protocol: AwsProtocol;
  /** `ipProtocol` as written. */
  readonly protocolText: string;
  /**
   * TCP / UDP: the port range; ICMP / ICMPv6: `[type, code]` with -1 for all. Absent where every
   * port is allowed (`-1`, other protocols, ICMPv6 without a range).
   * @default - every port (or type and code)
   */
  readonly ports?: readonly [number, number];
  /** The other side. */
  readonly peer: AwsPeer;
  /** `description`. @default - none */
  readonly description?: string;
  /** Where it was declared. */
  readonly source: SourceRef;
}

/** A customer-managed prefix list, with the entries of its own and of ManagedPrefixListEntry objects. */
export interface AwsPrefixList {
  /** The object name. */
  readonly name: string;
  /** `ManagedPrefixList <name>`. */
  readonly ref: string;
  /** The list id, from `crossplane.io/external-name`. @default - unknown */
  readonly id?: string;
  /** `IPv4` or `IPv6`. @default - the family of its entries */
  readonly addressFamily?: string;
  /** Its entries. */
  readonly entries: readonly { readonly text: string; readonly range: AddressRange }[];
}

/** The decoded layer. */
export interface AwsModel {
  /** Groups by object name. */
  readonly groups: ReadonlyMap<string, AwsGroup>;
  /** Rules, sorted by object name. */
  readonly rules: readonly AwsRule[];
  /** Prefix lists by object name. */
  readonly prefixLists: ReadonlyMap<string, AwsPrefixList>;
}

/** The IP protocol numbers the evaluation names. */
export const IP_PROTOCOLS = { icmp: 1, tcp: 6, udp: 17, icmpv6: 58, sctp: 132 } as const;
