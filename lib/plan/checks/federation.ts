/**
 * Identity across trust domains. Clusters (and the VM fleets their SPIRE servers register) may
 * each have a trust domain of their own. Where a flow joins two trust domains, each side's SPIRE
 * server must hold the other's trust bundle, which it fetches from the other domain's bundle
 * endpoint (SPIRE `ClusterFederatedTrustDomain`). Bulkhead never invents that endpoint: it is
 * declared on a cluster of the trust domain (`ClusterProps.spireBundleEndpoint`), and checked here.
 *
 * - The declared endpoint: an HTTPS URL with a host and without userinfo, the profile
 *   `https_spiffe` or `https_web`, and for `https_spiffe` the endpoint's SPIFFE ID in the
 *   cluster's own trust domain (a self-serving endpoint; the default is the SPIRE server's ID,
 *   `spiffe://<trust domain>/spire/server`); `https_web` takes no SPIFFE ID.
 * - Clusters of one trust domain share its bundle: they declare one endpoint or none.
 * - A flow between trust domains, where SPIRE registers one side and SPIRE also runs in the
 *   other trust domain, needs the other domain's declared endpoint (an error otherwise). When
 *   nothing of the other domain runs SPIRE, SPIRE cannot federate with it: a warning says the
 *   bundle must reach the workloads some other way.
 * - Istio reads a principal of trust domain `cluster.local` as its own trust domain (and its
 *   aliases): a source of trust domain `cluster.local` cannot be named in the policies of a
 *   mesh of another trust domain.
 *
 * @see https://github.com/spiffe/spire-controller-manager/blob/main/docs/clusterfederatedtrustdomain-crd.md
 * @see https://github.com/spiffe/spiffe/blob/main/standards/SPIFFE_Federation.md#52-endpoint-profiles
 * @see https://istio.io/latest/docs/tasks/security/authorization/authz-td-migration/
 */
import { BulkheadError, cmp } from '../../core/errors';
import { isRecord } from '../../core/entry';
import { SpiffeId } from '../../core/identity';
import { cloudPlan } from '../cloud';
import type { Resolution } from '../phases/resolve';
import { PlanBundleEndpoint, PlanCloudIdentity, PlanCluster, PlanEndpointRef, PlanFlow } from '../types';
import { Reporter } from './report';

/**
 * Problem codes of the federation checks.
 *
 * @see https://github.com/spiffe/spire-controller-manager/blob/main/docs/clusterfederatedtrustdomain-crd.md
 */
export const FEDERATION_CODES = {
  /** `spireBundleEndpoint` is not `{ url, profile, spiffeId? }`, or its profile is unknown or takes no SPIFFE ID. */
  endpoint: 'BH-BUNDLE-ENDPOINT',
  /** The bundle endpoint URL is not an HTTPS URL with a host and without userinfo. */
  url: 'BH-BUNDLE-ENDPOINT-URL',
  /** The `https_spiffe` endpoint's SPIFFE ID is not a SPIFFE ID of the cluster's trust domain. */
  spiffeId: 'BH-BUNDLE-ENDPOINT-ID',
  /** Clusters of one trust domain declare different bundle endpoints. */
  conflict: 'BH-FEDERATION-CONFLICT',
  /** A flow between trust domains where SPIRE runs on both sides, and the other side declares no bundle endpoint. */
  missing: 'BH-FEDERATION-ENDPOINT',
  /** A flow between trust domains where the other side runs no SPIRE and declares no bundle endpoint (a warning). */
  unfederated: 'BH-FEDERATION-NO-SPIRE',
  /** A source of trust domain `cluster.local` into an Istio mesh of another trust domain. */
  clusterLocal: 'BH-FEDERATION-CLUSTER-LOCAL',
} as const;

/** The trust domain Istio's policies read as the local one (and its aliases). */
export const ISTIO_LOCAL_TRUST_DOMAIN = 'cluster.local';

