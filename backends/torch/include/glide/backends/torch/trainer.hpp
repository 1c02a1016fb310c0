#pragma once
// The trainer of the torch backend: a swipe model trained with LibTorch on synthetic swipes mixed with
// real JSONL swipes, validated by Swipe MRR of vocabulary-constrained decoding with the Eigen backend.
//
// Parts, each usable alone: `training_config` (the JSON config, every key checked), `learning_rate_at`
// (warm-up, plateau halving, cosine decay by step), `training_data` (vocabulary, synthesizers, real
// swipes, and the batch of any step from that step's own seed), and `train` (the loop: snapshots,
// resume, validation, best weights, metrics.csv). examples/train.cpp is its command line.
//
// A model directory receives config.json (the model config plus the training config), model.safetensors
// (the weights with the best validation MRR so far), metrics.csv (a row per validation), snapshot/
// (model, optimiser and trainer state, rewritten every snapshot_seconds and when `stop` is raised) and,
// at the end, `finished`; record.json (io/run_record.hpp) gets a session at every start: the command,
// the code version and each input file's content hash. The loop calls chunk hooks after each chunk
// of steps (validation, the snapshotter, then the caller's training_hooks::chunk_hooks). A rerun resumes from the snapshot and sees the batches the run would have
// seen; a rerun of a finished model does nothing.

#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <numbers>
#include <random>
#include <sstream>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <glide/backends/eigen/model.hpp>
#include <glide/backends/torch/batch.hpp>
#include <glide/backends/torch/modules.hpp>
#include <glide/core/charconv.hpp>
#include <glide/core/memory.hpp>
#include <glide/core/prefetch.hpp>
#include <glide/glide.hpp>
#include <glide/io/json_file.hpp>
#include <glide/io/durable_file.hpp>
#include <glide/io/run_record.hpp>
#include <glide/metrics/swipe_metrics.hpp>
#include <glide/search/search_config.hpp>
#include <glide/swipe/augment.hpp>
#include <glide/swipe/example_stream.hpp>
#include <glide/swipe/model_input.hpp>
#include <glide/swipe/recognizer.hpp>

namespace glide::backends::torch {

namespace detail {

/// Replaces `path` by `text` durably (io::write_file_durably: all of it or the old file, and an error
/// naming the path and the system's reason).
inline void write_atomically(const std::filesystem::path& path, const std::string& text) {
  io::write_file_durably(path, text, "training file");
}

template <class... Args>
void print(std::ostream& out, const char* format, Args... args) {
  char line[512];
  std::snprintf(line, sizeof line, format, args...);
  out << line << std::flush;
}

}  // namespace detail

/// One source of synthetic swipes: a vocabulary's words (sampled by count^frequency_power), each
/// swiped on one of the listed grids that can type it; `share` of the synthetic swipes come from it.
struct training_source {
  std::string vocabulary;
  std::vector<std::string> grids;
  std::size_t top_words = 20000;
  double share = 1;
};

/// Jittered copies of every grid synthetic swipes are drawn on, so a model does not learn one
/// geometry: each copy scales the keys' width by 1 + key_scale * u, their height by that times
/// 1 + aspect * u, and shifts each row sideways by row_shift * u key widths (u uniform in [-1, 1],
/// drawn per copy and row from the run's seed). Validation uses the grids as given.
struct layout_variant_options {
  std::size_t count = 0;
  double key_scale = 0.15;
  double aspect = 0.2;
  double row_shift = 0.3;
};

/// A jittered copy of `g` named `name` (see layout_variant_options).
[[nodiscard]] inline swipe::keyboard_grid layout_variant(const swipe::keyboard_grid& g, const layout_variant_options& o, std::mt19937& rng,
                                                         const std::string& name) {
  std::uniform_real_distribution<double> u{-1.0, 1.0};
  const double sx = 1 + o.key_scale * u(rng);
  const double sy = sx * (1 + o.aspect * u(rng));
  auto j = g.to_json();
  std::vector<std::pair<double, double>> rows;  // (y, shift in pixels), in order of first appearance
  auto shift_of = [&](double y) {
    for (const auto& [ry, sh] : rows)
      if (std::abs(ry - y) < 0.5) return sh;
    rows.emplace_back(y, o.row_shift * u(rng) * g.key_width());
    return rows.back().second;
  };
  double min_x = std::numeric_limits<double>::infinity(), max_x = 0, max_y = 0;
  for (auto& k : j["keys"]) {
    auto& h = k["hitbox"];
    const double x = (h["x"].get<double>() + shift_of(h["y"].get<double>())) * sx;
    h["x"] = x;
    h["w"] = h["w"].get<double>() * sx;
    h["y"] = h["y"].get<double>() * sy;
    h["h"] = h["h"].get<double>() * sy;
    min_x = std::min(min_x, x);
  }
  for (auto& k : j["keys"]) {
    auto& h = k["hitbox"];
    h["x"] = h["x"].get<double>() - min_x;
    max_x = std::max(max_x, h["x"].get<double>() + h["w"].get<double>());
    max_y = std::max(max_y, h["y"].get<double>() + h["h"].get<double>());
  }
  j["width"] = std::max(max_x, static_cast<double>(g.width()) * sx);
  j["height"] = std::max(max_y, static_cast<double>(g.height()) * sy);
  return swipe::keyboard_grid::from_json(j, name);
}

/// A training run's configuration (JSON keys as the members; an unknown key is an error naming it).
struct training_config {
  model::model_config model;
  std::vector<std::string> grids_files = {"data/grids/grids.json"};  ///< "grids_file": one path or a list
  std::vector<std::string> grids = {"qwerty"};  ///< synthetic swipes use each grid that can type the word
  std::string vocabulary;
  std::size_t top_words = 20000;
  /// Several vocabularies and their grids (e.g. one per language pack); without it, one source made
  /// of vocabulary, grids and top_words. The first source's vocabulary decodes valid_jsonl.
  std::vector<training_source> sources;
  layout_variant_options layout_variants;
  /// Train on every word of a vocabulary in its folded spelling (Haus as haus, été as ete where the
  /// alphabet lacks é; text/fold.hpp), as the CLI decodes them; false: only the words written as they
  /// are spelled (the others skipped and counted). True by default since vocabularies keep display forms
  /// (Boston, don't, I): without folding the English vocabulary lost 24,014 of its first 54,014 words,
  /// "i" and "dont" among them, and the trainer's real-swipe validation MRR of the shipped weights read
  /// 0.726 instead of 0.809.
  bool fold_words = true;
  double frequency_power = 0.5;
  std::vector<std::string> train_jsonl;
  /// With "stream": folders of feature shards (`glide prepare`) to read the real swipes from instead of
  /// train_jsonl; made with this model's inputs (`--model`), the swipes without augment_real use them.
  std::vector<std::string> train_shards;
  double real_fraction = 0.0;
  std::string valid_jsonl;
  std::size_t valid_synthetic = 300;
  std::size_t batch_size = 64;
  double learning_rate = 1e-3;
  std::size_t warmup_steps = 200;
  std::size_t max_steps = 20000;
  double max_minutes = 60;
  std::size_t validate_every = 500;
  double snapshot_seconds = 120;
  std::size_t plateau_patience = 2;
  double lr_factor = 0.5;
  double min_lr = 1e-5;
  /// Cosine decay: from step `decay_from_step` the rate falls from its value then to `min_lr` over
  /// `decay_steps` steps (0: off) and stays there; plateau halving is off once the decay has begun.
  std::size_t decay_from_step = 0;
  std::size_t decay_steps = 0;
  double label_smoothing = 0.05;
  /// Distillation: a real swipe whose line carries a "teacher" list (swipe/dataset.hpp; `glide teach`
  /// writes them from a recognizer's predictions, e.g. an ensemble's) trains, with this probability, on a
  /// word drawn from that list by the teacher's probabilities instead of its label (0: labels only).
  /// Over the draws its loss is (1 - w) x the label's + w x the teacher's expected loss over its words.
  /// Needs train_jsonl (feature shards do not keep the lists).
  double teacher_weight = 0;
  /// Exponential moving average of the weights (0: off): each step ema = d * ema + (1 - d) * weights.
  /// Validation scores the raw and the averaged weights; the better of the two is kept.
  double ema_decay = 0;
  std::uint32_t seed = 1;
  int threads = 2;
  std::string valid_search = "trie_beam:beam_width=6,n_best=4";
  std::string init_weights;  ///< a model directory or .safetensors file to start from (when no snapshot exists)
  /// With init_weights of a smaller model: start from them grown to this config's size (swipe_model::grow_from:
  /// added layers start as identities, wider feed-forward layers keep the trained units), so the run starts
  /// from what the smaller model computes.
  bool init_grow = false;
  swipe::augment_options augment_real, augment_synthetic;
  swipe::synthesizer_options synthesizer;  ///< "synthesizer": options, or the path of a JSON file of them (glide synth-fit)
  /// "stream": the real swipes of train_jsonl are read while training runs instead of into memory first
  /// (swipe/example_stream.hpp: any number of files of any size; an epoch is one pass over every
  /// line, in a seeded order of windows), and each step's batch is built ahead by `threads` worker
  /// threads while at most `buffer_mb` megabytes of batches wait. Each example of a step draws from its
  /// own seed, and the real ones are spread evenly over the batch (round(batch x real_fraction) a
  /// step), so the batches of a run over several ranks (training_hooks::ranks) are the same as one
  /// rank's with the batches put together. Configs without it keep the in-memory sampler (each real
  /// swipe drawn at random) their shipped models were trained with.
  struct stream_options {
    bool on = false;
    std::size_t window_lines = 4096;
    std::size_t buffer_mb = 64;
    std::size_t threads = 1;
  } stream;
  /// Passes over the streamed real swipes (instead of max_steps; needs "stream" and real_fraction > 0).
  double epochs = 0;

