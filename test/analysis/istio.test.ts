import { readFileSync } from 'fs';
import { join } from 'path';
import * as fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { AnalysisInputError } from '../../lib/analysis/errors';
import { L4Protocol, PortSet } from '../../lib/analysis/portset';
import { IstioSimulatorOptions, createIstioSimulator } from '../../lib/analysis/simulators/istio';
import { Connection, Endpoint, LayerVerdict } from '../../lib/analysis/types';
import { context, external, workload } from './simulator-fixtures';

// Workloads of the Istio documentation examples (namespace foo: httpbin and sleep), plus a few more.
const httpbin = workload('foo', 'httpbin', { ports: [[8000, 'http'], [9000, 'tcp-echo'], [7070]] });
const sleep = workload('default', 'sleep');
const sleepFoo = workload('foo', 'sleep');
const tester = workload('test', 'tester');
const dev = workload('dev', 'client');
const db = workload('foo', 'db', { ports: [[5432, 'tcp-postgres']] });
const noSidecar = workload('legacy', 'old', { labels: { app: 'old', 'sidecar.istio.io/inject': 'false' } });
const all = [httpbin, sleep, sleepFoo, tester, dev, db, noSidecar];
const ctx = context(all, { resolve: { 'api.stripe.com': ['198.51.100.10'], 'www.example.com': ['203.0.113.5'] } });

function ap(ns: string, name: string, spec: Record<string, unknown>, meta: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace: ns, ...meta }, spec };
}
function pa(ns: string, name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name, namespace: ns }, spec };
}
function tcp(port: number, extra: Partial<Connection> = {}): Connection {
  return { protocol: 'TCP', port, ...extra };
}
function get(path: string, port = 8000, extra: Partial<Connection> = {}): Connection {
  return { protocol: 'TCP', port, http: { method: 'GET', path, host: 'httpbin.foo' }, ...extra };
}
function post(path: string, port = 8000): Connection {
  return { protocol: 'TCP', port, http: { method: 'POST', path, host: 'httpbin.foo' } };
}
function decided(v: LayerVerdict): { policy: string; rule?: string; effect: string } {
  const last = v.reasons[v.reasons.length - 1];
  return { policy: last.policy, rule: last.rule, effect: last.effect };
}

interface Case {
  readonly name: string;
  readonly objects: readonly unknown[];
  readonly src: Endpoint;
  readonly dst: Endpoint;
  readonly conn: Connection;
  readonly allowed: boolean;
  readonly policy: string;
  readonly rule?: string;
  readonly effect: string;
  readonly l7?: boolean;
  readonly options?: IstioSimulatorOptions;
}

const allowPrincipal = ap('foo', 'httpbin', {
  selector: { matchLabels: { app: 'httpbin' } },
  action: 'ALLOW',
  rules: [{
    from: [{ source: { principals: ['cluster.local/ns/default/sa/sleep'] } }, { source: { namespaces: ['test'] } }],
    to: [{ operation: { methods: ['GET'], paths: ['/info*'] } }, { operation: { methods: ['POST'], paths: ['/data'] } }],
  }],
});
const denyPostNoPorts = ap('foo', 'deny-post', { action: 'DENY', rules: [{ to: [{ operation: { methods: ['POST'] } }] }] });
const strictMesh = pa('istio-system', 'default', { mtls: { mode: 'STRICT' } });
// The httpbin sample's Service: port 8000 named http, so Istio treats it as HTTP (explicit protocol selection).
const httpbinService = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'httpbin', namespace: 'foo' }, spec: { selector: { app: 'httpbin' }, ports: [{ name: 'http', port: 8000, targetPort: 8000 }] } };

