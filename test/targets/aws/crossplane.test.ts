import * as YAML from 'yaml';
import {
  AwsPrefixList, AwsResource, AwsSecurityGroupRule, CrossplaneAwsManifest, CrossplaneSecurityGroup, CrossplaneSecurityGroupRule, groupKey, planAwsNetwork, toCrossplane,
} from '../../../lib/targets/aws';
import { schemaErrors } from '../../util/schema';
import { ADOPTED_LEDGER, awsFixturePlan, net } from './fixture';

const plan = awsFixturePlan();
const resources: AwsResource[] = plan.networks.flatMap((n) => planAwsNetwork(plan, n).resources);
const manifests = toCrossplane(resources);
const ERP = groupKey('prod-eu', 'erp', 'cloud:prod-eu/erp');
const DB = groupKey('prod-eu', 'orders-db', 'cloud:prod-eu/orders-db');
const LEDGER = groupKey('shared-eu', 'ledger', 'cloud:shared-eu/ledger');

const byName = (name: string): CrossplaneAwsManifest => {
  const m = manifests.find((x) => x.metadata.name === name);
  if (!m) throw new Error(`no object ${name}`);
  return m;
};
const isRule = (m: CrossplaneAwsManifest): m is CrossplaneSecurityGroupRule => m.kind === 'SecurityGroupIngressRule' || m.kind === 'SecurityGroupEgressRule';

