/**
 * Decodes the Crossplane `ec2.aws.upbound.io/v1beta1` objects of the input (SecurityGroup,
 * SecurityGroupIngressRule, SecurityGroupEgressRule, ManagedPrefixList, ManagedPrefixListEntry)
 * into the {@link AwsModel}. The loader has already checked every object against the kind's
 * upstream schema (unknown fields dropped, objects without a required field left out); this
 * decoder checks the value types against the same schema (`shapeProblems`), reads each object
 * that has them as its generated type (`lib/imports/kinds.ts`), takes the fields the evaluation
 * needs and resolves every reference by object name (or by the `crossplane.io/external-name`
 * id). It reports every problem at once and evaluates nothing.
 *
 * Placement comes from the annotations Bulkhead writes on a SecurityGroup: `bulkhead.io/account`,
 * `bulkhead.io/vpc`, `bulkhead.io/vpc-cidrs`, `bulkhead.io/links`, `bulkhead.io/members` and
 * `bulkhead.io/member-cidrs` (for a hand-written group, `spec.forProvider.vpcId` and the
 * `bulkhead-aws-<account>` provider config name stand in for the first two).
 *
 * Crossplane merges `spec.initProvider` into what it creates; a field absent from
 * `spec.forProvider` is read from `spec.initProvider`.
 */
import { Problem } from '../../../core/errors';
import type * as K from '../../../imports/kinds';
import { inputPath, showValue, toProblem } from '../../errors';
import { ManifestObject, describe, group as apiGroup } from '../../loader';
import { ShapeExpected, ShapeWords, schemaOf, shapeProblems } from '../../schema';
import { AddressRange, parseRange } from './address';
import { AWS_CODES } from './codes';
import { AwsGroup, AwsLink, AwsModel, AwsPeer, AwsPrefixList, AwsProtocol, AwsRule, IP_PROTOCOLS } from './model';

/** The API group of the kinds. */
export const AWS_API_GROUP = 'ec2.aws.upbound.io';

/** The kinds the `aws` layer reads. */
export const AWS_KINDS: readonly string[] = ['ManagedPrefixList', 'ManagedPrefixListEntry', 'SecurityGroup', 'SecurityGroupEgressRule', 'SecurityGroupIngressRule'];

import { AWS_ANNOTATIONS } from '../../../core/names';
export { AWS_ANNOTATIONS };

/** Whether an object is one the `aws` layer reads. */
export function isAwsLayerObject(o: Pick<ManifestObject, 'apiVersion' | 'kind'>): boolean {
  return apiGroup(o.apiVersion) === AWS_API_GROUP && AWS_KINDS.includes(o.kind);
}

/** What {@link decodeAws} found. */
export interface AwsDecoded {
  /** The model (with whatever could be decoded when there are errors). */
  readonly model: AwsModel;
  /** Errors, warnings and information, in input order. */
  readonly problems: readonly Problem[];
}

/** A rule's provider fields (the ingress and egress kinds define the same). */
type RuleProvider = Provider<K.SecurityGroupIngressRule> & Provider<K.SecurityGroupEgressRule>;

/** The words of a value of the wrong type: the type the kind's CRD gives the field. */
const typeWords = (kind: string) => (expected: ShapeExpected): ShapeWords => ({
  message: `must be ${expected}`,
  fix: (_value, field) => `write ${field} as ${expected}, as the ${kind} CRD defines it`,
});

