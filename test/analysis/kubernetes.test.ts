import * as path from 'path';
import { AnalysisInputError } from '../../lib/analysis/errors';
import { loadManifests, loadObjects } from '../../lib/analysis/loader';
import { Analysis } from '../../lib/analysis/engine';
import { analyse, allows, clusterNetworkPolicy, deployment, namespace, networkPolicy, ports } from './util';

const FIXTURES = path.join(__dirname, 'fixtures');

describe('NetworkPolicy: the documented examples', () => {
  // https://kubernetes.io/docs/concepts/services-networking/network-policies/#networkpolicy-resource
  const a = Analysis.of(loadManifests([path.join(FIXTURES, 'docs', 'test-network-policy.yaml')]));

  test.each([
    // [from, to, protocol, port, allowed]
    ['default/frontend', 'default/db', 'TCP', 6379, true],
    ['default/frontend', 'default/db', 'TCP', 6380, false],
    ['default/frontend', 'default/db', 'UDP', 6379, false],
    ['myproject/anything', 'default/db', 'TCP', 6379, true],
    ['other/frontend', 'default/db', 'TCP', 6379, false], // podSelector alone: the policy's namespace only
    ['default/backend', 'default/db', 'TCP', 6379, false],
    ['172.17.0.1', 'default/db', 'TCP', 6379, true],
    ['172.17.1.5', 'default/db', 'TCP', 6379, false], // except
    ['172.18.0.1', 'default/db', 'TCP', 6379, false],
    ['default/db', '10.0.0.7', 'TCP', 5978, true],
    ['default/db', '10.0.0.7', 'TCP', 5979, false],
    ['default/db', '10.0.1.7', 'TCP', 5978, false],
    ['default/db', 'default/frontend', 'TCP', 80, false], // egress is isolated: only the ipBlock
    ['default/frontend', 'default/backend', 'TCP', 80, true], // not selected: default allow
  ] as const)('%s -> %s %s/%d: %s', (from, to, proto, port, expected) => {
    expect(allows(a, from, to, proto, port)).toBe(expected);
  });

  test('the connectivity list of the example', () => {
    const lines = a.connectivity().map((c) => `${c.src} => ${c.dst} : ${c.ports}`);
    expect(lines).toContain('default/frontend[Deployment] => default/db[Deployment] : TCP 6379');
    expect(lines).toContain('myproject/anything[Deployment] => default/db[Deployment] : TCP 6379');
    expect(lines).toContain('default/db[Deployment] => 10.0.0.0-10.0.0.255 : TCP 5978');
    expect(lines).toContain('172.17.0.0-172.17.0.255 => default/db[Deployment] : TCP 6379');
    expect(lines).toContain('172.17.2.0-172.17.255.255 => default/db[Deployment] : TCP 6379');
    expect(lines.filter((l) => l.startsWith('172.17.1.0-172.17.1.255 => default/db'))).toEqual([]);
    expect(lines.filter((l) => l.startsWith('default/db[Deployment] =>'))).toEqual(['default/db[Deployment] => 10.0.0.0-10.0.0.255 : TCP 5978']);
  });

  test('reasons name the policy and the rule', () => {
    const e = a.explain('default/frontend', 'default/db', { protocol: 'TCP', port: 6379 });
    const k = e.layers[0];
    expect(k.layer).toBe('kubernetes');
    expect(k.reasons).toContainEqual(expect.objectContaining({ policy: 'NetworkPolicy default/test-network-policy', rule: 'spec.ingress[0]', effect: 'allow' }));
    const d = a.explain('default/backend', 'default/db', { protocol: 'TCP', port: 6379 });
    expect(d.allowed).toBe(false);
    expect(d.layers[0].reasons).toContainEqual(expect.objectContaining({ policy: 'NetworkPolicy default/test-network-policy', effect: 'default-deny' }));
  });
});

