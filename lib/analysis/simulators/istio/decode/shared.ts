/**
 * Reading helpers shared by the decoders of the `istio` layer: metadata, the words of shape
 * problems and workload selectors.
 */
import { inputError, showValue } from '../../../errors';
import { ShapeSpec, ShapeWords, decodeShape, exampleWords } from '../../../schema';
import { at } from '../../decode';
import { isRecord } from '../../../selector';
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

/** The words of a field the upstream CRD does not define at its place (a misspelt field would silently widen or narrow the policy). */
export function unknownIstioField(known: readonly string[]): ShapeWords {
  return { message: 'is not a field Istio knows here; a misspelt field would silently widen or narrow the policy', fix: `use one of ${known.join(', ')}` };
}

/** The words of a value that should be a string, in a list written like `example`. */
export function stringItem(example: string): ShapeWords {
  return { message: 'must be a string', fix: `quote the value, for example ${example}` };
}

/** A value that is not a string, as text for a fix (any value: a mapping without a prototype too). */
function labelText(v: unknown): string {
  return typeof v === 'object' && v !== null ? showValue(v) : String(v);
}

/** The words of the shape problems of a workload selector at `path` (`matchLabels` or `labels`). */
export function workloadSelectorWords(path: string, key: 'matchLabels' | 'labels'): Readonly<Record<string, ShapeWords>> {
  return {
    [path]: exampleWords('a mapping', `{${key}: {app: web}}`),
    [`${path}.${key}`]: exampleWords('a mapping', '{app: web}'),
    [`${path}.${key}.*`]: { message: 'a label value must be a string', fix: (v, field) => `quote it: ${field.slice(field.lastIndexOf('.') + 1)}: "${labelText(v)}"` },
  };
}

/**
 * Checks that a mapping holds only the given fields: for the places the upstream schema does
 * not describe (the schema-checked places are checked by `decodeShape`).
 */
export function checkKeys(o: Readonly<Record<string, unknown>>, allowed: readonly string[], ref: string, path: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) inputError(at(ref, path ? `${path}.${k}` : k), unknownIstioField(allowed).message, k, `use one of ${allowed.join(', ')}`);
  }
}

/**
 * A workload selector (`matchLabels` or `labels`); undefined when it selects every workload.
 * Its shape (a mapping of `key` to a mapping of strings) is checked as the CRD defines it.
 */
export function readWorkloadSelector(v: unknown, ref: string, path: string, key: 'matchLabels' | 'labels'): Readonly<Record<string, string>> | undefined {
  const shape: ShapeSpec = { schema: { p: { [key]: { m: 's' } } }, mistyped: workloadSelectorWords(path, key), unknown: unknownIstioField };
  const labels = decodeShape<{ readonly [k: string]: Readonly<Record<string, string>> | null | undefined }>(v, shape, { object: ref }, path)?.[key];
  return labels && Object.keys(labels).length > 0 ? { ...labels } : undefined;
}
