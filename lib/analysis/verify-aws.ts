/**
 * Verifies the cloud layer: the security groups of the Crossplane manifests against the plan's
 * cloud endpoints (VMs, managed services, pods with their own groups) and flows. It reports an
 * `over-permissive` finding for every port the groups allow that no flow declares, and a
 * `missing` one for every declared port they do not allow:
 *
 * - between two cloud endpoints, exactly (every ordered pair, with the simulator of the `aws`
 *   layer);
 * - between a cloud endpoint and an address set — an External's CIDRs, a network's platform
 *   destinations (DNS, NTP, the metadata service), the SPIRE server a VM fleet's agents reach
 *   (`PlanCluster.spireServer` of its identity's cluster), the pod CIDRs of a Kubernetes workload's
 *   cluster, the member CIDRs of a cloud endpoint reached by CIDR — over IPv4: the address
 *   space is split at every edge the rules and the declaration name, and each piece is judged.
 *
 * IPv6 rules are not verified (the plan's networks are IPv4); a note says so when there are some.
 */
import { Problem } from '../core/errors';
import { Plan, PlanEndpointRef, PlanPort } from '../plan/types';
import { mergeAdjacentRanges } from './format';
import { Ipv4Range, parseCidr, partitionIpv4, rangeId } from './ipv4';
import { LoadedManifests, loadObjects } from './loader';
import { PortSet } from './portset';
import { AwsSimulator } from './simulators/aws';
import { AllowedConnection, CloudEndpoint, CloudPeer, ExternalEndpoint } from './types';

/** One difference between the cloud layer and the declaration. */
export interface AwsVerifyFinding {
  /** The network of the cloud endpoint concerned (the source's for egress, the destination's otherwise). */
  readonly network: string;
  /** The layer. */
  readonly layer: 'aws';
  /** `over-permissive`: allowed but not declared; `missing`: declared but not allowed. */
  readonly kind: 'over-permissive' | 'missing';
  /** Source: a plan endpoint key, or an address range. */
  readonly src: string;
  /** Destination: a plan endpoint key, or an address range. */
  readonly dst: string;
  /** The ports concerned, as the connectivity list writes them. */
  readonly ports: string;
  /** What was compared. */
  readonly detail: string;
}

/** The verdict on the cloud layer of one network. */
export interface AwsVerifyNetwork {
  /** The network. */
  readonly network: string;
  /** The layer. */
  readonly layer: 'aws';
  /** `exact`, or `findings`. */
  readonly status: 'exact' | 'findings';
  /** Ordered pairs of cloud endpoints compared. */
  readonly pairs: number;
  /** Address pieces compared (cloud endpoint × IPv4 range, both directions). */
  readonly addressChecks: number;
  /** Its findings, sorted. */
  readonly findings: readonly AwsVerifyFinding[];
}

/** The answer of {@link verifyAws}. */
export interface AwsVerifyReport {
  /** No finding. */
  readonly ok: boolean;
  /** Per network, sorted. */
  readonly networks: readonly AwsVerifyNetwork[];
  /** Every finding, sorted. */
  readonly findings: readonly AwsVerifyFinding[];
  /** Ranges opened knowingly for FQDN-only Externals, sorted (they do not make `ok` false). */
  readonly approximations: readonly AwsVerifyApproximation[];
  /** What was not checked, and why. */
  readonly notes: readonly string[];
  /** The simulator's warnings. */
  readonly warnings: readonly Problem[];
}

/** What verify reads of the plan. */
export type AwsVerifyPlan = Pick<Plan, 'networks' | 'cloudWorkloads' | 'workloads' | 'clusters' | 'externals' | 'flows'> & Partial<Pick<Plan, 'platform'>>;

/**
 * A range the groups open knowingly, wider than the declaration: a flow to an External named by
 * FQDN only, which a security group cannot name, is opened on its ports to the addresses the
 * renderer chose (the public address space).
 */
