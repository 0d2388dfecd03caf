/**
 * The catalogue of the aws layer's problems: each entry analyses hand-written Crossplane objects
 * (or an explicit endpoint) and asserts the problem's code, severity, path, message, value and fix.
 */
import { parseCloudEndpoints } from '../../../lib/analysis/aws-endpoints';
import { Analysis, AnalysisOptions } from '../../../lib/analysis/engine';
import { AnalysisInputError } from '../../../lib/analysis/errors';
import { loadObjects } from '../../../lib/analysis/loader';
import { Problem } from '../../../lib/core/errors';
import { thrown } from '../../util/thrown';
import { API, egress, group, ingress, prefixList } from './crossplane';

/** Every problem of an analysis: the errors it throws, or its warnings. */
function problems(objects: readonly unknown[], options: AnalysisOptions = {}): readonly Problem[] {
  try {
    return Analysis.of(loadObjects(objects, 'sg.yaml'), options).warnings;
  } catch (e) {
    if (e instanceof AnalysisInputError) return e.problems;
    throw e;
  }
}

function one(ps: readonly Problem[], code: string): Problem {
  const hits = ps.filter((p) => p.code === code);
  if (hits.length !== 1) throw new Error(`expected one ${code}, got ${hits.length}: ${JSON.stringify(ps, null, 2)}`);
  return hits[0];
}

const base = [group('a', { members: ['cloud:prod/a'], memberCidrs: ['10.0.1.0/24'] }), group('b', { members: ['cloud:prod/b'], memberCidrs: ['10.0.2.0/24'] })];

