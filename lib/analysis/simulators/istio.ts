/**
 * The Istio layer: what the sidecars of a mesh let through, from `security.istio.io`
 * AuthorizationPolicy and PeerAuthentication and from `networking.istio.io` ServiceEntry and
 * Sidecar (outbound traffic policy).
 *
 * Semantics follow upstream Istio, in particular the RBAC generator of istiod
 * (`pilot/pkg/security/authz/model`):
 *
 * - Evaluation order: CUSTOM, then DENY, then ALLOW. A matching DENY denies. When no ALLOW
 *   policy applies to the workload the request is allowed; when some do, a request is allowed
 *   only if one of them matches. AUDIT policies and policies annotated `istio.io/dry-run: "true"`
 *   never decide; they are reported with effect `audit`.
 * - CUSTOM policies delegate to an external authorizer the analysis cannot run: a matching
 *   CUSTOM rule is reported (effect `pass`) and, by default, assumed to allow
 *   ({@link IstioSimulatorOptions.customAuthorizer}).
 * - Scope: a policy applies to the workloads of its namespace its `selector.matchLabels`
 *   selects (all of them without a selector); a policy in the root namespace applies to the
 *   workloads of every namespace. Policies with `targetRef` / `targetRefs` attach to gateways
 *   and waypoints, not to sidecars: they are ignored and listed in {@link IstioSimulator.warnings}.
 * - Rules: `rules[]` are ORed; inside a rule `from`, `to` and `when` are ANDed; the entries of
 *   `from` (and of `to`) are ORed; the fields of a source (or operation) are ANDed; the values of
 *   a field are ORed and `not*` values are excluded. No `rules` matches nothing (an ALLOW policy
 *   without rules denies everything it selects); `rules: [{}]` matches everything.
 * - Strings: `abc` exact, `abc*` prefix, `*abc` suffix, `*` any non-empty value. Hosts match
 *   case-insensitively. Paths are matched without the query string; `{*}` and `{**}` are path
 *   templates (one segment, one or more segments).
 * - Principals: a source workload's principal is `<trustDomain>/ns/<namespace>/sa/<serviceAccount>`.
 *   A policy principal whose trust domain is `cluster.local` names the local trust domain
 *   (istiod's trust-domain migration). Principals, namespaces, service accounts and trust
 *   domains come from the peer certificate: they never match a plaintext connection (so
 *   `notPrincipals: ["*"]` matches exactly the plaintext ones).
 * - Request principals and `request.auth.*` conditions need a validated JWT, which the analysis
 *   does not model: requests are taken to carry none, so these conditions never match.
 * - TCP traffic: when the sidecar sees raw TCP (the port is a TCP port, or the bytes are not
 *   HTTP), HTTP-only fields (methods, paths, hosts, request principals, `request.headers[...]`,
 *   `request.auth.*`) cannot be evaluated. For an ALLOW policy a rule that uses any of them is
 *   skipped (it matches nothing); for DENY, AUDIT and CUSTOM policies the HTTP-only conditions
 *   are dropped, so the rule becomes broader: a DENY rule `methods: ["POST"]` without `ports`
 *   denies every TCP connection to the workload.
 * - Port protocol (explicit protocol selection): the Services of the input (core `v1`
 *   Service with a selector) that select the destination and target the port name its
 *   protocol, by `appProtocol`, else by the port name `<protocol>[-<suffix>]` (`http`,
 *   `http2`, `grpc`, `grpc-web` → HTTP; `tcp`, `tls`, `https`, `mongo`, `mysql`, `redis` →
 *   TCP). A port no Service names is sniffed: raw TCP gets the TCP rules, HTTP the HTTP rules.
 *   Container port names do not select a protocol. See {@link IstioSimulatorOptions.portProtocol}.
 * - A connection is HTTP or plain TCP ({@link Connection.application}): without an HTTP
 *   request it is a plain TCP connection, unless the port is HTTP by protocol selection; then
 *   it is judged for HTTP requests in general: allowed when some request could be, with
 *   `l7Restricted`. HTTP-only conditions other than `*` are taken to match some requests and
 *   not others. The connectivity list asks `any` (plain TCP or some HTTP request, as the port
 *   allows). The verdict's `assumed` says which was judged and why.
 * - PeerAuthentication: mesh-wide (root namespace, no selector), namespace-wide (no selector)
 *   and workload (selector) policies, the more specific one winning unless its mode is UNSET,
 *   then `portLevelMtls` of the workload policy; without any, PERMISSIVE. Among several policies
 *   of one level the oldest (`metadata.creationTimestamp`, then name) wins. STRICT refuses
 *   plaintext; DISABLE makes every connection arrive without a peer identity.
 * - Interception: sidecars capture TCP only, so UDP and SCTP are not governed by Istio. A
 *   workload whose pod label `sidecar.istio.io/inject` is `"false"`, or whose namespace label
 *   `istio-injection` is `disabled`, has no sidecar: nothing is enforced for it, and what it sends
 *   is plaintext.
 * - Outbound: with `outboundTrafficPolicy.mode: REGISTRY_ONLY` (from the workload's Sidecar, or
 *   the mesh default) a workload may reach an address outside the cluster only if a
 *   ServiceEntry it can see (`exportTo`, the Sidecar's `egress[].hosts`) covers the address (its
 *   `addresses`, its `hosts` resolved through {@link AnalysisContext.resolve}, or its `endpoints`)
 *   and the port. Destinations inside the cluster are taken to be in the registry.
 * - Addresses: `ipBlocks`, `remoteIpBlocks`, `source.ip` and `remote.ip` match the source
 *   address of the connection, pods included (`0.0.0.0/0` matches every IPv4 pod). A pod's
 *   address is the one its Pod status gives ({@link WorkloadEndpoint.addresses}), else it lies
 *   in the cluster's pod CIDRs ({@link AnalysisContext.podCidrs}) when they are known, else
 *   anywhere. A condition that cannot be known (for example `destination.ip`, an external range
 *   that straddles an ipBlock, or a pod whose possible addresses do) is resolved to the safe
 *   side: it does not match for ALLOW, it matches for DENY, AUDIT and CUSTOM (and a warning
 *   says so when pod addresses are unknown).
 *
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 * @see https://istio.io/latest/docs/reference/config/security/conditions/
 * @see https://istio.io/latest/docs/tasks/security/authorization/authz-tcp/
 * @see https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
 * @see https://istio.io/latest/docs/reference/config/networking/service-entry/
 * @see https://istio.io/latest/docs/reference/config/networking/sidecar/
 * @see https://github.com/istio/istio/blob/master/pilot/pkg/security/authz/model/model.go
 */
import { Problem } from '../../core/errors';
import { ProblemSet, inputError } from '../errors';
import { rangesOverlap, rangeWithin } from '../ipv4';
import { L4Protocol, L4_PROTOCOLS, PortSet } from '../portset';
import { isRecord } from '../selector';
import { AllowedPair, AnalysisContext, Connection, Endpoint, HttpRequest, LayerSimulator, LayerVerdict, Reason, SourceRef, WorkloadEndpoint } from '../types';
import {
  PortSetTable, Tri, at, cidrRange, cmpStr, containerPortsKey, emitPairs, endpointClasses, labelsKey, optList, optRecord, optString, optStringList, portNumber, portSetFromDecisions, reason, sortRanges, withSource, triAnd, triNot, triOr,
} from './common';

/**
 * How the port of a destination workload is treated by its sidecar: `http` (HTTP filter
 * chain), `tcp` (TCP filter chain) or `auto` (protocol sniffing).
 *
 * @see https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/
 */
export type IstioPortProtocol = 'http' | 'tcp' | 'auto';

/**
 * The outbound traffic policy of a sidecar.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/sidecar/#OutboundTrafficPolicy-Mode
 */
export type IstioOutboundMode = 'ALLOW_ANY' | 'REGISTRY_ONLY';

/**
 * Options of {@link createIstioSimulator}: mesh settings that live outside the manifests.
 *
 * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/
 */
export interface IstioSimulatorOptions {
  /**
   * The mesh root namespace: its policies without a selector apply mesh-wide.
   * @default 'istio-system'
   */
  readonly rootNamespace?: string;
  /**
   * The mesh-wide `outboundTrafficPolicy.mode` (MeshConfig), used for workloads whose Sidecar
   * does not set one.
   * @default 'ALLOW_ANY'
   */
  readonly outboundTrafficPolicy?: IstioOutboundMode;
  /**
   * What the external authorizer of CUSTOM policies is assumed to answer for the requests a
   * CUSTOM rule sends it.
   * @default 'allow'
   */
  readonly customAuthorizer?: 'allow' | 'deny';
  /**
   * How the sidecar of `dst` treats `port`: `http`, `tcp`, or `auto` (protocol sniffing).
   * @default - Istio's explicit protocol selection by the input's Services (`appProtocol`, port name prefix), else sniffing
   */
  readonly portProtocol?: (dst: WorkloadEndpoint, port: number) => IstioPortProtocol;
  /**
   * Whether a workload runs an Istio sidecar.
   * @default - yes, unless its pod label `sidecar.istio.io/inject` is "false" or its namespace label `istio-injection` is "disabled"
   */
  readonly meshMember?: (workload: WorkloadEndpoint) => boolean;
  /**
   * Where an object came from (for example from the loader), so that errors name the file
   * and the document.
   * @default - errors name the object and the field only
   */
  readonly sourceOf?: (object: unknown) => SourceRef | undefined;
}

/**
 * The Istio simulator: a {@link LayerSimulator} with the warnings it met while reading.
 * `present` is true when the input holds an AuthorizationPolicy, PeerAuthentication,
 * RequestAuthentication, ServiceEntry or Sidecar.
 *
 * @see https://istio.io/latest/docs/concepts/security/#authorization
 */
export interface IstioSimulator extends LayerSimulator {
  /** Things in the input the simulator does not model, sorted (for example `targetRef`). */
  readonly warnings: readonly Problem[];
  /**
   * Every pair with allowed ports, computed sparsely (see {@link LayerSimulator.allowedPairs}),
   * optionally only for the ports of `scope`: Istio intercepts TCP only, so every pair is
   * allowed on UDP and SCTP, and asking about TCP alone keeps the answer small.
   *
   * @param scope the ports asked about @default PortSet.ALL
   */
  allowedPairs(sources: readonly Endpoint[], destinations: readonly Endpoint[], scope?: PortSet): readonly AllowedPair[];
}