export interface AwsVerifyApproximation {
  /** The network. */
  readonly network: string;
  /** The source (a plan endpoint key). */
  readonly src: string;
  /** The addresses opened. */
  readonly dst: string;
  /** The ports. */
  readonly ports: string;
  /** The FQDN-only Externals the flows go to. */
  readonly externals: readonly string[];
}

/**
 * Verifies the security groups of the manifests against the plan.
 *
 * @param plan the plan (its networks, cloud workloads, workloads, clusters, externals and flows)
 * @param manifests the Crossplane objects (parsed), or loaded manifests
 * @throws AnalysisInputError when the manifests are malformed
 */
export function verifyAws(plan: AwsVerifyPlan, manifests: readonly unknown[] | LoadedManifests): AwsVerifyReport {
  const loaded = Array.isArray(manifests) ? loadObjects(manifests as readonly unknown[], 'aws') : (manifests as LoadedManifests);
  const sim = new AwsSimulator(loaded.objects);
  const cloud = sim.cloud;
  const notes: string[] = [];

  // the plan's cloud endpoints: key → network
  const networkOf = new Map<string, string>();
  for (const c of plan.cloudWorkloads) networkOf.set(c.key, c.network);
  for (const w of plan.workloads) if (w.securityGroup) networkOf.set(w.key, w.securityGroup.network);
  const byId = new Map(cloud.endpoints.map((e) => [e.id, e]));
  const keys = [...networkOf.keys()].sort(cmp);
  const findings: AwsVerifyFinding[] = [];
  const add = (kind: AwsVerifyFinding['kind'], network: string, src: string, dst: string, ports: PortSet, detail: string): void => {
    if (!ports.isEmpty()) findings.push({ network, layer: 'aws', kind, src, dst, ports: ports.toString(), detail });
  };
  for (const k of keys) {
    if (!byId.has(k)) findings.push({ network: networkOf.get(k)!, layer: 'aws', kind: 'missing', src: k, dst: k, ports: '', detail: `no security group of the manifests names ${k} as a member (bulkhead.io/members)` });
  }

  // expectations
  const pairs = new Map<string, PortSet>(); // `${a}\0${b}` → ports, between cloud endpoints
  /** An address set a cloud endpoint may reach (or be reached from); `pair`: a cloud peer's member CIDRs, checked as a pair, only allowed here. */
  type AddressTarget = { readonly ranges: readonly Ipv4Range[]; readonly ports: PortSet; readonly peer: string; readonly pair?: boolean };
  const egressTo = new Map<string, AddressTarget[]>(); // cloud key → address sets it may reach
  const ingressFrom = new Map<string, AddressTarget[]>(); // cloud key → address sets that may reach it
  const push = (m: Map<string, AddressTarget[]>, k: string, t: AddressTarget): void => {
    m.set(k, [...(m.get(k) ?? []), t]);
  };
  const rangesOf = (cidrs: readonly string[]): Ipv4Range[] => cidrs.flatMap((c) => {
    const p = parseCidr(c);
    return p.family === 'ipv4' ? [p.range] : [];
  });
  const externalRanges = new Map(plan.externals.map((x) => [x.key, { ranges: subtract(rangesOf(x.cidrs), rangesOf(x.except)), fqdnOnly: x.cidrs.length === 0 }]));
  const clusterOf = new Map(plan.workloads.map((w) => [w.key, w.cluster]));
  const podRanges = (key: string): Ipv4Range[] => {
    const c = plan.clusters.find((x) => x.name === clusterOf.get(key));
    return c ? rangesOf(c.podCidrs.length > 0 ? c.podCidrs : c.nodeCidrs) : [];
  };
  const isCloud = (r: PlanEndpointRef): boolean => networkOf.has(r.key) && (r.kind === 'cloud' || r.kind === 'workload');
  const addressSet = (r: PlanEndpointRef): { ranges: Ipv4Range[]; why?: string } => {
    if (r.kind === 'external') {
      const x = externalRanges.get(r.key);
      if (!x || x.fqdnOnly) return { ranges: [], why: `${r.key} has no CIDRs: security groups cannot name an FQDN` };
      return { ranges: x.ranges };
    }
    if (r.kind === 'workload') {
      const rs = podRanges(r.key);
      return rs.length > 0 ? { ranges: rs } : { ranges: [], why: `the cluster of ${r.key} declares no pod or node CIDRs` };
    }
    if (r.kind === 'platform') {
      const p = (plan.platform ?? []).find((x) => x.key === r.key);
      const c = p ? plan.clusters.find((x) => x.name === p.cluster) : undefined;
      const rs = c ? rangesOf(c.podCidrs.length > 0 ? c.podCidrs : c.nodeCidrs) : [];
      return rs.length > 0 ? { ranges: rs } : { ranges: [], why: `the cluster of ${r.key} declares no pod or node CIDRs` };
    }
    return { ranges: [], why: `${r.key} is a ${r.kind} endpoint, not addressable from the cloud` };
  };
  const fqdn = new Map<string, { ports: PortSet; externals: string[] }>(); // source → ports of its flows to FQDN-only Externals
  for (const f of plan.flows) {
    const ports = portsOf(f.ports);
    const s = isCloud(f.source);
    const d = isCloud(f.destination);
    if (s && d) {
      const k = `${f.source.key}\u0000${f.destination.key}`;
      pairs.set(k, (pairs.get(k) ?? PortSet.EMPTY).union(ports));
      // across regions, CIDR rules carry the flow: the peer's member CIDRs are expected there
      const de = byId.get(f.destination.key);
      const se = byId.get(f.source.key);
      if (de) push(egressTo, f.source.key, { ranges: rangesOf(de.ranges), ports, peer: f.destination.key, pair: true });
      if (se) push(ingressFrom, f.destination.key, { ranges: rangesOf(se.ranges), ports, peer: f.source.key, pair: true });
    } else if (s || d) {
      const other = s ? f.destination : f.source;
      const set = addressSet(other);
      if (s && other.kind === 'external' && externalRanges.get(other.key)?.fqdnOnly) {
        const prev = fqdn.get(f.source.key);
        fqdn.set(f.source.key, { ports: (prev?.ports ?? PortSet.EMPTY).union(ports), externals: [...new Set([...(prev?.externals ?? []), other.key])].sort(cmp) });
      }
      if (set.why) {
        notes.push(`${f.id}: not checked exactly in the aws layer (${set.why})`);
        continue;
      }
      push(s ? egressTo : ingressFrom, s ? f.source.key : f.destination.key, { ranges: set.ranges, ports, peer: other.key });
    }
  }
  // the platform destinations of a network (the VPC resolver, NTP, the metadata service) are the
  // VM instances' own; pods with their own group reach the cluster's DNS through platform flows
  for (const n of plan.networks) {
    const instances = plan.cloudWorkloads.filter((x) => x.network === n.name && x.kind === 'vm').map((c) => c.key);
    for (const k of instances) {
      for (const p of n.platform) push(egressTo, k, { ranges: rangesOf(p.cidrs), ports: portsOf(p.ports), peer: `platform:${n.name}:${p.name}` });
    }
  }
  // a VM fleet's SPIRE agents reach the SPIRE server of its identity's cluster, where it is declared
  for (const vm of plan.cloudWorkloads) {
    const c = vm.kind === 'vm' && vm.identity ? plan.clusters.find((x) => x.name === vm.identity?.spireCluster) : undefined;
    const server = c?.spireServer;
    if (c && server) push(egressTo, vm.key, { ranges: rangesOf(server.addresses), ports: PortSet.of('TCP', server.port, server.port), peer: `platform:${c.name}:spire-server` });
  }
  const approximations: AwsVerifyApproximation[] = [];

  // pairs of cloud endpoints
  const perNetwork = new Map<string, { pairs: number; addressChecks: number }>();
  const count = (n: string, field: 'pairs' | 'addressChecks'): void => {
    const c = perNetwork.get(n) ?? { pairs: 0, addressChecks: 0 };
    c[field]++;
    perNetwork.set(n, c);
  };
  // every ordered pair is compared; only the pairs the groups allow or a flow declares can differ
  for (const a of keys) {
    const c = perNetwork.get(networkOf.get(a)!) ?? { pairs: 0, addressChecks: 0 };
    c.pairs += keys.length - 1;
    perNetwork.set(networkOf.get(a)!, c);
  }
  const members = keys.filter((k) => byId.has(k)).map((k) => byId.get(k)!);
  const actualOf = new Map<string, PortSet>();
  if (cloud.allowedPairs) {
    for (const p of cloud.allowedPairs(members, members)) actualOf.set(`${members[p.src].id}\u0000${members[p.dst].id}`, p.ports);
  } else {
    for (const ea of members) {
      for (const eb of members) {
        if (ea.id === eb.id) continue;
        const actual = cloud.allowedPorts(ea, eb);
        if (!actual.isEmpty()) actualOf.set(`${ea.id}\u0000${eb.id}`, actual);
      }
    }
  }
  for (const k of new Set([...pairs.keys(), ...actualOf.keys()])) {
    const sep = k.indexOf('\u0000');
    const a = k.slice(0, sep);
    const b = k.slice(sep + 1);
    if (a === b) continue;
    const expected = pairs.get(k) ?? PortSet.EMPTY;
    const network = networkOf.get(a)!;
    if (!byId.has(a) || !byId.has(b)) {
      add('missing', network, a, b, expected, 'declared, but an end is no member of any group');
      continue;
    }
    const actual = actualOf.get(k) ?? PortSet.EMPTY;
    add('over-permissive', network, a, b, actual.subtract(expected), 'the groups allow these ports between the two endpoints, and no flow declares them');
    add('missing', network, a, b, expected.subtract(actual), 'a flow declares these ports, and the groups do not allow them');
  }

  // address sets, in IPv4
  const bounds = cloud.addressBoundaries();
  const declared = [...egressTo.values(), ...ingressFrom.values()].flatMap((ts) => ts.flatMap((t) => t.ranges));
  const srcPieces = partitionIpv4([...bounds.ingress, ...declared]).map(ext);
  const dstPieces = partitionIpv4([...bounds.egress, ...declared]).map(ext);
  const expectedFor = (targets: readonly AddressTarget[] | undefined, piece: ExternalEndpoint): PortSet =>
    PortSet.unionAll((targets ?? []).filter((t) => t.ranges.some((r) => r[0] <= piece.first && piece.last <= r[1])).map((t) => t.ports));
  for (const k of keys) {
    const e = byId.get(k);
    const network = networkOf.get(k)!;
    if (!e) continue;
    const over: AllowedConnection[] = [];
    for (const piece of dstPieces) {
      count(network, 'addressChecks');
      const extra = cloud.allowedPorts(e, piece).subtract(expectedFor(egressTo.get(k), piece));
      if (!extra.isEmpty()) over.push({ src: k, dst: piece.id, ports: extra });
    }
    for (const piece of srcPieces) {
      count(network, 'addressChecks');
      const extra = cloud.allowedPorts(piece, e).subtract(expectedFor(ingressFrom.get(k), piece));
      if (!extra.isEmpty()) over.push({ src: piece.id, dst: k, ports: extra });
    }
    const approx: AllowedConnection[] = [];
    const known = fqdn.get(k);
    for (const c of mergeAdjacentRanges(over)) {
      // egress on the ports of a flow to an FQDN-only External: opened knowingly
      const wide = c.src === k && known ? c.ports.intersect(known.ports) : PortSet.EMPTY;
      if (!wide.isEmpty()) approx.push({ src: c.src, dst: c.dst, ports: wide });
      add('over-permissive', network, c.src, c.dst, c.ports.subtract(wide), c.src === k ? 'the egress rules allow these ports to these addresses, and no flow declares them' : 'the ingress rules allow these ports from these addresses, and no flow declares them');
    }
    for (const c of approx) approximations.push({ network, src: c.src, dst: c.dst, ports: c.ports.toString(), externals: known?.externals ?? [] });
    for (const t of (egressTo.get(k) ?? []).filter((x) => !x.pair)) {
      for (const r of t.ranges) add('missing', network, k, rangeId(r[0], r[1]), t.ports.subtract(allowedOver(cloud.allowedPorts, e, r, dstPieces, 'out')), `declared to ${t.peer}, and the egress rules do not allow it to every address of the range`);
    }
    for (const t of (ingressFrom.get(k) ?? []).filter((x) => !x.pair)) {
      for (const r of t.ranges) add('missing', network, rangeId(r[0], r[1]), k, t.ports.subtract(allowedOver(cloud.allowedPorts, e, r, srcPieces, 'in')), `declared from ${t.peer}, and the ingress rules do not allow it from every address of the range`);
    }
  }
  if (sim.model.rules.some((r) => r.peer.kind === 'cidr' && r.peer.range.family === 'ipv6')) notes.push('IPv6 rules are not verified: the plan declares IPv4 networks');

  const sorted = findings.sort((x, y) => cmp(x.network, y.network) || cmp(x.src, y.src) || cmp(x.dst, y.dst) || cmp(x.kind, y.kind) || cmp(x.ports, y.ports));
  const networks = [...new Set([...plan.networks.map((n) => n.name), ...networkOf.values()])].sort(cmp).map((n): AwsVerifyNetwork => {
    const fs = sorted.filter((f) => f.network === n);
    const c = perNetwork.get(n) ?? { pairs: 0, addressChecks: 0 };
    return { network: n, layer: 'aws', status: fs.length === 0 ? 'exact' : 'findings', pairs: c.pairs, addressChecks: c.addressChecks, findings: fs };
  });
  approximations.sort((x, y) => cmp(x.network, y.network) || cmp(x.src, y.src) || cmp(x.dst, y.dst));
  return { ok: sorted.length === 0, networks, findings: sorted, approximations, notes: [...new Set(notes)].sort(cmp), warnings: sim.warnings };
}