  static training_config from_json(const nlohmann::json& j, const std::string& src) {
    training_config c;
    if (!j.is_object()) throw parse_error(src + ": not a JSON object");
    for (const auto& [k, v] : j.items()) {
      static const std::vector<std::string> known{
          "model", "grids_file", "grid", "grids", "vocabulary", "top_words", "frequency_power", "train_jsonl", "real_fraction",
          "valid_jsonl", "valid_synthetic", "batch_size", "learning_rate", "warmup_steps", "max_steps", "max_minutes",
          "validate_every", "snapshot_seconds", "plateau_patience", "lr_factor", "min_lr", "decay_from_step", "decay_steps", "label_smoothing", "teacher_weight", "ema_decay", "seed",
          "threads", "valid_search", "init_weights", "init_grow", "augment_real", "augment_synthetic", "synthesizer", "sources",
          "layout_variants", "fold_words", "stream", "epochs", "train_shards"};
      if (std::find(known.begin(), known.end(), k) == known.end())
        throw parse_error(src + ": unknown training option '" + k + "'");
    }
    try {
      if (j.contains("model")) c.model = model::model_config::from_json(j["model"], src + " model");
      auto get = [&](const char* k, auto& v) {
        if (!j.contains(k)) return;
        using T = std::decay_t<decltype(v)>;
        // Counts and sizes: -1 and 2.7 are errors naming the key, not 2^64 - 1 and 2.
        if constexpr (std::is_same_v<T, std::size_t>) {
          v = io::json_count(j[k], src + ": '" + k + "'");
        } else if constexpr (std::is_same_v<T, std::uint32_t> || std::is_same_v<T, int>) {
          const auto n = io::json_count(j[k], src + ": '" + k + "'");
          if (n > static_cast<std::size_t>(std::numeric_limits<T>::max()))
            throw config_error(src + ": '" + k + "' = " + std::to_string(n) + " is above " + std::to_string(std::numeric_limits<T>::max()));
          v = static_cast<T>(n);
        } else {
          v = j[k].get<T>();
        }
      };
      if (j.contains("grids_file")) {
        if (j["grids_file"].is_string()) c.grids_files = {j["grids_file"].get<std::string>()};
        else get("grids_file", c.grids_files);
      }
      if (j.contains("grid")) c.grids = {j["grid"].get<std::string>()};
      get("grids", c.grids);
      get("vocabulary", c.vocabulary);
      get("top_words", c.top_words);
      get("frequency_power", c.frequency_power);
      get("train_jsonl", c.train_jsonl);
      get("train_shards", c.train_shards);
      get("real_fraction", c.real_fraction);
      get("valid_jsonl", c.valid_jsonl);
      get("valid_synthetic", c.valid_synthetic);
      get("batch_size", c.batch_size);
      get("learning_rate", c.learning_rate);
      get("warmup_steps", c.warmup_steps);
      get("max_steps", c.max_steps);
      get("max_minutes", c.max_minutes);
      get("validate_every", c.validate_every);
      get("snapshot_seconds", c.snapshot_seconds);
      get("plateau_patience", c.plateau_patience);
      get("lr_factor", c.lr_factor);
      get("min_lr", c.min_lr);
      get("decay_from_step", c.decay_from_step);
      get("decay_steps", c.decay_steps);
      get("label_smoothing", c.label_smoothing);
      get("teacher_weight", c.teacher_weight);
      get("ema_decay", c.ema_decay);
      get("seed", c.seed);
      get("threads", c.threads);
      get("valid_search", c.valid_search);
      get("init_weights", c.init_weights);
      get("init_grow", c.init_grow);
      get("fold_words", c.fold_words);
      if (j.contains("sources")) {
        if (!j["sources"].is_array() || j["sources"].empty()) throw config_error(src + ": 'sources' must be a non-empty list");
        for (std::size_t i = 0; i < j["sources"].size(); ++i) {
          const auto& sj = j["sources"][i];
          const auto where = src + ": sources[" + std::to_string(i) + "]";
          if (!sj.is_object()) throw config_error(where + " is not an object");
          for (const auto& [k, v] : sj.items())
            if (k != "vocabulary" && k != "grids" && k != "top_words" && k != "share") throw parse_error(where + ": unknown key '" + k + "'");
          if (!sj.contains("vocabulary") || !sj.contains("grids")) throw config_error(where + ": needs 'vocabulary' and 'grids'");
          training_source t;
          t.vocabulary = sj["vocabulary"].get<std::string>();
          t.grids = sj["grids"].get<std::vector<std::string>>();
          t.top_words = sj.contains("top_words") ? io::json_count(sj["top_words"], where + ": 'top_words'") : c.top_words;
          if (sj.contains("share")) t.share = sj["share"].get<double>();
          if (t.grids.empty()) throw config_error(where + ": 'grids' is empty");
          if (!(t.share > 0) || !std::isfinite(t.share)) throw config_error(where + ": 'share' must be a positive number");
          c.sources.push_back(std::move(t));
        }
      }
      if (j.contains("layout_variants")) {
        const auto& lj = j["layout_variants"];
        const auto where = src + ": layout_variants";
        if (!lj.is_object()) throw config_error(where + " is not an object");
        for (const auto& [k, v] : lj.items())
          if (k != "count" && k != "key_scale" && k != "aspect" && k != "row_shift") throw parse_error(where + ": unknown key '" + k + "'");
        if (lj.contains("count")) c.layout_variants.count = io::json_count(lj["count"], where + ": 'count'");
        if (lj.contains("key_scale")) c.layout_variants.key_scale = lj["key_scale"].get<double>();
        if (lj.contains("aspect")) c.layout_variants.aspect = lj["aspect"].get<double>();
        if (lj.contains("row_shift")) c.layout_variants.row_shift = lj["row_shift"].get<double>();
        const auto& lv = c.layout_variants;
        if (!(lv.key_scale >= 0 && lv.key_scale < 0.9) || !(lv.aspect >= 0 && lv.aspect < 0.9) || !(lv.row_shift >= 0 && lv.row_shift <= 2))
          throw config_error(where + ": need key_scale and aspect in [0, 0.9), row_shift in [0, 2]");
        if (lv.count > 1000) throw config_error(where + ": 'count' " + std::to_string(lv.count) + " is above 1000");
      }
      if (j.contains("stream")) {
        const auto& sj = j["stream"];
        const auto where = src + ": stream";
        if (!sj.is_object()) throw config_error(where + " is not an object");
        for (const auto& [k, v] : sj.items())
          if (k != "window_lines" && k != "buffer_mb" && k != "threads") throw parse_error(where + ": unknown key '" + k + "'");
        c.stream.on = true;
        if (sj.contains("window_lines")) c.stream.window_lines = io::json_count(sj["window_lines"], where + ": 'window_lines'");
        if (sj.contains("buffer_mb")) c.stream.buffer_mb = io::json_count(sj["buffer_mb"], where + ": 'buffer_mb'");
        if (sj.contains("threads")) c.stream.threads = io::json_count(sj["threads"], where + ": 'threads'");
        if (c.stream.window_lines == 0 || c.stream.window_lines > (1U << 24)) throw config_error(where + ": 'window_lines' must be in [1, 16777216]");
        if (c.stream.buffer_mb == 0 || c.stream.buffer_mb > (1U << 20)) throw config_error(where + ": 'buffer_mb' must be in [1, 1048576]");
        if (c.stream.threads == 0 || c.stream.threads > 256) throw config_error(where + ": 'threads' must be in [1, 256]");
      }
      get("epochs", c.epochs);
      if (j.contains("augment_real")) c.augment_real = swipe::augment_options::from_json(j["augment_real"], src);
      if (j.contains("augment_synthetic")) c.augment_synthetic = swipe::augment_options::from_json(j["augment_synthetic"], src);
      if (j.contains("synthesizer")) {
        const auto& sj = j["synthesizer"];
        c.synthesizer = sj.is_string() ? swipe::synthesizer_options::load(sj.get<std::string>())
                                       : swipe::synthesizer_options::from_json(sj, src + " synthesizer");
      }
    } catch (const nlohmann::json::exception& e) {
      throw parse_error(src + ": " + e.what());
    }
    if (c.sources.empty()) {
      if (c.vocabulary.empty()) throw config_error(src + ": 'vocabulary' (a word list) or 'sources' is required");
      c.sources.push_back({c.vocabulary, c.grids, c.top_words, 1.0});
    } else if (!c.vocabulary.empty() || j.contains("grids") || j.contains("grid")) {
      throw config_error(src + ": give 'sources' or 'vocabulary' and 'grids', not both");
    }
    if (c.batch_size == 0 || c.validate_every == 0) throw config_error(src + ": batch_size and validate_every must be positive");
    if (c.threads < 1) throw config_error(src + ": 'threads' must be at least 1");
    // Each example of a batch holds at least its activations (every layer, every point, d_model floats):
    // a batch that cannot fit is refused here, not by std::bad_alloc or the OOM killer mid-run.
    check_fits_in_memory(src + ": 'batch_size'", c.batch_size,
                         4ULL * c.model.d_model * (c.model.encoder_layers + c.model.decoder_layers) * std::max<std::size_t>(1, c.model.max_points));
    check_fits_in_memory(src + ": 'valid_synthetic'", c.valid_synthetic, 4ULL * 3 * std::max<std::size_t>(2, c.model.max_points));
    if (!(c.learning_rate > 0) || !(c.min_lr >= 0) || c.min_lr > c.learning_rate)
      throw config_error(src + ": need 0 <= min_lr <= learning_rate and learning_rate > 0");
    if (c.init_grow && c.init_weights.empty()) throw config_error(src + ": init_grow needs init_weights");
    if (!(c.ema_decay >= 0 && c.ema_decay < 1)) throw config_error(src + ": ema_decay must be in [0, 1)");
    if (!(c.teacher_weight >= 0 && c.teacher_weight <= 1)) throw config_error(src + ": teacher_weight must be in [0, 1]");
    if (c.teacher_weight > 0 && c.train_jsonl.empty())
      throw config_error(src + ": teacher_weight draws words from the 'teacher' lists of train_jsonl's lines: it needs train_jsonl "
                               "(feature shards do not keep them)");
    if (!(c.epochs >= 0) || !std::isfinite(c.epochs)) throw config_error(src + ": 'epochs' must be a finite number >= 0");
    if (!c.train_shards.empty() && (!c.stream.on || !c.train_jsonl.empty()))
      throw config_error(src + ": 'train_shards' needs 'stream' and replaces train_jsonl (give one of them)");
    if (c.epochs > 0) {
      if (!c.stream.on || (c.train_jsonl.empty() && c.train_shards.empty()) || !(c.real_fraction > 0))
        throw config_error(src + ": 'epochs' counts passes over streamed real swipes: it needs 'stream', train_jsonl and real_fraction > 0");
      if (j.contains("max_steps")) throw config_error(src + ": give 'epochs' or 'max_steps', not both");
    }
    return c;
  }
};

/// What a snapshot keeps besides the weights and the optimiser. Its state.json is also the snapshot's
/// manifest: written last, it names the weight files of its own step ("files"), so a snapshot is one
/// unit: a kill while writing the next one leaves this one whole (see `train`).
struct trainer_state {
  std::size_t step = 0;
  double lr = 0;
  double best_mrr = -1;
  std::size_t bad_validations = 0;
  double elapsed_s = 0;
  std::size_t ranks = 1;  ///< the processes the run trained over (training_hooks::ranks)
  std::map<std::string, std::string> files;  ///< "model", "optimizer", "ema" -> file name in the snapshot folder

