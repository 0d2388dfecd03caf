/**
 * A small collector of warnings for the Kubernetes-native renderers: de-duplicates by
 * (code, path, value) and returns them sorted.
 */
import { Problem, sortProblems } from '../../core/errors';

/**
 * Collects {@link Problem} warnings, once each.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export class WarningSink {
  private readonly byKey = new Map<string, Problem>();

  /** Adds a warning unless one with the same code, path and value is already there. */
  public warn(code: string, path: string, message: string, value: string | undefined, fix: string): void {
    const key = `${code}\u0000${path}\u0000${value ?? ''}`;
    if (this.byKey.has(key)) return;
    this.byKey.set(key, { severity: 'warning', code, path, message, ...(value === undefined ? {} : { value }), fix });
  }

  /** The warnings, sorted. */
  public list(): Problem[] {
    return sortProblems([...this.byKey.values()]);
  }
}
