#pragma once
// The vocabulary constraint as a logits processor: only tokens that continue some word of a Lexicon
// keep their scores, and the end token only where the prefix is a whole word. An optional prior adds
// weight * log(word frequency) to the end token's score. `trie_mask` is the mask over the compact
// vocabulary trie; `lexicon_mask<L>` the same over any Lexicon (base + user words, no constraint, ...).

#include <array>
#include <cstddef>
#include <span>
#include <utility>
#include <vector>

#include <glide/concepts/lexicon.hpp>
#include <glide/concepts/logits_processor.hpp>
#include <glide/core/types.hpp>
#include <glide/vocab/trie.hpp>

namespace glide {

template <Lexicon L>
struct lexicon_mask {
  const L* trie = nullptr;
  token_id eos = 0;
  /// Weight of log(word frequency), added when a word ends. Non-negative weights keep scores <= 0,
  /// so prefix scores stay upper bounds of their completions.
  float prior_weight = 0.0F;

  void operator()(std::span<const token_id> prefix, std::span<float> scores) const {
    auto node = lexicon_find(*trie, prefix);
    // Kept scores wait here while the row is masked (a vocabulary trie has at most 256 children; a
    // lexicon with more spills into a vector).
    std::array<std::pair<std::size_t, float>, 257> keep;
    std::vector<std::pair<std::size_t, float>> more;
    std::size_t kept = 0;
    auto hold = [&](std::size_t t, float s) {
      if (kept < keep.size()) keep[kept] = {t, s};
      else more.emplace_back(t, s);
      ++kept;
    };
    if (node) {
      trie->for_each_child(*node, [&](token_id tok, const auto&) {
        const auto t = static_cast<std::size_t>(tok);
        if (t < scores.size()) hold(t, scores[t]);
      });
      if (trie->is_word(*node) && static_cast<std::size_t>(eos) < scores.size()) {
        const auto e = static_cast<std::size_t>(eos);
        hold(e, scores[e] + prior_weight * trie->log_frequency(*node));
      }
    }
    for (float& s : scores) s = minus_infinity;
    for (std::size_t i = 0; i < kept; ++i) {
      const auto& [t, s] = i < keep.size() ? keep[i] : more[i - keep.size()];
      scores[t] = s;
    }
  }
};

using trie_mask = lexicon_mask<vocabulary_trie>;
static_assert(LogitsProcessor<trie_mask>);

}  // namespace glide
