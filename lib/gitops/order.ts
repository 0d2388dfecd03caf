/**
 * The order in which a GitOps controller applies the objects of one output folder, so that
 * applying them never cuts traffic the declaration allows for longer than it must:
 *
 * 1. `prerequisite`: what the other objects name — namespaces, SPIRE identities
 *    (ClusterSPIFFEID, ClusterStaticEntry, ClusterFederatedTrustDomain), cloud security groups
 *    that rules and attachments reference;
 * 2. `allow`: the objects that allow traffic — per-workload NetworkPolicies, Cilium policies and
 *    Istio ALLOW policies with rules, ServiceEntries, AUDIT policies, break-glass grants,
 *    security-group rules, ClusterNetworkPolicies with an `Accept` rule or without `Deny`, and every
 *    object of a kind this module does not know;
 * 3. `default-deny`: the objects whose job is to deny — namespace default-deny NetworkPolicies
 *    and Cilium policies, Istio allow-nothing and DENY policies, namespace-wide STRICT
 *    PeerAuthentication, REGISTRY_ONLY Sidecars, deny-only ClusterNetworkPolicies (guardrails,
 *    the baseline tier), Cilium policies with deny rules only, and EKS SecurityGroupPolicies
 *    (which put pods behind the security groups).
 *
 * A default deny applied before the allows of its namespace cuts every declared flow until the
 * allows arrive; applied after them, it only takes away what nothing allows. Argo CD applies a
 * lower sync wave first and waits until it is healthy (and prunes higher waves first); Flux
 * applies a Kustomization after the ones it depends on are ready.
 *
 * The classification reads the objects (their upstream semantics), not the plan, so it holds
 * for any manifests in the folder.
 *
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/sync-waves/
 * @see https://fluxcd.io/flux/components/kustomize/kustomizations/#dependencies
 */
import { isRecord } from '../core/entry';
import { KubeManifest } from '../targets/types';

/** The application stages of a folder's objects, in the order they are applied. */
export const GITOPS_STAGES = ['prerequisite', 'allow', 'default-deny'] as const;

/** A stage of {@link GITOPS_STAGES}. */
export type GitOpsStage = typeof GITOPS_STAGES[number];

/** The Argo CD sync wave of each stage (`argocd.argoproj.io/sync-wave`). */
export const ARGOCD_SYNC_WAVES: Readonly<Record<GitOpsStage, number>> = { 'prerequisite': 0, 'allow': 1, 'default-deny': 2 };

/** Argo CD annotation keys the GitOps output sets. */
export const ARGOCD_ANNOTATIONS = {
  /** The sync wave of an object. */
  syncWave: 'argocd.argoproj.io/sync-wave',
  /** Sync options of one object. */
  syncOptions: 'argocd.argoproj.io/sync-options',
} as const;

/**
 * The sync option that lets Argo CD sync an object whose CRD the cluster does not serve yet
 * (the dry run would fail the whole sync); the object is applied when its wave comes, and the
 * sync retries until the CRD exists.
 */
export const SKIP_DRY_RUN_ON_MISSING_RESOURCE = 'SkipDryRunOnMissingResource=true';

/** API groups every Kubernetes cluster serves: objects of other groups need a CRD. */
const BUILT_IN_GROUPS: ReadonlySet<string> = new Set([
  '', 'admissionregistration.k8s.io', 'apps', 'autoscaling', 'batch', 'certificates.k8s.io', 'coordination.k8s.io',
  'discovery.k8s.io', 'events.k8s.io', 'flowcontrol.apiserver.k8s.io', 'networking.k8s.io', 'node.k8s.io', 'policy',
  'rbac.authorization.k8s.io', 'scheduling.k8s.io', 'storage.k8s.io', 'apiextensions.k8s.io',
]);

/** The API group of an `apiVersion` (`''` for the core group). */
export function apiGroupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** The version of an `apiVersion` (`v1` of `networking.k8s.io/v1`). */
export function apiVersionOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
}

/**
 * Whether the object is of a custom resource kind (Cilium, Istio, SPIRE, the network-policy
 * API, Crossplane, EKS): the cluster serves it only once its CRD is installed.
 */
export function needsCustomResourceDefinition(m: KubeManifest): boolean {
  return !BUILT_IN_GROUPS.has(apiGroupOf(m.apiVersion));
}

