/**
 * The cloud phase of the planner: networks, VM fleets and managed services become plan
 * records; clusters name their network; pods get their own security groups; flows with a
 * cloud side carry `{ kind: 'cloud' }` endpoints; and cloud workloads get every guardrail of
 * Kubernetes workloads (domains, tiers, break-glass).
 */
import * as fc from 'fast-check';
import { Duration } from '../../lib/core/duration';
import { Port } from '../../lib/core/port';
import { Sensitivity } from '../../lib/core/sensitivity';
import { TrustDomain } from '../../lib/core/identity';
import { BreakGlass } from '../../lib/model/break-glass';
import { Cluster } from '../../lib/model/cluster';
import { DomainBoundary } from '../../lib/model/domain';
import { External } from '../../lib/model/external';
import { SensitiveTier } from '../../lib/model/tier';
import { Topology } from '../../lib/model/topology';
import { Workload } from '../../lib/model/workload';
import { AWS_DEFAULT_QUOTAS } from '../../lib/plan/cloud';
import { LAYERS } from '../../lib/core/layers';
import { Plan } from '../../lib/plan/types';
import { base, errors, NOW, plan, planError } from './declare';
import { ACCOUNT, cloud, managed, network, vm, VPC_ID } from './declare-cloud';

describe('networks', () => {
  test('a network with its defaults: the VPC resolver, NTP, the metadata service and AWS quotas', () => {
    const b = base();
    network(b.topo, 'vpc', { cidrs: ['10.0.0.0/16', '10.3.0.0/16'] });
    const p = plan(b.topo);
    expect(p.networks).toEqual([{
      key: 'network:vpc', path: 'shop/vpc', name: 'vpc', cloud: 'aws', account: ACCOUNT, region: 'eu-west-1', vpcId: VPC_ID,
      cidrs: ['10.0.0.0/16', '10.3.0.0/16'], links: [],
      platform: [
        { name: 'dns', cidrs: ['10.0.0.2/32', '169.254.169.253/32'], ports: [{ protocol: 'TCP', port: 53 }, { protocol: 'UDP', port: 53 }] },
        { name: 'imds', cidrs: ['169.254.169.254/32'], ports: [{ protocol: 'TCP', port: 80 }] },
        { name: 'ntp', cidrs: ['169.254.169.123/32'], ports: [{ protocol: 'UDP', port: 123 }] },
      ],
      quotas: { inboundRulesPerGroup: 60, outboundRulesPerGroup: 60, groupsPerInterface: 5 },
    }]);
    expect(AWS_DEFAULT_QUOTAS).toEqual(p.networks[0].quotas);
  });

  test('the resolver is the primary block\'s base + 2, also across an octet', () => {
    const b = base();
    network(b.topo, 'vpc', { cidrs: ['172.31.255.0/24'] });
    expect(plan(b.topo).networks[0].platform.find((x) => x.name === 'dns')?.cidrs).toEqual(['169.254.169.253/32', '172.31.255.2/32']);
  });

  test('platform destinations declared otherwise, and quotas of the account', () => {
    const b = base();
    network(b.topo, 'vpc', {
      platform: { dns: { cidrs: ['10.0.0.10/32', '10.0.1.10'] }, ntp: false, imds: false },
      quotas: { inboundRulesPerGroup: 200, groupsPerInterface: 4 },
    });
    const n = plan(b.topo).networks[0];
    expect(n.platform).toEqual([{ name: 'dns', cidrs: ['10.0.0.10/32', '10.0.1.10/32'], ports: [{ protocol: 'TCP', port: 53 }, { protocol: 'UDP', port: 53 }] }]);
    expect(n.quotas).toEqual({ inboundRulesPerGroup: 200, outboundRulesPerGroup: 60, groupsPerInterface: 4 });
  });

  test('links are recorded on both networks, sorted, once however often declared', () => {
    const b = base();
    const a = network(b.topo, 'a', { vpcId: 'vpc-0a000000000000001', cidrs: ['10.10.0.0/16'] });
    const c = network(b.topo, 'c', { vpcId: 'vpc-0a000000000000003', cidrs: ['10.30.0.0/16'], region: 'us-east-1' });
    const m = network(b.topo, 'm', { vpcId: 'vpc-0a000000000000002', cidrs: ['10.20.0.0/16'] });
    m.peerWith(a);
    a.peerWith(m);
    m.linkViaTransitGateway(c);
    const links = Object.fromEntries(plan(b.topo).networks.map((n) => [n.name, n.links]));
    expect(links).toEqual({
      a: [{ peer: 'm', kind: 'peering' }],
      c: [{ peer: 'm', kind: 'transit-gateway' }],
      m: [{ peer: 'a', kind: 'peering' }, { peer: 'c', kind: 'transit-gateway' }],
    });
  });

  test('region names AWS uses pass; lookalikes fail', () => {
    for (const region of ['us-east-1', 'eu-central-2', 'ap-southeast-5', 'us-gov-west-1', 'cn-northwest-1', 'il-central-1', 'mx-central-1']) {
      const b = base();
      network(b.topo, 'vpc', { region });
      expect(plan(b.topo).networks[0].region).toBe(region);
    }
    for (const region of ['eu-west', 'EU-WEST-1', 'eu-west-1a', 'europe-west1', 'eu_west_1', '']) {
      const b = base();
      network(b.topo, 'vpc', { region });
      expect(errors(planError(b.topo).problems).map((p) => p.code)).toEqual(['BH-AWS-REGION']);
    }
  });
});

