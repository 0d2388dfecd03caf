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
import {
  FlowOrigin, Plan, PlanBreakGlass, PlanCluster, PlanEndpointRef, PlanFlow, PlanHttpRule, PlanPlatformEndpoint, PlanPort, PlanWorkload,
} from '../types';
import { mergePorts } from '../ports';
import { edgesOf } from './assemble';
import { checkHttpProtocol } from '../checks/http';
import { Endpoint } from './endpoints';
import { Declaration } from './problems';
import { Resolution } from './resolve';
import { checkDnsName, checkUnique, httpRules, resolvePorts } from './values';

/** Port of the Istio control plane (xDS and CA) that every sidecar dials. */
export const MESH_CONTROL_PLANE_PORT = 15012;

/**
 * Port of HBONE, the mTLS tunnel (HTTP CONNECT) of Istio ambient mode: ztunnel and the
 * waypoints connect to the destination pod (or waypoint) on it.
 *
 * @see https://istio.io/latest/docs/ambient/architecture/hbone/
 * @see https://istio.io/latest/docs/ambient/usage/networkpolicy/
 */
export const HBONE_PORT = 15008;

/**
 * Name of the waypoint Gateway of a namespace of an ambient cluster (and of its service account).
 *
 * @see https://istio.io/latest/docs/ambient/usage/waypoint/
 */
export const WAYPOINT_NAME = 'waypoint';

/**
 * The label the Istio gateway controller puts on the pods of every Gateway API Gateway it
 * deploys (waypoints included), with the Gateway's name as value.
 *
 * @see https://istio.io/latest/docs/ambient/usage/waypoint/
 */
export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';

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
function finish(d: DraftFlow, httpText?: string): PlanFlow {
  const ports = mergePorts(d.ports);
  const base = d.origin === 'break-glass' ? `bg:${d.breakGlass}:${d.source.key}->${d.destination.key}` : `${d.source.key}->${d.destination.key}`;
  const id = d.http.length ? `${base}#${httpHash(httpText ?? JSON.stringify(d.http))}` : base;
  const flow: PlanFlow = { id, path: d.path, source: d.source, destination: d.destination, ports, http: d.http, origin: d.origin };
  if (d.justification) (flow as { justification?: string }).justification = d.justification;
  if (d.breakGlass) (flow as { breakGlass?: string }).breakGlass = d.breakGlass;
  return flow;
}

/**
 * The short hash of a flow's HTTP rules (their JSON), remembered: many flows carry the same
 * rules (those of one export), and the hash is a pure function of the text.
 */
const HTTP_HASHES = new Map<string, string>();
function httpHash(text: string): string {
  let h = HTTP_HASHES.get(text);
  if (h === undefined) {
    h = shortHash(text);
    if (HTTP_HASHES.size >= 65536) HTTP_HASHES.clear();
    HTTP_HASHES.set(text, h);
  }
  return h;
}

/** A group of candidates of one source, destination and HTTP rules, being merged. */
interface DraftGroup {
  readonly draft: DraftFlow;
  /** The JSON of the HTTP rules (`''` when there are none). */
  readonly httpText: string;
  /** Whether `draft.ports` is the group's own array (not a candidate's). */
  ownPorts: boolean;
  /** The trimmed, non-empty justifications, in statement order. */
  readonly justifications: string[];
}

/**
 * The declared flows: candidates of one source, destination and HTTP rules merged into one
 * flow (ports merged, justifications joined), in the order first declared.
 */
