/**
 * Synthesis benchmark: Bulkhead's cdk8s host against raw cdk8s building the very same objects.
 *
 * For each size, in fresh child processes:
 *   (a) bulkhead  declaration (untimed) → `new TopologyCharts(app, …)` + `app.synthYaml()`
 *   (b) baseline  the objects `synthesize()` emitted, read from a JSON file (untimed) →
 *                 `new App()`, one `Chart` per cluster, one `ApiObject` per object + `app.synthYaml()`
 *   (c) `bulkhead synth`  declaration (untimed) → plain `synthesize()` (timed), then
 *                 `writeManifests(foldersOf(…))` into a fresh folder (timed): every file the CLI writes
 *   (d) floors    the same objects (JSON file, untimed) serialized one document each with the
 *                 `yaml` package, js-yaml and `JSON.stringify`
 * (a) and (b) produce the same YAML (checked by hash). Printed: wall and CPU time, peak RSS of the
 * child, ratio a/b, growth per doubling, where the time goes inside (a) (each renderer is
 * wrapped with a timer), and a PASS/FAIL line per target (judged on wall time).
 *
 *   npx ts-node --transpile-only bench/synth.ts [--sizes 500,1000] [--repeat 3] [--profile]
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import * as jsyaml from 'js-yaml';
import * as YAML from 'yaml';
import { foldersOf, LayerName, synthesize, Target, TARGETS, writeManifests } from '../lib';
import { TopologyCharts } from '../lib/cdk8s';
import { generateTopology } from './generate';
import {
  argValue, growthPerDoubling, intOption, Measurement, measure, mib, parseSizes, replyToParent, runChild, scratchDir, sec, table, timed,
} from './harness';
import { cloudArgs, cloudOf, Prepared, PreparedFile, prepare, timedNetworkLayers } from './prepare';
import { ProfileSummary, profilePhase } from './profile';

/** Default sizes (workloads). */
export const DEFAULT_SIZES: readonly number[] = [500, 1000, 2000, 5000];

/** What one synthesis child reports. */
export interface SynthCase {
  /** Time and memory of the measured phase. */
  readonly measurement: Measurement;
  /** SHA-256 of the YAML produced. */
  readonly sha256: string;
  /** Bytes of YAML produced. */
  readonly bytes: number;
  /** ApiObjects in the app. */
  readonly objects: number;
  /**
   * Sub-phases, in milliseconds. Bulkhead: `synthesis` (validation, plan, renderers), `plan`
   * (synthesis minus renderers), `render:<layer>`, `cdk8s` (ApiObjects and synthYaml).
   * Baseline: `objects` (ApiObject creation), `synthYaml`.
   */
  readonly phases: Readonly<Record<string, number>>;
  /** CPU profile of the phase (with `--profile` only). */
  readonly profile?: ProfileSummary;
}

/** What the `bulkhead synth` child reports: plain `synthesize()`, then writing every file. */
export interface WriteCase {
  /** `synthesize(topology)` (validation, plan, every renderer). */
  readonly synthesize: Measurement;
  /** `writeManifests(foldersOf(synthesis), dir)`: YAML of every object, hashes, files written. */
  readonly write: Measurement;
  /** Objects written. */
  readonly objects: number;
  /** Files written. */
  readonly files: number;
  /** Bytes written. */
  readonly bytes: number;
}

/** What the floors child reports: serializing the same objects, each object one document, in one process. */
export interface FloorsCase {
  /** `YAML.stringify` of the `yaml` package (the writer before js-yaml), per object. */
  readonly yaml: Measurement;
  /** `jsyaml.dump(m, { noRefs: true, lineWidth: -1 })` per object. */
  readonly jsyaml: Measurement;
  /** `JSON.stringify` per object. */
  readonly json: Measurement;
  /** Objects serialized. */
  readonly objects: number;
}

/** One row of the synthesis benchmark. */
export interface SynthRow {
  /** `bulkhead synth`: plain synthesize(), then every file written (best of the repeats, by total wall time). */
  readonly write?: WriteCase;
  /** The serializer floors of the same objects (best of the repeats, by js-yaml wall time). */
  readonly floors?: FloorsCase;
  /** Workloads. */
  readonly size: number;
  /** The prepared input. */
  readonly prepared: Prepared;
  /** (a) Bulkhead, best of the repeats. */
  readonly bulkhead: SynthCase;
  /** (b) baseline, best of the repeats. */
  readonly baseline: SynthCase;
  /** Highest peak RSS of (a) over the repeats. */
  readonly bulkheadPeakRss: number;
  /** Highest peak RSS of (b) over the repeats. */
  readonly baselinePeakRss: number;
  /** Highest 1-minute load average seen after a run. */
  readonly load: number;
}

