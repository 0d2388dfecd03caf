/**
 * The SPIRE renderer: plan → ClusterSPIFFEID per workload and ClusterFederatedTrustDomain per
 * foreign trust domain, for one cluster. A pure function of the plan.
 *
 * - ClusterSPIFFEID `bulkhead.<namespace>.<workload>`: the template of
 *   {@link SPIFFE_ID_TEMPLATE} (the identity Istio principals name), the workload's selector as
 *   `podSelector`, its namespace through `kubernetes.io/metadata.name`, the tier's maximum SVID
 *   lifetime as `ttl`, and `federatesWith` the trust domains of its peers in other trust domains
 *   that Bulkhead federates with (a declared bundle endpoint), only on the workloads that talk
 *   across trust domains.
 *   `hint` and `className` are not written: one SVID per workload needs no hint, and the plan
 *   names no controller class.
 * - ClusterStaticEntry `bulkhead.vm.<network>.<name>` per VM fleet with a SPIFFE identity whose
 *   `identity.spireCluster` is this cluster: its SPIFFE ID (the principal Istio names), parent ID
 *   and selectors as planned, `x509SVIDTTL` its tier's maximum SVID lifetime, and `federatesWith`
 *   the trust domains of its peers in other trust domains; and, when the identity names node
 *   selectors, the node alias its parent ID names, `bulkhead.node-alias.<network>.<name>`
 *   (parent: the SPIRE server; selectors: the node selectors, such as `aws_iid:tag:app:erp`).
 * - ClusterFederatedTrustDomain `bulkhead.<trust-domain>` per trust domain of another cluster
 *   (or VM fleet) that a workload or VM fleet registered here talks to (either direction), with
 *   the bundle endpoint a cluster of that trust domain declares (`ClusterProps.spireBundleEndpoint`):
 *   its URL, and its profile, `https_web`, or `https_spiffe` with the endpoint's SPIFFE ID (the
 *   declared one, else `spiffe://<trust-domain>/spire/server`). Bulkhead never invents an
 *   endpoint: a trust domain without a declared one gets no ClusterFederatedTrustDomain and is
 *   in no `federatesWith` (SPIRE refuses an entry that federates with a trust domain whose
 *   bundle it lacks); the planner reports such flows (`BH-FEDERATION-ENDPOINT`, or the warning
 *   `BH-FEDERATION-NO-SPIRE` when nothing of that trust domain runs SPIRE). `trustDomainBundle`
 *   is not written: the bundle is key material that rotates, not part of the declaration. An
 *   `https_spiffe` endpoint needs it once to bootstrap, and a warning
 *   (`BH-SPIRE-FEDERATION-BOOTSTRAP`) says so.
 *
 * @see https://github.com/spiffe/spire-controller-manager/blob/main/docs/clusterspiffeid-crd.md
 * @see https://github.com/spiffe/spire-controller-manager/blob/main/docs/clusterfederatedtrustdomain-crd.md
 * @see https://github.com/spiffe/spire-controller-manager/blob/main/docs/clusterstaticentry-crd.md
 */
import { Duration } from '../../core/duration';
import { BulkheadError, cmp, Problem, sortProblems } from '../../core/errors';
import { ANNOTATIONS, LABELS } from '../../core/names';
import { endpointSpiffeId, FederationIndex, federationIndexOf } from '../../plan/checks/federation';
import { Plan, PlanCloudIdentity, PlanCloudWorkload, PlanCluster, PlanEdge, PlanWorkload } from '../../plan/types';
import { clusterPath, meta, PlanIndex, shortHash, sortedRecord, sortManifests } from '../common';
import { RenderResult } from '../types';
import { SPIFFE_ID_TEMPLATE, spiffeTrustDomain, workloadSpiffeId } from './identity';
import { BundleEndpointProfile, ClusterFederatedTrustDomain, ClusterSPIFFEID, ClusterStaticEntry, SPIRE_API_VERSION, SpireManifest } from './types';

/**
 * Warning codes of the SPIRE target.
 *
 * @see https://github.com/spiffe/spire-controller-manager/tree/main/docs
 */
export const SPIRE_WARNINGS = {
  /**
   * An `https_spiffe` bundle endpoint: the SPIRE server must be given the foreign trust domain's
   * bundle once (it authenticates the endpoint's SVID with it), before the first fetch.
   */
  federationBootstrap: 'BH-SPIRE-FEDERATION-BOOTSTRAP',
  /** The plan's SPIFFE ID of a workload differs from the one SPIRE will issue in its cluster. */
  idMismatch: 'BH-SPIRE-ID-MISMATCH',
} as const;

/**
 * Error codes of the SPIRE target (checked by its `validate`, before anything is rendered).
 *
 * @see https://github.com/spiffe/spire-controller-manager/blob/main/docs/clusterstaticentry-crd.md
 */
