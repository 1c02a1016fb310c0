#pragma once
// Installed with Glide for people who write their own models of the concept; needs Catch2 v2 (REQUIRE).
// Law kit for Aggregator (see concepts/aggregator.hpp).

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <glide/concepts/aggregator.hpp>

namespace glide::laws {

template <class Rng>
std::vector<prediction> random_predictions(Rng& rng, std::size_t models) {
  static const std::vector<std::string> pool{"a", "b", "c", "d", "e", "f", "g", "h"};
  std::uniform_int_distribution<std::size_t> len{0, 6}, word{0, pool.size() - 1};
  std::normal_distribution<float> z{0.0F, 2.0F};
  std::vector<prediction> out(models);
  for (auto& p : out) {
    const auto n = len(rng);
    std::vector<float> scores;
    for (std::size_t i = 0; i < n; ++i) scores.push_back(-std::abs(z(rng)));
    std::sort(scores.rbegin(), scores.rend());
    for (std::size_t i = 0; i < n; ++i) p.push_back({pool[word(rng)], scores[i]});
  }
  return out;
}

template <class A>
std::size_t rank_of(const prediction& p, const std::string& w) {
  for (std::size_t i = 0; i < p.size(); ++i)
    if (p[i].word == w) return i;
  return p.size();
}

/// `make(weights)` builds the aggregator with the given per-model weights.
template <class Make, class Rng>
void check_aggregator_laws(Make make, Rng& rng, int trials = 300) {
  for (int t = 0; t < trials; ++t) {
    const std::size_t models = 1 + static_cast<std::size_t>(t % 4);
    const auto preds = random_predictions(rng, models);
    std::vector<float> w(models, 1.0F);
    auto agg = make(w);
    static_assert(Aggregator<decltype(agg)>);
    const auto out = agg(std::span<const prediction>{preds});
    std::set<std::string> seen, inputs;
    for (const auto& p : preds)
      for (const auto& s : p) inputs.insert(s.word);
    for (const auto& s : out) {
      REQUIRE(seen.insert(s.word).second);  // no duplicates
      REQUIRE(inputs.count(s.word) == 1);    // closure
    }
    REQUIRE(seen == inputs);  // nothing silently dropped without top_k
    if (models == 1) {        // identity on one list, after de-duplication
      std::vector<std::string> expected;
      for (const auto& s : preds[0])
        if (std::find(expected.begin(), expected.end(), s.word) == expected.end()) expected.push_back(s.word);
      REQUIRE(out.size() == expected.size());
      for (std::size_t i = 0; i < out.size(); ++i) REQUIRE(out[i].word == expected[i]);
    }
    // Trust: raising one model's weight never lowers the rank of that model's first word.
    for (std::size_t m = 0; m < models; ++m) {
      if (preds[m].empty()) continue;
      auto more = w;
      more[m] *= 3.0F;
      const auto boosted = make(more)(std::span<const prediction>{preds});
      REQUIRE(rank_of<void>(boosted, preds[m][0].word) <= rank_of<void>(out, preds[m][0].word));
    }
  }
}

}  // namespace glide::laws
