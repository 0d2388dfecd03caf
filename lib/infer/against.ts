/**
 * The audit before enforcing: observed flows against a declaration. An observed flow is
 * allowed when a flow of the declaration's plan (declared, platform or break-glass in force)
 * has its source and destination, a port range holding its port, and HTTP rules that hold its
 * observed methods and paths (or none). The plan is the declaration's intent; `bulkhead
 * verify` shows that every layer's output allows exactly that intent.
 *
 * A workload of the logs is a workload of the declaration when both are in the same cluster
 * and namespace and the declaration's selector holds for the observed workload's pod labels.
 * An external address is the declaration's External whose CIDRs hold it (less its `except`),
 * or whose FQDNs name it.
 */
import * as ipaddr from 'ipaddr.js';
import { Plan, PlanExternal, PlanFlow, PlanHttpRule } from '../plan/types';
import { Inference, InferredEnd, InferredFlow, InferredHttp } from './aggregate';
import { pathCovers } from './paths';

/** One observed flow the declaration would deny. */
export interface DeniedFlow {
  /** The observed flow. */
  readonly flow: InferredFlow;
  /** Why: no declared flow between the two, or which part is not declared. */
  readonly reason: string;
}

/** One declared flow (on some of its ports) that no observed record used. */
export interface UnobservedFlow {
  /** The plan flow's id. */
  readonly id: string;
  /** The construct path that declared it. */
  readonly path: string;
  /** Source and destination, as the plan names them. */
  readonly source: string;
  /** The destination. */
  readonly destination: string;
  /** The ports never observed, such as `TCP/5432`. */
  readonly ports: readonly string[];
}

/** The comparison of observed flows with a declaration. */
export interface AgainstReport {
  /** Observed flows the declaration would deny (what enforcing it would break), sorted. */
  readonly denied: readonly DeniedFlow[];
  /** Declared flows no observed flow used (candidates to remove), sorted. */
  readonly unobserved: readonly UnobservedFlow[];
  /** Observed flows the declaration allows. */
  readonly allowed: number;
}

/** Compares the observed flows with a declaration's plan. */
export function compareWithPlan(inference: Inference, plan: Plan): AgainstReport {
  const byKey = new Map(inference.workloads.map((w) => [w.key, w]));
  const externals = new Map(inference.externals.map((x) => [x.name, x]));
  const usedPorts = new Map<string, Set<number>>();
  const matchesEnd = (e: InferredEnd, ref: PlanFlow['source']): boolean => {
    if (e.kind === 'workload') {
      if (ref.kind !== 'workload' && ref.kind !== 'platform') return false;
      const w = byKey.get(e.key);
      const p = ref.kind === 'workload' ? plan.workloads.find((x) => x.key === ref.key) : plan.platform.find((x) => x.key === ref.key);
      return !!w && !!p && p.cluster === w.cluster && p.namespace === w.namespace && Object.entries(p.selector).every(([k, v]) => w.podLabels[k] === v);
    }
    if (ref.kind !== 'external') return false;
    const x = externals.get(e.name);
    const px = plan.externals.find((y) => y.key === ref.key);
    return !!x && !!px && (x.fqdns.some((f) => px.fqdns.some((g) => fqdnMatch(g, f))) || x.cidrs.every((c) => holds(px, c)));
  };
  const denied: DeniedFlow[] = [];
  let allowed = 0;
  for (const f of inference.flows) {
    const pairs = plan.flows.filter((p) => matchesEnd(f.source, p.source) && matchesEnd(f.destination, p.destination));
    const onPort = pairs.filter((p) => p.ports.some((x) => x.protocol === f.protocol && x.port <= f.port && (x.endPort ?? x.port) >= f.port));
    const ok = onPort.filter((p) => httpAllowed(f.http, p.http));
    // A declared flow is in use on a port when traffic was seen there, even if some of its requests fall outside the flow's HTTP rules (those are denied below).
    for (const p of onPort) {
      const s = usedPorts.get(p.id) ?? new Set<number>();
      if (s.size < 4096) s.add(portKey(f.protocol, f.port));
      usedPorts.set(p.id, s);
    }
    if (ok.length > 0) {
      allowed++;
      continue;
    }
    const reason = pairs.length === 0 ? 'no declared flow between them'
      : onPort.length === 0 ? `declared on ${pairs.flatMap((p) => p.ports.map(portText)).join(', ')} only`
        : f.http.length === 0 ? 'declared for HTTP requests only (an L7 layer denies other traffic on the port)'
          : `declared for other HTTP requests only (${onPort.flatMap((p) => p.http.map(httpText)).join('; ')})`;
    denied.push({ flow: f, reason });
  }
  const unobserved: UnobservedFlow[] = [];
  const name = (ref: PlanFlow['source']): string => ref.key;
  for (const p of plan.flows) {
    if (p.origin !== 'declared') continue;
    const used = usedPorts.get(p.id) ?? new Set<number>();
    const never: string[] = [];
    for (const x of p.ports) {
      // the unused stretches of the range
      let start: number | undefined;
      const end = x.endPort ?? x.port;
      for (let n = x.port; n <= end + 1; n++) {
        const free = n <= end && !used.has(portKey(x.protocol, n));
        if (free && start === undefined) start = n;
        if (!free && start !== undefined) {
          never.push(portText({ protocol: x.protocol, port: start, ...(n - 1 > start ? { endPort: n - 1 } : {}) }));
          start = undefined;
        }
      }
    }
    if (never.length > 0) unobserved.push({ id: p.id, path: p.path, source: name(p.source), destination: name(p.destination), ports: never });
  }
  return { denied, unobserved: unobserved.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)), allowed };
}

