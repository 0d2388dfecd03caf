/**
 * Catalogue of the GitOps output's problems: each entry passes one mistake to gitopsFolders
 * (or makes the output warn) and states the problem: code, severity, path, message, value and fix.
 */
import { Problem } from '../../lib/core/errors';
import { GitOpsOptions, gitopsFolders } from '../../lib/gitops';
import { ManifestFolder } from '../../lib/synth';
import { problemsThrown } from '../util/thrown';
import { environmentFolders, multiCloudFolders, shopFolders } from './fixtures';

interface Case {
  readonly name: string;
  readonly folders?: () => readonly ManifestFolder[];
  readonly options: Record<string, unknown>;
  readonly code: string;
  readonly severity?: 'error' | 'warning';
  readonly path: string;
  readonly message: RegExp;
  readonly value: RegExp;
  readonly fix: RegExp;
}

const ARGO = { tool: 'argocd', repoUrl: 'https://github.com/acme/platform.git', path: 'deploy' };

const CASES: Case[] = [
  { name: 'no tool', options: { repoUrl: ARGO.repoUrl, path: 'deploy' }, code: 'BH-GITOPS-TOOL', path: 'gitopsFolders(options)', message: /options\.tool is missing: nothing would deploy/, value: /^undefined$/, fix: /'argocd' or 'flux'/ },
  { name: 'a tool Bulkhead does not write for', options: { ...ARGO, tool: 'fleet' }, code: 'BH-GITOPS-TOOL', path: 'gitopsFolders(options)', message: /'fleet' is no GitOps controller/, value: /fleet/, fix: /'argocd' or 'flux'/ },
  { name: 'Argo CD without a repository URL', options: { tool: 'argocd', path: 'deploy' }, code: 'BH-GITOPS-REPO-URL', path: 'gitopsFolders(options)', message: /repoUrl is missing: Argo CD Applications need the repository/, value: /^undefined$/, fix: /https:\/\/github\.com\/acme\/platform\.git/ },
  { name: 'a repository URL that is none', options: { ...ARGO, repoUrl: 'github.com/acme' }, code: 'BH-GITOPS-REPO-URL', path: 'gitopsFolders(options)', message: /'github\.com\/acme' is no repository URL Argo CD can clone/, value: /github\.com\/acme/, fix: /clone URL/ },
  { name: 'no path', options: { tool: 'flux' }, code: 'BH-GITOPS-PATH', path: 'gitopsFolders(options)', message: /options\.path .* is missing/, value: /^undefined$/, fix: /relative to the repository's root/ },
  { name: 'an absolute path', options: { ...ARGO, path: '/srv/deploy' }, code: 'BH-GITOPS-PATH', path: 'gitopsFolders(options)', message: /'\/srv\/deploy' is not a path inside the repository/, value: /\/srv\/deploy/, fix: /without '\.\.'/ },
  { name: 'a path out of the repository', options: { ...ARGO, path: '../other' }, code: 'BH-GITOPS-PATH', path: 'gitopsFolders(options)', message: /not a path inside the repository/, value: /\.\.\/other/, fix: /relative to the repository's root/ },
  { name: 'a revision with spaces', options: { ...ARGO, revision: 'my branch' }, code: 'BH-GITOPS-OPTION', path: 'gitopsFolders(options)', message: /revision is not a branch, tag or commit/, value: /my branch/, fix: /'main'/ },
  { name: 'a name that is no DNS label', options: { ...ARGO, name: 'Bulk_head' }, code: 'BH-GITOPS-OPTION', path: 'gitopsFolders(options)', message: /options\.name 'Bulk_head' is not a valid Kubernetes name/, value: /Bulk_head/, fix: /'bulkhead'/ },
  { name: 'a Flux dependency that is no name', options: { tool: 'flux', path: 'deploy', dependsOn: ['a/b/c'] }, code: 'BH-GITOPS-OPTION', path: 'gitopsFolders(options)', message: /dependsOn\[0\] is not a Flux Kustomization name/, value: /a\/b\/c/, fix: /infra-controllers/ },
  { name: 'a control plane that is no name', options: { ...ARGO, controlPlane: 'Mgmt Cluster' }, code: 'BH-GITOPS-OPTION', path: 'gitopsFolders(options)', message: /options\.controlPlane 'Mgmt Cluster' is not a valid Kubernetes name/, value: /Mgmt Cluster/, fix: /runs Crossplane/ },
  { name: 'a destination of no folder', options: { ...ARGO, destinations: { 'prod/eks': 'x' } }, code: 'BH-GITOPS-DESTINATION', path: 'gitopsFolders(options)', message: /names 'prod\/eks', which is no folder's path/, value: /prod\/eks/, fix: /key destinations by a folder's path/ },
  { name: 'two environments\' clusters of one name for one Argo CD', folders: () => environmentFolders(), options: { ...ARGO, controlPlane: 'mgmt' }, code: 'BH-GITOPS-DESTINATION', path: 'prod/aks-support, staging/aks-support', message: /would all deploy to the cluster 'aks-support'/, value: /aks-support/, fix: /destinations: \{ 'prod\/aks-support': '<cluster>'/ },
  { name: 'a folder that already has a kustomization', folders: () => [{ ...multiCloudFolders()[0], files: { 'kustomization.yaml': 'x' } }], options: ARGO, code: 'BH-GITOPS-FOLDER', path: 'aks-support', message: /already has a kustomization\.yaml/, value: /kustomization\.yaml/, fix: /the GitOps output writes it/ },
  { name: 'a cluster named gitops', folders: () => [{ ...multiCloudFolders()[0], name: 'gitops' }], options: ARGO, code: 'BH-GITOPS-FOLDER', path: 'gitops', message: /in the place of the GitOps folder/, value: /gitops/, fix: /rename the cluster or environment 'gitops'/ },
  { name: 'a network folder without a control plane', folders: () => multiCloudFolders(), options: ARGO, severity: 'warning', code: 'BH-GITOPS-NO-CONTROL-PLANE', path: 'aws/123456789012/eu-west-1', message: /no control-plane cluster is named to apply them/, value: /aws\/123456789012\/eu-west-1/, fix: /--control-plane mgmt/ },
  { name: 'break-glass objects under GitOps', folders: () => shopFolders(), options: { tool: 'flux', path: 'deploy' }, severity: 'warning', code: 'BH-GITOPS-BREAK-GLASS', path: 'eks-prod', message: /the reaper deletes them at expiry, but Flux applies every object of its Kustomization again at each interval/, value: /T\d\d:\d\d/, fix: /synthesize again and commit at the expiry/ },
];

describe('GitOps problems catalogue', () => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const folders = c.folders?.() ?? multiCloudFolders().slice(0, 1);
    let problems: readonly Problem[];
    if ((c.severity ?? 'error') === 'error') {
      problems = problemsThrown(() => gitopsFolders(folders, c.options as unknown as GitOpsOptions));
      expect([...new Set(problems.map((p) => p.code))]).toEqual([c.code]);
    } else {
      problems = gitopsFolders(folders, c.options as unknown as GitOpsOptions).warnings;
    }
    const p = problems.find((x) => x.code === c.code && x.path === c.path);
    expect(p).toBeDefined();
    expect(p!.severity).toBe(c.severity ?? 'error');
    expect(p!.message).toMatch(c.message);
    expect(p!.value).toMatch(c.value);
    expect(p!.fix).toMatch(c.fix);
  });

  test('every problem of the options at once, before anything is made', () => {
    const problems = problemsThrown(() => gitopsFolders(multiCloudFolders(), { tool: 'argocd', path: '/abs', name: 'X' } as unknown as GitOpsOptions));
    expect(problems.map((p) => p.code).sort()).toEqual(['BH-GITOPS-OPTION', 'BH-GITOPS-PATH', 'BH-GITOPS-REPO-URL']);
  });

  test('options and folders of the wrong kind are coded problems, never a TypeError', () => {
    expect(problemsThrown(() => gitopsFolders(multiCloudFolders(), undefined as unknown as GitOpsOptions)).map((p) => p.code)).toEqual(['BH-INPUT-PROPS']);
    expect(problemsThrown(() => gitopsFolders('out' as unknown as ManifestFolder[], { tool: 'flux', path: '' })).map((p) => p.code)).toEqual(['BH-INPUT-TYPE']);
    expect(problemsThrown(() => gitopsFolders([{ name: 'a', manifests: [{ kind: 'X' }] }] as unknown as ManifestFolder[], { tool: 'flux', path: '' })).map((p) => p.code)).toEqual(['BH-INPUT-TYPE']);
    expect(problemsThrown(() => gitopsFolders(multiCloudFolders(), { tool: 'flux', path: '', destinations: 'x', controlPlane: 3 } as unknown as GitOpsOptions)).map((p) => p.code)).toEqual(['BH-INPUT-TYPE', 'BH-INPUT-TYPE']);
  });
});
