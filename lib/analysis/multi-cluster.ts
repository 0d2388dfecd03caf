/**
 * The analysis of several clusters at once. Each cluster is analysed with its own manifests
 * and layers ({@link Analysis}); a connection from a workload of cluster A to a workload of
 * cluster B is allowed only when A's layers let it out (egress) AND B's layers let it in
 * (ingress). How each layer sees the peer of the other cluster follows its upstream semantics:
 *
 * - Kubernetes NetworkPolicy / ClusterNetworkPolicy: the remote peer is an address of its
 *   cluster's pod CIDRs (an `ipBlock` / `networks` range must hold every address a pod of that
 *   cluster may have). Remote pods are not selected by `podSelector`s.
 * - Cilium: with ClusterMesh (both clusters run Cilium and share the mesh), the remote peer is
 *   an identity carrying the label `io.cilium.k8s.policy.cluster: <its cluster>`; CIDR rules do
 *   not match ClusterMesh endpoints. Without ClusterMesh, it is an address of its pod CIDRs.
 *   The policies of one cluster never apply to the endpoints of another.
 * - Istio: policies are enforced at the destination. The source appears with the principal
 *   `<trust domain>/ns/<namespace>/sa/<service account>` of its own trust domain, and the
 *   mutual TLS handshake succeeds only when each side trusts the other's trust domain: the same
 *   domain, or a federated one (SPIRE: a `ClusterFederatedTrustDomain` for the domain in the
 *   cluster, and every `ClusterSPIFFEID` of the workload naming it in `federatesWith`), or a
 *   domain given as trusted. On the source side the destination is an address of its pod CIDRs
 *   (the outbound traffic policy and ServiceEntries decide).
 *
 * @see https://docs.cilium.io/en/stable/network/clustermesh/policy/
 * @see https://istio.io/latest/docs/ops/configuration/security/multi-trust-domain/
 * @see https://spiffe.io/docs/latest/architecture/federation/readme/
 * @see https://github.com/spiffe/spire-controller-manager/blob/main/docs/clusterfederatedtrustdomain-crd.md
 */
import * as fs from 'fs';
import * as path from 'path';
import { ArgCheck } from '../core/entry';
import { Problem } from '../core/errors';
import { Analysis, AnalysisOptions } from './engine';
import { INPUT_CODES, ProblemSet, inputError } from './errors';
import { ALL_IPV4, Ipv4Range, parseCidr, rangeId, rangesOverlap, rangeWithin } from './ipv4';
import { LoadOptions, LoadedManifests, ManifestObject, loadManifests } from './loader';
import { PortSet } from './portset';
import { LabelSelector, isRecord } from './selector';
import { CLUSTER_FACTS_FILE, ClusterFacts, podRangesOf } from './cluster-facts';
import { AllowedConnection, AnalysisLayer, CandidatePairs, CloudEndpoint, Connection, Endpoint, ExternalEndpoint, LayerSimulator, LayerVerdict, WorkloadEndpoint } from './types';

export { CLUSTER_FACTS_FILE, clusterFactsText } from './cluster-facts';
export type { ClusterFacts } from './cluster-facts';

const FACT_KEYS = ['name', 'podCidrs', 'nodeCidrs', 'trustDomain', 'ciliumClusterName', 'clusterMesh', 'trusts', 'layers', 'cloud', 'region', 'network', 'environment', 'role'] as const;

/**
 * Checks facts (from a file or the command line): known keys, strings, lists of CIDRs.
 *
 * @throws AnalysisInputError naming every bad field at once
 */
export function parseClusterFacts(value: unknown, where: string): Partial<ClusterFacts> {
  const problems = new ProblemSet();
  const bad = (field: string, message: string, v: unknown, fix: string): void => {
    problems.add({ severity: 'error', code: INPUT_CODES.field, path: field, message, value: JSON.stringify(v), fix });
  };
  if (!isRecord(value)) return inputError({ code: INPUT_CODES.field, field: where }, 'the cluster facts are not an object', JSON.stringify(value), 'write an object such as { "name": "eks", "podCidrs": ["10.20.0.0/16"], "trustDomain": "eks.example.com" }');
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (['generator', 'kind', 'version'].includes(k)) continue;
    if (!(FACT_KEYS as readonly string[]).includes(k)) {
      bad(k, `unknown cluster fact '${k}'`, v, `use one of: ${FACT_KEYS.join(', ')}`);
      continue;
    }
    if (k === 'clusterMesh') {
      if (typeof v !== 'boolean') bad(k, 'clusterMesh must be true or false', v, 'write true or false');
      else out[k] = v;
    } else if (k === 'podCidrs' || k === 'nodeCidrs' || k === 'trusts' || k === 'layers') {
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
        bad(k, `${k} must be a list of strings`, v, k.endsWith('Cidrs') ? 'write ["10.20.0.0/16"]' : 'write ["other.example.com"]');
        continue;
      }
      if (k.endsWith('Cidrs')) {
        const invalid = (v as string[]).filter((c) => parseCidr(c).family === 'invalid');
        if (invalid.length > 0) {
          bad(k, `${k} holds ${invalid.length === 1 ? 'a value that is not a CIDR' : 'values that are not CIDRs'}`, invalid, 'write CIDRs such as 10.20.0.0/16');
          continue;
        }
      }
      out[k] = [...(v as string[])];
    } else if (typeof v !== 'string' || v.length === 0) {
      bad(k, `${k} must be a non-empty string`, v, k === 'trustDomain' ? 'write a trust domain such as eks.example.com' : `write the ${k} as text`);
    } else out[k] = v;
  }
  if (problems.list().length > 0) throwProblems(problems.list(), where);
  return out as Partial<ClusterFacts>;
}

function throwProblems(problems: readonly Problem[], where: string): never {
  const first = problems[0];
  if (problems.length === 1) return inputError({ code: first.code, object: where, field: first.path }, first.message, first.value, first.fix ?? '');
  // one error naming every problem of the facts
  return inputError({ code: first.code, object: where }, problems.map((p) => `${p.path}: ${p.message}`).join('; '), problems.map((p) => p.value).join('; '), problems.map((p) => p.fix).join('; '));
}

