/**
 * A hand-built plan with cloud workloads, for the renderer and analysis tests of flows between
 * pods and VM fleets / managed services: one EKS cluster running every cluster layer, in the
 * network `corp`; an ERP VM fleet with a SPIFFE identity, a legacy VM fleet without one, and an
 * RDS database.
 *
 * - `shop/orders` (internal) calls the ERP on TCP 8443 and the database on TCP 5432;
 * - `shop/web` (public) is called by the legacy VMs on TCP 8080;
 * - `payments/ledger` (highly sensitive, guardrails) is called by the ERP on TCP 9090 and calls
 *   the database on TCP 5432;
 * - `shop/reports` (internal) has no flow with the cloud;
 * - every workload has the DNS platform flow.
 */
import { Protocol } from '../../lib/core/port';
import { defaultControls, Sensitivity } from '../../lib/core/sensitivity';
import { Synthesis } from '../../lib/synth';
import { sortManifests } from '../../lib/targets/common';
import { TARGETS } from '../../lib/targets/registry';
import { KubeManifest } from '../../lib/targets/types';
import {
  Plan, PlanCloudIdentity, PlanCloudWorkload, PlanCluster, PlanEdge, PlanEndpointRef, PlanFlow, PlanNetwork, PlanPort, PlanTier, PlanWorkload,
} from '../../lib/plan/types';

/** The trust domain of the fixture. */
export const TD = 'corp.example.com';

/** A tier of the level, with the default controls. */
export function tier(level: Sensitivity, name: string = level): PlanTier {
  const c = defaultControls(level);
  return {
    level, name, mtls: c.mtls, mutualAuth: c.mutualAuth, maxSvidTtlSeconds: c.maxSvidTtl.totalSeconds,
    internetEgress: c.internetEgress, auditLogging: c.auditLogging, guardrails: c.guardrails,
  };
}

/** A TCP port. */
export const tcp = (port: number, name?: string): PlanPort => ({ protocol: Protocol.TCP, port, ...(name ? { name } : {}) });

/** A reference to a workload of the cluster `eks`. */
export const pod = (ns: string, name: string): PlanEndpointRef => ({ kind: 'workload', key: `eks/${ns}/${name}` });
/** A reference to a cloud workload of the network `corp`. */
export const cloud = (name: string): PlanEndpointRef => ({ kind: 'cloud', key: `cloud:corp/${name}` });

/** The ERP fleet's identity: its workload entry hangs off the node alias of its instances. */
export const ERP_IDENTITY: PlanCloudIdentity = {
  spiffeId: `spiffe://${TD}/vm/corp/erp`,
  parentId: `spiffe://${TD}/node/aws/corp/erp`,
  nodeSelectors: ['aws_iid:tag:app:erp'],
  selectors: ['unix:user:erp', 'unix:uid:1001'],
  spireCluster: 'eks',
  svidTtlSeconds: 3600,
};

type W = Omit<PlanWorkload, 'calls' | 'calledBy' | 'key' | 'spiffeId' | 'podLabels' | 'path'>;
type C = Omit<PlanCloudWorkload, 'calls' | 'calledBy' | 'key' | 'path'>;

const WORKLOADS: W[] = [
  { cluster: 'eks', namespace: 'shop', name: 'orders', serviceAccount: 'orders', selector: { app: 'orders' }, ports: [{ name: 'http', port: 8080, protocol: Protocol.TCP }], tier: tier(Sensitivity.INTERNAL) },
  { cluster: 'eks', namespace: 'shop', name: 'web', serviceAccount: 'web', selector: { app: 'web' }, ports: [{ name: 'http', port: 8080, protocol: Protocol.TCP }], tier: tier(Sensitivity.PUBLIC) },
  { cluster: 'eks', namespace: 'shop', name: 'reports', serviceAccount: 'reports', selector: { app: 'reports' }, ports: [{ name: 'http', port: 8080, protocol: Protocol.TCP }], tier: tier(Sensitivity.INTERNAL) },
  { cluster: 'eks', namespace: 'payments', name: 'ledger', serviceAccount: 'ledger', selector: { app: 'ledger' }, ports: [{ name: 'grpc', port: 9090, protocol: Protocol.TCP }], tier: tier(Sensitivity.HIGHLY_SENSITIVE, 'payments'), domain: 'payments' },
];