describe('NetworkPolicy: namespaceSelector and podSelector', () => {
  const objects = [
    namespace('alice', { user: 'alice' }),
    namespace('bob', { user: 'bob' }),
    deployment('alice', 'client', { role: 'client' }),
    deployment('alice', 'other', { role: 'other' }),
    deployment('bob', 'client', { role: 'client' }),
    deployment('srv', 'api', { app: 'api' }),
    deployment('srv', 'client', { role: 'client' }),
  ];
  test('both in one peer: AND', () => {
    const a = analyse([
      ...objects,
      networkPolicy('srv', 'and', {
        podSelector: { matchLabels: { app: 'api' } },
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { user: 'alice' } }, podSelector: { matchLabels: { role: 'client' } } }] }],
      }),
    ]);
    expect(ports(a, 'alice/client', 'srv/api')).toBe('All Connections');
    expect(ports(a, 'alice/other', 'srv/api')).toBe('No Connections');
    expect(ports(a, 'bob/client', 'srv/api')).toBe('No Connections');
    expect(ports(a, 'srv/client', 'srv/api')).toBe('No Connections');
  });
  test('two peers: OR', () => {
    const a = analyse([
      ...objects,
      networkPolicy('srv', 'or', {
        podSelector: { matchLabels: { app: 'api' } },
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { user: 'alice' } } }, { podSelector: { matchLabels: { role: 'client' } } }] }],
      }),
    ]);
    expect(ports(a, 'alice/client', 'srv/api')).toBe('All Connections');
    expect(ports(a, 'alice/other', 'srv/api')).toBe('All Connections');
    expect(ports(a, 'bob/client', 'srv/api')).toBe('No Connections');
    expect(ports(a, 'srv/client', 'srv/api')).toBe('All Connections');
  });
  test('a namespace by its automatic name label', () => {
    const a = analyse([
      ...objects,
      networkPolicy('srv', 'by-name', {
        podSelector: {},
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'bob' } } }] }],
      }),
    ]);
    expect(ports(a, 'bob/client', 'srv/api')).toBe('All Connections');
    expect(ports(a, 'alice/client', 'srv/api')).toBe('No Connections');
    expect(ports(a, 'srv/client', 'srv/api')).toBe('No Connections');
  });
  test('matchExpressions: In, NotIn, Exists, DoesNotExist', () => {
    const pods = [
      deployment('x', 'a', { tier: 'web', env: 'prod' }),
      deployment('x', 'b', { tier: 'api' }),
      deployment('x', 'c', { tier: 'db', legacy: 'yes' }),
      deployment('x', 'target', { app: 't' }),
    ];
    const with_ = (expr: unknown[]): Analysis =>
      analyse([...pods, networkPolicy('x', 'p', { podSelector: { matchLabels: { app: 't' } }, ingress: [{ from: [{ podSelector: { matchExpressions: expr } }] }] })]);
    const reach = (a: Analysis): string[] => ['a', 'b', 'c'].filter((n) => ports(a, `x/${n}`, 'x/target') !== 'No Connections');
    expect(reach(with_([{ key: 'tier', operator: 'In', values: ['web', 'api'] }]))).toEqual(['a', 'b']);
    expect(reach(with_([{ key: 'tier', operator: 'NotIn', values: ['web'] }]))).toEqual(['b', 'c']);
    expect(reach(with_([{ key: 'env', operator: 'Exists' }]))).toEqual(['a']);
    expect(reach(with_([{ key: 'legacy', operator: 'DoesNotExist' }, { key: 'tier', operator: 'Exists' }]))).toEqual(['a', 'b']);
  });
});