/** Decodes the objects (others are ignored). */
export function decodeAws(objects: readonly ManifestObject[]): AwsDecoded {
  const problems: Problem[] = [];
  const own = objects.filter(isAwsLayerObject);
  const report = (o: ManifestObject, field: string | undefined, code: string, message: string, fix: string, value?: unknown, severity: Problem['severity'] = 'error'): void => {
    problems.push(toProblem({ source: o.source, object: describe(o), ...(field ? { field } : {}), code, message, fix, ...(value === undefined ? {} : { value: showValue(value) }) }, severity));
  };
  // the objects whose values have the types of their schema: read as their generated types below
  const typed = own.filter((o) => {
    const schema = schemaOf(o.apiVersion, o.kind);
    const found = schema ? shapeProblems(o.raw, { schema, defaults: typeWords(o.kind) }) : [];
    for (const p of found) report(o, p.field, AWS_CODES.field, p.words.message, typeof p.words.fix === 'string' ? p.words.fix : p.words.fix(p.value, p.field), p.value);
    return found.length === 0;
  });

  // ---- groups
  const groups = new Map<string, AwsGroup>();
  for (const o of typed.filter((x) => x.kind === 'SecurityGroup')) {
    const g = decodeGroup(o, report);
    if (g) groups.set(g.name, g);
  }
  const byId = new Map<string, AwsGroup[]>();
  for (const g of groups.values()) if (g.id !== undefined) byId.set(g.id, [...(byId.get(g.id) ?? []), g]);

  // ---- prefix lists
  const lists = new Map<string, { list: AwsPrefixList; entries: { text: string; range: AddressRange }[] }>();
  for (const o of typed.filter((x) => x.kind === 'ManagedPrefixList')) {
    const fp = provider(kindOf<K.ManagedPrefixList>(o));
    const entries: { text: string; range: AddressRange }[] = [];
    (fp.entry ?? []).forEach((e, i) => {
      const ext = e as { readonly cidrRef?: unknown; readonly cidrSelector?: unknown };
      if (ext.cidrRef !== undefined || ext.cidrSelector !== undefined) {
        report(o, `spec.forProvider.entry[${i}]`, AWS_CODES.selector, 'the entry takes its CIDR from another object (cidrRef / cidrSelector), which the analysis cannot read', 'write the CIDR in cidr', ext.cidrRef ?? ext.cidrSelector);
        return;
      }
      const r = cidrOf(o, `spec.forProvider.entry[${i}].cidr`, e.cidr, undefined, report);
      if (r) entries.push({ text: String(e.cidr), range: r });
    });
    const id = externalName(o);
    const list: AwsPrefixList = { name: o.name, ref: `ManagedPrefixList ${o.name}`, ...(id ? { id } : {}), ...(fp.addressFamily != null ? { addressFamily: fp.addressFamily } : {}), entries };
    lists.set(o.name, { list, entries });
  }
  const listById = new Map<string, string>();
  for (const { list: l } of lists.values()) if (l.id !== undefined) listById.set(l.id, l.name);
  for (const o of typed.filter((x) => x.kind === 'ManagedPrefixListEntry')) {
    const fp = provider(kindOf<K.ManagedPrefixListEntry>(o));
    const target = refName(o, 'prefixListId', { ref: fp.prefixListIdRef, id: fp.prefixListId, selector: fp.prefixListIdSelector }, report, (id) => listById.get(id));
    if (target === undefined) continue;
    const l = lists.get(target);
    if (!l) {
      report(o, `spec.forProvider.prefixListIdRef`, AWS_CODES.prefixListUnknown, `the entry names the prefix list ${target}, which is not in the input`, 'add the ManagedPrefixList to the input, or correct the name', target);
      continue;
    }
    if (fp.cidrRef !== undefined || fp.cidrSelector !== undefined) {
      report(o, 'spec.forProvider.cidrRef', AWS_CODES.selector, 'the entry takes its CIDR from another object (cidrRef / cidrSelector), which the analysis cannot read', 'write the CIDR in cidr', fp.cidrRef ?? fp.cidrSelector);
      continue;
    }
    const r = cidrOf(o, 'spec.forProvider.cidr', fp.cidr, undefined, report);
    if (r) l.entries.push({ text: String(fp.cidr), range: r });
  }
  const prefixLists = new Map<string, AwsPrefixList>();
  for (const [name, { list: l, entries }] of [...lists].sort(([a], [b]) => cmp(a, b))) {
    prefixLists.set(name, { ...l, entries: [...entries].sort((a, b) => cmp(a.text, b.text)) });
  }

  // ---- rules
  const rules: AwsRule[] = [];
  for (const o of typed.filter((x) => x.kind === 'SecurityGroupIngressRule' || x.kind === 'SecurityGroupEgressRule')) {
    const r = decodeRule(o, groups, byId, prefixLists, listById, report);
    if (r) rules.push(r);
  }
  rules.sort((a, b) => cmp(a.name, b.name) || cmp(a.direction, b.direction));

  // ---- members: every group of an instance is in one VPC
  const memberGroups = new Map<string, AwsGroup[]>();
  for (const g of [...groups.values()].sort((a, b) => cmp(a.name, b.name))) for (const m of g.members) memberGroups.set(m, [...(memberGroups.get(m) ?? []), g]);
  for (const [m, gs] of memberGroups) {
    const vpcs = [...new Set(gs.map((g) => g.vpc))];
    if (vpcs.length > 1) {
      problems.push({
        severity: 'error', code: AWS_CODES.memberVpc, path: gs.map((g) => g.ref).join(', '),
        message: `${m} is a member of groups in ${vpcs.length} VPCs (${vpcs.join(', ')}); a network interface's groups are all in its own VPC`,
        value: m,
        fix: 'list the member only on the groups of its VPC (bulkhead.io/members)',
      });
    }
  }
  return { model: { groups, rules, prefixLists }, problems };
}

