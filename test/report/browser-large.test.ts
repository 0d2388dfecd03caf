/**
 * A large generated report (400 workloads, three clusters: more nodes than the view of every
 * workload allows, so the page starts on the overview and lays each group's view out when it is
 * opened) in a real headless browser: it loads without console errors and fetches nothing,
 * draws the overview, lays out a group's view when a search opens it, opens the matrix by pair
 * of groups and class of answer, drills down to a block's pairs and explains one, filters, and
 * lists by workload. Nothing here is timed (a shared machine makes wall time say little): the
 * driver records its timings for bench/report.ts, which measures the page at 5,000 workloads.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { GENERATED_NOW, generateTopology } from '../../bench/generate';
import { DEFAULT_MAX_EXPLANATIONS, FULL_VIEW_LIMIT, MATRIX_BY_WORKLOAD_LIMIT, renderReportHtml, reportOfTopology } from '../../lib/report';
import { ReportData } from '../../lib/report';

jest.setTimeout(600_000);

interface Observed {
  errors: string[];
  requests: string[];
  firstRenderMs: number;
  overview: string[];
  laidOutFirst: string[];
  laidOutAfter: string[];
  view: string;
  viewMembers: string[];
  classes: string[];
  countText: string;
  blockRowText: string | null;
  drilledPairs: number;
  drilledFlows: number;
  drillCount: string;
  pairPanel: { pair: string | null; text: string };
  disagreeRows: (string | null)[];
  filtered: string[];
  byWorkload: number;
  byWorkloadCount: string;
  matrixMs: number;
  matrixRows: number;
  matrixGrouped: number;
  searchMs: number;
  searchPanel: string | null;
  searchHits: string[];
  edgeClicked: boolean;
  edgePanel: string;
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

test('the page is compact: its size grows with the rows of no block, the blocks, the explanations held and the nodes', () => {
  expect(data.flows.length).toBeGreaterThan(MATRIX_BY_WORKLOAD_LIMIT);
  expect(data.nodes.length).toBeGreaterThan(FULL_VIEW_LIMIT);
  const explained = data.flows.filter((f) => f.explanation !== undefined).length;
  expect(explained).toBeLessThanOrEqual(DEFAULT_MAX_EXPLANATIONS);
  const own = data.flows.filter((f) => f.block === undefined).length;
  const members = data.blocks.reduce((n, b) => n + b.sources.length + b.destinations.length, 0);
  // a row is a tuple of indices, a block two lists of them; an explanation's texts and a node's are bounded
  expect(bytes).toBeLessThan(100 * own + 8 * members + 1500 * explained + 2000 * data.nodes.length);
});

test('loads without console errors and fetches nothing', () => {
  expect(seen.errors).toEqual([]);
  expect(seen.requests).toEqual([]);
  expect(seen.errorsAfter).toBe(0);
});

test('the overview is drawn, one node per group, and laid out alone; a group\'s view is laid out when opened', () => {
  expect(seen.overview.length).toBe(data.groups.length);
  expect(seen.laidOutFirst).toEqual(['overview']);
  const group = data.groups.findIndex((g) => g.members.includes(target));
  expect(seen.view).toBe(`g${group}`);
  expect(seen.laidOutAfter).toEqual([`g${group}`, 'overview']);
  expect(seen.viewMembers).toEqual(expect.arrayContaining(data.groups[group].members));
});

test('a search finds the workload, opens its group and highlights it; an edge shows its flows', () => {
  expect(seen.searchPanel).toBe(target);
  expect(seen.searchHits).toEqual([target]);
  expect(seen.edgeClicked).toBe(true);
  expect(seen.edgePanel).toMatch(/flow\(s\)|explain (TCP|UDP|SCTP)\/\d+|bulkhead explain/);
});

test('the matrix opens by pair of groups and class of answer, counting every pair of the model', () => {
  expect(seen.matrixGrouped).toBeGreaterThan(0);
  expect(seen.matrixGrouped).toBe(seen.matrixRows);
  expect(seen.classes).toContain('3');
  expect(seen.countText).toMatch(new RegExp(`row\\(s\\) of groups, ${data.flows.length} pair\\(s\\) of workloads`));
  expect(seen.byWorkloadCount).toMatch(new RegExp(`^${data.flows.length} pair\\(s\\), showing 200$`));
  expect(seen.byWorkload).toBe(200);
});

test('a row of a block drills down to its pairs, each with its explain command', () => {
  expect(data.blocks.length).toBeGreaterThan(0);
  expect(seen.blockRowText).toMatch(/pair\(s\) denied, layers disagree$/);
  expect(seen.drilledPairs).toBeGreaterThan(0);
  expect(seen.drillCount).toMatch(/\(denied, layers disagree\): \d+ pair\(s\)/);
  expect(seen.pairPanel.pair).toMatch(/^\d+ \d+ \d+$/);
  expect(seen.pairPanel.text).toMatch(/One of \d+ pairs/);
  expect(seen.pairPanel.text).toContain('bulkhead explain <manifest folders> --from ');
});

test('disagreements only and the filter', () => {
  expect(seen.disagreeRows.length).toBeGreaterThan(0);
  expect(seen.disagreeRows.every((c) => c === '1' || c === '3')).toBe(true);
  const group = data.groups.find((g) => g.members.includes(target))!;
  expect(seen.filtered.length).toBeGreaterThan(0);
  expect(seen.filtered.every((t) => t.includes(group.label))).toBe(true);
});
