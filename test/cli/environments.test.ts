/**
 * The environments half of the command: `bulkhead synth` of an exported Environments (one
 * folder per environment and cluster), `<file>#<environment>` for verify, and `bulkhead diff`
 * between two environments by workload identity.
 */
import * as fs from 'fs';
import * as path from 'path';
import { EXIT_BAD_INPUT, EXIT_FINDING, EXIT_OK, run } from '../../lib/cli/main';
import { diffEnvironments, formatEnvironmentDiff } from '../../lib/cli/environments';
import { foldersOf, synthesize, synthesizeEnvironments, writeManifests } from '../../lib/synth';
import { standInWorkloads } from '../../lib/verify';
import { declareEnvironments, shopClusters } from '../../examples/environments/declaration';
import { tempDir } from '../util/tmp';

const PROGRAM = path.join(__dirname, '../../examples/environments/declaration.ts');

function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = run(argv, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; } });
  return { code, out, err };
}

describe('bulkhead synth of an Environments', () => {
  test('writes out/<environment>/<cluster>/<layer>.yaml for every environment, each object labelled with its environment', () => {
    const out = path.join(tempDir('bh-envs-'), 'out');
    const r = cli('synth', PROGRAM, '--out', out);
    expect(r.code).toBe(EXIT_OK);
    const dirs = fs.readdirSync(out).filter((f) => !f.startsWith('.')).sort();
    expect(dirs).toEqual(['dev', 'prod', 'staging']);
    for (const env of dirs) {
      expect(fs.readdirSync(path.join(out, env)).sort()).toEqual([`eks-${env}`, `gke-${env}`]);
      const np = fs.readFileSync(path.join(out, env, `eks-${env}`, 'kubernetes.yaml'), 'utf8');
      const labels = [...np.matchAll(/bulkhead\.io\/environment: (\S+)/g)].map((m) => m[1]);
      const objects = np.split(/^---$/m).length;
      expect(labels).toHaveLength(objects);
      expect(new Set(labels)).toEqual(new Set([env]));
    }
    const record = JSON.parse(fs.readFileSync(path.join(out, '.bulkhead-manifest.json'), 'utf8')) as { files: Record<string, string> };
    expect(Object.keys(record.files)).toContain('prod/eks-prod/istio.yaml');
    expect(Object.keys(record.files)).toContain('dev/gke-dev/spire.yaml');
  });

  test('verify <file>#<environment> verifies that environment only; an unknown one is bad input with a fix', () => {
    const prod = cli('verify', `${PROGRAM}#prod`);
    expect(prod.code).toBe(EXIT_OK);
    expect(prod.out).toMatch(/eks-prod istio: exact/);
    expect(prod.out).not.toMatch(/eks-(dev|staging)/);
    const unknown = cli('verify', `${PROGRAM}#qa`);
    expect(unknown.code).toBe(EXIT_BAD_INPUT);
    expect(unknown.err).toMatch(/has no environment 'qa' \(it has dev, prod, staging\)/);
  });
});

