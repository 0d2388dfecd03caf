/** Decoding the Crossplane objects into the aws model, apart from evaluating them. */
import * as fc from 'fast-check';
import { loadObjects } from '../../../lib/analysis/loader';
import { decodeAws, isAwsLayerObject, parseProtocol } from '../../../lib/analysis/simulators/aws/decode';
import { Analysis } from '../../../lib/analysis/engine';
import { API, egress, erpExample, group, ingress, prefixList, prefixListEntry } from './crossplane';

const decode = (objects: readonly unknown[]) => decodeAws(loadObjects(objects).objects);

describe('decodeAws', () => {
  test('groups, rules and prefix lists, placed and resolved by object name', () => {
    const { model, problems } = decode([...erpExample(), prefixList('office', ['198.51.100.0/24']), prefixListEntry('office-2', 'office', '203.0.113.0/24'),
      group('peer', { vpc: 'vpc-0b2', region: 'eu-west-1', links: ['vpc-0a1=peering'], id: 'sg-0abc' })]);
    expect(problems).toEqual([]);
    expect([...model.groups.keys()]).toEqual(['erp', 'orders-db', 'peer']);
    expect(model.groups.get('peer')).toMatchObject({ id: 'sg-0abc', vpc: 'vpc-0b2', account: '111122223333', links: [{ vpc: 'vpc-0a1', kind: 'peering' }], network: 'prod' });
    expect(model.groups.get('erp')).toMatchObject({ members: ['cloud:prod/erp'], memberCidrs: ['10.0.1.0/24'], region: 'eu-west-1' });
    expect(model.rules.map((r) => [r.name, r.direction, r.group, r.protocol, r.ports, r.peer.kind])).toEqual([
      ['erp-to-dns-udp-53', 'egress', 'erp', 17, [53, 53], 'cidr'],
      ['erp-to-orders-db-tcp-5432', 'egress', 'erp', 6, [5432, 5432], 'group'],
      ['orders-db-from-erp-tcp-5432', 'ingress', 'orders-db', 6, [5432, 5432], 'group'],
      ['orders-db-from-pods-tcp-5432', 'ingress', 'orders-db', 6, [5432, 5432], 'cidr'],
    ]);
    expect(model.prefixLists.get('office')?.entries.map((e) => e.text)).toEqual(['198.51.100.0/24', '203.0.113.0/24']);
  });

  test('a field absent from forProvider is read from initProvider (Crossplane merges it at creation)', () => {
    const r = egress('r', 'erp', { ref: 'orders-db' }, { from: 5432 }) as { spec: Record<string, Record<string, unknown>> };
    r.spec.initProvider = { ipProtocol: r.spec.forProvider.ipProtocol, fromPort: 5432, toPort: 5432 };
    delete r.spec.forProvider.ipProtocol;
    delete r.spec.forProvider.fromPort;
    delete r.spec.forProvider.toPort;
    const { model, problems } = decode([...erpExample().slice(0, 2), r]);
    expect(problems).toEqual([]);
    expect(model.rules[0]).toMatchObject({ protocol: 6, ports: [5432, 5432] });
  });

  test('references by id: the group and the referenced group by crossplane.io/external-name, <account>/sg-… across accounts', () => {
    const r = ingress('r', 'x', { refId: '444455556666/sg-0peer' }, { from: 443 }) as { spec: { forProvider: Record<string, unknown> } };
    delete r.spec.forProvider.securityGroupIdRef;
    r.spec.forProvider.securityGroupId = 'sg-0own';
    const { model, problems } = decode([group('own', { id: 'sg-0own' }), group('peer', { id: 'sg-0peer', account: '444455556666' }), r]);
    expect(problems).toEqual([]);
    expect(model.rules[0]).toMatchObject({ group: 'own', peer: { kind: 'group', group: 'peer' } });
  });

  test('protocols: -1, names, numbers', () => {
    expect(['-1', 'tcp', 'UDP', 'icmp', 'icmpv6', '50', '255', '256', 'http', '06'].map(parseProtocol)).toEqual(['all', 6, 17, 1, 58, 50, 255, undefined, undefined, undefined]);
  });

  test('only the ec2.aws.upbound.io kinds are the layer\'s', () => {
    expect(isAwsLayerObject({ apiVersion: API, kind: 'SecurityGroup' })).toBe(true);
    expect(isAwsLayerObject({ apiVersion: 'ec2.services.k8s.aws/v1alpha1', kind: 'SecurityGroup' })).toBe(false);
    expect(isAwsLayerObject({ apiVersion: API, kind: 'VPC' })).toBe(false);
  });

  test('property: the order of the objects changes neither the model nor the connectivity', () => {
    const objects = [...erpExample(), prefixList('office', ['198.51.100.0/24']), ingress('erp-office', 'erp', { prefixList: 'office' }, { from: 22 })];
    const base = Analysis.of(loadObjects(objects)).connectivity({ layer: 'aws' });
    const model = JSON.stringify([...decode(objects).model.groups.values()].map((g) => ({ ...g, source: undefined, memberRanges: undefined, vpcCidrs: undefined })));
    fc.assert(fc.property(fc.shuffledSubarray(objects, { minLength: objects.length, maxLength: objects.length }), (shuffled) => {
      expect(Analysis.of(loadObjects(shuffled)).connectivity({ layer: 'aws' })).toEqual(base);
      expect(JSON.stringify([...decode(shuffled).model.groups.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map((g) => ({ ...g, source: undefined, memberRanges: undefined, vpcCidrs: undefined })))).toBe(model);
    }), { numRuns: 30 });
  });
});
