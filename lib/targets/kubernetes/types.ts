/**
 * Typed interfaces of the Kubernetes objects the `kubernetes` layer emits: NetworkPolicy and
 * the break-glass reaper's Namespace, ServiceAccount, RBAC and CronJob. Only the fields
 * Bulkhead writes are modelled; every object is validated against the upstream schema in tests.
 *
 * @see https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/
 */
import { Protocol } from '../../core/port';
import { KubeManifest } from '../types';

/**
 * A label selector that matches by exact labels only (Bulkhead never writes expressions).
 * An empty `matchLabels` (or an empty object) selects everything in its scope.
 *
 * @see https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/label-selector/
 */
export interface LabelSelector {
  /** Labels that must all match, keys sorted. @default - every object in scope */
  readonly matchLabels?: Readonly<Record<string, string>>;
}

/**
 * A port of a NetworkPolicy rule. Bulkhead always writes the protocol and a number (never a
 * name), and `endPort` for a range.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/#targeting-a-range-of-ports
 */
export interface NetworkPolicyPort {
  /** The protocol (always written). */
  readonly protocol: Protocol;
  /** The port number (the first of a range). */
  readonly port: number;
  /** The last port of a range. @default - a single port */
  readonly endPort?: number;
}

/**
 * An address block peer: `cidr` minus the `except` blocks.
 *
 * @see https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/#NetworkPolicySpec
 */
export interface IPBlock {
  /** The block, in CIDR notation. */
  readonly cidr: string;
  /** Blocks inside `cidr` that do not match. @default - none */
  readonly except?: readonly string[];
}

/**
 * One peer of a NetworkPolicy rule. Bulkhead writes either a namespace selector and a pod
 * selector together (pods of one namespace), or an `ipBlock` — never an empty peer.
 */
export type NetworkPolicyPeer =
  | { readonly namespaceSelector: LabelSelector; readonly podSelector: LabelSelector }
  | { readonly ipBlock: IPBlock };

/**
 * An ingress rule: traffic from any of `from` to any of `ports`. Never empty.
 *
 * @see https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/
 */
export interface NetworkPolicyIngressRule {
  /** Sources (non-empty). */
  readonly from: readonly NetworkPolicyPeer[];
  /** Destination ports on the selected pods (non-empty). */
  readonly ports: readonly NetworkPolicyPort[];
}

/**
 * An egress rule: traffic to any of `to` on any of `ports`. Never empty.
 *
 * @see https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/
 */
export interface NetworkPolicyEgressRule {
  /** Destinations (non-empty). */
  readonly to: readonly NetworkPolicyPeer[];
  /** Destination ports (non-empty). */
  readonly ports: readonly NetworkPolicyPort[];
}

/**
 * A policy type of a NetworkPolicy.
 *
 * @see https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/
 */
export type PolicyType = 'Ingress' | 'Egress';

/**
 * The spec of a NetworkPolicy, keys in the order Bulkhead writes them.
 *
 * @see https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/#NetworkPolicySpec
 */
export interface NetworkPolicySpec {
  /** The pods the policy applies to; `{}` selects every pod of the namespace. */
  readonly podSelector: LabelSelector;
  /** Directions the policy isolates. */
  readonly policyTypes: readonly PolicyType[];
  /** Allowed ingress. @default - no ingress is allowed (for the policy types listed) */
  readonly ingress?: readonly NetworkPolicyIngressRule[];
  /** Allowed egress. @default - no egress is allowed (for the policy types listed) */
  readonly egress?: readonly NetworkPolicyEgressRule[];
}

/**
 * A `networking.k8s.io/v1` NetworkPolicy.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export interface NetworkPolicyManifest extends KubeManifest {
  /** Always `networking.k8s.io/v1`. */
  readonly apiVersion: 'networking.k8s.io/v1';
  /** Always `NetworkPolicy`. */
  readonly kind: 'NetworkPolicy';
  /** The spec. */
  readonly spec: NetworkPolicySpec;
}

/**
 * A `v1` Namespace.
 *
 * @see https://kubernetes.io/docs/reference/kubernetes-api/cluster-resources/namespace-v1/
 */
export interface NamespaceManifest extends KubeManifest {
  /** Always `v1`. */
  readonly apiVersion: 'v1';
  /** Always `Namespace`. */
  readonly kind: 'Namespace';
}

/**
 * A `v1` ServiceAccount.
 *
 * @see https://kubernetes.io/docs/reference/kubernetes-api/authentication-resources/service-account-v1/
 */
export interface ServiceAccountManifest extends KubeManifest {
  /** Always `v1`. */
  readonly apiVersion: 'v1';
  /** Always `ServiceAccount`. */
  readonly kind: 'ServiceAccount';
  /** Whether pods mount the account's token by default. @default true */
  readonly automountServiceAccountToken?: boolean;
}

/**
 * One rule of a ClusterRole.
 *
 * @see https://kubernetes.io/docs/reference/kubernetes-api/authorization-resources/cluster-role-v1/#ClusterRole
 */
