/**
 * The multi-cloud example: three clusters created from environment templates.
 *
 *   EKS (eu-west-1, Cilium + Istio): internet → storefront gateway → orders service → orders DB;
 *     the orders service calls a payment provider's API by FQDN on 443
 *   GKE (us-east1, Dataplane V2 + Istio): event collector → event store;
 *     the orders service (EKS) sends order events to the collector (the cross-cluster flow)
 *   AKS (westeurope, Azure CNI powered by Cilium, no mesh): helpdesk web → API → DB
 */
import { Construct } from 'constructs';
import { External, Port, Sensitivity, SensitiveTier, Topology, Workload } from '../../lib';
import { aksCluster, eksCluster, gkeCluster } from '../../lib/templates';

/** The example's fixed instant, so that synthesis is reproducible. */
export const MULTI_CLOUD_NOW = new Date('2026-11-22T21:00:00Z');

/** Options of {@link declareMultiCloud}. */
export interface MultiCloudOptions {
  /**
   * The clock. Pinned by default so the example's output is reproducible.
   * @default - always MULTI_CLOUD_NOW
   */
  readonly clock?: () => Date;
}

/**
 * Declares the multi-cloud topology under `scope` (a cdk8s App, or `undefined` for a Pulumi
 * program or a test).
 */
export function declareMultiCloud(scope: Construct | undefined, options: MultiCloudOptions = {}) {
  const topology = new Topology(scope, 'multi', {
    trustDomain: 'prod.multi.example.com',
    environment: 'prod',
    clock: options.clock ?? (() => MULTI_CLOUD_NOW),
  });

  const eks = eksCluster(topology, 'eks-orders', {
    region: 'eu-west-1', podCidrs: ['10.20.0.0/16'], nodeCidrs: ['10.0.0.0/20'], dataplane: 'cilium', mesh: true,
  });
  const gke = gkeCluster(topology, 'gke-analytics', { region: 'us-east1', podCidrs: ['10.40.0.0/14'], mesh: true });
  const aks = aksCluster(topology, 'aks-support', { region: 'westeurope', podCidrs: ['10.60.0.0/16'] });

  const edge = new SensitiveTier(topology, 'edge', { level: Sensitivity.PUBLIC });
  const customerData = new SensitiveTier(topology, 'customer-data', { level: Sensitivity.SENSITIVE });

  const http = { http: Port.tcp(8080) };
  const grpc = { grpc: Port.tcp(9090) };
  const postgres = { postgres: Port.POSTGRES };

  // EKS: the storefront.
  const internet = new External(topology, 'internet', { cidrs: ['0.0.0.0/0'] });
  const paymentProvider = new External(topology, 'payment-provider', { fqdns: ['api.payments.example.com'] });
  const gateway = new Workload(topology, 'storefront-gateway', { cluster: eks, namespace: 'edge', ports: { https: Port.tcp(8443) }, tier: edge });
  const orders = new Workload(topology, 'orders-service', { cluster: eks, namespace: 'orders', ports: grpc });
  const ordersDb = new Workload(topology, 'orders-db', { cluster: eks, namespace: 'orders', ports: postgres, tier: customerData });
  internet.allowTo(gateway, Port.named('https'));
  gateway.allowTo(orders, Port.named('grpc'), { http: { methods: ['GET', 'POST'], paths: ['/orders.Orders/*'] } });
  orders.allowTo(ordersDb, Port.named('postgres'));
  orders.allowTo(paymentProvider, Port.HTTPS);

  // GKE: analytics, fed across clouds.
  const collector = new Workload(topology, 'event-collector', { cluster: gke, namespace: 'analytics', ports: http });
  const eventStore = new Workload(topology, 'event-store', { cluster: gke, namespace: 'analytics', ports: { native: Port.tcp(9000) } });
  collector.allowTo(eventStore, Port.named('native'));
  orders.allowTo(collector, Port.named('http'), { http: { methods: ['POST'], paths: ['/events'] } });

  // AKS: the helpdesk.
  const helpdeskWeb = new Workload(topology, 'helpdesk-web', { cluster: aks, namespace: 'helpdesk', ports: http });
  const helpdeskApi = new Workload(topology, 'helpdesk-api', { cluster: aks, namespace: 'helpdesk', ports: http });
  const helpdeskDb = new Workload(topology, 'helpdesk-db', { cluster: aks, namespace: 'helpdesk', ports: postgres, tier: customerData });
  helpdeskWeb.allowTo(helpdeskApi, Port.named('http'));
  helpdeskApi.allowTo(helpdeskDb, Port.named('postgres'));

  return {
    topology,
    clusters: { eks, gke, aks },
    workloads: { gateway, orders, ordersDb, collector, eventStore, helpdeskWeb, helpdeskApi, helpdeskDb },
    externals: { internet, paymentProvider },
  };
}
