// ensemble_decoder (aggregate/ensemble_decoder.hpp): the Decoder laws against a from-scratch oracle of
// the combined log-probabilities, both rules, searches over an ensemble, and its configuration errors.

#include <cmath>
#include <memory>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include <glide/glide.hpp>
#include <glide/search/beam.hpp>
#include <glide/search/score_sequences.hpp>
#include <glide/testing/reference_model.hpp>

#include <glide/testing/laws/decoder_laws.hpp>

using namespace glide;
using testing::reference_backend;
using testing::reference_decoder;
using testing::reference_memory;

namespace {

// The rule applied to the members' from-scratch log-probabilities, then normalised (what a search reads).
std::vector<float> combined_log_probs(const std::vector<reference_backend>& models, const std::vector<reference_memory>& memories,
                                      const std::vector<float>& weights, ensemble_rule rule, std::span<const token_id> prefix) {
  const std::size_t vocab = models.front().tables().vocab;
  double total = 0;
  for (float w : weights) total += w;
  std::vector<std::vector<float>> rows;
  for (std::size_t i = 0; i < models.size(); ++i) rows.push_back(testing::reference_log_probs(models[i].tables(), memories[i], prefix));
  std::vector<float> out(vocab);
  for (std::size_t t = 0; t < vocab; ++t) {
    double v = 0;
    bool impossible = true;
    for (std::size_t i = 0; i < models.size(); ++i) {
      const double w = weights[i] / total;
      if (rows[i][t] != minus_infinity) impossible = false;
      v += rule == ensemble_rule::product ? w * rows[i][t] : w * std::exp(static_cast<double>(rows[i][t]));
    }
    out[t] = impossible ? minus_infinity : static_cast<float>(rule == ensemble_rule::product ? v : std::log(v));
  }
  log_softmax_inplace(out);
  return out;
}

struct ensemble_case {
  std::vector<reference_backend> models;
  std::vector<reference_memory> memories;
};

ensemble_case make_ensemble_case(std::mt19937& rng, std::size_t members, std::size_t characters) {
  ensemble_case c;
  for (std::size_t i = 0; i < members; ++i) {
    c.models.push_back(reference_backend::random(rng, {.characters = characters, .hash_states = 2 + i}));
    c.memories.push_back(c.models.back().encoder().encode(c.models.back().random_input(rng)));
  }
  return c;
}

std::vector<reference_decoder*> decoders_of(ensemble_case& c) {
  std::vector<reference_decoder*> out;
  for (auto& m : c.models) out.push_back(&m.decoder());
  return out;
}

}  // namespace

TEST_CASE("Decoder laws: ensemble_decoder of random reference models, both rules", "[unit][ensemble][laws]") {
  for (unsigned seed = 0; seed < 12; ++seed) {
    std::mt19937 rng{seed};
    auto c = make_ensemble_case(rng, 1 + seed % 3, 3 + seed % 4);
    std::vector<float> weights;
    std::uniform_real_distribution<float> w{0.2F, 3.0F};
    for (std::size_t i = 0; i < c.models.size(); ++i) weights.push_back(w(rng));
    for (auto rule : {ensemble_rule::product, ensemble_rule::mixture}) {
      ensemble_decoder<reference_decoder> ens{decoders_of(c), {.weights = weights, .rule = rule}};
      auto oracle = [&](const std::vector<token_id>& prefix) { return combined_log_probs(c.models, c.memories, weights, rule, prefix); };
      laws::check_decoder_laws(ens, c.memories, oracle, testing::reference_tables::eos_id + 1, rng);
    }
  }
}