export interface PolicyRule {
  /** API groups (`''` is the core group). */
  readonly apiGroups: readonly string[];
  /** Resources (plural names), sorted. */
  readonly resources: readonly string[];
  /** Verbs, sorted. */
  readonly verbs: readonly string[];
}

/**
 * A `rbac.authorization.k8s.io/v1` ClusterRole.
 *
 * @see https://kubernetes.io/docs/reference/access-authn-authz/rbac/
 */
export interface ClusterRoleManifest extends KubeManifest {
  /** Always `rbac.authorization.k8s.io/v1`. */
  readonly apiVersion: 'rbac.authorization.k8s.io/v1';
  /** Always `ClusterRole`. */
  readonly kind: 'ClusterRole';
  /** The rules. */
  readonly rules: readonly PolicyRule[];
}

/**
 * A `rbac.authorization.k8s.io/v1` ClusterRoleBinding of a ClusterRole to ServiceAccounts.
 *
 * @see https://kubernetes.io/docs/reference/access-authn-authz/rbac/#rolebinding-and-clusterrolebinding
 */
export interface ClusterRoleBindingManifest extends KubeManifest {
  /** Always `rbac.authorization.k8s.io/v1`. */
  readonly apiVersion: 'rbac.authorization.k8s.io/v1';
  /** Always `ClusterRoleBinding`. */
  readonly kind: 'ClusterRoleBinding';
  /** The role bound. */
  readonly roleRef: { readonly apiGroup: 'rbac.authorization.k8s.io'; readonly kind: 'ClusterRole'; readonly name: string };
  /** The accounts it is bound to. */
  readonly subjects: readonly { readonly kind: 'ServiceAccount'; readonly name: string; readonly namespace: string }[];
}

/**
 * A container of the reaper's pod, as far as Bulkhead writes it.
 *
 * @see https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#Container
 */
export interface ContainerSpec {
  /** Container name. */
  readonly name: string;
  /** Image reference (pinned). */
  readonly image: string;
  /** Pull policy. */
  readonly imagePullPolicy: 'IfNotPresent' | 'Always' | 'Never';
  /** Entry point and arguments. */
  readonly command: readonly string[];
  /** Environment variables. */
  readonly env: readonly { readonly name: string; readonly value: string }[];
  /** Resource requests and limits. */
  readonly resources: {
    readonly requests: Readonly<Record<string, string>>;
    readonly limits: Readonly<Record<string, string>>;
  };
  /** Container security settings. */
  readonly securityContext: {
    readonly allowPrivilegeEscalation: boolean;
    readonly readOnlyRootFilesystem: boolean;
    readonly capabilities: { readonly drop: readonly string[] };
  };
  /** Volume mounts. */
  readonly volumeMounts: readonly { readonly name: string; readonly mountPath: string }[];
}

/**
 * The pod spec of the reaper's jobs.
 *
 * @see https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#PodSpec
 */
export interface PodSpec {
  /** The ServiceAccount the pod runs as. */
  readonly serviceAccountName: string;
  /** Restart policy of a job's pod. */
  readonly restartPolicy: 'Never' | 'OnFailure';
  /** Pod security settings. */
  readonly securityContext: {
    readonly runAsNonRoot: boolean;
    readonly runAsUser: number;
    readonly runAsGroup: number;
    readonly seccompProfile: { readonly type: 'RuntimeDefault' };
  };
  /** The containers. */
  readonly containers: readonly ContainerSpec[];
  /** Volumes. */
  readonly volumes: readonly { readonly name: string; readonly emptyDir: Readonly<Record<string, never>> }[];
}

/**
 * A `batch/v1` CronJob, as far as Bulkhead writes it.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/
 */
export interface CronJobManifest extends KubeManifest {
  /** Always `batch/v1`. */
  readonly apiVersion: 'batch/v1';
  /** Always `CronJob`. */
  readonly kind: 'CronJob';
  /** The spec. */
  readonly spec: {
    /** Cron schedule. */
    readonly schedule: string;
    /** What to do when a run is still going at the next tick. */
    readonly concurrencyPolicy: 'Allow' | 'Forbid' | 'Replace';
    /** Finished jobs kept. */
    readonly successfulJobsHistoryLimit: number;
    /** Failed jobs kept. */
    readonly failedJobsHistoryLimit: number;
    /** The job each tick creates. */
    readonly jobTemplate: {
      readonly spec: {
        readonly backoffLimit: number;
        readonly activeDeadlineSeconds: number;
        readonly template: {
          readonly metadata: { readonly labels: Readonly<Record<string, string>> };
          readonly spec: PodSpec;
        };
      };
    };
  };
}

/**
 * Every kind the `kubernetes` layer emits.
 *
 * @see https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/
 */
export type KubernetesLayerManifest =
  | NetworkPolicyManifest
  | NamespaceManifest
  | ServiceAccountManifest
  | ClusterRoleManifest
  | ClusterRoleBindingManifest
  | CronJobManifest;
