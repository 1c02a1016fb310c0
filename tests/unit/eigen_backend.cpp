#include <filesystem>
#include <fstream>
#include <random>

#include <catch2/catch.hpp>

#include <glide/backends/eigen/model.hpp>
#include <glide/glide.hpp>
#include <glide/model/weights.hpp>
#include <glide/testing/model_inputs.hpp>
#include <glide/swipe/model_input.hpp>

#include <glide/testing/laws/decoder_laws.hpp>

#include "support/temp_dir.hpp"

using namespace glide;
namespace eg = glide::backends::eigen;

namespace {


std::string model_dir(const model::model_config& c, std::uint32_t seed) {
  const auto dir = glide_test::temp_path("glide_model_" + c.encoder + "_" + c.decoder + "_" + std::to_string(seed));
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

namespace {

/// Passes a decoder through, but from step `bad_step` on writes `value` into token `token` of every row.
template <class D>
struct poisoned {
  using memory_type = typename D::memory_type;
  using state_type = typename D::state_type;
  D* d;
  std::size_t bad_step;
  float value;
  token_id token = 5;
  std::size_t steps = 0;
  std::size_t vocab_size() const { return d->vocab_size(); }
  token_id bos_id() const { return d->bos_id(); }
  token_id eos_id() const { return d->eos_id(); }
  std::size_t max_length() const { return decoder_max_length(*d); }
  std::size_t batch_size(const state_type& s) const { return d->batch_size(s); }
  state_type init_state(const memory_type& m, std::size_t b) { return d->init_state(m, b); }
  void reorder(state_type& s, std::span<const std::size_t> r) { d->reorder(s, r); }
  logits_view step(const memory_type& m, state_type& s, std::span<const token_id> last) {
    auto v = d->step(m, s, last);
    if (++steps >= bad_step)
      for (std::size_t r = 0; r < v.rows(); ++r) v.row(r)[static_cast<std::size_t>(token)] = value;
    return v;
  }
};

}  // namespace

TEST_CASE("every search stops at the decoder's length instead of letting it throw", "[unit][eigen][search][length]") {
  auto c = testing::small_model_config("transformer", "transformer");
  c.max_word_length = 4;  // a table of 6 positions: 6 steps, so at most 5 characters and the end
  auto any = eg::load_model(model_dir(c, 5));
  auto& m = std::get<eg::transformer_model>(any);
  auto& d = m.decoder();
  static_assert(BoundedDecoder<std::remove_reference_t<decltype(d)>>);
  REQUIRE(decoder_max_length(d) == 6);
  std::mt19937 rng{6};
  const auto memory = m.encoder().encode(testing::random_model_input(rng, 20, c.vocab_size()));
  const auto tok = c.tokenizer();
  // Words longer than the model can spell, and short ones; the long ones must be skipped, not thrown on.
  std::vector<weighted_word> words;
  for (const char* w : {"abcdefgh", "aaaaaaaaaaaaaaaaaaaaa", "hgfedcbahgfedcba", "bad", "cab", "fade", "abcde", "abcdef", "ab"})
    words.push_back({tok.encode(w), 1.0});
  const auto trie = vocabulary_trie::build(words);
  for (const char* spec : {"greedy:max_length=100", "beam:beam_width=4,n_best=4,max_length=100", "trie_beam:beam_width=8,n_best=8,max_length=100",
                           "traversal", "hybrid:beam_steps=2", "hybrid:beam_steps=7", "best_first:n_best=9", "best_first:n_best=3,max_batch=1"}) {
    INFO(spec);
    const auto r = run_search(d, memory, &trie, search_config::parse(spec));
    REQUIRE(!r.hypotheses.empty());
    for (const auto& h : r.hypotheses) REQUIRE(h.tokens.size() <= 6);  // characters + end, within the positions
  }
  // The vocabulary searches find exactly the words the decoder can finish (at most 5 characters + end).
  const auto all = traverse_vocabulary(d, memory, trie, {});
  REQUIRE(all.hypotheses.size() == 5);  // bad, cab, fade, abcde, ab
  const auto bf = best_first_search(d, memory, trie, {.k = 9});
  REQUIRE(bf.hypotheses.size() == 5);
  for (std::size_t i = 0; i < 5; ++i) REQUIRE(bf.hypotheses[i].tokens == all.hypotheses[i].tokens);
}

TEST_CASE("a NaN or +inf logit is a clear error in every search", "[unit][eigen][search][nan]") {
  const auto c = testing::small_model_config("transformer", "transformer");
  auto any = eg::load_model(model_dir(c, 7));
  auto& m = std::get<eg::transformer_model>(any);
  std::mt19937 rng{8};
  const auto memory = m.encoder().encode(testing::random_model_input(rng, 20, c.vocab_size()));
  const auto tok = c.tokenizer();
  std::vector<weighted_word> words;
  for (const char* w : {"bad", "bed", "cab", "dead", "fade", "face", "cafe", "add", "egg", "gag", "head", "hhh"})
    words.push_back({tok.encode(w), 1.0});
  const auto trie = vocabulary_trie::build(words);
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()})
    for (const char* spec : {"greedy", "beam", "trie_beam", "traversal", "hybrid", "best_first"}) {
      INFO(spec << " with " << bad);
      poisoned<std::remove_reference_t<decltype(m.decoder())>> p{&m.decoder(), 2, bad};
      REQUIRE_THROWS_AS(run_search(p, memory, &trie, search_config::parse(spec)), numeric_error);
      p.steps = 0;
      REQUIRE_THROWS_WITH(run_search(p, memory, &trie, search_config::parse(spec)), Catch::Matchers::Contains("token 5 is"));
      // -inf is a valid logit: the token is impossible, the search goes on.
      poisoned<std::remove_reference_t<decltype(m.decoder())>> ok{&m.decoder(), 2, minus_infinity};
      REQUIRE_NOTHROW(run_search(ok, memory, &trie, search_config::parse(spec)));
    }
}

