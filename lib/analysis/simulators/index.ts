/**
 * The registrations of the layer simulators. A new simulated layer (for example cloud security
 * groups) is one module implementing {@link LayerSimulator}, one registration here, and the
 * registration in its layer's definition (`simulator`, in the layer registry
 * `lib/layers/registry.ts`). The analysis reads this list, not the layer registry, so that it
 * runs without loading any renderer; a test checks that both agree.
 */
import { ManifestObject } from '../loader';
import { AnalysisContext, AnalysisLayer, LayerSimulator } from '../types';
import { createAwsSimulator, isAwsLayerObject } from './aws';
import { createCiliumSimulator } from './cilium';
import { createIstioSimulator } from './istio';
import { createKubernetesSimulator, isKubernetesLayerObject } from './kubernetes';

/** How the engine finds and builds one layer's simulator. */
export interface SimulatorRegistration {
  /** The layer. */
  readonly layer: AnalysisLayer;
  /** Whether an object of the input is given to this layer's simulator. */
  readonly owns: (object: ManifestObject) => boolean;
  /** Builds the simulator from the objects it owns. */
  readonly create: (objects: readonly ManifestObject[], ctx: AnalysisContext) => LayerSimulator;
}

/**
 * The `kubernetes` layer: NetworkPolicy and ClusterNetworkPolicy, evaluated together as the
 * network plugin does (the objects of the `kubernetes` and `cluster-network-policy` synthesis
 * layers: see `lib/core/layers.ts`).
 */
export const KUBERNETES_SIMULATOR: SimulatorRegistration = {
  layer: 'kubernetes',
  owns: isKubernetesLayerObject,
  create: createKubernetesSimulator,
};

/**
 * The `cilium` layer: CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy. The simulator
 * takes plain objects of any kind and picks its own, so it is given every object.
 */
export const CILIUM_SIMULATOR: SimulatorRegistration = {
  layer: 'cilium',
  owns: () => true,
  create: (objects, ctx) => createCiliumSimulator(objects.map((o) => o.raw), ctx),
};

/**
 * The `istio` layer: AuthorizationPolicy, PeerAuthentication, RequestAuthentication,
 * ServiceEntry and Sidecar. The simulator takes plain objects of any kind and picks its own,
 * so it is given every object.
 */
export const ISTIO_SIMULATOR: SimulatorRegistration = {
  layer: 'istio',
  owns: () => true,
  create: (objects, ctx) => createIstioSimulator(objects.map((o) => o.raw), ctx),
};

/** The `aws` layer: Crossplane security groups, their rules and prefix lists (cloud endpoints). */
export const AWS_SIMULATOR: SimulatorRegistration = {
  layer: 'aws',
  owns: isAwsLayerObject,
  create: createAwsSimulator,
};

/** Every built-in simulator, in the order layers are reported (the order of their layers in `LAYER_TABLE`). */
export const SIMULATORS: readonly SimulatorRegistration[] = [KUBERNETES_SIMULATOR, CILIUM_SIMULATOR, ISTIO_SIMULATOR, AWS_SIMULATOR];