/**
 * Builds the Istio layer simulator from plain manifest objects. Objects of other kinds are
 * ignored; Istio objects are validated, and a malformed one raises an
 * {@link AnalysisInputError} naming the object and the field.
 *
 * @param objects parsed manifests (any kinds)
 * @param ctx the world the simulation runs in
 * @param options mesh settings
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 * @example
 * const istio = createIstioSimulator(objects, ctx, { rootNamespace: 'istio-system' });
 * istio.explain(web, db, { protocol: 'TCP', port: 5432 });
 */
export function createIstioSimulator(objects: readonly unknown[], ctx: AnalysisContext, options: IstioSimulatorOptions = {}): IstioSimulator {
  return new IstioLayer(objects, ctx, options);
}

// ---------------------------------------------------------------------------------------------
// Parsed model

type Action = 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM';
type MtlsMode = 'UNSET' | 'DISABLE' | 'PERMISSIVE' | 'STRICT';

/** A fact that cannot be known is resolved by the caller to the safe side. */
type AtomResult = Tri | 'unknown';

/**
 * The source address of a connection: an external range, or a pod whose address lies in
 * one of `ranges` (its known addresses, or the cluster's pod CIDRs), or anywhere when
 * `ranges` is undefined.
 */
type SourceAddress =
  | { readonly kind: 'external'; readonly range: readonly [number, number] }
  | { readonly kind: 'pod'; readonly ranges?: readonly (readonly [number, number])[] };

interface Facts {
  /** Peer principal, without `spiffe://`; undefined for plaintext. */
  readonly principal?: string;
  /** Where the connection comes from. */
  readonly source: SourceAddress;
  readonly port: number;
  /** `http`: HTTP filter chain; `tcp`: TCP filter chain. */
  readonly mode: 'http' | 'tcp';
  /** The HTTP request, when given (only in `http` mode). */
  readonly request?: HttpRequest;
}

type Atom = (f: Facts) => AtomResult;

interface Cond {
  readonly field: string;
  readonly httpOnly: boolean;
  /** Needs the peer identity (mutual TLS). */
  readonly identity: boolean;
  readonly values: readonly Atom[];
  readonly notValues: readonly Atom[];
}

interface Rule {
  readonly path: string;
  /** Undefined: any source. Else ORed sources, each an AND of conditions. */
  readonly from?: readonly (readonly Cond[])[];
  readonly to?: readonly (readonly Cond[])[];
  readonly when: readonly Cond[];
  /** The HTTP-only fields the rule uses (for the TCP explanation). */
  readonly httpOnlyFields: readonly string[];
}

interface AuthzPolicy {
  readonly ref: string;
  readonly namespace: string;
  readonly name: string;
  readonly action: Action;
  readonly provider?: string;
  /** Undefined: every workload of the scope. */
  readonly selector?: Readonly<Record<string, string>>;
  readonly dryRun: boolean;
  /** Attached with targetRef(s) to a gateway or waypoint: never applied to sidecars. */
  readonly attached: boolean;
  readonly rules: readonly Rule[];
  /** The port numbers its rules name (where its decision can change). */
  readonly points: readonly number[];
}

interface PeerAuthn {
  readonly ref: string;
  readonly namespace: string;
  readonly name: string;
  readonly created: string;
  readonly selector?: Readonly<Record<string, string>>;
  readonly mode: MtlsMode;
  readonly portLevel: ReadonlyMap<number, MtlsMode>;
}

interface SidecarCfg {
  readonly ref: string;
  readonly namespace: string;
  readonly name: string;
  readonly created: string;
  readonly selector?: Readonly<Record<string, string>>;
  readonly mode?: IstioOutboundMode;
  /** `namespace/host` import rules of `egress[].hosts`; undefined: import everything exported. */
  readonly egressHosts?: readonly string[];
}

interface ServiceEntryCfg {
  readonly ref: string;
  readonly namespace: string;
  readonly hosts: readonly string[];
  readonly ranges: readonly (readonly [number, number])[];
  readonly ports: readonly { readonly number: number; readonly index: number }[];
  readonly exportTo?: readonly string[];
}

/** A port of a Kubernetes Service, for Istio's protocol selection. */
interface ServicePortCfg {
  /** `Service ns/name`, and where in it. */
  readonly ref: string;
  readonly field: string;
  readonly namespace: string;
  readonly selector: Readonly<Record<string, string>>;
  /** `targetPort`: a number, a container port name, or undefined (the port itself). */
  readonly target: number | string;
  /** The protocol Istio takes from `appProtocol` or the port name, and from which. */
  readonly protocol: IstioPortProtocol;
  readonly from: string;
}

/** How a destination port is handled, and why. */
interface PortSelection {
  readonly kind: IstioPortProtocol;
  readonly why: string;
}

interface Decision {
  readonly allowed: boolean;
  readonly l7: boolean;
  readonly reasons: readonly Reason[];
}

const DEFAULT = 'Istio default';
// Istio protocol selection: `appProtocol`, else the port name `<protocol>[-<suffix>]`.
// HTTP filter chain: http, http2, grpc, grpc-web; opaque TCP for the sidecar: tcp, tls, https
// (the sidecar does not terminate TLS), mongo, mysql, redis.
const HTTP_NAMES = ['http', 'http2', 'grpc', 'grpc-web'];
const TCP_NAMES = ['tcp', 'tls', 'https', 'mongo', 'mysql', 'redis'];
const ALL_IPV4_RANGE: readonly [number, number] = [0, 0xffffffff];

/** The protocol a Service port declares for Istio, from `appProtocol` or its name. */
function declaredProtocol(name: string | undefined, appProtocol: string | undefined): { protocol: IstioPortProtocol; from: string } {
  const classify = (v: string): IstioPortProtocol => (HTTP_NAMES.includes(v) || v === 'kubernetes.io/h2c' ? 'http' : TCP_NAMES.includes(v) ? 'tcp' : 'auto');
  if (appProtocol) {
    const p = classify(appProtocol.toLowerCase());
    if (p !== 'auto') return { protocol: p, from: `appProtocol ${appProtocol}` };
  }
  if (name) {
    const lower = name.toLowerCase();
    const prefix = lower.split('-')[0];
    const p = lower.startsWith('grpc-web') ? 'http' : classify(prefix);
    if (p !== 'auto') return { protocol: p, from: `port name ${name}` };
  }
  return { protocol: 'auto', from: name ? `port name ${name} (no protocol prefix)` : 'an unnamed port' };
}

// ---------------------------------------------------------------------------------------------
// String matching (pilot/pkg/security/authz/matcher)

interface Matcher {
  readonly kind: 'any' | 'exact' | 'prefix' | 'suffix';
  readonly text: string;
}

function istioMatcher(v: string): Matcher {
  if (v === '*') return { kind: 'any', text: '' };
  if (v.startsWith('*')) return { kind: 'suffix', text: v.slice(1) };
  if (v.endsWith('*')) return { kind: 'prefix', text: v.slice(0, -1) };
  return { kind: 'exact', text: v };
}

