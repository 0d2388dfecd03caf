/**
 * Value types reject what the Kubernetes API server would reject or read otherwise: protocols
 * other than TCP, UDP and SCTP; CIDRs in octal, hexadecimal or shortened forms; durations that
 * are not finite, not positive or longer than the documented maximum. Each error is coded and
 * names the factory, the value and the fix.
 */
import * as fc from 'fast-check';
import { BulkheadError, Cidr, Duration, Port, Protocol } from '../../lib/core';

function problemOf(f: () => unknown) {
  try {
    f();
  } catch (e) {
    if (BulkheadError.isBulkheadError(e)) return e.problems[0];
    throw e;
  }
  throw new Error('expected a BulkheadError');
}

describe('Port protocols', () => {
  test.each([
    ["Port.range('ICMP', 1, 2)", () => Port.range('ICMP' as Protocol, 1, 2), 'Port.range', /"ICMP"/, /ICMP has no ports/],
    ["Port.all('tcp')", () => Port.all('tcp' as Protocol), 'Port.all', /"tcp"/, /write Protocol\.TCP \(the API server takes the protocol in upper case only\)/],
    ["Port.named('grpc', 'Udp')", () => Port.named('grpc', 'Udp' as Protocol), 'Port.named', /"Udp"/, /Protocol\.UDP/],
    ['Port.range(null, 1, 2)', () => Port.range(null as unknown as Protocol, 1, 2), 'Port.range', /null/, /Protocol\.TCP, Protocol\.UDP or Protocol\.SCTP/],
  ])('%s is an error', (_name, f, path, value, fix) => {
    const p = problemOf(f);
    expect(p).toMatchObject({ code: 'BH-PORT-PROTOCOL', path, severity: 'error' });
    expect(p.message).toMatch(/TCP, UDP, SCTP/);
    expect(p.value).toMatch(value);
    expect(p.fix).toMatch(fix);
  });

  test('the three protocols Kubernetes accepts are accepted', () => {
    expect([Protocol.TCP, Protocol.UDP, Protocol.SCTP].map((p) => Port.all(p).toString())).toEqual(['tcp/1-65535', 'udp/1-65535', 'sctp/1-65535']);
    expect(Port.range(Protocol.SCTP, 9, 9).toString()).toBe('sctp/9');
  });

  test('Port.parse of a non-string is a coded error', () => {
    expect(problemOf(() => Port.parse(443 as unknown as string))).toMatchObject({ code: 'BH-PORT-PARSE', value: '443' });
  });
});

describe('CIDR forms', () => {
  test.each([
    ['012.0.0.0/8', /four decimal numbers .* without leading zeros/],
    ['0x0a000000/8', /no octal, hexadecimal or shortened forms/],
    ['10.010.0.0/16', /without leading zeros/],
    ['10/8', /shortened/],
    ['10.0.0/24', /four decimal numbers/],
    ['10.0.0.0/08', /prefix length '08'/],
    ['fe80::%eth0/64', /zone/],
    ['::ffff:10.0.0.0/104', /IPv4-mapped/],
  ])('%s is rejected, not re-read as another network', (text, message) => {
    const p = problemOf(() => Cidr.of(text));
    expect(p).toMatchObject({ code: 'BH-CIDR', path: 'Cidr.of', value: JSON.stringify(text) });
    expect(p.message).toMatch(/not a CIDR in the form Kubernetes accepts/);
    expect(p.message).toMatch(message);
    expect(p.fix).toMatch(/10\.0\.0\.0\/8/);
  });

  test.each([
    ['10.0.0.0/8', '10.0.0.0/8'], ['0.0.0.0/0', '0.0.0.0/0'], ['100.64.0.0/10', '100.64.0.0/10'], ['192.168.1.1', '192.168.1.1/32'],
    ['::/0', '::/0'], ['2001:DB8::/32', '2001:db8::/32'], ['64:ff9b::/96', '64:ff9b::/96'],
  ])('%s is accepted as %s', (text, canonical) => {
    expect(Cidr.of(text).toString()).toBe(canonical);
  });

  test('every dotted quad of decimal octets without leading zeros is read as written', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }), (octets) => {
      const text = octets.join('.');
      expect(Cidr.of(text).toString()).toBe(`${text}/32`);
    }));
  });

  test('an octet written with a leading zero is always rejected', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 99 }), { minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 3 }), (octets, i) => {
      const parts = octets.map(String);
      parts[i] = `0${parts[i]}`;
      // 012 is octal to some parsers and decimal to others; 048 is invalid octal: both rejected.
      expect(problemOf(() => Cidr.of(parts.join('.'))).code).toBe('BH-CIDR');
    }));
  });
});

