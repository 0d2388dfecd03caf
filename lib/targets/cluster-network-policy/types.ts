/**
 * Typed interfaces of `policy.networking.k8s.io/v1alpha2` ClusterNetworkPolicy, as far as
 * Bulkhead writes it (validated against the upstream CRD in tests).
 *
 * @see https://network-policy-api.sigs.k8s.io/
 * @see https://github.com/kubernetes-sigs/network-policy-api/blob/main/npeps/npep-285.md
 */
import { LabelSelector } from '../kubernetes/types';
import { KubeManifest } from '../types';

/**
 * The tiers a ClusterNetworkPolicy may use: `Admin` (before NetworkPolicy) or `Baseline` (after).
 *
 * @see https://network-policy-api.sigs.k8s.io/reference/spec/
 */
export type CnpTier = 'Admin' | 'Baseline';

/**
 * What a rule does: `Accept` and `Deny` are final; `Pass` skips the rest of the tier and hands
 * the decision to the next tier (for the Admin tier: NetworkPolicy).
 *
 * @see https://network-policy-api.sigs.k8s.io/reference/spec/
 */
export type CnpAction = 'Accept' | 'Deny' | 'Pass';

/**
 * Pods of the namespaces matching `namespaceSelector` that match `podSelector`.
 *
 * @see https://network-policy-api.sigs.k8s.io/reference/spec/
 */
export interface CnpPods {
  /** The namespaces; `{}` selects all. */
  readonly namespaceSelector: LabelSelector;
  /** The pods; `{}` selects all. */
  readonly podSelector: LabelSelector;
}

/**
 * The pods a policy applies to: all pods of some namespaces, or some pods. Exactly one field.
 *
 * @see https://network-policy-api.sigs.k8s.io/reference/spec/
 */
export type CnpSubject = { readonly namespaces: LabelSelector } | { readonly pods: CnpPods };

/**
 * A peer of an ingress rule. Exactly one field.
 *
 * @see https://network-policy-api.sigs.k8s.io/reference/spec/
 */
export type CnpIngressPeer = { readonly namespaces: LabelSelector } | { readonly pods: CnpPods };

/**
 * A peer of an egress rule: pods, namespaces, or up to 25 CIDRs (`networks`). Exactly one field.
 *
 * @see https://network-policy-api.sigs.k8s.io/reference/spec/
 */
export type CnpEgressPeer = CnpIngressPeer | { readonly networks: readonly string[] };

/**
 * A destination port: one number or a range (`start` < `end`). Exactly one field.
 *
 * @see https://network-policy-api.sigs.k8s.io/reference/spec/
 */
export type CnpDestinationPort = { readonly number: number } | { readonly range: { readonly start: number; readonly end: number } };

/**
 * A protocol match. Exactly one field.
 *
 * @see https://network-policy-api.sigs.k8s.io/reference/spec/
 */
export type CnpProtocol =
  | { readonly tcp: { readonly destinationPort: CnpDestinationPort } }
  | { readonly udp: { readonly destinationPort: CnpDestinationPort } }
  | { readonly sctp: { readonly destinationPort: CnpDestinationPort } };

/**
 * An ingress rule. At most 25 per policy, 25 peers and 25 protocols per rule.
 *
 * @see https://network-policy-api.sigs.k8s.io/reference/spec/
 */
export interface CnpIngressRule {
  /** Rule name (at most 100 characters). */
  readonly name: string;
  /** The action. */
  readonly action: CnpAction;
  /** Sources (1 to 25). */
  readonly from: readonly CnpIngressPeer[];
  /** Protocols and ports (1 to 25). @default - every protocol and port */
  readonly protocols?: readonly CnpProtocol[];
}

/**
 * An egress rule. At most 25 per policy, 25 peers and 25 protocols per rule.
 *
 * @see https://network-policy-api.sigs.k8s.io/reference/spec/
 */
export interface CnpEgressRule {
  /** Rule name (at most 100 characters). */
  readonly name: string;
  /** The action. */
  readonly action: CnpAction;
  /** Destinations (1 to 25). */
  readonly to: readonly CnpEgressPeer[];
  /** Protocols and ports (1 to 25). @default - every protocol and port */
  readonly protocols?: readonly CnpProtocol[];
}

/**
 * The spec, keys in the order Bulkhead writes them.
 *
 * @see https://network-policy-api.sigs.k8s.io/reference/spec/
 */
export interface ClusterNetworkPolicySpec {
  /** The tier. */
  readonly tier: CnpTier;
  /** Precedence within the tier, 0 to 1000; lower numbers are evaluated first. */
  readonly priority: number;
  /** The pods it applies to. */
  readonly subject: CnpSubject;
  /** Ingress rules, in precedence order. @default - ingress not affected */
  readonly ingress?: readonly CnpIngressRule[];
  /** Egress rules, in precedence order. @default - egress not affected */
  readonly egress?: readonly CnpEgressRule[];
}

/**
 * A `policy.networking.k8s.io/v1alpha2` ClusterNetworkPolicy (cluster-scoped).
 *
 * @see https://network-policy-api.sigs.k8s.io/reference/spec/
 */
export interface ClusterNetworkPolicyManifest extends KubeManifest {
  /** Always `policy.networking.k8s.io/v1alpha2`. */
  readonly apiVersion: 'policy.networking.k8s.io/v1alpha2';
  /** Always `ClusterNetworkPolicy`. */
  readonly kind: 'ClusterNetworkPolicy';
  /** The spec. */
  readonly spec: ClusterNetworkPolicySpec;
}
