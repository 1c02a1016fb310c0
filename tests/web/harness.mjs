// What the web demo's test (demo_test.mjs) and benchmark (bench/web_decode.mjs) share: a static
// server for the built page on 127.0.0.1 and Debian's Chromium, headless, driven by puppeteer-core,
// with the page opened and its models loaded.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css',
                '.data': 'application/octet-stream' };

/// Serves WEB_DIR, opens it in headless Chromium and waits for the page to be ready. `onError` gets
/// every uncaught page error. Returns { browser, page, status, close }.
export async function openPage(webDir, onError) {
  const root = path.resolve(webDir);
  const server = http.createServer((req, res) => {
    const name = new URL(req.url, 'http://x').pathname;
    const file = path.join(root, decodeURIComponent(name === '/' ? '/index.html' : name));
    if (!file.startsWith(root) || !fs.existsSync(file)) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'Content-Type': types[path.extname(file)] || 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--enable-precise-memory-info'],
  });
  const close = async () => { await browser.close(); server.close(); };
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 800, height: 900 });
    page.on('pageerror', (e) => onError(`page error: ${e.message}`));
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => document.body.dataset.ready === '1', { timeout: 60000 });
    const status = await page.$eval('#status', (e) => e.textContent);
    return { browser, page, status, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/// Reads a JSONL file into objects.
export const readJsonl = (file) => fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));

/// The page's live path on one swipe (every point added, partial words every 4, then finish):
/// { words, ms, steps, partials } or { error }.
export const decodeLiveIn = (page, swipe) => {
  const c = swipe.curve;
  return page.evaluate((s) => window.glideDemo.decodeLive(s), { x: c.x, y: c.y, t: c.t, grid: c.grid_name });
};

/// The page's decoder on one swipe of glide synth's JSONL: { words, ms, steps } or { error }.
export const decodeIn = (page, swipe) => {
  const c = swipe.curve;
  return page.evaluate((s) => window.glideDemo.decode(s), { x: c.x, y: c.y, t: c.t, grid: c.grid_name });
};
