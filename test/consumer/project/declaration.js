// A declaration in plain JavaScript that imports the installed package, for `bulkhead synth`
// and `bulkhead verify`.
const { Cluster, Port, Topology, Workload } = require('bulkhead');

const topology = new Topology(undefined, 'shop', { trustDomain: 'shop.example.com', clock: () => new Date('2026-11-22T21:00:00Z') });
const eks = new Cluster(topology, 'eks', { cloud: 'aws', layers: ['kubernetes', 'cilium'] });
const web = new Workload(topology, 'web', { cluster: eks, namespace: 'shop', ports: { http: Port.tcp(8080) } });
const cart = new Workload(topology, 'cart', { cluster: eks, namespace: 'shop', ports: { grpc: Port.tcp(9090) } });
web.allowTo(cart, Port.named('grpc'));

module.exports = { topology };