  [[nodiscard]] nlohmann::json to_json() const {
    nlohmann::json j{{"step", step}, {"lr", lr}, {"best_mrr", best_mrr}, {"bad_validations", bad_validations}, {"elapsed_s", elapsed_s},
                     {"ranks", ranks}};
    if (!files.empty()) j["files"] = files;
    return j;
  }
  /// `source` names the file in errors (a damaged or hand-edited state.json).
  static trainer_state from_json(const nlohmann::json& j, const std::string& source = "trainer state") {
    trainer_state s;
    try {
      if (!j.is_object()) throw config_error(source + ": not a JSON object");
      s.step = io::json_count(j.at("step"), source + ": 'step'");
      s.lr = j.at("lr").get<double>();
      s.best_mrr = j.at("best_mrr").get<double>();
      s.bad_validations = io::json_count(j.at("bad_validations"), source + ": 'bad_validations'");
      s.elapsed_s = j.at("elapsed_s").get<double>();
      if (j.contains("files")) s.files = j.at("files").get<std::map<std::string, std::string>>();
      if (j.contains("ranks")) s.ranks = io::json_count(j.at("ranks"), source + ": 'ranks'");
    } catch (const nlohmann::json::exception& e) {
      throw parse_error(source + ": " + e.what());
    }
    if (!(s.lr >= 0) || !std::isfinite(s.lr) || !std::isfinite(s.elapsed_s))
      throw config_error(source + ": 'lr' and 'elapsed_s' must be finite numbers (lr >= 0)");
    for (const auto& [k, f] : s.files)
      if (f.empty() || f.find('/') != std::string::npos) throw config_error(source + ": 'files' entry '" + k + "' is no file name");
    return s;
  }
};

namespace detail {

/// A module or optimiser serialised by LibTorch, written durably to `path`.
template <class T>
void save_durably(const T& value, const std::filesystem::path& path) {
  std::ostringstream bytes;
  ::torch::save(value, bytes);
  io::write_file_durably(path, bytes.str(), "snapshot file");
}

/// Loads `path` into `value`; a missing or damaged file is an io_error naming it (LibTorch's own message
/// without its stack frames).
template <class T>
void load_snapshot_file(T& value, const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) throw io_error("snapshot file '" + path.string() + "' is missing");
  try {
    ::torch::load(value, path.string());
  } catch (const c10::Error& e) {
    std::string why = e.what_without_backtrace();
    throw io_error("damaged snapshot file '" + path.string() + "': " + excerpt(why.substr(0, why.find('\n')), 200));
  }
}

}  // namespace detail

/// Whether the cosine decay has begun at `step` (plateau halving is off from then on).
[[nodiscard]] inline bool decaying_at(const training_config& c, std::size_t step) noexcept {
  return c.decay_steps > 0 && step >= c.decay_from_step;
}

/// The learning rate of step `step` (0-based): `held` (the configured rate, or what plateau halving left
/// of it) after a linear warm-up over warmup_steps, or, once decaying, a cosine from `held` down to
/// min_lr over decay_steps steps. A function of the step, so a resumed run follows the same curve.
[[nodiscard]] inline double learning_rate_at(const training_config& c, double held, std::size_t step) noexcept {
  const double warm = std::min(1.0, static_cast<double>(step + 1) / static_cast<double>(std::max<std::size_t>(1, c.warmup_steps)));
  if (!decaying_at(c, step)) return held * warm;
  const double t = std::min(1.0, static_cast<double>(step - c.decay_from_step) / static_cast<double>(c.decay_steps));
  return c.min_lr + (held - c.min_lr) * 0.5 * (1 + std::cos(std::numbers::pi * t));
}

