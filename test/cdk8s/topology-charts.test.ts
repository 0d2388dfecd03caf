import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { buildApp } from '../../examples/ecommerce/main';
import { BulkheadError, Cluster, Port, Sensitivity, SensitiveTier, Topology, Workload } from '../../lib';
import { BindableWorkload, bindWorkload, TopologyCharts } from '../../lib/cdk8s';
import { tempDir } from '../util/tmp';

const NOW = () => new Date('2026-11-22T21:00:00Z');

function small(app: App) {
  const topology = new Topology(app, 'small', { trustDomain: 'td.example.com', clock: NOW });
  const cluster = new Cluster(topology, 'c1', { cloud: 'aws', layers: ['kubernetes'] });
  return { topology, cluster };
}

describe('TopologyCharts (cdk8s host)', () => {
  test('one chart per cluster, filled at synthesis, with Testing.synth', () => {
    const { charts, shop } = buildApp({ outdir: 'unused' }, { printWarnings: false });
    const eks = Testing.synth(charts.chart(shop.clusters.eks));
    const gke = Testing.synth(charts.chart(shop.clusters.gke));
    const kinds = (objs: { kind: string }[]) => [...new Set(objs.map((o) => o.kind))].sort();
    expect(kinds(eks)).toEqual(expect.arrayContaining(['NetworkPolicy', 'CiliumNetworkPolicy', 'AuthorizationPolicy', 'PeerAuthentication', 'ClusterSPIFFEID', 'Deployment', 'StatefulSet']));
    // gke-analytics runs no Cilium and no ClusterNetworkPolicy
    expect(kinds(gke)).not.toContain('CiliumNetworkPolicy');
    expect(kinds(gke)).not.toContain('ClusterNetworkPolicy');
    expect(kinds(gke)).toEqual(expect.arrayContaining(['NetworkPolicy', 'AuthorizationPolicy']));
  });

  test('bound workloads take namespace, service account, selector and ports from cdk8s-plus, and get tier labels', () => {
    const { charts, shop } = buildApp({ outdir: 'unused' }, { printWarnings: false });
    const objs = Testing.synth(charts.chart(shop.clusters.eks));
    const db = objs.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'payment-db');
    expect(db.spec.template.metadata.labels).toMatchObject({
      'bulkhead.io/tier': 'highly-sensitive', 'bulkhead.io/domain': 'payments', 'bulkhead.io/workload': 'payment-db',
    });
    const w = shop.workloads.paymentDb;
    expect(w.namespace).toBe('payments');
    expect(w.serviceAccount).toBe('payment-db');
    expect(w.props.ports).toEqual({ postgres: Port.POSTGRES });
    // the Deployment's selector is the workload's selector
    expect(db.spec.selector.matchLabels).toEqual(w.selector);
  });

  test('forgetting the host is a synthesis error, not silence', () => {
    const app = Testing.app();
    small(app);
    new Chart(app, 'other');
    expect(() => app.synthYaml()).toThrow(/no host renders it/);
  });

  test('an invalid declaration fails synthesis with every problem and writes nothing', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-cdk8s-'));
    const app = new App({ outdir });
    const { topology, cluster } = small(app);
    const a = new Workload(topology, 'a', { cluster, namespace: 'Bad_NS' });
    const b = new Workload(topology, 'b', { cluster, namespace: 'ns', tier: new SensitiveTier(topology, 'crit', { level: Sensitivity.CRITICAL }) });
    a.allowTo(b, Port.named('nope'));
    new TopologyCharts(app, 'seg', { topology, printWarnings: false });
    expect(() => app.synth()).toThrow(/BH-NAME[\s\S]*BH-NAMED-PORT/);
    expect(fs.readdirSync(outdir)).toEqual([]);
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  test('bindWorkload reads a Deployment', () => {
    const app = Testing.app();
    const { topology, cluster } = small(app);
    const charts = new TopologyCharts(app, 'seg', { topology, printWarnings: false });
    const sa = new kplus.ServiceAccount(charts.chart(cluster), 'sa', { metadata: { name: 'api', namespace: 'shop' } });
    const dep = new kplus.Deployment(charts.chart(cluster), 'api', {
      metadata: { name: 'api', namespace: 'shop' }, serviceAccount: sa,
      containers: [{ image: 'api:1', ports: [{ name: 'http', number: 8080 }, { name: 'dns', number: 53, protocol: kplus.Protocol.UDP }] }],
    });
    const w = bindWorkload(topology, 'api', dep, { cluster });
    expect(w.namespace).toBe('shop');
    expect(w.serviceAccount).toBe('api');
    expect(w.selector).toEqual(dep.matchLabels);
    expect(Object.fromEntries(Object.entries(w.props.ports ?? {}).map(([k, v]) => [k, v.toString()]))).toEqual({ http: 'tcp/8080', dns: 'udp/53' });
    const out = Testing.synth(charts.chart(cluster));
    expect(out.filter((o) => o.kind === 'NetworkPolicy').map((o) => o.metadata.name)).toContain('bulkhead-default-deny');
  });
});

