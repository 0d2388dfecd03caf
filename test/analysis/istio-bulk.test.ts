/**
 * The sparse bulk query of the Istio simulator (`allowedPairs`) against its per-pair query
 * (`allowedPorts`), on random workloads and random mesh configurations.
 */
import * as fc from 'fast-check';
import { PortSet } from '../../lib/analysis/portset';
import { IstioSimulatorOptions, createIstioSimulator } from '../../lib/analysis/simulators/istio';
import { AllowedPair, Endpoint, LayerSimulator, WorkloadEndpoint } from '../../lib/analysis/types';
import { context, external, workload } from './simulator-fixtures';

const NAMESPACES = ['foo', 'default', 'istio-system'];
const APPS = ['web', 'api', 'db'];

const workloadsArb = fc.array(
  fc.record({
    ns: fc.constantFrom(...NAMESPACES),
    app: fc.constantFrom(...APPS),
    version: fc.option(fc.constantFrom('v1', 'v2'), { nil: undefined }),
    noSidecar: fc.constantFrom(false, false, true),
    injectionDisabled: fc.boolean(),
    sa: fc.constantFrom('a', 'b', 'web'),
    ports: fc.uniqueArray(
      fc.constantFrom<[number, string?]>([8000, 'http'], [9000, 'tcp-echo'], [7070], [5432, 'tcp-postgres'], [8080, 'grpc-web'], [6379, 'redis'], [8000, 'other']),
      { maxLength: 2, selector: (p) => p[0] },
    ),
  }),
  { minLength: 1, maxLength: 7 },
).map((ws) => ws.map((w, i) => workload(w.ns, `w${i}`, {
  labels: { app: w.app, ...(w.version ? { version: w.version } : {}), ...(w.noSidecar ? { 'sidecar.istio.io/inject': 'false' } : {}) },
  namespaceLabels: w.injectionDisabled && w.ns === 'default' ? { 'istio-injection': 'disabled' } : {},
  serviceAccount: w.sa,
  ports: w.ports,
})));
const EXTERNALS: Endpoint[] = [
  external('203.0.113.0/25'), external('203.0.113.128/25'), external('198.51.100.10'), external('198.51.100.0/24'), external('10.0.0.0/8'), external('192.0.2.0/24'),
];

