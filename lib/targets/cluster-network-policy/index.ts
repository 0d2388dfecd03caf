/**
 * The `cluster-network-policy` layer: Admin-tier ClusterNetworkPolicy guardrails for the
 * workloads whose SensitiveTier demands them (`guardrails: true`).
 *
 * For each guarded workload, `bulkhead-guard-<namespace>-<workload>` selects exactly that
 * workload and
 * - on ingress, `Pass`es the declared sources on the declared ports (so NetworkPolicy still
 *   decides the details), then `Deny`s every other pod of the cluster;
 * - on egress, `Pass`es the declared destinations (workloads, DNS and other platform
 *   endpoints; externals, remote clusters and cloud workloads — VM fleets and managed
 *   services, by their subnet CIDRs — as `networks`), then `Deny`s everything else.
 * Nothing another team writes in a NetworkPolicy can then open the workload further.
 *
 * BreakGlass grants that touch a guarded workload get their own objects,
 * `bulkhead-bg-<grant>-<namespace>-<workload>`, carrying the grant's labels and annotations,
 * with `Pass` rules at a higher precedence than the guardrail, so the guardrail does not deny
 * the grant and the reaper can delete them alone.
 *
 * Priorities (Admin tier, lower is evaluated first) come from the tier level, in bands of 100:
 * critical 100, highly-sensitive 200, sensitive 300, internal 400, public 500. Within a band,
 * break-glass objects take `band + 0 … band + 9` and guardrail objects `band + 10 … band + 99`.
 * Subjects of different workloads do not overlap, so equal priorities across workloads are
 * never ambiguous.
 *
 * Quotas: at most 25 ingress rules, 25 egress rules per object, 25 peers (and 25 protocols,
 * 25 networks per peer) per rule. Peers sharing the same ports are aggregated into one rule;
 * larger sets are split across rules, and rules across several objects at consecutive
 * priorities (the final `Deny` always after every `Pass`). When a workload would need more
 * than 90 guardrail objects (or 10 per grant), rendering fails with `BH-CNP-QUOTA`.
 *
 * Limits of the layer, reported as warnings:
 * - ingress peers cannot be addresses in v1alpha2: sources outside the cluster (externals,
 *   remote clusters, VM fleets) are neither passed nor denied by the guardrail, whose final ingress
 *   `Deny` covers the pods of this cluster; NetworkPolicy alone decides them
 *   (`BH-CNP-INGRESS-UNSCOPED` for a declared source; `BH-CNP-REMOTE-INGRESS` for the pods of the
 *   other clusters, declared or not). On egress the final `Deny` names every network, so
 *   connections to remote pods are held back except where a declared flow passes them (by the
 *   remote cluster's pod CIDRs, on the declared ports);
 * - FQDN externals without `cidrs` are passed as the public IPv4 space (everything but the
 *   RFC 1918, link-local and cluster ranges), as NetworkPolicy falls back (`BH-CNP-FQDN`);
 * - `except` blocks of externals are not expressible in `networks`: the whole CIDR is passed,
 *   and NetworkPolicy applies the exception.
 *
 * Audit mode: ClusterNetworkPolicy has no audit or log-only action; `audit` topologies render
 * the same guardrails (NetworkPolicy enforces in audit mode too, so they deny nothing it allows).
 *
 * @see https://network-policy-api.sigs.k8s.io/
 * @see https://github.com/kubernetes-sigs/network-policy-api/blob/main/npeps/npep-285.md
 */
import { BulkheadError, Problem } from '../../core/errors';
import { ANNOTATIONS, LABELS } from '../../core/names';
import { Protocol } from '../../core/port';
import { Sensitivity } from '../../core/sensitivity';
import { Plan, PlanBreakGlass, PlanCluster, PlanEdge, PlanWorkload } from '../../plan/types';
import { breakGlassMarks, clusterPath, meta, objectName, PlanIndex, sortedRecord, sortManifests, splitEdges } from '../common';
import { ipv4Complement, mergePorts, portsKey, ResolvedPeer, resolvePeer, SimplePort, sortCidrs, uniqueSorted } from '../kubernetes/addressing';
import { WarningSink } from '../kubernetes/warnings';
import { RenderResult, Target } from '../types';
import {
  ClusterNetworkPolicyManifest, CnpAction, CnpDestinationPort, CnpEgressPeer, CnpEgressRule, CnpIngressPeer, CnpIngressRule, CnpPods, CnpProtocol,
} from './types';

