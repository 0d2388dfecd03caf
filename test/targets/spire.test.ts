import * as fc from 'fast-check';
import { Duration } from '../../lib/core/duration';
import { Plan, PlanCluster } from '../../lib/plan/types';
import {
  ClusterFederatedTrustDomain, ClusterSPIFFEID, istioPrincipal, renderSpiffeIdTemplate, renderSpire, SPIFFE_ID_TEMPLATE,
  SPIRE_WARNINGS, spireTarget, workloadSpiffeId,
} from '../../lib/targets/spire';
import { KubeManifest } from '../../lib/targets/types';
import { fixturePlan } from '../fixtures/plan';
import { schemaErrors } from '../util/schema';
import { planArb, shufflePlan } from './mesh-plan-arbitrary';

const cluster = (plan: Plan, name: string): PlanCluster => plan.clusters.find((c) => c.name === name)!;
const render = (plan: Plan, name: string) => renderSpire(plan, cluster(plan, name));
const ids = (ms: readonly KubeManifest[]) => ms.filter((m): m is ClusterSPIFFEID => m.kind === 'ClusterSPIFFEID');
const feds = (ms: readonly KubeManifest[]) => ms.filter((m): m is ClusterFederatedTrustDomain => m.kind === 'ClusterFederatedTrustDomain');

/** The fixture with cluster gke-us in trust domain analytics.example.com; both clusters declare their bundle endpoints. */
function splitTrustDomains(): Plan {
  const p = fixturePlan();
  return {
    ...p,
    clusters: p.clusters.map((c) => (c.name === 'gke-us'
      ? { ...c, trustDomain: 'analytics.example.com', bundleEndpoint: { url: 'https://bundle.analytics.example.com/', profile: 'https_web' as const } }
      : { ...c, bundleEndpoint: { url: 'https://spire.eu.example.com:8443', profile: 'https_spiffe' as const } })),
    workloads: p.workloads.map((w) => (w.cluster === 'gke-us' ? { ...w, spiffeId: w.spiffeId.replace('shop.example.com', 'analytics.example.com') } : w)),
  };
}

