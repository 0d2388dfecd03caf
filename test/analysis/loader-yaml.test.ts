/**
 * YAML reading of the loader: errors name the file, the document and the line and column;
 * alias bombs and duplicate keys are refused; merge keys are applied; several documents keep
 * their indices.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadManifests } from '../../lib/analysis/loader';

function withFile<T>(text: string, f: (dir: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-yaml-'));
  try {
    fs.writeFileSync(path.join(dir, 'a.yaml'), text);
    return f(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function error(text: string): string {
  return withFile(text, (dir) => {
    try {
      loadManifests([dir]);
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error('expected an error');
  });
}

const ns = (name: string): string => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}}\n`;

describe('loader: YAML', () => {
  test('a syntax error names the document, the line and the column', () => {
    expect(error(`${ns('a')}---\n# a comment\nkind: x\n  bad: : :\n`)).toMatch(/a\.yaml \(document 2\): not valid YAML at line 7, column \d+: bad indentation/);
    expect(error(`---\n${ns('a')}---\n${ns('b')}---\nkind: [x\n`)).toMatch(/a\.yaml \(document 3\): not valid YAML at line \d+, column \d+/);
    expect(error('kind: [x\n')).toMatch(/a\.yaml \(document 1\): not valid YAML at line 2, column 1/);
    expect(error(`${ns('a')}...\n${ns('b')}...\n# a comment\nkind: [x\n`)).toMatch(/a\.yaml \(document 3\): not valid YAML/);
  });

  test('duplicate keys are an error, not a silent choice of one value', () => {
    expect(error('apiVersion: v1\nkind: Namespace\nmetadata: {name: a, name: b}\n')).toMatch(/\(document 1\): not valid YAML at line 3, column \d+: duplicated mapping key/);
  });

  test('JavaScript tags are not evaluated: they are unknown tags', () => {
    expect(error("apiVersion: v1\nkind: Namespace\nmetadata: {name: !!js/function 'function () { return 1 }'}\n")).toMatch(/\(document 1\): not valid YAML at line 3, column \d+: unknown tag/);
  });

  test('an alias bomb is refused', () => {
    const levels = ['a: &a [x,x,x,x,x,x,x,x,x,x]'];
    for (let i = 1; i < 7; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(',')}]`);
    }
    expect(error(`${levels.join('\n')}\n`)).toMatch(/\(document 1\): cannot read the YAML document: its aliases expand/);
  });

  test('modest aliases are read, expanded', () => {
    const text = `${ns('a')}---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: a}\nspec:\n  template:\n    metadata: {labels: &l {app: web}}\n    spec:\n      containers: [{name: c, ports: [{containerPort: 80, name: http}]}]\n  selector: {matchLabels: *l}\n`;
    const m = withFile(text, (dir) => loadManifests([dir]));
    expect(m.workloads.map((w) => [w.id, w.labels, w.source?.index])).toEqual([['a/web[Deployment]', { app: 'web' }, 1]]);
  });

  test('merge keys are applied, as kubectl (YAML 1.1) applies them', () => {
    const text = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: q\n  namespace: a\n  annotations: &base {app: web}\n  labels:\n    <<: *base\n    tier: front\nspec: {containers: []}\n';
    const m = withFile(text, (dir) => loadManifests([dir]));
    expect(m.workloads.map((w) => [w.id, w.labels])).toEqual([['a/q[Pod]', { app: 'web', tier: 'front' }]]);
  });

  test('empty documents keep the indices of the documents after them', () => {
    const m = withFile(`---\n---\n${ns('a')}---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a}\nspec: {containers: []}\n`, (dir) => loadManifests([dir]));
    expect(m.workloads.map((w) => w.source?.index)).toEqual([2]);
  });
});
