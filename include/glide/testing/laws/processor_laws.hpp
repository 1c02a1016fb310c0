#pragma once
// Installed with Glide for people who write their own models of the concept; needs Catch2 v2 (REQUIRE).
// Law kits for LogitsProcessor and StoppingCriterion (see their concept headers).

#include <cmath>
#include <random>
#include <span>
#include <vector>

#include <catch2/catch.hpp>

#include <glide/concepts/logits_processor.hpp>
#include <glide/concepts/stopping_criterion.hpp>
#include <glide/core/logits.hpp>

namespace glide::laws {

/// Random log-probability rows, some with masked (-inf) entries.
template <class Rng>
std::vector<float> random_log_probs(Rng& rng, std::size_t vocab, bool with_masks) {
  std::normal_distribution<float> normal{0.0F, 2.0F};
  std::bernoulli_distribution mask{0.2};
  std::vector<float> row(vocab);
  for (auto& v : row) v = normal(rng);
  if (with_masks)
    for (std::size_t i = 1; i < vocab; ++i)
      if (mask(rng)) row[i] = minus_infinity;
  log_softmax_inplace(row);
  return row;
}

template <LogitsProcessor P, class Rng>
void check_logits_processor_laws(const P& prototype, Rng& rng, std::size_t vocab = 9, int trials = 50) {
  std::uniform_int_distribution<std::size_t> len{0, 6};
  std::uniform_int_distribution<token_id> tok{0, static_cast<token_id>(vocab) - 1};
  for (int trial = 0; trial < trials; ++trial) {
    std::vector<token_id> prefix(len(rng));
    for (auto& t : prefix) t = tok(rng);
    const auto before = random_log_probs(rng, vocab, trial % 2 == 1);
    auto once = before;
    P p1 = prototype;
    p1(std::span<const token_id>{prefix}, std::span<float>{once});
    REQUIRE(once.size() == before.size());  // locality: size kept
    auto twice = before;
    P p2 = prototype;
    p2(std::span<const token_id>{prefix}, std::span<float>{twice});
    for (std::size_t i = 0; i < vocab; ++i) {
      REQUIRE_FALSE(std::isnan(once[i]));                                     // no NaN
      if (before[i] == minus_infinity) REQUIRE(once[i] == minus_infinity);    // no revival
      REQUIRE((once[i] == twice[i] || (std::isinf(once[i]) && once[i] == twice[i])));  // determinism
    }
  }
}

template <StoppingCriterion C>
void check_stopping_laws(const C& prototype, const std::vector<token_id>& tokens) {
  // Monotone in length: once stopped, every extension is stopped too.
  C c = prototype;
  hypothesis h;
  bool stopped = false;
  for (std::size_t i = 0; i <= tokens.size(); ++i) {
    const bool now = c(h);
    if (stopped) REQUIRE(now);
    stopped = stopped || now;
    if (i < tokens.size()) h.tokens.push_back(tokens[i]);
  }
}

}  // namespace glide::laws
