/** Observed flows against a declaration's plan: source and destination, ports, HTTP rules, externals by CIDR or FQDN. */
import * as path from 'path';
import { buildPlan, Cluster, External, Port, Topology, Workload } from '../../lib';
import { Aggregator, compareWithPlan, flowText, loadInventory } from '../../lib/infer';

const inv = loadInventory([{ path: path.join(__dirname, '..', 'fixtures', 'flows', 'manifests') }]);

function observed() {
  const agg = new Aggregator(inv);
  agg.add({ source: { ip: '10.20.1.10' }, destination: { ip: '10.20.1.30' }, protocol: 'TCP', port: 8080, http: { method: 'GET', path: '/products/1' } });
  agg.add({ source: { ip: '10.20.1.20' }, destination: { ip: '198.51.100.7', names: ['api.payments.example'] }, protocol: 'TCP', port: 443 });
  agg.add({ source: { ip: '10.20.1.20' }, destination: { ip: '10.50.0.8' }, protocol: 'TCP', port: 5432 });
  agg.add({ source: { ip: '10.20.1.20' }, destination: { ip: '10.20.2.10' }, protocol: 'TCP', port: 6379 });
  return agg.result();
}

function plan(declare: (t: { web: Workload; catalog: Workload; cart: Workload; redis: Workload; topo: Topology }) => void) {
  const topo = new Topology(undefined, 'shop', { trustDomain: 'cluster.local' });
  const eks = new Cluster(topo, 'eks', { cloud: 'aws', podCidrs: ['10.20.0.0/16'] });
  const web = new Workload(topo, 'web', { cluster: eks, namespace: 'shop' });
  const catalog = new Workload(topo, 'catalog', { cluster: eks, namespace: 'shop' });
  const cart = new Workload(topo, 'cart', { cluster: eks, namespace: 'shop', selector: { app: 'cart' } });
  const redis = new Workload(topo, 'redis', { cluster: eks, namespace: 'data' });
  declare({ web, catalog, cart, redis, topo });
  return buildPlan(topo);
}

test('everything declared: by prefix path, by FQDN, by a CIDR holding the address, by a port range', () => {
  const r = compareWithPlan(observed(), plan(({ web, catalog, cart, redis, topo }) => {
    web.allowTo(catalog, Port.tcp(8080), { http: { methods: ['GET'], paths: ['/products/*'] } });
    cart.allowTo(new External(topo, 'payments', { fqdns: ['*.payments.example'] }), Port.HTTPS);
    cart.allowTo(new External(topo, 'rds', { cidrs: ['10.50.0.0/24'] }), Port.POSTGRES);
    cart.allowTo(redis, Port.tcpRange(6379, 6381));
  }));
  expect(r.denied).toEqual([]);
  expect(r.allowed).toBe(4);
  // the unused stretch of the range is a candidate to remove
  expect(r.unobserved.map((u) => `${u.source} => ${u.destination} : ${u.ports.join(',')}`)).toEqual(['eks/shop/cart => eks/data/redis : TCP/6380-6381']);
});

test('what would be denied, and why', () => {
  const r = compareWithPlan(observed(), plan(({ web, catalog, cart, redis, topo }) => {
    web.allowTo(catalog, Port.tcp(8080), { http: { methods: ['POST'] } });
    cart.allowTo(new External(topo, 'rds', { cidrs: ['10.50.0.0/24'], except: ['10.50.0.8/32'] }), Port.POSTGRES);
    cart.allowTo(redis, Port.tcp(6380));
  }));
  expect(r.denied.map((d) => `${flowText(d.flow)}: ${d.reason}`)).toEqual([
    'eks/shop/cart => eks/data/redis : TCP/6379: declared on TCP/6380 only',
    'eks/shop/cart => external:api-payments-example : TCP/443: no declared flow between them',
    'eks/shop/cart => external:ext-10-50-0-8 : TCP/5432: no declared flow between them',
    'eks/shop/web => eks/shop/catalog : TCP/8080 [GET /products/*]: declared for other HTTP requests only (POST any path)',
  ]);
});