/** Reads the facts file of a folder, if it has one. @throws AnalysisInputError when the file is malformed */
export function readClusterFacts(folder: string): Partial<ClusterFacts> | undefined {
  const file = path.join(folder, CLUSTER_FACTS_FILE);
  if (!fs.existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    return inputError({ code: INPUT_CODES.syntax, field: file }, `the cluster facts file is not valid JSON: ${(e as Error).message}`, undefined, 'write it again with bulkhead synth, or fix the JSON');
  }
  return parseClusterFacts(parsed, file);
}

/**
 * The cluster folders among paths: a folder with a facts file ({@link CLUSTER_FACTS_FILE}) is
 * one; a folder without one whose sub-folders (at any depth, such as `out/<env>/<cluster>`) hold
 * facts files stands for those; any other path is one cluster folder. Sorted, without repeats.
 */
export function clusterFolders(paths: readonly string[]): string[] {
  const out = new Set<string>();
  const below = (dir: string, depth: number): string[] => {
    if (depth > 4) return [];
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return [];
    }
    if (entries.some((e) => e.name === CLUSTER_FACTS_FILE && e.isFile())) return [dir];
    return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).sort((a, b) => (a.name < b.name ? -1 : 1)).flatMap((e) => below(path.join(dir, e.name), depth + 1));
  };
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = fs.statSync(p).isDirectory();
    } catch (e) {
      inputError({ code: INPUT_CODES.read }, `cannot read ${JSON.stringify(p)}: ${(e as Error).message}`, undefined, 'pass an existing cluster folder, or a folder holding cluster folders');
    }
    const found = isDir ? below(p, 0) : [];
    for (const f of found.length > 0 ? found : [p]) out.add(f);
  }
  return [...out].sort();
}

/** One cluster of a multi-cluster analysis: its facts and its manifests. */
export interface ClusterInput {
  /** The facts. */
  readonly facts: ClusterFacts;
  /** The loaded manifests. */
  readonly manifests: LoadedManifests;
}

/**
 * Loads cluster folders: each folder's manifests (with the loader), and its facts from its facts
 * file, overridden by `overrides` (keyed by cluster name, or by folder). A folder without facts
 * is named after itself.
 *
 * @throws AnalysisInputError when a folder cannot be read, facts are malformed, or two folders name the same cluster
 */
export function loadClusters(paths: readonly string[], overrides: Readonly<Record<string, Partial<ClusterFacts>>> = {}, options: LoadOptions = {}): ClusterInput[] {
  const check = new ArgCheck();
  check.textList('loadClusters(paths)', 'paths', paths, "['out/eks', 'out/gke'] or ['out'] (cluster folders, or a folder holding them)");
  check.throwIfAny('loadClusters');
  const folders = clusterFolders(paths);
  const out: ClusterInput[] = [];
  for (const folder of folders) {
    const own = readClusterFacts(folder) ?? {};
    const name = own.name ?? path.basename(path.resolve(folder));
    const given = { ...(overrides[folder] ?? {}), ...(overrides[name] ?? {}) };
    const facts: ClusterFacts = { ...own, ...given, name: given.name ?? name };
    if (out.some((c) => c.facts.name === facts.name)) {
      inputError({ code: INPUT_CODES.duplicate, field: folder }, `two folders hold cluster ${facts.name}`, facts.name, 'pass each cluster folder once, or name the clusters apart (--cluster-fact <folder>.name=<name>)');
    }
    out.push({ facts, manifests: loadManifests([folder], options) });
  }
  const known = new Set([...folders, ...out.map((c) => c.facts.name)]);
  for (const k of Object.keys(overrides).sort()) {
    if (!known.has(k)) inputError({ code: INPUT_CODES.input, field: 'cluster facts' }, `facts are given for ${k}, which is no cluster or folder of the input`, k, `name one of: ${[...known].join(', ')}`);
  }
  return out;
}

/** One side of a cross-cluster connection: the layers of one cluster, as the source's egress or the destination's ingress. */
export interface ClusterSide {
  /** The cluster. */
  readonly cluster: string;
  /** `egress`: the source's cluster; `ingress`: the destination's; `local`: both ends in this cluster. */
  readonly direction: 'egress' | 'ingress' | 'local';
  /** The verdict of each layer consulted in this cluster. */
  readonly layers: readonly LayerVerdict[];
}

/** The answer of {@link MultiClusterAnalysis.explain}. */
export interface MultiClusterExplanation {
  /** Source id, `<cluster>:<endpoint>`. */
  readonly src: string;
  /** Destination id. */
  readonly dst: string;
  /** The connection. */
  readonly connection: Connection;
  /** Whether every layer of every side allows it. */
  readonly allowed: boolean;
  /** The source's cluster, then the destination's (one side when both are in one cluster, or when one end is an address or a cloud endpoint). */
  readonly sides: readonly ClusterSide[];
  /**
   * What was not judged, and why: for an end that is an address or a cloud endpoint, only the
   * layers of the workload's cluster decide (an address in another cluster's pod CIDRs is that
   * cluster's pods by address, whose own layers are not consulted without naming the workload).
   * @default - none: every side was judged
   */
  readonly notes?: readonly string[];
}

/** How one cluster's layer sees a workload of another cluster. */
export type PeerView = 'identity' | 'address';

/** A cluster within a {@link MultiClusterAnalysis}. */
export interface AnalysedCluster {
  /** Its facts. */
  readonly facts: ClusterFacts;
  /** Its analysis. */
  readonly analysis: Analysis;
}

/**
 * The analysis of several clusters: one {@link Analysis} per cluster, and the cross-cluster
 * connections between their workloads (see the module notes for each layer's view of a peer).
 *
 * @example
 * const multi = MultiClusterAnalysis.of(loadClusters(['out']));
 * multi.explain('eks:orders/orders-service', 'gke:analytics/event-collector', { protocol: 'TCP', port: 8080 });
 */
export class MultiClusterAnalysis {
  /**
   * Analyses clusters loaded with {@link loadClusters}.
   *
   * @param options analysis options for every cluster (trust domain, pod CIDRs and cluster name come from the facts)
   */
  public static of(clusters: readonly ClusterInput[], options: Omit<AnalysisOptions, 'trustDomain' | 'podCidrs' | 'clusterName'> = {}): MultiClusterAnalysis {
    if (clusters.length === 0) inputError({ code: INPUT_CODES.input }, 'no cluster was given', undefined, 'pass the cluster folders, or a folder holding them');
    return new MultiClusterAnalysis(clusters.map((c) => ({
      facts: c.facts,
      analysis: Analysis.of(c.manifests, {
        ...options,
        ...(c.facts.trustDomain !== undefined ? { trustDomain: c.facts.trustDomain } : {}),
        ...(c.facts.podCidrs !== undefined && c.facts.podCidrs.length > 0 ? { podCidrs: c.facts.podCidrs } : {}),
        clusterName: c.facts.ciliumClusterName ?? c.facts.name,
      }),
    })));
  }

