/**
 * Random Kubernetes label selectors for property tests: a few keys and values, so that
 * selectors and labels meet often.
 */
import * as fc from 'fast-check';

/** Label keys the selectors and the labels draw from. */
export const KEYS = ['app', 'tier'];
/** Label values the selectors and the labels draw from. */
export const VALUES = ['x', 'y', 'z'];

/** A set of labels (at most two). */
export const labelsArb = fc.dictionary(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES), { maxKeys: 2 });

/** A label selector as written in a manifest: empty, `matchLabels`, or `matchExpressions` of every operator. */
export const selectorArb = fc.oneof(
  fc.constant({}),
  labelsArb.map((l) => ({ matchLabels: l })),
  fc.record({
    matchExpressions: fc.array(
      fc.oneof(
        fc.record({ key: fc.constantFrom(...KEYS, 'env'), operator: fc.constantFrom('In', 'NotIn'), values: fc.uniqueArray(fc.constantFrom(...VALUES, 'a', 'b'), { minLength: 1, maxLength: 2 }) }),
        fc.record({ key: fc.constantFrom(...KEYS, 'env'), operator: fc.constantFrom('Exists', 'DoesNotExist') }),
      ),
      { maxLength: 2 },
    ),
  }),
);
