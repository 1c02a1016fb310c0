// The demo page: draws a keyboard from a grid (Yandex Cup JSON), records a swipe with pointer events
// (mouse, pen or touch) in the grid's pixels and milliseconds, and decodes it with the WebAssembly
// recognizer (web/glide_wasm.cpp): while the finger moves (when "decode while swiping" is on) the best
// words so far from a live swipe (glide_web_live_*, over the C API's glide_live_*: points added as they arrive, a narrower search), and on
// lift the top 4 words of the whole swipe with their scores. Every language pack of data/packs.json is
// offered: English and Russian with their own models, the others with the layout-conditioned model.
// window.glideDemo is the handle the browser test uses.
'use strict';

// Each layout: its grid, model directory and vocabulary in the module's file system, and the options
// of the native CLI's defaults (trie beam 9, geometric rescoring weight 1, literal spellings under the
// gate fitted for English, top 4). The Russian model has no fitted gate: vocabulary words only. The
// other packs are added from /packs.json when the module has loaded (as glide --language CODE).
const layouts = {
  en: { grid: 'qwerty_english', model: '/en', vocab: '/en/vocab.tsv',
        options: { top: 4, rescore_geometric: 1, rescore_params: '/en/rescore.json', literal: true,
                   literal_params: '/en/literal.json' } },
  ru: { grid: 'default', model: '/ru', vocab: '/ru/vocab.tsv',
        options: { top: 4, rescore_geometric: 1, rescore_params: '/en/rescore.json' } },
};

const canvas = document.getElementById('keyboard');
const ctx = canvas.getContext('2d');
const statusLine = document.getElementById('status');
const wordList = document.getElementById('words');
const timing = document.getElementById('timing');
const memoryLine = document.getElementById('memory');

let glide = null;
let grids = null;
const handles = {};
let current = 'en';
let swipe = null;  // {x: [], y: [], t: [], t0, live: the live swipe's id}
let lastLive = 0;
const times = [];

function grid() { return grids[layouts[current].grid]; }

function drawKeyboard() {
  const g = grid();
  canvas.width = g.width;
  canvas.height = g.height;
  ctx.clearRect(0, 0, g.width, g.height);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  for (const k of g.keys) {
    const h = k.hitbox;
    ctx.fillStyle = '#fff';
    ctx.strokeStyle = '#bbb';
    ctx.fillRect(h.x + 3, h.y + 3, h.w - 6, h.h - 6);
    ctx.strokeRect(h.x + 3, h.y + 3, h.w - 6, h.h - 6);
    const text = k.label !== undefined ? k.label : (k.action || '');
    ctx.fillStyle = k.label !== undefined ? '#222' : '#999';
    // Action names (shift, backspace, ...) shrink to fit their key.
    const size = Math.min(g.height / 12, (h.w - 10) / Math.max(1, 0.6 * text.length));
    ctx.font = `${Math.round(size)}px sans-serif`;
    ctx.fillText(text, h.x + h.w / 2, h.y + h.h / 2);
  }
}

function drawTrail() {
  drawKeyboard();
  if (!swipe || swipe.x.length < 2) return;
  ctx.strokeStyle = 'rgba(30, 110, 220, 0.8)';
  ctx.lineWidth = grid().height / 60;
  ctx.lineJoin = ctx.lineCap = 'round';
  ctx.beginPath();
  ctx.moveTo(swipe.x[0], swipe.y[0]);
  for (let i = 1; i < swipe.x.length; ++i) ctx.lineTo(swipe.x[i], swipe.y[i]);
  ctx.stroke();
}

// Decodes {x, y, t, grid} with the current layout's recognizer: {words: [{word, score}], ms, steps} or {error}.
function decode(s) {
  const text = glide.ccall('glide_web_decode', 'string', ['number', 'string'], [handles[current], JSON.stringify(s)]);
  return JSON.parse(text);
}

