/**
 * The example's report in a real headless browser (Chromium from @sparticuz/chromium, driven by
 * puppeteer-core): it loads without console errors and fetches nothing, the graph renders, a
 * search finds a workload, clicking an edge shows its explanation, and a screenshot is a drawn
 * picture. One browser for the whole file: `browser-driver.mjs` runs every step in it (both
 * packages are ES modules, which jest's CommonJS runtime cannot load) and reports what it saw.
 *
 * The screenshot is checked by its dimensions and by how much of the graph area is drawn, not
 * against a stored pixel baseline: font rasterization and anti-aliasing differ between machines
 * and Chromium builds, so a pixel baseline would fail on a fresh machine for no fault of the
 * page. The picture is left in a temporary folder for a person to look at.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { declareShop, EXAMPLE_NOW } from '../../examples/ecommerce/declaration';
import { renderReportHtml, reportOfTopology } from '../../lib/report';
import { tempDir } from '../util/tmp';

jest.setTimeout(180_000);

interface Observed {
  errors: string[];
  requests: string[];
  loadMs: number;
  nodes: string[];
  edges: string[];
  png: { signature: string; width: number; height: number };
  pixels: { colours: number; drawn: number };
  searchResults: string[];
  searchPanel: string | null;
  searchHits: string[];
  searchView: number;
  overview: string[];
  expanded: string[];
  edgeFound: boolean;
  edgePanel?: string;
  edgeFlow?: string;
  errorsAfter: number;
}

let seen: Observed;
let flows: { id: number; src: string; dst: string }[];

beforeAll(() => {
  const { topology } = declareShop(undefined);
  const dir = tempDir('bulkhead-report-');
  const file = path.join(dir, 'report.html');
  const data = reportOfTopology(topology, { clock: EXAMPLE_NOW });
  flows = data.flows.map((f) => ({ id: f.id, src: f.src, dst: f.dst }));
  fs.writeFileSync(file, renderReportHtml(data));
  const out = execFileSync(process.execPath, [path.join(__dirname, 'browser-driver.mjs'), file, path.join(dir, 'report.png')], { encoding: 'utf8', timeout: 150_000 });
  seen = JSON.parse(out) as Observed;
});

test('loads without console errors and fetches nothing', () => {
  expect(seen.errors).toEqual([]);
  expect(seen.requests).toEqual([]);
  expect(seen.errorsAfter).toBe(0);
});

test('the graph renders: SVG nodes and edges, cross-cluster, external and break-glass edges marked', () => {
  expect(seen.nodes).toEqual(expect.arrayContaining(['eks-prod:payments/payment-service[Deployment]', 'gke-analytics:analytics/event-collector[Deployment]', 'ext:internet']));
  expect(seen.edges.length).toBeGreaterThan(10);
  for (const mark of ['cross', 'external', 'break-glass']) expect(seen.edges.some((c) => c.split(' ').includes(mark))).toBe(true);
});

test('the search finds a workload, opens its group and highlights it', () => {
  expect(seen.searchResults).toEqual(['eks-prod:payments/fraud-detection[Deployment]']);
  expect(seen.searchPanel).toBe('eks-prod:payments/fraud-detection[Deployment]');
  expect(seen.searchHits).toEqual(['eks-prod:payments/fraud-detection[Deployment]']);
  // the payments domain's view: its members and the groups they talk to, fewer nodes than the whole graph
  expect(seen.searchView).toBeLessThan(seen.nodes.length);
});

test('the overview aggregates by domain and namespace, and a click on a group expands it', () => {
  expect(seen.overview).toEqual(expect.arrayContaining(['domain:payments', 'domain:identity', 'ns:eks-prod/shop', 'ns:gke-analytics/analytics', 'external']));
  expect(seen.overview.every((id) => !id.includes('['))).toBe(true);
  expect(seen.expanded).toEqual(expect.arrayContaining(['eks-prod:payments/payment-service[Deployment]', 'eks-prod:payments/payment-db[Deployment]', 'eks-prod:payments/fraud-detection[Deployment]']));
});

test('clicking an edge shows its explanation: the policy and rule of each layer', () => {
  const f = flows.find((x) => x.src === 'eks-prod:payments/payment-service[Deployment]' && x.dst === 'eks-prod:payments/fraud-detection[Deployment]')!;
  expect(seen.edgeFound).toBe(true);
  expect(seen.edgeFlow).toBe(String(f.id));
  const text = seen.edgePanel ?? '';
  expect(text).toMatch(/explain TCP\/\d+ from eks-prod:payments\/payment-service\[Deployment\] to eks-prod:payments\/fraud-detection\[Deployment\]: allowed/);
  expect(text).toContain('eks-prod kubernetes: allowed');
  expect(text).toMatch(/allow NetworkPolicy payments\/\S+ spec\.(ingress|egress)\[\d+\]/);
  expect(text).toContain('eks-prod cilium: allowed');
  expect(text).toContain('eks-prod istio: allowed');
  expect(text).toMatch(/allow AuthorizationPolicy payments\/\S+ spec\.rules\[\d+\]/);
});

test('a screenshot of the example is a drawn picture of the expected size', () => {
  expect(seen.png).toEqual({ signature: 'PNG', width: 1400, height: 1000 });
  expect(seen.pixels.colours).toBeGreaterThan(20);
  expect(seen.pixels.drawn).toBeGreaterThan(0.005);
  expect(seen.pixels.drawn).toBeLessThan(0.6);
});