describe('clusters and pods in a network', () => {
  test('a cluster names its network; its workloads may have security groups of their own', () => {
    const b = base();
    const vpc = network(b.topo, 'vpc');
    const eks2 = new Cluster(b.topo, 'eks2', { cloud: 'aws', region: 'eu-west-1', podCidrs: ['10.0.128.0/17'], nodeCidrs: ['10.0.16.0/20'], network: vpc });
    new Workload(b.topo, 'orders', { cluster: eks2, namespace: 'orders', securityGroup: true });
    new Workload(b.topo, 'ledger', { cluster: eks2, namespace: 'orders', securityGroup: { adoptId: 'sg-0123456789abcdef0' } });
    new Workload(b.topo, 'plain', { cluster: eks2, namespace: 'orders' });
    const p = plan(b.topo);
    expect(p.clusters.map((c) => [c.name, c.network])).toEqual([['eks', undefined], ['eks2', 'vpc']]);
    expect(p.clusters.find((c) => c.name === 'eks')).not.toHaveProperty('network');
    const sg = Object.fromEntries(p.workloads.map((w) => [w.name, w.securityGroup]));
    expect(sg).toEqual({ web: undefined, cart: undefined, orders: { network: 'vpc' }, ledger: { network: 'vpc', adoptId: 'sg-0123456789abcdef0' }, plain: undefined });
  });

  test('securityGroup: false is no group', () => {
    const b = base();
    new Workload(b.topo, 'api', { cluster: b.eks, namespace: 'shop', securityGroup: false });
    expect(plan(b.topo).workloads.find((w) => w.name === 'api')).not.toHaveProperty('securityGroup');
  });
});

