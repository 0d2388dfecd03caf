/**
 * The Cilium layer: what `cilium.io/v2` CiliumNetworkPolicy (CNP) and
 * CiliumClusterwideNetworkPolicy (CCNP) let through.
 *
 * Semantics follow upstream Cilium (`pkg/policy`, `pkg/k8s/apis/cilium.io/utils`):
 *
 * - Subjects: a rule (`spec`, or each of `specs[]`) applies to the endpoints its
 *   `endpointSelector` selects; a CNP's subject selector always applies in the policy's own
 *   namespace, a CCNP's cluster-wide. Label keys may carry the `k8s:` or `any:` source prefix.
 *   An endpoint carries its pod labels, `io.kubernetes.pod.namespace`,
 *   `io.cilium.k8s.namespace.labels.<key>` for each label of its namespace,
 *   `io.cilium.k8s.policy.serviceaccount` and `io.cilium.k8s.policy.cluster`. Rules with a
 *   `nodeSelector` are host policies: they select no workload (listed in warnings).
 * - Peers: in a CNP, a `fromEndpoints` / `toEndpoints` selector without an
 *   `io.kubernetes.pod.namespace` key is limited to the policy's namespace (`{}` is every endpoint
 *   of that namespace; a `io.cilium.k8s.namespace.labels.*` key does not lift the limit); in a CCNP
 *   it selects endpoints of every namespace. The peer fields of a rule are ORed; a peer field
 *   that is present but empty selects nothing; a rule without any peer field but with `toPorts`
 *   applies to every peer (including `world`); a rule with neither (`{}`) allows nothing but
 *   still puts the endpoint in default deny. Combining peer kinds (for example `toEndpoints` and
 *   `toCIDR`) in one rule is rejected, as Cilium does.
 * - Entities: `world` (and `world-ipv4`) is every address outside the cluster, `cluster` every
 *   workload, `all` both. `host`, `remote-node`, `kube-apiserver`, `ingress`, `init`, `health`,
 *   `unmanaged`, `none` and `world-ipv6` name identities that are neither a workload nor an
 *   external IPv4 range of the analysis: they match nothing here.
 * - CIDR rules (`fromCIDR`, `fromCIDRSet` with `except`, `toCIDR`, `toCIDRSet`) match
 *   addresses outside the cluster only, never workloads. `toFQDNs` (`matchName`,
 *   `matchPattern` with `*` for one label's characters, a lone `*` for every name and `**.` for any
 *   number of labels) selects the addresses of {@link AnalysisContext.resolve}; Cilium learns
 *   them from its DNS proxy, so by default a name counts only if some egress DNS rule
 *   (`toPorts[].rules.dns`) of the input lets it be looked up
 *   ({@link CiliumSimulatorOptions.requireDnsVisibility}).
 * - Ports: `port` (a number, `0` for all ports, or a container port name resolved on the
 *   destination workload), `endPort` for ranges, `protocol` TCP, UDP, SCTP or ANY / empty (all
 *   three). A rule with `icmps` and no `toPorts` allows ICMP only, nothing of TCP, UDP or SCTP.
 * - L7: `rules.http` entries are ORed; inside one, `method`, `path` and `host` are RE2 regular
 *   expressions that must match the whole value (Envoy `safe_regex` on `:method`, `:path` with its
 *   query string, `:authority`); `headers` and `headerMatches` need headers the analysis does
 *   not model, so they match no request (unless `mismatch` is set). An L4 rule without L7 rules
 *   and an L7 rule for the same peer and port combine to allow everything. Without an HTTP
 *   request, L7 rules (HTTP, DNS, Kafka, TLS server names) count as allowing and the verdict sets
 *   `l7Restricted`.
 * - Default deny: an endpoint is isolated in a direction once a rule that selects it has an
 *   `ingress` / `ingressDeny` (or `egress` / `egressDeny`) rule, unless that rule sets
 *   `enableDefaultDeny.<direction>: false`. Deny rules take precedence over every allow.
 *   A connection needs the source's egress and the destination's ingress. Without default
 *   deny, traffic that an allow rule with L7 rules covers (same peer and port) still goes
 *   through the proxy, which enforces those L7 rules (this is how a DNS visibility policy with
 *   `enableDefaultDeny: {egress: false}` works); other traffic is allowed.
 * - Mutual authentication (`authentication.mode: required`) is reported; it is taken to
 *   succeed between workloads and to fail for peers outside the cluster, which have no
 *   SPIFFE identity. `Connection.plaintext` describes the mesh's mTLS and does not change
 *   Cilium's decision.
 * - Deprecated `fromRequires` / `toRequires` (removed in Cilium 1.19) are rejected with an error.
 *   `fromGroups` / `toGroups`, `fromNodes` / `toNodes`, `toServices` and CIDR groups are not
 *   modeled: in allow rules they select nothing (listed in warnings); in deny rules they are an
 *   error, because ignoring them would under-report what is denied.
 *
 * @see https://docs.cilium.io/en/stable/security/policy/language/
 * @see https://docs.cilium.io/en/stable/security/policy/intro/
 * @see https://github.com/cilium/cilium/blob/main/pkg/policy/rule.go
 * @see https://github.com/cilium/cilium/blob/main/pkg/k8s/apis/cilium.io/utils/utils.go
 */
import { Problem } from '../../core/errors';
import { ProblemSet, inputError } from '../errors';
import { rangesOverlap, rangeWithin } from '../ipv4';
import { L4Protocol, L4_PROTOCOLS, PortSet } from '../portset';
import { LabelIndex, LabelSelector, isRecord } from '../selector';
import { AllowedPair, AnalysisContext, Connection, Endpoint, LayerSimulator, LayerVerdict, Reason, SourceRef, WorkloadEndpoint } from '../types';
import {
  PortSetTable, Tri, at, cidrRange, cmpStr, containerPortsKey, emitPairs, endpointClasses, labelsKey, optBool, optList, optRecord, optString, optStringList, portNumber, portSetFromDecisions, reason, sortRanges, withSource, triOr,
} from './common';

/**
 * Options of {@link createCiliumSimulator}: agent settings that live outside the manifests.
 *
 * @see https://docs.cilium.io/en/stable/security/policy/language/#dns-based
 */
export interface CiliumSimulatorOptions {
  /**
   * The cluster name, the value of the `io.cilium.k8s.policy.cluster` label of every endpoint.
   * @default 'default'
   */
  readonly clusterName?: string;
  /**
   * Whether a `toFQDNs` name selects its addresses only when some egress DNS rule of the input
   * lets Cilium's DNS proxy see its lookup (as in a real cluster).
   * @default true
   */
  readonly requireDnsVisibility?: boolean;
  /**
   * Where an object came from (for example from the loader), so that errors name the file
   * and the document.
   * @default - errors name the object and the field only
   */
  readonly sourceOf?: (object: unknown) => SourceRef | undefined;
}

/**
 * The Cilium simulator: a {@link LayerSimulator} with the warnings it met while reading.
 * `present` is true when the input holds a CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy.
 *
 * @see https://docs.cilium.io/en/stable/security/policy/
 */
