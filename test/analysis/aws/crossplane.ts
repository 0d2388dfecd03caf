/**
 * Hand-written Crossplane `ec2.aws.upbound.io/v1beta1` objects for the aws layer's tests, as a
 * user commits them (the convention the aws renderer writes): every helper returns a plain
 * object, schema-valid against the upstream CRDs (see crossplane.test.ts).
 */
export const API = 'ec2.aws.upbound.io/v1beta1';
export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';

/** Where a group lives and who its members are. */
export interface GroupOptions {
  readonly vpc?: string;
  readonly region?: string;
  readonly account?: string;
  readonly vpcCidrs?: readonly string[];
  readonly links?: readonly string[];
  readonly members?: readonly string[];
  readonly memberCidrs?: readonly string[];
  readonly id?: string;
  readonly network?: string;
}

export function group(name: string, o: GroupOptions = {}): Record<string, unknown> {
  const account = o.account ?? ACCOUNT;
  const annotations: Record<string, string> = {
    'bulkhead.io/account': account,
    'bulkhead.io/vpc': o.vpc ?? 'vpc-0a1',
    'bulkhead.io/vpc-cidrs': (o.vpcCidrs ?? ['10.0.0.0/16']).join(','),
    ...(o.links && o.links.length > 0 ? { 'bulkhead.io/links': o.links.join(',') } : {}),
    ...(o.members ? { 'bulkhead.io/members': o.members.join(' ') } : {}),
    ...(o.memberCidrs ? { 'bulkhead.io/member-cidrs': o.memberCidrs.join(',') } : {}),
    ...(o.id ? { 'crossplane.io/external-name': o.id } : {}),
  };
  return {
    apiVersion: API,
    kind: 'SecurityGroup',
    metadata: { name, labels: labels(o.network, name), annotations },
    spec: {
      forProvider: { region: o.region ?? REGION, name, description: `Bulkhead: ${name}`, vpcId: o.vpc ?? 'vpc-0a1', tags: { 'bulkhead.io/workload': name } },
      providerConfigRef: { name: `bulkhead-aws-${account}` },
    },
  };
}

/** The peer of a rule: exactly one (or, to test the problems, none or several). */
export interface Peer {
  readonly cidrIpv4?: string;
  readonly cidrIpv6?: string;
  readonly ref?: string;
  readonly refId?: string;
  readonly prefixList?: string;
  readonly prefixListId?: string;
}

/** Protocol and ports. */
export interface Ports {
  readonly protocol?: string;
  readonly from?: number;
  readonly to?: number;
}

function rule(kind: string, name: string, groupName: string, peer: Peer, ports: Ports, region: string): Record<string, unknown> {
  const protocol = ports.protocol ?? 'tcp';
  return {
    apiVersion: API,
    kind,
    metadata: { name, labels: labels(undefined) },
    spec: {
      forProvider: {
        region,
        securityGroupIdRef: { name: groupName },
        ipProtocol: protocol,
        ...(ports.from !== undefined ? { fromPort: ports.from } : {}),
        ...(ports.to !== undefined ? { toPort: ports.to } : ports.from !== undefined ? { toPort: ports.from } : {}),
        ...(peer.cidrIpv4 ? { cidrIpv4: peer.cidrIpv4 } : {}),
        ...(peer.cidrIpv6 ? { cidrIpv6: peer.cidrIpv6 } : {}),
        ...(peer.ref ? { referencedSecurityGroupIdRef: { name: peer.ref } } : {}),
        ...(peer.refId ? { referencedSecurityGroupId: peer.refId } : {}),
        ...(peer.prefixList ? { prefixListIdRef: { name: peer.prefixList } } : {}),
        ...(peer.prefixListId ? { prefixListId: peer.prefixListId } : {}),
        description: `Bulkhead: ${name}`,
      },
      providerConfigRef: { name: `bulkhead-aws-${ACCOUNT}` },
    },
  };
}

export function ingress(name: string, groupName: string, peer: Peer, ports: Ports = {}, region: string = REGION): Record<string, unknown> {
  return rule('SecurityGroupIngressRule', name, groupName, peer, ports, region);
}

export function egress(name: string, groupName: string, peer: Peer, ports: Ports = {}, region: string = REGION): Record<string, unknown> {
  return rule('SecurityGroupEgressRule', name, groupName, peer, ports, region);
}

export function prefixList(name: string, cidrs: readonly string[], family: 'IPv4' | 'IPv6' = 'IPv4', id?: string): Record<string, unknown> {
  return {
    apiVersion: API,
    kind: 'ManagedPrefixList',
    metadata: { name, labels: labels(undefined), ...(id ? { annotations: { 'crossplane.io/external-name': id } } : {}) },
    spec: {
      forProvider: { region: REGION, name, addressFamily: family, maxEntries: Math.max(1, cidrs.length), entry: cidrs.map((cidr) => ({ cidr, description: cidr })) },
      providerConfigRef: { name: `bulkhead-aws-${ACCOUNT}` },
    },
  };
}

export function prefixListEntry(name: string, list: string, cidr: string): Record<string, unknown> {
  return {
    apiVersion: API,
    kind: 'ManagedPrefixListEntry',
    metadata: { name, labels: labels(undefined) },
    spec: { forProvider: { region: REGION, prefixListIdRef: { name: list }, cidr, description: cidr }, providerConfigRef: { name: `bulkhead-aws-${ACCOUNT}` } },
  };
}

function labels(network: string | undefined, workload?: string): Record<string, string> {
  return {
    'app.kubernetes.io/managed-by': 'bulkhead',
    'bulkhead.io/network': network ?? 'prod',
    'bulkhead.io/layer': 'aws',
    ...(workload ? { 'bulkhead.io/workload': workload } : {}),
  };
}

/**
 * The ERP example: a VM fleet `erp` calls the database `orders-db` on 5432 (by reference both
 * ways), and the VPC resolver on udp/53; the database admits the cluster's pods (a CIDR) on 5432 too.
 */
export function erpExample(): Record<string, unknown>[] {
  return [
    group('erp', { members: ['cloud:prod/erp'], memberCidrs: ['10.0.1.0/24'] }),
    group('orders-db', { members: ['cloud:prod/orders-db'], memberCidrs: ['10.0.2.0/24'] }),
    egress('erp-to-orders-db-tcp-5432', 'erp', { ref: 'orders-db' }, { from: 5432 }),
    egress('erp-to-dns-udp-53', 'erp', { cidrIpv4: '10.0.0.2/32' }, { protocol: 'udp', from: 53 }),
    ingress('orders-db-from-erp-tcp-5432', 'orders-db', { ref: 'erp' }, { from: 5432 }),
    ingress('orders-db-from-pods-tcp-5432', 'orders-db', { cidrIpv4: '10.1.0.0/16' }, { from: 5432 }),
  ];
}
