/**
 * The break-glass reaper: an in-cluster CronJob that deletes every Bulkhead object of a
 * BreakGlass grant once the grant has expired, even if nobody synthesizes again.
 *
 * Objects of a grant carry the label `bulkhead.io/break-glass=<grant>` and
 * `bulkhead.io/expires-at=<Unix seconds>` (see `breakGlassMarks()`); every five minutes the
 * reaper lists them in each policy kind Bulkhead emits and deletes those whose expiry has
 * passed.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/
 */
import { LABELS } from '../../core/names';
import { Protocol } from '../../core/port';
import { Plan, PlanBreakGlass, PlanCluster } from '../../plan/types';
import { MANAGED_BY, meta } from '../common';
import {
  ClusterRoleBindingManifest, ClusterRoleManifest, CronJobManifest, NamespaceManifest, NetworkPolicyManifest, PolicyRule, ServiceAccountManifest,
} from './types';

/**
 * The namespace the reaper runs in.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/
 */
export const REAPER_NAMESPACE = 'bulkhead-system';

/**
 * The name of the reaper's ServiceAccount, ClusterRole, ClusterRoleBinding and CronJob.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/
 */
export const REAPER_NAME = 'bulkhead-break-glass-reaper';

/**
 * The reaper's container image: pinned, and it must provide `/bin/sh` (POSIX), `kubectl`,
 * `date` and `grep`. (The official `registry.k8s.io/kubectl` image is distroless, without a
 * shell, so it cannot run the script.)
 *
 * @see https://hub.docker.com/r/alpine/k8s
 */
export const REAPER_IMAGE = 'docker.io/alpine/k8s:1.31.4';

/**
 * The reaper's schedule: every five minutes.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/
 */
export const REAPER_SCHEDULE = '*/5 * * * *';

/**
 * The resources the reaper may list and delete: every policy kind a Bulkhead layer emits for a
 * BreakGlass grant, as `<plural>.<group>`.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/
 */
export const REAPED_RESOURCES: readonly { readonly group: string; readonly resource: string }[] = [
  { group: 'cilium.io', resource: 'ciliumclusterwidenetworkpolicies' },
  { group: 'cilium.io', resource: 'ciliumnetworkpolicies' },
  { group: 'networking.k8s.io', resource: 'networkpolicies' },
  { group: 'policy.networking.k8s.io', resource: 'clusternetworkpolicies' },
  { group: 'security.istio.io', resource: 'authorizationpolicies' },
  { group: 'spire.spiffe.io', resource: 'clusterspiffeids' },
];

/**
 * The reaper's POSIX `sh` script. For each resource of {@link REAPED_RESOURCES} that the API
 * server serves (kinds whose CRDs are not installed are skipped), it lists the objects labelled
 * `bulkhead.io/break-glass` and managed by Bulkhead, and deletes each one whose
 * `bulkhead.io/expires-at` (Unix seconds) is at or before now. An object whose expiry label is
 * missing or not a number is deleted too (fail closed: emergency access without a readable
 * expiry is removed). It exits non-zero when any call fails, so the Job shows the failure.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/
 */
export const REAPER_SCRIPT: string = [
  'set -u',
  'now=$(date +%s)',
  'status=0',
  'served=$(kubectl api-resources -o name) || { echo "bulkhead-reaper: cannot list the API resources" >&2; exit 1; }',
  `for resource in ${REAPED_RESOURCES.map((r) => `${r.resource}.${r.group}`).join(' ')}; do`,
  '  if ! printf \'%s\\n\' "$served" | grep -qx "$resource"; then',
  '    echo "bulkhead-reaper: $resource is not served here, skipped"',
  '    continue',
  '  fi',
  `  if ! list=$(kubectl get "$resource" --all-namespaces -l '${LABELS.breakGlass},${LABELS.managedBy}=${MANAGED_BY}' -o '${listJsonPath()}'); then`,
  '    echo "bulkhead-reaper: cannot list $resource" >&2',
  '    status=1',
  '    continue',
  '  fi',
  '  while IFS=\'|\' read -r ns name expires; do',
  '    [ -n "$name" ] || continue',
  '    case "$expires" in',
  '      \'\'|*[!0-9]*) echo "bulkhead-reaper: $resource $ns/$name has no valid expiry, deleting" ;;',
  '      *) [ "$expires" -le "$now" ] || continue ;;',
  '    esac',
  '    if [ -n "$ns" ]; then',
  '      kubectl delete "$resource" "$name" --namespace "$ns" --ignore-not-found --wait=false </dev/null || status=1',
  '    else',
  '      kubectl delete "$resource" "$name" --ignore-not-found --wait=false </dev/null || status=1',
  '    fi',
  '  done <<EOF',
  '$list',
  'EOF',
  'done',
  'exit $status',
  '',
].join('\n');

