/**
 * The endpoint table: every flow endpoint the declaration resolves, of every kind, by the
 * construct that declares it. It is the planner's extension point for new kinds of endpoint.
 *
 * The resolve phase registers one {@link Endpoint} per resolved Workload and External (see
 * `phases/resolve.ts`). The flows phase looks the peers of flow statements, domain exports and
 * BreakGlass grants up here, and the guardrails phase checks flows on the kind-independent
 * data of their endpoints only: the tier and its controls, the domain, the named ports, and
 * whether the endpoint lies outside the declaration (an External). A new kind of endpoint
 * gets every one of those guardrails by registering, not by copying code:
 *
 * 1. define its {@link EndpointKind} (the `kind` of its `PlanEndpointRef`, how messages name
 *    it, how its constructs are recognised, whether a domain may export it);
 * 2. write an `EndpointReader` (see `phases/resolve.ts`) that reads its constructs, reports
 *    their problems, and registers one {@link Endpoint} each, with its tier (see `tierOf`),
 *    domain (`DomainBoundary.find`), named ports and construct path;
 * 3. add the kind to `ENDPOINT_KINDS` and the reader to `ENDPOINT_READERS` (both in
 *    `phases/resolve.ts`; a test passes them to `resolve` as `ResolveExtensions` instead),
 *    and give the plan entities their edges (`edgesOf` in `phases/assemble.ts`).
 *
 * Then flows to and from it are resolved (named ports included), and checked for tier
 * justifications, internet egress, domain exports and BreakGlass windows and approvers.
 * Rules that only hold for one kind (a Kubernetes cluster's pod CIDRs, the Istio mesh) read
 * optional fields that other kinds leave out.
 *
 * @example
 * // phases/cloud.ts (a sketch): VMs and managed services as endpoints of kind 'cloud'
 * export const CLOUD_KIND: EndpointKind = {
 *   kind: 'cloud', title: 'a CloudWorkload', noun: 'a cloud workload', exportable: true,
 *   undeclaredFix: 'declare the cloud workload inside the same Topology, or remove the flow',
 *   is: (x) => CloudWorkload.isCloudWorkload(x),
 * };
 * export const readCloudWorkloads: EndpointReader = (d, r) => {
 *   for (const vm of d.of(CloudWorkload)) {
 *     const domain = DomainBoundary.find(vm);
 *     r.endpoints.register({
 *       kind: CLOUD_KIND, ref: { kind: 'cloud', key: `cloud:${vm.network}/${vm.name}` }, construct: vm,
 *       path: vm.node.path, name: vm.name, label: `cloud:${vm.network}/${vm.name}`,
 *       tier: tierOf(vm.props.tier ?? domain?.props.tier), domain, namedPorts: ports,
 *     });
 *   }
 * };
 */
import { IConstruct } from 'constructs';
import { Sensitivity, sensitivityRank, TierControls } from '../../core/sensitivity';
import { DomainBoundary } from '../../model/domain';
import { PlanEndpointRef, PlanNamedPort, PlanTier } from '../types';

/** A kind of flow endpoint: how the planner recognises, names and treats its constructs. */
export interface EndpointKind {
  /** The `kind` of the endpoint's {@link PlanEndpointRef}. */
  readonly kind: PlanEndpointRef['kind'];
  /**
   * How a message names one of the kind, capitalised as the class is: `a Workload`,
   * `an External` (as in "neither a Workload nor an External", "an External has no named ports").
   */
  readonly title: string;
  /** How a message names one of the kind in running text: `a workload`, `an External`. */
  readonly noun: string;
  /** The fix for a flow whose peer is of this kind but declared outside the topology. */
  readonly undeclaredFix: string;
  /** Whether a DomainBoundary may declare and export endpoints of this kind. */
  readonly exportable: boolean;
  /** Whether a value (a flow's peer, an export's target) is a construct of this kind (by brand). */
  is(x: unknown): boolean;
}

/** The tier of an endpoint and its controls. */
export interface EndpointTier {
  /** The tier as the plan writes it. */
  readonly plan: PlanTier;
  /** The tier's controls (justification gap, BreakGlass window and approvers, egress). */
  readonly controls: TierControls;
}

