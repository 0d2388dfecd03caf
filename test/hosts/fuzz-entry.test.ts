/**
 * Ill-typed arguments of the entry points: `synthesize`, `writeManifests`, `verify`,
 * `verifySynthesis`, the cdk8s host (`TopologyCharts`, `chart`, `bindWorkload`), the Pulumi host
 * (`SegmentationStack`), the loader (`loadManifests`, `loadObjects`) and the analysis
 * (`Analysis.of` and its methods, `connectivity`, `explain`, `diff`). Plain JavaScript calls
 * them too: whatever value sits in any argument position (or any option of an options object),
 * the call either succeeds or throws a BulkheadError whose problems each carry a code, a path,
 * a message and a fix — never a TypeError or any other error.
 *
 * Each entry point reads its arguments through `at(position, value)`; a test replaces the
 * values of some positions with ill-typed ones.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { Testing } from 'cdk8s';
import * as fc from 'fast-check';
import { Analysis, connectivity, diff, explain } from '../../lib/analysis/engine';
import { loadManifests, loadObjects } from '../../lib/analysis/loader';
import { PortSet } from '../../lib/analysis/portset';
import { SIMULATORS } from '../../lib/analysis/simulators';
import { bindWorkload, TopologyCharts } from '../../lib/cdk8s';
import { BulkheadError, Problem } from '../../lib/core/errors';
import { Port } from '../../lib/core/port';
import { Cluster } from '../../lib/model/cluster';
import { Topology } from '../../lib/model/topology';
import { Workload } from '../../lib/model/workload';
import { SegmentationStack } from '../../lib/pulumi';
import { foldersOf, synthesize, writeManifests } from '../../lib/synth';
import { TARGETS } from '../../lib/targets/registry';
import { verify, verifySynthesis } from '../../lib/verify';
import { deployment, networkPolicy } from '../analysis/util';
import { describeValue } from '../util/describe-value';

/* eslint-disable @typescript-eslint/no-explicit-any */

pulumi.runtime.setMocks({
  newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
  call: (args) => args.inputs,
}, 'bulkhead', 'fuzz-entry', false);

const NOW = new Date('2026-11-22T21:00:00Z');

type At = <T>(key: string, value: T) => T;

/** A small valid declaration: one cluster `c1` with the kubernetes layer, two workloads, one flow. */
function topology(id = 'shop'): Topology {
  const t = new Topology(undefined, id, { trustDomain: 'shop.example.com', clock: () => NOW });
  const c1 = new Cluster(t, 'c1', { cloud: 'aws', layers: ['kubernetes'], podCidrs: ['10.1.0.0/16'] });
  const web = new Workload(t, 'web', { cluster: c1, namespace: 'shop', ports: { http: Port.tcp(8080) } });
  const db = new Workload(t, 'db', { cluster: c1, namespace: 'shop', ports: { sql: Port.POSTGRES } });
  web.allowTo(db, Port.named('sql'));
  return t;
}

const OBJECTS = [
  deployment('shop', 'web', { app: 'web' }, [[8080, 'http']]),
  deployment('shop', 'db', { app: 'db' }, [[5432, 'pg']]),
  networkPolicy('shop', 'db', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 'pg' }] }] }),
];
const MANIFESTS = loadObjects(OBJECTS);

let tmp = '';
let counter = 0;
const fresh = (): string => path.join(tmp, `out-${counter++}`);

