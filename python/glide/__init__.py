"""Glide: decoding swipe-keyboard gestures into words.

The Python binding of Glide's C++ library (python/glide_py.cpp, pybind11): the whole recognizer of
the `glide` CLI (Recognizer: recognize, recognize_batch, live swipes, the user's words), Glide's
searches over a decoder written in Python (run_search), datasets, metrics, aggregators and the
prediction table. Errors are glide.Error subclasses carrying Glide's messages. See docs/python.md.

    import glide
    rec = glide.Recognizer()  # the CLI's defaults: shipped English model, vocabulary, grids
    words = rec.recognize(x, y, t, grid="qwerty_english")  # [Word('hello', -11.8, 'vocabulary'), ...]
"""

from ._glide import (  # noqa: F401
    DEFAULT_GRIDS,
    DEFAULT_LITERAL_PARAMS,
    DEFAULT_MODEL,
    DEFAULT_RESCORE_PARAMS,
    DEFAULT_SEARCH,
    DEFAULT_VOCABULARY,
    SOURCE_DIR,
    BatchError,
    Borda,
    ConfigError,
    Error,
    Hypothesis,
    IOError,
    LiveOptions,
    LiveSwipe,
    MetricAccumulator,
    ModelInput,
    NumericError,
    ParseError,
    PredictionTable,
    Recognizer,
    ReciprocalRankFusion,
    RunKey,
    RunRecord,
    SearchResult,
    ShapeError,
    Swipe,
    UnknownNameError,
    Vocabulary,
    WeightedMerge,
    Word,
    hit_at,
    read_jsonl,
    run_search,
    swipe_mrr,
    write_jsonl,
)

__all__ = [
    "BatchError", "Borda", "ConfigError", "DEFAULT_GRIDS", "DEFAULT_LITERAL_PARAMS", "DEFAULT_MODEL",
    "DEFAULT_RESCORE_PARAMS", "DEFAULT_SEARCH", "DEFAULT_VOCABULARY", "Error", "Hypothesis", "IOError",
    "LiveOptions", "LiveSwipe", "MetricAccumulator", "ModelInput", "NumericError", "ParseError",
    "PredictionTable", "Recognizer", "ReciprocalRankFusion", "RunKey", "RunRecord", "SOURCE_DIR",
    "SearchResult", "ShapeError", "Swipe", "UnknownNameError", "Vocabulary", "WeightedMerge", "Word",
    "hit_at", "read_jsonl", "run_search", "swipe_mrr", "write_jsonl",
]
