/**
 * The analysis engine: builds the simulators of the layers present in the input and answers
 * what the manifests allow — the connectivity list, the explanation of one connection, and
 * the difference between two inputs.
 */
import { ArgCheck, isRecord as isObject } from '../core/entry';
import { Problem } from '../core/errors';
import { INPUT_CODES, ProblemSet, inputError, inputWarning } from './errors';
import { ALL_IPV4, Ipv4Range, parseCidr, parseIpv4, partitionIpv4, rangeId } from './ipv4';
import { LoadedManifests, describe, group } from './loader';
import { LabelSelector, isRecord } from './selector';
import { PortSet } from './portset';
import { SIMULATORS, SimulatorRegistration } from './simulators';
import {
  AllowedConnection,
  AllowedPair,
  AnalysisContext,
  AnalysisLayer,
  CandidatePairs,
  CloudEndpoint,
  CloudEndpointSpec,
  CloudLayer,
  CloudPeer,
  Connection,
  Endpoint,
  ExternalEndpoint,
  LayerSimulator,
  LayerVerdict,
  WorkloadEndpoint,
} from './types';

/** Options of an analysis. */
export interface AnalysisOptions {
  /**
   * SPIFFE trust domain used to derive Istio principals.
   * @default - inferred from the input (a literal trust domain in ClusterSPIFFEID `spiffeIDTemplate`s, else the one the AuthorizationPolicy principals name), else 'cluster.local'
   */
  readonly trustDomain?: string;
  /**
   * The cluster's pod CIDRs: a pod whose address the input does not give lies inside them
   * (Istio `ipBlocks` and ClusterNetworkPolicy `networks` match pod addresses too).
   * @default - unknown: such a pod may have any address
   */
  readonly podCidrs?: readonly string[];
  /** FQDN → IPv4 addresses, for FQDN rules. @default - no names are resolved */
  readonly resolve?: Readonly<Record<string, readonly string[]>>;
  /** The cluster's ClusterMesh name, for cluster-aware Cilium selectors. @default 'default' */
  readonly clusterName?: string;
  /** The simulators to use. @default SIMULATORS (every built-in layer) */
  readonly simulators?: readonly SimulatorRegistration[];
  /**
   * Cloud endpoints given explicitly (instances with an address and their security groups), for
   * the cloud layers, besides the members the groups name.
   * @default - only the members the groups name
   */
  readonly cloudEndpoints?: readonly CloudEndpointSpec[];
}

/** Options of {@link Analysis.connectivity}. */
export interface ConnectivityOptions {
  /**
   * Report one layer only.
   * @default - the effective connectivity: a connection passes only if every layer present in the input allows it
   */
  readonly layer?: AnalysisLayer;
  /**
   * More address boundaries to split external ranges at (used by diff so both sides line up).
   * @default - only the boundaries the policies name
   */
  readonly extraBoundaries?: AddressBoundaries;
  /**
   * Report only these ports (for example TCP alone, when judging Istio, which intercepts TCP only).
   * @default - every port
   */
  readonly scope?: PortSet;
}

/** The answer of {@link Analysis.layerPairs}: endpoints, and the allowed pairs by index into them. */
export interface LayerPairs {
  /** The sources: the workloads (in the context's order), then the external ranges split at the layer's ingress boundaries. */
  readonly sources: readonly Endpoint[];
  /** The destinations: the workloads, then the external ranges split at the layer's egress boundaries. */
  readonly destinations: readonly Endpoint[];
  /** Every pair with allowed ports (never empty; never an endpoint with itself, nor two external ranges), each once, in no particular order. */
  readonly pairs: readonly AllowedPair[];
}

/** IPv4 ranges that split the external address space: ingress ones split sources, egress ones destinations. */
export interface AddressBoundaries {
  /** Ranges named by ingress rules. */
  readonly ingress: readonly Ipv4Range[];
  /** Ranges named by egress rules. */
  readonly egress: readonly Ipv4Range[];
}

/** The answer of {@link Analysis.explain}. */
export interface Explanation {
  /** The source id (`ns/name[Kind]` or an address range). */
  readonly src: string;
  /** The destination id. */
  readonly dst: string;
  /** The connection judged. */
  readonly connection: Connection;
  /** Whether every layer consulted allows it. */
  readonly allowed: boolean;
  /** One verdict per layer consulted (the layers present in the input; `kubernetes` when none is). */
  readonly layers: readonly LayerVerdict[];
  /** The trust domain Istio principals were derived with, and where it came from. @default - not reported */
  readonly trustDomain?: { readonly domain: string; readonly origin: string };
}

/** A connection whose ports differ between two inputs. */
export interface ChangedConnection {
  /** Source id. */
  readonly src: string;
  /** Destination id. */
  readonly dst: string;
  /** Ports allowed before. */
  readonly before: PortSet;
  /** Ports allowed after. */
  readonly after: PortSet;
}

/** The differences of one layer (or of the effective connectivity). */
export interface LayerDiff {
  /** The layer, or `effective` for the combination of every present layer. */
  readonly layer: AnalysisLayer | 'effective';
  /** Connections allowed after but not before. */
  readonly added: readonly AllowedConnection[];
  /** Connections allowed before but not after. */
  readonly removed: readonly AllowedConnection[];
  /** Connections allowed in both, with different ports. */
  readonly changed: readonly ChangedConnection[];
}

/** The answer of {@link diff}. */
export interface DiffResult {
  /** `effective` first, then every layer present in either input. */
  readonly layers: readonly LayerDiff[];
  /** Whether anything differs in any layer. */
  readonly hasChanges: boolean;
}

/**
 * An analysis of one input: the context and the simulators of every registered layer, built
 * once and queried many times.
 *
 * @example
 * const analysis = Analysis.of(loadManifests(['deploy/']));
 * analysis.connectivity();
 * analysis.explain('shop/web', 'shop/db', { protocol: 'TCP', port: 5432 });
 */
