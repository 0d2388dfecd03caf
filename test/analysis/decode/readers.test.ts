import { AnalysisInputError } from '../../../lib/analysis/errors';
import { at, cidrRange, optBool, optList, optRecord, optString, optStringList, portNumber } from '../../../lib/analysis/simulators/decode';
import { thrown } from '../../util/thrown';

const loc = at('Kind ns/name', 'spec.x');
const problem = (f: () => unknown) => thrown(f, AnalysisInputError).problem;

describe('decode readers', () => {
  test('absent values are undefined; values of the right shape are returned as they are', () => {
    for (const read of [optList, optRecord, optString, optStringList]) expect(read(undefined, loc, 'x')).toBeUndefined();
    expect(optList(null, loc, 'x')).toBeUndefined();
    expect(optBool(undefined, loc)).toBeUndefined();
    expect(optList([1], loc, 'x')).toEqual([1]);
    expect(optRecord({ a: 1 }, loc, 'x')).toEqual({ a: 1 });
    expect(optString('s', loc, 'x')).toBe('s');
    expect(optStringList(['a'], loc, 'x')).toEqual(['a']);
    expect(optBool(false, loc)).toBe(false);
  });

  test.each([
    ['a list', () => optList('a', loc, '[a]'), 'spec.x', 'must be a list'],
    ['a mapping', () => optRecord([], loc, '{a: b}'), 'spec.x', 'must be a mapping'],
    ['a string', () => optString(1, loc, 'a'), 'spec.x', 'must be a string'],
    ['strings', () => optStringList(['a', 2], loc, '[a]'), 'spec.x[1]', 'must be a string'],
    ['a boolean', () => optBool('true', loc), 'spec.x', 'must be true or false'],
    ['a CIDR', () => cidrRange('10.0.0.0/40', loc), 'spec.x', 'is not a valid IP address or CIDR'],
    ['a CIDR string', () => cidrRange(10, loc), 'spec.x', 'must be an IP address or CIDR string'],
    ['a port', () => portNumber('65536', loc), 'spec.x', 'is not a port number (0 to 65535)'],
  ])('a value that is not %s is a problem at its field', (_, read, field, message) => {
    expect(problem(read)).toMatchObject({ object: 'Kind ns/name', field, message });
  });

  test('CIDRs are IPv4 ranges or ipv6; ports are numbers or digit strings', () => {
    expect(cidrRange('10.0.0.0/8', loc)).toEqual([0x0a000000, 0x0affffff]);
    expect(cidrRange('203.0.113.7', loc)).toEqual([0xcb007107, 0xcb007107]);
    expect(cidrRange('2001:db8::/32', loc)).toBe('ipv6');
    expect(portNumber('8080', loc)).toBe(8080);
    expect(portNumber(0, loc)).toBe(0);
  });
});