describe('bulkhead diff between environments', () => {
  test('what prod allows that dev did not test: the flows of the workload dev leaves out, by identity (domain/namespace/name), not by cluster name or address', () => {
    const r = cli('diff', `${PROGRAM}#dev`, `${PROGRAM}#prod`, '--exit-code');
    expect(r.code).toBe(EXIT_FINDING);
    expect(r.out).toMatch(/# effective: allowed in prod, not in dev \(not tested there\): [1-9]/);
    expect(r.out).toMatch(/^\+ eks: payments\/payments\/payment-service => payments\/payments\/fraud-detection : TCP 9090$/m);
    // cluster names (eks-dev, eks-prod) and pod CIDRs differ per environment, and show nowhere
    expect(r.out).not.toMatch(/eks-(dev|prod)|10\.1[02]\d\./);
  });

  test('two environments that differ only in names, trust domains and addresses differ in nothing', () => {
    const envs = declareEnvironments(undefined, {
      overlays: {
        blue: { trustDomain: 'blue.shop.example.com', clusters: shopClusters('blue', 20) },
        green: { trustDomain: 'green.shop.example.com', clusters: shopClusters('green', 40) },
      },
    });
    const d = diffEnvironments({ name: 'blue', synthesis: synthesize(envs.topology('blue')) }, { name: 'green', synthesis: synthesize(envs.topology('green')) });
    expect(d.layers.map((l) => l.layer)).toEqual(['effective', 'cilium', 'istio', 'kubernetes']);
    for (const l of d.layers) {
      expect(l.onlyAfter).toEqual([]);
      expect(l.onlyBefore).toEqual([]);
    }
  });

  test('staging audits the mesh: it allows more than prod in the istio layer and in effect, and prod allows nothing staging did not test', () => {
    const envs = declareEnvironments(undefined);
    const d = diffEnvironments({ name: 'staging', synthesis: synthesize(envs.topology('staging')) }, { name: 'prod', synthesis: synthesize(envs.topology('prod')) });
    for (const l of d.layers) expect(l.onlyAfter).toEqual([]);
    const istio = d.layers.find((l) => l.layer === 'istio')!;
    const kubernetes = d.layers.find((l) => l.layer === 'kubernetes')!;
    expect(istio.onlyBefore.length).toBeGreaterThan(0);
    expect(kubernetes.onlyBefore).toEqual([]);
    expect(istio.onlyBefore).toContainEqual({ cluster: 'eks', src: '-/shop/web', dst: 'payments/payments/payment-db', ports: 'TCP 1-65535' });
    expect(formatEnvironmentDiff({ ...d, layers: [istio] }, 'txt')).toMatch(/# istio: allowed in staging, not in prod: [1-9]/);
    expect(JSON.parse(formatEnvironmentDiff(d, 'json'))).toMatchObject({ before: 'staging', after: 'prod' });
  });

  test('--layer picks one layer; md output is a table', () => {
    const r = cli('diff', `${PROGRAM}#staging`, `${PROGRAM}#prod`, '--layer', 'istio', '--format', 'md');
    expect(r.code).toBe(EXIT_OK);
    expect(r.out).toMatch(/^## istio$/m);
    expect(r.out).toMatch(/^\| staging \| eks \| /m);
  });
});

describe('bulkhead diff between environments across clusters', () => {
  test('cross-cluster connections are compared too, the clusters paired by their role (eks -> gke), whatever each environment names them', () => {
    const envs = declareEnvironments(undefined);
    const d = diffEnvironments({ name: 'staging', synthesis: synthesize(envs.topology('staging')) }, { name: 'prod', synthesis: synthesize(envs.topology('prod')) });
    const effective = d.layers.find((l) => l.layer === 'effective')!;
    // staging's Istio audits: gke lets in what its NetworkPolicy admits from eks's pod range, prod's Istio only the declared caller
    const cross = effective.onlyBefore.filter((e) => e.cluster === 'eks -> gke');
    expect(cross.length).toBeGreaterThan(0);
    expect(cross.every((e) => e.dst === '-/analytics/event-collector' && e.ports === 'TCP 8080')).toBe(true);
    expect(cross.map((e) => e.src)).not.toContain('-/shop/cart-service'); // the declared cross-cluster flow is allowed in both
    expect(effective.onlyAfter).toEqual([]);
    expect(JSON.stringify(d)).not.toMatch(/eks-(staging|prod)|gke-(staging|prod)/);
  });

  describe('two folder sets (out/staging out/prod), with the applications\' workloads beside the policies', () => {
    const out = path.join(tempDir('bh-envs-diff-'), 'out');
    beforeAll(() => {
      const s = synthesizeEnvironments(declareEnvironments(undefined));
      writeManifests(foldersOf(s), out);
      for (const e of s.environments) {
        for (const c of e.synthesis.clusters) {
          const items = standInWorkloads(e.synthesis.plan, c.cluster);
          fs.writeFileSync(path.join(out, e.name, c.cluster.name, 'workloads.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
        }
      }
    });

    test('the cluster facts name each cluster\'s role; an environment against itself differs in nothing (exit 0)', () => {
      expect(JSON.parse(fs.readFileSync(path.join(out, 'prod', 'eks-prod', '.bulkhead-cluster.json'), 'utf8'))).toMatchObject({ name: 'eks-prod', role: 'eks', environment: 'prod' });
      const r = cli('diff', path.join(out, 'prod'), path.join(out, 'prod'), '--exit-code');
      expect(r.code).toBe(EXIT_OK);
      expect(r.out).toMatch(/: 0\n# effective: .*: 0\n$/);
    });

    test('staging against prod: the cross-cluster pairs staging lets through and prod does not, by role and identity, in both directions', () => {
      const r = cli('diff', path.join(out, 'staging'), path.join(out, 'prod'), '--exit-code');
      expect(r.code).toBe(EXIT_FINDING);
      expect(r.out).toMatch(/^# effective: allowed in .*prod, not in .*staging \(not tested there\): 0$/m);
      expect(r.out).toMatch(/^- eks -> gke: -\/kube-system\/platform-dns => -\/analytics\/event-collector : TCP 8080$/m);
      expect(r.out).not.toMatch(/^[-+] .*(eks|gke)-(staging|prod)/m);
      const j = JSON.parse(cli('diff', path.join(out, 'prod'), path.join(out, 'staging'), '--format', 'json').out) as { layers: { layer: string; onlyAfter: { cluster: string }[] }[] };
      expect(j.layers[0].onlyAfter.some((e) => e.cluster === 'eks -> gke')).toBe(true);
    });
  });
});
