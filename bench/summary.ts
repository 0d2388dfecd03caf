/**
 * The summary of `npm run bench`: every figure of the scale issue's table, each as a ratio to its
 * baseline measured in the same run (raw cdk8s, the js-yaml and JSON floors, raw Pulumi
 * registration) or against its time target, the growth per doubling, the peak memory, and the
 * load average during the runs. Built from the rows of the other benchmarks (their own
 * formats, read as they are) and from the summary lines of extra benchmarks.
 */
import * as os from 'os';
import { AnalysisRow } from './analysis';
import { growthPerDoubling, mib, sec, table } from './harness';
import { LABELS } from '../lib/core/names';
import { Prepared, PreparedFile } from './prepare';
import { PulumiRow, pulumiOk, PULUMI_TARGET } from './pulumi';
import { SYNTH_TARGETS, SynthRow } from './synth';

/** One line of the summary. */
export interface SummaryLine {
  /** What is measured. */
  readonly figure: string;
  /** The figure (wall time unless said otherwise). */
  readonly value: string;
  /** Its baseline, measured in the same run, or `-`. */
  readonly baseline: string;
  /** value / baseline (or the growth), on wall time. */
  readonly ratio: string;
  /** The same ratio on CPU time, or `-`. */
  readonly cpu: string;
  /** The target. */
  readonly target: string;
  /** PASS, FAIL or SKIP (judged on wall time). */
  readonly verdict: 'PASS' | 'FAIL' | 'SKIP';
}

/** Growth of one crowded namespace's plan, as `bench/plan-namespace.ts` prints it. */
export interface NamespaceRow {
  /** Workloads in the namespace. */
  readonly n: number;
  /** Wall ms of buildPlan. */
  readonly ms: number;
}

/**
 * Reads the table `bench/plan-namespace.ts` prints (`workloads  plan s  ms per workload`).
 */
export function parseNamespaceTable(stdout: string): NamespaceRow[] {
  const rows: NamespaceRow[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^(\d+)\s+(\d+(?:\.\d+)?)\s+\d+(?:\.\d+)?\s*$/.exec(line.trim());
    if (m) rows.push({ n: Number(m[1]), ms: Number(m[2]) * 1000 });
  }
  return rows;
}

/**
 * A summary line an extra benchmark prints on its stdout, tab-separated:
 * `SUMMARY<TAB>figure<TAB>value<TAB>baseline<TAB>ratio<TAB>cpu<TAB>target<TAB>PASS|FAIL|SKIP`.
 */
export function parseSummaryLines(stdout: string): SummaryLine[] {
  const out: SummaryLine[] = [];
  for (const line of stdout.split('\n')) {
    const f = line.split('\t');
    if (f[0] !== 'SUMMARY' || f.length < 8) continue;
    const verdict = f[7].trim();
    out.push({ figure: f[1], value: f[2], baseline: f[3], ratio: f[4], cpu: f[5], target: f[6], verdict: verdict === 'PASS' || verdict === 'FAIL' ? verdict : 'SKIP' });
  }
  return out;
}

const verdict = (ok: boolean | undefined): SummaryLine['verdict'] => (ok === undefined ? 'SKIP' : ok ? 'PASS' : 'FAIL');
const skip = (figure: string, target: string, why: string): SummaryLine => ({ figure, value: why, baseline: '-', ratio: '-', cpu: '-', target, verdict: 'SKIP' });

/** What the summary is built from. */
export interface SummaryInput {
  readonly prepared: readonly Prepared[];
  readonly synth: readonly SynthRow[];
  readonly analysis: readonly AnalysisRow[];
  readonly pulumi: readonly PulumiRow[];
  readonly namespace: readonly NamespaceRow[];
  /** Summary lines of extra benchmarks. */
  readonly extra: readonly SummaryLine[];
  /** Highest 1-minute load average seen during the runs. */
  readonly load: number;
  /**
   * The NetworkPolicies of each prepared size, counted by {@link countNetworkPolicies}.
   * @default - counted from the kubernetes layer's object count (every NetworkPolicy as a workload's)
   */
  readonly networkPolicies?: ReadonlyMap<number, NetworkPolicyCounts>;
}

/** The NetworkPolicies of a synthesis, by what they are for. */
export interface NetworkPolicyCounts {
  /** Workloads with a policy of their own (distinct cluster, namespace and `bulkhead.io/workload`). */
  readonly workloads: number;
  /** Policies of workloads: labelled with a workload, no break-glass grant. */
  readonly workloadPolicies: number;
  /** Most such policies of one workload. */
  readonly maxPerWorkload: number;
  /** Per-namespace defaults (default deny): no workload label, no break-glass grant, no component. */
  readonly namespaceDefaults: number;
  /** Break-glass grants (`bg-<grant>-<workload>`, labelled `bulkhead.io/break-glass`): temporary, by declaration. */
  readonly breakGlass: number;
  /** Every other NetworkPolicy (Bulkhead's own components, such as the break-glass reaper). */
  readonly other: number;
}