describe('VM fleets and managed services', () => {
  test('records with identity, ports, tags and both directions of their flows', () => {
    const b = base();
    const c = cloud(b);
    c.erp.allowTo(c.db, Port.POSTGRES);
    b.web.allowTo(c.erp, Port.named('https'));
    const p = plan(b.topo);
    expect(p.cloudWorkloads.map((w) => w.key)).toEqual(['cloud:vpc/erp', 'cloud:vpc/orders-db']);
    const [erp, db] = p.cloudWorkloads;
    expect(erp).toMatchObject({
      path: 'shop/erp', kind: 'vm', name: 'erp', network: 'vpc', subnetCidrs: ['10.0.32.0/20'],
      ports: [{ name: 'https', port: 443, protocol: 'TCP' }], tags: { app: 'erp' },
      tier: { level: 'internal', name: 'internal', maxSvidTtlSeconds: 4 * 3600 },
      identity: {
        spiffeId: 'spiffe://shop.example.com/ns/vpc/sa/erp',
        parentId: 'spiffe://shop.example.com/node/aws/vpc/erp',
        nodeSelectors: ['aws_iid:tag:app:erp'],
        selectors: ['unix:user:erp'],
        spireCluster: 'eks', svidTtlSeconds: 4 * 3600,
      },
    });
    expect(erp).not.toHaveProperty('service');
    expect(db).toMatchObject({ kind: 'managed-service', service: 'rds', ports: [{ name: 'postgres', port: 5432, protocol: 'TCP' }], calls: [] });
    expect(db).not.toHaveProperty('identity');
    expect(erp.calls.map((e) => [e.peer, e.ports])).toEqual([[{ kind: 'cloud', key: 'cloud:vpc/orders-db' }, [{ protocol: 'TCP', port: 5432 }]]]);
    expect(erp.calledBy.map((e) => [e.peer, e.ports])).toEqual([[{ kind: 'workload', key: 'eks/shop/web' }, [{ protocol: 'TCP', port: 443, name: 'https' }]]]);
    expect(db.calledBy.map((e) => e.peer.key)).toEqual(['cloud:vpc/erp']);
    // The flows name cloud endpoints, and the pod's side holds its half.
    const declared = p.flows.filter((f) => f.origin === 'declared').map((f) => [f.id, f.source, f.destination]);
    expect(declared).toEqual([
      ['cloud:vpc/erp->cloud:vpc/orders-db', { kind: 'cloud', key: 'cloud:vpc/erp' }, { kind: 'cloud', key: 'cloud:vpc/orders-db' }],
      ['eks/shop/web->cloud:vpc/erp', { kind: 'workload', key: 'eks/shop/web' }, { kind: 'cloud', key: 'cloud:vpc/erp' }],
    ]);
    expect(p.workloads.find((w) => w.name === 'web')?.calls.map((e) => e.peer)).toContainEqual({ kind: 'cloud', key: 'cloud:vpc/erp' });
    // Platform flows (DNS, mesh control plane) stay those of the pods.
    expect(p.flows.filter((f) => f.origin === 'platform').every((f) => f.source.kind !== 'cloud' && f.destination.kind !== 'cloud')).toBe(true);
  });

  test('the identity is the one every workload is named by, from the SPIRE cluster\'s trust domain and the tier\'s TTL', () => {
    const b = base();
    const vpc = network(b.topo, 'vpc');
    const spire = new Cluster(b.topo, 'spire-eu', { cloud: 'aws', region: 'eu-west-1', podCidrs: ['10.0.128.0/17'], trustDomain: 'eu.shop.example.com', layers: ['kubernetes', 'spire'], network: vpc });
    const critical = new SensitiveTier(b.topo, 'vault', { level: Sensitivity.CRITICAL });
    vm(b.topo, 'hsm', vpc, {
      tier: critical, securityGroup: { adoptId: 'sg-0123456789abcdef0' },
      identity: { namespace: 'keys', serviceAccount: 'hsm-agent', workloadSelectors: ['systemd:id:hsm.service', 'unix:uid:1001'] },
    });
    const id = plan(b.topo).cloudWorkloads[0].identity;
    expect(id).toEqual({
      spiffeId: TrustDomain.of('eu.shop.example.com').workloadId('keys', 'hsm-agent').toString(),
      parentId: 'spiffe://eu.shop.example.com/node/aws/vpc/hsm',
      nodeSelectors: ['aws_iid:sg:id:sg-0123456789abcdef0'],
      selectors: ['systemd:id:hsm.service', 'unix:uid:1001'],
      spireCluster: 'spire-eu', svidTtlSeconds: 15 * 60,
    });
    expect(spire.clusterName).toBe('spire-eu');
  });

  test('of two SPIRE clusters, the one in the fleet\'s network holds its entries', () => {
    const b = base();
    const vpc = network(b.topo, 'vpc');
    new Cluster(b.topo, 'local', { cloud: 'aws', podCidrs: ['10.0.128.0/17'], layers: ['kubernetes', 'spire'], network: vpc });
    vm(b.topo, 'erp', vpc);
    expect(plan(b.topo).cloudWorkloads[0].identity?.spireCluster).toBe('local');
  });

  test('identity: false is a fleet without identity; a topology without SPIRE needs it', () => {
    const b = base();
    const vpc = network(b.topo, 'vpc');
    vm(b.topo, 'legacy', vpc, { identity: false });
    expect(plan(b.topo).cloudWorkloads[0]).not.toHaveProperty('identity');

    const t = new Topology(undefined, 'plain', { trustDomain: 'plain.example.com', clock: () => NOW });
    new Cluster(t, 'k', { cloud: 'aws' });
    vm(t, 'erp', network(t, 'vpc'));
    const e = planError(t);
    expect(e.problems.map((p) => [p.code, p.path, p.message])).toEqual([['BH-VM-SPIRE-CLUSTER', 'plain/erp', "no cluster runs SPIRE (layer 'spire') to hold the fleet's entries"]]);
  });

  test('named ports of a VM fleet resolve; a port it lacks is an error', () => {
    const b = base();
    const c = cloud(b);
    b.web.allowTo(c.erp, Port.named('ssh'));
    const p = planError(b.topo).problems.find((x) => x.code === 'BH-NAMED-PORT');
    expect(p).toMatchObject({ path: 'shop/web (web -> erp)', value: '"tcp/ssh"' });
    expect(p?.fix).toMatch(/tcp\/https/);
  });

  test('L7 rules into a VM are accepted from a pod of a Cilium cluster (its egress proxy enforces them)', () => {
    const b = base();
    const c = cloud(b);
    b.web.allowTo(c.erp, Port.named('https'), { http: { methods: ['GET'], paths: ['/api/*'] } });
    expect(plan(b.topo).flows.find((f) => f.destination.key === 'cloud:vpc/erp')?.http).toEqual([{ methods: ['GET'], paths: ['/api/*'] }]);
    expect(LAYERS).toContain('cilium');
  });
});

