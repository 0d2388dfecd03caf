/**
 * The `kubernetes` layer: `networking.k8s.io/v1` NetworkPolicy together with
 * `policy.networking.k8s.io/v1alpha2` ClusterNetworkPolicy, evaluated in the dataplane order
 * Admin tier → NetworkPolicy tier → Baseline tier → default allow, separately for the egress
 * of the source and the ingress of the destination. A connection passes only if both pass.
 *
 * NetworkPolicy follows the upstream semantics: a pod is isolated in a direction when any
 * policy of that type selects it; then only the union of the rules of the selecting policies
 * is allowed. `policyTypes` defaults to `Ingress`, plus `Egress` when the policy has egress
 * rules. A rule without `from` / `to` matches every peer; without `ports`, every port. A peer
 * with a podSelector only selects pods of the policy's namespace; with a namespaceSelector
 * only, every pod of the selected namespaces; with both, the pods matching both. `ipBlock`
 * (minus `except`) matches addresses outside the cluster: pod addresses are not known to the
 * analysis, as the NetworkPolicy documentation recommends ipBlock only for cluster-external
 * addresses. Ports are numbers, ranges (`endPort`) or names resolved against the
 * destination's container ports of the same protocol; TCP when the protocol is omitted.
 *
 * ClusterNetworkPolicy: within a tier, policies are evaluated by ascending priority (equal
 * priorities are ordered by name; upstream leaves that order to the implementation), rules
 * in the order written; the first rule that matches a connection decides: Accept or Deny
 * stop evaluation of the direction, Pass skips the rest of the tier. In the Admin tier, Pass
 * hands the connection to the NetworkPolicy tier; a pod isolated by NetworkPolicy gets a
 * final answer there; otherwise the Baseline tier decides, and what it leaves undecided (or
 * passes) is allowed. A `networks` peer matches external addresses, and pods too (the API
 * reference: "cluster-internal traffic will be checked against the rule as well"): a pod
 * whose every address lies inside — its known addresses (Pod status), else the cluster's pod
 * CIDRs when given, else any IPv4 address (so only `0.0.0.0/0` matches it). A peer with no known field fails closed: an Accept rule matches nothing, a
 * Deny or Pass rule matches everything. The v1alpha1 predecessors AdminNetworkPolicy (Admin
 * tier) and BaselineAdminNetworkPolicy (Baseline tier) are read the same way.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 * @see https://network-policy-api.sigs.k8s.io/api-overview/
 */
import { mergeIntervals, subtractIntervals } from '../../core/intervals';
import { Problem } from '../../core/errors';
import { InputLocation, ProblemSet, inputError } from '../errors';
import { Ipv4Range, parseCidr } from '../ipv4';
import { ManifestObject, describe, group } from '../loader';
import { L4Protocol, PortSet } from '../portset';
import { LabelIndex, LabelSelector, isRecord } from '../selector';
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
} from '../types';

/** Whether an object belongs to the `kubernetes` layer (NetworkPolicy or ClusterNetworkPolicy). */
export function isKubernetesLayerObject(o: Pick<ManifestObject, 'apiVersion' | 'kind'>): boolean {
  const g = group(o.apiVersion);
  if (o.kind === 'NetworkPolicy') return g === 'networking.k8s.io' || g === 'extensions';
  return g === 'policy.networking.k8s.io' && (o.kind === 'ClusterNetworkPolicy' || o.kind === 'AdminNetworkPolicy' || o.kind === 'BaselineAdminNetworkPolicy');
}

/**
 * Builds the simulator of the `kubernetes` layer.
 *
 * @param objects the objects of the input (objects of other layers are ignored)
 * @param ctx the analysis context
 * @throws AnalysisInputError when a policy is malformed
 */
export function createKubernetesSimulator(objects: readonly ManifestObject[], ctx: AnalysisContext, options: KubernetesSimulatorOptions = {}): KubernetesSimulator {
  return new KubernetesSimulator(objects.filter(isKubernetesLayerObject), ctx, options);
}

/** Tuning of the {@link KubernetesSimulator}. */
export interface KubernetesSimulatorOptions {
  /**
   * Peer sets with more members than this are shared by all subjects (answered once per
   * group of endpoints); smaller ones are enumerated pair by pair. Only speed depends on it.
   * @default 32
   */
  readonly promoteThreshold?: number;
}

type Dir = 'ingress' | 'egress';
type Tier = 'admin' | 'np' | 'baseline';
type Action = 'allow' | 'deny' | 'pass';

type PeerMatch =
  | { readonly t: 'all' }
  | { readonly t: 'pods'; readonly ns?: string; readonly nsSel?: LabelSelector; readonly podSel: LabelSelector }
  /** Address ranges; `byAddress`: pods match too when their address lies inside (ClusterNetworkPolicy `networks`). */
  | { readonly t: 'ips'; readonly ranges: readonly Ipv4Range[]; readonly byAddress: boolean };

