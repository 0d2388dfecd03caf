/**
 * Verify: synthesize a declaration, then let the analysis engine — which reads only the
 * emitted manifests, with each layer's upstream semantics — decide every connection between
 * the cluster's endpoints, and compare each layer's answer with the declared intent. A layer
 * that allows more than declared is over-permissive; one that allows less is missing a flow.
 */
import { ArgCheck, isRecord } from './core/entry';
import { cmp } from './core/errors';
import { Interval, mergeIntervals, subtractIntervals } from './core/intervals';
import { formatIpv4, Ipv4Range, parseCidr, parseIpv4 } from './analysis/ipv4';
import { Analysis, AnalysisLayer, Endpoint, LoadedManifests, loadObjects, PortSet, WorkloadEndpoint } from './analysis';
import { verifyAws } from './analysis/verify-aws';
import { clusterFactsOf } from './analysis/cluster-facts';
import { WORKLOAD_KINDS } from './analysis/loader';
import { MultiClusterAnalysis, SideMatrix } from './analysis/multi-cluster';
import { AUDIT_LAYERS, Topology } from './model/topology';
import { judgedBy } from './core/layers';
import { Plan, PlanCluster, PlanEndpointRef, PlanExternal, PlanFlow, PlanPlatformEndpoint, PlanPort, PlanWorkload } from './plan/types';
import { synthesize, Synthesis } from './synth';
import { ambientStandIns } from './targets/istio/ambient';
import { layerMode } from './targets/common';
import { KubeManifest } from './targets/types';
import { sampleAddressOf } from './verify-sample';

/** One difference between a layer and the declaration. */
export interface VerifyFinding {
  /** The cluster (for a network layer such as `aws`: the network, and `scope` is `network`). */
  readonly cluster: string;
  /** `network` for a finding of a network layer (`aws`). @default - a cluster layer's finding */
  readonly scope?: 'network';
  /** What was compared (network layers). @default - none */
  readonly detail?: string;
  /** The simulated layer (`kubernetes` covers NetworkPolicy and ClusterNetworkPolicy together, as the dataplane evaluates them). */
  readonly layer: AnalysisLayer;
  /** `over-permissive`: allowed but not declared; `missing`: declared but not allowed. */
  readonly kind: 'over-permissive' | 'missing';
  /** Source endpoint (`ns/name[Kind]`, or an address). */
  readonly src: string;
  /** Destination endpoint. */
  readonly dst: string;
  /** The ports concerned, as the connectivity list writes them. */
  readonly ports: string;
  /**
   * For a finding on a cross-cluster pair: the side judged (`egress`: the layer of the source's
   * cluster, `ingress`: the layer of the destination's), and the cluster of the other end. The
   * ends are then written `<cluster>:<endpoint>`; an end a layer sees only by address is
   * `<cluster>:pods[<range>]` (every pod of that cluster alike).
   * @default - a pair within the cluster
   */
  readonly crossCluster?: { readonly direction: 'egress' | 'ingress'; readonly peer: string; readonly view: 'identity' | 'address' };
}

/**
 * A range a layer opens knowingly, wider than the declaration: the layer cannot name an FQDN
 * external, so it allows the flow to an address range instead (NetworkPolicy and
 * ClusterNetworkPolicy allow the public IPv4 space on the declared ports, and say so in a
 * `BH-NP-FQDN` / `BH-CNP-FQDN` warning at synthesis).
 */
export interface VerifyApproximation {
  /** The cluster. */
  readonly cluster: string;
  /** The simulated layer. */
  readonly layer: AnalysisLayer;
  /** The source endpoint (`ns/name[Kind]`). */
  readonly src: string;
  /** The External's name. */
  readonly external: string;
  /** Its FQDNs, sorted. */
  readonly fqdns: readonly string[];
  /** The ports on which the range is open, as the connectivity list writes them. */
  readonly ports: string;
  /** The addresses the layer opens, as CIDRs, merged and sorted. */
  readonly opens: readonly string[];
  /** The same set as the IPv4 space except these CIDRs (the shorter form when the layer opens most of the space). */
  readonly except: readonly string[];
  /** How many IPv4 addresses that is. */
  readonly addresses: number;
}

/**
 * The verdict on one layer of one cluster:
 * - `exact`: the layer allows exactly the declared flows;
 * - `approximate`: no finding, but the layer knowingly opens wider ranges than the declaration
 *   for what it cannot express (see {@link VerifyApproximation});
 * - `findings`: the layer allows more or less than declared where it could have been exact;
 * - `audit`: the layer runs in audit mode (`TopologyProps.mode` or `layerModes`): it denies
 *   nothing by design, so what it lets through beyond the declaration is expected (listed in
 *   {@link VerifyLayerResult.audited}, not as findings); a declared flow it would block is
 *   still a finding (status `findings`).
 */
export type VerifyLayerStatus = 'exact' | 'approximate' | 'findings' | 'audit';

/** What was checked in one layer of one cluster. */
export interface VerifyLayerResult {
  /** The cluster (for a network layer such as `aws`: the network, and `scope` is `network`). */
  readonly cluster: string;
  /**
   * `network` for the verdict on a network layer (`aws`: the security groups of one cloud
   * network, judged by the security-group simulator between every pair of cloud endpoints and
   * against the address sets they reach); its `externalChecks` counts the address pieces compared.
   * @default - a cluster layer's verdict
   */
  readonly scope?: 'network';
  /** The layer. */
  readonly layer: AnalysisLayer;
  /** The verdict. */
  readonly status: VerifyLayerStatus;
  /** Endpoint pairs compared (every ordered pair in scope, allowed or not). */
  readonly pairs: number;
  /** Declared flows to or from externals and cloud workloads (VM fleets, managed services) that were checked by sampling an address. */
  readonly externalChecks: number;
  /**
   * Cross-cluster pairs this layer was judged on (included in {@link VerifyLayerResult.pairs}):
   * as the source's egress, every pair of a declared workload here and one of another cluster
   * (one per remote cluster where the layer sees the remote pods only by address), and as the
   * destination's ingress, the same the other way round.
   * @default 0
   */
  readonly crossClusterPairs?: number;
  /** Findings, sorted. */
  readonly findings: readonly VerifyFinding[];
  /**
   * For a layer in audit mode: what it allows beyond the declaration (over-permissive by
   * design: an audit layer denies nothing), sorted.
   * @default - none (the layer enforces)
   */
  readonly audited?: readonly VerifyFinding[];
  /** Ranges the layer opens knowingly, wider than declared, sorted. */
  readonly approximations: readonly VerifyApproximation[];
}

/** The answer of {@link verify}. */
export interface VerifyReport {
  /**
   * True when no layer of any cluster or network has a finding. Approximations do not make it false: each
   * is a range a layer opens knowingly for what it cannot express (an FQDN), announced by a
   * warning at synthesis, and the declaration can make it exact (give the External its
   * `cidrs`). Gate on {@link VerifyReport.exact} to refuse them too.
   */
  readonly ok: boolean;
  /** True when every layer of every cluster and network is `exact`: no finding and no approximation. */
  readonly exact: boolean;
  /** Per cluster and layer, sorted. */
  readonly layers: readonly VerifyLayerResult[];
  /** Every finding, sorted. */
  readonly findings: readonly VerifyFinding[];
  /** Every approximation, sorted. */
  readonly approximations: readonly VerifyApproximation[];
  /** What verify does not check, and why (scope notes), sorted. */
  readonly notes: readonly string[];
}

/** Options of {@link verify}. */
export interface VerifyOptions {
  /**
   * The time that decides which BreakGlass grants are in force.
   * @default - the topology's clock
   */
  readonly now?: Date;
  /**
   * Extra objects per cluster analysed together with the synthesized policies, such as the
   * application's Deployments (endpoints are then taken from them; declared workloads with no
   * matching pod template get a stand-in endpoint).
   * @default - none: every declared workload gets a stand-in endpoint
   */
  readonly objects?: Readonly<Record<string, readonly unknown[]>>;
}


/** No ports (one object, so that its port set is found once). */
const NO_PORTS: readonly PlanPort[] = [];

