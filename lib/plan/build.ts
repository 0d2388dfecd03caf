/**
 * Declaration → plan. Validates the whole declaration (every problem at once, each with its
 * construct path, value and fix), then normalizes it: sorted, de-duplicated, named ports
 * resolved, both directions of every flow explicit, platform flows added, BreakGlass grants
 * in force expanded into flows.
 */
import { IConstruct } from 'constructs';
import { hasBrand } from '../core/brand';
import { BulkheadError, cmp, Problem, show, sortProblems } from '../core/errors';
import { Cidr } from '../core/cidr';
import { dnsLabelProblem, dnsSubdomainProblem, labelKeyProblem, labelValueProblem, LABELS } from '../core/names';
import { Port, Protocol } from '../core/port';
import { defaultControls, InternetEgress, Sensitivity, sensitivityRank, TierControls } from '../core/sensitivity';
import { TrustDomain } from '../core/identity';
import { shortHash } from '../core/hash';
import { BreakGlass } from '../model/break-glass';
import { Cluster } from '../model/cluster';
import { DomainBoundary } from '../model/domain';
import { External } from '../model/external';
import { FlowStatement, HttpMatch, IPeer } from '../model/peer';
import { SensitiveTier } from '../model/tier';
import { PlatformService, Topology } from '../model/topology';
import { Workload } from '../model/workload';
import {
  FlowOrigin, Plan, PlanBreakGlass, PlanCluster, PlanEdge, PlanEndpointRef, PlanExternal, PlanFlow,
  PlanHttpRule, PlanNamedPort, PlanPlatformEndpoint, PlanPort, PlanTier, PlanWorkload,
} from './types';
import { LAYERS } from '../core/layers';
import { mergePorts } from './ports';
import { addressSet, AddressSet, checkAddressOverlaps } from './checks/addresses';
import { checkHttpProtocol } from './checks/http';
import { checkSharedIdentities } from './checks/identity';
import { checkWorkloadNamespace, platformNamespaces, PlatformNamespaces } from './checks/namespaces';
import { checkReservedKeys, checkSelectorOverlaps } from './checks/selectors';
import { checkInput } from './input';

export { mergePorts };

/** Port of the Istio control plane (xDS and CA) that every sidecar dials. */
export const MESH_CONTROL_PLANE_PORT = 15012;

