import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EXIT_BAD_INPUT, EXIT_FINDING, EXIT_OK, run } from '../../lib/cli/main';

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
    expect(r.err).toMatch(/does not export a Topology as 'nothing'.*--export/);
  });

  test('synth: one folder per cluster, one file per layer', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-synth-'));
    const r = cli('synth', path.join(FIX, 'shop.ts'), '--out', out);
    expect(r.code).toBe(EXIT_OK);
    expect(fs.readdirSync(out).sort()).toEqual(['eks-prod', 'gke-analytics']);
    expect(fs.readdirSync(path.join(out, 'eks-prod')).sort()).toEqual(['cilium.yaml', 'cluster-network-policy.yaml', 'istio.yaml', 'kubernetes.yaml', 'spire.yaml']);
    expect(fs.readdirSync(path.join(out, 'gke-analytics')).sort()).toEqual(['istio.yaml', 'kubernetes.yaml', 'spire.yaml']);
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