interface PeerSpec {
  readonly id: number;
  readonly key: string;
  readonly match: PeerMatch;
}

interface NamedPort {
  readonly name: string;
  /** Undefined: any protocol (ClusterNetworkPolicy destinationNamedPort). */
  readonly protocol?: L4Protocol;
}

interface RulePorts {
  /** Numbered ports (ALL when the rule names no ports). */
  readonly fixed: PortSet;
  /** Named ports, resolved against the destination. */
  readonly named: readonly NamedPort[];
}

interface Rule {
  readonly id: number;
  readonly policy: string;
  readonly path: string;
  readonly tier: Tier;
  readonly tierText: string;
  readonly action: Action;
  readonly peers: readonly PeerSpec[];
  readonly ports: RulePorts;
}

interface NpPolicy {
  readonly label: string;
  readonly ns: string;
  readonly podSel: LabelSelector;
  readonly ingress?: readonly Rule[];
  readonly egress?: readonly Rule[];
}

interface CnpPolicy {
  readonly label: string;
  readonly name: string;
  readonly tier: 'admin' | 'baseline';
  readonly priority: number;
  readonly subject: PeerMatch;
  readonly ingress: readonly Rule[];
  readonly egress: readonly Rule[];
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
  private readonly nps: NpPolicy[] = [];
  private readonly npsByNs = new Map<string, NpPolicy[]>();
  private readonly cnps: CnpPolicy[] = [];
  private readonly ingressBoundaries: Ipv4Range[] = [];
  private readonly egressBoundaries: Ipv4Range[] = [];
  private readonly referencedNames = new Set<string>();
  private readonly subjectCache = new Map<string, SubjectRules>();

  private readonly promoteThreshold: number;