/** Every entry point, reading each argument (and each option) through `at`. */
const ENTRIES: Record<string, (at: At) => unknown> = {
  'synthesize': (at) => synthesize(at('topology', topology()), at('options', {
    now: at('options.now', NOW),
    targets: at('options.targets', { kubernetes: at('options.targets.kubernetes', TARGETS.kubernetes) }),
  }) as any),
  'writeManifests': (at) => {
    const [folder] = foldersOf(synthesize(topology(), { now: NOW }));
    return writeManifests(at('folders', [at('folders[0]', {
      name: at('folders[0].name', folder.name),
      manifests: at('folders[0].manifests', [at('folders[0].manifests[0]', folder.manifests[0]), ...folder.manifests.slice(1)]),
    })]) as any, at('outdir', fresh()) as any);
  },
  'verify': (at) => verify(at('topology', topology()), at('options', {
    now: at('options.now', NOW),
    objects: at('options.objects', { c1: at('options.objects.c1', []) }),
  }) as any),
  'verifySynthesis': (at) => verifySynthesis(at('synthesis', synthesize(topology(), { now: NOW })), at('options', { objects: at('options.objects', {}) }) as any),
  'TopologyCharts': (at) => {
    const app = Testing.app();
    const t = new Topology(app, 'shop', { trustDomain: 'shop.example.com', clock: () => NOW });
    new Cluster(t, 'c1', { cloud: 'aws', layers: ['kubernetes'] });
    const charts = new TopologyCharts(at('scope', app), at('id', 'segmentation'), at('props', {
      topology: at('props.topology', t),
      chartProps: at('props.chartProps', { labels: { team: 'shop' } }),
      printWarnings: at('props.printWarnings', false),
      now: at('props.now', NOW),
      targets: at('props.targets', undefined),
    }) as any);
    return Testing.synth(charts.chart(at('chart(cluster)', 'c1') as any));
  },
  'bindWorkload': (at) => {
    const app = Testing.app();
    const t = new Topology(app, 'shop', { trustDomain: 'shop.example.com', clock: () => NOW });
    const c1 = new Cluster(t, 'c1', { cloud: 'aws', layers: ['kubernetes'] });
    const charts = new TopologyCharts(app, 'segmentation', { topology: t, printWarnings: false });
    const labels: string[] = [];
    const target = at('target', {
      name: at('target.name', 'web'),
      metadata: at('target.metadata', { namespace: at('target.metadata.namespace', 'shop') }),
      matchLabels: at('target.matchLabels', { app: at('target.matchLabels.app', 'web') }),
      matchExpressions: at('target.matchExpressions', undefined),
      serviceAccount: at('target.serviceAccount', { name: at('target.serviceAccount.name', 'web') }),
      containers: at('target.containers', [at('target.containers[0]', {
        ports: at('target.containers[0].ports', [at('target.containers[0].ports[0]', {
          number: at('port.number', 8080), name: at('port.name', 'http'), protocol: at('port.protocol', 'TCP'),
        })]),
      })]),
      podMetadata: at('target.podMetadata', { addLabel: at('target.podMetadata.addLabel', (k: string, v: string) => { labels.push(`${k}=${v}`); }) }),
    });
    bindWorkload(at('scope', t), at('id', 'web'), target as any, at('options', {
      cluster: at('options.cluster', c1),
      labelPods: at('options.labelPods', true),
    }) as any);
    return Testing.synth(charts.chart(c1));
  },
  'SegmentationStack': (at) => {
    const name = `stack-${counter++}`;
    return new SegmentationStack(at('name', name), at('args', {
      topology: at('args.topology', topology()),
      providers: at('args.providers', { c1: at('args.providers.c1', PROVIDER) }),
      defaultProviders: at('args.defaultProviders', false),
      now: at('args.now', NOW),
      targets: at('args.targets', undefined),
    }) as any, at('opts', {}) as any);
  },
  'loadManifests': (at) => loadManifests(at('paths', [at('paths[0]', path.join(tmp, 'manifests.yaml'))]) as any, at('options', {
    strict: at('options.strict', false), checkSchemas: at('options.checkSchemas', true),
  }) as any),
  'loadObjects': (at) => loadObjects(at('objects', [at('objects[0]', OBJECTS[0]), ...OBJECTS.slice(1)]) as any, at('sourceName', 'memory') as any, at('options', { strict: at('options.strict', false) }) as any),
  'Analysis.of': (at) => {
    const a = Analysis.of(at('manifests', MANIFESTS), at('options', {
      trustDomain: at('options.trustDomain', 'shop.example.com'),
      podCidrs: at('options.podCidrs', [at('options.podCidrs[0]', '10.1.0.0/16')]),
      resolve: at('options.resolve', { 'api.example.com': at('options.resolve[name]', ['198.51.100.10']) }),
      clusterName: at('options.clusterName', 'c1'),
      simulators: at('options.simulators', SIMULATORS),
    }) as any);
    a.connectivity(at('connectivity(options)', {
      layer: at('connectivity.layer', 'kubernetes'),
      extraBoundaries: at('connectivity.extraBoundaries', { ingress: [], egress: [] }),
      scope: at('connectivity.scope', PortSet.allOf('TCP')),
    }) as any);
    a.endpoint(at('endpoint(text)', 'shop/web'));
    return a.explain(at('explain.from', 'shop/web') as any, at('explain.to', a.endpoint('shop/db')) as any, at('explain.conn', {
      protocol: at('conn.protocol', 'TCP'), port: at('conn.port', 5432),
      http: at('conn.http', { method: at('conn.http.method', 'GET'), path: at('conn.http.path', '/'), headers: at('conn.http.headers', { 'x-user': 'alice' }) }),
      application: at('conn.application', 'http'), plaintext: at('conn.plaintext', false),
    }) as any);
  },
  'connectivity': (at) => connectivity(at('manifests', MANIFESTS), at('options', { layer: at('options.layer', 'kubernetes'), trustDomain: at('options.trustDomain', 'shop.example.com') }) as any),
  'explain': (at) => explain(at('manifests', MANIFESTS), at('from', 'shop/web') as any, at('to', 'shop/db') as any,
    at('conn', { protocol: at('conn.protocol', 'TCP'), port: at('conn.port', 5432) }) as any, at('options', { resolve: at('options.resolve', {}) }) as any),
  'diff': (at) => diff(at('before', MANIFESTS), at('after', loadObjects(OBJECTS.slice(0, 2))), at('options', { trustDomain: at('options.trustDomain', 'shop.example.com') }) as any),
};

let PROVIDER: k8s.Provider;