/**
 * The SPIFFE ID an `https_spiffe` bundle endpoint of a trust domain presents: the declared one,
 * else the SPIRE server's, `spiffe://<trust domain>/spire/server`.
 *
 * @see https://github.com/spiffe/spiffe/blob/main/standards/SPIFFE_Federation.md#5222-endpoint-parameters
 */
export function endpointSpiffeId(endpoint: PlanBundleEndpoint, trustDomain: string): string {
  return endpoint.spiffeId ?? `spiffe://${trustDomain}/spire/server`;
}

/** What the federation checks read of a plan (a {@link Plan} is one). */
export interface FederationView {
  /** Every cluster. */
  readonly clusters: readonly PlanCluster[];
  /** Kubernetes workloads: key and cluster. */
  readonly workloads: readonly { readonly key: string; readonly cluster: string }[];
  /** Platform endpoints: key and cluster. */
  readonly platform: readonly { readonly key: string; readonly cluster: string }[];
  /** Cloud workloads: key and SPIFFE identity. @default - none */
  readonly cloudWorkloads?: readonly { readonly key: string; readonly identity?: PlanCloudIdentity }[];
  /** Flows: where declared, and the two sides. */
  readonly flows: readonly { readonly path: string; readonly source: PlanEndpointRef; readonly destination: PlanEndpointRef }[];
}

/** The identity one side of a flow presents. */
export interface IdentitySide {
  /** Its key. */
  readonly key: string;
  /** Its trust domain. */
  readonly trustDomain: string;
  /**
   * Whether it presents an SVID at all: a pod of a cluster that runs Istio or SPIRE, a VM fleet
   * with a SPIFFE identity.
   */
  readonly issued: boolean;
  /** The cluster whose SPIRE server registers it (its own cluster when that runs SPIRE; a VM fleet's `spireCluster`). @default - no SPIRE registers it */
  readonly spireCluster?: PlanCluster;
  /** Its Kubernetes cluster. @default - not a pod */
  readonly cluster?: PlanCluster;
}

/** Looks the sides of flows up in a {@link FederationView}. */
export class FederationIndex {
  private readonly clusters: Map<string, PlanCluster>;
  private readonly podCluster = new Map<string, string>();
  private readonly cloud = new Map<string, PlanCloudIdentity | undefined>();
  /** The sides looked up so far, by kind then key (the view is not changed once indexed). */
  private readonly sides: Record<PlanEndpointRef['kind'], Map<string, IdentitySide | undefined>> = { workload: new Map(), external: new Map(), platform: new Map(), cloud: new Map() };
  /** The bundle endpoints looked up so far, by trust domain. */
  private readonly bundles = new Map<string, { readonly endpoint: PlanBundleEndpoint; readonly cluster: PlanCluster } | undefined>();

  /** @param view the plan (or what resolved of it) */
  constructor(private readonly view: FederationView) {
    this.clusters = new Map();
    for (const c of view.clusters) if (!this.clusters.has(c.name)) this.clusters.set(c.name, c);
    for (const w of [...view.workloads, ...view.platform]) this.podCluster.set(w.key, w.cluster);
    for (const c of view.cloudWorkloads ?? []) this.cloud.set(c.key, c.identity);
  }

  /** The identity a flow endpoint presents; undefined for Externals and cloud workloads without one. */
  public side(ref: PlanEndpointRef): IdentitySide | undefined {
    const known = this.sides[ref.kind];
    if (known.has(ref.key)) return known.get(ref.key);
    const s = this.sideOf(ref);
    known.set(ref.key, s);
    return s;
  }