  /** Builds the multi-cluster analysis from analyses already made (one per cluster). */
  public static fromAnalyses(clusters: readonly AnalysedCluster[]): MultiClusterAnalysis {
    return new MultiClusterAnalysis(clusters);
  }

  /** The clusters, in the order given. */
  public readonly clusters: readonly AnalysedCluster[];
  private readonly byName: ReadonlyMap<string, AnalysedCluster>;
  private readonly trustCache = new Map<string, boolean>();
  private readonly rangesCache = new Map<string, Ipv4Range[]>();
  private readonly importsCache = new Map<string, { readonly imports: boolean; readonly sidecar?: string }>();
  private readonly sidecarObjects = new Map<string, readonly ManifestObject[]>();
  private readonly identities = new Map<string, WeakMap<WorkloadEndpoint, WorkloadEndpoint>>();
  private readonly rangeEnds = new Map<string, readonly number[]>();
  private readonly spire = new Map<string, { domains: ReadonlySet<string>; ids: readonly { ns: LabelSelector | undefined; pod: LabelSelector | undefined; federatesWith: readonly string[] }[] }>();

  private constructor(clusters: readonly AnalysedCluster[]) {
    const seen = new Set<string>();
    for (const c of clusters) {
      if (seen.has(c.facts.name)) inputError({ code: INPUT_CODES.duplicate }, `cluster ${c.facts.name} is given twice`, c.facts.name, 'give every cluster once');
      seen.add(c.facts.name);
    }
    this.clusters = clusters;
    this.byName = new Map(clusters.map((c) => [c.facts.name, c]));
  }

  /** Loader and simulator warnings of every cluster, with the cluster named in the path. */
  public get warnings(): Problem[] {
    return this.clusters.flatMap((c) => c.analysis.warnings.map((w) => ({ ...w, path: `${c.facts.name}: ${w.path}` })));
  }

  /** A cluster by name. @throws AnalysisInputError when there is none */
  public cluster(name: string): AnalysedCluster {
    const c = this.byName.get(name);
    if (!c) return inputError({ code: INPUT_CODES.input }, `no cluster is named ${name}`, name, `use one of: ${this.clusters.map((x) => x.facts.name).join(', ')}`);
    return c;
  }

  /**
   * Finds a workload: `<cluster>:<endpoint>` (the endpoint as {@link Analysis.endpoint} reads
   * it), or an endpoint alone when exactly one cluster has it.
   */
  public find(text: string): { readonly cluster: string; readonly endpoint: Endpoint } {
    const i = text.indexOf(':');
    if (i > 0 && this.byName.has(text.slice(0, i))) {
      const c = this.cluster(text.slice(0, i));
      const ep = c.analysis.find(text.slice(i + 1));
      if (ep.type === 'cloud') return inputError({ code: INPUT_CODES.input }, `${text} is a cloud endpoint; the analysis of several clusters joins their workloads`, text, 'name a workload as <cluster>:<namespace>/<name>');
      return { cluster: c.facts.name, endpoint: ep };
    }
    const hits: { cluster: string; endpoint: Endpoint }[] = [];
    for (const c of this.clusters) {
      try {
        const ep = c.analysis.find(text);
        if (ep.type === 'workload') hits.push({ cluster: c.facts.name, endpoint: ep });
      } catch {
        // not in this cluster
      }
    }
    if (hits.length === 1) return hits[0];
    return inputError({ code: INPUT_CODES.input }, hits.length === 0 ? `no cluster has the workload ${text}` : `${hits.length} clusters have a workload ${text}`, text, `write <cluster>:<namespace>/<name>, the cluster one of: ${this.clusters.map((c) => c.facts.name).join(', ')}`);
  }

  /** Whether cluster `a`'s Cilium sees cluster `b`'s pods by ClusterMesh identity. */
  public meshed(a: string, b: string): boolean {
    return this.inMesh(this.cluster(a)) && this.inMesh(this.cluster(b));
  }

  private inMesh(c: AnalysedCluster): boolean {
    if (c.facts.clusterMesh !== undefined) return c.facts.clusterMesh;
    if (c.facts.layers !== undefined) return c.facts.layers.includes('cilium');
    return c.analysis.simulators.some((s) => s.layer === 'cilium' && s.present);
  }

  /** The trust domain of a cluster's workloads. */
  public trustDomainOf(cluster: string): string {
    return this.cluster(cluster).analysis.context.trustDomain;
  }

  /** The IPv4 pod address ranges of a cluster, every one of its pod CIDRs (the whole IPv4 space when it declares none). */
  public podRanges(cluster: string): Ipv4Range[] {
    const hit = this.rangesCache.get(cluster);
    if (hit) return hit;
    const own = [...podRangesOf(this.cluster(cluster).facts).ipv4];
    const out = own.length > 0 ? own : [ALL_IPV4];
    this.rangesCache.set(cluster, out);
    return out;
  }

  /**
   * How the layer `layer` of cluster `viewer` sees the pods of cluster `peer`: by identity
   * (Cilium with ClusterMesh on both; Istio at the destination) or by address.
   */
  public viewOf(layer: AnalysisLayer, viewer: string, peer: string, _direction: 'egress' | 'ingress'): PeerView {
    if (layer === 'cilium') return this.meshed(viewer, peer) ? 'identity' : 'address';
    // Istio: the destination's proxy sees the peer's certificate; the source's proxy sees a
    // registry service when the destination's cluster is in the mesh, else an address
    // (a peer in a cluster without Istio has no proxy: it sends and receives plaintext, by address)
    if (layer === 'istio') return this.runsIstio(this.cluster(peer)) ? 'identity' : 'address';
    return 'address';
  }

  private runsIstio(c: AnalysedCluster): boolean {
    if (c.facts.layers !== undefined) return c.facts.layers.includes('istio');
    return c.analysis.simulators.some((s) => s.layer === 'istio' && s.present);
  }

