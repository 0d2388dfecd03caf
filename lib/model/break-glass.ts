import { Construct } from 'constructs';
import { hasBrand, setBrand } from '../core/brand';
import { checkedScope, propsOf } from './args';
import { Duration } from '../core/duration';
import { Port } from '../core/port';
import { IPeer, portList } from './peer';
import { DomainMember } from './domain';

/** Properties of a {@link BreakGlass} grant. */
export interface BreakGlassProps {
  /**
   * Grant name (a DNS label), written on every object that implements it.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Who gets access: workload identities, or the access workload (bastion, Teleport, …)
   * through which a human group connects (name the group with `group`).
   */
  readonly from: IPeer[];
  /**
   * The human group that uses the access workload, for the audit trail (at most 253 bytes).
   * @default - none
   */
  readonly group?: string;
  /** What they may reach: Kubernetes workloads, VM fleets or managed services. */
  readonly to: DomainMember[];
  /** Which ports. */
  readonly ports: Port | Port[];
  /**
   * Start of the window: a Date, or an RFC 3339 string with a time zone
   * (`'2026-11-22T20:00:00Z'`; a text without one would be read in the machine's time zone).
   */
  readonly start: Date | string;
  /** Length of the window (at most `Duration.MAX_SECONDS`, 365 days). The grant expires at `start + duration`. */
  readonly duration: Duration;
  /** Why: written into an annotation, at most 1024 bytes (`TEXT_LIMITS.reason`); link to the details. */
  readonly reason: string;
  /**
   * Incident or change ticket (at most 253 bytes).
   * @default - none
   */
  readonly ticket?: string;
  /** Who approved it (at least the destination tier's minimum; at most 20 names of at most 253 bytes each). */
  readonly approvers: string[];
}

/**
 * Time-boxed emergency access, rendered into every layer with labels and annotations that
 * name it, plus an audit policy. A grant past its expiry is never emitted (a warning, or an
 * error in strict mode); an in-cluster reaper deletes its objects at expiry even if nobody
 * synthesizes again. The topology's clock decides, so synthesis stays deterministic.
 *
 * @example
 * new BreakGlass(topo, 'db-oncall', {
 *   from: [oncall], to: [paymentDb], ports: Port.POSTGRES,
 *   start: '2026-11-22T20:00:00Z', duration: Duration.hours(2),
 *   reason: 'restore a corrupted ledger row', ticket: 'INC-4711', approvers: ['alice', 'bob'],
 * });
 */
export class BreakGlass extends Construct {
  /** Whether a value is a BreakGlass grant, also one made by another copy of the library. */
  public static isBreakGlass(x: unknown): x is BreakGlass {
    return hasBrand(x, 'BreakGlass');
  }

  /** The grant's name. */
  public readonly grantName: string;
  /** Properties as declared (validated when the plan is built). */
  public readonly props: BreakGlassProps;

  constructor(scope: Construct, id: string, props: BreakGlassProps) {
    super(checkedScope(scope, id, 'BreakGlass'), id);
    setBrand(this, 'BreakGlass');
    this.props = props;
    this.grantName = propsOf(props).name ?? id;
  }

  /** The ports as a list. */
  public get portList(): Port[] {
    return portList(propsOf(this.props).ports ?? []);
  }
}
