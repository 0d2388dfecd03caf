/**
 * The input check: the first step of the planner. Every prop and argument of the declaration
 * API may come from plain JavaScript, a cast or a generated declaration, so nothing the
 * planner reads is assumed to have its declared type. This check reads every prop of every
 * construct, every flow statement and every export, and reports each value of the wrong kind
 * as a coded problem (code, construct path, message, value, fix) — all of them at once, before
 * the planner reads anything, so that bad input never ends in a `TypeError` or is silently
 * misread (a string boolean taken as true, a tier that is not a SensitiveTier taken as
 * `internal`, an invalid clock that keeps an expired grant in force).
 *
 * It checks kinds and limits of values; what the values mean (names, CIDRs, tiers, flows) is
 * checked by the planner once the input is well-formed.
 */
import { IConstruct } from 'constructs';
import { BRAND_VERSION, brandVersion } from '../core/brand';
import { Duration } from '../core/duration';
import { describeKind, isDate, isRecord, valueText } from '../core/entry';
import { Problem } from '../core/errors';
import { dnsLabelProblem, TEXT_LIMITS } from '../core/names';
import { Port, Protocol } from '../core/port';
import { Sensitivity } from '../core/sensitivity';
import { article } from '../model/args';
import { BreakGlass } from '../model/break-glass';
import { Cluster } from '../model/cluster';
import { DomainBoundary } from '../model/domain';
import { External } from '../model/external';
import { ManagedService } from '../model/managed-service';
import { Network } from '../model/network';
import { FlowStatement } from '../model/peer';
import { SensitiveTier } from '../model/tier';
import { EnforcementMode, Topology } from '../model/topology';
import { VmFleet } from '../model/vm';
import { Workload } from '../model/workload';
import { LAYERS } from '../core/layers';

/** The result of {@link checkInput}. */
export interface InputCheck {
  /** Every problem found (errors only); empty when the input is well-formed. */
  readonly problems: readonly Problem[];
  /** The time that decides which BreakGlass grants are in force. @default - none: the time given is invalid (a problem says why) */
  readonly now?: Date;
}

/** Names of the branded constructs and values, for the check of values of another copy. */
const BRANDS: readonly string[] = ['Topology', 'Cluster', 'External', 'Workload', 'SensitiveTier', 'DomainBoundary', 'BreakGlass', 'Network', 'VmFleet', 'ManagedService', 'Port', 'Duration', 'Cidr'];