const portPool = ['5432', '7070', '8000', '9000', '8080', '6379'];
const sourceArb = fc.oneof(
  fc.record({ principals: fc.subarray(['cluster.local/ns/foo/sa/a', 'cluster.local/ns/default/*', '*/sa/web', '*', 'example.org/ns/foo/sa/b'], { minLength: 1 }) }),
  fc.record({ principals: fc.tuple(fc.constantFrom(...NAMESPACES), fc.constantFrom('a', 'b', 'web')).map(([ns, sa]) => [`cluster.local/ns/${ns}/sa/${sa}`]) }),
  fc.record({ notPrincipals: fc.subarray(['*', 'cluster.local/ns/foo/sa/b'], { minLength: 1 }) }),
  fc.record({ namespaces: fc.subarray(['foo', 'default', 'istio-*', '*'], { minLength: 1 }) }),
  fc.record({ notNamespaces: fc.subarray(['foo', 'default'], { minLength: 1 }) }),
  fc.record({ ipBlocks: fc.subarray(['203.0.113.0/24', '198.51.100.0/25', '10.0.0.0/8', '0.0.0.0/0', '10.1.0.0/16'], { minLength: 1 }) }),
  fc.record({ notIpBlocks: fc.subarray(['203.0.113.0/24', '198.51.100.10', '10.1.0.0/16'], { minLength: 1 }) }),
  fc.record({ remoteIpBlocks: fc.subarray(['0.0.0.0/0', '10.1.0.0/17'], { minLength: 1 }) }),
  fc.record({ serviceAccounts: fc.subarray(['a', 'foo/b', 'default/web'], { minLength: 1 }) }),
  fc.record({ trustDomains: fc.subarray(['cluster.local', 'example.org'], { minLength: 1 }) }),
  fc.record({ requestPrincipals: fc.constant(['*']) }),
);
const operationArb = fc.oneof(
  fc.record({ ports: fc.subarray(portPool, { minLength: 1 }) }),
  fc.record({ notPorts: fc.subarray(portPool, { minLength: 1 }) }),
  fc.record({ methods: fc.constantFrom(['GET'], ['*']), ports: fc.subarray(portPool, { minLength: 1 }) }),
  fc.record({ paths: fc.constant(['/api/*']) }),
);
const conditionArb = fc.oneof(
  fc.record({ key: fc.constant('source.ip'), values: fc.subarray(['203.0.113.0/24', '198.51.100.10'], { minLength: 1 }) }),
  fc.record({ key: fc.constant('source.namespace'), values: fc.subarray(['foo', 'default'], { minLength: 1 }) }),
  fc.record({ key: fc.constant('source.principal'), notValues: fc.subarray(['cluster.local/ns/foo/sa/a', '*'], { minLength: 1 }) }),
  fc.record({ key: fc.constant('destination.port'), values: fc.subarray(portPool, { minLength: 1 }) }),
  fc.record({ key: fc.constant('request.headers[x-user]'), values: fc.constant(['alice']) }),
);
const ruleArb = fc.record({
  from: fc.array(fc.record({ source: sourceArb }), { maxLength: 2 }),
  to: fc.array(fc.record({ operation: operationArb }), { maxLength: 2 }),
  when: fc.array(conditionArb, { maxLength: 1 }),
}, { requiredKeys: [] });
const authzArb = fc.record({
  ns: fc.constantFrom(...NAMESPACES),
  action: fc.constantFrom('ALLOW', 'ALLOW', 'DENY', 'AUDIT', 'CUSTOM'),
  dryRun: fc.constantFrom(false, false, false, true),
  selector: fc.option(fc.constantFrom<Record<string, string>>({ app: 'web' }, { app: 'api' }, { app: 'db', version: 'v1' }), { nil: undefined }),
  rules: fc.option(fc.array(ruleArb, { maxLength: 3 }), { nil: undefined }),
});
const peerAuthnArb = fc.record({
  ns: fc.constantFrom(...NAMESPACES),
  mode: fc.constantFrom('STRICT', 'PERMISSIVE', 'DISABLE', 'UNSET'),
  selector: fc.option(fc.constantFrom<Record<string, string>>({ app: 'web' }, { app: 'db' }), { nil: undefined }),
  port: fc.option(fc.tuple(fc.constantFrom(8000, 5432, 7070), fc.constantFrom('STRICT', 'PERMISSIVE', 'DISABLE')), { nil: undefined }),
});
const sidecarArb = fc.record({
  ns: fc.constantFrom(...NAMESPACES),
  selector: fc.option(fc.constantFrom<Record<string, string>>({ app: 'web' }, { app: 'api' }), { nil: undefined }),
  mode: fc.option(fc.constantFrom('REGISTRY_ONLY', 'ALLOW_ANY'), { nil: undefined }),
  hosts: fc.option(fc.subarray(['./*', 'istio-system/*', '*/api.stripe.com', 'foo/*.example.com'], { minLength: 1 }), { nil: undefined }),
});
const serviceEntryArb = fc.record({
  ns: fc.constantFrom(...NAMESPACES),
  hosts: fc.constantFrom(['api.stripe.com'], ['www.example.com'], ['*.example.com']),
  addresses: fc.option(fc.subarray(['203.0.113.0/25', '192.0.2.0/24'], { minLength: 1 }), { nil: undefined }),
  ports: fc.subarray([443, 8000, 5432], { minLength: 1 }),
  exportTo: fc.option(fc.constantFrom(['.'], ['*'], ['foo']), { nil: undefined }),
});

