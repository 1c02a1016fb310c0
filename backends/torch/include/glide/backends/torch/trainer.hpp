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
// at the end, `finished`. A rerun resumes from the snapshot and sees the batches the run would have
// seen; a rerun of a finished model does nothing.

#include <dlfcn.h>

#include <algorithm>
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
#include <numbers>
#include <random>
#include <sstream>
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
#include <glide/glide.hpp>
#include <glide/io/json_file.hpp>
#include <glide/io/durable_file.hpp>
#include <glide/metrics/swipe_metrics.hpp>
#include <glide/search/search_config.hpp>
#include <glide/swipe/augment.hpp>
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

/// A training run's configuration (JSON keys as the members; an unknown key is an error naming it).
struct training_config {
  model::model_config model;
  std::vector<std::string> grids_files = {"data/grids/grids.json"};  ///< "grids_file": one path or a list
  std::vector<std::string> grids = {"qwerty"};  ///< synthetic swipes use each grid that can type the word
  std::string vocabulary;
  std::size_t top_words = 20000;
  double frequency_power = 0.5;
  std::vector<std::string> train_jsonl;
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

  static training_config from_json(const nlohmann::json& j, const std::string& src) {
    training_config c;
    if (!j.is_object()) throw parse_error(src + ": not a JSON object");
    for (const auto& [k, v] : j.items()) {
      static const std::vector<std::string> known{
          "model", "grids_file", "grid", "grids", "vocabulary", "top_words", "frequency_power", "train_jsonl", "real_fraction",
          "valid_jsonl", "valid_synthetic", "batch_size", "learning_rate", "warmup_steps", "max_steps", "max_minutes",
          "validate_every", "snapshot_seconds", "plateau_patience", "lr_factor", "min_lr", "decay_from_step", "decay_steps", "label_smoothing", "ema_decay", "seed",
          "threads", "valid_search", "init_weights", "init_grow", "augment_real", "augment_synthetic", "synthesizer"};
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
      get("ema_decay", c.ema_decay);
      get("seed", c.seed);
      get("threads", c.threads);
      get("valid_search", c.valid_search);
      get("init_weights", c.init_weights);
      get("init_grow", c.init_grow);
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
    if (c.vocabulary.empty()) throw config_error(src + ": 'vocabulary' (a word list) is required");
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
  std::map<std::string, std::string> files;  ///< "model", "optimizer", "ema" -> file name in the snapshot folder

  [[nodiscard]] nlohmann::json to_json() const {
    nlohmann::json j{{"step", step}, {"lr", lr}, {"best_mrr", best_mrr}, {"bad_validations", bad_validations}, {"elapsed_s", elapsed_s}};
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

/// What a run trains and validates on: the vocabulary's words (sampled by count^frequency_power)
/// synthesised on each listed grid that can type them, the real swipes of train_jsonl, and the
/// validation sets (a fixed synthetic one and valid_jsonl).
class training_data {
 public:
  /// `cfg` must outlive the data.
  training_data(const training_config& cfg, std::ostream& log)
      : cfg_{cfg}, grids_{swipe::grid_set::load(cfg.grids_files)}, tokenizer_{cfg.model.tokenizer()} {
    for (const auto& name : cfg.grids) synths_.emplace_back(grids_.at(name), cfg.synthesizer);
    if (synths_.empty()) throw config_error("no grid to synthesise swipes on");
    auto list = read_word_list(cfg.vocabulary, tokenizer_, {.skip_unencodable = true});
    if (list.words.size() > cfg.top_words) list.words.resize(cfg.top_words);
    std::vector<double> weights;
    for (const auto& w : list.words) {
      if (w.tokens.size() > cfg.model.max_word_length) continue;
      // Words the grid cannot type (characters without a key) cannot be synthesised.
      auto text = tokenizer_.decode(w.tokens);
      std::vector<std::size_t> on;
      for (std::size_t g = 0; g < synths_.size(); ++g) {
        bool typeable = true;
        for (char32_t ch : utf8::decode(text)) typeable = typeable && synths_[g].grid().find_letter(ch).has_value();
        if (typeable) on.push_back(g);
      }
      if (on.empty()) continue;
      typeable_on_.push_back(std::move(on));
      words_.push_back(std::move(text));
      weights.push_back(std::pow(w.count, cfg.frequency_power));
    }
    if (words_.empty()) throw config_error("no trainable words in '" + cfg.vocabulary + "'");
    std::vector<weighted_word> vocab_words;
    for (std::size_t i = 0; i < words_.size(); ++i) vocab_words.push_back({tokenizer_.encode(words_[i]), weights[i]});
    trie_ = vocabulary_trie::build(vocab_words);
    pick_ = std::discrete_distribution<std::size_t>{weights.begin(), weights.end()};
    log << "glide_train: " << words_.size() << " words (" << list.skipped << " skipped), " << synths_.size() << " grid(s)" << std::endl;
    for (const auto& path : cfg.train_jsonl) read_real(path, real_train_, log);
    // Validation sets: synthetic (fixed seed) and real, if given.
    std::mt19937 vr{cfg.seed + 1000003U};
    for (std::size_t i = 0; i < cfg.valid_synthetic; ++i) valid_syn_.push_back(synthesize(pick_(vr), vr));
    if (!cfg.valid_jsonl.empty()) read_real(cfg.valid_jsonl, valid_real_, log);
  }

  /// The batch of step `step`, drawn from that step's own seed: each example is real with probability
  /// real_fraction (when there are real swipes), else a synthetic swipe of a sampled word; each is
  /// augmented as configured for its kind.
  [[nodiscard]] training_batch batch(std::size_t step) {
    std::mt19937 rng{cfg_.seed * 7919U + static_cast<std::uint32_t>(step)};
    std::vector<swipe::model_input> inputs;
    std::vector<std::vector<token_id>> targets;
    std::bernoulli_distribution use_real{real_train_.empty() ? 0.0 : cfg_.real_fraction};
    std::uniform_int_distribution<std::size_t> real_pick{0, real_train_.empty() ? 0 : real_train_.size() - 1};
    for (std::size_t i = 0; i < cfg_.batch_size; ++i) {
      const bool real = use_real(rng);
      auto ex = real ? real_train_[real_pick(rng)] : synthesize(pick_(rng), rng);
      if (const auto& aug = real ? cfg_.augment_real : cfg_.augment_synthetic; aug.any()) {
        const auto& g = ex.curve.grid ? *ex.curve.grid : grids_.at(ex.curve.grid_name);
        ex.curve = swipe::augment(ex.curve, g, aug, rng);
      }
      inputs.push_back(inputs_(ex.curve));
      targets.push_back(tokenizer_.encode(ex.word));
    }
    return make_training_batch(inputs, targets);
  }

  [[nodiscard]] const swipe::grid_set& grids() const noexcept { return grids_; }
  [[nodiscard]] const char_tokenizer& tokenizer() const noexcept { return tokenizer_; }
  [[nodiscard]] const vocabulary_trie& trie() const noexcept { return trie_; }
  [[nodiscard]] const std::vector<swipe::swipe_example>& valid_synthetic() const noexcept { return valid_syn_; }
  [[nodiscard]] const std::vector<swipe::swipe_example>& valid_real() const noexcept { return valid_real_; }

 private:
  // Real swipes: every named grid must be in the grid files; words the model cannot spell are counted.
  void read_real(const std::string& path, std::vector<swipe::swipe_example>& out, std::ostream& log) {
    std::size_t skipped = 0, kept = 0;
    for (auto& ex : swipe::read_jsonl(path, grids_)) {
      if (ex.word.empty() || !tokenizer_.can_encode(ex.word) || tokenizer_.encode(ex.word).size() > cfg_.model.max_word_length) {
        ++skipped;
        continue;
      }
      out.push_back(std::move(ex));
      ++kept;
    }
    log << "glide_train: " << path << ": " << kept << " swipes";
    if (skipped) log << " (" << skipped << " skipped: no word, or one the model cannot spell)";
    log << std::endl;
  }
  // A word's swipe is drawn on one of the grids that can type it.
  [[nodiscard]] swipe::swipe_example synthesize(std::size_t w, std::mt19937& rng) const {
    const auto& on = typeable_on_[w];
    return synths_[on[std::uniform_int_distribution<std::size_t>{0, on.size() - 1}(rng)]].example(words_[w], rng);
  }
  const training_config& cfg_;
  swipe::grid_set grids_;
  char_tokenizer tokenizer_;
  std::vector<swipe::swipe_synthesizer> synths_;
  std::vector<std::string> words_;
  std::vector<std::vector<std::size_t>> typeable_on_;  // per word: the grids that can type it
  vocabulary_trie trie_;
  std::discrete_distribution<std::size_t> pick_;
  std::vector<swipe::swipe_example> real_train_, valid_syn_, valid_real_;
  swipe::input_builder inputs_{grids_, tokenizer_, cfg_.model.max_points};
};

/// How `train` talks to its caller.
struct training_hooks {
  std::ostream* log = &std::cout;  ///< progress lines
  /// Called after each validation, once its row is in MODEL_DIR/metrics.csv (e.g. to redraw a plot).
  std::function<void(const std::filesystem::path& model_dir)> on_validation;
  /// Raised (e.g. by a signal handler): the run writes a snapshot and returns `interrupted`.
  const volatile std::sig_atomic_t* stop = nullptr;
};

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
  const auto cfg = training_config::from_json(raw_config, source);
  ::torch::set_num_threads(cfg.threads);
  // LibTorch parallelises with OpenMP; a multi-threaded BLAS underneath would fight it for the cores.
  if (auto set_blas_threads = reinterpret_cast<void (*)(int)>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
    set_blas_threads(1);
  ::torch::manual_seed(cfg.seed);
  fs::create_directories(dir / "snapshot");
  {
    auto j = cfg.model.to_json();
    j["training"] = raw_config;
    detail::write_atomically(dir / "config.json", j.dump(2) + "\n");
  }
  training_data data{cfg, log};
  const auto& grids = data.grids();
  const auto& tokenizer = data.tokenizer();
  const auto& trie = data.trie();
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
    if (fs::is_directory(w)) w /= "model.safetensors";
    const auto init = io::safetensors_file::load(w.string());
    if (cfg.init_grow) {
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
  if (!fs::exists(csv)) {
    detail::write_atomically(csv, "step,elapsed_s,lr,train_loss,valid_mrr,valid_acc1,real_mrr,real_acc1,ema_mrr,ema_acc1\n");
  } else {
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
  auto evaluate = [&](eg::any_model& m, const std::vector<swipe::swipe_example>& set) {
    metric_accumulator acc;
    std::visit(
        [&](auto& model) {
          swipe::recognizer rec{model, grids, tokenizer, &trie, valid_search, cfg.model.max_points};
          for (const auto& ex : set) acc.add(rec.recognize(ex.curve).words, ex.word);
        },
        m);
    return acc;
  };

  const auto t0 = std::chrono::steady_clock::now();
  const double elapsed_before = st.elapsed_s;
  auto elapsed = [&] { return elapsed_before + std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  double last_snapshot = elapsed();
  double loss_sum = 0;
  std::size_t loss_n = 0;
  net->train();
  while (st.step < cfg.max_steps && elapsed() < cfg.max_minutes * 60 && !stopped()) {
    // Each step's batch comes from its own seed, so a resumed run sees the batches it would have seen.
    const auto b = data.batch(st.step);
    const bool decaying = decaying_at(cfg, st.step);
    const double step_lr = learning_rate_at(cfg, st.lr, st.step);
    for (auto& g : opt.param_groups()) static_cast<::torch::optim::AdamWOptions&>(g.options()).lr(step_lr);
    auto logits = net->forward(b.input.kinematics, b.input.keys, b.input.mask, b.tokens_in);
    auto loss = ::torch::nn::functional::cross_entropy(
        logits.reshape({-1, logits.size(2)}), b.targets.reshape({-1}),
        ::torch::nn::functional::CrossEntropyFuncOptions().ignore_index(char_tokenizer::pad_id).label_smoothing(cfg.label_smoothing));
    opt.zero_grad();
    loss.backward();
    ::torch::nn::utils::clip_grad_norm_(net->parameters(), 1.0);
    opt.step();
    if (ema_net) {
      ::torch::NoGradGuard no_grad;
      auto to = ema_net->parameters();
      auto from = net->parameters();
      for (std::size_t i = 0; i < to.size(); ++i) to[i].mul_(cfg.ema_decay).add_(from[i], 1 - cfg.ema_decay);
    }
    loss_sum += loss.item<double>();
    ++loss_n;
    ++st.step;
    if (st.step % 50 == 0) {
      detail::print(log, "step %zu  %.0fs  loss %.4f  (batch of %lld x %lld points)\n", st.step, elapsed(), loss.item<double>(),
                  static_cast<long long>(b.input.kinematics.size(0)), static_cast<long long>(b.input.kinematics.size(1)));
    }

    if (st.step % cfg.validate_every == 0 || st.step == cfg.max_steps) {
      net->eval();
      auto m = eg::make_model(cfg.model, io::safetensors_file::from_tensors(net->export_weights()));
      const auto syn = evaluate(m, valid_syn);
      double real_mrr = std::nan(""), real_acc1 = std::nan("");
      if (!valid_real.empty()) {
        const auto r = evaluate(m, valid_real);
        real_mrr = r.mrr();
        real_acc1 = r.accuracy_at_1();
      }
      double score = valid_real.empty() ? syn.mrr() : real_mrr;
      // The averaged weights, scored on the same validation set; kept when they score better.
      double ema_mrr = std::nan(""), ema_acc1 = std::nan("");
      bool keep_ema = false;
      if (ema_net) {
        auto em = eg::make_model(cfg.model, io::safetensors_file::from_tensors(ema_net->export_weights()));
        const auto e = evaluate(em, valid_real.empty() ? valid_syn : valid_real);
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
      } else if (!decaying && ++st.bad_validations >= cfg.plateau_patience) {
        st.lr = std::max(cfg.min_lr, st.lr * cfg.lr_factor);
        st.bad_validations = 0;
      }
      std::ofstream row{csv, std::ios::app};
      row << st.step << ',' << elapsed() << ',' << step_lr << ',' << loss_sum / static_cast<double>(std::max<std::size_t>(1, loss_n))
                                        << ',' << syn.mrr() << ',' << syn.accuracy_at_1() << ','
                                        << (std::isnan(real_mrr) ? std::string{} : std::to_string(real_mrr)) << ','
                                        << (std::isnan(real_acc1) ? std::string{} : std::to_string(real_acc1)) << ','
                                        << (std::isnan(ema_mrr) ? std::string{} : std::to_string(ema_mrr)) << ','
                                        << (std::isnan(ema_acc1) ? std::string{} : std::to_string(ema_acc1)) << '\n';
      if (!row.flush()) throw io_error("cannot append to '" + csv.string() + "': " + io::detail::system_reason(errno));
      if (hooks.on_validation) hooks.on_validation(dir);
      detail::print(log, "step %zu  %.0fs  lr %.2e  loss %.4f  valid MRR %.4f acc@1 %.4f  real MRR %.4f  averaged %.4f\n", st.step, elapsed(), step_lr,
                  loss_sum / static_cast<double>(std::max<std::size_t>(1, loss_n)), syn.mrr(), syn.accuracy_at_1(), real_mrr, ema_mrr);
      loss_sum = 0;
      loss_n = 0;
      net->train();
    }
    if (elapsed() - last_snapshot >= cfg.snapshot_seconds) {
      st.elapsed_s = elapsed();
      save_snapshot();
      last_snapshot = elapsed();
    }
  }
  st.elapsed_s = elapsed();
  save_snapshot();
  if (stopped()) {
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
