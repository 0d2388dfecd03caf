/**
 * The problem list the planner's phases report to, and the declaration they read.
 */
import { IConstruct } from 'constructs';
import { hasBrand } from '../../core/brand';
import { BulkheadError, cmp, Problem, show } from '../../core/errors';
import { Topology } from '../../model/topology';
import { Reporter } from '../checks/report';

/** The construct path of a construct (`(root)` for the root), or a path given as text. */
export function pathOf(where: IConstruct | string): string {
  return typeof where === 'string' ? where : where.node.path || '(root)';
}

/**
 * Collects problems while the declaration is read, in the order they are found (the planner
 * sorts them once at the end).
 */
export class Problems implements Reporter {
  /** The problems found so far, in the order found, each distinct problem once. */
  public readonly list: Problem[] = [];
  // Some checks run once per use rather than once per declaration (a platform service is
  // checked for every cluster, a domain export for every flow into it): report each distinct
  // problem once, so that the error lists every mistake exactly once.
  private readonly seen = new Set<string>();

  /** Reports an error at a construct (or a path). */
  public error(code: string, where: IConstruct | string, message: string, value: unknown, fix: string): void {
    this.push({ severity: 'error', code, path: pathOf(where), message, value: value === undefined ? undefined : show(value), fix });
  }

  /** Reports a warning at a construct (or a path). */
  public warn(code: string, where: IConstruct | string, message: string, value: unknown, fix: string): void {
    this.push({ severity: 'warning', code, path: pathOf(where), message, value: value === undefined ? undefined : show(value), fix });
  }

  /**
   * Runs a value-type factory, turning its error into problems at `where` (the factory's own
   * path in parentheses); any other exception propagates.
   */
  public value<T>(where: IConstruct | string, f: () => T): T | undefined {
    try {
      return f();
    } catch (e) {
      if (BulkheadError.isBulkheadError(e)) {
        for (const p of e.problems) this.push({ ...p, path: `${pathOf(where)} (${p.path})` });
        return undefined;
      }
      throw e;
    }
  }

  /** Whether an error has been reported. */
  public get hasErrors(): boolean {
    return this.list.some((p) => p.severity === 'error');
  }

  private push(p: Problem): void {
    const key = JSON.stringify([p.severity, p.code, p.path, p.message, p.value ?? null, p.fix]);
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.list.push(p);
  }
}

/** The declaration the phases read: the topology, the time that decides grants, and where problems go. */
export class Declaration {
  /** Where every phase reports its problems. */
  public readonly problems = new Problems();
  private readonly all: IConstruct[];

  /**
   * @param topology the topology, already checked for ill-typed input
   * @param now the time that decides which BreakGlass grants are in force
   */
  constructor(public readonly topology: Topology, public readonly now: Date) {
    this.all = topology.node.findAll();
  }

  /**
   * The constructs of a class in the topology, sorted by construct path. Recognised by brand
   * (named after the class) as well as by `instanceof`, so that constructs of another copy of
   * the library are found too.
   */
  public of<T>(cls: abstract new (...args: never[]) => T): T[] {
    return (this.all.filter((c) => c instanceof cls || hasBrand(c, cls.name)) as unknown as (T & IConstruct)[])
      .sort((a, b) => cmp(a.node.path, b.node.path));
  }
}