// A live swipe: begin on the current grid, add points as they arrive, the best words so far, the
// whole swipe's words at the end (equal to decode()'s).
function liveBegin() {
  const id = glide.ccall('glide_web_live_begin', 'number', ['number', 'string'], [handles[current], layouts[current].grid]);
  if (id < 0) throw new Error(glide.ccall('glide_web_error', 'string', [], []));
  return id;
}
function liveAdd(id, x, y, t) {
  if (glide.ccall('glide_web_live_add', 'number', ['number', 'number', 'number', 'number'], [id, x, y, t]) < 0)
    throw new Error(glide.ccall('glide_web_error', 'string', [], []));
}
function livePartial(id, k) { return JSON.parse(glide.ccall('glide_web_live_partial', 'string', ['number', 'number'], [id, k])); }
function liveFinish(id) { return JSON.parse(glide.ccall('glide_web_live_finish', 'string', ['number'], [id])); }
// A whole recorded swipe through the live path: every point added, a partial every 4, then finish.
function decodeLive(s) {
  const id = liveBegin();
  let partials = 0;
  for (let i = 0; i < s.x.length; ++i) {
    liveAdd(id, s.x[i], s.y[i], s.t[i]);
    if (i % 4 === 3) { livePartial(id, 4); ++partials; }
  }
  const r = liveFinish(id);
  r.partials = partials;
  return r;
}

function show(result, live) {
  wordList.innerHTML = '';
  if (result.error) {
    wordList.innerHTML = `<li>${result.error}</li>`;
    return;
  }
  for (const w of result.words) {
    const li = document.createElement('li');
    li.textContent = w.word;
    if (live) li.className = 'live';
    // Where the word came from: spelled by the model (no list holds it) or one of the user's words.
    if (w.origin === 'literal' || w.origin === 'user') {
      const tag = document.createElement('em');
      tag.className = w.origin;
      tag.textContent = w.origin === 'literal' ? 'spelled' : 'your word';
      li.appendChild(tag);
    }
    const score = document.createElement('span');
    score.textContent = w.score.toFixed(2);
    li.appendChild(score);
    wordList.appendChild(li);
  }
  if (!live) {
    times.push(result.ms);
    const sorted = [...times].sort((a, b) => a - b);
    timing.textContent = `decoded in ${result.ms.toFixed(1)} ms (${result.steps} decoder steps); ` +
      `median of ${times.length} swipes ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} ms`;
  }
  showMemory();
}

// WebAssembly memory only grows, so its size is the module's peak.
function memory() {
  const wasm = glide.HEAPU8.length;
  const js = performance.memory ? performance.memory.usedJSHeapSize : null;
  return { wasm_bytes: wasm, js_heap_bytes: js };
}
function showMemory() {
  const m = memory();
  memoryLine.textContent = `memory: WebAssembly ${(m.wasm_bytes / 1048576).toFixed(1)} MiB (its peak)` +
    (m.js_heap_bytes ? `, JavaScript heap ${(m.js_heap_bytes / 1048576).toFixed(1)} MiB` : '');
}

function point(e) {
  const r = canvas.getBoundingClientRect();
  const g = grid();
  return [(e.clientX - r.left) * g.width / r.width, (e.clientY - r.top) * g.height / r.height];
}

