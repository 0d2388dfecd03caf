import * as aws from '@pulumi/aws';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { awsLogicalName, awsResourcesWaiting, createAwsResources } from '../../lib/pulumi/aws';
import { AwsResource, CrossplaneSecurityGroupRule, planAwsNetwork, toCrossplane } from '../../lib/targets/aws';
import { awsFixturePlan } from '../targets/aws/fixture';
import { recordResources, settle } from '../util/pulumi';

jest.setTimeout(60_000);

const created = recordResources('bulkhead', 'test');

class Parent extends pulumi.ComponentResource {
  constructor(name: string) {
    super('bulkhead:test:Parent', name, {}, {});
  }
}

const plan = awsFixturePlan();
const renders = plan.networks.map((n) => planAwsNetwork(plan, n));
const resources: AwsResource[] = renders.flatMap((r) => r.resources);
const crossplaneRules = toCrossplane(resources).filter((m): m is CrossplaneSecurityGroupRule => m.kind !== 'SecurityGroup' && m.kind !== 'ManagedPrefixList');

let out: ReturnType<typeof createAwsResources>;
let userProvider: aws.Provider;

beforeAll(async () => {
  const parent = new Parent('shop');
  userProvider = new aws.Provider('user-prod-us', { region: 'us-east-1', allowedAccountIds: ['111111111111'] });
  const eks = new k8s.Provider('eks-eu', { context: 'eks-eu' });
  out = createAwsResources(resources, { stack: 'shop', parent, providers: { '111111111111/us-east-1': userProvider }, kubernetesProvider: (c) => (c === 'eks-eu' ? eks : undefined) });
  await Promise.all(Object.values(out.groups).map((g) => settle(g.id)));
  await new Promise((r) => setTimeout(r, 100));
});

const ofType = (t: string) => created.filter((c) => c.type === t);

/** A rule as `kind group proto from-to peer`, where the peer is a CIDR, a group key or an account/sg-id. */
function fromCrossplane(r: CrossplaneSecurityGroupRule): string {
  const fp = r.spec.forProvider;
  const peer = fp.cidrIpv4 ?? fp.cidrIpv6 ?? fp.referencedSecurityGroupIdRef?.name ?? fp.referencedSecurityGroupId ?? fp.prefixListIdRef?.name;
  return `${r.kind} ${fp.securityGroupIdRef.name} ${fp.ipProtocol} ${fp.fromPort}-${fp.toPort} ${peer} ${fp.description}`;
}