const CLOUD: C[] = [
  {
    kind: 'vm', name: 'erp', network: 'corp', subnetCidrs: ['10.20.2.0/24', '10.20.1.0/24'], ports: [{ name: 'https', port: 8443, protocol: Protocol.TCP }],
    tags: { app: 'erp' }, tier: tier(Sensitivity.SENSITIVE, 'erp'), identity: ERP_IDENTITY,
  },
  {
    kind: 'vm', name: 'legacy', network: 'corp', subnetCidrs: ['10.20.3.0/24'], ports: [], tags: { app: 'legacy' }, tier: tier(Sensitivity.INTERNAL),
  },
  {
    kind: 'managed-service', name: 'orders-db', network: 'corp', subnetCidrs: ['10.20.8.0/24', '10.20.9.0/24'], service: 'rds',
    ports: [{ name: 'postgres', port: 5432, protocol: Protocol.TCP }], tags: {}, tier: tier(Sensitivity.HIGHLY_SENSITIVE, 'payments'), domain: 'payments',
  },
];

/** A flow of the fixture, before its id is derived. */
export interface FixtureFlow {
  readonly source: PlanEndpointRef;
  readonly destination: PlanEndpointRef;
  readonly ports: readonly PlanPort[];
  readonly origin?: PlanFlow['origin'];
  readonly breakGlass?: string;
}

/** The declared flows of the fixture. */
export const CLOUD_FLOWS: readonly FixtureFlow[] = [
  { source: pod('shop', 'orders'), destination: cloud('erp'), ports: [tcp(8443, 'https')] },
  { source: pod('shop', 'orders'), destination: cloud('orders-db'), ports: [tcp(5432, 'postgres')] },
  { source: cloud('legacy'), destination: pod('shop', 'web'), ports: [tcp(8080, 'http')] },
  { source: cloud('erp'), destination: pod('payments', 'ledger'), ports: [tcp(9090, 'grpc')] },
  { source: pod('payments', 'ledger'), destination: cloud('orders-db'), ports: [tcp(5432, 'postgres')] },
];

/** The fixture's cluster. */
export const EKS: PlanCluster = {
  name: 'eks', path: 'corp/eks', cloud: 'aws', region: 'eu-west-1', podCidrs: ['10.1.0.0/16'], nodeCidrs: ['10.0.0.0/20'],
  layers: ['kubernetes', 'cluster-network-policy', 'cilium', 'istio', 'spire'], trustDomain: TD, ciliumClusterName: 'eks',
  istioRootNamespace: 'istio-system', namespaces: ['payments', 'shop'], network: 'corp',
};

/** The fixture's network. */
export const CORP: PlanNetwork = {
  key: 'network:corp', path: 'corp/corp', name: 'corp', cloud: 'aws', account: '123456789012', region: 'eu-west-1', vpcId: 'vpc-0abc',
  cidrs: ['10.0.0.0/16', '10.1.0.0/16', '10.20.0.0/16'], links: [], platform: [],
  quotas: { inboundRulesPerGroup: 60, outboundRulesPerGroup: 60, groupsPerInterface: 5 },
};

function flowId(f: FixtureFlow): string {
  return `${f.source.key}->${f.destination.key}:${f.ports.map((p) => `${p.protocol}/${p.port}`).join(',')}`;
}

/** Options of {@link cloudPlan}. */
export interface CloudPlanOptions {
  /** Enforce or audit. @default 'enforce' */
  readonly mode?: 'enforce' | 'audit';
  /** The declared flows. @default CLOUD_FLOWS */
  readonly flows?: readonly FixtureFlow[];
  /** Edits the cloud workloads before edges are derived. @default - none */
  readonly cloud?: (c: C) => C;
  /** Edits the workloads before edges are derived. @default - none */
  readonly workload?: (w: W) => W;
  /** Edits the cluster. @default - none */
  readonly cluster?: (c: PlanCluster) => PlanCluster;
}

