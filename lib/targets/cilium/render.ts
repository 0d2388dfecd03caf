/**
 * The Cilium renderer: plan → CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy for one
 * cluster. A pure function of the plan.
 *
 * What it emits, per cluster that runs Cilium:
 * - per namespace, `bulkhead-default-deny`: selects every endpoint of the namespace, puts it into
 *   ingress and egress default deny (an empty ingress rule, Cilium's documented "deny all" form)
 *   and allows DNS to the cluster resolver with an L7 DNS rule (`matchPattern: '*'`), which
 *   `toFQDNs` needs to learn the addresses of the names it allows;
 * - per workload with declared flows, `<workload>`: exactly its declared peers, both directions
 *   (pods by namespace, labels and, always, their cluster's `io.cilium.k8s.policy.cluster`, so
 *   that a selector means the same before and after Cilium 1.19 made local-cluster selection
 *   the default), and its DNS: a policy with an egress section puts the workload into egress
 *   default deny, so every one (the BreakGlass ones too) carries the same DNS rule as the
 *   namespace default-deny, L7 DNS rule included (applied before the default-deny, as GitOps
 *   does, or without it, the workload still resolves names, and `toFQDNs` still learns
 *   addresses through the DNS proxy); a workload with a DNS platform flow always has one
 *   (cloud workloads — VM fleets, managed services — by their subnet CIDRs, `toCIDRSet` /
 *   `fromCIDRSet`, with a `BH-CILIUM-CLOUD-SUBNET` warning: a subnet holds other instances too);
 * - per workload and BreakGlass grant, `bg-<grant>-<workload>`, carrying the grant's marks;
 * - per workload of a tier with guardrails, `bulkhead-guardrail.<ns>.<workload>` (clusterwide):
 *   `ingressDeny` / `egressDeny` of the `world` entity, only where no declared flow could need
 *   `world` in that direction (deny rules win over every allow, so a broader form could cut a
 *   declared flow).
 *
 * @see https://docs.cilium.io/en/stable/security/policy/language/
 * @see https://docs.cilium.io/en/stable/security/policy/deny/
 */
import { cmp, Problem, sortProblems, warningSeverity } from '../../core/errors';
import { ANNOTATIONS, LABELS } from '../../core/names';
import { Protocol } from '../../core/port';
import { Plan, PlanCloudWorkload, PlanCluster, PlanEdge, PlanExternal, PlanHttpRule, PlanPlatformEndpoint, PlanPort, PlanWorkload } from '../../plan/types';
import { cloudBlocks, cloudKindText, coveredByDefaultDeny } from '../kubernetes/addressing';
import { waypointWorkloads } from '../istio/ambient';
import { clusterPath, breakGlassMarks, layerMode, meta, objectName, PlanIndex, sortedLabels, sortManifests, splitEdges } from '../common';
import { RenderResult } from '../types';
import { externalBlocks } from '../../plan/checks/addresses';
import {
  CILIUM_API_VERSION, CiliumCidrRule, CiliumClusterwideNetworkPolicy, CiliumEgressDenyRule, CiliumEgressRule, CiliumFqdnSelector,
  CiliumHttpRule, CiliumIngressDenyRule, CiliumIngressRule, CiliumManifest, CiliumNetworkPolicy, CiliumPolicySpec, CiliumPortProtocol,
  CiliumPortRule, CiliumSelector,
} from './types';

/**
 * Label keys Cilium derives for every endpoint.
 *
 * @see https://docs.cilium.io/en/stable/security/policy/kubernetes/
 */
export const CILIUM_LABELS = {
  /**
   * The pod's namespace, with the `k8s:` source prefix.
   * @see https://docs.cilium.io/en/stable/security/policy/kubernetes/#namespaces
   */
  namespace: 'k8s:io.kubernetes.pod.namespace',
  /**
   * The ClusterMesh cluster name of an endpoint.
   * @see https://docs.cilium.io/en/stable/network/clustermesh/policy/
   */
  cluster: 'io.cilium.k8s.policy.cluster',
} as const;

/**
 * Name of the per-namespace default-deny policy.
 *
 * @see https://docs.cilium.io/en/stable/security/policy/language/#ingress-egress-default-deny
 */
export const CILIUM_DEFAULT_DENY_NAME = 'bulkhead-default-deny';

/**
 * Most ports Cilium accepts in one port rule.
 *
 * @see https://github.com/cilium/cilium/blob/main/pkg/k8s/apis/cilium.io/client/crds/v2/ciliumnetworkpolicies.yaml
 */
export const CILIUM_MAX_PORTS_PER_RULE = 40;

/**
 * Warning codes of the Cilium target.
 *
 * @see https://docs.cilium.io/en/stable/security/policy/
 */
