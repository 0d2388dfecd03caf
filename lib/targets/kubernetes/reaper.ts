/**
 * The break-glass reaper: an in-cluster CronJob that deletes every Bulkhead object of a
 * BreakGlass grant once the grant has expired, even if nobody synthesizes again.
 *
 * Objects of a grant carry the label `bulkhead.io/break-glass=<grant>` and
 * `bulkhead.io/expires-at=<Unix seconds>` (see `breakGlassMarks()`); every five minutes the
 * reaper lists them in each kind the cluster's layers emit them in and deletes those whose
 * expiry has passed. Every cluster that holds a grant in force gets a reaper, whatever its
 * layers. The control-plane cluster of a cloud network (`NetworkProps.controlPlane`), where the
 * `aws` layer's Crossplane objects are applied, also gets one: it deletes the expired
 * break-glass security-group rule objects, and Crossplane revokes the rules in AWS.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/
 */
import { cmp, Problem, sortProblems } from '../../core/errors';
import { LABELS } from '../../core/names';
import { Protocol } from '../../core/port';
import { Plan, PlanBreakGlass, PlanCluster } from '../../plan/types';
import { AWS_BREAK_GLASS_RESOURCES } from '../aws/target';
import { CILIUM_LABELS } from '../cilium/render';
import { CILIUM_API_VERSION, CiliumNetworkPolicy } from '../cilium/types';
import { clusterPath, MANAGED_BY, meta, sortedRecord } from '../common';
import { ApiResource } from '../types';
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
 * Every kind in which a built-in layer emits BreakGlass objects, as `<plural>.<group>`: the
 * union of the layers' `breakGlassResources`. A cluster's reaper may list and delete only the
 * kinds of the layers that cluster runs (see {@link renderReaper}).
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/
 */
