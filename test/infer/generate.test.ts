/** The declaration program's text: names from content, valid identifiers, deterministic. */
import * as fc from 'fast-check';
import * as path from 'path';
import { Aggregator, generateProgram, loadInventory } from '../../lib/infer';

const M = path.join(__dirname, '..', 'fixtures', 'flows', 'manifests');

test('two clusters with the same workloads: construct ids and variables stay apart; options are honoured', () => {
  const inv = loadInventory([{ cluster: 'eks', path: M }, { cluster: 'gke', path: path.join(M, 'workloads.yaml') }], { podCidrs: { gke: ['10.40.0.0/14'] } });
  const agg = new Aggregator(inv);
  agg.add({ source: { cluster: 'eks', namespace: 'shop', labels: { app: 'cart' } }, destination: { cluster: 'gke', namespace: 'shop', labels: { app: 'cart' } }, protocol: 'TCP', port: 9090 });
  const text = generateProgram(agg.result(), { importFrom: 'my-bulkhead', name: 'observed', trustDomain: 'prod.example.com', layers: ['kubernetes', 'not-a-layer'] });
  expect(text).toContain('from "my-bulkhead"');
  expect(text).toContain('new Topology(undefined, "observed", { trustDomain: "prod.example.com" })');
  expect(text).toContain('const shopCartEks = new Workload(domainShop, "cart", { cluster: clusterEks, namespace: "shop", selector: { app: "cart" }, serviceAccount: "cart-sa" });');
  expect(text).toContain('const shopCartGke = new Workload(domainShop, "cart-gke", { cluster: clusterGke, namespace: "shop", name: "cart", selector: { app: "cart" }, serviceAccount: "cart-sa" });');
  expect(text).toContain('shopCartEks.allowTo(shopCartGke, [Port.tcp(9090)]);');
  expect(text).not.toContain('not-a-layer');
});

test('property: the same records in any order give the same program', () => {
  const inv = loadInventory([{ path: M }]);
  const ips = ['10.20.1.10', '10.20.1.20', '10.20.1.30', '10.20.2.10', '198.51.100.7', '203.0.113.9'];
  const rec = fc.record({ s: fc.constantFrom(...ips), d: fc.constantFrom(...ips), port: fc.constantFrom(443, 6379, 8080, 9090), path: fc.option(fc.constantFrom('/a', '/a/1', '/b/c', '/'), { nil: undefined }) });
  fc.assert(fc.property(fc.array(rec, { maxLength: 30 }), fc.nat(), (records, seed) => {
    const program = (list: typeof records): string => {
      const agg = new Aggregator(inv);
      for (const r of list) agg.add({ source: { ip: r.s }, destination: { ip: r.d }, protocol: 'TCP', port: r.port, ...(r.path ? { http: { method: 'GET', path: r.path } } : {}) });
      return generateProgram(agg.result());
    };
    const shuffled = [...records].sort((a, b) => ((JSON.stringify(a).length * 31 + seed) % 7) - ((JSON.stringify(b).length * 31 + seed) % 7));
    expect(program(shuffled)).toBe(program(records));
  }), { numRuns: 50 });
});
