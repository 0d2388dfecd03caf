// Drives the report in headless Chromium (@sparticuz/chromium with puppeteer-core) and prints
// what it observed as JSON. Both packages are ES modules, which jest's CommonJS runtime cannot
// load, so browser.test.ts runs this file with plain Node and asserts on its output.
//
//   node browser-driver.mjs <report.html> <screenshot.png>
import { recordingPage } from './browser-page.mjs';

const [file, shot] = process.argv.slice(2);
const { browser, page, out } = await recordingPage();
try {
  const t0 = Date.now();
  await page.goto(`file://${file}`, { waitUntil: 'load' });
  out.loadMs = Date.now() - t0;

  // the graph
  out.nodes = await page.$$eval('#graph-box svg g.node', (gs) => gs.map((g) => g.getAttribute('data-node') ?? g.getAttribute('data-group')));
  out.edges = await page.$$eval('#graph-box svg g.edge', (es) => es.map((e) => e.getAttribute('class')));

  // the screenshot, measured in the page: size, colours, drawn share of the graph area
  const png = Buffer.from(await page.screenshot({ path: shot }));
  out.png = { signature: png.subarray(1, 4).toString('ascii'), width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
  out.pixels = await page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const ctx = c.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const box = document.getElementById('graph-box').getBoundingClientRect();
    const top = Math.round(box.top);
    const d = ctx.getImageData(Math.round(box.left), top, Math.round(box.width), Math.min(Math.round(box.height), img.height - top)).data;
    const colours = new Set();
    let drawn = 0;
    for (let i = 0; i < d.length; i += 4) {
      colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
      if (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200) drawn++;
    }
    return { colours: colours.size, drawn: drawn / (d.length / 4) };
  }, png.toString('base64'));

  // the overview, and a group expanded by a click
  await page.click('#crumbs button');
  out.overview = await page.$$eval('#graph-box svg g.node', (gs) => gs.map((g) => g.getAttribute('data-group')));
  await page.$eval('#graph-box svg g.node[data-group="domain:payments"] rect', (r) => r.dispatchEvent(new MouseEvent('click', { bubbles: true })));
  out.expanded = await page.$$eval('#graph-box svg g.node', (gs) => gs.map((g) => g.getAttribute('data-node') ?? g.getAttribute('data-group')));
  await page.click('#crumbs button');

  // the search, from the overview: it opens the workload's group
  await page.type('#search', 'fraud');
  out.searchResults = await page.$$eval('#search-results li', (ls) => ls.map((l) => l.getAttribute('data-result')));
  await page.click('#search-results li');
  out.searchPanel = await page.$eval('#panel', (p) => p.getAttribute('data-node'));
  out.searchHits = await page.$$eval('#graph-box svg g.node.hit', (gs) => gs.map((g) => g.getAttribute('data-node')));
  out.searchView = await page.$$eval('#graph-box svg g.node', (gs) => gs.length);

  // an edge: payment-service → fraud-detection, clicked in the view the search opened
  const clicked = await page.evaluate(() => {
    const e = [...document.querySelectorAll('#graph-box svg g.edge')].find((g) => g.getAttribute('data-from') === 'eks-prod:payments/payment-service[Deployment]' && g.getAttribute('data-to') === 'eks-prod:payments/fraud-detection[Deployment]');
    if (!e) return false;
    e.scrollIntoView({ block: 'center', inline: 'center' });
    return true;
  });
  out.edgeFound = clicked;
  if (clicked) {
    const box = await page.evaluate(() => {
      const p = [...document.querySelectorAll('#graph-box svg g.edge')].find((g) => g.getAttribute('data-from') === 'eks-prod:payments/payment-service[Deployment]' && g.getAttribute('data-to') === 'eks-prod:payments/fraud-detection[Deployment]').querySelector('path.hit');
      const len = p.getTotalLength();
      const pt = p.getPointAtLength(len / 2);
      const m = p.getScreenCTM();
      return { x: pt.x * m.a + m.e, y: pt.y * m.d + m.f };
    });
    await page.mouse.click(box.x, box.y);
    out.edgePanel = await page.$eval('#panel', (p) => p.textContent);
    out.edgeFlow = await page.$eval('#panel', (p) => p.getAttribute('data-flow'));
  }
  out.errorsAfter = out.errors.length;
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out));
