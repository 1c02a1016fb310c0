// Lexicons (glide/concepts/lexicon.hpp): the user trie, the union of two lexicons and any_spelling, with
// their laws; every vocabulary search over base + run-time words equals the same search over a trie
// rebuilt with those words; the joint beam search equals its groups run alone.

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <vector>

#include <catch2/catch.hpp>

#include <glide/glide.hpp>
#include <glide/testing/laws/lexicon_laws.hpp>
#include <glide/testing/oracle.hpp>
#include <glide/testing/reference_model.hpp>

#include "unit/search_helpers.hpp"

using namespace glide;

namespace {

std::vector<token_id> toks(std::initializer_list<token_id> t) { return t; }

// Base and user words for a seed: some user words new, some repeating base words (their counts add).
struct split_vocabulary {
  std::vector<weighted_word> base, user, all;
};

split_vocabulary make_split(std::mt19937& rng, std::size_t chars, std::size_t words, std::size_t max_length) {
  auto pool = test::random_vocabulary(rng, words, max_length, testing::reference_tables::eos_id + 1,
                                      static_cast<token_id>(2 + chars));
  split_vocabulary v;
  std::uniform_int_distribution<int> pick{0, 3};
  for (auto& w : pool) {
    const int k = pick(rng);
    if (k == 0) v.user.push_back(w);
    else if (k == 1 && !v.base.empty()) {
      v.base.push_back(w);
      v.user.push_back({w.tokens, w.count * 0.5});  // a base word boosted at run time
    } else v.base.push_back(w);
  }
  if (v.base.empty()) v.base.push_back(v.user.back());
  v.all = v.base;
  v.all.insert(v.all.end(), v.user.begin(), v.user.end());
  return v;
}

// A random reference model and one encoded input, for a seed: what each search test decodes.
struct random_model {
  testing::reference_backend model;
  testing::reference_memory memory;
  std::size_t chars;
};

random_model make_model(std::mt19937& rng, unsigned seed) {
  const std::size_t chars = 2 + seed % 6;
  auto model = testing::reference_backend::random(rng, {.characters = chars, .hash_states = 1 + seed % 13});
  auto memory = model.encoder().encode(model.random_input(rng));
  return {std::move(model), std::move(memory), chars};
}

}  // namespace

TEST_CASE("user_trie: set, count, remove, and removal leaves no dead branch", "[unit][lexicon]") {
  user_trie u;
  CHECK(u.empty());
  u.set(toks({3, 4, 5}), 2.0);
  u.set(toks({3, 4}), 1.0);
  u.set(toks({6}), 1.0);
  CHECK(u.word_count() == 3);
  CHECK(u.total_count() == 4.0);
  REQUIRE(lexicon_contains(u, toks({3, 4})));
  CHECK(!lexicon_contains(u, toks({3})));
  u.set(toks({3, 4}), 3.0);  // set replaces the count
  CHECK(u.word_count() == 3);
  CHECK(u.total_count() == 6.0);
  CHECK(u.log_frequency(*lexicon_find(u, toks({3, 4}))) == Approx(std::log(0.5)));
  CHECK(u.remove(toks({3, 4, 5})));
  CHECK(!u.remove(toks({3, 4, 5})));
  CHECK(!u.remove(toks({9})));
  CHECK(u.word_count() == 2);
  CHECK(!lexicon_find(u, toks({3, 4, 5})));  // the branch is gone with the word
  CHECK(u.max_word_length() == 2);
  std::vector<std::vector<token_id>> order;
  u.for_each_word([&](std::span<const token_id> w, double) { order.emplace_back(w.begin(), w.end()); });
  CHECK(order == std::vector<std::vector<token_id>>{{3, 4}, {6}});
  CHECK_THROWS_AS(u.set({}, 1.0), config_error);
  CHECK_THROWS_AS(u.set(toks({3}), 0.0), config_error);
  CHECK_THROWS_AS(u.set(toks({3}), std::nan("")), config_error);
  CHECK_THROWS_AS(u.set(toks({-1}), 1.0), config_error);
  // A huge count replaced by a small one leaves an exact total (the fuzzer found it cancelling to
  // less than another word's count, a prior above 0).
  user_trie big;
  big.set(toks({3}), 37.5);
  big.set(toks({4}), 7.3e41);
  big.set(toks({4}), 5.0);
  CHECK(big.total_count() == 42.5);
  CHECK(big.log_frequency(*lexicon_find(big, toks({3}))) <= 0.0F);
  big.set(toks({5}), 1e308);
  CHECK_THROWS_AS(big.set(toks({6}), 1e308), config_error);
}

