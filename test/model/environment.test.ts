/**
 * Environments: one declaration, one Topology per environment with its overlay applied —
 * clusters and networks, trust domain, enforcement mode per layer, break-glass approvers, what
 * it leaves out — the environment label on every object, the per-environment output layout,
 * and determinism in any order of statements.
 */
import * as fc from 'fast-check';
import { Port } from '../../lib/core/port';
import { Duration } from '../../lib/core/duration';
import { LABELS } from '../../lib/core/names';
import { EnvironmentOverlay, Environments, Environment } from '../../lib/model/environment';
import { EnforcementMode, Topology } from '../../lib/model/topology';
import { Workload } from '../../lib/model/workload';
import { Cluster } from '../../lib/model/cluster';
import { DomainBoundary } from '../../lib/model/domain';
import { buildPlan } from '../../lib/plan/build';
import { foldersOf, synthesize, synthesizeEnvironments, toYaml } from '../../lib/synth';
import { KubeManifest } from '../../lib/targets/types';
import { schemaErrors } from '../util/schema';

const NOW = new Date('2026-11-22T21:00:00Z');
const LAYERS = ['kubernetes', 'cluster-network-policy', 'cilium', 'istio', 'spire'] as const;

const OVERLAYS: Record<string, EnvironmentOverlay> = {
  dev: {
    trustDomain: 'dev.shop.example.com', mode: EnforcementMode.AUDIT, leaveOut: ['fraud'],
    clusters: { eks: { name: 'eks-dev', region: 'eu-central-1', podCidrs: ['10.1.0.0/16'] } },
  },
  staging: {
    trustDomain: 'staging.shop.example.com', layerModes: { istio: EnforcementMode.AUDIT },
    clusters: { eks: { name: 'eks-staging', podCidrs: ['10.2.0.0/16'] } },
    breakGlass: { oncall: { approvers: ['alice', 'bob', 'carol'] } },
  },
  prod: {
    trustDomain: 'prod.shop.example.com',
    clusters: { eks: { name: 'eks-prod', podCidrs: ['10.3.0.0/16'], nodeCidrs: ['10.4.0.0/20'] } },
  },
};

/** The statements of the declaration, each one a step, so that a test can run them in any order. */
function steps(t: Topology, env: Environment, eks: Cluster): (() => void)[] {
  const w: Record<string, Workload> = {};
  const get = (id: string, ports: Record<string, Port>): Workload => (w[id] ??= new Workload(t, id, { cluster: eks, namespace: 'shop', ports }));
  const web = () => get('web', { http: Port.tcp(8080) });
  const pay = () => get('payment', { grpc: Port.tcp(9090) });
  const fraud = () => get('fraud', { grpc: Port.tcp(9091) });
  const db = () => get('db', { postgres: Port.POSTGRES });
  return [
    () => web().allowTo(pay(), Port.named('grpc')),
    () => pay().allowTo(fraud(), Port.named('grpc')),
    () => pay().allowTo(db(), Port.named('postgres')),
    () => { web(); fraud(); db(); },
    () => env.breakGlass(t, 'oncall', {
      from: [web()], to: [db()], ports: Port.named('postgres'), start: '2026-11-22T20:30:00Z', duration: Duration.hours(1), reason: 'repair a row', approvers: ['alice'],
    }),
  ];
}

function declare(order?: readonly number[]) {
  return (t: Topology, env: Environment): void => {
    const eks = env.cluster(t, 'eks', { cloud: 'aws', region: 'eu-west-1', layers: [...LAYERS] });
    const s = steps(t, env, eks);
    for (const i of order ?? s.map((_, j) => j)) s[i]();
  };
}

function make(order?: readonly number[]): Environments {
  return new Environments(undefined, 'shop', { environments: OVERLAYS, shared: { clock: () => NOW }, declare: declare(order) });
}

