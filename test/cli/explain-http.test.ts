/**
 * `bulkhead explain`: HTTP or plain TCP (Istio "Authorization for TCP traffic" and protocol
 * selection), `--http-header` for `request.headers[...]` conditions, `--exit-code`, and the
 * trust domain (given, inferred from the input, else cluster.local), each said in the output.
 */
import * as fs from 'fs';
import * as path from 'path';
import { EXIT_BAD_INPUT, EXIT_FINDING, EXIT_OK, run } from '../../lib/cli/main';
import { tempDir } from '../util/tmp';

function cli(...argv: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = run(argv, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; } });
  return { code, out, err };
}

const deployment = (name: string, port?: number): unknown => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'shop' },
  spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { serviceAccountName: name, containers: [{ name: 'c', image: 'x', ...(port ? { ports: [{ containerPort: port }] } : {}) }] } } },
});
// ALLOW web → api on 8080 for GET requests whose x-user header is alice (HTTP-only fields).
const policy = {
  apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'api', namespace: 'shop' },
  spec: {
    selector: { matchLabels: { app: 'api' } },
    rules: [{ from: [{ source: { principals: ['prod.example.com/ns/shop/sa/web'] } }], to: [{ operation: { methods: ['GET'], ports: ['8080'] } }], when: [{ key: 'request.headers[x-user]', values: ['alice'] }] }],
  },
};
const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'shop' }, spec: { selector: { app: 'api' }, ports: [{ name: 'http-api', port: 80, targetPort: 8080 }] } };

