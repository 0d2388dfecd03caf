/**
 * The pieces the Istio layer's bulk evaluation is made of: objects indexed by namespace (a
 * workload only ever meets the objects of its own namespace and of the root namespace), the
 * enforced policies of a destination split by action, the facts of a source the inbound
 * decision reads, and the decision itself without its reasons.
 *
 * The inbound decision about a destination changes only at the ports its policies,
 * PeerAuthentications and Services name, and at its own container ports (the Services' named
 * target ports resolve through them): at any other port every condition that looks at the
 * port answers the same. So a destination is judged at each of those ports (its slots) and at
 * one port outside them (the gap, standing for every other port).
 *
 * @see ./simulator.ts for the semantics
 */
import { PortSet } from '../../portset';
import { AuthorizationPolicyKind, Facts, SourceAddress, evalRule } from './authz';
import { MtlsMode, PortProtocol } from './model';

/** The enforced (not dry-run) CUSTOM, DENY and ALLOW policies of a destination, in order. */
export interface EnforcedPolicies {
  /** CUSTOM policies. */
  readonly custom: readonly AuthorizationPolicyKind[];
  /** DENY policies. */
  readonly deny: readonly AuthorizationPolicyKind[];
  /** ALLOW policies. */
  readonly allow: readonly AuthorizationPolicyKind[];
}

/** Splits policies (in their order) into the enforced ones of each deciding action. */
export function enforcedOf(policies: readonly AuthorizationPolicyKind[]): EnforcedPolicies {
  const live = policies.filter((p) => !p.dryRun);
  return {
    custom: live.filter((p) => p.action === 'CUSTOM'),
    deny: live.filter((p) => p.action === 'DENY'),
    allow: live.filter((p) => p.action === 'ALLOW'),
  };
}

/**
 * Whether one filter chain allows a connection: CUSTOM (only when the external authorizer is
 * assumed to deny: a matching rule denies), then DENY (a matching rule denies), then ALLOW (no
 * ALLOW policy: allowed; else a rule that may match allows). The same decision as the
 * simulator's `decideWith`, without the reasons.
 */
export function allowedWith(e: EnforcedPolicies, f: Facts, customAnswer: 'allow' | 'deny'): boolean {
  if (customAnswer === 'deny') {
    for (const p of e.custom) {
      for (const r of p.rules) {
        const t = evalRule(r, f, p.action);
        if (t === 'no') continue;
        if (t === 'yes') return false;
        break;
      }
    }
  }
  for (const p of e.deny) {
    for (const r of p.rules) if (evalRule(r, f, p.action) === 'yes') return false;
  }
  if (e.allow.length === 0) return true;
  for (const p of e.allow) {
    for (const r of p.rules) if (evalRule(r, f, p.action) !== 'no') return true;
  }
  return false;
}

/** What the inbound decision reads of a source. */
export interface SourceFacts {
  /** It sends plaintext: an address outside the cluster, or a workload without a sidecar (or ztunnel). */
  readonly plain: boolean;
  /** Its principal, for a mesh workload. @default - none (plaintext) */
  readonly principal?: string;
  /** The address Istio matches `ipBlocks` against. */
  readonly source: SourceAddress;
}

/** How a destination is judged inbound. */
export type InboundKind = 'open' | 'sidecar' | 'ambient';

/**
 * What the inbound decision needs of one destination, computed once: its ports where the
 * decision may change (the slots, and the gap), their mTLS modes and protocols, and the
 * enforced policies.
 */
export interface InboundInfo {
  /** `open`: no sidecar and not in ambient mode (Istio enforces nothing); `sidecar`; `ambient`. */
  readonly kind: InboundKind;
  /** The ports judged: every port where the decision may change (ascending), then the gap port if there is one. */
  readonly slots: readonly number[];
  /** Whether the last slot is the gap: a port standing for every port not among the others. */
  readonly hasGap: boolean;
  /** The mTLS mode per slot. */
  readonly mtls: readonly MtlsMode[];
  /** The port protocol per slot (`http`, `tcp`, `auto`). */
  readonly proto: readonly PortProtocol[];
  /** The enforced policies that select the destination (its sidecar's, or its ztunnel's). */
  readonly enforced: EnforcedPolicies;
  /** The keys of the source conditions of every policy that judges it (the sidecar's or ztunnel's, and its waypoint's). */
  readonly keys: readonly string[];
  /** Ambient mode: the waypoint serving it. @default - none */
  readonly waypoint?: {
    /** The policies attached to the destination's Services or to the waypoint, enforced. */
    readonly enforced: EnforcedPolicies;
    /** Per slot: whether the destination's ztunnel admits the waypoint (lazily filled). */
    readonly hop: (boolean | undefined)[];
    /** The waypoint's principal. */
    readonly principal: string;
  };
}