export const REAPED_RESOURCES: readonly ApiResource[] = [
  { group: 'cilium.io', resource: 'ciliumnetworkpolicies' },
  { group: 'networking.k8s.io', resource: 'networkpolicies' },
  { group: 'policy.networking.k8s.io', resource: 'clusternetworkpolicies' },
  { group: 'security.istio.io', resource: 'authorizationpolicies' },
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
export const REAPER_SCRIPT: string = reaperScript(REAPED_RESOURCES);

/**
 * The reaper's script for a list of resources (see {@link REAPER_SCRIPT}).
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/
 */
export function reaperScript(resources: readonly ApiResource[]): string {
  return [
  'set -u',
  'now=$(date +%s)',
  'status=0',
  'served=$(kubectl api-resources -o name) || { echo "bulkhead-reaper: cannot list the API resources" >&2; exit 1; }',
  `for resource in ${sortResources(resources).map((r) => `${r.resource}.${r.group}`).join(' ')}; do`,
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
}

function sortResources(resources: readonly ApiResource[]): ApiResource[] {
  const key = (r: ApiResource) => `${r.group}/${r.resource}`;
  return [...new Map(resources.map((r) => [key(r), r])).values()].sort((a, b) => cmp(key(a), key(b)));
}

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
 * The kinds of the Crossplane objects of the `aws` layer in which break-glass grants are
 * written: the standalone security-group rules. The reaper of a network's control-plane cluster
 * (`NetworkProps.controlPlane`) deletes the expired ones; Crossplane then revokes the AWS rules,
 * since a managed resource's default `deletionPolicy` is `Delete`.
 *
 * @see https://docs.crossplane.io/latest/concepts/managed-resources/#deletionpolicy
 */
export const CLOUD_REAPED_RESOURCES: readonly ApiResource[] = AWS_BREAK_GLASS_RESOURCES;

/**
 * The grants in force that write security-group rules into a network whose control-plane
 * cluster is `cluster` (the rules of a flow live in the network of its side that owns a group:
 * a VM fleet, a managed service, pods with their own group), sorted by name.
 *
 * @see https://docs.crossplane.io/latest/concepts/managed-resources/#deletionpolicy
 */
export function cloudGrantsInControlPlane(plan: Plan, cluster: PlanCluster): PlanBreakGlass[] {
  const networks = new Set((plan.networks ?? []).filter((n) => n.controlPlane === cluster.name).map((n) => n.name));
  if (networks.size === 0) return [];
  const owners = new Set([
    ...(plan.cloudWorkloads ?? []).filter((c) => networks.has(c.network)).map((c) => c.key),
    ...plan.workloads.filter((w) => w.securityGroup !== undefined && networks.has(w.securityGroup.network)).map((w) => w.key),
  ]);
  const touches = new Set(
    plan.flows
      .filter((f) => f.origin === 'break-glass' && (owners.has(f.source.key) || owners.has(f.destination.key)))
      .flatMap((f) => (f.breakGlass === undefined ? [] : [f.breakGlass])),
  );
  return plan.breakGlass.filter((g) => touches.has(g.name)).sort((a, b) => cmp(a.name, b.name));
}

/**
 * The kinds a cluster's reaper lists and deletes: of `resources` (the kinds of the layers that
 * write into the cluster), the cluster layers' kinds when a grant in force touches one of its
 * workloads, and the Crossplane rule kinds ({@link CLOUD_REAPED_RESOURCES}) when it is the
 * control-plane cluster of a network that holds break-glass rules. Empty: no reaper.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/
 */
export function reapedResources(plan: Plan, cluster: PlanCluster, resources: readonly ApiResource[] = REAPED_RESOURCES): ApiResource[] {
  const isCloud = (r: ApiResource) => CLOUD_REAPED_RESOURCES.some((c) => c.group === r.group && c.resource === r.resource);
  const own = grantsInCluster(plan, cluster).length > 0 ? resources.filter((r) => !isCloud(r)) : [];
  const cloud = cloudGrantsInControlPlane(plan, cluster).length > 0 ? CLOUD_REAPED_RESOURCES : [];
  return sortResources([...own, ...cloud]);
}

/**
 * The reaper's objects.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/
 */
export type ReaperManifest = NamespaceManifest | ServiceAccountManifest | ClusterRoleManifest | ClusterRoleBindingManifest | CronJobManifest | NetworkPolicyManifest | CiliumNetworkPolicy;

/** Ports the reaper may use to reach the Kubernetes API server (443 through the service, 6443 directly). */
export const REAPER_API_PORTS: readonly number[] = [443, 6443];

/**
 * The labels of the reaper's pods; its network policies select exactly these (never the whole
 * namespace, so a workload declared in `bulkhead-system` does not inherit the reaper's egress).
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export const REAPER_POD_LABELS: Readonly<Record<string, string>> = {
  'app.kubernetes.io/component': 'break-glass-reaper',
  [LABELS.managedBy]: MANAGED_BY,
};

/**
 * Warning codes of the reaper.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export const REAPER_WARNINGS = {
  /**
   * The cluster does not say where its API server is (`apiServerCidrs`), so the reaper's
   * NetworkPolicy allows every address on the API server ports.
   */
  apiServerUnknown: 'BH-REAPER-API-SERVER',
  /** The cluster runs no network layer (`kubernetes` or `cilium`): the reaper's pods are not isolated. */
  unisolated: 'BH-REAPER-UNISOLATED',
} as const;

/**
 * What {@link renderReaper} returns.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/
 */
export interface ReaperRender {
  /** The objects, unsorted (the caller sorts). */
  readonly manifests: ReaperManifest[];
  /** Warnings, sorted. */
  readonly warnings: Problem[];
}

/**
 * The reaper's objects for one cluster, emitted for every cluster that holds a grant in force,
 * whatever layers it runs (the core kinds exist in every cluster): the `bulkhead-system`
 * Namespace, a ServiceAccount, a ClusterRole that may get, list and delete `resources` (the
 * kinds the cluster's layers emit BreakGlass objects in), its binding, and the CronJob (every
 * five minutes, `concurrencyPolicy: Forbid`). The core objects carry the `kubernetes` layer
 * label (they are core Kubernetes kinds). The kinds are those of {@link reapedResources}; empty
 * when no grant in force touches the cluster (nor a network it is the control plane of).
 *
 * The reaper's pods are isolated in the network layers the cluster runs, by policies that
 * select the reaper's pods only ({@link REAPER_POD_LABELS}): they may resolve names through the
 * cluster DNS and call the API server, nothing else.
 * - `kubernetes`: a NetworkPolicy. It reaches the API server by the cluster's `apiServerCidrs`;
 *   when they are not declared, every address on 443 and 6443, with a `BH-REAPER-API-SERVER`
 *   warning (NetworkPolicy cannot select the API server: it is not a pod).
 * - `cilium`: a CiliumNetworkPolicy whose egress names the `kube-apiserver` entity.
 * - neither: a `BH-REAPER-UNISOLATED` warning.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/
 * @see https://docs.cilium.io/en/stable/security/policy/language/#entities-based
 */
export function renderReaper(plan: Plan, cluster: PlanCluster, resources: readonly ApiResource[] = REAPED_RESOURCES): ReaperRender {
  const list = reapedResources(plan, cluster, resources);
  if (list.length === 0) return { manifests: [], warnings: [] };
  const layer = 'kubernetes';
  const component = { 'app.kubernetes.io/component': 'break-glass-reaper' };
  const groups = [...new Set(list.map((r) => r.group))].sort(cmp);
  const rules: PolicyRule[] = groups.map((g) => ({
    apiGroups: [g],
    resources: list.filter((r) => r.group === g).map((r) => r.resource).sort(cmp),
    verbs: ['delete', 'get', 'list'],
  }));
  const podLabels = sortedRecord(REAPER_POD_LABELS);
  const warnings: Problem[] = [];
  const where = clusterPath(plan, cluster);
  const isolation: ReaperManifest[] = [];
  if (cluster.layers.includes('kubernetes')) isolation.push(networkPolicy(plan, cluster, component, where, warnings));
  if (cluster.layers.includes('cilium')) isolation.push(ciliumPolicy(plan, cluster, component));
  if (isolation.length === 0) {
    warnings.push({
      severity: 'warning', code: REAPER_WARNINGS.unisolated, path: where,
      message: `cluster '${cluster.name}' runs no network layer (kubernetes or cilium), so the break-glass reaper's pods in ${REAPER_NAMESPACE} are not isolated`,
      value: cluster.layers.join(', '),
      fix: "add the 'kubernetes' (NetworkPolicy) or 'cilium' layer to the cluster",
    });
  }
  const manifests: ReaperManifest[] = [
    ...isolation,
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
                  command: ['/bin/sh', '-c', reaperScript(list)],
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
  return { manifests, warnings: sortProblems(warnings) };
}

/**
 * The reaper's objects for one cluster ({@link renderReaper} without its warnings).
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/
 */
export function reaperManifests(plan: Plan, cluster: PlanCluster, resources: readonly ApiResource[] = REAPED_RESOURCES): ReaperManifest[] {
  return renderReaper(plan, cluster, resources).manifests;
}

function networkPolicy(plan: Plan, cluster: PlanCluster, component: Record<string, string>, where: string, warnings: Problem[]): NetworkPolicyManifest {
  const dns = plan.platform.filter((p) => p.cluster === cluster.name && p.name === 'dns').sort((a, b) => cmp(a.key, b.key))[0];
  const api = cluster.apiServerCidrs ?? [];
  if (api.length === 0) {
    warnings.push({
      severity: 'warning', code: REAPER_WARNINGS.apiServerUnknown, path: where,
      message: `cluster '${cluster.name}' does not say where its API server is, so the break-glass reaper's NetworkPolicy allows every address on TCP ${REAPER_API_PORTS.join(' and ')}: NetworkPolicy cannot select the API server (it is not a pod of the cluster, and policies see the endpoint addresses of the kubernetes Service, not the Service)${cluster.layers.includes('cilium') ? '; the Cilium policy names it by its kube-apiserver entity, but where both are enforced their allows add up' : ''}`,
      value: '0.0.0.0/0',
      fix: "set apiServerCidrs on the Cluster to the API server's addresses (kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes)",
    });
  }
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta('kubernetes', REAPER_NAME, REAPER_NAMESPACE, component),
    spec: {
      podSelector: { matchLabels: sortedRecord(REAPER_POD_LABELS) },
      policyTypes: ['Ingress', 'Egress'],
      egress: [
        ...(dns ? [{
          to: [{ namespaceSelector: { matchLabels: { [LABELS.namespaceName]: dns.namespace } }, podSelector: { matchLabels: sortedRecord(dns.selector) } }],
          ports: [{ protocol: Protocol.UDP, port: 53 }, { protocol: Protocol.TCP, port: 53 }],
        }] : []),
        {
          to: (api.length > 0 ? api : ['0.0.0.0/0']).map((cidr) => ({ ipBlock: { cidr } })),
          ports: REAPER_API_PORTS.map((port) => ({ protocol: Protocol.TCP, port })),
        },
      ],
    },
  };
}

function ciliumPolicy(plan: Plan, cluster: PlanCluster, component: Record<string, string>): CiliumNetworkPolicy {
  const dns = plan.platform.filter((p) => p.cluster === cluster.name && p.name === 'dns').sort((a, b) => cmp(a.key, b.key))[0];
  const ports = (nums: readonly number[], protocols: readonly ('TCP' | 'UDP')[]) => nums.flatMap((n) => protocols.map((protocol) => ({ port: String(n), protocol })));
  return {
    apiVersion: CILIUM_API_VERSION,
    kind: 'CiliumNetworkPolicy',
    metadata: meta('cilium', REAPER_NAME, REAPER_NAMESPACE, component),
    spec: {
      description: 'Bulkhead: the break-glass reaper may resolve names and call the Kubernetes API server, nothing else',
      endpointSelector: { matchLabels: sortedRecord(REAPER_POD_LABELS) },
      enableDefaultDeny: { egress: true, ingress: true },
      ingress: [{}],
      egress: [
        ...(dns ? [{
          toEndpoints: [{ matchLabels: sortedRecord({ [CILIUM_LABELS.namespace]: dns.namespace, [CILIUM_LABELS.cluster]: cluster.ciliumClusterName, ...dns.selector }) }],
          toPorts: [{ ports: ports([53], ['TCP', 'UDP']) }],
        }] : []),
        { toEntities: ['kube-apiserver'], toPorts: [{ ports: ports(REAPER_API_PORTS, ['TCP']) }] },
      ],
    },
  };
}
