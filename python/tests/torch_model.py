"""The shipped transformer swipe model (models/en-qwerty) as a PyTorch module, for driving Glide's
searches from Python with a decoder of one's own (tests/test_torch_parity.py, docs/python.md).

The architecture and the weight names are exactly backends/torch/include/glide/backends/torch/
modules.hpp's (docs/models.md): a pre-norm transformer encoder over the swipe's points and a pre-norm
transformer decoder over characters. The weights are read from model.safetensors with numpy alone
(8-byte little-endian header length, a JSON header, raw little-endian data).
"""

import json
import math
import struct

import numpy as np
import torch
from torch import nn


def read_safetensors(path):
    """Every tensor of a safetensors file as a float32 numpy array, by name. int8 tensors (`glide
    quantize`) are dequantized with their `.scale` tensors (one scale a row), as Glide reads them."""
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        data = f.read()
    out, int8 = {}, []
    for name, info in header.items():
        if name == "__metadata__":
            continue
        kind = {"F32": "<f4", "I8": "i1"}.get(info["dtype"])
        if kind is None:
            raise ValueError(f"{path}: tensor {name} is {info['dtype']}, not F32 or I8")
        begin, end = info["data_offsets"]
        out[name] = np.frombuffer(data[begin:end], dtype=kind).reshape(info["shape"]).astype(np.float32)
        if kind == "i1":
            int8.append(name)
    for name in int8:
        scale = out.pop(name + ".scale")
        out[name] = out[name] * scale.reshape((-1,) + (1,) * (out[name].ndim - 1))
    return out


