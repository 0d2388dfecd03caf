import * as fc from 'fast-check';
import { Protocol } from '../../lib/core/port';
import { Plan, PlanCluster, PlanPort } from '../../lib/plan/types';
import { sortManifests } from '../../lib/targets/common';
import {
  DEFAULT_DENY_NAME, ipv4Complement, kubernetesTarget, KubernetesRenderResult, mergePorts, NetworkPolicyManifest, NetworkPolicyPeer,
  NetworkPolicyPort, portsKey, REAPER_NAMESPACE, renderKubernetes,
} from '../../lib/targets/kubernetes';
import { fixturePlan } from '../fixtures/plan';
import { schemaErrors } from '../util/schema';
import { buildPlan, deepShuffle, GenSpec, rng, tcp, udp } from './network-plan-gen';

const NS_LABEL = 'kubernetes.io/metadata.name';

function cluster(plan: Plan, name: string): PlanCluster {
  const c = plan.clusters.find((x) => x.name === name);
  if (!c) throw new Error(`no cluster ${name}`);
  return c;
}
function render(plan: Plan, name: string): KubernetesRenderResult {
  return renderKubernetes(plan, cluster(plan, name));
}
/** The workloads' NetworkPolicies (the reaper's own isolation is tested with the reaper). */
function policies(r: KubernetesRenderResult): NetworkPolicyManifest[] {
  return r.manifests.filter((m): m is NetworkPolicyManifest => m.kind === 'NetworkPolicy' && m.metadata.namespace !== REAPER_NAMESPACE);
}
function policy(r: KubernetesRenderResult, ns: string, name: string): NetworkPolicyManifest {
  const p = policies(r).find((m) => m.metadata.namespace === ns && m.metadata.name === name);
  if (!p) throw new Error(`no NetworkPolicy ${ns}/${name}; have ${policies(r).map((m) => `${m.metadata.namespace}/${m.metadata.name}`).join(', ')}`);
  return p;
}
function pods(ns: string, selector: Record<string, string>): NetworkPolicyPeer {
  return { namespaceSelector: { matchLabels: { [NS_LABEL]: ns } }, podSelector: { matchLabels: selector } };
}
/** The DNS egress rule of the generated plans and the fixture: kube-system/kube-dns on TCP and UDP 53. */
const DNS_RULE = { to: [pods('kube-system', { 'k8s-app': 'kube-dns' })], ports: [{ protocol: 'TCP', port: 53 }, { protocol: 'UDP', port: 53 }] };
/** Every (peer, ports) pair a policy allows in a direction, peers as JSON. */
function grants(p: NetworkPolicyManifest, dir: 'ingress' | 'egress'): Map<string, NetworkPolicyPort[]> {
  const out = new Map<string, NetworkPolicyPort[]>();
  const rules = dir === 'ingress' ? (p.spec.ingress ?? []).map((r) => ({ peers: r.from, ports: r.ports })) : (p.spec.egress ?? []).map((r) => ({ peers: r.to, ports: r.ports }));
  for (const r of rules) {
    for (const peer of r.peers) {
      const k = JSON.stringify(peer);
      out.set(k, [...(out.get(k) ?? []), ...r.ports]);
    }
  }
  return out;
}
function allowed(ps: NetworkPolicyManifest[], dir: 'ingress' | 'egress', peer: NetworkPolicyPeer): string {
  const all = ps.flatMap((p) => grants(p, dir).get(JSON.stringify(peer)) ?? []);
  return portsKey(mergePorts(all));
}
function allObjects(plan: Plan): KubernetesRenderResult[] {
  return plan.clusters.map((c) => renderKubernetes(plan, c));
}

