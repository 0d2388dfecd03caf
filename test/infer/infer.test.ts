/**
 * `bulkhead infer` end to end on the hand-written sample logs of test/fixtures/flows: the
 * distinct flows found, the generated program compiling against the library's types, verify
 * of it exact, the analysis engine allowing every observed flow on its synthesis, the audit
 * against a declaration, and determinism.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import * as lib from '../../lib';
import { Analysis, synthesize, Topology, verify, loadWithEndpoints } from '../../lib';
import { run } from '../../lib/cli/main';
import { compareWithPlan, flowText, generateProgram, Inference, inferFromFiles } from '../../lib/infer';

const ROOT = path.join(__dirname, '..', '..');
const FIX = path.join(ROOT, 'test', 'fixtures', 'flows');
const LOGS = ['hubble.jsonl', 'envoy.jsonl', 'vpc.log'].map((f) => path.join(FIX, f));
const MANIFESTS = [{ path: path.join(FIX, 'manifests') }];

function infer(files: readonly string[] = LOGS): Inference {
  return inferFromFiles(files, { manifests: MANIFESTS });
}

/** Runs a generated program with `bulkhead` resolved to this checkout's library. */
function load(program: string): Topology {
  const js = ts.transpileModule(program, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 } }).outputText;
  const mod: { exports: Record<string, unknown> } = { exports: {} };
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  new Function('require', 'module', 'exports', js)((m: string) => (m === 'bulkhead' ? lib : require(m)), mod, mod.exports);
  return mod.exports.topology as Topology;
}

