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

/** A kind of object, as the API server serves it: `<resource>.<group>`. */
export interface ApiResource {
  /** The API group, such as `networking.k8s.io`. */
  readonly group: string;
  /** The plural resource name, such as `networkpolicies`. */
  readonly resource: string;
}

/** A per-layer renderer. */
export interface Target {
  /** The layer it renders. */
  readonly layer: LayerName;
  /**
   * Renders the objects of one cluster (called only for clusters that run the layer, and only
   * when no layer of any cluster found an error in {@link Target.validate}).
   */
  render(plan: Plan, cluster: PlanCluster): RenderResult;
  /**
   * Checks the layer's own constraints for one cluster (object names that would clash, quotas,
   * what the layer cannot express) and returns every error found, without rendering.
   * `synthesize` runs it for every cluster and layer before anything is rendered, so that these
   * errors come in one report with the declaration's. It must not throw on a partial plan (the
   * plan of what resolved, when the declaration has errors).
   * @default - the layer has no constraints beyond the plan's
   */
  readonly validate?: (plan: Plan, cluster: PlanCluster) => Problem[];
  /**
   * The kinds in which the layer emits BreakGlass objects: the break-glass reaper of a cluster
   * may list and delete these kinds, for the layers the cluster runs.
   * @default - none: the layer emits no BreakGlass objects
   */
  readonly breakGlassResources?: readonly ApiResource[];
}
