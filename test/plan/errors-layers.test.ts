/**
 * A catalogue of the problems of the layer mechanism: layer definitions given to synthesis
 * (`BH-LAYER-DEFINITION`), artifacts a network layer places where they reach nothing
 * (`BH-LAYER-PLACEMENT`), and cloud artifacts a Pulumi host cannot create (`BH-PULUMI-ARTIFACT`).
 * Each entry asserts code, severity, path, message, value and fix.
 */
import * as pulumi from '@pulumi/pulumi';
import { LAYER_DEFINITIONS, KUBERNETES_LAYER } from '../../lib/layers/registry';
import { LayerDefinition } from '../../lib/layers/types';
import { CLOUD_RESOURCE_HOSTS, SegmentationStack } from '../../lib/pulumi';
import { synthesize } from '../../lib/synth';
import { network, TEST_LAYER, testNetworkLayer, withNetworks } from '../layers/network-layer';
import { base, NOW } from './declare';
import { CallCase as Case } from './declare';
import { problemsThrown } from '../util/thrown';

pulumi.runtime.setMocks({
  newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
  call: (args) => args.inputs,
}, 'bulkhead', 'errors-layers', false);

afterEach(() => jest.restoreAllMocks());

const layers = (extra: LayerDefinition[]) => [...LAYER_DEFINITIONS, ...extra];

const CASES: readonly Case[] = [
  {
    name: 'a layer defined twice',
    call: () => synthesize(base().topo, { now: NOW, layers: layers([KUBERNETES_LAYER]) }),
    code: 'BH-LAYER-DEFINITION', path: 'synthesize(options)', message: /^options\.layers defines the layer 'kubernetes' twice: one definition would hide the other$/, value: /^"kubernetes"$/, fix: /give each layer one definition/,
  },
  {
    name: 'a cluster layer no Cluster can run',
    call: () => synthesize(base().topo, { now: NOW, layers: layers([{ ...KUBERNETES_LAYER, name: 'calico' as never }]) }),
    code: 'BH-LAYER-DEFINITION', path: 'synthesize(options)', message: /^options\.layers\[\d+\] defines the cluster layer 'calico', which no Cluster can run/, value: /^"calico"$/, fix: /one of: kubernetes, cluster-network-policy, cilium, istio, spire/,
  },
  {
    name: 'a network layer that places an object into a cluster the topology does not have',
    call: () => {
      withNetworks([network('vpc-a')], { eks: 'vpc-a' });
      const layer = testNetworkLayer({ extra: () => [{ cluster: 'gke', artifact: { type: 'manifest', manifest: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'shop' } } } }] });
      return synthesize(base().topo, { now: NOW, layers: layers([layer]) });
    },
    code: 'BH-LAYER-PLACEMENT', path: 'shop/vpc-a', message: /^layer 'test-net', rendering the network 'vpc-a', placed an object \(ConfigMap x\) into the cluster 'gke', which is no cluster of the topology/, value: /^gke$/, fix: /place cloud resources in the network rendered \('vpc-a'\)/,
  },
  {
    name: 'a network layer that places a cloud resource into another network',
    call: () => {
      withNetworks([network('vpc-a')], { eks: 'vpc-a' });
      const layer = testNetworkLayer({
        extra: (net) => [{
          network: 'vpc-z',
          artifact: { type: 'aws', resource: { kind: 'ManagedPrefixList', key: 'pl-1', name: 'pl', addressFamily: 'IPv4', maxEntries: 1, entries: [], tags: {}, network: 'vpc-z', account: net.account, region: net.region } },
        }],
      });
      return synthesize(base().topo, { now: NOW, layers: layers([layer]) });
    },
    code: 'BH-LAYER-PLACEMENT', path: 'shop/vpc-a', message: /placed a resource \(pl-1\) into the network 'vpc-z': the artifact would reach nothing$/, value: /^vpc-z$/, fix: /fix the layer's renderer/,
  },
  {
    name: 'a Pulumi host of cloud artifacts it has no mapping for',
    call: () => {
      withNetworks([network('vpc-a')], { eks: 'vpc-a' });
      // a host without the mapping of the aws artifact type
      const saved = CLOUD_RESOURCE_HOSTS.aws;
      delete CLOUD_RESOURCE_HOSTS.aws;
      try {
        return new SegmentationStack('shop', { topology: base().topo, now: NOW, defaultProviders: true, layers: layers([testNetworkLayer()]) });
      } finally {
        CLOUD_RESOURCE_HOSTS.aws = saved;
      }
    },
    code: 'BH-PULUMI-ARTIFACT', path: 'shop/vpc-a', message: new RegExp(`^the network 'vpc-a' has aws resources \\(layer ${TEST_LAYER}, such as vpc-a-eks-cart\\), which this Pulumi host cannot create$`), value: /^"aws"$/, fix: /synthesize the network's aws resources as manifests/,
  },
];

describe('catalogue: the layer mechanism', () => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const problems = problemsThrown(c.call);
    const p = problems.find((x) => x.code === c.code);
    expect(p).toBeDefined();
    expect(p!.severity).toBe('error');
    expect(p!.path).toBe(c.path);
    expect(p!.message).toMatch(c.message);
    expect(String(p!.value)).toMatch(c.value);
    expect(p!.fix).toMatch(c.fix);
  });

  test('layer definitions of the wrong kind are coded problems, all at once', () => {
    const problems = problemsThrown(() => synthesize(base().topo, { now: NOW, layers: [5, { name: 'x', scope: 'cloud', target: {}, emits: 'none' }] as never }));
    expect(problems.map((p) => [p.code, p.message])).toEqual([
      ['BH-INPUT-TYPE', expect.stringMatching(/^options\.layers\[0\] must be a layer definition/)],
      ['BH-INPUT-TYPE', expect.stringMatching(/^options\.layers\[1\]\.emits must be a list/)],
      ['BH-INPUT-TYPE', expect.stringMatching(/^options\.layers\[1\]\.scope must be 'cluster' or 'network'/)],
      ['BH-INPUT-TYPE', expect.stringMatching(/^options\.layers\[1\]\.target must be a renderer/)],
    ]);
  });
});