describe('aws layer in the Pulumi host', () => {
  test('one explicit provider per account and region, pinned to the account; a user-supplied one is used as given', () => {
    const providers = ofType('pulumi:providers:aws').map((p) => [p.name, p.inputs.region, p.inputs.allowedAccountIds]).sort();
    expect(providers).toEqual([
      ['shop-aws-111111111111-eu-west-1', 'eu-west-1', JSON.stringify(['111111111111'])],
      ['shop-aws-222222222222-eu-west-1', 'eu-west-1', JSON.stringify(['222222222222'])],
      ['user-prod-us', 'us-east-1', JSON.stringify(['111111111111'])],
    ].sort()); // provider inputs reach the engine JSON-encoded
    expect(out.providers['111111111111/us-east-1']).toBe(userProvider);
    // every AWS resource names a provider: none falls back to the ambient default provider
    for (const c of created.filter((x) => x.type.startsWith('aws:'))) expect(c.provider).toMatch(/^urn:pulumi:.*::(shop-aws-\d+-[a-z0-9-]+|user-prod-us)::/);
  });

  test('groups without inline rules; the adopted group is read, not created', () => {
    const groups = ofType('aws:ec2/securityGroup:SecurityGroup');
    const createdGroups = resources.filter((r) => r.kind === 'SecurityGroup' && !r.adoptId);
    expect(groups.filter((g) => !g.id).map((g) => g.name).sort()).toEqual(createdGroups.map((g) => awsLogicalName('shop', g)).sort());
    for (const g of groups.filter((x) => !x.id)) {
      expect(g.inputs.ingress).toBeUndefined();
      expect(g.inputs.egress).toBeUndefined();
      expect(g.inputs.revokeRulesOnDelete).toBe(true);
    }
    expect(groups.filter((g) => g.id).map((g) => g.id)).toEqual(['sg-0123456789abcdef0']);
  });

  test('the Pulumi host creates exactly the rules of the Crossplane output: same count, same group, peer, ports, protocol and description per rule', () => {
    const keyOfLogical = new Map(resources.map((r) => [awsLogicalName('shop', r), r.key]));
    const groupIdToKey = new Map(Object.entries(out.groups).map(([k]) => [`${awsLogicalName('shop', resources.find((r) => r.key === k) as AwsResource)}-id`, k]));
    groupIdToKey.set('sg-0123456789abcdef0', resources.find((r) => r.kind === 'SecurityGroup' && r.adoptId)?.key ?? '');
    const pulumiRules = [...ofType('aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule'), ...ofType('aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule')].map((c) => {
      const i = c.inputs as Record<string, string | number | undefined>;
      const refId = i.referencedSecurityGroupId as string | undefined;
      const peer = i.cidrIpv4 ?? i.cidrIpv6 ?? (refId && groupIdToKey.has(refId) ? groupIdToKey.get(refId) : refId) ?? i.prefixListId;
      const kind = c.type.endsWith('IngressRule') ? 'SecurityGroupIngressRule' : 'SecurityGroupEgressRule';
      expect(keyOfLogical.has(c.name)).toBe(true);
      return `${kind} ${groupIdToKey.get(i.securityGroupId as string)} ${i.ipProtocol} ${i.fromPort}-${i.toPort} ${peer} ${i.description}`;
    }).sort();
    expect(pulumiRules).toHaveLength(crossplaneRules.length);
    expect(pulumiRules).toEqual(crossplaneRules.map(fromCrossplane).sort());
  });

  test('logical names derive from the resource keys', () => {
    const aws = created.filter((c) => c.type.startsWith('aws:ec2') || c.type.startsWith('aws:vpc')).map((c) => c.name).sort();
    expect(aws).toEqual(resources.map((r) => awsLogicalName('shop', r)).sort());
  });

  test('the SecurityGroupPolicy names the created group by its id output, in the pods\' cluster', () => {
    const sgp = created.filter((c) => c.type === 'kubernetes:vpcresources.k8s.aws/v1beta1:SecurityGroupPolicy');
    expect(sgp.map((c) => c.name)).toEqual(['shop.eks-eu.SecurityGroupPolicy.shop.bulkhead-orders']);
    const groupLogical = awsLogicalName('shop', resources.find((r) => r.kind === 'SecurityGroup' && r.members.includes('eks-eu/shop/orders')) as AwsResource);
    expect((sgp[0].inputs.spec as { securityGroups: { groupIds: string[] } }).securityGroups.groupIds).toEqual([`${groupLogical}-id`]);
    expect(sgp[0].provider).toMatch(/::eks-eu::/);
  });

  test('one call per network (in any order) creates the same resources: a rule waits for the group of a network not created yet', async () => {
    const parent = new Parent('per-network');
    const before = created.length;
    const names: string[] = [];
    const order = [...renders].reverse();
    for (const r of order) {
      names.push(...Object.keys(createAwsResources(r.resources, { stack: 'shop', parent, providers: { '111111111111/us-east-1': userProvider } }).resources));
    }
    expect(awsResourcesWaiting(parent)).toEqual([]);
    // the resources, and beside each break-glass rule its revocation at expiry (see aws-break-glass.test.ts)
    const revocation = /^shop\.aws\.(Schedule|RevokeRole|RevokeRolePolicy)\./;
    expect(names.filter((n) => !revocation.test(n)).sort()).toEqual(resources.map((x) => awsLogicalName('shop', x)).sort());
    const breakGlass = resources.filter((r) => r.kind !== 'SecurityGroup' && r.kind !== 'ManagedPrefixList' && r.tags['bulkhead.io/break-glass']);
    expect(names.filter((n) => n.startsWith('shop.aws.Schedule.')).sort()).toEqual(breakGlass.map((r) => `shop.aws.Schedule.${r.key}`).sort());
    await new Promise((r) => setTimeout(r, 200));
    // providers are made once per account and region, not once per network
    expect(created.slice(before).filter((c) => c.type === 'pulumi:providers:aws')).toHaveLength(2);
  });
});
