/**
 * Brands recognise Bulkhead's constructs and value types across copies of the library (a
 * compiled CLI and a declaration that imports the sources; a global CLI and a local
 * dependency; a monorepo with two installs). `instanceof` fails across copies; a brand is a
 * property keyed by a registered symbol (`Symbol.for`), the same in every copy, as the
 * `constructs` library recognises its own constructs.
 *
 * The brand's value is the shape version of the branded type. A value whose shape version
 * differs comes from a copy this one cannot read: it is reported as such, not misread.
 */

/** The shape version of every branded type of this copy. Raise it when a shape changes incompatibly. */
export const BRAND_VERSION = 1;

/** The registered symbol of a brand, such as `bulkhead.Workload`. */
export function brandSymbol(name: string): symbol {
  let s = SYMBOLS.get(name);
  if (s === undefined) {
    s = Symbol.for(`bulkhead.${name}`);
    SYMBOLS.set(name, s);
  }
  return s;
}

const SYMBOLS = new Map<string, symbol>();

/** Marks an object with a brand (non-enumerable, read-only). */
export function setBrand(target: object, name: string): void {
  Object.defineProperty(target, brandSymbol(name), { value: BRAND_VERSION, enumerable: false, writable: false, configurable: false });
}

/** The shape version a value is branded with, or undefined when it carries no such brand. */
export function brandVersion(x: unknown, name: string): number | undefined {
  if ((typeof x !== 'object' && typeof x !== 'function') || x === null) return undefined;
  const v = (x as Record<symbol, unknown>)[brandSymbol(name)];
  if (v === true) return BRAND_VERSION; // brands written as `true` (Topology, before versions)
  return typeof v === 'number' ? v : undefined;
}

/** Whether a value carries the brand at this copy's shape version. */
export function hasBrand(x: unknown, name: string): boolean {
  return brandVersion(x, name) === BRAND_VERSION;
}

/** Whether a value carries the brand at another shape version (a copy this one cannot read). */
export function hasForeignBrand(x: unknown, name: string): boolean {
  const v = brandVersion(x, name);
  return v !== undefined && v !== BRAND_VERSION;
}