  /**
   * @param objects the objects of this layer (NetworkPolicy, ClusterNetworkPolicy)
   * @param ctx the analysis context
   * @param options tuning
   */
  constructor(objects: readonly ManifestObject[], private readonly ctx: AnalysisContext, options: KubernetesSimulatorOptions = {}) {
    this.promoteThreshold = options.promoteThreshold ?? 32;
    const warnings = new ProblemSet();
    for (const o of objects) {
      if (o.kind === 'NetworkPolicy') this.parseNetworkPolicy(o);
      else this.parseClusterNetworkPolicy(o, warnings);
    }
    this.present = this.nps.length > 0 || this.cnps.length > 0;
    // evaluation order within a tier: ascending priority, then name (rules keep their written order)
    this.cnps.sort((a, b) => a.priority - b.priority || cmp(a.name, b.name));
    for (const n of this.nps) {
      const l = this.npsByNs.get(n.ns);
      if (l) l.push(n);
      else this.npsByNs.set(n.ns, [n]);
    }
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
    const key = `${ep.namespace}|${JSON.stringify(ep.labels)}|${JSON.stringify(ep.namespaceLabels)}`;
    const hit = this.subjectCache.get(key);
    if (hit) return hit;
    const build = (dir: Dir): DirRules => {
      const admin: Rule[] = [];
      const baseline: Rule[] = [];
      const np: Rule[] = [];
      const isolating: string[] = [];
      for (const c of this.cnps) {
        if (!matchPeer(c.subject, ep, this.ctx.podCidrs)) continue;
        (c.tier === 'admin' ? admin : baseline).push(...c[dir]);
      }
      for (const p of this.npsByNs.get(ep.namespace) ?? []) {
        const rules = p[dir];
        if (rules === undefined || !p.podSel.matches(ep.labels)) continue;
        isolating.push(p.label);
        np.push(...rules);
      }
      return { admin, np, isolating: isolating.sort(), baseline };
    };
    const r = { ingress: build('ingress'), egress: build('egress') };
    this.subjectCache.set(key, r);
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
  // parsing

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

  private rule(r: Omit<Rule, 'id'>): Rule {
    const full = { ...r, id: this.rules.length };
    this.rules.push(full);
    for (const n of r.ports.named) this.referencedNames.add(n.name);
    return full;
  }

  private parseNetworkPolicy(o: ManifestObject): void {
    const label = `NetworkPolicy ${o.namespace}/${o.name}`;
    const ns = o.namespace ?? 'default';
    const at = (field: string): InputLocation => ({ source: o.source, object: describe(o), field });
    const spec = o.raw.spec;
    if (!isRecord(spec)) inputError(at('spec'), 'a NetworkPolicy needs a spec', spec, 'add spec.podSelector ({} selects every pod of the namespace) and the rules');
    const podSel = LabelSelector.parse(spec.podSelector, at('spec.podSelector'));
    const ingressRaw = listField(spec.ingress, at('spec.ingress'));
    const egressRaw = listField(spec.egress, at('spec.egress'));
    let types: Set<string>;
    if (spec.policyTypes === undefined || spec.policyTypes === null) {
      types = new Set(['Ingress']);
      if (egressRaw.length > 0) types.add('Egress');
    } else {
      if (!Array.isArray(spec.policyTypes)) inputError(at('spec.policyTypes'), 'policyTypes must be a list', spec.policyTypes, 'write policyTypes: [Ingress, Egress]');
      types = new Set();
      spec.policyTypes.forEach((t: unknown, i: number) => {
        if (t !== 'Ingress' && t !== 'Egress') inputError(at(`spec.policyTypes[${i}]`), 'unknown policy type', t, 'use Ingress or Egress');
        types.add(t);
      });
    }
    const parseRules = (raw: unknown[], dir: Dir): Rule[] =>
      raw.map((r, i) => {
        const path = `spec.${dir}[${i}]`;
        if (!isRecord(r)) return inputError(at(path), 'a rule must be a mapping', r, `write {} to allow everything, or {${dir === 'ingress' ? 'from' : 'to'}: [...], ports: [...]}`);
        const peerField = dir === 'ingress' ? 'from' : 'to';
        const peersRaw = listField(r[peerField], at(`${path}.${peerField}`));
        const peers: PeerSpec[] = peersRaw.length === 0 ? [this.peer({ t: 'all' })] : peersRaw.map((p, j) => this.parseNpPeer(p, ns, dir, at(`${path}.${peerField}[${j}]`)));
        const ports = parseNpPorts(listField(r.ports, at(`${path}.ports`)), (j) => at(`${path}.ports[${j}]`));
        return this.rule({ policy: label, path, tier: 'np', tierText: 'NetworkPolicy', action: 'allow', peers, ports });
      });
    this.nps.push({
      label,
      ns,
      podSel,
      ingress: types.has('Ingress') ? parseRules(ingressRaw, 'ingress') : undefined,
      egress: types.has('Egress') ? parseRules(egressRaw, 'egress') : undefined,
    });
  }

  private parseNpPeer(p: unknown, ns: string, dir: Dir, at: InputLocation): PeerSpec {
    if (!isRecord(p)) return inputError(at, 'a peer must be a mapping', p, 'write {podSelector: ...}, {namespaceSelector: ...} or {ipBlock: {cidr: ...}}');
    for (const k of Object.keys(p)) {
      if (k !== 'podSelector' && k !== 'namespaceSelector' && k !== 'ipBlock') inputError({ ...at, field: `${at.field}.${k}` }, 'unknown field in a NetworkPolicy peer', k, 'use podSelector, namespaceSelector or ipBlock');
    }
    const hasPod = p.podSelector !== undefined && p.podSelector !== null;
    const hasNs = p.namespaceSelector !== undefined && p.namespaceSelector !== null;
    const hasIp = p.ipBlock !== undefined && p.ipBlock !== null;
    if (hasIp && (hasPod || hasNs)) inputError(at, 'a peer may set ipBlock or selectors, not both', p, 'split it into two peers');
    if (!hasIp && !hasPod && !hasNs) inputError(at, 'a peer must set podSelector, namespaceSelector or ipBlock', p, 'set one, or remove the peer list entirely to match every peer');
    if (hasIp) {
      const ib = p.ipBlock;
      const f = { ...at, field: `${at.field}.ipBlock` };
      if (!isRecord(ib)) return inputError(f, 'ipBlock must be a mapping with cidr and optional except', ib, 'write ipBlock: {cidr: 10.0.0.0/8}');
      const c = parseCidr(ib.cidr as string);
      if (c.family === 'invalid') inputError({ ...f, field: `${f.field}.cidr` }, 'not a valid CIDR', ib.cidr, 'write an address range such as 10.0.0.0/8');
      const exceptRaw = listField(ib.except, { ...f, field: `${f.field}.except` });
      const excepts: Ipv4Range[] = [];
      exceptRaw.forEach((e, i) => {
        const ec = parseCidr(e as string);
        const ef = { ...f, field: `${f.field}.except[${i}]` };
        if (ec.family === 'invalid') inputError(ef, 'not a valid CIDR', e, 'write an address range such as 10.1.0.0/16');
        if (ec.family !== c.family) inputError(ef, 'an except range must be of the same address family as the cidr', e, 'use an IPv4 except with an IPv4 cidr');
        if (ec.family === 'ipv4' && c.family === 'ipv4' && !(ec.range[0] >= c.range[0] && ec.range[1] <= c.range[1])) {
          inputError(ef, `the except range is not inside the cidr ${String(ib.cidr)}`, e, 'use an except range inside the cidr');
        }
        if (ec.family === 'ipv4') excepts.push(ec.range);
      });
      if (c.family !== 'ipv4') return this.peer({ t: 'ips', ranges: [], byAddress: false }); // IPv6: matches no IPv4 endpoint
      const bounds = dir === 'ingress' ? this.ingressBoundaries : this.egressBoundaries;
      bounds.push(c.range, ...excepts);
      return this.peer({ t: 'ips', ranges: subtractIntervals([c.range], excepts), byAddress: false });
    }
    const podSel = LabelSelector.parse(p.podSelector, { ...at, field: `${at.field}.podSelector` });
    if (!hasNs) return this.peer({ t: 'pods', ns, podSel });
    const nsSel = LabelSelector.parse(p.namespaceSelector, { ...at, field: `${at.field}.namespaceSelector` });
    return this.peer({ t: 'pods', nsSel, podSel });
  }

  /**
   * ClusterNetworkPolicy (v1alpha2), and its predecessors AdminNetworkPolicy (Admin tier,
   * actions Allow / Deny / Pass) and BaselineAdminNetworkPolicy (Baseline tier, Allow / Deny),
   * v1alpha1, which read the same way with `ports` instead of `protocols`.
   */
  private parseClusterNetworkPolicy(o: ManifestObject, warnings: ProblemSet): void {
    const flavor = o.kind === 'ClusterNetworkPolicy' ? 'cnp' : o.kind === 'AdminNetworkPolicy' ? 'anp' : 'banp';
    const label = `${o.kind} ${o.name}`;
    const at = (field: string): InputLocation => ({ source: o.source, object: label, field });
    const spec = o.raw.spec;
    if (!isRecord(spec)) inputError(at('spec'), `a ${o.kind} needs a spec`, spec, flavor === 'cnp' ? 'add spec.tier, spec.priority, spec.subject and the rules' : 'add spec.subject and the rules');
    const version = flavor === 'cnp' ? 'v1alpha2' : 'v1alpha1';
    if (!o.apiVersion.endsWith(`/${version}`)) warnings.warn('BH-AN-CNP-VERSION', label, `${label} has apiVersion ${o.apiVersion}; the analysis reads it as ${version}`, `write apiVersion policy.networking.k8s.io/${version}, or check that the fields mean the same in ${o.apiVersion}`);
    let tierRaw: unknown = flavor === 'anp' ? 'Admin' : 'Baseline';
    if (flavor === 'cnp') {
      tierRaw = spec.tier;
      if (tierRaw !== 'Admin' && tierRaw !== 'Baseline') inputError(at('spec.tier'), 'tier must be Admin or Baseline', tierRaw, 'set spec.tier: Admin (cannot be overridden) or Baseline (NetworkPolicy may override)');
    }
    const tier = tierRaw === 'Admin' ? 'admin' : 'baseline';
    const priority = flavor === 'banp' ? 0 : spec.priority;
    if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 0 || priority > 1000) {
      return inputError(at('spec.priority'), 'priority must be a whole number from 0 to 1000', priority, 'set spec.priority (lower values are evaluated first)');
    }
    const subject = this.parseCnpSubject(spec.subject, at('spec.subject'));
    const tierText = flavor === 'banp' ? 'Baseline tier' : `${String(tierRaw)} tier, priority ${priority}`;
    const accept = flavor === 'cnp' ? 'Accept' : 'Allow';
    const actions = flavor === 'banp' ? [accept, 'Deny'] : [accept, 'Deny', 'Pass'];
    const parseRules = (dir: Dir): Rule[] =>
      listField(spec[dir], at(`spec.${dir}`)).map((r, i) => {
        const path = `spec.${dir}[${i}]`;
        if (!isRecord(r)) return inputError(at(path), 'a rule must be a mapping', r, 'write {action: Deny, ' + (dir === 'ingress' ? 'from' : 'to') + ': [...]}');
        const act = r.action;
        if (typeof act !== 'string' || !actions.includes(act)) inputError(at(`${path}.action`), `action must be ${actions.join(', ').replace(/, (\w+)$/, ' or $1')}`, act, `set action: ${actions.join(', ')}`);
        const action: Action = act === accept ? 'allow' : act === 'Deny' ? 'deny' : 'pass';
        const peerField = dir === 'ingress' ? 'from' : 'to';
        const peersRaw = listField(r[peerField], at(`${path}.${peerField}`));
        if (peersRaw.length === 0) inputError(at(`${path}.${peerField}`), `a ${o.kind} rule needs at least one peer in ${peerField}`, r[peerField], `list the peers, for example ${peerField}: [{namespaces: {}}]`);
        const peers: PeerSpec[] = [];
        peersRaw.forEach((p, j) => {
          const spec2 = this.parseCnpPeer(p, dir, action, at(`${path}.${peerField}[${j}]`), warnings, label);
          if (spec2) peers.push(spec2);
        });
        const ports = flavor === 'cnp' ? parseCnpProtocols(r.protocols, at(`${path}.protocols`)) : parseAnpPorts(r.ports, at(`${path}.ports`));
        const name = typeof r.name === 'string' && r.name.length > 0 ? `, rule "${r.name}"` : '';
        return this.rule({ policy: label, path, tier, tierText: `${tierText}${name}`, action, peers, ports });
      });
    this.cnps.push({ label, name: o.name, tier, priority, subject, ingress: parseRules('ingress'), egress: parseRules('egress') });
  }