/**
 * Counts the NetworkPolicies of a prepared input the way the issue defines the figure: per
 * workload (at most one each), beside the per-namespace defaults; break-glass grants and
 * Bulkhead's own components are counted apart.
 */
export function countNetworkPolicies(file: Pick<PreparedFile, 'clusters'>): NetworkPolicyCounts {
  const perWorkload = new Map<string, number>();
  let workloadPolicies = 0;
  let namespaceDefaults = 0;
  let breakGlass = 0;
  let other = 0;
  for (const c of file.clusters) {
    for (const m of c.manifests) {
      if (m.kind !== 'NetworkPolicy') continue;
      const labels = m.metadata.labels ?? {};
      if (labels[LABELS.breakGlass] !== undefined) breakGlass++;
      else if (labels[LABELS.workload] !== undefined) {
        workloadPolicies++;
        const key = `${c.name}/${m.metadata.namespace ?? ''}/${labels[LABELS.workload]}`;
        perWorkload.set(key, (perWorkload.get(key) ?? 0) + 1);
      } else if (labels['app.kubernetes.io/component'] === undefined) namespaceDefaults++;
      else other++;
    }
  }
  return { workloads: perWorkload.size, workloadPolicies, maxPerWorkload: Math.max(0, ...perWorkload.values()), namespaceDefaults, breakGlass, other };
}

/** The size the table is judged at. */
export const SUMMARY_SIZE = 5000;

