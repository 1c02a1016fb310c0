"""Bad arguments raise clear Python exceptions carrying Glide's messages; nothing crashes."""

import math

import numpy as np
import pytest

import glide
from conftest import ROOT


def test_error_hierarchy():
    for cls in (glide.IOError, glide.ParseError, glide.ShapeError, glide.UnknownNameError, glide.ConfigError,
                glide.NumericError, glide.BatchError):
        assert issubclass(cls, glide.Error)
    assert issubclass(glide.ShapeError, ValueError)
    assert issubclass(glide.IOError, OSError)
    assert issubclass(glide.UnknownNameError, LookupError)


def test_mismatched_lengths(recognizer):
    with pytest.raises(glide.ShapeError, match=r"different lengths \(3, 2, 3\)"):
        recognizer.recognize([1, 2, 3], [1, 2], [0, 10, 20], "qwerty_english")


def test_nan_and_infinity(recognizer):
    with pytest.raises(glide.ShapeError, match="point 1 is not finite"):
        recognizer.recognize([1, math.nan, 3], [1, 2, 3], [0, 10, 20], "qwerty_english")
    with pytest.raises(ValueError, match="point 2 is not finite"):
        recognizer.recognize(np.array([1, 2, 3]), [1, 2, 3], [0, 10, np.inf], "qwerty_english")


def test_empty_and_two_dimensional(recognizer):
    with pytest.raises(glide.ShapeError, match="no points"):
        recognizer.recognize([], [], [], "qwerty_english")
    with pytest.raises(glide.ShapeError, match="1-D"):
        recognizer.recognize(np.zeros((2, 2)), [1, 2], [0, 1], "qwerty_english")


def test_unknown_grid(recognizer):
    with pytest.raises(glide.UnknownNameError, match="no_such_grid"):
        recognizer.recognize([1, 2], [1, 2], [0, 10], "no_such_grid")
    with pytest.raises(glide.UnknownNameError, match="no_such_grid"):
        recognizer.begin("no_such_grid")


def test_wrong_types(recognizer):
    with pytest.raises(TypeError):
        recognizer.recognize("abc", [1, 2, 3], [0, 1, 2], "qwerty_english")
    with pytest.raises(TypeError):
        recognizer.recognize(None, [1], [0], "qwerty_english")
    with pytest.raises(TypeError):
        recognizer.recognize([1], [1], [0], 5)
    with pytest.raises(TypeError):
        recognizer.recognize([object()], [1], [0], "qwerty_english")
    with pytest.raises(TypeError):
        recognizer.recognize_batch([42])
    with pytest.raises(TypeError):
        recognizer.add_words("word")
    with pytest.raises(TypeError):
        glide.swipe_mrr("hello", "hello")


def test_missing_files(tmp_path):
    with pytest.raises(glide.IOError, match="nowhere"):
        glide.Recognizer(model_dir=str(tmp_path / "nowhere"))
    with pytest.raises(glide.IOError, match="no-vocabulary.tsv"):
        glide.Recognizer(vocabulary=str(tmp_path / "no-vocabulary.tsv"))
    with pytest.raises(glide.IOError, match="no-grids.json"):
        glide.Recognizer(grids=[str(tmp_path / "no-grids.json")])
    with pytest.raises(glide.IOError, match="missing.jsonl"):
        glide.read_jsonl(str(tmp_path / "missing.jsonl"))


