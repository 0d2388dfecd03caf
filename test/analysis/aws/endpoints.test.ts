/** Cloud endpoints: the members the groups name, and the ones given explicitly. */
import { loadObjects } from '../../../lib/analysis/loader';
import { decodeAws } from '../../../lib/analysis/simulators/aws/decode';
import { buildEndpoints } from '../../../lib/analysis/simulators/aws/endpoints';
import { CloudEndpointSpec } from '../../../lib/analysis/types';
import { group } from './crossplane';

const model = decodeAws(loadObjects([
  group('a', { members: ['cloud:prod/a', 'cloud:prod/shared'], memberCidrs: ['10.0.1.0/24', '10.0.9.0/24', '2001:db8:1::/64'] }),
  group('b', { members: ['cloud:prod/shared'], memberCidrs: ['10.0.9.0/26'], id: 'sg-0b' }),
  group('other-vpc', { vpc: 'vpc-0b2', network: 'dr' }),
]).objects).model;
const build = (specs: readonly CloudEndpointSpec[]) => buildEndpoints(model, specs);

describe('cloud endpoints', () => {
  test('a member of several groups stands in from a range every group covers; both families', () => {
    const { endpoints, problems } = build([]);
    expect(problems).toEqual([]);
    const shared = endpoints.find((e) => e.id === 'cloud:prod/shared')!;
    expect(shared.groups).toEqual(['a', 'b']);
    expect(shared.ipv4).toMatch(/^10\.0\.9\.(\d+)$/);
    expect(Number(shared.ipv4!.split('.')[3])).toBeLessThan(64);
    expect(shared.ipv6).toMatch(/^2001:db8:1:/);
    expect(endpoints.map((e) => e.origin)).toEqual(['member', 'member']);
  });

  test('explicit endpoints: groups by name or by id, in one VPC', () => {
    const { endpoints, problems } = build([{ name: 'bastion', address: '10.0.5.10', groups: ['a', 'sg-0b'] }, { name: 'v6', ipv6: '2001:db8:1::10', groups: ['a'], public: true }]);
    expect(problems).toEqual([]);
    expect(endpoints.find((e) => e.id === 'bastion')).toEqual({ type: 'cloud', id: 'bastion', groups: ['a', 'b'], ipv4: '10.0.5.10', ranges: ['10.0.5.10/32'], vpc: 'vpc-0a1', region: 'eu-west-1', account: '111122223333', network: 'prod', origin: 'explicit' });
    expect(endpoints.find((e) => e.id === 'v6')).toMatchObject({ ipv6: '2001:db8:1::10', public: true, ranges: ['2001:db8:1::10/128'] });
  });

  test('every problem of the explicit endpoints at once', () => {
    const { problems } = build([
      { name: 'cloud:prod/a', address: '10.0.5.10', groups: ['a'] },
      { name: 'split', address: '10.0.5.11', groups: ['a', 'other-vpc'] },
      { name: 'net', address: '10.0.5.12', groups: ['a'], network: 'dr' },
      { name: 'bad', address: '10.0.5', ipv6: '10.0.0.1', groups: [] },
      { name: 'none', groups: ['a'] },
    ]);
    expect(problems.map((p) => [p.path, p.message])).toEqual([
      ['cloud endpoint cloud:prod/a, name', 'a member of the groups already has this name'],
      ['cloud endpoint split, groups', "the groups are in 2 VPCs (vpc-0a1, vpc-0b2); a network interface's groups are all in its own VPC"],
      ['cloud endpoint net, network', 'the groups a belong to network prod'],
      ['cloud endpoint bad, address', 'not an IPv4 address'],
      ['cloud endpoint bad, ipv6', 'not an IPv6 address'],
      ['cloud endpoint bad, groups', 'the endpoint names no security group'],
      ['cloud endpoint none, address', 'the endpoint has no address'],
    ]);
    expect(problems.every((p) => p.code === 'BH-AN-AWS-ENDPOINT' && p.severity === 'error')).toBe(true);
  });
});
