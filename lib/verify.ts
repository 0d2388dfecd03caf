/**
 * Verify: synthesize a declaration, then let the analysis engine — which reads only the
 * emitted manifests, with each layer's upstream semantics — decide every connection between
 * the cluster's endpoints, and compare each layer's answer with the declared intent. A layer
 * that allows more than declared is over-permissive; one that allows less is missing a flow.
 */
import * as ipaddr from 'ipaddr.js';
import { cmp } from './core/errors';
import { Analysis, AnalysisLayer, LoadedManifests, loadObjects, PortSet, WorkloadEndpoint } from './analysis';
import { Topology } from './model/topology';
import { LayerName, Plan, PlanCluster, PlanEndpointRef, PlanExternal, PlanFlow, PlanPlatformEndpoint, PlanPort, PlanWorkload } from './plan/types';
import { synthesize, Synthesis } from './synth';
import { KubeManifest } from './targets/types';

/** One difference between a layer and the declaration. */
export interface VerifyFinding {
  /** The cluster. */
  readonly cluster: string;
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
}

/** What was checked in one layer of one cluster. */
export interface VerifyLayerResult {
  /** The cluster. */
  readonly cluster: string;
  /** The layer. */
  readonly layer: AnalysisLayer;
  /** Endpoint pairs compared (every ordered pair in scope, allowed or not). */
  readonly pairs: number;
  /** Declared flows to or from externals that were checked by sampling an address. */
  readonly externalChecks: number;
  /** Findings, sorted. */
  readonly findings: readonly VerifyFinding[];
}

