/**
 * Evaluation of NetworkPolicy (decoded by `./decode/netpol.ts`). A pod is isolated in a
 * direction when any NetworkPolicy of that direction selects it; then only the union of the
 * rules of the selecting policies is allowed.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
import { PortSet } from '../../portset';
import { Reason, WorkloadEndpoint } from '../../types';
import { DecodedNetworkPolicy } from './decode/netpol';
import { AddressBoundaries, Dir, DirectionQuery, KubernetesPolicy, PeerMatch, Rule, RuleBuilder, directionText, endpointText, resolvePorts } from './model';

/** One NetworkPolicy, ready to evaluate. */
export class NetworkPolicyKind implements KubernetesPolicy {
  /** The tier. */
  public readonly tier = 'np' as const;
  /** `NetworkPolicy ns/name`. */
  public readonly label: string;
  /** The namespace of the policy. */
  public readonly namespace: string;
  private readonly ingress?: readonly Rule[];
  private readonly egress?: readonly Rule[];

  /**
   * @param decoded the decoded policy
   * @param build turns a decoded rule into an evaluated one
   */
  public constructor(private readonly decoded: DecodedNetworkPolicy, build: RuleBuilder) {
    this.label = decoded.label;
    this.namespace = decoded.namespace;
    const rules = (list: DecodedNetworkPolicy['ingress']): Rule[] | undefined => list?.map((r) => build(r, 'np', r.peers as readonly PeerMatch[]));
    this.ingress = rules(decoded.ingress);
    this.egress = rules(decoded.egress);
  }

  /** The workloads the policy selects (in either direction): its pods in its namespace. */
  public get subject(): PeerMatch {
    return { t: 'pods', ns: this.namespace, podSel: this.decoded.podSelector };
  }

  /** Whether the policy selects the workload and isolates it in the direction. */
  public selects(ep: WorkloadEndpoint, dir: Dir): boolean {
    return this[dir] !== undefined && ep.namespace === this.namespace && this.decoded.podSelector.matches(ep.labels);
  }

  /** The rules of the direction (none when the policy does not isolate it). */
  public rules(dir: Dir): readonly Rule[] {
    return this[dir] ?? [];
  }

  /** The IPv4 ranges its ipBlocks name. */
  public boundaries(): AddressBoundaries {
    return this.decoded.boundaries;
  }
}

/**
 * The NetworkPolicy tier of one direction: what the rules of the policies that isolate the
 * subject allow among `scope` (their union); `isolating` names those policies (empty: the
 * subject is not isolated, and the caller goes on to the Baseline tier).
 */
export function allowedByNetworkPolicies(rules: readonly Rule[], isolating: readonly string[], scope: PortSet, q: DirectionQuery, trace?: Reason[]): PortSet {
  let allowed = PortSet.EMPTY;
  for (const r of rules) {
    if (!r.peers.some(q.peerIn)) continue;
    const m = resolvePorts(r.ports, q.dstPorts).intersect(scope);
    if (m.isEmpty()) continue;
    allowed = allowed.union(m);
    trace?.push({ policy: r.policy, rule: r.path, effect: 'allow', detail: `allows ${directionText(q, m)}` });
  }
  if (trace) {
    const denied = scope.subtract(allowed);
    if (!denied.isEmpty()) {
      for (const p of isolating) {
        trace.push({ policy: p, effect: 'default-deny', detail: `selects ${endpointText(q.subject)} for ${q.dir}, and no ${q.dir} rule of the NetworkPolicies selecting it allows ${directionText(q, denied)}` });
      }
    }
  }
  return allowed;
}
