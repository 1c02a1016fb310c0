#pragma once
// The whole pipeline behind one call: load_recognizer(model dir, vocabulary, grid files) gives a
// recognizer that owns the Eigen model, the vocabulary trie (words the model cannot spell dropped and
// counted), the tokenizer, the grids and per-grid features, and optionally the geometric recognizer
// (alone, or rescoring the neural n-best). recognize(curve) decodes one swipe; recognize_batch decodes
// many on several threads and returns the results in input order.
//
//   auto rec = glide::backends::eigen::load_recognizer("models/en-qwerty", "build/vocab/en.tsv",
//                                                      {"data/grids/grids.json"});
//   auto words = rec->recognize(curve).words;   // best first
//
// The CLI (glide decode / predict / evaluate), the benches and the examples load through here.

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <ostream>
#include <span>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include <glide/backends/eigen/model.hpp>
#include <glide/core/error.hpp>
#include <glide/core/memory.hpp>
#include <glide/model/config.hpp>
#include <glide/rerank/levenshtein_rerank.hpp>
#include <glide/search/prediction.hpp>
#include <glide/search/search_config.hpp>
#include <glide/swipe/dataset.hpp>
#include <glide/swipe/geometric.hpp>
#include <glide/swipe/grid.hpp>
#include <glide/swipe/recognizer.hpp>
#include <glide/text/char_tokenizer.hpp>
#include <glide/vocab/trie.hpp>
#include <glide/vocab/word_list.hpp>

namespace glide::backends::eigen {

/// The CLI's default search: trie beam 9, 9 words (rescored, then the best 4 kept), frequency prior
/// 0.3. Chosen on the How-We-Swipe valid file as the best top-1 within issue 10's speed limit (1.5x
/// the time per swipe of the old default pipeline; scripts/beam-speed.sh, docs/accuracy.md).
inline constexpr const char* default_search = "trie_beam:beam_width=9,n_best=9,prior_weight=0.3";

struct recognizer_options {
  std::string model_dir;                ///< config.json + model.safetensors
  std::string vocabulary;               ///< word list, one "word [count]" a line
  std::vector<std::string> grid_files;  ///< loaded as one set (a name in two files is an error)
  std::size_t top_words = 0;            ///< only the first N words of the list (0: all)
  search_config search = search_config::parse(default_search);
  std::size_t rerank = 0;  ///< Levenshtein-rerank out-of-vocabulary hypotheses within this distance (0: off)
  std::size_t top = 0;     ///< words kept per swipe, after any rescoring (0: all the search returns)
  /// "neural" (model + search) or "geometric" (templates only; the model is still loaded for its alphabet).
  std::string recognizer = "neural";
  std::string geometric_params;  ///< the geometric recognizer's options (JSON); empty: built-in defaults
  /// Neural words rescored by score + weight * geometric score under `rescore_params` (0: off).
  float rescore_geometric = 0;
  std::string rescore_params;
  /// Where the vocabulary's dropped-line summary goes (nullptr: nowhere).
  std::ostream* log = nullptr;
  /// Called with the vocabulary's words (after `top_words`) before the trie is built, e.g. to add
  /// words; words longer than the model's `max_word_length` are dropped after it (empty: none).
  std::function<void(std::vector<weighted_word>&, const char_tokenizer&)> edit_words;
};

/// One swipe's words (best first) and what the search did.
struct recognition {
  prediction words;
  search_stats stats;
};

/// recognize_batch's error: the first swipe that failed, by index, and why.
class batch_error : public error {
 public:
  batch_error(std::size_t index, const std::string& what)
      : error("swipe " + std::to_string(index) + ": " + what), index_{index}, cause_{what} {}
  [[nodiscard]] std::size_t index() const noexcept { return index_; }
  [[nodiscard]] const std::string& cause() const noexcept { return cause_; }