/** Targets of the issue. */
export const SYNTH_TARGETS = {
  ratio: 1.2, growthPerDoubling: 2.2, memoryBytes: 1024 * 1048576, memorySize: 5000,
  /** `bulkhead synth` at most this many times the js-yaml floor of the same objects. */
  writeOverJsYaml: 2,
  /** Plain `synthesize()` at 5,000 workloads, at most (ms). */
  synthesizeMs: 1000,
} as const;

/** Runs (a) and (b) for every prepared size, `repeat` times each (alternating), keeping the fastest. */
export async function benchSynth(prepared: readonly Prepared[], options: { readonly repeat?: number; readonly profile?: boolean; readonly log?: (line: string) => void } = {}): Promise<SynthRow[]> {
  const repeat = options.repeat ?? 1;
  const log = options.log ?? (() => undefined);
  const rows: SynthRow[] = [];
  for (const p of prepared) {
    const a: SynthCase[] = [];
    const b: SynthCase[] = [];
    let load = 0;
    for (let i = 0; i < repeat; i++) {
      log(`synth ${p.size}: bulkhead run ${i + 1}/${repeat}`);
      a.push(await runChild<SynthCase>('synth.ts', ['--child', 'bulkhead', '--size', String(p.size), '--seed', String(p.seed), ...cloudArgs(p.cloud)]));
      load = Math.max(load, os.loadavg()[0]);
      log(`synth ${p.size}: baseline run ${i + 1}/${repeat}`);
      b.push(await runChild<SynthCase>('synth.ts', ['--child', 'baseline', '--input', p.file]));
      load = Math.max(load, os.loadavg()[0]);
    }
    const writes: WriteCase[] = [];
    const floors: FloorsCase[] = [];
    for (let i = 0; i < repeat; i++) {
      log(`synth ${p.size}: bulkhead synth (synthesize, write every file) run ${i + 1}/${repeat}`);
      writes.push(await runChild<WriteCase>('synth.ts', ['--child', 'write', '--size', String(p.size), '--seed', String(p.seed), ...cloudArgs(p.cloud)]));
      log(`synth ${p.size}: serializer floors run ${i + 1}/${repeat}`);
      floors.push(await runChild<FloorsCase>('synth.ts', ['--child', 'floors', '--input', p.file]));
      load = Math.max(load, os.loadavg()[0]);
    }
    let bulkhead = fastest(a);
    let baseline = fastest(b);
    if (options.profile) {
      log(`synth ${p.size}: profiling`);
      const pa = await runChild<SynthCase>('synth.ts', ['--child', 'bulkhead', '--size', String(p.size), '--seed', String(p.seed), '--profile', ...cloudArgs(p.cloud)]);
      const pb = await runChild<SynthCase>('synth.ts', ['--child', 'baseline', '--input', p.file, '--profile']);
      bulkhead = { ...bulkhead, profile: pa.profile };
      baseline = { ...baseline, profile: pb.profile };
    }
    rows.push({
      size: p.size, prepared: p, bulkhead, baseline,
      write: writes.reduce((m, x) => (x.synthesize.ms + x.write.ms < m.synthesize.ms + m.write.ms ? x : m)),
      floors: floors.reduce((m, x) => (x.jsyaml.ms < m.jsyaml.ms ? x : m)),
      bulkheadPeakRss: Math.max(...a.map((x) => x.measurement.peakRss)),
      baselinePeakRss: Math.max(...b.map((x) => x.measurement.peakRss)),
      load,
    });
  }
  return rows;
}

function fastest(xs: readonly SynthCase[]): SynthCase {
  return xs.reduce((best, x) => (x.measurement.ms < best.measurement.ms ? x : best));
}