canvas.addEventListener('pointerdown', (e) => {
  if (!glide) return;
  canvas.setPointerCapture(e.pointerId);
  const [x, y] = point(e);
  swipe = { x: [x], y: [y], t: [0], t0: e.timeStamp, live: liveBegin() };
  liveAdd(swipe.live, x, y, 0);
  drawTrail();
});
canvas.addEventListener('pointermove', (e) => {
  if (!swipe) return;
  // Coalesced events give every sample the device reported, not one per frame.
  const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
  for (const ev of (events.length ? events : [e])) {
    const [x, y] = point(ev);
    swipe.x.push(x);
    swipe.y.push(y);
    swipe.t.push(ev.timeStamp - swipe.t0);
    liveAdd(swipe.live, x, y, ev.timeStamp - swipe.t0);
  }
  drawTrail();
  // The best words so far, once a frame at most (the live swipe decodes only new points' worth).
  if (document.getElementById('live').checked && swipe.x.length >= 4 && e.timeStamp - lastLive > 16) {
    lastLive = e.timeStamp;
    show(livePartial(swipe.live, 4), true);
  }
});
function finish() {
  if (!swipe) return;
  const s = swipe;
  swipe = null;
  const result = liveFinish(s.live);
  if (s.x.length < 2) return;
  show(result, false);
  document.body.dataset.decoded = String(Number(document.body.dataset.decoded || 0) + 1);
}
canvas.addEventListener('pointerup', finish);
canvas.addEventListener('pointercancel', finish);

function load(name) {
  if (handles[name] === undefined) {
    const l = layouts[name];
    const h = glide.ccall('glide_web_load', 'number', ['string', 'string', 'string', 'string'],
                          [l.model, l.vocab, '/grids.json', JSON.stringify(l.options)]);
    if (h < 0) throw new Error(glide.ccall('glide_web_error', 'string', [], []));
    handles[name] = h;
  }
  current = name;
  document.getElementById('layout').value = name;
  const words = glide.ccall('glide_web_word_count', 'number', ['number'], [handles[name]]);
  statusLine.textContent = `${words.toLocaleString('en')} words, grid ${layouts[name].grid}`;
  drawKeyboard();
  showMemory();
}

document.getElementById('layout').addEventListener('change', (e) => {
  try {
    load(e.target.value);
    wordList.innerHTML = '';
  } catch (err) {
    statusLine.textContent = err.message;
  }
});

const ready = createGlide().then((module) => {
  glide = module;
  grids = JSON.parse(glide.FS.readFile('/grids.json', { encoding: 'utf8' }));
  // The other language packs, read by the layout-conditioned model in the pack's letters.
  const packs = JSON.parse(glide.FS.readFile('/packs.json', { encoding: 'utf8' }));
  const select = document.getElementById('layout');
  for (const [code, p] of Object.entries(packs)) {
    if (layouts[code]) continue;
    layouts[code] = { grid: p.grid, model: '/multi', vocab: `/vocab/${code}.tsv`,
                      options: { top: 4, rescore_geometric: 1, rescore_params: '/en/rescore.json', alphabet: p.alphabet } };
    const option = document.createElement('option');
    option.value = code;
    option.textContent = `${p.name} (${p.grid})`;
    select.appendChild(option);
  }
  const t0 = performance.now();
  load('en');
  statusLine.textContent += ` (loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s)`;
  document.body.dataset.ready = '1';
}).catch((err) => {
  statusLine.textContent = `failed: ${err.message || err}`;
  throw err;
});

// The user's words: one "word [weight]" a line, added to the current layout's recognizer at once
// (the next swipe sees them); "remove" takes them out again.
function editWords(fn) {
  const text = document.getElementById('user-words').value;
  const r = JSON.parse(glide.ccall(fn, 'string', ['number', 'string'], [handles[current], text]));
  const line = document.getElementById('user-words-status');
  if (r.error) line.textContent = r.error;
  else if (fn === 'glide_web_add_words') line.textContent = `${r.added} added (${r.user_words} of your words)`;
  else line.textContent = `${r.removed} removed (${r.user_words} of your words)`;
  return r;
}
document.getElementById('add-words').addEventListener('click', () => editWords('glide_web_add_words'));
document.getElementById('remove-words').addEventListener('click', () => editWords('glide_web_remove_words'));

window.glideDemo = {
  addWords: (text) => {
    document.getElementById('user-words').value = text;
    return editWords('glide_web_add_words');
  },
  ready,
  decode: (s) => decode(s),
  decodeLive: (s) => decodeLive(s),
  layout: (name) => load(name),
  grid: () => grid(),
  memory: () => memory(),
};
