/**
 * `bulkhead synth --gitops`: the kustomizations and the GitOps objects beside the cluster
 * folders, the options they are made from, and bad options as coded problems with nothing written.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { EXIT_BAD_INPUT, EXIT_OK, run } from '../../lib/cli/main';
import { tempDir } from '../util/tmp';

function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = run(argv, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; } });
  return { code, out, err };
}

const SHOP = path.join(__dirname, 'fixtures', 'shop.ts');
const tmp = (): string => path.join(tempDir('bulkhead-cli-gitops-'), 'out');

describe('bulkhead synth --gitops', () => {
  test('argocd: a kustomization per cluster folder and the ApplicationSet from --repo-url, --revision and --path', () => {
    const out = tmp();
    const r = cli('synth', SHOP, '--out', out, '--gitops', 'argocd', '--repo-url', 'https://github.com/acme/platform.git', '--revision', 'main', '--path', 'deploy/segmentation');
    expect(r.code).toBe(EXIT_OK);
    const files = r.out.trim().split('\n').map((f) => path.relative(out, f));
    expect(files).toEqual(expect.arrayContaining(['eks-prod/kustomization.yaml', 'gke-analytics/kustomization.yaml', 'gitops/argocd/applicationset.yaml']));
    const [set, breakGlass] = YAML.parseAllDocuments(fs.readFileSync(path.join(out, 'gitops/argocd/applicationset.yaml'), 'utf8')).map((d) => d.toJSON());
    expect(set.spec.template.spec.source).toEqual({ repoURL: 'https://github.com/acme/platform.git', targetRevision: 'main', path: '{{.path}}' });
    expect(set.spec.generators[0].list.elements.map((e: { path: string; cluster: string }) => `${e.path}=${e.cluster}`)).toEqual(['deploy/segmentation/eks-prod=eks-prod', 'deploy/segmentation/gke-analytics=gke-analytics']);
    expect(set.spec.strategy).toBeUndefined();
    // the break-glass grants: their own file and Application, without self-heal (no warning: the reaper's deletion stays)
    expect(files).toContain('eks-prod/break-glass.yaml');
    expect(breakGlass.spec.template.spec.syncPolicy.automated.selfHeal).toBe(false);
    expect(r.err).not.toMatch(/BH-GITOPS-BREAK-GLASS/);
  });

  test('argocd --rolling-sync: the ApplicationSet orders network folders before cluster folders', () => {
    const out = tmp();
    expect(cli('synth', SHOP, '--out', out, '--gitops', 'argocd', '--repo-url', 'https://github.com/acme/platform.git', '--path', 'deploy', '--rolling-sync').code).toBe(EXIT_OK);
    const [set] = YAML.parseAllDocuments(fs.readFileSync(path.join(out, 'gitops/argocd/applicationset.yaml'), 'utf8')).map((d) => d.toJSON());
    expect(set.spec.strategy.type).toBe('RollingSync');
    expect(set.spec.strategy.rollingSync.steps.map((s: { matchExpressions: { values: string[] }[] }) => s.matchExpressions[0].values)).toEqual([['network'], ['cluster']]);
  });

  test('flux: Kustomizations per cluster with --source-ref and --depends-on; --path defaults to a relative --out', () => {
    const dir = tempDir('bulkhead-cli-gitops-');
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const r = cli('synth', SHOP, '--out', 'manifests', '--gitops', 'flux', '--source-ref', 'platform', '--depends-on', 'infra-controllers', '--destination', 'gke-analytics=analytics');
      expect(r.code).toBe(EXIT_OK);
      const docs = YAML.parseAllDocuments(fs.readFileSync(path.join(dir, 'manifests/gitops/flux/analytics/kustomizations.yaml'), 'utf8')).map((d) => d.toJSON());
      expect(docs[0].spec).toMatchObject({ path: './manifests/gke-analytics', sourceRef: { kind: 'GitRepository', name: 'platform' }, dependsOn: [{ name: 'infra-controllers' }] });
    } finally {
      process.chdir(cwd);
    }
  });

  test('argocd: a network folder deploys to the control plane its declaration names; --control-plane overrides it', () => {
    const CLOUD = path.join(__dirname, 'fixtures', 'cloud-shop.ts');
    const elements = (out: string) => YAML.parseAllDocuments(fs.readFileSync(path.join(out, 'gitops/argocd/applicationset.yaml'), 'utf8'))[0].toJSON().spec.generators[0].list.elements
      .map((e: { path: string; cluster: string }) => `${e.path}=${e.cluster}`);
    const declared = tmp();
    const r = cli('synth', CLOUD, '--out', declared, '--gitops', 'argocd', '--repo-url', 'https://github.com/acme/platform.git', '--path', 'deploy');
    expect(r.code).toBe(EXIT_OK);
    expect(r.err).not.toMatch(/BH-GITOPS-NO-CONTROL-PLANE/);
    expect(elements(declared)).toEqual(['deploy/aws/123456789012/eu-west-1=eks-prod', 'deploy/eks-prod=eks-prod']);
    const given = tmp();
    expect(cli('synth', CLOUD, '--out', given, '--gitops', 'argocd', '--repo-url', 'https://github.com/acme/platform.git', '--path', 'deploy', '--control-plane', 'mgmt').code).toBe(EXIT_OK);
    expect(elements(given)).toEqual(['deploy/aws/123456789012/eu-west-1=mgmt', 'deploy/eks-prod=eks-prod']);
  });

  test('argocd without --repo-url: a coded problem, exit 2, nothing written', () => {
    const out = tmp();
    const r = cli('synth', SHOP, '--out', out, '--gitops', 'argocd', '--path', 'deploy');
    expect(r.code).toBe(EXIT_BAD_INPUT);
    expect(r.err).toMatch(/\[BH-GITOPS-REPO-URL\] error at gitopsFolders\(options\): options\.repoUrl is missing/);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('an absolute --out without --path: where the output is in the repository is not guessed', () => {
    const out = tmp();
    const r = cli('synth', SHOP, '--out', out, '--gitops', 'flux');
    expect(r.code).toBe(EXIT_BAD_INPUT);
    expect(r.err).toMatch(/\[BH-GITOPS-OPTION\].*no path inside the repository, and no --path says where it is/);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('GitOps options without --gitops are refused, and --gitops takes only argocd or flux', () => {
    const out = tmp();
    const r = cli('synth', SHOP, '--out', out, '--repo-url', 'https://github.com/acme/platform.git');
    expect(r.code).toBe(EXIT_BAD_INPUT);
    expect(r.err).toMatch(/GitOps options were given without --gitops/);
    const bad = cli('synth', SHOP, '--out', out, '--gitops', 'fleet');
    expect(bad.code).toBe(EXIT_BAD_INPUT);
    expect(bad.err).toMatch(/argocd, flux/);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('without --gitops the output is as before: no kustomization, no gitops folder', () => {
    const out = tmp();
    const r = cli('synth', SHOP, '--out', out);
    expect(r.code).toBe(EXIT_OK);
    const files = r.out.trim().split('\n').map((f) => path.relative(out, f));
    expect(files.filter((f) => f.endsWith('kustomization.yaml') || f.startsWith('gitops/'))).toEqual([]);
    expect(files.length).toBeGreaterThan(0);
  });
});
