/**
 * The Istio renderer: plan → PeerAuthentication, AuthorizationPolicy, ServiceEntry and Sidecar
 * for one cluster. A pure function of the plan.
 *
 * Enforce mode, per cluster that runs Istio:
 * - per namespace: PeerAuthentication `default` (STRICT) and AuthorizationPolicy
 *   `bulkhead-allow-nothing`, Istio's documented `allow-nothing` form (ALLOW, no selector, no
 *   rules): the namespace's workloads accept only what an ALLOW policy names. It is the only
 *   rule-less ALLOW Bulkhead writes, annotated as deliberate; no policy ever has an empty rule;
 * - per workload whose tier asks for PERMISSIVE mTLS: a PeerAuthentication `<workload>`;
 * - per destination workload with callers: ALLOW `<workload>`, one rule per group of sources
 *   with the same operations (principals `<trust-domain>/ns/<ns>/sa/<sa>` of each source's
 *   cluster; `ipBlocks` / `notIpBlocks` for CIDR externals), ports as strings, methods / paths;
 * - per destination workload whose tier has audit logging: AUDIT `<workload>-audit`, scoped to
 *   the workload's ports;
 * - per destination workload and BreakGlass grant: ALLOW `bg-<grant>-<workload>` and AUDIT
 *   `bg-<grant>-<workload>-audit`, both carrying the grant's marks;
 * - per external called from the cluster: a ServiceEntry `bulkhead-external-<name>` in the Istio
 *   root namespace, exported to the calling namespaces only; per calling namespace a Sidecar
 *   `bulkhead-egress` with `REGISTRY_ONLY` outbound traffic;
 * - cloud workloads (VM fleets, managed services): a VM with a SPIFFE identity is a source by
 *   its principal (its proxy presents the SVID its ClusterStaticEntry registers); one without
 *   an identity sends plaintext, refused into STRICT workloads (`BH-ISTIO-CLOUD-PLAINTEXT`) and
 *   otherwise matched by its subnet CIDRs as CIDR externals are; as a destination, a
 *   ServiceEntry `bulkhead-cloud.<network>.<name>` holds its subnet CIDRs so that the calling
 *   namespaces' Sidecars let the flow out (`BH-ISTIO-CLOUD-ADDRESS` says how wide that is).
 *
 * Ambient mode (`cluster.meshMode === 'ambient'`, see `./ambient.ts`): the same policies by
 * selector, with L4 fields only (ztunnel); for the destinations of a namespace a waypoint
 * serves (`waypointNamespaces`, by default those with L7 rules), the rules with mesh sources
 * in `<workload>-waypoint`, attached with `targetRefs` to the workload's Service, and the
 * waypoint's principal admitted at the destination; a waypoint Gateway per such namespace; no
 * Sidecar; warnings on the namespace labels and Service names it relies on, on egress and on
 * HBONE.
 *
 * Audit mode (`layerMode(plan, 'istio')`, the topology's mode or its `layerModes.istio`): nothing is denied by this layer.
 * PeerAuthentication is PERMISSIVE; `bulkhead-allow-nothing`, every ALLOW policy and the
 * Sidecars (REGISTRY_ONLY would block) are left out; each `<workload>` policy is rendered with
 * action AUDIT and the same rules (the intent, for logs and analysis); every destination workload
 * gets `<workload>-audit` on its ports; BreakGlass grants keep only their AUDIT policy.
 * ServiceEntries are still emitted (they allow, never deny).
 *
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 * @see https://istio.io/latest/docs/ops/best-practices/security/#use-default-deny-patterns
 */
import { Cidr } from '../../core/cidr';
import { BulkheadError, cmp, Problem, sortProblems, warningSeverity } from '../../core/errors';
import { ANNOTATIONS, LABELS } from '../../core/names';
import { Protocol } from '../../core/port';
import { Sensitivity } from '../../core/sensitivity';
import { Plan, PlanCloudWorkload, PlanCluster, PlanEdge, PlanExternal, PlanPlatformEndpoint, PlanPort, PlanWorkload } from '../../plan/types';
import { cloudBlocks, cloudKindText } from '../kubernetes/addressing';
import { clusterPath, breakGlassMarks, jsonCopy, layerMode, meta, objectName, PlanIndex, sortedLabels, sortManifests, splitEdges } from '../common';
import { RenderResult } from '../types';
import { cloudPrincipal, istioPrincipal, spiffeTrustDomain } from '../spire/identity';
import {
  AuthorizationPolicy, AuthorizationPolicySpec, ISTIO_NETWORKING_API_VERSION, ISTIO_SECURITY_API_VERSION, IstioManifest, IstioOperation,
  IstioRule, IstioSource, PeerAuthentication, ServiceEntry, ServiceEntryPort, Sidecar,
} from './types';
import { externalBlocks } from '../../plan/checks/addresses';
import { federationIndexOf } from '../../plan/checks/federation';
import {
  ISTIO_AMBIENT_WARNINGS, ISTIO_WAYPOINT_NAME, l4Rule, ruleIsL7, ruleIsMesh, rulePorts, waypointGateway, waypointNamespaces, waypointPrincipal,
} from './ambient';

/**
 * Name of the per-namespace deny-all (Istio `allow-nothing`) policy.
 *
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 */
export const ISTIO_ALLOW_NOTHING_NAME = 'bulkhead-allow-nothing';

/**
 * Name of the per-namespace egress Sidecar.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/sidecar/
 */
export const ISTIO_SIDECAR_NAME = 'bulkhead-egress';

/**
 * Annotation that states why an object has the shape it has.
 *
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/annotations/
 */
export const ISTIO_PURPOSE_ANNOTATION = 'bulkhead.io/purpose';

/**
 * Port ranges up to this many ports are expanded (Istio has no port ranges); larger ones are not.
 *
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Operation
 */
export const ISTIO_MAX_RANGE_EXPANSION = 32;

/**
 * Most ports on which one workload accepts plaintext from CIDR externals. PeerAuthentication
 * has no port ranges: each port is one `portLevelMtls` entry (and one filter chain of the
 * sidecar's inbound listener), so a declared range is written port by port, up to this many
 * ports per workload. A declaration that needs more is refused (`BH-ISTIO-PLAINTEXT-RANGE`):
 * left out, the ports would stay STRICT and reject the declared plaintext flow.
 *
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
 */
export const ISTIO_MAX_PLAINTEXT_PORTS = 256;

/**
 * Error codes of the Istio target (checked by its `validate`, before anything is rendered).
 *
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
 */
export const ISTIO_ERRORS = {
  /** A public-tier workload would need more than {@link ISTIO_MAX_PLAINTEXT_PORTS} PERMISSIVE ports for CIDR externals. */
  plaintextRange: 'BH-ISTIO-PLAINTEXT-RANGE',
  /**
   * A VM fleet or managed service without a SPIFFE identity calls a workload whose mTLS mode is
   * STRICT: it cannot present a certificate, so the sidecar would reject every connection.
   */
  cloudPlaintext: 'BH-ISTIO-CLOUD-PLAINTEXT',
  /**
   * A workload of a cluster that runs no Istio calls a workload whose mTLS mode is STRICT: it
   * sends plaintext, which the mesh rejects before authorization.
   */
  nonMeshPlaintext: 'BH-ISTIO-NON-MESH-PLAINTEXT',
} as const;

/**
 * Warning codes of the Istio target.
 *
 * @see https://istio.io/latest/docs/concepts/security/#authorization
 */