export class Analysis {
  /**
   * Builds the analysis of loaded manifests.
   *
   * @throws AnalysisInputError when a policy object is malformed
   */
  public static of(manifests: LoadedManifests, options: AnalysisOptions = {}): Analysis {
    const check = new ArgCheck();
    checkManifests(check, 'Analysis.of(manifests)', 'manifests', manifests);
    checkAnalysisOptions(check, 'Analysis.of(options)', options);
    check.throwIfAny('Analysis.of');
    return new Analysis(manifests, options);
  }

  /** The world the simulators run in. */
  public readonly context: AnalysisContext;
  /** One simulator per registered layer, present in the input or not. */
  public readonly simulators: readonly LayerSimulator[];
  /**
   * Loader and simulator warnings (and information), de-duplicated and sorted. Computed on first
   * read: connectivity and the queries do not need them.
   */
  public get warnings(): readonly Problem[] {
    if (this.warningList === undefined) {
      const warnings = new ProblemSet();
      for (const w of [...this.manifests.warnings, ...this.trustWarnings, ...this.simulators.flatMap((s) => s.warnings ?? []), ...selectNothing(this.manifests)]) warnings.add(w);
      this.warningList = warnings.list();
    }
    return this.warningList;
  }
  /** Where the trust domain in use came from: `given`, `inferred …` or `default …`. */
  public readonly trustDomainOrigin: string;

  /** The trust-domain warnings, kept for {@link warnings}. */
  private readonly trustWarnings: readonly Problem[];
  /** {@link warnings} once computed. */
  private warningList: readonly Problem[] | undefined;

  private constructor(private readonly manifests: LoadedManifests, options: AnalysisOptions) {
    const resolve: Record<string, readonly string[]> = {};
    for (const [name, addrs] of Object.entries(options.resolve ?? {})) {
      for (const a of addrs) {
        if (parseIpv4(a) === undefined) {
          inputError({ field: `resolve ${name}` }, 'not an IPv4 address', a, 'write name=a.b.c.d, for example api.example.com=198.51.100.10');
        }
      }
      resolve[name.toLowerCase()] = [...addrs];
    }
    const podCidrs: Ipv4Range[] = [];
    for (const c of options.podCidrs ?? []) {
      const parsed = parseCidr(c);
      if (parsed.family === 'invalid') inputError({ field: 'podCidrs' }, 'not a valid CIDR', c, 'write the pod CIDR such as 10.244.0.0/16');
      if (parsed.family === 'ipv4') podCidrs.push(parsed.range);
    }
    const domains = trustDomainsOf(manifests);
    const inferred = inferTrustDomain(domains);
    const trustDomain = options.trustDomain ?? inferred?.domain ?? 'cluster.local';
    this.trustDomainOrigin = options.trustDomain !== undefined ? 'given' : inferred ? `inferred from ${inferred.from}` : 'default (the input names no trust domain)';
    this.trustWarnings = trustDomainWarnings(domains, trustDomain, this.trustDomainOrigin);
    this.context = {
      workloads: withAddresses(manifests),
      namespaces: manifests.namespaces,
      trustDomain,
      ...(options.clusterName ? { clusterName: options.clusterName } : {}),
      resolve,
      ...(podCidrs.length > 0 ? { podCidrs } : {}),
      ...(options.cloudEndpoints ? { cloudEndpoints: options.cloudEndpoints } : {}),
    };
    const regs = options.simulators ?? SIMULATORS;
    this.simulators = regs.map((r) => r.create(manifests.objects.filter(r.owns), this.context));
  }

  /** The layers present in the input, in registry order. */
  public get presentLayers(): AnalysisLayer[] {
    return this.simulators.filter((s) => s.present).map((s) => s.layer);
  }

  /** The simulator of a layer. @throws AnalysisInputError when the layer is not registered */
  public simulator(layer: AnalysisLayer): LayerSimulator {
    const s = this.simulators.find((x) => x.layer === layer);
    if (!s) {
      return inputError({}, `the layer ${layer} is not simulated`, layer, `use one of: ${this.simulators.map((x) => x.layer).join(', ')}`);
    }
    return s;
  }

  /** The address boundaries named by the given layers (all present layers by default). */
  public boundaries(layers: readonly LayerSimulator[] = this.consulted()): AddressBoundaries {
    const ingress: Ipv4Range[] = [];
    const egress: Ipv4Range[] = [];
    for (const s of layers) {
      const b = s.addressBoundaries();
      ingress.push(...b.ingress);
      egress.push(...b.egress);
    }
    return { ingress, egress };
  }

