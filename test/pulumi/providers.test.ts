import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { Cluster, Port, Topology, Workload } from '../../lib';
import { SEGMENTATION_TYPE, SegmentationStack } from '../../lib/pulumi';
import { thrown } from '../util/thrown';

interface Created { type: string; name: string; provider?: string }
const created: Created[] = [];

pulumi.runtime.setMocks({
  newResource: (args) => {
    created.push({ type: args.type, name: args.name, provider: args.provider });
    return { id: `${args.name}-id`, state: args.inputs };
  },
  call: (args) => args.inputs,
}, 'bulkhead', 'providers', false);

const NOW = () => new Date('2026-11-22T21:00:00Z');

/** Two clusters, `eks` and `gke`, one workload each. */
function twoClusters(): Topology {
  const topology = new Topology(undefined, 'two', { trustDomain: 'two.example.com', clock: NOW });
  for (const name of ['eks', 'gke']) {
    const cluster = new Cluster(topology, name, { cloud: name === 'eks' ? 'aws' : 'gcp' });
    new Workload(topology, `web-${name}`, { cluster, namespace: 'shop', ports: { http: Port.tcp(8080) } });
  }
  return topology;
}


async function settled(): Promise<void> {
  await new Promise((r) => setTimeout(r, 50));
}

describe('SegmentationStack providers', () => {
  const infos: string[] = [];
  beforeEach(() => {
    created.length = 0;
    infos.length = 0;
    jest.spyOn(pulumi.log, 'info').mockImplementation(async (msg: string) => { infos.push(msg); });
  });

  test('a providers key that names no cluster is an error listing the clusters; nothing is registered', async () => {
    const eks = new k8s.Provider('eks', { context: 'eks' });
    const gke = new k8s.Provider('gke', { context: 'gke' });
    const typo = new k8s.Provider('ekss', { context: 'eks' });
    await settled();
    created.length = 0;
    const e = thrown(() => new SegmentationStack('typo', { topology: twoClusters(), providers: { eks, gke, 'eks-prod': typo } }));
    expect(e.problems).toEqual([{
      severity: 'error', code: 'BH-PULUMI-PROVIDER-UNKNOWN', path: 'typo/providers',
      message: "the providers key 'eks-prod' names no cluster of the topology",
      value: '"eks-prod"',
      fix: "key each provider by a cluster name: 'eks', 'gke' (or remove the key)",
    }]);
    await settled();
    expect(created).toEqual([]);
  });

  test('a cluster without a provider is an error naming the cluster and the fix, unless defaultProviders is set', async () => {
    const eks = new k8s.Provider('eks', { context: 'eks' });
    const e = thrown(() => new SegmentationStack('missing', { topology: twoClusters(), providers: { eks, gkee: eks } }));
    expect(e.problems.map((p) => [p.code, p.path, p.value])).toEqual([
      ['BH-PULUMI-PROVIDER-UNKNOWN', 'missing/providers', '"gkee"'],
      ['BH-PULUMI-PROVIDER-MISSING', 'two/gke', '"gke"'],
    ]);
    const missing = e.problems.find((p) => p.code === 'BH-PULUMI-PROVIDER-MISSING')!;
    expect(missing.message).toBe("the cluster 'gke' has no Kubernetes provider");
    expect(missing.fix).toBe("pass providers: { 'gke': new k8s.Provider(...) }, or set defaultProviders: true to use the kubeconfig context named 'gke'");
    // no providers at all: every cluster is named
    const none = thrown(() => new SegmentationStack('none', { topology: twoClusters() }));
    expect(none.problems.map((p) => `${p.code} ${p.value}`)).toEqual(['BH-PULUMI-PROVIDER-MISSING "eks"', 'BH-PULUMI-PROVIDER-MISSING "gke"']);
    await settled();
    expect(created.filter((c) => c.type === SEGMENTATION_TYPE)).toEqual([]);
  });

  test('a provider that is not a @pulumi/kubernetes Provider is an error (untyped input)', () => {
    const e = thrown(() => new SegmentationStack('untyped', { topology: twoClusters(), defaultProviders: true, providers: { eks: 'eks-context' } as unknown as Record<string, k8s.Provider> }));
    expect(e.problems).toEqual([{
      severity: 'error', code: 'BH-PULUMI-PROVIDER-TYPE', path: 'untyped/providers/eks',
      message: "the provider of cluster 'eks' is not a @pulumi/kubernetes Provider",
      value: '"eks-context"',
      fix: "pass new k8s.Provider('eks', { kubeconfig }) (or { context }) from @pulumi/kubernetes",
    }]);
  });

  test('the declaration\'s problems and the providers\' come in one error', () => {
    const topology = twoClusters();
    new Workload(topology, 'bad', { cluster: new Cluster(topology, 'aks', { cloud: 'azure' }), namespace: 'Bad_NS' });
    const e = thrown(() => new SegmentationStack('both', { topology, defaultProviders: true, providers: { akss: new k8s.Provider('both-aks', { context: 'aks' }) } }));
    expect(e.has('BH-NAME')).toBe(true);
    expect(e.problems.find((p) => p.code === 'BH-PULUMI-PROVIDER-UNKNOWN')?.fix).toBe("key each provider by a cluster name: 'aks', 'eks', 'gke' (or remove the key)");
  });

  test('with every provider given, no default provider is created and none is logged', async () => {
    const eks = new k8s.Provider('given-eks', { context: 'eks' });
    const gke = new k8s.Provider('given-gke', { context: 'gke' });
    const stack = new SegmentationStack('given', { topology: twoClusters(), providers: { eks, gke } });
    await new Promise((r) => stack.objectCounts.apply(r));
    await settled();
    expect(created.filter((c) => c.type === 'pulumi:providers:kubernetes' && c.name.startsWith('given')).map((c) => c.name).sort()).toEqual(['given-eks', 'given-gke']);
    expect(infos).toEqual([]);
    const objects = created.filter((c) => c.type.startsWith('kubernetes:') && c.name.startsWith('given.'));
    expect(objects.length).toBeGreaterThan(0);
    for (const o of objects) expect(o.provider).toContain(`::given-${o.name.split('.')[1]}::`);
  });

  test('defaultProviders creates (and logs) a provider only for the clusters left out', async () => {
    const eks = new k8s.Provider('mixed-eks', { context: 'eks' });
    const stack = new SegmentationStack('mixed', { topology: twoClusters(), providers: { eks }, defaultProviders: true });
    await new Promise((r) => stack.objectCounts.apply(r));
    await settled();
    expect(created.filter((c) => c.type === 'pulumi:providers:kubernetes' && c.name.startsWith('mixed')).map((c) => c.name).sort()).toEqual(['mixed-eks', 'mixed-gke']);
    expect(infos).toEqual([expect.stringMatching(/^cluster gke: no provider given; created the default provider mixed-gke \(kubeconfig context 'gke'\)/)]);
  });
});