describe('spire target', () => {
  const plan = fixturePlan();
  const eks = render(plan, 'eks-eu');

  test('is a Target for the spire layer; a cluster without SPIRE gets nothing', () => {
    expect(spireTarget.layer).toBe('spire');
    expect(spireTarget.render(plan, cluster(plan, 'eks-eu'))).toEqual(eks);
    expect(renderSpire(plan, { ...cluster(plan, 'eks-eu'), layers: ['kubernetes'] })).toEqual({ manifests: [], warnings: [] });
  });

  test('the template is the upstream Istio-style one', () => {
    expect(SPIFFE_ID_TEMPLATE).toBe('spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}');
    expect(renderSpiffeIdTemplate('td.example', 'shop', 'web')).toBe('spiffe://td.example/ns/shop/sa/web');
  });

  test('one ClusterSPIFFEID per workload: selector, namespace, tier TTL as a Go duration', () => {
    const byName = Object.fromEntries(ids(eks.manifests).map((m) => [m.metadata.name, m]));
    expect(Object.keys(byName)).toEqual(['bulkhead.ops.oncall', 'bulkhead.payments.payment-api', 'bulkhead.payments.payment-db', 'bulkhead.shop.cart', 'bulkhead.shop.web']);
    expect(byName['bulkhead.payments.payment-db'].spec).toEqual({
      spiffeIDTemplate: SPIFFE_ID_TEMPLATE,
      podSelector: { matchLabels: { app: 'payment-db' } },
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'payments' } },
      ttl: '30m0s',
    });
    expect(byName['bulkhead.shop.web'].spec.ttl).toBe('24h0m0s');
    expect(byName['bulkhead.shop.cart'].spec.ttl).toBe('4h0m0s');
    for (const w of plan.workloads.filter((x) => x.cluster === 'eks-eu')) {
      const m = byName[`bulkhead.${w.namespace}.${w.name}`];
      expect(m.spec.ttl).toBe(Duration.seconds(w.tier.maxSvidTtlSeconds).toGoString());
      expect(m.metadata.labels).toMatchObject({ 'bulkhead.io/workload': w.name, 'bulkhead.io/tier': w.tier.level });
      expect(m.spec).not.toHaveProperty('hint');
      expect(m.spec).not.toHaveProperty('className');
    }
    expect(ids(render(plan, 'gke-us').manifests).map((m) => m.metadata.name)).toEqual(['bulkhead.analytics.collector']);
  });

  test('the issued identity is the plan\'s SPIFFE ID and, without the scheme, the Istio principal', () => {
    for (const w of plan.workloads) {
      const c = cluster(plan, w.cluster);
      expect(workloadSpiffeId(c, w)).toBe(w.spiffeId);
      expect(`spiffe://${istioPrincipal(c, w)}`).toBe(w.spiffeId);
    }
    expect(eks.warnings).toEqual([]);
  });

  test('one trust domain: no federation', () => {
    expect(feds(eks.manifests)).toEqual([]);
    for (const m of ids(eks.manifests)) expect(m.spec.federatesWith).toBeUndefined();
  });

  test('different trust domains: a ClusterFederatedTrustDomain per foreign domain talked to, from its declared endpoint; federatesWith on the workloads that talk', () => {
    const split = splitTrustDomains();
    const e = render(split, 'eks-eu');
    const g = render(split, 'gke-us');
    expect(feds(e.manifests).map((m) => [m.metadata.name, m.spec])).toEqual([
      ['bulkhead.analytics.example.com', { trustDomain: 'analytics.example.com', bundleEndpointURL: 'https://bundle.analytics.example.com/', bundleEndpointProfile: { type: 'https_web' } }],
    ]);
    expect(feds(e.manifests)[0].metadata.annotations).toMatchObject({ 'bulkhead.io/source': 'fixture/gke-us' });
    // https_spiffe: the endpoint's SPIFFE ID defaults to the SPIRE server's
    expect(feds(g.manifests).map((m) => m.spec)).toEqual([
      { trustDomain: 'shop.example.com', bundleEndpointURL: 'https://spire.eu.example.com:8443', bundleEndpointProfile: { type: 'https_spiffe', endpointSPIFFEID: 'spiffe://shop.example.com/spire/server' } },
    ]);
    expect(ids(e.manifests).find((m) => m.metadata.name === 'bulkhead.shop.web')?.spec.federatesWith).toEqual(['analytics.example.com']);
    expect(ids(e.manifests).find((m) => m.metadata.name === 'bulkhead.shop.cart')?.spec.federatesWith).toBeUndefined();
    expect(ids(g.manifests)[0].spec.federatesWith).toEqual(['shop.example.com']);
    expect(e.warnings).toEqual([]);
    expect(g.warnings.map((w) => [w.code, w.path, w.value])).toEqual([[SPIRE_WARNINGS.federationBootstrap, 'fixture/gke-us', 'https://spire.eu.example.com:8443']]);
  });

  test('a declared endpoint SPIFFE ID is written as declared', () => {
    const split = splitTrustDomains();
    const p: Plan = { ...split, clusters: split.clusters.map((c) => (c.name === 'eks-eu' ? { ...c, bundleEndpoint: { url: 'https://spire.eu.example.com:8443', profile: 'https_spiffe' as const, spiffeId: 'spiffe://shop.example.com/bundle-server' } } : c)) };
    expect(feds(render(p, 'gke-us').manifests)[0].spec.bundleEndpointProfile).toEqual({ type: 'https_spiffe', endpointSPIFFEID: 'spiffe://shop.example.com/bundle-server' });
  });

  test('no invented endpoint: a foreign trust domain without a declared one gets no ClusterFederatedTrustDomain and is in no federatesWith', () => {
    const split = splitTrustDomains();
    const p: Plan = { ...split, clusters: split.clusters.map((c) => (c.name === 'gke-us' ? { ...c, bundleEndpoint: undefined } : c)) };
    const e = render(p, 'eks-eu');
    expect(feds(e.manifests)).toEqual([]);
    for (const m of ids(e.manifests)) expect(m.spec.federatesWith).toBeUndefined();
    expect(JSON.stringify(e)).not.toContain('spire-bundle.');
    // the other direction is still declared
    expect(feds(render(p, 'gke-us').manifests).map((m) => m.spec.trustDomain)).toEqual(['shop.example.com']);
  });

  test('a plan SPIFFE ID that SPIRE would not issue is reported', () => {
    const p = fixturePlan();
    const bad: Plan = { ...p, workloads: p.workloads.map((w) => (w.name === 'cart' ? { ...w, spiffeId: 'spiffe://other.example/ns/shop/sa/cart' } : w)) };
    expect(render(bad, 'eks-eu').warnings.map((w) => [w.code, w.path])).toEqual([[SPIRE_WARNINGS.idMismatch, 'fixture/cart']]);
  });

  test('every emitted object passes the upstream CRD schema', () => {
    const all = [fixturePlan(), fixturePlan('audit'), splitTrustDomains()].flatMap((p) => p.clusters.flatMap((c) => renderSpire(p, c).manifests));
    expect(all.length).toBeGreaterThan(10);
    for (const m of all) expect(schemaErrors(m)).toEqual([]);
  });

  test('deterministic: twice, and with every list of the plan shuffled', () => {
    const split = splitTrustDomains();
    const json = JSON.stringify(split.clusters.map((c) => renderSpire(split, c)));
    expect(JSON.stringify(splitTrustDomains().clusters.map((c) => renderSpire(splitTrustDomains(), c)))).toBe(json);
    for (const seed of [1, 2, 3, 42]) {
      const s = shufflePlan(split, seed);
      expect(JSON.stringify(split.clusters.map((c) => renderSpire(s, cluster(s, c.name))))).toBe(json);
    }
  });

  test('snapshot of the fixture output', () => {
    const split = splitTrustDomains();
    expect([plan, split].map((p) => p.clusters.map((c) => ({ cluster: c.name, ...renderSpire(p, c) })))).toMatchSnapshot();
  });
});