describe('NetworkPolicy: default policies', () => {
  const base = [deployment('d', 'a', { app: 'a' }), deployment('d', 'b', { app: 'b' }), deployment('e', 'c', { app: 'c' })];
  test('default deny ingress', () => {
    const a = analyse([...base, networkPolicy('d', 'default-deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] })]);
    expect(ports(a, 'd/a', 'd/b')).toBe('No Connections');
    expect(ports(a, 'e/c', 'd/a')).toBe('No Connections');
    expect(ports(a, 'd/a', 'e/c')).toBe('All Connections');
    expect(ports(a, '1.2.3.4', 'd/a')).toBe('No Connections');
  });
  test('allow all ingress', () => {
    const a = analyse([
      ...base,
      networkPolicy('d', 'default-deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] }),
      networkPolicy('d', 'allow-all-ingress', { podSelector: {}, ingress: [{}], policyTypes: ['Ingress'] }),
    ]);
    expect(ports(a, 'e/c', 'd/a')).toBe('All Connections');
    expect(ports(a, '1.2.3.4', 'd/a')).toBe('All Connections');
  });
  test('default deny egress', () => {
    const a = analyse([...base, networkPolicy('d', 'default-deny-egress', { podSelector: {}, policyTypes: ['Egress'] })]);
    expect(ports(a, 'd/a', 'e/c')).toBe('No Connections');
    expect(ports(a, 'd/a', '8.8.8.8')).toBe('No Connections');
    expect(ports(a, 'e/c', 'd/a')).toBe('All Connections');
  });
  test('allow all egress', () => {
    const a = analyse([
      ...base,
      networkPolicy('d', 'default-deny-egress', { podSelector: {}, policyTypes: ['Egress'] }),
      networkPolicy('d', 'allow-all-egress', { podSelector: {}, egress: [{}], policyTypes: ['Egress'] }),
    ]);
    expect(ports(a, 'd/a', 'e/c')).toBe('All Connections');
    expect(ports(a, 'd/a', '8.8.8.8')).toBe('All Connections');
  });
  test('default deny all', () => {
    const a = analyse([...base, networkPolicy('d', 'default-deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })]);
    expect(ports(a, 'd/a', 'd/b')).toBe('No Connections');
    expect(ports(a, 'd/a', 'e/c')).toBe('No Connections');
    expect(ports(a, 'e/c', 'd/b')).toBe('No Connections');
    expect(ports(a, 'e/c', '8.8.8.8')).toBe('All Connections');
  });
  test('policyTypes defaulting: egress rules imply Egress, and Ingress is always implied', () => {
    const a = analyse([...base, networkPolicy('d', 'egress-only-rules', { podSelector: { matchLabels: { app: 'a' } }, egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }] })]);
    expect(ports(a, 'd/a', 'e/c')).toBe('UDP 53');
    expect(ports(a, 'd/b', 'd/a')).toBe('No Connections'); // ingress isolated by default
    const b = analyse([...base, networkPolicy('d', 'empty-egress', { podSelector: { matchLabels: { app: 'a' } }, egress: [] })]);
    expect(ports(b, 'd/a', 'e/c')).toBe('All Connections'); // empty egress list: not an egress policy
    expect(ports(b, 'd/b', 'd/a')).toBe('No Connections');
  });
  test('rules of a direction not in policyTypes are ignored', () => {
    const a = analyse([...base, networkPolicy('d', 'p', { podSelector: {}, policyTypes: ['Egress'], ingress: [{}], egress: [{ ports: [{ port: 443 }] }] })]);
    expect(ports(a, 'e/c', 'd/a')).toBe('All Connections');
    expect(ports(a, 'd/a', 'e/c')).toBe('TCP 443');
  });
  test('policies are a union, and both ends must agree', () => {
    const a = analyse([
      ...base,
      networkPolicy('d', 'p1', { podSelector: { matchLabels: { app: 'b' } }, ingress: [{ ports: [{ port: 80 }] }] }),
      networkPolicy('d', 'p2', { podSelector: { matchLabels: { app: 'b' } }, ingress: [{ ports: [{ port: 81 }, { port: 53, protocol: 'UDP' }] }] }),
      networkPolicy('d', 'p3', { podSelector: { matchLabels: { app: 'a' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 81 }, { port: 82 }] }] }),
    ]);
    expect(ports(a, 'e/c', 'd/b')).toBe('TCP 80-81,UDP 53');
    expect(ports(a, 'd/a', 'd/b')).toBe('TCP 81');
  });
  test('a policy selects pods of its own namespace only', () => {
    const a = analyse([...base, networkPolicy('e', 'deny', { podSelector: { matchLabels: { app: 'a' } }, policyTypes: ['Ingress'] })]);
    expect(ports(a, 'e/c', 'd/a')).toBe('All Connections');
  });
});

describe('NetworkPolicy: ports', () => {
  const base = [
    deployment('p', 'client', { app: 'client' }),
    deployment('p', 'srv', { app: 'srv' }, [[8080, 'http'], [8443, 'https'], [53, 'dns', 'UDP'], [5353, 'dns', 'TCP'], [7070, 'sig', 'SCTP']]),
    deployment('p', 'srv2', { app: 'srv' }, [[9090, 'http']]),
  ];
  const ingress = (portsSpec: unknown[]): Analysis => analyse([...base, networkPolicy('p', 'ing', { podSelector: { matchLabels: { app: 'srv' } }, ingress: [{ ports: portsSpec }] })]);
  test.each([
    [[{ port: 80 }], 'TCP 80'],
    [[{ port: 80, protocol: 'UDP' }], 'UDP 80'],
    [[{ protocol: 'SCTP' }], 'SCTP 1-65535'],
    [[{ port: 32000, endPort: 32768 }], 'TCP 32000-32768'],
    [[{ port: 'http' }], 'TCP 8080'],
    [[{ port: 'dns' }], 'TCP 5353'], // named ports resolve per protocol (TCP by default)
    [[{ port: 'dns', protocol: 'UDP' }], 'UDP 53'],
    [[{ port: 'sig', protocol: 'SCTP' }], 'SCTP 7070'],
    [[{ port: 'sig' }], 'No Connections'], // sig is SCTP, the rule asks TCP
    [[{ port: 'nope' }], 'No Connections'],
    [[], 'All Connections'],
    [[{ port: 80 }, { port: 81 }, { port: 'https' }, { port: 53, protocol: 'UDP' }], 'TCP 80-81,8443,UDP 53'],
  ])('%j → %s', (spec, expected) => {
    expect(ports(ingress(spec), 'p/client', 'p/srv')).toBe(expected);
  });
  test('a named port resolves against each destination', () => {
    const a = ingress([{ port: 'http' }]);
    expect(ports(a, 'p/client', 'p/srv2')).toBe('TCP 9090');
    const b = analyse([...base, networkPolicy('p', 'eg', { podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'http' }] }] })]);
    expect(ports(b, 'p/client', 'p/srv')).toBe('TCP 8080');
    expect(ports(b, 'p/client', 'p/srv2')).toBe('TCP 9090');
    expect(ports(b, 'p/client', '1.1.1.1')).toBe('No Connections'); // no named ports outside the cluster
  });
  test('explain agrees port by port', () => {
    const a = ingress([{ port: 32000, endPort: 32768 }]);
    expect(allows(a, 'p/client', 'p/srv', 'TCP', 31999)).toBe(false);
    expect(allows(a, 'p/client', 'p/srv', 'TCP', 32000)).toBe(true);
    expect(allows(a, 'p/client', 'p/srv', 'TCP', 32768)).toBe(true);
    expect(allows(a, 'p/client', 'p/srv', 'TCP', 32769)).toBe(false);
  });
});

