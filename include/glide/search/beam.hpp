#pragma once
// Batched beam search: all live beams form one decoder batch; after each step the state is
// reordered to the surviving beams' parents. Also the vocabulary-constrained variant (a trie_mask in
// front of the user's processors).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <glide/concepts/decoder.hpp>
#include <glide/concepts/lexicon.hpp>
#include <glide/concepts/logits_processor.hpp>
#include <glide/concepts/stopping_criterion.hpp>
#include <glide/core/error.hpp>
#include <glide/core/logits.hpp>
#include <glide/core/types.hpp>
#include <glide/processors/chain.hpp>
#include <glide/processors/trie_mask.hpp>
#include <glide/stopping/criteria.hpp>
#include <glide/vocab/trie.hpp>

namespace glide {

struct beam_options {
  std::size_t beam_width = 8;
  /// Hypotheses returned (at most beam_width).
  std::size_t n_best = 4;
  /// Most tokens generated, the end token included.
  std::size_t max_length = 32;
  /// Hypotheses are ranked by score / length^length_penalty (length counts generated tokens, the
  /// end token included); 0 ranks by log-probability.
  float length_penalty = 0.0F;
  /// Stop as soon as n_best hypotheses have finished, instead of when no live beam can beat them.
  bool early_stopping = false;
};

namespace detail {
inline void validate(const beam_options& o) {
  if (o.beam_width == 0) throw config_error("beam search: beam_width must be >= 1");
  if (o.n_best == 0 || o.n_best > o.beam_width)
    throw config_error("beam search: n_best must be in [1, beam_width], got " + std::to_string(o.n_best));
  if (o.max_length == 0) throw config_error("beam search: max_length must be >= 1");
  if (!std::isfinite(o.length_penalty)) throw config_error("beam search: length_penalty must be finite");
}

inline score_t normalized(score_t score, std::size_t length, float alpha) {
  return alpha == 0.0F ? score : score / std::pow(static_cast<float>(length), alpha);
}
}  // namespace detail

namespace detail {

/// One beam search's hypotheses and bookkeeping, advanced one decoder step at a time by a driver
/// that owns the decoder state: beam_search drives one group, joint_beam_search several sharing one
/// decoder batch (each group's rows contiguous). A group's results do not depend on the others.
template <LogitsProcessor P, StoppingCriterion S>
class beam_group {
 public:
  beam_group(beam_options options, std::size_t decoder_max, std::size_t vocab, token_id bos, token_id eos, P processors, S stop)
      : o_{options}, vocab_{vocab}, eos_{eos}, processors_{std::move(processors)}, stop_{std::move(stop)} {
    validate(o_);
    o_.max_length = std::min(o_.max_length, decoder_max);
    beams_.resize(o_.beam_width);
    next_.resize(o_.beam_width);
    for (auto& b : beams_) b.tokens.reserve(o_.max_length);
    for (auto& b : next_) b.tokens.reserve(o_.max_length);
    candidates_.reserve(o_.beam_width * vocab);
    parents_.reserve(o_.beam_width);
    last_.reserve(o_.beam_width);
    last_.push_back(bos);
  }

  /// Rows this group feeds at the next step (0 once it is done).
  [[nodiscard]] std::size_t live() const noexcept { return live_; }
  /// The tokens its rows feed.
  [[nodiscard]] std::span<const token_id> last() const noexcept { return {last_.data(), live_}; }
  /// After step(): the group's surviving rows, as indices into its rows of that step.
  [[nodiscard]] std::span<const std::size_t> parents() const noexcept { return {parents_.data(), parents_.size()}; }

