#include <random>

#include <catch2/catch.hpp>

#include <glide/glide.hpp>
#include <glide/testing/oracle.hpp>
#include <glide/testing/reference_model.hpp>

using namespace glide;

TEST_CASE("greedy search equals the from-scratch argmax oracle on hundreds of random models", "[unit][greedy]") {
  for (unsigned seed = 0; seed < 300; ++seed) {
    std::mt19937 rng{seed};
    auto model = testing::reference_backend::random(
        rng, {.characters = 2 + seed % 7, .hash_states = 1 + seed % 11, .eos_bias = -1.5F});
    auto memory = model.encoder().encode(model.random_input(rng));
    const std::size_t max_length = 1 + seed % 9;
    const auto result = greedy_search(model.decoder(), memory, {.max_length = max_length});
    const auto expected = testing::oracle_greedy(model.tables(), memory, max_length);
    REQUIRE(result.hypotheses.size() == 1);
    const auto& h = result.hypotheses[0];
    REQUIRE(h.tokens == expected.tokens);
    REQUIRE(h.finished == expected.finished);
    REQUIRE(h.score == Approx(expected.score).margin(1e-4));
    REQUIRE(h.score == Approx(testing::sequence_log_prob(model.tables(), memory, h.tokens)).margin(1e-4));
    // One step per generated token: the prefix is never re-run.
    REQUIRE(result.stats.decoder_steps == h.tokens.size());
    REQUIRE(result.stats.rows_scored == h.tokens.size());
  }
}

TEST_CASE("greedy search applies processors and stopping criteria", "[unit][greedy]") {
  std::mt19937 rng{42};
  auto model = testing::reference_backend::random(rng, {.characters = 5, .eos_bias = 10.0F});
  auto memory = model.encoder().encode(model.random_input(rng));
  const token_id eos = model.decoder().eos_id();

  SECTION("min_length postpones the end token") {
    const auto plain = greedy_search(model.decoder(), memory, {.max_length = 20});
    REQUIRE(plain.hypotheses[0].finished);
    REQUIRE(plain.hypotheses[0].tokens.size() < 5);
    const auto r = greedy_search(model.decoder(), memory, {.max_length = 20}, min_length{.length = 4, .eos = eos});
    REQUIRE(r.hypotheses[0].tokens.size() >= 4);
    for (std::size_t i = 0; i < 4; ++i) REQUIRE(r.hypotheses[0].tokens[i] != eos);
  }
  SECTION("suppressing the end token runs to max_length unfinished") {
    const auto r = greedy_search(model.decoder(), memory, {.max_length = 6}, suppress_tokens{.tokens = {eos}});
    REQUIRE(r.hypotheses[0].tokens.size() == 6);
    REQUIRE_FALSE(r.hypotheses[0].finished);
  }
  SECTION("a stopping criterion ends the search early") {
    const auto r = greedy_search(model.decoder(), memory, {.max_length = 20}, suppress_tokens{.tokens = {eos}},
                                 max_length{.length = 3} | never_stop{});
    REQUIRE(r.hypotheses[0].tokens.size() == 3);
    REQUIRE(r.stats.decoder_steps == 3);
  }
  SECTION("masking every token ends the search with what it has") {
    std::vector<token_id> all;
    for (token_id t = 0; t < static_cast<token_id>(model.decoder().vocab_size()); ++t) all.push_back(t);
    const auto r = greedy_search(model.decoder(), memory, {.max_length = 5}, suppress_tokens{.tokens = all});
    REQUIRE(r.hypotheses[0].tokens.empty());
    REQUIRE_FALSE(r.hypotheses[0].finished);
  }
  SECTION("a type-erased runtime chain works like the compile-time one") {
    runtime_chain rc;
    rc.push_back(make_logits_processor("min_length:4", eos));
    const auto a = greedy_search(model.decoder(), memory, {.max_length = 20}, rc);
    const auto b = greedy_search(model.decoder(), memory, {.max_length = 20}, min_length{.length = 4, .eos = eos});
    REQUIRE(a.hypotheses == b.hypotheses);
  }
}