type Report = (o: ManifestObject, field: string | undefined, code: string, message: string, fix: string, value?: unknown, severity?: Problem['severity']) => void;

function decodeGroup(o: ManifestObject, report: Report): AwsGroup | undefined {
  const sg = kindOf<K.SecurityGroup>(o);
  const fp = provider(sg);
  const ann = annotations(o);
  const labels = labelsOf(o);
  const region = fp.region ?? undefined;
  if (region === undefined || region === '') {
    report(o, 'spec.forProvider.region', AWS_CODES.placement, 'the group has no region', 'set spec.forProvider.region, for example eu-west-1');
    return undefined;
  }
  const vpc = ann[AWS_ANNOTATIONS.vpc] ?? fp.vpcId ?? undefined;
  if (vpc === undefined || vpc === '') {
    const viaRef = fp.vpcIdRef !== undefined || fp.vpcIdSelector !== undefined;
    report(o, `metadata.annotations["${AWS_ANNOTATIONS.vpc}"]`, AWS_CODES.placement,
      viaRef ? 'the group names its VPC through vpcIdRef / vpcIdSelector, whose id the analysis cannot read' : 'the group names no VPC',
      `set the annotation ${AWS_ANNOTATIONS.vpc}: vpc-… (or spec.forProvider.vpcId)`);
    return undefined;
  }
  const providerConfig = sg.spec?.providerConfigRef?.name;
  const fromConfig = providerConfig ? /^bulkhead-aws-(\d{12})$/.exec(providerConfig)?.[1] : undefined;
  const account = ann[AWS_ANNOTATIONS.account] ?? fromConfig;
  if (account !== undefined && !/^\d{12}$/.test(account)) {
    report(o, `metadata.annotations["${AWS_ANNOTATIONS.account}"]`, AWS_CODES.placement, 'an AWS account id is 12 digits', `write the account id, for example ${AWS_ANNOTATIONS.account}: "123456789012"`, account);
  }
  const ranges = (key: string): { texts: string[]; ranges: AddressRange[] } => {
    const texts = splitList(ann[key], ',');
    const out: AddressRange[] = [];
    texts.forEach((t) => {
      const r = cidrOf(o, `metadata.annotations["${key}"]`, t, undefined, report);
      if (r) out.push(r);
    });
    return { texts, ranges: out };
  };
  const vpcCidrs = ranges(AWS_ANNOTATIONS.vpcCidrs);
  const member = ranges(AWS_ANNOTATIONS.memberCidrs);
  const links: AwsLink[] = [];
  for (const t of splitList(ann[AWS_ANNOTATIONS.links], ',')) {
    const m = /^(vpc-[0-9A-Za-z]+)(?:@([a-z0-9-]+))?=(peering|transit-gateway)$/.exec(t);
    if (!m) {
      report(o, `metadata.annotations["${AWS_ANNOTATIONS.links}"]`, AWS_CODES.link, 'a link is <vpc-id>=peering or <vpc-id>=transit-gateway, with @<region> after the id when the peer VPC is in another region', 'write for example vpc-0a1b2c3d@eu-west-1=peering,vpc-0e0f1a2b=transit-gateway', t);
      continue;
    }
    links.push({ vpc: m[1], ...(m[2] ? { region: m[2] } : {}), kind: m[3] as AwsLink['kind'] });
  }
  const id = externalName(o);
  const members = [...new Set(splitList(ann[AWS_ANNOTATIONS.members], /\s+/))].sort(cmp);
  return {
    name: o.name,
    ref: `SecurityGroup ${o.name}`,
    ...(id ? { id } : {}),
    ...(account !== undefined ? { account } : {}),
    region,
    vpc,
    vpcCidrs: vpcCidrs.ranges,
    links,
    members,
    memberCidrs: [...member.texts].sort(cmp),
    memberRanges: member.ranges,
    ...(labels['bulkhead.io/network'] ? { network: labels['bulkhead.io/network'] } : {}),
    source: o.source,
  };
}

