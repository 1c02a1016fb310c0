#!/usr/bin/env python3
"""The seed's decoding, as it was done in Python, for glide_bench_peer to run side by side with Glide.

The same model (Glide's safetensors weights, read here without the safetensors package) in PyTorch
eager mode, one swipe at a time: the encoder, then a heap-based beam search of width --beam in which
every hypothesis re-runs the decoder over its whole prefix at every step (no KV cache, batch 1), and
the vocabulary is enforced by a dict from each prefix to the tokens that may follow it.

Input (--inputs, JSON written by glide_bench_peer): {"swipes": [{"points": T, "kinematics": [T*6
floats], "keys": [T ints]}, ...]}. --words: one word a line, as token ids separated by spaces.
Output (--out, JSON): {"seconds": decoding time of all swipes (model loading excluded),
"words": [[top words as token-id strings, best first], ...]}.
"""

import argparse
import heapq
import json
import math
import struct
import time

import torch
import torch.nn.functional as F

PAD, BOS, EOS = 0, 1, 2


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    body = memoryview(data)[8 + n :]
    out, int8 = {}, []
    for name, info in header.items():
        if name == "__metadata__":
            continue
        kind = {"F32": torch.float32, "I8": torch.int8}.get(info["dtype"])
        if kind is None:
            raise ValueError(f"{path}: tensor {name} is {info['dtype']}, expected F32 or I8")
        begin, end = info["data_offsets"]
        t = torch.frombuffer(bytearray(body[begin:end]), dtype=kind) if end > begin else torch.zeros(0, dtype=kind)
        out[name] = t.reshape(info["shape"]).float()
        if kind == torch.int8:
            int8.append(name)
    # int8 weights (glide quantize): one float scale a row in `<name>.scale`, as Glide dequantizes them.
    for name in int8:
        scale = out.pop(name + ".scale")
        out[name] = out[name] * scale.reshape((-1,) + (1,) * (out[name].dim() - 1))
    return out


