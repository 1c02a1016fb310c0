// The demo page in headless Chromium: serves WEB_DIR on 127.0.0.1, draws each swipe of SWIPES (JSONL
// on the page's English grid) with real pointer events (mouse down, moves at the swipe's own pace,
// up), and checks that the swiped word is among the page's candidates. Then it decodes the same
// swipes through the page's decoder directly and compares the words with NATIVE (the native CLI's
// `glide predict` output for the same file), reports decode times and the page's memory, and saves a
// screenshot.
// The page's live path (the pointer events above use it: partial words while moving, the whole
// swipe's on lift) must give the same words and scores as the whole-swipe decoder.
// Then it adds a name through the page's box of user words and checks that a swipe of it reads the
// name as written, marked as the user's word; then every language pack loads, and German and Greek
// swipes decode on their layouts with the layout-conditioned model.
// Usage: node demo_test.mjs WEB_DIR SWIPES.jsonl NATIVE.jsonl SCREENSHOT.png USER_SWIPE.jsonl SAMPLES_DIR
import { openPage, readJsonl, decodeIn, decodeLiveIn } from './harness.mjs';

const [webDir, swipesPath, nativePath, screenshot, userPath, samplesDir] = process.argv.slice(2);
const swipes = readJsonl(swipesPath);
const native = readJsonl(nativePath);

let failures = 0;
const fail = (msg) => { console.log(`FAIL: ${msg}`); ++failures; };
const { page, status, close } = await openPage(webDir, fail);
try {
  console.log(`page ready: ${status}`);

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
    const r = await decodeIn(page, swipes[i]);
    if (r.error) { fail(`decode: ${r.error}`); continue; }
    times.push(r.ms);
    const a = r.words.map((w) => w.word), b = native[i].predictions.map((w) => w.word);
    const scores = r.words.map((w, k) => Math.abs(w.score - native[i].predictions[k]?.score ?? NaN));
    if (JSON.stringify(a) === JSON.stringify(b)) ++same;
    else fail(`${swipes[i].word}: wasm ${a.join(',')} vs native ${b.join(',')}`);
    console.log(`${swipes[i].word.padEnd(10)} wasm = native: ${JSON.stringify(a) === JSON.stringify(b)}, ` +
                `largest score difference ${Math.max(...scores).toExponential(1)}, ${r.ms.toFixed(1)} ms`);
  }
  // The live path: the same words and scores as the whole-swipe decoder.
  for (const s of swipes) {
    const live = await decodeLiveIn(page, s), whole = await decodeIn(page, s);
    if (live.error) { fail(`live: ${live.error}`); continue; }
    if (JSON.stringify(live.words) !== JSON.stringify(whole.words))
      fail(`${s.word}: live ${live.words.map((w) => w.word)} vs whole ${whole.words.map((w) => w.word)}`);
    if (!(live.partials > 0)) fail(`${s.word}: no partial update`);
  }
  console.log(`live decoding (points added one by one, partial words every 4) = whole-swipe decoding on ${swipes.length} swipes`);
  times.sort((a, b) => a - b);
  console.log(`wasm words equal the native CLI's on ${same} of ${swipes.length} swipes`);
  // Reported, not checked: a test's timing depends on what else runs. The < 30 ms target is shown by
  // the benchmark (scripts/bench-web.sh: the page against the same code natively, in one run).
  console.log(`decode time in the page (for information; the benchmark is scripts/bench-web.sh): median ` +
              `${times[Math.floor(times.length / 2)].toFixed(1)} ms (${times.length} decodes)`);
  const m = await page.evaluate(() => window.glideDemo.memory());
  console.log(`page memory: WebAssembly ${(m.wasm_bytes / 1048576).toFixed(1)} MiB (peak), JavaScript heap ` +
              `${m.js_heap_bytes ? (m.js_heap_bytes / 1048576).toFixed(1) + ' MiB' : 'not reported'}`);

  // 3. A word of the user's, added through the page's box, is read as written and marked as theirs.
  const [userSwipe] = readJsonl(userPath);
  const plain = await decodeIn(page, userSwipe);
  console.log(`before adding: ${plain.words.map((w) => `${w.word} (${w.origin})`).join(', ')}`);
  if (plain.words.some((w) => w.origin === 'user')) fail('a user word before any was added');
  await page.type('#user-words', 'Tarantino');
  await page.click('#add-words');
  const added = await page.$eval('#user-words-status', (e) => e.textContent);
  if (!/^1 added/.test(added)) fail(`adding a word: '${added}'`);
  const withWord = await decodeIn(page, userSwipe);
  console.log(`after adding Tarantino (${added}): ${withWord.words.map((w) => `${w.word} (${w.origin})`).join(', ')}`);
  if (withWord.words[0]?.word !== 'Tarantino' || withWord.words[0]?.origin !== 'user')
    fail('the added word is not read first, as written, marked as the user\'s');

  // 4. The Russian layout loads and decodes.
  await page.select('#layout', 'ru');
  const ru = await page.$eval('#status', (e) => e.textContent);
  if (!/grid default/.test(ru)) fail(`Russian layout: ${ru}`);
  console.log(`Russian layout: ${ru}`);

  // 5. Every language pack is offered; German and Greek swipes decode on their layouts.
  const offered = await page.$$eval('#layout option', (os) => os.map((o) => o.value));
  if (offered.length < 12) fail(`only ${offered.length} layouts offered: ${offered}`);
  for (const code of ['de', 'el']) {
    await page.select('#layout', code);
    const st = await page.$eval('#status', (e) => e.textContent);
    const [sample] = readJsonl(`${samplesDir}/${code}.jsonl`);
    const r = await decodeIn(page, sample);
    if (r.error || !r.words.length) fail(`${code}: ${r.error || 'no words'}`);
    console.log(`${code} (${st}): ${sample.word} -> ${(r.words || []).map((w) => w.word).join(', ')}`);
  }
} finally {
  await close();
}
if (failures) { console.log(`${failures} failure(s)`); process.exit(1); }
console.log('web demo test passed');