export interface CiliumSimulator extends LayerSimulator {
  /** Things in the input the simulator does not model, sorted. */
  readonly warnings: readonly Problem[];
  /**
   * Every pair with allowed ports, computed sparsely (see {@link LayerSimulator.allowedPairs}),
   * optionally only for the ports of `scope`.
   *
   * @param scope the ports asked about @default PortSet.ALL
   */
  allowedPairs(sources: readonly Endpoint[], destinations: readonly Endpoint[], scope?: PortSet): readonly AllowedPair[];
}

/**
 * Builds the Cilium layer simulator from plain manifest objects. Objects of other kinds are
 * ignored; CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy objects are validated, and a
 * malformed one raises an {@link AnalysisInputError} naming the object and the field.
 *
 * @param objects parsed manifests (any kinds)
 * @param ctx the world the simulation runs in
 * @param options cluster settings
 * @see https://docs.cilium.io/en/stable/security/policy/language/
 * @example
 * const cilium = createCiliumSimulator(objects, ctx);
 * cilium.explain(web, api, { protocol: 'TCP', port: 8080, http: { method: 'GET', path: '/v1' } });
 */
export function createCiliumSimulator(objects: readonly unknown[], ctx: AnalysisContext, options: CiliumSimulatorOptions = {}): CiliumSimulator {
  return new CiliumLayer(objects, ctx, options);
}

// ---------------------------------------------------------------------------------------------

type Dir = 'ingress' | 'egress';
type Section = 'ingress' | 'ingressDeny' | 'egress' | 'egressDeny';

const NS_KEY = 'io.kubernetes.pod.namespace';
const NS_LABEL_PREFIX = 'io.cilium.k8s.namespace.labels.';
const SA_KEY = 'io.cilium.k8s.policy.serviceaccount';
const CLUSTER_KEY = 'io.cilium.k8s.policy.cluster';
const DEFAULT = 'Cilium default';
const ENTITIES = ['world', 'world-ipv4', 'world-ipv6', 'cluster', 'all', 'host', 'remote-node', 'kube-apiserver', 'ingress', 'init', 'health', 'unmanaged', 'none'];

type Peer =
  | { readonly kind: 'endpoints'; readonly sel: LabelSelector; readonly foreign: boolean }
  | { readonly kind: 'entity'; readonly name: string }
  | { readonly kind: 'cidr'; readonly range: readonly [number, number] | 'ipv6'; readonly except: readonly (readonly [number, number])[] }
  | { readonly kind: 'fqdn'; readonly test: (name: string) => boolean }
  | { readonly kind: 'nothing' };

interface PortProto {
  readonly protocols: readonly L4Protocol[];
  /** Numeric ports, inclusive; undefined for a named port. */
  readonly range?: readonly [number, number];
  readonly name?: string;
}

type L7 =
  | { readonly kind: 'none' }
  | { readonly kind: 'http'; readonly rules: readonly HttpRule[] }
  | { readonly kind: 'dns'; readonly all: boolean }
  | { readonly kind: 'other'; readonly what: string; readonly httpPasses: boolean };

interface HttpRule {
  readonly method?: RegExp;
  readonly path?: RegExp;
  readonly host?: RegExp;
  /** Needs headers the analysis does not model. */
  readonly needsHeaders: boolean;
}

interface PortRule {
  readonly ports: readonly PortProto[];
  readonly l7: L7;
}

interface PeerRule {
  readonly path: string;
  /** `any`: no peer field (every peer); `none`: a present but empty peer field. */
  readonly l3: 'any' | 'none' | readonly Peer[];
  /** Undefined: no toPorts (every port), unless `icmpOnly`. */
  readonly ports?: readonly PortRule[];
  readonly icmpOnly: boolean;
  readonly auth?: string;
}

interface CRule {
  readonly policy: string;
  readonly path: string;
  readonly subject: (labels: Readonly<Record<string, string>>) => boolean;
  /** The selector `subject` tests; undefined when the rule selects no workload. */
  readonly subjectSel?: LabelSelector;
  readonly ingress: readonly PeerRule[];
  readonly ingressDeny: readonly PeerRule[];
  readonly egress: readonly PeerRule[];
  readonly egressDeny: readonly PeerRule[];
  readonly defaultDeny: { readonly ingress: boolean; readonly egress: boolean };
  /** The port numbers its rules of each direction name (where a decision can change). */
  readonly points: { readonly ingress: readonly number[]; readonly egress: readonly number[] };
  /** Has rules in the direction but opts out of default deny. */
  readonly optOut: { readonly ingress: boolean; readonly egress: boolean };
}

interface Judgement {
  readonly allowed: boolean;
  readonly l7: boolean;
  readonly reasons: readonly Reason[];
}

class CiliumLayer implements CiliumSimulator {
  public readonly layer = 'cilium' as const;
  public readonly present: boolean;
  public readonly warnings: readonly Problem[];

  private readonly rules: readonly CRule[];
  private readonly clusterName: string;
  private readonly warningSet = new ProblemSet();
  private points = new Set<number>();
  private readonly ingressRanges: (readonly [number, number])[] = [];
  private readonly egressRanges: (readonly [number, number])[] = [];
  private readonly dnsPatterns: RegExp[] = [];
  private readonly fqdnPeers: { readonly test: (name: string) => boolean }[] = [];
  private readonly resolved: ReadonlyMap<string, readonly (readonly [number, number])[]>;
  private readonly labelCache = new Map<string, Readonly<Record<string, string>>>();
  private readonly selectingCache = new Map<string, readonly CRule[]>();
  private readonly selectorCache = new Map<string, { sel: LabelSelector; foreign: boolean }>();

