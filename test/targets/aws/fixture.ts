/**
 * Hand-built plans with cloud networks for the `aws` layer's tests: four networks (a peering
 * to another account, a transit gateway in the same Region, one to another Region), VMs, a
 * managed service, EKS pods with and without their own group, a GKE cluster, externals, a
 * platform flow and a BreakGlass grant.
 */
import { Protocol } from '../../../lib/core/port';
import { defaultControls, Sensitivity } from '../../../lib/core/sensitivity';
import {
  Plan, PlanCloudWorkload, PlanCluster, PlanEdge, PlanEndpointRef, PlanExternal, PlanFlow, PlanNetwork, PlanPort, PlanTier, PlanWorkload,
} from '../../../lib/plan/types';

export function tier(level: Sensitivity = Sensitivity.INTERNAL): PlanTier {
  const c = defaultControls(level);
  return {
    level, name: level, mtls: c.mtls, mutualAuth: c.mutualAuth, maxSvidTtlSeconds: c.maxSvidTtl.totalSeconds,
    internetEgress: c.internetEgress, auditLogging: c.auditLogging, guardrails: c.guardrails,
  };
}

export const tcp = (port: number, endPort?: number): PlanPort => ({ protocol: Protocol.TCP, port, ...(endPort ? { endPort } : {}) });
export const udp = (port: number): PlanPort => ({ protocol: Protocol.UDP, port });

export const QUOTAS = { inboundRulesPerGroup: 60, outboundRulesPerGroup: 60, groupsPerInterface: 5 };

export const PLATFORM: PlanNetwork['platform'] = [
  { name: 'dns', cidrs: ['10.0.0.2/32', '169.254.169.253/32'], ports: [tcp(53), udp(53)] },
  { name: 'imds', cidrs: ['169.254.169.254/32'], ports: [tcp(80)] },
  { name: 'ntp', cidrs: ['169.254.169.123/32'], ports: [udp(123)] },
];

export function network(name: string, account: string, region: string, vpcId: string, cidrs: string[], links: PlanNetwork['links'] = [], extra: Partial<PlanNetwork> = {}): PlanNetwork {
  return { key: `network:${name}`, path: `fixture/${name}`, name, cloud: 'aws', account, region, vpcId, cidrs, links, platform: [], quotas: QUOTAS, ...extra };
}

export function cloud(networkName: string, name: string, kind: 'vm' | 'managed-service', subnetCidrs: string[], ports: [string, number][], extra: Partial<PlanCloudWorkload> = {}): PlanCloudWorkload {
  return {
    key: `cloud:${networkName}/${name}`, path: `fixture/${networkName}/${name}`, kind, name, network: networkName, subnetCidrs,
    ports: ports.map(([n, p]) => ({ name: n, port: p, protocol: Protocol.TCP })), tags: {}, tier: tier(),
    ...(kind === 'managed-service' ? { service: 'rds' } : {}), calls: [], calledBy: [], ...extra,
  };
}

export function cluster(name: string, cloudName: string, region: string, podCidrs: string[], nodeCidrs: string[], networkName?: string): PlanCluster {
  return {
    name, path: `fixture/${name}`, cloud: cloudName, region, podCidrs, nodeCidrs, layers: ['kubernetes'], trustDomain: 'example.org',
    ciliumClusterName: name, istioRootNamespace: 'istio-system', namespaces: [], ...(networkName ? { network: networkName } : {}),
  };
}

export function workload(clusterName: string, namespace: string, name: string, securityGroup?: PlanWorkload['securityGroup']): PlanWorkload {
  return {
    key: `${clusterName}/${namespace}/${name}`, path: `fixture/${clusterName}/${namespace}/${name}`, cluster: clusterName, namespace, name,
    serviceAccount: name, selector: { app: name }, podLabels: {}, ports: [], spiffeId: `spiffe://example.org/ns/${namespace}/sa/${name}`,
    tier: tier(), calls: [], calledBy: [], ...(securityGroup ? { securityGroup } : {}),
  };
}

