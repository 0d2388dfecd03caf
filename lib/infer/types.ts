/**
 * The shared types of `bulkhead infer`: what one observed record says once it is read, the
 * distinct flows the records aggregate into, and the problem codes.
 */

/** The flow-log formats `bulkhead infer` reads. */
export type FlowFormat = 'hubble' | 'envoy' | 'vpc';

/** Every format, in the order `--format` lists them. */
export const FLOW_FORMATS: readonly FlowFormat[] = ['hubble', 'envoy', 'vpc'];

/** The transport protocols a Bulkhead flow can name. */
export type InferProtocol = 'TCP' | 'UDP' | 'SCTP';

/** Problem codes of `bulkhead infer`. */
export const INFER_CODES = {
  /** A record that cannot be read: not JSON, a missing or wrong-typed field, a bad address or port. */
  line: 'BH-INFER-LINE',
  /** A file whose format is not recognised, or a `--format` that is not one of the formats. */
  format: 'BH-INFER-FORMAT',
  /** A file that cannot be read. */
  file: 'BH-INFER-FILE',
  /** A manifest that cannot be read (not YAML, or a workload, Service or Pod of the wrong shape). */
  manifest: 'BH-INFER-MANIFEST',
  /** A bad cluster option (`--cluster`, `--pod-cidr`, `--manifests <cluster>=<path>`). */
  cluster: 'BH-INFER-CLUSTER',
  /** Traffic of an address inside a cluster that no input manifest maps to a workload (warning). */
  unmapped: 'BH-INFER-UNMAPPED',
  /** More outside addresses on one workload port than `foldExternalsAbove`: folded into one `internet` External, wider than what was seen (warning). */
  folded: 'BH-INFER-FOLDED',
  /** No flow was observed: the declaration would isolate every workload (warning). */
  empty: 'BH-INFER-EMPTY',
  /** More malformed records than are listed one by one: the rest are counted. */
  tooMany: 'BH-INFER-TOO-MANY',
} as const;

/** One side of an observed flow, as the reader found it in a record (before mapping to workloads). */
export interface ObservedEnd {
  /** The address (IPv4 or IPv6), when the record gives one. @default - none */
  readonly ip?: string;
  /** The namespace (Hubble endpoints). @default - none */
  readonly namespace?: string;
  /** Pod labels, `key=value` without the source prefix (Hubble endpoints). @default - none */
  readonly labels?: Readonly<Record<string, string>>;
  /** The pod name (Hubble endpoints). @default - none */
  readonly podName?: string;
  /** The owning workload's name (Hubble `workloads[0].name`). @default - none */
  readonly workload?: string;
  /** The cluster name the record gives (Hubble `cluster_name`). @default - none */
  readonly cluster?: string;
  /** A reserved Cilium identity (`world`, `host`, `remote-node`, `kube-apiserver`, …). @default - none */
  readonly reserved?: string;
  /** Names the address was known by (Hubble `destination_names`, Envoy authority or SNI, an Istio outbound cluster host). @default - none */
  readonly names?: readonly string[];
}

/** One HTTP request seen in a record. */
export interface ObservedHttp {
  /** Upper-case method. */
  readonly method: string;
  /** The path without the query string. */
  readonly path: string;
}

/** One record read from a flow log: a request in the request's direction. */
export interface ObservedRecord {
  /** The sender. */
  readonly source: ObservedEnd;
  /** The receiver. */
  readonly destination: ObservedEnd;
  /** The protocol. */
  readonly protocol: InferProtocol;
  /** The destination port (1–65535). */
  readonly port: number;
  /** The HTTP request, when the record is one. @default - an L4 record */
  readonly http?: ObservedHttp;
  /**
   * Set when the record does not say which side opened the connection (a VPC flow log record;
   * a Hubble flow without `is_reply` and without a SYN): the source port, so that the mapping
   * can tell a request from a reply by the ports the two ends serve.
   * @default - the record is in the request's direction
   */
  readonly ambiguousSourcePort?: number;
}

/**
 * What a reader makes of one line: a record, a line left out on purpose (with the reason, for
 * the counts), or a problem (the line is malformed).
 */
export type LineResult =
  | { readonly kind: 'record'; readonly record: ObservedRecord; readonly also?: ObservedRecord }
  | { readonly kind: 'skip'; readonly reason: SkipReason }
  | { readonly kind: 'bad'; readonly message: string; readonly value?: string; readonly fix: string };

/**
 * Why a record is left out:
 * - `reply`: a reply (Hubble `is_reply`, a Hubble L7 response, a VPC record of the answering side);
 * - `denied`: the traffic did not flow (Hubble `DROPPED` / `ERROR`, VPC `REJECT`, an Istio RBAC denial);
 * - `no-data`: a record without traffic (VPC `NODATA` / `SKIPDATA`, Hubble events that are no flow);
 * - `protocol`: a protocol a flow cannot name (ICMP and others);
 * - `trace`: a Hubble verdict that repeats a flow seen elsewhere (`TRACED`, `TRANSLATED`);
 * - `header`: a header or blank line.
 */
export type SkipReason = 'reply' | 'denied' | 'no-data' | 'protocol' | 'trace' | 'header';
