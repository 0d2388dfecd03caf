/**
 * `synthesize` reports every problem of a declaration at once: the planner's and each layer's
 * (checked on the plan of what resolved), whatever mix of mistakes the declaration holds, and
 * never crashes on the partial plan.
 */
import * as fc from 'fast-check';
import { BulkheadError } from '../lib/core/errors';
import { Duration } from '../lib/core/duration';
import { Port } from '../lib/core/port';
import { Sensitivity } from '../lib/core/sensitivity';
import { BreakGlass } from '../lib/model/break-glass';
import { Cluster } from '../lib/model/cluster';
import { External } from '../lib/model/external';
import { SensitiveTier } from '../lib/model/tier';
import { Workload } from '../lib/model/workload';
import { synthesize } from '../lib/synth';
import { base, Base, NOW } from './plan/declare';

/** Mistakes, each with the error code it must produce. */
const MISTAKES: Readonly<Record<string, { code: string; add: (b: Base) => void }>> = {
  emptyExternal: { code: 'BH-EXTERNAL-EMPTY', add: (b) => { new External(b.topo, 'nowhere', {}); } },
  duplicateWorkload: { code: 'BH-DUPLICATE-WORKLOAD', add: (b) => { new Workload(b.topo, 'web-again', { name: 'web', cluster: b.eks, namespace: 'shop', selector: { app: 'web-again' } }); } },
  duplicateCluster: { code: 'BH-DUPLICATE-CLUSTER', add: (b) => { new Cluster(b.topo, 'eks-again', { name: 'eks', cloud: 'aws' }); } },
  badCidr: { code: 'BH-CIDR', add: (b) => { new Cluster(b.topo, 'other', { cloud: 'gcp', podCidrs: ['10.0.0.0/33'] }); } },
  unknownNamedPort: { code: 'BH-NAMED-PORT', add: (b) => b.web.allowTo(b.cart, Port.named('nope')) },
  badName: { code: 'BH-NAME', add: (b) => { new Workload(b.topo, 'Bad_Name', { cluster: b.eks, namespace: 'shop', selector: { app: 'bad' } }); } },
  grantApprovers: {
    code: 'BH-BG-APPROVERS',
    add: (b) => {
      const vault = new Workload(b.topo, 'vault', { cluster: b.eks, namespace: 'vault', ports: { https: Port.HTTPS }, tier: new SensitiveTier(b.topo, 'secrets', { level: Sensitivity.CRITICAL }) });
      new BreakGlass(b.topo, 'peek', { from: [b.web], to: [vault], ports: Port.HTTPS, start: '2026-11-22T20:30:00Z', duration: Duration.minutes(15), reason: 'x', approvers: [] });
    },
  },
  nameClash: {
    code: 'BH-NP-NAME-CLASH',
    add: (b) => {
      const clash = new Workload(b.topo, 'bg-restore-cart', { cluster: b.eks, namespace: 'shop', selector: { app: 'bg-restore-cart' }, ports: { grpc: Port.tcp(9090) } });
      b.web.allowTo(clash, Port.named('grpc'));
      new BreakGlass(b.topo, 'restore', { from: [b.web], to: [b.cart], ports: Port.named('grpc'), start: '2026-11-22T20:30:00Z', duration: Duration.hours(1), reason: 'r', approvers: ['alice'] });
    },
  },
  plaintextRange: {
    code: 'BH-ISTIO-PLAINTEXT-RANGE',
    add: (b) => {
      const edge = new Workload(b.topo, 'edge', { cluster: b.eks, namespace: 'edge', tier: new SensitiveTier(b.topo, 'public', { level: Sensitivity.PUBLIC }) });
      new External(b.topo, 'internet', { cidrs: ['0.0.0.0/0'] }).allowTo(edge, Port.tcpRange(1024, 4096));
    },
  },
};

describe('synthesize: every problem at once, on any mix of mistakes', () => {
  test('each mistake is reported, and nothing but BulkheadError is thrown', () => {
    const names = Object.keys(MISTAKES);
    fc.assert(fc.property(fc.subarray(names, { minLength: 1 }), (chosen) => {
      const b = base();
      for (const n of chosen) MISTAKES[n].add(b);
      let error: unknown;
      try {
        synthesize(b.topo, { now: NOW });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(BulkheadError);
      const codes = new Set((error as BulkheadError).problems.filter((p) => p.severity === 'error').map((p) => p.code));
      for (const n of chosen) expect([n, codes.has(MISTAKES[n].code)]).toEqual([n, true]);
    }), { numRuns: 60 });
  });
});
