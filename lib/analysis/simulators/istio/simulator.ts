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
 *   and waypoints, not to sidecars: only ambient waypoints apply them (below); one naming
 *   another gateway is ignored and listed in {@link IstioSimulator.warnings}.
 * - Ambient mode (`./waypoint.ts`): a workload whose pod or namespace label
 *   `istio.io/dataplane-mode` is `ambient` has no sidecar; its ztunnel enforces the policies
 *   that select it on L4 attributes only, as the TCP filter chain does (an ALLOW rule with an
 *   HTTP field matches nothing, so an L7 rule bound by selector cuts the destination off; the
 *   HTTP conditions of DENY rules are dropped), and PeerAuthentication STRICT refuses plaintext.
 *   Where a waypoint serves the destination (`istio.io/use-waypoint` on a Service of it or on
 *   its namespace, naming a Gateway of class `istio-waypoint` in the input, for service
 *   traffic), a mesh source's traffic addressed to the Service goes through the waypoint,
 *   which applies the policies attached to the Service or to itself with the HTTP attributes
 *   the port's protocol gives (none attached: allowed), and then reaches the destination's
 *   ztunnel with the waypoint's identity (`<trust domain>/ns/<ns>/sa/<gateway name>`). The
 *   source may also address the pod directly, past the waypoint: a connection is allowed when
 *   either path allows it. ztunnel captures TCP only and does not restrict outbound traffic.
 *   The mode is read from the input (Namespace and Service labels, waypoint Gateways), as
 *   Istio reads it; verify adds the labels and Services an ambient cluster's output relies on
 *   when the user's own are not given.
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
 * @see https://istio.io/latest/docs/ambient/usage/l4-policy/
 * @see https://istio.io/latest/docs/ambient/usage/waypoint/
 */
import { Problem } from '../../../core/errors';
import { ProblemSet, inputError } from '../../errors';
import { L4Protocol, L4_PROTOCOLS, PortSet } from '../../portset';
import { isRecord } from '../../selector';
import { AllowedPair, AnalysisContext, CandidatePairs, Connection, Endpoint, LayerSimulator, LayerVerdict, Reason, SourceRef, WorkloadEndpoint } from '../../types';
import {
  PortSetTable, at, cmpStr, containerPortsKey, emitPairs, endpointClasses, labelsKey, portSetFromDecisions, reason, sortRanges, withSource,
} from '../common';
import { Atom, AtomResult, AtomTable, AuthorizationPolicyKind, Cond, Facts, SourceAddress, evalRule, usesIdentity } from './authz';
import { EnforcedPolicies, InboundInfo, InboundPortSets, NamespaceIndex, SourceFacts, allowedWith, enforcedOf, slotsOf, tcpRanges } from './bulk';
import { decodeAuthorizationPolicy } from './decode/authz';
import { decodePeerAuthentication } from './decode/peerauthn';
import { decodeServicePorts } from './decode/service';
import { decodeServiceEntry } from './decode/serviceentry';
import { readMeta } from './decode/shared';
import { decodeSidecar } from './decode/sidecar';
import { DecodedPeerAuthentication, DecodedServiceEntry, DecodedSidecar, OutboundMode, PortProtocol, ServicePort, selects } from './model';
import { MtlsDecision, MtlsLevels, mtlsLevelsOf, mtlsModeAt } from './peerauthn';
import { serviceEntryCovers, serviceEntryVisible } from './serviceentry';
import { sidecarOf } from './sidecar';
import { AmbientService, isAmbient, readAmbientService, readWaypoint, servicesOf, Waypoint, WaypointResolution, waypointOf } from './waypoint';

/**
 * How the port of a destination workload is treated by its sidecar: `http` (HTTP filter
 * chain), `tcp` (TCP filter chain) or `auto` (protocol sniffing).
 *
 * @see https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/
 */
export type IstioPortProtocol = PortProtocol;

/**
 * The outbound traffic policy of a sidecar.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/sidecar/#OutboundTrafficPolicy-Mode
 */
export type IstioOutboundMode = OutboundMode;

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
   * @param candidates only these pairs are asked about @default - every pair
   */
  allowedPairs(sources: readonly Endpoint[], destinations: readonly Endpoint[], scope?: PortSet, candidates?: CandidatePairs): readonly AllowedPair[];
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

/** Every TCP port. */
const TCP_PORTS = PortSet.allOf('TCP');

class IstioLayer implements IstioSimulator {
  public readonly layer = 'istio' as const;
  public readonly present: boolean;
  public readonly warnings: readonly Problem[];