/** Ill-typed values: every JavaScript kind, and the edge values of numbers and dates. */
const BAD: readonly unknown[] = [
  null, undefined, 0, -1, 1.5, NaN, Infinity, 65536, '', 'x', 'no', 'yesterday', '../up', 'a'.repeat(300 * 1024),
  [], ['x'], [1], [null], {}, { a: 1 }, { toString: 1 },
  new Date(Number.NaN), new Date(0), () => 1, true, false, Symbol('s'), 10n,
];

/** One value of each kind, for the exhaustive sweep (the property test draws from all of BAD). */
const KINDS: readonly unknown[] = [
  null, undefined, NaN, -1, 1.5, '', 'no', '../up', [], [null], {}, { toString: 1 }, new Date(Number.NaN), () => 1, true, Symbol('s'), 10n,
];

/** A complete problem: code, path, message and fix (and a value, if any, as text). */
function complete(p: Problem): boolean {
  return /^BH-[A-Z0-9-]+$/.test(p.code) && typeof p.path === 'string' && p.path.length > 0
    && typeof p.message === 'string' && p.message.length > 0 && typeof p.fix === 'string' && p.fix.length > 0
    && (p.value === undefined || typeof p.value === 'string');
}

/** `ok`, `bulkhead` (a BulkheadError with complete problems), or the other error thrown. */
function outcome(entry: string, over: ReadonlyMap<string, unknown>): 'ok' | 'bulkhead' | unknown {
  const at: At = <T>(key: string, value: T): T => (over.has(key) ? over.get(key) : value) as T;
  try {
    ENTRIES[entry](at);
    return 'ok';
  } catch (e) {
    if (BulkheadError.isBulkheadError(e)) {
      const bad = e.problems.find((p) => !complete(p));
      return bad ? new Error(`incomplete problem ${JSON.stringify(bad)}`) : 'bulkhead';
    }
    // cdk8s reports what a construct's validation returns as one Error: Bulkhead's are its formatted problems.
    if (e instanceof Error && /^Validation failed/.test(e.message) && e.message.split('\n').slice(1).filter((l) => /^\s*\S/.test(l) && !/^\s{2,}(value|fix):/.test(l)).every((l) => /\[BH-[A-Z0-9-]+\] error at \S/.test(l))) return 'bulkhead';
    return e;
  }
}

function positionsOf(entry: string): string[] {
  const s = new Set<string>();
  ENTRIES[entry](<T>(key: string, value: T): T => {
    s.add(key);
    return value;
  });
  return [...s].sort();
}

function crash(entry: string, pairs: readonly (readonly [string, unknown])[], r: unknown): string {
  const e = r as Error;
  return `${entry}: ${pairs.map(([p, v]) => `${p} = ${describeValue(v)}`).join(', ')}: ${e?.constructor?.name} ${String(e?.message).split('\n').slice(0, 2).join(' ')}`;
}

let cwd = '';
let stderr: jest.SpyInstance;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-fuzz-entry-'));
  fs.writeFileSync(path.join(tmp, 'manifests.yaml'), OBJECTS.map((o) => JSON.stringify(o)).join('\n---\n'));
  // relative paths among the ill-typed values ('x', '../up') land in the temporary folder
  fs.mkdirSync(path.join(tmp, 'cwd'));
  cwd = process.cwd();
  process.chdir(path.join(tmp, 'cwd'));
  PROVIDER = new k8s.Provider('c1', { context: 'c1' });
  stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  jest.spyOn(pulumi.log, 'info').mockImplementation(async () => undefined);
  jest.spyOn(pulumi.log, 'warn').mockImplementation(async () => undefined);
});
afterAll(() => {
  process.chdir(cwd);
  stderr.mockRestore();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('ill-typed arguments of the entry points get a coded problem, never another error', () => {
  test.each(Object.keys(ENTRIES))('%s succeeds with every argument at its valid value', (entry) => {
    expect(outcome(entry, new Map())).toBe('ok');
  });

  test.each(Object.keys(ENTRIES))('%s: every ill-typed value in every single position', (entry) => {
    const crashes: string[] = [];
    for (const position of positionsOf(entry)) {
      for (const value of KINDS) {
        const r = outcome(entry, new Map([[position, value]]));
        if (r !== 'ok' && r !== 'bulkhead') crashes.push(crash(entry, [[position, value]], r));
      }
    }
    expect(crashes).toEqual([]);
  });

  test('several ill-typed values at once (property)', () => {
    const entries = Object.keys(ENTRIES);
    const positions = Object.fromEntries(entries.map((e) => [e, positionsOf(e)]));
    fc.assert(
      fc.property(
        fc.constantFrom(...entries).chain((entry) => fc.tuple(
          fc.constant(entry),
          fc.uniqueArray(fc.tuple(fc.constantFrom(...positions[entry]), fc.constantFrom(...BAD)), { minLength: 2, maxLength: 4, selector: ([p]) => p }),
        )),
        ([entry, pairs]) => {
          const r = outcome(entry, new Map(pairs));
          if (r !== 'ok' && r !== 'bulkhead') throw new Error(crash(entry, pairs, r));
        },
      ),
      { numRuns: 300, seed: 6 },
    );
  });
});
