/**
 * The shape check the decoders run before reading an object as its generated type
 * (`shapeProblems` and `decodeShape` of `lib/analysis/schema.ts`).
 */
import { AnalysisInputError } from '../../../lib/analysis/errors';
import { CompactSchema, ShapeSpec, decodeShape, exampleWords, kindSchema, schemaAt, shapeProblems } from '../../../lib/analysis/schema';
import { thrown } from '../../util/thrown';

const schema: CompactSchema = { p: { name: 's', port: 'x', on: 'b', n: 'n', rules: [{ p: { from: ['s'], sel: { p: { matchLabels: { m: 's' } } } } }], labels: { m: 's' }, any: '*', open: { o: 1 } } };
const fields = (value: unknown, spec: Partial<ShapeSpec> = {}, at = '') => shapeProblems(value, { schema, ...spec }, at).map((p) => [p.field, p.place, p.words.message]);

describe('shapeProblems', () => {
  test('a value of the schema\'s types has no problem; null fields are absent fields', () => {
    expect(fields({ name: 'a', port: 80, on: true, n: 1.5, rules: [{ from: ['x'], sel: { matchLabels: { a: 'b' } } }], labels: {}, any: [1], open: { x: 1 } })).toEqual([]);
    expect(fields({ name: null, port: 'http', rules: null })).toEqual([]);
    expect(fields(undefined)).toEqual([]);
  });

  test('every value of another type is a problem at its field, with the words of its place or the default ones', () => {
    expect(fields({ name: 1, port: true, on: 'yes', n: Number.NaN, rules: {}, labels: { a: 1, b: null } })).toEqual([
      ['name', 'name', 'this field must be a string'],
      ['port', 'port', 'this field must be a number or a string'],
      ['on', 'on', 'this field must be true or false'],
      ['n', 'n', 'this field must be a number'],
      ['rules', 'rules', 'this field must be a list'],
      ['labels.a', 'labels.*', 'this field must be a string'],
      ['labels.b', 'labels.*', 'this field must be a string'],
    ]);
    expect(fields({ rules: ['x', { from: [null, 2] }] })).toEqual([
      ['rules[0]', 'rules[]', 'this field must be a mapping'],
      ['rules[1].from[0]', 'rules[].from[]', 'this field must be a string'],
      ['rules[1].from[1]', 'rules[].from[]', 'this field must be a string'],
    ]);
  });

  test('words are found by place, or by the end of the place (*.), and a whole value can sit at a field', () => {
    const mistyped = { 'rules[]': { message: 'a rule must be a mapping', fix: 'write {}' }, '*.from[]': { message: 'a peer must be a string', fix: 'quote it' } };
    expect(fields({ rules: [1, { from: [3] }] }, { mistyped })).toEqual([
      ['rules[0]', 'rules[]', 'a rule must be a mapping'],
      ['rules[1].from[0]', 'rules[].from[]', 'a peer must be a string'],
    ]);
    expect(fields([{ name: 1 }], { schema: [schema] }, 'specs')).toEqual([['specs[0].name', 'specs[].name', 'this field must be a string']]);
  });

  test('unknown fields are problems only when the spec words them, except where the decoder reads fields beyond the schema', () => {
    expect(fields({ nme: 'a' })).toEqual([]);
    const unknown = (known: readonly string[]) => ({ message: 'unknown field', fix: `use one of ${known.join(', ')}` });
    const found = shapeProblems({ nme: 'a', rules: [{ to: [] }], open: { x: 1 } }, { schema, unknown, extra: { 'rules[]': ['to'] } });
    expect(found.map((p) => [p.field, p.value, p.words.fix])).toEqual([['nme', 'nme', 'use one of any, labels, n, name, on, open, port, rules']]);
  });

  test('opaque places are left to the parser that reads them', () => {
    expect(fields({ rules: [{ sel: { matchLabels: { a: 1 }, other: 1 } }] }, { opaque: ['*.sel'], unknown: () => ({ message: 'unknown', fix: '' }) })).toEqual([]);
  });

  test('the schemas of the kinds are followed through named schemas', () => {
    const np = schemaAt(kindSchema('networking.k8s.io/v1', 'NetworkPolicy'), 'spec');
    expect(shapeProblems({ ingress: [{ ports: [{ port: true, endPort: '9' }] }] }, { schema: np }, 'spec').map((p) => p.field)).toEqual(['spec.ingress[0].ports[0].port', 'spec.ingress[0].ports[0].endPort']);
  });
});

describe('decodeShape', () => {
  test('returns the value as its type when it has the shape of its schema, undefined when absent', () => {
    const v = { name: 'a' };
    expect(decodeShape<{ name?: string }>(v, { schema }, { object: 'Kind a' })).toBe(v);
    expect(decodeShape(null, { schema }, { object: 'Kind a' })).toBeUndefined();
  });

  test('throws every problem at once, each with its object, field, value and fix', () => {
    const e = thrown(() => decodeShape({ name: 1, rules: [2] }, { schema, mistyped: { 'spec.name': exampleWords('a string', 'web'), 'spec.rules[]': { message: 'a rule must be a mapping', fix: (v, field) => `replace ${String(v)} at ${field}` } } }, { source: { file: 'f.yaml', index: 0 }, object: 'Kind a' }, 'spec'), AnalysisInputError);
    expect(e.problem).toMatchObject({ object: 'Kind a', field: 'spec.name', message: 'must be a string', value: '1', fix: 'write a string, for example web' });
    expect(e.problems.map((p) => [p.code, p.path, p.message, p.fix])).toEqual([
      ['BH-IN-FIELD', 'f.yaml (document 1), Kind a, spec.name', 'must be a string', 'write a string, for example web'],
      ['BH-IN-FIELD', 'f.yaml (document 1), Kind a, spec.rules[0]', 'a rule must be a mapping', 'replace 2 at spec.rules[0]'],
    ]);
  });
});

describe('exampleWords', () => {
  test('words a list, a mapping or a scalar with an example', () => {
    expect(exampleWords('a list', '[a]')).toEqual({ message: 'must be a list', fix: 'write a YAML list, for example [a]' });
    expect(exampleWords('a mapping', '{a: b}')).toEqual({ message: 'must be a mapping', fix: 'write a YAML mapping, for example {a: b}' });
    expect(exampleWords('a number', '443')).toEqual({ message: 'must be a number', fix: 'write a number, for example 443' });
  });
});
