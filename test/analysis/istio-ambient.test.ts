/**
 * The Istio simulator in ambient mode, against the statements of the Istio ambient docs
 * ("Use Layer 4 security policy", "Configure waypoint proxies", "Use Layer 7 features"):
 * ztunnel enforces selector policies on L4 attributes only, waypoints enforce the policies
 * attached with targetRefs, and traffic the waypoint forwards reaches the destination's
 * ztunnel with the waypoint's identity.
 */
import * as fc from 'fast-check';
import { Analysis } from '../../lib/analysis/engine';
import { createIstioSimulator } from '../../lib/analysis/simulators/istio';
import { analyse, namespace } from './util';

const AMBIENT = { 'istio.io/dataplane-mode': 'ambient' };
const WAYPOINT = { ...AMBIENT, 'istio.io/use-waypoint': 'waypoint' };

function workload(ns: string, name: string, sa: string, ports: number[] = [8000], labels: Record<string, string> = {}): unknown {
  const l = { app: name, ...labels };
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ns },
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: l }, spec: { serviceAccountName: sa, containers: [{ name: 'main', image: 'x', ports: ports.map((p) => ({ containerPort: p })) }] } } },
  };
}

function service(ns: string, name: string, port: number, labels: Record<string, string> = {}, portName = 'http'): unknown {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns, labels }, spec: { selector: { app: name }, ports: [{ name: portName, port, targetPort: port }] } };
}

function gateway(ns: string, name = 'waypoint', waypointFor?: string): unknown {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway',
    metadata: { name, namespace: ns, ...(waypointFor ? { labels: { 'istio.io/waypoint-for': waypointFor } } : {}) },
    spec: { gatewayClassName: 'istio-waypoint', listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }] },
  };
}

function ap(ns: string, name: string, spec: Record<string, unknown>): unknown {
  return { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace: ns }, spec };
}

const fromCurl = { from: [{ source: { principals: ['cluster.local/ns/demo/sa/curl'] } }] };
const fromWaypoint = { from: [{ source: { principals: ['cluster.local/ns/demo/sa/waypoint'] } }] };
const httpbinSelector = { selector: { matchLabels: { app: 'httpbin' } } };
const toService = { targetRefs: [{ kind: 'Service', group: '', name: 'httpbin' }] };

/** The demo namespace of the docs: httpbin (8000), curl and other as clients. */
function demo(labels: Record<string, string>, ...objects: unknown[]): Analysis {
  return analyse([
    namespace('demo', labels),
    workload('demo', 'httpbin', 'httpbin'), workload('demo', 'curl', 'curl', []), workload('demo', 'other', 'other', []),
    service('demo', 'httpbin', 8000),
    ...objects,
  ]);
}

const GET = { method: 'GET', path: '/get' };
const POST = { method: 'POST', path: '/post' };
const allowed = (a: Analysis, from: string, http?: { method: string; path: string }, port = 8000): boolean =>
  a.explain(`demo/${from}`, 'demo/httpbin', { protocol: 'TCP', port, ...(http ? { http } : {}) }).allowed;