export * from './types';

/**
 * Most rules per direction in one ClusterNetworkPolicy.
 *
 * @see https://network-policy-api.sigs.k8s.io/reference/spec/
 */
export const CNP_MAX_RULES = 25;
/**
 * Most peers in one rule.
 *
 * @see https://network-policy-api.sigs.k8s.io/reference/spec/
 */
export const CNP_MAX_PEERS = 25;
/**
 * Most protocol entries in one rule.
 *
 * @see https://network-policy-api.sigs.k8s.io/reference/spec/
 */
export const CNP_MAX_PROTOCOLS = 25;
/**
 * Most CIDRs in one `networks` peer.
 *
 * @see https://network-policy-api.sigs.k8s.io/reference/spec/
 */
export const CNP_MAX_NETWORKS = 25;

/**
 * The first Admin-tier priority of each level's band (see the module documentation).
 *
 * @see https://network-policy-api.sigs.k8s.io/reference/spec/
 */
export const GUARDRAIL_PRIORITY_BAND: Readonly<Record<Sensitivity, number>> = {
  [Sensitivity.CRITICAL]: 100,
  [Sensitivity.HIGHLY_SENSITIVE]: 200,
  [Sensitivity.SENSITIVE]: 300,
  [Sensitivity.INTERNAL]: 400,
  [Sensitivity.PUBLIC]: 500,
};
/**
 * Offset of the guardrail objects within a band; break-glass objects use the offsets below it.
 *
 * @see https://network-policy-api.sigs.k8s.io/reference/spec/
 */
export const GUARDRAIL_OFFSET = 10;
/**
 * Width of a band.
 *
 * @see https://network-policy-api.sigs.k8s.io/reference/spec/
 */
export const BAND_WIDTH = 100;

/**
 * Warning: an ingress source outside the cluster is left to NetworkPolicy.
 *
 * @see https://network-policy-api.sigs.k8s.io/reference/spec/
 */
export const WARN_CNP_INGRESS_UNSCOPED = 'BH-CNP-INGRESS-UNSCOPED';
/**
 * Warning: ClusterNetworkPolicy ingress peers are pods and namespaces only (v1alpha2 has no
 * `networks` on ingress), so the guardrails cannot deny the pods of other clusters, which
 * arrive by address; their egress `Deny` (every network) does hold back the guarded workloads'
 * connections to them.
 *
 * @see https://network-policy-api.sigs.k8s.io/reference/spec/
 */
export const WARN_CNP_REMOTE_INGRESS = 'BH-CNP-REMOTE-INGRESS';
/**
 * Warning: an FQDN external is passed as the public IPv4 space.
 *
 * @see https://network-policy-api.sigs.k8s.io/reference/spec/
 */
export const WARN_CNP_FQDN = 'BH-CNP-FQDN';
/**
 * Warning: a destination cannot be addressed from this cluster; the guardrail denies it.
 *
 * @see https://network-policy-api.sigs.k8s.io/reference/spec/
 */
export const WARN_CNP_UNREACHABLE = 'BH-CNP-UNREACHABLE';
/**
 * Error: the guardrail does not fit in the priorities of its band.
 *
 * @see https://network-policy-api.sigs.k8s.io/reference/spec/
 */
export const ERR_CNP_QUOTA = 'BH-CNP-QUOTA';

const LAYER = 'cluster-network-policy';
const PASS: CnpAction = 'Pass';

interface Ctx {
  readonly index: PlanIndex;
  readonly cluster: PlanCluster;
  readonly sink: WarningSink;
  readonly flowPaths: ReadonlyMap<string, string>;
  /** The pods peer of each resolved endpoint of the cluster and its JSON text, made once per peer. */
  readonly pods: Map<ResolvedPeer, PodsPeer>;
}

/** A pods peer (the same object in every rule naming it) and its JSON text. */
interface PodsPeer {
  readonly peer: { readonly pods: CnpPods };
  readonly key: string;
}

