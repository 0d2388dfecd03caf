/**
 * `verify` judges the `aws` layer of every network with the security-group simulator, next to
 * the cluster layers: exact when the groups allow exactly the declared flows, and the precise
 * finding when a rule is missing or one too many.
 */
import * as fc from 'fast-check';
import { Port } from '../../lib/core/port';
import { Cluster } from '../../lib/model/cluster';
import { External } from '../../lib/model/external';
import { Workload } from '../../lib/model/workload';
import { LAYERS } from '../../lib/core/layers';
import { synthesize } from '../../lib/synth';
import { verify, verifySynthesis } from '../../lib/verify';
import { base, NOW } from '../plan/declare';
import { managed, network, vm } from '../plan/declare-cloud';

/** A cluster in an AWS network, a VM fleet, an RDS database and pods with their own group. */
function declare() {
  const b = base();
  const vpc = network(b.topo, 'vpc');
  const eks = new Cluster(b.topo, 'eks2', { cloud: 'aws', region: 'eu-west-1', podCidrs: ['10.0.128.0/17'], layers: [...LAYERS], network: vpc });
  const erp = vm(b.topo, 'erp', vpc);
  const db = managed(b.topo, 'orders-db', vpc);
  const api = new Workload(b.topo, 'api', { cluster: eks, namespace: 'orders', securityGroup: true, ports: { http: Port.tcp(8080) } });
  const web = new Workload(b.topo, 'web2', { cluster: eks, namespace: 'orders', ports: { http: Port.tcp(8080) } });
  erp.allowTo(db, Port.POSTGRES);
  web.allowTo(erp, Port.HTTPS);
  api.allowTo(db, Port.POSTGRES);
  return { ...b, vpc, erp, db, api };
}

describe('verify with the aws layer', () => {
  test('every layer of every cluster and the aws layer of the network are exact', () => {
    const r = verify(declare().topo, { now: NOW });
    const aws = r.layers.filter((l) => l.layer === 'aws');
    expect(aws).toEqual([expect.objectContaining({ cluster: 'vpc', scope: 'network', layer: 'aws', status: 'exact', findings: [] })]);
    // every ordered pair of the three cloud endpoints (the VM fleet, the database, the pods with their group)
    expect(aws[0].pairs).toBe(6);
    expect(aws[0].externalChecks).toBeGreaterThan(0);
    expect(r.findings).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.exact).toBe(true);
  });

  test('pods with their own group calling an External known by FQDN only: the aws layer is approximate, naming the range it opens', () => {
    const b = base();
    const vpc = network(b.topo, 'vpc');
    const eks = new Cluster(b.topo, 'eks2', { cloud: 'aws', region: 'eu-west-1', podCidrs: ['10.0.128.0/17'], layers: ['kubernetes'], network: vpc });
    const api = new Workload(b.topo, 'api', { cluster: eks, namespace: 'orders', securityGroup: true });
    api.allowTo(new External(b.topo, 'stripe', { fqdns: ['api.stripe.com'] }), Port.HTTPS);
    const r = verify(b.topo, { now: NOW });
    const aws = r.layers.find((l) => l.layer === 'aws');
    expect(aws).toEqual(expect.objectContaining({ status: 'approximate', findings: [] }));
    expect(aws?.approximations).toEqual([expect.objectContaining({ cluster: 'vpc', layer: 'aws', src: 'eks2/orders/api', external: 'stripe', fqdns: ['api.stripe.com'], ports: 'TCP 443', opens: ['0.0.0.0/0'], except: [], addresses: 2 ** 32 })]);
    expect(r.ok).toBe(true);
    expect(r.exact).toBe(false);
  });

  test('a missing ingress rule is a missing flow, a rule one too many an over-permissive one', () => {
    const s = synthesize(declare().topo, { now: NOW });
    const [n] = s.networks;
    type Rule = { kind: string; metadata: { name: string }; spec: { forProvider: { fromPort?: number; securityGroupIdRef?: { name: string } } } };
    const rules = n.manifests as unknown as Rule[];
    const dbIngress = rules.filter((m) => m.kind === 'SecurityGroupIngressRule' && m.spec.forProvider.fromPort === 5432);
    expect(dbIngress.length).toBeGreaterThan(0);
    const without = { ...s, networks: [{ ...n, manifests: n.manifests.filter((m) => m !== (dbIngress[0] as unknown)) }] };
    const missing = verifySynthesis(without);
    expect(missing.ok).toBe(false);
    expect(missing.findings).toEqual([expect.objectContaining({ cluster: 'vpc', scope: 'network', layer: 'aws', kind: 'missing', ports: 'TCP 5432' })]);

    // an ingress rule one too many: the database open on another port to the pods' range (pods
    // without their own group send through the node's groups, which Bulkhead does not restrict)
    const extra = JSON.parse(JSON.stringify(dbIngress[0])) as Rule & { spec: { forProvider: Record<string, unknown> } };
    extra.metadata.name = `${extra.metadata.name}-extra`;
    const fp = extra.spec.forProvider;
    for (const k of ['cidrIpv4', 'referencedSecurityGroupIdRef', 'referencedSecurityGroupId', 'prefixListIdRef']) delete fp[k];
    Object.assign(fp, { fromPort: 5433, toPort: 5433, cidrIpv4: '10.0.128.0/17' });
    const wider = { ...s, networks: [{ ...n, manifests: [...n.manifests, extra as unknown as (typeof n.manifests)[number]] }] };
    const over = verifySynthesis(wider);
    expect(over.findings).toEqual([expect.objectContaining({ layer: 'aws', kind: 'over-permissive', src: '10.0.128.0-10.0.255.255', dst: 'cloud:vpc/orders-db', ports: 'TCP 5433' })]);
  });
});

