/**
 * The multi-cloud example's Pulumi program under the Pulumi mocks: it creates every object of
 * every cluster through that cluster's provider, and every security group and rule of the AWS
 * network through one AWS provider for the account and Region.
 */
import * as pulumi from '@pulumi/pulumi';
import { declareMultiCloud, MULTI_CLOUD_ACCOUNT } from '../../examples/multi-cloud/declaration';
import { logicalName } from '../../lib/pulumi';
import { awsLogicalName } from '../../lib/pulumi/aws';
import { synthesize } from '../../lib';
import { canonical, recordResources, settle } from '../util/pulumi';

jest.setTimeout(120_000);

// Mocks must be in place before any resource is created (otherwise outputs never resolve).
const created = recordResources('bulkhead-multi-cloud');

describe('the multi-cloud Pulumi program', () => {
  const expected = synthesize(declareMultiCloud(undefined).topology);
  let counts: Record<string, number> = {};

  beforeAll(async () => {
    jest.spyOn(pulumi.log, 'info').mockImplementation(async () => undefined);
    jest.spyOn(pulumi.log, 'warn').mockImplementation(async () => undefined);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require('../../examples/multi-cloud/pulumi/index') as { objectCounts: pulumi.Output<Record<string, number>> };
    counts = await settle(program.objectCounts);
    await new Promise((r) => setTimeout(r, 200));
  });
  afterAll(() => jest.restoreAllMocks());

  test('one Kubernetes provider per cluster, and one AWS provider for the account and Region, pinned to the account', () => {
    expect(created.filter((c) => c.type === 'pulumi:providers:kubernetes').map((c) => c.name).sort()).toEqual(['aks-support', 'eks-orders', 'gke-analytics']);
    const aws = created.filter((c) => c.type === 'pulumi:providers:aws');
    expect(aws.map((c) => c.name)).toEqual([`multi-aws-${MULTI_CLOUD_ACCOUNT}-eu-west-1`]);
    expect(aws[0].inputs).toMatchObject({ region: 'eu-west-1' });
    expect(JSON.stringify(aws[0].inputs.allowedAccountIds)).toContain(MULTI_CLOUD_ACCOUNT);
  });

  test('creates exactly the objects of every cluster, each through its cluster\'s provider', () => {
    const want = new Map<string, unknown>();
    for (const c of expected.clusters) for (const m of c.manifests) want.set(logicalName('multi', c.cluster.name, m), canonical(m));
    const got = created.filter((c) => c.type.startsWith('kubernetes:'));
    expect(got.map((c) => c.name).sort()).toEqual([...want.keys()].sort());
    for (const c of got) {
      expect({ name: c.name, obj: canonical(c.inputs) }).toEqual({ name: c.name, obj: want.get(c.name) });
      expect(c.provider).toContain(`::${c.name.split('.')[1]}::`);
    }
    expect(Object.keys(counts).length).toBeGreaterThan(0);
  });

  test('creates exactly the security groups and standalone rules of the network, through the AWS provider', () => {
    const resources = expected.networks.flatMap((n) => n.artifacts.flatMap((a) => (a.artifact.type === 'aws' ? [a.artifact.resource] : [])));
    const got = created.filter((c) => c.type.startsWith('aws:') && !c.type.startsWith('pulumi:'));
    expect(got.map((c) => c.name).sort()).toEqual(resources.map((r) => awsLogicalName('multi', r)).sort());
    expect(got.map((c) => c.type).sort()).toEqual([
      'aws:ec2/securityGroup:SecurityGroup', 'aws:ec2/securityGroup:SecurityGroup',
      ...Array(8).fill('aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule'),
      'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule', 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule',
    ]);
    for (const c of got) expect(c.provider).toContain(`::multi-aws-${MULTI_CLOUD_ACCOUNT}-eu-west-1::`);
    // the ERP's ingress: the orders pods' range on 443
    const ingress = got.filter((c) => c.type.endsWith('SecurityGroupIngressRule')).map((c) => c.inputs);
    expect(ingress).toEqual(expect.arrayContaining([expect.objectContaining({ ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '10.20.0.0/16' })]));
  });
});
