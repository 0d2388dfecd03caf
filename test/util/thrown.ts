/**
 * The error a function throws, of the expected class: the test fails when it throws nothing,
 * or an error of another class (which is rethrown, so its stack shows).
 */
import { BulkheadError, Problem } from '../../lib/core/errors';

/** A class of errors, such as `BulkheadError` or `AnalysisInputError`. */
type ErrorClass<E extends Error> = abstract new (...args: never[]) => E;

/** The {@link BulkheadError} (or, with `cls`, the error of that class) that `f` throws. */
export function thrown<E extends Error = BulkheadError>(f: () => unknown, cls: ErrorClass<E> = BulkheadError as unknown as ErrorClass<E>): E {
  try {
    f();
  } catch (e) {
    if (e instanceof cls) return e;
    throw e;
  }
  throw new Error(`expected a ${cls.name}`);
}

/** The problems of the {@link BulkheadError} that `f` throws. */
export function problemsThrown(f: () => unknown): readonly Problem[] {
  return thrown(f).problems;
}