def positions(length, d):
    """Sinusoidal positions [length x d], computed in float64 as both backends do."""
    pos = torch.arange(length, dtype=torch.float64).unsqueeze(1)
    i = torch.arange(d // 2, dtype=torch.float64)
    angle = pos / torch.pow(10000.0, 2.0 * i / d)
    return torch.stack([torch.sin(angle), torch.cos(angle)], 2).reshape(length, d).float()


class Attention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads, self.dim = heads, d
        self.in_proj = nn.Linear(d, 3 * d)
        self.out_proj = nn.Linear(d, d)

    def forward(self, q_in, kv_in, causal):
        b, tq, tk, d = q_in.shape[0], q_in.shape[1], kv_in.shape[1], self.dim
        dh = d // self.heads
        w, bias = self.in_proj.weight, self.in_proj.bias
        q = nn.functional.linear(q_in, w[:d], bias[:d])
        kv = nn.functional.linear(kv_in, w[d:], bias[d:])
        k, v = kv[..., :d], kv[..., d:]
        q = q.view(b, tq, self.heads, dh).transpose(1, 2)
        k = k.view(b, tk, self.heads, dh).transpose(1, 2)
        v = v.view(b, tk, self.heads, dh).transpose(1, 2)
        scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(dh)
        if causal:
            scores = scores.masked_fill(torch.ones(tq, tk, dtype=torch.bool).triu(1), -1e9)
        o = torch.matmul(torch.softmax(scores, -1), v).transpose(1, 2).reshape(b, tq, d)
        return self.out_proj(o)


class FeedForward(nn.Module):
    def __init__(self, d, hidden):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(d, hidden), nn.Linear(hidden, d)

    def forward(self, x):
        return self.fc2(nn.functional.gelu(self.fc1(x)))


class EncoderLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["d_model"]
        self.attn_ln, self.attn = nn.LayerNorm(d, eps=1e-5), Attention(d, c["heads"])
        self.ffn_ln, self.ffn = nn.LayerNorm(d, eps=1e-5), FeedForward(d, c["ffn"])

    def forward(self, x):
        h = self.attn_ln(x)
        x = x + self.attn(h, h, False)
        return x + self.ffn(self.ffn_ln(x))


class Encoder(nn.Module):
    def __init__(self, c, vocab):
        super().__init__()
        d = c["d_model"]
        self.in_proj = nn.Linear(6, d)
        self.key_emb = nn.Embedding(vocab, d)
        self.layers = nn.ModuleList([EncoderLayer(c) for _ in range(c["encoder_layers"])])
        self.ln_f = nn.LayerNorm(d, eps=1e-5)

    def forward(self, kinematics, keys):
        x = self.in_proj(kinematics) + self.key_emb(keys)
        x = x + positions(x.shape[1], x.shape[2]).unsqueeze(0)
        for layer in self.layers:
            x = layer(x)
        return self.ln_f(x)


class DecoderLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, h = c["d_model"], c["heads"]
        self.self_ln, self.self_attn = nn.LayerNorm(d, eps=1e-5), Attention(d, h)
        self.cross_ln, self.cross_attn = nn.LayerNorm(d, eps=1e-5), Attention(d, h)
        self.ffn_ln, self.ffn = nn.LayerNorm(d, eps=1e-5), FeedForward(d, c["ffn"])

    def forward(self, x, memory):
        h = self.self_ln(x)
        x = x + self.self_attn(h, h, True)
        x = x + self.cross_attn(self.cross_ln(x), memory, False)
        return x + self.ffn(self.ffn_ln(x))


class Decoder(nn.Module):
    def __init__(self, c, vocab):
        super().__init__()
        d = c["d_model"]
        self.tok_emb = nn.Embedding(vocab, d)
        self.layers = nn.ModuleList([DecoderLayer(c) for _ in range(c["decoder_layers"])])
        self.ln_f = nn.LayerNorm(d, eps=1e-5)
        self.out = nn.Linear(d, vocab)

    def forward(self, memory, tokens):
        """Logits [B x L x V] for every position of `tokens` [B x L] (start token first)."""
        x = self.tok_emb(tokens)
        x = x + positions(x.shape[1], x.shape[2]).unsqueeze(0)
        for layer in self.layers:
            x = layer(x, memory)
        return self.out(self.ln_f(x))


class SwipeModel(nn.Module):
    """models/<name>: config.json + model.safetensors (a transformer encoder and decoder)."""

    def __init__(self, model_dir):
        super().__init__()
        with open(f"{model_dir}/config.json") as f:
            c = json.load(f)
        if c.get("encoder") != "transformer" or c.get("decoder") != "transformer" or c.get("soft_keys", 1) > 1:
            raise ValueError(f"{model_dir}: only the transformer encoder and decoder with nearest keys are written here")
        self.config = c
        vocab = 3 + len(c["alphabet"])
        self.enc, self.dec = Encoder(c, vocab), Decoder(c, vocab)
        weights = read_safetensors(f"{model_dir}/model.safetensors")
        mine = dict(self.named_parameters())
        if set(mine) != set(weights):
            raise ValueError(f"{model_dir}: weight names differ: {sorted(set(mine) ^ set(weights))[:5]}")
        with torch.no_grad():
            for name, p in mine.items():
                p.copy_(torch.from_numpy(weights[name]).reshape(p.shape))
        self.eval()

    @torch.no_grad()
    def encode(self, model_input):
        """The encoder output [1 x points x d] of a glide.ModelInput (Recognizer.input)."""
        kin = torch.from_numpy(np.asarray(model_input.kinematics)).unsqueeze(0)
        keys = torch.from_numpy(np.asarray(model_input.keys)).unsqueeze(0)
        return self.enc(kin, keys)


class TorchDecoder:
    """SwipeModel's decoder as the decoder glide.run_search drives: a state is the tokens fed so far
    [batch x steps] (each step re-runs the prefix: no cache, the reference the C++ torch backend is
    too); step and reorder return new states, so no state is ever changed in place."""

    def __init__(self, model):
        self.model = model

    def init_state(self, memory, batch):
        return torch.zeros((batch, 0), dtype=torch.long)

    @torch.no_grad()
    def step(self, memory, state, last_tokens):
        tokens = torch.cat([state, torch.from_numpy(last_tokens).long().unsqueeze(1)], 1)
        logits = self.model.dec(memory.expand(tokens.shape[0], -1, -1), tokens)[:, -1]
        return logits.numpy(), tokens

    def reorder(self, state, rows):
        return state[torch.from_numpy(rows)]
