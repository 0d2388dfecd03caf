import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ManifestFolder, OUTPUT_RECORD_FILE, writeManifests } from '../lib/synth';
import { KubeManifest } from '../lib/targets/types';
import { thrown } from './util/thrown';

function np(name: string, layer = 'kubernetes'): KubeManifest {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: 'shop', labels: { 'bulkhead.io/layer': layer } }, spec: { podSelector: {} } } as unknown as KubeManifest;
}

const folders = (...names: string[]): ManifestFolder[] => [{ name: 'eks', manifests: names.map((n) => np(n)) }];

const caught = (f: () => unknown) => thrown(f);

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-write-'));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const mode = (p: string): number => fs.statSync(p).mode & 0o777;
const expectedDirMode = (): number => {
  const probe = path.join(root, 'probe');
  fs.mkdirSync(probe);
  const m = mode(probe);
  fs.rmdirSync(probe);
  return m;
};

describe('writeManifests never deletes or overwrites a file it did not write', () => {
  test('a new folder gets the files, a record with their hashes, and normal permissions (not 0700)', () => {
    const out = path.join(root, 'out');
    expect(writeManifests(folders('a'), out)).toEqual(['eks/kubernetes.yaml']);
    const record = JSON.parse(fs.readFileSync(path.join(out, OUTPUT_RECORD_FILE), 'utf8'));
    expect(record).toEqual({ generator: 'bulkhead', version: 1, files: { 'eks/kubernetes.yaml': expect.stringMatching(/^[0-9a-f]{64}$/) } });
    expect(mode(out)).toBe(expectedDirMode());
    expect(mode(path.join(out, 'eks'))).toBe(expectedDirMode());
    expect(fs.readdirSync(root)).toEqual(['out']); // no staging folder left behind
  });

  test('a repeat run replaces its own files, removes those no longer produced, and keeps foreign files', () => {
    const out = path.join(root, 'out');
    writeManifests([...folders('a'), { name: 'gke', manifests: [np('b', 'cilium')] }], out);
    fs.writeFileSync(path.join(out, 'NOTES.md'), 'my notes\n');
    fs.writeFileSync(path.join(out, 'eks', 'extra.yaml'), 'mine: true\n');
    expect(writeManifests(folders('c'), out)).toEqual(['eks/kubernetes.yaml']);
    expect(fs.readFileSync(path.join(out, 'NOTES.md'), 'utf8')).toBe('my notes\n');
    expect(fs.readFileSync(path.join(out, 'eks', 'extra.yaml'), 'utf8')).toBe('mine: true\n');
    expect(fs.readFileSync(path.join(out, 'eks', 'kubernetes.yaml'), 'utf8')).toContain('name: c');
    expect(fs.existsSync(path.join(out, 'gke'))).toBe(false);
    expect(Object.keys(JSON.parse(fs.readFileSync(path.join(out, OUTPUT_RECORD_FILE), 'utf8')).files)).toEqual(['eks/kubernetes.yaml']);
    // and once more: nothing changes
    expect(writeManifests(folders('c'), out)).toEqual(['eks/kubernetes.yaml']);
  });

  test('other files of a folder are written beside its layer files and recorded; bad names are refused before anything is written', () => {
    const out = path.join(root, 'out');
    const withFiles: ManifestFolder[] = [{ name: 'eks', manifests: [np('a')], files: { 'kustomization.yaml': 'resources:\n  - kubernetes.yaml\n' } }];
    expect(writeManifests(withFiles, out)).toEqual(['eks/kubernetes.yaml', 'eks/kustomization.yaml']);
    expect(fs.readFileSync(path.join(out, 'eks', 'kustomization.yaml'), 'utf8')).toBe('resources:\n  - kubernetes.yaml\n');
    expect(Object.keys(JSON.parse(fs.readFileSync(path.join(out, OUTPUT_RECORD_FILE), 'utf8')).files)).toEqual(['eks/kubernetes.yaml', 'eks/kustomization.yaml']);
    const bad = path.join(root, 'bad');
    const e = caught(() => writeManifests([{ name: 'eks', manifests: [np('a')], files: { '../x.yaml': 'a: 1\n', 'kubernetes.yaml': 'b: 2\n', 'ok.yaml': 3 as unknown as string } }], bad));
    expect(e.problems.map((p) => [p.code, p.value])).toEqual([['BH-INPUT-TYPE', '3'], ['BH-OUT-NAME', '"../x.yaml"'], ['BH-OUT-NAME', '"kubernetes.yaml"']]);
    expect(fs.existsSync(bad)).toBe(false);
  });

  test('a non-empty folder it did not create is an error with the fix, and nothing is touched', () => {
    const out = path.join(root, 'mine');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'notes.txt'), 'keep me\n');
    const e = caught(() => writeManifests(folders('a'), out));
    expect(e.problems.map((p) => [p.code, p.path])).toEqual([['BH-OUT-FOREIGN', out]]);
    expect(e.problems[0].fix).toMatch(/new or empty folder/);
    expect(fs.readdirSync(out)).toEqual(['notes.txt']);
    expect(fs.readdirSync(root)).toEqual(['mine']);
  });

  test('an empty existing folder is written', () => {
    const out = path.join(root, 'empty');
    fs.mkdirSync(out);
    expect(writeManifests(folders('a'), out)).toEqual(['eks/kubernetes.yaml']);
    expect(fs.existsSync(path.join(out, OUTPUT_RECORD_FILE))).toBe(true);
  });

  test('a file it did not write, where it would write one, is an error', () => {
    const out = path.join(root, 'out');
    writeManifests([{ name: 'gke', manifests: [np('b')] }], out);
    fs.mkdirSync(path.join(out, 'eks'));
    fs.writeFileSync(path.join(out, 'eks', 'kubernetes.yaml'), 'hand-written: true\n');
    const e = caught(() => writeManifests(folders('a'), out));
    expect(e.problems.map((p) => [p.code, p.path])).toEqual([['BH-OUT-OVERWRITE', path.join(out, 'eks/kubernetes.yaml')]]);
    expect(fs.readFileSync(path.join(out, 'eks', 'kubernetes.yaml'), 'utf8')).toBe('hand-written: true\n');
    expect(fs.readdirSync(root)).toEqual(['out']); // no staging folder left behind
  });

  test('a file it did not write that holds exactly what it would write is taken over', () => {
    const out = path.join(root, 'out');
    const elsewhere = path.join(root, 'elsewhere');
    writeManifests(folders('a'), elsewhere);
    writeManifests([{ name: 'gke', manifests: [np('b')] }], out);
    fs.mkdirSync(path.join(out, 'eks'));
    fs.copyFileSync(path.join(elsewhere, 'eks', 'kubernetes.yaml'), path.join(out, 'eks', 'kubernetes.yaml'));
    expect(writeManifests(folders('a'), out)).toEqual(['eks/kubernetes.yaml']);
    expect(Object.keys(JSON.parse(fs.readFileSync(path.join(out, OUTPUT_RECORD_FILE), 'utf8')).files)).toEqual(['eks/kubernetes.yaml']);
  });

  test('an output folder whose parent cannot be made is an error, not a crash, and nothing is left behind', () => {
    const file = path.join(root, 'file.txt');
    fs.writeFileSync(file, 'x');
    const e = caught(() => writeManifests(folders('a'), path.join(file, 'out')));
    expect(e.problems.map((p) => p.code)).toEqual(['BH-OUT-WRITE']);
    expect(e.problems[0].message).toMatch(/cannot create the parent folder/);
    expect(fs.readdirSync(root)).toEqual(['file.txt']);
  });

  test('a file it wrote and the user edited since is refused (replaced or deleted), every such file at once', () => {
    const out = path.join(root, 'out');
    writeManifests([...folders('a'), { name: 'gke', manifests: [np('b')] }], out);
    fs.appendFileSync(path.join(out, 'eks', 'kubernetes.yaml'), '# my edit\n');
    fs.appendFileSync(path.join(out, 'gke', 'kubernetes.yaml'), '# my edit\n');
    const e = caught(() => writeManifests(folders('z'), out));
    expect(e.problems.map((p) => p.code)).toEqual(['BH-OUT-EDITED', 'BH-OUT-EDITED']);
    expect(e.message).toMatch(/2 problems with the output folder/);
    expect(fs.readFileSync(path.join(out, 'eks', 'kubernetes.yaml'), 'utf8')).toContain('# my edit');
    expect(fs.existsSync(path.join(out, 'gke', 'kubernetes.yaml'))).toBe(true);
    expect(fs.readdirSync(root)).toEqual(['out']); // no staging folder left behind
    // an edited file that already holds what would be written is no loss
    const edited = fs.readFileSync(path.join(out, 'eks', 'kubernetes.yaml'));
    fs.writeFileSync(path.join(out, 'eks', 'kubernetes.yaml'), edited.subarray(0, edited.length - '# my edit\n'.length));
    expect(caught(() => writeManifests(folders('a'), out)).problems.map((p) => p.path)).toEqual([path.join(out, 'gke/kubernetes.yaml')]);
    // deleting the edited files lets synthesis go on
    fs.rmSync(path.join(out, 'eks', 'kubernetes.yaml'));
    fs.rmSync(path.join(out, 'gke'), { recursive: true });
    expect(writeManifests(folders('z'), out)).toEqual(['eks/kubernetes.yaml']);
  });

  test('--out onto a file is an error, not a crash', () => {
    const file = path.join(root, 'file.txt');
    fs.writeFileSync(file, 'x');
    const e = caught(() => writeManifests(folders('a'), file));
    expect(e.problems.map((p) => p.code)).toEqual(['BH-OUT-NOT-FOLDER']);
    expect(fs.readFileSync(file, 'utf8')).toBe('x');
  });

  test('a record Bulkhead did not write is an error', () => {
    const out = path.join(root, 'out');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, OUTPUT_RECORD_FILE), JSON.stringify({ generator: 'bulkhead', version: 1, files: { '../../etc/passwd': 'x' } }));
    expect(caught(() => writeManifests(folders('a'), out)).problems.map((p) => p.code)).toEqual(['BH-OUT-RECORD']);
    fs.writeFileSync(path.join(out, OUTPUT_RECORD_FILE), '{');
    expect(caught(() => writeManifests(folders('a'), out)).problems.map((p) => p.code)).toEqual(['BH-OUT-RECORD']);
  });
});

describe('npm run synth (the example) on a repeat run', () => {
  test('writes, then replaces only its own files; a foreign file survives', () => {
    const out = path.join(root, 'out');
    const synth = () => execFileSync(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', path.join(__dirname, '..', 'examples', 'ecommerce', 'synth.ts'), out], { encoding: 'utf8', cwd: path.join(__dirname, '..') });
    expect(synth()).toMatch(/Synthesized \d+ files into/);
    fs.writeFileSync(path.join(out, 'NOTES.md'), 'mine\n');
    expect(synth()).toMatch(/Synthesized \d+ files into/);
    expect(fs.readFileSync(path.join(out, 'NOTES.md'), 'utf8')).toBe('mine\n');
    expect(fs.readdirSync(out).sort()).toEqual(['.bulkhead-manifest.json', 'NOTES.md', 'eks-prod', 'gke-analytics']);
  }, 120_000);
});