/** The summary lines. */
export function summaryLines(input: SummaryInput): SummaryLine[] {
  const lines: SummaryLine[] = [];
  const at = SUMMARY_SIZE;
  const s = input.synth.find((r) => r.size === at);
  if (s) {
    const a = s.bulkhead.measurement;
    const b = s.baseline.measurement;
    lines.push({ figure: `cdk8s host / raw cdk8s (${at})`, value: `${sec(a.ms)} s`, baseline: `${sec(b.ms)} s`, ratio: (a.ms / b.ms).toFixed(2), cpu: (a.cpuMs / b.cpuMs).toFixed(2), target: `<= ${SYNTH_TARGETS.ratio}`, verdict: verdict(a.ms / b.ms <= SYNTH_TARGETS.ratio) });
  } else lines.push(skip(`cdk8s host / raw cdk8s (${at})`, `<= ${SYNTH_TARGETS.ratio}`, `size ${at} not run`));
  if (s?.write && s.floors) {
    const w = s.write;
    const f = s.floors;
    const total = w.synthesize.ms + w.write.ms;
    const cpu = w.synthesize.cpuMs + w.write.cpuMs;
    lines.push({ figure: `bulkhead synth / js-yaml floor (${at})`, value: `${sec(total)} s`, baseline: `${sec(f.jsyaml.ms)} s`, ratio: (total / f.jsyaml.ms).toFixed(2), cpu: (cpu / f.jsyaml.cpuMs).toFixed(2), target: `<= ${SYNTH_TARGETS.writeOverJsYaml}`, verdict: verdict(total / f.jsyaml.ms <= SYNTH_TARGETS.writeOverJsYaml) });
    lines.push({ figure: `  of which writing the files / js-yaml floor`, value: `${sec(w.write.ms)} s`, baseline: `${sec(f.jsyaml.ms)} s`, ratio: (w.write.ms / f.jsyaml.ms).toFixed(2), cpu: (w.write.cpuMs / f.jsyaml.cpuMs).toFixed(2), target: '-', verdict: 'SKIP' });
    lines.push({ figure: `floors: yaml / js-yaml / JSON (${f.objects} objects)`, value: `${sec(f.yaml.ms)} / ${sec(f.jsyaml.ms)} / ${sec(f.json.ms)} s`, baseline: `JSON ${sec(f.json.ms)} s`, ratio: `${(f.yaml.ms / f.json.ms).toFixed(1)} / ${(f.jsyaml.ms / f.json.ms).toFixed(1)} / 1`, cpu: `${(f.yaml.cpuMs / f.json.cpuMs).toFixed(1)} / ${(f.jsyaml.cpuMs / f.json.cpuMs).toFixed(1)} / 1`, target: '-', verdict: 'SKIP' });
    lines.push({ figure: `plain synthesize() (${at})`, value: `${sec(w.synthesize.ms)} s (cpu ${sec(w.synthesize.cpuMs)} s)`, baseline: `js-yaml ${sec(f.jsyaml.ms)} s`, ratio: (w.synthesize.ms / f.jsyaml.ms).toFixed(2), cpu: (w.synthesize.cpuMs / f.jsyaml.cpuMs).toFixed(2), target: `<= ${sec(SYNTH_TARGETS.synthesizeMs)} s`, verdict: verdict(w.synthesize.ms <= SYNTH_TARGETS.synthesizeMs) });
    const peak = Math.max(w.synthesize.peakRss, w.write.peakRss, s.bulkheadPeakRss);
    lines.push({ figure: `peak RSS, synth (${at}; cdk8s host and bulkhead synth)`, value: `${mib(peak)} MiB`, baseline: '-', ratio: '-', cpu: '-', target: '<= 1024 MiB', verdict: verdict(peak <= SYNTH_TARGETS.memoryBytes) });
  } else lines.push(skip(`bulkhead synth / js-yaml floor (${at})`, `<= ${SYNTH_TARGETS.writeOverJsYaml}`, `size ${at} not run`));
  // growth of the synthesis (cdk8s host and bulkhead synth) per doubling
  const synthGrowth = growthLines(input.synth.filter((r) => r.write).map((r) => ({ n: r.size, ms: (r.write?.synthesize.ms ?? 0) + (r.write?.write.ms ?? 0), cpuMs: (r.write?.synthesize.cpuMs ?? 0) + (r.write?.write.cpuMs ?? 0) })));
  if (synthGrowth) lines.push({ figure: `bulkhead synth growth per doubling (${synthGrowth.sizes})`, value: synthGrowth.values, baseline: '-', ratio: synthGrowth.worst.toFixed(2), cpu: synthGrowth.worstCpu.toFixed(2), target: '<= 2.2', verdict: verdict(synthGrowth.worst <= 2.2) });

  const c = input.analysis.find((r) => r.size === at);
  if (c && !('error' in c.result)) {
    const m = c.result.measurement;
    lines.push({ figure: `connectivity, every layer (${at})`, value: `${sec(m.ms)} s (cpu ${sec(m.cpuMs)} s)`, baseline: '-', ratio: '-', cpu: '-', target: '<= 3 s', verdict: verdict(m.ms <= 3000) });
    lines.push({ figure: `peak RSS, connectivity (${at})`, value: `${mib(m.peakRss)} MiB`, baseline: '-', ratio: '-', cpu: '-', target: '<= 1024 MiB', verdict: verdict(m.peakRss <= 1024 * 1048576) });
  } else lines.push(skip(`connectivity, every layer (${at})`, '<= 3 s', c ? `error: ${(c.result as { error: string }).error}` : `size ${at} not run`));
  if (c?.verify && !('error' in c.verify)) {
    const v = c.verify;
    const total = v.synthesizeMs + v.measurement.ms;
    lines.push({ figure: `verify, every layer (${at}; synthesize + compare)`, value: `${sec(total)} s (${sec(v.synthesizeMs)} + ${sec(v.measurement.ms)})`, baseline: '-', ratio: '-', cpu: `compare cpu ${sec(v.measurement.cpuMs)} s`, target: '<= 5 s', verdict: verdict(total <= 5000) });
    lines.push({ figure: `peak RSS, verify (${at})`, value: `${mib(v.measurement.peakRss)} MiB`, baseline: '-', ratio: '-', cpu: '-', target: '<= 1024 MiB', verdict: verdict(v.measurement.peakRss <= 1024 * 1048576) });
  } else lines.push(skip(`verify, every layer (${at})`, '<= 5 s', c?.verify && 'error' in c.verify ? c.verify.error : `size ${at} not run`));
  const verifyGrowth = growthLines(input.analysis.flatMap((r) => (r.verify && !('error' in r.verify) ? [{ n: r.size, ms: r.verify.synthesizeMs + r.verify.measurement.ms, cpuMs: r.verify.measurement.cpuMs }] : [])));
  if (verifyGrowth) lines.push({ figure: `verify growth per doubling (${verifyGrowth.sizes})`, value: verifyGrowth.values, baseline: '-', ratio: verifyGrowth.worst.toFixed(2), cpu: '-', target: '<= 2.2 every step', verdict: verdict(verifyGrowth.worst <= 2.2) });
  else lines.push(skip('verify growth per doubling', '<= 2.2 every step', 'needs two sizes with verify'));

  const ns = input.namespace;
  if (ns.length > 1) {
    const g = growthLines(ns.map((r) => ({ n: r.n, ms: r.ms, cpuMs: r.ms })));
    const last = ns[ns.length - 1];
    if (g) lines.push({ figure: `one namespace, selector overlap (${ns.map((r) => r.n).join(' → ')})`, value: `${sec(last.ms)} s at ${last.n}`, baseline: '-', ratio: g.worst.toFixed(2), cpu: '-', target: '<= 2.2 per doubling', verdict: verdict(g.worst <= 2.2) });
  } else lines.push(skip('one namespace, selector overlap', '<= 2.2 per doubling', 'not run (--no-namespace) or failed'));

  const pr = input.pulumi.find((r) => r.size === PULUMI_TARGET.size);
  if (pr && pulumiOk(pr.bulkhead) && pulumiOk(pr.baseline)) {
    const a = pr.bulkhead.measurement;
    const b = pr.baseline.measurement;
    lines.push({ figure: `Pulumi host / raw registration (mocks, ${pr.size}; ${pr.bulkhead.resources} resources)`, value: `${sec(a.ms)} s`, baseline: `${sec(b.ms)} s`, ratio: (a.ms / b.ms).toFixed(2), cpu: (a.cpuMs / b.cpuMs).toFixed(2), target: `<= ${PULUMI_TARGET.ratio}`, verdict: verdict(a.ms / b.ms <= PULUMI_TARGET.ratio) });
  } else lines.push(skip(`Pulumi host / raw registration (mocks, ${PULUMI_TARGET.size})`, `<= ${PULUMI_TARGET.ratio}`, pr ? 'error' : 'not run'));

  const p = input.prepared.find((x) => x.size === at) ?? input.prepared[input.prepared.length - 1];
  const counts = p ? input.networkPolicies?.get(p.size) : undefined;
  if (p && counts) {
    const n = counts;
    lines.push({
      figure: `NetworkPolicies per workload (${p.size}), beside per-namespace defaults`,
      value: `${n.workloadPolicies} for ${n.workloads} workloads (most ${n.maxPerWorkload} each); apart: ${n.namespaceDefaults} namespace defaults (${p.stats.namespaces} namespaces), ${n.breakGlass} break-glass, ${n.other} other`,
      baseline: '-', ratio: (n.workloadPolicies / Math.max(1, n.workloads)).toFixed(2), cpu: '-', target: '<= 1 per workload', verdict: verdict(n.maxPerWorkload <= 1),
    });
  } else if (p) {
    const np = p.objectsPerLayer.kubernetes ?? 0;
    const perWorkload = (np - p.stats.namespaces) / p.size;
    lines.push({ figure: `kubernetes layer objects per workload, beyond one per namespace (${p.size}; NetworkPolicies not counted apart)`, value: `${np} for ${p.size} workloads, ${p.stats.namespaces} namespaces`, baseline: '-', ratio: perWorkload.toFixed(2), cpu: '-', target: '<= 1', verdict: 'SKIP' });
  }
  lines.push(...input.extra);
  return lines;
}

