import { readFileSync } from 'fs';
import { join } from 'path';
import * as fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { AnalysisInputError } from '../../lib/analysis/errors';
import { L4Protocol } from '../../lib/analysis/portset';
import { CiliumSimulatorOptions, createCiliumSimulator } from '../../lib/analysis/simulators/cilium';
import { Connection, Endpoint, LayerVerdict } from '../../lib/analysis/types';
import { context, external, workload } from './simulator-fixtures';

const web = workload('shop', 'web', { ports: [[8080, 'http']], namespaceLabels: { team: 'shop' } });
const api = workload('shop', 'api', { ports: [[8080, 'http'], [9090, 'metrics']], namespaceLabels: { team: 'shop' } });
const db = workload('shop', 'db', { ports: [[5432, 'pg']], namespaceLabels: { team: 'shop' } });
const client = workload('other', 'client', { namespaceLabels: { team: 'shop' } });
const webOther = workload('other', 'web', { namespaceLabels: { team: 'shop' } });
const dns = workload('kube-system', 'coredns', { labels: { 'k8s-app': 'kube-dns' }, ports: [[53, 'dns', 'UDP'], [53, 'dns-tcp', 'TCP']] });
const all = [web, api, db, client, webOther, dns];
const ctx = context(all, { resolve: { 'api.stripe.com': ['198.51.100.10'], 'stripe.com': ['198.51.100.20'] } });

const stripeIp = external('198.51.100.10');
const stripeApex = external('198.51.100.20');
const world = external('203.0.113.9');

function cnp(ns: string, name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name, namespace: ns }, spec };
}
function ccnp(name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: { name }, spec };
}
function tcp(port: number, extra: Partial<Connection> = {}): Connection {
  return { protocol: 'TCP', port, ...extra };
}
function http(method: string, path: string, port = 8080): Connection {
  return { protocol: 'TCP', port, http: { method, path, host: 'api.shop' } };
}
/** The deciding reason: the last one that is not a default allow of the other side (or the last). */
function decided(v: LayerVerdict): { policy: string; rule?: string; effect: string } {
  const deciding = v.reasons.filter((r) => r.effect !== 'default-allow');
  const last = deciding.length > 0 ? deciding[deciding.length - 1] : v.reasons[v.reasons.length - 1];
  return { policy: last.policy, rule: last.rule, effect: last.effect };
}
const sel = (labels: Record<string, string>): Record<string, unknown> => ({ matchLabels: labels });
const ports = (...ps: (string | [string, string])[]): Record<string, unknown>[] => [{ ports: ps.map((p) => (typeof p === 'string' ? { port: p, protocol: 'TCP' } : { port: p[0], protocol: p[1] })) }];

const apiFromWeb = cnp('shop', 'api-from-web', { endpointSelector: sel({ app: 'api' }), ingress: [{ fromEndpoints: [sel({ app: 'web' })] }] });
const l7 = cnp('shop', 'l7', {
  endpointSelector: sel({ app: 'api' }),
  ingress: [{ fromEndpoints: [sel({ app: 'web' })], toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }], rules: { http: [{ method: 'GET', path: '/public' }] } }] }],
});
const dnsVisibility = ccnp('dns', {
  endpointSelector: {},
  enableDefaultDeny: { egress: false },
  egress: [{ toEndpoints: [sel({ 'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s:k8s-app': 'kube-dns' })], toPorts: [{ ports: [{ port: '53', protocol: 'ANY' }], rules: { dns: [{ matchPattern: '*' }] } }] }],
});
const dnsRestricted = cnp('shop', 'dns', {
  endpointSelector: {},
  egress: [{ toEndpoints: [sel({ 'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s:k8s-app': 'kube-dns' })], toPorts: [{ ports: [{ port: '53', protocol: 'ANY' }], rules: { dns: [{ matchPattern: '*.cluster.local' }] } }] }],
});
const fqdn = cnp('shop', 'stripe', { endpointSelector: sel({ app: 'web' }), egress: [{ toFQDNs: [{ matchName: 'api.stripe.com' }], toPorts: ports('443') }] });

interface Case {
  readonly name: string;
  readonly objects: readonly unknown[];
  readonly src: Endpoint;
  readonly dst: Endpoint;
  readonly conn: Connection;
  readonly allowed: boolean;
  readonly policy: string;
  readonly rule?: string;
  readonly effect: string;
  readonly l7?: boolean;
  readonly options?: CiliumSimulatorOptions;
}

