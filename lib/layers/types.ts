/**
 * The definition of an enforcement layer: everything Bulkhead knows about one layer, in one
 * place. The layer registry (`./registry`) lists the built-in definitions, and every list of
 * layers (renderers, reaper kinds, simulated layers, file layout) derives from them.
 */
import { ClusterLayerName, NetworkLayerName } from '../core/layers';
import { SimulatorRegistration } from '../analysis/simulators';
import { Plan, PlanNetwork } from '../plan/types';
import { ApiResource, CloudArtifact, KubeManifest, NetworkTarget, Target } from '../targets/types';

/** A kind of Kubernetes object, as manifests name it. */
export interface ObjectKind {
  /** API group/version, such as `networking.k8s.io/v1`. */
  readonly apiVersion: string;
  /** Kind, such as `NetworkPolicy`. */
  readonly kind: string;
  /**
   * The upstream CRD set of this kind when it is not the layer's (the Istio layer's waypoint
   * Gateway comes from `gateway-api`).
   * @default - the layer's {@link LayerDefinitionBase.crds}
   */
  readonly crds?: string;
}

/** What every layer definition says, whatever its scope. */
export interface LayerDefinitionBase {
  /**
   * Every kind of Kubernetes object the layer emits (for a network layer: the kinds its cloud
   * resources become in the manifest hosts, and the kinds it places into clusters), sorted.
   * Each has a schema in the generated kinds (`lib/imports/schemas.ts` `KINDS`, keyed
   * `apiVersion/kind`), from the upstream CRDs of {@link LayerDefinitionBase.crds} or the
   * Kubernetes API. The break-glass reaper's objects are not the layer's (see `renderReaper`).
   */
  readonly emits: readonly ObjectKind[];
  /**
   * The upstream CRD set the schemas of its custom kinds come from (`CRD_KINDS[].set` of the
   * generated schemas; the CRD files under the project's `crds/<set>` sources).
   * @default - none: the layer emits only kinds of the Kubernetes API
   */
  readonly crds?: string;
  /**
   * The simulator of the layer, when the analysis judges the layer with a simulator of its own
   * (the layer's `judgedBy` in `LAYER_TABLE` is the layer itself).
   * @default - none: the layer is judged by the layer it is a part of, or not simulated
   */
  readonly simulator?: SimulatorRegistration;
}

/** The definition of a cluster-scoped layer (objects applied to one Kubernetes cluster). */
export interface ClusterLayerDefinition extends LayerDefinitionBase {
  /** The layer. */
  readonly name: ClusterLayerName;
  /** Discriminator. */
  readonly scope: 'cluster';
  /**
   * The renderer: `render` and `validate` per cluster, and the kinds in which it emits
   * BreakGlass objects (what the break-glass reaper removes at expiry).
   */
  readonly target: Target;
}

/**
 * The definition of a network-scoped layer (cloud resources of one cloud network, plus
 * Kubernetes objects it may place into the network's clusters).
 */
export interface NetworkLayerDefinition extends LayerDefinitionBase {
  /** The layer. */
  readonly name: NetworkLayerName;
  /** Discriminator. */
  readonly scope: 'network';
  /** The cloud whose networks run the layer: it renders every network of the plan of this cloud. */
  readonly cloud: PlanNetwork['cloud'];
  /**
   * The renderer: `render` and `validate` per network, and the kinds in which it emits
   * BreakGlass objects into clusters (what the break-glass reaper removes at expiry).
   */
  readonly target: NetworkTarget;
  /**
   * How the manifest hosts (cdk8s, the CLI, `writeManifests`) write the layer's cloud resources
   * of one network: as Kubernetes objects of a cloud controller (for AWS, Crossplane
   * `ec2.aws.upbound.io` objects). Each object carries the `bulkhead.io/layer` label of the
   * layer (the file it is written to is named after it). The Pulumi host does not use it: it
   * creates the cloud resources themselves.
   */
  readonly toManifests: (artifacts: readonly CloudArtifact[], network: PlanNetwork, plan: Plan) => readonly KubeManifest[];
}

/** The definition of a layer: a cluster layer or a network layer. */
export type LayerDefinition = ClusterLayerDefinition | NetworkLayerDefinition;

/** The kinds in which a layer emits BreakGlass objects (what break-glass expiry must remove). */
export function breakGlassResourcesOf(definition: LayerDefinition): readonly ApiResource[] {
  return definition.target.breakGlassResources ?? [];
}