const DEFAULT_DNS: Required<PlatformService> = { namespace: 'kube-system', selector: { 'k8s-app': 'kube-dns' }, serviceAccount: 'coredns' };
const DEFAULT_MESH: Required<PlatformService> = { namespace: 'istio-system', selector: { app: 'istiod' }, serviceAccount: 'istiod' };
const HTTP_METHOD = /^[A-Z]+$/;
const FQDN = /^(\*\.)?([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Collects problems while the declaration is read. */
class Problems {
  public readonly list: Problem[] = [];
  // Some checks run once per use rather than once per declaration (a platform service is
  // checked for every cluster, a domain export for every flow into it): report each distinct
  // problem once, so that the error lists every mistake exactly once.
  private readonly seen = new Set<string>();
  public error(code: string, where: IConstruct | string, message: string, value: unknown, fix: string): void {
    this.push({ severity: 'error', code, path: pathOf(where), message, value: value === undefined ? undefined : show(value), fix });
  }
  public warn(code: string, where: IConstruct | string, message: string, value: unknown, fix: string): void {
    this.push({ severity: 'warning', code, path: pathOf(where), message, value: value === undefined ? undefined : show(value), fix });
  }
  private push(p: Problem): void {
    const key = JSON.stringify([p.severity, p.code, p.path, p.message, p.value ?? null, p.fix]);
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.list.push(p);
  }
  /** Runs a value-type factory, turning its error into a problem at `where`. */
  public value<T>(where: IConstruct | string, f: () => T): T | undefined {
    try {
      return f();
    } catch (e) {
      if (BulkheadError.isBulkheadError(e)) {
        for (const p of e.problems) this.push({ ...p, path: `${pathOf(where)} (${p.path})` });
        return undefined;
      }
      throw e;
    }
  }
  public get hasErrors(): boolean {
    return this.list.some((p) => p.severity === 'error');
  }
}

function pathOf(where: IConstruct | string): string {
  return typeof where === 'string' ? where : where.node.path || '(root)';
}

const byPath = (a: IConstruct, b: IConstruct) => cmp(a.node.path, b.node.path);

/** Options of {@link buildPlan}. */
export interface BuildPlanOptions {
  /**
   * The time that decides which BreakGlass grants are in force.
   * @default - the topology's clock
   */
  readonly now?: Date;
}

/**
 * Validates a topology and builds its plan. Throws a {@link BulkheadError} listing every
 * error (and the warnings) when the declaration is invalid; nothing is rendered then.
 */
export function buildPlan(topology: Topology, options: BuildPlanOptions = {}): Plan {
  const { plan, problems } = planWithProblems(topology, options);
  if (problems.some((p) => p.severity === 'error')) throw new BulkheadError(problems);
  return plan;
}

/** What {@link planWithProblems} returns. */
export interface PlanWithProblems {
  /**
   * The plan of what resolved. When `problems` holds errors it is partial: the entities and
   * flows with an error are left out, and of two entities with one name only the first is kept.
   */
  readonly plan: Plan;
  /** Every error and warning of the declaration, sorted (the plan's `warnings` are its warnings). */
  readonly problems: readonly Problem[];
}

/**
 * Validates a topology and builds the plan of what resolved, without throwing on errors, so
 * that later checks (each layer's own constraints) can report their problems together with
 * the declaration's in one run. Never render a plan whose problems hold errors.
 */
export function planWithProblems(topology: Topology, options: BuildPlanOptions = {}): PlanWithProblems {
  // Ill-typed input (plain JavaScript, casts) is reported first, every problem at once: the
  // planner below reads the declaration as typed.
  const input = checkInput(topology, (options ?? {}).now);
  if (input.problems.length > 0 || !input.now) throw new BulkheadError(input.problems);
  return new Planner(topology, input.now).build();
}

interface ResolvedWorkload {
  readonly construct: Workload;
  readonly plan: Omit<PlanWorkload, 'calls' | 'calledBy'>;
  readonly controls: TierControls;
  readonly domain?: DomainBoundary;
}

interface ResolvedExport {
  readonly workload: Workload;
  readonly ports: readonly PlanPort[];
  readonly http: readonly PlanHttpRule[];
}

interface DraftFlow {
  readonly path: string;
  readonly source: PlanEndpointRef;
  readonly destination: PlanEndpointRef;
  ports: PlanPort[];
  readonly http: PlanHttpRule[];
  readonly origin: FlowOrigin;
  justification?: string;
  readonly breakGlass?: string;
}

class Planner {
  private readonly p = new Problems();
  private readonly all: IConstruct[];
  private readonly clusters = new Map<Cluster, PlanCluster>();
  private readonly workloads = new Map<Workload, ResolvedWorkload>();
  private readonly externals = new Map<External, PlanExternal>();
  private readonly platform: PlanPlatformEndpoint[] = [];
  private readonly exports = new Map<DomainBoundary, ResolvedExport[]>();
  private clustersByName: Map<string, PlanCluster> | undefined;
  private readonly addressSets = new Map<External, AddressSet>();
  private readonly reservedNamespaces = new Map<string, PlatformNamespaces>();

  constructor(private readonly topology: Topology, private readonly now: Date) {
    this.all = topology.node.findAll();
  }

  public build(): PlanWithProblems {
    // One problem for a bad trust domain: the value type's (its fix says what to write), at
    // the topology's path. Reporting a second, generic one made one mistake count twice.
    this.p.value(this.topology, () => TrustDomain.of(this.topology.trustDomain));
    const envProblem = labelValueProblem(this.topology.environment);
    if (envProblem) this.p.error('BH-LABEL-VALUE', this.topology, `the environment name is not a valid label value: ${envProblem}`, this.topology.environment, 'use a short name such as prod');

    this.readTiers();
    this.readClusters();
    this.readExternals();
    this.checkAddressRanges();
    this.readWorkloads();
    this.readDomains();
    const declared = this.readFlows();
    const grants = this.readBreakGlass();
    const partial = this.p.hasErrors;

    const flows = [...this.mergeFlows(declared), ...this.platformFlows(), ...grants.flows].sort((a, b) => cmp(a.id, b.id));
    const workloads = this.edges(flows);
    const problems = sortProblems(this.p.list);
    // A partial plan keeps the first entity of each name (the others are errors already), so
    // that nothing downstream meets two objects of one key.
    const first = <T>(xs: T[], key: (x: T) => string): T[] => {
      if (!partial) return xs;
      const seen = new Set<string>();
      return xs.filter((x) => !seen.has(key(x)) && seen.add(key(x)) !== undefined);
    };
    const plan: Plan = {
      topology: { name: this.topology.node.id, environment: this.topology.environment, trustDomain: this.topology.trustDomain, mode: this.topology.mode },
      clusters: first([...this.clusters.values()], (c) => c.name).sort((a, b) => cmp(a.name, b.name)),
      workloads: first(workloads, (w) => w.key),
      externals: first([...this.externals.values()], (e) => e.key).sort((a, b) => cmp(a.key, b.key)),
      platform: first([...this.platform], (x) => x.key).sort((a, b) => cmp(a.key, b.key)),
      flows: first(flows, (f) => f.id),
      breakGlass: first(grants.grants, (g) => g.name),
      networks: [],
      cloudWorkloads: [],
      warnings: problems.filter((p) => p.severity !== 'error'),
    };
    return { plan, problems };
  }

  private of<T>(cls: abstract new (...args: never[]) => T): T[] {
    // By brand (named after the class) as well as instanceof: constructs of another copy of
    // the library are recognised too.
    return (this.all.filter((c) => c instanceof cls || hasBrand(c, cls.name)) as unknown as (T & IConstruct)[]).sort(byPath);
  }

  // ---------------------------------------------------------------- tiers
  private readTiers(): void {
    const names = new Map<string, SensitiveTier>();
    for (const t of this.of(SensitiveTier)) {
      this.dnsName(t, 'tier name', t.tierName);
      this.unique(names, t.tierName, t, 'BH-DUPLICATE-TIER', 'tier');
      if (!Object.values(Sensitivity).includes(t.level)) {
        this.p.error('BH-TIER-LEVEL', t, 'unknown sensitivity level', t.level, `use one of ${Object.values(Sensitivity).join(', ')}`);
        continue;
      }
      const d = defaultControls(t.level);
      const o = t.props;
      // Each fix names the allowed direction ("at most 15m", "at least 2", "leave it on").
      const loosen = (field: string, value: unknown, allowed: string) =>
        this.p.error('BH-TIER-LOOSEN', t, `the override of ${field} loosens the ${t.level} level's control`, value, `${allowed} (overrides may only tighten a level), or choose a lower level`);
      if (o.maxSvidTtl && o.maxSvidTtl.isLongerThan(d.maxSvidTtl)) loosen('maxSvidTtl', o.maxSvidTtl.toString(), `use at most ${d.maxSvidTtl.toString()}`);
      if (o.maxBreakGlassWindow && o.maxBreakGlassWindow.isLongerThan(d.maxBreakGlassWindow)) loosen('maxBreakGlassWindow', o.maxBreakGlassWindow.toString(), `use at most ${d.maxBreakGlassWindow.toString()}`);
      // Not a whole number (NaN compares false with everything) would turn the approver check off.
      if (o.minApprovers !== undefined && !(Number.isInteger(o.minApprovers) && o.minApprovers >= d.minApprovers)) loosen('minApprovers', o.minApprovers, `use a whole number of at least ${d.minApprovers}`);
      if (o.auditLogging === false && d.auditLogging) loosen('auditLogging', false, 'leave it on');
      if (o.mutualAuth === false && d.mutualAuth) loosen('mutualAuth', false, 'leave it on');
      const order = [InternetEgress.NONE, InternetEgress.FQDN_ONLY, InternetEgress.ANY];
      // An unknown value is a loosening too: the egress check treats anything but none and
      // fqdn-only as any.
      if (o.internetEgress !== undefined && !(order.includes(o.internetEgress) && order.indexOf(o.internetEgress) <= order.indexOf(d.internetEgress))) {
        loosen('internetEgress', o.internetEgress, `use ${order.slice(0, order.indexOf(d.internetEgress) + 1).join(' or ')}`);
      }
    }
  }

  // ---------------------------------------------------------------- clusters
  private readClusters(): void {
    const names = new Map<string, Cluster>();
    const clusters = this.of(Cluster);
    if (clusters.length === 0) {
      this.p.error('BH-NO-CLUSTER', this.topology, 'the topology declares no cluster', [], "add one: new Cluster(topology, 'eks-prod', { cloud: 'aws' })");
    }
    for (const c of clusters) {
      this.dnsName(c, 'cluster name', c.clusterName);
      this.unique(names, c.clusterName, c, 'BH-DUPLICATE-CLUSTER', 'cluster');
      const cidrs = (list: string[] | undefined, field: string) => (list ?? []).flatMap((x) => {
        const v = this.p.value(`${c.node.path}.${field}`, () => Cidr.of(x));
        return v ? [v.toString()] : [];
      });
      const podCidrs = cidrs(c.props.podCidrs, 'podCidrs');
      const nodeCidrs = cidrs(c.props.nodeCidrs, 'nodeCidrs');
      const apiServerCidrs = cidrs(c.props.apiServerCidrs, 'apiServerCidrs');
      for (const l of c.layers) {
        if (!LAYERS.includes(l)) this.p.error('BH-LAYER', c, 'unknown layer', l, `use some of ${LAYERS.join(', ')}`);
      }
      const td = c.props.trustDomain ?? this.topology.trustDomain;
      if (c.props.trustDomain !== undefined) this.p.value(c, () => TrustDomain.of(td));
      const root = c.props.istioRootNamespace ?? 'istio-system';
      this.dnsName(c, 'Istio root namespace', root);
      this.clusters.set(c, {
        name: c.clusterName,
        path: c.node.path,
        cloud: c.props.cloud,
        region: c.props.region ?? '',
        podCidrs: [...new Set(podCidrs)].sort(),
        nodeCidrs: [...new Set(nodeCidrs)].sort(),
        ...(apiServerCidrs.length > 0 ? { apiServerCidrs: [...new Set(apiServerCidrs)].sort() } : {}),
        layers: LAYERS.filter((l) => c.layers.includes(l)),
        trustDomain: td,
        ciliumClusterName: c.props.ciliumClusterName ?? c.clusterName,
        istioRootNamespace: root,
        namespaces: [],
      });
      this.addPlatform(c);
    }
  }

  private addPlatform(c: Cluster): void {
    const pf = this.topology.platform;
    const add = (name: string, s: PlatformService) => {
      this.dnsName(this.topology, `${name} namespace`, s.namespace);
      this.selector(this.topology, s.selector);
      // the service account names the service's mesh principal, as a workload's does
      const saProblem = typeof s.serviceAccount === 'string' ? dnsSubdomainProblem(s.serviceAccount) : undefined;
      if (saProblem) this.p.error('BH-NAME', this.topology, `the service account of the ${name} platform service is invalid: ${saProblem}`, s.serviceAccount, 'use lowercase letters, digits, - and . (or leave serviceAccount out for the default)');
      this.platform.push({
        key: `platform:${c.clusterName}:${name}`, name, cluster: c.clusterName, namespace: s.namespace,
        selector: sorted(s.selector), serviceAccount: s.serviceAccount ?? 'default',
      });
    };
    add('dns', pf.dns ?? DEFAULT_DNS);
    if (c.runs('istio')) add('mesh-control-plane', pf.meshControlPlane ?? DEFAULT_MESH);
    if (pf.metricsScraper) add('metrics', pf.metricsScraper);
  }

  // ---------------------------------------------------------------- externals
  private readExternals(): void {
    const names = new Map<string, External>();
    for (const e of this.of(External)) {
      this.dnsName(e, 'external name', e.peerName);
      this.unique(names, e.peerName, e, 'BH-DUPLICATE-EXTERNAL', 'external');
      const fqdns = e.props.fqdns ?? [];
      const rawCidrs = e.props.cidrs ?? [];
      if (fqdns.length === 0 && rawCidrs.length === 0) {
        this.p.error('BH-EXTERNAL-EMPTY', e, 'an External needs at least one FQDN or CIDR', e.props, "add fqdns: ['api.example.com'] or cidrs: ['203.0.113.0/24']");
      }
      for (const f of fqdns) {
        if (!FQDN.test(f)) this.p.error('BH-FQDN', e, 'not a valid FQDN (lowercase, dot-separated labels, optionally one leading *.)', f, "write a name such as 'api.stripe.com' or '*.stripe.com'");
      }
      const cidrs = rawCidrs.flatMap((x) => this.p.value(`${e.node.path}.cidrs`, () => Cidr.of(x)) ?? []);
      const except = (e.props.except ?? []).flatMap((x) => this.p.value(`${e.node.path}.except`, () => Cidr.of(x)) ?? []);
      for (const x of except) {
        if (!cidrs.some((c) => c.contains(x))) this.p.error('BH-CIDR-EXCEPT', e, 'an except range lies outside every cidr of the External', x.toString(), 'remove it, or add the range it belongs to in cidrs');
      }
      const set = this.addressSetOf(e, cidrs.map(String), except.map(String));
      this.externals.set(e, {
        key: `external:${e.peerName}`, path: e.node.path, name: e.peerName,
        fqdns: [...new Set(fqdns)].sort(), cidrs: set.blocks.map((b) => b.cidr), except: set.blocks.flatMap((b) => b.except).sort(),
      });
    }
  }

  /**
   * The External's address set, (∪ cidrs − ∪ except), as disjoint blocks. A cidr that the
   * except ranges cover adds nothing (a warning); an External whose CIDRs all are covered
   * stands for no address at all (an error: every layer would have to allow nothing, or
   * everything, for it).
   */
  private addressSetOf(e: External, cidrs: readonly string[], except: readonly string[]): AddressSet {
    const set = addressSet(cidrs, except);
    if (cidrs.length > 0 && set.blocks.length === 0) {
      this.p.error('BH-EXTERNAL-NO-ADDRESS', e, 'the except ranges cover every cidr of the External, so it stands for no address', { cidrs: [...new Set(cidrs)].sort(), except: [...new Set(except)].sort() }, 'remove the except ranges that cover a cidr, or remove the External and the flows with it');
    } else {
      for (const x of set.excepted) {
        this.p.warn('BH-CIDR-EXCEPTED', e, `the cidr ${x.cidr} is covered by except ranges, so it adds no address`, { cidr: x.cidr, except: x.coveredBy }, `remove ${x.cidr} from cidrs and ${x.coveredBy.join(', ')} from except`);
      }
    }
    this.addressSets.set(e, set);
    return set;
  }

  /** Pod and node CIDRs of different clusters, and Externals, stay apart (see {@link checkAddressOverlaps}). */
  private checkAddressRanges(): void {
    checkAddressOverlaps(
      [...this.clusters.entries()].map(([c, pc]) => ({ name: pc.name, path: c.node.path, podCidrs: pc.podCidrs, nodeCidrs: pc.nodeCidrs })),
      [...this.externals.entries()].map(([e, pe]) => ({ name: pe.name, path: pe.path, blocks: this.addressSets.get(e)?.blocks ?? [] })),
      this.p,
    );
  }

  // ---------------------------------------------------------------- workloads
  private readWorkloads(): void {
    const keys = new Map<string, Workload>();
    const inNamespace = new Map<string, ResolvedWorkload[]>();
    const namespacesOf = new Map<PlanCluster, Set<string>>();
    for (const w of this.of(Workload)) {
      const cluster = this.clusters.get(w.cluster);
      if (!cluster) {
        this.p.error('BH-FOREIGN-CLUSTER', w, 'the workload\'s cluster is not declared in this topology', w.cluster?.node?.path, 'pass a Cluster created inside the same Topology');
        continue;
      }
      this.dnsName(w, 'workload name', w.peerName);
      this.dnsName(w, 'namespace', w.namespace);
      const saProblem = dnsSubdomainProblem(w.serviceAccount);
      if (saProblem) this.p.error('BH-NAME', w, `the service account name is invalid: ${saProblem}`, w.serviceAccount, 'use lowercase letters, digits, - and .');
      const selector = w.selector;
      if (Object.keys(selector).length === 0) this.p.error('BH-SELECTOR-EMPTY', w, 'an empty selector would select every pod of the namespace', selector, "give the workload's pod labels, such as { app: 'cart' }");
      this.selector(w, selector);
      this.checkWorkloadPlacement(w, cluster, selector);
      const key = `${cluster.name}/${w.namespace}/${w.peerName}`;
      this.unique(keys, key, w, 'BH-DUPLICATE-WORKLOAD', 'workload');

      const ports: PlanNamedPort[] = [];
      for (const [name, port] of Object.entries(w.props.ports ?? {}).sort(([a], [b]) => cmp(a, b))) {
        const valid = this.p.value(w, () => Port.named(name));
        if (!Port.isPort(port)) {
          this.p.error('BH-PORT', w, `port '${name}' is not a Port`, port, 'use Port.tcp(9090) or similar');
          continue;
        }
        if (port.isNamed || port.to !== undefined) {
          this.p.error('BH-PORT', w, `the named port '${name}' must be one numbered port`, port.toString(), `write ${name}: Port.tcp(<number>)`);
          continue;
        }
        if (valid) ports.push({ name, port: port.from as number, protocol: port.protocol });
      }

      const domain = DomainBoundary.find(w);
      const declaredTier = w.props.tier ?? domain?.props.tier;
      // A tier with an unknown level is already reported by readTiers; reading its controls
      // would throw a TypeError and hide every other problem, so treat it as absent here.
      const tier = declaredTier && Object.values(Sensitivity).includes(declaredTier.level) ? declaredTier : undefined;
      const controls = tier ? tier.controls : defaultControls(Sensitivity.INTERNAL);
      const level = tier ? tier.level : Sensitivity.INTERNAL;
      const planTier: PlanTier = {
        level, name: tier ? tier.tierName : level, mtls: controls.mtls, mutualAuth: controls.mutualAuth,
        maxSvidTtlSeconds: controls.maxSvidTtl.totalSeconds, internetEgress: controls.internetEgress,
        auditLogging: controls.auditLogging, guardrails: controls.guardrails,
      };
      const podLabels: Record<string, string> = { [LABELS.tier]: level, [LABELS.workload]: w.peerName };
      if (domain) podLabels[LABELS.domain] = domain.domainName;
      const resolved: ResolvedWorkload = {
        construct: w,
        controls,
        domain,
        plan: {
          key, path: w.node.path, cluster: cluster.name, namespace: w.namespace, name: w.peerName,
          serviceAccount: w.serviceAccount, selector: sorted(selector), podLabels: sorted(podLabels), ports,
          spiffeId: `spiffe://${cluster.trustDomain}/ns/${w.namespace}/sa/${w.serviceAccount}`,
          tier: planTier,
          ...(domain ? { domain: domain.domainName } : {}),
        },
      };
      this.workloads.set(w, resolved);
      const nsKey = `${cluster.name}/${w.namespace}`;
      const peers = inNamespace.get(nsKey);
      if (peers) peers.push(resolved);
      else inNamespace.set(nsKey, [resolved]);
      const seen = namespacesOf.get(cluster) ?? new Set(cluster.namespaces);
      namespacesOf.set(cluster, seen);
      if (!seen.has(w.namespace)) {
        seen.add(w.namespace);
        (cluster.namespaces as string[]).push(w.namespace);
      }
    }
    for (const c of this.clusters.values()) (c.namespaces as string[]).sort();
    this.checkNamespaceNeighbours(inNamespace);
  }

  /**
   * Where a workload may be declared, and what it may select: not in a platform namespace of
   * its cluster (see {@link checkWorkloadNamespace}), not by a label key Bulkhead writes itself
   * (see {@link checkReservedKeys}).
   */
  private checkWorkloadPlacement(w: Workload, cluster: PlanCluster, selector: Record<string, string>): void {
    checkReservedKeys(w.node.path, selector, this.p);
    let reserved = this.reservedNamespaces.get(cluster.name);
    if (!reserved) {
      reserved = platformNamespaces(cluster, this.platform.filter((x) => x.cluster === cluster.name));
      this.reservedNamespaces.set(cluster.name, reserved);
    }
    checkWorkloadNamespace(w.node.path, cluster.name, w.namespace, reserved, this.p);
  }

  /**
   * Workloads of one namespace must not select each other's pods (on the labels the pods
   * carry once bound), and workloads must not share an identity.
   */
  private checkNamespaceNeighbours(inNamespace: ReadonlyMap<string, readonly ResolvedWorkload[]>): void {
    for (const list of inNamespace.values()) {
      checkSelectorOverlaps(list.map((w) => ({
        path: w.plan.path, name: w.plan.name, selector: w.plan.selector, labels: { ...w.plan.podLabels, ...w.plan.selector },
      })), this.p);
    }
    checkSharedIdentities([...this.workloads.values()].map((w) => ({
      path: w.plan.path, key: w.plan.key, cluster: w.plan.cluster, layers: this.clusterByName(w.plan.cluster).layers,
      serviceAccount: w.plan.serviceAccount, spiffeId: w.plan.spiffeId,
    })), this.p);
  }

  // ---------------------------------------------------------------- domains
  /**
   * Domain names and exports. The name is written as the `bulkhead.io/domain` label value and
   * guardrails select a domain's pods by it, so it must be a valid name and unique (two
   * domains of one name would share each other's guardrails). Exports are checked once
   * here, not on each flow into them: an export of a workload of another domain would be
   * ignored silently, and a bad export with no flow into it would never be reported.
   */
  private readDomains(): void {
    const names = new Map<string, DomainBoundary>();
    for (const d of this.of(DomainBoundary)) {
      this.dnsName(d, 'domain name', d.domainName);
      this.unique(names, d.domainName, d, 'BH-DUPLICATE-DOMAIN', 'domain');
      const resolved: ResolvedExport[] = [];
      for (const x of d.exports) {
        if (!Workload.isWorkload(x.workload) || DomainBoundary.find(x.workload) !== d) {
          const other = Workload.isWorkload(x.workload) ? DomainBoundary.find(x.workload) : undefined;
          this.p.error('BH-EXPORT-FOREIGN', d, `a domain exports only its own workloads; this one is ${other ? `in domain '${other.domainName}'` : 'in no domain'}`, x.workload?.node?.path ?? x.workload, other ? `export it from its own domain: ${other.node.id}.export(...)` : `declare it inside the domain (${d.node.id}.addWorkload(...)), or remove the export`);
          continue;
        }
        const w = this.workloads.get(x.workload);
        if (!w) continue; // its own problem (a foreign cluster) is reported already
        const where = `${d.node.path} (export ${w.plan.name})`;
        const ports = this.resolvePorts(where, x.ports, w);
        const http = this.http(where, x.http);
        if (ports && http) checkHttpProtocol(where, 'export', ports, http, this.p);
        if (ports && http) resolved.push({ workload: x.workload, ports, http });
      }
      this.exports.set(d, resolved);
    }
  }

  // ---------------------------------------------------------------- flows
  private endpoint(peer: IPeer, where: string, role: string): { ref: PlanEndpointRef; rank: number; w?: ResolvedWorkload; e?: PlanExternal } | undefined {
    if (Workload.isWorkload(peer)) {
      const w = this.workloads.get(peer);
      // A workload of this topology that could not be resolved (its cluster is foreign) has
      // its own error already; calling it "not declared in this topology" would be wrong.
      if (!w && peer.node.scopes.includes(this.topology)) return undefined;
      if (!w) {
        this.p.error('BH-UNDECLARED-PEER', where, `the flow's ${role} is a workload that is not declared in this topology`, peer.node.path, 'declare the workload inside the same Topology, or remove the flow');
        return undefined;
      }
      return { ref: { kind: 'workload', key: w.plan.key }, rank: sensitivityRank(w.plan.tier.level), w };
    }
    if (External.isExternal(peer)) {
      const e = this.externals.get(peer);
      if (!e) {
        this.p.error('BH-UNDECLARED-PEER', where, `the flow's ${role} is an External that is not declared in this topology`, peer.node.path, 'declare the External inside the same Topology');
        return undefined;
      }
      return { ref: { kind: 'external', key: e.key }, rank: sensitivityRank(Sensitivity.PUBLIC), e };
    }
    this.p.error('BH-UNDECLARED-PEER', where, `the flow's ${role} is neither a Workload nor an External`, (peer as IConstruct)?.node?.path ?? peer, 'pass a Workload or an External');
    return undefined;
  }

  private resolvePorts(where: string, ports: readonly Port[], dst: ResolvedWorkload | undefined): PlanPort[] | undefined {
    if (ports.length === 0) {
      this.p.error('BH-NO-PORTS', where, 'a flow needs at least one port', [], 'name the ports, such as Port.tcp(443)');
      return undefined;
    }
    const out: PlanPort[] = [];
    let ok = true;
    for (const port of ports) {
      if (!Port.isPort(port)) {
        this.p.error('BH-PORT', where, 'not a Port', port, 'use Port.tcp(443), Port.named(\'grpc\') or similar');
        ok = false;
        continue;
      }
      if (port.isNamed) {
        const found = dst?.plan.ports.find((x) => x.name === port.name && x.protocol === port.protocol);
        if (!found) {
          const known = dst ? dst.plan.ports.map((x) => `${x.protocol.toLowerCase()}/${x.name}`).join(', ') || 'none' : 'an External has no named ports';
          this.p.error('BH-NAMED-PORT', where, `the destination does not define the named port ${port.toString()}`, port.toString(), `use one of its named ports (${known}), or add it to the destination's ports`);
          ok = false;
          continue;
        }
        out.push({ protocol: found.protocol, port: found.port, name: found.name });
      } else {
        out.push(port.to === undefined ? { protocol: port.protocol, port: port.from as number } : { protocol: port.protocol, port: port.from as number, endPort: port.to });
      }
    }
    return ok ? out : undefined;
  }

  private http(where: string, http: HttpMatch | readonly HttpMatch[] | undefined): PlanHttpRule[] | undefined {
    const list: readonly HttpMatch[] = http === undefined ? [] : isList(http) ? http : [http];
    let ok = true;
    const rules = list.map((h) => {
      const methods = [...new Set((h.methods ?? []).map((m) => m.toUpperCase()))].sort();
      for (const m of methods) {
        if (!HTTP_METHOD.test(m)) {
          this.p.error('BH-HTTP-METHOD', where, 'not an HTTP method', m, 'use a method such as GET or POST');
          ok = false;
        }
      }
      const paths = [...new Set(h.paths ?? [])].sort();
      for (const p of paths) {
        const stars = (p.match(/\*/g) ?? []).length;
        if (!(p.startsWith('/') || p.startsWith('*')) || stars > 1 || (stars === 1 && !p.startsWith('*') && !p.endsWith('*'))) {
          this.p.error('BH-HTTP-PATH', where, 'not a path Istio and Cilium can both match (exact, prefix* or *suffix, one * at most)', p, "write '/api/v1/pay', '/api/*' or '*.json'");
          ok = false;
        }
      }
      return { methods, paths };
    });
    // Rules are ORed. A rule with neither methods nor paths matches every request, so the OR
    // of the list does too: the flow (or export) has no L7 constraint. Dropping that rule
    // and keeping the others would narrow the flow to requests the user did not restrict.
    if (rules.some((r) => r.methods.length === 0 && r.paths.length === 0)) return ok ? [] : undefined;
    const unique = [...new Map(rules.map((r) => [JSON.stringify(r), r])).values()].sort((a, b) => cmp(JSON.stringify(a), JSON.stringify(b)));
    return ok ? unique : undefined;
  }

  private readFlows(): DraftFlow[] {
    const out: DraftFlow[] = [];
    const statements = [...this.topology.flows].sort((a, b) => cmp(a.path, b.path));
    for (const s of statements) {
      const where = `${s.path} (${describe(s)})`;
      const src = this.endpoint(s.source, where, 'source');
      const dst = this.endpoint(s.destination, where, 'destination');
      if (!src || !dst) continue;
      if (src.e && dst.e) {
        this.p.error('BH-EXTERNAL-TO-EXTERNAL', where, 'a flow between two Externals is outside every cluster', `${src.e.name} -> ${dst.e.name}`, 'remove it: Bulkhead segments traffic of declared workloads');
        continue;
      }
      const ports = this.resolvePorts(where, s.ports, dst.w);
      const http = this.http(where, s.options.http);
      if (!ports || !http) continue;
      checkHttpProtocol(where, 'flow', ports, http, this.p);
      this.checkGuardrails(where, s.options.justification, src, dst, ports, http);
      out.push({ path: s.path, source: src.ref, destination: dst.ref, ports, http, origin: 'declared', justification: s.options.justification });
    }
    return out;
  }

  private checkGuardrails(
    where: string, justification: string | undefined,
    src: { rank: number; w?: ResolvedWorkload; e?: PlanExternal },
    dst: { rank: number; w?: ResolvedWorkload; e?: PlanExternal },
    ports: PlanPort[], http: PlanHttpRule[], grant = false,
  ): void {
    // Sensitivity: flows from much less sensitive tiers need a justification.
    if (dst.w) {
      const gap = dst.rank - src.rank;
      if (gap >= dst.w.controls.justificationGap && !(justification ?? '').trim()) {
        const from = src.w ? `${src.w.plan.tier.level} tier` : 'an External (public)';
        this.p.error('BH-TIER-JUSTIFICATION', where, `a flow from ${from} into the ${dst.w.plan.tier.level} tier needs a justification`, `${src.w?.plan.key ?? src.e?.name} -> ${dst.w.plan.key}`, "add { justification: '<why this flow is needed>' } to the flow options, or route it through a workload of a closer tier");
      }
    }
    // Plaintext from outside the mesh: only internet-facing (public tier) workloads accept it,
    // on the declared ports; every other tier keeps STRICT mTLS, which would reject the flow.
    if (src.e && dst.w && dst.w.plan.tier.level !== Sensitivity.PUBLIC && this.clusterByName(dst.w.plan.cluster).layers.includes('istio')) {
      this.p.error('BH-TIER-PLAINTEXT', where, `an External cannot present a mesh identity, and the ${dst.w.plan.tier.level} tier of ${dst.w.plan.key} accepts mutual TLS only`, `${src.e.name} -> ${dst.w.plan.key}`, 'route the traffic through an internet-facing workload of the public tier (an ingress gateway or controller), or put this workload in the public tier');
    }
    // Internet egress of the source's tier.
    if (src.w && dst.e) {
      const egress = src.w.controls.internetEgress;
      if (egress === InternetEgress.NONE) {
        this.p.error('BH-TIER-EGRESS', where, `the ${src.w.plan.tier.level} tier allows no external egress`, `${src.w.plan.key} -> ${dst.e.name}`, 'remove the flow, or call the external through a workload of a less sensitive tier');
      } else if (egress === InternetEgress.FQDN_ONLY && dst.e.fqdns.length === 0) {
        this.p.error('BH-TIER-EGRESS', where, `the ${src.w.plan.tier.level} tier allows external egress to FQDNs only, and this External has none`, dst.e.name, "declare the External by name (fqdns: ['api.example.com']), optionally with its cidrs as a fallback");
      }
    }
    // Cross-domain flows must target an export. A BreakGlass grant is the declared way past
    // them (time-boxed, approved, audited), so it is not held to the exports.
    const srcDomain = src.w?.domain;
    const dstDomain = dst.w?.domain;
    if (!grant && dst.w && dstDomain && srcDomain !== dstDomain) {
      const exports = (this.exports.get(dstDomain) ?? []).filter((x) => x.workload === dst.w!.construct);
      const exported = exports.flatMap((x) => x.ports.map((p) => ({ p, http: x.http })));
      for (const port of ports) {
        const covering = exported.filter((x) => x.p.protocol === port.protocol && x.p.port <= port.port && (x.p.endPort ?? x.p.port) >= (port.endPort ?? port.port));
        const ok = covering.some((x) => x.http.length === 0 || (http.length > 0 && http.every((r) => x.http.some((e) => httpWithin(r, e)))));
        if (!ok) {
          const from = srcDomain ? `domain '${srcDomain.domainName}'` : 'outside the domain';
          // Show the whole range asked for, and what the domain does export of this workload,
          // so the fix can be chosen without reading the domain's declaration.
          const has = exported.map((x) => `${portText(x.p)}${x.http.length ? ' ' + JSON.stringify(x.http) : ''}`);
          this.p.error('BH-DOMAIN-EXPORT', where, `a flow from ${from} into domain '${dstDomain.domainName}' reaches something the domain does not export`, `${dst.w.plan.key} ${portText(port)}${http.length ? ' ' + JSON.stringify(http) : ''}`, `export it: ${dstDomain.node.id}.export(${dst.w.construct.node.id}, ...), or stay within what it exports of ${dst.w.plan.name} (${has.length ? has.join('; ') : 'nothing'})`);
        }
      }
    }
    // Cross-cluster flows need the peer's pod CIDRs for layers without cross-cluster identity.
    if (src.w && dst.w && src.w.plan.cluster !== dst.w.plan.cluster) {
      for (const [side, other] of [[src.w, dst.w], [dst.w, src.w]] as const) {
        const here = this.clusterByName(side.plan.cluster);
        const there = this.clusterByName(other.plan.cluster);
        if (there.podCidrs.length > 0) continue;
        // The layers of this side that can address the peer by IP only: NetworkPolicy; Cilium
        // when the peer's cluster runs no Cilium (no ClusterMesh identity); the
        // ClusterNetworkPolicy guardrail of a guarded workload, which passes declared peers by
        // address. Without the peer's pod CIDRs each would drop the declared flow.
        const byIp = [
          ...(here.layers.includes('kubernetes') ? ['NetworkPolicy has no cross-cluster identity'] : []),
          ...(here.layers.includes('cilium') && !there.layers.includes('cilium') ? [`Cilium selects remote pods by ClusterMesh identity, which cluster '${there.name}' lacks without Cilium`] : []),
          ...(here.layers.includes('cluster-network-policy') && side.controls.guardrails ? ['the ClusterNetworkPolicy guardrail passes declared peers by address'] : []),
        ];
        if (byIp.length > 0) {
          this.p.error('BH-CROSS-CLUSTER-CIDR', where, `cluster '${here.name}' must address a peer in cluster '${there.name}' by IP (${byIp.join('; ')}), but that cluster declares no pod CIDRs`, there.name, `set podCidrs on cluster '${there.name}'`);
        }
      }
    }
  }

  private clusterByName(name: string): PlanCluster {
    if (!this.clustersByName) {
      // The first cluster of a name wins, as a search in declaration order would find it.
      this.clustersByName = new Map();
      for (const c of this.clusters.values()) if (!this.clustersByName.has(c.name)) this.clustersByName.set(c.name, c);
    }
    return this.clustersByName.get(name) as PlanCluster;
  }

  private mergeFlows(drafts: DraftFlow[]): PlanFlow[] {
    const groups = new Map<string, DraftFlow>();
    // Justifications are collected per flow and joined once at the end. Joining them as the
    // statements come ("a; b", then "a") gave a text that depended on statement order
    // ("a; b" or "a; a; b"), and a lone justification was kept untrimmed.
    const justifications = new Map<string, string[]>();
    for (const d of drafts) {
      const key = `${d.source.kind}:${d.source.key}|${d.destination.kind}:${d.destination.key}|${JSON.stringify(d.http)}|${d.origin}|${d.breakGlass ?? ''}`;
      const j = d.justification?.trim();
      justifications.set(key, [...(justifications.get(key) ?? []), ...(j ? [j] : [])]);
      const g = groups.get(key);
      if (!g) groups.set(key, { ...d, ports: [...d.ports] });
      else g.ports.push(...d.ports);
    }
    return [...groups.entries()].map(([key, g]) => {
      const j = [...new Set(justifications.get(key))].sort();
      g.justification = j.length ? j.join('; ') : undefined;
      return this.finish(g);
    });
  }

  private finish(d: DraftFlow): PlanFlow {
    const ports = mergePorts(d.ports);
    const base = d.origin === 'break-glass' ? `bg:${d.breakGlass}:${d.source.key}->${d.destination.key}` : `${d.source.key}->${d.destination.key}`;
    const id = d.http.length ? `${base}#${shortHash(JSON.stringify(d.http))}` : base;
    return {
      id, path: d.path, source: d.source, destination: d.destination, ports, http: d.http, origin: d.origin,
      ...(d.justification ? { justification: d.justification } : {}),
      ...(d.breakGlass ? { breakGlass: d.breakGlass } : {}),
    };
  }

  private platformFlows(): PlanFlow[] {
    const out: PlanFlow[] = [];
    for (const w of this.workloads.values()) {
      const c = w.plan.cluster;
      const ref: PlanEndpointRef = { kind: 'workload', key: w.plan.key };
      for (const pe of this.platform.filter((x) => x.cluster === c)) {
        const peRef: PlanEndpointRef = { kind: 'platform', key: pe.key };
        if (pe.name === 'dns') {
          out.push(this.finish({ path: this.topology.node.path, source: ref, destination: peRef, ports: [{ protocol: Protocol.TCP, port: 53 }, { protocol: Protocol.UDP, port: 53 }], http: [], origin: 'platform' }));
        } else if (pe.name === 'mesh-control-plane') {
          out.push(this.finish({ path: this.topology.node.path, source: ref, destination: peRef, ports: [{ protocol: Protocol.TCP, port: MESH_CONTROL_PLANE_PORT }], http: [], origin: 'platform' }));
        } else if (pe.name === 'metrics') {
          const m = w.plan.ports.find((x) => x.name === 'metrics');
          if (m) out.push(this.finish({ path: this.topology.node.path, source: peRef, destination: ref, ports: [{ protocol: m.protocol, port: m.port, name: 'metrics' }], http: [], origin: 'platform' }));
        }
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- break glass
  private readBreakGlass(): { grants: PlanBreakGlass[]; flows: PlanFlow[] } {
    const names = new Map<string, BreakGlass>();
    const grants: PlanBreakGlass[] = [];
    const flows: PlanFlow[] = [];
    for (const bg of this.of(BreakGlass)) {
      const where = bg.node.path;
      const props = bg.props;
      this.dnsName(bg, 'grant name', bg.grantName);
      this.unique(names, bg.grantName, bg, 'BH-DUPLICATE-GRANT', 'BreakGlass grant');
      if (!props.reason || !props.reason.trim()) this.p.error('BH-BG-REASON', bg, 'a BreakGlass grant needs a reason', props.reason, "set reason: '<what is broken and why this access fixes it>'");
      const approvers = [...new Set((props.approvers ?? []).map((a) => a.trim()).filter((a) => a.length > 0))].sort();
      if ((props.from ?? []).length === 0) this.p.error('BH-BG-FROM', bg, 'a BreakGlass grant needs at least one identity in from', props.from, 'list the workloads (or the access workload) that get access');
      if ((props.to ?? []).length === 0) this.p.error('BH-BG-TO', bg, 'a BreakGlass grant needs at least one destination in to', props.to, 'list the workloads to reach');
      const start = props.start instanceof Date ? props.start : new Date(props.start);
      if (Number.isNaN(start.getTime())) {
        this.p.error('BH-BG-START', bg, 'the start is not a valid date', props.start, "use a Date or an RFC 3339 string such as '2026-11-22T20:00:00Z'");
        continue;
      }
      const duration = props.duration;
      const expires = new Date(start.getTime() + duration.toMilliseconds());
      const sources = (props.from ?? []).map((f) => this.endpoint(f, where, 'source'));
      const targets = (props.to ?? []).map((t) => this.endpoint(t, where, 'destination'));
      for (const t of targets) {
        if (!t?.w) continue;
        const c = t.w.controls;
        if (duration.isLongerThan(c.maxBreakGlassWindow)) {
          this.p.error('BH-BG-WINDOW', bg, `the window is longer than the ${t.w.plan.tier.level} tier of ${t.w.plan.key} allows`, duration.toString(), `use at most ${c.maxBreakGlassWindow.toString()}, and renew the grant if more time is needed`);
        }
        if (approvers.length < c.minApprovers) {
          this.p.error('BH-BG-APPROVERS', bg, `the ${t.w.plan.tier.level} tier of ${t.w.plan.key} needs at least ${c.minApprovers} distinct approvers`, approvers, `add approvers until there are ${c.minApprovers}`);
        }
      }
      const externalTargets = targets.flatMap((t) => (t?.e ? [t.e.name] : []));
      if (externalTargets.length) this.p.error('BH-BG-TO', bg, 'a BreakGlass grant reaches workloads, not Externals', externalTargets, 'list workloads in to');
      const ports = targets.map((t) => (t?.w ? this.resolvePorts(where, bg.portList, t.w) : undefined));
      if (expires.getTime() > this.now.getTime()) this.checkGrantFlows(bg, sources, targets, ports);
      if (expires.getTime() <= this.now.getTime()) {
        const msg = `the grant expired at ${expires.toISOString()} and is not emitted`;
        if (this.topology.strict) this.p.error('BH-BG-EXPIRED', bg, msg, expires.toISOString(), 'remove the BreakGlass from the declaration');
        else this.p.warn('BH-BG-EXPIRED', bg, msg, expires.toISOString(), 'remove the BreakGlass from the declaration');
        continue;
      }
      if (start.getTime() > this.now.getTime()) {
        this.p.warn('BH-BG-SCHEDULED', bg, `the grant starts at ${start.toISOString()} and is not emitted before then`, start.toISOString(), 'synthesize again once the window has started');
        continue;
      }
      const ids: string[] = [];
      for (const s of sources) {
        targets.forEach((t, i) => {
          const tp = ports[i];
          if (!s || !t || !tp) return;
          const f = this.finish({ path: where, source: s.ref, destination: t.ref, ports: tp, http: [], origin: 'break-glass', breakGlass: bg.grantName });
          // A peer listed twice in from or to gives the same flow (same id) twice: keep one,
          // or every renderer would emit a duplicate rule.
          if (ids.includes(f.id)) return;
          flows.push(f);
          ids.push(f.id);
        });
      }
      grants.push({
        name: bg.grantName, path: where, startsAt: iso(start), expiresAt: iso(expires), expiresAtEpoch: Math.floor(expires.getTime() / 1000),
        reason: (props.reason ?? '').trim(), ticket: props.ticket ?? '', approvers, flowIds: [...new Set(ids)].sort(),
      });
    }
    return { grants: grants.sort((a, b) => cmp(a.name, b.name)), flows };
  }

  /**
   * A grant's flows get the checks of declared flows (tiers, plaintext from outside the mesh,
   * addressing across clusters), whether its window is open or still to come: a grant must
   * not fail when its window opens. An expired grant is not emitted, and only reported as
   * such. Its reason stands as the justification. Domain exports are the exception: a grant
   * is the declared way past them.
   */
  private checkGrantFlows(
    bg: BreakGlass,
    sources: readonly ({ ref: PlanEndpointRef; rank: number; w?: ResolvedWorkload; e?: PlanExternal } | undefined)[],
    targets: readonly ({ ref: PlanEndpointRef; rank: number; w?: ResolvedWorkload; e?: PlanExternal } | undefined)[],
    ports: readonly (PlanPort[] | undefined)[],
  ): void {
    const name = (x: { w?: ResolvedWorkload; e?: PlanExternal }) => x.w?.plan.name ?? x.e?.name ?? '?';
    for (const s of sources) {
      targets.forEach((t, i) => {
        const tp = ports[i];
        if (!s || !t?.w || !tp) return;
        this.checkGuardrails(`${bg.node.path} (${name(s)} -> ${name(t)})`, bg.props.reason, s, t, tp, [], true);
      });
    }
  }

  // ---------------------------------------------------------------- edges
  private edges(flows: PlanFlow[]): PlanWorkload[] {
    const calls = new Map<string, PlanEdge[]>();
    const calledBy = new Map<string, PlanEdge[]>();
    const edge = (f: PlanFlow, peer: PlanEndpointRef): PlanEdge => ({
      flowId: f.id, peer, ports: f.ports, http: f.http, origin: f.origin, ...(f.breakGlass ? { breakGlass: f.breakGlass } : {}),
    });
    const add = (m: Map<string, PlanEdge[]>, key: string, e: PlanEdge) => {
      const list = m.get(key);
      if (list) list.push(e);
      else m.set(key, [e]);
    };
    for (const f of flows) {
      if (f.source.kind === 'workload') add(calls, f.source.key, edge(f, f.destination));
      if (f.destination.kind === 'workload') add(calledBy, f.destination.key, edge(f, f.source));
    }
    const order = (a: PlanEdge, b: PlanEdge) => cmp(a.peer.key, b.peer.key) || cmp(a.flowId, b.flowId);
    return [...this.workloads.values()]
      .map((w) => ({ ...w.plan, calls: (calls.get(w.plan.key) ?? []).sort(order), calledBy: (calledBy.get(w.plan.key) ?? []).sort(order) }))
      .sort((a, b) => cmp(a.key, b.key));
  }

  // ---------------------------------------------------------------- helpers
  private dnsName(c: IConstruct, what: string, value: string): void {
    const problem = typeof value === 'string' ? dnsLabelProblem(value) : 'it is not a string';
    if (problem) this.p.error('BH-NAME', c, `the ${what} is not a valid Kubernetes name: ${problem}`, value, 'use at most 63 lowercase letters, digits and -, starting and ending with a letter or digit');
  }

  private selector(c: IConstruct, selector: Record<string, string>): void {
    for (const [k, v] of Object.entries(selector)) {
      const kp = labelKeyProblem(k);
      if (kp) this.p.error('BH-LABEL-KEY', c, `the label key is invalid: ${kp}`, k, "use a key such as 'app' or 'example.com/name'");
      const vp = typeof v === 'string' ? labelValueProblem(v) : 'it is not a string';
      if (vp) this.p.error('BH-LABEL-VALUE', c, `the value of label '${k}' is invalid: ${vp}`, v, 'use at most 63 letters, digits, -, _ and .');
    }
  }

  private unique<T extends IConstruct>(seen: Map<string, T>, name: string, c: T, code: string, what: string): void {
    const first = seen.get(name);
    if (first) this.p.error(code, c, `another ${what} has the same name (${first.node.path})`, name, `rename one of them (name: '${name}-2')`);
    else seen.set(name, c);
  }
}

function describe(s: FlowStatement): string {
  const name = (x: IPeer) => (x && typeof x === 'object' && 'peerName' in x ? x.peerName : String(x));
  return `${name(s.source)} -> ${name(s.destination)}`;
}

function sorted(r: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.keys(r).sort().map((k) => [k, r[k]]));
}

/** `tcp/9090`, `tcp/8000-8100`. */
function portText(p: PlanPort): string {
  return `${p.protocol.toLowerCase()}/${p.port}${p.endPort === undefined ? '' : `-${p.endPort}`}`;
}

function iso(d: Date): string {
  return d.toISOString().replace(/\.000Z$/, 'Z');
}

/** Whether an HTTP rule stays within an exported one (methods and paths, Istio wildcards). */
function httpWithin(r: PlanHttpRule, e: PlanHttpRule): boolean {
  const methodsOk = e.methods.length === 0 || (r.methods.length > 0 && r.methods.every((m) => e.methods.includes(m)));
  const pathsOk = e.paths.length === 0 || (r.paths.length > 0 && r.paths.every((p) => e.paths.some((x) => pathWithin(p, x))));
  return methodsOk && pathsOk;
}

function pathWithin(p: string, pattern: string): boolean {
  if (pattern === p) return true;
  if (pattern.endsWith('*')) {
    const prefix = pattern.slice(0, -1);
    return p.startsWith(prefix) && !p.startsWith('*');
  }
  if (pattern.startsWith('*')) {
    const suffix = pattern.slice(1);
    return p.endsWith(suffix) && !p.endsWith('*');
  }
  return false;
}


function isList(h: HttpMatch | readonly HttpMatch[]): h is readonly HttpMatch[] {
  return Array.isArray(h);
}