function decodeRule(
  o: ManifestObject,
  groups: ReadonlyMap<string, AwsGroup>,
  byId: ReadonlyMap<string, readonly AwsGroup[]>,
  prefixLists: ReadonlyMap<string, AwsPrefixList>,
  listById: ReadonlyMap<string, string>,
  report: Report,
): AwsRule | undefined {
  const fp: RuleProvider = provider(kindOf<K.SecurityGroupIngressRule | K.SecurityGroupEgressRule>(o));
  const direction = o.kind === 'SecurityGroupIngressRule' ? 'ingress' : 'egress';
  let ok = true;
  const bad: Report = (...args) => {
    if ((args[6] ?? 'error') === 'error') ok = false;
    report(...args);
  };
  // its group
  const groupName = refName(o, 'securityGroupId', { ref: fp.securityGroupIdRef, id: fp.securityGroupId, selector: fp.securityGroupIdSelector }, bad, (id) => {
    const gs = byId.get(id) ?? [];
    return gs.length === 1 ? gs[0].name : undefined;
  });
  const group = groupName === undefined ? undefined : groups.get(groupName);
  if (groupName !== undefined && !group) {
    bad(o, fp.securityGroupIdRef !== undefined ? 'spec.forProvider.securityGroupIdRef.name' : 'spec.forProvider.securityGroupId', AWS_CODES.groupUnknown,
      `the rule belongs to the group ${groupName}, which is not in the input`, 'add the SecurityGroup to the input, or correct the name', groupName);
  } else if (groupName === undefined && fp.securityGroupIdSelector === undefined && fp.securityGroupId === undefined) {
    bad(o, 'spec.forProvider.securityGroupIdRef', AWS_CODES.groupUnknown, 'the rule names no group (securityGroupIdRef or securityGroupId)', 'set spec.forProvider.securityGroupIdRef: { name: <the SecurityGroup object name> }');
  } else if (groupName === undefined && fp.securityGroupId != null) {
    bad(o, 'spec.forProvider.securityGroupId', AWS_CODES.groupUnknown, `no SecurityGroup of the input has the id ${fp.securityGroupId} (its ${AWS_ANNOTATIONS.externalName} annotation)`, 'add the group to the input, or point at it with securityGroupIdRef', fp.securityGroupId);
  }
  // region
  const region = fp.region ?? undefined;
  if (group && region !== undefined && region !== group.region) {
    bad(o, 'spec.forProvider.region', AWS_CODES.region, `the rule is in ${region} but its group ${group.name} is in ${group.region}`, `set spec.forProvider.region: ${group.region}`, region);
  }
  // protocol and ports
  const protoText = fp.ipProtocol;
  let protocol: AwsProtocol | undefined;
  if (protoText === undefined || protoText === null) {
    bad(o, 'spec.forProvider.ipProtocol', AWS_CODES.protocol, 'the rule has no ipProtocol', "set ipProtocol: tcp, udp, icmp, icmpv6, a protocol number, or '-1' for all");
  } else {
    protocol = parseProtocol(protoText);
    if (protocol === undefined) bad(o, 'spec.forProvider.ipProtocol', AWS_CODES.protocol, "not an IP protocol: write tcp, udp, icmp, icmpv6, a number from 0 to 255, or '-1' for every protocol", "for example ipProtocol: tcp", protoText);
  }
  const from = fp.fromPort ?? undefined;
  const to = fp.toPort ?? undefined;
  const hasPorts = from !== undefined || to !== undefined;
  let ports: readonly [number, number] | undefined;
  if (protocol === IP_PROTOCOLS.tcp || protocol === IP_PROTOCOLS.udp) {
    if (from === undefined || to === undefined) {
      bad(o, from === undefined ? 'spec.forProvider.fromPort' : 'spec.forProvider.toPort', AWS_CODES.ports, `a ${protoText} rule needs fromPort and toPort`, 'set both, for example fromPort: 443 and toPort: 443', { fromPort: from, toPort: to });
    } else if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > 65535 || from > to) {
      bad(o, 'spec.forProvider.fromPort', AWS_CODES.ports, 'fromPort and toPort must be whole numbers from 0 to 65535, fromPort not above toPort', 'for example fromPort: 8000 and toPort: 8080', { fromPort: from, toPort: to });
    } else ports = [from, to];
  } else if (protocol === IP_PROTOCOLS.icmp || protocol === IP_PROTOCOLS.icmpv6) {
    if (!hasPorts && protocol === IP_PROTOCOLS.icmp) {
      bad(o, 'spec.forProvider.fromPort', AWS_CODES.ports, 'an icmp rule needs fromPort (the ICMP type, -1 for all) and toPort (the code, -1 for all)', 'set fromPort: -1 and toPort: -1 for every ICMP message, or the type and code', { fromPort: from, toPort: to });
    } else if (hasPorts) {
      const ok2 = (n: number | undefined): n is number => n !== undefined && Number.isInteger(n) && n >= -1 && n <= 255;
      if (!ok2(from) || !ok2(to) || (from === -1 && to !== -1)) {
        bad(o, 'spec.forProvider.fromPort', AWS_CODES.ports, 'for ICMP, fromPort is the type and toPort the code, each from 0 to 255 or -1 for all; all types need all codes', 'for example fromPort: 8 and toPort: 0 (echo request), or -1 and -1', { fromPort: from, toPort: to });
      } else if (from !== -1) ports = [from, to];
    }
  } else if (protocol !== undefined && hasPorts) {
    bad(o, 'spec.forProvider.fromPort', AWS_CODES.portsIgnored, `with ipProtocol ${protoText}, AWS allows every port whatever fromPort and toPort say`, 'remove fromPort and toPort, or use tcp or udp with the ports meant', { fromPort: from, toPort: to }, 'warning');
  }
  // the peer: exactly one
  const peers: string[] = [];
  if (fp.cidrIpv4 !== undefined) peers.push('cidrIpv4');
  if (fp.cidrIpv6 !== undefined) peers.push('cidrIpv6');
  if (fp.prefixListId !== undefined || fp.prefixListIdRef !== undefined || fp.prefixListIdSelector !== undefined) peers.push('prefixListId');
  if (fp.referencedSecurityGroupId !== undefined || fp.referencedSecurityGroupIdRef !== undefined || fp.referencedSecurityGroupIdSelector !== undefined) peers.push('referencedSecurityGroupId');
  let peer: AwsPeer | undefined;
  if (peers.length !== 1) {
    bad(o, 'spec.forProvider', AWS_CODES.peer, peers.length === 0
      ? 'the rule names no peer: one of cidrIpv4, cidrIpv6, prefixListId(Ref) or referencedSecurityGroupId(Ref)'
      : `the rule names ${peers.length} peers (${peers.join(', ')}); a standalone rule has exactly one`,
    'give each peer a rule of its own', peers.length === 0 ? undefined : peers);
  } else if (peers[0] === 'cidrIpv4' || peers[0] === 'cidrIpv6') {
    const family = peers[0] === 'cidrIpv4' ? 'ipv4' : 'ipv6';
    const text = peers[0] === 'cidrIpv4' ? fp.cidrIpv4 : fp.cidrIpv6;
    const r = cidrOf(o, `spec.forProvider.${peers[0]}`, text, family, bad);
    if (r) peer = { kind: 'cidr', text: String(text), range: r };
  } else if (peers[0] === 'prefixListId') {
    const name = refName(o, 'prefixListId', { ref: fp.prefixListIdRef, id: fp.prefixListId, selector: fp.prefixListIdSelector }, bad, (id) => listById.get(id));
    if (name !== undefined && !prefixLists.has(name)) {
      bad(o, fp.prefixListIdRef !== undefined ? 'spec.forProvider.prefixListIdRef.name' : 'spec.forProvider.prefixListId', AWS_CODES.prefixListUnknown,
        `the rule names the prefix list ${name}, which is not in the input (an AWS-managed list's entries are not known to the analysis)`, 'add the ManagedPrefixList to the input, or write the CIDRs as rules', name);
    } else if (name === undefined && fp.prefixListId != null) {
      bad(o, 'spec.forProvider.prefixListId', AWS_CODES.prefixListUnknown, `no ManagedPrefixList of the input has the id ${fp.prefixListId} (an AWS-managed list's entries are not known to the analysis)`, 'add the ManagedPrefixList to the input, or write the CIDRs as rules', fp.prefixListId);
    } else if (name !== undefined) peer = { kind: 'prefix-list', list: name, text: `ManagedPrefixList ${name}` };
  } else {
    const name = refName(o, 'referencedSecurityGroupId', { ref: fp.referencedSecurityGroupIdRef, id: fp.referencedSecurityGroupId, selector: fp.referencedSecurityGroupIdSelector }, bad, (id) => {
      const m = /^(?:(\d{12})\/)?(sg-[0-9A-Za-z]+)$/.exec(id);
      if (!m) return undefined;
      const gs = (byId.get(m[2]) ?? []).filter((g) => m[1] === undefined || g.account === undefined || g.account === m[1]);
      return gs.length === 1 ? gs[0].name : undefined;
    });
    if (name !== undefined && !groups.has(name)) {
      bad(o, 'spec.forProvider.referencedSecurityGroupIdRef.name', AWS_CODES.refUnknown, `the rule references the group ${name}, which is not in the input: its members are unknown`, 'add the referenced SecurityGroup to the input, or correct the name', name);
    } else if (name === undefined && fp.referencedSecurityGroupId != null) {
      bad(o, 'spec.forProvider.referencedSecurityGroupId', AWS_CODES.refUnknown, `no SecurityGroup of the input has the id ${fp.referencedSecurityGroupId} (its ${AWS_ANNOTATIONS.externalName} annotation, and ${AWS_ANNOTATIONS.account} for <account>/sg-…): its members are unknown`,
        'add the referenced group (with its members) to the input, or reference it by object name', fp.referencedSecurityGroupId);
    } else if (name !== undefined) peer = { kind: 'group', group: name, text: `SecurityGroup ${name}` };
  }
  if (!ok || !group || protocol === undefined || !peer) return undefined;
  const description = fp.description ?? undefined;
  return {
    name: o.name,
    ref: `${o.kind} ${o.name}`,
    direction,
    group: group.name,
    protocol,
    protocolText: String(protoText),
    ...(ports ? { ports } : {}),
    peer,
    ...(description !== undefined ? { description } : {}),
    source: o.source,
  };
}

