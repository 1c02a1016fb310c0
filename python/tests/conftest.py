"""Shared fixtures of the Python suite (run by ctest's python.pytest through run.sh, or by hand:
PYTHONPATH=build/python /usr/bin/python3 -m pytest python/tests, from the repository root)."""

import os
import pathlib

import pytest

import glide

ROOT = pathlib.Path(glide.SOURCE_DIR)
SAMPLES = ROOT / "data" / "samples" / "en.jsonl"
HWS = ROOT.parent / "shared" / "data" / "how-we-swipe"


@pytest.fixture(scope="session")
def recognizer():
    """The CLI's defaults."""
    return glide.Recognizer()


@pytest.fixture(scope="session")
def samples():
    return glide.read_jsonl(str(SAMPLES))


@pytest.fixture()
def work(tmp_path):
    return tmp_path


def cli_path():
    cli = os.environ.get("GLIDE_CLI", "")
    if not cli:
        for guess in (ROOT / "build" / "examples" / "glide",):
            if guess.exists():
                return str(guess)
    return cli
