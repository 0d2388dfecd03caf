/**
 * The flows phase. First it reads what asks for flows — the topology's flow statements and its
 * BreakGlass grants — into candidate flows between endpoints of the table (peers looked up,
 * named ports resolved, HTTP rules read), which the guardrails phase then checks. Then it
 * builds the plan's flows: the declared flows merged (one per source, destination, HTTP rules
 * and origin), the platform flows every workload needs (DNS, the mesh control plane, metrics
 * scraping), and the flows of the grants in force.
 */
import { IConstruct } from 'constructs';
import { cmp } from '../../core/errors';
import { Duration } from '../../core/duration';
import { shortHash } from '../../core/hash';
import { Protocol } from '../../core/port';
import { BreakGlass } from '../../model/break-glass';
import { FlowStatement, IPeer } from '../../model/peer';
import { FlowOrigin, PlanBreakGlass, PlanEndpointRef, PlanFlow, PlanHttpRule, PlanPort } from '../types';
import { mergePorts } from '../ports';
import { checkHttpProtocol } from '../checks/http';
import { Endpoint } from './endpoints';
import { Declaration } from './problems';
import { Resolution } from './resolve';
import { checkDnsName, checkUnique, httpRules, resolvePorts } from './values';

/** Port of the Istio control plane (xDS and CA) that every sidecar dials. */
export const MESH_CONTROL_PLANE_PORT = 15012;

/** A flow a statement asks for, resolved to endpoints of the table, before the guardrails. */
export interface CandidateFlow {
  /** Where problems about it are reported: the statement's path and its two sides. */
  readonly where: string;
  /** Construct path of the statement. */
  readonly path: string;
  /** The source. */
  readonly source: Endpoint;
  /** The destination. */
  readonly destination: Endpoint;
  /** Resolved ports (named ports of the destination resolved), as declared. */
  readonly ports: readonly PlanPort[];
  /** HTTP rules; empty means no L7 constraint. */
  readonly http: readonly PlanHttpRule[];
  /** The justification given, untrimmed. @default - none */
  readonly justification?: string;
}

/** Whether a grant's window is open, still to come, or over, at the planning time. */
export type GrantState = 'open' | 'scheduled' | 'expired';

/** A BreakGlass grant with a valid start, its peers resolved in the table. */
export interface ResolvedGrant {
  /** The grant. */
  readonly construct: BreakGlass;
  /** Its name. */
  readonly name: string;
  /** Construct path. */
  readonly path: string;
  /** Its window. */
  readonly duration: Duration;
  /** Start of the window. */
  readonly start: Date;
  /** End of the window. */
  readonly expires: Date;
  /** The window's state at the planning time. */
  readonly state: GrantState;
  /** Distinct approvers, trimmed, sorted. */
  readonly approvers: readonly string[];
  /** The `from` peers in declaration order; `undefined` where a peer did not resolve. */
  readonly sources: readonly (Endpoint | undefined)[];
  /** The `to` peers in declaration order; `undefined` where a peer did not resolve. */
  readonly targets: readonly (Endpoint | undefined)[];
  /**
   * The grant's ports into each target (same index); `undefined` for a target that did not
   * resolve, is not tiered (an External), or whose ports do not resolve.
   */
  readonly ports: readonly (PlanPort[] | undefined)[];
}

/**
 * The endpoint a flow's peer names. A peer of a known kind that is not in the table is
 * reported as undeclared, unless it belongs to this topology (then it failed to resolve, and
 * its own problem is reported already); a peer of no known kind is reported as such.
 *
 * @param role `source` or `destination`, for the message
 */
export function peerEndpoint(d: Declaration, r: Resolution, peer: IPeer, where: string, role: string): Endpoint | undefined {
  const kind = r.endpoints.kindOf(peer);
  if (kind) {
    const e = r.endpoints.get(peer);
    if (e) return e;
    if (peer.node.scopes.includes(d.topology)) return undefined;
    d.problems.error('BH-UNDECLARED-PEER', where, `the flow's ${role} is ${kind.noun} that is not declared in this topology`, peer.node.path, kind.undeclaredFix);
    return undefined;
  }
  const titles = r.endpoints.kinds.map((k) => k.title);
  d.problems.error('BH-UNDECLARED-PEER', where, `the flow's ${role} is neither ${titles.join(' nor ')}`, (peer as IConstruct)?.node?.path ?? peer, `pass ${titles.join(' or ')}`);
  return undefined;
}

function describe(s: FlowStatement): string {
  const name = (x: IPeer) => (x && typeof x === 'object' && 'peerName' in x ? x.peerName : String(x));
  return `${name(s.source)} -> ${name(s.destination)}`;
}