export const CILIUM_WARNINGS = {
  /** The topology is in audit mode: Cilium has no per-policy audit action; policies are rendered without default deny, L7 rules or authentication. */
  auditMode: 'BH-CILIUM-AUDIT-MODE',
  /** A peer in a cluster without Cilium is addressed by that cluster's pod CIDRs (less precise than its labels). */
  remoteCidr: 'BH-CILIUM-REMOTE-CIDR',
  /** A peer in a cluster without Cilium and without pod CIDRs cannot be expressed: the flow is not allowed by this layer. */
  remoteUnreachable: 'BH-CILIUM-REMOTE-UNREACHABLE',
  /** An FQDN external as a source: Cilium has no `fromFQDNs`; its fallback CIDRs are used, or the flow is not allowed by this layer. */
  fqdnSource: 'BH-CILIUM-FQDN-SOURCE',
  /** Mutual authentication cannot apply to a source Cilium does not manage (CIDR): the rule is rendered without it. */
  authUnmanagedSource: 'BH-CILIUM-AUTH-UNMANAGED',
  /** HTTP rules apply to TCP only; the non-TCP ports of the flow are rendered at L4. */
  l7NonTcp: 'BH-CILIUM-L7-NON-TCP',
  /** No DNS platform endpoint for the cluster: the default-deny policy allows kube-system/k8s-app=kube-dns. */
  dnsDefault: 'BH-CILIUM-DNS-DEFAULT',
  /** A guardrail direction was not emitted because a declared flow needs `world` in that direction. */
  guardrailSkipped: 'BH-CILIUM-GUARDRAIL-SKIPPED',
  /** A flow of a BreakGlass grant that is not in force was dropped. */
  grantMissing: 'BH-CILIUM-GRANT-MISSING',
  /** A VM fleet or managed service is addressed by its subnet CIDRs, which hold other instances too. */
  cloudSubnet: 'BH-CILIUM-CLOUD-SUBNET',
} as const;

const DNS_FALLBACK = { namespace: 'kube-system', selector: { 'k8s-app': 'kube-dns' } } as const;

/** Where a peer resolves to, in Cilium terms. */
type Peer =
  | { readonly kind: 'endpoints'; readonly selector: CiliumSelector; readonly json: string }
  | { readonly kind: 'cidrs'; readonly cidrs: readonly CiliumCidrRule[]; readonly world: boolean; readonly shared?: boolean }
  | { readonly kind: 'fqdns'; readonly fqdns: readonly CiliumFqdnSelector[] }
  | { readonly kind: 'covered' }
  | { readonly kind: 'none' };

/**
 * Translates a plan path (Istio form: exact, `prefix*`, `*suffix`, or `*`) into the anchored
 * regular expression Cilium matches request paths against. Literal parts are escaped.
 *
 * @see https://docs.cilium.io/en/stable/security/policy/language/#layer-7-examples
 */
export function ciliumPathRegex(path: string): string {
  const esc = (s: string) => s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
  if (path === '*') return '^.*$';
  if (path.endsWith('*')) return `^${esc(path.slice(0, -1))}.*$`;
  if (path.startsWith('*')) return `^.*${esc(path.slice(1))}$`;
  return `^${esc(path)}$`;
}

/**
 * The Cilium HTTP rules of a flow's HTTP constraints: methods × paths of each rule, sorted, de-duplicated.
 *
 * @see https://docs.cilium.io/en/stable/security/policy/language/#layer-7-examples
 */
export function ciliumHttpRules(http: readonly PlanHttpRule[]): CiliumHttpRule[] {
  const out = new Map<string, CiliumHttpRule>();
  for (const r of http) {
    const methods: (string | undefined)[] = r.methods.length > 0 ? [...r.methods] : [undefined];
    const paths: (string | undefined)[] = r.paths.length > 0 ? r.paths.map(ciliumPathRegex) : [undefined];
    for (const method of methods) {
      for (const path of paths) {
        const rule: CiliumHttpRule = { ...(method === undefined ? {} : { method }), ...(path === undefined ? {} : { path }) };
        out.set(JSON.stringify(rule), rule);
      }
    }
  }
  return [...out.entries()].sort(([a], [b]) => cmp(a, b)).map(([, v]) => v);
}

/**
 * The Cilium port entries of plan ports, sorted by protocol, port, end port.
 *
 * @see https://docs.cilium.io/en/stable/security/policy/language/#layer-4-examples
 */
export function ciliumPorts(ports: readonly PlanPort[]): CiliumPortProtocol[] {
  return [...ports]
    .sort((a, b) => cmp(a.protocol, b.protocol) || a.port - b.port || (a.endPort ?? a.port) - (b.endPort ?? b.port))
    .map((p) => ({ port: String(p.port), ...(p.endPort !== undefined && p.endPort !== p.port ? { endPort: p.endPort } : {}), protocol: p.protocol }));
}

