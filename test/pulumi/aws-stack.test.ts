/**
 * The aws layer through the Pulumi host's component: the security groups and rules of every
 * network, one AWS provider per account and region (or the user's), and the SecurityGroupPolicy
 * of pods with their own group created in their cluster with the created group's id.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { BulkheadError } from '../../lib/core/errors';
import * as build from '../../lib/plan/build';
import { awsLogicalName } from '../../lib/pulumi/aws';
import { SegmentationStack } from '../../lib/pulumi';
import { groupKey } from '../../lib/targets/aws';
import { base, NOW } from '../plan/declare';
import { assemble, fixtureParts } from '../targets/aws/fixture';
import { recordResources } from '../util/pulumi';

jest.setTimeout(60_000);

const created = recordResources('bulkhead', 'aws-stack');

function fixture() {
  const p = fixtureParts();
  const plan = assemble({ ...p, breakGlass: [], flows: p.flows.filter((f) => f.origin !== 'break-glass'), clusters: p.clusters.map((c) => ({ ...c, layers: [] })) });
  jest.spyOn(build, 'planWithProblems').mockImplementation(() => ({ plan, problems: [] }));
  // the fixture's clusters are the plan's, not constructs of the topology
  return base().topo;
}

beforeEach(() => {
  jest.spyOn(pulumi.log, 'info').mockImplementation(async () => undefined);
  jest.spyOn(pulumi.log, 'warn').mockImplementation(async () => undefined);
});
afterEach(() => jest.restoreAllMocks());

test('the component creates every aws artifact and the pods\' SecurityGroupPolicy with the group id', async () => {
  created.length = 0;
  const topology = fixture();
  const user = new aws.Provider('user-us', { region: 'us-east-1' });
  const stack = new SegmentationStack('shop', { topology, now: NOW, defaultProviders: true, awsProviders: { '111111111111/us-east-1': user } });
  await new Promise((r) => setTimeout(r, 200));
  const artifacts = stack.synthesis.networks.flatMap((n) => n.artifacts.map((a) => a.artifact.resource));
  const awsCreated = created.filter((c) => c.type.startsWith('aws:ec2') || c.type.startsWith('aws:vpc')).map((c) => c.name).sort();
  expect(awsCreated).toEqual(artifacts.map((r) => awsLogicalName('shop', r)).sort());
  expect(created.filter((c) => c.type === 'pulumi:providers:aws').map((c) => c.name).sort()).toEqual(['shop-aws-111111111111-eu-west-1', 'shop-aws-222222222222-eu-west-1', 'user-us']);
  const sgp = created.filter((c) => c.type === 'kubernetes:vpcresources.k8s.aws/v1beta1:SecurityGroupPolicy');
  const orders = artifacts.find((r) => r.key === groupKey('prod-eu', 'orders', 'eks-eu/shop/orders'));
  expect(sgp.map((c) => [c.name, (c.inputs.spec as { securityGroups: { groupIds: string[] } }).securityGroups.groupIds])).toEqual([
    ['shop.eks-eu.SecurityGroupPolicy.shop.bulkhead-orders', [`${awsLogicalName('shop', orders!)}-id`]],
  ]);
  expect(sgp[0].provider).toMatch(/::shop-eks-eu::/);
});

test('an AWS provider keyed by no account and region of the synthesis is an error, before anything is registered', () => {
  created.length = 0;
  const topology = fixture();
  let error: unknown;
  try {
    new SegmentationStack('shop', { topology, now: NOW, defaultProviders: true, awsProviders: { '999999999999/eu-west-1': new aws.Provider('x', {}) } });
  } catch (e) {
    error = e;
  }
  expect(BulkheadError.isBulkheadError(error) && error.problems.map((p) => [p.code, p.path])).toEqual([['BH-PULUMI-AWS-PROVIDER-UNKNOWN', 'shop/awsProviders']]);
});