  private readonly root: string;
  private readonly outboundDefault: IstioOutboundMode;
  private readonly customAnswer: 'allow' | 'deny';
  private readonly authz: readonly AuthorizationPolicyKind[];
  private readonly peerAuthn: readonly DecodedPeerAuthentication[];
  private readonly sidecars: readonly DecodedSidecar[];
  private readonly serviceEntries: readonly DecodedServiceEntry[];
  private readonly outboundPoints: readonly number[];
  /** The policies bound by selector (not attached to a gateway or waypoint), by namespace. */
  private readonly authzByNs: NamespaceIndex<AuthorizationPolicyKind>;
  /** The policies attached to gateways or waypoints (`targetRef` / `targetRefs`). */
  private readonly attachedAuthz: readonly AuthorizationPolicyKind[];
  private readonly peerAuthnByNs: NamespaceIndex<DecodedPeerAuthentication>;
  private readonly sidecarsByNs: NamespaceIndex<DecodedSidecar>;
  private servicesByNs: NamespaceIndex<ServicePort> = new NamespaceIndex([], () => '');
  private ambientServicesByNs: NamespaceIndex<AmbientService> = new NamespaceIndex([], () => '');
  private readonly pointsCache = new Map<string, readonly number[]>();
  private readonly inboundCache = new Map<string, InboundInfo>();
  private readonly keysCache = new Map<AuthorizationPolicyKind, readonly string[]>();
  private readonly inboundSets = new InboundPortSets();
  private readonly boundaries: { readonly ingress: readonly (readonly [number, number])[]; readonly egress: readonly (readonly [number, number])[] };
  private readonly policiesCache = new Map<string, readonly AuthorizationPolicyKind[]>();
  private readonly warningSet = new ProblemSet();
  private readonly services: ServicePort[] = [];
  /** Ambient mode: the Services (names, labels) and waypoint Gateways of the input. */
  private readonly ambientServices: AmbientService[] = [];
  private readonly waypoints: Waypoint[] = [];
  private readonly waypointCache = new Map<string, WaypointResolution>();
  private readonly selectionCache = new Map<string, PortSelection>();
  private readonly mtlsCache = new Map<string, MtlsLevels>();
  private readonly enforcedCache = new Map<string, EnforcedPolicies>();
  /** Compiled condition values, and the source addresses the rules name. */
  private readonly atoms: AtomTable;

  constructor(objects: readonly unknown[], private readonly ctx: AnalysisContext, private readonly options: IstioSimulatorOptions) {
    this.root = options.rootNamespace ?? 'istio-system';
    this.outboundDefault = options.outboundTrafficPolicy ?? 'ALLOW_ANY';
    this.customAnswer = options.customAuthorizer ?? 'allow';
    this.atoms = new AtomTable(ctx.trustDomain);
    const authz: AuthorizationPolicyKind[] = [];
    const pa: DecodedPeerAuthentication[] = [];
    const sc: DecodedSidecar[] = [];
    const se: DecodedServiceEntry[] = [];
    let present = false;
    for (const obj of objects) {
      if (!isRecord(obj) || typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') continue;
      if (obj.apiVersion === 'v1' && obj.kind === 'Service') {
        this.services.push(...decodeServicePorts(obj));
        const svc = readAmbientService(obj);
        if (svc) this.ambientServices.push(svc);
        continue;
      }
      const waypoint = readWaypoint(obj);
      if (waypoint) {
        this.waypoints.push(waypoint);
        present = true;
        continue;
      }
      present = withSource(obj, options.sourceOf, () => this.readObject(obj, authz, pa, sc, se)) || present;
    }
    const byRef = (a: { ref: string }, b: { ref: string }): number => cmpStr(a.ref, b.ref);
    const byAge = (a: { created: string; ref: string }, b: { created: string; ref: string }): number => cmpStr(a.created, b.created) || cmpStr(a.ref, b.ref);
    this.authz = authz.sort(byRef);
    this.peerAuthn = pa.sort(byAge);
    this.sidecars = sc.sort(byAge);
    this.authzByNs = new NamespaceIndex(this.authz.filter((p) => !p.attached), (p) => p.namespace);
    this.attachedAuthz = this.authz.filter((p) => p.attached);
    this.peerAuthnByNs = new NamespaceIndex(this.peerAuthn, (p) => p.namespace);
    this.sidecarsByNs = new NamespaceIndex(this.sidecars, (x) => x.namespace);
    this.serviceEntries = se.sort(byRef);
    this.outboundPoints = [...new Set(se.flatMap((s) => s.ports.map((p) => p.number)))].sort((a, b) => a - b);
    this.present = present;
    this.boundaries = {
      ingress: sortRanges(this.atoms.ingressRanges),
      egress: sortRanges(se.flatMap((s) => s.ranges)),
    };
    this.services.sort((a, b) => cmpStr(a.ref, b.ref) || cmpStr(a.field, b.field));
    this.servicesByNs = new NamespaceIndex(this.services, (x) => x.namespace);
    if (this.services.length > 0 && !options.portProtocol) {
      // every port a Service targets: its selection (and any conflict) is known up front
      for (const w of ctx.workloads) {
        for (const sv of this.servicesByNs.of(w.namespace)) {
          if (!selects(sv.selector, w.labels)) continue;
          const port = typeof sv.target === 'number' ? sv.target : w.ports.find((p) => p.name === sv.target && p.protocol === 'TCP')?.port;
          if (port !== undefined) this.portSelection(w, port);
        }
      }
    }
    if (this.atoms.namesAddresses && ctx.podCidrs === undefined && ctx.workloads.some((w) => w.addresses === undefined)) {
      this.warningSet.warn('BH-AN-ISTIO-POD-ADDRESS', [...this.atoms.addressRules].sort().slice(0, 3).join('; ') + (this.atoms.addressRules.size > 3 ? `; and ${this.atoms.addressRules.size - 3} more` : ''), 'ipBlocks / remoteIpBlocks / source.ip match the source address of pods too; pods without a known address (no Pod status in the input, no pod CIDRs given) may have any address, so such a rule is taken to match them for DENY and not to match them for ALLOW', 'add the Pods (with status.podIP) to the input, or analyse through verify, which passes the cluster\'s pod CIDRs');
    }
    this.ambientServices.sort((a, b) => cmpStr(a.ref, b.ref));
    this.ambientServicesByNs = new NamespaceIndex(this.ambientServices, (x) => x.namespace);
    this.waypoints.sort((a, b) => cmpStr(a.ref, b.ref));
    for (const p of this.authz) {
      const stray = p.gatewayRefs().filter((g) => !this.waypoints.some((w) => `${w.namespace}/${w.name}` === g));
      if (stray.length > 0) {
        this.warningSet.warn('BH-AN-ISTIO-TARGET-REF', p.ref, `targetRef/targetRefs attach the policy to a gateway or waypoint, not to sidecars; Gateway ${stray.join(', ')} is no waypoint (class istio-waypoint) of the input, so the analysis does not apply it`, 'nothing to do for the workloads analysed; check gateway policies separately', 'info');
      }
    }
    for (const w of ctx.workloads) {
      if (!this.ambient(w)) continue;
      const r = this.waypointFor(w);
      if (r.missing) this.warningSet.warn('BH-AN-ISTIO-WAYPOINT-MISSING', w.id, `${r.why}: the traffic addressed to its Services is judged as if no waypoint served it`, 'add the waypoint Gateway (gatewayClassName: istio-waypoint, listener mesh on 15008 HBONE) to the input, or remove the istio.io/use-waypoint label');
    }
    this.warnings = this.warningSet.list();
  }

  private readObject(obj: Record<string, unknown>, authz: AuthorizationPolicyKind[], pa: DecodedPeerAuthentication[], sc: DecodedSidecar[], se: DecodedServiceEntry[]): boolean {
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
      if (obj.kind === 'AuthorizationPolicy') authz.push(new AuthorizationPolicyKind(decodeAuthorizationPolicy(obj, meta, this.warningSet), this.atoms));
      else if (obj.kind === 'PeerAuthentication') pa.push(decodePeerAuthentication(obj, meta));
    } else if (group === 'networking.istio.io') {
      if (obj.kind !== 'ServiceEntry' && obj.kind !== 'Sidecar') return false;
      const meta = readMeta(obj);
      if (version !== 'v1' && version !== 'v1beta1' && version !== 'v1alpha3') {
        inputError(at(meta.ref, 'apiVersion'), 'is not a served version of networking.istio.io', obj.apiVersion, 'use networking.istio.io/v1 (or v1beta1, v1alpha3)');
      }
      present = true;
      if (obj.kind === 'Sidecar') sc.push(decodeSidecar(obj, meta));
      else se.push(decodeServiceEntry(obj, meta, this.ctx.resolve));
    }
    return present;
  }

