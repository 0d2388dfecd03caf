/**
 * Report benchmark: `bulkhead report` generation time and file size, for the e-commerce example
 * and for generated topologies (`generateTopology`, 5,000 workloads by default). For each input,
 * in one process:
 *
 *   data     `reportOfTopology`: synthesis, the analysis of every cluster (per-layer and effective
 *            connectivity, across clusters), the explanations, and verify
 *   render   `renderReportHtml`: the page and its data (the graph views are laid out in the page,
 *            by the embedded dagre, when they are opened)
 *
 * Wall and CPU time (user + system) are both printed: on a shared machine judge by CPU time.
 *
 * Prints the nodes, matrix rows (and how many the page lists as they are, the others said once
 * as blocks of one answer), allowed flows, the times and the file size, and a SUMMARY line for
 * the page size and the generation CPU time at the largest size (see README.md).
 *
 * The page in a browser (first render, search) is measured by test/report/browser-large-driver.mjs
 * on a page this script writes with --out:
 *
 *   node test/report/browser-large-driver.mjs <out>/report-generated-5000.html <query> <node id>
 *
 *   npx ts-node --transpile-only bench/report.ts [--sizes 5000] [--no-verify] [--out <dir>]
 *
 * Last measured (2 cores, quiet: load average below 3; wall time, CPU in parentheses):
 *
 *   input           rows     listed  blocks  data              render         size
 *   example            121     106      1     0.23 s (0.31 s)   0.01 s         186 kB
 *   generated-5000  150,268  44,930    650    23.9 s (35.3 s)   0.34 s (0.43)  5.1 MB (3.8 MB of data)
 *
 * In headless Chromium the 5,000 page's first render took 4.4 s wall (the overview's layout
 * 1.0 s of it), a search and the opening of its group's view 0.5 s.
 *
 * Before the blocks, the narrowed cross-cluster query and the shared synthesis: 108 s of data
 * CPU and 10.8 MB at 5,000 (9.6 MB of data), first render 30 s.
 */
import * as fs from 'fs';
import * as path from 'path';
import { declareShop, EXAMPLE_NOW } from '../examples/ecommerce/declaration';
import { renderReportHtml, reportOfTopology } from '../lib/report';
import { Topology } from '../lib';
import { GENERATED_NOW, generateTopology } from './generate';
import { parseSizes, table } from './harness';

/** One row of the benchmark. */
export interface ReportRow {
  /** What was reported. */
  readonly input: string;
  /** Workloads declared. */
  readonly workloads: number;
  /** Graph nodes (workloads, platform services, externals). */
  readonly nodes: number;
  /** Matrix rows (pairs some layer allows something between). */
  readonly rows: number;
  /** Flows every layer allows (graph edges). */
  readonly flows: number;
  /** Milliseconds: the report data (synthesis, analysis, explanations, verify). */
  readonly dataMs: number;
  /** Milliseconds: layouts and page. */
  readonly renderMs: number;
  /** CPU milliseconds (user + system) of the data phase: the machine may be shared, so wall time alone misleads. */
  readonly dataCpuMs: number;
  /** CPU milliseconds (user + system) of the render phase. */
  readonly renderCpuMs: number;
  /** The page's size in bytes. */
  readonly bytes: number;
  /** Of which the embedded data (JSON). */
  readonly dataBytes: number;
  /** Matrix rows the page lists as they are (the others are pairs of its blocks). */
  readonly ownRows: number;
  /** Blocks of rows of one answer. */
  readonly blocks: number;
  /** Explanations held in the page. */
  readonly explained: number;
}

/** Reports one topology and measures it. */
export function benchReport(input: string, topology: Topology, clock: Date, options: { verify?: boolean; out?: string } = {}): ReportRow {
  const cpu = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const data = reportOfTopology(topology, { clock, verify: options.verify });
  const t1 = process.hrtime.bigint();
  const c1 = process.cpuUsage();
  const html = renderReportHtml(data);
  const t2 = process.hrtime.bigint();
  const c2 = process.cpuUsage();
  const json = /<script type="application\/json" id="bh-data">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
  if (options.out) {
    fs.mkdirSync(options.out, { recursive: true });
    fs.writeFileSync(path.join(options.out, `report-${input}.html`), html);
  }
  return {
    input,
    workloads: data.nodes.filter((n) => n.kind === 'workload').length,
    nodes: data.nodes.length,
    rows: data.flows.length,
    flows: data.flows.filter((f) => f.effective !== '').length,
    dataMs: Number(t1 - t0) / 1e6,
    renderMs: Number(t2 - t1) / 1e6,
    dataCpuMs: cpu(c1) - cpu(c0),
    renderCpuMs: cpu(c2) - cpu(c1),
    bytes: Buffer.byteLength(html),
    dataBytes: Buffer.byteLength(json),
    ownRows: data.flows.filter((f) => f.block === undefined).length,
    blocks: data.blocks.length,
    explained: data.flows.filter((f) => f.explanation !== undefined).length,
  };
}

function main(argv: readonly string[]): void {
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const sizes = parseSizes(argv, [5000]);
  const verify = !argv.includes('--no-verify');
  const out = arg('--out');
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  const mb = (b: number): string => (b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : `${(b / 1e3).toFixed(0)} kB`);
  const rows: ReportRow[] = [];
  const add = (r: ReportRow): void => {
    rows.push(r);
    // progress, as each input is done (the larger ones take minutes)
    process.stderr.write(`${r.input}: data ${s(r.dataMs)} (cpu ${s(r.dataCpuMs)}), render ${s(r.renderMs)} (cpu ${s(r.renderCpuMs)}), ${mb(r.bytes)}\n`);
  };
  add(benchReport('example', declareShop(undefined).topology, EXAMPLE_NOW, { verify, out }));
  for (const n of sizes) add(benchReport(`generated-${n}`, generateTopology(undefined, { workloads: n }).topology, GENERATED_NOW, { verify, out }));
  process.stdout.write(table(
    ['input', 'workloads', 'nodes', 'matrix rows', 'listed rows', 'blocks', 'allowed flows', 'explained', 'data (cpu)', 'render (cpu)', 'total (cpu)', 'size', 'of which data'],
    rows.map((r) => [r.input, String(r.workloads), String(r.nodes), String(r.rows), String(r.ownRows), String(r.blocks), String(r.flows), String(r.explained), `${s(r.dataMs)} (${s(r.dataCpuMs)})`, `${s(r.renderMs)} (${s(r.renderCpuMs)})`,
      `${s(r.dataMs + r.renderMs)} (${s(r.dataCpuMs + r.renderCpuMs)})`, mb(r.bytes), mb(r.dataBytes)]),
  ) + '\n');
  // the largest generated input, for the summary of bench/run.ts: the page's size and its generation time
  const largest = rows.filter((r) => r.input !== 'example').sort((a, b) => b.workloads - a.workloads)[0];
  if (largest) {
    const total = largest.dataCpuMs + largest.renderCpuMs;
    process.stdout.write(`SUMMARY\treport page, ${largest.workloads} workloads\t${mb(largest.bytes)}\t-\t-\t-\t-\tSKIP\n`);
    process.stdout.write(`SUMMARY\treport generation, ${largest.workloads} workloads${verify ? ' (with verify)' : ''}\t${s(largest.dataMs + largest.renderMs)}\t-\t-\t${s(total)}\t-\tSKIP\n`);
  }
  if (!verify) process.stdout.write('(verify not run: --no-verify)\n');
}

if (require.main === module) main(process.argv.slice(2));
