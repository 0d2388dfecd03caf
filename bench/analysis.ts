/**
 * Analysis benchmark: `connectivity` on the manifests synthesized for each size, cluster by
 * cluster (the policies of every layer plus one Deployment per workload and platform
 * service, so every workload is an endpoint; the Cilium simulator is given the cluster's
 * ClusterMesh name), in a fresh child process per size.
 *
 * Also times `verify` (synthesize, then every layer of every cluster against the declared
 * intent), with a time limit per run.
 *
 *   npx ts-node --transpile-only bench/analysis.ts [--sizes 500,1000] [--repeat 3] [--no-verify] [--verify-timeout 300]
 *   npx ts-node --transpile-only bench/analysis.ts --sizes 1000,2000,5000,10000,20000 --verify-timeout 600
 *
 * Prints wall and CPU time, the growth per doubling of connectivity and of verify (wall and CPU),
 * peak RSS, and PASS/FAIL lines for the targets ({@link ANALYSIS_TARGET}).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synthesize, verifySynthesis } from '../lib';
import { Analysis, CILIUM_SIMULATOR, ISTIO_SIMULATOR, KUBERNETES_SIMULATOR, loadObjects, SimulatorRegistration } from '../lib/analysis';
import { createCiliumSimulator } from '../lib/analysis/simulators/cilium';
import { generateTopology } from './generate';
import {
  argValue, growthPerDoubling, intOption, Measurement, measure, mib, parseSizes, replyToParent, runChild, scratchDir, sec, table, timed,
} from './harness';
import { Prepared, PreparedFile, prepare } from './prepare';

/** Default sizes (workloads). */
export const DEFAULT_ANALYSIS_SIZES: readonly number[] = [500, 1000, 2000, 5000];

/**
 * Targets at 5,000 workloads: connectivity (every layer) in at most 3 s, verify (synthesize +
 * compare) in at most 5 s, peak RSS at most 1 GiB for both; verify's growth per doubling at most
 * 2.2 at every step measured.
 */
export const ANALYSIS_TARGET = { size: 5000, ms: 3_000, verifyMs: 5_000, peakRss: 1024 * 1024 * 1024, growth: 2.2 } as const;

/** Default time limit of one verify run. */
export const VERIFY_TIMEOUT_MS = 300_000;

/** One cluster's figures. */
export interface ClusterFigures {
  /** Cluster name. */
  readonly name: string;
  /** Endpoints (workloads and platform services) the loader found. */
  readonly endpoints: number;
  /** Objects given to the loader. */
  readonly objects: number;
  /** Layers the analysis simulated (present in the input). */
  readonly layers: readonly string[];
  /** Milliseconds: `loadObjects`. */
  readonly loadMs: number;
  /** Milliseconds: building the simulators (`Analysis.of`). */
  readonly buildMs: number;
  /** Milliseconds: `connectivity()`. */
  readonly connectivityMs: number;
  /** Allowed connections listed. */
  readonly connections: number;
}

/** What one analysis child reports. */
export interface AnalysisCase {
  /** The whole size (every cluster). */
  readonly measurement: Measurement;
  /** Per cluster. */
  readonly clusters: readonly ClusterFigures[];
}

/** What one verify child reports. */
export interface VerifyCase {
  /** `verifySynthesis` (the analysis part of `verify`). */
  readonly measurement: Measurement;
  /** Milliseconds: the `synthesize()` that `verify(topology)` runs first. */
  readonly synthesizeMs: number;
  /** CPU milliseconds of that `synthesize()`. @default - not measured */
  readonly synthesizeCpuMs?: number;
  /** Endpoint pairs compared, over every cluster and layer. */
  readonly pairs: number;
  /** Findings per `cluster layer kind`. */
  readonly findings: Readonly<Record<string, number>>;
  /** The first finding, as text. */
  readonly example?: string;
}

/** One row of the analysis benchmark. */
export interface AnalysisRow {
  /** Workloads. */
  readonly size: number;
  /** The fastest run, or the error when the analysis failed. */
  readonly result: AnalysisCase | { readonly error: string };
  /** One verify run, its error, or why it was not run. */
  readonly verify?: VerifyCase | { readonly error: string };
  /** Highest 1-minute load average seen after a run. */
  readonly load: number;
}

