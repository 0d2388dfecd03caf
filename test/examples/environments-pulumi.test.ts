/**
 * The environments example's Pulumi program under the Pulumi mocks: the stack named `staging`
 * deploys the staging environment, every object of each of its clusters through that
 * cluster's provider, and nothing of another environment.
 */
import * as pulumi from '@pulumi/pulumi';
import { declareEnvironments } from '../../examples/environments/declaration';
import { logicalName } from '../../lib/pulumi';
import { synthesize } from '../../lib';
import { LABELS } from '../../lib/core/names';
import { canonical, recordResources, settle } from '../util/pulumi';

jest.setTimeout(120_000);

// Mocks must be in place before any resource is created (otherwise outputs never resolve).
const created = recordResources('bulkhead-environments', 'staging');

describe('the environments Pulumi program, stack staging', () => {
  const expected = synthesize(declareEnvironments(undefined).topology('staging'));
  let counts: Record<string, number> = {};
  let environment = '';

  beforeAll(async () => {
    jest.spyOn(pulumi.log, 'info').mockImplementation(async () => undefined);
    jest.spyOn(pulumi.log, 'warn').mockImplementation(async () => undefined);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require('../../examples/environments/pulumi/index') as { objectCounts: pulumi.Output<Record<string, number>>; environment: string };
    counts = await settle(program.objectCounts);
    environment = program.environment;
    await new Promise((r) => setTimeout(r, 200));
  });
  afterAll(() => jest.restoreAllMocks());

  test('the stack name picks the environment; one Kubernetes provider per cluster of it', () => {
    expect(environment).toBe('staging');
    expect(created.filter((c) => c.type === 'pulumi:providers:kubernetes').map((c) => c.name).sort()).toEqual(['eks-staging', 'gke-staging']);
  });

  test('creates exactly the objects of the staging clusters, each through its cluster\'s provider, each labelled staging', () => {
    const want = new Map<string, unknown>();
    for (const c of expected.clusters) for (const m of c.manifests) want.set(logicalName('shop-staging', c.cluster.name, m), canonical(m));
    const got = created.filter((c) => c.type.startsWith('kubernetes:'));
    expect(got.map((c) => c.name).sort()).toEqual([...want.keys()].sort());
    for (const c of got) {
      expect({ name: c.name, obj: canonical(c.inputs) }).toEqual({ name: c.name, obj: want.get(c.name) });
      expect(c.provider).toContain(`::${c.name.split('.')[1]}::`);
      expect((c.inputs.metadata as { labels: Record<string, string> }).labels[LABELS.environment]).toBe('staging');
    }
    expect(Object.keys(counts).sort()).toEqual(['eks-staging', 'gke-staging']);
  });
});