  public explain(src: Endpoint, dst: Endpoint, conn: Connection): LayerVerdict {
    if (dst.type === 'workload') return this.inbound(src, dst, conn);
    if (src.type === 'workload') return this.outbound(src, dst, conn);
    return verdict(true, false, [reason(DEFAULT, undefined, 'default-allow', 'neither endpoint runs an Istio sidecar')]);
  }

  public allowedPorts(src: Endpoint, dst: Endpoint): PortSet {
    if (dst.type === 'workload' && !this.options.portProtocol) return this.inboundPorts(this.inboundInfo(dst), this.sourceFacts(src));
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
    if (this.ambient(dst)) return this.ambientInbound(src, dst, { protocol, port, application: 'any' }).allowed;
    if (!this.inMesh(dst) || protocol !== 'TCP') return true;
    const mode = this.mtlsMode(dst, port).mode;
    const plain = src.type === 'external' || !this.inMesh(src);
    if (mode === 'STRICT' && plain) return false;
    const principal = plain || mode === 'DISABLE' || src.type !== 'workload' ? undefined : `${src.trustDomain ?? this.ctx.trustDomain}/ns/${src.namespace}/sa/${src.serviceAccount}`;
    const base = { principal, source: this.sourceAddress(src), port };
    const kind = this.portKind(dst, port);
    const enforced = this.enforcedFor(dst);
    if (kind !== 'http' && allowedWith(enforced, { ...base, mode: 'tcp' }, this.customAnswer)) return true;
    return kind !== 'tcp' && allowedWith(enforced, { ...base, mode: 'http' }, this.customAnswer);
  }

  /** The enforced (not dry-run) CUSTOM, DENY and ALLOW policies of a destination, in order. */
  private enforcedFor(dst: WorkloadEndpoint): EnforcedPolicies {
    const hit = this.enforcedCache.get(dst.id);
    if (hit) return hit;
    const out = enforcedOf(this.policiesFor(dst));
    this.enforcedCache.set(dst.id, out);
    return out;
  }

  // ------------------------------------------------------------------------------------------
  // Inbound, judged per slot (see ./bulk.ts): the same decisions as inboundAllowed

  /** What a source shows the inbound decision (see {@link inboundAllowed} and {@link ambientInbound}). */
  private sourceFacts(ep: Endpoint): SourceFacts {
    const plain = ep.type === 'external' || !this.inMesh(ep);
    if (plain || ep.type !== 'workload') return { plain: true, source: this.sourceAddress(ep) };
    return { plain, principal: `${ep.trustDomain ?? this.ctx.trustDomain}/ns/${ep.namespace}/sa/${ep.serviceAccount}`, source: this.sourceAddress(ep) };
  }

