/**
 * The e-commerce example: one declaration, used by the cdk8s program (main.ts) and the Pulumi
 * program (pulumi/index.ts).
 *
 *   internet → ingress controller → web (BFF) → user / catalog / cart services (gRPC 9090)
 *   user → user DB, catalog → catalog DB (PostgreSQL 5432), cart → Redis (6379)
 *   payments domain (highly-sensitive): payment service → fraud detection, payment DB,
 *     and the payment provider's API by FQDN on 443
 *   identity domain (critical): auth service
 *   analytics cluster (GKE, no Cilium): event collector fed by the cart service
 *   break-glass: database on-call into the payment DB, two hours, two approvers
 */
import { Construct } from 'constructs';
import {
  BreakGlass, BreakGlassProps, Cluster, DomainBoundary, Duration, External, Port, Sensitivity, SensitiveTier, Topology, Workload,
} from '../../lib';

/** What the application needs to know about a workload to run it. */
export interface AppWorkloadSpec {
  /** The cluster. */
  readonly cluster: Cluster;
  /** Namespace. */
  readonly namespace: string;
  /** Container image. */
  readonly image: string;
  /** Named ports. */
  readonly ports: Record<string, Port>;
  /** Whether it keeps state (a StatefulSet in the cdk8s program). */
  readonly stateful?: boolean;
  /** Its tier, if not the domain's. */
  readonly tier?: SensitiveTier;
}

/** Creates a Workload for a spec: plain in Pulumi, bound to a cdk8s-plus workload in cdk8s. */
export type WorkloadFactory = (scope: Construct, id: string, spec: AppWorkloadSpec) => Workload;

/** The default factory: a Workload with the conventional selector `app.kubernetes.io/name: <id>`. */
export const plainWorkload: WorkloadFactory = (scope, id, spec) => new Workload(scope, id, {
  cluster: spec.cluster, namespace: spec.namespace, ports: spec.ports, tier: spec.tier,
});

/** Options of {@link declareShop}. */
export interface ShopOptions {
  /** How workloads are created. @default plainWorkload */
  readonly workload?: WorkloadFactory;
  /** Called once the clusters exist, before any workload (the cdk8s program creates its charts here). */
  readonly onClusters?: (clusters: ShopClusters) => void;
  /**
   * The clock. Pinned by default so the example's output is reproducible; a real deployment
   * leaves it out (system clock) so that expired grants disappear on the next synthesis.
   * @default - 2026-11-22T21:00:00Z, inside the break-glass window
   */
  readonly clock?: () => Date;
  /** Strict mode: an expired grant is an error. @default false */
  readonly strict?: boolean;
}

/** Creates a BreakGlass grant: plain, or through an environment (whose overlay may change its approvers). */
export type GrantFactory = (scope: Construct, id: string, props: BreakGlassProps) => BreakGlass;

/** Options of {@link declareShopIn}. */
export interface ShopBodyOptions {
  /** How workloads are created. @default plainWorkload */
  readonly workload?: WorkloadFactory;
  /** How grants are created. @default - `new BreakGlass(...)` */
  readonly grant?: GrantFactory;
}

/** The example's clusters. */
export interface ShopClusters {
  /** EKS, eu-west-1: every layer. */
  readonly eks: Cluster;
  /** GKE, us-east1: no Cilium CRDs, so no Cilium objects and no ClusterNetworkPolicy. */
  readonly gke: Cluster;
}

/** Example instant inside the break-glass window. */
export const EXAMPLE_NOW = new Date('2026-11-22T21:00:00Z');

/**
 * Declares the shop under `scope` (a cdk8s App, or `undefined` for a Pulumi program).
 */
export function declareShop(scope: Construct | undefined, options: ShopOptions = {}) {
  const make = options.workload ?? plainWorkload;
  const topology = new Topology(scope, 'shop', {
    trustDomain: 'prod.shop.example.com',
    environment: 'prod',
    clock: options.clock ?? (() => EXAMPLE_NOW),
    strict: options.strict,
  });

  const eks = new Cluster(topology, 'eks-prod', {
    cloud: 'aws', region: 'eu-west-1', podCidrs: ['10.20.0.0/16'], nodeCidrs: ['10.0.0.0/20'],
    // The EKS control plane's network interfaces in the cluster's subnets (the endpoints of
    // the `kubernetes` Service): the break-glass reaper reaches the API server there only.
    apiServerCidrs: ['10.0.15.0/28'],
    layers: ['kubernetes', 'cluster-network-policy', 'cilium', 'istio', 'spire'],
  });
  const gke = new Cluster(topology, 'gke-analytics', {
    cloud: 'gcp', region: 'us-east1', podCidrs: ['10.40.0.0/14'], layers: ['kubernetes', 'istio', 'spire'],
  });
  options.onClusters?.({ eks, gke });
  return { topology, ...declareShopIn(topology, { eks, gke }, { workload: make }) };
}

/**
 * Declares the shop's tiers, domains, workloads, flows and grant in a topology whose clusters
 * exist (the body of {@link declareShop}, shared with the environments example).
 */