describe('Environments', () => {
  test('one Topology per environment, named after it, in the order of the names', () => {
    const envs = make();
    expect(envs.names).toEqual(['dev', 'prod', 'staging']);
    expect(envs.topologies.map((t) => t.node.path)).toEqual(['shop/dev', 'shop/prod', 'shop/staging']);
    expect(envs.topologies.map((t) => [t.environment, t.trustDomain, t.environmentNamed])).toEqual([
      ['dev', 'dev.shop.example.com', true], ['prod', 'prod.shop.example.com', true], ['staging', 'staging.shop.example.com', true],
    ]);
  });

  test('each environment\'s clusters take its overlay (names, regions, CIDRs) and its trust domain', () => {
    const envs = make();
    const plans = Object.fromEntries(envs.names.map((n) => [n, buildPlan(envs.topology(n))]));
    expect(plans.dev.clusters.map((c) => [c.name, c.region, c.podCidrs, c.trustDomain])).toEqual([['eks-dev', 'eu-central-1', ['10.1.0.0/16'], 'dev.shop.example.com']]);
    expect(plans.prod.clusters.map((c) => [c.name, c.region, c.podCidrs, c.nodeCidrs, c.trustDomain])).toEqual([['eks-prod', 'eu-west-1', ['10.3.0.0/16'], ['10.4.0.0/20'], 'prod.shop.example.com']]);
    expect(plans.staging.topology).toMatchObject({ environment: 'staging', mode: 'enforce', layerModes: { istio: 'audit' }, labelEnvironment: true });
    expect(plans.dev.topology).toMatchObject({ mode: 'audit' });
  });

  test('an environment leaves out a workload with its flows; the others keep it', () => {
    const envs = make();
    const dev = buildPlan(envs.topology('dev'));
    const prod = buildPlan(envs.topology('prod'));
    expect(dev.workloads.map((w) => w.name)).toEqual(['db', 'payment', 'web']);
    expect(prod.workloads.map((w) => w.name)).toEqual(['db', 'fraud', 'payment', 'web']);
    expect(dev.flows.filter((f) => f.origin === 'declared').map((f) => f.destination.key).sort()).toEqual(['eks-dev/shop/db', 'eks-dev/shop/payment']);
    expect(prod.flows.some((f) => f.destination.key === 'eks-prod/shop/fraud')).toBe(true);
  });

  test('break-glass approvers per environment: staging asks three, the others the declaration\'s one', () => {
    const envs = make();
    expect(buildPlan(envs.topology('staging')).breakGlass.map((g) => g.approvers)).toEqual([['alice', 'bob', 'carol']]);
    expect(buildPlan(envs.topology('prod')).breakGlass.map((g) => g.approvers)).toEqual([['alice']]);
  });

  test('networks take the overlay of their environment (account, VPC, CIDRs); the others keep the declaration\'s', () => {
    const e = new Environments(undefined, 'net', {
      environments: {
        a: { trustDomain: 'a.shop.example.com', clusters: { eks: { name: 'eks-a' } }, networks: { vpc: { account: '111111111111', vpcId: 'vpc-0a1b2c3d4e5f67891', cidrs: ['10.50.0.0/16'] } } },
        b: { trustDomain: 'b.shop.example.com', clusters: { eks: { name: 'eks-b' } } },
      },
      shared: { clock: () => NOW },
      declare: (t, env) => {
        const vpc = env.network(t, 'vpc', { account: '123456789012', region: 'eu-west-1', vpcId: 'vpc-0a1b2c3d4e5f67890', cidrs: ['10.0.0.0/16'] });
        const eks = env.cluster(t, 'eks', { cloud: 'aws', region: 'eu-west-1', network: vpc });
        new Workload(t, 'web', { cluster: eks, namespace: 'shop' });
      },
    });
    expect(buildPlan(e.topology('a')).networks.map((n) => [n.account, n.vpcId, n.cidrs])).toEqual([['111111111111', 'vpc-0a1b2c3d4e5f67891', ['10.50.0.0/16']]]);
    expect(buildPlan(e.topology('b')).networks.map((n) => [n.account, n.vpcId, n.cidrs])).toEqual([['123456789012', 'vpc-0a1b2c3d4e5f67890', ['10.0.0.0/16']]]);
  });

  test('leaving out an exported workload leaves out its export and the flows into it', () => {
    const e = new Environments(undefined, 'dom', {
      environments: {
        a: { trustDomain: 'a.shop.example.com', clusters: { eks: { name: 'eks-a' } }, leaveOut: ['payments/api'] },
        b: { trustDomain: 'b.shop.example.com', clusters: { eks: { name: 'eks-b' } } },
      },
      shared: { clock: () => NOW },
      declare: (t, env) => {
        const eks = env.cluster(t, 'eks', { cloud: 'aws' });
        const payments = new DomainBoundary(t, 'payments');
        const api = payments.addWorkload('api', { cluster: eks, namespace: 'payments', ports: { grpc: Port.tcp(9090) } });
        payments.export(api, Port.named('grpc'));
        new Workload(t, 'web', { cluster: eks, namespace: 'shop' }).allowTo(api, Port.named('grpc'));
      },
    });
    const a = buildPlan(e.topology('a'));
    expect(a.workloads.map((w) => w.name)).toEqual(['web']);
    expect(a.flows.filter((f) => f.origin === 'declared')).toEqual([]);
    expect(buildPlan(e.topology('b')).flows.filter((f) => f.origin === 'declared').map((f) => f.destination.key)).toEqual(['eks-b/payments/api']);
  });

  test('plain JavaScript: cluster props that are not an object reach the planner as given, which reports them', () => {
    const e = new Environments(undefined, 'js', {
      environments: { a: { trustDomain: 'a.shop.example.com' } },
      shared: { clock: () => NOW },
      declare: (t, env) => { env.cluster(t, 'eks', 'aws' as never); },
    });
    expect(() => buildPlan(e.topology('a'))).toThrow(/BH-INPUT-PROPS/);
  });

  test('every object of every environment carries its environment label and validates against its schema', () => {
    const s = synthesizeEnvironments(make());
    for (const e of s.environments) {
      const all = e.synthesis.clusters.flatMap((c) => c.manifests);
      expect(all.length).toBeGreaterThan(0);
      expect(all.filter((m) => m.metadata.labels?.[LABELS.environment] !== e.name)).toEqual([]);
      expect(all.flatMap((m) => schemaErrors(m as never).map((x) => `${m.kind} ${m.metadata.name}: ${x}`))).toEqual([]);
    }
  });

  test('a plain Topology is labelled only when it names its environment', () => {
    const plain = (environment?: string): KubeManifest[] => {
      const t = new Topology(undefined, 'shop', { trustDomain: 'shop.example.com', clock: () => NOW, ...(environment ? { environment } : {}) });
      const eks = new Cluster(t, 'eks', { cloud: 'aws' });
      new Workload(t, 'web', { cluster: eks, namespace: 'shop' });
      return [...synthesize(t).clusters[0].manifests];
    };
    expect(plain().some((m) => LABELS.environment in (m.metadata.labels ?? {}))).toBe(false);
    const named = plain('prod');
    expect(named.length).toBeGreaterThan(0);
    expect(named.every((m) => m.metadata.labels?.[LABELS.environment] === 'prod')).toBe(true);
    // the label is added with the keys kept sorted
    const keys = Object.keys(named[0].metadata.labels ?? {});
    expect(keys).toEqual([...keys].sort());
  });

  test('output is per environment and cluster: <environment>/<cluster>', () => {
    const folders = foldersOf(synthesizeEnvironments(make()));
    expect(folders.map((f) => [...(f.under ?? []), f.name].join('/'))).toEqual(['dev/eks-dev', 'prod/eks-prod', 'staging/eks-staging']);
  });

  test('deterministic: any order of the statements gives byte-identical output in every environment', () => {
    const text = (order?: readonly number[]): string => foldersOf(synthesizeEnvironments(make(order))).map((f) => `${(f.under ?? []).join('/')}/${f.name}\n${toYaml(f.manifests)}`).join('\n');
    const reference = text();
    fc.assert(fc.property(fc.shuffledSubarray([0, 1, 2, 3, 4], { minLength: 5, maxLength: 5 }), (order) => text(order) === reference), { numRuns: 6 });
  });
});

