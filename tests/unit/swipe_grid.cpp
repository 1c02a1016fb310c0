#include <filesystem>
#include <fstream>
#include <random>

#include <catch2/catch.hpp>

#include <glide/swipe/grid.hpp>
#include <glide/swipe/key_lookup.hpp>

#include "support/shipped_grids.hpp"
#include "support/temp_dir.hpp"

using namespace glide;
using namespace glide::swipe;
using nlohmann::json;
using glide_test::shipped_grids;

namespace {
json key_json(const char* label, float x, float y, float w, float h) {
  return {{"label", label}, {"hitbox", {{"x", x}, {"y", y}, {"w", w}, {"h", h}}}};
}
}  // namespace

TEST_CASE("shipped grids: names, sizes, letters", "[unit][swipe][grid]") {
  const auto& g = shipped_grids();
  REQUIRE(g.names() == std::vector<std::string>{"azerty", "bg_phonetic", "colemak", "da_qwerty", "de_qwertz", "de_tablet", "default",
                                                "dvorak", "el_greek", "es_qwerty", "extra", "pt_qwerty", "qwerty", "qwerty_english",
                                                "sv_qwerty", "tr_q"});
  const auto& def = g.at("default");
  REQUIRE(def.width() == 1080);
  REQUIRE(def.height() == 667);
  REQUIRE(def.key_height() == 154);
  std::size_t cyrillic = 0;
  for (std::size_t i = 0; i < def.letter_count(); ++i) cyrillic += def.letter(i).character >= U'а' && def.letter(i).character <= U'я';
  REQUIRE(cyrillic == 31);  // 11 + 11 + 9: no ё, no ъ
  const auto& extra = g.at("extra");
  REQUIRE(extra.find_letter(U'ё'));
  REQUIRE(extra.find_letter(U'ъ'));
  REQUIRE_FALSE(def.find_letter(U'ё'));
  const auto& qwerty = g.at("qwerty");
  for (char32_t c = U'a'; c <= U'z'; ++c) REQUIRE(qwerty.find_letter(c));
  REQUIRE(qwerty.letter(*qwerty.find_letter(U'q')).box.y == 15);
  REQUIRE(qwerty.letter(*qwerty.find_letter(U'z')).box.y == 323);
  for (const char* name : {"azerty", "dvorak", "qwerty_english"}) {
    INFO(name);
    for (char32_t c = U'a'; c <= U'z'; ++c) REQUIRE(g.at(name).find_letter(c));
  }
  const auto& azerty = g.at("azerty");
  REQUIRE(azerty.letter(*azerty.find_letter(U'a')).box.x == 0);
  REQUIRE(azerty.letter(*azerty.find_letter(U'm')).box.y == 169);
  const auto& dvorak = g.at("dvorak");
  REQUIRE(dvorak.letter(*dvorak.find_letter(U'a')).box.y == 169);
  REQUIRE(dvorak.letter(*dvorak.find_letter(U'p')).box.x == 324);
}

TEST_CASE("shipped qwerty_english is the How-We-Swipe study's exact 360x215 keyboard", "[unit][swipe][grid]") {
  const auto hws = grid_set::load(GLIDE_SHARED_DIR "/data/how-we-swipe/grids.json");
  REQUIRE(shipped_grids().at("qwerty_english").to_json() == hws.at("hws_360x215").to_json());
}

TEST_CASE("shipped Russian grids equal the competition's exactly", "[unit][swipe][grid]") {
  const std::string path = GLIDE_SHARED_DIR "/data/yandex-cup-grids/gridname_to_grid.json";
  if (!std::filesystem::exists(path)) {
    WARN("competition grids not available at " << path);
    return;
  }
  const auto exact = grid_set::load(path);
  for (const char* name : {"default", "extra"}) REQUIRE(exact.at(name).to_json() == shipped_grids().at(name).to_json());
}

