// Every language and layout (issue 24): the language packs of data/packs.json and their grids, the
// soft-key inputs a layout-conditioned model reads, its encoder, and folding for the packs' scripts.

#include <cmath>
#include <numeric>
#include <random>
#include <set>

#include <catch2/catch.hpp>

#include <glide/backends/eigen/model.hpp>
#include <glide/model/weights.hpp>
#include <glide/swipe/features.hpp>
#include <glide/swipe/grid.hpp>
#include <glide/swipe/language_pack.hpp>
#include <glide/swipe/model_input.hpp>
#include <glide/testing/model_inputs.hpp>
#include <glide/text/fold.hpp>
#include <glide/text/utf8.hpp>

#include "support/shipped_grids.hpp"
#include "support/temp_dir.hpp"

using namespace glide;
using namespace glide::swipe;
using glide_test::shipped_grids;

namespace {
const language_packs& packs() {
  static const auto p = language_packs::load(GLIDE_SOURCE_DIR "/data/packs.json");
  return p;
}
}  // namespace

TEST_CASE("language packs: at least 12, each grid shipped, its letters exactly the pack's alphabet", "[unit][layouts][packs]") {
  REQUIRE(packs().codes().size() >= 12);
  for (const auto& [code, p] : packs().all()) {
    INFO(code);
    REQUIRE(code == p.code);
    REQUIRE(shipped_grids().contains(p.grid));
    const auto& g = shipped_grids().at(p.grid);
    std::set<char32_t> keys, alphabet;
    for (std::size_t k = 0; k < g.letter_count(); ++k) {
      const char32_t c = g.letter(k).character;
      if (c != U',' && c != U'.' && c != U'?') keys.insert(c);  // punctuation keys are no letters
    }
    for (char32_t c : utf8::decode(p.alphabet)) alphabet.insert(c);
    REQUIRE(keys == alphabet);
    REQUIRE_FALSE(p.lm.empty());
  }
  REQUIRE(packs().at("de").alphabet.find("ü") != std::string::npos);
  REQUIRE(packs().at("tr").alphabet.find("ı") != std::string::npos);
  REQUIRE_THROWS_WITH(packs().at("xx"), Catch::Contains("unknown language 'xx'") && Catch::Contains("de, "));
}

TEST_CASE("language packs: bad files are errors naming the pack and key", "[unit][layouts][packs][errors]") {
  const nlohmann::json ok = nlohmann::json::parse(R"({"de": {"name": "German", "grid": "de_qwertz", "alphabet": "abcü", "lm": "de_DE.lm"}})");
  REQUIRE(language_packs::from_json(ok, "p.json").at("de").name == "German");
  auto bad = ok;
  bad["de"]["colour"] = "red";
  REQUIRE_THROWS_WITH(language_packs::from_json(bad, "p.json"), Catch::Contains("p.json: pack 'de': unknown key 'colour'"));
  bad = ok;
  bad["de"].erase("grid");
  REQUIRE_THROWS_WITH(language_packs::from_json(bad, "p.json"), Catch::Contains("p.json: pack 'de'") && Catch::Contains("grid"));
  bad = ok;
  bad["de"]["alphabet"] = "abca";
  REQUIRE_THROWS_WITH(language_packs::from_json(bad, "p.json"), Catch::Contains("pack 'de': alphabet"));
  REQUIRE_THROWS_WITH(language_packs::from_json(nlohmann::json::array(), "p.json"), Catch::Contains("p.json: not a JSON object"));
  REQUIRE_THROWS_AS(language_packs::load("/nonexistent/packs.json"), io_error);
}