function listJsonPath(): string {
  const label = LABELS.expiresAt.replace(/\./g, '\\.');
  return `jsonpath={range .items[*]}{.metadata.namespace}{"|"}{.metadata.name}{"|"}{.metadata.labels.${label}}{"\\n"}{end}`;
}

/**
 * The grants in force that add a flow to or from a workload of `cluster`, sorted by name.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/
 */
export function grantsInCluster(plan: Plan, cluster: PlanCluster): PlanBreakGlass[] {
  const inCluster = new Set(plan.workloads.filter((w) => w.cluster === cluster.name).map((w) => w.key));
  const touches = new Set(
    plan.flows
      .filter((f) => f.origin === 'break-glass')
      .filter((f) => (f.source.kind === 'workload' && inCluster.has(f.source.key)) || (f.destination.kind === 'workload' && inCluster.has(f.destination.key)))
      .flatMap((f) => (f.breakGlass === undefined ? [] : [f.breakGlass])),
  );
  return plan.breakGlass.filter((g) => touches.has(g.name)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The reaper's objects.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/
 */
export type ReaperManifest = NamespaceManifest | ServiceAccountManifest | ClusterRoleManifest | ClusterRoleBindingManifest | CronJobManifest | NetworkPolicyManifest;

/** Ports the reaper may use to reach the Kubernetes API server (443 through the service, 6443 directly). */
export const REAPER_API_PORTS: readonly number[] = [443, 6443];

/**
 * The reaper's objects for one cluster: the `bulkhead-system` Namespace, a ServiceAccount, a
 * ClusterRole that may get, list and delete the {@link REAPED_RESOURCES}, its binding, and the
 * CronJob (every five minutes, `concurrencyPolicy: Forbid`). Empty when no grant in force
 * touches the cluster.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/
 */
export function reaperManifests(plan: Plan, cluster: PlanCluster): ReaperManifest[] {
  if (grantsInCluster(plan, cluster).length === 0) return [];
  const layer = 'kubernetes';
  const component = { 'app.kubernetes.io/component': 'break-glass-reaper' };
  const groups = [...new Set(REAPED_RESOURCES.map((r) => r.group))].sort();
  const rules: PolicyRule[] = groups.map((g) => ({
    apiGroups: [g],
    resources: REAPED_RESOURCES.filter((r) => r.group === g).map((r) => r.resource).sort(),
    verbs: ['delete', 'get', 'list'],
  }));
  const podLabels = { [LABELS.managedBy]: MANAGED_BY, ...component };
  const dns = plan.platform.find((p) => p.cluster === cluster.name && p.name === 'dns');
  // The reaper's namespace is default-deny too: it may resolve names and reach the API server
  // (whose address the plan does not know: any address on the API server ports), nothing else.
  const isolation: NetworkPolicyManifest = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta(layer, REAPER_NAME, REAPER_NAMESPACE, component),
    spec: {
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
      egress: [
        ...(dns ? [{
          to: [{ namespaceSelector: { matchLabels: { [LABELS.namespaceName]: dns.namespace } }, podSelector: { matchLabels: { ...dns.selector } } }],
          ports: [{ protocol: Protocol.UDP, port: 53 }, { protocol: Protocol.TCP, port: 53 }],
        }] : []),
        { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: REAPER_API_PORTS.map((port) => ({ protocol: Protocol.TCP, port })) },
      ],
    },
  };
  return [
    isolation,
    { apiVersion: 'v1', kind: 'Namespace', metadata: meta(layer, REAPER_NAMESPACE, undefined) },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(layer, REAPER_NAME, REAPER_NAMESPACE, component), automountServiceAccountToken: true },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: meta(layer, REAPER_NAME, undefined, component), rules },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: meta(layer, REAPER_NAME, undefined, component),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: REAPER_NAME },
      subjects: [{ kind: 'ServiceAccount', name: REAPER_NAME, namespace: REAPER_NAMESPACE }],
    },
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: meta(layer, REAPER_NAME, REAPER_NAMESPACE, component),
      spec: {
        schedule: REAPER_SCHEDULE,
        concurrencyPolicy: 'Forbid',
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          spec: {
            backoffLimit: 2,
            activeDeadlineSeconds: 240,
            template: {
              metadata: { labels: podLabels },
              spec: {
                serviceAccountName: REAPER_NAME,
                restartPolicy: 'Never',
                securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } },
                containers: [{
                  name: 'reaper',
                  image: REAPER_IMAGE,
                  imagePullPolicy: 'IfNotPresent',
                  command: ['/bin/sh', '-c', REAPER_SCRIPT],
                  env: [{ name: 'HOME', value: '/tmp' }],
                  resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } },
                  securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
                  volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
                }],
                volumes: [{ name: 'tmp', emptyDir: {} }],
              },
            },
          },
        },
      },
    },
  ];
}
