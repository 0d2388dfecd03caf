/**
 * The errors a layer finds in its own constraints (object names, quotas, what it can express):
 * each has a code, a message, the construct path, the value and a fix, and they are reported
 * together with the declaration's own problems, in one error, before anything is rendered.
 */
import { BulkheadError, Problem } from '../../lib/core/errors';
import { Duration } from '../../lib/core/duration';
import { Port } from '../../lib/core/port';
import { Sensitivity } from '../../lib/core/sensitivity';
import { BreakGlass } from '../../lib/model/break-glass';
import { External } from '../../lib/model/external';
import { SensitiveTier } from '../../lib/model/tier';
import { Topology } from '../../lib/model/topology';
import { Workload } from '../../lib/model/workload';
import { synthesize } from '../../lib/synth';
import { ISTIO_MAX_PLAINTEXT_PORTS } from '../../lib/targets/istio';
import { Base, base, NOW } from './declare';

function synthError(topo: Topology): BulkheadError {
  try {
    synthesize(topo, { now: NOW });
  } catch (e) {
    if (e instanceof BulkheadError) return e;
    throw e;
  }
  throw new Error('synthesize did not fail');
}

/** A workload named `bg-restore-cart` next to `cart`, which grant `restore` reaches: both get the NetworkPolicy `bg-restore-cart`. */
function nameClash(b: Base): void {
  const clash = new Workload(b.topo, 'bg-restore-cart', { cluster: b.eks, namespace: 'shop', selector: { app: 'bg-restore-cart' }, ports: { grpc: Port.tcp(9090) } });
  b.web.allowTo(clash, Port.named('grpc'));
  new BreakGlass(b.topo, 'restore', {
    from: [b.web], to: [b.cart], ports: Port.named('grpc'), start: '2026-11-22T20:30:00Z', duration: Duration.hours(1), reason: 'cart is losing orders', approvers: ['alice'],
  });
}

/** A public-tier edge that the internet calls on more ports than PeerAuthentication entries Bulkhead writes. */
function wideEdge(b: Base, ports: number): void {
  const edge = new Workload(b.topo, 'edge', { cluster: b.eks, namespace: 'edge', tier: new SensitiveTier(b.topo, 'public', { level: Sensitivity.PUBLIC }) });
  const internet = new External(b.topo, 'internet', { cidrs: ['0.0.0.0/0'] });
  internet.allowTo(edge, Port.tcpRange(30000, 30000 + ports - 1));
}

/** A highly-sensitive vault whose guardrail needs more ClusterNetworkPolicy objects than its band holds. */
function overQuota(b: Base): void {
  const vault = new Workload(b.topo, 'vault', { cluster: b.eks, namespace: 'vault', tier: new SensitiveTier(b.topo, 'secrets', { level: Sensitivity.HIGHLY_SENSITIVE }) });
  for (let i = 0; i < 90 * 25; i++) {
    const caller = new Workload(b.topo, `caller-${i}`, { cluster: b.eks, namespace: 'callers' });
    caller.allowTo(vault, Port.tcp(1024 + 2 * i), { justification: 'reads its secret' });
  }
}

/** A mistake of the declaration itself (found by the planner). */
function planMistake(b: Base): void {
  new External(b.topo, 'nowhere', {});
}

const entry = (e: BulkheadError, code: string): Problem | undefined => e.problems.find((p) => p.code === code);

