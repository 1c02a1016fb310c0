// Glide's vocabulary-constrained beam search around ONNX Runtime (onnxruntime-node, one intra-op and
// one inter-op thread), on the graphs bench/peer/onnx_export.py writes: the ONNX peer that
// glide_bench_onnx_peer (bench/onnx_peer.cpp) times side by side with Glide's Eigen backend.
//
// The search mirrors include/glide/search/beam.hpp's beam_group under constrained_beam_search (the
// trie_beam search, prior weight 0, no length penalty): all live beams form one decoder batch, each
// row's logits go through log-softmax (as glide::log_softmax_inplace computes it, in float) and the
// vocabulary mask, the best 2 * width continuations are ranked by score (then row, then token), an
// end token ranked below the width finishes nothing, a beam reaching max length is cut, and the search
// stops when no beam is left or n_best words have finished and the best live beam scores no higher
// than the worst of them. After each step the KV cache rows are gathered to the surviving beams.
//
// Usage:
//   node ort_decode.mjs --onnx-dir DIR --inputs FILE --words FILE --out FILE [--beam 6] [--n-best 4]
//                       [--max-length N] [--passes 1] [--warmup 5] [--ort-modules DIR]
//   node ort_decode.mjs --onnx-dir DIR --check FILE        (onnx_export.py's check of the graphs)
// --inputs: {"swipes": [{"points": T, "kinematics": [T*6], "keys": [T]}, ...]} (as glide_bench_peer
// writes it); --words: one word a line as token ids; --out (JSON): the best pass's encoder, decoder
// step (by batch size) and whole decode seconds, the seconds of one call of an identity graph (what
// onnxruntime-node costs a call apart from the graph), and every swipe's words (token-id strings,
// best first). --ort-modules: the node_modules folder holding onnxruntime-node (default: the one next to
// this script, where scripts/install-deps.sh --with-onnx installs it). Exit status 77 when
// onnxruntime-node cannot be loaded.

import { createRequire } from 'node:module';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const BOS = 1, EOS = 2;
const here = dirname(fileURLToPath(import.meta.url));

function parseArgs(argv) {
  const a = { beam: 6, nBest: 4, maxLength: 32, passes: 1, warmup: 5, ortModules: join(here, 'node_modules') };
  const names = { '--onnx-dir': 'onnxDir', '--inputs': 'inputs', '--words': 'words', '--out': 'out', '--check': 'check',
                  '--beam': 'beam', '--n-best': 'nBest', '--max-length': 'maxLength', '--passes': 'passes',
                  '--warmup': 'warmup', '--ort-modules': 'ortModules' };
  for (let i = 2; i < argv.length; i += 2) {
    const k = names[argv[i]];
    if (!k || i + 1 >= argv.length) throw new Error(`ort_decode: unknown option or missing value: ${argv[i]}`);
    a[k] = typeof a[k] === 'number' ? Number(argv[i + 1]) : argv[i + 1];
  }
  if (!a.onnxDir) throw new Error('ort_decode: --onnx-dir is required');
  return a;
}

function loadOrt(dir) {
  try {
    return createRequire(join(dir, 'noop.js'))('onnxruntime-node');
  } catch (e) {
    console.error(`ort_decode: cannot load onnxruntime-node from ${dir} (scripts/install-deps.sh --with-onnx installs it): ${e.message}`);
    process.exit(77);
  }
}

const f32 = Math.fround;

// glide::log_softmax_inplace on a float row: the max and the shifted values in float, the sum in double.
function logSoftmax(row) {
  let max = -Infinity;
  for (let i = 0; i < row.length; ++i) if (row[i] > max) max = row[i];
  let sum = 0;
  for (let i = 0; i < row.length; ++i) sum += Math.exp(f32(row[i] - max));
  const logZ = f32(max + f32(Math.log(sum)));
  for (let i = 0; i < row.length; ++i) row[i] = f32(row[i] - logZ);  // row is a Float32Array
}

function buildTrie(text) {
  const root = { children: new Map(), word: false };
  let maxLen = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const toks = line.trim().split(/\s+/).map(Number);
    let n = root;
    for (const t of toks) {
      let c = n.children.get(t);
      if (!c) n.children.set(t, (c = { children: new Map(), word: false }));
      n = c;
    }
    n.word = true;
    maxLen = Math.max(maxLen, toks.length);
  }
  // Children in token order, as the compact trie visits them.
  const sortKids = (n) => {
    n.kids = [...n.children.entries()].sort((x, y) => x[0] - y[0]);
    for (const [, c] of n.kids) sortKids(c);
  };
  sortKids(root);
  return { root, maxLen };
}

