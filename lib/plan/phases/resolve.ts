/**
 * The resolve phase: reads the entities of a declaration (the topology's settings, tiers,
 * clusters and their platform services, Externals, workloads, domains and their exports),
 * reports their problems, and registers every flow endpoint in the {@link EndpointTable}.
 *
 * New kinds of endpoint plug in here: a kind in {@link ENDPOINT_KINDS} and an
 * {@link EndpointReader} in {@link ENDPOINT_READERS} (see `phases/endpoints.ts`).
 */
import { Cidr } from '../../core/cidr';
import { cmp } from '../../core/errors';
import { isRecord } from '../../core/entry';
import { TrustDomain } from '../../core/identity';
import { dnsSubdomainProblem, LABELS, labelValueProblem } from '../../core/names';
import { Port } from '../../core/port';
import { defaultControls, InternetEgress, Sensitivity, TierControls } from '../../core/sensitivity';
import { Cluster } from '../../model/cluster';
import { DomainBoundary } from '../../model/domain';
import { External } from '../../model/external';
import { SensitiveTier } from '../../model/tier';
import { PlatformService } from '../../model/topology';
import { Workload } from '../../model/workload';
import { LAYERS } from '../../core/layers';
import {
  PlanBundleEndpoint, PlanCluster, PlanExternal, PlanHttpRule, PlanNamedPort, PlanPlatformEndpoint, PlanPort, PlanTier, PlanWorkload,
} from '../types';
import { addressSet, AddressSet, checkAddressOverlaps } from '../checks/addresses';
import { checkHttpProtocol } from '../checks/http';
import { checkSharedIdentities } from '../checks/identity';
import { checkWorkloadNamespace, platformNamespaces, PlatformNamespaces } from '../checks/namespaces';
import { checkReservedKeys, checkSelectorOverlaps } from '../checks/selectors';
import { Endpoint, EndpointKind, EndpointTable, EndpointTier } from './endpoints';
import { Declaration } from './problems';
import { checkDnsName, checkSelector, checkUnique, httpRules, resolvePorts, sortedRecord } from './values';

