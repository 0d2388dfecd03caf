/**
 * Pulumi benchmark: Bulkhead's Pulumi host (`SegmentationStack`) against raw `@pulumi/kubernetes`
 * registering the very same objects, under Pulumi's runtime mocks (no engine, no cluster).
 *
 * For each size, in fresh child processes:
 *   (a) bulkhead  declaration (untimed) → `new SegmentationStack(…, { defaultProviders: true })`,
 *                 until every registration has been answered by the mocks
 *   (b) baseline  the objects `synthesize()` emitted, read from a JSON file (untimed) → one
 *                 provider per cluster, one `@pulumi/kubernetes` resource per object (the typed
 *                 class of its kind, `CustomResource` otherwise), until every registration is answered
 * Both register the same number of resources (checked). Target: a/b ≤ 1.10 at 500 workloads.
 *
 *   npx ts-node --transpile-only bench/pulumi.ts [--sizes 500] [--repeat 3]
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { argValue, intOption, Measurement, mib, parseSizes, replyToParent, runChild, scratchDir, sec, table } from './harness';
import { Prepared, PreparedFile, prepare } from './prepare';

/** Default sizes (workloads): Pulumi under mocks costs milliseconds per resource. */
export const DEFAULT_PULUMI_SIZES: readonly number[] = [500];

/** Target of the issue: the host within 10% of raw registration. */
export const PULUMI_TARGET = { ratio: 1.1, size: 500 } as const;

/** What one Pulumi child reports. */
export interface PulumiCase {
  /** Time and memory of the measured phase (construction until every registration is answered). */
  readonly measurement: Measurement;
  /** Resources registered with the mocks (providers and the component included). */
  readonly resources: number;
}

/** One row of the Pulumi benchmark. */
export interface PulumiRow {
  /** Workloads. */
  readonly size: number;
  /** The fastest run of each, or the error. */
  readonly bulkhead: PulumiCase | { readonly error: string };
  readonly baseline: PulumiCase | { readonly error: string };
  /** Highest 1-minute load average seen after a run. */
  readonly load: number;
}

/** Whether a case ran. */
export function pulumiOk(x: PulumiCase | { readonly error: string }): x is PulumiCase {
  return 'measurement' in x;
}

/** Runs (a) and (b) for every prepared size, `repeat` times each (alternating), keeping the fastest. */
export async function benchPulumi(prepared: readonly Prepared[], options: { readonly repeat?: number; readonly log?: (line: string) => void } = {}): Promise<PulumiRow[]> {
  const repeat = options.repeat ?? 1;
  const log = options.log ?? (() => undefined);
  const rows: PulumiRow[] = [];
  for (const p of prepared) {
    const a: PulumiCase[] = [];
    const b: PulumiCase[] = [];
    let error: string | undefined;
    let load = 0;
    for (let i = 0; i < repeat && !error; i++) {
      try {
        log(`pulumi ${p.size}: bulkhead run ${i + 1}/${repeat}`);
        a.push(await runChild<PulumiCase>('pulumi.ts', ['--child', 'bulkhead', '--size', String(p.size), '--seed', String(p.seed)], { quiet: true }));
        load = Math.max(load, os.loadavg()[0]);
        log(`pulumi ${p.size}: baseline run ${i + 1}/${repeat}`);
        b.push(await runChild<PulumiCase>('pulumi.ts', ['--child', 'baseline', '--input', p.file], { quiet: true }));
        load = Math.max(load, os.loadavg()[0]);
      } catch (e) {
        error = e instanceof Error ? e.message.split('\n')[0] : String(e);
      }
    }
    const fastest = (xs: PulumiCase[]) => (xs.length ? xs.reduce((m, x) => (x.measurement.ms < m.measurement.ms ? x : m)) : { error: error ?? 'not run' });
    rows.push({ size: p.size, bulkhead: fastest(a), baseline: fastest(b), load });
  }
  return rows;
}

/** The report: a table and one PASS/FAIL line. */
export function reportPulumi(rows: readonly PulumiRow[], repeat: number): { text: string; pass: boolean } {
  const out: string[] = [];
  out.push(`Pulumi — Bulkhead SegmentationStack (a) vs raw @pulumi/kubernetes resources (b), same objects, runtime mocks; ${repeat > 1 ? `best of ${repeat} runs` : 'one run'} per case`);
  out.push(table(
    ['workloads', 'resources a', 'resources b', 'a wall s', 'b wall s', 'a/b', 'a cpu s', 'b cpu s', 'a/b cpu', 'a peak RSS MiB', 'b peak RSS MiB'],
    rows.map((r) => {
      const a = r.bulkhead;
      const b = r.baseline;
      if (!pulumiOk(a) || !pulumiOk(b)) return [String(r.size), 'error', pulumiOk(a) ? '' : a.error, pulumiOk(b) ? '' : b.error];
      return [
        String(r.size), String(a.resources), String(b.resources), sec(a.measurement.ms), sec(b.measurement.ms), (a.measurement.ms / b.measurement.ms).toFixed(2),
        sec(a.measurement.cpuMs), sec(b.measurement.cpuMs), (a.measurement.cpuMs / b.measurement.cpuMs).toFixed(2), mib(a.measurement.peakRss), mib(b.measurement.peakRss),
      ];
    }),
  ));
  const at = rows.find((r) => r.size === PULUMI_TARGET.size);
  const ok = at && pulumiOk(at.bulkhead) && pulumiOk(at.baseline) ? at.bulkhead.measurement.ms / at.baseline.measurement.ms <= PULUMI_TARGET.ratio : undefined;
  out.push(`${ok === undefined ? 'SKIP' : ok ? 'PASS' : 'FAIL'}  Pulumi host / raw registration <= ${PULUMI_TARGET.ratio} at ${PULUMI_TARGET.size} workloads`);
  return { text: out.join('\n'), pass: ok !== false };
}

