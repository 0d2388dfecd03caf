/**
 * The `kubernetes` layer's NetworkPolicy renderer.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
import { BulkheadError, Problem } from '../../core/errors';
import { ANNOTATIONS, LABELS } from '../../core/names';
import { Plan, PlanBreakGlass, PlanCluster, PlanEdge, PlanPort, PlanWorkload } from '../../plan/types';
import { clusterPath, breakGlassMarks, meta, objectName, PlanIndex, sortedLabels, sortedRecord, sortInPlace, splitEdges } from '../common';
import { AddressBlock, cloudKindText, DNS_PORTS, isClusterDns, mergePorts, portsKey, resolvePeer, SimplePort, uniqueSorted } from './addressing';
import { NetworkPolicyManifest, NetworkPolicyPeer, NetworkPolicyPort, PolicyType } from './types';
import { WarningSink } from './warnings';
import { waypointWorkloads } from '../istio/ambient';

/**
 * The name of the per-namespace default-deny NetworkPolicy.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export const DEFAULT_DENY_NAME = 'bulkhead-default-deny';

/**
 * Warning: an FQDN External is enforced by address instead of by name.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export const WARN_FQDN = 'BH-NP-FQDN';
/**
 * Warning: a peer in another cluster is addressed by that cluster's pod CIDRs.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export const WARN_CROSS_CLUSTER = 'BH-NP-CROSS-CLUSTER';
/**
 * Warning: a peer cannot be addressed from this cluster at all; the flow is not allowed by this layer.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export const WARN_UNREACHABLE = 'BH-NP-UNREACHABLE';
/**
 * Warning: a VM fleet or managed service is addressed by its subnet CIDRs, which hold other
 * instances too: they get the flow as well.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export const WARN_CLOUD_SUBNET = 'BH-NP-CLOUD-SUBNET';
/**
 * Warning: the cluster has no `dns` platform endpoint, so the default-deny opens no DNS.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export const WARN_NO_DNS = 'BH-NP-NO-DNS';

const LAYER = 'kubernetes';

/**
 * What {@link renderNetworkPolicies} returns.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export interface NetworkPolicyRender {
  /** The policies (unsorted; the target sorts). */
  readonly manifests: NetworkPolicyManifest[];
  /** Warnings, sorted. */
  readonly warnings: Problem[];
}

interface Ctx {
  readonly index: PlanIndex;
  readonly cluster: PlanCluster;
  readonly sink: WarningSink;
  readonly flowPaths: ReadonlyMap<string, string>;
  /** Pod peers of this cluster by endpoint kind and key, with their JSON key (resolved once per render). */
  readonly pods: { readonly workload: Map<string, PodsPeer | null>; readonly platform: Map<string, PodsPeer | null> };
  /** The merged ports of each port list of the plan (a flow's list is shared by its edges). */
  readonly portsOf: Map<readonly PlanPort[], MergedPorts>;
  /** Merged ports by their text, so that equal port sets share their NetworkPolicy ports. */
  readonly portsByKey: Map<string, MergedPorts>;
}

/** A pod peer of the cluster: its NetworkPolicy peer (shared by every rule naming it) and the peer's JSON text. */
interface PodsPeer {
  readonly peer: NetworkPolicyPeer;
  readonly key: string;
}

/** A merged port set: the ports, their text ({@link portsKey}) and their NetworkPolicy form. */
interface MergedPorts {
  readonly ports: SimplePort[];
  readonly key: string;
  readonly np: NetworkPolicyPort[];
}

