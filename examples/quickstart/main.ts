// The README's quick start, as a program that is type-checked with the project (tests compare
// the two, so the README cannot drift). Run: npx ts-node --transpile-only examples/quickstart/main.ts
import { App } from 'cdk8s';
import { Cluster, DomainBoundary, Duration, External, Port, Sensitivity, SensitiveTier, Topology, Workload, BreakGlass } from '../../lib';
import { TopologyCharts } from '../../lib/cdk8s';

const app = new App({ outdir: 'out/quickstart' });
const topology = new Topology(app, 'shop', {
  trustDomain: 'prod.shop.example.com',
  clock: () => new Date('2026-11-22T21:00:00Z'), // a fixed clock: the same output on every run (default: the system clock)
});
const eks = new Cluster(topology, 'eks-prod', {
  cloud: 'aws', region: 'eu-west-1', podCidrs: ['10.20.0.0/16'],
  layers: ['kubernetes', 'cilium', 'istio', 'spire'], // default: ['kubernetes'] (NetworkPolicy) only
});

const paymentsTier = new SensitiveTier(topology, 'payments-tier', { level: Sensitivity.HIGHLY_SENSITIVE });
const payments = new DomainBoundary(topology, 'payments', { tier: paymentsTier });
const api = payments.addWorkload('payment-service', { cluster: eks, namespace: 'payments', ports: { grpc: Port.tcp(9090) } });
const db = payments.addWorkload('payment-db', { cluster: eks, namespace: 'payments', ports: { postgres: Port.POSTGRES } });
payments.export(api, Port.named('grpc'), { http: { methods: ['POST'], paths: ['/payments.Payments/*'] } });

const cart = new Workload(topology, 'cart', { cluster: eks, namespace: 'shop', ports: { grpc: Port.tcp(9090) } });
const stripe = new External(topology, 'stripe', { fqdns: ['api.stripe.com'] });

cart.allowTo(api, Port.named('grpc'), {
  http: { methods: ['POST'], paths: ['/payments.Payments/*'] },
  justification: 'checkout submits the payment of an order', // internal → highly-sensitive needs one
});
api.allowTo(db, Port.named('postgres'));
api.allowTo(stripe, Port.HTTPS);

new BreakGlass(topology, 'db-oncall', {
  from: [cart], to: [db], ports: Port.POSTGRES,
  start: '2026-11-22T20:00:00Z', duration: Duration.hours(2), // in force at the clock's 21:00
  reason: 'restore a corrupted ledger row', ticket: 'INC-4711', approvers: ['alice', 'bob'],
});

new TopologyCharts(app, 'segmentation', { topology }); // one chart per cluster
app.synth();
