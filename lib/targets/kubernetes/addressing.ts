/**
 * Addressing helpers shared by the Kubernetes-native network layers (NetworkPolicy and
 * ClusterNetworkPolicy): how a plan endpoint is addressed from one cluster (pods by selector,
 * or address blocks), port-set arithmetic, and the documented fallback for FQDN externals.
 * Pure functions, no host imports.
 */
import { mergePorts as mergePlanPorts } from '../../plan/ports';
import { Cidr } from '../../core/cidr';
import { Protocol } from '../../core/port';
import { Plan, PlanCloudWorkload, PlanCluster, PlanEdge, PlanEndpointRef, PlanExternal, PlanPort } from '../../plan/types';
import { PlanIndex, sortedRecord } from '../common';
import { externalBlocks } from '../../plan/checks/addresses';

/**
 * The private IPv4 ranges of RFC 1918, excluded from the FQDN fallback.
 *
 * @see https://www.rfc-editor.org/rfc/rfc1918
 */
export const RFC1918_IPV4: readonly string[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

/**
 * The IPv4 link-local range (it holds cloud instance-metadata endpoints such as
 * `169.254.169.254`), also excluded from the FQDN fallback.
 *
 * @see https://www.rfc-editor.org/rfc/rfc3927
 */
export const LINK_LOCAL_IPV4 = '169.254.0.0/16';

/**
 * A numbered port or range, with its protocol.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export interface SimplePort {
  /** The protocol. */
  readonly protocol: Protocol;
  /** The first port. */
  readonly port: number;
  /** The last port of a range. @default - a single port */
  readonly endPort?: number;
}

/**
 * An address block and the blocks carved out of it.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export interface AddressBlock {
  /** The block. */
  readonly cidr: string;
  /** Blocks inside `cidr` that are excluded, sorted. */
  readonly except: readonly string[];
}

/**
 * How an endpoint is addressed from one cluster.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export type ResolvedPeer =
  /** Pods of a namespace of this cluster, by labels. */
  | { readonly kind: 'pods'; readonly namespace: string; readonly selector: Readonly<Record<string, string>> }
  /**
   * Address blocks: `external` (the External's own CIDRs), `fqdn-fallback` (an FQDN external
   * without CIDRs, see {@link fqdnFallbackBlock}), `remote-cluster` (the pod CIDRs of
   * another cluster), or `cloud` (the subnet CIDRs of a VM fleet or managed service, see
   * {@link cloudBlocks}).
   */
  | { readonly kind: 'blocks'; readonly via: 'external' | 'fqdn-fallback' | 'remote-cluster' | 'cloud'; readonly blocks: readonly AddressBlock[] }
  /** Not addressable from this cluster (for example a remote cluster without pod CIDRs). */
  | { readonly kind: 'unreachable'; readonly reason: string };

/**
 * Resolves an endpoint of the plan as seen from `cluster`: a workload or platform endpoint of
 * the same cluster is selected by namespace and pod labels; one of another cluster by that
 * cluster's pod CIDRs; an External by its CIDRs, or by the FQDN fallback when it has none; a
 * cloud workload (VM fleet, managed service) by its subnet CIDRs.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export function resolvePeer(index: PlanIndex, cluster: PlanCluster, ref: PlanEndpointRef): ResolvedPeer {
  // A plan is not changed once built: each endpoint resolves once per plan and cluster, and
  // the result is shared by every caller (none changes it).
  let byCluster = RESOLVED.get(index.plan);
  if (!byCluster) {
    byCluster = new WeakMap();
    RESOLVED.set(index.plan, byCluster);
  }
  let byKind = byCluster.get(cluster);
  if (!byKind) {
    byKind = { workload: new Map(), external: new Map(), platform: new Map(), cloud: new Map() };
    byCluster.set(cluster, byKind);
  }
  const known = byKind[ref.kind].get(ref.key);
  if (known) return known;
  const resolved = resolveUncached(index, cluster, ref);
  byKind[ref.kind].set(ref.key, resolved);
  return resolved;
}

const RESOLVED = new WeakMap<Plan, WeakMap<PlanCluster, Record<PlanEndpointRef['kind'], Map<string, ResolvedPeer>>>>();

function resolveUncached(index: PlanIndex, cluster: PlanCluster, ref: PlanEndpointRef): ResolvedPeer {
  if (ref.kind === 'external') return resolveExternal(index.external(ref.key), cluster);
  if (ref.kind === 'cloud') return resolveCloud(index.cloud(ref.key));
  const ep = ref.kind === 'workload' ? index.workload(ref.key) : index.platformEndpoint(ref.key);
  if (ep.cluster === cluster.name) {
    return { kind: 'pods', namespace: ep.namespace, selector: sortedRecord(ep.selector) };
  }
  const remote = index.plan.clusters.find((c) => c.name === ep.cluster);
  const cidrs = uniqueSorted(remote?.podCidrs ?? []);
  if (cidrs.length === 0) {
    return { kind: 'unreachable', reason: `cluster '${ep.cluster}' declares no pod CIDRs` };
  }
  return { kind: 'blocks', via: 'remote-cluster', blocks: cidrs.map((cidr) => ({ cidr, except: [] })) };
}

function resolveCloud(c: PlanCloudWorkload): ResolvedPeer {
  const blocks = cloudBlocks(c);
  if (blocks.length === 0) return { kind: 'unreachable', reason: `${cloudKindText(c)} '${c.name}' declares no subnet CIDRs` };
  return { kind: 'blocks', via: 'cloud', blocks };
}

/**
 * The address blocks of a VM fleet or managed service: the subnet CIDRs its instances take
 * addresses from, minimal and sorted. A subnet is wider than the workload (it holds every other
 * instance of the subnet), so a layer that addresses the workload by these blocks admits those
 * instances too; the renderers say so in a warning.
 *
 * @see https://docs.aws.amazon.com/vpc/latest/userguide/configure-subnets.html
 */
