/**
 * Properties of the cluster layers on random flows between pods and cloud workloads: the
 * analysis engine finds every layer exact (verify reports no missing and no over-permissive
 * flow, judging each cloud workload at a stand-in address in its subnets), every object is
 * schema-valid, and the output does not depend on the order of the plan's flows.
 */
import * as fc from 'fast-check';
import { PlanPort } from '../../lib/plan/types';
import { verifySynthesis } from '../../lib/verify';
import { schemaErrors } from '../util/schema';
import { cloud, cloudPlan, FixtureFlow, pod, tcp, synthesizePlan as synth } from './cloud-peers-plan';


const PODS = [pod('shop', 'orders'), pod('shop', 'web'), pod('shop', 'reports'), pod('payments', 'ledger')];
/** Every flow the layers can enforce: pods to any cloud workload, the ERP (identity) to any pod, the legacy VMs (no identity) to the public web. */
const CANDIDATES: readonly Omit<FixtureFlow, 'ports'>[] = [
  ...PODS.flatMap((p) => ['erp', 'legacy', 'orders-db'].map((c) => ({ source: p, destination: cloud(c) }))),
  ...PODS.map((p) => ({ source: cloud('erp'), destination: p })),
  { source: cloud('legacy'), destination: pod('shop', 'web') },
];

const portArb: fc.Arbitrary<PlanPort> = fc.oneof(
  fc.constantFrom(443, 5432, 8080, 8443, 9090).map((p) => tcp(p)),
  fc.integer({ min: 10000, max: 10020 }).map((p) => ({ ...tcp(p), endPort: p + 5 })),
);

const flowsArb = fc.uniqueArray(fc.integer({ min: 0, max: CANDIDATES.length - 1 }), { minLength: 1, maxLength: 8 }).chain((idx) =>
  fc.tuple(...idx.map(() => fc.uniqueArray(portArb, { minLength: 1, maxLength: 2, selector: (p) => `${p.port}-${p.endPort ?? p.port}` }))).map((ports) =>
    idx.map((i, k): FixtureFlow => ({ ...CANDIDATES[i], ports: [...ports[k]].sort((a, b) => a.port - b.port) }))));

describe('cloud peers: properties', () => {
  test('verify finds every layer exact on random cloud flows', () => {
    fc.assert(fc.property(flowsArb, (flows) => {
      const report = verifySynthesis(synth(cloudPlan({ flows })));
      expect(report.findings).toEqual([]);
      expect(report.layers.every((l) => l.status === 'exact')).toBe(true);
    }), { numRuns: 25 });
  });

  test('every object is schema-valid, in both modes, and the output does not depend on the order of flows', () => {
    fc.assert(fc.property(flowsArb, fc.constantFrom('enforce' as const, 'audit' as const), (flows, mode) => {
      const a = synth(cloudPlan({ flows, mode }));
      const b = synth(cloudPlan({ flows: [...flows].reverse(), mode }));
      expect(JSON.stringify(b.clusters)).toBe(JSON.stringify(a.clusters));
      for (const m of a.clusters[0].manifests) expect(schemaErrors(m)).toEqual([]);
    }), { numRuns: 10 });
  });
});