export const ISTIO_WARNINGS = {
  /** Audit mode: what the layer does instead of enforcing. */
  auditMode: 'BH-ISTIO-AUDIT-MODE',
  /** AUDIT policies only mark requests; a plugin must be configured to record them. */
  auditPlugin: 'BH-ISTIO-AUDIT-PLUGIN',
  /** A port range too large to expand: the rule does not constrain ports (network layers still do). */
  portRange: 'BH-ISTIO-PORT-RANGE',
  /** Istio authorizes TCP only: UDP / SCTP ports are left to the network layers. */
  nonTcp: 'BH-ISTIO-NON-TCP',
  /** An FQDN-only external as a source cannot be matched by Istio: the flow is not allowed by this layer. */
  fqdnSource: 'BH-ISTIO-FQDN-SOURCE',
  /** An external (CIDR) source reaches a workload whose mTLS mode is STRICT: plaintext connections are rejected. */
  externalMtls: 'BH-ISTIO-EXTERNAL-MTLS',
  /** A platform source without a service account has no principal: the flow is not allowed by this layer. */
  platformNoSa: 'BH-ISTIO-PLATFORM-NO-SA',
  /** Istio cannot restrict a CIDR external beyond REGISTRY_ONLY and the ServiceEntry's addresses; `except` is not expressible. */
  cidrExternal: 'BH-ISTIO-CIDR-EXTERNAL',
  /** A wildcard host cannot use DNS resolution: its ServiceEntry uses `NONE` (original destination). */
  wildcardHost: 'BH-ISTIO-WILDCARD-HOST',
  /** An external called on no TCP port gets no ServiceEntry. */
  externalNoPorts: 'BH-ISTIO-EXTERNAL-NO-PORTS',
  /** A flow of a BreakGlass grant that is not in force was dropped. */
  grantMissing: 'BH-ISTIO-GRANT-MISSING',
  /**
   * A source runs in a cluster without Istio: it sends plaintext and has no principal, so it is
   * admitted by its cluster's pod CIDRs (into a destination that accepts plaintext), or not at
   * all when that cluster declares none.
   */
  sourceOutsideMesh: 'BH-ISTIO-SOURCE-OUTSIDE-MESH',
  /** A principal of another trust domain: the mesh must trust that domain's root (federation) for the rule to match. */
  foreignTrustDomain: 'BH-ISTIO-FOREIGN-TRUST-DOMAIN',
  /**
   * A CIDR external's rule cannot exclude the pods of a cluster that declares no pod CIDRs:
   * its pods outside the mesh (no sidecar, so no principal) whose address the range covers are admitted too.
   */
  externalPodRange: 'BH-ISTIO-EXTERNAL-POD-RANGE',
  /**
   * A cloud workload (VM fleet, managed service) is known to Istio by its subnet CIDRs only: as a
   * destination its ServiceEntry lets REGISTRY_ONLY through to every address of the subnets; as
   * a plaintext source (no SPIFFE identity) its rule admits every instance of the subnets.
   */
  cloudAddress: 'BH-ISTIO-CLOUD-ADDRESS',
} as const;

/**
 * The ports of a flow as Istio writes them: TCP only, ranges expanded when small.
 *
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Operation
 */
export interface IstioPorts {
  /** Port numbers as strings, sorted numerically. */
  readonly ports: string[];
  /** Whether a range was too large to expand (the rule then cannot constrain ports). */
  readonly unconstrained: boolean;
  /** Ports of other protocols, left out. */
  readonly nonTcp: PlanPort[];
}

/**
 * Converts plan ports to Istio port strings.
 *
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Operation
 */
export function istioPorts(ports: readonly PlanPort[]): IstioPorts {
  const nums = new Set<number>();
  let unconstrained = false;
  const nonTcp: PlanPort[] = [];
  for (const p of ports) {
    if (p.protocol !== Protocol.TCP) {
      nonTcp.push(p);
      continue;
    }
    const end = p.endPort ?? p.port;
    if (end - p.port + 1 > ISTIO_MAX_RANGE_EXPANSION) {
      unconstrained = true;
      continue;
    }
    for (let n = p.port; n <= end; n++) nums.add(n);
  }
  return { ports: [...nums].sort((a, b) => a - b).map(String), unconstrained, nonTcp };
}

/** The HTTP rules of an edge without any (a key of the operations memo). */
const NO_HTTP: object = {};

/**
 * The operations of an edge's ports and HTTP rules (OR); an empty list means any operation,
 * undefined that Istio cannot see the flow at all (no TCP port).
 */
function operationsOf(edge: PlanEdge): Operations {
  const p = istioPorts(edge.ports);
  const ports = p.unconstrained ? undefined : p.ports;
  const ops = p.ports.length === 0 && !p.unconstrained ? undefined : operationList(edge, ports);
  const to = (ops ?? []).map((operation) => ({ operation }));
  return {
    ops, to, json: JSON.stringify(ops) ?? '', toJson: JSON.stringify(to), unconstrained: p.unconstrained,
    ...(p.nonTcp.length > 0 ? { nonTcp: p.nonTcp.map((x) => `${x.protocol}/${x.port}`).join(',') } : {}),
  };
}

function operationList(edge: PlanEdge, ports: string[] | undefined): IstioOperation[] {
  if (edge.http.length === 0) return ports ? [{ ports }] : [];
  const ops = edge.http.map((r): IstioOperation => ({
    ...(ports ? { ports } : {}),
    ...(r.methods.length > 0 ? { methods: uniqSorted(r.methods) } : {}),
    ...(r.paths.length > 0 ? { paths: uniqSorted(r.paths) } : {}),
  }));
  // An empty operation matches every request: OR-ed with the others it makes the rule match any
  // operation, which is written as no `to` at all (never as an empty operation).
  if (ops.some((o) => Object.keys(o).length === 0)) return [];
  return [...new Map(ops.map((o) => [JSON.stringify(o), o])).entries()].sort(([a], [b]) => cmp(a, b)).map(([, o]) => o);
}

function uniqSorted(xs: Iterable<string>): string[] {
  return [...new Set(xs)].sort(cmp);
}

/**
 * The operations of an edge's ports and HTTP rules (see `IstioRender.operations`), once per
 * distinct ports and rules of a render, with what the warnings about them name.
 */
interface Operations {
  /** The operations; undefined when Istio cannot see the flow at all. */
  readonly ops: IstioOperation[] | undefined;
  /** The rule's `to` of the operations (shared by every rule that uses them). */
  readonly to: { operation: IstioOperation }[];
  /** JSON text of `ops`. */
  readonly json: string;
  /** JSON text of `to`. */
  readonly toJson: string;
  /** The non-TCP ports, as `BH-ISTIO-NON-TCP` names them; undefined when none. */
  readonly nonTcp?: string;
  /** Whether a range is too wide to expand (`BH-ISTIO-PORT-RANGE`). */
  readonly unconstrained: boolean;
}

/** The principal of a pod source, and whether its trust domain is one the mesh must be told to trust. */
interface Principal {
  readonly principal: string;
  readonly foreign: boolean;
}

class IstioRender {
  private readonly idx: PlanIndex;
  private readonly clusters: Map<string, PlanCluster>;
  private readonly audit: boolean;
  /** Ambient mode: ztunnel enforces selector policies at L4, waypoints the L7 rules. */
  private readonly ambient: boolean;
  /** The namespaces a waypoint serves (ambient mode). */
  private readonly waypoints: ReadonlySet<string>;
  private readonly warnings = new Map<string, Problem>();
  private auditEmitted = false;
  /** Operations by the identity of an edge's port list, then of its HTTP rules. */
  private readonly operationsOf = new Map<readonly PlanPort[], Map<object, Operations>>();
  /** Operations by content: the ports' text and the HTTP rules' number. */
  private readonly operationsByText = new Map<string, Operations>();
  /** A number per HTTP rule list (a flow's list is shared by its edges), the same for equal lists. */
  private readonly httpIds = new Map<object, number>();
  /** The numbers of HTTP rule lists, by their JSON text. */
  private readonly httpIdsByText = new Map<string, number>();
  /** Principals of pod sources, by source. */
  private readonly principals = new Map<PlanWorkload | PlanPlatformEndpoint, Principal>();

  constructor(private readonly plan: Plan, private readonly cluster: PlanCluster) {
    this.idx = new PlanIndex(plan);
    this.clusters = new Map(plan.clusters.map((c) => [c.name, c]));
    this.audit = layerMode(plan, 'istio') === 'audit';
    this.ambient = cluster.meshMode === 'ambient';
    this.waypoints = new Set(waypointNamespaces(plan, cluster));
  }