/** Options of {@link benchAnalysis}. */
export interface AnalysisBenchOptions {
  /** Runs of connectivity and of verify per size (the fastest is kept). @default 1 */
  readonly repeat?: number;
  /** Also time `verify` (sizes after one that timed out are skipped). @default true */
  readonly verify?: boolean;
  /** Time limit of one verify run; larger sizes are skipped after one times out. @default VERIFY_TIMEOUT_MS */
  readonly verifyTimeoutMs?: number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

/** Runs the analysis children for every prepared size: connectivity and verify `repeat` times each (the fastest is kept). */
export async function benchAnalysis(prepared: readonly Prepared[], options: AnalysisBenchOptions = {}): Promise<AnalysisRow[]> {
  const repeat = options.repeat ?? 1;
  const log = options.log ?? (() => undefined);
  const timeoutMs = options.verifyTimeoutMs ?? VERIFY_TIMEOUT_MS;
  const rows: AnalysisRow[] = [];
  for (const p of prepared) {
    const runs: AnalysisCase[] = [];
    let load = 0;
    let result: AnalysisRow['result'];
    try {
      for (let i = 0; i < repeat; i++) {
        log(`analysis ${p.size}: connectivity run ${i + 1}/${repeat}`);
        runs.push(await runChild<AnalysisCase>('analysis.ts', ['--child', 'connectivity', '--input', p.file]));
        load = Math.max(load, os.loadavg()[0]);
      }
      result = runs.reduce((best, x) => (x.measurement.ms < best.measurement.ms ? x : best));
    } catch (e) {
      result = { error: firstLine(e) };
    }
    let verify: AnalysisRow['verify'];
    if (options.verify ?? true) {
      if (rows.some(verifyTimedOut)) verify = { error: 'skipped: a smaller size timed out' };
      else {
        try {
          const vs: VerifyCase[] = [];
          for (let i = 0; i < repeat; i++) {
            log(`analysis ${p.size}: verify run ${i + 1}/${repeat} (limit ${(timeoutMs / 1000).toFixed(0)} s)`);
            vs.push(await runChild<VerifyCase>('analysis.ts', ['--child', 'verify', '--size', String(p.size), '--seed', String(p.seed)], { timeoutMs }));
            load = Math.max(load, os.loadavg()[0]);
          }
          verify = vs.reduce((best, x) => (x.synthesizeMs + x.measurement.ms < best.synthesizeMs + best.measurement.ms ? x : best));
        } catch (e) {
          verify = { error: firstLine(e) };
        }
      }
    }
    rows.push({ size: p.size, result, verify, load });
  }
  return rows;
}

/** Whether the verify run of a row hit its time limit (larger sizes are then skipped). */
export function verifyTimedOut(row: AnalysisRow): boolean {
  return row.verify !== undefined && 'error' in row.verify && /^(timed out|skipped)/.test(row.verify.error);
}

function firstLine(e: unknown): string {
  return e instanceof Error ? e.message.split('\n')[0] : String(e);
}

/** The report: per-size table, per-cluster detail, growth and the target line. */
export function reportAnalysis(rows: readonly AnalysisRow[], repeat: number): { text: string; pass: boolean } {
  const out: string[] = [];
  out.push(`Analysis — connectivity() per cluster on the synthesized manifests (+ one Deployment per workload); ${repeat > 1 ? `best of ${repeat} runs` : 'one run'} per size, each in a fresh process`);
  out.push('time = load (loadObjects) + build (Analysis.of: simulators) + connectivity, summed over clusters; peak RSS of the whole child process');
  out.push('');
  const ok = rows.filter((r): r is AnalysisRow & { result: AnalysisCase } => !('error' in r.result));
  const sum = (r: AnalysisCase, f: (c: ClusterFigures) => number) => r.clusters.reduce((s, c) => s + f(c), 0);
  out.push(table(
    ['workloads', 'clusters', 'endpoints', 'layers', 'load s', 'build s', 'connectivity s', 'total s', 'cpu s', 'connections', 'peak RSS MiB'],
    rows.map((r) => {
      if ('error' in r.result) return [String(r.size), 'error', r.result.error];
      const c = r.result;
      return [
        String(r.size), String(c.clusters.length), String(sum(c, (x) => x.endpoints)),
        [...new Set(c.clusters.flatMap((x) => x.layers))].join('+') || '-',
        sec(sum(c, (x) => x.loadMs)), sec(sum(c, (x) => x.buildMs)), sec(sum(c, (x) => x.connectivityMs)),
        sec(c.measurement.ms), sec(c.measurement.cpuMs), String(sum(c, (x) => x.connections)), mib(c.measurement.peakRss),
      ];
    }),
  ));
  out.push('');
  out.push('Per cluster (s: load / build / connectivity)');
  out.push(table(
    ['workloads', ...(ok[0]?.result.clusters.map((c) => c.name) ?? [])],
    ok.map((r) => [String(r.size), ...r.result.clusters.map((c) => `${sec(c.loadMs)} / ${sec(c.buildMs)} / ${sec(c.connectivityMs)} (${c.endpoints} ep)`)]),
  ));
  out.push('');
  const loadMax = Math.max(0, ...rows.map((r) => r.load));
  if (loadMax > os.cpus().length) out.push(`note: 1-minute load average reached ${loadMax.toFixed(1)} on ${os.cpus().length} cores during the runs: wall times are inflated by other processes`, '');
  const growth: { from: number; to: number; wall: number; cpu: number }[] = [];
  for (let i = 1; i < ok.length; i++) {
    const x = ok[i - 1];
    const y = ok[i];
    growth.push({
      from: x.size, to: y.size,
      wall: growthPerDoubling(x.size, x.result.measurement.ms, y.size, y.result.measurement.ms),
      cpu: growthPerDoubling(x.size, x.result.measurement.cpuMs, y.size, y.result.measurement.cpuMs),
    });
  }
  if (growth.length) {
    out.push('Growth of time per doubling of the input (2.00 = linear, 4.00 = quadratic)');
    out.push(table(['sizes', 'wall', 'cpu'], growth.map((g) => [`${g.from} → ${g.to}`, g.wall.toFixed(2), g.cpu.toFixed(2)])));
    out.push('');
  }
  const verified = rows.filter((r) => r.verify !== undefined);
  if (verified.length) {
    out.push(`verify — synthesize() + verifySynthesis() (every ordered endpoint pair of each cluster, every layer, against the declared intent); ${repeat > 1 ? `best of ${repeat} runs` : 'one run'} per size`);
    out.push(table(
      ['workloads', 'pairs', 'synthesize s', 'verifySynthesis s', 'verify total s', 'synthesize cpu s', 'verifySynthesis cpu s', 'verify total cpu s', 'peak RSS MiB', 'findings'],
      verified.map((r) => {
        const v = r.verify;
        if (!v || 'error' in v) return [String(r.size), v ? v.error : ''];
        const total = Object.values(v.findings).reduce((x, y) => x + y, 0);
        const synthCpu = v.synthesizeCpuMs ?? v.synthesizeMs;
        return [
          String(r.size), String(v.pairs), sec(v.synthesizeMs), sec(v.measurement.ms), sec(v.synthesizeMs + v.measurement.ms),
          sec(synthCpu), sec(v.measurement.cpuMs), sec(synthCpu + v.measurement.cpuMs), mib(v.measurement.peakRss), String(total),
        ];
      }),
    ));
    const ok = verified.filter((r): r is AnalysisRow & { verify: VerifyCase } => r.verify !== undefined && !('error' in r.verify));
    const vg: string[][] = [];
    for (let i = 1; i < ok.length; i++) {
      const x = ok[i - 1];
      const y = ok[i];
      const g = (a: number, b: number) => growthPerDoubling(x.size, a, y.size, b).toFixed(2);
      vg.push([
        `${x.size} → ${y.size}`, g(x.verify.measurement.ms, y.verify.measurement.ms), g(x.verify.measurement.cpuMs, y.verify.measurement.cpuMs),
        g(x.verify.synthesizeMs + x.verify.measurement.ms, y.verify.synthesizeMs + y.verify.measurement.ms),
        g((x.verify.synthesizeCpuMs ?? x.verify.synthesizeMs) + x.verify.measurement.cpuMs, (y.verify.synthesizeCpuMs ?? y.verify.synthesizeMs) + y.verify.measurement.cpuMs),
      ]);
    }
    if (vg.length) {
      out.push('', 'Growth of verify time per doubling of the input (2.00 = linear, 4.00 = quadratic)');
      out.push(table(['sizes', 'verifySynthesis wall', 'verifySynthesis cpu', 'verify total wall', 'verify total cpu'], vg));
      const worst = Math.max(...ok.slice(1).map((y, i) => growthPerDoubling(ok[i].size, ok[i].verify.measurement.cpuMs, y.size, y.verify.measurement.cpuMs)));
      out.push(`${worst <= ANALYSIS_TARGET.growth ? 'PASS' : 'FAIL'}  verifySynthesis cpu growth per doubling <= ${ANALYSIS_TARGET.growth} at every step (${ok[0].size} → ${ok[ok.length - 1].size}): worst ${worst.toFixed(2)}`);
    }
    const withFindings = ok.filter((r) => Object.keys(r.verify.findings).length > 0);
    if (withFindings.length) {
      const last = withFindings[withFindings.length - 1];
      out.push('', `verify findings at ${last.size} workloads (cluster layer kind: count) — a correctness signal, not a timing:`);
      for (const [k, n] of Object.entries(last.verify.findings)) out.push(`  ${k}: ${n}`);
      if (last.verify.example) out.push(`  e.g. ${last.verify.example}`);
    }
    out.push('');
  }
  const big = rows.find((r) => r.size === ANALYSIS_TARGET.size);
  let pass: boolean | undefined;
  let detail: string;
  if (!big) detail = `size ${ANALYSIS_TARGET.size} not run`;
  else if ('error' in big.result) {
    pass = false;
    detail = `failed: ${big.result.error}`;
  } else {
    const m = big.result.measurement;
    pass = m.ms <= ANALYSIS_TARGET.ms && m.peakRss <= ANALYSIS_TARGET.peakRss;
    detail = `${sec(m.ms)} s (cpu ${sec(m.cpuMs)} s), peak RSS ${mib(m.peakRss)} MiB (<= ${mib(ANALYSIS_TARGET.peakRss)})`;
  }
  out.push(`${pass === undefined ? 'SKIP' : pass ? 'PASS' : 'FAIL'}  connectivity of ${ANALYSIS_TARGET.size} workloads (all clusters) <= ${ANALYSIS_TARGET.ms / 1000} s: ${detail}`);
  let vPass: boolean | undefined;
  let vDetail: string;
  if (!big || big.verify === undefined) vDetail = big ? 'verify not run' : `size ${ANALYSIS_TARGET.size} not run`;
  else if ('error' in big.verify) {
    vPass = false;
    vDetail = big.verify.error;
  } else {
    const v = big.verify;
    const total = v.synthesizeMs + v.measurement.ms;
    const cpu = (v.synthesizeCpuMs ?? v.synthesizeMs) + v.measurement.cpuMs;
    vPass = total <= ANALYSIS_TARGET.verifyMs && v.measurement.peakRss <= ANALYSIS_TARGET.peakRss;
    vDetail = `${sec(total)} s (synthesize ${sec(v.synthesizeMs)} s + verifySynthesis ${sec(v.measurement.ms)} s; cpu ${sec(cpu)} s), peak RSS ${mib(v.measurement.peakRss)} MiB`;
  }
  out.push(`${vPass === undefined ? 'SKIP' : vPass ? 'PASS' : 'FAIL'}  verify of ${ANALYSIS_TARGET.size} workloads, every layer <= ${ANALYSIS_TARGET.verifyMs / 1000} s: ${vDetail}`);
  return { text: out.join('\n'), pass: pass !== false && vPass !== false };
}

// ------------------------------------------------------------------ child

function connectivityCase(argv: readonly string[]): AnalysisCase {
  const input = argValue(argv, '--input');
  if (!input) throw new Error('--input is required');
  const file = JSON.parse(fs.readFileSync(input, 'utf8')) as PreparedFile;
  const clusters: ClusterFigures[] = [];
  const { measurement } = measure(() => {
    for (const c of file.clusters) {
      const objects = [...c.endpoints, ...c.manifests];
      const [loaded, loadMs] = timed(() => loadObjects(objects, c.name));
      // Cilium endpoints carry their ClusterMesh cluster name, which the cluster-aware selectors name.
      const cilium: SimulatorRegistration = {
        ...CILIUM_SIMULATOR,
        create: (objs, ctx) => createCiliumSimulator(objs.map((o) => o.raw), ctx, { clusterName: c.ciliumClusterName }),
      };
      const simulators = [KUBERNETES_SIMULATOR, cilium, ISTIO_SIMULATOR];
      const [analysis, buildMs] = timed(() => Analysis.of(loaded, { trustDomain: c.trustDomain, simulators }));
      const [connections, connectivityMs] = timed(() => analysis.connectivity());
      clusters.push({
        name: c.name, endpoints: loaded.workloads.length, objects: objects.length, layers: analysis.presentLayers,
        loadMs, buildMs, connectivityMs, connections: connections.length,
      });
    }
  });
  return { measurement, clusters };
}

function verifyCase(argv: readonly string[]): VerifyCase {
  const size = Number(argValue(argv, '--size'));
  const seed = Number(argValue(argv, '--seed') ?? '1');
  const { topology } = generateTopology(undefined, { workloads: size, seed });
  // verify(topology) is synthesize() then verifySynthesis(): timed apart.
  const cpu0 = process.cpuUsage();
  const [synthesis, synthesizeMs] = timed(() => synthesize(topology));
  const cpu1 = process.cpuUsage(cpu0);
  const synthesizeCpuMs = (cpu1.user + cpu1.system) / 1000;
  const { result: report, measurement } = measure(() => verifySynthesis(synthesis));
  const findings: Record<string, number> = {};
  for (const f of report.findings) {
    const k = `${f.cluster} ${f.layer} ${f.kind}`;
    findings[k] = (findings[k] ?? 0) + 1;
  }
  const first = report.findings[0];
  return {
    measurement, synthesizeMs, synthesizeCpuMs,
    pairs: report.layers.reduce((n, l) => n + l.pairs, 0),
    findings,
    ...(first ? { example: `${first.cluster} ${first.layer} ${first.kind}: ${first.src} => ${first.dst} : ${first.ports}` } : {}),
  };
}

// ------------------------------------------------------------------ stand-alone

async function standalone(argv: readonly string[]): Promise<void> {
  const sizes = parseSizes(argv, DEFAULT_ANALYSIS_SIZES);
  const repeat = intOption(argv, '--repeat', 1);
  const seed = intOption(argv, '--seed', 1);
  const dir = scratchDir();
  try {
    const prepared: Prepared[] = [];
    for (const size of sizes) {
      process.stderr.write(`prepare ${size}\n`);
      prepared.push(await prepare(size, seed, path.join(dir, `input-${size}.json`)));
    }
    const rows = await benchAnalysis(prepared, {
      repeat, verify: !argv.includes('--no-verify'), verifyTimeoutMs: intOption(argv, '--verify-timeout', VERIFY_TIMEOUT_MS / 1000) * 1000,
      log: (l) => process.stderr.write(l + '\n'),
    });
    process.stdout.write(reportAnalysis(rows, repeat).text + '\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const child = argValue(argv, '--child');
  if (child === 'connectivity') replyToParent(() => connectivityCase(argv));
  else if (child === 'verify') replyToParent(() => verifyCase(argv));
  else {
    standalone(argv).catch((e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    });
  }
}