describe('NetworkPolicy: malformed input', () => {
  const base = [deployment('m', 'a', { app: 'a' })];
  test.each([
    [{ podSelector: {}, ingress: [{ from: [{}] }] }, /must set podSelector, namespaceSelector or ipBlock/],
    [{ podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }] }] }, /ipBlock or selectors, not both/],
    [{ podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.300/8' } }] }] }, /not a valid CIDR/],
    [{ podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['11.0.0.0/16'] } }] }] }, /not inside the cidr/],
    [{ podSelector: {}, ingress: [{ ports: [{ port: '80' }] }] }, /must not be quoted/],
    [{ podSelector: {}, ingress: [{ ports: [{ port: 80, endPort: 79 }] }] }, /endPort must be/],
    [{ podSelector: {}, ingress: [{ ports: [{ port: 'http', endPort: 90 }] }] }, /endPort cannot be used with a named port/],
    [{ podSelector: {}, ingress: [{ ports: [{ port: 80, protocol: 'ICMP' }] }] }, /unknown protocol/],
    [{ podSelector: {}, policyTypes: ['ingress'] }, /unknown policy type/],
    [{ podSelector: { matchExpressions: [{ key: 'a', operator: 'Equals', values: ['b'] }] } }, /unknown selector operator/],
    [{ podSelector: { matchExpressions: [{ key: 'a', operator: 'In', values: [] }] } }, /needs at least one value/],
    [{ podSelector: { matchLabels: { a: 1 } } }, /label value must be a string/],
    [{ podSelector: {}, ingress: {} }, /must be a list/],
  ])('%j is rejected', (spec, message) => {
    let err: unknown;
    try {
      analyse([...base, networkPolicy('m', 'bad', spec)]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AnalysisInputError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toContain('NetworkPolicy m/bad');
    expect((err as Error).message).toContain('test (document 2)');
    expect((err as Error).message).toContain('fix:');
  });
});

