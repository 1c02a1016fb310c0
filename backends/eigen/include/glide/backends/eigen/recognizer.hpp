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
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include <glide/aggregate/aggregators.hpp>
#include <glide/aggregate/ensemble_decoder.hpp>
#include <glide/aggregate/token_map_decoder.hpp>
#include <glide/backends/eigen/model.hpp>
#include <glide/core/error.hpp>
#include <glide/core/memory.hpp>
#include <glide/io/content_hash.hpp>
#include <glide/model/config.hpp>
#include <glide/rerank/levenshtein_rerank.hpp>
#include <glide/search/prediction.hpp>
#include <glide/search/score_sequences.hpp>
#include <glide/search/search_config.hpp>
#include <glide/swipe/dataset.hpp>
#include <glide/swipe/geometric.hpp>
#include <glide/swipe/grid.hpp>
#include <glide/swipe/literal.hpp>
#include <glide/swipe/recognizer.hpp>
#include <glide/text/char_tokenizer.hpp>
#include <glide/text/fold.hpp>
#include <glide/vocab/any_spelling.hpp>
#include <glide/vocab/lexicon_union.hpp>
#include <glide/vocab/trie.hpp>
#include <glide/vocab/user_dictionary.hpp>
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
  /// The letters words are spelled in: a language pack's keys, a subset of a layout-conditioned
  /// model's alphabet (café on a layout without é is c-a-f-e even where the model knows é; the
  /// literal spellings use these letters only). Empty: the model's alphabet.
  std::string alphabet;
  search_config search = search_config::parse(default_search);
  std::size_t rerank = 0;  ///< Levenshtein-rerank out-of-vocabulary hypotheses within this distance (0: off)
  std::size_t top = 0;     ///< words kept per swipe, after any rescoring (0: all the search returns)
  /// "neural" (model + search) or "geometric" (templates only; the model is still loaded for its alphabet).
  std::string recognizer = "neural";
  std::string geometric_params;  ///< the geometric recognizer's options (JSON); empty: built-in defaults
  /// Neural words rescored by score + weight * geometric score under `rescore_params` (0: off).
  float rescore_geometric = 0;
  std::string rescore_params;
  /// Literal (open-vocabulary) decoding: the model's free spellings are candidates too, ranked by the
  /// gate in `literal_params` (JSON from `glide fit-literal`; empty: built-in defaults). Neural only.
  bool literal = false;
  std::string literal_params;
  /// The weight (a count in the vocabulary's units) of a user word added without one: 0 takes the
  /// count of the vocabulary's `user_word_rank`-th most frequent word.
  double user_word_weight = 0;
  std::size_t user_word_rank = 1000;
  /// User words the search missed but the geometric channels rank among the swipe's best this many
  /// are scored by the model too (teacher forced, one small batch) and join the candidates; needs the
  /// geometric rescoring (0: off, the searches alone).
  std::size_t user_shortlist = 3;
  /// Most user words whose templates the shortlist makes per swipe, best start and end first (0: no
  /// limit): bounds its cost for large dictionaries.
  std::size_t user_shortlist_templates = 64;
  /// Other model directories decoded together with `model_dir` as one ensemble inside the search
  /// (ensemble_decoder: the models' next-character log-probabilities combined at every step of one
  /// beam); each reads its own input features from the swipe. Each must know every letter of the
  /// model's alphabet (a larger one is read through a token_map_decoder: a layout-conditioned model
  /// joins an English one). Empty: the model alone. Live (partial) decodes use `model_dir` alone.
  std::vector<std::string> ensemble;
  /// One weight per model, `model_dir`'s first, then `ensemble`'s (empty: equal weights).
  std::vector<float> ensemble_weights;
  /// How the models combine: "product" or "mixture" of their next-letter log-probabilities inside one
  /// search (ensemble_decoder), or "words": each model runs the whole pipeline (its own searches,
  /// rescoring and literal gate) and the lists merge as weighted_merge does (a word's score is the
  /// log of its weighted mean probability over the models' lists, each list's scores softmaxed).
  std::string ensemble_method = "product";
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
  // An ensemble's decoder: every model read in the first model's token ids.
  using ensemble_type = ensemble_decoder<token_map_decoder<any_decoder>>;

  // The model directory's config (the errors load_model gives for a directory that is not there).
  static glide::model::model_config model_config_of(const std::string& dir) {
    if (!std::filesystem::is_directory(dir)) throw io_error("model directory '" + dir + "' does not exist");
    return glide::model::model_config::load((std::filesystem::path(dir) / "config.json").string());
  }

 public:
  explicit loaded_recognizer(recognizer_options o)
      : options_{std::move(o)},
        config_{model_config_of(options_.model_dir)},
        tokenizer_{config_.tokenizer()},
        spell_tokenizer_{spelling_tokenizer(options_.alphabet, tokenizer_)},
        grids_{swipe::grid_set::load(options_.grid_files)},
        trie_{load_vocabulary(options_, tokenizer_, config_)},
        model_{load_model(options_.model_dir)},
        literal_{options_.literal_params.empty() ? swipe::literal_options{} : swipe::literal_options::load(options_.literal_params)},
        spelling_{letters(tokenizer_, spell_tokenizer_), config_.max_word_length} {
    if (!options_.literal) literal_.enabled = false;
    if (options_.user_word_weight != 0 && !(options_.user_word_weight > 0 && std::isfinite(options_.user_word_weight)))
      throw config_error("user_word_weight must be a finite count > 0 (or 0: from user_word_rank)");
    default_user_weight_ = options_.user_word_weight > 0 ? options_.user_word_weight : count_at_rank(trie_, options_.user_word_rank);
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
    load_ensemble();
  }
  loaded_recognizer(const loaded_recognizer&) = delete;  // the geometric recognizer points into this
  loaded_recognizer& operator=(const loaded_recognizer&) = delete;

  /// Per-thread decoding state (feature extractors, the model's recognizer); sessions share the model.
  class session {
   public:
    explicit session(const loaded_recognizer& r) : r_{&r} {}

    [[nodiscard]] recognition operator()(const swipe::swipe_curve& c) {
      recognition out;
      const auto dict = r_->user_words();
      if (r_->geometric_ && r_->options_.recognizer == "geometric") {
        out = geometric(c, *dict);
      } else if (r_->word_ensemble_) {
        out = word_ensemble(c, dict);
      } else {
        auto [cands, stats] = candidates(c, dict);
        out = {swipe::apply_literal_gate(std::move(cands), r_->literal_), stats};
      }
      if (r_->options_.top > 0 && out.words.size() > r_->options_.top) out.words.resize(r_->options_.top);
      for (auto& w : out.words) {
        if (!std::isfinite(w.score))
          throw numeric_error("the score of '" + w.word + "' is not finite (NaN or inf): check the model's weights and the swipe");
        if (const auto* shown = dict->display(w.word)) w.word = *shown;
        else if (const auto* listed = r_->display_form(w.word)) w.word = *listed;
      }
      return out;
    }

    /// A neural swipe's candidates before the literal gate: vocabulary and user words with their final
    /// scores (search, then geometric rescoring), literal spellings with log-prob + rescoring. What
    /// `glide fit-literal` fits the gate on. Words are spelled (folded), not yet in display form.
    [[nodiscard]] std::pair<std::vector<swipe::word_candidate>, search_stats> candidates(const swipe::swipe_curve& c) {
      if (r_->word_ensemble_)
        throw config_error("an ensemble of method 'words' has no one candidate list (each model gates its own): fit the gate "
                           "for each model alone, or for a 'product' or 'mixture' ensemble");
      return candidates(c, r_->user_words());
    }

    /// The best words for a swipe in progress, at a bounded cost: the recognizer's model, vocabulary and
    /// user words with `search` (a narrower one), without literal spellings, rescoring or shortlist;
    /// words in display form, at most `k` (0: all the search returns). The geometric recognizer runs
    /// as in a full decode.
    [[nodiscard]] recognition partial(const swipe::swipe_curve& c, const search_config& search, std::size_t k) {
      recognition out;
      const auto dict = r_->user_words();
      if (r_->geometric_ && r_->options_.recognizer == "geometric") {
        out = geometric(c, *dict);
      } else {
        std::visit(
            [&](auto& m) {
              using M = std::decay_t<decltype(m)>;
              const auto memory = m.encoder().encode(recognizer_for<M>(m).input(c));
              search_result res;
              if (dict->empty()) {
                res = run_search(m.decoder(), memory, &r_->trie_, search);
              } else {
                const lexicon_union<vocabulary_trie, user_trie> words{r_->trie_, dict->trie()};
                res = run_search(m.decoder(), memory, &words, search);
              }
              for (const auto& h : res.hypotheses) {
                std::span<const token_id> letters = h.tokens;
                if (!letters.empty() && letters.back() == r_->tokenizer_.eos_id) letters = letters.first(letters.size() - 1);
                auto word = r_->tokenizer_.decode(letters);
                const auto origin = r_->trie_.contains(letters) ? word_origin::vocabulary : word_origin::user;
                out.words.push_back({std::move(word), h.score, origin});
              }
              out.stats = res.stats;
            },
            r_->model_);
      }
      if (k > 0 && out.words.size() > k) out.words.resize(k);
      for (auto& w : out.words) {
        if (const auto* shown = dict->display(w.word)) w.word = *shown;
        else if (const auto* listed = r_->display_form(w.word)) w.word = *listed;
      }
      return out;
    }

    /// The model input of a swipe (its grid's features, cached per grid in this session).
    [[nodiscard]] swipe::model_input input(const swipe::swipe_curve& c) {
      return std::visit([&](auto& m) { return recognizer_for<std::decay_t<decltype(m)>>(m).input(c); }, r_->model_);
    }

   private:
    using candidate_list = std::pair<std::vector<swipe::word_candidate>, search_stats>;

    // The user words that the geometric channels rank best for this swipe and `found` lacks, scored by
    // the model (user_shortlist of recognizer_options).
    template <Decoder D, Lexicon L>
    search_result shortlist(D& decoder, const typename D::memory_type& memory, const swipe::swipe_curve& c, const L& lexicon,
                            const user_dictionary& dict, const search_result& found, const search_result& free) {
      const std::size_t k = r_->options_.user_shortlist;
      if (k == 0 || dict.empty() || !r_->geometric_) return {};
      std::unordered_set<std::string> have;
      for (const auto* r : {&found, &free})
        for (const auto& h : r->hypotheses) have.insert(r_->tokenizer_.decode(h.tokens));
      // The best k + |have| (a word the searches found already is skipped after).
      const auto& words = dict.words();
      const auto best = r_->geometric_->best_spellings(
          c, words.size(), [&](std::size_t i) -> const std::string& { return words[i].spelling; },
          [&](std::size_t i) { return lexicon.log_frequency(*lexicon_find(lexicon, words[i].tokens)); }, k + have.size(),
          r_->options_.user_shortlist_templates);
      std::vector<std::vector<token_id>> chosen;
      for (const auto& [score, i] : best)
        if (chosen.size() < k && !have.count(words[i].spelling)) chosen.push_back(words[i].tokens);
      auto scored = score_sequences(decoder, memory, std::span<const std::vector<token_id>>{chosen});
      std::erase_if(scored.hypotheses, [](const hypothesis& h) { return !h.finished; });
      return scored;
    }

    template <Decoder D, Lexicon L>
    candidate_list decode(D& decoder, const typename D::memory_type& memory, const swipe::swipe_curve& c, const L& lexicon,
                          const user_dictionary* dict = nullptr) {
      const auto& s = r_->options_.search;
      const auto& lit = r_->literal_;
      const beam_options free_beam{.beam_width = lit.beam_width, .n_best = lit.n_best, .max_length = s.max_length};
      if (lit.enabled && s.name == "trie_beam") {
        const beam_options beam{.beam_width = s.beam_width, .n_best = s.n_best, .max_length = s.max_length,
                                .length_penalty = s.length_penalty, .early_stopping = s.early_stopping};
        auto [words, free] = joint_constrained_beam_search(decoder, memory, lexicon, {.beam = beam, .prior_weight = s.prior_weight},
                                                           r_->spelling_, {.beam = free_beam});
        const auto extra = dict ? shortlist(decoder, memory, c, lexicon, *dict, words, free) : search_result{};
        return finish(c, words, free, lexicon, true, extra);
      }
      auto words = run_search(decoder, memory, &lexicon, s);
      search_result free;
      if (lit.enabled) free = constrained_beam_search(decoder, memory, r_->spelling_, {.beam = free_beam});
      const auto extra = dict ? shortlist(decoder, memory, c, lexicon, *dict, words, free) : search_result{};
      return finish(c, words, free, lexicon, false, extra);
    }

    // Words from the lexicon search, then free spellings (a free spelling the lexicon holds is a word
    // like the others, with its prior), each once; rescored; origins kept.
    template <Lexicon L>
    candidate_list finish(const swipe::swipe_curve& c, const search_result& words, const search_result& free, const L& lexicon,
                          bool joint = false, const search_result& extra = {}) {
      std::vector<swipe::word_candidate> out;
      std::vector<float> log_prior;  // lexicon words: their prior; literal spellings: 0
      std::unordered_set<std::string> seen;
      const float prior_weight = r_->options_.search.prior_weight;
      auto add = [&](std::span<const token_id> tokens, score_t score, bool from_search) {
        std::span<const token_id> letters = tokens;
        if (!letters.empty() && letters.back() == r_->tokenizer_.eos_id) letters = letters.first(letters.size() - 1);
        auto word = r_->tokenizer_.decode(letters);
        if (word.empty() || !seen.insert(word).second) return;
        const auto node = lexicon_find(lexicon, letters);
        swipe::word_candidate w{std::move(word), score, word_origin::literal, letters.size()};
        float prior = 0;
        if (node && lexicon.is_word(*node)) {
          prior = lexicon.log_frequency(*node);
          if (!from_search) w.score += prior_weight * prior;
          w.origin = r_->trie_.contains(letters) ? word_origin::vocabulary : word_origin::user;
        }
        out.push_back(std::move(w));
        log_prior.push_back(prior);
      };
      for (const auto& h : words.hypotheses) add(h.tokens, h.score, true);
      for (const auto& h : free.hypotheses)
        if (h.finished) add(h.tokens, h.score, false);
      for (const auto& h : extra.hypotheses) add(h.tokens, h.score, false);
      search_stats stats = words.stats;
      stats += free.stats;
      // The joint search counts its shared steps in both results.
      if (joint) stats.decoder_steps = std::max(words.stats.decoder_steps, free.stats.decoder_steps);
      stats += extra.stats;
      if (r_->options_.rescore_geometric > 0) rescore(c, out, log_prior);
      swipe::set_literal_distances(out);
      return {std::move(out), stats};
    }

    // score + weight * geometric score: vocabulary words from the templates, user words and literal
    // spellings from templates made for this swipe; a word the grid cannot type goes last (lowest
    // finite score), as rescore_geometric does.
    void rescore(const swipe::swipe_curve& c, std::vector<swipe::word_candidate>& words, const std::vector<float>& log_prior) const {
      const auto& g = *r_->geometric_;
      const float weight = r_->options_.rescore_geometric;
      std::vector<std::string> known, other;
      std::vector<float> other_prior;
      for (std::size_t i = 0; i < words.size(); ++i) {
        if (words[i].origin == word_origin::vocabulary) known.push_back(words[i].word);
        else {
          other.push_back(words[i].word);
          other_prior.push_back(log_prior[i]);
        }
      }
      const auto ck = g.channels_of(c, known);
      const auto co = g.channels_of_spellings(c, other, other_prior);
      std::size_t ik = 0, io = 0;
      for (auto& w : words) {
        const auto& ch = w.origin == word_origin::vocabulary ? ck[ik++] : co[io++];
        w.score = ch ? w.score + weight * ch->score(g.options()) : std::numeric_limits<float>::lowest();
      }
    }

    // The geometric recognizer alone, with the user's words scored from templates made per swipe.
    recognition geometric(const swipe::swipe_curve& c, const user_dictionary& dict) const {
      auto g = r_->geometric_->recognize(c);
      recognition out{std::move(g.words), search_stats{.rows_scored = g.scored}};
      if (dict.empty()) return out;
      std::vector<std::string> words;
      std::vector<float> priors;
      const lexicon_union<vocabulary_trie, user_trie> both{r_->trie_, dict.trie()};
      for (const auto& w : dict.words()) {
        words.push_back(w.spelling);
        priors.push_back(both.log_frequency(*lexicon_find(both, w.tokens)));
      }
      const auto ch = r_->geometric_->channels_of_spellings(c, words, priors);
      for (std::size_t i = 0; i < words.size(); ++i) {
        if (!ch[i]) continue;
        std::erase_if(out.words, [&](const scored_word& w) { return w.word == words[i]; });
        const auto origin = r_->trie_.contains(dict.words()[i].tokens) ? word_origin::vocabulary : word_origin::user;
        out.words.push_back({words[i], ch[i]->score(r_->geometric_->options()), origin});
      }
      out.stats.rows_scored += words.size();
      std::stable_sort(out.words.begin(), out.words.end(), [](const auto& a, const auto& b) { return a.score > b.score; });
      if (out.words.size() > r_->geometric_->options().n_best) out.words.resize(r_->geometric_->options().n_best);
      return out;
    }

    // One decoder's (a model's, or the ensemble's) candidates for the swipe: the searches, shortlist
    // and rescoring (or the Levenshtein rerank).
    template <Decoder D>
    candidate_list candidates_with(D& decoder, const typename D::memory_type& memory, const swipe::swipe_curve& c,
                                   const std::shared_ptr<const user_dictionary>& dict) {
      if (r_->options_.rerank != 0) {
        const auto& s = r_->options_.search;
        auto hyps = run_search(decoder, memory, &r_->trie_, s);
        auto rr = levenshtein_rerank(decoder, memory, r_->trie_, hyps,
                                     {.max_distance = r_->options_.rerank, .n_best = s.n_best, .prior_weight = s.prior_weight});
        return finish(c, rr, search_result{}, r_->trie_);
      }
      if (dict->empty()) return decode(decoder, memory, c, r_->trie_);
      const lexicon_union<vocabulary_trie, user_trie> words{r_->trie_, dict->trie()};
      return decode(decoder, memory, c, words, dict.get());
    }

    // The ensemble's other models' inputs for the swipe, each from its own features (cached per grid).
    swipe::model_input member_input(std::size_t i, const swipe::swipe_curve& c) {
      if (member_inputs_.empty())
        for (const auto& member : r_->members_)
          member_inputs_.emplace_back(r_->grids_, member.config.tokenizer(), member.config.max_points,
                                      swipe::feature_options_for(member.config));
      return member_inputs_[i](c);
    }

    // Every model's encoding of the swipe, the model first: the ensemble decoder's memory.
    ensemble_type::memory_type ensemble_memory(const swipe::swipe_curve& c) {
      ensemble_type::memory_type memory;
      memory.reserve(r_->members_.size() + 1);
      memory.push_back(std::visit([&](auto& m) { return m.encoder().encode(recognizer_for<std::decay_t<decltype(m)>>(m).input(c)); },
                                  r_->model_));
      for (std::size_t i = 0; i < r_->members_.size(); ++i) {
        const auto input = member_input(i, c);
        memory.push_back(std::visit([&](auto& m) { return m.encoder().encode(input); }, r_->members_[i].model));
      }
      return memory;
    }

    // ensemble_method "words": each model's whole pipeline, the lists merged (weighted_merge), each
    // word's score the log of its merged probability, its origin from the list that had it.
    recognition word_ensemble(const swipe::swipe_curve& c, const std::shared_ptr<const user_dictionary>& dict) {
      std::vector<prediction> lists;
      search_stats stats;
      auto add = [&](candidate_list&& cl) {
        lists.push_back(swipe::apply_literal_gate(std::move(cl.first), r_->literal_));
        stats += cl.second;
      };
      const auto memory = ensemble_memory(c);
      for (std::size_t i = 0; i < memory.size(); ++i)
        std::visit([&](auto& m) { add(candidates_with(m.decoder(), memory[i], c, dict)); }, i == 0 ? r_->model_ : r_->members_[i - 1].model);
      const weighted_merge merge{.weights = r_->word_weights_};
      auto merged = merge(lists);
      double total = 0;
      for (float w : r_->word_weights_) total += w;
      for (auto& w : merged) {
        w.score = static_cast<score_t>(std::log(std::max(static_cast<double>(w.score) / total, 1e-30)));
        for (const auto& list : lists) {
          const auto it = std::find_if(list.begin(), list.end(), [&](const scored_word& x) { return x.word == w.word; });
          if (it != list.end()) {
            w.origin = it->origin;
            break;
          }
        }
      }
      return {std::move(merged), stats};
    }

    // Defined after the member templates it calls: emscripten's clang does not instantiate a member
    // template used (from a generic lambda) before its definition in the class.
    candidate_list candidates(const swipe::swipe_curve& c, const std::shared_ptr<const user_dictionary>& dict) {
      if (r_->ensemble_) return candidates_with(*r_->ensemble_, ensemble_memory(c), c, dict);
      return std::visit(
          [&](auto& m) -> candidate_list {
            return candidates_with(m.decoder(), m.encoder().encode(recognizer_for<std::decay_t<decltype(m)>>(m).input(c)), c, dict);
          },
          r_->model_);
    }

    template <class M>
    swipe::recognizer<M>& recognizer_for(M& m) {
      auto& slot = std::get<std::unique_ptr<swipe::recognizer<M>>>(recognizers_);
      if (!slot)
        slot = std::make_unique<swipe::recognizer<M>>(m, r_->grids_, r_->tokenizer_, &r_->trie_, r_->options_.search,
                                                      r_->config_.max_points, swipe::feature_options_for(r_->config_));
      return *slot;
    }
    const loaded_recognizer* r_;
    std::tuple<std::unique_ptr<swipe::recognizer<transformer_model>>, std::unique_ptr<swipe::recognizer<gru_model>>> recognizers_;
    std::vector<swipe::input_builder> member_inputs_;  // the ensemble's other models' features, cached per grid
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

  /// Whether `word` is a word of the vocabulary or the user's dictionary (as written or folded).
  [[nodiscard]] bool in_vocabulary(const std::string& word) const {
    const auto folded = fold_for(tokenizer_, word);
    if (!folded) return false;
    const auto tokens = tokenizer_.encode(*folded);
    return trie_.contains(tokens) || lexicon_contains(user_words()->trie(), tokens);
  }

  /// Adds words to the user's dictionary (or updates their weights), effective from the next swipe a
  /// session starts; swipes being decoded meanwhile finish with the dictionary they started with.
  /// Safe to call while other threads decode. Words that cannot be added are named in the report.
  /// With `all_or_nothing`, a call that would reject any word adds none (the report still names them).
  user_words_report add_words(std::span<const user_word> words, bool all_or_nothing = false) {
    std::lock_guard lock{user_write_mutex_};
    auto next = std::make_shared<user_dictionary>(*user_words());
    auto report = next->add(words, tokenizer_, default_user_weight_, config_.max_word_length, all_or_nothing);
    if (report.added + report.updated > 0) publish(std::move(next));
    return report;
  }
  /// Removes words from the user's dictionary (as add_words: safe while other threads decode).
  user_words_report remove_words(std::span<const std::string> words) {
    std::lock_guard lock{user_write_mutex_};
    auto next = std::make_shared<user_dictionary>(*user_words());
    auto report = next->remove(words, tokenizer_);
    publish(std::move(next));
    return report;
  }
  /// The user's dictionary now (a snapshot: later changes do not alter it).
  [[nodiscard]] std::shared_ptr<const user_dictionary> user_words() const {
    std::lock_guard lock{user_mutex_};
    return user_;
  }
  /// The weight a user word added without one gets.
  [[nodiscard]] double default_user_weight() const noexcept { return default_user_weight_; }
  /// The literal gate in use (enabled false when literal decoding is off).
  [[nodiscard]] const swipe::literal_options& literal() const noexcept { return literal_; }

  /// The decoding configuration in canonical form (search or geometric options, rerank, top,
  /// rescoring): with the inputs' content hashes, a prediction table key.
  [[nodiscard]] std::string canonical_decoding() const {
    std::string s = options_.recognizer == "geometric" ? "geometric:" + geometric_->options().to_json().dump()
                                                       : options_.search.canonical();
    if (options_.rerank) s += ";rerank=" + std::to_string(options_.rerank);
    if (literal_.enabled && options_.recognizer != "geometric") s += ";literal=" + literal_.to_json().dump();
    if (const auto dict = user_words(); !dict->empty()) {
      // The user's words and weights, in token order: the same dictionary always keys the same.
      std::string words;
      dict->trie().for_each_word([&](std::span<const token_id> t, double c) {
        const auto spelled = tokenizer_.decode(t);
        words += spelled + " " + exact_text(c) + "\n";
        if (const auto* d = dict->display(spelled)) words += "=" + *d + "\n";
      });
      s += ";user_words=" + std::to_string(dict->size()) + ":" + io::hex64(io::fnv1a64(words));
      if (options_.rescore_geometric > 0 && options_.user_shortlist > 0) s += ";user_shortlist=" + std::to_string(options_.user_shortlist);
    }
    if (!members_.empty()) {
      // Each model by its weights' content (the table keys the first model's weights already).
      s += ";ensemble=" + options_.ensemble_method;
      const std::span<const float> weights = ensemble_ ? ensemble_->weights() : std::span<const float>{word_weights_};
      for (std::size_t i = 0; i < weights.size(); ++i) {
        s += ":" + exact_text(weights[i]);
        if (i > 0) s += "@" + io::file_content_hash((std::filesystem::path(options_.ensemble[i - 1]) / "model.safetensors").string());
      }
    }
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
  // The vocabulary's words spelled in the model's alphabet; display_ gets the written form of each
  // spelling written otherwise (the commonest, or the first listed on a tie).
  vocabulary_trie load_vocabulary(const recognizer_options& o, const char_tokenizer& tokenizer, const glide::model::model_config& c) {
    auto list = read_word_list(o.vocabulary, tokenizer,
                               {.skip_unencodable = true, .max_tokens = c.max_word_length, .fold = true, .spell_in = &spell_tokenizer_});
    if (const auto dropped = list.dropped_summary(); !dropped.empty() && o.log) *o.log << "glide: " << o.vocabulary << ": dropped " << dropped << "\n";
    if (o.top_words != 0 && list.words.size() > o.top_words) list.words.resize(o.top_words);
    display_ = display_forms(list, tokenizer);
    std::vector<std::string>{}.swap(list.shown);  // freed before the trie is built: a smaller peak
    if (o.edit_words) {
      o.edit_words(list.words, tokenizer);
      std::erase_if(list.words, [&](const weighted_word& w) { return w.tokens.size() > c.max_word_length; });
    }
    return vocabulary_trie::build(std::move(list.words));
  }

 public:
  /// How the vocabulary shows a spelling (`word` as the model spells it), when its list writes it
  /// otherwise (Boston, don't, café); else null.
  [[nodiscard]] const std::string* display_form(const std::string& word) const {
    const auto it = display_.find(word);
    return it == display_.end() ? nullptr : &it->second;
  }

 private:
  // The model's tokens of the letters words are spelled in.
  static std::vector<token_id> letters(const char_tokenizer& model, const char_tokenizer& spelled) {
    std::vector<token_id> out;
    for (char32_t c : spelled.characters()) out.push_back(*model.find(c));
    std::sort(out.begin(), out.end());
    return out;
  }
  // `alphabet` as a tokenizer (every letter must be the model's), or the model's own.
  static char_tokenizer spelling_tokenizer(const std::string& alphabet, const char_tokenizer& model) {
    if (alphabet.empty()) return model;
    char_tokenizer t{alphabet};
    for (char32_t c : t.characters())
      if (!model.find(c)) {
        std::string s;
        utf8::append(s, c);
        throw config_error("alphabet: the model has no letter '" + s + "'");
      }
    return t;
  }
  // The count of the rank-th most frequent word, in the vocabulary's units (the last word's when it has fewer).
  static double count_at_rank(const vocabulary_trie& trie, std::size_t rank) {
    std::vector<float> lf;
    lf.reserve(trie.word_count());
    trie.for_each_word([&](std::span<const token_id>, float f) { lf.push_back(f); });
    if (lf.empty()) return 1.0;
    const auto k = std::min(std::max<std::size_t>(rank, 1), lf.size()) - 1;
    std::nth_element(lf.begin(), lf.begin() + static_cast<std::ptrdiff_t>(k), lf.end(), std::greater<>{});
    return std::exp(static_cast<double>(lf[k])) * trie.total_count();
  }
  void publish(std::shared_ptr<const user_dictionary> next) {
    std::lock_guard lock{user_mutex_};
    user_ = std::move(next);
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

  // options_.ensemble's models, each checked like the model (its own search memory) and against it
  // (it must know the model's letters: one vocabulary trie serves all), then the ensemble decoder.
  void load_ensemble() {
    const auto& o = options_;
    if (o.ensemble_method != "product" && o.ensemble_method != "mixture" && o.ensemble_method != "words")
      throw unknown_name_error("unknown ensemble method '" + o.ensemble_method + "' (known: product, mixture, words)");
    if (o.ensemble.empty()) {
      if (!o.ensemble_weights.empty())
        throw config_error("ensemble_weights given (" + std::to_string(o.ensemble_weights.size()) + ") without ensemble models");
      return;
    }
    if (o.recognizer != "neural") throw config_error("an ensemble needs the neural recognizer");
    if (!o.ensemble_weights.empty() && o.ensemble_weights.size() != o.ensemble.size() + 1)
      throw config_error(std::to_string(o.ensemble_weights.size()) + " ensemble weights for " + std::to_string(o.ensemble.size() + 1) +
                         " models (the model's first, then each ensemble model's)");
    std::vector<std::vector<token_id>> maps;  // each member's ids of the model's tokens
    members_.reserve(o.ensemble.size());
    for (const auto& dir : o.ensemble) {
      auto c = model_config_of(dir);
      try {
        maps.push_back(token_map(tokenizer_, c.tokenizer()));
      } catch (const config_error& e) {
        throw config_error("ensemble model '" + dir + "' cannot spell the words of '" + o.model_dir + "': " + e.what());
      }
      check_search_memory(o.search, c);
      members_.push_back({std::move(c), load_model(dir)});
    }
    if (o.ensemble_method == "words") {
      word_weights_ = checked_ensemble_weights(o.ensemble_weights, members_.size() + 1);
      word_ensemble_ = true;
      return;
    }
    ensemble_parts_.reserve(members_.size() + 1);
    ensemble_mapped_.reserve(members_.size() + 1);
    ensemble_parts_.emplace_back(model_);
    ensemble_mapped_.emplace_back(&ensemble_parts_.back(), token_map(tokenizer_, tokenizer_));
    for (std::size_t i = 0; i < members_.size(); ++i) {
      ensemble_parts_.emplace_back(members_[i].model);
      ensemble_mapped_.emplace_back(&ensemble_parts_.back(), std::move(maps[i]));
    }
    std::vector<token_map_decoder<any_decoder>*> parts;
    for (auto& p : ensemble_mapped_) parts.push_back(&p);
    ensemble_.emplace(std::move(parts), ensemble_options{.weights = o.ensemble_weights, .rule = parse_ensemble_rule(o.ensemble_method)});
  }

  recognizer_options options_;
  glide::model::model_config config_;
  char_tokenizer tokenizer_;
  char_tokenizer spell_tokenizer_;  // the letters words are spelled in (options_.alphabet, else the model's)
  swipe::grid_set grids_;
  std::unordered_map<std::string, std::string> display_;  // before trie_: load_vocabulary fills it
  vocabulary_trie trie_;
  // Decoding only reads the weights (states and scratch buffers live in each session's decoder
  // states), so sessions on several threads share one model. Loaded after the vocabulary, whose
  // loading frees more than the model holds: the process's peak memory is the larger of the two.
  mutable any_model model_;
  swipe::literal_options literal_;
  any_spelling spelling_;  ///< the model's letters, for literal decoding
  double default_user_weight_ = 1;
  // The user's dictionary: a snapshot swapped under user_mutex_ (readers copy the pointer); writers
  // take user_write_mutex_ so two add_words calls never lose each other's words.
  mutable std::mutex user_mutex_;
  std::mutex user_write_mutex_;
  std::shared_ptr<const user_dictionary> user_ = std::make_shared<const user_dictionary>();
  std::unique_ptr<swipe::geometric_recognizer> geometric_;
  // The ensemble's other models (options_.ensemble, in order) and the decoder over all of them, the
  // model first; decoding only reads them, as it reads model_.
  struct member {
    glide::model::model_config config;
    mutable any_model model;
  };
  std::vector<member> members_;
  std::vector<any_decoder> ensemble_parts_;
  std::vector<token_map_decoder<any_decoder>> ensemble_mapped_;  // each part in the model's token ids
  mutable std::optional<ensemble_type> ensemble_;  // ensemble_method product or mixture
  bool word_ensemble_ = false;                      // ensemble_method words
  std::vector<float> word_weights_;                 // ensemble_method words: the weights, as given
  std::mutex mutex_;
  std::unique_ptr<session> default_session_;
};

/// Loads a recognizer with `options`.
/// How a live_swipe decodes while the finger moves.
struct live_options {
  /// The partial decodes' search: narrower than the full pipeline's (no literal spellings, rescoring
  /// or shortlist either), so an update costs a fraction of a full decode.
  search_config search = search_config::parse("trie_beam:beam_width=4,n_best=4,prior_weight=0.3");
  /// A partial decode reads at most this many points of the swipe so far, evenly spread (0: the
  /// model's max_points): the encoder's cost stays bounded as the swipe grows.
  std::size_t max_points = 48;
  /// partial() decodes again only once this many points arrived since its last decode; before, it
  /// returns the last words (reuse: a UI may ask every frame).
  std::size_t min_new_points = 1;
};

/// Incremental decoding of one swipe while the finger moves (begin: construct; add points as they
/// arrive; partial(k): the best words so far; finish(): the words of the whole swipe, exactly what
/// loaded_recognizer::recognize gives for it). Holds its own session: one live swipe per thread; the
/// recognizer must outlive it. clear() begins the next swipe on the same grid.
class live_swipe {
 public:
  live_swipe(const loaded_recognizer& r, std::string grid_name, live_options o = {})
      : recognizer_{&r}, session_{r}, options_{std::move(o)} {
    if (!r.grids().contains(grid_name)) (void)r.grids().at(grid_name);  // the grid set's error, naming the known grids
    curve_.grid_name = std::move(grid_name);
  }

  /// Appends a point (x, y in the grid's pixels, t in ms). A non-finite value is an error; nothing is added.
  void add(float x, float y, float t) {
    if (!std::isfinite(x) || !std::isfinite(y) || !std::isfinite(t))
      throw numeric_error("live swipe: point " + std::to_string(curve_.size()) + " is not finite");
    curve_.x.push_back(x);
    curve_.y.push_back(y);
    curve_.t.push_back(t);
  }
  void add(std::span<const float> x, std::span<const float> y, std::span<const float> t) {
    if (x.size() != y.size() || x.size() != t.size())
      throw shape_error("live swipe: " + std::to_string(x.size()) + " x, " + std::to_string(y.size()) + " y and " +
                        std::to_string(t.size()) + " t values");
    for (std::size_t i = 0; i < x.size(); ++i)
      if (!std::isfinite(x[i]) || !std::isfinite(y[i]) || !std::isfinite(t[i]))
        throw numeric_error("live swipe: point " + std::to_string(curve_.size() + i) + " is not finite");
    curve_.x.insert(curve_.x.end(), x.begin(), x.end());
    curve_.y.insert(curve_.y.end(), y.begin(), y.end());
    curve_.t.insert(curve_.t.end(), t.begin(), t.end());
  }

  [[nodiscard]] std::size_t size() const noexcept { return curve_.size(); }
  [[nodiscard]] const swipe::swipe_curve& curve() const noexcept { return curve_; }

  /// The best `k` words for the points so far (empty before the first point).
  [[nodiscard]] const recognition& partial(std::size_t k = 4) {
    if (curve_.size() == 0) {
      last_ = {};
      return last_;
    }
    if (decoded_points_ != 0 && curve_.size() < decoded_points_ + std::max<std::size_t>(1, options_.min_new_points) && k == last_k_)
      return last_;
    const std::size_t limit = options_.max_points != 0 ? options_.max_points : recognizer_->config().max_points;
    if (limit >= 2 && curve_.size() > limit) {
      // The swipe so far, evenly resampled (first and last points kept), as the model's own limit does.
      swipe::swipe_curve c;
      c.grid_name = curve_.grid_name;
      for (std::size_t i = 0; i < limit; ++i) {
        const std::size_t j = i * (curve_.size() - 1) / (limit - 1);
        c.x.push_back(curve_.x[j]);
        c.y.push_back(curve_.y[j]);
        c.t.push_back(curve_.t[j]);
      }
      last_ = session_.partial(c, options_.search, k);
    } else {
      last_ = session_.partial(curve_, options_.search, k);
    }
    decoded_points_ = curve_.size();
    last_k_ = k;
    return last_;
  }

  /// The words of the whole swipe: the recognizer's full pipeline, as recognize() (an error without points).
  [[nodiscard]] recognition finish() {
    if (curve_.size() == 0) throw shape_error("live swipe: finish() without points");
    return session_(curve_);
  }

  /// Forgets the points: the next add() begins a new swipe on the same grid.
  void clear() {
    curve_.x.clear();
    curve_.y.clear();
    curve_.t.clear();
    last_ = {};
    decoded_points_ = 0;
  }

 private:
  const loaded_recognizer* recognizer_;
  loaded_recognizer::session session_;
  live_options options_;
  swipe::swipe_curve curve_;
  recognition last_;
  std::size_t decoded_points_ = 0, last_k_ = 0;
};

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
