/**
 * Istio: a connection is HTTP or plain TCP. Table tests written from the upstream documents:
 *
 * - "Authorization for TCP traffic" and the AuthorizationPolicy reference: HTTP-only fields
 *   (methods, paths, hosts, request principals, request.headers, …) cannot apply to TCP
 *   traffic; in an ALLOW policy a rule that uses them does not match TCP traffic, in a DENY
 *   policy they are ignored, so the rule matches (and denies) all the TCP traffic its other
 *   fields match.
 *   https://istio.io/latest/docs/tasks/security/authorization/authz-tcp/
 *   https://istio.io/latest/docs/reference/config/security/authorization-policy/
 * - Protocol selection, "Explicit protocol selection": by the Service port name
 *   `<protocol>[-<suffix>]` or by `appProtocol`; otherwise Istio detects (sniffs) the protocol.
 *   https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/
 * - Conditions: `request.headers[<name>]` (HTTP only), values / notValues, Istio string
 *   matching (exact, `prefix*`, `*suffix`, `*` presence).
 *   https://istio.io/latest/docs/reference/config/security/conditions/
 * - Source `ipBlocks` (AuthorizationPolicy reference): matched against the source address of
 *   the IP packet, so pods are matched too, not only clients outside the cluster.
 */
import { loadObjects } from '../../lib/analysis/loader';
import { Analysis } from '../../lib/analysis/engine';
import { createIstioSimulator } from '../../lib/analysis/simulators/istio';
import { Connection, Endpoint, WorkloadEndpoint } from '../../lib/analysis/types';
import { context, external, workload } from './simulator-fixtures';

const server = workload('foo', 'server', { ports: [[8080, 'web'], [9000]] });
const client = workload('foo', 'client');
const other = workload('bar', 'other');
const ctx = context([server, client, other]);

function ap(name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace: 'foo' }, spec: { selector: { matchLabels: { app: 'server' } }, ...spec } };
}
function service(ports: readonly Record<string, unknown>[], name = 'server'): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'foo' }, spec: { selector: { app: 'server' }, ports } };
}
const tcp = (port: number): Connection => ({ protocol: 'TCP', port });
const req = (port: number, method: string, path = '/', headers?: Record<string, string>): Connection => ({ protocol: 'TCP', port, http: { method, path, ...(headers ? { headers } : {}) } });

const allowGet = ap('allow-get', { rules: [{ to: [{ operation: { methods: ['GET'], ports: ['8080'] } }] }] });
const denyPost = ap('deny-post', { action: 'DENY', rules: [{ to: [{ operation: { methods: ['POST'], ports: ['8080'] } }] }] });
const allowPort = ap('allow-port', { rules: [{ to: [{ operation: { ports: ['8080'] } }] }] });

interface Case {
  readonly name: string;
  readonly objects: readonly unknown[];
  readonly conn: Connection;
  readonly allowed: boolean;
  readonly application: 'tcp' | 'http' | 'any';
  readonly why?: RegExp;
  readonly l7?: boolean;
}

