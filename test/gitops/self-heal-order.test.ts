/**
 * What the Argo CD output relies on across Applications, modelled on Argo CD's documented
 * behaviour:
 * - self-heal re-applies, at once, every object of an Application that is missing in the
 *   cluster (auto_sync: selfHeal). So no Application with self-heal may hold a break-glass
 *   object: they have an Application of their own, restricted to `break-glass.yaml`, with
 *   automated sync and prune but no self-heal, re-synced only when that file changes;
 * - sync waves order objects within one Application only; `rollingSync` orders Applications
 *   with the ApplicationSet progressive sync (every Application in one step, network folders
 *   before cluster folders, deletion in reverse);
 * - the loader reads a Bulkhead output folder with its GitOps files without noise: Bulkhead's
 *   own kustomizations are skipped silently, foreign (or edited) ones still warned about.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { BREAK_GLASS_FILE, breakGlassSetName, gitopsFolders, GITOPS_CODES, GITOPS_FOLDER_LABEL, GitOpsOptions, ROLLING_SYNC_STEPS } from '../../lib/gitops';
import { loadManifests } from '../../lib/analysis/loader';
import { INPUT_CODES } from '../../lib/analysis/errors';
import { KubeManifest } from '../../lib/targets/types';
import { problemsThrown } from '../util/thrown';
import { environmentFolders, hasKustomize, idOf, kustomizeBuild, multiCloudFolders, shopFolders, writeTemp } from './fixtures';

const ARGO = { tool: 'argocd' as const, repoUrl: 'https://github.com/acme/platform.git', path: 'deploy' };
const grant = (m: KubeManifest | Record<string, unknown>): boolean => ((m as KubeManifest).metadata?.labels ?? {})['bulkhead.io/break-glass'] !== undefined;

interface AppSet {
  readonly metadata: { readonly name: string };
  readonly spec: {
    readonly generators: { readonly list: { readonly elements: Record<string, string>[] } }[];
    readonly strategy?: { type: string; deletionOrder?: string; rollingSync: { steps: { matchExpressions: { key: string; operator: string; values: string[] }[] }[] } };
    readonly template: { metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> }; spec: { source: Record<string, unknown>; syncPolicy: { automated: { prune: boolean; selfHeal: boolean }; retry: { limit: number } } } };
  };
}

function appSets(options: GitOpsOptions, folders = shopFolders()): AppSet[] {
  const out = gitopsFolders(folders, options);
  const f = out.folders.find((x) => x.name === 'argocd' && x.under?.[0] === 'gitops')!;
  return YAML.parseAllDocuments(f.files!['applicationset.yaml']).map((d) => d.toJSON() as AppSet);
}

describe('Argo CD: break-glass objects are not self-healed', () => {
  test('a folder\'s grants leave its layer files for break-glass.yaml, which its kustomization does not list', () => {
    const given = shopFolders();
    const out = gitopsFolders(given, ARGO).folders;
    const withGrants = given.filter((f) => f.manifests.some(grant));
    expect(withGrants.length).toBeGreaterThan(0);
    for (const f of given) {
      const o = out.find((x) => x.name === f.name && (x.under ?? []).join('/') === (f.under ?? []).join('/'))!;
      expect(o.manifests.filter(grant)).toEqual([]);
      const kustomization = YAML.parse(o.files!['kustomization.yaml']) as { resources: string[] };
      expect(kustomization.resources).not.toContain(BREAK_GLASS_FILE);
      const file = o.files![BREAK_GLASS_FILE];
      if (!f.manifests.some(grant)) {
        expect(file).toBeUndefined();
        continue;
      }
      const docs = YAML.parseAllDocuments(file).map((d) => d.toJSON() as KubeManifest);
      expect(docs.map(idOf).sort()).toEqual(f.manifests.filter(grant).map(idOf).sort());
      // together, the two hold every object of the folder once
      expect([...o.manifests, ...docs].map(idOf).sort()).toEqual(f.manifests.map(idOf).sort());
      for (const d of docs) if (!['v1', 'networking.k8s.io/v1'].includes(d.apiVersion)) expect(d.metadata.annotations?.['argocd.argoproj.io/sync-options']).toBe('SkipDryRunOnMissingResource=true');
    }
  });

  test('the break-glass ApplicationSet: one Application per folder with grants, that file only, automated sync and prune, no self-heal, re-synced only when the file changes', () => {
    const [main, bg] = appSets(ARGO);
    expect(bg.metadata.name).toBe(breakGlassSetName('bulkhead'));
    const folders = shopFolders().filter((f) => f.manifests.some(grant)).map((f) => `deploy/${f.name}`);
    expect(bg.spec.generators[0].list.elements.map((e) => e.path)).toEqual(folders);
    for (const e of bg.spec.generators[0].list.elements) expect(e.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    const t = bg.spec.template;
    expect(t.spec.source).toMatchObject({ path: '{{.path}}', directory: { include: BREAK_GLASS_FILE } });
    expect(t.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: false });
    expect(t.metadata.annotations['argocd.argoproj.io/manifest-generate-paths']).toBe(BREAK_GLASS_FILE);
    expect(t.metadata.labels[GITOPS_FOLDER_LABEL]).toBe('break-glass');
    // the folders' Applications self-heal; no Application name is taken twice
    expect(main.spec.template.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    const names = [...main.spec.generators[0].list.elements, ...bg.spec.generators[0].list.elements].map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
  });

  test('without grants there is no break-glass ApplicationSet', () => {
    const folders = multiCloudFolders().map((f) => ({ ...f, manifests: f.manifests.filter((m) => !grant(m)) }));
    expect(appSets({ ...ARGO, controlPlane: 'eks-orders' }, folders)).toHaveLength(1);
  });

  (hasKustomize() ? test : test.skip)('what a self-healing Application applies (its kustomize build) holds no break-glass object', () => {
    const out = writeTemp(gitopsFolders(shopFolders(), ARGO).folders);
    for (const f of shopFolders()) {
      const built = kustomizeBuild(path.join(out, f.name));
      expect(built.filter(grant)).toEqual([]);
      expect(built.length).toBe(f.manifests.filter((m) => !grant(m)).length);
    }
  });

  test('Flux keeps every object in its stages, and says in a warning that it re-applies the grants', () => {
    const out = gitopsFolders(shopFolders(), { tool: 'flux', path: 'deploy' });
    expect(out.folders.flatMap((f) => Object.keys(f.files ?? {}))).not.toContain(BREAK_GLASS_FILE);
    expect(out.warnings.filter((w) => w.code === GITOPS_CODES.breakGlass).map((w) => w.path)).toEqual(shopFolders().filter((f) => f.manifests.some(grant)).map((f) => f.name));
  });
});

describe('Argo CD: ordering across Applications', () => {
  const OPTS = { ...ARGO, controlPlane: { prod: 'mgmt-prod', staging: 'mgmt-staging' }, destinations: { 'staging/eks-orders': 's1', 'staging/aks-support': 's2', 'staging/gke-analytics': 's3' } };

  test('rollingSync: every Application is in exactly one step, network folders before cluster folders, deleted in reverse', () => {
    const [main] = appSets({ ...OPTS, rollingSync: true }, environmentFolders());
    const st = main.spec.strategy!;
    expect(st.type).toBe('RollingSync');
    expect(st.deletionOrder).toBe('Reverse');
    const steps = st.rollingSync.steps.map((s) => s.matchExpressions);
    for (const m of steps) expect(m).toEqual([expect.objectContaining({ key: GITOPS_FOLDER_LABEL, operator: 'In' })]);
    expect(steps.map((m) => m[0].values)).toEqual(ROLLING_SYNC_STEPS);
    expect(main.spec.template.metadata.labels[GITOPS_FOLDER_LABEL]).toBe('{{.folder}}');
    const elements = main.spec.generators[0].list.elements;
    expect(new Set(elements.map((e) => e.folder))).toEqual(new Set(['network', 'cluster']));
    // an Application no step selects would never be synced by the RollingSync
    for (const e of elements) expect(steps.filter((m) => m[0].values.includes(e.folder))).toHaveLength(1);
    const stepOf = (folder: string): number => steps.findIndex((m) => m[0].values.includes(folder));
    expect(stepOf('network')).toBeLessThan(stepOf('cluster'));
  });

  test('by default no strategy (AllAtOnce, self-heal), and every sync retried without limit (the CRDs of other Applications may come later)', () => {
    const [main] = appSets(OPTS, environmentFolders());
    expect(main.spec.strategy).toBeUndefined();
    expect(main.spec.template.spec.syncPolicy.retry.limit).toBe(-1);
  });

  test('rollingSync is an Argo CD option: with Flux, or not a boolean, it is a coded problem', () => {
    expect(problemsThrown(() => gitopsFolders(shopFolders(), { tool: 'flux', path: 'deploy', rollingSync: true })).map((p) => [p.code, p.message])).toEqual([[GITOPS_CODES.option, expect.stringMatching(/Flux orders its Kustomizations with dependsOn already/)]]);
    expect(problemsThrown(() => gitopsFolders(shopFolders(), { ...ARGO, rollingSync: 'yes' as unknown as boolean })).map((p) => p.code)).toEqual(['BH-INPUT-TYPE']);
  });
});

describe('the loader reads a GitOps output folder without noise', () => {
  const renderFirst = (dir: string) => loadManifests([dir]).warnings.filter((w) => w.code === INPUT_CODES.renderFirst);

  test('Bulkhead\'s own kustomizations are skipped silently, and the objects are those of the folder (break-glass.yaml included)', () => {
    for (const tool of ['argocd', 'flux'] as const) {
      const out = writeTemp(gitopsFolders(shopFolders(), { ...ARGO, tool }).folders);
      for (const f of shopFolders()) {
        const dir = path.join(out, f.name);
        expect(fs.existsSync(path.join(dir, 'kustomization.yaml'))).toBe(true);
        expect(renderFirst(dir)).toEqual([]);
        const objects = loadManifests([dir]).objects.map((o) => idOf(o.raw as unknown as KubeManifest)).sort();
        expect(objects).toEqual(f.manifests.map(idOf).sort());
      }
    }
  });

  test('a foreign kustomization, or a Bulkhead one edited since it was written, is still warned about', () => {
    const out = writeTemp(gitopsFolders(shopFolders(), ARGO).folders);
    const dir = path.join(out, shopFolders()[0].name);
    const file = path.join(dir, 'kustomization.yaml');
    const text = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, `${text}namePrefix: edited-\n`);
    expect(renderFirst(dir).map((w) => w.path)).toEqual([file]);
    fs.writeFileSync(file, text.split('\n').slice(1).join('\n'));
    expect(renderFirst(dir).map((w) => w.path)).toEqual([file]);
    const foreign = fs.mkdtempSync(path.join(path.dirname(out), 'foreign-'));
    fs.writeFileSync(path.join(foreign, 'kustomization.yaml'), 'resources:\n  - app.yaml\n');
    fs.writeFileSync(path.join(foreign, 'app.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n');
    expect(renderFirst(foreign)).toHaveLength(1);
  });
});
