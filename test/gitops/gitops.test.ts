/**
 * gitopsFolders end to end: every folder gets a kustomization listing exactly the layer files
 * written beside it, the GitOps objects go to gitops/, the output is byte-identical whatever the
 * order of the folders, and what it cannot do is said in warnings.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { gitopsFolders, GITOPS_CODES } from '../../lib/gitops';
import { ManifestFolder } from '../../lib/synth';
import { environmentFolders, multiCloudFolders, shopFolders, writeTemp } from './fixtures';

const ARGO = { tool: 'argocd' as const, repoUrl: 'https://github.com/acme/platform.git', path: 'deploy' };

function filesUnder(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string, rel: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else out.set(r, fs.readFileSync(path.join(d, e.name), 'utf8'));
    }
  };
  walk(dir, '');
  return out;
}

describe('gitopsFolders', () => {
  test.each(['argocd', 'flux'] as const)('%s: every folder\'s kustomization lists exactly the other YAML files of the folder', (tool) => {
    const out = writeTemp(gitopsFolders(environmentFolders(), { ...ARGO, tool, controlPlane: 'mgmt', ...(tool === 'argocd' ? { destinations: { 'staging/eks-orders': 's1', 'staging/aks-support': 's2', 'staging/gke-analytics': 's3' } } : {}) }).folders);
    const files = filesUnder(out);
    const kustomizations = [...files.keys()].filter((f) => f.endsWith('/kustomization.yaml'));
    expect(kustomizations.length).toBe(environmentFolders().length);
    for (const k of kustomizations) {
      const dir = path.posix.dirname(k);
      // every YAML file beside it but the break-glass objects, which an Application of their own deploys (Argo CD)
      const beside = [...files.keys()].filter((f) => path.posix.dirname(f) === dir && f !== k && f.endsWith('.yaml') && path.posix.basename(f) !== 'break-glass.yaml').map((f) => path.posix.basename(f)).sort();
      expect((YAML.parse(files.get(k)!) as { resources: string[] }).resources).toEqual(beside);
    }
  });

  test('the folders keep their layout (any folders above them) and their objects; the GitOps objects are below gitops/', () => {
    const given = environmentFolders();
    const out = gitopsFolders(given, { ...ARGO, tool: 'flux' });
    const own = out.folders.slice(0, given.length);
    expect(own.map((f) => [...f.under!, f.name].join('/'))).toEqual(given.map((f) => [...f.under!, f.name].join('/')));
    own.forEach((f, i) => expect(f.manifests).toBe(given[i].manifests));
    expect(out.folders.slice(given.length).every((f) => f.under![0] === 'gitops' && f.manifests.length === 0)).toBe(true);
  });

  test('deterministic: the same folders in any order give byte-identical files', () => {
    const a = filesUnder(writeTemp(gitopsFolders(shopFolders(), ARGO).folders));
    const b = filesUnder(writeTemp(gitopsFolders([...shopFolders()].reverse().map((f) => ({ ...f, manifests: [...f.manifests] })), ARGO).folders));
    expect(b).toEqual(a);
    const fa = filesUnder(writeTemp(gitopsFolders(multiCloudFolders(), { ...ARGO, tool: 'flux', controlPlane: 'eks-orders', dependsOn: ['b', 'a'] }).folders));
    const fb = filesUnder(writeTemp(gitopsFolders([...multiCloudFolders()].reverse(), { ...ARGO, tool: 'flux', controlPlane: 'eks-orders', dependsOn: ['a', 'b'] }).folders));
    expect(fb).toEqual(fa);
  });

  test('a network folder without a control plane gets its kustomization, no Application, and a warning', () => {
    const out = gitopsFolders(multiCloudFolders(), ARGO);
    const w = out.warnings.filter((x) => x.code === GITOPS_CODES.noControlPlane);
    expect(w.map((x) => x.path)).toEqual(['aws/123456789012/eu-west-1']);
    const set = YAML.parse(out.folders.find((f) => f.name === 'argocd')!.files!['applicationset.yaml']) as { spec: { generators: { list: { elements: { path: string }[] } }[] } };
    expect(set.spec.generators[0].list.elements.map((e) => e.path)).not.toContain('deploy/aws/123456789012/eu-west-1');
    expect(out.folders.find((f) => f.name === 'eu-west-1')!.files!['kustomization.yaml']).toBeDefined();
  });

  test('Flux: break-glass objects in a folder are named in a warning with their expiry: Flux would apply them again after the reaper', () => {
    expect(gitopsFolders(shopFolders(), ARGO).warnings.filter((x) => x.code === GITOPS_CODES.breakGlass)).toEqual([]);
    const out = gitopsFolders(shopFolders(), { ...ARGO, tool: 'flux' });
    const w = out.warnings.filter((x) => x.code === GITOPS_CODES.breakGlass);
    expect(w.map((x) => x.path)).toEqual(['eks-prod']);
    expect(w[0].value).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(w[0].fix).toMatch(/synthesize again and commit at the expiry/);
  });

  test('other files of a folder are kept beside the kustomization', () => {
    const f: ManifestFolder = { ...multiCloudFolders()[0], files: { 'README.md': 'hello\n' } };
    const out = gitopsFolders([f], ARGO);
    expect(Object.keys(out.folders[0].files!).sort()).toEqual(['README.md', 'kustomization.yaml']);
  });
});

describe('the path in the repository', () => {
  test.each([['deploy', 'deploy/aks-support'], ['./deploy/', 'deploy/aks-support'], ['.', 'aks-support'], ['', 'aks-support'], ['.hidden/x', '.hidden/x/aks-support']])('%s', (given, expected) => {
    const out = gitopsFolders(multiCloudFolders().slice(0, 1), { ...ARGO, path: given });
    const set = YAML.parse(out.folders.find((f) => f.name === 'argocd')!.files!['applicationset.yaml']) as { spec: { generators: { list: { elements: { path: string }[] } }[] } };
    expect(set.spec.generators[0].list.elements[0].path).toBe(expected);
  });
});