  public run(): RenderResult {
    if (!this.cluster.layers.includes('istio')) return { manifests: [], warnings: [] };
    const out: IstioManifest[] = [];
    if (this.audit) {
      // Say where the audit comes from: the layer's own entry of layerModes, or the topology's mode.
      const own = this.plan.topology.layerModes?.istio === 'audit';
      const env = this.plan.topology.labelEnvironment ? ` of environment ${this.plan.topology.environment}` : '';
      const where = own
        ? `the istio layer is in audit mode (layerModes.istio: 'audit'${this.plan.topology.mode === 'enforce' ? `; the topology${env} enforces` : ''})`
        : `the topology${env} is in audit mode`;
      this.warn(ISTIO_WARNINGS.auditMode, this.plan.topology.name,
        `${where}: PeerAuthentication is PERMISSIVE, no ALLOW policy, allow-nothing policy or REGISTRY_ONLY Sidecar is emitted, and the declared rules are rendered as AUDIT policies, so Istio denies nothing`,
        'audit', own ? "set layerModes.istio to 'enforce' (or leave it out) to enforce the declared flows" : "switch the topology to mode 'enforce' to enforce the declared flows");
    }
    for (const ns of this.cluster.namespaces) {
      out.push(this.peerAuthentication(ns, 'default', undefined, this.audit ? 'PERMISSIVE' : 'STRICT'));
      if (!this.audit) out.push(this.allowNothing(ns));
    }
    for (const w of this.idx.workloadsIn(this.cluster.name)) out.push(...this.workload(w));
    out.push(...this.egress());
    if (this.ambient) out.push(...this.ambientNamespaces());
    if (this.auditEmitted) {
      this.warn(ISTIO_WARNINGS.auditPlugin, clusterPath(this.plan, this.cluster),
        'AUDIT policies only mark requests for auditing; nothing is recorded unless an audit plugin is configured in the mesh',
        undefined, 'enable an Istio audit plugin (upstream documents the Stackdriver plugin) or log the audit decision in the access log');
    }
    return { manifests: sortManifests(out), warnings: sortProblems([...this.warnings.values()]) };
  }

  private warn(code: string, path: string, message: string, value: string | undefined, fix: string): void {
    // the severity follows from the code: the other fields tell problems apart
    const key = `${code}\u0000${path}\u0000${message}\u0000${value === undefined ? '\u0001' : value}\u0000${fix}`;
    if (this.warnings.has(key)) return;
    const p: Problem = { severity: warningSeverity(code), code, path, message, ...(value === undefined ? {} : { value }), fix };
    this.warnings.set(key, p);
  }

  private peerAuthentication(ns: string, name: string, w: PlanWorkload | undefined, mode: 'STRICT' | 'PERMISSIVE', permissivePorts: readonly number[] = []): PeerAuthentication {
    const portLevelMtls = Object.fromEntries(permissivePorts.map((p) => [String(p), { mode: 'PERMISSIVE' as const }]));
    return {
      apiVersion: ISTIO_SECURITY_API_VERSION,
      kind: 'PeerAuthentication',
      metadata: meta('istio', name, ns, w ? { [LABELS.workload]: w.name } : {}, w ? { [ANNOTATIONS.source]: w.path } : {}),
      spec: {
        ...(w ? { selector: { matchLabels: sortedLabels(w.selector) } } : {}),
        mtls: { mode },
        ...(permissivePorts.length > 0 ? { portLevelMtls } : {}),
      },
    };
  }

  /**
   * The TCP ports on which an internet-facing (public tier) workload receives declared flows
   * from CIDR externals: plaintext from outside the mesh, so they are PERMISSIVE at port level,
   * each port of a range one entry (the rest of the workload stays STRICT, and the ALLOW policy
   * still names the ipBlocks). Workloads of more sensitive tiers keep STRICT on every port,
   * with a warning. More than {@link ISTIO_MAX_PLAINTEXT_PORTS} ports are refused.
   *
   * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
   */
  private plaintextEdgePorts(w: PlanWorkload): number[] {
    const ports = plaintextPorts(this.idx, w);
    if (ports.length > ISTIO_MAX_PLAINTEXT_PORTS) throw new BulkheadError([plaintextRangeProblem(this.cluster, w, ports.length)]);
    return ports;
  }

  private allowNothing(ns: string): AuthorizationPolicy {
    return {
      apiVersion: ISTIO_SECURITY_API_VERSION,
      kind: 'AuthorizationPolicy',
      metadata: meta('istio', ISTIO_ALLOW_NOTHING_NAME, ns, {}, {
        [ISTIO_PURPOSE_ANNOTATION]: 'deliberate deny-all: Istio allow-nothing (ALLOW without rules or selector); each workload is allowed only what its own ALLOW policies name',
      }),
      spec: { action: 'ALLOW' },
    };
  }

  /** The effective mTLS mode of a workload in this layer. */
  private mtlsMode(w: PlanWorkload): 'STRICT' | 'PERMISSIVE' {
    return this.audit ? 'PERMISSIVE' : w.tier.mtls;
  }

  private source(w: PlanWorkload, edge: PlanEdge): IstioSource | undefined {
    const ref = edge.peer;
    if (ref.kind === 'workload') {
      const src = this.idx.workload(ref.key);
      if (!this.clusterOf(src.cluster).layers.includes('istio')) return this.nonMeshSource(w, edge, src);
      return { principals: [this.principal(w, src)] };
    }
    if (ref.kind === 'platform') {
      const p = this.idx.platformEndpoint(ref.key);
      if (!p.serviceAccount) {
        this.warn(ISTIO_WARNINGS.platformNoSa, w.path, `the platform source ${p.key} has no service account, so it has no mesh identity: this layer does not allow its flow`, p.key, 'give the platform endpoint its service account');
        return undefined;
      }
      return { principals: [this.principal(w, p)] };
    }
    if (ref.kind === 'cloud') return this.cloudSource(w, edge, this.idx.cloud(ref.key));
    const e = this.idx.external(ref.key);
    if (e.cidrs.length === 0) {
      this.warn(ISTIO_WARNINGS.fqdnSource, w.path, `the external ${e.name} is a source known only by name; Istio cannot match sources by name, so this layer does not allow the flow`, [...e.fqdns].sort(cmp).join(','), `give external ${e.name} the CIDRs its traffic comes from`);
      return undefined;
    }
    if (this.mtlsMode(w) === 'STRICT' && w.tier.level !== Sensitivity.PUBLIC) {
      this.warn(ISTIO_WARNINGS.externalMtls, w.path, `the external ${e.name} calls ${w.key}, whose mTLS mode is STRICT: plaintext connections from outside the mesh are rejected before authorization`, [...e.cidrs].sort(cmp).join(','), 'route external traffic through an ingress gateway (and declare the gateway as the source), or relax mTLS for that port');
    }
    return this.externalSource(w, e);
  }

