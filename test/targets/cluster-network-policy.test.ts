import * as fc from 'fast-check';
import { BulkheadError } from '../../lib/core/errors';
import { Sensitivity } from '../../lib/core/sensitivity';
import { Plan, PlanCluster, PlanPort } from '../../lib/plan/types';
import {
  BAND_WIDTH, CNP_MAX_NETWORKS, CNP_MAX_PEERS, CNP_MAX_PROTOCOLS, CNP_MAX_RULES, ClusterNetworkPolicyManifest, ClusterNetworkPolicyRenderResult,
  clusterNetworkPolicyTarget, CnpEgressRule, CnpIngressRule, GUARDRAIL_OFFSET, GUARDRAIL_PRIORITY_BAND, renderClusterNetworkPolicies,
} from '../../lib/targets/cluster-network-policy';
import { sortManifests } from '../../lib/targets/common';
import { mergePorts, portsKey } from '../../lib/targets/kubernetes';
import { fixturePlan } from '../fixtures/plan';
import { schemaErrors } from '../util/schema';
import { buildPlan, deepShuffle, GenFlow, GenWorkload, rng, tcp } from './network-plan-gen';

const NS_LABEL = 'kubernetes.io/metadata.name';

function cluster(plan: Plan, name: string): PlanCluster {
  const c = plan.clusters.find((x) => x.name === name);
  if (!c) throw new Error(name);
  return c;
}
function render(plan: Plan, name: string): ClusterNetworkPolicyRenderResult {
  return renderClusterNetworkPolicies(plan, cluster(plan, name));
}
function byName(r: ClusterNetworkPolicyRenderResult, name: string): ClusterNetworkPolicyManifest {
  const m = r.manifests.find((x) => x.metadata.name === name);
  if (!m) throw new Error(`no ${name}; have ${r.manifests.map((x) => x.metadata.name).join(', ')}`);
  return m;
}
const pods = (ns: string, selector: Record<string, string>) => ({ pods: { namespaceSelector: { matchLabels: { [NS_LABEL]: ns } }, podSelector: { matchLabels: selector } } });
const tcpProto = (n: number) => ({ tcp: { destinationPort: { number: n } } });

/** Checks the quotas and the Pass-then-Deny order of one workload's guardrail objects. */
function checkGuard(objs: readonly ClusterNetworkPolicyManifest[]): { ingress: CnpIngressRule[]; egress: CnpEgressRule[] } {
  const sorted = [...objs].sort((a, b) => a.spec.priority - b.spec.priority);
  for (const o of sorted) {
    expect(o.spec.tier).toBe('Admin');
    expect(o.spec.ingress?.length ?? 0).toBeLessThanOrEqual(CNP_MAX_RULES);
    expect(o.spec.egress?.length ?? 0).toBeLessThanOrEqual(CNP_MAX_RULES);
    for (const r of o.spec.ingress ?? []) {
      expect(r.from.length).toBeGreaterThan(0);
      expect(r.from.length).toBeLessThanOrEqual(CNP_MAX_PEERS);
      expect(r.protocols?.length ?? 0).toBeLessThanOrEqual(CNP_MAX_PROTOCOLS);
      expect(r.name.length).toBeLessThanOrEqual(100);
    }
    for (const r of o.spec.egress ?? []) {
      expect(r.to.length).toBeGreaterThan(0);
      expect(r.to.length).toBeLessThanOrEqual(CNP_MAX_PEERS);
      expect(r.protocols?.length ?? 0).toBeLessThanOrEqual(CNP_MAX_PROTOCOLS);
      for (const p of r.to) if ('networks' in p) expect(p.networks.length).toBeLessThanOrEqual(CNP_MAX_NETWORKS);
    }
    expect(schemaErrors(o)).toEqual([]);
  }
  // consecutive, distinct priorities; one subject
  expect(sorted.map((o) => o.spec.priority)).toEqual(sorted.map((_, i) => sorted[0].spec.priority + i));
  expect(new Set(sorted.map((o) => JSON.stringify(o.spec.subject))).size).toBe(1);
  const ingress = sorted.flatMap((o) => o.spec.ingress ?? []);
  const egress = sorted.flatMap((o) => o.spec.egress ?? []);
  // in evaluation order: every Pass first, then exactly one final Deny
  expect(ingress.map((r) => r.action)).toEqual([...ingress.slice(0, -1).map(() => 'Pass'), 'Deny']);
  expect(egress.map((r) => r.action)).toEqual([...egress.slice(0, -1).map(() => 'Pass'), 'Deny']);
  expect(ingress[ingress.length - 1]).toEqual({ name: 'deny-all-other-pods', action: 'Deny', from: [{ namespaces: {} }] });
  expect(egress[egress.length - 1]).toEqual({ name: 'deny-all', action: 'Deny', to: [{ namespaces: {} }, { networks: ['0.0.0.0/0', '::/0'] }] });
  return { ingress, egress };
}