const cases: Case[] = [
  // Authorization for TCP traffic: ALLOW
  { name: 'ALLOW with an HTTP-only field (methods), plain TCP, no Service: the rule does not match, denied', objects: [allowGet], conn: tcp(8080), allowed: false, application: 'tcp', why: /no Service in the input selects/ },
  { name: 'ALLOW with only TCP fields (ports), plain TCP: allowed', objects: [allowPort], conn: tcp(8080), allowed: true, application: 'tcp' },
  { name: 'ALLOW with methods, an HTTP request GET: allowed', objects: [allowGet], conn: req(8080, 'GET'), allowed: true, application: 'http', why: /HTTP request was given/ },
  { name: 'ALLOW with methods, an HTTP request POST: denied', objects: [allowGet], conn: req(8080, 'POST'), allowed: false, application: 'http' },
  // Authorization for TCP traffic: DENY
  { name: 'DENY with methods, plain TCP: HTTP-only fields ignored, the rule denies the port', objects: [denyPost], conn: tcp(8080), allowed: false, application: 'tcp' },
  { name: 'DENY with methods and ports, plain TCP on another port: not matched', objects: [denyPost], conn: tcp(9000), allowed: true, application: 'tcp' },
  { name: 'DENY with methods, an HTTP GET: not matched, allowed', objects: [denyPost], conn: req(8080, 'GET'), allowed: true, application: 'http' },
  { name: 'DENY with methods, an HTTP POST: denied', objects: [denyPost], conn: req(8080, 'POST'), allowed: false, application: 'http' },
  { name: 'DENY with requestPrincipals (HTTP only), plain TCP: ignored, the rule denies', objects: [ap('deny-jwt', { action: 'DENY', rules: [{ from: [{ source: { notRequestPrincipals: ['*'] } }] }] })], conn: tcp(9000), allowed: false, application: 'tcp' },
  { name: 'ALLOW with hosts (HTTP only), plain TCP: the rule does not match', objects: [ap('by-host', { rules: [{ to: [{ operation: { hosts: ['api.example.com'] } }] }] })], conn: tcp(9000), allowed: false, application: 'tcp' },
  { name: 'ALLOW with paths, plain TCP: the rule does not match', objects: [ap('by-path', { rules: [{ to: [{ operation: { paths: ['/api/*'] } }] }] })], conn: tcp(9000), allowed: false, application: 'tcp' },
  // explicit protocol selection by the Service
  { name: 'Service port name http-web makes the port HTTP: no request given, judged for HTTP requests, some allowed', objects: [allowGet, service([{ name: 'http-web', port: 80, targetPort: 8080 }])], conn: tcp(8080), allowed: true, application: 'http', l7: true, why: /Service foo\/server spec\.ports\[0\] declares HTTP \(port name http-web\)/ },
  { name: 'Service appProtocol http makes the port HTTP (the port name has no prefix)', objects: [allowGet, service([{ name: 'web', port: 80, targetPort: 'web', appProtocol: 'http' }])], conn: tcp(8080), allowed: true, application: 'http', l7: true, why: /appProtocol http/ },
  { name: 'Service appProtocol grpc: HTTP', objects: [allowGet, service([{ name: 'x', port: 8080, appProtocol: 'grpc' }])], conn: tcp(8080), allowed: true, application: 'http', l7: true },
  { name: 'Service port name tcp: an HTTP request is judged by the TCP rules (the ALLOW rule with methods does not match)', objects: [allowGet, service([{ name: 'tcp-web', port: 8080 }])], conn: req(8080, 'GET'), allowed: false, application: 'tcp', why: /declares TCP \(port name tcp-web\)/ },
  { name: 'Service port name https (TLS the sidecar does not terminate): TCP rules, the DENY rule with methods denies', objects: [denyPost, service([{ name: 'https', port: 443, targetPort: 8080 }])], conn: req(8080, 'GET'), allowed: false, application: 'tcp' },
  { name: 'a port name without a protocol prefix (webhttp) selects nothing: sniffed, plain TCP', objects: [allowGet, service([{ name: 'webhttp', port: 8080 }])], conn: tcp(8080), allowed: false, application: 'tcp', why: /declares no protocol/ },
  { name: 'a Service of another workload does not select the port', objects: [allowGet, { ...service([{ name: 'http', port: 8080 }], 'else'), spec: { selector: { app: 'else' }, ports: [{ name: 'http', port: 8080 }] } }], conn: tcp(8080), allowed: false, application: 'tcp' },
  { name: 'a container port name alone (web / http) does not select a protocol', objects: [allowGet], conn: tcp(8080), allowed: false, application: 'tcp' },
  // request.headers conditions
  {
    name: 'when request.headers[x-user] values [alice]: the header alice matches',
    objects: [ap('hdr', { rules: [{ when: [{ key: 'request.headers[X-User]', values: ['alice'] }] }] })], conn: req(8080, 'GET', '/', { 'x-user': 'alice' }), allowed: true, application: 'http',
  },
  {
    name: 'when request.headers[x-user] values [alice]: bob does not match',
    objects: [ap('hdr', { rules: [{ when: [{ key: 'request.headers[x-user]', values: ['alice'] }] }] })], conn: req(8080, 'GET', '/', { 'x-user': 'bob' }), allowed: false, application: 'http',
  },
  {
    name: 'when request.headers values with a prefix match (Mozilla/*)',
    objects: [ap('hdr', { rules: [{ when: [{ key: 'request.headers[user-agent]', values: ['Mozilla/*'] }] }] })], conn: req(8080, 'GET', '/', { 'user-agent': 'Mozilla/5.0' }), allowed: true, application: 'http',
  },
  {
    name: 'when request.headers values with a suffix match (*@example.com)',
    objects: [ap('hdr', { rules: [{ when: [{ key: 'request.headers[x-mail]', values: ['*@example.com'] }] }] })], conn: req(8080, 'GET', '/', { 'x-mail': 'a@example.org' }), allowed: false, application: 'http',
  },
  {
    name: 'when request.headers values ["*"]: presence; an absent header does not match',
    objects: [ap('hdr', { rules: [{ when: [{ key: 'request.headers[x-token]', values: ['*'] }] }] })], conn: req(8080, 'GET'), allowed: false, application: 'http',
  },
  {
    name: 'DENY when request.headers notValues [trusted]: an untrusted value is denied',
    objects: [ap('hdr', { action: 'DENY', rules: [{ when: [{ key: 'request.headers[x-origin]', notValues: ['trusted'] }] }] })], conn: req(8080, 'GET', '/', { 'x-origin': 'elsewhere' }), allowed: false, application: 'http',
  },
  {
    name: 'DENY when request.headers notValues [trusted]: trusted passes',
    objects: [ap('hdr', { action: 'DENY', rules: [{ when: [{ key: 'request.headers[x-origin]', notValues: ['trusted'] }] }] })], conn: req(8080, 'GET', '/', { 'x-origin': 'trusted' }), allowed: true, application: 'http',
  },
  {
    name: 'DENY with a request.headers condition on plain TCP: the HTTP-only condition is ignored, the rule denies',
    objects: [ap('hdr', { action: 'DENY', rules: [{ when: [{ key: 'request.headers[x-origin]', notValues: ['trusted'] }] }] })], conn: tcp(9000), allowed: false, application: 'tcp',
  },
  {
    name: 'ALLOW with a request.headers condition on plain TCP: the rule does not match',
    objects: [ap('hdr', { rules: [{ when: [{ key: 'request.headers[x-user]', values: ['alice'] }] }] })], conn: tcp(9000), allowed: false, application: 'tcp',
  },
];