  /**
   * The source of a CIDR external. Istio matches `ipBlocks` on the connection's source address,
   * pods included, so the range alone would also admit every pod it covers (with `0.0.0.0/0`,
   * every pod of the mesh). The rule therefore also says:
   * - `notPrincipals: ["*"]`: only connections without an authenticated peer (plaintext), which
   *   leaves out every pod of the mesh (they present their identity over mTLS);
   * - `notIpBlocks`: the `except` ranges, and the pod CIDRs of the topology's clusters that
   *   the range overlaps, which leaves out pods outside the mesh (no sidecar, so no principal).
   *   Node addresses stay in: traffic that kube-proxy source-NATs (a Service with
   *   `externalTrafficPolicy: Cluster`) reaches the pod from a node address, and the other
   *   layers admit it the same way.
   *
   * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source
   * @see https://istio.io/latest/docs/ops/best-practices/security/
   */
  private externalSource(w: PlanWorkload, e: PlanExternal): IstioSource | undefined {
    // The External's address set, (∪ cidrs − ∪ except), as blocks: an except equal to a cidr
    // removes that cidr rather than leaving it admitted.
    const blocks = externalBlocks(e);
    if (blocks.length === 0) return undefined;
    const cidrs = blocks.map((b) => b.cidr);
    const ranges = cidrs.flatMap((c) => parse(c));
    const covered = (x: string) => parse(x).some((c) => ranges.some((r) => r.overlaps(c)));
    const internal = this.plan.clusters.flatMap((c) => c.podCidrs).filter(covered);
    const here = this.cluster;
    if (here.podCidrs.length === 0) {
      this.warn(ISTIO_WARNINGS.externalPodRange, w.path, `cluster ${here.name} declares no pod CIDRs, so the rule for external ${e.name} cannot leave out its pods that run outside the mesh: those whose address lies in ${[...cidrs].sort(cmp).join(', ')} are admitted too (pods of the mesh are not: the rule admits only plaintext)`, e.name, `set podCidrs on cluster ${here.name}`);
    }
    const not = uniqSorted([...blocks.flatMap((b) => b.except), ...internal]);
    return { ipBlocks: uniqSorted(cidrs), ...(not.length > 0 ? { notIpBlocks: not } : {}), notPrincipals: ['*'] };
  }

  /**
   * The source of a cloud workload (VM fleet; a managed service opens no connections, but a plan
   * may still say so):
   * - with a SPIFFE identity, its principal: its instances run the mesh proxy with the SVID that
   *   its ClusterStaticEntry registers, so they meet STRICT mTLS like any pod of the mesh;
   * - without one, it sends plaintext, which STRICT mTLS rejects before authorization: the flow
   *   is refused at synthesis (`BH-ISTIO-CLOUD-PLAINTEXT`), except into a public-tier workload
   *   (whose ports for such flows are PERMISSIVE, as for CIDR externals) or one whose tier asks
   *   for PERMISSIVE mTLS, or in audit mode. It is then matched as a CIDR external is, by its
   *   subnet CIDRs and `notPrincipals: ["*"]`, less the pod CIDRs they overlap.
   *
   * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source
   * @see https://istio.io/latest/docs/setup/install/virtual-machine/
   */
  private cloudSource(w: PlanWorkload, edge: PlanEdge, c: PlanCloudWorkload): IstioSource | undefined {
    if (c.identity) {
      const principal = cloudPrincipal(c.identity);
      const td = spiffeTrustDomain(c.identity.spiffeId);
      if (td !== this.cluster.trustDomain && !federatedHere(this.plan, this.cluster, td)) {
        this.warn(ISTIO_WARNINGS.foreignTrustDomain, w.path, `the source ${c.key} belongs to trust domain ${td ?? '(none)'}, not ${this.cluster.trustDomain}: the mesh of cluster ${this.cluster.name} must trust that domain's root for the principal to match`, principal, FOREIGN_TD_FIX);
      }
      return { principals: [principal] };
    }
    const problem = cloudPlaintextProblem(this.plan, this.cluster, w, edge, c);
    if (problem) throw new BulkheadError([problem]);
    const blocks = cloudBlocks(c);
    if (blocks.length === 0) return undefined;
    const cidrs = blocks.map((b) => b.cidr);
    this.warn(ISTIO_WARNINGS.cloudAddress, w.path, `the ${cloudKindText(c)} ${c.key} has no SPIFFE identity: Istio admits its plaintext connections into ${w.key} by its subnet CIDRs (${cidrs.join(', ')}), so every other instance of those subnets is admitted too (flow ${edge.flowId})`, cidrs.join(','), `give ${c.name} a SPIFFE identity (its proxy then presents its SVID), or give it subnets of its own`);
    const ranges = cidrs.flatMap((x) => parse(x));
    const internal = this.plan.clusters.flatMap((x) => x.podCidrs).filter((x) => parse(x).some((p) => ranges.some((r) => r.overlaps(p))));
    return { ipBlocks: cidrs, ...(internal.length > 0 ? { notIpBlocks: uniqSorted(internal) } : {}), notPrincipals: ['*'] };
  }

  /**
   * The source of a workload of a cluster that runs no Istio: it has no sidecar or ztunnel, so
   * it sends plaintext and has no principal (a principal rule would never match). STRICT mTLS
   * rejects plaintext before authorization, so the flow is refused at synthesis
   * (`BH-ISTIO-NON-MESH-PLAINTEXT`) except into a public-tier workload (whose ports for such
   * flows are PERMISSIVE at port level, as for CIDR externals), one whose tier asks for
   * PERMISSIVE mTLS, or in audit mode. It is then matched by its cluster's pod CIDRs and
   * `notPrincipals: ["*"]` (plaintext only), with `BH-ISTIO-SOURCE-OUTSIDE-MESH`: every pod of
   * that cluster is admitted, as the network layers admit it.
   *
   * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source
   * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
   */
  private nonMeshSource(w: PlanWorkload, edge: PlanEdge, src: PlanWorkload): IstioSource | undefined {
    const problem = nonMeshPlaintextProblem(this.plan, this.cluster, w, edge, src);
    if (problem) throw new BulkheadError([problem]);
    const c = this.clusterOf(src.cluster);
    const cidrs = uniqSorted(c.podCidrs);
    if (cidrs.length === 0) {
      this.warn(ISTIO_WARNINGS.sourceOutsideMesh, w.path, `the source ${src.key} runs in cluster ${c.name}, which runs no Istio and declares no pod CIDRs: it sends plaintext and has no principal, so this layer does not allow flow ${edge.flowId}`, src.key, `run Istio in cluster ${c.name}, or declare its pod CIDRs`);
      return undefined;
    }
    this.warn(ISTIO_WARNINGS.sourceOutsideMesh, w.path, `the source ${src.key} runs in cluster ${c.name}, which runs no Istio: it sends plaintext and has no principal, so Istio admits flow ${edge.flowId} by the pod CIDRs of ${c.name} (${cidrs.join(', ')}), and every pod of that cluster gets it too`, cidrs.join(','), `run Istio in cluster ${c.name} (its workloads then present their identity over mTLS)`);
    return { ipBlocks: cidrs, notPrincipals: ['*'] };
  }

  /** The principal of a pod source, with warnings where the mesh cannot authenticate it as written. */
  private principal(w: PlanWorkload, p: PlanWorkload | PlanPlatformEndpoint): string {
    const c = this.clusterOf(p.cluster);
    let known = this.principals.get(p);
    if (!known) {
      known = { principal: istioPrincipal(c, p), foreign: c.trustDomain !== this.cluster.trustDomain && !federatedHere(this.plan, this.cluster, c.trustDomain) };
      this.principals.set(p, known);
    }
    const principal = known.principal;
    if (known.foreign) {
      this.warn(ISTIO_WARNINGS.foreignTrustDomain, w.path, `the source ${p.key} belongs to trust domain ${c.trustDomain}, not ${this.cluster.trustDomain}: the mesh of cluster ${this.cluster.name} must trust that domain's root for the principal to match`, principal, FOREIGN_TD_FIX);
    }
    return principal;
  }

  private clusterOf(name: string): PlanCluster {
    const c = this.clusters.get(name);
    if (!c) throw new Error(`internal: the plan has no cluster '${name}'`);
    return c;
  }

