"""The binding's API: live swipes, user words, datasets, metrics, aggregators, the prediction table,
model inputs, and Glide's searches over a decoder written in Python."""

import numpy as np
import pytest

import glide

ALPHABET = "abcdefghijklmnopqrstuvwxyz"


def test_word_is_a_small_value(recognizer, samples):
    s = samples[0]
    words = recognizer.recognize(s.x, s.y, s.t, s.grid)
    word, score, origin = words[0]
    assert (word, origin) == (words[0].word, words[0].origin) and score == words[0].score
    assert origin in ("vocabulary", "user", "literal")
    assert "Word(" in repr(words[0])


def test_live_finish_equals_recognize(recognizer, samples):
    for s in samples[:5]:
        live = recognizer.begin(s.grid)
        for i, (x, y, t) in enumerate(zip(s.x, s.y, s.t)):
            live.add(float(x), float(y), float(t))
            if i % 5 == 4:
                assert len(live.partial(3)) <= 3
        assert len(live) == len(s)
        assert live.finish() == recognizer.recognize(s.x, s.y, s.t, s.grid)
        live.clear()
        live.add(np.float32(s.x[0]), np.float64(s.y[0]), int(s.t[0]))  # numpy and Python scalars
        live.add(s.x[1:], list(s.y[1:]), s.t[1:])  # the rest at once
        assert live.finish() == recognizer.recognize(s.x, s.y, s.t, s.grid)


def test_user_words():
    rec = glide.Recognizer()
    assert not rec.in_vocabulary("Zorbulax")
    assert rec.add_words(["Zorbulax"], weights=[1000.0]) == 1
    assert rec.in_vocabulary("Zorbulax") and rec.in_vocabulary("zorbulax")
    assert rec.remove_words(["Zorbulax", "notthere"]) == 1
    assert not rec.in_vocabulary("Zorbulax")


def test_datasets_round_trip(samples, tmp_path):
    path = tmp_path / "copy.jsonl"
    glide.write_jsonl(str(path), samples)
    again = glide.read_jsonl(str(path))
    assert [s.word for s in again] == [s.word for s in samples]
    assert all(np.array_equal(a.x, b.x) and np.array_equal(a.t, b.t) and a.grid == b.grid for a, b in zip(again, samples))
    made = glide.Swipe(np.array([1.0, 2.0]), [3, 4], [0, 10], "qwerty_english", word="hi")
    assert len(made) == 2 and made.word == "hi" and made.y.dtype == np.float32


def test_metrics():
    assert glide.swipe_mrr(["help", "hello"], "hello") == pytest.approx(0.1)
    assert glide.swipe_mrr([glide.Word("Boston", -1.0)], "boston") == 1.0
    assert glide.hit_at(["a", "b", "c"], "c", 3) and not glide.hit_at(["a", "b", "c"], "c", 2)
    acc = glide.MetricAccumulator()
    acc.add(["hello", "help"], "hello")
    acc.add([("help", -1.0), ("hello", -2.0)], "hello")
    assert acc.count == 2 and acc.accuracy_at_1 == 0.5 and acc.accuracy_at_4 == 1.0
    assert acc.mrr == pytest.approx(0.55)
    with pytest.raises(glide.ConfigError):
        glide.MetricAccumulator().mrr


def test_aggregators():
    a = [[("hello", -1.0), ("help", -2.0)], [("help", -0.1), ("hello", -3.0)]]
    merged = glide.WeightedMerge(weights=[1.0, 0.0])(a)
    assert merged[0].word == "hello"
    assert glide.Borda(weights=[0.0, 1.0])(a)[0].word == "help"
    assert {w.word for w in glide.ReciprocalRankFusion(top_k=1)(a)} <= {"hello", "help"}
    # Model 0 is right on both examples, model 1 on neither: fitting trusts model 0.
    validation = [[[("a", -1.0), ("b", -2.0)], [("c", -1.0), ("d", -2.0)]],
                  [[("b", -0.1), ("a", -5.0)], [("d", -0.1), ("c", -5.0)]]]
    agg = glide.WeightedMerge()
    assert agg.fit(validation, ["a", "c"]) == 1.0 and agg.fitted_mrr == 1.0
    assert agg.weights[0] > agg.weights[1]
    with pytest.raises(glide.ShapeError):
        glide.WeightedMerge(weights=[1.0])(a)


