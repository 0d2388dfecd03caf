/**
 * The decoded form of the Istio kinds the `istio` layer reads, as `./decode/*.ts` produce
 * them and the kind evaluators (`./authz.ts`, `./peerauthn.ts`, `./sidecar.ts`,
 * `./serviceentry.ts`) use them.
 */

/** An AuthorizationPolicy action. */
export type Action = 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM';

/** A PeerAuthentication mTLS mode. */
export type MtlsMode = 'UNSET' | 'DISABLE' | 'PERMISSIVE' | 'STRICT';

/** How the port of a destination workload is treated by its sidecar: `http`, `tcp` or `auto` (protocol sniffing). */
export type PortProtocol = 'http' | 'tcp' | 'auto';

/** The outbound traffic policy of a sidecar. */
export type OutboundMode = 'ALLOW_ANY' | 'REGISTRY_ONLY';

/** The metadata of an Istio object the analysis uses. */
export interface Meta {
  /** `Kind ns/name`. */
  readonly ref: string;
  /** The namespace (`default` when none is given). */
  readonly namespace: string;
  /** The name. */
  readonly name: string;
  /** `metadata.creationTimestamp` (empty when not given): the oldest of several policies wins. */
  readonly created: string;
  /** The string annotations. */
  readonly annotations: Readonly<Record<string, string>>;
}

/** One value of an AuthorizationPolicy condition, as the policy writes it. */
export type DecodedValue =
  /** `principals`, `source.principal`. */
  | { readonly t: 'principal'; readonly value: string }
  /** `namespaces`, `source.namespace`. */
  | { readonly t: 'namespace'; readonly value: string }
  /** `serviceAccounts` (`sa` or `ns/sa`; the policy's namespace when none is given). */
  | { readonly t: 'serviceAccount'; readonly value: string; readonly policyNamespace: string }
  /** `trustDomains`. */
  | { readonly t: 'trustDomain'; readonly value: string }
  /** `ipBlocks`, `remoteIpBlocks`, `source.ip`, `remote.ip`: the range, and the field naming it. */
  | { readonly t: 'ip'; readonly range: readonly [number, number] | 'ipv6'; readonly field: string }
  /** `ports`, `destination.port`. */
  | { readonly t: 'port'; readonly port: number }
  /** `methods`, `paths`, `hosts` of an operation. */
  | { readonly t: 'method' | 'path' | 'host'; readonly value: string }
  /** `request.headers[<name>]` (name lower case; pseudo-headers name the method, path or host). */
  | { readonly t: 'header'; readonly name: string; readonly value: string }
  /** Needs a validated JWT (request principals, `request.auth.*`): never matches. */
  | { readonly t: 'jwt' }
  /** Cannot be known by the analysis (`destination.ip`, `connection.sni`, Envoy filter attributes). */
  | { readonly t: 'unknown' };

/** One condition: a field with values (ORed) and values it must not match. */
export interface DecodedCond {
  /** The field path of the condition (its values, or its notValues when it has no values). */
  readonly field: string;
  /** Whether it needs HTTP attributes. */
  readonly httpOnly: boolean;
  /** Whether it needs the peer identity (mutual TLS). */
  readonly identity: boolean;
  /** The values, ORed. */
  readonly values: readonly DecodedValue[];
  /** The values it must not match. */
  readonly notValues: readonly DecodedValue[];
}

/** One rule of an AuthorizationPolicy. */
export interface DecodedAuthzRule {
  /** `spec.rules[i]`. */
  readonly path: string;
  /** ORed sources, each an AND of conditions. @default - any source */
  readonly from?: readonly (readonly DecodedCond[])[];
  /** ORed operations, each an AND of conditions. @default - any operation */
  readonly to?: readonly (readonly DecodedCond[])[];
  /** The `when` conditions, ANDed. */
  readonly when: readonly DecodedCond[];
  /** The HTTP-only fields the rule uses (for the TCP explanation). */
  readonly httpOnlyFields: readonly string[];
}