  /**
   * The operations of a flow (OR); an empty list means any operation. Undefined when Istio cannot
   * see the flow at all. Computed once per distinct ports and HTTP rules; the warnings name each
   * flow that needs them.
   */
  private operations(w: PlanWorkload, edge: PlanEdge): Operations {
    const http: object = edge.http.length === 0 ? NO_HTTP : edge.http;
    let byHttp = this.operationsOf.get(edge.ports);
    if (!byHttp) {
      byHttp = new Map();
      this.operationsOf.set(edge.ports, byHttp);
    }
    let known = byHttp.get(http);
    if (!known) {
      let id = this.httpIds.get(http);
      if (id === undefined) {
        const text = http === NO_HTTP ? '' : JSON.stringify(http);
        id = this.httpIdsByText.get(text);
        if (id === undefined) {
          id = this.httpIdsByText.size;
          this.httpIdsByText.set(text, id);
        }
        this.httpIds.set(http, id);
      }
      let text = String(id);
      for (const p of edge.ports) text += `|${p.protocol}/${p.port}/${p.endPort ?? ''}`;
      known = this.operationsByText.get(text);
      if (!known) {
        known = operationsOf(edge);
        this.operationsByText.set(text, known);
      }
      byHttp.set(http, known);
    }
    if (known.nonTcp !== undefined) {
      this.warn(ISTIO_WARNINGS.nonTcp, w.path, `Istio authorizes TCP traffic only: the non-TCP ports of flow ${edge.flowId} are left to the network layers`, known.nonTcp, 'nothing to do; NetworkPolicy and Cilium enforce these ports');
    }
    if (known.unconstrained) {
      this.warn(ISTIO_WARNINGS.portRange, w.path, `flow ${edge.flowId} has a port range wider than ${ISTIO_MAX_RANGE_EXPANSION} ports, which Istio cannot express: its rule does not constrain ports (the network layers still do)`, edge.ports.map((x) => `${x.port}-${x.endPort ?? x.port}`).join(','), 'declare the few ports the flow needs instead of a wide range');
    }
    return known;
  }

  /** ALLOW-side rules for the edges: principals merged per identical operations, CIDR sources one rule each. */
  private rules(w: PlanWorkload, edges: readonly PlanEdge[]): IstioRule[] {
    const byOps = new Map<string, { principals: Set<string>; ops: Operations }>();
    const other = new Map<string, IstioRule>();
    for (const edge of edges) {
      // An HBONE tunnel is the mesh's own transport: Istio authorizes the flows inside it.
      if (edge.tunnel) continue;
      const src = this.source(w, edge);
      const ops = src && this.operations(w, edge);
      if (!src || !ops || !ops.ops) continue;
      if (src.principals) {
        const g = byOps.get(ops.json);
        if (g) src.principals.forEach((x) => g.principals.add(x));
        else byOps.set(ops.json, { principals: new Set(src.principals), ops });
      } else {
        const rule: IstioRule = { from: [{ source: src }], ...(ops.to.length > 0 ? { to: ops.to } : {}) };
        other.set(JSON.stringify(rule), rule);
      }
    }
    const rules: { json: string; rule: IstioRule }[] = [];
    for (const [json, rule] of other) rules.push({ json, rule });
    for (const g of byOps.values()) {
      const principals = uniqSorted(g.principals);
      const to = g.ops.to.length > 0 ? g.ops.to : undefined;
      // the JSON text of the rule below, written out
      const json = `{"from":[{"source":{"principals":${JSON.stringify(principals)}}}]${to ? `,"to":${g.ops.toJson}` : ''}}`;
      rules.push({ json, rule: { from: [{ source: { principals } }], ...(to ? { to } : {}) } });
    }
    if (rules.length > 1) rules.sort((a, b) => cmp(a.json, b.json));
    return rules.map((r) => r.rule);
  }

  /**
   * The policies of one set of rules for a destination. Sidecar mode: one policy by selector.
   * Ambient mode (see `./ambient.ts`):
   * - a destination no waypoint serves: one selector policy for ztunnel with the L4 part of
   *   each rule (`BH-ISTIO-AMBIENT-L7` where an L7 rule loses its methods / paths);
   * - a destination a waypoint serves: the rules with mesh sources (principals), L7 fields
   *   included, in `<name>-waypoint`, attached with `targetRefs` to the workload's Service
   *   (the waypoint enforces it for traffic addressed to the Service); the ztunnel policy by
   *   selector keeps the L4 rules (pods reached directly, and sources outside the mesh, which
   *   no waypoint sees) and, for ALLOW, admits the waypoint's principal on the ports of the
   *   rules it forwards.
   */
  private policies(
    w: PlanWorkload, name: string, action: AuthorizationPolicySpec['action'], rules: readonly IstioRule[],
    labels: Readonly<Record<string, string>>, annotations: Readonly<Record<string, string>>,
  ): AuthorizationPolicy[] {
    if (!this.ambient) return [this.policy(w, name, action, rules, labels, annotations)];
    const served = this.waypoints.has(w.namespace);
    const viaWaypoint = served ? rules.filter(ruleIsMesh) : [];
    const direct = rules.filter((r) => !(served && ruleIsMesh(r) && ruleIsL7(r)));
    const lost = direct.filter(ruleIsL7);
    if (lost.length > 0) {
      this.warn(ISTIO_AMBIENT_WARNINGS.l7WithoutWaypoint, w.path,
        `in ambient cluster ${this.cluster.name}, ztunnel enforces L4 only and ${served ? 'the waypoint does not see sources outside the mesh' : `no waypoint serves namespace ${w.namespace}`}: the HTTP methods and paths of the rules into ${w.key} are not enforced by this layer, only their sources and ports`,
        lost.flatMap((r) => (r.to ?? []).flatMap((t) => [...(t.operation.methods ?? []), ...(t.operation.paths ?? [])])).join(','),
        served ? 'route the external callers through an ingress gateway declared as the source, or rely on Cilium for L7' : `serve namespace ${w.namespace} by a waypoint (leave waypointNamespaces out, or list ${w.namespace} in it), or rely on Cilium for L7`);
    }
    const ztunnel = direct.map(l4Rule);
    if (viaWaypoint.length > 0 && action !== 'AUDIT') {
      const ports = rulePorts(viaWaypoint.map(l4Rule));
      ztunnel.push({ from: [{ source: { principals: [waypointPrincipal(this.cluster, w.namespace)] } }], ...(ports ? { to: [{ operation: { ports } }] } : {}) });
    }
    const unique = [...new Map(ztunnel.map((r) => [JSON.stringify(r), r])).entries()].sort(([a], [b]) => cmp(a, b)).map(([, r]) => r);
    const out: AuthorizationPolicy[] = [];
    if (unique.length > 0) out.push(this.policy(w, name, action, unique, labels, annotations));
    if (viaWaypoint.length > 0) {
      if (action === 'AUDIT') this.auditEmitted = true;
      out.push({
        apiVersion: ISTIO_SECURITY_API_VERSION,
        kind: 'AuthorizationPolicy',
        metadata: meta('istio', objectName([name, ISTIO_WAYPOINT_NAME]), w.namespace, { [LABELS.workload]: w.name, ...labels }, {
          ...annotations, [ISTIO_PURPOSE_ANNOTATION]: `enforced by the waypoint of namespace ${w.namespace} for traffic addressed to Service ${w.name}`,
        }),
        spec: { targetRefs: [{ group: '', kind: 'Service', name: w.name }], action, rules: jsonCopy(viaWaypoint) },
      });
    }
    return out;
  }

  /**
   * Ambient mode, per namespace: the waypoint Gateway where one serves it, and the warnings
   * on what Bulkhead does not own (namespace labels, Service names) and on egress.
   */
  private ambientNamespaces(): IstioManifest[] {
    const path = clusterPath(this.plan, this.cluster);
    const waypoints = [...this.waypoints].sort(cmp);
    const namespaces = [...new Set([...this.cluster.namespaces, ...waypoints])].sort(cmp);
    const services = this.idx.workloadsIn(this.cluster.name).filter((w) => this.waypoints.has(w.namespace) && w.calledBy.length > 0).map((w) => `${w.namespace}/${w.name}`).sort(cmp);
    if (namespaces.length > 0) {
      this.warn(ISTIO_AMBIENT_WARNINGS.labels, path,
        `ambient cluster ${this.cluster.name}: Bulkhead does not own Namespaces and Services; the output holds only if namespaces ${namespaces.join(', ')} carry istio.io/dataplane-mode=ambient${waypoints.length > 0 ? `, namespaces ${waypoints.join(', ')} carry istio.io/use-waypoint=${ISTIO_WAYPOINT_NAME}` : ''}${services.length > 0 ? `, and the Services callers address are named after their workloads (${services.join(', ')}): the waypoint policies attach to them` : ''}`,
        namespaces.join(','), `kubectl label namespace <ns> istio.io/dataplane-mode=ambient${waypoints.length > 0 ? ` (and istio.io/use-waypoint=${ISTIO_WAYPOINT_NAME} on ${waypoints.join(', ')})` : ''}`);
    }
    // The HBONE tunnels inside the cluster are flows of the plan (lib/plan/phases/flows.ts), so
    // the network layers admit them. Flows that cross to another cluster are not tunnelled there.
    const network = this.cluster.layers.filter((l) => l === 'kubernetes' || l === 'cilium');
    const crossing = this.crossClusterFlows();
    if (network.length > 0 && crossing.length > 0) {
      this.warn(ISTIO_AMBIENT_WARNINGS.hbone, path,
        `ambient cluster ${this.cluster.name} has flows with other clusters (${crossing.join(', ')}): the ${network.join(' and ')} layer${network.length > 1 ? 's' : ''} admit them on their declared ports only, not over HBONE (TCP 15008) through east-west gateways as Istio ambient multicluster carries them`,
        crossing.join(','), 'run these flows without ambient multicluster (sidecar mode, or plaintext by address), or admit the east-west gateways on TCP 15008 in the network layers by hand');
    }
    return waypoints.map(waypointGateway);
  }

