#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include <glide/glide.hpp>

using namespace glide;

namespace {
std::vector<float> apply(auto p, std::vector<float> row, std::vector<token_id> prefix = {}) {
  p(std::span<const token_id>{prefix}, std::span<float>{row});
  return row;
}
constexpr float ninf = minus_infinity;
}  // namespace

TEST_CASE("min_length masks the end token until enough tokens exist", "[unit][processors]") {
  const std::vector<float> row{-1, -2, -3, -4};
  REQUIRE(apply(min_length{.length = 2, .eos = 2}, row, {5}) == std::vector<float>{-1, -2, ninf, -4});
  REQUIRE(apply(min_length{.length = 2, .eos = 2}, row, {5, 6}) == row);
}

TEST_CASE("suppress_tokens, temperature, repetition_penalty", "[unit][processors]") {
  REQUIRE(apply(suppress_tokens{.tokens = {0, 3, 17}}, {-1, -2, -3, -4}) == std::vector<float>{ninf, -2, -3, ninf});
  REQUIRE(apply(temperature{.value = 2.0F}, {-1, -2, ninf}) == std::vector<float>{-0.5F, -1.0F, ninf});
  // Penalised once per distinct token; negative scores are multiplied, positive divided.
  REQUIRE(apply(repetition_penalty{.penalty = 2.0F}, {-1, 4, -3}, {0, 1, 1}) == std::vector<float>{-2, 2, -3});
}

TEST_CASE("top_k keeps the k best (and ties with the k-th)", "[unit][processors]") {
  REQUIRE(apply(top_k{.k = 2}, {-3, -1, -2, -5}) == std::vector<float>{ninf, -1, -2, ninf});
  REQUIRE(apply(top_k{.k = 2}, {-1, -2, -2, -5}) == std::vector<float>{-1, -2, -2, ninf});
  REQUIRE(apply(top_k{.k = 10}, {-1, -2}) == std::vector<float>{-1, -2});
}

TEST_CASE("top_p keeps the smallest nucleus reaching p", "[unit][processors]") {
  const std::vector<float> row{std::log(0.5F), std::log(0.3F), std::log(0.15F), std::log(0.05F)};
  auto kept = [](const std::vector<float>& r) {
    int n = 0;
    for (float v : r) n += v != ninf;
    return n;
  };
  REQUIRE(kept(apply(top_p{.p = 0.5F}, row)) == 1);
  REQUIRE(kept(apply(top_p{.p = 0.7F}, row)) == 2);
  REQUIRE(kept(apply(top_p{.p = 0.9F}, row)) == 3);
  REQUIRE(kept(apply(top_p{.p = 1.0F}, row)) == 4);
  REQUIRE(kept(apply(top_p{.p = 0.1F, .min_keep = 3}, row)) == 3);
}

TEST_CASE("processors reject values outside their domain", "[unit][processors][errors]") {
  REQUIRE_THROWS_AS(apply(temperature{.value = 0.0F}, {-1}), config_error);
  REQUIRE_THROWS_AS(apply(top_k{.k = 0}, {-1}), config_error);
  REQUIRE_THROWS_AS(apply(top_p{.p = 1.5F}, {-1}), config_error);
  REQUIRE_THROWS_AS(apply(repetition_penalty{.penalty = -1.0F}, {-1}, {0}), config_error);
}

TEST_CASE("chains apply left to right and flatten", "[unit][processors]") {
  auto c = temperature{.value = 0.5F} | top_k{.k = 1} | suppress_tokens{.tokens = {1}};
  static_assert(std::is_same_v<decltype(c), processor_chain<temperature, top_k, suppress_tokens>>);
  REQUIRE(apply(c, {-1, -2, -3}) == std::vector<float>{-2, ninf, ninf});
  // Order matters: suppressing first leaves token 1 to be the best.
  auto d = suppress_tokens{.tokens = {0}} | top_k{.k = 1};
  REQUIRE(apply(d, {-1, -2, -3}) == std::vector<float>{ninf, -2, ninf});
}

TEST_CASE("make_logits_processor parses specs and names bad ones", "[unit][processors][errors]") {
  auto p = make_logits_processor("top_k:1", 2);
  REQUIRE(apply(p, {-3, -1, -2}) == std::vector<float>{ninf, -1, ninf});
  auto s = make_logits_processor("suppress:0,2", 2);
  REQUIRE(apply(s, {-3, -1, -2}) == std::vector<float>{ninf, -1, ninf});
  auto m = make_logits_processor("min_length:3", 1);
  REQUIRE(apply(m, {-3, -1, -2}, {4}) == std::vector<float>{-3, ninf, -2});
  REQUIRE_THROWS_WITH(make_logits_processor("top_q:3", 2), Catch::Contains("top_q"));
  REQUIRE_THROWS_AS(make_logits_processor("top_k:x", 2), parse_error);
  REQUIRE_THROWS_AS(make_logits_processor("top_k", 2), parse_error);
  REQUIRE_THROWS_AS(make_logits_processor("top_k:3x", 2), parse_error);
  REQUIRE_THROWS_WITH(make_logits_processor("temperature:0", 2), Catch::Contains("temperature:0"));
}

TEST_CASE("stopping criteria and their disjunction", "[unit][stopping]") {
  hypothesis h{.tokens = {3, 4}};
  REQUIRE_FALSE(max_length{.length = 3}(h));
  REQUIRE(max_length{.length = 2}(h));
  REQUIRE_FALSE(eos_stop{.eos = 2}(h));
  h.tokens.push_back(2);
  REQUIRE(eos_stop{.eos = 2}(h));
  auto any = max_length{.length = 10} | eos_stop{.eos = 9} | never_stop{};
  static_assert(std::is_same_v<decltype(any), stopping_any<max_length, eos_stop, never_stop>>);
  REQUIRE_FALSE(any(h));
  h.tokens.push_back(9);
  REQUIRE(any(h));
  max_time expired{.limit = std::chrono::seconds{0}};
  REQUIRE(expired(h));
}