/** The report: tables and one PASS/FAIL line per target. Returns whether every target passed. */
export function reportSynth(rows: readonly SynthRow[], repeat: number): { text: string; pass: boolean } {
  const out: string[] = [];
  out.push(`Synthesis — Bulkhead cdk8s host (a) vs raw cdk8s ApiObjects (b), same objects; ${repeat > 1 ? `best of ${repeat} runs` : 'one run'} per case, each in a fresh process`);
  out.push('wall/cpu = wall time and CPU time (user+system, all threads) of the measured phase; targets are judged on wall time');
  out.push('peak RSS = getrusage maxrss of the whole child process (Node, ts-node, declaration or JSON input included); Δ = peak RSS minus RSS just before the phase');
  out.push('');
  out.push(table(
    ['workloads', 'flows', 'objects', 'a wall s', 'b wall s', 'a/b', 'a cpu s', 'b cpu s', 'a/b cpu', 'a peak RSS MiB', 'a Δ MiB', 'b peak RSS MiB', 'b Δ MiB', 'same YAML'],
    rows.map((r) => [
      String(r.size),
      String(r.prepared.stats.flows),
      String(r.bulkhead.objects),
      sec(r.bulkhead.measurement.ms),
      sec(r.baseline.measurement.ms),
      (r.bulkhead.measurement.ms / r.baseline.measurement.ms).toFixed(2),
      sec(r.bulkhead.measurement.cpuMs),
      sec(r.baseline.measurement.cpuMs),
      (r.bulkhead.measurement.cpuMs / r.baseline.measurement.cpuMs).toFixed(2),
      mib(r.bulkheadPeakRss),
      mib(r.bulkheadPeakRss - r.bulkhead.measurement.rssBefore),
      mib(r.baselinePeakRss),
      mib(r.baselinePeakRss - r.baseline.measurement.rssBefore),
      r.bulkhead.sha256 === r.baseline.sha256 ? 'yes' : `NO (a ${r.bulkhead.objects}, b ${r.baseline.objects} objects)`,
    ]),
  ));
  out.push('');
  const loadMax = Math.max(...rows.map((r) => r.load));
  if (loadMax > os.cpus().length) out.push(`note: 1-minute load average reached ${loadMax.toFixed(1)} on ${os.cpus().length} cores during the runs: wall times are inflated by other processes; CPU times are steadier`, '');
  const growth: { from: number; to: number; a: number; b: number; aCpu: number; bCpu: number }[] = [];
  for (let i = 1; i < rows.length; i++) {
    const x = rows[i - 1];
    const y = rows[i];
    const g = (f: (r: SynthRow) => number) => growthPerDoubling(x.size, f(x), y.size, f(y));
    growth.push({
      from: x.size, to: y.size,
      a: g((r) => r.bulkhead.measurement.ms), b: g((r) => r.baseline.measurement.ms),
      aCpu: g((r) => r.bulkhead.measurement.cpuMs), bCpu: g((r) => r.baseline.measurement.cpuMs),
    });
  }
  if (growth.length) {
    out.push('Growth of time per doubling of the input ((t2/t1)^(1/log2(n2/n1)); 2.00 = linear)');
    out.push(table(['sizes', 'a wall', 'b wall', 'a cpu', 'b cpu'], growth.map((g) => [`${g.from} → ${g.to}`, g.a.toFixed(2), g.b.toFixed(2), g.aCpu.toFixed(2), g.bCpu.toFixed(2)])));
    out.push('');
  }
  out.push('Where the time goes (wall ms, measured inside the runs above). a: synthesis = validation + plan + renderers (renderers timed by');
  out.push('wrapping each target), cdk8s = ApiObject creation + app.synthYaml(); b: objects = ApiObject creation, synthYaml = app.synthYaml()');
  const layers = [...new Set(rows.flatMap((r) => Object.keys(r.bulkhead.phases).filter((k) => k.startsWith('render:'))))];
  out.push('cpu columns: CPU time (user+system) of a\'s synthesis and of its cdk8s part (ApiObjects + synthYaml), and of all of b (ms)');
  out.push(table(
    ['workloads', 'a total', 'a plan+validate', ...layers.map((l) => l.replace('render:', '')), 'a cdk8s', 'b total', 'b objects', 'b synthYaml', 'a − b', 'a cdk8s − b', 'a synthesis cpu', 'a cdk8s cpu', 'b cpu', 'a cdk8s cpu / b cpu'],
    rows.map((r) => {
      const ph = r.bulkhead.phases;
      return [
        String(r.size), r.bulkhead.measurement.ms.toFixed(0), (ph.plan ?? 0).toFixed(0),
        ...layers.map((l) => (ph[l] ?? 0).toFixed(0)),
        (ph.cdk8s ?? 0).toFixed(0), r.baseline.measurement.ms.toFixed(0), (r.baseline.phases.objects ?? 0).toFixed(0), (r.baseline.phases.synthYaml ?? 0).toFixed(0),
        (r.bulkhead.measurement.ms - r.baseline.measurement.ms).toFixed(0), ((ph.cdk8s ?? 0) - r.baseline.measurement.ms).toFixed(0),
        (ph['cpu:synthesis'] ?? 0).toFixed(0), (ph['cpu:cdk8s'] ?? 0).toFixed(0), r.baseline.measurement.cpuMs.toFixed(0),
        ((ph['cpu:cdk8s'] ?? 0) / r.baseline.measurement.cpuMs).toFixed(2),
      ];
    }),
  ));
  out.push('');
  for (const r of rows) {
    if (!r.bulkhead.profile && !r.baseline.profile) continue;
    out.push(`CPU profile, ${r.size} workloads (self time of the measured phase by area, ms)`);
    const areas = [...new Set([...Object.keys(r.bulkhead.profile?.byArea ?? {}), ...Object.keys(r.baseline.profile?.byArea ?? {})])]
      .sort((x, y) => (r.bulkhead.profile?.byArea[y] ?? 0) - (r.bulkhead.profile?.byArea[x] ?? 0));
    out.push(table(['area', 'a', 'b'], areas.map((k) => [k, (r.bulkhead.profile?.byArea[k] ?? 0).toFixed(0), (r.baseline.profile?.byArea[k] ?? 0).toFixed(0)])));
    if (r.bulkhead.profile) {
      out.push('top functions of a (self ms):');
      for (const f of r.bulkhead.profile.topFunctions) out.push(`  ${f.selfMs.toFixed(0).padStart(7)}  ${f.name}`);
    }
    const sp = r.prepared.profile;
    if (sp) {
      out.push(`top functions of synthesize() alone (validation, plan, renderers; ${sp.totalMs.toFixed(0)} ms profiled), self ms:`);
      for (const f of sp.topFunctions) out.push(`  ${f.selfMs.toFixed(0).padStart(7)}  ${f.name}`);
      if (sp.topInclusive?.length) {
        out.push('Bulkhead functions of synthesize() with the most total time (self + what they call), ms:');
        for (const f of sp.topInclusive) out.push(`  ${f.totalMs.toFixed(0).padStart(7)}  ${f.name}`);
      }
    }
    out.push('');
  }

  const withWrite = rows.filter((r) => r.write && r.floors);
  if (withWrite.length) {
    out.push('bulkhead synth = plain synthesize() + writeManifests(foldersOf(…)) (YAML of every object, hashes, files), in one fresh process;');
    out.push('floors = the same objects serialized one document each, in one fresh process (yaml package / js-yaml / JSON.stringify)');
    out.push(table(
      ['workloads', 'objects', 'synthesize s', 'cpu s', 'write s', 'cpu s', 'synth total s', 'cpu s', 'peak RSS MiB', 'yaml s', 'js-yaml s', 'JSON s', 'total / js-yaml', 'cpu', 'write / js-yaml', 'MiB written'],
      withWrite.map((r) => {
        const w = r.write as WriteCase;
        const f = r.floors as FloorsCase;
        const total = w.synthesize.ms + w.write.ms;
        const totalCpu = w.synthesize.cpuMs + w.write.cpuMs;
        return [
          String(r.size), String(w.objects), sec(w.synthesize.ms), sec(w.synthesize.cpuMs), sec(w.write.ms), sec(w.write.cpuMs), sec(total), sec(totalCpu),
          mib(Math.max(w.synthesize.peakRss, w.write.peakRss)), sec(f.yaml.ms), sec(f.jsyaml.ms), sec(f.json.ms),
          (total / f.jsyaml.ms).toFixed(2), (totalCpu / f.jsyaml.cpuMs).toFixed(2), (w.write.ms / f.jsyaml.ms).toFixed(2), mib(w.bytes),
        ];
      }),
    ));
    out.push('');
  }
  const ratioFails = rows.filter((r) => r.bulkhead.measurement.ms / r.baseline.measurement.ms > SYNTH_TARGETS.ratio);
  const worstRatio = Math.max(...rows.map((r) => r.bulkhead.measurement.ms / r.baseline.measurement.ms));
  const worstCpuRatio = Math.max(...rows.map((r) => r.bulkhead.measurement.cpuMs / r.baseline.measurement.cpuMs));
  const worstCpuGrowth = growth.length ? Math.max(...growth.map((g) => g.aCpu)) : NaN;
  const growthFails = growth.filter((g) => g.a > SYNTH_TARGETS.growthPerDoubling);
  const worstGrowth = growth.length ? Math.max(...growth.map((g) => g.a)) : NaN;
  const big = rows.find((r) => r.size === SYNTH_TARGETS.memorySize);
  const same = rows.every((r) => r.bulkhead.sha256 === r.baseline.sha256);
  const lines: [string, boolean | undefined, string][] = [
    [`ratio a/b <= ${SYNTH_TARGETS.ratio} at every size`, ratioFails.length === 0, `worst ${worstRatio.toFixed(2)}${ratioFails.length ? ` (fails at ${ratioFails.map((r) => r.size).join(', ')})` : ''}; on CPU time ${worstCpuRatio.toFixed(2)}`],
    [`growth <= ${SYNTH_TARGETS.growthPerDoubling}x per doubling`, growth.length ? growthFails.length === 0 : undefined, growth.length ? `worst ${worstGrowth.toFixed(2)}${growthFails.length ? ` (fails at ${growthFails.map((g) => `${g.from}→${g.to}`).join(', ')})` : ''}; on CPU time ${worstCpuGrowth.toFixed(2)}` : 'needs two sizes'],
    [`${SYNTH_TARGETS.memorySize} workloads under 1 GiB (a, peak RSS)`, big ? big.bulkheadPeakRss < SYNTH_TARGETS.memoryBytes : undefined, big ? `${mib(big.bulkheadPeakRss)} MiB` : `size ${SYNTH_TARGETS.memorySize} not run`],
    ...((): [string, boolean | undefined, string][] => {
      const w = big?.write;
      const f = big?.floors;
      if (!w || !f) return [[`bulkhead synth <= ${SYNTH_TARGETS.writeOverJsYaml} x js-yaml floor at ${SYNTH_TARGETS.memorySize}`, undefined, `size ${SYNTH_TARGETS.memorySize} not run`], [`plain synthesize() <= ${sec(SYNTH_TARGETS.synthesizeMs)} s at ${SYNTH_TARGETS.memorySize}`, undefined, `size ${SYNTH_TARGETS.memorySize} not run`]];
      const total = w.synthesize.ms + w.write.ms;
      const peak = Math.max(w.synthesize.peakRss, w.write.peakRss);
      return [
        [`bulkhead synth <= ${SYNTH_TARGETS.writeOverJsYaml} x js-yaml floor at ${SYNTH_TARGETS.memorySize}`, total / f.jsyaml.ms <= SYNTH_TARGETS.writeOverJsYaml, `${sec(total)} s / ${sec(f.jsyaml.ms)} s = ${(total / f.jsyaml.ms).toFixed(2)}; on CPU time ${((w.synthesize.cpuMs + w.write.cpuMs) / f.jsyaml.cpuMs).toFixed(2)}`],
        [`plain synthesize() <= ${sec(SYNTH_TARGETS.synthesizeMs)} s at ${SYNTH_TARGETS.memorySize}`, w.synthesize.ms <= SYNTH_TARGETS.synthesizeMs, `${sec(w.synthesize.ms)} s; CPU ${sec(w.synthesize.cpuMs)} s`],
        [`bulkhead synth under 1 GiB at ${SYNTH_TARGETS.memorySize} (peak RSS)`, peak < SYNTH_TARGETS.memoryBytes, `${mib(peak)} MiB`],
      ];
    })(),
    ['baseline builds the same objects (same YAML)', same, same ? 'hashes equal' : 'hashes differ (did lib/ change between the prepare step and the runs?)'],
  ];
  for (const [what, ok, detail] of lines) out.push(`${ok === undefined ? 'SKIP' : ok ? 'PASS' : 'FAIL'}  ${what}: ${detail}`);
  return { text: out.join('\n'), pass: lines.every(([, ok]) => ok !== false) };
}