function podsPeer(ctx: Ctx, r: ResolvedPeer & { kind: 'pods' }): PodsPeer {
  let known = ctx.pods.get(r);
  if (!known) {
    const peer = { pods: podsOf(r.namespace, r.selector) };
    known = { peer, key: JSON.stringify(peer) };
    ctx.pods.set(r, known);
  }
  return known;
}

/**
 * What the `cluster-network-policy` target returns, typed.
 *
 * @see https://network-policy-api.sigs.k8s.io/reference/spec/
 */
export interface ClusterNetworkPolicyRenderResult extends RenderResult {
  /** The objects, sorted by name. */
  readonly manifests: readonly ClusterNetworkPolicyManifest[];
}

/**
 * Renders one cluster's guardrails (see the module documentation).
 *
 * @throws BulkheadError with code `BH-CNP-QUOTA` when a guardrail cannot fit the quotas.
 *
 * @see https://network-policy-api.sigs.k8s.io/reference/spec/
 */
export function renderClusterNetworkPolicies(plan: Plan, cluster: PlanCluster): ClusterNetworkPolicyRenderResult {
  const { manifests, warnings, errors } = guardrails(plan, cluster);
  if (errors.length > 0) throw new BulkheadError(errors);
  return { manifests, warnings };
}

/**
 * The `cluster-network-policy` layer's constraints: every guardrail (and BreakGlass object)
 * fits the ClusterNetworkPolicy quotas of its priority band (`BH-CNP-QUOTA`).
 *
 * @see https://network-policy-api.sigs.k8s.io/reference/spec/
 */
export function validateClusterNetworkPolicies(plan: Plan, cluster: PlanCluster): Problem[] {
  return guardrails(plan, cluster).errors;
}

interface Guardrails {
  readonly manifests: ClusterNetworkPolicyManifest[];
  readonly warnings: Problem[];
  readonly errors: Problem[];
}

/**
 * The quota check needs the rules themselves, so validation computes the guardrails; they are
 * kept for the render that follows (a pure function of the plan, so the result is the same).
 */
const COMPUTED = new WeakMap<Plan, WeakMap<PlanCluster, Guardrails>>();

function guardrails(plan: Plan, cluster: PlanCluster): Guardrails {
  const byCluster = COMPUTED.get(plan) ?? new WeakMap<PlanCluster, Guardrails>();
  COMPUTED.set(plan, byCluster);
  const known = byCluster.get(cluster);
  if (known) return { manifests: [...known.manifests], warnings: [...known.warnings], errors: [...known.errors] };
  const result = computeGuardrails(plan, cluster);
  byCluster.set(cluster, result);
  return { manifests: [...result.manifests], warnings: [...result.warnings], errors: [...result.errors] };
}

function computeGuardrails(plan: Plan, cluster: PlanCluster): Guardrails {
  const index = new PlanIndex(plan);
  const sink = new WarningSink();
  const ctx: Ctx = { index, cluster, sink, flowPaths: index.flowPaths, pods: new Map() };
  const guarded = plan.workloads.filter((w) => w.cluster === cluster.name && w.tier.guardrails).sort((a, b) => cmp(a.key, b.key));
  const out: ClusterNetworkPolicyManifest[] = [];
  const errors: Problem[] = [];
  for (const w of guarded) {
    const ingress = splitEdges(w.calledBy);
    const egress = splitEdges(w.calls);
    const band = GUARDRAIL_PRIORITY_BAND[w.tier.level];
    const inRules: CnpIngressRule[] = [...ingressPasses(ctx, w, ingress.regular), denyIngress()];
    const outRules: CnpEgressRule[] = [...egressPasses(ctx, w, egress.regular), denyEgress()];
    const guard = pack(ctx, w, inRules, outRules, band + GUARDRAIL_OFFSET, BAND_WIDTH - GUARDRAIL_OFFSET, ['bulkhead-guard', w.namespace, w.name], undefined, errors);
    out.push(...guard);
    for (const g of uniqueSorted([...ingress.byGrant.keys(), ...egress.byGrant.keys()])) {
      const grant = index.grant(g);
      const bgIn = ingressPasses(ctx, w, ingress.byGrant.get(g) ?? []);
      const bgOut = egressPasses(ctx, w, egress.byGrant.get(g) ?? []);
      if (bgIn.length + bgOut.length === 0) continue;
      out.push(...pack(ctx, w, bgIn, bgOut, band, GUARDRAIL_OFFSET, ['bulkhead-bg', grant.name, w.namespace, w.name], grant, errors));
    }
  }
  remoteIngress(plan, cluster, guarded, sink);
  return { manifests: sortManifests(out), warnings: sink.list(), errors };
}

