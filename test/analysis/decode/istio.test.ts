import { AnalysisInputError, ProblemSet } from '../../../lib/analysis/errors';
import { fieldNames, kindSchema, schemaAt } from '../../../lib/analysis/schema';
import { AUTHZ_FIELDS, decodeAuthorizationPolicy } from '../../../lib/analysis/simulators/istio/decode/authz';
import { PEER_AUTHENTICATION_FIELDS, decodePeerAuthentication } from '../../../lib/analysis/simulators/istio/decode/peerauthn';
import { declaredProtocol, decodeServicePorts } from '../../../lib/analysis/simulators/istio/decode/service';
import { decodeServiceEntry } from '../../../lib/analysis/simulators/istio/decode/serviceentry';
import { readMeta } from '../../../lib/analysis/simulators/istio/decode/shared';
import { decodeSidecar } from '../../../lib/analysis/simulators/istio/decode/sidecar';
import { thrown } from '../../util/thrown';

const obj = (kind: string, spec: unknown, metadata: Record<string, unknown> = { name: 'p', namespace: 'shop' }) => ({ apiVersion: 'security.istio.io/v1', kind, metadata, spec });
const authz = (spec: unknown, w = new ProblemSet()) => { const o = obj('AuthorizationPolicy', spec); return decodeAuthorizationPolicy(o, readMeta(o), w); };
const problem = (f: () => unknown) => thrown(f, AnalysisInputError).problem;
const sorted = (l: readonly string[]) => [...l].sort();

