/**
 * The `aws` layer's simulator: security groups as Crossplane `ec2.aws.upbound.io` objects,
 * decoded by {@link decodeAws}, evaluated by {@link RuleIndex} (see ./security-group.ts for the
 * semantics), between the cloud endpoints of {@link buildEndpoints}.
 *
 * Kubernetes workloads and the address ranges the cluster layers list are not cloud endpoints:
 * the layer does not police them (it allows them, so the effective connectivity of the cluster
 * layers is unchanged); its answers about cloud endpoints are in {@link LayerSimulator.cloud}.
 */
import { Problem } from '../../../core/errors';
import { AnalysisInputError } from '../../errors';
import { ManifestObject } from '../../loader';
import { PortSet } from '../../portset';
import { AnalysisContext, CloudEndpoint, CloudLayer, CloudPeer, Connection, Endpoint, LayerSimulator, LayerVerdict, Reason } from '../../types';
import { IpFamily, formatAddress, parseAddress, parseRange, rangesMeet, rangeWithinRange } from './address';
import { AWS_CODES } from './codes';
import { decodeAws, isAwsLayerObject, objectPath } from './decode';
import { buildEndpoints } from './endpoints';
import { AwsModel, AwsRule, IP_PROTOCOLS } from './model';
import { DirectionVerdict, RuleIndex, Side, peerRanges, protocolNumber, referenceUnreachable } from './security-group';

export { AWS_CODES } from './codes';
export { AWS_ANNOTATIONS, AWS_API_GROUP, AWS_KINDS, decodeAws, isAwsLayerObject } from './decode';
export type { AwsDecoded } from './decode';
export { buildEndpoints } from './endpoints';
export type { AwsEndpoints } from './endpoints';
export { RuleIndex, referenceUnreachable, rulePorts } from './security-group';
export type { DirectionVerdict, SecurityGroupVerdict, Side, SidePair, Traffic } from './security-group';
export type { AwsGroup, AwsLink, AwsModel, AwsPeer, AwsPrefixList, AwsProtocol, AwsRule } from './model';

/** The `aws` layer's simulator. */
export class AwsSimulator implements LayerSimulator {
  /** The layer. */
  public readonly layer = 'aws' as const;
  /** Whether the input holds any object of the layer. */
  public readonly present: boolean;
  /** Warnings and information. */
  public readonly warnings: readonly Problem[];
  /** The decoded groups, rules and prefix lists. */
  public readonly model: AwsModel;
  /** The rule index the evaluation runs on. */
  public readonly index: RuleIndex;
  /** The answers about cloud endpoints. */
  public readonly cloud: CloudLayer;

  /**
   * @param objects the input's objects (the layer picks its own)
   * @param ctx the analysis context (its explicit cloud endpoints)
   * @throws AnalysisInputError with every error at once, when an object or an explicit endpoint is malformed
   */
  constructor(objects: readonly ManifestObject[], ctx?: Pick<AnalysisContext, 'cloudEndpoints'>) {
    const own = objects.filter(isAwsLayerObject);
    this.present = own.length > 0;
    const decoded = decodeAws(own);
    this.model = decoded.model;
    this.index = new RuleIndex(this.model);
    const eps = buildEndpoints(this.model, ctx?.cloudEndpoints ?? []);
    const problems = [...decoded.problems, ...eps.problems, ...this.notes(eps.endpoints)];
    const errors = problems.filter((p) => p.severity === 'error');
    if (errors.length > 0) {
      const [first, ...rest] = errors;
      throw new AnalysisInputError({ message: first.message, fix: first.fix, code: first.code, object: first.path, ...(first.value === undefined ? {} : { value: first.value }) }, rest);
    }
    this.warnings = problems;
    const endpoints = eps.endpoints;
    const boundaries = this.boundaries();
    this.cloud = {
      endpoints,
      explain: (src, dst, conn) => this.explainCloud(src, dst, conn),
      allowedPorts: (src, dst, family = 'ipv4') => this.index.allowedPorts(cachedSide(src, family), cachedSide(dst, family), family),
      allowedPairs: (sources, destinations, family = 'ipv4') => this.index.allowedPairs(
        sources.map((p) => cachedSide(p, family)), destinations.map((p) => cachedSide(p, family)), family, (i, j) => sources[i].id === destinations[j].id,
      ),
      addressBoundaries: () => boundaries,
    };
  }

  /** Kubernetes workloads and cluster address ranges are not policed here: allowed. */
  public explain(_src: Endpoint, _dst: Endpoint, _conn: Connection): LayerVerdict {
    return { layer: 'aws', allowed: true, reasons: [{ policy: 'aws layer', effect: 'default-allow', detail: 'neither end is a cloud endpoint (a member of a security group of the input); the aws layer polices cloud endpoints only' }] };
  }

