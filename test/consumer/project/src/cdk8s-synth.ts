// A cdk8s unit test as a user writes it: cdk8s-plus Deployments bound to a declaration,
// synthesized with Testing.synth. Prints the objects' identities; fails on a wrong field.
import * as assert from 'node:assert/strict';
import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Cluster, Port, Topology } from 'bulkhead';
import { bindWorkload, TopologyCharts } from 'bulkhead/cdk8s';

interface Obj { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: any }

const app = Testing.app();
const topology = new Topology(app, 'shop', { trustDomain: 'shop.example.com', clock: () => new Date('2026-11-22T21:00:00Z') });
const eks = new Cluster(topology, 'eks', { cloud: 'aws' });
const charts = new TopologyCharts(app, 'segmentation', { topology, printWarnings: false });
const chart = charts.chart(eks);

const webSa = new kplus.ServiceAccount(chart, 'web-sa', { metadata: { name: 'web', namespace: 'shop' } });
const web = new kplus.Deployment(chart, 'web', {
  metadata: { name: 'web', namespace: 'shop' }, serviceAccount: webSa,
  containers: [{ image: 'web:1', ports: [{ name: 'http', number: 8080 }] }],
});
const cart = new kplus.Deployment(chart, 'cart', {
  metadata: { name: 'cart', namespace: 'shop' },
  containers: [{ image: 'cart:1', ports: [{ name: 'grpc', number: 9090 }] }],
});
const w = bindWorkload(topology, 'web', web, { cluster: eks });
const c = bindWorkload(topology, 'cart', cart, { cluster: eks });
w.allowTo(c, Port.named('grpc'));

const objs = Testing.synth(chart) as Obj[];
const find = (kind: string, name: string): Obj => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o, `${kind} ${name} is synthesized`);
  return o;
};

// only NetworkPolicy (a Cluster without layers), besides the application's own objects
assert.deepEqual([...new Set(objs.filter((o) => o.kind === 'NetworkPolicy' || o.apiVersion.includes('.io/')).map((o) => o.apiVersion))].sort(), ['networking.k8s.io/v1']);
assert.equal(find('NetworkPolicy', 'bulkhead-default-deny').metadata.namespace, 'shop');
const ingress = find('NetworkPolicy', 'cart');
assert.deepEqual(ingress.spec.podSelector.matchLabels, cart.matchLabels);
assert.deepEqual(ingress.spec.ingress[0].ports, [{ protocol: 'TCP', port: 9090 }]);
assert.deepEqual(ingress.spec.ingress[0].from, [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchLabels: web.matchLabels } }]);
assert.deepEqual(find('Deployment', 'cart').spec.template.metadata.labels['bulkhead.io/workload'], 'cart');

process.stdout.write(JSON.stringify(objs.map((o) => `${o.kind} ${o.metadata.namespace ?? '_'}/${o.metadata.name}`).sort()) + '\n');
