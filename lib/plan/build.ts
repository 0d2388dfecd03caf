/**
 * Declaration → plan. Validates the whole declaration (every problem at once, each with its
 * construct path, value and fix), then normalizes it: sorted, de-duplicated, named ports
 * resolved, both directions of every flow explicit, platform flows added, BreakGlass grants
 * in force expanded into flows.
 *
 * The planner runs in phases, each a module of `phases/`:
 *
 * 1. resolve (`phases/resolve.ts`): the topology's settings, tiers, clusters and their
 *    platform services, Externals, workloads, domains and their exports; every flow endpoint
 *    registered in the endpoint table (`phases/endpoints.ts`, the extension point for new
 *    kinds of endpoint); the cloud half (`cloud.ts`: networks, VM fleets, managed services)
 *    registers as such an extension;
 * 2. flows, read (`phases/flows.ts`): flow statements and BreakGlass grants as candidate
 *    flows between endpoints of the table;
 * 3. guardrails (`phases/guardrails.ts`): tier justifications, plaintext, internet egress,
 *    domain exports, addressing across clusters, BreakGlass windows and approvers;
 * 4. flows, built (`phases/flows.ts`): declared flows merged, platform flows, the flows of
 *    the grants in force;
 * 5. assemble (`phases/assemble.ts`): the sorted plan, each workload with its edges.
 */
import { BulkheadError, Problem, sortProblems } from '../core/errors';
import { Topology } from '../model/topology';
import { Plan } from './types';
import { mergePorts } from './ports';
import { checkInput } from './input';
import { assemble } from './phases/assemble';
import { declaredFlows, grantFlows, platformFlows, readGrants, readStatements, withAmbient } from './phases/flows';
import { checkGuardrails } from './phases/guardrails';
import { Declaration } from './phases/problems';
import { resolve } from './phases/resolve';
import { CLOUD_EXTENSIONS } from './cloud';
import { checkDeclaredFederation } from './checks/federation';

export { mergePorts };
export { MESH_CONTROL_PLANE_PORT } from './phases/flows';

/** Options of {@link buildPlan}. */
export interface BuildPlanOptions {
  /**
   * The time that decides which BreakGlass grants are in force.
   * @default - the topology's clock
   */
  readonly now?: Date;
}

/**
 * Validates a topology and builds its plan. Throws a {@link BulkheadError} listing every
 * error (and the warnings) when the declaration is invalid; nothing is rendered then.
 */
export function buildPlan(topology: Topology, options: BuildPlanOptions = {}): Plan {
  const { plan, problems } = planWithProblems(topology, options);
  if (problems.some((p) => p.severity === 'error')) throw new BulkheadError(problems);
  return plan;
}

/** What {@link planWithProblems} returns. */
export interface PlanWithProblems {
  /**
   * The plan of what resolved. When `problems` holds errors it is partial: the entities and
   * flows with an error are left out, and of two entities with one name only the first is kept.
   */
  readonly plan: Plan;
  /** Every error and warning of the declaration, sorted (the plan's `warnings` are its warnings). */
  readonly problems: readonly Problem[];
}

/**
 * Validates a topology and builds the plan of what resolved, without throwing on errors, so
 * that later checks (each layer's own constraints) can report their problems together with
 * the declaration's in one run. Never render a plan whose problems hold errors.
 */
export function planWithProblems(topology: Topology, options: BuildPlanOptions = {}): PlanWithProblems {
  // Ill-typed input (plain JavaScript, casts) is reported first, every problem at once: the
  // planner below reads the declaration as typed.
  const input = checkInput(topology, (options ?? {}).now);
  if (input.problems.length > 0 || !input.now) throw new BulkheadError(input.problems);
  const d = new Declaration(topology, input.now);
  const r = resolve(d, CLOUD_EXTENSIONS);
  const statements = readStatements(d, r);
  const grants = readGrants(d, r);
  checkGuardrails(r, statements, grants, d.problems);
  const inForce = grantFlows(grants);
  const flows = [...declaredFlows(statements), ...platformFlows(d, r), ...inForce.flows];
  checkDeclaredFederation(r, flows, d.problems);
  const problems = sortProblems(d.problems.list);
  // Istio ambient mode: the waypoints' pods and the HBONE tunnels the data plane opens (phases/flows.ts).
  return { plan: withAmbient(assemble({ declaration: d, resolution: r, flows, grants: inForce.grants, problems })), problems };
}