/** `-1` (all), a protocol name AWS knows, or a number from 0 to 255. */
export function parseProtocol(text: string): AwsProtocol | undefined {
  const t = text.trim().toLowerCase();
  if (t === '-1' || t === 'all') return 'all';
  if (t in IP_PROTOCOLS) return IP_PROTOCOLS[t as keyof typeof IP_PROTOCOLS];
  if (/^(0|[1-9]\d{0,2})$/.test(t) && Number(t) <= 255) return Number(t);
  return undefined;
}

/**
 * The object name a `<field>Ref` names, or the name of the object whose id `<field>` gives;
 * a `<field>Selector` is reported. Undefined when neither resolves (the caller reports it).
 */
function refName(o: ManifestObject, field: string, by: { readonly ref?: { readonly name?: string | null } | null; readonly id?: string | null; readonly selector?: unknown }, report: Report, byId: (id: string) => string | undefined): string | undefined {
  if (typeof by.ref?.name === 'string') return by.ref.name;
  if (typeof by.id === 'string') return byId(by.id);
  if (by.selector !== undefined) {
    report(o, `spec.forProvider.${field}Selector`, AWS_CODES.selector, `the rule picks ${field} with a selector, which the analysis cannot resolve (it may match several objects, or objects of another composite)`, `name the object instead: ${field}Ref: { name: <object name> }`, by.selector);
  }
  return undefined;
}

