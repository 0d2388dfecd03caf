/**
 * Two copies of the library in one program (a compiled CLI and a declaration that imports the
 * sources; a global CLI and a local dependency; a monorepo with two installs): constructs and
 * value types of one copy are recognised by the other through `Symbol.for` brands, so a
 * declaration that mixes them synthesizes exactly like one made with a single copy.
 */
import * as Lib from '../../lib';
import { NOW } from '../plan/declare';

type L = typeof Lib;

function load(): L {
  let lib: L | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    lib = require('../../lib') as L;
  });
  return lib!;
}

const A = load();
const B = load();

/** One declaration; each construct or value is made by the copy `pick` names for it. */
function declare(pick: (what: string) => L) {
  const topo = new (pick('Topology').Topology)(undefined, 'shop', { trustDomain: 'shop.example.com', clock: () => NOW });
  const tier = new (pick('SensitiveTier').SensitiveTier)(topo, 'payments', {
    level: pick('Sensitivity').Sensitivity.HIGHLY_SENSITIVE, maxSvidTtl: pick('Duration').Duration.minutes(20),
  });
  const eks = new (pick('Cluster').Cluster)(topo, 'eks', { cloud: 'aws', podCidrs: ['10.1.0.0/16'], layers: ['kubernetes', 'cluster-network-policy', 'cilium', 'istio', 'spire'] });
  const gke = new (pick('Cluster2').Cluster)(topo, 'gke', { cloud: 'gcp', podCidrs: ['10.2.0.0/16'], layers: ['kubernetes', 'cilium'] });
  const stripe = new (pick('External').External)(topo, 'stripe', { fqdns: ['api.stripe.com'], cidrs: ['203.0.113.0/24'] });
  const domain = new (pick('DomainBoundary').DomainBoundary)(topo, 'pay', { tier });
  const api = domain.addWorkload('api', { cluster: eks, namespace: 'pay', ports: { grpc: pick('Port').Port.tcp(9090) } });
  domain.export(api, pick('Port2').Port.named('grpc'));
  const web = new (pick('Workload').Workload)(topo, 'web', { cluster: eks, namespace: 'shop', ports: { http: pick('Port').Port.tcp(8080) } });
  const db = new (pick('Workload2').Workload)(topo, 'db', { cluster: gke, namespace: 'data', ports: { sql: pick('Port2').Port.POSTGRES } });
  web.allowTo(api, pick('Port').Port.named('grpc'), { justification: 'checkout' });
  web.allowTo(stripe, pick('Port2').Port.HTTPS);
  db.allowFrom(web, pick('Port').Port.named('sql'));
  new (pick('BreakGlass').BreakGlass)(topo, 'oncall', {
    from: [web], to: [api], ports: pick('Port2').Port.named('grpc'), start: '2026-11-22T20:30:00Z',
    duration: pick('Duration2').Duration.hours(1), reason: 'payments are failing', approvers: ['alice', 'bob'],
  });
  return topo;
}

const WHAT = ['Topology', 'SensitiveTier', 'Sensitivity', 'Duration', 'Duration2', 'Cluster', 'Cluster2', 'External', 'DomainBoundary', 'Port', 'Port2', 'Workload', 'Workload2', 'BreakGlass'];

function output(s: Lib.Synthesis): string {
  return JSON.stringify({ clusters: s.clusters.map((c) => c.manifests), warnings: s.warnings, grants: s.plan.breakGlass });
}

