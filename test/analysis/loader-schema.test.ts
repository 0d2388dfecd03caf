import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as fc from 'fast-check';
import { Analysis } from '../../lib/analysis/engine';
import { AnalysisInputError } from '../../lib/analysis/errors';
import { loadManifests, loadObjects } from '../../lib/analysis/loader';
import { schemaOf } from '../../lib/analysis/schema';
import { generate, SCHEMAS_FILE } from '../../projenrc/gen-schemas';
import { deployment, namespace, networkPolicy } from './util';
import { thrown } from '../util/thrown';

const caught = (f: () => unknown) => thrown(f, AnalysisInputError);

function tmp(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-loader-schema-'));
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), text);
  }
  return dir;
}

const codes = (ws: readonly { code: string; path: string }[]): string[][] => ws.map((w) => [w.code, w.path]);

describe('the loader analyses what the API server would store', () => {
  test('a misspelled podSelectr never passes silently: the field is dropped, and the policy, missing podSelector, is left out', () => {
    const m = loadObjects([deployment('shop', 'web', { app: 'web' }), networkPolicy('shop', 'deny', { podSelectr: {}, policyTypes: ['Ingress'] })], 'mem');
    expect(codes(m.warnings)).toEqual([
      ['BH-IN-REQUIRED', 'mem (document 2), NetworkPolicy shop/deny, spec.podSelector'],
      ['BH-IN-UNKNOWN-FIELD', 'mem (document 2), NetworkPolicy shop/deny, spec.podSelectr'],
    ]);
    const unknown = m.warnings.find((w) => w.code === 'BH-IN-UNKNOWN-FIELD')!;
    expect(unknown.message).toMatch(/has no field "podSelectr".*kubectl apply rejects the object by default: server-side field validation Strict/);
    expect(unknown.severity).toBe('warning');
    expect(m.objects.map((o) => o.kind)).toEqual(['Deployment']);
    // --strict: both are errors, reported at once
    const e = caught(() => loadObjects([networkPolicy('shop', 'deny', { podSelectr: {}, policyTypes: ['Ingress'] })], 'mem', { strict: true }));
    expect(e.problems.map((p) => [p.severity, p.code])).toEqual([['error', 'BH-IN-EMPTY'], ['error', 'BH-IN-REQUIRED'], ['error', 'BH-IN-UNKNOWN-FIELD']]);
    expect(e.message).toMatch(/3 problems in the input/);
  });

  test('an unknown field deep in a rule is dropped as the API server drops it, and the analysis follows what is stored', () => {
    // `form` is not `from`: the stored rule has no peers, so it admits every source
    const objects = [
      namespace('shop'),
      deployment('shop', 'db', { app: 'db' }, [[5432, 'pg']]),
      deployment('shop', 'web', { app: 'web' }),
      networkPolicy('shop', 'db', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ form: [{ podSelector: { matchLabels: { app: 'web' } } }] }] }),
    ];
    const m = loadObjects(objects, 'mem');
    expect(codes(m.warnings)).toEqual([['BH-IN-UNKNOWN-FIELD', 'mem (document 4), NetworkPolicy shop/db, spec.ingress[0].form']]);
    const policy = m.objects.find((o) => o.kind === 'NetworkPolicy')!;
    expect(policy.raw.spec).toEqual({ podSelector: { matchLabels: { app: 'db' } }, ingress: [{}] });
    expect(Analysis.of(m).explain('203.0.113.9', 'shop/db', { protocol: 'TCP', port: 5432 }).allowed).toBe(true);
    // the input is not changed
    expect((objects[3] as { spec: { ingress: Record<string, unknown>[] } }).spec.ingress[0].form).toBeDefined();
  });

  test('a workload port entry without containerPort: the object is left out with a warning (an error with strict)', () => {
    const bad = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', ports: [{ name: 'http', port: 8080 }] }] } } },
    };
    const m = loadObjects([bad], 'mem');
    expect(m.workloads).toEqual([]);
    expect(codes(m.warnings)).toEqual(expect.arrayContaining([
      ['BH-IN-REQUIRED', 'mem (document 1), Deployment shop/web, spec.template.spec.containers[0].ports[0].containerPort'],
      ['BH-IN-UNKNOWN-FIELD', 'mem (document 1), Deployment shop/web, spec.template.spec.containers[0].ports[0].port'],
    ]));
    expect(caught(() => loadObjects([bad], 'mem', { strict: true })).has('BH-IN-REQUIRED')).toBe(true);
  });

  test('custom resources are checked against their CRD: Cilium, Istio, ClusterNetworkPolicy; preserved fields are kept', () => {
    const m = loadObjects([
      { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'c', namespace: 'shop' }, spec: { endpointSelector: {}, ingress: [{ fromEndpoint: [{}] }] } },
      { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'a', namespace: 'shop' }, spec: { action: 'ALLOW', rules: [{ form: [] }] } },
      { apiVersion: 'policy.networking.k8s.io/v1alpha2', kind: 'ClusterNetworkPolicy', metadata: { name: 'g' }, spec: { tier: 'Admin', priority: 1, subject: { namespaces: {} }, ingres: [] } },
      deployment('shop', 'web', { app: 'web' }),
    ], 'mem');
    expect(codes(m.warnings)).toEqual([
      ['BH-IN-UNKNOWN-FIELD', 'mem (document 1), CiliumNetworkPolicy shop/c, spec.ingress[0].fromEndpoint'],
      ['BH-IN-UNKNOWN-FIELD', 'mem (document 2), AuthorizationPolicy shop/a, spec.rules[0].form'],
      ['BH-IN-UNKNOWN-FIELD', 'mem (document 3), ClusterNetworkPolicy g, spec.ingres'],
    ]);
    // labels and annotations are maps: any key is a field of the object
    const ok = loadObjects([{ ...(deployment('shop', 'x', { 'a.example.com/b': 'c' }) as object), metadata: { name: 'x', namespace: 'shop', annotations: { 'any.example.com/thing': 'v' } } }], 'mem');
    expect(ok.warnings).toEqual([]);
  });

  test('every unknown key anywhere in a NetworkPolicy spec is reported, never silently kept (property)', () => {
    const known = new Set(['podSelector', 'ingress', 'egress', 'policyTypes', 'from', 'to', 'ports', 'ipBlock', 'namespaceSelector', 'matchLabels', 'matchExpressions', 'cidr', 'except', 'port', 'endPort', 'protocol']);
    const key = fc.stringMatching(/^[a-z][A-Za-z]{2,12}$/).filter((k) => !known.has(k));
    fc.assert(
      fc.property(key, fc.constantFrom('spec', 'spec.ingress[0]', 'spec.ingress[0].from[0]', 'spec.ingress[0].from[0].podSelector', 'spec.ingress[0].ports[0]'), (k, where) => {
        const spec: Record<string, unknown> = { podSelector: {}, ingress: [{ from: [{ podSelector: {} }], ports: [{ port: 80 }] }] };
        const target = where.split('.').slice(1).reduce<Record<string, unknown>>((acc, part) => {
          const m = /^(\w+)\[0\]$/.exec(part);
          return m ? (acc[m[1]] as Record<string, unknown>[])[0] : (acc[part] as Record<string, unknown>);
        }, spec);
        target[k] = { anything: 1 };
        const m = loadObjects([networkPolicy('ns', 'p', spec)], 'mem');
        expect(codes(m.warnings)).toContainEqual(['BH-IN-UNKNOWN-FIELD', `mem (document 1), NetworkPolicy ns/p, ${where}.${k}`]);
        expect(JSON.stringify(m.objects[0].raw)).not.toContain(`"${k}"`);
      }),
      { numRuns: 200 },
    );
  });

  test('policy kinds that are not simulated get a warning (Calico, Linkerd, Gateway API, cloud firewalls)', () => {
    const m = loadObjects([
      { apiVersion: 'crd.projectcalico.org/v1', kind: 'NetworkPolicy', metadata: { name: 'calico', namespace: 'shop' }, spec: { selector: 'all()' } },
      { apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name: 'global' }, spec: {} },
      { apiVersion: 'policy.linkerd.io/v1beta3', kind: 'Server', metadata: { name: 'srv', namespace: 'shop' }, spec: {} },
      { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'shop' }, spec: {} },
      { apiVersion: 'vpcresources.k8s.aws/v1beta1', kind: 'SecurityGroupPolicy', metadata: { name: 'sg', namespace: 'shop' }, spec: {} },
      deployment('shop', 'web', { app: 'web' }),
    ], 'mem');
    expect(m.warnings.filter((w) => w.code === 'BH-IN-NOT-SIMULATED').map((w) => w.path)).toEqual([
      'mem (document 1), NetworkPolicy shop/calico',
      'mem (document 2), GlobalNetworkPolicy global',
      'mem (document 3), Server shop/srv',
      'mem (document 4), Gateway shop/gw',
      'mem (document 5), SecurityGroupPolicy shop/sg',
    ]);
    expect(m.warnings[0].message).toMatch(/does not simulate/);
    // a Calico NetworkPolicy is not a Kubernetes NetworkPolicy: the kubernetes layer is absent
    expect(Analysis.of(m).presentLayers).toEqual([]);
  });

  test('kustomization.yaml, values*.yaml and Helm charts are skipped with "render first"', () => {
    const dir = tmp({
      'kustomization.yaml': 'resources: [app.yaml]\n',
      'app.yaml': 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c}]}\n',
      'values-prod.yaml': 'replicas: 3\n',
      'chart/Chart.yaml': 'apiVersion: v2\nname: x\nversion: 1.0.0\n',
      'chart/values.yaml': 'a: 1\n',
      'chart/templates/deploy.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n',
    });
    try {
      const m = loadManifests([dir]);
      expect(m.workloads.map((w) => w.id)).toEqual(['default/p[Pod]']);
      const render = m.warnings.filter((w) => w.code === 'BH-IN-RENDER-FIRST');
      expect(render.map((w) => path.relative(dir, w.path))).toEqual(['chart', 'kustomization.yaml', 'values-prod.yaml']);
      expect(render.every((w) => /render/.test(w.fix))).toBe(true);
      expect(caught(() => loadManifests([dir], { strict: true })).problems.filter((p) => p.code === 'BH-IN-RENDER-FIRST')).toHaveLength(3);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a folder holding several clusters in Bulkhead\'s layout is refused with the fix; one cluster folder is analysed', () => {
    const pod = (n: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${n}}\nspec: {containers: [{name: c}]}\n`;
    const dir = tmp({ 'eks/kubernetes.yaml': pod('a'), 'eks/app.yaml': pod('a2'), 'gke/kubernetes.yaml': pod('b') });
    try {
      const e = caught(() => loadManifests([dir]));
      expect(e.problems.map((p) => p.code)).toEqual(['BH-IN-MULTI-CLUSTER']);
      expect(e.message).toMatch(/holds the manifests of 2 clusters \(eks, gke\)/);
      expect(e.problems[0].fix).toContain(path.join(dir, 'eks'));
      expect(loadManifests([path.join(dir, 'eks')]).workloads.map((w) => w.id)).toEqual(['default/a2[Pod]', 'default/a[Pod]']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an empty folder, or input without workloads, is a warning, not silence', () => {
    const dir = tmp({ 'README.md': 'nothing here\n' });
    try {
      expect(codes(loadManifests([dir]).warnings)).toEqual([['BH-IN-EMPTY', dir]]);
      expect(caught(() => loadManifests([dir], { strict: true })).has('BH-IN-EMPTY')).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(loadObjects([networkPolicy('a', 'p', { podSelector: {} })], 'mem').warnings.map((w) => w.code)).toEqual(['BH-IN-EMPTY']);
  });

  test('checkSchemas: false keeps every field (clusters with experimental-channel CRDs)', () => {
    const m = loadObjects([networkPolicy('a', 'p', { podSelector: {}, extra: 1 })], 'mem', { checkSchemas: false });
    expect(m.warnings.map((w) => w.code)).toEqual(['BH-IN-EMPTY']);
    expect(m.objects[0].raw.spec).toEqual({ podSelector: {}, extra: 1 });
  });
});

describe('the generated schemas', () => {
  test('cover the core kinds and the simulated custom resources', () => {
    for (const [v, k] of [['v1', 'Pod'], ['apps/v1', 'Deployment'], ['apps/v1', 'StatefulSet'], ['apps/v1', 'DaemonSet'], ['apps/v1', 'ReplicaSet'], ['batch/v1', 'Job'], ['batch/v1', 'CronJob'], ['v1', 'Service'], ['v1', 'Namespace'], ['networking.k8s.io/v1', 'NetworkPolicy'],
      ['cilium.io/v2', 'CiliumNetworkPolicy'], ['cilium.io/v2', 'CiliumClusterwideNetworkPolicy'], ['security.istio.io/v1', 'AuthorizationPolicy'], ['security.istio.io/v1beta1', 'PeerAuthentication'], ['networking.istio.io/v1', 'ServiceEntry'], ['networking.istio.io/v1', 'Sidecar'],
      ['policy.networking.k8s.io/v1alpha2', 'ClusterNetworkPolicy'], ['policy.networking.k8s.io/v1alpha1', 'AdminNetworkPolicy'], ['spire.spiffe.io/v1alpha1', 'ClusterSPIFFEID']]) {
      expect([v, k, schemaOf(v, k) !== undefined]).toEqual([v, k, true]);
    }
  });

  test('are up to date with their sources (regenerate with npx projen gen-schemas; never edit by hand)', () => {
    const text = fs.readFileSync(SCHEMAS_FILE, 'utf8');
    expect(text.startsWith('// Generated by `npx projen gen-schemas`')).toBe(true);
    expect(generate()).toBe(text);
  }, 60_000);
});
