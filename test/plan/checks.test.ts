/**
 * The declaration checks on their own: selector overlap on the labels pods carry (indexed,
 * compared with a pairwise oracle), platform namespaces, shared identities, grants held to
 * the checks of declared flows, and the exports another tool checks the output with.
 */
import * as fc from 'fast-check';
import { Duration } from '../../lib/core/duration';
import { Port } from '../../lib/core/port';
import { BreakGlass } from '../../lib/model/break-glass';
import { Cluster } from '../../lib/model/cluster';
import { DomainBoundary } from '../../lib/model/domain';
import { Workload } from '../../lib/model/workload';
import { checkSelectorOverlaps, SelectedWorkload } from '../../lib/plan/checks/selectors';
import { Reporter } from '../../lib/plan/checks/report';
import { podTemplateLabels, standInWorkloads } from '../../lib';
import { base, errors, NOW, plan, planError } from './declare';

/** Runs the overlap check and returns the pairs it reports, as `later<first`. */
function overlaps(list: readonly SelectedWorkload[]): string[] {
  const found: string[] = [];
  const report: Reporter = {
    error: (code, where, message) => {
      expect(code).toBe('BH-SELECTOR-OVERLAP');
      found.push(`${where}<${/selector of (\S+):/.exec(message)?.[1]}`);
    },
    warn: () => { throw new Error('no warnings expected'); },
  };
  checkSelectorOverlaps(list, report);
  return found;
}

const w = (name: string, selector: Record<string, string>, extra: Record<string, string> = {}): SelectedWorkload => ({
  path: `ns/${name}`, name, selector, labels: { ...extra, ...selector },
});

describe('selector overlap', () => {
  test('tricky cases', () => {
    // equal selectors overlap
    expect(overlaps([w('a', { app: 'x' }), w('b', { app: 'x' })])).toEqual(['ns/b<ns/a']);
    // one nested in the other, whichever comes first
    expect(overlaps([w('a', { app: 'x', v: '1' }), w('b', { app: 'x' })])).toEqual(['ns/b<ns/a']);
    // one shared label and one each of their own: neither selects the other's pods
    expect(overlaps([w('a', { team: 't', app: 'a' }), w('b', { team: 't', app: 'b' })])).toEqual([]);
    // same key, other value
    expect(overlaps([w('a', { app: 'a' }), w('b', { app: 'b' })])).toEqual([]);
    // a selector that matches pods through a label only the pods carry (added when bound)
    expect(overlaps([w('a', { app: 'a' }, { 'example.com/role': 'api' }), w('b', { 'example.com/role': 'api' })])).toEqual(['ns/b<ns/a']);
    // one broad selector over many: every pair with it, each once, at the later path
    expect(overlaps([w('c', { team: 't', app: 'c' }), w('a', { team: 't' }), w('b', { team: 't', app: 'b' })])).toEqual(['ns/b<ns/a', 'ns/c<ns/a']);
    // the rarest label of the selector is one the pod lacks: no candidate
    expect(overlaps([w('a', { team: 't', app: 'a' }), w('b', { team: 't', app: 'zzz', extra: '1' })])).toEqual([]);
    // an empty selector is its own error, not an overlap with everything
    expect(overlaps([w('a', {}), w('b', { app: 'b' })])).toEqual([]);
  });

  test('property: the indexed check reports exactly the pairs a pairwise comparison finds, in any order', () => {
    const labels = fc.dictionary(fc.constantFrom('app', 'team', 'tier', 'v'), fc.constantFrom('1', '2'), { minKeys: 1, maxKeys: 3 });
    fc.assert(fc.property(fc.array(fc.tuple(labels, fc.dictionary(fc.constantFrom('role', 'app'), fc.constantFrom('1', '2'), { maxKeys: 1 })), { minLength: 1, maxLength: 12 }), (specs) => {
      const list = specs.map(([sel, extra], i) => w(`w${String(i).padStart(2, '0')}`, sel, extra));
      const oracle: string[] = [];
      list.forEach((b, j) => list.forEach((a, i) => {
        if (i >= j) return;
        const sub = (x: SelectedWorkload, y: SelectedWorkload) => Object.entries(x.selector).every(([k, v]) => y.labels[k] === v);
        if (sub(a, b) || sub(b, a)) oracle.push(`${b.path}<${a.path}`);
      }));
      expect(overlaps(list)).toEqual(oracle);
      expect(overlaps([...list].reverse())).toEqual(oracle);
    }), { numRuns: 300 });
  });

  test('through the planner: bound labels count, and the check is the same for 2,000 workloads of one namespace', () => {
    const b = base();
    for (let i = 0; i < 2000; i++) new Workload(b.topo, `w${i}`, { cluster: b.eks, namespace: 'crowd', selector: { 'app': `w${i}`, 'example.com/team': `t${i % 10}` } });
    new Workload(b.topo, 'team-3', { cluster: b.eks, namespace: 'crowd', selector: { 'example.com/team': 't3' } });
    const e = planError(b.topo);
    const found = e.problems.filter((p) => p.code === 'BH-SELECTOR-OVERLAP');
    expect(errors(e.problems).map((p) => p.code).every((c) => c === 'BH-SELECTOR-OVERLAP')).toBe(true);
    expect(found).toHaveLength(200);
    expect(found.map((p) => p.path).sort()).toEqual(Array.from({ length: 200 }, (_, k) => `shop/w${3 + 10 * k}`).sort());
    expect(found.every((p) => p.message.includes('selector of shop/team-3:'))).toBe(true);
  });
});

