/**
 * The contract between the plan and the per-layer renderers. A target is a pure function of
 * the plan: it imports neither cdk8s nor Pulumi and returns plain, typed objects — Kubernetes
 * manifests, and for network layers cloud resources ({@link Artifact}).
 */
import { Problem } from '../core/errors';
import { ClusterLayerName, NetworkLayerName } from '../core/layers';
import { Plan, PlanCluster, PlanNetwork } from '../plan/types';
import { AwsResource } from './aws/types';

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

/** The renderer of a cluster-scoped layer. */
export interface Target {
  /** The layer it renders. */
  readonly layer: ClusterLayerName;
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

/** A Kubernetes object, as an {@link Artifact}. */
export interface ManifestArtifact {
  /** Discriminator. */
  readonly type: 'manifest';
  /** The object. */
  readonly manifest: KubeManifest;
}

/** An AWS resource (security group, rule, prefix list), as an {@link Artifact}. */
export interface AwsArtifact {
  /** Discriminator. */
  readonly type: 'aws';
  /** The resource, host-neutral. */
  readonly resource: AwsResource;
}

/**
 * A cloud resource, by cloud. A new cloud adds one member here (and the hosts map it: the
 * Pulumi host creates it, the manifest hosts write it as the objects its layer definition's
 * `toManifests` makes).
 */
export type CloudArtifact = AwsArtifact;

/**
 * Everything a layer renders, as a tagged union on `type`: Kubernetes objects and cloud
 * resources. A host maps each `type` once (the Pulumi host: a Kubernetes resource, or the
 * cloud's resources; the manifest hosts: the object, or the cloud resource converted to
 * objects by its layer).
 */
export type Artifact = ManifestArtifact | CloudArtifact;

/** The type tag of an {@link Artifact}. */
export type ArtifactType = Artifact['type'];

/** An artifact and where it goes: a cloud resource into the network rendered, a Kubernetes object into a cluster. */
export type PlacedArtifact =
  | {
    /** The cluster (by name) whose API server the object is applied to. */
    readonly cluster: string;
    /** The object. */
    readonly artifact: ManifestArtifact;
  }
  | {
    /** The network (by name) the resource lives in: the network rendered. */
    readonly network: string;
    /** The resource. */
    readonly artifact: CloudArtifact;
  };

/** What a network layer's renderer returns for one network. */
export interface NetworkRenderResult {
  /**
   * The artifacts: cloud resources placed in the network rendered, and Kubernetes objects
   * placed in clusters (such as the EKS SecurityGroupPolicy of pods with their own security
   * groups, in the pods' cluster). Any order: synthesis sorts them.
   */
  readonly artifacts: readonly PlacedArtifact[];
  /** Where the layer cannot be as precise as the declaration, and other notes. */
  readonly warnings: readonly Problem[];
}

/** The renderer of a network-scoped layer (such as the AWS security groups of a VPC). */
export interface NetworkTarget {
  /** The layer it renders. */
  readonly layer: NetworkLayerName;
  /**
   * Renders the artifacts of one network (called only for networks that run the layer, and
   * only when no layer found an error in {@link NetworkTarget.validate}).
   */
  render(plan: Plan, network: PlanNetwork): NetworkRenderResult;
  /**
   * Checks the layer's own constraints for one network (quotas, what the cloud cannot express)
   * and returns every error found, without rendering. Runs with the cluster layers' checks,
   * before anything is rendered; it must not throw on a partial plan.
   * @default - the layer has no constraints beyond the plan's
   */
  readonly validate?: (plan: Plan, network: PlanNetwork) => Problem[];
  /**
   * The kinds in which the layer emits BreakGlass objects into clusters: the break-glass reaper
   * of a cluster that holds objects of this layer may list and delete these kinds.
   * @default - none: the layer emits no BreakGlass objects into clusters
   */
  readonly breakGlassResources?: readonly ApiResource[];
}
