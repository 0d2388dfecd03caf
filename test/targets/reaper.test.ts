import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Plan } from '../../lib/plan/types';
import {
  NetworkPolicyManifest, ClusterRoleBindingManifest, ClusterRoleManifest, CronJobManifest, grantsInCluster, REAPED_RESOURCES, REAPER_IMAGE, REAPER_NAME, REAPER_NAMESPACE,
  REAPER_SCHEDULE, REAPER_SCRIPT, reaperManifests, renderKubernetes, ServiceAccountManifest,
} from '../../lib/targets/kubernetes';
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
      `Namespace//${REAPER_NAMESPACE}`,
      `ServiceAccount/${REAPER_NAMESPACE}/${REAPER_NAME}`,
      `ClusterRole//${REAPER_NAME}`,
      `ClusterRoleBinding//${REAPER_NAME}`,
      `CronJob/${REAPER_NAMESPACE}/${REAPER_NAME}`,
    ]);
    expect(REAPER_NAMESPACE).toBe('bulkhead-system');
  });

  test('the reaper\'s namespace is default-deny: DNS and the API server ports only', () => {
    const np = eu.find((m): m is NetworkPolicyManifest => m.kind === 'NetworkPolicy');
    expect(np?.spec).toEqual({
      podSelector: {},
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
      { apiGroups: ['cilium.io'], resources: ['ciliumclusterwidenetworkpolicies', 'ciliumnetworkpolicies'], verbs: ['delete', 'get', 'list'] },
      { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['delete', 'get', 'list'] },
      { apiGroups: ['policy.networking.k8s.io'], resources: ['clusternetworkpolicies'], verbs: ['delete', 'get', 'list'] },
      { apiGroups: ['security.istio.io'], resources: ['authorizationpolicies'], verbs: ['delete', 'get', 'list'] },
      { apiGroups: ['spire.spiffe.io'], resources: ['clusterspiffeids'], verbs: ['delete', 'get', 'list'] },
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