TEST_CASE("every lexicon model keeps the Lexicon laws", "[unit][lexicon][laws]") {
  for (unsigned seed = 0; seed < 40; ++seed) {
    std::mt19937 rng{seed};
    auto v = make_split(rng, 2 + seed % 6, 1 + seed % 40, 1 + seed % 6);
    const auto base = vocabulary_trie::build(v.base);
    user_trie user;
    for (const auto& w : v.user) user.set(w.tokens, w.count);
    INFO("seed " << seed);
    laws::check_lexicon_laws(base);
    laws::check_lexicon_laws(user);
    const lexicon_union<vocabulary_trie, user_trie> both{base, user};
    laws::check_lexicon_laws(both);
    laws::check_lexicon_laws(any_spelling{{3, 4, 5}, 1 + seed % 4});
    // The union holds exactly the words of the rebuilt trie, with its priors.
    const auto rebuilt = vocabulary_trie::build(v.all);
    rebuilt.for_each_word([&](std::span<const token_id> w, float lf) {
      const auto n = lexicon_find(both, w);
      REQUIRE(n);
      REQUIRE(both.is_word(*n));
      REQUIRE(both.log_frequency(*n) == Approx(lf).margin(1e-5));
    });
    std::size_t words = 0;
    laws::for_each_lexicon_word(both, [&](std::span<const token_id> w, float) {
      ++words;
      REQUIRE(rebuilt.contains(w));
    });
    REQUIRE(words == rebuilt.word_count());
  }
}

TEST_CASE("any_spelling: every string of its alphabet up to its length", "[unit][lexicon]") {
  const any_spelling any{{5, 3, 4}, 3};
  CHECK(!any.is_word(any.root_node()));
  CHECK(lexicon_contains(any, toks({5, 5, 3})));
  CHECK(!lexicon_contains(any, toks({5, 5, 3, 3})));
  CHECK(!lexicon_contains(any, toks({6})));
  std::size_t words = 0;
  laws::for_each_lexicon_word(any, [&](std::span<const token_id>, float lf) {
    ++words;
    CHECK(lf == 0.0F);
  });
  CHECK(words == 3 + 9 + 27);
  CHECK_THROWS_AS((any_spelling{{3, 3}, 2}), config_error);
}

TEST_CASE("every vocabulary search over base + run-time words equals it over the rebuilt trie", "[unit][lexicon][search]") {
  for (unsigned seed = 0; seed < 60; ++seed) {
    std::mt19937 rng{seed + 1000};
    auto [model, memory, chars] = make_model(rng, seed);
    auto v = make_split(rng, chars, 2 + seed % 50, 1 + seed % 6);
    const auto base = vocabulary_trie::build(v.base);
    user_trie user;
    for (const auto& w : v.user) user.set(w.tokens, w.count);
    const lexicon_union<vocabulary_trie, user_trie> both{base, user};
    const auto rebuilt = vocabulary_trie::build(v.all);
    INFO("seed " << seed << ", " << v.base.size() << " base words, " << v.user.size() << " user words");
    for (const char* spec : {"trie_beam:beam_width=4,n_best=3,prior_weight=0.5", "trie_beam:beam_width=16,n_best=8",
                             "traversal:n_best=5,prior_weight=0.3", "hybrid:beam_width=3,beam_steps=1,n_best=4,prior_weight=0.7",
                             "best_first:n_best=5,prior_weight=0.4,max_batch=3", "best_first:n_best=1"}) {
      INFO(spec);
      const auto c = search_config::parse(spec);
      const auto expected = run_search(model.decoder(), memory, &rebuilt, c);
      const auto actual = run_search(model.decoder(), memory, &both, c);
      REQUIRE(actual.hypotheses.size() == expected.hypotheses.size());
      for (std::size_t i = 0; i < actual.hypotheses.size(); ++i) {
        INFO("rank " << i);
        REQUIRE(actual.hypotheses[i].tokens == expected.hypotheses[i].tokens);
        REQUIRE(actual.hypotheses[i].score == Approx(expected.hypotheses[i].score).margin(1e-5));
      }
      REQUIRE(actual.stats == expected.stats);
    }
  }
}