  /// Scores this group's rows [first, first + live()) of `logits` and keeps the best continuations.
  void step(const logits_view& logits, std::size_t first, search_stats& stats) {
    const float alpha = o_.length_penalty;
    const std::size_t width = o_.beam_width;
    stats.rows_scored += live_;
    stats.hypotheses_expanded += live_;
    candidates_.clear();
    for (std::size_t r = 0; r < live_; ++r) {
      auto row = logits.row(first + r);
      checked_log_softmax(row);
      processors_(std::span<const token_id>{beams_[r].tokens}, row);
      for (std::size_t v = 0; v < vocab_; ++v)
        if (row[v] != minus_infinity) candidates_.push_back({beams_[r].score + row[v], r, static_cast<token_id>(v)});
    }
    const std::size_t considered = std::min(candidates_.size(), 2 * width);
    std::partial_sort(candidates_.begin(), candidates_.begin() + static_cast<std::ptrdiff_t>(considered), candidates_.end(),
                      [](const candidate& a, const candidate& b) {
                        if (a.score != b.score) return a.score > b.score;
                        if (a.row != b.row) return a.row < b.row;
                        return a.token < b.token;
                      });
    std::size_t next_live = 0;
    parents_.clear();
    for (std::size_t i = 0; i < considered && next_live < width; ++i) {
      const auto& c = candidates_[i];
      if (c.token == eos_) {
        // As in Hugging Face: an end token ranked below the beam width does not finish a hypothesis.
        if (i >= width) continue;
        hypothesis h{beams_[c.row].tokens, 0.0F, true};
        h.tokens.push_back(eos_);
        h.score = normalized(c.score, h.tokens.size(), alpha);
        add_finished(std::move(h));
        continue;
      }
      auto& h = next_[next_live];
      h.tokens.assign(beams_[c.row].tokens.begin(), beams_[c.row].tokens.end());
      h.tokens.push_back(c.token);
      h.score = c.score;
      h.finished = false;
      // A beam that may not grow further is cut here.
      if (h.tokens.size() >= o_.max_length || stop_(h)) {
        truncated_.push_back({h.tokens, normalized(h.score, h.tokens.size(), alpha), false});
        continue;
      }
      parents_.push_back(c.row);
      ++next_live;
    }
    beams_.swap(next_);
    live_ = next_live;
    if (live_ > 0 && finished_.size() == o_.n_best) {
      if (o_.early_stopping) live_ = 0;
      else {
        // Scores only fall as beams grow, so the best live beam bounds every completion.
        const score_t best_live = beams_[0].score;
        const score_t bound = alpha > 0.0F ? best_live / std::pow(static_cast<float>(o_.max_length), alpha)
                                           : normalized(best_live, beams_[0].tokens.size() + 1, alpha);
        if (bound <= worst_finished()) live_ = 0;
      }
    }
    if (live_ == 0) parents_.clear();
    last_.resize(live_);
    for (std::size_t r = 0; r < live_; ++r) last_[r] = beams_[r].tokens.back();
  }

  /// The group's hypotheses, best first (finished ones, then cut ones filling a short list).
  [[nodiscard]] std::vector<hypothesis> take() {
    auto by_score = [](const hypothesis& a, const hypothesis& b) {
      if (a.score != b.score) return a.score > b.score;
      return a.tokens < b.tokens;
    };
    std::sort(finished_.begin(), finished_.end(), by_score);
    std::sort(truncated_.begin(), truncated_.end(), by_score);
    auto out = std::move(finished_);
    for (auto& h : truncated_) {
      if (out.size() >= o_.n_best) break;
      out.push_back(std::move(h));
    }
    return out;
  }

 private:
  struct candidate {
    score_t score;
    std::size_t row;
    token_id token;
  };
  [[nodiscard]] score_t worst_finished() const {
    score_t worst = 0.0F;
    for (const auto& h : finished_) worst = std::min(worst, h.score);
    return worst;
  }
  void add_finished(hypothesis h) {
    if (finished_.size() < o_.n_best) {
      finished_.push_back(std::move(h));
      return;
    }
    auto worst = std::min_element(finished_.begin(), finished_.end(), [](const auto& a, const auto& b) { return a.score < b.score; });
    if (h.score > worst->score) *worst = std::move(h);
  }

