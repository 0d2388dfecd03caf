/**
 * The sparse bulk query of the Cilium simulator (`allowedPairs`) against its per-pair query
 * (`allowedPorts`), on random workloads and random policies.
 */
import * as fc from 'fast-check';
import { PortSet } from '../../lib/analysis/portset';
import { createCiliumSimulator } from '../../lib/analysis/simulators/cilium';
import { AllowedPair, Endpoint, LayerSimulator, WorkloadEndpoint } from '../../lib/analysis/types';
import { context, external, workload } from './simulator-fixtures';

const NAMESPACES = ['shop', 'other', 'kube-system'];
const KEYS = ['app', 'tier'];
const VALUES = ['web', 'api', 'db'];

const labelsArb = fc.dictionary(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES), { maxKeys: 2 });
const portsArb = fc.uniqueArray(
  fc.constantFrom<[number, string?, ('TCP' | 'UDP')?]>([8080, 'http'], [9090, 'metrics'], [53, 'dns', 'UDP'], [53, 'dns-tcp'], [5432], [8080, 'alt']),
  { maxLength: 2, selector: (p) => `${p[0]}/${p[2] ?? 'TCP'}` },
);
const workloadsArb = fc.array(
  fc.record({ ns: fc.constantFrom(...NAMESPACES), labels: labelsArb, team: fc.boolean(), sa: fc.constantFrom('a', 'b'), ports: portsArb }),
  { minLength: 1, maxLength: 8 },
).map((ws) => ws.map((w, i) => workload(w.ns, `w${i}`, { labels: w.labels, namespaceLabels: w.team ? { team: 'shop' } : {}, serviceAccount: w.sa, ports: w.ports })));
const EXTERNALS: Endpoint[] = [
  external('203.0.113.0/25'), external('203.0.113.128/25'), external('198.51.100.10'), external('198.51.100.20'),
  external('10.0.0.0/9'), external('10.96.0.0/12'), external('169.254.169.254'), external('0.0.0.0/1'),
];

const sel = (labels: Record<string, string>): Record<string, unknown> => ({ matchLabels: labels });
const selectorArb = fc.oneof(
  fc.constant<Record<string, unknown>>({}),
  labelsArb.map((l) => sel(l)),
  fc.constantFrom<Record<string, unknown>>(
    sel({ 'k8s:io.kubernetes.pod.namespace': 'other' }),
    sel({ 'io.kubernetes.pod.namespace': 'kube-system', app: 'db' }),
    sel({ 'io.cilium.k8s.namespace.labels.team': 'shop' }),
    sel({ 'io.cilium.k8s.policy.serviceaccount': 'b' }),
    sel({ 'reserved:host': '' }),
    { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] },
    { matchExpressions: [{ key: 'tier', operator: 'Exists' }] },
  ),
);
const portArb = fc.constantFrom('53', '443', '5432', '8080', '9090', 'http', 'metrics', 'dns', 'alt', '0');
const portProtoArb = fc.record({ port: portArb, protocol: fc.constantFrom('TCP', 'UDP', 'SCTP', 'ANY'), endPort: fc.option(fc.constantFrom(8090, 9100), { nil: undefined }) }, { requiredKeys: ['port', 'protocol'] })
  .map((p) => (p.endPort !== undefined && /^[0-9]+$/.test(p.port) && p.port !== '0' && Number(p.port) <= p.endPort ? p : { port: p.port, protocol: p.protocol }));
const toPortsArb = fc.array(fc.record({ ports: fc.array(portProtoArb, { minLength: 1, maxLength: 2 }) }), { minLength: 1, maxLength: 2 });
const l7PortsArb = fc.constantFrom(
  [{ ports: [{ port: '8080', protocol: 'TCP' }], rules: { http: [{ method: 'GET' }] } }],
  [{ ports: [{ port: '53', protocol: 'ANY' }], rules: { dns: [{ matchPattern: '*' }] } }],
);
const peerArb = (dir: 'from' | 'to', deny: boolean): fc.Arbitrary<Record<string, unknown>> => fc.oneof(
  fc.record({ [`${dir}Endpoints`]: fc.array(selectorArb, { minLength: 1, maxLength: 2 }) }),
  fc.record({ [`${dir}Entities`]: fc.subarray(['world', 'cluster', 'all', 'host'], { minLength: 1 }) }),
  fc.record({ [`${dir}CIDR`]: fc.subarray(['203.0.113.0/24', '169.254.169.254/32', '10.0.0.0/8'], { minLength: 1 }) }),
  fc.record({ [`${dir}CIDRSet`]: fc.constant([{ cidr: '10.0.0.0/8', except: ['10.96.0.0/12'] }]) }),
  ...(dir === 'to' && !deny ? [fc.record({ toFQDNs: fc.constantFrom([{ matchName: 'api.stripe.com' }], [{ matchPattern: '*.com' }]) })] : []),
  fc.constant({}),
);
const allowRuleArb = (dir: 'from' | 'to'): fc.Arbitrary<Record<string, unknown>> => fc.tuple(
  peerArb(dir, false),
  fc.option(fc.oneof(toPortsArb, l7PortsArb), { nil: undefined }),
  fc.constantFrom(undefined, undefined, 'required', 'test-always-fail'),
  fc.boolean(),
).map(([peer, tp, auth, icmp]) => ({
  ...peer,
  ...(tp ? { toPorts: tp } : {}),
  ...(auth ? { authentication: { mode: auth } } : {}),
  ...(icmp && !tp ? { icmps: [{ fields: [{ type: 8 }] }] } : {}),
}));
const denyRuleArb = (dir: 'from' | 'to'): fc.Arbitrary<Record<string, unknown>> => fc.tuple(peerArb(dir, true), fc.option(toPortsArb, { nil: undefined }))
  .map(([peer, tp]) => (tp ? { ...peer, toPorts: tp } : peer));
