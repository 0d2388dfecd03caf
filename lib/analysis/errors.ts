/**
 * Errors and warnings of the analysis input. The analysis never guesses: an object it cannot
 * understand is an error, never a silent allow. Every input problem is a {@link Problem} whose
 * path is `file (document N), Kind ns/name, field`.
 */
import { BulkheadError, formatProblem, Problem, Severity, sortProblems } from '../core/errors';
import { SourceRef } from './types';

/** Codes of the analysis input problems. */
export const INPUT_CODES = {
  /** A field of an object has a value its schema or the analysis does not accept. */
  field: 'BH-IN-FIELD',
  /** Input that is not tied to a field: no paths given, an unknown workload, a bad option. */
  input: 'BH-IN-INPUT',
  /** A file or folder cannot be read. */
  read: 'BH-IN-READ',
  /** A file is not valid YAML or JSON. */
  syntax: 'BH-IN-SYNTAX',
  /** The same object is defined twice. */
  duplicate: 'BH-IN-DUPLICATE',
  /** A field the object's schema does not know: the API server drops it (or `kubectl apply` rejects the object). */
  unknownField: 'BH-IN-UNKNOWN-FIELD',
  /** A required field is missing: the API server rejects the object. */
  required: 'BH-IN-REQUIRED',
  /** An apiVersion the upstream CRD of the kind does not serve. */
  version: 'BH-IN-VERSION',
  /** A policy kind the analysis does not simulate. */
  notSimulated: 'BH-IN-NOT-SIMULATED',
  /** A template or kustomization, which must be rendered before analysis. */
  renderFirst: 'BH-IN-RENDER-FIRST',
  /** A document that is not a Kubernetes object. */
  notObject: 'BH-IN-NOT-OBJECT',
  /** A workload whose apiVersion is not a Kubernetes workload API. */
  notWorkload: 'BH-IN-NOT-WORKLOAD',
  /** A host-network pod, which NetworkPolicy does not police. */
  hostNetwork: 'BH-IN-HOST-NETWORK',
  /** A folder holding the output of several clusters. */
  multiCluster: 'BH-IN-MULTI-CLUSTER',
  /** The input holds no manifest or no workload. */
  empty: 'BH-IN-EMPTY',
  /** A policy selects no workload of the input. */
  selectsNothing: 'BH-IN-SELECTS-NOTHING',
} as const;

/** Where in the input a problem is. */
export interface InputLocation {
  /** File (as given to the loader) and document index. @default - not tied to a file */
  readonly source?: SourceRef;
  /** The object, written `Kind namespace/name` or `Kind name`. @default - not tied to an object */
  readonly object?: string;
  /** The field, such as `spec.ingress[0].from[1].ipBlock.cidr`. @default - the whole object */
  readonly field?: string;
}

/** One problem in the analysed manifests. */
export interface InputProblem extends InputLocation {
  /** What is wrong, in one sentence. */
  readonly message: string;
  /** The offending value, rendered for humans. @default - no value is shown */
  readonly value?: string;
  /** How to fix it. */
  readonly fix: string;
  /** The problem's code. @default - `BH-IN-FIELD` when a field is named, `BH-IN-INPUT` otherwise */
  readonly code?: string;
}

/** The path of an input location: `file (document N), Kind ns/name, field`, or `input` when nothing is known. */
export function inputPath(at: InputLocation): string {
  const where: string[] = [];
  if (at.source) where.push(`${at.source.file} (document ${at.source.index + 1})`);
  if (at.object) where.push(at.object);
  if (at.field) where.push(at.field);
  return where.length > 0 ? where.join(', ') : 'input';
}

/** The {@link Problem} of an input problem, with the given severity. */
export function toProblem(p: InputProblem, severity: Severity = 'error'): Problem {
  return {
    severity,
    code: p.code ?? (p.field ? INPUT_CODES.field : INPUT_CODES.input),
    path: inputPath(p),
    message: p.message,
    ...(p.value === undefined ? {} : { value: p.value }),
    fix: p.fix,
  };
}

/** A warning (or, with `severity`, an information) about the input. */
export function inputWarning(at: InputLocation, code: string, message: string, fix: string, value?: unknown, severity: Severity = 'warning'): Problem {
  return toProblem({ ...at, code, message, fix, ...(value === undefined ? {} : { value: showValue(value) }) }, severity);
}

/**
 * Thrown when the input of the analysis is malformed: unreadable files, invalid YAML or JSON,
 * objects whose fields do not follow their upstream schema. It is a {@link BulkheadError}: its
 * problems name the file, the document, the object, the field, the value and the fix.
 */
export class AnalysisInputError extends BulkheadError {
  /** The first problem, with its location parts. */
  public readonly problem: InputProblem;

  /**
   * @param problem the problem (or the first of several)
   * @param more further problems found in the same pass @default - none
   */
  constructor(problem: InputProblem, more: readonly Problem[] = []) {
    const all = [toProblem(problem), ...more];
    super(all, all.length === 1 ? '' : `${all.filter((p) => p.severity === 'error').length} problems in the input:`);
    this.name = 'AnalysisInputError';
    this.problem = problem;
  }
}

/** Renders one input problem as a multi-line message (the {@link formatProblem} form). */
export function formatInputProblem(p: InputProblem): string {
  return formatProblem(toProblem(p));
}

/** Renders a parsed value for an error message (short). */
export function showValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/** Throws an {@link AnalysisInputError}. */
export function inputError(at: InputLocation & { readonly code?: string }, message: string, value: unknown, fix: string): never {
  throw new AnalysisInputError({ ...at, message, value: value === undefined ? undefined : showValue(value), fix });
}

/** A de-duplicated, sorted collection of problems, for the loader and the simulators. */
export class ProblemSet {
  private readonly byKey = new Map<string, Problem>();

  /** Adds a problem (an identical one already added is kept once). */
  public add(p: Problem): void {
    const key = JSON.stringify([p.severity, p.code, p.path, p.message, p.value ?? null, p.fix]);
    if (!this.byKey.has(key)) this.byKey.set(key, p);
  }

  /**
   * Adds a warning (or, with `severity`, an information).
   *
   * @param code the code, such as `BH-AN-CILIUM-HOST-POLICY`
   * @param path where: `Kind ns/name, field`
   * @param message what the analysis did, in one sentence
   * @param fix what to do (`nothing to do; …` for an information)
   * @param severity @default 'warning'
   */
  public warn(code: string, path: string, message: string, fix: string, severity: Severity = 'warning'): void {
    this.add({ severity, code, path, message, fix });
  }

  /** How many problems were added. */
  public get size(): number {
    return this.byKey.size;
  }

  /** Every problem, sorted. */
  public list(): Problem[] {
    return sortProblems([...this.byKey.values()]);
  }
}
