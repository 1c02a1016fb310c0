// Every search checked exactly against the brute-force oracle on random reference models and random
// vocabularies.

#include <random>

#include <catch2/catch.hpp>

#include <glide/glide.hpp>
#include <glide/search/beam.hpp>
#include <glide/search/best_first.hpp>
#include <glide/search/hybrid.hpp>
#include <glide/search/traversal.hpp>
#include <glide/testing/oracle.hpp>
#include <glide/testing/reference_model.hpp>
#include <glide/testing/unbatched.hpp>

#include "unit/search_helpers.hpp"

using namespace glide;

namespace {

struct random_case {
  testing::reference_backend model;
  testing::reference_memory memory;
  std::vector<weighted_word> words;
  vocabulary_trie trie;
};

random_case make_case(unsigned seed, std::size_t max_words = 40) {
  std::mt19937 rng{seed};
  const std::size_t chars = 2 + seed % 6;
  auto model = testing::reference_backend::random(rng, {.characters = chars, .hash_states = 1 + seed % 13});
  auto memory = model.encoder().encode(model.random_input(rng));
  auto words = test::random_vocabulary(rng, 1 + seed % max_words, 1 + seed % 6, testing::reference_tables::eos_id + 1,
                                       static_cast<token_id>(2 + chars));
  auto trie = vocabulary_trie::build(words);
  return {std::move(model), std::move(memory), std::move(words), std::move(trie)};
}

void require_all_words(const search_result& r, const vocabulary_trie& trie) {
  for (const auto& h : r.hypotheses) {
    REQUIRE(h.finished);
    REQUIRE(h.tokens.back() == testing::reference_tables::eos_id);
    REQUIRE(trie.contains(std::span<const token_id>{h.tokens}.first(h.tokens.size() - 1)));
  }
}

}  // namespace

TEST_CASE("traversal scores every word exactly, one decoder row per trie node", "[unit][search][traversal]") {
  for (unsigned seed = 0; seed < 150; ++seed) {
    auto c = make_case(seed);
    const auto expected = test::oracle_ranking(c.model.tables(), c.memory, c.words);
    for (std::size_t batch : {1U, 3U, 512U}) {
      const auto r = traverse_vocabulary(c.model.decoder(), c.memory, c.trie, {.max_batch = batch});
      test::require_same_ranking(r.hypotheses, expected);
      REQUIRE(r.stats.rows_scored == c.trie.node_count());
      if (batch == 512) REQUIRE(r.stats.decoder_steps == c.trie.max_word_length() + 1);
    }
    const auto top3 = traverse_vocabulary(c.model.decoder(), c.memory, c.trie, {.n_best = 3, .max_batch = 2});
    test::require_same_ranking(top3.hypotheses, expected, 3);
    // A floor keeps exactly the words scoring at least it.
    // Halfway between two neighbours, so float rounding cannot decide which side a word falls on.
    const std::size_t mid = expected.size() / 2;
    if (mid == 0 || expected[mid - 1].score - expected[mid].score < 1e-3F) continue;
    const float floor = (expected[mid - 1].score + expected[mid].score) / 2;
    const auto floored = traverse_vocabulary(c.model.decoder(), c.memory, c.trie, {.score_floor = floor});
    for (const auto& h : floored.hypotheses) REQUIRE(h.score >= floor);
    std::size_t above = 0;
    for (const auto& e : expected) above += e.score >= floor;
    REQUIRE(floored.hypotheses.size() == above);
  }
}

TEST_CASE("traversal applies the frequency prior", "[unit][search][traversal]") {
  for (unsigned seed = 0; seed < 30; ++seed) {
    auto c = make_case(seed);
    const auto expected = test::oracle_ranking(c.model.tables(), c.memory, c.words, 0.7F);
    const auto r = traverse_vocabulary(c.model.decoder(), c.memory, c.trie, {.prior_weight = 0.7F});
    test::require_same_ranking(r.hypotheses, expected);
  }
}

