/**
 * An index of the policies of the `kubernetes` layer by the workloads they may select: each
 * policy is filed under one label its subject requires (a pod label, a namespace label, or
 * the namespace), so that the policies that may select a workload are found from its labels
 * and namespace, without testing every policy. The index only narrows the search: the caller
 * still asks each candidate whether it selects the workload.
 */
import { LabelSelector } from '../../selector';
import { WorkloadEndpoint } from '../../types';
import { PeerMatch } from './model';

/** Policies (in a fixed order) indexed by what their subjects require. */
export class SubjectIndex<T> {
  private readonly byKey = new Map<string, number[]>();
  private readonly always: number[] = [];

  /**
   * @param items the policies, in evaluation order
   * @param subjectOf what a policy's subject matches
   */
  public constructor(private readonly items: readonly T[], subjectOf: (item: T) => PeerMatch) {
    items.forEach((item, i) => {
      const k = anchorOf(subjectOf(item));
      if (k === undefined) this.always.push(i);
      else for (const key of k) push(this.byKey, key, i);
    });
  }

  /** The policies that may select the workload (a superset of those that do), in the order given. */
  public candidates(ep: WorkloadEndpoint): T[] {
    if (this.byKey.size === 0) return this.always.map((i) => this.items[i]);
    const found: number[] = [...this.always];
    const add = (key: string): void => {
      const l = this.byKey.get(key);
      if (l) for (const i of l) found.push(i);
    };
    add(`s\u0000${ep.namespace}`);
    for (const k of Object.keys(ep.labels)) add(`p\u0000${k}\u0000${ep.labels[k]}`);
    for (const k of Object.keys(ep.namespaceLabels)) add(`n\u0000${k}\u0000${ep.namespaceLabels[k]}`);
    if (found.length > 1) found.sort((a, b) => a - b);
    const out: T[] = [];
    let last = -1;
    for (const i of found) {
      if (i !== last) out.push(this.items[i]);
      last = i;
    }
    return out;
  }
}

/**
 * The keys of one requirement every selected workload meets (it carries one of them), or
 * undefined when the subject requires no single label value (it is tested on every workload).
 */
function anchorOf(m: PeerMatch): string[] | undefined {
  if (m.t !== 'pods') return undefined;
  const pod = inRequirement(m.podSel);
  if (pod) return pod.values.map((v) => `p\u0000${pod.key}\u0000${v}`);
  if (m.ns !== undefined) return [`s\u0000${m.ns}`];
  const ns = m.nsSel ? inRequirement(m.nsSel) : undefined;
  if (ns) return ns.values.map((v) => `n\u0000${ns.key}\u0000${v}`);
  return undefined;
}

/** The `In` requirement of a selector with the fewest values. */
function inRequirement(sel: LabelSelector): { key: string; values: readonly string[] } | undefined {
  let best: { key: string; values: readonly string[] } | undefined;
  for (const r of sel.requirements) {
    if (r.operator === 'In' && (best === undefined || r.values.length < best.values.length)) best = r;
  }
  return best;
}

function push(m: Map<string, number[]>, k: string, i: number): void {
  const l = m.get(k);
  if (l) l.push(i);
  else m.set(k, [i]);
}
