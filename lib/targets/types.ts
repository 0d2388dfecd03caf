/**
 * The contract between the plan and the per-layer renderers. A target is a pure function of
 * the plan: it imports neither cdk8s nor Pulumi and returns plain, typed manifest objects.
 */
import { Problem } from '../core/errors';
import { LayerName, Plan, PlanCluster } from '../plan/types';

/** Kubernetes object metadata, as far as Bulkhead writes it. */
export interface ObjectMeta {
  /** Object name. */
  readonly name: string;
  /** Namespace; absent for cluster-scoped objects. @default - cluster-scoped */
  readonly namespace?: string;
  /** Labels, keys sorted. @default - none */
  readonly labels?: Readonly<Record<string, string>>;
  /** Annotations, keys sorted. @default - none */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** Any Kubernetes object a target emits. Per-layer files narrow it to typed kinds. */
export interface KubeManifest {
  /** API group/version, such as `networking.k8s.io/v1`. */
  readonly apiVersion: string;
  /** Kind, such as `NetworkPolicy`. */
  readonly kind: string;
  /** Metadata. */
  readonly metadata: ObjectMeta;
}

/** What a target returns for one cluster. */
export interface RenderResult {
  /** The objects, sorted by (apiVersion, kind, namespace, name). */
  readonly manifests: readonly KubeManifest[];
  /** Where the layer cannot be as precise as the declaration, and other notes. */
  readonly warnings: readonly Problem[];
}

/** A per-layer renderer. */
export interface Target {
  /** The layer it renders. */
  readonly layer: LayerName;
  /** Renders the objects of one cluster (called only for clusters that run the layer). */
  render(plan: Plan, cluster: PlanCluster): RenderResult;
}
