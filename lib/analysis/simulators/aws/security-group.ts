/**
 * The evaluation of security groups, with AWS's semantics:
 *
 * - rules only allow; there is no deny rule and no order
 *   (https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html);
 * - groups are stateful: the responses of an allowed connection flow back whatever the rules
 *   say, so only the connection's first packet is judged
 *   (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-connection-tracking.html);
 * - a connection from `src` to `dst` is allowed when some egress rule of some group of `src`
 *   allows `dst` AND some ingress rule of some group of `dst` allows `src`; an end that is no
 *   member of any group (an address outside AWS) is not policed on its side;
 * - the rules of all of an instance's groups are aggregated; a rule matches the destination port
 *   (TCP, UDP), the ICMP type and code (ICMP, ICMPv6), or every port (`-1`, and every other
 *   protocol: "specifying -1 or a protocol number other than tcp, udp, icmp, or icmpv6 allows
 *   traffic on all ports, regardless of any port range you specify",
 *   https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html);
 * - a CIDR or prefix-list peer matches addresses of its own family only (IPv4 and IPv6 are
 *   separate);
 * - a referenced group matches the private addresses of its members only — not a public or
 *   Elastic IP address — within the VPC, across an active VPC peering in the same Region (never
 *   across Regions: "use the CIDR block of the peer VPC",
 *   https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html), and across
 *   a transit gateway in inbound rules only ("outbound security rules referencing over Transit
 *   Gateway aren't supported",
 *   https://aws.amazon.com/blogs/networking-and-content-delivery/introducing-security-group-referencing-for-aws-transit-gateway/).
 *
 * Routes, network ACLs and the limits of the path are not modelled: the layer answers what the
 * groups allow.
 */
import { L4Protocol, PortSet } from '../../portset';
import { Address, AddressRange, IpFamily, rangeHolds, rangeWithinRange } from './address';
import { AwsGroup, AwsModel, AwsRule, IP_PROTOCOLS } from './model';

/** One side of the traffic: an instance with its groups, or an address range outside every group. */
export type Side =
  | {
    readonly kind: 'member';
    /** Its groups' object names. */
    readonly groups: readonly string[];
    /** Its address of the traffic's family, if it has one. */
    readonly address?: Address;
    /** The address the other side sees is public: references do not match it. */
    readonly public?: boolean;
    /** It has no address of the traffic's family (it has one of the other): it sends and receives none of it. */
    readonly noAddress?: boolean;
    /** How it is printed. */
    readonly label: string;
  }
  | { readonly kind: 'outside'; readonly range: AddressRange; readonly label: string };

/** What is sent: the first packet of a connection. */
export interface Traffic {
  /** The IP family. */
  readonly family: IpFamily;
  /** The IP protocol number (6 TCP, 17 UDP, 132 SCTP, 1 ICMP, 58 ICMPv6, …). */
  readonly protocol: number;
  /** TCP, UDP, SCTP: the destination port. @default - none */
  readonly port?: number;
  /** ICMP, ICMPv6: the type and code. @default - none */
  readonly icmp?: { readonly type: number; readonly code: number };
}

/** The verdict of one direction (the source's egress, or the destination's ingress). */
export interface DirectionVerdict {
  /** Whether the side is policed at all (a member of some group). */
  readonly policed: boolean;
  /** Whether the direction allows the traffic. */
  readonly allowed: boolean;
  /** The group and rule that allowed it (the first, in name order). @default - none */
  readonly by?: { readonly group: AwsGroup; readonly rule: AwsRule };
  /** Rules whose protocol and port matched but whose group reference cannot reach the peer, with why. */
  readonly unreachable: readonly { readonly rule: AwsRule; readonly why: string }[];
}

/** The verdict of one connection. */
export interface SecurityGroupVerdict {
  /** Allowed by both directions. */
  readonly allowed: boolean;
  /** The source's egress. */
  readonly egress: DirectionVerdict;
  /** The destination's ingress. */
  readonly ingress: DirectionVerdict;
}

/** Why a group reference cannot match (undefined: it can). */
export function referenceUnreachable(model: AwsModel, rule: AwsRule): string | undefined {
  if (rule.peer.kind !== 'group') return undefined;
  const g = model.groups.get(rule.group);
  const h = model.groups.get(rule.peer.group);
  if (!g || !h) return 'the group is not in the input';
  if (g.vpc === h.vpc) return undefined;
  const link = g.links.find((l) => l.vpc === h.vpc) ?? h.links.find((l) => l.vpc === g.vpc);
  if (!link) return `${h.ref} is in ${h.vpc}, which ${g.ref}'s VPC ${g.vpc} has no peering or transit-gateway link to (bulkhead.io/links)`;
  if (g.region !== h.region) {
    return `${h.ref} is in another Region (${h.region}, ${g.ref} in ${g.region}): a group of a peer VPC in another Region cannot be referenced; use the CIDR block of the peer VPC`;
  }
  if (link.kind === 'transit-gateway' && rule.direction === 'egress') {
    return `${h.ref} is in ${h.vpc}, reached through a transit gateway: references across a transit gateway work in inbound rules only`;
  }
  return undefined;
}