/**
 * The Cilium FQDN selector of one name: `matchPattern` for wildcards, `matchName` otherwise.
 *
 * @see https://docs.cilium.io/en/stable/security/policy/language/#dns-based
 */
export function ciliumFqdn(fqdn: string): CiliumFqdnSelector {
  return fqdn.includes('*') ? { matchPattern: fqdn } : { matchName: fqdn };
}

function chunk<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/** A rule with its JSON text, computed once per distinct rule of a render (rules are sorted and de-duplicated by it). */
interface Keyed<T> {
  readonly value: T;
  readonly json: string;
}

function keyed<T>(value: T): Keyed<T> {
  return { value, json: JSON.stringify(value) };
}

/** The rules sorted by their JSON text, each text once. */
function dedupeSorted<T>(xs: readonly Keyed<T>[]): T[] {
  const sorted = xs.length > 1 ? [...xs].sort((a, b) => cmp(a.json, b.json)) : xs;
  const out: T[] = [];
  let last: string | undefined;
  for (const x of sorted) {
    if (x.json === last) continue;
    out.push(x.value);
    last = x.json;
  }
  return out;
}

/** The port rules of an edge's ports and HTTP rules, once per distinct ports and rules of a render. */
interface PortRules {
  readonly rules: CiliumPortRule[];
  /** JSON text of `rules`. */
  readonly json: string;
  /** The non-TCP ports of HTTP-constrained ports, named in `BH-CILIUM-L7-NON-TCP` (each time they are used). */
  readonly nonTcp?: string;
}

/** The HTTP rules of a flow in Cilium form, with their JSON text. */
interface HttpRules {
  readonly rules: readonly CiliumHttpRule[];
  readonly json: string;
}

const NO_HTTP: HttpRules = { rules: [], json: '' };

/** Cilium's mutual authentication of a rule. */
const REQUIRED = { mode: 'required' } as const;

class CiliumRender {
  private readonly idx: PlanIndex;
  private readonly clusters: Map<string, PlanCluster>;
  private readonly audit: boolean;
  private readonly warnings = new Map<string, Problem>();
  private readonly flowPaths: ReadonlyMap<string, string>;
  /** The Cilium HTTP rules of each HTTP rule list of the plan (a flow's list is shared by its edges). */
  private readonly httpRules = new Map<readonly PlanHttpRule[], HttpRules>();
  /** The Cilium HTTP rules by the JSON text of the plan's rules (equal lists share them). */
  private readonly httpRulesByText = new Map<string, HttpRules>();
  /** The cluster's `dns` platform endpoint, looked up once. */
  private readonly dns: PlanPlatformEndpoint | undefined;
  /** Peers Cilium selects by labels, by endpoint: one selector object per endpoint, shared by every rule naming it. */
  private readonly endpointPeers = new Map<PlanWorkload | PlanPlatformEndpoint, Peer>();
  /** Pods of clusters that run no Cilium, addressed by their cluster's pod CIDRs: one peer per endpoint, shared by every rule naming it. */
  private readonly remotePeers = new Map<PlanWorkload | PlanPlatformEndpoint, Peer>();
  /** Port rules by the identity of an edge's port and HTTP lists (a flow's lists are shared by its edges). */
  private readonly portRulesOf = new Map<readonly PlanPort[], Map<HttpRules, PortRules>>();
  /** Port rules by content (flows with equal ports and HTTP rules share them). */
  private readonly portRulesByText = new Map<string, PortRules>();
  /** The rules of each shared peer (selected by labels, or of a cluster without Cilium), by port rules and slot. */
  private readonly peerRules = new Map<Peer, Map<PortRules, (Keyed<CiliumIngressRule> | Keyed<CiliumEgressRule> | undefined)[]>>();
  /** Whether an edge is DNS the default deny covers, per edge. */
  private readonly covered = new Map<PlanEdge, boolean>();
  /** The DNS rule, built once. */
  private dnsRuleKeyed: Keyed<CiliumEgressRule> | undefined;

  constructor(private readonly plan: Plan, private readonly cluster: PlanCluster) {
    this.idx = new PlanIndex(plan);
    this.clusters = new Map(plan.clusters.map((c) => [c.name, c]));
    this.flowPaths = this.idx.flowPaths;
    this.dns = plan.platform.find((p) => p.cluster === cluster.name && p.name === 'dns');
    this.audit = layerMode(plan, 'cilium') === 'audit';
  }