describe('Istio decoders', () => {
  test('the AuthorizationPolicy and PeerAuthentication field lists are those of the upstream CRDs', () => {
    const s = kindSchema('security.istio.io/v1', 'AuthorizationPolicy');
    expect(sorted(AUTHZ_FIELDS.spec)).toEqual(fieldNames(schemaAt(s, 'spec')));
    expect(sorted(AUTHZ_FIELDS.rule)).toEqual(fieldNames(schemaAt(s, 'spec.rules[]')));
    expect(sorted(AUTHZ_FIELDS.from)).toEqual(fieldNames(schemaAt(s, 'spec.rules[].from[]')));
    expect(sorted(AUTHZ_FIELDS.to)).toEqual(fieldNames(schemaAt(s, 'spec.rules[].to[]')));
    expect(sorted(AUTHZ_FIELDS.source)).toEqual(fieldNames(schemaAt(s, 'spec.rules[].from[].source')));
    expect(sorted(AUTHZ_FIELDS.operation)).toEqual(fieldNames(schemaAt(s, 'spec.rules[].to[].operation')));
    expect(sorted(AUTHZ_FIELDS.condition)).toEqual(fieldNames(schemaAt(s, 'spec.rules[].when[]')));
    const pa = fieldNames(schemaAt(kindSchema('security.istio.io/v1', 'PeerAuthentication'), 'spec'));
    expect(pa.every((f) => PEER_AUTHENTICATION_FIELDS.includes(f))).toBe(true);
  });

  test('readMeta: ref, namespace (default), creation time, string annotations; a name is required', () => {
    expect(readMeta({ kind: 'Sidecar', metadata: { name: 's', creationTimestamp: 't', annotations: { a: 'x', b: 1 } } })).toEqual({ ref: 'Sidecar default/s', namespace: 'default', name: 's', created: 't', annotations: { a: 'x' } });
    expect(problem(() => readMeta({ kind: 'Sidecar', metadata: {} }))).toMatchObject({ object: 'Sidecar default/?', field: 'metadata.name', message: 'the object has no name' });
  });

  test('an AuthorizationPolicy decodes into its action, selector and rules with their values as written', () => {
    const d = authz({
      action: 'DENY',
      selector: { matchLabels: { app: 'db' } },
      rules: [{
        from: [{ source: { principals: ['cluster.local/ns/shop/sa/api'], notIpBlocks: ['10.0.0.0/8'], requestPrincipals: ['*'] } }],
        to: [{ operation: { ports: ['5432'], methods: ['GET'] } }],
        when: [{ key: 'request.headers[X-User]', values: ['admin'] }, { key: 'destination.ip', values: ['10.0.0.1'] }],
      }],
    });
    expect(d).toMatchObject({ ref: 'AuthorizationPolicy shop/p', namespace: 'shop', action: 'DENY', selector: { app: 'db' }, dryRun: false, attached: false, points: [5432] });
    const r = d.rules[0];
    expect(r.from![0]).toEqual([
      { field: 'spec.rules[0].from[0].source.principals', httpOnly: false, identity: true, values: [{ t: 'principal', value: 'cluster.local/ns/shop/sa/api' }], notValues: [] },
      { field: 'spec.rules[0].from[0].source.requestPrincipals', httpOnly: true, identity: false, values: [{ t: 'jwt' }], notValues: [] },
      { field: 'spec.rules[0].from[0].source.notIpBlocks', httpOnly: false, identity: false, values: [], notValues: [{ t: 'ip', range: [0x0a000000, 0x0affffff], field: 'spec.rules[0].from[0].source.notIpBlocks[0]' }] },
    ]);
    expect(r.to![0].map((c) => c.values)).toEqual([[{ t: 'port', port: 5432 }], [{ t: 'method', value: 'GET' }]]);
    expect(r.when.map((c) => c.values)).toEqual([[{ t: 'header', name: 'x-user', value: 'admin' }], [{ t: 'unknown' }]]);
    expect(r.httpOnlyFields).toEqual(['spec.rules[0].from[0].source.requestPrincipals', 'spec.rules[0].to[0].operation.methods', 'spec.rules[0].when[0]']);
  });

  test('an AuthorizationPolicy with targetRef is kept as attached, with an information', () => {
    const w = new ProblemSet();
    const d = authz({ targetRefs: [{ kind: 'Gateway', name: 'gw' }] }, w);
    expect(d.attached).toBe(true);
    expect(w.list().map((p) => [p.code, p.severity])).toEqual([['BH-AN-ISTIO-TARGET-REF', 'info']]);
  });

  test.each([
    ['misspelt field', { rule: [] }, 'spec.rule', 'is not a field Istio knows here; a misspelt field would silently widen or narrow the policy'],
    ['bad action', { action: 'LOG' }, 'spec.action', 'is not an AuthorizationPolicy action'],
    ['CUSTOM without provider', { action: 'CUSTOM' }, 'spec.provider.name', 'a CUSTOM policy needs the name of its extension provider'],
    ['provider without CUSTOM', { provider: { name: 'x' } }, 'spec.provider', 'provider is only valid with action CUSTOM'],
    ['selector and targetRef', { selector: { matchLabels: { a: 'b' } }, targetRef: { kind: 'Gateway', name: 'g' } }, 'spec.targetRef', 'only one of selector, targetRef and targetRefs can be set'],
    ['bad ipBlock', { rules: [{ from: [{ source: { ipBlocks: ['10.0.0.0/99'] } }] }] }, 'spec.rules[0].from[0].source.ipBlocks[0]', 'is not a valid IP address or CIDR'],
    ['bad port', { rules: [{ to: [{ operation: { ports: ['http'] } }] }] }, 'spec.rules[0].to[0].operation.ports[0]', 'is not a port number (0 to 65535)'],
    ['method not a string', { rules: [{ to: [{ operation: { methods: [1] } }] }] }, 'spec.rules[0].to[0].operation.methods[0]', 'must be a string'],
    ['condition without values', { rules: [{ when: [{ key: 'source.ip' }] }] }, 'spec.rules[0].when[0]', 'a condition needs values or notValues'],
    ['unknown attribute', { rules: [{ when: [{ key: 'source.port', values: ['1'] }] }] }, 'spec.rules[0].when[0].key', 'is not an attribute Istio supports in conditions'],
  ])('%s is a problem at its field', (_, spec, field, message) => {
    expect(problem(() => authz(spec))).toMatchObject({ object: 'AuthorizationPolicy shop/p', field, message });
  });

  test('a PeerAuthentication decodes its modes; portLevelMtls needs a selector', () => {
    const o = obj('PeerAuthentication', { selector: { matchLabels: { app: 'db' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { 8080: { mode: 'DISABLE' } } });
    const d = decodePeerAuthentication(o, readMeta(o));
    expect(d).toMatchObject({ ref: 'PeerAuthentication shop/p', mode: 'STRICT', selector: { app: 'db' } });
    expect([...d.portLevel]).toEqual([[8080, 'DISABLE']]);
    expect(decodePeerAuthentication(obj('PeerAuthentication', {}), readMeta(obj('PeerAuthentication', {}))).mode).toBe('UNSET');
    const bad = obj('PeerAuthentication', { portLevelMtls: { 80: { mode: 'STRICT' } } });
    expect(problem(() => decodePeerAuthentication(bad, readMeta(bad)))).toMatchObject({ field: 'spec.portLevelMtls', message: 'portLevelMtls requires a workload selector' });
    const mode = obj('PeerAuthentication', { mtls: { mode: 'strict' } });
    expect(problem(() => decodePeerAuthentication(mode, readMeta(mode)))).toMatchObject({ field: 'spec.mtls.mode', message: 'is not an mTLS mode' });
  });

  test('a Sidecar decodes its mode and egress imports', () => {
    const o = { ...obj('Sidecar', { workloadSelector: { labels: { app: 'web' } }, outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' }, egress: [{ hosts: ['./*', 'istio-system/*'] }] }), apiVersion: 'networking.istio.io/v1' };
    expect(decodeSidecar(o, readMeta(o))).toEqual({ ref: 'Sidecar shop/p', namespace: 'shop', name: 'p', created: '', selector: { app: 'web' }, mode: 'REGISTRY_ONLY', egressHosts: ['./*', 'istio-system/*'] });
    const bad = obj('Sidecar', { egress: [{ hosts: ['api.example.com'] }] });
    expect(problem(() => decodeSidecar(bad, readMeta(bad)))).toMatchObject({ field: 'spec.egress[0].hosts[0]', message: 'must be written namespace/dnsName' });
    const mode = obj('Sidecar', { outboundTrafficPolicy: { mode: 'DENY' } });
    expect(problem(() => decodeSidecar(mode, readMeta(mode)))).toMatchObject({ field: 'spec.outboundTrafficPolicy.mode', message: 'is not an outbound traffic policy mode' });
  });

  test('a ServiceEntry decodes its hosts, the ranges it covers (resolved hosts included) and its ports', () => {
    const o = obj('ServiceEntry', { hosts: ['api.example.com', '*.corp.test'], addresses: ['203.0.113.0/24', '2001:db8::/32'], endpoints: [{ address: '198.51.100.1' }, { address: 'backend.internal' }], ports: [{ number: 443, name: 'https', protocol: 'TLS' }], exportTo: ['.'] });
    const d = decodeServiceEntry(o, readMeta(o), { 'API.example.com.': ['192.0.2.1'], 'a.corp.test': ['192.0.2.2'] });
    expect(d).toEqual({ ref: 'ServiceEntry shop/p', namespace: 'shop', hosts: ['api.example.com', '*.corp.test'], ranges: [[0xcb007100, 0xcb0071ff], [0xc6336401, 0xc6336401], [0xc0000201, 0xc0000201], [0xc0000202, 0xc0000202]], ports: [{ number: 443, index: 0 }], exportTo: ['.'] });
    const noHost = obj('ServiceEntry', { ports: [] });
    expect(problem(() => decodeServiceEntry(noHost, readMeta(noHost), {}))).toMatchObject({ field: 'spec.hosts', message: 'a ServiceEntry needs at least one host' });
    const udp = obj('ServiceEntry', { hosts: ['x'], ports: [{ number: 53, protocol: 'UDP' }] });
    expect(problem(() => decodeServiceEntry(udp, readMeta(udp), {}))).toMatchObject({ field: 'spec.ports[0].protocol', message: 'UDP is not a ServiceEntry port protocol' });
  });

  test('Service ports: the TCP ports of a Service with a selector and their declared protocol; anything else is skipped', () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'shop' }, spec: { selector: { app: 'db' }, ports: [{ port: 5432, name: 'tcp-pg', targetPort: 'pg' }, { port: 80, appProtocol: 'http', targetPort: '8080' }, { port: 53, protocol: 'UDP' }, 'junk'] } };
    expect(decodeServicePorts(svc)).toEqual([
      { ref: 'Service shop/db', field: 'spec.ports[0]', namespace: 'shop', selector: { app: 'db' }, target: 'pg', protocol: 'tcp', from: 'port name tcp-pg' },
      { ref: 'Service shop/db', field: 'spec.ports[1]', namespace: 'shop', selector: { app: 'db' }, target: 8080, protocol: 'http', from: 'appProtocol http' },
    ]);
    expect(decodeServicePorts({ kind: 'Service', metadata: { name: 'x' }, spec: { ports: [] } })).toEqual([]);
    expect(declaredProtocol('grpc-web-x', undefined)).toEqual({ protocol: 'http', from: 'port name grpc-web-x' });
    expect(declaredProtocol('web', undefined)).toEqual({ protocol: 'auto', from: 'port name web (no protocol prefix)' });
  });
});