describe('cluster-network-policy target: guardrails of the fixture', () => {
  const plan = fixturePlan();
  const eu = render(plan, 'eks-eu');
  const us = render(plan, 'gke-us');

  test('one guardrail per guarded workload, nothing for others', () => {
    expect(clusterNetworkPolicyTarget.layer).toBe('cluster-network-policy');
    expect(JSON.stringify(clusterNetworkPolicyTarget.render(plan, cluster(plan, 'eks-eu')))).toBe(JSON.stringify(eu));
    expect(eu.manifests.map((m) => m.metadata.name)).toEqual([
      'bulkhead-bg-db-oncall-payments-payment-db',
      'bulkhead-guard-payments-payment-api',
      'bulkhead-guard-payments-payment-db',
    ]);
    expect(us.manifests).toEqual([]);
    for (const m of eu.manifests) expect(m.metadata.namespace).toBeUndefined();
  });

  test('the subject is exactly the workload', () => {
    expect(byName(eu, 'bulkhead-guard-payments-payment-api').spec.subject).toEqual(pods('payments', { app: 'payment-api' }));
  });

  test('ingress: Pass the declared sources on the declared ports, then Deny', () => {
    const { ingress } = checkGuard([byName(eu, 'bulkhead-guard-payments-payment-api')]);
    expect(ingress).toEqual([
      { name: 'pass-tcp-9090', action: 'Pass', from: [pods('shop', { app: 'web' })], protocols: [tcpProto(9090)] },
      { name: 'deny-all-other-pods', action: 'Deny', from: [{ namespaces: {} }] },
    ]);
    const db = checkGuard([byName(eu, 'bulkhead-guard-payments-payment-db')]);
    expect(db.ingress[0]).toEqual({ name: 'pass-tcp-5432', action: 'Pass', from: [pods('payments', { app: 'payment-api' })], protocols: [tcpProto(5432)] });
    expect(db.ingress).toHaveLength(2); // the break-glass source is not in the guardrail
  });

  test('egress: Pass DNS, workloads and externals (as networks), then Deny', () => {
    const { egress } = checkGuard([byName(eu, 'bulkhead-guard-payments-payment-api')]);
    const names = egress.map((r) => r.name);
    expect(names).toEqual(['pass-tcp-443', 'pass-tcp-53-udp-53', 'pass-tcp-5432', 'deny-all']);
    expect(egress[1]).toEqual({
      name: 'pass-tcp-53-udp-53', action: 'Pass', to: [pods('kube-system', { 'k8s-app': 'kube-dns' })],
      protocols: [tcpProto(53), { udp: { destinationPort: { number: 53 } } }],
    });
    expect(egress[2].to).toEqual([pods('payments', { app: 'payment-db' })]);
    // FQDN external without CIDRs: the public IPv4 space, never private or cluster ranges
    const nets = egress[0].to.flatMap((p) => ('networks' in p ? p.networks : []));
    expect(egress[0].to.every((p) => 'networks' in p)).toBe(true);
    expect(nets).toContain('8.0.0.0/7');
    for (const n of nets) expect(n.startsWith('10.') || n.startsWith('192.168.') || n === '0.0.0.0/0').toBe(false);
    expect(egress[0].protocols).toEqual([tcpProto(443)]);
    const w = eu.warnings.filter((x) => x.code === 'BH-CNP-FQDN');
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ path: 'fixture/stripe', value: 'api.stripe.com' });
  });

  test('break-glass: a separate, marked object that Passes at a higher precedence', () => {
    const bg = byName(eu, 'bulkhead-bg-db-oncall-payments-payment-db');
    const guard = byName(eu, 'bulkhead-guard-payments-payment-db');
    expect(bg.metadata.labels).toMatchObject({ 'bulkhead.io/break-glass': 'db-oncall', 'bulkhead.io/expires-at': '1795384800' });
    expect(bg.metadata.annotations).toMatchObject({ 'bulkhead.io/reason': 'restore a corrupted ledger row', 'bulkhead.io/ticket': 'INC-4711' });
    expect(guard.metadata.labels?.['bulkhead.io/break-glass']).toBeUndefined();
    expect(bg.spec.priority).toBeLessThan(guard.spec.priority);
    expect(bg.spec.subject).toEqual(guard.spec.subject);
    expect(bg.spec.ingress).toEqual([{ name: 'pass-tcp-5432', action: 'Pass', from: [pods('ops', { app: 'oncall' })], protocols: [tcpProto(5432)] }]);
    expect(bg.spec.egress).toBeUndefined();
  });

  test('priorities come from the tier level', () => {
    const hs = GUARDRAIL_PRIORITY_BAND[Sensitivity.HIGHLY_SENSITIVE];
    expect(byName(eu, 'bulkhead-guard-payments-payment-api').spec.priority).toBe(hs + GUARDRAIL_OFFSET);
    expect(byName(eu, 'bulkhead-bg-db-oncall-payments-payment-db').spec.priority).toBe(hs);
    const levels = [Sensitivity.CRITICAL, Sensitivity.HIGHLY_SENSITIVE, Sensitivity.SENSITIVE, Sensitivity.INTERNAL, Sensitivity.PUBLIC];
    const bands = levels.map((l) => GUARDRAIL_PRIORITY_BAND[l]);
    expect(bands).toEqual([...bands].sort((a, b) => a - b));
    expect(bands[bands.length - 1] + BAND_WIDTH - 1).toBeLessThanOrEqual(1000);
  });

  test('every object passes the upstream CRD schema', () => {
    for (const p of [plan, fixturePlan('audit')]) {
      for (const c of p.clusters) {
        for (const m of renderClusterNetworkPolicies(p, c).manifests) expect({ name: m.metadata.name, errors: schemaErrors(m) }).toEqual({ name: m.metadata.name, errors: [] });
      }
    }
  });

  test('audit mode renders the same guardrails', () => {
    const audit = fixturePlan('audit');
    expect(JSON.stringify(render(audit, 'eks-eu'))).toBe(JSON.stringify(eu));
  });

  test('sorted and byte-stable: twice, and with every array of the plan shuffled', () => {
    const all = (p: Plan) => JSON.stringify([...p.clusters].sort((a, b) => (a.name < b.name ? -1 : 1)).map((c) => renderClusterNetworkPolicies(p, c)));
    const base = all(plan);
    expect(all(fixturePlan())).toBe(base);
    expect(JSON.stringify(sortManifests(eu.manifests))).toBe(JSON.stringify(eu.manifests));
    for (let seed = 1; seed <= 10; seed++) expect(all(deepShuffle(fixturePlan(), rng(seed)))).toBe(base);
  });

  test('snapshot of the fixture', () => {
    expect({ 'eks-eu': eu, 'gke-us': us }).toMatchSnapshot();
  });
});

