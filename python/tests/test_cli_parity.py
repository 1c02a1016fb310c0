"""Python decoding with the defaults gives the CLI's words, origins and scores (glide predict)."""

import json
import os
import subprocess

import pytest

import glide
from conftest import SAMPLES, cli_path

TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def cli_predictions(tmp_path_factory):
    cli = cli_path()
    if not cli:
        pytest.skip("the glide CLI is not built (target glide_cli; ctest passes it as GLIDE_CLI)")
    assert os.path.exists(cli), f"GLIDE_CLI={cli} does not exist: build the target glide_cli"
    out = tmp_path_factory.mktemp("cli") / "predictions.jsonl"
    subprocess.run([cli, "predict", "--data", str(SAMPLES), "--out", str(out), "--threads", "1"], check=True,
                   capture_output=True)
    return [json.loads(line)["predictions"] for line in out.read_text().splitlines()]


def compare(cli, python):
    assert len(cli) == len(python)
    worst = 0.0
    for i, (a, b) in enumerate(zip(cli, python)):
        assert [p["word"] for p in a] == [w.word for w in b], f"swipe {i}"
        assert [p["origin"] for p in a] == [w.origin for w in b], f"swipe {i}"
        for p, w in zip(a, b):
            worst = max(worst, abs(p["score"] - w.score))
    assert worst <= TOLERANCE
    return worst


def test_recognize_equals_cli(cli_predictions, recognizer, samples):
    python = [recognizer.recognize(s.x, s.y, s.t, s.grid) for s in samples]
    worst = compare(cli_predictions, python)
    print(f"\n{len(samples)} sample swipes: words and origins equal, largest score difference {worst:.3g}")


def test_recognize_batch_equals_cli(cli_predictions, recognizer, samples):
    compare(cli_predictions, recognizer.recognize_batch(samples, threads=2))


def test_lists_and_numpy_give_the_same(recognizer, samples):
    import numpy as np
    s = samples[0]
    a = recognizer.recognize(list(map(float, s.x)), list(map(float, s.y)), list(map(float, s.t)), s.grid)
    b = recognizer.recognize(np.asarray(s.x, dtype=np.float64), s.y, s.t, grid=s.grid)
    assert a == b and len(a) == 4
