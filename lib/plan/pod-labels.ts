/**
 * The pod-template labels a declaration implies: what another tool needs to check the output
 * against the pods that will run.
 */
import { cmp } from '../core/errors';
import { Plan, PlanWorkload } from './types';

/** The pod-template labels of one workload. */
export interface WorkloadPodLabels {
  /** Workload key, `<cluster>/<namespace>/<name>`. */
  readonly key: string;
  /** Construct path of the declaration. */
  readonly path: string;
  /** Cluster name. */
  readonly cluster: string;
  /** Namespace. */
  readonly namespace: string;
  /** Workload name. */
  readonly name: string;
  /**
   * The labels the workload's pod template carries once bound: its selector plus the labels
   * Bulkhead adds (`bulkhead.io/tier`, `bulkhead.io/workload`, `bulkhead.io/domain`). Keys sorted.
   */
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * The labels of one workload's pod template: its selector plus the labels Bulkhead adds when
 * the workload is bound (selector keys never collide with those: `bulkhead.io/*` keys are
 * reserved). Keys sorted.
 */
export function podTemplateLabelsOf(workload: PlanWorkload): Record<string, string> {
  const all: Record<string, string> = { ...workload.podLabels, ...workload.selector };
  return Object.fromEntries(Object.keys(all).sort(cmp).map((k) => [k, all[k]]));
}

/**
 * The pod-template labels a declaration implies, per workload, sorted by workload key.
 *
 * @example
 * for (const w of podTemplateLabels(buildPlan(topology))) console.log(w.key, w.labels);
 */
export function podTemplateLabels(plan: Plan): WorkloadPodLabels[] {
  return [...plan.workloads]
    .sort((a, b) => cmp(a.key, b.key))
    .map((w) => ({ key: w.key, path: w.path, cluster: w.cluster, namespace: w.namespace, name: w.name, labels: podTemplateLabelsOf(w) }));
}
