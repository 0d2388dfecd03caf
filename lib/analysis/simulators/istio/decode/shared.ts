/**
 * Reading helpers shared by the decoders of the `istio` layer: metadata, field checks and
 * workload selectors.
 */
import { inputError } from '../../../errors';
import { isRecord } from '../../../selector';
import { at, optRecord } from '../../decode';
import { Meta } from '../model';

/** The metadata of an Istio object; a problem when it has no name. */
export function readMeta(obj: Readonly<Record<string, unknown>>): Meta {
  const kind = String(obj.kind);
  const m = isRecord(obj.metadata) ? obj.metadata : {};
  const name = typeof m.name === 'string' ? m.name : undefined;
  const namespace = typeof m.namespace === 'string' && m.namespace !== '' ? m.namespace : 'default';
  if (!name) inputError({ object: `${kind} ${namespace}/?`, field: 'metadata.name' }, 'the object has no name', m.name, 'set metadata.name');
  const ref = `${kind} ${namespace}/${name}`;
  const annotations: Record<string, string> = {};
  if (isRecord(m.annotations)) for (const [k, v] of Object.entries(m.annotations)) if (typeof v === 'string') annotations[k] = v;
  const created = typeof m.creationTimestamp === 'string' ? m.creationTimestamp : '';
  return { ref, namespace, name, created, annotations };
}

/**
 * Checks that a mapping holds only the fields the upstream CRD defines at this place (a
 * misspelt field would silently widen or narrow the policy).
 */
export function checkKeys(o: Readonly<Record<string, unknown>>, allowed: readonly string[], ref: string, path: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) {
      inputError(at(ref, path ? `${path}.${k}` : k), 'is not a field Istio knows here; a misspelt field would silently widen or narrow the policy', k, `use one of ${allowed.join(', ')}`);
    }
  }
}

/** A workload selector (`matchLabels` or `labels`); undefined when it selects every workload. */
export function readWorkloadSelector(v: unknown, ref: string, path: string, key: 'matchLabels' | 'labels'): Readonly<Record<string, string>> | undefined {
  const sel = optRecord(v, at(ref, path), `{${key}: {app: web}}`);
  if (!sel) return undefined;
  checkKeys(sel, [key], ref, path);
  const labels = optRecord(sel[key], at(ref, `${path}.${key}`), '{app: web}');
  if (!labels) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(labels)) {
    if (typeof val !== 'string') inputError(at(ref, `${path}.${key}.${k}`), 'a label value must be a string', val, `quote it: ${k}: "${String(val)}"`);
    out[k] = val;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