TEST_CASE("soft keys: the K nearest letters of each point, nearest first, weights summing to 1", "[unit][layouts][features]") {
  const auto& g = shipped_grids().at("de_qwertz");
  const feature_extractor soft{g, {.soft_keys = 3, .soft_sigma = 0.5F}};
  const feature_extractor plain{g};
  const auto& u = g.letter(*g.find_letter(U'ü')).box;
  const auto& i = g.letter(*g.find_letter(U'i')).box;
  const auto& p = g.letter(*g.find_letter(U'p')).box;
  // On ü's centre, between i and o (nearer i), and far outside the keys.
  const swipe_curve c{{u.center_x(), (i.center_x() + p.center_x()) / 2 - 0.3F * (p.center_x() - i.center_x()), -5000},
                      {u.center_y(), i.center_y(), -5000},
                      {0, 50, 100},
                      "de_qwertz",
                      {}};
  const auto f = soft.extract(c);
  const auto q = plain.extract(c);
  REQUIRE(q.soft_keys == 0);
  REQUIRE(q.soft_key_index.empty());
  REQUIRE(f.soft_keys == 3);
  REQUIRE(f.values == q.values);  // the kinematic features do not change
  for (std::size_t pt = 0; pt < 3; ++pt) {
    INFO(pt);
    REQUIRE(f.soft_key_index[pt * 3] == f.nearest_keys[pt]);
    float total = 0;
    for (std::size_t j = 0; j < 3; ++j) {
      total += f.soft_key_weight[pt * 3 + j];
      if (j > 0) REQUIRE(f.soft_key_weight[pt * 3 + j] <= f.soft_key_weight[pt * 3 + j - 1]);
    }
    REQUIRE(total == Approx(1.0F));
  }
  // At a key's centre its own weight dominates; far away the weights stay finite (no 0 / 0).
  REQUIRE(f.soft_key_weight[0] > 0.85F);
  REQUIRE(f.soft_key_index[3] == static_cast<std::int32_t>(*g.find_letter(U'i')));
  REQUIRE(f.soft_key_index[4] == static_cast<std::int32_t>(*g.find_letter(U'o')));
  REQUIRE(f.soft_key_weight[3] < 0.9F);
  for (float w : f.soft_key_weight) REQUIRE(std::isfinite(w));

  // More keys than the grid has letters: the last ones repeat with weight 0.
  const auto small = keyboard_grid::from_json(nlohmann::json::parse(R"({"width": 200, "height": 100, "keys": [
      {"label": "a", "hitbox": {"x": 0, "y": 0, "w": 100, "h": 100}}, {"label": "b", "hitbox": {"x": 100, "y": 0, "w": 100, "h": 100}}]})"),
                                              "two");
  const auto two = feature_extractor{small, {.soft_keys = 4}}.extract({{10}, {50}, {0}, "two", {}});
  REQUIRE(two.soft_key_index == std::vector<std::int32_t>{0, 1, 1, 1});
  REQUIRE(two.soft_key_weight[2] == 0.0F);
  REQUIRE(two.soft_key_weight[0] + two.soft_key_weight[1] == Approx(1.0F));
}

TEST_CASE("model inputs with soft keys: tokens of the K nearest keys and their weights, resampled with the points",
          "[unit][layouts][features]") {
  model::model_config c;
  c.alphabet = "abcdefghijklmnopqrstuvwxyzäöü";
  c.soft_keys = 3;
  c.max_points = 4;
  const auto tokens = c.tokenizer();
  input_builder soft{shipped_grids(), tokens, c.max_points, feature_options_for(c)};
  input_builder plain{shipped_grids(), tokens, c.max_points};
  swipe_curve curve{{}, {}, {}, "de_qwertz", {}};
  for (int k = 0; k < 9; ++k) {
    curve.x.push_back(100.0F + 116.25F * static_cast<float>(k));
    curve.y.push_back(250.0F);
    curve.t.push_back(20.0F * static_cast<float>(k));
  }
  const auto in = soft(curve);
  const auto nearest = plain(curve);
  REQUIRE(in.points == 4);
  REQUIRE(in.keys_per_point == 3);
  REQUIRE(in.keys.size() == 12);
  REQUIRE(in.key_weights.size() == 12);
  REQUIRE(nearest.keys_per_point == 1);
  REQUIRE(nearest.key_weights.empty());
  REQUIRE(in.kinematics == nearest.kinematics);
  for (std::size_t i = 0; i < 4; ++i) REQUIRE(in.keys[i * 3] == nearest.keys[i]);
  // Row 2 of de_qwertz ends in ö and ä: the last point is on ä, the model's token for it.
  REQUIRE(in.keys[9] == *tokens.find(U'ä'));
}

