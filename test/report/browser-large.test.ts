/**
 * A large generated report (400 workloads, three clusters) in a real headless browser: it
 * loads without console errors and fetches nothing, draws the overview, opens the matrix by
 * group, finds a workload by search, and explains an edge, each within loose time bounds (the
 * heavy timings are in bench/report.ts).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { GENERATED_NOW, generateTopology } from '../../bench/generate';
import { DEFAULT_MAX_EXPLANATIONS, MATRIX_BY_WORKLOAD_LIMIT, renderReportHtml, reportOfTopology } from '../../lib/report';
import { ReportData } from '../../lib/report';

jest.setTimeout(600_000);

interface Observed {
  errors: string[];
  requests: string[];
  firstRenderMs: number;
  overview: string[];
  matrixRows: number;
  matrixGrouped: number;
  searchMs: number;
  searchPanel: string | null;
  searchHits: string[];
  edgeClicked: boolean;
  edgePanel: string;
  drilled: number;
  edgeAndDrillMs: number;
  errorsAfter: number;
}

let seen: Observed;
let data: ReportData;
let target: string;
let bytes: number;

beforeAll(() => {
  data = reportOfTopology(generateTopology(undefined, { workloads: 400 }).topology, { clock: GENERATED_NOW, verify: false });
  const workloads = data.nodes.filter((n) => n.kind === 'workload');
  const w = workloads[Math.floor(workloads.length / 2)];
  target = w.id;
  const html = renderReportHtml(data);
  bytes = Buffer.byteLength(html);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-report-large-'));
  const file = path.join(dir, 'report.html');
  fs.writeFileSync(file, html);
  const out = execFileSync(process.execPath, [path.join(__dirname, 'browser-large-driver.mjs'), file, w.id.split('/').pop()!.replace(/\[.*$/, ''), w.id], { encoding: 'utf8', timeout: 500_000 });
  seen = JSON.parse(out) as Observed;
});

test('the page is compact: its size is linear in the rows, the explanations held and the nodes', () => {
  expect(data.flows.length).toBeGreaterThan(MATRIX_BY_WORKLOAD_LIMIT);
  const explained = data.flows.filter((f) => f.explanation !== undefined).length;
  expect(explained).toBeLessThanOrEqual(DEFAULT_MAX_EXPLANATIONS);
  // a matrix row is a tuple of indices; an explanation's texts and a node's share of the views are bounded
  expect(bytes).toBeLessThan(100 * data.flows.length + 1500 * explained + 2000 * data.nodes.length);
});

test('loads without console errors and fetches nothing', () => {
  expect(seen.errors).toEqual([]);
  expect(seen.requests).toEqual([]);
  expect(seen.errorsAfter).toBe(0);
});

test('the overview is drawn, one node per group, and the matrix opens by group', () => {
  expect(seen.overview.length).toBe(data.groups.length);
  expect(seen.matrixGrouped).toBeGreaterThan(0);
  expect(seen.matrixGrouped).toBe(seen.matrixRows);
  expect(seen.drilled).toBeGreaterThan(0);
});

test('a search finds the workload, opens its group and highlights it; an edge shows its flows', () => {
  expect(seen.searchPanel).toBe(target);
  expect(seen.searchHits).toEqual([target]);
  expect(seen.edgeClicked).toBe(true);
  expect(seen.edgePanel).toMatch(/flow\(s\)|explain (TCP|UDP|SCTP)\/\d+|bulkhead explain/);
});

test('stays responsive: first render and a search answer within loose bounds', () => {
  // loose: the machine may be shared; a page per pair took minutes at this size
  expect(seen.firstRenderMs).toBeLessThan(60_000);
  expect(seen.searchMs).toBeLessThan(15_000);
  expect(seen.edgeAndDrillMs).toBeLessThan(15_000);
});