  /**
   * Whether the Sidecar of a workload imports the services of a namespace (`egress[].hosts`
   * `<ns>/<host>`, `*\/…`, `./…` for its own namespace; no Sidecar, or one without egress
   * hosts, imports every exported service). In a multi-cluster mesh the services of every
   * cluster are in the registry, so a remote workload is reachable through them.
   *
   * @see https://istio.io/latest/docs/reference/config/networking/sidecar/#IstioEgressListener
   */
  public sidecarImports(cluster: string, w: WorkloadEndpoint, namespace: string): { readonly imports: boolean; readonly sidecar?: string } {
    const key = `${cluster}\u0000${w.id}\u0000${namespace}`;
    const hit = this.importsCache.get(key);
    if (hit) return hit;
    const out = this.sidecarImportsOf(cluster, w, namespace);
    this.importsCache.set(key, out);
    return out;
  }

  private sidecarImportsOf(cluster: string, w: WorkloadEndpoint, namespace: string): { readonly imports: boolean; readonly sidecar?: string } {
    const c = this.cluster(cluster);
    const root = 'istio-system';
    let sidecars = this.sidecarObjects.get(cluster);
    if (!sidecars) {
      sidecars = c.analysis.input.objects.filter((o) => o.kind === 'Sidecar' && o.apiVersion.startsWith('networking.istio.io/'));
      this.sidecarObjects.set(cluster, sidecars);
    }
    const labelsOf = (o: ManifestObject): Record<string, string> | undefined => {
      const spec = o.raw.spec;
      const ws = isRecord(spec) && isRecord(spec.workloadSelector) && isRecord(spec.workloadSelector.labels) ? spec.workloadSelector.labels : undefined;
      return ws as Record<string, string> | undefined;
    };
    const selects = (sel: Record<string, string>): boolean => Object.entries(sel).every(([k, v]) => w.labels[k] === v);
    const byName = (a: ManifestObject, b: ManifestObject) => (a.name < b.name ? -1 : 1);
    const own = sidecars.filter((o) => o.namespace === w.namespace).sort(byName);
    const sc = own.find((o) => { const l = labelsOf(o); return l !== undefined && selects(l); })
      ?? own.find((o) => labelsOf(o) === undefined)
      ?? sidecars.filter((o) => o.namespace === root && labelsOf(o) === undefined).sort(byName)[0];
    if (!sc) return { imports: true };
    const ref = `Sidecar ${sc.namespace}/${sc.name}`;
    const spec = sc.raw.spec;
    const egress = isRecord(spec) && Array.isArray(spec.egress) ? spec.egress : [];
    const hosts = egress.flatMap((e) => (isRecord(e) && Array.isArray(e.hosts) ? e.hosts.filter((h): h is string => typeof h === 'string') : []));
    if (hosts.length === 0) return { imports: true, sidecar: ref };
    const fqdn = `svc.${namespace}.svc.cluster.local`;
    const imports = hosts.some((h) => {
      const [ns, host] = h.includes('/') ? [h.slice(0, h.indexOf('/')), h.slice(h.indexOf('/') + 1)] : ['*', h];
      const nsOk = ns === '*' || ns === namespace || (ns === '.' && namespace === w.namespace);
      const hostOk = host === '*' || (host.startsWith('*.') && fqdn.endsWith(host.slice(1)));
      return nsOk && hostOk;
    });
    return { imports, sidecar: ref };
  }

  /** A workload of cluster `home` as an identity seen from another cluster (one object per workload and cluster). */
  public remoteIdentity(home: string, w: WorkloadEndpoint): WorkloadEndpoint {
    let cache = this.identities.get(home);
    if (!cache) this.identities.set(home, (cache = new WeakMap()));
    const hit = cache.get(w);
    if (hit) return hit;
    const c = this.cluster(home);
    let ends = this.rangeEnds.get(home);
    if (!ends) {
      // anywhere in its cluster's pod ranges (the ends of each range)
      ends = [...new Set(this.podRanges(home).flatMap(([a, b]) => [a, b]))].sort((x, y) => x - y);
      this.rangeEnds.set(home, ends);
    }
    const out: WorkloadEndpoint = {
      ...w,
      id: `${home}:${w.id}`,
      cluster: c.facts.ciliumClusterName ?? home,
      trustDomain: c.analysis.context.trustDomain,
      addresses: w.addresses ?? [...ends],
    };
    cache.set(w, out);
    return out;
  }

  /** The pods of cluster `home` as an address range seen from another cluster (its first pod range; a known pod address when the input gives one). See {@link remoteAddresses} for every range. */
  public remoteAddress(home: string, w?: WorkloadEndpoint): ExternalEndpoint {
    return this.remoteAddresses(home, w)[0];
  }

  /** The pods of cluster `home` as address ranges seen from another cluster: one per pod range (a known pod address when the input gives one). */
  public remoteAddresses(home: string, w?: WorkloadEndpoint): ExternalEndpoint[] {
    if (w?.addresses && w.addresses.length === 1) return [{ type: 'external', id: `${rangeId(w.addresses[0], w.addresses[0])}`, first: w.addresses[0], last: w.addresses[0] }];
    return this.podRanges(home).map(([first, last]) => ({ type: 'external', id: rangeId(first, last), first, last }));
  }

  /** What a layer allows to (or from) every pod range of a cluster: a pod may have an address of any of them. */
  private toEvery(peers: readonly ExternalEndpoint[], ports: (peer: ExternalEndpoint) => PortSet): PortSet {
    let out = ports(peers[0]);
    for (const p of peers.slice(1)) {
      if (out.isEmpty()) break;
      out = out.intersect(ports(p));
    }
    return out;
  }

  /**
   * Whether a workload of cluster `cluster` trusts certificates of trust domain `domain`: its
   * own domain, one given in the facts' `trusts`, or a SPIRE federation (a
   * `ClusterFederatedTrustDomain` for the domain, and every `ClusterSPIFFEID` that selects the
   * workload naming the domain in `federatesWith`).
   */
  public trusts(cluster: string, w: WorkloadEndpoint, domain: string): boolean {
    const c = this.cluster(cluster);
    const d = domain.toLowerCase();
    if (d === c.analysis.context.trustDomain.toLowerCase()) return true;
    if ((c.facts.trusts ?? []).some((t) => t.toLowerCase() === d)) return true;
    const key = `${cluster}\u0000${w.id}\u0000${d}`;
    const hit = this.trustCache.get(key);
    if (hit !== undefined) return hit;
    const s = this.spireOf(c);
    const ids = s.ids.filter((x) => (x.ns === undefined || x.ns.matches(w.namespaceLabels)) && (x.pod === undefined || x.pod.matches(w.labels)));
    const ok = s.domains.has(d) && ids.every((x) => x.federatesWith.includes(d));
    this.trustCache.set(key, ok);
    return ok;
  }