/** Marks a problem that has no offending value to show. */
const NO_VALUE = Symbol('no value');

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Checks the kind of every prop and argument of a declaration, and the time the plan is built
 * at (`now`, or the topology's clock). Returns every problem; throws nothing.
 */
export function checkInput(topology: Topology, now?: unknown): InputCheck {
  return new InputChecker(topology).run(now);
}

class InputChecker {
  private readonly problems: Problem[] = [];

  constructor(private readonly topology: Topology) {}

  public run(now: unknown): InputCheck {
    const t = this.topology;
    if (!Topology.isTopology(t)) {
      this.error('BH-INPUT-TYPE', '(root)', 'the declaration to plan is not a Topology', t, "pass the Topology: synthesize(topology), where topology = new Topology(app, 'shop', { ... })");
      return { problems: this.problems };
    }
    const when = this.now(now);
    this.checkTopology(t);
    for (const c of t.node.findAll()) {
      if (c === t) continue;
      if (this.foreignCopy(c, pathOf(c))) continue;
      if (Cluster.isCluster(c)) this.checkCluster(c);
      else if (External.isExternal(c)) this.checkExternal(c);
      else if (Workload.isWorkload(c)) this.checkWorkload(c);
      else if (SensitiveTier.isSensitiveTier(c)) this.checkTier(c);
      else if (DomainBoundary.isDomainBoundary(c)) this.checkDomain(c);
      else if (BreakGlass.isBreakGlass(c)) this.checkBreakGlass(c);
      else if (Network.isNetwork(c)) this.checkNetwork(c);
      else if (VmFleet.isVmFleet(c)) this.checkVm(c);
      else if (ManagedService.isManagedService(c)) this.checkManagedService(c);
    }
    for (const s of t.flows) this.checkFlow(s);
    return { problems: this.problems, now: when };
  }

  // ---------------------------------------------------------------- time
  private now(now: unknown): Date | undefined {
    const t = this.topology;
    if (now !== undefined) {
      if (!isDate(now) || Number.isNaN(now.getTime())) {
        this.error('BH-NOW', pathOf(t), 'the time to synthesize at (now) is not a valid Date', now, "pass a valid Date, such as new Date('2026-11-22T21:00:00Z'), or leave now out to use the topology's clock");
        return undefined;
      }
      return now;
    }
    const clock = isRecord(t.props) ? t.props.clock : undefined;
    if (clock !== undefined && typeof clock !== 'function') {
      this.error('BH-CLOCK', pathOf(t), 'the clock is not a function', clock, 'pass a function that returns the current time, such as clock: () => new Date(\'2026-11-22T21:00:00Z\')');
      return undefined;
    }
    let value: unknown;
    try {
      value = t.now();
    } catch (e) {
      this.error('BH-CLOCK', pathOf(t), `the clock threw an error: ${e instanceof Error ? e.message : String(e)}`, NO_VALUE, 'make the clock return the current time as a Date');
      return undefined;
    }
    if (!isDate(value)) {
      this.error('BH-CLOCK', pathOf(t), 'the clock did not return a Date', value, "return a Date, such as () => new Date('2026-11-22T21:00:00Z') (a string or a number of milliseconds is not read as a time)");
      return undefined;
    }
    if (Number.isNaN(value.getTime())) {
      // An invalid Date compares false with every expiry: expired grants would stay in force.
      this.error('BH-CLOCK', pathOf(t), 'the clock returned an invalid Date, which would keep every expired BreakGlass grant in force', value, 'return a valid Date; check the text or number it is built from');
      return undefined;
    }
    return value;
  }

  // ---------------------------------------------------------------- constructs
  private checkTopology(t: Topology): void {
    const where = pathOf(t);
    const p = this.props(t, t.props, 'Topology', "new Topology(app, 'shop', { trustDomain: 'prod.shop.example.com' })");
    if (!p) return;
    this.text(where, 'trustDomain', p.trustDomain, { example: "'prod.shop.example.com'" });
    this.oneOf(where, 'mode', p.mode, Object.values(EnforcementMode), 'EnforcementMode.ENFORCE or EnforcementMode.AUDIT');
    this.text(where, 'environment', p.environment, { optional: true, example: "'prod'" });
    this.bool(where, 'strict', p.strict);
    if (p.platform !== undefined) {
      if (!isRecord(p.platform)) {
        this.kind(where, 'platform', p.platform, 'an object', '{ dns: { namespace: ..., selector: { ... } } }');
      } else {
        for (const key of ['dns', 'meshControlPlane', 'metricsScraper'] as const) {
          const s: unknown = p.platform[key];
          if (s === undefined) continue;
          const field = `platform.${key}`;
          if (!isRecord(s)) {
            this.kind(where, field, s, 'an object', "{ namespace: 'kube-system', selector: { 'k8s-app': 'kube-dns' } }");
            continue;
          }
          this.text(where, `${field}.namespace`, s.namespace, { example: "'kube-system'" });
          this.selector(where, `${field}.selector`, s.selector, false);
          if (isRecord(s.selector) && Object.keys(s.selector).length === 0) {
            this.error('BH-SELECTOR-EMPTY', where, `the selector of ${field} is empty: the platform flow would reach every pod of its namespace`, s.selector, "give the service's pod labels, such as { 'k8s-app': 'kube-dns' }");
          }
          this.text(where, `${field}.serviceAccount`, s.serviceAccount, { optional: true, example: "'coredns'" });
        }
      }
    }
  }

  private checkCluster(c: Cluster): void {
    const where = pathOf(c);
    const p = this.props(c, c.props, 'Cluster', "new Cluster(topology, 'eks', { cloud: 'aws' })");
    if (!p) return;
    this.text(where, 'name', p.name, { optional: true, example: "'eks-prod'" });
    this.text(where, 'cloud', p.cloud, { example: "'aws'" });
    this.text(where, 'region', p.region, { optional: true, example: "'eu-west-1'" });
    this.textList(where, 'podCidrs', p.podCidrs, "['10.1.0.0/16']");
    this.textList(where, 'nodeCidrs', p.nodeCidrs, "['10.0.0.0/20']");
    this.textList(where, 'apiServerCidrs', p.apiServerCidrs, "['172.20.0.1/32']");
    if (p.layers !== undefined) {
      if (!Array.isArray(p.layers)) {
        this.kind(where, 'layers', p.layers, 'a list of layer names', "['kubernetes']");
      } else if (p.layers.length === 0) {
        this.error('BH-LAYERS-EMPTY', where, 'the cluster runs no layer, so nothing would enforce its segmentation', [], `list the layers the cluster runs, at least 'kubernetes' (NetworkPolicy): some of ${LAYERS.join(', ')}`);
      } else {
        for (const l of p.layers as unknown[]) {
          if (typeof l !== 'string' || !LAYERS.includes(l as never)) this.error('BH-LAYER', where, 'unknown layer', l, `use some of ${LAYERS.join(', ')}`);
        }
      }
    }
    this.text(where, 'trustDomain', p.trustDomain, { optional: true, example: "'prod.example.com'" });
    this.text(where, 'ciliumClusterName', p.ciliumClusterName, { optional: true, example: "'eks-prod'" });
    if (typeof p.ciliumClusterName === 'string') {
      // Written into every cluster-aware Cilium selector (io.cilium.k8s.policy.cluster): an
      // empty or invalid name would select no pod, or the pods of no cluster. Cilium's own
      // rule for cluster names: at most 32 lowercase letters, digits and '-'.
      const problem = p.ciliumClusterName.length > 32 ? `it is ${p.ciliumClusterName.length} characters long; Cilium allows at most 32` : dnsLabelProblem(p.ciliumClusterName);
      if (problem) this.error('BH-NAME', where, `the Cilium cluster name is not a valid cluster name: ${problem}`, p.ciliumClusterName, "use at most 32 lowercase letters, digits and '-', the name the cluster's Cilium runs with (cluster.name)");
    }
    this.text(where, 'istioRootNamespace', p.istioRootNamespace, { optional: true, example: "'istio-system'" });
    if (p.network !== undefined) this.network(where, p.network);
  }

  // ---------------------------------------------------------------- cloud
  private checkNetwork(n: Network): void {
    const where = pathOf(n);
    const p = this.props(n, n.props, 'Network', "new Network(topology, 'prod-vpc', { account: '123456789012', region: 'eu-west-1', vpcId: 'vpc-0a1b2c3d4e5f67890', cidrs: ['10.0.0.0/16'] })");
    if (!p) return;
    this.text(where, 'name', p.name, { optional: true, example: "'prod-vpc'" });
    this.text(where, 'cloud', p.cloud, { optional: true, example: "'aws'" });
    this.text(where, 'account', p.account, { example: "'123456789012' (a string of 12 digits: a number loses leading zeros)" });
    this.text(where, 'region', p.region, { example: "'eu-west-1'" });
    this.text(where, 'vpcId', p.vpcId, { example: "'vpc-0a1b2c3d4e5f67890'" });
    if (p.cidrs === undefined) this.kind(where, 'cidrs', p.cidrs, 'a list of strings', "['10.0.0.0/16']");
    else this.textList(where, 'cidrs', p.cidrs, "['10.0.0.0/16']");
    if (p.platform !== undefined) {
      if (!isRecord(p.platform)) {
        this.kind(where, 'platform', p.platform, 'an object', '{ dns: true, ntp: true, imds: true }');
      } else {
        for (const key of ['dns', 'ntp'] as const) {
          const v: unknown = p.platform[key];
          if (v === undefined || typeof v === 'boolean') continue;
          if (!isRecord(v)) {
            this.kind(where, `platform.${key}`, v, 'true, false or an object of cidrs', `${key}: true, or ${key}: { cidrs: ['10.0.0.10/32'] }`);
            continue;
          }
          if (v.cidrs === undefined) this.kind(where, `platform.${key}.cidrs`, v.cidrs, 'a list of strings', "['10.0.0.10/32']");
          else this.textList(where, `platform.${key}.cidrs`, v.cidrs, "['10.0.0.10/32']");
        }
        this.bool(where, 'platform.imds', p.platform.imds);
      }
    }
    if (p.quotas !== undefined) {
      if (!isRecord(p.quotas)) {
        this.kind(where, 'quotas', p.quotas, 'an object', '{ inboundRulesPerGroup: 60, outboundRulesPerGroup: 60, groupsPerInterface: 5 }');
      } else {
        for (const key of ['inboundRulesPerGroup', 'outboundRulesPerGroup', 'groupsPerInterface'] as const) {
          const v: unknown = p.quotas[key];
          if (v !== undefined && typeof v !== 'number') this.kind(where, `quotas.${key}`, v, 'a number', key === 'groupsPerInterface' ? '5' : '60');
        }
      }
    }
    n.links.forEach((l, i) => {
      if (this.foreignCopy(l.peer, where)) return;
      if (!Network.isNetwork(l.peer)) this.kind(where, `links[${i}]`, l.peer, 'a Network', `the other Network: ${n.node.id}.${l.kind === 'peering' ? 'peerWith' : 'linkViaTransitGateway'}(otherVpc)`);
    });
  }

  private checkVm(v: VmFleet): void {
    const where = pathOf(v);
    const p = this.props(v, v.props, 'VmFleet', "new VmFleet(topology, 'erp', { network: prodVpc, subnetCidrs: ['10.0.32.0/20'] })");
    if (!p) return;
    this.cloudWorkload(where, p, 'erp');
    const id: unknown = p.identity;
    if (id === undefined || id === false) return;
    if (!isRecord(id)) {
      this.kind(where, 'identity', id, 'an object or false', "{ serviceAccount: 'erp' }, or false for instances without a SPIRE agent");
      return;
    }
    this.text(where, 'identity.namespace', id.namespace, { optional: true, example: "'erp'" });
    this.text(where, 'identity.serviceAccount', id.serviceAccount, { optional: true, example: "'erp'" });
    if (id.spireCluster !== undefined && !this.foreignCopy(id.spireCluster, where) && !Cluster.isCluster(id.spireCluster)) {
      this.kind(where, 'identity.spireCluster', id.spireCluster, 'a Cluster', 'the Cluster whose SPIRE server holds the entries: { spireCluster: eks }');
    }
    this.textList(where, 'identity.nodeSelectors', id.nodeSelectors, "['tag:app:erp']");
    this.textList(where, 'identity.workloadSelectors', id.workloadSelectors, "['unix:user:erp']");
  }

  private checkManagedService(m: ManagedService): void {
    const where = pathOf(m);
    const p = this.props(m, m.props, 'ManagedService', "new ManagedService(topology, 'orders-db', { network: prodVpc, service: 'rds', subnetCidrs: ['10.0.64.0/24'], ports: { postgres: Port.POSTGRES } })");
    if (!p) return;
    this.text(where, 'service', p.service, { example: "'rds'" });
    if (p.ports === undefined) this.kind(where, 'ports', p.ports, 'an object of named ports', '{ postgres: Port.POSTGRES }');
    this.cloudWorkload(where, p, 'orders-db');
  }

  /** The props VM fleets and managed services share. */
  private cloudWorkload(where: string, p: Record<string, unknown>, name: string): void {
    this.network(where, p.network);
    this.text(where, 'name', p.name, { optional: true, example: `'${name}'` });
    if (p.subnetCidrs === undefined) this.kind(where, 'subnetCidrs', p.subnetCidrs, 'a list of strings', "['10.0.32.0/20']");
    else this.textList(where, 'subnetCidrs', p.subnetCidrs, "['10.0.32.0/20']");
    this.namedPorts(where, p.ports);
    this.selector(where, 'tags', p.tags, true);
    this.tier(where, p.tier);
    this.adopted(where, 'securityGroup', p.securityGroup);
  }

  private network(where: string, n: unknown): void {
    if (this.foreignCopy(n, where) || Network.isNetwork(n)) return;
    this.kind(where, 'network', n, 'a Network', "the Network it lives in: { network: prodVpc }, where prodVpc = new Network(topology, 'prod-vpc', { ... })");
  }

  private adopted(where: string, field: string, v: unknown): void {
    if (v === undefined) return;
    if (!isRecord(v)) {
      this.kind(where, field, v, 'an object', "{ adoptId: 'sg-0123456789abcdef0' }");
      return;
    }
    this.text(where, `${field}.adoptId`, v.adoptId, { example: "'sg-0123456789abcdef0'" });
  }

  private checkExternal(e: External): void {
    const where = pathOf(e);
    const p = this.props(e, e.props, 'External', "new External(topology, 'stripe', { fqdns: ['api.stripe.com'] })");
    if (!p) return;
    this.text(where, 'name', p.name, { optional: true, example: "'stripe'" });
    this.textList(where, 'fqdns', p.fqdns, "['api.stripe.com']");
    this.textList(where, 'cidrs', p.cidrs, "['203.0.113.0/24']");
    this.textList(where, 'except', p.except, "['203.0.113.128/25']");
  }

  private checkWorkload(w: Workload): void {
    const where = pathOf(w);
    const p = this.props(w, w.props, 'Workload', "new Workload(topology, 'web', { cluster: eks, namespace: 'shop' })");
    if (!p) return;
    if (!this.foreignCopy(p.cluster, where) && !Cluster.isCluster(p.cluster)) {
      this.kind(where, 'cluster', p.cluster, 'a Cluster', "the Cluster it runs in: { cluster: eks }, where eks = new Cluster(topology, 'eks', { cloud: 'aws' })");
    }
    this.text(where, 'namespace', p.namespace, { example: "'shop'" });
    this.text(where, 'name', p.name, { optional: true, example: "'web'" });
    this.text(where, 'serviceAccount', p.serviceAccount, { optional: true, example: "'web'" });
    this.selector(where, 'selector', p.selector, true);
    this.namedPorts(where, p.ports);
    this.tier(where, p.tier);
    if (p.securityGroup !== undefined && typeof p.securityGroup !== 'boolean') this.adopted(where, 'securityGroup', p.securityGroup);
  }

  private namedPorts(where: string, ports: unknown): void {
    if (ports === undefined) return;
    if (!isRecord(ports)) {
      this.kind(where, 'ports', ports, 'an object of named ports', '{ grpc: Port.tcp(9090) }');
      return;
    }
    for (const [name, port] of Object.entries(ports)) {
      if (this.foreignCopy(port, where)) continue;
      if (!Port.isPort(port)) {
        this.error('BH-PORT', where, `port '${name}' is not a Port`, port, 'use Port.tcp(9090) or similar');
      } else {
        this.portValue(where, `ports.${name}`, port);
      }
    }
  }

  private checkTier(t: SensitiveTier): void {
    const where = pathOf(t);
    const p = this.props(t, t.props, 'SensitiveTier', "new SensitiveTier(topology, 'payments', { level: Sensitivity.HIGHLY_SENSITIVE })");
    if (!p) return;
    const levels: unknown[] = Object.values(Sensitivity);
    if (!levels.includes(p.level)) this.error('BH-TIER-LEVEL', where, 'unknown sensitivity level', p.level, `use one of ${Object.values(Sensitivity).join(', ')}`);
    this.text(where, 'name', p.name, { optional: true, example: "'payments'" });
    this.duration(where, 'maxSvidTtl', p.maxSvidTtl, true);
    this.duration(where, 'maxBreakGlassWindow', p.maxBreakGlassWindow, true);
    if (p.minApprovers !== undefined && typeof p.minApprovers !== 'number') this.kind(where, 'minApprovers', p.minApprovers, 'a number', '2');
    this.bool(where, 'auditLogging', p.auditLogging);
    this.bool(where, 'mutualAuth', p.mutualAuth);
  }

  private checkDomain(d: DomainBoundary): void {
    const where = pathOf(d);
    // Props of a domain are optional: undefined is none.
    const p = d.props === undefined ? {} : this.props(d, d.props, 'DomainBoundary', "new DomainBoundary(topology, 'payments', { tier })");
    if (p) {
      this.text(where, 'name', p.name, { optional: true, example: "'payments'" });
      this.text(where, 'description', p.description, { optional: true, example: "'card payments'" });
      this.tier(where, p.tier);
    }
    for (const x of d.exports) {
      const at = `${where} (export ${isConstruct(x.workload) ? x.workload.node.id : valueText(x.workload)})`;
      this.foreignCopy(x.workload, at);
      this.ports(at, x.ports);
      if (x.options !== undefined && !isRecord(x.options)) {
        this.kind(at, 'options', x.options, 'an object', "{ http: { paths: ['/api/*'] } }");
        continue;
      }
      this.http(at, 'http', x.options?.http);
    }
  }

  private checkFlow(s: FlowStatement): void {
    const at = `${s.path} (${peerName(s.source)} -> ${peerName(s.destination)})`;
    for (const [role, peer] of [['source', s.source], ['destination', s.destination]] as const) {
      if (this.foreignCopy(peer, at) || Workload.isWorkload(peer) || External.isExternal(peer) || VmFleet.isVmFleet(peer) || ManagedService.isManagedService(peer)) continue;
      this.error('BH-UNDECLARED-PEER', at, `the flow's ${role} is neither a Workload, an External, a VmFleet nor a ManagedService`, peer, 'pass a Workload, an External, a VmFleet or a ManagedService');
    }
    this.ports(at, s.ports);
    if (s.options === undefined) return;
    if (!isRecord(s.options)) {
      this.kind(at, 'options', s.options, 'an object', "{ http: { methods: ['GET'] }, justification: '...' }");
      return;
    }
    this.http(at, 'http', s.options.http);
    this.text(at, 'justification', s.options.justification, { optional: true, limit: TEXT_LIMITS.justification, example: "'checkout needs the card vault'" });
  }

  private checkBreakGlass(bg: BreakGlass): void {
    const where = pathOf(bg);
    const p = this.props(bg, bg.props, 'BreakGlass', "new BreakGlass(topology, 'db-oncall', { from: [oncall], to: [db], ports: Port.POSTGRES, start: '2026-11-22T20:00:00Z', duration: Duration.hours(1), reason: '...', approvers: ['alice'] })");
    if (!p) return;
    this.text(where, 'name', p.name, { optional: true, example: "'db-oncall'" });
    for (const field of ['from', 'to'] as const) {
      const list: unknown = p[field];
      if (!Array.isArray(list)) {
        this.kind(where, field, list, 'a list', `${field}: [${field === 'from' ? 'oncall' : 'db'}] (a list, also for one ${field === 'from' ? 'identity' : 'destination'})`);
        continue;
      }
      for (const x of list) this.foreignCopy(x, where);
    }
    this.text(where, 'group', p.group, { optional: true, limit: TEXT_LIMITS.group, example: "'sre-oncall'" });
    const ports: unknown = p.ports;
    if (ports === undefined || ports === null) {
      this.kind(where, 'ports', ports, 'a Port or a list of Ports', 'Port.POSTGRES');
    } else {
      this.ports(where, Array.isArray(ports) ? ports : [ports]);
    }
    const start = this.start(where, p.start);
    const duration = this.duration(where, 'duration', p.duration, false);
    if (start && duration && Number.isNaN(new Date(start.getTime() + duration.totalSeconds * 1000).getTime())) {
      this.error('BH-BG-START', where, 'the window ends after the last date JavaScript can represent', start.toISOString(), 'use a start within this century');
    }
    this.text(where, 'reason', p.reason, { limit: TEXT_LIMITS.reason, example: "'restore a corrupted ledger row'" });
    this.text(where, 'ticket', p.ticket, { optional: true, limit: TEXT_LIMITS.ticket, example: "'INC-4711'" });
    const approvers: unknown = p.approvers;
    if (!Array.isArray(approvers)) {
      this.kind(where, 'approvers', approvers, 'a list of names', "['alice', 'bob']");
    } else {
      if (approvers.length > TEXT_LIMITS.approvers) {
        this.error('BH-TEXT-LIMIT', where, `a BreakGlass grant may list at most ${TEXT_LIMITS.approvers} approvers (they are written into an annotation)`, `${approvers.length} approvers`, 'list the approvers who actually approved this grant');
      }
      approvers.forEach((a: unknown, i) => this.text(where, `approvers[${i}]`, a, { limit: TEXT_LIMITS.approver, example: "'alice'" }));
    }
  }

  private start(where: string, start: unknown): Date | undefined {
    const fix = "use a Date or an RFC 3339 string such as '2026-11-22T20:00:00Z'";
    if (isDate(start)) {
      if (Number.isNaN(start.getTime())) {
        this.error('BH-BG-START', where, 'the start is not a valid date', start, fix);
        return undefined;
      }
      return start;
    }
    if (typeof start !== 'string') {
      this.error('BH-BG-START', where, 'the start is not a valid date: it must be a Date or an RFC 3339 string', start, fix);
      return undefined;
    }
    const d = new Date(start);
    if (Number.isNaN(d.getTime())) {
      this.error('BH-BG-START', where, 'the start is not a valid date', start, fix);
      return undefined;
    }
    if (!RFC3339.test(start.trim())) {
      // `new Date('2026-11-22 20:00')` reads the machine's local time zone: the window would
      // move with the machine that synthesizes.
      this.error('BH-BG-START', where, 'the start is not a valid date in RFC 3339 form with a time zone: it would be read in the time zone of the machine that synthesizes', start, fix);
      return undefined;
    }
    return d;
  }

  // ---------------------------------------------------------------- values
  private tier(where: string, tier: unknown): void {
    if (tier === undefined || this.foreignCopy(tier, where)) return;
    if (!SensitiveTier.isSensitiveTier(tier)) {
      // Today's alternative: silently the implicit internal tier.
      this.error('BH-TIER-TYPE', where, 'the tier is not a SensitiveTier', tier, `declare the tier and pass it: const t = new SensitiveTier(topology, 'payments', { level: Sensitivity.HIGHLY_SENSITIVE }); then { tier: t } (levels: ${Object.values(Sensitivity).join(', ')})`);
    }
  }

  private ports(where: string, ports: readonly unknown[]): void {
    ports.forEach((p, i) => {
      // Values that are no Port are reported by the planner (BH-PORT), with the flow's context.
      if (!this.foreignCopy(p, where) && Port.isPort(p)) this.portValue(where, `ports[${i}]`, p);
    });
  }

  /** A Port whose fields were changed after construction, or made by a cast. */
  private portValue(where: string, field: string, p: Port): void {
    const protocols: unknown[] = Object.values(Protocol);
    const num = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535;
    const ok = protocols.includes(p.protocol) && (p.name !== undefined
      ? typeof p.name === 'string' && p.from === undefined
      : num(p.from) && (p.to === undefined || (num(p.to) && (p.to as number) >= (p.from as number))));
    if (!ok) {
      this.error('BH-PORT', where, `${field} is not a valid Port (its protocol or numbers were changed after it was made)`, { protocol: p.protocol, from: p.from, to: p.to, name: p.name }, 'make the port with a factory, such as Port.tcp(443), Port.tcpRange(8000, 8100) or Port.named(\'grpc\')');
    }
  }

  private duration(where: string, field: string, d: unknown, optional: boolean): Duration | undefined {
    if (d === undefined && optional) return undefined;
    if (this.foreignCopy(d, where)) return undefined;
    if (!Duration.isDuration(d)) {
      this.kind(where, field, d, 'a Duration', 'Duration.hours(1)');
      return undefined;
    }
    const s = d.totalSeconds;
    if (typeof s !== 'number' || !Number.isInteger(s) || s <= 0 || s > Duration.MAX_SECONDS) {
      this.error('BH-DURATION', where, `${field} is not a valid Duration: a positive whole number of seconds, at most 365 days`, s, 'make it with a factory, such as Duration.hours(1)');
      return undefined;
    }
    return d;
  }

  private http(where: string, field: string, http: unknown): void {
    if (http === undefined) return;
    const example = "{ methods: ['GET'], paths: ['/api/*'] }";
    const list: unknown[] = Array.isArray(http) ? http : [http];
    list.forEach((h, i) => {
      const name = Array.isArray(http) ? `${field}[${i}]` : field;
      if (!isRecord(h)) {
        this.kind(where, name, h, 'an HTTP match object', `${example} (leave http out for no L7 constraint)`);
        return;
      }
      this.textList(where, `${name}.methods`, h.methods, "['GET', 'POST']");
      this.textList(where, `${name}.paths`, h.paths, "['/api/*']");
    });
  }

  private selector(where: string, field: string, selector: unknown, optional: boolean): void {
    if (selector === undefined && optional) return;
    if (!isRecord(selector)) {
      this.kind(where, field, selector, 'an object of label names and values', "{ app: 'web' }");
      return;
    }
    for (const [k, v] of Object.entries(selector)) {
      if (typeof v !== 'string') this.kind(where, `${field}['${k}']`, v, 'a string (a label value)', `'${k === 'app' ? 'web' : 'value'}'`);
    }
  }

  // ---------------------------------------------------------------- kinds
  private props(c: IConstruct, props: unknown, kind: string, example: string): Record<string, unknown> | undefined {
    if (isRecord(props)) return props;
    this.error('BH-INPUT-PROPS', pathOf(c), `the props of ${article(kind)} must be an object`, props, `pass an object: ${example}`);
    return undefined;
  }

  private text(where: string, field: string, v: unknown, o: { optional?: boolean; limit?: number; example: string }): void {
    if (v === undefined && o.optional) return;
    if (typeof v !== 'string') {
      this.kind(where, field, v, 'a string', o.example);
      return;
    }
    if (o.limit !== undefined && Buffer.byteLength(v, 'utf8') > o.limit) {
      this.error('BH-TEXT-LIMIT', where, `${field} is ${Buffer.byteLength(v, 'utf8')} bytes long; it is written into an annotation and may be at most ${o.limit} bytes (Kubernetes allows 256 KiB of annotations per object)`, v, `shorten it to at most ${o.limit} bytes: put the details in the ticket or incident, and a link here`);
    }
  }

  private textList(where: string, field: string, v: unknown, example: string): void {
    if (v === undefined) return;
    if (!Array.isArray(v)) {
      this.kind(where, field, v, 'a list of strings', `${example}${typeof v === 'string' ? ` (a list, also for one value: [${JSON.stringify(v)}])` : ''}`);
      return;
    }
    v.forEach((x: unknown, i) => {
      if (typeof x !== 'string') this.kind(where, `${field}[${i}]`, x, 'a string', example);
    });
  }

  private bool(where: string, field: string, v: unknown): void {
    if (v === undefined || typeof v === 'boolean') return;
    // A string such as 'no' or 'false' is truthy: it would turn the control on (or off) silently.
    this.kind(where, field, v, 'true or false', typeof v === 'string' && /^(false|no|off|0)$/i.test(v.trim()) ? 'false (the boolean, not a string)' : 'true or false (a boolean, not a string)');
  }

  private oneOf(where: string, field: string, v: unknown, allowed: readonly unknown[], fix: string): void {
    if (v === undefined || allowed.includes(v)) return;
    this.kind(where, field, v, `one of ${allowed.map((x) => JSON.stringify(x)).join(', ')}`, fix);
  }

  private kind(where: string, field: string, v: unknown, expected: string, example: string): void {
    this.error('BH-INPUT-TYPE', where, `${field} must be ${expected}, not ${describeKind(v)}`, v, `write ${field.replace(/\[.*$/, '')}: ${example}`);
  }

  /**
   * A construct or value of another copy of Bulkhead that this copy cannot read: branded at
   * another shape version, or a look-alike from a copy that predates brands. Reported once per
   * place; true when the value was reported.
   */
  private foreignCopy(x: unknown, where: string): boolean {
    if ((typeof x !== 'object' && typeof x !== 'function') || x === null) return false;
    let foreign: [string, number] | undefined;
    for (const name of BRANDS) {
      const v = brandVersion(x, name);
      if (v === BRAND_VERSION) return false; // one of this copy's own
      if (v !== undefined) foreign = [name, v];
    }
    if (foreign) {
      const [name, v] = foreign;
      this.error('BH-FOREIGN-COPY', where, `this ${name} comes from another copy of Bulkhead, whose ${name} has shape version ${v}; this copy reads version ${BRAND_VERSION} and cannot use it`, valueText(x), 'load one copy of bulkhead: make every import resolve to the same installed package (npm ls bulkhead; npm dedupe), and run the CLI of that package (npx bulkhead)');
      return true;
    }
    const ctor = (x as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof ctor === 'string' && BRANDS.includes(ctor) && ('props' in x || 'protocol' in x || 'totalSeconds' in x || 'prefix' in x)) {
      this.error('BH-FOREIGN-COPY', where, `this ${ctor} comes from another copy of Bulkhead that marks no ${ctor} as its own (an older version): this copy cannot recognise it`, valueText(x), 'load one copy of bulkhead, at one version: make every import resolve to the same installed package (npm ls bulkhead; npm dedupe)');
      return true;
    }
    return false;
  }

  private error(code: string, path: string, message: string, value: unknown, fix: string): void {
    this.problems.push({ severity: 'error', code, path, message, ...(value === NO_VALUE ? {} : { value: valueText(value) }), fix });
  }
}

function pathOf(c: IConstruct): string {
  return c.node.path || '(root)';
}

function isConstruct(x: unknown): x is IConstruct {
  return typeof x === 'object' && x !== null && typeof (x as IConstruct).node === 'object' && (x as IConstruct).node !== null && typeof (x as IConstruct).node.path === 'string';
}

function peerName(x: unknown): string {
  return isConstruct(x) && typeof (x as { peerName?: unknown }).peerName === 'string' ? (x as unknown as { peerName: string }).peerName : valueText(x);
}

