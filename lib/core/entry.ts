/**
 * Argument checks of the entry points: `synthesize`, `writeManifests`, `verify`, the cdk8s and
 * Pulumi hosts, the manifest loader and the analysis. Their arguments may come from plain
 * JavaScript or a cast, so each is checked for its kind before it is read, and every argument
 * of the wrong kind is reported as a coded problem (code, path, message, value, fix), all of
 * them at once, before anything is created or written: never a `TypeError`, and never a value
 * silently read as something else (a string of paths read letter by letter, `'no'` as true).
 */
import { BulkheadError, Problem } from './errors';

/**
 * The problems found in the arguments of one call. Each check adds a problem for a value of the
 * wrong kind and says whether the value may be read.
 * @internal
 */
export class ArgCheck {
  /** Every problem found so far. */
  public readonly problems: Problem[] = [];

  /** A problem of the given code at `path`. */
  public error(code: string, path: string, message: string, value: unknown, fix: string): void {
    this.problems.push({ severity: 'error', code, path, message, value: valueText(value), fix });
  }

  /** `field must be <expected>, not <what it is>`, as `BH-INPUT-TYPE`. */
  public kind(path: string, field: string, v: unknown, expected: string, fix: string): void {
    this.error('BH-INPUT-TYPE', path, `${field} must be ${expected}, not ${describeKind(v)}`, v, fix);
  }

  /** An options (or props) object: `undefined` reads as none when `optional`. Returns the object to read, if any. */
  public options(path: string, field: string, v: unknown, example: string, optional: boolean = true): Record<string, unknown> | undefined {
    if (v === undefined && optional) return {};
    if (isRecord(v)) return v;
    this.error('BH-INPUT-PROPS', path, `${field} must be an object, not ${describeKind(v)}`, v, `pass an object: ${example}${optional ? `, or leave ${field} out` : ''}`);
    return undefined;
  }

  /** A string (non-empty unless `empty`); `undefined` passes when `optional`. */
  public text(path: string, field: string, v: unknown, example: string, o: { optional?: boolean; empty?: boolean } = {}): v is string {
    if (v === undefined && o.optional) return false;
    if (typeof v === 'string' && (o.empty || v.length > 0)) return true;
    this.kind(path, field, v, o.empty ? 'a string' : 'a non-empty string', `pass ${field}: ${example}`);
    return false;
  }

  /** A boolean; `undefined` passes (the default applies). A string such as `'no'` is not read as true. */
  public bool(path: string, field: string, v: unknown): void {
    if (v === undefined || typeof v === 'boolean') return;
    const falsy = typeof v === 'string' && /^(false|no|off|0)$/i.test(v.trim());
    this.kind(path, field, v, 'true or false', `pass ${field}: ${falsy ? 'false (the boolean, not a string)' : 'true or false (a boolean, not a string)'}, or leave it out for the default`);
  }

  /** A list whose items pass `item`; `undefined` passes when `optional`. Returns whether the list may be read. */
  public list(path: string, field: string, v: unknown, example: string, o: { optional?: boolean; item?: (x: unknown, i: number) => void } = {}): v is readonly unknown[] {
    if (v === undefined && o.optional) return false;
    if (!Array.isArray(v)) {
      this.kind(path, field, v, 'a list', `pass ${field}: ${example}${typeof v === 'string' ? ` (a list, also for one value: [${JSON.stringify(v)}])` : ''}`);
      return false;
    }
    if (o.item) v.forEach((x: unknown, i) => o.item!(x, i));
    return true;
  }

  /** A list of strings. */
  public textList(path: string, field: string, v: unknown, example: string, optional: boolean = false): void {
    this.list(path, field, v, example, {
      optional,
      item: (x, i) => { if (typeof x !== 'string') this.kind(path, `${field}[${i}]`, x, 'a string', `pass ${field}: ${example}`); },
    });
  }

  /** A function; `undefined` passes when `optional`. */
  public fn(path: string, field: string, v: unknown, example: string, optional: boolean = false): void {
    if ((v === undefined && optional) || typeof v === 'function') return;
    this.kind(path, field, v, 'a function', `pass ${field}: ${example}`);
  }

  /**
   * Throws a {@link BulkheadError} with every problem found, if any.
   * @param what the function whose arguments were checked, for the heading @default - the heading of a declaration's problems
   */
  public throwIfAny(what?: string): void {
    if (this.problems.length === 0) return;
    const n = this.problems.length;
    throw new BulkheadError(this.problems, what === undefined ? undefined : `${n} problem${n === 1 ? '' : 's'} in the arguments of ${what}:`);
  }
}

/** Whether a value is a plain object to read keys from (not null, a list or a Date). @internal */
export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !isDate(x);
}

/** Whether a value is a Date, also one of another realm (a vm context), where `instanceof` fails. @internal */
export function isDate(x: unknown): x is Date {
  return x instanceof Date || Object.prototype.toString.call(x) === '[object Date]';
}

function isConstruct(x: unknown): x is { readonly node: { readonly path: string } } {
  return typeof x === 'object' && x !== null && typeof (x as { node?: unknown }).node === 'object' && (x as { node: unknown }).node !== null
    && typeof (x as { node: { path?: unknown } }).node.path === 'string';
}

/** What kind of value it is, in words: `a string`, `null`, `a list`, `NaN`, `a Workload`. @internal */
export function describeKind(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'missing (undefined)';
  if (Array.isArray(v)) return 'a list';
  if (isDate(v)) return 'a Date';
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : 'a number';
  if (typeof v === 'object') {
    const name = (v as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' && name !== 'Object' ? `a ${name}` : 'an object';
  }
  return typeof v === 'string' ? 'a string' : `a ${typeof v}`;
}

const MAX_VALUE_TEXT = 80;

/**
 * A value rendered for a problem, short: a long string is cut (a 300 KiB reason is not
 * repeated), a construct is named by its path, a function is not printed.
 * @internal
 */
export function valueText(v: unknown): string {
  if (typeof v === 'string') {
    if (v.length <= MAX_VALUE_TEXT) return JSON.stringify(v);
    return `${JSON.stringify(v.slice(0, MAX_VALUE_TEXT))}… (${Buffer.byteLength(v, 'utf8')} bytes)`;
  }
  if (v === undefined || v === null || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (typeof v === 'symbol') return v.toString();
  if (typeof v === 'function') return 'a function';
  if (isDate(v)) return Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString();
  if (isConstruct(v)) return `${describeKind(v).replace(/^an? /, '')} ${v.node.path || '(root)'}`;
  try {
    const json = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : typeof x === 'bigint' ? String(x) : x));
    if (json !== undefined && json.length <= MAX_VALUE_TEXT * 2) return json;
  } catch {
    // circular: described below
  }
  return Array.isArray(v) ? `a list of ${v.length}` : describeKind(v);
}
