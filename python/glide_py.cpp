// Glide's Python module (glide._glide), in the manner of CTranslate2's bindings: the C++ library's
// snake_case names, one main class per job (Recognizer), keyword arguments with the C++ (and CLI)
// defaults, the GIL released around decoding, Glide's errors as Python exceptions with their messages.
// A thin layer: every result comes from the library (loaded_recognizer, run_search, the metrics, the
// aggregators, the prediction table); nothing is decoded here.

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <glide/aggregate/aggregators.hpp>
#include <glide/backends/eigen/recognizer.hpp>
#include <glide/concepts/decoder.hpp>
#include <glide/core/error.hpp>
#include <glide/io/durable_file.hpp>
#include <glide/metrics/swipe_metrics.hpp>
#include <glide/search/search_config.hpp>
#include <glide/swipe/dataset.hpp>
#include <glide/swipe/prediction_table.hpp>
#include <glide/text/char_tokenizer.hpp>
#include <glide/vocab/trie.hpp>
#include <glide/vocab/word_list.hpp>

namespace py = pybind11;
namespace eg = glide::backends::eigen;

namespace {

// ---------------------------------------------------------------------------------------------
// Errors: glide.Error and one subclass per glide::error class, each also a subclass of the Python
// built-in exception it means (ShapeError is a ValueError, IOError an OSError, ...).

struct error_classes {
  PyObject* base = nullptr;
  PyObject* io = nullptr;
  PyObject* parse = nullptr;
  PyObject* shape = nullptr;
  PyObject* unknown_name = nullptr;
  PyObject* config = nullptr;
  PyObject* numeric = nullptr;
  PyObject* batch = nullptr;
};
error_classes errors;

PyObject* new_error(py::module_& m, const char* name, PyObject* base, PyObject* builtin, const char* doc) {
  const std::string qualified = std::string("glide._glide.") + name;
  py::tuple bases = builtin ? py::make_tuple(py::handle(base), py::handle(builtin)) : py::make_tuple(py::handle(base));
  PyObject* cls = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases.ptr(), nullptr);
  if (!cls) throw py::error_already_set();
  m.add_object(name, py::handle(cls));
  return cls;
}

// ---------------------------------------------------------------------------------------------
// Words, swipes, arrays.

/// One decoded word: the word as displayed, its score (a log-probability, higher is better) and where
/// it came from ("vocabulary", "user" or "literal").
struct py_word {
  std::string word;
  float score = 0;
  std::string origin = "vocabulary";
};

std::vector<py_word> to_words(const glide::prediction& p) {
  std::vector<py_word> out;
  out.reserve(p.size());
  for (const auto& w : p) out.push_back({w.word, w.score, glide::origin_name(w.origin)});
  return out;
}

glide::word_origin origin_of(const std::string& name) {
  if (name == "vocabulary") return glide::word_origin::vocabulary;
  if (name == "user") return glide::word_origin::user;
  if (name == "literal") return glide::word_origin::literal;
  throw glide::unknown_name_error("unknown word origin '" + name + "' (known: vocabulary, user, literal)");
}

/// A ranked list from Python: Word objects, (word, score) pairs or plain strings (scored by rank).
glide::prediction to_prediction(const py::handle& list, const char* what) {
  glide::prediction out;
  if (py::isinstance<py::str>(list)) throw py::type_error(std::string(what) + ": expected a list of words, got a str");
  std::size_t rank = 0;
  for (const auto& item : py::iter(list)) {
    if (py::isinstance<py_word>(item)) {
      const auto& w = item.cast<const py_word&>();
      out.push_back({w.word, w.score, origin_of(w.origin)});
    } else if (py::isinstance<py::str>(item)) {
      out.push_back({item.cast<std::string>(), -static_cast<float>(rank)});
    } else if (py::isinstance<py::tuple>(item) && py::len(item) == 2) {
      auto t = item.cast<py::tuple>();
      const auto score = t[1].cast<float>();
      if (!std::isfinite(score)) throw glide::numeric_error(std::string(what) + ": the score of '" + t[0].cast<std::string>() + "' is not finite");
      out.push_back({t[0].cast<std::string>(), score});
    } else {
      throw py::type_error(std::string(what) + ": each item must be a glide.Word, a (word, score) tuple or a str, not " +
                           std::string(py::str(py::type::of(item).attr("__name__"))));
    }
    ++rank;
  }
  return out;
}

std::vector<std::string> to_strings(const py::handle& list, const char* what) {
  std::vector<std::string> out;
  for (const auto& w : to_prediction(list, what)) out.push_back(w.word);
  return out;
}

using float_array = py::array_t<float, py::array::c_style | py::array::forcecast>;

/// A 1-D array of floats (a numpy array, a list, anything numpy converts); copies only what it must.
std::vector<float> to_floats(const py::handle& values, const char* name, bool allow_scalar = false) {
  if (values.is_none() || py::isinstance<py::str>(values) || py::isinstance<py::bytes>(values))
    throw py::type_error(std::string(name) + ": expected a sequence of numbers, got " + std::string(py::str(py::type::of(values).attr("__name__"))));
  float_array a;
  try {
    a = float_array::ensure(values);
  } catch (py::error_already_set&) {
    a = float_array{};
  }
  if (!a) {
    PyErr_Clear();
    throw py::type_error(std::string(name) + ": expected a sequence of numbers, got " + std::string(py::str(py::type::of(values).attr("__name__"))));
  }
  if (allow_scalar && a.ndim() == 0) return {*a.data()};  // one number (a Python or numpy scalar)
  if (a.ndim() != 1) throw glide::shape_error(std::string(name) + ": expected a 1-D array, got " + std::to_string(a.ndim()) + " dimensions");
  return {a.data(), a.data() + a.size()};
}

glide::swipe::swipe_curve to_curve(const py::handle& x, const py::handle& y, const py::handle& t, std::string grid) {
  glide::swipe::swipe_curve c;
  c.x = to_floats(x, "x");
  c.y = to_floats(y, "y");
  c.t = to_floats(t, "t");
  c.grid_name = std::move(grid);
  if (c.grid_name.empty()) throw glide::unknown_name_error("grid: a grid name is required (e.g. 'qwerty_english')");
  glide::swipe::validate_curve(c, "swipe: ");
  return c;
}

py::array_t<float> to_array(const std::vector<float>& v) { return py::array_t<float>(static_cast<py::ssize_t>(v.size()), v.data()); }