export function declareShopIn(topology: Topology, clusters: ShopClusters, options: ShopBodyOptions = {}) {
  const make = options.workload ?? plainWorkload;
  const grant: GrantFactory = options.grant ?? ((scope, id, props) => new BreakGlass(scope, id, props));
  const { eks, gke } = clusters;

  // Tiers: the controls follow from the level.
  const publicTier = new SensitiveTier(topology, 'edge', { level: Sensitivity.PUBLIC });
  const pii = new SensitiveTier(topology, 'pii', { level: Sensitivity.SENSITIVE });
  const paymentsTier = new SensitiveTier(topology, 'payments-tier', { level: Sensitivity.HIGHLY_SENSITIVE, name: 'payments' });
  const identityTier = new SensitiveTier(topology, 'identity-tier', { level: Sensitivity.CRITICAL, name: 'identity' });

  const grpc = { grpc: Port.tcp(9090) };
  const http = { http: Port.tcp(8080) };
  const postgres = { postgres: Port.POSTGRES };

  // The edge and the shop.
  const internet = new External(topology, 'internet', { cidrs: ['0.0.0.0/0'] });
  const ingress = make(topology, 'ingress-controller', { cluster: eks, namespace: 'ingress', image: 'registry.k8s.io/ingress-nginx/controller:v1.12.0', ports: { https: Port.tcp(8443) }, tier: publicTier });
  const web = make(topology, 'web', { cluster: eks, namespace: 'shop', image: 'ghcr.io/example/shop-web:1.4.2', ports: http, tier: publicTier });
  const user = make(topology, 'user-service', { cluster: eks, namespace: 'shop', image: 'ghcr.io/example/user-service:2.1.0', ports: grpc });
  const catalog = make(topology, 'catalog-service', { cluster: eks, namespace: 'shop', image: 'ghcr.io/example/catalog-service:3.0.1', ports: grpc });
  const cart = make(topology, 'cart-service', { cluster: eks, namespace: 'shop', image: 'ghcr.io/example/cart-service:1.9.0', ports: grpc });
  const userDb = make(topology, 'user-db', { cluster: eks, namespace: 'data', image: 'postgres:17.2', ports: postgres, stateful: true, tier: pii });
  const catalogDb = make(topology, 'catalog-db', { cluster: eks, namespace: 'data', image: 'postgres:17.2', ports: postgres, stateful: true });
  const cache = make(topology, 'redis', { cluster: eks, namespace: 'shop', image: 'redis:7.4', ports: { redis: Port.REDIS }, stateful: true });

  internet.allowTo(ingress, Port.named('https'));
  ingress.allowTo(web, Port.named('http'), { http: { methods: ['GET', 'POST'], paths: ['/*'] } });
  web.allowTo(user, Port.named('grpc'));
  web.allowTo(catalog, Port.named('grpc'));
  web.allowTo(cart, Port.named('grpc'));
  user.allowTo(userDb, Port.named('postgres'));
  catalog.allowTo(catalogDb, Port.named('postgres'));
  cart.allowTo(cache, Port.named('redis'));

  // Payments: highly-sensitive, reachable only through what it exports.
  const payments = new DomainBoundary(topology, 'payments', { tier: paymentsTier, description: 'card payments and fraud checks' });
  const paymentSvc = make(payments, 'payment-service', { cluster: eks, namespace: 'payments', image: 'ghcr.io/example/payment-service:5.2.0', ports: grpc });
  const fraud = make(payments, 'fraud-detection', { cluster: eks, namespace: 'payments', image: 'ghcr.io/example/fraud-detection:0.9.3', ports: grpc });
  const paymentDb = make(payments, 'payment-db', { cluster: eks, namespace: 'payments', image: 'postgres:17.2', ports: postgres, stateful: true });
  const paymentProvider = new External(topology, 'payment-provider', { fqdns: ['api.stripe.com'] });
  payments.export(paymentSvc, Port.named('grpc'), { http: { methods: ['POST'], paths: ['/payments.Payments/*'] } });
  paymentSvc.allowTo(fraud, Port.named('grpc'));
  paymentSvc.allowTo(paymentDb, Port.named('postgres'));
  paymentSvc.allowTo(paymentProvider, Port.HTTPS);
  cart.allowTo(paymentSvc, Port.named('grpc'), {
    http: { methods: ['POST'], paths: ['/payments.Payments/*'] },
    justification: 'checkout submits the payment of an order',
  });

  // Identity: critical.
  const identity = new DomainBoundary(topology, 'identity', { tier: identityTier, description: 'authentication and tokens' });
  const auth = make(identity, 'auth-service', { cluster: eks, namespace: 'identity', image: 'ghcr.io/example/auth-service:4.0.0', ports: grpc });
  identity.export(auth, Port.named('grpc'), { http: { methods: ['POST'], paths: ['/auth.Auth/*'] } });
  web.allowTo(auth, Port.named('grpc'), { http: { methods: ['POST'], paths: ['/auth.Auth/*'] }, justification: 'login and session validation' });
  user.allowTo(auth, Port.named('grpc'), { http: { methods: ['POST'], paths: ['/auth.Auth/*'] }, justification: 'account changes re-check credentials' });
  paymentSvc.allowTo(auth, Port.named('grpc'), { http: { methods: ['POST'], paths: ['/auth.Auth/*'] } });

  // Analytics, in another cloud.
  const collector = make(topology, 'event-collector', { cluster: gke, namespace: 'analytics', image: 'ghcr.io/example/event-collector:0.3.0', ports: http });
  cart.allowTo(collector, Port.named('http'), { http: { methods: ['POST'], paths: ['/events'] } });

  // Break-glass: database on-call into the payment DB.
  const oncall = make(topology, 'oncall-bastion', { cluster: eks, namespace: 'ops', image: 'ghcr.io/example/bastion:1.0.0', ports: {} });
  grant(topology, 'db-oncall', {
    from: [oncall], to: [paymentDb], ports: Port.named('postgres'),
    start: '2026-11-22T20:00:00Z', duration: Duration.hours(2),
    reason: 'restore a corrupted ledger row', ticket: 'INC-4711', approvers: ['alice', 'bob'],
  });

  return {
    clusters: { eks, gke },
    workloads: { ingress, web, user, catalog, cart, userDb, catalogDb, cache, paymentSvc, fraud, paymentDb, auth, collector, oncall },
    externals: { internet, paymentProvider },
  };
}