  /**
   * Every allowed connection between endpoints (workloads, and external IPv4 ranges split at
   * every boundary the policies name), sorted by source and destination id. Self-connections,
   * connections between two external ranges, and pairs with nothing allowed are not listed.
   */
  public connectivity(options: ConnectivityOptions = {}): AllowedConnection[] {
    const check = new ArgCheck();
    checkConnectivityOptions(check, 'connectivity(options)', options);
    check.throwIfAny('connectivity');
    const sims = options.layer ? [this.simulator(options.layer)] : this.consulted();
    // cloud layers answer for cloud endpoints; the cluster layers do not see them
    const cloudConns = sims.flatMap((s) => (s.cloud ? cloudConnectivity(s.cloud, options) : []));
    if (options.layer && sims[0].cloud) return cloudConns.sort((x, y) => cmp(x.src, y.src) || cmp(x.dst, y.dst));
    const b = this.boundaries(sims);
    const extra = options.extraBoundaries ?? { ingress: [], egress: [] };
    const srcExt = externals([...b.ingress, ...extra.ingress]);
    const dstExt = externals([...b.egress, ...extra.egress]);
    const sources: Endpoint[] = [...this.context.workloads, ...srcExt];
    const dests: Endpoint[] = [...this.context.workloads, ...dstExt];

    const scope = options.scope;
    const ordered = [...sims.filter((s) => s.allowedPairs), ...sims.filter((s) => !s.allowedPairs)];
    const skip = (s: Endpoint, d: Endpoint): boolean => s.id === d.id || (s.type === 'external' && d.type === 'external');
    // per source index: destination index → ports (one map per source keeps every map small)
    let current: Map<number, PortSet>[] | undefined;
    for (const sim of ordered) {
      const next: Map<number, PortSet>[] = sources.map(() => new Map());
      if (sim.allowedPairs) {
        for (const p of sim.allowedPairs(sources, dests, scope, current && candidatesOf(current, dests.length))) {
          if (skip(sources[p.src], dests[p.dst])) continue;
          if (current === undefined) {
            const ports = scope ? p.ports.intersect(scope) : p.ports;
            if (!ports.isEmpty()) next[p.src].set(p.dst, ports);
          }
          else {
            const prev = current[p.src].get(p.dst);
            if (prev === undefined) continue;
            const ports = prev.intersect(p.ports);
            if (!ports.isEmpty()) next[p.src].set(p.dst, ports);
          }
        }
      } else if (current === undefined) {
        sources.forEach((s, i) => {
          dests.forEach((d, j) => {
            if (skip(s, d)) return;
            const all = sim.allowedPorts(s, d);
            const ports = scope ? all.intersect(scope) : all;
            if (!ports.isEmpty()) next[i].set(j, ports);
          });
        });
      } else {
        current.forEach((row, i) => {
          for (const [j, prev] of row) {
            const ports = prev.intersect(sim.allowedPorts(sources[i], dests[j]));
            if (!ports.isEmpty()) next[i].set(j, ports);
          }
        });
      }
      current = next;
    }
    const out: AllowedConnection[] = [...cloudConns];
    (current ?? []).forEach((row, i) => {
      for (const [j, ports] of row) out.push({ src: sources[i].id, dst: dests[j].id, ports });
    });
    return out.sort((x, y) => cmp(x.src, y.src) || cmp(x.dst, y.dst));
  }

  /**
   * The allowed pairs of one layer by index, before any id is written: the endpoints the
   * connectivity list would name (the workloads, and the external IPv4 ranges split at the
   * layer's boundaries) and every pair with a non-empty set of allowed ports, in no particular
   * order. The same pairs and ports as {@link Analysis.connectivity} with `layer` (and `scope`)
   * lists, for callers that compare them with other sparse sets (verify) and need no sorted
   * text. A cloud layer's pairs are not given here (see {@link Analysis.connectivity}).
   *
   * @param layer the layer (a cluster layer)
   * @param scope only these ports @default - every port
   * @throws AnalysisInputError when the layer is not registered
   */
  public layerPairs(layer: AnalysisLayer, scope?: PortSet): LayerPairs {
    const sim = this.simulator(layer);
    const b = sim.addressBoundaries();
    const sources: Endpoint[] = [...this.context.workloads, ...externals(b.ingress)];
    const destinations: Endpoint[] = [...this.context.workloads, ...externals(b.egress)];
    const pairs: AllowedPair[] = [];
    const skip = (s: Endpoint, d: Endpoint): boolean => s.id === d.id || (s.type === 'external' && d.type === 'external');
    if (sim.allowedPairs) {
      for (const p of sim.allowedPairs(sources, destinations, scope)) {
        if (skip(sources[p.src], destinations[p.dst])) continue;
        const ports = scope ? p.ports.intersect(scope) : p.ports;
        if (!ports.isEmpty()) pairs.push(ports === p.ports ? p : { src: p.src, dst: p.dst, ports });
      }
    } else {
      sources.forEach((s, i) => {
        destinations.forEach((d, j) => {
          if (skip(s, d)) return;
          const all = sim.allowedPorts(s, d);
          const ports = scope ? all.intersect(scope) : all;
          if (!ports.isEmpty()) pairs.push({ src: i, dst: j, ports });
        });
      });
    }
    return { sources, destinations, pairs };
  }

  /**
   * Decides one connection in every layer consulted, naming the rules that decided it.
   *
   * @param from the source: `ns/name`, `ns/name[Kind]`, a workload name in `default`, an IPv4 address or CIDR, or an endpoint
   * @param to the destination, written the same way
   * @param conn the connection
   */
  public explain(from: string | Endpoint | CloudEndpoint, to: string | Endpoint | CloudEndpoint, conn: Connection): Explanation {
    const check = new ArgCheck();
    checkEndpointArg(check, 'explain(from)', 'from', from);
    checkEndpointArg(check, 'explain(to)', 'to', to);
    checkConnection(check, 'explain(conn)', conn);
    check.throwIfAny('explain');
    const src = typeof from === 'string' ? this.find(from) : from;
    const dst = typeof to === 'string' ? this.find(to) : to;
    if (src.type === 'cloud' || dst.type === 'cloud') return this.explainCloud(src, dst, conn);
    if (src.type === 'external' && dst.type === 'external') {
      inputError({}, 'both ends of the connection are outside the cluster; no layer polices that', `${src.id} -> ${dst.id}`, 'name a workload as the source or the destination');
    }
    if (!Number.isInteger(conn.port) || conn.port < 1 || conn.port > 65535) {
      inputError({}, 'a port must be a whole number from 1 to 65535', conn.port, 'write the port as tcp/5432');
    }
    const layers = this.consulted().map((s) => s.explain(src, dst, conn));
    const trust = layers.some((l) => l.layer === 'istio') ? { trustDomain: { domain: this.context.trustDomain, origin: this.trustDomainOrigin } } : {};
    return { src: src.id, dst: dst.id, connection: conn, allowed: layers.every((l) => l.allowed), layers, ...trust };
  }

