/**
 * CPU profile of one synchronous phase (the V8 sampling profiler through `inspector`),
 * summarized as self time per area (plan, each renderer, cdk8s, YAML, GC, …) and the
 * hottest functions.
 */
import { Session } from 'inspector';

/** Self time of a profiled phase, by area and by function. */
export interface ProfileSummary {
  /** Wall time of the phase, in milliseconds (slower than unprofiled). */
  readonly totalMs: number;
  /** Self time per area, in milliseconds. */
  readonly byArea: Readonly<Record<string, number>>;
  /** The functions with the most self time. */
  readonly topFunctions: readonly { readonly name: string; readonly selfMs: number }[];
  /**
   * The Bulkhead functions with the most total time (self time plus the time of every function
   * they call; a recursive function counted once per sample).
   */
  readonly topInclusive?: readonly { readonly name: string; readonly totalMs: number }[];
}

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

/** The area a source file belongs to. */
export function areaOf(frame: CallFrame): string {
  const u = frame.url.replace(/\\/g, '/');
  if (!u) {
    if (frame.functionName === '(garbage collector)') return 'GC';
    if (frame.functionName === '(program)' || frame.functionName === '(idle)') return 'V8 (program)';
    return 'native (RegExp, builtins)';
  }
  const target = /\/lib\/targets\/([^/]+)\//.exec(u);
  if (target) return `target ${target[1]}`;
  const lib = /\/lib\/([^/]+)(\/|\.ts$)/.exec(u);
  if (lib && !u.includes('/node_modules/')) return `bulkhead ${lib[1].replace(/\.ts$/, '')}`;
  // The innermost package: cdk8s bundles its own copy of yaml.
  const mods = [...u.matchAll(/\/node_modules\/((?:@[^/]+\/)?[^/]+)(?=\/)/g)].map((m) => m[1]);
  if (mods.length) return mods.length > 1 ? `${mods[mods.length - 1]} (in ${mods[mods.length - 2]})` : mods[0];
  if (u.includes('/bench/')) return 'bench';
  if (u.startsWith('node:')) return 'node core';
  return 'other';
}

/**
 * Runs `phase` under the sampling profiler (1 ms interval) and summarizes it.
 * Node's in-thread inspector session answers synchronously, so no event-loop turn is needed.
 */
export function profilePhase<T>(phase: () => T): { result: T; profile: ProfileSummary } {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object): unknown => {
    let out: unknown;
    let err: Error | null = null;
    session.post(method, params ?? {}, (e: Error | null, r?: unknown) => {
      err = e;
      out = r;
    });
    if (err) throw err;
    return out;
  };
  post('Profiler.enable');
  post('Profiler.setSamplingInterval', { interval: 1000 });
  post('Profiler.start');
  const t0 = process.hrtime.bigint();
  const result = phase();
  const totalMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const stopped = post('Profiler.stop') as { profile: CpuProfile } | undefined;
  session.disconnect();
  if (!stopped) throw new Error('the profiler returned no profile');
  return { result, profile: summarize(stopped.profile, totalMs) };
}

function summarize(p: CpuProfile, totalMs: number): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    // timeDeltas[i] is the time before sample i; attribute the gap after a sample to it.
    const dt = deltas[i + 1] ?? 0;
    selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + dt);
  }
  const byArea: Record<string, number> = {};
  const byFunction = new Map<string, number>();
  const nameOf = (n: ProfileNode): string => {
    const file = n.callFrame.url.replace(/^.*\/(node_modules\/|lib\/|bench\/)/, '$1');
    return `${n.callFrame.functionName || '(anonymous)'} ${file ? `${file}:${n.callFrame.lineNumber + 1}` : ''}`.trim();
  };
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    if (!n) continue;
    const area = areaOf(n.callFrame);
    byArea[area] = (byArea[area] ?? 0) + us / 1000;
    const name = nameOf(n);
    byFunction.set(name, (byFunction.get(name) ?? 0) + us / 1000);
  }
  // Total time: each sampled node's time goes to every distinct Bulkhead function on its stack.
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const n = byId.get(at);
      if (!n || !/\/lib\//.test(n.callFrame.url) || n.callFrame.url.includes('/node_modules/')) continue;
      seen.add(nameOf(n));
    }
    for (const name of seen) inclusive.set(name, (inclusive.get(name) ?? 0) + us / 1000);
  }
  // Areas below 0.5% of the phase are summed into one line.
  const total = Object.values(byArea).reduce((a, b) => a + b, 0);
  for (const [k, v] of Object.entries(byArea)) {
    if (v < total * 0.005) {
      delete byArea[k];
      byArea['(smaller areas)'] = (byArea['(smaller areas)'] ?? 0) + v;
    }
  }
  const topFunctions = [...byFunction.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.BENCH_TOP ?? 15)).map(([name, selfMs]) => ({ name, selfMs }));
  const topInclusive = [...inclusive.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.BENCH_TOP ?? 15)).map(([name, ms]) => ({ name, totalMs: ms }));
  return { totalMs, byArea, topFunctions, topInclusive };
}