  /** The ids of the flows between a workload of this cluster and a workload of another, sorted. */
  private crossClusterFlows(): string[] {
    const ids = new Set<string>();
    for (const w of this.idx.workloadsIn(this.cluster.name)) {
      for (const e of [...w.calls, ...w.calledBy]) {
        if (e.peer.kind === 'workload' && this.idx.workload(e.peer.key).cluster !== this.cluster.name) ids.add(e.flowId);
      }
    }
    return [...ids].sort(cmp);
  }

  private policy(
    w: PlanWorkload, name: string, action: AuthorizationPolicySpec['action'], rules: readonly IstioRule[],
    labels: Readonly<Record<string, string>>, annotations: Readonly<Record<string, string>>,
  ): AuthorizationPolicy {
    if (action === 'AUDIT') this.auditEmitted = true;
    return {
      apiVersion: ISTIO_SECURITY_API_VERSION,
      kind: 'AuthorizationPolicy',
      metadata: meta('istio', name, w.namespace, { [LABELS.workload]: w.name, ...labels }, annotations),
      // rules may share parts with other objects (nothing changes an emitted object)
      spec: { selector: { matchLabels: sortedLabels(w.selector) }, action, rules: [...rules] },
    };
  }

  /** The TCP ports a workload serves: its named ports and the ports of its incoming flows. */
  private servedPorts(w: PlanWorkload): string[] {
    const fromFlows = istioPorts(w.calledBy.filter((e) => !e.tunnel).flatMap((e) => e.ports)).ports.map(Number);
    const named = w.ports.filter((p) => p.protocol === Protocol.TCP).map((p) => p.port);
    return [...new Set([...fromFlows, ...named])].sort((a, b) => a - b).map(String);
  }

  private workload(w: PlanWorkload): IstioManifest[] {
    const out: IstioManifest[] = [];
    const src = { [ANNOTATIONS.source]: w.path };
    const edgePorts = this.audit || w.tier.mtls === 'PERMISSIVE' ? [] : this.plaintextEdgePorts(w);
    if (!this.audit && w.tier.mtls === 'PERMISSIVE') out.push(this.peerAuthentication(w.namespace, objectName([w.name]), w, 'PERMISSIVE'));
    else if (!this.audit && edgePorts.length > 0) out.push(this.peerAuthentication(w.namespace, objectName([w.name]), w, 'STRICT', edgePorts));
    const { regular, byGrant } = splitEdges(w.calledBy);
    const rules = this.rules(w, regular);
    if (rules.length > 0) out.push(...this.policies(w, objectName([w.name]), this.audit ? 'AUDIT' : 'ALLOW', rules, {}, src));
    if (w.tier.auditLogging || this.audit) {
      const ports = this.servedPorts(w);
      if (ports.length > 0) {
        out.push(this.policy(w, objectName([w.name, 'audit']), 'AUDIT', [{ to: [{ operation: { ports } }] }], {}, {
          ...src, [ISTIO_PURPOSE_ANNOTATION]: this.audit ? 'audit mode: every request on the workload\'s ports is audited' : `tier ${w.tier.name} demands audit logging of every request on the workload's ports`,
        }));
      }
    }
    for (const [g, edges] of byGrant) {
      const grant = this.plan.breakGlass.find((b) => b.name === g);
      if (!grant) {
        this.warn(ISTIO_WARNINGS.grantMissing, w.path, 'a flow names a BreakGlass grant that is not in force; it is not rendered', g, 'remove the flow, or keep the grant in force');
        continue;
      }
      const bgRules = this.rules(w, edges);
      if (bgRules.length === 0) continue;
      const marks = breakGlassMarks(grant);
      const annotations = { ...marks.annotations, [ANNOTATIONS.source]: grant.path };
      if (!this.audit) out.push(...this.policies(w, objectName(['bg', g, w.name]), 'ALLOW', bgRules, marks.labels, annotations));
      out.push(...this.policies(w, objectName(['bg', g, w.name, 'audit']), 'AUDIT', bgRules, marks.labels, annotations));
    }
    return out;
  }

  /**
   * The ServiceEntry of a cloud workload the cluster calls: `bulkhead-cloud.<network>.<name>` in
   * the root namespace, host `<name>.<network>.cloud.bulkhead`, its subnet CIDRs as `addresses`
   * (resolution `NONE`: the original destination), the called TCP ports, exported to the calling
   * namespaces, so that their REGISTRY_ONLY Sidecars let the flow out. `MESH_INTERNAL` for a VM
   * fleet with a SPIFFE identity (its instances run the mesh proxy), `MESH_EXTERNAL` otherwise.
   * Istio does not police the destination side (the VM's own proxy is not configured by this
   * layer): the aws layer's security groups do.
   *
   * @see https://istio.io/latest/docs/reference/config/networking/service-entry/
   */
  private cloudServiceEntry(c: PlanCloudWorkload, exportTo: string[], ports: readonly PlanPort[], flows: readonly string[]): ServiceEntry | undefined {
    const p = istioPorts(ports);
    if (p.unconstrained) {
      this.warn(ISTIO_WARNINGS.portRange, c.path, `a port range to ${cloudKindText(c)} ${c.key} is wider than ${ISTIO_MAX_RANGE_EXPANSION} ports; a ServiceEntry lists single ports, so the range is left out`, undefined, `declare the few ports ${c.name} serves`);
    }
    const addresses = cloudBlocks(c).map((b) => b.cidr);
    if (p.ports.length === 0 || addresses.length === 0) {
      this.warn(ISTIO_WARNINGS.externalNoPorts, c.path, `${cloudKindText(c)} ${c.key} is called on no TCP port Istio can list${addresses.length === 0 ? ', or has no subnet CIDRs' : ''}: no ServiceEntry is emitted`, undefined, `declare the TCP ports and subnet CIDRs of ${c.name}`);
      return undefined;
    }
    this.warn(ISTIO_WARNINGS.cloudAddress, c.path, `Istio knows the ${cloudKindText(c)} ${c.key} by its subnet CIDRs only: its ServiceEntry lets the REGISTRY_ONLY Sidecars of ${exportTo.join(', ')} through to every address of ${addresses.join(', ')} on TCP ${p.ports.join(', ')} (flows ${flows.join(', ')}), and this layer does not police the destination side`, addresses.join(','), `give ${c.name} subnets of its own; the aws layer's security groups enforce the flow at the instances`);
    return {
      apiVersion: ISTIO_NETWORKING_API_VERSION,
      kind: 'ServiceEntry',
      // network and name are DNS labels: joined by dots the name is unique (a dash could join two pairs alike)
      metadata: meta('istio', `bulkhead-cloud.${c.network}.${c.name}`, this.cluster.istioRootNamespace, {}, { [ANNOTATIONS.source]: c.path }),
      spec: {
        hosts: [`${c.name}.${c.network}.cloud.bulkhead`],
        addresses,
        ports: p.ports.map(Number).map((n) => (n === 443 ? { number: n, protocol: 'TLS' as const, name: `tls-${n}` } : { number: n, protocol: 'TCP' as const, name: `tcp-${n}` })),
        location: c.kind === 'vm' && c.identity ? 'MESH_INTERNAL' : 'MESH_EXTERNAL',
        resolution: 'NONE',
        exportTo,
      },
    };
  }