/**
 * Renders the NetworkPolicies of one cluster:
 * - per namespace, `bulkhead-default-deny`: every pod isolated in both directions, egress to
 *   the cluster DNS (UDP and TCP 53) only — for the pods no workload policy selects;
 * - per workload, one policy named after the workload, `<workload>`, that lists both policy
 *   types: its ingress rules (declared callers and platform flows into it) and its egress rules
 *   (declared calls and platform flows out of it, the cluster DNS included), one rule per set of
 *   peers that share exactly the same ports;
 * - per BreakGlass grant and workload, `bg-<grant>-<workload>`, a separate object with the
 *   grant's labels and annotations (the reaper deletes it at expiry), listing only the
 *   directions the grant adds flows in; one that isolates egress also carries the workload's DNS
 *   rule.
 *
 * Why the workload policy lists both types even where a direction has no rule: a policy type
 * with no rule isolates that direction and allows nothing in it, which is exactly the
 * declaration. So each workload policy states the workload's whole intent on its own: applied
 * before the namespace default-deny (GitOps applies allows first), it cuts nothing the final
 * state allows — its DNS rule is there — and if the default-deny is removed, the workload stays
 * isolated in both directions. Kubelet probes still arrive: NetworkPolicy always admits
 * traffic from the pod's own node. A break-glass policy only ever adds to the workload policy,
 * so it lists only the directions it opens.
 *
 * NetworkPolicy has no audit mode: in `audit` topologies it renders the same policies (the
 * mesh and Cilium layers relax instead).
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export function renderNetworkPolicies(plan: Plan, cluster: PlanCluster): NetworkPolicyRender {
  const index = new PlanIndex(plan);
  const sink = new WarningSink();
  const ctx: Ctx = {
    index, cluster, sink, flowPaths: index.flowPaths, pods: { workload: new Map(), platform: new Map() }, portsOf: new Map(), portsByKey: new Map(),
  };
  // Istio ambient: the waypoints' pods get policies of their own (lib/targets/istio/ambient.ts).
  const workloads = [...plan.workloads.filter((w) => w.cluster === cluster.name), ...waypointWorkloads(plan, cluster)].sort((a, b) => cmp(a.key, b.key));
  const namespaces = uniqueSorted([...cluster.namespaces, ...workloads.map((w) => w.namespace)]);

  const out: NetworkPolicyManifest[] = namespaces.map((ns) => defaultDeny(plan, ctx, ns));
  for (const w of workloads) {
    const ingress = splitEdges(w.calledBy);
    const egress = splitEdges(w.calls);
    out.push(workloadPolicy(ctx, w, ingress.regular, egress.regular));
    const dns = egress.regular.filter((e) => isClusterDns(index, cluster, e));
    const grants = uniqueSorted([...ingress.byGrant.keys(), ...egress.byGrant.keys()]);
    for (const g of grants) {
      const p = grantPolicy(ctx, w, ingress.byGrant.get(g) ?? [], egress.byGrant.get(g) ?? [], dns, index.grant(g));
      if (p) out.push(p);
    }
  }
  const clashes = nameClashes(plan, cluster, out.map((m) => `${m.metadata.namespace ?? ''}/${m.metadata.name}`));
  if (clashes.length > 0) throw new BulkheadError(clashes);
  return { manifests: out, warnings: sink.list() };
}

/**
 * Error code: two NetworkPolicies of one namespace would get the same name.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export const ERR_NP_NAME_CLASH = 'BH-NP-NAME-CLASH';

/**
 * The `kubernetes` layer's constraints, checked without rendering: the NetworkPolicies of one
 * namespace must have distinct names. The names are those {@link renderNetworkPolicies} gives:
 * `bulkhead-default-deny`, `<workload>` for every workload, and `bg-<grant>-<workload>` for
 * every grant that adds flows to or from the workload.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export function validateNetworkPolicies(plan: Plan, cluster: PlanCluster): Problem[] {
  const workloads = [...plan.workloads.filter((w) => w.cluster === cluster.name), ...waypointWorkloads(plan, cluster)];
  const names = uniqueSorted([...cluster.namespaces, ...workloads.map((w) => w.namespace)]).map((ns) => `${ns}/${DEFAULT_DENY_NAME}`);
  for (const w of workloads) {
    names.push(`${w.namespace}/${objectName([w.name])}`);
    const grants = new Set<string>();
    for (const edges of [w.calledBy, w.calls]) {
      for (const e of edges) if (e.origin === 'break-glass' && e.breakGlass) grants.add(e.breakGlass);
    }
    if (grants.size > 0) for (const g of uniqueSorted([...grants])) names.push(`${w.namespace}/${objectName(['bg', g, w.name])}`);
  }
  return nameClashes(plan, cluster, names);
}

function nameClashes(plan: Plan, cluster: PlanCluster, names: readonly string[]): Problem[] {
  const seen = new Set<string>();
  const clashes = new Set<string>();
  for (const key of names) {
    if (seen.has(key)) clashes.add(key);
    seen.add(key);
  }
  return [...clashes].sort(cmp).map((key) => ({
    severity: 'error', code: ERR_NP_NAME_CLASH, path: clusterPath(plan, cluster),
    message: `two NetworkPolicies of the same namespace of cluster '${cluster.name}' would get the same name`, value: key,
    fix: 'rename the workload or the BreakGlass grant so that `bulkhead-default-deny`, `<workload>` and `bg-<grant>-<workload>` stay distinct',
  }));
}

function defaultDeny(plan: Plan, ctx: Ctx, ns: string): NetworkPolicyManifest {
  const dns = plan.platform.filter((p) => p.cluster === ctx.cluster.name && p.name === 'dns').sort((a, b) => cmp(a.key, b.key));
  if (dns.length === 0) {
    ctx.sink.warn(WARN_NO_DNS, clusterPath(plan, ctx.cluster),
      `cluster '${ctx.cluster.name}' declares no 'dns' platform endpoint, so the namespace default-deny policies allow no DNS`, ctx.cluster.name,
      'declare the cluster resolver as the `dns` platform flow of the topology');
  }
  const to = dedupePeers(dns.map((p) => podsPeer(p.namespace, p.selector)));
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta(LAYER, DEFAULT_DENY_NAME, ns),
    spec: {
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
      egress: to.length === 0 ? [] : [{ to, ports: DNS_PORTS.map(npPort) }],
    },
  };
}

function workloadPolicy(ctx: Ctx, w: PlanWorkload, inEdges: readonly PlanEdge[], outEdges: readonly PlanEdge[]): NetworkPolicyManifest {
  const ingress = rules(ctx, inEdges);
  const egress = rules(ctx, outEdges);
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta(LAYER, objectName([w.name]), w.namespace, { [LABELS.workload]: w.name }, { [ANNOTATIONS.source]: w.path }),
    spec: {
      podSelector: { matchLabels: sortedLabels(w.selector) },
      policyTypes: ['Ingress', 'Egress'],
      ...(ingress.length > 0 ? { ingress: ingress.map((r) => ({ from: r.peers, ports: r.ports })) } : {}),
      ...(egress.length > 0 ? { egress: egress.map((r) => ({ to: r.peers, ports: r.ports })) } : {}),
    },
  };
}

/**
 * The policy of one BreakGlass grant for one workload: the directions the grant opens, and, where
 * it isolates egress, the workload's DNS edges too (so that no policy isolates egress without
 * DNS). None when no flow of the grant can be addressed.
 */
