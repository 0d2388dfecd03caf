/**
 * The e-commerce shop in three environments — dev, staging and prod — from one declaration
 * (the e-commerce example's body, `declareShopIn`), used by the cdk8s program (main.ts) and the
 * Pulumi program (pulumi/index.ts).
 *
 * Each environment runs the shop on two clusters: EKS (every layer) and GKE (analytics), each
 * cluster with a trust domain of its own, federated through their SPIRE bundle endpoints; the
 * cart service's events cross from EKS to GKE (one federated cross-cluster flow per
 * environment). What differs per environment:
 *
 *   dev      audit (Istio and Cilium log, NetworkPolicy enforces); no fraud detection; no grant
 *   staging  enforces, but Istio audits; the on-call grant needs three approvers
 *   prod     enforces every layer; the grant needs two approvers (the payments tier's minimum)
 */
import { Construct } from 'constructs';
import { ClusterOverlay, EnforcementMode, EnvironmentOverlay, Environments, Topology } from '../../lib';
import { declareShopIn, EXAMPLE_NOW, WorkloadFactory } from '../ecommerce/declaration';

/** The environments' names. */
export const ENVIRONMENT_NAMES = ['dev', 'staging', 'prod'] as const;

/** The two clusters of an environment, federated: each its own trust domain and bundle endpoint. */
function clusters(env: string, octet: number): Record<string, ClusterOverlay> {
  return {
    eks: {
      name: `eks-${env}`, trustDomain: `${env}.shop.example.com`,
      podCidrs: [`10.${octet}.0.0/16`], nodeCidrs: [`10.${octet + 1}.0.0/20`], apiServerCidrs: [`10.${octet + 1}.15.0/28`],
      spireBundleEndpoint: { url: `https://spire-bundle.eks-${env}.shop.example.com:8443`, profile: 'https_spiffe' },
    },
    gke: {
      name: `gke-${env}`, trustDomain: `analytics.${env}.shop.example.com`,
      podCidrs: [`10.${octet + 4}.0.0/16`],
      spireBundleEndpoint: { url: `https://spire-bundle.gke-${env}.shop.example.com`, profile: 'https_web' },
    },
  };
}

/** The overlays: what each environment changes of the one declaration. */
export const OVERLAYS: Readonly<Record<(typeof ENVIRONMENT_NAMES)[number], EnvironmentOverlay>> = {
  dev: {
    trustDomain: 'dev.shop.example.com', mode: EnforcementMode.AUDIT, clusters: clusters('dev', 100),
    leaveOut: ['payments/fraud-detection', 'db-oncall'],
  },
  staging: {
    trustDomain: 'staging.shop.example.com', layerModes: { istio: EnforcementMode.AUDIT }, clusters: clusters('staging', 110),
    breakGlass: { 'db-oncall': { approvers: ['alice', 'bob', 'carol'] } },
  },
  prod: {
    trustDomain: 'prod.shop.example.com', clusters: clusters('prod', 120),
  },
};

/** Options of {@link declareEnvironments}. */
export interface EnvironmentsOptions {
  /** How workloads are created (bound to cdk8s-plus workloads in the cdk8s program). @default - plain Workloads */
  readonly workload?: (env: string) => WorkloadFactory;
  /** Called once an environment's clusters exist, before any workload. @default - nothing */
  readonly onClusters?: (env: string, topology: Topology) => void;
  /** The clock. @default - 2026-11-22T21:00:00Z, inside the break-glass window */
  readonly clock?: () => Date;
  /** The environments. @default OVERLAYS */
  readonly overlays?: Readonly<Record<string, EnvironmentOverlay>>;
}

/** The overlay of the clusters of an environment named `env`, with addresses from `10.<octet>` (for other environments of the shop). */
export function shopClusters(env: string, octet: number): Record<string, ClusterOverlay> {
  return clusters(env, octet);
}

/** Declares the shop's environments under `scope` (a cdk8s App, or `undefined` in a Pulumi program). */
export function declareEnvironments(scope: Construct | undefined, options: EnvironmentsOptions = {}): Environments {
  return new Environments(scope, 'shop', {
    environments: options.overlays ?? OVERLAYS,
    shared: { clock: options.clock ?? (() => EXAMPLE_NOW) },
    declare: (topology, env) => {
      const eks = env.cluster(topology, 'eks', {
        cloud: 'aws', region: 'eu-west-1', layers: ['kubernetes', 'cluster-network-policy', 'cilium', 'istio', 'spire'],
      });
      const gke = env.cluster(topology, 'gke', { cloud: 'gcp', region: 'us-east1', layers: ['kubernetes', 'istio', 'spire'] });
      options.onClusters?.(env.name, topology);
      declareShopIn(topology, { eks, gke }, {
        workload: options.workload?.(env.name),
        grant: (s, id, props) => env.breakGlass(s, id, props),
      });
    },
  });
}

/** The environments, for `bulkhead synth` / `bulkhead diff` (`examples/environments/declaration.ts#staging`). */
export const environments = (): Environments => declareEnvironments(undefined);
