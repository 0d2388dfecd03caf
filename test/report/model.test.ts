/**
 * The report's data model, built from the e-commerce example: nodes, groups, the per-layer and
 * effective connectivity joined by pair, the explanations from the analysis engine, the grants,
 * tiers, warnings and verify's result; and the disagreement rule.
 */
import * as fc from 'fast-check';
import { declareShop, EXAMPLE_NOW } from '../../examples/ecommerce/declaration';
import { PortSet } from '../../lib/analysis/portset';
import { AnalysisLayer } from '../../lib/analysis/types';
import { disagreeing, durationText, enforcedScope, representativePort } from '../../lib/report/model';
import { overviewView, pageData, ReportData, reportOfTopology } from '../../lib/report';
import { Port } from '../../lib/core/port';
import { verify } from '../../lib/verify';
import { LAYERS } from '../../lib/core/layers';
import { Cluster } from '../../lib/model/cluster';
import { Workload } from '../../lib/model/workload';
import { base, NOW } from '../plan/declare';
import { managed, network, vm } from '../plan/declare-cloud';

jest.setTimeout(180_000);

let data: ReportData;
beforeAll(() => {
  data = reportOfTopology(declareShop(undefined).topology, { clock: EXAMPLE_NOW });
});

const flow = (src: string, dst: string) => data.flows.find((f) => f.src === src && f.dst === dst);

test('nodes: every workload of both clusters, with tier and domain from the plan; externals by name', () => {
  const ids = data.nodes.map((n) => n.id);
  expect(ids).toEqual([...ids].sort());
  const payment = data.nodes.find((n) => n.id === 'eks-prod:payments/payment-service[Deployment]')!;
  expect(payment).toMatchObject({ kind: 'workload', cluster: 'eks-prod', namespace: 'payments', domain: 'payments', group: 'domain:payments', level: 'highly-sensitive' });
  expect(data.nodes.find((n) => n.id === 'eks-prod:kube-system/platform-dns[Deployment]')).toMatchObject({ kind: 'platform', label: 'kube-system/dns' });
  expect(data.nodes.find((n) => n.id === 'ext:internet')).toMatchObject({ kind: 'external', group: 'external' });
  expect(ids).toContain('gke-analytics:analytics/event-collector[Deployment]');
});

test('groups: domains, then namespaces for workloads in no domain, and the outside', () => {
  const g = (id: string) => data.groups.find((x) => x.id === id);
  expect(g('domain:payments')?.members).toEqual([
    'eks-prod:payments/fraud-detection[Deployment]', 'eks-prod:payments/payment-db[Deployment]', 'eks-prod:payments/payment-service[Deployment]',
  ]);
  expect(g('domain:payments')?.kind).toBe('domain');
  expect(g('ns:eks-prod/shop')?.kind).toBe('namespace');
  expect(g('external')?.kind).toBe('external');
  // every node is in exactly one group
  expect(data.groups.flatMap((x) => x.members).sort()).toEqual(data.nodes.map((n) => n.id).sort());
});

test('flows: a declared flow is allowed by every layer and effective, with its explanation naming each layer', () => {
  const f = flow('eks-prod:shop/web[Deployment]', 'eks-prod:shop/catalog-service[Deployment]')!;
  expect(f).toBeDefined();
  expect(f.effective).not.toBe('');
  expect(Object.keys(f.layers)).toEqual(['kubernetes', 'cilium', 'istio']);
  expect(f.disagreement).toBe(false);
  expect(f.explanation?.allowed).toBe(true);
  expect(f.explanation?.sides.map((s) => s.layers.map((l) => l.layer))).toEqual([['kubernetes', 'cilium', 'istio']]);
  expect(f.explanation?.sides[0].layers.every((l) => l.reasons.some((r) => r.effect === 'allow' && r.rule !== undefined))).toBe(true);
});

test('flows: the cross-cluster flow is marked and explained on both sides', () => {
  const f = flow('eks-prod:shop/cart-service[Deployment]', 'gke-analytics:analytics/event-collector[Deployment]')!;
  expect(f.cross).toBe(true);
  expect(f.effective).not.toBe('');
  expect(f.explanation?.sides.map((s) => [s.cluster, s.direction])).toEqual([['eks-prod', 'egress'], ['gke-analytics', 'ingress']]);
});

test('flows: the break-glass grant marks its flow; traffic from the internet goes to the named external', () => {
  const bg = data.flows.filter((f) => f.breakGlass !== undefined);
  expect(bg.length).toBeGreaterThan(0);
  expect(bg.every((f) => f.dst === 'eks-prod:payments/payment-db[Deployment]')).toBe(true);
  const inbound = data.flows.filter((f) => f.src === 'ext:internet' && f.effective !== '');
  expect(inbound.map((f) => f.dst)).toContain('eks-prod:ingress/ingress-controller[Deployment]');
  expect(inbound.every((f) => f.external && f.ranges !== undefined)).toBe(true);
});

