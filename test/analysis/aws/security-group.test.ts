/**
 * The aws layer's semantics, one row per statement of the AWS documentation (each row cites the
 * statement it encodes), judged through the analysis as a user runs it: Crossplane objects in,
 * explain and connlist out.
 */
import * as fc from 'fast-check';
import { Analysis, AnalysisOptions } from '../../../lib/analysis/engine';
import { formatConnectivity, formatExplanation } from '../../../lib/analysis/format';
import { loadObjects } from '../../../lib/analysis/loader';
import { decodeAws } from '../../../lib/analysis/simulators/aws/decode';
import { RuleIndex } from '../../../lib/analysis/simulators/aws/security-group';
import { Connection } from '../../../lib/analysis/types';
import { egress, erpExample, group, ingress, prefixList, prefixListEntry } from './crossplane';

const analyse = (objects: readonly unknown[], options: AnalysisOptions = {}): Analysis => Analysis.of(loadObjects(objects), options);
const tcp = (port: number, extra: Partial<Connection> = {}): Connection => ({ protocol: 'TCP', port, ...extra });

const A = 'cloud:prod/a';
const B = 'cloud:prod/b';
const pairOf = (aOpts: Parameters<typeof group>[1] = {}, bOpts: Parameters<typeof group>[1] = {}) => [
  group('a', { members: [A], memberCidrs: ['10.0.1.0/24'], ...aOpts }),
  group('b', { members: [B], memberCidrs: ['10.0.2.0/24'], ...bOpts }),
];

interface Row {
  readonly statement: string;
  readonly source: string;
  readonly objects: readonly unknown[];
  readonly from: string;
  readonly to: string;
  readonly conn: Connection;
  readonly allowed: boolean;
  readonly options?: AnalysisOptions;
}

const VPC_RULES = 'https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html';
const PEERING = 'https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html';
const TGW = 'https://aws.amazon.com/blogs/networking-and-content-delivery/introducing-security-group-referencing-for-aws-transit-gateway/';
const IP_PERMISSION = 'https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html';

