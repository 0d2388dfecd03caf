/**
 * The cloud endpoints of the `aws` layer: the members every group names
 * (`bulkhead.io/members`), each with a deterministic stand-in address inside the member CIDRs
 * of its groups (`bulkhead.io/member-cidrs`), and the endpoints a user gives explicitly
 * ({@link CloudEndpointSpec}: a name, an address, groups by object name or id).
 */
import { Problem } from '../../../core/errors';
import { CloudEndpoint, CloudEndpointSpec } from '../../types';
import { AddressRange, formatAddress, parseAddress, rangeWithinRange, standInAddress } from './address';
import { AWS_CODES } from './codes';
import { AwsGroup, AwsModel } from './model';

/** The endpoints, sorted by id, and the problems found building them. */
export interface AwsEndpoints {
  /** The endpoints, sorted by id. */
  readonly endpoints: readonly CloudEndpoint[];
  /** Problems (errors for malformed explicit endpoints; warnings for members without addresses). */
  readonly problems: readonly Problem[];
}

/** Builds the endpoints: the members of the groups, then the explicit ones. */
export function buildEndpoints(model: AwsModel, specs: readonly CloudEndpointSpec[] = []): AwsEndpoints {
  const problems: Problem[] = [];
  const groups = [...model.groups.values()].sort((a, b) => cmp(a.name, b.name));
  const memberGroups = new Map<string, AwsGroup[]>();
  for (const g of groups) for (const m of g.members) memberGroups.set(m, [...(memberGroups.get(m) ?? []), g]);
  const out = new Map<string, CloudEndpoint>();
  for (const [key, gs] of memberGroups) {
    const first = gs[0];
    const v4 = commonRange(gs, 'ipv4');
    const v6 = commonRange(gs, 'ipv6');
    if (!v4 && !v6) {
      problems.push({
        severity: 'warning', code: AWS_CODES.placement, path: gs.map((g) => g.ref).join(', '),
        message: `the groups of ${key} give no member CIDRs (bulkhead.io/member-cidrs): only group references match it, no CIDR rule`,
        value: key,
        fix: 'annotate the group with bulkhead.io/member-cidrs: the subnets its members take addresses from',
      });
    }
    out.set(key, {
      type: 'cloud',
      id: key,
      groups: gs.map((g) => g.name),
      ...(v4 ? { ipv4: formatAddress(standInAddress(v4, key)) } : {}),
      ...(v6 ? { ipv6: formatAddress(standInAddress(v6, key)) } : {}),
      ranges: [...new Set(gs.flatMap((g) => g.memberCidrs))].sort(cmp),
      vpc: first.vpc,
      region: first.region,
      ...(first.account !== undefined ? { account: first.account } : {}),
      ...(first.network !== undefined ? { network: first.network } : {}),
      origin: 'member',
    });
  }
  const byId = new Map<string, AwsGroup[]>();
  for (const g of groups) if (g.id !== undefined) byId.set(g.id, [...(byId.get(g.id) ?? []), g]);
  specs.forEach((s, i) => {
    const where = `cloud endpoint ${typeof s.name === 'string' && s.name !== '' ? s.name : `#${i + 1}`}`;
    const bad = (field: string, message: string, value: unknown, fix: string): void => {
      problems.push({ severity: 'error', code: AWS_CODES.endpoint, path: `${where}, ${field}`, message, value: JSON.stringify(value) ?? String(value), fix });
    };
    const before = problems.length;
    if (typeof s.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/.test(s.name)) bad('name', 'a cloud endpoint needs a name (letters, digits, . _ : / -)', s.name, 'name it, for example bastion');
    else if (out.has(s.name)) bad('name', out.get(s.name)!.origin === 'member' ? 'a member of the groups already has this name' : 'two endpoints have this name', s.name, 'give each endpoint its own name');
    const v4 = s.address === undefined ? undefined : parseAddress(String(s.address));
    const v6 = s.ipv6 === undefined ? undefined : parseAddress(String(s.ipv6));
    if (s.address !== undefined && v4?.family !== 'ipv4') bad('address', 'not an IPv4 address', s.address, 'write four decimal octets, for example 10.0.1.10');
    if (s.ipv6 !== undefined && v6?.family !== 'ipv6') bad('ipv6', 'not an IPv6 address', s.ipv6, 'write an IPv6 address, for example 2001:db8::10');
    if (s.address === undefined && s.ipv6 === undefined) bad('address', 'the endpoint has no address', undefined, 'give address (IPv4), ipv6, or both');
    const resolved: AwsGroup[] = [];
    if (!Array.isArray(s.groups) || s.groups.length === 0) bad('groups', 'the endpoint names no security group', s.groups, 'list its groups: SecurityGroup object names or sg-… ids');
    else {
      s.groups.forEach((g, j) => {
        const found = typeof g === 'string' ? (model.groups.get(g) ? [model.groups.get(g)!] : byId.get(g) ?? []) : [];
        if (found.length !== 1) bad(`groups[${j}]`, found.length === 0 ? 'no SecurityGroup of the input has this name or id (crossplane.io/external-name)' : 'several groups have this id', g, 'name a SecurityGroup object of the input, or the sg-… id of an adopted one');
        else resolved.push(found[0]);
      });
    }
    const vpcs = [...new Set(resolved.map((g) => g.vpc))];
    if (vpcs.length > 1) bad('groups', `the groups are in ${vpcs.length} VPCs (${vpcs.join(', ')}); a network interface's groups are all in its own VPC`, s.groups, 'list groups of one VPC');
    if (s.network !== undefined) {
      const other = resolved.filter((g) => g.network !== undefined && g.network !== s.network);
      if (other.length > 0) bad('network', `the groups ${other.map((g) => g.name).join(', ')} belong to network ${other[0].network}`, s.network, `write network: ${other[0].network}, or list the groups of network ${s.network}`);
    }
    if (s.public !== undefined && typeof s.public !== 'boolean') bad('public', 'must be true or false', s.public, 'write public: true for an Elastic IP address');
    if (problems.length > before || resolved.length === 0) return;
    const g0 = resolved[0];
    out.set(s.name, {
      type: 'cloud',
      id: s.name,
      groups: [...new Set(resolved.map((g) => g.name))].sort(cmp),
      ...(v4 ? { ipv4: formatAddress(v4) } : {}),
      ...(v6 ? { ipv6: formatAddress(v6) } : {}),
      ranges: [...(v4 ? [`${formatAddress(v4)}/32`] : []), ...(v6 ? [`${formatAddress(v6)}/128`] : [])],
      vpc: g0.vpc,
      region: g0.region,
      ...(g0.account !== undefined ? { account: g0.account } : {}),
      ...((s.network ?? g0.network) !== undefined ? { network: s.network ?? g0.network } : {}),
      ...(s.public ? { public: true } : {}),
      origin: 'explicit',
    });
  });
  return { endpoints: [...out.values()].sort((a, b) => cmp(a.id, b.id)), problems };
}

/**
 * The range a member's stand-in address is taken from: the smallest member CIDR of its groups
 * (of the family) that lies within a member CIDR of every one of them, else the first group's
 * first.
 */
function commonRange(gs: readonly AwsGroup[], family: 'ipv4' | 'ipv6'): AddressRange | undefined {
  const all = gs.flatMap((g) => g.memberRanges.filter((r) => r.family === family));
  if (all.length === 0) return undefined;
  const sorted = [...all].sort((a, b) => (a.last - a.first < b.last - b.first ? -1 : a.last - a.first > b.last - b.first ? 1 : a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  const common = sorted.find((r) => gs.every((g) => g.memberRanges.some((m) => rangeWithinRange(r, m))));
  return common ?? gs.flatMap((g) => g.memberRanges.filter((r) => r.family === family))[0];
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