function grantPolicy(
  ctx: Ctx, w: PlanWorkload, inEdges: readonly PlanEdge[], outEdges: readonly PlanEdge[], dns: readonly PlanEdge[], grant: PlanBreakGlass,
): NetworkPolicyManifest | undefined {
  const marks = breakGlassMarks({ ...grant, approvers: [...grant.approvers].sort() });
  const ingress = rules(ctx, inEdges);
  const granted = rules(ctx, outEdges);
  const egress = granted.length > 0 ? rules(ctx, [...outEdges, ...dns]) : [];
  if (ingress.length === 0 && egress.length === 0) return undefined;
  const policyTypes: PolicyType[] = [...(ingress.length > 0 ? ['Ingress' as const] : []), ...(egress.length > 0 ? ['Egress' as const] : [])];
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta(LAYER, objectName(['bg', grant.name, w.name]), w.namespace, { [LABELS.workload]: w.name, ...marks.labels }, { [ANNOTATIONS.source]: grant.path, ...marks.annotations }),
    spec: {
      podSelector: { matchLabels: sortedRecord(w.selector) },
      policyTypes,
      ...(ingress.length > 0 ? { ingress: ingress.map((r) => ({ from: r.peers, ports: r.ports })) } : {}),
      ...(egress.length > 0 ? { egress: egress.map((r) => ({ to: r.peers, ports: r.ports })) } : {}),
    },
  };
}

