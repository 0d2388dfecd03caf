import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Analysis } from '../../lib/analysis';
import { BulkheadError } from '../../lib/core/errors';
import { Duration } from '../../lib/core/duration';
import { Port } from '../../lib/core/port';
import { Sensitivity } from '../../lib/core/sensitivity';
import { BreakGlass } from '../../lib/model/break-glass';
import { Cluster, ClusterProps } from '../../lib/model/cluster';
import { SensitiveTier } from '../../lib/model/tier';
import { Topology } from '../../lib/model/topology';
import { Workload } from '../../lib/model/workload';
import { LAYERS } from '../../lib/core/layers';
import { Plan } from '../../lib/plan/types';
import { synthesize } from '../../lib/synth';
import { CiliumNetworkPolicy } from '../../lib/targets/cilium';
import {
  NetworkPolicyManifest, ClusterRoleBindingManifest, ClusterRoleManifest, CronJobManifest, grantsInCluster, REAPED_RESOURCES, REAPER_IMAGE, REAPER_NAME, REAPER_NAMESPACE,
  REAPER_POD_LABELS, REAPER_SCHEDULE, REAPER_SCRIPT, REAPER_WARNINGS, reaperManifests, renderKubernetes, ServiceAccountManifest,
} from '../../lib/targets/kubernetes';
import { TARGETS } from '../../lib/targets/registry';
import { KubeManifest } from '../../lib/targets/types';
import { loadWithEndpoints } from '../../lib/verify';
import { NOW } from '../plan/declare';
import { fixturePlan } from '../fixtures/plan';
import { schemaErrors } from '../util/schema';

function clusterOf(plan: Plan, name: string) {
  const c = plan.clusters.find((x) => x.name === name);
  if (!c) throw new Error(name);
  return c;
}

