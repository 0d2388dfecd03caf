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
 * A resource an AuthorizationPolicy attaches to (`spec.targetRefs[]`).
 *
 * @see https://istio.io/latest/docs/reference/config/type/workload-selector/#PolicyTargetReference
 */
export interface IstioPolicyTargetReference {
  /** API group: `""` for a core Service, `gateway.networking.k8s.io` for a Gateway. */
  readonly group: '' | 'gateway.networking.k8s.io';
  /** `Service` or `Gateway`. */
  readonly kind: 'Service' | 'Gateway';
  /** Its name, in the policy's namespace. */
  readonly name: string;
}

/**
 * AuthorizationPolicy spec.
 *
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 */
export interface AuthorizationPolicySpec {
  /** The workloads it applies to (their sidecars, or in ambient mode their ztunnel). @default - every workload of the namespace */
  readonly selector?: IstioWorkloadSelector;
  /**
   * The resources it attaches to instead of a selector: in ambient mode a Service (group `""`)
   * whose waypoint enforces the policy, or the waypoint Gateway itself.
   * @default - none: the policy applies by selector
   * @see https://istio.io/latest/docs/ambient/usage/l7-features/
   */
  readonly targetRefs?: readonly IstioPolicyTargetReference[];
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
 * The Gateway API version of waypoints.
 *
 * @see https://gateway-api.sigs.k8s.io/reference/spec/
 */
export const GATEWAY_API_VERSION = 'gateway.networking.k8s.io/v1';

/**
 * A listener of a waypoint: `mesh`, port 15008, protocol `HBONE`.
 *
 * @see https://istio.io/latest/docs/ambient/usage/waypoint/
 */
export interface WaypointListener {
  /** `mesh`. */
  readonly name: string;
  /** 15008, the HBONE port. */
  readonly port: number;
  /** `HBONE`. */
  readonly protocol: 'HBONE';
}

/**
 * A `gateway.networking.k8s.io/v1` Gateway of class `istio-waypoint`: an ambient waypoint
 * (labelled `istio.io/waypoint-for`).
 *
 * @see https://istio.io/latest/docs/ambient/usage/waypoint/
 */
export interface WaypointGateway extends KubeManifest {
  /** API version. */
  readonly apiVersion: typeof GATEWAY_API_VERSION;
  /** Kind. */
  readonly kind: 'Gateway';
  /** Metadata. */
  readonly metadata: ObjectMeta;
  /** Spec. */
  readonly spec: {
    /** `istio-waypoint`. */
    readonly gatewayClassName: 'istio-waypoint';
    /** One HBONE listener. */
    readonly listeners: readonly WaypointListener[];
  };
}

/**
 * Any object the Istio target emits.
 *
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 */
export type IstioManifest = AuthorizationPolicy | PeerAuthentication | ServiceEntry | Sidecar | WaypointGateway;