/**
 * `BH-CNP-REMOTE-INGRESS`, once per cluster with guarded workloads in a topology whose other
 * clusters declare pod CIDRs: the guardrails' ingress side cannot name those addresses.
 */
function remoteIngress(plan: Plan, cluster: PlanCluster, guarded: readonly PlanWorkload[], sink: WarningSink): void {
  const remote = plan.clusters.filter((c) => c.name !== cluster.name && c.podCidrs.length > 0);
  if (guarded.length === 0 || remote.length === 0) return;
  const cidrs = sortCidrs(uniqueSorted(remote.flatMap((c) => c.podCidrs)));
  sink.warn(WARN_CNP_REMOTE_INGRESS, clusterPath(plan, cluster),
    `ClusterNetworkPolicy ingress peers are pods and namespaces of this cluster only: in cluster '${cluster.name}' the guardrails of ${guarded.map((w) => `'${w.key}'`).join(', ')} cannot deny the pods of ${remote.map((c) => `'${c.name}'`).join(', ')}, which arrive by address (${cidrs.join(', ')}); the namespace default-deny NetworkPolicy holds them back, but any NetworkPolicy may admit them (the guardrails' egress Deny does hold back connections to them)`,
    cidrs.join(','), 'rely on Cilium (ClusterMesh identities and its clusterwide guardrails) or Istio (STRICT mTLS and principals) for the guarded workloads across clusters, or keep their NetworkPolicies owned by Bulkhead alone');
}

/**
 * The `cluster-network-policy` layer target: Admin-tier guardrails for guarded tiers.
 *
 * @see renderClusterNetworkPolicies
 */
export const clusterNetworkPolicyTarget: Target = {
  layer: 'cluster-network-policy',
  render: renderClusterNetworkPolicies,
  validate: validateClusterNetworkPolicies,
  breakGlassResources: [{ group: 'policy.networking.k8s.io', resource: 'clusternetworkpolicies' }],
};

/** Splits rules across objects of consecutive priorities, at most 25 per direction each. */
function pack(
  ctx: Ctx, w: PlanWorkload, inRules: CnpIngressRule[], outRules: CnpEgressRule[], firstPriority: number, maxObjects: number,
  nameParts: string[], grant: PlanBreakGlass | undefined, errors: Problem[],
): ClusterNetworkPolicyManifest[] {
  const count = Math.max(1, Math.ceil(inRules.length / CNP_MAX_RULES), Math.ceil(outRules.length / CNP_MAX_RULES));
  if (count > maxObjects) {
    errors.push({
      severity: 'error', code: ERR_CNP_QUOTA, path: grant ? grant.path : w.path,
      message: `the ClusterNetworkPolicy ${grant ? `break-glass objects of grant '${grant.name}'` : 'guardrail'} of workload '${w.key}' in cluster '${ctx.cluster.name}' needs ${count} objects of 25 rules, but its priority band holds ${maxObjects}`,
      value: `${inRules.length} ingress rules, ${outRules.length} egress rules`,
      fix: 'declare fewer distinct peer/port combinations for the workload (callers that share ports aggregate into one rule), or turn guardrails off for its tier',
    });
    return [];
  }
  const marks = grant ? breakGlassMarks({ ...grant, approvers: [...grant.approvers].sort() }) : undefined;
  const labels = { [LABELS.workload]: w.name, [LABELS.tier]: w.tier.level, ...(marks?.labels ?? {}) };
  const annotations = { [ANNOTATIONS.source]: grant ? grant.path : w.path, ...(marks?.annotations ?? {}) };
  const out: ClusterNetworkPolicyManifest[] = [];
  for (let i = 0; i < count; i++) {
    const ingress = inRules.slice(i * CNP_MAX_RULES, (i + 1) * CNP_MAX_RULES);
    const egress = outRules.slice(i * CNP_MAX_RULES, (i + 1) * CNP_MAX_RULES);
    out.push({
      apiVersion: 'policy.networking.k8s.io/v1alpha2',
      kind: 'ClusterNetworkPolicy',
      metadata: meta(LAYER, objectName(i === 0 ? nameParts : [...nameParts, `part-${i + 1}`]), undefined, labels, annotations),
      spec: {
        tier: 'Admin',
        priority: firstPriority + i,
        subject: { pods: podsOf(w.namespace, w.selector) },
        ...(ingress.length > 0 ? { ingress } : {}),
        ...(egress.length > 0 ? { egress } : {}),
      },
    });
  }
  return out;
}

