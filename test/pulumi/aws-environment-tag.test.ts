/**
 * The environment tag on the AWS resources of the Pulumi host: when the declaration names its
 * environment, every security group, rule and revoking role carries `bulkhead.io/environment`
 * beside the other Bulkhead tags (as every Kubernetes object carries the environment label);
 * a declaration without a named environment keeps its tags as they were.
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { createAwsResources } from '../../lib/pulumi/aws';
import { AWS_TAGS, AwsResource, planAwsNetwork } from '../../lib/targets/aws';
import { Plan } from '../../lib/plan/types';
import { assemble, fixtureParts, ref, tcp } from '../targets/aws/fixture';
import { recordResources } from '../util/pulumi';

jest.setTimeout(60_000);

const created = recordResources('bulkhead', 'test', (type, name) => (
  type.startsWith('aws:vpc/securityGroup') ? { securityGroupRuleId: `sgr-${name}` }
    : type === 'aws:iam/role:Role' ? { arn: `arn:aws:iam::111111111111:role/${name}`, name } : {}));

class Parent extends pulumi.ComponentResource {
  constructor(name: string) {
    super('bulkhead:test:Parent', name, {}, {});
  }
}

const parts = fixtureParts();
const base = assemble({
  ...parts,
  flows: [...parts.flows, { source: ref.cloud('cloud:prod-eu/erp'), destination: ref.ext('partner'), ports: [tcp(8443)], origin: 'break-glass', breakGlass: 'db-oncall' }],
});
const named: Plan = { ...base, topology: { ...base.topology, environment: 'staging', labelEnvironment: true } };
const resourcesOf = (plan: Plan): AwsResource[] => plan.networks.flatMap((n) => planAwsNetwork(plan, n).resources);

beforeAll(async () => {
  const eks = new k8s.Provider('eks-eu', { context: 'eks-eu' });
  createAwsResources(resourcesOf(named), { stack: 'staging', parent: new Parent('staging'), kubernetesProvider: (c) => (c === 'eks-eu' ? eks : undefined) });
  createAwsResources(resourcesOf(base), { stack: 'plain', parent: new Parent('plain'), kubernetesProvider: (c) => (c === 'eks-eu' ? eks : undefined) });
  await new Promise((r) => setTimeout(r, 300));
});

const TAGGED = ['aws:ec2/securityGroup:SecurityGroup', 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule', 'aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule', 'aws:iam/role:Role'];
// adopted groups are read (`get`), not created: they keep the tags they have
const ofStack = (stack: string) => created.filter((c) => c.name.startsWith(`${stack}.`) && TAGGED.includes(c.type) && c.id === undefined);
const tagsOf = (c: { inputs: Record<string, unknown> }): Record<string, string> => (c.inputs.tags ?? {}) as Record<string, string>;

describe('AWS resources under Pulumi carry the environment tag when the environment is named', () => {
  test('every group, rule and role of a named environment is tagged with it, beside the other Bulkhead tags', () => {
    const mine = ofStack('staging');
    expect(new Set(mine.map((c) => c.type))).toEqual(new Set(TAGGED));
    for (const c of mine) {
      expect(tagsOf(c)).toMatchObject({ [AWS_TAGS.environment]: 'staging', [AWS_TAGS.managedBy]: 'bulkhead' });
      expect(tagsOf(c)[AWS_TAGS.network]).toBeDefined();
    }
  });

  test('the rendered resources carry the tag too (so the Crossplane objects of the manifests host do)', () => {
    for (const r of resourcesOf(named)) expect(r.tags[AWS_TAGS.environment]).toBe('staging');
  });

  test('without a named environment no resource gets the tag, and the other tags are unchanged', () => {
    const plain = ofStack('plain');
    expect(plain.length).toBe(ofStack('staging').length);
    for (const c of plain) expect(tagsOf(c)[AWS_TAGS.environment]).toBeUndefined();
    const strip = (t: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(t).filter(([k]) => k !== AWS_TAGS.environment));
    const byName = new Map(plain.map((c) => [c.name.slice('plain.'.length), tagsOf(c)]));
    for (const c of ofStack('staging')) expect(strip(tagsOf(c))).toEqual(byName.get(c.name.slice('staging.'.length)));
  });
});
