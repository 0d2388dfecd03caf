/**
 * Kustomizations: patch targets select exactly the objects meant (a property over random
 * folders), every object gets exactly one sync wave, and a real `kustomize build` of the
 * written folders gives the layer files' objects unchanged but for the Argo CD annotations.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as fc from 'fast-check';
import * as YAML from 'yaml';
import { BREAK_GLASS_FILE, BULKHEAD_KUSTOMIZATION_MARKER, gitopsFolders } from '../../lib/gitops';
import { argocdPatches, exactTargets, kustomizationText, layerFilesOf, stagePatches, targetSelects } from '../../lib/gitops/kustomize';
import { ARGOCD_SYNC_WAVES, gitopsStageOf, needsCustomResourceDefinition } from '../../lib/gitops/order';
import { KubeManifest } from '../../lib/targets/types';
import { hasKustomize, idOf, kustomizeBuild, obj, shopFolders, writeTemp } from './fixtures';

const KINDS = [['networking.k8s.io/v1', 'NetworkPolicy'], ['cilium.io/v2', 'CiliumNetworkPolicy'], ['security.istio.io/v1', 'AuthorizationPolicy'], ['v1', 'Namespace']] as const;

/**
 * Random folders: objects of a few kinds (Namespace cluster-scoped, the others namespaced),
 * names and namespaces that repeat (with regex metacharacters), unique by (kind, namespace, name).
 */
const folder = fc.uniqueArray(
  fc.record({ k: fc.integer({ min: 0, max: KINDS.length - 1 }), name: fc.constantFrom('a', 'b', 'a.b', 'axb', 'default', 'web-ingress'), ns: fc.constantFrom('x', 'y', 'x.y') }),
  { selector: (o) => `${o.k}/${KINDS[o.k][1] === 'Namespace' ? '' : o.ns}/${o.name}`, minLength: 1, maxLength: 25 },
).map((os) => os.map((o) => obj(KINDS[o.k][0], KINDS[o.k][1], o.name, KINDS[o.k][1] === 'Namespace' ? undefined : o.ns)));

describe('exactTargets', () => {
  test('the targets select exactly the objects chosen, whatever the folder (property)', () => {
    fc.assert(fc.property(folder, fc.array(fc.boolean(), { minLength: 25, maxLength: 25 }), (all, pick) => {
      const chosen = all.filter((_m, i) => pick[i]);
      const targets = exactTargets(chosen, all);
      for (const m of all) expect(targets.some((t) => targetSelects(t, m))).toBe(chosen.includes(m));
    }), { numRuns: 300 });
  });

  test('a kind whose objects are all chosen is one target without names', () => {
    const all = [obj('v1', 'Namespace', 'a'), obj('v1', 'Namespace', 'b'), obj('networking.k8s.io/v1', 'NetworkPolicy', 'a', 'x')];
    expect(exactTargets(all.slice(0, 2), all)).toEqual([{ version: 'v1', kind: 'Namespace' }]);
  });

  test('names are matched whole, and metacharacters literally', () => {
    const all = [obj('networking.k8s.io/v1', 'NetworkPolicy', 'a.b', 'x'), obj('networking.k8s.io/v1', 'NetworkPolicy', 'axb', 'x'), obj('networking.k8s.io/v1', 'NetworkPolicy', 'a.bc', 'x')];
    const [t] = exactTargets([all[0]], all);
    expect(t).toEqual({ group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy', name: 'a\\.b' });
    expect(all.map((m) => targetSelects(t, m))).toEqual([true, false, false]);
  });
});

describe('argocdPatches', () => {
  test('every object of every example folder is selected by exactly one patch, with its stage\'s wave and, for CRD kinds, the skip-dry-run option', () => {
    for (const f of shopFolders()) {
      const patches = argocdPatches(f.manifests);
      for (const m of f.manifests) {
        const hits = patches.filter((p) => targetSelects(p.target, m));
        expect(hits).toHaveLength(1);
        const annotations = (YAML.parse(hits[0].patch) as { metadata: { annotations: Record<string, string> } }).metadata.annotations;
        expect(annotations['argocd.argoproj.io/sync-wave']).toBe(String(ARGOCD_SYNC_WAVES[gitopsStageOf(m)]));
        expect(annotations['argocd.argoproj.io/sync-options']).toBe(needsCustomResourceDefinition(m) ? 'SkipDryRunOnMissingResource=true' : undefined);
      }
    }
  });
});

describe('stagePatches', () => {
  test('the delete patches of a stage remove exactly the objects of the other stages', () => {
    for (const f of shopFolders()) {
      for (const stage of ['prerequisite', 'allow', 'default-deny'] as const) {
        const patches = stagePatches(f.manifests, stage);
        for (const m of f.manifests) expect(patches.some((p) => targetSelects(p.target, m))).toBe(gitopsStageOf(m) !== stage);
        for (const p of patches) expect(YAML.parse(p.patch)).toMatchObject({ $patch: 'delete' });
      }
    }
  });
});

describe('kustomizationText', () => {
  test('a Kustomization of the resources, the patches after them, the Bulkhead marker and the comment first', () => {
    const text = kustomizationText(['a.yaml'], [], ['hello']);
    expect(text.startsWith(`${BULKHEAD_KUSTOMIZATION_MARKER}\n# hello\n`)).toBe(true);
    expect(YAML.parse(text)).toEqual({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['a.yaml'] });
  });

  test('the layer files of a folder are those writeManifests writes', () => {
    const ms: KubeManifest[] = [obj('v1', 'Namespace', 'a'), { ...obj('cilium.io/v2', 'CiliumNetworkPolicy', 'b', 'x'), metadata: { name: 'b', namespace: 'x', labels: { 'bulkhead.io/layer': 'cilium' } } }, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } }];
    expect(layerFilesOf(ms)).toEqual(['app.yaml', 'cilium.yaml', 'kubernetes.yaml']);
  });
});

