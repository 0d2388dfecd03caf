import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EXIT_BAD_INPUT, EXIT_FINDING, EXIT_OK, run } from '../../lib/cli/main';
import { tempDir } from '../util/tmp';

function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = run(argv, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; } });
  return { code, out, err };
}

const FIX = path.join(__dirname, 'fixtures');

describe('bulkhead verify / synth / diff on declarations', () => {
  test('verify: the example has no finding (exit 0); NetworkPolicy is approximate for its FQDN external, the other layers exact', () => {
    const r = cli('verify', path.join(FIX, 'shop.ts'));
    expect(r.code).toBe(EXIT_OK);
    expect(r.out).toMatch(/eks-prod kubernetes: approximate/);
    expect(r.out).toMatch(/eks-prod cilium: exact/);
    expect(r.out).toMatch(/eks-prod istio: exact/);
    expect(r.out).toMatch(/verify: no finding; 1 approximation\(s\)/);
  });

  test('verify --format json, and a named export (a function returning the declaration)', () => {
    const r = cli('verify', path.join(__dirname, '../../examples/ecommerce/declaration.ts'), '--export', 'declareShop', '--format', 'json');
    expect(r.code).toBe(EXIT_OK);
    const report = JSON.parse(r.out) as { ok: boolean; layers: unknown[] };
    expect(report.ok).toBe(true);
    expect(report.layers).toHaveLength(5);
  });

  test('verify: a module without a Topology is bad input (exit 2) with a fix', () => {
    const r = cli('verify', path.join(FIX, 'shop.ts'), '--export', 'nothing');
    expect(r.code).toBe(EXIT_BAD_INPUT);
    expect(r.err).toMatch(/\[BH-CLI-DECLARATION\] error at .*shop\.ts: .*does not export a Topology as 'nothing'/);
    expect(r.err).toMatch(/fix: .*--export/);
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
  });

  test('synth: one folder per cluster, one file per layer', () => {
    const out = tempDir('bulkhead-synth-');
    const r = cli('synth', path.join(FIX, 'shop.ts'), '--out', out);
    expect(r.code).toBe(EXIT_OK);
    expect(fs.readdirSync(out).sort()).toEqual(['.bulkhead-manifest.json', 'eks-prod', 'gke-analytics']);
    expect(fs.readdirSync(path.join(out, 'eks-prod')).sort()).toEqual(['.bulkhead-cluster.json', 'cilium.yaml', 'cluster-network-policy.yaml', 'istio.yaml', 'kubernetes.yaml', 'spire.yaml']);
    expect(fs.readdirSync(path.join(out, 'gke-analytics')).sort()).toEqual(['.bulkhead-cluster.json', 'istio.yaml', 'kubernetes.yaml', 'spire.yaml']);
    // and the analysis reads it back
    const conn = cli('connlist', path.join(out, 'eks-prod'), '--trust-domain', 'prod.shop.example.com');
    expect(conn.code).toBe(EXIT_OK);
  });

  test('diff of two declarations: the impact of a change, per cluster (exit 1 with --exit-code)', () => {
    const r = cli('diff', path.join(FIX, 'shop.ts'), path.join(FIX, 'shop-change.ts'), '--exit-code');
    expect(r.code).toBe(EXIT_FINDING);
    expect(r.out).toContain('# cluster eks-prod\n+ shop/catalog-service[Deployment] => shop/redis[Deployment] : TCP 6379\n');
    const same = cli('diff', path.join(FIX, 'shop.ts'), path.join(FIX, 'shop.ts'), '--exit-code');
    expect(same.code).toBe(EXIT_OK);
  });
});

const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);

