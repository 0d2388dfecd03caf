/**
 * Determinism (DESIGN invariant 3): the same declaration, with its constructs created and its
 * statements made in any order, gives a byte-identical plan. Construct ids stay the same;
 * only the order of construct creation and of statements (flows, exports, grants) changes.
 */
import * as fc from 'fast-check';
import { Duration } from '../../lib/core/duration';
import { Port, Protocol } from '../../lib/core/port';
import { Sensitivity } from '../../lib/core/sensitivity';
import { BreakGlass } from '../../lib/model/break-glass';
import { Cluster } from '../../lib/model/cluster';
import { DomainBoundary } from '../../lib/model/domain';
import { External } from '../../lib/model/external';
import { FlowOptions, HttpMatch, IPeer } from '../../lib/model/peer';
import { SensitiveTier } from '../../lib/model/tier';
import { Topology } from '../../lib/model/topology';
import { Workload } from '../../lib/model/workload';
import { buildPlan } from '../../lib/plan/build';
import { ClusterLayerName as LayerName } from '../../lib/core/layers';
import { NOW } from './declare';

// ---------------------------------------------------------------- the declaration, as data

const LEVELS = [Sensitivity.CRITICAL, Sensitivity.HIGHLY_SENSITIVE, Sensitivity.SENSITIVE, Sensitivity.PUBLIC];
const NAMESPACES = ['shop', 'ops', 'data'];
/** Named ports a workload may serve. `http` and `web` name one number, on purpose. */
const NAMED: Record<string, Port> = {
  grpc: Port.tcp(9090), http: Port.tcp(8080), web: Port.tcp(8080), metrics: Port.tcp(9100), dns: Port.udp(5353),
};
const NUMBERED: Port[] = [Port.tcp(443), Port.tcp(5432), Port.tcp(5433), Port.tcpRange(8000, 8100), Port.tcp(8050), Port.udp(53), Port.sctp(3868)];
const HTTP: (HttpMatch | HttpMatch[] | undefined)[] = [
  undefined,
  { methods: ['get'] },
  { methods: ['POST', 'get'], paths: ['/b', '/a/*'] },
  [{ paths: ['/x'] }, { methods: ['put'] }],
  [{ methods: ['put'] }, { paths: ['/x'] }],
];

interface WorkloadSpec { cluster: number; namespace: number; domain: number; tier: number; ports: string[] }
/** A port choice: a named port of the destination (by index) or a numbered port. */
interface PortSpec { named: boolean; index: number }
interface FlowSpec { from: number; to: number; viaAllowFrom: boolean; ports: PortSpec[]; http: number; justification: number }
interface GrantSpec { from: number[]; to: number[]; ports: number[]; minutes: number }
interface Spec {
  clusters: { istio: boolean }[];
  tiers: number[]; // levels, by index in LEVELS
  domains: { tier: number }[]; // -1: none
  workloads: WorkloadSpec[];
  externals: number; // how many
  flows: FlowSpec[]; // endpoints: 0..W-1 are workloads, W.. are externals
  grants: GrantSpec[];
}