  /** The inbound facts of a destination workload, computed once (without a custom port protocol). */
  private inboundInfo(dst: WorkloadEndpoint): InboundInfo {
    const hit = this.inboundCache.get(dst.id);
    if (hit) return hit;
    const kind = this.ambient(dst) ? 'ambient' : this.inMesh(dst) ? 'sidecar' : 'open';
    const enforced = this.enforcedFor(dst);
    let info: InboundInfo;
    if (kind === 'open') {
      info = { kind, slots: [], hasGap: false, mtls: [], proto: [], enforced, keys: [] };
    } else {
      const { slots, hasGap } = slotsOf(this.inboundPoints(dst));
      const resolution = kind === 'ambient' ? this.waypointFor(dst) : undefined;
      const wp = resolution?.waypoint;
      const attached = wp ? this.waypointPolicies(dst) : [];
      const keys = [...new Set([...this.policiesFor(dst), ...attached].flatMap((p) => this.keysOf(p)))].sort();
      info = {
        kind, slots, hasGap, enforced, keys,
        mtls: slots.map((port) => this.mtlsMode(dst, port).mode),
        proto: slots.map((port) => this.portKind(dst, port)),
        ...(wp ? { waypoint: { enforced: enforcedOf(attached), hop: slots.map(() => undefined), principal: `${this.ctx.trustDomain}/ns/${wp.namespace}/sa/${wp.name}` } } : {}),
      };
    }
    this.inboundCache.set(dst.id, info);
    return info;
  }

  /** The keys of the source conditions of a policy's rules (see {@link AtomTable.sourceAtomKeys}), sorted. */
  private keysOf(p: AuthorizationPolicyKind): readonly string[] {
    let keys = this.keysCache.get(p);
    if (!keys) {
      const set = new Set<string>();
      const atomKeys = this.atoms.sourceAtomKeys;
      const note = (atoms: readonly Atom[]): void => {
        for (const a of atoms) {
          const k = atomKeys.get(a);
          if (k !== undefined) set.add(k);
        }
      };
      const noteAll = (conds: readonly Cond[]): void => {
        for (const c of conds) {
          note(c.values);
          note(c.notValues);
        }
      };
      for (const r of p.rules) {
        for (const cs of r.from ?? []) noteAll(cs);
        for (const cs of r.to ?? []) noteAll(cs);
        noteAll(r.when);
      }
      keys = [...set].sort();
      this.keysCache.set(p, keys);
    }
    return keys;
  }

  /** The ports {@link inboundAllowed} allows from a source with these facts, judged once per slot. */
  private inboundPorts(info: InboundInfo, sf: SourceFacts): PortSet {
    if (info.kind === 'open') return PortSet.ALL;
    const allowed = info.slots.map((_, i) => this.slotAllowed(info, sf, i));
    return this.inboundSets.of(tcpRanges(info, allowed));
  }

  /**
   * Whether the destination admits a TCP connection from a source with these facts at the
   * port of a slot (application `any`): {@link inboundAllowed} for a sidecar, the allowed of
   * {@link ambientInbound} in ambient mode.
   */
  private slotAllowed(info: InboundInfo, sf: SourceFacts, slot: number): boolean {
    const port = info.slots[slot];
    const mtls = info.mtls[slot];
    if (mtls === 'STRICT' && sf.plain) return false;
    const proto = info.proto[slot];
    if (info.kind === 'sidecar') return this.chainAllowed(info.enforced, mtls === 'DISABLE' ? undefined : sf.principal, sf.source, port, proto);
    // ambient: addressed to the pod directly (the ztunnel, L4 only), else through the waypoint
    if (allowedWith(info.enforced, { principal: sf.principal, source: sf.source, port, mode: 'tcp' }, this.customAnswer)) return true;
    const w = info.waypoint;
    if (!w || sf.principal === undefined) return false;
    let hop = w.hop[slot];
    if (hop === undefined) {
      // the waypoint's own address is not known: it lies in the pod CIDRs (see ambientInbound)
      hop = allowedWith(info.enforced, { principal: w.principal, source: this.podSource(), port, mode: 'tcp' }, this.customAnswer);
      w.hop[slot] = hop;
    }
    return hop && this.chainAllowed(w.enforced, sf.principal, sf.source, port, proto);
  }

  /** Whether a sidecar (or waypoint) allows a connection on a port of this protocol: raw TCP on the TCP chain, HTTP on the HTTP chain, either when sniffed. */
  private chainAllowed(e: EnforcedPolicies, principal: string | undefined, source: SourceAddress, port: number, proto: IstioPortProtocol): boolean {
    if (proto !== 'http' && allowedWith(e, { principal, source, port, mode: 'tcp' }, this.customAnswer)) return true;
    return proto !== 'tcp' && allowedWith(e, { principal, source, port, mode: 'http' }, this.customAnswer);
  }

