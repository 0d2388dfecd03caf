// The README's clouds example, as a program that is type-checked with the project (tests compare
// the two, so the README cannot drift). Run: npx ts-node --transpile-only examples/quickstart/clouds.ts
import { Cluster, ManagedService, Network, Port, Topology, VmFleet, Workload, synthesize, verify } from '../../lib';

const topology = new Topology(undefined, 'shop', { trustDomain: 'prod.shop.example.com', clock: () => new Date('2026-11-22T21:00:00Z') });
const vpc = new Network(topology, 'prod-vpc', { account: '123456789012', region: 'eu-west-1', vpcId: 'vpc-0a1b2c3d4e5f67890', cidrs: ['10.0.0.0/16'] });
const eks = new Cluster(topology, 'eks-prod', {
  cloud: 'aws', region: 'eu-west-1', podCidrs: ['10.0.128.0/17'], network: vpc,
  layers: ['kubernetes', 'spire'],
});

// A legacy ERP on EC2 (its SPIFFE identity is registered in the cluster's SPIRE), and its database on RDS.
const erp = new VmFleet(topology, 'erp', { network: vpc, subnetCidrs: ['10.0.32.0/20'], ports: { https: Port.HTTPS }, tags: { app: 'erp' } });
const erpDb = new ManagedService(topology, 'erp-db', { network: vpc, service: 'rds', subnetCidrs: ['10.0.64.0/24'], ports: { postgres: Port.POSTGRES } });
const orders = new Workload(topology, 'orders', { cluster: eks, namespace: 'shop' });

orders.allowTo(erp, Port.named('https'));
erp.allowTo(erpDb, Port.named('postgres'));

const { networks } = synthesize(topology); // security groups and standalone rules per network
console.log(networks.map((n) => `${n.network.name}: ${n.manifests.length} Crossplane objects`).join('\n'));
const report = verify(topology); // every layer, the aws security groups included
console.log(report.layers.map((l) => `${l.cluster} ${l.layer}: ${l.status}`).join('\n'));
