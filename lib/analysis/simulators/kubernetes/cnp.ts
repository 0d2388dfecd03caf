/**
 * Evaluation of the cluster-wide kinds: ClusterNetworkPolicy (v1alpha2) and its v1alpha1
 * predecessors AdminNetworkPolicy (Admin tier) and BaselineAdminNetworkPolicy (Baseline
 * tier), decoded by `./decode/cnp.ts`, `./decode/anp.ts` and `./decode/banp.ts` into one form.
 *
 * Within a tier, the rules of the selecting policies are evaluated in order (the caller sorts
 * the policies by ascending priority, then name); the first rule that matches a connection
 * decides it: Accept / Allow or Deny stop evaluation of the direction, Pass hands it to the
 * next tier. A `networks` peer matches external addresses and pods whose every address lies
 * inside (the API reference: "cluster-internal traffic will be checked against the rule as
 * well"). `domainNames` match the addresses the analysis was told they resolve to.
 *
 * @see https://network-policy-api.sigs.k8s.io/api-overview/
 */
import { mergeIntervals } from '../../../core/intervals';
import { ProblemSet } from '../../errors';
import { Ipv4Range, parseCidr } from '../../ipv4';
import { PortSet } from '../../portset';
import { AnalysisContext, Reason, WorkloadEndpoint } from '../../types';
import { DecodedTieredPolicy } from './decode/tiered';
import { Action, AddressBoundaries, DecodedPeer, Dir, DirectionQuery, KubernetesPolicy, PeerMatch, Rule, RuleBuilder, directionText, matchPeer, resolvePorts } from './model';

/** One ClusterNetworkPolicy, AdminNetworkPolicy or BaselineAdminNetworkPolicy, ready to evaluate. */
export class ClusterNetworkPolicyKind implements KubernetesPolicy {
  /** `Kind name`. */
  public readonly label: string;
  /** `metadata.name`. */
  public readonly name: string;
  /** The tier. */
  public readonly tier: 'admin' | 'baseline';
  /** The priority within the tier. */
  public readonly priority: number;
  private readonly ingress: readonly Rule[];
  private readonly egress: readonly Rule[];
  private readonly resolved: Ipv4Range[] = [];

  /**
   * @param decoded the decoded policy
   * @param ctx the analysis context (pod CIDRs, workloads, resolved names)
   * @param warnings where warnings about peers the context cannot make exact go
   * @param build turns a decoded rule into an evaluated one
   */
  public constructor(private readonly decoded: DecodedTieredPolicy, private readonly ctx: AnalysisContext, warnings: ProblemSet, build: RuleBuilder) {
    this.label = decoded.label;
    this.name = decoded.name;
    this.tier = decoded.tier;
    this.priority = decoded.priority;
    const rules = (dir: Dir): Rule[] => decoded[dir].map((r) => build(r, decoded.tier, r.peers.map((p) => this.peerMatch(p, warnings))));
    this.ingress = rules('ingress');
    this.egress = rules('egress');
  }

  /** The workloads the policy's subject holds. */
  public get subject(): PeerMatch {
    return this.decoded.subject;
  }

  /** Whether the policy's subject holds the workload (the same in both directions). */
  public selects(ep: WorkloadEndpoint, _dir: Dir): boolean {
    return matchPeer(this.decoded.subject, ep, this.ctx.podCidrs);
  }

  /** The rules of the direction, in the order written. */
  public rules(dir: Dir): readonly Rule[] {
    return this[dir];
  }

  /** The IPv4 ranges its `networks` and resolved `domainNames` name (egress). */
  public boundaries(): AddressBoundaries {
    return { ingress: this.decoded.boundaries.ingress, egress: [...this.decoded.boundaries.egress, ...this.resolved] };
  }

  private peerMatch(p: DecodedPeer, warnings: ProblemSet): PeerMatch {
    if (p.t === 'networks') {
      if (!this.ctx.podCidrs && p.ranges.some(([a, b]) => a !== 0 || b !== 0xffffffff) && this.ctx.workloads.some((w) => w.addresses === undefined)) {
        warnings.warn('BH-AN-NETWORKS-POD-ADDRESS', `${this.label} ${p.field}`, 'networks match pod addresses too; pods without a known address (no Pod status in the input, no pod CIDRs given) are matched only by 0.0.0.0/0', 'add the Pods (with status.podIP) to the input, or analyse through verify, which passes the cluster\'s pod CIDRs');
      }
      return { t: 'ips', ranges: p.ranges, byAddress: true };
    }
    if (p.t === 'domains') {
      const ranges: Ipv4Range[] = [];
      for (const dn of p.names) {
        for (const [fqdn, addrs] of Object.entries(this.ctx.resolve)) {
          if (!domainMatches(dn, fqdn)) continue;
          for (const a of addrs) {
            const pc = parseCidr(a);
            if (pc.family === 'ipv4') ranges.push(pc.range);
          }
        }
      }
      if (ranges.length === 0) warnings.warn('BH-AN-UNRESOLVED', `${this.label}, ${p.field}`, `no address is known for ${p.names.join(', ')}; the peer matches no address`, 'pass --resolve name=address to analyse it');
      this.resolved.push(...ranges);
      return { t: 'ips', ranges: mergeIntervals(ranges), byAddress: false };
    }
    return p;
  }
}

/** What a tier of the cluster-wide kinds decided, as port sets. */
export interface TierDecision {
  /** Accepted (Allow / Accept). */
  readonly allowed: PortSet;
  /** Passed to the next tier. */
  readonly passed: PortSet;
  /** Matched by no rule. */
  readonly undecided: PortSet;
}

/**
 * One tier of the cluster-wide kinds for one direction: the first matching rule decides each
 * port of `scope`. `passTo` names where Pass hands the connection, for explanations.
 */
export function decideTier(rules: readonly Rule[], scope: PortSet, q: DirectionQuery, passTo: string, trace?: Reason[]): TierDecision {
  let undecided = scope;
  let allowed = PortSet.EMPTY;
  let passed = PortSet.EMPTY;
  for (const r of rules) {
    if (undecided.isEmpty()) break;
    if (!r.peers.some(q.peerIn)) continue;
    const m = resolvePorts(r.ports, q.dstPorts).intersect(undecided);
    if (m.isEmpty()) continue;
    undecided = undecided.subtract(m);
    if (r.action === 'allow') allowed = allowed.union(m);
    else if (r.action === 'pass') passed = passed.union(m);
    trace?.push({ policy: r.policy, rule: r.path, effect: r.action, detail: `${r.tierText}: ${actionText(r.action)} ${directionText(q, m)}${r.action === 'pass' ? ` to ${passTo}` : ''}` });
  }
  return { allowed, passed, undecided };
}

function actionText(a: Action): string {
  return a === 'allow' ? 'accepts' : a === 'deny' ? 'denies' : 'passes';
}

/** ClusterNetworkPolicy domain name matching: exact, or `*.` matching one or more labels. */
export function domainMatches(pattern: string, fqdn: string): boolean {
  const p = pattern.toLowerCase().replace(/\.$/, '');
  const f = fqdn.toLowerCase().replace(/\.$/, '');
  if (p.startsWith('*.')) return f.endsWith(p.slice(1)) && f.length > p.length - 1;
  return p === f;
}