// ---------------------------------------------------------------------------------------------
// A decoder written in Python, as a glide::Decoder: every search of run_search drives it. Searches
// run with the GIL released; each callback takes it. States are Python objects shared on copy and
// cloned (decoder.copy_state, else copy.deepcopy) before a copy is stepped or reordered, so a copy
// evolves independently of the original (the Decoder concept's copy law) and unbranched states are
// never cloned.

/// A Python reference whose release takes the GIL (states are destroyed inside the searches).
struct py_ref {
  explicit py_ref(py::object o) : obj{std::move(o)} {}
  py_ref(const py_ref&) = delete;
  py_ref& operator=(const py_ref&) = delete;
  ~py_ref() {
    if (obj) {
      py::gil_scoped_acquire gil;
      obj = py::object();
    }
  }
  py::object obj;
};

class python_decoder {
 public:
  struct memory_type {
    py::handle obj;  // borrowed: run_search's caller holds it
  };
  struct state_type {
    std::shared_ptr<py_ref> obj;
    std::size_t batch = 0;
    std::vector<float> logits;
  };

  python_decoder(py::object decoder, std::size_t vocab_size, glide::token_id bos, glide::token_id eos, std::size_t max_length)
      : decoder_{std::move(decoder)}, vocab_size_{vocab_size}, bos_{bos}, eos_{eos}, max_length_{max_length} {
    for (const char* name : {"init_state", "step", "reorder"})
      if (!py::hasattr(decoder_, name)) throw py::type_error(std::string("decoder: has no method '") + name + "' (needs init_state, step, reorder)");
    has_copy_ = py::hasattr(decoder_, "copy_state");
    deepcopy_ = py::module_::import("copy").attr("deepcopy");
  }

  [[nodiscard]] std::size_t vocab_size() const noexcept { return vocab_size_; }
  [[nodiscard]] glide::token_id bos_id() const noexcept { return bos_; }
  [[nodiscard]] glide::token_id eos_id() const noexcept { return eos_; }
  [[nodiscard]] std::size_t max_length() const noexcept { return max_length_; }
  [[nodiscard]] std::size_t batch_size(const state_type& s) const noexcept { return s.batch; }

  state_type init_state(const memory_type& m, std::size_t batch) {
    py::gil_scoped_acquire gil;
    py::object s = decoder_.attr("init_state")(m.obj, batch);
    return {std::make_shared<py_ref>(std::move(s)), batch, {}};
  }

  glide::logits_view step(const memory_type& m, state_type& s, std::span<const glide::token_id> last) {
    if (last.size() != s.batch)
      throw glide::shape_error("decoder.step: " + std::to_string(last.size()) + " tokens for a state of " + std::to_string(s.batch) + " rows");
    py::gil_scoped_acquire gil;
    own(s);
    py::array_t<std::int64_t> tokens(static_cast<py::ssize_t>(last.size()));
    for (std::size_t i = 0; i < last.size(); ++i) tokens.mutable_at(static_cast<py::ssize_t>(i)) = last[i];
    py::object r = decoder_.attr("step")(m.obj, s.obj->obj, tokens);
    if (py::isinstance<py::tuple>(r) && py::len(r) == 2) {  // (scores, new state): a functional decoder
      auto t = r.cast<py::tuple>();
      s.obj = std::make_shared<py_ref>(t[1]);
      r = t[0];
    }
    auto a = float_array::ensure(r);
    if (!a) {
      PyErr_Clear();
      throw glide::shape_error("decoder.step: returned " + std::string(py::str(py::type::of(r).attr("__name__"))) +
                               ", not an array of scores [batch x vocab]");
    }
    if (a.ndim() != 2 || static_cast<std::size_t>(a.shape(0)) != s.batch || static_cast<std::size_t>(a.shape(1)) != vocab_size_)
      throw glide::shape_error("decoder.step: returned scores of shape " + shape_text(a) + ", expected [" + std::to_string(s.batch) + " x " +
                               std::to_string(vocab_size_) + "]");
    s.logits.assign(a.data(), a.data() + a.size());
    return {s.logits.data(), s.batch, vocab_size_};
  }

  void reorder(state_type& s, std::span<const std::size_t> rows) {
    for (auto r : rows)
      if (r >= s.batch) throw glide::shape_error("decoder.reorder: row " + std::to_string(r) + " of a state of " + std::to_string(s.batch) + " rows");
    py::gil_scoped_acquire gil;
    own(s);
    py::array_t<std::int64_t> index(static_cast<py::ssize_t>(rows.size()));
    for (std::size_t i = 0; i < rows.size(); ++i) index.mutable_at(static_cast<py::ssize_t>(i)) = static_cast<std::int64_t>(rows[i]);
    py::object r = decoder_.attr("reorder")(s.obj->obj, index);
    if (!r.is_none()) s.obj = std::make_shared<py_ref>(std::move(r));  // a decoder that returns the new state
    s.batch = rows.size();
    s.logits.clear();
  }

 private:
  // Clones a state other copies share before it changes (GIL held).
  void own(state_type& s) {
    if (s.obj.use_count() <= 1) return;
    py::object copy = has_copy_ ? decoder_.attr("copy_state")(s.obj->obj) : deepcopy_(s.obj->obj);
    s.obj = std::make_shared<py_ref>(std::move(copy));
  }
  static std::string shape_text(const py::array& a) {
    std::string s = "[";
    for (py::ssize_t i = 0; i < a.ndim(); ++i) s += (i ? " x " : "") + std::to_string(a.shape(i));
    return s + "]";
  }

  py::object decoder_;
  py::object deepcopy_;
  bool has_copy_ = false;
  std::size_t vocab_size_;
  glide::token_id bos_, eos_;
  std::size_t max_length_;
};
static_assert(glide::Decoder<python_decoder>);
static_assert(glide::BoundedDecoder<python_decoder>);

// ---------------------------------------------------------------------------------------------
// A vocabulary for searches run from Python: a word list read into the compact trie, spelled by the
// tokenizer of an alphabet, as the recognizer reads one (folded; display forms kept).

