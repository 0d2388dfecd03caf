import * as fc from 'fast-check';
import { Protocol } from '../../lib/core/port';
import { Plan, PlanCluster, PlanEdge, PlanPort, PlanWorkload } from '../../lib/plan/types';
import {
  CILIUM_DEFAULT_DENY_NAME, CILIUM_LABELS, CILIUM_WARNINGS, CiliumClusterwideNetworkPolicy, CiliumEgressRule, CiliumHttpRule, CiliumIngressRule,
  CiliumNetworkPolicy, CiliumPortRule, ciliumHttpRules, ciliumPathRegex, ciliumTarget, renderCilium,
} from '../../lib/targets/cilium';
import { KubeManifest } from '../../lib/targets/types';
import { fixturePlan } from '../fixtures/plan';
import { schemaErrors } from '../util/schema';
import { planArb, shufflePlan } from './mesh-plan-arbitrary';

const cluster = (plan: Plan, name: string): PlanCluster => plan.clusters.find((c) => c.name === name)!;
const render = (plan: Plan, name: string) => renderCilium(plan, cluster(plan, name));
const cnps = (ms: readonly KubeManifest[]) => ms.filter((m): m is CiliumNetworkPolicy => m.kind === 'CiliumNetworkPolicy');
const ccnps = (ms: readonly KubeManifest[]) => ms.filter((m): m is CiliumClusterwideNetworkPolicy => m.kind === 'CiliumClusterwideNetworkPolicy');
const policy = (ms: readonly KubeManifest[], ns: string, name: string) => {
  const p = cnps(ms).find((m) => m.metadata.namespace === ns && m.metadata.name === name);
  if (!p) throw new Error(`no CiliumNetworkPolicy ${ns}/${name}`);
  return p;
};
const portSet = (rules: readonly CiliumPortRule[] | undefined) =>
  (rules ?? []).flatMap((r) => r.ports.map((p) => `${p.protocol}/${p.port}${p.endPort ? `-${p.endPort}` : ''}`)).sort();
const planPortSet = (ports: readonly PlanPort[]) => ports.map((p) => `${p.protocol}/${p.port}${p.endPort !== undefined && p.endPort !== p.port ? `-${p.endPort}` : ''}`).sort();
const httpOf = (rules: readonly CiliumPortRule[] | undefined): CiliumHttpRule[] =>
  (rules ?? []).flatMap((r) => (r.rules && 'http' in r.rules ? r.rules.http : []));

/** The DNS rule of the fixture's EKS cluster: kube-system/kube-dns on 53, through the DNS proxy. */
const DNS: CiliumEgressRule = {
  toEndpoints: [{ matchLabels: { [CILIUM_LABELS.cluster]: 'eks-eu', 'k8s-app': 'kube-dns', [CILIUM_LABELS.namespace]: 'kube-system' } }],
  toPorts: [{ ports: [{ port: '53', protocol: 'TCP' }, { port: '53', protocol: 'UDP' }], rules: { dns: [{ matchPattern: '*' }] } }],
};

/** The fixture with the GKE cluster running Cilium too (ClusterMesh). */
function meshPlan(): Plan {
  const p = fixturePlan();
  return { ...p, clusters: p.clusters.map((c) => (c.name === 'gke-us' ? { ...c, layers: [...c.layers, 'cilium' as const] } : c)) };
}

