/**
 * Ill-typed cloud input: every prop and argument of the cloud declaration API (networks,
 * links, VM fleets, managed services, cluster networks, pod security groups) may come from
 * plain JavaScript or a cast. Whatever value sits in any position, building the plan either
 * succeeds or throws a BulkheadError whose problems each carry a code, a path, a message and
 * a fix — never a TypeError or any other error.
 */
import { Port } from '../../lib/core/port';
import { Sensitivity } from '../../lib/core/sensitivity';
import { BreakGlass } from '../../lib/model/break-glass';
import { Cluster } from '../../lib/model/cluster';
import { DomainBoundary } from '../../lib/model/domain';
import { ManagedService } from '../../lib/model/managed-service';
import { Network } from '../../lib/model/network';
import { SensitiveTier } from '../../lib/model/tier';
import { Topology } from '../../lib/model/topology';
import { VmFleet } from '../../lib/model/vm';
import { Workload } from '../../lib/model/workload';
import { Duration } from '../../lib/core/duration';
import { buildPlan } from '../../lib/plan/build';
import { NOW } from './declare';
import { fuzzPositions, Overrides, reader } from '../util/fuzz-positions';

/* eslint-disable @typescript-eslint/no-explicit-any */

function declare(over: Overrides, positions?: Set<string>): Topology {
  const at = reader(over, positions);
  const topo = new Topology(undefined, 'shop', { trustDomain: 'shop.example.com', clock: () => NOW });
  const tier = new SensitiveTier(topo, 'vault', { level: Sensitivity.HIGHLY_SENSITIVE });
  const vpc = new Network(topo, 'vpc', at('Network.props', {
    name: at('Network.name', 'vpc'),
    cloud: at('Network.cloud', 'aws'),
    account: at('Network.account', '123456789012'),
    region: at('Network.region', 'eu-west-1'),
    vpcId: at('Network.vpcId', 'vpc-0a1b2c3d4e5f67890'),
    cidrs: at('Network.cidrs', [at('Network.cidrs[0]', '10.0.0.0/16')]),
    platform: at('Network.platform', {
      dns: at('Network.platform.dns', { cidrs: at('Network.platform.dns.cidrs', ['10.0.0.10/32']) }),
      ntp: at('Network.platform.ntp', true),
      imds: at('Network.platform.imds', true),
    }),
    quotas: at('Network.quotas', {
      inboundRulesPerGroup: at('Network.quotas.inbound', 100),
      outboundRulesPerGroup: at('Network.quotas.outbound', 60),
      groupsPerInterface: at('Network.quotas.groups', 5),
    }),
  }) as any);
  const legacy = new Network(topo, 'legacy', { account: '123456789012', region: 'eu-west-1', vpcId: 'vpc-0b1b2c3d4e5f67890', cidrs: ['10.2.0.0/16'] });
  vpc.peerWith(at('peerWith.other', legacy) as any);
  const hub = new Network(topo, 'hub', { account: '210987654321', region: 'eu-west-2', vpcId: 'vpc-0c1b2c3d4e5f67890', cidrs: ['10.3.0.0/16'] });
  vpc.linkViaTransitGateway(at('linkViaTransitGateway.other', hub) as any);
  const eks = new Cluster(topo, 'eks', at('Cluster.props', {
    cloud: 'aws', region: 'eu-west-1', podCidrs: ['10.0.128.0/17'], layers: ['kubernetes', 'cilium', 'istio', 'spire'],
    network: at('Cluster.network', vpc),
  }) as any);
  const web = new Workload(topo, 'web', at('Workload.props', {
    cluster: eks, namespace: 'shop',
    securityGroup: at('Workload.securityGroup', { adoptId: at('Workload.securityGroup.adoptId', 'sg-0123456789abcdef1') }),
  }) as any);
  const domain = new DomainBoundary(topo, 'erp');
  const erp = new VmFleet(domain, 'erp', at('VmFleet.props', {
    network: at('VmFleet.network', vpc),
    name: at('VmFleet.name', 'erp'),
    subnetCidrs: at('VmFleet.subnetCidrs', [at('VmFleet.subnetCidrs[0]', '10.0.32.0/20')]),
    ports: at('VmFleet.ports', { https: at('VmFleet.ports.https', Port.HTTPS) }),
    tags: at('VmFleet.tags', { app: at('VmFleet.tags.app', 'erp') }),
    tier: at('VmFleet.tier', tier),
    securityGroup: at('VmFleet.securityGroup', undefined),
    identity: at('VmFleet.identity', {
      namespace: at('VmFleet.identity.namespace', 'erp'),
      serviceAccount: at('VmFleet.identity.serviceAccount', 'erp'),
      spireCluster: at('VmFleet.identity.spireCluster', eks),
      nodeSelectors: at('VmFleet.identity.nodeSelectors', [at('VmFleet.identity.nodeSelectors[0]', 'tag:app:erp')]),
      workloadSelectors: at('VmFleet.identity.workloadSelectors', [at('VmFleet.identity.workloadSelectors[0]', 'unix:user:erp')]),
    }),
  }) as any);
  const db = new ManagedService(domain, 'orders-db', at('ManagedService.props', {
    network: at('ManagedService.network', vpc),
    name: at('ManagedService.name', 'orders-db'),
    service: at('ManagedService.service', 'rds'),
    subnetCidrs: at('ManagedService.subnetCidrs', ['10.0.64.0/24']),
    ports: at('ManagedService.ports', { postgres: at('ManagedService.ports.postgres', Port.POSTGRES) }),
    tags: at('ManagedService.tags', { team: 'orders' }),
    tier: at('ManagedService.tier', tier),
    securityGroup: at('ManagedService.securityGroup', { adoptId: at('ManagedService.securityGroup.adoptId', 'sg-0123456789abcdef0') }),
  }) as any);
  domain.export(at('export.workload', erp) as any, at('export.ports', Port.named('https')) as any);
  erp.allowTo(at('VmFleet.allowTo.peer', db) as any, at('VmFleet.allowTo.ports', Port.POSTGRES) as any, at('VmFleet.allowTo.options', {}) as any);
  web.allowTo(at('Workload.allowTo.peer', erp) as any, Port.named('https'), { justification: 'orders' });
  db.allowFrom(at('ManagedService.allowFrom.peer', erp) as any, at('ManagedService.allowFrom.ports', Port.POSTGRES) as any);
  new BreakGlass(topo, 'oncall', {
    from: at('BreakGlass.from', [web]) as any, to: at('BreakGlass.to', [at('BreakGlass.to[0]', db)]) as any, ports: Port.POSTGRES,
    start: '2026-11-22T20:30:00Z', duration: Duration.hours(1), reason: 'fix a row', approvers: ['alice', 'bob'],
  });
  return topo;
}

const KINDS: readonly unknown[] = [
  null, undefined, NaN, Infinity, -1, 1.5, 0, '', 'no', 'a'.repeat(2000), [], [null], ['x'], {}, { toString: 1 }, { cidrs: 'x' },
  new Date(Number.NaN), () => 1, true, false, Symbol('s'), 10n,
];

describe('ill-typed cloud input gets a coded problem, never another error', () => {
  fuzzPositions({ declare, run: (t) => buildPlan(t, { now: NOW }), verb: 'plans', minPositions: 45, kinds: KINDS, several: KINDS, numRuns: 300, seed: 11 });
});