/** A resource an AuthorizationPolicy attaches to (`targetRef`, `targetRefs[]`). */
export interface PolicyTargetRef {
  /** The API group (`""` for core kinds). */
  readonly group: string;
  /** The kind: `Service`, `Gateway`, `GatewayClass`, `ServiceEntry`. */
  readonly kind: string;
  /** The name. */
  readonly name: string;
  /** The namespace (the policy's when not given). */
  readonly namespace: string;
}

/** A decoded AuthorizationPolicy. */
export interface DecodedAuthorizationPolicy {
  /** `AuthorizationPolicy ns/name`. */
  readonly ref: string;
  /** Its namespace. */
  readonly namespace: string;
  /** Its name. */
  readonly name: string;
  /** Its action. */
  readonly action: Action;
  /** The extension provider of a CUSTOM policy. @default - none */
  readonly provider?: string;
  /** Its workload selector. @default - every workload of its scope */
  readonly selector?: Readonly<Record<string, string>>;
  /** Annotated `istio.io/dry-run: "true"`. */
  readonly dryRun: boolean;
  /** Attached with targetRef(s) to a gateway or waypoint: never applied to sidecars or ztunnel. */
  readonly attached: boolean;
  /** What `targetRef` / `targetRefs` name (empty when the policy applies by selector). */
  readonly targetRefs: readonly PolicyTargetRef[];
  /** Its rules. */
  readonly rules: readonly DecodedAuthzRule[];
  /** The port numbers its rules name (where its decision can change). */
  readonly points: readonly number[];
}

/** A decoded PeerAuthentication. */
export interface DecodedPeerAuthentication {
  /** `PeerAuthentication ns/name`. */
  readonly ref: string;
  /** Its namespace. */
  readonly namespace: string;
  /** Its name. */
  readonly name: string;
  /** Its creation timestamp (empty when not given). */
  readonly created: string;
  /** Its workload selector. @default - namespace-wide (mesh-wide in the root namespace) */
  readonly selector?: Readonly<Record<string, string>>;
  /** The mode of `spec.mtls`. */
  readonly mode: MtlsMode;
  /** `portLevelMtls`: port → mode. */
  readonly portLevel: ReadonlyMap<number, MtlsMode>;
}

/** A decoded Sidecar (its outbound traffic policy and egress imports). */
export interface DecodedSidecar {
  /** `Sidecar ns/name`. */
  readonly ref: string;
  /** Its namespace. */
  readonly namespace: string;
  /** Its name. */
  readonly name: string;
  /** Its creation timestamp (empty when not given). */
  readonly created: string;
  /** Its workload selector. @default - namespace-wide (mesh-wide in the root namespace) */
  readonly selector?: Readonly<Record<string, string>>;
  /** Its outbound traffic policy mode. @default - the mesh default */
  readonly mode?: OutboundMode;
  /** `namespace/host` import rules of `egress[].hosts`. @default - import everything exported */
  readonly egressHosts?: readonly string[];
}

/** A decoded ServiceEntry. */
export interface DecodedServiceEntry {
  /** `ServiceEntry ns/name`. */
  readonly ref: string;
  /** Its namespace. */
  readonly namespace: string;
  /** Its hosts. */
  readonly hosts: readonly string[];
  /** The IPv4 ranges it covers: its addresses, endpoints and resolved hosts. */
  readonly ranges: readonly (readonly [number, number])[];
  /** Its ports, with their index in `spec.ports`. */
  readonly ports: readonly { readonly number: number; readonly index: number }[];
  /** Its `exportTo`. @default - exported to every namespace */
  readonly exportTo?: readonly string[];
}

/** A port of a Kubernetes Service, for Istio's protocol selection. */
export interface ServicePort {
  /** `Service ns/name`. */
  readonly ref: string;
  /** Where in it: `spec.ports[i]`. */
  readonly field: string;
  /** Its namespace. */
  readonly namespace: string;
  /** Its pod selector. */
  readonly selector: Readonly<Record<string, string>>;
  /** `targetPort`: a number or a container port name (the port itself when not given). */
  readonly target: number | string;
  /** The protocol Istio takes from `appProtocol` or the port name. */
  readonly protocol: PortProtocol;
  /** Where the protocol comes from, for explanations. */
  readonly from: string;
}

/** Whether a label selector (`matchLabels` only) selects the labels; no selector selects everything. */
export function selects(selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!selector) return true;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}
