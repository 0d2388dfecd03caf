/**
 * The trust domain Istio principals are derived with (`<trust domain>/ns/<ns>/sa/<sa>`):
 * inferred from the input where the manifests say it — a literal trust domain in a SPIRE
 * ClusterSPIFFEID `spiffeIDTemplate` (`spiffe://<trust domain>/…`), else the one the
 * AuthorizationPolicy principals name (`cluster.local` in a policy names the local domain,
 * istiod's trust-domain aliasing, so it says nothing) — else `cluster.local`. Principals that
 * name another domain match no workload of the input: a warning says so.
 */
import { declareShop } from '../../examples/ecommerce/declaration';
import { synthesize } from '../../lib';
import { Analysis } from '../../lib/analysis/engine';
import { loadObjects } from '../../lib/analysis/loader';
import { deployment } from './util';

const workloads = [deployment('shop', 'web', { app: 'web' }), deployment('shop', 'api', { app: 'api' }, [[8080]])];
function allowFrom(principal: string, name = 'api'): unknown {
  return {
    apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace: 'shop' },
    spec: { selector: { matchLabels: { app: 'api' } }, rules: [{ from: [{ source: { principals: [principal] } }] }] },
  };
}
function spiffeId(name: string, template: string): unknown {
  return { apiVersion: 'spire.spiffe.io/v1alpha1', kind: 'ClusterSPIFFEID', metadata: { name }, spec: { spiffeIDTemplate: template, podSelector: {} } };
}
const analyse = (objects: unknown[], trustDomain?: string): Analysis => Analysis.of(loadObjects([...workloads, ...objects], 'mem'), trustDomain ? { trustDomain } : {});
const webToApi = (a: Analysis): boolean => a.explain('shop/web', 'shop/api', { protocol: 'TCP', port: 8080 }).allowed;

describe('trust domain', () => {
  test.each([
    { name: 'inferred from the principals of AuthorizationPolicies', objects: [allowFrom('prod.example.com/ns/shop/sa/default')], domain: 'prod.example.com', origin: /inferred from 1 principal of AuthorizationPolicies/, allowed: true },
    { name: 'inferred from a ClusterSPIFFEID template with a literal domain (before principals)', objects: [spiffeId('ids', 'spiffe://mesh.example.org/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}'), allowFrom('prod.example.com/ns/shop/sa/default')], domain: 'mesh.example.org', origin: /spiffeIDTemplate of 1 ClusterSPIFFEID/, allowed: false },
    { name: 'a template that leaves the domain to SPIRE ({{ .TrustDomain }}) says nothing', objects: [spiffeId('ids', 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}')], domain: 'cluster.local', origin: /^default/, allowed: true },
    { name: 'cluster.local principals say nothing (the local domain)', objects: [allowFrom('cluster.local/ns/shop/sa/default')], domain: 'cluster.local', origin: /^default/, allowed: true },
    { name: 'wildcard domains say nothing', objects: [allowFrom('*/ns/shop/sa/default')], domain: 'cluster.local', origin: /^default/, allowed: true },
    { name: 'the most named domain wins', objects: [allowFrom('a.example/ns/shop/sa/default', 'p1'), allowFrom('b.example/ns/shop/sa/default', 'p2'), allowFrom('b.example/ns/shop/sa/x', 'p3')], domain: 'b.example', origin: /2 principals/, allowed: true },
  ])('$name', ({ objects, domain, origin, allowed }) => {
    const a = analyse(objects);
    expect(a.context.trustDomain).toBe(domain);
    expect(a.trustDomainOrigin).toMatch(origin);
    expect(webToApi(a)).toBe(allowed);
  });

  test('a given trust domain wins, and principals of another domain are warned about', () => {
    const a = analyse([allowFrom('prod.example.com/ns/shop/sa/default')], 'other.org');
    expect(a.trustDomainOrigin).toBe('given');
    expect(webToApi(a)).toBe(false);
    expect(a.warnings.map((w) => `${w.path}: ${w.message} ${w.fix}`).join('\n')).toMatch(/AuthorizationPolicy shop\/api: 1 principal name trust domain prod\.example\.com, but the analysis uses other\.org \(given\).*--trust-domain prod\.example\.com/);
  });

  test('several domains: the others are warned about', () => {
    const a = analyse([allowFrom('a.example/ns/shop/sa/default', 'p1'), allowFrom('b.example/ns/shop/sa/default', 'p2'), allowFrom('b.example/ns/shop/sa/x', 'p3')]);
    expect(a.warnings.map((w) => w.message).filter((w) => /name trust domain/.test(w))).toEqual([expect.stringMatching(/name trust domain a\.example, but the analysis uses b\.example \(inferred/)]);
  });

  test('the explanation says which trust domain was used', () => {
    const e = analyse([allowFrom('prod.example.com/ns/shop/sa/default')]).explain('shop/web', 'shop/api', { protocol: 'TCP', port: 8080 });
    expect(e.trustDomain).toEqual({ domain: 'prod.example.com', origin: 'inferred from 1 principal of AuthorizationPolicies' });
  });

  test('the e-commerce example: without --trust-domain the connections are the same as with it', () => {
    const s = synthesize(declareShop(undefined).topology);
    for (const c of s.clusters) {
      const loaded = loadObjects(c.manifests, c.cluster.name);
      const inferred = Analysis.of(loaded);
      const given = Analysis.of(loaded, { trustDomain: c.cluster.trustDomain });
      if (inferred.presentLayers.includes('istio')) expect(inferred.context.trustDomain).toBe(c.cluster.trustDomain);
      expect(inferred.connectivity().map((x) => `${x.src} ${x.dst} ${x.ports}`)).toEqual(given.connectivity().map((x) => `${x.src} ${x.dst} ${x.ports}`));
      expect(inferred.warnings.filter((w) => /trust domain/.test(w.message))).toEqual([]);
    }
  });
});