const specArb = fc.record({
  endpointSelector: selectorArb,
  ingress: fc.array(allowRuleArb('from'), { maxLength: 2 }),
  egress: fc.array(allowRuleArb('to'), { maxLength: 2 }),
  ingressDeny: fc.array(denyRuleArb('from'), { maxLength: 1 }),
  egressDeny: fc.array(denyRuleArb('to'), { maxLength: 1 }),
  enableDefaultDeny: fc.record({ ingress: fc.boolean(), egress: fc.boolean() }, { requiredKeys: [] }),
}, { requiredKeys: ['endpointSelector'] });
const policiesArb = fc.array(fc.tuple(fc.constantFrom<string | undefined>(undefined, 'shop', 'other'), specArb), { maxLength: 5 })
  .map((ps) => ps.map(([ns, spec], i) => (ns === undefined
    ? { apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: { name: `c${i}` }, spec }
    : { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: `n${i}`, namespace: ns }, spec })));

/** Every pair the bulk query must report, by the per-pair query. */
function perPair(sim: LayerSimulator, sources: readonly Endpoint[], destinations: readonly Endpoint[], scope: PortSet = PortSet.ALL): Map<string, string> {
  const out = new Map<string, string>();
  sources.forEach((s, i) => destinations.forEach((d, j) => {
    if (s.id === d.id || (s.type === 'external' && d.type === 'external')) return;
    const p = sim.allowedPorts(s, d).intersect(scope);
    if (!p.isEmpty()) out.set(`${i}>${j}`, p.toString());
  }));
  return out;
}

/** The bulk answer, checked for duplicates and empty sets; pairs of two externals dropped. */
function bulk(pairs: readonly AllowedPair[], sources: readonly Endpoint[], destinations: readonly Endpoint[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of pairs) {
    if (sources[p.src].type === 'external' && destinations[p.dst].type === 'external') continue;
    const k = `${p.src}>${p.dst}`;
    expect(out.has(k)).toBe(false);
    expect(p.ports.isEmpty()).toBe(false);
    expect(sources[p.src].id).not.toBe(destinations[p.dst].id);
    out.set(k, p.ports.toString());
  }
  return out;
}

describe('Cilium simulator: allowedPairs', () => {
  test('equals allowedPorts on every pair (random workloads, externals and policies)', () => {
    fc.assert(fc.property(workloadsArb, fc.subarray(EXTERNALS), policiesArb, fc.boolean(), (ws, exts, policies, dnsVisibility) => {
      const ctx = context(ws, { resolve: { 'api.stripe.com': ['198.51.100.10'], 'stripe.com': ['198.51.100.20'] } });
      const sim = createCiliumSimulator(policies, ctx, { requireDnsVisibility: dnsVisibility });
      const endpoints: Endpoint[] = [...ctx.workloads, ...exts];
      expect(bulk(sim.allowedPairs(endpoints, endpoints), endpoints, endpoints)).toEqual(perPair(sim, endpoints, endpoints));
    }), { numRuns: 300 });
  });

  test('works on different source and destination lists, with duplicates of a class', () => {
    fc.assert(fc.property(workloadsArb, fc.subarray(EXTERNALS), policiesArb, (ws, exts, policies) => {
      const twins: WorkloadEndpoint[] = ws.map((w) => ({ ...w, id: `${w.id}-twin`, name: `${w.name}-twin` }));
      const ctx = context([...ws, ...twins]);
      const sim = createCiliumSimulator(policies, ctx);
      const sources: Endpoint[] = [...ws, ...exts];
      const destinations: Endpoint[] = [...twins, ...ws.slice(0, 2), ...exts.slice(0, 2)];
      expect(bulk(sim.allowedPairs(sources, destinations), sources, destinations)).toEqual(perPair(sim, sources, destinations));
    }), { numRuns: 150 });
  });

  test('with a scope: the answers intersected with it, pairs with nothing in it left out', () => {
    const scopes = [PortSet.allOf('TCP'), PortSet.of('UDP', 53), PortSet.of('TCP', 8000, 9000).union(PortSet.allOf('SCTP')), PortSet.EMPTY];
    fc.assert(fc.property(workloadsArb, fc.subarray(EXTERNALS), policiesArb, fc.constantFrom(...scopes), (ws, exts, objects, scope) => {
      const ctx = context(ws, { resolve: { 'api.stripe.com': ['198.51.100.10'] } });
      const sim = createCiliumSimulator(objects, ctx);
      const endpoints: Endpoint[] = [...ctx.workloads, ...exts];
      expect(bulk(sim.allowedPairs(endpoints, endpoints, scope), endpoints, endpoints)).toEqual(perPair(sim, endpoints, endpoints, scope));
    }), { numRuns: 150 });
  });

  test('an input without policies allows everything between distinct endpoints', () => {
    const ws = [workload('a', 'x'), workload('a', 'y'), workload('b', 'x')];
    const sim = createCiliumSimulator([], context(ws));
    const pairs = sim.allowedPairs(ws, ws);
    expect(pairs).toHaveLength(6);
    expect(pairs.every((p) => p.ports.equals(PortSet.ALL))).toBe(true);
  });
});