  /** Every port: the layer does not police Kubernetes workloads. */
  public allowedPorts(_src: Endpoint, _dst: Endpoint): PortSet {
    return PortSet.ALL;
  }

  /** None for the cluster layers' endpoints (the cloud ones are in {@link CloudLayer.addressBoundaries}). */
  public addressBoundaries(): { readonly ingress: readonly (readonly [number, number])[]; readonly egress: readonly (readonly [number, number])[] } {
    return { ingress: [], egress: [] };
  }

  private boundaries(): { ingress: (readonly [number, number])[]; egress: (readonly [number, number])[] } {
    const ingress: (readonly [number, number])[] = [];
    const egress: (readonly [number, number])[] = [];
    for (const r of this.model.rules) {
      for (const range of peerRanges(this.model, r) ?? []) {
        if (range.family !== 'ipv4') continue;
        (r.direction === 'ingress' ? ingress : egress).push([Number(range.first), Number(range.last)]);
      }
    }
    return { ingress, egress };
  }

  private explainCloud(src: CloudPeer, dst: CloudPeer, conn: Connection): LayerVerdict {
    const family = conn.ipFamily ?? 'ipv4';
    const s = side(src, family);
    const d = side(dst, family);
    const t = { family, protocol: protocolNumber(conn.protocol), port: conn.port };
    const v = this.index.evaluate(s, d, t);
    const missing = [s, d].find((x) => x.kind === 'member' && x.noAddress);
    if (missing) {
      return { layer: 'aws', allowed: false, reasons: [{ policy: 'no address', effect: 'default-deny', detail: `${missing.label} has no ${family === 'ipv4' ? 'IPv4' : 'IPv6'} address: it sends and receives no ${family === 'ipv4' ? 'IPv4' : 'IPv6'} traffic` }] };
    }
    const what = `${conn.protocol} ${conn.port}${family === 'ipv6' ? ' (IPv6)' : ''}`;
    const reasons: Reason[] = [
      ...this.reasons(v.egress, 'egress', src, s, d, what),
      ...this.reasons(v.ingress, 'ingress', dst, d, s, what),
    ];
    if (v.allowed) reasons.push({ policy: 'connection tracking', effect: 'allow', detail: 'security groups are stateful: the responses flow back whatever the rules of either side say' });
    return { layer: 'aws', allowed: v.allowed, reasons };
  }

  private reasons(v: DirectionVerdict, dir: 'egress' | 'ingress', end: CloudPeer, self: Side, other: Side, what: string): Reason[] {
    const role = dir === 'egress' ? 'source' : 'destination';
    if (!v.policed) {
      return [{ policy: 'no security group', effect: 'default-allow', detail: `the ${role} ${self.label} is outside every group of the input: no ${dir} rule applies to it` }];
    }
    if (v.by) {
      const r = v.by.rule;
      return [{ policy: v.by.group.ref, rule: r.ref, effect: 'allow', detail: `${dir} ${ruleText(r)} ${dir === 'egress' ? 'to' : 'from'} ${peerText(r)}: ${other.label} ${matchText(r, other)}` }];
    }
    const groups = end.type === 'cloud' ? end.groups.map((g) => `SecurityGroup ${g}`).join(', ') : '';
    const unreachable = v.unreachable.map((u) => `; ${u.rule.ref} matches the port but not the peer: ${u.why}`).join('');
    return [{ policy: groups, effect: 'default-deny', detail: `no ${dir} rule of the ${role}'s groups allows ${what} ${dir === 'egress' ? 'to' : 'from'} ${other.label} (groups only allow: what no rule allows is denied)${unreachable}` }];
  }