def test_prediction_table(tmp_path):
    key = glide.RunKey("en-qwerty", "fnv1a64:1", "*", "data.jsonl#fnv1a64:2", "trie_beam:beam_width=9")
    t = glide.PredictionTable()
    t.put(key, glide.RunRecord("p.jsonl", "0.9", "0.8", "0.95", "20"))
    path = str(tmp_path / "runs.csv")
    t.save(path)
    back = glide.PredictionTable.load(path)
    assert len(back) == 1 and back.find(key).mrr == "0.9" and back.text() == t.text()
    other = glide.PredictionTable()
    other.put(key, glide.RunRecord("q.jsonl", "0.1", "0.1", "0.1", "20"))
    with pytest.raises(glide.ConfigError, match="conflict"):
        back.merge(other)
    glide.PredictionTable.update(path, lambda table: table.put(glide.RunKey("m", "w", "g", "d", "s"), glide.RunRecord("x", "1", "1", "1", "1")))
    assert len(glide.PredictionTable.load(path)) == 2


def test_model_input(recognizer, samples):
    s = samples[0]
    inp = recognizer.input(s.x, s.y, s.t, s.grid)
    assert inp.kinematics.shape == (inp.points, 6) and inp.kinematics.dtype == np.float32
    assert inp.keys.shape == (inp.points,) and inp.keys.dtype == np.int64 and inp.key_weights is None
    assert 0 < inp.points <= 100 and np.isfinite(inp.kinematics).all()


# A decoder in Python: it prefers spelling one word (its letter at each step scores 0, other letters
# -4, the end token -6 before the word is complete, pad and start -inf). States are lists of prefixes changed in place,
# so the searches' copies must be cloned (copy.deepcopy) before they change: a search that branched
# without cloning would see the other branch's tokens.
class SpellingDecoder:
    def __init__(self, vocabulary, word):
        self.target = list(vocabulary.encode(word)) + [2]
        self.vocab = vocabulary.vocab_size
        self.calls = 0

    def init_state(self, memory, batch):
        assert memory == "the memory"
        return [[] for _ in range(batch)]

    def step(self, memory, state, last_tokens):
        self.calls += 1
        assert len(state) == len(last_tokens) and last_tokens.dtype == np.int64
        out = np.full((len(state), self.vocab), -4.0, dtype=np.float32)
        out[:, :2] = -np.inf  # pad and start are never next
        for r, t in enumerate(last_tokens):
            if t != 1:
                state[r].append(int(t))
            i = len(state[r])
            if state[r] == self.target[:i] and i < len(self.target):
                out[r, self.target[i]] = 0.0
            if i < len(self.target) - 1:
                out[r, 2] = -6.0
        return out

    def reorder(self, state, rows):
        state[:] = [list(state[r]) for r in rows]


class FunctionalSpellingDecoder(SpellingDecoder):
    """The same scores, with new states returned instead of changed ones (tuples are immutable)."""

    def init_state(self, memory, batch):
        return tuple(() for _ in range(batch))

    def step(self, memory, state, last_tokens):
        lists = [list(s) for s in state]
        out = SpellingDecoder.step(self, memory, lists, last_tokens)
        return out, tuple(tuple(s) for s in lists)

    def reorder(self, state, rows):
        return tuple(state[r] for r in rows)


@pytest.fixture(scope="module")
def small_vocabulary(tmp_path_factory):
    path = tmp_path_factory.mktemp("vocab") / "words.tsv"
    path.write_text("hello\t500\nhelp\t900\nhell\t100\nHelsinki\t50\nworld\t800\nyellow\t300\njello\t10\n")
    return glide.Vocabulary(str(path), ALPHABET, max_word_length=30)


@pytest.mark.parametrize("search", ["greedy", "beam:beam_width=4,n_best=3", "trie_beam:beam_width=4,n_best=3,prior_weight=0.3",
                                    "traversal:n_best=3", "hybrid:n_best=3", "best_first:n_best=3"])