describe('spire properties (random small plans)', () => {
  test('each workload gets exactly one ClusterSPIFFEID selecting it, issuing its principal, with its tier TTL and exactly its foreign trust domains', () => {
    fc.assert(fc.property(planArb, (plan) => {
      for (const c of plan.clusters.filter((x) => x.layers.includes('spire'))) {
        const out = renderSpire(plan, c);
        for (const m of out.manifests) if (schemaErrors(m).length > 0) return false;
        const all = ids(out.manifests);
        const mine = plan.workloads.filter((w) => w.cluster === c.name);
        if (all.length !== mine.length) return false;
        const foreignAll = new Set<string>();
        for (const w of mine) {
          const hits = all.filter((m) => m.spec.namespaceSelector.matchLabels['kubernetes.io/metadata.name'] === w.namespace
            && JSON.stringify(m.spec.podSelector.matchLabels) === JSON.stringify(w.selector));
          if (hits.length !== 1) return false;
          const issued = hits[0].spec.spiffeIDTemplate.replace('{{ .TrustDomain }}', c.trustDomain).replace('{{ .PodMeta.Namespace }}', w.namespace).replace('{{ .PodSpec.ServiceAccountName }}', w.serviceAccount);
          if (issued !== `spiffe://${istioPrincipal(c, w)}`) return false;
          if (hits[0].spec.ttl !== Duration.seconds(w.tier.maxSvidTtlSeconds).toGoString()) return false;
          const foreign = new Set<string>();
          for (const e of [...w.calls, ...w.calledBy]) {
            if (e.peer.kind === 'external') continue;
            const p = e.peer.kind === 'workload' ? plan.workloads.find((x) => x.key === e.peer.key)! : plan.platform.find((x) => x.key === e.peer.key)!;
            const pc = plan.clusters.find((x) => x.name === p.cluster)!;
            const declared = plan.clusters.some((x) => x.trustDomain === pc.trustDomain && x.bundleEndpoint);
            const issued = pc.layers.includes('istio') || pc.layers.includes('spire');
            if (pc.trustDomain !== c.trustDomain && declared && issued) foreign.add(pc.trustDomain);
          }
          foreign.forEach((td) => foreignAll.add(td));
          if (JSON.stringify(hits[0].spec.federatesWith ?? []) !== JSON.stringify([...foreign].sort())) return false;
        }
        if (JSON.stringify(feds(out.manifests).map((m) => m.spec.trustDomain)) !== JSON.stringify([...foreignAll].sort())) return false;
      }
      return true;
    }), { numRuns: 150 });
  });

  test('deterministic under any reordering of the plan', () => {
    fc.assert(fc.property(planArb, fc.nat(), (plan, seed) => plan.clusters.every((c) => {
      const s = shufflePlan(plan, seed);
      return JSON.stringify(renderSpire(plan, c)) === JSON.stringify(renderSpire(s, s.clusters.find((x) => x.name === c.name)!));
    })), { numRuns: 100 });
  });
});
