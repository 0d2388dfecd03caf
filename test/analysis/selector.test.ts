import { AnalysisInputError } from '../../lib/analysis/errors';
import { LabelIndex, LabelSelector } from '../../lib/analysis/selector';
import * as fc from 'fast-check';

const at = { object: 'NetworkPolicy a/b', field: 'spec.podSelector' };

describe('LabelSelector', () => {
  test('empty and absent selectors select everything', () => {
    expect(LabelSelector.parse({}, at).isEmpty).toBe(true);
    expect(LabelSelector.parse(undefined, at).matches({ a: 'b' })).toBe(true);
    expect(LabelSelector.parse(null, at).toString()).toBe('{}');
  });
  test('matchLabels and matchExpressions are ANDed', () => {
    const s = LabelSelector.parse({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }, { key: 'legacy', operator: 'DoesNotExist' }] }, at);
    expect(s.matches({ app: 'web' })).toBe(true);
    expect(s.matches({ app: 'web', tier: 'front' })).toBe(true);
    expect(s.matches({ app: 'web', tier: 'db' })).toBe(false);
    expect(s.matches({ app: 'web', legacy: '' })).toBe(false);
    expect(s.matches({ app: 'api' })).toBe(false);
    expect(s.toString()).toBe('app=web,!legacy,tier notin (db)');
  });
  test('canonical key: equal selectors, written differently, have equal keys', () => {
    const a = LabelSelector.parse({ matchLabels: { a: '1', b: '2' } }, at);
    const b = LabelSelector.parse({ matchExpressions: [{ key: 'b', operator: 'In', values: ['2'] }], matchLabels: { a: '1' } }, at);
    expect(a.key).toBe(b.key);
  });
  test.each([
    ['x', /must be a mapping/],
    [{ matchLabel: {} }, /unknown field/],
    [{ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }, /takes no values/],
    [{ matchExpressions: [{ operator: 'Exists' }] }, /needs a key/],
    [{ matchExpressions: {} }, /must be a list/],
  ])('%j is rejected', (v, message) => {
    expect(() => LabelSelector.parse(v, at)).toThrow(AnalysisInputError);
    expect(() => LabelSelector.parse(v, at)).toThrow(message);
  });
});

describe('LabelIndex', () => {
  test('selects the same items as testing each one', () => {
    const labels = fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.constantFrom('1', '2', '3'), { maxKeys: 3 });
    const req = fc.oneof(
      fc.record({ key: fc.constantFrom('a', 'b', 'c'), operator: fc.constantFrom('In', 'NotIn'), values: fc.uniqueArray(fc.constantFrom('1', '2', '3'), { minLength: 1 }) }),
      fc.record({ key: fc.constantFrom('a', 'b', 'c'), operator: fc.constantFrom('Exists', 'DoesNotExist') }),
    );
    fc.assert(
      fc.property(fc.array(labels, { maxLength: 12 }), fc.array(req, { maxLength: 3 }), (items, reqs) => {
        const sel = LabelSelector.parse({ matchExpressions: reqs }, at);
        const index = new LabelIndex(items, (x) => x);
        expect(index.select(sel)).toEqual(items.map((x, i) => (sel.matches(x) ? i : -1)).filter((i) => i >= 0));
      }),
      { numRuns: 200 },
    );
  });
});