const ROWS: readonly Row[] = [
  {
    statement: 'stateful: a request allowed out and in is allowed; its responses need no rule (no egress at the destination, no ingress at the source)',
    source: 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-connection-tracking.html',
    objects: [...pairOf(), egress('a-out', 'a', { ref: 'b' }, { from: 443 }), ingress('b-in', 'b', { ref: 'a' }, { from: 443 })],
    from: A, to: B, conn: tcp(443), allowed: true,
  },
  {
    statement: 'stateful, the other way: the response path is no new connection; b opening one to a is denied',
    source: 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-connection-tracking.html',
    objects: [...pairOf(), egress('a-out', 'a', { ref: 'b' }, { from: 443 }), ingress('b-in', 'b', { ref: 'a' }, { from: 443 })],
    from: B, to: A, conn: tcp(443), allowed: false,
  },
  {
    statement: 'allow rules only: without an inbound rule no inbound traffic is allowed',
    source: VPC_RULES,
    objects: [...pairOf(), egress('a-out', 'a', { ref: 'b' }, { from: 443 })],
    from: A, to: B, conn: tcp(443), allowed: false,
  },
  {
    statement: 'a group without outbound rules allows no outbound traffic (groups made by the Terraform-based providers have no default egress)',
    source: VPC_RULES,
    objects: [...pairOf(), ingress('b-in', 'b', { ref: 'a' }, { from: 443 })],
    from: A, to: B, conn: tcp(443), allowed: false,
  },
  {
    statement: 'a referenced group matches the private IP addresses of its members',
    source: VPC_RULES,
    objects: [...pairOf(), egress('a-out', 'a', { ref: 'b' }, { from: 443 }), ingress('b-in', 'b', { ref: 'a' }, { from: 443 })],
    from: 'bastion', to: B, conn: tcp(443), allowed: true,
    options: { cloudEndpoints: [{ name: 'bastion', address: '10.0.9.10', groups: ['a'] }] },
  },
  {
    statement: 'a reference matches private addresses only: traffic from a member\'s public (Elastic) IP address does not match it',
    source: VPC_RULES,
    objects: [...pairOf(), egress('a-out', 'a', { ref: 'b' }, { from: 443 }), ingress('b-in', 'b', { ref: 'a' }, { from: 443 })],
    from: 'eip', to: B, conn: tcp(443), allowed: false,
    options: { cloudEndpoints: [{ name: 'eip', address: '203.0.113.10', groups: ['a'], public: true }] },
  },
  {
    statement: 'a reference matches members only: an instance of the same VPC outside the group does not match',
    source: VPC_RULES,
    objects: [...pairOf(), group('c', { members: ['cloud:prod/c'], memberCidrs: ['10.0.1.0/24'] }), egress('c-out', 'c', { ref: 'b' }, { from: 443 }), ingress('b-in', 'b', { ref: 'a' }, { from: 443 })],
    from: 'cloud:prod/c', to: B, conn: tcp(443), allowed: false,
  },
  {
    statement: 'a peer VPC\'s group can be referenced across an active peering in the same Region',
    source: PEERING,
    objects: [...pairOf({ links: ['vpc-0b2=peering'] }, { vpc: 'vpc-0b2', vpcCidrs: ['10.2.0.0/16'], memberCidrs: ['10.2.2.0/24'], links: ['vpc-0a1=peering'] }),
      egress('a-out', 'a', { ref: 'b' }, { from: 443 }), ingress('b-in', 'b', { ref: 'a' }, { from: 443 })],
    from: A, to: B, conn: tcp(443), allowed: true,
  },
  {
    statement: 'a reference to a group of a VPC that is neither the same nor linked matches nothing',
    source: PEERING,
    objects: [...pairOf({}, { vpc: 'vpc-0b2', vpcCidrs: ['10.2.0.0/16'], memberCidrs: ['10.2.2.0/24'] }),
      egress('a-out', 'a', { ref: 'b' }, { from: 443 }), ingress('b-in', 'b', { ref: 'a' }, { from: 443 })],
    from: A, to: B, conn: tcp(443), allowed: false,
  },
  {
    statement: 'you cannot reference the security group of a peer VPC in a different Region; use its CIDR block',
    source: PEERING,
    objects: [...pairOf({ links: ['vpc-0b2@us-east-1=peering'] }, { vpc: 'vpc-0b2', region: 'us-east-1', vpcCidrs: ['10.2.0.0/16'], memberCidrs: ['10.2.2.0/24'] }),
      egress('a-out', 'a', { ref: 'b' }, { from: 443 }), ingress('b-in', 'b', { ref: 'a' }, { from: 443 }, 'us-east-1')],
    from: A, to: B, conn: tcp(443), allowed: false,
  },
  {
    statement: 'across Regions, the peer VPC\'s CIDR block works where the reference does not',
    source: PEERING,
    objects: [...pairOf({ links: ['vpc-0b2@us-east-1=peering'] }, { vpc: 'vpc-0b2', region: 'us-east-1', vpcCidrs: ['10.2.0.0/16'], memberCidrs: ['10.2.2.0/24'] }),
      egress('a-out', 'a', { cidrIpv4: '10.2.0.0/16' }, { from: 443 }), ingress('b-in', 'b', { cidrIpv4: '10.0.1.0/24' }, { from: 443 }, 'us-east-1')],
    from: A, to: B, conn: tcp(443), allowed: true,
  },
  {
    statement: 'across a transit gateway, inbound rules may reference a group of another attached VPC',
    source: TGW,
    objects: [...pairOf({ links: ['vpc-0b2=transit-gateway'] }, { vpc: 'vpc-0b2', vpcCidrs: ['10.2.0.0/16'], memberCidrs: ['10.2.2.0/24'], links: ['vpc-0a1=transit-gateway'] }),
      egress('a-out', 'a', { cidrIpv4: '10.2.0.0/16' }, { from: 443 }), ingress('b-in', 'b', { ref: 'a' }, { from: 443 })],
    from: A, to: B, conn: tcp(443), allowed: true,
  },
  {
    statement: 'outbound rules referencing a group over a transit gateway are not supported',
    source: TGW,
    objects: [...pairOf({ links: ['vpc-0b2=transit-gateway'] }, { vpc: 'vpc-0b2', vpcCidrs: ['10.2.0.0/16'], memberCidrs: ['10.2.2.0/24'], links: ['vpc-0a1=transit-gateway'] }),
      egress('a-out', 'a', { ref: 'b' }, { from: 443 }), ingress('b-in', 'b', { ref: 'a' }, { from: 443 })],
    from: A, to: B, conn: tcp(443), allowed: false,
  },
  {
    statement: 'protocol -1 means every protocol and every port',
    source: IP_PERMISSION,
    objects: [...pairOf(), egress('a-out', 'a', { ref: 'b' }, { protocol: '-1' }), ingress('b-in', 'b', { ref: 'a' }, { protocol: '-1' })],
    from: A, to: B, conn: { protocol: 'UDP', port: 9999 }, allowed: true,
  },
  {
    statement: 'a protocol number other than tcp, udp, icmp or icmpv6 allows every port of that protocol (SCTP, 132), whatever the range',
    source: IP_PERMISSION,
    objects: [...pairOf(), egress('a-out', 'a', { ref: 'b' }, { protocol: '132' }), ingress('b-in', 'b', { ref: 'a' }, { protocol: '132' })],
    from: A, to: B, conn: { protocol: 'SCTP', port: 3868 }, allowed: true,
  },
  {
    statement: 'a tcp rule allows its port range only',
    source: VPC_RULES,
    objects: [...pairOf(), egress('a-out', 'a', { ref: 'b' }, { from: 8000, to: 8080 }), ingress('b-in', 'b', { ref: 'a' }, { from: 8000, to: 8080 })],
    from: A, to: B, conn: tcp(8081), allowed: false,
  },
  {
    statement: 'a CIDR rule allows the addresses it contains',
    source: VPC_RULES,
    objects: [...pairOf(), egress('a-out', 'a', { cidrIpv4: '10.0.2.0/23' }, { from: 443 }), ingress('b-in', 'b', { cidrIpv4: '10.0.0.0/16' }, { from: 443 })],
    from: A, to: B, conn: tcp(443), allowed: true,
  },
  {
    statement: 'a CIDR rule does not allow an address outside it',
    source: VPC_RULES,
    objects: [...pairOf(), egress('a-out', 'a', { cidrIpv4: '10.0.3.0/24' }, { from: 443 }), ingress('b-in', 'b', { cidrIpv4: '10.0.0.0/16' }, { from: 443 })],
    from: A, to: B, conn: tcp(443), allowed: false,
  },
  {
    statement: 'a prefix list allows the addresses of its entries (ManagedPrefixListEntry objects included)',
    source: 'https://docs.aws.amazon.com/vpc/latest/userguide/managed-prefix-lists.html',
    objects: [...pairOf(), prefixList('peers', ['192.168.0.0/24']), prefixListEntry('peers-b', 'peers', '10.0.2.0/24'),
      egress('a-out', 'a', { prefixList: 'peers' }, { from: 443 }), ingress('b-in', 'b', { ref: 'a' }, { from: 443 })],
    from: A, to: B, conn: tcp(443), allowed: true,
  },
  {
    statement: 'IPv6 separately: an IPv4 CIDR rule does not allow IPv6 traffic',
    source: VPC_RULES,
    objects: [...pairOf({ memberCidrs: ['10.0.1.0/24', '2001:db8:1::/64'] }, { memberCidrs: ['10.0.2.0/24', '2001:db8:2::/64'] }),
      egress('a-out', 'a', { cidrIpv4: '10.0.0.0/16' }, { from: 443 }), ingress('b-in', 'b', { cidrIpv4: '10.0.0.0/16' }, { from: 443 })],
    from: A, to: B, conn: tcp(443, { ipFamily: 'ipv6' }), allowed: false,
  },
  {
    statement: 'IPv6 separately: IPv6 CIDR rules allow IPv6 traffic',
    source: VPC_RULES,
    objects: [...pairOf({ memberCidrs: ['10.0.1.0/24', '2001:db8:1::/64'] }, { memberCidrs: ['10.0.2.0/24', '2001:db8:2::/64'] }),
      egress('a-out', 'a', { cidrIpv6: '2001:db8:2::/64' }, { from: 443 }), ingress('b-in', 'b', { cidrIpv6: '2001:db8:1::/64' }, { from: 443 })],
    from: A, to: B, conn: tcp(443, { ipFamily: 'ipv6' }), allowed: true,
  },
  {
    statement: 'IPv6 separately: IPv6 CIDR rules do not allow IPv4 traffic',
    source: VPC_RULES,
    objects: [...pairOf({ memberCidrs: ['10.0.1.0/24', '2001:db8:1::/64'] }, { memberCidrs: ['10.0.2.0/24', '2001:db8:2::/64'] }),
      egress('a-out', 'a', { cidrIpv6: '2001:db8:2::/64' }, { from: 443 }), ingress('b-in', 'b', { cidrIpv6: '2001:db8:1::/64' }, { from: 443 })],
    from: A, to: B, conn: tcp(443), allowed: false,
  },
  {
    statement: 'the rules of every group of an instance are aggregated',
    source: VPC_RULES,
    objects: [...pairOf(), group('b-extra', { members: [B], memberCidrs: ['10.0.2.0/24'] }), egress('a-out', 'a', { ref: 'b' }, { from: 443 }), ingress('b-extra-in', 'b-extra', { ref: 'a' }, { from: 443 })],
    from: A, to: B, conn: tcp(443), allowed: true,
  },
  {
    statement: 'an address outside every group is not policed on its side; the destination\'s inbound rules decide',
    source: VPC_RULES,
    objects: [...pairOf(), ingress('b-in', 'b', { cidrIpv4: '198.51.100.0/24' }, { from: 443 })],
    from: '198.51.100.7', to: B, conn: tcp(443), allowed: true,
  },
];

