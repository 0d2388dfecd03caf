/**
 * Every problem code the library can produce has a catalogue entry: a test that produces the
 * problem and asserts its code, severity, path, message, value and fix. The codes are read from
 * the library's source (every `'BH-…'` string literal, the constant tables included), so a new
 * code without a catalogue entry fails here.
 *
 * The catalogue is the files below. A few codes are produced where a catalogue test would need
 * a host (cdk8s, Pulumi) or are one row of a table over many values; those files are named with
 * the codes they hold and why, so the exception stays as narrow as the reason.
 */
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');
const LIB = path.join(ROOT, 'lib');

/** The catalogue files: every code may be catalogued in any of them. */
const CATALOGUE_FILES = (): string[] => [
  ...fs.readdirSync(path.join(ROOT, 'test', 'plan')).filter((f) => /^errors.*\.test\.ts$/.test(f)).map((f) => `test/plan/${f}`),
  'test/plan/warnings-catalogue.test.ts',
  'test/analysis/problems-catalogue.test.ts',
  'test/targets/aws/errors-aws.test.ts',
  'test/analysis/aws/problems-catalogue.test.ts',
  'test/gitops/errors-gitops.test.ts',
  'test/infer/errors-infer.test.ts',
];

/** Other files that catalogue specific codes, each with the reason it is not in a catalogue file. */
const OTHER_CATALOGUES: readonly { readonly file: string; readonly codes: readonly string[]; readonly reason: string }[] = [
  {
    file: 'test/cdk8s/topology-charts.test.ts',
    codes: ['BH-CDK8S-CHARTS-TWICE', 'BH-CDK8S-CHART-UNKNOWN', 'BH-BIND-SELECTOR-EXPRESSIONS'],
    reason: 'produced by the cdk8s host (a cdk8s App and cdk8s-plus workloads); the tests assert the whole problem',
  },
  {
    file: 'test/pulumi/providers.test.ts',
    codes: ['BH-PULUMI-PROVIDER-UNKNOWN', 'BH-PULUMI-PROVIDER-TYPE', 'BH-PULUMI-PROVIDER-MISSING'],
    reason: 'produced by the Pulumi host, which needs the Pulumi runtime mocks of that file; the tests assert the whole problem',
  },
  {
    file: 'test/core/values.test.ts',
    codes: ['BH-PORT-PROTOCOL'],
    reason: 'one table over every Port factory and ill-typed protocol, asserting code, severity, path, message, value and fix per row',
  },
];

/** Codes the catalogue names on purpose although the library has no such code. */
const NOT_LIBRARY_CODES: Readonly<Record<string, string>> = {
  'BH-NP-FQDM': 'a misspelt code acknowledged on purpose (BH-ACK-UNKNOWN)',
  'BH-TEST': 'the code of a stand-in target of a test',
};

/** Every `.ts` file under a folder. */
function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

const CODE_LITERAL = /'(BH-[A-Za-z0-9-]+)'/g;

/** The codes of the library, with the files that hold each. */
function libraryCodes(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const f of sources(LIB)) {
    const text = fs.readFileSync(f, 'utf8');
    for (const m of text.matchAll(CODE_LITERAL)) {
      const files = out.get(m[1]) ?? [];
      const rel = path.relative(ROOT, f);
      if (!files.includes(rel)) files.push(rel);
      out.set(m[1], files);
    }
  }
  return out;
}

/** Whether the text names the code as a whole (not as the start of a longer code). */
function names(text: string, code: string): boolean {
  return new RegExp(`(?<![A-Za-z0-9-])${code.replace(/[-]/g, '\\-')}(?![A-Za-z0-9-])`).test(text);
}

/** The source without comments (line comments and block comments), for the checks on code only. */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

const codes = libraryCodes();
const read = (rel: string): string => fs.readFileSync(path.join(ROOT, rel), 'utf8');

describe('problem codes', () => {
  test('the library source has codes (the scan works)', () => {
    expect(codes.size).toBeGreaterThan(100);
    for (const known of ['BH-NO-TARGET', 'BH-ISTIO-PORT-RANGE', 'BH-REAPER-UNISOLATED', 'BH-CLI-INTERNAL', 'BH-IN-FIELD']) expect(codes.has(known)).toBe(true);
  });

  test('every code has the form BH-WORD(-WORD)*', () => {
    const bad = [...codes.keys()].filter((c) => !/^BH-[A-Z0-9]+(-[A-Z0-9]+)*$/.test(c));
    expect(bad).toEqual([]);
  });

  test('no code is built at run time (a template or a concatenation the scan cannot read)', () => {
    const built: string[] = [];
    for (const f of sources(LIB)) {
      const code = withoutComments(fs.readFileSync(f, 'utf8'));
      for (const m of code.matchAll(/`BH-[^`]*\$\{|['"`]BH-['"`]?\s*\+|"BH-[A-Za-z0-9-]*"/g)) built.push(`${path.relative(ROOT, f)}: ${m[0]}`);
    }
    // A code made from parts must be listed here with its possible values, and catalogued.
    expect(built).toEqual([]);
  });

  test('every code of the library has a catalogue entry', () => {
    const catalogue = CATALOGUE_FILES().map(read).join('\n');
    const other = new Map(OTHER_CATALOGUES.flatMap((o) => o.codes.map((c) => [c, o] as const)));
    const missing: string[] = [];
    for (const [code, files] of [...codes.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (names(catalogue, code)) continue;
      const o = other.get(code);
      if (o && names(read(o.file), code)) continue;
      missing.push(`${code} (${files.join(', ')})`);
    }
    expect(missing).toEqual([]);
  });

  test('the exceptions name codes of the library that are not in a catalogue file (no stale exception)', () => {
    const catalogue = CATALOGUE_FILES().map(read).join('\n');
    for (const o of OTHER_CATALOGUES) {
      expect(o.reason).not.toBe('');
      for (const c of o.codes) {
        expect(codes.has(c)).toBe(true);
        expect(names(catalogue, c)).toBe(false);
      }
    }
  });

  test('every code a catalogue file names is a code of the library (no entry for a code that is gone)', () => {
    const stale: string[] = [];
    for (const f of CATALOGUE_FILES()) {
      for (const m of read(f).matchAll(/(?<![A-Za-z0-9-])BH-[A-Z0-9]+(?:-[A-Z0-9]+)*(?![A-Za-z0-9-])/g)) {
        if (!codes.has(m[0]) && !(m[0] in NOT_LIBRARY_CODES)) stale.push(`${f}: ${m[0]}`);
      }
    }
    expect([...new Set(stale)]).toEqual([]);
  });

  test('no two constants define the same code', () => {
    const defs = new Map<string, string[]>();
    for (const f of sources(LIB)) {
      const text = withoutComments(fs.readFileSync(f, 'utf8'));
      // `NAME = 'BH-…'` and table entries `name: 'BH-…'` (a problem's own `code: 'BH-…'` is a use, not a definition)
      for (const m of text.matchAll(/\b([A-Za-z_][A-Za-z0-9_]*)\s*[:=]\s*'(BH-[A-Za-z0-9-]+)'/g)) {
        if (m[1] === 'code') continue;
        defs.set(m[2], [...(defs.get(m[2]) ?? []), `${path.relative(ROOT, f)} ${m[1]}`]);
      }
    }
    const twice = [...defs.entries()].filter(([, d]) => d.length > 1).map(([c, d]) => `${c}: ${d.join('; ')}`);
    expect(twice).toEqual([]);
  });
});
