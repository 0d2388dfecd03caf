import { AnalysisInputError, ProblemSet } from '../../../lib/analysis/errors';
import { PortSet } from '../../../lib/analysis/portset';
import { ANP_PORT_FIELDS, decodeAdminNetworkPolicy } from '../../../lib/analysis/simulators/kubernetes/decode/anp';
import { decodeBaselineAdminNetworkPolicy } from '../../../lib/analysis/simulators/kubernetes/decode/banp';
import { CNP_PROTOCOL_FIELDS, decodeClusterNetworkPolicy } from '../../../lib/analysis/simulators/kubernetes/decode/cnp';
import { thrown } from '../../util/thrown';
import { manifest } from './objects';

const cnp = (spec: unknown, apiVersion = 'policy.networking.k8s.io/v1alpha2') => manifest(apiVersion, 'ClusterNetworkPolicy', 'c', spec);
const anp = (spec: unknown) => manifest('policy.networking.k8s.io/v1alpha1', 'AdminNetworkPolicy', 'a', spec);
const banp = (spec: unknown) => manifest('policy.networking.k8s.io/v1alpha1', 'BaselineAdminNetworkPolicy', 'default', spec);
const base = { tier: 'Admin', priority: 10, subject: { namespaces: {} } };

describe('decodeClusterNetworkPolicy', () => {
  test('the protocol entry fields are the upstream ones', () => {
    expect(CNP_PROTOCOL_FIELDS).toEqual(['destinationNamedPort', 'sctp', 'tcp', 'udp']);
  });

  test('a well-formed policy decodes its tier, priority, subject, rules and boundaries', () => {
    const w = new ProblemSet();
    const d = decodeClusterNetworkPolicy(cnp({
      ...base,
      ingress: [{ name: 'from-web', action: 'Accept', from: [{ pods: { namespaceSelector: {}, podSelector: { matchLabels: { app: 'web' } } } }], protocols: [{ tcp: { destinationPort: { number: 443 } } }, { destinationNamedPort: 'http' }] }],
      egress: [{ action: 'Deny', to: [{ networks: ['203.0.113.0/24', '203.0.113.128/25'] }], protocols: [{ udp: { destinationPort: { range: { start: 5000, end: 5010 } } } }] }, { action: 'Pass', to: [{ namespaces: {} }] }],
    }), w);
    expect(w.size).toBe(0);
    expect(d).toMatchObject({ label: 'ClusterNetworkPolicy c', name: 'c', tier: 'admin', priority: 10 });
    expect(d.subject.t).toBe('pods');
    expect(d.ingress[0]).toMatchObject({ path: 'spec.ingress[0]', tierText: 'Admin tier, priority 10, rule "from-web"', action: 'allow' });
    expect(d.ingress[0].ports.fixed.toString()).toBe(PortSet.of('TCP', 443).toString());
    expect(d.ingress[0].ports.named).toEqual([{ name: 'http' }]);
    expect(d.egress[0].action).toBe('deny');
    expect(d.egress[0].peers).toEqual([{ t: 'networks', ranges: [[0xcb007100, 0xcb0071ff]], field: 'spec.egress[0].to[0].networks' }]);
    expect(d.egress[0].ports.fixed.toString()).toBe(PortSet.of('UDP', 5000, 5010).toString());
    expect(d.egress[1]).toMatchObject({ action: 'pass', tierText: 'Admin tier, priority 10' });
    expect(d.egress[1].ports.fixed.toString()).toBe(PortSet.ALL.toString());
    expect(d.boundaries.egress).toEqual([[0xcb007100, 0xcb0071ff], [0xcb007180, 0xcb0071ff]]);
  });

  test('peers it cannot read fail closed, nodes match nothing, domain names are kept for the evaluator', () => {
    const w = new ProblemSet();
    const d = decodeClusterNetworkPolicy(cnp({
      ...base,
      egress: [
        { action: 'Accept', to: [{}, { nodes: {} }, { domainNames: ['api.example.com'] }] },
        { action: 'Deny', to: [{ domainNames: ['x.example.com'] }, { somethingNew: {} }] },
      ],
    }), w);
    expect(d.egress[0].peers).toEqual([{ t: 'domains', names: ['api.example.com'], field: 'spec.egress[0].to[2].domainNames' }]);
    expect(d.egress[1].peers).toEqual([{ t: 'all' }, { t: 'all' }]);
    expect(w.list().map((p) => [p.code, p.path])).toEqual([
      ['BH-AN-CNP-FAIL-CLOSED', 'ClusterNetworkPolicy c, spec.egress[0].to[0]'],
      ['BH-AN-CNP-NODES', 'ClusterNetworkPolicy c, spec.egress[0].to[1].nodes'],
      ['BH-AN-CNP-FAIL-CLOSED', 'ClusterNetworkPolicy c, spec.egress[1].to[0]'],
      ['BH-AN-CNP-FAIL-CLOSED', 'ClusterNetworkPolicy c, spec.egress[1].to[1]'],
    ]);
  });

  test('another apiVersion is read as v1alpha2, with a warning', () => {
    const w = new ProblemSet();
    decodeClusterNetworkPolicy(cnp(base, 'policy.networking.k8s.io/v1beta1'), w);
    expect(w.list().map((p) => p.code)).toEqual(['BH-AN-CNP-VERSION']);
  });

  test.each([
    ['no spec', undefined, 'spec', 'a ClusterNetworkPolicy needs a spec'],
    ['bad tier', { ...base, tier: 'Middle' }, 'spec.tier', 'tier must be Admin or Baseline'],
    ['bad priority', { ...base, priority: 1001 }, 'spec.priority', 'priority must be a whole number from 0 to 1000'],
    ['subject not a mapping', { ...base, subject: 'all' }, 'spec.subject', 'subject must be a mapping with namespaces or pods'],
    ['subject with both', { ...base, subject: { namespaces: {}, pods: { podSelector: {} } } }, 'spec.subject', 'subject must set exactly one of namespaces or pods'],
    ['pods without podSelector', { ...base, subject: { pods: { namespaceSelector: {} } } }, 'spec.subject.pods.podSelector', 'pods needs a podSelector'],
    ['bad action', { ...base, ingress: [{ action: 'Allow', from: [{ namespaces: {} }] }] }, 'spec.ingress[0].action', 'action must be Accept, Deny or Pass'],
    ['no peers', { ...base, ingress: [{ action: 'Deny', from: [] }] }, 'spec.ingress[0].from', 'a ClusterNetworkPolicy rule needs at least one peer in from'],
    ['two peer fields', { ...base, egress: [{ action: 'Deny', to: [{ namespaces: {}, networks: ['10.0.0.0/8'] }] }] }, 'spec.egress[0].to[0]', 'a peer must set exactly one field'],
    ['bad network', { ...base, egress: [{ action: 'Deny', to: [{ networks: ['10.0.0.300/8'] }] }] }, 'spec.egress[0].to[0].networks[0]', 'not a valid CIDR'],
    ['empty domain name', { ...base, egress: [{ action: 'Accept', to: [{ domainNames: [''] }] }] }, 'spec.egress[0].to[0].domainNames[0]', 'a domain name must be a non-empty string'],
    ['empty protocols', { ...base, ingress: [{ action: 'Deny', from: [{ namespaces: {} }], protocols: [] }] }, 'spec.ingress[0].protocols', 'protocols, when set, must list at least one entry'],
    ['two protocols in one entry', { ...base, ingress: [{ action: 'Deny', from: [{ namespaces: {} }], protocols: [{ tcp: {}, udp: {} }] }] }, 'spec.ingress[0].protocols[0]', 'a protocol entry must set exactly one of tcp, udp, sctp or destinationNamedPort'],
    ['unknown protocol', { ...base, ingress: [{ action: 'Deny', from: [{ namespaces: {} }], protocols: [{ icmp: {} }] }] }, 'spec.ingress[0].protocols[0].icmp', 'unknown protocol entry'],
    ['bad port number', { ...base, ingress: [{ action: 'Deny', from: [{ namespaces: {} }], protocols: [{ tcp: { destinationPort: { number: 0 } } }] }] }, 'spec.ingress[0].protocols[0].tcp.destinationPort.number', 'a port must be a whole number from 1 to 65535'],
    ['bad range', { ...base, ingress: [{ action: 'Deny', from: [{ namespaces: {} }], protocols: [{ tcp: { destinationPort: { range: { start: 90, end: 80 } } } }] }] }, 'spec.ingress[0].protocols[0].tcp.destinationPort.range', 'a range needs whole-number start < end, from 1 to 65535'],
  ])('%s is a problem at its field', (_, spec, field, message) => {
    const p = thrown(() => decodeClusterNetworkPolicy(cnp(spec), new ProblemSet()), AnalysisInputError).problem;
    expect([p.object, p.field, p.message]).toEqual(['ClusterNetworkPolicy c', field, message]);
  });
});