function specOf(m: KubeManifest): Record<string, unknown> {
  const spec = (m as unknown as { spec?: unknown }).spec;
  return isRecord(spec) ? spec : {};
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Whether a selector is missing or selects everything (`{}`). */
function selectsAll(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (!isRecord(v)) return false;
  return list(v.matchLabels === undefined ? [] : Object.keys(isRecord(v.matchLabels) ? v.matchLabels : {})).length === 0 && list(v.matchExpressions).length === 0;
}

/** Whether a Cilium rule list allows anything (a rule other than `{}`, which only turns on default deny). */
function ciliumAllows(rules: unknown): boolean {
  return list(rules).some((r) => isRecord(r) && Object.keys(r).length > 0);
}

/**
 * The stage an object is applied in (see the module notes). Total: every object has one, and
 * kinds this module does not know are allows.
 */
export function gitopsStageOf(m: KubeManifest): GitOpsStage {
  const group = apiGroupOf(m.apiVersion);
  const spec = specOf(m);
  switch (`${group}/${m.kind}`) {
    case '/Namespace':
    case 'spire.spiffe.io/ClusterSPIFFEID':
    case 'spire.spiffe.io/ClusterStaticEntry':
    case 'spire.spiffe.io/ClusterFederatedTrustDomain':
    case 'ec2.aws.upbound.io/SecurityGroup':
      return 'prerequisite';
    case 'networking.k8s.io/NetworkPolicy':
      // A NetworkPolicy isolates the pods it selects and allows its rules: one that selects
      // every pod of the namespace is its default deny (it may carry the DNS allow with it).
      return selectsAll(spec.podSelector) ? 'default-deny' : 'allow';
    case 'cilium.io/CiliumNetworkPolicy':
    case 'cilium.io/CiliumClusterwideNetworkPolicy': {
      const deniesOnly = (list(spec.ingressDeny).length > 0 || list(spec.egressDeny).length > 0) && !ciliumAllows(spec.ingress) && !ciliumAllows(spec.egress);
      const namespaceDefault = selectsAll(spec.endpointSelector) && spec.nodeSelector === undefined;
      return deniesOnly || namespaceDefault ? 'default-deny' : 'allow';
    }
    case 'security.istio.io/AuthorizationPolicy': {
      const action = typeof spec.action === 'string' ? spec.action : 'ALLOW';
      if (action === 'DENY' || action === 'CUSTOM') return 'default-deny';
      // ALLOW without rules allows nothing: the namespace's allow-nothing policy
      if (action === 'ALLOW' && list(spec.rules).length === 0) return 'default-deny';
      return 'allow';
    }
    case 'security.istio.io/PeerAuthentication':
      return selectsAll(spec.selector) ? 'default-deny' : 'allow';
    case 'networking.istio.io/Sidecar': {
      const policy = isRecord(spec.outboundTrafficPolicy) ? spec.outboundTrafficPolicy.mode : undefined;
      return policy === 'REGISTRY_ONLY' ? 'default-deny' : 'allow';
    }
    case 'policy.networking.k8s.io/ClusterNetworkPolicy':
    case 'policy.networking.k8s.io/AdminNetworkPolicy':
    case 'policy.networking.k8s.io/BaselineAdminNetworkPolicy': {
      const rules = [...list(spec.ingress), ...list(spec.egress)];
      const action = (a: string): boolean => rules.some((r) => isRecord(r) && r.action === a);
      // Pass hands a connection to the NetworkPolicies (a break-glass grant over a guardrail)
      if (action('Accept') || action('Allow')) return 'allow';
      return action('Deny') ? 'default-deny' : 'allow';
    }
    case 'vpcresources.k8s.aws/SecurityGroupPolicy':
      return 'default-deny';
    default:
      return 'allow';
  }
}

/**
 * The Argo CD annotations of an object: its sync wave, and for objects of CRD kinds the
 * skip-dry-run option. The kustomizations of `gitopsFolders` add exactly these; a program
 * that writes its manifests another way (a cdk8s app, for example) can set them on each object.
 *
 * @example
 * for (const m of synthesize(topology).clusters[0].manifests) Object.assign(m.metadata.annotations ?? {}, argocdAnnotationsOf(m));
 */
export function argocdAnnotationsOf(m: KubeManifest): Record<string, string> {
  return {
    [ARGOCD_ANNOTATIONS.syncWave]: String(ARGOCD_SYNC_WAVES[gitopsStageOf(m)]),
    ...(needsCustomResourceDefinition(m) ? { [ARGOCD_ANNOTATIONS.syncOptions]: SKIP_DRY_RUN_ON_MISSING_RESOURCE } : {}),
  };
}
