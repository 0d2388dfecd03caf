/**
 * Ill-typed input: every public prop and argument of the declaration API may come from plain
 * JavaScript, a cast or a generated declaration. Whatever value sits in any position, declaring
 * and synthesizing either succeeds or throws a BulkheadError whose problems each carry a code,
 * a path, a message and a fix — never a TypeError, a RangeError or any other error.
 *
 * The declaration below uses every construct, method and value factory of the API, and reads
 * each prop and argument through `at(position, value)`; a test replaces the values of some
 * positions with ill-typed ones.
 */
import { Cidr } from '../../lib/core/cidr';
import { Duration } from '../../lib/core/duration';
import { SpiffeId, TrustDomain } from '../../lib/core/identity';
import { BulkheadError } from '../../lib/core/errors';
import { Port, Protocol } from '../../lib/core/port';
import { Sensitivity } from '../../lib/core/sensitivity';
import { BreakGlass } from '../../lib/model/break-glass';
import { Cluster } from '../../lib/model/cluster';
import { DomainBoundary } from '../../lib/model/domain';
import { External } from '../../lib/model/external';
import { SensitiveTier } from '../../lib/model/tier';
import { EnforcementMode, Topology } from '../../lib/model/topology';
import { Workload } from '../../lib/model/workload';
import { synthesize } from '../../lib/synth';
import { NOW } from './declare';
import { describeValue } from '../util/describe-value';
import { fuzzPositions, Overrides, reader } from '../util/fuzz-positions';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** The full declaration; `positions` collects every position it reads. */
function declare(over: Overrides, positions?: Set<string>): Topology {
  const at = reader(over, positions);
  const topo = new Topology(undefined, 'shop', at('Topology.props', {
    trustDomain: at('Topology.trustDomain', 'shop.example.com'),
    mode: at('Topology.mode', EnforcementMode.ENFORCE),
    environment: at('Topology.environment', 'prod'),
    strict: at('Topology.strict', false),
    clock: at('Topology.clock', () => NOW),
    platform: at('Topology.platform', {
      dns: at('Topology.platform.dns', {
        namespace: at('Topology.platform.dns.namespace', 'kube-system'),
        selector: at('Topology.platform.dns.selector', { 'k8s-app': at('Topology.platform.dns.selector.value', 'kube-dns') }),
        serviceAccount: at('Topology.platform.dns.serviceAccount', 'coredns'),
      }),
      meshControlPlane: at('Topology.platform.meshControlPlane', { namespace: 'istio-system', selector: { app: 'istiod' }, serviceAccount: 'istiod' }),
      metricsScraper: at('Topology.platform.metricsScraper', {
        namespace: at('Topology.platform.metricsScraper.namespace', 'monitoring'),
        selector: at('Topology.platform.metricsScraper.selector', { app: 'prometheus' }),
      }),
    }),
  }) as any);
  const tier = new SensitiveTier(topo, 'payments', at('SensitiveTier.props', {
    level: at('SensitiveTier.level', Sensitivity.HIGHLY_SENSITIVE),
    name: at('SensitiveTier.name', 'payments'),
    maxSvidTtl: at('SensitiveTier.maxSvidTtl', Duration.minutes(at('Duration.minutes', 20))),
    maxBreakGlassWindow: at('SensitiveTier.maxBreakGlassWindow', Duration.parse(at('Duration.parse', '2h'))),
    minApprovers: at('SensitiveTier.minApprovers', 2),
    internetEgress: at('SensitiveTier.internetEgress', undefined),
    auditLogging: at('SensitiveTier.auditLogging', true),
    mutualAuth: at('SensitiveTier.mutualAuth', true),
  }) as any);
  const eks = new Cluster(topo, 'eks', at('Cluster.props', {
    name: at('Cluster.name', 'eks'),
    cloud: at('Cluster.cloud', 'aws'),
    region: at('Cluster.region', 'eu-west-1'),
    podCidrs: at('Cluster.podCidrs', [at('Cluster.podCidrs[0]', '10.1.0.0/16')]),
    nodeCidrs: at('Cluster.nodeCidrs', [at('Cluster.nodeCidrs[0]', '10.0.0.0/20')]),
    layers: at('Cluster.layers', ['kubernetes', 'cluster-network-policy', 'cilium', 'istio', at('Cluster.layers[4]', 'spire')]),
    trustDomain: at('Cluster.trustDomain', 'shop.example.com'),
    ciliumClusterName: at('Cluster.ciliumClusterName', 'eks'),
    istioRootNamespace: at('Cluster.istioRootNamespace', 'istio-system'),
  }) as any);
  const gke = new Cluster(topo, 'gke', { cloud: 'gcp', podCidrs: ['10.2.0.0/16'], layers: ['kubernetes', 'cilium'] });
  const stripe = new External(topo, 'stripe', at('External.props', {
    name: at('External.name', 'stripe'),
    fqdns: at('External.fqdns', [at('External.fqdns[0]', 'api.stripe.com')]),
    cidrs: at('External.cidrs', [at('External.cidrs[0]', '203.0.113.0/24')]),
    except: at('External.except', [at('External.except[0]', '203.0.113.128/25')]),
  }) as any);
  const domain = new DomainBoundary(topo, 'pay', at('DomainBoundary.props', {
    name: at('DomainBoundary.name', 'pay'),
    tier: at('DomainBoundary.tier', tier),
    description: at('DomainBoundary.description', 'card payments'),
  }) as any);
  const api = domain.addWorkload('api', at('addWorkload.props', {
    cluster: eks, namespace: 'pay',
    ports: at('addWorkload.ports', { grpc: Port.tcp(at('Port.tcp', 9090)), metrics: Port.udp(at('Port.udp', 9100)), sctp: Port.sctp(at('Port.sctp', 9200)) }),
  }) as any);
  domain.export(at('export.workload', api) as any, at('export.ports', Port.named(at('Port.named', 'grpc'))) as any, at('export.options', {
    http: at('export.http', { methods: at('export.http.methods', undefined), paths: at('export.http.paths', ['/pay/*']) }),
  }) as any);
  const web = new Workload(topo, 'web', at('Workload.props', {
    cluster: at('Workload.cluster', eks),
    namespace: at('Workload.namespace', 'shop'),
    name: at('Workload.name', 'web'),
    serviceAccount: at('Workload.serviceAccount', 'web'),
    selector: at('Workload.selector', { app: at('Workload.selector.value', 'web') }),
    ports: at('Workload.ports', { http: at('Workload.ports.http', Port.tcp(8080)) }),
    tier: at('Workload.tier', tier),
  }) as any);
  const db = new Workload(topo, 'db', { cluster: gke, namespace: 'data', ports: { sql: Port.POSTGRES } });
  web.allowTo(at('allowTo.peer', api) as any, at('allowTo.ports', [at('allowTo.ports[0]', Port.named('grpc'))]) as any, at('allowTo.options', {
    http: at('allowTo.http', { methods: at('allowTo.http.methods', ['POST']), paths: at('allowTo.http.paths', ['/pay/charge']) }),
    justification: at('allowTo.justification', 'checkout'),
  }) as any);
  web.allowTo(stripe, Port.HTTPS);
  db.allowFrom(at('allowFrom.peer', web) as any, at('allowFrom.ports', Port.tcpRange(at('Port.tcpRange.from', 5432), at('Port.tcpRange.to', 5433))) as any, at('allowFrom.options', {}) as any);
  web.allowTo(db, [Port.range(at('Port.range.protocol', Protocol.TCP), 6000, 6001), Port.all(at('Port.all.protocol', Protocol.UDP))]);
  web.allowTo(db, Port.parse(at('Port.parse', 'tcp/7000')));
  new BreakGlass(topo, 'oncall', at('BreakGlass.props', {
    name: at('BreakGlass.name', 'oncall'),
    from: at('BreakGlass.from', [at('BreakGlass.from[0]', web)]),
    group: at('BreakGlass.group', 'sre'),
    to: at('BreakGlass.to', [at('BreakGlass.to[0]', api)]),
    ports: at('BreakGlass.ports', Port.named('grpc')),
    start: at('BreakGlass.start', '2026-11-22T20:30:00Z'),
    duration: at('BreakGlass.duration', Duration.hours(at('Duration.hours', 1))),
    reason: at('BreakGlass.reason', 'payments are failing'),
    ticket: at('BreakGlass.ticket', 'INC-1'),
    approvers: at('BreakGlass.approvers', ['alice', at('BreakGlass.approvers[1]', 'bob')]),
  }) as any);
  return topo;
}