describe('cilium target', () => {
  const plan = fixturePlan();
  const eks = render(plan, 'eks-eu');

  test('is a Target for the cilium layer', () => {
    expect(ciliumTarget.layer).toBe('cilium');
    expect(ciliumTarget.render(plan, cluster(plan, 'eks-eu'))).toEqual(eks);
  });

  test('a cluster without Cilium gets no Cilium objects', () => {
    expect(render(plan, 'gke-us')).toEqual({ manifests: [], warnings: [] });
  });

  test('every namespace has default deny in both directions, with DNS to kube-dns and the DNS rule toFQDNs needs', () => {
    for (const ns of ['ops', 'payments', 'shop']) {
      const p = policy(eks.manifests, ns, CILIUM_DEFAULT_DENY_NAME);
      expect(p.spec.endpointSelector).toEqual({});
      expect(p.spec.enableDefaultDeny).toEqual({ egress: true, ingress: true });
      expect(p.spec.ingress).toEqual([{}]);
      expect(p.spec.egress).toEqual([{
        toEndpoints: [{ matchLabels: { 'k8s-app': 'kube-dns', [CILIUM_LABELS.cluster]: 'eks-eu', [CILIUM_LABELS.namespace]: 'kube-system' } }],
        toPorts: [{ ports: [{ port: '53', protocol: 'TCP' }, { port: '53', protocol: 'UDP' }], rules: { dns: [{ matchPattern: '*' }] } }],
      }]);
    }
    // The empty rule appears only there: no other policy allows "nothing" by accident.
    for (const p of cnps(eks.manifests).filter((m) => m.metadata.name !== CILIUM_DEFAULT_DENY_NAME)) {
      for (const r of [...(p.spec.ingress ?? []), ...(p.spec.egress ?? [])]) expect(Object.keys(r).length).toBeGreaterThan(0);
    }
  });

  test('cart accepts exactly web on 9090 with the L7 rule, its path anchored and escaped', () => {
    const p = policy(eks.manifests, 'shop', 'cart');
    expect(p.spec.endpointSelector).toEqual({ matchLabels: { app: 'cart' } });
    expect(p.spec.ingress).toEqual([{
      fromEndpoints: [{ matchLabels: { app: 'web', [CILIUM_LABELS.cluster]: 'eks-eu', [CILIUM_LABELS.namespace]: 'shop' } }],
      toPorts: [{ ports: [{ port: '9090', protocol: 'TCP' }], rules: { http: [{ method: 'POST', path: '^/cart\\.Cart/.*$' }] } }],
    }]);
    // its only egress is DNS: the same rule as the namespace default-deny, L7 DNS rule included
    expect(p.spec.egress).toEqual(policy(eks.manifests, 'shop', CILIUM_DEFAULT_DENY_NAME).spec.egress);
  });

  test('web: internet ingress by CIDR; egress to cart (L7), payment-api, and the GKE collector by pod CIDR', () => {
    const p = policy(eks.manifests, 'shop', 'web');
    expect(p.spec.ingress).toEqual([{ fromCIDRSet: [{ cidr: '0.0.0.0/0' }], toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }] }]);
    const egress = p.spec.egress ?? [];
    expect(egress).toHaveLength(4);
    expect(egress).toContainEqual(DNS);
    expect(egress).toContainEqual({ toCIDRSet: [{ cidr: '10.8.0.0/14' }], toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }] });
    expect(egress).toContainEqual({
      toEndpoints: [{ matchLabels: { app: 'payment-api', [CILIUM_LABELS.cluster]: 'eks-eu', [CILIUM_LABELS.namespace]: 'payments' } }],
      toPorts: [{ ports: [{ port: '9090', protocol: 'TCP' }] }],
    });
    expect(egress.find((r) => r.toEndpoints?.[0].matchLabels?.app === 'cart')?.toPorts?.[0].rules).toEqual({ http: [{ method: 'POST', path: '^/cart\\.Cart/.*$' }] });
    expect(eks.warnings.filter((w) => w.code === CILIUM_WARNINGS.remoteCidr).map((w) => w.value)).toEqual(['10.8.0.0/14']);
  });

  test('payment-api: mutual auth on ingress (highly-sensitive tier), FQDN egress to the payment provider', () => {
    const p = policy(eks.manifests, 'payments', 'payment-api');
    expect(p.spec.ingress).toEqual([{
      fromEndpoints: [{ matchLabels: { app: 'web', [CILIUM_LABELS.cluster]: 'eks-eu', [CILIUM_LABELS.namespace]: 'shop' } }],
      toPorts: [{ ports: [{ port: '9090', protocol: 'TCP' }] }],
      authentication: { mode: 'required' },
    }]);
    expect(p.spec.egress).toContainEqual({ toFQDNs: [{ matchName: 'api.stripe.com' }], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] });
    expect(p.spec.egress).toHaveLength(3);
    // The DNS rule toFQDNs depends on (the DNS proxy learns the addresses) is in the workload's
    // own policy, as in the namespace's default-deny policy: without the latter it still works.
    expect(p.spec.egress).toContainEqual(DNS);
    expect(policy(eks.manifests, 'payments', CILIUM_DEFAULT_DENY_NAME).spec.egress).toEqual([DNS]);
  });

  test('internal tiers get no authentication requirement', () => {
    for (const r of policy(eks.manifests, 'shop', 'cart').spec.ingress ?? []) expect(r.authentication).toBeUndefined();
  });

  test('break-glass flows live in separate, marked objects on both sides', () => {
    const db = policy(eks.manifests, 'payments', 'bg-db-oncall-payment-db');
    const oncall = policy(eks.manifests, 'ops', 'bg-db-oncall-oncall');
    for (const p of [db, oncall]) {
      expect(p.metadata.labels).toMatchObject({ 'bulkhead.io/break-glass': 'db-oncall', 'bulkhead.io/expires-at': '1795384800' });
      expect(p.metadata.annotations).toMatchObject({ 'bulkhead.io/reason': 'restore a corrupted ledger row', 'bulkhead.io/ticket': 'INC-4711', 'bulkhead.io/approvers': 'alice,bob' });
    }
    expect(db.spec.ingress).toEqual([{
      fromEndpoints: [{ matchLabels: { app: 'oncall', [CILIUM_LABELS.cluster]: 'eks-eu', [CILIUM_LABELS.namespace]: 'ops' } }],
      toPorts: [{ ports: [{ port: '5432', protocol: 'TCP' }] }],
      authentication: { mode: 'required' },
    }]);
    // the grant's egress section isolates egress: it carries the DNS rule too
    expect(oncall.spec.egress).toEqual([{
      toEndpoints: [{ matchLabels: { app: 'payment-db', [CILIUM_LABELS.cluster]: 'eks-eu', [CILIUM_LABELS.namespace]: 'payments' } }],
      toPorts: [{ ports: [{ port: '5432', protocol: 'TCP' }] }],
    }, DNS]);
    expect(oncall.spec.ingress).toBeUndefined();
    expect(db.spec.egress).toBeUndefined();
    // The regular policies do not mention the grant's peer; oncall's own policy is its DNS.
    expect(JSON.stringify(policy(eks.manifests, 'payments', 'payment-db'))).not.toContain('oncall');
    expect(policy(eks.manifests, 'ops', 'oncall').spec.egress).toEqual([DNS]);
    expect(policy(eks.manifests, 'ops', 'oncall').spec.ingress).toBeUndefined();
  });

  test('guardrails deny the world entity only in directions no declared flow needs', () => {
    const g = ccnps(eks.manifests);
    expect(g.map((m) => m.metadata.name)).toEqual(['bulkhead-guardrail.payments.payment-api', 'bulkhead-guardrail.payments.payment-db']);
    const api = g[0].spec;
    const db = g[1].spec;
    expect(api.endpointSelector).toEqual({ matchLabels: { app: 'payment-api', [CILIUM_LABELS.namespace]: 'payments' } });
    expect(api.ingressDeny).toEqual([{ fromEntities: ['world'] }]);
    expect(api.egressDeny).toBeUndefined(); // payment-api calls the payment provider
    expect(db.ingressDeny).toEqual([{ fromEntities: ['world'] }]);
    expect(db.egressDeny).toEqual([{ toEntities: ['world'] }]);
    for (const p of g) expect(p.spec.enableDefaultDeny).toEqual({ egress: false, ingress: false });
    expect(eks.warnings.find((w) => w.code === CILIUM_WARNINGS.guardrailSkipped)?.path).toBe('fixture/payment-api');
  });

  test('audit mode: nothing denies (no default deny, L7, authentication or guardrails), and a warning says so', () => {
    const audit = render(fixturePlan('audit'), 'eks-eu');
    expect(ccnps(audit.manifests)).toEqual([]);
    for (const p of cnps(audit.manifests)) {
      expect(p.spec.enableDefaultDeny).toEqual({ egress: false, ingress: false });
      for (const r of p.spec.ingress ?? []) expect(r.authentication).toBeUndefined();
      expect(httpOf([...(p.spec.ingress ?? []), ...(p.spec.egress ?? [])].flatMap((r) => r.toPorts ?? []))).toEqual([]);
    }
    expect(audit.warnings.map((w) => w.code)).toContain(CILIUM_WARNINGS.auditMode);
  });

  test('ClusterMesh: a peer in another Cilium cluster is selected by labels and cluster name; local peers carry the local cluster', () => {
    const mesh = meshPlan();
    const out = render(mesh, 'eks-eu');
    const web = policy(out.manifests, 'shop', 'web');
    expect(web.spec.egress).toContainEqual({
      toEndpoints: [{ matchLabels: { app: 'collector', [CILIUM_LABELS.cluster]: 'gke-us', [CILIUM_LABELS.namespace]: 'analytics' } }],
      toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }],
    });
    expect(policy(out.manifests, 'shop', 'cart').spec.ingress?.[0].fromEndpoints?.[0].matchLabels).toMatchObject({ [CILIUM_LABELS.cluster]: 'eks-eu' });
    expect(out.warnings.map((w) => w.code)).not.toContain(CILIUM_WARNINGS.remoteCidr);
    const gke = render(mesh, 'gke-us');
    expect(policy(gke.manifests, 'analytics', 'collector').spec.ingress).toEqual([{
      fromEndpoints: [{ matchLabels: { app: 'web', [CILIUM_LABELS.cluster]: 'eks-eu', [CILIUM_LABELS.namespace]: 'shop' } }],
      toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }],
    }]);
  });

  test('one Cilium cluster: every peer selector still names the cluster (Cilium 1.19 changed the default scope), the subject selectors do not', () => {
    const out = render(plan, 'eks-eu');
    const peerSelectors = cnps(out.manifests).flatMap((p) => [...(p.spec.ingress ?? []).flatMap((r) => r.fromEndpoints ?? []), ...(p.spec.egress ?? []).flatMap((r) => r.toEndpoints ?? [])]);
    expect(peerSelectors.length).toBeGreaterThan(5);
    for (const sel of peerSelectors) expect(sel.matchLabels?.[CILIUM_LABELS.cluster]).toBe('eks-eu');
    const dns = policy(out.manifests, 'shop', 'bulkhead-default-deny').spec.egress?.[0].toEndpoints?.[0];
    expect(dns?.matchLabels).toEqual({ 'k8s-app': 'kube-dns', [CILIUM_LABELS.cluster]: 'eks-eu', [CILIUM_LABELS.namespace]: 'kube-system' });
    for (const p of out.manifests) {
      const spec = (p as unknown as { spec: { endpointSelector?: { matchLabels?: Record<string, string> } } }).spec;
      expect(spec.endpointSelector?.matchLabels?.[CILIUM_LABELS.cluster]).toBeUndefined();
    }
  });

  test('the cluster label is the cluster\'s Cilium name, not its Bulkhead name', () => {
    const p = { ...plan, clusters: plan.clusters.map((c) => (c.name === 'eks-eu' ? { ...c, ciliumClusterName: 'prod-1' } : c)) };
    const web = policy(render(p, 'eks-eu').manifests, 'shop', 'cart');
    expect(web.spec.ingress?.[0].fromEndpoints?.[0].matchLabels).toMatchObject({ [CILIUM_LABELS.cluster]: 'prod-1' });
  });

  test('every emitted object passes the upstream CRD schema', () => {
    const all = [fixturePlan('enforce'), fixturePlan('audit'), meshPlan()].flatMap((p) => p.clusters.flatMap((c) => renderCilium(p, c).manifests));
    expect(all.length).toBeGreaterThan(20);
    for (const m of all) expect(schemaErrors(m)).toEqual([]);
  });

  test('deterministic: twice, and with every list of the plan shuffled', () => {
    const json = JSON.stringify(render(plan, 'eks-eu'));
    expect(JSON.stringify(render(fixturePlan(), 'eks-eu'))).toBe(json);
    for (const seed of [1, 2, 3, 42]) expect(JSON.stringify(render(shufflePlan(plan, seed), 'eks-eu'))).toBe(json);
  });

  test('snapshot of the fixture output', () => {
    expect(plan.clusters.map((c) => ({ cluster: c.name, ...renderCilium(plan, c) }))).toMatchSnapshot();
  });
});

