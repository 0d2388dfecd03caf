/**
 * Typed shapes of the SPIRE controller manager objects Bulkhead emits (`spire.spiffe.io/v1alpha1`),
 * field names and nesting as in the upstream CRDs (validated against them in the tests).
 *
 * @see https://github.com/spiffe/spire-controller-manager/tree/main/docs
 */
import { KubeManifest, ObjectMeta } from '../types';

/**
 * The SPIRE controller manager API version.
 *
 * @see https://github.com/spiffe/spire-controller-manager/tree/main/docs
 */
export const SPIRE_API_VERSION = 'spire.spiffe.io/v1alpha1';

/**
 * A label selector (only `matchLabels` is written).
 *
 * @see https://github.com/spiffe/spire-controller-manager/tree/main/docs
 */
export interface SpireLabelSelector {
  /** Labels to match. */
  readonly matchLabels: Readonly<Record<string, string>>;
}

/**
 * ClusterSPIFFEID spec: which pods get which SPIFFE ID, with which SVID lifetime.
 *
 * @see https://github.com/spiffe/spire-controller-manager/blob/main/docs/clusterspiffeid-crd.md
 */
export interface ClusterSPIFFEIDSpec {
  /** Go text/template rendering the SPIFFE ID. */
  readonly spiffeIDTemplate: string;
  /** Pods it applies to. */
  readonly podSelector: SpireLabelSelector;
  /** Namespaces it applies to. */
  readonly namespaceSelector: SpireLabelSelector;
  /** Upper bound on the X509-SVID lifetime, a Go duration such as `15m0s`. */
  readonly ttl: string;
  /** Foreign trust domains whose bundles the workload receives. @default - none */
  readonly federatesWith?: readonly string[];
}

/**
 * A `spire.spiffe.io/v1alpha1` ClusterSPIFFEID (cluster-scoped).
 *
 * @see https://github.com/spiffe/spire-controller-manager/tree/main/docs
 */
export interface ClusterSPIFFEID extends KubeManifest {
  /** API version. */
  readonly apiVersion: typeof SPIRE_API_VERSION;
  /** Kind. */
  readonly kind: 'ClusterSPIFFEID';
  /** Metadata (no namespace). */
  readonly metadata: ObjectMeta;
  /** Spec. */
  readonly spec: ClusterSPIFFEIDSpec;
}

/**
 * The bundle endpoint profile of a foreign trust domain.
 *
 * @see https://github.com/spiffe/spiffe/blob/main/standards/SPIFFE_Federation.md#52-endpoint-profiles
 */
export type BundleEndpointProfile =
  | { readonly type: 'https_web' }
  | { readonly type: 'https_spiffe'; readonly endpointSPIFFEID: string };

/**
 * A `spire.spiffe.io/v1alpha1` ClusterFederatedTrustDomain (cluster-scoped).
 *
 * @see https://github.com/spiffe/spire-controller-manager/blob/main/docs/clusterfederatedtrustdomain-crd.md
 */
export interface ClusterFederatedTrustDomain extends KubeManifest {
  /** API version. */
  readonly apiVersion: typeof SPIRE_API_VERSION;
  /** Kind. */
  readonly kind: 'ClusterFederatedTrustDomain';
  /** Metadata (no namespace). */
  readonly metadata: ObjectMeta;
  /** Spec. */
  readonly spec: {
    /** The foreign trust domain. */
    readonly trustDomain: string;
    /** HTTPS URL of its bundle endpoint. */
    readonly bundleEndpointURL: string;
    /** How the endpoint is authenticated. */
    readonly bundleEndpointProfile: BundleEndpointProfile;
  };
}

/**
 * A `spire.spiffe.io/v1alpha1` ClusterStaticEntry (cluster-scoped): a registration entry for a
 * workload outside Kubernetes. The SPIRE target emits one per VM fleet with a SPIFFE identity,
 * in the cluster its identity names.
 *
 * @see https://github.com/spiffe/spire-controller-manager/blob/main/docs/clusterstaticentry-crd.md
 */
export interface ClusterStaticEntry extends KubeManifest {
  /** API version. */
  readonly apiVersion: typeof SPIRE_API_VERSION;
  /** Kind. */
  readonly kind: 'ClusterStaticEntry';
  /** Metadata (no namespace). */
  readonly metadata: ObjectMeta;
  /** Spec. */
  readonly spec: {
    /** The SPIFFE ID issued. */
    readonly spiffeID: string;
    /** The parent (agent) SPIFFE ID. */
    readonly parentID: string;
    /** Workload selectors, such as `aws_iid:tag:name:db`. */
    readonly selectors: readonly string[];
    /** X509-SVID lifetime, a Go duration. @default - the SPIRE server's default */
    readonly x509SVIDTTL?: string;
    /** Foreign trust domains. @default - none */
    readonly federatesWith?: readonly string[];
  };
}

/**
 * Any object the SPIRE target emits.
 *
 * @see https://github.com/spiffe/spire-controller-manager/tree/main/docs
 */
export type SpireManifest = ClusterSPIFFEID | ClusterFederatedTrustDomain | ClusterStaticEntry;
