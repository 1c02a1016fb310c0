#!/usr/bin/env python3
"""Exports the shipped transformer swipe model to ONNX, as ONNX-based keyboards run it, for
glide_bench_onnx_peer (bench/onnx_peer.cpp) to time against Glide with ONNX Runtime.

Two graphs, written to --out:
  encoder.onnx       kinematics [1 x T x 6] float, keys [1 x T] int64 (T dynamic) ->
                     cross_key_<i>, cross_value_<i> [1 x heads x T x d/heads] for every decoder layer
                     i: the encoder's output projected once per swipe to each layer's cross-attention
                     keys and values (the memory itself is not needed after that).
  decoder_step.onnx  tokens [B] int64 (the token each beam feeds; B dynamic), past_key_<i>,
                     past_value_<i> [B x heads x L x d/heads] (the self-attention cache of the L
                     tokens fed before; L dynamic, 0 at the first step), cross_key_<i>, cross_value_<i>
                     (the encoder graph's, shared by every beam) -> logits [B x vocab], present_key_<i>,
                     present_value_<i> [B x heads x (L+1) x d/heads].
  identity.onnx      one float in, the same out: ort_decode.mjs times it to measure what a call of
                     onnxruntime-node costs apart from the graph.
The model is python/tests/torch_model.py's SwipeModel (the same weights and layers Glide's Eigen
backend runs, to 2e-5); the cached step below reuses its layers' weights and modules.

Then (unless --no-check) the graphs are checked against the torch module on one synthetic swipe: the
encoder graph against SwipeModel's encoder, and a few cached steps of a batch of 3 prefixes against
SwipeModel's whole-prefix decoder; ONNX Runtime runs them (bench/peer/ort_decode.mjs --check, with
--node) since Debian has no Python ONNX Runtime, and the largest absolute differences are printed.

Usage: onnx_export.py [--model DIR] [--out DIR] [--node PATH] [--no-check]
"""

import argparse
import json
import math
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "python", "tests"))

import torch  # noqa: E402
import torch.onnx.operators  # noqa: E402
from torch import nn  # noqa: E402

from torch_model import SwipeModel, positions  # noqa: E402

OPSET = 14


