/**
 * The aws layer's bulk query (`CloudLayer.allowedPairs`, `RuleIndex.allowedPairs`) against the
 * straightforward per-pair evaluation, on random groups, rules, prefix lists, VPC links,
 * explicit endpoints (public, IPv6 only) and address ranges outside every group: the same
 * pairs with the same ports as `allowedPorts` of every pair, which agrees with `explain` on
 * every port sampled.
 */
import * as fc from 'fast-check';
import { Analysis } from '../../../lib/analysis/engine';
import { parseCidr, rangeId } from '../../../lib/analysis/ipv4';
import { loadObjects } from '../../../lib/analysis/loader';
import { CloudEndpointSpec, CloudLayer, CloudPeer, ExternalEndpoint } from '../../../lib/analysis/types';
import { egress, group, ingress, prefixList } from './crossplane';

const GROUPS = ['a', 'b', 'c', 'd'];

function ext(cidr: string): ExternalEndpoint {
  const p = parseCidr(cidr);
  if (p.family !== 'ipv4') throw new Error(cidr);
  return { type: 'external', id: rangeId(p.range[0], p.range[1]), first: p.range[0], last: p.range[1] };
}
const OUTSIDE: readonly ExternalEndpoint[] = ['10.0.1.0/25', '10.0.2.0/24', '192.0.2.0/24', '192.0.2.10/32', '10.2.0.0/16', '0.0.0.0/0', '198.51.100.0/24'].map(ext);

const peerArb = fc.oneof(
  fc.constantFrom(...GROUPS).map((g) => ({ ref: g })),
  fc.constantFrom('10.0.0.0/16', '10.0.1.0/24', '10.0.2.0/25', '0.0.0.0/0', '192.0.2.0/24', '10.2.0.0/16').map((c) => ({ cidrIpv4: c })),
  fc.constantFrom('2001:db8:1::/64', '::/0').map((c) => ({ cidrIpv6: c })),
  fc.constant({ prefixList: 'peers' }),
);
const portsArb = fc.oneof(
  fc.record({ protocol: fc.constant('tcp'), from: fc.integer({ min: 1, max: 100 }), to: fc.integer({ min: 100, max: 200 }) }),
  fc.record({ protocol: fc.constant('udp'), from: fc.integer({ min: 1, max: 200 }) }),
  fc.constant({ protocol: 'icmp', from: 8, to: 0 }),
  fc.constant({ protocol: '-1' }),
);
const ruleArb = fc.record({ dir: fc.constantFrom('in', 'out'), group: fc.constantFrom(...GROUPS), peer: peerArb, ports: portsArb });
type RuleValue = typeof ruleArb extends fc.Arbitrary<infer T> ? T : never;
const placementArb = fc.record({
  // group d may live in a second VPC, linked by peering or a transit gateway, or not at all
  link: fc.constantFrom<'none' | 'peering' | 'transit-gateway' | 'same'>('same', 'none', 'peering', 'transit-gateway'),
  ipv6: fc.boolean(),
});
const explicitArb = fc.array(fc.record({
  address: fc.option(fc.constantFrom('10.0.1.77', '10.0.2.9', '203.0.113.10'), { nil: undefined }),
  ipv6: fc.option(fc.constantFrom('2001:db8:1::77'), { nil: undefined }),
  groups: fc.subarray(['a', 'b', 'c'], { minLength: 1, maxLength: 2 }),
  public: fc.boolean(),
}).filter((e) => e.address !== undefined || e.ipv6 !== undefined), { maxLength: 3 });

function objectsOf(rules: readonly RuleValue[], placement: { link: string; ipv6: boolean }): unknown[] {
  const v6 = (c: string): string[] => (placement.ipv6 ? [c] : []);
  const d = placement.link === 'same'
    ? group('d', { members: ['cloud:prod/d'], memberCidrs: ['10.0.3.0/24'] })
    : group('d', {
      vpc: 'vpc-0b2', vpcCidrs: ['10.2.0.0/16'], memberCidrs: ['10.2.2.0/24'], members: ['cloud:prod/d'],
      ...(placement.link === 'none' ? {} : { links: [`vpc-0a1=${placement.link}`] }),
    });
  return [
    group('a', { members: ['cloud:prod/a', 'cloud:prod/a2'], memberCidrs: ['10.0.1.0/24', ...v6('2001:db8:1::/64')], ...(placement.link === 'same' || placement.link === 'none' ? {} : { links: [`vpc-0b2=${placement.link}`] }) }),
    group('b', { members: ['cloud:prod/b'], memberCidrs: ['10.0.2.0/24'] }),
    group('c', { members: ['cloud:prod/c', 'cloud:prod/a'], memberCidrs: ['10.0.1.0/24'] }),
    d,
    prefixList('peers', ['10.0.2.0/24', '192.0.2.0/25']),
    ...rules.map((r, i) => (r.dir === 'in' ? ingress : egress)(`r${i}`, r.group, r.peer, r.ports)),
  ];
}

