/**
 * Drift: the synthesis of a declaration compared with committed manifests, object by object and
 * field by field, after normalization (formatting, key order, empty fields, server-written and
 * defaulted fields do not count); objects Bulkhead did not write are foreign, never Bulkhead's.
 */
import * as fc from 'fast-check';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { compareFolders, compareObjects, fieldDifferences, formatDriftReport, normalizeObject, readCommittedFolder } from '../lib/drift';
import { foldersOf, synthesize, writeManifests } from '../lib/synth';
import { Port } from '../lib/core/port';
import { base } from './plan/declare';
import { tempDir } from './util/tmp';

function synthesized() {
  const b = base();
  b.web.allowTo(b.cart, Port.named('grpc'));
  return foldersOf(synthesize(b.topo));
}

function committedTree(): { root: string; folders: ReturnType<typeof synthesized> } {
  const folders = synthesized();
  const root = path.join(tempDir('bh-drift-'), 'out');
  writeManifests(folders, root);
  return { root, folders };
}

/** Rewrites every document of a committed file through `edit`. */
function editFile(file: string, edit: (docs: Record<string, unknown>[]) => Record<string, unknown>[]): void {
  const docs = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS() as Record<string, unknown>);
  fs.writeFileSync(file, edit(docs).map((d) => YAML.stringify(d)).join('---\n'));
}

const np = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy',
  metadata: { name, namespace: 'shop', labels: { 'app.kubernetes.io/managed-by': 'bulkhead' } },
  spec: { podSelector: { matchLabels: { app: 'cart' } }, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 9090, protocol: 'TCP' }] }] },
  ...extra,
});

describe('normalization', () => {
  test('key order, empty maps and lists, server-written fields and API-server defaults do not count', () => {
    const committed = {
      metadata: {
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' }, uid: 'u-1', resourceVersion: '42', generation: 3, creationTimestamp: '2026-01-01T00:00:00Z',
        managedFields: [{ manager: 'kubectl' }], namespace: 'shop', name: 'a', labels: { 'app.kubernetes.io/managed-by': 'bulkhead' },
      },
      spec: { ingress: [{ ports: [{ port: 9090 }] }], podSelector: { matchLabels: { app: 'cart' } }, egress: [] },
      status: { conditions: [] },
      kind: 'NetworkPolicy', apiVersion: 'networking.k8s.io/v1',
    };
    expect(fieldDifferences(normalizeObject(np('a')), normalizeObject(committed))).toEqual([]);
  });

  test('a NetworkPolicy with egress rules defaults policyTypes to Ingress and Egress, as the API server does', () => {
    const withEgress = np('a', { spec: { podSelector: {}, egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }] } });
    expect(normalizeObject(withEgress)).toMatchObject({ spec: { policyTypes: ['Ingress', 'Egress'] } });
  });

  test('an AuthorizationPolicy without action is ALLOW; a Cilium port without protocol is ANY', () => {
    const ap = { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'x', namespace: 'shop' }, spec: { rules: [{}] } };
    expect(normalizeObject(ap)).toMatchObject({ spec: { action: 'ALLOW' } });
    const cnp = { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'x', namespace: 'shop' }, spec: { ingress: [{ toPorts: [{ ports: [{ port: '80' }] }] }] } };
    expect(normalizeObject(cnp)).toMatchObject({ spec: { ingress: [{ toPorts: [{ ports: [{ port: '80', protocol: 'ANY' }] }] }] } });
  });

  test('property: any reordering of keys and any YAML formatting of an object shows no difference', () => {
    const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      leaf: fc.oneof(fc.string(), fc.integer(), fc.boolean()),
      node: fc.oneof({ depthSize: 'small' }, tie('leaf'), fc.array(tie('node'), { maxLength: 3 }), fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), tie('node'), { maxKeys: 4 })),
    })).node;
    const shuffle = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(shuffle);
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v as Record<string, unknown>).reverse().map(([k, x]) => [k, shuffle(x)]));
      return v;
    };
    fc.assert(fc.property(fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), value, { maxKeys: 5 }), (spec) => {
      const o = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: spec };
      const reparsed = YAML.parse(YAML.stringify(shuffle(o), { indent: 4 })) as Record<string, unknown>;
      expect(fieldDifferences(normalizeObject(o), normalizeObject(reparsed))).toEqual([]);
    }), { numRuns: 100 });
  });
});

describe('field differences', () => {
  test('a changed, an added and a removed field, each by path', () => {
    const a = normalizeObject(np('a'));
    const committed = np('a', { spec: { podSelector: { matchLabels: { app: 'cart', 'app.kubernetes.io/name': 'x' } }, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 9091, protocol: 'TCP' }] }] } });
    delete (committed.metadata as Record<string, unknown>).labels;
    expect(fieldDifferences(a, normalizeObject(committed))).toEqual([
      { path: 'metadata.labels', change: 'removed', expected: { 'app.kubernetes.io/managed-by': 'bulkhead' } },
      { path: 'spec.ingress[0].ports[0].port', change: 'changed', expected: 9090, actual: 9091 },
      { path: 'spec.podSelector.matchLabels["app.kubernetes.io/name"]', change: 'added', actual: 'x' },
    ]);
  });
});