/// What a run trains and validates on: each source's words (sampled by count^frequency_power)
/// synthesised on each of its grids (and their layout variants) that can type them, the real swipes of
/// train_jsonl, and the validation sets (a fixed synthetic one, drawn on the grids as given, and
/// valid_jsonl).
class training_data {
 public:
  /// `cfg` must outlive the data.
  training_data(const training_config& cfg, std::ostream& log)
      : cfg_{cfg}, grids_{swipe::grid_set::load(cfg.grids_files)}, tokenizer_{cfg.model.tokenizer()} {
    // Layout variants of every grid a source names, from their own seed.
    std::mt19937 layout_rng{cfg.seed * 2654435761U + 17U};
    std::map<std::string, std::size_t> synth_of;
    auto synth_for = [&](const std::string& name, bool variant) {
      auto it = synth_of.find(name);
      if (it != synth_of.end()) return it->second;
      synths_.emplace_back(grids_.at(name), cfg.synthesizer);
      synth_is_variant_.push_back(variant);
      return synth_of[name] = synths_.size() - 1;
    };
    std::vector<double> shares;
    for (const auto& source : cfg.sources) {
      source_data d;
      std::vector<std::size_t> synths;
      for (const auto& name : source.grids) {
        synths.push_back(synth_for(name, false));
        for (std::size_t v = 0; v < cfg.layout_variants.count; ++v) {
          const auto vname = name + "~" + std::to_string(v + 1);
          if (!grids_.contains(vname)) grids_.add(layout_variant(grids_.at(name), cfg.layout_variants, layout_rng, vname));
          synths.push_back(synth_for(vname, true));
        }
      }
      auto list = read_word_list(source.vocabulary, tokenizer_, {.skip_unencodable = true, .fold = cfg.fold_words});
      if (list.words.size() > source.top_words) list.words.resize(source.top_words);
      std::vector<double> weights;
      for (const auto& w : list.words) {
        if (w.tokens.size() > cfg.model.max_word_length) continue;
        // Words the grid cannot type (characters without a key) cannot be synthesised.
        auto text = tokenizer_.decode(w.tokens);
        std::vector<std::size_t> on;
        for (std::size_t g : synths) {
          bool typeable = true;
          for (char32_t ch : utf8::decode(text)) typeable = typeable && synths_[g].grid().find_letter(ch).has_value();
          if (typeable) on.push_back(g);
        }
        if (on.empty()) continue;
        d.typeable_on.push_back(std::move(on));
        d.words.push_back(std::move(text));
        weights.push_back(std::pow(w.count, cfg.frequency_power));
      }
      if (d.words.empty()) throw config_error("no trainable words in '" + source.vocabulary + "'");
      std::vector<weighted_word> vocab_words;
      for (std::size_t i = 0; i < d.words.size(); ++i) vocab_words.push_back({tokenizer_.encode(d.words[i]), weights[i]});
      d.trie = vocabulary_trie::build(vocab_words);
      d.pick = std::discrete_distribution<std::size_t>{weights.begin(), weights.end()};
      log << "glide_train: " << source.vocabulary << ": " << d.words.size() << " words (" << list.skipped << " skipped), "
          << synths.size() << " grid(s)" << std::endl;
      sources_.push_back(std::move(d));
      shares.push_back(source.share);
    }
    pick_source_ = std::discrete_distribution<std::size_t>{shares.begin(), shares.end()};
    const swipe::example_stream_options stream_options{.window_lines = cfg.stream.window_lines, .seed = cfg.seed};
    auto check = [this](const swipe::swipe_example& ex) { return unusable(ex); };
    if (cfg.stream.on && !cfg.train_shards.empty()) {
      stream_ = std::make_unique<swipe::example_stream>(swipe::example_stream::shard_folders{cfg.train_shards}, grids_, stream_options, check);
      if (stream_->has_features()) {
        for (const auto& set : stream_->shards()) set.check_features(cfg.model);
        use_features_ = !cfg.augment_real.any();
      }
      log << "glide_train: streaming " << stream_->lines() << " swipes of " << cfg.train_shards.size() << " shard folder(s) in "
          << stream_->windows() << " windows of " << cfg.stream.window_lines << " swipes"
          << (use_features_ ? ", with their model inputs" : stream_->has_features() ? " (their model inputs unused: augment_real)" : "")
          << std::endl;
    } else if (cfg.stream.on && !cfg.train_jsonl.empty()) {
      const auto t0 = std::chrono::steady_clock::now();
      stream_ = std::make_unique<swipe::example_stream>(cfg.train_jsonl, grids_, stream_options, check);
      detail::print(log, "glide_train: streaming %zu lines of %zu file(s) in %zu windows of %zu lines (indexed in %.1f s)\n", stream_->lines(),
                    cfg.train_jsonl.size(), stream_->windows(), cfg.stream.window_lines,
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    } else {
      for (const auto& path : cfg.train_jsonl) read_real(path, real_train_, log, true);
    }
    // Validation sets: synthetic (fixed seed, the grids as given) and real, if given.
    std::mt19937 vr{cfg.seed + 1000003U};
    for (std::size_t i = 0; i < cfg.valid_synthetic; ++i) {
      const std::size_t s = pick_source(vr);
      valid_syn_.push_back(synthesize(s, sources_[s].pick(vr), vr, true));
      valid_syn_source_.push_back(s);
    }
    if (!cfg.valid_jsonl.empty()) read_real(cfg.valid_jsonl, valid_real_, log);
  }

  /// The batch of step `step`, drawn from that step's own seed: each example is real with probability
  /// real_fraction (when there are real swipes), else a synthetic swipe of a sampled source and word;
  /// each is augmented as configured for its kind.
  [[nodiscard]] training_batch batch(std::size_t step) {
    std::mt19937 rng{cfg_.seed * 7919U + static_cast<std::uint32_t>(step)};
    std::vector<swipe::model_input> inputs;
    std::vector<std::vector<token_id>> targets;
    std::bernoulli_distribution use_real{real_train_.empty() ? 0.0 : cfg_.real_fraction};
    std::uniform_int_distribution<std::size_t> real_pick{0, real_train_.empty() ? 0 : real_train_.size() - 1};
    for (std::size_t i = 0; i < cfg_.batch_size; ++i) {
      const bool real = use_real(rng);
      swipe::swipe_example ex;
      if (real) {
        ex = real_train_[real_pick(rng)];
      } else {
        const std::size_t s = pick_source(rng);
        ex = synthesize(s, sources_[s].pick(rng), rng, false);
      }
      inputs.push_back(input_of(ex, real, rng, inputs_));
      targets.push_back(tokenizer_.encode(target_word(ex, rng)));
    }
    return make_training_batch(inputs, targets);
  }

  /// With "stream": the real swipes of each step's whole batch (over `ranks` ranks of batch_size).
  [[nodiscard]] std::size_t real_per_step(std::size_t ranks) const {
    if (!stream_) return 0;
    return static_cast<std::size_t>(std::llround(static_cast<double>(cfg_.batch_size * ranks) * cfg_.real_fraction));
  }
  /// The streamed real swipes (null without "stream", or without train_jsonl and train_shards).
  [[nodiscard]] const swipe::example_stream* stream() const noexcept { return stream_.get(); }

  /// What one thread building batches keeps (its stream cursor, feature extractors, samplers).
  struct batch_worker {
    swipe::example_stream::cursor cursor;
    std::unique_ptr<swipe::input_builder> inputs;
    std::vector<std::discrete_distribution<std::size_t>> pick_word;
    std::discrete_distribution<std::size_t> pick_source;
  };
  [[nodiscard]] std::unique_ptr<batch_worker> make_worker() const {
    auto w = std::make_unique<batch_worker>();
    w->inputs = std::make_unique<swipe::input_builder>(grids_, tokenizer_, cfg_.model.max_points, swipe::feature_options_for(cfg_.model));
    for (const auto& d : sources_) w->pick_word.push_back(d.pick);
    w->pick_source = pick_source_;
    return w;
  }

  /// A batch's model inputs and words, before they become tensors (on the training thread: LibTorch
  /// called from a worker thread would start an OpenMP team of its own there, whose spinning threads
  /// take the cores from the training's).
  struct prepared_batch {
    std::vector<swipe::model_input> inputs;
    std::vector<std::vector<token_id>> targets;

    [[nodiscard]] std::size_t bytes() const noexcept {
      std::size_t n = 0;
      for (const auto& in : inputs) n += sizeof in + 4 * (in.kinematics.size() + in.keys.size() + in.key_weights.size());
      for (const auto& t : targets) n += sizeof t + sizeof(token_id) * t.size();
      return n;
    }
  };

  /// With "stream": part `rank` of `ranks` of step `step`'s batch, examples rank x B to (rank + 1) x B - 1
  /// of its ranks x B (B = batch_size). Example i draws from a seed of (seed, step, i) alone; it is real
  /// when the batch's real swipes, spread evenly, fall on it, and the real ones take the stream's
  /// examples in order (step x R + the number of real examples before it).
  [[nodiscard]] prepared_batch batch_part(std::size_t step, std::size_t rank, std::size_t ranks, batch_worker& w) const {
    const std::size_t whole = cfg_.batch_size * ranks, real = real_per_step(ranks);
    std::vector<swipe::model_input> inputs;
    std::vector<std::vector<token_id>> targets;
    for (std::size_t i = rank * cfg_.batch_size; i < (rank + 1) * cfg_.batch_size; ++i) {
      std::seed_seq seq{cfg_.seed, static_cast<std::uint32_t>(step), static_cast<std::uint32_t>(step >> 32), static_cast<std::uint32_t>(i), 0x5EEDU};
      std::mt19937 rng{seq};
      const std::size_t before = i * real / whole;
      const bool is_real = (i + 1) * real / whole > before;
      swipe::swipe_example ex;
      if (is_real && use_features_) {
        auto [word, input] = stream_->features_at(step * real + before, w.cursor);
        inputs.push_back(std::move(input));
        targets.push_back(tokenizer_.encode(word));
        continue;
      }
      if (is_real) {
        ex = stream_->at(step * real + before, w.cursor);
      } else {
        const std::size_t s = sources_.size() == 1 ? 0 : w.pick_source(rng);
        ex = synthesize(s, w.pick_word[s](rng), rng, false);
      }
      inputs.push_back(input_of(ex, is_real, rng, *w.inputs));
      targets.push_back(tokenizer_.encode(target_word(ex, rng)));
    }
    return {std::move(inputs), std::move(targets)};
  }

  /// The batches of steps first, first + 1, ... for this rank: with "stream", built ahead by worker
  /// threads (at most buffer_mb of them waiting); without, batch(step) on the calling thread.
  void start_batches(std::size_t first_step, std::size_t rank, std::size_t ranks) {
    next_step_ = first_step;
    if (!cfg_.stream.on) {
      if (ranks != 1) throw config_error("training over " + std::to_string(ranks) + " ranks needs a config with 'stream'");
      return;
    }
    prefetch_.reset();  // (its threads use the workers)
    workers_.clear();
    for (std::size_t t = 0; t < cfg_.stream.threads; ++t) workers_.push_back(make_worker());
    prefetch_ = std::make_unique<ordered_prefetcher<prepared_batch>>(
        [this, rank, ranks](std::size_t step, std::size_t worker) {
          const auto t0 = std::chrono::steady_clock::now();
          auto b = batch_part(step, rank, ranks, *workers_[worker]);
          prepare_ns_ += std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
          ++prepared_;
          return b;
        },
        // (Batches made past a run's end are wasted: a few per thread are enough to keep ahead.)
        [](const prepared_batch& b) { return b.bytes(); }, first_step, cfg_.stream.buffer_mb << 20, cfg_.stream.threads,
        4 * cfg_.stream.threads + 4);
  }
  /// With "stream": the batches the worker threads built so far, and their mean time (ms) on a worker.
  [[nodiscard]] std::pair<std::size_t, double> prepared() const noexcept {
    const std::size_t n = prepared_.load();
    return {n, n == 0 ? 0.0 : static_cast<double>(prepare_ns_.load()) / 1e6 / static_cast<double>(n)};
  }
  /// The next step's batch (see start_batches).
  [[nodiscard]] training_batch next_batch() {
    const std::size_t step = next_step_++;
    if (!prefetch_) return batch(step);
    const auto b = prefetch_->take();
    return make_training_batch(b.inputs, b.targets);
  }

  [[nodiscard]] const swipe::grid_set& grids() const noexcept { return grids_; }
  [[nodiscard]] const char_tokenizer& tokenizer() const noexcept { return tokenizer_; }
  /// The trie of source `s`'s words (the first decodes valid_jsonl).
  [[nodiscard]] const vocabulary_trie& trie(std::size_t s = 0) const noexcept { return sources_[s].trie; }
  [[nodiscard]] std::size_t source_count() const noexcept { return sources_.size(); }
  [[nodiscard]] const std::vector<swipe::swipe_example>& valid_synthetic() const noexcept { return valid_syn_; }
  /// The source of each valid_synthetic() swipe.
  [[nodiscard]] const std::vector<std::size_t>& valid_synthetic_sources() const noexcept { return valid_syn_source_; }
  [[nodiscard]] const std::vector<swipe::swipe_example>& valid_real() const noexcept { return valid_real_; }

 private:
  struct source_data {
    std::vector<std::string> words;
    std::vector<std::vector<std::size_t>> typeable_on;  // per word: the synthesizers (grids) that can type it
    vocabulary_trie trie;
    std::discrete_distribution<std::size_t> pick;
  };

  // One source draws nothing from the generator (runs from before sources draw the same batches).
  std::size_t pick_source(std::mt19937& rng) { return sources_.size() == 1 ? 0 : pick_source_(rng); }

  // A drawn swipe's model input, the swipe augmented first as configured for its kind.
  [[nodiscard]] swipe::model_input input_of(swipe::swipe_example& ex, bool real, std::mt19937& rng, swipe::input_builder& inputs) const {
    if (const auto& aug = real ? cfg_.augment_real : cfg_.augment_synthetic; aug.any()) {
      const auto& g = ex.curve.grid ? *ex.curve.grid : grids_.at(ex.curve.grid_name);
      ex.curve = swipe::augment(ex.curve, g, aug, rng);
    }
    return inputs(ex.curve);
  }
  // Why a real swipe cannot be trained on (empty: it can): its word, or with teacher_weight a word of its
  // teacher list, that the model cannot spell.
  [[nodiscard]] std::string unusable(const swipe::swipe_example& ex) const {
    if (ex.word.empty()) return "no word";
    auto cannot = [&](const std::string& word, const char* what) -> std::string {
      if (!tokenizer_.can_encode(word)) return std::string{"the model cannot spell "} + what + "'" + excerpt(word) + "'";
      if (tokenizer_.encode(word).size() > cfg_.model.max_word_length)
        return std::string{what} + "'" + excerpt(word) + "' is longer than max_word_length " + std::to_string(cfg_.model.max_word_length);
      return {};
    };
    if (auto why = cannot(ex.word, ""); !why.empty()) return why;
    if (cfg_.teacher_weight > 0)
      for (const auto& t : ex.teacher)
        if (auto why = cannot(t.word, "the teacher's word "); !why.empty()) return why;
    return {};
  }
  // The word a real swipe trains on: its label, or with probability teacher_weight (when its line has a
  // teacher list) a word drawn from the list by the teacher's probabilities. Draws nothing from `rng`
  // otherwise (runs without teachers keep their batches).
  [[nodiscard]] const std::string& target_word(const swipe::swipe_example& ex, std::mt19937& rng) const {
    if (!(cfg_.teacher_weight > 0) || ex.teacher.empty()) return ex.word;
    if (!std::bernoulli_distribution{cfg_.teacher_weight}(rng)) return ex.word;
    double total = 0;
    for (const auto& t : ex.teacher) total += t.p;
    if (!(total > 0)) return ex.word;
    double u = std::uniform_real_distribution<double>{0, total}(rng);
    for (const auto& t : ex.teacher) {
      if (u < t.p) return t.word;
      u -= t.p;
    }
    return ex.teacher.back().word;
  }
  // Real swipes: every named grid must be in the grid files; words the model cannot spell are counted.
  void read_real(const std::string& path, std::vector<swipe::swipe_example>& out, std::ostream& log, bool train = false) {
    std::size_t skipped = 0, kept = 0, taught = 0;
    for (auto& ex : swipe::read_jsonl(path, grids_)) {
      if (!unusable(ex).empty()) {
        ++skipped;
        continue;
      }
      if (!ex.teacher.empty()) ++taught;
      out.push_back(std::move(ex));
      ++kept;
    }
    log << "glide_train: " << path << ": " << kept << " swipes";
    if (skipped) log << " (" << skipped << " skipped: no word, or one the model cannot spell)";
    if (train && cfg_.teacher_weight > 0) log << ", " << taught << " with teacher lists";
    log << std::endl;
    if (train && cfg_.teacher_weight > 0 && taught == 0 && kept > 0)
      throw config_error(path + ": teacher_weight is " + nlohmann::json(cfg_.teacher_weight).dump() +
                         " but no line has a 'teacher' list (glide teach writes them)");
  }
  // A word's swipe is drawn on one of the grids that can type it (for validation: a grid as given,
  // where one can type it).
  [[nodiscard]] swipe::swipe_example synthesize(std::size_t s, std::size_t w, std::mt19937& rng, bool as_given) const {
    const auto& d = sources_[s];
    const auto* on = &d.typeable_on[w];
    std::vector<std::size_t> given;
    if (as_given && cfg_.layout_variants.count > 0) {
      for (std::size_t g : *on)
        if (!synth_is_variant_[g]) given.push_back(g);
      if (!given.empty()) on = &given;
    }
    return synths_[(*on)[std::uniform_int_distribution<std::size_t>{0, on->size() - 1}(rng)]].example(d.words[w], rng);
  }
  const training_config& cfg_;
  swipe::grid_set grids_;
  char_tokenizer tokenizer_;
  std::vector<swipe::swipe_synthesizer> synths_;
  std::vector<bool> synth_is_variant_;
  std::vector<source_data> sources_;
  std::discrete_distribution<std::size_t> pick_source_;
  std::vector<swipe::swipe_example> real_train_, valid_syn_, valid_real_;
  std::vector<std::size_t> valid_syn_source_;
  swipe::input_builder inputs_{grids_, tokenizer_, cfg_.model.max_points, swipe::feature_options_for(cfg_.model)};
  std::unique_ptr<swipe::example_stream> stream_;
  bool use_features_ = false;  // the stream's shards hold model inputs and real swipes are not augmented
  std::atomic<std::int64_t> prepare_ns_{0};
  std::atomic<std::size_t> prepared_{0};
  std::size_t next_step_ = 0;
  std::vector<std::unique_ptr<batch_worker>> workers_;
  // Last: its threads stop before the workers and the stream they use are gone.
  std::unique_ptr<ordered_prefetcher<prepared_batch>> prefetch_;
};

/// What a chunk hook is told after its chunk of training steps.
struct chunk_event {
  std::size_t step = 0;         ///< steps done
  double elapsed_s = 0;         ///< training seconds, over every session of the run
  double learning_rate = 0;     ///< of the last step
  double loss = 0;              ///< mean training loss over the steps since this hook's last call
  std::size_t steps = 0;        ///< steps since this hook's last call (its chunk)
  std::filesystem::path model_dir;
  /// The current (raw) weights, exported when asked (a copy: the hook may keep them).
  std::function<std::map<std::string, io::tensor>()> weights;
};

/// A hook the training loop calls after each chunk of data: every `every_steps` steps, or after
/// `every_seconds` of training since its last call, or both (whichever comes first). Validation and
/// the snapshotter are such hooks; a caller adds its own (e.g. to log, export or stop on a
/// condition) in training_hooks::chunk_hooks without editing the trainer. An exception thrown by a
/// hook ends the run with it (the last snapshot stays).
struct chunk_hook {
  std::string name;
  std::size_t every_steps = 0;
  double every_seconds = 0;
  std::function<void(const chunk_event&)> call;
};

/// The processes of a data-parallel run (e.g. MPI ranks, or LibTorch's c10d; examples/train.cpp
/// wires MPI): each rank trains on its part of every step's batch (its own examples of the stream)
/// and the gradients are summed over the ranks each step, so every rank takes the same step. Rank 0
/// alone writes the run's directory (snapshots, validation, metrics, the record); the others read
/// it to resume. Needs a config with "stream".
struct rank_group {
  std::size_t rank = 0, size = 1;
  /// Sums `values` over the ranks, in place: every rank gets the sums. Called once a step by every rank.
  std::function<void(std::span<float>)> sum;
};

/// How `train` talks to its caller.
struct training_hooks {
  std::ostream* log = &std::cout;  ///< progress lines
  /// Called after each validation, once its row is in MODEL_DIR/metrics.csv (e.g. to redraw a plot).
  std::function<void(const std::filesystem::path& model_dir)> on_validation;
  /// Raised (e.g. by a signal handler): the run writes a snapshot and returns `interrupted`.
  const volatile std::sig_atomic_t* stop = nullptr;
  /// The run's record (MODEL_DIR/record.json, io/run_record.hpp): each start appends a session with
  /// this command line, the code version of `source_dir` and every input file's content hash.
  std::vector<std::string> command;
  std::string source_dir;  ///< the source tree whose git commit the record names (empty: none asked)
  /// Called after the run's own hooks (validation, then the snapshotter), in this order.
  std::vector<chunk_hook> chunk_hooks;
  /// This process's place in a data-parallel run (one rank: none).
  rank_group ranks;
  /// Where the session's closing report of skipped lines goes (null: `log`): each rank reads swipes of
  /// its own, so a rank whose progress is silenced still names the lines it skipped.
  std::ostream* skipped_report = nullptr;
};

/// The input files a run reads (config, JSONL data, grids, vocabularies, initial weights), for its
/// record, each as (role, path).
[[nodiscard]] inline std::vector<std::pair<std::string, std::string>> run_inputs(const training_config& cfg, const std::string& source) {
  namespace fs = std::filesystem;
  // (A config given in memory, not read from a file, is in MODEL_DIR/config.json alone.)
  std::vector<std::pair<std::string, std::string>> files;
  if (fs::is_regular_file(source)) files.emplace_back("config", source);
  for (const auto& g : cfg.grids_files) files.emplace_back("grids_file", g);
  // A config without `sources` has one made of its vocabulary: each vocabulary once.
  std::set<std::string> vocabularies;
  if (!cfg.vocabulary.empty() && vocabularies.insert(cfg.vocabulary).second) files.emplace_back("vocabulary", cfg.vocabulary);
  for (const auto& src : cfg.sources)
    if (vocabularies.insert(src.vocabulary).second) files.emplace_back("vocabulary", src.vocabulary);
  for (const auto& t : cfg.train_jsonl) files.emplace_back("train_jsonl", t);
  for (const auto& t : cfg.train_shards) files.emplace_back("train_shards", (fs::path(t) / swipe::shard_manifest_name).string());
  if (!cfg.valid_jsonl.empty()) files.emplace_back("valid_jsonl", cfg.valid_jsonl);
  if (!cfg.init_weights.empty())
    files.emplace_back("init_weights", fs::is_directory(cfg.init_weights) ? (fs::path(cfg.init_weights) / "model.safetensors").string()
                                                                         : cfg.init_weights);
  return files;
}

enum class training_result { finished, interrupted, was_finished };

/// Trains, or resumes, the run of `raw_config` (a training config's JSON, read from `source`) into
/// `dir`; see the top of this header for what the directory receives.
inline training_result train(const nlohmann::json& raw_config, const std::string& source, const std::filesystem::path& dir,
                             const training_hooks& hooks = {}) {
  namespace fs = std::filesystem;
  namespace eg = glide::backends::eigen;
  auto& log = *hooks.log;
  if (fs::exists(dir / "finished")) {
    log << "glide_train: " << dir.string() << " is finished; nothing to do\n";
    return training_result::was_finished;
  }
  auto cfg = training_config::from_json(raw_config, source);
  const auto& ranks = hooks.ranks;
  if (ranks.size == 0 || ranks.rank >= ranks.size) throw config_error("training: rank " + std::to_string(ranks.rank) + " of " + std::to_string(ranks.size));
  if (ranks.size > 1 && !ranks.sum) throw config_error("training over " + std::to_string(ranks.size) + " ranks: no sum over the ranks given");
  if (ranks.size > 1 && !cfg.stream.on) throw config_error(source + ": training over " + std::to_string(ranks.size) + " ranks needs 'stream'");
  // Rank 0 alone writes the run's directory.
  const bool lead = ranks.rank == 0;
  ::torch::set_num_threads(cfg.threads);
  // LibTorch parallelises with OpenMP; a multi-threaded BLAS underneath would fight it for the cores.
  if (auto set_blas_threads = reinterpret_cast<void (*)(int)>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
    set_blas_threads(1);
  ::torch::manual_seed(cfg.seed);
  if (lead) {
    fs::create_directories(dir / "snapshot");
    auto j = cfg.model.to_json();
    j["training"] = raw_config;
    detail::write_atomically(dir / "config.json", j.dump(2) + "\n");
  }
  training_data data{cfg, log};
  if (cfg.stream.on) {
    const std::size_t real = data.real_per_step(ranks.size);
    if (cfg.epochs > 0) {
      if (real == 0) throw config_error(source + ": 'epochs' with no real swipe in a step (batch_size x real_fraction rounds to 0)");
      cfg.max_steps = static_cast<std::size_t>(std::ceil(cfg.epochs * static_cast<double>(data.stream()->lines()) / static_cast<double>(real)));
    }
    if (real > 0)
      detail::print(log, "glide_train: %zu real swipes a step over %zu rank(s): an epoch is %.1f steps; %zu steps\n", real, ranks.size,
                    static_cast<double>(data.stream()->lines()) / static_cast<double>(real), cfg.max_steps);
  }
  const auto& grids = data.grids();
  const auto& tokenizer = data.tokenizer();
  const auto& valid_syn = data.valid_synthetic();
  const auto& valid_real = data.valid_real();
  const auto valid_search = search_config::parse(cfg.valid_search);

  auto stopped = [&] { return hooks.stop != nullptr && *hooks.stop != 0; };
  swipe_model net{cfg.model};
  ::torch::optim::AdamW opt{net->parameters(), ::torch::optim::AdamWOptions(cfg.learning_rate).weight_decay(0.01)};
  trainer_state st;
  st.lr = cfg.learning_rate;
  const auto snap = dir / "snapshot";
  if (!fs::exists(snap / "state.json") && !cfg.init_weights.empty()) {
    // Start from trained weights (e.g. the shipped model) instead of a random init; the shapes must match.
    fs::path w = cfg.init_weights;
    // A model directory says its alphabet: another one than this run's is adopted letter by letter.
    std::string init_alphabet = cfg.model.alphabet;
    if (fs::is_directory(w)) {
      if (fs::exists(w / "config.json")) init_alphabet = model::model_config::load((w / "config.json").string()).alphabet;
      w /= "model.safetensors";
    }
    const auto init = io::safetensors_file::load(w.string());
    if (init_alphabet != cfg.model.alphabet) {
      if (cfg.init_grow) throw config_error(source + ": init_grow with init_weights of another alphabet is not supported");
      const auto found = net->adopt_alphabet(init, init_alphabet);
      log << "glide_train: starting from " << w.string() << ", its alphabet adopted (" << found << " of "
          << utf8::decode(cfg.model.alphabet).size() << " letters found in it or folded to it)" << std::endl;
    } else if (cfg.init_grow) {
      const auto grown = net->grow_from(init);
      log << "glide_train: starting from " << w.string() << ", grown (" << grown << " tensors added or widened)" << std::endl;
    } else {
      net->import_weights(init);
      log << "glide_train: starting from " << w.string() << std::endl;
    }
  }
  // The snapshot's files: those its state.json names (older snapshots: the fixed names).
  auto snapshot_file = [&](const std::string& kind) {
    auto it = st.files.find(kind);
    return snap / (it != st.files.end() ? it->second : kind + ".pt");
  };
  const bool resuming = fs::exists(snap / "state.json");
  if (resuming) {
    const auto state_path = (snap / "state.json").string();
    st = trainer_state::from_json(io::read_json_file(state_path, "snapshot state"), state_path);
    detail::load_snapshot_file(net, snapshot_file("model"));
    detail::load_snapshot_file(opt, snapshot_file("optimizer"));
    log << "glide_train: resumed from step " << st.step << " (best MRR " << st.best_mrr << ")" << std::endl;
    if (st.ranks != ranks.size)
      log << "glide_train: the snapshot was written by a run over " << st.ranks << " rank(s) and this one has " << ranks.size
          << ": each step's batch is now " << ranks.size * cfg.batch_size << " swipes instead of " << st.ranks * cfg.batch_size
          << ", so the steps from here differ from the ones the first run would have taken (and a streamed run takes its real"
          << " swipes from another place of the stream: step x the new batch's)" << std::endl;
  }
  st.ranks = ranks.size;
  if (lead) {
    nlohmann::json session = {{"started", io::utc_now()},
                              {"command", hooks.command},
                              {"cwd", fs::current_path().string()},
                              {"resumed_from_step", resuming ? nlohmann::json(st.step) : nlohmann::json(nullptr)},
                              {"data", nlohmann::json::array()}};
    if (ranks.size > 1) session["ranks"] = ranks.size;
    if (!hooks.source_dir.empty()) session["code"] = io::code_version_of(hooks.source_dir).to_json();
    for (const auto& [role, path] : run_inputs(cfg, source)) session["data"].push_back(io::data_file_record(role, path));
    io::append_run_session(dir, session);
  }
  // The weights' moving average starts from the weights the run starts from (or its snapshot).
  swipe_model ema_net{nullptr};
  if (cfg.ema_decay > 0) {
    ema_net = swipe_model{cfg.model};
    if (resuming && (st.files.count("ema") != 0 || (st.files.empty() && fs::exists(snap / "ema.pt")))) {
      detail::load_snapshot_file(ema_net, snapshot_file("ema"));
    } else {
      ::torch::NoGradGuard no_grad;
      auto to = ema_net->parameters();
      auto from = net->parameters();
      for (std::size_t i = 0; i < to.size(); ++i) to[i].copy_(from[i]);
    }
    ema_net->eval();
  }
  const auto csv = dir / "metrics.csv";
  if (lead && !fs::exists(csv)) {
    detail::write_atomically(csv, "step,elapsed_s,lr,train_loss,valid_mrr,valid_acc1,real_mrr,real_acc1,ema_mrr,ema_acc1\n");
  } else if (lead) {
    // Validations after the snapshot will run again: drop their rows so every step appears once.
    std::ifstream in{csv};
    std::string line, kept;
    std::getline(in, line);
    kept = line + "\n";
    for (std::size_t n = 2; std::getline(in, line); ++n) {
      if (line.empty()) continue;
      std::size_t step = 0;
      if (!glide::detail::parse_number(std::string_view{line}.substr(0, line.find(',')), step))
        throw parse_error(csv.string() + ":" + std::to_string(n) + ": no step at the start of '" + excerpt(line) + "'");
      if (step <= st.step) kept += line + "\n";
    }
    detail::write_atomically(csv, kept);
  }

  // A snapshot is one unit: the weight files of step N get names of their own (model-N.pt, ...), each
  // written durably; then state.json, naming them, replaces the previous one in one rename; only then
  // are the previous step's files removed. A kill at any point leaves a state.json whose files are
  // all there and all of its step.
  auto save_snapshot = [&] {
    const auto tag = "-" + std::to_string(st.step) + ".pt";
    std::map<std::string, std::string> files{{"model", "model" + tag}, {"optimizer", "optimizer" + tag}};
    if (ema_net) files["ema"] = "ema" + tag;
    detail::save_durably(net, snap / files["model"]);
    detail::save_durably(opt, snap / files["optimizer"]);
    if (ema_net) detail::save_durably(ema_net, snap / files["ema"]);
    st.files = files;
    detail::write_atomically(snap / "state.json", st.to_json().dump());
    // The previous snapshots' files (and any left by a kill mid-snapshot) are no longer named.
    for (const auto& e : fs::directory_iterator(snap)) {
      const auto name = e.path().filename().string();
      bool named = name == "state.json";
      for (const auto& [k, f] : files) named = named || name == f;
      if (!named) fs::remove(e.path());
    }
  };
  // Each swipe decoded with its source's vocabulary (`sources` empty: the first source's).
  auto evaluate = [&](eg::any_model& m, const std::vector<swipe::swipe_example>& set, const std::vector<std::size_t>& sources) {
    metric_accumulator acc;
    std::visit(
        [&](auto& model) {
          using rec_t = swipe::recognizer<std::decay_t<decltype(model)>>;
          std::vector<std::unique_ptr<rec_t>> recs(data.source_count());
          for (std::size_t i = 0; i < set.size(); ++i) {
            const std::size_t s = sources.empty() ? 0 : sources[i];
            if (!recs[s])
              recs[s] = std::make_unique<rec_t>(model, grids, tokenizer, &data.trie(s), valid_search, cfg.model.max_points,
                                                swipe::feature_options_for(cfg.model));
            acc.add(recs[s]->recognize(set[i].curve).words, set[i].word);
          }
        },
        m);
    return acc;
  };
  const auto& valid_syn_sources = data.valid_synthetic_sources();

  const auto t0 = std::chrono::steady_clock::now();
  const double elapsed_before = st.elapsed_s;
  auto elapsed = [&] { return elapsed_before + std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  // Validation, a chunk hook: the event's loss is the mean since the last validation.
  auto validate = [&](const chunk_event& chunk) {
    net->eval();
    auto m = eg::make_model(cfg.model, io::safetensors_file::from_tensors(net->export_weights()));
    const auto syn = evaluate(m, valid_syn, valid_syn_sources);
    double real_mrr = std::nan(""), real_acc1 = std::nan("");
    if (!valid_real.empty()) {
      const auto r = evaluate(m, valid_real, {});
      real_mrr = r.mrr();
      real_acc1 = r.accuracy_at_1();
    }
    double score = valid_real.empty() ? syn.mrr() : real_mrr;
    // The averaged weights, scored on the same validation set; kept when they score better.
    double ema_mrr = std::nan(""), ema_acc1 = std::nan("");
    bool keep_ema = false;
    if (ema_net) {
      auto em = eg::make_model(cfg.model, io::safetensors_file::from_tensors(ema_net->export_weights()));
      const auto e = valid_real.empty() ? evaluate(em, valid_syn, valid_syn_sources) : evaluate(em, valid_real, {});
      ema_mrr = e.mrr();
      ema_acc1 = e.accuracy_at_1();
      if (ema_mrr > score) {
        score = ema_mrr;
        keep_ema = true;
      }
    }
    if (score > st.best_mrr) {
      st.best_mrr = score;
      st.bad_validations = 0;
      // save_safetensors replaces the file durably (a temporary beside it, renamed): readers never
      // see half a model.
      io::save_safetensors((dir / "model.safetensors").string(), (keep_ema ? ema_net : net)->export_weights(),
                           {{"format", "glide"}, {"step", std::to_string(st.step)}, {"weights", keep_ema ? "ema" : "raw"}});
    } else if (!decaying_at(cfg, st.step - 1) && ++st.bad_validations >= cfg.plateau_patience) {
      st.lr = std::max(cfg.min_lr, st.lr * cfg.lr_factor);
      st.bad_validations = 0;
    }
    std::ofstream row{csv, std::ios::app};
    row << st.step << ',' << elapsed() << ',' << chunk.learning_rate << ',' << chunk.loss
                                      << ',' << syn.mrr() << ',' << syn.accuracy_at_1() << ','
                                      << (std::isnan(real_mrr) ? std::string{} : std::to_string(real_mrr)) << ','
                                      << (std::isnan(real_acc1) ? std::string{} : std::to_string(real_acc1)) << ','
                                      << (std::isnan(ema_mrr) ? std::string{} : std::to_string(ema_mrr)) << ','
                                      << (std::isnan(ema_acc1) ? std::string{} : std::to_string(ema_acc1)) << '\n';
    if (!row.flush()) throw io_error("cannot append to '" + csv.string() + "': " + io::detail::system_reason(errno));
    if (hooks.on_validation) hooks.on_validation(dir);
    detail::print(log, "step %zu  %.0fs  lr %.2e  loss %.4f  valid MRR %.4f acc@1 %.4f  real MRR %.4f  averaged %.4f\n", st.step, elapsed(),
                  chunk.learning_rate, chunk.loss, syn.mrr(), syn.accuracy_at_1(), real_mrr, ema_mrr);
    net->train();
  };
  double step_lr = st.lr;
  // The run's chunk hooks: validation (every validate_every steps and at max_steps), the snapshotter
  // (every snapshot_seconds), then the caller's. Each keeps the loss of its own chunk.
  struct scheduled {
    chunk_hook hook;
    bool at_last_step = false;  // due at max_steps too (validation)
    double last_s = 0;
    std::size_t last_step = 0;
    double loss_sum = 0;
    std::size_t loss_n = 0;
  };
  std::vector<scheduled> chunk_hooks;
  chunk_hooks.push_back({{"validation", cfg.validate_every, 0, [&](const chunk_event& e) { validate(e); }}, true});
  // (snapshot_seconds 0: after every step.)
  chunk_hooks.push_back({{"snapshot", cfg.snapshot_seconds > 0 ? 0 : std::size_t{1}, cfg.snapshot_seconds, [&](const chunk_event& e) {
                            st.elapsed_s = e.elapsed_s;
                            save_snapshot();
                          }}});
  for (const auto& h : hooks.chunk_hooks) {
    if (!h.call || (h.every_steps == 0 && !(h.every_seconds > 0)))
      throw config_error("training hook '" + h.name + "': needs a function and every_steps or every_seconds");
    chunk_hooks.push_back({h});
  }
  if (!lead) chunk_hooks.clear();  // rank 0 alone validates, snapshots and calls the caller's hooks
  for (auto& h : chunk_hooks) {
    h.last_s = elapsed();
    h.last_step = st.step;
  }
  net->train();
  // Each step's batch comes from its own seed, so a resumed run sees the batches it would have seen.
  data.start_batches(st.step, ranks.rank, ranks.size);
  const auto params = net->parameters();
  std::vector<float> summed;  // over the ranks: every gradient, then the loss, the target count, the stop votes, rank 0's rate
  bool all_stop = false, any_signalled = false;
  if (ranks.size > 1) {
    // Every rank must start from the same step and weights (a run directory not shared by every
    // rank, or a snapshot one rank could not see, would mix the steps of two runs).
    ::torch::NoGradGuard no_grad;
    double checksum = 0;
    for (const auto& p : params) checksum += p.abs().sum().item<double>();
    const std::vector<float> mine{static_cast<float>(st.step), static_cast<float>(checksum), static_cast<float>(cfg.max_steps)};
    std::vector<float> all = mine;
    ranks.sum(all);
    const auto n = static_cast<float>(ranks.size);
    for (std::size_t i = 0; i < mine.size(); ++i)
      if (std::abs(all[i] - n * mine[i]) > 1e-5F * std::abs(n * mine[i]))
        throw config_error("training over " + std::to_string(ranks.size) + " ranks: rank " + std::to_string(ranks.rank) +
                           " starts at step " + std::to_string(st.step) + " with max_steps " + std::to_string(cfg.max_steps) +
                           " and weights of checksum " + std::to_string(checksum) +
                           ", and another rank does not (every rank must see the same run directory and config)");
  }
  auto time_to_stop = [&] { return elapsed() >= cfg.max_minutes * 60 || stopped(); };
  while (st.step < cfg.max_steps && !(ranks.size > 1 ? all_stop : time_to_stop())) {
    const auto b = data.next_batch();
    auto logits = net->forward(b.input.kinematics, b.input.keys, b.input.mask, b.tokens_in, b.input.key_weights);
    namespace F = ::torch::nn::functional;
    auto ce = F::CrossEntropyFuncOptions().ignore_index(char_tokenizer::pad_id).label_smoothing(cfg.label_smoothing);
    ::torch::Tensor loss;
    opt.zero_grad();
    if (!cfg.stream.on) {
      loss = F::cross_entropy(logits.reshape({-1, logits.size(2)}), b.targets.reshape({-1}), ce);
      loss.backward();
    } else {
      // The mean over every target of the step's whole batch: each rank's sum, over the targets of all ranks.
      auto loss_sum = F::cross_entropy(logits.reshape({-1, logits.size(2)}), b.targets.reshape({-1}), ce.reduction(::torch::kSum));
      loss_sum.backward();
      const auto targets = static_cast<float>(b.targets.ne(char_tokenizer::pad_id).sum().item<std::int64_t>());
      float total_loss = loss_sum.item<float>(), total_targets = targets;
      for (const auto& p : params)
        if (!p.grad().defined()) p.mutable_grad() = ::torch::zeros_like(p);
      if (ranks.size > 1) {
        summed.clear();
        for (const auto& p : params) {
          const auto g = p.grad().contiguous();
          summed.insert(summed.end(), g.data_ptr<float>(), g.data_ptr<float>() + g.numel());
        }
        summed.push_back(total_loss);
        summed.push_back(targets);
        // Every rank stops after the same step: when any is signalled or out of time.
        summed.push_back(stopped() ? 1.0F : 0.0F);
        summed.push_back(elapsed() >= cfg.max_minutes * 60 ? 1.0F : 0.0F);
        // Rank 0's learning rate (its validations may have lowered it on a plateau) for every rank.
        summed.push_back(lead ? static_cast<float>(st.lr) : 0.0F);
        ranks.sum(summed);
        const std::size_t n = summed.size();
        total_loss = summed[n - 5];
        total_targets = summed[n - 4];
        any_signalled = summed[n - 3] > 0;
        all_stop = any_signalled || summed[n - 2] > 0;
        if (!lead) st.lr = summed[n - 1];
        ::torch::NoGradGuard no_grad;
        std::size_t at = 0;
        for (const auto& p : params) {
          auto g = p.grad();
          const auto numel = static_cast<std::size_t>(g.numel());
          g.copy_(::torch::from_blob(summed.data() + at, g.sizes(), ::torch::kFloat32));
          at += numel;
        }
      }
      {
        ::torch::NoGradGuard no_grad;
        for (const auto& p : params) p.grad().div_(std::max(1.0F, total_targets));
      }
      loss = ::torch::tensor(static_cast<double>(total_loss) / std::max(1.0, static_cast<double>(total_targets)), ::torch::kFloat64);
    }
    // (Set here, after the ranks' all-reduce has brought rank 0's rate.)
    step_lr = learning_rate_at(cfg, st.lr, st.step);
    for (auto& g : opt.param_groups()) static_cast<::torch::optim::AdamWOptions&>(g.options()).lr(step_lr);
    ::torch::nn::utils::clip_grad_norm_(net->parameters(), 1.0);
    opt.step();
    if (ema_net) {
      ::torch::NoGradGuard no_grad;
      auto to = ema_net->parameters();
      auto from = net->parameters();
      for (std::size_t i = 0; i < to.size(); ++i) to[i].mul_(cfg.ema_decay).add_(from[i], 1 - cfg.ema_decay);
    }
    const double step_loss = loss.item<double>();
    for (auto& h : chunk_hooks) {
      h.loss_sum += step_loss;
      ++h.loss_n;
    }
    ++st.step;
    if (st.step % 50 == 0) {
      detail::print(log, "step %zu  %.1fs  loss %.4f  (batch of %lld x %lld points)\n", st.step, elapsed(), loss.item<double>(),
                  static_cast<long long>(b.input.kinematics.size(0)), static_cast<long long>(b.input.kinematics.size(1)));
    }

    for (auto& h : chunk_hooks) {
      const bool due = (h.hook.every_steps != 0 && st.step % h.hook.every_steps == 0) ||
                       (h.hook.every_seconds > 0 && elapsed() - h.last_s >= h.hook.every_seconds) ||
                       (h.at_last_step && st.step == cfg.max_steps);
      if (!due) continue;
      const chunk_event e{.step = st.step, .elapsed_s = elapsed(), .learning_rate = step_lr,
                          .loss = h.loss_sum / static_cast<double>(std::max<std::size_t>(1, h.loss_n)),
                          .steps = st.step - h.last_step, .model_dir = dir,
                          .weights = [&] { return net->export_weights(); }};
      h.hook.call(e);
      h.last_s = elapsed();
      h.last_step = st.step;
      h.loss_sum = 0;
      h.loss_n = 0;
    }
  }
  st.elapsed_s = elapsed();
  if (cfg.stream.on) {
    const auto [n, ms] = data.prepared();
    detail::print(log, "glide_train: %zu batches built by %zu reader thread(s), %.2f ms a batch\n", n, cfg.stream.threads, ms);
  }
  if (const auto* stream = data.stream(); stream != nullptr && stream->skipped().count > 0) {
    const auto sk = stream->skipped();
    auto& report = hooks.skipped_report != nullptr ? *hooks.skipped_report : log;
    report << "glide_train: " << sk.count << " line(s) of the streamed data skipped so far, e.g.:\n";
    for (const auto& why : sk.first) report << "  " << why << "\n";
  }
  if (!lead) return stopped() || any_signalled ? training_result::interrupted : training_result::finished;
  save_snapshot();
  if (stopped() || any_signalled) {
    log << "glide_train: interrupted at step " << st.step << "; rerun to resume\n";
    return training_result::interrupted;
  }
  if (!fs::exists(dir / "model.safetensors"))
    io::save_safetensors((dir / "model.safetensors").string(), net->export_weights(), {{"format", "glide"}});
  detail::write_atomically(dir / "finished", "step " + std::to_string(st.step) + "\n");
  log << "glide_train: finished at step " << st.step << ", best validation MRR " << st.best_mrr << "\n";
  return training_result::finished;
}

}  // namespace glide::backends::torch
