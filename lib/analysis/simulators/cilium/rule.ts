/**
 * Evaluation of one decoded Cilium rule (`./decode/*.ts`); CiliumNetworkPolicy and
 * CiliumClusterwideNetworkPolicy rules are evaluated alike once decoded (their difference,
 * the namespace scoping of selectors, is part of the decoded selectors). The layer's
 * simulator combines the rules that select an endpoint: deny rules first, then default deny,
 * then allow rules.
 *
 * - Entities: `world` (and `world-ipv4`) is every address outside the cluster, `cluster` every
 *   workload (of the local cluster: the simulator scopes it), `all` both; the others match nothing here.
 * - CIDR rules match addresses outside the cluster only; a range that straddles a block
 *   matches deny rules, not allow rules.
 * - `toFQDNs` match the resolved addresses of names the DNS proxy may see.
 * - L7: `rules.http` entries are ORed; without an HTTP request, L7 rules count as allowing
 *   some requests (`some`).
 *
 * @see https://docs.cilium.io/en/stable/security/policy/language/
 */
import { rangesOverlap, rangeWithin } from '../../ipv4';
import { Connection, Endpoint, WorkloadEndpoint } from '../../types';
import { Tri, triOr } from '../common';
import { DecodedCiliumRule, L7, Peer, PeerRule } from './model';

/** What peer matching needs to know of the layer: endpoint labels and resolved names. */
export interface CiliumPeerWorld {
  /** The Cilium labels of a workload (pod labels, namespace, service account, cluster). */
  labelsOf(w: WorkloadEndpoint): Readonly<Record<string, string>>;
  /** Resolved names (normalized) and their IPv4 ranges. */
  readonly resolved: ReadonlyMap<string, readonly (readonly [number, number])[]>;
  /** Whether the DNS proxy may see lookups of the name. */
  dnsVisible(name: string): boolean;
}

/** Whether the rule selects an endpoint with these Cilium labels. */
export function selects(rule: DecodedCiliumRule, labels: Readonly<Record<string, string>>): boolean {
  return rule.subjectSel !== undefined && rule.subjectSel.matches(labels);
}

/** Whether a rule's peers match the other end of a connection. */
export function peerMatches(pr: PeerRule, peer: Endpoint, deny: boolean, world: CiliumPeerWorld): boolean {
  if (pr.l3 === 'any') return true;
  if (pr.l3 === 'none') return false;
  return pr.l3.some((p) => peerMatch(p, peer, deny, world));
}

function peerMatch(p: Peer, peer: Endpoint, deny: boolean, world: CiliumPeerWorld): boolean {
  switch (p.kind) {
    case 'endpoints':
      return peer.type === 'workload' && !p.foreign && p.sel.matches(world.labelsOf(peer));
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
      for (const [name, ranges] of world.resolved) {
        if (!p.test(name) || !world.dnsVisible(name)) continue;
        if (ranges.some(([c, d]) => rangeWithin(peer.first, peer.last, c, d))) return true;
      }
      return false;
    }
    default:
      return false;
  }
}

/** Whether a rule's ports (and L7 rules) accept the connection. */
export function portsMatch(pr: PeerRule, conn: Connection, dst: Endpoint): Tri {
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

/** Whether L7 rules accept the connection (`some` without an HTTP request). */
export function l7Match(l7: L7, conn: Connection): Tri {
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