function cloudOf(objects: readonly unknown[], explicit: readonly CloudEndpointSpec[]): CloudLayer {
  const an = Analysis.of(loadObjects(objects), { cloudEndpoints: explicit });
  const cloud = an.simulator('aws').cloud;
  if (!cloud) throw new Error('no cloud layer');
  return cloud;
}

/** Every pair the bulk query must report, by the per-pair query. */
function perPair(cloud: CloudLayer, peers: readonly CloudPeer[], family: 'ipv4' | 'ipv6'): Map<string, string> {
  const out = new Map<string, string>();
  peers.forEach((s, i) => peers.forEach((d, j) => {
    if (s.id === d.id || (s.type === 'external' && d.type === 'external')) return;
    const p = cloud.allowedPorts(s, d, family);
    if (!p.isEmpty()) out.set(`${i}>${j}`, p.toString());
  }));
  return out;
}

describe('aws layer: allowedPairs', () => {
  test('equals allowedPorts of every pair, in both families; allowedPorts agrees with explain on sampled ports', () => {
    fc.assert(fc.property(fc.array(ruleArb, { maxLength: 14 }), placementArb, explicitArb, fc.constantFrom(1, 50, 100, 150, 200, 5000), fc.constantFrom<'TCP' | 'UDP' | 'SCTP'>('TCP', 'UDP', 'SCTP'),
      (rules, placement, explicit, port, protocol) => {
        const specs: CloudEndpointSpec[] = explicit.map((e, i) => ({ name: `vm${i}`, ...(e.address ? { address: e.address } : {}), ...(e.ipv6 ? { ipv6: e.ipv6 } : {}), groups: e.groups, ...(e.public ? { public: true } : {}) }));
        const cloud = cloudOf(objectsOf(rules, placement), specs);
        const peers: CloudPeer[] = [...cloud.endpoints, ...OUTSIDE];
        for (const family of ['ipv4', 'ipv6'] as const) {
          const got = new Map<string, string>();
          for (const p of cloud.allowedPairs!(peers, peers, family)) {
            const k = `${p.src}>${p.dst}`;
            expect(got.has(k)).toBe(false);
            expect(p.ports.isEmpty()).toBe(false);
            got.set(k, p.ports.toString());
          }
          expect(got).toEqual(perPair(cloud, peers, family));
        }
        // the per-pair query is the evaluation's own decision, port by port
        for (const s of peers) {
          for (const d of peers) {
            if (s.id === d.id || (s.type === 'external' && d.type === 'external')) continue;
            for (const family of ['ipv4', 'ipv6'] as const) {
              if (family === 'ipv6' && (s.type === 'external' || d.type === 'external')) continue;
              const e = cloud.explain(s, d, { protocol, port, ipFamily: family });
              expect(cloud.allowedPorts(s, d, family).has(protocol, port)).toBe(e.allowed);
            }
          }
        }
      }), { numRuns: 120 });
  });

  test('different source and destination lists: indices into each', () => {
    fc.assert(fc.property(fc.array(ruleArb, { maxLength: 10 }), placementArb, (rules, placement) => {
      const cloud = cloudOf(objectsOf(rules, placement), []);
      const sources: CloudPeer[] = [...OUTSIDE.slice(0, 3), ...cloud.endpoints.slice(1)];
      const destinations: CloudPeer[] = [...cloud.endpoints.slice(0, 3), ...OUTSIDE.slice(2)];
      const got = new Map(cloud.allowedPairs!(sources, destinations).map((p) => [`${p.src}>${p.dst}`, p.ports.toString()]));
      const want = new Map<string, string>();
      sources.forEach((s, i) => destinations.forEach((d, j) => {
        if (s.id === d.id || (s.type === 'external' && d.type === 'external')) return;
        const p = cloud.allowedPorts(s, d);
        if (!p.isEmpty()) want.set(`${i}>${j}`, p.toString());
      }));
      expect(got).toEqual(want);
    }), { numRuns: 100 });
  });

  test('a member reached by group reference only: found through the referencing rule, not by address', () => {
    const cloud = cloudOf([
      group('a', { members: ['cloud:prod/a'], memberCidrs: ['10.0.1.0/24'] }),
      group('b', { members: ['cloud:prod/b'], memberCidrs: ['10.0.2.0/24'] }),
      egress('a-out', 'a', { ref: 'b' }, { from: 443 }),
      ingress('b-in', 'b', { ref: 'a' }, { from: 443 }),
    ], []);
    const peers = cloud.endpoints;
    const pairs = cloud.allowedPairs!(peers, peers);
    expect(pairs.map((p) => `${peers[p.src].id}>${peers[p.dst].id} ${p.ports}`)).toEqual(['cloud:prod/a>cloud:prod/b TCP 443']);
  });
});