/**
 * Synthesizes a topology and checks, per cluster and per layer, that the emitted manifests
 * allow exactly the declared flows (declared, platform and break-glass flows in force).
 *
 * Scope: every ordered pair of in-cluster endpoints (declared workloads and the platform
 * services they use) with at least one declared workload, on every port; Istio is judged on
 * the destinations and protocol it enforces (declared workloads, TCP).
 * Flows with externals are checked for missing allows by sampling an address of the external
 * (FQDNs resolved to a test address). Where a layer without FQDN support knowingly falls back
 * to a wider range for an FQDN external, the layer is reported `approximate`, with the range it
 * opens; other over-permissive external ranges are not reported.
 * Cloud workloads (VM fleets, managed services) stand in as one address inside their subnets:
 * flows between them and the cluster's workloads are checked both ways for missing and
 * over-permissive allows, against everything the declaration gives at that address.
 * Cross-cluster pairs are judged on both sides: every pair of a declared workload of one cluster
 * and one of another, in the egress layers of the source's cluster and the ingress layers of
 * the destination's, each layer seeing the remote end as upstream does (an address of the remote
 * cluster's pod CIDRs; a ClusterMesh identity; an Istio principal of the remote trust domain,
 * trusted only through federation; see `lib/analysis/multi-cluster.ts`).
 *
 * @example
 * const report = verify(topology);
 * if (!report.ok) console.log(report.findings);
 */
export function verify(topology: Topology, options: VerifyOptions = {}): VerifyReport {
  const check = new ArgCheck();
  if (!Topology.isTopology(topology)) {
    check.kind('verify(topology)', 'topology', topology, 'a Topology', "pass the Topology: new Topology(app, 'shop', { trustDomain: 'prod.shop.example.com' })");
  }
  const o = check.options('verify(options)', 'options', options, '{ now: new Date(), objects: { eks: [deployment] } }');
  if (o) checkObjects(check, 'verify(options)', o.objects);
  check.throwIfAny('verify');
  return verifyChecked(synthesize(topology, { now: options.now }), options, 'verify');
}

/** `objects`: lists of objects keyed by cluster name. */
function checkObjects(check: ArgCheck, where: string, objects: unknown): void {
  if (objects === undefined) return;
  if (!isRecord(objects)) {
    check.kind(where, 'options.objects', objects, 'an object of object lists by cluster name', "{ eks: [deployment, service] }, or leave objects out");
    return;
  }
  for (const [k, v] of Object.entries(objects)) check.list(where, `options.objects['${k}']`, v, "[deployment, service] (parsed Kubernetes objects)", { optional: true });
}

/** {@link verify} on a synthesis already made (manifests may be altered, for example in tests). */
export function verifySynthesis(synthesis: Synthesis, options: Pick<VerifyOptions, 'objects'> = {}): VerifyReport {
  return verifyChecked(synthesis, options, 'verifySynthesis');
}

/** {@link verifySynthesis}, with argument problems named after the function called (`fn`). */
function verifyChecked(synthesis: Synthesis, options: Pick<VerifyOptions, 'objects'>, fn: string): VerifyReport {
  const check = new ArgCheck();
  if (!isRecord(synthesis) || !isRecord(synthesis.plan) || !Array.isArray(synthesis.clusters)) {
    check.kind(`${fn}(synthesis)`, 'synthesis', synthesis, 'a Synthesis', 'pass the result of synthesize(topology)');
  }
  const o = check.options(`${fn}(options)`, 'options', options, '{ objects: { eks: [deployment] } }');
  if (o) checkObjects(check, `${fn}(options)`, o.objects);
  if (check.problems.length === 0 && isRecord(o?.objects)) {
    // A key that names no cluster would be ignored: its objects would silently not be analysed.
    const clusters = synthesis.clusters.map((c) => c.cluster.name);
    for (const key of Object.keys(o.objects).sort(cmp)) {
      if (clusters.includes(key)) continue;
      check.error('BH-INPUT-KEY', `${fn}(options)`, `options.objects has the key '${key}', which names no cluster of the topology: its objects would not be analysed`, key, `key the objects by cluster name: ${clusters.map((c) => `'${c}'`).join(', ') || '(none)'}`);
    }
  }
  check.throwIfAny(fn);
  const layers: VerifyLayerResult[] = [];
  const notes = new Set<string>();
  const ctx = new RunContext(synthesis.plan);
  const runs = synthesis.clusters.map((c) => verifyCluster(ctx, c.cluster, c.manifests, options.objects?.[c.cluster.name] ?? [], notes));
  layers.push(...withCrossCluster(ctx, runs, notes).map((l) => audited(synthesis.plan, l, notes)));
  layers.push(...verifyNetworks(synthesis, notes));
  const findings = layers.flatMap((l) => l.findings);
  const approximations = layers.flatMap((l) => l.approximations);
  return { ok: findings.length === 0, exact: layers.every((l) => l.status === 'exact'), layers, findings, approximations, notes: [...notes].sort() };
}

/**
 * A cluster layer's verdict under its enforcement mode: in audit mode the layer denies nothing
 * by design (Istio renders AUDIT policies with PERMISSIVE mTLS, Cilium turns default deny off),
 * so its over-permissive findings are expected and move to `audited`; missing flows stay
 * findings (an audit layer must not block what is declared).
 */
function audited(plan: Plan, l: VerifyLayerResult, notes: Set<string>): VerifyLayerResult {
  const synthesized = AUDIT_LAYERS.filter((x) => judgedBy(x) === l.layer);
  if (l.scope === 'network' || !synthesized.some((x) => layerMode(plan, x) === 'audit')) return l;
  const over = l.findings.filter((f) => f.kind === 'over-permissive');
  const findings = l.findings.filter((f) => f.kind !== 'over-permissive');
  notes.add(`${l.cluster}: ${l.layer} runs in audit mode: it denies nothing by design; what it lets through beyond the declaration is listed as audited, not as findings`);
  return { ...l, status: findings.length > 0 ? 'findings' : 'audit', findings, audited: over };
}

/** A plan entity as seen in one cluster's analysis. */
interface Entity {
  readonly key: string;
  readonly managed: boolean;
  readonly namespace: string;
  readonly selector: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  readonly ports: readonly PlanPort[];
  readonly name: string;
}

/** What verify found and built for one cluster: its verdicts, and the analysis the cross-cluster checks reuse. */
interface ClusterRun {
  readonly cluster: PlanCluster;
  readonly results: VerifyLayerResult[];
  readonly analysis: Analysis;
  readonly workloads: readonly WorkloadEndpoint[];
  readonly entityOf: ReadonlyMap<string, Entity>;
  readonly judged: readonly AnalysisLayer[];
}

/**
 * What one verify run computes once from the plan and shares between its clusters and layers:
 * one object per distinct port set (so that answers and declarations are compared, and their
 * verdicts remembered, by identity: the same few port sets recur on thousands of pairs), the
 * ports of each flow, and the flows indexed by workload.
 */
class RunContext {
  private readonly byText = new Map<string, PortSet>();
  private readonly byObject = new WeakMap<PortSet, PortSet>();
  private readonly byList = new WeakMap<readonly PlanPort[], PortSet>();
  private addressed?: Map<string, { out: AddressedFlow[]; in: AddressedFlow[] }>;
  private calls?: Map<string, PlanFlow[]>;
  private readonly declaredAddresses = new Map<string, readonly { ranges: Interval[]; ports: PortSet }[]>();

  public constructor(public readonly plan: Plan) {}

  /** The one object of the run equal to a port set. */
  public canonical(p: PortSet): PortSet {
    let c = this.byObject.get(p);
    if (c) return c;
    const text = p.toString();
    c = this.byText.get(text);
    if (!c) this.byText.set(text, (c = p));
    this.byObject.set(p, c);
    return c;
  }

  /** The port set of a list of plan ports (canonical). */
  public ports(list: readonly PlanPort[]): PortSet {
    let hit = this.byList.get(list);
    if (!hit) this.byList.set(list, (hit = this.canonical(portSet(list))));
    return hit;
  }

  /** {@link addressedFlows} of the plan. */
  public get addressedFlows(): Map<string, { out: AddressedFlow[]; in: AddressedFlow[] }> {
    return (this.addressed ??= addressedFlows(this.plan, (l) => this.ports(l)));
  }

  /** The flows from each workload (by key), in plan order. */
  public get callsOf(): Map<string, PlanFlow[]> {
    if (!this.calls) {
      this.calls = new Map();
      for (const f of this.plan.flows) if (f.source.kind === 'workload') push(this.calls, f.source.key, f);
    }
    return this.calls;
  }

