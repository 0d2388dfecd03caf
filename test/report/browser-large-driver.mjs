// Drives a large generated report in headless Chromium (see browser-driver.mjs for why this is a
// separate Node script) and prints what it observed, with loose timings, as JSON.
//
//   node browser-large-driver.mjs <report.html> <query> <expected node id>
import { recordingPage } from './browser-page.mjs';

const [file, query, expected] = process.argv.slice(2);
const { browser, page, out } = await recordingPage();
const click = (selector) => page.$eval(selector, (r) => r.dispatchEvent(new MouseEvent('click', { bubbles: true })));
try {
  const t0 = Date.now();
  await page.goto(`file://${file}`, { waitUntil: 'load' });
  await page.waitForFunction(() => window.bulkheadReport && window.bulkheadReport.ready === true, { timeout: 120000 });
  out.firstRenderMs = Date.now() - t0;
  // the renderer's own busy time (CPU, not wall: the machine may be shared), and the overview's layout
  const m = await page.metrics();
  out.firstRenderTaskMs = Math.round(m.TaskDuration * 1000);
  out.firstRenderScriptMs = Math.round(m.ScriptDuration * 1000);
  out.overviewLayoutMs = await page.evaluate(() => window.bulkheadReport.layoutMs.overview);
  out.overview = await page.$$eval('#graph-box svg g.node', (gs) => gs.map((g) => g.getAttribute('data-group')));
  // the views laid out so far: the overview only
  out.laidOutFirst = await page.evaluate(() => Object.keys(window.bulkheadReport.layoutMs).sort());
  out.matrixRows = await page.$$eval('#matrix-table tbody tr', (rs) => rs.length);
  out.matrixGrouped = await page.$$eval('#matrix-table tbody tr[data-groups]', (rs) => rs.length);

  // search: type, wait for the result, open it (its group's view is laid out now)
  const t1 = Date.now();
  await page.type('#search', query);
  await page.waitForSelector(`#search-results li[data-result="${expected.replace(/"/g, '\\"')}"]`, { timeout: 60000 });
  await page.click(`#search-results li[data-result="${expected.replace(/"/g, '\\"')}"]`);
  out.searchMs = Date.now() - t1;
  out.searchTaskMs = Math.round(((await page.metrics()).TaskDuration - m.TaskDuration) * 1000);
  out.searchPanel = await page.$eval('#panel', (p) => p.getAttribute('data-node'));
  out.searchHits = await page.$$eval('#graph-box svg g.node.hit', (gs) => gs.map((g) => g.getAttribute('data-node')));
  out.view = await page.$eval('#graph-box', (b) => b.getAttribute('data-view'));
  out.viewMembers = await page.$$eval('#graph-box svg g.node[data-node]', (gs) => gs.map((g) => g.getAttribute('data-node')));
  out.laidOutAfter = await page.evaluate(() => Object.keys(window.bulkheadReport.layoutMs).sort());

  // an edge of the workload's view: the panel lists or explains its flows
  const t2 = Date.now();
  out.edgeClicked = await page.evaluate((id) => {
    const e = [...document.querySelectorAll('#graph-box svg g.edge')].find((g) => g.getAttribute('data-from') === id || g.getAttribute('data-to') === id);
    if (!e) return false;
    e.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    return true;
  }, expected);
  out.edgePanel = await page.$eval('#panel', (p) => p.textContent);

  // the matrix by group: a row of denied pairs the layers disagree on (class 3, the blocks'), drilled down to its pairs
  out.classes = await page.$$eval('#matrix-table tbody tr[data-groups]', (rs) => [...new Set(rs.map((r) => r.getAttribute('data-class')))].sort());
  out.countText = await page.$eval('#matrix-count', (c) => c.textContent);
  const blockRow = await page.$('#matrix-table tbody tr[data-class="3"]');
  out.blockRowText = blockRow ? await blockRow.evaluate((r) => r.textContent) : null;
  if (blockRow) {
    await blockRow.evaluate((r) => r.dispatchEvent(new MouseEvent('click', { bubbles: true })));
    out.drilledPairs = await page.$$eval('#matrix-table tbody tr[data-pair]', (rs) => rs.length);
    out.drilledFlows = await page.$$eval('#matrix-table tbody tr[data-flow]', (rs) => rs.length);
    out.drillCount = await page.$eval('#matrix-count', (c) => c.textContent);
    await click('#matrix-table tbody tr[data-pair]');
    out.pairPanel = await page.$eval('#panel', (p) => ({ pair: p.getAttribute('data-pair'), text: p.textContent }));
    await click('#matrix-back');
  }
  // disagreements only, then a filter: every row shown is a disagreement / names the query
  await click('#matrix-disagree');
  out.disagreeRows = await page.$$eval('#matrix-table tbody tr', (rs) => rs.map((r) => r.getAttribute('data-class')));
  await click('#matrix-disagree');
  await page.type('#matrix-filter', query);
  out.filtered = await page.$$eval('#matrix-table tbody tr', (rs) => rs.map((r) => r.textContent));
  // by workload: the first page of rows, and more on demand
  await page.select('#matrix-level', 'node');
  await page.$eval('#matrix-filter', (i) => { i.value = ''; i.dispatchEvent(new Event('input')); });
  out.byWorkload = await page.$$eval('#matrix-table tbody tr', (rs) => rs.length);
  out.byWorkloadCount = await page.$eval('#matrix-count', (c) => c.textContent);
  out.matrixMs = Date.now() - t2;
  out.errorsAfter = out.errors.length;
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out));