function podsOf(namespace: string, selector: Readonly<Record<string, string>>): { namespaceSelector: { matchLabels: Record<string, string> }; podSelector: { matchLabels: Record<string, string> } } {
  return {
    namespaceSelector: { matchLabels: { [LABELS.namespaceName]: namespace } },
    podSelector: { matchLabels: sortedRecord(selector) },
  };
}

function denyIngress(): CnpIngressRule {
  return { name: 'deny-all-other-pods', action: 'Deny', from: [{ namespaces: {} }] };
}

function denyEgress(): CnpEgressRule {
  return { name: 'deny-all', action: 'Deny', to: [{ namespaces: {} }, { networks: ['0.0.0.0/0', '::/0'] }] };
}

/** A group of peers that share exactly the same ports. */
interface Group<P> {
  readonly ports: SimplePort[];
  readonly peers: P[];
}

function ingressPasses(ctx: Ctx, w: PlanWorkload, edges: readonly PlanEdge[]): CnpIngressRule[] {
  const perPeer = new Map<string, { peer: CnpIngressPeer; ports: SimplePort[] }>();
  for (const e of edges) {
    const r = resolvePeer(ctx.index, ctx.cluster, e.peer);
    if (r.kind !== 'pods') {
      ctx.sink.warn(WARN_CNP_INGRESS_UNSCOPED, ctx.flowPaths.get(e.flowId) ?? e.flowId,
        `ClusterNetworkPolicy ingress peers cannot be addresses: the guardrail of '${w.key}' neither passes nor denies traffic from '${e.peer.key}', which is outside cluster '${ctx.cluster.name}'; NetworkPolicy alone decides it`,
        e.peer.key, 'rely on the NetworkPolicy, Cilium and Istio layers for this source, or keep guarded workloads reachable only from inside the cluster');
      continue;
    }
    const { peer, key } = podsPeer(ctx, r);
    const entry = perPeer.get(key);
    if (entry) entry.ports.push(...e.ports);
    else perPeer.set(key, { peer, ports: [...e.ports] });
  }
  return groups(perPeer, new Map(), undefined).flatMap((g) => passRules(g).map(({ name, peers, protocols }): CnpIngressRule => ({ name, action: PASS, from: peers, protocols })));
}

