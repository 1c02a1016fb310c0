#pragma once
// The vocabulary constraint as a logits processor: only tokens that continue some vocabulary word
// keep their scores, and the end token only where the prefix is a whole word. An optional prior adds
// weight * log(word frequency) to the end token's score.

#include <array>
#include <cstddef>
#include <span>

#include <glide/concepts/logits_processor.hpp>
#include <glide/core/types.hpp>
#include <glide/vocab/trie.hpp>

namespace glide {

struct trie_mask {
  const vocabulary_trie* trie = nullptr;
  token_id eos = 0;
  /// Weight of log(word frequency), added when a word ends. Non-negative weights keep scores <= 0,
  /// so prefix scores stay upper bounds of their completions.
  float prior_weight = 0.0F;

  void operator()(std::span<const token_id> prefix, std::span<float> scores) const {
    auto node = trie->find(prefix);
    // Kept scores wait here while the row is masked: at most 256 children plus the end token.
    std::array<std::pair<std::size_t, float>, 257> keep;
    std::size_t kept = 0;
    if (node) {
      auto [first, last] = trie->children(*node);
      for (auto c = first; c < last; ++c) {
        const auto t = static_cast<std::size_t>(trie->token(c));
        if (t < scores.size()) keep[kept++] = {t, scores[t]};
      }
      if (*node != vocabulary_trie::root && trie->is_word(*node) && static_cast<std::size_t>(eos) < scores.size()) {
        const auto e = static_cast<std::size_t>(eos);
        keep[kept++] = {e, scores[e] + prior_weight * trie->log_frequency(*node)};
      }
    }
    for (float& s : scores) s = minus_infinity;
    for (std::size_t i = 0; i < kept; ++i) scores[keep[i].first] = keep[i].second;
  }
};
static_assert(LogitsProcessor<trie_mask>);

}  // namespace glide
