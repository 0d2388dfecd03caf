/**
 * "Exact" means exact: a layer that knowingly opens a wider range than declared (NetworkPolicy
 * for an FQDN external: the public IPv4 space on the declared ports) is reported `approximate`,
 * with the range it opens, in the report, its JSON and its text form.
 */
import { declareShop } from '../../examples/ecommerce/declaration';
import { declareMultiCloud } from '../../examples/multi-cloud/declaration';
import { formatVerifyReport } from '../../lib/cli/main';
import { Cluster, External, Port, Topology, Workload } from '../../lib';
import { verify } from '../../lib/verify';

const NOW = () => new Date('2026-11-22T21:00:00Z');

describe('verify: approximate layers', () => {
  const report = verify(declareShop(undefined).topology);

  test('the e-commerce example: NetworkPolicy opens the public IPv4 space on 443 for api.stripe.com; Cilium and Istio name it', () => {
    expect(report.layers.map((l) => `${l.cluster}/${l.layer} ${l.status}`)).toEqual([
      'eks-prod/kubernetes approximate', 'eks-prod/cilium exact', 'eks-prod/istio exact', 'gke-analytics/kubernetes exact', 'gke-analytics/istio exact',
    ]);
    expect(report.ok).toBe(true); // no finding
    expect(report.exact).toBe(false); // but not exact
    expect(report.approximations).toHaveLength(1);
    const [a] = report.approximations;
    expect(a).toMatchObject({
      cluster: 'eks-prod', layer: 'kubernetes', src: 'payments/payment-service[Deployment]', external: 'payment-provider', fqdns: ['api.stripe.com'], ports: 'TCP 443',
      except: ['10.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16'],
      addresses: 2 ** 32 - 2 ** 24 - 2 ** 16 - 2 ** 20 - 2 ** 16,
    });
    // opens and except partition the IPv4 space
    const size = (cidrs: readonly string[]) => cidrs.reduce((n, c) => n + 2 ** (32 - Number(c.split('/')[1])), 0);
    expect(size(a.opens)).toBe(a.addresses);
    expect(size(a.opens) + size(a.except)).toBe(2 ** 32);
    expect(report.layers[0].approximations).toEqual([a]);
  });

  test('the text report says approximate and the range; the JSON carries the status', () => {
    const txt = formatVerifyReport(report);
    expect(txt).toMatch(/^eks-prod kubernetes: approximate, 1 range\(s\) wider than declared/m);
    expect(txt).toMatch(/^eks-prod cilium: exact/m);
    expect(txt).toContain('approximate eks-prod kubernetes: payments/payment-service[Deployment] => api.stripe.com (external payment-provider) : TCP 443 opens 4277010432 addresses: 0.0.0.0/0 except 10.0.0.0/8, 169.254.0.0/16, 172.16.0.0/12, 192.168.0.0/16');
    expect(txt).not.toContain('every layer allows exactly the declared flows');
    expect(txt).toMatch(/verify: no finding; 1 approximation\(s\)/);
    const json = JSON.parse(JSON.stringify(report)) as { layers: { status: string }[]; exact: boolean };
    expect(json.layers[0].status).toBe('approximate');
    expect(json.exact).toBe(false);
  });

  test('an FQDN external with its cidrs is exact in NetworkPolicy; without them, approximate', () => {
    for (const cidrs of [undefined, ['198.51.100.0/24']]) {
      const topology = new Topology(undefined, 'shop', { trustDomain: 'shop.example.com', clock: NOW });
      const c = new Cluster(topology, 'eks', { cloud: 'aws', layers: ['kubernetes'], podCidrs: ['10.1.0.0/16'] });
      const api = new Workload(topology, 'api', { cluster: c, namespace: 'shop' });
      const stripe = new External(topology, 'stripe', { fqdns: ['api.stripe.com'], ...(cidrs ? { cidrs } : {}) });
      api.allowTo(stripe, Port.HTTPS);
      const r = verify(topology);
      expect(r.findings).toEqual([]);
      expect(r.layers.map((l) => l.status)).toEqual([cidrs ? 'exact' : 'approximate']);
      expect(r.exact).toBe(cidrs !== undefined);
      if (!cidrs) expect(r.approximations[0].ports).toBe('TCP 443');
    }
  });

  test('the multi-cloud example: only the NetworkPolicy layer of the cluster calling the FQDN external is approximate', () => {
    const r = verify(declareMultiCloud(undefined).topology);
    expect(r.ok).toBe(true);
    expect(r.layers.filter((l) => l.status !== 'exact').map((l) => `${l.cluster}/${l.layer} ${l.status}`)).toEqual(['eks-orders/kubernetes approximate']);
    expect(r.approximations.map((a) => [a.src, a.fqdns, a.ports])).toEqual([['orders/orders-service[Deployment]', ['api.payments.example.com'], 'TCP 443']]);
  });
});
