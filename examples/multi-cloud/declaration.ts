/**
 * The multi-cloud environment template: three clusters and an AWS network created from
 * environment templates, VMs and a managed database next to the clusters, in one declaration.
 *
 *   AWS network `prod-vpc` (eu-west-1): the VPC the EKS cluster's nodes and pods live in, with
 *     the ERP's EC2 fleet and its RDS database
 *   EKS (eu-west-1, Cilium + Istio): internet → storefront gateway → orders service → orders DB;
 *     the orders service calls a payment provider's API by FQDN on 443, and books orders into
 *     the ERP on 443
 *   ERP domain (highly sensitive): the legacy ERP on VMs (SPIRE identities through the aws_iid
 *     node attestor, entries on the EKS cluster's SPIRE server, which its agents reach through
 *     the server's internal load balancer) → its PostgreSQL on RDS; other domains reach only
 *     the ERP's HTTPS API
 *   GKE (us-east1, Dataplane V2 + Istio): event collector → event store;
 *     the orders service (EKS) sends order events to the collector (the cross-cluster flow)
 *   AKS (westeurope, Azure CNI powered by Cilium, no mesh): helpdesk web → API → DB
 */
import { Construct } from 'constructs';
import { DomainBoundary, External, ManagedService, Port, Sensitivity, SensitiveTier, Topology, VmFleet, Workload } from '../../lib';
import { aksCluster, awsNetwork, eksCluster, gkeCluster } from '../../lib/templates';

/** The AWS account of the example's network. */
export const MULTI_CLOUD_ACCOUNT = '123456789012';

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

  // The VPC: nodes and VMs in the primary block, pod addresses from a secondary block.
  const prodVpc = awsNetwork(topology, 'prod-vpc', {
    account: MULTI_CLOUD_ACCOUNT, region: 'eu-west-1', vpcId: 'vpc-0a1b2c3d4e5f67890', cidrs: ['10.0.0.0/16', '10.20.0.0/16'],
  });
  const eks = eksCluster(topology, 'eks-orders', {
    region: 'eu-west-1', network: prodVpc, podCidrs: ['10.20.0.0/16'], nodeCidrs: ['10.0.0.0/20'], dataplane: 'cilium', mesh: true,
    // The SPIRE server's internal load balancer (TCP 8081, client addresses kept): the ERP
    // fleet's SPIRE agents attest and fetch their SVIDs there.
    spireServer: { addresses: ['10.0.15.32/28'], port: 8081 },
  });
  const gke = gkeCluster(topology, 'gke-analytics', { region: 'us-east1', podCidrs: ['10.40.0.0/14'], mesh: true });
  const aks = aksCluster(topology, 'aks-support', { region: 'westeurope', podCidrs: ['10.60.0.0/16'] });

  const edge = new SensitiveTier(topology, 'edge', { level: Sensitivity.PUBLIC });
  const customerData = new SensitiveTier(topology, 'customer-data', { level: Sensitivity.SENSITIVE });
  const finance = new SensitiveTier(topology, 'finance', { level: Sensitivity.HIGHLY_SENSITIVE });

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

  // The ERP domain: a legacy ERP on EC2 and its database on RDS, in the EKS cluster's VPC.
  const erpDomain = new DomainBoundary(topology, 'erp', { tier: finance, description: 'the legacy ERP: bookings, invoices, ledgers' });
  const erp = new VmFleet(erpDomain, 'erp', {
    network: prodVpc, subnetCidrs: ['10.0.32.0/24', '10.0.33.0/24'], ports: { https: Port.HTTPS }, tags: { app: 'erp' },
    identity: { workloadSelectors: ['systemd:id:erp.service'] },
  });
  const erpDb = new ManagedService(erpDomain, 'erp-db', {
    network: prodVpc, service: 'rds', subnetCidrs: ['10.0.64.0/24', '10.0.65.0/24'], ports: { postgres: Port.POSTGRES },
  });
  erpDomain.export(erp, Port.HTTPS);
  erp.allowTo(erpDb, Port.POSTGRES);
  orders.allowTo(erp, Port.HTTPS, { justification: 'orders are booked into the ERP' });

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
    networks: { prodVpc },
    domains: { erpDomain },
    workloads: { gateway, orders, ordersDb, collector, eventStore, helpdeskWeb, helpdeskApi, helpdeskDb },
    cloud: { erp, erpDb },
    externals: { internet, paymentProvider },
  };
}