describe('ClusterNetworkPolicy: tiers, priorities and actions', () => {
  const base = [
    namespace('prod', { env: 'prod' }),
    namespace('dev', { env: 'dev' }),
    deployment('prod', 'web', { app: 'web' }, [[8080, 'http']]),
    deployment('prod', 'db', { app: 'db' }, [[5432, 'pg']]),
    deployment('dev', 'tool', { app: 'tool' }),
  ];
  const fromNs = (env: string): unknown => ({ namespaces: { matchLabels: { env } } });
  const allowWebToDb = networkPolicy('prod', 'db', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 5432 }] }] });

  test('an Admin Deny overrides a NetworkPolicy allow', () => {
    const a = analyse([
      ...base,
      allowWebToDb,
      clusterNetworkPolicy('guard', { tier: 'Admin', priority: 10, subject: { namespaces: { matchLabels: { env: 'prod' } } }, ingress: [{ name: 'no-db', action: 'Deny', from: [fromNs('prod')], protocols: [{ tcp: { destinationPort: { number: 5432 } } }] }] }),
    ]);
    expect(ports(a, 'prod/web', 'prod/db')).toBe('No Connections');
    const e = a.explain('prod/web', 'prod/db', { protocol: 'TCP', port: 5432 });
    expect(e.layers[0].reasons).toContainEqual(expect.objectContaining({ policy: 'ClusterNetworkPolicy guard', rule: 'spec.ingress[0]', effect: 'deny' }));
    expect(e.layers[0].reasons.find((r) => r.effect === 'deny')!.detail).toContain('Admin tier, priority 10, rule "no-db"');
  });
  test('an Admin Accept overrides NetworkPolicy isolation in its direction only', () => {
    const a = analyse([
      ...base,
      allowWebToDb,
      clusterNetworkPolicy('ops', { tier: 'Admin', priority: 1, subject: { namespaces: {} }, ingress: [{ action: 'Accept', from: [fromNs('dev')] }] }),
    ]);
    expect(ports(a, 'dev/tool', 'prod/db')).toBe('All Connections');
    const b = analyse([
      ...base,
      networkPolicy('dev', 'deny-egress', { podSelector: {}, policyTypes: ['Egress'] }),
      clusterNetworkPolicy('ops', { tier: 'Admin', priority: 1, subject: { namespaces: {} }, ingress: [{ action: 'Accept', from: [fromNs('dev')] }] }),
    ]);
    expect(ports(b, 'dev/tool', 'prod/db')).toBe('No Connections'); // the source's egress is still isolated
  });
  test('Pass hands the connection to NetworkPolicy, then to the Baseline tier', () => {
    const objs = [
      ...base,
      clusterNetworkPolicy('pass-prod', { tier: 'Admin', priority: 5, subject: { namespaces: {} }, ingress: [{ action: 'Pass', from: [fromNs('prod')] }] }),
      clusterNetworkPolicy('deny-prod', { tier: 'Admin', priority: 6, subject: { namespaces: {} }, ingress: [{ action: 'Deny', from: [fromNs('prod')] }] }),
      clusterNetworkPolicy('baseline', { tier: 'Baseline', priority: 0, subject: { namespaces: {} }, ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }] }),
    ];
    const a = analyse([...objs, allowWebToDb]);
    expect(ports(a, 'prod/web', 'prod/db')).toBe('TCP 5432'); // passed, NetworkPolicy decides (isolated)
    expect(ports(a, 'prod/db', 'prod/web')).toBe('No Connections'); // passed, web not isolated: Baseline denies
    expect(ports(a, 'dev/tool', 'prod/web')).toBe('No Connections'); // baseline deny
    const e = a.explain('prod/db', 'prod/web', { protocol: 'TCP', port: 80 });
    expect(e.layers[0].reasons.map((r) => `${r.policy}:${r.effect}`)).toEqual(['Kubernetes default:default-allow', 'ClusterNetworkPolicy pass-prod:pass', 'ClusterNetworkPolicy baseline:deny']);
  });
  test('a NetworkPolicy overrides the Baseline tier for the pods it isolates', () => {
    const a = analyse([
      ...base,
      allowWebToDb,
      clusterNetworkPolicy('baseline', { tier: 'Baseline', priority: 0, subject: { namespaces: {} }, ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }] }),
    ]);
    expect(ports(a, 'prod/web', 'prod/db')).toBe('TCP 5432');
    expect(ports(a, 'prod/web', 'dev/tool')).toBe('No Connections');
  });
  test('Baseline Accept and Pass both end in allow; lower priority values are evaluated first', () => {
    const a = analyse([
      ...base,
      clusterNetworkPolicy('b-deny', { tier: 'Baseline', priority: 20, subject: { namespaces: {} }, egress: [{ action: 'Deny', to: [{ namespaces: {} }] }] }),
      clusterNetworkPolicy('b-accept', { tier: 'Baseline', priority: 10, subject: { namespaces: {} }, egress: [{ action: 'Accept', to: [fromNs('prod')], protocols: [{ tcp: { destinationPort: { range: { start: 8000, end: 8100 } } } }] }] }),
      clusterNetworkPolicy('b-pass', { tier: 'Baseline', priority: 15, subject: { namespaces: {} }, egress: [{ action: 'Pass', to: [fromNs('dev')], protocols: [{ udp: { destinationPort: { number: 53 } } }] }] }),
    ]);
    expect(ports(a, 'dev/tool', 'prod/web')).toBe('TCP 8000-8100');
    expect(ports(a, 'prod/web', 'dev/tool')).toBe('UDP 53');
    expect(ports(a, 'prod/web', '8.8.8.8')).toBe('All Connections'); // namespaces peers do not match addresses
  });
  test('rule order inside a policy, port by port', () => {
    const a = analyse([
      ...base,
      clusterNetworkPolicy('ssh', {
        tier: 'Admin',
        priority: 1,
        subject: { pods: { namespaceSelector: {}, podSelector: { matchLabels: { app: 'db' } } } },
        ingress: [
          { action: 'Accept', from: [fromNs('dev')], protocols: [{ tcp: { destinationPort: { number: 22 } } }] },
          { action: 'Deny', from: [{ namespaces: {} }], protocols: [{ tcp: { destinationPort: { range: { start: 1, end: 1024 } } } }] },
        ],
      }),
    ]);
    expect(ports(a, 'dev/tool', 'prod/db')).toBe('SCTP 1-65535,TCP 22,1025-65535,UDP 1-65535');
    expect(ports(a, 'prod/web', 'prod/db')).toBe('SCTP 1-65535,TCP 1025-65535,UDP 1-65535');
    expect(ports(a, 'prod/web', 'prod/web')).toBe('All Connections');
  });
  test('networks match addresses, and every pod when 0.0.0.0/0', () => {
    const a = analyse([
      ...base,
      clusterNetworkPolicy('egress', {
        tier: 'Admin',
        priority: 1,
        subject: { namespaces: { matchLabels: { env: 'prod' } } },
        egress: [
          { action: 'Accept', to: [{ networks: ['203.0.113.0/24'] }], protocols: [{ tcp: { destinationPort: { number: 443 } } }] },
          { action: 'Pass', to: [{ namespaces: {} }] },
          { action: 'Deny', to: [{ networks: ['0.0.0.0/0'] }] },
        ],
      }),
    ]);
    expect(ports(a, 'prod/web', '203.0.113.9')).toBe('TCP 443');
    expect(ports(a, 'prod/web', '198.51.100.1')).toBe('No Connections');
    expect(ports(a, 'prod/web', 'dev/tool')).toBe('All Connections'); // passed before the deny
    const b = analyse([...base, clusterNetworkPolicy('all', { tier: 'Admin', priority: 1, subject: { namespaces: {} }, egress: [{ action: 'Deny', to: [{ networks: ['0.0.0.0/0'] }] }] })]);
    expect(ports(b, 'prod/web', 'dev/tool')).toBe('No Connections');
    expect(b.boundaries().egress).toEqual([[0, 0xffffffff]]);
  });
  test('destinationNamedPort resolves against the destination pod', () => {
    const a = analyse([
      ...base,
      clusterNetworkPolicy('named', { tier: 'Admin', priority: 1, subject: { namespaces: {} }, ingress: [{ action: 'Deny', from: [{ namespaces: {} }], protocols: [{ destinationNamedPort: 'pg' }] }] }),
    ]);
    expect(ports(a, 'prod/web', 'prod/db')).toBe('SCTP 1-65535,TCP 1-5431,5433-65535,UDP 1-65535');
    expect(ports(a, 'prod/db', 'prod/web')).toBe('All Connections');
  });
  test('a peer without a known field fails closed', () => {
    const deny = analyse([...base, clusterNetworkPolicy('odd', { tier: 'Admin', priority: 1, subject: { namespaces: {} }, ingress: [{ action: 'Deny', from: [{ future: {} }] }] })]);
    expect(ports(deny, 'prod/web', 'prod/db')).toBe('No Connections');
    expect(deny.warnings.map((w) => `${w.path}: ${w.message} ${w.fix}`).join('\n')).toMatch(/fails closed/);
    const accept = analyse([
      ...base,
      networkPolicy('prod', 'iso', { podSelector: {}, policyTypes: ['Ingress'] }),
      clusterNetworkPolicy('odd', { tier: 'Admin', priority: 1, subject: { namespaces: {} }, ingress: [{ action: 'Accept', from: [{ future: {} }] }] }),
    ]);
    expect(ports(accept, 'dev/tool', 'prod/db')).toBe('No Connections');
  });
  test('domainNames resolve through the name table', () => {
    const a = analyseExperimental(
      [
        ...base,
        clusterNetworkPolicy('fqdn', {
          tier: 'Admin',
          priority: 1,
          subject: { namespaces: {} },
          egress: [
            { action: 'Accept', to: [{ domainNames: ['*.example.com'] }] },
            { action: 'Deny', to: [{ networks: ['198.51.100.0/24'] }] },
          ],
        }),
      ],
      { resolve: { 'api.example.com': ['198.51.100.10'] } },
    );
    expect(ports(a, 'prod/web', '198.51.100.10')).toBe('All Connections');
    expect(ports(a, 'prod/web', '198.51.100.11')).toBe('No Connections');
  });
  test('equal priorities are reported', () => {
    const a = analyse([
      ...base,
      clusterNetworkPolicy('a', { tier: 'Admin', priority: 3, subject: { namespaces: {} }, ingress: [] }),
      clusterNetworkPolicy('b', { tier: 'Admin', priority: 3, subject: { namespaces: {} }, ingress: [] }),
    ]);
    expect(a.warnings.map((w) => `${w.path}: ${w.message} ${w.fix}`).join('\n')).toMatch(/ClusterNetworkPolicy a and ClusterNetworkPolicy b share Admin priority 3/);
  });
  test.each([
    [{ tier: 'Middle', priority: 1, subject: { namespaces: {} } }, /tier must be Admin or Baseline/],
    [{ tier: 'Admin', priority: 1001, subject: { namespaces: {} } }, /priority must be a whole number from 0 to 1000/],
    [{ tier: 'Admin', priority: 1, subject: {} }, /exactly one of namespaces or pods/],
    [{ tier: 'Admin', priority: 1, subject: { namespaces: {} }, ingress: [{ action: 'Allow', from: [{ namespaces: {} }] }] }, /action must be Accept, Deny or Pass/],
    [{ tier: 'Admin', priority: 1, subject: { namespaces: {} }, ingress: [{ action: 'Deny', from: [] }] }, /at least one peer/],
    [{ tier: 'Admin', priority: 1, subject: { namespaces: {} }, ingress: [{ action: 'Deny', from: [{ namespaces: {} }], protocols: [{ tcp: { destinationPort: { range: { start: 9, end: 5 } } } }] }] }, /start < end/],
  ])('%j is rejected', (spec, message) => {
    expect(() => analyse([...base, clusterNetworkPolicy('bad', spec)])).toThrow(message);
    expect(() => analyse([...base, clusterNetworkPolicy('bad', spec)])).toThrow(/ClusterNetworkPolicy bad/);
  });
});