 private:
  std::size_t index_;
  std::string cause_;
};

/// Refuses search sizes (beam_width, max_batch, n_best) whose hypotheses could not fit in this machine's
/// memory, naming the option, before any is allocated. Each hypothesis holds at least its decoder
/// cache (keys and values of every layer over the longest word) and a row of logits.
inline void check_search_memory(const search_config& search, const glide::model::model_config& m) {
  const std::uint64_t per_hypothesis =
      4 * (2 * static_cast<std::uint64_t>(m.decoder_layers) * m.d_model * (m.max_word_length + 1) + m.vocab_size());
  for (const auto& [key, value] : search.options())
    if (key == "beam_width" || key == "max_batch" || key == "n_best")
      check_fits_in_memory("search option " + key, std::stoull(value), per_hypothesis);
}

class loaded_recognizer {
 public:
  explicit loaded_recognizer(recognizer_options o)
      : options_{std::move(o)},
        model_{load_model(options_.model_dir)},
        config_{glide::model::model_config::load((std::filesystem::path(options_.model_dir) / "config.json").string())},
        tokenizer_{config_.tokenizer()},
        grids_{swipe::grid_set::load(options_.grid_files)},
        trie_{load_vocabulary(options_, tokenizer_, config_)} {
    if (!(options_.rescore_geometric >= 0) || !std::isfinite(options_.rescore_geometric))
      throw config_error("rescore_geometric must be a finite weight >= 0");
    if (options_.recognizer != "neural" && options_.recognizer != "geometric")
      throw unknown_name_error("unknown recognizer '" + options_.recognizer + "' (known: neural, geometric)");
    if (options_.recognizer == "neural") check_search_memory(options_.search, config_);
    if (options_.recognizer == "geometric") options_.rescore_geometric = 0;  // rescoring applies to neural words
    if (options_.recognizer == "geometric" || options_.rescore_geometric > 0) {
      const auto& path = options_.recognizer == "geometric" ? options_.geometric_params : options_.rescore_params;
      geometric_ = std::make_unique<swipe::geometric_recognizer>(
          trie_, tokenizer_, grids_, path.empty() ? swipe::geometric_options{} : swipe::geometric_options::load(path));
    }
  }
  loaded_recognizer(const loaded_recognizer&) = delete;  // the geometric recognizer points into this
  loaded_recognizer& operator=(const loaded_recognizer&) = delete;

  /// Per-thread decoding state (feature extractors, the model's recognizer); sessions share the model.
  class session {
   public:
    explicit session(const loaded_recognizer& r) : r_{&r} {}

    [[nodiscard]] recognition operator()(const swipe::swipe_curve& c) {
      recognition out;
      if (r_->geometric_ && r_->options_.recognizer == "geometric") {
        auto g = r_->geometric_->recognize(c);
        out = {std::move(g.words), search_stats{.rows_scored = g.scored}};
      } else {
        out = neural(c);
        if (r_->options_.rescore_geometric > 0) swipe::rescore_geometric(out.words, c, *r_->geometric_, r_->options_.rescore_geometric);
      }
      if (r_->options_.top > 0 && out.words.size() > r_->options_.top) out.words.resize(r_->options_.top);
      for (const auto& w : out.words)
        if (!std::isfinite(w.score))
          throw numeric_error("the score of '" + w.word + "' is not finite (NaN or inf): check the model's weights and the swipe");
      return out;
    }

    /// The model input of a swipe (its grid's features, cached per grid in this session).
    [[nodiscard]] swipe::model_input input(const swipe::swipe_curve& c) {
      return std::visit([&](auto& m) { return recognizer_for<std::decay_t<decltype(m)>>(m).input(c); }, r_->model_);
    }

