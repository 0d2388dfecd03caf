import { hasBrand, setBrand } from './brand';
import { fail } from './errors';

/** A transport protocol that every enforcement layer understands. */
export enum Protocol {
  /** Transmission Control Protocol (the default everywhere). */
  TCP = 'TCP',
  /** User Datagram Protocol. */
  UDP = 'UDP',
  /** Stream Control Transmission Protocol. */
  SCTP = 'SCTP',
}

const NAME_RE = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/**
 * A port, a port range, or a named port of the destination, with its protocol.
 *
 * Modelled on aws-cdk `ec2.Port`: static factories, well-known constants, validation at
 * construction. A named port (`Port.named('grpc')`) is resolved against the destination
 * workload's declared ports when the plan is built.
 *
 * @example
 * Port.tcp(5432)
 * Port.tcpRange(8000, 8100)
 * Port.named('grpc')
 */
export class Port {
  /** Whether a value is a Port, also one made by another copy of the library. */
  public static isPort(x: unknown): x is Port {
    return hasBrand(x, 'Port');
  }

  /** HTTPS, TCP 443. */
  public static readonly HTTPS = Port.tcp(443);
  /** HTTP, TCP 80. */
  public static readonly HTTP = Port.tcp(80);
  /** PostgreSQL, TCP 5432. */
  public static readonly POSTGRES = Port.tcp(5432);
  /** MySQL, TCP 3306. */
  public static readonly MYSQL = Port.tcp(3306);
  /** Redis, TCP 6379. */
  public static readonly REDIS = Port.tcp(6379);
  /** DNS over UDP, 53. */
  public static readonly DNS_UDP = Port.udp(53);
  /** DNS over TCP, 53. */
  public static readonly DNS_TCP = Port.tcp(53);

  /** One TCP port. */
  public static tcp(port: number): Port {
    return new Port(Protocol.TCP, checkNumber('Port.tcp', port), undefined, undefined);
  }
  /** One UDP port. */
  public static udp(port: number): Port {
    return new Port(Protocol.UDP, checkNumber('Port.udp', port), undefined, undefined);
  }
  /** One SCTP port. */
  public static sctp(port: number): Port {
    return new Port(Protocol.SCTP, checkNumber('Port.sctp', port), undefined, undefined);
  }
  /** A TCP port range, both ends included. */
  public static tcpRange(from: number, to: number): Port {
    return Port.range(Protocol.TCP, from, to);
  }
  /** A UDP port range, both ends included. */
  public static udpRange(from: number, to: number): Port {
    return Port.range(Protocol.UDP, from, to);
  }
  /** A port range of any protocol, both ends included. */
  public static range(protocol: Protocol, from: number, to: number): Port {
    checkProtocol('Port.range', protocol);
    const where = `Port.range(${protocol})`;
    checkNumber(where, from);
    checkNumber(where, to);
    if (to < from) {
      fail('BH-PORT-RANGE', where, 'the end of a port range is below its start', `${from}-${to}`, `write Port.range(${protocol}, ${to}, ${from})`);
    }
    return from === to ? new Port(protocol, from, undefined, undefined) : new Port(protocol, from, to, undefined);
  }
  /**
   * A named port of the destination (an IANA_SVC_NAME: at most 15 lowercase letters, digits
   * and dashes, with at least one letter).
   *
   * @param protocol the protocol of the named port. @default Protocol.TCP
   */
  public static named(name: string, protocol: Protocol = Protocol.TCP): Port {
    checkProtocol('Port.named', protocol);
    if (typeof name !== 'string' || name.length === 0 || name.length > 15 || !NAME_RE.test(name) || !/[a-z]/.test(name) || name.includes('--')) {
      fail('BH-PORT-NAME', 'Port.named', 'not a valid port name (IANA_SVC_NAME: 1-15 lowercase letters, digits and single dashes, at least one letter)', name, 'use a name such as "grpc" or "http-metrics", the same as the destination declares');
    }
    return new Port(protocol, undefined, undefined, name);
  }
  /** Every port of the protocol. */
  public static all(protocol: Protocol = Protocol.TCP): Port {
    checkProtocol('Port.all', protocol);
    return new Port(protocol, 1, 65535, undefined);
  }

  /** Parses `tcp/5432`, `udp/53`, `tcp/8000-8100` or `tcp/grpc`. */
  public static parse(text: string): Port {
    const m = typeof text === 'string' ? /^(tcp|udp|sctp)\/(.+)$/i.exec(text.trim()) : null;
    if (!m) {
      fail('BH-PORT-PARSE', 'Port.parse', 'not a port', text, 'write <protocol>/<port>, for example tcp/5432, udp/53, tcp/8000-8100 or tcp/grpc');
    }
    const protocol = m[1].toUpperCase() as Protocol;
    const rest = m[2];
    const range = /^(\d+)-(\d+)$/.exec(rest);
    if (range) return Port.range(protocol, Number(range[1]), Number(range[2]));
    if (/^\d+$/.test(rest)) return Port.range(protocol, Number(rest), Number(rest));
    return Port.named(rest, protocol);
  }

  private constructor(
    /** The protocol. */
    public readonly protocol: Protocol,
    /** First port number; undefined for a named port. */
    public readonly from: number | undefined,
    /** Last port number of a range; undefined for a single port or a named port. */
    public readonly to: number | undefined,
    /** The port name; undefined for a numbered port. */
    public readonly name: string | undefined,
  ) {
    setBrand(this, 'Port');
  }

  /** Whether this is a named port that the destination must define. */
  public get isNamed(): boolean {
    return this.name !== undefined;
  }

  /** `tcp/5432`, `tcp/8000-8100`, `tcp/grpc`. */
  public toString(): string {
    const p = this.protocol.toLowerCase();
    if (this.name !== undefined) return `${p}/${this.name}`;
    return this.to === undefined ? `${p}/${this.from}` : `${p}/${this.from}-${this.to}`;
  }
}

const PROTOCOLS: readonly string[] = Object.values(Protocol);

/**
 * The protocol must be one the Kubernetes API server accepts in a NetworkPolicy or Service
 * port: exactly `TCP`, `UDP` or `SCTP` (upper case; ICMP has no ports).
 */
function checkProtocol(where: string, protocol: unknown): void {
  if (typeof protocol === 'string' && PROTOCOLS.includes(protocol)) return;
  const upper = typeof protocol === 'string' ? protocol.toUpperCase() : undefined;
  const fix = upper !== undefined && PROTOCOLS.includes(upper)
    ? `write Protocol.${upper} (the API server takes the protocol in upper case only)`
    : `use Protocol.TCP, Protocol.UDP or Protocol.SCTP${upper === 'ICMP' || upper === 'ICMPV6' ? ' (ICMP has no ports; Bulkhead segments TCP, UDP and SCTP traffic)' : ''}`;
  fail('BH-PORT-PROTOCOL', where, `not a protocol Kubernetes accepts (${PROTOCOLS.join(', ')})`, protocol, fix);
}

function checkNumber(where: string, port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    fail('BH-PORT-RANGE', where, 'a port must be a whole number from 1 to 65535', port, 'use a port from 1 to 65535, or Port.named(...) for a named port');
  }
  return port;
}
