/**
 * The environments example: the e-commerce shop in dev, staging and prod, two clusters each
 * with one federated cross-cluster flow, synthesized by the cdk8s program; verify judges every
 * layer of every cluster of every environment.
 */
import { Testing } from 'cdk8s';
import { LABELS } from '../../lib/core/names';
import { synthesizeEnvironments } from '../../lib/synth';
import { verify } from '../../lib/verify';
import { declareEnvironments, ENVIRONMENT_NAMES, OVERLAYS } from '../../examples/environments/declaration';
import { buildApp } from '../../examples/environments/main';
import { foldersOfApp } from '../../examples/environments/synth';
import { schemaErrors } from '../util/schema';
import { AUDIT_LAYERS, EnforcementMode } from '../../lib/model/topology';
import { LayerName } from '../../lib/core/layers';

jest.setTimeout(120_000);

const envs = declareEnvironments(undefined);
const synthesis = synthesizeEnvironments(envs);

describe('the environments example', () => {
  test('three environments, two clusters each, in their own folders', () => {
    expect(synthesis.environments.map((e) => [e.name, e.synthesis.clusters.map((c) => c.cluster.name)])).toEqual([
      ['dev', ['eks-dev', 'gke-dev']], ['prod', ['eks-prod', 'gke-prod']], ['staging', ['eks-staging', 'gke-staging']],
    ]);
  });

  test('each environment has one cross-cluster flow, between clusters of two trust domains that federate (both declare a bundle endpoint)', () => {
    for (const e of synthesis.environments) {
      const plan = e.synthesis.plan;
      const cluster = new Map(plan.clusters.map((c) => [c.name, c]));
      const cross = plan.flows.filter((f) => f.origin === 'declared' && f.source.kind === 'workload' && f.destination.kind === 'workload'
        && plan.workloads.find((w) => w.key === f.source.key)!.cluster !== plan.workloads.find((w) => w.key === f.destination.key)!.cluster);
      expect(cross.map((f) => `${f.source.key} -> ${f.destination.key}`)).toEqual([`eks-${e.name}/shop/cart-service -> gke-${e.name}/analytics/event-collector`]);
      const [src, dst] = [`eks-${e.name}`, `gke-${e.name}`].map((n) => cluster.get(n)!);
      expect(src.trustDomain).not.toBe(dst.trustDomain);
      expect(src.bundleEndpoint?.url).toMatch(/^https:\/\//);
      expect(dst.bundleEndpoint?.url).toMatch(/^https:\/\//);
    }
  });

  test('no trust domain is shared between environments', () => {
    const byEnv = synthesis.environments.map((e) => new Set(e.synthesis.plan.clusters.map((c) => c.trustDomain)));
    for (let i = 0; i < byEnv.length; i++) for (let j = i + 1; j < byEnv.length; j++) expect([...byEnv[i]].filter((d) => byEnv[j].has(d))).toEqual([]);
  });

  test('every object is labelled with its environment and validates against its upstream schema', () => {
    for (const e of synthesis.environments) {
      const all = e.synthesis.clusters.flatMap((c) => c.manifests.map((m) => ({ cluster: c.cluster.name, m })));
      expect(all.filter(({ m }) => m.metadata.labels?.[LABELS.environment] !== e.name).map(({ m }) => m.metadata.name)).toEqual([]);
      expect(all.flatMap(({ cluster, m }) => schemaErrors(m as never).map((x) => `${e.name}/${cluster} ${m.kind} ${m.metadata.name}: ${x}`))).toEqual([]);
    }
  });

  test('dev leaves out fraud detection and the on-call grant; staging asks three approvers, prod two', () => {
    const plan = (n: string) => synthesis.environments.find((e) => e.name === n)!.synthesis.plan;
    expect(plan('dev').workloads.some((w) => w.name === 'fraud-detection')).toBe(false);
    expect(plan('dev').breakGlass).toEqual([]);
    expect(plan('prod').workloads.some((w) => w.name === 'fraud-detection')).toBe(true);
    expect(plan('staging').breakGlass.map((g) => g.approvers)).toEqual([['alice', 'bob', 'carol']]);
    expect(plan('prod').breakGlass.map((g) => g.approvers)).toEqual([['alice', 'bob']]);
  });

  // verify judges each cluster's layers against the declaration. A layer in audit mode denies
  // nothing on purpose: verify reports it as `audit`, with what it lets through beyond the
  // declaration as `audited` (never a missing flow). Every enforcing layer is exact, or
  // approximate where NetworkPolicy cannot name the payment provider's FQDN (as in the
  // e-commerce example).
  describe.each(ENVIRONMENT_NAMES.map((n) => [n] as const))('verify, environment %s', (name) => {
    const report = verify(envs.topology(name));
    const overlay = OVERLAYS[name];
    // a layer without an audit mode (NetworkPolicy) enforces in an audit environment too
    const mode = (layer: string): EnforcementMode => (AUDIT_LAYERS.includes(layer as LayerName) ? (overlay.layerModes?.[layer as LayerName]) ?? overlay.mode ?? EnforcementMode.ENFORCE : EnforcementMode.ENFORCE);

    test('every layer of every cluster is judged', () => {
      expect(report.layers.map((l) => `${l.cluster}/${l.layer}`)).toEqual([
        `eks-${name}/kubernetes`, `eks-${name}/cilium`, `eks-${name}/istio`, `gke-${name}/kubernetes`, `gke-${name}/istio`,
      ]);
    });

    test('enforcing layers allow exactly the declaration (approximate only for the FQDN external)', () => {
      for (const l of report.layers.filter((x) => mode(x.layer) === EnforcementMode.ENFORCE)) {
        expect([l.cluster, l.layer, l.findings]).toEqual([l.cluster, l.layer, []]);
        if (l.status === 'approximate') expect([l.layer, l.approximations.map((a) => a.external)]).toEqual(['kubernetes', ['payment-provider']]);
        else expect(l.status).toBe('exact');
      }
    });

    test('audit layers deny nothing the declaration allows: status audit, only over-permissive pairs, no finding', () => {
      const audit = report.layers.filter((x) => mode(x.layer) === EnforcementMode.AUDIT);
      expect(audit.length > 0).toBe(name !== 'prod');
      for (const l of audit) {
        expect([l.cluster, l.layer, l.status, l.findings]).toEqual([l.cluster, l.layer, 'audit', []]);
        expect(l.audited!.length).toBeGreaterThan(0);
        expect(l.audited!.filter((f) => f.kind !== 'over-permissive')).toEqual([]);
      }
      expect(report.ok).toBe(true);
    });

    test('the cross-cluster flow is judged on both sides: cart-service in EKS to event-collector in GKE', () => {
      expect(report.notes.filter((n) => /cross-cluster flow .* is not judged/.test(n))).toEqual([]);
      const eks = report.layers.filter((l) => l.cluster === `eks-${name}`);
      const gke = report.layers.filter((l) => l.cluster === `gke-${name}`);
      expect(eks.every((l) => (l.crossClusterPairs ?? 0) > 0)).toBe(true);
      expect(gke.every((l) => (l.crossClusterPairs ?? 0) > 0)).toBe(true);
    });
  });
});

describe('the environments example as a cdk8s program', () => {
  test('one chart per environment and cluster, holding the application and every layer, each Bulkhead object labelled', () => {
    const folders = foldersOfApp();
    expect(folders.map((f) => `${f.under?.join('/')}/${f.name}`)).toEqual(['dev/eks-dev', 'dev/gke-dev', 'prod/eks-prod', 'prod/gke-prod', 'staging/eks-staging', 'staging/gke-staging']);
    for (const f of folders) {
      const env = f.under![0];
      const expected = synthesis.environments.find((e) => e.name === env)!.synthesis.clusters.find((c) => c.cluster.name === f.name)!.manifests;
      const bulkhead = f.manifests.filter((m) => m.metadata.labels?.['app.kubernetes.io/managed-by'] === 'bulkhead');
      expect(bulkhead.length).toBe(expected.length);
      expect(bulkhead.every((m) => m.metadata.labels?.[LABELS.environment] === env)).toBe(true);
      expect(f.manifests.some((m) => m.kind === 'Deployment')).toBe(true);
    }
  });

  test('Testing.synth of a chart gives one environment and cluster: staging\'s EKS chart audits the mesh, prod\'s enforces it', () => {
    const { charts } = buildApp({}, { printWarnings: false });
    const staging = Testing.synth(charts.get('staging')!.chart('eks-staging'));
    const prod = Testing.synth(charts.get('prod')!.chart('eks-prod'));
    const modes = (objs: { kind: string; spec?: { mtls?: { mode?: string } } }[]) => [...new Set(objs.filter((o) => o.kind === 'PeerAuthentication' && o.spec?.mtls?.mode).map((o) => o.spec!.mtls!.mode))].sort();
    expect(modes(staging)).toEqual(['PERMISSIVE']);
    expect(modes(prod)).toContain('STRICT');
    expect(staging.filter((o) => o.kind === 'AuthorizationPolicy').every((o) => o.spec.action === 'AUDIT')).toBe(true);
    expect(staging.every((o) => o.metadata.labels?.['app.kubernetes.io/managed-by'] !== 'bulkhead' || o.metadata.labels?.[LABELS.environment] === 'staging')).toBe(true);
  });
});