  private spireOf(c: AnalysedCluster): { domains: ReadonlySet<string>; ids: readonly { ns: LabelSelector | undefined; pod: LabelSelector | undefined; federatesWith: readonly string[] }[] } {
    const hit = this.spire.get(c.facts.name);
    if (hit) return hit;
    const domains = new Set<string>();
    const ids: { ns: LabelSelector | undefined; pod: LabelSelector | undefined; federatesWith: string[] }[] = [];
    for (const o of c.analysis.input.objects) {
      if (!o.apiVersion.startsWith('spire.spiffe.io/')) continue;
      const spec = o.raw.spec;
      if (!isRecord(spec)) continue;
      if (o.kind === 'ClusterFederatedTrustDomain' && typeof spec.trustDomain === 'string') domains.add(spec.trustDomain.toLowerCase());
      if (o.kind === 'ClusterSPIFFEID') {
        const sel = (v: unknown, field: string): LabelSelector | undefined => (v === undefined ? undefined : LabelSelector.parse(v, { source: o.source, object: `ClusterSPIFFEID ${o.name}`, field }));
        const fed = Array.isArray(spec.federatesWith) ? spec.federatesWith.filter((x): x is string => typeof x === 'string').map((x) => x.toLowerCase()) : [];
        ids.push({ ns: sel(spec.namespaceSelector, 'spec.namespaceSelector'), pod: sel(spec.podSelector, 'spec.podSelector'), federatesWith: fed });
      }
    }
    const out = { domains, ids };
    this.spire.set(c.facts.name, out);
    return out;
  }

  /** The simulators a cluster consults: its present layers (`kubernetes` when none is). */
  public consulted(cluster: string, layer?: AnalysisLayer): LayerSimulator[] {
    const a = this.cluster(cluster).analysis;
    if (layer) return [a.simulator(layer)];
    const present = a.simulators.filter((s) => s.present && !s.cloud);
    return present.length > 0 ? present : a.simulators.filter((s) => s.layer === 'kubernetes');
  }

  /**
   * The ports one layer of one side allows for a cross-cluster pair: `egress` is the layer of
   * the source's cluster, `ingress` the layer of the destination's.
   */
  public sidePorts(sim: LayerSimulator, direction: 'egress' | 'ingress', srcCluster: string, src: WorkloadEndpoint, dstCluster: string, dst: WorkloadEndpoint): PortSet {
    if (direction === 'egress') {
      const view = this.viewOf(sim.layer, srcCluster, dstCluster, 'egress');
      const registry = sim.layer === 'istio' && view === 'identity';
      let ports = view === 'identity' && !registry ? sim.allowedPorts(src, this.remoteIdentity(dstCluster, dst)) : this.toEvery(this.remoteAddresses(dstCluster, dst), (peer) => sim.allowedPorts(src, peer));
      // a service of the mesh's registry the Sidecar imports is reachable whatever the outbound traffic policy
      if (registry && this.sidecarImports(srcCluster, src, dst.namespace).imports) ports = ports.union(PortSet.allOf('TCP'));
      // Istio: the client's proxy must trust the server's certificate
      if (registry && !this.trusts(srcCluster, src, this.trustDomainOf(dstCluster))) return ports.subtract(PortSet.allOf('TCP'));
      return ports;
    }
    const view = this.viewOf(sim.layer, dstCluster, srcCluster, 'ingress');
    const ports = view === 'identity' ? sim.allowedPorts(this.remoteIdentity(srcCluster, src), dst) : this.toEvery(this.remoteAddresses(srcCluster, src), (peer) => sim.allowedPorts(peer, dst));
    if (sim.layer === 'istio' && view === 'identity' && !this.trusts(dstCluster, dst, this.trustDomainOf(srcCluster))) return ports.subtract(PortSet.allOf('TCP'));
    return ports;
  }

  /**
   * {@link MultiClusterAnalysis.sidePorts} for every pair of `sources` (workloads of
   * `srcCluster`) and `destinations` (of `dstCluster`) at once: the layer's bulk query where it
   * has one and it sees the peers by identity, one query per local workload where it sees them
   * by address. Returns the ports of pair `(i, j)`; with `scope`, ports outside it may be left out;
   * with `candidates`, a bulk query may leave out every other pair (they read as nothing allowed).
   */
  public sideMatrix(
    sim: LayerSimulator, direction: 'egress' | 'ingress', srcCluster: string, sources: readonly WorkloadEndpoint[], dstCluster: string, destinations: readonly WorkloadEndpoint[], scope?: PortSet,
    candidates?: CandidatePairs,
  ): SideMatrix {
    const tcp = PortSet.allOf('TCP');
    const bulk = (srcs: readonly Endpoint[], dsts: readonly Endpoint[]): SideMatrix => {
      if (!sim.allowedPairs) return (i, j) => sim.allowedPorts(srcs[i], dsts[j]);
      const m = new Map<number, PortSet>();
      for (const p of sim.allowedPairs(srcs, dsts, scope, candidates)) m.set(p.src * dsts.length + p.dst, p.ports);
      const f: SideMatrix = (i, j) => m.get(i * dsts.length + j) ?? PortSet.EMPTY;
      return Object.assign(f, { nonEmpty: [...m.keys()] });
    };
    if (direction === 'egress') {
      const view = this.viewOf(sim.layer, srcCluster, dstCluster, 'egress');
      const addresses = this.remoteAddresses(dstCluster);
      const base = new Map<number, PortSet>();
      const at = (i: number) => {
        let b = base.get(i);
        if (!b) base.set(i, (b = this.toEvery(addresses, (address) => sim.allowedPorts(sources[i], address))));
        return b;
      };
      if (view === 'address') return (i) => at(i);
      if (sim.layer === 'istio') {
        const td = this.trustDomainOf(dstCluster);
        const trusted = new Map<number, boolean>();
        return (i, j) => {
          const b = this.sidecarImports(srcCluster, sources[i], destinations[j].namespace).imports ? at(i).union(tcp) : at(i);
          let t = trusted.get(i);
          if (t === undefined) trusted.set(i, (t = this.trusts(srcCluster, sources[i], td)));
          return t ? b : b.subtract(tcp);
        };
      }
      return bulk(sources, destinations.map((d) => this.remoteIdentity(dstCluster, d)));
    }
    const view = this.viewOf(sim.layer, dstCluster, srcCluster, 'ingress');
    if (view === 'address') {
      const addresses = this.remoteAddresses(srcCluster);
      const base = new Map<number, PortSet>();
      return (_i, j) => {
        let b = base.get(j);
        if (!b) base.set(j, (b = this.toEvery(addresses, (address) => sim.allowedPorts(address, destinations[j]))));
        return b;
      };
    }
    const f = bulk(sources.map((x) => this.remoteIdentity(srcCluster, x)), destinations);
    if (sim.layer !== 'istio') return f;
    const td = this.trustDomainOf(srcCluster);
    const trusted = destinations.map((d) => this.trusts(dstCluster, d, td));
    const g: SideMatrix = (i, j) => {
      const p = f(i, j);
      return trusted[j] || p.isEmpty() ? p : p.subtract(tcp);
    };
    return f.nonEmpty ? Object.assign(g, { nonEmpty: f.nonEmpty }) : g;
  }