/** The ports allowed for every piece of a range (the intersection over the pieces it is made of). */
function allowedOver(allowed: (a: CloudPeer, b: CloudPeer) => PortSet, e: CloudEndpoint, r: Ipv4Range, pieces: readonly ExternalEndpoint[], dir: 'in' | 'out'): PortSet {
  let out: PortSet | undefined;
  for (const p of pieces) {
    if (p.last < r[0] || p.first > r[1]) continue;
    const a = dir === 'out' ? allowed(e, p) : allowed(p, e);
    out = out === undefined ? a : out.intersect(a);
  }
  return out ?? PortSet.EMPTY;
}

function ext([first, last]: Ipv4Range): ExternalEndpoint {
  return { type: 'external', id: rangeId(first, last), first, last };
}

function portsOf(ports: readonly PlanPort[]): PortSet {
  return PortSet.unionAll(ports.map((p) => PortSet.of(p.protocol, p.port, p.endPort ?? p.port)));
}

/** The ranges minus the except ranges (each except lies inside one range). */
function subtract(ranges: readonly Ipv4Range[], except: readonly Ipv4Range[]): Ipv4Range[] {
  let out: Ipv4Range[] = [...ranges];
  for (const [a, b] of except) {
    out = out.flatMap(([c, d]): Ipv4Range[] => {
      if (b < c || a > d) return [[c, d]];
      const parts: Ipv4Range[] = [];
      if (c < a) parts.push([c, a - 1]);
      if (b < d) parts.push([b + 1, d]);
      return parts;
    });
  }
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