export function cloudBlocks(c: PlanCloudWorkload): AddressBlock[] {
  return minimalCidrs(c.subnetCidrs).map((cidr) => ({ cidr, except: [] }));
}

/**
 * How a cloud workload is named in messages: `VM fleet` or `managed service`.
 *
 * @see https://docs.aws.amazon.com/vpc/latest/userguide/configure-subnets.html
 */
export function cloudKindText(c: PlanCloudWorkload): string {
  return c.kind === 'vm' ? 'VM fleet' : 'managed service';
}

function resolveExternal(ext: PlanExternal, cluster: PlanCluster): ResolvedPeer {
  // The External's address set, (∪ cidrs − ∪ except), as disjoint blocks with their except
  // ranges strictly inside: an ipBlock whose except equals its cidr would be rejected, and
  // dropping that except would allow the range the declaration carved out.
  const blocks = externalBlocks(ext);
  if (blocks.length > 0) {
    return { kind: 'blocks', via: 'external', blocks: blocks.map((b) => ({ cidr: b.cidr, except: minimalCidrs(b.except) })) };
  }
  if (ext.cidrs.length > 0) return { kind: 'unreachable', reason: `the except ranges of external '${ext.name}' cover all its cidrs` };
  if (ext.fqdns.length > 0) return { kind: 'blocks', via: 'fqdn-fallback', blocks: [fqdnFallbackBlock(cluster)] };
  return { kind: 'unreachable', reason: `external '${ext.name}' has neither CIDRs nor FQDNs` };
}