// ------------------------------------------------------------------ children

function bulkheadCase(argv: readonly string[]): SynthCase {
  const size = Number(argValue(argv, '--size'));
  const seed = Number(argValue(argv, '--seed') ?? '1');
  const cloud = cloudOf(argv);
  const app = new App();
  const { topology } = generateTopology(app, { workloads: size, seed, ...(cloud ? { cloud } : {}) });
  // Each renderer is wrapped with a timer (two clock reads per layer and cluster).
  const renderMs: Record<string, number> = {};
  const targets: Partial<Record<LayerName, Target>> = {};
  for (const [layer, target] of Object.entries(TARGETS) as [LayerName, Target][]) {
    targets[layer] = {
      // the target's other members (its layer checks, the kinds it emits grants in) as they are
      ...target,
      render: (plan, cluster) => {
        const [r, ms] = timed(() => target.render(plan, cluster));
        renderMs[`render:${layer}`] = (renderMs[`render:${layer}`] ?? 0) + ms;
        return r;
      },
    };
  }
  const layers = timedNetworkLayers((ms) => { renderMs['render:aws'] = (renderMs['render:aws'] ?? 0) + ms; });
  let synthesisMs = 0;
  let cdk8sMs = 0;
  let synthesisCpuMs = 0;
  let cdk8sCpuMs = 0;
  const phase = () => {
    const charts = new TopologyCharts(app, 'segmentation', { topology, printWarnings: false, targets, layers });
    // The synthesis the charts would compute on app.synthYaml(), computed first to time it apart.
    const c0 = cpuMs();
    [, synthesisMs] = timed(() => charts.synthesis);
    const c1 = cpuMs();
    const [yaml, ms] = timed(() => app.synthYaml());
    cdk8sMs = ms;
    synthesisCpuMs = c1 - c0;
    cdk8sCpuMs = cpuMs() - c1;
    return yaml;
  };
  if (argv.includes('--profile')) {
    const { profile } = profilePhase(phase);
    return { measurement: { ms: profile.totalMs, cpuMs: 0, rssBefore: 0, peakRss: 0, heapDelta: 0 }, sha256: '', bytes: 0, objects: 0, phases: {}, profile };
  }
  const { result: yaml, measurement } = measure(phase);
  const rendering = Object.values(renderMs).reduce((x, y) => x + y, 0);
  return {
    measurement, ...digest(yaml), objects: countObjects(app),
    phases: { synthesis: synthesisMs, plan: synthesisMs - rendering, ...renderMs, cdk8s: cdk8sMs, 'cpu:synthesis': synthesisCpuMs, 'cpu:cdk8s': cdk8sCpuMs },
  };
}