describe('guardrails apply to cloud workloads as to Kubernetes workloads', () => {
  test('a domain exports its VM fleet; a flow to what it does not export is an error', () => {
    const b = base();
    const vpc = network(b.topo, 'vpc');
    const erpDomain = new DomainBoundary(b.topo, 'erp');
    const erp = vm(erpDomain, 'erp', vpc, { ports: { https: Port.HTTPS, soap: Port.tcp(8443) } });
    const db = managed(erpDomain, 'erp-db', vpc);
    erpDomain.export(erp, Port.named('https'));
    erp.allowTo(db, Port.POSTGRES); // inside the domain
    b.web.allowTo(erp, Port.named('https'));
    const ok = plan(b.topo);
    expect(ok.cloudWorkloads.map((w) => [w.name, w.domain])).toEqual([['erp', 'erp'], ['erp-db', 'erp']]);

    b.web.allowTo(erp, Port.named('soap'));
    b.cart.allowTo(db, Port.POSTGRES);
    const e = planError(b.topo);
    expect(errors(e.problems).map((p) => [p.code, p.path, p.value])).toEqual([
      ['BH-DOMAIN-EXPORT', 'shop/cart (cart -> erp-db)', '"cloud:vpc/erp-db tcp/5432"'],
      ['BH-DOMAIN-EXPORT', 'shop/web (web -> erp)', '"cloud:vpc/erp tcp/8443"'],
    ]);
  });

  test('a domain exports only its own cloud workloads', () => {
    const b = base();
    const c = cloud(b);
    const d = new DomainBoundary(b.topo, 'pay');
    d.export(c.db, Port.POSTGRES);
    expect(errors(planError(b.topo).problems).map((p) => [p.code, p.path])).toEqual([['BH-EXPORT-FOREIGN', 'shop/pay']]);
  });

  test('a flow from a public pod into a critical database needs a justification', () => {
    const b = base();
    const vpc = network(b.topo, 'vpc');
    const critical = new SensitiveTier(b.topo, 'ledger', { level: Sensitivity.CRITICAL });
    const pub = new SensitiveTier(b.topo, 'edge', { level: Sensitivity.PUBLIC });
    const ledger = managed(b.topo, 'ledger-db', vpc, { tier: critical });
    const gw = new Workload(b.topo, 'gw', { cluster: b.eks, namespace: 'edge', tier: pub });
    gw.allowTo(ledger, Port.POSTGRES);
    const p = planError(b.topo).problems.find((x) => x.code === 'BH-TIER-JUSTIFICATION');
    expect(p).toMatchObject({ path: 'shop/gw (gw -> ledger-db)', value: '"eks/edge/gw -> cloud:vpc/ledger-db"', message: 'a flow from public tier into the critical tier needs a justification' });

    const b2 = base();
    const vpc2 = network(b2.topo, 'vpc');
    const l2 = managed(b2.topo, 'ledger-db', vpc2, { tier: new SensitiveTier(b2.topo, 'ledger', { level: Sensitivity.CRITICAL }) });
    new Workload(b2.topo, 'gw', { cluster: b2.eks, namespace: 'edge', tier: new SensitiveTier(b2.topo, 'edge', { level: Sensitivity.PUBLIC }) })
      .allowTo(l2, Port.POSTGRES, { justification: 'settlement' });
    expect(plan(b2.topo).flows.find((f) => f.destination.key === 'cloud:vpc/ledger-db')?.justification).toBe('settlement');
  });

  test('a VM fleet of a tier without internet egress may not call an External', () => {
    const b = base();
    const vpc = network(b.topo, 'vpc');
    const hsm = vm(b.topo, 'hsm', vpc, { tier: new SensitiveTier(b.topo, 'vault', { level: Sensitivity.CRITICAL }) });
    hsm.allowTo(new External(b.topo, 'ntp-pool', { cidrs: ['203.0.113.0/24'] }), Port.udp(123));
    expect(errors(planError(b.topo).problems).map((p) => [p.code, p.path, p.value])).toEqual([['BH-TIER-EGRESS', 'shop/hsm (hsm -> ntp-pool)', '"cloud:vpc/hsm -> ntp-pool"']]);
  });

  test('break-glass to a VM fleet: the tier\'s window and approvers hold; a grant in force adds its flow', () => {
    const b = base();
    const vpc = network(b.topo, 'vpc');
    const hsm = vm(b.topo, 'hsm', vpc, { ports: { ssh: Port.tcp(22) }, tier: new SensitiveTier(b.topo, 'vault', { level: Sensitivity.CRITICAL }) });
    const props = { from: [b.web], to: [hsm], ports: Port.named('ssh'), start: '2026-11-22T20:30:00Z', reason: 'rotate a key' };
    new BreakGlass(b.topo, 'too-long', { ...props, duration: Duration.hours(2), approvers: ['alice', 'bob'] });
    new BreakGlass(b.topo, 'one-approver', { ...props, duration: Duration.minutes(30), approvers: ['alice'] });
    expect(errors(planError(b.topo).problems).map((p) => [p.code, p.path, p.message])).toEqual([
      ['BH-BG-APPROVERS', 'shop/one-approver', 'the critical tier of cloud:vpc/hsm needs at least 2 distinct approvers'],
      ['BH-BG-WINDOW', 'shop/too-long', 'the window is longer than the critical tier of cloud:vpc/hsm allows'],
    ]);

    const b2 = base();
    const vpc2 = network(b2.topo, 'vpc');
    const hsm2 = vm(b2.topo, 'hsm', vpc2, { ports: { ssh: Port.tcp(22) }, tier: new SensitiveTier(b2.topo, 'vault', { level: Sensitivity.CRITICAL }) });
    new BreakGlass(b2.topo, 'rotate', { from: [b2.web], to: [hsm2], ports: Port.named('ssh'), start: '2026-11-22T20:30:00Z', reason: 'rotate a key', duration: Duration.minutes(45), approvers: ['alice', 'bob'] });
    const p = plan(b2.topo);
    expect(p.breakGlass.map((g) => [g.name, g.flowIds])).toEqual([['rotate', ['bg:rotate:eks/shop/web->cloud:vpc/hsm']]]);
    expect(p.cloudWorkloads[0].calledBy).toEqual([{
      flowId: 'bg:rotate:eks/shop/web->cloud:vpc/hsm', peer: { kind: 'workload', key: 'eks/shop/web' },
      ports: [{ protocol: 'TCP', port: 22, name: 'ssh' }], http: [], origin: 'break-glass', breakGlass: 'rotate',
    }]);
  });

  test('a grant from a VM fleet into a pod, across the domain boundary, is held to the tier only', () => {
    const b = base();
    const c = cloud(b);
    const pay = new DomainBoundary(b.topo, 'pay');
    const api = pay.addWorkload('api', { cluster: b.eks, namespace: 'pay', ports: { grpc: Port.tcp(9090) } });
    new BreakGlass(b.topo, 'replay', { from: [c.erp], to: [api], ports: Port.named('grpc'), start: '2026-11-22T20:30:00Z', duration: Duration.hours(1), reason: 'replay invoices', approvers: ['alice'] });
    const p = plan(b.topo);
    expect(p.flows.filter((f) => f.origin === 'break-glass').map((f) => [f.source, f.destination.key])).toEqual([[{ kind: 'cloud', key: 'cloud:vpc/erp' }, 'eks/pay/api']]);
    expect(p.cloudWorkloads.find((w) => w.name === 'erp')?.calls.map((e) => e.breakGlass)).toEqual(['replay']);
  });
});

