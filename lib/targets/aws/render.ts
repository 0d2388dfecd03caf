/**
 * The `aws` layer: security groups for the cloud endpoints of one network (VM fleets, managed
 * services, EKS pods with a group of their own) and their standalone rules, as a pure function
 * of the plan.
 *
 * Semantics modelled (AWS VPC user guide, "Security groups" and "Security group rules"):
 * - groups allow only and are stateful; a rule matches the destination port;
 * - a flow is allowed when the source's groups allow it out and the destination's groups allow
 *   it in, so every flow with a group at either end gets an egress rule at the source's group
 *   and an ingress rule at the destination's group;
 * - a rule that references a group matches its members' private addresses, within the VPC or
 *   across an active peering in the same Region (another account: `account/sg-id`, which needs
 *   the group's id); across a transit gateway, references work in inbound rules only;
 *   everywhere else (other Regions, other clouds, externals) rules name CIDRs;
 * - groups created through the Terraform-based providers (Pulumi, Crossplane's Upbound
 *   provider) have no default egress rule, so every egress is explicit, the network's platform
 *   destinations (DNS, NTP, instance metadata) included.
 *
 * @see https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html
 * @see https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html
 */
import { BulkheadError, cmp, Problem, sortProblems } from '../../core/errors';
import { mergeIntervals } from '../../core/intervals';
import { LABELS } from '../../core/names';
import { Protocol } from '../../core/port';
import {
  Plan, PlanBreakGlass, PlanCloudWorkload, PlanCluster, PlanEndpointRef, PlanExternal, PlanFlow, PlanNetwork, PlanPlatformEndpoint, PlanPort,
  PlanSpireServer, PlanWorkload,
} from '../../plan/types';
import { MANAGED_BY, objectName, shortHash, sortedRecord } from '../common';
import { WarningSink } from '../kubernetes/warnings';
import { cidrSet, cidrsOverlap, familyOf } from './addresses';
import { quotaProblems, shardRules } from './quota';
import { AwsPodSelection, AwsPrefixList, AwsResource, AwsRulePeer, AwsSecurityGroup, AwsSecurityGroupRule, AwsVpcLink } from './types';

/** Tag and label keys of the `aws` layer. */
export const AWS_TAGS = {
  /** Marks every resource Bulkhead manages. */
  managedBy: 'bulkhead.io/managed-by',
  /** The network (see `PlanNetwork`) a resource belongs to. */
  network: 'bulkhead.io/network',
  /** The plan key of the workload a group or rule belongs to. */
  workload: LABELS.workload,
  /** The BreakGlass grant a rule implements. */
  breakGlass: LABELS.breakGlass,
  /** The expiry of a BreakGlass rule, in Unix seconds. */
  expiresAt: LABELS.expiresAt,
  /** The environment of a resource, when the declaration names it (`TopologyProps.environment`, an `Environments` instance). */
  environment: LABELS.environment,
} as const;

/** The security group of a workload's pods, and what its SecurityGroupPolicy needs. */
export type AwsPodGroup = AwsPodSelection;

/** What the `aws` layer renders for one network. */
export interface AwsNetworkRender {
  /** The resources, sorted by kind, then key. */
  readonly resources: readonly AwsResource[];
  /** The pod workloads with their own group in this network, sorted by workload key. */
  readonly podGroups: readonly AwsPodGroup[];
  /** Errors (the layer cannot render the declaration) and warnings, sorted. */
  readonly problems: readonly Problem[];
}

/** A cloud endpoint that owns a security group. */
interface Owner {
  readonly key: string;
  readonly path: string;
  readonly name: string;
  readonly kind: 'vm' | 'managed-service' | 'pods';
  readonly network: PlanNetwork;
  readonly memberCidrs: readonly string[];
  readonly adoptId?: string;
  readonly workload?: PlanWorkload;
  /** The key of its (first) group. */
  readonly group: string;
}