  constructor(objects: readonly unknown[], ctx: AnalysisContext, private readonly options: CiliumSimulatorOptions) {
    this.clusterName = options.clusterName ?? ctx.clusterName ?? 'default';
    const resolved = new Map<string, (readonly [number, number])[]>();
    for (const [name, ips] of Object.entries(ctx.resolve)) {
      const key = normName(name);
      const list = resolved.get(key) ?? [];
      ips.forEach((ip, i) => {
        const r = cidrRange(ip, { object: 'resolve', field: `${name}[${i}]` });
        if (r !== 'ipv6') list.push(r);
      });
      resolved.set(key, list);
    }
    this.resolved = resolved;
    const rules: CRule[] = [];
    let present = false;
    for (const obj of objects) {
      if (!isRecord(obj) || typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') continue;
      if (obj.kind !== 'CiliumNetworkPolicy' && obj.kind !== 'CiliumClusterwideNetworkPolicy') continue;
      if (!obj.apiVersion.startsWith('cilium.io/')) continue;
      present = true;
      rules.push(...withSource(obj, options.sourceOf, () => this.readPolicy(obj)));
    }
    // DNS visibility and FQDN addresses are only known once every policy is read.
    this.rules = rules.sort((a, b) => cmpStr(a.policy, b.policy) || cmpStr(a.path, b.path));
    this.present = present;
    for (const [name, ranges] of this.resolved) {
      if (this.fqdnPeers.some((p) => p.test(name))) this.egressRanges.push(...ranges);
    }
    this.warnings = this.warningSet.list();
  }

  private readPolicy(obj: Record<string, unknown>): CRule[] {
    const rules: CRule[] = [];
    const clusterwide = obj.kind === 'CiliumClusterwideNetworkPolicy';
    const meta = isRecord(obj.metadata) ? obj.metadata : {};
    const name = typeof meta.name === 'string' ? meta.name : undefined;
    const namespace = clusterwide ? undefined : typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : 'default';
    const ref = clusterwide ? `${obj.kind} ${name ?? '?'}` : `${obj.kind} ${namespace}/${name ?? '?'}`;
    if (!name) inputError(at(ref, 'metadata.name'), 'the policy has no name', meta.name, 'set metadata.name');
    if (obj.apiVersion !== 'cilium.io/v2') inputError(at(ref, 'apiVersion'), 'is not a served version of this kind', obj.apiVersion, 'use cilium.io/v2');
    const specs: { raw: unknown; path: string }[] = [];
    if (obj.spec !== undefined && obj.spec !== null) specs.push({ raw: obj.spec, path: 'spec' });
    (optList(obj.specs, at(ref, 'specs'), '[{endpointSelector: {}, ingress: [...]}]') ?? []).forEach((s, i) => specs.push({ raw: s, path: `specs[${i}]` }));
    if (specs.length === 0) inputError(at(ref, 'spec'), 'the policy has neither spec nor specs', undefined, 'add spec with an endpointSelector and rules');
    for (const s of specs) {
      const r = this.readRule(s.raw, ref, s.path, namespace);
      if (r) rules.push(r);
    }
    return rules;
  }

  public explain(src: Endpoint, dst: Endpoint, conn: Connection): LayerVerdict {
    const reasons: Reason[] = [];
    let l7 = false;
    if (src.type === 'workload') {
      const e = this.judge('egress', src, dst, dst, conn);
      reasons.push(...e.reasons);
      if (!e.allowed) return { layer: 'cilium', allowed: false, reasons };
      l7 = l7 || e.l7;
    }
    if (dst.type === 'workload') {
      const i = this.judge('ingress', dst, src, dst, conn);
      reasons.push(...i.reasons);
      if (!i.allowed) return { layer: 'cilium', allowed: false, reasons };
      l7 = l7 || i.l7;
    }
    if (src.type !== 'workload' && dst.type !== 'workload') {
      reasons.push(reason(DEFAULT, undefined, 'default-allow', 'neither endpoint is a Cilium-managed workload'));
    }
    return l7 && !conn.http ? { layer: 'cilium', allowed: true, reasons, l7Restricted: true } : { layer: 'cilium', allowed: true, reasons };
  }

  public allowedPorts(src: Endpoint, dst: Endpoint): PortSet {
    const points = new Set<number>(dst.type === 'workload' ? dst.ports.map((p) => p.port) : []);
    if (src.type === 'workload') for (const r of this.selecting(src)) for (const n of r.points.egress) points.add(n);
    if (dst.type === 'workload') for (const r of this.selecting(dst)) for (const n of r.points.ingress) points.add(n);
    const list = [...points];
    return portSetFromDecisions(L4_PROTOCOLS, () => list, (protocol, port) => this.explain(src, dst, { protocol, port }).allowed);
  }

  public addressBoundaries(): { readonly ingress: readonly (readonly [number, number])[]; readonly egress: readonly (readonly [number, number])[] } {
    return { ingress: sortRanges(this.ingressRanges), egress: sortRanges(this.egressRanges) };
  }

  /**
   * Every allowed pair among the given endpoints, computed sparsely, with the same ports as
   * {@link allowedPorts}. Endpoints are grouped into classes (same Cilium labels and ports,
   * or the same external range); the rules that select each class are found through a label
   * index. A direction of a class answers every peer class that none of its endpoint
   * selectors names in one go (only `toPorts` named ports make the answer depend on the
   * destination's ports), and the peers its selectors name one by one. Pairs are then
   * visited only where both directions can allow something: an open direction (not in
   * default deny, or a rule for every peer) pairs with every class, a closed one only with
   * the peers its rules name.
   *
   * @param sources the sources
   * @param destinations the destinations
   * @param scope only these ports are asked about: every answer is intersected with it, and
   *   pairs with nothing in it are left out @default PortSet.ALL
   */
  public allowedPairs(sources: readonly Endpoint[], destinations: readonly Endpoint[], scope: PortSet = PortSet.ALL): AllowedPair[] {
    const { reps, srcMembers, dstMembers } = endpointClasses(sources, destinations, (ep) => this.classKey(ep));
    const n = reps.length;
    const table = new PortSetTable();
    const workloads: number[] = [];
    const externals: number[] = [];
    for (let u = 0; u < n; u++) (reps[u].type === 'workload' ? workloads : externals).push(u);
    const index = new LabelIndex(workloads, (u) => this.labelsOf(reps[u] as WorkloadEndpoint));

    // the rules selecting each workload class
    const rulesOf: CRule[][] = reps.map(() => []);
    for (const r of this.rules) {
      if (!r.subjectSel) continue;
      for (const k of index.select(r.subjectSel)) rulesOf[workloads[k]].push(r);
    }
    // the workload classes an endpoint selector selects
    const selCache = new Map<string, ReadonlySet<number>>();
    const selected = (sel: LabelSelector): ReadonlySet<number> => {
      let hit = selCache.get(sel.key);
      if (!hit) {
        hit = new Set(index.select(sel).map((k) => workloads[k]));
        selCache.set(sel.key, hit);
      }
      return hit;
    };
    const named = (pr: PeerRule, out: Set<number>): void => {
      if (typeof pr.l3 === 'string') return;
      for (const p of pr.l3) if (p.kind === 'endpoints' && !p.foreign) for (const v of selected(p.sel)) out.add(v);
    };
    // whether a rule's peers match a workload class (undefined: any class no endpoint selector names)
    const matchWorkload = (pr: PeerRule, v: number | undefined): boolean => {
      if (pr.l3 === 'any') return true;
      if (pr.l3 === 'none') return false;
      return pr.l3.some((p) => {
        if (p.kind === 'entity') return p.name === 'all' || p.name === 'cluster';
        return p.kind === 'endpoints' && !p.foreign && v !== undefined && selected(p.sel).has(v);
      });
    };
    const portsCache = new Map<PeerRule, Map<string, PortSet>>();
    const rulePorts = (pr: PeerRule, dst: Endpoint): PortSet => {
      if (pr.icmpOnly) return PortSet.EMPTY;
      if (!pr.ports) return PortSet.ALL;
      const hasNamed = pr.ports.some((x) => x.ports.some((p) => p.name !== undefined));
      const key = hasNamed && dst.type === 'workload' ? containerPortsKey(dst.ports) : '';
      let byDst = portsCache.get(pr);
      if (!byDst) {
        byDst = new Map();
        portsCache.set(pr, byDst);
      }
      const hit = byDst.get(key);
      if (hit) return hit;
      const sets: PortSet[] = [];
      for (const rule of pr.ports) {
        for (const p of rule.ports) {
          for (const protocol of p.protocols) {
            if (p.range) sets.push(PortSet.of(protocol, p.range[0], p.range[1]));
            else if (dst.type === 'workload') {
              for (const cp of dst.ports) if (cp.protocol === protocol && cp.name?.toLowerCase() === p.name) sets.push(PortSet.of(protocol, cp.port));
            }
          }
        }
      }
      const out = PortSet.unionAll(sets);
      byDst.set(key, out);
      return out;
    };
    // one direction at a subject class, as `judge` decides it port by port: deny rules, default deny, allow rules
    const direction = (u: number, dir: Dir, peer: Endpoint, dst: Endpoint, match: (pr: PeerRule, deny: boolean) => boolean): number => {
      const rules = rulesOf[u];
      const denySection: Section = dir === 'ingress' ? 'ingressDeny' : 'egressDeny';
      const deny: PortSet[] = [];
      for (const r of rules) for (const pr of r[denySection]) if (match(pr, true)) deny.push(rulePorts(pr, dst));
      let allow = PortSet.ALL;
      if (rules.some((r) => r.defaultDeny[dir])) {
        const sets: PortSet[] = [];
        for (const r of rules) {
          for (const pr of r[dir]) {
            if (!match(pr, false)) continue;
            if (pr.auth === 'fail' || (pr.auth === 'required' && peer.type !== 'workload')) continue;
            sets.push(rulePorts(pr, dst));
          }
        }
        allow = PortSet.unionAll(sets);
      }
      return table.id(deny.length === 0 ? allow : allow.subtract(PortSet.unionAll(deny)));
    };
    const viaWorkload = (v: number | undefined) => (pr: PeerRule): boolean => matchWorkload(pr, v);
    const viaExternal = (peer: Endpoint) => (pr: PeerRule, deny: boolean): boolean => this.peerMatches(pr, peer, deny);

    // ingress of every destination class: the source classes its selectors name, the rest
    const inNamed: Map<number, number>[] = reps.map(() => new Map());
    const inGeneric: number[] = reps.map(() => 1);
    const namesIn: number[][] = reps.map(() => []); // source class → destination classes naming it
    const openIn: number[] = [];
    for (const d of workloads) {
      if (dstMembers[d].length === 0) continue;
      const dst = reps[d];
      inGeneric[d] = direction(d, 'ingress', dst, dst, viaWorkload(undefined));
      if (inGeneric[d] !== 0) openIn.push(d);
      const peers = new Set<number>();
      for (const r of rulesOf[d]) for (const pr of [...r.ingress, ...r.ingressDeny]) named(pr, peers);
      for (const s of peers) {
        if (srcMembers[s].length === 0) continue;
        inNamed[d].set(s, direction(d, 'ingress', reps[s], dst, viaWorkload(s)));
        namesIn[s].push(d);
      }
    }
    const ingressOf = (s: number, d: number): number => {
      if (reps[d].type !== 'workload') return 1;
      if (reps[s].type === 'external') return direction(d, 'ingress', reps[s], reps[d], viaExternal(reps[s]));
      return inNamed[d].get(s) ?? inGeneric[d];
    };

    const out: AllowedPair[] = [];
    const dstWorkloads = workloads.filter((d) => dstMembers[d].length > 0);
    const dstExternals = externals.filter((d) => dstMembers[d].length > 0);
    const scopeId = table.id(scope);
    const visit = (s: number, d: number, egress: number): void => {
      const id = table.meet(table.meet(egress, ingressOf(s, d)), scopeId);
      if (id !== 0) emitPairs(out, srcMembers[s], dstMembers[d], sources, destinations, table.set(id));
    };
    for (let s = 0; s < n; s++) {
      if (srcMembers[s].length === 0) continue;
      const src = reps[s];
      if (src.type === 'external') {
        // not policed at the source: every destination workload's ingress decides
        for (const d of dstWorkloads) visit(s, d, 1);
        continue;
      }
      const peers = new Set<number>();
      for (const r of rulesOf[s]) for (const pr of [...r.egress, ...r.egressDeny]) named(pr, peers);
      const egNamed = new Map<number, number>();
      for (const d of peers) if (dstMembers[d].length > 0) egNamed.set(d, direction(s, 'egress', reps[d], reps[d], viaWorkload(d)));
      const generic = new Map<string, number>();
      const egGeneric = (d: number): number => {
        const dst = reps[d] as WorkloadEndpoint;
        const k = containerPortsKey(dst.ports);
        let id = generic.get(k);
        if (id === undefined) {
          id = direction(s, 'egress', dst, dst, viaWorkload(undefined));
          generic.set(k, id);
        }
        return id;
      };
      // closed for the peers no selector names when no generic rule can allow anything
      const isolated = rulesOf[s].some((r) => r.defaultDeny.egress);
      const genericClosed = isolated && !rulesOf[s].some((r) => r.egress.some((pr) => matchWorkload(pr, undefined) && !pr.icmpOnly));
      const candidates = new Set<number>(egNamed.keys());
      if (!genericClosed) {
        for (const d of openIn) candidates.add(d);
        for (const d of namesIn[s]) candidates.add(d);
      }
      for (const d of [...candidates].sort((a, b) => a - b)) visit(s, d, egNamed.get(d) ?? egGeneric(d));
      for (const d of dstExternals) visit(s, d, direction(s, 'egress', reps[d], reps[d], viaExternal(reps[d])));
    }
    return out;
  }

  /** Endpoints with the same key get the same answers from this layer. */
  private classKey(ep: Endpoint): string {
    if (ep.type === 'external') return `x|${ep.first}|${ep.last}`;
    return `w|${labelsKey(this.labelsOf(ep))}|${containerPortsKey(ep.ports)}`;
  }

  // ------------------------------------------------------------------------------------------

  /** One direction at one workload: deny rules, default deny, allow rules. */
  private judge(dir: Dir, subject: WorkloadEndpoint, peer: Endpoint, dst: Endpoint, conn: Connection): Judgement {
    const rules = this.selecting(subject);
    const denySection: Section = dir === 'ingress' ? 'ingressDeny' : 'egressDeny';
    const peerWord = dir === 'ingress' ? `from ${peer.id}` : `to ${peer.id}`;
    for (const r of rules) {
      for (const pr of r[denySection]) {
        if (this.peerMatches(pr, peer, true) && portsMatch(pr, conn, dst) !== 'no') {
          return { allowed: false, l7: false, reasons: [reason(r.policy, pr.path, 'deny', `${dir} deny rule of ${subject.id} matches ${peerWord} on ${conn.protocol} ${conn.port}; deny rules take precedence over every allow`)] };
        }
      }
    }
    const isolating = rules.filter((r) => r.defaultDeny[dir]);
    if (isolating.length === 0) {
      // Not in default deny, but traffic an L7 rule matches is still redirected to the proxy, which enforces it.
      const l7 = this.bestAllow(dir, rules, subject, peer, dst, conn, peerWord);
      if (l7 && l7.tri !== 'yes' && l7.l7Only) {
        if (l7.tri === 'some') return { allowed: true, l7: true, reasons: [l7.reason] };
        return { allowed: false, l7: false, reasons: [reason(l7.reason.policy, l7.reason.rule, 'deny', `${dir} L7 rules of ${subject.id} reject this request ${peerWord} on ${conn.protocol} ${conn.port}: traffic an L7 rule covers goes through the proxy even without default deny`)] };
      }
      const optOut = rules.filter((r) => r.optOut[dir]);
      const detail = optOut.length > 0
        ? `${subject.id} is not in ${dir} default deny: the rules that select it set enableDefaultDeny.${dir}: false`
        : `no rule with ${dir} rules selects ${subject.id}, so its ${dir} is not restricted`;
      return { allowed: true, l7: false, reasons: [reason(optOut[0]?.policy ?? DEFAULT, optOut[0] ? `${optOut[0].path}.enableDefaultDeny.${dir}` : undefined, 'default-allow', detail)] };
    }
    let some: Reason | undefined;
    for (const r of rules) {
      for (const pr of r[dir]) {
        if (!this.peerMatches(pr, peer, false)) continue;
        if (pr.auth === 'fail' || (pr.auth === 'required' && peer.type !== 'workload')) continue;
        const t = portsMatch(pr, conn, dst);
        if (t === 'no') continue;
        const auth = pr.auth === 'required' ? '; it requires mutual authentication, taken to succeed between workloads' : '';
        if (t === 'yes') {
          return { allowed: true, l7: false, reasons: [reason(r.policy, pr.path, 'allow', `${dir} rule of ${subject.id} allows ${peerWord} on ${conn.protocol} ${conn.port}${conn.http ? ` (${conn.http.method} ${conn.http.path})` : ''}${auth}`)] };
        }
        if (!some) some = reason(r.policy, pr.path, 'allow', `${dir} rule of ${subject.id} allows ${peerWord} on ${conn.protocol} ${conn.port} for the requests its L7 rules accept${auth}`);
      }
    }
    if (some) return { allowed: true, l7: true, reasons: [some] };
    const reasons = isolating.map((r) => reason(r.policy, `${r.path}.${r[dir].length > 0 ? dir : denySection}`, 'default-deny',
      `selects ${subject.id} with ${dir} rules, so its ${dir} is default deny; no ${dir} rule allows ${peerWord} on ${conn.protocol} ${conn.port}${conn.http ? ` (${conn.http.method} ${conn.http.path})` : ''}`));
    return { allowed: false, l7: false, reasons };
  }

  /**
   * For an endpoint without default deny: the best answer of the allow rules whose peer and
   * port match, when all of them carry L7 rules (`l7Only`); undefined when none matches.
   */
  private bestAllow(dir: Dir, rules: readonly CRule[], subject: WorkloadEndpoint, peer: Endpoint, dst: Endpoint, conn: Connection, peerWord: string):
  { tri: Tri; l7Only: boolean; reason: Reason } | undefined {
    let best: { tri: Tri; l7Only: boolean; reason: Reason } | undefined;
    for (const r of rules) {
      for (const pr of r[dir]) {
        if (!this.peerMatches(pr, peer, false)) continue;
        const l4 = portsMatch(pr, { protocol: conn.protocol, port: conn.port }, dst);
        if (l4 === 'no') continue;
        const t = portsMatch(pr, conn, dst);
        const l7Only = pr.ports !== undefined && pr.ports.every((x) => x.l7.kind !== 'none');
        const rs = reason(r.policy, pr.path, 'allow', `${dir} rule of ${subject.id} covers ${peerWord} on ${conn.protocol} ${conn.port} with L7 rules, enforced by the proxy`);
        if (!l7Only || t === 'yes') return { tri: 'yes', l7Only: false, reason: rs };
        if (!best || (best.tri === 'no' && t === 'some')) best = { tri: t, l7Only: true, reason: rs };
      }
    }
    return best;
  }

  private selecting(w: WorkloadEndpoint): readonly CRule[] {
    const hit = this.selectingCache.get(w.id);
    if (hit) return hit;
    const labels = this.labelsOf(w);
    const out = this.rules.filter((r) => r.subject(labels));
    this.selectingCache.set(w.id, out);
    return out;
  }

  private labelsOf(w: WorkloadEndpoint): Readonly<Record<string, string>> {
    const hit = this.labelCache.get(w.id);
    if (hit) return hit;
    const out: Record<string, string> = { ...w.labels };
    for (const [k, v] of Object.entries(w.namespaceLabels)) out[`${NS_LABEL_PREFIX}${k}`] = v;
    out[NS_KEY] = w.namespace;
    out[SA_KEY] = w.serviceAccount;
    out[CLUSTER_KEY] = this.clusterName;
    this.labelCache.set(w.id, out);
    return out;
  }

  private peerMatches(pr: PeerRule, peer: Endpoint, deny: boolean): boolean {
    if (pr.l3 === 'any') return true;
    if (pr.l3 === 'none') return false;
    return pr.l3.some((p) => this.peerMatch(p, peer, deny));
  }

  private peerMatch(p: Peer, peer: Endpoint, deny: boolean): boolean {
    switch (p.kind) {
      case 'endpoints':
        return peer.type === 'workload' && !p.foreign && p.sel.matches(this.labelsOf(peer));
      case 'entity':
        if (p.name === 'all') return true;
        if (p.name === 'cluster') return peer.type === 'workload';
        if (p.name === 'world' || p.name === 'world-ipv4') return peer.type === 'external';
        return false;
      case 'cidr': {
        if (peer.type !== 'external' || p.range === 'ipv6') return false;
        const [a, b] = [peer.first, peer.last];
        const inside = rangeWithin(a, b, p.range[0], p.range[1]) && !p.except.some(([c, d]) => rangesOverlap(a, b, c, d));
        if (inside) return true;
        const touches = rangesOverlap(a, b, p.range[0], p.range[1]) && !p.except.some(([c, d]) => rangeWithin(a, b, c, d));
        // A range that straddles the block: deny rules match it, allow rules do not.
        return deny && touches;
      }
      case 'fqdn': {
        if (peer.type !== 'external') return false;
        for (const [name, ranges] of this.resolved) {
          if (!p.test(name) || !this.dnsVisible(name)) continue;
          if (ranges.some(([c, d]) => rangeWithin(peer.first, peer.last, c, d))) return true;
        }
        return false;
      }
      default:
        return false;
    }
  }

  private dnsVisible(name: string): boolean {
    if (this.options.requireDnsVisibility === false) return true;
    return this.dnsPatterns.some((re) => re.test(name));
  }

  // ------------------------------------------------------------------------------------------
  // Reading

  private readRule(raw: unknown, ref: string, path: string, namespace: string | undefined): CRule | undefined {
    const spec = optRecord(raw, at(ref, path), '{endpointSelector: {}, ingress: [...]}') ?? {};
    checkKeys(spec, ['endpointSelector', 'nodeSelector', 'ingress', 'ingressDeny', 'egress', 'egressDeny', 'labels', 'description', 'enableDefaultDeny', 'log'], ref, path);
    let subject: (labels: Readonly<Record<string, string>>) => boolean;
    let subjectSel: LabelSelector | undefined;
    if (spec.nodeSelector !== undefined && spec.nodeSelector !== null) {
      if (spec.endpointSelector !== undefined) inputError(at(ref, `${path}.nodeSelector`), 'a rule has either an endpointSelector or a nodeSelector', spec.nodeSelector, 'split it into two rules');
      this.warningSet.warn('BH-AN-CILIUM-HOST-POLICY', `${ref}, ${path}`, 'nodeSelector (host policy) is not modeled; the rule selects no workload', 'check host policies separately: the analysis covers pod endpoints only');
      subject = () => false;
    } else {
      if (spec.endpointSelector === undefined || spec.endpointSelector === null) {
        inputError(at(ref, `${path}.endpointSelector`), 'a rule needs an endpointSelector', undefined, 'write endpointSelector: {} to select every endpoint, or matchLabels to select some');
      }
      const sel = this.readSelector(spec.endpointSelector, ref, `${path}.endpointSelector`, namespace, true);
      subject = (labels) => !sel.foreign && sel.sel.matches(labels);
      if (!sel.foreign) subjectSel = sel.sel;
    }
    const edd = optRecord(spec.enableDefaultDeny, at(ref, `${path}.enableDefaultDeny`), '{ingress: false, egress: true}');
    if (edd) checkKeys(edd, ['ingress', 'egress'], ref, `${path}.enableDefaultDeny`);
    const eddIngress = optBool(edd?.ingress, at(ref, `${path}.enableDefaultDeny.ingress`));
    const eddEgress = optBool(edd?.egress, at(ref, `${path}.enableDefaultDeny.egress`));
    const read = (section: Section): PeerRule[] =>
      (optList(spec[section], at(ref, `${path}.${section}`), '[{fromEndpoints: [...], toPorts: [...]}]') ?? []).map((r, i) => this.readPeerRule(r, ref, `${path}.${section}[${i}]`, section, namespace));
    this.points = new Set<number>();
    const ingress = read('ingress');
    const ingressDeny = read('ingressDeny');
    const ingressPoints = [...this.points].sort((a, b) => a - b);
    this.points = new Set<number>();
    const egress = read('egress');
    const egressDeny = read('egressDeny');
    const egressPoints = [...this.points].sort((a, b) => a - b);
    const hasIn = ingress.length + ingressDeny.length > 0;
    const hasEg = egress.length + egressDeny.length > 0;
    return {
      policy: ref,
      path,
      subject,
      subjectSel,
      ingress,
      ingressDeny,
      egress,
      egressDeny,
      defaultDeny: { ingress: hasIn && eddIngress !== false, egress: hasEg && eddEgress !== false },
      points: { ingress: ingressPoints, egress: egressPoints },
      optOut: { ingress: hasIn && eddIngress === false, egress: hasEg && eddEgress === false },
    };
  }

  private readPeerRule(raw: unknown, ref: string, path: string, section: Section, namespace: string | undefined): PeerRule {
    const r = optRecord(raw, at(ref, path), '{fromEndpoints: [{matchLabels: {app: web}}]}') ?? {};
    const ingress = section === 'ingress' || section === 'ingressDeny';
    const deny = section === 'ingressDeny' || section === 'egressDeny';
    const p = ingress ? 'from' : 'to';
    const l3Fields = ingress
      ? ['fromEndpoints', 'fromCIDR', 'fromCIDRSet', 'fromEntities', 'fromGroups', 'fromNodes']
      : ['toEndpoints', 'toCIDR', 'toCIDRSet', 'toEntities', 'toGroups', 'toNodes', 'toServices', ...(deny ? [] : ['toFQDNs'])];
    const allowedKeys = [...l3Fields, `${p}Requires`, 'toPorts', 'icmps', ...(deny ? [] : ['authentication'])];
    checkKeys(r, allowedKeys, ref, path);
    if (r[`${p}Requires`] !== undefined) {
      inputError(at(ref, `${path}.${p}Requires`), `${p}Requires is deprecated since Cilium 1.17 and removed in 1.19; the analysis does not model it`, r[`${p}Requires`], `express the requirement in ${p}Endpoints of every rule instead`);
    }
    const present = l3Fields.filter((f) => r[f] !== undefined && r[f] !== null);
    const kinds = new Set(present.map((f) => (f.endsWith('CIDR') || f.endsWith('CIDRSet') ? 'cidr' : f)));
    if (kinds.size > 1) {
      inputError(at(ref, path), `combining ${present.join(' and ')} in one rule is not supported by Cilium`, present, 'write one rule per kind of peer');
    }
    const peers: Peer[] = [];
    let empty = false;
    const where = (f: string): string => `${path}.${f}`;
    for (const f of present) {
      const list = optList(r[f], at(ref, where(f)), '[...]') ?? [];
      if (list.length === 0) empty = true;
      if (f.endsWith('Endpoints')) {
        list.forEach((s, i) => {
          const sel = this.readSelector(s, ref, `${where(f)}[${i}]`, namespace, false);
          if (sel.foreign) this.warningSet.warn('BH-AN-CILIUM-FOREIGN-SELECTOR', `${ref}, ${where(f)}[${i}]`, 'selectors on reserved or non-Kubernetes labels are not modeled; it selects no workload', 'select endpoints by their Kubernetes labels, or check this peer separately');
          peers.push({ kind: 'endpoints', sel: sel.sel, foreign: sel.foreign });
        });
      } else if (f.endsWith('Entities')) {
        list.forEach((e, i) => {
          if (typeof e !== 'string' || !ENTITIES.includes(e)) inputError(at(ref, `${where(f)}[${i}]`), 'is not a Cilium entity', e, `use one of ${ENTITIES.join(', ')}`);
          if (!['world', 'world-ipv4', 'cluster', 'all'].includes(e)) this.warningSet.warn('BH-AN-CILIUM-ENTITY', `${ref}, ${where(f)}[${i}]`, `entity ${e} names no workload or external IPv4 range of the analysis; it matches nothing`, 'check what this entity allows separately (host, node and control-plane addresses are outside the analysis)');
          peers.push({ kind: 'entity', name: e });
        });
      } else if (f.endsWith('CIDR')) {
        list.forEach((c, i) => {
          const range = cidrRange(c, at(ref, `${where(f)}[${i}]`));
          if (range !== 'ipv6') (ingress ? this.ingressRanges : this.egressRanges).push(range);
          peers.push({ kind: 'cidr', range, except: [] });
        });
      } else if (f.endsWith('CIDRSet')) {
        list.forEach((c, i) => {
          const fp = `${where(f)}[${i}]`;
          const set = optRecord(c, at(ref, fp), '{cidr: 10.0.0.0/8, except: [10.96.0.0/12]}') ?? {};
          checkKeys(set, ['cidr', 'except', 'cidrGroupRef', 'cidrGroupSelector'], ref, fp);
          if (set.cidr === undefined) {
            if (deny) inputError(at(ref, fp), 'CIDR groups are not modeled, and ignoring them in a deny rule would hide what it denies', set, 'write the CIDRs in the rule');
            this.warningSet.warn('BH-AN-CILIUM-CIDR-GROUP', `${ref}, ${fp}`, 'CIDR groups (cidrGroupRef, cidrGroupSelector) are not modeled; the entry selects nothing', 'write the CIDRs in the rule to have them analysed');
            peers.push({ kind: 'nothing' });
            return;
          }
          const range = cidrRange(set.cidr, at(ref, `${fp}.cidr`));
          const except = (optList(set.except, at(ref, `${fp}.except`), '["10.96.0.0/12"]') ?? []).map((e, j) => cidrRange(e, at(ref, `${fp}.except[${j}]`)))
            .filter((e): e is readonly [number, number] => e !== 'ipv6');
          if (range !== 'ipv6') (ingress ? this.ingressRanges : this.egressRanges).push(range, ...except);
          peers.push({ kind: 'cidr', range, except });
        });
      } else if (f === 'toFQDNs') {
        list.forEach((q, i) => {
          const fp = `${where(f)}[${i}]`;
          const sel = optRecord(q, at(ref, fp), '{matchName: api.example.com}') ?? {};
          checkKeys(sel, ['matchName', 'matchPattern'], ref, fp);
          const name = optString(sel.matchName, at(ref, `${fp}.matchName`), 'api.example.com');
          const pattern = optString(sel.matchPattern, at(ref, `${fp}.matchPattern`), '*.example.com');
          if ((name === undefined) === (pattern === undefined)) inputError(at(ref, fp), 'needs exactly one of matchName and matchPattern', q, 'write {matchName: api.example.com} or {matchPattern: "*.example.com"}');
          const test = name !== undefined ? nameTest(name) : patternTest(pattern ?? '');
          this.fqdnPeers.push({ test });
          peers.push({ kind: 'fqdn', test });
        });
      } else {
        if (deny && list.length > 0) inputError(at(ref, where(f)), `${f} is not modeled, and ignoring it in a deny rule would hide what it denies`, r[f], 'express the peers with endpoints, entities or CIDRs');
        if (list.length > 0) this.warningSet.warn('BH-AN-CILIUM-PEER-NOT-MODELED', `${ref}, ${where(f)}`, `${f} is not modeled; the rule selects nothing through it`, 'express the peers with endpoints, entities or CIDRs to have them analysed');
        peers.push({ kind: 'nothing' });
      }
    }
    const l3: PeerRule['l3'] = empty ? 'none' : present.length === 0 ? 'any' : peers;
    const icmps = optList(r.icmps, at(ref, `${path}.icmps`), '[{fields: [{type: 8}]}]') ?? [];
    const toPortsRaw = optList(r.toPorts, at(ref, `${path}.toPorts`), '[{ports: [{port: "8080", protocol: TCP}]}]');
    const ports = toPortsRaw && toPortsRaw.length > 0 ? toPortsRaw.map((pr, i) => this.readPortRule(pr, ref, `${path}.toPorts[${i}]`, deny)) : undefined;
    const auth = deny ? undefined : optString(optRecord(r.authentication, at(ref, `${path}.authentication`), '{mode: required}')?.mode, at(ref, `${path}.authentication.mode`), 'required');
    if (auth !== undefined && !['disabled', 'required', 'test-always-fail'].includes(auth)) {
      inputError(at(ref, `${path}.authentication.mode`), 'is not an authentication mode', auth, 'use required or disabled');
    }
    // `{}` (no peer field, no ports) allows nothing: Cilium merges an L3-only rule only when it names peers.
    const nothing = l3 === 'any' && !ports && icmps.length === 0;
    return { path, l3: nothing ? 'none' : l3, ports, icmpOnly: !ports && icmps.length > 0, auth: auth === 'test-always-fail' ? 'fail' : auth };
  }

  private readPortRule(raw: unknown, ref: string, path: string, deny: boolean): PortRule {
    const pr = optRecord(raw, at(ref, path), '{ports: [{port: "8080", protocol: TCP}]}') ?? {};
    checkKeys(pr, deny ? ['ports'] : ['ports', 'rules', 'serverNames', 'listener', 'terminatingTLS', 'originatingTLS'], ref, path);
    const list = optList(pr.ports, at(ref, `${path}.ports`), '[{port: "8080", protocol: TCP}]') ?? [];
    if (list.length === 0) this.warningSet.warn('BH-AN-CILIUM-EMPTY-PORTS', `${ref}, ${path}`, 'a toPorts entry without ports matches no port', 'list the ports, or remove the entry');
    const ports = list.map((p, i) => {
      const fp = `${path}.ports[${i}]`;
      const pp = optRecord(p, at(ref, fp), '{port: "8080", protocol: TCP}') ?? {};
      checkKeys(pp, ['port', 'endPort', 'protocol'], ref, fp);
      const proto = pp.protocol ?? 'ANY';
      if (typeof proto !== 'string') return inputError(at(ref, `${fp}.protocol`), 'must be a string', proto, 'use TCP, UDP, SCTP or ANY');
      const protos = proto === '' || proto === 'ANY' ? L4_PROTOCOLS : ['TCP', 'UDP', 'SCTP'].includes(proto) ? [proto as L4Protocol] : undefined;
      if (protos === undefined) {
        if (!['VRRP', 'IGMP', 'GRE', 'IPIP', 'IPV6', 'ESP', 'AH'].includes(proto)) inputError(at(ref, `${fp}.protocol`), 'is not a protocol Cilium accepts', proto, 'use TCP, UDP, SCTP or ANY');
      }
      const protocols = protos ?? [];
      const portRaw = pp.port ?? '0';
      if (typeof portRaw === 'string' && /[a-zA-Z]/.test(portRaw)) {
        if (!/^([a-zA-Z0-9]-?)*[a-zA-Z](-?[a-zA-Z0-9])*$/.test(portRaw)) inputError(at(ref, `${fp}.port`), 'is not a valid port name', portRaw, 'use a container port name such as http');
        return { protocols, name: portRaw.toLowerCase() };
      }
      const port = portNumber(portRaw, at(ref, `${fp}.port`));
      if (port === 0) return { protocols, range: [1, 65535] as const };
      const endRaw = pp.endPort;
      const end = endRaw === undefined || endRaw === null ? port : portNumber(endRaw, at(ref, `${fp}.endPort`));
      const last = end > port ? end : port;
      this.points.add(port);
      this.points.add(last + 1);
      return { protocols, range: [port, last] as const };
    });
    return { ports, l7: deny ? { kind: 'none' } : this.readL7(pr, ref, path) };
  }

  private readL7(pr: Record<string, unknown>, ref: string, path: string): L7 {
    if (pr.listener !== undefined) {
      this.warningSet.warn('BH-AN-CILIUM-LISTENER', `${ref}, ${path}.listener`, 'traffic redirected to an Envoy listener is taken as allowed; the listener is not modeled', 'check the listener configuration separately');
      return { kind: 'other', what: 'an Envoy listener redirect', httpPasses: true };
    }
    const sni = optStringList(pr.serverNames, at(ref, `${path}.serverNames`), '["api.example.com"]') ?? [];
    const rules = optRecord(pr.rules, at(ref, `${path}.rules`), '{http: [{method: GET, path: "/"}]}');
    if (rules) checkKeys(rules, ['http', 'dns', 'kafka', 'l7proto', 'l7'], ref, `${path}.rules`);
    const http = optList(rules?.http, at(ref, `${path}.rules.http`), '[{method: GET, path: "/api/.*"}]') ?? [];
    const dns = optList(rules?.dns, at(ref, `${path}.rules.dns`), '[{matchPattern: "*"}]') ?? [];
    const kafka = optList(rules?.kafka, at(ref, `${path}.rules.kafka`), '[{topic: orders}]') ?? [];
    const l7proto = optString(rules?.l7proto, at(ref, `${path}.rules.l7proto`), 'myproto');
    const kinds = [http.length > 0, dns.length > 0, kafka.length > 0, l7proto !== undefined].filter(Boolean).length;
    if (kinds > 1) inputError(at(ref, `${path}.rules`), 'mixes L7 rule types; Cilium accepts one type per port', Object.keys(rules ?? {}), 'keep one of http, dns, kafka');
    if (http.length > 0) {
      return {
        kind: 'http',
        rules: http.map((h, i) => {
          const fp = `${path}.rules.http[${i}]`;
          const hr = optRecord(h, at(ref, fp), '{method: GET, path: "/public"}') ?? {};
          checkKeys(hr, ['method', 'path', 'host', 'headers', 'headerMatches'], ref, fp);
          const re = (k: string): RegExp | undefined => {
            const v = optString(hr[k], at(ref, `${fp}.${k}`), k === 'path' ? '"/api/v1/.*"' : 'GET');
            if (v === undefined || v === '') return undefined;
            try {
              return new RegExp(`^(?:${v})$`);
            } catch {
              return inputError(at(ref, `${fp}.${k}`), 'is not a valid regular expression', v, 'write an RE2 regular expression, such as "/api/v1/.*"');
            }
          };
          const headers = optStringList(hr.headers, at(ref, `${fp}.headers`), '["X-My-Header: true"]') ?? [];
          const matchesRaw = optList(hr.headerMatches, at(ref, `${fp}.headerMatches`), '[{name: x-token, value: abc}]') ?? [];
          const needsHeaders = headers.length > 0 || matchesRaw.some((m) => !(isRecord(m) && typeof m.mismatch === 'string' && m.mismatch !== ''));
          return { method: re('method'), path: re('path'), host: re('host'), needsHeaders };
        }),
      };
    }
    if (dns.length > 0) {
      let all = false;
      dns.forEach((d, i) => {
        const fp = `${path}.rules.dns[${i}]`;
        const dr = optRecord(d, at(ref, fp), '{matchPattern: "*"}') ?? {};
        checkKeys(dr, ['matchName', 'matchPattern'], ref, fp);
        const name = optString(dr.matchName, at(ref, `${fp}.matchName`), 'api.example.com');
        const pattern = optString(dr.matchPattern, at(ref, `${fp}.matchPattern`), '"*"');
        if ((name === undefined) === (pattern === undefined)) inputError(at(ref, fp), 'needs exactly one of matchName and matchPattern', d, 'write {matchName: api.example.com} or {matchPattern: "*"}');
        if (pattern === '*') all = true;
        this.dnsPatterns.push(name !== undefined ? nameRegex(name) : patternRegex(pattern ?? ''));
      });
      return { kind: 'dns', all };
    }
    if (kafka.length > 0) return { kind: 'other', what: 'Kafka rules', httpPasses: false };
    if (l7proto !== undefined) return { kind: 'other', what: `${l7proto} rules`, httpPasses: false };
    if (sni.length > 0) return { kind: 'other', what: 'TLS server names', httpPasses: false };
    return { kind: 'none' };
  }

  private readSelector(raw: unknown, ref: string, path: string, namespace: string | undefined, subject: boolean): { sel: LabelSelector; foreign: boolean } {
    // Generated policies repeat the same selectors many times: read each one once (a
    // malformed one throws before it is remembered, so every occurrence is checked).
    const key = `${subject}|${namespace ?? ''}|${JSON.stringify(raw) ?? ''}`;
    const known = this.selectorCache.get(key);
    if (known) return known;
    const read = this.parseSelector(raw, ref, path, namespace, subject);
    this.selectorCache.set(key, read);
    return read;
  }

  private parseSelector(raw: unknown, ref: string, path: string, namespace: string | undefined, subject: boolean): { sel: LabelSelector; foreign: boolean } {
    let value = raw;
    if (subject && namespace !== undefined && isRecord(raw) && isRecord(raw.matchLabels)) {
      // Cilium always scopes a CNP's endpointSelector to the policy's namespace, replacing a namespace label the selector names.
      const ml = { ...raw.matchLabels };
      for (const k of Object.keys(ml)) if (stripSource(k).key === NS_KEY) delete ml[k];
      value = { ...raw, matchLabels: ml };
    }
    const parsed = LabelSelector.parse(value, at(ref, path));
    let foreign = false;
    let hasNs = false;
    const reqs = parsed.requirements.map((r) => {
      const { key, known } = stripSource(r.key);
      if (!known) foreign = true;
      if (key === NS_KEY) hasNs = true;
      return { ...r, key };
    });
    if (namespace !== undefined && (subject || !hasNs)) reqs.push({ key: NS_KEY, operator: 'In', values: [namespace] });
    else if (namespace === undefined && !subject && !hasNs) reqs.push({ key: NS_KEY, operator: 'Exists', values: [] });
    return { sel: LabelSelector.of(reqs), foreign };
  }
}

// ---------------------------------------------------------------------------------------------

/** Whether a rule's ports (and L7 rules) accept the connection. */
function portsMatch(pr: PeerRule, conn: Connection, dst: Endpoint): Tri {
  if (pr.icmpOnly) return 'no';
  if (!pr.ports) return 'yes';
  return triOr(pr.ports.map((rule) => {
    const hit = rule.ports.some((p) => {
      if (!p.protocols.includes(conn.protocol)) return false;
      if (p.range) return conn.port >= p.range[0] && conn.port <= p.range[1];
      return dst.type === 'workload' && dst.ports.some((cp) => cp.name?.toLowerCase() === p.name && cp.port === conn.port && cp.protocol === conn.protocol);
    });
    if (!hit) return 'no';
    return l7Match(rule.l7, conn);
  }));
}

function l7Match(l7: L7, conn: Connection): Tri {
  switch (l7.kind) {
    case 'none':
      return 'yes';
    case 'http': {
      const req = conn.http;
      if (!req) return l7.rules.some((r) => !r.method && !r.path && !r.host && !r.needsHeaders) ? 'yes' : 'some';
      return l7.rules.some((r) => !r.needsHeaders
        && (!r.method || r.method.test(req.method))
        && (!r.path || r.path.test(req.path))
        && (!r.host || (req.host !== undefined && r.host.test(req.host)))) ? 'yes' : 'no';
    }
    case 'dns':
      return conn.http ? 'no' : l7.all ? 'yes' : 'some';
    default:
      return conn.http ? (l7.httpPasses ? 'yes' : 'no') : 'some';
  }
}

function stripSource(key: string): { key: string; known: boolean } {
  const i = key.indexOf(':');
  if (i < 0) return { key, known: true };
  const source = key.slice(0, i);
  return { key: key.slice(i + 1), known: source === 'k8s' || source === 'any' };
}

function normName(n: string): string {
  return n.toLowerCase().replace(/\.$/, '');
}

function nameRegex(name: string): RegExp {
  return new RegExp(`^${normName(name).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

function patternRegex(pattern: string): RegExp {
  const p = normName(pattern);
  if (p === '*') return /^.*$/;
  let rest = p;
  let head = '';
  if (rest.startsWith('**.')) {
    head = '(?:[-a-z0-9_]+\\.)+';
    rest = rest.slice(3);
  }
  const body = rest.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[-a-z0-9_]*');
  return new RegExp(`^${head}${body}$`);
}

function nameTest(name: string): (n: string) => boolean {
  const re = nameRegex(name);
  return (n) => re.test(n);
}

function patternTest(pattern: string): (n: string) => boolean {
  const re = patternRegex(pattern);
  return (n) => re.test(n);
}

function checkKeys(o: Record<string, unknown>, allowed: readonly string[], ref: string, path: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) {
      inputError(at(ref, `${path}.${k}`), 'is not a field Cilium accepts here; a misspelt field would silently change the policy', k, `use one of ${allowed.join(', ')}`);
    }
  }
}
