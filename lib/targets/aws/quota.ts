/**
 * Security-group quotas, checked at synthesis so that nothing fails at apply.
 *
 * AWS counts, per group and per direction, IPv4 and IPv6 rules separately (60 each by
 * default); a rule that references a group counts against both families; a rule that names a
 * customer-managed prefix list counts as the list's `maxEntries` (against both, conservatively:
 * a prefix list therefore never lowers the count, it only names the CIDRs once). A network
 * interface carries 5 groups by default (16 at most), and rules per group × groups per
 * interface may not exceed 1,000.
 *
 * Rules are merged before they are counted (see the renderer); when one group would still be
 * over quota, the workload's rules are spread over several groups (shards) that all its
 * instances carry. The shards are filled first-fit in rule-key order, so the result depends on
 * the content only. When more shards are needed than an interface may carry, the quota error
 * names the workload, the direction, the count and the quota.
 *
 * @see https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-security-groups
 * @see https://docs.aws.amazon.com/vpc/latest/userguide/managed-prefix-lists.html
 */
import { Problem } from '../../core/errors';
import { PlanNetwork, PlanNetworkQuotas } from '../../plan/types';
import { AwsPrefixList, AwsRulePeer } from './types';

/** What one rule counts against its group's quota, per address family. */
export interface RuleCost {
  /** Against the IPv4 quota. */
  readonly ipv4: number;
  /** Against the IPv6 quota. */
  readonly ipv6: number;
}

/** The cost of one rule: 1 for its CIDR's family, 1 for both for a reference, `maxEntries` for both for a prefix list. */
export function ruleCost(peer: AwsRulePeer, prefixLists: ReadonlyMap<string, AwsPrefixList>): RuleCost {
  if (peer.cidrIpv4 !== undefined) return { ipv4: 1, ipv6: 0 };
  if (peer.cidrIpv6 !== undefined) return { ipv4: 0, ipv6: 1 };
  if (peer.prefixList !== undefined) {
    const n = prefixLists.get(peer.prefixList)?.maxEntries ?? 1;
    return { ipv4: n, ipv6: n };
  }
  return { ipv4: 1, ipv6: 1 };
}

/** One rule to place. */
export interface ShardInput {
  /** The rule's key (the placement order). */
  readonly key: string;
  /** `ingress` or `egress`. */
  readonly direction: 'ingress' | 'egress';
  /** Its peer (for its cost). */
  readonly peer: AwsRulePeer;
}

/** The rules fit: in how many groups, and the group (1-based) of each rule. */
export interface ShardFit {
  /** Discriminator. */
  readonly kind: 'fit';
  /** How many groups the workload needs (at least 1). */
  readonly groups: number;
  /** The group (1-based) of each rule, by rule key. */
  readonly assignment: ReadonlyMap<string, number>;
}

/** The rules do not fit in the groups an interface may carry. */
export interface ShardOverflow {
  /** Discriminator. */
  readonly kind: 'overflow';
  /** The direction over quota. */
  readonly direction: 'ingress' | 'egress';
  /** The address family over quota. */
  readonly family: 'IPv4' | 'IPv6';
  /** Rules of that direction and family after merging (counting references and prefix lists as AWS does). */
  readonly count: number;
  /** Rules per group allowed, in that direction and family. */
  readonly quota: number;
  /** Groups per network interface allowed. */
  readonly groupsPerInterface: number;
  /** Groups that would be needed. @default - a single rule is over quota on its own */
  readonly groupsNeeded?: number;
}

/**
 * Places the rules of one workload in as few groups as first-fit finds (in rule-key order),
 * within the rule quotas per group, direction and family, and the groups-per-interface quota.
 */
export function shardRules(rules: readonly ShardInput[], quotas: PlanNetworkQuotas, prefixLists: ReadonlyMap<string, AwsPrefixList>): ShardFit | ShardOverflow {
  const assignment = new Map<string, number>();
  let groups = 1;
  const sorted = [...rules].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const direction of ['ingress', 'egress'] as const) {
    const quota = direction === 'ingress' ? quotas.inboundRulesPerGroup : quotas.outboundRulesPerGroup;
    const bins: { ipv4: number; ipv6: number }[] = [];
    const total = { ipv4: 0, ipv6: 0 };
    for (const r of sorted.filter((x) => x.direction === direction)) {
      const c = ruleCost(r.peer, prefixLists);
      total.ipv4 += c.ipv4;
      total.ipv6 += c.ipv6;
      if (c.ipv4 > quota || c.ipv6 > quota) {
        return { kind: 'overflow', direction, family: c.ipv4 > quota ? 'IPv4' : 'IPv6', count: Math.max(c.ipv4, c.ipv6), quota, groupsPerInterface: quotas.groupsPerInterface };
      }
      let i = bins.findIndex((b) => b.ipv4 + c.ipv4 <= quota && b.ipv6 + c.ipv6 <= quota);
      if (i < 0) {
        bins.push({ ipv4: 0, ipv6: 0 });
        i = bins.length - 1;
      }
      bins[i].ipv4 += c.ipv4;
      bins[i].ipv6 += c.ipv6;
      assignment.set(r.key, i + 1);
    }
    if (bins.length > quotas.groupsPerInterface) {
      const family = total.ipv4 >= total.ipv6 ? 'IPv4' : 'IPv6';
      return { kind: 'overflow', direction, family, count: family === 'IPv4' ? total.ipv4 : total.ipv6, quota, groupsPerInterface: quotas.groupsPerInterface, groupsNeeded: bins.length };
    }
    groups = Math.max(groups, bins.length);
  }
  return { kind: 'fit', groups, assignment };
}

/** The quota error of a workload whose rules do not fit. */
export function quotaProblems(path: string, workload: string, network: PlanNetwork, o: ShardOverflow): Problem[] {
  const dir = o.direction === 'ingress' ? 'inbound' : 'outbound';
  const quotaName = o.direction === 'ingress' ? 'inboundRulesPerGroup' : 'outboundRulesPerGroup';
  const message = o.groupsNeeded === undefined
    ? `one ${dir} rule of ${workload} counts as ${o.count} ${o.family} rules (a prefix list counts as its maxEntries), more than the ${o.quota} a security group may hold`
    : `${workload} needs ${o.count} ${dir} ${o.family} security-group rules after merging ports and CIDRs: ${o.groupsNeeded} groups of at most ${o.quota}, more than the ${o.groupsPerInterface} groups a network interface may carry in network ${network.name}`;
  return [{
    severity: 'error', code: 'BH-AWS-QUOTA', path, message,
    value: `${o.count} ${dir} ${o.family} rules; quota ${o.quota} per group × ${o.groupsPerInterface} groups per interface`,
    fix: `reach fewer peers or ports (declare one External with a covering range instead of many), or raise the account's quotas with AWS and declare them on the network (quotas.${quotaName}, quotas.groupsPerInterface; rules per group × groups per interface ≤ 1,000)`,
  }];
}