/** How one side of a flow is addressed. */
type Side =
  | { readonly kind: 'group'; readonly owner: Owner }
  | { readonly kind: 'cidrs'; readonly cidrs: readonly string[]; readonly note?: Note }
  | { readonly kind: 'none'; readonly what: string }
  /** Not in the plan (a partial plan, where the declaration has errors): nothing to render. */
  | { readonly kind: 'missing' };

/** A warning to give when the addressing is used. */
interface Note {
  readonly code: string;
  readonly path: string;
  readonly message: string;
  readonly value: string;
  readonly fix: string;
}

type Direction = 'ingress' | 'egress';
type AwsProtocol = 'tcp' | 'udp';

/** One peer of a rule, before merging. */
type Atom = { readonly kind: 'ref'; readonly group: string } | { readonly kind: 'ref-id'; readonly id: string } | { readonly kind: 'cidr'; readonly cidr: string };

interface Item {
  readonly atom: Atom;
  readonly protocol: AwsProtocol;
  readonly from: number;
  readonly to: number;
  readonly flows: readonly string[];
}

/** The rules of one group, one direction and one grant (or none), before merging. */
interface Bucket {
  readonly owner: Owner;
  readonly direction: Direction;
  readonly grant?: PlanBreakGlass;
  readonly items: Item[];
}

/** A merged rule, before it is placed in a group. */
interface Merged {
  readonly key: string;
  readonly owner: Owner;
  readonly direction: Direction;
  readonly grant?: PlanBreakGlass;
  readonly protocol: AwsProtocol;
  readonly from: number;
  readonly to: number;
  readonly peer: AwsRulePeer;
  readonly flows: readonly string[];
}

const atomId = (a: Atom): string => (a.kind === 'cidr' ? `cidr:${a.cidr}` : a.kind === 'ref' ? `ref:${a.group}` : `ref-id:${a.id}`);

/** The key of a workload's (first) security group: network, name and a hash of the plan key. */
export function groupKey(network: string, name: string, workloadKey: string, shard = 1): string {
  return objectName([network, name, shortHash(workloadKey), ...(shard > 1 ? [`s${shard}`] : [])]);
}

/**
 * The characters AWS allows in group and rule descriptions: letters, digits, spaces and
 * `._-:/()#,@[]+=&;{}!$*`; at most 255 of them.
 */
export function awsDescription(text: string): string {
  const clean = text.replace(/->/g, ' to ').replace(/[^a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]/g, '_');
  return clean.length <= 255 ? clean : `${clean.slice(0, 254)}*`;
}

/** A rule description naming its flows: as many as fit, then how many more. */
function ruleDescription(flows: readonly string[]): string {
  const head = 'Bulkhead: ';
  let text = head;
  for (let i = 0; i < flows.length; i++) {
    const part = (i === 0 ? '' : ', ') + flows[i];
    const rest = flows.length - i - 1;
    const more = rest > 0 ? ` (+${rest} more)` : '';
    if (awsDescription(text + part + more).length > 255 || (rest > 0 && awsDescription(text + part).length > 255 - ` (+${rest} more)`.length)) {
      return awsDescription(`${text} (+${flows.length - i} more)`);
    }
    text += part;
  }
  return awsDescription(text);
}

function awsProtocol(p: Protocol): AwsProtocol | undefined {
  return p === Protocol.TCP ? 'tcp' : p === Protocol.UDP ? 'udp' : undefined;
}

/** Computes the `aws` layer of one network: resources, pod groups, and every problem found. */
export function planAwsNetwork(plan: Plan, network: PlanNetwork): AwsNetworkRender {
  // synthesis validates every network, then renders it, with the same plan: render once
  let byNetwork = RENDERED.get(plan);
  if (!byNetwork) RENDERED.set(plan, byNetwork = new WeakMap());
  let r = byNetwork.get(network);
  if (!r) byNetwork.set(network, r = new NetworkRenderer(plan, network).run());
  return r;
}

/** The renders of each plan's networks (plans and their records are never changed once built). */
const RENDERED = new WeakMap<Plan, WeakMap<PlanNetwork, AwsNetworkRender>>();

/**
 * Renders the `aws` layer of one network. Throws a {@link BulkheadError} with every error
 * found ({@link validateAwsNetwork} reports the same errors without throwing).
 */