  private sideOf(ref: PlanEndpointRef): IdentitySide | undefined {
    if (ref.kind === 'external') return undefined;
    if (ref.kind === 'cloud') {
      const id = this.cloud.get(ref.key);
      const spire = id ? this.clusters.get(id.spireCluster) : undefined;
      if (!id || !spire) return undefined;
      return { key: ref.key, trustDomain: spire.trustDomain, issued: true, spireCluster: spire };
    }
    const name = this.podCluster.get(ref.key);
    const cluster = name === undefined ? undefined : this.clusters.get(name);
    if (!cluster) return undefined;
    const spire = cluster.layers.includes('spire');
    return {
      key: ref.key, trustDomain: cluster.trustDomain, cluster,
      issued: spire || cluster.layers.includes('istio'),
      ...(spire ? { spireCluster: cluster } : {}),
    };
  }

  /** The declared bundle endpoint of a trust domain and the cluster that declares it (the first by name). */
  public bundleEndpoint(trustDomain: string): { readonly endpoint: PlanBundleEndpoint; readonly cluster: PlanCluster } | undefined {
    if (this.bundles.has(trustDomain)) return this.bundles.get(trustDomain);
    const c = this.clustersOf(trustDomain).find((x) => x.bundleEndpoint !== undefined);
    const found = c?.bundleEndpoint ? { endpoint: c.bundleEndpoint, cluster: c } : undefined;
    this.bundles.set(trustDomain, found);
    return found;
  }

  /** The clusters of a trust domain, by name. */
  public clustersOf(trustDomain: string): PlanCluster[] {
    return [...this.clusters.values()].filter((c) => c.trustDomain === trustDomain).sort((a, b) => cmp(a.name, b.name));
  }

  /**
   * The trust domains a SPIRE server federates with: those of the peers (either direction) of
   * the workloads it registers that present an SVID of another trust domain whose bundle
   * endpoint is declared.
   *
   * @param own the server's trust domain
   * @param peers the peers of the workloads it registers
   */
  public federatedDomains(own: string, peers: readonly PlanEndpointRef[]): string[] {
    const out = new Set<string>();
    for (const ref of peers) {
      const s = this.side(ref);
      if (s && s.issued && s.trustDomain !== own && this.bundleEndpoint(s.trustDomain)) out.add(s.trustDomain);
    }
    return [...out].sort(cmp);
  }

  /** The flows of the view. */
  public get flows(): FederationView['flows'] {
    return this.view.flows;
  }
}

const INDEXES = new WeakMap<FederationView, FederationIndex>();

/**
 * The {@link FederationIndex} of a plan, made once per plan (a plan is not changed once built)
 * and shared by every renderer that reads it.
 */
export function federationIndexOf(view: FederationView): FederationIndex {
  let idx = INDEXES.get(view);
  if (!idx) {
    idx = new FederationIndex(view);
    INDEXES.set(view, idx);
  }
  return idx;
}

/**
 * Checks a declared `spireBundleEndpoint` (of any type: it may come from plain JavaScript) of a
 * cluster of trust domain `trustDomain`, reporting at `where`.
 *
 * @see https://github.com/spiffe/spire-controller-manager/blob/main/api/v1alpha1/clusterfederatedtrustdomain_webhook.go
 */
export function checkBundleEndpoint(where: string, value: unknown, trustDomain: string, report: Reporter): void {
  if (value === undefined) return;
  const example = `{ url: 'https://spire-bundle.${trustDomain}:8443', profile: 'https_spiffe' }`;
  if (!isRecord(value)) {
    report.error(FEDERATION_CODES.endpoint, where, 'spireBundleEndpoint is not an object of url, profile and (for https_spiffe) spiffeId', value, `write it as ${example}, with the URL the SPIRE server of ${trustDomain} serves its bundle at`);
    return;
  }
  const { url, profile, spiffeId } = value;
  const urlProblem = bundleUrlProblem(url);
  if (urlProblem) {
    report.error(FEDERATION_CODES.url, where, `the bundle endpoint URL is not one SPIRE accepts: ${urlProblem}`, url, `give the HTTPS URL the SPIRE server of ${trustDomain} serves its bundle at, without user or password, such as 'https://spire-bundle.${trustDomain}:8443'`);
  }
  if (profile !== 'https_spiffe' && profile !== 'https_web') {
    report.error(FEDERATION_CODES.endpoint, where, 'the bundle endpoint profile is neither https_spiffe nor https_web', profile, "use 'https_spiffe' (the endpoint presents an SVID of its trust domain) or 'https_web' (a Web PKI certificate)");
    return;
  }
  if (profile === 'https_web') {
    if (spiffeId !== undefined) {
      report.error(FEDERATION_CODES.endpoint, where, 'spiffeId applies to the https_spiffe profile only: the SPIRE controller manager refuses an endpoint SPIFFE ID with https_web', spiffeId, "remove spiffeId, or use profile 'https_spiffe'");
    }
    return;
  }
  if (spiffeId === undefined) return;
  const idProblem = endpointIdProblem(spiffeId, trustDomain);
  if (idProblem) {
    report.error(FEDERATION_CODES.spiffeId, where, `the SPIFFE ID of the https_spiffe bundle endpoint ${idProblem}`, spiffeId, `name the ID the endpoint presents in trust domain ${trustDomain}, or leave spiffeId out for the SPIRE server's, spiffe://${trustDomain}/spire/server`);
  }
}

