/**
 * The decoded form shared by the policy kinds of the `kubernetes` layer: peers, ports and
 * rules as the decoders produce them, and the evaluated form (rules with interned peers) the
 * kind evaluators and the layer's simulator work on.
 */
import { Ipv4Range } from '../../ipv4';
import { L4Protocol, PortSet } from '../../portset';
import { LabelSelector } from '../../selector';
import { ContainerPort, Endpoint, WorkloadEndpoint } from '../../types';

/** A direction of a connection, seen from the policy's subject. */
export type Dir = 'ingress' | 'egress';

/** The tier a rule is evaluated in: Admin, NetworkPolicy or Baseline. */
export type Tier = 'admin' | 'np' | 'baseline';

/** What a rule does with the connections it matches. */
export type Action = 'allow' | 'deny' | 'pass';

/** The peers a rule (or the subject of a ClusterNetworkPolicy) names. */
export type PeerMatch =
  | { readonly t: 'all' }
  | { readonly t: 'pods'; readonly ns?: string; readonly nsSel?: LabelSelector; readonly podSel: LabelSelector }
  /** Address ranges; `byAddress`: pods match too when their address lies inside (ClusterNetworkPolicy `networks`). */
  | { readonly t: 'ips'; readonly ranges: readonly Ipv4Range[]; readonly byAddress: boolean };

/**
 * A decoded peer: a peer match, or a ClusterNetworkPolicy peer whose match depends on the
 * analysis context — `networks` (pods match by address) and `domainNames` (resolved names).
 * `field` is the path of the peer's field, for warnings.
 */
export type DecodedPeer =
  | PeerMatch
  | { readonly t: 'networks'; readonly ranges: readonly Ipv4Range[]; readonly field: string }
  | { readonly t: 'domains'; readonly names: readonly string[]; readonly field: string };

/** A port named by a rule, resolved against the destination's container ports. */
export interface NamedPort {
  /** The port name. */
  readonly name: string;
  /** The protocol. @default - any protocol (ClusterNetworkPolicy destinationNamedPort) */
  readonly protocol?: L4Protocol;
}

/** The ports of a rule. */
export interface RulePorts {
  /** Numbered ports (ALL when the rule names no ports). */
  readonly fixed: PortSet;
  /** Named ports, resolved against the destination. */
  readonly named: readonly NamedPort[];
}

/** One decoded rule. */
export interface DecodedRule {
  /** The policy, as `Kind ns/name` or `Kind name`. */
  readonly policy: string;
  /** The field path of the rule, such as `spec.ingress[0]`. */
  readonly path: string;
  /** The tier and rule as explanations name them. */
  readonly tierText: string;
  /** What the rule does. */
  readonly action: Action;
  /** The peers (a NetworkPolicy rule without peers matches every peer). */
  readonly peers: readonly DecodedPeer[];
  /** The ports. */
  readonly ports: RulePorts;
}

/** Address ranges a policy names, per direction (they split the external address space). */
export interface AddressBoundaries {
  /** Ranges named by ingress peers. */
  readonly ingress: readonly Ipv4Range[];
  /** Ranges named by egress peers. */
  readonly egress: readonly Ipv4Range[];
}

/** A peer match shared by every rule that names it. */
export interface PeerSpec {
  /** A small id, in the order peers were first named. */
  readonly id: number;
  /** A text equal for equal matches. */
  readonly key: string;
  /** The match. */
  readonly match: PeerMatch;
}

/** A rule as the simulator evaluates it: peers interned, numbered in the order written. */
export interface Rule {
  /** A small id, in the order rules were read. */
  readonly id: number;
  /** The policy, as `Kind ns/name` or `Kind name`. */
  readonly policy: string;
  /** The field path of the rule. */
  readonly path: string;
  /** The tier. */
  readonly tier: Tier;
  /** The tier and rule as explanations name them. */
  readonly tierText: string;
  /** What the rule does. */
  readonly action: Action;
  /** The peers. */
  readonly peers: readonly PeerSpec[];
  /** The ports. */
  readonly ports: RulePorts;
}

/** Turns the decoded rules of a policy into evaluated rules (the simulator interns peers and numbers rules). */
export type RuleBuilder = (rule: DecodedRule, tier: Tier, peers: readonly PeerMatch[]) => Rule;

