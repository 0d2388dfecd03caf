import * as fc from 'fast-check';
import { jsonCopy } from '../../lib/targets/common';

/** Plain data as the renderers build it: JSON values, with undefined fields and items mixed in. */
const plain: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null), fc.constant(undefined), fc.boolean(), fc.string(), fc.double(), fc.integer(),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('__proto__', '0', '10', 'constructor')), tie('value'), { maxKeys: 5, noNullPrototype: true }),
  ),
})).value;

describe('jsonCopy', () => {
  test('is the value of a JSON round trip (same text, fields in the same order)', () => {
    fc.assert(fc.property(plain, (v) => {
      expect(JSON.stringify(jsonCopy(v))).toBe(JSON.stringify(v));
      if (v !== undefined) expect(jsonCopy(v)).toEqual(JSON.parse(JSON.stringify(v)));
    }), { numRuns: 500 });
  });

  test('shares no object or array with its input', () => {
    const rules = [{ from: [{ source: { principals: ['a'] } }], to: [{ operation: { ports: ['80'] } }] }];
    const copy = jsonCopy(rules);
    expect(copy).toEqual(rules);
    expect(copy).not.toBe(rules);
    expect(copy[0].from[0].source).not.toBe(rules[0].from[0].source);
    expect(copy[0].to[0].operation.ports).not.toBe(rules[0].to[0].operation.ports);
  });
});