/** Why a value is no bundle endpoint URL SPIRE accepts (`https`, a host, no userinfo), or undefined. */
function bundleUrlProblem(url: unknown): string | undefined {
  if (typeof url !== 'string') return 'it is not a string';
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'it is not a URL';
  }
  if (u.protocol !== 'https:') return `its scheme is ${u.protocol.replace(/:$/, '')}, not https`;
  if (u.hostname === '') return 'it names no host';
  if (u.username !== '' || u.password !== '') return 'it holds a user name or password';
  return undefined;
}

/** Why a value is no SPIFFE ID of the trust domain, or undefined. */
function endpointIdProblem(id: unknown, trustDomain: string): string | undefined {
  if (typeof id !== 'string') return 'is not a string';
  let parsed: SpiffeId;
  try {
    parsed = SpiffeId.of(id);
  } catch (e) {
    if (BulkheadError.isBulkheadError(e)) return 'is not a SPIFFE ID';
    throw e;
  }
  if (parsed.trustDomain.name !== trustDomain) return `is in trust domain ${parsed.trustDomain.name}, not in the cluster's ${trustDomain}: the endpoint must serve its own trust domain's bundle`;
  if (parsed.path === '') return 'names the trust domain only, no workload';
  return undefined;
}

/**
 * The declared bundle endpoints of the clusters of one trust domain must agree: the trust
 * domain has one bundle, served at one place. Reported at every cluster after the first (by name).
 */
export function checkBundleEndpointConflicts(clusters: readonly PlanCluster[], report: Reporter): void {
  const byDomain = new Map<string, PlanCluster[]>();
  for (const c of [...clusters].sort((a, b) => cmp(a.name, b.name))) {
    if (!c.bundleEndpoint) continue;
    byDomain.set(c.trustDomain, [...(byDomain.get(c.trustDomain) ?? []), c]);
  }
  const text = (c: PlanCluster) => {
    const b = c.bundleEndpoint as PlanBundleEndpoint;
    return b.profile === 'https_spiffe' ? `${b.url} (https_spiffe, ${endpointSpiffeId(b, c.trustDomain)})` : `${b.url} (https_web)`;
  };
  for (const [td, list] of byDomain) {
    const first = list[0];
    for (const c of list.slice(1)) {
      if (text(c) === text(first)) continue;
      report.error(FEDERATION_CODES.conflict, c.path ?? c.name, `clusters '${first.name}' and '${c.name}' share trust domain ${td} but declare different bundle endpoints: the trust domain has one bundle`, { [first.name]: text(first), [c.name]: text(c) }, `declare the same spireBundleEndpoint on both, or give cluster '${c.name}' a trust domain of its own`);
    }
  }
}

/**
 * The rules of flows between trust domains (see the module docs): a declared bundle endpoint
 * where SPIRE runs on both sides, and no `cluster.local` source into a mesh of another domain.
 */