  /**
   * What the declaration gives a workload of `cluster` as addresses, per flow from it: the
   * ranges of CIDR externals, cloud workloads and remote clusters' pods it calls, and the ports.
   */
  public declaredAddressesOf(key: string, cluster: string): readonly { ranges: Interval[]; ports: PortSet }[] {
    const k = `${cluster}\u0000${key}`;
    let hit = this.declaredAddresses.get(k);
    if (hit) return hit;
    const plan = this.plan;
    const externals = this.index('externals', () => new Map(plan.externals.map((x) => [x.key, x])));
    const clouds = this.index('clouds', () => new Map((plan.cloudWorkloads ?? []).map((c) => [c.key, c])));
    const clusters = this.index('clusters', () => new Map(plan.clusters.map((c) => [c.name, c])));
    const workloads = this.index('workloads', () => new Map(plan.workloads.map((w) => [w.key, w])));
    hit = (this.callsOf.get(key) ?? []).flatMap((f) => {
      if (f.destination.kind === 'external') {
        const x = externals.get(f.destination.key);
        return x && x.cidrs.length > 0 ? [{ ranges: cidrRanges(x.cidrs, x.except), ports: this.ports(f.ports) }] : [];
      }
      if (f.destination.kind === 'cloud') {
        const c = clouds.get(f.destination.key);
        return c ? [{ ranges: cidrRanges(c.subnetCidrs), ports: this.ports(f.ports) }] : [];
      }
      const peer = f.destination.kind === 'workload' ? workloads.get(f.destination.key) : undefined;
      const remote = peer && peer.cluster !== cluster ? clusters.get(peer.cluster) : undefined;
      return remote ? [{ ranges: cidrRanges(remote.podCidrs), ports: this.ports(f.ports) }] : [];
    });
    this.declaredAddresses.set(k, hit);
    return hit;
  }

  private readonly indexes = new Map<string, unknown>();

  /** A lookup table of the plan, built once. */
  public index<T>(name: string, build: () => T): T {
    let hit = this.indexes.get(name) as T | undefined;
    if (hit === undefined) this.indexes.set(name, (hit = build()));
    return hit;
  }
}

function verifyCluster(ctx: RunContext, cluster: PlanCluster, manifests: readonly KubeManifest[], extra: readonly unknown[], notes: Set<string>): ClusterRun {
  const plan = ctx.plan;
  const entities = entitiesOf(plan, cluster);
  const loaded = loadWithEndpoints(plan, cluster, [...manifests, ...extra]);

  const entityOf = new Map<string, Entity>();
  const firstMatch = entityFinder(entities);
  for (const w of loaded.workloads) {
    const e = firstMatch(w);
    if (e) entityOf.set(w.id, e);
  }
  const workloads = loaded.workloads;
  const entityAt = workloads.map((w) => entityOf.get(w.id));
  const members = membersOf(entityAt);
  const intent = intendedPorts(ctx, members, false);
  // Istio is judged on what an HBONE tunnel carries, the network layers on the tunnel's port.
  const meshIntent = intendedPorts(ctx, members, true);

  const resolve: Record<string, string[]> = {};
  // An FQDN resolves to the address the external checks sample: inside its CIDRs when it
  // declares them (the provider's published ranges), else a test address.
  plan.externals.forEach((x, i) => {
    const address = sampleAddress(x, i);
    if (address) x.fqdns.forEach((f) => { resolve[f.replace(/^\*\./, 'www.')] = [address]; });
  });
  // Pods lie in the cluster's pod CIDRs: rules that match addresses (Istio ipBlocks, networks) are judged for them too.
  const analysis = Analysis.of(loaded, { trustDomain: cluster.trustDomain, clusterName: cluster.ciliumClusterName, resolve, podCidrs: cluster.podCidrs });
  const results: VerifyLayerResult[] = [];
  const judged = [...new Set(cluster.layers.map((l) => judgedBy(l)).filter((l): l is AnalysisLayer => l !== undefined))];
  const W = workloads.length;
  const managed = entityAt.filter((e) => e?.managed).length;
  const unmanaged = entityAt.filter((e) => e && !e.managed).length;
  for (const layer of judged) {
    // Istio authorizes TCP only (sidecars do not intercept UDP or SCTP): judge it on TCP.
    const scope = layer === 'istio' ? PortSet.allOf('TCP') : PortSet.ALL;
    const toAddresses = new Map<string, { range: Ipv4Range; ports: PortSet }[]>();
    const fromAddresses = new Map<string, { range: Ipv4Range; ports: PortSet }[]>();
    const findings: VerifyFinding[] = [];
    if (layer === 'istio') notes.add(`${cluster.name}: istio is judged on TCP only; UDP and SCTP are enforced by the network layers`);
    const inScope = (i: number, j: number): boolean => {
      const se = entityAt[i];
      const de = entityAt[j];
      if (i === j || !se || !de || (!se.managed && !de.managed)) return false;
      // Istio enforces at the destination: services Bulkhead does not manage are out of its scope.
      return layer !== 'istio' || de.managed;
    };
    // Pairs absent from both the intent and the layer's answer agree (nothing allowed): only
    // the union of the two sparse sets needs comparing, pair by pair of endpoint indices, and
    // the port sets of a pair's two answers are compared once per distinct couple of sets.
    const wanted = layer === 'istio' ? meshIntent : intent;
    const verdicts = new Map<PortSet, Map<PortSet, readonly [string | undefined, string | undefined]>>();
    const verdictOf = (declared: PortSet, given: PortSet): readonly [string | undefined, string | undefined] => {
      let row = verdicts.get(declared);
      if (!row) verdicts.set(declared, (row = new Map()));
      let v = row.get(given);
      if (!v) {
        const want = scope.intersect(declared);
        const got = scope.intersect(given);
        const over = got.subtract(want);
        const missing = want.subtract(got);
        v = [over.isEmpty() ? undefined : over.toString(), missing.isEmpty() ? undefined : missing.toString()];
        row.set(given, v);
      }
      return v;
    };
    const compare = (i: number, j: number, declared: PortSet, given: PortSet): void => {
      if (!inScope(i, j)) return;
      const [over, missing] = verdictOf(declared, given);
      if (over === undefined && missing === undefined) return;
      const src = workloads[i].id;
      const dst = workloads[j].id;
      if (over !== undefined) findings.push({ cluster: cluster.name, layer, kind: 'over-permissive', src, dst, ports: over });
      if (missing !== undefined) findings.push({ cluster: cluster.name, layer, kind: 'missing', src, dst, ports: missing });
    };
    // the declared ports of each pair of endpoint indices (i * W + j); those the layer's answer does not hold are left at the end
    const declaredPairs = new Map<number, PortSet>();
    for (const [sk, row] of wanted) {
      const srcs = members.get(sk);
      if (!srcs) continue;
      for (const [dk, ports] of row) {
        for (const d of members.get(dk) ?? []) for (const i of srcs) declaredPairs.set(i * W + d, ports);
      }
    }
    const canonical = new Map<PortSet, PortSet>();
    const answer = analysis.layerPairs(layer, scope);
    for (const p of answer.pairs) {
      if (p.src < W && p.dst < W) {
        const k = p.src * W + p.dst;
        const declared = declaredPairs.get(k);
        if (declared !== undefined) declaredPairs.delete(k);
        let given = canonical.get(p.ports);
        if (given === undefined) canonical.set(p.ports, (given = ctx.canonical(p.ports)));
        compare(p.src, p.dst, declared ?? PortSet.EMPTY, given);
        continue;
      }
      const s = answer.sources[p.src];
      const d = answer.destinations[p.dst];
      if (d.type === 'external') push(toAddresses, s.id, { range: [d.first, d.last], ports: p.ports });
      if (s.type === 'external') push(fromAddresses, d.id, { range: [s.first, s.last], ports: p.ports });
    }
    for (const [k, ports] of declaredPairs) compare(Math.floor(k / W), k % W, ports, PortSet.EMPTY);
    const pairs = managed * (managed - 1) + (layer === 'istio' ? 1 : 2) * managed * unmanaged;
    const allowed = { to: toAddresses, from: fromAddresses };
    const ext = externalChecks(plan, cluster, layer, scope, analysis, loaded.workloads, entityOf, allowed, notes);
    findings.push(...ext.findings);
    const cloud = cloudChecks(ctx, cluster, layer, scope, loaded.workloads, entityOf, allowed, notes);
    findings.push(...cloud.findings);
    const approximations = fqdnApproximations(ctx, cluster, layer, loaded.workloads, entityOf, toAddresses);
    results.push({
      cluster: cluster.name, layer, status: findings.length > 0 ? 'findings' : approximations.length > 0 ? 'approximate' : 'exact',
      pairs: pairs + cloud.pairs, externalChecks: ext.checked + cloud.checked,
      findings: findings.sort((a, b) => cmp(a.src, b.src) || cmp(a.dst, b.dst) || cmp(a.kind, b.kind)),
      approximations,
    });
  }
  return { cluster, results, analysis, workloads: loaded.workloads, entityOf, judged };
}