export function renderAwsNetwork(plan: Plan, network: PlanNetwork): { readonly resources: readonly AwsResource[]; readonly podGroups: readonly AwsPodGroup[]; readonly warnings: readonly Problem[] } {
  const r = planAwsNetwork(plan, network);
  const errors = r.problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) throw new BulkheadError(errors);
  return { resources: r.resources, podGroups: r.podGroups, warnings: r.problems };
}

/**
 * The errors of the `aws` layer for one network (quotas, peers it cannot address, protocols
 * security groups cannot match), without rendering. Never throws on a partial plan.
 */
export function validateAwsNetwork(plan: Plan, network: PlanNetwork): Problem[] {
  try {
    return planAwsNetwork(plan, network).problems.filter((p) => p.severity === 'error');
  } catch (e) {
    // a partial plan may hold an address the declaration's own checks already reported
    if (BulkheadError.isBulkheadError(e)) return e.problems.filter((p) => p.severity === 'error');
    throw e;
  }
}

class NetworkRenderer {
  private readonly networks = new Map<string, PlanNetwork>();
  private readonly clusters = new Map<string, PlanCluster>();
  private readonly workloads = new Map<string, PlanWorkload>();
  private readonly owners = new Map<string, Owner>();
  private readonly grants = new Map<string, PlanBreakGlass>();
  private readonly externals = new Map<string, PlanExternal>();
  private readonly platforms = new Map<string, PlanPlatformEndpoint>();
  private readonly cloudWorkloads = new Map<string, PlanCloudWorkload>();
  private readonly warnings = new WarningSink();
  private readonly errors = new Map<string, Problem>();
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly plan: Plan, private readonly network: PlanNetwork) {
    for (const n of plan.networks) this.networks.set(n.name, n);
    for (const c of plan.clusters) this.clusters.set(c.name, c);
    for (const w of plan.workloads) this.workloads.set(w.key, w);
    for (const g of plan.breakGlass) this.grants.set(g.name, g);
    for (const e of plan.externals) this.externals.set(e.key, e);
    for (const p of plan.platform) this.platforms.set(p.key, p);
    for (const cw of plan.cloudWorkloads) this.cloudWorkloads.set(cw.key, cw);
    for (const cw of plan.cloudWorkloads) {
      const n = this.networks.get(cw.network);
      if (!n) continue;
      this.owners.set(cw.key, {
        key: cw.key, path: cw.path, name: cw.name, kind: cw.kind, network: n, memberCidrs: cw.subnetCidrs,
        ...(cw.adoptId ? { adoptId: cw.adoptId } : {}), group: groupKey(n.name, cw.name, cw.key),
      });
    }
    for (const w of plan.workloads) {
      if (!w.securityGroup) continue;
      const n = this.networks.get(w.securityGroup.network);
      const c = this.clusters.get(w.cluster);
      if (!n || !c) continue;
      this.owners.set(w.key, {
        key: w.key, path: w.path, name: w.name, kind: 'pods', network: n, memberCidrs: clusterCidrs(c), workload: w,
        ...(w.securityGroup.adoptId ? { adoptId: w.securityGroup.adoptId } : {}), group: groupKey(n.name, w.name, w.key),
      });
    }
  }

  public run(): AwsNetworkRender {
    const local = [...this.owners.values()].filter((o) => o.network.name === this.network.name).sort((a, b) => cmp(a.key, b.key));
    for (const f of this.plan.flows) this.flow(f);
    // The network's platform destinations (the VPC resolver, NTP, the metadata service) are the
    // instances' own: pods with their own groups resolve names through the cluster's DNS and keep
    // the node's clock, and reach those through the plan's platform flows instead.
    for (const o of local) if (o.kind === 'vm') this.platformEgress(o);
    // A fleet's SPIRE agents attest to, and fetch SVIDs from, the SPIRE server of its identity's
    // cluster, where that cluster says the server is reachable.
    for (const o of local) if (o.kind === 'vm') this.spireServerEgress(o);
    this.breakGlassWithoutReaper();
    const merged = new Map<string, Merged[]>();
    for (const b of this.buckets.values()) merged.set(b.owner.key, [...(merged.get(b.owner.key) ?? []), ...mergeBucket(b)]);
    const resources: AwsResource[] = [];
    const podGroups: AwsPodGroup[] = [];
    const links = this.linksOf(this.network);
    for (const o of local) {
      const rules = (merged.get(o.key) ?? []).sort((a, b) => cmp(a.key, b.key));
      const shards = shardRules(rules.map((r) => ({ key: r.key, direction: r.direction, peer: r.peer })), this.network.quotas, new Map<string, AwsPrefixList>());
      if (shards.kind === 'overflow') {
        for (const p of quotaProblems(o.path, o.key, this.network, shards)) this.errors.set(`${p.code}\u0000${p.path}\u0000${p.message}`, p);
        continue;
      }
      const groupKeys = Array.from({ length: shards.groups }, (_, i) => groupKey(o.network.name, o.name, o.key, i + 1));
      const w = o.kind === 'pods' ? o.workload : undefined;
      const pods = w ? { workload: w.key, path: w.path, cluster: w.cluster, namespace: w.namespace, name: w.name, selector: sortedRecord(w.selector), groups: groupKeys } : undefined;
      groupKeys.forEach((key, i) => resources.push(this.group(o, key, i + 1, shards.groups, links, i === 0 ? pods : undefined)));
      for (const r of rules) resources.push(this.rule(r, groupKeys[(shards.assignment.get(r.key) ?? 1) - 1]));
      if (pods) podGroups.push(pods);
    }
    for (const p of quotaProductProblems(this.network)) this.errors.set(p.code, p);
    const order: Readonly<Record<AwsResource['kind'], number>> = { ManagedPrefixList: 0, SecurityGroup: 1, SecurityGroupEgressRule: 2, SecurityGroupIngressRule: 3 };
    resources.sort((a, b) => order[a.kind] - order[b.kind] || cmp(a.key, b.key));
    return { resources, podGroups, problems: sortProblems([...this.errors.values(), ...this.warnings.list()]) };
  }

  private error(code: string, path: string, message: string, value: string, fix: string): void {
    const p: Problem = { severity: 'error', code, path, message, value, fix };
    this.errors.set(`${code}\u0000${path}\u0000${value}`, p);
  }

  private flow(f: PlanFlow): void {
    const src = this.side(f.source);
    const dst = this.side(f.destination);
    const grant = f.origin === 'break-glass' && f.breakGlass ? this.grants.get(f.breakGlass) : undefined;
    if (f.origin === 'break-glass' && !grant) return; // a grant not in force
    const ends: [Side, Side, Direction][] = [[dst, src, 'ingress'], [src, dst, 'egress']];
    for (const [at, other, direction] of ends) {
      if (at.kind !== 'group' || at.owner.network.name !== this.network.name) continue;
      const ports: { protocol: AwsProtocol; from: number; to: number }[] = [];
      for (const p of f.ports) {
        const proto = awsProtocol(p.protocol);
        if (!proto) {
          this.error('BH-AWS-PROTOCOL', f.path, `security groups match ${p.protocol} only as a whole protocol (every port), so the flow cannot be allowed on its ports alone`, `${p.protocol} ${portText(p)}`, 'use TCP or UDP ports for flows that reach a VM, a managed service or pods with their own security group');
          continue;
        }
        ports.push({ protocol: proto, from: p.port, to: p.endPort ?? p.port });
      }
      const atoms = this.peer(at.owner, other, direction, f);
      if (!atoms) continue;
      const bucket = this.bucket(at.owner, direction, grant);
      for (const a of atoms) for (const p of ports) bucket.items.push({ atom: a, ...p, flows: [f.id] });
    }
  }

  private platformEgress(o: Owner): void {
    const bucket = this.bucket(o, 'egress', undefined);
    for (const p of this.network.platform) {
      const cidrs = cidrSet(p.cidrs);
      for (const port of p.ports) {
        const proto = awsProtocol(port.protocol);
        if (!proto) continue;
        for (const c of cidrs) bucket.items.push({ atom: { kind: 'cidr', cidr: c }, protocol: proto, from: port.port, to: port.endPort ?? port.port, flows: [`platform:${p.name}`] });
      }
    }
  }

  private spireServerEgress(o: Owner): void {
    const server = spireServerOf(this.plan, this.cloudWorkloads.get(o.key));
    if (!server) return;
    const bucket = this.bucket(o, 'egress', undefined);
    for (const c of cidrSet(server.addresses)) {
      bucket.items.push({ atom: { kind: 'cidr', cidr: c }, protocol: 'tcp', from: server.port, to: server.port, flows: [spireServerFlowName(server.cluster)] });
    }
  }

  /**
   * Manifest output: the break-glass rules of a network whose control-plane cluster is not
   * declared stay until the next synthesis after their expiry (no reaper can delete them).
   */
  private breakGlassWithoutReaper(): void {
    if (this.network.controlPlane !== undefined) return;
    const grants = [...new Set([...this.buckets.values()].filter((b) => b.grant && b.owner.network.name === this.network.name && b.items.length > 0).map((b) => b.grant!.name))].sort(cmp);
    if (grants.length === 0) return;
    this.warnings.warn('BH-AWS-BREAK-GLASS-REAPER', this.network.path,
      `the network holds security-group rules of BreakGlass grants (${grants.join(', ')}), and it names no control-plane cluster: in manifest output (cdk8s, the CLI) no reaper deletes their Crossplane objects at expiry, so the rules stay until the next synthesis after it (the Pulumi host schedules their revocation with EventBridge Scheduler: nothing to do there)`,
      JSON.stringify(grants),
      'set controlPlane on the Network to the cluster whose Crossplane the aws layer is applied to: its break-glass reaper then deletes the expired rule objects, and Crossplane revokes the rules');
  }

  private bucket(owner: Owner, direction: Direction, grant: PlanBreakGlass | undefined): Bucket {
    const id = `${owner.key}\u0000${direction}\u0000${grant?.name ?? ''}`;
    let b = this.buckets.get(id);
    if (!b) {
      b = { owner, direction, ...(grant ? { grant } : {}), items: [] };
      this.buckets.set(id, b);
    }
    return b;
  }

  /** How an endpoint of the plan is addressed by security-group rules. */
  private side(ref: PlanEndpointRef): Side {
    const owner = this.owners.get(ref.key);
    if (owner) return { kind: 'group', owner };
    if (ref.kind === 'workload') {
      const w = this.workloads.get(ref.key);
      const c = w ? this.clusters.get(w.cluster) : undefined;
      if (!w || !c) return { kind: 'missing' };
      return this.clusterSide(c, w.path, `the pods of ${w.key}`);
    }
    if (ref.kind === 'platform') {
      const p = this.platforms.get(ref.key);
      const c = p ? this.clusters.get(p.cluster) : undefined;
      if (!p || !c) return { kind: 'missing' };
      return this.clusterSide(c, c.path ?? `${this.plan.topology.name}/${c.name}`, `the ${p.name} pods of cluster ${c.name}`);
    }
    if (ref.kind === 'external') {
      const e = this.externals.get(ref.key);
      if (!e) return { kind: 'missing' };
      if (e.cidrs.length > 0) return { kind: 'cidrs', cidrs: cidrSet(e.cidrs, e.except) };
      if (e.fqdns.length > 0) {
        // One rule to 0.0.0.0/0: a rule cannot carve out the private ranges (that would take some
        // thirty CIDRs of the quota), and a destination with its own group still needs its ingress.
        return {
          kind: 'cidrs', cidrs: ['0.0.0.0/0'], note: {
            code: 'BH-AWS-FQDN', path: e.path,
            message: `security groups cannot match domain names, so the rules for ${e.name} allow every IPv4 address on the flow's ports (destinations with a security group of their own still need their inbound rules)`,
            value: JSON.stringify(e.fqdns),
            fix: 'give the External its address ranges (cidrs) so that the rules name them, or send the traffic through an egress proxy or AWS Network Firewall that filters by name',
          },
        };
      }
      return { kind: 'none', what: `the external ${e.name} has neither CIDRs nor domain names` };
    }
    return { kind: 'missing' };
  }

  private clusterSide(c: PlanCluster, path: string, what: string): Side {
    const cidrs = clusterCidrs(c);
    if (cidrs.length === 0) return { kind: 'none', what: `${what} have no address ranges: the cluster ${c.name} declares neither pod nor node CIDRs` };
    const which = c.podCidrs.length > 0 ? 'pod' : 'node';
    return {
      kind: 'cidrs', cidrs: cidrSet(cidrs), note: {
        code: 'BH-AWS-POD-CIDRS', path,
        message: `security groups address ${what} by the ${which} CIDRs of cluster ${c.name}, which is wider than the workload: every pod of the cluster matches`,
        value: JSON.stringify(cidrs),
        fix: c.cloud === 'aws'
          ? 'give the workload its own security group (EKS security groups for pods) so that the rules reference it'
          : 'narrow the cluster\'s egress to the cloud (a NAT address per workload) or accept the wider rule',
      },
    };
  }

  /** The peers of a rule at `at` for the other side of a flow. */
  private peer(at: Owner, other: Side, direction: Direction, f: PlanFlow): Atom[] | undefined {
    if (other.kind === 'missing') return undefined;
    if (other.kind === 'none') {
      this.error('BH-AWS-UNADDRESSABLE', f.path, `security groups cannot address the other side of the flow: ${other.what}`, f.id, 'declare the address ranges (pod or node CIDRs of the cluster, subnet CIDRs of the VM, cidrs of the External)');
      return undefined;
    }
    if (other.kind === 'cidrs') {
      if (other.note) this.warnings.warn(other.note.code, other.note.path, other.note.message, other.note.value, other.note.fix);
      return other.cidrs.map((cidr) => ({ kind: 'cidr', cidr }));
    }
    const o = other.owner;
    const here = at.network;
    const there = o.network;
    let why: string | undefined;
    if (here.name === there.name || (here.account === there.account && here.region === there.region && here.vpcId === there.vpcId)) {
      return [{ kind: 'ref', group: o.group }];
    }
    const link = linkKind(here, there);
    if (!link) why = `the networks ${here.name} and ${there.name} are not linked`;
    else if (here.region !== there.region) why = `the ${link} between ${here.name} (${here.region}) and ${there.name} (${there.region}) crosses Regions`;
    else if (link === 'transit-gateway' && direction === 'egress') why = `references across a transit gateway work in inbound rules only`;
    if (!why) {
      if (here.account === there.account) return [{ kind: 'ref', group: o.group }];
      if (o.adoptId) return [{ kind: 'ref-id', id: `${there.account}/${o.adoptId}` }];
      why = `the group of ${o.key} is in account ${there.account} and its id is not known (a reference across accounts names it as account/sg-id)`;
    }
    if (o.memberCidrs.length === 0) {
      this.error('BH-AWS-UNADDRESSABLE', f.path, `security groups cannot address ${o.key}: ${why}, and it has no address ranges`, f.id, 'declare its subnet CIDRs (a VM or managed service) or its cluster\'s pod CIDRs');
      return undefined;
    }
    this.warnings.warn('BH-AWS-MEMBER-CIDRS', o.path,
      `the rules of ${at.key} address ${o.key} by its address ranges, not by its security group: ${why}; every instance in those ranges matches`,
      JSON.stringify(o.memberCidrs),
      o.kind === 'pods' || o.adoptId || here.account === there.account
        ? 'link the networks with a peering in one Region to let the rules reference the group, or give the workload subnets of its own'
        : `adopt the group (declare its id) so that the rules reference it as ${there.account}/sg-…, or give the workload subnets of its own`);
    return cidrSet(o.memberCidrs).map((cidr) => ({ kind: 'cidr', cidr }));
  }

  /** The environment tag, when the environment is named (as the environment label of the manifests). */
  private environmentTag(): Record<string, string> {
    return this.plan.topology.labelEnvironment ? { [AWS_TAGS.environment]: this.plan.topology.environment } : {};
  }

  private linksOf(n: PlanNetwork): AwsVpcLink[] {
    const out = new Map<string, AwsVpcLink>();
    for (const other of this.plan.networks) {
      if (other.name === n.name) continue;
      const kind = linkKind(n, other);
      if (kind) out.set(other.vpcId, { vpcId: other.vpcId, region: other.region, account: other.account, kind });
    }
    return [...out.values()].sort((a, b) => cmp(a.vpcId, b.vpcId));
  }

  private group(o: Owner, key: string, index: number, of: number, links: AwsVpcLink[], pods: AwsPodSelection | undefined): AwsSecurityGroup {
    const what = o.kind === 'pods' ? 'pods of' : o.kind === 'vm' ? 'VM fleet' : 'managed service';
    const shardText = of > 1 ? ` (group ${index} of ${of})` : '';
    return {
      kind: 'SecurityGroup', key, network: o.network.name, account: o.network.account, region: o.network.region,
      name: `bulkhead-${key}`,
      description: awsDescription(`Bulkhead: ${what} ${o.key}${shardText}`),
      vpcId: o.network.vpcId,
      ...(o.adoptId && index === 1 ? { adoptId: o.adoptId } : {}),
      tags: sortedRecord({ [AWS_TAGS.managedBy]: MANAGED_BY, [AWS_TAGS.network]: o.network.name, [AWS_TAGS.workload]: o.key, ...this.environmentTag() }),
      members: [o.key],
      memberCidrs: [...new Set(o.memberCidrs)].sort(),
      workloadName: o.name,
      vpcCidrs: [...o.network.cidrs],
      links,
      ...(of > 1 ? { shard: { index, of } } : {}),
      ...(pods ? { pods } : {}),
    };
  }

  private rule(m: Merged, group: string): AwsSecurityGroupRule {
    const grant = m.grant;
    return {
      kind: m.direction === 'ingress' ? 'SecurityGroupIngressRule' : 'SecurityGroupEgressRule',
      key: m.key, network: m.owner.network.name, account: m.owner.network.account, region: m.owner.network.region,
      group, ipProtocol: m.protocol, fromPort: m.from, toPort: m.to, peer: m.peer,
      description: ruleDescription(m.flows), flows: m.flows,
      tags: sortedRecord({
        [AWS_TAGS.managedBy]: MANAGED_BY, [AWS_TAGS.network]: m.owner.network.name, [AWS_TAGS.workload]: m.owner.key, ...this.environmentTag(),
        ...(grant ? { [AWS_TAGS.breakGlass]: grant.name, [AWS_TAGS.expiresAt]: String(grant.expiresAtEpoch) } : {}),
      }),
    };
  }
}