describe('aws layer: the AWS documentation, statement by statement', () => {
  test.each(ROWS.map((r) => [r.statement, r] as const))('%s', (_s, row) => {
    expect(row.source).toMatch(/^https:\/\//);
    const a = analyse(row.objects, row.options);
    const e = a.explain(row.from, row.to, row.conn);
    expect(e.layers.map((l) => l.layer)).toEqual(['aws']);
    expect(e.allowed).toBe(row.allowed);
    // connlist agrees with explain on the port (IPv4 rows)
    if (row.conn.ipFamily === undefined && row.from.startsWith('cloud:') && row.to.startsWith('cloud:')) {
      const listed = a.connectivity({ layer: 'aws' }).find((c) => c.src === row.from && c.dst === row.to);
      expect(listed?.ports.has(row.conn.protocol, row.conn.port) ?? false).toBe(row.allowed);
    }
  });
});

describe('aws layer: explain names the group and the rule', () => {
  test('allowed: the egress rule of the source\'s group, the ingress rule of the destination\'s, and connection tracking', () => {
    const a = analyse(erpExample());
    const e = a.explain('cloud:prod/erp', 'cloud:prod/orders-db', tcp(5432));
    expect(e.allowed).toBe(true);
    expect(e.layers[0].reasons.map((r) => [r.effect, r.policy, r.rule])).toEqual([
      ['allow', 'SecurityGroup erp', 'SecurityGroupEgressRule erp-to-orders-db-tcp-5432'],
      ['allow', 'SecurityGroup orders-db', 'SecurityGroupIngressRule orders-db-from-erp-tcp-5432'],
      ['allow', 'connection tracking', undefined],
    ]);
    expect(formatExplanation(e, 'txt')).toBe([
      'cloud:prod/erp => cloud:prod/orders-db : TCP 5432',
      'verdict: ALLOWED',
      'aws: allowed',
      '  allow         SecurityGroup erp SecurityGroupEgressRule erp-to-orders-db-tcp-5432: egress tcp 5432 to SecurityGroup orders-db: cloud:prod/orders-db (10.0.2.131) is a member (its private address)',
      '  allow         SecurityGroup orders-db SecurityGroupIngressRule orders-db-from-erp-tcp-5432: ingress tcp 5432 from SecurityGroup erp: cloud:prod/erp (10.0.1.36) is a member (its private address)',
      '  allow         connection tracking: security groups are stateful: the responses flow back whatever the rules of either side say',
      '',
    ].join('\n'));
  });

  test('denied: no egress rule at the source, no ingress rule at the destination', () => {
    const e = analyse(erpExample()).explain('cloud:prod/orders-db', 'cloud:prod/erp', tcp(5432));
    expect(e.allowed).toBe(false);
    expect(e.layers[0].reasons.map((r) => [r.effect, r.policy])).toEqual([['default-deny', 'SecurityGroup orders-db'], ['default-deny', 'SecurityGroup erp']]);
    expect(e.layers[0].reasons[0].detail).toBe("no egress rule of the source's groups allows TCP 5432 to cloud:prod/erp (10.0.1.36) (groups only allow: what no rule allows is denied)");
    expect(e.layers[0].reasons[1].detail).toBe("no ingress rule of the destination's groups allows TCP 5432 from cloud:prod/orders-db (10.0.2.131) (groups only allow: what no rule allows is denied)");
  });

  test('denied by the destination only: the source\'s egress rule is named, the missing ingress said', () => {
    const e = analyse([...pairOf(), egress('a-out', 'a', { ref: 'b' }, { from: 443 })]).explain(A, B, tcp(443));
    expect(e.layers[0].reasons.map((r) => [r.effect, r.policy, r.rule ?? ''])).toEqual([['allow', 'SecurityGroup a', 'SecurityGroupEgressRule a-out'], ['default-deny', 'SecurityGroup b', '']]);
  });

  test('an outbound reference across a transit gateway is named with why it matches nothing', () => {
    const e = analyse(ROWS.find((r) => r.statement.startsWith('outbound rules referencing'))!.objects).explain(A, B, tcp(443));
    expect(e.layers[0].reasons[0].detail).toMatch(/SecurityGroupEgressRule a-out matches the port but not the peer: SecurityGroup b is in vpc-0b2, reached through a transit gateway: references across a transit gateway work in inbound rules only/);
  });

  test('a cloud endpoint and a Kubernetes workload cannot be explained together', () => {
    const a = analyse([...erpExample(), { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } }]);
    expect(() => a.explain('shop/web', 'cloud:prod/orders-db', tcp(5432))).toThrow(/shop\/web\[Deployment\] is a Kubernetes workload and the other end a cloud endpoint/);
  });
});

