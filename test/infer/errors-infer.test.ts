/**
 * The catalogue of `bulkhead infer`'s problem codes: each entry makes the mistake and asserts
 * code, severity, path, message, value and fix.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BulkheadError, Problem } from '../../lib';
import { inferFromFiles, InferOptions } from '../../lib/infer';
import { run } from '../../lib/cli/main';

const FIX = path.join(__dirname, '..', 'fixtures', 'flows');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-infer-errors-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const f = path.join(dir, name);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, text);
  return f;
}

/** The problems of an inference that fails (errors thrown) or warns. */
function problemsOf(files: string[], options: InferOptions = {}): readonly Problem[] {
  try {
    return inferFromFiles(files, options).warnings;
  } catch (e) {
    if (!BulkheadError.isBulkheadError(e)) throw e;
    return e.problems;
  }
}

interface Entry {
  readonly name: string;
  readonly problems: () => readonly Problem[];
  readonly code: string;
  readonly severity: 'error' | 'warning';
  readonly path: string | RegExp;
  readonly message: RegExp;
  readonly value: RegExp;
  readonly fix: RegExp;
}

const manifests = [{ path: path.join(FIX, 'manifests') }];

const CATALOGUE: readonly Entry[] = [
  {
    name: 'a Hubble line that is not JSON',
    problems: () => problemsOf([write('a.jsonl', '{"flow":{"verdict":"FORWARDED","l4":{"UDP":{"destination_port":53}}}}\n{"flow": \n')]),
    code: 'BH-INFER-LINE', severity: 'error', path: `${path.join(dir, 'a.jsonl')}:2`,
    message: /^hubble: not a JSON object/, value: /\{"flow": /, fix: /hubble observe -o json/,
  },
  {
    name: 'a VPC record with a port that is no number',
    problems: () => problemsOf([write('v.log', '2 123456789012 eni-1 10.0.0.1 10.0.0.2 40000 http 6 1 40 1 2 ACCEPT OK\n')], { format: 'vpc' }),
    code: 'BH-INFER-LINE', severity: 'error', path: `${path.join(dir, 'v.log')}:1`,
    message: /^vpc: dstport is not a port/, value: /^http$/, fix: /version 2: version account-id interface-id srcaddr/,
  },
  {
    name: 'an Envoy entry whose address is not address:port',
    problems: () => problemsOf([write('e.jsonl', '{"upstream_cluster":"outbound|80||a","downstream_remote_address":"10.0.0.1","upstream_host":"10.0.0.2:80"}\n')], { format: 'envoy' }),
    code: 'BH-INFER-LINE', severity: 'error', path: `${path.join(dir, 'e.jsonl')}:1`,
    message: /^envoy: downstream_remote_address is not an address:port/, value: /"10\.0\.0\.1"/, fix: /accessLogEncoding: JSON/,
  },
  {
    name: 'a file of no known format',
    problems: () => problemsOf([write('x.csv', 'src,dst,port\n')]),
    code: 'BH-INFER-FORMAT', severity: 'error', path: `${path.join(dir, 'x.csv')}:1`,
    message: /the format of the file is not recognised/, value: /^src,dst,port$/, fix: /--format hubble, envoy or vpc/,
  },
  {
    name: 'a log file that does not exist',
    problems: () => problemsOf([path.join(dir, 'missing.jsonl')]),
    code: 'BH-INFER-FILE', severity: 'error', path: path.join(dir, 'missing.jsonl'),
    message: /the file cannot be read: ENOENT/, value: /^$/, fix: /a readable flow-log file/,
  },
  {
    name: 'a manifest that is not YAML',
    problems: () => problemsOf([], { manifests: [{ path: write('m/bad.yaml', 'kind: Deployment\nmetadata: { name: [\n') }] }),
    code: 'BH-INFER-MANIFEST', severity: 'error', path: `${path.join(dir, 'm', 'bad.yaml')} (document 1)`,
    message: /^not YAML/, value: /^$/, fix: /fix the YAML/,
  },
  {
    name: 'a Deployment whose pod labels are not strings',
    problems: () => problemsOf([], { manifests: [{ path: write('m2/d.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web, namespace: shop }\nspec:\n  selector: { matchLabels: { app: web } }\n  template: { metadata: { labels: { app: [web] } }, spec: { containers: [] } }\n') }] }),
    code: 'BH-INFER-MANIFEST', severity: 'error', path: `${path.join(dir, 'm2', 'd.yaml')} (document 1), Deployment shop/web, spec.template.metadata.labels`,
    message: /the pod labels are not a map of strings/, value: /\{"app":\["web"\]\}/, fix: /key: value strings/,
  },
  {
    name: 'a pod CIDR that is no CIDR',
    problems: () => problemsOf([], { podCidrs: { eks: ['10.20.0.0/99'] } }),
    code: 'BH-INFER-CLUSTER', severity: 'error', path: 'cluster eks',
    message: /the pod CIDR is not a CIDR/, value: /^10\.20\.0\.0\/99$/, fix: /10\.20\.0\.0\/16/,
  },
  {
    name: 'traffic of a pod address no manifest maps',
    problems: () => problemsOf([write('u.log', '2 1 eni-1 10.20.9.9 10.20.1.20 41000 9090 6 1 40 1 2 ACCEPT OK\n')], { manifests }),
    code: 'BH-INFER-UNMAPPED', severity: 'warning', path: 'input',
    message: /1 record\(s\) from or to 1 address\(es\) or pod\(s\) inside the clusters that no input manifest maps/, value: /^10\.20\.9\.9 \(in the pod CIDRs of eks\) \(1\)$/, fix: /--manifests/,
  },
  {
    name: 'more outside addresses on one workload port than --fold-externals',
    problems: () => problemsOf([write('fold.log', [1, 2, 3].map((i) => `2 1 eni-1 198.51.100.${i} 10.20.1.10 4000${i} 8080 6 1 40 1 2 ACCEPT OK`).join('\n'))], { manifests, foldExternalsAbove: 2 }),
    code: 'BH-INFER-FOLDED', severity: 'warning', path: 'input',
    message: /more than 2 distinct outside addresses on one workload port: folded into the External 'internet' \(0\.0\.0\.0\/0\)/, value: /^in eks\/shop\/web TCP 8080$/, fix: /--fold-externals/,
  },
  {
    name: 'logs without any flow',
    problems: () => problemsOf([write('empty.log', 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n')]),
    code: 'BH-INFER-EMPTY', severity: 'warning', path: 'input',
    message: /no flow was observed/, value: /^1 line\(s\)$/, fix: /check that the logs hold traffic/,
  },
  {
    name: 'more malformed lines than are listed',
    problems: () => problemsOf([write('many.jsonl', `${'{"flow":{}}\n'.repeat(53)}`)], { format: 'hubble' }),
    code: 'BH-INFER-TOO-MANY', severity: 'error', path: 'input',
    message: /^3 more malformed line\(s\) are not listed$/, value: /^53$/, fix: /fix the lines listed first/,
  },
];

describe('catalogue of infer problems', () => {
  test.each(CATALOGUE.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const problems = c.problems();
    const p = problems.find((x) => x.code === c.code);
    expect(p).toBeDefined();
    if (!p) return;
    expect(p.severity).toBe(c.severity);
    if (typeof c.path === 'string') expect(p.path).toBe(c.path);
    else expect(p.path).toMatch(c.path);
    expect(p.message).toMatch(c.message);
    expect(p.value ?? '').toMatch(c.value);
    expect(p.fix).toMatch(c.fix);
  });

  test('a bad --pod-cidr option is a BH-INFER-CLUSTER problem of the command, exit 2', () => {
    const err: string[] = [];
    const code = run(['infer', path.join(FIX, 'vpc.log'), '--pod-cidr', 'eks=ten'], { stdout: () => undefined, stderr: (t) => err.push(t) });
    expect(code).toBe(2);
    expect(err.join('')).toContain('[BH-INFER-CLUSTER] error at bulkhead infer: --pod-cidr is not [cluster=]cidr');
    expect(err.join('')).toContain('value: eks=ten');
    expect(err.join('')).toContain('fix: write --pod-cidr 10.20.0.0/16 or --pod-cidr eks=10.20.0.0/16');
  });

  test('an unknown --format is a usage problem, exit 2', () => {
    const err: string[] = [];
    expect(run(['infer', path.join(FIX, 'vpc.log'), '--format', 'netflow'], { stdout: () => undefined, stderr: (t) => err.push(t) })).toBe(2);
    expect(err.join('')).toMatch(/\[BH-CLI-USAGE\].*netflow/);
  });
});