  private egress(): IstioManifest[] {
    const root = this.cluster.istioRootNamespace;
    const externals = new Map<string, { e: PlanExternal; namespaces: Set<string>; ports: PlanPort[]; path: string }>();
    const clouds = new Map<string, { c: PlanCloudWorkload; namespaces: Set<string>; ports: PlanPort[]; flows: Set<string> }>();
    const peerNamespaces = new Map<string, Set<string>>();
    for (const w of this.idx.workloadsIn(this.cluster.name)) {
      const peers = peerNamespaces.get(w.namespace) ?? new Set<string>();
      peerNamespaces.set(w.namespace, peers);
      for (const edge of w.calls) {
        if (edge.tunnel) continue;
        if (edge.peer.kind === 'cloud') {
          const c = this.idx.cloud(edge.peer.key);
          const entry = clouds.get(c.key) ?? { c, namespaces: new Set<string>(), ports: [], flows: new Set<string>() };
          entry.namespaces.add(w.namespace);
          entry.ports.push(...edge.ports);
          entry.flows.add(edge.flowId);
          clouds.set(c.key, entry);
        } else if (edge.peer.kind === 'external') {
          const e = this.idx.external(edge.peer.key);
          const entry = externals.get(e.key) ?? { e, namespaces: new Set<string>(), ports: [], path: e.path };
          entry.namespaces.add(w.namespace);
          entry.ports.push(...edge.ports);
          externals.set(e.key, entry);
        } else {
          const p = edge.peer.kind === 'workload' ? this.idx.workload(edge.peer.key) : this.idx.platformEndpoint(edge.peer.key);
          if (p.namespace !== w.namespace) peers.add(p.namespace);
        }
      }
    }
    const out: IstioManifest[] = [];
    const hostsFor = new Map<string, string[]>();
    for (const { e, namespaces, ports, path } of [...externals.values()].sort((a, b) => cmp(a.e.key, b.e.key))) {
      const p = istioPorts(ports);
      if (p.unconstrained) {
        this.warn(ISTIO_WARNINGS.portRange, path, `a port range to external ${e.name} is wider than ${ISTIO_MAX_RANGE_EXPANSION} ports; a ServiceEntry lists single ports, so the range is left out`, undefined, 'declare the few ports the external serves');
      }
      if (p.ports.length === 0) {
        this.warn(ISTIO_WARNINGS.externalNoPorts, path, `external ${e.name} is called on no TCP port Istio can list: no ServiceEntry is emitted`, undefined, 'declare the TCP ports of the external');
        continue;
      }
      const sePorts: ServiceEntryPort[] = p.ports.map(Number).map((n) => (n === 443 ? { number: n, protocol: 'TLS' as const, name: `tls-${n}` } : { number: n, protocol: 'TCP' as const, name: `tcp-${n}` }));
      let hosts: string[];
      let resolution: 'DNS' | 'NONE';
      let addresses: string[] | undefined;
      if (e.fqdns.length > 0) {
        hosts = [...e.fqdns].sort(cmp);
        resolution = hosts.some((h) => h.includes('*')) ? 'NONE' : 'DNS';
        if (resolution === 'NONE') {
          this.warn(ISTIO_WARNINGS.wildcardHost, path, `external ${e.name} has a wildcard host, which DNS resolution cannot serve: its ServiceEntry uses resolution NONE (the original destination address)`, hosts.join(','), 'list the exact host names if you want DNS resolution');
        }
      } else {
        hosts = [`${e.name}.external.bulkhead`];
        resolution = 'NONE';
        addresses = uniqSorted(externalBlocks(e).map((b) => b.cidr));
        this.warn(ISTIO_WARNINGS.cidrExternal, path, `external ${e.name} is a CIDR: Istio can only register its addresses so REGISTRY_ONLY lets them through; it cannot restrict them further${e.except.length > 0 ? ', and the except ranges are not expressible' : ''}`, [...e.cidrs, ...e.except.map((x) => `!${x}`)].join(','), 'rely on NetworkPolicy / Cilium for CIDR precision, or declare the external by FQDN');
      }
      const exportTo = uniqSorted(namespaces);
      for (const ns of exportTo) hostsFor.set(ns, [...(hostsFor.get(ns) ?? []), ...hosts.map((h) => `${root}/${h}`)]);
      const se: ServiceEntry = {
        apiVersion: ISTIO_NETWORKING_API_VERSION,
        kind: 'ServiceEntry',
        metadata: meta('istio', objectName(['bulkhead-external', e.name], 253), root, {}, { [ANNOTATIONS.source]: path }),
        spec: { hosts, ...(addresses ? { addresses } : {}), ports: sePorts, location: 'MESH_EXTERNAL', resolution, exportTo },
      };
      out.push(se);
    }
    for (const { c, namespaces, ports, flows } of [...clouds.values()].sort((a, b) => cmp(a.c.key, b.c.key))) {
      const se = this.cloudServiceEntry(c, uniqSorted(namespaces), ports, [...flows].sort(cmp));
      if (!se) continue;
      for (const ns of se.spec.exportTo) hostsFor.set(ns, [...(hostsFor.get(ns) ?? []), ...se.spec.hosts.map((h) => `${root}/${h}`)]);
      out.push(se);
    }
    if (this.audit) return out;
    if (this.ambient) {
      if (hostsFor.size > 0) {
        this.warn(ISTIO_AMBIENT_WARNINGS.egress, clusterPath(this.plan, this.cluster),
          `ambient cluster ${this.cluster.name} has no Sidecar resource and ztunnel does not restrict outbound traffic: egress from ${[...hostsFor.keys()].sort(cmp).join(', ')} to externals is not restricted by this layer (the ServiceEntries only register the hosts)`,
          [...hostsFor.keys()].sort(cmp).join(','), 'enforce egress with the kubernetes or cilium layer (both emitted from the same flows), or route egress through an egress gateway');
      }
      return out;
    }
    for (const ns of [...hostsFor.keys()].sort(cmp)) {
      const hosts = uniqSorted(['./*', `${root}/*`, ...[...(peerNamespaces.get(ns) ?? [])].map((p) => `${p}/*`), ...(hostsFor.get(ns) ?? [])]);
      const sc: Sidecar = {
        apiVersion: ISTIO_NETWORKING_API_VERSION,
        kind: 'Sidecar',
        metadata: meta('istio', ISTIO_SIDECAR_NAME, ns, {}, {
          [ISTIO_PURPOSE_ANNOTATION]: 'egress allow-list: only this namespace, the control plane, the namespaces of declared peers and the declared externals are reachable (REGISTRY_ONLY)',
        }),
        spec: { egress: [{ hosts }], outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } },
      };
      out.push(sc);
    }
    return out;
  }
}

/**
 * Renders the Istio objects of one cluster (none when the cluster runs no Istio).
 *
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 */
export function renderIstio(plan: Plan, cluster: PlanCluster): RenderResult {
  return new IstioRender(plan, cluster).run();
}

/**
 * The Istio layer's constraints, checked without rendering: a public-tier workload accepts
 * plaintext from CIDR externals on at most {@link ISTIO_MAX_PLAINTEXT_PORTS} ports
 * (`BH-ISTIO-PLAINTEXT-RANGE`).
 *
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
 */