  private parseCnpSubject(v: unknown, at: InputLocation): PeerMatch {
    if (!isRecord(v)) return inputError(at, 'subject must be a mapping with namespaces or pods', v, 'write subject: {namespaces: {}} or subject: {pods: {namespaceSelector: ..., podSelector: ...}}');
    const keys = Object.keys(v).filter((k) => v[k] !== undefined && v[k] !== null);
    if (keys.length !== 1 || (keys[0] !== 'namespaces' && keys[0] !== 'pods')) inputError(at, 'subject must set exactly one of namespaces or pods', v, 'write subject: {namespaces: {...}} or subject: {pods: {...}}');
    if (keys[0] === 'namespaces') return { t: 'pods', nsSel: LabelSelector.parse(v.namespaces, { ...at, field: `${at.field}.namespaces` }), podSel: LabelSelector.EVERYTHING };
    return this.parseNamespacedPod(v.pods, { ...at, field: `${at.field}.pods` });
  }

  private parseNamespacedPod(v: unknown, at: InputLocation): PeerMatch {
    if (!isRecord(v)) return inputError(at, 'pods must be a mapping with namespaceSelector and podSelector', v, 'write pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: web}}}');
    if (v.podSelector === undefined || v.podSelector === null) inputError({ ...at, field: `${at.field}.podSelector` }, 'pods needs a podSelector', v, 'add podSelector ({} selects every pod)');
    return {
      t: 'pods',
      nsSel: LabelSelector.parse(v.namespaceSelector, { ...at, field: `${at.field}.namespaceSelector` }),
      podSel: LabelSelector.parse(v.podSelector, { ...at, field: `${at.field}.podSelector` }),
    };
  }

