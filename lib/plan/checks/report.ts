/**
 * What a declaration check reports to: the planner's problem list. Checks live apart from the
 * planner so that each one can be read (and tested) on its own.
 */

/** Receives the problems a check finds. */
export interface Reporter {
  /** An error: synthesis stops. */
  error(code: string, where: string, message: string, value: unknown, fix: string): void;
  /** A warning: reported, synthesis goes on. */
  warn(code: string, where: string, message: string, value: unknown, fix: string): void;
}
