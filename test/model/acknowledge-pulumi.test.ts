import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { declareShop } from '../../examples/ecommerce/declaration';
import { formatProblem } from '../../lib/core/errors';
import { SegmentationStack } from '../../lib/pulumi';

pulumi.runtime.setMocks({
  newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
  call: (args) => args.inputs,
}, 'bulkhead', 'test', false);

describe('the Pulumi host prints problems with the one formatter', () => {
  test('warnings through log.warn, information through log.info, acknowledged ones not at all', async () => {
    const warn = jest.spyOn(pulumi.log, 'warn').mockImplementation(() => Promise.resolve());
    const info = jest.spyOn(pulumi.log, 'info').mockImplementation(() => Promise.resolve());
    try {
      const shop = declareShop(undefined);
      shop.topology.acknowledge('BH-NP-FQDN');
      const providers = { 'eks-prod': new k8s.Provider('eks', {}), 'gke-analytics': new k8s.Provider('gke', {}) };
      const stack = new SegmentationStack('shop', { topology: shop.topology, providers });
      const visible = stack.synthesis.warnings.filter((w) => !w.acknowledged);
      expect(warn.mock.calls.map((c) => c[0])).toEqual(visible.filter((w) => w.severity === 'warning').map(formatProblem));
      expect(info.mock.calls.map((c) => c[0])).toEqual(visible.filter((w) => w.severity === 'info').map(formatProblem));
      expect(warn.mock.calls.some((c) => String(c[0]).includes('BH-NP-FQDN'))).toBe(false);
      expect(info.mock.calls.length).toBeGreaterThan(0);
    } finally {
      warn.mockRestore();
      info.mockRestore();
    }
  }, 30_000);
});