/** The ranges of a rule's peer (a CIDR, or a prefix list's entries); undefined for a group reference. */
export function peerRanges(model: AwsModel, rule: AwsRule): readonly AddressRange[] | undefined {
  switch (rule.peer.kind) {
    case 'cidr':
      return [rule.peer.range];
    case 'prefix-list':
      return (model.prefixLists.get(rule.peer.list)?.entries ?? []).map((e) => e.range);
    case 'group':
      return undefined;
  }
}

/** Whether the rule's protocol and port (or ICMP type and code) match the traffic. */
export function protocolMatches(rule: AwsRule, t: Traffic): boolean {
  if (rule.protocol !== 'all' && rule.protocol !== t.protocol) return false;
  if (rule.protocol === 'all' || rule.ports === undefined) return true;
  if (rule.protocol === IP_PROTOCOLS.tcp || rule.protocol === IP_PROTOCOLS.udp) {
    return t.port !== undefined && rule.ports[0] <= t.port && t.port <= rule.ports[1];
  }
  if (rule.protocol === IP_PROTOCOLS.icmp || rule.protocol === IP_PROTOCOLS.icmpv6) {
    if (!t.icmp) return false;
    return (rule.ports[0] === -1 || rule.ports[0] === t.icmp.type) && (rule.ports[1] === -1 || rule.ports[1] === t.icmp.code);
  }
  return true; // other protocols: every port
}

const REACH = new WeakMap<AwsRule, { why: string | undefined }>();

/** {@link referenceUnreachable}, computed once per rule. */
function reach(model: AwsModel, rule: AwsRule): string | undefined {
  let r = REACH.get(rule);
  if (!r) {
    r = { why: referenceUnreachable(model, rule) };
    REACH.set(rule, r);
  }
  return r.why;
}

/** Whether a rule's peer matches the other side (ignoring protocol): undefined = matches; else why not. */
function peerMatch(model: AwsModel, rule: AwsRule, other: Side, family: IpFamily): string | undefined {
  const ranges = peerRanges(model, rule);
  if (ranges) {
    const hit = ranges.some((r) => r.family === family && (other.kind === 'member'
      ? other.address !== undefined && rangeHolds(r, other.address)
      : rangeWithinRange(other.range, r)));
    return hit ? undefined : 'not in its range';
  }
  if (rule.peer.kind !== 'group') return 'no peer';
  if (other.kind !== 'member' || !other.groups.includes(rule.peer.group)) return 'not a member';
  if (other.public) return 'a public address: references match the private addresses of members only';
  return reach(model, rule);
}

function direction(model: AwsModel, side: Side, other: Side, t: Traffic, dir: 'egress' | 'ingress', rulesOf: (group: string) => readonly AwsRule[]): DirectionVerdict {
  if (side.kind !== 'member') return { policed: false, allowed: true, unreachable: [] };
  const unreachable: { rule: AwsRule; why: string }[] = [];
  for (const name of side.groups) {
    const group = model.groups.get(name);
    if (!group) continue;
    for (const rule of rulesOf(name)) {
      if (rule.direction !== dir || !protocolMatches(rule, t)) continue;
      const why = peerMatch(model, rule, other, t.family);
      if (why === undefined) return { policed: true, allowed: true, by: { group, rule }, unreachable };
      if (rule.peer.kind === 'group' && why !== 'not a member') unreachable.push({ rule, why });
    }
  }
  return { policed: true, allowed: false, unreachable };
}

/** A rule with what the port queries need of it, computed once: its ports and its peer's ranges. */
interface PortedRule {
  readonly rule: AwsRule;
  /** Its TCP, UDP and SCTP ports (never empty: rules without any are left out). */
  readonly ports: PortSet;
  /** Its peer's ranges (a CIDR, a prefix list's entries); undefined for a group reference. */
  readonly ranges?: readonly AddressRange[];
}

/** One pair found by {@link RuleIndex.allowedPairs}: indices into its arguments, and the ports. */
export interface SidePair {
  /** Index into the sources. */
  readonly src: number;
  /** Index into the destinations. */
  readonly dst: number;
  /** The allowed ports (never empty). */
  readonly ports: PortSet;
}