class py_vocabulary {
 public:
  py_vocabulary(const std::string& path, const std::string& alphabet, std::size_t max_word_length, std::size_t top_words)
      : tokenizer_{alphabet} {
    auto list = glide::read_word_list(path, tokenizer_, {.skip_unencodable = true, .max_tokens = max_word_length, .fold = true});
    if (top_words != 0 && list.words.size() > top_words) list.words.resize(top_words);
    display_ = glide::display_forms(list, tokenizer_);
    trie_ = glide::vocabulary_trie::build(std::move(list.words));
  }
  [[nodiscard]] const glide::vocabulary_trie& trie() const noexcept { return trie_; }
  [[nodiscard]] const glide::char_tokenizer& tokenizer() const noexcept { return tokenizer_; }
  [[nodiscard]] std::string shown(const std::string& spelled) const {
    const auto it = display_.find(spelled);
    return it == display_.end() ? spelled : it->second;
  }

 private:
  glide::char_tokenizer tokenizer_;
  std::unordered_map<std::string, std::string> display_;
  glide::vocabulary_trie trie_;
};

/// One search result: the tokens (end token included when finished), the score and, with a
/// vocabulary, the word as displayed.
struct py_hypothesis {
  std::vector<glide::token_id> tokens;
  float score = 0;
  bool finished = false;
  std::string word;
};

struct py_search_result {
  std::vector<py_hypothesis> hypotheses;
  std::size_t decoder_steps = 0;
  std::size_t expanded = 0;
  [[nodiscard]] std::vector<py_word> words() const {
    std::vector<py_word> out;
    for (const auto& h : hypotheses)
      if (std::none_of(out.begin(), out.end(), [&](const py_word& w) { return w.word == h.word; })) out.push_back({h.word, h.score, "vocabulary"});
    return out;
  }
};

// ---------------------------------------------------------------------------------------------
// The recognizer and its live swipes.

struct py_recognizer {
  std::unique_ptr<eg::loaded_recognizer> r;
};

struct py_live {
  std::unique_ptr<eg::live_swipe> swipe;
  std::mutex mutex;  // one decode at a time (the GIL is released while it runs)
};

template <class F>
auto without_gil(F&& f) {
  py::gil_scoped_release release;
  return f();
}

std::vector<glide::swipe::swipe_curve> to_curves(const py::handle& swipes) {
  std::vector<glide::swipe::swipe_curve> out;
  if (py::isinstance<py::str>(swipes)) throw py::type_error("swipes: expected a list of glide.Swipe or (x, y, t, grid) tuples, got a str");
  std::size_t i = 0;
  for (const auto& s : py::iter(swipes)) {
    if (py::isinstance<glide::swipe::swipe_example>(s)) {
      out.push_back(s.cast<const glide::swipe::swipe_example&>().curve);
    } else if (py::isinstance<py::tuple>(s) && py::len(s) == 4) {
      auto t = s.cast<py::tuple>();
      if (!py::isinstance<py::str>(t[3])) throw py::type_error("swipes[" + std::to_string(i) + "]: the grid must be a str");
      try {
        out.push_back(to_curve(t[0], t[1], t[2], t[3].cast<std::string>()));
      } catch (const glide::error& e) {
        throw eg::batch_error(i, e.what());
      }
    } else {
      throw py::type_error("swipes[" + std::to_string(i) + "]: expected a glide.Swipe or an (x, y, t, grid) tuple, not " +
                           std::string(py::str(py::type::of(s).attr("__name__"))));
    }
    ++i;
  }
  return out;
}

}  // namespace

