#pragma once
// Shared helpers for the search tests: random vocabularies and ranking comparison with a tolerance
// for near-ties.

#include <cmath>
#include <random>
#include <set>
#include <vector>

#include <catch2/catch.hpp>

#include <glide/core/types.hpp>
#include <glide/testing/oracle.hpp>
#include <glide/vocab/trie.hpp>

namespace glide::test {

template <class Rng>
std::vector<weighted_word> random_vocabulary(Rng& rng, std::size_t words, std::size_t max_length, token_id first,
                                             token_id last) {
  std::uniform_int_distribution<std::size_t> len{1, max_length};
  std::uniform_int_distribution<token_id> tok{first, last};
  std::uniform_real_distribution<double> count{1.0, 100.0};
  std::set<std::vector<token_id>> seen;
  std::vector<weighted_word> out;
  for (std::size_t tries = 0; out.size() < words && tries < words * 50; ++tries) {
    std::vector<token_id> w(len(rng));
    for (auto& t : w) t = tok(rng);
    if (seen.insert(w).second) out.push_back({w, count(rng)});
  }
  return out;
}

/// Ranks equal: same length, scores within `tol` rank by rank, and at each rank the same tokens unless
/// the expected list has another entry with those tokens within `tol` (a near-tie may swap).
/// `expected` is the full oracle ranking; only its first `count` entries (all when 0) are compared.
inline void require_same_ranking(const std::vector<hypothesis>& actual, const std::vector<hypothesis>& expected,
                                 std::size_t count = 0, float tol = 2e-4F) {
  REQUIRE(actual.size() == (count == 0 ? expected.size() : std::min(count, expected.size())));
  for (std::size_t i = 0; i < actual.size(); ++i) {
    INFO("rank " << i);
    REQUIRE(std::abs(actual[i].score - expected[i].score) <= tol);
    if (actual[i].tokens == expected[i].tokens) continue;
    bool tie = false;
    for (const auto& e : expected)
      tie = tie || (e.tokens == actual[i].tokens && std::abs(e.score - actual[i].score) <= tol);
    REQUIRE(tie);
  }
}

/// The oracle's ranking of a vocabulary, with an optional frequency prior.
inline std::vector<hypothesis> oracle_ranking(const testing::reference_tables& t, const testing::reference_memory& m,
                                              const std::vector<weighted_word>& vocab, float prior_weight = 0.0F) {
  double total = 0.0;
  for (const auto& w : vocab) total += w.count;
  std::vector<hypothesis> out;
  for (const auto& w : vocab) {
    auto tokens = w.tokens;
    tokens.push_back(testing::reference_tables::eos_id);
    const auto s = testing::sequence_log_prob(t, m, tokens) +
                   prior_weight * static_cast<float>(std::log(w.count / total));
    out.push_back({tokens, s, true});
  }
  testing::sort_hypotheses(out);
  return out;
}

inline std::vector<hypothesis> top(std::vector<hypothesis> hs, std::size_t k) {
  if (hs.size() > k) hs.resize(k);
  return hs;
}

}  // namespace glide::test