/** Analyses objects that use experimental-channel fields (domainNames, namedPort), without the standard-channel schema check. */
function analyseExperimental(objects: readonly unknown[], options: Parameters<typeof Analysis.of>[1] = {}): Analysis {
  return Analysis.of(loadObjects(objects, 'test', { checkSchemas: false }), options);
}

describe('AdminNetworkPolicy and BaselineAdminNetworkPolicy (v1alpha1)', () => {
  const base = [
    namespace('prod', { env: 'prod' }),
    namespace('dev', { env: 'dev' }),
    deployment('prod', 'db', { app: 'db' }, [[5432, 'pg']]),
    deployment('dev', 'tool', { app: 'tool' }),
  ];
  test('Admin tier with Allow / Deny / Pass and ports; Baseline tier overridden by NetworkPolicy', () => {
    const a = analyseExperimental([
      ...base,
      {
        apiVersion: 'policy.networking.k8s.io/v1alpha1',
        kind: 'AdminNetworkPolicy',
        metadata: { name: 'guard' },
        spec: {
          priority: 3,
          subject: { namespaces: { matchLabels: { env: 'prod' } } },
          ingress: [
            { name: 'dev-pg', action: 'Allow', from: [{ namespaces: { matchLabels: { env: 'dev' } } }], ports: [{ namedPort: 'pg' }] },
            { action: 'Pass', from: [{ namespaces: {} }], ports: [{ portRange: { protocol: 'TCP', start: 1000, end: 2000 } }] },
            { action: 'Deny', from: [{ namespaces: {} }], ports: [{ portNumber: { protocol: 'TCP', port: 22 } }] },
          ],
        },
      },
      {
        apiVersion: 'policy.networking.k8s.io/v1alpha1',
        kind: 'BaselineAdminNetworkPolicy',
        metadata: { name: 'default' },
        spec: { subject: { namespaces: {} }, ingress: [{ action: 'Deny', from: [{ namespaces: {} }], ports: [{ portRange: { protocol: 'TCP', start: 1, end: 1500 } }] }] },
      },
    ]);
    expect(ports(a, 'dev/tool', 'prod/db')).toBe('SCTP 1-65535,TCP 1501-65535,UDP 1-65535'); // 5432 allowed by the Admin tier, 1-1500 denied by the Baseline tier
    expect(a.explain('dev/tool', 'prod/db', { protocol: 'TCP', port: 22 }).layers[0].reasons).toContainEqual(expect.objectContaining({ policy: 'AdminNetworkPolicy guard', rule: 'spec.ingress[2]', effect: 'deny' }));
    expect(a.explain('dev/tool', 'prod/db', { protocol: 'TCP', port: 1200 }).layers[0].reasons).toContainEqual(expect.objectContaining({ policy: 'BaselineAdminNetworkPolicy default', effect: 'deny' }));
  });
  test('malformed AdminNetworkPolicy', () => {
    expect(() => analyse([...base, { apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'AdminNetworkPolicy', metadata: { name: 'x' }, spec: { priority: 1, subject: { namespaces: {} }, ingress: [{ action: 'Accept', from: [{ namespaces: {} }] }] } }])).toThrow(
      /AdminNetworkPolicy x, spec.ingress\[0\].action: action must be Allow, Deny or Pass/,
    );
    // priority is required by the CRD: the API server rejects the object, so the loader leaves it out
    expect(analyse([...base, { apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'AdminNetworkPolicy', metadata: { name: 'x' }, spec: { subject: { namespaces: {} } } }]).warnings.map((w) => [w.code, w.path])).toContainEqual(['BH-IN-REQUIRED', 'test (document 5), AdminNetworkPolicy x, spec.priority']);
    expect(() => analyseExperimental([...base, { apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'AdminNetworkPolicy', metadata: { name: 'x' }, spec: { subject: { namespaces: {} } } }])).toThrow(/priority must be/);
  });
});

describe('address boundaries', () => {
  test('ingress ipBlocks split sources, egress ipBlocks split destinations', () => {
    const a = analyse([
      deployment('b', 'a', { app: 'a' }),
      networkPolicy('b', 'p', {
        podSelector: {},
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }] }],
        egress: [{ to: [{ ipBlock: { cidr: '192.168.0.0/16' } }] }],
      }),
    ]);
    const k = a.simulator('kubernetes');
    const b = k.addressBoundaries();
    expect(b.ingress).toEqual([
      [0x0a000000, 0x0affffff],
      [0x0a010000, 0x0a01ffff],
    ]);
    expect(b.egress).toEqual([[0xc0a80000, 0xc0a8ffff]]);
    expect(a.connectivity().map((c) => `${c.src} => ${c.dst} : ${c.ports}`)).toEqual([
      '10.0.0.0-10.0.255.255 => b/a[Deployment] : All Connections',
      '10.2.0.0-10.255.255.255 => b/a[Deployment] : All Connections',
      'b/a[Deployment] => 192.168.0.0-192.168.255.255 : All Connections',
    ]);
  });
});
