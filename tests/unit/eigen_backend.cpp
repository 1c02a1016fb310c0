#include <filesystem>
#include <fstream>
#include <random>

#include <catch2/catch.hpp>

#include <glide/backends/eigen/model.hpp>
#include <glide/glide.hpp>
#include <glide/model/weights.hpp>
#include <glide/testing/model_inputs.hpp>
#include <glide/swipe/model_input.hpp>

#include "laws/decoder_laws.hpp"

using namespace glide;
namespace eg = glide::backends::eigen;

namespace {


std::string model_dir(const model::model_config& c, std::uint32_t seed) {
  const auto dir = std::filesystem::temp_directory_path() / ("glide_model_" + c.encoder + "_" + c.decoder + "_" + std::to_string(seed));
  std::filesystem::create_directories(dir);
  std::ofstream{dir / "config.json"} << c.to_json().dump();
  io::save_safetensors((dir / "model.safetensors").string(), model::random_weights(c, seed));
  return dir.string();
}


}  // namespace

TEST_CASE("Eigen models load from a model directory and obey the Decoder laws", "[unit][eigen][laws]") {
  for (auto [enc, dec] : {std::pair{"transformer", "transformer"}, std::pair{"conformer", "transformer"},
                          std::pair{"transformer", "gru"}, std::pair{"conformer", "gru"}}) {
    const auto c = testing::small_model_config(enc, dec);
    auto any = eg::load_model(model_dir(c, 1));
    std::visit(
        [&](auto& m) {
          std::mt19937 rng{2};
          const auto memory = m.encoder().encode(testing::random_model_input(rng, 17, c.vocab_size()));
          REQUIRE(memory.states.rows() == 17);
          REQUIRE(memory.states.cols() == 32);
          auto& d = m.decoder();
          // The oracle: a fresh batch-1 state fed the prefix.
          auto oracle = [&](const std::vector<token_id>& prefix) {
            auto s = d.init_state(memory, 1);
            token_id t = d.bos_id();
            auto v = d.step(memory, s, std::span{&t, 1});
            for (token_id p : prefix) v = d.step(memory, s, std::span{&p, 1});
            return laws::log_probs_row<std::remove_reference_t<decltype(d)>>(v, 0);
          };
          laws::check_decoder_laws(d, memory, oracle, char_tokenizer::first_char_id, rng);
        },
        any);
  }
}

TEST_CASE("searches run on the Eigen model and agree with each other", "[unit][eigen][search]") {
  const auto c = testing::small_model_config("transformer", "transformer");
  auto any = eg::load_model(model_dir(c, 3));
  auto& m = std::get<eg::transformer_model>(any);
  std::mt19937 rng{4};
  const auto memory = m.encoder().encode(testing::random_model_input(rng, 25, c.vocab_size()));
  const auto tok = c.tokenizer();
  std::vector<weighted_word> words;
  for (const char* w : {"bad", "bed", "cab", "dead", "fade", "face", "cafe", "add", "egg", "gag", "head", "hhh"})
    words.push_back({tok.encode(w), 1.0});
  const auto trie = vocabulary_trie::build(words);
  const auto all = traverse_vocabulary(m.decoder(), memory, trie, {});
  REQUIRE(all.hypotheses.size() == words.size());
  const auto bf = best_first_search(m.decoder(), memory, trie, {.k = 3});
  REQUIRE(bf.hypotheses.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    REQUIRE(bf.hypotheses[i].tokens == all.hypotheses[i].tokens);
    REQUIRE(bf.hypotheses[i].score == Approx(all.hypotheses[i].score).margin(1e-4));
  }
  const auto beam = constrained_beam_search(m.decoder(), memory, trie, {.beam = {.beam_width = 12, .n_best = 12}});
  REQUIRE(beam.hypotheses.size() == 12);
  REQUIRE(beam.hypotheses[0].tokens == all.hypotheses[0].tokens);
  const auto g = greedy_search(m.decoder(), memory, {.max_length = 10});
  REQUIRE(g.stats.decoder_steps == g.hypotheses[0].tokens.size());
}

TEST_CASE("Eigen model loading names what is wrong", "[unit][eigen][errors]") {
  const auto c = testing::small_model_config("transformer", "transformer");
  const auto dir = model_dir(c, 5);
  REQUIRE_THROWS_AS(eg::load_model("/nonexistent/model"), io_error);
  // Weights of another shape than the config says.
  auto bigger = c;
  bigger.d_model = 64;
  std::ofstream{std::filesystem::path(dir) / "config.json"} << bigger.to_json().dump();
  REQUIRE_THROWS_WITH(eg::load_model(dir), Catch::Contains("enc.in_proj.weight") && Catch::Contains("expected"));
  // Extra tensors mean the config does not describe the file.
  auto fewer = c;
  fewer.decoder_layers = 1;
  std::ofstream{std::filesystem::path(dir) / "config.json"} << fewer.to_json().dump();
  REQUIRE_THROWS_WITH(eg::load_model(dir), Catch::Contains("unexpected tensor 'dec.layers.1"));
  std::ofstream{std::filesystem::path(dir) / "config.json"} << R"({"encoder": "lstm"})";
  REQUIRE_THROWS_WITH(eg::load_model(dir), Catch::Contains("unknown encoder 'lstm'"));
  std::ofstream{std::filesystem::path(dir) / "config.json"} << R"({"d_model": 30, "heads": 4})";
  REQUIRE_THROWS_WITH(eg::load_model(dir), Catch::Contains("multiple of heads"));
  // Absurd sizes are rejected before anything is multiplied or allocated (3 * d_model used to overflow).
  std::ofstream{std::filesystem::path(dir) / "config.json"} << R"({"d_model": 6148914691236517206, "heads": 2})";
  REQUIRE_THROWS_WITH(eg::load_model(dir), Catch::Contains("d_model 6148914691236517206 is above the limit"));
  std::ofstream{std::filesystem::path(dir) / "config.json"} << R"({"ffn": 1000000000})";
  REQUIRE_THROWS_WITH(eg::load_model(dir), Catch::Contains("ffn 1000000000 is above the limit"));
  std::ofstream{std::filesystem::path(dir) / "config.json"} << R"({"d_modle": 32})";
  REQUIRE_THROWS_WITH(eg::load_model(dir), Catch::Contains("unknown model config key 'd_modle'"));
  std::ofstream{std::filesystem::path(dir) / "config.json"} << c.to_json().dump();
  auto any = eg::load_model(dir);
  auto& m = std::get<eg::transformer_model>(any);
  swipe::model_input empty;
  REQUIRE_THROWS_AS(m.encoder().encode(empty), shape_error);
  std::mt19937 rng{1};
  auto bad = testing::random_model_input(rng, 3, c.vocab_size());
  bad.keys.pop_back();
  REQUIRE_THROWS_AS(m.encoder().encode(bad), shape_error);
}
