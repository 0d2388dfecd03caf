/**
 * `bulkhead verify` as a user runs it: a program exporting an Environments is verified in every
 * environment (each with its clusters and their cross-cluster pairs) without naming one, and
 * `--against <folder>` compares the synthesis with committed manifests (drift) and verifies the
 * committed manifests themselves.
 */
import * as fs from 'fs';
import * as path from 'path';
import { EXIT_FINDING, EXIT_OK, run } from '../../lib/cli/main';
import { formatProgramVerify, ProgramVerify } from '../../lib/cli/verify';
import { tempDir } from '../util/tmp';

const PROGRAM = path.join(__dirname, '../../examples/environments/declaration.ts');

function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = run(argv, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; } });
  return { code, out, err };
}

let tree = '';
beforeAll(() => {
  tree = path.join(tempDir('bh-verify-against-'), 'out');
  expect(cli('synth', PROGRAM, '--out', tree).code).toBe(EXIT_OK);
});

/** A fresh copy of the committed tree, to edit. */
function copyOfTree(): string {
  const dir = path.join(tempDir('bh-verify-copy-'), 'out');
  fs.cpSync(tree, dir, { recursive: true });
  return dir;
}

describe('bulkhead verify of a whole Environments', () => {
  test('every environment, each cluster and layer, cross-cluster pairs included; one verdict line per environment', () => {
    const r = cli('verify', PROGRAM);
    expect(r.code).toBe(EXIT_OK);
    for (const env of ['dev', 'staging', 'prod']) {
      expect(r.out).toMatch(new RegExp(`^# environment ${env}$`, 'm'));
      for (const cluster of [`eks-${env}`, `gke-${env}`]) expect(r.out).toMatch(new RegExp(`^${cluster} kubernetes: (exact|approximate).*of them cross-cluster`, 'm'));
    }
    // the layers in audit mode per environment (dev audits Istio and Cilium; staging Istio), prod enforces
    expect(r.out).toMatch(/^eks-dev cilium: audit mode/m);
    expect(r.out).toMatch(/^gke-staging istio: audit mode/m);
    expect(r.out).toMatch(/^eks-prod cilium: exact/m);
    expect(r.out).toMatch(/^gke-prod istio: exact \(\d+ endpoint pairs, [1-9]\d* of them cross-cluster/m);
    expect(r.out).toMatch(/^environments: dev: no finding; prod: no finding; staging: no finding$/m);
  });

  test('--format json: ok, exact and the report of each environment', () => {
    const r = cli('verify', PROGRAM, '--format', 'json');
    expect(r.code).toBe(EXIT_OK);
    const j = JSON.parse(r.out) as ProgramVerify;
    expect(j.ok).toBe(true);
    expect(j.exact).toBe(false); // the FQDN payment provider is approximate in NetworkPolicy
    expect(j.environments.map((e) => e.environment)).toEqual(['dev', 'prod', 'staging']);
    const prod = j.environments.find((e) => e.environment === 'prod')!;
    expect(prod.verify.layers.map((l) => `${l.cluster} ${l.layer}`)).toEqual(expect.arrayContaining(['eks-prod istio', 'gke-prod istio', 'gke-prod kubernetes']));
    expect(prod.verify.layers.filter((l) => (l.crossClusterPairs ?? 0) > 0).length).toBe(prod.verify.layers.length);
  });

  test('the verdict of a failing environment names it, and the whole run fails', () => {
    const r = cli('verify', PROGRAM, '--format', 'json');
    const j = JSON.parse(r.out) as ProgramVerify;
    const staging = j.environments.find((e) => e.environment === 'staging')!;
    const finding = { cluster: 'eks-staging', layer: 'kubernetes' as const, kind: 'missing' as const, src: 'shop/web[Deployment]', dst: 'shop/cart-service[Deployment]', ports: 'TCP 8080' };
    const failed: ProgramVerify = {
      ...j, ok: false,
      environments: j.environments.map((e) => (e === staging ? { ...e, verify: { ...e.verify, ok: false, findings: [finding], layers: e.verify.layers.map((l) => (l.cluster === 'eks-staging' && l.layer === 'kubernetes' ? { ...l, status: 'findings' as const, findings: [finding] } : l)) } } : e)),
    };
    const text = formatProgramVerify(failed);
    expect(text).toMatch(/^eks-staging kubernetes: 1 finding\(s\)/m);
    expect(text).toMatch(/^environments: dev: no finding; prod: no finding; staging: 1 finding\(s\)$/m);
  });
});

describe('bulkhead verify --against <folder> (drift)', () => {
  test('the tree bulkhead synth wrote: no drift in any environment, and the committed manifests verify (exit 0)', () => {
    const r = cli('verify', PROGRAM, '--against', tree);
    expect(r.code).toBe(EXIT_OK);
    for (const env of ['dev', 'staging', 'prod']) {
      expect(r.out).toMatch(new RegExp(`^drift ${env}/eks-${env}: \\d+ unchanged, 0 changed, 0 missing, 0 extra, 0 foreign`, 'm'));
      expect(r.out).toMatch(new RegExp(`^# the committed manifests of ${env}, verified$`, 'm'));
    }
    expect(r.out).toMatch(/^environments: dev: no finding, no drift; prod: no finding, no drift; staging: no finding, no drift$/m);
  });

  test('<file>#prod against the tree of every environment, or against the prod folder: the prod folders are found either way', () => {
    expect(cli('verify', `${PROGRAM}#prod`, '--against', tree).code).toBe(EXIT_OK);
    const r = cli('verify', `${PROGRAM}#prod`, '--against', path.join(tree, 'prod'));
    expect(r.code).toBe(EXIT_OK);
    expect(r.out).toMatch(/^drift eks-prod: \d+ unchanged, 0 changed/m);
  });

  test('a port changed by hand in prod and a hand-written policy: the change field by field, the policy foreign; prod fails (exit 1), and the committed manifests miss the declared port', () => {
    const dir = copyOfTree();
    const file = path.join(dir, 'prod', 'eks-prod', 'kubernetes.yaml');
    const text = fs.readFileSync(file, 'utf8');
    // the ingress controller's egress to the web front end, TCP 8080
    const at = text.indexOf('\n  name: ingress-controller\n');
    expect(at).toBeGreaterThan(0);
    const port = text.indexOf('port: 8080', at);
    fs.writeFileSync(file, `${text.slice(0, port)}port: 8081${text.slice(port + 'port: 8080'.length)}---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: hand-made\n  namespace: shop\nspec:\n  podSelector: {}\n  ingress:\n    - {}\n`);
    const r = cli('verify', PROGRAM, '--against', dir);
    expect(r.code).toBe(EXIT_FINDING);
    expect(r.out).toMatch(/^changed prod\/eks-prod: NetworkPolicy ingress\/ingress-controller \(prod\/eks-prod\/kubernetes\.yaml\)$/m);
    expect(r.out).toMatch(/^ {2}changed spec\.egress\[\d+\]\.ports\[0\]\.port: 8080 -> 8081$/m);
    expect(r.out).toMatch(/^foreign prod\/eks-prod: NetworkPolicy shop\/hand-made .*not written by Bulkhead/m);
    // verify of what is committed: the declared port is missing, the hand-made policy over-permissive
    expect(r.out).toMatch(/^missing eks-prod kubernetes: ingress\/ingress-controller\[Deployment\] => shop\/web\[Deployment\] : TCP 8080$/m);
    expect(r.out).toMatch(/^over-permissive eks-prod kubernetes: .* => shop\/web\[Deployment\] : All Connections$/m);
    expect(r.out).toMatch(/^environments: dev: no finding, no drift; prod: no finding, 1 object\(s\) drifted, committed manifests: \d+ finding\(s\); staging: no finding, no drift$/m);
  });

  test('a deleted file and a left-over Bulkhead object: missing and extra; JSON names them', () => {
    const dir = copyOfTree();
    fs.rmSync(path.join(dir, 'dev', 'gke-dev', 'spire.yaml'));
    const left = fs.readFileSync(path.join(tree, 'staging', 'gke-staging', 'kubernetes.yaml'), 'utf8').split(/^---$/m)[0].replace(/name: (\S+)/, 'name: $1-old');
    fs.writeFileSync(path.join(dir, 'dev', 'gke-dev', 'old.yaml'), left);
    const r = cli('verify', `${PROGRAM}#dev`, '--against', dir, '--format', 'json');
    expect(r.code).toBe(EXIT_FINDING);
    const j = JSON.parse(r.out) as ProgramVerify;
    const drift = j.environments[0].drift!;
    expect(drift.ok).toBe(false);
    expect(drift.drift.filter((e) => e.status === 'missing').map((e) => e.apiVersion.split('/')[0])).toEqual(expect.arrayContaining(['spire.spiffe.io']));
    expect(drift.drift.filter((e) => e.status === 'extra').map((e) => e.file)).toEqual(['gke-dev/old.yaml']);
  });
});