/** Whether the observed HTTP requests (none: plain L4 traffic) are within a flow's rules (none: every request). */
function httpAllowed(observed: readonly InferredHttp[], rules: readonly PlanHttpRule[]): boolean {
  if (rules.length === 0) return true;
  if (observed.length === 0) return false;
  return observed.every((o) => o.methods.every((m) => (o.paths.length === 0 ? [undefined] : o.paths).every((path) => rules.some((r) => (r.methods.length === 0 || r.methods.includes(m))
    && (r.paths.length === 0 || (path !== undefined && r.paths.some((rp) => pathCovers(rp, path) || (rp.startsWith('*') && path.endsWith(rp.slice(1))))))))));
}

function holds(x: PlanExternal, cidr: string): boolean {
  let net: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    net = ipaddr.parseCIDR(cidr);
  } catch {
    return false;
  }
  const inside = (c: string): boolean => {
    try {
      const outer = ipaddr.parseCIDR(c);
      return outer[0].kind() === net[0].kind() && outer[1] <= net[1] && net[0].match(outer);
    } catch {
      return false;
    }
  };
  const overlaps = (c: string): boolean => {
    try {
      const e = ipaddr.parseCIDR(c);
      return e[0].kind() === net[0].kind() && (net[0].match(e) || e[0].match(net));
    } catch {
      return false;
    }
  };
  return x.cidrs.some(inside) && !x.except.some(overlaps);
}

function fqdnMatch(pattern: string, name: string): boolean {
  const p = pattern.toLowerCase();
  const n = name.toLowerCase();
  return p.startsWith('*.') ? n.endsWith(p.slice(1)) && n.length > p.length - 1 : p === n;
}

function portKey(protocol: string, port: number): number {
  return (protocol === 'TCP' ? 0 : protocol === 'UDP' ? 1 : 2) * 65536 + port;
}

function portText(p: { protocol: string; port: number; endPort?: number }): string {
  return `${p.protocol}/${p.port}${p.endPort !== undefined ? `-${p.endPort}` : ''}`;
}

function httpText(r: PlanHttpRule): string {
  return `${r.methods.join(',') || 'any method'} ${r.paths.join(',') || 'any path'}`;
}

/** The text form of an end of an observed flow. */
export function endText(e: InferredEnd): string {
  return e.kind === 'workload' ? e.key : `external:${e.name}`;
}

/** The text of an observed flow: `src => dst : TCP/8080 [GET /a]`. */
export function flowText(f: InferredFlow): string {
  const http = f.http.length ? ` [${f.http.map((h) => `${h.methods.join(',')} ${h.paths.join(',') || '*'}`).join('; ')}]` : '';
  return `${endText(f.source)} => ${endText(f.destination)} : ${f.protocol}/${f.port}${http}`;
}
