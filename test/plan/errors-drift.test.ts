/**
 * Catalogue of the drift check's problems (`lib/drift.ts`): committed manifests that cannot be
 * read, are not YAML, hold a document that is no object, or hold one object twice. Each names
 * the file, the value and the fix; every problem of the tree is reported at once.
 */
import * as fs from 'fs';
import * as path from 'path';
import { BulkheadError, Problem } from '../../lib/core/errors';
import { DRIFT_CODES, compareFolders, compareObjects, readCommittedFolder } from '../../lib/drift';
import { ManifestFolder } from '../../lib/synth';
import { tempDir } from '../util/tmp';

function thrown(f: () => unknown): BulkheadError {
  try {
    f();
  } catch (e) {
    if (BulkheadError.isBulkheadError(e)) return e;
    throw e;
  }
  throw new Error('expected a BulkheadError');
}

function only(e: BulkheadError, code: string): Problem {
  const found = e.problems.filter((p) => p.code === code);
  expect(found).toHaveLength(1);
  expect(found[0].severity).toBe('error');
  expect(found[0].fix).toBeDefined();
  expect(found[0].fix).not.toBe(found[0].message);
  expect(e.message).toContain(`[${code}]`);
  return found[0];
}

const tmp = (): string => tempDir('bh-drift-errors-');
const folder = (name: string): ManifestFolder => ({ name, manifests: [] });

describe('drift problem catalogue', () => {
  test('the codes', () => {
    expect(DRIFT_CODES).toEqual({ read: 'BH-DRIFT-READ', syntax: 'BH-DRIFT-YAML', object: 'BH-DRIFT-OBJECT', duplicate: 'BH-DRIFT-DUPLICATE' });
  });

  test(`${DRIFT_CODES.read}: the committed tree does not exist`, () => {
    const missing = path.join(tmp(), 'nope');
    const p = only(thrown(() => compareFolders([folder('eks')], missing)), DRIFT_CODES.read);
    expect(p.path).toBe(missing);
    expect(p.message).toBe('the committed folder does not exist or is not a folder');
    expect(p.fix).toMatch(/pass the folder the manifests are committed in/);
    const p2 = only(thrown(() => readCommittedFolder(missing, 'eks')), DRIFT_CODES.read);
    expect(p2.path).toBe('eks');
    expect(p2.message).toMatch(/^cannot read the committed folder: ENOENT/);
  });

  test(`${DRIFT_CODES.syntax}: a committed file is not YAML; every bad file at once`, () => {
    const dir = tmp();
    fs.mkdirSync(path.join(dir, 'eks'));
    fs.writeFileSync(path.join(dir, 'eks', 'a.yaml'), 'kind: [unclosed\n');
    fs.writeFileSync(path.join(dir, 'eks', 'b.yaml'), 'x: "unterminated\n');
    const e = thrown(() => compareFolders([folder('eks')], dir));
    expect(e.problems.map((p) => [p.code, p.path])).toEqual([[DRIFT_CODES.syntax, 'eks/a.yaml'], [DRIFT_CODES.syntax, 'eks/b.yaml']]);
    expect(e.problems[0].message).toMatch(/^the file is not valid YAML: /);
    expect(e.problems[0].fix).toMatch(/fix the file/);
  });

  test(`${DRIFT_CODES.object}: a committed document is not a Kubernetes object`, () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'a.yaml'), 'just: text\n');
    const objects = readCommittedFolder(dir, 'eks');
    const p = only(thrown(() => compareObjects('eks', [], objects)), DRIFT_CODES.object);
    expect(p.path).toBe('eks/a.yaml');
    expect(p.message).toBe('a committed document is not a Kubernetes object: it needs apiVersion, kind and metadata.name');
    expect(p.value).toBe('{"just":"text"}');
    expect(p.fix).toMatch(/give it apiVersion, kind and metadata\.name/);
    const list = only(thrown(() => readCommittedFolderOfList(dir)), DRIFT_CODES.object);
    expect(list.path).toBe('eks/l.yaml');
    expect(list.value).toBe('["a list"]');
  });

  test(`${DRIFT_CODES.duplicate}: one object committed twice`, () => {
    const o = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'a', namespace: 'shop' } };
    const p = only(thrown(() => compareObjects('eks', [], [{ object: o, file: 'eks/a.yaml' }, { object: o, file: 'eks/b.yaml' }])), DRIFT_CODES.duplicate);
    expect(p.path).toBe('eks/b.yaml');
    expect(p.message).toBe('NetworkPolicy shop/a is committed twice in eks (also in eks/a.yaml): which one is applied depends on the order');
    expect(p.value).toBe('NetworkPolicy shop/a');
    expect(p.fix).toBe('keep one copy of the object');
  });
});

/** The list document alone, which readCommittedFolder refuses. */
function readCommittedFolderOfList(dir: string): unknown {
  const d = path.join(dir, 'list-only');
  fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(d, 'l.yaml'), '- a list\n');
  return readCommittedFolder(d, 'eks');
}