const real = hasKustomize() ? test : test.skip;

describe('kustomize build (kubectl kustomize)', () => {
  real('Argo CD: the build holds every object of the folder once but the break-glass ones (in their own file), each as rendered plus its wave (and the skip-dry-run option for CRD kinds)', () => {
    const out = writeTemp(gitopsFolders(shopFolders(), { tool: 'argocd', repoUrl: 'https://github.com/acme/platform.git', path: 'deploy' }).folders);
    const grant = (m: KubeManifest): boolean => m.metadata.labels?.['bulkhead.io/break-glass'] !== undefined;
    for (const f of shopFolders()) {
      const built = kustomizeBuild(path.join(out, f.name));
      expect(built.map(idOf).sort()).toEqual(f.manifests.filter((m) => !grant(m)).map(idOf).sort());
      const file = path.join(out, f.name, BREAK_GLASS_FILE);
      const grants = f.manifests.filter(grant);
      expect(fs.existsSync(file) ? YAML.parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => idOf(d.toJSON() as KubeManifest)).sort() : []).toEqual(grants.map(idOf).sort());
      for (const m of f.manifests.filter((x) => !grant(x))) {
        const b = built.find((x) => idOf(x) === idOf(m)) as { metadata: { annotations?: Record<string, string> } };
        const { 'argocd.argoproj.io/sync-wave': wave, 'argocd.argoproj.io/sync-options': options, ...rest } = b.metadata.annotations ?? {};
        expect(wave).toBe(String(ARGOCD_SYNC_WAVES[gitopsStageOf(m)]));
        expect(options).toBe(needsCustomResourceDefinition(m) ? 'SkipDryRunOnMissingResource=true' : undefined);
        // nothing else changed
        const { annotations: _a, ...meta } = b.metadata as Record<string, unknown>;
        const { annotations: _b, ...own } = m.metadata as unknown as Record<string, unknown>;
        expect(meta).toEqual(own);
        expect(rest).toEqual(m.metadata.annotations ?? {});
      }
    }
  });

  real('Flux: building a folder with a stage\'s patches (as kustomize-controller does) gives exactly the objects of that stage', () => {
    const out = writeTemp(gitopsFolders(shopFolders(), { tool: 'flux', path: 'deploy' }).folders);
    for (const f of shopFolders()) {
      const seen: string[] = [];
      for (const stage of ['prerequisite', 'allow', 'default-deny'] as const) {
        const dir = fs.mkdtempSync(path.join(path.dirname(out), `flux-${stage}-`));
        fs.writeFileSync(path.join(dir, 'kustomization.yaml'), YAML.stringify({ resources: [path.relative(dir, path.join(out, f.name))], patches: stagePatches(f.manifests, stage) }));
        const built = kustomizeBuild(dir).map(idOf);
        expect(built.sort()).toEqual(f.manifests.filter((m) => gitopsStageOf(m) === stage).map(idOf).sort());
        seen.push(...built);
      }
      expect(seen.sort()).toEqual(f.manifests.map(idOf).sort());
    }
  });
});