/** The topology's flow statements as candidate flows, in statement-path order; the ones that do not resolve are reported and left out. */
export function readStatements(d: Declaration, r: Resolution): CandidateFlow[] {
  const p = d.problems;
  const out: CandidateFlow[] = [];
  const statements = [...d.topology.flows].sort((a, b) => cmp(a.path, b.path));
  for (const s of statements) {
    const where = `${s.path} (${describe(s)})`;
    const src = peerEndpoint(d, r, s.source, where, 'source');
    const dst = peerEndpoint(d, r, s.destination, where, 'destination');
    if (!src || !dst) continue;
    if (src.external && dst.external) {
      p.error('BH-EXTERNAL-TO-EXTERNAL', where, 'a flow between two Externals is outside every cluster', `${src.name} -> ${dst.name}`, 'remove it: Bulkhead segments traffic of declared workloads');
      continue;
    }
    const ports = resolvePorts(p, where, s.ports, dst);
    const http = httpRules(p, where, s.options.http);
    if (!ports || !http) continue;
    checkHttpProtocol(where, 'flow', ports, http, p);
    out.push({ where, path: s.path, source: src, destination: dst, ports, http, justification: s.options.justification });
  }
  return out;
}

/**
 * The topology's BreakGlass grants with a valid start, in construct-path order: names,
 * reason, peers and ports checked, the window placed against the planning time (an expired
 * grant is reported, an error in strict mode; a scheduled one is noted).
 */
export function readGrants(d: Declaration, r: Resolution): ResolvedGrant[] {
  const p = d.problems;
  const names = new Map<string, BreakGlass>();
  const out: ResolvedGrant[] = [];
  for (const bg of d.of(BreakGlass)) {
    const where = bg.node.path;
    const props = bg.props;
    checkDnsName(p, bg, 'grant name', bg.grantName);
    checkUnique(p, names, bg.grantName, bg, 'BH-DUPLICATE-GRANT', 'BreakGlass grant');
    if (!props.reason || !props.reason.trim()) p.error('BH-BG-REASON', bg, 'a BreakGlass grant needs a reason', props.reason, "set reason: '<what is broken and why this access fixes it>'");
    const approvers = [...new Set((props.approvers ?? []).map((a) => a.trim()).filter((a) => a.length > 0))].sort();
    if ((props.from ?? []).length === 0) p.error('BH-BG-FROM', bg, 'a BreakGlass grant needs at least one identity in from', props.from, 'list the workloads (or the access workload) that get access');
    if ((props.to ?? []).length === 0) p.error('BH-BG-TO', bg, 'a BreakGlass grant needs at least one destination in to', props.to, 'list the workloads to reach');
    const start = props.start instanceof Date ? props.start : new Date(props.start);
    if (Number.isNaN(start.getTime())) {
      p.error('BH-BG-START', bg, 'the start is not a valid date', props.start, "use a Date or an RFC 3339 string such as '2026-11-22T20:00:00Z'");
      continue;
    }
    const duration = props.duration;
    const expires = new Date(start.getTime() + duration.toMilliseconds());
    const sources = (props.from ?? []).map((f) => peerEndpoint(d, r, f, where, 'source'));
    const targets = (props.to ?? []).map((t) => peerEndpoint(d, r, t, where, 'destination'));
    const ports = targets.map((t) => (t?.tier ? resolvePorts(p, where, bg.portList, t) : undefined));
    const now = d.now.getTime();
    const state: GrantState = expires.getTime() <= now ? 'expired' : start.getTime() > now ? 'scheduled' : 'open';
    if (state === 'expired') {
      const msg = `the grant expired at ${expires.toISOString()} and is not emitted`;
      if (d.topology.strict) p.error('BH-BG-EXPIRED', bg, msg, expires.toISOString(), 'remove the BreakGlass from the declaration');
      else p.warn('BH-BG-EXPIRED', bg, msg, expires.toISOString(), 'remove the BreakGlass from the declaration');
    } else if (state === 'scheduled') {
      p.warn('BH-BG-SCHEDULED', bg, `the grant starts at ${start.toISOString()} and is not emitted before then`, start.toISOString(), 'synthesize again once the window has started');
    }
    out.push({ construct: bg, name: bg.grantName, path: where, duration, start, expires, state, approvers, sources, targets, ports });
  }
  return out;
}

/**
 * The flows a grant asks for, as candidates for the guardrails: one per source and tiered
 * target whose ports resolved, in declaration order, reported at the grant with both sides
 * named. Its reason stands as the justification.
 */
export function grantCandidates(g: ResolvedGrant): CandidateFlow[] {
  const out: CandidateFlow[] = [];
  for (const s of g.sources) {
    g.targets.forEach((t, i) => {
      const tp = g.ports[i];
      if (!s || !t?.tier || !tp) return;
      out.push({ where: `${g.path} (${s.name} -> ${t.name})`, path: g.path, source: s, destination: t, ports: tp, http: [], justification: g.construct.props.reason });
    });
  }
  return out;
}

interface DraftFlow {
  readonly path: string;
  readonly source: PlanEndpointRef;
  readonly destination: PlanEndpointRef;
  ports: PlanPort[];
  readonly http: readonly PlanHttpRule[];
  readonly origin: FlowOrigin;
  justification?: string;
  readonly breakGlass?: string;
}