  beam_options o_;
  std::size_t vocab_;
  token_id eos_;
  P processors_;
  S stop_;
  std::vector<hypothesis> beams_, next_, finished_, truncated_;
  std::vector<candidate> candidates_;
  std::vector<std::size_t> parents_;
  std::vector<token_id> last_;
  std::size_t live_ = 1;
};

}  // namespace detail

/// Beam search over one memory. Returns up to n_best hypotheses ranked by (length-normalised) score,
/// finished ones first; unfinished ones (cut by max_length or `stop`) only fill a short list. The
/// returned `score` is the ranking score. Processors see log-probabilities; the search's early exit
/// is exact when processors keep scores <= 0.
template <Decoder D, LogitsProcessor P = no_processor, StoppingCriterion S = never_stop>
search_result beam_search(D& decoder, const typename D::memory_type& memory, beam_options options = {},
                          P processors = {}, S stop = {}) {
  detail::beam_group<P, S> group{options, decoder_max_length(decoder), decoder.vocab_size(), decoder.bos_id(),
                                 decoder.eos_id(), std::move(processors), std::move(stop)};
  search_result result;
  auto state = decoder.init_state(memory, 1);
  while (group.live() > 0) {
    auto logits = decoder.step(memory, state, group.last());
    ++result.stats.decoder_steps;
    group.step(logits, 0, result.stats);
    if (group.live() == 0) break;
    decoder.reorder(state, group.parents());
  }
  result.hypotheses = group.take();
  return result;
}

/// Two beam searches over one memory as one decoder batch (group a's rows, then group b's): e.g. a
/// vocabulary-constrained search and a free (literal) one, for little more than the cost of one.
/// Each result equals what beam_search with that group's options and processors returns (to the
/// decoder's batch rounding); decoder_steps counts the shared steps in both results, rows_scored and
/// hypotheses_expanded each group's own.
template <Decoder D, LogitsProcessor PA, LogitsProcessor PB>
std::pair<search_result, search_result> joint_beam_search(D& decoder, const typename D::memory_type& memory, beam_options a,
                                                          PA processors_a, beam_options b, PB processors_b) {
  const auto max = decoder_max_length(decoder);
  detail::beam_group<PA, never_stop> ga{a, max, decoder.vocab_size(), decoder.bos_id(), decoder.eos_id(), std::move(processors_a), {}};
  detail::beam_group<PB, never_stop> gb{b, max, decoder.vocab_size(), decoder.bos_id(), decoder.eos_id(), std::move(processors_b), {}};
  std::pair<search_result, search_result> out;
  auto state = decoder.init_state(memory, 2);  // one row a group, both the empty prefix
  std::vector<token_id> last;
  std::vector<std::size_t> parents;
  last.reserve(a.beam_width + b.beam_width);
  parents.reserve(a.beam_width + b.beam_width);
  while (ga.live() + gb.live() > 0) {
    last.assign(ga.last().begin(), ga.last().end());
    last.insert(last.end(), gb.last().begin(), gb.last().end());
    const std::size_t rows_a = ga.live(), rows_b = gb.live();
    auto logits = decoder.step(memory, state, std::span<const token_id>{last});
    if (rows_a > 0) {
      ++out.first.stats.decoder_steps;
      ga.step(logits, 0, out.first.stats);
    }
    if (rows_b > 0) {
      ++out.second.stats.decoder_steps;
      gb.step(logits, rows_a, out.second.stats);
    }
    if (ga.live() + gb.live() == 0) break;
    parents.assign(ga.parents().begin(), ga.parents().end());
    for (auto p : gb.parents()) parents.push_back(rows_a + p);
    decoder.reorder(state, std::span<const std::size_t>{parents});
  }
  out.first.hypotheses = ga.take();
  out.second.hypotheses = gb.take();
  return out;
}

struct constrained_beam_options {
  beam_options beam{};
  /// Weight of log(word frequency) added when a word ends (>= 0).
  float prior_weight = 0.0F;
};

/// Beam search that only produces words of a Lexicon (a vocabulary trie, base + user words, or any
/// spelling): a lexicon_mask runs before `processors`.
template <Decoder D, Lexicon L, LogitsProcessor P = no_processor, StoppingCriterion S = never_stop>
search_result constrained_beam_search(D& decoder, const typename D::memory_type& memory, const L& trie,
                                      constrained_beam_options options = {}, P processors = {}, S stop = {}) {
  if (!(options.prior_weight >= 0.0F)) throw config_error("constrained beam search: prior_weight must be >= 0");
  auto beam = options.beam;
  beam.max_length = std::min(beam.max_length, trie.max_word_length() + 1);
  return beam_search(decoder, memory, beam,
                     chain(lexicon_mask<L>{.trie = &trie, .eos = decoder.eos_id(), .prior_weight = options.prior_weight},
                           std::move(processors)),
                     std::move(stop));
}

/// constrained_beam_search over two Lexicons as one decoder batch (joint_beam_search): e.g. the
/// vocabulary and any_spelling (literal decoding) at once.
template <Decoder D, Lexicon LA, Lexicon LB>
std::pair<search_result, search_result> joint_constrained_beam_search(D& decoder, const typename D::memory_type& memory,
                                                                      const LA& a, constrained_beam_options options_a,
                                                                      const LB& b, constrained_beam_options options_b) {
  if (!(options_a.prior_weight >= 0.0F) || !(options_b.prior_weight >= 0.0F))
    throw config_error("constrained beam search: prior_weight must be >= 0");
  auto beam_a = options_a.beam, beam_b = options_b.beam;
  beam_a.max_length = std::min(beam_a.max_length, a.max_word_length() + 1);
  beam_b.max_length = std::min(beam_b.max_length, b.max_word_length() + 1);
  return joint_beam_search(decoder, memory, beam_a,
                           lexicon_mask<LA>{.trie = &a, .eos = decoder.eos_id(), .prior_weight = options_a.prior_weight}, beam_b,
                           lexicon_mask<LB>{.trie = &b, .eos = decoder.eos_id(), .prior_weight = options_b.prior_weight});
}

}  // namespace glide
