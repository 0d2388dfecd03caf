/**
 * A network layer through the Pulumi host (runtime mocks): its cloud artifacts go to the
 * host's mapping of their type (CLOUD_RESOURCE_HOSTS), once per network and type, before any
 * Kubernetes object; the objects it places into a cluster are created with that cluster's
 * provider like every other object.
 */
import * as pulumi from '@pulumi/pulumi';
import { LAYER_DEFINITIONS } from '../../lib/layers/registry';
import { CLOUD_RESOURCE_HOSTS, CloudResourceContext, logicalName, SegmentationStack } from '../../lib/pulumi';
import { AwsArtifact } from '../../lib/targets/types';
import { Port } from '../../lib/core/port';
import { base, NOW } from '../plan/declare';
import { network, testNetworkLayer, withNetworks } from './network-layer';
import { recordResources, settle } from '../util/pulumi';

// Synthesis and the mock monitor take seconds on a busy machine.
jest.setTimeout(60_000);

const created = recordResources('bulkhead', 'layers');

/** A stand-in for a cloud resource. */
class FakeGroup extends pulumi.CustomResource {
  constructor(name: string, props: pulumi.Inputs, opts: pulumi.CustomResourceOptions) {
    super('test:aws:SecurityGroup', name, props, opts);
  }
}

beforeEach(() => {
  jest.spyOn(pulumi.log, 'info').mockImplementation(async () => undefined);
});

// the built-in mapping of the aws artifact type, put back after each test that replaces it
const BUILT_IN_AWS = CLOUD_RESOURCE_HOSTS.aws;

afterEach(() => {
  jest.restoreAllMocks();
  CLOUD_RESOURCE_HOSTS.aws = BUILT_IN_AWS;
});

test('the cloud artifacts of a network go to the mapping of their type; placed objects to the cluster provider', async () => {
  created.length = 0;
  const calls: { keys: string[]; context: CloudResourceContext }[] = [];
  CLOUD_RESOURCE_HOSTS.aws = (artifacts: readonly AwsArtifact[], context) => {
    calls.push({ keys: artifacts.map((a) => a.resource.key), context });
    const groups = new Map(artifacts.map((a) => {
      const name = `${context.stack}.${context.network.name}.${a.resource.kind}.${a.resource.key}`;
      return [a.resource.key, { name, group: new FakeGroup(name, { vpcId: a.resource.kind === 'SecurityGroup' ? a.resource.vpcId : '' }, { parent: context.parent }) }];
    }));
    return {
      resources: Object.fromEntries([...groups.values()].map((g) => [g.name, g.group])),
      // a SecurityGroupPolicy gets the id of the group created for its workload
      objectInputs: (m, cluster) => {
        if (m.kind !== 'SecurityGroupPolicy') return undefined;
        const g = groups.get(`${context.network.name}-${cluster}-${m.metadata.name.replace(/-sg$/, '')}`);
        return g ? { ...m, spec: { ...(m as unknown as { spec: object }).spec, securityGroups: { groupIds: [g.group.id] } } } : undefined;
      },
    };
  };
  withNetworks([network('vpc-a')], { eks: 'vpc-a' });
  const b = base();
  b.web.allowFrom(b.cart, Port.tcp(8080));
  const stack = new SegmentationStack('shop', { topology: b.topo, now: NOW, defaultProviders: true, layers: [...LAYER_DEFINITIONS, testNetworkLayer()] });
  await settle(stack.objectCounts);
  await new Promise((r) => setTimeout(r, 50));

  expect(calls.map((c) => [c.keys, c.context.stack, c.context.network.name])).toEqual([[['vpc-a-eks-cart', 'vpc-a-eks-web'], 'shop', 'vpc-a']]);
  expect(created.filter((c) => c.type === 'test:aws:SecurityGroup').map((c) => c.name).sort()).toEqual(['shop.vpc-a.SecurityGroup.vpc-a-eks-cart', 'shop.vpc-a.SecurityGroup.vpc-a-eks-web']);
  expect(Object.keys(stack.resources)).toEqual(expect.arrayContaining(['shop.vpc-a.SecurityGroup.vpc-a-eks-cart']));
  // the SecurityGroupPolicies are Kubernetes objects of the cluster, with its provider
  const sgps = stack.synthesis.clusters[0].manifests.filter((m) => m.kind === 'SecurityGroupPolicy');
  expect(sgps).toHaveLength(2);
  for (const m of sgps) {
    const c = created.find((x) => x.name === logicalName('shop', 'eks', m));
    expect(c?.type).toBe('kubernetes:vpcresources.k8s.aws/v1beta1:SecurityGroupPolicy');
    expect(c?.provider).toMatch(/shop-eks/);
    // the id of the created group, through the host's objectInputs
    expect((c?.inputs.spec as { securityGroups: { groupIds: string[] } }).securityGroups.groupIds).toEqual([`shop.vpc-a.SecurityGroup.vpc-a-eks-${m.metadata.name.replace(/-sg$/, '')}-id`]);
  }
  // the other objects are created as rendered
  const np = stack.synthesis.clusters[0].manifests.find((m) => m.kind === 'NetworkPolicy')!;
  expect(created.find((x) => x.name === logicalName('shop', 'eks', np))?.inputs.spec).toBeDefined();
  const counts = await settle(stack.objectCounts);
  expect(counts.eks).toBe(stack.synthesis.clusters[0].manifests.length);
});

test('without networks the Pulumi host asks no cloud mapping', () => {
  const host = jest.fn();
  CLOUD_RESOURCE_HOSTS.aws = host;
  const stack = new SegmentationStack('plain', { topology: base().topo, now: NOW, defaultProviders: true, layers: [...LAYER_DEFINITIONS, testNetworkLayer()] });
  expect(stack.synthesis.networks).toEqual([]);
  expect(host).not.toHaveBeenCalled();
});