describe('the sample logs', () => {
  const inference = infer();

  test('give the distinct flows, each mapped to its workload or external, replies, denials and platform traffic left out', () => {
    expect(inference.flows.map(flowText)).toEqual([
      'eks/ingress/gateway => eks/shop/web : TCP/8080 [GET /]',
      'eks/shop/cart => eks/data/redis : TCP/6379',
      'eks/shop/cart => external:api-payments-example : TCP/443',
      'eks/shop/cart => external:ext-10-50-0-8 : TCP/5432',
      'eks/shop/web => eks/shop/cart : TCP/9090',
      // numeric segments become a prefix; the query string is dropped
      'eks/shop/web => eks/shop/catalog : TCP/8080 [GET,POST /products/*; GET /products]',
      'external:ext-203-0-113-9 => eks/ingress/gateway : TCP/8443 [GET /]',
    ]);
    expect(inference.externals).toEqual([
      { name: 'api-payments-example', cidrs: ['198.51.100.7/32'], fqdns: ['api.payments.example'] },
      { name: 'ext-10-50-0-8', cidrs: ['10.50.0.8/32'], fqdns: [] },
      { name: 'ext-203-0-113-9', cidrs: ['203.0.113.9/32'], fqdns: [] },
    ]);
    // Hubble DROPPED, VPC REJECT and the Istio RBAC denial; is_reply, L7 responses, SYN-ACK and the VPC answering sides.
    expect(inference.counts.skipped).toMatchObject({ denied: 3, reply: 4, 'no-data': 2, protocol: 1, trace: 1, unmapped: 1, node: 2 });
    expect(inference.warnings.map((w) => w.code)).toEqual(['BH-INFER-UNMAPPED']);
    expect(inference.warnings[0].value).toContain('10.20.9.9');
  });

  test('a Service address maps to its workload and its target port (catalog: port 80 -> container port http 8080)', () => {
    const f = inference.flows.find((x) => flowText(x).startsWith('eks/shop/web => eks/shop/catalog'));
    expect(f?.port).toBe(8080);
    expect(f?.records).toBe(4);
  });

  test('the output does not depend on the order of the files', () => {
    const a = generateProgram(infer([...LOGS].reverse()));
    expect(a).toBe(generateProgram(inference));
  });

  describe('the generated program', () => {
    const program = generateProgram(inference);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-infer-'));
    const file = path.join(dir, 'inferred.ts');
    fs.writeFileSync(file, program);
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    test('compiles with tsc --strict against the library (bulkhead mapped to this checkout)', () => {
      const host = ts.createCompilerHost({});
      const options: ts.CompilerOptions = {
        strict: true, noEmit: true, target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10,
        esModuleInterop: true, skipLibCheck: true, types: ['node'], baseUrl: ROOT, paths: { bulkhead: ['lib/index.ts'] }, noUnusedLocals: true,
      };
      const p = ts.createProgram([file], options, host);
      const diags = ts.getPreEmitDiagnostics(p).filter((d) => d.file === undefined || d.file.fileName === file || !d.file.fileName.includes('node_modules'));
      expect(diags.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
    }, 240_000);

    test('verify: every layer allows exactly the observed flows', () => {
      const report = verify(load(program));
      expect(report.findings).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.layers.map((l) => `${l.cluster} ${l.layer} ${l.status}`)).toEqual(['eks kubernetes exact', 'eks cilium exact', 'eks istio exact']);
    }, 120_000);

    test('the analysis engine allows every observed flow on the synthesis, and every layer denies a port next to it', () => {
      const s = synthesize(load(program));
      const c = s.clusters[0];
      // FQDN rules (Cilium toFQDNs) allow the addresses DNS gave for the name: the ones observed.
      const resolve = Object.fromEntries(inference.externals.flatMap((x) => x.fqdns.map((f) => [f, x.cidrs.map((c) => c.replace(/\/32$/, ''))])));
      const analysis = Analysis.of(loadWithEndpoints(s.plan, c.cluster, c.manifests), { trustDomain: c.cluster.trustDomain, clusterName: c.cluster.ciliumClusterName, podCidrs: c.cluster.podCidrs, resolve });
      const name = (e: Inference['flows'][number]['source']): string => (e.kind === 'workload' ? e.key.split('/').slice(1).join('/') : (inference.externals.find((x) => x.name === e.name)?.cidrs[0] ?? '').replace(/\/32$/, ''));
      for (const f of inference.flows) {
        const http = f.http[0] ? { method: f.http[0].methods[0], path: (f.http[0].paths[0] ?? '/').replace(/\*$/, '7') } : undefined;
        const allowed = analysis.explain(name(f.source), name(f.destination), { protocol: f.protocol, port: f.port, ...(http ? { http } : {}) });
        expect([flowText(f), allowed.allowed]).toEqual([flowText(f), true]);
        const other = analysis.explain(name(f.source), name(f.destination), { protocol: f.protocol, port: f.port + 1 });
        expect([flowText(f), other.allowed]).toEqual([flowText(f), false]);
      }
    }, 120_000);

    test('--against the program itself: nothing denied, nothing unobserved, exit 0', () => {
      const report = compareWithPlan(inference, lib.buildPlan(load(program)));
      expect(report).toEqual({ denied: [], unobserved: [], allowed: inference.flows.length });
    }, 60_000);
  });
});