TEST_CASE("grid validation names the problem", "[unit][swipe][grid][errors]") {
  json ok{{"width", 100}, {"height", 50}, {"keys", {key_json("a", 0, 0, 50, 50), key_json("b", 49, 0, 51, 50)}}};
  REQUIRE_NOTHROW(keyboard_grid::from_json(ok, "ok"));  // a 1 px overlap is the competition's norm
  auto bad = ok;
  bad["keys"][1]["hitbox"]["x"] = 30;
  REQUIRE_THROWS_WITH(keyboard_grid::from_json(bad, "g1"), Catch::Contains("g1") && Catch::Contains("overlap"));
  bad = ok;
  bad["keys"][1]["hitbox"]["w"] = 0;
  REQUIRE_THROWS_WITH(keyboard_grid::from_json(bad, "g"), Catch::Contains("empty hitbox"));
  bad = ok;
  bad["keys"][1]["label"] = "ab";
  REQUIRE_THROWS_WITH(keyboard_grid::from_json(bad, "g"), Catch::Contains("unknown label 'ab'"));
  bad = ok;
  bad["keys"][1] = {{"action", "teleport"}, {"hitbox", {{"x", 60}, {"y", 0}, {"w", 10}, {"h", 10}}}};
  REQUIRE_THROWS_WITH(keyboard_grid::from_json(bad, "g"), Catch::Contains("unknown action 'teleport'"));
  bad = ok;
  bad["keys"][1].erase("label");
  REQUIRE_THROWS_WITH(keyboard_grid::from_json(bad, "g"), Catch::Contains("neither"));
  bad = ok;
  bad["keys"][1]["label"] = "a";
  REQUIRE_THROWS_WITH(keyboard_grid::from_json(bad, "g"), Catch::Contains("twice"));
  bad = ok;
  bad.erase("width");
  REQUIRE_THROWS_WITH(keyboard_grid::from_json(bad, "g"), Catch::Contains("width"));
  bad = ok;
  bad["keys"][1]["hitbox"]["x"] = 500;
  REQUIRE_THROWS_WITH(keyboard_grid::from_json(bad, "g"), Catch::Contains("outside"));
  // Absurd sizes are out of range, not silently inf (issue 13).
  bad = ok;
  bad["width"] = 1e39;
  REQUIRE_THROWS_WITH(keyboard_grid::from_json(bad, "g"), Catch::Contains("'width'") && Catch::Contains("out of range"));
  bad = ok;
  bad["keys"][0]["hitbox"]["w"] = -1e300;
  REQUIRE_THROWS_WITH(keyboard_grid::from_json(bad, "g"), Catch::Contains("key 0") && Catch::Contains("out of range"));
  REQUIRE_THROWS_WITH(shipped_grids().at("workman"), Catch::Contains("workman") && Catch::Contains("qwerty"));
  REQUIRE_THROWS_AS(grid_set::load("/nonexistent/grids.json"), io_error);
  const auto tmp = glide_test::temp_path("glide_bad_grid.json");
  std::ofstream{tmp} << "{\"g\": {\"width\": 1,";
  REQUIRE_THROWS_AS(grid_set::load(tmp.string()), parse_error);
}

TEST_CASE("nearest-key lookup equals brute force on random points, on and off the keyboard", "[unit][swipe][lookup]") {
  std::mt19937 rng{5};
  for (const auto& name : shipped_grids().names()) {
    const auto& g = shipped_grids().at(name);
    const key_lookup lookup{g};
    REQUIRE(lookup.mean_candidates() < 3.0);
    std::uniform_real_distribution<float> x{-0.7F * g.width(), 1.7F * g.width()};
    std::uniform_real_distribution<float> y{-0.7F * g.height(), 1.7F * g.height()};
    for (int i = 0; i < 50000; ++i) {
      const float px = x(rng), py = y(rng);
      REQUIRE(lookup.nearest(px, py) == lookup.nearest_by_scan(px, py));
    }
    // Inside a key's hitbox (away from the 1 px overlaps) the key itself is nearest.
    for (std::size_t k = 0; k < g.letter_count(); ++k) {
      const auto& b = g.letter(k).box;
      REQUIRE(lookup.nearest(b.center_x(), b.center_y()) == k);
    }
  }
}