describe('Istio: a connection is HTTP or plain TCP (table from the upstream documents)', () => {
  test.each(cases)('$name', (c) => {
    const v = createIstioSimulator(c.objects, ctx).explain(client, server, c.conn);
    expect(v.allowed).toBe(c.allowed);
    expect(v.assumed?.application).toBe(c.application);
    if (c.why) expect(v.assumed?.why).toMatch(c.why);
    expect(v.l7Restricted === true).toBe(c.l7 === true);
  });

  test('application any: allowed when plain TCP or some HTTP request could be (what connlist counts)', () => {
    const sim = createIstioSimulator([allowGet], ctx);
    expect(sim.explain(client, server, { ...tcp(8080), application: 'any' }).allowed).toBe(true);
    expect(sim.allowedPorts(client, server).has('TCP', 8080)).toBe(true);
    expect(sim.explain(client, server, tcp(8080)).reasons[0].detail).toMatch(/HTTP requests on this sniffed port could be allowed/);
  });

  test('an explicit HTTP port refuses a connection asked as plain TCP', () => {
    const v = createIstioSimulator([allowPort, service([{ name: 'http', port: 8080 }])], ctx).explain(client, server, { ...tcp(8080), application: 'tcp' });
    expect(v.allowed).toBe(false);
    expect(v.reasons[v.reasons.length - 1].detail).toMatch(/HTTP filter chain/);
  });

  test('the connectivity list on an HTTP-only ALLOW: the port of an explicit TCP Service is not allowed, a sniffed one is', () => {
    const tcpSvc = createIstioSimulator([allowGet, service([{ name: 'tcp', port: 8080 }])], ctx);
    expect(tcpSvc.allowedPorts(client, server).has('TCP', 8080)).toBe(false);
    const httpSvc = createIstioSimulator([allowGet, service([{ name: 'http', port: 8080 }])], ctx);
    expect(httpSvc.allowedPorts(client, server).has('TCP', 8080)).toBe(true);
  });

  test('two Services that disagree on the protocol of a port: a warning', () => {
    const sim = createIstioSimulator([allowGet, service([{ name: 'http', port: 8080 }], 'a'), service([{ name: 'tcp', port: 8080 }], 'b')], ctx);
    expect(sim.warnings.map((w) => w.message).join('\n')).toMatch(/declare different protocols for port 8080/);
  });
});

