import { ProblemSet } from '../../../lib/analysis/errors';
import { AtomTable, AuthorizationPolicyKind, Facts, evalRule, usesIdentity } from '../../../lib/analysis/simulators/istio/authz';
import { decodeAuthorizationPolicy } from '../../../lib/analysis/simulators/istio/decode/authz';
import { DecodedPeerAuthentication, DecodedServiceEntry, DecodedSidecar } from '../../../lib/analysis/simulators/istio/model';
import { mtlsModeOf, peerAuthenticationSelects } from '../../../lib/analysis/simulators/istio/peerauthn';
import { serviceEntryCovers, serviceEntryVisible } from '../../../lib/analysis/simulators/istio/serviceentry';
import { sidecarOf, sidecarSelects } from '../../../lib/analysis/simulators/istio/sidecar';
import { readMeta } from '../../../lib/analysis/simulators/istio/decode/shared';
import { external, workload } from '../decode/objects';

const kind = (spec: unknown, atoms = new AtomTable('example.org'), namespace = 'shop') => {
  const o = { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'p', namespace }, spec };
  return new AuthorizationPolicyKind(decodeAuthorizationPolicy(o, readMeta(o), new ProblemSet()), atoms);
};
const facts = (extra: Partial<Facts> = {}): Facts => ({ principal: 'example.org/ns/shop/sa/api', source: { kind: 'pod' }, port: 8080, mode: 'http', ...extra });

