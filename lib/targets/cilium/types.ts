/**
 * Typed shapes of the Cilium objects Bulkhead emits: the subset of `cilium.io/v2`
 * CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy it writes, field names and nesting as in
 * the upstream CRD (validated against it in the tests).
 *
 * @see https://docs.cilium.io/en/stable/security/policy/language/
 * @see https://github.com/cilium/cilium/tree/main/pkg/k8s/apis/cilium.io/client/crds/v2
 */
import { KubeManifest, ObjectMeta } from '../types';

/**
 * The Cilium API version.
 *
 * @see https://docs.cilium.io/en/stable/security/policy/language/
 */
export const CILIUM_API_VERSION = 'cilium.io/v2';

/**
 * A Cilium label selector (only `matchLabels` is written).
 *
 * @see https://docs.cilium.io/en/stable/security/policy/language/
 */
export interface CiliumSelector {
  /**
   * Labels the endpoint must carry. Keys may carry a source prefix such as `k8s:`.
   * @default - absent: the empty selector, which selects every endpoint (of the policy's namespace for a CNP)
   */
  readonly matchLabels?: Readonly<Record<string, string>>;
}

/**
 * One port (or range) of an L4 rule.
 *
 * @see https://docs.cilium.io/en/stable/security/policy/language/#layer-4-examples
 */
export interface CiliumPortProtocol {
  /** The port, as a string (Cilium also accepts names; Bulkhead writes numbers). */
  readonly port: string;
  /** The last port of a range. @default - a single port */
  readonly endPort?: number;
  /** The protocol. */
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
}

/**
 * An L7 HTTP constraint. Every field is a regular expression matched against the request.
 *
 * @see https://docs.cilium.io/en/stable/security/policy/language/#layer-7-examples
 */
export interface CiliumHttpRule {
  /** Method regex, such as `GET`. @default - any method */
  readonly method?: string;
  /** Path regex, anchored, such as `^/cart\.Cart/.*$`. @default - any path */
  readonly path?: string;
}

/**
 * An L7 DNS rule, as the DNS proxy applies it (needed for `toFQDNs`).
 *
 * @see https://docs.cilium.io/en/stable/security/policy/language/#dns-based
 */
export interface CiliumDnsRule {
  /** A name pattern; `*` allows every lookup. */
  readonly matchPattern: string;
}

/**
 * L7 rules of a port rule: either HTTP or DNS.
 *
 * @see https://docs.cilium.io/en/stable/security/policy/language/
 */
export type CiliumL7Rules = { readonly http: readonly CiliumHttpRule[] } | { readonly dns: readonly CiliumDnsRule[] };

/**
 * A port rule: ports plus optional L7 rules.
 *
 * @see https://docs.cilium.io/en/stable/security/policy/language/
 */
export interface CiliumPortRule {
  /** Ports (at most 40 per rule). */
  readonly ports: readonly CiliumPortProtocol[];
  /** L7 rules. @default - L3/L4 only */
  readonly rules?: CiliumL7Rules;
}

/**
 * A CIDR with carve-outs.
 *
 * @see https://docs.cilium.io/en/stable/security/policy/language/
 */
export interface CiliumCidrRule {
  /** The network. */
  readonly cidr: string;
  /** Subnets of `cidr` excluded. @default - none */
  readonly except?: readonly string[];
}

/**
 * An FQDN selector: one of `matchName` / `matchPattern`.
 *
 * @see https://docs.cilium.io/en/stable/security/policy/language/
 */
export type CiliumFqdnSelector = { readonly matchName: string } | { readonly matchPattern: string };

/**
 * Mutual authentication demanded on a rule.
 *
 * @see https://docs.cilium.io/en/stable/network/servicemesh/mutual-authentication/mutual-authentication/
 */
export interface CiliumAuthentication {
  /** `required`: traffic is allowed only after a successful mutual authentication handshake. */
  readonly mode: 'required';
}

/**
 * A Cilium entity name.
 *
 * @see https://docs.cilium.io/en/stable/security/policy/language/
 */
export type CiliumEntity = 'world' | 'cluster' | 'host' | 'remote-node' | 'kube-apiserver' | 'ingress' | 'health' | 'init' | 'unmanaged' | 'all';

/**
 * An ingress allow rule. An empty object is Cilium's documented "default deny, allow nothing" rule.
 *
 * @see https://docs.cilium.io/en/stable/security/policy/language/
 */