function lexLess(a, b) {
  for (let i = 0; i < Math.min(a.length, b.length); ++i) if (a[i] !== b[i]) return a[i] < b[i];
  return a.length < b.length;
}
const byScore = (x, y) => (x.score !== y.score ? y.score - x.score : lexLess(x.tokens, y.tokens) ? -1 : lexLess(y.tokens, x.tokens) ? 1 : 0);

class Peer {
  constructor(ort, encoder, step) {
    this.ort = ort;
    this.encoder = encoder;
    this.step = step;
    this.layers = encoder.outputNames.length / 2;
    this.crossNames = encoder.outputNames;
  }

  // `s`: a swipe as typed arrays (asTyped), as a keyboard holds its model inputs.
  async encode(s) {
    const { Tensor } = this.ort;
    const out = await this.encoder.run({
      kinematics: new Tensor('float32', s.kinematics, [1, s.points, 6]),
      keys: new Tensor('int64', s.keys, [1, s.points]),
    });
    return this.crossNames.map((n) => out[n]);
  }

  // The KV cache rows of `t` [B x H x L x dh] gathered to `rows`.
  gather(t, rows) {
    const [, h, l, dh] = t.dims;
    const per = h * l * dh, src = t.data, dst = new Float32Array(rows.length * per);
    for (let i = 0; i < rows.length; ++i) dst.set(src.subarray(rows[i] * per, (rows[i] + 1) * per), i * per);
    return new this.ort.Tensor('float32', dst, [rows.length, h, l, dh]);
  }

  emptyCache(cross) {
    const [, h, , dh] = cross[0].dims;
    return Array.from({ length: 2 * this.layers }, () => new this.ort.Tensor('float32', new Float32Array(0), [1, h, 0, dh]));
  }

  async runStep(tokens, past, cross) {
    const feeds = { tokens: new this.ort.Tensor('int64', BigInt64Array.from(tokens, (t) => BigInt(t)), [tokens.length]) };
    for (let i = 0; i < this.layers; ++i) {
      feeds[`past_key_${i}`] = past[2 * i];
      feeds[`past_value_${i}`] = past[2 * i + 1];
      feeds[`cross_key_${i}`] = cross[2 * i];
      feeds[`cross_value_${i}`] = cross[2 * i + 1];
    }
    const out = await this.step.run(feeds);
    const present = [];
    for (let i = 0; i < this.layers; ++i) present.push(out[`present_key_${i}`], out[`present_value_${i}`]);
    return { logits: out.logits, present };
  }

  // beam.hpp's beam_group with the trie mask; `timing.steps[batch]` gathers [count, seconds].
  async search(cross, trie, o, timing) {
    let beams = [{ tokens: [], score: 0, node: trie.root }];
    let last = [BOS];
    let past = this.emptyCache(cross);
    const finished = [], truncated = [];
    const worstFinished = () => finished.reduce((w, h) => Math.min(w, h.score), 0);
    const addFinished = (h) => {
      if (finished.length < o.nBest) return void finished.push(h);
      let w = 0;
      for (let i = 1; i < finished.length; ++i) if (finished[i].score < finished[w].score) w = i;
      if (h.score > finished[w].score) finished[w] = h;
    };
    while (beams.length > 0) {
      const t0 = performance.now();
      const { logits, present } = await this.runStep(last, past, cross);
      const dt = performance.now() - t0;
      const slot = (timing.steps[last.length] ??= [0, 0]);
      slot[0] += 1;
      slot[1] += dt / 1000;
      const vocab = logits.dims[1];
      const cands = [];
      for (let r = 0; r < beams.length; ++r) {
        const row = logits.data.subarray(r * vocab, (r + 1) * vocab);
        logSoftmax(row);
        const b = beams[r];
        for (const [t, child] of b.node.kids) if (t < vocab) cands.push({ score: f32(b.score + row[t]), row: r, token: t, node: child });
        if (b.node.word) cands.push({ score: f32(b.score + row[EOS]), row: r, token: EOS, node: null });
      }
      const width = o.beam;
      cands.sort((x, y) => (x.score !== y.score ? y.score - x.score : x.row !== y.row ? x.row - y.row : x.token - y.token));
      const considered = Math.min(cands.length, 2 * width);
      const next = [], parents = [];
      for (let i = 0; i < considered && next.length < width; ++i) {
        const c = cands[i];
        const tokens = [...beams[c.row].tokens, c.token];
        if (c.token === EOS) {
          if (i >= width) continue;
          addFinished({ tokens, score: c.score });
          continue;
        }
        if (tokens.length >= o.maxLength) {
          truncated.push({ tokens, score: c.score });
          continue;
        }
        parents.push(c.row);
        next.push({ tokens, score: c.score, node: c.node });
      }
      beams = next;
      if (beams.length > 0 && finished.length === o.nBest && beams[0].score <= worstFinished()) beams = [];
      if (beams.length === 0) break;
      last = beams.map((b) => b.tokens[b.tokens.length - 1]);
      past = present.map((t) => this.gather(t, parents));
    }
    finished.sort(byScore);
    truncated.sort(byScore);
    const out = finished;
    for (const h of truncated) {
      if (out.length >= o.nBest) break;
      out.push(h);
    }
    return out.map((h) => (h.tokens[h.tokens.length - 1] === EOS ? h.tokens.slice(0, -1) : h.tokens).join(' '));
  }
}

