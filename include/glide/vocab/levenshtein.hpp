#pragma once
// Vocabulary words within an edit distance of a query, by a depth-first walk of the trie carrying one
// row of the Levenshtein table per node: shared prefixes share rows, and a subtree is cut as soon as
// every entry of its row exceeds the bound (no word below can come back within it).

#include <algorithm>
#include <cstddef>
#include <span>
#include <vector>

#include <glide/core/types.hpp>
#include <glide/vocab/trie.hpp>

namespace glide {

struct word_match {
  std::vector<token_id> tokens;
  std::size_t distance = 0;

  friend bool operator==(const word_match&, const word_match&) = default;
};

/// Every word w with levenshtein(query, w) <= max_distance, in trie order.
inline std::vector<word_match> words_within(const vocabulary_trie& trie, std::span<const token_id> query,
                                            std::size_t max_distance) {
  std::vector<word_match> out;
  const std::size_t n = query.size();
  std::vector<std::vector<std::size_t>> rows(trie.max_word_length() + 2, std::vector<std::size_t>(n + 1));
  for (std::size_t j = 0; j <= n; ++j) rows[0][j] = j;
  std::vector<token_id> path;
  auto walk = [&](auto& self, vocabulary_trie::node_id node, std::size_t depth) -> void {
    auto [first, last] = trie.children(node);
    for (auto c = first; c < last; ++c) {
      const token_id t = trie.token(c);
      const auto& prev = rows[depth];
      auto& row = rows[depth + 1];
      row[0] = prev[0] + 1;
      std::size_t best = row[0];
      for (std::size_t j = 1; j <= n; ++j) {
        row[j] = std::min({prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (query[j - 1] == t ? 0U : 1U)});
        best = std::min(best, row[j]);
      }
      if (best > max_distance) continue;
      path.push_back(t);
      if (trie.is_word(c) && row[n] <= max_distance) out.push_back({path, row[n]});
      self(self, c, depth + 1);
      path.pop_back();
    }
  };
  walk(walk, vocabulary_trie::root, 0);
  return out;
}

/// The plain dynamic programme, for checking.
inline std::size_t levenshtein(std::span<const token_id> a, std::span<const token_id> b) {
  std::vector<std::size_t> prev(b.size() + 1), row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      row[j] = std::min({prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0U : 1U)});
    std::swap(prev, row);
  }
  return prev[b.size()];
}

}  // namespace glide
