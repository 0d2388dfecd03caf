/**
 * The guardrails phase: the rules every flow is held to, checked on the candidate flows the
 * flows phase read, by the kind-independent data of their endpoints (see
 * `phases/endpoints.ts`), so that every kind of endpoint gets them by registering:
 *
 * - tier justification: a flow from a much less sensitive tier needs a justification;
 * - plaintext: only a public tier accepts traffic from outside the mesh where a mesh
 *   enforces mutual TLS;
 * - internet egress: a tier's egress control decides whether a flow may reach an External;
 * - domain exports: a flow into a domain from elsewhere stays within what it exports;
 * - BreakGlass: a grant's window and approvers meet the tiers of its targets, it targets no
 *   External, and its flows are held to the rules above (domain exports excepted).
 *
 * The one Kubernetes-only rule (a peer in another cluster addressed by its pod CIDRs) reads
 * the endpoints' optional `cluster`. Flows with a cloud side (a VM fleet, a managed service)
 * are also held to what AWS can enforce (see `checkCloudFlow` in `plan/cloud.ts`).
 */
import { InternetEgress, Sensitivity } from '../../core/sensitivity';
import { checkCloudFlow } from '../cloud';
import { PlanHttpRule } from '../types';
import { rankOf } from './endpoints';
import { CandidateFlow, grantCandidates, ResolvedGrant } from './flows';
import { Problems } from './problems';
import { Resolution } from './resolve';
import { portText } from './values';

/** What the guardrails need besides the flows: the domains' exports and the clusters. */
export type GuardrailContext = Pick<Resolution, 'exports' | 'clusterByName'>;

/**
 * Checks every flow a declaration asks for: the declared candidates, then each grant (its
 * window, approvers and targets, then its flows while not expired).
 */
export function checkGuardrails(ctx: GuardrailContext, declared: readonly CandidateFlow[], grants: readonly ResolvedGrant[], p: Problems): void {
  for (const f of declared) checkFlow(ctx, f, p);
  for (const g of grants) {
    checkGrant(g, p);
    // A grant's flows get the checks of declared flows (tiers, plaintext from outside the
    // mesh, addressing across clusters), whether its window is open or still to come: a
    // grant must not fail when its window opens. An expired grant is not emitted, and only
    // reported as such. Domain exports are the exception: a grant is the declared way past
    // them.
    if (g.state !== 'expired') for (const f of grantCandidates(g)) checkFlow(ctx, f, p, true);
  }
}

/**
 * The rules of one flow, in order: tier justification, plaintext, internet egress, domain
 * exports (not for a grant's flow), addressing across clusters, the cloud rules.
 *
 * @param grant whether the flow is a BreakGlass grant's (then domain exports do not apply)
 */
export function checkFlow(ctx: GuardrailContext, f: CandidateFlow, p: Problems, grant = false): void {
  checkJustification(f, p);
  checkPlaintext(f, p);
  checkEgress(f, p);
  if (!grant) checkDomainExport(ctx, f, p);
  checkCrossClusterAddressing(ctx, f, p);
  checkCloudFlow(ctx, f, p);
}

/** Sensitivity: a flow into a tier from a much less sensitive one (the tier's justification gap) needs a justification. */
export function checkJustification(f: CandidateFlow, p: Problems): void {
  const { source: src, destination: dst } = f;
  if (!dst.tier) return;
  const gap = rankOf(dst) - rankOf(src);
  if (gap >= dst.tier.controls.justificationGap && !(f.justification ?? '').trim()) {
    const from = src.tier ? `${src.tier.plan.level} tier` : `${src.kind.title} (public)`;
    p.error('BH-TIER-JUSTIFICATION', f.where, `a flow from ${from} into the ${dst.tier.plan.level} tier needs a justification`, `${src.label} -> ${dst.label}`, "add { justification: '<why this flow is needed>' } to the flow options, or route it through a workload of a closer tier");
  }
}

/**
 * Plaintext from outside the mesh: only internet-facing (public tier) endpoints accept it, on
 * the declared ports; where a mesh enforces the tier's STRICT mutual TLS, it would reject the flow.
 */
export function checkPlaintext(f: CandidateFlow, p: Problems): void {
  const { source: src, destination: dst } = f;
  if (src.external && dst.tier && dst.tier.plan.level !== Sensitivity.PUBLIC && dst.meshEnforced) {
    p.error('BH-TIER-PLAINTEXT', f.where, `an External cannot present a mesh identity, and the ${dst.tier.plan.level} tier of ${dst.label} accepts mutual TLS only`, `${src.label} -> ${dst.label}`, 'route the traffic through an internet-facing workload of the public tier (an ingress gateway or controller), or put this workload in the public tier');
  }
}

/** Internet egress of the source's tier: none, or to FQDN-named Externals only. */
export function checkEgress(f: CandidateFlow, p: Problems): void {
  const { source: src, destination: dst } = f;
  if (!src.tier || !dst.external) return;
  const egress = src.tier.controls.internetEgress;
  if (egress === InternetEgress.NONE) {
    p.error('BH-TIER-EGRESS', f.where, `the ${src.tier.plan.level} tier allows no external egress`, `${src.label} -> ${dst.label}`, 'remove the flow, or call the external through a workload of a less sensitive tier');
  } else if (egress === InternetEgress.FQDN_ONLY && dst.external.fqdns.length === 0) {
    p.error('BH-TIER-EGRESS', f.where, `the ${src.tier.plan.level} tier allows external egress to FQDNs only, and this External has none`, dst.label, "declare the External by name (fqdns: ['api.example.com']), optionally with its cidrs as a fallback");
  }
}

/**
 * Cross-domain flows must target an export: every port (and the HTTP rules, where the export
 * has some) within what the destination's domain exports of it.
 */
