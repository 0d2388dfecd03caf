/**
 * Catalogue of the problems of environments that leave out clusters and networks, and what
 * leaving them out does: a left-out cluster takes its workloads (and their flows) with it, a
 * left-out network its VM fleets and managed services, as leaving each of them out would; what
 * the environment keeps must not need what it leaves out.
 */
import { Port } from '../../lib/core/port';
import { Duration } from '../../lib/core/duration';
import { Cluster } from '../../lib/model/cluster';
import { EnvironmentOverlay, Environments, EnvironmentsProps, Environment } from '../../lib/model/environment';
import { ManagedService } from '../../lib/model/managed-service';
import { Network } from '../../lib/model/network';
import { Topology } from '../../lib/model/topology';
import { VmFleet } from '../../lib/model/vm';
import { Workload } from '../../lib/model/workload';
import { buildPlan } from '../../lib/plan/build';
import { CallCase } from './declare';
import { problemsThrown } from '../util/thrown';

const NOW = new Date('2026-11-22T21:00:00Z');

function overlays(staging: Partial<EnvironmentOverlay> = {}): Record<string, EnvironmentOverlay> {
  return {
    staging: { trustDomain: 'staging.shop.example.com', clusters: { eks: { name: 'eks-staging' }, gke: { name: 'gke-staging' } }, networks: { vpc: { vpcId: 'vpc-0aaaaaaaaaaaaaaa1' } }, ...staging },
    prod: { trustDomain: 'prod.shop.example.com', clusters: { eks: { name: 'eks-prod' }, gke: { name: 'gke-prod' } }, networks: { vpc: { vpcId: 'vpc-0aaaaaaaaaaaaaaa2' } } },
  };
}

interface Shop {
  readonly vpc: Network;
  readonly hub: Network;
  readonly eks: Cluster;
  readonly gke: Cluster;
  readonly web: Workload;
  readonly cart: Workload;
  readonly collector: Workload;
  readonly erp: VmFleet;
  readonly db: ManagedService;
}

/** Two clusters (EKS in the VPC, GKE outside), a VM fleet and a database in the VPC, flows within and across. */
function shop(t: Topology, env: Environment, o: { controlPlane?: boolean; link?: boolean; spireCluster?: boolean } = {}): Shop {
  const vpc = env.network(t, 'vpc', { account: '123456789012', region: 'eu-west-1', vpcId: 'vpc-0aaaaaaaaaaaaaaa0', cidrs: ['10.0.0.0/16'] });
  const hub = env.network(t, 'hub', { account: '123456789012', region: 'eu-west-1', vpcId: 'vpc-0bbbbbbbbbbbbbbb0', cidrs: ['10.9.0.0/16'] });
  const eks = env.cluster(t, 'eks', { cloud: 'aws', region: 'eu-west-1', network: vpc, podCidrs: ['10.0.128.0/17'], layers: ['kubernetes', 'spire'] });
  const gke = env.cluster(t, 'gke', { cloud: 'gcp', region: 'europe-west1', podCidrs: ['10.20.0.0/16'], layers: ['kubernetes', 'spire'] });
  if (o.controlPlane) vpc.setControlPlane(eks);
  if (o.link) hub.peerWith(vpc);
  const web = new Workload(t, 'web', { cluster: eks, namespace: 'shop', ports: { http: Port.tcp(8080) } });
  const cart = new Workload(t, 'cart', { cluster: eks, namespace: 'shop', ports: { grpc: Port.tcp(9090) } });
  const collector = new Workload(t, 'collector', { cluster: gke, namespace: 'analytics', ports: { http: Port.tcp(8080) } });
  const erp = new VmFleet(t, 'erp', { network: vpc, subnetCidrs: ['10.0.32.0/20'], ports: { https: Port.HTTPS }, tags: { app: 'erp' }, ...(o.spireCluster ? { spireCluster: gke } : {}) });
  const db = new ManagedService(t, 'db', { network: vpc, service: 'rds', subnetCidrs: ['10.0.64.0/24'], ports: { postgres: Port.POSTGRES } });
  web.allowTo(cart, Port.named('grpc'));
  cart.allowTo(collector, Port.named('http'));
  cart.allowTo(db, Port.named('postgres'));
  erp.allowTo(cart, Port.named('grpc'));
  return { vpc, hub, eks, gke, web, cart, collector, erp, db };
}

function envs(environments: Record<string, EnvironmentOverlay>, declare: EnvironmentsProps['declare'] = (t, env) => { shop(t, env); }): Environments {
  return new Environments(undefined, 'shop', { environments, declare, shared: { clock: () => NOW } });
}