describe('TopologyCharts and bindWorkload without cdk8s-plus', () => {
  test('bulkhead/cdk8s loads when cdk8s-plus-27 cannot be resolved', () => {
    let loaded: Record<string, unknown> | undefined;
    jest.isolateModules(() => {
      jest.doMock('cdk8s-plus-27', () => {
        throw new Error("Cannot find module 'cdk8s-plus-27'");
      });
      loaded = require('../../lib/cdk8s') as Record<string, unknown>;
    });
    jest.dontMock('cdk8s-plus-27');
    expect(typeof loaded?.TopologyCharts).toBe('function');
    expect(typeof loaded?.bindWorkload).toBe('function');
  });

  test('bindWorkload takes any object with the cdk8s-plus workload shape', () => {
    const app = Testing.app();
    const { topology, cluster } = small(app);
    const charts = new TopologyCharts(app, 'seg', { topology, printWarnings: false });
    const added: Record<string, string> = {};
    const fake: BindableWorkload = {
      name: 'worker',
      metadata: { namespace: 'jobs' },
      matchLabels: { app: 'worker' },
      serviceAccount: { name: 'worker-sa' },
      containers: [{ ports: [{ number: 8080, name: 'http' }, { number: 5353, name: 'mdns', protocol: 'UDP' }, { number: 9000 }] }, { ports: [{ number: 3868, name: 'diameter', protocol: 'SCTP' }] }],
      podMetadata: { addLabel: (k, v) => { added[k] = v; } },
    };
    const w = bindWorkload(topology, 'worker', fake, { cluster });
    expect([w.namespace, w.serviceAccount, w.selector]).toEqual(['jobs', 'worker-sa', { app: 'worker' }]);
    expect(Object.fromEntries(Object.entries(w.props.ports ?? {}).map(([k, v]) => [k, v.toString()]))).toEqual({ http: 'tcp/8080', mdns: 'udp/5353', diameter: 'sctp/3868' });
    Testing.synth(charts.chart(cluster));
    expect(added).toEqual({ 'bulkhead.io/tier': 'internal', 'bulkhead.io/workload': 'worker' });
  });

  test('a fake without a namespace or service account binds to default', () => {
    const app = Testing.app();
    const { topology, cluster } = small(app);
    const w = bindWorkload(topology, 'bare', { name: 'bare', metadata: {}, matchLabels: { app: 'bare' }, containers: [], podMetadata: { addLabel: () => undefined } }, { cluster });
    expect([w.namespace, w.serviceAccount]).toEqual(['default', 'default']);
  });
});