const specArb: fc.Arbitrary<Spec> = fc.record({
  clusters: fc.array(fc.record({ istio: fc.boolean() }), { minLength: 1, maxLength: 3 }),
  tiers: fc.uniqueArray(fc.integer({ min: 0, max: LEVELS.length - 1 }), { maxLength: LEVELS.length }),
  domains: fc.array(fc.record({ tier: fc.integer({ min: -1, max: 3 }) }), { maxLength: 2 }),
  nWorkloads: fc.integer({ min: 1, max: 10 }),
  externals: fc.integer({ min: 0, max: 2 }),
}).chain((s) => {
  const pick = (n: number) => fc.integer({ min: 0, max: n - 1 });
  const orNone = (n: number) => fc.integer({ min: -1, max: n - 1 });
  const workload = fc.record({
    cluster: pick(s.clusters.length),
    namespace: pick(NAMESPACES.length),
    domain: orNone(s.domains.length),
    tier: s.tiers.length ? orNone(s.tiers.length) : fc.constant(-1),
    ports: fc.subarray(Object.keys(NAMED)),
  });
  const endpoints = s.nWorkloads + s.externals;
  const port = fc.record({ named: fc.boolean(), index: fc.nat(20) });
  const flow = fc.record({
    from: pick(endpoints), to: pick(endpoints), viaAllowFrom: fc.boolean(),
    ports: fc.array(port, { minLength: 1, maxLength: 3 }), http: pick(HTTP.length), justification: fc.nat(3),
  });
  const grant = fc.record({
    from: fc.uniqueArray(pick(s.nWorkloads), { minLength: 1, maxLength: 2 }),
    to: fc.uniqueArray(pick(s.nWorkloads), { minLength: 1, maxLength: 2 }),
    ports: fc.uniqueArray(pick(NUMBERED.length), { minLength: 1, maxLength: 2 }),
    minutes: fc.integer({ min: 31, max: 60 }),
  });
  return fc.record({
    clusters: fc.constant(s.clusters),
    tiers: fc.constant(s.tiers),
    domains: fc.constant(s.domains.map((d) => ({ tier: d.tier < s.tiers.length ? d.tier : -1 }))),
    workloads: fc.array(workload, { minLength: s.nWorkloads, maxLength: s.nWorkloads }),
    externals: fc.constant(s.externals),
    flows: fc.array(flow, { maxLength: 20 }),
    grants: fc.array(grant, { maxLength: 2 }),
  });
});

// ---------------------------------------------------------------- declaring it, in some order

interface Action { key: string; deps: string[]; run: () => void }

/** Every construct creation and statement of a spec, with what each needs to exist first. */
/**
 * @param reversePorts reverse every list inside a statement (ports, rules, layers, approvers)
 * @param valid keep the declaration valid; when false, some flows are left invalid (between
 * two Externals, egress from a critical tier, no justification, a named port the destination lacks)
 */