describe('break-glass reaper: objects', () => {
  const plan = fixturePlan();
  const eu = reaperManifests(plan, clusterOf(plan, 'eks-eu'));

  test('emitted only where a grant in force touches the cluster', () => {
    expect(grantsInCluster(plan, clusterOf(plan, 'eks-eu')).map((g) => g.name)).toEqual(['db-oncall']);
    expect(reaperManifests(plan, clusterOf(plan, 'gke-us'))).toEqual([]);
    expect(renderKubernetes(plan, clusterOf(plan, 'gke-us')).manifests.map((m) => m.kind)).not.toContain('CronJob');
    const noGrants: Plan = { ...plan, breakGlass: [], flows: plan.flows.filter((f) => f.origin !== 'break-glass') };
    expect(reaperManifests(noGrants, clusterOf(plan, 'eks-eu'))).toEqual([]);
    expect(eu.map((m) => `${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`)).toEqual([
      `NetworkPolicy/${REAPER_NAMESPACE}/${REAPER_NAME}`,
      `CiliumNetworkPolicy/${REAPER_NAMESPACE}/${REAPER_NAME}`,
      `Namespace//${REAPER_NAMESPACE}`,
      `ServiceAccount/${REAPER_NAMESPACE}/${REAPER_NAME}`,
      `ClusterRole//${REAPER_NAME}`,
      `ClusterRoleBinding//${REAPER_NAME}`,
      `CronJob/${REAPER_NAMESPACE}/${REAPER_NAME}`,
    ]);
    expect(REAPER_NAMESPACE).toBe('bulkhead-system');
  });

  test('the reaper\'s pods (only they) are isolated: DNS and the API server ports only', () => {
    const np = eu.find((m): m is NetworkPolicyManifest => m.kind === 'NetworkPolicy');
    expect(np?.spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/component': 'break-glass-reaper', 'app.kubernetes.io/managed-by': 'bulkhead' } },
      policyTypes: ['Ingress', 'Egress'],
      egress: [
        { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] },
        { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ protocol: 'TCP', port: 443 }, { protocol: 'TCP', port: 6443 }] },
      ],
    });
  });

  test('the ClusterRole may get, list and delete exactly the policy kinds Bulkhead emits', () => {
    const role = eu.find((m): m is ClusterRoleManifest => m.kind === 'ClusterRole');
    expect(role?.rules).toEqual([
      { apiGroups: ['cilium.io'], resources: ['ciliumnetworkpolicies'], verbs: ['delete', 'get', 'list'] },
      { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['delete', 'get', 'list'] },
      { apiGroups: ['policy.networking.k8s.io'], resources: ['clusternetworkpolicies'], verbs: ['delete', 'get', 'list'] },
      { apiGroups: ['security.istio.io'], resources: ['authorizationpolicies'], verbs: ['delete', 'get', 'list'] },
    ]);
    const binding = eu.find((m): m is ClusterRoleBindingManifest => m.kind === 'ClusterRoleBinding');
    expect(binding?.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: REAPER_NAME });
    expect(binding?.subjects).toEqual([{ kind: 'ServiceAccount', name: REAPER_NAME, namespace: REAPER_NAMESPACE }]);
    const sa = eu.find((m): m is ServiceAccountManifest => m.kind === 'ServiceAccount');
    expect(sa?.metadata.namespace).toBe(REAPER_NAMESPACE);
  });

  test('the CronJob runs every five minutes, never concurrently, the pinned image and the script', () => {
    const cj = eu.find((m): m is CronJobManifest => m.kind === 'CronJob');
    if (!cj) throw new Error('no CronJob');
    expect(REAPER_SCHEDULE).toBe('*/5 * * * *');
    expect(cj.spec.schedule).toBe('*/5 * * * *');
    expect(cj.spec.concurrencyPolicy).toBe('Forbid');
    const pod = cj.spec.jobTemplate.spec.template.spec;
    expect(pod.serviceAccountName).toBe(REAPER_NAME);
    expect(pod.containers).toHaveLength(1);
    expect(pod.containers[0].image).toBe(REAPER_IMAGE);
    expect(REAPER_IMAGE).toMatch(/:[0-9]+\.[0-9]+\.[0-9]+$|@sha256:[0-9a-f]{64}$/); // pinned, never :latest
    expect(pod.containers[0].command).toEqual(['/bin/sh', '-c', REAPER_SCRIPT]);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.containers[0].securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  });

  test('every object passes its upstream schema', () => {
    for (const m of eu) expect({ kind: m.kind, errors: schemaErrors(m) }).toEqual({ kind: m.kind, errors: [] });
  });

  test('the script: POSIX sh, the label selector, the expiry comparison, every resource', () => {
    expect(REAPER_SCRIPT).toContain("-l 'bulkhead.io/break-glass,app.kubernetes.io/managed-by=bulkhead'");
    expect(REAPER_SCRIPT).toContain('{.metadata.labels.bulkhead\\.io/expires-at}');
    expect(REAPER_SCRIPT).toContain('now=$(date +%s)');
    expect(REAPER_SCRIPT).toContain('[ "$expires" -le "$now" ] || continue');
    for (const r of REAPED_RESOURCES) expect(REAPER_SCRIPT).toContain(`${r.resource}.${r.group}`);
    expect(REAPER_SCRIPT).not.toMatch(/\[\[|function |local |declare /); // no bashisms
    const syntax = spawnSync('sh', ['-n', '-c', REAPER_SCRIPT], { encoding: 'utf8' });
    expect(syntax.status).toBe(0);
  });
});