describe('Istio: ipBlocks match the source address of pods too', () => {
  const allowWorld = ap('from-anywhere', { rules: [{ from: [{ source: { ipBlocks: ['0.0.0.0/0'] } }], to: [{ operation: { ports: ['9000'] } }] }] });
  const allowNet = ap('from-net', { rules: [{ from: [{ source: { ipBlocks: ['10.1.0.0/16'] } }], to: [{ operation: { ports: ['9000'] } }] }] });
  const denyNet = ap('deny-net', { action: 'DENY', rules: [{ from: [{ source: { ipBlocks: ['10.1.0.0/16'] } }] }] });
  const at = (w: WorkloadEndpoint, ...ips: number[]): WorkloadEndpoint => ({ ...w, addresses: ips });
  const ip = (s: string): number => s.split('.').reduce((a, o) => a * 256 + Number(o), 0);

  const cases2: { name: string; objects: unknown[]; src: Endpoint; podCidrs?: string[]; allowed: boolean }[] = [
    { name: 'ipBlocks 0.0.0.0/0 admits an external client', objects: [allowWorld], src: external('198.51.100.7'), allowed: true },
    { name: 'ipBlocks 0.0.0.0/0 admits every mesh pod, address unknown', objects: [allowWorld], src: client, allowed: true },
    { name: 'ipBlocks 10.1.0.0/16 admits a pod whose address (Pod status) is inside', objects: [allowNet], src: at(client, ip('10.1.2.3')), allowed: true },
    { name: 'ipBlocks 10.1.0.0/16 does not admit a pod whose address is outside', objects: [allowNet], src: at(client, ip('10.2.0.9')), allowed: false },
    { name: 'ALLOW ipBlocks 10.1.0.0/16, pod address unknown: not known to match, not allowed (safe side)', objects: [allowNet], src: client, allowed: false },
    { name: 'ALLOW ipBlocks 10.1.0.0/16, pod address unknown but the pod CIDR 10.1.0.0/17 is inside: allowed', objects: [allowNet], src: client, podCidrs: ['10.1.0.0/17'], allowed: true },
    { name: 'ALLOW ipBlocks 10.1.0.0/16, pod CIDR 10.9.0.0/16 outside: not allowed', objects: [allowNet], src: client, podCidrs: ['10.9.0.0/16'], allowed: false },
    { name: 'DENY ipBlocks 10.1.0.0/16, pod address unknown: may match, denied (safe side)', objects: [denyNet], src: client, allowed: false },
    { name: 'DENY ipBlocks 10.1.0.0/16, pod CIDR 10.9.0.0/16: cannot match, allowed', objects: [denyNet], src: client, podCidrs: ['10.9.0.0/16'], allowed: true },
    { name: 'DENY ipBlocks 10.1.0.0/16, pod address 10.1.0.5: denied', objects: [denyNet], src: at(client, ip('10.1.0.5')), allowed: false },
    { name: 'notIpBlocks 10.1.0.0/16 in an ALLOW: a pod at 10.1.0.5 is excluded', objects: [ap('not-net', { rules: [{ from: [{ source: { notIpBlocks: ['10.1.0.0/16'] } }] }] })], src: at(client, ip('10.1.0.5')), allowed: false },
    { name: 'remoteIpBlocks 0.0.0.0/0 admits a pod (the sidecar sees the pod as the remote peer)', objects: [ap('remote', { rules: [{ from: [{ source: { remoteIpBlocks: ['0.0.0.0/0'] } }] }] })], src: other, allowed: true },
    { name: 'when source.ip 10.1.0.0/16 matches a pod inside', objects: [ap('cond', { rules: [{ when: [{ key: 'source.ip', values: ['10.1.0.0/16'] }] }] })], src: at(client, ip('10.1.200.1')), allowed: true },
  ];

  test.each(cases2)('$name', (c) => {
    const cidrs = (c.podCidrs ?? []).map((x) => external(x)).map((e) => [e.first, e.last] as const);
    const ctx2 = { ...context([server, client, other]), ...(cidrs.length > 0 ? { podCidrs: cidrs } : {}) };
    expect(createIstioSimulator(c.objects, ctx2).explain(c.src, server, tcp(9000)).allowed).toBe(c.allowed);
  });

  test('pods without a known address and ipBlocks other than 0.0.0.0/0: a warning says how they are judged', () => {
    expect(createIstioSimulator([allowNet], ctx).warnings.map((w) => w.message).join('\n')).toMatch(/match the source address of pods too/);
    expect(createIstioSimulator([allowWorld], ctx).warnings).toEqual([]);
  });

  test('the analysis reads pod addresses from the Pods of the input (status.podIP, status.podIPs)', () => {
    const pod = (name: string, ips: string[], labels: Record<string, string>): Record<string, unknown> => ({
      apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'foo', labels },
      spec: { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 9000 }] }] },
      status: { podIP: ips[0], podIPs: ips.map((i) => ({ ip: i })) },
    });
    const objects = [
      pod('server', ['10.5.0.10'], { app: 'server' }), pod('inside', ['10.1.0.4', 'fd00::4'], { app: 'inside' }), pod('outside', ['10.2.0.4'], { app: 'outside' }),
      allowNet,
    ];
    const a = Analysis.of(loadObjects(objects, 'mem'));
    expect(a.context.workloads.find((w) => w.name === 'inside')?.addresses).toEqual([ip('10.1.0.4')]);
    expect(a.explain('foo/inside', 'foo/server', tcp(9000)).allowed).toBe(true);
    expect(a.explain('foo/outside', 'foo/server', tcp(9000)).allowed).toBe(false);
    const conns = a.connectivity({ layer: 'istio' }).filter((c) => c.dst === 'foo/server[Pod]' && c.ports.has('TCP', 9000));
    expect(conns.map((c) => c.src).filter((s) => s.startsWith('foo/'))).toEqual(['foo/inside[Pod]']);
  });
});
