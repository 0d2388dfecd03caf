/**
 * The `kubernetes` layer: `networking.k8s.io/v1` NetworkPolicy and
 * `policy.networking.k8s.io` ClusterNetworkPolicy (v1alpha2), AdminNetworkPolicy and
 * BaselineAdminNetworkPolicy (v1alpha1).
 *
 * Every layer folder of the simulators follows one pattern:
 *
 * - `decode/<kind>.ts`: one file per policy kind. It turns one manifest object into a typed
 *   decoded form, reporting malformed input as coded problems (`inputError`, warnings into a
 *   `ProblemSet`), and evaluates nothing. Field lists come from the upstream schemas
 *   (`lib/imports/schemas.ts`, through `schemaAt` / `fieldNames` of `../../schema`); the
 *   decoded form holds only what evaluation needs (selectors, peers, port sets).
 * - `<kind>.ts`: the evaluation of one policy kind, built from its decoded form; every kind of
 *   the layer implements the same methods (here {@link KubernetesPolicy}: `selects`, `rules`,
 *   `boundaries`, plus the tier evaluation the kind defines).
 * - `simulator.ts`: the layer's simulator, combining the kinds by the upstream precedence and
 *   answering the queries of `LayerSimulator`.
 * - `index.ts`: what the rest of the library imports.
 *
 * @see ./model.ts
 */
import { ManifestObject, group } from '../../loader';
import { AnalysisContext } from '../../types';
import { KubernetesSimulator, KubernetesSimulatorOptions } from './simulator';

export { KubernetesSimulator } from './simulator';
export type { KubernetesSimulatorOptions } from './simulator';
export type { KubernetesPolicy } from './model';

/** Whether an object belongs to the `kubernetes` layer (NetworkPolicy or ClusterNetworkPolicy). */
export function isKubernetesLayerObject(o: Pick<ManifestObject, 'apiVersion' | 'kind'>): boolean {
  const g = group(o.apiVersion);
  if (o.kind === 'NetworkPolicy') return g === 'networking.k8s.io' || g === 'extensions';
  return g === 'policy.networking.k8s.io' && (o.kind === 'ClusterNetworkPolicy' || o.kind === 'AdminNetworkPolicy' || o.kind === 'BaselineAdminNetworkPolicy');
}

/**
 * Builds the simulator of the `kubernetes` layer.
 *
 * @param objects the objects of the input (objects of other layers are ignored)
 * @param ctx the analysis context
 * @throws AnalysisInputError when a policy is malformed
 */
export function createKubernetesSimulator(objects: readonly ManifestObject[], ctx: AnalysisContext, options: KubernetesSimulatorOptions = {}): KubernetesSimulator {
  return new KubernetesSimulator(objects.filter(isKubernetesLayerObject), ctx, options);
}