def test_searches_over_a_python_decoder(small_vocabulary, search):
    vocab = small_vocabulary
    assert len(vocab) == 7 and "helsinki" in vocab
    in_place = SpellingDecoder(vocab, "hello")
    a = glide.run_search(in_place, "the memory", search, vocabulary=vocab)
    b = glide.run_search(FunctionalSpellingDecoder(vocab, "hello"), "the memory", search, vocabulary=vocab)
    assert a.words[0].word == "hello"
    assert [(h.tokens, h.score) for h in a.hypotheses] == [(h.tokens, h.score) for h in b.hypotheses]
    assert a.decoder_steps == in_place.calls > 0
    if search != "greedy":
        assert len(a.words) == 3
    if search.startswith("best_first"):
        # Exact: 5 letters at log-softmax(0; end -6; 25 letters -4), then the end token at log-softmax(0; 26 letters -4).
        expected = 5 * -np.log(1 + np.exp(-6) + 25 * np.exp(-4)) - np.log(1 + 26 * np.exp(-4))
        assert a.hypotheses[0].score == pytest.approx(expected, abs=1e-5)
        assert a.hypotheses[0].finished and a.hypotheses[0].tokens[-1] == 2


def test_display_forms_in_search_results(small_vocabulary):
    r = glide.run_search(SpellingDecoder(small_vocabulary, "helsinki"), "the memory", "trie_beam:beam_width=4,n_best=2",
                         vocabulary=small_vocabulary)
    assert r.words[0].word == "Helsinki"


def test_python_decoders_on_several_threads(small_vocabulary):
    """Searches run without the GIL and take it for each decoder call: Python threads searching at
    once (and one decoding a batch on C++ threads) all finish with their own results."""
    import threading

    targets = ["hello", "world", "yellow", "help"]
    results = {}

    def search(word):
        r = glide.run_search(SpellingDecoder(small_vocabulary, word), "the memory", "best_first:n_best=2", vocabulary=small_vocabulary)
        results[word] = r.words[0].word

    threads = [threading.Thread(target=search, args=(w,)) for w in targets * 3]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {w: w for w in targets}


def test_batch_on_threads_while_python_runs(recognizer, samples):
    import threading

    out = {}
    t = threading.Thread(target=lambda: out.setdefault("batch", recognizer.recognize_batch(samples * 2, threads=2)))
    t.start()
    alone = [recognizer.recognize(s.x, s.y, s.t, s.grid) for s in samples[:3]]  # meanwhile, on this thread
    t.join()
    assert out["batch"][:3] == alone and out["batch"][20:23] == alone


def test_every_binding_has_a_docstring():
    import inspect

    from glide import _glide

    def documented(obj):
        doc = (getattr(obj, "__doc__", None) or "").strip()
        if isinstance(obj, property):
            return bool(doc)
        # pybind11 puts the signature first; the docstring follows a blank line.
        return bool(doc) and ("\n\n" in doc or not doc.split("\n")[0].endswith(")") and "->" not in doc.split("\n")[0])

    missing = []
    for name, obj in vars(_glide).items():
        if name.startswith("__"):
            continue
        if inspect.isclass(obj):
            if not (obj.__doc__ or "").strip():
                missing.append(name)
            for attr, member in vars(obj).items():
                if attr.startswith("_") and attr not in ("__init__", "__call__", "__iter__", "__len__", "__contains__", "__eq__", "__repr__"):
                    continue
                if attr == "__init__" and issubclass(obj, BaseException):
                    continue
                if callable(member) or isinstance(member, property):
                    if not documented(member):
                        missing.append(f"{name}.{attr}")
        elif callable(obj) and not documented(obj):
            missing.append(name)
    assert missing == []


def test_ensemble_reads_the_samples(samples):
    """Two models, their word lists merged: the samples read as well as with one, scores are log-probabilities."""
    from conftest import ROOT
    rec = glide.Recognizer(ensemble=[str(ROOT / "models" / "multi-layout")], ensemble_method="words")
    hits = 0
    for s in samples:
        words = rec.recognize(s.x, s.y, s.t, s.grid)
        assert all(w.score <= 1e-6 for w in words)
        hits += words[0].word.lower() == s.word
    assert hits >= 0.9 * len(samples)