test('flows: the payment provider (an FQDN) is its own node, reached from the payment service', () => {
  const provider = data.nodes.find((n) => n.kind === 'external' && n.id !== 'ext:internet' && n.id !== 'ext:other' && (n.detail ?? '').includes('.'));
  expect(provider).toBeDefined();
  const f = flow('eks-prod:payments/payment-service[Deployment]', provider!.id);
  expect(f?.effective).toMatch(/TCP 443/);
});

test('flows: istio is judged on TCP only, so no row exists for what it leaves to the network layers', () => {
  expect(data.flows.every((f) => !(f.layers.istio ?? '').match(/UDP|SCTP/))).toBe(true);
  // a row is there because some layer allows something
  expect(data.flows.every((f) => Object.values(f.layers).some((p) => p !== '') || f.effective !== '')).toBe(true);
});

test('disagreements: flagged exactly where two layers differ within the protocols both enforce', () => {
  for (const f of data.flows) {
    const ls = Object.keys(f.layers) as AnalysisLayer[];
    const ports = new Map(ls.map((l) => [l, f.layers[l] ?? '']));
    const differs = ls.some((a) => ls.some((b) => a !== b && a !== 'istio' && b !== 'istio' && ports.get(a) !== ports.get(b)));
    if (differs) expect(f.disagreement).toBe(true);
  }
  expect(data.flows.some((f) => f.disagreement)).toBe(true);
});

test('grants, tiers, acknowledged warnings and verify', () => {
  expect(data.grants).toHaveLength(1);
  expect(data.grants[0]).toMatchObject({ expiresAt: expect.stringMatching(/^2026-11-2\dT/), remaining: expect.stringMatching(/\dh|\dm/) });
  expect(data.grants[0].approvers.length).toBeGreaterThanOrEqual(2);
  expect(data.tiers.map((t) => t.level)).toEqual(expect.arrayContaining(['critical', 'highly-sensitive']));
  expect(data.tiers[0].level).toBe('critical');
  expect(data.tiers[0].controls).toMatchObject({ mTLS: 'STRICT' });
  expect(data.acknowledged.every((w) => w.acknowledged)).toBe(true);
  expect(data.warnings.every((w) => !w.acknowledged)).toBe(true);
  expect(data.verify?.ok).toBe(true);
  expect(data.verify?.layers.map((l) => `${l.cluster} ${l.layer}`)).toEqual(expect.arrayContaining(['eks-prod kubernetes', 'eks-prod cilium', 'eks-prod istio', 'gke-analytics istio']));
});

test('verify\'s result is that of verify on the topology (the report hands it the synthesis it analysed)', () => {
  expect(data.verify).toEqual(verify(declareShop(undefined).topology, { now: EXAMPLE_NOW }));
});

test('representativePort: TCP first, then UDP, then SCTP, lowest port', () => {
  expect(representativePort(PortSet.of('UDP', 53).union(PortSet.of('TCP', 8080, 8081)))).toEqual({ protocol: 'TCP', port: 8080 });
  expect(representativePort(PortSet.of('SCTP', 7).union(PortSet.of('UDP', 53)))).toEqual({ protocol: 'UDP', port: 53 });
  expect(representativePort(PortSet.EMPTY)).toBeUndefined();
});

test('disagreeing: istio answers count on TCP only; a property over random port sets', () => {
  const set = fc.tuple(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 0, max: 20 }), fc.constantFrom('TCP', 'UDP' as const)).map(([a, n, p]) => PortSet.of(p as 'TCP' | 'UDP', a, a + n));
  fc.assert(fc.property(set, set, (a, b) => {
    const m = new Map<AnalysisLayer, PortSet>([['kubernetes', a], ['istio', b]]);
    expect(disagreeing(['kubernetes', 'istio'], m)).toBe(!a.intersect(enforcedScope('istio')).equals(b.intersect(enforcedScope('istio'))));
    expect(disagreeing(['kubernetes'], m)).toBe(false);
  }));
});

test('durationText', () => {
  expect(durationText(7200)).toBe('2h');
  expect(durationText(90061)).toBe('1d 1h 1m');
  expect(durationText(30)).toBe('0m');
  expect(durationText(0)).toBe('expired');
});