/** Appends a value to the list of a key. */
function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const at = m.get(k);
  if (at) at.push(v);
  else m.set(k, [v]);
}

function entitiesOf(plan: Plan, cluster: PlanCluster): Entity[] {
  return [
    ...plan.workloads.filter((w) => w.cluster === cluster.name).map((w) => workloadEntity(w)),
    ...plan.platform.filter((p) => p.cluster === cluster.name).map((p) => platformEntity(p)),
  ];
}

function matches(e: Entity, w: WorkloadEndpoint): boolean {
  return w.namespace === e.namespace && Object.entries(e.selector).every(([k, v]) => w.labels[k] === v);
}

/** The index key of one label of a namespace. */
function labelKey(namespace: string, k: string, v: string): string {
  return `${namespace}\u0000${k}\u0000${v}`;
}

/**
 * A function giving, for an endpoint, the first of `entities` (in their order) that selects it:
 * the entities are indexed by namespace and one label of their selector, so each endpoint is
 * matched only against the entities that name one of its labels.
 */
function entityFinder(entities: readonly Entity[]): (w: WorkloadEndpoint) => Entity | undefined {
  const byLabel = new Map<string, number[]>();
  const bare = new Map<string, number[]>();
  entities.forEach((e, i) => {
    const first = Object.keys(e.selector).sort(cmp)[0];
    const k = first === undefined ? e.namespace : labelKey(e.namespace, first, e.selector[first]);
    const index = first === undefined ? bare : byLabel;
    const at = index.get(k);
    if (at) at.push(i);
    else index.set(k, [i]);
  });
  return (w) => {
    let best = Infinity;
    const consider = (list: readonly number[] | undefined) => {
      for (const i of list ?? []) {
        if (i >= best) break;
        if (matches(entities[i], w)) best = i;
      }
    };
    consider(bare.get(w.namespace));
    for (const [k, v] of Object.entries(w.labels)) consider(byLabel.get(labelKey(w.namespace, k, v)));
    return best === Infinity ? undefined : entities[best];
  };
}

/** Whether some endpoint is selected by the entity: endpoints indexed by namespace and label. */
function selectedAny(endpoints: readonly WorkloadEndpoint[]): (e: Entity) => boolean {
  const byLabel = new Map<string, number[]>();
  const inNamespace = new Set<string>();
  endpoints.forEach((w, i) => {
    inNamespace.add(w.namespace);
    for (const [k, v] of Object.entries(w.labels)) {
      const key = labelKey(w.namespace, k, v);
      const at = byLabel.get(key);
      if (at) at.push(i);
      else byLabel.set(key, [i]);
    }
  });
  return (e) => {
    const keys = Object.keys(e.selector);
    if (keys.length === 0) return inNamespace.has(e.namespace);
    // the rarest of the selector's labels
    let rarest: readonly number[] = [];
    let size = Infinity;
    for (const k of keys) {
      const at = byLabel.get(labelKey(e.namespace, k, e.selector[k])) ?? [];
      if (at.length < size) [rarest, size] = [at, at.length];
    }
    return rarest.some((i) => matches(e, endpoints[i]));
  };
}

/**
 * Loads a cluster's objects for analysis, adding a stand-in Deployment for every declared
 * workload (and platform service) whose pods none of the objects run, so that a synthesis
 * without the application can still be analysed.
 */
export function loadWithEndpoints(plan: Plan, cluster: PlanCluster, given: readonly unknown[]): LoadedManifests {
  // Ambient mode: the namespace labels and Services the output relies on, where the user's own are not given.
  const same = (o: unknown, a: { kind: string; metadata: { name: string; namespace?: string } }): boolean => isRecord(o) && o.kind === a.kind && isRecord(o.metadata)
    && o.metadata.name === a.metadata.name && (o.metadata.namespace ?? '') === (a.metadata.namespace ?? '');
  const ambient = ambientStandIns(plan, cluster).filter((a) => !given.some((o) => same(o, a)));
  const objects = ambient.length > 0 ? [...given, ...ambient] : given;
  // Which declared workloads the objects run needs their workloads only (and the wrappers that
  // may hold them): a first load of those, then one full load with the stand-ins. A problem in
  // the objects is raised by the full load, as it would be without stand-ins.
  let standIns: StandInWorkload[];
  try {
    standIns = standInsFor(plan, cluster, loadObjects(objects.filter(mayHoldWorkloads), cluster.name));
  } catch {
    return loadObjects(objects, cluster.name);
  }
  return loadObjects(standIns.length > 0 ? [...objects, ...standIns] : objects, cluster.name);
}

/** Whether an object is a workload, or a List wrapper that may hold one (what decides a workload's endpoint). */
function mayHoldWorkloads(o: unknown): boolean {
  return isRecord(o) && typeof o.kind === 'string' && (WORKLOAD_KINDS.includes(o.kind) || o.kind.endsWith('List'));
}

/**
 * The stand-in Deployments {@link verify} analyses for one cluster: one per declared workload
 * and platform service of the cluster whose pods none of `objects` run (pod labels = the
 * declared selector, its service account, its named ports). Another tool can analyse them
 * with the synthesized policies to check the output the same way.
 *
 * @param objects the cluster's other objects (such as the application's Deployments)
 *
 * @example
 * const s = synthesize(topology);
 * const deployments = standInWorkloads(s.plan, s.plan.clusters[0]);
 */
export function standInWorkloads(plan: Plan, cluster: PlanCluster, objects: readonly unknown[] = []): StandInWorkload[] {
  return standInsFor(plan, cluster, loadObjects(objects, cluster.name));
}

function standInsFor(plan: Plan, cluster: PlanCluster, loaded: LoadedManifests): StandInWorkload[] {
  const selected = selectedAny(loaded.workloads);
  return entitiesOf(plan, cluster).filter((e) => !selected(e)).map(standIn);
}

/** A stand-in Deployment of {@link standInWorkloads}. */
export interface StandInWorkload {
  /** `apps/v1`. */
  readonly apiVersion: 'apps/v1';
  /** `Deployment`. */
  readonly kind: 'Deployment';
  /** Name (the workload's, or `platform-<name>`) and namespace. */
  readonly metadata: { readonly name: string; readonly namespace: string };
  /** Selector, pod labels, service account and container ports. */
  readonly spec: {
    /** The declared selector. */
    readonly selector: { readonly matchLabels: Readonly<Record<string, string>> };
    /** The pod template. */
    readonly template: {
      /** Pod labels: the declared selector. */
      readonly metadata: { readonly labels: Readonly<Record<string, string>> };
      /** Service account and one container with the named ports. */
      readonly spec: {
        /** The workload's service account. */
        readonly serviceAccountName: string;
        /** One container. */
        readonly containers: readonly { readonly name: string; readonly image: string; readonly ports: readonly { readonly containerPort: number; readonly protocol: string; readonly name?: string }[] }[];
      };
    };
  };
}

function workloadEntity(w: PlanWorkload): Entity {
  const ports = w.ports.map((p) => ({ protocol: p.protocol, port: p.port, name: p.name }));
  return { key: w.key, managed: true, namespace: w.namespace, selector: w.selector, serviceAccount: w.serviceAccount, ports, name: w.name };
}

function platformEntity(p: PlanPlatformEndpoint): Entity {
  return { key: p.key, managed: false, namespace: p.namespace, selector: p.selector, serviceAccount: p.serviceAccount, ports: [], name: `platform-${p.name}` };
}

/** A Deployment standing in for a declared workload whose pods are not in the input. */
function standIn(e: Entity): StandInWorkload {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: e.name, namespace: e.namespace },
    spec: {
      selector: { matchLabels: e.selector },
      template: {
        metadata: { labels: e.selector },
        spec: {
          serviceAccountName: e.serviceAccount,
          containers: [{ name: 'main', image: 'stand-in', ports: e.ports.map((p) => ({ containerPort: p.port, protocol: p.protocol, ...(p.name ? { name: p.name } : {}) })) }],
        },
      },
    },
  };
}