export function declaredFlows(candidates: readonly CandidateFlow[]): PlanFlow[] {
  // Justifications are collected per flow and joined once at the end. Joining them as the
  // statements come ("a; b", then "a") gave a text that depended on statement order
  // ("a; b" or "a; a; b"), and a lone justification was kept untrimmed.
  // Grouped by source key, then destination key (strings the endpoints keep, their hashes
  // cached), then kinds and rules: no key text is built per candidate.
  const groups = new Map<string, Map<string, DraftGroup[]>>();
  const order: DraftGroup[] = [];
  for (const c of candidates) {
    const source = c.source.ref;
    const destination = c.destination.ref;
    const httpText = c.http.length === 0 ? '' : JSON.stringify(c.http);
    let bySource = groups.get(source.key);
    if (!bySource) groups.set(source.key, (bySource = new Map()));
    let list = bySource.get(destination.key);
    if (!list) bySource.set(destination.key, (list = []));
    // Every candidate is of origin 'declared' and of no grant: a group is the sides and the rules.
    const g = list.find((x) => x.httpText === httpText && x.draft.source.kind === source.kind && x.draft.destination.kind === destination.kind);
    const j = c.justification?.trim();
    if (!g) {
      // The candidate's ports are copied only when a second candidate adds to them.
      const draft: DraftFlow = { path: c.path, source, destination, ports: c.ports as PlanPort[], http: c.http, origin: 'declared' };
      const group: DraftGroup = { draft, httpText, ownPorts: false, justifications: j ? [j] : [] };
      list.push(group);
      order.push(group);
    } else {
      if (!g.ownPorts) {
        g.draft.ports = [...g.draft.ports];
        g.ownPorts = true;
      }
      for (const port of c.ports) g.draft.ports.push(port);
      if (j) g.justifications.push(j);
    }
  }
  const out: PlanFlow[] = [];
  for (const g of order) {
    const j = g.justifications.length <= 1 ? g.justifications : [...new Set(g.justifications)].sort();
    g.draft.justification = j.length ? j.join('; ') : undefined;
    out.push(finish(g.draft, g.httpText || undefined));
  }
  return out;
}

/**
 * The platform flows of every Kubernetes workload, with the platform endpoints of its
 * cluster: to DNS (TCP and UDP 53), to the mesh control plane where Istio runs, and from the
 * metrics scraper to the workload's `metrics` port when it names one.
 */
export function platformFlows(d: Declaration, r: Resolution): PlanFlow[] {
  const path = d.topology.node.path;
  const out: PlanFlow[] = [];
  // The plan is read-only once built: the flows of one kind share their port list, their
  // (empty) HTTP rules and the reference to their platform endpoint.
  const http: readonly PlanHttpRule[] = [];
  const dnsPorts = mergePorts([{ protocol: Protocol.TCP, port: 53 }, { protocol: Protocol.UDP, port: 53 }]);
  const controlPorts = mergePorts([{ protocol: Protocol.TCP, port: MESH_CONTROL_PLANE_PORT }]);
  const byCluster = new Map<string, { pe: PlanPlatformEndpoint; ref: PlanEndpointRef }[]>();
  for (const pe of r.platform) {
    const list = byCluster.get(pe.cluster);
    const entry = { pe, ref: { kind: 'platform', key: pe.key } as PlanEndpointRef };
    if (list) list.push(entry);
    else byCluster.set(pe.cluster, [entry]);
  }
  for (const w of r.workloads.values()) {
    const ref: PlanEndpointRef = { kind: 'workload', key: w.plan.key };
    for (const { pe, ref: peRef } of byCluster.get(w.plan.cluster) ?? []) {
      if (pe.name === 'dns') {
        out.push(platformFlow(path, ref, peRef, dnsPorts, http));
      } else if (pe.name === 'mesh-control-plane') {
        out.push(platformFlow(path, ref, peRef, controlPorts, http));
      } else if (pe.name === 'metrics') {
        const m = w.plan.ports.find((x) => x.name === 'metrics');
        if (m) out.push(platformFlow(path, peRef, ref, [{ protocol: m.protocol, port: m.port, name: 'metrics' }], http));
      }
    }
  }
  return out;
}