/** A plan flow from its parts: ports merged, the id derived from the content. */
function finish(d: DraftFlow): PlanFlow {
  const ports = mergePorts(d.ports);
  const base = d.origin === 'break-glass' ? `bg:${d.breakGlass}:${d.source.key}->${d.destination.key}` : `${d.source.key}->${d.destination.key}`;
  const id = d.http.length ? `${base}#${shortHash(JSON.stringify(d.http))}` : base;
  return {
    id, path: d.path, source: d.source, destination: d.destination, ports, http: d.http, origin: d.origin,
    ...(d.justification ? { justification: d.justification } : {}),
    ...(d.breakGlass ? { breakGlass: d.breakGlass } : {}),
  };
}

/**
 * The declared flows: candidates of one source, destination and HTTP rules merged into one
 * flow (ports merged, justifications joined), in the order first declared.
 */
export function declaredFlows(candidates: readonly CandidateFlow[]): PlanFlow[] {
  const groups = new Map<string, DraftFlow>();
  // Justifications are collected per flow and joined once at the end. Joining them as the
  // statements come ("a; b", then "a") gave a text that depended on statement order
  // ("a; b" or "a; a; b"), and a lone justification was kept untrimmed.
  const justifications = new Map<string, string[]>();
  for (const c of candidates) {
    const d: DraftFlow = { path: c.path, source: c.source.ref, destination: c.destination.ref, ports: [...c.ports], http: c.http, origin: 'declared', justification: c.justification };
    const key = `${d.source.kind}:${d.source.key}|${d.destination.kind}:${d.destination.key}|${JSON.stringify(d.http)}|${d.origin}|${d.breakGlass ?? ''}`;
    const j = d.justification?.trim();
    justifications.set(key, [...(justifications.get(key) ?? []), ...(j ? [j] : [])]);
    const g = groups.get(key);
    if (!g) groups.set(key, d);
    else g.ports.push(...d.ports);
  }
  return [...groups.entries()].map(([key, g]) => {
    const j = [...new Set(justifications.get(key))].sort();
    g.justification = j.length ? j.join('; ') : undefined;
    return finish(g);
  });
}

/**
 * The platform flows of every Kubernetes workload, with the platform endpoints of its
 * cluster: to DNS (TCP and UDP 53), to the mesh control plane where Istio runs, and from the
 * metrics scraper to the workload's `metrics` port when it names one.
 */
export function platformFlows(d: Declaration, r: Resolution): PlanFlow[] {
  const path = d.topology.node.path;
  const out: PlanFlow[] = [];
  for (const w of r.workloads.values()) {
    const c = w.plan.cluster;
    const ref: PlanEndpointRef = { kind: 'workload', key: w.plan.key };
    for (const pe of r.platform.filter((x) => x.cluster === c)) {
      const peRef: PlanEndpointRef = { kind: 'platform', key: pe.key };
      if (pe.name === 'dns') {
        out.push(finish({ path, source: ref, destination: peRef, ports: [{ protocol: Protocol.TCP, port: 53 }, { protocol: Protocol.UDP, port: 53 }], http: [], origin: 'platform' }));
      } else if (pe.name === 'mesh-control-plane') {
        out.push(finish({ path, source: ref, destination: peRef, ports: [{ protocol: Protocol.TCP, port: MESH_CONTROL_PLANE_PORT }], http: [], origin: 'platform' }));
      } else if (pe.name === 'metrics') {
        const m = w.plan.ports.find((x) => x.name === 'metrics');
        if (m) out.push(finish({ path, source: peRef, destination: ref, ports: [{ protocol: m.protocol, port: m.port, name: 'metrics' }], http: [], origin: 'platform' }));
      }
    }
  }
  return out;
}

function iso(d: Date): string {
  return d.toISOString().replace(/\.000Z$/, 'Z');
}

/**
 * The grants in force (window open) and their flows: one per source and target whose ports
 * resolved, a peer listed twice giving one flow. Grants sorted by name; flows in grant order.
 */
export function grantFlows(grants: readonly ResolvedGrant[]): { grants: PlanBreakGlass[]; flows: PlanFlow[] } {
  const plans: PlanBreakGlass[] = [];
  const flows: PlanFlow[] = [];
  for (const g of grants) {
    if (g.state !== 'open') continue;
    const ids: string[] = [];
    for (const s of g.sources) {
      g.targets.forEach((t, i) => {
        const tp = g.ports[i];
        if (!s || !t || !tp) return;
        const f = finish({ path: g.path, source: s.ref, destination: t.ref, ports: tp, http: [], origin: 'break-glass', breakGlass: g.name });
        // A peer listed twice in from or to gives the same flow (same id) twice: keep one,
        // or every renderer would emit a duplicate rule.
        if (ids.includes(f.id)) return;
        flows.push(f);
        ids.push(f.id);
      });
    }
    const props = g.construct.props;
    plans.push({
      name: g.name, path: g.path, startsAt: iso(g.start), expiresAt: iso(g.expires), expiresAtEpoch: Math.floor(g.expires.getTime() / 1000),
      reason: (props.reason ?? '').trim(), ticket: props.ticket ?? '', approvers: [...g.approvers], flowIds: [...new Set(ids)].sort(),
    });
  }
  return { grants: plans.sort((a, b) => cmp(a.name, b.name)), flows };
}