describe('audit → enforce, per layer and per environment', () => {
  const s = synthesizeEnvironments(make());
  const of = (env: string) => s.environments.find((e) => e.name === env)!.synthesis.clusters[0].manifests;
  const kinds = (ms: readonly KubeManifest[], layer: string) => ms.filter((m) => m.metadata.labels?.[LABELS.layer] === layer);
  const spec = (m: KubeManifest) => (m as unknown as { spec: Record<string, unknown> }).spec;

  test('istio: audit (dev, and staging by layerModes) is PERMISSIVE with AUDIT policies and no ALLOW; prod enforces STRICT with allow-nothing', () => {
    for (const env of ['dev', 'staging']) {
      const istio = kinds(of(env), 'istio');
      expect(istio.filter((m) => m.kind === 'PeerAuthentication').map((m) => (spec(m).mtls as { mode: string }).mode)).toEqual(['PERMISSIVE']);
      expect(istio.filter((m) => m.kind === 'AuthorizationPolicy').map((m) => spec(m).action).every((a) => a === 'AUDIT')).toBe(true);
    }
    const prod = kinds(of('prod'), 'istio');
    expect(prod.filter((m) => m.kind === 'PeerAuthentication').map((m) => (spec(m).mtls as { mode: string }).mode)).toEqual(['STRICT']);
    expect(prod.some((m) => m.metadata.name === 'bulkhead-allow-nothing')).toBe(true);
    expect(prod.filter((m) => m.kind === 'AuthorizationPolicy').some((m) => spec(m).action === 'ALLOW')).toBe(true);
  });

  test('cilium: audit (dev) turns default deny off; staging, whose mode enforces, keeps it, although its istio audits', () => {
    // the break-glass reaper's own policy isolates the reaper in every mode: it is Bulkhead's, not the declaration's
    const deny = (env: string) => kinds(of(env), 'cilium').filter((m) => m.kind === 'CiliumNetworkPolicy' && m.metadata.labels?.['app.kubernetes.io/component'] !== 'break-glass-reaper').map((m) => spec(m).enableDefaultDeny as { ingress: boolean; egress: boolean } | undefined);
    expect(deny('dev').length).toBeGreaterThan(0);
    expect(deny('dev').every((d) => d !== undefined && !d.ingress && !d.egress)).toBe(true);
    expect(deny('staging').some((d) => d === undefined || d.ingress || d.egress)).toBe(true);
    expect(s.environments.find((e) => e.name === 'dev')!.synthesis.warnings.map((w) => w.code)).toContain('BH-CILIUM-AUDIT-MODE');
    expect(s.environments.find((e) => e.name === 'staging')!.synthesis.warnings.map((w) => w.code)).not.toContain('BH-CILIUM-AUDIT-MODE');
  });

  test('kubernetes, cluster-network-policy and spire have no audit mode: they render the same in audit as in enforce', () => {
    const strip = (ms: readonly KubeManifest[]) => ms.map((m) => JSON.stringify({ ...m, metadata: { ...m.metadata, labels: { ...m.metadata.labels, [LABELS.environment]: '' } } }).replace(/eks-(dev|staging)/g, 'eks-x'));
    // staging (istio audits, every other layer enforces) against a staging-like declaration in audit mode everywhere
    const audit = synthesize(new Environments(undefined, 'shop', {
      environments: { staging: { ...OVERLAYS.staging, mode: EnforcementMode.AUDIT } }, shared: { clock: () => NOW }, declare: declare(),
    }).topology('staging')).clusters[0].manifests;
    for (const layer of ['kubernetes', 'cluster-network-policy', 'spire']) {
      expect(strip(kinds(audit, layer))).toEqual(strip(kinds(of('staging'), layer)));
    }
  });

  test('a per-layer enforce overrides an audit topology: cilium alone enforces', () => {
    const t = new Topology(undefined, 'shop', { trustDomain: 'shop.example.com', clock: () => NOW, mode: EnforcementMode.AUDIT, layerModes: { cilium: EnforcementMode.ENFORCE } });
    expect(t.modeOf('cilium')).toBe(EnforcementMode.ENFORCE);
    expect(t.modeOf('istio')).toBe(EnforcementMode.AUDIT);
    const eks = new Cluster(t, 'eks', { cloud: 'aws', layers: ['kubernetes', 'cilium', 'istio'] });
    const web = new Workload(t, 'web', { cluster: eks, namespace: 'shop', ports: { http: Port.tcp(8080) } });
    new Workload(t, 'cart', { cluster: eks, namespace: 'shop', ports: { grpc: Port.tcp(9090) } }).allowFrom(web, Port.named('grpc'));
    const ms = synthesize(t).clusters[0].manifests;
    expect(kinds(ms, 'cilium').filter((m) => m.kind === 'CiliumNetworkPolicy').every((m) => (spec(m).enableDefaultDeny as { ingress?: boolean } | undefined)?.ingress !== false)).toBe(true);
    expect(kinds(ms, 'istio').filter((m) => m.kind === 'AuthorizationPolicy').every((m) => spec(m).action === 'AUDIT')).toBe(true);
  });
});