  public run(): RenderResult {
    if (!this.cluster.layers.includes('cilium')) return { manifests: [], warnings: [] };
    const out: CiliumManifest[] = [];
    if (this.audit) {
      this.warn(CILIUM_WARNINGS.auditMode, this.plan.topology.name,
        'the topology is in audit mode, and Cilium has no per-policy audit action: its policies are rendered with default deny off, without L7 rules, authentication or guardrails, so they deny nothing',
        'audit',
        "to observe would-be drops, also run Cilium's policy audit mode (Helm value policyAuditMode: true) and watch Hubble policy verdicts");
    }
    for (const ns of this.cluster.namespaces) out.push(this.namespacePolicy(ns));
    // Istio ambient: the waypoints' pods get policies of their own (lib/targets/istio/ambient.ts).
    for (const w of [...this.idx.workloadsIn(this.cluster.name), ...waypointWorkloads(this.plan, this.cluster)]) {
      const ins = splitEdges(w.calledBy);
      const outs = splitEdges(w.calls);
      const dns = outs.regular.some((e) => this.coveredDns(e));
      const main = this.workloadPolicy(w, objectName([w.name]), ins.regular, outs.regular, dns, {}, { [ANNOTATIONS.source]: w.path }, `Bulkhead: declared flows of ${w.key}`);
      if (main) out.push(main);
      const grants = [...new Set([...ins.byGrant.keys(), ...outs.byGrant.keys()])].sort(cmp);
      for (const g of grants) {
        const grant = this.plan.breakGlass.find((b) => b.name === g);
        if (!grant) {
          this.warn(CILIUM_WARNINGS.grantMissing, w.path, 'a flow names a BreakGlass grant that is not in force; it is not rendered', g, 'remove the flow, or keep the grant in force');
          continue;
        }
        const marks = breakGlassMarks(grant);
        const p = this.workloadPolicy(w, objectName(['bg', g, w.name]), ins.byGrant.get(g) ?? [], outs.byGrant.get(g) ?? [], false,
          marks.labels, { ...marks.annotations, [ANNOTATIONS.source]: grant.path }, `Bulkhead: BreakGlass grant ${g} for ${w.key}, expires ${grant.expiresAt}`);
        if (p) out.push(p);
      }
      if (w.tier.guardrails && !this.audit) {
        const g = this.guardrail(w);
        if (g) out.push(g);
      }
    }
    return { manifests: sortManifests(out), warnings: sortProblems([...this.warnings.values()]) };
  }

  private warn(code: string, path: string, message: string, value: string | undefined, fix: string): void {
    // the severity follows from the code: the other fields tell problems apart
    const key = `${code}\u0000${path}\u0000${message}\u0000${value === undefined ? '\u0001' : value}\u0000${fix}`;
    if (this.warnings.has(key)) return;
    const p: Problem = { severity: warningSeverity(code), code, path, message, ...(value === undefined ? {} : { value }), fix };
    this.warnings.set(key, p);
  }

  /** {@link coveredByDefaultDeny}, once per edge. */
  private coveredDns(edge: PlanEdge): boolean {
    if (edge.origin !== 'platform' || edge.peer.kind !== 'platform') return false;
    let known = this.covered.get(edge);
    if (known === undefined) {
      known = coveredByDefaultDeny(this.idx, this.cluster, edge);
      this.covered.set(edge, known);
    }
    return known;
  }

  /**
   * Endpoint selector of a peer pod set in a cluster: its namespace, its labels, and always its
   * cluster (`io.cilium.k8s.policy.cluster`, the cluster's Cilium name), local peers included.
   * Cilium 1.19 changed what a peer selector without the cluster label selects, from endpoints of
   * every cluster of the ClusterMesh to those of the local cluster only
   * (`policy-default-local-cluster`); with the label written out, a policy means the same on
   * every version and under either setting.
   *
   * @see https://docs.cilium.io/en/stable/network/clustermesh/policy/
   */
  private endpointSelector(clusterName: string, namespace: string, selector: Readonly<Record<string, string>>): CiliumSelector {
    const labels: Record<string, string> = {
      [CILIUM_LABELS.namespace]: namespace, ...selector,
      [CILIUM_LABELS.cluster]: this.clusters.get(clusterName)?.ciliumClusterName ?? clusterName,
    };
    return { matchLabels: Object.fromEntries(Object.keys(labels).sort(cmp).map((k) => [k, labels[k]])) };
  }