describe('Duration bounds', () => {
  test.each([
    ['Duration.days(1e8)', () => Duration.days(1e8), 'Duration.days', /at most 365 days/],
    ['Duration.hours(0)', () => Duration.hours(0), 'Duration.hours', /positive whole number/],
    ['Duration.minutes(-5)', () => Duration.minutes(-5), 'Duration.minutes', /positive whole number/],
    ['Duration.seconds(Infinity)', () => Duration.seconds(Infinity), 'Duration.seconds', /positive whole number/],
    ['Duration.hours(NaN)', () => Duration.hours(Number.NaN), 'Duration.hours', /positive whole number/],
    ["Duration.hours('2')", () => Duration.hours('2' as unknown as number), 'Duration.hours', /positive whole number/],
    ['Duration.parse(42)', () => Duration.parse(42 as unknown as string), 'Duration.parse', /not a duration/],
    ["Duration.parse('400d')", () => Duration.parse('400d'), 'Duration.parse', /at most 365 days/],
  ])('%s is a coded error', (_name, f, path, message) => {
    const p = problemOf(f);
    expect(p).toMatchObject({ code: 'BH-DURATION', path });
    expect(p.message).toMatch(message);
    expect(p.fix.length).toBeGreaterThan(10);
  });

  test('the maximum is documented and accepted', () => {
    expect(Duration.MAX_SECONDS).toBe(365 * 86400);
    expect(Duration.days(365).totalSeconds).toBe(Duration.MAX_SECONDS);
  });

  test('every accepted duration gives a valid expiry from any start of this century', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: Duration.MAX_SECONDS }), fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }), (s, start) => {
      const d = Duration.seconds(s);
      expect(Number.isNaN(new Date(start.getTime() + d.toMilliseconds()).getTime())).toBe(false);
    }));
  });
});

describe('brands', () => {
  test('value types are recognised by brand, not by prototype', () => {
    expect(Port.isPort(Port.tcp(1))).toBe(true);
    expect(Port.isPort({ protocol: 'TCP', from: 1 })).toBe(false);
    expect(Duration.isDuration(Duration.hours(1))).toBe(true);
    expect(Duration.isDuration({ totalSeconds: 3600 })).toBe(false);
    expect(Cidr.isCidr(Cidr.ANY_IPV4)).toBe(true);
    expect(Cidr.isCidr('0.0.0.0/0')).toBe(false);
    // The brand is a registered symbol: the same in every copy of the library.
    expect(Object.getOwnPropertySymbols(Port.tcp(1))).toContain(Symbol.for('bulkhead.Port'));
  });
});

describe('values in problems', () => {
  test.each([
    ['Port.tcp(NaN)', () => Port.tcp(Number.NaN), 'NaN'],
    ['Port.tcp(Infinity)', () => Port.tcp(Infinity), 'Infinity'],
    ['Duration.hours(-Infinity)', () => Duration.hours(-Infinity), '-Infinity'],
    ['Port.named(a function)', () => Port.named((() => 'grpc') as unknown as string), 'a function'],
    ['Cidr.of(a long text)', () => Cidr.of('1'.repeat(5000)), `"${'1'.repeat(80)}"… (5000 characters)`],
    ['Cidr.of(an object with a circular reference)', () => { const o: Record<string, unknown> = {}; o.o = o; return Cidr.of(o as unknown as string); }, '[object Object]'],
  ])('%s shows the value as it is', (_name, f, value) => {
    expect(problemOf(f).value).toBe(value);
  });
});
