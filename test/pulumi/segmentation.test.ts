import * as pulumi from '@pulumi/pulumi';
import { buildApp } from '../../examples/ecommerce/main';
import { declareShop } from '../../examples/ecommerce/declaration';
import { layerOf } from '../../lib';
import { logicalName, SEGMENTATION_TYPE, SegmentationStack } from '../../lib/pulumi';
import { KubeManifest } from '../../lib/targets/types';
import { canonical, recordResources, settle } from '../util/pulumi';

// Synthesizing the example takes seconds on a busy machine.
jest.setTimeout(60_000);

// Mocks must be in place before any resource is created (otherwise outputs never resolve).
const created = recordResources('bulkhead');

describe('SegmentationStack (Pulumi host)', () => {
  const infos: string[] = [];
  beforeAll(async () => {
    created.length = 0;
    jest.spyOn(pulumi.log, 'info').mockImplementation(async (msg: string) => { infos.push(msg); });
    const shop = declareShop(undefined);
    const stack = new SegmentationStack('shop', { topology: shop.topology, defaultProviders: true });
    await settle(stack.objectCounts);
    // let the mock monitor register every child
    await new Promise((r) => setTimeout(r, 50));
  }, 60_000);

  test('creates one component with the bulkhead type token, one provider per cluster', () => {
    expect(created.filter((c) => c.type === SEGMENTATION_TYPE).map((c) => c.name)).toEqual(['shop']);
    const providers = created.filter((c) => c.type === 'pulumi:providers:kubernetes').map((c) => c.name).sort();
    expect(providers).toEqual(['shop-eks-prod', 'shop-gke-analytics']);
  });

  test('each default provider is logged with pulumi.log.info', () => {
    expect(infos.filter((m) => /default provider/.test(m)).sort()).toEqual([
      expect.stringMatching(/cluster eks-prod: .*shop-eks-prod .*kubeconfig context 'eks-prod'/),
      expect.stringMatching(/cluster gke-analytics: .*shop-gke-analytics .*kubeconfig context 'gke-analytics'/),
    ]);
  });

  test('creates exactly the objects the cdk8s host emits for the same declaration', () => {
    const { charts } = buildApp({ outdir: 'unused' }, { printWarnings: false });
    const expected = new Map<string, unknown>();
    for (const c of charts.synthesis.clusters) {
      for (const m of charts.chart(c.cluster.name).toJson() as KubeManifest[]) {
        if (layerOf(m) === 'app') continue; // the application's own Deployments are not Bulkhead's
        expected.set(logicalName('shop', c.cluster.name, m), canonical(m));
      }
    }
    const actual = new Map<string, unknown>();
    for (const c of created.filter((x) => x.type.startsWith('kubernetes:'))) {
      actual.set(c.name, canonical(c.inputs));
    }
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [name, obj] of expected) expect({ name, obj: actual.get(name) }).toEqual({ name, obj });
  });

  test('each object goes to the provider of its cluster', () => {
    for (const c of created.filter((x) => x.type.startsWith('kubernetes:'))) {
      const cluster = c.name.split('.')[1];
      expect(c.provider).toContain(`shop-${cluster}`);
    }
  });

  test('logical names derive from content only', () => {
    const m: KubeManifest = { apiVersion: 'v1', kind: 'NetworkPolicy', metadata: { name: 'web-ingress', namespace: 'shop' } };
    expect(logicalName('s', 'c', m)).toBe('s.c.NetworkPolicy.shop.web-ingress');
  });
});