  private parseCnpPeer(p: unknown, dir: Dir, action: Action, at: InputLocation, warnings: ProblemSet, label: string): PeerSpec | undefined {
    const failClosed = (why: string): PeerSpec | undefined => {
      warnings.warn('BH-AN-CNP-FAIL-CLOSED', `${label}, ${at.field}`, `${why}; it fails closed (${action === 'allow' ? 'the Accept rule matches nothing' : 'the rule matches every peer'})`, 'write the peer with one field the API version defines (namespaces, pods, networks, nodes or domainNames)');
      return action === 'allow' ? undefined : this.peer({ t: 'all' });
    };
    if (!isRecord(p)) return inputError(at, 'a peer must be a mapping', p, 'write {namespaces: ...}, {pods: ...} or {networks: [...]}');
    const keys = Object.keys(p).filter((k) => p[k] !== undefined && p[k] !== null);
    if (keys.length === 0) return failClosed('the peer sets no field');
    if (keys.length > 1) inputError(at, 'a peer must set exactly one field', keys, 'split it into one peer per field');
    const k = keys[0];
    const f = { ...at, field: `${at.field}.${k}` };
    if (k === 'namespaces') return this.peer({ t: 'pods', nsSel: LabelSelector.parse(p.namespaces, f), podSel: LabelSelector.EVERYTHING });
    if (k === 'pods') return this.peer(this.parseNamespacedPod(p.pods, f));
    if (dir === 'egress' && k === 'networks') {
      const nets = listField(p.networks, f);
      const ranges: Ipv4Range[] = [];
      nets.forEach((c, i) => {
        const pc = parseCidr(c as string);
        if (pc.family === 'invalid') inputError({ ...f, field: `${f.field}[${i}]` }, 'not a valid CIDR', c, 'write an address range such as 10.0.0.0/8');
        if (pc.family === 'ipv4') ranges.push(pc.range);
      });
      this.egressBoundaries.push(...ranges);
      // "cluster-internal traffic will be checked against the rule as well" (networks, ClusterNetworkPolicy API reference)
      const merged = mergeIntervals(ranges);
      if (!this.ctx.podCidrs && merged.some(([a, b]) => a !== 0 || b !== 0xffffffff) && this.ctx.workloads.some((w) => w.addresses === undefined)) {
        warnings.warn('BH-AN-NETWORKS-POD-ADDRESS', `${label} ${f.field}`, 'networks match pod addresses too; pods without a known address (no Pod status in the input, no pod CIDRs given) are matched only by 0.0.0.0/0', 'add the Pods (with status.podIP) to the input, or analyse through verify, which passes the cluster\'s pod CIDRs');
      }
      return this.peer({ t: 'ips', ranges: merged, byAddress: true });
    }
    if (dir === 'egress' && k === 'nodes') {
      warnings.warn('BH-AN-CNP-NODES', `${label}, ${f.field}`, 'nodes peers select node addresses, which the analysis does not model; the peer matches nothing', 'check what node peers allow separately');
      return undefined;
    }
    if (dir === 'egress' && k === 'domainNames') {
      if (action !== 'allow') return failClosed('domainNames is only valid in Accept rules');
      const names = listField(p.domainNames, f);
      const ranges: Ipv4Range[] = [];
      names.forEach((dn, i) => {
        if (typeof dn !== 'string' || dn.length === 0) inputError({ ...f, field: `${f.field}[${i}]` }, 'a domain name must be a non-empty string', dn, 'write a name such as api.example.com or *.example.com');
        for (const [fqdn, addrs] of Object.entries(this.ctx.resolve)) {
          if (!domainMatches(dn, fqdn)) continue;
          for (const a of addrs) {
            const pc = parseCidr(a);
            if (pc.family === 'ipv4') ranges.push(pc.range);
          }
        }
      });
      if (ranges.length === 0) warnings.warn('BH-AN-UNRESOLVED', `${label}, ${f.field}`, `no address is known for ${names.join(', ')}; the peer matches no address`, 'pass --resolve name=address to analyse it');
      this.egressBoundaries.push(...ranges);
      return this.peer({ t: 'ips', ranges: mergeIntervals(ranges), byAddress: false });
    }
    return failClosed(`unknown ${dir} peer type ${JSON.stringify(k)}`);
  }
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
  const what = (ports: PortSet): string =>
    dir === 'egress' ? `egress from ${text(subject)} to ${text(peer)} on ${ports}` : `ingress to ${text(subject)} from ${text(peer)} on ${ports}`;
  let undecided = scope;
  let allowed = PortSet.EMPTY;
  let passed = PortSet.EMPTY;
  for (const r of rules.admin) {
    if (undecided.isEmpty()) break;
    if (!r.peers.some(peerIn)) continue;
    const m = resolvePorts(r.ports, dstPorts).intersect(undecided);
    if (m.isEmpty()) continue;
    undecided = undecided.subtract(m);
    if (r.action === 'allow') allowed = allowed.union(m);
    else if (r.action === 'pass') passed = passed.union(m);
    trace?.push({ policy: r.policy, rule: r.path, effect: r.action, detail: `${r.tierText}: ${actionText(r.action)} ${what(m)}${r.action === 'pass' ? ' to the NetworkPolicy tier' : ''}` });
  }
  const next = undecided.union(passed);
  if (next.isEmpty()) return allowed;
  if (rules.isolating.length > 0) {
    let npAllowed = PortSet.EMPTY;
    for (const r of rules.np) {
      if (!r.peers.some(peerIn)) continue;
      const m = resolvePorts(r.ports, dstPorts).intersect(next);
      if (m.isEmpty()) continue;
      npAllowed = npAllowed.union(m);
      trace?.push({ policy: r.policy, rule: r.path, effect: 'allow', detail: `allows ${what(m)}` });
    }
    if (trace) {
      const denied = next.subtract(npAllowed);
      if (!denied.isEmpty()) {
        for (const p of rules.isolating) {
          trace.push({ policy: p, effect: 'default-deny', detail: `selects ${text(subject)} for ${dir}, and no ${dir} rule of the NetworkPolicies selecting it allows ${what(denied)}` });
        }
      }
    }
    return allowed.union(npAllowed);
  }
  let open = next;
  for (const r of rules.baseline) {
    if (open.isEmpty()) break;
    if (!r.peers.some(peerIn)) continue;
    const m = resolvePorts(r.ports, dstPorts).intersect(open);
    if (m.isEmpty()) continue;
    open = open.subtract(m);
    if (r.action !== 'deny') allowed = allowed.union(m);
    trace?.push({ policy: r.policy, rule: r.path, effect: r.action, detail: `${r.tierText}: ${actionText(r.action)} ${what(m)}${r.action === 'pass' ? ' to the default (allow)' : ''}` });
  }
  if (!open.isEmpty()) {
    allowed = allowed.union(open);
    trace?.push({ policy: DEFAULT_POLICY, effect: 'default-allow', detail: `no NetworkPolicy selects ${text(subject)} for ${dir} and no ClusterNetworkPolicy decides it: ${what(open)} is allowed by default` });
  }
  return allowed;
}

