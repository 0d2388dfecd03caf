/**
 * The `aws` layer as Crossplane manifests (the Upbound AWS provider, `ec2.aws.upbound.io/v1beta1`),
 * for the manifest hosts (cdk8s, the CLI): one cluster-scoped object per {@link AwsResource},
 * named by its key. Rules point at their group with `securityGroupIdRef`, at a referenced group
 * with `referencedSecurityGroupIdRef` (or `referencedSecurityGroupId: account/sg-id` across
 * accounts), at a prefix list with `prefixListIdRef`. An adopted group carries the
 * `crossplane.io/external-name` annotation and is only observed (`managementPolicies: [Observe]`):
 * Bulkhead adds rules to it and never changes or deletes the group itself.
 *
 * The annotations on a SecurityGroup say where it is (account, VPC, its CIDRs and links) and
 * who its members are, so that the manifests alone can be analysed.
 *
 * @see https://marketplace.upbound.io/providers/upbound/provider-aws-ec2/latest/resources/ec2.aws.upbound.io/SecurityGroup/v1beta1
 */
import { LABELS } from '../../core/names';
import { MANAGED_BY, sortedRecord } from '../common';
import { KubeManifest, ObjectMeta } from '../types';
import { AWS_TAGS } from './render';
import { AwsPrefixList, AwsResource, AwsSecurityGroup, AwsSecurityGroupRule } from './types';

/** The API version of the Crossplane AWS kinds. */
export const CROSSPLANE_EC2_API_VERSION = 'ec2.aws.upbound.io/v1beta1';

import { AWS_ANNOTATIONS } from '../../core/names';
export { AWS_ANNOTATIONS };

/** A reference to another managed resource by its object name. */
export interface CrossplaneRef {
  /** The object name. */
  readonly name: string;
}

/** Fields every Crossplane managed resource of the layer carries. */
interface CrossplaneSpecBase {
  /** The ProviderConfig: `bulkhead-aws-<account>`. */
  readonly providerConfigRef: CrossplaneRef;
  /** `['Observe']` for an adopted group. @default - full management */
  readonly managementPolicies?: readonly string[];
}

/** A Crossplane `SecurityGroup`. */
export interface CrossplaneSecurityGroup extends KubeManifest {
  /** The API version. */
  readonly apiVersion: typeof CROSSPLANE_EC2_API_VERSION;
  /** The kind. */
  readonly kind: 'SecurityGroup';
  /** The spec. */
  readonly spec: CrossplaneSpecBase & {
    /** The group's desired state. */
    readonly forProvider: {
      /** The region. */
      readonly region: string;
      /** The group name. @default - an adopted group keeps its own */
      readonly name?: string;
      /** The group description. @default - an adopted group keeps its own */
      readonly description?: string;
      /** The VPC id. */
      readonly vpcId: string;
      /** Revoke the group's rules before deleting it. @default - not set on an adopted group */
      readonly revokeRulesOnDelete?: boolean;
      /** Tags. @default - an adopted group keeps its own */
      readonly tags?: Readonly<Record<string, string>>;
    };
  };
}

/** A Crossplane `SecurityGroupIngressRule` or `SecurityGroupEgressRule`. */
export interface CrossplaneSecurityGroupRule extends KubeManifest {
  /** The API version. */
  readonly apiVersion: typeof CROSSPLANE_EC2_API_VERSION;
  /** The kind. */
  readonly kind: 'SecurityGroupIngressRule' | 'SecurityGroupEgressRule';
  /** The spec. */
  readonly spec: CrossplaneSpecBase & {
    /** The rule's desired state: exactly one peer field. */
    readonly forProvider: {
      /** The region. */
      readonly region: string;
      /** The group the rule belongs to. */
      readonly securityGroupIdRef: CrossplaneRef;
      /** `tcp`, `udp`, `icmp` or `-1`. */
      readonly ipProtocol: string;
      /** First port. @default - all ports */
      readonly fromPort?: number;
      /** Last port. @default - all ports */
      readonly toPort?: number;
      /** An IPv4 CIDR peer. @default - another peer */
      readonly cidrIpv4?: string;
      /** An IPv6 CIDR peer. @default - another peer */
      readonly cidrIpv6?: string;
      /** A referenced group of the synthesis. @default - another peer */
      readonly referencedSecurityGroupIdRef?: CrossplaneRef;
      /** A referenced group of another account, `account/sg-id`. @default - another peer */
      readonly referencedSecurityGroupId?: string;
      /** A prefix list of the synthesis. @default - another peer */
      readonly prefixListIdRef?: CrossplaneRef;
      /** Which flows the rule serves. */
      readonly description: string;
      /** Tags. */
      readonly tags: Readonly<Record<string, string>>;
    };
  };
}

/** A Crossplane `ManagedPrefixList`. */
export interface CrossplaneManagedPrefixList extends KubeManifest {
  /** The API version. */
  readonly apiVersion: typeof CROSSPLANE_EC2_API_VERSION;
  /** The kind. */
  readonly kind: 'ManagedPrefixList';
  /** The spec. */
  readonly spec: CrossplaneSpecBase & {
    /** The list's desired state. */
    readonly forProvider: {
      /** The region. */
      readonly region: string;
      /** The list name. */
      readonly name: string;
      /** `IPv4` or `IPv6`. */
      readonly addressFamily: string;
      /** Maximum entries. */
      readonly maxEntries: number;
      /** Entries. */
      readonly entry: readonly { readonly cidr: string; readonly description: string }[];
      /** Tags. */
      readonly tags: Readonly<Record<string, string>>;
    };
  };
}