export function checkFederatedFlows(index: FederationIndex, report: Reporter): void {
  for (const f of index.flows) {
    const src = index.side(f.source);
    const dst = index.side(f.destination);
    if (!src || !dst || src.trustDomain === dst.trustDomain) continue;
    for (const [here, there] of [[src, dst], [dst, src]] as const) {
      if (!here.spireCluster || !there.issued || index.bundleEndpoint(there.trustDomain)) continue;
      const spireThere = index.clustersOf(there.trustDomain).filter((c) => c.layers.includes('spire'));
      const owner = there.spireCluster ?? there.cluster;
      const name = owner?.name ?? spireThere[0]?.name ?? '?';
      const fix = `set spireBundleEndpoint on cluster '${name}': the URL where the SPIRE server of ${there.trustDomain} serves its bundle, such as { url: 'https://spire-bundle.${there.trustDomain}:8443', profile: 'https_spiffe' }`;
      const what = `${src.key} -> ${dst.key}`;
      if (spireThere.length > 0) {
        report.error(FEDERATION_CODES.missing, f.path, `the flow joins trust domains ${here.trustDomain} and ${there.trustDomain}: the SPIRE server of cluster '${here.spireCluster.name}' must federate with ${there.trustDomain} to verify ${there.key}, but no cluster of ${there.trustDomain} declares its bundle endpoint`, what, fix);
      } else {
        report.warn(FEDERATION_CODES.unfederated, f.path, `the flow joins trust domains ${here.trustDomain} and ${there.trustDomain}, and nothing of ${there.trustDomain} runs SPIRE or declares a bundle endpoint: the SPIRE server of cluster '${here.spireCluster.name}' cannot federate with it, so ${here.key} cannot verify ${there.key} unless that trust bundle reaches it another way`, what, fix);
      }
    }
    if (src.trustDomain === ISTIO_LOCAL_TRUST_DOMAIN && dst.cluster?.layers.includes('istio')) {
      report.error(FEDERATION_CODES.clusterLocal, f.path, `the source ${src.key} has trust domain ${ISTIO_LOCAL_TRUST_DOMAIN}, which Istio reads in the policies of cluster '${dst.cluster.name}' (trust domain ${dst.trustDomain}) as its own trust domain: its principal would name the local workload of that namespace and service account, not the source`, `${src.key} -> ${dst.key}`, `give the cluster of ${src.key} a trust domain of its own (trustDomain on the Cluster), not ${ISTIO_LOCAL_TRUST_DOMAIN}`);
    }
  }
}

/**
 * Every federation check of a plan (or of what resolved of a declaration), with the declared
 * endpoints of `declared` (cluster path, raw value, trust domain) checked first.
 */
export function checkFederation(view: FederationView, declared: readonly { readonly path: string; readonly value: unknown; readonly trustDomain: string }[], report: Reporter): void {
  for (const d of declared) checkBundleEndpoint(d.path, d.value, d.trustDomain, report);
  checkBundleEndpointConflicts(view.clusters, report);
  checkFederatedFlows(new FederationIndex(view), report);
}

/**
 * The federation checks of a declaration, once its flows are read: the declared endpoints of
 * its clusters, and its flows (declared, platform and BreakGlass) between what resolved.
 */
export function checkDeclaredFederation(r: Resolution, flows: readonly PlanFlow[], report: Reporter): void {
  const clusters = [...r.clusters.values()];
  const view: FederationView = {
    clusters,
    workloads: [...r.workloads.values()].map((w) => w.plan),
    platform: r.platform,
    cloudWorkloads: cloudPlan(r, { calls: new Map(), calledBy: new Map() }).cloudWorkloads,
    flows,
  };
  const declared = [...r.clusters].map(([c, pc]) => ({ path: c.node.path, value: (c.props as { spireBundleEndpoint?: unknown }).spireBundleEndpoint, trustDomain: pc.trustDomain }));
  checkFederation(view, declared, report);
}