TEST_CASE("best-first's limits: queue cap, expansions, time budget", "[unit][eigen][search][best_first]") {
  const auto c = testing::small_model_config("transformer", "transformer");
  auto any = eg::load_model(model_dir(c, 9));
  auto& m = std::get<eg::transformer_model>(any);
  std::mt19937 rng{10};
  const auto memory = m.encoder().encode(testing::random_model_input(rng, 20, c.vocab_size()));
  const auto tok = c.tokenizer();
  // Every word of 1 to 4 letters over a-h: 4680 words, a bushy trie.
  std::vector<weighted_word> words;
  const std::string letters = "abcdefgh";
  std::vector<std::string> level{""};
  for (int len = 1; len <= 4; ++len) {
    std::vector<std::string> next;
    for (const auto& p : level)
      for (char ch : letters) next.push_back(p + ch);
    for (const auto& w : next) words.push_back({tok.encode(w), 1.0});
    level = std::move(next);
  }
  const auto trie = vocabulary_trie::build(words);
  const auto exact = best_first_search(m.decoder(), memory, trie, {.k = 5});
  REQUIRE(exact.hypotheses.size() == 5);
  // A cap the search never reaches changes nothing.
  const auto roomy = run_search(m.decoder(), memory, &trie, search_config::parse("best_first:n_best=5,max_queue=100000"));
  for (std::size_t i = 0; i < 5; ++i) REQUIRE(roomy.hypotheses[i].tokens == exact.hypotheses[i].tokens);
  // A tight cap still returns k vocabulary words, best first.
  const auto capped = best_first_search(m.decoder(), memory, trie, {.k = 5, .max_batch = 4, .max_queue = 8});
  REQUIRE(capped.hypotheses.size() == 5);
  for (std::size_t i = 0; i < 5; ++i) {
    REQUIRE(trie.contains(std::vector<token_id>(capped.hypotheses[i].tokens.begin(), capped.hypotheses[i].tokens.end() - 1)));
    if (i > 0) REQUIRE(capped.hypotheses[i].score <= capped.hypotheses[i - 1].score);
  }
  // Expansion and time limits stop early.
  const auto few = best_first_search(m.decoder(), memory, trie, {.k = 5, .max_batch = 4, .max_expansions = 8});
  REQUIRE(few.stats.hypotheses_expanded <= 8 + 4);
  REQUIRE(few.stats.hypotheses_expanded < exact.stats.hypotheses_expanded);
  const auto config = search_config::parse("best_first:time_budget_ms=0.5,max_expansions=7,max_queue=9");
  REQUIRE(config.canonical() == "best_first:max_batch=256,n_best=4,prior_weight=0,max_expansions=7,max_queue=9,time_budget_ms=0.5");
  REQUIRE(search_config::parse("best_first").canonical() == "best_first:max_batch=256,n_best=4,prior_weight=0");
  REQUIRE_THROWS_AS(search_config::parse("trie_beam:max_queue=3"), unknown_name_error);
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