describe('aws layer: connlist', () => {
  test('lists the pairs of cloud endpoints and the address ranges, with the ports both sides allow', () => {
    const a = analyse(erpExample());
    expect(formatConnectivity(a.connectivity({ layer: 'aws' }), 'txt')).toBe([
      '10.1.0.0-10.1.255.255[External] => cloud:prod/orders-db : TCP 5432',
      'cloud:prod/erp => 10.0.0.2[External] : UDP 53',
      'cloud:prod/erp => cloud:prod/orders-db : TCP 5432',
      '',
    ].join('\n'));
    // the effective connectivity of an input with the aws layer alone is the same
    expect(a.connectivity()).toEqual(a.connectivity({ layer: 'aws' }));
    expect(a.presentLayers).toEqual(['aws']);
  });

  test('the json form marks cloud endpoints as workloads and ranges as external', () => {
    const rows = JSON.parse(formatConnectivity(analyse(erpExample()).connectivity({ layer: 'aws' }), 'json')) as { src: string; src_type: string; dst_type: string }[];
    expect(rows.map((r) => [r.src, r.src_type, r.dst_type])).toEqual([
      ['10.1.0.0-10.1.255.255[External]', 'external', 'workload'],
      ['cloud:prod/erp', 'workload', 'external'],
      ['cloud:prod/erp', 'workload', 'workload'],
    ]);
  });

  test('member stand-in addresses are deterministic and inside the member CIDRs, away from the addresses AWS reserves', () => {
    const a = analyse(erpExample());
    const b = analyse([...erpExample()].reverse());
    expect(a.cloudEndpoints).toEqual(b.cloudEndpoints);
    expect(a.cloudEndpoints.map((e) => [e.id, e.ipv4, e.ranges])).toEqual([['cloud:prod/erp', '10.0.1.36', ['10.0.1.0/24']], ['cloud:prod/orders-db', '10.0.2.131', ['10.0.2.0/24']]]);
  });

  test('the cluster layers are unchanged by the aws layer: it allows what it does not police', () => {
    const deployment = (name: string): unknown => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'shop' }, spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80 }] }] } } } });
    const k8s = [deployment('web'), deployment('api')];
    const alone = analyse(k8s).connectivity({ layer: 'kubernetes' });
    const mixed = analyse([...k8s, ...erpExample()]);
    expect(mixed.connectivity({ layer: 'kubernetes' })).toEqual(alone);
    const effective = mixed.connectivity();
    expect(effective.filter((c) => !c.src.startsWith('cloud:') && !c.dst.startsWith('cloud:') && !c.src.startsWith('10.1.0.0'))).toEqual(analyse(k8s).connectivity());
    expect(effective.filter((c) => c.src.startsWith('cloud:') || c.dst.startsWith('cloud:'))).toEqual(mixed.connectivity({ layer: 'aws' }));
  });
});