interface Rule {
  readonly peers: NetworkPolicyPeer[];
  readonly ports: NetworkPolicyPort[];
}

/**
 * Groups edges into rules: each NetworkPolicy peer gets the union of the ports declared for
 * it, and peers with exactly the same ports share one rule. So a rule never allows a peer a
 * port that was not declared for it.
 */
function rules(ctx: Ctx, edges: readonly PlanEdge[]): Rule[] {
  // per peer, the ports of its first edge, and of every further one
  const perPeer = new Map<string, { peer: NetworkPolicyPeer; first: readonly PlanPort[]; more?: PlanPort[] }>();
  const add = (key: string, peer: NetworkPolicyPeer, ports: readonly PlanPort[]): void => {
    const entry = perPeer.get(key);
    if (!entry) perPeer.set(key, { peer, first: ports });
    else if (entry.more) entry.more.push(...ports);
    else entry.more = [...entry.first, ...ports];
  };
  for (const e of edges) {
    const pods = podsOfCluster(ctx, e);
    if (pods) {
      add(pods.key, pods.peer, e.ports);
      continue;
    }
    for (const peer of npPeers(ctx, e)) add(JSON.stringify(peer), peer, e.ports);
  }
  const byPorts = new Map<string, { ports: MergedPorts; peers: { key: string; peer: NetworkPolicyPeer }[] }>();
  for (const [key, { peer, first, more }] of perPeer) {
    const merged = more ? mergedPorts(ctx, more) : mergedPortsOf(ctx, first);
    if (merged.ports.length === 0) continue;
    const group = byPorts.get(merged.key);
    if (group) group.peers.push({ key, peer });
    else byPorts.set(merged.key, { ports: merged, peers: [{ key, peer }] });
  }
  const groups = [...byPorts.values()];
  sortInPlace(groups, byPortsKey);
  return groups.map((g) => {
    // the keys of one group are distinct (one entry per peer)
    sortInPlace(g.peers, byKey);
    return { peers: g.peers.map((p) => p.peer), ports: g.ports.np };
  });
}

function byPortsKey(a: { ports: MergedPorts }, b: { ports: MergedPorts }): number {
  return cmp(a.ports.key, b.ports.key);
}

function byKey(a: { key: string }, b: { key: string }): number {
  return cmp(a.key, b.key);
}

/** The merged ports of a plan port list, once per list. */
function mergedPortsOf(ctx: Ctx, ports: readonly PlanPort[]): MergedPorts {
  let known = ctx.portsOf.get(ports);
  if (!known) {
    known = mergedPorts(ctx, ports);
    ctx.portsOf.set(ports, known);
  }
  return known;
}

/** The merged ports of a port list, the same object for every equal set. */
function mergedPorts(ctx: Ctx, ports: readonly PlanPort[]): MergedPorts {
  const merged = mergePorts(ports);
  const key = portsKey(merged);
  let known = ctx.portsByKey.get(key);
  if (!known) {
    known = { ports: merged, key, np: merged.map(npPort) };
    ctx.portsByKey.set(key, known);
  }
  return known;
}

/**
 * The peer of an edge when it is pods of this cluster (a workload or platform endpoint of the
 * cluster), resolved once per render; undefined for every other peer (see {@link npPeers}).
 */