function cidrOf(o: ManifestObject, field: string, text: string | null | undefined, family: 'ipv4' | 'ipv6' | undefined, report: Report): AddressRange | undefined {
  const parsed = typeof text === 'string' ? parseRange(text) : undefined;
  if (!parsed) {
    report(o, field, AWS_CODES.cidr, `not ${family === 'ipv6' ? 'an IPv6' : family === 'ipv4' ? 'an IPv4' : 'a'} CIDR`, family === 'ipv6' ? 'write a CIDR such as 2001:db8::/64' : 'write a CIDR such as 10.0.0.0/16', text);
    return undefined;
  }
  if (family !== undefined && parsed.range.family !== family) {
    report(o, field, AWS_CODES.cidr, `an ${parsed.range.family === 'ipv4' ? 'IPv4' : 'IPv6'} CIDR where ${family === 'ipv4' ? 'cidrIpv4 takes IPv4' : 'cidrIpv6 takes IPv6'}`, family === 'ipv4' ? 'move it to cidrIpv6' : 'move it to cidrIpv4', text);
    return undefined;
  }
  if (parsed.hostBits) {
    report(o, field, AWS_CODES.cidr, 'the CIDR has host bits set; the analysis reads it as its network', 'write the network address, with host bits zero', text, 'warning');
  }
  return parsed.range;
}