/** The answer of {@link verify}. */
export interface VerifyReport {
  /** True when no layer of any cluster has a finding. */
  readonly ok: boolean;
  /** Per cluster and layer, sorted. */
  readonly layers: readonly VerifyLayerResult[];
  /** Every finding, sorted. */
  readonly findings: readonly VerifyFinding[];
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

/** Layers of the plan → the simulated layer that judges them. */
const SIMULATED: Readonly<Record<LayerName, AnalysisLayer | undefined>> = {
  'kubernetes': 'kubernetes',
  'cluster-network-policy': 'kubernetes',
  'cilium': 'cilium',
  'istio': 'istio',
  'spire': undefined,
};

/** Address that FQDN externals are resolved to for the check (TEST-NET-3, RFC 5737). */
const FQDN_TEST_BASE = [203, 0, 113];

/**
 * Synthesizes a topology and checks, per cluster and per layer, that the emitted manifests
 * allow exactly the declared flows (declared, platform and break-glass flows in force).
 *
 * Scope: every ordered pair of in-cluster endpoints (declared workloads and the platform
 * services they use) with at least one declared workload, on every port; Istio is judged on
 * the destinations and protocol it enforces (declared workloads, TCP).
 * Flows with externals are checked for missing allows by sampling an address of the external
 * (FQDNs resolved to a test address); over-permissive external ranges are not reported, since
 * layers without FQDN support knowingly fall back to wider ranges and say so in warnings.
 * Cross-cluster flows are not judged (their remote side is no endpoint of the cluster); the report notes them.
 *
 * @example
 * const report = verify(topology);
 * if (!report.ok) console.log(report.findings);
 */
export function verify(topology: Topology, options: VerifyOptions = {}): VerifyReport {
  return verifySynthesis(synthesize(topology, { now: options.now }), options);
}

/** {@link verify} on a synthesis already made (manifests may be altered, for example in tests). */
export function verifySynthesis(synthesis: Synthesis, options: Pick<VerifyOptions, 'objects'> = {}): VerifyReport {
  const layers: VerifyLayerResult[] = [];
  const notes = new Set<string>();
  for (const c of synthesis.clusters) {
    layers.push(...verifyCluster(synthesis.plan, c.cluster, c.manifests, options.objects?.[c.cluster.name] ?? [], notes));
  }
  const findings = layers.flatMap((l) => l.findings);
  return { ok: findings.length === 0, layers, findings, notes: [...notes].sort() };
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

function verifyCluster(plan: Plan, cluster: PlanCluster, manifests: readonly KubeManifest[], extra: readonly unknown[], notes: Set<string>): VerifyLayerResult[] {
  const entities = entitiesOf(plan, cluster);
  const loaded = loadWithEndpoints(plan, cluster, [...manifests, ...extra]);

  const entityOf = new Map<string, Entity>();
  for (const w of loaded.workloads) {
    const e = entities.find((x) => matches(x, w));
    if (e) entityOf.set(w.id, e);
  }
  const intent = intendedPorts(plan, cluster, entityOf, loaded.workloads, notes);

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
  const judged = [...new Set(cluster.layers.map((l) => SIMULATED[l]).filter((l): l is AnalysisLayer => l !== undefined))];
  for (const layer of judged) {
    // Istio authorizes TCP only (sidecars do not intercept UDP or SCTP): judge it on TCP.
    const scope = layer === 'istio' ? PortSet.allOf('TCP') : PortSet.ALL;
    const allowed = new Map<string, PortSet>();
    for (const a of analysis.connectivity({ layer, scope })) allowed.set(`${a.src}\u0000${a.dst}`, a.ports);
    const findings: VerifyFinding[] = [];
    if (layer === 'istio') notes.add(`${cluster.name}: istio is judged on TCP only; UDP and SCTP are enforced by the network layers`);
    const inScope = (src: string, dst: string): boolean => {
      const se = entityOf.get(src);
      const de = entityOf.get(dst);
      if (src === dst || !se || !de || (!se.managed && !de.managed)) return false;
      // Istio enforces at the destination: services Bulkhead does not manage are out of its scope.
      return layer !== 'istio' || de.managed;
    };
    // Pairs absent from both the intent and the layer's answer agree (nothing allowed): only
    // the union of the two sparse maps needs comparing.
    for (const key of new Set([...intent.keys(), ...allowed.keys()])) {
      const [src, dst] = key.split('\u0000');
      if (!inScope(src, dst)) continue;
      const want = scope.intersect(intent.get(key) ?? PortSet.EMPTY);
      const got = scope.intersect(allowed.get(key) ?? PortSet.EMPTY);
      const over = got.subtract(want);
      const missing = want.subtract(got);
      if (!over.isEmpty()) findings.push({ cluster: cluster.name, layer, kind: 'over-permissive', src, dst, ports: over.toString() });
      if (!missing.isEmpty()) findings.push({ cluster: cluster.name, layer, kind: 'missing', src, dst, ports: missing.toString() });
    }
    const managed = loaded.workloads.filter((w) => entityOf.get(w.id)?.managed).length;
    const unmanaged = loaded.workloads.filter((w) => entityOf.get(w.id) && !entityOf.get(w.id)?.managed).length;
    const pairs = managed * (managed - 1) + (layer === 'istio' ? 1 : 2) * managed * unmanaged;
    const ext = externalChecks(plan, cluster, layer, analysis, loaded.workloads, entityOf, notes);
    findings.push(...ext.findings);
    results.push({
      cluster: cluster.name, layer, pairs, externalChecks: ext.checked,
      findings: findings.sort((a, b) => cmp(a.src, b.src) || cmp(a.dst, b.dst) || cmp(a.kind, b.kind)),
    });
  }
  return results;
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

/**
 * Loads a cluster's objects for analysis, adding a stand-in Deployment for every declared
 * workload (and platform service) whose pods none of the objects run, so that a synthesis
 * without the application can still be analysed.
 */
export function loadWithEndpoints(plan: Plan, cluster: PlanCluster, objects: readonly unknown[]): LoadedManifests {
  const loaded = loadObjects(objects, cluster.name);
  const standIns = entitiesOf(plan, cluster).filter((e) => !loaded.workloads.some((w) => matches(e, w))).map(standIn);
  return standIns.length > 0 ? loadObjects([...objects, ...standIns], cluster.name) : loaded;
}

function workloadEntity(w: PlanWorkload): Entity {
  const ports = w.ports.map((p) => ({ protocol: p.protocol, port: p.port, name: p.name }));
  return { key: w.key, managed: true, namespace: w.namespace, selector: w.selector, serviceAccount: w.serviceAccount, ports, name: w.name };
}

function platformEntity(p: PlanPlatformEndpoint): Entity {
  return { key: p.key, managed: false, namespace: p.namespace, selector: p.selector, serviceAccount: p.serviceAccount, ports: [], name: `platform-${p.name}` };
}

/** A Deployment standing in for a declared workload whose pods are not in the input. */
function standIn(e: Entity): unknown {
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

/** Declared ports per ordered endpoint pair of the cluster (keys `src\0dst` by endpoint id). */
function intendedPorts(plan: Plan, cluster: PlanCluster, entityOf: Map<string, Entity>, endpoints: readonly WorkloadEndpoint[], notes: Set<string>): Map<string, PortSet> {
  const byKey = new Map<string, string[]>();
  for (const w of endpoints) {
    const e = entityOf.get(w.id);
    if (e) byKey.set(e.key, [...(byKey.get(e.key) ?? []), w.id]);
  }
  const local = (ref: PlanEndpointRef) => (ref.kind === 'external' ? undefined : byKey.get(ref.key));
  const intent = new Map<string, PortSet>();
  for (const f of plan.flows) {
    const srcIds = local(f.source);
    const dstIds = local(f.destination);
    if (!srcIds || !dstIds) {
      if (f.source.kind === 'workload' && f.destination.kind === 'workload' && (srcIds || dstIds) && crossCluster(plan, f)) {
        notes.add(`${cluster.name}: cross-cluster flow ${f.id} is not judged: its remote side is not an endpoint of this cluster (layers that address it by pod CIDR warn at synthesis)`);
      }
      continue;
    }
    for (const s of srcIds) {
      for (const d of dstIds) {
        const k = `${s}\u0000${d}`;
        intent.set(k, (intent.get(k) ?? PortSet.EMPTY).union(portSet(f.ports)));
      }
    }
  }
  return intent;
}

const CLUSTER_OF = new WeakMap<Plan, Map<string, string>>();

function crossCluster(plan: Plan, f: PlanFlow): boolean {
  let clusterOf = CLUSTER_OF.get(plan);
  if (!clusterOf) {
    clusterOf = new Map(plan.workloads.map((w) => [w.key, w.cluster]));
    CLUSTER_OF.set(plan, clusterOf);
  }
  return clusterOf.get(f.source.key) !== clusterOf.get(f.destination.key);
}

/** Checks that declared flows with externals are allowed, on a sample address of the external. */
function externalChecks(
  plan: Plan, cluster: PlanCluster, layer: AnalysisLayer, analysis: Analysis, endpoints: readonly WorkloadEndpoint[],
  entityOf: Map<string, Entity>, notes: Set<string>,
): { checked: number; findings: VerifyFinding[] } {
  const findings: VerifyFinding[] = [];
  let checked = 0;
  const sim = analysis.simulator(layer);
  const externals = new Map(plan.externals.map((x, i) => [x.key, { x, i }]));
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
    const eps = endpoints.filter((w) => entityOf.get(w.id)?.key === other.key);
    if (eps.length === 0) continue;
    // Istio does not police traffic from outside the mesh to FQDN-only sources, nor does it match sources by name.
    if (!outward && ext.x.cidrs.length === 0) continue;
    for (const w of eps) {
      const ip = analysis.endpoint(address);
      for (const p of f.ports) {
        checked++;
        // a declared flow is allowed when the port lets through what it may carry (plain TCP or the declared HTTP requests)
        const conn = { protocol: p.protocol, port: p.port, plaintext: !outward, application: 'any' as const };
        const verdict = outward ? sim.explain(w, ip, conn) : sim.explain(ip, w, conn);
        if (!verdict.allowed) {
          findings.push({ cluster: cluster.name, layer, kind: 'missing', src: outward ? w.id : `${address}[External]`, dst: outward ? `${address}[External]` : w.id, ports: portSet([p]).toString() });
        }
      }
    }
  }
  return { checked, findings };
}

/** An address inside the external (not in its except ranges); FQDN-only externals get their test address. */
function sampleAddress(x: PlanExternal, index: number): string | undefined {
  if (x.cidrs.length === 0) return [...FQDN_TEST_BASE, 10 + (index % 200)].join('.');
  const except = x.except.map((e) => ipaddr.parseCIDR(e));
  for (const cidr of x.cidrs) {
    const [network, bits] = ipaddr.parseCIDR(cidr);
    if (network.kind() !== 'ipv4') continue;
    const start = network.toByteArray().reduce((a, o) => a * 256 + o, 0);
    const size = 2 ** (32 - bits);
    // the middle of the range first (for 0.0.0.0/0 a public address), then its edges
    for (const offset of [Math.floor(size / 2), 1, 0, size - 2]) {
      const n = start + Math.max(0, Math.min(size - 1, offset));
      const ip = ipaddr.fromByteArray([24, 16, 8, 0].map((sh) => Math.floor(n / 2 ** sh) % 256));
      if (!except.some(([e, b]) => e.kind() === 'ipv4' && ip.match(e, b))) return ip.toString();
    }
  }
  return undefined;
}