describe('istio ambient: ztunnel enforces L4 policies by selector', () => {
  test('"pods matching the selector only allow traffic which is explicitly allowed" (L4 policy, no waypoint)', () => {
    const a = demo(AMBIENT, ap('demo', 'allow-curl', { ...httpbinSelector, action: 'ALLOW', rules: [fromCurl] }));
    expect(allowed(a, 'curl')).toBe(true);
    expect(allowed(a, 'curl', GET)).toBe(true);
    expect(allowed(a, 'other')).toBe(false);
    const v = a.explain('demo/curl', 'demo/httpbin', { protocol: 'TCP', port: 8000 });
    expect(v.layers[0].reasons.map((r) => r.detail).join(' ')).toMatch(/ztunnel enforces the policies that select it on L4 attributes only/);
  });

  test('"the presence of a L7 policy, and the traffic not originating from a waypoint, causes the ztunnel to deny the connection"', () => {
    const a = demo(AMBIENT, ap('demo', 'allow-get', { ...httpbinSelector, action: 'ALLOW', rules: [{ ...fromCurl, to: [{ operation: { methods: ['GET'] } }] }] }));
    expect(allowed(a, 'curl', GET)).toBe(false);
    expect(allowed(a, 'curl')).toBe(false);
    // the same policy in sidecar mode is met by the GET request at the sidecar (an HTTP port)
    const sidecar = demo({}, ap('demo', 'allow-get', { ...httpbinSelector, action: 'ALLOW', rules: [{ ...fromCurl, to: [{ operation: { methods: ['GET'] } }] }] }));
    expect(allowed(sidecar, 'curl', GET)).toBe(true);
  });

  test('a DENY rule with L7 fields bound by selector denies at L4 (ztunnel fails safe: its HTTP conditions are dropped)', () => {
    const a = demo(AMBIENT, ap('demo', 'deny-post', { ...httpbinSelector, action: 'DENY', rules: [{ ...fromCurl, to: [{ operation: { methods: ['POST'] } }] }] }));
    expect(allowed(a, 'curl', GET)).toBe(false);
    expect(allowed(a, 'other', GET)).toBe(true);
  });

  test('PeerAuthentication STRICT still applies: ztunnel refuses plaintext from outside the mesh', () => {
    const a = analyse([
      namespace('demo', AMBIENT), namespace('legacy', { 'istio-injection': 'disabled' }),
      workload('demo', 'httpbin', 'httpbin'), workload('legacy', 'client', 'client', []),
      { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace: 'demo' }, spec: { mtls: { mode: 'STRICT' } } },
    ]);
    const v = a.explain('legacy/client', 'demo/httpbin', { protocol: 'TCP', port: 8000 });
    expect(v.allowed).toBe(false);
    expect(v.layers[0].reasons[0].detail).toMatch(/STRICT .* outside the mesh and sends plaintext, so its ztunnel refuses it/);
    expect(a.explain('demo/httpbin', 'demo/httpbin', { protocol: 'TCP', port: 8000 }).allowed).toBe(true);
  });

  test('ztunnel captures TCP only, and does not restrict outbound traffic', () => {
    const a = demo(AMBIENT, ap('demo', 'allow-nothing', { action: 'ALLOW' }));
    expect(a.explain('demo/curl', 'demo/httpbin', { protocol: 'UDP', port: 8000 }).allowed).toBe(true);
    expect(allowed(a, 'curl')).toBe(false);
    const out = a.explain('demo/curl', '198.51.100.7', { protocol: 'TCP', port: 443 });
    expect(out.allowed).toBe(true);
    expect(out.layers[0].reasons[0].detail).toMatch(/ztunnel does not restrict outbound traffic/);
  });
});