export const SPIRE_ERRORS = {
  /**
   * A VM's SPIFFE ID or parent ID is not in the trust domain of the SPIRE server that holds its
   * entry (the SPIRE server of `identity.spireCluster`): the server refuses such an entry.
   */
  staticTrustDomain: 'BH-SPIRE-STATIC-TRUST-DOMAIN',
  /** A VM's identity has no workload selectors: SPIRE refuses an entry without selectors. */
  staticSelectors: 'BH-SPIRE-STATIC-SELECTORS',
} as const;

/**
 * Name of a ClusterSPIFFEID: `bulkhead.<namespace>.<workload>` (both DNS labels, so unique).
 *
 * @see https://github.com/spiffe/spire-controller-manager/blob/main/docs/clusterspiffeid-crd.md
 */
export function clusterSpiffeIdName(w: PlanWorkload): string {
  return `bulkhead.${w.namespace}.${w.name}`;
}

/**
 * Name of a ClusterFederatedTrustDomain: `bulkhead.<trust-domain>` (`_` replaced, with a hash then).
 *
 * @see https://github.com/spiffe/spire-controller-manager/blob/main/docs/clusterfederatedtrustdomain-crd.md
 */
export function federatedTrustDomainName(trustDomain: string): string {
  return trustDomain.includes('_') ? `bulkhead.${trustDomain.replace(/_/g, '-')}-${shortHash(trustDomain)}` : `bulkhead.${trustDomain}`;
}

/**
 * Name of the ClusterStaticEntry of a VM fleet: `bulkhead.vm.<network>.<name>` (both DNS labels,
 * so unique in the topology).
 *
 * @see https://github.com/spiffe/spire-controller-manager/blob/main/docs/clusterstaticentry-crd.md
 */
export function clusterStaticEntryName(c: PlanCloudWorkload): string {
  return `bulkhead.vm.${c.network}.${c.name}`;
}

/**
 * Name of the ClusterStaticEntry of a VM fleet's node alias: `bulkhead.node-alias.<network>.<name>`.
 *
 * @see https://github.com/spiffe/spire-controller-manager/blob/main/docs/clusterstaticentry-crd.md
 */
export function clusterNodeAliasEntryName(c: PlanCloudWorkload): string {
  return `bulkhead.node-alias.${c.network}.${c.name}`;
}

class SpireRender {
  private readonly idx: PlanIndex;
  private readonly federation: FederationIndex;
  private readonly warnings = new Map<string, Problem>();

  constructor(private readonly plan: Plan, private readonly cluster: PlanCluster) {
    this.idx = new PlanIndex(plan);
    this.federation = federationIndexOf(plan);
  }

  public run(): RenderResult {
    if (!this.cluster.layers.includes('spire')) return { manifests: [], warnings: [] };
    const out: SpireManifest[] = [];
    const foreignAll = new Set<string>();
    for (const w of this.idx.workloadsIn(this.cluster.name)) {
      const foreign = this.federatedDomains(w.calls, w.calledBy);
      foreign.forEach((td) => foreignAll.add(td));
      out.push(this.clusterSpiffeId(w, foreign));
    }
    for (const c of vmsRegisteredIn(this.plan, this.cluster)) {
      const foreign = this.federatedDomains(c.calls, c.calledBy);
      foreign.forEach((td) => foreignAll.add(td));
      out.push(this.clusterStaticEntry(c, foreign));
      const alias = this.nodeAliasEntry(c);
      if (alias) out.push(alias);
    }
    for (const td of [...foreignAll].sort(cmp)) {
      const f = this.federatedTrustDomain(td);
      if (f) out.push(f);
    }
    return { manifests: sortManifests(out), warnings: sortProblems([...this.warnings.values()]) };
  }

  private warn(code: string, path: string, message: string, value: string, fix: string): void {
    const p: Problem = { severity: 'warning', code, path, message, value, fix };
    this.warnings.set(JSON.stringify(p), p);
  }

  /**
   * The trust domains, other than this cluster's, of the peers of these edges that present an
   * SVID and whose bundle endpoint is declared (externals and cloud workloads without an
   * identity have none). The SPIRE server registers the workload in this cluster's trust domain
   * (a VM fleet's identity is validated to lie in it).
   */
  private federatedDomains(calls: readonly PlanEdge[], calledBy: readonly PlanEdge[]): string[] {
    return this.federation.federatedDomains(this.cluster.trustDomain, [...calls, ...calledBy].map((e) => e.peer));
  }