function podsOfCluster(ctx: Ctx, e: PlanEdge): PodsPeer | undefined {
  if (e.peer.kind !== 'workload' && e.peer.kind !== 'platform') return undefined;
  const byKey = ctx.pods[e.peer.kind];
  const known = byKey.get(e.peer.key);
  if (known !== undefined) return known ?? undefined;
  const r = resolvePeer(ctx.index, ctx.cluster, e.peer);
  if (r.kind !== 'pods') {
    byKey.set(e.peer.key, null);
    return undefined;
  }
  const peer = podsPeer(r.namespace, r.selector);
  const pods: PodsPeer = { peer, key: JSON.stringify(peer) };
  byKey.set(e.peer.key, pods);
  return pods;
}

function npPeers(ctx: Ctx, e: PlanEdge): NetworkPolicyPeer[] {
  const r = resolvePeer(ctx.index, ctx.cluster, e.peer);
  const flowPath = ctx.flowPaths.get(e.flowId) ?? e.flowId;
  switch (r.kind) {
    case 'pods':
      return [podsPeer(r.namespace, r.selector)];
    case 'unreachable':
      ctx.sink.warn(WARN_UNREACHABLE, flowPath, `NetworkPolicy cannot address '${e.peer.key}' from cluster '${ctx.cluster.name}' (${r.reason}); the flow is not allowed by this layer`,
        e.peer.key, 'declare the pod CIDRs of the remote cluster, or the CIDRs of the External');
      return [];
    case 'blocks':
      if (r.via === 'fqdn-fallback') {
        const ext = ctx.index.external(e.peer.key);
        ctx.sink.warn(WARN_FQDN, ext.path,
          `NetworkPolicy cannot match FQDNs: in cluster '${ctx.cluster.name}' the flows with external '${ext.name}' are allowed to 0.0.0.0/0 except the private (RFC 1918), link-local and cluster ranges, on the declared ports`,
          [...ext.fqdns].sort().join(', '),
          'declare the provider\'s address ranges with `cidrs` on the External, or rely on the Cilium / Istio layers which enforce the name');
      } else if (r.via === 'cloud') {
        const c = ctx.index.cloud(e.peer.key);
        const cidrs = r.blocks.map((b) => b.cidr).join(', ');
        ctx.sink.warn(WARN_CLOUD_SUBNET, flowPath,
          `NetworkPolicy cannot tell the instances of a subnet apart: in cluster '${ctx.cluster.name}' flow ${e.flowId} with ${cloudKindText(c)} '${c.key}' is allowed to and from its whole subnets (${cidrs}) on ${portsKey(mergePorts(e.ports))}, so every other instance in them gets it too`,
          cidrs, `give ${c.name} subnets of its own, or rely on the aws layer's security groups, which match the instances themselves`);
      } else if (r.via === 'remote-cluster') {
        ctx.sink.warn(WARN_CROSS_CLUSTER, flowPath,
          `NetworkPolicy cannot select pods of another cluster: '${e.peer.key}' is addressed by the pod CIDRs of its cluster (${r.blocks.map((b) => b.cidr).join(', ')}), which is coarser than the declaration`,
          e.peer.key, 'rely on the Cilium (ClusterMesh) or Istio layers for the exact identity, or accept the coarser address-based rule');
      }
      return r.blocks.map(ipBlockPeer);
  }
}

function podsPeer(namespace: string, selector: Readonly<Record<string, string>>): NetworkPolicyPeer {
  return {
    namespaceSelector: { matchLabels: { [LABELS.namespaceName]: namespace } },
    podSelector: { matchLabels: sortedRecord(selector) },
  };
}

function ipBlockPeer(b: AddressBlock): NetworkPolicyPeer {
  return { ipBlock: b.except.length === 0 ? { cidr: b.cidr } : { cidr: b.cidr, except: [...b.except] } };
}

function dedupePeers(peers: readonly NetworkPolicyPeer[]): NetworkPolicyPeer[] {
  const m = new Map(peers.map((p) => [JSON.stringify(p), p]));
  return [...m.entries()].sort(([a], [b]) => cmp(a, b)).map(([, p]) => p);
}

function npPort(p: SimplePort): NetworkPolicyPort {
  return p.endPort === undefined ? { protocol: p.protocol, port: p.port } : { protocol: p.protocol, port: p.port, endPort: p.endPort };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