describe('istio ambient: waypoints enforce policies attached with targetRefs', () => {
  const wp = (...objects: unknown[]) => demo(WAYPOINT, gateway('demo'), ...objects);
  const ztunnelFromWaypoint = ap('demo', 'httpbin-ztunnel', { ...httpbinSelector, action: 'ALLOW', rules: [{ ...fromWaypoint, to: [{ operation: { ports: ['8000'] } }] }] });
  const waypointGet = ap('demo', 'httpbin-waypoint', { ...toService, action: 'ALLOW', rules: [{ ...fromCurl, to: [{ operation: { methods: ['GET'] } }] }] });

  test('an L7 policy attached to the Service is enforced by the waypoint: GET passes, POST and other sources do not', () => {
    const a = wp(ztunnelFromWaypoint, waypointGet);
    expect(allowed(a, 'curl', GET)).toBe(true);
    expect(allowed(a, 'curl', POST)).toBe(false);
    expect(allowed(a, 'other', GET)).toBe(false);
    // without a request: allowed for some requests only
    const v = a.explain('demo/curl', 'demo/httpbin', { protocol: 'TCP', port: 8000 });
    expect(v.allowed).toBe(true);
    expect(v.layers[0].l7Restricted).toBe(true);
    expect(a.connectivity().find((c) => c.src === 'demo/curl[Deployment]' && c.dst === 'demo/httpbin[Deployment]')?.ports.toString()).toMatch(/(^|,)TCP 8000(,|$)/);
    expect(a.connectivity().find((c) => c.src === 'demo/other[Deployment]' && c.dst === 'demo/httpbin[Deployment]')?.ports.has('TCP', 8000)).toBe(false);
  });

  test('"traffic arriving at the destination ztunnel will be coming from the waypoint\'s identity"', () => {
    // the ztunnel admits curl but not the waypoint: service traffic through the waypoint is refused,
    // while curl may still reach the pod directly, past the waypoint
    const a = wp(ap('demo', 'curl-only', { ...httpbinSelector, action: 'ALLOW', rules: [fromCurl] }), waypointGet);
    const v = a.explain('demo/curl', 'demo/httpbin', { protocol: 'TCP', port: 8000, http: GET });
    expect(v.allowed).toBe(true);
    const text = v.layers[0].reasons.map((r) => r.detail).join('\n');
    expect(text).toMatch(/reaches its ztunnel as cluster.local\/ns\/demo\/sa\/waypoint/);
    expect(text).toMatch(/at the ztunnel of demo\/httpbin\[Deployment\], from the waypoint: ALLOW policy applies .* none of its 1 rule matches/);
    expect(text).toMatch(/addressed to the pod directly \(past the waypoint\): ALLOW rule matches/);
    // only the waypoint admitted at the ztunnel: nobody bypasses it
    const b = wp(ztunnelFromWaypoint, waypointGet);
    const w = b.explain('demo/other', 'demo/httpbin', { protocol: 'TCP', port: 8000, http: GET });
    expect(w.allowed).toBe(false);
  });

  test('a waypoint without attached policies allows everything it forwards (the ztunnel policy then decides alone)', () => {
    const a = wp(ztunnelFromWaypoint);
    expect(allowed(a, 'curl', POST)).toBe(true);
    expect(allowed(a, 'other', POST)).toBe(true);
  });

  test('a policy attached to the waypoint Gateway applies to every Service it serves', () => {
    const a = wp(ztunnelFromWaypoint, ap('demo', 'gw', { targetRefs: [{ kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'waypoint' }], action: 'ALLOW', rules: [fromCurl] }));
    expect(allowed(a, 'curl', POST)).toBe(true);
    expect(allowed(a, 'other', GET)).toBe(false);
    expect(a.warnings.some((w) => w.code === 'BH-AN-ISTIO-TARGET-REF')).toBe(false);
  });

  test('selector policies are not applied by the waypoint, nor targetRefs policies by ztunnel', () => {
    // the L7 policy bound by selector: ztunnel never meets its rule, the waypoint does not see it,
    // so it restricts nothing: every source passes the waypoint, which the ztunnel admits
    const bySelector = wp(ztunnelFromWaypoint, ap('demo', 'httpbin-l7', { ...httpbinSelector, action: 'ALLOW', rules: [{ ...fromCurl, to: [{ operation: { methods: ['GET'] } }] }] }));
    expect(allowed(bySelector, 'curl', POST)).toBe(true);
    expect(allowed(bySelector, 'other', GET)).toBe(true);
    // without the waypoint's rule at the ztunnel, the L7 rule by selector cuts the destination off
    const alone = wp(ap('demo', 'httpbin-l7', { ...httpbinSelector, action: 'ALLOW', rules: [{ ...fromCurl, to: [{ operation: { methods: ['GET'] } }] }] }));
    expect(allowed(alone, 'curl', GET)).toBe(false);
    // the same rule by targetRefs in a namespace without a waypoint is enforced nowhere: ztunnel alone decides
    const noWaypoint = demo(AMBIENT, ap('demo', 'l4', { ...httpbinSelector, action: 'ALLOW', rules: [fromCurl] }), waypointGet);
    expect(allowed(noWaypoint, 'curl', POST)).toBe(true);
  });

  test('a Service label overrides its namespace\'s; "none" opts out', () => {
    const optOut = analyse([
      namespace('demo', WAYPOINT), gateway('demo'),
      workload('demo', 'httpbin', 'httpbin'), workload('demo', 'curl', 'curl', []),
      service('demo', 'httpbin', 8000, { 'istio.io/use-waypoint': 'none' }),
      ap('demo', 'l4', { ...httpbinSelector, action: 'ALLOW', rules: [fromCurl] }), waypointGet,
    ]);
    expect(allowed(optOut, 'curl', POST)).toBe(true);
    const optIn = analyse([
      namespace('demo', AMBIENT), gateway('demo'),
      workload('demo', 'httpbin', 'httpbin'), workload('demo', 'curl', 'curl', []),
      service('demo', 'httpbin', 8000, { 'istio.io/use-waypoint': 'waypoint' }),
      ztunnelFromWaypoint, waypointGet,
    ]);
    expect(allowed(optIn, 'curl', GET)).toBe(true);
    expect(allowed(optIn, 'curl', POST)).toBe(false);
  });

  test('a waypoint for workload traffic does not serve the traffic addressed to Services', () => {
    const a = demo(WAYPOINT, gateway('demo', 'waypoint', 'workload'), ap('demo', 'l4', { ...httpbinSelector, action: 'ALLOW', rules: [fromCurl] }), waypointGet);
    expect(allowed(a, 'curl', POST)).toBe(true);
    expect(a.warnings.find((w) => w.code === 'BH-AN-ISTIO-WAYPOINT-MISSING')?.message).toMatch(/waypoint for workload traffic, not service traffic/);
  });

  test('on a TCP port the waypoint sees no HTTP attributes: an ALLOW rule with methods matches nothing', () => {
    const a = analyse([
      namespace('demo', WAYPOINT), gateway('demo'),
      workload('demo', 'httpbin', 'httpbin'), workload('demo', 'curl', 'curl', []),
      service('demo', 'httpbin', 8000, {}, 'tcp-data'),
      ztunnelFromWaypoint, waypointGet,
    ]);
    expect(allowed(a, 'curl', GET)).toBe(false);
  });
});

