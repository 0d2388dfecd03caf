/**
 * Workload selectors: keys Bulkhead reserves, and selectors that would take in the pods of
 * another workload of the namespace.
 */
import { cmp } from '../../core/errors';
import { LABELS } from '../../core/names';
import { Reporter } from './report';

/** The label-key prefix Bulkhead writes on pods and objects (`bulkhead.io/tier`, …). */
export const RESERVED_LABEL_PREFIX = 'bulkhead.io';

/** Whether a label key is Bulkhead's own (prefix `bulkhead.io` or a subdomain of it). */
export function isReservedLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  if (slash < 0) return false;
  const prefix = key.slice(0, slash);
  return prefix === RESERVED_LABEL_PREFIX || prefix.endsWith(`.${RESERVED_LABEL_PREFIX}`);
}

/**
 * A workload selector must not use a key Bulkhead writes itself: bound pods carry
 * `bulkhead.io/tier`, `bulkhead.io/domain` and `bulkhead.io/workload`, so a selector on one of
 * them would take in every pod of that tier or domain, which would inherit the workload's
 * egress and its peers' ingress (and, in Cilium, its guardrails).
 */
export function checkReservedKeys(where: string, selector: Readonly<Record<string, string>>, report: Reporter): void {
  for (const k of Object.keys(selector).sort(cmp)) {
    if (!isReservedLabelKey(k)) continue;
    const what = k === LABELS.tier ? 'every pod of that tier' : k === LABELS.domain ? 'every pod of that domain' : 'pods of other workloads';
    report.error(
      'BH-LABEL-RESERVED', where,
      `the selector uses the label key '${k}', which Bulkhead writes on the pods it binds: it would take in ${what}, and they would receive this workload's policies`,
      k,
      `select the workload's own pod labels, such as { app: '<name>' }; Bulkhead adds the ${RESERVED_LABEL_PREFIX}/* labels itself`,
    );
  }
}

/** One workload of a namespace, for the overlap check. */
export interface SelectedWorkload {
  /** Construct path. */
  readonly path: string;
  /** Workload name. */
  readonly name: string;
  /** Its pod selector. */
  readonly selector: Readonly<Record<string, string>>;
  /** The labels its pods carry: the selector plus the labels the plan adds to the pod template. */
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * Two workloads of one namespace overlap when the selector of one matches the pods of the
 * other (their labels as bound: selector plus the labels the plan adds): those pods would
 * receive the other's policies. Reported once per pair, at the later of the two in path order.
 *
 * Indexed by label: each selector is matched only against the pods that carry its rarest
 * `key=value` pair, so the check grows with the number of workloads, not its square, unless
 * many selectors share all their labels.
 */
export function checkSelectorOverlaps(workloads: readonly SelectedWorkload[], report: Reporter): void {
  const list = [...workloads].sort((a, b) => cmp(a.path, b.path));
  const posting = new Map<string, number[]>();
  const pair = (k: string, v: string) => `${k}\u0000${v}`;
  list.forEach((w, i) => {
    for (const [k, v] of Object.entries(w.labels)) {
      const key = pair(k, v);
      const at = posting.get(key);
      if (at) at.push(i);
      else posting.set(key, [i]);
    }
  });
  const found = new Map<number, Set<number>>();
  list.forEach((a, i) => {
    const entries = Object.entries(a.selector);
    if (entries.length === 0) return; // an empty selector is its own error
    let rarest: number[] | undefined;
    for (const [k, v] of entries) {
      const at = posting.get(pair(k, v)) ?? [];
      if (!rarest || at.length < rarest.length) rarest = at;
    }
    for (const j of rarest ?? []) {
      if (j === i || !entries.every(([k, v]) => list[j].labels[k] === v)) continue;
      const [first, later] = i < j ? [i, j] : [j, i];
      const set = found.get(later) ?? new Set<number>();
      set.add(first);
      found.set(later, set);
    }
  });
  for (const later of [...found.keys()].sort((x, y) => x - y)) {
    for (const first of [...(found.get(later) ?? [])].sort((x, y) => x - y)) {
      const a = list[first];
      const b = list[later];
      report.error(
        'BH-SELECTOR-OVERLAP', b.path,
        `its selector overlaps the selector of ${a.path}: the pods of one would receive the other's policies`,
        { [a.name]: a.selector, [b.name]: b.selector },
        'give each workload a label the other lacks, such as app: <name>',
      );
    }
  }
}