describe('compareObjects', () => {
  test('missing, extra (carries the managed-by label of Bulkhead) and foreign (does not) objects; an object of another version of its group is the same object', () => {
    const foreign = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'by-hand', namespace: 'shop' }, spec: {} };
    const r = compareObjects('eks', [np('a'), np('b')], [
      { object: np('a', { apiVersion: 'networking.k8s.io/v1beta1' }), file: 'eks/kubernetes.yaml' },
      { object: np('c'), file: 'eks/kubernetes.yaml' },
      { object: foreign, file: 'eks/app.yaml' },
    ]);
    expect(r.unchanged).toBe(0);
    expect(r.entries.map((e) => [e.status, e.name])).toEqual([['changed', 'a'], ['missing', 'b'], ['foreign', 'by-hand'], ['extra', 'c']]);
    expect(r.entries[0].fields).toEqual([{ path: 'apiVersion', change: 'changed', expected: 'networking.k8s.io/v1', actual: 'networking.k8s.io/v1beta1' }]);
    expect(r.entries.find((e) => e.status === 'foreign')).toMatchObject({ file: 'eks/app.yaml', kind: 'NetworkPolicy', namespace: 'shop' });
  });
});

describe('compareFolders on a committed tree', () => {
  test('the tree bulkhead synth wrote has no drift', () => {
    const { root, folders } = committedTree();
    const r = compareFolders(folders, root);
    expect(r.ok).toBe(true);
    expect(r.drift).toEqual([]);
    expect(r.folders).toEqual([{ folder: 'eks', committed: path.join(root, 'eks'), expected: folders[0].manifests.length, found: folders[0].manifests.length, unchanged: folders[0].manifests.length }]);
    expect(formatDriftReport(r)).toMatch(/^drift: none/m);
  });

  test('reformatted YAML (JSON flow style, keys reversed) and a kustomization.yaml beside the files are no drift', () => {
    const { root, folders } = committedTree();
    const file = path.join(root, 'eks', 'kubernetes.yaml');
    const rev = (v: unknown): unknown => (Array.isArray(v) ? v.map(rev) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v as Record<string, unknown>).reverse().map(([k, x]) => [k, rev(x)])) : v);
    editFile(file, (docs) => docs.map((d) => rev(d) as Record<string, unknown>));
    fs.writeFileSync(path.join(root, 'eks', 'kustomization.yaml'), 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [kubernetes.yaml]\n');
    expect(compareFolders(folders, root).ok).toBe(true);
  });

  test('a port changed by hand, a policy deleted, a Bulkhead policy left over and a hand-written policy: changed, missing, extra and foreign', () => {
    const { root, folders } = committedTree();
    const file = path.join(root, 'eks', 'kubernetes.yaml');
    let removed = '';
    let changed = '';
    editFile(file, (docs) => {
      const nps = docs.filter((d) => d.kind === 'NetworkPolicy');
      removed = (nps[0].metadata as { name: string }).name;
      const target = nps.find((d) => JSON.stringify(d).includes('9090'))!;
      changed = (target.metadata as { name: string }).name;
      const text = JSON.stringify(target).replace(/"port":9090/, '"port":9091');
      return [
        ...docs.filter((d) => d !== nps[0] && d !== target), JSON.parse(text) as Record<string, unknown>,
        np('left-over'),
        { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'by-hand', namespace: 'shop' }, spec: { podSelector: {}, ingress: [{}] } },
      ];
    });
    const r = compareFolders(folders, root);
    expect(r.ok).toBe(false);
    expect(r.drift.map((e) => [e.status, e.name]).sort()).toEqual([['changed', changed], ['extra', 'left-over'], ['missing', removed]].sort());
    const c = r.drift.find((e) => e.status === 'changed')!;
    expect(c.fields).toEqual([expect.objectContaining({ change: 'changed', expected: 9090, actual: 9091 })]);
    expect(c.file).toBe('eks/kubernetes.yaml');
    expect(r.foreign.map((e) => e.name)).toEqual(['by-hand']);
    const text = formatDriftReport(r);
    expect(text).toMatch(/^drift eks: \d+ unchanged, 1 changed, 1 missing, 1 extra, 1 foreign/m);
    expect(text).toMatch(/^ {2}changed spec\.[a-z[\]0-9.]+\.port: 9090 -> 9091$/m);
    expect(text).toMatch(/^foreign eks: NetworkPolicy shop\/by-hand \(eks\/kubernetes\.yaml\): not written by Bulkhead/m);
  });

  test('a single output folder may be the committed folder itself; a folder not committed has every object missing', () => {
    const { root, folders } = committedTree();
    expect(compareFolders(folders, path.join(root, 'eks')).ok).toBe(true);
    const empty = tempDir('bh-drift-empty-');
    fs.mkdirSync(path.join(empty, 'other'));
    const two = [...folders, { ...folders[0], name: 'gke' }];
    const r = compareFolders(two, root);
    expect(r.folders[1]).toEqual({ folder: 'gke', expected: folders[0].manifests.length, found: 0, unchanged: 0 });
    expect(r.drift.every((e) => e.folder === 'gke' && e.status === 'missing')).toBe(true);
    expect(formatDriftReport(r)).toMatch(/^drift gke: no committed folder; 0 unchanged/m);
  });

  test('readCommittedFolder unwraps a List and skips dot files and sub-folders', () => {
    const dir = tempDir('bh-drift-list-');
    fs.writeFileSync(path.join(dir, 'all.yaml'), YAML.stringify({ apiVersion: 'v1', kind: 'List', items: [np('a'), np('b')] }));
    fs.writeFileSync(path.join(dir, '.bulkhead-cluster.json'), '{}');
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'sub', 'x.yaml'), YAML.stringify(np('c')));
    expect(readCommittedFolder(dir, 'eks').map((o) => [(o.object.metadata as { name: string }).name, o.file])).toEqual([['a', 'eks/all.yaml'], ['b', 'eks/all.yaml']]);
  });
});
