// The headless page both report drivers use: Chromium from @sparticuz/chromium with
// puppeteer-core, a 1400×1000 viewport, console errors, page errors and every request that is
// not to a file or data URL recorded in `out`.
import chromium from '@sparticuz/chromium';
import puppeteer from 'puppeteer-core';

/** Launches the browser and opens a recording page: `{ browser, page, out }` (close the browser when done). */
export async function recordingPage() {
  const out = { errors: [], requests: [] };
  const browser = await launch();
  const page = await browser.newPage();
  page.on('console', (m) => { if (m.type() === 'error') out.errors.push(m.text()); });
  page.on('pageerror', (e) => out.errors.push(String(e)));
  page.on('request', (r) => { if (!/^(file|data):/.test(r.url())) out.requests.push(r.url()); });
  await page.setViewport({ width: 1400, height: 1000 });
  return { browser, page, out };
}

// @sparticuz/chromium unpacks its browser into the temporary folder on first use; a second
// process that starts it while it is being written gets ETXTBSY: wait and try again
async function launch() {
  for (let attempt = 0; ; attempt++) {
    try {
      return await puppeteer.launch({ args: chromium.args, executablePath: await chromium.executablePath(), headless: true });
    } catch (e) {
      if (!(e && e.code === 'ETXTBSY') || attempt >= 10) throw e;
      await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
    }
  }
}