/** A stable text for a peer match. */
export function peerKey(m: PeerMatch): string {
  switch (m.t) {
    case 'all':
      return 'all';
    case 'pods':
      return `pods|${m.ns ?? ''}|${m.nsSel?.key ?? ''}|${m.podSel.key}`;
    case 'ips':
      return `ips|${m.byAddress}|${m.ranges.map(([a, b]) => `${a}-${b}`).join(',')}`;
  }
}

/**
 * Whether a peer match matches an endpoint. A pod matches a `networks` range when every
 * address it may have is inside: its known addresses, else the pod CIDRs, else any IPv4 address.
 */
export function matchPeer(m: PeerMatch, ep: Endpoint, podCidrs: readonly Ipv4Range[] | undefined): boolean {
  switch (m.t) {
    case 'all':
      return true;
    case 'pods':
      return ep.type === 'workload' && (m.ns === undefined || ep.namespace === m.ns) && (m.nsSel === undefined || m.nsSel.matches(ep.namespaceLabels)) && m.podSel.matches(ep.labels);
    case 'ips': {
      const inside = (a: number, b: number): boolean => m.ranges.some(([x, y]) => a >= x && b <= y);
      if (ep.type === 'external') return inside(ep.first, ep.last);
      if (!m.byAddress) return false;
      if (ep.addresses && ep.addresses.length > 0) return ep.addresses.every((a) => inside(a, a));
      const possible = podCidrs && podCidrs.length > 0 ? podCidrs : [[0, 0xffffffff] as const];
      return possible.every(([a, b]) => inside(a, b));
    }
  }
}

/** The ports of a rule for a destination: numbered ports, plus named ports the destination's containers define. */
export function resolvePorts(ports: RulePorts, dstPorts: readonly ContainerPort[] | undefined): PortSet {
  if (ports.named.length === 0 || dstPorts === undefined) return ports.fixed;
  let out = ports.fixed;
  for (const n of ports.named) {
    for (const cp of dstPorts) {
      if (cp.name === n.name && (n.protocol === undefined || cp.protocol === n.protocol)) out = out.union(PortSet.of(cp.protocol, cp.port));
    }
  }
  return out;
}

/** An endpoint as explanations name it. */
export function endpointText(ep: Endpoint): string {
  return ep.type === 'external' ? `${ep.id}[External]` : ep.id;
}

/** Compares two strings independently of the locale. */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * One policy of the layer, ready to evaluate. Every kind implements the same methods; the
 * layer's simulator combines the kinds by tier (Admin, NetworkPolicy, Baseline).
 */
export interface KubernetesPolicy {
  /** The policy, as `Kind ns/name` or `Kind name`. */
  readonly label: string;
  /** The tier its rules are evaluated in. */
  readonly tier: Tier;
  /** Whether the policy applies to the workload in the direction (for a NetworkPolicy: selects it and isolates that direction). */
  selects(ep: WorkloadEndpoint, dir: Dir): boolean;
  /** Its rules in the direction, in the order written. */
  rules(dir: Dir): readonly Rule[];
  /** The IPv4 ranges its peers name, per direction. */
  boundaries(): AddressBoundaries;
}

/** One direction of one connection, as the tier evaluations see it. */
export interface DirectionQuery {
  /** The direction, seen from the subject. */
  readonly dir: Dir;
  /** The workload whose policies are evaluated. */
  readonly subject: WorkloadEndpoint;
  /** The other end. */
  readonly peer: Endpoint;
  /** Whether a rule's peer matches the other end. */
  readonly peerIn: (p: PeerSpec) => boolean;
  /** The destination's container ports (for named ports). @default - the destination is not a workload */
  readonly dstPorts?: readonly ContainerPort[];
}

/** The text explanations use for a direction on some ports: `egress from a to b on TCP:80`. */
export function directionText(q: DirectionQuery, ports: PortSet): string {
  return q.dir === 'egress'
    ? `egress from ${endpointText(q.subject)} to ${endpointText(q.peer)} on ${ports}`
    : `ingress to ${endpointText(q.subject)} from ${endpointText(q.peer)} on ${ports}`;
}
