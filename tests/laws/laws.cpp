// Runs the law kits on every model of each concept.

#include <random>

#include <catch2/catch.hpp>

#include <glide/glide.hpp>
#include <glide/testing/reference_model.hpp>

#include <glide/testing/laws/decoder_laws.hpp>
#include <glide/testing/laws/processor_laws.hpp>

using namespace glide;

TEST_CASE("Decoder laws: reference_decoder on random models", "[laws][decoder]") {
  for (unsigned seed = 0; seed < 20; ++seed) {
    std::mt19937 rng{seed};
    auto model = testing::reference_backend::random(rng, {.characters = 3 + seed % 5, .hash_states = 2 + seed % 9});
    auto memory = model.encoder().encode(model.random_input(rng));
    auto oracle = [&](const std::vector<token_id>& prefix) {
      return testing::reference_log_probs(model.tables(), memory, prefix);
    };
    laws::check_decoder_laws(model.decoder(), memory, oracle, testing::reference_tables::eos_id + 1, rng);
  }
}

TEST_CASE("Encoder laws: reference_encoder is deterministic and checks shapes", "[laws][encoder]") {
  std::mt19937 rng{3};
  auto model = testing::reference_backend::random(rng);
  auto x = model.random_input(rng);
  const auto a = model.encoder().encode(x);
  const auto b = model.encoder().encode(x);
  REQUIRE(a.bias == b.bias);
  x.push_back(1.0F);
  REQUIRE_THROWS_AS(model.encoder().encode(x), shape_error);
}

TEST_CASE("LogitsProcessor laws hold for every processor", "[laws][processors]") {
  std::mt19937 rng{11};
  const token_id eos = 2;
  SECTION("min_length") { laws::check_logits_processor_laws(min_length{.length = 3, .eos = eos}, rng); }
  SECTION("suppress_tokens") { laws::check_logits_processor_laws(suppress_tokens{.tokens = {0, 4, 99}}, rng); }
  SECTION("repetition_penalty") { laws::check_logits_processor_laws(repetition_penalty{.penalty = 1.7F}, rng); }
  SECTION("temperature") { laws::check_logits_processor_laws(temperature{.value = 0.6F}, rng); }
  SECTION("top_k") { laws::check_logits_processor_laws(top_k{.k = 3}, rng); }
  SECTION("top_p") { laws::check_logits_processor_laws(top_p{.p = 0.8F}, rng); }
  SECTION("processor_chain") {
    laws::check_logits_processor_laws(min_length{.length = 2, .eos = eos} | temperature{.value = 2.0F} | top_k{.k = 4},
                                      rng);
  }
  SECTION("empty chain") { laws::check_logits_processor_laws(no_processor{}, rng); }
  SECTION("trie_mask") {
    // Words over tokens 3..8 (2 is the end token); random prefixes are mostly not in the trie.
    std::vector<weighted_word> words;
    std::uniform_int_distribution<token_id> letter{3, 8};
    std::uniform_int_distribution<std::size_t> length{1, 4};
    for (int i = 0; i < 60; ++i) {
      std::vector<token_id> w(length(rng));
      for (auto& t : w) t = letter(rng);
      words.push_back({std::move(w), 1.0 + i});
    }
    const auto trie = vocabulary_trie::build(words);
    laws::check_logits_processor_laws(trie_mask{.trie = &trie, .eos = eos}, rng);
    laws::check_logits_processor_laws(trie_mask{.trie = &trie, .eos = eos, .prior_weight = 0.4F}, rng);
  }
  SECTION("any_logits_processor") {
    laws::check_logits_processor_laws(any_logits_processor{top_p{.p = 0.5F}}, rng);
    laws::check_logits_processor_laws(any_logits_processor{}, rng);
  }
  SECTION("runtime_chain") {
    runtime_chain c;
    c.push_back(make_logits_processor("repetition_penalty:1.3", eos));
    c.push_back(make_logits_processor("top_k:2", eos));
    laws::check_logits_processor_laws(c, rng);
  }
}

TEST_CASE("StoppingCriterion laws hold for every criterion", "[laws][stopping]") {
  const std::vector<token_id> tokens{3, 4, 2, 5, 6, 2, 7};
  laws::check_stopping_laws(max_length{.length = 4}, tokens);
  laws::check_stopping_laws(eos_stop{.eos = 7}, std::vector<token_id>{3, 4, 7});
  laws::check_stopping_laws(never_stop{}, tokens);
  laws::check_stopping_laws(max_time{.limit = std::chrono::seconds{100}}, tokens);
  laws::check_stopping_laws(max_time{.limit = std::chrono::seconds{0}}, tokens);
  laws::check_stopping_laws(max_length{.length = 5} | max_time{.limit = std::chrono::seconds{100}}, tokens);
}

#include <glide/aggregate/aggregators.hpp>

#include <glide/testing/laws/aggregator_laws.hpp>

TEST_CASE("Aggregator laws hold for every aggregator", "[laws][aggregate]") {
  std::mt19937 rng{21};
  laws::check_aggregator_laws([](std::vector<float> w) { return weighted_merge{.weights = w}; }, rng);
  laws::check_aggregator_laws([](std::vector<float> w) { return reciprocal_rank_fusion{.weights = w}; }, rng);
  laws::check_aggregator_laws([](std::vector<float> w) { return borda{.weights = w}; }, rng);
}
