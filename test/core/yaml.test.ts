import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as fc from 'fast-check';
import * as jsyaml from 'js-yaml';
import * as YAML from 'yaml';
import { generateTopology } from '../../bench/generate';
import { declareShop } from '../../examples/ecommerce/declaration';
import { foldersOf, KubeManifest, synthesize, toYaml, writeManifests } from '../../lib';
import { dumpYaml, dumpYamlDocuments, dumpYamlDocumentsUtf8, streamYamlDocuments } from '../../lib/core/yaml';

/** What a YAML reader should read back: the value as JSON holds it (undefined map values dropped). */
const asJson = (x: unknown): unknown => JSON.parse(JSON.stringify(x));

/**
 * Every document of a multi-document text, read by the `yaml` package as YAML 1.2 and as YAML 1.1
 * (the reading of kubectl and most Go tools), and by js-yaml; the three must agree.
 */
function readBack(text: string): unknown[] {
  const docs12 = YAML.parseAllDocuments(text).map((d) => {
    expect(d.errors).toEqual([]);
    return d.toJS();
  });
  const docs11 = YAML.parseAllDocuments(text, { version: '1.1' }).map((d) => {
    expect(d.errors).toEqual([]);
    return d.toJS();
  });
  const js = jsyaml.loadAll(text);
  expect(docs11).toEqual(docs12);
  expect(js).toEqual(docs12);
  return docs12;
}

/** Strings that YAML readers take for something else when written plain, or that need escapes. */
const TRICKY = [
  '0x1', '0o17', '012', '0b101', '1e3', '1E3', '.5', '1.', '+1', '-0', '.inf', '-.Inf', '.NaN', '1_000', '0x_1', '1:20', '190:20:30.15',
  'yes', 'no', 'on', 'off', 'y', 'n', 'Y', 'N', 'YES', 'Off', 'true', 'False', 'null', 'Null', 'NULL', '~', '',
  '2026-11-22', '2026-11-22T22:00:00Z', '2026-11-22 22:00:00', ':', '::/0', '#', 'a #b', 'a: b', 'a:b', '- a', '-', '-c', '?', '? a',
  '!x', '&a', '*a', '%x', '@x', '`x', '|', '>', '<<', '=', '---', '...', '[a]', '{a: 1}', 'a,b', '"q"', "'s'", "it's",
  ' lead', 'trail ', '  ', '\tx', 'x\t', 'a\nb', 'a\n', '\na', 'a\n\nb\n', 'line\r\nbreak', 'é', '日本語', '🙂', '\u2028', '\u0085', '\ufeffx', '\u0000', '\u001b[0m',
  'a'.repeat(300), `${'word '.repeat(60)}end`,
];

const trickyString = fc.oneof(
  fc.constantFrom(...TRICKY),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: fc.constantFrom(' ', ':', '#', '-', '\n', "'", '"', '0', '1', 'x', 'e', '_', '.', 'y', '\t'), maxLength: 8 }),
);

/** Manifests whose labels, annotations and spec hold tricky strings (as keys and as values). */
const trickyManifest = fc.record({
  apiVersion: fc.constant('v1'),
  kind: fc.constant('ConfigMap'),
  metadata: fc.record({
    name: fc.constant('x'),
    labels: fc.dictionary(trickyString, trickyString, { maxKeys: 4 }),
    annotations: fc.dictionary(trickyString, trickyString, { maxKeys: 4 }),
  }),
  data: fc.dictionary(trickyString, trickyString, { maxKeys: 4 }),
  spec: fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, trickyString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null),
      fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(trickyString, tie('value'), { maxKeys: 3 })),
  })).value,
});

