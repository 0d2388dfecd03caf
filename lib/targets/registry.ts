/**
 * The built-in renderers, one per cluster layer, derived from the layer registry
 * (`lib/layers/registry.ts`), where each layer is defined once.
 */
export { TARGETS } from '../layers/registry';