/** The rules of each group, by direction, in name order (an index over the model). */
export class RuleIndex {
  private readonly byGroup = new Map<string, AwsRule[]>();
  /** Per group and direction, its rules that allow some TCP, UDP or SCTP port, in model order. */
  private readonly ported = new Map<string, { readonly ingress: PortedRule[]; readonly egress: PortedRule[] }>();

  constructor(public readonly model: AwsModel) {
    for (const r of model.rules) {
      const l = this.byGroup.get(r.group);
      if (l) l.push(r);
      else this.byGroup.set(r.group, [r]);
      const ports = rulePorts(r);
      if (ports.isEmpty()) continue;
      let g = this.ported.get(r.group);
      if (!g) this.ported.set(r.group, (g = { ingress: [], egress: [] }));
      const ranges = peerRanges(model, r);
      g[r.direction].push(ranges ? { rule: r, ports, ranges } : { rule: r, ports });
    }
  }

  /** The rules of a group. */
  public rulesOf(group: string): readonly AwsRule[] {
    return this.byGroup.get(group) ?? [];
  }

  /** Decides one connection. */
  public evaluate(src: Side, dst: Side, t: Traffic): SecurityGroupVerdict {
    if ((src.kind === 'member' && src.noAddress) || (dst.kind === 'member' && dst.noAddress)) {
      const none: DirectionVerdict = { policed: true, allowed: false, unreachable: [] };
      return { allowed: false, egress: none, ingress: none };
    }
    const egress = direction(this.model, src, dst, t, 'egress', (g) => this.rulesOf(g));
    const ingress = direction(this.model, dst, src, t, 'ingress', (g) => this.rulesOf(g));
    return { allowed: egress.allowed && ingress.allowed, egress, ingress };
  }

  /**
   * The TCP, UDP and SCTP ports allowed from `src` to `dst` in one family: the ports the source's
   * egress allows, intersected with those the destination's ingress allows.
   */
  public allowedPorts(src: Side, dst: Side, family: IpFamily): PortSet {
    if ((src.kind === 'member' && src.noAddress) || (dst.kind === 'member' && dst.noAddress)) return PortSet.EMPTY;
    const out = this.directionPorts(src, dst, family, 'egress');
    if (out.isEmpty()) return out;
    return out.intersect(this.directionPorts(dst, src, family, 'ingress'));
  }

  /**
   * Every pair `(i, j)` whose {@link allowedPorts} is not empty (the pairs of two sides outside
   * every group are left out), found without testing every pair: a pair can only be allowed
   * when an ingress rule of the destination's groups names the source (its group, or a range
   * holding it), or, for a destination outside every group, when an egress rule of the
   * source's groups names a range holding the destination. Those candidates are collected
   * from indexes of the sides (members by group, addresses and ranges sorted) and each is
   * judged by {@link allowedPorts}, so the answers are the same.
   *
   * @param sources the sources
   * @param destinations the destinations
   * @param family the IP family
   * @param skip pairs to leave out (for example an endpoint with itself) @default - none
   */
  public allowedPairs(sources: readonly Side[], destinations: readonly Side[], family: IpFamily, skip?: (src: number, dst: number) => boolean): SidePair[] {
    const out: SidePair[] = [];
    const srcIndex = new SideIndex(sources, family);
    const stamp = new Int32Array(sources.length);
    const cands: number[] = [];
    const judge = (i: number, j: number): void => {
      if (skip?.(i, j)) return;
      const ports = this.allowedPorts(sources[i], destinations[j], family);
      if (!ports.isEmpty()) out.push({ src: i, dst: j, ports });
    };
    // destinations in groups: the sources their ingress rules name
    destinations.forEach((d, j) => {
      if (d.kind !== 'member' || d.noAddress) return;
      cands.length = 0;
      const add = (i: number): void => {
        if (stamp[i] === j + 1) return;
        stamp[i] = j + 1;
        cands.push(i);
      };
      for (const name of d.groups) {
        for (const pr of this.ported.get(name)?.ingress ?? []) {
          if (pr.ranges) {
            for (const r of pr.ranges) if (r.family === family) srcIndex.within(r, add);
          } else if (pr.rule.peer.kind === 'group') {
            for (const i of srcIndex.members(pr.rule.peer.group)) add(i);
          }
        }
      }
      cands.sort((a, b) => a - b);
      for (const i of cands) judge(i, j);
    });
    // destinations outside every group: the sources in groups whose egress rules name a range holding them
    const outside = new SideIndex(destinations, family);
    const bySource = new Map<number, Set<number>>();
    sources.forEach((s, i) => {
      if (s.kind !== 'member' || s.noAddress) return;
      for (const name of s.groups) {
        for (const pr of this.ported.get(name)?.egress ?? []) {
          for (const r of pr.ranges ?? []) {
            if (r.family !== family) continue;
            outside.outsideWithin(r, (j) => {
              const at = bySource.get(j);
              if (at) at.add(i);
              else bySource.set(j, new Set([i]));
            });
          }
        }
      }
    });
    for (const j of [...bySource.keys()].sort((a, b) => a - b)) {
      for (const i of [...(bySource.get(j) ?? [])].sort((a, b) => a - b)) judge(i, j);
    }
    return out;
  }