function folder(objects: unknown[]): string {
  const dir = tempDir('bulkhead-explain-');
  fs.writeFileSync(path.join(dir, 'all.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
  return dir;
}
const WITH_SERVICE = folder([deployment('web'), deployment('api', 8080), policy, service]);
const NO_SERVICE = folder([deployment('web'), deployment('api', 8080), policy]);
const ask = (dir: string, ...more: string[]) => cli('explain', dir, '--from', 'shop/web', '--to', 'shop/api', '--port', 'tcp/8080', ...more);

describe('bulkhead explain: HTTP or plain TCP', () => {
  test('no HTTP options, no Service: a plain TCP connection; the ALLOW rule with HTTP-only fields does not match', () => {
    const r = ask(NO_SERVICE);
    expect(r.code).toBe(EXIT_OK);
    expect(r.out).toMatch(/verdict: DENIED \(by istio\)/);
    expect(r.out).toMatch(/judged as plain TCP: no HTTP request was given and no Service in the input selects shop\/api\[Deployment\] on port 8080/);
  });

  test('no HTTP options, the Service names the port http-api: judged as HTTP, allowed for some requests', () => {
    const r = ask(WITH_SERVICE);
    expect(r.out).toMatch(/verdict: ALLOWED/);
    expect(r.out).toMatch(/istio: allowed \(only some HTTP requests\)/);
    expect(r.out).toMatch(/judged as HTTP: .*Service shop\/api spec\.ports\[0\] declares HTTP \(port name http-api\)/);
  });

  test('--http-header decides request.headers conditions (repeatable, case-insensitive names)', () => {
    expect(ask(NO_SERVICE, '--http-method', 'GET', '--http-header', 'X-User=alice').out).toMatch(/verdict: ALLOWED/);
    expect(ask(NO_SERVICE, '--http-method', 'GET', '--http-header', 'x-user=bob').out).toMatch(/verdict: DENIED/);
    const both = ask(NO_SERVICE, '--http-method', 'GET', '--http-header', 'x-user: alice', '--http-header', 'x-trace=1');
    expect(both.out).toMatch(/verdict: ALLOWED/);
    expect(both.out).toMatch(/GET \/ \[x-trace: 1; x-user: alice\]/);
    expect(both.out).toMatch(/judged as HTTP: an HTTP request was given/);
  });

  test('--http-header needs --http-method, and name=value', () => {
    expect(ask(NO_SERVICE, '--http-header', 'x-user=alice').code).toBe(EXIT_BAD_INPUT);
    const r = ask(NO_SERVICE, '--http-method', 'GET', '--http-header', 'no value');
    expect(r.code).toBe(EXIT_BAD_INPUT);
    expect(r.err).toMatch(/write name=value/);
  });

  test('--exit-code: 1 when denied, 0 when allowed; without it 0 either way', () => {
    expect(ask(NO_SERVICE, '--exit-code').code).toBe(EXIT_FINDING);
    expect(ask(NO_SERVICE).code).toBe(EXIT_OK);
    expect(ask(NO_SERVICE, '--exit-code', '--http-method', 'GET', '--http-header', 'x-user=alice').code).toBe(EXIT_OK);
  });

  test('json and md say what was assumed and the trust domain', () => {
    const j = JSON.parse(ask(WITH_SERVICE, '--format', 'json').out) as { trust_domain: { domain: string; origin: string }; layers: { layer: string; assumed?: { application: string } }[] };
    expect(j.trust_domain.domain).toBe('prod.example.com');
    expect(j.layers.find((l) => l.layer === 'istio')?.assumed?.application).toBe('http');
    const md = ask(NO_SERVICE, '--format', 'md').out;
    expect(md).toMatch(/- istio: judged as plain TCP/);
    expect(md).toMatch(/- trust domain: prod\.example\.com \(inferred from 1 principal of AuthorizationPolicies\)/);
  });
});

describe('bulkhead explain and connlist: the trust domain', () => {
  test('inferred from the principals when --trust-domain is not given, and said', () => {
    const r = ask(NO_SERVICE, '--http-method', 'GET', '--http-header', 'x-user=alice');
    expect(r.out).toMatch(/trust domain: prod\.example\.com \(inferred from 1 principal of AuthorizationPolicies\)/);
    expect(r.err).not.toMatch(/name trust domain/);
  });

  test('a given domain that the principals do not name: a warning with the fix', () => {
    const r = ask(NO_SERVICE, '--http-method', 'GET', '--http-header', 'x-user=alice', '--trust-domain', 'other.org');
    expect(r.out).toMatch(/verdict: DENIED/);
    expect(r.out).toMatch(/trust domain: other\.org \(given\)/);
    expect(r.err).toMatch(/\[BH-AN-TRUST-DOMAIN\] warning at AuthorizationPolicy shop\/api: 1 principal name trust domain prod\.example\.com, but the analysis uses other\.org \(given\)[^]*fix: pass --trust-domain prod\.example\.com/);
  });

  test('connlist says the trust domain on stderr, keeping stdout the list', () => {
    const r = cli('connlist', NO_SERVICE);
    expect(r.err).toMatch(/trust domain: prod\.example\.com \(inferred/);
    expect(r.out).not.toMatch(/trust domain/);
    expect(r.out).toMatch(/shop\/web\[Deployment\] => shop\/api\[Deployment\] : SCTP 1-65535,TCP 8080,UDP 1-65535/);
  });
});

describe('bulkhead connlist --pod-cidr', () => {
  // An ALLOW from a range: without pod addresses, a pod may be anywhere, so the rule is not
  // taken to admit it (and a warning says so); with the pod CIDR outside the range, it is
  // known not to, and the warning is gone.
  const ranged = {
    apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'api', namespace: 'shop' },
    spec: { selector: { matchLabels: { app: 'api' } }, rules: [{ from: [{ source: { ipBlocks: ['203.0.113.0/24'] } }] }] },
  };
  const dir = folder([deployment('web'), deployment('api', 8080), ranged]);

  test('without it: the rule on source addresses is warned about, naming the policy and field', () => {
    const r = cli('connlist', dir);
    expect(r.code).toBe(EXIT_OK);
    expect(r.err).toMatch(/\[BH-AN-ISTIO-POD-ADDRESS\] warning at AuthorizationPolicy shop\/api, spec\.rules\[0\]\.from\[0\]\.source\.ipBlocks\[0\]/);
  });

  test('with it: no warning, and the pods of the CIDR are not admitted by the range', () => {
    const r = cli('connlist', dir, '--pod-cidr', '10.1.0.0/16');
    expect(r.code).toBe(EXIT_OK);
    expect(r.err).not.toMatch(/BH-AN-ISTIO-POD-ADDRESS/);
    // Istio polices TCP only: web reaches api on UDP and SCTP, not on TCP
    expect(r.out).toMatch(/\nshop\/web\[Deployment\] => shop\/api\[Deployment\] : SCTP 1-65535,UDP 1-65535\n/);
    expect(r.out).toMatch(/203\.0\.113\.0-203\.0\.113\.255\[External\] => shop\/api\[Deployment\]/);
  });

  test('a malformed pod CIDR is a problem with the fix', () => {
    const r = cli('connlist', dir, '--pod-cidr', 'nope');
    expect(r.code).toBe(EXIT_BAD_INPUT);
    expect(r.err).toMatch(/\[BH-IN-FIELD\] error at podCidrs: not a valid CIDR\n\s+value: "nope"\n\s+fix: /);
  });
});