describe('two copies of the library', () => {
  test('the copies are distinct: instanceof fails across them, the brands do not', () => {
    expect(A.Workload).not.toBe(B.Workload);
    const topo = new B.Topology(undefined, 't', { trustDomain: 'x.example.com' });
    const c = new B.Cluster(topo, 'c', { cloud: 'aws' });
    const w = new B.Workload(topo, 'w', { cluster: c, namespace: 'n' });
    expect(w instanceof A.Workload).toBe(false);
    expect(A.Workload.isWorkload(w)).toBe(true);
    expect(A.Cluster.isCluster(c)).toBe(true);
    expect(A.Topology.isTopology(topo)).toBe(true);
    expect(A.Port.isPort(B.Port.tcp(1))).toBe(true);
    expect(A.Duration.isDuration(B.Duration.hours(1))).toBe(true);
    expect(A.Cidr.isCidr(B.Cidr.of('10.0.0.0/8'))).toBe(true);
    expect(A.SensitiveTier.isSensitiveTier(new B.SensitiveTier(topo, 's', { level: B.Sensitivity.CRITICAL }))).toBe(true);
    expect(A.External.isExternal(new B.External(topo, 'e', { fqdns: ['a.example.com'] }))).toBe(true);
    expect(A.DomainBoundary.isDomainBoundary(new B.DomainBoundary(topo, 'd'))).toBe(true);
    expect(A.Workload.isWorkload(A.Port.tcp(1))).toBe(false);
    let thrown: unknown;
    try {
      B.Port.tcp(0);
    } catch (e) {
      thrown = e;
    }
    expect(thrown instanceof A.BulkheadError).toBe(false);
    expect(A.BulkheadError.isBulkheadError(thrown)).toBe(true);
  });

  test('a declaration mixing both copies synthesizes exactly like one made with a single copy, with either copy', () => {
    const single = output(A.synthesize(declare(() => A)));
    // Alternate the copies construct by construct, and the other way round.
    const mixed = declare((what) => (WHAT.indexOf(what) % 2 === 0 ? A : B));
    const mixed2 = declare((what) => (WHAT.indexOf(what) % 2 === 0 ? B : A));
    expect(output(A.synthesize(mixed))).toBe(single);
    expect(output(B.synthesize(mixed))).toBe(single);
    expect(output(A.synthesize(mixed2))).toBe(single);
    // Every construct of the other copy was read: no "no cluster", no missing workload.
    const plan = A.buildPlan(mixed);
    expect(plan.clusters.map((c) => c.name)).toEqual(['eks', 'gke']);
    expect(plan.workloads.map((w) => w.key)).toEqual(['eks/pay/api', 'eks/shop/web', 'gke/data/db']);
    expect(plan.workloads.find((w) => w.name === 'api')!.tier).toMatchObject({ level: 'highly-sensitive', name: 'payments', maxSvidTtlSeconds: 1200 });
    expect(plan.breakGlass.map((g) => g.name)).toEqual(['oncall']);
  });

  test('a declaration made entirely with one copy is planned by the other', () => {
    const topo = declare(() => B);
    expect(output(A.synthesize(topo))).toBe(output(B.synthesize(declare(() => B))));
  });

  test('problems of a mixed declaration are the same from either copy', () => {
    const topo = new A.Topology(undefined, 'shop', { trustDomain: 'shop.example.com', clock: () => NOW });
    const eks = new B.Cluster(topo, 'eks', { cloud: 'aws' });
    const web = new A.Workload(topo, 'web', { cluster: eks, namespace: 'shop' });
    const cart = new B.Workload(topo, 'cart', { cluster: eks, namespace: 'shop', ports: { grpc: A.Port.tcp(9090) } });
    web.allowTo(cart, B.Port.named('http'));
    const codes = (lib: L) => {
      try {
        lib.buildPlan(topo);
      } catch (e) {
        if (lib.BulkheadError.isBulkheadError(e)) return e.problems.map((p) => `${p.code} ${p.path}`);
        throw e;
      }
      return [];
    };
    expect(codes(A)).toEqual(['BH-NAMED-PORT shop/web (web -> cart)']);
    expect(codes(B)).toEqual(codes(A));
  });
});

describe('two copies of the cdk8s host', () => {
  // Only Bulkhead is loaded twice; cdk8s and cdk8s-plus are the program's own, once.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const cdk8s = require('cdk8s') as typeof import('cdk8s');
  const kplus = require('cdk8s-plus-27') as typeof import('cdk8s-plus-27');
  function loadHost(): { lib: L; host: typeof import('../../lib/cdk8s') } {
    let out: { lib: L; host: typeof import('../../lib/cdk8s') } | undefined;
    jest.isolateModules(() => {
      jest.doMock('cdk8s', () => cdk8s);
      jest.doMock('cdk8s-plus-27', () => kplus);
      out = { lib: require('../../lib') as L, host: require('../../lib/cdk8s') as typeof import('../../lib/cdk8s') };
    });
    return out!;
  }
  /* eslint-enable @typescript-eslint/no-require-imports */

  test('a workload bound by one copy gets its pod labels from the charts of the other', () => {
    const a = loadHost();
    const b = loadHost();
    const app = cdk8s.Testing.app();
    const topo = new a.lib.Topology(app, 'shop', { trustDomain: 'shop.example.com', clock: () => NOW });
    const eks = new b.lib.Cluster(topo, 'eks', { cloud: 'aws', layers: ['kubernetes'] });
    const tier = new b.lib.SensitiveTier(topo, 'pay', { level: b.lib.Sensitivity.SENSITIVE });
    const charts = new a.host.TopologyCharts(app, 'segmentation', { topology: topo, printWarnings: false });
    const deployment = new kplus.Deployment(charts.chart(eks), 'web', {
      metadata: { namespace: 'shop' }, containers: [{ image: 'web', ports: [{ number: 8080, name: 'http' }] }],
    });
    b.host.bindWorkload(topo, 'web', deployment, { cluster: eks, tier });
    const objects = cdk8s.Testing.synth(charts.chart(eks));
    const d = objects.find((o) => o.kind === 'Deployment');
    expect(d.spec.template.metadata.labels).toMatchObject({ 'bulkhead.io/tier': 'sensitive', 'bulkhead.io/workload': deployment.name });
    expect(objects.some((o) => o.kind === 'NetworkPolicy')).toBe(true);
  });
});
