/**
 * The decoded form of Cilium policies: rules with their peers, ports and L7 rules, as
 * `./decode/*.ts` produce them and `./rule.ts` evaluates them.
 */
import { L4Protocol } from '../../portset';
import { LabelSelector } from '../../selector';

/** A direction of a connection, seen from the rule's subject. */
export type Dir = 'ingress' | 'egress';

/** A section of a rule: allow or deny, per direction. */
export type Section = 'ingress' | 'ingressDeny' | 'egress' | 'egressDeny';

/** The label Cilium gives an endpoint for its namespace. */
export const NS_KEY = 'io.kubernetes.pod.namespace';
/** The prefix of the labels Cilium gives an endpoint for the labels of its namespace. */
export const NS_LABEL_PREFIX = 'io.cilium.k8s.namespace.labels.';
/** The label Cilium gives an endpoint for its service account. */
export const SA_KEY = 'io.cilium.k8s.policy.serviceaccount';
/** The label Cilium gives an endpoint for its cluster. */
export const CLUSTER_KEY = 'io.cilium.k8s.policy.cluster';

/** One peer of a rule. */
export type Peer =
  /** `fromEndpoints` / `toEndpoints`; `foreign`: the selector names labels of another source (matches no workload). */
  | { readonly kind: 'endpoints'; readonly sel: LabelSelector; readonly foreign: boolean }
  | { readonly kind: 'entity'; readonly name: string }
  | { readonly kind: 'cidr'; readonly range: readonly [number, number] | 'ipv6'; readonly except: readonly (readonly [number, number])[] }
  | { readonly kind: 'fqdn'; readonly test: (name: string) => boolean }
  | { readonly kind: 'nothing' };

/** One entry of `toPorts[].ports`. */
export interface PortProto {
  /** The protocols it matches. */
  readonly protocols: readonly L4Protocol[];
  /** Numeric ports, inclusive. @default - a named port */
  readonly range?: readonly [number, number];
  /** The port name, lower case. @default - a numbered port */
  readonly name?: string;
}

/** The L7 rules of a `toPorts` entry. */
export type L7 =
  | { readonly kind: 'none' }
  | { readonly kind: 'http'; readonly rules: readonly HttpRule[] }
  | { readonly kind: 'dns'; readonly all: boolean }
  | { readonly kind: 'other'; readonly what: string; readonly httpPasses: boolean };

/** One `rules.http` entry. */
export interface HttpRule {
  /** The method must match. @default - any method */
  readonly method?: RegExp;
  /** The path must match. @default - any path */
  readonly path?: RegExp;
  /** The host must match. @default - any host */
  readonly host?: RegExp;
  /** Needs headers the analysis does not model. */
  readonly needsHeaders: boolean;
}

/** One `toPorts` entry. */
export interface PortRule {
  /** The ports. */
  readonly ports: readonly PortProto[];
  /** Its L7 rules. */
  readonly l7: L7;
}

/** One rule of a section (`ingress[i]`, `egressDeny[j]`, …). */
export interface PeerRule {
  /** Its field path. */
  readonly path: string;
  /** `any`: no peer field (every peer); `none`: a present but empty peer field. */
  readonly l3: 'any' | 'none' | readonly Peer[];
  /** The `toPorts` entries. @default - no toPorts: every port, unless `icmpOnly` */
  readonly ports?: readonly PortRule[];
  /** ICMP only (`icmps` without `toPorts`): nothing of TCP, UDP or SCTP. */
  readonly icmpOnly: boolean;
  /** `required` or `fail` (test-always-fail) mutual authentication. @default - none */
  readonly auth?: string;
}

/** One decoded rule (`spec`, or an item of `specs`). */
export interface DecodedCiliumRule {
  /** The policy, as `Kind ns/name` or `Kind name`. */
  readonly policy: string;
  /** `spec` or `specs[i]`. */
  readonly path: string;
  /** The subject selector. @default - the rule selects no workload (a host policy, or a selector on labels of another source) */
  readonly subjectSel?: LabelSelector;
  /** Ingress allow rules. */
  readonly ingress: readonly PeerRule[];
  /** Ingress deny rules. */
  readonly ingressDeny: readonly PeerRule[];
  /** Egress allow rules. */
  readonly egress: readonly PeerRule[];
  /** Egress deny rules. */
  readonly egressDeny: readonly PeerRule[];
  /** Whether the rule puts its subject in default deny, per direction. */
  readonly defaultDeny: { readonly ingress: boolean; readonly egress: boolean };
  /** The port numbers its rules of each direction name (where a decision can change). */
  readonly points: { readonly ingress: readonly number[]; readonly egress: readonly number[] };
  /** Has rules in the direction but opts out of default deny. */
  readonly optOut: { readonly ingress: boolean; readonly egress: boolean };
  /** The IPv4 ranges its CIDR peers name, per direction. */
  readonly boundaries: { readonly ingress: readonly (readonly [number, number])[]; readonly egress: readonly (readonly [number, number])[] };
  /** The names its DNS rules let the DNS proxy see. */
  readonly dnsPatterns: readonly RegExp[];
  /** The name tests of its `toFQDNs` peers. */
  readonly fqdnTests: readonly ((name: string) => boolean)[];
}

/** One decoded policy object. */
export interface DecodedCiliumPolicy {
  /** `Kind ns/name` or `Kind name`. */
  readonly ref: string;
  /** Its rules. */
  readonly rules: readonly DecodedCiliumRule[];
}