describe('decodeAdminNetworkPolicy', () => {
  test('the port entry fields are the upstream ones (the standard channel has no namedPort; it is read when schemas are not checked)', () => {
    expect(ANP_PORT_FIELDS).toEqual(['portNumber', 'portRange']);
  });

  test('a well-formed policy is an Admin-tier policy with Allow read as accept', () => {
    const d = decodeAdminNetworkPolicy(anp({ priority: 3, subject: { namespaces: {} }, ingress: [{ action: 'Allow', from: [{ namespaces: {} }], ports: [{ portNumber: { port: 80 } }, { portRange: { protocol: 'UDP', start: 1, end: 2 } }, { namedPort: 'dns' }] }] }), new ProblemSet());
    expect(d).toMatchObject({ tier: 'admin', priority: 3 });
    expect(d.ingress[0]).toMatchObject({ action: 'allow', tierText: 'Admin tier, priority 3' });
    expect(d.ingress[0].ports.fixed.toString()).toBe(PortSet.of('TCP', 80).union(PortSet.of('UDP', 1, 2)).toString());
    expect(d.ingress[0].ports.named).toEqual([{ name: 'dns' }]);
  });

  test.each([
    ['Accept is not an action', { priority: 1, subject: { namespaces: {} }, ingress: [{ action: 'Accept', from: [{ namespaces: {} }] }] }, 'spec.ingress[0].action', 'action must be Allow, Deny or Pass'],
    ['two port kinds', { priority: 1, subject: { namespaces: {} }, ingress: [{ action: 'Deny', from: [{ namespaces: {} }], ports: [{ portNumber: { port: 1 }, namedPort: 'x' }] }] }, 'spec.ingress[0].ports[0]', 'a port entry must set exactly one of portNumber, portRange or namedPort'],
    ['unknown port entry', { priority: 1, subject: { namespaces: {} }, ingress: [{ action: 'Deny', from: [{ namespaces: {} }], ports: [{ portSet: {} }] }] }, 'spec.ingress[0].ports[0].portSet', 'unknown port entry'],
    ['bad port', { priority: 1, subject: { namespaces: {} }, ingress: [{ action: 'Deny', from: [{ namespaces: {} }], ports: [{ portNumber: { port: 'x' } }] }] }, 'spec.ingress[0].ports[0].portNumber.port', 'a port must be a whole number from 1 to 65535'],
    ['bad range', { priority: 1, subject: { namespaces: {} }, ingress: [{ action: 'Deny', from: [{ namespaces: {} }], ports: [{ portRange: { start: 9, end: 8 } }] }] }, 'spec.ingress[0].ports[0].portRange', 'a range needs whole-number start <= end, from 1 to 65535'],
  ])('%s is a problem at its field', (_, spec, field, message) => {
    const p = thrown(() => decodeAdminNetworkPolicy(anp(spec), new ProblemSet()), AnalysisInputError).problem;
    expect([p.object, p.field, p.message]).toEqual(['AdminNetworkPolicy a', field, message]);
  });
});

describe('decodeBaselineAdminNetworkPolicy', () => {
  test('a well-formed policy is a Baseline-tier policy of priority 0', () => {
    const d = decodeBaselineAdminNetworkPolicy(banp({ subject: { namespaces: {} }, egress: [{ action: 'Deny', to: [{ namespaces: {} }] }] }), new ProblemSet());
    expect(d).toMatchObject({ tier: 'baseline', priority: 0 });
    expect(d.egress[0]).toMatchObject({ action: 'deny', tierText: 'Baseline tier' });
  });

  test('Pass is not an action of the Baseline kind', () => {
    const p = thrown(() => decodeBaselineAdminNetworkPolicy(banp({ subject: { namespaces: {} }, egress: [{ action: 'Pass', to: [{ namespaces: {} }] }] }), new ProblemSet()), AnalysisInputError).problem;
    expect([p.field, p.message]).toEqual(['spec.egress[0].action', 'action must be Allow or Deny']);
  });
});