/** The SPIRE server a VM fleet's agents connect to: its identity's cluster's, where that cluster declares one. */
export function spireServerOf(plan: Pick<Plan, 'clusters'>, vm: PlanCloudWorkload | undefined): (PlanSpireServer & { readonly cluster: string }) | undefined {
  const cluster = vm?.kind === 'vm' && vm.identity ? plan.clusters.find((c) => c.name === vm.identity?.spireCluster) : undefined;
  return cluster?.spireServer ? { ...cluster.spireServer, cluster: cluster.name } : undefined;
}

/** The name the rules give the platform flow from a VM fleet's SPIRE agents to the SPIRE server of a cluster. */
export function spireServerFlowName(cluster: string): string {
  return `platform:${cluster}:spire-server`;
}

function portText(p: PlanPort): string {
  return p.endPort === undefined ? String(p.port) : `${p.port}-${p.endPort}`;
}

/** The addresses of a cluster's pods: its pod CIDRs, or its node CIDRs when it has none. */
function clusterCidrs(c: PlanCluster): readonly string[] {
  return c.podCidrs.length > 0 ? c.podCidrs : c.nodeCidrs;
}

/** The kind of the link between two networks, declared on either side (peering first). */
function linkKind(a: PlanNetwork, b: PlanNetwork): 'peering' | 'transit-gateway' | undefined {
  const kinds = [...a.links.filter((l) => l.peer === b.name), ...b.links.filter((l) => l.peer === a.name)].map((l) => l.kind);
  return kinds.includes('peering') ? 'peering' : kinds.includes('transit-gateway') ? 'transit-gateway' : undefined;
}