  private podPeer(where: string, p: PlanWorkload | PlanPlatformEndpoint): Peer {
    const known = this.endpointPeers.get(p);
    if (known) return known;
    const pc = this.clusters.get(p.cluster);
    if (p.cluster === this.cluster.name || (pc && pc.layers.includes('cilium'))) {
      const selector = this.endpointSelector(p.cluster, p.namespace, p.selector);
      const peer: Peer = { kind: 'endpoints', selector, json: JSON.stringify(selector) };
      this.endpointPeers.set(p, peer);
      return peer;
    }
    const cidrs = pc?.podCidrs ?? [];
    if (cidrs.length === 0) {
      this.warn(CILIUM_WARNINGS.remoteUnreachable, where, `the peer ${p.key} is in cluster ${p.cluster}, which runs no Cilium and declares no pod CIDRs: Cilium cannot select it, so this layer does not allow the flow`, p.key, `declare podCidrs on cluster ${p.cluster}, or run Cilium ClusterMesh there`);
      return { kind: 'none' };
    }
    this.warn(CILIUM_WARNINGS.remoteCidr, where, `the peer ${p.key} is in cluster ${p.cluster}, which runs no Cilium: it is addressed by that cluster's pod CIDRs, so any pod of that cluster matches`, cidrs.join(','), `run Cilium ClusterMesh in cluster ${p.cluster} for label-based selection`);
    let remote = this.remotePeers.get(p);
    if (!remote) {
      remote = { kind: 'cidrs', cidrs: cidrs.map((cidr) => ({ cidr })), world: true, shared: true };
      this.remotePeers.set(p, remote);
    }
    return remote;
  }

  /** An External by its address set; one whose except ranges cover every cidr is reached by nothing. */
  private externalPeer(e: PlanExternal): Peer {
    const cidrs = this.cidrRules(e);
    return cidrs.length > 0 ? { kind: 'cidrs', cidrs, world: true } : { kind: 'none' };
  }

  private cidrRules(e: PlanExternal): CiliumCidrRule[] {
    // The External's address set, (∪ cidrs − ∪ except): an except range equal to its cidr
    // removes the block, it is not dropped from the block.
    return externalBlocks(e).map((b) => ({ cidr: b.cidr, ...(b.except.length > 0 ? { except: [...b.except] } : {}) }));
  }

  /**
   * A VM fleet or managed service by its subnet CIDRs (`toCIDRSet` / `fromCIDRSet`): Cilium
   * manages no identity for it, and a subnet holds other instances too, which a warning names.
   */
  private cloudPeer(edge: PlanEdge, c: PlanCloudWorkload): Peer {
    const cidrs = cloudBlocks(c).map((b) => b.cidr);
    if (cidrs.length === 0) {
      this.warn(CILIUM_WARNINGS.remoteUnreachable, this.flowPath(edge), `the ${cloudKindText(c)} ${c.key} declares no subnet CIDRs: Cilium cannot address it, so this layer does not allow flow ${edge.flowId}`, c.key, `declare the subnet CIDRs of ${c.name}`);
      return { kind: 'none' };
    }
    this.warn(CILIUM_WARNINGS.cloudSubnet, this.flowPath(edge), `Cilium addresses the ${cloudKindText(c)} ${c.key} by its subnet CIDRs (${cidrs.join(', ')}): in cluster ${this.cluster.name} flow ${edge.flowId} is allowed with every other instance of those subnets too`, cidrs.join(','), `give ${c.name} subnets of its own, or rely on the aws layer's security groups, which match the instances themselves`);
    return { kind: 'cidrs', cidrs: cidrs.map((cidr) => ({ cidr })), world: true };
  }

  private flowPath(edge: PlanEdge): string {
    return this.flowPaths.get(edge.flowId) ?? edge.flowId;
  }

  private peer(w: PlanWorkload, edge: PlanEdge, direction: 'in' | 'out'): Peer {
    const ref = edge.peer;
    if (ref.kind === 'workload') return this.podPeer(w.path, this.idx.workload(ref.key));
    if (ref.kind === 'cloud') return this.cloudPeer(edge, this.idx.cloud(ref.key));
    if (ref.kind === 'platform') {
      const p = this.idx.platformEndpoint(ref.key);
      // DNS to the cluster resolver on 53 is the DNS rule every egress section carries
      if (direction === 'out' && this.coveredDns(edge)) return { kind: 'covered' };
      return this.podPeer(w.path, p);
    }
    const e = this.idx.external(ref.key);
    if (direction === 'out') {
      if (e.fqdns.length > 0) return { kind: 'fqdns', fqdns: [...e.fqdns].sort(cmp).map(ciliumFqdn) };
      return this.externalPeer(e);
    }
    if (e.fqdns.length > 0) {
      if (e.cidrs.length === 0) {
        this.warn(CILIUM_WARNINGS.fqdnSource, w.path, `the external ${e.name} is a source known only by name; Cilium cannot match sources by name, so this layer does not allow the flow`, [...e.fqdns].sort(cmp).join(','), `give external ${e.name} the CIDRs its traffic comes from`);
        return { kind: 'none' };
      }
      this.warn(CILIUM_WARNINGS.fqdnSource, w.path, `the external ${e.name} is a source known by name; Cilium matches it by its fallback CIDRs`, [...e.cidrs].sort(cmp).join(','), 'keep the fallback CIDRs of the external up to date');
    }
    return this.externalPeer(e);
  }

