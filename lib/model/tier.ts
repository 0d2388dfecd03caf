import { Construct } from 'constructs';
import { hasBrand, setBrand } from '../core/brand';
import { checkedScope, propsOf } from './args';
import { Duration } from '../core/duration';
import { defaultControls, InternetEgress, Sensitivity, TierControls } from '../core/sensitivity';

/** Properties of a {@link SensitiveTier}. Overrides may only tighten the level's controls. */
export interface SensitiveTierProps {
  /** The sensitivity level. */
  readonly level: Sensitivity;
  /**
   * Name, written as the `bulkhead.io/tier` label value.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Maximum SVID lifetime (at most the level's default).
   * @default - the level's default (critical 15m, highly-sensitive 30m, sensitive 1h, internal 4h, public 24h)
   */
  readonly maxSvidTtl?: Duration;
  /**
   * External egress allowed (at most the level's default).
   * @default - the level's default (critical none, highly-sensitive and sensitive FQDN only, else any)
   */
  readonly internetEgress?: InternetEgress;
  /**
   * Longest BreakGlass window into the tier (at most the level's default).
   * @default - the level's default (critical 1h, highly-sensitive 4h, sensitive 8h, else 24h)
   */
  readonly maxBreakGlassWindow?: Duration;
  /**
   * Fewest approvers of a BreakGlass grant into the tier (at least the level's default).
   * @default - the level's default (critical and highly-sensitive 2, else 1)
   */
  readonly minApprovers?: number;
  /**
   * Audit-log requests into the tier (may only turn it on).
   * @default - the level's default (on for critical, highly-sensitive, sensitive)
   */
  readonly auditLogging?: boolean;
  /**
   * Require Cilium mutual authentication on ingress (may only turn it on).
   * @default - the level's default (on for critical and highly-sensitive)
   */
  readonly mutualAuth?: boolean;
}

/**
 * A sensitivity level with the controls it implies, enforced in every layer: mTLS mode,
 * maximum SVID TTL, external egress, who may reach it (flows from much less sensitive tiers
 * need a justification), BreakGlass window and approvers, audit logging, cluster-scoped guardrails.
 *
 * @example
 * const payments = new SensitiveTier(topo, 'payments', { level: Sensitivity.HIGHLY_SENSITIVE });
 */
export class SensitiveTier extends Construct {
  /** Whether a value is a SensitiveTier, also one made by another copy of the library. */
  public static isSensitiveTier(x: unknown): x is SensitiveTier {
    return hasBrand(x, 'SensitiveTier');
  }

  /** The level. */
  public readonly level: Sensitivity;
  /** The tier's name (label value). */
  public readonly tierName: string;
  /** Properties as declared (validated when the plan is built). */
  public readonly props: SensitiveTierProps;

  constructor(scope: Construct, id: string, props: SensitiveTierProps) {
    super(checkedScope(scope, id, 'SensitiveTier'), id);
    setBrand(this, 'SensitiveTier');
    this.props = props;
    this.level = propsOf(props).level as Sensitivity;
    this.tierName = propsOf(props).name ?? id;
  }

  /** The effective controls: the level's defaults tightened by the overrides. */
  public get controls(): TierControls {
    const d = defaultControls(this.level);
    const p = propsOf(this.props);
    return {
      ...d,
      maxSvidTtl: p.maxSvidTtl ?? d.maxSvidTtl,
      internetEgress: p.internetEgress ?? d.internetEgress,
      maxBreakGlassWindow: p.maxBreakGlassWindow ?? d.maxBreakGlassWindow,
      minApprovers: p.minApprovers ?? d.minApprovers,
      auditLogging: p.auditLogging ?? d.auditLogging,
      mutualAuth: p.mutualAuth ?? d.mutualAuth,
    };
  }
}