function actions(spec: Spec, topo: Topology, reversePorts: boolean, valid: boolean): Action[] {
  const clusters: Cluster[] = [];
  const tiers: SensitiveTier[] = [];
  const domains: DomainBoundary[] = [];
  const workloads: Workload[] = [];
  const externals: External[] = [];
  const out: Action[] = [];
  const level = (w: WorkloadSpec): Sensitivity => {
    const t = w.tier >= 0 ? w.tier : w.domain >= 0 ? spec.domains[w.domain].tier : -1;
    return t >= 0 ? LEVELS[spec.tiers[t]] : Sensitivity.INTERNAL;
  };
  const peer = (i: number): IPeer => (i < spec.workloads.length ? workloads[i] : externals[i - spec.workloads.length]);
  const peerKey = (i: number) => (i < spec.workloads.length ? `w${i}` : `e${i - spec.workloads.length}`);
  const order = <T>(xs: T[]) => (reversePorts ? [...xs].reverse() : xs);

  spec.clusters.forEach((c, i) => out.push({
    key: `c${i}`, deps: [],
    run: () => {
      const layers: LayerName[] = c.istio ? ['kubernetes', 'cilium', 'istio', 'spire'] : ['kubernetes', 'cluster-network-policy'];
      clusters[i] = new Cluster(topo, `c${i}`, { cloud: 'aws', podCidrs: [`10.${i}.0.0/16`], layers: order(layers) });
    },
  }));
  spec.tiers.forEach((l, i) => out.push({
    key: `t${i}`, deps: [], run: () => { tiers[i] = new SensitiveTier(topo, `t${i}`, { level: LEVELS[l] }); },
  }));
  spec.domains.forEach((d, i) => out.push({
    key: `d${i}`, deps: d.tier >= 0 ? [`t${d.tier}`] : [],
    run: () => { domains[i] = new DomainBoundary(topo, `d${i}`, d.tier >= 0 ? { tier: tiers[d.tier] } : {}); },
  }));
  spec.workloads.forEach((w, i) => out.push({
    key: `w${i}`,
    deps: [`c${w.cluster}`, ...(w.tier >= 0 ? [`t${w.tier}`] : []), ...(w.domain >= 0 ? [`d${w.domain}`] : [])],
    run: () => {
      const ports = Object.fromEntries(order(w.ports).map((n) => [n, NAMED[n]]));
      const scope = w.domain >= 0 ? domains[w.domain] : topo;
      workloads[i] = new Workload(scope, `w${i}`, {
        cluster: clusters[w.cluster], namespace: NAMESPACES[w.namespace], ports, ...(w.tier >= 0 ? { tier: tiers[w.tier] } : {}),
      });
    },
  }));
  for (let i = 0; i < spec.externals; i++) {
    out.push({
      key: `e${i}`, deps: [],
      run: () => {
        externals[i] = new External(topo, `e${i}`, { fqdns: order([`api${i}.example.com`, `*.cdn${i}.example.net`]), cidrs: order(['203.0.113.0/24', `198.51.${100 + i}.0/24`]) });
      },
    });
  }
  // Each domain exports every port of each of its workloads (a statement per export).
  spec.workloads.forEach((w, i) => {
    if (w.domain < 0) return;
    out.push({
      key: `export-w${i}`, deps: [`d${w.domain}`, `w${i}`],
      run: () => domains[w.domain].export(workloads[i], order([Port.all(Protocol.TCP), Port.all(Protocol.UDP), Port.all(Protocol.SCTP)])),
    });
  });
  spec.flows.forEach((f, n) => {
    const W = spec.workloads.length;
    if (valid && f.from >= W && f.to >= W) return; // two externals: not a valid flow
    if (valid && f.from < W && f.to >= W && level(spec.workloads[f.from]) === Sensitivity.CRITICAL) return; // no egress from critical
    // plaintext from outside the mesh reaches only public-tier workloads of a mesh cluster
    if (valid && f.from >= W && f.to < W && spec.clusters[spec.workloads[f.to].cluster].istio && level(spec.workloads[f.to]) !== Sensitivity.PUBLIC) return;
    out.push({
      key: `flow${n}`, deps: [peerKey(f.from), peerKey(f.to)],
      run: () => {
        const dst = f.to < W ? spec.workloads[f.to] : undefined;
        const names = valid ? dst?.ports ?? [] : Object.keys(NAMED);
        const ports = f.ports.map((p) => (p.named && names.length ? Port.named(names[p.index % names.length], NAMED[names[p.index % names.length]].protocol) : NUMBERED[p.index % NUMBERED.length]));
        // HTTP rules apply to TCP only: a valid flow carries them only on TCP ports.
        const http = valid && ports.some((p) => p.protocol !== Protocol.TCP) ? undefined : HTTP[f.http];
        const justification = valid || f.justification > 0 ? { justification: `reason ${f.justification}` } : {};
        const options: FlowOptions = { ...justification, ...(http ? { http: Array.isArray(http) ? order(http) : http } : {}) };
        if (f.viaAllowFrom && f.to < W) workloads[f.to].allowFrom(peer(f.from), order(ports), options);
        else if (f.from < W) workloads[f.from].allowTo(peer(f.to), order(ports), options);
        else externals[f.from - W].allowTo(peer(f.to), order(ports), options);
      },
    });
  });
  spec.grants.forEach((g, n) => out.push({
    key: `bg${n}`, deps: [...g.from, ...g.to].map((i) => `w${i}`),
    run: () => {
      new BreakGlass(topo, `bg${n}`, {
        from: order(g.from.map((i) => workloads[i])), to: order(g.to.map((i) => workloads[i])), ports: order(g.ports.map((i) => NUMBERED[i])),
        start: new Date(NOW.getTime() - 30 * 60_000), duration: Duration.minutes(g.minutes),
        reason: 'incident', ticket: `INC-${n}`, approvers: order(['alice', 'bob']),
      });
    },
  }));
  return out;
}