export interface CiliumIngressRule {
  /** Source endpoints. @default - none */
  readonly fromEndpoints?: readonly CiliumSelector[];
  /** Source CIDRs. @default - none */
  readonly fromCIDRSet?: readonly CiliumCidrRule[];
  /** Destination ports on the selected endpoint. @default - every port */
  readonly toPorts?: readonly CiliumPortRule[];
  /** Mutual authentication. @default - none */
  readonly authentication?: CiliumAuthentication;
}

/**
 * An egress allow rule. An empty object is Cilium's documented "default deny, allow nothing" rule.
 *
 * @see https://docs.cilium.io/en/stable/security/policy/language/
 */
export interface CiliumEgressRule {
  /** Destination endpoints. @default - none */
  readonly toEndpoints?: readonly CiliumSelector[];
  /** Destination CIDRs. @default - none */
  readonly toCIDRSet?: readonly CiliumCidrRule[];
  /** Destination FQDNs (needs a DNS rule for the lookups). @default - none */
  readonly toFQDNs?: readonly CiliumFqdnSelector[];
  /** Destination entities, such as `kube-apiserver`. @default - none */
  readonly toEntities?: readonly CiliumEntity[];
  /** Destination ports. @default - every port */
  readonly toPorts?: readonly CiliumPortRule[];
}

/**
 * An ingress deny rule.
 *
 * @see https://docs.cilium.io/en/stable/security/policy/deny/
 */
export interface CiliumIngressDenyRule {
  /** Denied source entities. */
  readonly fromEntities: readonly CiliumEntity[];
}

/**
 * An egress deny rule.
 *
 * @see https://docs.cilium.io/en/stable/security/policy/language/
 */
export interface CiliumEgressDenyRule {
  /** Denied destination entities. */
  readonly toEntities: readonly CiliumEntity[];
}

/**
 * Whether the policy puts its endpoints into default deny per direction (Cilium 1.15+).
 *
 * @see https://docs.cilium.io/en/stable/security/policy/intro/#endpoint-default-policy
 */
export interface CiliumDefaultDeny {
  /** Ingress default deny. */
  readonly ingress: boolean;
  /** Egress default deny. */
  readonly egress: boolean;
}

/**
 * The rule spec shared by both kinds.
 *
 * @see https://docs.cilium.io/en/stable/security/policy/language/
 */
export interface CiliumPolicySpec {
  /** Human-readable purpose. */
  readonly description: string;
  /** The endpoints the rule applies to. */
  readonly endpointSelector: CiliumSelector;
  /** Default-deny switches. @default - Cilium's default: on for each direction that has rules */
  readonly enableDefaultDeny?: CiliumDefaultDeny;
  /** Ingress allow rules. @default - no ingress section */
  readonly ingress?: readonly CiliumIngressRule[];
  /** Egress allow rules. @default - no egress section */
  readonly egress?: readonly CiliumEgressRule[];
  /** Ingress deny rules. @default - none */
  readonly ingressDeny?: readonly CiliumIngressDenyRule[];
  /** Egress deny rules. @default - none */
  readonly egressDeny?: readonly CiliumEgressDenyRule[];
}

/**
 * A namespaced CiliumNetworkPolicy.
 *
 * @see https://docs.cilium.io/en/stable/network/kubernetes/policy/#ciliumnetworkpolicy
 */
export interface CiliumNetworkPolicy extends KubeManifest {
  /** `cilium.io/v2`. */
  readonly apiVersion: typeof CILIUM_API_VERSION;
  /** Kind. */
  readonly kind: 'CiliumNetworkPolicy';
  /** Metadata (namespaced). */
  readonly metadata: ObjectMeta;
  /** The rule. */
  readonly spec: CiliumPolicySpec;
}

/**
 * A cluster-scoped CiliumClusterwideNetworkPolicy.
 *
 * @see https://docs.cilium.io/en/stable/network/kubernetes/policy/#ciliumclusterwidenetworkpolicy
 */
export interface CiliumClusterwideNetworkPolicy extends KubeManifest {
  /** `cilium.io/v2`. */
  readonly apiVersion: typeof CILIUM_API_VERSION;
  /** Kind. */
  readonly kind: 'CiliumClusterwideNetworkPolicy';
  /** Metadata (no namespace). */
  readonly metadata: ObjectMeta;
  /** The rule. */
  readonly spec: CiliumPolicySpec;
}

/**
 * Any object the Cilium target emits.
 *
 * @see https://docs.cilium.io/en/stable/security/policy/language/
 */
export type CiliumManifest = CiliumNetworkPolicy | CiliumClusterwideNetworkPolicy;