  /**
   * {@link MultiClusterAnalysis.sideMatrix} of one layer of cluster `home` toward several other
   * clusters at once. `egress`: the layer of the sources' cluster, `locals` are the sources and
   * each peer's workloads destinations; `ingress`: the layer of the destinations' cluster,
   * `locals` are the destinations and each peer's workloads sources. The peers that the layer
   * sees by identity through its bulk query are asked in one query together (their remote
   * identities side by side), the others as `sideMatrix` asks them. Returns the matrix of each
   * peer, in the order given, with the same ports as `sideMatrix` for that peer.
   *
   * @param scope ports outside it may be left out @default - every port
   */
  public sideMatrices(
    sim: LayerSimulator, direction: 'egress' | 'ingress', home: string, locals: readonly WorkloadEndpoint[],
    peers: readonly { readonly cluster: string; readonly workloads: readonly WorkloadEndpoint[] }[], scope?: PortSet,
  ): SideMatrix[] {
    const egress = direction === 'egress';
    const together = (peer: { readonly cluster: string; readonly workloads: readonly WorkloadEndpoint[] }): boolean => {
      if (!sim.allowedPairs || peer.workloads.length === 0 || locals.length === 0) return false;
      // the source's Istio sees a registry service, not an identity (see sideMatrix)
      if (egress) return sim.layer !== 'istio' && this.viewOf(sim.layer, home, peer.cluster, 'egress') === 'identity';
      return this.viewOf(sim.layer, home, peer.cluster, 'ingress') === 'identity';
    };
    const out: (SideMatrix | undefined)[] = peers.map((p) => {
      if (together(p)) return undefined;
      return egress ? this.sideMatrix(sim, 'egress', home, locals, p.cluster, p.workloads, scope) : this.sideMatrix(sim, 'ingress', p.cluster, p.workloads, home, locals, scope);
    });
    const batched = peers.flatMap((_, k) => (out[k] === undefined ? [k] : []));
    if (batched.length === 0) return out as SideMatrix[];
    // the remote identities of the batched peers side by side: index r is workload r - offset[k] of peer peerAt[r]
    const remote: WorkloadEndpoint[] = [];
    const offset: number[] = [];
    const peerAt: number[] = [];
    for (const k of batched) {
      offset[k] = remote.length;
      for (const w of peers[k].workloads) {
        peerAt.push(k);
        remote.push(this.remoteIdentity(peers[k].cluster, w));
      }
    }
    const found: Map<number, PortSet>[] = peers.map(() => new Map());
    for (const p of egress ? sim.allowedPairs!(locals, remote, scope) : sim.allowedPairs!(remote, locals, scope)) {
      const r = egress ? p.dst : p.src;
      const k = peerAt[r];
      if (egress) found[k].set(p.src * peers[k].workloads.length + (r - offset[k]), p.ports);
      else found[k].set((r - offset[k]) * locals.length + p.dst, p.ports);
    }
    const tcp = PortSet.allOf('TCP');
    for (const k of batched) {
      const m = found[k];
      const width = egress ? peers[k].workloads.length : locals.length;
      const f: SideMatrix = (i, j) => m.get(i * width + j) ?? PortSet.EMPTY;
      let matrix = f;
      if (!egress && sim.layer === 'istio') {
        // Istio at the destination: the server's proxy must trust the client's trust domain
        const td = this.trustDomainOf(peers[k].cluster);
        const trusted = locals.map((d) => this.trusts(home, d, td));
        matrix = (i, j) => {
          const ports = f(i, j);
          return trusted[j] || ports.isEmpty() ? ports : ports.subtract(tcp);
        };
      }
      out[k] = Object.assign(matrix, { nonEmpty: [...m.keys()] });
    }
    return out as SideMatrix[];
  }

  /** The ports allowed from a workload of one cluster to a workload of another, by every layer of both sides (or one layer). */
  public crossPorts(srcCluster: string, src: WorkloadEndpoint, dstCluster: string, dst: WorkloadEndpoint, layer?: AnalysisLayer): PortSet {
    let ports = PortSet.ALL;
    for (const s of this.consulted(srcCluster, layer)) {
      ports = ports.intersect(this.sidePorts(s, 'egress', srcCluster, src, dstCluster, dst));
      if (ports.isEmpty()) return ports;
    }
    for (const s of this.consulted(dstCluster, layer)) {
      ports = ports.intersect(this.sidePorts(s, 'ingress', srcCluster, src, dstCluster, dst));
      if (ports.isEmpty()) return ports;
    }
    return ports;
  }

