/**
 * Errors raised when the analysis cannot read its input. The analysis never guesses: an object
 * it cannot understand is an error, never a silent allow.
 */
import { SourceRef } from './types';

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
}

/**
 * Thrown when the input of the analysis is malformed: unreadable files, invalid YAML or JSON,
 * objects whose fields do not follow their upstream schema. The message names the file, the
 * document, the object, the field, the value and the fix.
 */
export class AnalysisInputError extends Error {
  /** The problem. */
  public readonly problem: InputProblem;

  constructor(problem: InputProblem) {
    super(formatInputProblem(problem));
    this.name = 'AnalysisInputError';
    this.problem = problem;
  }
}

/** Renders one input problem as a multi-line message. */
export function formatInputProblem(p: InputProblem): string {
  const where: string[] = [];
  if (p.source) where.push(`${p.source.file} (document ${p.source.index + 1})`);
  if (p.object) where.push(p.object);
  if (p.field) where.push(p.field);
  const head = where.length > 0 ? `${where.join(', ')}: ` : '';
  const value = p.value === undefined ? '' : `\n    value: ${p.value}`;
  return `${head}${p.message}${value}\n    fix: ${p.fix}`;
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
export function inputError(at: InputLocation, message: string, value: unknown, fix: string): never {
  throw new AnalysisInputError({ ...at, message, value: value === undefined ? undefined : showValue(value), fix });
}
