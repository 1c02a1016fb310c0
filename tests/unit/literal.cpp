// glide/swipe/literal.hpp: the literal gate (bias, length, nearness, reserved rank), its fit, its
// options' JSON and their named errors; and glide/text/fold.hpp's spellings.

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <glide/swipe/literal.hpp>
#include <glide/text/char_tokenizer.hpp>
#include <glide/text/fold.hpp>

using namespace glide;
using swipe::word_candidate;

namespace {

word_candidate vocab(std::string w, float s) { return {std::move(w), s, word_origin::vocabulary, 0, 0}; }
word_candidate literal(std::string w, float s) {
  const auto n = w.size();
  return {std::move(w), s, word_origin::literal, n, 0};
}

}  // namespace

TEST_CASE("literal gate: bias and length move literal spellings, origins kept", "[unit][literal]") {
  std::vector<word_candidate> c{vocab("bridle", -10), literal("brindle", -9), vocab("bride", -12)};
  swipe::set_literal_distances(c);
  REQUIRE(c[1].distance == 1);  // one letter from bridle
  swipe::literal_options o;
  o.bias = 0, o.length_weight = 0, o.near1_weight = 0;
  auto r = swipe::apply_literal_gate(c, o);
  REQUIRE(r[0].word == "brindle");
  REQUIRE(r[0].origin == word_origin::literal);
  o.bias = -2;
  r = swipe::apply_literal_gate(c, o);
  REQUIRE(r[0].word == "bridle");
  REQUIRE(r[1].word == "brindle");
  REQUIRE(r[1].score == Approx(-11));
  o.bias = 0, o.near1_weight = -3;
  REQUIRE(swipe::apply_literal_gate(c, o)[0].word == "bridle");
  o.near1_weight = 0, o.length_weight = -0.5F;  // 7 letters: -3.5, below bride's -12
  REQUIRE(swipe::apply_literal_gate(c, o)[2].word == "brindle");
  REQUIRE(swipe::apply_literal_gate(c, o, 2).size() == 2);
}

TEST_CASE("literal gate: the reserved rank lifts the best literal spelling above its floor only", "[unit][literal]") {
  std::vector<word_candidate> c{vocab("a", -1), vocab("b", -2), vocab("c", -3), vocab("d", -4), vocab("e", -5), literal("zz", -30)};
  swipe::literal_options o;
  o.bias = 0, o.length_weight = 0, o.reserve_rank = 4, o.reserve_floor = -40;
  auto r = swipe::apply_literal_gate(c, o, 4);
  REQUIRE(r.size() == 4);
  REQUIRE(r[3].word == "zz");
  REQUIRE(r[0].word == "a");
  o.reserve_floor = -20;  // below the floor: stays out of the first 4
  r = swipe::apply_literal_gate(c, o, 4);
  for (const auto& w : r) REQUIRE(w.word != "zz");
}

TEST_CASE("literal fit: finds a gate that reads the targets, within the in-vocabulary bound", "[unit][literal]") {
  // Swipes of vocabulary words with a stray literal spelling close behind, and of new words the
  // vocabulary cannot hold: a bias near -2 reads both.
  std::vector<swipe::literal_pool> pools;
  for (int i = 0; i < 40; ++i) pools.push_back({{vocab("word", -5), literal("wird", -4)}, "word", true});
  for (int i = 0; i < 10; ++i) pools.push_back({{vocab("dynamo", -8), literal("dynegy", -5)}, "dynegy", false});
  const auto fit = swipe::fit_literal_gate(pools, {}, 0.0);
  REQUIRE(fit.off_accuracy_at_1 == Approx(0.8));
  REQUIRE(fit.accuracy_at_1 == Approx(1.0));
  REQUIRE(fit.in_vocab_accuracy_at_1 == Approx(1.0));
  REQUIRE(fit.target_literal == 10);
  REQUIRE_THROWS_AS(swipe::fit_literal_gate({}, {}), config_error);
}

TEST_CASE("literal options: JSON round trip and named errors", "[unit][literal][errors]") {
  swipe::literal_options o;
  o.bias = -5, o.length_weight = -2.4F, o.near1_weight = 0.75F, o.reserve_rank = 4, o.reserve_floor = -20;
  const auto back = swipe::literal_options::from_json(o.to_json(), "x.json");
  REQUIRE(back.to_json() == o.to_json());
  auto fails = [](const char* text, const char* what) {
    REQUIRE_THROWS_WITH(swipe::literal_options::from_json(nlohmann::json::parse(text), "lit.json"), Catch::Matchers::Contains(what));
  };
  fails(R"({"bias": "x"})", "lit.json: 'bias' must be a finite number");
  fails(R"({"beam_width": 0})", "lit.json: 'beam_width' must be an integer in 1..256");
  fails(R"({"n_best": 5, "beam_width": 4})", "'n_best' must be at most 'beam_width'");
  fails(R"({"enabled": 1})", "'enabled' must be true or false");
  fails(R"({"gate": 1})", "unknown literal option 'gate'");
  fails(R"([1])", "must be a JSON object");
}

TEST_CASE("edit distance and folding", "[unit][literal][fold]") {
  REQUIRE(swipe::edit_distance("kitten", "sitting") == 3);
  REQUIRE(swipe::edit_distance("café", "cafe") == 1);
  const char_tokenizer en{"abcdefghijklmnopqrstuvwxyz"};
  REQUIRE(*fold_for(en, "Boston") == "boston");
  REQUIRE(*fold_for(en, "don't") == "dont");
  REQUIRE(*fold_for(en, "Bogotá") == "bogota");
  REQUIRE(*fold_for(en, "Œuvre") == "oeuvre");
  REQUIRE(*fold_for(en, "Straße") == "strasse");
  REQUIRE(!fold_for(en, "日本"));
  REQUIRE(!fold_for(en, "'"));
  const char_tokenizer fr{"abcdefghijklmnopqrstuvwxyzé"};
  REQUIRE(*fold_for(fr, "Café") == "café");  // the alphabet has é: kept
  const char_tokenizer ru{"абвгдежзийклмнопрстуфхцчшщъыьэюя"};
  REQUIRE(*fold_for(ru, "Ёлка") == "елка");  // no ё key: е
  REQUIRE(fold_plain("Naïve") == "naive");
  REQUIRE(fold_plain("I'm") == "im");
}
