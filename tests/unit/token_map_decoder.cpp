// token_map_decoder (aggregate/token_map_decoder.hpp) and token_map (text/char_tokenizer.hpp): the
// Decoder laws of a model read through a smaller alphabet, and the maps' errors.

#include <algorithm>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include <glide/glide.hpp>
#include <glide/aggregate/token_map_decoder.hpp>
#include <glide/testing/reference_model.hpp>

#include <glide/testing/laws/decoder_laws.hpp>

using namespace glide;
using testing::reference_backend;
using testing::reference_decoder;

TEST_CASE("Decoder laws: token_map_decoder over random reference models and maps", "[unit][token_map][laws]") {
  for (unsigned seed = 0; seed < 12; ++seed) {
    std::mt19937 rng{seed};
    const std::size_t inner_chars = 4 + seed % 5;
    auto model = reference_backend::random(rng, {.characters = inner_chars, .hash_states = 2 + seed % 4});
    auto memory = model.encoder().encode(model.random_input(rng));
    // The specials, then a random subset (in random order) of the model's characters.
    std::vector<token_id> chars;
    for (std::size_t c = 0; c < inner_chars; ++c) chars.push_back(static_cast<token_id>(testing::reference_tables::eos_id + 1 + c));
    std::shuffle(chars.begin(), chars.end(), rng);
    chars.resize(2 + seed % (inner_chars - 2));
    std::vector<token_id> map{0, testing::reference_tables::bos_id, testing::reference_tables::eos_id};
    map.insert(map.end(), chars.begin(), chars.end());
    token_map_decoder<reference_decoder> mapped{&model.decoder(), map};
    REQUIRE(mapped.vocab_size() == map.size());
    REQUIRE(mapped.bos_id() == testing::reference_tables::bos_id);
    auto oracle = [&](const std::vector<token_id>& prefix) {
      std::vector<token_id> inner;
      for (token_id t : prefix) inner.push_back(map[static_cast<std::size_t>(t)]);
      const auto all = testing::reference_log_probs(model.tables(), memory, inner);
      std::vector<float> out;
      for (token_id t : map) out.push_back(all[static_cast<std::size_t>(t)]);
      log_softmax_inplace(out);
      return out;
    };
    laws::check_decoder_laws(mapped, memory, oracle, testing::reference_tables::eos_id + 1, rng);
  }
}

TEST_CASE("token_map_decoder and token_map: bad maps are errors naming the token or letter", "[unit][token_map]") {
  std::mt19937 rng{2};
  auto model = reference_backend::random(rng, {.characters = 4});
  using M = token_map_decoder<reference_decoder>;
  REQUIRE_THROWS_WITH(M(nullptr, {0, 1, 2}), Catch::Contains("null decoder"));
  REQUIRE_THROWS_WITH(M(&model.decoder(), {}), Catch::Contains("empty map"));
  REQUIRE_THROWS_WITH(M(&model.decoder(), {0, 1, 2, 9}), Catch::Contains("token 3 maps to 9"));
  REQUIRE_THROWS_WITH(M(&model.decoder(), {0, 1, 3}), Catch::Contains("end token 2"));
  M ok{&model.decoder(), {0, 1, 2, 4}};
  auto memory = model.encoder().encode(model.random_input(rng));
  auto s = ok.init_state(memory, 1);
  REQUIRE_THROWS_AS(ok.step(memory, s, std::vector<token_id>{7}), shape_error);

  const char_tokenizer latin{"abc"}, more{"xcba"}, greek{"αβγ"};
  REQUIRE(token_map(latin, more) == std::vector<token_id>{0, 1, 2, 6, 5, 4});
  REQUIRE(token_map(latin, latin) == std::vector<token_id>{0, 1, 2, 3, 4, 5});
  REQUIRE_THROWS_WITH(token_map(latin, greek), Catch::Contains("lacks 'a'"));
}