const CASES: CallCase[] = [
  {
    name: 'leaving out a cluster the declaration does not declare',
    call: () => envs(overlays({ leaveOut: ['aks'] })),
    code: 'BH-ENV-KEY', path: 'shop/staging', message: /environment 'staging' leaves out 'aks', which the declaration does not declare/, value: /"aks"/, fix: /cluster or network by its construct path/,
  },
  {
    name: 'a kept cluster in a left-out network',
    call: () => envs(overlays({ leaveOut: ['vpc'] })),
    code: 'BH-ENV-LEAVE-OUT-USED', path: 'shop/staging/eks', message: /shop\/staging\/eks lies in the network shop\/staging\/vpc, which environment 'staging' leaves out/, value: /"shop\/staging\/vpc"/, fix: /leave out eks too \(leaveOut: \[\.\.\., 'eks'\]\), or keep vpc in the environment/,
  },
  {
    name: 'a kept network whose control plane is a left-out cluster',
    call: () => envs(overlays({ leaveOut: ['eks'] }), (t, env) => { shop(t, env, { controlPlane: true }); }),
    code: 'BH-ENV-LEAVE-OUT-USED', path: 'shop/staging/vpc', message: /shop\/staging\/vpc has as its control plane the cluster shop\/staging\/eks, which environment 'staging' leaves out/, value: /"shop\/staging\/eks"/, fix: /name another control plane in this environment/,
  },
  {
    name: 'a kept network linked to a left-out network',
    call: () => envs(overlays({ leaveOut: ['vpc', 'eks'] }), (t, env) => { shop(t, env, { link: true }); }),
    code: 'BH-ENV-LEAVE-OUT-USED', path: 'shop/staging/hub', message: /shop\/staging\/hub is linked \(peering\) to the network shop\/staging\/vpc, which environment 'staging' leaves out/, value: /"shop\/staging\/vpc"/, fix: /declare the link only in the environments that keep both networks \(if \(env\.name !== 'staging'\)/,
  },
  {
    name: 'a kept VM fleet whose SPIRE cluster is left out',
    call: () => envs(overlays({ leaveOut: ['gke'] }), (t, env) => { shop(t, env, { spireCluster: true }); }),
    code: 'BH-ENV-LEAVE-OUT-USED', path: 'shop/staging/erp', message: /shop\/staging\/erp takes its SPIRE identities from the cluster shop\/staging\/gke, which environment 'staging' leaves out/, value: /"shop\/staging\/gke"/, fix: /name another spireCluster in this environment/,
  },
  {
    name: 'a grant that names a workload of a left-out cluster',
    call: () => envs(overlays({ leaveOut: ['gke'] }), (t, env) => {
      const s = shop(t, env);
      env.breakGlass(t, 'oncall', { from: [s.cart], to: [s.collector], ports: Port.named('http'), start: '2026-11-22T20:30:00Z', duration: Duration.hours(1), reason: 'debug the pipeline', approvers: ['alice'] });
    }),
    code: 'BH-ENV-LEAVE-OUT', path: 'shop/staging/oncall', message: /the grant oncall names shop\/staging\/collector, which environment 'staging' leaves out/, value: /"shop\/staging\/collector"/, fix: /leave the grant out too/,
  },
];

describe('Environments leaving out clusters and networks: problem catalogue', () => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const problems = problemsThrown(c.call);
    const p = problems.find((x) => x.code === c.code && x.path === c.path && c.message.test(x.message));
    expect(p).toBeDefined();
    expect(p!.severity).toBe('error');
    expect(p!.value).toMatch(c.value);
    expect(p!.fix).toMatch(c.fix);
    expect(p!.fix).not.toBe(p!.message);
  });

  test('every construct a left-out network or cluster is needed by is reported at once', () => {
    const problems = problemsThrown(() => envs(overlays({ leaveOut: ['vpc', 'gke'] }), (t, env) => { shop(t, env, { link: true, spireCluster: true }); }));
    expect(problems.filter((p) => p.code === 'BH-ENV-LEAVE-OUT-USED').map((p) => p.path).sort()).toEqual(['shop/staging/eks', 'shop/staging/hub']);
  });
});

describe('what leaving out a cluster or network does', () => {
  test('a left-out cluster takes its workloads and their flows with it; the other environments keep them', () => {
    const e = envs(overlays({ leaveOut: ['gke'] }));
    const staging = buildPlan(e.topology('staging'));
    const prod = buildPlan(e.topology('prod'));
    expect(staging.clusters.map((c) => c.name)).toEqual(['eks-staging']);
    expect(staging.workloads.map((w) => w.key)).not.toContain(expect.stringContaining('collector'));
    expect(staging.workloads.map((w) => w.name).sort()).toEqual(['cart', 'web']);
    expect(staging.flows.filter((f) => f.origin === 'declared').every((f) => !f.destination.key.includes('collector'))).toBe(true);
    expect(prod.clusters.map((c) => c.name)).toEqual(['eks-prod', 'gke-prod']);
    expect(prod.workloads.map((w) => w.name).sort()).toEqual(['cart', 'collector', 'web']);
  });

  test('a left-out network takes its VM fleets and managed services with it, when its clusters are left out too', () => {
    const e = envs(overlays({ leaveOut: ['vpc', 'eks'] }));
    const staging = buildPlan(e.topology('staging'));
    expect(staging.networks.map((n) => n.name)).toEqual(['hub']);
    expect(staging.cloudWorkloads).toEqual([]);
    expect(staging.clusters.map((c) => c.name)).toEqual(['gke-staging']);
    expect(staging.workloads.map((w) => w.name)).toEqual(['collector']);
    expect(staging.flows.filter((f) => f.origin === 'declared')).toEqual([]);
    const prod = buildPlan(e.topology('prod'));
    expect(prod.cloudWorkloads.map((w) => w.name).sort()).toEqual(['db', 'erp']);
  });

  test('leaving out a cluster and naming its workloads too is the same as naming the cluster alone', () => {
    const a = buildPlan(envs(overlays({ leaveOut: ['gke'] })).topology('staging'));
    const b = buildPlan(envs(overlays({ leaveOut: ['gke', 'collector'] })).topology('staging'));
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });
});
