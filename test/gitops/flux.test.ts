/**
 * The Flux Kustomizations: per folder one per stage, chained by dependsOn (acyclic, in stage
 * order), the first after the CRD installers named in the options, each with the folder's path,
 * the GitRepository of the options, prune and wait.
 */
import * as YAML from 'yaml';
import { crdKey, schemaErrors } from '../util/schema';
import { gitopsFolders } from '../../lib/gitops';
import { gitopsStageOf } from '../../lib/gitops/order';
import { targetSelects } from '../../lib/gitops/kustomize';
import { environmentFolders, multiCloudFolders } from './fixtures';

type K = { metadata: { name: string; namespace: string; labels: Record<string, string> }; spec: { path: string; dependsOn?: { name: string; namespace?: string }[]; sourceRef: { kind: string; name: string }; prune: boolean; wait: boolean; patches?: { target: any; patch: string }[] } };

function fluxFiles(opts: Record<string, unknown> = {}) {
  const out = gitopsFolders(environmentFolders(), { tool: 'flux', path: 'deploy', controlPlane: 'eks-orders', dependsOn: ['infra-controllers'], ...opts });
  return out.folders.filter((f) => f.under?.[0] === 'gitops').map((f) => ({ path: [...f.under!, f.name].join('/'), docs: YAML.parseAllDocuments(f.files!['kustomizations.yaml']).map((d) => d.toJSON() as K) }));
}

describe('Flux Kustomizations', () => {
  test('one file per environment and destination cluster', () => {
    expect(fluxFiles().map((f) => f.path)).toEqual([
      'gitops/flux/prod/aks-support', 'gitops/flux/prod/eks-orders', 'gitops/flux/prod/gke-analytics',
      'gitops/flux/staging/aks-support', 'gitops/flux/staging/eks-orders', 'gitops/flux/staging/gke-analytics',
    ]);
  });

  test('the dependsOn graph is acyclic, in stage order, and starts at the CRD installers', () => {
    for (const f of fluxFiles()) {
      const names = new Map(f.docs.map((d) => [d.metadata.name, d]));
      for (const d of f.docs) {
        const deps = d.spec.dependsOn ?? [];
        expect(deps.length).toBeGreaterThan(0);
        // follow the chain back: it ends at the installer without a cycle
        const seen = new Set<string>();
        let cur: K | undefined = d;
        while (cur) {
          expect(seen.has(cur.metadata.name)).toBe(false);
          seen.add(cur.metadata.name);
          const next: { name: string } | undefined = (cur.spec.dependsOn ?? [])[0];
          if (next && !names.has(next.name)) expect(next.name).toBe('infra-controllers');
          cur = next ? names.get(next.name) : undefined;
        }
      }
      const order = ['prerequisite', 'allow', 'default-deny'];
      for (const d of f.docs) {
        const dep = d.spec.dependsOn![0].name;
        const before = names.get(dep);
        if (before) expect(order.indexOf(before.metadata.labels['bulkhead.io/stage'])).toBeLessThan(order.indexOf(d.metadata.labels['bulkhead.io/stage']));
        expect(d.spec.path.startsWith('./deploy/')).toBe(true);
      }
    }
  });

  test('each Kustomization reads the GitRepository of the options, prunes and waits; its patches keep exactly its stage', () => {
    const byPath = new Map(environmentFolders().map((f) => [`./deploy/${[...f.under!, f.name].join('/')}`, f]));
    for (const f of fluxFiles({ sourceRef: 'platform' })) {
      for (const d of f.docs) {
        expect(d.spec.sourceRef).toEqual({ kind: 'GitRepository', name: 'platform' });
        expect(d.spec.prune).toBe(true);
        expect(d.spec.wait).toBe(true);
        expect(d.metadata.namespace).toBe('flux-system');
        const folder = byPath.get(d.spec.path)!;
        const stage = d.metadata.labels['bulkhead.io/stage'];
        for (const m of folder.manifests) expect((d.spec.patches ?? []).some((p) => targetSelects(p.target, m))).toBe(gitopsStageOf(m) !== stage);
      }
    }
  });

  test('the network folder is applied by the control plane, in its environment', () => {
    const prod = fluxFiles().find((f) => f.path === 'gitops/flux/prod/eks-orders')!;
    expect(prod.docs.map((d) => d.spec.path)).toContain('./deploy/prod/aws/123456789012/eu-west-1');
    expect(fluxFiles().find((f) => f.path === 'gitops/flux/prod/aks-support')!.docs.every((d) => d.spec.path === './deploy/prod/aks-support')).toBe(true);
  });

  test('without dependsOn the first stage depends on nothing', () => {
    const out = gitopsFolders(multiCloudFolders(), { tool: 'flux', path: '' });
    const docs = YAML.parseAllDocuments(out.folders.find((f) => f.name === 'aks-support' && f.under?.[0] === 'gitops')!.files!['kustomizations.yaml']).map((d) => d.toJSON() as K);
    expect(docs[0].spec.dependsOn).toBeUndefined();
    expect(docs[0].spec.path).toBe('./aks-support');
  });
});

// The upstream CRD (fluxcd/kustomize-controller config/crd/bases) validates the Kustomizations
// once it is among the shared CRDs; until then the fields are asserted above.
const withCrd = crdKey({ apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization' }) ? test : test.skip;
withCrd('every Kustomization validates against the upstream CRD', () => {
  for (const f of fluxFiles()) for (const d of f.docs) expect(schemaErrors(d as unknown as { apiVersion: string; kind: string })).toEqual([]);
});

describe('Flux: cloud networks before the default denies of the clusters of the same Flux', () => {
  test('where a cluster applies a network folder, each cluster folder\'s default-deny stage also waits for the network\'s allows', () => {
    for (const env of ['prod', 'staging']) {
      const f = fluxFiles().find((x) => x.path === `gitops/flux/${env}/eks-orders`)!;
      const network = f.docs.filter((d) => d.spec.path.includes('/aws/'));
      const allows = network.find((d) => d.metadata.labels['bulkhead.io/stage'] === 'allow')!;
      expect(allows).toBeDefined();
      const denies = f.docs.filter((d) => !d.spec.path.includes('/aws/') && d.metadata.labels['bulkhead.io/stage'] === 'default-deny');
      expect(denies.length).toBeGreaterThan(0);
      for (const d of denies) expect(d.spec.dependsOn!.map((x) => x.name)).toEqual(expect.arrayContaining([allows.metadata.name]));
      // the network's own stages wait for nothing of the clusters: no cycle
      for (const n of network) for (const dep of n.spec.dependsOn ?? []) expect(f.docs.find((d) => d.metadata.name === dep.name)?.spec.path ?? n.spec.path).toBe(n.spec.path);
      // a cluster that applies no network folder is unchanged: one dependency per stage
      for (const d of fluxFiles().find((x) => x.path === `gitops/flux/${env}/aks-support`)!.docs) expect(d.spec.dependsOn).toHaveLength(1);
    }
  });
});
