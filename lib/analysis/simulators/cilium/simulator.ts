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
 * - ClusterMesh scope: a `fromEndpoints` / `toEndpoints` selector that does not name
 *   `io.cilium.k8s.policy.cluster` selects endpoints of the local cluster only, as Cilium 1.19
 *   and later do by default (`policy-default-local-cluster: true`); with
 *   {@link CiliumSimulatorOptions.policyDefaultLocalCluster} `false` it selects endpoints of every
 *   cluster, as Cilium 1.18 and before did. A selector that names the label (in `matchLabels` or
 *   `matchExpressions`) means the same under both. Subject selectors (`endpointSelector`) are
 *   not scoped: a policy applies to the endpoints of the cluster it is applied in. Where the
 *   analysis holds workloads of other clusters ({@link CiliumSimulatorOptions.clusterOf}), each
 *   selector without the label is listed in the warnings (`BH-AN-CILIUM-CLUSTER-DEFAULT`): its
 *   meaning depends on the Cilium version. The `cluster` entity is the endpoints of the local
 *   cluster (Cilium selects it by the cluster label), not those of other clusters.
 * - Peers: in a CNP, a `fromEndpoints` / `toEndpoints` selector without an
 *   `io.kubernetes.pod.namespace` key is limited to the policy's namespace (`{}` is every endpoint
 *   of that namespace; a `io.cilium.k8s.namespace.labels.*` key does not lift the limit); in a CCNP
 *   it selects endpoints of every namespace. The peer fields of a rule are ORed; a peer field
 *   that is present but empty selects nothing; a rule without any peer field but with `toPorts`
 *   applies to every peer (including `world`); a rule with neither (`{}`) allows nothing but
 *   still puts the endpoint in default deny. Combining peer kinds (for example `toEndpoints` and
 *   `toCIDR`) in one rule is rejected, as Cilium does.
 * - Entities: `world` (and `world-ipv4`) is every address outside the cluster, `cluster` every
 *   workload of the local cluster, `all` both. `host`, `remote-node`, `kube-apiserver`, `ingress`, `init`, `health`,
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
 * @see https://docs.cilium.io/en/stable/network/clustermesh/policy/
 * @see https://docs.cilium.io/en/stable/operations/upgrade/#preparing-for-a-policy-default-local-cluster-change
 */
import { Problem } from '../../../core/errors';
import { ProblemSet } from '../../errors';
import { L4_PROTOCOLS, PortSet } from '../../portset';
import { LabelIndex, LabelSelector, isRecord } from '../../selector';
import { AllowedPair, AnalysisContext, Connection, Endpoint, LayerSimulator, LayerVerdict, Reason, SourceRef, WorkloadEndpoint } from '../../types';
import {
  PortSetTable, Tri, cidrRange, cmpStr, containerPortsKey, emitPairs, endpointClasses, labelsKey, portSetFromDecisions, reason, sortRanges, withSource,
} from '../common';
import { decodeCiliumClusterwideNetworkPolicy } from './decode/ccnp';
import { decodeCiliumNetworkPolicy } from './decode/cnp';
import { CiliumDecoder, normName } from './decode/rule';
import { CLUSTER_KEY, DecodedCiliumRule, Dir, NS_KEY, NS_LABEL_PREFIX, Peer, PeerRule, SA_KEY, Section } from './model';
import { CiliumPeerWorld, peerMatches, portsMatch, selects } from './rule';

/**
 * Options of {@link createCiliumSimulator}: agent settings that live outside the manifests.
 *
 * @see https://docs.cilium.io/en/stable/security/policy/language/#dns-based
 */
export interface CiliumSimulatorOptions {
  /**
   * The cluster name, the value of the `io.cilium.k8s.policy.cluster` label of every endpoint.
   * @default - the context's; else the cluster the peer selectors of the input name most
   * (Bulkhead's output names the local cluster in every peer selector, the DNS rule of each
   * namespace included), with an information saying so; else `default`
   */
  readonly clusterName?: string;
  /**
   * Cilium's `policy-default-local-cluster`: whether a peer selector (`fromEndpoints` /
   * `toEndpoints`) that does not name `io.cilium.k8s.policy.cluster` selects endpoints of the
   * local cluster only (`true`, the default of Cilium 1.19 and later) or of every cluster of the
   * ClusterMesh (`false`, Cilium 1.18 and before, or a cluster that turns the option off).
   * @default true
   */
  readonly policyDefaultLocalCluster?: boolean;
  /**
   * The ClusterMesh cluster of a workload (the value of its `io.cilium.k8s.policy.cluster`), for
   * an analysis that holds workloads of several clusters; undefined for a workload of the local
   * cluster.
   * @default - every workload is in the local cluster ({@link clusterName})
   */
  readonly clusterOf?: (w: WorkloadEndpoint) => string | undefined;
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

const DEFAULT = 'Cilium default';

interface Judgement {
  readonly allowed: boolean;
  readonly l7: boolean;
  readonly reasons: readonly Reason[];
}

class CiliumLayer implements CiliumSimulator, CiliumPeerWorld {
  public readonly layer = 'cilium' as const;
  public readonly present: boolean;
  public readonly warnings: readonly Problem[];

