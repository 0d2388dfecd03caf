import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { buildApp } from '../../examples/ecommerce/main';
import { Cluster, Port, Sensitivity, SensitiveTier, Topology, Workload } from '../../lib';
import { bindWorkload, TopologyCharts } from '../../lib/cdk8s';

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