/**
 * Merges the rules of one bucket: the port ranges of each peer and protocol first, then the
 * CIDRs that share a protocol and port range (into the fewest covering CIDRs).
 */
function mergeBucket(b: Bucket): Merged[] {
  const byPeer = new Map<string, { atom: Atom; protocol: AwsProtocol; items: Item[] }>();
  for (const it of b.items) {
    const id = `${atomId(it.atom)}\u0000${it.protocol}`;
    const e = byPeer.get(id) ?? { atom: it.atom, protocol: it.protocol, items: [] };
    e.items.push(it);
    byPeer.set(id, e);
  }
  const portMerged: Item[] = [];
  for (const e of byPeer.values()) {
    for (const [from, to] of mergeIntervals(e.items.map((i) => [i.from, i.to] as const))) {
      const flows = e.items.filter((i) => i.from <= to && i.to >= from).flatMap((i) => i.flows);
      portMerged.push({ atom: e.atom, protocol: e.protocol, from, to, flows: [...new Set(flows)].sort() });
    }
  }
  const out: Merged[] = [];
  const cidrGroups = new Map<string, Item[]>();
  for (const it of portMerged) {
    if (it.atom.kind !== 'cidr') {
      out.push(merged(b, it, it.atom.kind === 'ref' ? { referencedGroup: it.atom.group } : { referencedGroupId: it.atom.id }));
      continue;
    }
    const id = `${it.protocol}\u0000${it.from}\u0000${it.to}\u0000${familyOf(it.atom.cidr)}`;
    const list = cidrGroups.get(id);
    if (list) list.push(it);
    else cidrGroups.set(id, [it]);
  }
  for (const items of cidrGroups.values()) {
    const cidrs = items.map((i) => (i.atom.kind === 'cidr' ? i.atom.cidr : ''));
    for (const c of cidrSet(cidrs)) {
      const inside = items.filter((i) => i.atom.kind === 'cidr' && cidrsOverlap(c, i.atom.cidr));
      const flows = [...new Set(inside.flatMap((i) => i.flows))].sort();
      out.push(merged(b, { ...items[0], flows }, familyOf(c) === 'ipv4' ? { cidrIpv4: c } : { cidrIpv6: c }));
    }
  }
  return out;
}


