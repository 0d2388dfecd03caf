import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AnalysisInputError } from '../../lib/analysis/errors';
import { NAMESPACE_NAME_LABEL, loadManifests, loadObjects } from '../../lib/analysis/loader';
import { deployment, networkPolicy } from './util';
import { thrown } from '../util/thrown';

const FIXTURES = path.join(__dirname, 'fixtures');

const caught = (f: () => unknown) => thrown(f, AnalysisInputError);

describe('loadManifests', () => {
  const m = loadManifests([path.join(FIXTURES, 'loader')]);

  test('reads folders recursively: YAML with many documents, JSON, List wrappers; skips hidden entries and other files', () => {
    expect(m.workloads.map((w) => w.id)).toEqual([
      'default/lonely[Pod]',
      'default/report[CronJob]',
      'infra/agent[DaemonSet]',
      'kube-system/static-etcd[Pod]',
      'shop/db[StatefulSet]',
      'shop/web-7d9f[ReplicaSet]',
      'shop/web[Deployment]',
    ]);
    expect(m.objects.map((o) => o.kind)).toContain('Service');
    expect(m.objects.map((o) => o.kind)).toContain('ConfigMap');
  });

  test('pod-template labels, container ports (TCP by default, sidecar init containers), service accounts', () => {
    const web = m.workloads.find((w) => w.id === 'shop/web[Deployment]')!;
    expect(web.labels).toEqual({ app: 'web' });
    expect(web.serviceAccount).toBe('web-sa');
    expect(web.ports).toEqual([
      { name: 'http', port: 8080, protocol: 'TCP' },
      { name: 'metrics', port: 9090, protocol: 'TCP' },
      { name: 'proxy', port: 15001, protocol: 'TCP' },
    ]);
    expect(web.source).toEqual({ file: path.join(FIXTURES, 'loader', 'workloads.yaml'), index: 0 });
    const report = m.workloads.find((w) => w.id === 'default/report[CronJob]')!;
    expect(report.labels).toEqual({ job: 'report' });
    expect(report.serviceAccount).toBe('default');
    const agent = m.workloads.find((w) => w.name === 'agent')!;
    expect(agent.ports).toEqual([{ port: 9100, protocol: 'UDP' }]);
  });

  test('a pod with a controlling owner is reported as the owner; a static pod (owned by a Node) as itself', () => {
    const rs = m.workloads.find((w) => w.kind === 'ReplicaSet')!;
    expect(rs.labels).toEqual({ app: 'web', 'pod-template-hash': '7d9f' });
    expect(m.podOwners).toEqual({ 'shop/web-7d9f-abcde': 'shop/web-7d9f[ReplicaSet]' });
    expect(m.workloads.find((w) => w.name === 'static-etcd')!.kind).toBe('Pod');
  });

  test('namespaces: labels of Namespace objects, the automatic name label, and namespaces without an object', () => {
    expect(m.namespaces.shop).toEqual({ [NAMESPACE_NAME_LABEL]: 'shop', team: 'shop' });
    expect(m.namespaces.infra).toEqual({ [NAMESPACE_NAME_LABEL]: 'infra' });
    expect(m.namespaces.default).toEqual({ [NAMESPACE_NAME_LABEL]: 'default' });
    expect(m.workloads.find((w) => w.id === 'shop/db[StatefulSet]')!.namespaceLabels).toEqual({ [NAMESPACE_NAME_LABEL]: 'shop', team: 'shop' });
  });

  test('a file given twice is read once; a single file can be given', () => {
    const f = path.join(FIXTURES, 'loader', 'workloads.yaml');
    expect(loadManifests([f, f, path.join(FIXTURES, 'loader')]).workloads).toHaveLength(7);
    expect(loadManifests([f]).workloads.map((w) => w.id)).toEqual(['default/report[CronJob]', 'shop/web[Deployment]']);
  });

  test('unreadable paths and invalid YAML or JSON are clear errors', () => {
    expect(caught(() => loadManifests(['/nonexistent/manifests'])).message).toMatch(/cannot read "\/nonexistent\/manifests"/);
    expect(caught(() => loadManifests([])).message).toMatch(/no manifest files/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-loader-'));
    try {
      fs.writeFileSync(path.join(dir, 'a.yaml'), 'kind: Deployment\nmetadata: {name: x\n');
      const e = caught(() => loadManifests([dir]));
      expect(e.message).toMatch(/a\.yaml \(document 1\): not valid YAML at line \d+/);
      fs.writeFileSync(path.join(dir, 'a.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: []}\n---\n- 1\n- 2\n');
      expect(caught(() => loadManifests([dir])).message).toMatch(/a\.yaml \(document 2\): a document must be a Kubernetes object/);
      fs.writeFileSync(path.join(dir, 'a.yaml'), '');
      fs.writeFileSync(path.join(dir, 'b.json'), '{"kind": ');
      expect(caught(() => loadManifests([dir])).message).toMatch(/b\.json \(document 1\): not valid JSON/);
      fs.writeFileSync(path.join(dir, 'b.json'), '[{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": []}}]');
      expect(loadManifests([dir]).workloads.map((w) => w.id)).toEqual(['default/p[Pod]']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('loadObjects', () => {
  test('objects without metadata.namespace live in default', () => {
    const m = loadObjects([{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'a' }, spec: { selector: {}, template: { spec: { containers: [] } } } }]);
    expect(m.workloads[0]).toMatchObject({ id: 'default/a[Deployment]', namespace: 'default', labels: {}, serviceAccount: 'default', ports: [] });
    expect(m.namespaces).toEqual({ default: { [NAMESPACE_NAME_LABEL]: 'default' } });
  });

  test('an owned pod is skipped when its owner is in the input', () => {
    const m = loadObjects([
      deployment('x', 'web', { app: 'web' }),
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'x', labels: { app: 'web', extra: '1' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'u1', controller: true }] }, spec: { containers: [] } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-2', namespace: 'x', labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'u1', controller: false }] }, spec: { containers: [] } },
    ]);
    expect(m.workloads.map((w) => `${w.id} ${JSON.stringify(w.labels)}`)).toEqual(['x/web-2[Pod] {"app":"web"}', 'x/web[Deployment] {"app":"web"}']);
  });

  test('null documents and non-objects without kind are skipped with a warning', () => {
    const m = loadObjects([null, { replicas: 3 }], 'values');
    expect(m.objects).toEqual([]);
    expect(m.warnings.map((w) => [w.code, w.path, w.message])).toEqual([['BH-IN-NOT-OBJECT', 'values (document 2)', 'not a Kubernetes object (no apiVersion or kind); skipped']]);
  });

  test('workload kinds of other API groups are ignored with a warning; hostNetwork is noted', () => {
    const m = loadObjects([
      { apiVersion: 'example.com/v1', kind: 'Deployment', metadata: { name: 'x' } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'h' }, spec: { hostNetwork: true, containers: [] } },
    ]);
    expect(m.workloads.map((w) => w.id)).toEqual(['default/h[Pod]']);
    const text = m.warnings.map((w) => `${w.severity} ${w.path}: ${w.message}`).join('\n');
    expect(text).toMatch(/info .*example\.com\/v1, not a Kubernetes workload API/);
    expect(text).toMatch(/warning memory \(document 2\), Pod default\/h, spec\.hostNetwork: .*uses hostNetwork/);
  });

  test.each([
    [{ kind: 'Deployment', metadata: { name: 'a' } }, /has no apiVersion/],
    [{ apiVersion: 'v1', metadata: { name: 'a' } }, /has no kind/],
    [{ apiVersion: 'apps/v1', kind: 'Deployment' }, /has no metadata/],
    [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: {} }, /has no name/],
    [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'a', namespace: 3 } }, /metadata\.namespace must be a non-empty string/],
    [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'a' } }, /Deployment default\/a, spec: a Deployment needs a spec/],
    [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'a' }, spec: { selector: {}, template: { metadata: { labels: { on: true } }, spec: { containers: [] } } } }, /spec\.template\.metadata\.labels\.on: a label value must be a string/],
    [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' }, spec: { containers: [{ name: 'c', ports: [{ containerPort: 0 }] }] } }, /spec\.containers\[0\]\.ports\[0\]\.containerPort: containerPort must be a whole number/],
    [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' }, spec: { containers: [{ name: 'c', ports: [{ containerPort: 80, protocol: 'HTTP' }] }] } }, /unknown protocol/],
    [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', ownerReferences: [{ apiVersion: 'v1', uid: 'u', kind: '', name: '', controller: true }] }, spec: { containers: [] } }, /controlling owner reference needs a kind and a name/],
    [{ apiVersion: 'v1', kind: 'List', items: [{ metadata: { name: 'x' } }] }, /has no kind/],
  ])('%j is rejected', (obj, message) => {
    const e = caught(() => loadObjects([obj], 'mem'));
    expect(e.message).toMatch(message);
    expect(e.message).toContain('mem (document 1)');
    expect(e.problem.fix.length).toBeGreaterThan(0);
  });

  test('the same object twice is an error naming both places', () => {
    const e = caught(() => loadObjects([networkPolicy('a', 'p', { podSelector: {} }), networkPolicy('a', 'p', { podSelector: {} })], 'mem'));
    expect(e.message).toMatch(/mem \(document 2\), NetworkPolicy a\/p: the same object is also defined in mem \(document 1\)/);
  });
});
