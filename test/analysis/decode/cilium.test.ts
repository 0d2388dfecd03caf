import { AnalysisInputError, ProblemSet } from '../../../lib/analysis/errors';
import { fieldNames, kindSchema, schemaAt } from '../../../lib/analysis/schema';
import { decodeCiliumClusterwideNetworkPolicy } from '../../../lib/analysis/simulators/cilium/decode/ccnp';
import { decodeCiliumNetworkPolicy } from '../../../lib/analysis/simulators/cilium/decode/cnp';
import { CiliumDecoder, L7_RULE_FIELDS, PORT_RULE_FIELDS, RULE_FIELDS, sectionRuleFields } from '../../../lib/analysis/simulators/cilium/decode/rule';
import { thrown } from '../../util/thrown';

const cnp = (spec: unknown, extra: Record<string, unknown> = {}) => ({ apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'p', namespace: 'shop' }, spec, ...extra });
const ccnp = (spec: unknown) => ({ apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: { name: 'c' }, spec });
const sorted = (l: readonly string[]) => [...l].sort();

describe('Cilium decoders', () => {
  const schema = kindSchema('cilium.io/v2', 'CiliumNetworkPolicy');

  test('the field lists are those of the upstream CRD', () => {
    expect(sorted(RULE_FIELDS)).toEqual(fieldNames(schemaAt(schema, 'spec')));
    for (const section of ['ingress', 'ingressDeny', 'egress', 'egressDeny'] as const) {
      expect(sorted(sectionRuleFields(section))).toEqual(fieldNames(schemaAt(schema, `spec.${section}[]`)));
    }
    expect(sorted(PORT_RULE_FIELDS)).toEqual(fieldNames(schemaAt(schema, 'spec.egress[].toPorts[]')));
    // the standard CRD defines http and dns; kafka and the generic l7proto are read too
    expect(fieldNames(schemaAt(schema, 'spec.egress[].toPorts[].rules')).every((f) => L7_RULE_FIELDS.includes(f))).toBe(true);
    expect(fieldNames(schemaAt(kindSchema('cilium.io/v2', 'CiliumClusterwideNetworkPolicy'), 'spec'))).toEqual(fieldNames(schemaAt(schema, 'spec')));
  });

  test('a CiliumNetworkPolicy scopes its selectors to its namespace', () => {
    const d = decodeCiliumNetworkPolicy(cnp({
      endpointSelector: { matchLabels: { app: 'db', 'k8s:io.kubernetes.pod.namespace': 'other' } },
      ingress: [{ fromEndpoints: [{ matchLabels: { app: 'api' } }], toPorts: [{ ports: [{ port: '5432', protocol: 'TCP' }] }] }],
      egress: [{ toCIDRSet: [{ cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] }] }, { toFQDNs: [{ matchName: 'api.example.com' }], toPorts: [{ ports: [{ port: '443' }] }] }, { toEndpoints: [{}], toPorts: [{ ports: [{ port: '53', protocol: 'UDP' }], rules: { dns: [{ matchPattern: '*' }] } }] }],
    }), new CiliumDecoder(new ProblemSet()));
    expect(d.ref).toBe('CiliumNetworkPolicy shop/p');
    const r = d.rules[0];
    expect(r.subjectSel!.matches({ app: 'db', 'io.kubernetes.pod.namespace': 'shop' })).toBe(true);
    expect(r.subjectSel!.matches({ app: 'db', 'io.kubernetes.pod.namespace': 'other' })).toBe(false);
    const peer = r.ingress[0].l3;
    expect(Array.isArray(peer) && peer[0].kind === 'endpoints' && peer[0].sel.matches({ app: 'api', 'io.kubernetes.pod.namespace': 'shop' })).toBe(true);
    expect(Array.isArray(peer) && peer[0].kind === 'endpoints' && peer[0].sel.matches({ app: 'api', 'io.kubernetes.pod.namespace': 'x' })).toBe(false);
    expect(r.ingress[0].ports).toEqual([{ ports: [{ protocols: ['TCP'], range: [5432, 5432] }], l7: { kind: 'none' } }]);
    expect(r.points.ingress).toEqual([5432, 5433]);
    expect(r.defaultDeny).toEqual({ ingress: true, egress: true });
    expect(r.boundaries.egress).toEqual([[0x0a000000, 0x0affffff], [0x0a010000, 0x0a01ffff]]);
    expect(r.fqdnTests).toHaveLength(1);
    expect(r.fqdnTests[0]('api.example.com')).toBe(true);
    expect(r.dnsPatterns.map((re) => re.test('anything.example'))).toEqual([true]);
    expect(r.egress[2].ports![0].l7).toEqual({ kind: 'dns', all: true });
  });

  test('a CiliumClusterwideNetworkPolicy selects across namespaces', () => {
    const d = decodeCiliumClusterwideNetworkPolicy(ccnp({ endpointSelector: {}, ingress: [{ fromEndpoints: [{}] }], enableDefaultDeny: { ingress: false } }), new CiliumDecoder(new ProblemSet()));
    const r = d.rules[0];
    expect(d.ref).toBe('CiliumClusterwideNetworkPolicy c');
    expect(r.subjectSel!.matches({ 'io.kubernetes.pod.namespace': 'any' })).toBe(true);
    expect(r.defaultDeny.ingress).toBe(false);
    expect(r.optOut.ingress).toBe(true);
  });

  test('what is not modeled is a warning in allow rules', () => {
    const w = new ProblemSet();
    const d = decodeCiliumNetworkPolicy(cnp({ nodeSelector: {}, ingress: [{ fromEntities: ['host'] }, { fromGroups: [{ aws: {} }] }] }), new CiliumDecoder(w));
    expect(d.rules[0].subjectSel).toBeUndefined();
    expect(w.list().map((p) => p.code)).toEqual(['BH-AN-CILIUM-HOST-POLICY', 'BH-AN-CILIUM-ENTITY', 'BH-AN-CILIUM-PEER-NOT-MODELED']);
  });

  test.each([
    ['no spec', cnp(undefined), 'spec', 'the policy has neither spec nor specs'],
    ['another version', { ...cnp({ endpointSelector: {} }), apiVersion: 'cilium.io/v1' }, 'apiVersion', 'is not a served version of this kind'],
    ['misspelt rule field', cnp({ endpointSelector: {}, ingres: [] }), 'spec.ingres', 'is not a field Cilium accepts here; a misspelt field would silently change the policy'],
    ['no endpointSelector', cnp({ ingress: [] }), 'spec.endpointSelector', 'a rule needs an endpointSelector'],
    ['two peer kinds', cnp({ endpointSelector: {}, egress: [{ toEndpoints: [{}], toCIDR: ['10.0.0.0/8'] }] }), 'spec.egress[0]', 'combining toEndpoints and toCIDR in one rule is not supported by Cilium'],
    ['toRequires', cnp({ endpointSelector: {}, egress: [{ toRequires: [{}] }] }), 'spec.egress[0].toRequires', 'toRequires is deprecated since Cilium 1.17 and removed in 1.19; the analysis does not model it'],
    ['unknown entity', cnp({ endpointSelector: {}, ingress: [{ fromEntities: ['moon'] }] }), 'spec.ingress[0].fromEntities[0]', 'is not a Cilium entity'],
    ['groups in a deny rule', cnp({ endpointSelector: {}, ingressDeny: [{ fromGroups: [{ aws: {} }] }] }), 'spec.ingressDeny[0].fromGroups', 'fromGroups is not modeled, and ignoring it in a deny rule would hide what it denies'],
    ['bad protocol', cnp({ endpointSelector: {}, ingress: [{ toPorts: [{ ports: [{ port: '80', protocol: 'QUIC' }] }] }] }), 'spec.ingress[0].toPorts[0].ports[0].protocol', 'is not a protocol Cilium accepts'],
    ['bad regex', cnp({ endpointSelector: {}, ingress: [{ toPorts: [{ ports: [{ port: '80' }], rules: { http: [{ path: '(' }] } }] }] }), 'spec.ingress[0].toPorts[0].rules.http[0].path', 'is not a valid regular expression'],
    ['mixed L7', cnp({ endpointSelector: {}, ingress: [{ toPorts: [{ ports: [{ port: '80' }], rules: { http: [{}], dns: [{ matchPattern: '*' }] } }] }] }), 'spec.ingress[0].toPorts[0].rules', 'mixes L7 rule types; Cilium accepts one type per port'],
    ['fqdn without a name', cnp({ endpointSelector: {}, egress: [{ toFQDNs: [{}] }] }), 'spec.egress[0].toFQDNs[0]', 'needs exactly one of matchName and matchPattern'],
  ])('%s is a problem at its field', (_, obj, field, message) => {
    const p = thrown(() => decodeCiliumNetworkPolicy(obj, new CiliumDecoder(new ProblemSet())), AnalysisInputError).problem;
    expect([p.object, p.field, p.message]).toEqual(['CiliumNetworkPolicy shop/p', field, message]);
  });
});