describe('a declaration with a cloud network: the aws security-group layer', () => {
  const cloudData = (() => {
    const b = base();
    const vpc = network(b.topo, 'vpc');
    const eks = new Cluster(b.topo, 'eks2', { cloud: 'aws', region: 'eu-west-1', podCidrs: ['10.0.128.0/17'], layers: [...LAYERS], network: vpc });
    const erp = vm(b.topo, 'erp', vpc);
    const db = managed(b.topo, 'orders-db', vpc);
    const api = new Workload(b.topo, 'api', { cluster: eks, namespace: 'orders', securityGroup: true, ports: { http: Port.tcp(8080) } });
    erp.allowTo(db, Port.POSTGRES);
    // a workload with groups of its own to a managed service; one without (its cluster has no network) to a VM fleet
    api.allowTo(db, Port.POSTGRES);
    b.web.allowTo(erp, Port.named('https'));
    return reportOfTopology(b.topo, { clock: NOW });
  })();

  test('its cloud endpoints are nodes of their network, and the aws layer is a column', () => {
    expect(cloudData.layers).toContain('aws');
    const clouds = cloudData.nodes.filter((n) => n.kind === 'cloud').map((n) => [n.id, n.cluster, n.group]);
    expect(clouds).toEqual([['cloud:vpc/erp', 'vpc', 'network:vpc'], ['cloud:vpc/orders-db', 'vpc', 'network:vpc']]);
    expect(cloudData.groups.find((g) => g.id === 'network:vpc')).toMatchObject({ kind: 'network', members: ['cloud:vpc/erp', 'cloud:vpc/orders-db'] });
  });

  test('what the groups allow between cloud endpoints is a row of the aws layer, explained by the groups\' rules', () => {
    const f = cloudData.flows.find((x) => x.src === 'cloud:vpc/erp' && x.dst === 'cloud:vpc/orders-db')!;
    expect(f).toMatchObject({ layers: { aws: 'TCP 5432' }, effective: 'TCP 5432', disagreement: false });
    expect(f.explanation?.allowed).toBe(true);
    expect(f.explanation?.sides[0].layers[0].layer).toBe('aws');
    expect(f.explanation?.sides[0].layers[0].reasons.some((r) => r.effect === 'allow' && /SecurityGroup/.test(r.policy))).toBe(true);
    // the database calls nothing: no row the other way
    expect(cloudData.flows.find((x) => x.src === 'cloud:vpc/orders-db' && x.dst === 'cloud:vpc/erp')).toBeUndefined();
    // the page holds them
    const page = pageData(cloudData) as { nodes: number[][]; strings: string[] };
    expect(page.nodes.filter((n) => n[2] === 3).map((n) => page.strings[n[0]])).toEqual(['cloud:vpc/erp', 'cloud:vpc/orders-db']);
  });

  test('a cluster workload and a cloud endpoint: the cluster\'s layers on the endpoint\'s subnet, and aws when the workload has groups of its own', () => {
    const member = cloudData.flows.find((x) => x.src === 'eks2:orders/api[Deployment]' && x.dst === 'cloud:vpc/orders-db')!;
    expect(member).toMatchObject({ layers: { kubernetes: 'TCP 5432', cilium: 'TCP 5432', istio: 'TCP 5432', aws: 'TCP 5432' }, effective: 'TCP 5432', disagreement: false, cross: true, external: false });
    // explained on both: the cluster's layers on the service's address, then its groups
    expect(member.explanation?.allowed).toBe(true);
    expect(member.explanation?.sides.map((x) => [x.cluster, x.layers.map((l) => l.layer)])).toEqual([['eks2', ['kubernetes', 'cilium', 'istio']], ['vpc', ['aws']]]);
    // the other cluster is in no network: its pods have no groups, so aws is not consulted
    const plain = cloudData.flows.find((x) => x.src === 'eks:shop/web[Deployment]' && x.dst === 'cloud:vpc/erp')!;
    expect(plain).toMatchObject({ effective: 'TCP 443', ranges: '10.0.32.0-10.0.47.255' });
    expect(Object.keys(plain.layers)).toEqual(['kubernetes', 'cilium', 'istio']);
    // no row goes to the outside for the endpoints' subnets: they are the endpoints' rows
    expect(cloudData.flows.filter((x) => x.src === 'eks:shop/web[Deployment]' && x.dst.startsWith('ext:') && x.effective === 'TCP 443')).toEqual([]);
  });

  test('what the aws layer denies, a member\'s row does not allow', () => {
    // the managed service opens no connection: its groups allow nothing out, whatever the cluster admits
    const back = cloudData.flows.find((x) => x.src === 'cloud:vpc/orders-db' && x.dst === 'eks2:orders/api[Deployment]');
    if (back) {
      expect(back.layers.aws).toBe('');
      expect(back.effective).toBe('');
    }
    for (const f of cloudData.flows) if (f.layers.aws === '') expect(f.effective).toBe('');
  });

  test('the graph draws the edges between workloads and cloud endpoints', () => {
    const edges = overviewView(cloudData).edges.map((e) => `${e.from} -> ${e.to}`);
    expect(edges).toEqual(expect.arrayContaining(['ns:eks2/orders -> network:vpc', 'ns:eks/shop -> network:vpc']));
  });

  test('verify judges the network\'s aws layer', () => {
    expect(cloudData.verify?.layers.filter((l) => l.layer === 'aws').map((l) => [l.cluster, l.status])).toEqual([['vpc', 'exact']]);
  });
});
