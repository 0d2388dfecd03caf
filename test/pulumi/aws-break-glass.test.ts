/**
 * Break-glass security-group rules under Pulumi are revoked at expiry without another
 * deployment: beside each one an EventBridge Scheduler one-time schedule calls
 * `ec2:revokeSecurityGroupIngress` / `revokeSecurityGroupEgress` through the universal target
 * (https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-universal.html) with
 * the group's id and the rule's id, as a role that only EventBridge Scheduler of the account may
 * assume and that may revoke on that group only. Runtime mocks record what the host creates.
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { atExpression, awsLogicalName, awsPartition, breakGlassExpiry, createAwsResources, revokeTargetArn } from '../../lib/pulumi/aws';
import { AwsResource, AwsSecurityGroupRule, planAwsNetwork } from '../../lib/targets/aws';
import { assemble, fixtureParts, ref, tcp } from '../targets/aws/fixture';
import { recordResources } from '../util/pulumi';

jest.setTimeout(60_000);

// the provider computes a rule's id and a role's ARN: the mocks give them
const created = recordResources('bulkhead', 'test', (type, name) => (
  type.startsWith('aws:vpc/securityGroup') ? { securityGroupRuleId: `sgr-${name}` }
    : type === 'aws:iam/role:Role' ? { arn: `arn:aws:iam::111111111111:role/${name}`, name } : {}));

class Parent extends pulumi.ComponentResource {
  constructor(name: string) {
    super('bulkhead:test:Parent', name, {}, {});
  }
}

// the fixture (a grant web → orders-db: an ingress rule at the database), plus a grant erp → partner (an egress rule at the ERP)
const parts = fixtureParts();
const plan = assemble({
  ...parts,
  flows: [...parts.flows, { source: ref.cloud('cloud:prod-eu/erp'), destination: ref.ext('partner'), ports: [tcp(8443)], origin: 'break-glass', breakGlass: 'db-oncall' }],
});
const resources: AwsResource[] = plan.networks.flatMap((n) => planAwsNetwork(plan, n).resources);
const breakGlass = resources.filter((r): r is AwsSecurityGroupRule => (r.kind === 'SecurityGroupIngressRule' || r.kind === 'SecurityGroupEgressRule') && r.tags['bulkhead.io/break-glass'] !== undefined);

beforeAll(async () => {
  const parent = new Parent('shop');
  const eks = new k8s.Provider('eks-eu', { context: 'eks-eu' });
  createAwsResources(resources, { stack: 'shop', parent, kubernetesProvider: (c) => (c === 'eks-eu' ? eks : undefined) });
  await new Promise((r) => setTimeout(r, 300));
});

const ofType = (t: string) => created.filter((c) => c.type === t);
const json = (x: unknown): Record<string, unknown> => JSON.parse(x as string) as Record<string, unknown>;

describe('break-glass rules in the Pulumi host: revoked at expiry by EventBridge Scheduler', () => {
  test('the fixture holds one break-glass rule per direction', () => {
    expect(breakGlass.map((r) => r.kind).sort()).toEqual(['SecurityGroupEgressRule', 'SecurityGroupIngressRule']);
  });

  test('one one-time schedule per break-glass rule, at the grant\'s expiry in UTC, deleted after it ran', () => {
    const schedules = ofType('aws:scheduler/schedule:Schedule');
    expect(schedules.map((s) => s.name).sort()).toEqual(breakGlass.map((r) => `shop.aws.Schedule.${r.key}`).sort());
    for (const s of schedules) {
      expect(s.inputs).toMatchObject({
        scheduleExpression: 'at(2026-11-22T22:00:00)', scheduleExpressionTimezone: 'UTC',
        flexibleTimeWindow: { mode: 'OFF' }, actionAfterCompletion: 'DELETE',
      });
      expect(s.inputs.namePrefix).toMatch(/^bulkhead-[0-9a-f]{8}-$/);
      expect(s.provider).toMatch(/::shop-aws-111111111111-eu-west-1::/); // the rule's account and Region
    }
    expect(atExpression(1795384800)).toBe('at(2026-11-22T22:00:00)');
    for (const r of breakGlass) expect(breakGlassExpiry(r)).toBe(1795384800);
  });

  test('the target revokes exactly that rule: the universal target of its direction, the group id and the rule id', () => {
    for (const r of breakGlass) {
      const s = ofType('aws:scheduler/schedule:Schedule').find((x) => x.name === `shop.aws.Schedule.${r.key}`)!;
      const target = s.inputs.target as { arn: string; roleArn: string; input: string };
      expect(target.arn).toBe(r.kind === 'SecurityGroupIngressRule'
        ? 'arn:aws:scheduler:::aws-sdk:ec2:revokeSecurityGroupIngress'
        : 'arn:aws:scheduler:::aws-sdk:ec2:revokeSecurityGroupEgress');
      const groupLogical = awsLogicalName('shop', resources.find((g) => g.kind === 'SecurityGroup' && g.key === r.group)!);
      expect(json(target.input)).toEqual({ GroupId: `${groupLogical}-id`, SecurityGroupRuleIds: [`sgr-${awsLogicalName('shop', r)}`] });
      expect(target.roleArn).toBe(`arn:aws:iam::111111111111:role/shop.aws.RevokeRole.${r.group}`);
    }
  });

  test('one role per group: only EventBridge Scheduler of the account may assume it, and it may revoke on that group only', () => {
    const groups = [...new Set(breakGlass.map((r) => r.group))].sort();
    const roles = ofType('aws:iam/role:Role');
    expect(roles.map((r) => r.name).sort()).toEqual(groups.map((g) => `shop.aws.RevokeRole.${g}`));
    for (const role of roles) {
      expect(json(role.inputs.assumeRolePolicy)).toEqual({
        Version: '2012-10-17',
        Statement: [{
          Effect: 'Allow', Principal: { Service: 'scheduler.amazonaws.com' }, Action: 'sts:AssumeRole',
          Condition: {
            StringEquals: { 'aws:SourceAccount': '111111111111' },
            ArnLike: { 'aws:SourceArn': 'arn:aws:scheduler:eu-west-1:111111111111:schedule/default/*' },
          },
        }],
      });
    }
    const policies = ofType('aws:iam/rolePolicy:RolePolicy');
    expect(policies.map((p) => p.name).sort()).toEqual(groups.map((g) => `shop.aws.RevokeRolePolicy.${g}`));
    for (const p of policies) {
      const group = p.name.replace('shop.aws.RevokeRolePolicy.', '');
      const groupLogical = awsLogicalName('shop', resources.find((g) => g.kind === 'SecurityGroup' && g.key === group)!);
      expect(json(p.inputs.policy)).toEqual({
        Version: '2012-10-17',
        Statement: [{
          Effect: 'Allow', Action: ['ec2:RevokeSecurityGroupEgress', 'ec2:RevokeSecurityGroupIngress'],
          Resource: `arn:aws:ec2:eu-west-1:111111111111:security-group/${groupLogical}-id`,
        }],
      });
      expect(p.inputs.role).toBe(`shop.aws.RevokeRole.${group}`); // the role's name (computed from its prefix; the mocks give the logical name)
    }
  });

  test('rules of no grant get no schedule', () => {
    const scheduled = new Set(ofType('aws:scheduler/schedule:Schedule').map((s) => s.name));
    for (const r of resources) {
      if (r.kind === 'SecurityGroup' || r.kind === 'ManagedPrefixList' || r.tags['bulkhead.io/break-glass'] !== undefined) continue;
      expect(breakGlassExpiry(r)).toBeUndefined();
      expect(scheduled.has(`shop.aws.Schedule.${r.key}`)).toBe(false);
    }
  });

  test('partitions: the universal target and the ARNs follow the Region\'s partition', () => {
    expect(awsPartition('eu-west-1')).toBe('aws');
    expect(awsPartition('cn-north-1')).toBe('aws-cn');
    expect(awsPartition('us-gov-west-1')).toBe('aws-us-gov');
    expect(revokeTargetArn({ kind: 'SecurityGroupEgressRule', region: 'cn-northwest-1' })).toBe('arn:aws-cn:scheduler:::aws-sdk:ec2:revokeSecurityGroupEgress');
  });
});