def positions(length, d):
    pos = torch.arange(length, dtype=torch.float64).unsqueeze(1)
    i = torch.arange(d // 2, dtype=torch.float64)
    angle = pos / torch.pow(10000.0, 2.0 * i / d)
    return torch.stack([torch.sin(angle), torch.cos(angle)], 2).reshape(length, d).float()


class Model:
    def __init__(self, model_dir):
        with open(f"{model_dir}/config.json") as f:
            self.c = json.load(f)
        if self.c.get("encoder", "transformer") != "transformer" or self.c.get("decoder", "transformer") != "transformer":
            raise ValueError("the seed peer runs transformer encoders and decoders only")
        self.w = load_safetensors(f"{model_dir}/model.safetensors")
        self.d = self.c["d_model"]
        self.heads = self.c["heads"]

    def ln(self, x, name):
        return F.layer_norm(x, (self.d,), self.w[name + ".weight"], self.w[name + ".bias"], 1e-5)

    def lin(self, x, name):
        return F.linear(x, self.w[name + ".weight"], self.w[name + ".bias"])

    def attention(self, q_in, kv_in, name, causal):
        d, h = self.d, self.heads
        dh = d // h
        w, b = self.w[name + ".in_proj.weight"], self.w[name + ".in_proj.bias"]
        q = F.linear(q_in, w[:d], b[:d])
        kv = F.linear(kv_in, w[d:], b[d:])
        k, v = kv[:, :d], kv[:, d:]
        tq, tk = q.shape[0], k.shape[0]
        q = q.view(tq, h, dh).transpose(0, 1)
        k = k.view(tk, h, dh).transpose(0, 1)
        v = v.view(tk, h, dh).transpose(0, 1)
        scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(dh)
        if causal:
            scores = scores.masked_fill(torch.ones(tq, tk, dtype=torch.bool).triu(1), -1e9)
        o = torch.matmul(torch.softmax(scores, -1), v).transpose(0, 1).reshape(tq, d)
        return self.lin(o, name + ".out_proj")

    def ffn(self, x, name):
        return self.lin(F.gelu(self.lin(x, name + ".fc1")), name + ".fc2")

    def encode(self, kinematics, keys):
        x = self.lin(kinematics, "enc.in_proj") + self.w["enc.key_emb.weight"][keys]
        x = x + positions(x.shape[0], self.d)
        for i in range(self.c["encoder_layers"]):
            p = f"enc.layers.{i}"
            h = self.ln(x, p + ".attn_ln")
            x = x + self.attention(h, h, p + ".attn", False)
            x = x + self.ffn(self.ln(x, p + ".ffn_ln"), p + ".ffn")
        return self.ln(x, "enc.ln_f")

    def decode_last(self, memory, prefix):
        """Log-probabilities of the next token after `prefix` (start token first): the whole prefix
        runs through the decoder again, as the seed did."""
        x = self.w["dec.tok_emb.weight"][torch.tensor(prefix)]
        x = x + positions(len(prefix), self.d)
        for i in range(self.c["decoder_layers"]):
            p = f"dec.layers.{i}"
            h = self.ln(x, p + ".self_ln")
            x = x + self.attention(h, h, p + ".self_attn", True)
            x = x + self.attention(self.ln(x, p + ".cross_ln"), memory, p + ".cross_attn", False)
            x = x + self.ffn(self.ln(x, p + ".ffn_ln"), p + ".ffn")
        logits = self.lin(self.ln(x[-1:], "dec.ln_f"), "dec.out")[0]
        return torch.log_softmax(logits, -1)


def prefix_dict(words):
    """Every prefix (tuple of tokens) -> the tokens that may follow it (EOS where a word ends)."""
    allowed = {}
    for w in words:
        for i in range(len(w)):
            allowed.setdefault(tuple(w[:i]), set()).add(w[i])
        allowed.setdefault(tuple(w), set()).add(EOS)
    return allowed


def beam_search(model, memory, allowed, width, n_best, max_len):
    beams = [(0.0, (BOS,))]
    finished = []
    for _ in range(max_len + 1):
        heap = []  # min-heap of the best `width` extensions: (score, prefix)
        for score, prefix in beams:
            logp = model.decode_last(memory, list(prefix)).tolist()
            for t in allowed.get(prefix[1:], ()):
                cand = (score + logp[t], prefix + (t,))
                if len(heap) < width:
                    heapq.heappush(heap, cand)
                elif cand[0] > heap[0][0]:
                    heapq.heapreplace(heap, cand)
        beams = []
        for score, prefix in sorted(heap, reverse=True):
            if prefix[-1] == EOS:
                finished.append((score, prefix[1:-1]))
            else:
                beams.append((score, prefix))
        finished.sort(reverse=True)
        finished = finished[:n_best]
        if not beams or (len(finished) >= n_best and finished[-1][0] >= beams[0][0]):
            break
    return [" ".join(map(str, p)) for _, p in finished]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--inputs", required=True)
    ap.add_argument("--words", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--beam", type=int, default=6)
    ap.add_argument("--n-best", type=int, default=4)
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.set_grad_enabled(False)
    model = Model(a.model)
    with open(a.words) as f:
        words = [tuple(int(t) for t in line.split()) for line in f if line.strip()]
    allowed = prefix_dict(words)
    with open(a.inputs) as f:
        swipes = json.load(f)["swipes"]
    out = []
    t0 = time.perf_counter()
    for s in swipes:
        kin = torch.tensor(s["kinematics"], dtype=torch.float32).reshape(s["points"], 6)
        keys = torch.tensor(s["keys"], dtype=torch.long)
        memory = model.encode(kin, keys)
        out.append(beam_search(model, memory, allowed, a.beam, a.n_best, model.c["max_word_length"]))
    seconds = time.perf_counter() - t0
    with open(a.out, "w") as f:
        json.dump({"seconds": seconds, "words": out}, f)


if __name__ == "__main__":
    main()