describe('cilium path and HTTP translation', () => {
  test.each([
    ['/cart.Cart/*', '^/cart\\.Cart/.*$'],
    ['*/health', '^.*/health$'],
    ['/v1/items', '^/v1/items$'],
    ['/a+b(c)?', '^/a\\+b\\(c\\)\\?$'],
    ['*', '^.*$'],
  ])('%s → %s', (path, regex) => {
    expect(ciliumPathRegex(path)).toBe(regex);
    const re = new RegExp(regex);
    if (path.endsWith('*') && path !== '*') expect(re.test(`${path.slice(0, -1)}anything`)).toBe(true);
    if (!path.includes('*')) {
      expect(re.test(path)).toBe(true);
      expect(re.test(`${path}x`)).toBe(false);
      expect(re.test(`x${path}`)).toBe(false);
    }
  });

  test('methods × paths, any-method and any-path rules', () => {
    expect(ciliumHttpRules([{ methods: ['GET', 'POST'], paths: ['/a'] }, { methods: [], paths: ['/b*'] }])).toEqual([
      { method: 'GET', path: '^/a$' }, { method: 'POST', path: '^/a$' }, { path: '^/b.*$' },
    ]);
  });

  test('HTTP rules go on TCP ports only; UDP ports of the same flow stay L4', () => {
    const p = fixturePlan();
    const withUdp: Plan = {
      ...p,
      workloads: p.workloads.map((w) => (w.name !== 'cart' ? w : {
        ...w,
        calledBy: w.calledBy.map((e) => (e.peer.key.endsWith('/web') ? { ...e, ports: [...e.ports, { protocol: Protocol.UDP, port: 9091 }] } : e)),
      })),
    };
    const out = render(withUdp, 'eks-eu');
    expect(policy(out.manifests, 'shop', 'cart').spec.ingress?.[0].toPorts).toEqual([
      { ports: [{ port: '9090', protocol: 'TCP' }], rules: { http: [{ method: 'POST', path: '^/cart\\.Cart/.*$' }] } },
      { ports: [{ port: '9091', protocol: 'UDP' }] },
    ]);
    expect(out.warnings.map((w) => w.code)).toContain(CILIUM_WARNINGS.l7NonTcp);
  });
});

