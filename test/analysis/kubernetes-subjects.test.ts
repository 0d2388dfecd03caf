/**
 * The subject index of the Kubernetes layer against testing every policy: the candidates of a
 * workload hold every policy whose subject selects it, in the order given.
 */
import * as fc from 'fast-check';
import { LabelSelector } from '../../lib/analysis/selector';
import { PeerMatch, matchPeer } from '../../lib/analysis/simulators/kubernetes/model';
import { SubjectIndex } from '../../lib/analysis/simulators/kubernetes/subjects';
import { labelsArb, selectorArb as rawSelectorArb } from '../util/selector-arb';
import { workload } from './simulator-fixtures';

const NAMESPACES = ['n1', 'n2', 'n3'];

const selectorArb = rawSelectorArb.map((s) => LabelSelector.parse(s, { object: 'test', field: 'selector' }));
const subjectArb: fc.Arbitrary<PeerMatch> = fc.oneof(
  fc.record({ ns: fc.constantFrom(...NAMESPACES), podSel: selectorArb }).map(({ ns, podSel }): PeerMatch => ({ t: 'pods', ns, podSel })),
  fc.record({ nsSel: selectorArb, podSel: selectorArb }).map(({ nsSel, podSel }): PeerMatch => ({ t: 'pods', nsSel, podSel })),
  fc.constant<PeerMatch>({ t: 'all' }),
  fc.constant<PeerMatch>({ t: 'ips', ranges: [[0, 0xffffffff]], byAddress: true }),
);
const workloadsArb = fc.array(
  fc.record({ ns: fc.constantFrom(...NAMESPACES), labels: labelsArb, env: fc.constantFrom('a', 'b', undefined) }),
  { minLength: 1, maxLength: 6 },
).map((ws) => ws.map((w, i) => workload(w.ns, `w${i}`, { labels: w.labels, namespaceLabels: w.env ? { env: w.env } : {} })));

describe('Kubernetes subject index', () => {
  test('the candidates of a workload, tested, are the policies that select it, in order', () => {
    fc.assert(fc.property(fc.array(subjectArb, { maxLength: 8 }), workloadsArb, (subjects, ws) => {
      const items = subjects.map((subject, i) => ({ i, subject }));
      const index = new SubjectIndex(items, (x) => x.subject);
      for (const w of ws) {
        const expected = items.filter((x) => matchPeer(x.subject, w, undefined)).map((x) => x.i);
        const candidates = index.candidates(w).map((x) => x.i);
        expect(candidates).toEqual([...candidates].sort((a, b) => a - b));
        expect(new Set(candidates).size).toBe(candidates.length);
        expect(index.candidates(w).filter((x) => matchPeer(x.subject, w, undefined)).map((x) => x.i)).toEqual(expected);
      }
    }), { numRuns: 300 });
  });
});
