/**
 * The first line of every `kustomization.yaml` the GitOps output writes, so that readers of an
 * output folder (the analysis loader) tell Bulkhead's own kustomizations from others without
 * loading the GitOps module.
 */

/** The first line of a kustomization written by Bulkhead. */
export const BULKHEAD_KUSTOMIZATION_MARKER = '# bulkhead.io/generated: kustomization of a Bulkhead output folder (its layer files and the order GitOps applies them in)';