const configArb = fc.record({
  authz: fc.array(authzArb, { maxLength: 5 }),
  peerAuthn: fc.array(peerAuthnArb, { maxLength: 3 }),
  sidecars: fc.array(sidecarArb, { maxLength: 2 }),
  serviceEntries: fc.array(serviceEntryArb, { maxLength: 2 }),
}).map((c) => [
  ...c.authz.map((p, i) => ({
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name: `ap${i}`, namespace: p.ns, ...(p.dryRun ? { annotations: { 'istio.io/dry-run': 'true' } } : {}) },
    spec: {
      action: p.action,
      ...(p.action === 'CUSTOM' ? { provider: { name: 'ext-authz' } } : {}),
      ...(p.selector ? { selector: { matchLabels: p.selector } } : {}),
      ...(p.rules ? { rules: p.rules } : {}),
    },
  })),
  ...c.peerAuthn.map((p, i) => ({
    apiVersion: 'security.istio.io/v1',
    kind: 'PeerAuthentication',
    metadata: { name: `pa${i}`, namespace: p.ns },
    spec: {
      mtls: { mode: p.mode },
      ...(p.selector ? { selector: { matchLabels: p.selector } } : {}),
      ...(p.selector && p.port ? { portLevelMtls: { [String(p.port[0])]: { mode: p.port[1] } } } : {}),
    },
  })),
  ...c.sidecars.map((s, i) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'Sidecar',
    metadata: { name: `sc${i}`, namespace: s.ns },
    spec: {
      ...(s.selector ? { workloadSelector: { labels: s.selector } } : {}),
      ...(s.mode ? { outboundTrafficPolicy: { mode: s.mode } } : {}),
      ...(s.hosts ? { egress: [{ hosts: s.hosts }] } : {}),
    },
  })),
  ...c.serviceEntries.map((e, i) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'ServiceEntry',
    metadata: { name: `se${i}`, namespace: e.ns },
    spec: {
      hosts: e.hosts,
      ...(e.addresses ? { addresses: e.addresses } : {}),
      ports: e.ports.map((n) => ({ number: n, name: `p${n}`, protocol: 'TCP' })),
      ...(e.exportTo ? { exportTo: e.exportTo } : {}),
    },
  })),
]);
const optionsArb = fc.record({
  outboundTrafficPolicy: fc.constantFrom<'ALLOW_ANY' | 'REGISTRY_ONLY'>('ALLOW_ANY', 'REGISTRY_ONLY'),
  customAuthorizer: fc.constantFrom<'allow' | 'deny'>('allow', 'deny'),
});

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

const RESOLVE = { 'api.stripe.com': ['198.51.100.10'], 'www.example.com': ['203.0.113.5'] };

// Pod addresses (from Pod status), some inside 10.1.0.0/16; Services that select a protocol.
const ADDRESSES = [0x0a010005, 0x0a010105, 0x0a028005, 0x0a01ff01];
const addressedArb = workloadsArb.chain((ws) => fc.tuple(...ws.map(() => fc.option(fc.subarray(ADDRESSES, { minLength: 1, maxLength: 2 }), { nil: undefined })))
  .map((as) => ws.map((w, i): WorkloadEndpoint => (as[i] ? { ...w, addresses: [...as[i]!].sort((a, b) => a - b) } : w))));
const servicesArb = fc.array(fc.record({
  app: fc.constantFrom(...APPS),
  ns: fc.constantFrom(...NAMESPACES),
  port: fc.constantFrom(8000, 9000, 7070, 5432),
  name: fc.constantFrom('http', 'tcp', 'grpc-x', 'web', undefined),
  appProtocol: fc.option(fc.constantFrom('http', 'tcp', 'mysql'), { nil: undefined }),
}), { maxLength: 3 }).map((ss) => ss.map((x, i) => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name: `svc${i}`, namespace: x.ns },
  spec: { selector: { app: x.app }, ports: [{ port: x.port, ...(x.name ? { name: x.name } : {}), ...(x.appProtocol ? { appProtocol: x.appProtocol } : {}) }] },
})));
const POD_CIDRS = [undefined, [[0x0a010000, 0x0a01ffff]], [[0x0a000000, 0x0affffff]], [[0x0a020000, 0x0a02ffff]]] as const;