describe('cluster-network-policy target: aggregation and quotas', () => {
  const target: GenWorkload = { cluster: 'c', namespace: 'vault', name: 'vault', level: Sensitivity.CRITICAL };
  function manyCallers(n: number, portOf: (i: number) => PlanPort[]): Plan {
    const callers: GenWorkload[] = Array.from({ length: n }, (_, i) => ({ cluster: 'c', namespace: `ns${i % 7}`, name: `caller${String(i).padStart(4, '0')}` }));
    const flows: GenFlow[] = callers.map((w, i) => ({ from: `c/${w.namespace}/${w.name}`, to: 'c/vault/vault', ports: portOf(i) }));
    return buildPlan({ clusters: [{ name: 'c', podCidrs: ['10.1.0.0/16'] }], workloads: [target, ...callers], flows });
  }

  test('callers that share ports aggregate into one rule, split at 25 peers', () => {
    const r = render(manyCallers(30, () => [tcp(8200)]), 'c');
    const { ingress } = checkGuard(r.manifests.filter((m) => !m.metadata.labels?.['bulkhead.io/break-glass']));
    expect(r.manifests).toHaveLength(1);
    expect(ingress.map((x) => [x.name, x.action, x.from.length])).toEqual([['pass-tcp-8200-1', 'Pass', 25], ['pass-tcp-8200-2', 'Pass', 5], ['deny-all-other-pods', 'Deny', 1]]);
  });

  test('60 callers on distinct ports: split across objects at consecutive priorities, Deny last', () => {
    const plan = manyCallers(60, (i) => [tcp(10000 + i * 2)]);
    const r = render(plan, 'c');
    expect(r.manifests.map((m) => [m.metadata.name, m.spec.priority])).toEqual([
      ['bulkhead-guard-vault-vault', 110],
      ['bulkhead-guard-vault-vault-part-2', 111],
      ['bulkhead-guard-vault-vault-part-3', 112],
    ]);
    const { ingress } = checkGuard(r.manifests);
    expect(ingress).toHaveLength(61);
    // every caller is passed on exactly its port
    for (let i = 0; i < 60; i++) {
      const hits = ingress.filter((x) => x.action === 'Pass' && JSON.stringify(x.from).includes(`caller${String(i).padStart(4, '0')}`));
      expect(hits.map((x) => x.protocols)).toEqual([[tcpProto(10000 + i * 2)]]);
    }
    // the last object holds the Deny; egress (DNS, then Deny) sits in the first
    expect(r.manifests[2].spec.ingress?.map((x) => x.action)).toEqual(['Pass', 'Pass', 'Pass', 'Pass', 'Pass', 'Pass', 'Pass', 'Pass', 'Pass', 'Pass', 'Deny']);
    expect(r.manifests[0].spec.egress?.map((x) => x.action)).toEqual(['Pass', 'Deny']);
    expect(r.manifests[1].spec.egress).toBeUndefined();
  });

  test('more than 25 ports on one peer: protocols split across rules', () => {
    const ports = Array.from({ length: 30 }, (_, i) => tcp(2000 + i * 10));
    const r = render(manyCallers(1, () => ports), 'c');
    const { ingress } = checkGuard(r.manifests);
    expect(ingress.map((x) => x.protocols?.length ?? 0)).toEqual([25, 5, 0]);
  });

  test('an external with many CIDRs: networks split at 25 per peer', () => {
    const cidrs = Array.from({ length: 60 }, (_, i) => `198.18.${i}.0/24`);
    const plan = buildPlan({
      clusters: [{ name: 'c' }],
      workloads: [target],
      externals: [{ name: 'partner', cidrs }],
      flows: [{ from: 'c/vault/vault', to: 'external:partner', ports: [tcp(443)] }],
    });
    const r = render(plan, 'c');
    const { egress } = checkGuard(r.manifests);
    const pass = egress.find((x) => x.name === 'pass-tcp-443');
    expect(pass?.to.map((p) => ('networks' in p ? p.networks.length : 0))).toEqual([25, 25, 10]);
    expect(pass?.to.flatMap((p) => ('networks' in p ? p.networks : []))).toEqual(cidrs);
    expect(r.warnings).toEqual([]);
  });

  test('a guardrail that cannot fit its priority band fails with BH-CNP-QUOTA', () => {
    const plan = manyCallers(90 * 25, (i) => [tcp(1024 + i * 2)]);
    let err: unknown;
    try {
      render(plan, 'c');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BulkheadError);
    const be = err as BulkheadError;
    expect(be.has('BH-CNP-QUOTA')).toBe(true);
    expect(be.problems[0]).toMatchObject({ severity: 'error', path: 'gen/vault/vault', value: '2251 ingress rules, 2 egress rules' });
    expect(be.message).toMatch(/needs 91 objects of 25 rules, but its priority band holds 90/);
  });

  test('sources outside the cluster are left to NetworkPolicy, with a warning', () => {
    const plan = buildPlan({
      clusters: [{ name: 'c', podCidrs: ['10.1.0.0/16'] }, { name: 'd', podCidrs: ['10.2.0.0/16'] }],
      workloads: [target, { cluster: 'd', namespace: 'x', name: 'remote' }],
      externals: [{ name: 'office', cidrs: ['198.51.100.0/24'] }],
      flows: [
        { from: 'external:office', to: 'c/vault/vault', ports: [tcp(8200)] },
        { from: 'd/x/remote', to: 'c/vault/vault', ports: [tcp(8200)] },
        { from: 'c/vault/vault', to: 'd/x/remote', ports: [tcp(9000)] },
      ],
    });
    const r = render(plan, 'c');
    const { ingress, egress } = checkGuard(r.manifests);
    expect(ingress).toEqual([{ name: 'deny-all-other-pods', action: 'Deny', from: [{ namespaces: {} }] }]);
    expect(egress.find((x) => x.name === 'pass-tcp-9000')?.to).toEqual([{ networks: ['10.2.0.0/16'] }]);
    expect(r.warnings.map((w) => [w.code, w.value])).toEqual([
      ['BH-CNP-REMOTE-INGRESS', '10.2.0.0/16'],
      ['BH-CNP-INGRESS-UNSCOPED', 'd/x/remote'],
      ['BH-CNP-INGRESS-UNSCOPED', 'external:office'],
    ]);
  });

  test('workloads of tiers without guardrails get nothing', () => {
    const plan = buildPlan({
      clusters: [{ name: 'c' }],
      workloads: [{ cluster: 'c', namespace: 'a', name: 'x', level: Sensitivity.INTERNAL }, { cluster: 'c', namespace: 'a', name: 'y', level: Sensitivity.SENSITIVE }],
      flows: [{ from: 'c/a/x', to: 'c/a/y', ports: [tcp(80)] }],
    });
    expect(render(plan, 'c').manifests).toEqual([]);
  });
});