/** A platform flow, as {@link finish} builds it from ports already merged. */
function platformFlow(path: string, source: PlanEndpointRef, destination: PlanEndpointRef, ports: readonly PlanPort[], http: readonly PlanHttpRule[]): PlanFlow {
  return { id: `${source.key}->${destination.key}`, path, source, destination, ports, http, origin: 'platform' };
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

/** Whether a flow has L7 rules (methods or paths). */
function hasL7(http: readonly PlanHttpRule[]): boolean {
  return http.some((h) => h.methods.length > 0 || h.paths.length > 0);
}

/**
 * The namespaces of an ambient cluster that get a waypoint: the declared ones
 * (`ClusterProps.waypointNamespaces`), else those holding a destination workload of a flow with
 * L7 rules, sorted. Empty for a cluster that is not ambient or runs no Istio.
 *
 * @see https://istio.io/latest/docs/ambient/usage/waypoint/
 */
export function planWaypointNamespaces(cluster: PlanCluster, flows: readonly PlanFlow[], workloads: ReadonlyMap<string, Pick<PlanWorkload, 'cluster' | 'namespace'>>): string[] {
  if (cluster.meshMode !== 'ambient' || !cluster.layers.includes('istio')) return [];
  if (cluster.waypointNamespaces) return [...cluster.waypointNamespaces];
  const out = new Set<string>();
  for (const f of flows) {
    if (f.destination.kind !== 'workload' || !hasL7(f.http)) continue;
    const w = workloads.get(f.destination.key);
    if (w && w.cluster === cluster.name) out.add(w.namespace);
  }
  return [...out].sort(cmp);
}

/** The key of the waypoint platform endpoint of a namespace of a cluster. */
export function waypointKey(cluster: string, namespace: string): string {
  return `platform:${cluster}:${WAYPOINT_NAME}.${namespace}`;
}

/** A tunnel being gathered: its ends, origin, and the ports it carries. */
interface DraftTunnel {
  readonly source: PlanEndpointRef;
  readonly destination: PlanEndpointRef;
  readonly origin: FlowOrigin;
  readonly breakGlass?: string;
  readonly path: string;
  readonly carries: PlanPort[];
}

/**
 * What Istio ambient mode adds to a plan, for each cluster that runs Istio in ambient mode
 * (`meshMode: 'ambient'`):
 *
 * - the pods of each waypoint, as a platform endpoint `waypoint.<namespace>` of the namespace
 *   (label `gateway.networking.k8s.io/gateway-name: waypoint`, service account `waypoint`),
 *   with their own platform flows to DNS and to the mesh control plane (xDS on 15012);
 * - the HBONE tunnels (TCP 15008, {@link PlanFlow.tunnel} `hbone`) the data plane opens for the
 *   flows between two workloads of the cluster (both captured by ztunnel). Upstream: "ambient's
 *   secure L4 overlay will tunnel traffic between your pods over port 15008", and NetworkPolicy,
 *   enforced outside the pod, sees that port:
 *   - source → destination, where Istio admits the source at the destination's ztunnel
 *     directly: the destination is served by no waypoint, or the flow has no L7 rules;
 *   - source → the waypoint's pods, where a waypoint serves the destination's namespace
 *     (traffic addressed to the destination's Service goes to the waypoint first);
 *   - waypoint → destination, carrying the ports of every flow the Istio layer admits through
 *     the waypoint (those whose source has a mesh identity).
 *
 * Each tunnel admits exactly the sources of the flows it carries, never a whole namespace.
 * The declared flows keep their own ports in every layer (a caller outside the mesh, or a pod
 * opted out of ambient, still connects on them in plaintext).
 *
 * The analysis does not translate ports: its network simulators judge each connection on the
 * port it names, so a declared flow and its tunnel are two connections (the declared port,
 * and 15008 to the destination or the waypoint), both expected by verify in the kubernetes and
 * cilium layers; the istio simulator judges the flows inside (verify expects there what each
 * tunnel {@link PlanFlow.carries}, never 15008).
 * Tunnels of a BreakGlass flow belong to the grant (origin `break-glass`), so they leave with
 * it; the others have origin `platform`. Flows of origin `platform` (DNS, the control plane,
 * the metrics scraper, whose pods are outside the ambient namespaces) get no tunnel.
 *
 * @see https://istio.io/latest/docs/ambient/usage/networkpolicy/
 * @see https://istio.io/latest/docs/ambient/architecture/hbone/
 * @see https://istio.io/latest/docs/ambient/usage/waypoint/
 */
export function ambientAdditions(plan: Plan): { platform: PlanPlatformEndpoint[]; flows: PlanFlow[] } {
  const platform: PlanPlatformEndpoint[] = [];
  const flows: PlanFlow[] = [];
  const workloads = new Map(plan.workloads.map((w) => [w.key, w]));
  const clouds = new Map(plan.cloudWorkloads.map((c) => [c.key, c]));
  for (const c of plan.clusters) {
    const waypoints = new Set(planWaypointNamespaces(c, plan.flows, workloads));
    if (c.meshMode !== 'ambient' || !c.layers.includes('istio')) continue;
    const path = c.path ?? `${plan.topology.name}/${c.name}`;
    const dns = plan.platform.find((p) => p.cluster === c.name && p.name === 'dns');
    const control = plan.platform.find((p) => p.cluster === c.name && p.name === 'mesh-control-plane');
    for (const ns of [...waypoints].sort(cmp)) {
      const wp: PlanPlatformEndpoint = {
        key: waypointKey(c.name, ns), name: `${WAYPOINT_NAME}.${ns}`, cluster: c.name, namespace: ns,
        selector: { [GATEWAY_NAME_LABEL]: WAYPOINT_NAME }, serviceAccount: WAYPOINT_NAME,
      };
      platform.push(wp);
      const ref: PlanEndpointRef = { kind: 'platform', key: wp.key };
      if (dns) flows.push(finish({ path, source: ref, destination: { kind: 'platform', key: dns.key }, ports: [{ protocol: Protocol.TCP, port: 53 }, { protocol: Protocol.UDP, port: 53 }], http: [], origin: 'platform' }));
      if (control) flows.push(finish({ path, source: ref, destination: { kind: 'platform', key: control.key }, ports: [{ protocol: Protocol.TCP, port: MESH_CONTROL_PLANE_PORT }], http: [], origin: 'platform' }));
    }
    const tunnels = new Map<string, DraftTunnel>();
    const add = (source: PlanEndpointRef, destination: PlanEndpointRef, f: PlanFlow, tcp: readonly PlanPort[]) => {
      const origin: FlowOrigin = f.origin === 'break-glass' ? 'break-glass' : 'platform';
      const id = tunnelId(source, destination, origin === 'break-glass' ? f.breakGlass : undefined);
      const t = tunnels.get(id) ?? { source, destination, origin, ...(origin === 'break-glass' && f.breakGlass ? { breakGlass: f.breakGlass } : {}), path: origin === 'break-glass' ? f.path : path, carries: [] };
      t.carries.push(...tcp);
      tunnels.set(id, t);
    };
    const inCluster = (ref: PlanEndpointRef) => (ref.kind === 'workload' ? workloads.get(ref.key) : undefined);
    for (const f of plan.flows) {
      if (f.tunnel || f.destination.kind !== 'workload') continue;
      const dst = inCluster(f.destination);
      if (!dst || dst.cluster !== c.name) continue;
      const tcp = f.ports.filter((p) => p.protocol === Protocol.TCP);
      if (tcp.length === 0) continue;
      const served = waypoints.has(dst.namespace);
      const src = inCluster(f.source);
      if (f.origin !== 'platform' && src && src.cluster === c.name) {
        if (!(served && hasL7(f.http))) add(f.source, f.destination, f, tcp);
        if (served) add(f.source, { kind: 'platform', key: waypointKey(c.name, dst.namespace) }, f, tcp);
      }
      // The waypoint forwards what the Istio layer lets through it: the flows whose source has
      // a mesh identity (a workload, a platform service, a VM with a SPIFFE identity).
      const meshSource = f.source.kind === 'workload' || f.source.kind === 'platform' || (f.source.kind === 'cloud' && clouds.get(f.source.key)?.identity !== undefined);
      if (served && meshSource) add({ kind: 'platform', key: waypointKey(c.name, dst.namespace) }, f.destination, f, tcp);
    }
    for (const [id, t] of [...tunnels].sort(([a], [b]) => cmp(a, b))) {
      flows.push({
        id, path: t.path, source: t.source, destination: t.destination, ports: [{ protocol: Protocol.TCP, port: HBONE_PORT }], http: [], origin: t.origin,
        ...(t.breakGlass ? { breakGlass: t.breakGlass } : {}), tunnel: 'hbone', carries: mergePorts(t.carries),
      });
    }
  }
  return { platform, flows };
}

/** The id of an HBONE tunnel: `hbone:<src>-><dst>`, prefixed `bg:<grant>:` for a grant's. */
function tunnelId(source: PlanEndpointRef, destination: PlanEndpointRef, grant: string | undefined): string {
  const base = `hbone:${source.key}->${destination.key}`;
  return grant ? `bg:${grant}:${base}` : base;
}

/**
 * The plan with what Istio ambient mode adds ({@link ambientAdditions}): the waypoints' pods
 * among the platform endpoints, the tunnels and the waypoints' platform flows among the flows
 * (sorted by id), and every workload's edges recomputed. The plan itself when no cluster runs
 * Istio in ambient mode.
 */
export function withAmbient(plan: Plan): Plan {
  const add = ambientAdditions(plan);
  if (add.platform.length === 0 && add.flows.length === 0) return plan;
  const flows = [...plan.flows, ...add.flows].sort((a, b) => cmp(a.id, b.id));
  const { calls, calledBy } = edgesOf(flows, 'workload');
  return {
    ...plan,
    platform: [...plan.platform, ...add.platform].sort((a, b) => cmp(a.key, b.key)),
    flows,
    workloads: plan.workloads.map((w) => ({ ...w, calls: calls.get(w.key) ?? [], calledBy: calledBy.get(w.key) ?? [] })),
  };
}
