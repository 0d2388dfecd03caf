import { mergeIntervals, subtractIntervals } from '../core/intervals';

/**
 * A set of (protocol, port) pairs: per protocol, sorted disjoint inclusive ranges.
 * Immutable; every operation returns a new set.
 */

/** Protocols the analysis reasons about. */
export type L4Protocol = 'TCP' | 'UDP' | 'SCTP';

/** All protocols, in the order used for printing. */
export const L4_PROTOCOLS: readonly L4Protocol[] = ['SCTP', 'TCP', 'UDP'];

/** An inclusive port range. */
export type PortRange = readonly [number, number];

/** An immutable set of (protocol, port) pairs. */
export class PortSet {
  /** The empty set. */
  public static readonly EMPTY = new PortSet({ SCTP: [], TCP: [], UDP: [] });
  /** Every port of TCP, UDP and SCTP. */
  public static readonly ALL = new PortSet({ SCTP: [[1, 65535]], TCP: [[1, 65535]], UDP: [[1, 65535]] });

  /** Every port of one protocol. */
  public static allOf(protocol: L4Protocol): PortSet {
    return PortSet.of(protocol, 1, 65535);
  }

  /** One port or one range of one protocol. */
  public static of(protocol: L4Protocol, from: number, to: number = from): PortSet {
    const r: Record<L4Protocol, PortRange[]> = { SCTP: [], TCP: [], UDP: [] };
    r[protocol] = [[from, to]];
    return new PortSet(r);
  }

  /** The union of many sets. */
  public static unionAll(sets: Iterable<PortSet>): PortSet {
    let acc = PortSet.EMPTY;
    for (const s of sets) acc = acc.union(s);
    return acc;
  }

  private constructor(private readonly ranges: Readonly<Record<L4Protocol, readonly PortRange[]>>) {}

  /** The ranges of one protocol, sorted and disjoint. */
  public rangesOf(protocol: L4Protocol): readonly PortRange[] {
    return this.ranges[protocol];
  }

  /** Whether the set holds the port. */
  public has(protocol: L4Protocol, port: number): boolean {
    return this.ranges[protocol].some(([a, b]) => port >= a && port <= b);
  }

  /** Whether the set is empty. */
  public isEmpty(): boolean {
    return this.ranges.SCTP.length === 0 && this.ranges.TCP.length === 0 && this.ranges.UDP.length === 0;
  }

  /** Whether the set holds every port of TCP, UDP and SCTP. */
  public isAll(): boolean {
    return whole(this.ranges.SCTP) && whole(this.ranges.TCP) && whole(this.ranges.UDP);
  }

  /** Set union. */
  public union(other: PortSet): PortSet {
    if (other === this || other.isEmpty()) return this;
    if (this.isEmpty()) return other;
    return this.combine(other, (a, b) => {
      if (b.length === 0 || whole(a)) return a;
      if (a.length === 0 || whole(b)) return b;
      return normalize([...a, ...b]);
    });
  }

  /** Set intersection. */
  public intersect(other: PortSet): PortSet {
    if (other === this || other === PortSet.ALL) return this;
    if (this === PortSet.ALL) return other;
    return this.combine(other, (a, b) => {
      if (a.length === 0 || whole(b)) return a;
      if (b.length === 0 || whole(a)) return b;
      const out: PortRange[] = [];
      for (const [x, y] of a) {
        for (const [c, d] of b) {
          const lo = Math.max(x, c);
          const hi = Math.min(y, d);
          if (lo <= hi) out.push([lo, hi]);
        }
      }
      return normalize(out);
    });
  }

  /** Set difference: this minus other. */
  public subtract(other: PortSet): PortSet {
    if (other === this || this === PortSet.EMPTY) return PortSet.EMPTY;
    if (other.isEmpty()) return this;
    return this.combine(other, (a, b) => (a.length === 0 || b.length === 0 ? a : subtractIntervals(a, b)));
  }

  /** Whether both sets hold the same pairs. */
  public equals(other: PortSet): boolean {
    return other === this || this.toString() === other.toString();
  }

  /**
   * `All Connections`, or per protocol in alphabetical order, ports ascending, consecutive
   * ports merged: `SCTP 7070,TCP 8080-8081,UDP 53`. Empty is `No Connections`.
   */
  public toString(): string {
    let text = TEXTS.get(this);
    if (text === undefined) {
      text = this.describe();
      TEXTS.set(this, text);
    }
    return text;
  }

  private describe(): string {
    if (this.isAll()) return 'All Connections';
    if (this.isEmpty()) return 'No Connections';
    const parts: string[] = [];
    for (const p of L4_PROTOCOLS) {
      const rs = this.ranges[p];
      if (rs.length === 0) continue;
      parts.push(`${p} ${rs.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',')}`);
    }
    return parts.join(',');
  }

  /**
   * The set made of `f` of the ranges of each protocol in both sets; this set or the other
   * itself when every protocol's answer is its ranges (the ranges are never changed, so sets
   * share them).
   */
  private combine(other: PortSet, f: (a: readonly PortRange[], b: readonly PortRange[]) => readonly PortRange[]): PortSet {
    const sctp = f(this.ranges.SCTP, other.ranges.SCTP);
    const tcp = f(this.ranges.TCP, other.ranges.TCP);
    const udp = f(this.ranges.UDP, other.ranges.UDP);
    if (sctp === this.ranges.SCTP && tcp === this.ranges.TCP && udp === this.ranges.UDP) return this;
    if (sctp === other.ranges.SCTP && tcp === other.ranges.TCP && udp === other.ranges.UDP) return other;
    if (sctp.length + tcp.length + udp.length === 0) return PortSet.EMPTY;
    return new PortSet({ SCTP: sctp, TCP: tcp, UDP: udp });
  }
}

/** The text of each set, made on first use (kept apart so that sets compare by their ranges alone). */
const TEXTS = new WeakMap<PortSet, string>();

/** Whether the ranges of a protocol are its every port. */
function whole(rs: readonly PortRange[]): boolean {
  return rs.length === 1 && rs[0][0] === 1 && rs[0][1] === 65535;
}

function normalize(ranges: PortRange[]): PortRange[] {
  return mergeIntervals(ranges);
}
