import * as ipaddr from 'ipaddr.js';
import { hasBrand, setBrand } from './brand';
import { fail } from './errors';

const DECIMAL_OCTET = /^(0|[1-9]\d{0,2})$/;
const PREFIX = /^(0|[1-9]\d{0,2})$/;

/**
 * Why a CIDR's text is not in the strict form the Kubernetes API server validates new objects
 * with (KEP-4858, `StrictIPCIDRValidation`): IPv4 as four decimal octets without leading zeros
 * (`012.0.0.0` is read as octal 10.0.0.0 by some parsers and as decimal 12.0.0.0 by others),
 * no hexadecimal or shortened forms (`0x0a000000`, `10/8`), no IPv6 zone, no IPv4-mapped IPv6
 * address, a decimal prefix length without leading zeros. Undefined when the form is strict.
 */
function strictFormProblem(address: string, prefix: string): string | undefined {
  if (!PREFIX.test(prefix)) return `the prefix length '${prefix}' must be a decimal number without leading zeros`;
  if (address.includes('%')) return 'an IPv6 zone (%...) is not part of a CIDR';
  const dotted = address.includes(':') ? address.slice(address.lastIndexOf(':') + 1) : address;
  if (!address.includes(':') || dotted.includes('.')) {
    const parts = dotted.split('.');
    if (parts.length !== 4 || !parts.every((x) => DECIMAL_OCTET.test(x) && Number(x) <= 255)) {
      return 'an IPv4 address must be four decimal numbers from 0 to 255 without leading zeros (no octal, hexadecimal or shortened forms)';
    }
  }
  if (address.includes(':') && /^::ffff:/i.test(address)) return 'an IPv4-mapped IPv6 address names an IPv4 network: write it as IPv4';
  return undefined;
}

/** CIDR texts already parsed by `Cidr.of`, and how many it keeps at most. */
const PARSED = new Map<string, Cidr>();
const PARSED_MAX = 100_000;
/** The parsed network address of each Cidr (kept apart, so a Cidr's own properties stay its three fields). */
const ADDRESSES = new WeakMap<Cidr, ipaddr.IPv4 | ipaddr.IPv6>();

/**
 * An IPv4 or IPv6 network in CIDR notation, normalized and validated at construction.
 *
 * @example
 * Cidr.of('10.0.0.0/16')
 * Cidr.ANY_IPV4 // 0.0.0.0/0
 */
export class Cidr {
  /** Whether a value is a Cidr, also one made by another copy of the library. */
  public static isCidr(x: unknown): x is Cidr {
    return hasBrand(x, 'Cidr');
  }

  /** Every IPv4 address. */
  public static readonly ANY_IPV4 = Cidr.of('0.0.0.0/0');
  /** Every IPv6 address. */
  public static readonly ANY_IPV6 = Cidr.of('::/0');

  /**
   * Parses a CIDR. A bare address is taken as a single host (`/32` or `/128`).
   * Host bits must be zero: `10.0.0.1/8` is an error, because it is usually a typo.
   * IPv4 must be written as Kubernetes validates it: four decimal octets without leading zeros
   * (`012.0.0.0/8` and `0x0a000000/8` are errors, not silently read as `10.0.0.0/8`).
   */
  public static of(text: string): Cidr {
    // A Cidr is immutable: the same text always gives an equal one, so a parsed text is kept.
    const known = typeof text === 'string' ? PARSED.get(text) : undefined;
    if (known) return known;
    const cidr = Cidr.parse(text);
    if (PARSED.size >= PARSED_MAX) PARSED.clear();
    PARSED.set(text, cidr);
    return cidr;
  }

  private static parse(text: string): Cidr {
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
    // ipaddr.js also reads the forms inet_aton reads (octal, hexadecimal, fewer parts): a text
    // Kubernetes rejects, or reads otherwise, must not become another network silently.
    const slash = withPrefix.lastIndexOf('/');
    const formProblem = strictFormProblem(withPrefix.slice(0, slash), withPrefix.slice(slash + 1));
    if (formProblem) {
      fail('BH-CIDR', 'Cidr.of', `not a CIDR in the form Kubernetes accepts: ${formProblem}`, text, "write four decimal octets and a prefix length, such as '10.0.0.0/8', or an IPv6 range such as '2001:db8::/32'");
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
  ) {
    setBrand(this, 'Cidr');
  }

  /** Whether this network contains the other entirely. */
  public contains(other: Cidr): boolean {
    if (other.family !== this.family || other.prefix < this.prefix) return false;
    return other.parsedAddress().match(this.parsedAddress(), this.prefix);
  }

  private parsedAddress(): ipaddr.IPv4 | ipaddr.IPv6 {
    let a = ADDRESSES.get(this);
    if (!a) {
      a = ipaddr.parse(this.address);
      ADDRESSES.set(this, a);
    }
    return a;
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
