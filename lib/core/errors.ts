/**
 * Errors and warnings. Every problem names where it is (a construct path, a value factory, or
 * a manifest file, object and field), what is wrong, the offending value, and how to fix it.
 * One formatter ({@link formatProblem}) prints problems the same way everywhere: the cdk8s and
 * Pulumi hosts, the CLI and the example's `npm run synth`.
 */
import { hasBrand, setBrand } from './brand';

/**
 * How serious a {@link Problem} is.
 *
 * - `error`: stops synthesis (or the analysis);
 * - `warning`: reported, synthesis goes on; something may need the user's attention;
 * - `info`: reported for the record; there is nothing to do.
 */
export type Severity = 'error' | 'warning' | 'info';

/** One problem found in a declaration, a value or a manifest. */
export interface Problem {
  /** `error` stops synthesis; `warning` is reported and synthesis goes on; `info` needs no action. */
  readonly severity: Severity;
  /** Where: a construct path (`prod/payments/payment-api`), a factory such as `Port.tcp`, or `file (document N), Kind ns/name, field`. */
  readonly path: string;
  /** What is wrong, in one sentence. */
  readonly message: string;
  /** The offending value, rendered for humans. @default - no value is shown */
  readonly value?: string;
  /** How to fix it. */
  readonly fix: string;
  /** A stable code for tests and tooling, such as `BH-PORT-RANGE`. */
  readonly code: string;
  /**
   * The code was acknowledged on the Topology (`acknowledge`): the problem is kept in the
   * result but not printed again.
   * @default false
   */
  readonly acknowledged?: boolean;
}

/** Renders one problem as a multi-line human message: `[CODE] severity at path: message`, then the value and the fix. */
export function formatProblem(p: Problem): string {
  const value = p.value === undefined ? '' : `\n    value: ${p.value}`;
  return `[${p.code}] ${p.severity} at ${p.path}: ${p.message}${value}\n    fix: ${p.fix}`;
}

/** Options of {@link formatProblems}. */
export interface FormatProblemsOptions {
  /**
   * Print acknowledged problems too.
   * @default false
   */
  readonly includeAcknowledged?: boolean;
  /**
   * Text put before every problem's first line.
   * @default ''
   */
  readonly indent?: string;
}

/**
 * Renders problems, one {@link formatProblem} block per problem, sorted (errors first), with a
 * newline after each. Acknowledged problems are left out unless asked for. Empty when nothing
 * is left to print.
 */
export function formatProblems(problems: readonly Problem[], options: FormatProblemsOptions = {}): string {
  const indent = options.indent ?? '';
  return sortProblems(problems)
    .filter((p) => options.includeAcknowledged || !p.acknowledged)
    .map((p) => indent + formatProblem(p).split('\n').join(`\n${indent}`) + '\n')
    .join('');
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

  /** All problems found (errors first, then warnings and information), sorted by path. */
  declare public readonly problems: readonly Problem[];

  /**
   * @param problems every problem found
   * @param heading the first line of the message @default - `N problems in the declaration:`
   */
  constructor(problems: readonly Problem[], heading?: string) {
    const sorted = sortProblems(problems);
    const errors = sorted.filter((p) => p.severity === 'error');
    const head = heading ?? `${errors.length} problem${errors.length === 1 ? '' : 's'} in the declaration:`;
    super([...(head ? [head] : []), ...sorted.map((p) => (head ? '  ' : '') + formatProblem(p))].join('\n'));
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

/**
 * Marks the warnings (and information) whose code is acknowledged, and adds a `BH-ACK-UNKNOWN`
 * warning for every acknowledged code that none of them carries. Errors are never marked.
 *
 * @param problems the problems of a synthesis
 * @param codes the acknowledged codes
 * @param where the path of the acknowledging construct (the Topology)
 */
export function applyAcknowledgements(problems: readonly Problem[], codes: readonly string[], where: string): Problem[] {
  if (codes.length === 0) return [...problems];
  const ack = new Set(codes);
  const seen = new Set<string>();
  const out = problems.map((p) => {
    if (p.severity === 'error' || !ack.has(p.code)) return p;
    seen.add(p.code);
    return { ...p, acknowledged: true };
  });
  for (const c of [...ack].filter((x) => !seen.has(x)).sort(cmp)) {
    out.push({
      severity: 'warning', code: 'BH-ACK-UNKNOWN', path: where, value: JSON.stringify(c),
      message: `the acknowledged code ${c} is carried by no warning of this synthesis`,
      fix: 'correct the code, or remove it from acknowledge once it no longer applies',
    });
  }
  return sortProblems(out);
}

/**
 * Warning codes whose fix is "nothing to do": they are reported as information (`info`), not
 * as warnings. Every warning of the library was reviewed; these two describe a layer that
 * cannot express something while another layer enforces it.
 */
export const INFO_CODES: ReadonlySet<string> = new Set([
  // Istio authorizes TCP only; NetworkPolicy and Cilium enforce the other protocols
  'BH-ISTIO-NON-TCP',
  // a workload with external peers needs the world entity; the namespace default deny still applies
  'BH-CILIUM-GUARDRAIL-SKIPPED',
]);

/** The severity of a warning with the given code: `info` for {@link INFO_CODES}, `warning` otherwise. */
export function warningSeverity(code: string): 'warning' | 'info' {
  return INFO_CODES.has(code) ? 'info' : 'warning';
}

const RANK: Readonly<Record<Severity, number>> = { error: 0, warning: 1, info: 2 };

/** Sorts problems deterministically: errors first, then warnings, then information; then by path, code and message. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) =>
      (RANK[a.severity] ?? 3) - (RANK[b.severity] ?? 3) ||
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

/**
 * Sorts a list in place, as `xs.sort(order)` does; a list already in order (the usual case for
 * short lists) is left as it is, without the allocations of a sort.
 */
export function sortInPlace<T>(xs: T[], order: (a: T, b: T) => number): T[] {
  for (let i = 1; i < xs.length; i++) {
    if (order(xs[i - 1], xs[i]) > 0) return xs.sort(order);
  }
  return xs;
}
