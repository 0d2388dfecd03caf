/**
 * A field the upstream schema types differently is reported as a coded problem by the
 * schema check, never a crash of a decoder: random mutations of valid objects of every
 * decoded kind, loaded and simulated as a user's manifests are, end in an analysis or in a
 * BulkheadError, never in another error (a TypeError).
 */
import * as fc from 'fast-check';
import { BulkheadError } from '../../../lib/core/errors';
import { AnalysisInputError } from '../../../lib/analysis/errors';
import { Analysis } from '../../../lib/analysis/engine';
import { loadObjects } from '../../../lib/analysis/loader';
import { thrown } from '../../util/thrown';
import { deployment, namespace } from '../util';

const meta = (name: string, ns?: string) => (ns === undefined ? { name } : { name, namespace: ns });
const sel = { matchLabels: { app: 'api' } };

/** One valid object of each decoded kind. */
const VALID: Readonly<Record<string, unknown>> = {
  NetworkPolicy: {
    apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta('np', 'shop'),
    spec: { podSelector: sel, policyTypes: ['Ingress', 'Egress'], ingress: [{ from: [{ podSelector: {} }, { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }], ports: [{ port: 80 }, { protocol: 'UDP', port: 53, endPort: 54 }] }], egress: [{ to: [{ namespaceSelector: {} }] }] },
  },
  ClusterNetworkPolicy: {
    apiVersion: 'policy.networking.k8s.io/v1alpha2', kind: 'ClusterNetworkPolicy', metadata: meta('cnp'),
    spec: { tier: 'Admin', priority: 5, subject: { namespaces: {} }, ingress: [{ name: 'r', action: 'Accept', from: [{ pods: { namespaceSelector: {}, podSelector: sel } }], protocols: [{ tcp: { destinationPort: { number: 443 } } }, { udp: { destinationPort: { range: { start: 1, end: 9 } } } }] }], egress: [{ action: 'Deny', to: [{ networks: ['203.0.113.0/24'] }] }] },
  },
  AdminNetworkPolicy: {
    apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'AdminNetworkPolicy', metadata: meta('anp'),
    spec: { priority: 3, subject: { pods: { namespaceSelector: {}, podSelector: sel } }, ingress: [{ action: 'Allow', from: [{ namespaces: {} }], ports: [{ portNumber: { protocol: 'TCP', port: 80 } }, { portRange: { protocol: 'UDP', start: 1, end: 2 } }] }] },
  },
  BaselineAdminNetworkPolicy: {
    apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'BaselineAdminNetworkPolicy', metadata: meta('default'),
    spec: { subject: { namespaces: {} }, egress: [{ action: 'Deny', to: [{ networks: ['0.0.0.0/0'] }] }] },
  },
  CiliumNetworkPolicy: {
    apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: meta('cnp', 'shop'),
    spec: { endpointSelector: sel, ingress: [{ fromEndpoints: [{ matchLabels: { app: 'web' } }], toPorts: [{ ports: [{ port: '80', protocol: 'TCP' }], rules: { http: [{ method: 'GET', path: '/.*' }] } }] }], egress: [{ toFQDNs: [{ matchName: 'api.example.com' }], toPorts: [{ ports: [{ port: '443' }] }] }, { toCIDRSet: [{ cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] }] }] },
  },
  CiliumClusterwideNetworkPolicy: {
    apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: meta('ccnp'),
    specs: [{ endpointSelector: {}, enableDefaultDeny: { egress: false }, egress: [{ toEntities: ['world'] }] }],
  },
  AuthorizationPolicy: {
    apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: meta('authz', 'shop'),
    spec: { selector: sel, action: 'ALLOW', rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/web'], ipBlocks: ['10.0.0.0/8'] } }], to: [{ operation: { ports: ['8080'], methods: ['GET'] } }], when: [{ key: 'source.ip', values: ['10.0.0.0/8'] }] }] },
  },
  PeerAuthentication: {
    apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: meta('pa', 'shop'),
    spec: { selector: sel, mtls: { mode: 'STRICT' }, portLevelMtls: { 8080: { mode: 'PERMISSIVE' } } },
  },
  Sidecar: {
    apiVersion: 'networking.istio.io/v1', kind: 'Sidecar', metadata: meta('default', 'shop'),
    spec: { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' }, egress: [{ hosts: ['./*', 'istio-system/*'] }] },
  },
  ServiceEntry: {
    apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: meta('ext', 'shop'),
    spec: { hosts: ['api.example.com'], addresses: ['203.0.113.0/24'], ports: [{ number: 443, name: 'https', protocol: 'TLS' }], endpoints: [{ address: '203.0.113.10' }], exportTo: ['.'] },
  },
  SecurityGroup: {
    apiVersion: 'ec2.aws.upbound.io/v1beta1', kind: 'SecurityGroup',
    metadata: { name: 'erp', annotations: { 'bulkhead.io/account': '111122223333', 'bulkhead.io/vpc': 'vpc-0a1', 'bulkhead.io/vpc-cidrs': '10.0.0.0/16', 'bulkhead.io/members': 'cloud:prod/erp', 'bulkhead.io/member-cidrs': '10.0.1.0/24' } },
    spec: { forProvider: { region: 'eu-west-1', name: 'erp', vpcId: 'vpc-0a1' }, providerConfigRef: { name: 'bulkhead-aws-111122223333' } },
  },
  SecurityGroupEgressRule: {
    apiVersion: 'ec2.aws.upbound.io/v1beta1', kind: 'SecurityGroupEgressRule', metadata: meta('erp-out'),
    spec: { forProvider: { region: 'eu-west-1', securityGroupIdRef: { name: 'erp' }, ipProtocol: 'tcp', fromPort: 443, toPort: 443, prefixListIdRef: { name: 'partners' } } },
  },
  SecurityGroupIngressRule: {
    apiVersion: 'ec2.aws.upbound.io/v1beta1', kind: 'SecurityGroupIngressRule', metadata: meta('erp-in'),
    spec: { forProvider: { region: 'eu-west-1', securityGroupIdRef: { name: 'erp' }, ipProtocol: 'udp', fromPort: 53, toPort: 53, cidrIpv4: '10.0.0.0/16' } },
  },
  ManagedPrefixList: {
    apiVersion: 'ec2.aws.upbound.io/v1beta1', kind: 'ManagedPrefixList', metadata: meta('partners'),
    spec: { forProvider: { region: 'eu-west-1', name: 'partners', addressFamily: 'IPv4', maxEntries: 5, entry: [{ cidr: '198.51.100.0/24' }] } },
  },
  ManagedPrefixListEntry: {
    apiVersion: 'ec2.aws.upbound.io/v1beta1', kind: 'ManagedPrefixListEntry', metadata: meta('partners-2'),
    spec: { forProvider: { region: 'eu-west-1', prefixListIdRef: { name: 'partners' }, cidr: '192.0.2.0/24' } },
  },
};

const WORKLOADS = [namespace('shop'), deployment('shop', 'api', { app: 'api' }, [[8080, 'http']]), deployment('shop', 'web', { app: 'web' }, [[80]])];

const AWS_KINDS = Object.keys(VALID).filter((k) => (VALID[k] as { apiVersion: string }).apiVersion.startsWith('ec2.aws.upbound.io/'));

/** The objects a kind's object is analysed with: the workloads, and the other objects of the aws layer that its references name. */
function around(kind: string): unknown[] {
  return [...WORKLOADS, ...(AWS_KINDS.includes(kind) ? AWS_KINDS.filter((k) => k !== kind).map((k) => VALID[k]) : [])];
}

/** The analysis of the objects, with every connection computed. */
function analyse(objects: readonly unknown[]): void {
  Analysis.of(loadObjects(objects, 'test')).connectivity();
}

/** The paths of every value of an object (fields and list items), below `spec`/`specs`. */
function paths(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = at.length > 0 ? [at] : [];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...at, i])));
  else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) if (at.length > 0 || k === 'spec' || k === 'specs' || k === 'metadata') out.push(...paths(x, [...at, k]));
  return out;
}