  /**
   * The node alias entry of a VM fleet (when its identity names node selectors): SPIFFE ID = the
   * workload entry's parent ID, parent = this cluster's SPIRE server, selectors = the node
   * selectors (`aws_iid:…`), so every agent whose node carries all of them is the alias, and the
   * workload entry under it reaches every instance of the fleet.
   *
   * @see https://spiffe.io/docs/latest/deploying/registering/#mapping-workloads-to-multiple-nodes
   */
  private nodeAliasEntry(c: VmWithIdentity): ClusterStaticEntry | undefined {
    const nodeSelectors = c.identity.nodeSelectors;
    if (nodeSelectors.length === 0) return undefined;
    return {
      apiVersion: SPIRE_API_VERSION,
      kind: 'ClusterStaticEntry',
      metadata: meta('spire', clusterNodeAliasEntryName(c), undefined, { [LABELS.workload]: c.name, [LABELS.tier]: c.tier.level }, { [ANNOTATIONS.source]: c.path }),
      spec: {
        spiffeID: c.identity.parentId,
        parentID: spireServerId(this.cluster.trustDomain),
        selectors: [...new Set(nodeSelectors)].sort(cmp),
      },
    };
  }

  /**
   * The ClusterStaticEntry of a VM fleet: its SPIFFE ID, parent ID and selectors as the plan
   * gives them, the X509-SVID lifetime capped at its tier's maximum, and `federatesWith` the
   * trust domains of its peers in other trust domains (as the ClusterSPIFFEIDs of the pods do).
   */
  private clusterStaticEntry(c: VmWithIdentity, federatesWith: readonly string[]): ClusterStaticEntry {
    const ttl = Math.min(c.identity.svidTtlSeconds, c.tier.maxSvidTtlSeconds);
    return {
      apiVersion: SPIRE_API_VERSION,
      kind: 'ClusterStaticEntry',
      metadata: meta('spire', clusterStaticEntryName(c), undefined, { [LABELS.workload]: c.name, [LABELS.tier]: c.tier.level }, { [ANNOTATIONS.source]: c.path }),
      spec: {
        spiffeID: c.identity.spiffeId,
        parentID: c.identity.parentId,
        selectors: [...new Set(c.identity.selectors)].sort(cmp),
        x509SVIDTTL: goDuration(ttl),
        ...(federatesWith.length > 0 ? { federatesWith: [...federatesWith] } : {}),
      },
    };
  }

  private clusterSpiffeId(w: PlanWorkload, federatesWith: readonly string[]): ClusterSPIFFEID {
    const issued = workloadSpiffeId(this.cluster, w);
    if (issued !== w.spiffeId) {
      this.warn(SPIRE_WARNINGS.idMismatch, w.path, `the plan names ${w.key} ${w.spiffeId}, but SPIRE in cluster ${this.cluster.name} (trust domain ${this.cluster.trustDomain}) issues ${issued}; Istio principals follow the issued identity`, w.spiffeId, `make the workload's trust domain equal its cluster's (${this.cluster.trustDomain})`);
    }
    return {
      apiVersion: SPIRE_API_VERSION,
      kind: 'ClusterSPIFFEID',
      metadata: meta('spire', clusterSpiffeIdName(w), undefined, { [LABELS.workload]: w.name, [LABELS.tier]: w.tier.level }, { [ANNOTATIONS.source]: w.path }),
      spec: {
        spiffeIDTemplate: SPIFFE_ID_TEMPLATE,
        podSelector: { matchLabels: sortedRecord(w.selector) },
        namespaceSelector: { matchLabels: { [LABELS.namespaceName]: w.namespace } },
        ttl: goDuration(w.tier.maxSvidTtlSeconds),
        ...(federatesWith.length > 0 ? { federatesWith: [...federatesWith] } : {}),
      },
    };
  }

  /**
   * The ClusterFederatedTrustDomain of a foreign trust domain, from the bundle endpoint a cluster
   * of that trust domain declares (none without one: Bulkhead never invents it).
   */
  private federatedTrustDomain(td: string): ClusterFederatedTrustDomain | undefined {
    const declared = this.federation.bundleEndpoint(td);
    if (!declared) return undefined;
    const { endpoint, cluster } = declared;
    const profile: BundleEndpointProfile = endpoint.profile === 'https_spiffe'
      ? { type: 'https_spiffe', endpointSPIFFEID: endpointSpiffeId(endpoint, td) }
      : { type: 'https_web' };
    if (profile.type === 'https_spiffe') {
      this.warn(SPIRE_WARNINGS.federationBootstrap, clusterPath(this.plan, this.cluster),
        `the bundle endpoint of trust domain ${td} (cluster ${cluster.name}) uses the https_spiffe profile: the SPIRE server of cluster ${this.cluster.name} authenticates it with the bundle of ${td}, which it must be given once before the first fetch`,
        endpoint.url,
        `give the SPIRE server of cluster ${this.cluster.name} the current bundle of ${td} once (spire-server bundle set -id spiffe://${td}, or trustDomainBundle on ClusterFederatedTrustDomain ${federatedTrustDomainName(td)}), or serve the endpoint with the https_web profile`);
    }
    return {
      apiVersion: SPIRE_API_VERSION,
      kind: 'ClusterFederatedTrustDomain',
      metadata: meta('spire', federatedTrustDomainName(td), undefined, undefined, { [ANNOTATIONS.source]: clusterPath(this.plan, cluster) }),
      spec: { trustDomain: td, bundleEndpointURL: endpoint.url, bundleEndpointProfile: profile },
    };
  }
}