TEST_CASE("ensemble_decoder: one member, or equal members, reads as the member", "[unit][ensemble]") {
  std::mt19937 rng{5};
  auto c = make_ensemble_case(rng, 1, 5);
  auto& model = c.models.front();
  std::vector<reference_decoder*> twice{&model.decoder(), &model.decoder(), &model.decoder()};
  const std::vector<reference_memory> memories(3, c.memories.front());
  for (auto rule : {ensemble_rule::product, ensemble_rule::mixture}) {
    ensemble_decoder<reference_decoder> ens{twice, {.weights = {1.0F, 2.0F, 0.5F}, .rule = rule}};
    const auto alone = beam_search(model.decoder(), c.memories.front(), {.beam_width = 6, .n_best = 6, .max_length = 7});
    const auto together = beam_search(ens, memories, {.beam_width = 6, .n_best = 6, .max_length = 7});
    REQUIRE(alone.hypotheses.size() == together.hypotheses.size());
    for (std::size_t i = 0; i < alone.hypotheses.size(); ++i) {
      REQUIRE(alone.hypotheses[i].tokens == together.hypotheses[i].tokens);
      REQUIRE(alone.hypotheses[i].score == Approx(together.hypotheses[i].score).margin(1e-4));
    }
  }
}

TEST_CASE("ensemble_decoder: a word's score is the sum of the combined log-probabilities", "[unit][ensemble]") {
  std::mt19937 rng{9};
  auto c = make_ensemble_case(rng, 2, 4);
  const std::vector<float> weights{0.7F, 0.3F};
  for (auto rule : {ensemble_rule::product, ensemble_rule::mixture}) {
    ensemble_decoder<reference_decoder> ens{decoders_of(c), {.weights = weights, .rule = rule}};
    const std::vector<std::vector<token_id>> words{{3, 4, 5}, {6}, {4, 4, 6, 3}};
    const auto scored = score_sequences(ens, c.memories, std::span<const std::vector<token_id>>{words});
    REQUIRE(scored.hypotheses.size() == words.size());
    for (const auto& h : scored.hypotheses) {
      double expected = 0;
      std::vector<token_id> prefix;
      for (token_id t : h.tokens) {
        expected += combined_log_probs(c.models, c.memories, weights, rule, prefix)[static_cast<std::size_t>(t)];
        prefix.push_back(t);
      }
      REQUIRE(h.score == Approx(expected).margin(1e-3));
    }
  }
}

TEST_CASE("ensemble_decoder: bad members, weights and memories are errors that say what is wrong", "[unit][ensemble]") {
  std::mt19937 rng{1};
  auto c = make_ensemble_case(rng, 2, 4);
  auto other = reference_backend::random(rng, {.characters = 6});
  using E = ensemble_decoder<reference_decoder>;
  REQUIRE_THROWS_WITH(E(std::vector<reference_decoder*>{}), Catch::Contains("no members"));
  REQUIRE_THROWS_WITH(E({&c.models[0].decoder(), nullptr}), Catch::Contains("member 1 is null"));
  REQUIRE_THROWS_WITH(E({&c.models[0].decoder(), &other.decoder()}), Catch::Contains("share one tokenizer"));
  REQUIRE_THROWS_WITH(E(decoders_of(c), {.weights = {1.0F}}), Catch::Contains("1 weights for 2 members"));
  REQUIRE_THROWS_WITH(E(decoders_of(c), {.weights = {1.0F, 0.0F}}), Catch::Contains("weight 1"));
  REQUIRE_THROWS_WITH(E(decoders_of(c), {.weights = {NAN, 1.0F}}), Catch::Contains("weight 0"));
  REQUIRE_THROWS_WITH(E(decoders_of(c), {.weights = {-1.0F, 1.0F}}), Catch::Contains("finite and > 0"));
  REQUIRE_THROWS_AS(parse_ensemble_rule("average"), unknown_name_error);
  REQUIRE(parse_ensemble_rule("mixture") == ensemble_rule::mixture);
  E ens{decoders_of(c)};
  REQUIRE(ens.weights()[0] == Approx(0.5));
  const std::vector<reference_memory> one{c.memories.front()};
  REQUIRE_THROWS_WITH(ens.init_state(one, 1), Catch::Contains("1 memories for 2 members"));
  auto s = ens.init_state(c.memories, 1);
  REQUIRE_THROWS_AS(ens.step(one, s, std::vector<token_id>{ens.bos_id()}), shape_error);
}