function baselineCase(argv: readonly string[]): SynthCase {
  const input = argValue(argv, '--input');
  if (!input) throw new Error('--input is required');
  const file = JSON.parse(fs.readFileSync(input, 'utf8')) as PreparedFile;
  let objectsMs = 0;
  const phase = () => {
    const t0 = process.hrtime.bigint();
    const app = new App();
    // Same construct tree as TopologyCharts: App / segmentation / <cluster chart> / <object>.
    const root = new Construct(app, 'segmentation');
    for (const c of file.clusters) {
      const chart = new Chart(root, c.name, { disableResourceNameHashes: true });
      for (const m of c.manifests) {
        const { apiVersion, kind, metadata, ...rest } = m as unknown as { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } & Record<string, unknown> } & Record<string, unknown>;
        new ApiObject(chart, `${kind}-${metadata.namespace ?? '_'}-${metadata.name}`, { apiVersion, kind, metadata, ...rest });
      }
    }
    // Then one chart per AWS account and Region with the cloud objects, as TopologyCharts makes them.
    for (const n of file.networkCharts ?? []) {
      const chart = new Chart(root, n.id, { disableResourceNameHashes: true });
      for (const m of n.manifests) {
        const { apiVersion, kind, metadata, ...rest } = m as unknown as { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } & Record<string, unknown> } & Record<string, unknown>;
        new ApiObject(chart, `${kind}-${metadata.namespace ?? '_'}-${metadata.name}`, { apiVersion, kind, metadata, ...rest });
      }
    }
    objectsMs = Number(process.hrtime.bigint() - t0) / 1e6;
    return { app, yaml: app.synthYaml() };
  };
  if (argv.includes('--profile')) {
    const { profile } = profilePhase(phase);
    return { measurement: { ms: profile.totalMs, cpuMs: 0, rssBefore: 0, peakRss: 0, heapDelta: 0 }, sha256: '', bytes: 0, objects: 0, phases: {}, profile };
  }
  const { result, measurement } = measure(phase);
  return {
    measurement, ...digest(result.yaml), objects: countObjects(result.app),
    phases: { objects: objectsMs, synthYaml: measurement.ms - objectsMs },
  };
}

