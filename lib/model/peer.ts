import { IConstruct } from 'constructs';
import { Port } from '../core/port';

/** An L7 HTTP constraint: any of the methods on any of the paths. */
export interface HttpMatch {
  /**
   * HTTP methods, such as `GET`.
   * @default - any method
   */
  readonly methods?: string[];
  /**
   * Paths: exact (`/api/v1/pay`), prefix (`/api/*`) or suffix (`*.json`), as Istio writes them.
   * @default - any path
   */
  readonly paths?: string[];
}

/** Options of a flow statement (`allowTo` / `allowFrom`). */
export interface FlowOptions {
  /**
   * L7 HTTP constraints, enforced by the layers that can (Istio, Cilium). L3/L4 layers enforce the ports.
   * @default - no L7 constraint
   */
  readonly http?: HttpMatch | HttpMatch[];
  /**
   * Why a flow into a much more sensitive tier is needed. Required when the destination tier
   * demands it (see SensitiveTier); written into the emitted policies as an annotation, so at
   * most 1024 bytes (`TEXT_LIMITS.justification`).
   * @default - none
   */
  readonly justification?: string;
}

/** Anything a flow can start or end at: a {@link Workload}, an {@link External}, a {@link VmFleet} or a {@link ManagedService}. */
export interface IPeer extends IConstruct {
  /** `workload`, `external`, `vm` or `managed-service` (public: a type missing it is not assignable to IPeer). */
  readonly peerKind: 'workload' | 'external' | 'vm' | 'managed-service';
  /** The peer's name (unique among peers of its kind in its scope). */
  readonly peerName: string;
}

/** One flow as the user declared it, before validation and normalization. */
export interface FlowStatement {
  /** Construct path of the statement (the construct whose method was called). */
  readonly path: string;
  /** The source. */
  readonly source: IPeer;
  /** The destination. */
  readonly destination: IPeer;
  /** Ports as declared (may be named ports of the destination). */
  readonly ports: readonly Port[];
  /** Options. */
  readonly options: FlowOptions;
}

/** Normalizes a single port or a list of ports to a list. */
export function portList(ports: Port | readonly Port[]): Port[] {
  return Array.isArray(ports) ? [...ports] : [ports as Port];
}
