/** Addresses and CIDRs of the aws layer, in both families. */
import * as fc from 'fast-check';
import { formatAddress, parseAddress, parseRange, rangeHolds, rangeWithinRange, rangesMeet, standInAddress } from '../../../lib/analysis/simulators/aws/address';

describe('aws addresses', () => {
  test('parse and format both families; refuse what is not an address', () => {
    expect(formatAddress(parseAddress('10.0.1.36')!)).toBe('10.0.1.36');
    expect(formatAddress(parseAddress('2001:0db8::0010')!)).toBe('2001:db8::10');
    for (const bad of ['10.0.1', '010.0.0.1', '10.0.0.256', 'fe80::1%eth0', 'x', '']) expect(parseAddress(bad)).toBeUndefined();
  });

  test('CIDRs: the network range, host bits noted, prefixes bounded by the family', () => {
    expect(parseRange('10.0.1.0/24')).toEqual({ range: { family: 'ipv4', first: 0x0a000100n, last: 0x0a0001ffn }, prefix: 24, hostBits: false });
    expect(parseRange('10.0.1.5/24')?.hostBits).toBe(true);
    expect(parseRange('2001:db8::/127')?.range.last).toBe(parseAddress('2001:db8::1')!.value);
    for (const bad of ['10.0.0.0/33', '10.0.0.0', '10.0.0.0/08', '2001:db8::/129']) expect(parseRange(bad)).toBeUndefined();
  });

  test('containment and overlap stay within a family', () => {
    const a = parseRange('10.0.0.0/16')!.range;
    const b = parseRange('10.0.2.0/24')!.range;
    const v6 = parseRange('::/0')!.range;
    expect(rangeWithinRange(b, a)).toBe(true);
    expect(rangeWithinRange(a, b)).toBe(false);
    expect(rangesMeet(a, v6)).toBe(false);
    expect(rangeHolds(v6, parseAddress('10.0.0.1')!)).toBe(false);
  });

  test('property: a stand-in address lies inside its range, away from the first four and the last, and depends on the seed only', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 8, max: 32 }), fc.string(), (n, prefix, seed) => {
      const text = `${formatAddress({ family: 'ipv4', value: BigInt(n) })}/${prefix}`;
      const r = parseRange(text)!.range;
      const a = standInAddress(r, seed);
      expect(rangeHolds(r, a)).toBe(true);
      if (r.last - r.first + 1n >= 8n) {
        expect(a.value >= r.first + 4n).toBe(true);
        expect(a.value < r.last).toBe(true);
      }
      expect(standInAddress(r, seed)).toEqual(a);
    }));
  });
});