TEST_CASE("the Eigen encoder with soft keys: the weighted sum of the keys' embeddings (one key at weight 1 is the nearest-key input)",
          "[unit][layouts][eigen]") {
  auto c = testing::small_model_config("transformer", "transformer");
  auto soft = c;
  soft.soft_keys = 2;
  const auto weights = model::random_weights(c, 9);
  const auto path = glide_test::temp_path("glide_soft_keys.safetensors").string();
  io::save_safetensors(path, weights);
  const auto file = io::safetensors_file::load(path);
  backends::eigen::transformer_model nearest_model{c, file}, soft_model{soft, file};
  std::mt19937 rng{4};
  const auto in = testing::random_model_input(rng, 7, c.vocab_size());
  auto two = in;
  two.keys_per_point = 2;
  two.keys.clear();
  for (auto k : in.keys) {
    two.keys.push_back(k);
    two.keys.push_back(static_cast<token_id>((k + 1) % static_cast<token_id>(c.vocab_size())));
    two.key_weights.push_back(1.0F);
    two.key_weights.push_back(0.0F);
  }
  const auto a = nearest_model.encoder().encode(in).states;
  const auto b = soft_model.encoder().encode(two).states;
  REQUIRE((a - b).cwiseAbs().maxCoeff() < 1e-5F);
  // Half and half: another encoding.
  for (std::size_t i = 0; i < two.key_weights.size(); ++i) two.key_weights[i] = 0.5F;
  REQUIRE((a - soft_model.encoder().encode(two).states).cwiseAbs().maxCoeff() > 1e-3F);
  // Inputs that do not match the model are named errors.
  REQUIRE_THROWS_WITH(soft_model.encoder().encode(in), Catch::Contains("1 key(s) a point, the model reads 2"));
  REQUIRE_THROWS_WITH(nearest_model.encoder().encode(two), Catch::Contains("2 key(s) a point, the model reads 1"));
  two.key_weights.pop_back();
  REQUIRE_THROWS_WITH(soft_model.encoder().encode(two), Catch::Contains("key weights"));
}

TEST_CASE("model config: soft_keys and key_sigma round-trip, and are written only when used", "[unit][layouts][config]") {
  model::model_config c;
  REQUIRE_FALSE(c.to_json().contains("soft_keys"));
  c.soft_keys = 3;
  c.key_sigma = 0.7;
  const auto back = model::model_config::from_json(c.to_json(), "c");
  REQUIRE(back.soft_keys == 3);
  REQUIRE(back.key_sigma == 0.7);
  auto j = c.to_json();
  j["soft_keys"] = 1;
  REQUIRE_THROWS_WITH(model::model_config::from_json(j, "c.json"), Catch::Contains("c.json") && Catch::Contains("soft_keys"));
  j = c.to_json();
  j["key_sigma"] = -1;
  REQUIRE_THROWS_WITH(model::model_config::from_json(j, "c.json"), Catch::Contains("key_sigma"));
  j["key_sigma"] = "wide";
  REQUIRE_THROWS_WITH(model::model_config::from_json(j, "c.json"), Catch::Contains("'key_sigma' must be a number"));
}

TEST_CASE("folding for the packs' scripts: Romanian comma letters, Greek accents, Bulgarian ѝ", "[unit][layouts][fold]") {
  const char_tokenizer latin{"abcdefghijklmnopqrstuvwxyz"};
  const char_tokenizer greek{"αβγδεζηθικλμνξοπρσςτυφχψω"};
  const char_tokenizer bulgarian{"абвгдежзийклмнопрстуфхцчшщъьюя"};
  REQUIRE(fold_for(latin, "Știință") == "stiinta");
  REQUIRE(fold_for(latin, "ţară") == "tara");
  REQUIRE(fold_for(greek, "καλά") == "καλα");
  REQUIRE(fold_for(greek, "Ώρα") == "ωρα");
  REQUIRE(fold_for(greek, "Άλφα") == "αλφα");
  REQUIRE(fold_for(greek, "προϊόν") == "προιον");
  REQUIRE(fold_for(greek, "Έλληνες") == "ελληνες");
  REQUIRE(fold_for(bulgarian, "ѝ") == "и");
  REQUIRE(fold_for(latin, "καλά") == std::nullopt);
  REQUIRE(fold_plain("Καλά") == "καλα");
  REQUIRE(fold_plain("Știință") == "stiinta");
  REQUIRE(fold_plain("ёж") == "ёж");  // Russian keeps ё
}