function portSet(ports: readonly PlanPort[]): PortSet {
  return PortSet.unionAll(ports.map((p) => PortSet.of(p.protocol, p.port, p.endPort ?? p.port)));
}

/**
 * Declared ports per ordered pair of plan keys of the cluster (source key → destination key →
 * ports), for the flows whose both ends have endpoints here ({@link membersOf}): every endpoint
 * pair of the two keys is declared those ports.
 */
function intendedPorts(ctx: RunContext, members: ReadonlyMap<string, readonly number[]>, mesh: boolean): Map<string, Map<string, PortSet>> {
  const local = (ref: PlanEndpointRef): boolean => ref.kind !== 'external' && members.has(ref.key);
  const intent = new Map<string, Map<string, PortSet>>();
  let merged = false;
  for (const f of ctx.plan.flows) {
    // cross-cluster flows are judged by crossClusterChecks
    if (!local(f.source) || !local(f.destination)) continue;
    const ports = ctx.ports(mesh && f.tunnel ? f.carries ?? NO_PORTS : f.ports);
    let row = intent.get(f.source.key);
    if (!row) intent.set(f.source.key, (row = new Map()));
    const had = row.get(f.destination.key);
    if (had !== undefined) merged = true;
    row.set(f.destination.key, had === undefined ? ports : had.union(ports));
  }
  // the declared sets as the run's canonical objects (those of one flow are already)
  if (merged) for (const row of intent.values()) for (const [k, v] of row) row.set(k, ctx.canonical(v));
  return intent;
}