describe('platform namespaces', () => {
  test('istio-system is a workload namespace like any other in a cluster that runs no mesh', () => {
    const b = base();
    const plain = new Cluster(b.topo, 'plain', { cloud: 'aws', podCidrs: ['10.9.0.0/16'], layers: ['kubernetes'] });
    new Workload(b.topo, 'tool', { cluster: plain, namespace: 'istio-system' });
    expect(plan(b.topo).workloads.map((x) => x.key)).toContain('plain/istio-system/tool');
  });

  test('every workload of a namespace is reported, with every reason the namespace has', () => {
    const b = base({ platform: { dns: { namespace: 'istio-system', selector: { app: 'dns' } } } });
    const mesh = new Cluster(b.topo, 'mesh', { cloud: 'aws', podCidrs: ['10.9.0.0/16'], layers: ['kubernetes', 'istio'] });
    new Workload(b.topo, 'one', { cluster: mesh, namespace: 'istio-system' });
    new Workload(b.topo, 'two', { cluster: mesh, namespace: 'istio-system' });
    const found = planError(b.topo).problems.filter((p) => p.code === 'BH-NAMESPACE-PLATFORM');
    expect(found.map((p) => p.path)).toEqual(['shop/one', 'shop/two']);
    expect(found[0].message).toMatch(/the cluster DNS, which .*; the mesh control plane, which .*; Istio's root namespace/);
  });
});

describe('shared identities', () => {
  test('a cluster without Istio or SPIRE issues no identity: a shared service account is no error there', () => {
    const b = base();
    const plain = new Cluster(b.topo, 'plain', { cloud: 'aws', podCidrs: ['10.9.0.0/16'], layers: ['kubernetes', 'cilium'] });
    new Workload(b.topo, 'a', { cluster: plain, namespace: 'x', serviceAccount: 'shared' });
    new Workload(b.topo, 'b', { cluster: plain, namespace: 'x', serviceAccount: 'shared' });
    expect(plan(b.topo).workloads.filter((x) => x.cluster === 'plain')).toHaveLength(2);
  });

  test('a trust domain per cluster keeps the same namespace and service account apart', () => {
    const b = base();
    const one = new Cluster(b.topo, 'one', { cloud: 'aws', podCidrs: ['10.8.0.0/16'], layers: ['kubernetes', 'istio'], trustDomain: 'one.shop.example.com' });
    const two = new Cluster(b.topo, 'two', { cloud: 'gcp', podCidrs: ['10.9.0.0/16'], layers: ['kubernetes', 'istio'], trustDomain: 'two.shop.example.com' });
    new Workload(b.topo, 'api-one', { cluster: one, namespace: 'api', name: 'api' });
    new Workload(b.topo, 'api-two', { cluster: two, namespace: 'api', name: 'api' });
    expect(plan(b.topo).workloads.filter((x) => x.name === 'api').map((x) => x.spiffeId)).toEqual([
      'spiffe://one.shop.example.com/ns/api/sa/api', 'spiffe://two.shop.example.com/ns/api/sa/api',
    ]);
  });
});

describe('break-glass grants get the checks of declared flows', () => {
  const grant = (b: ReturnType<typeof base>, to: Workload, start: string) => new BreakGlass(b.topo, 'oncall', {
    from: [b.web], to: [to], ports: Port.named('http'), start, duration: Duration.hours(1), reason: 'collector is down', approvers: ['alice'],
  });

  test('a grant not yet in force is checked now, not when its window opens', () => {
    const b = base();
    const gke = new Cluster(b.topo, 'gke', { cloud: 'gcp' });
    const collector = new Workload(b.topo, 'collector', { cluster: gke, namespace: 'analytics', ports: { http: Port.tcp(8080) } });
    grant(b, collector, '2026-11-23T20:30:00Z');
    expect(errors(planError(b.topo).problems).map((p) => [p.code, p.path])).toEqual([['BH-CROSS-CLUSTER-CIDR', 'shop/oncall (web -> collector)']]);
  });

  test('an expired grant is not emitted and only reported as expired', () => {
    const b = base();
    const gke = new Cluster(b.topo, 'gke', { cloud: 'gcp' });
    const collector = new Workload(b.topo, 'collector', { cluster: gke, namespace: 'analytics', ports: { http: Port.tcp(8080) } });
    grant(b, collector, '2026-11-21T20:30:00Z');
    expect(plan(b.topo).warnings.map((p) => p.code)).toEqual(['BH-BG-EXPIRED']);
  });

  test('a grant reaches a workload its domain does not export (the declared way past exports), with its reason as justification', () => {
    const b = base();
    const d = new DomainBoundary(b.topo, 'ledger');
    const db = d.addWorkload('db', { cluster: b.eks, namespace: 'ledger', ports: { http: Port.tcp(8080) } });
    grant(b, db, '2026-11-22T20:30:00Z');
    const p = plan(b.topo);
    expect(p.flows.filter((f) => f.origin === 'break-glass').map((f) => f.id)).toEqual(['bg:oncall:eks/shop/web->eks/ledger/db']);
  });
});

describe('what another tool needs to check the output', () => {
  test('podTemplateLabels: the selector plus the labels Bulkhead adds, per workload', () => {
    const b = base();
    const d = new DomainBoundary(b.topo, 'payments');
    d.addWorkload('api', { cluster: b.eks, namespace: 'payments', selector: { app: 'pay' } });
    expect(podTemplateLabels(plan(b.topo))).toEqual([
      { key: 'eks/payments/api', path: 'shop/payments/api', cluster: 'eks', namespace: 'payments', name: 'api', labels: { 'app': 'pay', 'bulkhead.io/domain': 'payments', 'bulkhead.io/tier': 'internal', 'bulkhead.io/workload': 'api' } },
      { key: 'eks/shop/cart', path: 'shop/cart', cluster: 'eks', namespace: 'shop', name: 'cart', labels: { 'app.kubernetes.io/name': 'cart', 'bulkhead.io/tier': 'internal', 'bulkhead.io/workload': 'cart' } },
      { key: 'eks/shop/web', path: 'shop/web', cluster: 'eks', namespace: 'shop', name: 'web', labels: { 'app.kubernetes.io/name': 'web', 'bulkhead.io/tier': 'internal', 'bulkhead.io/workload': 'web' } },
    ]);
  });

  test('standInWorkloads: the Deployments verify analyses, leaving out workloads the given objects run', () => {
    const b = base();
    const p = plan(b.topo, NOW);
    const all = standInWorkloads(p, p.clusters[0]);
    const names = all.map((d) => `${d.metadata.namespace}/${d.metadata.name}`);
    expect(names.slice(0, 3)).toEqual(['shop/cart', 'shop/web', 'kube-system/platform-dns']);
    const web = all[1];
    expect(web).toEqual({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' },
      spec: {
        selector: { matchLabels: { 'app.kubernetes.io/name': 'web' } },
        template: {
          metadata: { labels: { 'app.kubernetes.io/name': 'web' } },
          spec: { serviceAccountName: 'web', containers: [{ name: 'main', image: 'stand-in', ports: [{ containerPort: 8080, protocol: 'TCP', name: 'http' }] }] },
        },
      },
    });
    const rest = standInWorkloads(p, p.clusters[0], [web]);
    expect(rest.map((d) => `${d.metadata.namespace}/${d.metadata.name}`)).toEqual(names.filter((n) => n !== 'shop/web'));
  });
});
