/**
 * Reading helpers shared by the decoders of the `kubernetes` layer.
 */
import { InputLocation, inputError } from '../../../errors';
import { ManifestObject } from '../../../loader';
import { ShapeSpec, decodeShape } from '../../../schema';
import { LabelSelector } from '../../../selector';
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

/** The keys of a mapping whose values are set (not null). */
export function setKeys(v: object): string[] {
  const r = v as Readonly<Record<string, unknown>>;
  return Object.keys(r).filter((k) => r[k] !== undefined && r[k] !== null);
}

/**
 * The places of the label selectors of the policy kinds: `LabelSelector.parse` reads and
 * checks them, with words of its own.
 */
export const LABEL_SELECTORS: readonly string[] = ['*.podSelector', '*.namespaceSelector', '*.namespaces'];

/**
 * The `spec` of an object as the generated type of its kind, once its shape is checked
 * against the upstream schema; `undefined` when there is none.
 *
 * @throws AnalysisInputError when the spec does not have the shape of its schema
 */
export function shapedSpec<T>(o: ManifestObject, object: string, shape: ShapeSpec): T | undefined {
  return decodeShape<T>(o.raw.spec, shape, { source: o.source, object }, 'spec');
}

/**
 * A label selector read by `LabelSelector.parse`, remembered by its text: generated policies
 * repeat the same selectors many times. Only selectors made of strings (and nulls) are
 * remembered, whose JSON text says everything the parser reads; a malformed one throws
 * before it is remembered, so every occurrence is checked.
 *
 * @param value the selector as written
 * @param at where it is, for problems (made only when needed)
 */
export function parseSelector(value: unknown, at: () => InputLocation): LabelSelector {
  if (value === undefined || value === null) return LabelSelector.EVERYTHING;
  const key = plainText(value, 0) ? JSON.stringify(value) : undefined;
  const hit = key === undefined ? undefined : SELECTORS.get(key);
  if (hit) return hit;
  const sel = LabelSelector.parse(value, at());
  if (key !== undefined) {
    if (SELECTORS.size >= 50_000) SELECTORS.clear();
    SELECTORS.set(key, sel);
  }
  return sel;
}

/** The selectors met, by JSON text. */
const SELECTORS = new Map<string, LabelSelector>();

/** Whether a value holds only strings and nulls, in lists and plain mappings (at most four deep). */
function plainText(v: unknown, depth: number): boolean {
  if (typeof v === 'string' || v === null) return true;
  if (depth > 3 || typeof v !== 'object') return false;
  if (Array.isArray(v)) return v.every((x) => plainText(x, depth + 1));
  if (Object.getPrototypeOf(v) !== Object.prototype) return false;
  for (const k of Object.keys(v)) if (!plainText((v as Record<string, unknown>)[k], depth + 1)) return false;
  return true;
}

/** A `pods` peer or subject of the cluster-wide kinds: namespaceSelector and podSelector. */
export function decodeNamespacedPod(v: { readonly namespaceSelector?: unknown; readonly podSelector?: unknown }, at: InputLocation): PeerMatch {
  if (v.podSelector === undefined || v.podSelector === null) inputError(sub(at, 'podSelector'), 'pods needs a podSelector', v, 'add podSelector ({} selects every pod)');
  return {
    t: 'pods',
    nsSel: parseSelector(v.namespaceSelector, () => sub(at, 'namespaceSelector')),
    podSel: parseSelector(v.podSelector, () => sub(at, 'podSelector')),
  };
}

/** A `namespaces` peer or subject of the cluster-wide kinds: every pod of the selected namespaces. */
export function decodeNamespaces(v: unknown, at: InputLocation): PeerMatch {
  return { t: 'pods', nsSel: parseSelector(v, () => at), podSel: LabelSelector.EVERYTHING };
}
