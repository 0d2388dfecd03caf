/**
 * The simulator of the `kubernetes` layer: NetworkPolicy together with ClusterNetworkPolicy
 * (and its v1alpha1 predecessors), evaluated in the dataplane order Admin tier → NetworkPolicy
 * tier → Baseline tier → default allow, separately for the egress of the source and the
 * ingress of the destination. A connection passes only if both pass.
 *
 * In the Admin tier, Pass hands the connection to the NetworkPolicy tier; a pod isolated by
 * NetworkPolicy gets a final answer there; otherwise the Baseline tier decides, and what it
 * leaves undecided (or passes) is allowed. Within a tier, policies are evaluated by ascending
 * priority (equal priorities are ordered by name, with a warning: upstream leaves that order
 * to the implementation).
 *
 * The kinds are decoded by `./decode/*.ts` and evaluated by `./netpol.ts` and `./cnp.ts`;
 * this file combines them and answers bulk queries.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 * @see https://network-policy-api.sigs.k8s.io/api-overview/
 */
import { Problem } from '../../../core/errors';
import { ProblemSet } from '../../errors';
import { Ipv4Range } from '../../ipv4';
import { ManifestObject } from '../../loader';
import { PortSet } from '../../portset';
import { LabelIndex, LabelSelector } from '../../selector';
import {
  AllowedPair,
  AnalysisContext,
  Connection,
  ContainerPort,
  Endpoint,
  LayerSimulator,
  LayerVerdict,
  Reason,
  WorkloadEndpoint,
} from '../../types';
import { ClusterNetworkPolicyKind, decideTier } from './cnp';
import { decodeAdminNetworkPolicy } from './decode/anp';
import { decodeBaselineAdminNetworkPolicy } from './decode/banp';
import { decodeClusterNetworkPolicy } from './decode/cnp';
import { decodeNetworkPolicy } from './decode/netpol';
import { DecodedTieredPolicy } from './decode/tiered';
import { DecodedRule, Dir, DirectionQuery, PeerMatch, PeerSpec, Rule, RuleBuilder, Tier, cmp, directionText, endpointText, matchPeer, peerKey } from './model';
import { NetworkPolicyKind, allowedByNetworkPolicies } from './netpol';
import { SubjectIndex } from './subjects';

/** Tuning of the {@link KubernetesSimulator}. */
export interface KubernetesSimulatorOptions {
  /**
   * Peer sets with more members than this are shared by all subjects (answered once per
   * group of endpoints); smaller ones are enumerated pair by pair. Only speed depends on it.
   * @default 32
   */
  readonly promoteThreshold?: number;
}

interface DirRules {
  readonly admin: readonly Rule[];
  readonly np: readonly Rule[];
  /** The NetworkPolicies that isolate the subject in this direction (empty: not isolated). */
  readonly isolating: readonly string[];
  readonly baseline: readonly Rule[];
}

interface SubjectRules {
  readonly ingress: DirRules;
  readonly egress: DirRules;
}

const DEFAULT_POLICY = 'Kubernetes default';

/** The simulator of the `kubernetes` layer. */
export class KubernetesSimulator implements LayerSimulator {
  /** The layer. */
  public readonly layer = 'kubernetes' as const;
  /** Whether the input holds a NetworkPolicy, ClusterNetworkPolicy, AdminNetworkPolicy or BaselineAdminNetworkPolicy. */
  public readonly present: boolean;
  /** Things the simulator could not be exact about. */
  public readonly warnings: readonly Problem[];

  private readonly peers: PeerSpec[] = [];
  private readonly peerByKey = new Map<string, PeerSpec>();
  private readonly rules: Rule[] = [];
  private readonly nps: NetworkPolicyKind[] = [];
  private readonly cnps: ClusterNetworkPolicyKind[] = [];
  private readonly ingressBoundaries: Ipv4Range[] = [];
  private readonly egressBoundaries: Ipv4Range[] = [];
  private readonly referencedNames = new Set<string>();
  private readonly subjectCache = new Map<string, SubjectRules>();
  private readonly rulesByEndpoint = new WeakMap<WorkloadEndpoint, SubjectRules>();
  private readonly cnpIndex: SubjectIndex<ClusterNetworkPolicyKind>;
  private readonly npIndex: SubjectIndex<NetworkPolicyKind>;