/** The indices of the endpoints of each plan key (an entity may select several endpoints). */
function membersOf(entityAt: readonly (Entity | undefined)[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  entityAt.forEach((e, i) => {
    if (e) push(out, e.key, i);
  });
  return out;
}

/** The allowed external address ranges of each workload of a layer (by endpoint id), from its connectivity answer: `to` as destinations, `from` as sources. */
interface AllowedAddresses {
  readonly to: ReadonlyMap<string, readonly { range: Ipv4Range; ports: PortSet }[]>;
  readonly from: ReadonlyMap<string, readonly { range: Ipv4Range; ports: PortSet }[]>;
}

/** The union of the ports allowed to (or from) the ranges of a list that hold an address. */
function portsAt(list: readonly { range: Ipv4Range; ports: PortSet }[] | undefined, address: number): PortSet {
  let out = PortSet.EMPTY;
  for (const { range: [a, b], ports } of list ?? []) if (a <= address && address <= b) out = out.union(ports);
  return out;
}

/**
 * Checks that declared flows with externals are allowed, on a sample address of the external.
 * A port in the layer's scope is read from the layer's connectivity answer (`allowed`: the
 * external ranges it is split into lie between the addresses the layer's rules name, so the
 * range holding the sample is answered as the sample is); a port outside it is asked of the
 * layer alone.
 */
function externalChecks(
  plan: Plan, cluster: PlanCluster, layer: AnalysisLayer, scope: PortSet, analysis: Analysis, endpoints: readonly WorkloadEndpoint[],
  entityOf: Map<string, Entity>, allowed: AllowedAddresses, notes: Set<string>,
): { checked: number; findings: VerifyFinding[] } {
  const findings: VerifyFinding[] = [];
  let checked = 0;
  const sim = analysis.simulator(layer);
  const externals = new Map(plan.externals.map((x, i) => [x.key, { x, i }]));
  const byKey = new Map<string, WorkloadEndpoint[]>();
  for (const w of endpoints) {
    const k = entityOf.get(w.id)?.key;
    if (k === undefined) continue;
    const at = byKey.get(k);
    if (at) at.push(w);
    else byKey.set(k, [w]);
  }
  for (const f of plan.flows) {
    const outward = f.destination.kind === 'external';
    const ext = externals.get(outward ? f.destination.key : f.source.key);
    const other = outward ? f.source : f.destination;
    if (!ext || other.kind !== 'workload') continue;
    const address = sampleAddress(ext.x, ext.i);
    if (address === undefined) {
      notes.add(`${cluster.name}: external ${ext.x.name} has no address outside its except ranges to sample`);
      continue;
    }
    const eps = byKey.get(other.key) ?? [];
    if (eps.length === 0) continue;
    // Istio does not police traffic from outside the mesh to FQDN-only sources, nor does it match sources by name.
    if (!outward && ext.x.cidrs.length === 0) continue;
    const n = parseIpv4(address)!;
    let ip: Endpoint | undefined;
    for (const w of eps) {
      const got = portsAt((outward ? allowed.to : allowed.from).get(w.id), n);
      for (const p of f.ports) {
        checked++;
        // a declared flow is allowed when the port lets through what it may carry (plain TCP or the declared HTTP requests)
        let ok: boolean;
        if (scope.has(p.protocol, p.port)) ok = got.has(p.protocol, p.port);
        else {
          ip ??= analysis.endpoint(address);
          const conn = { protocol: p.protocol, port: p.port, plaintext: !outward, application: 'any' as const };
          ok = (outward ? sim.explain(w, ip, conn) : sim.explain(ip, w, conn)).allowed;
        }
        if (!ok) {
          findings.push({ cluster: cluster.name, layer, kind: 'missing', src: outward ? w.id : `${address}[External]`, dst: outward ? `${address}[External]` : w.id, ports: portSet([p]).toString() });
        }
      }
    }
  }
  return { checked, findings };
}

/**
 * A cloud workload (VM fleet, managed service) as verify sees it from a cluster: one stand-in
 * address inside its subnets (the middle of its first IPv4 subnet), with the id its findings carry.
 */
interface CloudStandIn {
  /** The plan key of the cloud workload. */
  readonly key: string;
  /** Whether it has a SPIFFE identity (its proxy presents an SVID). */
  readonly identity: boolean;
  /** The stand-in address, as a number. */
  readonly address: number;
  /** `<address>[cloud:<network>/<name>]`. */
  readonly id: string;
}

/**
 * The stand-ins of the topology's cloud workloads for one cluster. A workload with no IPv4
 * subnet, or whose stand-in would lie in the cluster's own pod or node ranges (where it would
 * stand for pods as well), is left out, with a note.
 */
function cloudStandIns(plan: Plan, cluster: PlanCluster, notes: Set<string>): CloudStandIn[] {
  const own = cidrRanges([...cluster.podCidrs, ...cluster.nodeCidrs]);
  const out: CloudStandIn[] = [];
  for (const c of plan.cloudWorkloads ?? []) {
    // the middle of its first IPv4 subnet (AWS reserves the first four addresses and the last one)
    const first = [...c.subnetCidrs].sort(cmp).map((x) => parseCidr(x)).find((x) => x.family === 'ipv4');
    if (!first || first.family !== 'ipv4') {
      notes.add(`${cluster.name}: ${c.key} has no IPv4 subnet to place a stand-in address in; its flows are not judged`);
      continue;
    }
    const [lo, hi] = first.range;
    const address = lo + Math.floor((hi - lo + 1) / 2);
    if (own.some(([a, b]) => a <= address && address <= b)) {
      notes.add(`${cluster.name}: the subnets of ${c.key} lie in the pod or node ranges of the cluster; its flows are not judged`);
      continue;
    }
    out.push({ key: c.key, identity: c.identity !== undefined, address, id: `${formatIpv4(address)}[${c.key}]` });
  }
  return out;
}

/** The declared ports of flows with addresses outside the cluster, and the address ranges of their other side. */
type AddressedFlow = { readonly ranges: Interval[]; readonly ports: PortSet };

/**
 * The declared flows of each workload with addresses outside its cluster, per direction (by
 * workload key): each flow's ports and the address ranges of its other side (a cloud workload's
 * subnets, a CIDR external's address set, a remote cluster's pod CIDRs). One pass over the flows.
 */
function addressedFlows(plan: Plan, portSet: (ports: readonly PlanPort[]) => PortSet): Map<string, { out: AddressedFlow[]; in: AddressedFlow[] }> {
  const clouds = new Map((plan.cloudWorkloads ?? []).map((c) => [c.key, c]));
  const externals = new Map(plan.externals.map((x) => [x.key, x]));
  const workloads = new Map(plan.workloads.map((w) => [w.key, w]));
  const clusters = new Map(plan.clusters.map((c) => [c.name, c]));
  const rangesOf = (ref: PlanEndpointRef, own: string | undefined): Interval[] => {
    if (ref.kind === 'cloud') return cidrRanges(clouds.get(ref.key)?.subnetCidrs ?? []);
    if (ref.kind === 'external') {
      const x = externals.get(ref.key);
      return x ? cidrRanges(x.cidrs, x.except) : [];
    }
    const w = ref.kind === 'workload' ? workloads.get(ref.key) : undefined;
    const remote = w && w.cluster !== own ? clusters.get(w.cluster) : undefined;
    return remote ? cidrRanges(remote.podCidrs) : [];
  };
  const out = new Map<string, { out: AddressedFlow[]; in: AddressedFlow[] }>();
  const entry = (key: string) => {
    const e = out.get(key) ?? { out: [], in: [] };
    out.set(key, e);
    return e;
  };
  for (const f of plan.flows) {
    if (f.source.kind === 'workload') entry(f.source.key).out.push({ ranges: rangesOf(f.destination, workloads.get(f.source.key)?.cluster), ports: portSet(f.ports) });
    if (f.destination.kind === 'workload') entry(f.destination.key).in.push({ ranges: rangesOf(f.source, workloads.get(f.destination.key)?.cluster), ports: portSet(f.ports) });
  }
  return out;
}

/**
 * Judges the flows between the cluster's workloads and cloud workloads, at the stand-in address
 * of each cloud workload ({@link cloudStandIns}): for every managed workload and every stand-in,
 * in both directions, the ports the layer allows (from the connectivity list) against the ports
 * declared with anything whose addresses hold the stand-in (the cloud workloads of that subnet,
 * CIDR externals, remote clusters' pods), so missing and over-permissive allows are both found.
 * Istio is judged where it enforces: flows into the cluster's workloads (from stand-ins without a
 * SPIFFE identity: the analysis cannot present a VM's certificate from an address) and, for
 * missing allows only, the outbound side of flows to the cloud.
 */
function cloudChecks(
  ctx: RunContext, cluster: PlanCluster, layer: AnalysisLayer, scope: PortSet, endpoints: readonly WorkloadEndpoint[], entityOf: Map<string, Entity>,
  allowed: AllowedAddresses, notes: Set<string>,
): { pairs: number; checked: number; findings: VerifyFinding[] } {
  const standIns = cloudStandIns(ctx.plan, cluster, notes);
  const findings: VerifyFinding[] = [];
  let pairs = 0;
  let checked = 0;
  if (standIns.length === 0) return { pairs, checked, findings };
  notes.add(`${cluster.name}: cloud workloads are judged at one stand-in address inside their subnets; a layer that admits the address admits the whole subnet alike`);
  if (layer === 'istio' && standIns.some((s) => s.identity)) {
    notes.add(`${cluster.name}: istio is not judged on flows from VM fleets with a SPIFFE identity: the analysis cannot present their certificate from an address`);
  }
  const declaredAt = (list: readonly AddressedFlow[], address: number): PortSet =>
    PortSet.unionAll(list.filter((f) => f.ranges.some(([a, b]) => a <= address && address <= b)).map((f) => f.ports));
  const byKey = ctx.addressedFlows;
  for (const ep of endpoints) {
    const entity = entityOf.get(ep.id);
    if (!entity?.managed) continue;
    const flows = byKey.get(entity.key) ?? { out: [], in: [] };
    for (const s of standIns) {
      const judge = (src: string, dst: string, want: PortSet, got: PortSet, over: boolean) => {
        pairs++;
        const w = scope.intersect(want);
        const g = scope.intersect(got);
        if (!w.isEmpty()) checked++;
        const extra = g.subtract(w);
        const missing = w.subtract(g);
        if (over && !extra.isEmpty()) findings.push({ cluster: cluster.name, layer, kind: 'over-permissive', src, dst, ports: extra.toString() });
        if (!missing.isEmpty()) findings.push({ cluster: cluster.name, layer, kind: 'missing', src, dst, ports: missing.toString() });
      };
      // Istio enforces at the destination: outbound to the cloud it is judged for missing allows only.
      judge(ep.id, s.id, declaredAt(flows.out, s.address), portsAt(allowed.to.get(ep.id), s.address), layer !== 'istio');
      if (layer !== 'istio' || !s.identity) judge(s.id, ep.id, declaredAt(flows.in, s.address), portsAt(allowed.from.get(ep.id), s.address), true);
    }
  }
  return { pairs, checked, findings };
}

/** `a.b.c.d-e.f.g.h` or `a.b.c.d` (an external address range of the connectivity list) as numbers. */
function addressRange(id: string): Ipv4Range | undefined {
  // endpoint ids (`ns/name[Kind]`) are never addresses
  if (!/^[0-9.]+(-[0-9.]+)?$/.test(id)) return undefined;
  const [first, last, ...rest] = id.split('-');
  if (rest.length > 0) return undefined;
  const a = parseIpv4(first);
  const b = last === undefined ? a : parseIpv4(last);
  return a === undefined || b === undefined ? undefined : [a, b];
}

/** The IPv4 ranges of CIDRs minus except ranges (IPv6 and invalid entries are left out). */
function cidrRanges(cidrs: readonly string[], except: readonly string[] = []): Interval[] {
  const ranges = (xs: readonly string[]) => xs.flatMap((x) => {
    let r = CIDR_RANGES.get(x);
    if (r === undefined) {
      const c = parseCidr(x);
      r = c.family === 'ipv4' ? [c.range] : [];
      if (CIDR_RANGES.size > 100_000) CIDR_RANGES.clear();
      CIDR_RANGES.set(x, r);
    }
    return r;
  });
  return subtractIntervals(mergeIntervals(ranges(cidrs)), ranges(except));
}

/** The IPv4 range of each CIDR text met (none for IPv6 and invalid text): the same CIDRs recur in every flow. */
const CIDR_RANGES = new Map<string, readonly Interval[]>();

/** Minimal CIDRs covering exactly an inclusive IPv4 range. */
function rangeCidrs([first, last]: Interval): string[] {
  const out: string[] = [];
  let n = first;
  while (n <= last) {
    let size = 1;
    // the largest aligned block that starts at n and stays within the range
    while (size < 2 ** 32 && n % (size * 2) === 0 && n + size * 2 - 1 <= last) size *= 2;
    out.push(`${formatIpv4(n)}/${32 - Math.log2(size)}`);
    n += size;
  }
  return out;
}

/**
 * The address ranges a layer opens for FQDN-only externals: for each declared flow from a
 * workload of the cluster to an External known only by name, the external addresses the layer
 * allows from that workload on the flow's ports, less the addresses the declaration gives on
 * those ports (CIDR externals the workload calls, remote clusters' pod CIDRs of its
 * cross-cluster flows). A layer that names the FQDN (Cilium `toFQDNs`, Istio hosts) opens none.
 */
function fqdnApproximations(
  ctx: RunContext, cluster: PlanCluster, layer: AnalysisLayer, endpoints: readonly WorkloadEndpoint[], entityOf: Map<string, Entity>,
  toAddresses: ReadonlyMap<string, readonly { range: Ipv4Range; ports: PortSet }[]>,
): VerifyApproximation[] {
  const out: VerifyApproximation[] = [];
  const plan = ctx.plan;
  const externalIndex = ctx.index('externalIndex', () => new Map(plan.externals.map((x, j) => [x.key, j])));
  const externals = ctx.index('externals', () => new Map(plan.externals.map((x) => [x.key, x])));
  // the flows of each workload to FQDN-only externals
  const fqdnCalls = ctx.index('fqdnCalls', () => {
    const m = new Map<string, { f: PlanFlow; x: PlanExternal }[]>();
    for (const [key, calls] of ctx.callsOf) {
      for (const f of calls) {
        const x = f.destination.kind === 'external' ? externals.get(f.destination.key) : undefined;
        if (x && x.fqdns.length > 0 && x.cidrs.length === 0) push(m, key, { f, x });
      }
    }
    return m;
  });
  for (const ep of endpoints) {
    const entity = entityOf.get(ep.id);
    const allowed = toAddresses.get(ep.id);
    if (!entity?.managed || !allowed) continue;
    const calls = fqdnCalls.get(entity.key);
    if (!calls) continue;
    // What the declaration itself gives as addresses, per flow.
    const declared = ctx.declaredAddressesOf(entity.key, cluster.name);
    for (const { f, x } of calls) {
      const ports = ctx.ports(f.ports);
      // Group the open ranges by the ports (of this flow) they are open on.
      const byPorts = new Map<string, { ports: PortSet; ranges: Interval[] }>();
      for (const a of allowed) {
        const on = a.ports.intersect(ports);
        if (on.isEmpty()) continue;
        const minus = declared.filter((d) => on.subtract(d.ports).isEmpty()).flatMap((d) => d.ranges);
        const left = subtractIntervals([a.range], minus);
        if (left.length === 0) continue;
        const g = byPorts.get(on.toString()) ?? { ports: on, ranges: [] };
        g.ranges.push(...left);
        byPorts.set(on.toString(), g);
      }
      // The FQDN's own addresses (as the analysis resolved it) are what the declaration means:
      // a layer that opens only those is exact.
      const own = sampleAddress(x, externalIndex.get(x.key) ?? -1);
      const resolved = own === undefined ? [] : cidrRanges([own]);
      for (const g of byPorts.values()) {
        const merged = mergeIntervals(g.ranges);
        if (subtractIntervals(merged, resolved).length === 0) continue;
        out.push({
          cluster: cluster.name, layer, src: ep.id, external: x.name, fqdns: [...x.fqdns].sort(cmp), ports: g.ports.toString(),
          opens: merged.flatMap(rangeCidrs),
          except: subtractIntervals([[0, 0xffffffff]], merged).flatMap(rangeCidrs),
          addresses: merged.reduce((n, [a, b]) => n + b - a + 1, 0),
        });
      }
    }
  }
  return out.sort((a, b) => cmp(a.src, b.src) || cmp(a.external, b.external) || cmp(a.ports, b.ports));
}

/** An address inside the external (not in its except ranges); FQDN-only externals get their test address. */
function sampleAddress(x: PlanExternal, index: number): string | undefined {
  const key = `${index}\u0000${x.cidrs.join(',')}\u0000${x.except.join(',')}`;
  const hit = SAMPLES.get(x);
  if (hit && hit.key === key) return hit.address;
  const address = sampleAddressOf(x, index);
  SAMPLES.set(x, { key, address });
  return address;
}

/** The sample address of each external (by its index and ranges), computed once. */
const SAMPLES = new WeakMap<PlanExternal, { key: string; address: string | undefined }>();


/**
 * The verdicts on the network layers: the security groups of every network (all networks'
 * groups together, since rules reference groups across peered networks), judged by the `aws`
 * simulator against the plan's cloud endpoints and flows.
 */
function verifyNetworks(synthesis: Synthesis, notes: Set<string>): VerifyLayerResult[] {
  const networks = synthesis.networks ?? [];
  const manifests = networks.flatMap((n) => n.manifests);
  if (networks.length === 0 || !manifests.some((m) => m.apiVersion.startsWith('ec2.aws.upbound.io/'))) return [];
  const report = verifyAws(synthesis.plan, manifests);
  for (const n of report.notes) notes.add(`aws: ${n}`);
  const externalOf = new Map(synthesis.plan.externals.map((x) => [x.key, x]));
  return report.networks.map((n): VerifyLayerResult => {
    const approximations = report.approximations.filter((a) => a.network === n.network).map((a): VerifyApproximation => {
      const range = addressRange(a.dst);
      if (!range) throw new Error(`internal: the aws verify wrote the range ${a.dst} in a form verify cannot read`);
      const merged = mergeIntervals([range]);
      return {
        cluster: a.network, layer: 'aws', src: a.src, external: a.externals.map((k) => externalOf.get(k)?.name ?? k).join(','), fqdns: [...new Set(a.externals.flatMap((k) => externalOf.get(k)?.fqdns ?? []))].sort(cmp), ports: a.ports,
        opens: merged.flatMap(rangeCidrs), except: subtractIntervals([[0, 0xffffffff]], merged).flatMap(rangeCidrs), addresses: range[1] - range[0] + 1,
      };
    });
    return {
      cluster: n.network,
      scope: 'network',
      layer: 'aws',
      status: n.status === 'exact' && approximations.length > 0 ? 'approximate' : n.status,
      pairs: n.pairs,
      externalChecks: n.addressChecks,
      findings: n.findings.map((f): VerifyFinding => ({ cluster: f.network, scope: 'network', layer: 'aws', kind: f.kind, src: f.src, dst: f.dst, ports: f.ports, detail: f.detail })),
      approximations,
    };
  });
}

/**
 * The verdicts of every cluster with the cross-cluster pairs judged in: each layer's result
 * takes the findings and pair counts of {@link crossClusterChecks} for its cluster.
 */
function withCrossCluster(ctx: RunContext, runs: readonly ClusterRun[], notes: Set<string>): VerifyLayerResult[] {
  const all = runs.flatMap((r) => r.results);
  if (runs.length < 2) return all;
  const cross = crossClusterChecks(ctx, runs, notes);
  return all.map((r) => {
    const c = cross.get(`${r.cluster}\u0000${r.layer}`);
    if (!c) return r;
    const findings = [...r.findings, ...c.findings].sort((a, b) => cmp(a.src, b.src) || cmp(a.dst, b.dst) || cmp(a.kind, b.kind));
    return {
      ...r, pairs: r.pairs + c.pairs, crossClusterPairs: c.pairs, findings,
      status: findings.length > 0 ? 'findings' : r.status,
    };
  });
}

/**
 * Judges every cross-cluster pair, in every judged layer of both clusters. A layer that sees the
 * remote end by identity (a ClusterMesh identity, an Istio principal) is judged per pair against
 * the declared ports of that pair; one that sees it only by address (a pod CIDR) is judged once
 * per local workload and remote cluster: it must allow every flow declared between the workload
 * and that cluster's workloads, and may allow besides what CIDR externals covering that range
 * give (an External such as `0.0.0.0/0` holds the remote pods' addresses too).
 * Istio is judged on TCP, and on the source's side for missing allows only (it enforces at the
 * destination). Findings go to the cluster and layer that decided them.
 */
function crossClusterChecks(ctx: RunContext, runs: readonly ClusterRun[], notes: Set<string>): Map<string, { pairs: number; findings: VerifyFinding[] }> {
  const plan = ctx.plan;
  const multi = MultiClusterAnalysis.fromAnalyses(runs.map((r) => ({ facts: clusterFactsOf(plan, r.cluster), analysis: r.analysis })));
  const workloadCluster = new Map(plan.workloads.map((w) => [w.key, w.cluster]));
  const declared = new Map<string, PortSet>();
  for (const f of plan.flows) {
    if (f.source.kind !== 'workload' || f.destination.kind !== 'workload') continue;
    if (workloadCluster.get(f.source.key) === workloadCluster.get(f.destination.key)) continue;
    const k = `${f.source.key}\u0000${f.destination.key}`;
    declared.set(k, (declared.get(k) ?? PortSet.EMPTY).union(ctx.ports(f.ports)));
  }
  const byKey = ctx.addressedFlows;
  const declaredAt = (list: readonly AddressedFlow[] | undefined, [lo, hi]: Ipv4Range): PortSet =>
    PortSet.unionAll((list ?? []).filter((f) => f.ranges.some(([a, b]) => a <= lo && hi <= b)).map((f) => f.ports));
  const out = new Map<string, { pairs: number; findings: VerifyFinding[] }>();
  const entry = (cluster: string, layer: AnalysisLayer) => {
    const k = `${cluster}\u0000${layer}`;
    const e = out.get(k) ?? { pairs: 0, findings: [] };
    out.set(k, e);
    return e;
  };
  const managed = (r: ClusterRun) => r.workloads.flatMap((w) => {
    const e = r.entityOf.get(w.id);
    return e?.managed ? [{ w, key: e.key }] : [];
  });
  const judge = (
    e: { pairs: number; findings: VerifyFinding[] }, at: { cluster: string; layer: AnalysisLayer; direction: 'egress' | 'ingress'; peer: string; view: 'identity' | 'address' },
    src: string, dst: string, want: PortSet, got: PortSet, over: boolean, tolerated: PortSet = want,
  ) => {
    e.pairs++;
    const extra = got.subtract(tolerated);
    const missing = want.subtract(got);
    const crossCluster = { direction: at.direction, peer: at.peer, view: at.view };
    if (over && !extra.isEmpty()) e.findings.push({ cluster: at.cluster, layer: at.layer, kind: 'over-permissive', src, dst, ports: extra.toString(), crossCluster });
    if (!missing.isEmpty()) e.findings.push({ cluster: at.cluster, layer: at.layer, kind: 'missing', src, dst, ports: missing.toString(), crossCluster });
  };
  // Declared cross-cluster pairs by source key and by destination key.
  const outOf = new Map<string, Set<string>>();
  const inOf = new Map<string, Set<string>>();
  for (const k of declared.keys()) {
    const [sk, dk] = k.split('\u0000');
    outOf.set(sk, (outOf.get(sk) ?? new Set()).add(dk));
    inOf.set(dk, (inOf.get(dk) ?? new Set()).add(sk));
  }
  // Row i of an egress matrix: the destinations declared, and those the layer may allow.
  const nonEmptyRows = new WeakMap<SideMatrix, Map<number, number[]>>();
  const byRow = (m: SideMatrix, width: number, row: boolean): Map<number, number[]> | undefined => {
    if (!m.nonEmpty) return undefined;
    let hit = nonEmptyRows.get(m);
    if (!hit) {
      hit = new Map();
      for (const k of m.nonEmpty) {
        const key = row ? Math.floor(k / width) : k % width;
        const v = row ? k % width : Math.floor(k / width);
        const at = hit.get(key);
        if (at) at.push(v);
        else hit.set(key, [v]);
      }
      nonEmptyRows.set(m, hit);
    }
    return hit;
  };
  // The positions of plan keys in a list of managed endpoints (a key may have several).
  const positions = new WeakMap<readonly { key: string }[], Map<string, number[]>>();
  const positionsOf = (list: readonly { key: string }[]): Map<string, number[]> => {
    let hit = positions.get(list);
    if (!hit) {
      hit = new Map();
      for (const [j, x] of list.entries()) {
        const at = hit.get(x.key);
        if (at) at.push(j);
        else hit.set(x.key, [j]);
      }
      positions.set(list, hit);
    }
    return hit;
  };
  const declaredIn = (keys: ReadonlySet<string> | undefined, list: readonly { key: string }[], out: Set<number>): void => {
    if (!keys) return;
    const at = positionsOf(list);
    for (const k of keys) for (const j of at.get(k) ?? []) out.add(j);
  };
  const candidates = (m: SideMatrix, i: number, declaredOnly: boolean, srcKey: string, dests: readonly { key: string }[]): number[] => {
    const out = new Set<number>();
    declaredIn(outOf.get(srcKey), dests, out);
    if (!declaredOnly) {
      const rows = byRow(m, dests.length, true);
      if (rows) for (const j of rows.get(i) ?? []) out.add(j);
      else dests.forEach((_, j) => out.add(j));
    }
    return [...out].sort((x, y) => x - y);
  };
  const candidatesOf = (m: SideMatrix, j: number, dstKey: string, sources: readonly { key: string }[], width: number): number[] => {
    const out = new Set<number>();
    declaredIn(inOf.get(dstKey), sources, out);
    const cols = byRow(m, width, false);
    if (cols) for (const i of cols.get(j) ?? []) out.add(i);
    else sources.forEach((_, i) => out.add(i));
    return [...out].sort((x, y) => x - y);
  };
  // The ports declared between one workload and those of `others` (its declared peers present there).
  const declaredToward = (key: string, peers: ReadonlyMap<string, ReadonlySet<string>>, others: ReadonlyMap<string, readonly number[]>, pairKey: (peer: string) => string): PortSet =>
    PortSet.unionAll([...peers.get(key) ?? []].filter((k) => others.has(k)).map((k) => declared.get(pairKey(k)) ?? PortSet.EMPTY));
  const podsIds = new Map(runs.map((r) => [r.cluster.name, `${r.cluster.name}:pods[${multi.remoteAddress(r.cluster.name).id}]`]));
  const podsId = (cluster: string): string => podsIds.get(cluster)!;
  const managedOf = new Map(runs.map((r) => [r, managed(r)]));
  // Each layer of each cluster is asked once per direction, about every other cluster together.
  const matrices = new Map<string, Map<string, SideMatrix>>();
  const matrixOf = (r: ClusterRun, layer: AnalysisLayer, direction: 'egress' | 'ingress', peer: string): SideMatrix => {
    const k = `${r.cluster.name}\u0000${layer}\u0000${direction}`;
    let byPeer = matrices.get(k);
    if (!byPeer) {
      const scope = layer === 'istio' ? PortSet.allOf('TCP') : PortSet.ALL;
      const peers = runs.filter((x) => x !== r && managedOf.get(x)!.length > 0).map((x) => ({ cluster: x.cluster.name, workloads: managedOf.get(x)!.map((m) => m.w) }));
      const list = multi.sideMatrices(r.analysis.simulator(layer), direction, r.cluster.name, managedOf.get(r)!.map((m) => m.w), peers, scope);
      byPeer = new Map(peers.map((x, i) => [x.cluster, list[i]]));
      matrices.set(k, byPeer);
    }
    return byPeer.get(peer)!;
  };
  for (const a of runs) {
    const A = a.cluster.name;
    const sources = managedOf.get(a)!;
    for (const b of runs) {
      const B = b.cluster.name;
      if (a === b) continue;
      const dests = managedOf.get(b)!;
      if (sources.length === 0 || dests.length === 0) continue;
      const tdA = multi.trustDomainOf(A);
      const tdB = multi.trustDomainOf(B);
      // the source's side: A's egress layers
      for (const layer of a.judged) {
        const scope = layer === 'istio' ? PortSet.allOf('TCP') : PortSet.ALL;
        const view = multi.viewOf(layer, A, B, 'egress');
        const e = entry(A, layer);
        const at = { cluster: A, layer, direction: 'egress' as const, peer: B, view };
        const matrix = matrixOf(a, layer, 'egress', B);
        for (const [i, s] of sources.entries()) {
          if (view === 'identity') {
            // only pairs declared or allowed can differ (Istio's source side: declared ones, missing allows only)
            e.pairs += dests.length;
            for (const j of candidates(matrix, i, layer === 'istio', s.key, dests)) {
              const d = dests[j];
              e.pairs--;
              judge(e, at, `${A}:${s.w.id}`, `${B}:${d.w.id}`, scope.intersect(declared.get(`${s.key}\u0000${d.key}`) ?? PortSet.EMPTY), scope.intersect(matrix(i, j)), layer !== 'istio');
            }
          } else {
            const peer = multi.remoteAddress(B);
            const got = scope.intersect(matrix(i, 0));
            // declared: the flows to B's workloads; tolerated besides: what CIDR externals covering B's pods give
            const want = scope.intersect(declaredToward(s.key, outOf, positionsOf(dests), (k) => `${s.key}\u0000${k}`));
            const tolerated = want.union(scope.intersect(declaredAt(byKey.get(s.key)?.out, [peer.first, peer.last])));
            judge(e, at, `${A}:${s.w.id}`, podsId(B), want, got, layer !== 'istio', tolerated);
          }
        }
      }
      // the destination's side: B's ingress layers
      for (const layer of b.judged) {
        const scope = layer === 'istio' ? PortSet.allOf('TCP') : PortSet.ALL;
        const view = multi.viewOf(layer, B, A, 'ingress');
        const e = entry(B, layer);
        const at = { cluster: B, layer, direction: 'ingress' as const, peer: A, view };
        const matrix = matrixOf(b, layer, 'ingress', A);
        for (const [j, d] of dests.entries()) {
          if (view === 'identity') {
            e.pairs += sources.length;
            for (const i of candidatesOf(matrix, j, d.key, sources, dests.length)) {
              const s = sources[i];
              e.pairs--;
              judge(e, at, `${A}:${s.w.id}`, `${B}:${d.w.id}`, scope.intersect(declared.get(`${s.key}\u0000${d.key}`) ?? PortSet.EMPTY), scope.intersect(matrix(i, j)), true);
            }
          } else {
            const peer = multi.remoteAddress(A);
            const got = scope.intersect(matrix(0, j));
            const want = scope.intersect(declaredToward(d.key, inOf, positionsOf(sources), (k) => `${k}\u0000${d.key}`));
            const tolerated = want.union(scope.intersect(declaredAt(byKey.get(d.key)?.in, [peer.first, peer.last])));
            judge(e, at, podsId(A), `${B}:${d.w.id}`, want, got, true, tolerated);
          }
        }
      }
      if (a.judged.includes('istio') || b.judged.includes('istio')) {
        if (tdA !== tdB) notes.add(`${A} -> ${B}: istio peers of trust domain ${tdA} are judged with the principals of that domain, trusted in ${B} only through SPIRE federation (ClusterFederatedTrustDomain and federatesWith)`);
      }
      if (a.judged.includes('istio')) notes.add(`${A} -> ${B}: istio is judged on the source's side for missing allows only (it enforces at the destination)`);
    }
  }
  return out;
}
