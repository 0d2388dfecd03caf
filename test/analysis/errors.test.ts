import { BulkheadError, formatProblem } from '../../lib/core/errors';
import { AnalysisInputError, ProblemSet, formatInputProblem, inputError, inputPath, showValue, toProblem } from '../../lib/analysis/errors';

describe('AnalysisInputError', () => {
  test('is a BulkheadError whose problem names the file, document, object, field, value and fix', () => {
    let e: unknown;
    try {
      inputError({ source: { file: 'a.yaml', index: 2 }, object: 'NetworkPolicy x/y', field: 'spec.podSelector' }, 'bad selector', 'x', 'write {}');
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(AnalysisInputError);
    expect(e).toBeInstanceOf(BulkheadError);
    expect((e as Error).message).toBe('[BH-IN-FIELD] error at a.yaml (document 3), NetworkPolicy x/y, spec.podSelector: bad selector\n    value: "x"\n    fix: write {}');
    expect((e as AnalysisInputError).problem).toMatchObject({ object: 'NetworkPolicy x/y', value: '"x"' });
    expect((e as AnalysisInputError).problems).toEqual([
      { severity: 'error', code: 'BH-IN-FIELD', path: 'a.yaml (document 3), NetworkPolicy x/y, spec.podSelector', message: 'bad selector', value: '"x"', fix: 'write {}' },
    ]);
    // the one formatter prints it the same way
    expect(formatProblem((e as AnalysisInputError).problems[0])).toBe((e as Error).message);
  });
  test('without a location or value', () => {
    expect(formatInputProblem({ message: 'nothing given', fix: 'give something' })).toBe('[BH-IN-INPUT] error at input: nothing given\n    fix: give something');
    expect(inputPath({})).toBe('input');
    expect(toProblem({ message: 'm', fix: 'f', code: 'BH-IN-READ' }, 'warning')).toEqual({ severity: 'warning', code: 'BH-IN-READ', path: 'input', message: 'm', fix: 'f' });
  });
  test('several problems at once', () => {
    const e = new AnalysisInputError({ message: 'a', fix: 'fa' }, [{ severity: 'error', code: 'BH-IN-X', path: 'p', message: 'b', fix: 'fb' }]);
    expect(e.problems).toHaveLength(2);
    expect(e.message.split('\n')[0]).toBe('2 problems in the input:');
  });
  test('long values are shortened', () => {
    expect(showValue('x'.repeat(500)).length).toBe(200);
    expect(showValue(undefined)).toBe('undefined');
  });
  test('a problem set keeps each problem once, sorted: errors, warnings, information', () => {
    const s = new ProblemSet();
    s.warn('BH-B', 'b', 'm', 'nothing to do', 'info');
    s.warn('BH-A', 'z', 'm', 'f');
    s.warn('BH-A', 'z', 'm', 'f');
    s.add({ severity: 'error', code: 'BH-C', path: 'c', message: 'm', fix: 'f' });
    expect(s.size).toBe(3);
    expect(s.list().map((p) => p.severity)).toEqual(['error', 'warning', 'info']);
  });
});