describe('AuthorizationPolicyKind', () => {
  const db = workload('shop', 'db', { app: 'db' });

  test('selects the workloads of its namespace (or of every namespace from the root namespace) its selector selects', () => {
    const k = kind({ selector: { matchLabels: { app: 'db' } } });
    expect(k.selects(db, 'istio-system')).toBe(true);
    expect(k.selects(workload('shop', 'web'), 'istio-system')).toBe(false);
    expect(k.selects(workload('other', 'db', { app: 'db' }), 'istio-system')).toBe(false);
    expect(kind({}, undefined, 'istio-system').selects(workload('other', 'x'), 'istio-system')).toBe(true);
    expect(kind({ targetRef: { kind: 'Gateway', name: 'g' } }).selects(db, 'istio-system')).toBe(false);
  });

  test('cluster.local principals name the local trust domain; identity conditions never match plaintext', () => {
    const k = kind({ rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/api'] } }] }] });
    expect(evalRule(k.rules[0], facts(), 'ALLOW')).toBe('yes');
    expect(evalRule(k.rules[0], facts({ principal: undefined }), 'ALLOW')).toBe('no');
    expect(usesIdentity(k)).toBe(true);
  });

  test('HTTP conditions: yes or no with a request, some without; on TCP an ALLOW rule with them matches nothing, a DENY rule drops them', () => {
    const allow = kind({ rules: [{ to: [{ operation: { methods: ['GET'], paths: ['/api/{*}'] } }] }] });
    expect(evalRule(allow.rules[0], facts({ request: { method: 'GET', path: '/api/x?y' } }), 'ALLOW')).toBe('yes');
    expect(evalRule(allow.rules[0], facts({ request: { method: 'POST', path: '/api/x' } }), 'ALLOW')).toBe('no');
    expect(evalRule(allow.rules[0], facts(), 'ALLOW')).toBe('some');
    expect(evalRule(allow.rules[0], facts({ mode: 'tcp' }), 'ALLOW')).toBe('no');
    const deny = kind({ action: 'DENY', rules: [{ to: [{ operation: { methods: ['POST'] } }] }] });
    expect(evalRule(deny.rules[0], facts({ mode: 'tcp' }), 'DENY')).toBe('yes');
  });

  test('address conditions: a range that may or may not hold the source resolves to the safe side; the table records what rules name', () => {
    const atoms = new AtomTable('example.org');
    const k = kind({ rules: [{ from: [{ source: { ipBlocks: ['203.0.113.0/24'] } }] }] }, atoms);
    expect(evalRule(k.rules[0], facts({ source: { kind: 'external', range: [0xcb007101, 0xcb007101] } }), 'ALLOW')).toBe('yes');
    expect(evalRule(k.rules[0], facts({ source: { kind: 'pod' } }), 'ALLOW')).toBe('no');
    expect(evalRule(k.rules[0], facts({ source: { kind: 'pod' } }), 'DENY')).toBe('yes');
    expect(atoms.ingressRanges).toEqual([[0xcb007100, 0xcb0071ff]]);
    expect(atoms.namesAddresses).toBe(true);
    expect([...atoms.addressRules]).toEqual(['AuthorizationPolicy shop/p, spec.rules[0].from[0].source.ipBlocks[0]']);
    expect([...atoms.sourceAtomByKey.keys()]).toEqual([`ip:${0xcb007100}-${0xcb0071ff}`]);
  });

  test('ports name the points where a decision can change', () => {
    const k = kind({ rules: [{ to: [{ operation: { ports: ['8080', '9090'] } }] }] });
    expect(k.points).toEqual([8080, 9090]);
    expect(evalRule(k.rules[0], facts({ port: 9090 }), 'ALLOW')).toBe('yes');
    expect(evalRule(k.rules[0], facts({ port: 1 }), 'ALLOW')).toBe('no');
  });
});

describe('PeerAuthentication, Sidecar and ServiceEntry evaluation', () => {
  const pa = (ref: string, namespace: string, mode: DecodedPeerAuthentication['mode'], selector?: Record<string, string>, portLevel: [number, DecodedPeerAuthentication['mode']][] = []): DecodedPeerAuthentication => ({ ref, namespace, name: ref, created: '', selector, mode, portLevel: new Map(portLevel) });
  const db = workload('shop', 'db', { app: 'db' });

  test('the most specific PeerAuthentication wins unless UNSET, then port-level modes', () => {
    const list = [pa('mesh', 'istio-system', 'STRICT'), pa('ns', 'shop', 'UNSET'), pa('wl', 'shop', 'PERMISSIVE', { app: 'db' }, [[9090, 'DISABLE']])];
    expect(mtlsModeOf(list, 'istio-system', db, 8080)).toEqual({ mode: 'PERMISSIVE', ref: 'wl', field: 'spec.mtls.mode' });
    expect(mtlsModeOf(list, 'istio-system', db, 9090)).toEqual({ mode: 'DISABLE', ref: 'wl', field: 'spec.portLevelMtls.9090.mode' });
    expect(mtlsModeOf(list, 'istio-system', workload('shop', 'web'), 8080)).toEqual({ mode: 'STRICT', ref: 'mesh', field: 'spec.mtls.mode' });
    expect(mtlsModeOf([], 'istio-system', db, 1)).toEqual({ mode: 'PERMISSIVE' });
    expect(list.map((p) => peerAuthenticationSelects(p, db, 'istio-system'))).toEqual([true, true, true]);
    expect(peerAuthenticationSelects(list[2], workload('shop', 'web'), 'istio-system')).toBe(false);
  });

  const sc = (ref: string, namespace: string, selector?: Record<string, string>, egressHosts?: string[]): DecodedSidecar => ({ ref, namespace, name: ref, created: '', selector, egressHosts });

  test('a workload gets the Sidecar that selects it, else its namespace one, else the root one', () => {
    const list = [sc('root', 'istio-system'), sc('ns', 'shop'), sc('wl', 'shop', { app: 'db' })];
    expect(sidecarOf(list, 'istio-system', db)?.ref).toBe('wl');
    expect(sidecarOf(list, 'istio-system', workload('shop', 'web'))?.ref).toBe('ns');
    expect(sidecarOf(list, 'istio-system', workload('other', 'web'))?.ref).toBe('root');
    expect(sidecarSelects(list[2], workload('shop', 'web'), 'istio-system')).toBe(false);
  });

  test('a ServiceEntry is visible by exportTo and Sidecar imports, and covers its ranges on its ports', () => {
    const se: DecodedServiceEntry = { ref: 'ServiceEntry ops/api', namespace: 'ops', hosts: ['api.example.com'], ranges: [[0xc0000200, 0xc00002ff]], ports: [{ number: 443, index: 0 }], exportTo: ['*'] };
    expect(serviceEntryVisible(se, db, undefined)).toBe(true);
    expect(serviceEntryVisible({ ...se, exportTo: ['.'] }, db, undefined)).toBe(false);
    expect(serviceEntryVisible(se, db, sc('s', 'shop', undefined, ['./*']))).toBe(false);
    expect(serviceEntryVisible(se, db, sc('s', 'shop', undefined, ['ops/*.example.com']))).toBe(true);
    expect(serviceEntryCovers(se, external(0xc0000201), 443)).toEqual({ number: 443, index: 0 });
    expect(serviceEntryCovers(se, external(0xc0000201), 80)).toBeUndefined();
    expect(serviceEntryCovers(se, external(0x01000000), 443)).toBeUndefined();
  });
});
