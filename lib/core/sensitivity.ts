import { Duration } from './duration';

/** Sensitivity levels, most sensitive first. */
export enum Sensitivity {
  /** Crown jewels: identity, keys. */
  CRITICAL = 'critical',
  /** Regulated data: payments, health. */
  HIGHLY_SENSITIVE = 'highly-sensitive',
  /** Personal or business data. */
  SENSITIVE = 'sensitive',
  /** Internal services (the default for a workload with no tier). */
  INTERNAL = 'internal',
  /** Internet-facing. */
  PUBLIC = 'public',
}

/** How a tier may reach the internet directly. */
export enum InternetEgress {
  /** No external destination at all. */
  NONE = 'none',
  /** Only declared FQDN externals (no CIDR ranges). */
  FQDN_ONLY = 'fqdn-only',
  /** Any declared external, FQDN or CIDR. */
  ANY = 'any',
}

/** The controls a sensitivity level implies. Every field is enforced, not just labelled. */
export interface TierControls {
  /** Istio PeerAuthentication mode in enforce mode (always STRICT for tiers above internal). */
  readonly mtls: 'STRICT' | 'PERMISSIVE';
  /** Whether Cilium mutual authentication (`authentication.mode: required`) is demanded on ingress. */
  readonly mutualAuth: boolean;
  /** Maximum X.509 SVID lifetime issued by SPIRE. */
  readonly maxSvidTtl: Duration;
  /** Which external destinations workloads of the tier may call. */
  readonly internetEgress: InternetEgress;
  /**
   * Sources this many levels less sensitive (or more) need a written justification on the flow.
   * 2 means: `critical` ← `sensitive` / `internal` / `public` need one, `critical` ←
   * `highly-sensitive` does not.
   */
  readonly justificationGap: number;
  /** Longest allowed BreakGlass window into the tier. */
  readonly maxBreakGlassWindow: Duration;
  /** Fewest approvers a BreakGlass grant into the tier needs. */
  readonly minApprovers: number;
  /** Whether requests to the tier are audit-logged (Istio AUDIT policy). */
  readonly auditLogging: boolean;
  /** Whether cluster-scoped guardrails (ClusterNetworkPolicy Admin tier, Cilium clusterwide) are emitted. */
  readonly guardrails: boolean;
}

/** The rank of a level: critical 4, highly-sensitive 3, sensitive 2, internal 1, public 0. */
export function sensitivityRank(level: Sensitivity): number {
  switch (level) {
    case Sensitivity.CRITICAL: return 4;
    case Sensitivity.HIGHLY_SENSITIVE: return 3;
    case Sensitivity.SENSITIVE: return 2;
    case Sensitivity.INTERNAL: return 1;
    case Sensitivity.PUBLIC: return 0;
  }
}

/** The controls each level implies by default. A SensitiveTier may tighten (never loosen) them. */
export function defaultControls(level: Sensitivity): TierControls {
  switch (level) {
    case Sensitivity.CRITICAL:
      return { mtls: 'STRICT', mutualAuth: true, maxSvidTtl: Duration.minutes(15), internetEgress: InternetEgress.NONE, justificationGap: 2, maxBreakGlassWindow: Duration.hours(1), minApprovers: 2, auditLogging: true, guardrails: true };
    case Sensitivity.HIGHLY_SENSITIVE:
      return { mtls: 'STRICT', mutualAuth: true, maxSvidTtl: Duration.minutes(30), internetEgress: InternetEgress.FQDN_ONLY, justificationGap: 2, maxBreakGlassWindow: Duration.hours(4), minApprovers: 2, auditLogging: true, guardrails: true };
    case Sensitivity.SENSITIVE:
      return { mtls: 'STRICT', mutualAuth: false, maxSvidTtl: Duration.hours(1), internetEgress: InternetEgress.FQDN_ONLY, justificationGap: 2, maxBreakGlassWindow: Duration.hours(8), minApprovers: 1, auditLogging: true, guardrails: false };
    case Sensitivity.INTERNAL:
      return { mtls: 'STRICT', mutualAuth: false, maxSvidTtl: Duration.hours(4), internetEgress: InternetEgress.ANY, justificationGap: 99, maxBreakGlassWindow: Duration.hours(24), minApprovers: 1, auditLogging: false, guardrails: false };
    case Sensitivity.PUBLIC:
      return { mtls: 'STRICT', mutualAuth: false, maxSvidTtl: Duration.hours(24), internetEgress: InternetEgress.ANY, justificationGap: 99, maxBreakGlassWindow: Duration.hours(24), minApprovers: 1, auditLogging: false, guardrails: false };
  }
}