const cases: Case[] = [
  {
    name: 'no policy: allowed', objects: [], src: web, dst: api, conn: tcp(8080),
    allowed: true, policy: 'Cilium default', effect: 'default-allow',
  },
  {
    name: 'L3 ingress: web may reach api', objects: [apiFromWeb], src: web, dst: api, conn: tcp(9090),
    allowed: true, policy: 'CiliumNetworkPolicy shop/api-from-web', rule: 'spec.ingress[0]', effect: 'allow',
  },
  {
    name: 'L3 ingress: another pod of the namespace is denied by default deny', objects: [apiFromWeb], src: db, dst: api, conn: tcp(8080),
    allowed: false, policy: 'CiliumNetworkPolicy shop/api-from-web', rule: 'spec.ingress', effect: 'default-deny',
  },
  {
    name: 'a CNP peer selector without namespace is limited to the policy namespace', objects: [apiFromWeb], src: webOther, dst: api, conn: tcp(8080),
    allowed: false, policy: 'CiliumNetworkPolicy shop/api-from-web', rule: 'spec.ingress', effect: 'default-deny',
  },
  {
    name: 'a peer selector naming the namespace reaches across', src: client, dst: api, conn: tcp(8080),
    objects: [cnp('shop', 'x', { endpointSelector: sel({ app: 'api' }), ingress: [{ fromEndpoints: [sel({ 'k8s:io.kubernetes.pod.namespace': 'other' })] }] })],
    allowed: true, policy: 'CiliumNetworkPolicy shop/x', rule: 'spec.ingress[0]', effect: 'allow',
  },
  {
    name: 'namespace labels do not lift the namespace limit of a CNP', src: client, dst: api, conn: tcp(8080),
    objects: [cnp('shop', 'team', { endpointSelector: sel({ app: 'api' }), ingress: [{ fromEndpoints: [sel({ 'k8s:io.cilium.k8s.namespace.labels.team': 'shop' })] }] })],
    allowed: false, policy: 'CiliumNetworkPolicy shop/team', rule: 'spec.ingress', effect: 'default-deny',
  },
  {
    name: 'namespace labels in a CCNP select across namespaces', src: client, dst: api, conn: tcp(8080),
    objects: [ccnp('team', { endpointSelector: sel({ app: 'api' }), ingress: [{ fromEndpoints: [sel({ 'k8s:io.cilium.k8s.namespace.labels.team': 'shop' })] }] })],
    allowed: true, policy: 'CiliumClusterwideNetworkPolicy team', rule: 'spec.ingress[0]', effect: 'allow',
  },
  {
    name: 'fromEndpoints: [{}] in a CNP is the namespace only', src: client, dst: api, conn: tcp(8080),
    objects: [cnp('shop', 'ns', { endpointSelector: {}, ingress: [{ fromEndpoints: [{}] }] })],
    allowed: false, policy: 'CiliumNetworkPolicy shop/ns', rule: 'spec.ingress', effect: 'default-deny',
  },
  {
    name: 'fromEndpoints: [{}] in a CCNP is every workload, not the world', src: world, dst: api, conn: tcp(8080),
    objects: [ccnp('pods', { endpointSelector: {}, ingress: [{ fromEndpoints: [{}] }] })],
    allowed: false, policy: 'CiliumClusterwideNetworkPolicy pods', rule: 'spec.ingress', effect: 'default-deny',
  },
  {
    name: 'L4: the listed port is allowed', src: web, dst: api, conn: tcp(8080),
    objects: [cnp('shop', 'l4', { endpointSelector: sel({ app: 'api' }), ingress: [{ fromEndpoints: [sel({ app: 'web' })], toPorts: ports('8080') }] })],
    allowed: true, policy: 'CiliumNetworkPolicy shop/l4', rule: 'spec.ingress[0]', effect: 'allow',
  },
  {
    name: 'L4: another port is denied', src: web, dst: api, conn: tcp(9090),
    objects: [cnp('shop', 'l4', { endpointSelector: sel({ app: 'api' }), ingress: [{ fromEndpoints: [sel({ app: 'web' })], toPorts: ports('8080') }] })],
    allowed: false, policy: 'CiliumNetworkPolicy shop/l4', rule: 'spec.ingress', effect: 'default-deny',
  },
  {
    name: 'L4: a port range with endPort', src: web, dst: api, conn: tcp(8444),
    objects: [cnp('shop', 'range', { endpointSelector: sel({ app: 'api' }), ingress: [{ toPorts: [{ ports: [{ port: '8080', endPort: 8444, protocol: 'TCP' }] }] }] })],
    allowed: true, policy: 'CiliumNetworkPolicy shop/range', rule: 'spec.ingress[0]', effect: 'allow',
  },
  {
    name: 'L4: a named port resolves on the destination', src: web, dst: api, conn: tcp(9090),
    objects: [cnp('shop', 'named', { endpointSelector: sel({ app: 'api' }), ingress: [{ fromEndpoints: [sel({ app: 'web' })], toPorts: ports('metrics') }] })],
    allowed: true, policy: 'CiliumNetworkPolicy shop/named', rule: 'spec.ingress[0]', effect: 'allow',
  },
  {
    name: 'L4: protocol ANY covers UDP', src: web, dst: api, conn: { protocol: 'UDP', port: 8080 },
    objects: [cnp('shop', 'any', { endpointSelector: sel({ app: 'api' }), ingress: [{ toPorts: [{ ports: [{ port: '8080' }] }] }] })],
    allowed: true, policy: 'CiliumNetworkPolicy shop/any', rule: 'spec.ingress[0]', effect: 'allow',
  },
  {
    name: 'L7 (doc example): GET /public is allowed', objects: [l7], src: web, dst: api, conn: http('GET', '/public'),
    allowed: true, policy: 'CiliumNetworkPolicy shop/l7', rule: 'spec.ingress[0]', effect: 'allow',
  },
  {
    name: 'L7: GET /private is denied', objects: [l7], src: web, dst: api, conn: http('GET', '/private'),
    allowed: false, policy: 'CiliumNetworkPolicy shop/l7', rule: 'spec.ingress', effect: 'default-deny',
  },
  {
    name: 'L7: POST /public is denied', objects: [l7], src: web, dst: api, conn: http('POST', '/public'),
    allowed: false, policy: 'CiliumNetworkPolicy shop/l7', rule: 'spec.ingress', effect: 'default-deny',
  },
  {
    name: 'L7: the path regex must match the whole path (query string included)', objects: [l7], src: web, dst: api, conn: http('GET', '/public?x=1'),
    allowed: false, policy: 'CiliumNetworkPolicy shop/l7', rule: 'spec.ingress', effect: 'default-deny',
  },
  {
    name: 'L7 without an HTTP request: allowed, l7Restricted', objects: [l7], src: web, dst: api, conn: tcp(8080),
    allowed: true, policy: 'CiliumNetworkPolicy shop/l7', rule: 'spec.ingress[0]', effect: 'allow', l7: true,
  },
  {
    name: 'L7 plus an L4-only rule on the same port allows every request', src: web, dst: api, conn: http('DELETE', '/x'),
    objects: [l7, cnp('shop', 'l4', { endpointSelector: sel({ app: 'api' }), ingress: [{ fromEndpoints: [sel({ app: 'web' })], toPorts: ports('8080') }] })],
    allowed: true, policy: 'CiliumNetworkPolicy shop/l4', rule: 'spec.ingress[0]', effect: 'allow',
  },
  {
    name: 'ingress: [{}] is default deny that allows nothing', src: web, dst: api, conn: tcp(8080),
    objects: [cnp('shop', 'deny-all', { endpointSelector: sel({ app: 'api' }), ingress: [{}] })],
    allowed: false, policy: 'CiliumNetworkPolicy shop/deny-all', rule: 'spec.ingress', effect: 'default-deny',
  },
  {
    name: 'ingress: [] does not isolate', src: web, dst: api, conn: tcp(8080),
    objects: [cnp('shop', 'empty', { endpointSelector: sel({ app: 'api' }), ingress: [] })],
    allowed: true, policy: 'Cilium default', effect: 'default-allow',
  },
  {
    name: 'enableDefaultDeny.ingress: false keeps the endpoint open', src: db, dst: api, conn: tcp(8080),
    objects: [cnp('shop', 'soft', { endpointSelector: sel({ app: 'api' }), enableDefaultDeny: { ingress: false }, ingress: [{ fromEndpoints: [sel({ app: 'web' })] }] })],
    allowed: true, policy: 'CiliumNetworkPolicy shop/soft', rule: 'spec.enableDefaultDeny.ingress', effect: 'default-allow',
  },
  {
    name: 'deny takes precedence over allow', src: web, dst: api, conn: tcp(8080),
    objects: [cnp('shop', 'mix', { endpointSelector: sel({ app: 'api' }), ingress: [{ fromEndpoints: [{}] }], ingressDeny: [{ fromEndpoints: [sel({ app: 'web' })] }] })],
    allowed: false, policy: 'CiliumNetworkPolicy shop/mix', rule: 'spec.ingressDeny[0]', effect: 'deny',
  },
  {
    name: 'a deny rule scoped to a port leaves the others', src: web, dst: api, conn: tcp(8080),
    objects: [cnp('shop', 'mix', { endpointSelector: sel({ app: 'api' }), ingress: [{ fromEndpoints: [{}] }], ingressDeny: [{ fromEndpoints: [{}], toPorts: ports('9090') }] })],
    allowed: true, policy: 'CiliumNetworkPolicy shop/mix', rule: 'spec.ingress[0]', effect: 'allow',
  },
  {
    name: 'egressDeny to IMDS with enableDefaultDeny.egress: false denies IMDS only', src: web, dst: external('169.254.169.254'), conn: tcp(80),
    objects: [ccnp('imds', { endpointSelector: {}, enableDefaultDeny: { egress: false }, egressDeny: [{ toCIDR: ['169.254.169.254/32'] }] })],
    allowed: false, policy: 'CiliumClusterwideNetworkPolicy imds', rule: 'spec.egressDeny[0]', effect: 'deny',
  },
  {
    name: 'egressDeny to IMDS leaves the rest of the world', src: web, dst: world, conn: tcp(443),
    objects: [ccnp('imds', { endpointSelector: {}, enableDefaultDeny: { egress: false }, egressDeny: [{ toCIDR: ['169.254.169.254/32'] }] })],
    allowed: true, policy: 'CiliumClusterwideNetworkPolicy imds', rule: 'spec.enableDefaultDeny.egress', effect: 'default-allow',
  },
  {
    name: 'fromEntities world admits an external client', src: world, dst: web, conn: tcp(8080),
    objects: [cnp('shop', 'public', { endpointSelector: sel({ app: 'web' }), ingress: [{ fromEntities: ['world'] }] })],
    allowed: true, policy: 'CiliumNetworkPolicy shop/public', rule: 'spec.ingress[0]', effect: 'allow',
  },
  {
    name: 'fromEntities world does not admit a workload', src: db, dst: web, conn: tcp(8080),
    objects: [cnp('shop', 'public', { endpointSelector: sel({ app: 'web' }), ingress: [{ fromEntities: ['world'] }] })],
    allowed: false, policy: 'CiliumNetworkPolicy shop/public', rule: 'spec.ingress', effect: 'default-deny',
  },
  {
    name: 'fromEntities cluster admits every workload', src: client, dst: web, conn: tcp(8080),
    objects: [cnp('shop', 'cluster', { endpointSelector: sel({ app: 'web' }), ingress: [{ fromEntities: ['cluster'] }] })],
    allowed: true, policy: 'CiliumNetworkPolicy shop/cluster', rule: 'spec.ingress[0]', effect: 'allow',
  },
  {
    name: 'toCIDRSet except (doc example): inside the set', src: api, dst: external('10.1.0.0/16'), conn: tcp(80),
    objects: [cnp('shop', 'cidr', { endpointSelector: sel({ app: 'api' }), egress: [{ toCIDR: ['20.1.1.1/32'] }, { toCIDRSet: [{ cidr: '10.0.0.0/8', except: ['10.96.0.0/12'] }] }] })],
    allowed: true, policy: 'CiliumNetworkPolicy shop/cidr', rule: 'spec.egress[1]', effect: 'allow',
  },
  {
    name: 'toCIDRSet except (doc example): the excepted block', src: api, dst: external('10.96.0.1'), conn: tcp(80),
    objects: [cnp('shop', 'cidr', { endpointSelector: sel({ app: 'api' }), egress: [{ toCIDR: ['20.1.1.1/32'] }, { toCIDRSet: [{ cidr: '10.0.0.0/8', except: ['10.96.0.0/12'] }] }] })],
    allowed: false, policy: 'CiliumNetworkPolicy shop/cidr', rule: 'spec.egress', effect: 'default-deny',
  },
  {
    name: 'toFQDNs with DNS visibility reaches the resolved address', objects: [dnsVisibility, fqdn], src: web, dst: stripeIp, conn: tcp(443),
    allowed: true, policy: 'CiliumNetworkPolicy shop/stripe', rule: 'spec.egress[0]', effect: 'allow',
  },
  {
    name: 'toFQDNs without a DNS rule selects nothing', objects: [fqdn], src: web, dst: stripeIp, conn: tcp(443),
    allowed: false, policy: 'CiliumNetworkPolicy shop/stripe', rule: 'spec.egress', effect: 'default-deny',
  },
  {
    name: 'toFQDNs without a DNS rule, visibility not required', objects: [fqdn], src: web, dst: stripeIp, conn: tcp(443), options: { requireDnsVisibility: false },
    allowed: true, policy: 'CiliumNetworkPolicy shop/stripe', rule: 'spec.egress[0]', effect: 'allow',
  },
  {
    name: 'toFQDNs matchPattern *.stripe.com does not cover stripe.com', src: web, dst: stripeApex, conn: tcp(443),
    objects: [dnsVisibility, cnp('shop', 'stripe', { endpointSelector: sel({ app: 'web' }), egress: [{ toFQDNs: [{ matchPattern: '*.stripe.com' }], toPorts: ports('443') }] })],
    allowed: false, policy: 'CiliumNetworkPolicy shop/stripe', rule: 'spec.egress', effect: 'default-deny',
  },
  {
    name: 'DNS L7 rule: allowed at L4, l7Restricted', objects: [dnsRestricted], src: web, dst: dns, conn: { protocol: 'UDP', port: 53 },
    allowed: true, policy: 'CiliumNetworkPolicy shop/dns', rule: 'spec.egress[0]', effect: 'allow', l7: true,
  },
  {
    name: 'L7 rules apply even without default deny', objects: [cnp('shop', 'soft-l7', { ...(l7.spec as Record<string, unknown>), enableDefaultDeny: { ingress: false } })], src: web, dst: api, conn: http('POST', '/public'),
    allowed: false, policy: 'CiliumNetworkPolicy shop/soft-l7', rule: 'spec.ingress[0]', effect: 'deny',
  },
  {
    name: 'without default deny, traffic no rule covers is allowed', objects: [cnp('shop', 'soft-l7', { ...(l7.spec as Record<string, unknown>), enableDefaultDeny: { ingress: false } })], src: web, dst: api, conn: tcp(9090),
    allowed: true, policy: 'CiliumNetworkPolicy shop/soft-l7', rule: 'spec.enableDefaultDeny.ingress', effect: 'default-allow',
  },
  {
    name: 'egress isolation at the source: web may only reach api', src: web, dst: db, conn: tcp(5432),
    objects: [cnp('shop', 'web-out', { endpointSelector: sel({ app: 'web' }), egress: [{ toEndpoints: [sel({ app: 'api' })] }] })],
    allowed: false, policy: 'CiliumNetworkPolicy shop/web-out', rule: 'spec.egress', effect: 'default-deny',
  },
  {
    name: 'specs[] rules are named by their index', src: web, dst: api, conn: tcp(8080),
    objects: [{ ...cnp('shop', 'multi', {}), spec: undefined, specs: [{ endpointSelector: sel({ app: 'db' }), ingress: [{}] }, { endpointSelector: sel({ app: 'api' }), ingress: [{ fromEndpoints: [sel({ app: 'web' })] }] }] }],
    allowed: true, policy: 'CiliumNetworkPolicy shop/multi', rule: 'specs[1].ingress[0]', effect: 'allow',
  },
  {
    name: 'an ICMP-only rule allows no TCP', src: web, dst: api, conn: tcp(8080),
    objects: [cnp('shop', 'icmp', { endpointSelector: sel({ app: 'api' }), ingress: [{ fromEndpoints: [{}], icmps: [{ fields: [{ type: 8 }] }] }] })],
    allowed: false, policy: 'CiliumNetworkPolicy shop/icmp', rule: 'spec.ingress', effect: 'default-deny',
  },
  {
    name: 'mutual authentication is not possible with the world', src: world, dst: web, conn: tcp(8080),
    objects: [cnp('shop', 'auth', { endpointSelector: sel({ app: 'web' }), ingress: [{ fromEntities: ['all'], authentication: { mode: 'required' } }] })],
    allowed: false, policy: 'CiliumNetworkPolicy shop/auth', rule: 'spec.ingress', effect: 'default-deny',
  },
  {
    name: 'an explicitly empty peer list selects nothing, even with ports', src: web, dst: api, conn: tcp(8080),
    objects: [cnp('shop', 'none', { endpointSelector: sel({ app: 'api' }), ingress: [{ fromEntities: [], toPorts: ports('8080') }] })],
    allowed: false, policy: 'CiliumNetworkPolicy shop/none', rule: 'spec.ingress', effect: 'default-deny',
  },
  {
    name: 'a toPorts-only rule admits every peer, the world included', src: world, dst: api, conn: tcp(8080),
    objects: [cnp('shop', 'port-only', { endpointSelector: sel({ app: 'api' }), ingress: [{ toPorts: ports('8080') }] })],
    allowed: true, policy: 'CiliumNetworkPolicy shop/port-only', rule: 'spec.ingress[0]', effect: 'allow',
  },
];