// ------------------------------------------------------------------ children

/** Installs counting mocks; returns the counter. */
function installMocks(): { count: number } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pulumi = require('@pulumi/pulumi') as typeof import('@pulumi/pulumi');
  const counter = { count: 0 };
  pulumi.runtime.setMocks({
    newResource: (args) => {
      counter.count++;
      return { id: `${args.name}-id`, state: args.inputs };
    },
    call: (args) => args.inputs,
  }, 'bench', 'bench', false);
  return counter;
}

/** Measures an asynchronous phase: a full GC first, then until every registration is answered. */
async function measureRegistration(phase: () => void): Promise<Measurement> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pulumi = require('@pulumi/pulumi') as typeof import('@pulumi/pulumi');
  const g = (globalThis as { gc?: () => void }).gc;
  g?.();
  const rssBefore = process.memoryUsage().rss;
  const heapBefore = process.memoryUsage().heapUsed;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  phase();
  // every outstanding registration answered by the mocks
  await pulumi.runtime.disconnect();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, rssBefore, peakRss: process.resourceUsage().maxRSS * 1024, heapDelta: process.memoryUsage().heapUsed - heapBefore };
}

async function bulkheadCase(argv: readonly string[]): Promise<PulumiCase> {
  const counter = installMocks();
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { generateTopology } = require('./generate') as typeof import('./generate');
  const { SegmentationStack } = require('../lib/pulumi') as typeof import('../lib/pulumi');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const { topology } = generateTopology(undefined, { workloads: Number(argValue(argv, '--size')), seed: Number(argValue(argv, '--seed') ?? '1') });
  const measurement = await measureRegistration(() => {
    new SegmentationStack('segmentation', { topology, defaultProviders: true });
  });
  return { measurement, resources: counter.count };
}

async function baselineCase(argv: readonly string[]): Promise<PulumiCase> {
  const counter = installMocks();
  /* eslint-disable @typescript-eslint/no-require-imports */
  const pulumi = require('@pulumi/pulumi') as typeof import('@pulumi/pulumi');
  const k8s = require('@pulumi/kubernetes') as typeof import('@pulumi/kubernetes');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const file = JSON.parse(fs.readFileSync(argValue(argv, '--input') ?? '', 'utf8')) as PreparedFile;
  type Fields = Record<string, unknown>;
  const measurement = await measureRegistration(() => {
    // the same tree as the host: one component, one provider per cluster, the objects under it
    class Raw extends pulumi.ComponentResource {
      public done(): void {
        this.registerOutputs({});
      }
    }
    const root = new Raw('bench:index:Raw', 'segmentation', {});
    for (const c of file.clusters) {
      const provider = new k8s.Provider(`segmentation-${c.name}`, { context: c.name }, { parent: root });
      const opts = { parent: root, provider };
      for (const m of c.manifests) {
        const { apiVersion, kind, ...rest } = m as unknown as { apiVersion: string; kind: string } & Fields;
        const name = ['segmentation', c.name, kind, m.metadata.namespace ?? '_', m.metadata.name].join('.');
        switch (`${apiVersion}/${kind}`) {
          case 'networking.k8s.io/v1/NetworkPolicy': new k8s.networking.v1.NetworkPolicy(name, rest as never, opts); break;
          case 'v1/Namespace': new k8s.core.v1.Namespace(name, rest as never, opts); break;
          case 'v1/ServiceAccount': new k8s.core.v1.ServiceAccount(name, rest as never, opts); break;
          case 'rbac.authorization.k8s.io/v1/ClusterRole': new k8s.rbac.v1.ClusterRole(name, rest as never, opts); break;
          case 'rbac.authorization.k8s.io/v1/ClusterRoleBinding': new k8s.rbac.v1.ClusterRoleBinding(name, rest as never, opts); break;
          case 'batch/v1/CronJob': new k8s.batch.v1.CronJob(name, rest as never, opts); break;
          default: new k8s.apiextensions.CustomResource(name, { apiVersion, kind, ...rest } as never, opts);
        }
      }
    }
    root.done();
  });
  return { measurement, resources: counter.count };
}

// ------------------------------------------------------------------ stand-alone

async function standalone(argv: readonly string[]): Promise<void> {
  const sizes = parseSizes(argv, DEFAULT_PULUMI_SIZES);
  const repeat = intOption(argv, '--repeat', 1);
  const seed = intOption(argv, '--seed', 1);
  const dir = scratchDir();
  try {
    const prepared: Prepared[] = [];
    for (const size of sizes) prepared.push(await prepare(size, seed, path.join(dir, `input-${size}.json`)));
    const rows = await benchPulumi(prepared, { repeat, log: (l) => process.stderr.write(l + '\n') });
    process.stdout.write(reportPulumi(rows, repeat).text + '\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** In a child: like `replyToParent`, for an asynchronous case. */
function replyAsync<T>(main: () => Promise<T>): void {
  main().then(
    (value) => replyToParent(() => value),
    (e: unknown) => replyToParent((): T => { throw e; }),
  );
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const child = argValue(argv, '--child');
  if (child === 'bulkhead') replyAsync(() => bulkheadCase(argv));
  else if (child === 'baseline') replyAsync(() => baselineCase(argv));
  else {
    standalone(argv).catch((e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    });
  }
}