TEST_CASE("joint beam search: each group equals its search alone", "[unit][lexicon][search][beam]") {
  for (unsigned seed = 0; seed < 40; ++seed) {
    std::mt19937 rng{seed + 7};
    auto [model, memory, chars] = make_model(rng, seed);
    auto v = make_split(rng, chars, 2 + seed % 30, 1 + seed % 6);
    const auto trie = vocabulary_trie::build(v.all);
    std::vector<token_id> alphabet;
    for (std::size_t c = 0; c < chars; ++c) alphabet.push_back(static_cast<token_id>(testing::reference_tables::eos_id + 1 + c));
    const any_spelling any{alphabet, 1 + seed % 5};
    const constrained_beam_options oa{.beam = {.beam_width = 1 + seed % 9, .n_best = 1}, .prior_weight = 0.3F};
    const constrained_beam_options ob{.beam = {.beam_width = 1 + seed % 4, .n_best = std::min<std::size_t>(2, 1 + seed % 4)}};
    const auto alone_a = constrained_beam_search(model.decoder(), memory, trie, oa);
    const auto alone_b = constrained_beam_search(model.decoder(), memory, any, ob);
    const auto [ja, jb] = joint_constrained_beam_search(model.decoder(), memory, trie, oa, any, ob);
    INFO("seed " << seed);
    REQUIRE(ja.hypotheses == alone_a.hypotheses);
    REQUIRE(jb.hypotheses == alone_b.hypotheses);
    REQUIRE(ja.stats.rows_scored == alone_a.stats.rows_scored);
    REQUIRE(jb.stats.rows_scored == alone_b.stats.rows_scored);
    REQUIRE(std::max(ja.stats.decoder_steps, jb.stats.decoder_steps) <= alone_a.stats.decoder_steps + alone_b.stats.decoder_steps);
    // Literal decoding over any_spelling is the free beam search limited to the alphabet.
    for (const auto& h : jb.hypotheses)
      for (std::size_t i = 0; i + 1 < h.tokens.size(); ++i) REQUIRE(std::binary_search(any.alphabet().begin(), any.alphabet().end(), h.tokens[i]));
  }
}

TEST_CASE("score_sequences: the oracle's log-probability of each sequence, in one batch", "[unit][search]") {
  for (unsigned seed = 0; seed < 30; ++seed) {
    std::mt19937 rng{seed + 99};
    auto [model, memory, chars] = make_model(rng, seed);
    auto words = test::random_vocabulary(rng, 1 + seed % 12, 1 + seed % 7, testing::reference_tables::eos_id + 1,
                                         static_cast<token_id>(2 + chars));
    std::vector<std::vector<token_id>> seqs;
    for (const auto& w : words) seqs.push_back(w.tokens);
    const auto r = score_sequences(model.decoder(), memory, seqs);
    REQUIRE(r.hypotheses.size() == seqs.size());
    for (std::size_t i = 0; i < seqs.size(); ++i) {
      auto tokens = seqs[i];
      tokens.push_back(testing::reference_tables::eos_id);
      INFO("seed " << seed << ", sequence " << i);
      REQUIRE(r.hypotheses[i].tokens == tokens);
      REQUIRE(r.hypotheses[i].finished);
      REQUIRE(r.hypotheses[i].score == Approx(testing::sequence_log_prob(model.tables(), memory, tokens)).margin(1e-4));
    }
  }
  std::mt19937 rng{1};
  auto model = testing::reference_backend::random(rng, {});
  auto memory = model.encoder().encode(model.random_input(rng));
  const std::vector<std::vector<token_id>> bad{{3, 99}};
  REQUIRE_THROWS_AS(score_sequences(model.decoder(), memory, bad), shape_error);
}