describe('Crossplane output of the aws layer', () => {
  test('one cluster-scoped ec2.aws.upbound.io/v1beta1 object per resource, named by its key', () => {
    expect(manifests.map((m) => [m.apiVersion, m.kind, m.metadata.name, m.metadata.namespace])).toEqual(
      resources.map((r) => ['ec2.aws.upbound.io/v1beta1', r.kind, r.key, undefined]),
    );
  });

  test('every object validates against the upstream CRD schema (strict: no unknown field)', () => {
    for (const m of manifests) expect(schemaErrors(m)).toEqual([]);
  });

  test('a created group: region, name, description, VPC, tags, provider config, placement annotations and labels', () => {
    expect(byName(ERP)).toEqual({
      apiVersion: 'ec2.aws.upbound.io/v1beta1',
      kind: 'SecurityGroup',
      metadata: {
        name: ERP,
        labels: { 'app.kubernetes.io/managed-by': 'bulkhead', 'bulkhead.io/layer': 'aws', 'bulkhead.io/network': 'prod-eu', 'bulkhead.io/workload': 'erp' },
        annotations: {
          'bulkhead.io/account': '111111111111',
          'bulkhead.io/links': 'vpc-0b@eu-west-1=peering,vpc-0c@us-east-1=transit-gateway,vpc-0d@eu-west-1=transit-gateway',
          'bulkhead.io/member-cidrs': '10.0.1.0/24,10.0.2.0/24',
          'bulkhead.io/members': 'cloud:prod-eu/erp',
          'bulkhead.io/vpc': 'vpc-0a',
          'bulkhead.io/vpc-cidrs': '10.0.0.0/16',
        },
      },
      spec: {
        forProvider: {
          region: 'eu-west-1', name: `bulkhead-${ERP}`, description: 'Bulkhead: VM fleet cloud:prod-eu/erp', vpcId: 'vpc-0a', revokeRulesOnDelete: true,
          tags: { 'bulkhead.io/managed-by': 'bulkhead', 'bulkhead.io/network': 'prod-eu', 'bulkhead.io/workload': 'cloud:prod-eu/erp' },
        },
        providerConfigRef: { name: 'bulkhead-aws-111111111111' },
      },
    });
  });

  test('an adopted group: the external name, observed only (Bulkhead never changes or deletes it)', () => {
    const g = byName(LEDGER) as CrossplaneSecurityGroup;
    expect(g.metadata.annotations?.['crossplane.io/external-name']).toBe(ADOPTED_LEDGER);
    expect(g.spec).toEqual({ forProvider: { region: 'eu-west-1', vpcId: 'vpc-0b' }, managementPolicies: ['Observe'], providerConfigRef: { name: 'bulkhead-aws-222222222222' } });
  });

  test('rules point at their group, and at a referenced group by object name or by account/sg-id', () => {
    const rules = manifests.filter(isRule);
    const ref = rules.find((r) => r.spec.forProvider.securityGroupIdRef.name === DB && r.spec.forProvider.referencedSecurityGroupIdRef?.name === ERP);
    expect(ref?.spec.forProvider).toMatchObject({ region: 'eu-west-1', ipProtocol: 'tcp', fromPort: 5432, toPort: 5432 });
    expect(ref?.kind).toBe('SecurityGroupIngressRule');
    const cross = rules.find((r) => r.spec.forProvider.referencedSecurityGroupId !== undefined);
    expect(cross?.spec.forProvider).toMatchObject({ securityGroupIdRef: { name: ERP }, referencedSecurityGroupId: `222222222222/${ADOPTED_LEDGER}` });
    expect(cross?.kind).toBe('SecurityGroupEgressRule');
    for (const r of rules) {
      const fp = r.spec.forProvider;
      const peers = [fp.cidrIpv4, fp.cidrIpv6, fp.referencedSecurityGroupIdRef, fp.referencedSecurityGroupId, fp.prefixListIdRef].filter((x) => x !== undefined);
      expect(peers).toHaveLength(1);
      expect(r.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'bulkhead', 'bulkhead.io/layer': 'aws' });
    }
  });

  test('a break-glass rule carries the grant and expiry labels the reaper selects on', () => {
    const bg = manifests.filter(isRule).filter((r) => r.metadata.labels?.['bulkhead.io/break-glass']);
    expect(bg.map((r) => r.metadata.labels)).toEqual([{
      'app.kubernetes.io/managed-by': 'bulkhead', 'bulkhead.io/break-glass': 'db-oncall', 'bulkhead.io/expires-at': '1795384800', 'bulkhead.io/layer': 'aws', 'bulkhead.io/network': 'prod-eu',
    }]);
  });

  test('prefix lists and all-protocol rules (hand-made resources) are written as the provider expects, and validate', () => {
    const list: AwsPrefixList = {
      kind: 'ManagedPrefixList', key: 'partners', name: 'bulkhead-partners', network: 'prod-eu', account: '111111111111', region: 'eu-west-1',
      addressFamily: 'IPv4', maxEntries: 4, entries: [{ cidr: '198.51.100.0/24', description: 'partner a' }], tags: { 'bulkhead.io/managed-by': 'bulkhead' },
    };
    const rule: AwsSecurityGroupRule = {
      kind: 'SecurityGroupIngressRule', key: 'all', network: 'prod-eu', account: '111111111111', region: 'eu-west-1', group: ERP, ipProtocol: '-1',
      peer: { prefixList: 'partners' }, description: 'Bulkhead: test', flows: [], tags: {},
    };
    const [l, r] = toCrossplane([list, rule]);
    expect(l.spec.forProvider).toEqual({ region: 'eu-west-1', name: 'bulkhead-partners', addressFamily: 'IPv4', maxEntries: 4, entry: [{ cidr: '198.51.100.0/24', description: 'partner a' }], tags: { 'bulkhead.io/managed-by': 'bulkhead' } });
    expect(r.spec.forProvider).toEqual({ region: 'eu-west-1', securityGroupIdRef: { name: ERP }, ipProtocol: '-1', prefixListIdRef: { name: 'partners' }, description: 'Bulkhead: test', tags: {} });
    expect(schemaErrors(l)).toEqual([]);
    expect(schemaErrors(r)).toEqual([]);
  });

  test('the output is plain data (YAML round trip) and the same for the same plan', () => {
    const again = toCrossplane(plan.networks.flatMap((n) => planAwsNetwork(awsFixturePlan(), n).resources));
    expect(YAML.stringify(again)).toBe(YAML.stringify(manifests));
    expect(YAML.parse(YAML.stringify(manifests))).toEqual(JSON.parse(JSON.stringify(manifests)));
    expect(net(plan, 'prod-eu').name).toBe('prod-eu');
  });
});