describe('determinism', () => {
  /** One declaration, its statements in the order given. */
  function declare(order: readonly number[], reverse = false): Plan {
    const b = base();
    const both = <A, B>(f: () => A, g: () => B): [A, B] => {
      if (!reverse) { const a = f(); return [a, g()]; }
      const y = g();
      return [f(), y];
    };
    const [vpc, legacy] = both(() => network(b.topo, 'vpc'), () => network(b.topo, 'legacy', { vpcId: 'vpc-0b1b2c3d4e5f67890', cidrs: ['10.2.0.0/16'] }));
    const eks2 = new Cluster(b.topo, 'eks2', { cloud: 'aws', podCidrs: ['10.0.128.0/17'], network: vpc });
    const orders = new Workload(b.topo, 'orders', { cluster: eks2, namespace: 'orders', securityGroup: true, ports: { https: Port.HTTPS } });
    const [erp, [main, db]] = both(
      () => vm(b.topo, 'erp', vpc, { tags: { role: 'erp', app: 'erp', team: 'finance' }, ports: { https: Port.HTTPS, soap: Port.tcp(8443) } }),
      () => both(() => vm(b.topo, 'mainframe', legacy, { subnetCidrs: ['10.2.1.0/24', '10.2.0.0/24'] }), () => managed(b.topo, 'orders-db', vpc, { subnetCidrs: ['10.0.65.0/24', '10.0.64.0/24'] })),
    );
    const statements: (() => void)[] = [
      () => erp.allowTo(db, Port.POSTGRES),
      () => orders.allowTo(erp, Port.HTTPS),
      () => orders.allowTo(erp, Port.named('soap')),
      () => db.allowFrom(orders, Port.POSTGRES),
      () => vpc.peerWith(legacy),
      () => erp.allowTo(main, Port.named('https')),
      () => erp.allowTo(orders, Port.named('https')),
      () => b.web.allowTo(erp, [Port.tcp(8443), Port.HTTPS]),
    ];
    for (const i of order) statements[i]();
    return plan(b.topo);
  }

  test('shuffled statements and constructs give the same plan, byte for byte', () => {
    const reference = JSON.stringify(declare([0, 1, 2, 3, 4, 5, 6, 7]));
    expect(JSON.parse(reference).cloudWorkloads).toHaveLength(3);
    fc.assert(fc.property(fc.shuffledSubarray([0, 1, 2, 3, 4, 5, 6, 7], { minLength: 8, maxLength: 8 }), fc.boolean(), (order, reverse) => {
      expect(JSON.stringify(declare(order, reverse))).toBe(reference);
    }), { numRuns: 25, seed: 7 });
  });

  test('lists are sorted: subnets, tags, node selectors', () => {
    const p = declare([0, 1, 2, 3, 4, 5, 6, 7]);
    const erp = p.cloudWorkloads.find((w) => w.name === 'erp');
    expect(Object.keys(erp?.tags ?? {})).toEqual(['app', 'role', 'team']);
    expect(erp?.identity?.nodeSelectors).toEqual(['aws_iid:tag:app:erp', 'aws_iid:tag:role:erp', 'aws_iid:tag:team:finance']);
    expect(p.cloudWorkloads.find((w) => w.name === 'orders-db')?.subnetCidrs).toEqual(['10.0.64.0/24', '10.0.65.0/24']);
  });
});
