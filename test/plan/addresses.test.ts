/**
 * An External stands for (∪ cidrs − ∪ except). The plan computes that set and hands the
 * renderers disjoint blocks with their except ranges strictly inside; every layer then
 * allows exactly that set.
 */
import * as fc from 'fast-check';
import * as ipaddr from 'ipaddr.js';
import { Analysis, AnalysisLayer } from '../../lib/analysis';
import { Interval, mergeIntervals, subtractIntervals } from '../../lib/core/intervals';
import { Port } from '../../lib/core/port';
import { Sensitivity } from '../../lib/core/sensitivity';
import { Cluster } from '../../lib/model/cluster';
import { External } from '../../lib/model/external';
import { SensitiveTier } from '../../lib/model/tier';
import { Topology } from '../../lib/model/topology';
import { Workload } from '../../lib/model/workload';
import { addressSet, externalBlocks } from '../../lib/plan/checks/addresses';
import { ClusterLayerName as LayerName } from '../../lib/core/layers';
import { synthesize } from '../../lib/synth';
import { loadWithEndpoints } from '../../lib/verify';
import { NOW, plan } from './declare';

/** The addresses of an IPv4 CIDR as an interval of 32-bit numbers. */
function interval(cidr: string): Interval {
  const [addr, bits] = ipaddr.parseCIDR(cidr);
  const start = addr.toByteArray().reduce((a, o) => a * 256 + o, 0);
  return [start, start + 2 ** (32 - bits) - 1];
}

/** (∪ cidrs − ∪ except), merged: the oracle, by interval algebra. */
function expected(cidrs: readonly string[], except: readonly string[]): [number, number][] {
  return mergeIntervals(subtractIntervals(mergeIntervals(cidrs.map(interval)), mergeIntervals(except.map(interval))));
}

/** What a list of blocks covers, merged. */
function covered(blocks: readonly { cidr: string; except?: readonly string[] }[]): [number, number][] {
  return mergeIntervals(blocks.flatMap((b) => subtractIntervals([interval(b.cidr)], (b.except ?? []).map(interval))));
}

/** A CIDR inside `base` (an IPv4 network as a number and prefix) with a prefix in [lo, hi]. */
function cidrIn(base: number, basePrefix: number, lo: number, hi: number): fc.Arbitrary<string> {
  return fc.tuple(fc.integer({ min: lo, max: hi }), fc.nat({ max: 2 ** (32 - basePrefix) - 1 })).map(([prefix, offset]) => {
    const size = 2 ** (32 - prefix);
    const n = base + Math.floor(offset / size) * size;
    return `${[24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.')}/${prefix}`;
  });
}

// 100.64.0.0/12: away from the test clusters' ranges, small enough for ranges to meet often.
const BASE = interval('100.64.0.0/12')[0];
const CIDR = cidrIn(BASE, 12, 12, 18);

describe('the address set of an External', () => {
  test('property: the blocks cover exactly (∪ cidrs − ∪ except), disjoint, excepts strictly inside, none empty', () => {
    fc.assert(fc.property(fc.array(CIDR, { minLength: 1, maxLength: 6 }), fc.array(CIDR, { maxLength: 6 }), (cidrs, except) => {
      const set = addressSet(cidrs, except);
      expect(covered(set.blocks)).toEqual(expected(cidrs, except));
      const ranges = set.blocks.map((b) => interval(b.cidr)).sort((a, b) => a[0] - b[0]);
      ranges.forEach((r, i) => { if (i > 0) expect(r[0]).toBeGreaterThan(ranges[i - 1][1]); });
      for (const b of set.blocks) {
        const [lo, hi] = interval(b.cidr);
        for (const e of b.except) {
          const [elo, ehi] = interval(e);
          expect(elo >= lo && ehi <= hi && (elo > lo || ehi < hi)).toBe(true);
        }
        expect(subtractIntervals([[lo, hi]], b.except.map(interval)).length).toBeGreaterThan(0);
      }
      // Reading the plan's lists again gives the same blocks (the plan writes them normalized).
      expect(externalBlocks({ cidrs: set.blocks.map((b) => b.cidr), except: set.blocks.flatMap((b) => b.except) })).toEqual(set.blocks);
    }), { numRuns: 500 });
  });

  test('property: the plan of a valid External states exactly its address set', () => {
    // except ranges drawn inside a declared cidr, so the declaration is valid
    const decl = fc.array(CIDR, { minLength: 1, maxLength: 4 }).chain((cidrs) => fc.tuple(
      fc.constant(cidrs),
      fc.array(fc.constantFrom(...cidrs).chain((c) => cidrIn(interval(c)[0], Number(c.split('/')[1]), Number(c.split('/')[1]), 20)), { maxLength: 4 }),
    ));
    fc.assert(fc.property(decl, ([cidrs, except]) => {
      const want = expected(cidrs, except);
      const topo = new Topology(undefined, 'addr', { trustDomain: 'addr.example.com', clock: () => NOW });
      new Cluster(topo, 'eks', { cloud: 'aws', podCidrs: ['10.1.0.0/16'], layers: ['kubernetes'] });
      new External(topo, 'net', { cidrs, except });
      if (want.length === 0) {
        expect(() => plan(topo)).toThrow(/BH-EXTERNAL-NO-ADDRESS/);
        return;
      }
      const ext = plan(topo).externals[0];
      expect(covered(externalBlocks(ext))).toEqual(want);
      // as lists, too: cidrs minus except is the set (each except inside exactly one cidr)
      expect(mergeIntervals(subtractIntervals(ext.cidrs.map(interval), ext.except.map(interval)))).toEqual(want);
    }), { numRuns: 300 });
  });

  test('IPv6: a cidr covered by its except ranges adds nothing', () => {
    expect(addressSet(['2001:db8::/32', 'fd00::/8'], ['2001:db8::/33', '2001:db8:8000::/33'])).toEqual({
      blocks: [{ cidr: 'fd00::/8', except: [] }],
      excepted: [{ cidr: '2001:db8::/32', coveredBy: ['2001:db8:8000::/33', '2001:db8::/33'] }],
    });
    expect(addressSet(['::/0'], ['::/1']).blocks).toEqual([{ cidr: '::/0', except: ['::/1'] }]);
  });
});