describe('cluster-network-policy target: properties of random plans', () => {
  const arb = fc.record({
    workloads: fc.array(fc.record({ ns: fc.constantFrom('a', 'b'), level: fc.constantFrom(Sensitivity.CRITICAL, Sensitivity.HIGHLY_SENSITIVE, Sensitivity.INTERNAL) }), { minLength: 1, maxLength: 6 }),
    flows: fc.array(fc.record({
      s: fc.nat(), d: fc.nat(), bg: fc.boolean(),
      ports: fc.array(fc.record({ port: fc.integer({ min: 1, max: 300 }), span: fc.constantFrom(0, 0, 3) }), { minLength: 1, maxLength: 3 }),
    }), { maxLength: 12 }),
  });

  test('guardrails respect the quotas, Pass exactly the declared peers and ports, then Deny', () => {
    fc.assert(fc.property(arb, ({ workloads, flows }) => {
      const ws: GenWorkload[] = workloads.map((w, i) => ({ cluster: 'c', namespace: w.ns, name: `w${i}`, level: w.level }));
      const key = (i: number) => { const w = ws[i % ws.length]; return `c/${w.namespace}/${w.name}`; };
      const plan = buildPlan({
        clusters: [{ name: 'c', podCidrs: ['10.1.0.0/16'] }],
        workloads: ws,
        flows: flows.map((f) => ({
          from: key(f.s), to: key(f.d), ports: f.ports.map((p) => tcp(p.port, p.span ? p.port + p.span : undefined)), ...(f.bg ? { breakGlass: 'grant' } : {}),
        })),
      });
      const r = render(plan, 'c');
      for (const w of plan.workloads) {
        const mine = r.manifests.filter((m) => m.metadata.labels?.['bulkhead.io/workload'] === w.name);
        if (!w.tier.guardrails) {
          expect(mine).toEqual([]);
          continue;
        }
        const guard = mine.filter((m) => !m.metadata.labels?.['bulkhead.io/break-glass']);
        const bg = mine.filter((m) => m.metadata.labels?.['bulkhead.io/break-glass']);
        const { ingress, egress } = checkGuard(guard);
        for (const b of bg) {
          expect(b.spec.priority).toBeLessThan(Math.min(...guard.map((g) => g.spec.priority)));
          expect([...(b.spec.ingress ?? []), ...(b.spec.egress ?? [])].every((x) => x.action === 'Pass')).toBe(true);
          expect(schemaErrors(b)).toEqual([]);
        }
        // exactly the declared peers, each on the union of its declared ports
        const expectIn = new Map<string, PlanPort[]>();
        for (const e of w.calledBy.filter((x) => x.origin !== 'break-glass')) {
          const src = plan.workloads.find((x) => x.key === e.peer.key);
          if (!src) continue;
          const k = JSON.stringify(pods(src.namespace, src.selector));
          expectIn.set(k, [...(expectIn.get(k) ?? []), ...e.ports]);
        }
        const gotIn = new Map<string, PlanPort[]>();
        for (const rule of ingress.filter((x) => x.action === 'Pass')) {
          for (const p of rule.from) {
            const k = JSON.stringify(p);
            const ports = (rule.protocols ?? []).map((pr): PlanPort => {
              const dp = 'tcp' in pr ? pr.tcp.destinationPort : 'udp' in pr ? pr.udp.destinationPort : pr.sctp.destinationPort;
              return 'number' in dp ? tcp(dp.number) : tcp(dp.range.start, dp.range.end);
            });
            gotIn.set(k, [...(gotIn.get(k) ?? []), ...ports]);
          }
        }
        expect([...gotIn.keys()].sort()).toEqual([...expectIn.keys()].sort());
        for (const [k, ports] of expectIn) expect(portsKey(mergePorts(gotIn.get(k) ?? []))).toBe(portsKey(mergePorts(ports)));
        // egress passes DNS and every declared destination
        const egressPeers = new Set(egress.flatMap((x) => x.to.map((p) => JSON.stringify(p))));
        expect(egressPeers.has(JSON.stringify(pods('kube-system', { 'k8s-app': 'kube-dns' })))).toBe(true);
        for (const e of w.calls.filter((x) => x.origin === 'declared')) {
          const dst = plan.workloads.find((x) => x.key === e.peer.key);
          if (dst) expect(egressPeers.has(JSON.stringify(pods(dst.namespace, dst.selector)))).toBe(true);
        }
      }
    }), { numRuns: 100, seed: 1234 });
  });
});