export function validateIstio(plan: Plan, cluster: PlanCluster): Problem[] {
  if (!cluster.layers.includes('istio') || layerMode(plan, 'istio') === 'audit') return [];
  const idx = new PlanIndex(plan);
  return idx.workloadsIn(cluster.name).flatMap((w) => {
    const cloud = w.calledBy.flatMap((e) => {
      if (e.tunnel) return [];
      const problem = e.peer.kind === 'cloud' ? cloudPlaintextProblem(plan, cluster, w, e, idx.cloud(e.peer.key))
        : e.peer.kind === 'workload' ? nonMeshPlaintextProblem(plan, cluster, w, e, idx.workload(e.peer.key)) : undefined;
      return problem ? [problem] : [];
    });
    if (w.tier.mtls === 'PERMISSIVE') return cloud;
    const n = plaintextPorts(idx, w).length;
    return [...cloud, ...(n > ISTIO_MAX_PLAINTEXT_PORTS ? [plaintextRangeProblem(cluster, w, n)] : [])];
  });
}

/**
 * The error of a flow from a cloud workload without a SPIFFE identity into a workload whose
 * mTLS is STRICT (enforce mode, a tier other than public that does not ask for PERMISSIVE):
 * it would send plaintext, which the sidecar rejects before any authorization. Undefined when
 * the flow can be rendered.
 *
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
 */
function cloudPlaintextProblem(plan: Plan, cluster: PlanCluster, w: PlanWorkload, edge: PlanEdge, c: PlanCloudWorkload): Problem | undefined {
  if (c.identity || layerMode(plan, 'istio') === 'audit' || w.tier.mtls === 'PERMISSIVE' || w.tier.level === Sensitivity.PUBLIC) return undefined;
  return {
    severity: 'error', code: ISTIO_ERRORS.cloudPlaintext, path: plan.flows.find((f) => f.id === edge.flowId)?.path ?? w.path,
    message: `in cluster ${cluster.name}, ${w.key} (tier ${w.tier.name}, STRICT mTLS) accepts flow ${edge.flowId} from the ${cloudKindText(c)} ${c.key}, which has no SPIFFE identity: it cannot present a certificate, so the sidecar would reject its plaintext connections before authorization`,
    value: c.key,
    fix: `give ${c.name} a SPIFFE identity (SPIRE registers it with a ClusterStaticEntry and its mesh proxy presents the SVID), or route it through an ingress gateway declared as the source, or give the tier of ${w.name} PERMISSIVE mTLS`,
  };
}

/**
 * The error of a flow from a workload of a cluster that runs no Istio into a workload whose mTLS
 * is STRICT (enforce mode, a tier other than public that does not ask for PERMISSIVE): the
 * caller has no sidecar or ztunnel, so it sends plaintext, which STRICT mTLS rejects before any
 * authorization. Undefined when the flow can be rendered (or the source runs Istio).
 *
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
 */
function nonMeshPlaintextProblem(plan: Plan, cluster: PlanCluster, w: PlanWorkload, edge: PlanEdge, src: PlanWorkload): Problem | undefined {
  const sc = plan.clusters.find((c) => c.name === src.cluster);
  if (!sc || sc.layers.includes('istio')) return undefined;
  if (edge.ports.every((p) => p.protocol !== Protocol.TCP)) return undefined;
  if (layerMode(plan, 'istio') === 'audit' || w.tier.mtls === 'PERMISSIVE' || w.tier.level === Sensitivity.PUBLIC) return undefined;
  return {
    severity: 'error', code: ISTIO_ERRORS.nonMeshPlaintext, path: plan.flows.find((f) => f.id === edge.flowId)?.path ?? w.path,
    message: `in cluster ${cluster.name}, ${w.key} (tier ${w.tier.name}, STRICT mTLS) accepts flow ${edge.flowId} from ${src.key}, whose cluster ${sc.name} runs no Istio: the caller sends plaintext, so the mesh would reject its connections before authorization`,
    value: src.key,
    fix: `run Istio in cluster ${sc.name} (with a trust domain this mesh trusts), or route the caller through an ingress gateway declared as the source, or give the tier of ${w.name} PERMISSIVE mTLS`,
  };
}

const WITHOUT_ISTIO = new WeakMap<Plan, ReadonlySet<string>>();

/** The names of the plan's clusters that run no Istio (the first cluster of each name decides), once per plan. */
function clustersWithoutIstio(plan: Plan): ReadonlySet<string> {
  let known = WITHOUT_ISTIO.get(plan);
  if (!known) {
    const seen = new Set<string>();
    const out = new Set<string>();
    for (const c of plan.clusters) {
      if (seen.has(c.name)) continue;
      seen.add(c.name);
      if (!c.layers.includes('istio')) out.add(c.name);
    }
    known = out;
    WITHOUT_ISTIO.set(plan, known);
  }
  return known;
}

/** The TCP ports, ranges expanded, on which a public-tier workload receives flows from CIDR externals. */
function plaintextPorts(idx: PlanIndex, w: PlanWorkload): number[] {
  if (w.tier.level !== Sensitivity.PUBLIC) return [];
  const ports = new Set<number>();
  const outside = clustersWithoutIstio(idx.plan);
  for (const e of w.calledBy) {
    const plaintext = e.peer.kind === 'external' ? idx.external(e.peer.key).cidrs.length > 0
      : e.peer.kind === 'cloud' ? idx.cloud(e.peer.key).identity === undefined
        : e.peer.kind === 'workload' && outside.has(idx.workload(e.peer.key).cluster);
    if (!plaintext) continue;
    for (const p of e.ports) {
      if (p.protocol !== Protocol.TCP) continue;
      const end = p.endPort ?? p.port;
      // Stop counting past the limit: the count only has to show that it is exceeded.
      for (let n = p.port; n <= end && ports.size <= ISTIO_MAX_PLAINTEXT_PORTS; n++) ports.add(n);
    }
  }
  return [...ports].sort((a, b) => a - b);
}

function plaintextRangeProblem(cluster: PlanCluster, w: PlanWorkload, count: number): Problem {
  return {
    severity: 'error', code: ISTIO_ERRORS.plaintextRange, path: w.path,
    message: `in cluster ${cluster.name}, ${w.key} receives plaintext from CIDR externals on ${count > ISTIO_MAX_PLAINTEXT_PORTS ? `more than ${ISTIO_MAX_PLAINTEXT_PORTS}` : count} TCP ports: PeerAuthentication has no port ranges, so each port needs its own PERMISSIVE entry, and Bulkhead writes at most ${ISTIO_MAX_PLAINTEXT_PORTS}; the other ports would stay STRICT and reject the declared flows`,
    value: w.calledBy.filter((e) => e.peer.kind === 'external' || e.peer.kind === 'cloud').flatMap((e) => e.ports.map((p) => `${p.protocol.toLowerCase()}/${p.port}${p.endPort === undefined ? '' : `-${p.endPort}`}`)).join(','),
    fix: `declare at most ${ISTIO_MAX_PLAINTEXT_PORTS} ports for the external flows into ${w.name}, or put an ingress gateway in front of it (declared as the source), or give its tier PERMISSIVE mTLS`,
  };
}

function parse(cidr: string): Cidr[] {
  try {
    return [Cidr.of(cidr)];
  } catch {
    return [];
  }
}

/** The fix of `BH-ISTIO-FOREIGN-TRUST-DOMAIN`. */
const FOREIGN_TD_FIX = "federate the trust domains: run SPIRE in this cluster and declare the other trust domain's spireBundleEndpoint (SPIRE then gives the workloads its bundle), or use one trust domain";

/**
 * Whether the workloads of `cluster` receive the bundle of trust domain `td` from the SPIRE
 * layer: the cluster runs SPIRE and a cluster of `td` declares its bundle endpoint (the SPIRE
 * layer then federates with it). A principal of another trust domain is always written with
 * that trust domain, never as `cluster.local` and never as an alias of the local one.
 *
 * @see https://istio.io/latest/docs/ops/integrations/spire/
 */
function federatedHere(plan: Plan, cluster: PlanCluster, td: string | undefined): boolean {
  if (td === undefined || !cluster.layers.includes('spire')) return false;
  const idx = federationIndexOf(plan);
  return idx.bundleEndpoint(td) !== undefined;
}