  /**
   * The port rules of an edge, computed once per distinct ports and HTTP rules of the render
   * (the rules are shared by every policy that uses them; nothing changes an emitted object).
   */
  private portRules(w: PlanWorkload, edge: PlanEdge): PortRules {
    const http = this.audit || edge.http.length === 0 ? NO_HTTP : this.ciliumHttp(edge.http);
    let byHttp = this.portRulesOf.get(edge.ports);
    if (!byHttp) {
      byHttp = new Map();
      this.portRulesOf.set(edge.ports, byHttp);
    }
    let known = byHttp.get(http);
    if (!known) {
      let text = http.json;
      for (const p of edge.ports) text += `|${p.protocol}/${p.port}/${p.endPort ?? ''}`;
      known = this.portRulesByText.get(text);
      if (!known) {
        known = buildPortRules(edge.ports, http.rules);
        this.portRulesByText.set(text, known);
      }
      byHttp.set(http, known);
    }
    if (known.nonTcp !== undefined) {
      this.warn(CILIUM_WARNINGS.l7NonTcp, w.path, `HTTP rules apply to TCP only: the non-TCP ports of flow ${edge.flowId} are allowed at L4`, known.nonTcp, 'declare HTTP constraints on TCP ports only');
    }
    return known;
  }

  /** {@link ciliumHttpRules} of a list, computed once per list. */
  private ciliumHttp(http: readonly PlanHttpRule[]): HttpRules {
    let known = this.httpRules.get(http);
    if (!known) {
      const text = JSON.stringify(http);
      known = this.httpRulesByText.get(text);
      if (!known) {
        const rules = ciliumHttpRules(http);
        known = { rules, json: JSON.stringify(rules) };
        this.httpRulesByText.set(text, known);
      }
      this.httpRules.set(http, known);
    }
    return known;
  }

  private ingressRule(w: PlanWorkload, edge: PlanEdge): Keyed<CiliumIngressRule> | undefined {
    const peer = this.peer(w, edge, 'in');
    if (peer.kind === 'none' || peer.kind === 'covered' || peer.kind === 'fqdns') return undefined;
    const ports = this.portRules(w, edge);
    const toPorts = ports.rules;
    let auth = w.tier.mutualAuth && !this.audit;
    if (auth && peer.kind === 'cidrs') {
      this.warn(CILIUM_WARNINGS.authUnmanagedSource, w.path, `tier ${w.tier.name} demands mutual authentication, but the source of flow ${edge.flowId} is addressed by CIDR and has no Cilium identity: this rule is rendered without authentication`, edge.peer.key, 'route the source through a Cilium-managed workload (such as an ingress gateway) to keep mutual authentication');
      auth = false;
    }
    if (peer.kind !== 'endpoints') {
      if (!peer.shared) return keyed({ fromCIDRSet: peer.cidrs, ...(toPorts.length > 0 ? { toPorts } : {}) });
      // a peer of a cluster without Cilium: its rule once per port rules
      const slots = this.slotsOf(peer, ports);
      let rule = slots[3] as Keyed<CiliumIngressRule> | undefined;
      if (!rule) {
        rule = keyed({ fromCIDRSet: peer.cidrs, ...(toPorts.length > 0 ? { toPorts } : {}) });
        slots[3] = rule;
      }
      return rule;
    }
    // a peer selected by labels: its rule once per port rules and authentication, its JSON text written out
    const slots = this.slotsOf(peer, ports);
    const slot = auth ? 1 : 0;
    let known = slots[slot] as Keyed<CiliumIngressRule> | undefined;
    if (!known) {
      const from = [peer.selector];
      const value: CiliumIngressRule = toPorts.length === 0 ? (auth ? { fromEndpoints: from, authentication: REQUIRED } : { fromEndpoints: from })
        : auth ? { fromEndpoints: from, toPorts, authentication: REQUIRED } : { fromEndpoints: from, toPorts };
      known = { value, json: `{"fromEndpoints":[${peer.json}]${toPorts.length > 0 ? `,"toPorts":${ports.json}` : ''}${auth ? ',"authentication":{"mode":"required"}' : ''}}` };
      slots[slot] = known;
    }
    return known;
  }

  /**
   * The rules of a shared peer with these port rules: ingress, ingress with authentication,
   * egress (a peer selected by labels), ingress and egress (a peer of a cluster without Cilium).
   */
  private slotsOf(peer: Peer, ports: PortRules): (Keyed<CiliumIngressRule> | Keyed<CiliumEgressRule> | undefined)[] {
    let byPorts = this.peerRules.get(peer);
    if (!byPorts) {
      byPorts = new Map();
      this.peerRules.set(peer, byPorts);
    }
    let slots = byPorts.get(ports);
    if (!slots) {
      slots = [undefined, undefined, undefined, undefined, undefined];
      byPorts.set(ports, slots);
    }
    return slots;
  }