def split_heads(x, heads):
    """[B x T x d] -> [B x heads x T x d/heads]."""
    b, t, d = x.shape
    return x.reshape(b, t, heads, d // heads).transpose(1, 2)


class EncoderGraph(nn.Module):
    """The encoder, then every decoder layer's cross-attention keys and values of its output."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        self.heads = model.config["heads"]

    def forward(self, kinematics, keys):
        memory = self.model.enc(kinematics, keys)
        d = memory.shape[-1]
        out = []
        for layer in self.model.dec.layers:
            w, b = layer.cross_attn.in_proj.weight, layer.cross_attn.in_proj.bias
            kv = nn.functional.linear(memory, w[d:], b[d:])
            out += [split_heads(kv[..., :d], self.heads), split_heads(kv[..., d:], self.heads)]
        return tuple(out)


class DecoderStepGraph(nn.Module):
    """One decoder step with a KV cache: SwipeModel's decoder layers applied to the newest token only."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        c = model.config
        self.heads, self.d = c["heads"], c["d_model"]
        self.register_buffer("pos_table", positions(c["max_word_length"] + 2, self.d))

    def attend(self, q, k, v):
        """q [B x H x 1 x dh] over k, v [B or 1 x H x L x dh] -> [B x d]."""
        scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(self.d // self.heads)
        o = torch.matmul(torch.softmax(scores, -1), v)
        return o.transpose(1, 2).reshape(q.shape[0], self.d)

    def forward(self, tokens, *kv):
        n = len(self.model.dec.layers)
        past, cross = kv[: 2 * n], kv[2 * n :]
        d, heads = self.d, self.heads
        # The new token's position is the number of tokens already cached.
        length = torch.onnx.operators.shape_as_tensor(past[0])[2:3]
        x = self.model.dec.tok_emb(tokens) + torch.index_select(self.pos_table, 0, length)
        x = x.unsqueeze(1)  # [B x 1 x d]
        present = []
        for i, layer in enumerate(self.model.dec.layers):
            h = layer.self_ln(x)
            qkv = layer.self_attn.in_proj(h)
            q, k, v = (split_heads(qkv[..., j * d : (j + 1) * d], heads) for j in range(3))
            k = torch.cat([past[2 * i], k], 2)
            v = torch.cat([past[2 * i + 1], v], 2)
            present += [k, v]
            x = x + layer.self_attn.out_proj(self.attend(q, k, v)).unsqueeze(1)
            ca = layer.cross_attn
            q = split_heads(nn.functional.linear(layer.cross_ln(x), ca.in_proj.weight[:d], ca.in_proj.bias[:d]), heads)
            x = x + ca.out_proj(self.attend(q, cross[2 * i], cross[2 * i + 1])).unsqueeze(1)
            x = x + layer.ffn(layer.ffn_ln(x))
        logits = self.model.dec.out(self.model.dec.ln_f(x))[:, 0]
        return (logits, *present)


def names(n, what):
    return [f"{what}_{kind}_{i}" for i in range(n) for kind in ("key", "value")]


def export(model, out):
    c = model.config
    n, heads, dh = c["decoder_layers"], c["heads"], c["d_model"] // c["heads"]
    os.makedirs(out, exist_ok=True)
    t = 17
    kin, keys = torch.randn(1, t, 6), torch.randint(3, 3 + len(c["alphabet"]), (1, t))
    cross_names = names(n, "cross")
    torch.onnx.export(
        EncoderGraph(model), (kin, keys), os.path.join(out, "encoder.onnx"), opset_version=OPSET,
        input_names=["kinematics", "keys"], output_names=cross_names,
        dynamic_axes={"kinematics": {1: "points"}, "keys": {1: "points"}, **{x: {2: "points"} for x in cross_names}})
    b, length = 3, 2
    tokens = torch.tensor([4, 5, 6])
    past = [torch.randn(b, heads, length, dh) for _ in range(2 * n)]
    cross = [torch.randn(1, heads, t, dh) for _ in range(2 * n)]
    past_names, present_names = names(n, "past"), names(n, "present")
    dyn = {"tokens": {0: "beams"}, "logits": {0: "beams"}}
    dyn.update({x: {0: "beams", 2: "past"} for x in past_names})
    dyn.update({x: {0: "beams", 2: "length"} for x in present_names})
    dyn.update({x: {2: "points"} for x in cross_names})
    torch.onnx.export(
        DecoderStepGraph(model), (tokens, *past, *cross), os.path.join(out, "decoder_step.onnx"), opset_version=OPSET,
        input_names=["tokens", *past_names, *cross_names], output_names=["logits", *present_names], dynamic_axes=dyn)
    import onnx
    from onnx import TensorProto, helper

    one = [1]
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "identity",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, one)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, one)])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)]), os.path.join(out, "identity.onnx"))


@torch.no_grad()
def reference(model, out):
    """A synthetic swipe, the torch outputs the graphs must reproduce: check.json."""
    c = model.config
    g = torch.Generator().manual_seed(27)
    t = 41
    kin = torch.randn(1, t, 6, generator=g)
    keys = torch.randint(3, 3 + len(c["alphabet"]), (1, t), generator=g)
    cross = EncoderGraph(model)(kin, keys)
    memory = model.enc(kin, keys)
    # Three prefixes of 5 tokens (start token first); the step graph must give the logits the whole-prefix
    # decoder gives at every position.
    prefixes = torch.cat([torch.ones(3, 1, dtype=torch.long), torch.randint(3, 3 + len(c["alphabet"]), (3, 4), generator=g)], 1)
    logits = model.dec(memory.expand(3, -1, -1), prefixes)
    ref = {
        "points": t,
        "kinematics": kin.flatten().tolist(),
        "keys": keys.flatten().tolist(),
        "cross": [x.flatten().tolist() for x in cross],
        "prefixes": prefixes.tolist(),
        "logits": logits.flatten().tolist(),
        "vocab": logits.shape[-1],
    }
    path = os.path.join(out, "check.json")
    with open(path, "w") as f:
        json.dump(ref, f)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=os.path.join(ROOT, "models", "en-qwerty"))
    ap.add_argument("--out", required=True)
    ap.add_argument("--node", default="node", help="node, for the check with ONNX Runtime")
    ap.add_argument("--no-check", action="store_true")
    a = ap.parse_args()
    torch.set_grad_enabled(False)
    model = SwipeModel(a.model)
    export(model, a.out)
    print(f"onnx_export: wrote {a.out}/encoder.onnx and {a.out}/decoder_step.onnx (opset {OPSET})")
    if a.no_check:
        return
    check = reference(model, a.out)
    r = subprocess.run([a.node, os.path.join(HERE, "ort_decode.mjs"), "--check", check, "--onnx-dir", a.out])
    if r.returncode != 0:
        sys.exit(f"onnx_export: the check with ONNX Runtime failed (exit {r.returncode})")


if __name__ == "__main__":
    main()
