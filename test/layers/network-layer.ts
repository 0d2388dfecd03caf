/**
 * A network-scoped layer for the tests of the layer mechanism: it renders one security group
 * per workload of the network's clusters (cloud resources placed in the network) and one
 * SecurityGroupPolicy per workload (a Kubernetes object placed in the workload's cluster), and
 * writes its groups as Crossplane SecurityGroup objects. It is no model of the aws layer: only
 * of what a network layer can return.
 */
import * as build from '../../lib/plan/build';
import { NetworkLayerName } from '../../lib/core/layers';
import { NetworkLayerDefinition } from '../../lib/layers/types';
import { Plan, PlanCluster, PlanNetwork } from '../../lib/plan/types';
import { AwsSecurityGroup } from '../../lib/targets/aws/types';
import { KubeManifest, PlacedArtifact } from '../../lib/targets/types';

/** The test layer's name (a network layer of the tests only). */
export const TEST_LAYER = 'test-net' as NetworkLayerName;

/** A network of the plan: account 123456789012, eu-west-1. */
export function network(name: string, props: Partial<PlanNetwork> = {}): PlanNetwork {
  return {
    key: `network:${name}`, path: `shop/${name}`, name, cloud: 'aws', account: '123456789012', region: 'eu-west-1',
    vpcId: `vpc-${name}`, cidrs: ['10.0.0.0/16'], links: [], platform: [],
    quotas: { inboundRulesPerGroup: 60, outboundRulesPerGroup: 60, groupsPerInterface: 5 },
    ...props,
  };
}

/**
 * Makes the planner return its plan with these networks, the given clusters placed in them
 * (the planner of this version declares no networks). Restore with `jest.restoreAllMocks()`.
 */
export function withNetworks(networks: readonly PlanNetwork[], clusterNetwork: Readonly<Record<string, string>>): void {
  const real = build.planWithProblems;
  jest.spyOn(build, 'planWithProblems').mockImplementation((topology, options) => {
    const r = real(topology, options);
    const plan: Plan = {
      ...r.plan,
      clusters: r.plan.clusters.map((c): PlanCluster => (clusterNetwork[c.name] ? { ...c, network: clusterNetwork[c.name] } : c)),
      networks: [...networks],
    };
    return { ...r, plan };
  });
}

/** The group of a workload in a network. */
function group(network: PlanNetwork, workload: { key: string; name: string; cluster: string }, layer: string): AwsSecurityGroup {
  return {
    kind: 'SecurityGroup', key: `${layer === TEST_LAYER ? '' : `${layer}-`}${network.name}-${workload.cluster}-${workload.name}`, name: `${workload.cluster}-${workload.name}`,
    description: `pods of ${workload.key}`, vpcId: network.vpcId, tags: { 'bulkhead.io/workload': workload.name },
    members: [workload.key], memberCidrs: [], network: network.name, account: network.account, region: network.region,
    workloadName: workload.name, vpcCidrs: network.cidrs, links: [],
  };
}

/** Options of {@link testNetworkLayer}. */
export interface TestLayerOptions {
  /** Extra artifacts the renderer returns (for placement errors). */
  readonly extra?: (network: PlanNetwork) => PlacedArtifact[];
  /** The layer's name. @default TEST_LAYER */
  readonly name?: string;
  /** Whether it places SecurityGroupPolicies into the clusters. @default true */
  readonly clusterObjects?: boolean;
  /** What validate returns. */
  readonly validate?: (plan: Plan, network: PlanNetwork) => ReturnType<NonNullable<NetworkLayerDefinition['target']['validate']>>;
}

/** The test layer. */
export function testNetworkLayer(options: TestLayerOptions = {}): NetworkLayerDefinition {
  const name = (options.name ?? TEST_LAYER) as NetworkLayerName;
  return {
    name,
    scope: 'network',
    cloud: 'aws',
    emits: [
      { apiVersion: 'ec2.aws.upbound.io/v1beta1', kind: 'SecurityGroup' },
      { apiVersion: 'vpcresources.k8s.aws/v1beta1', kind: 'SecurityGroupPolicy' },
    ],
    crds: 'aws',
    target: {
      layer: name,
      render: (plan, net) => {
        const clusters = new Set(plan.clusters.filter((c) => c.network === net.name).map((c) => c.name));
        const workloads = plan.workloads.filter((w) => clusters.has(w.cluster));
        // reversed on purpose: synthesis sorts
        const artifacts: PlacedArtifact[] = [...workloads].reverse().flatMap((w): PlacedArtifact[] => [
          { network: net.name, artifact: { type: 'aws', resource: group(net, w, name) } },
          ...(options.clusterObjects ?? true ? [{ cluster: w.cluster, artifact: { type: 'manifest' as const, manifest: sgp(net, w) } }] : []),
        ]);
        return { artifacts: [...artifacts, ...(options.extra?.(net) ?? [])], warnings: [{ severity: 'info', code: 'BH-TEST', path: net.path, message: `rendered ${net.name}`, fix: 'none needed' }] };
      },
      ...(options.validate ? { validate: options.validate } : {}),
      breakGlassResources: [{ group: 'vpcresources.k8s.aws', resource: 'securitygrouppolicies' }],
    },
    toManifests: (artifacts, net) => artifacts.map((a): KubeManifest => {
      const r = a.resource as AwsSecurityGroup;
      return {
        apiVersion: 'ec2.aws.upbound.io/v1beta1', kind: 'SecurityGroup',
        metadata: { name: r.key, labels: { 'app.kubernetes.io/managed-by': 'bulkhead', 'bulkhead.io/layer': name, 'bulkhead.io/network': net.name } },
        spec: { forProvider: { region: net.region, vpcId: r.vpcId, name: r.name, description: r.description }, providerConfigRef: { name: `bulkhead-aws-${net.account}` } },
      } as KubeManifest;
    }),
  };
}

function sgp(net: PlanNetwork, w: { name: string; namespace: string; selector: Readonly<Record<string, string>> }): KubeManifest {
  return {
    apiVersion: 'vpcresources.k8s.aws/v1beta1', kind: 'SecurityGroupPolicy',
    metadata: { name: `${w.name}-sg`, namespace: w.namespace, labels: { 'app.kubernetes.io/managed-by': 'bulkhead', 'bulkhead.io/layer': TEST_LAYER, 'bulkhead.io/network': net.name } },
    spec: { podSelector: { matchLabels: { ...w.selector } }, securityGroups: { groupIds: ['sg-0123456789abcdef0'] } },
  } as KubeManifest;
}