PYBIND11_MODULE(_glide, m) {
  m.doc() = "Glide: decoding swipe-keyboard gestures into words (the C++ library's Python binding).";

  // Errors ------------------------------------------------------------------------------------
  errors.base = new_error(m, "Error", PyExc_RuntimeError, nullptr, "Base of every error Glide raises; the message names the input.");
  errors.io = new_error(m, "IOError", errors.base, PyExc_OSError, "A file could not be opened, read or written.");
  errors.parse = new_error(m, "ParseError", errors.base, PyExc_ValueError, "Text (JSON, CSV, a word list, UTF-8) that does not parse.");
  errors.shape = new_error(m, "ShapeError", errors.base, PyExc_ValueError,
                           "Arrays of the wrong shape or size: x, y and t of different lengths, an empty swipe, a NaN point.");
  errors.unknown_name = new_error(m, "UnknownNameError", errors.base, PyExc_LookupError,
                                  "A name (grid, search, search option, character) that is not known.");
  errors.config = new_error(m, "ConfigError", errors.base, PyExc_ValueError, "An option or configuration value out of its domain.");
  errors.numeric = new_error(m, "NumericError", errors.base, PyExc_ValueError, "A value that must be a finite number is not.");
  errors.batch = new_error(m, "BatchError", errors.base, nullptr,
                           "recognize_batch's error: the first swipe that failed ('swipe INDEX: why'); .index is its index.");
  py::register_exception_translator([](std::exception_ptr p) {
    if (!p) return;
    try {
      std::rethrow_exception(p);
    } catch (const eg::batch_error& e) {
      py::object err = py::reinterpret_borrow<py::object>(errors.batch)(e.what());
      err.attr("index") = e.index();
      PyErr_SetObject(errors.batch, err.ptr());
    } catch (const glide::io_error& e) {
      PyErr_SetString(errors.io, e.what());
    } catch (const glide::parse_error& e) {
      PyErr_SetString(errors.parse, e.what());
    } catch (const glide::shape_error& e) {
      PyErr_SetString(errors.shape, e.what());
    } catch (const glide::unknown_name_error& e) {
      PyErr_SetString(errors.unknown_name, e.what());
    } catch (const glide::config_error& e) {
      PyErr_SetString(errors.config, e.what());
    } catch (const glide::numeric_error& e) {
      PyErr_SetString(errors.numeric, e.what());
    } catch (const glide::error& e) {
      PyErr_SetString(errors.base, e.what());
    }
  });

  // Defaults (the CLI's, from this build's source and vocabulary directories) ------------------
  m.attr("SOURCE_DIR") = GLIDE_SOURCE_DIR;
  m.attr("DEFAULT_MODEL") = GLIDE_SOURCE_DIR "/models/en-qwerty";
  m.attr("DEFAULT_VOCABULARY") = GLIDE_VOCAB_DIR "/en.tsv";
  m.attr("DEFAULT_GRIDS") = py::make_tuple(GLIDE_SOURCE_DIR "/data/grids/grids.json");
  m.attr("DEFAULT_SEARCH") = eg::default_search;
  m.attr("DEFAULT_RESCORE_PARAMS") = GLIDE_SOURCE_DIR "/configs/rescore-en.json";
  m.attr("DEFAULT_LITERAL_PARAMS") = GLIDE_SOURCE_DIR "/configs/literal-en.json";

  // Word ----------------------------------------------------------------------------------------
  py::class_<py_word>(m, "Word", "A decoded word: `word` as displayed (UTF-8), `score` (a log-probability, higher is better) and "
                                 "`origin` ('vocabulary', 'user' or 'literal'). Unpacks as (word, score, origin).")
      .def(py::init([](std::string word, float score, std::string origin) {
             (void)origin_of(origin);
             return py_word{std::move(word), score, std::move(origin)};
           }),
           py::arg("word"), py::arg("score") = 0.0F, py::arg("origin") = "vocabulary", "A word with its score and origin.")
      .def_readonly("word", &py_word::word, "The word as displayed (case, apostrophes, diacritics as the vocabulary writes it).")
      .def_readonly("score", &py_word::score, "Its score: a log-probability plus the pipeline's rescoring; higher is better.")
      .def_readonly("origin", &py_word::origin, "'vocabulary', 'user' (the user's dictionary) or 'literal' (the model's own spelling).")
      .def("__iter__", [](const py_word& w) { return py::iter(py::make_tuple(w.word, w.score, w.origin)); }, "Iterates (word, score, origin).")
      .def("__eq__", [](const py_word& a, const py_word& b) { return a.word == b.word && a.score == b.score && a.origin == b.origin; },
           "Equal word, score (exactly) and origin.")
      .def("__repr__", [](const py_word& w) {
        return "Word(" + std::string(py::repr(py::str(w.word))) + ", " + std::string(py::repr(py::float_(w.score))) + ", '" + w.origin + "')";
      }, "A readable form.");

  // Swipe and datasets ----------------------------------------------------------------------------
  py::class_<glide::swipe::swipe_example>(
      m, "Swipe", "One swipe: points x, y (the grid's pixels) and t (milliseconds), the grid's name and, in labelled data, the target word.")
      .def(py::init([](const py::handle& x, const py::handle& y, const py::handle& t, std::string grid, std::string word) {
             return glide::swipe::swipe_example{std::move(word), to_curve(x, y, t, std::move(grid))};
           }),
           py::arg("x"), py::arg("y"), py::arg("t"), py::arg("grid"), py::arg("word") = "",
           "A swipe from 1-D sequences of equal length (numpy arrays or lists) on the named grid; NaN or "
           "mismatched lengths raise ShapeError.")
      .def_readwrite("word", &glide::swipe::swipe_example::word, "The target word ('' when the data has none).")
      .def_property_readonly("x", [](const glide::swipe::swipe_example& e) { return to_array(e.curve.x); }, "x in pixels (float32 array, a copy).")
      .def_property_readonly("y", [](const glide::swipe::swipe_example& e) { return to_array(e.curve.y); }, "y in pixels (float32 array, a copy).")
      .def_property_readonly("t", [](const glide::swipe::swipe_example& e) { return to_array(e.curve.t); }, "t in milliseconds (float32 array, a copy).")
      .def_property_readonly("grid", [](const glide::swipe::swipe_example& e) { return e.curve.grid_name; },
                             "The grid's name ('' when the line carries its own grid).")
      .def_property_readonly("has_grid", [](const glide::swipe::swipe_example& e) { return e.curve.grid.has_value(); },
                             "True when the swipe carries its own keyboard grid (Yandex Cup lines).")
      .def("__len__", [](const glide::swipe::swipe_example& e) { return e.curve.size(); }, "The number of points.")
      .def("__repr__", [](const glide::swipe::swipe_example& e) {
        return "Swipe(word=" + std::string(py::repr(py::str(e.word))) + ", points=" + std::to_string(e.curve.size()) + ", grid=" +
               std::string(py::repr(py::str(e.curve.grid_name))) + ")";
      }, "A readable form.");

  m.def(
      "read_jsonl", [](const std::string& path) { return without_gil([&] { return glide::swipe::read_jsonl(path); }); }, py::arg("path"),
      "Reads a dataset of JSON lines ({\"word\": ..., \"curve\": {\"x\", \"y\", \"t\", \"grid_name\" or \"grid\"}}) into a list of Swipe. "
      "A missing file raises IOError; a bad line ParseError naming the file and line.");
  m.def(
      "write_jsonl",
      [](const std::string& path, const std::vector<glide::swipe::swipe_example>& swipes) {
        without_gil([&] {
          std::ostringstream out;
          for (const auto& s : swipes) glide::swipe::write_jsonl(out, s);
          glide::io::write_file_durably(path, out.str(), "dataset");
        });
      },
      py::arg("path"), py::arg("swipes"),
      "Writes swipes as JSON lines (read_jsonl's format), replacing `path` durably: all of it or, on a failure (IOError), the old file.");

  // Metrics ---------------------------------------------------------------------------------------
  m.def(
      "swipe_mrr", [](const py::handle& words, const std::string& target) { return glide::swipe_mrr(to_strings(words, "words"), target); },
      py::arg("words"), py::arg("target"),
      "Swipe MRR of one ranked list (Words, (word, score) tuples or strings, best first): 1, 0.1, 0.09, 0.08 for the target "
      "at rank 1-4 among distinct words (compared folded: 'Boston' hits 'boston'), else 0.");
  m.def(
      "hit_at", [](const py::handle& words, const std::string& target, std::size_t k) { return glide::hit_at(to_strings(words, "words"), target, k); },
      py::arg("words"), py::arg("target"), py::arg("k"), "True when the target is among the first k distinct words.");
  py::class_<glide::metric_accumulator>(m, "MetricAccumulator", "Mean Swipe MRR and accuracy@1 / @4 over a dataset.")
      .def(py::init<>(), "An empty accumulator.")
      .def(
          "add", [](glide::metric_accumulator& a, const py::handle& words, const std::string& target) { a.add(to_strings(words, "words"), target); },
          py::arg("words"), py::arg("target"), "Adds one swipe's ranked words and its target.")
      .def_property_readonly("count", &glide::metric_accumulator::count, "Swipes added.")
      .def_property_readonly("mrr", &glide::metric_accumulator::mrr, "Mean Swipe MRR (ConfigError when nothing was added).")
      .def_property_readonly("accuracy_at_1", &glide::metric_accumulator::accuracy_at_1, "Share of targets ranked first.")
      .def_property_readonly("accuracy_at_4", &glide::metric_accumulator::accuracy_at_4, "Share of targets among the first 4 distinct words.");

  // Aggregators -----------------------------------------------------------------------------------
  auto aggregator = [&m]<class A>(const char* name, const char* doc) {
    py::class_<A>(m, name, doc)
        .def(py::init([](std::vector<float> weights, std::size_t top_k) {
               A a;
               a.weights = std::move(weights);
               a.top_k = top_k;
               return a;
             }),
             py::arg("weights") = std::vector<float>{}, py::arg("top_k") = 0,
             "weights: one per model (empty: all 1; a larger weight means more trust); top_k: words kept (0: all).")
        .def_readwrite("weights", &A::weights, "One weight per model (empty: all 1).")
        .def_readwrite("top_k", &A::top_k, "Words kept (0: all).")
        .def_readonly("fitted_mrr", &A::fitted_mrr, "The validation Swipe MRR fit() reached.")
        .def(
            "__call__",
            [](const A& a, const py::list& per_model) {
              std::vector<glide::prediction> lists;
              for (const auto& l : per_model) lists.push_back(to_prediction(l, "per_model"));
              return to_words(a(lists));
            },
            py::arg("per_model"), "Merges one input's ranked lists (one per model) into one ranked list of Words.")
        .def(
            "fit",
            [](A& a, const py::list& validation, const std::vector<std::string>& targets) {
              std::vector<std::vector<glide::prediction>> v;
              for (const auto& model : validation) {
                v.emplace_back();
                for (const auto& l : model) v.back().push_back(to_prediction(l, "validation"));
              }
              without_gil([&] { a.fit(v, targets); });
              return a.fitted_mrr;
            },
            py::arg("validation"), py::arg("targets"),
            "Fits the weights that maximise Swipe MRR: validation[m][i] is model m's list for example i. Returns the MRR reached.");
  };
  aggregator.operator()<glide::weighted_merge>("WeightedMerge", "Weighted merge: each model adds weight x softmax of its scores to a word.");
  aggregator.operator()<glide::reciprocal_rank_fusion>("ReciprocalRankFusion", "Reciprocal rank fusion: each model adds weight / (60 + rank).");
  aggregator.operator()<glide::borda>("Borda", "Borda count: each model adds weight x (list length - rank + 1).");

  // Prediction table ------------------------------------------------------------------------------
  using glide::swipe::prediction_table;
  using glide::swipe::run_key;
  using glide::swipe::run_record;
  py::class_<run_key>(m, "RunKey", "What determines a prediction run's output: model, weights hash, grid, dataset, canonical search.")
      .def(py::init<std::string, std::string, std::string, std::string, std::string>(), py::arg("model"), py::arg("weights"),
           py::arg("grid"), py::arg("dataset"), py::arg("search"), "A key from its five fields (text).")
      .def_readwrite("model", &run_key::model, "The model's name.")
      .def_readwrite("weights", &run_key::weights, "The weights file's content hash (not its path).")
      .def_readwrite("grid", &run_key::grid, "The grid's name ('*' when the dataset names its own per line).")
      .def_readwrite("dataset", &run_key::dataset, "The dataset file with its content hash ('path#fnv1a64:...').")
      .def_readwrite("search", &run_key::search, "The canonical decoding configuration (Recognizer.canonical_decoding and the inputs' hashes).")
      .def("__eq__", [](const run_key& a, const run_key& b) { return a == b; }, "Equal in every field.")
      .def("__hash__", [](const run_key& k) { return py::hash(py::make_tuple(k.model, k.weights, k.grid, k.dataset, k.search)); },
           "A hash of the five fields.");
  py::class_<run_record>(m, "RunRecord", "A run's predictions file and its metrics, as text (tables round-trip exactly).")
      .def(py::init<std::string, std::string, std::string, std::string, std::string>(), py::arg("predictions"), py::arg("mrr"),
           py::arg("accuracy_at_1"), py::arg("accuracy_at_4"), py::arg("examples"), "A record from its five fields (text).")
      .def_readwrite("predictions", &run_record::predictions, "The predictions file.")
      .def_readwrite("mrr", &run_record::mrr, "Swipe MRR, as written.")
      .def_readwrite("accuracy_at_1", &run_record::accuracy_at_1, "Accuracy@1, as written.")
      .def_readwrite("accuracy_at_4", &run_record::accuracy_at_4, "Accuracy@4, as written.")
      .def_readwrite("examples", &run_record::examples, "Swipes decoded, as written.")
      .def("__eq__", [](const run_record& a, const run_record& b) { return a == b; }, "Equal in every field.");
  py::class_<prediction_table>(m, "PredictionTable", "One CSV row per prediction run, keyed by everything that determines its output.")
      .def(py::init<>(), "An empty table.")
      .def_static("load", &prediction_table::load, py::arg("path"), "Reads a table (empty when the file does not exist); ParseError on a bad file.")
      .def_static("merge_files", &prediction_table::merge_files, py::arg("paths"),
                  "The tables of `paths` merged; a key with different rows in two files raises ConfigError naming both.")
      .def("put", &prediction_table::put, py::arg("key"), py::arg("record"), "Adds or replaces the row of `key`.")
      .def(
          "find", [](const prediction_table& t, const run_key& k) -> std::optional<run_record> {
            if (const auto* r = t.find(k)) return *r;
            return std::nullopt;
          },
          py::arg("key"), "The row of `key`, or None.")
      .def("merge", &prediction_table::merge, py::arg("other"), "Adds every row of `other`; a conflicting key raises ConfigError.")
      .def(
          "rows", [](const prediction_table& t) {
            std::vector<std::pair<run_key, run_record>> out(t.rows().begin(), t.rows().end());
            return out;
          },
          "The rows as (RunKey, RunRecord) pairs, in key order.")
      .def("text", &prediction_table::text, "The table as CSV text.")
      .def("save", &prediction_table::save, py::arg("path"), "Replaces the file at `path` durably.")
      .def_static(
          "update",
          [](const std::string& path, const py::function& change) {
            prediction_table::update(path, [&](prediction_table& t) { change(py::cast(&t, py::return_value_policy::reference)); });
          },
          py::arg("path"), py::arg("change"),
          "Loads the table at `path`, calls change(table) and saves it, under the table's advisory lock (PATH.lock).")
      .def("__len__", [](const prediction_table& t) { return t.rows().size(); }, "The number of rows.");

  // Vocabulary and searches over a Python decoder ----------------------------------------------------
  py::class_<py_vocabulary>(m, "Vocabulary",
                            "A word list (one 'word [count]' a line) in Glide's compact trie, spelled in `alphabet` as the recognizer reads "
                            "one: folded (Boston -> boston, shown as written), words with other characters skipped.")
      .def(py::init([](const std::string& path, const std::string& alphabet, std::size_t max_word_length, std::size_t top_words) {
             return without_gil([&] { return std::make_unique<py_vocabulary>(path, alphabet, max_word_length, top_words); });
           }),
           py::arg("path"), py::arg("alphabet"), py::arg("max_word_length") = 0, py::arg("top_words") = 0,
           "max_word_length: skip words of more letters (0: no limit; give the model's, 30 for models/en-qwerty); top_words: "
           "only the first N words (0: all).")
      .def("__len__", [](const py_vocabulary& v) { return v.trie().word_count(); }, "The number of distinct spellings.")
      .def("__contains__", [](const py_vocabulary& v, const std::string& w) {
        return v.tokenizer().can_encode(w) && v.trie().contains(v.tokenizer().encode(w));
      }, py::arg("word"), "Whether a spelling (folded, in the alphabet) is in the vocabulary.")
      .def_property_readonly("vocab_size", [](const py_vocabulary& v) { return v.tokenizer().vocab_size(); },
                             "Tokens a decoder scores: 3 specials (0 pad, 1 start, 2 end) + the alphabet's letters.")
      .def("encode", [](const py_vocabulary& v, const std::string& w) { return v.tokenizer().encode(w); }, py::arg("word"),
           "The word's tokens (no start or end token); UnknownNameError for a character outside the alphabet.")
      .def("decode", [](const py_vocabulary& v, const std::vector<glide::token_id>& t) { return v.tokenizer().decode(t); }, py::arg("tokens"),
           "The text of tokens (stops at the end token; ShapeError for a token outside the vocabulary).");

  py::class_<py_hypothesis>(m, "Hypothesis", "A search result: tokens (end token included when finished), score (log-prob), word.")
      .def_readonly("tokens", &py_hypothesis::tokens, "The tokens after the start token; the end token (2) last when finished.")
      .def_readonly("score", &py_hypothesis::score, "Its score: the sum of the log-softmax of the decoder's scores, plus the search's prior.")
      .def_readonly("finished", &py_hypothesis::finished, "Whether it ended with the end token.")
      .def_readonly("word", &py_hypothesis::word, "The hypothesis's text, as the vocabulary displays it ('' without a vocabulary or alphabet).")
      .def("__repr__", [](const py_hypothesis& h) {
        return "Hypothesis(" + std::string(py::repr(py::str(h.word))) + ", " + std::string(py::repr(py::float_(h.score))) + ")";
      }, "A readable form.");
  py::class_<py_search_result>(m, "SearchResult", "What run_search found, best first, and what it cost.")
      .def_readonly("hypotheses", &py_search_result::hypotheses, "The hypotheses, best first.")
      .def_property_readonly("words", &py_search_result::words, "The hypotheses' distinct words as Words, best first.")
      .def_readonly("decoder_steps", &py_search_result::decoder_steps, "Calls of decoder.step.")
      .def_readonly("expanded", &py_search_result::expanded, "Hypotheses expanded.");

  m.def(
      "run_search",
      [](py::object decoder, py::object memory, const std::string& search, const py_vocabulary* vocabulary, std::optional<std::size_t> vocab_size,
         std::size_t max_length, std::optional<std::string> alphabet) {
        const auto config = glide::search_config::parse(search);
        std::optional<glide::char_tokenizer> own_tokens;
        if (!vocabulary && alphabet) own_tokens.emplace(*alphabet);
        const glide::char_tokenizer* tokens = vocabulary ? &vocabulary->tokenizer() : own_tokens ? &*own_tokens : nullptr;
        std::size_t v = vocab_size.value_or(tokens ? tokens->vocab_size() : 0);
        if (v == 0) throw glide::config_error("run_search: give a vocabulary, an alphabet or vocab_size (the decoder's scores per row)");
        if (tokens && v != tokens->vocab_size())
          throw glide::shape_error("run_search: vocab_size " + std::to_string(v) + " but the alphabet has " + std::to_string(tokens->vocab_size()) + " tokens");
        if (config.needs_vocabulary() && !vocabulary) throw glide::config_error("search " + config.name + " needs a vocabulary");
        python_decoder d{decoder, v, glide::char_tokenizer::bos_id, glide::char_tokenizer::eos_id, max_length};
        const python_decoder::memory_type mem{memory};
        glide::search_result r = without_gil([&] {
          return vocabulary ? glide::run_search(d, mem, &vocabulary->trie(), config) : glide::run_search(d, mem, nullptr, config);
        });
        py_search_result out;
        out.decoder_steps = r.stats.decoder_steps;
        out.expanded = r.stats.hypotheses_expanded;
        for (auto& h : r.hypotheses) {
          std::string word = tokens ? tokens->decode(h.tokens) : std::string{};
          if (vocabulary) word = vocabulary->shown(word);
          out.hypotheses.push_back({std::move(h.tokens), h.score, h.finished, std::move(word)});
        }
        return out;
      },
      py::arg("decoder"), py::arg("memory"), py::arg("search") = std::string(eg::default_search), py::arg("vocabulary") = nullptr,
      py::arg("vocab_size") = py::none(), py::arg("max_length") = 32, py::arg("alphabet") = py::none(),
      "Runs one of Glide's searches (a search config: 'greedy', 'beam', 'trie_beam', 'traversal', 'hybrid', 'best_first', with "
      "options, e.g. 'trie_beam:beam_width=9,n_best=4,prior_weight=0.3') over a decoder written in Python:\n"
      "  decoder.init_state(memory, batch) -> state   (batch rows, each the empty prefix)\n"
      "  decoder.step(memory, state, last_tokens) -> scores [batch x vocab] (float32-convertible: logits or log-probs; the\n"
      "      searches apply log-softmax), or (scores, new_state); last_tokens is an int64 array [batch] (token 1 first)\n"
      "  decoder.reorder(state, rows) -> None (in place) or the new state: row i becomes old row rows[i] (int64 array)\n"
      "  decoder.copy_state(state) -> state (optional; else copy.deepcopy) when a search branches a state.\n"
      "Tokens: 0 pad, 1 start, 2 end, then the alphabet's letters. `memory` is passed through as is. Constrained searches need "
      "a Vocabulary; `max_length`: the most steps a state takes (a transformer's positions). The search runs with the GIL "
      "released and takes it for each call of the decoder; the decoder's exceptions propagate.");

  // Recognizer --------------------------------------------------------------------------------------
  py::class_<eg::live_options>(m, "LiveOptions", "How a live swipe decodes while the finger moves.")
      .def(py::init([](const std::string& search, std::size_t max_points, std::size_t min_new_points) {
             return eg::live_options{glide::search_config::parse(search), max_points, min_new_points};
           }),
           py::arg("search") = "trie_beam:beam_width=4,n_best=4,prior_weight=0.3", py::arg("max_points") = 48, py::arg("min_new_points") = 1,
           "search: the partial decodes' search; max_points: the most points a partial decode reads (0: the model's); "
           "min_new_points: new points before partial() decodes again.");

  py::class_<py_live>(m, "LiveSwipe",
                      "Incremental decoding of one swipe while the finger moves (Recognizer.begin): add points as they arrive, "
                      "partial(k) for the best words so far, finish() for the whole swipe's words (exactly recognize()'s).")
      .def(
          "add",
          [](py_live& l, const py::handle& x, const py::handle& y, const py::handle& t) {
            const auto xs = to_floats(x, "x", true), ys = to_floats(y, "y", true), ts = to_floats(t, "t", true);
            std::lock_guard lock{l.mutex};
            l.swipe->add(xs, ys, ts);
          },
          py::arg("x"), py::arg("y"), py::arg("t"),
          "Appends a point (numbers) or points (1-D sequences of equal length): x, y in the grid's pixels, t in ms. A NaN or "
          "infinity raises NumericError and adds nothing.")
      .def(
          "partial",
          [](py_live& l, std::size_t k) {
            return without_gil([&] {
              std::lock_guard lock{l.mutex};
              return to_words(l.swipe->partial(k).words);
            });
          },
          py::arg("k") = 4, "The best k words for the points so far (a narrower search over at most 48 of them); [] before any point.")
      .def(
          "finish",
          [](py_live& l) {
            return without_gil([&] {
              std::lock_guard lock{l.mutex};
              return to_words(l.swipe->finish().words);
            });
          },
          "The words of the whole swipe: the recognizer's full pipeline (ShapeError without points).")
      .def("clear", [](py_live& l) { std::lock_guard lock{l.mutex}; l.swipe->clear(); }, "Forgets the points: the next add() begins a new swipe.")
      .def("__len__", [](py_live& l) { std::lock_guard lock{l.mutex}; return l.swipe->size(); }, "Points so far.");

  py::class_<glide::swipe::model_input>(m, "ModelInput", "A swipe as the model reads it (Recognizer.input).")
      .def_readonly("points", &glide::swipe::model_input::points, "Points after resampling to the model's max_points.")
      .def_property_readonly(
          "kinematics",
          [](const glide::swipe::model_input& in) {
            return py::array_t<float>({static_cast<py::ssize_t>(in.points), py::ssize_t{6}}, in.kinematics.data());
          },
          "float32 [points x 6]: x, y (relative to the letter keys' box), their first and second time derivatives, t in 100 ms.")
      .def_property_readonly(
          "keys",
          [](const glide::swipe::model_input& in) {
            if (in.keys_per_point <= 1) return py::array_t<std::int64_t>(static_cast<py::ssize_t>(in.points), std::vector<std::int64_t>(in.keys.begin(), in.keys.end()).data());
            return py::array_t<std::int64_t>({static_cast<py::ssize_t>(in.points), static_cast<py::ssize_t>(in.keys_per_point)},
                                             std::vector<std::int64_t>(in.keys.begin(), in.keys.end()).data());
          },
          "int64 [points] (the nearest key's token) or [points x K] (soft keys, nearest first).")
      .def_property_readonly(
          "key_weights",
          [](const glide::swipe::model_input& in) -> py::object {
            if (in.keys_per_point <= 1) return py::none();
            return py::array_t<float>({static_cast<py::ssize_t>(in.points), static_cast<py::ssize_t>(in.keys_per_point)}, in.key_weights.data());
          },
          "float32 [points x K] softmax weights of the soft keys, or None.");

  py::class_<py_recognizer>(m, "Recognizer",
                            "The whole pipeline of the `glide` CLI: the model, the vocabulary, the grids, the search, the geometric "
                            "rescoring and the literal spellings. Safe to share between threads.")
      .def(py::init([](std::string model_dir, std::string vocabulary, std::vector<std::string> grids, std::optional<std::string> search,
                       std::size_t top, float rescore_geometric, std::string rescore_params, bool literal, std::string literal_params,
                       std::optional<std::string> alphabet, std::size_t top_words, std::size_t user_shortlist,
                       std::vector<std::string> ensemble, std::vector<float> ensemble_weights, std::string ensemble_method) {
             eg::recognizer_options o;
             o.model_dir = std::move(model_dir);
             o.vocabulary = std::move(vocabulary);
             o.grid_files = std::move(grids);
             if (o.grid_files.empty()) throw glide::config_error("Recognizer: give at least one grid file");
             o.search = glide::search_config::parse(search.value_or(eg::default_search));
             o.top = top;
             if (!std::isfinite(rescore_geometric)) throw glide::config_error("rescore_geometric must be a finite weight >= 0");
             o.rescore_geometric = rescore_geometric;
             o.rescore_params = std::move(rescore_params);
             o.literal = literal;
             o.literal_params = std::move(literal_params);
             o.alphabet = alphabet.value_or("");
             o.top_words = top_words;
             o.user_shortlist = user_shortlist;
             o.ensemble = std::move(ensemble);
             o.ensemble_weights = std::move(ensemble_weights);
             o.ensemble_method = std::move(ensemble_method);
             return without_gil([&] { return py_recognizer{eg::load_recognizer(std::move(o))}; });
           }),
           py::arg("model_dir") = GLIDE_SOURCE_DIR "/models/en-qwerty", py::arg("vocabulary") = GLIDE_VOCAB_DIR "/en.tsv",
           py::arg("grids") = std::vector<std::string>{GLIDE_SOURCE_DIR "/data/grids/grids.json"}, py::arg("search") = py::none(),
           py::arg("top") = 4, py::arg("rescore_geometric") = 1.0F, py::arg("rescore_params") = GLIDE_SOURCE_DIR "/configs/rescore-en.json",
           py::arg("literal") = true, py::arg("literal_params") = GLIDE_SOURCE_DIR "/configs/literal-en.json", py::arg("alphabet") = py::none(),
           py::arg("top_words") = 0, py::arg("user_shortlist") = 3, py::arg("ensemble") = std::vector<std::string>{},
           py::arg("ensemble_weights") = std::vector<float>{}, py::arg("ensemble_method") = "product",
           "Loads a recognizer; the defaults are the CLI's (the shipped English model, the vocabulary made at build time, the "
           "shipped grids, trie beam 9 with prior 0.3 (search=None), geometric rescoring of weight 1, literal spellings, top 4). "
           "grids: grid files loaded as one set; search: a search config string; top: words kept (0: all); rescore_geometric: "
           "0 turns the rescoring off; literal: False decodes vocabulary words only; alphabet: the letters words are spelled in "
           "(None: the model's); ensemble: other model directories decoded with model_dir, ensemble_weights one weight per model "
           "(model_dir's first; empty: equal), ensemble_method 'product' or 'mixture' of their next-letter probabilities in one "
           "search, or 'words' (each model's pipeline, the word lists merged). Missing files raise IOError, bad ones ParseError, bad options ConfigError / UnknownNameError.")
      .def(
          "recognize",
          [](py_recognizer& r, const py::handle& x, const py::handle& y, const py::handle& t, const std::string& grid) {
            auto c = to_curve(x, y, t, grid);
            return without_gil([&] { return to_words(r.r->recognize(c).words); });
          },
          py::arg("x"), py::arg("y"), py::arg("t"), py::arg("grid"),
          "Decodes one swipe: x, y in the grid's pixels, t in ms (1-D numpy arrays or lists of equal length), on the named grid. "
          "Returns the words, best first, as Word(word, score, origin). Mismatched lengths, NaN or no points raise ShapeError, "
          "an unknown grid UnknownNameError. Concurrent calls take turns (use recognize_batch for threads).")
      .def(
          "recognize_batch",
          [](const py_recognizer& r, const py::handle& swipes, unsigned threads) {
            const auto curves = to_curves(swipes);
            return without_gil([&] {
              std::vector<std::vector<py_word>> out;
              for (const auto& rec : r.r->recognize_batch(curves, threads)) out.push_back(to_words(rec.words));
              return out;
            });
          },
          py::arg("swipes"), py::arg("threads") = 1,
          "Decodes swipes (glide.Swipe objects, e.g. from read_jsonl, or (x, y, t, grid) tuples) on `threads` threads (0: "
          "the machine's) with the GIL released; one list of Words per swipe, in input order. The first failing swipe raises "
          "BatchError ('swipe INDEX: why', .index).")
      .def(
          "input",
          [](py_recognizer& r, const py::handle& x, const py::handle& y, const py::handle& t, const std::string& grid) {
            auto c = to_curve(x, y, t, grid);
            return without_gil([&] { return r.r->input(c); });
          },
          py::arg("x"), py::arg("y"), py::arg("t"), py::arg("grid"),
          "The model input of a swipe (its features on the grid, resampled to the model's max_points): a ModelInput with "
          "kinematics [points x 6] and keys, for running a model of one's own (e.g. in PyTorch).")
      .def(
          "add_words",
          [](py_recognizer& r, const py::handle& words, std::optional<std::vector<double>> weights) {
            std::vector<glide::user_word> list;
            if (py::isinstance<py::str>(words)) throw py::type_error("add_words: expected a list of words, got a str");
            for (const auto& w : py::iter(words)) {
              if (!py::isinstance<py::str>(w)) throw py::type_error("add_words: each word must be a str");
              list.push_back({w.cast<std::string>(), std::nullopt});
            }
            if (weights) {
              if (weights->size() != list.size())
                throw glide::shape_error("add_words: " + std::to_string(weights->size()) + " weights for " + std::to_string(list.size()) + " words");
              for (std::size_t i = 0; i < list.size(); ++i) {
                if (!std::isfinite((*weights)[i])) throw glide::numeric_error("add_words: the weight of '" + list[i].word + "' is not finite");
                if ((*weights)[i] > 0) list[i].weight = (*weights)[i];
              }
            }
            const auto report = without_gil([&] { return r.r->add_words(list, /*all_or_nothing=*/true); });
            if (!report.rejected.empty()) {
              std::string why;
              for (const auto& w : report.rejected) why += (why.empty() ? "" : "; ") + w;
              throw glide::config_error("add_words: nothing added: " + why);
            }
            return report.added;
          },
          py::arg("words"), py::arg("weights") = py::none(),
          "Adds words to the user's dictionary (shown as written, origin 'user'); weights: counts in the vocabulary's units "
          "(None or <= 0: the 1,000th most frequent word's). A word the model cannot spell raises ConfigError naming it, and "
          "nothing is added. Returns how many were new. Safe while other threads decode.")
      .def(
          "remove_words",
          [](py_recognizer& r, const std::vector<std::string>& words) {
            return without_gil([&] { return r.r->remove_words(words).removed; });
          },
          py::arg("words"), "Removes words from the user's dictionary; returns how many were there.")
      .def(
          "begin",
          [](py_recognizer& r, const std::string& grid, std::optional<eg::live_options> options) {
            auto l = std::make_unique<py_live>();
            l->swipe = std::make_unique<eg::live_swipe>(*r.r, grid, options.value_or(eg::live_options{}));
            return l;
          },
          py::arg("grid"), py::arg("options") = py::none(), py::keep_alive<0, 1>(),
          "Begins a live swipe on the named grid (UnknownNameError for an unknown one): a LiveSwipe, used by one thread at a time.")
      .def("in_vocabulary", [](const py_recognizer& r, const std::string& w) { return r.r->in_vocabulary(w); }, py::arg("word"),
           "Whether a word is in the vocabulary or the user's dictionary (as written or folded).")
      .def_property_readonly("alphabet", [](const py_recognizer& r) { return r.r->config().alphabet; }, "The model's alphabet.")
      .def_property_readonly("max_word_length", [](const py_recognizer& r) { return r.r->config().max_word_length; },
                             "The longest word (in letters) the model spells.")
      .def_property_readonly("word_count", [](const py_recognizer& r) { return r.r->trie().word_count(); }, "Distinct spellings in the vocabulary.")
      .def_property_readonly("grids", [](const py_recognizer& r) { return r.r->grids().names(); }, "The names of the loaded grids.")
      .def_property_readonly("name", [](const py_recognizer& r) { return r.r->name(); }, "The model directory's name.")
      .def("canonical_decoding", [](const py_recognizer& r) { return r.r->canonical_decoding(); },
           "The decoding configuration in canonical form (search, rescoring, top, literal gate, user words).");
}
