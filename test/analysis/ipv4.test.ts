import { formatIpv4, parseCidr, parseIpv4, partitionIpv4, rangeId, rangeWithin, rangesOverlap } from '../../lib/analysis/ipv4';

describe('ipv4', () => {
  test('addresses', () => {
    expect(parseIpv4('10.1.2.3')).toBe(0x0a010203);
    expect(parseIpv4('255.255.255.255')).toBe(0xffffffff);
    expect(parseIpv4('10.1.2')).toBeUndefined();
    expect(parseIpv4('::1')).toBeUndefined();
    expect(formatIpv4(0xc0a80001)).toBe('192.168.0.1');
  });
  test('CIDRs (host bits ignored), IPv6 recognised, garbage rejected', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ family: 'ipv4', range: [0x0a000000, 0x0affffff], prefix: 8 });
    expect(parseCidr('10.1.2.3/8')).toEqual({ family: 'ipv4', range: [0x0a000000, 0x0affffff], prefix: 8 });
    expect(parseCidr('0.0.0.0/0')).toEqual({ family: 'ipv4', range: [0, 0xffffffff], prefix: 0 });
    expect(parseCidr('1.2.3.4')).toEqual({ family: 'ipv4', range: [0x01020304, 0x01020304], prefix: 32 });
    expect(parseCidr('fd00::/8')).toEqual({ family: 'ipv6', prefix: 8 });
    expect(parseCidr('10.0.0.0/33')).toEqual({ family: 'invalid' });
    expect(parseCidr(3 as unknown as string)).toEqual({ family: 'invalid' });
  });
  test('ids and range relations', () => {
    expect(rangeId(0, 0xffffffff)).toBe('0.0.0.0-255.255.255.255');
    expect(rangeId(5, 5)).toBe('0.0.0.5');
    expect(rangeWithin(2, 3, 1, 3)).toBe(true);
    expect(rangeWithin(0, 3, 1, 3)).toBe(false);
    expect(rangesOverlap(0, 3, 3, 9)).toBe(true);
    expect(rangesOverlap(0, 2, 3, 9)).toBe(false);
  });
  test('partition at every edge', () => {
    expect(partitionIpv4([])).toEqual([[0, 0xffffffff]]);
    expect(partitionIpv4([[10, 20], [15, 30], [0, 0xffffffff]])).toEqual([
      [0, 9],
      [10, 14],
      [15, 20],
      [21, 30],
      [31, 0xffffffff],
    ]);
  });
});
