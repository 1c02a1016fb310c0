#pragma once
// Batched beam search: all live beams form one decoder batch; after each step the state is
// reordered to the surviving beams' parents. Also the vocabulary-constrained variant (a trie_mask in
// front of the user's processors).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include <glide/concepts/decoder.hpp>
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

/// Beam search over one memory. Returns up to n_best hypotheses ranked by (length-normalised) score,
/// finished ones first; unfinished ones (cut by max_length or `stop`) only fill a short list. The
/// returned `score` is the ranking score. Processors see log-probabilities; the search's early exit
/// is exact when processors keep scores <= 0.
template <Decoder D, LogitsProcessor P = no_processor, StoppingCriterion S = never_stop>
search_result beam_search(D& decoder, const typename D::memory_type& memory, beam_options options = {},
                          P processors = {}, S stop = {}) {
  detail::validate(options);
  options.max_length = std::min(options.max_length, decoder_max_length(decoder));
  const std::size_t width = options.beam_width;
  const std::size_t vocab = decoder.vocab_size();
  const token_id eos = decoder.eos_id();
  const float alpha = options.length_penalty;

  struct candidate {
    score_t score;
    std::size_t row;
    token_id token;
  };
  search_result result;
  std::vector<hypothesis> beams(width), next(width), finished, truncated;
  for (auto& b : beams) b.tokens.reserve(options.max_length);
  for (auto& b : next) b.tokens.reserve(options.max_length);
  std::vector<candidate> candidates;
  candidates.reserve(width * vocab);
  std::vector<std::size_t> parents;
  parents.reserve(width);
  std::vector<token_id> last(1, decoder.bos_id());
  last.reserve(width);
  std::size_t live = 1;

  auto worst_finished = [&] {
    score_t worst = 0.0F;
    for (const auto& h : finished) worst = std::min(worst, h.score);
    return worst;
  };
  auto add_finished = [&](hypothesis h) {
    if (finished.size() < options.n_best) {
      finished.push_back(std::move(h));
      return;
    }
    auto worst = std::min_element(finished.begin(), finished.end(),
                                  [](const auto& a, const auto& b) { return a.score < b.score; });
    if (h.score > worst->score) *worst = std::move(h);
  };

  auto state = decoder.init_state(memory, 1);
  while (live > 0) {
    auto logits = decoder.step(memory, state, std::span<const token_id>{last});
    ++result.stats.decoder_steps;
    result.stats.rows_scored += live;
    result.stats.hypotheses_expanded += live;
    candidates.clear();
    for (std::size_t r = 0; r < live; ++r) {
      auto row = logits.row(r);
      checked_log_softmax(row);
      processors(std::span<const token_id>{beams[r].tokens}, row);
      for (std::size_t v = 0; v < vocab; ++v)
        if (row[v] != minus_infinity) candidates.push_back({beams[r].score + row[v], r, static_cast<token_id>(v)});
    }
    const std::size_t considered = std::min(candidates.size(), 2 * width);
    std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(considered), candidates.end(),
                      [](const candidate& a, const candidate& b) {
                        if (a.score != b.score) return a.score > b.score;
                        if (a.row != b.row) return a.row < b.row;
                        return a.token < b.token;
                      });
    std::size_t next_live = 0;
    parents.clear();
    for (std::size_t i = 0; i < considered && next_live < width; ++i) {
      const auto& c = candidates[i];
      if (c.token == eos) {
        // As in Hugging Face: an end token ranked below the beam width does not finish a hypothesis.
        if (i >= width) continue;
        hypothesis h{beams[c.row].tokens, 0.0F, true};
        h.tokens.push_back(eos);
        h.score = detail::normalized(c.score, h.tokens.size(), alpha);
        add_finished(std::move(h));
        continue;
      }
      auto& h = next[next_live];
      h.tokens.assign(beams[c.row].tokens.begin(), beams[c.row].tokens.end());
      h.tokens.push_back(c.token);
      h.score = c.score;
      h.finished = false;
      // A beam that may not grow further is cut here.
      if (h.tokens.size() >= options.max_length || stop(h)) {
        truncated.push_back({h.tokens, detail::normalized(h.score, h.tokens.size(), alpha), false});
        continue;
      }
      parents.push_back(c.row);
      ++next_live;
    }
    beams.swap(next);
    live = next_live;
    if (live == 0) break;
    if (finished.size() == options.n_best) {
      if (options.early_stopping) break;
      // Scores only fall as beams grow, so the best live beam bounds every completion.
      const score_t best_live = beams[0].score;
      const score_t bound = alpha > 0.0F ? best_live / std::pow(static_cast<float>(options.max_length), alpha)
                                         : detail::normalized(best_live, beams[0].tokens.size() + 1, alpha);
      if (bound <= worst_finished()) break;
    }
    decoder.reorder(state, std::span<const std::size_t>{parents});
    last.resize(live);
    for (std::size_t r = 0; r < live; ++r) last[r] = beams[r].tokens.back();
  }

  auto by_score = [](const hypothesis& a, const hypothesis& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.tokens < b.tokens;
  };
  std::sort(finished.begin(), finished.end(), by_score);
  std::sort(truncated.begin(), truncated.end(), by_score);
  result.hypotheses = std::move(finished);
  for (auto& h : truncated) {
    if (result.hypotheses.size() >= options.n_best) break;
    result.hypotheses.push_back(std::move(h));
  }
  return result;
}

struct constrained_beam_options {
  beam_options beam{};
  /// Weight of log(word frequency) added when a word ends (>= 0).
  float prior_weight = 0.0F;
};

/// Beam search that only produces vocabulary words: a trie_mask runs before `processors`.
template <Decoder D, LogitsProcessor P = no_processor, StoppingCriterion S = never_stop>
search_result constrained_beam_search(D& decoder, const typename D::memory_type& memory, const vocabulary_trie& trie,
                                      constrained_beam_options options = {}, P processors = {}, S stop = {}) {
  if (!(options.prior_weight >= 0.0F)) throw config_error("constrained beam search: prior_weight must be >= 0");
  auto beam = options.beam;
  beam.max_length = std::min(beam.max_length, trie.max_word_length() + 1);
  return beam_search(decoder, memory, beam,
                     chain(trie_mask{.trie = &trie, .eos = decoder.eos_id(), .prior_weight = options.prior_weight},
                           std::move(processors)),
                     std::move(stop));
}

}  // namespace glide