const cases: Case[] = [
  {
    name: 'ALLOW with rules: [{}] allows everything (allow-all)',
    objects: [ap('foo', 'allow-all', { rules: [{}] })],
    src: dev, dst: httpbin, conn: tcp(9000), allowed: true, policy: 'AuthorizationPolicy foo/allow-all', rule: 'spec.rules[0]', effect: 'allow',
  },
  {
    name: 'ALLOW without rules denies everything (allow-nothing, spec: {})',
    objects: [ap('foo', 'allow-nothing', {})],
    src: sleepFoo, dst: httpbin, conn: get('/'), allowed: false, policy: 'AuthorizationPolicy foo/allow-nothing', effect: 'default-deny',
  },
  {
    name: 'DENY without rules matches nothing',
    objects: [ap('foo', 'deny-none', { action: 'DENY' })],
    src: dev, dst: httpbin, conn: get('/'), allowed: true, policy: 'Istio default', effect: 'default-allow',
  },
  {
    name: 'DENY with rules: [{}] denies everything',
    objects: [ap('foo', 'deny-all', { action: 'DENY', rules: [{}] })],
    src: sleepFoo, dst: httpbin, conn: tcp(9000), allowed: false, policy: 'AuthorizationPolicy foo/deny-all', rule: 'spec.rules[0]', effect: 'deny',
  },
  {
    name: 'doc example: principal sleep may GET /info*',
    objects: [allowPrincipal],
    src: sleep, dst: httpbin, conn: get('/info/status'), allowed: true, policy: 'AuthorizationPolicy foo/httpbin', rule: 'spec.rules[0]', effect: 'allow',
  },
  {
    name: 'doc example: namespace test may POST /data',
    objects: [allowPrincipal],
    src: tester, dst: httpbin, conn: post('/data'), allowed: true, policy: 'AuthorizationPolicy foo/httpbin', rule: 'spec.rules[0]', effect: 'allow',
  },
  {
    name: 'doc example: POST /info is not allowed',
    objects: [allowPrincipal],
    src: sleep, dst: httpbin, conn: post('/info'), allowed: false, policy: 'AuthorizationPolicy foo/httpbin', effect: 'default-deny',
  },
  {
    name: 'doc example: another namespace is not allowed',
    objects: [allowPrincipal],
    src: dev, dst: httpbin, conn: get('/info'), allowed: false, policy: 'AuthorizationPolicy foo/httpbin', effect: 'default-deny',
  },
  {
    // The Service makes port 8000 HTTP, so a connection without a request is judged for HTTP requests in general.
    name: 'doc example without an HTTP request, port HTTP by its Service: allowed for some requests, l7Restricted',
    objects: [allowPrincipal, httpbinService],
    src: sleep, dst: httpbin, conn: tcp(8000), allowed: true, policy: 'AuthorizationPolicy foo/httpbin', rule: 'spec.rules[0]', effect: 'allow', l7: true,
  },
  {
    // Without a Service the port is sniffed and a connection without a request is plain TCP: the
    // ALLOW rule with HTTP-only fields matches nothing (Istio "Authorization for TCP traffic").
    name: 'doc example without an HTTP request, no Service: plain TCP, the HTTP-only ALLOW rule does not match',
    objects: [allowPrincipal],
    src: sleep, dst: httpbin, conn: tcp(8000), allowed: false, policy: 'AuthorizationPolicy foo/httpbin', effect: 'default-deny',
  },
  {
    name: 'principal rule with a plaintext connection does not match',
    objects: [ap('foo', 'from-sleep', { rules: [{ from: [{ source: { principals: ['cluster.local/ns/default/sa/sleep'] } }] }] })],
    src: sleep, dst: httpbin, conn: get('/', 8000, { plaintext: true }), allowed: false, policy: 'AuthorizationPolicy foo/from-sleep', effect: 'default-deny',
  },
  {
    name: 'DENY on principals does not fire for plaintext',
    objects: [ap('foo', 'deny-sleep', { action: 'DENY', rules: [{ from: [{ source: { principals: ['*'] } }] }] })],
    src: sleep, dst: httpbin, conn: get('/', 8000, { plaintext: true }), allowed: true, policy: 'Istio default', effect: 'default-allow',
  },
  {
    name: 'DENY notPrincipals: ["*"] denies plaintext',
    objects: [ap('foo', 'require-mtls', { action: 'DENY', rules: [{ from: [{ source: { notPrincipals: ['*'] } }] }] })],
    src: sleep, dst: httpbin, conn: get('/', 8000, { plaintext: true }), allowed: false, policy: 'AuthorizationPolicy foo/require-mtls', rule: 'spec.rules[0]', effect: 'deny',
  },
  {
    name: 'DENY notPrincipals: ["*"] lets mTLS through',
    objects: [ap('foo', 'require-mtls', { action: 'DENY', rules: [{ from: [{ source: { notPrincipals: ['*'] } }] }] })],
    src: sleep, dst: httpbin, conn: get('/'), allowed: true, policy: 'Istio default', effect: 'default-allow',
  },
  {
    name: 'cluster.local in a policy names the local trust domain',
    objects: [ap('foo', 'from-sleep', { rules: [{ from: [{ source: { principals: ['cluster.local/ns/default/sa/sleep'] } }] }] })],
    src: sleep, dst: httpbin, conn: get('/'), allowed: true, policy: 'AuthorizationPolicy foo/from-sleep', rule: 'spec.rules[0]', effect: 'allow',
  },
  {
    name: 'DENY methods without ports on a TCP port denies every connection',
    objects: [denyPostNoPorts],
    src: sleepFoo, dst: db, conn: tcp(5432), allowed: false, policy: 'AuthorizationPolicy foo/deny-post', rule: 'spec.rules[0]', effect: 'deny',
  },
  {
    name: 'the same DENY on an HTTP port denies POST only',
    objects: [denyPostNoPorts],
    src: sleepFoo, dst: httpbin, conn: get('/anything'), allowed: true, policy: 'Istio default', effect: 'default-allow',
  },
  {
    name: 'the same DENY on an HTTP port denies POST',
    objects: [denyPostNoPorts],
    src: sleepFoo, dst: httpbin, conn: post('/anything'), allowed: false, policy: 'AuthorizationPolicy foo/deny-post', rule: 'spec.rules[0]', effect: 'deny',
  },
  {
    name: 'the same DENY scoped to ports leaves the TCP port alone',
    objects: [ap('foo', 'deny-post', { action: 'DENY', rules: [{ to: [{ operation: { methods: ['POST'], ports: ['8000'] } }] }] })],
    src: sleepFoo, dst: db, conn: tcp(5432), allowed: true, policy: 'Istio default', effect: 'default-allow',
  },
  {
    name: 'ALLOW with HTTP-only fields matches nothing on a TCP port',
    objects: [ap('foo', 'get-only', { rules: [{ to: [{ operation: { methods: ['GET'] } }] }] })],
    src: sleepFoo, dst: db, conn: tcp(5432), allowed: false, policy: 'AuthorizationPolicy foo/get-only', effect: 'default-deny',
  },
  {
    name: 'paths ignore the query string',
    objects: [ap('foo', 'data', { rules: [{ to: [{ operation: { paths: ['/data'] } }] }] })],
    src: sleepFoo, dst: httpbin, conn: get('/data?page=2'), allowed: true, policy: 'AuthorizationPolicy foo/data', rule: 'spec.rules[0]', effect: 'allow',
  },
  {
    name: 'path template {*} matches one segment',
    objects: [ap('foo', 'orders', { rules: [{ to: [{ operation: { paths: ['/users/{*}/orders'] } }] }] })],
    src: sleepFoo, dst: httpbin, conn: get('/users/a/b/orders'), allowed: false, policy: 'AuthorizationPolicy foo/orders', effect: 'default-deny',
  },
  {
    name: 'hosts match case-insensitively, suffix wildcard',
    objects: [ap('foo', 'hosts', { rules: [{ to: [{ operation: { hosts: ['*.FOO'] } }] }] })],
    src: sleepFoo, dst: httpbin, conn: get('/'), allowed: true, policy: 'AuthorizationPolicy foo/hosts', rule: 'spec.rules[0]', effect: 'allow',
  },
  {
    name: 'ports: only the listed port',
    objects: [ap('foo', 'p8000', { rules: [{ to: [{ operation: { ports: ['8000'] } }] }] })],
    src: sleepFoo, dst: httpbin, conn: tcp(9000), allowed: false, policy: 'AuthorizationPolicy foo/p8000', effect: 'default-deny',
  },
  {
    name: 'notPorts excludes a port from an ALLOW',
    objects: [ap('foo', 'not9000', { rules: [{ to: [{ operation: { notPorts: ['9000'] } }] }] })],
    src: sleepFoo, dst: httpbin, conn: tcp(7070), allowed: true, policy: 'AuthorizationPolicy foo/not9000', rule: 'spec.rules[0]', effect: 'allow',
  },
  {
    name: 'ipBlocks admit an external client inside the block',
    objects: [ap('foo', 'office', { rules: [{ from: [{ source: { ipBlocks: ['203.0.113.0/24'] } }] }] })],
    src: external('203.0.113.0/25'), dst: httpbin, conn: tcp(7070), allowed: true, policy: 'AuthorizationPolicy foo/office', rule: 'spec.rules[0]', effect: 'allow',
  },
  {
    name: 'ipBlocks do not admit a mesh workload',
    objects: [ap('foo', 'office', { rules: [{ from: [{ source: { ipBlocks: ['203.0.113.0/24'] } }] }] })],
    src: sleepFoo, dst: httpbin, conn: tcp(7070), allowed: false, policy: 'AuthorizationPolicy foo/office', effect: 'default-deny',
  },
  {
    name: 'a selector limits the policy to the workloads it selects',
    objects: [ap('foo', 'httpbin-only', { selector: { matchLabels: { app: 'httpbin' } } })],
    src: sleepFoo, dst: db, conn: tcp(5432), allowed: true, policy: 'Istio default', effect: 'default-allow',
  },
  {
    name: 'a root-namespace policy with a selector applies in every namespace',
    objects: [ap('istio-system', 'deny-v1', { action: 'DENY', selector: { matchLabels: { app: 'httpbin' } }, rules: [{}] })],
    src: sleepFoo, dst: httpbin, conn: tcp(7070), allowed: false, policy: 'AuthorizationPolicy istio-system/deny-v1', rule: 'spec.rules[0]', effect: 'deny',
  },
  {
    name: 'a namespace policy does not apply to other namespaces',
    objects: [ap('dev', 'allow-nothing', {})],
    src: dev, dst: httpbin, conn: tcp(7070), allowed: true, policy: 'Istio default', effect: 'default-allow',
  },
  {
    name: 'AUDIT never decides',
    objects: [ap('foo', 'audit', { action: 'AUDIT', rules: [{ to: [{ operation: { methods: ['GET'], paths: ['/user/profile/*'] } }] }] })],
    src: sleepFoo, dst: httpbin, conn: get('/user/profile/7'), allowed: true, policy: 'Istio default', effect: 'default-allow',
  },
  {
    name: 'a dry-run DENY is not enforced',
    objects: [ap('foo', 'dry', { action: 'DENY', rules: [{}] }, { annotations: { 'istio.io/dry-run': 'true' } })],
    src: sleepFoo, dst: httpbin, conn: tcp(7070), allowed: true, policy: 'Istio default', effect: 'default-allow',
  },
  {
    name: 'CUSTOM is delegated and assumed to allow',
    objects: [ap('foo', 'ext', { action: 'CUSTOM', provider: { name: 'opa' }, rules: [{ to: [{ operation: { paths: ['/admin/*'] } }] }] })],
    src: sleepFoo, dst: httpbin, conn: get('/admin/x'), allowed: true, policy: 'Istio default', effect: 'default-allow',
  },
  {
    name: 'CUSTOM assumed to deny when asked',
    objects: [ap('foo', 'ext', { action: 'CUSTOM', provider: { name: 'opa' }, rules: [{ to: [{ operation: { paths: ['/admin/*'] } }] }] })],
    src: sleepFoo, dst: httpbin, conn: get('/admin/x'), allowed: false, policy: 'AuthorizationPolicy foo/ext', rule: 'spec.rules[0]', effect: 'deny',
    options: { customAuthorizer: 'deny' },
  },
  {
    name: 'mesh-wide STRICT refuses plaintext, naming the PeerAuthentication',
    objects: [strictMesh],
    src: sleepFoo, dst: httpbin, conn: tcp(7070, { plaintext: true }), allowed: false, policy: 'PeerAuthentication istio-system/default', rule: 'spec.mtls.mode', effect: 'deny',
  },
  {
    name: 'mesh-wide STRICT refuses a client outside the mesh',
    objects: [strictMesh],
    src: external('198.51.100.7'), dst: httpbin, conn: tcp(7070), allowed: false, policy: 'PeerAuthentication istio-system/default', rule: 'spec.mtls.mode', effect: 'deny',
  },
  {
    name: 'a namespace PERMISSIVE overrides the mesh STRICT',
    objects: [strictMesh, pa('foo', 'default', { mtls: { mode: 'PERMISSIVE' } })],
    src: noSidecar, dst: httpbin, conn: tcp(7070), allowed: true, policy: 'Istio default', effect: 'default-allow',
  },
  {
    name: 'portLevelMtls DISABLE opens one port to plaintext under STRICT',
    objects: [strictMesh, pa('foo', 'httpbin', { selector: { matchLabels: { app: 'httpbin' } }, mtls: { mode: 'UNSET' }, portLevelMtls: { 8000: { mode: 'DISABLE' } } })],
    src: sleepFoo, dst: httpbin, conn: get('/', 8000, { plaintext: true }), allowed: true, policy: 'Istio default', effect: 'default-allow',
  },
  {
    name: 'portLevelMtls does not open the other ports',
    objects: [strictMesh, pa('foo', 'httpbin', { selector: { matchLabels: { app: 'httpbin' } }, portLevelMtls: { 8000: { mode: 'DISABLE' } } })],
    src: sleepFoo, dst: httpbin, conn: tcp(9000, { plaintext: true }), allowed: false, policy: 'PeerAuthentication istio-system/default', rule: 'spec.mtls.mode', effect: 'deny',
  },
  {
    name: 'DISABLE strips the peer identity, so a principal ALLOW denies',
    objects: [pa('foo', 'off', { mtls: { mode: 'DISABLE' } }), ap('foo', 'ns', { rules: [{ from: [{ source: { namespaces: ['foo'] } }] }] })],
    src: sleepFoo, dst: httpbin, conn: tcp(7070), allowed: false, policy: 'AuthorizationPolicy foo/ns', effect: 'default-deny',
  },
  {
    name: 'UDP bypasses the sidecar',
    objects: [ap('foo', 'allow-nothing', {})],
    src: sleepFoo, dst: httpbin, conn: { protocol: 'UDP', port: 53 }, allowed: true, policy: 'Istio default', effect: 'default-allow',
  },
  {
    name: 'a workload without sidecar enforces nothing',
    objects: [ap('legacy', 'allow-nothing', {})],
    src: sleepFoo, dst: noSidecar, conn: tcp(80), allowed: true, policy: 'Istio default', effect: 'default-allow',
  },
  {
    name: 'when: request.headers on an HTTP request',
    objects: [ap('foo', 'hdr', { rules: [{ when: [{ key: 'request.headers[:method]', values: ['GET'] }] }] })],
    src: sleepFoo, dst: httpbin, conn: get('/'), allowed: true, policy: 'AuthorizationPolicy foo/hdr', rule: 'spec.rules[0]', effect: 'allow',
  },
  {
    name: 'request principals are never present (JWT not modeled)',
    objects: [ap('foo', 'jwt', { rules: [{ from: [{ source: { requestPrincipals: ['*'] } }] }] })],
    src: sleepFoo, dst: httpbin, conn: get('/'), allowed: false, policy: 'AuthorizationPolicy foo/jwt', effect: 'default-deny',
  },
  {
    name: 'a DENY on methods on a sniffed port, asked for anything the port carries: allowed for other requests',
    objects: [ap('foo', 'deny-post', { action: 'DENY', rules: [{ to: [{ operation: { methods: ['POST'], ports: ['7070'] } }] }] })],
    src: sleepFoo, dst: httpbin, conn: tcp(7070, { application: 'any' }), allowed: true, policy: 'Istio default', effect: 'default-allow', l7: true,
  },
  {
    // A plain TCP connection: the DENY rule's HTTP-only methods are ignored, so it denies port 7070 (Istio "Authorization for TCP traffic").
    name: 'a DENY on methods on a sniffed port, plain TCP: denied',
    objects: [ap('foo', 'deny-post', { action: 'DENY', rules: [{ to: [{ operation: { methods: ['POST'], ports: ['7070'] } }] }] })],
    src: sleepFoo, dst: httpbin, conn: tcp(7070), allowed: false, policy: 'AuthorizationPolicy foo/deny-post', rule: 'spec.rules[0]', effect: 'deny',
  },
];

