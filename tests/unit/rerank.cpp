#include <random>
#include <set>

#include <catch2/catch.hpp>

#include <glide/rerank/levenshtein_rerank.hpp>
#include <glide/search/beam.hpp>
#include <glide/testing/oracle.hpp>
#include <glide/testing/reference_model.hpp>
#include <glide/vocab/levenshtein.hpp>

#include "unit/search_helpers.hpp"

using namespace glide;

TEST_CASE("bounded Levenshtein search over the trie equals the plain DP", "[unit][rerank][levenshtein]") {
  for (unsigned seed = 0; seed < 200; ++seed) {
    std::mt19937 rng{seed};
    const auto words = test::random_vocabulary(rng, 1 + seed % 60, 1 + seed % 7, 3, 3 + static_cast<token_id>(seed % 5));
    const auto trie = vocabulary_trie::build(words);
    std::uniform_int_distribution<std::size_t> len{0, 7};
    std::uniform_int_distribution<token_id> tok{3, 8};
    std::vector<token_id> q(len(rng));
    for (auto& t : q) t = tok(rng);
    for (std::size_t k : {0U, 1U, 2U, 3U}) {
      std::set<std::pair<std::vector<token_id>, std::size_t>> expected, found;
      for (const auto& w : words) {
        const auto d = levenshtein(q, w.tokens);
        if (d <= k) expected.insert({w.tokens, d});
      }
      for (const auto& m : words_within(trie, q, k)) REQUIRE(found.insert({m.tokens, m.distance}).second);
      REQUIRE(found == expected);
    }
  }
}

TEST_CASE("Levenshtein rerank maps hypotheses to nearby words scored by the model", "[unit][rerank]") {
  for (unsigned seed = 0; seed < 80; ++seed) {
    std::mt19937 rng{seed};
    auto model = testing::reference_backend::random(rng, {.characters = 4});
    const auto memory = model.encoder().encode(model.random_input(rng));
    const auto words = test::random_vocabulary(rng, 25, 5, 3, 6);
    const auto trie = vocabulary_trie::build(words);
    const auto beam = beam_search(model.decoder(), memory, {.beam_width = 6, .n_best = 4, .max_length = 6});
    const auto r = levenshtein_rerank(model.decoder(), memory, trie, beam, {.max_distance = 2, .n_best = 0});
    std::set<std::vector<token_id>> allowed;
    for (const auto& h : beam.hypotheses) {
      std::vector<token_id> w(h.tokens.begin(), h.tokens.end() - (h.finished ? 1 : 0));
      if (w.empty()) continue;
      if (trie.contains(w)) {  // words already in the vocabulary stay as they are
        allowed.insert(w);
        continue;
      }
      for (const auto& cand : words)
        if (levenshtein(w, cand.tokens) <= 2) allowed.insert(cand.tokens);
    }
    REQUIRE(r.hypotheses.size() == allowed.size());
    for (std::size_t i = 0; i < r.hypotheses.size(); ++i) {
      const auto& h = r.hypotheses[i];
      REQUIRE(h.tokens.back() == testing::reference_tables::eos_id);
      REQUIRE(allowed.count({h.tokens.begin(), h.tokens.end() - 1}) == 1);
      REQUIRE(h.score == Approx(testing::sequence_log_prob(model.tables(), memory, h.tokens)).margin(2e-4));
      if (i > 0) REQUIRE(h.score <= r.hypotheses[i - 1].score);
    }
    if (!r.hypotheses.empty()) REQUIRE(r.stats.decoder_steps > beam.stats.decoder_steps);
  }
}