describe('aws layer problems: the catalogue', () => {
  test('BH-AN-AWS-FIELD: a value of the wrong type for the CRD schema', () => {
    const r = egress('a-out', 'a', { ref: 'b' }, { from: 443 }) as { spec: { forProvider: Record<string, unknown> } };
    r.spec.forProvider.fromPort = '443';
    const p = one(problems([...base, r]), 'BH-AN-AWS-FIELD');
    expect(p).toEqual({ severity: 'error', code: 'BH-AN-AWS-FIELD', path: 'sg.yaml (document 3), SecurityGroupEgressRule a-out, spec.forProvider.fromPort', message: 'must be a number', value: '"443"', fix: 'write spec.forProvider.fromPort as a number, as the SecurityGroupEgressRule CRD defines it' });
  });

  test('BH-AN-AWS-PLACEMENT: a group that names no VPC', () => {
    const g = group('c') as { metadata: { annotations: Record<string, string> }; spec: { forProvider: Record<string, unknown> } };
    delete g.metadata.annotations['bulkhead.io/vpc'];
    delete g.spec.forProvider.vpcId;
    const p = one(problems([g]), 'BH-AN-AWS-PLACEMENT');
    expect(p).toEqual({ severity: 'error', code: 'BH-AN-AWS-PLACEMENT', path: 'sg.yaml (document 1), SecurityGroup c, metadata.annotations["bulkhead.io/vpc"]', message: 'the group names no VPC', fix: 'set the annotation bulkhead.io/vpc: vpc-… (or spec.forProvider.vpcId)' });
  });

  test('BH-AN-AWS-PLACEMENT (warning): members without member CIDRs', () => {
    const p = one(problems([group('c', { members: ['cloud:prod/c'] })]), 'BH-AN-AWS-PLACEMENT');
    expect(p).toEqual({ severity: 'warning', code: 'BH-AN-AWS-PLACEMENT', path: 'SecurityGroup c', message: 'the groups of cloud:prod/c give no member CIDRs (bulkhead.io/member-cidrs): only group references match it, no CIDR rule', value: 'cloud:prod/c', fix: 'annotate the group with bulkhead.io/member-cidrs: the subnets its members take addresses from' });
  });

  test('BH-AN-AWS-CIDR: not a CIDR, or of the wrong family', () => {
    const ps = problems([...base, egress('a-out', 'a', { cidrIpv4: '10.0.0/16' }, { from: 443 }), ingress('b-in', 'b', { cidrIpv6: '10.0.0.0/16' }, { from: 443 })]);
    expect(ps.filter((p) => p.code === 'BH-AN-AWS-CIDR')).toEqual([
      { severity: 'error', code: 'BH-AN-AWS-CIDR', path: 'sg.yaml (document 3), SecurityGroupEgressRule a-out, spec.forProvider.cidrIpv4', message: 'not an IPv4 CIDR', value: '"10.0.0/16"', fix: 'write a CIDR such as 10.0.0.0/16' },
      { severity: 'error', code: 'BH-AN-AWS-CIDR', path: 'sg.yaml (document 4), SecurityGroupIngressRule b-in, spec.forProvider.cidrIpv6', message: 'an IPv4 CIDR where cidrIpv6 takes IPv6', value: '"10.0.0.0/16"', fix: 'move it to cidrIpv4' },
    ]);
  });

  test('BH-AN-AWS-LINK: a link that is not <vpc-id>[@region]=peering|transit-gateway', () => {
    const p = one(problems([group('c', { links: ['vpc-0b2=vpn'] })]), 'BH-AN-AWS-LINK');
    expect(p).toEqual({ severity: 'error', code: 'BH-AN-AWS-LINK', path: 'sg.yaml (document 1), SecurityGroup c, metadata.annotations["bulkhead.io/links"]', message: 'a link is <vpc-id>=peering or <vpc-id>=transit-gateway, with @<region> after the id when the peer VPC is in another region', value: '"vpc-0b2=vpn"', fix: 'write for example vpc-0a1b2c3d@eu-west-1=peering,vpc-0e0f1a2b=transit-gateway' });
  });

  test('BH-AN-AWS-GROUP-UNKNOWN: a rule whose group is not in the input', () => {
    const p = one(problems([...base, egress('x-out', 'x', { ref: 'b' }, { from: 443 })]), 'BH-AN-AWS-GROUP-UNKNOWN');
    expect(p).toEqual({ severity: 'error', code: 'BH-AN-AWS-GROUP-UNKNOWN', path: 'sg.yaml (document 3), SecurityGroupEgressRule x-out, spec.forProvider.securityGroupIdRef.name', message: 'the rule belongs to the group x, which is not in the input', value: '"x"', fix: 'add the SecurityGroup to the input, or correct the name' });
  });

  test('BH-AN-AWS-REF-UNKNOWN: a rule that references a group that is not in the input', () => {
    const ps = problems([...base, egress('a-out', 'a', { ref: 'nope' }, { from: 443 }), ingress('b-in', 'b', { refId: '444455556666/sg-0abc' }, { from: 443 })]);
    expect(ps.filter((p) => p.code === 'BH-AN-AWS-REF-UNKNOWN')).toEqual([
      { severity: 'error', code: 'BH-AN-AWS-REF-UNKNOWN', path: 'sg.yaml (document 3), SecurityGroupEgressRule a-out, spec.forProvider.referencedSecurityGroupIdRef.name', message: 'the rule references the group nope, which is not in the input: its members are unknown', value: '"nope"', fix: 'add the referenced SecurityGroup to the input, or correct the name' },
      { severity: 'error', code: 'BH-AN-AWS-REF-UNKNOWN', path: 'sg.yaml (document 4), SecurityGroupIngressRule b-in, spec.forProvider.referencedSecurityGroupId', message: 'no SecurityGroup of the input has the id 444455556666/sg-0abc (its crossplane.io/external-name annotation, and bulkhead.io/account for <account>/sg-…): its members are unknown', value: '"444455556666/sg-0abc"', fix: 'add the referenced group (with its members) to the input, or reference it by object name' },
    ]);
    // the same id on a group of that account resolves
    expect(problems([...base, group('c', { account: '444455556666', id: 'sg-0abc' }), ingress('b-in', 'b', { refId: '444455556666/sg-0abc' }, { from: 443 })]).filter((p) => p.severity === 'error')).toEqual([]);
  });

  test('BH-AN-AWS-PREFIX-LIST-UNKNOWN: a rule that names a prefix list that is not in the input', () => {
    const p = one(problems([...base, egress('a-out', 'a', { prefixListId: 'pl-6da54004' }, { from: 443 })]), 'BH-AN-AWS-PREFIX-LIST-UNKNOWN');
    expect(p).toEqual({ severity: 'error', code: 'BH-AN-AWS-PREFIX-LIST-UNKNOWN', path: 'sg.yaml (document 3), SecurityGroupEgressRule a-out, spec.forProvider.prefixListId', message: "no ManagedPrefixList of the input has the id pl-6da54004 (an AWS-managed list's entries are not known to the analysis)", value: '"pl-6da54004"', fix: 'add the ManagedPrefixList to the input, or write the CIDRs as rules' });
    expect(problems([...base, prefixList('pl', ['10.9.0.0/16'], 'IPv4', 'pl-6da54004'), egress('a-out', 'a', { prefixListId: 'pl-6da54004' }, { from: 443 })]).filter((x) => x.severity === 'error')).toEqual([]);
  });

  test('BH-AN-AWS-PEER: a rule with two peers, or none', () => {
    const ps = problems([...base, egress('two', 'a', { ref: 'b', cidrIpv4: '10.0.0.0/16' }, { from: 443 }), egress('none', 'a', {}, { from: 443 })]);
    expect(ps.filter((p) => p.code === 'BH-AN-AWS-PEER')).toEqual([
      { severity: 'error', code: 'BH-AN-AWS-PEER', path: 'sg.yaml (document 3), SecurityGroupEgressRule two, spec.forProvider', message: 'the rule names 2 peers (cidrIpv4, referencedSecurityGroupId); a standalone rule has exactly one', value: '["cidrIpv4","referencedSecurityGroupId"]', fix: 'give each peer a rule of its own' },
      { severity: 'error', code: 'BH-AN-AWS-PEER', path: 'sg.yaml (document 4), SecurityGroupEgressRule none, spec.forProvider', message: 'the rule names no peer: one of cidrIpv4, cidrIpv6, prefixListId(Ref) or referencedSecurityGroupId(Ref)', fix: 'give each peer a rule of its own' },
    ]);
  });

  test('BH-AN-AWS-SELECTOR: a selector where the analysis needs a name', () => {
    const r = egress('a-out', 'a', { cidrIpv4: '10.0.0.0/16' }, { from: 443 }) as { spec: { forProvider: Record<string, unknown> } };
    delete r.spec.forProvider.securityGroupIdRef;
    r.spec.forProvider.securityGroupIdSelector = { matchLabels: { app: 'a' } };
    const p = one(problems([...base, r]), 'BH-AN-AWS-SELECTOR');
    expect(p).toEqual({ severity: 'error', code: 'BH-AN-AWS-SELECTOR', path: 'sg.yaml (document 3), SecurityGroupEgressRule a-out, spec.forProvider.securityGroupIdSelector', message: 'the rule picks securityGroupId with a selector, which the analysis cannot resolve (it may match several objects, or objects of another composite)', value: '{"matchLabels":{"app":"a"}}', fix: 'name the object instead: securityGroupIdRef: { name: <object name> }' });
  });

  test('BH-AN-AWS-PROTOCOL: not an IP protocol', () => {
    const p = one(problems([...base, egress('a-out', 'a', { ref: 'b' }, { protocol: 'http', from: 80 })]), 'BH-AN-AWS-PROTOCOL');
    expect(p).toEqual({ severity: 'error', code: 'BH-AN-AWS-PROTOCOL', path: 'sg.yaml (document 3), SecurityGroupEgressRule a-out, spec.forProvider.ipProtocol', message: "not an IP protocol: write tcp, udp, icmp, icmpv6, a number from 0 to 255, or '-1' for every protocol", value: '"http"', fix: 'for example ipProtocol: tcp' });
  });

  test('BH-AN-AWS-PORTS: a tcp rule without ports, or with a reversed range', () => {
    const ps = problems([...base, egress('none', 'a', { ref: 'b' }), egress('reversed', 'a', { ref: 'b' }, { from: 90, to: 80 })]);
    expect(ps.filter((p) => p.code === 'BH-AN-AWS-PORTS')).toEqual([
      { severity: 'error', code: 'BH-AN-AWS-PORTS', path: 'sg.yaml (document 3), SecurityGroupEgressRule none, spec.forProvider.fromPort', message: 'a tcp rule needs fromPort and toPort', value: '{}', fix: 'set both, for example fromPort: 443 and toPort: 443' },
      { severity: 'error', code: 'BH-AN-AWS-PORTS', path: 'sg.yaml (document 4), SecurityGroupEgressRule reversed, spec.forProvider.fromPort', message: 'fromPort and toPort must be whole numbers from 0 to 65535, fromPort not above toPort', value: '{"fromPort":90,"toPort":80}', fix: 'for example fromPort: 8000 and toPort: 8080' },
    ]);
  });

  test('BH-AN-AWS-PORTS-IGNORED: ports on protocol -1', () => {
    const p = one(problems([...base, egress('a-out', 'a', { ref: 'b' }, { protocol: '-1', from: 443 })]), 'BH-AN-AWS-PORTS-IGNORED');
    expect(p).toEqual({ severity: 'warning', code: 'BH-AN-AWS-PORTS-IGNORED', path: 'sg.yaml (document 3), SecurityGroupEgressRule a-out, spec.forProvider.fromPort', message: 'with ipProtocol -1, AWS allows every port whatever fromPort and toPort say', value: '{"fromPort":443,"toPort":443}', fix: 'remove fromPort and toPort, or use tcp or udp with the ports meant' });
  });

  test('BH-AN-AWS-REGION: a rule in another region than its group', () => {
    const p = one(problems([...base, egress('a-out', 'a', { ref: 'b' }, { from: 443 }, 'us-east-1')]), 'BH-AN-AWS-REGION');
    expect(p).toEqual({ severity: 'error', code: 'BH-AN-AWS-REGION', path: 'sg.yaml (document 3), SecurityGroupEgressRule a-out, spec.forProvider.region', message: 'the rule is in us-east-1 but its group a is in eu-west-1', value: '"us-east-1"', fix: 'set spec.forProvider.region: eu-west-1' });
  });

  test('BH-AN-AWS-REF-UNREACHABLE: a reference to a group of a peer VPC in another Region', () => {
    const ps = problems([group('a', { links: ['vpc-0b2@us-east-1=peering'] }), group('b', { vpc: 'vpc-0b2', region: 'us-east-1' }), egress('a-out', 'a', { ref: 'b' }, { from: 443 })]);
    expect(one(ps, 'BH-AN-AWS-REF-UNREACHABLE')).toEqual({
      severity: 'warning', code: 'BH-AN-AWS-REF-UNREACHABLE', path: 'sg.yaml (document 3), SecurityGroupEgressRule a-out',
      message: 'the reference matches nothing: SecurityGroup b is in another Region (us-east-1, SecurityGroup a in eu-west-1): a group of a peer VPC in another Region cannot be referenced; use the CIDR block of the peer VPC',
      value: 'SecurityGroup b', fix: "reference the group from a VPC that reaches it, or allow the peer VPC's CIDR instead",
    });
  });

  test('BH-AN-AWS-MEMBER-VPC: an instance in groups of two VPCs', () => {
    const p = one(problems([group('a', { members: ['cloud:prod/x'], memberCidrs: ['10.0.1.0/24'] }), group('b', { vpc: 'vpc-0b2', members: ['cloud:prod/x'], memberCidrs: ['10.0.1.0/24'] })]), 'BH-AN-AWS-MEMBER-VPC');
    expect(p).toEqual({ severity: 'error', code: 'BH-AN-AWS-MEMBER-VPC', path: 'SecurityGroup a, SecurityGroup b', message: "cloud:prod/x is a member of groups in 2 VPCs (vpc-0a1, vpc-0b2); a network interface's groups are all in its own VPC", value: 'cloud:prod/x', fix: 'list the member only on the groups of its VPC (bulkhead.io/members)' });
  });

  test('BH-AN-AWS-STAND-IN: a CIDR rule that covers part of a member\'s range', () => {
    const ps = problems([...base, egress('a-out', 'a', { cidrIpv4: '10.0.2.0/25' }, { from: 443 })]);
    expect(one(ps, 'BH-AN-AWS-STAND-IN')).toEqual({
      severity: 'warning', code: 'BH-AN-AWS-STAND-IN', path: 'sg.yaml (document 3), SecurityGroupEgressRule a-out',
      message: "the rule's 10.0.2.0/25 covers only part of cloud:prod/b's addresses (10.0.2.0/24); the analysis judges cloud:prod/b by its stand-in address 10.0.2.168",
      value: '10.0.2.0/25', fix: "allow the whole member range 10.0.2.0/24, or give the instance's own address as an explicit endpoint",
    });
  });

  test('BH-AN-AWS-NOT-LISTED: an ICMP rule, which connlist and explain do not show', () => {
    const ps = problems([...base, egress('a-ping', 'a', { ref: 'b' }, { protocol: 'icmp', from: 8, to: 0 })]);
    expect(one(ps, 'BH-AN-AWS-NOT-LISTED')).toEqual({
      severity: 'info', code: 'BH-AN-AWS-NOT-LISTED', path: 'sg.yaml (document 3), SecurityGroupEgressRule a-ping',
      message: 'the rule allows ICMP (type 8, code 0), which the connectivity list and explain (TCP, UDP and SCTP ports) do not show',
      value: 'icmp', fix: 'nothing to do; the rule is evaluated for that protocol by the aws simulator itself',
    });
  });

  test('BH-AN-AWS-ENDPOINT: an explicit endpoint naming an unknown group, and a malformed endpoints file', () => {
    const p = one(problems(base, { cloudEndpoints: [{ name: 'bastion', address: '10.0.9.9', groups: ['nope'] }] }), 'BH-AN-AWS-ENDPOINT');
    expect(p).toEqual({ severity: 'error', code: 'BH-AN-AWS-ENDPOINT', path: 'cloud endpoint bastion, groups[0]', message: 'no SecurityGroup of the input has this name or id (crossplane.io/external-name)', value: '"nope"', fix: 'name a SecurityGroup object of the input, or the sg-… id of an adopted one' });
    const e = thrown(() => parseCloudEndpoints({ endpoints: [{ name: 'x', adress: '10.0.0.1', groups: ['a'] }] }, 'eps.yaml'), AnalysisInputError);
    expect(e.problems).toEqual([{ severity: 'error', code: 'BH-AN-AWS-ENDPOINT', path: 'eps.yaml, endpoints[0].adress', message: 'unknown field (an endpoint has name, address, ipv6, groups, network, public)', value: '"adress"', fix: 'remove it or correct its spelling' }]);
  });

  test('every problem at once, nothing half-built', () => {
    const e = thrown(() => Analysis.of(loadObjects([...base, egress('x-out', 'x', { ref: 'b' }, { from: 443 }), egress('a-out', 'a', { ref: 'nope' }, { protocol: 'bogus' })], 'sg.yaml')), AnalysisInputError);
    expect(e.problems.map((p) => p.code).sort()).toEqual(['BH-AN-AWS-GROUP-UNKNOWN', 'BH-AN-AWS-PROTOCOL', 'BH-AN-AWS-REF-UNKNOWN']);
  });

  test('the kinds are read, not reported as not simulated', () => {
    const ps = problems([...base, { apiVersion: API, kind: 'SecurityGroupIngressRule', metadata: { name: 'r' }, spec: { forProvider: { region: 'eu-west-1', ipProtocol: '-1', cidrIpv4: '0.0.0.0/0', securityGroupIdRef: { name: 'a' } } } }]);
    expect(ps.map((p) => p.code)).not.toContain('BH-IN-NOT-SIMULATED');
  });
});