/** Declares the spec, running its actions in the given priority order as far as their dependencies allow. */
function declare(spec: Spec, priority: number[], reversePorts: boolean, valid = true): Topology {
  const topo = new Topology(undefined, 'det', {
    trustDomain: 'det.example.com', clock: () => NOW,
    platform: { metricsScraper: { namespace: 'monitoring', selector: { app: 'prometheus' }, serviceAccount: 'prometheus' } },
  });
  const list = actions(spec, topo, reversePorts, valid);
  const rank = new Map(list.map((a, i) => [a.key, priority[i % priority.length] * list.length + i]));
  const done = new Set<string>();
  let pending = [...list].sort((a, b) => rank.get(a.key)! - rank.get(b.key)!);
  while (pending.length) {
    const ready = pending.find((a) => a.deps.every((d) => done.has(d)));
    if (!ready) throw new Error(`unsatisfiable dependencies: ${pending.map((a) => a.key).join(', ')}`);
    ready.run();
    done.add(ready.key);
    pending = pending.filter((a) => a !== ready);
  }
  return topo;
}

function planJson(topo: Topology): string {
  return JSON.stringify(buildPlan(topo, { now: NOW }));
}

describe('determinism', () => {
  const order = fc.array(fc.nat(1000), { minLength: 1, maxLength: 80 });

  test('any order of construction and statements gives a byte-identical plan', () => {
    let flows = 0;
    let grants = 0;
    fc.assert(
      fc.property(specArb, order, order, (spec, a, b) => {
        const one = planJson(declare(spec, a, false));
        const two = planJson(declare(spec, b, true));
        expect(two).toBe(one);
        const parsed = JSON.parse(one) as { flows: { origin: string }[] };
        flows += parsed.flows.filter((f) => f.origin === 'declared').length;
        grants += parsed.flows.filter((f) => f.origin === 'break-glass').length;
      }),
      { numRuns: 150 },
    );
    // The generator exercises what it is meant to: many declared flows and some grants.
    expect(flows).toBeGreaterThan(300);
    expect(grants).toBeGreaterThan(20);
  });

  test('invalid declarations give the same problems, in the same order, in any order of statements', () => {
    let failed = 0;
    const outcome = (topo: Topology) => {
      try {
        return planJson(topo);
      } catch (e) {
        failed++;
        return (e as Error).message;
      }
    };
    fc.assert(
      fc.property(specArb, order, order, (spec, a, b) => {
        expect(outcome(declare(spec, b, true, false))).toBe(outcome(declare(spec, a, false, false)));
      }),
      { numRuns: 100 },
    );
    // Most of these declarations are invalid: the property is about the error, not the plan.
    expect(failed).toBeGreaterThan(100);
  });

  test('declaring in the same order twice gives the same plan, and building twice does too', () => {
    fc.assert(
      fc.property(specArb, order, (spec, a) => {
        const topo = declare(spec, a, false);
        expect(planJson(topo)).toBe(planJson(declare(spec, a, false)));
        expect(planJson(topo)).toBe(planJson(topo));
      }),
      { numRuns: 50 },
    );
  });

  test('one port reached under two names is one flow, named the same in either statement order', () => {
    const plans = [false, true].map((reversed) => {
      const topo = new Topology(undefined, 'det', { trustDomain: 'det.example.com', clock: () => NOW });
      const c = new Cluster(topo, 'c0', { cloud: 'aws' });
      const a = new Workload(topo, 'a', { cluster: c, namespace: 'shop', ports: { http: NAMED.http, web: NAMED.web } });
      const b = new Workload(topo, 'b', { cluster: c, namespace: 'shop' });
      const statements = [() => b.allowTo(a, Port.named('web')), () => b.allowTo(a, Port.named('http'))];
      for (const st of reversed ? statements.reverse() : statements) st();
      return buildPlan(topo, { now: NOW }).flows.filter((f) => f.origin === 'declared');
    });
    expect(plans[0].map((f) => f.ports)).toEqual([[{ protocol: Protocol.TCP, port: 8080, name: 'http' }]]);
    expect(JSON.stringify(plans[1])).toBe(JSON.stringify(plans[0]));
  });
});