  /**
   * Every allowed connection: each cluster's own (ids prefixed `<cluster>:`), and every
   * cross-cluster pair of workloads with the ports both sides allow. Sorted by ids.
   */
  public connectivity(options: { readonly layer?: AnalysisLayer; readonly crossOnly?: boolean } = {}): AllowedConnection[] {
    const out: AllowedConnection[] = [];
    for (const c of this.clusters) {
      if (options.crossOnly) break;
      const n = c.facts.name;
      if (options.layer && !c.analysis.simulators.some((s) => s.layer === options.layer)) continue;
      for (const a of c.analysis.connectivity({ layer: options.layer })) out.push({ src: `${n}:${a.src}`, dst: `${n}:${a.dst}`, ports: a.ports });
    }
    for (const a of this.clusters) {
      for (const b of this.clusters) {
        if (a === b) continue;
        const A = a.facts.name;
        const B = b.facts.name;
        const srcs = a.analysis.context.workloads;
        const dsts = b.analysis.context.workloads;
        const sides = [
          ...this.consulted(A, options.layer).map((sim) => this.sideMatrix(sim, 'egress', A, srcs, B, dsts)),
          ...this.consulted(B, options.layer).map((sim) => this.sideMatrix(sim, 'ingress', A, srcs, B, dsts)),
        ];
        srcs.forEach((s, i) => dsts.forEach((d, j) => {
          let ports = PortSet.ALL;
          for (const side of sides) {
            ports = ports.intersect(side(i, j));
            if (ports.isEmpty()) return;
          }
          out.push({ src: `${A}:${s.id}`, dst: `${B}:${d.id}`, ports });
        }));
      }
    }
    return out.sort((x, y) => (x.src < y.src ? -1 : x.src > y.src ? 1 : x.dst < y.dst ? -1 : x.dst > y.dst ? 1 : 0));
  }

  /** Every endpoint id of the clusters' workloads, `<cluster>:<id>`, sorted. */
  public get endpointIds(): string[] {
    return this.clusters.flatMap((c) => c.analysis.context.workloads.map((w) => `${c.facts.name}:${w.id}`)).sort();
  }

  /**
   * Decides one connection in every layer of both sides, naming the rules that decided it.
   *
   * @param from `<cluster>:<endpoint>`, or an endpoint only one cluster has
   * @param to the destination, written the same way
   */
  public explain(from: string, to: string, conn: Connection): MultiClusterExplanation {
    const s = this.locate(from);
    const d = this.locate(to);
    if (s.cluster !== undefined && s.cluster === d.cluster) {
      const e = this.cluster(s.cluster).analysis.explain(s.endpoint, d.endpoint, conn);
      return { src: `${s.cluster}:${e.src}`, dst: `${d.cluster}:${e.dst}`, connection: conn, allowed: e.allowed, sides: [{ cluster: s.cluster, direction: 'local', layers: e.layers }] };
    }
    if (s.endpoint.type !== 'workload' || d.endpoint.type !== 'workload' || s.cluster === undefined || d.cluster === undefined) return this.explainOneSided(from, to, s, d, conn);
    const sc = s.cluster;
    const dc = d.cluster;
    const src = s.endpoint;
    const dst = d.endpoint;
    const egress = this.consulted(sc).map((sim) => {
      const view = this.viewOf(sim.layer, sc, dc, 'egress');
      const registry = sim.layer === 'istio' && view === 'identity';
      let v = view === 'identity' && !registry ? sim.explain(src, this.remoteIdentity(dc, dst), conn) : this.everyVerdict(this.remoteAddresses(dc, dst), (peer) => sim.explain(src, peer, conn));
      if (registry && !v.allowed && conn.protocol === 'TCP') {
        const imp = this.sidecarImports(sc, src, dst.namespace);
        if (imp.imports) {
          v = { layer: v.layer, allowed: true, reasons: [{ policy: imp.sidecar ?? 'Istio default', ...(imp.sidecar ? { rule: 'spec.egress' } : {}), effect: 'allow', detail: `the services of namespace ${dst.namespace} (cluster ${dc}, in the mesh's registry) are imported by ${src.id}'s Sidecar` }] };
        }
      }
      return registry ? this.withTrust(v, sc, src, this.trustDomainOf(dc), conn) : v;
    });
    const ingress = this.consulted(dc).map((sim) => {
      const view = this.viewOf(sim.layer, dc, sc, 'ingress');
      const v = view === 'identity' ? sim.explain(this.remoteIdentity(sc, src), dst, conn) : this.everyVerdict(this.remoteAddresses(sc, src), (peer) => sim.explain(peer, dst, conn));
      return sim.layer === 'istio' && view === 'identity' ? this.withTrust(v, dc, dst, this.trustDomainOf(sc), conn) : v;
    });
    return {
      src: `${sc}:${src.id}`, dst: `${dc}:${dst.id}`, connection: conn,
      allowed: [...egress, ...ingress].every((v) => v.allowed),
      sides: [{ cluster: sc, direction: 'egress', layers: egress }, { cluster: dc, direction: 'ingress', layers: ingress }],
    };
  }

  /** The verdict for every pod range of a cluster: the first that denies, else the first. */
  private everyVerdict(peers: readonly ExternalEndpoint[], verdict: (peer: ExternalEndpoint) => LayerVerdict): LayerVerdict {
    const all = peers.map(verdict);
    return all.find((v) => !v.allowed) ?? all[0];
  }

  /**
   * What the connectivity of several clusters does not judge, and why (for `connlist`): the
   * ends that are not workloads of the given clusters.
   */
  public get notes(): string[] {
    const names = this.clusters.map((c) => c.facts.name);
    return [
      'cross-cluster connections are listed between workloads, each judged by the source cluster\'s egress layers and the destination cluster\'s ingress layers',
      'connections with addresses (external or not) are each cluster\'s own, <cluster>:<range>, judged by that cluster\'s layers only: what lies beyond the address (a firewall, a cloud network, the provider) is not judged',
      ...(names.length > 1 ? [`a range of another cluster's pod CIDRs in a cluster's own list is those pods by address, as that cluster's layers see them: the other cluster's layers are not consulted there (see the workload pairs); pod CIDRs: ${this.clusters.map((c) => `${c.facts.name} ${(c.facts.podCidrs ?? []).join(',') || 'unknown'}`).join('; ')}`] : []),
      'cloud endpoints are judged only where a cluster\'s input names them (its security groups, or --endpoints); the folders of cloud networks are not cluster folders and are not read',
    ];
  }

  /**
   * An end of {@link MultiClusterAnalysis.explain}: a workload (`<cluster>:<endpoint>`, or one
   * only one cluster has), an address, or a cloud endpoint a cluster's input names.
   */
  public endpointOf(text: string): Endpoint | CloudEndpoint {
    return this.locate(text).endpoint;
  }

