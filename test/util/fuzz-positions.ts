/**
 * The harness of the ill-typed-input fuzz tests: a declaration reads every value through
 * `at(position, valid)`, and the tests put ill-typed values in one or several positions, then
 * require a coded, complete Bulkhead problem (or success), never another error.
 */
import * as fc from 'fast-check';
import { BulkheadError } from '../../lib/core/errors';
import { describeValue } from './describe-value';

/** Values that replace the valid one, by position. */
export type Overrides = ReadonlyMap<string, unknown>;

/** A declaration builder: reads each value through `at`, which records the positions it reads. */
export type Declare<T> = (over: Overrides, positions?: Set<string>) => T;

/** The reader a declaration uses for one position: the override when there is one, else the valid value. */
export function reader(over: Overrides, positions?: Set<string>): <T>(key: string, value: T) => T {
  return <T>(key: string, value: T): T => {
    positions?.add(key);
    return (over.has(key) ? over.get(key) : value) as T;
  };
}

/** `ok`, `bulkhead` (every problem complete), or the other error thrown. */
export function outcomeOf(run: () => void): 'ok' | 'bulkhead' | unknown {
  try {
    run();
    return 'ok';
  } catch (e) {
    if (!BulkheadError.isBulkheadError(e)) return e;
    for (const p of e.problems) {
      const complete = /^BH-[A-Z0-9-]+$/.test(p.code) && typeof p.path === 'string' && p.path.length > 0
        && typeof p.message === 'string' && p.message.length > 0 && typeof p.fix === 'string' && p.fix.length > 0
        && (p.value === undefined || typeof p.value === 'string');
      if (!complete) return new Error(`incomplete problem ${JSON.stringify(p)}`);
    }
    return 'bulkhead';
  }
}

/** Options of {@link fuzzPositions}. */
export interface FuzzPositionsOptions<T> {
  /** The declaration. */
  readonly declare: Declare<T>;
  /** What is run on it (plan or synthesize). */
  readonly run: (declared: T) => void;
  /** What the valid declaration does, for the first test's name (`plans`, `synthesizes`). */
  readonly verb: string;
  /** At least this many positions are read (the declaration did not lose any). */
  readonly minPositions: number;
  /** Ill-typed values tried in every single position. */
  readonly kinds: readonly unknown[];
  /** Ill-typed values combined in several positions at once. */
  readonly several: readonly unknown[];
  /** fast-check runs and seed of the combined property. */
  readonly numRuns: number;
  /** The property's seed. */
  readonly seed: number;
}

/** The three tests: the valid declaration works, one bad value anywhere, several at once. */
export function fuzzPositions<T>(o: FuzzPositionsOptions<T>): void {
  const outcome = (over: Overrides) => outcomeOf(() => o.run(o.declare(over)));
  const seen = new Set<string>();
  o.declare(new Map(), seen);
  const positions = [...seen].sort();

  test(`the declaration with every position at its valid value ${o.verb}`, () => {
    expect(outcome(new Map())).toBe('ok');
    expect(positions.length).toBeGreaterThan(o.minPositions);
  });

  test('every ill-typed value in every single position', () => {
    const crashes: string[] = [];
    for (const position of positions) {
      for (const value of o.kinds) {
        const r = outcome(new Map([[position, value]]));
        if (r !== 'ok' && r !== 'bulkhead') crashes.push(`${position} = ${describeValue(value)}: ${(r as Error)?.constructor?.name} ${(r as Error)?.message?.split('\n')[0]}`);
      }
    }
    expect(crashes).toEqual([]);
  });

  test('several ill-typed values at once (property)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.constantFrom(...positions), fc.constantFrom(...o.several)), { minLength: 2, maxLength: 5, selector: ([p]) => p }),
        (pairs) => {
          const r = outcome(new Map(pairs));
          if (r !== 'ok' && r !== 'bulkhead') throw new Error(`${pairs.map(([p, v]) => `${p} = ${describeValue(v)}`).join(', ')}: ${(r as Error)?.message}`);
        },
      ),
      { numRuns: o.numRuns, seed: o.seed },
    );
  });
}