/** Any Crossplane object of the `aws` layer. */
export type CrossplaneAwsManifest = CrossplaneSecurityGroup | CrossplaneSecurityGroupRule | CrossplaneManagedPrefixList;

/** The ProviderConfig name of an account: `bulkhead-aws-<account>`. */
export function providerConfigName(account: string): string {
  return `bulkhead-aws-${account}`;
}

function metadata(r: AwsResource, extraLabels: Record<string, string>, annotations: Record<string, string>): ObjectMeta {
  const a = sortedRecord(annotations);
  return {
    name: r.key,
    labels: sortedRecord({ [LABELS.managedBy]: MANAGED_BY, 'bulkhead.io/network': r.network, [LABELS.layer]: 'aws', ...extraLabels }),
    ...(Object.keys(a).length > 0 ? { annotations: a } : {}),
  };
}

function securityGroup(g: AwsSecurityGroup): CrossplaneSecurityGroup {
  const adopted = g.adoptId !== undefined;
  return {
    apiVersion: CROSSPLANE_EC2_API_VERSION,
    kind: 'SecurityGroup',
    metadata: metadata(g, { [LABELS.workload]: g.workloadName }, {
      [AWS_ANNOTATIONS.account]: g.account,
      [AWS_ANNOTATIONS.vpc]: g.vpcId,
      [AWS_ANNOTATIONS.vpcCidrs]: g.vpcCidrs.join(','),
      [AWS_ANNOTATIONS.links]: g.links.map((l) => `${l.vpcId}@${l.region}=${l.kind}`).join(','),
      [AWS_ANNOTATIONS.members]: g.members.join(' '),
      [AWS_ANNOTATIONS.memberCidrs]: g.memberCidrs.join(','),
      ...(adopted ? { [AWS_ANNOTATIONS.externalName]: g.adoptId } : {}),
    }),
    spec: {
      forProvider: adopted
        ? { region: g.region, vpcId: g.vpcId }
        : { region: g.region, name: g.name, description: g.description, vpcId: g.vpcId, revokeRulesOnDelete: true, tags: g.tags },
      ...(adopted ? { managementPolicies: ['Observe'] } : {}),
      providerConfigRef: { name: providerConfigName(g.account) },
    },
  };
}

function rule(r: AwsSecurityGroupRule): CrossplaneSecurityGroupRule {
  const bg = r.tags[AWS_TAGS.breakGlass];
  const exp = r.tags[AWS_TAGS.expiresAt];
  const p = r.peer;
  return {
    apiVersion: CROSSPLANE_EC2_API_VERSION,
    kind: r.kind,
    metadata: metadata(r, bg !== undefined && exp !== undefined ? { [LABELS.breakGlass]: bg, [LABELS.expiresAt]: exp } : {}, {}),
    spec: {
      forProvider: {
        region: r.region,
        securityGroupIdRef: { name: r.group },
        ipProtocol: r.ipProtocol,
        ...(r.ipProtocol === '-1' || r.fromPort === undefined ? {} : { fromPort: r.fromPort }),
        ...(r.ipProtocol === '-1' || r.toPort === undefined ? {} : { toPort: r.toPort }),
        ...(p.cidrIpv4 !== undefined ? { cidrIpv4: p.cidrIpv4 } : {}),
        ...(p.cidrIpv6 !== undefined ? { cidrIpv6: p.cidrIpv6 } : {}),
        ...(p.referencedGroup !== undefined ? { referencedSecurityGroupIdRef: { name: p.referencedGroup } } : {}),
        ...(p.referencedGroupId !== undefined ? { referencedSecurityGroupId: p.referencedGroupId } : {}),
        ...(p.prefixList !== undefined ? { prefixListIdRef: { name: p.prefixList } } : {}),
        description: r.description,
        tags: r.tags,
      },
      providerConfigRef: { name: providerConfigName(r.account) },
    },
  };
}

function prefixList(l: AwsPrefixList): CrossplaneManagedPrefixList {
  return {
    apiVersion: CROSSPLANE_EC2_API_VERSION,
    kind: 'ManagedPrefixList',
    metadata: metadata(l, {}, {}),
    spec: {
      forProvider: {
        region: l.region, name: l.name, addressFamily: l.addressFamily, maxEntries: l.maxEntries,
        entry: l.entries.map((e) => ({ cidr: e.cidr, description: e.description })), tags: l.tags,
      },
      providerConfigRef: { name: providerConfigName(l.account) },
    },
  };
}

/** One Crossplane object per resource, in the resources' order. */
export function toCrossplane(resources: readonly AwsResource[]): CrossplaneAwsManifest[] {
  return resources.map((r) => (r.kind === 'SecurityGroup' ? securityGroup(r) : r.kind === 'ManagedPrefixList' ? prefixList(r) : rule(r)));
}
