/**
 * An independent, deliberately naive reading of NetworkPolicy and ClusterNetworkPolicy for
 * one connection on one port, written straight from the upstream documentation. The property
 * tests compare the simulator (and its sparse bulk query) with it.
 */
import { L4Protocol } from '../../lib/analysis/portset';
import { Endpoint, WorkloadEndpoint } from '../../lib/analysis/types';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

function inCidr(addr: number, cidr: string): boolean {
  if (cidr.includes(':')) return false;
  const [base, len] = cidr.split('/');
  const size = 2 ** (32 - Number(len));
  const start = Math.floor(ipToInt(base) / size) * size;
  return addr >= start && addr < start + size;
}

function selects(sel: Obj | undefined | null, labels: Readonly<Record<string, string>>): boolean {
  if (sel === undefined || sel === null) return true;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = e.key in labels;
    if (e.operator === 'In' && !(has && e.values.includes(labels[e.key]))) return false;
    if (e.operator === 'NotIn' && has && e.values.includes(labels[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** The reference decision for one connection on one port. */
export function referenceAllows(objects: readonly Obj[], src: Endpoint, dst: Endpoint, protocol: L4Protocol, port: number): boolean {
  const nps = objects.filter((o) => o.kind === 'NetworkPolicy');
  const cnps = objects
    .filter((o) => o.kind === 'ClusterNetworkPolicy')
    .sort((a, b) => a.spec.priority - b.spec.priority || (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  const dstPorts = dst.type === 'workload' ? dst.ports : [];

  const npPortMatches = (p: Obj): boolean => {
    if ((p.protocol ?? 'TCP') !== protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === 'string') return dstPorts.some((c) => c.name === p.port && c.protocol === protocol && c.port === port);
    return port >= p.port && port <= (p.endPort ?? p.port);
  };
  const npPeerMatches = (peer: Obj, policyNs: string, who: Endpoint): boolean => {
    if (peer.ipBlock) {
      if (who.type !== 'external') return false;
      return inCidr(who.first, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((e: string) => inCidr(who.first, e));
    }
    if (who.type !== 'workload') return false;
    if (peer.namespaceSelector === undefined) return who.namespace === policyNs && selects(peer.podSelector, who.labels);
    return selects(peer.namespaceSelector, who.namespaceLabels) && selects(peer.podSelector, who.labels);
  };
  const cnpPortMatches = (protocols: Obj[] | undefined): boolean => {
    if (protocols === undefined) return true;
    return protocols.some((p) => {
      if (p.destinationNamedPort !== undefined) return dstPorts.some((c) => c.name === p.destinationNamedPort && c.protocol === protocol && c.port === port);
      const body = p[protocol.toLowerCase()];
      if (!body) return false;
      const d = body.destinationPort;
      if (!d) return true;
      if (d.number !== undefined) return port === d.number;
      return port >= d.range.start && port <= d.range.end;
    });
  };
  const cnpPeerMatches = (peer: Obj, who: Endpoint): boolean => {
    if (peer.namespaces !== undefined) return who.type === 'workload' && selects(peer.namespaces, who.namespaceLabels);
    if (peer.pods !== undefined) return who.type === 'workload' && selects(peer.pods.namespaceSelector, who.namespaceLabels) && selects(peer.pods.podSelector, who.labels);
    if (peer.networks !== undefined) {
      return peer.networks.some((c: string) => (who.type === 'external' ? inCidr(who.first, c) : c.endsWith('/0') && !c.includes(':')));
    }
    return false;
  };
  const subjectOf = (c: Obj, w: WorkloadEndpoint): boolean => {
    const s = c.spec.subject;
    if (s.namespaces !== undefined) return selects(s.namespaces, w.namespaceLabels);
    return selects(s.pods.namespaceSelector, w.namespaceLabels) && selects(s.pods.podSelector, w.labels);
  };

  const decide = (subject: WorkloadEndpoint, peer: Endpoint, dir: 'ingress' | 'egress'): boolean => {
    const peerKey = dir === 'ingress' ? 'from' : 'to';
    // Admin tier
    let passed = false;
    for (const c of cnps.filter((x) => x.spec.tier === 'Admin' && subjectOf(x, subject))) {
      for (const r of c.spec[dir] ?? []) {
        if (!r[peerKey].some((p: Obj) => cnpPeerMatches(p, peer)) || !cnpPortMatches(r.protocols)) continue;
        if (r.action === 'Accept') return true;
        if (r.action === 'Deny') return false;
        passed = true;
        break;
      }
      if (passed) break;
    }
    // NetworkPolicy tier
    const selecting = nps.filter((p) => {
      if ((p.metadata.namespace ?? 'default') !== subject.namespace || !selects(p.spec.podSelector, subject.labels)) return false;
      const types: string[] = p.spec.policyTypes ?? ['Ingress', ...((p.spec.egress ?? []).length > 0 ? ['Egress'] : [])];
      return types.includes(dir === 'ingress' ? 'Ingress' : 'Egress');
    });
    if (selecting.length > 0) {
      return selecting.some((p) =>
        (p.spec[dir] ?? []).some((r: Obj) => {
          const peers: Obj[] = r[peerKey] ?? [];
          const peerOk = peers.length === 0 || peers.some((x) => npPeerMatches(x, p.metadata.namespace ?? 'default', peer));
          const ports: Obj[] = r.ports ?? [];
          return peerOk && (ports.length === 0 || ports.some(npPortMatches));
        }),
      );
    }
    // Baseline tier
    for (const c of cnps.filter((x) => x.spec.tier === 'Baseline' && subjectOf(x, subject))) {
      for (const r of c.spec[dir] ?? []) {
        if (!r[peerKey].some((p: Obj) => cnpPeerMatches(p, peer)) || !cnpPortMatches(r.protocols)) continue;
        return r.action !== 'Deny';
      }
    }
    return true;
  };

  const egress = src.type === 'external' ? true : decide(src, dst, 'egress');
  const ingress = dst.type === 'external' ? true : decide(dst, src, 'ingress');
  return egress && ingress;
}
