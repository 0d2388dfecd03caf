import { hasBrand, setBrand } from './brand';
import { fail } from './errors';

/**
 * A span of time, whole seconds, validated at construction.
 *
 * @example
 * Duration.hours(4)
 * Duration.parse('90m')
 */
export class Duration {
  /**
   * The longest duration, in seconds: 365 days. Every duration Bulkhead reads (an SVID
   * lifetime, a BreakGlass window) is far shorter; a longer one is a unit mistake
   * (`Duration.days(1e8)`), and would overflow the dates computed from it.
   */
  public static readonly MAX_SECONDS = 365 * 86400;

  /** Whether a value is a Duration, also one made by another copy of the library. */
  public static isDuration(x: unknown): x is Duration {
    return hasBrand(x, 'Duration');
  }

  /** Seconds. */
  public static seconds(n: number): Duration {
    return new Duration(n, 'Duration.seconds');
  }
  /** Minutes. */
  public static minutes(n: number): Duration {
    return new Duration(times(n, 60), 'Duration.minutes');
  }
  /** Hours. */
  public static hours(n: number): Duration {
    return new Duration(times(n, 3600), 'Duration.hours');
  }
  /** Days. */
  public static days(n: number): Duration {
    return new Duration(times(n, 86400), 'Duration.days');
  }
  /** Parses `30s`, `15m`, `4h`, `2d` or a combination such as `1h30m`. */
  public static parse(text: string): Duration {
    if (typeof text !== 'string') {
      fail('BH-DURATION', 'Duration.parse', 'not a duration string', text, "write a duration such as '30s', '15m', '4h', '2d' or '1h30m'");
    }
    const re = /(\d+)([smhd])/g;
    const units: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
    let total = 0;
    let consumed = '';
    for (const m of text.matchAll(re)) {
      total += Number(m[1]) * units[m[2]];
      consumed += m[0];
    }
    if (consumed.length === 0 || consumed !== text) {
      fail('BH-DURATION', 'Duration.parse', 'not a duration', text, "write a duration such as '30s', '15m', '4h', '2d' or '1h30m'");
    }
    return new Duration(total, 'Duration.parse');
  }

  /** The length in seconds. */
  public readonly totalSeconds: number;

  private constructor(seconds: unknown, where: string) {
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || !Number.isInteger(seconds) || seconds <= 0) {
      fail('BH-DURATION', where, 'a duration must be a positive whole number of seconds', seconds, 'use a positive duration such as Duration.minutes(15)');
    }
    if (seconds > Duration.MAX_SECONDS) {
      fail('BH-DURATION', where, `a duration may be at most 365 days (${Duration.MAX_SECONDS} seconds)`, seconds, 'check the unit: use a duration such as Duration.hours(4) or Duration.days(30)');
    }
    this.totalSeconds = seconds;
    setBrand(this, 'Duration');
  }

  /** The length in milliseconds. */
  public toMilliseconds(): number {
    return this.totalSeconds * 1000;
  }

  /** Whether this duration is longer than the other. */
  public isLongerThan(other: Duration): boolean {
    return this.totalSeconds > other.totalSeconds;
  }

  /** Go-style duration string, as Kubernetes and SPIRE fields take it: `1h30m0s`, `15m0s`. */
  public toGoString(): string {
    const h = Math.floor(this.totalSeconds / 3600);
    const m = Math.floor((this.totalSeconds % 3600) / 60);
    const s = this.totalSeconds % 60;
    return h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
  }

  /** Short human form: `4h`, `90m`, `1h30m`, `45s`. */
  public toString(): string {
    const d = Math.floor(this.totalSeconds / 86400);
    const h = Math.floor((this.totalSeconds % 86400) / 3600);
    const m = Math.floor((this.totalSeconds % 3600) / 60);
    const s = this.totalSeconds % 60;
    return [d && `${d}d`, h && `${h}h`, m && `${m}m`, s && `${s}s`].filter(Boolean).join('');
  }
}

/** `n * unit` for a number; anything else is kept as is, for the constructor to report. */
function times(n: unknown, unit: number): unknown {
  return typeof n === 'number' ? n * unit : n;
}
