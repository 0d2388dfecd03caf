/**
 * The `cilium` layer: `cilium.io/v2` CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy.
 *
 * The folder follows the pattern of every simulator layer:
 *
 * - `decode/<kind>.ts`: one file per policy kind (`cnp.ts`, `ccnp.ts`), turning a manifest
 *   object into its typed decoded form (`model.ts`) and reporting malformed input as coded
 *   problems; `decode/rule.ts` holds the rule format both kinds share. Nothing is evaluated
 *   while decoding.
 * - `rule.ts`: the evaluation of one decoded rule (`selects`, `peerMatches`, `portsMatch`),
 *   the same for both kinds.
 * - `simulator.ts`: the layer's simulator, combining the rules that select an endpoint by the
 *   upstream precedence (deny rules, then default deny, then allow rules) and answering the
 *   queries of `LayerSimulator`.
 * - `index.ts`: what the rest of the library imports.
 *
 * @see ./simulator.ts for the semantics
 */
export { createCiliumSimulator } from './simulator';
export type { CiliumSimulator, CiliumSimulatorOptions } from './simulator';