  private readonly promoteThreshold: number;

  /**
   * @param objects the objects of this layer (NetworkPolicy, ClusterNetworkPolicy)
   * @param ctx the analysis context
   * @param options tuning
   */
  constructor(objects: readonly ManifestObject[], private readonly ctx: AnalysisContext, options: KubernetesSimulatorOptions = {}) {
    this.promoteThreshold = options.promoteThreshold ?? 32;
    const warnings = new ProblemSet();
    const build: RuleBuilder = (r, tier, peers) => this.rule(r, tier, peers);
    for (const o of objects) {
      const policy = o.kind === 'NetworkPolicy'
        ? new NetworkPolicyKind(decodeNetworkPolicy(o), build)
        : new ClusterNetworkPolicyKind(decodeTiered(o, warnings), ctx, warnings, build);
      if (policy instanceof NetworkPolicyKind) this.nps.push(policy);
      else this.cnps.push(policy);
      const b = policy.boundaries();
      this.ingressBoundaries.push(...b.ingress);
      this.egressBoundaries.push(...b.egress);
    }
    this.present = this.nps.length > 0 || this.cnps.length > 0;
    // evaluation order within a tier: ascending priority, then name (rules keep their written order)
    this.cnps.sort((a, b) => a.priority - b.priority || cmp(a.name, b.name));
    this.cnpIndex = new SubjectIndex(this.cnps, (c) => c.subject);
    this.npIndex = new SubjectIndex(this.nps, (n) => n.subject);
    const seen = new Map<string, string>();
    for (const c of [...this.cnps].sort((a, b) => cmp(a.name, b.name))) {
      const k = `${c.tier}/${c.priority}`;
      const prev = seen.get(k);
      if (prev) {
        warnings.warn('BH-AN-CNP-SAME-PRIORITY', `${prev}, ${c.label}`, `${prev} and ${c.label} share ${c.tier === 'admin' ? 'Admin' : 'Baseline'} priority ${c.priority}; upstream leaves their order to the implementation, the analysis evaluates them by name`, 'give each policy of a tier its own priority');
      } else seen.set(k, c.label);
    }
    this.warnings = warnings.list();
  }

  /** IPv4 ranges named by ipBlocks (ingress / egress) and ClusterNetworkPolicy networks (egress). */
  public addressBoundaries(): { readonly ingress: readonly Ipv4Range[]; readonly egress: readonly Ipv4Range[] } {
    return { ingress: dedupRanges(this.ingressBoundaries), egress: dedupRanges(this.egressBoundaries) };
  }

  /** The ports allowed from `src` to `dst` (egress of the source AND ingress of the destination). */
  public allowedPorts(src: Endpoint, dst: Endpoint): PortSet {
    const e = this.evalEgress(src, dst, PortSet.ALL);
    if (e.isEmpty()) return e;
    return e.intersect(this.evalIngress(src, dst, PortSet.ALL));
  }

  /** Decides one connection and names the rules that decided it, egress first, then ingress. */
  public explain(src: Endpoint, dst: Endpoint, conn: Connection): LayerVerdict {
    const scope = PortSet.of(conn.protocol, conn.port);
    const reasons: Reason[] = [];
    const e = this.evalEgress(src, dst, scope, reasons);
    const i = this.evalIngress(src, dst, scope, reasons);
    return { layer: 'kubernetes', allowed: !e.isEmpty() && !i.isEmpty(), reasons };
  }