function* allRules(r: DirRules): Iterable<Rule> {
  yield* r.admin;
  yield* r.np;
  yield* r.baseline;
}

function actionText(a: Action): string {
  return a === 'allow' ? 'accepts' : a === 'deny' ? 'denies' : 'passes';
}

function text(ep: Endpoint): string {
  return ep.type === 'external' ? `${ep.id}[External]` : ep.id;
}

function matchPeer(m: PeerMatch, ep: Endpoint, podCidrs: readonly Ipv4Range[] | undefined): boolean {
  switch (m.t) {
    case 'all':
      return true;
    case 'pods':
      return ep.type === 'workload' && (m.ns === undefined || ep.namespace === m.ns) && (m.nsSel === undefined || m.nsSel.matches(ep.namespaceLabels)) && m.podSel.matches(ep.labels);
    case 'ips': {
      const inside = (a: number, b: number): boolean => m.ranges.some(([x, y]) => a >= x && b <= y);
      if (ep.type === 'external') return inside(ep.first, ep.last);
      if (!m.byAddress) return false;
      // a pod matches when every address it may have is inside: its known addresses, else the pod CIDRs, else any IPv4 address
      if (ep.addresses && ep.addresses.length > 0) return ep.addresses.every((a) => inside(a, a));
      const possible = podCidrs && podCidrs.length > 0 ? podCidrs : [[0, 0xffffffff] as const];
      return possible.every(([a, b]) => inside(a, b));
    }
  }
}

