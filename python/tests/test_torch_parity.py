"""A PyTorch decoder driven by Glide's trie beam search from Python gives the Eigen recognizer's
top-4 words: the shipped model (models/en-qwerty) written as a torch module (torch_model.py, its
weights read from model.safetensors), its encoder fed the recognizer's model input, on the first
100 How-We-Swipe validation swipes. Like with like: the recognizer runs the same search, without
geometric rescoring or literal spellings."""

import json
import os

import numpy as np
import pytest

import glide
from conftest import HWS, ROOT

torch = pytest.importorskip("torch", reason="torch is not importable by this Python (python3-torch: scripts/install-deps.sh --with-torch)")

SEARCH = "trie_beam:beam_width=9,n_best=4,prior_weight=0.3"
SWIPES = 100


def first_swipes(path, n):
    with open(path) as f:
        return [json.loads(next(f)) for _ in range(n)]


def test_torch_decoder_gives_the_eigen_top4():
    if not (HWS / "valid.jsonl").exists():
        pytest.skip(f"no How-We-Swipe data at {HWS}")
    from torch_model import SwipeModel, TorchDecoder

    torch.set_num_threads(1)
    rec = glide.Recognizer(grids=[str(HWS / "grids.json")], search=SEARCH, rescore_geometric=0.0, literal=False, top=4)
    model = SwipeModel(str(ROOT / "models" / "en-qwerty"))
    vocabulary = glide.Vocabulary(glide.DEFAULT_VOCABULARY, rec.alphabet, max_word_length=rec.max_word_length)
    assert len(vocabulary) == rec.word_count
    decoder = TorchDecoder(model)
    same, worst, rows = 0, 0.0, []
    for line in first_swipes(HWS / "valid.jsonl", SWIPES):
        c = line["curve"]
        eigen = rec.recognize(c["x"], c["y"], c["t"], c["grid_name"])
        memory = model.encode(rec.input(c["x"], c["y"], c["t"], c["grid_name"]))
        found = glide.run_search(decoder, memory, SEARCH, vocabulary=vocabulary, max_length=model.config["max_word_length"] + 2)
        mine = found.words[:4]
        rows.append((line["word"], [w.word for w in eigen], [w.word for w in mine]))
        if [w.word for w in eigen] == [w.word for w in mine]:
            same += 1
            worst = max(worst, max(abs(a.score - b.score) for a, b in zip(eigen, mine)))
    report = f"torch vs Eigen, trie beam, {SWIPES} How-We-Swipe valid swipes: top-4 identical on {same}, largest score difference {worst:.3g}"
    print("\n" + report)
    out = os.environ.get("GLIDE_TEST_DIR")
    if out:
        with open(os.path.join(out, "torch-parity.txt"), "w") as f:
            f.write(report + "\n")
    differing = [r for r in rows if r[1] != r[2]]
    assert same == SWIPES, f"{len(differing)} swipes differ, e.g. {differing[:3]}"
    assert worst < 1e-3
