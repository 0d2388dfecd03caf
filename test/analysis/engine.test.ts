import * as fc from 'fast-check';
import { Analysis, connectivity, diff, explain } from '../../lib/analysis/engine';
import { AnalysisInputError } from '../../lib/analysis/errors';
import { partitionIpv4, rangeId } from '../../lib/analysis/ipv4';
import { loadObjects } from '../../lib/analysis/loader';
import { L4_PROTOCOLS, PortSet } from '../../lib/analysis/portset';
import { SimulatorRegistration } from '../../lib/analysis/simulators';
import { createKubernetesSimulator } from '../../lib/analysis/simulators/kubernetes';
import { Endpoint, ExternalEndpoint, LayerSimulator } from '../../lib/analysis/types';
import { generateCluster } from './fixtures/generate';
import { referenceAllows } from './reference';
import { labelsArb, selectorArb } from '../util/selector-arb';
import { schemaErrors } from '../util/schema';
import { analyse, clusterNetworkPolicy, deployment, namespace, networkPolicy } from './util';

describe('connectivity', () => {
  const objects = [
    namespace('shop', { team: 'shop' }),
    deployment('shop', 'web', { app: 'web' }, [[8080, 'http']]),
    deployment('shop', 'db', { app: 'db' }, [[5432, 'pg']]),
    deployment('ops', 'probe', { app: 'probe' }),
    networkPolicy('shop', 'default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
    networkPolicy('shop', 'web', {
      podSelector: { matchLabels: { app: 'web' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }, { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ops' } } }], ports: [{ port: 'http' }] }],
      egress: [{ to: [{ podSelector: { matchLabels: { app: 'db' } } }], ports: [{ port: 5432 }] }, { to: [{ ipBlock: { cidr: '203.0.113.0/24' } }], ports: [{ port: 443 }] }],
    }),
    networkPolicy('shop', 'db', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 'pg' }] }] }),
  ];

  test('lists every allowed connection, sorted, with external ranges', () => {
    const lines = connectivity(loadObjects(objects)).map((c) => `${c.src} => ${c.dst} : ${c.ports}`);
    expect(lines).toEqual([
      '0.0.0.0-255.255.255.255 => ops/probe[Deployment] : All Connections',
      '0.0.0.0-255.255.255.255 => shop/web[Deployment] : TCP 8080',
      'ops/probe[Deployment] => 0.0.0.0-203.0.112.255 : All Connections',
      'ops/probe[Deployment] => 203.0.113.0-203.0.113.255 : All Connections',
      'ops/probe[Deployment] => 203.0.114.0-255.255.255.255 : All Connections',
      'ops/probe[Deployment] => shop/web[Deployment] : TCP 8080',
      'shop/web[Deployment] => 203.0.113.0-203.0.113.255 : TCP 443',
      'shop/web[Deployment] => shop/db[Deployment] : TCP 5432',
    ]);
  });

  test('no self-connections, and pods of one workload are one endpoint', () => {
    const a = analyse([deployment('x', 'a', { app: 'a' }), deployment('x', 'b', { app: 'a' })]);
    const lines = a.connectivity().map((c) => `${c.src} => ${c.dst}`);
    expect(lines).toEqual([
      '0.0.0.0-255.255.255.255 => x/a[Deployment]',
      '0.0.0.0-255.255.255.255 => x/b[Deployment]',
      'x/a[Deployment] => 0.0.0.0-255.255.255.255',
      'x/a[Deployment] => x/b[Deployment]',
      'x/b[Deployment] => 0.0.0.0-255.255.255.255',
      'x/b[Deployment] => x/a[Deployment]',
    ]);
  });

  test('--layer reports one layer; without policies the Kubernetes default allows everything', () => {
    const a = analyse([deployment('x', 'a', { app: 'a' })]);
    expect(a.presentLayers).toEqual([]);
    expect(a.connectivity({ layer: 'kubernetes' })).toHaveLength(2);
    // the aws layer is simulated: without security groups in the input it lists nothing
    expect(a.connectivity({ layer: 'aws' })).toEqual([]);
  });

  test('the effective connectivity is the intersection of the present layers', () => {
    const fake: SimulatorRegistration = {
      layer: 'istio',
      owns: (o) => o.kind === 'Fake',
      create: (objs): LayerSimulator => ({
        layer: 'istio',
        present: objs.length > 0,
        explain: (_s, _d, c) => ({ layer: 'istio', allowed: c.port === 8080, reasons: [] }),
        allowedPorts: () => PortSet.of('TCP', 8080),
        addressBoundaries: () => ({ ingress: [], egress: [[0x0a000000, 0x0affffff]] }),
      }),
    };
    const m = loadObjects([...objects, { apiVersion: 'x/v1', kind: 'Fake', metadata: { name: 'f' } }]);
    const a = Analysis.of(m, { simulators: [{ layer: 'kubernetes', owns: (o) => o.kind.endsWith('NetworkPolicy'), create: (o, c) => createKubernetesSimulator(o, c) }, fake] });
    expect(a.presentLayers).toEqual(['kubernetes', 'istio']);
    const lines = a.connectivity().map((c) => `${c.src} => ${c.dst} : ${c.ports}`);
    expect(lines).toContain('ops/probe[Deployment] => shop/web[Deployment] : TCP 8080');
    expect(lines).not.toContain('shop/web[Deployment] => shop/db[Deployment] : TCP 5432');
    expect(lines).toContain('ops/probe[Deployment] => 10.0.0.0-10.255.255.255 : TCP 8080');
    expect(a.explain('ops/probe', 'shop/web', { protocol: 'TCP', port: 8080 }).layers.map((l) => l.layer)).toEqual(['kubernetes', 'istio']);
  });
});