function resolvePorts(ports: RulePorts, dstPorts: readonly ContainerPort[] | undefined): PortSet {
  if (ports.named.length === 0 || dstPorts === undefined) return ports.fixed;
  let out = ports.fixed;
  for (const n of ports.named) {
    for (const cp of dstPorts) {
      if (cp.name === n.name && (n.protocol === undefined || cp.protocol === n.protocol)) out = out.union(PortSet.of(cp.protocol, cp.port));
    }
  }
  return out;
}

function parseNpPorts(raw: unknown[], at: (i: number) => InputLocation): RulePorts {
  if (raw.length === 0) return { fixed: PortSet.ALL, named: [] };
  let fixed = PortSet.EMPTY;
  const named: NamedPort[] = [];
  raw.forEach((p, i) => {
    const f = at(i);
    if (!isRecord(p)) inputError(f, 'a port entry must be a mapping', p, 'write {protocol: TCP, port: 8080}');
    const proto = p.protocol ?? 'TCP';
    if (proto !== 'TCP' && proto !== 'UDP' && proto !== 'SCTP') inputError({ ...f, field: `${f.field}.protocol` }, 'unknown protocol', proto, 'use TCP, UDP or SCTP');
    const port = p.port;
    const end = p.endPort;
    if (port === undefined || port === null) {
      if (end !== undefined && end !== null) inputError({ ...f, field: `${f.field}.endPort` }, 'endPort needs port', end, 'set port to the first port of the range');
      fixed = fixed.union(PortSet.allOf(proto));
      return;
    }
    if (typeof port === 'string') {
      if (/^\d+$/.test(port)) inputError({ ...f, field: `${f.field}.port` }, 'a port number must not be quoted (a quoted port is read as a port name)', port, `write port: ${port}`);
      if (end !== undefined && end !== null) inputError({ ...f, field: `${f.field}.endPort` }, 'endPort cannot be used with a named port', end, 'use a numbered port with endPort, or remove endPort');
      named.push({ name: port, protocol: proto });
      return;
    }
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
      inputError({ ...f, field: `${f.field}.port` }, 'a port must be a whole number from 1 to 65535, or a port name', port, 'write port: 8080 or port: http');
    }
    let last = port;
    if (end !== undefined && end !== null) {
      if (typeof end !== 'number' || !Number.isInteger(end) || end < port || end > 65535) {
        inputError({ ...f, field: `${f.field}.endPort` }, `endPort must be a whole number from ${port} to 65535`, end, 'set endPort to the last port of the range');
      }
      last = end;
    }
    fixed = fixed.union(PortSet.of(proto, port, last));
  });
  return { fixed, named };
}

function parseCnpProtocols(v: unknown, at: InputLocation): RulePorts {
  if (v === undefined || v === null) return { fixed: PortSet.ALL, named: [] };
  const raw = listField(v, at);
  if (raw.length === 0) inputError(at, 'protocols, when set, must list at least one entry', v, 'remove protocols to match every port, or list them');
  let fixed = PortSet.EMPTY;
  const named: NamedPort[] = [];
  raw.forEach((e, i) => {
    const f = { ...at, field: `${at.field}[${i}]` };
    if (!isRecord(e)) inputError(f, 'a protocol entry must be a mapping', e, 'write {tcp: {destinationPort: {number: 443}}}');
    const keys = Object.keys(e).filter((k) => e[k] !== undefined && e[k] !== null);
    if (keys.length !== 1) inputError(f, 'a protocol entry must set exactly one of tcp, udp, sctp or destinationNamedPort', e, 'split it into one entry per protocol');
    const k = keys[0];
    if (k === 'destinationNamedPort') {
      if (typeof e[k] !== 'string' || (e[k] as string).length === 0) inputError({ ...f, field: `${f.field}.${k}` }, 'destinationNamedPort must be a port name', e[k], 'write destinationNamedPort: http');
      named.push({ name: e[k] as string });
      return;
    }
    const proto = k === 'tcp' ? 'TCP' : k === 'udp' ? 'UDP' : k === 'sctp' ? 'SCTP' : undefined;
    if (!proto) return inputError({ ...f, field: `${f.field}.${k}` }, 'unknown protocol entry', k, 'use tcp, udp, sctp or destinationNamedPort');
    const body = e[k];
    if (!isRecord(body)) return inputError({ ...f, field: `${f.field}.${k}` }, `${k} must be a mapping`, body, `write ${k}: {destinationPort: {number: 443}}`);
    const dp = body.destinationPort;
    if (dp === undefined || dp === null) {
      fixed = fixed.union(PortSet.allOf(proto));
      return;
    }
    const df = { ...f, field: `${f.field}.${k}.destinationPort` };
    if (!isRecord(dp)) return inputError(df, 'destinationPort must be a mapping with number or range', dp, 'write destinationPort: {number: 443} or {range: {start: 8000, end: 8100}}');
    if (dp.number !== undefined && dp.number !== null) {
      const num = dp.number;
      if (typeof num !== 'number' || !Number.isInteger(num) || num < 1 || num > 65535) inputError({ ...df, field: `${df.field}.number` }, 'a port must be a whole number from 1 to 65535', num, 'write number: 443');
      fixed = fixed.union(PortSet.of(proto, num));
      return;
    }
    const r = dp.range;
    if (!isRecord(r)) return inputError(df, 'destinationPort must set number or range', dp, 'write destinationPort: {number: 443} or {range: {start: 8000, end: 8100}}');
    const s = r.start;
    const en = r.end;
    if (typeof s !== 'number' || typeof en !== 'number' || !Number.isInteger(s) || !Number.isInteger(en) || s < 1 || en > 65535 || s >= en) {
      inputError({ ...df, field: `${df.field}.range` }, 'a range needs whole-number start < end, from 1 to 65535', r, 'write range: {start: 8000, end: 8100}');
    }
    fixed = fixed.union(PortSet.of(proto, s, en));
  });
  return { fixed, named };
}

