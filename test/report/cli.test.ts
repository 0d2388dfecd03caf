/**
 * `bulkhead report` (lib/cli/report.ts): on a declaration and on manifest folders; the page is
 * self-contained, deterministic, and escapes what comes from the input; bad options are coded
 * problems.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { EXIT_BAD_INPUT, EXIT_OK, run } from '../../lib/cli/main';
import { synthesize } from '../../lib/synth';
import { standInWorkloads } from '../../lib/verify';
import { topology } from '../cli/fixtures/shop';
import { tempDir } from '../util/tmp';

jest.setTimeout(300_000);

function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = run(argv, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; } });
  return { code, out, err };
}

const SHOP = path.join(__dirname, '../cli/fixtures/shop.ts');
const tmp = tempDir('bulkhead-report-cli-');

/** Everything that would make the browser fetch something. */
function fetches(html: string): string[] {
  return [...html.matchAll(/<(?:link|img|iframe|object|embed)\b[^>]*>|<script\b[^>]*\bsrc=|\burl\((?!#)[^)]*\)|@import|https?:\/\/(?!www\.w3\.org\/2000\/svg)[^\s"'<)]+/gi)].map((m) => m[0]);
}

/** The page's data (see `pageData`): its string table, groups and flows as tuples. */
function pageDataOf(html: string): { strings: string[]; nodes: number[][]; groups: number[][]; flows: number[][] } {
  const m = /<script type="application\/json" id="bh-data">([^<]*)<\/script>/.exec(html);
  if (!m) throw new Error('no page data in the page');
  return JSON.parse(m[1]!) as { strings: string[]; nodes: number[][]; groups: number[][]; flows: number[][] };
}

describe('on a declaration', () => {
  const file = path.join(tmp, 'shop.html');
  let first: string;

  test('writes the page and prints a summary with verify\'s verdict', () => {
    const r = cli('report', SHOP, '--out', file);
    expect(r.err).not.toMatch(/BH-CLI/);
    expect(r.code).toBe(EXIT_OK);
    expect(r.out).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: \\d+ nodes, \\d+ allowed flows, \\d+ disagreement\\(s\\), verify no finding\\n$`));
    first = fs.readFileSync(file, 'utf8');
    expect(first.startsWith('<!DOCTYPE html>')).toBe(true);
    // the graph is laid out in the page (by the embedded dagre) from the page's data
    expect(first).toContain('id="graph-box"');
    expect(pageDataOf(first).nodes.length).toBeGreaterThan(0);
    expect(first).toContain('id="verify"');
    expect(first).toMatch(/<td>eks-prod<\/td><td>cilium<\/td><td><span class="ok">exact<\/span>/);
  });

  test('self-contained: nothing to fetch, and a policy that forbids fetching', () => {
    expect(fetches(first)).toEqual([]);
    expect(first).toContain("default-src 'none'");
  });

  test('deterministic: the same input gives the same bytes, and no time unless given', () => {
    const again = path.join(tmp, 'shop-2.html');
    expect(cli('report', SHOP, '--out', again).code).toBe(EXIT_OK);
    expect(fs.readFileSync(again, 'utf8')).toBe(first);
    expect(first).not.toMatch(/generated /);
    const stamped = path.join(tmp, 'shop-3.html');
    expect(cli('report', SHOP, '--out', stamped, '--generated-at', '2026-12-01 <nightly>').code).toBe(EXIT_OK);
    expect(fs.readFileSync(stamped, 'utf8')).toContain('generated 2026-12-01 &lt;nightly&gt;');
  });
});

describe('on manifest folders', () => {
  test('the synthesized example, analysed across its two clusters', () => {
    const out = path.join(tmp, 'out');
    expect(cli('synth', SHOP, '--out', out).code).toBe(EXIT_OK);
    // the application's workloads beside the policies (the synthesis holds policies only)
    const s = synthesize(topology);
    for (const c of s.plan.clusters) fs.writeFileSync(path.join(out, c.name, 'workloads.yaml'), standInWorkloads(s.plan, c).map((w) => YAML.stringify(w)).join('---\n'));
    const file = path.join(tmp, 'folders.html');
    const r = cli('report', out, '--out', file, '--group-by', 'namespace');
    expect(r.code).toBe(EXIT_OK);
    expect(r.out).not.toContain('verify');
    const html = fs.readFileSync(file, 'utf8');
    // a flow across clusters (flag 1), and the namespace groups (the page lays out its views from these)
    const data = pageDataOf(html);
    expect(data.flows.some((f) => (f[2] & 1) !== 0)).toBe(true);
    expect(data.groups.map((g) => data.strings[g[0]])).toContain('ns:eks-prod/payments');
    // break-glass objects found by their labels, with the reason from their annotations
    expect(html).toMatch(/<section id="controls"><h2>Break-glass grants in force<\/h2><table>/);
    expect(fetches(html)).toEqual([]);
  });

  test('escapes what comes from the input', () => {
    const dir = path.join(tmp, 'evil');
    fs.mkdirSync(dir, { recursive: true });
    const evil = '<img src=x onerror=alert(1)></script><script>alert(2)</script>';
    const docs = [
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web', 'bulkhead.io/tier': 'x"><b>' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } },
      {
        apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy',
        metadata: { name: 'grant', namespace: 'shop', labels: { 'bulkhead.io/break-glass': 'oncall' }, annotations: { 'bulkhead.io/reason': evil, 'bulkhead.io/expires': '2026-12-02T00:00:00Z' } },
        spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }] },
      },
    ];
    fs.writeFileSync(path.join(dir, 'all.yaml'), docs.map((d) => YAML.stringify(d)).join('---\n'));
    const file = path.join(tmp, 'evil.html');
    const r = cli('report', dir, '--out', file, '--title', '<script>alert(3)</script>', '--now', '2026-12-01T22:30:00Z');
    expect(r.code).toBe(EXIT_OK);
    const html = fs.readFileSync(file, 'utf8');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toMatch(/<script>alert/);
    expect(html).not.toContain('"><b>');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&lt;script&gt;alert(3)&lt;/script&gt;');
    // exactly the page's own two scripts
    expect(html.match(/<script\b/g)).toHaveLength(2);
    expect(html).toContain('<td>oncall</td><td>2026-12-02T00:00:00Z</td><td>1h 30m</td>');
  });
});

describe('bad options are coded problems', () => {
  test.each([
    [['--max-explanations', '-1'], /--max-explanations "-1"/],
    [['--now', 'yesterday'], /--now "yesterday"/],
    [['--group-by', 'tier'], /group-by/],
  ])('%j', (args, message) => {
    const r = cli('report', SHOP, '--out', path.join(tmp, 'bad.html'), ...args);
    expect(r.code).toBe(EXIT_BAD_INPUT);
    expect(r.err).toMatch(/BH-CLI-USAGE/);
    expect(r.err).toMatch(message);
  });

  test('--out is required', () => {
    const r = cli('report', SHOP);
    expect(r.code).toBe(EXIT_BAD_INPUT);
    expect(r.err).toMatch(/--out/);
  });
});

describe('an Environments', () => {
  const ENVS = path.join(__dirname, '../../examples/environments/declaration.ts');

  test('without #<environment> is refused, listing its environments and the command for each', () => {
    const out = path.join(tmp, 'envs.html');
    const r = cli('report', ENVS, '--out', out);
    expect(r.code).toBe(EXIT_BAD_INPUT);
    expect(r.err).toMatch(/BH-CLI-DECLARATION/);
    expect(r.err).toMatch(/declares the environments dev, prod, staging/);
    for (const env of ['dev', 'prod', 'staging']) expect(r.err).toContain(`bulkhead report '${ENVS}#${env}' --out ${path.join(tmp, `envs-${env}.html`)}`);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('with #<environment> reports that environment', () => {
    const out = path.join(tmp, 'envs-prod.html');
    const r = cli('report', `${ENVS}#prod`, '--out', out);
    expect(r.code).toBe(EXIT_OK);
    expect(fs.readFileSync(out, 'utf8')).toContain('(prod)');
  });
});