/** What a peer must look like in a rule, from the semantics (not the renderer). */
function expectedPeer(plan: Plan, here: PlanCluster, edge: PlanEdge, direction: 'in' | 'out'): object | undefined {
  if (edge.peer.kind === 'external') {
    const e = plan.externals.find((x) => x.key === edge.peer.key)!;
    if (direction === 'out' && e.fqdns.length > 0) return { toFQDNs: [...e.fqdns].sort().map((f) => (f.includes('*') ? { matchPattern: f } : { matchName: f })) };
    if (e.cidrs.length === 0) return undefined;
    const set = e.cidrs.map((cidr) => ({ cidr, ...(e.except.length > 0 ? { except: e.except } : {}) }));
    return direction === 'in' ? { fromCIDRSet: set } : { toCIDRSet: set };
  }
  const p = edge.peer.kind === 'workload' ? plan.workloads.find((w) => w.key === edge.peer.key)! : plan.platform.find((x) => x.key === edge.peer.key)!;
  const pc = plan.clusters.find((c) => c.name === p.cluster)!;
  if (p.cluster === here.name || pc.layers.includes('cilium')) {
    // every peer selector names its cluster, local peers included (same meaning before and after Cilium 1.19)
    const labels: Record<string, string> = { [CILIUM_LABELS.namespace]: p.namespace, ...p.selector, [CILIUM_LABELS.cluster]: pc.ciliumClusterName };
    const sel = [{ matchLabels: Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1))) }];
    return direction === 'in' ? { fromEndpoints: sel } : { toEndpoints: sel };
  }
  if (pc.podCidrs.length === 0) return undefined;
  const set = pc.podCidrs.map((cidr) => ({ cidr }));
  return direction === 'in' ? { fromCIDRSet: set } : { toCIDRSet: set };
}

