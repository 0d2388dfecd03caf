import { BulkheadError } from '../../../lib/core/errors';
import { Protocol } from '../../../lib/core/port';
import {
  AwsResource, AwsSecurityGroup, AwsSecurityGroupRule, awsDescription, cidrSet, groupKey, planAwsNetwork, renderAwsNetwork, validateAwsNetwork,
} from '../../../lib/targets/aws';
import { Plan } from '../../../lib/plan/types';
import { ADOPTED_LEDGER, assemble, awsFixturePlan, cloud, fixtureParts, net, ref, tcp } from './fixture';

const plan = awsFixturePlan();
const prod = planAwsNetwork(plan, net(plan, 'prod-eu'));
const all = (p: Plan): AwsResource[] => p.networks.flatMap((n) => planAwsNetwork(p, n).resources);

const groups = (rs: readonly AwsResource[]) => rs.filter((r): r is AwsSecurityGroup => r.kind === 'SecurityGroup');
const rules = (rs: readonly AwsResource[]) => rs.filter((r): r is AwsSecurityGroupRule => r.kind !== 'SecurityGroup' && r.kind !== 'ManagedPrefixList');
const keyOf = (network: string, name: string, workload: string) => groupKey(network, name, workload);
const ERP = keyOf('prod-eu', 'erp', 'cloud:prod-eu/erp');
const DB = keyOf('prod-eu', 'orders-db', 'cloud:prod-eu/orders-db');
const ORDERS = keyOf('prod-eu', 'orders', 'eks-eu/shop/orders');
const LEDGER = keyOf('shared-eu', 'ledger', 'cloud:shared-eu/ledger');
const BASTION = keyOf('hub-eu', 'bastion', 'cloud:hub-eu/bastion');

/** Rules of a group in one direction, as `proto from-to peer`. */
function summary(rs: readonly AwsResource[], group: string, dir: 'in' | 'out'): string[] {
  const kind = dir === 'in' ? 'SecurityGroupIngressRule' : 'SecurityGroupEgressRule';
  return rules(rs).filter((r) => r.group === group && r.kind === kind)
    .map((r) => `${r.ipProtocol} ${r.fromPort}-${r.toPort} ${Object.entries(r.peer).map(([k, v]) => `${k}=${v}`).join()}`).sort();
}

