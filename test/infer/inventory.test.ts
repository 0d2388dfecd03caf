/** The mapping of observed ends to the workloads of the input manifests. */
import * as path from 'path';
import { loadInventory } from '../../lib/infer';

const inv = loadInventory([{ path: path.join(__dirname, '..', 'fixtures', 'flows', 'manifests') }]);

test('the facts file names the cluster and its CIDRs; every workload kind is read with selector, labels, service account, ports', () => {
  expect(inv.problems).toEqual([]);
  expect(inv.clusters).toEqual([{ name: 'eks', podCidrs: ['10.20.0.0/16'], nodeCidrs: ['10.0.0.0/20'], cloud: 'aws', region: 'eu-west-1', layers: ['kubernetes', 'cilium', 'istio'] }]);
  expect(inv.workloads.map((w) => `${w.key} ${w.kind} ${w.serviceAccount} ${JSON.stringify(w.selector)} ${w.ports.map((p) => `${p.protocol}/${p.port}`).join(',')}`)).toEqual([
    'eks/data/redis StatefulSet redis {"app.kubernetes.io/name":"redis"} TCP/6379',
    'eks/ingress/gateway Deployment gateway {"app.kubernetes.io/name":"gateway"} TCP/8443',
    'eks/kube-system/coredns Deployment coredns {"k8s-app":"kube-dns"} UDP/53,TCP/53',
    'eks/shop/cart Deployment cart-sa {"app":"cart"} TCP/9090',
    'eks/shop/catalog Deployment catalog {"app.kubernetes.io/name":"catalog"} TCP/8080',
    'eks/shop/web Deployment web {"app.kubernetes.io/name":"web"} TCP/8080',
  ]);
});

test.each([
  ['a Pod address', { ip: '10.20.1.20' }, undefined, 'workload eks/shop/cart'],
  ['a Service address, its port to the target port by name', { ip: '172.20.0.30' }, 80, 'workload eks/shop/catalog 8080'],
  ['a Hubble endpoint by namespace and labels', { namespace: 'shop', labels: { app: 'cart', other: 'x' } }, undefined, 'workload eks/shop/cart'],
  ['a Hubble endpoint by its pod name', { namespace: 'shop', podName: 'web-5d8f7c9b4-zzzzz' }, undefined, 'workload eks/shop/web'],
  ['a node address', { ip: '10.0.1.17' }, undefined, 'node'],
  ['a reserved identity', { reserved: 'host', ip: '10.0.1.17' }, undefined, 'node'],
  ['an unknown pod address', { ip: '10.20.9.9' }, undefined, 'unmapped'],
  ['an address outside the clusters', { ip: '198.51.100.7', names: ['api.example.com'] }, undefined, 'external 198.51.100.7'],
  ['the world identity with its address', { reserved: 'world', ip: '203.0.113.9' }, undefined, 'external 203.0.113.9'],
])('%s', (_n, end, port, want) => {
  const r = inv.resolve(end, port);
  const text = r.kind === 'workload' ? `workload ${r.workload.key}${r.port !== undefined && r.port !== port ? ` ${r.port}` : ''}` : r.kind === 'external' ? `external ${r.ip}` : r.kind;
  expect(text).toBe(want);
});

test('the most specific selector wins when two workloads of a namespace match the labels', () => {
  expect(inv.workloadOfPod('eks', 'shop', { 'app.kubernetes.io/name': 'web', 'version': 'v3' })?.name).toBe('web');
  expect(inv.workloadOfPod('eks', 'shop', { app: 'nothing' })).toBeUndefined();
});

test('--manifests <cluster>= names the cluster, and --pod-cidr adds ranges', () => {
  const other = loadInventory([{ cluster: 'gke', path: path.join(__dirname, '..', 'fixtures', 'flows', 'manifests', 'workloads.yaml') }], { podCidrs: { gke: ['10.40.0.0/14'] } });
  expect(other.clusters.map((c) => `${c.name} ${c.podCidrs.join(',')}`)).toEqual(['gke 10.40.0.0/14']);
  expect(other.workloads.every((w) => w.cluster === 'gke')).toBe(true);
});
