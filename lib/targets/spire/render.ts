/**
 * The SPIRE renderer: plan → ClusterSPIFFEID per workload and ClusterFederatedTrustDomain per
 * foreign trust domain, for one cluster. A pure function of the plan.
 *
 * - ClusterSPIFFEID `bulkhead.<namespace>.<workload>`: the template of
 *   {@link SPIFFE_ID_TEMPLATE} (the identity Istio principals name), the workload's selector as
 *   `podSelector`, its namespace through `kubernetes.io/metadata.name`, the tier's maximum SVID
 *   lifetime as `ttl`, and `federatesWith` the trust domains of its peers in other trust domains.
 *   `hint` and `className` are not written: one SVID per workload needs no hint, and the plan
 *   names no controller class.
 * - ClusterFederatedTrustDomain `bulkhead.<trust-domain>` per trust domain of another cluster
 *   that a workload of this cluster talks to (either direction). The plan has no field for the
 *   bundle endpoint yet: the URL defaults to `https://spire-bundle.<trust-domain>:8443` with the
 *   `https_web` profile (no bootstrap bundle needed), and a warning says so.
 *
 * @see https://github.com/spiffe/spire-controller-manager/blob/main/docs/clusterspiffeid-crd.md
 * @see https://github.com/spiffe/spire-controller-manager/blob/main/docs/clusterfederatedtrustdomain-crd.md
 */
import { Duration } from '../../core/duration';
import { cmp, Problem, sortProblems } from '../../core/errors';
import { ANNOTATIONS, LABELS } from '../../core/names';
import { Plan, PlanCluster, PlanWorkload } from '../../plan/types';
import { clusterPath, meta, PlanIndex, shortHash, sortedRecord, sortManifests } from '../common';
import { RenderResult } from '../types';
import { SPIFFE_ID_TEMPLATE, workloadSpiffeId } from './identity';
import { ClusterFederatedTrustDomain, ClusterSPIFFEID, SPIRE_API_VERSION, SpireManifest } from './types';

/**
 * Warning codes of the SPIRE target.
 *
 * @see https://github.com/spiffe/spire-controller-manager/tree/main/docs
 */
export const SPIRE_WARNINGS = {
  /** The bundle endpoint of a foreign trust domain is a derived default (the plan has no field for it). */
  bundleEndpointDefault: 'BH-SPIRE-BUNDLE-ENDPOINT-DEFAULT',
  /** The plan's SPIFFE ID of a workload differs from the one SPIRE will issue in its cluster. */
  idMismatch: 'BH-SPIRE-ID-MISMATCH',
} as const;

/**
 * The bundle endpoint URL Bulkhead assumes for a foreign trust domain.
 *
 * @see https://github.com/spiffe/spiffe/blob/main/standards/SPIFFE_Federation.md
 */
export function defaultBundleEndpointUrl(trustDomain: string): string {
  return `https://spire-bundle.${trustDomain}:8443`;
}

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

class SpireRender {
  private readonly idx: PlanIndex;
  private readonly clusters: Map<string, PlanCluster>;
  private readonly warnings = new Map<string, Problem>();

  constructor(private readonly plan: Plan, private readonly cluster: PlanCluster) {
    this.idx = new PlanIndex(plan);
    this.clusters = new Map(plan.clusters.map((c) => [c.name, c]));
  }

  public run(): RenderResult {
    if (!this.cluster.layers.includes('spire')) return { manifests: [], warnings: [] };
    const out: SpireManifest[] = [];
    const foreignAll = new Set<string>();
    for (const w of this.idx.workloadsIn(this.cluster.name)) {
      const foreign = this.foreignTrustDomains(w);
      foreign.forEach((td) => foreignAll.add(td));
      out.push(this.clusterSpiffeId(w, foreign));
    }
    for (const td of [...foreignAll].sort(cmp)) out.push(this.federation(td));
    return { manifests: sortManifests(out), warnings: sortProblems([...this.warnings.values()]) };
  }

  private warn(code: string, path: string, message: string, value: string, fix: string): void {
    const p: Problem = { severity: 'warning', code, path, message, value, fix };
    this.warnings.set(JSON.stringify(p), p);
  }

  /** Trust domains, other than this cluster's, of the workload's peers (workloads and platform endpoints). */
  private foreignTrustDomains(w: PlanWorkload): string[] {
    const tds = new Set<string>();
    for (const e of [...w.calls, ...w.calledBy]) {
      if (e.peer.kind === 'external') continue;
      const p = e.peer.kind === 'workload' ? this.idx.workload(e.peer.key) : this.idx.platformEndpoint(e.peer.key);
      const td = this.clusters.get(p.cluster)?.trustDomain;
      if (td && td !== this.cluster.trustDomain) tds.add(td);
    }
    return [...tds].sort(cmp);
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
        ttl: Duration.seconds(w.tier.maxSvidTtlSeconds).toGoString(),
        ...(federatesWith.length > 0 ? { federatesWith: [...federatesWith] } : {}),
      },
    };
  }

  private federation(td: string): ClusterFederatedTrustDomain {
    const url = defaultBundleEndpointUrl(td);
    this.warn(SPIRE_WARNINGS.bundleEndpointDefault, clusterPath(this.plan, this.cluster), `the plan gives no bundle endpoint for trust domain ${td}: the ClusterFederatedTrustDomain uses the default ${url} (https_web profile)`, url, `serve the SPIRE bundle endpoint of ${td} at ${url}, or set the bundle endpoint once the declaration supports it`);
    return {
      apiVersion: SPIRE_API_VERSION,
      kind: 'ClusterFederatedTrustDomain',
      metadata: meta('spire', federatedTrustDomainName(td), undefined),
      spec: { trustDomain: td, bundleEndpointURL: url, bundleEndpointProfile: { type: 'https_web' } },
    };
  }
}

/**
 * Renders the SPIRE objects of one cluster (none when the cluster runs no SPIRE).
 *
 * @see https://github.com/spiffe/spire-controller-manager/blob/main/docs/clusterspiffeid-crd.md
 */
export function renderSpire(plan: Plan, cluster: PlanCluster): RenderResult {
  return new SpireRender(plan, cluster).run();
}
