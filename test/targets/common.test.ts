import * as fc from 'fast-check';
import { jsonCopy, sortedRecord, sortInPlace, sortManifests, withEnvironmentLabel } from '../../lib/targets/common';
import { Plan } from '../../lib/plan/types';
import { KubeManifest } from '../../lib/targets/types';

/** Plain data as the renderers build it: JSON values, with undefined fields and items mixed in. */
const plain: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null), fc.constant(undefined), fc.boolean(), fc.string(), fc.double(), fc.integer(),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('__proto__', '0', '10', 'constructor')), tie('value'), { maxKeys: 5, noNullPrototype: true }),
  ),
})).value;

describe('jsonCopy', () => {
  test('is the value of a JSON round trip (same text, fields in the same order)', () => {
    fc.assert(fc.property(plain, (v) => {
      expect(JSON.stringify(jsonCopy(v))).toBe(JSON.stringify(v));
      if (v !== undefined) expect(jsonCopy(v)).toEqual(JSON.parse(JSON.stringify(v)));
    }), { numRuns: 500 });
  });

  test('shares no object or array with its input', () => {
    const rules = [{ from: [{ source: { principals: ['a'] } }], to: [{ operation: { ports: ['80'] } }] }];
    const copy = jsonCopy(rules);
    expect(copy).toEqual(rules);
    expect(copy).not.toBe(rules);
    expect(copy[0].from[0].source).not.toBe(rules[0].from[0].source);
    expect(copy[0].to[0].operation.ports).not.toBe(rules[0].to[0].operation.ports);
  });
});

/** Short names from a small alphabet, so that equal fields and common prefixes are frequent. */
const part = fc.string({ unit: fc.constantFrom('a', 'b', '-', '.', '/', 'z', '0'), maxLength: 4 });

const manifest: fc.Arbitrary<KubeManifest> = fc.record({
  apiVersion: fc.constantFrom('v1', 'v1beta', 'cilium.io/v2', 'networking.k8s.io/v1'),
  kind: fc.constantFrom('NetworkPolicy', 'Network', 'CiliumNetworkPolicy'),
  namespace: fc.option(part, { nil: undefined }),
  name: part,
  n: fc.nat(),
}).map(({ apiVersion, kind, namespace, name, n }) => ({
  apiVersion, kind, metadata: { name, ...(namespace === undefined ? {} : { namespace }), labels: { n: String(n) } },
}) as unknown as KubeManifest);

describe('sortManifests', () => {
  test('is the stable sort by the joined key apiVersion, kind, namespace, name', () => {
    fc.assert(fc.property(fc.array(manifest, { maxLength: 30 }), (ms) => {
      const key = (m: KubeManifest) => `${m.apiVersion}\u0000${m.kind}\u0000${m.metadata.namespace ?? ''}\u0000${m.metadata.name}`;
      const reference = ms.map((m, i) => ({ m, i, k: key(m) })).sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.i - b.i)).map((x) => x.m);
      const sorted = sortManifests(ms);
      expect(sorted).toHaveLength(reference.length);
      sorted.forEach((m, i) => expect(m).toBe(reference[i]));
    }), { numRuns: 500 });
  });
});

describe('sortInPlace', () => {
  test('orders a list as a stable sort does, in place', () => {
    fc.assert(fc.property(fc.array(fc.record({ k: fc.integer({ min: 0, max: 5 }), i: fc.nat() }), { maxLength: 20 }), (xs) => {
      const order = (a: { k: number }, b: { k: number }) => a.k - b.k;
      const reference = [...xs].sort(order);
      const list = [...xs];
      expect(sortInPlace(list, order)).toBe(list);
      list.forEach((x, i) => expect(x).toBe(reference[i]));
    }), { numRuns: 500 });
  });
});

describe('withEnvironmentLabel', () => {
  const plan = { topology: { name: 't', environment: 'prod', trustDomain: 'td', mode: 'enforce', labelEnvironment: true } } as unknown as Plan;
  const labels = fc.dictionary(fc.constantFrom('a', 'app.kubernetes.io/managed-by', 'bulkhead.io/environment', 'bulkhead.io/layer', 'bulkhead.io/workload', 'z'), fc.string({ maxLength: 3 }), { maxKeys: 6 });

  test('labels are those of the object with the environment label, keys sorted, whatever their order', () => {
    fc.assert(fc.property(labels, fc.boolean(), (l, sorted) => {
      const given = sorted ? sortedRecord(l) : l;
      const m = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels: given } } as unknown as KubeManifest;
      const out = withEnvironmentLabel(plan, m);
      const reference = sortedRecord({ ...given, 'bulkhead.io/environment': 'prod' });
      expect(Object.entries(out.metadata.labels ?? {})).toEqual(Object.entries(reference));
      expect(m.metadata.labels).toBe(given);
    }), { numRuns: 500 });
  });
});