function peerPart(r: CiliumIngressRule | CiliumEgressRule): object {
  const { toPorts: _p, ...rest } = r as CiliumIngressRule & CiliumEgressRule;
  const { authentication: _a, ...peer } = rest;
  return peer;
}

describe('cilium properties (random small plans)', () => {
  test('every declared flow appears exactly once on each side that runs Cilium, with exactly its ports and L7 rules, and nothing else', () => {
    fc.assert(fc.property(planArb, (plan) => {
      const audit = plan.topology.mode === 'audit';
      for (const c of plan.clusters.filter((x) => x.layers.includes('cilium'))) {
        const out = renderCilium(plan, c);
        for (const w of plan.workloads.filter((x: PlanWorkload) => x.cluster === c.name)) {
          for (const [dir, edges] of [['in', w.calledBy], ['out', w.calls]] as const) {
            const regular = edges.filter((e) => e.origin !== 'break-glass');
            const rules: readonly (CiliumIngressRule | CiliumEgressRule)[] = (() => {
              const p = cnps(out.manifests).find((m) => m.metadata.namespace === w.namespace && m.metadata.name === w.name);
              return (dir === 'in' ? p?.spec.ingress : p?.spec.egress) ?? [];
            })();
            const expected = new Set<string>();
            const dnsEdge = (e: PlanEdge) => e.origin === 'platform' && e.peer.key === `platform:${c.name}:dns` && planPortSet(e.ports).every((x) => x === 'TCP/53' || x === 'UDP/53');
            if (dir === 'out' && (rules.length > 0 || regular.some(dnsEdge))) {
              // an egress section isolates egress: it carries the namespace default-deny's DNS rule, once
              const dns = JSON.stringify(policy(out.manifests, w.namespace, CILIUM_DEFAULT_DENY_NAME).spec.egress?.[0]);
              if (rules.filter((r) => JSON.stringify(r) === dns).length !== 1) return false;
              expected.add(dns);
            }
            for (const e of regular) {
              if (dir === 'out' && dnsEdge(e)) continue; // the DNS rule, above
              const peer = expectedPeer(plan, c, e, dir);
              if (!peer) continue;
              // L7 rules apply to the TCP ports of a flow only.
              const http = audit || !e.ports.some((p) => p.protocol === Protocol.TCP) ? [] : ciliumHttpRules(e.http);
              const hits = rules.filter((r) => JSON.stringify(peerPart(r)) === JSON.stringify(peer)
                && JSON.stringify(portSet(r.toPorts)) === JSON.stringify(planPortSet(e.ports))
                && JSON.stringify(httpOf(r.toPorts)) === JSON.stringify(http));
              if (hits.length !== 1) return false;
              expected.add(JSON.stringify(hits[0]));
            }
            if (rules.length !== expected.size) return false;
          }
        }
        for (const m of out.manifests) if (schemaErrors(m).length > 0) return false;
      }
      return true;
    }), { numRuns: 150 });
  });

  test('guardrails never deny the world entity in a direction a flow needs it', () => {
    fc.assert(fc.property(planArb, (plan) => {
      for (const c of plan.clusters.filter((x) => x.layers.includes('cilium'))) {
        for (const g of ccnps(renderCilium(plan, c).manifests)) {
          const w = plan.workloads.find((x) => x.cluster === c.name && x.name === g.metadata.labels?.['bulkhead.io/workload'])!;
          const world = (edges: readonly PlanEdge[]) => edges.some((e) => {
            if (e.peer.kind === 'external') return true;
            const p = e.peer.kind === 'workload' ? plan.workloads.find((x) => x.key === e.peer.key)! : plan.platform.find((x) => x.key === e.peer.key)!;
            return p.cluster !== c.name && !plan.clusters.find((x) => x.name === p.cluster)!.layers.includes('cilium');
          });
          if (g.spec.ingressDeny && world(w.calledBy)) return false;
          if (g.spec.egressDeny && world(w.calls)) return false;
        }
      }
      return true;
    }), { numRuns: 150 });
  });

  test('deterministic under any reordering of the plan', () => {
    fc.assert(fc.property(planArb, fc.nat(), (plan, seed) => plan.clusters.every((c) => {
      const shuffledPlan = shufflePlan(plan, seed);
      return JSON.stringify(renderCilium(plan, c)) === JSON.stringify(renderCilium(shuffledPlan, shuffledPlan.clusters.find((x) => x.name === c.name)!));
    })), { numRuns: 100 });
  });
});