describe('verify with the aws layer, random declarations (property)', () => {
  // endpoints: 0 erp (VM), 1 batch (VM), 2 orders-db (RDS), 3 cache (ElastiCache), 4 api (pods with a group), 5 web (pods)
  const SOURCES = [0, 1, 4, 5];
  const DESTINATIONS = [0, 1, 2, 3, 4, 5];
  const PORTS = [Port.HTTPS, Port.POSTGRES, Port.tcp(6379), Port.tcp(8080), Port.udp(514)];
  const flow = fc.record({ src: fc.constantFrom(...SOURCES), dst: fc.constantFrom(...DESTINATIONS), port: fc.constantFrom(...PORTS.map((_, i) => i)) });

  test('whatever flows are declared between VM fleets, managed services and pods, the aws layer is exact', () => {
    fc.assert(fc.property(fc.array(flow, { minLength: 1, maxLength: 8 }), (flows) => {
      const b = base();
      const vpc = network(b.topo, 'vpc');
      const eks = new Cluster(b.topo, 'eks2', { cloud: 'aws', region: 'eu-west-1', podCidrs: ['10.0.128.0/17'], layers: ['kubernetes'], network: vpc });
      const ports = { https: Port.HTTPS, postgres: Port.POSTGRES, redis: Port.tcp(6379), http: Port.tcp(8080), syslog: Port.udp(514) };
      const endpoints = [
        vm(b.topo, 'erp', vpc, { ports, subnetCidrs: ['10.0.32.0/20'] }),
        vm(b.topo, 'batch', vpc, { ports, subnetCidrs: ['10.0.48.0/20'], tags: { app: 'batch' } }),
        managed(b.topo, 'orders-db', vpc, { ports, subnetCidrs: ['10.0.64.0/24'] }),
        managed(b.topo, 'cache', vpc, { ports, service: 'elasticache', subnetCidrs: ['10.0.65.0/24'] }),
        new Workload(b.topo, 'api', { cluster: eks, namespace: 'orders', securityGroup: true, ports }),
        new Workload(b.topo, 'web2', { cluster: eks, namespace: 'orders', ports }),
      ];
      for (const f of flows) {
        if (f.src === f.dst) continue;
        (endpoints[f.src] as Workload).allowTo(endpoints[f.dst], PORTS[f.port]);
      }
      const r = verify(b.topo, { now: NOW });
      const aws = r.layers.filter((l) => l.layer === 'aws');
      expect(aws).toHaveLength(1);
      expect(aws[0].findings).toEqual([]);
      expect(aws[0].status).toBe('exact');
    }), { numRuns: 25 });
  });
});