describe('dumpYaml', () => {
  test('every tricky string reads back as the same string, as a key and as a value, in YAML 1.2 and 1.1', () => {
    const value = { plain: TRICKY, keyed: Object.fromEntries(TRICKY.map((s, i) => [s, i])) };
    const [back] = readBack(dumpYaml(value));
    expect(back).toEqual(value);
  });

  test('strings YAML 1.1 reads as booleans, numbers or dates are quoted', () => {
    for (const s of ['yes', 'no', 'on', 'off', 'y', 'n', '1_000', '1:20', '012', '0x1', '1e3', '2026-11-22T22:00:00Z', 'null', '~']) {
      expect(dumpYaml({ k: s })).toBe(`k: ${JSON.stringify(s)}\n`);
    }
    // and ordinary strings stay plain
    expect(dumpYaml({ k: 'web', p: 'TCP', c: '10.0.0.0/8', u: 'spiffe://a/b' })).toBe('k: web\np: TCP\nc: 10.0.0.0/8\nu: spiffe://a/b\n');
  });

  test('no anchors for shared objects, no folded long lines, keys in their order', () => {
    const shared = { a: 1 };
    const long = 'x '.repeat(200).trim();
    const text = dumpYaml({ z: shared, a: shared, long });
    expect(text).not.toMatch(/[&*]ref/);
    expect(text).toBe(`z:\n  a: 1\na:\n  a: 1\nlong: ${long}\n`);
  });

  test('undefined map values are left out, undefined list items are null (as JSON)', () => {
    const value = { a: undefined, b: [1, undefined, 'x'], c: { d: undefined } };
    expect(readBack(dumpYaml(value))[0]).toEqual(asJson(value));
  });

  test('numbers as JSON has them: -0 is 0, NaN and infinities are null', () => {
    const value = { z: -0, l: [-0, NaN, Infinity, -Infinity, 1.5], v: NaN };
    expect(dumpYaml(value)).toBe('z: 0\nl:\n  - 0\n  - null\n  - null\n  - null\n  - 1.5\nv: null\n');
    expect(readBack(dumpYaml(value))[0]).toEqual(asJson(value));
  });

  test('-0, NaN and infinities deep inside a value, and beside plain numbers, are written as JSON has them', () => {
    const value = { a: { b: [{ c: 1 }, { d: [2, [3, -0]] }] }, e: 'x', f: [Infinity] };
    expect(readBack(dumpYaml(value))[0]).toEqual(asJson(value));
    expect(dumpYaml(value)).toContain('- 0\n');
    expect(dumpYaml({ a: [1, 2], b: 0 })).toBe('a:\n  - 1\n  - 2\nb: 0\n');
  });

  test('property: number-like strings (signs, dots, exponents, underscores, colons) read back as strings in every reader', () => {
    const numberish = fc.string({ unit: fc.constantFrom('+', '-', '0', '1', '7', '9', '.', '_', ':', 'e', 'E', 'x', 'b', 'o', 'a', 'f', 'i', 'n', 'N'), minLength: 1, maxLength: 7 });
    fc.assert(fc.property(fc.array(numberish, { minLength: 1, maxLength: 8 }), (xs) => {
      const value = { list: xs, map: Object.fromEntries(xs.map((x) => [x, x])) };
      expect(readBack(dumpYaml(value))[0]).toEqual(asJson(value));
    }), { numRuns: 300 });
  });

  test('property: any manifest with tricky strings reads back deep-equal, in every reader', () => {
    fc.assert(fc.property(fc.array(trickyManifest, { minLength: 1, maxLength: 3 }), (ms) => {
      const text = dumpYamlDocuments(ms);
      expect(readBack(text)).toEqual(asJson(ms));
      // deterministic
      expect(dumpYamlDocuments(asJson(ms) as unknown[])).toBe(text);
    }), { numRuns: 300 });
  });
});