def test_bad_files_and_options(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"word": "a", "curve": {"x": [1], "y": [1], "t": [0], "grid_name": "g"}}\n{not json\n')
    with pytest.raises(glide.ParseError, match="bad.jsonl:2"):
        glide.read_jsonl(str(bad))
    with pytest.raises(glide.UnknownNameError, match="unknown search 'sideways'"):
        glide.Recognizer(search="sideways")
    with pytest.raises(glide.UnknownNameError, match="no option 'width'"):
        glide.Recognizer(search="trie_beam:width=3")
    with pytest.raises(glide.ConfigError, match="alphabet"):
        glide.Recognizer(alphabet="abcж")
    with pytest.raises(glide.ConfigError):
        glide.Recognizer(grids=[])


def test_bad_ensembles():
    layout = str(ROOT / "models" / "multi-layout")
    with pytest.raises(glide.IOError, match="'/nonexistent' does not exist"):
        glide.Recognizer(ensemble=["/nonexistent"])
    with pytest.raises(glide.ConfigError, match="cannot spell the words of"):
        glide.Recognizer(ensemble=[str(ROOT / "models" / "ru-jcuken")])
    with pytest.raises(glide.ConfigError, match="3 ensemble weights for 2 models"):
        glide.Recognizer(ensemble=[layout], ensemble_weights=[1, 1, 1])
    with pytest.raises(glide.ConfigError, match="finite and > 0"):
        glide.Recognizer(ensemble=[layout], ensemble_weights=[1, math.nan], ensemble_method="words")
    with pytest.raises(glide.UnknownNameError, match="unknown ensemble method 'average'"):
        glide.Recognizer(ensemble=[layout], ensemble_method="average")
    with pytest.raises(glide.ConfigError, match="without ensemble models"):
        glide.Recognizer(ensemble_weights=[1.0])
    with pytest.raises(TypeError):
        glide.Recognizer(ensemble="models/multi-layout", ensemble_weights="1,1")


def test_batch_error_names_the_swipe(recognizer, samples):
    with pytest.raises(glide.BatchError, match="swipe 1: ") as e:
        recognizer.recognize_batch([samples[0], ([1, 2], [1], [0, 1], "qwerty_english")])
    assert e.value.index == 1


def test_live_errors(recognizer):
    live = recognizer.begin("qwerty_english")
    with pytest.raises(glide.ShapeError, match="without points"):
        live.finish()
    with pytest.raises(glide.NumericError, match="not finite"):
        live.add(1.0, math.nan, 0.0)
    with pytest.raises(glide.ShapeError):
        live.add([1, 2], [1], [0, 1])
    assert len(live) == 0 and live.partial(3) == []


def test_add_words_rejects_unspellable(recognizer):
    with pytest.raises(glide.ConfigError, match="nothing added"):
        recognizer.add_words(["fine", "日本"])
    assert not recognizer.in_vocabulary("日本")
    with pytest.raises(glide.ShapeError):
        recognizer.add_words(["one", "two"], weights=[1.0])
    with pytest.raises(glide.NumericError):
        recognizer.add_words(["one"], weights=[math.nan])


class BadDecoder:
    def __init__(self, result):
        self.result = result

    def init_state(self, memory, batch):
        return batch

    def step(self, memory, state, last):
        if isinstance(self.result, Exception):
            raise self.result
        return self.result

    def reorder(self, state, rows):
        return len(rows)


def test_python_decoder_errors():
    with pytest.raises(glide.ParseError, match="no words"):
        glide.Vocabulary(str(ROOT / "data" / "samples" / "en.jsonl"), "abc")  # the lines are no words
    with pytest.raises(glide.IOError, match="nothing.tsv"):
        glide.Vocabulary(str(ROOT / "nothing.tsv"), "abc")
    with pytest.raises(glide.ShapeError, match=r"shape \[1 x 5\], expected \[1 x 29\]"):
        glide.run_search(BadDecoder(np.zeros((1, 5))), None, "greedy", alphabet="abcdefghijklmnopqrstuvwxyz")
    with pytest.raises(glide.ShapeError, match="not an array"):
        glide.run_search(BadDecoder("scores"), None, "greedy", alphabet="abcdefghijklmnopqrstuvwxyz")
    with pytest.raises(KeyError, match="from python"):
        glide.run_search(BadDecoder(KeyError("from python")), None, "beam", vocab_size=29)
    nan = np.zeros((1, 29), dtype=np.float32)
    nan[0, 4] = np.nan
    with pytest.raises(glide.NumericError, match="token 4 is NaN"):
        glide.run_search(BadDecoder(nan), None, "greedy", vocab_size=29)
    with pytest.raises(TypeError, match="reorder"):
        glide.run_search(object(), None, "greedy", vocab_size=29)
    with pytest.raises(glide.ConfigError, match="needs a vocabulary"):
        glide.run_search(BadDecoder(nan), None, "trie_beam", vocab_size=29)
    with pytest.raises(glide.ConfigError, match="vocab_size"):
        glide.run_search(BadDecoder(nan), None, "greedy")