  private readonly rules: readonly DecodedCiliumRule[];
  private readonly clusterName: string;
  private readonly ingressRanges: (readonly [number, number])[] = [];
  private readonly egressRanges: (readonly [number, number])[] = [];
  private readonly dnsPatterns: RegExp[] = [];
  /** Resolved names (normalized) and their IPv4 ranges. */
  public readonly resolved: ReadonlyMap<string, readonly (readonly [number, number])[]>;
  private readonly labelCache = new Map<string, Readonly<Record<string, string>>>();
  private readonly selectingCache = new Map<string, readonly DecodedCiliumRule[]>();
  /** The class key of each workload met by a bulk query. */
  private readonly classKeys = new WeakMap<WorkloadEndpoint, string>();

  constructor(objects: readonly unknown[], ctx: AnalysisContext, private readonly options: CiliumSimulatorOptions) {
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
    const rules: DecodedCiliumRule[] = [];
    const warnings = new ProblemSet();
    const decoder = new CiliumDecoder(warnings);
    let present = false;
    for (const obj of objects) {
      if (!isRecord(obj) || typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') continue;
      if (obj.kind !== 'CiliumNetworkPolicy' && obj.kind !== 'CiliumClusterwideNetworkPolicy') continue;
      if (!obj.apiVersion.startsWith('cilium.io/')) continue;
      present = true;
      const decode = obj.kind === 'CiliumNetworkPolicy' ? decodeCiliumNetworkPolicy : decodeCiliumClusterwideNetworkPolicy;
      rules.push(...withSource(obj, options.sourceOf, () => decode(obj, decoder)).rules);
    }
    const fqdnTests: ((name: string) => boolean)[] = [];
    for (const r of rules) {
      this.ingressRanges.push(...r.boundaries.ingress);
      this.egressRanges.push(...r.boundaries.egress);
      this.dnsPatterns.push(...r.dnsPatterns);
      fqdnTests.push(...r.fqdnTests);
    }
    const given = options.clusterName ?? ctx.clusterName;
    const inferred = given === undefined ? mostNamedCluster(rules) : undefined;
    this.clusterName = given ?? inferred?.name ?? 'default';
    if (inferred) {
      warnings.warn('BH-AN-CILIUM-CLUSTER-NAME', 'cilium',
        `no cluster name was given: the analysis takes the endpoints to be in cluster ${inferred.name}, the cluster ${inferred.count} endpoint selector${inferred.count === 1 ? '' : 's'} of the input name (io.cilium.k8s.policy.cluster)`,
        `nothing to do if that is the cluster's Cilium name (cluster.name); else pass --cluster-name <name>`, 'info');
    }
    // DNS visibility and FQDN addresses are only known once every policy is read.
    const remote = ctx.workloads.some((w) => this.clusterOfWorkload(w) !== this.clusterName);
    this.rules = rules.map((r) => this.scopeToCluster(r, remote, warnings)).sort((a, b) => cmpStr(a.policy, b.policy) || cmpStr(a.path, b.path));
    this.present = present;
    for (const [name, ranges] of this.resolved) {
      if (fqdnTests.some((test) => test(name))) this.egressRanges.push(...ranges);
    }
    this.warnings = warnings.list();
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
    const rulesOf: DecodedCiliumRule[][] = reps.map(() => []);
    for (const r of this.rules) {
      if (!r.subjectSel) continue;
      for (const k of index.select(r.subjectSel)) {
        const rep = reps[workloads[k]];
        // the policies of a cluster apply to its own endpoints, never to a ClusterMesh peer's
        if (rep.type === 'workload' && rep.cluster !== undefined && rep.cluster !== this.clusterName) continue;
        rulesOf[workloads[k]].push(r);
      }
    }
    // the workload classes an endpoint selector selects
    const selCache = new Map<string, ReadonlySet<number>>();
    const selByObject = new Map<LabelSelector, ReadonlySet<number>>();
    const selected = (sel: LabelSelector): ReadonlySet<number> => {
      const known = selByObject.get(sel);
      if (known) return known;
      let hit = selCache.get(sel.key);
      if (!hit) {
        hit = new Set(index.select(sel).map((k) => workloads[k]));
        selCache.set(sel.key, hit);
      }
      selByObject.set(sel, hit);
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
    const viaExternal = (peer: Endpoint) => (pr: PeerRule, deny: boolean): boolean => peerMatches(pr, peer, deny, this);
    // One direction at a workload class with an external range at the other end. Only the rules
    // whose peers can match an address outside the cluster tell external ranges apart (an
    // endpoint selector never matches one, and the ports of a rule do not depend on which range
    // it is): ranges that those rules match alike get the same answer, computed once.
    const canMatchExternal = (pr: PeerRule): boolean => pr.l3 === 'any' || (typeof pr.l3 !== 'string' && pr.l3.some((p) => p.kind !== 'endpoints'));
    const externalRules: Record<Dir, (readonly [PeerRule, boolean])[][]> = { ingress: [], egress: [] };
    const externalMemo: Record<Dir, Map<string, number>[]> = { ingress: [], egress: [] };
    const externalDirection = (u: number, dir: Dir, ext: Endpoint, dst: Endpoint): number => {
      let rules = externalRules[dir][u];
      let memo = externalMemo[dir][u];
      if (!rules || !memo) {
        const denySection: Section = dir === 'ingress' ? 'ingressDeny' : 'egressDeny';
        rules = [];
        for (const r of rulesOf[u]) {
          for (const pr of r[denySection]) if (canMatchExternal(pr)) rules.push([pr, true]);
          for (const pr of r[dir]) if (canMatchExternal(pr)) rules.push([pr, false]);
        }
        memo = new Map();
        externalRules[dir][u] = rules;
        externalMemo[dir][u] = memo;
      }
      let key = '';
      for (const [pr, deny] of rules) key += peerMatches(pr, ext, deny, this) ? '1' : '0';
      let id = memo.get(key);
      if (id === undefined) {
        id = direction(u, dir, ext, dst, viaExternal(ext));
        memo.set(key, id);
      }
      return id;
    };

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
      if (reps[s].type === 'external') return externalDirection(d, 'ingress', reps[s], reps[d]);
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
      for (const d of dstExternals) visit(s, d, externalDirection(s, 'egress', reps[d], reps[d]));
    }
    return out;
  }

  /** Endpoints with the same key get the same answers from this layer. */
  private classKey(ep: Endpoint): string {
    if (ep.type === 'external') return `x|${ep.first}|${ep.last}`;
    const known = this.classKeys.get(ep);
    if (known !== undefined) return known;
    const k = `w|${labelsKey(this.labelsOf(ep))}|${containerPortsKey(ep.ports)}`;
    this.classKeys.set(ep, k);
    return k;
  }

  // ------------------------------------------------------------------------------------------

  /** One direction at one workload: deny rules, default deny, allow rules. */
  private judge(dir: Dir, subject: WorkloadEndpoint, peer: Endpoint, dst: Endpoint, conn: Connection): Judgement {
    const rules = this.selecting(subject);
    const denySection: Section = dir === 'ingress' ? 'ingressDeny' : 'egressDeny';
    const peerWord = dir === 'ingress' ? `from ${peer.id}` : `to ${peer.id}`;
    for (const r of rules) {
      for (const pr of r[denySection]) {
        if (peerMatches(pr, peer, true, this) && portsMatch(pr, conn, dst) !== 'no') {
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
        if (!peerMatches(pr, peer, false, this)) continue;
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
  private bestAllow(dir: Dir, rules: readonly DecodedCiliumRule[], subject: WorkloadEndpoint, peer: Endpoint, dst: Endpoint, conn: Connection, peerWord: string):
  { tri: Tri; l7Only: boolean; reason: Reason } | undefined {
    let best: { tri: Tri; l7Only: boolean; reason: Reason } | undefined;
    for (const r of rules) {
      for (const pr of r[dir]) {
        if (!peerMatches(pr, peer, false, this)) continue;
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

  private selecting(w: WorkloadEndpoint): readonly DecodedCiliumRule[] {
    const hit = this.selectingCache.get(w.id);
    if (hit) return hit;
    const labels = this.labelsOf(w);
    // the policies of a cluster apply to its own endpoints, never to a ClusterMesh peer's
    const out = w.cluster !== undefined && w.cluster !== this.clusterName ? [] : this.rules.filter((r) => selects(r, labels));
    this.selectingCache.set(w.id, out);
    return out;
  }

  /** The ClusterMesh cluster of a workload. */
  private clusterOfWorkload(w: WorkloadEndpoint): string {
    return this.options.clusterOf?.(w) ?? w.cluster ?? this.clusterName;
  }

  /**
   * The rule with its peer selectors scoped as Cilium scopes them (see the module docs): under
   * `policyDefaultLocalCluster`, a selector that names no cluster gets the local cluster. With
   * workloads of other clusters in the analysis (`remote`), each such selector is a warning.
   */
  private scopeToCluster(rule: DecodedCiliumRule, remote: boolean, warnings: ProblemSet): DecodedCiliumRule {
    const local = this.options.policyDefaultLocalCluster ?? true;
    const scope = (pr: PeerRule): PeerRule => {
      if (typeof pr.l3 === 'string') return pr;
      let unscoped = false;
      let changed = false;
      const l3 = pr.l3.map((p): Peer => {
        // The cluster entity is the local cluster's endpoints (and host identities the analysis
        // does not model), by the cluster label: with workloads of other clusters it is a selector.
        if (remote && p.kind === 'entity' && p.name === 'cluster') {
          changed = true;
          return { kind: 'endpoints', sel: LabelSelector.of([{ key: CLUSTER_KEY, operator: 'In', values: [this.clusterName] }]), foreign: false };
        }
        if (p.kind !== 'endpoints' || p.foreign || p.sel.requirements.some((r) => r.key === CLUSTER_KEY)) return p;
        unscoped = true;
        return local ? { ...p, sel: LabelSelector.of([...p.sel.requirements, { key: CLUSTER_KEY, operator: 'In' as const, values: [this.clusterName] }]) } : p;
      });
      if (unscoped && remote) {
        warnings.warn('BH-AN-CILIUM-CLUSTER-DEFAULT', `${rule.policy}, ${pr.path}`,
          `an endpoint selector names no cluster (io.cilium.k8s.policy.cluster): it selects endpoints of ${local ? `the local cluster ${this.clusterName} only, as Cilium 1.19 and later do by default (policy-default-local-cluster: true, assumed)` : 'every cluster, as Cilium 1.18 and before do (policy-default-local-cluster: false, as given)'}; on a Cilium with the other setting it selects ${local ? 'the endpoints of every cluster' : 'local endpoints only'}`,
          'name the cluster in the selector (io.cilium.k8s.policy.cluster in matchLabels, or matchExpressions with In / Exists), so that it means the same on every Cilium version');
      }
      return (unscoped && local) || changed ? { ...pr, l3 } : pr;
    };
    // A policy governs the endpoints of the cluster it is applied in: with workloads of other
    // clusters in the analysis, its subject is limited to the local cluster's.
    const subjectSel = remote && rule.subjectSel
      ? LabelSelector.of([...rule.subjectSel.requirements.filter((r) => r.key !== CLUSTER_KEY), { key: CLUSTER_KEY, operator: 'In', values: [this.clusterName] }])
      : rule.subjectSel;
    return {
      ...rule,
      ...(subjectSel ? { subjectSel } : {}),
      ingress: rule.ingress.map(scope), ingressDeny: rule.ingressDeny.map(scope),
      egress: rule.egress.map(scope), egressDeny: rule.egressDeny.map(scope),
    };
  }

  /** The Cilium labels of a workload. */
  public labelsOf(w: WorkloadEndpoint): Readonly<Record<string, string>> {
    const hit = this.labelCache.get(w.id);
    if (hit) return hit;
    const out: Record<string, string> = { ...w.labels };
    for (const [k, v] of Object.entries(w.namespaceLabels)) out[`${NS_LABEL_PREFIX}${k}`] = v;
    out[NS_KEY] = w.namespace;
    out[SA_KEY] = w.serviceAccount;
    out[CLUSTER_KEY] = this.clusterOfWorkload(w);
    this.labelCache.set(w.id, out);
    return out;
  }

  /** Whether the DNS proxy may see lookups of the name. */
  public dnsVisible(name: string): boolean {
    if (this.options.requireDnsVisibility === false) return true;
    return this.dnsPatterns.some((re) => re.test(name));
  }

}

// ---------------------------------------------------------------------------------------------

/**
 * The cluster the peer selectors of the rules name most (`io.cilium.k8s.policy.cluster` with one
 * value), ties broken by name; undefined when none names one.
 */
function mostNamedCluster(rules: readonly DecodedCiliumRule[]): { readonly name: string; readonly count: number } | undefined {
  const counts = new Map<string, number>();
  for (const r of rules) {
    for (const pr of [...r.ingress, ...r.ingressDeny, ...r.egress, ...r.egressDeny]) {
      if (typeof pr.l3 === 'string') continue;
      for (const p of pr.l3) {
        if (p.kind !== 'endpoints') continue;
        for (const q of p.sel.requirements) {
          if (q.key === CLUSTER_KEY && q.operator === 'In' && q.values.length === 1) counts.set(q.values[0], (counts.get(q.values[0]) ?? 0) + 1);
        }
      }
    }
  }
  const best = [...counts].sort((a, b) => b[1] - a[1] || cmpStr(a[0], b[0]))[0];
  return best ? { name: best[0], count: best[1] } : undefined;
}
