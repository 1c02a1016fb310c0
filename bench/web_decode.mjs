// The web demo's decode time, in the page and natively, side by side: decodes each swipe of SWIPES
// REPEAT times through the page's decoder in headless Chromium (tests/web/harness.mjs) and prints,
// with NATIVE (glide_bench_web_native's decodes of the same swipes with the same code and options,
// made in the same run by scripts/bench-web.sh), the median time a swipe in each, their ratio, and
// whether the page's median is under the 30 ms target (issue 15). The words must be equal.
// With OLD_WEB_DIR (the page of an earlier commit, built by its own scripts/build-web.sh), decodes
// each swipe in both pages, alternated swipe by swipe (the order swapped every round), and prints as
// the last line `page/page at LABEL speed ratio: N.NNx` (the old page's median over this one's).
// Usage: node bench/web_decode.mjs WEB_DIR SWIPES.jsonl NATIVE.jsonl REPEAT [OLD_WEB_DIR LABEL]
import os from 'node:os';
import { openPage, readJsonl, decodeIn } from '../tests/web/harness.mjs';

const [webDir, swipesPath, nativePath, repeatArg, oldDir, oldLabel] = process.argv.slice(2);
const swipes = readJsonl(swipesPath), native = readJsonl(nativePath), repeat = Number(repeatArg || 4);
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const errors = [];
const { page, status, close } = await openPage(webDir, (m) => errors.push(m));
let old = null;
const wasm = swipes.map(() => []), wasmOld = swipes.map(() => []);
let differ = 0;
try {
  if (oldDir) old = await openPage(oldDir, (m) => errors.push(`${oldLabel}: ${m}`));
  console.log(`page: ${status}; ${swipes.length} swipes, ${repeat} decodes each; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  if (old) console.log(`page at ${oldLabel}: ${old.status}; decoded alternately with this page, swipe by swipe`);
  // One untimed decode of every swipe in each page first: V8 compiles WebAssembly with its baseline
  // compiler and tiers hot functions up to the optimizing one while they run, so the first decodes of
  // a page are slower and would weigh on whichever page is measured more of them that way.
  for (const s of swipes) {
    await decodeIn(page, s);
    if (old) await decodeIn(old.page, s);
  }
  for (let r = 0; r < repeat; ++r)
    for (let i = 0; i < swipes.length; ++i) {
      const timeOld = async () => {
        if (!old) return;
        const res = await decodeIn(old.page, swipes[i]);
        if (res.error) throw new Error(`${oldLabel}: ${swipesPath}:${i + 1}: ${res.error}`);
        wasmOld[i].push(res.ms);
      };
      if (r % 2) await timeOld();
      const res = await decodeIn(page, swipes[i]);
      if (res.error) throw new Error(`${swipesPath}:${i + 1}: ${res.error}`);
      wasm[i].push(res.ms);
      if (r % 2 === 0) await timeOld();
      if (r === 0) {
        const n = native.find((x) => x.i === i);
        if (!n || JSON.stringify(n.words) !== JSON.stringify(res.words.map((w) => w.word))) ++differ;
      }
    }
} finally {
  await close();
  if (old) await old.close();
}
const nativeMs = swipes.map((_, i) => median(native.filter((x) => x.i === i).map((x) => x.ms)));
const wasmMs = wasm.map(median);
console.log('word          native ms   page ms   page/native');
for (let i = 0; i < swipes.length; ++i)
  console.log(`${swipes[i].word.padEnd(12)} ${nativeMs[i].toFixed(2).padStart(9)} ${wasmMs[i].toFixed(2).padStart(9)} ${(wasmMs[i] / nativeMs[i]).toFixed(2).padStart(12)}`);
const mn = median(nativeMs), mw = median(wasmMs), slowest = Math.max(...wasmMs);
console.log(`median a swipe: native ${mn.toFixed(2)} ms, page ${mw.toFixed(2)} ms, page/native ${(mw / mn).toFixed(2)}x; ` +
            `slowest swipe in the page ${slowest.toFixed(2)} ms`);
console.log(`target: page median < 30 ms: ${mw < 30 ? 'met' : 'NOT met'}; words equal to native on ${swipes.length - differ} of ${swipes.length} swipes`);
if (old) {
  const mo = median(wasmOld.map(median));
  console.log(`median a swipe: page at ${oldLabel} ${mo.toFixed(2)} ms, this page ${mw.toFixed(2)} ms`);
  console.log(`page/page at ${oldLabel} speed ratio: ${(mo / mw).toFixed(2)}x`);
}
if (errors.length) { console.log(errors.join('\n')); process.exit(1); }
process.exit(differ ? 1 : 0);
