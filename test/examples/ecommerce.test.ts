import * as fc from 'fast-check';
import { declareShop } from '../../examples/ecommerce/declaration';
import { LABELS, synthesize, toYaml } from '../../lib';
import { schemaErrors } from '../util/schema';

const AT = (iso: string) => () => new Date(iso);

describe('the e-commerce example', () => {
  const shop = declareShop(undefined);
  const s = synthesize(shop.topology);
  const all = s.clusters.flatMap((c) => c.manifests.map((m) => ({ cluster: c.cluster.name, m })));

  test('every emitted object validates against its upstream schema', () => {
    const errors = all.flatMap(({ cluster, m }) => schemaErrors(m as never).map((e) => `${cluster} ${m.kind} ${m.metadata.namespace ?? ''}/${m.metadata.name}: ${e}`));
    expect(errors).toEqual([]);
    expect(all.length).toBeGreaterThan(100);
  });

  test('synthesis output is stable (snapshot of every cluster)', () => {
    for (const c of s.clusters) expect(toYaml(c.manifests)).toMatchSnapshot(c.cluster.name);
  });

  test('every namespace holding workloads is default-deny in every layer its cluster runs', () => {
    for (const c of s.clusters) {
      for (const ns of c.cluster.namespaces) {
        const inNs = c.manifests.filter((m) => m.metadata.namespace === ns);
        const np = inNs.find((m) => m.kind === 'NetworkPolicy' && m.metadata.name === 'bulkhead-default-deny') as unknown as { spec: { podSelector: object; policyTypes: string[]; ingress?: unknown; egress: { ports: { port: number; protocol: string }[] }[] } };
        expect(np.spec.podSelector).toEqual({});
        expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
        expect(np.spec.ingress).toBeUndefined();
        // default deny never breaks DNS
        expect(np.spec.egress.flatMap((r) => r.ports)).toEqual(expect.arrayContaining([{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }]));
        if (c.cluster.layers.includes('istio')) {
          const pa = inNs.find((m) => m.kind === 'PeerAuthentication') as unknown as { spec: { mtls: { mode: string } } };
          expect(pa.spec.mtls.mode).toBe('STRICT');
          expect(inNs.some((m) => m.kind === 'AuthorizationPolicy' && m.metadata.name === 'bulkhead-allow-nothing')).toBe(true);
        }
        if (c.cluster.layers.includes('cilium')) {
          expect(inNs.some((m) => m.kind === 'CiliumNetworkPolicy' && m.metadata.name === 'bulkhead-default-deny')).toBe(true);
        } else {
          expect(c.manifests.some((m) => m.apiVersion.startsWith('cilium.io/'))).toBe(false);
        }
      }
    }
  });

  test('no layer carries a known footgun', () => {
    for (const { m } of all) {
      const spec = (m as unknown as { spec?: Record<string, unknown> }).spec ?? {};
      if (m.kind === 'NetworkPolicy') {
        expect(JSON.stringify(spec.ingress ?? [])).not.toContain('{}]');
        for (const r of [...((spec.ingress as object[]) ?? []), ...((spec.egress as object[]) ?? [])]) expect(Object.keys(r).length).toBeGreaterThan(0);
      }
      if (m.kind === 'AuthorizationPolicy') {
        const rules = spec.rules as object[] | undefined;
        if (rules) for (const r of rules) expect(Object.keys(r).length).toBeGreaterThan(0); // never rules: [{}]
        if (spec.action === 'ALLOW' && !rules) expect(m.metadata.name).toBe('bulkhead-allow-nothing');
        if (spec.action === 'DENY') for (const r of rules ?? []) expect(JSON.stringify(r)).toContain('ports');
      }
    }
  });

  test('the SPIFFE identities SPIRE issues are exactly the principals Istio names', () => {
    const principals = new Set(all.filter(({ m }) => m.kind === 'AuthorizationPolicy')
      .flatMap(({ m }) => ((m as unknown as { spec: { rules?: { from?: { source: { principals?: string[] } }[] }[] } }).spec.rules ?? [])
        .flatMap((r) => (r.from ?? []).flatMap((f) => f.source.principals ?? []))));
    const ids = new Set(s.plan.workloads.map((w) => w.spiffeId.replace('spiffe://', '')));
    for (const p of principals) {
      if (p.includes('/sa/istiod') || p.includes('/sa/coredns')) continue;
      expect(ids).toContain(p);
    }
    for (const w of s.plan.workloads) {
      const cs = all.find(({ m }) => m.kind === 'ClusterSPIFFEID' && (m as unknown as { spec: { podSelector: { matchLabels: Record<string, string> } } }).spec.podSelector.matchLabels['app.kubernetes.io/name'] === w.name);
      expect(cs).toBeDefined();
    }
  });

  test('the break-glass grant is emitted while in force, in every layer, marked, and never after expiry', () => {
    const marked = all.filter(({ m }) => m.metadata.labels?.[LABELS.breakGlass] === 'db-oncall');
    expect(new Set(marked.map(({ m }) => m.kind))).toEqual(new Set(['NetworkPolicy', 'CiliumNetworkPolicy', 'AuthorizationPolicy', 'ClusterNetworkPolicy']));
    for (const { m } of marked) {
      expect(m.metadata.labels?.[LABELS.expiresAt]).toBe(String(Date.parse('2026-11-22T22:00:00Z') / 1000));
      expect(m.metadata.annotations).toMatchObject({ 'bulkhead.io/reason': 'restore a corrupted ledger row', 'bulkhead.io/ticket': 'INC-4711', 'bulkhead.io/approvers': 'alice,bob' });
    }
    expect(all.some(({ m }) => m.kind === 'CronJob')).toBe(true);

    const later = synthesize(declareShop(undefined, { clock: AT('2026-11-22T22:00:00Z') }).topology);
    const after = later.clusters.flatMap((c) => c.manifests);
    expect(after.some((m) => m.metadata.labels?.[LABELS.breakGlass])).toBe(false);
    expect(after.some((m) => m.kind === 'CronJob')).toBe(false);
    expect(later.warnings.map((w) => w.code)).toContain('BH-BG-EXPIRED');
  });

  test('an expired grant is an error in strict mode', () => {
    const shop2 = declareShop(undefined, { clock: AT('2026-11-23T00:00:00Z'), strict: true });
    expect(() => synthesize(shop2.topology)).toThrow(/BH-BG-EXPIRED/);
  });

  test('same declaration, statements in any order: byte-identical output', () => {
    const reference = synthesize(declareShop(undefined).topology).clusters.map((c) => toYaml(c.manifests)).join('\n');
    const n = declareShop(undefined).topology.flows.length;
    const indices = [...Array(n).keys()];
    fc.assert(fc.property(fc.shuffledSubarray(indices, { minLength: n, maxLength: n }), (order) => {
      const other = declareShop(undefined);
      // reorder the flow statements as a different program would have written them
      const flows = other.topology.flows as unknown as unknown[];
      const original = [...flows];
      order.forEach((from, to) => { flows[to] = original[from]; });
      const out = synthesize(other.topology).clusters.map((c) => toYaml(c.manifests)).join('\n');
      return out === reference;
    }), { numRuns: 25 });
  });
});
