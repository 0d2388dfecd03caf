/**
 * The catalogue of the analysis warnings that come from the manifests themselves (not from a
 * malformed input, which test/plan/errors-loader.test.ts catalogues): each entry analyses
 * hand-written manifests and asserts the problem's code, severity, path, message, value and fix
 * (most analysis warnings carry no value: the path names the object and field).
 */
import { Problem } from '../../lib/core/errors';
import { analyse, clusterNetworkPolicy, deployment, namespace } from './util';

function authorizationPolicy(ns: string, name: string, spec: Record<string, unknown>): unknown {
  return { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace: ns }, spec };
}

function service(ns: string, name: string, selector: Record<string, string>, ports: Record<string, unknown>[]): unknown {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { selector, ports } };
}

/** The one warning with the code (fails when there is none or more than one). */
function one(problems: readonly Problem[], code: string): Problem {
  const hits = problems.filter((p) => p.code === code);
  if (hits.length !== 1) throw new Error(`expected one ${code}, got ${hits.length}: ${JSON.stringify(problems)}`);
  return hits[0];
}

const apps = [
  namespace('shop'),
  deployment('shop', 'api', { app: 'api' }, [[8080, 'web'], [9000]]),
  deployment('shop', 'web', { app: 'web' }),
];

describe('analysis warnings: the catalogue', () => {
  test('BH-AN-ISTIO-POD-ADDRESS: ipBlocks, and pods whose address the input does not give', () => {
    const a = analyse([...apps, authorizationPolicy('shop', 'from-net', {
      selector: { matchLabels: { app: 'api' } },
      rules: [{ from: [{ source: { ipBlocks: ['10.1.0.0/16'] } }], to: [{ operation: { ports: ['9000'] } }] }],
    })]);
    const p = one(a.warnings, 'BH-AN-ISTIO-POD-ADDRESS');
    expect(p).toMatchObject({ severity: 'warning', path: 'AuthorizationPolicy shop/from-net, spec.rules[0].from[0].source.ipBlocks[0]' });
    expect(p.value).toBeUndefined();
    expect(p.message).toMatch(/ipBlocks \/ remoteIpBlocks \/ source.ip match the source address of pods too; pods without a known address .* taken to match them for DENY and not to match them for ALLOW/);
    expect(p.fix).toMatch(/add the Pods \(with status.podIP\) to the input, or analyse through verify/);
    // the cluster's pod CIDRs settle it: no warning
    expect(analyse([...apps, authorizationPolicy('shop', 'from-net', {
      selector: { matchLabels: { app: 'api' } }, rules: [{ from: [{ source: { ipBlocks: ['10.1.0.0/16'] } }] }],
    })], { podCidrs: ['10.1.0.0/16'] }).warnings.map((w) => w.code)).not.toContain('BH-AN-ISTIO-POD-ADDRESS');
  });

  test('BH-AN-ISTIO-PROTOCOL-CONFLICT: two Services name different protocols for one pod port', () => {
    const a = analyse([...apps,
      authorizationPolicy('shop', 'api', { selector: { matchLabels: { app: 'api' } }, rules: [{ to: [{ operation: { methods: ['GET'] } }] }] }),
      service('shop', 'a', { app: 'api' }, [{ name: 'http', port: 80, targetPort: 8080 }]),
      service('shop', 'b', { app: 'api' }, [{ name: 'tcp', port: 81, targetPort: 8080 }]),
    ]);
    const p = one(a.warnings, 'BH-AN-ISTIO-PROTOCOL-CONFLICT');
    expect(p.severity).toBe('warning');
    expect(p.path).toMatch(/^Service shop\/a spec\.ports\[0\]/);
    expect(p.value).toBeUndefined();
    expect(p.message).toMatch(/^Service shop\/a spec\.ports\[0\].* and Service shop\/b spec\.ports\[0\].* declare different protocols for port 8080 of shop\/api\[Deployment\]; the analysis follows Service shop\/a/);
    expect(p.fix).toBe('give every Service port that targets this pod port the same name prefix or appProtocol');
  });

  test('BH-AN-NETWORKS-POD-ADDRESS: a networks peer, and pods whose address the input does not give', () => {
    const a = analyse([...apps, clusterNetworkPolicy('deny-net', {
      tier: 'Admin', priority: 1, subject: { pods: { namespaceSelector: {}, podSelector: { matchLabels: { app: 'web' } } } },
      egress: [{ action: 'Deny', to: [{ networks: ['10.1.0.0/16'] }] }],
    })]);
    const p = one(a.warnings, 'BH-AN-NETWORKS-POD-ADDRESS');
    expect(p.severity).toBe('warning');
    expect(p.path).toMatch(/ClusterNetworkPolicy deny-net.* spec\.egress\[0\]\.to\[0\]\.networks$/);
    expect(p.value).toBeUndefined();
    expect(p.message).toBe('networks match pod addresses too; pods without a known address (no Pod status in the input, no pod CIDRs given) are matched only by 0.0.0.0/0');
    expect(p.fix).toMatch(/add the Pods \(with status.podIP\) to the input, or analyse through verify/);
  });

  test('BH-AN-TRUST-DOMAIN: principals of another trust domain than the one given', () => {
    const a = analyse([...apps, authorizationPolicy('shop', 'api', {
      selector: { matchLabels: { app: 'api' } },
      rules: [{ from: [{ source: { principals: ['prod.example.com/ns/shop/sa/web'] } }] }],
    })], { trustDomain: 'other.org' });
    const p = one(a.warnings, 'BH-AN-TRUST-DOMAIN');
    expect(p).toMatchObject({ severity: 'warning', path: 'AuthorizationPolicy shop/api', value: 'prod.example.com' });
    expect(p.message).toMatch(/1 principal name trust domain prod\.example\.com, but the analysis uses other\.org \(given\)/);
    expect(p.fix).toMatch(/pass --trust-domain prod\.example\.com/);
  });
});