describe('aws layer: ICMP and other protocols, judged by the evaluation itself', () => {
  const index = (objects: readonly unknown[]) => new RuleIndex(decodeAws(loadObjects(objects).objects).model);
  const a = { kind: 'member' as const, groups: ['a'], address: { family: 'ipv4' as const, value: 0x0a000124n }, label: 'a' };
  const b = { kind: 'member' as const, groups: ['b'], address: { family: 'ipv4' as const, value: 0x0a000283n }, label: 'b' };

  test('icmp type 8 code 0 (echo request) allows that message only; -1 / -1 every message (API_IpPermission: fromPort is the type, toPort the code)', () => {
    const idx = index([...pairOf(), egress('a-ping', 'a', { ref: 'b' }, { protocol: 'icmp', from: 8, to: 0 }), ingress('b-icmp', 'b', { ref: 'a' }, { protocol: 'icmp', from: -1, to: -1 })]);
    expect(idx.evaluate(a, b, { family: 'ipv4', protocol: 1, icmp: { type: 8, code: 0 } }).allowed).toBe(true);
    expect(idx.evaluate(a, b, { family: 'ipv4', protocol: 1, icmp: { type: 13, code: 0 } }).allowed).toBe(false);
    // ICMP is not TCP: the connectivity list (TCP, UDP, SCTP) shows nothing
    expect(idx.allowedPorts(a, b, 'ipv4').isEmpty()).toBe(true);
  });

  test('icmpv6 without a range allows every type and code; an icmp rule does not allow icmpv6', () => {
    const idx = index([...pairOf(), egress('a-v6', 'a', { ref: 'b' }, { protocol: 'icmpv6' }), ingress('b-v6', 'b', { ref: 'a' }, { protocol: 'icmpv6' }), egress('a-v4', 'a', { ref: 'b' }, { protocol: 'icmp', from: -1, to: -1 })]);
    expect(idx.evaluate(a, b, { family: 'ipv4', protocol: 58, icmp: { type: 128, code: 0 } }).allowed).toBe(true);
    expect(idx.evaluate(a, b, { family: 'ipv4', protocol: 1, icmp: { type: 8, code: 0 } }).allowed).toBe(false);
  });

  test('-1 allows ICMP and any other protocol number too', () => {
    const idx = index([...pairOf(), egress('a-all', 'a', { ref: 'b' }, { protocol: '-1' }), ingress('b-all', 'b', { ref: 'a' }, { protocol: '-1' })]);
    expect(idx.evaluate(a, b, { family: 'ipv4', protocol: 1, icmp: { type: 8, code: 0 } }).allowed).toBe(true);
    expect(idx.evaluate(a, b, { family: 'ipv4', protocol: 50 }).allowed).toBe(true);
  });
});

