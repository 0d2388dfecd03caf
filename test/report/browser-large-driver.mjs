// Drives a large generated report in headless Chromium (see browser-driver.mjs for why this is a
// separate Node script) and prints what it observed, with loose timings, as JSON.
//
//   node browser-large-driver.mjs <report.html> <query> <expected node id>
import { recordingPage } from './browser-page.mjs';

const [file, query, expected] = process.argv.slice(2);
const { browser, page, out } = await recordingPage();
try {
  const t0 = Date.now();
  await page.goto(`file://${file}`, { waitUntil: 'load' });
  await page.waitForFunction(() => window.bulkheadReport && window.bulkheadReport.ready === true, { timeout: 120000 });
  out.firstRenderMs = Date.now() - t0;
  out.overview = await page.$$eval('#graph-box svg g.node', (gs) => gs.map((g) => g.getAttribute('data-group')));
  out.matrixRows = await page.$$eval('#matrix-table tbody tr', (rs) => rs.length);
  out.matrixGrouped = await page.$$eval('#matrix-table tbody tr[data-groups]', (rs) => rs.length);

  // search: type, wait for the result, open it
  const t1 = Date.now();
  await page.type('#search', query);
  await page.waitForSelector(`#search-results li[data-result="${expected.replace(/"/g, '\\"')}"]`, { timeout: 60000 });
  out.searchMs = Date.now() - t1;
  await page.click(`#search-results li[data-result="${expected.replace(/"/g, '\\"')}"]`);
  out.searchPanel = await page.$eval('#panel', (p) => p.getAttribute('data-node'));
  out.searchHits = await page.$$eval('#graph-box svg g.node.hit', (gs) => gs.map((g) => g.getAttribute('data-node')));

  // an edge of the workload's view: the panel lists or explains its flows
  const t2 = Date.now();
  const clicked = await page.evaluate((id) => {
    const e = [...document.querySelectorAll('#graph-box svg g.edge')].find((g) => g.getAttribute('data-from') === id || g.getAttribute('data-to') === id);
    if (!e) return false;
    e.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    return true;
  }, expected);
  out.edgeClicked = clicked;
  out.edgePanel = await page.$eval('#panel', (p) => p.textContent);
  // a drill-down in the matrix: the first pair of groups, then its pairs of workloads
  await page.$eval('#matrix-table tbody tr[data-groups]', (r) => r.dispatchEvent(new MouseEvent('click', { bubbles: true })));
  out.drilled = await page.$$eval('#matrix-table tbody tr[data-flow]', (rs) => rs.length);
  out.edgeAndDrillMs = Date.now() - t2;
  out.errorsAfter = out.errors.length;
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out));