describe('break-glass reaper: the script run against a fake kubectl', () => {
  let dir: string;
  const NOW = 1795384800;

  function setup(files: Record<string, string>): void {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reaper-'));
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'date'), `#!/bin/sh\necho ${NOW}\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(bin, 'kubectl'), [
      '#!/bin/sh',
      'echo "$*" >> "$FAKE/calls.log"',
      'case "$1" in',
      '  api-resources) cat "$FAKE/api-resources" ;;',
      '  get) [ -f "$FAKE/fail-get-$2" ] && { echo "boom" >&2; exit 1; }; [ -f "$FAKE/get-$2" ] && cat "$FAKE/get-$2"; exit 0 ;;',
      '  delete) echo "$2 $3 $5" >> "$FAKE/deleted.log"; [ -f "$FAKE/fail-delete-$3" ] && exit 1; exit 0 ;;',
      'esac',
      '',
    ].join('\n'), { mode: 0o755 });
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  }
  function run(): { status: number | null; stdout: string; deleted: string[]; calls: string[] } {
    const r = spawnSync('sh', ['-c', REAPER_SCRIPT], {
      encoding: 'utf8',
      env: { PATH: `${path.join(dir, 'bin')}:/usr/bin:/bin`, FAKE: dir },
    });
    const read = (f: string) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), 'utf8').trim().split('\n').filter((l) => l) : []);
    return { status: r.status, stdout: r.stdout + r.stderr, deleted: read('deleted.log'), calls: read('calls.log') };
  }
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const served = ['pods', 'networkpolicies.networking.k8s.io', 'clusternetworkpolicies.policy.networking.k8s.io', 'authorizationpolicies.security.istio.io'].join('\n') + '\n';

  test('deletes expired and unreadable objects, keeps live ones, skips kinds not served', () => {
    setup({
      'api-resources': served,
      'get-networkpolicies.networking.k8s.io': [
        `payments|bg-db-oncall-payment-db-ingress|${NOW - 1}`,
        `ops|bg-db-oncall-oncall-egress|${NOW}`,
        `shop|bg-later-web-ingress|${NOW + 3600}`,
        'shop|bg-broken-web-ingress|soon',
        'shop|bg-nolabel-web-ingress|',
      ].join('\n') + '\n',
      'get-clusternetworkpolicies.policy.networking.k8s.io': `|bulkhead-bg-db-oncall-payments-payment-db|${NOW - 600}\n|bulkhead-bg-later|${NOW + 1}\n`,
    });
    const r = run();
    expect(r.status).toBe(0);
    expect(r.deleted).toEqual([
      'networkpolicies.networking.k8s.io bg-db-oncall-payment-db-ingress payments',
      'networkpolicies.networking.k8s.io bg-db-oncall-oncall-egress ops',
      'networkpolicies.networking.k8s.io bg-broken-web-ingress shop',
      'networkpolicies.networking.k8s.io bg-nolabel-web-ingress shop',
      'clusternetworkpolicies.policy.networking.k8s.io bulkhead-bg-db-oncall-payments-payment-db --wait=false', // no namespace argument
    ]);
    // cluster-scoped objects are deleted without --namespace
    expect(r.calls.filter((c) => c.startsWith('delete clusternetworkpolicies'))).toEqual([
      'delete clusternetworkpolicies.policy.networking.k8s.io bulkhead-bg-db-oncall-payments-payment-db --ignore-not-found --wait=false',
    ]);
    expect(r.calls).toContain('delete networkpolicies.networking.k8s.io bg-db-oncall-payment-db-ingress --namespace payments --ignore-not-found --wait=false');
    // kinds whose CRDs are not installed are never listed
    expect(r.calls.some((c) => c.includes('cilium'))).toBe(false);
    expect(r.stdout).toContain('ciliumnetworkpolicies.cilium.io is not served here, skipped');
    // the list call selects break-glass objects managed by Bulkhead
    expect(r.calls).toContainEqual(expect.stringMatching(/^get networkpolicies\.networking\.k8s\.io --all-namespaces -l bulkhead\.io\/break-glass,app\.kubernetes\.io\/managed-by=bulkhead -o jsonpath=/));
  });

  test('nothing to do: exits 0 and deletes nothing', () => {
    setup({ 'api-resources': served });
    const r = run();
    expect(r.status).toBe(0);
    expect(r.deleted).toEqual([]);
  });

  test('a failed list or delete makes the job fail, after trying the rest', () => {
    setup({
      'api-resources': served,
      'fail-get-authorizationpolicies.security.istio.io': '',
      'get-networkpolicies.networking.k8s.io': `a|x|${NOW - 5}\nb|y|${NOW - 5}\n`,
      'fail-delete-x': '',
    });
    const r = run();
    expect(r.status).toBe(1);
    expect(r.deleted).toEqual(['networkpolicies.networking.k8s.io x a', 'networkpolicies.networking.k8s.io y b']);
  });

  test('fails when the API resources cannot be listed', () => {
    setup({});
    const r = run();
    expect(r.status).toBe(1);
    expect(r.deleted).toEqual([]);
  });
});

describe('break-glass reaper: in every cluster that holds a grant', () => {
  const grant = (topo: Topology, from: Workload, to: Workload) => new BreakGlass(topo, 'db-oncall', {
    from: [from], to: [to], ports: Port.tcp(5432), start: '2026-11-22T20:30:00Z', duration: Duration.hours(1), reason: 'restore a ledger row', approvers: ['alice', 'bob'],
  });
  const declare = (props: Partial<ClusterProps> = {}, extra?: (topo: Topology, c: Cluster) => void) => {
    const topo = new Topology(undefined, 'shop', { trustDomain: 'shop.example.com', clock: () => NOW });
    const c = new Cluster(topo, 'eks', { cloud: 'aws', podCidrs: ['10.1.0.0/16'], ...props });
    const oncall = new Workload(topo, 'oncall', { cluster: c, namespace: 'ops' });
    const tier = new SensitiveTier(topo, 'ledger', { level: Sensitivity.HIGHLY_SENSITIVE });
    const db = new Workload(topo, 'db', { cluster: c, namespace: 'data', ports: { postgres: Port.tcp(5432) }, tier });
    grant(topo, oncall, db);
    extra?.(topo, c);
    return topo;
  };
  const kinds = (ms: readonly KubeManifest[]) => ms.filter((m) => m.metadata.namespace === REAPER_NAMESPACE || m.metadata.name === REAPER_NAME || m.metadata.name === REAPER_NAMESPACE).map((m) => m.kind).sort();
  const role = (ms: readonly KubeManifest[]) => (ms.find((m) => m.kind === 'ClusterRole' && m.metadata.name === REAPER_NAME) as ClusterRoleManifest | undefined)?.rules;
  const script = (ms: readonly KubeManifest[]) => (ms.find((m) => m.kind === 'CronJob') as CronJobManifest).spec.jobTemplate.spec.template.spec.containers[0].command[2];

  test('a cluster without the kubernetes layer still gets the reaper (core kinds), for the kinds its layers emit grants in', () => {
    const s = synthesize(declare({ layers: ['istio', 'spire'] }));
    const ms = s.clusters[0].manifests;
    expect(kinds(ms)).toEqual(['ClusterRole', 'ClusterRoleBinding', 'CronJob', 'Namespace', 'ServiceAccount']);
    expect(role(ms)).toEqual([{ apiGroups: ['security.istio.io'], resources: ['authorizationpolicies'], verbs: ['delete', 'get', 'list'] }]);
    expect(script(ms)).toContain('for resource in authorizationpolicies.security.istio.io; do');
    expect(s.clusters[0].reaper).toBe(5);
    // no network layer: said so
    expect(s.warnings.map((w) => w.code)).toContain(REAPER_WARNINGS.unisolated);
    // the grant's objects are in a kind the reaper deletes
    expect(ms.filter((m) => m.metadata.labels?.['bulkhead.io/break-glass']).map((m) => m.kind)).toEqual(['AuthorizationPolicy', 'AuthorizationPolicy']);
  });

  test('a Cilium-only cluster: the reaper is isolated by a CiliumNetworkPolicy naming the kube-apiserver entity', () => {
    const s = synthesize(declare({ layers: ['cilium'] }));
    const ms = s.clusters[0].manifests;
    expect(kinds(ms)).toEqual(['CiliumNetworkPolicy', 'ClusterRole', 'ClusterRoleBinding', 'CronJob', 'Namespace', 'ServiceAccount']);
    const cnp = ms.find((m): m is CiliumNetworkPolicy => m.kind === 'CiliumNetworkPolicy' && m.metadata.name === REAPER_NAME);
    expect(cnp?.spec.endpointSelector).toEqual({ matchLabels: REAPER_POD_LABELS });
    expect(cnp?.spec.egress?.map((r) => r.toEntities ?? r.toEndpoints)).toEqual([
      [{ matchLabels: { 'io.cilium.k8s.policy.cluster': 'eks', 'k8s-app': 'kube-dns', 'k8s:io.kubernetes.pod.namespace': 'kube-system' } }],
      ['kube-apiserver'],
    ]);
    expect(role(ms)).toEqual([{ apiGroups: ['cilium.io'], resources: ['ciliumnetworkpolicies'], verbs: ['delete', 'get', 'list'] }]);
    expect(s.warnings.map((w) => w.code)).not.toContain(REAPER_WARNINGS.apiServerUnknown);
    for (const m of ms.filter((x) => x.metadata.namespace === REAPER_NAMESPACE)) expect({ kind: m.kind, errors: schemaErrors(m) }).toEqual({ kind: m.kind, errors: [] });
  });

  test('every kind a grant is emitted in, in every layer, is a kind the reaper of that cluster may delete', () => {
    const s = synthesize(declare({ layers: [...LAYERS] }));
    for (const c of s.clusters) {
      const allowed = new Set((role(c.manifests) ?? []).flatMap((r) => r.resources.map((x) => `${x}.${r.apiGroups[0]}`)));
      const marked = c.manifests.filter((m) => m.metadata.labels?.['bulkhead.io/break-glass']);
      expect(new Set(marked.map((m) => m.metadata.labels?.['bulkhead.io/layer'])).size).toBe(4); // kubernetes, cluster-network-policy, cilium, istio
      for (const m of marked) expect(allowed).toContain(`${m.kind.toLowerCase().replace(/y$/, 'ie')}s.${m.apiVersion.split('/')[0]}`);
      for (const r of allowed) expect(script(c.manifests)).toContain(r);
    }
    // the union of the built-in layers' kinds is the full list
    const union = Object.values(TARGETS).flatMap((t) => t.breakGlassResources ?? []).map((r) => `${r.group}/${r.resource}`).sort();
    expect([...REAPED_RESOURCES].map((r) => `${r.group}/${r.resource}`).sort()).toEqual(union);
  });

  test('a workload cannot be declared in bulkhead-system, and a foreign pod there does not inherit the reaper\'s egress; the reaper reaches the API server only', () => {
    const apiServer = '172.20.0.1';
    const declared = declare({ layers: ['kubernetes'] }, (t, c) => {
      new Workload(t, 'tool', { cluster: c, namespace: REAPER_NAMESPACE });
    });
    expect(() => synthesize(declared)).toThrow(/BH-NAMESPACE-PLATFORM/);
    // A pod someone else runs in the reaper's namespace (not declared in Bulkhead).
    const foreign = {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'tool', namespace: REAPER_NAMESPACE },
      spec: { selector: { matchLabels: { app: 'tool' } }, template: { metadata: { labels: { app: 'tool' } }, spec: { containers: [{ name: 'tool', image: 'tool' }] } } },
    };
    for (const apiServerCidrs of [undefined, [`${apiServer}/32`]]) {
      const topo = declare({ layers: ['kubernetes'], ...(apiServerCidrs ? { apiServerCidrs } : {}) });
      const s = synthesize(topo);
      const c = s.clusters[0];
      const analysis = Analysis.of(loadWithEndpoints(s.plan, c.cluster, [...c.manifests, foreign as unknown as KubeManifest]), { trustDomain: 'shop.example.com' });
      const k8s = analysis.simulator('kubernetes');
      const allowed = (from: string, to: string) => k8s.explain(analysis.endpoint(from), analysis.endpoint(to), { protocol: 'TCP', port: 443 }).allowed;
      // the reaper's policies select the reaper's pods only: the foreign pod is not isolated by
      // them (Bulkhead governs only what it declares), so no rule of theirs decides its traffic
      const isolating = c.manifests.filter((m): m is NetworkPolicyManifest => m.kind === 'NetworkPolicy' && m.metadata.namespace === REAPER_NAMESPACE);
      expect(isolating.length).toBeGreaterThan(0);
      for (const np of isolating) expect(np.spec.podSelector).toEqual({ matchLabels: REAPER_POD_LABELS });
      const decided = k8s.explain(analysis.endpoint(`${REAPER_NAMESPACE}/tool`), analysis.endpoint(apiServer), { protocol: 'TCP', port: 443 });
      expect(JSON.stringify(decided)).not.toContain(REAPER_NAME + '"');
      const reaper = `${REAPER_NAMESPACE}/${REAPER_NAME}[CronJob]`;
      expect(allowed(reaper, apiServer)).toBe(true);
      const np = c.manifests.find((m): m is NetworkPolicyManifest => m.kind === 'NetworkPolicy' && m.metadata.name === REAPER_NAME);
      if (apiServerCidrs) {
        // the API server's address only, and no warning
        expect(allowed(reaper, '93.184.216.34')).toBe(false);
        expect(np?.spec.egress?.[1].to).toEqual([{ ipBlock: { cidr: `${apiServer}/32` } }]);
        expect(s.warnings.map((w) => w.code)).not.toContain(REAPER_WARNINGS.apiServerUnknown);
      } else {
        // unknown: every address on the API server ports, and a warning that says why
        expect(np?.spec.egress?.[1].to).toEqual([{ ipBlock: { cidr: '0.0.0.0/0' } }]);
        const w = s.warnings.find((x) => x.code === REAPER_WARNINGS.apiServerUnknown);
        expect(w?.message).toContain('NetworkPolicy cannot select the API server');
        expect(w?.fix).toContain('apiServerCidrs');
      }
    }
  });

  test('apiServerCidrs is validated like every CIDR', () => {
    const topo = declare({ apiServerCidrs: ['172.20.0.1/40'] });
    expect(() => synthesize(topo)).toThrow(BulkheadError);
    try {
      synthesize(topo);
    } catch (e) {
      expect((e as BulkheadError).problems.map((p) => p.path)).toContainEqual(expect.stringContaining('apiServerCidrs'));
    }
  });
});