describe('Cilium simulator: table', () => {
  test.each(cases)('$name', (c) => {
    const sim = createCiliumSimulator(c.objects, ctx, c.options);
    const v = sim.explain(c.src, c.dst, c.conn);
    expect(v.layer).toBe('cilium');
    expect(v.allowed).toBe(c.allowed);
    expect(decided(v)).toEqual(c.rule === undefined ? { policy: c.policy, effect: c.effect, rule: undefined } : { policy: c.policy, rule: c.rule, effect: c.effect });
    expect(v.l7Restricted === true).toBe(c.l7 === true);
  });
});

describe('Cilium simulator: details', () => {
  test('present only with Cilium policies', () => {
    expect(createCiliumSimulator([{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' } }], ctx).present).toBe(false);
    expect(createCiliumSimulator([apiFromWeb], ctx).present).toBe(true);
  });

  test('a connection needs egress at the source and ingress at the destination', () => {
    const objects = [
      cnp('shop', 'web-out', { endpointSelector: sel({ app: 'web' }), egress: [{ toEndpoints: [sel({ app: 'api' })] }] }),
      apiFromWeb,
    ];
    const v = createCiliumSimulator(objects, ctx).explain(web, api, tcp(8080));
    expect(v.allowed).toBe(true);
    expect(v.reasons.map((r) => [r.policy, r.rule])).toEqual([['CiliumNetworkPolicy shop/web-out', 'spec.egress[0]'], ['CiliumNetworkPolicy shop/api-from-web', 'spec.ingress[0]']]);
  });

  test('the endpointSelector of a CNP applies in its namespace only', () => {
    const sim = createCiliumSimulator([cnp('shop', 'all-web', { endpointSelector: sel({ app: 'web' }), ingress: [{}] })], ctx);
    expect(sim.explain(client, webOther, tcp(80)).allowed).toBe(true);
    expect(sim.explain(client, web, tcp(80)).allowed).toBe(false);
  });

  test('k8s: prefixed keys select like plain keys', () => {
    const sim = createCiliumSimulator([cnp('shop', 'k8s', { endpointSelector: sel({ 'k8s:app': 'api' }), ingress: [{ fromEndpoints: [{ matchExpressions: [{ key: 'k8s:app', operator: 'In', values: ['web'] }] }] }] })], ctx);
    expect(sim.explain(web, api, tcp(8080)).allowed).toBe(true);
    expect(sim.explain(db, api, tcp(8080)).allowed).toBe(false);
  });

  test('service account labels select peers', () => {
    const sim = createCiliumSimulator([cnp('shop', 'sa', { endpointSelector: sel({ app: 'api' }), ingress: [{ fromEndpoints: [sel({ 'io.cilium.k8s.policy.serviceaccount': 'web' })] }] })], ctx);
    expect(sim.explain(web, api, tcp(8080)).allowed).toBe(true);
  });

  test('the missing DNS visibility is a decision the reasons expose', () => {
    const v = createCiliumSimulator([fqdn], ctx).explain(web, stripeIp, tcp(443));
    expect(v.reasons[0].detail).toMatch(/default deny/);
  });

  test('authentication required is reported between workloads', () => {
    const v = createCiliumSimulator([cnp('shop', 'auth', { endpointSelector: sel({ app: 'web' }), ingress: [{ fromEndpoints: [{}], authentication: { mode: 'required' } }] })], ctx)
      .explain(api, web, tcp(8080, { plaintext: true }));
    expect(v.allowed).toBe(true);
    expect(v.reasons.find((r) => r.policy === 'CiliumNetworkPolicy shop/auth')?.detail).toMatch(/mutual authentication/);
  });

  test('entities the analysis cannot see are reported', () => {
    const sim = createCiliumSimulator([cnp('shop', 'host', { endpointSelector: sel({ app: 'web' }), ingress: [{ fromEntities: ['host'] }] })], ctx);
    expect(sim.explain(api, web, tcp(8080)).allowed).toBe(false);
    expect(sim.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/entity host/)]);
  });

  test('nodeSelector rules select no workload and are reported', () => {
    const sim = createCiliumSimulator([ccnp('host', { nodeSelector: {}, ingress: [{}] })], ctx);
    expect(sim.explain(api, web, tcp(8080)).allowed).toBe(true);
    expect(sim.warnings[0].message).toMatch(/nodeSelector/);
  });

  test('address boundaries: CIDRs on their side, resolved FQDNs on egress', () => {
    const sim = createCiliumSimulator([
      cnp('shop', 'in', { endpointSelector: {}, ingress: [{ fromCIDRSet: [{ cidr: '10.0.0.0/8', except: ['10.96.0.0/12'] }] }] }),
      fqdn,
    ], ctx);
    const r = (c: string): [number, number] => [external(c).first, external(c).last];
    expect(sim.addressBoundaries()).toEqual({ ingress: [r('10.0.0.0/8'), r('10.96.0.0/12')], egress: [r('198.51.100.10')] });
  });

  test('allowedPorts: a port range and a named port', () => {
    const sim = createCiliumSimulator([cnp('shop', 'p', { endpointSelector: sel({ app: 'api' }), ingress: [{ toPorts: [{ ports: [{ port: '8000', endPort: 8010, protocol: 'TCP' }, { port: 'metrics', protocol: 'TCP' }] }] }] })], ctx);
    expect(sim.allowedPorts(web, api).toString()).toBe('TCP 8000-8010,9090');
  });

  test('allowedPorts: no policy allows everything', () => {
    expect(createCiliumSimulator([], ctx).allowedPorts(web, api).isAll()).toBe(true);
  });

  describe('validation', () => {
    test.each([
      ['fromRequires', cnp('shop', 'bad', { endpointSelector: {}, ingress: [{ fromRequires: [sel({ env: 'prod' })] }] }), /CiliumNetworkPolicy shop\/bad, spec\.ingress\[0\]\.fromRequires/],
      ['two peer kinds in one rule', cnp('shop', 'bad', { endpointSelector: {}, egress: [{ toEndpoints: [{}], toCIDR: ['10.0.0.0/8'] }] }), /spec\.egress\[0\].*combining toEndpoints and toCIDR/s],
      ['an unknown entity', cnp('shop', 'bad', { endpointSelector: {}, ingress: [{ fromEntities: ['internet'] }] }), /spec\.ingress\[0\]\.fromEntities\[0\]/],
      ['a bad port', cnp('shop', 'bad', { endpointSelector: {}, ingress: [{ toPorts: [{ ports: [{ port: '70000' }] }] }] }), /toPorts\[0\]\.ports\[0\]\.port/],
      ['a misspelt field', cnp('shop', 'bad', { endpointSelector: {}, ingress: [{ fromEndpoint: [{}] }] }), /spec\.ingress\[0\]\.fromEndpoint/],
      ['a missing endpointSelector', cnp('shop', 'bad', { ingress: [{}] }), /spec\.endpointSelector/],
      ['toServices in a deny rule', cnp('shop', 'bad', { endpointSelector: {}, egressDeny: [{ toServices: [{ k8sService: { serviceName: 'x' } }] }] }), /spec\.egressDeny\[0\]\.toServices/],
      ['a bad HTTP regex', cnp('shop', 'bad', { endpointSelector: {}, ingress: [{ toPorts: [{ ports: [{ port: '80' }], rules: { http: [{ path: '/(' }] } }] }] }), /rules\.http\[0\]\.path/],
      ['an unserved version', { apiVersion: 'cilium.io/v2alpha1', kind: 'CiliumNetworkPolicy', metadata: { name: 'bad', namespace: 'shop' }, spec: {} }, /apiVersion/],
    ])('%s is an error naming the object and the field', (_name, obj, message) => {
      expect(() => createCiliumSimulator([obj], ctx)).toThrow(AnalysisInputError);
      expect(() => createCiliumSimulator([obj], ctx)).toThrow(message);
    });
  });

    test('with sourceOf, the error also names the file and the document', () => {
      const bad = cnp('shop', 'bad', { ingress: [{}] });
      expect(() => createCiliumSimulator([bad], ctx, { sourceOf: () => ({ file: 'cilium.yaml', index: 0 }) }))
        .toThrow(/cilium\.yaml \(document 1\), CiliumNetworkPolicy shop\/bad, spec\.endpointSelector/);
    });
});

// ---------------------------------------------------------------------------------------------
// Properties

const workloads = [web, api, db, client, dns];
const endpoints: Endpoint[] = [...workloads, world, stripeIp, external('10.96.0.0/12'), external('169.254.169.254')];
const portArb = fc.constantFrom('53', '443', '5432', '8080', '9090', 'http', 'metrics', '0');
const portProtoArb = fc.record({ port: portArb, protocol: fc.constantFrom('TCP', 'UDP', 'ANY'), endPort: fc.option(fc.constantFrom(8090, 9100), { nil: undefined }) }, { requiredKeys: ['port', 'protocol'] })
  .map((p) => (p.endPort !== undefined && /^[0-9]+$/.test(p.port) && p.port !== '0' && Number(p.port) <= p.endPort ? p : { port: p.port, protocol: p.protocol }));
const toPortsArb = fc.array(fc.record({ ports: fc.array(portProtoArb, { minLength: 1, maxLength: 2 }) }), { minLength: 1, maxLength: 2 });
const l7PortsArb = fc.constant([{ ports: [{ port: '8080', protocol: 'TCP' }], rules: { http: [{ method: 'GET' }] } }]);
const selectorArb = fc.constantFrom<Record<string, unknown>>({}, sel({ app: 'web' }), sel({ app: 'api' }), sel({ 'k8s:io.kubernetes.pod.namespace': 'other' }), sel({ 'k8s-app': 'kube-dns', 'io.kubernetes.pod.namespace': 'kube-system' }));
const peerArb = (dir: 'from' | 'to'): fc.Arbitrary<Record<string, unknown>> => fc.oneof(
  fc.record({ [`${dir}Endpoints`]: fc.array(selectorArb, { minLength: 1, maxLength: 2 }) }),
  fc.record({ [`${dir}Entities`]: fc.subarray(['world', 'cluster', 'all'], { minLength: 1 }) }),
  fc.record({ [`${dir}CIDR`]: fc.subarray(['203.0.113.0/24', '169.254.169.254/32'], { minLength: 1 }) }),
  fc.record({ [`${dir}CIDRSet`]: fc.constant([{ cidr: '10.0.0.0/8', except: ['10.96.0.0/12'] }]) }),
  fc.constant({}),
);
const allowRuleArb = (dir: 'from' | 'to'): fc.Arbitrary<Record<string, unknown>> => fc.tuple(peerArb(dir), fc.option(fc.oneof(toPortsArb, l7PortsArb), { nil: undefined }))
  .map(([peer, tp]) => (tp ? { ...peer, toPorts: tp } : peer));
const denyRuleArb = (dir: 'from' | 'to'): fc.Arbitrary<Record<string, unknown>> => fc.tuple(peerArb(dir), fc.option(toPortsArb, { nil: undefined }))
  .map(([peer, tp]) => (tp ? { ...peer, toPorts: tp } : peer));
const specArb = fc.record({
  endpointSelector: selectorArb,
  ingress: fc.array(allowRuleArb('from'), { maxLength: 2 }),
  egress: fc.array(allowRuleArb('to'), { maxLength: 2 }),
  ingressDeny: fc.array(denyRuleArb('from'), { maxLength: 1 }),
  enableDefaultDeny: fc.record({ ingress: fc.boolean(), egress: fc.boolean() }, { requiredKeys: [] }),
}, { requiredKeys: ['endpointSelector'] });
const policiesArb = fc.array(fc.tuple(fc.boolean(), specArb), { maxLength: 4 }).map((ps) => ps.map(([cw, spec], i) => (cw ? ccnp(`c${i}`, spec) : cnp('shop', `n${i}`, spec))));

describe('Cilium simulator: properties', () => {
  test('allowedPorts agrees with explain on random ports', () => {
    fc.assert(fc.property(
      policiesArb, fc.constantFrom(...endpoints), fc.constantFrom(...endpoints), fc.constantFrom<L4Protocol>('TCP', 'UDP', 'SCTP'),
      fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.constantFrom(53, 443, 5432, 8080, 8081, 9090, 9100, 9101, 8089)),
      (policies, src, dst, protocol, port) => {
        const sim = createCiliumSimulator(policies, ctx, { requireDnsVisibility: false });
        expect(sim.allowedPorts(src, dst).has(protocol, port)).toBe(sim.explain(src, dst, { protocol, port }).allowed);
      },
    ), { numRuns: 300 });
  });

  test('adding an ALLOW rule to a rule list never removes an allowed connection', () => {
    fc.assert(fc.property(policiesArb.filter((ps) => ps.length > 0), fc.nat(), allowRuleArb('from'), allowRuleArb('to'), fc.constantFrom(...endpoints), fc.constantFrom(...endpoints),
      (policies, which, inRule, outRule, src, dst) => {
        const i = which % policies.length;
        const p = policies[i];
        const spec = p.spec as Record<string, unknown[]>;
        // Only into lists that already exist, so that no endpoint newly enters default deny.
        const grown = {
          ...p,
          spec: {
            ...spec,
            ingress: spec.ingress && spec.ingress.length > 0 ? [...spec.ingress, inRule] : spec.ingress,
            egress: spec.egress && spec.egress.length > 0 ? [...spec.egress, outRule] : spec.egress,
          },
        };
        const before = createCiliumSimulator(policies, ctx).allowedPorts(src, dst);
        const after = createCiliumSimulator(policies.map((q, j) => (j === i ? grown : q)), ctx).allowedPorts(src, dst);
        expect(before.subtract(after).isEmpty()).toBe(true);
      },
    ), { numRuns: 200 });
  });

  test('adding a DENY policy never adds an allowed connection', () => {
    fc.assert(fc.property(policiesArb, selectorArb, denyRuleArb('from'), denyRuleArb('to'), fc.constantFrom(...endpoints), fc.constantFrom(...endpoints),
      (policies, subject, inRule, outRule, src, dst) => {
        const deny = ccnp('zz-deny', { endpointSelector: subject, enableDefaultDeny: { ingress: false, egress: false }, ingressDeny: [inRule], egressDeny: [outRule] });
        const before = createCiliumSimulator(policies, ctx).allowedPorts(src, dst);
        const after = createCiliumSimulator([...policies, deny], ctx).allowedPorts(src, dst);
        expect(after.subtract(before).isEmpty()).toBe(true);
      },
    ), { numRuns: 200 });
  });

  test('outputs are deterministic: policy order does not matter', () => {
    fc.assert(fc.property(policiesArb, fc.constantFrom(...endpoints), fc.constantFrom(...endpoints), fc.integer({ min: 1, max: 65535 }), (policies, src, dst, port) => {
      const a = createCiliumSimulator(policies, ctx).explain(src, dst, { protocol: 'TCP', port });
      const b = createCiliumSimulator([...policies].reverse(), ctx).explain(src, dst, { protocol: 'TCP', port });
      expect(b).toEqual(a);
    }), { numRuns: 200 });
  });
});

// ---------------------------------------------------------------------------------------------
// Examples of the Cilium documentation, read from YAML.

describe('Cilium simulator: documentation examples (YAML fixture)', () => {
  const docs = parseAllDocuments(readFileSync(join(__dirname, 'fixtures', 'cilium', 'l7-and-fqdn.yaml'), 'utf8')).map((d) => d.toJS() as unknown);
  const service = workload('default', 'service', { ports: [[80, 'http']] });
  const prod = workload('default', 'prod-client', { labels: { env: 'prod' } });
  const dev = workload('default', 'dev-client', { labels: { env: 'dev' } });
  const mediabot = workload('default', 'mediabot', { labels: { org: 'empire', class: 'mediabot' } });
  const kubeDns = workload('kube-system', 'coredns', { labels: { 'k8s-app': 'kube-dns' }, ports: [[53, 'dns', 'UDP']] });
  const ctx2 = context([service, prod, dev, mediabot, kubeDns], { resolve: { 'my-remote-service.com': ['192.0.2.44'] } });
  const sim = createCiliumSimulator(docs, ctx2);

  test('GET /public from env=prod is allowed', () => {
    expect(decided(sim.explain(prod, service, { protocol: 'TCP', port: 80, http: { method: 'GET', path: '/public' } }))).toEqual({ policy: 'CiliumNetworkPolicy default/rule1', rule: 'spec.ingress[0]', effect: 'allow' });
  });
  test('other requests, other ports and other sources are not', () => {
    expect(sim.explain(prod, service, { protocol: 'TCP', port: 80, http: { method: 'PUT', path: '/public' } }).allowed).toBe(false);
    expect(sim.explain(prod, service, { protocol: 'TCP', port: 8080 }).allowed).toBe(false);
    expect(sim.explain(dev, service, { protocol: 'TCP', port: 80, http: { method: 'GET', path: '/public' } }).allowed).toBe(false);
  });
  test('toFQDNs: the resolved address of my-remote-service.com is reachable, others are not', () => {
    expect(decided(sim.explain(mediabot, external('192.0.2.44'), { protocol: 'TCP', port: 443 }))).toEqual({ policy: 'CiliumNetworkPolicy default/fqdn', rule: 'spec.egress[0]', effect: 'allow' });
    expect(sim.explain(mediabot, external('192.0.2.45'), { protocol: 'TCP', port: 443 }).allowed).toBe(false);
  });
  test('DNS to kube-dns is allowed through the DNS proxy', () => {
    const v = sim.explain(mediabot, kubeDns, { protocol: 'UDP', port: 53 });
    expect(v.allowed).toBe(true);
    expect(decided(v)).toEqual({ policy: 'CiliumNetworkPolicy default/fqdn', rule: 'spec.egress[1]', effect: 'allow' });
  });
});