function egressPasses(ctx: Ctx, w: PlanWorkload, edges: readonly PlanEdge[]): CnpEgressRule[] {
  const perPeer = new Map<string, { peer: CnpEgressPeer; ports: SimplePort[] }>();
  const perCidr = new Map<string, SimplePort[]>();
  for (const e of edges) {
    const r = resolvePeer(ctx.index, ctx.cluster, e.peer);
    if (r.kind === 'pods') {
      const { peer, key } = podsPeer(ctx, r);
      const entry = perPeer.get(key);
      if (entry) entry.ports.push(...e.ports);
      else perPeer.set(key, { peer, ports: [...e.ports] });
      continue;
    }
    if (r.kind === 'unreachable') {
      ctx.sink.warn(WARN_CNP_UNREACHABLE, ctx.flowPaths.get(e.flowId) ?? e.flowId,
        `the guardrail of '${w.key}' cannot address '${e.peer.key}' from cluster '${ctx.cluster.name}' (${r.reason}), so its final Deny blocks the flow`,
        e.peer.key, 'declare the pod CIDRs of the remote cluster, or the CIDRs of the External');
      continue;
    }
    let cidrs: string[];
    if (r.via === 'fqdn-fallback') {
      const ext = ctx.index.external(e.peer.key);
      ctx.sink.warn(WARN_CNP_FQDN, ext.path,
        `ClusterNetworkPolicy cannot match FQDNs: in cluster '${ctx.cluster.name}' the guardrails pass flows to external '${ext.name}' to the public IPv4 space (all but the private, link-local and cluster ranges), on the declared ports`,
        [...ext.fqdns].sort().join(', '),
        'declare the provider\'s address ranges with `cidrs` on the External, or rely on the Cilium / Istio layers which enforce the name');
      cidrs = r.blocks.flatMap((b) => ipv4Complement(b.except));
    } else {
      cidrs = r.blocks.map((b) => b.cidr);
    }
    for (const c of cidrs) perCidr.set(c, [...(perCidr.get(c) ?? []), ...e.ports]);
  }
  const toNetworks = (networks: string[]): CnpEgressPeer => ({ networks });
  return groups(perPeer, perCidr, toNetworks).flatMap((g) => passRules(g).map(({ name, peers, protocols }): CnpEgressRule => ({ name, action: PASS, to: peers, protocols })));
}

/**
 * Aggregates: each peer (and each CIDR) gets the union of its declared ports; peers with the
 * same ports form one group; the CIDRs of a group are packed into `networks` peers of at most
 * 25. Groups sorted by ports, peers by content.
 */
function groups<P>(
  perPeer: Map<string, { peer: P; ports: SimplePort[] }>, perCidr: Map<string, SimplePort[]>, toNetworks: ((networks: string[]) => P) | undefined,
): Group<P>[] {
  const byPorts = new Map<string, { ports: SimplePort[]; peers: Map<string, P>; cidrs: string[] }>();
  const slot = (ports: SimplePort[]) => {
    const merged = mergePorts(ports);
    const key = portsKey(merged);
    const g = byPorts.get(key) ?? { ports: merged, peers: new Map<string, P>(), cidrs: [] };
    byPorts.set(key, g);
    return g;
  };
  for (const [key, { peer, ports }] of perPeer) slot(ports).peers.set(key, peer);
  for (const [cidr, ports] of perCidr) slot(ports).cidrs.push(cidr);
  return [...byPorts.entries()].sort(([a], [b]) => cmp(a, b)).map(([, g]) => ({
    ports: g.ports,
    peers: [
      ...[...g.peers.entries()].sort(([a], [b]) => cmp(a, b)).map(([, p]) => p),
      ...(toNetworks ? chunk(sortCidrs(uniqueSorted(g.cidrs)), CNP_MAX_NETWORKS).map(toNetworks) : []),
    ],
  }));
}

/** One group's Pass rules: peers in chunks of 25 times protocols in chunks of 25. */
function passRules<P>(g: Group<P>): { name: string; peers: P[]; protocols: CnpProtocol[] }[] {
  const peerChunks = chunk(g.peers, CNP_MAX_PEERS);
  const protoChunks = chunk(g.ports.map(cnpProtocol), CNP_MAX_PROTOCOLS);
  const base = objectName(['pass', portsKey(g.ports)], 90);
  const many = peerChunks.length * protoChunks.length > 1;
  const out: { name: string; peers: P[]; protocols: CnpProtocol[] }[] = [];
  let n = 0;
  for (const peers of peerChunks) {
    for (const protocols of protoChunks) {
      n++;
      out.push({ name: many ? `${base}-${n}` : base, peers, protocols });
    }
  }
  return out;
}

function cnpProtocol(p: SimplePort): CnpProtocol {
  const destinationPort: CnpDestinationPort = p.endPort === undefined ? { number: p.port } : { range: { start: p.port, end: p.endPort } };
  switch (p.protocol) {
    case Protocol.TCP: return { tcp: { destinationPort } };
    case Protocol.UDP: return { udp: { destinationPort } };
    case Protocol.SCTP: return { sctp: { destinationPort } };
  }
}

function chunk<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