  /**
   * Every allowed pair among the given endpoints, computed sparsely: endpoints are grouped
   * into classes (same namespace, labels, namespace labels and ports), peer sets of the
   * policies are computed once from label indexes; pairs that no small peer set names are
   * answered per group of classes with the same rules, and the others pair by pair.
   */
  public allowedPairs(sources: readonly Endpoint[], destinations: readonly Endpoint[]): AllowedPair[] {
    // 1. the universe of classes
    const U: Endpoint[] = [];
    const uByKey = new Map<string, number>();
    const classOf = (ep: Endpoint): number => {
      const k = classKey(ep);
      let u = uByKey.get(k);
      if (u === undefined) {
        u = U.length;
        U.push(ep);
        uByKey.set(k, u);
      }
      return u;
    };
    const srcU = sources.map(classOf);
    const dstU = destinations.map(classOf);
    const n = U.length;
    const srcMembers = groupIndices(srcU, n);
    const dstMembers = groupIndices(dstU, n);

    // 2. peer sets over the universe
    const members = this.peers.map((p) => this.membersOf(p.match, U));
    const promoted = members.map((m) => m.length > this.promoteThreshold);

    // 3. signatures: same promoted peer sets and same named ports → same generic answers
    const bits: number[][] = U.map(() => []);
    for (let id = 0; id < this.peers.length; id++) {
      if (promoted[id]) for (const u of members[id]) bits[u].push(id);
    }
    const sigOf: number[] = new Array(n);
    const sigSets: Set<number>[] = [];
    const sigRep: number[] = [];
    const sigByKey = new Map<string, number>();
    for (let u = 0; u < n; u++) {
      const k = `${this.portProfile(U[u])}|${bits[u].join(',')}`;
      let s = sigByKey.get(k);
      if (s === undefined) {
        s = sigSets.length;
        sigSets.push(new Set(bits[u]));
        sigRep.push(u);
        sigByKey.set(k, s);
      }
      sigOf[u] = s;
    }
    const S = sigSets.length;

    // 4. generic rows: for a subject class and a direction, the ports per peer signature
    const psIds = new Map<string, number>();
    const psList: PortSet[] = [];
    const psId = (ps: PortSet): number => {
      const k = ps.toString();
      let id = psIds.get(k);
      if (id === undefined) {
        id = psList.length;
        psList.push(ps);
        psIds.set(k, id);
      }
      return id;
    };
    const allId = psId(PortSet.ALL);
    const rows: number[][] = [new Array<number>(S).fill(allId)];
    const rowByKey = new Map<string, number>([[rows[0].join(','), 0]]);
    const rowMemo = new Map<string, number>();
    const rowOf = (u: number, dir: Dir): number => {
      const ep = U[u];
      if (ep.type !== 'workload') return 0; // outside the cluster: not policed
      const rules = this.rulesOf(ep)[dir];
      const keep = (r: Rule): boolean => r.peers.some((p) => promoted[p.id]);
      const rel: DirRules = { admin: rules.admin.filter(keep), np: rules.np.filter(keep), isolating: rules.isolating, baseline: rules.baseline.filter(keep) };
      const named = dir === 'ingress' && [...rel.admin, ...rel.np, ...rel.baseline].some((r) => r.ports.named.length > 0);
      const memoKey = `${dir}|${rel.isolating.length > 0}|${rel.admin.map((r) => r.id)}|${rel.np.map((r) => r.id)}|${rel.baseline.map((r) => r.id)}|${named ? portsKey(ep.ports) : ''}`;
      const hit = rowMemo.get(memoKey);
      if (hit !== undefined) return hit;
      const row: number[] = new Array(S);
      for (let s = 0; s < S; s++) {
        const set = sigSets[s];
        const rep = U[sigRep[s]];
        const peerIn = (p: PeerSpec): boolean => promoted[p.id] && set.has(p.id);
        row[s] = psId(evalDirection(rel, dir, ep, rep, PortSet.ALL, peerIn));
      }
      const rk = row.join(',');
      let id = rowByKey.get(rk);
      if (id === undefined) {
        id = rows.length;
        rows.push(row);
        rowByKey.set(rk, id);
      }
      rowMemo.set(memoKey, id);
      return id;
    };

    // 5. groups of classes with the same row and signature
    type Group = { row: number; sig: number; ext: boolean; us: number[] };
    const groupsOf = (membersOf: number[][], dir: Dir): Group[] => {
      const byKey = new Map<string, Group>();
      for (let u = 0; u < n; u++) {
        if (membersOf[u].length === 0) continue;
        const row = rowOf(u, dir);
        const k = `${row}|${sigOf[u]}`;
        const g = byKey.get(k);
        if (g) g.us.push(u);
        else byKey.set(k, { row, sig: sigOf[u], ext: U[u].type === 'external', us: [u] });
      }
      return [...byKey.values()];
    };
    const srcGroups = groupsOf(srcMembers, 'egress');
    const dstGroups = groupsOf(dstMembers, 'ingress');

    // 6. pairs named by small peer sets are answered exactly, one by one
    const specific = new Set<number>();
    const inDst = (u: number): boolean => dstMembers[u].length > 0;
    const inSrc = (u: number): boolean => srcMembers[u].length > 0;
    for (let u = 0; u < n; u++) {
      const ep = U[u];
      if (ep.type !== 'workload') continue;
      const r = this.rulesOf(ep);
      if (inSrc(u)) {
        for (const rule of allRules(r.egress)) {
          for (const p of rule.peers) if (!promoted[p.id]) for (const v of members[p.id]) if (inDst(v)) specific.add(u * n + v);
        }
      }
      if (inDst(u)) {
        for (const rule of allRules(r.ingress)) {
          for (const p of rule.peers) if (!promoted[p.id]) for (const v of members[p.id]) if (inSrc(v)) specific.add(v * n + u);
        }
      }
    }

    const out: AllowedPair[] = [];
    const emit = (u: number, v: number, ports: PortSet): void => {
      for (const i of srcMembers[u]) {
        for (const j of dstMembers[v]) {
          if (sources[i].id !== destinations[j].id) out.push({ src: i, dst: j, ports });
        }
      }
    };

    // 7. blocks of generic pairs
    const meet = new Map<number, PortSet>();
    const P = 1 << 20;
    for (const g of srcGroups) {
      const erow = rows[g.row];
      for (const h of dstGroups) {
        if (g.ext && h.ext) continue; // outside the cluster on both ends: not cluster traffic
        const a = erow[h.sig];
        const b = rows[h.row][g.sig];
        const mk = a * P + b;
        let res = meet.get(mk);
        if (res === undefined) {
          res = psList[a].intersect(psList[b]);
          meet.set(mk, res);
        }
        if (res.isEmpty()) continue;
        for (const u of g.us) {
          for (const v of h.us) {
            if (!specific.has(u * n + v)) emit(u, v, res);
          }
        }
      }
    }

    // 8. the specific pairs
    for (const key of [...specific].sort((x, y) => x - y)) {
      const u = Math.floor(key / n);
      const v = key % n;
      const ports = this.allowedPorts(U[u], U[v]);
      if (!ports.isEmpty()) emit(u, v, ports);
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------
  // evaluation

  private evalEgress(src: Endpoint, dst: Endpoint, scope: PortSet, trace?: Reason[]): PortSet {
    if (src.type !== 'workload') {
      trace?.push({ policy: DEFAULT_POLICY, effect: 'default-allow', detail: `egress: the source ${text(src)} is outside the cluster; its egress is not policed` });
      return scope;
    }
    return evalDirection(this.rulesOf(src).egress, 'egress', src, dst, scope, (p) => matchPeer(p.match, dst, this.ctx.podCidrs), trace);
  }

  private evalIngress(src: Endpoint, dst: Endpoint, scope: PortSet, trace?: Reason[]): PortSet {
    if (dst.type !== 'workload') {
      trace?.push({ policy: DEFAULT_POLICY, effect: 'default-allow', detail: `ingress: the destination ${text(dst)} is outside the cluster; its ingress is not policed` });
      return scope;
    }
    return evalDirection(this.rulesOf(dst).ingress, 'ingress', dst, src, scope, (p) => matchPeer(p.match, src, this.ctx.podCidrs), trace);
  }

  /** The rules that apply to a workload, per direction, in evaluation order. */
  private rulesOf(ep: WorkloadEndpoint): SubjectRules {
    const known = this.rulesByEndpoint.get(ep);
    if (known) return known;
    const key = `${ep.namespace}|${JSON.stringify(ep.labels)}|${JSON.stringify(ep.namespaceLabels)}`;
    const hit = this.subjectCache.get(key);
    if (hit) {
      this.rulesByEndpoint.set(ep, hit);
      return hit;
    }
    // the policies that may select the workload, in evaluation order
    const cnps = this.cnpIndex.candidates(ep);
    const nps = this.npIndex.candidates(ep);
    const build = (dir: Dir): DirRules => {
      const admin: Rule[] = [];
      const baseline: Rule[] = [];
      const np: Rule[] = [];
      const isolating: string[] = [];
      for (const c of cnps) {
        if (!c.selects(ep, dir)) continue;
        (c.tier === 'admin' ? admin : baseline).push(...c.rules(dir));
      }
      for (const p of nps) {
        if (!p.selects(ep, dir)) continue;
        isolating.push(p.label);
        np.push(...p.rules(dir));
      }
      return { admin, np, isolating: isolating.sort(), baseline };
    };
    const r = { ingress: build('ingress'), egress: build('egress') };
    this.subjectCache.set(key, r);
    this.rulesByEndpoint.set(ep, r);
    return r;
  }

  private membersOf(m: PeerMatch, U: readonly Endpoint[]): number[] {
    const idx = this.universeIndex(U);
    switch (m.t) {
      case 'all':
        return idx.all;
      case 'ips': {
        const out: number[] = [];
        if (m.byAddress) for (const u of idx.pods) if (matchPeer(m, U[u], this.ctx.podCidrs)) out.push(u);
        for (const u of idx.exts) {
          const ep = U[u] as { first: number; last: number };
          if (m.ranges.some(([a, b]) => ep.first >= a && ep.last <= b)) out.push(u);
        }
        return out.sort((a, b) => a - b);
      }
      case 'pods': {
        if (m.ns !== undefined) {
          const local = idx.byNs.get(m.ns);
          if (!local) return [];
          return local.index.select(m.podSel).map((i) => local.us[i]);
        }
        const nsSel = m.nsSel ?? LabelSelector.EVERYTHING;
        const nss = idx.namespaces.filter((x) => nsSel.matches(x.labels));
        if (m.podSel.isEmpty) return nss.flatMap((x) => idx.byNs.get(x.name)!.us).sort((a, b) => a - b);
        if (nss.length <= 8) return nss.flatMap((x) => { const l = idx.byNs.get(x.name)!; return l.index.select(m.podSel).map((i) => l.us[i]); }).sort((a, b) => a - b);
        const ok = new Set(nss.map((x) => x.name));
        return idx.global.select(m.podSel).map((i) => idx.pods[i]).filter((u) => ok.has((U[u] as WorkloadEndpoint).namespace));
      }
    }
  }

  private lastIndex?: { U: readonly Endpoint[]; value: UniverseIndex };
  private universeIndex(U: readonly Endpoint[]): UniverseIndex {
    if (this.lastIndex && this.lastIndex.U === U) return this.lastIndex.value;
    const pods: number[] = [];
    const exts: number[] = [];
    const byNsList = new Map<string, number[]>();
    const nsLabels = new Map<string, Readonly<Record<string, string>>>();
    U.forEach((ep, u) => {
      if (ep.type === 'workload') {
        pods.push(u);
        const l = byNsList.get(ep.namespace);
        if (l) l.push(u);
        else byNsList.set(ep.namespace, [u]);
        if (!nsLabels.has(ep.namespace)) nsLabels.set(ep.namespace, ep.namespaceLabels);
      } else exts.push(u);
    });
    const byNs = new Map<string, { us: number[]; index: LabelIndex<number> }>();
    for (const [ns, us] of byNsList) byNs.set(ns, { us, index: new LabelIndex(us, (u) => (U[u] as WorkloadEndpoint).labels) });
    const value: UniverseIndex = {
      all: U.map((_, i) => i),
      pods,
      exts,
      byNs,
      namespaces: [...nsLabels].map(([name, labels]) => ({ name, labels })).sort((a, b) => cmp(a.name, b.name)),
      global: new LabelIndex(pods, (u) => (U[u] as WorkloadEndpoint).labels),
    };
    this.lastIndex = { U, value };
    return value;
  }

  /** The resolution of every named port the policies mention, for a peer: equal profiles resolve alike. */
  private portProfile(ep: Endpoint): string {
    if (ep.type !== 'workload') return 'x';
    if (this.referencedNames.size === 0) return 'p';
    const parts: string[] = [];
    for (const p of ep.ports) if (p.name !== undefined && this.referencedNames.has(p.name)) parts.push(`${p.name}/${p.protocol}/${p.port}`);
    return `p${parts.sort().join(',')}`;
  }

  // ---------------------------------------------------------------------------------------
  // interning

  private peer(match: PeerMatch): PeerSpec {
    const key = peerKey(match);
    let p = this.peerByKey.get(key);
    if (!p) {
      p = { id: this.peers.length, key, match };
      this.peers.push(p);
      this.peerByKey.set(key, p);
    }
    return p;
  }

  private rule(r: DecodedRule, tier: Tier, peers: readonly PeerMatch[]): Rule {
    const full: Rule = { id: this.rules.length, policy: r.policy, path: r.path, tier, tierText: r.tierText, action: r.action, peers: peers.map((m) => this.peer(m)), ports: r.ports };
    this.rules.push(full);
    for (const n of r.ports.named) this.referencedNames.add(n.name);
    return full;
  }
}

/** Decodes an object of one of the cluster-wide kinds. */
function decodeTiered(o: ManifestObject, warnings: ProblemSet): DecodedTieredPolicy {
  if (o.kind === 'ClusterNetworkPolicy') return decodeClusterNetworkPolicy(o, warnings);
  if (o.kind === 'AdminNetworkPolicy') return decodeAdminNetworkPolicy(o, warnings);
  return decodeBaselineAdminNetworkPolicy(o, warnings);
}

interface UniverseIndex {
  readonly all: number[];
  readonly pods: number[];
  readonly exts: number[];
  readonly byNs: Map<string, { us: number[]; index: LabelIndex<number> }>;
  readonly namespaces: { name: string; labels: Readonly<Record<string, string>> }[];
  readonly global: LabelIndex<number>;
}

/**
 * One direction of one connection, as port sets: what the subject allows to / from the peer
 * among `scope`. Admin tier, then NetworkPolicy tier, then Baseline tier, then default allow.
 */
function evalDirection(
  rules: DirRules,
  dir: Dir,
  subject: WorkloadEndpoint,
  peer: Endpoint,
  scope: PortSet,
  peerIn: (p: PeerSpec) => boolean,
  trace?: Reason[],
): PortSet {
  const dstPorts = dir === 'ingress' ? subject.ports : peer.type === 'workload' ? peer.ports : undefined;
  const q: DirectionQuery = { dir, subject, peer, peerIn, dstPorts };
  const admin = decideTier(rules.admin, scope, q, 'the NetworkPolicy tier', trace);
  const next = admin.undecided.union(admin.passed);
  if (next.isEmpty()) return admin.allowed;
  if (rules.isolating.length > 0) return admin.allowed.union(allowedByNetworkPolicies(rules.np, rules.isolating, next, q, trace));
  const baseline = decideTier(rules.baseline, next, q, 'the default (allow)', trace);
  let allowed = admin.allowed.union(baseline.allowed).union(baseline.passed);
  const open = baseline.undecided;
  if (!open.isEmpty()) {
    allowed = allowed.union(open);
    trace?.push({ policy: DEFAULT_POLICY, effect: 'default-allow', detail: `no NetworkPolicy selects ${text(subject)} for ${dir} and no ClusterNetworkPolicy decides it: ${directionText(q, open)} is allowed by default` });
  }
  return allowed;
}

function* allRules(r: DirRules): Iterable<Rule> {
  yield* r.admin;
  yield* r.np;
  yield* r.baseline;
}

function text(ep: Endpoint): string {
  return endpointText(ep);
}

function classKey(ep: Endpoint): string {
  if (ep.type === 'external') return `x|${ep.first}|${ep.last}`;
  return `p|${ep.namespace}|${JSON.stringify(ep.labels)}|${JSON.stringify(ep.namespaceLabels)}|${portsKey(ep.ports)}|${ep.addresses?.join(',') ?? ''}`;
}

function portsKey(ports: readonly ContainerPort[]): string {
  return ports.map((p) => `${p.name ?? ''}/${p.protocol}/${p.port}`).join(',');
}

function groupIndices(classOfIndex: readonly number[], n: number): number[][] {
  const out: number[][] = Array.from({ length: n }, () => []);
  classOfIndex.forEach((u, i) => out[u].push(i));
  return out;
}

function dedupRanges(ranges: readonly Ipv4Range[]): Ipv4Range[] {
  const seen = new Set<string>();
  const out: Ipv4Range[] = [];
  for (const r of [...ranges].sort((x, y) => x[0] - y[0] || x[1] - y[1])) {
    const k = `${r[0]}-${r[1]}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push(r);
    }
  }
  return out;
}