describe('layer errors: the catalogue', () => {
  test('BH-NP-NAME-CLASH', () => {
    const b = base();
    nameClash(b);
    const p = entry(synthError(b.topo), 'BH-NP-NAME-CLASH');
    expect(p).toMatchObject({ severity: 'error', path: 'shop/eks', value: 'shop/bg-restore-cart' });
    expect(p?.message).toMatch(/two NetworkPolicies of the same namespace of cluster 'eks' would get the same name/);
    expect(p?.fix).toMatch(/rename the workload or the BreakGlass grant/);
  });

  test('BH-ISTIO-PLAINTEXT-RANGE', () => {
    const b = base();
    wideEdge(b, ISTIO_MAX_PLAINTEXT_PORTS + 1);
    const e = synthError(b.topo);
    expect(e.problems.filter((x) => x.severity === 'error').map((x) => x.code)).toEqual(['BH-ISTIO-PLAINTEXT-RANGE']);
    const p = entry(e, 'BH-ISTIO-PLAINTEXT-RANGE');
    expect(p).toMatchObject({ severity: 'error', path: 'shop/edge', value: `tcp/30000-${30000 + ISTIO_MAX_PLAINTEXT_PORTS}` });
    expect(p?.message).toMatch(/on more than 256 TCP ports: PeerAuthentication has no port ranges.*would stay STRICT and reject the declared flows/);
    expect(p?.fix).toMatch(/declare at most 256 ports .*ingress gateway/);
  });

  test('BH-CNP-QUOTA', () => {
    const b = base();
    overQuota(b);
    const p = entry(synthError(b.topo), 'BH-CNP-QUOTA');
    expect(p).toMatchObject({ severity: 'error', path: 'shop/vault', value: '2251 ingress rules, 3 egress rules' });
    expect(p?.message).toMatch(/needs 91 objects of 25 rules, but its priority band holds 90/);
    expect(p?.fix).toMatch(/declare fewer distinct peer\/port combinations/);
  });
});

describe('layer errors come with the declaration\'s own problems, in one run', () => {
  test('a plan error and a NetworkPolicy name clash are reported together', () => {
    const b = base();
    planMistake(b);
    nameClash(b);
    expect(synthError(b.topo).problems.filter((p) => p.severity === 'error').map((p) => p.code).sort()).toEqual(['BH-EXTERNAL-EMPTY', 'BH-NP-NAME-CLASH']);
  });

  test('a plan error, an Istio plaintext range and a ClusterNetworkPolicy quota are reported together', () => {
    const b = base();
    planMistake(b);
    wideEdge(b, 1000);
    overQuota(b);
    expect(synthError(b.topo).problems.filter((p) => p.severity === 'error').map((p) => p.code).sort()).toEqual(['BH-CNP-QUOTA', 'BH-EXTERNAL-EMPTY', 'BH-ISTIO-PLAINTEXT-RANGE']);
  });

  test('every layer error of every cluster is reported, not only the first', () => {
    const b = base();
    nameClash(b);
    wideEdge(b, 1000);
    const other = new Workload(b.topo, 'bg-restore-web', { cluster: b.eks, namespace: 'shop', selector: { app: 'bg-restore-web' } });
    b.cart.allowTo(other, Port.tcp(80));
    new BreakGlass(b.topo, 'restore-2', {
      name: 'restore', from: [b.cart], to: [b.web], ports: Port.named('http'), start: '2026-11-22T20:30:00Z', duration: Duration.hours(1), reason: 'x', approvers: ['alice'],
    });
    const codes = synthError(b.topo).problems.filter((p) => p.severity === 'error').map((p) => `${p.code} ${p.value ?? ''}`).sort();
    expect(codes).toContain('BH-ISTIO-PLAINTEXT-RANGE tcp/30000-30999');
    expect(codes).toContain('BH-NP-NAME-CLASH shop/bg-restore-cart');
    expect(codes).toContain('BH-NP-NAME-CLASH shop/bg-restore-web');
    expect(codes).toContain('BH-DUPLICATE-GRANT "restore"');
  });

  test('duplicate names in the declaration never crash the layer checks (the partial plan keeps the first)', () => {
    const b = base();
    new Workload(b.topo, 'web-2', { name: 'web', cluster: b.eks, namespace: 'shop', selector: { app: 'web-2' } });
    nameClash(b);
    const codes = synthError(b.topo).problems.filter((p) => p.severity === 'error').map((p) => p.code).sort();
    expect(codes).toEqual(['BH-DUPLICATE-WORKLOAD', 'BH-NP-NAME-CLASH']);
  });

  test('nothing is rendered when a layer check fails', () => {
    const b = base();
    nameClash(b);
    const rendered: string[] = [];
    const spy = { layer: 'kubernetes' as const, render: () => { rendered.push('kubernetes'); return { manifests: [], warnings: [] }; }, validate: () => [{ severity: 'error' as const, code: 'BH-TEST', path: 'x', message: 'm', fix: 'f' }] };
    expect(() => synthesize(b.topo, { now: NOW, targets: { kubernetes: spy } })).toThrow(BulkheadError);
    expect(rendered).toEqual([]);
  });
});