/**
 * Builds the fixture plan: flows sorted by id, both directions of each flow on its endpoints
 * (pods and cloud workloads), DNS platform flows for every pod.
 */
export function cloudPlan(options: CloudPlanOptions = {}): Plan {
  const cluster = options.cluster ? options.cluster(EKS) : EKS;
  const dns: FixtureFlow[] = WORKLOADS.map((w) => ({
    source: pod(w.namespace, w.name), destination: { kind: 'platform', key: 'platform:eks:dns' },
    ports: [{ protocol: Protocol.TCP, port: 53 }, { protocol: Protocol.UDP, port: 53 }], origin: 'platform',
  }));
  const all = [...(options.flows ?? CLOUD_FLOWS), ...dns];
  const flows: PlanFlow[] = all.map((f) => ({
    id: flowId(f), path: `corp/flows/${f.source.key.replace(/[^a-z0-9-]+/g, '-')}--${f.destination.key.replace(/[^a-z0-9-]+/g, '-')}`,
    source: f.source, destination: f.destination, ports: [...f.ports], http: [], origin: f.origin ?? 'declared',
    ...(f.breakGlass ? { breakGlass: f.breakGlass } : {}),
  })).sort((a, b) => (a.id < b.id ? -1 : 1));
  const edge = (f: PlanFlow, peer: PlanEndpointRef): PlanEdge => ({
    flowId: f.id, peer, ports: f.ports, http: f.http, origin: f.origin, ...(f.breakGlass ? { breakGlass: f.breakGlass } : {}),
  });
  const byPeer = (a: PlanEdge, b: PlanEdge) => (a.peer.key + a.flowId < b.peer.key + b.flowId ? -1 : 1);
  const calls = (key: string) => flows.filter((f) => f.source.key === key).map((f) => edge(f, f.destination)).sort(byPeer);
  const calledBy = (key: string) => flows.filter((f) => f.destination.key === key).map((f) => edge(f, f.source)).sort(byPeer);
  const workloads: PlanWorkload[] = WORKLOADS.map((w0) => {
    const w = options.workload ? options.workload(w0) : w0;
    const key = `${w.cluster}/${w.namespace}/${w.name}`;
    return {
      ...w, key, path: `corp/${w.name}`, spiffeId: `spiffe://${TD}/ns/${w.namespace}/sa/${w.serviceAccount}`,
      podLabels: { 'bulkhead.io/tier': w.tier.level, 'bulkhead.io/workload': w.name }, calls: calls(key), calledBy: calledBy(key),
    };
  }).sort((a, b) => (a.key < b.key ? -1 : 1));
  const cloudWorkloads: PlanCloudWorkload[] = CLOUD.map((c0) => {
    const c = options.cloud ? options.cloud(c0) : c0;
    const key = `cloud:${c.network}/${c.name}`;
    return { ...c, key, path: `corp/${c.network}/${c.name}`, calls: calls(key), calledBy: calledBy(key) };
  }).sort((a, b) => (a.key < b.key ? -1 : 1));
  return {
    topology: { name: 'corp', environment: 'test', trustDomain: TD, mode: options.mode ?? 'enforce' },
    clusters: [cluster],
    workloads,
    externals: [],
    platform: [{ key: 'platform:eks:dns', name: 'dns', cluster: 'eks', namespace: 'kube-system', selector: { 'k8s-app': 'kube-dns' }, serviceAccount: 'coredns' }],
    flows,
    breakGlass: [],
    networks: [CORP],
    cloudWorkloads,
    warnings: [],
  };
}

/** Renders every layer of every cluster of a hand-built plan, as synthesize does (no network layers). */
export function synthesizePlan(plan: Plan): Synthesis {
  const clusters = plan.clusters.map((cluster) => {
    const manifests: KubeManifest[] = cluster.layers.flatMap((l) => [...TARGETS[l].render(plan, cluster).manifests]);
    return { cluster, manifests: sortManifests(manifests), counts: {}, reaper: 0 };
  });
  return { plan, clusters, networks: [], warnings: [] };
}