function matches(m: Matcher, s: string | undefined, ignoreCase = false): boolean {
  if (s === undefined) return false;
  const a = ignoreCase ? s.toLowerCase() : s;
  const t = ignoreCase ? m.text.toLowerCase() : m.text;
  switch (m.kind) {
    case 'any':
      return a.length > 0;
    case 'exact':
      return a === t;
    case 'prefix':
      return a.startsWith(t);
    default:
      return a.endsWith(t);
  }
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** An HTTP attribute: known from the request, `some` without one (`yes` for `*`). */
function httpAtom(value: string, get: (r: NonNullable<Facts['request']>) => string | undefined, test: (s: string | undefined) => boolean): Atom {
  return (f) => (f.request ? (test(get(f.request)) ? 'yes' : 'no') : value === '*' ? 'yes' : 'some');
}

function pathOnly(p: string): string {
  const q = p.search(/[?#]/);
  return q < 0 ? p : p.slice(0, q);
}

function pathMatcher(value: string): (path: string | undefined) => boolean {
  if (value.includes('{*}') || value.includes('{**}')) {
    const re = new RegExp(`^${value.split(/(\{\*\*\}|\{\*\})/).map((part) => (part === '{**}' ? '.+' : part === '{*}' ? '[^/]+' : escapeRegex(part))).join('')}$`);
    return (p) => p !== undefined && re.test(pathOnly(p));
  }
  const m = istioMatcher(value);
  return (p) => p !== undefined && matches(m, pathOnly(p));
}

// ---------------------------------------------------------------------------------------------

class IstioLayer implements IstioSimulator {
  public readonly layer = 'istio' as const;
  public readonly present: boolean;
  public readonly warnings: readonly Problem[];

  private readonly root: string;
  private readonly outboundDefault: IstioOutboundMode;
  private readonly customAnswer: 'allow' | 'deny';
  private readonly authz: readonly AuthzPolicy[];
  private readonly peerAuthn: readonly PeerAuthn[];
  private readonly sidecars: readonly SidecarCfg[];
  private readonly serviceEntries: readonly ServiceEntryCfg[];
  private readonly outboundPoints: readonly number[];
  private readonly pointsCache = new Map<string, readonly number[]>();
  private readonly boundaries: { readonly ingress: readonly (readonly [number, number])[]; readonly egress: readonly (readonly [number, number])[] };
  private readonly policiesCache = new Map<string, readonly AuthzPolicy[]>();
  private readonly warningSet = new ProblemSet();
  private readonly ingressRanges: (readonly [number, number])[] = [];
  private points = new Set<number>();
  private readonly services: ServicePortCfg[] = [];
  private readonly selectionCache = new Map<string, PortSelection>();
  /** Some rule matches source addresses (ipBlocks, remoteIpBlocks, source.ip, remote.ip) other than 0.0.0.0/0. */
  private namesAddresses = false;
  /** Where rules match source addresses other than 0.0.0.0/0 (`AuthorizationPolicy ns/name, field`), for the warning. */
  private readonly addressRules = new Set<string>();
  private readonly sourceAtomByKey = new Map<string, Atom>();
  private readonly sourceAtomKeys = new Map<Atom, string>();

  constructor(objects: readonly unknown[], private readonly ctx: AnalysisContext, private readonly options: IstioSimulatorOptions) {
    this.root = options.rootNamespace ?? 'istio-system';
    this.outboundDefault = options.outboundTrafficPolicy ?? 'ALLOW_ANY';
    this.customAnswer = options.customAuthorizer ?? 'allow';
    const authz: AuthzPolicy[] = [];
    const pa: PeerAuthn[] = [];
    const sc: SidecarCfg[] = [];
    const se: ServiceEntryCfg[] = [];
    let present = false;
    for (const obj of objects) {
      if (!isRecord(obj) || typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') continue;
      if (obj.apiVersion === 'v1' && obj.kind === 'Service') {
        this.readService(obj);
        continue;
      }
      present = withSource(obj, options.sourceOf, () => this.readObject(obj, authz, pa, sc, se)) || present;
    }
    const byRef = (a: { ref: string }, b: { ref: string }): number => cmpStr(a.ref, b.ref);
    const byAge = (a: { created: string; ref: string }, b: { created: string; ref: string }): number => cmpStr(a.created, b.created) || cmpStr(a.ref, b.ref);
    this.authz = authz.sort(byRef);
    this.peerAuthn = pa.sort(byAge);
    this.sidecars = sc.sort(byAge);
    this.serviceEntries = se.sort(byRef);
    this.outboundPoints = [...new Set(se.flatMap((s) => s.ports.map((p) => p.number)))].sort((a, b) => a - b);
    this.present = present;
    this.boundaries = {
      ingress: sortRanges(this.ingressRanges),
      egress: sortRanges(se.flatMap((s) => s.ranges)),
    };
    this.services.sort((a, b) => cmpStr(a.ref, b.ref) || cmpStr(a.field, b.field));
    if (this.services.length > 0 && !options.portProtocol) {
      // every port a Service targets: its selection (and any conflict) is known up front
      for (const w of ctx.workloads) {
        for (const sv of this.services) {
          if (sv.namespace !== w.namespace || !selects(sv.selector, w.labels)) continue;
          const port = typeof sv.target === 'number' ? sv.target : w.ports.find((p) => p.name === sv.target && p.protocol === 'TCP')?.port;
          if (port !== undefined) this.portSelection(w, port);
        }
      }
    }
    if (this.namesAddresses && ctx.podCidrs === undefined && ctx.workloads.some((w) => w.addresses === undefined)) {
      this.warningSet.warn('BH-AN-ISTIO-POD-ADDRESS', [...this.addressRules].sort().slice(0, 3).join('; ') + (this.addressRules.size > 3 ? `; and ${this.addressRules.size - 3} more` : ''), 'ipBlocks / remoteIpBlocks / source.ip match the source address of pods too; pods without a known address (no Pod status in the input, no pod CIDRs given) may have any address, so such a rule is taken to match them for DENY and not to match them for ALLOW', 'add the Pods (with status.podIP) to the input, or analyse through verify, which passes the cluster\'s pod CIDRs');
    }
    this.warnings = this.warningSet.list();
  }

  /** Reads the ports of a Service with a selector: their protocol for Istio's protocol selection. */
  private readService(obj: Record<string, unknown>): void {
    const meta = isRecord(obj.metadata) ? obj.metadata : {};
    const spec = isRecord(obj.spec) ? obj.spec : {};
    if (typeof meta.name !== 'string' || !isRecord(spec.selector) || !Array.isArray(spec.ports)) return;
    const namespace = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : 'default';
    const selector: Record<string, string> = {};
    for (const [k, v] of Object.entries(spec.selector)) if (typeof v === 'string') selector[k] = v;
    if (Object.keys(selector).length === 0) return;
    spec.ports.forEach((p, i) => {
      if (!isRecord(p) || typeof p.port !== 'number') return;
      if (p.protocol !== undefined && p.protocol !== 'TCP') return;
      const target = typeof p.targetPort === 'number' || typeof p.targetPort === 'string' ? p.targetPort : p.port;
      const d = declaredProtocol(typeof p.name === 'string' ? p.name : undefined, typeof p.appProtocol === 'string' ? p.appProtocol : undefined);
      this.services.push({ ref: `Service ${namespace}/${meta.name}`, field: `spec.ports[${i}]`, namespace, selector, target: /^\d+$/.test(String(target)) ? Number(target) : target, protocol: d.protocol, from: d.from });
    });
  }

  private readObject(obj: Record<string, unknown>, authz: AuthzPolicy[], pa: PeerAuthn[], sc: SidecarCfg[], se: ServiceEntryCfg[]): boolean {
    let present = false;
    if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') return false;
    const [group, version] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/', 2) : ['', obj.apiVersion];
    if (group === 'security.istio.io') {
      if (!['AuthorizationPolicy', 'PeerAuthentication', 'RequestAuthentication'].includes(obj.kind)) return false;
      const meta = readMeta(obj);
      if (version !== 'v1' && version !== 'v1beta1') {
        inputError(at(meta.ref, 'apiVersion'), 'is not a served version of security.istio.io', obj.apiVersion, 'use security.istio.io/v1 (or v1beta1)');
      }
      present = true;
      if (obj.kind === 'AuthorizationPolicy') authz.push(this.readAuthz(obj, meta));
      else if (obj.kind === 'PeerAuthentication') pa.push(readPeerAuthn(obj, meta));
    } else if (group === 'networking.istio.io') {
      if (obj.kind !== 'ServiceEntry' && obj.kind !== 'Sidecar') return false;
      const meta = readMeta(obj);
      if (version !== 'v1' && version !== 'v1beta1' && version !== 'v1alpha3') {
        inputError(at(meta.ref, 'apiVersion'), 'is not a served version of networking.istio.io', obj.apiVersion, 'use networking.istio.io/v1 (or v1beta1, v1alpha3)');
      }
      present = true;
      if (obj.kind === 'Sidecar') sc.push(readSidecar(obj, meta));
      else se.push(this.readServiceEntry(obj, meta));
    }
    return present;
  }

  public explain(src: Endpoint, dst: Endpoint, conn: Connection): LayerVerdict {
    if (dst.type === 'workload') return this.inbound(src, dst, conn);
    if (src.type === 'workload') return this.outbound(src, dst, conn);
    return verdict(true, false, [reason(DEFAULT, undefined, 'default-allow', 'neither endpoint runs an Istio sidecar')]);
  }

  public allowedPorts(src: Endpoint, dst: Endpoint): PortSet {
    const points = dst.type === 'workload' ? this.inboundPoints(dst) : this.outboundPoints;
    return portSetFromDecisions(
      L4_PROTOCOLS,
      (protocol) => (protocol === 'TCP' ? points : []),
      (protocol, port) => (dst.type === 'workload' ? this.inboundAllowed(src, dst, protocol, port) : this.explain(src, dst, { protocol, port }).allowed),
    );
  }

  /**
   * Whether {@link inbound} allows a connection without an HTTP request: the same decision,
   * without building the reasons (the bulk queries ask it many times).
   */
  private inboundAllowed(src: Endpoint, dst: WorkloadEndpoint, protocol: L4Protocol, port: number): boolean {
    if (!this.inMesh(dst) || protocol !== 'TCP') return true;
    const mode = this.mtlsMode(dst, port).mode;
    const plain = src.type === 'external' || !this.inMesh(src);
    if (mode === 'STRICT' && plain) return false;
    const principal = plain || mode === 'DISABLE' || src.type !== 'workload' ? undefined : `${this.ctx.trustDomain}/ns/${src.namespace}/sa/${src.serviceAccount}`;
    const base = { principal, source: this.sourceAddress(src), port };
    const kind = this.portKind(dst, port);
    if (kind !== 'http' && this.decideAllowed(dst, { ...base, mode: 'tcp' })) return true;
    return kind !== 'tcp' && this.decideAllowed(dst, { ...base, mode: 'http' });
  }

  /** Whether {@link decide} allows: the same decision, without the reasons. */
  private decideAllowed(dst: WorkloadEndpoint, f: Facts): boolean {
    const policies = this.policiesFor(dst);
    if (this.customAnswer === 'deny') {
      for (const p of policies) {
        if (p.dryRun || p.action !== 'CUSTOM') continue;
        const t = p.rules.map((r) => evalRule(r, f, p.action)).find((x) => x !== 'no');
        if (t === 'yes') return false;
      }
    }
    for (const p of policies) {
      if (p.dryRun || p.action !== 'DENY') continue;
      if (p.rules.some((r) => evalRule(r, f, p.action) === 'yes')) return false;
    }
    const allows = policies.filter((p) => !p.dryRun && p.action === 'ALLOW');
    return allows.length === 0 || allows.some((p) => p.rules.some((r) => evalRule(r, f, p.action) !== 'no'));
  }

  /** The ports where a decision about `dst` can change: those its policies name, and its own. */
  private inboundPoints(dst: WorkloadEndpoint): readonly number[] {
    const hit = this.pointsCache.get(dst.id);
    if (hit) return hit;
    const set = new Set<number>(dst.ports.map((p) => p.port));
    for (const p of this.policiesFor(dst)) for (const n of p.points) set.add(n);
    for (const sv of this.services) if (typeof sv.target === 'number' && sv.namespace === dst.namespace && selects(sv.selector, dst.labels)) set.add(sv.target);
    for (const p of this.peerAuthn) {
      if (p.namespace === dst.namespace || p.namespace === this.root) for (const n of p.portLevel.keys()) set.add(n);
    }
    const out = [...set].sort((a, b) => a - b);
    this.pointsCache.set(dst.id, out);
    return out;
  }

  public addressBoundaries(): { readonly ingress: readonly (readonly [number, number])[]; readonly egress: readonly (readonly [number, number])[] } {
    return this.boundaries;
  }

  /**
   * Every allowed pair among the given endpoints, computed sparsely, with the same ports as
   * {@link allowedPorts}.
   *
   * Inbound (to a workload), destinations are grouped into classes (namespace, labels, mesh
   * membership, ports); sources into classes that Istio cannot tell apart (a mesh workload by
   * its principal, every workload without a sidecar together, each external range). The
   * policies of a destination class can only tell sources apart through their source
   * conditions (principals, namespaces, service accounts, trust domains, IP blocks): each
   * condition value is evaluated once per source class, and per destination class only the
   * source classes on which one of its conditions answers differently from most classes are
   * judged on their own; the others share one answer per kind of source. A destination
   * without a sidecar, or without policies, thus costs a few evaluations however many sources
   * there are.
   *
   * Outbound (to an external range), sources are grouped by mesh membership, namespace and
   * Sidecar, which is all the outbound traffic policy depends on.
   *
   * @param sources the sources
   * @param destinations the destinations
   * @param scope only these ports are asked about: every answer is intersected with it, and
   *   pairs with nothing in it are left out (Istio allows all of UDP and SCTP, so asking about
   *   TCP only keeps the answer sparse) @default PortSet.ALL
   */
  public allowedPairs(sources: readonly Endpoint[], destinations: readonly Endpoint[], scope: PortSet = PortSet.ALL): AllowedPair[] {
    const out: AllowedPair[] = [];
    const table = new PortSetTable();
    const everywhere = table.id(scope);
    const judge = (src: Endpoint, dst: Endpoint): number => table.meet(table.id(this.allowedPorts(src, dst)), everywhere);

    // source classes for inbound traffic: kind and the facts source conditions see
    const srcCls = endpointClasses(sources, [], (ep) => this.inboundSourceKey(ep));
    const C = srcCls.reps.length;
    const kinds: string[] = srcCls.reps.map((ep) => this.inboundSourceKey(ep).split('|', 1)[0]);
    const facts: Facts[] = srcCls.reps.map((ep, c) => ({
      principal: kinds[c] === 'm' && ep.type === 'workload' ? `${this.ctx.trustDomain}/ns/${ep.namespace}/sa/${ep.serviceAccount}` : undefined,
      source: this.sourceAddress(ep),
      port: 0,
      mode: 'tcp',
    }));
    // per source condition value: its answer per source class, the most common one, and the exceptions
    const CODE: Record<AtomResult, number> = { no: 0, yes: 1, some: 2, unknown: 3 };
    const atomTables = new Map<string, { codes: Uint8Array; common: number; odd: readonly number[] }>();
    const byPrincipal = new Map<string, number[]>();
    facts.forEach((f, c) => {
      if (f.principal !== undefined) byPrincipal.set(f.principal, [...(byPrincipal.get(f.principal) ?? []), c]);
    });
    const atomTable = (key: string): { codes: Uint8Array; common: number; odd: readonly number[] } => {
      let t = atomTables.get(key);
      const exact = /^p:([^*].*[^*]|[^*])$/.exec(key);
      if (!t && exact) {
        // an exact principal matches the classes of that principal only
        const codes = new Uint8Array(C);
        const odd = byPrincipal.get(exact[1]) ?? [];
        for (const c of odd) codes[c] = CODE.yes;
        t = { codes, common: CODE.no, odd };
        atomTables.set(key, t);
      }
      if (!t) {
        const atom = this.sourceAtomByKey.get(key);
        const codes = new Uint8Array(C);
        const counts = [0, 0, 0, 0];
        for (let c = 0; c < C; c++) {
          codes[c] = atom ? CODE[atom(facts[c])] : 0;
          counts[codes[c]]++;
        }
        const common = counts.indexOf(Math.max(...counts));
        const odd: number[] = [];
        for (let c = 0; c < C; c++) if (codes[c] !== common) odd.push(c);
        t = { codes, common, odd };
        atomTables.set(key, t);
      }
      return t;
    };
    const policyKeys = new Map<AuthzPolicy, readonly string[]>();
    const keysOf = (p: AuthzPolicy): readonly string[] => {
      let keys = policyKeys.get(p);
      if (!keys) {
        const set = new Set<string>();
        for (const r of p.rules) {
          for (const c of [...(r.from ?? []).flat(), ...(r.to ?? []).flat(), ...r.when]) {
            for (const a of [...c.values, ...c.notValues]) {
              const k = this.sourceAtomKeys.get(a);
              if (k !== undefined) set.add(k);
            }
          }
        }
        keys = [...set].sort();
        policyKeys.set(p, keys);
      }
      return keys;
    };

    // inbound: destination workload classes
    const dstCls = endpointClasses([], destinations, (ep) => this.inboundDestinationKey(ep));
    const KIND_INDEX: Record<string, number> = { m: 0, x: 1, e: 2 };
    const kindIndex = Uint8Array.from(kinds, (k) => KIND_INDEX[k]);
    const byKind: number[][] = [[], [], []];
    kindIndex.forEach((k, c) => byKind[k].push(c));
    const result = new Int32Array(C);
    const stamp = new Int32Array(C);
    const everything = srcCls.srcMembers.flat();
    dstCls.reps.forEach((dst, d) => {
      if (dst.type !== 'workload') return;
      const dstIdx = dstCls.dstMembers[d];
      if (!this.inMesh(dst)) {
        if (everywhere !== 0) emitPairs(out, everything, dstIdx, sources, destinations, table.set(everywhere));
        return;
      }
      // classes one of the destination's source conditions sets apart get their own answer
      const keys = [...new Set(this.policiesFor(dst).flatMap(keysOf))].sort();
      const tables = keys.map(atomTable);
      const bySig = new Map<string, number>();
      const special: number[] = [];
      for (const t of tables) {
        for (const c of t.odd) {
          if (stamp[c] === d + 1) continue;
          stamp[c] = d + 1;
          special.push(c);
          const sig = `${kinds[c]}|${tables.map((x) => x.codes[c]).join('')}`;
          let id = bySig.get(sig);
          if (id === undefined) {
            id = judge(srcCls.reps[c], dst);
            bySig.set(sig, id);
          }
          result[c] = id;
        }
      }
      // the others share one answer per kind of source, given by any of them
      const shared = byKind.map((list) => {
        const c = list.find((x) => stamp[x] !== d + 1);
        return c === undefined ? 0 : judge(srcCls.reps[c], dst);
      });
      if (shared.every((id) => id === 0)) {
        for (const c of special.sort((a, b) => a - b)) {
          if (result[c] !== 0) emitPairs(out, srcCls.srcMembers[c], dstIdx, sources, destinations, table.set(result[c]));
        }
        return;
      }
      for (let c = 0; c < C; c++) {
        const id = stamp[c] === d + 1 ? result[c] : shared[kindIndex[c]];
        if (id !== 0) emitPairs(out, srcCls.srcMembers[c], dstIdx, sources, destinations, table.set(id));
      }
    });

    // outbound: from workloads to external ranges
    const extDst = dstCls.reps.map((ep, d) => ({ ep, d })).filter((x) => x.ep.type === 'external');
    if (extDst.length > 0) {
      const outCls = endpointClasses(sources, [], (ep) => this.outboundSourceKey(ep));
      outCls.reps.forEach((src, g) => {
        if (src.type !== 'workload') return;
        for (const { ep, d } of extDst) {
          const id = judge(src, ep);
          if (id !== 0) emitPairs(out, outCls.srcMembers[g], dstCls.dstMembers[d], sources, destinations, table.set(id));
        }
      });
    }
    return out;
  }

  /** Sources the inbound decision cannot tell apart get the same key; its first field is the kind. */
  private inboundSourceKey(ep: Endpoint): string {
    if (ep.type === 'external') return `e|${ep.first}|${ep.last}`;
    // ipBlocks match pod addresses too: pods with different known addresses differ
    const addr = ep.addresses && this.namesAddresses ? ep.addresses.join(',') : '';
    return this.inMesh(ep) ? `m|${ep.namespace}|${ep.serviceAccount}|${addr}` : `x|${addr}`;
  }

  /** The source address Istio matches `ipBlocks` against: an external range, or a pod's address. */
  private sourceAddress(ep: Endpoint): SourceAddress {
    if (ep.type === 'external') return { kind: 'external', range: [ep.first, ep.last] };
    if (ep.addresses && ep.addresses.length > 0) return { kind: 'pod', ranges: ep.addresses.map((a) => [a, a] as const) };
    return this.ctx.podCidrs && this.ctx.podCidrs.length > 0 ? { kind: 'pod', ranges: this.ctx.podCidrs } : { kind: 'pod' };
  }

  /** Destination workloads with the same key get the same inbound decisions. */
  private inboundDestinationKey(ep: Endpoint): string {
    if (ep.type === 'external') return `e|${ep.first}|${ep.last}`;
    // A custom port protocol may look at anything: then every destination is its own class.
    const own = this.options.portProtocol ? `|${ep.id}` : '';
    return `w|${ep.namespace}|${labelsKey(ep.labels)}|${this.inMesh(ep)}|${containerPortsKey(ep.ports)}${own}`;
  }

  /** Sources with the same key get the same outbound decisions. */
  private outboundSourceKey(ep: Endpoint): string {
    if (ep.type === 'external') return `e|${ep.first}|${ep.last}`;
    return `w|${this.inMesh(ep)}|${ep.namespace}|${this.sidecarFor(ep)?.ref ?? ''}`;
  }

  // ------------------------------------------------------------------------------------------
  // Inbound: PeerAuthentication, then AuthorizationPolicy at the destination's sidecar

  private inbound(src: Endpoint, dst: WorkloadEndpoint, conn: Connection): LayerVerdict {
    if (!this.inMesh(dst)) {
      return verdict(true, false, [reason(DEFAULT, undefined, 'default-allow', `${dst.id} runs no Istio sidecar, so Istio enforces nothing for it`)]);
    }
    if (conn.protocol !== 'TCP') {
      return verdict(true, false, [reason(DEFAULT, undefined, 'default-allow', `Istio sidecars intercept TCP only; ${conn.protocol} traffic bypasses them`)]);
    }
    const mtls = this.mtlsMode(dst, conn.port);
    const plainWhy = conn.plaintext
      ? 'the connection is plaintext'
      : src.type === 'external'
        ? `the source ${src.id} is outside the mesh and sends plaintext`
        : !this.inMesh(src)
          ? `the source ${src.id} runs no sidecar and sends plaintext`
          : undefined;
    const prefix: Reason[] = [];
    if (mtls.mode === 'STRICT' && plainWhy !== undefined) {
      return verdict(false, false, [reason(mtls.ref ?? DEFAULT, mtls.field, 'deny', `mTLS mode STRICT for ${dst.id} port ${conn.port}: ${plainWhy}, so the sidecar refuses it`)]);
    }
    if (mtls.mode === 'DISABLE' && plainWhy === undefined) {
      prefix.push(reason(mtls.ref ?? DEFAULT, mtls.field, 'pass', 'mTLS mode DISABLE: the connection arrives without a peer identity, so principal and namespace conditions cannot match'));
    }
    const plaintext = plainWhy !== undefined || mtls.mode === 'DISABLE';
    const principal = plaintext || src.type !== 'workload' ? undefined : `${this.ctx.trustDomain}/ns/${src.namespace}/sa/${src.serviceAccount}`;
    const sel = this.portSelection(dst, conn.port);
    const base = { principal, source: this.sourceAddress(src), port: conn.port };
    // What the connection carries (Authorization for TCP traffic: a connection is HTTP or plain TCP).
    const application = conn.application ?? (conn.http || sel.kind === 'http' ? 'http' : 'tcp');
    const given = conn.application !== undefined ? `the connection is taken to carry ${application === 'any' ? 'whatever the port may carry' : application.toUpperCase()} (as asked)` : undefined;

    if (sel.kind === 'tcp') {
      // The sidecar runs the TCP filter chain on this port whatever the bytes are.
      if (conn.http || application !== 'tcp') {
        prefix.push(reason(DEFAULT, undefined, 'pass', `port ${conn.port} of ${dst.id} is a TCP port (${sel.why}), so the sidecar applies the TCP rules and sees no HTTP attributes`));
      }
      const d = this.decide(dst, { ...base, mode: 'tcp' });
      return verdict(d.allowed, false, [...prefix, ...d.reasons], { application: 'tcp', why: sel.why });
    }
    if (application === 'http') {
      const why = conn.http ? 'an HTTP request was given' : given ?? `no HTTP request was given, but ${sel.why}: judged for HTTP requests in general`;
      const d = this.decide(dst, { ...base, mode: 'http', ...(conn.http ? { request: conn.http } : {}) });
      return verdict(d.allowed, !conn.http && d.allowed && d.l7, [...prefix, ...d.reasons], { application: 'http', why });
    }
    if (application === 'tcp') {
      if (sel.kind === 'http') {
        return verdict(false, false, [...prefix, reason(DEFAULT, undefined, 'deny', `port ${conn.port} of ${dst.id} is HTTP (${sel.why}): the sidecar's HTTP filter chain does not accept a connection that is not HTTP`)], { application: 'tcp', why: given ?? sel.why });
      }
      const why = given ?? `no HTTP request was given and ${sel.why}: a connection that is not HTTP gets the TCP rules`;
      const d = this.decide(dst, { ...base, mode: 'tcp' });
      if (!d.allowed) {
        const http = this.decide(dst, { ...base, mode: 'http' });
        if (http.allowed) {
          prefix.push(reason(DEFAULT, undefined, 'pass', `as plain TCP the connection is denied; HTTP requests on this sniffed port could be allowed (${http.reasons[http.reasons.length - 1].policy}): give the request (--http-method, --http-path, --http-header) to decide one`));
        }
      }
      return verdict(d.allowed, false, [...prefix, ...d.reasons], { application: 'tcp', why });
    }
    // `any`: whatever the port may carry (the connectivity list's question).
    if (sel.kind === 'http') {
      const d = this.decide(dst, { ...base, mode: 'http' });
      return verdict(d.allowed, d.allowed && d.l7, [...prefix, ...d.reasons], { application: 'any', why: `${given}; ${sel.why}` });
    }
    // Protocol sniffing: raw TCP gets the TCP rules, HTTP the HTTP rules.
    const assumed = { application: 'any' as const, why: `${given}; ${sel.why}` };
    const tcp = this.decide(dst, { ...base, mode: 'tcp' });
    const http = this.decide(dst, { ...base, mode: 'http' });
    const allowed = tcp.allowed || http.allowed;
    const l7 = allowed && (!tcp.allowed || http.l7);
    if (tcp.allowed === http.allowed && !l7 && JSON.stringify(tcp.reasons) === JSON.stringify(http.reasons)) {
      return verdict(allowed, false, [...prefix, ...tcp.reasons], assumed);
    }
    const label = (p: string, rs: readonly Reason[]): Reason[] => rs.map((r) => ({ ...r, detail: `${p}: ${r.detail}` }));
    return verdict(allowed, l7, [...prefix, ...label('as raw TCP', tcp.reasons), ...label('as HTTP', http.reasons)], assumed);
  }

  /** CUSTOM, DENY, ALLOW for one filter chain. */
  private decide(dst: WorkloadEndpoint, f: Facts): Decision {
    const reasons: Reason[] = [];
    let partial = false;
    const policies = this.policiesFor(dst);
    for (const p of policies) {
      if (!p.dryRun && p.action !== 'AUDIT') continue;
      for (const r of p.rules) {
        const t = evalRule(r, f, p.action);
        if (t === 'no') continue;
        reasons.push(reason(p.ref, r.path, 'audit', p.dryRun
          ? `dry-run (istio.io/dry-run) ${p.action} policy ${t === 'yes' ? 'matches' : 'matches some requests'}; it is not enforced`
          : `AUDIT policy ${t === 'yes' ? 'matches' : 'matches some requests'}: they are marked for audit logging; AUDIT never decides`));
        break;
      }
    }
    for (const p of policies) {
      if (p.dryRun || p.action !== 'CUSTOM') continue;
      for (const r of p.rules) {
        const t = evalRule(r, f, p.action);
        if (t === 'no') continue;
        if (this.customAnswer === 'deny') {
          if (t === 'yes') {
            return { allowed: false, l7: false, reasons: [...reasons, reason(p.ref, r.path, 'deny', `CUSTOM policy delegates to extension provider "${p.provider}"; the analysis cannot run it and assumes it denies (option customAuthorizer)`)] };
          }
          partial = true;
        }
        reasons.push(reason(p.ref, r.path, 'pass', `CUSTOM policy delegates ${t === 'yes' ? 'the request' : 'some requests'} to extension provider "${p.provider}"; the analysis cannot run it and assumes it ${this.customAnswer}s (option customAuthorizer)`));
        break;
      }
    }
    for (const p of policies) {
      if (p.dryRun || p.action !== 'DENY') continue;
      for (const r of p.rules) {
        const t = evalRule(r, f, p.action);
        if (t === 'yes') {
          const tcpNote = f.mode === 'tcp' && r.httpOnlyFields.length > 0 ? ` (on TCP traffic its HTTP-only conditions ${r.httpOnlyFields.join(', ')} are ignored, which widens the rule)` : '';
          return { allowed: false, l7: false, reasons: [...reasons, reason(p.ref, r.path, 'deny', `DENY rule matches${tcpNote}`)] };
        }
        if (t === 'some') {
          partial = true;
          reasons.push(reason(p.ref, r.path, 'pass', 'DENY rule matches some HTTP requests only (its HTTP conditions); the others pass'));
        }
      }
    }
    const allows = policies.filter((p) => !p.dryRun && p.action === 'ALLOW');
    if (allows.length === 0) {
      return { allowed: true, l7: partial, reasons: [...reasons, reason(DEFAULT, undefined, 'default-allow', `no ALLOW policy applies to ${dst.id}`)] };
    }
    let some: Reason | undefined;
    for (const p of allows) {
      for (const r of p.rules) {
        const t = evalRule(r, f, p.action);
        if (t === 'yes') return { allowed: true, l7: partial, reasons: [...reasons, reason(p.ref, r.path, 'allow', 'ALLOW rule matches')] };
        if (t === 'some' && !some) some = reason(p.ref, r.path, 'allow', 'ALLOW rule matches only some HTTP requests (its HTTP conditions)');
      }
    }
    if (some) return { allowed: true, l7: true, reasons: [...reasons, some] };
    for (const p of allows) {
      let detail: string;
      if (p.rules.length === 0) {
        detail = `ALLOW policy without rules matches nothing, so it denies every request to the workloads it selects (${dst.id} among them)`;
      } else {
        detail = `ALLOW policy applies to ${dst.id} but none of its ${p.rules.length} rule${p.rules.length === 1 ? '' : 's'} matches`;
        const skipped = f.mode === 'tcp' ? p.rules.filter((r) => r.httpOnlyFields.length > 0) : [];
        if (skipped.length > 0) {
          detail += `; on TCP traffic a rule with HTTP-only fields matches nothing: ${skipped.map((r) => `${r.path} (${r.httpOnlyFields.join(', ')})`).join(', ')}`;
        }
        if (f.principal === undefined && usesIdentity(p)) detail += '; principal and namespace conditions need mutual TLS and this connection carries no peer identity';
      }
      reasons.push(reason(p.ref, undefined, 'default-deny', detail));
    }
    return { allowed: false, l7: false, reasons };
  }

  private policiesFor(dst: WorkloadEndpoint): readonly AuthzPolicy[] {
    const hit = this.policiesCache.get(dst.id);
    if (hit) return hit;
    const out = this.authz.filter((p) => !p.attached && (p.namespace === dst.namespace || p.namespace === this.root) && selects(p.selector, dst.labels));
    this.policiesCache.set(dst.id, out);
    return out;
  }

  private mtlsMode(dst: WorkloadEndpoint, port: number): { mode: MtlsMode; ref?: string; field?: string } {
    const mesh = this.peerAuthn.find((p) => p.namespace === this.root && !p.selector);
    const ns = this.peerAuthn.find((p) => p.namespace === dst.namespace && !p.selector);
    const wl = this.peerAuthn.find((p) => p.namespace === dst.namespace && p.selector !== undefined && selects(p.selector, dst.labels));
    let out: { mode: MtlsMode; ref?: string; field?: string } = { mode: 'PERMISSIVE' };
    for (const p of [mesh, ns, wl]) {
      if (p && p.mode !== 'UNSET') out = { mode: p.mode, ref: p.ref, field: 'spec.mtls.mode' };
    }
    const portMode = wl?.portLevel.get(port);
    if (wl && portMode !== undefined && portMode !== 'UNSET') out = { mode: portMode, ref: wl.ref, field: `spec.portLevelMtls.${port}.mode` };
    return out;
  }

  private portKind(dst: WorkloadEndpoint, port: number): IstioPortProtocol {
    return this.portSelection(dst, port).kind;
  }

  /**
   * Istio's protocol selection for a port of a destination: the Services of the input that
   * select the workload and target the port name its protocol (`appProtocol`, else the port
   * name `<protocol>[-<suffix>]`); without one, Istio sniffs the protocol.
   *
   * @see https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/
   */
  private portSelection(dst: WorkloadEndpoint, port: number): PortSelection {
    if (this.options.portProtocol) return { kind: this.options.portProtocol(dst, port), why: 'the portProtocol option' };
    const key = `${dst.id}|${port}`;
    const hit = this.selectionCache.get(key);
    if (hit) return hit;
    const hits = this.services.filter((s) => s.namespace === dst.namespace && selects(s.selector, dst.labels)
      && (typeof s.target === 'number' ? s.target === port : dst.ports.some((p) => p.name === s.target && p.port === port && p.protocol === 'TCP')));
    const declared = hits.filter((h) => h.protocol !== 'auto');
    let out: PortSelection;
    if (declared.length === 0) {
      out = {
        kind: 'auto',
        why: hits.length === 0
          ? `no Service in the input selects ${dst.id} on port ${port}, so Istio sniffs the protocol`
          : `${hits[0].ref} ${hits[0].field} declares no protocol (${hits[0].from}), so Istio sniffs it`,
      };
    } else {
      const first = declared[0];
      const other = declared.find((h) => h.protocol !== first.protocol);
      if (other) {
        this.warningSet.warn('BH-AN-ISTIO-PROTOCOL-CONFLICT', `${first.ref} ${first.field}`, `${first.ref} ${first.field} and ${other.ref} ${other.field} declare different protocols for port ${port} of ${dst.id}; the analysis follows ${first.ref}`, 'give every Service port that targets this pod port the same name prefix or appProtocol');
      }
      out = { kind: first.protocol, why: `${first.ref} ${first.field} declares ${first.protocol === 'http' ? 'HTTP' : 'TCP'} (${first.from}), by Istio's explicit protocol selection` };
    }
    this.selectionCache.set(key, out);
    return out;
  }

  private inMesh(ep: Endpoint): boolean {
    if (ep.type !== 'workload') return false;
    if (this.options.meshMember) return this.options.meshMember(ep);
    return ep.labels['sidecar.istio.io/inject'] !== 'false' && ep.namespaceLabels['istio-injection'] !== 'disabled';
  }

  // ------------------------------------------------------------------------------------------
  // Outbound: Sidecar outboundTrafficPolicy and ServiceEntry

  private outbound(src: WorkloadEndpoint, dst: Endpoint, conn: Connection): LayerVerdict {
    if (!this.inMesh(src)) return verdict(true, false, [reason(DEFAULT, undefined, 'default-allow', `${src.id} runs no Istio sidecar, so Istio enforces nothing for it`)]);
    if (conn.protocol !== 'TCP') return verdict(true, false, [reason(DEFAULT, undefined, 'default-allow', `Istio sidecars intercept TCP only; ${conn.protocol} traffic bypasses them`)]);
    const sidecar = this.sidecarFor(src);
    const fromSidecar = sidecar?.mode !== undefined;
    const mode = sidecar?.mode ?? this.outboundDefault;
    const policy = fromSidecar && sidecar ? sidecar.ref : DEFAULT;
    const field = fromSidecar ? 'spec.outboundTrafficPolicy.mode' : undefined;
    const origin = fromSidecar ? 'set by the Sidecar' : 'the mesh default';
    if (mode === 'ALLOW_ANY') {
      return verdict(true, false, [reason(policy, field, 'default-allow', `outbound traffic policy ALLOW_ANY (${origin}) lets ${src.id} reach addresses outside the registry`)]);
    }
    if (dst.type === 'external') {
      for (const se of this.serviceEntries) {
        if (!this.visible(se, src, sidecar)) continue;
        if (!se.ranges.some(([a, b]) => rangeWithin(dst.first, dst.last, a, b))) continue;
        const port = se.ports.find((p) => p.number === conn.port);
        if (!port) continue;
        return verdict(true, false, [reason(se.ref, `spec.ports[${port.index}]`, 'allow', `ServiceEntry covers ${dst.id} on TCP ${conn.port} (outbound traffic policy REGISTRY_ONLY, ${origin})`)]);
      }
    }
    return verdict(false, false, [reason(policy, field, 'default-deny', `outbound traffic policy REGISTRY_ONLY (${origin}): no ServiceEntry visible to ${src.id} covers ${dst.id} on TCP ${conn.port}`)]);
  }

  private sidecarFor(src: WorkloadEndpoint): SidecarCfg | undefined {
    return this.sidecars.find((s) => s.namespace === src.namespace && s.selector !== undefined && selects(s.selector, src.labels))
      ?? this.sidecars.find((s) => s.namespace === src.namespace && !s.selector)
      ?? this.sidecars.find((s) => s.namespace === this.root && !s.selector);
  }

  private visible(se: ServiceEntryCfg, src: WorkloadEndpoint, sidecar: SidecarCfg | undefined): boolean {
    const exportTo = se.exportTo ?? ['*'];
    const exported = exportTo.some((e) => e === '*' || e === src.namespace || (e === '.' && se.namespace === src.namespace));
    if (!exported) return false;
    if (!sidecar?.egressHosts) return true;
    return sidecar.egressHosts.some((h) => {
      const [ns, host] = h.split('/', 2);
      const nsOk = ns === '*' || ns === se.namespace || (ns === '.' && se.namespace === sidecar.namespace);
      if (!nsOk || host === undefined) return false;
      return se.hosts.some((sh) => host === '*' || sh.toLowerCase() === host.toLowerCase() || (host.startsWith('*.') && sh.toLowerCase().endsWith(host.slice(1).toLowerCase())));
    });
  }

  // ------------------------------------------------------------------------------------------
  // Reading

  private readAuthz(obj: Record<string, unknown>, meta: Meta): AuthzPolicy {
    const spec = optRecord(obj.spec, at(meta.ref, 'spec'), '{rules: [...]}') ?? {};
    checkKeys(spec, ['selector', 'targetRef', 'targetRefs', 'rules', 'action', 'provider'], meta.ref, 'spec');
    const actionRaw = spec.action ?? 'ALLOW';
    if (actionRaw !== 'ALLOW' && actionRaw !== 'DENY' && actionRaw !== 'AUDIT' && actionRaw !== 'CUSTOM') {
      inputError(at(meta.ref, 'spec.action'), 'is not an AuthorizationPolicy action', actionRaw, 'use ALLOW, DENY, AUDIT or CUSTOM');
    }
    const action: Action = actionRaw;
    let provider: string | undefined;
    if (action === 'CUSTOM') {
      const prov = optRecord(spec.provider, at(meta.ref, 'spec.provider'), '{name: my-ext-authz}');
      provider = optString(prov?.name, at(meta.ref, 'spec.provider.name'), 'my-ext-authz');
      if (!provider) inputError(at(meta.ref, 'spec.provider.name'), 'a CUSTOM policy needs the name of its extension provider', spec.provider, 'set spec.provider.name to a provider declared in MeshConfig extensionProviders');
    } else if (spec.provider !== undefined) {
      inputError(at(meta.ref, 'spec.provider'), 'provider is only valid with action CUSTOM', spec.provider, 'remove spec.provider, or set action: CUSTOM');
    }
    const selector = readWorkloadSelector(spec.selector, meta.ref, 'spec.selector', 'matchLabels');
    const hasTarget = spec.targetRef !== undefined || spec.targetRefs !== undefined;
    if (hasTarget && selector) inputError(at(meta.ref, 'spec.targetRef'), 'only one of selector, targetRef and targetRefs can be set', spec.targetRef ?? spec.targetRefs, 'keep either the selector or the targetRef(s)');
    const rulesRaw = optList(spec.rules, at(meta.ref, 'spec.rules'), '[{from: [...], to: [...]}]') ?? [];
    this.points = new Set<number>();
    const rules = rulesRaw.map((r, i) => this.readRule(r, meta, `spec.rules[${i}]`));
    const points = [...this.points].sort((a, b) => a - b);
    const dryRun = meta.annotations['istio.io/dry-run'] === 'true';
    if (hasTarget) {
      this.warningSet.warn('BH-AN-ISTIO-TARGET-REF', meta.ref, 'targetRef/targetRefs attach the policy to a gateway or waypoint, not to sidecars; the analysis of sidecars does not apply it', 'nothing to do for the workloads analysed; check gateway and waypoint policies separately', 'info');
    }
    return { ref: meta.ref, namespace: meta.namespace, name: meta.name, action, provider, selector, dryRun, attached: hasTarget, rules, points };
  }

  private readRule(raw: unknown, meta: Meta, path: string): Rule {
    const r = optRecord(raw, at(meta.ref, path), '{from: [...], to: [...], when: [...]}') ?? {};
    checkKeys(r, ['from', 'to', 'when'], meta.ref, path);
    const httpOnly: string[] = [];
    const note = (conds: readonly Cond[]): readonly Cond[] => {
      for (const c of conds) if (c.httpOnly) httpOnly.push(c.field);
      return conds;
    };
    const fromRaw = optList(r.from, at(meta.ref, `${path}.from`), '[{source: {principals: [...]}}]');
    const from = fromRaw && fromRaw.length > 0
      ? fromRaw.map((e, i) => {
        const fp = `${path}.from[${i}]`;
        const entry = optRecord(e, at(meta.ref, fp), '{source: {...}}') ?? {};
        checkKeys(entry, ['source'], meta.ref, fp);
        const s = optRecord(entry.source, at(meta.ref, `${fp}.source`), '{principals: [...]}');
        return note(s ? this.readSource(s, meta, `${fp}.source`) : []);
      })
      : undefined;
    const toRaw = optList(r.to, at(meta.ref, `${path}.to`), '[{operation: {ports: ["8080"]}}]');
    const to = toRaw && toRaw.length > 0
      ? toRaw.map((e, i) => {
        const tp = `${path}.to[${i}]`;
        const entry = optRecord(e, at(meta.ref, tp), '{operation: {...}}') ?? {};
        checkKeys(entry, ['operation'], meta.ref, tp);
        const o = optRecord(entry.operation, at(meta.ref, `${tp}.operation`), '{ports: ["8080"]}');
        return note(o ? this.readOperation(o, meta, `${tp}.operation`) : []);
      })
      : undefined;
    const whenRaw = optList(r.when, at(meta.ref, `${path}.when`), '[{key: source.ip, values: ["203.0.113.0/24"]}]') ?? [];
    const when = note(whenRaw.map((c, i) => this.readCondition(c, meta, `${path}.when[${i}]`)));
    return { path, from, to, when, httpOnlyFields: [...new Set(httpOnly)] };
  }

  private readSource(s: Record<string, unknown>, meta: Meta, path: string): Cond[] {
    const fields = ['principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals', 'namespaces', 'notNamespaces', 'ipBlocks', 'notIpBlocks',
      'remoteIpBlocks', 'notRemoteIpBlocks', 'serviceAccounts', 'notServiceAccounts', 'trustDomains', 'notTrustDomains'];
    checkKeys(s, fields, meta.ref, path);
    const out: Cond[] = [];
    const pair = (pos: string, neg: string, mk: (v: string, field: string) => Atom, httpOnly = false, identity = false): void => {
      const values = optStringList(s[pos], at(meta.ref, `${path}.${pos}`), '["value"]') ?? [];
      const notValues = optStringList(s[neg], at(meta.ref, `${path}.${neg}`), '["value"]') ?? [];
      if (values.length === 0 && notValues.length === 0) return;
      out.push({
        field: `${path}.${values.length > 0 ? pos : neg}`,
        httpOnly,
        identity,
        values: values.map((v, i) => mk(v, `${path}.${pos}[${i}]`)),
        notValues: notValues.map((v, i) => mk(v, `${path}.${neg}[${i}]`)),
      });
    };
    pair('principals', 'notPrincipals', (v) => this.principalAtom(v), false, true);
    pair('requestPrincipals', 'notRequestPrincipals', () => () => 'no', true);
    pair('namespaces', 'notNamespaces', (v) => this.sourceAtom(`n:${v}`, namespaceAtom(v)), false, true);
    pair('ipBlocks', 'notIpBlocks', (v, f) => this.ipAtom(v, meta, f));
    pair('remoteIpBlocks', 'notRemoteIpBlocks', (v, f) => this.ipAtom(v, meta, f));
    pair('serviceAccounts', 'notServiceAccounts', (v) => this.sourceAtom(`sa:${meta.namespace}:${v}`, serviceAccountAtom(v, meta.namespace)), false, true);
    pair('trustDomains', 'notTrustDomains', (v) => this.sourceAtom(`td:${v}`, trustDomainAtom(v)), false, true);
    return out;
  }

  private readOperation(o: Record<string, unknown>, meta: Meta, path: string): Cond[] {
    checkKeys(o, ['hosts', 'notHosts', 'ports', 'notPorts', 'methods', 'notMethods', 'paths', 'notPaths'], meta.ref, path);
    const out: Cond[] = [];
    const pair = (pos: string, neg: string, mk: (v: unknown, field: string) => Atom, httpOnly: boolean): void => {
      const values = optList(o[pos], at(meta.ref, `${path}.${pos}`), '["value"]') ?? [];
      const notValues = optList(o[neg], at(meta.ref, `${path}.${neg}`), '["value"]') ?? [];
      if (values.length === 0 && notValues.length === 0) return;
      out.push({
        field: `${path}.${values.length > 0 ? pos : neg}`,
        httpOnly,
        identity: false,
        values: values.map((v, i) => mk(v, `${path}.${pos}[${i}]`)),
        notValues: notValues.map((v, i) => mk(v, `${path}.${neg}[${i}]`)),
      });
    };
    const str = (v: unknown, f: string): string => (typeof v === 'string' ? v : inputError(at(meta.ref, f), 'must be a string', v, 'quote the value'));
    pair('ports', 'notPorts', (v, f) => this.portAtom(v, meta, f), false);
    pair('methods', 'notMethods', (v, f) => {
      const s = str(v, f);
      const m = istioMatcher(s);
      return httpAtom(s, (r) => r.method, (x) => matches(m, x));
    }, true);
    pair('paths', 'notPaths', (v, f) => {
      const s = str(v, f);
      return httpAtom(s, (r) => r.path, pathMatcher(s));
    }, true);
    pair('hosts', 'notHosts', (v, f) => {
      const s = str(v, f);
      const m = istioMatcher(s);
      return httpAtom(s, (r) => r.host, (x) => matches(m, x, true));
    }, true);
    return out;
  }

  private readCondition(raw: unknown, meta: Meta, path: string): Cond {
    const c = optRecord(raw, at(meta.ref, path), '{key: source.ip, values: ["203.0.113.0/24"]}') ?? {};
    checkKeys(c, ['key', 'values', 'notValues'], meta.ref, path);
    const key = optString(c.key, at(meta.ref, `${path}.key`), 'source.ip');
    if (!key) return inputError(at(meta.ref, `${path}.key`), 'a condition needs a key', c.key, 'set key to an Istio attribute such as source.ip or request.headers[x-user]');
    const values = optStringList(c.values, at(meta.ref, `${path}.values`), '["value"]') ?? [];
    const notValues = optStringList(c.notValues, at(meta.ref, `${path}.notValues`), '["value"]') ?? [];
    if (values.length === 0 && notValues.length === 0) {
      inputError(at(meta.ref, path), 'a condition needs values or notValues', raw, 'list at least one value in values or notValues');
    }
    let mk: (v: string, field: string) => Atom;
    let httpOnly = false;
    if (key === 'source.ip' || key === 'remote.ip') mk = (v, f) => this.ipAtom(v, meta, f);
    else if (key === 'source.namespace') mk = (v) => this.sourceAtom(`n:${v}`, namespaceAtom(v));
    else if (key === 'source.principal') mk = (v) => this.principalAtom(v);
    else if (key === 'destination.port') mk = (v, f) => this.portAtom(v, meta, f);
    else if (key === 'destination.ip') {
      mk = (v, f) => {
        cidrRange(v, at(meta.ref, f));
        return () => 'unknown';
      };
    } else if (key === 'connection.sni' || key.startsWith('experimental.envoy.filters.')) mk = () => () => 'unknown';
    else if (key === 'request.auth.principal' || key === 'request.auth.audiences' || key === 'request.auth.presenter' || /^request\.auth\.claims\[.+\]$/.test(key)) {
      httpOnly = true;
      mk = () => () => 'no';
    } else {
      const header = /^request\.headers\[(.+)\]$/.exec(key);
      if (!header) {
        return inputError(at(meta.ref, `${path}.key`), 'is not an attribute Istio supports in conditions', key,
          'use one of source.ip, remote.ip, source.namespace, source.principal, request.headers[<name>], request.auth.principal, request.auth.audiences, request.auth.presenter, request.auth.claims[<name>], destination.ip, destination.port, connection.sni');
      }
      httpOnly = true;
      const name = header[1].toLowerCase();
      mk = (v) => {
        const m = istioMatcher(v);
        const get = (r: NonNullable<Facts['request']>): string | undefined => (name === ':method' ? r.method : name === ':path' ? r.path : name === ':authority' || name === 'host' ? r.host : r.headers?.[name]);
        return (f) => (f.request ? (matches(m, get(f.request)) ? 'yes' : 'no') : 'some');
      };
    }
    return {
      field: `${path}`,
      httpOnly,
      identity: key === 'source.namespace' || key === 'source.principal',
      values: values.map((v, i) => mk(v, `${path}.values[${i}]`)),
      notValues: notValues.map((v, i) => mk(v, `${path}.notValues[${i}]`)),
    };
  }

  private principalAtom(v: string): Atom {
    // istiod's trust-domain migration: "cluster.local" in a policy names the local trust domain.
    const parts = v.split('/');
    const value = parts.length === 5 && parts[0] === 'cluster.local' ? [this.ctx.trustDomain, ...parts.slice(1)].join('/') : v;
    const m = istioMatcher(value);
    return this.sourceAtom(`p:${value}`, (f) => (f.principal !== undefined && matches(m, f.principal) ? 'yes' : 'no'));
  }

  /**
   * `ipBlocks`, `remoteIpBlocks`, `source.ip`, `remote.ip`: Istio matches them on the source
   * address of the connection, pods included. A pod's address is its known one, else
   * somewhere in the pod CIDRs, else anywhere (IPv4): a range that may or may not hold it
   * is unknown (resolved to the safe side by the caller). An IPv6 block never matches IPv4.
   */
  private ipAtom(v: string, meta: Meta, field: string): Atom {
    const r = cidrRange(v, at(meta.ref, field));
    if (r !== 'ipv6') this.ingressRanges.push(r);
    if (r !== 'ipv6' && !(r[0] === ALL_IPV4_RANGE[0] && r[1] === ALL_IPV4_RANGE[1])) {
      this.namesAddresses = true;
      this.addressRules.add(`${meta.ref}, ${field}`);
    }
    return this.sourceAtom(`ip:${r === 'ipv6' ? r : `${r[0]}-${r[1]}`}`, (f) => {
      if (r === 'ipv6') return 'no';
      const ranges = f.source.kind === 'external' ? [f.source.range] : f.source.ranges ?? [ALL_IPV4_RANGE];
      if (ranges.every(([a, b]) => rangeWithin(a, b, r[0], r[1]))) return 'yes';
      return ranges.some(([a, b]) => rangesOverlap(a, b, r[0], r[1])) ? 'unknown' : 'no';
    });
  }

  /**
   * Registers an atom that depends on the source of the connection (its peer identity or
   * its address) under a key: atoms with the same key give the same answers. Every other
   * atom depends only on the port and the HTTP request.
   */
  private sourceAtom(key: string, atom: Atom): Atom {
    const known = this.sourceAtomByKey.get(key);
    if (known) return known;
    this.sourceAtomByKey.set(key, atom);
    this.sourceAtomKeys.set(atom, key);
    return atom;
  }

  private portAtom(v: unknown, meta: Meta, field: string): Atom {
    const n = portNumber(v, at(meta.ref, field));
    this.points.add(n);
    return (f) => (f.port === n ? 'yes' : 'no');
  }

  private readServiceEntry(obj: Record<string, unknown>, meta: Meta): ServiceEntryCfg {
    const spec = optRecord(obj.spec, at(meta.ref, 'spec'), '{hosts: [api.example.com], ports: [...]}') ?? {};
    const hosts = optStringList(spec.hosts, at(meta.ref, 'spec.hosts'), '["api.example.com"]') ?? [];
    if (hosts.length === 0) inputError(at(meta.ref, 'spec.hosts'), 'a ServiceEntry needs at least one host', spec.hosts, 'list the host names it stands for, such as [api.example.com]');
    const ranges: (readonly [number, number])[] = [];
    (optStringList(spec.addresses, at(meta.ref, 'spec.addresses'), '["203.0.113.0/24"]') ?? []).forEach((a, i) => {
      const r = cidrRange(a, at(meta.ref, `spec.addresses[${i}]`));
      if (r !== 'ipv6') ranges.push(r);
    });
    (optList(spec.endpoints, at(meta.ref, 'spec.endpoints'), '[{address: 203.0.113.10}]') ?? []).forEach((e, i) => {
      const ep = optRecord(e, at(meta.ref, `spec.endpoints[${i}]`), '{address: 203.0.113.10}') ?? {};
      const addr = optString(ep.address, at(meta.ref, `spec.endpoints[${i}].address`), '203.0.113.10');
      if (addr && /^[0-9.]+$/.test(addr)) {
        const r = cidrRange(addr, at(meta.ref, `spec.endpoints[${i}].address`));
        if (r !== 'ipv6') ranges.push(r);
      }
    });
    const resolved = normalizeResolve(this.ctx.resolve);
    for (const h of hosts) {
      const host = h.toLowerCase().replace(/\.$/, '');
      const names = host.startsWith('*.') ? [...resolved.keys()].filter((n) => n.endsWith(host.slice(1))) : resolved.has(host) ? [host] : [];
      for (const n of names) {
        for (const ip of resolved.get(n) ?? []) {
          const r = cidrRange(ip, at(meta.ref, `resolve[${n}]`));
          if (r !== 'ipv6') ranges.push(r);
        }
      }
    }
    const ports = (optList(spec.ports, at(meta.ref, 'spec.ports'), '[{number: 443, name: https, protocol: TLS}]') ?? []).map((p, i) => {
      const port = optRecord(p, at(meta.ref, `spec.ports[${i}]`), '{number: 443, name: https, protocol: TLS}') ?? {};
      const protocol = optString(port.protocol, at(meta.ref, `spec.ports[${i}].protocol`), 'TLS');
      if (protocol && protocol.toUpperCase() === 'UDP') inputError(at(meta.ref, `spec.ports[${i}].protocol`), 'UDP is not a ServiceEntry port protocol', protocol, 'use HTTP, HTTPS, GRPC, HTTP2, MONGO, TCP or TLS');
      return { number: portNumber(port.number, at(meta.ref, `spec.ports[${i}].number`)), index: i };
    });
    const exportTo = optStringList(spec.exportTo, at(meta.ref, 'spec.exportTo'), '["."]');
    return { ref: meta.ref, namespace: meta.namespace, hosts, ranges, ports, exportTo };
  }
}

// ---------------------------------------------------------------------------------------------
// Rule evaluation

function evalCond(c: Cond, f: Facts, wantMatch: boolean): Tri {
  const resolve = (x: AtomResult, want: boolean): Tri => (x === 'unknown' ? (want ? 'yes' : 'no') : x);
  const pos = c.values.length > 0 ? triOr(c.values.map((a) => resolve(a(f), wantMatch))) : 'yes';
  const neg = c.notValues.length > 0 ? triNot(triOr(c.notValues.map((a) => resolve(a(f), !wantMatch)))) : 'yes';
  return triAnd([pos, neg]);
}

/**
 * Whether a rule matches. On the TCP filter chain an ALLOW rule with HTTP-only fields is
 * skipped, and the HTTP-only conditions of other actions are dropped (istiod `checkError`).
 */
function evalRule(r: Rule, f: Facts, action: Action): Tri {
  const wantMatch = action !== 'ALLOW';
  if (f.mode === 'tcp' && action === 'ALLOW' && r.httpOnlyFields.length > 0) return 'no';
  const keep = (c: Cond): boolean => !(f.mode === 'tcp' && c.httpOnly);
  const all = (conds: readonly Cond[]): Tri => triAnd(conds.filter(keep).map((c) => evalCond(c, f, wantMatch)));
  const from = r.from ? triOr(r.from.map(all)) : 'yes';
  if (from === 'no') return 'no';
  const to = r.to ? triOr(r.to.map(all)) : 'yes';
  if (to === 'no') return 'no';
  return triAnd([from, to, all(r.when)]);
}

function usesIdentity(p: AuthzPolicy): boolean {
  return p.rules.some((r) => [...(r.from ?? []).flat(), ...r.when].some((c) => c.identity));
}

function namespaceAtom(v: string): Atom {
  // istiod: regex `.*/ns/<value with * as .*>/.*` on the peer principal.
  const re = new RegExp(`^.*/ns/${v.split('*').map(escapeRegex).join('.*')}/.*$`);
  return (f) => (f.principal !== undefined && re.test(f.principal) ? 'yes' : 'no');
}

function serviceAccountAtom(v: string, policyNamespace: string): Atom {
  const slash = v.indexOf('/');
  const ns = slash >= 0 ? v.slice(0, slash) : policyNamespace;
  const sa = slash >= 0 ? v.slice(slash + 1) : v;
  const re = new RegExp(`^spiffe://.+/ns/${escapeRegex(ns)}/(.+/|)sa/${escapeRegex(sa)}(/.+)?$`);
  return (f) => (f.principal !== undefined && re.test(`spiffe://${f.principal}`) ? 'yes' : 'no');
}

function trustDomainAtom(v: string): Atom {
  const m = istioMatcher(v);
  return (f) => (f.principal !== undefined && matches(m, f.principal.split('/')[0]) ? 'yes' : 'no');
}

function selects(selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!selector) return true;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function verdict(allowed: boolean, l7: boolean, reasons: readonly Reason[], assumed?: LayerVerdict['assumed']): LayerVerdict {
  return { layer: 'istio', allowed, reasons, ...(l7 ? { l7Restricted: true } : {}), ...(assumed ? { assumed } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Reading helpers

interface Meta {
  readonly ref: string;
  readonly namespace: string;
  readonly name: string;
  readonly created: string;
  readonly annotations: Readonly<Record<string, string>>;
}

function readMeta(obj: Record<string, unknown>): Meta {
  const kind = String(obj.kind);
  const m = isRecord(obj.metadata) ? obj.metadata : {};
  const name = typeof m.name === 'string' ? m.name : undefined;
  const namespace = typeof m.namespace === 'string' && m.namespace !== '' ? m.namespace : 'default';
  if (!name) inputError({ object: `${kind} ${namespace}/?`, field: 'metadata.name' }, 'the object has no name', m.name, 'set metadata.name');
  const ref = `${kind} ${namespace}/${name}`;
  const annotations: Record<string, string> = {};
  if (isRecord(m.annotations)) for (const [k, v] of Object.entries(m.annotations)) if (typeof v === 'string') annotations[k] = v;
  const created = typeof m.creationTimestamp === 'string' ? m.creationTimestamp : '';
  return { ref, namespace, name, created, annotations };
}

function checkKeys(o: Record<string, unknown>, allowed: readonly string[], ref: string, path: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) {
      inputError(at(ref, path ? `${path}.${k}` : k), 'is not a field Istio knows here; a misspelt field would silently widen or narrow the policy', k, `use one of ${allowed.join(', ')}`);
    }
  }
}

function readWorkloadSelector(v: unknown, ref: string, path: string, key: 'matchLabels' | 'labels'): Readonly<Record<string, string>> | undefined {
  const sel = optRecord(v, at(ref, path), `{${key}: {app: web}}`);
  if (!sel) return undefined;
  checkKeys(sel, [key], ref, path);
  const labels = optRecord(sel[key], at(ref, `${path}.${key}`), '{app: web}');
  if (!labels) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(labels)) {
    if (typeof val !== 'string') inputError(at(ref, `${path}.${key}.${k}`), 'a label value must be a string', val, `quote it: ${k}: "${String(val)}"`);
    out[k] = val;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function readMode(v: unknown, ref: string, path: string): MtlsMode {
  if (v === undefined || v === null) return 'UNSET';
  if (v !== 'UNSET' && v !== 'DISABLE' && v !== 'PERMISSIVE' && v !== 'STRICT') {
    return inputError(at(ref, path), 'is not an mTLS mode', v, 'use STRICT, PERMISSIVE, DISABLE or UNSET');
  }
  return v;
}

function readPeerAuthn(obj: Record<string, unknown>, meta: Meta): PeerAuthn {
  const spec = optRecord(obj.spec, at(meta.ref, 'spec'), '{mtls: {mode: STRICT}}') ?? {};
  checkKeys(spec, ['selector', 'mtls', 'portLevelMtls', 'portLevelTls'], meta.ref, 'spec');
  const selector = readWorkloadSelector(spec.selector, meta.ref, 'spec.selector', 'matchLabels');
  const mtls = optRecord(spec.mtls, at(meta.ref, 'spec.mtls'), '{mode: STRICT}');
  const mode = readMode(mtls?.mode, meta.ref, 'spec.mtls.mode');
  const portLevel = new Map<number, MtlsMode>();
  const pl = optRecord(spec.portLevelMtls, at(meta.ref, 'spec.portLevelMtls'), '{8080: {mode: DISABLE}}');
  if (pl) {
    if (!selector) inputError(at(meta.ref, 'spec.portLevelMtls'), 'portLevelMtls requires a workload selector', pl, 'add spec.selector.matchLabels, or move the port settings to a workload-specific PeerAuthentication');
    for (const [k, v] of Object.entries(pl)) {
      const port = portNumber(k, at(meta.ref, `spec.portLevelMtls.${k}`));
      const entry = optRecord(v, at(meta.ref, `spec.portLevelMtls.${k}`), '{mode: DISABLE}');
      portLevel.set(port, readMode(entry?.mode, meta.ref, `spec.portLevelMtls.${k}.mode`));
    }
  }
  return { ref: meta.ref, namespace: meta.namespace, name: meta.name, created: meta.created, selector, mode, portLevel };
}

function readSidecar(obj: Record<string, unknown>, meta: Meta): SidecarCfg {
  const spec = optRecord(obj.spec, at(meta.ref, 'spec'), '{outboundTrafficPolicy: {mode: REGISTRY_ONLY}}') ?? {};
  const selector = readWorkloadSelector(spec.workloadSelector, meta.ref, 'spec.workloadSelector', 'labels');
  const otp = optRecord(spec.outboundTrafficPolicy, at(meta.ref, 'spec.outboundTrafficPolicy'), '{mode: REGISTRY_ONLY}');
  const modeRaw = otp?.mode;
  if (modeRaw !== undefined && modeRaw !== 'ALLOW_ANY' && modeRaw !== 'REGISTRY_ONLY') {
    inputError(at(meta.ref, 'spec.outboundTrafficPolicy.mode'), 'is not an outbound traffic policy mode', modeRaw, 'use REGISTRY_ONLY or ALLOW_ANY');
  }
  const egress = optList(spec.egress, at(meta.ref, 'spec.egress'), '[{hosts: ["./*", "istio-system/*"]}]');
  let egressHosts: string[] | undefined;
  if (egress && egress.length > 0) {
    egressHosts = [];
    egress.forEach((e, i) => {
      const l = optRecord(e, at(meta.ref, `spec.egress[${i}]`), '{hosts: ["./*"]}') ?? {};
      const hosts = optStringList(l.hosts, at(meta.ref, `spec.egress[${i}].hosts`), '["./*"]') ?? [];
      hosts.forEach((h, j) => {
        if (!h.includes('/')) inputError(at(meta.ref, `spec.egress[${i}].hosts[${j}]`), 'must be written namespace/dnsName', h, `write "*/${h}" or "./${h}"`);
      });
      egressHosts?.push(...hosts);
    });
  }
  return { ref: meta.ref, namespace: meta.namespace, name: meta.name, created: meta.created, selector, mode: modeRaw as IstioOutboundMode | undefined, egressHosts };
}

function normalizeResolve(resolve: Readonly<Record<string, readonly string[]>>): Map<string, readonly string[]> {
  const out = new Map<string, readonly string[]>();
  for (const [k, v] of Object.entries(resolve)) out.set(k.toLowerCase().replace(/\.$/, ''), v);
  return out;
}