/** The slots of a destination: the given ports within 1..65535, ascending and distinct, then the first port outside them. */
export function slotsOf(points: Iterable<number>): { readonly slots: number[]; readonly hasGap: boolean } {
  const slots = [...new Set(points)].filter((p) => p >= 1 && p <= 65535).sort((a, b) => a - b);
  let gap = 1;
  for (const p of slots) {
    if (p !== gap) break;
    gap++;
  }
  if (gap > 65535) return { slots, hasGap: false };
  return { slots: [...slots, gap], hasGap: true };
}

/**
 * The TCP ports allowed, given the answer at each slot: the allowed slots, and every port
 * outside the slots when the gap is allowed; as ranges `[first, last]`, ascending, merged.
 */
export function tcpRanges(info: Pick<InboundInfo, 'slots' | 'hasGap'>, allowed: readonly boolean[]): [number, number][] {
  const n = info.hasGap ? info.slots.length - 1 : info.slots.length;
  const gap = info.hasGap && allowed[n];
  const out: [number, number][] = [];
  const add = (a: number, b: number): void => {
    const last = out[out.length - 1];
    if (last && last[1] + 1 >= a) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  };
  let next = 1;
  for (let i = 0; i < n; i++) {
    const p = info.slots[i];
    if (gap && p > next) add(next, p - 1);
    if (allowed[i]) add(p, p);
    next = p + 1;
  }
  if (gap && next <= 65535) add(next, 65535);
  return out;
}

/** Every port of UDP and SCTP (Istio captures TCP only). */
const NOT_TCP = PortSet.allOf('UDP').union(PortSet.allOf('SCTP'));

/**
 * Port sets by their TCP ranges, every UDP and SCTP port added (what an enforcing destination
 * allows: Istio captures TCP only), built once per distinct answer.
 */
export class InboundPortSets {
  private readonly sets = new Map<string, PortSet>();

  /** The set of the TCP ranges plus every UDP and SCTP port. */
  public of(ranges: readonly (readonly [number, number])[]): PortSet {
    const key = ranges.map(([a, b]) => `${a}-${b}`).join(',');
    let s = this.sets.get(key);
    if (!s) {
      s = NOT_TCP;
      for (const [a, b] of ranges) s = s.union(PortSet.of('TCP', a, b));
      this.sets.set(key, s);
    }
    return s;
  }
}

/**
 * Items of a list grouped by namespace, keeping the list's order: the items of one namespace
 * and of the root namespace are found without scanning the others.
 */
export class NamespaceIndex<T> {
  private readonly byNs = new Map<string, number[]>();

  /**
   * @param items the items, in the order every answer keeps
   * @param namespaceOf the namespace of an item
   */
  public constructor(private readonly items: readonly T[], namespaceOf: (item: T) => string) {
    items.forEach((item, i) => {
      const ns = namespaceOf(item);
      const at = this.byNs.get(ns);
      if (at) at.push(i);
      else this.byNs.set(ns, [i]);
    });
  }

  /** The items of namespace `a` and of namespace `b` (the root namespace), in the list's order. */
  public of(a: string, b?: string): T[] {
    const x = this.byNs.get(a) ?? [];
    const y = b === undefined || b === a ? [] : this.byNs.get(b) ?? [];
    const out: T[] = [];
    let i = 0;
    let j = 0;
    while (i < x.length || j < y.length) {
      if (j >= y.length || (i < x.length && x[i] < y[j])) out.push(this.items[x[i++]]);
      else out.push(this.items[y[j++]]);
    }
    return out;
  }
}