describe('Istio simulator: table', () => {
  test.each(cases)('$name', (c) => {
    const sim = createIstioSimulator(c.objects, ctx, c.options);
    const v = sim.explain(c.src, c.dst, c.conn);
    expect(v.layer).toBe('istio');
    expect(v.allowed).toBe(c.allowed);
    expect(decided(v)).toEqual(c.rule === undefined ? { policy: c.policy, effect: c.effect, rule: undefined } : { policy: c.policy, rule: c.rule, effect: c.effect });
    expect(v.l7Restricted === true).toBe(c.l7 === true);
  });
});

describe('Istio simulator: details', () => {
  test('present only with Istio objects; other kinds are ignored', () => {
    expect(createIstioSimulator([{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' } }], ctx).present).toBe(false);
    expect(createIstioSimulator([strictMesh], ctx).present).toBe(true);
  });

  test('the allow-nothing reason says why', () => {
    const v = createIstioSimulator([ap('foo', 'allow-nothing', {})], ctx).explain(sleepFoo, httpbin, get('/'));
    expect(v.reasons[0].detail).toMatch(/without rules matches nothing/);
  });

  test('the TCP deny reason names the ignored HTTP-only fields', () => {
    const v = createIstioSimulator([denyPostNoPorts], ctx).explain(sleepFoo, db, tcp(5432));
    expect(v.reasons[v.reasons.length - 1].detail).toMatch(/HTTP-only conditions .*methods.* are ignored/);
  });

  test('a plaintext principal miss explains the missing identity', () => {
    const v = createIstioSimulator([ap('foo', 'ns', { rules: [{ from: [{ source: { namespaces: ['foo'] } }] }] })], ctx).explain(sleepFoo, httpbin, tcp(7070, { plaintext: true }));
    expect(v.allowed).toBe(false);
    expect(v.reasons[0].detail).toMatch(/mutual TLS/);
  });

  test('a trust domain other than cluster.local is honoured', () => {
    const ctx2 = context(all, { trustDomain: 'prod.example.org' });
    const objects = [ap('foo', 'from-sleep', { rules: [{ from: [{ source: { principals: ['cluster.local/ns/default/sa/sleep'] } }] }] })];
    expect(createIstioSimulator(objects, ctx2).explain(sleep, httpbin, get('/')).allowed).toBe(true);
    const other = [ap('foo', 'from-sleep', { rules: [{ from: [{ source: { principals: ['other.org/ns/default/sa/sleep'] } }] }] })];
    expect(createIstioSimulator(other, ctx2).explain(sleep, httpbin, get('/')).allowed).toBe(false);
  });

  test('AUDIT is reported with effect audit', () => {
    const v = createIstioSimulator([ap('foo', 'audit', { action: 'AUDIT', rules: [{}] })], ctx).explain(sleepFoo, httpbin, tcp(7070));
    expect(v.reasons.map((r) => [r.policy, r.rule, r.effect])).toEqual([['AuthorizationPolicy foo/audit', 'spec.rules[0]', 'audit'], ['Istio default', undefined, 'default-allow']]);
  });

  test('CUSTOM is reported as delegated', () => {
    const v = createIstioSimulator([ap('foo', 'ext', { action: 'CUSTOM', provider: { name: 'opa' }, rules: [{}] })], ctx).explain(sleepFoo, httpbin, tcp(7070));
    expect(v.reasons[0]).toMatchObject({ policy: 'AuthorizationPolicy foo/ext', rule: 'spec.rules[0]', effect: 'pass' });
    expect(v.reasons[0].detail).toMatch(/extension provider "opa"/);
  });

  test('targetRef policies are not applied to sidecars and are reported', () => {
    const sim = createIstioSimulator([ap('foo', 'gw', { targetRefs: [{ kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'gw' }] })], ctx);
    expect(sim.explain(sleepFoo, httpbin, tcp(7070)).allowed).toBe(true);
    expect(sim.warnings.map((w) => `${w.path}: ${w.message}`)).toEqual([expect.stringMatching(/AuthorizationPolicy foo\/gw: targetRef/)]);
  });

  test('the oldest of two namespace-wide PeerAuthentications wins', () => {
    const a = { ...pa('foo', 'b-strict', { mtls: { mode: 'STRICT' } }), metadata: { name: 'b-strict', namespace: 'foo', creationTimestamp: '2024-01-01T00:00:00Z' } };
    const b = { ...pa('foo', 'a-permissive', { mtls: { mode: 'PERMISSIVE' } }), metadata: { name: 'a-permissive', namespace: 'foo', creationTimestamp: '2025-01-01T00:00:00Z' } };
    expect(createIstioSimulator([b, a], ctx).explain(sleepFoo, httpbin, tcp(7070, { plaintext: true })).allowed).toBe(false);
  });

  describe('outbound (Sidecar, ServiceEntry)', () => {
    const registryOnly = { apiVersion: 'networking.istio.io/v1', kind: 'Sidecar', metadata: { name: 'default', namespace: 'foo' }, spec: { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } } };
    const stripe = {
      apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'stripe', namespace: 'foo' },
      spec: { hosts: ['api.stripe.com'], location: 'MESH_EXTERNAL', resolution: 'DNS', ports: [{ number: 443, name: 'tls', protocol: 'TLS' }] },
    };
    test('REGISTRY_ONLY allows an address a ServiceEntry covers', () => {
      const v = createIstioSimulator([registryOnly, stripe], ctx).explain(sleepFoo, external('198.51.100.10'), tcp(443));
      expect(v.allowed).toBe(true);
      expect(decided(v)).toEqual({ policy: 'ServiceEntry foo/stripe', rule: 'spec.ports[0]', effect: 'allow' });
    });
    test('REGISTRY_ONLY denies other addresses, naming the Sidecar', () => {
      const v = createIstioSimulator([registryOnly, stripe], ctx).explain(sleepFoo, external('203.0.113.5'), tcp(443));
      expect(v.allowed).toBe(false);
      expect(decided(v)).toEqual({ policy: 'Sidecar foo/default', rule: 'spec.outboundTrafficPolicy.mode', effect: 'default-deny' });
    });
    test('REGISTRY_ONLY denies other ports of a covered address', () => {
      expect(createIstioSimulator([registryOnly, stripe], ctx).explain(sleepFoo, external('198.51.100.10'), tcp(80)).allowed).toBe(false);
    });
    test('a ServiceEntry exported to its own namespace only is invisible elsewhere (mesh default REGISTRY_ONLY)', () => {
      const local = { ...stripe, spec: { ...stripe.spec, exportTo: ['.'] } };
      const sim = createIstioSimulator([local], ctx, { outboundTrafficPolicy: 'REGISTRY_ONLY' });
      expect(sim.explain(sleepFoo, external('198.51.100.10'), tcp(443)).allowed).toBe(true);
      const v = sim.explain(dev, external('198.51.100.10'), tcp(443));
      expect(v.allowed).toBe(false);
      expect(decided(v)).toEqual({ policy: 'Istio default', rule: undefined, effect: 'default-deny' });
    });
    test('ALLOW_ANY by default', () => {
      const v = createIstioSimulator([stripe], ctx).explain(sleepFoo, external('203.0.113.5'), tcp(443));
      expect(v.allowed).toBe(true);
      expect(decided(v).effect).toBe('default-allow');
    });
    test('address boundaries: ipBlocks on ingress, ServiceEntry addresses on egress', () => {
      const sim = createIstioSimulator([stripe, ap('foo', 'office', { rules: [{ from: [{ source: { ipBlocks: ['203.0.113.0/24'] } }] }] })], ctx);
      expect(sim.addressBoundaries()).toEqual({ ingress: [[external('203.0.113.0/24').first, external('203.0.113.0/24').last]], egress: [[external('198.51.100.10').first, external('198.51.100.10').first]] });
    });
  });

  describe('allowedPorts', () => {
    test('an ALLOW on one port allows that TCP port and every UDP and SCTP port', () => {
      const sim = createIstioSimulator([ap('foo', 'p8000', { rules: [{ to: [{ operation: { ports: ['8000'] } }] }] })], ctx);
      expect(sim.allowedPorts(sleepFoo, httpbin).toString()).toBe('SCTP 1-65535,TCP 8000,UDP 1-65535');
    });
    test('no Istio policy allows everything', () => {
      expect(createIstioSimulator([], ctx).allowedPorts(sleepFoo, httpbin).isAll()).toBe(true);
    });
  });

  describe('validation', () => {
    test.each([
      ['an unknown source field', ap('foo', 'typo', { rules: [{ from: [{ source: { principal: ['x'] } }] }] }), /AuthorizationPolicy foo\/typo, spec\.rules\[0\]\.from\[0\]\.source\.principal/],
      ['an unknown action', ap('foo', 'bad', { action: 'REJECT' }), /AuthorizationPolicy foo\/bad, spec\.action/],
      ['a bad port', ap('foo', 'bad', { rules: [{ to: [{ operation: { ports: ['http'] } }] }] }), /spec\.rules\[0\]\.to\[0\]\.operation\.ports\[0\]/],
      ['a bad ipBlock', ap('foo', 'bad', { rules: [{ from: [{ source: { ipBlocks: ['10.0.0.0/33'] } }] }] }), /source\.ipBlocks\[0\]/],
      ['an unknown condition key', ap('foo', 'bad', { rules: [{ when: [{ key: 'source.user', values: ['x'] }] }] }), /when\[0\]\.key/],
      ['a CUSTOM policy without provider', ap('foo', 'bad', { action: 'CUSTOM', rules: [{}] }), /spec\.provider\.name/],
      ['portLevelMtls without selector', pa('foo', 'bad', { portLevelMtls: { 8080: { mode: 'DISABLE' } } }), /PeerAuthentication foo\/bad, spec\.portLevelMtls/],
      ['an unknown mTLS mode', pa('foo', 'bad', { mtls: { mode: 'ON' } }), /spec\.mtls\.mode/],
      ['an unserved version', { apiVersion: 'security.istio.io/v1alpha1', kind: 'AuthorizationPolicy', metadata: { name: 'x', namespace: 'foo' }, spec: {} }, /apiVersion/],
    ])('%s is an error naming the object and the field', (_name, obj, message) => {
      expect(() => createIstioSimulator([obj], ctx)).toThrow(AnalysisInputError);
      expect(() => createIstioSimulator([obj], ctx)).toThrow(message);
    });
  });

    test('with sourceOf, the error also names the file and the document', () => {
      const bad = ap('foo', 'bad', { action: 'REJECT' });
      expect(() => createIstioSimulator([bad], ctx, { sourceOf: (o) => (o === bad ? { file: 'policies.yaml', index: 2 } : undefined) }))
        .toThrow(/policies\.yaml \(document 3\), AuthorizationPolicy foo\/bad, spec\.action/);
    });
});

// ---------------------------------------------------------------------------------------------
// Properties

const workloads = [httpbin, sleepFoo, sleep, db, tester];
const endpoints: Endpoint[] = [...workloads, external('203.0.113.9'), external('198.51.100.0/24')];
const portPool = ['5432', '7070', '8000', '9000', '8080'];

const sourceArb = fc.oneof(
  fc.record({ principals: fc.subarray(['cluster.local/ns/foo/sa/sleep', 'cluster.local/ns/default/*', '*'], { minLength: 1 }) }),
  fc.record({ namespaces: fc.subarray(['foo', 'default', 'test'], { minLength: 1 }) }),
  fc.record({ notPrincipals: fc.constant(['*']) }),
  fc.record({ ipBlocks: fc.subarray(['203.0.113.0/24', '198.51.100.0/25'], { minLength: 1 }) }),
);
const operationArb = fc.oneof(
  fc.record({ ports: fc.subarray(portPool, { minLength: 1 }) }),
  fc.record({ notPorts: fc.subarray(portPool, { minLength: 1 }) }),
  fc.record({ methods: fc.constantFrom(['GET'], ['POST']), ports: fc.subarray(portPool, { minLength: 1 }) }),
  fc.record({ paths: fc.constant(['/api/*']) }),
);
const ruleArb = fc.record({ from: fc.array(fc.record({ source: sourceArb }), { maxLength: 2 }), to: fc.array(fc.record({ operation: operationArb }), { maxLength: 2 }) }, { requiredKeys: [] });
const policyArb = (i: number): fc.Arbitrary<Record<string, unknown>> => fc.record({
  ns: fc.constantFrom('foo', 'default', 'istio-system'),
  action: fc.constantFrom('ALLOW', 'DENY', 'AUDIT'),
  selector: fc.option(fc.constantFrom('httpbin', 'db', 'sleep'), { nil: undefined }),
  rules: fc.option(fc.array(ruleArb, { maxLength: 3 }), { nil: undefined }),
}).map((p) => ap(p.ns, `p${i}`, {
  action: p.action,
  ...(p.selector ? { selector: { matchLabels: { app: p.selector } } } : {}),
  ...(p.rules ? { rules: p.rules } : {}),
}));
const policiesArb = fc.array(fc.nat(), { maxLength: 5 }).chain((ids) => fc.tuple(...ids.map((_, i) => policyArb(i))));
const peerAuthnArb = fc.option(fc.constantFrom('STRICT', 'PERMISSIVE', 'DISABLE'), { nil: undefined }).map((m) => (m ? [pa('istio-system', 'default', { mtls: { mode: m } })] : []));

describe('Istio simulator: properties', () => {
  test('allowedPorts agrees with explain on random ports', () => {
    fc.assert(fc.property(
      policiesArb, peerAuthnArb, fc.constantFrom(...endpoints), fc.constantFrom(...workloads), fc.constantFrom<L4Protocol>('TCP', 'UDP', 'SCTP'),
      fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.constantFrom(5432, 7070, 8000, 8001, 9000, 8080, 7999)),
      (policies, pas, src, dst, protocol, port) => {
        const sim = createIstioSimulator([...policies, ...pas], ctx);
        const set: PortSet = sim.allowedPorts(src, dst);
        expect(set.has(protocol, port)).toBe(sim.explain(src, dst, { protocol, port, application: 'any' }).allowed);
      },
    ), { numRuns: 300 });
  });

  test('adding a DENY policy never adds an allowed connection', () => {
    fc.assert(fc.property(policiesArb, fc.array(ruleArb, { minLength: 1, maxLength: 2 }), fc.constantFrom(...endpoints), fc.constantFrom(...workloads), (policies, denyRules, src, dst) => {
      const before = createIstioSimulator(policies, ctx).allowedPorts(src, dst);
      const after = createIstioSimulator([...policies, ap('foo', 'zz-deny', { action: 'DENY', rules: denyRules })], ctx).allowedPorts(src, dst);
      expect(after.subtract(before).isEmpty()).toBe(true);
    }), { numRuns: 200 });
  });

  test('outputs are deterministic: policy order does not matter', () => {
    fc.assert(fc.property(policiesArb, fc.constantFrom(...endpoints), fc.constantFrom(...workloads), fc.integer({ min: 1, max: 65535 }), (policies, src, dst, port) => {
      const a = createIstioSimulator(policies, ctx).explain(src, dst, { protocol: 'TCP', port });
      const b = createIstioSimulator([...policies].reverse(), ctx).explain(src, dst, { protocol: 'TCP', port });
      expect(b).toEqual(a);
    }), { numRuns: 200 });
  });
});

// ---------------------------------------------------------------------------------------------
// The "TCP Traffic" task of the Istio documentation, read from YAML.

describe('Istio simulator: documentation task, TCP traffic (YAML fixture)', () => {
  const docs = parseAllDocuments(readFileSync(join(__dirname, 'fixtures', 'istio', 'tcp-echo.yaml'), 'utf8')).map((d) => d.toJS() as Record<string, unknown>);
  // The tcp-echo sample's Service: ports 9000 (tcp) and 9001 (tcp-other), so both are TCP for Istio; 9002 is not in it.
  const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'tcp-echo', namespace: 'foo' }, spec: { selector: { app: 'tcp-echo' }, ports: [{ name: 'tcp', port: 9000 }, { name: 'tcp-other', port: 9001 }] } };
  const variant = (name: string): unknown[] => [...docs.filter((d) => (d.metadata as { annotations: Record<string, string> }).annotations['bulkhead.test/variant'] === name), service];
  const tcpEcho = workload('foo', 'tcp-echo', { ports: [[9000, 'tcp'], [9001, 'tcp-other'], [9002]] });
  const curl = workload('foo', 'curl');
  const ctx2 = context([tcpEcho, curl]);

  test('ALLOW ports 9000 and 9001: 9002 is denied', () => {
    const sim = createIstioSimulator(variant('allow-ports'), ctx2);
    expect(sim.explain(curl, tcpEcho, tcp(9000)).allowed).toBe(true);
    expect(sim.explain(curl, tcpEcho, tcp(9001)).allowed).toBe(true);
    const v = sim.explain(curl, tcpEcho, tcp(9002));
    expect(v.allowed).toBe(false);
    expect(decided(v)).toEqual({ policy: 'AuthorizationPolicy foo/tcp-policy', rule: undefined, effect: 'default-deny' });
  });

  test('ALLOW with an HTTP-only field: the rule is ignored for TCP, port 9000 is denied', () => {
    const v = createIstioSimulator(variant('allow-with-method'), ctx2).explain(curl, tcpEcho, tcp(9000));
    expect(v.allowed).toBe(false);
    expect(v.reasons[0].detail).toMatch(/spec\.rules\[0\] \(.*methods\)/);
  });

  test('DENY with an HTTP-only field: every TCP connection to 9000 is denied, 9001 is not', () => {
    const sim = createIstioSimulator(variant('deny-with-method'), ctx2);
    expect(decided(sim.explain(curl, tcpEcho, tcp(9000)))).toEqual({ policy: 'AuthorizationPolicy foo/tcp-policy', rule: 'spec.rules[0]', effect: 'deny' });
    expect(sim.explain(curl, tcpEcho, tcp(9001)).allowed).toBe(true);
  });
});
