#pragma once
// Installed with Glide for people who write their own models of the concept; needs Catch2 v2 (REQUIRE).
// The law kit for Lexicon (see glide/concepts/lexicon.hpp): children in ascending token order and
// found by child(), a root that is no word, finite priors <= 0, no dead ends, depth within
// max_word_length(). The walk visits every node, so keep the lexicon small (any_spelling: a short
// alphabet and length).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include <catch2/catch.hpp>

#include <glide/concepts/lexicon.hpp>
#include <glide/core/types.hpp>

namespace glide::laws {

/// Calls f(tokens, log_frequency) for every word of `l`, depth first, children in token order.
template <Lexicon L, class F>
void for_each_lexicon_word(const L& l, F&& f) {
  std::vector<token_id> path;
  auto walk = [&](auto& self, const typename L::node_id& n) -> void {
    if (l.is_word(n)) f(std::span<const token_id>{path}, static_cast<float>(l.log_frequency(n)));
    l.for_each_child(n, [&](token_id t, const typename L::node_id& c) {
      path.push_back(t);
      self(self, c);
      path.pop_back();
    });
  };
  walk(walk, l.root_node());
}

template <Lexicon L>
void check_lexicon_laws(const L& l) {
  REQUIRE(!l.is_word(l.root_node()));
  const std::size_t max_length = l.max_word_length();
  std::vector<token_id> path;
  auto walk = [&](auto& self, const typename L::node_id& n) -> void {
    REQUIRE(path.size() <= max_length);
    if (l.is_word(n)) {
      const float lf = static_cast<float>(l.log_frequency(n));
      REQUIRE(std::isfinite(lf));
      REQUIRE(lf <= 0.0F);
    }
    std::vector<token_id> seen;
    l.for_each_child(n, [&](token_id t, const typename L::node_id& c) {
      if (!seen.empty()) REQUIRE(seen.back() < t);  // ascending, no token twice
      seen.push_back(t);
      const auto found = l.child(n, t);
      REQUIRE(found);
      REQUIRE(*found == c);
    });
    // No dead ends: a node is a word or leads on (the root of an empty lexicon excepted).
    if (!path.empty()) REQUIRE((l.is_word(n) || !seen.empty()));
    // Tokens between and around the children are not children.
    for (token_id t = -1; t <= (seen.empty() ? 4 : seen.back() + 1); ++t)
      if (std::find(seen.begin(), seen.end(), t) == seen.end()) REQUIRE(!l.child(n, t));
    for (token_id t : seen) {
      path.push_back(t);
      self(self, *l.child(n, t));
      path.pop_back();
    }
  };
  walk(walk, l.root_node());
}

}  // namespace glide::laws