function setAt(v: unknown, path: readonly (string | number)[], value: unknown, remove: boolean): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (Array.isArray(v)) {
    const copy = [...v];
    if (remove && rest.length === 0) copy.splice(head as number, 1);
    else copy[head as number] = setAt(copy[head as number], rest, value, remove);
    return copy;
  }
  const copy = { ...(v as Record<string, unknown>) };
  if (remove && rest.length === 0) delete copy[head as string];
  else copy[head as string] = setAt(copy[head as string], rest, value, remove);
  return copy;
}

const leaf = fc.oneof(fc.constant(null), fc.boolean(), fc.integer({ min: -2, max: 70000 }), fc.double(), fc.constantFrom('', 'x', '80', '10.0.0.0/8', 'TCP', '*'));
const replacement = fc.oneof(leaf, fc.array(leaf, { maxLength: 2 }), fc.dictionary(fc.constantFrom('a', 'port', 'cidr', 'name'), leaf, { maxKeys: 2 }), fc.constant({}), fc.constant([]));

function codedOrFine(run: () => void): void {
  try {
    run();
  } catch (e) {
    if (!(e instanceof BulkheadError)) throw e;
  }
}

describe('mutated objects of the decoded kinds', () => {
  test('the valid objects are analysed without a problem', () => {
    for (const [kind, o] of Object.entries(VALID)) expect([kind, (() => { analyse([...around(kind), o]); return 'ok'; })()]).toEqual([kind, 'ok']);
    analyse([...WORKLOADS, ...Object.values(VALID)]);
  });

  test.each(Object.keys(VALID))('a %s with any value replaced, removed or added gets coded problems only', (kind) => {
    const valid = VALID[kind];
    const all = paths(valid);
    const mutation = fc.record({ path: fc.constantFrom(...all), value: replacement, remove: fc.boolean(), extra: fc.option(fc.constantFrom('ingres', 'port', 'x')) });
    fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (ms) => {
      let o = valid;
      for (const m of ms) {
        o = setAt(o, m.path, m.value, m.remove);
        if (m.extra !== null && typeof m.value === 'object' && m.value !== null && !Array.isArray(m.value)) o = setAt(o, [...m.path, m.extra], 1, false);
      }
      codedOrFine(() => analyse([...around(kind), o]));
      codedOrFine(() => Analysis.of(loadObjects([...around(kind), o], 'test', { checkSchemas: false })).connectivity());
    }), { numRuns: 150 });
  }, 120_000);

  test.each([
    ['NetworkPolicy', ['spec', 'ingress'], {}, 'spec.ingress', 'this field must be a list'],
    ['NetworkPolicy', ['spec', 'ingress', 0, 'ports', 0, 'endPort'], '90', 'spec.ingress[0].ports[0].endPort', 'endPort must be a whole number, from port to 65535'],
    ['ClusterNetworkPolicy', ['spec', 'ingress', 0, 'protocols', 0, 'tcp', 'destinationPort'], 443, 'spec.ingress[0].protocols[0].tcp.destinationPort', 'destinationPort must be a mapping with number or range'],
    ['AdminNetworkPolicy', ['spec', 'ingress', 0, 'ports', 1, 'portRange', 'start'], '1', 'spec.ingress[0].ports[1].portRange.start', 'a range needs whole-number start <= end, from 1 to 65535'],
    ['CiliumNetworkPolicy', ['spec', 'ingress', 0, 'toPorts', 0, 'ports', 0, 'port'], 80, 'spec.ingress[0].toPorts[0].ports[0].port', 'must be a string: a port number (0 to 65535) or a port name, quoted'],
    ['CiliumClusterwideNetworkPolicy', ['specs', 0, 'enableDefaultDeny', 'egress'], 'false', 'specs[0].enableDefaultDeny.egress', 'must be true or false'],
    ['AuthorizationPolicy', ['spec', 'rules', 0, 'to', 0, 'operation', 'ports', 0], 8080, 'spec.rules[0].to[0].operation.ports[0]', 'must be a string: a port number, quoted'],
    ['PeerAuthentication', ['spec', 'portLevelMtls', '8080'], 'DISABLE', 'spec.portLevelMtls.8080', 'must be a mapping'],
    ['Sidecar', ['spec', 'egress', 0, 'hosts'], './*', 'spec.egress[0].hosts', 'must be a list'],
    ['ServiceEntry', ['spec', 'ports', 0, 'number'], '443', 'spec.ports[0].number', 'is not a port number (0 to 65535)'],
  ])('a %s field of another type than its schema says is a coded problem at %j', (kind, path, value, field, message) => {
    const o = setAt(VALID[kind], path, value, false);
    const e = thrown(() => analyse([...WORKLOADS, o]), AnalysisInputError);
    expect(e.problem).toMatchObject({ field, message });
    expect(e.problems[0].code).toBe('BH-IN-FIELD');
  });

  test('a label value that is a mapping without a prototype is a coded problem, in every selector', () => {
    const bare = Object.create(null) as Record<string, unknown>;
    for (const [kind, path] of [['NetworkPolicy', ['spec', 'podSelector', 'matchLabels', 'app']], ['AuthorizationPolicy', ['spec', 'selector', 'matchLabels', 'app']], ['PeerAuthentication', ['spec', 'selector', 'matchLabels', 'app']]] as const) {
      const e = thrown(() => analyse([...WORKLOADS, setAt(VALID[kind], path, bare, false)]), AnalysisInputError);
      expect(e.problem.message).toBe('a label value must be a string');
    }
    const e = thrown(() => analyse([namespace('shop', { app: bare as unknown as string })]), AnalysisInputError);
    expect(e.problem.message).toBe('a label value must be a string');
  });

  test('a Crossplane field of another type is a coded problem of the aws layer', () => {
    const o = setAt(VALID.SecurityGroupEgressRule, ['spec', 'forProvider', 'fromPort'], '443', false);
    const e = thrown(() => analyse([...around('SecurityGroupEgressRule'), o]), BulkheadError);
    expect(e.problems.map((p) => [p.code, p.message])).toContainEqual(['BH-AN-AWS-FIELD', 'must be a number']);
  });
});