/**
 * The address block NetworkPolicy falls back to for an FQDN External that declares no
 * `cidrs`: `0.0.0.0/0` except the RFC 1918 ranges, the IPv4 link-local range (instance
 * metadata) and the cluster's IPv4 pod and node CIDRs — "anywhere on the internet" on the
 * declared ports, never the cluster or private networks. IPv6 is not opened.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export function fqdnFallbackBlock(cluster: PlanCluster): AddressBlock {
  return { cidr: '0.0.0.0/0', except: fqdnFallbackExcept(cluster) };
}

/**
 * The IPv4 blocks excluded by the FQDN fallback, minimal (none inside another) and sorted.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export function fqdnFallbackExcept(cluster: PlanCluster): string[] {
  const ipv4 = [...cluster.podCidrs, ...cluster.nodeCidrs].filter((c) => Cidr.of(c).family === 'ipv4');
  return minimalCidrs([...RFC1918_IPV4, LINK_LOCAL_IPV4, ...ipv4]);
}

/**
 * Drops CIDRs contained in another of the list, normalizes, de-duplicates and sorts (IPv4 numerically first).
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export function minimalCidrs(cidrs: readonly string[]): string[] {
  const parsed = uniqueSorted(cidrs.map((c) => Cidr.of(c).toString())).map((c) => Cidr.of(c));
  const kept = parsed.filter((c) => !parsed.some((o) => o !== c && o.contains(c)));
  return sortCidrs(kept.map((c) => c.toString()));
}

/**
 * Sorts CIDRs: IPv4 by address then prefix, then IPv6 by text.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export function sortCidrs(cidrs: readonly string[]): string[] {
  const key = (c: string): string => {
    const x = Cidr.of(c);
    if (x.family === 'ipv6') return `1${c}`;
    return `0${ipv4ToNumber(x.address).toString(16).padStart(8, '0')}/${String(x.prefix).padStart(2, '0')}`;
  };
  return [...cidrs].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/**
 * The IPv4 address space minus the given blocks, as the fewest CIDRs, sorted by address.
 * IPv6 entries of `excluded` are ignored.
 *
 * @example
 * ipv4Complement(['10.0.0.0/8']) // ['0.0.0.0/5', '8.0.0.0/7', '11.0.0.0/8', '12.0.0.0/6', ...]
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export function ipv4Complement(excluded: readonly string[]): string[] {
  const ex = excluded.map((c) => Cidr.of(c)).filter((c) => c.family === 'ipv4').map((c) => ({ start: ipv4ToNumber(c.address), prefix: c.prefix }));
  const out: string[] = [];
  const walk = (start: number, prefix: number): void => {
    const size = 2 ** (32 - prefix);
    const end = start + size;
    let overlaps = false;
    for (const e of ex) {
      const eEnd = e.start + 2 ** (32 - e.prefix);
      if (e.start <= start && eEnd >= end) return; // fully excluded
      if (e.start < end && eEnd > start) overlaps = true;
    }
    if (!overlaps) {
      out.push(`${numberToIpv4(start)}/${prefix}`);
      return;
    }
    walk(start, prefix + 1);
    walk(start + size / 2, prefix + 1);
  };
  walk(0, 0);
  return out;
}

function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

function numberToIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/**
 * Merges ports: per protocol, overlapping or adjacent ranges become one; sorted by protocol,
 * then port. Names are dropped (Bulkhead always emits numbers).
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export function mergePorts(ports: readonly (PlanPort | SimplePort)[]): SimplePort[] {
  return mergePlanPorts(ports).map(({ protocol, port, endPort }) => (endPort === undefined ? { protocol, port } : { protocol, port, endPort }));
}

/**
 * A canonical text of a merged port list: `TCP/443,TCP/8000-8100,UDP/53`.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export function portsKey(ports: readonly SimplePort[]): string {
  return ports.map((p) => `${p.protocol}/${p.port}${p.endPort === undefined ? '' : `-${p.endPort}`}`).join(',');
}

/**
 * Whether every port of `ports` is inside `cover`.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export function portsCovered(ports: readonly SimplePort[], cover: readonly SimplePort[]): boolean {
  return ports.every((p) => cover.some((c) => c.protocol === p.protocol && c.port <= p.port && (c.endPort ?? c.port) >= (p.endPort ?? p.port)));
}

/**
 * The ports the namespace default-deny opens to the cluster DNS: TCP and UDP 53.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export const DNS_PORTS: readonly SimplePort[] = [
  { protocol: Protocol.TCP, port: 53 },
  { protocol: Protocol.UDP, port: 53 },
];

/**
 * Whether an edge is a platform flow to this cluster's `dns` endpoint (the cluster resolver).
 * The workload policies carry these edges like any other; the renderers also use them to give
 * every policy that isolates egress its DNS rule.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export function isClusterDns(index: PlanIndex, cluster: PlanCluster, edge: PlanEdge): boolean {
  if (edge.origin !== 'platform' || edge.peer.kind !== 'platform') return false;
  const ep = index.platformEndpoint(edge.peer.key);
  return ep.name === 'dns' && ep.cluster === cluster.name;
}

/**
 * Whether an edge is a DNS platform flow that the namespace default-deny covers as well: a
 * platform flow to this cluster's `dns` endpoint on UDP/TCP 53 only.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export function coveredByDefaultDeny(index: PlanIndex, cluster: PlanCluster, edge: PlanEdge): boolean {
  return isClusterDns(index, cluster, edge) && portsCovered(mergePorts(edge.ports), DNS_PORTS);
}

/**
 * Sorted, de-duplicated copy.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export function uniqueSorted(xs: readonly string[]): string[] {
  return [...new Set(xs)].sort();
}
