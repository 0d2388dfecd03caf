/**
 * Units: which folders hold cloud networks, the environment above a folder, and names that are
 * DNS labels, unique and stable.
 */
import * as fc from 'fast-check';
import { environmentOf, isNetworkFolder, unitNames } from '../../lib/gitops/units';
import { environmentFolders, multiCloudFolders } from './fixtures';

describe('units', () => {
  test('network folders are those of network-layer objects only; the environment is above the cluster, or above cloud/account', () => {
    const rows = environmentFolders(['prod']).map((f) => `${[...f.under!, f.name].join('/')}: ${isNetworkFolder(f) ? 'network' : 'cluster'} ${environmentOf(f)}`);
    expect(rows).toEqual(['prod/aks-support: cluster prod', 'prod/eks-orders: cluster prod', 'prod/gke-analytics: cluster prod', 'prod/aws/123456789012/eu-west-1: network prod']);
    expect(multiCloudFolders().map(environmentOf)).toEqual(['', '', '', '']);
    expect(isNetworkFolder({ name: 'empty', manifests: [] })).toBe(false);
  });

  test('names are DNS labels with room for a stage suffix, unique, and keep the plain form where they can', () => {
    expect(unitNames('bulkhead', [['prod', 'eks'], ['eks']])).toEqual(['bulkhead-prod-eks', 'bulkhead-eks']);
    fc.assert(fc.property(fc.uniqueArray(fc.array(fc.stringMatching(/^[A-Za-z0-9._-]{1,40}$/), { minLength: 1, maxLength: 4 }), { selector: (s) => s.join('/'), maxLength: 12 }), (paths) => {
      const names = unitNames('bulkhead', paths);
      expect(new Set(names).size).toBe(names.length);
      for (const n of names) {
        expect(n).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
        expect(`${n}-default-deny`.length).toBeLessThanOrEqual(63);
      }
      expect(unitNames('bulkhead', paths)).toEqual(names);
    }));
  });
});
