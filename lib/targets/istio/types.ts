/**
 * Typed shapes of the Istio objects Bulkhead emits: the subset of `security.istio.io/v1`
 * AuthorizationPolicy / PeerAuthentication and `networking.istio.io/v1` ServiceEntry / Sidecar
 * it writes, field names and nesting as in the upstream CRDs (validated against them in the tests).
 *
 * @see https://istio.io/latest/docs/reference/config/security/
 * @see https://istio.io/latest/docs/reference/config/networking/
 */
import { KubeManifest, ObjectMeta } from '../types';

/**
 * The Istio security API version.
 *
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 */
export const ISTIO_SECURITY_API_VERSION = 'security.istio.io/v1';
/**
 * The Istio networking API version.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/
 */
export const ISTIO_NETWORKING_API_VERSION = 'networking.istio.io/v1';

/**
 * A workload selector by labels.
 *
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 */
export interface IstioWorkloadSelector {
  /** Labels the workload's pods carry. */
  readonly matchLabels: Readonly<Record<string, string>>;
}

/**
 * The source of a request.
 *
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source
 */
export interface IstioSource {
  /** Peer identities (`<trust-domain>/ns/<ns>/sa/<sa>`), from mTLS. @default - any */
  readonly principals?: readonly string[];
  /** Peer identities excluded; `["*"]` leaves only connections without an authenticated peer (plaintext). @default - none */
  readonly notPrincipals?: readonly string[];
  /** Source IP blocks (the downstream connection's address). @default - any */
  readonly ipBlocks?: readonly string[];
  /** IP blocks excluded. @default - none */
  readonly notIpBlocks?: readonly string[];
}

/**
 * The operation of a request.
 *
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Operation
 */
export interface IstioOperation {
  /** Destination ports, as strings. @default - any */
  readonly ports?: readonly string[];
  /** HTTP methods. @default - any */
  readonly methods?: readonly string[];
  /** HTTP paths (exact, `prefix*`, `*suffix` or `*`). @default - any */
  readonly paths?: readonly string[];
}

/**
 * One rule: from AND to. Bulkhead never writes an empty rule.
 *
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 */
export interface IstioRule {
  /** Sources (OR). @default - any source */
  readonly from?: readonly { readonly source: IstioSource }[];
  /** Operations (OR). @default - any operation */
  readonly to?: readonly { readonly operation: IstioOperation }[];
}

/**
 * AuthorizationPolicy spec.
 *
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 */
export interface AuthorizationPolicySpec {
  /** The workloads it applies to. @default - every workload of the namespace */
  readonly selector?: IstioWorkloadSelector;
  /** The action. */
  readonly action: 'ALLOW' | 'DENY' | 'AUDIT';
  /** Rules (OR). @default - none: with ALLOW this is Istio's `allow-nothing` form, which Bulkhead writes only for `bulkhead-allow-nothing` */
  readonly rules?: readonly IstioRule[];
}

/**
 * A `security.istio.io/v1` AuthorizationPolicy.
 *
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 */
export interface AuthorizationPolicy extends KubeManifest {
  /** API version. */
  readonly apiVersion: typeof ISTIO_SECURITY_API_VERSION;
  /** Kind. */
  readonly kind: 'AuthorizationPolicy';
  /** Metadata. */
  readonly metadata: ObjectMeta;
  /** Spec. */
  readonly spec: AuthorizationPolicySpec;
}

/**
 * A `security.istio.io/v1` PeerAuthentication.
 *
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
 */
export interface PeerAuthentication extends KubeManifest {
  /** API version. */
  readonly apiVersion: typeof ISTIO_SECURITY_API_VERSION;
  /** Kind. */
  readonly kind: 'PeerAuthentication';
  /** Metadata. */
  readonly metadata: ObjectMeta;
  /** Spec. */
  readonly spec: {
    /** The workloads it applies to. @default - every workload of the namespace */
    readonly selector?: IstioWorkloadSelector;
    /** The mTLS mode. */
    readonly mtls: { readonly mode: 'STRICT' | 'PERMISSIVE' };
    /** Per-port modes (keys are port numbers); needs a selector. @default - none */
    readonly portLevelMtls?: Readonly<Record<string, { readonly mode: 'STRICT' | 'PERMISSIVE' }>>;
  };
}

/**
 * A port of a ServiceEntry.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/service-entry/#ServicePort
 */
export interface ServiceEntryPort {
  /** The port number. */
  readonly number: number;
  /** The protocol: `TLS`, `TCP`, `HTTP`, … */
  readonly protocol: 'TLS' | 'TCP';
  /** The port's name. */
  readonly name: string;
}

/**
 * A `networking.istio.io/v1` ServiceEntry.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/service-entry/
 */
export interface ServiceEntry extends KubeManifest {
  /** API version. */
  readonly apiVersion: typeof ISTIO_NETWORKING_API_VERSION;
  /** Kind. */
  readonly kind: 'ServiceEntry';
  /** Metadata. */
  readonly metadata: ObjectMeta;
  /** Spec. */
  readonly spec: {
    /** Host names. */
    readonly hosts: readonly string[];
    /** Addresses (CIDRs) of a CIDR external, or the subnet CIDRs of a cloud workload. @default - none */
    readonly addresses?: readonly string[];
    /** Ports. */
    readonly ports: readonly ServiceEntryPort[];
    /** `MESH_EXTERNAL`; `MESH_INTERNAL` for a VM fleet with a SPIFFE identity (its instances run the mesh proxy). */
    readonly location: 'MESH_EXTERNAL' | 'MESH_INTERNAL';
    /** `DNS` for names, `NONE` for wildcards and CIDRs. */
    readonly resolution: 'DNS' | 'NONE';
    /** Namespaces it is visible to. */
    readonly exportTo: readonly string[];
  };
}

/**
 * A `networking.istio.io/v1` Sidecar.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/sidecar/
 */
export interface Sidecar extends KubeManifest {
  /** API version. */
  readonly apiVersion: typeof ISTIO_NETWORKING_API_VERSION;
  /** Kind. */
  readonly kind: 'Sidecar';
  /** Metadata. */
  readonly metadata: ObjectMeta;
  /** Spec. */
  readonly spec: {
    /** Egress listeners: the hosts (`<namespace>/<dns name>`) the namespace's proxies know. */
    readonly egress: readonly { readonly hosts: readonly string[] }[];
    /** Outbound policy: `REGISTRY_ONLY` blocks hosts not in the registry. */
    readonly outboundTrafficPolicy: { readonly mode: 'REGISTRY_ONLY' };
  };
}

/**
 * Any object the Istio target emits.
 *
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 */
export type IstioManifest = AuthorizationPolicy | PeerAuthentication | ServiceEntry | Sidecar;