async function open(ort, dir) {
  const opts = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' };
  const encoder = await ort.InferenceSession.create(join(dir, 'encoder.onnx'), opts);
  const step = await ort.InferenceSession.create(join(dir, 'decoder_step.onnx'), opts);
  return new Peer(ort, encoder, step);
}

const asTyped = (s) => ({ points: s.points, kinematics: Float32Array.from(s.kinematics),
                          keys: BigInt64Array.from(s.keys, (k) => BigInt(k)) });

const maxDiff = (a, b) => {
  let m = 0;
  for (let i = 0; i < a.length; ++i) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

// onnx_export.py's check: the graphs against the torch module's outputs.
async function check(peer, file) {
  const ref = JSON.parse(readFileSync(file, 'utf8'));
  const cross = await peer.encode(asTyped(ref));
  let enc = 0;
  cross.forEach((t, i) => (enc = Math.max(enc, maxDiff(t.data, ref.cross[i]))));
  const b = ref.prefixes.length, len = ref.prefixes[0].length, v = ref.vocab;
  let past = peer.emptyCache(cross).map((t) => peer.gather(t, new Array(b).fill(0)));
  let dec = 0;
  for (let s = 0; s < len; ++s) {
    const { logits, present } = await peer.runStep(ref.prefixes.map((p) => p[s]), past, cross);
    for (let r = 0; r < b; ++r)
      for (let t = 0; t < v; ++t) dec = Math.max(dec, Math.abs(logits.data[r * v + t] - ref.logits[(r * len + s) * v + t]));
    past = present;
  }
  console.log(`onnx check: encoder graph (cross-attention keys/values) max abs diff ${enc.toExponential(2)}; ` +
              `decoder step graph (${len} cached steps, batch ${b}) logits max abs diff ${dec.toExponential(2)}`);
  if (!(enc < 1e-3 && dec < 1e-3)) {
    console.error('onnx check: the ONNX graphs do not reproduce the torch module');
    process.exit(1);
  }
}

async function main() {
  const a = parseArgs(process.argv);
  const ort = loadOrt(a.ortModules);
  const peer = await open(ort, a.onnxDir);
  if (a.check) return check(peer, a.check);
  const swipes = JSON.parse(readFileSync(a.inputs, 'utf8')).swipes.map(asTyped);
  const trie = buildTrie(readFileSync(a.words, 'utf8'));
  const o = { beam: a.beam, nBest: a.nBest, maxLength: a.maxLength };
  const pass = async (list) => {
    const timing = { encoder: 0, decode: 0, steps: {}, words: [] };
    for (const s of list) {
      const t0 = performance.now();
      const cross = await peer.encode(s);
      const t1 = performance.now();
      timing.words.push(await peer.search(cross, trie, o, timing));
      const t2 = performance.now();
      timing.encoder += (t1 - t0) / 1000;
      timing.decode += (t2 - t0) / 1000;
    }
    return timing;
  };
  await pass(swipes.slice(0, a.warmup));  // first runs allocate ORT's buffers
  let best = null;
  for (let p = 0; p < a.passes; ++p) {
    const t = await pass(swipes);
    if (!best || t.decode < best.decode) best = t;
  }
  // What one call costs apart from its graph: the best of 5 rounds of 1,000 runs of identity.onnx.
  let callS = null;
  const identity = join(a.onnxDir, 'identity.onnx');
  if (existsSync(identity)) {
    const session = await ort.InferenceSession.create(identity, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const x = new ort.Tensor('float32', new Float32Array(1), [1]);
    for (let i = 0; i < 100; ++i) await session.run({ x });
    for (let r = 0; r < 5; ++r) {
      const t0 = performance.now();
      for (let i = 0; i < 1000; ++i) await session.run({ x });
      const s = (performance.now() - t0) / 1e6;
      callS = callS === null ? s : Math.min(callS, s);
    }
  }
  writeFileSync(a.out, JSON.stringify({ ort_version: ort.env.versions?.node ?? '', encoder_s: best.encoder, decode_s: best.decode,
                                        steps: best.steps, call_s: callS, words: best.words }));
}

main().catch((e) => {
  console.error(`ort_decode: ${e.stack ?? e}`);
  process.exit(1);
});