const DEFAULT_DNS: Required<PlatformService> = { namespace: 'kube-system', selector: { 'k8s-app': 'kube-dns' }, serviceAccount: 'coredns' };
const DEFAULT_MESH: Required<PlatformService> = { namespace: 'istio-system', selector: { app: 'istiod' }, serviceAccount: 'istiod' };
const FQDN = /^(\*\.)?([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** A Kubernetes workload as resolved: the construct, its plan entry (edges still to come) and its endpoint. */
export interface ResolvedWorkload {
  /** The declaring construct. */
  readonly construct: Workload;
  /** Its plan entry, without the edges (the assemble phase adds them). */
  readonly plan: Omit<PlanWorkload, 'calls' | 'calledBy'>;
  /** Its endpoint in the table. */
  readonly endpoint: Endpoint;
}

/** One valid export of a domain: the exported endpoint's construct, resolved ports and HTTP rules. */
export interface ResolvedExport {
  /** The exported construct (an endpoint of an exportable kind). */
  readonly construct: unknown;
  /** Exported ports, named ports resolved. */
  readonly ports: readonly PlanPort[];
  /** HTTP rules a caller must stay within; empty means the whole port. */
  readonly http: readonly PlanHttpRule[];
}

/** What the resolve phase found: every entity that resolved, and the endpoint table. */
export class Resolution {
  /** Clusters, in construct-path order (one entry per Cluster construct, duplicates included). */
  public readonly clusters = new Map<Cluster, PlanCluster>();
  /** Platform endpoints of every cluster, in cluster order. */
  public readonly platform: PlanPlatformEndpoint[] = [];
  /** Externals, in construct-path order. */
  public readonly externals = new Map<External, PlanExternal>();
  /** The address set of each External (the overlap checks read it). */
  public readonly addressSets = new Map<External, AddressSet>();
  /** Kubernetes workloads whose cluster resolved, in construct-path order. */
  public readonly workloads = new Map<Workload, ResolvedWorkload>();
  /** The valid exports of each domain, in declaration order. */
  public readonly exports = new Map<DomainBoundary, ResolvedExport[]>();
  private byName: Map<string, PlanCluster> | undefined;

  /** @param endpoints the table every reader registers its endpoints in */
  constructor(public readonly endpoints: EndpointTable) {}

  /**
   * The cluster of a name: the first one declared, as a search in declaration order would
   * find it (two clusters of one name are an error of their own). Call it once the clusters
   * are read.
   */
  public clusterByName(name: string): PlanCluster {
    if (!this.byName) {
      this.byName = new Map();
      for (const c of this.clusters.values()) if (!this.byName.has(c.name)) this.byName.set(c.name, c);
    }
    return this.byName.get(name) as PlanCluster;
  }
}

/**
 * Reads one kind of endpoint from the declaration: reports its problems and registers an
 * {@link Endpoint} for each construct that resolves (see `phases/endpoints.ts`). Readers run
 * after the clusters, platform services and Externals are read, and before the domains (whose
 * exports are looked up in the table).
 */
export type EndpointReader = (d: Declaration, r: Resolution) => void;

/** A Kubernetes workload (a {@link Workload}). */
export const WORKLOAD_KIND: EndpointKind = {
  kind: 'workload',
  title: 'a Workload',
  noun: 'a workload',
  undeclaredFix: 'declare the workload inside the same Topology, or remove the flow',
  exportable: true,
  is: (x) => Workload.isWorkload(x),
};

/** An address outside the declaration (an {@link External}). */
export const EXTERNAL_KIND: EndpointKind = {
  kind: 'external',
  title: 'an External',
  noun: 'an External',
  undeclaredFix: 'declare the External inside the same Topology',
  exportable: false,
  is: (x) => External.isExternal(x),
};

/** The kinds of endpoint, in the order a flow's peer is recognised. */
export const ENDPOINT_KINDS: readonly EndpointKind[] = [WORKLOAD_KIND, EXTERNAL_KIND];

/** Kinds of endpoint and their readers beyond the built-in ones (see `phases/endpoints.ts`). */
export interface ResolveExtensions {
  /**
   * Kinds of endpoint, recognised after {@link ENDPOINT_KINDS}.
   * @default - none
   */
  readonly kinds?: readonly EndpointKind[];
  /**
   * Readers run after {@link ENDPOINT_READERS}, in order.
   * @default - none
   */
  readonly readers?: readonly EndpointReader[];
}

/**
 * Resolves a declaration: every problem of its entities is reported to `d.problems`, every
 * entity that resolves is in the result. The order is fixed: the topology's settings, tiers,
 * clusters (with their platform services), Externals, the address ranges, the endpoint
 * readers ({@link ENDPOINT_READERS}, then the extensions'), domains and their exports.
 *
 * @param extensions more kinds of endpoint and their readers (the built-in lists already hold
 * the Kubernetes workloads and Externals)
 */
export function resolve(d: Declaration, extensions: ResolveExtensions = {}): Resolution {
  const r = new Resolution(new EndpointTable([...ENDPOINT_KINDS, ...(extensions.kinds ?? [])]));
  checkTopology(d);
  readTiers(d);
  readClusters(d, r);
  readExternals(d, r);
  checkAddressRanges(d, r);
  for (const read of [...ENDPOINT_READERS, ...(extensions.readers ?? [])]) read(d, r);
  readDomains(d, r);
  return r;
}

/** The topology's own settings: its trust domain and environment name. */
export function checkTopology(d: Declaration): void {
  const t = d.topology;
  // One problem for a bad trust domain: the value type's (its fix says what to write), at
  // the topology's path. Reporting a second, generic one made one mistake count twice.
  d.problems.value(t, () => TrustDomain.of(t.trustDomain));
  const envProblem = labelValueProblem(t.environment);
  if (envProblem) d.problems.error('BH-LABEL-VALUE', t, `the environment name is not a valid label value: ${envProblem}`, t.environment, 'use a short name such as prod');
}

// ---------------------------------------------------------------- tiers
/** Tier names, levels, and overrides that would loosen a level's controls. */
export function readTiers(d: Declaration): void {
  const p = d.problems;
  const names = new Map<string, SensitiveTier>();
  for (const t of d.of(SensitiveTier)) {
    checkDnsName(p, t, 'tier name', t.tierName);
    checkUnique(p, names, t.tierName, t, 'BH-DUPLICATE-TIER', 'tier');
    if (!Object.values(Sensitivity).includes(t.level)) {
      p.error('BH-TIER-LEVEL', t, 'unknown sensitivity level', t.level, `use one of ${Object.values(Sensitivity).join(', ')}`);
      continue;
    }
    const dc = defaultControls(t.level);
    const o = t.props;
    // Each fix names the allowed direction ("at most 15m", "at least 2", "leave it on").
    const loosen = (field: string, value: unknown, allowed: string) =>
      p.error('BH-TIER-LOOSEN', t, `the override of ${field} loosens the ${t.level} level's control`, value, `${allowed} (overrides may only tighten a level), or choose a lower level`);
    if (o.maxSvidTtl && o.maxSvidTtl.isLongerThan(dc.maxSvidTtl)) loosen('maxSvidTtl', o.maxSvidTtl.toString(), `use at most ${dc.maxSvidTtl.toString()}`);
    if (o.maxBreakGlassWindow && o.maxBreakGlassWindow.isLongerThan(dc.maxBreakGlassWindow)) loosen('maxBreakGlassWindow', o.maxBreakGlassWindow.toString(), `use at most ${dc.maxBreakGlassWindow.toString()}`);
    // Not a whole number (NaN compares false with everything) would turn the approver check off.
    if (o.minApprovers !== undefined && !(Number.isInteger(o.minApprovers) && o.minApprovers >= dc.minApprovers)) loosen('minApprovers', o.minApprovers, `use a whole number of at least ${dc.minApprovers}`);
    if (o.auditLogging === false && dc.auditLogging) loosen('auditLogging', false, 'leave it on');
    if (o.mutualAuth === false && dc.mutualAuth) loosen('mutualAuth', false, 'leave it on');
    const order = [InternetEgress.NONE, InternetEgress.FQDN_ONLY, InternetEgress.ANY];
    // An unknown value is a loosening too: the egress check treats anything but none and
    // fqdn-only as any.
    if (o.internetEgress !== undefined && !(order.includes(o.internetEgress) && order.indexOf(o.internetEgress) <= order.indexOf(dc.internetEgress))) {
      loosen('internetEgress', o.internetEgress, `use ${order.slice(0, order.indexOf(dc.internetEgress) + 1).join(' or ')}`);
    }
  }
}

/**
 * The tier of an endpoint from the tier it declares (or its domain's): an implicit
 * `internal` tier when none is declared. A tier of an unknown level (reported by
 * {@link readTiers}) counts as none, so that its controls are never read.
 */
export function tierOf(declared: SensitiveTier | undefined): EndpointTier {
  const tier = declared && Object.values(Sensitivity).includes(declared.level) ? declared : undefined;
  const controls: TierControls = tier ? tier.controls : defaultControls(Sensitivity.INTERNAL);
  const level = tier ? tier.level : Sensitivity.INTERNAL;
  const plan: PlanTier = {
    level, name: tier ? tier.tierName : level, mtls: controls.mtls, mutualAuth: controls.mutualAuth,
    maxSvidTtlSeconds: controls.maxSvidTtl.totalSeconds, internetEgress: controls.internetEgress,
    auditLogging: controls.auditLogging, guardrails: controls.guardrails,
  };
  return { plan, controls };
}

// ---------------------------------------------------------------- clusters
/** Clusters (names, CIDRs, layers, trust domains) and the platform services of each. */
export function readClusters(d: Declaration, r: Resolution): void {
  const p = d.problems;
  const names = new Map<string, Cluster>();
  const clusters = d.of(Cluster);
  if (clusters.length === 0) {
    p.error('BH-NO-CLUSTER', d.topology, 'the topology declares no cluster', [], "add one: new Cluster(topology, 'eks-prod', { cloud: 'aws' })");
  }
  for (const c of clusters) {
    checkDnsName(p, c, 'cluster name', c.clusterName);
    checkUnique(p, names, c.clusterName, c, 'BH-DUPLICATE-CLUSTER', 'cluster');
    const cidrs = (list: string[] | undefined, field: string) => (list ?? []).flatMap((x) => {
      const v = p.value(`${c.node.path}.${field}`, () => Cidr.of(x));
      return v ? [v.toString()] : [];
    });
    const podCidrs = cidrs(c.props.podCidrs, 'podCidrs');
    const nodeCidrs = cidrs(c.props.nodeCidrs, 'nodeCidrs');
    const apiServerCidrs = cidrs(c.props.apiServerCidrs, 'apiServerCidrs');
    for (const l of c.layers) {
      if (!LAYERS.includes(l)) p.error('BH-LAYER', c, 'unknown layer', l, `use some of ${LAYERS.join(', ')}`);
    }
    const td = c.props.trustDomain ?? d.topology.trustDomain;
    if (c.props.trustDomain !== undefined) p.value(c, () => TrustDomain.of(td));
    const root = c.props.istioRootNamespace ?? 'istio-system';
    checkDnsName(p, c, 'Istio root namespace', root);
    r.clusters.set(c, {
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
      ...(c.props.meshMode === 'ambient' ? { meshMode: 'ambient' as const } : {}),
      ...(bundleEndpointOf(c) ?? {}),
      ...meshOf(d, c),
    });
    addPlatform(d, r, c);
  }
}

/**
 * The declared SPIRE bundle endpoint of a cluster, as plan fields (checked by the federation
 * checks, which report a bad URL, profile or SPIFFE ID).
 */
function bundleEndpointOf(c: Cluster): { bundleEndpoint: PlanBundleEndpoint } | undefined {
  const b = c.props.spireBundleEndpoint;
  if (!isRecord(b) || typeof b.url !== 'string' || (b.profile !== 'https_spiffe' && b.profile !== 'https_web')) return undefined;
  return { bundleEndpoint: { url: b.url, profile: b.profile, ...(b.profile === 'https_spiffe' && typeof b.spiffeId === 'string' ? { spiffeId: b.spiffeId } : {}) } };
}

/**
 * The mesh mode (`sidecar` or `ambient`) and the declared waypoint namespaces of a cluster,
 * checked: another mode is `BH-MESH-MODE`; waypoint namespaces that are not a list of
 * namespace names, or given to a cluster that is not ambient, are `BH-WAYPOINT-NAMESPACES`.
 */
function meshOf(d: Declaration, c: Cluster): { waypointNamespaces?: readonly string[] } {
  const p = d.problems;
  const mode: unknown = c.props.meshMode;
  if (mode !== undefined && mode !== 'sidecar' && mode !== 'ambient') {
    p.error('BH-MESH-MODE', c, 'the mesh mode is neither sidecar nor ambient', mode, "use meshMode: 'sidecar' (the default) or 'ambient'");
  }
  const raw: unknown = c.props.waypointNamespaces;
  if (raw === undefined) return {};
  if (mode !== 'ambient') {
    p.error('BH-WAYPOINT-NAMESPACES', c, 'waypoints exist in ambient mode only: a sidecar mesh enforces L7 rules at every sidecar', raw, "set meshMode: 'ambient', or leave waypointNamespaces out");
    return {};
  }
  if (!Array.isArray(raw) || raw.some((x) => typeof x !== 'string')) {
    p.error('BH-WAYPOINT-NAMESPACES', c, 'waypointNamespaces is not a list of namespace names', raw, "list namespace names: waypointNamespaces: ['shop']");
    return {};
  }
  const names = raw as string[];
  for (const n of names) checkDnsName(p, c, 'waypoint namespace', n);
  return { waypointNamespaces: [...new Set(names)].sort(cmp) };
}

/** The platform services of a cluster: DNS, the mesh control plane where Istio runs, the metrics scraper when declared. */
function addPlatform(d: Declaration, r: Resolution, c: Cluster): void {
  const p = d.problems;
  const topology = d.topology;
  const pf = topology.platform;
  const add = (name: string, s: PlatformService) => {
    checkDnsName(p, topology, `${name} namespace`, s.namespace);
    checkSelector(p, topology, s.selector);
    // the service account names the service's mesh principal, as a workload's does
    const saProblem = typeof s.serviceAccount === 'string' ? dnsSubdomainProblem(s.serviceAccount) : undefined;
    if (saProblem) p.error('BH-NAME', topology, `the service account of the ${name} platform service is invalid: ${saProblem}`, s.serviceAccount, 'use lowercase letters, digits, - and . (or leave serviceAccount out for the default)');
    r.platform.push({
      key: `platform:${c.clusterName}:${name}`, name, cluster: c.clusterName, namespace: s.namespace,
      selector: sortedRecord(s.selector), serviceAccount: s.serviceAccount ?? 'default',
    });
  };
  add('dns', pf.dns ?? DEFAULT_DNS);
  if (c.runs('istio')) add('mesh-control-plane', pf.meshControlPlane ?? DEFAULT_MESH);
  if (pf.metricsScraper) add('metrics', pf.metricsScraper);
}

// ---------------------------------------------------------------- externals
/** Externals (names, FQDNs, address sets), each registered as an endpoint of {@link EXTERNAL_KIND}. */
export function readExternals(d: Declaration, r: Resolution): void {
  const p = d.problems;
  const names = new Map<string, External>();
  for (const e of d.of(External)) {
    checkDnsName(p, e, 'external name', e.peerName);
    checkUnique(p, names, e.peerName, e, 'BH-DUPLICATE-EXTERNAL', 'external');
    const fqdns = e.props.fqdns ?? [];
    const rawCidrs = e.props.cidrs ?? [];
    if (fqdns.length === 0 && rawCidrs.length === 0) {
      p.error('BH-EXTERNAL-EMPTY', e, 'an External needs at least one FQDN or CIDR', e.props, "add fqdns: ['api.example.com'] or cidrs: ['203.0.113.0/24']");
    }
    for (const f of fqdns) {
      if (!FQDN.test(f)) p.error('BH-FQDN', e, 'not a valid FQDN (lowercase, dot-separated labels, optionally one leading *.)', f, "write a name such as 'api.stripe.com' or '*.stripe.com'");
    }
    const cidrs = rawCidrs.flatMap((x) => p.value(`${e.node.path}.cidrs`, () => Cidr.of(x)) ?? []);
    const except = (e.props.except ?? []).flatMap((x) => p.value(`${e.node.path}.except`, () => Cidr.of(x)) ?? []);
    for (const x of except) {
      if (!cidrs.some((c) => c.contains(x))) p.error('BH-CIDR-EXCEPT', e, 'an except range lies outside every cidr of the External', x.toString(), 'remove it, or add the range it belongs to in cidrs');
    }
    const set = addressSetOf(d, r, e, cidrs.map(String), except.map(String));
    const plan: PlanExternal = {
      key: `external:${e.peerName}`, path: e.node.path, name: e.peerName,
      fqdns: [...new Set(fqdns)].sort(), cidrs: set.blocks.map((b) => b.cidr), except: set.blocks.flatMap((b) => b.except).sort(),
    };
    r.externals.set(e, plan);
    r.endpoints.register({
      kind: EXTERNAL_KIND, ref: { kind: 'external', key: plan.key }, construct: e, path: plan.path, name: plan.name, label: plan.name,
      external: { fqdns: plan.fqdns },
    });
  }
}

/**
 * The External's address set, (∪ cidrs − ∪ except), as disjoint blocks. A cidr that the
 * except ranges cover adds nothing (a warning); an External whose CIDRs all are covered
 * stands for no address at all (an error: every layer would have to allow nothing, or
 * everything, for it).
 */
function addressSetOf(d: Declaration, r: Resolution, e: External, cidrs: readonly string[], except: readonly string[]): AddressSet {
  const set = addressSet(cidrs, except);
  if (cidrs.length > 0 && set.blocks.length === 0) {
    d.problems.error('BH-EXTERNAL-NO-ADDRESS', e, 'the except ranges cover every cidr of the External, so it stands for no address', { cidrs: [...new Set(cidrs)].sort(), except: [...new Set(except)].sort() }, 'remove the except ranges that cover a cidr, or remove the External and the flows with it');
  } else {
    for (const x of set.excepted) {
      d.problems.warn('BH-CIDR-EXCEPTED', e, `the cidr ${x.cidr} is covered by except ranges, so it adds no address`, { cidr: x.cidr, except: x.coveredBy }, `remove ${x.cidr} from cidrs and ${x.coveredBy.join(', ')} from except`);
    }
  }
  r.addressSets.set(e, set);
  return set;
}

/** Pod and node CIDRs of different clusters, and Externals, stay apart (see {@link checkAddressOverlaps}). */
export function checkAddressRanges(d: Declaration, r: Resolution): void {
  checkAddressOverlaps(
    [...r.clusters.entries()].map(([c, pc]) => ({ name: pc.name, path: c.node.path, podCidrs: pc.podCidrs, nodeCidrs: pc.nodeCidrs })),
    [...r.externals.entries()].map(([e, pe]) => ({ name: pe.name, path: pe.path, blocks: r.addressSets.get(e)?.blocks ?? [] })),
    d.problems,
  );
}

// ---------------------------------------------------------------- workloads
/**
 * Kubernetes workloads (names, selectors, ports, tiers, identities), each registered as an
 * endpoint of {@link WORKLOAD_KIND}; then the checks between workloads of one namespace and
 * across clusters.
 */
export const readWorkloads: EndpointReader = (d, r) => {
  const p = d.problems;
  const keys = new Map<string, Workload>();
  const inNamespace = new Map<string, ResolvedWorkload[]>();
  const namespacesOf = new Map<PlanCluster, Set<string>>();
  const reserved = new Map<string, PlatformNamespaces>();
  const validPortNames = new Set<string>();
  const tiers = new Map<SensitiveTier | undefined, EndpointTier>();
  for (const w of d.of(Workload)) {
    const cluster = r.clusters.get(w.cluster);
    if (!cluster) {
      p.error('BH-FOREIGN-CLUSTER', w, 'the workload\'s cluster is not declared in this topology', w.cluster?.node?.path, 'pass a Cluster created inside the same Topology');
      continue;
    }
    checkDnsName(p, w, 'workload name', w.peerName);
    checkDnsName(p, w, 'namespace', w.namespace);
    const saProblem = dnsSubdomainProblem(w.serviceAccount);
    if (saProblem) p.error('BH-NAME', w, `the service account name is invalid: ${saProblem}`, w.serviceAccount, 'use lowercase letters, digits, - and .');
    const selector = w.selector;
    if (Object.keys(selector).length === 0) p.error('BH-SELECTOR-EMPTY', w, 'an empty selector would select every pod of the namespace', selector, "give the workload's pod labels, such as { app: 'cart' }");
    checkSelector(p, w, selector);
    // Where a workload may be declared, and what it may select: not in a platform namespace
    // of its cluster (see checkWorkloadNamespace), not by a label key Bulkhead writes itself
    // (see checkReservedKeys).
    checkReservedKeys(w.node.path, selector, p);
    let platformNs = reserved.get(cluster.name);
    if (!platformNs) {
      platformNs = platformNamespaces(cluster, r.platform.filter((x) => x.cluster === cluster.name));
      reserved.set(cluster.name, platformNs);
    }
    checkWorkloadNamespace(w.node.path, cluster.name, w.namespace, platformNs, p);
    const key = `${cluster.name}/${w.namespace}/${w.peerName}`;
    checkUnique(p, keys, key, w, 'BH-DUPLICATE-WORKLOAD', 'workload');

    const ports: PlanNamedPort[] = [];
    for (const [name, port] of Object.entries(w.props.ports ?? {}).sort(([a], [b]) => cmp(a, b))) {
      // A name checked once is valid for every workload (the check reads the name only).
      const valid = validPortNames.has(name) || (p.value(w, () => Port.named(name)) !== undefined && validPortNames.add(name) !== undefined);
      if (!Port.isPort(port)) {
        p.error('BH-PORT', w, `port '${name}' is not a Port`, port, 'use Port.tcp(9090) or similar');
        continue;
      }
      if (port.isNamed || port.to !== undefined) {
        p.error('BH-PORT', w, `the named port '${name}' must be one numbered port`, port.toString(), `write ${name}: Port.tcp(<number>)`);
        continue;
      }
      if (valid) ports.push({ name, port: port.from as number, protocol: port.protocol });
    }

    const domain = DomainBoundary.find(w);
    const declaredTier = w.props.tier ?? domain?.props.tier;
    // One tier for every workload of a SensitiveTier (or of none): the plan is read-only.
    let tier = tiers.get(declaredTier);
    if (!tier) tiers.set(declaredTier, (tier = tierOf(declaredTier)));
    const podLabels: Record<string, string> = { [LABELS.tier]: tier.plan.level, [LABELS.workload]: w.peerName };
    if (domain) podLabels[LABELS.domain] = domain.domainName;
    const plan: ResolvedWorkload['plan'] = {
      key, path: w.node.path, cluster: cluster.name, namespace: w.namespace, name: w.peerName,
      serviceAccount: w.serviceAccount, selector: sortedRecord(selector), podLabels: sortedRecord(podLabels), ports,
      spiffeId: `spiffe://${cluster.trustDomain}/ns/${w.namespace}/sa/${w.serviceAccount}`,
      tier: tier.plan,
      ...(domain ? { domain: domain.domainName } : {}),
    };
    const endpoint: Endpoint = {
      kind: WORKLOAD_KIND, ref: { kind: 'workload', key }, construct: w, path: plan.path, name: plan.name, label: key,
      tier, domain, namedPorts: ports, meshEnforced: r.clusterByName(cluster.name).layers.includes('istio'), cluster: cluster.name,
    };
    const resolved: ResolvedWorkload = { construct: w, plan, endpoint };
    r.workloads.set(w, resolved);
    r.endpoints.register(endpoint);
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
  for (const c of r.clusters.values()) (c.namespaces as string[]).sort();
  checkNamespaceNeighbours(d, r, inNamespace);
};

/** The readers of workload-like endpoints, in order (see {@link EndpointReader}). */
export const ENDPOINT_READERS: readonly EndpointReader[] = [readWorkloads];

/**
 * Workloads of one namespace must not select each other's pods (on the labels the pods
 * carry once bound), and workloads must not share an identity.
 */
function checkNamespaceNeighbours(d: Declaration, r: Resolution, inNamespace: ReadonlyMap<string, readonly ResolvedWorkload[]>): void {
  for (const list of inNamespace.values()) {
    checkSelectorOverlaps(list.map((w) => ({
      path: w.plan.path, name: w.plan.name, selector: w.plan.selector, labels: { ...w.plan.podLabels, ...w.plan.selector },
    })), d.problems);
  }
  checkSharedIdentities([...r.workloads.values()].map((w) => ({
    path: w.plan.path, key: w.plan.key, cluster: w.plan.cluster, layers: r.clusterByName(w.plan.cluster).layers,
    serviceAccount: w.plan.serviceAccount, spiffeId: w.plan.spiffeId,
  })), d.problems);
}

// ---------------------------------------------------------------- domains
/**
 * Domain names and exports. The name is written as the `bulkhead.io/domain` label value and
 * guardrails select a domain's pods by it, so it must be a valid name and unique (two
 * domains of one name would share each other's guardrails). Exports are checked once
 * here, not on each flow into them: an export of an endpoint of another domain would be
 * ignored silently, and a bad export with no flow into it would never be reported. Any
 * endpoint of an exportable kind (see {@link EndpointKind.exportable}) may be exported.
 */
export function readDomains(d: Declaration, r: Resolution): void {
  const p = d.problems;
  const names = new Map<string, DomainBoundary>();
  for (const dom of d.of(DomainBoundary)) {
    checkDnsName(p, dom, 'domain name', dom.domainName);
    checkUnique(p, names, dom.domainName, dom, 'BH-DUPLICATE-DOMAIN', 'domain');
    const resolved: ResolvedExport[] = [];
    for (const x of dom.exports) {
      const exportable = r.endpoints.kindOf(x.workload)?.exportable === true;
      if (!exportable || DomainBoundary.find(x.workload) !== dom) {
        const other = exportable ? DomainBoundary.find(x.workload) : undefined;
        p.error('BH-EXPORT-FOREIGN', dom, `a domain exports only its own workloads; this one is ${other ? `in domain '${other.domainName}'` : 'in no domain'}`, x.workload?.node?.path ?? x.workload, other ? `export it from its own domain: ${other.node.id}.export(...)` : `declare it inside the domain (${dom.node.id}.addWorkload(...)), or remove the export`);
        continue;
      }
      const e = r.endpoints.get(x.workload);
      if (!e) continue; // its own problem (a foreign cluster) is reported already
      const where = `${dom.node.path} (export ${e.name})`;
      const ports = resolvePorts(p, where, x.ports, e);
      const http = httpRules(p, where, x.http);
      if (ports && http) checkHttpProtocol(where, 'export', ports, http, p);
      if (ports && http) resolved.push({ construct: x.workload, ports, http });
    }
    r.exports.set(dom, resolved);
  }
}
