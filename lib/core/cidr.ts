import * as ipaddr from 'ipaddr.js';
import { fail } from './errors';

/**
 * An IPv4 or IPv6 network in CIDR notation, normalized and validated at construction.
 *
 * @example
 * Cidr.of('10.0.0.0/16')
 * Cidr.ANY_IPV4 // 0.0.0.0/0
 */
export class Cidr {
  /** Every IPv4 address. */
  public static readonly ANY_IPV4 = Cidr.of('0.0.0.0/0');
  /** Every IPv6 address. */
  public static readonly ANY_IPV6 = Cidr.of('::/0');

  /**
   * Parses a CIDR. A bare address is taken as a single host (`/32` or `/128`).
   * Host bits must be zero: `10.0.0.1/8` is an error, because it is usually a typo.
   */
  public static of(text: string): Cidr {
    if (typeof text !== 'string') {
      fail('BH-CIDR', 'Cidr.of', 'not a CIDR string', text, "write an address range such as '10.0.0.0/16'");
    }
    const raw = text.trim();
    const withPrefix = raw.includes('/') ? raw : `${raw}/${raw.includes(':') ? 128 : 32}`;
    let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
    try {
      parsed = ipaddr.parseCIDR(withPrefix);
    } catch {
      return fail('BH-CIDR', 'Cidr.of', 'not a valid IPv4 or IPv6 CIDR', text, "write an address range such as '10.0.0.0/16' or '2001:db8::/32'");
    }
    const [addr, prefix] = parsed;
    const network = addr.kind() === 'ipv4'
      ? ipaddr.IPv4.networkAddressFromCIDR(withPrefix)
      : ipaddr.IPv6.networkAddressFromCIDR(withPrefix);
    if (network.toString() !== addr.toString()) {
      fail('BH-CIDR-HOST-BITS', 'Cidr.of', 'the CIDR has host bits set, so it does not name the network it seems to', text, `write '${network.toString()}/${prefix}'`);
    }
    return new Cidr(addr.kind() as 'ipv4' | 'ipv6', network.toString(), prefix);
  }

  private constructor(
    /** `ipv4` or `ipv6`. */
    public readonly family: 'ipv4' | 'ipv6',
    /** The network address. */
    public readonly address: string,
    /** The prefix length. */
    public readonly prefix: number,
  ) {}

  /** Whether this network contains the other entirely. */
  public contains(other: Cidr): boolean {
    if (other.family !== this.family || other.prefix < this.prefix) return false;
    const a = ipaddr.parse(other.address);
    return a.match(ipaddr.parse(this.address), this.prefix);
  }

  /** Whether the two networks share any address. */
  public overlaps(other: Cidr): boolean {
    return this.contains(other) || other.contains(this);
  }

  /** `10.0.0.0/16`. */
  public toString(): string {
    return `${this.address}/${this.prefix}`;
  }
}
