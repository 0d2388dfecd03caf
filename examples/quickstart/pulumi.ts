// The README's Pulumi program, type-checked with the project (tests compare the two, and a
// packaging test compiles it against the published typings and runs it under Pulumi mocks).
// Run it with `pulumi up` in a Pulumi project whose kubeconfig has the context `eks-prod`.
import * as k8s from '@pulumi/kubernetes';
import { Cluster, Port, Topology, Workload } from '../../lib';
import { SegmentationStack } from '../../lib/pulumi';

const topology = new Topology(undefined, 'shop', { trustDomain: 'prod.shop.example.com' }); // no cdk8s App
const eks = new Cluster(topology, 'eks-prod', { cloud: 'aws', region: 'eu-west-1', layers: ['kubernetes', 'cilium'] });
const web = new Workload(topology, 'web', { cluster: eks, namespace: 'shop', ports: { http: Port.tcp(8080) } });
const cart = new Workload(topology, 'cart', { cluster: eks, namespace: 'shop', ports: { grpc: Port.tcp(9090) } });
web.allowTo(cart, Port.named('grpc'));

const eksProvider = new k8s.Provider('eks-prod', { context: 'eks-prod' }); // or { kubeconfig: ... }
const segmentation = new SegmentationStack('shop', { topology, providers: { 'eks-prod': eksProvider } });

/** Objects per cluster. */
export const objectCounts = segmentation.objectCounts;
