/**
 * Shared plumbing of the benchmarks: each measured case runs in a fresh child process (so
 * peak memory of one case never mixes with another's), reports one JSON message to the
 * parent, and the parent prints tables.
 */
import { fork } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** Memory and time of one measured phase, taken inside a child process. */
export interface Measurement {
  /** Wall time of the phase, in milliseconds. */
  readonly ms: number;
  /** CPU time (user + system, all threads of the process) of the phase, in milliseconds. */
  readonly cpuMs: number;
  /** Resident set size just before the phase (after a full GC), in bytes. */
  readonly rssBefore: number;
  /** Peak resident set size of the whole child process (getrusage maxrss), in bytes. */
  readonly peakRss: number;
  /** V8 heap in use after the phase minus before it, in bytes (what the phase keeps alive). */
  readonly heapDelta: number;
}

/** The message a child sends back. */
export type ChildReply<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** Runs a full GC when the process was started with `--expose-gc`. */
export function fullGc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    g();
  }
}

/**
 * Measures one synchronous phase: a full GC first, then wall time, the process's peak RSS
 * (which includes everything the process held before) and the heap delta.
 */
export function measure<T>(phase: () => T): { result: T; measurement: Measurement } {
  fullGc();
  const rssBefore = process.memoryUsage().rss;
  const heapBefore = process.memoryUsage().heapUsed;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const result = phase();
  const t1 = process.hrtime.bigint();
  const cpu = process.cpuUsage(cpu0);
  const heapAfter = process.memoryUsage().heapUsed;
  return {
    result,
    measurement: {
      ms: Number(t1 - t0) / 1e6,
      cpuMs: (cpu.user + cpu.system) / 1000,
      rssBefore,
      peakRss: process.resourceUsage().maxRSS * 1024,
      heapDelta: heapAfter - heapBefore,
    },
  };
}

/** Wall time of a function, in milliseconds. */
export function timed<T>(f: () => T): [T, number] {
  const t0 = process.hrtime.bigint();
  const r = f();
  return [r, Number(process.hrtime.bigint() - t0) / 1e6];
}

/**
 * Runs `script` (a TypeScript file of this folder) in a fresh Node process with
 * `ts-node/register/transpile-only` and `--expose-gc`, passing `args`, and resolves with the
 * value the child reports through {@link replyToParent}. With `quiet`, the child's stdout and
 * stderr are dropped (its reply, and so its error, still arrive).
 */
export function runChild<T>(script: string, args: readonly string[], options: { readonly maxOldSpaceMb?: number; readonly execArgv?: readonly string[]; readonly timeoutMs?: number; readonly quiet?: boolean } = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const execArgv = [
      '-r', 'ts-node/register/transpile-only',
      '--expose-gc',
      `--max-old-space-size=${options.maxOldSpaceMb ?? 8192}`,
      ...(options.execArgv ?? []),
    ];
    const child = fork(path.join(__dirname, script), [...args], {
      execArgv,
      // quiet: the child's own output (such as a host's warnings) is dropped; its reply still arrives
      stdio: options.quiet ? ['ignore', 'ignore', 'ignore', 'ipc'] : ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
    });
    let reply: ChildReply<T> | undefined;
    let timedOut = false;
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.on('message', (m) => {
      reply = m as ChildReply<T>;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (reply?.ok) resolve(reply.value);
      else if (reply) reject(new Error(reply.error));
      else if (timedOut) reject(new Error(`timed out after ${((options.timeoutMs ?? 0) / 1000).toFixed(0)} s`));
      else reject(new Error(`${script} ${args.join(' ')} exited with ${signal ?? code} before reporting`));
    });
  });
}

/** In a child: runs `main` and sends its value (or its error) to the parent, then exits. */
export function replyToParent<T>(main: () => T): void {
  let reply: ChildReply<T>;
  try {
    reply = { ok: true, value: main() };
  } catch (e) {
    reply = { ok: false, error: e instanceof Error ? e.stack ?? e.message : String(e) };
  }
  if (process.send) {
    process.send(reply, () => process.exit(0));
  } else {
    process.stdout.write(JSON.stringify(reply, null, 2) + '\n');
  }
}

/** The value of `--name value` in argv. */
export function argValue(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** `--sizes 500,1000` → [500, 1000]; the default when absent. */
export function parseSizes(argv: readonly string[], fallback: readonly number[]): number[] {
  const raw = argValue(argv, '--sizes');
  if (!raw) return [...fallback];
  const sizes = raw.split(',').map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n > 0);
  if (sizes.length === 0) throw new Error(`--sizes expects a list such as 500,1000 (got '${raw}')`);
  return [...new Set(sizes)].sort((a, b) => a - b);
}

/** A positive integer option, or the default. */
export function intOption(argv: readonly string[], name: string, fallback: number): number {
  const raw = argValue(argv, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} expects a positive whole number (got '${raw}')`);
  return n;
}

/** A fresh temporary folder for benchmark inputs. */
export function scratchDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-bench-'));
}

/** Growth of a cost per doubling of the input between two sizes: (t2/t1)^(1/log2(n2/n1)). */
export function growthPerDoubling(n1: number, t1: number, n2: number, t2: number): number {
  return Math.pow(t2 / t1, 1 / Math.log2(n2 / n1));
}

/** Milliseconds as seconds with two decimals. */
export function sec(ms: number): string {
  return (ms / 1000).toFixed(2);
}

/** Bytes as MiB without decimals. */
export function mib(bytes: number): string {
  return (bytes / 1048576).toFixed(0);
}

/** A plain text table: first column left-aligned, the others right-aligned. */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A warning line when the machine is busier than its cores (wall times are then inflated). */
export function loadNote(): string | undefined {
  const load = os.loadavg()[0];
  const cores = os.cpus().length;
  return load > cores ? `note: load average ${load.toFixed(1)} on ${cores} cores while measuring; wall times are inflated, CPU times are steadier` : undefined;
}