  private egressRule(w: PlanWorkload, edge: PlanEdge): Keyed<CiliumEgressRule> | undefined {
    const peer = this.peer(w, edge, 'out');
    if (peer.kind === 'none' || peer.kind === 'covered') return undefined;
    const ports = this.portRules(w, edge);
    const toPorts = ports.rules;
    if (peer.kind !== 'endpoints') {
      const shared = peer.kind === 'cidrs' && peer.shared === true;
      const slots = shared ? this.slotsOf(peer, ports) : undefined;
      const cached = slots?.[4] as Keyed<CiliumEgressRule> | undefined;
      if (cached) return cached;
      const to = peer.kind === 'cidrs' ? { toCIDRSet: peer.cidrs } : { toFQDNs: peer.fqdns };
      const rule = keyed({ ...to, ...(toPorts.length > 0 ? { toPorts } : {}) });
      if (slots) slots[4] = rule;
      return rule;
    }
    const slots = this.slotsOf(peer, ports);
    let known = slots[2] as Keyed<CiliumEgressRule> | undefined;
    if (!known) {
      const to = [peer.selector];
      known = {
        value: toPorts.length > 0 ? { toEndpoints: to, toPorts } : { toEndpoints: to },
        json: `{"toEndpoints":[${peer.json}]${toPorts.length > 0 ? `,"toPorts":${ports.json}` : ''}}`,
      };
      slots[2] = known;
    }
    return known;
  }

  /**
   * A workload's policy: the rules of its edges, and the DNS rule in its egress section when it
   * has one (`dns`: the workload has a DNS platform flow, so it gets an egress section anyway).
   */
  private workloadPolicy(
    w: PlanWorkload, name: string, ins: readonly PlanEdge[], outs: readonly PlanEdge[], dns: boolean,
    labels: Readonly<Record<string, string>>, annotations: Readonly<Record<string, string>>, description: string,
  ): CiliumNetworkPolicy | undefined {
    const inRules: Keyed<CiliumIngressRule>[] = [];
    for (const e of ins) {
      const r = this.ingressRule(w, e);
      if (r) inRules.push(r);
    }
    const outRules: Keyed<CiliumEgressRule>[] = [];
    for (const e of outs) {
      const r = this.egressRule(w, e);
      if (r) outRules.push(r);
    }
    if (outRules.length > 0 || dns) outRules.push(this.dnsRuleOnce());
    const ingress = dedupeSorted(inRules);
    const egress = dedupeSorted(outRules);
    if (ingress.length === 0 && egress.length === 0) return undefined;
    const spec: CiliumPolicySpec = {
      description,
      endpointSelector: { matchLabels: sortedLabels(w.selector) },
      ...(this.audit ? { enableDefaultDeny: { egress: false, ingress: false } } : {}),
      ...(ingress.length > 0 ? { ingress } : {}),
      ...(egress.length > 0 ? { egress } : {}),
    };
    return {
      apiVersion: CILIUM_API_VERSION,
      kind: 'CiliumNetworkPolicy',
      metadata: meta('cilium', name, w.namespace, { [LABELS.workload]: w.name, ...labels }, annotations),
      spec,
    };
  }

  /**
   * The DNS rule: to the cluster's `dns` platform endpoint (or, when it declares none,
   * kube-system/k8s-app=kube-dns) on TCP and UDP 53, through the DNS proxy with every name
   * allowed (`matchPattern: '*'`), which `toFQDNs` needs to learn the addresses of the names.
   */
  private dnsRuleOnce(): Keyed<CiliumEgressRule> {
    if (!this.dnsRuleKeyed) this.dnsRuleKeyed = keyed(this.dnsRule());
    return this.dnsRuleKeyed;
  }

  private dnsRule(): CiliumEgressRule {
    const dns = this.dns;
    return {
      toEndpoints: [this.endpointSelector(this.cluster.name, dns?.namespace ?? DNS_FALLBACK.namespace, dns?.selector ?? DNS_FALLBACK.selector)],
      toPorts: [{
        ports: [{ port: '53', protocol: 'TCP' }, { port: '53', protocol: 'UDP' }],
        rules: { dns: [{ matchPattern: '*' }] },
      }],
    };
  }