describe('Istio simulator: allowedPairs', () => {
  test('equals allowedPorts on every pair with pod addresses, pod CIDRs and Services', () => {
    fc.assert(fc.property(addressedArb, fc.subarray(EXTERNALS), configArb, servicesArb, fc.constantFrom(...POD_CIDRS), (ws, exts, objects, services, podCidrs) => {
      const ctx = { ...context(ws, { resolve: RESOLVE }), ...(podCidrs ? { podCidrs } : {}) };
      const sim = createIstioSimulator([...objects, ...services], ctx);
      const endpoints: Endpoint[] = [...ctx.workloads, ...exts];
      expect(bulk(sim.allowedPairs(endpoints, endpoints), endpoints, endpoints)).toEqual(perPair(sim, endpoints, endpoints));
    }), { numRuns: 300 });
  });

  test('allowedPorts agrees with explain (application any) with pod addresses and Services', () => {
    fc.assert(fc.property(addressedArb, configArb, servicesArb, fc.constantFrom(...POD_CIDRS), fc.nat(), fc.nat(), fc.constantFrom(5432, 7070, 8000, 9000, 8080, 1234),
      (ws, objects, services, podCidrs, i, j, port) => {
        const ctx = { ...context(ws, { resolve: RESOLVE }), ...(podCidrs ? { podCidrs } : {}) };
        const sim = createIstioSimulator([...objects, ...services], ctx);
        const src = ctx.workloads[i % ctx.workloads.length];
        const dst = ctx.workloads[j % ctx.workloads.length];
        expect(sim.allowedPorts(src, dst).has('TCP', port)).toBe(sim.explain(src, dst, { protocol: 'TCP', port, application: 'any' }).allowed);
      }), { numRuns: 300 });
  });

  test('equals allowedPorts on every pair (random workloads, externals, policies and mesh settings)', () => {
    fc.assert(fc.property(workloadsArb, fc.subarray(EXTERNALS), configArb, optionsArb, fc.constantFrom('cluster.local', 'example.org'), (ws, exts, objects, options, trustDomain) => {
      const ctx = context(ws, { trustDomain, resolve: RESOLVE });
      const sim = createIstioSimulator(objects, ctx, options);
      const endpoints: Endpoint[] = [...ctx.workloads, ...exts];
      expect(bulk(sim.allowedPairs(endpoints, endpoints), endpoints, endpoints)).toEqual(perPair(sim, endpoints, endpoints));
    }), { numRuns: 300 });
  });

  test('works on different source and destination lists, with duplicates of a class, and with custom options', () => {
    const custom: IstioSimulatorOptions = {
      portProtocol: (dst, port) => (port === 8000 && dst.labels.app === 'web' ? 'http' : port === 5432 ? 'tcp' : 'auto'),
      meshMember: (w) => w.serviceAccount !== 'b',
    };
    fc.assert(fc.property(workloadsArb, fc.subarray(EXTERNALS), configArb, fc.boolean(), (ws, exts, objects, withCustom) => {
      const twins: WorkloadEndpoint[] = ws.map((w) => ({ ...w, id: `${w.id}-twin`, name: `${w.name}-twin` }));
      const ctx = context([...ws, ...twins], { resolve: RESOLVE });
      const sim = createIstioSimulator(objects, ctx, withCustom ? custom : {});
      const sources: Endpoint[] = [...ws, ...exts];
      const destinations: Endpoint[] = [...twins, ...ws.slice(0, 2), ...exts.slice(0, 3)];
      expect(bulk(sim.allowedPairs(sources, destinations), sources, destinations)).toEqual(perPair(sim, sources, destinations));
    }), { numRuns: 150 });
  });

  test('allowedPorts agrees with explain on every port (the per-pair query the bulk one is checked against)', () => {
    fc.assert(fc.property(workloadsArb, fc.subarray(EXTERNALS), configArb, optionsArb, fc.nat(), fc.nat(),
      fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.constantFrom(5432, 6379, 7070, 8000, 8001, 8080, 9000, 443)),
      (ws, exts, objects, options, i, j, port) => {
        const ctx = context(ws, { resolve: RESOLVE });
        const sim = createIstioSimulator(objects, ctx, options);
        const endpoints: Endpoint[] = [...ctx.workloads, ...exts];
        const src = endpoints[i % endpoints.length];
        const dst = endpoints[j % endpoints.length];
        if (src.type === 'external' && dst.type === 'external') return;
        expect(sim.allowedPorts(src, dst).has('TCP', port)).toBe(sim.explain(src, dst, { protocol: 'TCP', port, application: 'any' }).allowed);
      },
    ), { numRuns: 500 });
  });

  test('with a scope: the answers intersected with it, pairs with nothing in it left out', () => {
    const scopes = [PortSet.allOf('TCP'), PortSet.of('UDP', 53), PortSet.of('TCP', 8000, 9000).union(PortSet.allOf('SCTP')), PortSet.EMPTY];
    fc.assert(fc.property(workloadsArb, fc.subarray(EXTERNALS), configArb, fc.constantFrom(...scopes), (ws, exts, objects, scope) => {
      const ctx = context(ws, { resolve: RESOLVE });
      const sim = createIstioSimulator(objects, ctx);
      const endpoints: Endpoint[] = [...ctx.workloads, ...exts];
      expect(bulk(sim.allowedPairs(endpoints, endpoints, scope), endpoints, endpoints)).toEqual(perPair(sim, endpoints, endpoints, scope));
    }), { numRuns: 150 });
  });

  test('with candidates: the same answers on every candidate pair (sidecar and ambient destinations)', () => {
    fc.assert(fc.property(workloadsArb, fc.subarray(EXTERNALS), configArb, fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }), fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(PortSet.ALL, PortSet.allOf('TCP')),
      (ws, exts, objects, ambient, seed, scope) => {
        // some workloads in ambient mode (label on the workload), the rest with sidecars
        const all = ws.map((w, i): WorkloadEndpoint => (ambient[i] ? { ...w, labels: { ...w.labels, 'istio.io/dataplane-mode': 'ambient' } } : w));
        const ctx = context(all, { resolve: RESOLVE });
        const sim = createIstioSimulator(objects, ctx);
        const endpoints: Endpoint[] = [...ctx.workloads, ...exts];
        // a pseudo-random subset of the pairs as candidates
        const bySrc: number[][] = endpoints.map(() => []);
        let x = seed;
        endpoints.forEach((_, i) => endpoints.forEach((__, j) => {
          x = (x * 1103515245 + 12345) & 0x7fffffff;
          if (x % 3 !== 0) bySrc[j].push(i);
        }));
        const inCandidates = (k: string): boolean => {
          const [i, j] = k.split('>').map(Number);
          return bySrc[j].includes(i);
        };
        const only = (m: Map<string, string>): Map<string, string> => new Map([...m].filter(([k]) => inCandidates(k)));
        const got = bulk(sim.allowedPairs(endpoints, endpoints, scope, { sourcesOf: (j) => bySrc[j] }), endpoints, endpoints);
        expect(only(got)).toEqual(only(perPair(sim, endpoints, endpoints, scope)));
        // inbound answers are given for candidates only
        for (const k of got.keys()) if (endpoints[Number(k.split('>')[1])].type === 'workload') expect(inCandidates(k)).toBe(true);
      }), { numRuns: 300 });
  });

  test('an input without Istio objects allows everything between distinct endpoints', () => {
    const ws = [workload('a', 'x'), workload('a', 'y'), workload('b', 'x')];
    const sim = createIstioSimulator([], context(ws));
    const pairs = sim.allowedPairs(ws, ws);
    expect(pairs).toHaveLength(6);
    expect(pairs.every((p) => p.ports.equals(PortSet.ALL))).toBe(true);
  });
});