describe('what a Cluster emits by default', () => {
  test('a Cluster without layers emits NetworkPolicy only: no custom resource a plain cluster lacks', () => {
    const app = Testing.app();
    const topology = new Topology(app, 'plain', { trustDomain: 'plain.example.com', clock: NOW });
    const cluster = new Cluster(topology, 'plain', { cloud: 'aws' });
    expect(cluster.layers).toEqual(['kubernetes']);
    const a = new Workload(topology, 'a', { cluster, namespace: 'shop', ports: { http: Port.tcp(8080) } });
    const b = new Workload(topology, 'b', { cluster, namespace: 'shop', tier: new SensitiveTier(topology, 'crit', { level: Sensitivity.CRITICAL }) });
    b.allowTo(a, Port.named('http'));
    const charts = new TopologyCharts(app, 'seg', { topology, printWarnings: false });
    const objs = Testing.synth(charts.chart(cluster));
    expect([...new Set(objs.map((o) => o.apiVersion))].sort()).toEqual(['networking.k8s.io/v1']);
    expect(charts.synthesis.clusters[0].counts).toEqual({ kubernetes: objs.length });
  });

  test('the layers a cluster lists are the layers it emits', () => {
    const app = Testing.app();
    const topology = new Topology(app, 'mesh', { trustDomain: 'mesh.example.com', clock: NOW });
    const cluster = new Cluster(topology, 'mesh', { cloud: 'aws', layers: ['kubernetes', 'istio', 'spire'] });
    new Workload(topology, 'a', { cluster, namespace: 'shop', ports: { http: Port.tcp(8080) } });
    const charts = new TopologyCharts(app, 'seg', { topology, printWarnings: false });
    const apis = new Set(Testing.synth(charts.chart(cluster)).map((o) => o.apiVersion.split('/')[0]));
    expect([...apis].sort()).toEqual(['networking.k8s.io', 'security.istio.io', 'spire.spiffe.io']);
  });
});

describe('one TopologyCharts per topology', () => {
  test('a second TopologyCharts for the same topology is BH-CDK8S-CHARTS-TWICE, and adds nothing to the tree', () => {
    const app = Testing.app();
    const { topology } = small(app);
    new TopologyCharts(app, 'seg', { topology, printWarnings: false });
    let error: unknown;
    try {
      new TopologyCharts(app, 'seg-again', { topology });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BulkheadError);
    expect((error as BulkheadError).problems).toEqual([{
      severity: 'error', code: 'BH-CDK8S-CHARTS-TWICE', path: 'seg-again',
      message: "the topology 'small' already has a TopologyCharts (seg); a second one would emit every object twice",
      value: '"small"',
      fix: 'keep one TopologyCharts per topology, and add your own objects to its charts with charts.chart(cluster) (the one at seg)',
    }]);
    expect(app.node.tryFindChild('seg-again')).toBeUndefined();
  });
});

describe('charts of clusters only', () => {
  test('a chart asked for by a name that is no cluster (a typo) is BH-CDK8S-CHART-UNKNOWN at synthesis, and nothing is written', () => {
    const outdir = tempDir('bulkhead-chart-');
    const app = new App({ outdir });
    const { topology, cluster } = small(app);
    const charts = new TopologyCharts(app, 'seg', { topology, printWarnings: false });
    charts.chart(cluster);
    new kplus.Deployment(charts.chart('c-1'), 'api', { containers: [{ image: 'api:1' }] });
    expect(() => app.synth()).toThrow(/\[BH-CDK8S-CHART-UNKNOWN\] error at seg\/c-1: chart 'c-1' was asked for with charts\.chart\('c-1'\), but the topology has no cluster of that name[^]*value: "c-1"[^]*fix: pass a Cluster \(charts\.chart\(eks\)\) or one of the cluster names: c1/);
    expect(fs.readdirSync(outdir)).toEqual([]);
  });
});

describe('bindWorkload refuses what a Workload cannot express', () => {
  test('a selector with matchExpressions is BH-BIND-SELECTOR-EXPRESSIONS (it would widen the policies)', () => {
    const app = Testing.app();
    const { topology, cluster } = small(app);
    const charts = new TopologyCharts(app, 'seg', { topology, printWarnings: false });
    const dep = new kplus.Deployment(charts.chart(cluster), 'api', { metadata: { name: 'api', namespace: 'shop' }, containers: [{ image: 'api:1' }] });
    dep.select(kplus.LabelSelector.of({ expressions: [kplus.LabelExpression.in('track', ['stable', 'canary'])] }));
    let error: unknown;
    try {
      bindWorkload(topology, 'api', dep, { cluster });
    } catch (e) {
      error = e;
    }
    expect((error as BulkheadError).problems).toEqual([{
      severity: 'error', code: 'BH-BIND-SELECTOR-EXPRESSIONS', path: 'small/api',
      message: "the workload 'api' selects its pods with matchExpressions, which a Workload cannot express: its policies would select every pod that has its matchLabels",
      value: '[{"key":"track","operator":"In","values":["stable","canary"]}]',
      fix: 'select the pods by labels only (no expressions), or declare the Workload with new Workload(...) and a label selector',
    }]);
  });
});