/** AdminNetworkPolicy / BaselineAdminNetworkPolicy v1alpha1 `ports`: portNumber, portRange or namedPort. */
function parseAnpPorts(v: unknown, at: InputLocation): RulePorts {
  if (v === undefined || v === null) return { fixed: PortSet.ALL, named: [] };
  const raw = listField(v, at);
  let fixed = PortSet.EMPTY;
  const named: NamedPort[] = [];
  raw.forEach((e, i) => {
    const f = { ...at, field: `${at.field}[${i}]` };
    if (!isRecord(e)) return inputError(f, 'a port entry must be a mapping', e, 'write {portNumber: {protocol: TCP, port: 443}}');
    const keys = Object.keys(e).filter((k) => e[k] !== undefined && e[k] !== null);
    if (keys.length !== 1) inputError(f, 'a port entry must set exactly one of portNumber, portRange or namedPort', e, 'split it into one entry each');
    const k = keys[0];
    if (k === 'namedPort') {
      if (typeof e.namedPort !== 'string' || e.namedPort.length === 0) inputError({ ...f, field: `${f.field}.namedPort` }, 'namedPort must be a port name', e.namedPort, 'write namedPort: http');
      named.push({ name: e.namedPort as string });
      return;
    }
    const body = e[k];
    const bf = { ...f, field: `${f.field}.${k}` };
    if (!isRecord(body) || (k !== 'portNumber' && k !== 'portRange')) return inputError(bf, 'unknown port entry', k, 'use portNumber, portRange or namedPort');
    const proto = body.protocol ?? 'TCP';
    if (proto !== 'TCP' && proto !== 'UDP' && proto !== 'SCTP') return inputError({ ...bf, field: `${bf.field}.protocol` }, 'unknown protocol', proto, 'use TCP, UDP or SCTP');
    const isPort = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 1 && x <= 65535;
    if (k === 'portNumber') {
      if (!isPort(body.port)) return inputError({ ...bf, field: `${bf.field}.port` }, 'a port must be a whole number from 1 to 65535', body.port, 'write port: 443');
      fixed = fixed.union(PortSet.of(proto, body.port));
      return;
    }
    if (!isPort(body.start) || !isPort(body.end) || body.start > body.end) return inputError(bf, 'a range needs whole-number start <= end, from 1 to 65535', body, 'write portRange: {protocol: TCP, start: 8000, end: 8100}');
    fixed = fixed.union(PortSet.of(proto, body.start, body.end));
  });
  return { fixed, named };
}

function listField(v: unknown, at: InputLocation): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return inputError(at, 'this field must be a list', v, 'write it as a YAML list (- item)');
  return v;
}

function peerKey(m: PeerMatch): string {
  switch (m.t) {
    case 'all':
      return 'all';
    case 'pods':
      return `pods|${m.ns ?? ''}|${m.nsSel?.key ?? ''}|${m.podSel.key}`;
    case 'ips':
      return `ips|${m.byAddress}|${m.ranges.map(([a, b]) => `${a}-${b}`).join(',')}`;
  }
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

/** ClusterNetworkPolicy domain name matching: exact, or `*.` matching one or more labels. */
function domainMatches(pattern: string, fqdn: string): boolean {
  const p = pattern.toLowerCase().replace(/\.$/, '');
  const f = fqdn.toLowerCase().replace(/\.$/, '');
  if (p.startsWith('*.')) return f.endsWith(p.slice(1)) && f.length > p.length - 1;
  return p === f;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