TEST_CASE("best-first top-k equals the oracle's top-k for any batch size", "[unit][search][best_first]") {
  for (unsigned seed = 0; seed < 150; ++seed) {
    auto c = make_case(seed);
    for (float prior : {0.0F, 0.5F}) {
      const auto expected = test::oracle_ranking(c.model.tables(), c.memory, c.words, prior);
      for (std::size_t k : {1U, 4U, 100U})
        for (std::size_t batch : {1U, 5U, 64U}) {
          const auto r = best_first_search(c.model.decoder(), c.memory, c.trie,
                                           {.k = k, .max_batch = batch, .prior_weight = prior});
          test::require_same_ranking(r.hypotheses, expected, k);
          REQUIRE(r.stats.rows_scored <= c.trie.node_count() + batch * c.trie.max_word_length());
        }
    }
  }
}

TEST_CASE("best-first expands far fewer nodes than traversal on a large vocabulary", "[unit][search][best_first]") {
  std::mt19937 rng{99};
  auto model = testing::reference_backend::random(rng, {.characters = 8, .scale = 3.0F});
  auto memory = model.encoder().encode(model.random_input(rng));
  const auto words = test::random_vocabulary(rng, 3000, 7, 3, 10);
  const auto trie = vocabulary_trie::build(words);
  const auto all = traverse_vocabulary(model.decoder(), memory, trie, {});
  const auto bf = best_first_search(model.decoder(), memory, trie, {.k = 4, .max_batch = 1});
  test::require_same_ranking(bf.hypotheses, test::top(all.hypotheses, 4));
  REQUIRE(bf.stats.rows_scored * 4 < all.stats.rows_scored);
}

TEST_CASE("hybrid search: exact with a wide beam, words only with a narrow one", "[unit][search][hybrid]") {
  for (unsigned seed = 0; seed < 150; ++seed) {
    auto c = make_case(seed);
    const auto expected = test::oracle_ranking(c.model.tables(), c.memory, c.words);
    for (std::size_t steps : {0U, 1U, 2U, 7U}) {
      const auto wide = hybrid_search(c.model.decoder(), c.memory, c.trie,
                                      {.beam_width = c.words.size(), .beam_steps = steps, .traversal = {.max_batch = 4}});
      test::require_same_ranking(wide.hypotheses, expected);
      const auto narrow = hybrid_search(c.model.decoder(), c.memory, c.trie, {.beam_width = 2, .beam_steps = steps});
      require_all_words(narrow, c.trie);
      for (const auto& h : narrow.hypotheses)
        REQUIRE(h.score == Approx(testing::sequence_log_prob(c.model.tables(), c.memory, h.tokens)).margin(2e-4));
    }
  }
}

TEST_CASE("constrained beam: exact when the beam holds the vocabulary, words only otherwise", "[unit][search][beam]") {
  for (unsigned seed = 0; seed < 150; ++seed) {
    auto c = make_case(seed);
    for (float prior : {0.0F, 0.4F}) {
      const auto expected = test::oracle_ranking(c.model.tables(), c.memory, c.words, prior);
      const std::size_t n = c.words.size();
      const auto wide = constrained_beam_search(c.model.decoder(), c.memory, c.trie,
                                                {.beam = {.beam_width = n, .n_best = n}, .prior_weight = prior});
      test::require_same_ranking(wide.hypotheses, expected);
      const auto narrow = constrained_beam_search(c.model.decoder(), c.memory, c.trie,
                                                  {.beam = {.beam_width = 3, .n_best = 2}, .prior_weight = prior});
      require_all_words(narrow, c.trie);
      REQUIRE(narrow.hypotheses.size() <= 2);
    }
  }
}

TEST_CASE("beam search over all sequences equals the oracle, with and without length penalty", "[unit][search][beam]") {
  for (unsigned seed = 0; seed < 100; ++seed) {
    std::mt19937 rng{seed};
    auto model = testing::reference_backend::random(rng, {.characters = 2 + seed % 2, .hash_states = 1 + seed % 5});
    auto memory = model.encoder().encode(model.random_input(rng));
    const std::size_t max_length = 4;
    auto all = testing::oracle_all_sequences(model.tables(), memory, max_length);
    for (float alpha : {0.0F, 0.8F, -0.5F}) {
      auto expected = all;
      for (auto& h : expected) h.score = alpha == 0.0F ? h.score : h.score / std::pow(float(h.tokens.size()), alpha);
      testing::sort_hypotheses(expected);
      const std::size_t n = expected.size();
      const auto r = beam_search(model.decoder(), memory,
                                 {.beam_width = 128, .n_best = n, .max_length = max_length, .length_penalty = alpha});
      test::require_same_ranking(r.hypotheses, expected);
      const auto top2 = beam_search(model.decoder(), memory,
                                    {.beam_width = 128, .n_best = 2, .max_length = max_length, .length_penalty = alpha});
      test::require_same_ranking(top2.hypotheses, expected, 2);
    }
  }
}