   private:
    recognition neural(const swipe::swipe_curve& c) {
      return std::visit(
          [&](auto& m) -> recognition {
            using M = std::decay_t<decltype(m)>;
            auto& rec = recognizer_for<M>(m);
            if (r_->options_.rerank == 0) {
              auto r = rec.recognize(c);
              return {std::move(r.words), r.stats};
            }
            const auto memory = m.encoder().encode(rec.input(c));
            const auto& s = r_->options_.search;
            auto hyps = run_search(m.decoder(), memory, &r_->trie_, s);
            auto rr = levenshtein_rerank(m.decoder(), memory, r_->trie_, hyps,
                                         {.max_distance = r_->options_.rerank, .n_best = s.n_best, .prior_weight = s.prior_weight});
            return {to_prediction(rr, r_->tokenizer_), rr.stats};
          },
          r_->model_);
    }
    template <class M>
    swipe::recognizer<M>& recognizer_for(M& m) {
      auto& slot = std::get<std::unique_ptr<swipe::recognizer<M>>>(recognizers_);
      if (!slot)
        slot = std::make_unique<swipe::recognizer<M>>(m, r_->grids_, r_->tokenizer_, &r_->trie_, r_->options_.search,
                                                      r_->config_.max_points);
      return *slot;
    }
    const loaded_recognizer* r_;
    std::tuple<std::unique_ptr<swipe::recognizer<transformer_model>>, std::unique_ptr<swipe::recognizer<gru_model>>> recognizers_;
  };

  /// Decodes one swipe. Concurrent calls take turns; for parallel decoding use recognize_batch or
  /// one session per thread.
  [[nodiscard]] recognition recognize(const swipe::swipe_curve& c) {
    std::lock_guard lock{mutex_};
    if (!default_session_) default_session_ = std::make_unique<session>(*this);
    return (*default_session_)(c);
  }

  /// The model input of a swipe, for running a search of one's own on model().
  [[nodiscard]] swipe::model_input input(const swipe::swipe_curve& c) {
    std::lock_guard lock{mutex_};
    if (!default_session_) default_session_ = std::make_unique<session>(*this);
    return default_session_->input(c);
  }

  /// Decodes swipes on `threads` threads (0: the hardware's); results in input order. The first
  /// failing swipe (lowest index among those that failed) is thrown as batch_error. `progress(done,
  /// total)` is called after each swipe, from the worker threads, one call at a time.
  [[nodiscard]] std::vector<recognition> recognize_batch(std::span<const swipe::swipe_curve> curves, unsigned threads = 1,
                                                         const std::function<void(std::size_t, std::size_t)>& progress = {}) const {
    return batch(curves.size(), [&](std::size_t i) -> const swipe::swipe_curve& { return curves[i]; }, threads, progress);
  }
  [[nodiscard]] std::vector<recognition> recognize_batch(std::span<const swipe::swipe_example> examples, unsigned threads = 1,
                                                         const std::function<void(std::size_t, std::size_t)>& progress = {}) const {
    return batch(examples.size(), [&](std::size_t i) -> const swipe::swipe_curve& { return examples[i].curve; }, threads, progress);
  }

  /// Whether `word` is a word of the vocabulary (as the model spells it).
  [[nodiscard]] bool in_vocabulary(const std::string& word) const {
    return !word.empty() && tokenizer_.can_encode(word) && trie_.contains(tokenizer_.encode(word));
  }

  /// The decoding configuration in canonical form (search or geometric options, rerank, top,
  /// rescoring): with the inputs' content hashes, a prediction table key.
  [[nodiscard]] std::string canonical_decoding() const {
    std::string s = options_.recognizer == "geometric" ? "geometric:" + geometric_->options().to_json().dump()
                                                       : options_.search.canonical();
    if (options_.rerank) s += ";rerank=" + std::to_string(options_.rerank);
    s += ";top=" + std::to_string(options_.top);
    if (options_.rescore_geometric > 0)
      s += ";rescore_geometric=" + exact_text(options_.rescore_geometric) + ":" + geometric_->options().to_json().dump();
    return s;
  }