/** An object whose values have the types of its schema (it passed the check of {@link decodeAws}), as its generated type. */
function kindOf<T>(o: ManifestObject): T {
  return o.raw as T;
}

/** The provider fields of a kind: `spec.forProvider` over `spec.initProvider`. */
type Provider<T extends { readonly spec?: { readonly forProvider?: object | null } | null }> = NonNullable<NonNullable<T['spec']>['forProvider']>;

function provider<T extends { readonly spec?: { readonly forProvider?: object | null; readonly initProvider?: object | null } | null }>(o: T): Provider<T> {
  return { ...(o.spec?.initProvider ?? {}), ...(o.spec?.forProvider ?? {}) } as Provider<T>;
}

function annotations(o: ManifestObject): Readonly<Record<string, string | undefined>> {
  return kindOf<K.SecurityGroup>(o).metadata?.annotations ?? {};
}

function labelsOf(o: ManifestObject): Readonly<Record<string, string | undefined>> {
  return kindOf<K.SecurityGroup>(o).metadata?.labels ?? {};
}

function externalName(o: ManifestObject): string | undefined {
  const v = annotations(o)[AWS_ANNOTATIONS.externalName];
  return v === undefined || v === '' || v === o.name ? undefined : v;
}

function splitList(text: string | undefined, sep: string | RegExp): string[] {
  return (text ?? '').split(sep).map((s) => s.trim()).filter((s) => s.length > 0);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The problem path of an object and field (for callers that report about decoded objects). */
export function objectPath(source: ManifestObject['source'], object: string, field?: string): string {
  return inputPath({ source, object, ...(field ? { field } : {}) });
}