describe('aws layer: property', () => {
  const names = ['a', 'b', 'c'];
  const peer = fc.oneof(
    fc.constantFrom(...names).map((g) => ({ ref: g })),
    fc.constantFrom('10.0.0.0/16', '10.0.1.0/24', '10.0.2.0/25', '0.0.0.0/0', '192.0.2.0/24').map((c) => ({ cidrIpv4: c })),
  );
  const ports = fc.oneof(
    fc.record({ protocol: fc.constant('tcp'), from: fc.integer({ min: 1, max: 100 }), to: fc.integer({ min: 100, max: 200 }) }),
    fc.record({ protocol: fc.constant('udp'), from: fc.integer({ min: 1, max: 200 }) }),
    fc.constant({ protocol: '-1' }),
  );
  const rule = fc.record({ dir: fc.constantFrom('in', 'out'), group: fc.constantFrom(...names), peer, ports });

  test('connlist agrees with explain on every port, and an allowed connection has an allowing rule on both policed sides', () => {
    fc.assert(fc.property(fc.array(rule, { maxLength: 12 }), fc.constantFrom(50, 100, 150, 5000), fc.constantFrom<'TCP' | 'UDP'>('TCP', 'UDP'), (rules, port, protocol) => {
      const objects = [
        group('a', { members: ['cloud:prod/a'], memberCidrs: ['10.0.1.0/24'] }),
        group('b', { members: ['cloud:prod/b'], memberCidrs: ['10.0.2.0/24'] }),
        group('c', { members: ['cloud:prod/c', 'cloud:prod/a'], memberCidrs: ['10.0.1.0/24'] }),
        ...rules.map((r, i) => (r.dir === 'in' ? ingress : egress)(`r${i}`, r.group, r.peer, r.ports)),
      ];
      const an = analyse(objects);
      const conns = an.connectivity({ layer: 'aws' });
      const ends = [...an.cloudEndpoints.map((e) => e.id), '192.0.2.10', '10.0.2.200'];
      for (const s of ends) {
        for (const d of ends) {
          if (s === d || (!s.startsWith('cloud:') && !d.startsWith('cloud:'))) continue;
          const e = an.explain(s, d, { protocol, port });
          const reasons = e.layers[0].reasons;
          if (e.allowed) expect(reasons.filter((x) => x.effect === 'allow' || x.effect === 'default-allow').length).toBe(3);
          if (s.startsWith('cloud:') && d.startsWith('cloud:')) {
            const listed = conns.find((c) => c.src === s && c.dst === d);
            expect(listed?.ports.has(protocol, port) ?? false).toBe(e.allowed);
          }
        }
      }
    }), { numRuns: 60 });
  });
});