  [[nodiscard]] const recognizer_options& options() const noexcept { return options_; }
  [[nodiscard]] const any_model& model() const noexcept { return model_; }
  [[nodiscard]] any_model& model() noexcept { return model_; }
  [[nodiscard]] const glide::model::model_config& config() const noexcept { return config_; }
  [[nodiscard]] const char_tokenizer& tokenizer() const noexcept { return tokenizer_; }
  [[nodiscard]] const swipe::grid_set& grids() const noexcept { return grids_; }
  [[nodiscard]] const vocabulary_trie& trie() const noexcept { return trie_; }
  /// The geometric recognizer, when it is used (alone or to rescore); else null.
  [[nodiscard]] const swipe::geometric_recognizer* geometric() const noexcept { return geometric_.get(); }
  /// The model directory's name ("en-qwerty"), or "geometric" for the geometric recognizer.
  [[nodiscard]] std::string name() const {
    if (options_.recognizer == "geometric") return "geometric";
    const std::filesystem::path p{options_.model_dir};
    return p.filename().empty() ? p.parent_path().filename().string() : p.filename().string();
  }
  /// The file whose content identifies the recognizer: the weights, or the geometric options.
  [[nodiscard]] std::string weights_file() const {
    return options_.recognizer == "geometric" ? options_.geometric_params
                                              : (std::filesystem::path(options_.model_dir) / "model.safetensors").string();
  }

 private:
  static vocabulary_trie load_vocabulary(const recognizer_options& o, const char_tokenizer& tokenizer, const glide::model::model_config& c) {
    auto list = read_word_list(o.vocabulary, tokenizer, {.skip_unencodable = true, .max_tokens = c.max_word_length});
    if (const auto dropped = list.dropped_summary(); !dropped.empty() && o.log) *o.log << "glide: " << o.vocabulary << ": dropped " << dropped << "\n";
    if (o.top_words != 0 && list.words.size() > o.top_words) list.words.resize(o.top_words);
    if (o.edit_words) {
      o.edit_words(list.words, tokenizer);
      std::erase_if(list.words, [&](const weighted_word& w) { return w.tokens.size() > c.max_word_length; });
    }
    return vocabulary_trie::build(std::move(list.words));
  }

  template <class Get>
  std::vector<recognition> batch(std::size_t n, Get get, unsigned threads,
                                 const std::function<void(std::size_t, std::size_t)>& progress) const {
    std::vector<recognition> out(n);
    std::atomic<std::size_t> next{0};
    std::size_t done = 0, failed = n;
    std::string failure;
    std::mutex m;
    auto work = [&] {
      session s{*this};
      for (std::size_t i = next++; i < n; i = next++) {
        try {
          out[i] = s(get(i));
        } catch (const std::exception& e) {
          std::lock_guard lock{m};
          if (i < failed) {
            failed = i;
            failure = e.what();
          }
        }
        std::lock_guard lock{m};
        ++done;
        if (progress) progress(done, n);
      }
    };
    if (threads == 0) threads = std::max(1U, std::thread::hardware_concurrency());
    threads = static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(1, n)));
    if (threads == 1) {
      work();
    } else {
      std::vector<std::thread> pool;
      for (unsigned t = 0; t < threads; ++t) pool.emplace_back(work);
      for (auto& t : pool) t.join();
    }
    if (failed < n) throw batch_error(failed, failure);
    return out;
  }

  recognizer_options options_;
  // Decoding only reads the weights (states and scratch buffers live in each session's decoder
  // states), so sessions on several threads share one model.
  mutable any_model model_;
  glide::model::model_config config_;
  char_tokenizer tokenizer_;
  swipe::grid_set grids_;
  vocabulary_trie trie_;
  std::unique_ptr<swipe::geometric_recognizer> geometric_;
  std::mutex mutex_;
  std::unique_ptr<session> default_session_;
};

/// Loads a recognizer with `options`.
[[nodiscard]] inline std::unique_ptr<loaded_recognizer> load_recognizer(recognizer_options options) {
  return std::make_unique<loaded_recognizer>(std::move(options));
}

/// Loads the model in `model_dir` with a vocabulary and grid files, the other options at their defaults.
[[nodiscard]] inline std::unique_ptr<loaded_recognizer> load_recognizer(std::string model_dir, std::string vocabulary,
                                                                        std::vector<std::string> grid_files) {
  recognizer_options o;
  o.model_dir = std::move(model_dir);
  o.vocabulary = std::move(vocabulary);
  o.grid_files = std::move(grid_files);
  return load_recognizer(std::move(o));
}

}  // namespace glide::backends::eigen