function growthLines(points: readonly { n: number; ms: number; cpuMs: number }[]): { sizes: string; values: string; worst: number; worstCpu: number } | undefined {
  if (points.length < 2) return undefined;
  const g: number[] = [];
  const gc: number[] = [];
  for (let i = 1; i < points.length; i++) {
    g.push(growthPerDoubling(points[i - 1].n, points[i - 1].ms, points[i].n, points[i].ms));
    gc.push(growthPerDoubling(points[i - 1].n, points[i - 1].cpuMs, points[i].n, points[i].cpuMs));
  }
  return { sizes: points.map((x) => x.n).join(' → '), values: g.map((x) => x.toFixed(2)).join(', '), worst: Math.max(...g), worstCpu: Math.max(...gc) };
}

/** The summary as text: a table, and the load average during the runs. */
export function reportSummary(input: SummaryInput): string {
  const lines = summaryLines(input);
  const cores = os.cpus().length;
  return [
    `Summary — the scale targets (judged at ${SUMMARY_SIZE} workloads on wall time; ratios to baselines measured in this run; cpu = the same ratio on CPU time)`,
    `load average during the runs: up to ${input.load.toFixed(1)} on ${cores} cores${input.load > cores ? ' (busy machine: wall times are inflated, CPU ratios are steadier)' : ''}`,
    table(['figure', 'value', 'baseline', 'ratio', 'cpu', 'target', ''], lines.map((l) => [l.figure, l.value, l.baseline, l.ratio, l.cpu, l.target, l.verdict])),
  ].join('\n');
}