export const ref = {
  cloud: (key: string): PlanEndpointRef => ({ kind: 'cloud', key }),
  pod: (key: string): PlanEndpointRef => ({ kind: 'workload', key }),
  ext: (name: string): PlanEndpointRef => ({ kind: 'external', key: `external:${name}` }),
  platform: (key: string): PlanEndpointRef => ({ kind: 'platform', key }),
};

export interface FlowSpec {
  readonly source: PlanEndpointRef;
  readonly destination: PlanEndpointRef;
  readonly ports: readonly PlanPort[];
  readonly origin?: PlanFlow['origin'];
  readonly breakGlass?: string;
  readonly path?: string;
}

export function flow(f: FlowSpec): PlanFlow {
  const ports = f.ports.map((p) => `${p.protocol}/${p.port}${p.endPort ? `-${p.endPort}` : ''}`).join(',');
  return {
    id: `${f.source.key}->${f.destination.key}#${ports}`, path: f.path ?? 'fixture/flows', source: f.source, destination: f.destination,
    ports: [...f.ports], http: [], origin: f.origin ?? 'declared', ...(f.breakGlass ? { breakGlass: f.breakGlass } : {}),
  };
}

export interface PlanParts {
  readonly networks: PlanNetwork[];
  readonly cloudWorkloads: PlanCloudWorkload[];
  readonly clusters: PlanCluster[];
  readonly workloads: PlanWorkload[];
  readonly externals: PlanExternal[];
  readonly flows: FlowSpec[];
  readonly platform?: Plan['platform'];
  readonly breakGlass?: Plan['breakGlass'];
}

