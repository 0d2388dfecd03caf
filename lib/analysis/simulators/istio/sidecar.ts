/**
 * Evaluation of Sidecar (decoded by `./decode/sidecar.ts`): the Sidecar of a workload is the
 * one of its namespace whose workload selector selects it, else the one of its namespace
 * without a selector, else the one of the root namespace without a selector.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/sidecar/
 */
import { WorkloadEndpoint } from '../../types';
import { DecodedSidecar, selects } from './model';

/** Whether a Sidecar applies to a workload (before precedence among several). */
export function sidecarSelects(s: DecodedSidecar, w: WorkloadEndpoint, rootNamespace: string): boolean {
  if (s.selector === undefined) return s.namespace === w.namespace || s.namespace === rootNamespace;
  return s.namespace === w.namespace && selects(s.selector, w.labels);
}

/** The Sidecar of a workload, from the Sidecars (oldest first). */
export function sidecarOf(sidecars: readonly DecodedSidecar[], rootNamespace: string, src: WorkloadEndpoint): DecodedSidecar | undefined {
  return sidecars.find((s) => s.namespace === src.namespace && s.selector !== undefined && selects(s.selector, src.labels))
    ?? sidecars.find((s) => s.namespace === src.namespace && !s.selector)
    ?? sidecars.find((s) => s.namespace === rootNamespace && !s.selector);
}
