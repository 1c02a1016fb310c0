// The demo page in headless Chromium: serves WEB_DIR on 127.0.0.1, draws each swipe of SWIPES (JSONL
// on the page's English grid) with real pointer events (mouse down, moves at the swipe's own pace,
// up), and checks that the swiped word is among the page's candidates. Then it decodes the same
// swipes through the page's decoder directly and compares the words with NATIVE (the native CLI's
// `glide predict` output for the same file), reports decode times and the page's memory, and saves a
// screenshot.
// Usage: node demo_test.mjs WEB_DIR SWIPES.jsonl NATIVE.jsonl SCREENSHOT.png
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

const [webDir, swipesPath, nativePath, screenshot] = process.argv.slice(2);
const swipes = fs.readFileSync(swipesPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const native = fs.readFileSync(nativePath, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css',
                '.data': 'application/octet-stream' };
const server = http.createServer((req, res) => {
  const file = path.join(webDir, decodeURIComponent(new URL(req.url, 'http://x').pathname === '/' ? '/index.html' : new URL(req.url, 'http://x').pathname));
  if (!file.startsWith(path.resolve(webDir)) || !fs.existsSync(file)) { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { 'Content-Type': types[path.extname(file)] || 'application/octet-stream' });
  fs.createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/`;

let failures = 0;
const fail = (msg) => { console.log(`FAIL: ${msg}`); ++failures; };
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--enable-precise-memory-info'],
});
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 800, height: 900 });
  page.on('pageerror', (e) => fail(`page error: ${e.message}`));
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.ready === '1', { timeout: 60000 });
  console.log(`page ready: ${await page.$eval('#status', (e) => e.textContent)}`);

  // 1. Real pointer events: the mouse follows each swipe at its own pace.
  const box = await (await page.$('#keyboard')).boundingBox();
  const g = await page.evaluate(() => window.glideDemo.grid());
  const sx = box.width / g.width, sy = box.height / g.height;
  let found = 0;
  for (const s of swipes) {
    const c = s.curve;
    const before = await page.evaluate(() => Number(document.body.dataset.decoded || 0));
    const start = Date.now();
    await page.mouse.move(box.x + c.x[0] * sx, box.y + c.y[0] * sy);
    await page.mouse.down();
    for (let i = 1; i < c.x.length; ++i) {
      const wait = c.t[i] - (Date.now() - start);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await page.mouse.move(box.x + c.x[i] * sx, box.y + c.y[i] * sy);
    }
    await page.mouse.up();
    await page.waitForFunction((n) => Number(document.body.dataset.decoded || 0) > n, {}, before);
    const words = await page.$$eval('#words li', (lis) => lis.map((li) => li.firstChild.textContent));
    const ok = words.includes(s.word);
    found += ok;
    console.log(`${ok ? 'ok  ' : 'MISS'} ${s.word.padEnd(10)} -> ${words.join(', ')}`);
  }
  if (found < swipes.length) fail(`${swipes.length - found} of ${swipes.length} swiped words not among the candidates`);
  await page.screenshot({ path: screenshot, fullPage: true });

  // 2. The same swipes through the page's decoder: the native CLI's words, and the time it takes.
  const times = [];
  let same = 0;
  for (let i = 0; i < swipes.length; ++i) {
    const c = swipes[i].curve;
    const r = await page.evaluate((s) => window.glideDemo.decode(s), { x: c.x, y: c.y, t: c.t, grid: c.grid_name });
    if (r.error) { fail(`decode: ${r.error}`); continue; }
    times.push(r.ms);
    const a = r.words.map((w) => w.word), b = native[i].predictions.map((w) => w.word);
    const scores = r.words.map((w, k) => Math.abs(w.score - native[i].predictions[k]?.score ?? NaN));
    if (JSON.stringify(a) === JSON.stringify(b)) ++same;
    else fail(`${swipes[i].word}: wasm ${a.join(',')} vs native ${b.join(',')}`);
    console.log(`${swipes[i].word.padEnd(10)} wasm = native: ${JSON.stringify(a) === JSON.stringify(b)}, ` +
                `largest score difference ${Math.max(...scores).toExponential(1)}, ${r.ms.toFixed(1)} ms`);
  }
  // Repeat the decodes to time them beyond the first (warm) call.
  for (let k = 0; k < 3; ++k)
    for (const s of swipes) {
      const c = s.curve;
      times.push((await page.evaluate((x) => window.glideDemo.decode(x), { x: c.x, y: c.y, t: c.t, grid: c.grid_name })).ms);
    }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)], worst = times[times.length - 1];
  console.log(`wasm words equal the native CLI's on ${same} of ${swipes.length} swipes`);
  console.log(`decode time in the page: median ${median.toFixed(1)} ms, slowest ${worst.toFixed(1)} ms (${times.length} decodes)`);
  if (!(median < 30)) fail(`median decode ${median} ms is not under 30 ms`);
  const m = await page.evaluate(() => window.glideDemo.memory());
  console.log(`page memory: WebAssembly ${(m.wasm_bytes / 1048576).toFixed(1)} MiB (peak), JavaScript heap ` +
              `${m.js_heap_bytes ? (m.js_heap_bytes / 1048576).toFixed(1) + ' MiB' : 'not reported'}`);

  // 3. The Russian layout loads and decodes.
  await page.select('#layout', 'ru');
  const ru = await page.$eval('#status', (e) => e.textContent);
  if (!/grid default/.test(ru)) fail(`Russian layout: ${ru}`);
  console.log(`Russian layout: ${ru}`);
} finally {
  await browser.close();
  server.close();
}
if (failures) { console.log(`${failures} failure(s)`); process.exit(1); }
console.log('web demo test passed');