describe('istio ambient: agreement of the bulk answers with explain', () => {
  test('property: allowedPorts and connectivity agree with explain(application any) for ambient destinations', () => {
    const rule = fc.record({
      src: fc.constantFrom('curl', 'other', 'waypoint'),
      port: fc.constantFrom('8000', '9000'),
      method: fc.option(fc.constantFrom('GET', 'POST'), { nil: undefined }),
    });
    fc.assert(fc.property(fc.boolean(), fc.array(rule, { maxLength: 3 }), fc.array(rule, { maxLength: 3 }), (useWaypoint, zt, atWp) => {
      const rules = (rs: typeof zt) => rs.map((r) => ({ from: [{ source: { principals: [`cluster.local/ns/demo/sa/${r.src}`] } }], to: [{ operation: { ports: [r.port], ...(r.method ? { methods: [r.method] } : {}) } }] }));
      const objects = [
        namespace('demo', useWaypoint ? WAYPOINT : AMBIENT), gateway('demo'),
        workload('demo', 'httpbin', 'httpbin', [8000, 9000]), workload('demo', 'curl', 'curl', []), workload('demo', 'other', 'other', []),
        service('demo', 'httpbin', 8000),
        ...(zt.length > 0 ? [ap('demo', 'zt', { ...httpbinSelector, action: 'ALLOW', rules: rules(zt) })] : []),
        ...(atWp.length > 0 ? [ap('demo', 'wp', { ...toService, action: 'ALLOW', rules: rules(atWp) })] : []),
      ];
      const a = analyse(objects);
      const sim = a.simulators.find((s) => s.layer === 'istio')!;
      const dst = a.endpoint('demo/httpbin');
      for (const from of ['demo/curl', 'demo/other']) {
        const src = a.endpoint(from);
        const ports = sim.allowedPorts(src, dst);
        for (const port of [8000, 9000, 8080]) {
          expect(ports.has('TCP', port)).toBe(sim.explain(src, dst, { protocol: 'TCP', port, application: 'any' }).allowed);
        }
      }
    }), { numRuns: 60 });
  });

  test('a simulator built directly reads ambient mode from the namespace labels of its context', () => {
    const a = demo(AMBIENT, ap('demo', 'allow-get', { ...httpbinSelector, action: 'ALLOW', rules: [{ ...fromCurl, to: [{ operation: { methods: ['GET'] } }] }] }));
    const sim = createIstioSimulator([ap('demo', 'allow-get', { ...httpbinSelector, action: 'ALLOW', rules: [{ ...fromCurl, to: [{ operation: { methods: ['GET'] } }] }] })], a.context);
    expect(sim.explain(a.endpoint('demo/curl'), a.endpoint('demo/httpbin'), { protocol: 'TCP', port: 8000, http: GET }).allowed).toBe(false);
  });
});

describe('istio ambient: the loader', () => {
  test('a waypoint Gateway is read by the Istio simulator, not reported as an unsimulated policy kind; another Gateway still is', () => {
    const a = analyse([namespace('demo', WAYPOINT), gateway('demo'), workload('demo', 'httpbin', 'httpbin'),
      { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'ingress', namespace: 'demo' }, spec: { gatewayClassName: 'istio', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] } }]);
    const notSimulated = a.warnings.filter((w) => /does not simulate/.test(w.message)).map((w) => w.path);
    expect(notSimulated).toHaveLength(1);
    expect(notSimulated[0]).toMatch(/Gateway demo\/ingress/);
  });
});