/** One endpoint of the table: the kind-independent data the flows and guardrails phases read. */
export interface Endpoint {
  /** Its kind. */
  readonly kind: EndpointKind;
  /** How flows of the plan refer to it. */
  readonly ref: PlanEndpointRef;
  /** The construct that declares it (flow statements, exports and grants name it). */
  readonly construct: IConstruct;
  /** Construct path. */
  readonly path: string;
  /** Its short name, as messages name a flow's sides (`cart`, `stripe`). */
  readonly name: string;
  /** How a guardrail's value names it: a workload's key, an External's name. */
  readonly label: string;
  /**
   * Its tier. A tiered endpoint is held to its tier's controls: flows into it from much less
   * sensitive tiers need a justification, its flows to Externals follow the tier's internet
   * egress, and BreakGlass grants into it follow the tier's window and approvers.
   * @default - untiered: ranked as public (an External)
   */
  readonly tier?: EndpointTier;
  /**
   * The DomainBoundary it is declared in: flows into it from elsewhere must stay within what
   * the domain exports of it.
   * @default - in no domain
   */
  readonly domain?: DomainBoundary;
  /**
   * The named ports it serves, sorted by name, for resolving `Port.named(...)` in flows to it.
   * @default - it has no named ports (a named port to it is an error)
   */
  readonly namedPorts?: readonly PlanNamedPort[];
  /**
   * Set when the endpoint lies outside the declaration (an External): its FQDNs. Such an
   * endpoint cannot present a mesh identity, a tier's internet egress decides whether a flow
   * may reach it, and no BreakGlass grant may target it.
   * @default - inside the declaration
   */
  readonly external?: { readonly fqdns: readonly string[] };
  /**
   * Whether a mesh layer enforces the tier's mutual TLS on traffic into it (a workload of a
   * cluster that runs Istio): then only a public tier accepts plaintext from outside the mesh.
   * @default false
   */
  readonly meshEnforced?: boolean;
  /**
   * The Kubernetes cluster it runs in, for the rules on addressing pods across clusters.
   * @default - not in a Kubernetes cluster
   */
  readonly cluster?: string;
}

/** The sensitivity rank of an endpoint: its tier's, or the public rank when it has none. */
export function rankOf(e: Endpoint): number {
  return sensitivityRank(e.tier ? e.tier.plan.level : Sensitivity.PUBLIC);
}

/** Every endpoint the resolve phase registered, by declaring construct (see the module docs). */
export class EndpointTable {
  private readonly kindList: EndpointKind[] = [];
  private readonly byConstruct = new Map<IConstruct, Endpoint>();
  private readonly order: Endpoint[] = [];

  /** @param kinds the kinds of endpoint, in the order a peer is recognised */
  constructor(kinds: readonly EndpointKind[] = []) {
    for (const k of kinds) this.defineKind(k);
  }

  /** Adds a kind of endpoint (after the others: a peer is recognised by the first kind that claims it). */
  public defineKind(kind: EndpointKind): void {
    if (this.kindList.some((k) => k.kind === kind.kind)) throw new Error(`endpoint kind '${kind.kind}' is defined twice`);
    this.kindList.push(kind);
  }

  /** The kinds, in definition order. */
  public get kinds(): readonly EndpointKind[] {
    return this.kindList;
  }

  /** The kind of a value (a flow's peer, an export's target), if any kind claims it. */
  public kindOf(x: unknown): EndpointKind | undefined {
    return this.kindList.find((k) => k.is(x));
  }

  /**
   * Registers an endpoint. Its kind must be defined, and its construct must not have been
   * registered before (one endpoint per construct; two constructs of one key are both
   * registered, as the declaration's duplicate-name errors report them).
   */
  public register(endpoint: Endpoint): void {
    if (!this.kindList.includes(endpoint.kind)) throw new Error(`endpoint kind '${endpoint.kind.kind}' is not defined`);
    if (endpoint.kind.kind !== endpoint.ref.kind) throw new Error(`an endpoint of kind '${endpoint.kind.kind}' refers to kind '${endpoint.ref.kind}'`);
    if (this.byConstruct.has(endpoint.construct)) throw new Error(`${endpoint.path} is registered twice`);
    this.byConstruct.set(endpoint.construct, endpoint);
    this.order.push(endpoint);
  }

  /** The endpoint a construct declares, if it was registered. */
  public get(construct: unknown): Endpoint | undefined {
    return this.byConstruct.get(construct as IConstruct);
  }

  /** The endpoints of one kind (or all), in registration order. */
  public all(kind?: PlanEndpointRef['kind']): Endpoint[] {
    return kind === undefined ? [...this.order] : this.order.filter((e) => e.kind.kind === kind);
  }
}