  /**
   * Finds an endpoint: `ns/name[Kind]`, `ns/name` (any kind, if only one matches; the name of
   * a pod reported as its owner finds the owner), `name` (in namespace `default`), an IPv4
   * address, or an IPv4 CIDR (a range outside the cluster).
   *
   * @throws AnalysisInputError when nothing or more than one workload matches
   */
  public endpoint(text: string): Endpoint {
    const check = new ArgCheck();
    check.text('endpoint(text)', 'text', text, "'shop/web', 'shop/web[Deployment]' or '198.51.100.10'");
    check.throwIfAny('endpoint');
    const t = text.trim();
    const ip = parseIpv4(t);
    if (ip !== undefined) return external(ip, ip);
    if (/^[0-9.]+\/\d+$/.test(t)) {
      const c = parseCidr(t);
      if (c.family !== 'ipv4') return inputError({}, 'not a valid IPv4 CIDR', t, 'write an address such as 198.51.100.10 or a CIDR such as 198.51.100.0/24');
      return external(c.range[0], c.range[1]);
    }
    const m = /^(?:([^/\s]+)\/)?([^/[\s]+)(?:\[([A-Za-z]+)\])?$/.exec(t);
    if (!m) return inputError({}, 'not a workload or an address', t, 'write ns/name, ns/name[Kind] or an IPv4 address');
    const ns = m[1] ?? 'default';
    const owner = m[3] === undefined ? this.manifests.podOwners?.[`${ns}/${m[2]}`] : undefined;
    if (owner !== undefined) return this.endpoint(owner);
    const found = this.context.workloads.filter((w) => w.namespace === ns && w.name === m[2] && (m[3] === undefined || w.kind === m[3]));
    if (found.length === 1) return found[0];
    if (found.length > 1) {
      return inputError({}, 'more than one workload has that name', t, `name one of: ${found.map((w) => w.id).join(', ')}`);
    }
    const inNs = this.context.workloads.filter((w) => w.namespace === ns).map((w) => w.id);
    return inputError(
      {},
      `no workload ${ns}/${m[2]}${m[3] ? `[${m[3]}]` : ''} in the input`,
      t,
      inNs.length > 0 ? `name one of: ${inNs.slice(0, 10).join(', ')}${inNs.length > 10 ? ', …' : ''}` : 'check the namespace and the name (workloads are Deployments, StatefulSets, DaemonSets, Jobs, CronJobs, ReplicaSets, ReplicationControllers and Pods)',
    );
  }

  /**
   * Finds an endpoint: a cloud endpoint by id (a member key such as `cloud:prod/erp`, or the
   * name of an explicit one), else as {@link Analysis.endpoint} does.
   *
   * @throws AnalysisInputError when nothing or more than one endpoint matches
   */
  public find(text: string): Endpoint | CloudEndpoint {
    const check = new ArgCheck();
    check.text('find(text)', 'text', text, "'cloud:prod/erp', 'shop/web' or '198.51.100.10'");
    check.throwIfAny('find');
    const cloud = this.cloudEndpoint(text.trim());
    return cloud ?? this.endpoint(text);
  }

  /** The cloud endpoint with the id, if a cloud layer of the input has one. */
  public cloudEndpoint(id: string): CloudEndpoint | undefined {
    for (const s of this.simulators) {
      const e = s.cloud?.endpoints.find((x) => x.id === id);
      if (e) return e;
    }
    return undefined;
  }

  /** The cloud endpoints of every cloud layer, sorted by id. */
  public get cloudEndpoints(): readonly CloudEndpoint[] {
    return this.simulators.flatMap((s) => s.cloud?.endpoints ?? []).sort((a, b) => cmp(a.id, b.id));
  }

  private explainCloud(src: Endpoint | CloudEndpoint, dst: Endpoint | CloudEndpoint, conn: Connection): Explanation {
    if (src.type === 'workload' || dst.type === 'workload') {
      const w = src.type === 'workload' ? src : (dst as WorkloadEndpoint);
      return inputError({}, `${w.id} is a Kubernetes workload and the other end a cloud endpoint: the cluster layers do not see cloud endpoints, and the cloud layers police cloud endpoints and addresses`, w.id, 'explain the cloud side with the workload\'s address (a pod IP or its pod CIDR), or explain the workload in its cluster');
    }
    if (!Number.isInteger(conn.port) || conn.port < 1 || conn.port > 65535) {
      inputError({}, 'a port must be a whole number from 1 to 65535', conn.port, 'write the port as tcp/5432');
    }
    const layers = this.simulators.filter((s) => s.present && s.cloud).map((s) => (s.cloud as CloudLayer).explain(src as CloudPeer, dst as CloudPeer, conn));
    return { src: src.id, dst: dst.id, connection: conn, allowed: layers.every((l) => l.allowed), layers };
  }

  /** The layers consulted by default: the present ones, or the Kubernetes default when none is. */
  private consulted(): LayerSimulator[] {
    const present = this.simulators.filter((s) => s.present);
    if (present.length > 0) return present;
    const k = this.simulators.find((s) => s.layer === 'kubernetes');
    return k ? [k] : [];
  }

  /** The loaded manifests. */
  public get input(): LoadedManifests {
    return this.manifests;
  }
}

// ------------------------------------------------------------------ argument checks

const LOAD_FIX = 'pass what loadManifests([...paths]) or loadObjects([...objects]) returns';

/** The loaded manifests of an entry point: the shape loadManifests returns. */
function checkManifests(check: ArgCheck, where: string, field: string, m: unknown): void {
  if (!isObject(m)) return check.kind(where, field, m, 'loaded manifests', LOAD_FIX);
  for (const key of ['objects', 'workloads', 'warnings'] as const) {
    if (!Array.isArray(m[key])) check.kind(where, `${field}.${key}`, m[key], 'a list', LOAD_FIX);
  }
  if (!isObject(m.namespaces)) check.kind(where, `${field}.namespaces`, m.namespaces, 'an object of namespace labels by name', LOAD_FIX);
  if (m.podOwners !== undefined && !isObject(m.podOwners)) check.kind(where, `${field}.podOwners`, m.podOwners, 'an object of workload ids by pod', LOAD_FIX);
}

/** The options of an analysis: trust domain, pod CIDRs, resolved names, cluster name, simulators. */
function checkAnalysisOptions(check: ArgCheck, where: string, options: unknown): void {
  const o = check.options(where, 'options', options, "{ trustDomain: 'prod.shop.example.com' }");
  if (!o) return;
  check.text(where, 'options.trustDomain', o.trustDomain, "'prod.shop.example.com' (the SPIFFE trust domain of the cluster)", { optional: true });
  check.textList(where, 'options.podCidrs', o.podCidrs, "['10.244.0.0/16']", true);
  if (o.resolve !== undefined) {
    if (!isObject(o.resolve)) {
      check.kind(where, 'options.resolve', o.resolve, 'an object of IPv4 address lists by name', "{ 'api.example.com': ['198.51.100.10'] }");
    } else {
      for (const [name, addrs] of Object.entries(o.resolve)) check.textList(where, `options.resolve['${name}']`, addrs, "['198.51.100.10']");
    }
  }
  check.text(where, 'options.clusterName', o.clusterName, "'eks-eu' (the ClusterMesh name)", { optional: true, empty: true });
  check.list(where, 'options.cloudEndpoints', o.cloudEndpoints, "[{ name: 'bastion', address: '10.0.1.10', groups: ['bastion'] }]", { optional: true });
  check.list(where, 'options.simulators', o.simulators, 'SIMULATORS (or some of its entries)', {
    optional: true,
    item: (r, i) => {
      if (!isObject(r) || typeof r.layer !== 'string' || typeof r.owns !== 'function' || typeof r.create !== 'function') {
        check.kind(where, `options.simulators[${i}]`, r, 'a simulator registration ({ layer, owns, create })', 'one of SIMULATORS, such as KUBERNETES_SIMULATOR');
      }
    },
  });
}

/** The options of a connectivity list: one layer, more boundaries, a port scope. */
function checkConnectivityOptions(check: ArgCheck, where: string, options: unknown, whole: boolean = true): void {
  const o = whole ? check.options(where, 'options', options, "{ layer: 'kubernetes' }") : (isObject(options) ? options : undefined);
  if (!o) return;
  check.text(where, 'options.layer', o.layer, "'kubernetes', 'cilium', 'istio' or 'aws'", { optional: true });
  if (o.extraBoundaries !== undefined) {
    const b = o.extraBoundaries;
    const ranges = (x: unknown): boolean => Array.isArray(x) && x.every((r: unknown) => Array.isArray(r) && r.length === 2 && r.every((n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffffffff));
    if (!isObject(b) || !ranges(b.ingress) || !ranges(b.egress)) {
      check.kind(where, 'options.extraBoundaries', b, 'address boundaries ({ ingress, egress }: lists of [first, last] IPv4 numbers)', 'pass what Analysis.boundaries() returns, or leave it out');
    }
  }
  if (o.scope !== undefined && !(isObject(o.scope) && typeof (o.scope as { intersect?: unknown }).intersect === 'function')) {
    check.kind(where, 'options.scope', o.scope, 'a PortSet', "PortSet.parse('tcp/1-65535'), or leave it out for every port");
  }
}

/** One end of an explained connection: text (`ns/name`, an address) or an endpoint of the analysis. */
function checkEndpointArg(check: ArgCheck, where: string, field: string, e: unknown): void {
  if (typeof e === 'string') {
    check.text(where, field, e, "'shop/web', 'shop/web[Deployment]' or '198.51.100.10'");
    return;
  }
  const workload = isObject(e) && e.type === 'workload' && typeof e.id === 'string' && typeof e.namespace === 'string' && typeof e.name === 'string'
    && typeof e.kind === 'string' && isObject(e.labels) && isObject(e.namespaceLabels) && typeof e.serviceAccount === 'string' && Array.isArray(e.ports);
  const address = (n: unknown): boolean => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
  const external = isObject(e) && e.type === 'external' && typeof e.id === 'string' && address(e.first) && address(e.last) && (e.first as number) <= (e.last as number);
  const cloud = isObject(e) && e.type === 'cloud' && typeof e.id === 'string' && Array.isArray(e.groups) && typeof e.vpc === 'string';
  if (!workload && !external && !cloud) check.kind(where, field, e, "a workload or an address ('shop/web', '198.51.100.10') or an endpoint of the analysis", "pass text such as 'shop/web', or an endpoint from analysis.endpoint('shop/web')");
}

/** The connection to explain: protocol, port and, for L7 layers, the HTTP request. */
function checkConnection(check: ArgCheck, where: string, conn: unknown): void {
  const c = check.options(where, 'conn', conn, "{ protocol: 'TCP', port: 5432 }", false);
  if (!c) return;
  if (!['TCP', 'UDP', 'SCTP'].includes(c.protocol as string)) check.kind(where, 'conn.protocol', c.protocol, "'TCP', 'UDP' or 'SCTP'", "pass { protocol: 'TCP', port: 5432 }");
  if (typeof c.port !== 'number') check.kind(where, 'conn.port', c.port, 'a whole number from 1 to 65535', "pass { protocol: 'TCP', port: 5432 }");
  if (c.http !== undefined) {
    if (!isObject(c.http)) {
      check.kind(where, 'conn.http', c.http, 'an HTTP request', "{ method: 'GET', path: '/' }, or leave http out for a plain TCP connection");
    } else {
      check.text(where, 'conn.http.method', c.http.method, "'GET'");
      check.text(where, 'conn.http.path', c.http.path, "'/api/orders'");
      check.text(where, 'conn.http.host', c.http.host, "'shop.example.com'", { optional: true });
      if (c.http.headers !== undefined) {
        if (!isObject(c.http.headers)) check.kind(where, 'conn.http.headers', c.http.headers, 'an object of header values by name', "{ 'x-user': 'alice' }");
        else for (const [k, v] of Object.entries(c.http.headers)) if (typeof v !== 'string') check.kind(where, `conn.http.headers['${k}']`, v, 'a string', "'alice'");
      }
    }
  }
  if (c.ipFamily !== undefined && c.ipFamily !== 'ipv4' && c.ipFamily !== 'ipv6') check.kind(where, 'conn.ipFamily', c.ipFamily, "'ipv4' or 'ipv6'", 'leave it out for IPv4');
  if (c.application !== undefined && !['tcp', 'http', 'any'].includes(c.application as string)) {
    check.kind(where, 'conn.application', c.application, "'tcp', 'http' or 'any'", "leave it out for Istio's protocol selection");
  }
  check.bool(where, 'conn.plaintext', c.plaintext);
}

/**
 * Every allowed connection of the manifests.
 *
 * @see Analysis.connectivity
 */
export function connectivity(manifests: LoadedManifests, options: ConnectivityOptions & AnalysisOptions = {}): AllowedConnection[] {
  const check = new ArgCheck();
  checkManifests(check, 'connectivity(manifests)', 'manifests', manifests);
  checkAnalysisOptions(check, 'connectivity(options)', options);
  checkConnectivityOptions(check, 'connectivity(options)', options, false);
  check.throwIfAny('connectivity');
  return Analysis.of(manifests, options).connectivity(options);
}

/**
 * Decides one connection, per layer.
 *
 * @see Analysis.explain
 */
export function explain(manifests: LoadedManifests, from: string | Endpoint | CloudEndpoint, to: string | Endpoint | CloudEndpoint, conn: Connection, options: AnalysisOptions = {}): Explanation {
  const check = new ArgCheck();
  checkManifests(check, 'explain(manifests)', 'manifests', manifests);
  checkEndpointArg(check, 'explain(from)', 'from', from);
  checkEndpointArg(check, 'explain(to)', 'to', to);
  checkConnection(check, 'explain(conn)', conn);
  checkAnalysisOptions(check, 'explain(options)', options);
  check.throwIfAny('explain');
  return Analysis.of(manifests, options).explain(from, to, conn);
}

/**
 * The connections added, removed and changed between two inputs: for the effective
 * connectivity and for every layer present in either. Both sides split external addresses at
 * the boundaries of both, so ranges line up.
 */
export function diff(before: LoadedManifests, after: LoadedManifests, options: AnalysisOptions = {}): DiffResult {
  const check = new ArgCheck();
  checkManifests(check, 'diff(before)', 'before', before);
  checkManifests(check, 'diff(after)', 'after', after);
  checkAnalysisOptions(check, 'diff(options)', options);
  check.throwIfAny('diff');
  const a = Analysis.of(before, options);
  const b = Analysis.of(after, options);
  const ba = a.boundaries(a.simulators);
  const bb = b.boundaries(b.simulators);
  const cloud = [...a.simulators, ...b.simulators].flatMap((s) => (s.cloud ? [s.cloud.addressBoundaries()] : []));
  const extra: AddressBoundaries = {
    ingress: [...ba.ingress, ...bb.ingress, ...cloud.flatMap((c) => c.ingress)],
    egress: [...ba.egress, ...bb.egress, ...cloud.flatMap((c) => c.egress)],
  };
  const layerNames: AnalysisLayer[] = [];
  for (const s of [...a.simulators, ...b.simulators]) {
    if (s.present && !layerNames.includes(s.layer)) layerNames.push(s.layer);
  }
  const order = (a.simulators.length > 0 ? a.simulators : b.simulators).map((s) => s.layer);
  layerNames.sort((x, y) => order.indexOf(x) - order.indexOf(y));
  const layers: LayerDiff[] = [compare('effective', a.connectivity({ extraBoundaries: extra }), b.connectivity({ extraBoundaries: extra }))];
  for (const l of layerNames) {
    layers.push(compare(l, a.connectivity({ layer: l, extraBoundaries: extra }), b.connectivity({ layer: l, extraBoundaries: extra })));
  }
  return { layers, hasChanges: layers.some((l) => l.added.length + l.removed.length + l.changed.length > 0) };
}

function compare(layer: AnalysisLayer | 'effective', before: readonly AllowedConnection[], after: readonly AllowedConnection[]): LayerDiff {
  const key = (c: AllowedConnection): string => `${c.src}\u0000${c.dst}`;
  const bm = new Map(before.map((c) => [key(c), c]));
  const am = new Map(after.map((c) => [key(c), c]));
  const added: AllowedConnection[] = [];
  const removed: AllowedConnection[] = [];
  const changed: ChangedConnection[] = [];
  for (const c of after) {
    const prev = bm.get(key(c));
    if (!prev) added.push(c);
    else if (!prev.ports.equals(c.ports)) changed.push({ src: c.src, dst: c.dst, before: prev.ports, after: c.ports });
  }
  for (const c of before) if (!am.has(key(c))) removed.push(c);
  return { layer, added, removed, changed };
}

/** The trust domains the input names: literal ones of ClusterSPIFFEID templates, and those of AuthorizationPolicy principals. */
interface NamedDomains {
  /** Domain → ClusterSPIFFEID names whose template names it. */
  readonly templates: ReadonlyMap<string, readonly string[]>;
  /** Domain → `AuthorizationPolicy ns/name` refs whose principals name it (once per principal). */
  readonly principals: ReadonlyMap<string, readonly string[]>;
}

function trustDomainsOf(manifests: LoadedManifests): NamedDomains {
  const templates = new Map<string, string[]>();
  const principals = new Map<string, string[]>();
  const add = (m: Map<string, string[]>, k: string, v: string): void => {
    const l = m.get(k);
    if (l) l.push(v);
    else m.set(k, [v]);
  };
  const rec = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  for (const o of manifests.objects) {
    const spec = o.raw.spec;
    if (!rec(spec)) continue;
    const groupOf = o.apiVersion.split('/')[0];
    if (o.kind === 'ClusterSPIFFEID' && groupOf === 'spire.spiffe.io' && typeof spec.spiffeIDTemplate === 'string') {
      const m = /^spiffe:\/\/([^/{}\s]+)\//.exec(spec.spiffeIDTemplate);
      if (m) add(templates, m[1].toLowerCase(), o.name);
    }
    if (o.kind === 'AuthorizationPolicy' && groupOf === 'security.istio.io') {
      const ref = `AuthorizationPolicy ${o.namespace ?? 'default'}/${o.name}`;
      const note = (p: unknown): void => {
        if (typeof p !== 'string') return;
        const parts = p.replace(/^spiffe:\/\//, '').split('/');
        // `<trust domain>/ns/<namespace>/sa/<service account>`; cluster.local names the local domain
        if (parts.length >= 5 && parts[1] === 'ns' && !parts[0].includes('*') && parts[0] !== 'cluster.local' && parts[0] !== '') add(principals, parts[0].toLowerCase(), ref);
      };
      for (const r of list(spec.rules)) {
        if (!rec(r)) continue;
        for (const f of list(r.from)) {
          const src = rec(f) ? f.source : undefined;
          if (rec(src)) for (const p of [...list(src.principals), ...list(src.notPrincipals)]) note(p);
        }
        for (const c of list(r.when)) {
          if (rec(c) && c.key === 'source.principal') for (const p of [...list(c.values), ...list(c.notValues)]) note(p);
        }
      }
    }
  }
  return { templates, principals };
}

function inferTrustDomain(d: NamedDomains): { domain: string; from: string } | undefined {
  const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;
  const best = (m: ReadonlyMap<string, readonly string[]>): [string, readonly string[]] | undefined =>
    [...m].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))[0];
  const t = best(d.templates);
  if (t) return { domain: t[0], from: `the spiffeIDTemplate of ${plural(t[1].length, 'ClusterSPIFFEID')}` };
  const p = best(d.principals);
  if (p) return { domain: p[0], from: `${plural(p[1].length, 'principal')} of AuthorizationPolicies` };
  return undefined;
}

function trustDomainWarnings(d: NamedDomains, inUse: string, origin: string): Problem[] {
  const out: Problem[] = [];
  for (const [domain, refs] of [...d.principals].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (domain === inUse.toLowerCase()) continue;
    const policies = [...new Set(refs)].sort();
    out.push({
      severity: 'warning', code: TRUST_DOMAIN_CODE, path: policies.slice(0, 3).join(', ') + (policies.length > 3 ? ', …' : ''),
      message: `${refs.length} principal${refs.length === 1 ? '' : 's'} name trust domain ${domain}, but the analysis uses ${inUse} (${origin}): they match no workload of this input`,
      value: domain,
      fix: `pass --trust-domain ${domain} if that is the mesh's trust domain`,
    });
  }
  for (const [domain, names] of [...d.templates].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (domain === inUse.toLowerCase()) continue;
    out.push({
      severity: 'warning', code: TRUST_DOMAIN_CODE, path: [...names].sort().slice(0, 3).map((n) => `ClusterSPIFFEID ${n}`).join(', '),
      message: `these ClusterSPIFFEIDs issue identities in trust domain ${domain}, but the analysis uses ${inUse} (${origin})`,
      value: domain,
      fix: `pass --trust-domain ${domain} if that is the mesh's trust domain`,
    });
  }
  return out;
}

/** The code of a warning that principals or SPIFFE ID templates name another trust domain than the analysis uses. */
export const TRUST_DOMAIN_CODE = 'BH-AN-TRUST-DOMAIN';

/**
 * A warning for every policy whose workload selector selects no workload of the input: it
 * changes nothing the analysis reports (a typo in a label, or workloads missing from the
 * input). Checked where the selector's meaning is plain: a NetworkPolicy's podSelector, the
 * selector of an Istio policy outside the root namespace, and a CiliumNetworkPolicy's
 * endpointSelector on Kubernetes pod labels.
 */
function selectNothing(manifests: LoadedManifests): Problem[] {
  if (manifests.workloads.length === 0) return [];
  const out: Problem[] = [];
  // the workloads by namespace, and by namespace and label, so that each selector is tried only
  // on the workloads that carry one of the values it requires
  const byNamespace = new Map<string, WorkloadEndpoint[]>();
  const byLabel = new Map<string, WorkloadEndpoint[]>();
  const add = (m: Map<string, WorkloadEndpoint[]>, k: string, w: WorkloadEndpoint): void => {
    const at = m.get(k);
    if (at) at.push(w);
    else m.set(k, [w]);
  };
  for (const w of manifests.workloads) {
    add(byNamespace, w.namespace, w);
    for (const [k, v] of Object.entries(w.labels)) add(byLabel, `${w.namespace}\u0000${k}\u0000${v}`, w);
  }
  const candidates = (namespace: string, sel: LabelSelector): readonly WorkloadEndpoint[] => {
    let best = byNamespace.get(namespace) ?? [];
    for (const r of sel.requirements) {
      if (r.operator !== 'In') continue;
      const union = r.values.flatMap((v) => byLabel.get(`${namespace}\u0000${r.key}\u0000${v}`) ?? []);
      if (union.length < best.length) best = union;
    }
    return best;
  };
  const check = (o: LoadedManifests['objects'][number], field: string, raw: unknown, labelsOnly: boolean): void => {
    if (o.namespace === undefined) return;
    const at = { source: o.source, object: describe(o), field };
    let sel: LabelSelector;
    try {
      sel = LabelSelector.parse(raw, at);
    } catch {
      return; // the layer's simulator reports malformed selectors
    }
    if (labelsOnly) {
      const reqs = sel.requirements.map((r) => ({ ...r, key: r.key.replace(/^(k8s|any):/, '') }));
      // Cilium's own labels (namespace, service account, cluster, reserved) are not pod labels
      if (reqs.some((r) => /^(io\.kubernetes\.|io\.cilium\.|reserved:|[a-z0-9-]+:)/.test(r.key))) return;
      sel = LabelSelector.of(reqs);
    }
    if (candidates(o.namespace, sel).some((w) => sel.matches(w.labels))) return;
    out.push(inputWarning(at, INPUT_CODES.selectsNothing, `the policy selects no workload of the input (namespace ${o.namespace}, selector ${sel.toString() || '{}'}): it changes nothing the analysis reports`, 'check the selector labels and the namespace, or add the workload manifests to the input'));
  };
  for (const o of manifests.objects) {
    const spec = o.raw.spec;
    if (!isRecord(spec)) continue;
    const g = group(o.apiVersion);
    if (o.kind === 'NetworkPolicy' && (g === 'networking.k8s.io' || g === 'extensions')) check(o, 'spec.podSelector', spec.podSelector, false);
    else if ((g === 'security.istio.io') && ['AuthorizationPolicy', 'PeerAuthentication', 'RequestAuthentication'].includes(o.kind) && o.namespace !== ISTIO_ROOT_NAMESPACE) {
      if (isRecord(spec.selector) && spec.targetRef === undefined && spec.targetRefs === undefined) check(o, 'spec.selector', { matchLabels: spec.selector.matchLabels }, false);
    } else if (o.kind === 'CiliumNetworkPolicy' && g === 'cilium.io' && isRecord(spec.endpointSelector)) {
      check(o, 'spec.endpointSelector', spec.endpointSelector, true);
    }
  }
  return out;
}

/** The workloads, with the IPv4 addresses of their pods where Pods of the input give them (`status.podIP`, `status.podIPs`). */
function withAddresses(manifests: LoadedManifests): readonly WorkloadEndpoint[] {
  const byId = new Map<string, Set<number>>();
  for (const o of manifests.objects) {
    if (o.kind !== 'Pod' || o.apiVersion !== 'v1') continue;
    const status = o.raw.status;
    if (typeof status !== 'object' || status === null || Array.isArray(status)) continue;
    const st = status as Record<string, unknown>;
    const ips: unknown[] = [st.podIP, ...(Array.isArray(st.podIPs) ? st.podIPs.map((x) => (typeof x === 'object' && x !== null ? (x as Record<string, unknown>).ip : undefined)) : [])];
    const ns = o.namespace ?? 'default';
    const id = manifests.podOwners?.[`${ns}/${o.name}`] ?? `${ns}/${o.name}[Pod]`;
    for (const ip of ips) {
      const n = typeof ip === 'string' ? parseIpv4(ip) : undefined;
      if (n === undefined) continue;
      const set = byId.get(id) ?? new Set<number>();
      set.add(n);
      byId.set(id, set);
    }
  }
  if (byId.size === 0) return manifests.workloads;
  return manifests.workloads.map((w) => {
    const a = byId.get(w.id);
    return a ? { ...w, addresses: [...a].sort((x, y) => x - y) } : w;
  });
}

/** Istio's default root namespace, whose selector-less policies apply mesh-wide. */
const ISTIO_ROOT_NAMESPACE = 'istio-system';

/**
 * The connectivity of a cloud layer: every pair of its cloud endpoints, and each with the IPv4
 * ranges outside every group (split at the rules' boundaries), in IPv4.
 */
function cloudConnectivity(layer: CloudLayer, options: ConnectivityOptions): AllowedConnection[] {
  const b = layer.addressBoundaries();
  const extra = options.extraBoundaries ?? { ingress: [], egress: [] };
  const sources: CloudPeer[] = [...layer.endpoints, ...externals([...b.ingress, ...extra.ingress])];
  const dests: CloudPeer[] = [...layer.endpoints, ...externals([...b.egress, ...extra.egress])];
  const out: AllowedConnection[] = [];
  if (layer.allowedPairs) {
    for (const p of layer.allowedPairs(sources, dests)) {
      const ports = options.scope ? p.ports.intersect(options.scope) : p.ports;
      if (!ports.isEmpty()) out.push({ src: sources[p.src].id, dst: dests[p.dst].id, ports });
    }
    return out;
  }
  for (const s of sources) {
    for (const d of dests) {
      if (s.id === d.id || (s.type === 'external' && d.type === 'external')) continue;
      const all = layer.allowedPorts(s, d);
      const ports = options.scope ? all.intersect(options.scope) : all;
      if (!ports.isEmpty()) out.push({ src: s.id, dst: d.id, ports });
    }
  }
  return out;
}

/** The pairs allowed so far, as candidates of the next bulk query (sources of each destination, ascending). */
function candidatesOf(current: readonly Map<number, PortSet>[], destinations: number): CandidatePairs {
  const bySrc: number[][] = Array.from({ length: destinations }, () => []);
  current.forEach((row, i) => {
    for (const j of row.keys()) bySrc[j].push(i);
  });
  return { sourcesOf: (dst) => bySrc[dst] };
}

function external(first: number, last: number): ExternalEndpoint {
  return { type: 'external', id: rangeId(first, last), first, last };
}

function externals(boundaries: readonly Ipv4Range[]): ExternalEndpoint[] {
  const parts = boundaries.length === 0 ? [ALL_IPV4] : partitionIpv4(boundaries);
  return parts.map(([a, b]) => external(a, b));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
