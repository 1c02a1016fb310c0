#pragma once
// Levenshtein reranking: hypotheses outside the vocabulary (from an unconstrained search) are replaced
// by the vocabulary words within `max_distance` edits of them, and every resulting word is rescored
// by the model (teacher forcing, batched: the candidates form a small trie that is traversed exactly,
// so shared prefixes are scored once). The result ranks the words by that log-probability.

#include <algorithm>
#include <cstddef>
#include <span>
#include <vector>

#include <glide/concepts/decoder.hpp>
#include <glide/core/error.hpp>
#include <glide/core/types.hpp>
#include <glide/search/traversal.hpp>
#include <glide/vocab/levenshtein.hpp>
#include <glide/vocab/trie.hpp>

namespace glide {

struct rerank_options {
  std::size_t max_distance = 1;
  /// Words returned (0: all candidates).
  std::size_t n_best = 4;
  /// Weight of log(word frequency) (>= 0), as in the vocabulary searches.
  float prior_weight = 0.0F;
  /// Most rows per decoder step while rescoring.
  std::size_t max_batch = 256;
};

template <Decoder D>
search_result levenshtein_rerank(D& decoder, const typename D::memory_type& memory, const vocabulary_trie& vocabulary,
                                 const search_result& hypotheses, rerank_options options = {}) {
  const token_id eos = decoder.eos_id();
  // The small trie only shares prefixes while rescoring; the prior below uses the vocabulary's
  // frequencies, so candidate counts do not matter.
  std::vector<weighted_word> candidates;
  auto add = [&](std::span<const token_id> w) { candidates.push_back({{w.begin(), w.end()}, 1.0}); };
  for (const auto& h : hypotheses.hypotheses) {
    std::span<const token_id> w{h.tokens};
    if (!w.empty() && w.back() == eos) w = w.first(w.size() - 1);
    if (w.empty()) continue;
    if (vocabulary.contains(w)) {
      add(w);
      continue;
    }
    for (const auto& m : words_within(vocabulary, w, options.max_distance)) add(m.tokens);
  }
  search_result out;
  out.stats = hypotheses.stats;
  if (candidates.empty()) return out;
  const auto small = vocabulary_trie::build(std::move(candidates));  // merges repeated candidates
  auto rescored = traverse_vocabulary(decoder, memory, small, {.n_best = 0, .max_batch = options.max_batch});
  out.stats += rescored.stats;
  for (auto& h : rescored.hypotheses) {
    if (options.prior_weight != 0.0F) {
      const std::span<const token_id> w{h.tokens.data(), h.tokens.size() - 1};
      h.score += options.prior_weight * vocabulary.log_frequency(*vocabulary.find(w));
    }
  }
  std::stable_sort(rescored.hypotheses.begin(), rescored.hypotheses.end(),
                   [](const auto& a, const auto& b) { return a.score > b.score; });
  if (options.n_best != 0 && rescored.hypotheses.size() > options.n_best) rescored.hypotheses.resize(options.n_best);
  out.hypotheses = std::move(rescored.hypotheses);
  return out;
}

}  // namespace glide