describe('aws layer: groups', () => {
  test('one group per cloud endpoint of the network: VMs, managed services, pods with their own group', () => {
    expect(groups(prod.resources).map((g) => [g.key, g.members, g.workloadName])).toEqual([
      [ERP, ['cloud:prod-eu/erp'], 'erp'],
      [ORDERS, ['eks-eu/shop/orders'], 'orders'],
      [DB, ['cloud:prod-eu/orders-db'], 'orders-db'],
    ].sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1)));
  });

  test('a group carries where it is, who its members are and their addresses', () => {
    const erp = groups(prod.resources).find((g) => g.key === ERP);
    expect(erp).toMatchObject({
      network: 'prod-eu', account: '111111111111', region: 'eu-west-1', vpcId: 'vpc-0a', vpcCidrs: ['10.0.0.0/16'],
      memberCidrs: ['10.0.1.0/24', '10.0.2.0/24'], name: `bulkhead-${ERP}`,
      tags: { 'bulkhead.io/managed-by': 'bulkhead', 'bulkhead.io/network': 'prod-eu', 'bulkhead.io/workload': 'cloud:prod-eu/erp' },
      links: [
        { vpcId: 'vpc-0b', region: 'eu-west-1', account: '222222222222', kind: 'peering' },
        { vpcId: 'vpc-0c', region: 'us-east-1', account: '111111111111', kind: 'transit-gateway' },
        { vpcId: 'vpc-0d', region: 'eu-west-1', account: '111111111111', kind: 'transit-gateway' },
      ],
    });
    expect(erp?.adoptId).toBeUndefined();
    // pods with their own group: the cluster's pod CIDRs
    expect(groups(prod.resources).find((g) => g.key === ORDERS)?.memberCidrs).toEqual(['10.0.64.0/18']);
  });

  test('an adopted group keeps its id; a link declared on the other side counts', () => {
    const shared = planAwsNetwork(plan, net(plan, 'shared-eu'));
    expect(groups(shared.resources)).toEqual([expect.objectContaining({ key: LEDGER, adoptId: ADOPTED_LEDGER, links: [{ vpcId: 'vpc-0a', region: 'eu-west-1', account: '111111111111', kind: 'peering' }] })]);
  });

  test('keys are DNS labels and group names never start with sg- (AWS reserves it)', () => {
    for (const r of all(plan)) {
      expect(r.key).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(r.key.length).toBeLessThanOrEqual(63);
      if (r.kind === 'SecurityGroup') expect(r.name).not.toMatch(/^sg-/);
    }
    const keys = all(plan).map((r) => r.key);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('aws layer: rules of each flow', () => {
  test('within one VPC: egress at the source group and ingress at the destination group, by reference', () => {
    expect(summary(prod.resources, ERP, 'out')).toContain(`tcp 5432-5432 referencedGroup=${DB}`);
    expect(summary(prod.resources, DB, 'in')).toEqual(expect.arrayContaining([`tcp 5432-5432 referencedGroup=${ERP}`, `tcp 5432-5432 referencedGroup=${ORDERS}`]));
    // pods with their own group take part both ways
    expect(summary(prod.resources, ORDERS, 'in')).toEqual([`tcp 9090-9090 referencedGroup=${ERP}`]);
    expect(summary(prod.resources, ORDERS, 'out')).toContain(`tcp 5432-5432 referencedGroup=${DB}`);
  });

  test('a managed service opens no connections: no egress at all, not even the platform destinations', () => {
    expect(summary(prod.resources, DB, 'out')).toEqual([]);
  });

  test('pods without their own group are addressed by their cluster\'s pod CIDRs, with a warning', () => {
    expect(summary(prod.resources, ERP, 'in')).toContain('tcp 8080-8080 cidrIpv4=10.0.64.0/18');
    expect(prod.problems).toContainEqual(expect.objectContaining({ code: 'BH-AWS-POD-CIDRS', severity: 'warning', path: 'fixture/eks-eu/shop/web' }));
  });

  test('another cloud (a GKE cluster) is addressed by its pod CIDRs', () => {
    expect(summary(prod.resources, ERP, 'in')).toContain('tcp 8080-8080 cidrIpv4=10.60.0.0/14');
    expect(prod.problems).toContainEqual(expect.objectContaining({ code: 'BH-AWS-POD-CIDRS', path: 'fixture/gke-us/analytics/collector' }));
  });

  test('a peering to another account: the id form account/sg-id when the group is adopted, CIDRs when its id is unknown', () => {
    expect(summary(prod.resources, ERP, 'out')).toContain(`tcp 8443-8443 referencedGroupId=222222222222/${ADOPTED_LEDGER}`);
    const shared = planAwsNetwork(plan, net(plan, 'shared-eu'));
    expect(summary(shared.resources, LEDGER, 'in')).toEqual(['tcp 8443-8443 cidrIpv4=10.0.1.0/24', 'tcp 8443-8443 cidrIpv4=10.0.2.0/24']);
    expect(shared.problems).toContainEqual(expect.objectContaining({ code: 'BH-AWS-MEMBER-CIDRS', path: 'fixture/prod-eu/erp', message: expect.stringMatching(/account 111111111111 and its id is not known/) }));
  });

  test('a transit gateway in one Region: references in inbound rules only, CIDRs outbound', () => {
    expect(summary(prod.resources, ERP, 'in')).toContain(`tcp 22-22 referencedGroup=${BASTION}`);
    const hub = planAwsNetwork(plan, net(plan, 'hub-eu'));
    expect(summary(hub.resources, BASTION, 'out')).toEqual(['tcp 22-22 cidrIpv4=10.0.1.0/24', 'tcp 22-22 cidrIpv4=10.0.2.0/24']);
    expect(hub.problems).toContainEqual(expect.objectContaining({ code: 'BH-AWS-MEMBER-CIDRS', message: expect.stringMatching(/inbound rules only/) }));
  });

  test('another Region: CIDRs in both directions', () => {
    expect(summary(prod.resources, ERP, 'in')).toContain('tcp 8080-8080 cidrIpv4=10.2.3.0/24');
    const us = planAwsNetwork(plan, net(plan, 'prod-us'));
    expect(summary(us.resources, keyOf('prod-us', 'reports', 'cloud:prod-us/reports'), 'out')).toEqual(['tcp 8080-8080 cidrIpv4=10.0.1.0/24', 'tcp 8080-8080 cidrIpv4=10.0.2.0/24']);
    expect(prod.problems).toContainEqual(expect.objectContaining({ code: 'BH-AWS-MEMBER-CIDRS', path: 'fixture/prod-us/reports', message: expect.stringMatching(/crosses Regions/) }));
  });

  test('externals: their exact address set (cidrs minus except), ports merged; FQDN-only externals: 0.0.0.0/0 with a warning', () => {
    const out = summary(prod.resources, ERP, 'out');
    expect(out).toContain('tcp 443-444 cidrIpv4=203.0.113.0/25');
    expect(out).toContain('tcp 443-443 cidrIpv4=0.0.0.0/0');
    expect(prod.problems).toContainEqual(expect.objectContaining({ code: 'BH-AWS-FQDN', path: 'fixture/stripe' }));
  });

  test('explicit egress for the network\'s platform destinations on the groups of VM fleets, not of pods', () => {
    const platform = [
      'tcp 53-53 cidrIpv4=10.0.0.2/32', 'udp 53-53 cidrIpv4=10.0.0.2/32', 'tcp 53-53 cidrIpv4=169.254.169.253/32', 'udp 53-53 cidrIpv4=169.254.169.253/32',
      'tcp 80-80 cidrIpv4=169.254.169.254/32', 'udp 123-123 cidrIpv4=169.254.169.123/32',
    ];
    expect(summary(prod.resources, ERP, 'out')).toEqual(expect.arrayContaining(platform));
    // pods with their own group use the cluster's DNS (a platform flow of the plan), not the VPC resolver
    for (const r of platform) expect(summary(prod.resources, ORDERS, 'out')).not.toContain(r);
  });

  test('platform flows of the plan (cluster DNS) are rules too', () => {
    expect(summary(prod.resources, ORDERS, 'out')).toEqual(expect.arrayContaining(['tcp 53-53 cidrIpv4=10.0.64.0/18', 'udp 53-53 cidrIpv4=10.0.64.0/18']));
  });

  test('break-glass rules are separate and tagged with the grant and its expiry', () => {
    const bg = rules(prod.resources).filter((r) => r.tags['bulkhead.io/break-glass']);
    expect(bg).toEqual([expect.objectContaining({
      kind: 'SecurityGroupIngressRule', group: DB, ipProtocol: 'tcp', fromPort: 5432, toPort: 5432, peer: { cidrIpv4: '10.0.64.0/18' },
      tags: expect.objectContaining({ 'bulkhead.io/break-glass': 'db-oncall', 'bulkhead.io/expires-at': '1795384800' }),
    })]);
    // a grant not in force (absent from plan.breakGlass) adds nothing
    const parts = fixtureParts();
    const without = planAwsNetwork(assemble({ ...parts, breakGlass: [] }), net(plan, 'prod-eu'));
    expect(rules(without.resources).filter((r) => r.tags['bulkhead.io/break-glass'])).toEqual([]);
  });

  test('descriptions name the flows, in the characters AWS allows, at most 255', () => {
    const r = rules(prod.resources).find((x) => x.group === ERP && x.peer.cidrIpv4 === '203.0.113.0/25');
    expect(r?.flows).toEqual(['cloud:prod-eu/erp->external:partner#TCP/443', 'cloud:prod-eu/erp->external:partner#TCP/444']);
    expect(r?.description).toBe('Bulkhead: cloud:prod-eu/erp to external:partner#TCP/443, cloud:prod-eu/erp to external:partner#TCP/444');
    for (const x of all(plan)) {
      const d = x.kind === 'ManagedPrefixList' ? '' : x.description;
      expect(d).toMatch(/^[a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]*$/);
      expect(d.length).toBeLessThanOrEqual(255);
    }
    expect(awsDescription('a->b <c>')).toBe('a to b _c_');
  });

  test('many flows in one rule: the description says how many more', () => {
    const parts = fixtureParts();
    const one = assemble({ ...parts, flows: Array.from({ length: 30 }, (_, i) => ({ source: ref.cloud('cloud:prod-eu/erp'), destination: ref.ext('partner'), ports: [tcp(1000 + i)] })) });
    const merged = rules(planAwsNetwork(one, net(one, 'prod-eu')).resources).find((x) => x.peer.cidrIpv4 === '203.0.113.0/25');
    expect(merged).toMatchObject({ fromPort: 1000, toPort: 1029 });
    expect(merged?.flows).toHaveLength(30);
    expect(merged?.description).toMatch(/\(\+\d+ more\)$/);
    expect(merged?.description.length).toBeLessThanOrEqual(255);
  });

  test('adjacent CIDRs of several peers on the same ports merge into one rule', () => {
    const parts = fixtureParts();
    const a = cloud('prod-eu', 'a', 'vm', ['10.0.20.0/25'], []);
    const b = cloud('prod-eu', 'b', 'vm', ['10.0.20.128/25'], []);
    const p = assemble({
      ...parts, cloudWorkloads: [...parts.cloudWorkloads, { ...a, network: 'prod-us', key: 'cloud:prod-us/a' }, { ...b, network: 'prod-us', key: 'cloud:prod-us/b' }],
      flows: [
        { source: ref.cloud('cloud:prod-us/a'), destination: ref.cloud('cloud:prod-eu/erp'), ports: [tcp(8080)] },
        { source: ref.cloud('cloud:prod-us/b'), destination: ref.cloud('cloud:prod-eu/erp'), ports: [tcp(8080)] },
      ],
    });
    expect(summary(planAwsNetwork(p, net(p, 'prod-eu')).resources, ERP, 'in')).toEqual(['tcp 8080-8080 cidrIpv4=10.0.20.0/24']);
  });
});

describe('aws layer: errors', () => {
  test('an SCTP port cannot be matched on its own: BH-AWS-PROTOCOL, and render throws every error', () => {
    const parts = fixtureParts();
    const p = assemble({ ...parts, flows: [{ source: ref.cloud('cloud:prod-eu/erp'), destination: ref.cloud('cloud:prod-eu/orders-db'), ports: [{ protocol: Protocol.SCTP, port: 5000 }], path: 'fixture/sctp' }] });
    expect(validateAwsNetwork(p, net(p, 'prod-eu')).map((x) => [x.code, x.path])).toEqual([['BH-AWS-PROTOCOL', 'fixture/sctp']]);
    expect(() => renderAwsNetwork(p, net(p, 'prod-eu'))).toThrow(BulkheadError);
  });

  test('the fixture renders without errors in every network', () => {
    for (const n of plan.networks) expect(validateAwsNetwork(plan, n)).toEqual([]);
  });
});

describe('aws layer: determinism', () => {
  test('the same plan in another statement order renders byte-identical resources', () => {
    const parts = fixtureParts();
    const rev = assemble({
      networks: [...parts.networks].reverse().map((n) => ({ ...n, links: [...n.links].reverse() })),
      cloudWorkloads: [...parts.cloudWorkloads].reverse(), clusters: [...parts.clusters].reverse(), workloads: [...parts.workloads].reverse(),
      externals: [...parts.externals].reverse(), flows: [...parts.flows].reverse(), platform: parts.platform, breakGlass: parts.breakGlass,
    });
    expect(JSON.stringify(all(rev))).toBe(JSON.stringify(all(plan)));
    expect(JSON.stringify(rev.networks.map((n) => planAwsNetwork(rev, n).problems))).toBe(JSON.stringify(plan.networks.map((n) => planAwsNetwork(plan, n).problems)));
  });

  test('cidrSet: exact covering CIDRs, merged and carved', () => {
    expect(cidrSet(['10.0.0.0/25', '10.0.0.128/25'])).toEqual(['10.0.0.0/24']);
    expect(cidrSet(['10.0.0.0/24'], ['10.0.0.0/26'])).toEqual(['10.0.0.64/26', '10.0.0.128/25']);
    expect(cidrSet(['2001:db8::/32', '10.0.0.0/8'], ['2001:db8::/33'])).toEqual(['10.0.0.0/8', '2001:db8:8000::/33']);
    expect(cidrSet(['10.0.0.1/32', '10.0.0.2/32'])).toEqual(['10.0.0.1/32', '10.0.0.2/32']);
  });
});

describe('aws layer: the rules allow exactly the declared flows between cloud endpoints (AWS semantics)', () => {
  // A flow passes when one of the source's groups allows it out AND one of the destination's
  // groups allows it in (only endpoints with groups are filtered); a CIDR rule matches the
  // address, a reference matches the referenced group's members, `account/sg-id` the group
  // with that id.
  const resources = all(plan);
  const sgs = groups(resources);
  const endpoints = [...plan.cloudWorkloads.map((c) => c.key), 'eks-eu/shop/orders'];
  const groupsOf = (ep: string) => sgs.filter((g) => g.members.includes(ep));
  const addressOf = (ep: string) => (groupsOf(ep)[0]?.memberCidrs[0] ?? '').replace(/\/\d+$/, '');
  const matches = (peer: AwsSecurityGroupRule['peer'], other: string) => {
    if (peer.cidrIpv4) return cidrSet([`${addressOf(other)}/32`], [peer.cidrIpv4]).length === 0;
    if (peer.referencedGroup) return groupsOf(other).some((g) => g.key === peer.referencedGroup);
    if (peer.referencedGroupId) return groupsOf(other).some((g) => `${g.account}/${g.adoptId}` === peer.referencedGroupId);
    return false;
  };
  const allows = (ep: string, other: string, kind: AwsSecurityGroupRule['kind'], port: number) =>
    rules(resources).some((r) => r.kind === kind && groupsOf(ep).some((g) => g.key === r.group) && r.ipProtocol === 'tcp' && (r.fromPort ?? 0) <= port && port <= (r.toPort ?? 65535) && matches(r.peer, other));
  const ports = [22, 5432, 8080, 8443, 9090, 9999];

  test.each(endpoints.flatMap((s) => endpoints.map((d) => [s, d] as const)))('%s -> %s', (src, dst) => {
    for (const port of ports) {
      const declared = plan.flows.some((f) => f.source.key === src && f.destination.key === dst && f.ports.some((p) => p.protocol === Protocol.TCP && p.port <= port && port <= (p.endPort ?? p.port)));
      const out = allows(src, dst, 'SecurityGroupEgressRule', port);
      const inn = allows(dst, src, 'SecurityGroupIngressRule', port);
      expect([port, out && inn]).toEqual([port, declared]);
    }
  });
});

describe('aws layer: partial plans', () => {
  test('a flow whose other side is not in the plan (the declaration has errors) adds nothing and no error', () => {
    const parts = fixtureParts();
    const p = assemble({ ...parts, flows: [...parts.flows, { source: ref.pod('eks-eu/shop/ghost'), destination: ref.cloud('cloud:prod-eu/erp'), ports: [tcp(1)] }] });
    expect(validateAwsNetwork(p, net(p, 'prod-eu'))).toEqual([]);
    expect(JSON.stringify(planAwsNetwork(p, net(p, 'prod-eu')).resources)).toBe(JSON.stringify(prod.resources));
  });

  test('an invalid address in a partial plan is reported, not thrown', () => {
    const parts = fixtureParts();
    const p = assemble({ ...parts, externals: parts.externals.map((e) => (e.name === 'partner' ? { ...e, cidrs: ['10.0.0.1/8'], except: [] } : e)) });
    expect(validateAwsNetwork(p, net(p, 'prod-eu')).map((x) => x.code)).toEqual(['BH-CIDR-HOST-BITS']);
  });
});