  /** The ports where a decision about `dst` can change: those its policies name, and its own. */
  private inboundPoints(dst: WorkloadEndpoint): readonly number[] {
    const hit = this.pointsCache.get(dst.id);
    if (hit) return hit;
    const set = new Set<number>(dst.ports.map((p) => p.port));
    for (const p of this.policiesFor(dst)) for (const n of p.points) set.add(n);
    if (this.ambient(dst)) for (const p of this.waypointPolicies(dst)) for (const n of p.points) set.add(n);
    for (const sv of this.servicesByNs.of(dst.namespace)) if (typeof sv.target === 'number' && selects(sv.selector, dst.labels)) set.add(sv.target);
    for (const p of this.peerAuthnByNs.of(dst.namespace, this.root)) for (const n of p.portLevel.keys()) set.add(n);
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
   * @param candidates only these pairs are asked about: the answers are the same, given per
   *   candidate pair, so the work grows with the candidates instead of the classes' members
   *   @default - every pair
   */
  public allowedPairs(sources: readonly Endpoint[], destinations: readonly Endpoint[], scope: PortSet = PortSet.ALL, candidates?: CandidatePairs): AllowedPair[] {
    const out: AllowedPair[] = [];
    this.bulk(sources, destinations, scope, candidates,
      (srcIdx, dstIdx, ports) => emitPairs(out, srcIdx, dstIdx, sources, destinations, ports),
      (i, j, ports) => out.push({ src: i, dst: j, ports }));
    return out;
  }

  /**
   * The bulk query: every allowed pair, given as blocks (every pair of the given sources and
   * destinations but an endpoint with itself, with the same ports) or, with candidates, as
   * single pairs (inbound; outbound answers are blocks).
   */
  private bulk(
    sources: readonly Endpoint[], destinations: readonly Endpoint[], scope: PortSet, candidates: CandidatePairs | undefined,
    block: (srcIdx: readonly number[], dstIdx: readonly number[], ports: PortSet) => void,
    pair: (src: number, dst: number, ports: PortSet) => void,
  ): void {
    const table = new PortSetTable();
    const ids = new Map<PortSet, number>();
    const idOf = (ps: PortSet): number => {
      let id = ids.get(ps);
      if (id === undefined) {
        id = table.id(ps);
        ids.set(ps, id);
      }
      return id;
    };
    const everywhere = table.id(scope);
    // a workload destination allows every UDP and SCTP port (Istio captures TCP only)
    const judgesTcp = !scope.intersect(TCP_PORTS).isEmpty();
    const custom = this.options.portProtocol !== undefined;

    // source classes for inbound traffic: kind (0 mesh workload, 1 workload without sidecar, 2 external) and the facts source conditions see
    const srcCls = endpointClasses(sources, [], (ep) => this.inboundSourceKey(ep));
    const C = srcCls.reps.length;
    const kindIndex = Uint8Array.from(srcCls.reps, (ep) => (ep.type === 'external' ? 2 : this.inMesh(ep) ? 0 : 1));
    const sourceFacts = srcCls.reps.map((ep) => this.sourceFacts(ep));
    const facts: Facts[] = sourceFacts.map((sf) => ({ principal: sf.principal, source: sf.source, port: 0, mode: 'tcp' }));
    const judge = (c: number, dst: WorkloadEndpoint, info: InboundInfo | undefined): number => {
      if (!judgesTcp) return everywhere;
      const ps = info ? this.inboundPorts(info, sourceFacts[c]) : this.allowedPorts(srcCls.reps[c], dst);
      return table.meet(idOf(ps), everywhere);
    };
    // per source condition value: its answer per source class, the most common one, and the exceptions
    const CODE: Record<AtomResult, number> = { no: 0, yes: 1, some: 2, unknown: 3 };
    /** Per key: the answer per class (`exact`: yes for the classes of that principal, no for the others), the most common one, and the exceptions. */
    type AtomAnswers = { readonly codes?: Uint8Array; readonly exact?: string; readonly common: number; readonly odd: readonly number[] };
    const atomTables = new Map<string, AtomAnswers>();
    const codeOf = (t: AtomAnswers, c: number): number => (t.codes ? t.codes[c] : facts[c].principal === t.exact ? CODE.yes : CODE.no);
    const byPrincipal = new Map<string, number[]>();
    facts.forEach((f, c) => {
      if (f.principal === undefined) return;
      const at = byPrincipal.get(f.principal);
      if (at) at.push(c);
      else byPrincipal.set(f.principal, [c]);
    });
    const atomTable = (key: string): AtomAnswers => {
      let t = atomTables.get(key);
      if (!t && key.startsWith('p:') && key.length > 2 && key[2] !== '*' && key[key.length - 1] !== '*') {
        // an exact principal matches the classes of that principal only
        const exact = key.slice(2);
        t = { exact, common: CODE.no, odd: byPrincipal.get(exact) ?? [] };
        atomTables.set(key, t);
      }
      if (!t) {
        const atom = this.atoms.sourceAtomByKey.get(key);
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

    // inbound: destination workload classes
    const dstCls = endpointClasses([], destinations, (ep) => this.inboundDestinationKey(ep));
    const byKind: number[][] = [[], [], []];
    kindIndex.forEach((k, c) => byKind[k].push(c));
    const result = new Int32Array(C);
    const stamp = new Int32Array(C);
    const everything = srcCls.srcMembers.flat();
    const srcClassOf = new Int32Array(sources.length);
    srcCls.srcMembers.forEach((members, c) => {
      for (const i of members) srcClassOf[i] = c;
    });
    // every pair of a source class with the destinations given, or only the candidate pairs among them
    const emitClasses = (dstIdx: readonly number[], idOf: (c: number) => number): void => {
      if (!candidates) {
        for (let c = 0; c < C; c++) {
          const id = idOf(c);
          if (id !== 0) block(srcCls.srcMembers[c], dstIdx, table.set(id));
        }
        return;
      }
      for (const j of dstIdx) {
        const did = destinations[j].id;
        for (const i of candidates.sourcesOf(j)) {
          if (sources[i].id === did) continue;
          const id = idOf(srcClassOf[i]);
          if (id !== 0) pair(i, j, table.set(id));
        }
      }
    };
    dstCls.reps.forEach((dst, d) => {
      if (dst.type !== 'workload') return;
      const dstIdx = dstCls.dstMembers[d];
      if (candidates && dstIdx.every((j) => candidates.sourcesOf(j).length === 0)) return;
      const info = custom ? undefined : this.inboundInfo(dst);
      if (info ? info.kind === 'open' : !this.ambient(dst) && !this.inMesh(dst)) {
        if (everywhere === 0) return;
        if (candidates) emitClasses(dstIdx, () => everywhere);
        else block(everything, dstIdx, table.set(everywhere));
        return;
      }
      // classes one of the destination's source conditions sets apart get their own answer
      const keys = info ? info.keys : [...new Set([...this.policiesFor(dst), ...(this.ambient(dst) ? this.waypointPolicies(dst) : [])].flatMap((p) => this.keysOf(p)))].sort();
      const tables = keys.map(atomTable);
      const bySig = new Map<string, number>();
      const special: number[] = [];
      for (const t of tables) {
        for (const c of t.odd) {
          if (stamp[c] === d + 1) continue;
          stamp[c] = d + 1;
          special.push(c);
          result[c] = -1;
        }
      }
      // judged when first asked: classes with the same answers to every condition share one judgement
      const specialId = (c: number): number => {
        if (result[c] < 0) {
          let sig = String(kindIndex[c]);
          for (const x of tables) sig += codeOf(x, c);
          let id = bySig.get(sig);
          if (id === undefined) {
            id = judge(c, dst, info);
            bySig.set(sig, id);
          }
          result[c] = id;
        }
        return result[c];
      };
      // the others share one answer per kind of source, given by any of them
      const shared = [-1, -1, -1];
      const sharedId = (k: number): number => {
        if (shared[k] < 0) {
          const c = byKind[k].find((x) => stamp[x] !== d + 1);
          shared[k] = c === undefined ? 0 : judge(c, dst, info);
        }
        return shared[k];
      };
      if (!candidates && [0, 1, 2].every((k) => sharedId(k) === 0)) {
        for (const c of special.sort((a, b) => a - b)) {
          const id = specialId(c);
          if (id !== 0) block(srcCls.srcMembers[c], dstIdx, table.set(id));
        }
        return;
      }
      emitClasses(dstIdx, (c) => (stamp[c] === d + 1 ? specialId(c) : sharedId(kindIndex[c])));
    });

    // outbound: from workloads to external ranges
    const extDst = dstCls.reps.map((ep, d) => ({ ep, d })).filter((x) => x.ep.type === 'external');
    if (extDst.length > 0) {
      const outCls = endpointClasses(sources, [], (ep) => this.outboundSourceKey(ep));
      if (candidates) {
        // per candidate pair, each class judged once per destination range when first asked
        const groupOf = new Int32Array(sources.length);
        outCls.srcMembers.forEach((members, g) => {
          for (const i of members) groupOf[i] = g;
        });
        const answer = new Int32Array(outCls.reps.length);
        for (const { ep, d } of extDst) {
          answer.fill(-1);
          for (const j of dstCls.dstMembers[d]) {
            for (const i of candidates.sourcesOf(j)) {
              const g = groupOf[i];
              const src = outCls.reps[g];
              if (src.type !== 'workload') continue;
              if (answer[g] < 0) answer[g] = table.meet(idOf(this.allowedPorts(src, ep)), everywhere);
              if (answer[g] !== 0) pair(i, j, table.set(answer[g]));
            }
          }
        }
        return;
      }
      outCls.reps.forEach((src, g) => {
        if (src.type !== 'workload') return;
        for (const { ep, d } of extDst) {
          const id = table.meet(idOf(this.allowedPorts(src, ep)), everywhere);
          if (id !== 0) block(outCls.srcMembers[g], dstCls.dstMembers[d], table.set(id));
        }
      });
    }
  }

  /** Sources the inbound decision cannot tell apart get the same key; its first field is the kind. */
  private inboundSourceKey(ep: Endpoint): string {
    if (ep.type === 'external') return `e|${ep.first}|${ep.last}`;
    // ipBlocks match pod addresses too: pods with different known addresses differ
    const addr = ep.addresses && this.atoms.namesAddresses ? ep.addresses.join(',') : '';
    return this.inMesh(ep) ? `m|${ep.trustDomain ?? ''}|${ep.namespace}|${ep.serviceAccount}|${addr}` : `x|${addr}`;
  }

  /** The source address of a pod whose address is not known: in the pod CIDRs, when they are known. */
  private podSource(): SourceAddress {
    return this.ctx.podCidrs && this.ctx.podCidrs.length > 0 ? { kind: 'pod', ranges: this.ctx.podCidrs } : { kind: 'pod' };
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
    return `w|${ep.namespace}|${labelsKey(ep.labels)}|${this.inMesh(ep)}|${this.ambient(ep)}|${containerPortsKey(ep.ports)}${own}`;
  }

  /** Sources with the same key get the same outbound decisions. */
  private outboundSourceKey(ep: Endpoint): string {
    if (ep.type === 'external') return `e|${ep.first}|${ep.last}`;
    return `w|${this.inMesh(ep)}|${this.ambient(ep)}|${ep.namespace}|${this.sidecarFor(ep)?.ref ?? ''}`;
  }

  // ------------------------------------------------------------------------------------------
  // Inbound: PeerAuthentication, then AuthorizationPolicy at the destination's sidecar

  private inbound(src: Endpoint, dst: WorkloadEndpoint, conn: Connection): LayerVerdict {
    if (this.ambient(dst)) return this.ambientInbound(src, dst, conn);
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
    const principal = plaintext || src.type !== 'workload' ? undefined : `${src.trustDomain ?? this.ctx.trustDomain}/ns/${src.namespace}/sa/${src.serviceAccount}`;
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

  /** CUSTOM, DENY, ALLOW for one filter chain, with the policies that apply to the destination's sidecar (or ztunnel). */
  private decide(dst: WorkloadEndpoint, f: Facts): Decision {
    return this.decideWith(this.policiesFor(dst), dst, f);
  }

  /** CUSTOM, DENY, ALLOW for one filter chain, with the given policies. */
  private decideWith(policies: readonly AuthorizationPolicyKind[], dst: WorkloadEndpoint, f: Facts): Decision {
    const reasons: Reason[] = [];
    let partial = false;
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

  private policiesFor(dst: WorkloadEndpoint): readonly AuthorizationPolicyKind[] {
    const hit = this.policiesCache.get(dst.id);
    if (hit) return hit;
    const out = this.authzByNs.of(dst.namespace, this.root).filter((p) => p.selects(dst, this.root));
    this.policiesCache.set(dst.id, out);
    return out;
  }

  private mtlsMode(dst: WorkloadEndpoint, port: number): MtlsDecision {
    let levels = this.mtlsCache.get(dst.id);
    if (!levels) {
      levels = mtlsLevelsOf(this.peerAuthnByNs.of(dst.namespace, this.root), this.root, dst);
      this.mtlsCache.set(dst.id, levels);
    }
    return mtlsModeAt(levels, port);
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
    const hits = this.servicesByNs.of(dst.namespace).filter((s) => selects(s.selector, dst.labels)
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
  // Ambient mode: ztunnel (L4, by selector) and waypoints (targetRefs)

  /** Whether ztunnel captures a workload: ambient mode (and in the mesh). */
  private ambient(ep: Endpoint): boolean {
    return ep.type === 'workload' && isAmbient(ep) && (!this.options.meshMember || this.options.meshMember(ep));
  }

  private waypointFor(dst: WorkloadEndpoint): WaypointResolution {
    const hit = this.waypointCache.get(dst.id);
    if (hit) return hit;
    const r = waypointOf(this.waypoints, this.ambientServicesByNs.of(dst.namespace), dst);
    this.waypointCache.set(dst.id, r);
    return r;
  }

  /** The policies the waypoint serving `dst` enforces for it: those attached to its Services or to the waypoint. */
  private waypointPolicies(dst: WorkloadEndpoint): readonly AuthorizationPolicyKind[] {
    const waypoint = this.waypointFor(dst).waypoint;
    if (!waypoint) return [];
    const services = servicesOf(this.ambientServicesByNs.of(dst.namespace), dst);
    return this.attachedAuthz.filter((p) => p.attachedTo(services, waypoint));
  }

  /**
   * Inbound to a workload in ambient mode. The destination's ztunnel enforces the policies
   * that select it (or its namespace, or the mesh) on L4 attributes only: on every port it
   * judges as the TCP filter chain does (an ALLOW rule with an HTTP field matches nothing,
   * the HTTP conditions of DENY rules are dropped), and PeerAuthentication STRICT refuses
   * plaintext (DISABLE is ignored). A mesh source whose traffic a waypoint serves (the
   * destination's Service or namespace is labelled `istio.io/use-waypoint`) reaches it
   * through the waypoint when addressing its Service: the waypoint applies the policies
   * attached to the Service or to itself (`targetRefs`; none: allowed), with the HTTP
   * attributes the port's protocol gives, then the destination's ztunnel judges the
   * connection from the waypoint's identity. The source may also address the pod directly,
   * past the waypoint; the connection is allowed when either path is.
   *
   * @see https://istio.io/latest/docs/ambient/usage/l4-policy/
   */
  private ambientInbound(src: Endpoint, dst: WorkloadEndpoint, conn: Connection): LayerVerdict {
    if (conn.protocol !== 'TCP') {
      return verdict(true, false, [reason(DEFAULT, undefined, 'default-allow', `ztunnel captures TCP only; ${conn.protocol} traffic bypasses it`)]);
    }
    const mtls = this.mtlsMode(dst, conn.port);
    const plainWhy = conn.plaintext
      ? 'the connection is plaintext'
      : src.type === 'external'
        ? `the source ${src.id} is outside the mesh and sends plaintext`
        : !this.inMesh(src)
          ? `the source ${src.id} is outside the mesh and sends plaintext`
          : undefined;
    if (mtls.mode === 'STRICT' && plainWhy !== undefined) {
      return verdict(false, false, [reason(mtls.ref ?? DEFAULT, mtls.field, 'deny', `mTLS mode STRICT for ${dst.id} port ${conn.port}: ${plainWhy}, so its ztunnel refuses it`)]);
    }
    const principal = plainWhy !== undefined || src.type !== 'workload' ? undefined : `${src.trustDomain ?? this.ctx.trustDomain}/ns/${src.namespace}/sa/${src.serviceAccount}`;
    const l4 = reason(DEFAULT, undefined, 'pass', `${dst.id} runs in ambient mode: its ztunnel enforces the policies that select it on L4 attributes only (an ALLOW rule with an HTTP field matches nothing)`);
    const direct = this.decide(dst, { principal, source: this.sourceAddress(src), port: conn.port, mode: 'tcp' });
    const resolution = this.waypointFor(dst);
    const waypoint = resolution.waypoint;
    if (!waypoint || principal === undefined) {
      const why = reason(DEFAULT, undefined, 'pass', principal === undefined ? 'a source outside the mesh reaches the destination\'s ztunnel directly, never through a waypoint' : `no waypoint serves ${dst.id}: ${resolution.why}`);
      return verdict(direct.allowed, false, [l4, why, ...direct.reasons], { application: 'tcp', why: 'ztunnel sees L4 only' });
    }
    const at = this.waypointDecision(dst, conn, { principal, source: this.sourceAddress(src), port: conn.port });
    const hopPrincipal = `${this.ctx.trustDomain}/ns/${waypoint.namespace}/sa/${waypoint.name}`;
    const hop = this.decide(dst, { principal: hopPrincipal, source: this.podSource(), port: conn.port, mode: 'tcp' });
    const via = at.allowed && hop.allowed;
    const allowed = via || direct.allowed;
    const l7 = allowed && !direct.allowed && at.l7;
    const label = (p: string, rs: readonly Reason[]): Reason[] => rs.map((r) => ({ ...r, detail: `${p}: ${r.detail}` }));
    const served = reason(waypoint.ref, undefined, 'pass', `${resolution.why}: traffic addressed to the Service of ${dst.id} goes through waypoint ${waypoint.namespace}/${waypoint.name}, then reaches its ztunnel as ${hopPrincipal}`);
    const reasons = [
      l4, served,
      ...label('at the waypoint', at.reasons),
      ...(at.allowed ? label(`at the ztunnel of ${dst.id}, from the waypoint`, hop.reasons) : []),
      ...label('addressed to the pod directly (past the waypoint)', direct.reasons),
    ];
    return verdict(allowed, l7, reasons, at.assumed);
  }

  /** What the waypoint decides for a connection to `dst`, by the port's protocol and the request given. */
  private waypointDecision(dst: WorkloadEndpoint, conn: Connection, base: Pick<Facts, 'principal' | 'source' | 'port'>): Decision & { readonly assumed: LayerVerdict['assumed'] } {
    const policies = this.waypointPolicies(dst);
    const sel = this.portSelection(dst, conn.port);
    const decide = (mode: 'http' | 'tcp'): Decision => {
      const d = this.decideWith(policies, dst, { ...base, mode, ...(mode === 'http' && conn.http ? { request: conn.http } : {}) });
      return policies.length === 0 ? { ...d, reasons: [reason(DEFAULT, undefined, 'default-allow', `no policy is attached to the Services of ${dst.id} or to its waypoint`)] } : d;
    };
    if (sel.kind === 'tcp') return { ...decide('tcp'), assumed: { application: 'tcp', why: sel.why } };
    const application = conn.application ?? (conn.http || sel.kind === 'http' ? 'http' : 'tcp');
    if (conn.http || application === 'http') {
      const d = decide('http');
      return { ...d, l7: !conn.http && d.l7, assumed: { application: 'http', why: conn.http ? 'an HTTP request was given' : sel.why } };
    }
    if (application === 'tcp') {
      if (sel.kind === 'http') return { allowed: false, l7: false, reasons: [reason(DEFAULT, undefined, 'deny', `port ${conn.port} of ${dst.id} is HTTP (${sel.why}): the waypoint does not accept a connection that is not HTTP`)], assumed: { application: 'tcp', why: sel.why } };
      return { ...decide('tcp'), assumed: { application: 'tcp', why: sel.why } };
    }
    if (sel.kind === 'http') return { ...decide('http'), assumed: { application: 'any', why: sel.why } };
    const tcp = decide('tcp');
    const http = decide('http');
    const allowed = tcp.allowed || http.allowed;
    return { allowed, l7: allowed && (!tcp.allowed || http.l7), reasons: tcp.allowed ? tcp.reasons : http.reasons, assumed: { application: 'any', why: sel.why } };
  }

  // ------------------------------------------------------------------------------------------
  // Outbound: Sidecar outboundTrafficPolicy and ServiceEntry

  private outbound(src: WorkloadEndpoint, dst: Endpoint, conn: Connection): LayerVerdict {
    if (this.ambient(src)) return verdict(true, false, [reason(DEFAULT, undefined, 'default-allow', `${src.id} runs in ambient mode: ztunnel does not restrict outbound traffic (there is no Sidecar outbound traffic policy)`)]);
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
        if (!serviceEntryVisible(se, src, sidecar)) continue;
        const port = serviceEntryCovers(se, dst, conn.port);
        if (!port) continue;
        return verdict(true, false, [reason(se.ref, `spec.ports[${port.index}]`, 'allow', `ServiceEntry covers ${dst.id} on TCP ${conn.port} (outbound traffic policy REGISTRY_ONLY, ${origin})`)]);
      }
    }
    return verdict(false, false, [reason(policy, field, 'default-deny', `outbound traffic policy REGISTRY_ONLY (${origin}): no ServiceEntry visible to ${src.id} covers ${dst.id} on TCP ${conn.port}`)]);
  }

  private sidecarFor(src: WorkloadEndpoint): DecodedSidecar | undefined {
    return sidecarOf(this.sidecarsByNs.of(src.namespace, this.root), this.root, src);
  }
}
function verdict(allowed: boolean, l7: boolean, reasons: readonly Reason[], assumed?: LayerVerdict['assumed']): LayerVerdict {
  return { layer: 'istio', allowed, reasons, ...(l7 ? { l7Restricted: true } : {}), ...(assumed ? { assumed } : {}) };
}
