import * as fc from 'fast-check';
import { Cidr } from '../../../lib/core/cidr';
import { AwsPrefixList, AwsSecurityGroupRule, planAwsNetwork, ruleCost, shardRules, validateAwsNetwork } from '../../../lib/targets/aws';
import { PlanExternal } from '../../../lib/plan/types';
import { assemble, cloud, network, ref, tcp, udp } from './fixture';

const QUOTAS = { inboundRulesPerGroup: 60, outboundRulesPerGroup: 60, groupsPerInterface: 5 };

describe('rule costs (what a rule counts against its group)', () => {
  const list: AwsPrefixList = { kind: 'ManagedPrefixList', key: 'pl', name: 'pl', network: 'n', account: '1', region: 'r', addressFamily: 'IPv4', maxEntries: 20, entries: [], tags: {} };
  test.each([
    [{ cidrIpv4: '10.0.0.0/8' }, { ipv4: 1, ipv6: 0 }],
    [{ cidrIpv6: '2001:db8::/32' }, { ipv4: 0, ipv6: 1 }],
    [{ referencedGroup: 'g' }, { ipv4: 1, ipv6: 1 }],
    [{ referencedGroupId: '111111111111/sg-1' }, { ipv4: 1, ipv6: 1 }],
    [{ prefixList: 'pl' }, { ipv4: 20, ipv6: 20 }],
  ])('%j costs %j', (peer, cost) => {
    expect(ruleCost(peer, new Map([['pl', list]]))).toEqual(cost);
  });
});

describe('shardRules', () => {
  const rule = (i: number, direction: 'ingress' | 'egress' = 'ingress') => ({ key: `r${String(i).padStart(3, '0')}`, direction, peer: { cidrIpv4: `10.0.${i}.0/24` } });

  test('within quota: one group', () => {
    const fit = shardRules(Array.from({ length: 60 }, (_, i) => rule(i)), QUOTAS, new Map());
    expect(fit).toMatchObject({ kind: 'fit', groups: 1 });
  });

  test('over quota: first-fit in key order over several groups', () => {
    const fit = shardRules(Array.from({ length: 61 }, (_, i) => rule(i)), QUOTAS, new Map());
    expect(fit.kind).toBe('fit');
    if (fit.kind !== 'fit') return;
    expect(fit.groups).toBe(2);
    expect(fit.assignment.get('r059')).toBe(1);
    expect(fit.assignment.get('r060')).toBe(2);
  });

  test('IPv4 and IPv6 are counted apart; references count against both', () => {
    const v6 = Array.from({ length: 60 }, (_, i) => ({ key: `v6-${i}`, direction: 'ingress' as const, peer: { cidrIpv6: `2001:db8:${i.toString(16)}::/48` } }));
    const v4 = Array.from({ length: 60 }, (_, i) => rule(i));
    expect(shardRules([...v4, ...v6], QUOTAS, new Map())).toMatchObject({ kind: 'fit', groups: 1 });
    expect(shardRules([...v4, ...v6, { key: 'ref', direction: 'ingress', peer: { referencedGroup: 'g' } }], QUOTAS, new Map())).toMatchObject({ kind: 'fit', groups: 2 });
  });

  test('inbound and outbound are counted apart, each within its own quota', () => {
    const rules = [...Array.from({ length: 60 }, (_, i) => rule(i)), ...Array.from({ length: 60 }, (_, i) => rule(i + 100, 'egress'))];
    expect(shardRules(rules, QUOTAS, new Map())).toMatchObject({ kind: 'fit', groups: 1 });
    expect(shardRules(rules, { ...QUOTAS, outboundRulesPerGroup: 30 }, new Map())).toMatchObject({ kind: 'fit', groups: 2 });
  });

  test('more groups than an interface carries: overflow with direction, family, count and quota', () => {
    expect(shardRules(Array.from({ length: 301 }, (_, i) => rule(i, 'egress')), QUOTAS, new Map())).toEqual({
      kind: 'overflow', direction: 'egress', family: 'IPv4', count: 301, quota: 60, groupsPerInterface: 5, groupsNeeded: 6,
    });
  });

  test('a prefix list larger than the quota can never fit', () => {
    const big: AwsPrefixList = { kind: 'ManagedPrefixList', key: 'pl', name: 'pl', network: 'n', account: '1', region: 'r', addressFamily: 'IPv4', maxEntries: 61, entries: [], tags: {} };
    expect(shardRules([{ key: 'a', direction: 'ingress', peer: { prefixList: 'pl' } }], QUOTAS, new Map([['pl', big]]))).toMatchObject({ kind: 'overflow', count: 61, quota: 60 });
  });
});