/** A public web workload that calls `partner` on 443 and is called by it on 8080. */
function declareWithPartner(layers: LayerName[], partner: { cidrs: string[]; except?: string[] }) {
  const topo = new Topology(undefined, 'shop', { trustDomain: 'shop.example.com', clock: () => NOW });
  const eks = new Cluster(topo, 'eks', { cloud: 'aws', podCidrs: ['10.1.0.0/16'], layers });
  const edge = new SensitiveTier(topo, 'edge', { level: Sensitivity.PUBLIC });
  const web = new Workload(topo, 'web', { cluster: eks, namespace: 'shop', tier: edge, ports: { http: Port.tcp(8080) } });
  const ext = new External(topo, 'partner', partner);
  web.allowTo(ext, Port.HTTPS);
  ext.allowTo(web, Port.named('http'));
  return topo;
}

describe('every layer allows exactly the address set', () => {
  const LAYERS: LayerName[] = ['kubernetes', 'cilium', 'istio'];
  const partner = { cidrs: ['203.0.113.0/24', '198.51.100.0/24'], except: ['198.51.100.0/24', '203.0.113.128/26'] };

  test('an except range equal to a cidr removes that cidr: no layer allows it', () => {
    const s = synthesize(declareWithPartner(LAYERS, partner));
    expect(s.plan.externals[0]).toMatchObject({ cidrs: ['203.0.113.0/24'], except: ['203.0.113.128/26'] });
    expect(s.warnings).toContainEqual(expect.objectContaining({ code: 'BH-CIDR-EXCEPTED', path: 'shop/partner' }));
    const c = s.clusters[0];
    // The excepted range is written nowhere (before, NetworkPolicy and Cilium allowed it).
    expect(JSON.stringify(c.manifests)).not.toContain('198.51.100.0/24');
    const analysis = Analysis.of(loadWithEndpoints(s.plan, c.cluster, c.manifests), { trustDomain: 'shop.example.com', clusterName: 'eks' });
    const web = analysis.endpoint('shop/web');
    const judged: AnalysisLayer[] = ['kubernetes', 'cilium', 'istio'];
    for (const layer of judged) {
      const sim = analysis.simulator(layer);
      const into = (ip: string) => sim.explain(analysis.endpoint(ip), web, { protocol: 'TCP', port: 8080, plaintext: true }).allowed;
      expect([layer, into('203.0.113.7'), into('198.51.100.7'), into('203.0.113.130')]).toEqual([layer, true, false, false]);
      if (layer !== 'istio') {
        const out = (ip: string) => sim.explain(web, analysis.endpoint(ip), { protocol: 'TCP', port: 443 }).allowed;
        expect([layer, out('203.0.113.7'), out('198.51.100.7'), out('203.0.113.130')]).toEqual([layer, true, false, false]);
      }
    }
  });

  test('property: the NetworkPolicy and Cilium blocks of a flow with an External cover exactly its address set', () => {
    const decl = fc.array(CIDR, { minLength: 1, maxLength: 3 }).chain((cidrs) => fc.tuple(
      fc.constant(cidrs),
      fc.array(fc.constantFrom(...cidrs).chain((c) => cidrIn(interval(c)[0], Number(c.split('/')[1]), Number(c.split('/')[1]), 20)), { maxLength: 3 }),
    )).filter(([cidrs, except]) => expected(cidrs, except).length > 0);
    fc.assert(fc.property(decl, ([cidrs, except]) => {
      const s = synthesize(declareWithPartner(['kubernetes', 'cilium'], { cidrs, except }));
      const want = expected(cidrs, except);
      type Block = { cidr: string; except?: string[] };
      const ms = s.clusters[0].manifests as unknown as { kind: string; metadata: { name: string }; spec: Record<string, unknown> }[];
      const np = ms.filter((m) => m.kind === 'NetworkPolicy');
      const npBlocks = (dir: 'egress' | 'ingress') => np.flatMap((m) => ((m.spec[dir] ?? []) as { to?: { ipBlock?: Block }[]; from?: { ipBlock?: Block }[] }[])
        .flatMap((r) => [...(r.to ?? []), ...(r.from ?? [])]).flatMap((p) => (p.ipBlock ? [p.ipBlock] : [])));
      expect(covered(npBlocks('egress'))).toEqual(want);
      expect(covered(npBlocks('ingress'))).toEqual(want);
      const cnp = ms.filter((m) => m.kind === 'CiliumNetworkPolicy');
      const ciliumBlocks = (dir: 'egress' | 'ingress', field: 'toCIDRSet' | 'fromCIDRSet') => cnp.flatMap((m) => ((m.spec[dir] ?? []) as Record<string, Block[] | undefined>[]).flatMap((r) => r[field] ?? []));
      expect(covered(ciliumBlocks('egress', 'toCIDRSet'))).toEqual(want);
      expect(covered(ciliumBlocks('ingress', 'fromCIDRSet'))).toEqual(want);
    }), { numRuns: 40 });
  });
});