export function checkDomainExport(ctx: GuardrailContext, f: CandidateFlow, p: Problems): void {
  const { source: src, destination: dst, ports, http } = f;
  const srcDomain = src.domain;
  const dstDomain = dst.domain;
  if (!dst.tier || !dstDomain || srcDomain === dstDomain) return;
  const exports = (ctx.exports.get(dstDomain) ?? []).filter((x) => x.construct === dst.construct);
  const exported = exports.flatMap((x) => x.ports.map((port) => ({ p: port, http: x.http })));
  for (const port of ports) {
    const covering = exported.filter((x) => x.p.protocol === port.protocol && x.p.port <= port.port && (x.p.endPort ?? x.p.port) >= (port.endPort ?? port.port));
    const ok = covering.some((x) => x.http.length === 0 || (http.length > 0 && http.every((r) => x.http.some((e) => httpWithin(r, e)))));
    if (!ok) {
      const from = srcDomain ? `domain '${srcDomain.domainName}'` : 'outside the domain';
      // Show the whole range asked for, and what the domain does export of this endpoint,
      // so the fix can be chosen without reading the domain's declaration.
      const has = exported.map((x) => `${portText(x.p)}${x.http.length ? ' ' + JSON.stringify(x.http) : ''}`);
      p.error('BH-DOMAIN-EXPORT', f.where, `a flow from ${from} into domain '${dstDomain.domainName}' reaches something the domain does not export`, `${dst.label} ${portText(port)}${http.length ? ' ' + JSON.stringify(http) : ''}`, `export it: ${dstDomain.node.id}.export(${dst.construct.node.id}, ...), or stay within what it exports of ${dst.name} (${has.length ? has.join('; ') : 'nothing'})`);
    }
  }
}

/** Cross-cluster flows need the peer's pod CIDRs for the layers without cross-cluster identity. */
export function checkCrossClusterAddressing(ctx: GuardrailContext, f: CandidateFlow, p: Problems): void {
  const { source: src, destination: dst } = f;
  if (src.cluster === undefined || dst.cluster === undefined || src.cluster === dst.cluster) return;
  for (const [side, other] of [[src, dst], [dst, src]] as const) {
    const here = ctx.clusterByName(side.cluster as string);
    const there = ctx.clusterByName(other.cluster as string);
    if (there.podCidrs.length > 0) continue;
    // The layers of this side that can address the peer by IP only: NetworkPolicy; Cilium
    // when the peer's cluster runs no Cilium (no ClusterMesh identity); the
    // ClusterNetworkPolicy guardrail of a guarded workload, which passes declared peers by
    // address. Without the peer's pod CIDRs each would drop the declared flow.
    const byIp = [
      ...(here.layers.includes('kubernetes') ? ['NetworkPolicy has no cross-cluster identity'] : []),
      ...(here.layers.includes('cilium') && !there.layers.includes('cilium') ? [`Cilium selects remote pods by ClusterMesh identity, which cluster '${there.name}' lacks without Cilium`] : []),
      ...(here.layers.includes('cluster-network-policy') && side.tier?.controls.guardrails ? ['the ClusterNetworkPolicy guardrail passes declared peers by address'] : []),
    ];
    if (byIp.length > 0) {
      p.error('BH-CROSS-CLUSTER-CIDR', f.where, `cluster '${here.name}' must address a peer in cluster '${there.name}' by IP (${byIp.join('; ')}), but that cluster declares no pod CIDRs`, there.name, `set podCidrs on cluster '${there.name}'`);
    }
  }
}

/**
 * A grant's window and approvers meet the controls of every tiered target's tier, and it
 * targets no External.
 */
export function checkGrant(g: ResolvedGrant, p: Problems): void {
  const bg = g.construct;
  for (const t of g.targets) {
    if (!t?.tier) continue;
    const c = t.tier.controls;
    if (g.duration.isLongerThan(c.maxBreakGlassWindow)) {
      p.error('BH-BG-WINDOW', bg, `the window is longer than the ${t.tier.plan.level} tier of ${t.label} allows`, g.duration.toString(), `use at most ${c.maxBreakGlassWindow.toString()}, and renew the grant if more time is needed`);
    }
    if (g.approvers.length < c.minApprovers) {
      p.error('BH-BG-APPROVERS', bg, `the ${t.tier.plan.level} tier of ${t.label} needs at least ${c.minApprovers} distinct approvers`, g.approvers, `add approvers until there are ${c.minApprovers}`);
    }
  }
  const externalTargets = g.targets.flatMap((t) => (t?.external ? [t.name] : []));
  if (externalTargets.length) p.error('BH-BG-TO', bg, 'a BreakGlass grant reaches workloads, not Externals', externalTargets, 'list workloads in to');
}

/** Whether an HTTP rule stays within an exported one (methods and paths, Istio wildcards). */
export function httpWithin(r: PlanHttpRule, e: PlanHttpRule): boolean {
  const methodsOk = e.methods.length === 0 || (r.methods.length > 0 && r.methods.every((m) => e.methods.includes(m)));
  const pathsOk = e.paths.length === 0 || (r.paths.length > 0 && r.paths.every((x) => e.paths.some((pattern) => pathWithin(x, pattern))));
  return methodsOk && pathsOk;
}

function pathWithin(p: string, pattern: string): boolean {
  if (pattern === p) return true;
  if (pattern.endsWith('*')) {
    const prefix = pattern.slice(0, -1);
    return p.startsWith(prefix) && !p.startsWith('*');
  }
  if (pattern.startsWith('*')) {
    const suffix = pattern.slice(1);
    return p.endsWith(suffix) && !p.endsWith('*');
  }
  return false;
}
