#pragma once
// Installed with Glide for people who write their own models of the concept; needs Catch2 v2 (REQUIRE).
// Law kit for the Decoder concept (see concepts/decoder.hpp). `check_decoder_laws(d, memory, rng)`
// runs every law on one model; `oracle(prefix)` gives the expected log-probabilities after a prefix.

#include <algorithm>
#include <cmath>
#include <random>
#include <span>
#include <vector>

#include <catch2/catch.hpp>

#include <glide/concepts/decoder.hpp>
#include <glide/core/error.hpp>
#include <glide/core/logits.hpp>

namespace glide::laws {

template <Decoder D>
std::vector<float> log_probs_row(logits_view v, std::size_t r) {
  auto row = v.row(r);
  std::vector<float> out(row.begin(), row.end());
  log_softmax_inplace(out);
  return out;
}

inline void require_close(const std::vector<float>& a, const std::vector<float>& b, float tol = 1e-4F) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::isinf(a[i]) || std::isinf(b[i])) {
      REQUIRE(a[i] == b[i]);
    } else {
      REQUIRE(std::abs(a[i] - b[i]) <= tol);
    }
  }
}

/// Feeds each of `prefixes` (token sequences, no start token) through one batched state, stepping all
/// rows together, and returns each row's final log-probabilities.
template <Decoder D>
std::vector<std::vector<float>> batched_final_rows(D& d, const typename D::memory_type& m,
                                                   const std::vector<std::vector<token_id>>& prefixes) {
  const std::size_t n = prefixes.size();
  const std::size_t len = prefixes.front().size();
  auto s = d.init_state(m, n);
  std::vector<token_id> last(n, d.bos_id());
  logits_view v;
  for (std::size_t t = 0; t <= len; ++t) {
    v = d.step(m, s, last);
    REQUIRE(v.rows() == n);
    REQUIRE(v.cols() == static_cast<std::size_t>(d.vocab_size()));
    if (t < len)
      for (std::size_t r = 0; r < n; ++r) last[r] = prefixes[r][t];
  }
  std::vector<std::vector<float>> out;
  for (std::size_t r = 0; r < n; ++r) out.push_back(log_probs_row<D>(v, r));
  return out;
}

/// Random token sequences of one length over the non-special tokens [first, vocab).
template <class Rng>
std::vector<std::vector<token_id>> random_prefixes(Rng& rng, std::size_t count, std::size_t length, token_id first,
                                                   std::size_t vocab) {
  std::uniform_int_distribution<token_id> tok{first, static_cast<token_id>(vocab) - 1};
  std::vector<std::vector<token_id>> out(count, std::vector<token_id>(length));
  for (auto& p : out)
    for (auto& t : p) t = tok(rng);
  return out;
}

/// All Decoder laws. `first_char` is the smallest ordinary token; `oracle(prefix)` returns the
/// log-probabilities the model assigns after `prefix`.
template <Decoder D, class Oracle, class Rng>
void check_decoder_laws(D& d, const typename D::memory_type& m, Oracle&& oracle, token_id first_char, Rng& rng) {
  const std::size_t vocab = d.vocab_size();

  SECTION("incrementality and batch independence: batched rows match the from-scratch oracle") {
    for (std::size_t len : {0U, 1U, 3U, 6U}) {
      auto prefixes = random_prefixes(rng, 5, len, first_char, vocab);
      auto rows = batched_final_rows(d, m, prefixes);
      for (std::size_t r = 0; r < prefixes.size(); ++r) require_close(rows[r], oracle(prefixes[r]));
    }
  }

  SECTION("reorder: selected rows continue as the rows they were taken from, with repeats and resizing") {
    auto prefixes = random_prefixes(rng, 4, 3, first_char, vocab);
    auto s = d.init_state(m, prefixes.size());
    std::vector<token_id> last(prefixes.size(), d.bos_id());
    for (std::size_t t = 0; t < 3; ++t) {
      d.step(m, s, last);
      for (std::size_t r = 0; r < prefixes.size(); ++r) last[r] = prefixes[r][t];
    }
    const std::vector<std::size_t> pick{2, 0, 2, 3, 3, 1};
    d.reorder(s, pick);
    REQUIRE(d.batch_size(s) == pick.size());
    std::vector<token_id> next_last;
    for (auto p : pick) next_last.push_back(last[p]);
    auto v = d.step(m, s, next_last);
    for (std::size_t i = 0; i < pick.size(); ++i) require_close(log_probs_row<D>(v, i), oracle(prefixes[pick[i]]));

    d.reorder(s, std::vector<std::size_t>{4});
    REQUIRE(d.batch_size(s) == 1);
  }

  SECTION("copy: a copied state evolves independently") {
    auto s = d.init_state(m, 1);
    token_id t = d.bos_id();
    d.step(m, s, std::span{&t, 1});
    auto copy = s;
    token_id a = first_char;
    token_id b = static_cast<token_id>(vocab - 1);
    auto va = log_probs_row<D>(d.step(m, s, std::span{&a, 1}), 0);
    auto vb = log_probs_row<D>(d.step(m, copy, std::span{&b, 1}), 0);
    require_close(va, oracle(std::vector<token_id>{a}));
    require_close(vb, oracle(std::vector<token_id>{b}));
  }

  SECTION("shape errors: wrong token count and bad reorder rows throw shape_error") {
    auto s = d.init_state(m, 2);
    std::vector<token_id> one{d.bos_id()};
    REQUIRE_THROWS_AS(d.step(m, s, one), shape_error);
    REQUIRE_THROWS_AS(d.reorder(s, std::vector<std::size_t>{0, 5}), shape_error);
  }
}

}  // namespace glide::laws