function merged(b: Bucket, it: Item, peer: AwsRulePeer): Merged {
  const peerText = JSON.stringify(peer);
  const content = JSON.stringify([b.owner.key, b.direction, b.grant?.name ?? '', it.protocol, it.from, it.to, peerText]);
  const key = objectName([b.owner.group, b.direction === 'ingress' ? 'in' : 'out', shortHash(content)]);
  return { key, owner: b.owner, direction: b.direction, ...(b.grant ? { grant: b.grant } : {}), protocol: it.protocol, from: it.from, to: it.to, peer, flows: it.flows };
}

/**
 * AWS requires rules per group × groups per interface ≤ 1,000 (for each of inbound and
 * outbound): quotas beyond that cannot be granted, so a network that declares them is an error.
 */
function quotaProductProblems(n: PlanNetwork): Problem[] {
  const q = n.quotas;
  const top = Math.max(q.inboundRulesPerGroup, q.outboundRulesPerGroup);
  if (top * q.groupsPerInterface <= 1000) return [];
  return [{
    severity: 'error', code: 'BH-AWS-QUOTA-PRODUCT', path: n.path,
    message: `the network's quotas allow ${top} rules per group and ${q.groupsPerInterface} groups per interface, but AWS allows at most 1,000 rules per interface (rules per group × groups per interface)`,
    value: JSON.stringify(q),
    fix: 'declare the quotas the account really has: rules per group × groups per interface must not exceed 1,000',
  }];
}