describe('bad input gets a formatted problem, never a stack trace', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-cli-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('verify <folder>: a folder is not a declaration program', () => {
    const r = cli('verify', dir);
    expect(r.code).toBe(EXIT_BAD_INPUT);
    expect(r.err).toMatch(/\[BH-CLI-DECLARATION\] error at .*: .* is a folder, not a declaration program/);
    expect(r.err).toMatch(/fix: .*bulkhead connlist/);
    noStack(r.err);
  });

  test('verify of a program that throws, and of a file that is not a program', () => {
    fs.writeFileSync(path.join(dir, 'broken.js'), 'throw new TypeError("boom");\n');
    const r = cli('verify', path.join(dir, 'broken.js'));
    expect(r.code).toBe(EXIT_BAD_INPUT);
    expect(r.err).toMatch(/\[BH-CLI-DECLARATION\] .*failed to load: boom/);
    noStack(r.err);
    fs.writeFileSync(path.join(dir, 'x.yaml'), 'a: 1\n');
    expect(cli('synth', path.join(dir, 'x.yaml')).err).toMatch(/is not a TypeScript or JavaScript program/);
  });

  test('synth --out onto a file is an error with the fix', () => {
    const file = path.join(dir, 'out.txt');
    fs.writeFileSync(file, 'mine\n');
    const r = cli('synth', path.join(FIX, 'shop.ts'), '--out', file);
    expect(r.code).toBe(EXIT_BAD_INPUT);
    expect(r.err).toMatch(/\[BH-OUT-NOT-FOLDER\] error at .*out\.txt: the output path exists and is not a folder/);
    expect(fs.readFileSync(file, 'utf8')).toBe('mine\n');
    noStack(r.err);
  });

  test('synth --out never deletes a foreign file: a non-empty folder without a record is refused; a repeat run works', () => {
    fs.writeFileSync(path.join(dir, 'notes.md'), 'keep\n');
    const r = cli('synth', path.join(FIX, 'shop.ts'), '--out', dir);
    expect(r.code).toBe(EXIT_BAD_INPUT);
    expect(r.err).toMatch(/\[BH-OUT-FOREIGN\]/);
    expect(fs.readFileSync(path.join(dir, 'notes.md'), 'utf8')).toBe('keep\n');
    const out = path.join(dir, 'manifests');
    expect(cli('synth', path.join(FIX, 'shop.ts'), '--out', out).code).toBe(EXIT_OK);
    fs.writeFileSync(path.join(out, 'notes.md'), 'mine\n');
    expect(cli('synth', path.join(FIX, 'shop.ts'), '--out', out).code).toBe(EXIT_OK);
    expect(fs.readFileSync(path.join(out, 'notes.md'), 'utf8')).toBe('mine\n');
    // the folder holds two cluster folders with their facts: they are analysed together
    const merged = cli('connlist', out);
    expect(merged.code).toBe(EXIT_OK);
    expect(merged.err).toMatch(/at eks-prod: /);
    expect(merged.err).toMatch(/at gke-analytics: /);
  });

  test('command-line errors are problems too', () => {
    const r = cli('connlist', dir, '--no-such-option');
    expect(r.code).toBe(EXIT_BAD_INPUT);
    expect(r.err).toMatch(/^\[BH-CLI-USAGE\] error at bulkhead: unknown option '--no-such-option'/);
  });

  test('unreadable files and folders are problems', () => {
    const r = cli('connlist', path.join(dir, 'missing'));
    expect(r.code).toBe(EXIT_BAD_INPUT);
    expect(r.err).toMatch(/\[BH-IN-READ\] error at input: cannot read/);
    noStack(r.err);
  });

  test('an empty folder prints a warning, not silence; --strict makes it an error', () => {
    const r = cli('connlist', dir);
    expect(r.code).toBe(EXIT_OK);
    expect(r.err).toMatch(/\[BH-IN-EMPTY\] warning at /);
    const strict = cli('connlist', dir, '--strict');
    expect(strict.code).toBe(EXIT_BAD_INPUT);
    expect(strict.err).toMatch(/\[BH-IN-EMPTY\] error at /);
  });

  test('a policy that selects no workload prints a warning, not silence', () => {
    fs.writeFileSync(path.join(dir, 'all.yaml'), [
      'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\nspec: {podSelector: {matchLabels: {app: wbe}}, policyTypes: [Ingress]}',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop, labels: {app: web}}\nspec: {containers: [{name: c}]}',
    ].join('\n---\n'));
    const r = cli('connlist', dir);
    expect(r.code).toBe(EXIT_OK);
    expect(r.err).toMatch(/\[BH-IN-SELECTS-NOTHING\] warning at .*all\.yaml \(document 1\), NetworkPolicy shop\/p, spec\.podSelector: the policy selects no workload/);
  });

  test('--strict: a misspelled field is an error, listed with every other problem', () => {
    fs.writeFileSync(path.join(dir, 'np.yaml'), [
      'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\nspec: {podSelectr: {}}',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec: {containers: [{name: c, ports: [{port: 80}]}]}',
    ].join('\n---\n'));
    const loose = cli('connlist', dir);
    expect(loose.code).toBe(EXIT_OK);
    expect(loose.err).toMatch(/\[BH-IN-UNKNOWN-FIELD\] warning at .*np\.yaml \(document 1\), NetworkPolicy shop\/p, spec\.podSelectr/);
    const strict = cli('connlist', dir, '--strict');
    expect(strict.code).toBe(EXIT_BAD_INPUT);
    expect(strict.err).toMatch(/^bulkhead: 5 problems in the input:/);
    for (const code of ['BH-IN-UNKNOWN-FIELD', 'BH-IN-REQUIRED', 'BH-IN-EMPTY']) expect(strict.err).toContain(`[${code}] error`);
  });

  test('an internal failure is one problem without a stack trace (unless BULKHEAD_DEBUG is set)', () => {
    fs.writeFileSync(path.join(dir, 'odd.js'), 'module.exports = { get topology() { throw new RangeError("deep"); } };\n');
    const r = cli('verify', path.join(dir, 'odd.js'));
    expect(r.code).toBe(EXIT_BAD_INPUT);
    expect(r.err).toMatch(/\[BH-CLI-(DECLARATION|INTERNAL)\]/);
    noStack(r.err);
  });
});
