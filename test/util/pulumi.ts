/**
 * Pulumi runtime mocks shared by the host tests: every registered resource is recorded, its
 * state is its inputs, its id `<name>-id`.
 */
import * as pulumi from '@pulumi/pulumi';

/** A resource the program registered. */
export interface Created {
  /** The resource type token. */
  readonly type: string;
  /** The logical name. */
  readonly name: string;
  /** The inputs, resolved. */
  readonly inputs: Record<string, unknown>;
  /** The provider reference. */
  readonly provider?: string;
  /** The id given when an existing resource is read (`get`). */
  readonly id?: string;
}

/**
 * Installs the mocks for a project and stack and returns the list the resources are recorded in.
 * Call it at module level, before any resource is created (outputs never resolve otherwise). A
 * resource read with `get` keeps the id it was read with. `outputs` adds provider-computed
 * outputs to a resource's state (such as a rule's `securityGroupRuleId`).
 */
export function recordResources(project: string, stack = 'test', outputs?: (type: string, name: string) => Record<string, unknown>): Created[] {
  const created: Created[] = [];
  pulumi.runtime.setMocks({
    newResource: (args) => {
      created.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider, ...(args.id ? { id: args.id } : {}) });
      return { id: args.id || `${args.name}-id`, state: { ...args.inputs, ...(outputs ? outputs(args.type, args.name) : {}) } };
    },
    call: (args) => args.inputs,
  }, project, stack, false);
  return created;
}

/** The value of an output, once resolved. */
export function settle<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply(resolve));
}

/** Sorts object keys recursively, so that key order does not matter in comparisons. */
export function canonical(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(canonical);
  if (x && typeof x === 'object') return Object.fromEntries(Object.keys(x).sort().map((k) => [k, canonical((x as Record<string, unknown>)[k])]));
  return x;
}