describe('bulkhead infer --against', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-against-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  // A declaration written before the traffic was looked at: web -> cart missing, catalog only GET,
  // an extra flow nobody uses, and the internet instead of one client address.
  const declaration = path.join(dir, 'declared.ts');
  fs.writeFileSync(declaration, `
import { Cluster, External, Port, Topology, Workload } from ${JSON.stringify(path.join(ROOT, 'lib'))};
export const topology = new Topology(undefined, 'shop', { trustDomain: 'cluster.local' });
const eks = new Cluster(topology, 'eks', { cloud: 'aws', podCidrs: ['10.20.0.0/16'] });
const gateway = new Workload(topology, 'gateway', { cluster: eks, namespace: 'ingress' });
const web = new Workload(topology, 'web', { cluster: eks, namespace: 'shop' });
const cart = new Workload(topology, 'cart', { cluster: eks, namespace: 'shop', selector: { app: 'cart' } });
const catalog = new Workload(topology, 'catalog', { cluster: eks, namespace: 'shop' });
const redis = new Workload(topology, 'redis', { cluster: eks, namespace: 'data' });
const internet = new External(topology, 'internet', { cidrs: ['0.0.0.0/0'] });
const payments = new External(topology, 'payments', { fqdns: ['api.payments.example'] });
const rds = new External(topology, 'rds', { cidrs: ['10.50.0.0/24'] });
internet.allowTo(gateway, Port.tcp(8443));
gateway.allowTo(web, Port.tcp(8080));
web.allowTo(catalog, Port.tcp(8080), { http: { methods: ['GET'] } });
cart.allowTo(redis, [Port.tcp(6379), Port.tcp(6380)]);
cart.allowTo(payments, Port.HTTPS);
cart.allowTo(rds, Port.POSTGRES);
web.allowTo(redis, Port.tcp(6379));
`);

  test('prints what enforcing would break and what was never used, and exits 1', () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = run(['infer', ...LOGS, '--manifests', MANIFESTS[0].path, '--against', declaration], { stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
    const text = out.join('');
    expect(code).toBe(1);
    expect(text).toContain('observed flows the declaration would deny (enforcing would break them): 2');
    expect(text).toContain('deny eks/shop/web => eks/shop/cart : TCP/9090 (1 record(s)): no declared flow between them');
    expect(text).toMatch(/deny eks\/shop\/web => eks\/shop\/catalog : TCP\/8080 \[GET,POST \/products\/\*; GET \/products\] \(4 record\(s\)\): declared for other HTTP requests only/);
    expect(text).toContain("declared flows never observed (candidates to remove): 2");
    expect(text).toMatch(/unobserved eks\/shop\/cart => eks\/data\/redis : TCP\/6380/);
    expect(text).toMatch(/unobserved eks\/shop\/web => eks\/data\/redis : TCP\/6379/);
    expect(text).toContain('observed flows allowed: 5');
  }, 120_000);

  test('--report json gives the same, and --fail-on-unobserved also fails on unused flows only', () => {
    const out: string[] = [];
    const code = run(['infer', ...LOGS, '--manifests', MANIFESTS[0].path, '--against', declaration, '--report', 'json'], { stdout: (t) => out.push(t), stderr: () => undefined });
    expect(code).toBe(1);
    const report = JSON.parse(out.join('')) as { denied: unknown[]; unobserved: { ports: string[] }[]; allowed: number };
    expect(report.denied).toHaveLength(2);
    expect(report.unobserved.map((u) => u.ports)).toEqual(expect.arrayContaining([['TCP/6380'], ['TCP/6379']]));
  }, 120_000);
});

describe('bulkhead infer (the command)', () => {
  test('writes the program to --out and the counts to standard error; exit 0', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-infer-out-'));
    try {
      const err: string[] = [];
      const out = path.join(dir, 'inferred.ts');
      const code = run(['infer', ...LOGS, '--manifests', MANIFESTS[0].path, '--out', out, '--no-domains', '--layers', 'kubernetes'], { stdout: () => undefined, stderr: (t) => err.push(t) });
      expect(code).toBe(0);
      const program = fs.readFileSync(out, 'utf8');
      expect(program).not.toContain('DomainBoundary');
      expect(program).toContain('layers: ["kubernetes"]');
      expect(err.join('')).toMatch(/observed: 15 record\(s\) in 29 line\(s\) \(hubble 14, envoy 6, vpc 9\) -> 7 distinct flow\(s\)/);
      expect(verify(load(program)).exact).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  test('a malformed line is a coded problem with file:line, exit 2, nothing written', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-infer-bad-'));
    try {
      const bad = path.join(dir, 'bad.jsonl');
      fs.writeFileSync(bad, `${fs.readFileSync(LOGS[0], 'utf8').split('\n')[0]}\n{"flow": {"verdict": "FORWARDED", "l4": {"TCP": {"destination_port": "http"}}}}\nnot json\n`);
      const err: string[] = [];
      const out = path.join(dir, 'inferred.ts');
      const code = run(['infer', bad, '--out', out], { stdout: () => undefined, stderr: (t) => err.push(t) });
      expect(code).toBe(2);
      expect(err.join('')).toContain(`[BH-INFER-LINE] error at ${bad}:2: hubble: l4.TCP.destination_port is not a port`);
      expect(err.join('')).toContain(`[BH-INFER-LINE] error at ${bad}:3: hubble: not a JSON object`);
      expect(fs.existsSync(out)).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