TEST_CASE("beam search results do not depend on batching", "[unit][search][beam]") {
  for (unsigned seed = 0; seed < 60; ++seed) {
    auto c = make_case(seed);
    testing::unbatched<testing::reference_decoder> one_row{c.model.decoder()};
    const beam_options opts{.beam_width = 1 + seed % 6, .n_best = 1, .max_length = 6, .length_penalty = 0.3F};
    const auto batched = beam_search(c.model.decoder(), c.memory, opts);
    const auto single = beam_search(one_row, c.memory, opts);
    REQUIRE(batched.hypotheses == single.hypotheses);
    const auto cb = constrained_beam_search(c.model.decoder(), c.memory, c.trie, {.beam = opts});
    const auto cs = constrained_beam_search(one_row, c.memory, c.trie, {.beam = opts});
    REQUIRE(cb.hypotheses == cs.hypotheses);
    const auto tb = traverse_vocabulary(c.model.decoder(), c.memory, c.trie, {.max_batch = 7});
    const auto ts = traverse_vocabulary(one_row, c.memory, c.trie, {.max_batch = 7});
    REQUIRE(tb.hypotheses == ts.hypotheses);
  }
}

TEST_CASE("beam search options: early stopping, stopping criteria, bad options", "[unit][search][beam][errors]") {
  auto c = make_case(17);
  auto& d = c.model.decoder();
  const auto early = beam_search(d, c.memory, {.beam_width = 4, .n_best = 2, .max_length = 10, .early_stopping = true});
  REQUIRE(early.hypotheses.size() == 2);
  const auto full = beam_search(d, c.memory, {.beam_width = 4, .n_best = 2, .max_length = 10});
  REQUIRE(full.hypotheses.front().score >= early.hypotheses.front().score - 1e-6F);

  // With the end token suppressed nothing finishes: the cut beams fill the list, marked unfinished.
  const auto cut = beam_search(d, c.memory, {.beam_width = 3, .n_best = 2, .max_length = 5},
                               suppress_tokens{.tokens = {d.eos_id()}});
  REQUIRE(cut.hypotheses.size() == 2);
  for (const auto& h : cut.hypotheses) {
    REQUIRE_FALSE(h.finished);
    REQUIRE(h.tokens.size() == 5);
  }
  const auto stopped = beam_search(d, c.memory, {.beam_width = 3, .n_best = 2, .max_length = 9},
                                   suppress_tokens{.tokens = {d.eos_id()}}, max_length{.length = 2});
  for (const auto& h : stopped.hypotheses) REQUIRE(h.tokens.size() == 2);

  REQUIRE_THROWS_AS(beam_search(d, c.memory, {.beam_width = 0}), config_error);
  REQUIRE_THROWS_AS(beam_search(d, c.memory, {.beam_width = 2, .n_best = 3}), config_error);
  REQUIRE_THROWS_AS(best_first_search(d, c.memory, c.trie, {.k = 0}), config_error);
  REQUIRE_THROWS_AS(traverse_vocabulary(d, c.memory, c.trie, {.max_batch = 0}), config_error);
  REQUIRE_THROWS_AS(hybrid_search(d, c.memory, c.trie, {.beam_width = 0}), config_error);
  REQUIRE_THROWS_AS(traverse_vocabulary(d, c.memory, c.trie, {.prior_weight = -1.0F}), config_error);
}

TEST_CASE("to_prediction decodes, keeps order and drops repeated words", "[unit][search]") {
  const char_tokenizer tok{"ab"};
  search_result r;
  r.hypotheses = {{{3, 4, 2}, -1.0F, true}, {{4, 2}, -2.0F, true}, {{3, 4, 2}, -3.0F, true}};
  const auto p = to_prediction(r, tok);
  REQUIRE(p == prediction{{"ab", -1.0F}, {"b", -2.0F}});
}