  /** An end of an explanation: a workload or an address or cloud endpoint of a named cluster, a workload only one cluster has, or an address (no cluster). */
  private locate(text: string): { readonly cluster?: string; readonly endpoint: Endpoint | CloudEndpoint; readonly text: string } {
    const i = text.indexOf(':');
    if (i > 0 && this.byName.has(text.slice(0, i))) {
      const c = this.cluster(text.slice(0, i));
      return { cluster: c.facts.name, endpoint: c.analysis.find(text.slice(i + 1)), text: text.slice(i + 1) };
    }
    try {
      return { ...this.find(text), text };
    } catch (e) {
      // an address, or a cloud endpoint one cluster's input names
      for (const c of this.clusters) {
        let ep: Endpoint | CloudEndpoint;
        try {
          ep = c.analysis.find(text);
        } catch {
          continue;
        }
        if (ep.type === 'external') return { endpoint: ep, text };
        if (ep.type === 'cloud') return { cluster: c.facts.name, endpoint: ep, text };
      }
      throw e;
    }
  }

  /** An explanation where one end is an address or a cloud endpoint: the workload's cluster decides alone, and the notes say what is not judged. */
  private explainOneSided(
    from: string, to: string,
    s: { readonly cluster?: string; readonly endpoint: Endpoint | CloudEndpoint; readonly text: string },
    d: { readonly cluster?: string; readonly endpoint: Endpoint | CloudEndpoint; readonly text: string }, conn: Connection,
  ): MultiClusterExplanation {
    const outgoing = s.endpoint.type === 'workload';
    const home = outgoing ? s : d;
    const other = outgoing ? d : s;
    if (home.endpoint.type !== 'workload' || home.cluster === undefined) {
      return inputError({ code: INPUT_CODES.input }, 'neither end is a workload of the clusters given', `${from} -> ${to}`, 'name a workload as <cluster>:<namespace>/<name> at one end at least');
    }
    const c = this.cluster(home.cluster);
    let peer: Endpoint | CloudEndpoint = other.endpoint;
    if (peer.type === 'cloud') {
      try {
        peer = c.analysis.find(other.text);
      } catch {
        return inputError({ code: INPUT_CODES.input }, `the cloud endpoint ${other.text} is named by the input of ${other.cluster}, not by that of ${home.cluster}, whose layers decide the connection`, `${from} -> ${to}`, `give ${home.cluster}'s folder the endpoint too (--endpoints), or explain it within ${other.cluster}`);
      }
    }
    const e = c.analysis.explain(outgoing ? home.endpoint : peer, outgoing ? peer : home.endpoint, conn);
    const notes: string[] = [];
    const dir = outgoing ? 'egress' : 'ingress';
    if (peer.type === 'external') {
      const p = peer;
      const pods = this.clusters.filter((x) => x.facts.name !== home.cluster && this.podRanges(x.facts.name).some(([a, b]) => rangesOverlap(p.first, p.last, a, b) && (x.facts.podCidrs ?? []).length > 0));
      for (const x of pods) {
        const within = this.podRanges(x.facts.name).some(([a, b]) => rangeWithin(p.first, p.last, a, b));
        notes.push(`${p.id} ${within ? 'lies in' : 'overlaps'} the pod CIDRs of ${x.facts.name}: only ${home.cluster}'s ${dir} layers are judged for an address; name the workload (${x.facts.name}:<namespace>/<name>) to judge ${x.facts.name}'s ${outgoing ? 'ingress' : 'egress'} layers too`);
      }
      if (pods.length === 0) notes.push(`${p.id} is outside the pod CIDRs of the other clusters: only ${home.cluster}'s ${dir} layers are judged; what lies beyond the address (a firewall, a cloud network, the provider) is not`);
    } else if (peer.type === 'cloud') {
      notes.push(`${peer.id} is a cloud endpoint: judged by ${home.cluster}'s layers, its cloud layers from the security groups and endpoints ${home.cluster}'s input holds; the cloud network's own folder is not read`);
    }
    const id = (x: { readonly cluster?: string; readonly endpoint: Endpoint | CloudEndpoint }): string => (x.cluster !== undefined && x.endpoint.type !== 'external' ? `${x.cluster}:${x.endpoint.id}` : x.endpoint.id);
    return { src: id(s), dst: id(d), connection: conn, allowed: e.allowed, sides: [{ cluster: home.cluster, direction: dir, layers: e.layers }], notes };
  }

  private withTrust(v: LayerVerdict, cluster: string, w: WorkloadEndpoint, domain: string, conn: Connection): LayerVerdict {
    if (conn.protocol !== 'TCP' || conn.plaintext || this.trusts(cluster, w, domain)) return v;
    return {
      ...v, allowed: false,
      reasons: [...v.reasons, {
        policy: `trust of ${cluster}`, effect: 'default-deny',
        detail: `${w.id} in ${cluster} does not trust trust domain ${domain}: the mutual TLS handshake fails (no ClusterFederatedTrustDomain for ${domain} there, or a ClusterSPIFFEID of the workload without ${domain} in federatesWith)`,
      }],
    };
  }
}

/**
 * The ports one side allows for pair `(i, j)` of a {@link MultiClusterAnalysis.sideMatrix}; with
 * `nonEmpty`, every pair outside it (as `i * destinations + j`) has no port allowed.
 */
export interface SideMatrix {
  /** The ports allowed from source `i` to destination `j`. */
  (i: number, j: number): PortSet;
  /** The pairs that may have ports allowed, as `i * destinations.length + j`. @default - any pair may */
  nonEmpty?: readonly number[];
}

/** The txt, json or md form of a multi-cluster explanation. */
export function formatMultiClusterExplanation(e: MultiClusterExplanation, format: 'txt' | 'json' | 'md'): string {
  if (format === 'json') return `${JSON.stringify(e, null, 2)}\n`;
  const port = `${e.connection.protocol}/${e.connection.port}`;
  const lines = [`${e.src} => ${e.dst} : ${port}: ${e.allowed ? 'allowed' : 'denied'}`];
  for (const s of e.sides) {
    for (const l of s.layers) {
      lines.push(`  ${s.cluster} ${l.layer} (${s.direction}): ${l.allowed ? 'allowed' : 'denied'}`);
      for (const r of l.reasons) lines.push(`    ${r.effect} ${r.policy}${r.rule ? ` ${r.rule}` : ''}: ${r.detail}`);
    }
  }
  for (const n of e.notes ?? []) lines.push(`  note: ${n}`);
  const text = lines.join('\n') + '\n';
  return format === 'md' ? '```\n' + text + '```\n' : text;
}