/** Ill-typed values: every JavaScript kind, and the edge values of numbers and dates. */
const BAD: readonly unknown[] = [
  null, undefined, 0, -1, 1.5, NaN, Infinity, -Infinity, 1e308, 2 ** 53, 65536,
  '', 'x', 'no', 'false', 'TCP', 'ICMP', 'tcp', '012.0.0.0/8', 'a'.repeat(300 * 1024),
  [], ['x'], [1], [null], {}, { a: 1 }, { toString: 1 },
  new Date(Number.NaN), new Date(8.64e15), new Date(0),
  () => 1, () => 'now', () => new Date(Number.NaN), () => { throw new Error('clock failed'); },
  true, false, Symbol('s'), 10n,
];

/** One value of each kind, for the exhaustive sweep (the property test draws from all of BAD). */
const KINDS: readonly unknown[] = [
  null, undefined, NaN, Infinity, 1e308, -1, 1.5, '', 'no', 'a'.repeat(300 * 1024), [], [null], {}, { toString: 1 },
  new Date(Number.NaN), () => 1, () => new Date(Number.NaN), true, Symbol('s'), 10n,
];

/** Every value factory, with every ill-typed value as each argument. */
const FACTORIES: Record<string, (x: any) => unknown> = {
  'Port.tcp': (x) => Port.tcp(x), 'Port.udp': (x) => Port.udp(x), 'Port.sctp': (x) => Port.sctp(x),
  'Port.tcpRange(x, 10)': (x) => Port.tcpRange(x, 10), 'Port.udpRange(1, x)': (x) => Port.udpRange(1, x),
  'Port.range(x, 1, 2)': (x) => Port.range(x, 1, 2), 'Port.named': (x) => Port.named(x), "Port.named('grpc', x)": (x) => Port.named('grpc', x),
  'Port.all': (x) => Port.all(x), 'Port.parse': (x) => Port.parse(x),
  'Duration.seconds': (x) => Duration.seconds(x), 'Duration.minutes': (x) => Duration.minutes(x), 'Duration.hours': (x) => Duration.hours(x),
  'Duration.days': (x) => Duration.days(x), 'Duration.parse': (x) => Duration.parse(x),
  'Cidr.of': (x) => Cidr.of(x), 'TrustDomain.of': (x) => TrustDomain.of(x), 'SpiffeId.of': (x) => SpiffeId.of(x),
};

describe('ill-typed input gets a coded problem, never another error', () => {
  test('every value factory, with every ill-typed argument', () => {
    const crashes: string[] = [];
    for (const [name, f] of Object.entries(FACTORIES)) {
      for (const value of BAD) {
        try {
          f(value);
        } catch (e) {
          // One problem, named after the factory (the value has no construct yet).
          const ok = BulkheadError.isBulkheadError(e) && e.problems.length === 1
            && e.problems.every((p) => /^BH-[A-Z-]+$/.test(p.code) && /^(Port|Duration|Cidr|TrustDomain|SpiffeId)\.[a-z]/.test(p.path) && p.fix.length > 0 && p.value !== undefined);
          if (!ok) crashes.push(`${name}(${describeValue(value)}): ${(e as Error)?.constructor?.name} ${(e as Error)?.message?.split('\n').slice(0, 2).join(' ')}`);
        }
      }
    }
    expect(crashes).toEqual([]);
  });

  fuzzPositions({ declare, run: (t) => synthesize(t), verb: 'synthesizes', minPositions: 80, kinds: KINDS, several: BAD, numRuns: 400, seed: 6 });
});
