/**
 * Errors and warnings. Every problem names where it is (a construct path or a value
 * factory), what is wrong, the offending value, and how to fix it.
 */
import { hasBrand, setBrand } from './brand';

/** How serious a {@link Problem} is. */
export type Severity = 'error' | 'warning';

/** One problem found in a declaration, a value or a manifest. */
export interface Problem {
  /** `error` stops synthesis; `warning` is reported and synthesis goes on. */
  readonly severity: Severity;
  /** Where: a construct path (`prod/payments/payment-api`), or a factory such as `Port.tcp`. */
  readonly path: string;
  /** What is wrong, in one sentence. */
  readonly message: string;
  /** The offending value, rendered for humans. @default - no value is shown */
  readonly value?: string;
  /** How to fix it. */
  readonly fix: string;
  /** A stable code for tests and tooling, such as `BH-PORT-RANGE`. */
  readonly code: string;
}

/** Renders one problem as a multi-line human message. */
export function formatProblem(p: Problem): string {
  const value = p.value === undefined ? '' : `\n    value: ${p.value}`;
  return `[${p.code}] ${p.severity} at ${p.path}: ${p.message}${value}\n    fix: ${p.fix}`;
}

/**
 * Thrown when a declaration or a value is invalid. Carries every problem found, so that a
 * user fixes them all in one pass.
 */
export class BulkheadError extends Error {
  /**
   * Whether a value is a BulkheadError, also one thrown by another copy of the library
   * (where `instanceof` fails).
   */
  public static isBulkheadError(x: unknown): x is BulkheadError {
    return hasBrand(x, 'BulkheadError') && Array.isArray((x as BulkheadError).problems);
  }

  /** All problems found (errors first, then warnings), sorted by path. */
  declare public readonly problems: readonly Problem[];

  constructor(problems: readonly Problem[]) {
    const sorted = sortProblems(problems);
    const errors = sorted.filter((p) => p.severity === 'error');
    const head = `${errors.length} problem${errors.length === 1 ? '' : 's'} in the declaration:`;
    super([head, ...sorted.map((p) => '  ' + formatProblem(p))].join('\n'));
    // Not enumerable: the message already lists every problem, so an uncaught error (a cdk8s
    // app, a construct constructor) prints them once, not again as a raw array after the stack.
    Object.defineProperty(this, 'name', { value: 'BulkheadError', enumerable: false, writable: true, configurable: true });
    Object.defineProperty(this, 'problems', { value: sorted, enumerable: false, writable: false, configurable: false });
    setBrand(this, 'BulkheadError');
  }

  /** Whether any problem carries the given code. */
  public has(code: string): boolean {
    return this.problems.some((p) => p.code === code);
  }
}

/** Sorts problems deterministically: errors first, then by path, code and message. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) =>
      (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1) ||
      cmp(a.path, b.path) ||
      cmp(a.code, b.code) ||
      cmp(a.message, b.message) ||
      cmp(a.value ?? '', b.value ?? ''),
  );
}

/** Throws a {@link BulkheadError} with a single error problem. Used by value-type factories. */
export function fail(code: string, path: string, message: string, value: unknown, fix: string): never {
  throw new BulkheadError([{ severity: 'error', code, path, message, value: show(value), fix }]);
}

/** Renders a value for an error message. */
export function show(value: unknown): string {
  if (typeof value === 'string') {
    // A long text (a 300 KiB reason) is named by its start and size, not repeated.
    return value.length <= 200 ? JSON.stringify(value) : `${JSON.stringify(value.slice(0, 80))}… (${value.length} characters)`;
  }
  if (value === undefined || typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value); // NaN, not null
  if (typeof value === 'symbol') return value.toString();
  if (typeof value === 'function') return 'a function';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  try {
    return JSON.stringify(value, (_k, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : typeof x === 'bigint' ? String(x) : x)) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** Plain string comparison, independent of locale. */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