function writeCase(argv: readonly string[]): WriteCase {
  const size = Number(argValue(argv, '--size'));
  const seed = Number(argValue(argv, '--seed') ?? '1');
  const cloud = cloudOf(argv);
  const { topology } = generateTopology(undefined, { workloads: size, seed, ...(cloud ? { cloud } : {}) });
  const dir = scratchDir();
  try {
    const { result: synthesis, measurement: synth } = measure(() => synthesize(topology));
    const out = path.join(dir, 'out');
    const { result: files, measurement: write } = measure(() => writeManifests(foldersOf(synthesis), out));
    const bytes = files.reduce((n, f) => n + fs.statSync(path.join(out, ...f.split('/'))).size, 0);
    const objects = synthesis.clusters.reduce((n, c) => n + c.manifests.length, 0) + synthesis.networks.reduce((n, x) => n + x.manifests.length, 0);
    return { synthesize: synth, write, objects, files: files.length, bytes };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function floorsCase(argv: readonly string[]): FloorsCase {
  const input = argValue(argv, '--input');
  if (!input) throw new Error('--input is required');
  const file = JSON.parse(fs.readFileSync(input, 'utf8')) as PreparedFile;
  const objects: unknown[] = [...file.clusters.flatMap((c) => c.manifests), ...(file.networkCharts ?? []).flatMap((n) => n.manifests)];
  const each = (f: (m: unknown) => string) => () => {
    let n = 0;
    for (const m of objects) n += f(m).length;
    return n;
  };
  // the cheapest first: a later floor never profits from a heap the earlier ones grew
  const json = measure(each((m) => JSON.stringify(m))).measurement;
  const js = measure(each((m) => jsyaml.dump(m, { noRefs: true, lineWidth: -1 }))).measurement;
  const yaml = measure(each((m) => YAML.stringify(m, { lineWidth: 0, sortMapEntries: false, aliasDuplicateObjects: false }))).measurement;
  return { yaml, jsyaml: js, json, objects: objects.length };
}

/** CPU time of this process so far (user + system), in milliseconds. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function digest(yaml: string): { sha256: string; bytes: number } {
  return { sha256: createHash('sha256').update(yaml).digest('hex'), bytes: Buffer.byteLength(yaml) };
}

function countObjects(app: App): number {
  return app.charts.reduce((n, c) => n + c.apiObjects.length, 0);
}

// ------------------------------------------------------------------ stand-alone

async function standalone(argv: readonly string[]): Promise<void> {
  const sizes = parseSizes(argv, DEFAULT_SIZES);
  const repeat = intOption(argv, '--repeat', 1);
  const seed = intOption(argv, '--seed', 1);
  const dir = scratchDir();
  try {
    const prepared: Prepared[] = [];
    for (const size of sizes) {
      process.stderr.write(`prepare ${size}\n`);
      prepared.push(await prepare(size, seed, path.join(dir, `input-${size}.json`), { profile: argv.includes('--profile') }));
    }
    const rows = await benchSynth(prepared, { repeat, profile: argv.includes('--profile'), log: (l) => process.stderr.write(l + '\n') });
    process.stdout.write(reportSynth(rows, repeat).text + '\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const child = argValue(argv, '--child');
  if (child === 'bulkhead') replyToParent(() => bulkheadCase(argv));
  else if (child === 'baseline') replyToParent(() => baselineCase(argv));
  else if (child === 'write') replyToParent(() => writeCase(argv));
  else if (child === 'floors') replyToParent(() => floorsCase(argv));
  else {
    standalone(argv).catch((e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    });
  }
}
