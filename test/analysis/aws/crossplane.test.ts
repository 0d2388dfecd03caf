/**
 * The hand-written Crossplane fixtures of the aws layer's tests are what a cluster with the
 * upstream CRDs accepts: every object validates against its CRD in ../shared/crds/aws, strictly.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { schemaErrors } from '../../util/schema';
import { egress, erpExample, group, ingress, prefixList, prefixListEntry } from './crossplane';

const FIXTURES = path.join(__dirname, 'fixtures', 'prod');

describe('aws fixtures', () => {
  test('the builders make schema-valid objects', () => {
    const objects = [
      ...erpExample(),
      group('g', { links: ['vpc-0b2@us-east-1=peering'], id: 'sg-0abc', members: ['cloud:prod/g'], memberCidrs: ['10.0.1.0/24', '2001:db8::/64'] }),
      egress('e', 'g', { cidrIpv6: '2001:db8::/64' }, { protocol: 'icmpv6' }),
      ingress('i', 'g', { refId: '444455556666/sg-0abc' }, { protocol: '-1' }),
      ingress('p', 'g', { prefixList: 'pl' }, { protocol: 'udp', from: 53 }),
      prefixList('pl', ['10.9.0.0/16']),
      prefixListEntry('pl-1', 'pl', '10.8.0.0/16'),
    ];
    for (const o of objects) expect(schemaErrors(o as { apiVersion: string; kind: string })).toEqual([]);
  });

  test('the fixture folder is schema-valid', () => {
    const docs = fs.readdirSync(FIXTURES).flatMap((f) => YAML.parseAllDocuments(fs.readFileSync(path.join(FIXTURES, f), 'utf8')).map((d) => d.toJSON() as { apiVersion: string; kind: string }));
    expect(docs.length).toBe(11);
    for (const o of docs) expect(schemaErrors(o)).toEqual([]);
  });
});