  private namespacePolicy(ns: string): CiliumNetworkPolicy {
    const dns = this.dns;
    if (!dns) {
      this.warn(CILIUM_WARNINGS.dnsDefault, clusterPath(this.plan, this.cluster), `cluster ${this.cluster.name} declares no DNS platform endpoint: the default-deny policy allows DNS to kube-system/k8s-app=kube-dns`, undefined, 'declare the DNS platform flow of the topology');
    }
    return {
      apiVersion: CILIUM_API_VERSION,
      kind: 'CiliumNetworkPolicy',
      metadata: meta('cilium', CILIUM_DEFAULT_DENY_NAME, ns),
      spec: {
        description: `Bulkhead: default deny for namespace ${ns} (ingress and egress), DNS to the cluster resolver allowed`,
        endpointSelector: {},
        enableDefaultDeny: { egress: !this.audit, ingress: !this.audit },
        ingress: [{}],
        egress: [this.dnsRuleOnce().value],
      },
    };
  }

  private guardrail(w: PlanWorkload): CiliumClusterwideNetworkPolicy | undefined {
    // A peer needs the world entity when Cilium addresses it by IP: externals, cloud workloads
    // (VM fleets, managed services), and pods of clusters that run no Cilium. Peers Cilium
    // manages (this cluster, ClusterMesh) never do.
    const needsWorld = (edges: readonly PlanEdge[]) => edges.some((e) => {
      if (e.peer.kind === 'external' || e.peer.kind === 'cloud') return true;
      const p = e.peer.kind === 'workload' ? this.idx.workload(e.peer.key) : this.idx.platformEndpoint(e.peer.key);
      return p.cluster !== this.cluster.name && !(this.clusters.get(p.cluster)?.layers.includes('cilium') ?? false);
    });
    const inWorld = needsWorld(w.calledBy);
    const outWorld = needsWorld(w.calls);
    const ingressDeny: CiliumIngressDenyRule[] = inWorld ? [] : [{ fromEntities: ['world'] }];
    const egressDeny: CiliumEgressDenyRule[] = outWorld ? [] : [{ toEntities: ['world'] }];
    const skipped = [inWorld ? 'ingress' : '', outWorld ? 'egress' : ''].filter(Boolean);
    if (skipped.length > 0) {
      this.warn(CILIUM_WARNINGS.guardrailSkipped, w.path, `tier ${w.tier.name} asks for guardrails, but declared flows of ${w.key} need the world entity (${skipped.join(' and ')}): no clusterwide deny is emitted for that direction`, skipped.join(','), 'nothing to do: this is expected for workloads with external peers; the per-namespace default deny still applies');
    }
    if (ingressDeny.length === 0 && egressDeny.length === 0) return undefined;
    const selector = { matchLabels: Object.fromEntries(Object.entries({ [CILIUM_LABELS.namespace]: w.namespace, ...w.selector }).sort(([a], [b]) => cmp(a, b))) };
    return {
      apiVersion: CILIUM_API_VERSION,
      kind: 'CiliumClusterwideNetworkPolicy',
      metadata: meta('cilium', `bulkhead-guardrail.${w.namespace}.${w.name}`, undefined, { [LABELS.workload]: w.name, [LABELS.tier]: w.tier.level }, { [ANNOTATIONS.source]: w.path }),
      spec: {
        description: `Bulkhead guardrail for tier ${w.tier.name}: ${w.key} never talks to the world entity where no declared flow needs it`,
        endpointSelector: selector,
        enableDefaultDeny: { egress: false, ingress: false },
        ...(ingressDeny.length > 0 ? { ingressDeny } : {}),
        ...(egressDeny.length > 0 ? { egressDeny } : {}),
      },
    };
  }
}

/** The port rules of plan ports (TCP ports with the HTTP rules when there are any, the others at L4), in chunks Cilium accepts. */
function buildPortRules(ports: readonly PlanPort[], http: readonly CiliumHttpRule[]): PortRules {
  const rules: CiliumPortRule[] = [];
  if (http.length === 0) {
    for (const c of chunk(ciliumPorts(ports), CILIUM_MAX_PORTS_PER_RULE)) rules.push({ ports: c });
    return { rules, json: JSON.stringify(rules) };
  }
  const tcp = ports.filter((p) => p.protocol === Protocol.TCP);
  const other = ports.filter((p) => p.protocol !== Protocol.TCP);
  for (const c of chunk(ciliumPorts(tcp), CILIUM_MAX_PORTS_PER_RULE)) rules.push({ ports: c, rules: { http: [...http] } });
  for (const c of chunk(ciliumPorts(other), CILIUM_MAX_PORTS_PER_RULE)) rules.push({ ports: c });
  const json = JSON.stringify(rules);
  return other.length > 0 ? { rules, json, nonTcp: other.map((p) => `${p.protocol}/${p.port}`).join(',') } : { rules, json };
}

/**
 * Renders the Cilium objects of one cluster (none when the cluster runs no Cilium).
 *
 * @see https://docs.cilium.io/en/stable/security/policy/language/
 */
export function renderCilium(plan: Plan, cluster: PlanCluster): RenderResult {
  return new CiliumRender(plan, cluster).run();
}
