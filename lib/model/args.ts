import { Construct } from 'constructs';
import { BulkheadError, show } from '../core/errors';

/**
 * Checks the scope and id a Bulkhead construct is created with, before the `constructs`
 * library reads them (it would throw a `TypeError` for a non-string id or a scope that is not
 * a construct). A construct cannot exist without a valid scope and id, so these fail at once,
 * with a coded problem.
 */
export function checkedScope(scope: unknown, id: unknown, kind: string, root: boolean = false): Construct {
  const where = (Construct.isConstruct(scope) ? `${scope.node.path ? scope.node.path + '/' : ''}${typeof id === 'string' ? id : '?'}` : '') || `new ${kind}`;
  if (scope === undefined ? !root : !Construct.isConstruct(scope)) {
    throw new BulkheadError([{
      severity: 'error', code: 'BH-CONSTRUCT-SCOPE', path: where,
      message: `the scope of ${article(kind)} must be a construct${root ? ' (or undefined, for a stand-alone root)' : ''}`, value: show(scope === undefined ? 'undefined' : describeValue(scope)),
      fix: kind === 'Topology' ? 'pass the cdk8s App (or undefined in a Pulumi program)' : kind === 'TopologyCharts' ? 'pass the cdk8s App as the first argument' : 'pass the Topology (or a construct inside it, such as a DomainBoundary) as the first argument',
    }]);
  }
  if (typeof id !== 'string' || id.length === 0) {
    throw new BulkheadError([{
      severity: 'error', code: 'BH-CONSTRUCT-ID', path: where,
      message: `the id of ${article(kind)} must be a non-empty string`, value: show(id),
      fix: `pass an id such as 'payments' as the second argument`,
    }]);
  }
  if (Construct.isConstruct(scope) && scope.node.tryFindChild(id) !== undefined) {
    throw new BulkheadError([{
      severity: 'error', code: 'BH-CONSTRUCT-ID', path: where,
      message: `another construct in ${scope.node.path || 'the root'} already has the id '${id}'`, value: show(id),
      fix: `give this ${kind} another id (such as '${id}-2')`,
    }]);
  }
  return scope as Construct;
}

/** A short description of a value for a problem: its type, or a construct's path. @internal */
export function describeValue(x: unknown): string {
  if (Construct.isConstruct(x)) return `${x.constructor?.name ?? 'construct'} ${x.node.path || '(root)'}`;
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'object') return `an object (${(x as object).constructor?.name ?? 'no prototype'})`;
  return typeof x;
}

/** The props object of a construct, or an empty one when none was given (the planner reports it). @internal */
export function propsOf<T>(props: T): Partial<T> {
  return typeof props === 'object' && props !== null ? props : {};
}

/** `a Workload`, `an External`. */
export function article(kind: string): string {
  return `${/^[AEIOU]/.test(kind) ? 'an' : 'a'} ${kind}`;
}