describe('explain', () => {
  const objects = [deployment('a', 'web', { app: 'web' }, [[80, 'http']]), deployment('b', 'web', { app: 'web' })];
  test('finds endpoints by ns/name, ns/name[Kind], name and address', () => {
    const a = analyse([...objects, { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'web', namespace: 'b' }, spec: { template: { metadata: { labels: { j: '1' } }, spec: { containers: [] } } } }, deployment('default', 'solo', { app: 's' })]);
    expect(a.endpoint('a/web').id).toBe('a/web[Deployment]');
    expect(a.endpoint('b/web[Job]').id).toBe('b/web[Job]');
    expect(a.endpoint('solo').id).toBe('default/solo[Deployment]');
    expect(a.endpoint('198.51.100.7')).toEqual({ type: 'external', id: '198.51.100.7', first: 3325256711, last: 3325256711 });
    expect(a.endpoint('198.51.100.0/24').id).toBe('198.51.100.0-198.51.100.255');
    const owned = analyse([{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'x', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u1', controller: true }] }, spec: { containers: [] } }]);
    expect(owned.endpoint('x/web-1').id).toBe('x/web[StatefulSet]');
    expect(() => a.endpoint('b/web')).toThrow(/more than one workload.*b\/web\[Deployment\], b\/web\[Job\]/s);
    expect(() => a.endpoint('a/nope')).toThrow(AnalysisInputError);
    expect(() => a.endpoint('a/nope')).toThrow(/name one of: a\/web\[Deployment\]/);
  });
  test('judges one connection per layer', () => {
    const e = explain(loadObjects([deployment('a', 'web', { app: 'web' }), deployment('a', 'db', { app: 'db' }), networkPolicy('a', 'deny', { podSelector: { matchLabels: { app: 'db' } } })]), 'a/web', 'a/db', { protocol: 'TCP', port: 5432 });
    expect(e).toMatchObject({ src: 'a/web[Deployment]', dst: 'a/db[Deployment]', allowed: false });
    expect(e.layers[0].reasons).toEqual([
      { policy: 'Kubernetes default', effect: 'default-allow', detail: expect.stringContaining('no NetworkPolicy selects a/web[Deployment] for egress') },
      { policy: 'NetworkPolicy a/deny', effect: 'default-deny', detail: expect.stringContaining('selects a/db[Deployment] for ingress') },
    ]);
  });
  test('rejects two external ends and bad ports', () => {
    const a = analyse([deployment('a', 'web', { app: 'web' })]);
    expect(() => a.explain('1.2.3.4', '5.6.7.8', { protocol: 'TCP', port: 1 })).toThrow(/outside the cluster/);
    expect(() => a.explain('a/web', '5.6.7.8', { protocol: 'TCP', port: 0 })).toThrow(/from 1 to 65535/);
  });
  test('the name table must hold addresses', () => {
    expect(() => analyse([], { resolve: { 'a.example.com': ['nope'] } })).toThrow(/not an IPv4 address/);
  });
});

describe('diff', () => {
  const before = [
    deployment('d', 'a', { app: 'a' }),
    deployment('d', 'b', { app: 'b' }),
    networkPolicy('d', 'b', { podSelector: { matchLabels: { app: 'b' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'a' } } }], ports: [{ port: 80 }] }] }),
  ];
  test('added, removed and changed connections, per layer', () => {
    const after = [
      deployment('d', 'a', { app: 'a' }),
      deployment('d', 'b', { app: 'b' }),
      networkPolicy('d', 'b', { podSelector: { matchLabels: { app: 'b' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'a' } } }], ports: [{ port: 80 }, { port: 443 }] }, { from: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }] }),
      networkPolicy('d', 'a', { podSelector: { matchLabels: { app: 'a' } }, policyTypes: ['Ingress'] }),
    ];
    const d = diff(loadObjects(before), loadObjects(after));
    expect(d.hasChanges).toBe(true);
    expect(d.layers.map((l) => l.layer)).toEqual(['effective', 'kubernetes']);
    const eff = d.layers[0];
    expect(eff.changed.map((c) => `${c.src} => ${c.dst} : ${c.before} -> ${c.after}`)).toEqual(['d/a[Deployment] => d/b[Deployment] : TCP 80 -> TCP 80,443']);
    expect(eff.added.map((c) => `${c.src} => ${c.dst} : ${c.ports}`)).toEqual(['10.0.0.0-10.255.255.255 => d/b[Deployment] : All Connections']);
    expect(eff.removed.map((c) => `${c.src} => ${c.dst} : ${c.ports}`)).toEqual([
      '0.0.0.0-9.255.255.255 => d/a[Deployment] : All Connections',
      '10.0.0.0-10.255.255.255 => d/a[Deployment] : All Connections',
      '11.0.0.0-255.255.255.255 => d/a[Deployment] : All Connections',
      'd/b[Deployment] => d/a[Deployment] : All Connections',
    ]);
  });
  test('no changes', () => {
    const d = diff(loadObjects(before), loadObjects([...before].reverse()));
    expect(d.hasChanges).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// property tests: the simulator (pairwise and sparse bulk) against an independent reference

const NAMESPACES = ['n1', 'n2', 'n3'];
const CIDRS = ['10.0.0.0/8', '10.1.0.0/16', '192.168.0.0/16', '0.0.0.0/0', '203.0.113.0/24'];
const PORTS: [number, string, 'TCP' | 'UDP' | 'SCTP'][] = [
  [80, 'http', 'TCP'],
  [8080, 'http', 'TCP'],
  [53, 'dns', 'UDP'],
  [443, 'https', 'TCP'],
  [7070, 'sig', 'SCTP'],
];

const npPortArb = fc.oneof(
  fc.record({ port: fc.constantFrom(80, 53, 443, 7070, 8080, 1000) }, { requiredKeys: ['port'] }).chain((p) => fc.record({ port: fc.constant(p.port), protocol: fc.constantFrom('TCP', 'UDP', 'SCTP') }, { requiredKeys: ['port'] })),
  fc.record({ port: fc.constantFrom(80, 440), endPort: fc.constantFrom(443, 8080) }),
  fc.record({ port: fc.constantFrom('http', 'dns', 'https', 'sig', 'none'), protocol: fc.constantFrom('TCP', 'UDP', 'SCTP') }, { requiredKeys: ['port'] }),
  fc.record({ protocol: fc.constantFrom('TCP', 'UDP', 'SCTP') }),
);
const npPeerArb = fc.oneof(
  selectorArb.map((s) => ({ podSelector: s })),
  selectorArb.map((s) => ({ namespaceSelector: s })),
  fc.tuple(selectorArb, selectorArb).map(([n, p]) => ({ namespaceSelector: n, podSelector: p })),
  fc.constantFrom(...CIDRS).map((c) => ({ ipBlock: c === '10.0.0.0/8' ? { cidr: c, except: ['10.1.0.0/16'] } : { cidr: c } })),
);
const npRuleArb = (dir: 'from' | 'to'): fc.Arbitrary<Record<string, unknown>> =>
  fc.record({ [dir]: fc.array(npPeerArb, { maxLength: 3 }), ports: fc.array(npPortArb, { maxLength: 3 }) }, { requiredKeys: [] });
const npArb = fc.record(
  {
    ns: fc.constantFrom(...NAMESPACES),
    podSelector: selectorArb,
    policyTypes: fc.subarray(['Ingress', 'Egress']),
    ingress: fc.array(npRuleArb('from'), { maxLength: 2 }),
    egress: fc.array(npRuleArb('to'), { maxLength: 2 }),
  },
  { requiredKeys: ['ns', 'podSelector'] },
);
const cnpPeerArb = (egress: boolean): fc.Arbitrary<Record<string, unknown>> =>
  fc.oneof(
    selectorArb.map((s) => ({ namespaces: s })),
    fc.tuple(selectorArb, selectorArb).map(([n, p]) => ({ pods: { namespaceSelector: n, podSelector: p } })),
    ...(egress ? [fc.uniqueArray(fc.constantFrom(...CIDRS), { minLength: 1, maxLength: 2 }).map((n) => ({ networks: n }))] : []),
  );
const cnpProtocolArb = fc.oneof(
  fc.record({ tcp: fc.record({ destinationPort: fc.oneof(fc.record({ number: fc.constantFrom(80, 443, 8080) }), fc.record({ range: fc.constantFrom({ start: 1, end: 100 }, { start: 443, end: 8080 }) })) }) }),
  fc.record({ udp: fc.record({ destinationPort: fc.record({ number: fc.constantFrom(53, 80) }) }) }),
  fc.record({ destinationNamedPort: fc.constantFrom('http', 'dns', 'sig') }),
);
const cnpRuleArb = (dir: 'from' | 'to'): fc.Arbitrary<Record<string, unknown>> =>
  fc.record(
    { action: fc.constantFrom('Accept', 'Deny', 'Pass'), [dir]: fc.array(cnpPeerArb(dir === 'to'), { minLength: 1, maxLength: 2 }), protocols: fc.array(cnpProtocolArb, { minLength: 1, maxLength: 2 }) },
    { requiredKeys: ['action', dir] },
  );
const cnpArb = fc.record({
  tier: fc.constantFrom('Admin', 'Baseline'),
  priority: fc.integer({ min: 0, max: 5 }),
  subject: fc.oneof(selectorArb.map((s) => ({ namespaces: s })), fc.tuple(selectorArb, selectorArb).map(([n, p]) => ({ pods: { namespaceSelector: n, podSelector: p } }))),
  ingress: fc.array(cnpRuleArb('from'), { maxLength: 2 }),
  egress: fc.array(cnpRuleArb('to'), { maxLength: 2 }),
});
const clusterArb = fc.record({
  nsLabels: fc.array(fc.constantFrom('a', 'b', undefined), { minLength: 3, maxLength: 3 }),
  workloads: fc.array(fc.record({ ns: fc.constantFrom(...NAMESPACES), labels: labelsArb, ports: fc.subarray([0, 1, 2, 3, 4]) }), { minLength: 1, maxLength: 6 }),
  nps: fc.array(npArb, { maxLength: 4 }),
  cnps: fc.array(cnpArb, { maxLength: 3 }),
});

type Cluster = typeof clusterArb extends fc.Arbitrary<infer T> ? T : never;

function manifests(c: Cluster): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  NAMESPACES.forEach((n, i) => out.push(namespace(n, c.nsLabels[i] ? { env: c.nsLabels[i]! } : {}) as Record<string, unknown>));
  c.workloads.forEach((w, i) => {
    const byName = new Map<string, (typeof PORTS)[number]>();
    for (const p of w.ports) if (!byName.has(PORTS[p][1])) byName.set(PORTS[p][1], PORTS[p]);
    out.push(deployment(w.ns, `w${i}`, w.labels, [...byName.values()].map(([n, name, proto]) => [n, name, proto] as const)) as Record<string, unknown>);
  });
  c.nps.forEach((p, i) => {
    const spec: Record<string, unknown> = { podSelector: p.podSelector };
    if (p.policyTypes !== undefined) spec.policyTypes = p.policyTypes;
    if (p.ingress !== undefined) spec.ingress = p.ingress;
    if (p.egress !== undefined) spec.egress = p.egress;
    out.push(networkPolicy(p.ns, `np${i}`, spec) as Record<string, unknown>);
  });
  c.cnps.forEach((p, i) => out.push(clusterNetworkPolicy(`cnp${i}`, p) as Record<string, unknown>));
  return out;
}

/** Ports where a decision may change: every port the input names, and its neighbours. */
function probePorts(): number[] {
  const s = new Set<number>([1, 65535]);
  for (const p of [53, 80, 100, 101, 440, 443, 1000, 7070, 8080]) for (const d of [-1, 0, 1]) s.add(p + d);
  return [...s].sort((a, b) => a - b);
}

function endpointsOf(a: Analysis): { sources: Endpoint[]; dests: Endpoint[] } {
  const b = a.boundaries();
  const ext = (ranges: readonly (readonly [number, number])[]): ExternalEndpoint[] =>
    (ranges.length === 0 ? [[0, 0xffffffff] as const] : partitionIpv4(ranges)).map(([f, l]) => ({ type: 'external', id: rangeId(f, l), first: f, last: l }));
  return { sources: [...a.context.workloads, ...ext(b.ingress)], dests: [...a.context.workloads, ...ext(b.egress)] };
}

describe('property: the simulator agrees with an independent reading of the specifications', () => {
  const PROBES = probePorts();
  test.each([0, 1, 32])('allowedPairs (promotion threshold %d) = reference on every probed port', (threshold) => {
    fc.assert(
      fc.property(clusterArb, (c) => {
        const objs = manifests(c);
        const a = analyse(objs);
        const sim = createKubernetesSimulator(loadObjects(objs).objects, a.context, { promoteThreshold: threshold });
        const { sources, dests } = endpointsOf(a);
        const bulk = new Map<string, PortSet>();
        for (const p of sim.allowedPairs(sources, dests)) {
          const key = `${p.src}|${p.dst}`;
          expect(bulk.has(key)).toBe(false);
          expect(p.ports.isEmpty()).toBe(false);
          bulk.set(key, p.ports);
        }
        sources.forEach((s, i) => {
          dests.forEach((d, j) => {
            if (s.id === d.id || (s.type === 'external' && d.type === 'external')) return;
            const got = bulk.get(`${i}|${j}`) ?? PortSet.EMPTY;
            expect(got.toString()).toBe(sim.allowedPorts(s, d).toString());
            for (const proto of L4_PROTOCOLS) {
              for (const port of PROBES) {
                const want = referenceAllows(objs, s, d, proto, port);
                if (got.has(proto, port) !== want) {
                  throw new Error(`${s.id} -> ${d.id} ${proto}/${port}: simulator ${!want}, reference ${want}\n${JSON.stringify(objs)}`);
                }
              }
            }
          });
        });
      }),
      { numRuns: threshold === 1 ? 200 : 100 },
    );
  });

  test('explain agrees with allowedPorts, and its reasons are not empty', () => {
    fc.assert(
      fc.property(clusterArb, fc.constantFrom(...L4_PROTOCOLS), fc.constantFrom(53, 80, 443, 8080, 7070, 9999), (c, proto, port) => {
        const a = analyse(manifests(c));
        const k = a.simulator('kubernetes');
        const { sources, dests } = endpointsOf(a);
        for (const s of sources) {
          for (const d of dests) {
            if (s.type === 'external' && d.type === 'external') continue;
            const v = k.explain(s, d, { protocol: proto, port });
            expect(v.allowed).toBe(k.allowedPorts(s, d).has(proto, port));
            expect(v.reasons.length).toBeGreaterThan(0);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  test('the generated policies are valid upstream objects (../shared/crds and the core schemas)', () => {
    fc.assert(
      fc.property(clusterArb, (c) => {
        for (const o of manifests(c)) {
          if (o.kind === 'NetworkPolicy' || o.kind === 'ClusterNetworkPolicy') expect(schemaErrors(o as { apiVersion: string; kind: string })).toEqual([]);
        }
      }),
      { numRuns: 100 },
    );
  });

  test('connectivity is deterministic: the order of the input does not matter', () => {
    fc.assert(
      fc.property(clusterArb, (c) => {
        const objs = manifests(c);
        const text = (xs: unknown[]): string => analyse(xs).connectivity().map((x) => `${x.src}>${x.dst}:${x.ports}`).join('\n');
        expect(text([...objs].reverse())).toBe(text(objs));
      }),
      { numRuns: 100 },
    );
  });
});

describe('scale', () => {
  test('1,000 generated workloads: the sparse list equals the pairwise answers on a sample', () => {
    const a = analyse(generateCluster(1000));
    // CPU time, not wall time: a loaded machine stretches the wall clock, not the work done.
    const t0 = process.cpuUsage();
    const conns = a.connectivity();
    const used = process.cpuUsage(t0);
    expect((used.user + used.system) / 1000).toBeLessThan(10000);
    expect(conns.length).toBeGreaterThan(4000);
    const k = a.simulator('kubernetes');
    const byKey = new Map(conns.map((c) => [`${c.src}|${c.dst}`, c.ports.toString()]));
    const ws = a.context.workloads;
    for (let i = 0; i < ws.length; i += 37) {
      for (let j = 0; j < ws.length; j += 11) {
        if (i === j) continue;
        expect(byKey.get(`${ws[i].id}|${ws[j].id}`) ?? 'No Connections').toBe(k.allowedPorts(ws[i], ws[j]).toString());
      }
    }
  });
});
