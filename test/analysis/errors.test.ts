import { AnalysisInputError, formatInputProblem, inputError, showValue } from '../../lib/analysis/errors';

describe('AnalysisInputError', () => {
  test('names the file, document, object, field, value and fix', () => {
    let e: unknown;
    try {
      inputError({ source: { file: 'a.yaml', index: 2 }, object: 'NetworkPolicy x/y', field: 'spec.podSelector' }, 'bad selector', 'x', 'write {}');
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(AnalysisInputError);
    expect((e as Error).message).toBe('a.yaml (document 3), NetworkPolicy x/y, spec.podSelector: bad selector\n    value: "x"\n    fix: write {}');
    expect((e as AnalysisInputError).problem).toMatchObject({ object: 'NetworkPolicy x/y', value: '"x"' });
  });
  test('without a location or value', () => {
    expect(formatInputProblem({ message: 'nothing given', fix: 'give something' })).toBe('nothing given\n    fix: give something');
  });
  test('long values are shortened', () => {
    expect(showValue('x'.repeat(500)).length).toBe(200);
    expect(showValue(undefined)).toBe('undefined');
  });
});