/**
 * Renders the SPIRE objects of one cluster (none when the cluster runs no SPIRE).
 *
 * @throws BulkheadError with the problems of {@link validateSpire}
 *
 * @see https://github.com/spiffe/spire-controller-manager/blob/main/docs/clusterspiffeid-crd.md
 */
export function renderSpire(plan: Plan, cluster: PlanCluster): RenderResult {
  const errors = validateSpire(plan, cluster);
  if (errors.length > 0) throw new BulkheadError(errors);
  return new SpireRender(plan, cluster).run();
}

const GO_DURATIONS = new Map<number, string>();

/** `Duration.seconds(seconds).toGoString()`, made once per number of seconds (tiers share a few). */
function goDuration(seconds: number): string {
  let text = GO_DURATIONS.get(seconds);
  if (text === undefined) {
    text = Duration.seconds(seconds).toGoString();
    GO_DURATIONS.set(seconds, text);
  }
  return text;
}

/** A VM fleet with its SPIFFE identity. */
type VmWithIdentity = PlanCloudWorkload & { readonly identity: PlanCloudIdentity };

/**
 * The SPIFFE ID of the SPIRE server of a trust domain, the parent of node alias entries.
 *
 * @see https://spiffe.io/docs/latest/deploying/registering/#mapping-workloads-to-multiple-nodes
 */
export function spireServerId(trustDomain: string): string {
  return `spiffe://${trustDomain}/spire/server`;
}

/** The VM fleets whose identity the SPIRE server of this cluster registers (`identity.spireCluster`), by key. */
function vmsRegisteredIn(plan: Plan, cluster: PlanCluster): VmWithIdentity[] {
  return (plan.cloudWorkloads ?? [])
    .filter((c): c is VmWithIdentity => c.identity !== undefined && c.identity.spireCluster === cluster.name)
    .sort((a, b) => cmp(a.key, b.key));
}

/**
 * The SPIRE layer's constraints for one cluster, checked without rendering: the ClusterStaticEntry
 * of each VM fleet registered here must be one the SPIRE server accepts, so its SPIFFE ID and
 * parent ID lie in the cluster's trust domain (`BH-SPIRE-STATIC-TRUST-DOMAIN`) and it has
 * workload selectors (`BH-SPIRE-STATIC-SELECTORS`).
 *
 * @see https://github.com/spiffe/spire-controller-manager/blob/main/docs/clusterstaticentry-crd.md
 * @see https://spiffe.io/docs/latest/deploying/registering/
 */
export function validateSpire(plan: Plan, cluster: PlanCluster): Problem[] {
  if (!cluster.layers.includes('spire')) return [];
  const out: Problem[] = [];
  for (const c of vmsRegisteredIn(plan, cluster)) {
    const id = c.identity;
    const off = [id.spiffeId, id.parentId].filter((x) => spiffeTrustDomain(x) !== cluster.trustDomain);
    if (off.length > 0) {
      out.push({
        severity: 'error', code: SPIRE_ERRORS.staticTrustDomain, path: c.path,
        message: `the SPIRE server of cluster ${cluster.name} holds the entry of VM fleet ${c.key}, but ${off.join(' and ')} ${off.length > 1 ? 'are' : 'is'} not in its trust domain ${cluster.trustDomain}: the server refuses the entry, so the VMs get no SVID`,
        value: off.join(' '),
        fix: `name the VMs' SPIFFE ID and parent ID in trust domain ${cluster.trustDomain}, or register them in the SPIRE server of a cluster of their trust domain (identity.spireCluster)`,
      });
    }
    if (id.selectors.length === 0) {
      out.push({
        severity: 'error', code: SPIRE_ERRORS.staticSelectors, path: c.path,
        message: `the SPIRE entry of VM fleet ${c.key} has no workload selectors: SPIRE refuses an entry without selectors`,
        value: id.spiffeId,
        fix: 'give the identity the selectors that single out the VMs\' workload, such as unix:uid:1001 or a docker label',
      });
    }
  }
  return out;
}