  /** Warnings about the rules as they meet the endpoints: unreachable references, partial CIDRs, what connlist cannot list. */
  private notes(endpoints: readonly CloudEndpoint[]): Problem[] {
    const out: Problem[] = [];
    const memberRanges = endpoints.filter((e) => e.origin === 'member').flatMap((e) => e.ranges.flatMap((text) => {
      const er = parseRange(text)?.range;
      return er ? [{ e, text, er }] : [];
    }));
    const partial = new Map<string, typeof memberRanges>();
    for (const r of this.model.rules) {
      const path = objectPath(r.source, r.ref);
      const why = referenceUnreachable(this.model, r);
      if (why !== undefined) {
        out.push({ severity: 'warning', code: AWS_CODES.refUnreachable, path, message: `the reference matches nothing: ${why}`, value: r.peer.text, fix: 'reference the group from a VPC that reaches it, or allow the peer VPC\'s CIDR instead' });
      }
      if (r.protocol !== 'all' && r.protocol !== IP_PROTOCOLS.tcp && r.protocol !== IP_PROTOCOLS.udp && r.protocol !== IP_PROTOCOLS.sctp) {
        out.push({
          severity: 'info', code: AWS_CODES.notListed, path,
          message: `the rule allows ${r.protocol === IP_PROTOCOLS.icmp ? 'ICMP' : r.protocol === IP_PROTOCOLS.icmpv6 ? 'ICMPv6' : `IP protocol ${r.protocol}`}${r.ports ? ` (type ${r.ports[0]}, code ${r.ports[1] === -1 ? 'any' : r.ports[1]})` : ''}, which the connectivity list and explain (TCP, UDP and SCTP ports) do not show`,
          value: r.protocolText,
          fix: 'nothing to do; the rule is evaluated for that protocol by the aws simulator itself',
        });
      }
      const ranges = peerRanges(this.model, r);
      if (!ranges) continue;
      // the members a rule's ranges cover partly, found once per distinct list of ranges (many rules name the same ones)
      const key = ranges.map((x) => `${x.family}:${x.first}-${x.last}`).join(',');
      let partly = partial.get(key);
      if (!partly) {
        partly = memberRanges.filter(({ er }) => ranges.some((x) => rangesMeet(x, er) && !rangeWithinRange(er, x)));
        partial.set(key, partly);
      }
      for (const { e, text, er } of partly) {
        const addr = er.family === 'ipv4' ? e.ipv4 : e.ipv6;
        out.push({
          severity: 'warning', code: AWS_CODES.standIn, path,
          message: `the rule's ${peerText(r)} covers only part of ${e.id}'s addresses (${text}); the analysis judges ${e.id} by its stand-in address ${addr ?? '(none)'}`,
          value: peerText(r),
          fix: `allow the whole member range ${text}, or give the instance's own address as an explicit endpoint`,
        });
      }
    }
    return out;
  }
}

const SIDES = new WeakMap<CloudPeer, Partial<Record<IpFamily, Side>>>();

/** {@link side}, computed once per peer object and family. */
function cachedSide(p: CloudPeer, family: IpFamily): Side {
  let m = SIDES.get(p);
  if (!m) {
    m = {};
    SIDES.set(p, m);
  }
  return (m[family] ??= side(p, family));
}

/** The evaluation's side of a cloud peer, in a family. */
function side(p: CloudPeer, family: IpFamily): Side {
  if (p.type === 'cloud') {
    const text = family === 'ipv4' ? p.ipv4 : p.ipv6;
    const address = text === undefined ? undefined : parseAddress(text);
    const other = family === 'ipv4' ? p.ipv6 : p.ipv4;
    return {
      kind: 'member', groups: p.groups, ...(address ? { address } : {}), ...(p.public ? { public: true } : {}), ...(!address && other !== undefined ? { noAddress: true } : {}),
      label: `${p.id}${address ? ` (${formatAddress(address)})` : ''}`,
    };
  }
  return { kind: 'outside', range: { family: 'ipv4', first: BigInt(p.first), last: BigInt(p.last) }, label: p.id };
}

function peerText(r: AwsRule): string {
  return r.peer.text;
}

function ruleText(r: AwsRule): string {
  if (r.protocol === 'all') return 'protocol -1 (every protocol and port)';
  const name = r.protocol === IP_PROTOCOLS.tcp ? 'tcp' : r.protocol === IP_PROTOCOLS.udp ? 'udp' : r.protocol === IP_PROTOCOLS.sctp ? 'sctp' : `protocol ${r.protocolText}`;
  if (!r.ports || r.protocol === IP_PROTOCOLS.sctp) return `${name} (every port)`;
  return `${name} ${r.ports[0] === r.ports[1] ? r.ports[0] : `${r.ports[0]}-${r.ports[1]}`}`;
}

function matchText(r: AwsRule, other: Side): string {
  if (r.peer.kind === 'group') return 'is a member (its private address)';
  if (r.peer.kind === 'prefix-list') return 'is inside one of its entries';
  return other.kind === 'member' ? 'is inside it' : 'lies inside it';
}

/** Builds the `aws` layer's simulator. */
export function createAwsSimulator(objects: readonly ManifestObject[], ctx?: Pick<AnalysisContext, 'cloudEndpoints'>): AwsSimulator {
  return new AwsSimulator(objects, ctx);
}