describe('streamYamlDocuments', () => {
  const utf8 = (values: readonly unknown[]) => Buffer.from(dumpYamlDocuments(values), 'utf8');
  /** The pieces streamed, each copied when given (a piece is lent: its buffer is reused). */
  const pieces = (values: readonly unknown[]): Buffer[] => {
    const out: Buffer[] = [];
    streamYamlDocuments(values, (p) => out.push(Buffer.from(p)));
    return out;
  };

  test('property: the pieces joined are the UTF-8 of the text, for any manifests with tricky strings', () => {
    fc.assert(fc.property(fc.array(trickyManifest, { maxLength: 4 }), (ms) => {
      expect(Buffer.concat(pieces(ms)).equals(utf8(ms))).toBe(true);
      expect(dumpYamlDocumentsUtf8(ms).equals(utf8(ms))).toBe(true);
    }), { numRuns: 300 });
  });

  test('documents larger than the buffer, and many small ones spanning several pieces, with characters of 2, 3 and 4 bytes', () => {
    const big = { kind: 'ConfigMap', data: { a: 'é日🙂'.repeat(100_000), b: 'x'.repeat(300_000) } };
    const small = Array.from({ length: 1500 }, (_, i) => ({ kind: 'ConfigMap', metadata: { name: `n${i}`, labels: { l: '日本語'.repeat(i % 50) } }, data: { v: 'y'.repeat(i) } }));
    // every piece ends within a document of many multi-byte characters
    const wide = Array.from({ length: 3000 }, (_, i) => ({ kind: 'ConfigMap', data: { v: 'é日🙂'.repeat(50 + (i % 97)) } }));
    for (const values of [[big], [big, big], small, wide, [...small, big, ...small], [{ a: 1 }, big, { b: 2 }], []]) {
      const ps = pieces(values);
      expect(Buffer.concat(ps).equals(utf8(values))).toBe(true);
      expect(ps.every((p) => p.length > 0)).toBe(true);
    }
    expect(pieces(small).length).toBeGreaterThan(1);
  });

  test('a stream started inside another one (from its sink) leaves the outer pieces intact', () => {
    const outer = Array.from({ length: 800 }, (_, i) => ({ name: `outer-${i}`, v: 'o'.repeat(i) }));
    const inner = Array.from({ length: 800 }, (_, i) => ({ name: `inner-${i}`, v: 'i'.repeat(i) }));
    const got: Buffer[] = [];
    let nested: Buffer | undefined;
    streamYamlDocuments(outer, (p) => {
      const before = Buffer.from(p);
      if (!nested) nested = Buffer.concat(pieces(inner));
      expect(p.equals(before)).toBe(true);
      got.push(before);
    });
    expect(Buffer.concat(got).equals(utf8(outer))).toBe(true);
    expect(nested!.equals(utf8(inner))).toBe(true);
  });
});

describe('toYaml round trip', () => {
  test('the e-commerce example: every cluster file reads back as its objects', () => {
    const s = synthesize(declareShop(undefined).topology);
    for (const c of s.clusters) expect(readBack(toYaml(c.manifests))).toEqual(asJson(c.manifests));
  });

  test('generated topologies (several seeds and sizes): every cluster reads back as its objects', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 20, max: 60 }), (seed, workloads) => {
      const s = synthesize(generateTopology(undefined, { workloads, seed }).topology);
      for (const c of s.clusters) expect(readBack(toYaml(c.manifests))).toEqual(asJson(c.manifests));
    }), { numRuns: 3 });
  });

  test('the files writeManifests writes read back as the objects of each layer, in order', () => {
    const s = synthesize(declareShop(undefined).topology);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-yaml-'));
    try {
      const out = path.join(dir, 'out');
      const files = writeManifests(foldersOf(s), out);
      for (const c of s.clusters) {
        const byLayer = new Map<string, KubeManifest[]>();
        for (const m of c.manifests) {
          const layer = m.metadata.labels?.['bulkhead.io/layer'] ?? 'app';
          byLayer.set(layer, [...(byLayer.get(layer) ?? []), m]);
        }
        for (const [layer, ms] of byLayer) {
          const file = `${c.cluster.name}/${layer}.yaml`;
          expect(files).toContain(file);
          expect(readBack(fs.readFileSync(path.join(out, file), 'utf8'))).toEqual(asJson(ms));
        }
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