  private directionPorts(side: Side, other: Side, family: IpFamily, dir: 'egress' | 'ingress'): PortSet {
    if (side.kind !== 'member') return PortSet.ALL;
    let one: PortSet | undefined;
    let more: PortSet[] | undefined;
    for (const name of side.groups) {
      for (const pr of this.ported.get(name)?.[dir] ?? []) {
        if (!this.ruleMatches(pr, other, family)) continue;
        if (one === undefined) one = pr.ports;
        else (more ??= [one]).push(pr.ports);
      }
    }
    return more ? PortSet.unionAll(more) : one ?? PortSet.EMPTY;
  }

  /** Whether a rule's peer matches the other side: {@link peerMatch} finds no reason against it. */
  private ruleMatches(pr: PortedRule, other: Side, family: IpFamily): boolean {
    if (pr.ranges) {
      return pr.ranges.some((r) => r.family === family && (other.kind === 'member'
        ? other.address !== undefined && rangeHolds(r, other.address)
        : rangeWithinRange(other.range, r)));
    }
    const peer = pr.rule.peer;
    if (peer.kind !== 'group' || other.kind !== 'member' || !other.groups.includes(peer.group) || other.public) return false;
    return reach(this.model, pr.rule) === undefined;
  }
}

/** Sides indexed for the candidates of a bulk query: members by group, member addresses and outside ranges sorted. */
class SideIndex {
  private readonly byGroup = new Map<string, number[]>();
  /** Members with an address of the family, by address. */
  private readonly addresses: { readonly value: bigint; readonly i: number }[] = [];
  /** Sides outside every group, by first address. */
  private readonly ranges: { readonly first: bigint; readonly last: bigint; readonly i: number }[] = [];

  constructor(sides: readonly Side[], family: IpFamily) {
    sides.forEach((s, i) => {
      if (s.kind === 'member') {
        for (const g of s.groups) {
          const at = this.byGroup.get(g);
          if (at) at.push(i);
          else this.byGroup.set(g, [i]);
        }
        if (s.address && s.address.family === family) this.addresses.push({ value: s.address.value, i });
      } else if (s.range.family === family) {
        this.ranges.push({ first: s.range.first, last: s.range.last, i });
      }
    });
    this.addresses.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : a.i - b.i));
    this.ranges.sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : a.i - b.i));
  }

  /** The members of a group. */
  public members(group: string): readonly number[] {
    return this.byGroup.get(group) ?? [];
  }

  /** Calls `f` with every member whose address the range holds and every outside side that lies within it. */
  public within(r: AddressRange, f: (i: number) => void): void {
    for (let k = lowerBound(this.addresses, r.first, (x) => x.value); k < this.addresses.length && this.addresses[k].value <= r.last; k++) f(this.addresses[k].i);
    this.outsideWithin(r, f);
  }

  /** Calls `f` with every outside side that lies within the range. */
  public outsideWithin(r: AddressRange, f: (i: number) => void): void {
    for (let k = lowerBound(this.ranges, r.first, (x) => x.first); k < this.ranges.length && this.ranges[k].first <= r.last; k++) {
      if (this.ranges[k].last <= r.last) f(this.ranges[k].i);
    }
  }
}

/** The first index whose key is at least `v` (the items sorted by key). */
function lowerBound<T>(items: readonly T[], v: bigint, key: (x: T) => bigint): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(items[mid]) < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const L4: readonly [L4Protocol, number][] = [['TCP', IP_PROTOCOLS.tcp], ['UDP', IP_PROTOCOLS.udp], ['SCTP', IP_PROTOCOLS.sctp]];

/** The TCP, UDP and SCTP ports a rule allows (empty for ICMP and other protocols). */
export function rulePorts(rule: AwsRule): PortSet {
  if (rule.protocol === 'all') return PortSet.ALL;
  const l4 = L4.find(([, n]) => n === rule.protocol);
  if (!l4) return PortSet.EMPTY;
  if (rule.ports === undefined || l4[0] === 'SCTP') return PortSet.allOf(l4[0]);
  const [from, to] = rule.ports;
  if (to < 1) return PortSet.EMPTY;
  return PortSet.of(l4[0], Math.max(1, from), to);
}

/** The IP protocol number of an L4 protocol. */
export function protocolNumber(p: L4Protocol): number {
  return L4.find(([n]) => n === p)![1];
}
