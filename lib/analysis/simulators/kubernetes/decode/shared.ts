/**
 * Reading helpers shared by the decoders of the `kubernetes` layer.
 */
import { InputLocation, inputError } from '../../../errors';
import { ManifestObject } from '../../../loader';
import { LabelSelector, isRecord } from '../../../selector';
import { PeerMatch } from '../model';

/** Where a field of an object sits, for problems. */
export type Locate = (field: string) => InputLocation;

/** A location builder for the fields of an object described as `object`. */
export function locator(o: ManifestObject, object: string): Locate {
  return (field) => ({ source: o.source, object, field });
}

/** The same location, one field deeper. */
export function sub(at: InputLocation, field: string): InputLocation {
  return { ...at, field: `${at.field}.${field}` };
}

/** The same location, at an item of the list. */
export function item(at: InputLocation, i: number): InputLocation {
  return { ...at, field: `${at.field}[${i}]` };
}

/** A list field (absent: empty); a problem when the value is not a list. */
export function listField(v: unknown, at: InputLocation): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return inputError(at, 'this field must be a list', v, 'write it as a YAML list (- item)');
  return v;
}

/** The keys of a mapping whose values are set (not null). */
export function setKeys(v: Readonly<Record<string, unknown>>): string[] {
  return Object.keys(v).filter((k) => v[k] !== undefined && v[k] !== null);
}

/** A `pods` peer or subject of the cluster-wide kinds: namespaceSelector and podSelector. */
export function decodeNamespacedPod(v: unknown, at: InputLocation): PeerMatch {
  if (!isRecord(v)) return inputError(at, 'pods must be a mapping with namespaceSelector and podSelector', v, 'write pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: web}}}');
  if (v.podSelector === undefined || v.podSelector === null) inputError(sub(at, 'podSelector'), 'pods needs a podSelector', v, 'add podSelector ({} selects every pod)');
  return {
    t: 'pods',
    nsSel: LabelSelector.parse(v.namespaceSelector, sub(at, 'namespaceSelector')),
    podSel: LabelSelector.parse(v.podSelector, sub(at, 'podSelector')),
  };
}

/** A `namespaces` peer or subject of the cluster-wide kinds: every pod of the selected namespaces. */
export function decodeNamespaces(v: unknown, at: InputLocation): PeerMatch {
  return { t: 'pods', nsSel: LabelSelector.parse(v, at), podSel: LabelSelector.EVERYTHING };
}