describe('kubernetes target: NetworkPolicy', () => {
  const plan = fixturePlan();
  const eu = render(plan, 'eks-eu');
  const us = render(plan, 'gke-us');

  test('the target object renders the same as renderKubernetes', () => {
    expect(kubernetesTarget.layer).toBe('kubernetes');
    expect(JSON.stringify(kubernetesTarget.render(plan, cluster(plan, 'eks-eu')))).toBe(JSON.stringify(eu));
  });

  test('default deny in every namespace, with DNS egress only', () => {
    for (const c of plan.clusters) {
      const r = render(plan, c.name);
      for (const ns of c.namespaces) {
        const p = policy(r, ns, DEFAULT_DENY_NAME);
        expect(p.spec).toEqual({
          podSelector: {},
          policyTypes: ['Ingress', 'Egress'],
          egress: [{
            to: [pods('kube-system', { 'k8s-app': 'kube-dns' })],
            ports: [{ protocol: 'TCP', port: 53 }, { protocol: 'UDP', port: 53 }],
          }],
        });
        expect(p.spec.ingress).toBeUndefined();
      }
      expect(policies(r).filter((p) => p.metadata.name === DEFAULT_DENY_NAME).map((p) => p.metadata.namespace)).toEqual(c.namespaces);
    }
  });

  test('one policy per workload, both policy types, named after the workload; break-glass objects apart', () => {
    for (const c of plan.clusters) {
      const r = render(plan, c.name);
      for (const w of plan.workloads.filter((x) => x.cluster === c.name)) {
        const own = policies(r).filter((p) => p.metadata.namespace === w.namespace && p.metadata.labels?.['bulkhead.io/workload'] === w.name && !p.metadata.labels?.['bulkhead.io/break-glass']);
        expect(own.map((p) => p.metadata.name)).toEqual([w.name]);
        expect(own[0].spec.policyTypes).toEqual(['Ingress', 'Egress']);
        expect(own[0].spec.podSelector).toEqual({ matchLabels: w.selector });
        expect(own[0].metadata.annotations).toEqual({ 'bulkhead.io/source': w.path });
      }
      const namespaces = new Set(policies(r).map((p) => p.metadata.namespace));
      const grantObjects = policies(r).filter((p) => p.metadata.labels?.['bulkhead.io/break-glass']).length;
      expect(policies(r)).toHaveLength(plan.workloads.filter((x) => x.cluster === c.name).length + namespaces.size + grantObjects);
    }
  });

  test('every workload policy carries its DNS egress, and every policy that isolates egress allows DNS', () => {
    const dns = JSON.stringify(pods('kube-system', { 'k8s-app': 'kube-dns' }));
    for (const r of [eu, us]) {
      for (const p of policies(r)) {
        if (!p.spec.policyTypes.includes('Egress')) continue;
        expect({ name: p.metadata.name, dns: portsKey(mergePorts(grants(p, 'egress').get(dns) ?? [])) }).toEqual({ name: p.metadata.name, dns: 'TCP/53,UDP/53' });
      }
    }
    // a workload with no other flow: its policy isolates both ways and allows DNS only
    expect(policy(eu, 'shop', 'cart').spec.egress).toEqual([{ to: [pods('kube-system', { 'k8s-app': 'kube-dns' })], ports: [{ protocol: 'TCP', port: 53 }, { protocol: 'UDP', port: 53 }] }]);
  });

  test('each declared same-cluster flow is present on both sides with exactly its ports', () => {
    const idx = new Map(plan.workloads.map((w) => [w.key, w]));
    const declared = plan.flows.filter((f) => f.origin === 'declared' && f.source.kind === 'workload' && f.destination.kind === 'workload');
    let checked = 0;
    for (const f of declared) {
      const src = idx.get(f.source.key);
      const dst = idx.get(f.destination.key);
      if (!src || !dst || src.cluster !== dst.cluster) continue;
      const r = render(plan, src.cluster);
      const want = portsKey(mergePorts(f.ports));
      expect(allowed([policy(r, src.namespace, src.name)], 'egress', pods(dst.namespace, dst.selector))).toBe(want);
      expect(allowed([policy(r, dst.namespace, dst.name)], 'ingress', pods(src.namespace, src.selector))).toBe(want);
      checked++;
    }
    expect(checked).toBe(3);
  });

  test('no peer beyond the declaration', () => {
    expect([...grants(policy(eu, 'shop', 'web'), 'egress').keys()].sort()).toEqual([
      JSON.stringify({ ipBlock: { cidr: '10.8.0.0/14' } }),
      JSON.stringify(pods('kube-system', { 'k8s-app': 'kube-dns' })),
      JSON.stringify(pods('payments', { app: 'payment-api' })),
      JSON.stringify(pods('shop', { app: 'cart' })),
    ].sort());
    expect([...grants(policy(eu, 'payments', 'payment-db'), 'ingress').keys()]).toEqual([JSON.stringify(pods('payments', { app: 'payment-api' }))]);
    expect(policy(eu, 'shop', 'web').spec.ingress).toEqual([{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ protocol: 'TCP', port: 8080 }] }]);
    expect(policy(eu, 'shop', 'cart').spec).toEqual({
      podSelector: { matchLabels: { app: 'cart' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [pods('shop', { app: 'web' })], ports: [{ protocol: 'TCP', port: 9090 }] }],
      egress: [{ to: [pods('kube-system', { 'k8s-app': 'kube-dns' })], ports: [{ protocol: 'TCP', port: 53 }, { protocol: 'UDP', port: 53 }] }],
    });
    // every workload has exactly one policy, whatever its flows; a grant adds one object per workload it touches
    const names = policies(eu).map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort();
    expect(names).toEqual([
      'ops/bg-db-oncall-oncall', 'ops/bulkhead-default-deny', 'ops/oncall',
      'payments/bg-db-oncall-payment-db', 'payments/bulkhead-default-deny', 'payments/payment-api', 'payments/payment-db',
      'shop/bulkhead-default-deny', 'shop/cart', 'shop/web',
    ]);
  });

  test('FQDN external falls back to the public address space on the declared ports, with a warning', () => {
    const egress = policy(eu, 'payments', 'payment-api').spec.egress ?? [];
    expect(egress).toContainEqual({
      to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16'] } }],
      ports: [{ protocol: 'TCP', port: 443 }],
    });
    const w = eu.warnings.filter((x) => x.code === 'BH-NP-FQDN');
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({
      severity: 'warning', path: 'fixture/stripe', value: 'api.stripe.com',
      fix: 'declare the provider\'s address ranges with `cidrs` on the External, or rely on the Cilium / Istio layers which enforce the name',
    });
    expect(us.warnings.filter((x) => x.code === 'BH-NP-FQDN')).toEqual([]);
  });

  test('FQDN fallback excludes pod and node CIDRs outside the private ranges', () => {
    const p = buildPlan({
      clusters: [{ name: 'c', podCidrs: ['100.64.0.0/10'], nodeCidrs: ['10.0.0.0/16', '198.51.100.0/24'] }],
      workloads: [{ cluster: 'c', namespace: 'a', name: 'x' }],
      externals: [{ name: 'api', fqdns: ['api.example.com'] }],
      flows: [{ from: 'c/a/x', to: 'external:api', ports: [tcp(443)] }],
    });
    const r = render(p, 'c');
    expect(policy(r, 'a', 'x').spec.egress).toEqual([{
      to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '100.64.0.0/10', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16', '198.51.100.0/24'] } }],
      ports: [{ protocol: 'TCP', port: 443 }],
    }, DNS_RULE]);
  });

  test('an FQDN external with declared CIDRs uses them, with their exceptions, and no warning', () => {
    const p = buildPlan({
      clusters: [{ name: 'c' }],
      workloads: [{ cluster: 'c', namespace: 'a', name: 'x' }],
      externals: [{ name: 'api', fqdns: ['api.example.com'], cidrs: ['203.0.113.0/24', '198.51.100.0/24'], except: ['203.0.113.128/25', '192.0.2.0/24'] }],
      flows: [{ from: 'c/a/x', to: 'external:api', ports: [tcp(443)] }],
    });
    const r = render(p, 'c');
    expect(policy(r, 'a', 'x').spec.egress).toEqual([{
      to: [{ ipBlock: { cidr: '198.51.100.0/24' } }, { ipBlock: { cidr: '203.0.113.0/24', except: ['203.0.113.128/25'] } }],
      ports: [{ protocol: 'TCP', port: 443 }],
    }, DNS_RULE]);
    expect(r.warnings).toEqual([]);
  });

  test('a peer in another cluster is an ipBlock of its pod CIDRs, with a warning on both sides', () => {
    expect(allowed([policy(eu, 'shop', 'web')], 'egress', { ipBlock: { cidr: '10.8.0.0/14' } })).toBe('TCP/8080');
    expect(policy(us, 'analytics', 'collector').spec.ingress).toEqual([{ from: [{ ipBlock: { cidr: '10.1.0.0/16' } }], ports: [{ protocol: 'TCP', port: 8080 }] }]);
    expect(eu.warnings.filter((w) => w.code === 'BH-NP-CROSS-CLUSTER').map((w) => w.value)).toEqual(['gke-us/analytics/collector']);
    expect(us.warnings.filter((w) => w.code === 'BH-NP-CROSS-CLUSTER').map((w) => w.value)).toEqual(['eks-eu/shop/web']);
    expect(eu.warnings.find((w) => w.code === 'BH-NP-CROSS-CLUSTER')?.message).toMatch(/coarser than the declaration/);
  });

  test('a remote cluster without pod CIDRs cannot be addressed: warning, no rule (the workload keeps DNS only)', () => {
    const p = buildPlan({
      clusters: [{ name: 'a' }, { name: 'b' }],
      workloads: [{ cluster: 'a', namespace: 'n', name: 'x' }, { cluster: 'b', namespace: 'n', name: 'y' }],
      flows: [{ from: 'a/n/x', to: 'b/n/y', ports: [tcp(80)] }],
    });
    const r = render(p, 'a');
    expect(policies(r).map((m) => m.metadata.name)).toEqual([DEFAULT_DENY_NAME, 'x']);
    expect(policy(r, 'n', 'x').spec.egress).toEqual([DNS_RULE]);
    expect(r.warnings.map((w) => w.code)).toEqual(['BH-NP-UNREACHABLE']);
  });

  test('break-glass edges are separate, marked objects, listing only the directions the grant opens', () => {
    const bgIn = policy(eu, 'payments', 'bg-db-oncall-payment-db');
    expect(bgIn.spec.policyTypes).toEqual(['Ingress']);
    expect(bgIn.spec.egress).toBeUndefined();
    expect(bgIn.metadata.labels).toMatchObject({ 'bulkhead.io/break-glass': 'db-oncall', 'bulkhead.io/expires-at': '1795384800' });
    expect(bgIn.metadata.annotations).toMatchObject({
      'bulkhead.io/reason': 'restore a corrupted ledger row', 'bulkhead.io/ticket': 'INC-4711', 'bulkhead.io/approvers': 'alice,bob', 'bulkhead.io/expires': '2026-11-22T22:00:00Z',
    });
    expect(bgIn.spec.ingress).toEqual([{ from: [pods('ops', { app: 'oncall' })], ports: [{ protocol: 'TCP', port: 5432 }] }]);
    const bgOut = policy(eu, 'ops', 'bg-db-oncall-oncall');
    // it isolates egress, so it carries the workload's DNS rule too
    expect(bgOut.spec.policyTypes).toEqual(['Egress']);
    expect(bgOut.spec.egress).toEqual([DNS_RULE, { to: [pods('payments', { app: 'payment-db' })], ports: [{ protocol: 'TCP', port: 5432 }] }]);
    expect(bgOut.metadata.labels?.['bulkhead.io/break-glass']).toBe('db-oncall');
    // the regular policy does not carry the grant
    expect(JSON.stringify(policy(eu, 'payments', 'payment-db'))).not.toContain('oncall');
    expect(JSON.stringify(policy(eu, 'ops', 'oncall'))).not.toContain('payment-db');
    for (const p of policies(eu).filter((m) => !m.metadata.name.startsWith('bg-'))) {
      expect(p.metadata.labels?.['bulkhead.io/break-glass']).toBeUndefined();
    }
  });

  test('never an empty peer, rule or port list (no ingress: [{}] / egress: [{}])', () => {
    for (const r of allObjects(plan)) {
      for (const p of policies(r)) {
        for (const rule of p.spec.ingress ?? []) {
          expect(rule.from.length).toBeGreaterThan(0);
          expect(rule.ports.length).toBeGreaterThan(0);
          for (const peer of rule.from) expect(Object.keys(peer).length).toBeGreaterThan(0);
        }
        for (const rule of p.spec.egress ?? []) {
          expect(rule.to.length).toBeGreaterThan(0);
          expect(rule.ports.length).toBeGreaterThan(0);
          for (const peer of rule.to) expect(Object.keys(peer).length).toBeGreaterThan(0);
        }
        expect(JSON.stringify(p.spec)).not.toMatch(/"(ingress|egress)":\[\{\}\]/);
      }
    }
  });

  test('ports: numbers, endPort for ranges, protocol always written, merged per peer', () => {
    const p = buildPlan({
      clusters: [{ name: 'c' }],
      workloads: [{ cluster: 'c', namespace: 'a', name: 'x' }, { cluster: 'c', namespace: 'a', name: 'y' }, { cluster: 'c', namespace: 'b', name: 'z' }],
      flows: [
        { from: 'c/a/x', to: 'c/a/y', ports: [tcp(8000, 8100)] },
        { from: 'c/a/x', to: 'c/a/y', ports: [tcp(8101), udp(5000)] },
        { from: 'c/b/z', to: 'c/a/y', ports: [tcp(8000, 8101), udp(5000)] },
        { from: 'c/b/z', to: 'c/a/x', ports: [tcp(9000)] },
      ],
    });
    const r = render(p, 'c');
    expect(policy(r, 'a', 'y').spec.ingress).toEqual([{
      from: [pods('a', { app: 'x', 'bulkhead.io/workload': 'x' }), pods('b', { app: 'z', 'bulkhead.io/workload': 'z' })],
      ports: [{ protocol: 'TCP', port: 8000, endPort: 8101 }, { protocol: 'UDP', port: 5000 }],
    }]);
    expect(policy(r, 'b', 'z').spec.egress).toEqual([
      DNS_RULE,
      { to: [pods('a', { app: 'y', 'bulkhead.io/workload': 'y' })], ports: [{ protocol: 'TCP', port: 8000, endPort: 8101 }, { protocol: 'UDP', port: 5000 }] },
      { to: [pods('a', { app: 'x', 'bulkhead.io/workload': 'x' })], ports: [{ protocol: 'TCP', port: 9000 }] },
    ]);
  });

  test('platform flows go in the per-workload policies, cluster DNS included', () => {
    const p = buildPlan({
      clusters: [{ name: 'c' }],
      workloads: [{ cluster: 'c', namespace: 'a', name: 'x' }],
      platform: [{ cluster: 'c', name: 'metrics', namespace: 'monitoring', selector: { app: 'prometheus' } }],
      flows: [
        { from: 'platform:c:metrics', to: 'c/a/x', ports: [tcp(9100)], origin: 'platform' },
        { from: 'c/a/x', to: 'platform:c:dns', ports: [udp(5353)], origin: 'platform' },
      ],
    });
    const r = render(p, 'c');
    expect(policy(r, 'a', 'x').spec.ingress).toEqual([{ from: [pods('monitoring', { app: 'prometheus' })], ports: [{ protocol: 'TCP', port: 9100 }] }]);
    // DNS on a port the namespace policy does not open too, merged with the resolver's 53
    expect(policy(r, 'a', 'x').spec.egress).toEqual([{ to: [pods('kube-system', { 'k8s-app': 'kube-dns' })], ports: [{ protocol: 'TCP', port: 53 }, { protocol: 'UDP', port: 53 }, { protocol: 'UDP', port: 5353 }] }]);
  });

  test('a cluster without a DNS platform endpoint gets default-deny without DNS and a warning', () => {
    const p = buildPlan({ clusters: [{ name: 'c' }], workloads: [{ cluster: 'c', namespace: 'a', name: 'x' }], flows: [], dns: false });
    const r = render(p, 'c');
    expect(policy(r, 'a', DEFAULT_DENY_NAME).spec.egress).toEqual([]);
    // the workload without flows: isolated both ways by its own policy, nothing allowed
    expect(policy(r, 'a', 'x').spec).toEqual({ podSelector: { matchLabels: { app: 'x', 'bulkhead.io/workload': 'x' } }, policyTypes: ['Ingress', 'Egress'] });
    expect(r.warnings.map((w) => w.code)).toEqual(['BH-NP-NO-DNS']);
  });

  test('audit mode renders the same, enforcing policies', () => {
    const audit = fixturePlan('audit');
    for (const c of audit.clusters) {
      expect(JSON.stringify(renderKubernetes(audit, c))).toBe(JSON.stringify(renderKubernetes(plan, cluster(plan, c.name))));
    }
  });

  test('every emitted object passes its upstream schema', () => {
    for (const p of [plan, fixturePlan('audit')]) {
      for (const r of allObjects(p)) {
        for (const m of r.manifests) expect({ name: m.metadata.name, errors: schemaErrors(m) }).toEqual({ name: m.metadata.name, errors: [] });
      }
    }
  });

  test('sorted and byte-stable: twice, and with every array of the plan shuffled', () => {
    const base = JSON.stringify(allObjects(plan));
    expect(JSON.stringify(allObjects(fixturePlan()))).toBe(base);
    for (const r of allObjects(plan)) expect(JSON.stringify(sortManifests(r.manifests))).toBe(JSON.stringify(r.manifests));
    for (let seed = 1; seed <= 10; seed++) {
      const shuffled = deepShuffle(fixturePlan(), rng(seed));
      const out = [...shuffled.clusters].sort((a, b) => (a.name < b.name ? -1 : 1)).map((c) => renderKubernetes(shuffled, c));
      expect(JSON.stringify(out)).toBe(base);
    }
  });

  test('snapshot of the fixture', () => {
    expect({ 'eks-eu': eu, 'gke-us': us }).toMatchSnapshot();
  });

  test('ipv4Complement covers exactly the space outside the blocks', () => {
    const c = ipv4Complement(['10.0.0.0/8']);
    expect(c.slice(0, 4)).toEqual(['0.0.0.0/5', '8.0.0.0/7', '11.0.0.0/8', '12.0.0.0/6']);
    const size = (s: string) => 2 ** (32 - Number(s.split('/')[1]));
    expect(c.reduce((a, s) => a + size(s), 0)).toBe(2 ** 32 - 2 ** 24);
    expect(ipv4Complement([])).toEqual(['0.0.0.0/0']);
    expect(ipv4Complement(['0.0.0.0/0'])).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Property: random small plans.

interface Small { spec: GenSpec }

const smallPlan: fc.Arbitrary<Small> = fc
  .record({
    twoClusters: fc.boolean(),
    workloads: fc.array(fc.record({ c: fc.integer({ min: 0, max: 1 }), ns: fc.constantFrom('a', 'b', 'c') }), { minLength: 1, maxLength: 6 }),
    flows: fc.array(
      fc.record({
        s: fc.nat(), d: fc.nat(), bg: fc.boolean(), ext: fc.constantFrom('none', 'none', 'none', 'fqdn', 'cidr'),
        ports: fc.array(
          fc.record({ proto: fc.constantFrom(Protocol.TCP, Protocol.UDP), port: fc.integer({ min: 1, max: 200 }), span: fc.constantFrom(0, 0, 0, 5) }),
          { minLength: 1, maxLength: 3 },
        ),
      }),
      { maxLength: 10 },
    ),
  })
  .map(({ twoClusters, workloads, flows }) => {
    const clusters = twoClusters ? ['k0', 'k1'] : ['k0'];
    const ws = workloads.map((w, i) => ({ cluster: clusters[w.c % clusters.length], namespace: w.ns, name: `w${i}` }));
    const key = (i: number) => { const w = ws[i % ws.length]; return `${w.cluster}/${w.namespace}/${w.name}`; };
    const spec: GenSpec = {
      clusters: clusters.map((c, i) => ({ name: c, podCidrs: [`10.${i + 1}.0.0/16`], nodeCidrs: [`10.${i + 100}.0.0/20`] })),
      workloads: ws,
      externals: [{ name: 'fqdn', fqdns: ['api.example.com'] }, { name: 'cidr', cidrs: ['203.0.113.0/24'] }],
      flows: flows.map((f) => {
        const ports: PlanPort[] = f.ports.map((p) => ({ protocol: p.proto, port: p.port, ...(p.span ? { endPort: p.port + p.span } : {}) }));
        const to = f.ext === 'none' ? key(f.d) : `external:${f.ext}`;
        return { from: key(f.s), to, ports, ...(f.bg ? { breakGlass: 'grant' } : {}) };
      }),
    };
    return { spec };
  });

function portsCover(allowedPorts: NetworkPolicyPort[], want: readonly PlanPort[]): boolean {
  const have = mergePorts(allowedPorts);
  return want.every((w) => have.some((h) => h.protocol === w.protocol && h.port <= w.port && (h.endPort ?? h.port) >= (w.endPort ?? w.port)));
}

describe('kubernetes target: properties of random plans', () => {
  test('default-deny per namespace, one policy per workload (both types), grant objects with rules; every declared workload flow is on both sides', () => {
    fc.assert(
      fc.property(smallPlan, ({ spec }) => {
        const plan = buildPlan(spec);
        const byCluster = new Map(plan.clusters.map((c) => [c.name, renderKubernetes(plan, c)]));
        for (const r of byCluster.values()) {
          for (const p of policies(r)) {
            if (p.metadata.name === DEFAULT_DENY_NAME) {
              expect(p.spec.podSelector).toEqual({});
              expect(p.spec.policyTypes).toEqual(['Ingress', 'Egress']);
              continue;
            }
            if (p.metadata.labels?.['bulkhead.io/break-glass']) {
              // a grant's object lists exactly the directions it has rules in
              expect(p.spec.policyTypes).toEqual([...(p.spec.ingress ? ['Ingress'] : []), ...(p.spec.egress ? ['Egress'] : [])]);
              expect(p.spec.policyTypes.length).toBeGreaterThan(0);
            } else {
              expect(p.spec.policyTypes).toEqual(['Ingress', 'Egress']);
            }
            if (p.spec.policyTypes.includes('Egress')) expect(portsCover(grants(p, 'egress').get(JSON.stringify(DNS_RULE.to[0])) ?? [], [tcp(53), udp(53)])).toBe(true);
            for (const m of schemaErrors(p)) throw new Error(m);
          }
        }
        const wl = new Map(plan.workloads.map((w) => [w.key, w]));
        for (const f of plan.flows) {
          if (f.source.kind !== 'workload' || f.destination.kind !== 'workload') continue;
          const src = wl.get(f.source.key);
          const dst = wl.get(f.destination.key);
          if (!src || !dst) throw new Error('inconsistent plan');
          const prefix = f.breakGlass ? `bg-${f.breakGlass}-` : '';
          const srcR = byCluster.get(src.cluster) as KubernetesRenderResult;
          const dstR = byCluster.get(dst.cluster) as KubernetesRenderResult;
          const dstPeer = src.cluster === dst.cluster ? [pods(dst.namespace, dst.selector)] : [{ ipBlock: { cidr: cluster(plan, dst.cluster).podCidrs[0] } }];
          const srcPeer = src.cluster === dst.cluster ? [pods(src.namespace, src.selector)] : [{ ipBlock: { cidr: cluster(plan, src.cluster).podCidrs[0] } }];
          const eg = policy(srcR, src.namespace, `${prefix}${src.name}`);
          const ing = policy(dstR, dst.namespace, `${prefix}${dst.name}`);
          for (const peer of dstPeer) expect(portsCover(grants(eg, 'egress').get(JSON.stringify(peer)) ?? [], f.ports)).toBe(true);
          for (const peer of srcPeer) expect(portsCover(grants(ing, 'ingress').get(JSON.stringify(peer)) ?? [], f.ports)).toBe(true);
          if (src.cluster === dst.cluster) {
            // exactness: the ports allowed for this peer are the union of the ports declared for it
            const declared = plan.flows.filter((g) => g.source.key === src.key && g.destination.key === dst.key && (g.breakGlass ?? '') === (f.breakGlass ?? ''));
            const want = portsKey(mergePorts(declared.flatMap((g) => g.ports)));
            expect(allowed([eg], 'egress', dstPeer[0])).toBe(want);
            expect(allowed([ing], 'ingress', srcPeer[0])).toBe(want);
          }
        }
      }),
      { numRuns: 150, seed: 4711 },
    );
  });
});