TEST_CASE("lookups and distances do not depend on the grid's pixel size", "[unit][swipe][lookup]") {
  const auto& g = shipped_grids().at("qwerty");
  auto j = g.to_json();
  const float s = 360.0F / 1080.0F;
  j["width"] = 360;
  j["height"] = g.height() * s;
  for (auto& k : j["keys"])
    for (const char* f : {"x", "y", "w", "h"}) k["hitbox"][f] = k["hitbox"][f].get<float>() * s;
  const auto small = keyboard_grid::from_json(j, "small");
  const key_lookup big_lookup{g}, small_lookup{small};
  std::mt19937 rng{9};
  std::uniform_real_distribution<float> x{0, 1080}, y{0, 667};
  std::vector<float> d1(g.letter_count()), d2(g.letter_count());
  for (int i = 0; i < 2000; ++i) {
    const float px = x(rng), py = y(rng);
    REQUIRE(big_lookup.nearest(px, py) == small_lookup.nearest(px * s, py * s));
    big_lookup.distances(px, py, d1);
    small_lookup.distances(px * s, py * s, d2);
    for (std::size_t k = 0; k < d1.size(); ++k) REQUIRE(d1[k] == Approx(d2[k]).epsilon(1e-4).margin(1e-4));
  }
  std::vector<float> wrong(3);
  REQUIRE_THROWS_AS(big_lookup.distances(1, 1, wrong), shape_error);
}

TEST_CASE("several grid files load as one set, and unknown names and conflicts name the files", "[unit][swipe][grid][errors]") {
  const std::string shipped_path = GLIDE_SOURCE_DIR "/data/grids/grids.json";
  const auto dir = glide_test::temp_path("glide-grid-files");
  std::filesystem::create_directories(dir);
  auto g = shipped_grids().at("qwerty").to_json();
  {
    std::ofstream(dir / "extra.json") << json{{"mine", g}}.dump();
    auto other = g;
    other["width"] = other["width"].get<float>() + 10;
    std::ofstream(dir / "conflict.json") << json{{"qwerty", other}}.dump();
    std::ofstream(dir / "same.json") << json{{"qwerty", g}}.dump();
  }
  const auto both = grid_set::load(std::vector<std::string>{shipped_path, (dir / "extra.json").string()});
  REQUIRE(both.contains("mine"));
  REQUIRE(both.contains("default"));
  REQUIRE(both.names().size() == shipped_grids().names().size() + 1);
  // The same grid under the same name in two files is fine.
  REQUIRE(grid_set::load(std::vector<std::string>{shipped_path, (dir / "same.json").string()}).names().size() ==
          shipped_grids().names().size());
  try {
    (void)both.at("nowhere");
    FAIL("no error");
  } catch (const unknown_name_error& e) {
    const std::string m = e.what();
    REQUIRE(m.find("'nowhere'") != std::string::npos);
    REQUIRE(m.find("extra.json") != std::string::npos);
    REQUIRE(m.find(shipped_path) != std::string::npos);
  }
  try {
    (void)grid_set::load(std::vector<std::string>{shipped_path, (dir / "conflict.json").string()});
    FAIL("no error");
  } catch (const config_error& e) {
    const std::string m = e.what();
    REQUIRE(m.find("conflict.json") != std::string::npos);
    REQUIRE(m.find("'qwerty'") != std::string::npos);
  }
  REQUIRE_THROWS_AS(grid_set::load(std::vector<std::string>{}), config_error);
}

TEST_CASE("a malformed grid's error names its file and its grid (issue 29 D14)", "[unit][swipe][grid][errors]") {
  json ok{{"width", 100}, {"height", 50}, {"keys", {key_json("a", 0, 0, 50, 50), key_json("b", 49, 0, 51, 50)}}};
  auto bad = ok;
  bad.erase("height");
  REQUIRE_THROWS_WITH(keyboard_grid::from_json(bad, "tall"), Catch::Contains("grid 'tall': missing or non-numeric 'height'"));
  const auto tmp = glide_test::temp_path("glide_named_bad_grid.json");
  std::ofstream{tmp} << json{{"fine", ok}, {"tall", bad}}.dump();
  REQUIRE_THROWS_WITH(grid_set::load(tmp.string()),
                      Catch::Contains(tmp.string() + ": grid 'tall': missing or non-numeric 'height'"));
}