describe('quotas in the rendered layer', () => {
  const net = network('n', '111111111111', 'eu-west-1', 'vpc-1', ['10.0.0.0/16']);
  const target = cloud('n', 'target', 'vm', ['10.0.0.0/24'], []);

  function plan(cidrs: readonly string[], ports: readonly number[], quotas = QUOTAS) {
    const externals: PlanExternal[] = cidrs.map((c, i) => ({ key: `external:e${i}`, path: `fixture/e${i}`, name: `e${i}`, fqdns: [], cidrs: [c], except: [] }));
    return assemble({
      networks: [{ ...net, quotas }], cloudWorkloads: [target], clusters: [], workloads: [], externals,
      flows: externals.flatMap((e, i) => [{ source: ref.ext(e.name), destination: ref.cloud(target.key), ports: [tcp(ports[i % ports.length])] }]),
    });
  }

  test('130 peers: merged first, then sharded into groups the instances all carry', () => {
    const cidrs = Array.from({ length: 130 }, (_, i) => `198.${Math.floor(i / 2) * 2 + 1}.${i % 2}.0/24`);
    const p = plan(cidrs, [443]);
    const r = planAwsNetwork(p, p.networks[0]);
    expect(r.problems.filter((x) => x.severity === 'error')).toEqual([]);
    const groups = r.resources.filter((x) => x.kind === 'SecurityGroup');
    // pairs of /24 merge into a /23: 65 rules, two groups
    expect(groups.map((g) => (g.kind === 'SecurityGroup' ? [g.shard, g.members] : undefined))).toEqual([
      [{ index: 1, of: 2 }, [target.key]], [{ index: 2, of: 2 }, [target.key]],
    ]);
    const perGroup = new Map<string, number>();
    for (const x of r.resources) if (x.kind === 'SecurityGroupIngressRule') perGroup.set(x.group, (perGroup.get(x.group) ?? 0) + 1);
    expect([...perGroup.values()].sort()).toEqual([5, 60]);
  });

  test('nothing fits: BH-AWS-QUOTA names the workload, the direction, the count and the quota', () => {
    const cidrs = Array.from({ length: 40 }, (_, i) => `198.51.${i * 2}.0/24`);
    const p = plan(cidrs, [443], { inboundRulesPerGroup: 10, outboundRulesPerGroup: 10, groupsPerInterface: 3 });
    expect(validateAwsNetwork(p, p.networks[0])).toEqual([expect.objectContaining({
      code: 'BH-AWS-QUOTA', path: target.path, value: '40 inbound IPv4 rules; quota 10 per group × 3 groups per interface',
    })]);
  });

  test('property: random flows into one workload never produce a group over quota; either the output fits or the quota error is raised', () => {
    const seen = { fit: 0, sharded: 0, error: 0 };
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 63 }), fc.integer({ min: 20, max: 32 }), fc.boolean()), { minLength: 1, maxLength: 80 }),
      fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 6 }),
      fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 5 }),
      (peers, ports, inbound, outbound, groupsPerInterface) => {
        const quotas = { inboundRulesPerGroup: inbound, outboundRulesPerGroup: outbound, groupsPerInterface };
        const externals: PlanExternal[] = peers.map(([n, prefix, v6], i) => {
          const cidr = v6 ? `2001:db8:${n.toString(16)}::/48` : `198.${n}.0.0/${Math.max(prefix, 16)}`;
          return { key: `external:e${i}`, path: `fixture/e${i}`, name: `e${i}`, fqdns: [], cidrs: [cidr], except: [] };
        });
        const p = assemble({
          networks: [{ ...net, quotas, platform: [{ name: 'dns', cidrs: ['10.0.0.2/32'], ports: [udp(53)] }] }],
          cloudWorkloads: [target], clusters: [], workloads: [], externals,
          flows: externals.flatMap((e, i) => [
            { source: ref.ext(e.name), destination: ref.cloud(target.key), ports: [tcp(8000 + ports[i % ports.length])] },
            ...(i % 3 === 0 ? [{ source: ref.cloud(target.key), destination: ref.ext(e.name), ports: [udp(9000 + ports[(i + 1) % ports.length])] }] : []),
          ]),
        });
        const r = planAwsNetwork(p, p.networks[0]);
        const errors = r.problems.filter((x) => x.severity === 'error');
        if (errors.length > 0) {
          expect(errors.map((x) => x.code)).toEqual(['BH-AWS-QUOTA']);
          expect(r.resources).toEqual([]);
          seen.error++;
          return;
        }
        const groups = r.resources.filter((x) => x.kind === 'SecurityGroup');
        if (groups.length > 1) seen.sharded++;
        else seen.fit++;
        expect(groups.length).toBeGreaterThanOrEqual(1);
        expect(groups.length).toBeLessThanOrEqual(groupsPerInterface);
        const count = new Map<string, number>();
        for (const x of r.resources) {
          if (x.kind !== 'SecurityGroupIngressRule' && x.kind !== 'SecurityGroupEgressRule') continue;
          const cost = ruleCost(x.peer, new Map());
          for (const fam of ['ipv4', 'ipv6'] as const) {
            const k = `${x.group}/${x.kind}/${fam}`;
            count.set(k, (count.get(k) ?? 0) + cost[fam]);
          }
        }
        for (const [k, n] of count) expect(n).toBeLessThanOrEqual(k.includes('Ingress') ? inbound : outbound);
        // every flow is still served: each external's CIDR lies inside some ingress rule on its port
        for (const [i, e] of externals.entries()) {
          const port = 8000 + ports[i % ports.length];
          const ok = r.resources.some((x) => x.kind === 'SecurityGroupIngressRule' && (x as AwsSecurityGroupRule).fromPort! <= port && (x as AwsSecurityGroupRule).toPort! >= port
            && contains((x as AwsSecurityGroupRule).peer.cidrIpv4 ?? (x as AwsSecurityGroupRule).peer.cidrIpv6 ?? '', e.cidrs[0]));
          expect(ok).toBe(true);
        }
      },
    ), { numRuns: 150 });
    // the runs reach all three outcomes
    expect(Math.min(seen.fit, seen.sharded, seen.error)).toBeGreaterThan(0);
  });
});

function contains(outer: string, inner: string): boolean {
  return outer !== '' && Cidr.of(outer).contains(Cidr.of(inner));
}