const byKey = <T extends { key: string }>(xs: readonly T[]): T[] => [...xs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

/** Assembles a plan: sorted arrays, calls and calledBy from the flows. */
export function assemble(parts: PlanParts): Plan {
  const flows = byKey(parts.flows.map(flow).map((f) => ({ ...f, key: f.id }))).map(({ key: _k, ...f }) => f);
  const edge = (f: PlanFlow, peer: PlanEndpointRef): PlanEdge => ({ flowId: f.id, peer, ports: f.ports, http: [], origin: f.origin, ...(f.breakGlass ? { breakGlass: f.breakGlass } : {}) });
  const calls = (key: string) => flows.filter((f) => f.source.key === key).map((f) => edge(f, f.destination));
  const calledBy = (key: string) => flows.filter((f) => f.destination.key === key).map((f) => edge(f, f.source));
  return {
    topology: { name: 'fixture', environment: 'test', trustDomain: 'example.org', mode: 'enforce' },
    clusters: [...parts.clusters].sort((a, b) => (a.name < b.name ? -1 : 1)),
    workloads: byKey(parts.workloads).map((w) => ({ ...w, calls: calls(w.key), calledBy: calledBy(w.key) })),
    externals: byKey(parts.externals),
    platform: parts.platform ?? [],
    flows,
    breakGlass: parts.breakGlass ?? [],
    networks: byKey(parts.networks),
    cloudWorkloads: byKey(parts.cloudWorkloads).map((w) => ({ ...w, calls: calls(w.key), calledBy: calledBy(w.key) })),
    warnings: [],
  };
}

export const ADOPTED_LEDGER = 'sg-0123456789abcdef0';

/** The parts of the main fixture. */
export function fixtureParts(): PlanParts {
  const networks = [
    network('prod-eu', '111111111111', 'eu-west-1', 'vpc-0a', ['10.0.0.0/16'], [{ peer: 'hub-eu', kind: 'transit-gateway' }, { peer: 'prod-us', kind: 'transit-gateway' }, { peer: 'shared-eu', kind: 'peering' }], { platform: PLATFORM }),
    network('shared-eu', '222222222222', 'eu-west-1', 'vpc-0b', ['10.1.0.0/16']),
    network('hub-eu', '111111111111', 'eu-west-1', 'vpc-0d', ['10.3.0.0/16']),
    network('prod-us', '111111111111', 'us-east-1', 'vpc-0c', ['10.2.0.0/16']),
  ];
  const cloudWorkloads = [
    cloud('prod-eu', 'erp', 'vm', ['10.0.2.0/24', '10.0.1.0/24'], [['http', 8080]]),
    cloud('prod-eu', 'orders-db', 'managed-service', ['10.0.10.0/24', '10.0.11.0/24'], [['postgres', 5432]]),
    cloud('shared-eu', 'ledger', 'vm', ['10.1.5.0/24'], [['https', 8443]], { adoptId: ADOPTED_LEDGER }),
    cloud('hub-eu', 'bastion', 'vm', ['10.3.1.0/24'], []),
    cloud('prod-us', 'reports', 'vm', ['10.2.3.0/24'], [['http', 8080]]),
  ];
  const clusters = [
    cluster('eks-eu', 'aws', 'eu-west-1', ['10.0.64.0/18'], ['10.0.32.0/19'], 'prod-eu'),
    cluster('gke-us', 'gcp', 'us-east1', ['10.60.0.0/14'], []),
  ];
  const workloads = [
    workload('eks-eu', 'shop', 'web'),
    workload('eks-eu', 'shop', 'orders', { network: 'prod-eu' }),
    workload('gke-us', 'analytics', 'collector'),
  ];
  const externals: PlanExternal[] = [
    { key: 'external:partner', path: 'fixture/partner', name: 'partner', fqdns: [], cidrs: ['203.0.113.0/24'], except: ['203.0.113.128/25'] },
    { key: 'external:stripe', path: 'fixture/stripe', name: 'stripe', fqdns: ['api.stripe.com'], cidrs: [], except: [] },
  ];
  const erp = ref.cloud('cloud:prod-eu/erp');
  const db = ref.cloud('cloud:prod-eu/orders-db');
  const orders = ref.pod('eks-eu/shop/orders');
  const flows: FlowSpec[] = [
    { source: erp, destination: db, ports: [tcp(5432)] },
    { source: orders, destination: db, ports: [tcp(5432)] },
    { source: ref.pod('eks-eu/shop/web'), destination: erp, ports: [tcp(8080)] },
    { source: erp, destination: ref.cloud('cloud:shared-eu/ledger'), ports: [tcp(8443)] },
    { source: ref.cloud('cloud:prod-us/reports'), destination: erp, ports: [tcp(8080)] },
    { source: ref.cloud('cloud:hub-eu/bastion'), destination: erp, ports: [tcp(22)] },
    { source: erp, destination: ref.ext('partner'), ports: [tcp(443)] },
    { source: erp, destination: ref.ext('partner'), ports: [tcp(444)] },
    { source: erp, destination: ref.ext('stripe'), ports: [tcp(443)] },
    { source: ref.pod('gke-us/analytics/collector'), destination: erp, ports: [tcp(8080)] },
    { source: erp, destination: orders, ports: [tcp(9090)] },
    { source: orders, destination: ref.platform('platform:eks-eu:dns'), ports: [tcp(53), udp(53)], origin: 'platform' },
    { source: ref.pod('eks-eu/shop/web'), destination: db, ports: [tcp(5432)], origin: 'break-glass', breakGlass: 'db-oncall' },
  ];
  return {
    networks, cloudWorkloads, clusters, workloads, externals, flows,
    platform: [{ key: 'platform:eks-eu:dns', name: 'dns', cluster: 'eks-eu', namespace: 'kube-system', selector: { 'k8s-app': 'kube-dns' }, serviceAccount: 'coredns' }],
    breakGlass: [{
      name: 'db-oncall', path: 'fixture/db-oncall', startsAt: '2026-11-22T20:00:00Z', expiresAt: '2026-11-22T22:00:00Z', expiresAtEpoch: 1795384800,
      reason: 'restore a row', ticket: 'INC-1', approvers: ['alice', 'bob'], flowIds: [],
    }],
  };
}

/** The main fixture plan. */
export function awsFixturePlan(): Plan {
  return assemble(fixtureParts());
}

/** The network of the plan with this name. */
export function net(plan: Plan, name: string): PlanNetwork {
  const n = plan.networks.find((x) => x.name === name);
  if (!n) throw new Error(`no network ${name}`);
  return n;
}
