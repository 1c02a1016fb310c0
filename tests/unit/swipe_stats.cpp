#include <cmath>
#include <random>

#include <catch2/catch.hpp>

#include <glide/swipe/grid.hpp>
#include <glide/swipe/swipe_stats.hpp>
#include <glide/swipe/synthesizer.hpp>

#include "support/shipped_grids.hpp"

using namespace glide;
using namespace glide::swipe;

namespace {
const keyboard_grid& qwerty_grid() { return glide_test::shipped_grids().at("qwerty"); }
std::size_t index_of(const char* name) {
  for (std::size_t m = 0; m < swipe_measures::names.size(); ++m)
    if (std::string(swipe_measures::names[m]) == name) return m;
  FAIL("no measure " << name);
  return 0;
}
}  // namespace

TEST_CASE("swipe measures of an ideal swipe through the key centres", "[unit][swipe][stats]") {
  const auto& g = qwerty_grid();
  swipe_curve c;
  float t = 0;
  for (char32_t ch : {U'h', U'e', U'l', U'p'}) {
    const auto& b = g.letter(*g.find_letter(ch)).box;
    c.x.push_back(b.center_x());
    c.y.push_back(b.center_y());
    c.t.push_back(t);
    t += 20;
  }
  swipe_measures m;
  REQUIRE(m.add(c, "help", g));
  REQUIRE_FALSE(m.add(c, "hélp", g));  // é has no key: nothing measured
  REQUIRE(m.values[index_of("start_offset")] == std::vector<double>{0});
  REQUIRE(m.values[index_of("end_offset")] == std::vector<double>{0});
  REQUIRE(m.values[index_of("approach")] == std::vector<double>{0, 0});
  REQUIRE(m.values[index_of("length_ratio")].at(0) == Approx(1));
  REQUIRE(m.values[index_of("sample_ms")].at(0) == 20);
  REQUIRE(m.values[index_of("overshoot")].at(0) == Approx(0).margin(1e-9));
  REQUIRE(m.quantile(index_of("sample_ms"), 0.5) == 20);
}

TEST_CASE("synthesizer overshoot and start offset show in the measures, and fitting moves toward the target", "[unit][swipe][stats][synth]") {
  const auto& g = qwerty_grid();
  std::vector<swipe_example> target;
  synthesizer_options truth;
  truth.typical.keys_per_second = 6;
  truth.typical.sample_ms = 28;
  truth.typical.overshoot = 0.4F;
  truth.typical.start_dy = 0.2F;
  const swipe_synthesizer synth{g, truth};
  std::mt19937 rng{4};
  for (const char* w : {"hello", "world", "people", "because", "would", "about", "there", "their", "swipe", "keyboard"})
    for (int i = 0; i < 30; ++i) target.push_back(synth.example(w, rng));
  auto grid_of = [&](const swipe_example&) -> const keyboard_grid& { return g; };
  swipe_measures real, plain;
  for (const auto& ex : target) real.add(ex.curve, ex.word, g);
  plain = measure_synthetic(target, grid_of, synthesizer_options{}, 9);
  REQUIRE(real.quantile(index_of("overshoot"), 0.5) > plain.quantile(index_of("overshoot"), 0.5) + 0.2);
  REQUIRE(real.quantile(index_of("start_dy"), 0.5) > plain.quantile(index_of("start_dy"), 0.5) + 0.1);
  const auto fit = fit_synthesizer(target, grid_of, synthesizer_options{}, 2);
  REQUIRE(fit.distance_after < fit.distance_before / 2);
  INFO("fitted: " << fit.options.to_json().dump());
  REQUIRE(fit.options.typical.keys_per_second < 9);
  REQUIRE(fit.options.typical.sample_ms > 22);
  REQUIRE(fit.options.typical.overshoot > 0.1F);
}

TEST_CASE("synthesizer options: JSON round trip, named errors", "[unit][swipe][synth][errors]") {
  synthesizer_options o;
  o.typical.overshoot = 0.3F;
  o.typical.scatter = 0.4F;
  const auto back = synthesizer_options::from_json(o.to_json(), "s.json");
  REQUIRE(back.typical.overshoot == 0.3F);
  REQUIRE(back.typical.scatter == 0.4F);
  REQUIRE_THROWS_WITH(synthesizer_options::from_json(nlohmann::json{{"speed", 1}}, "s.json"),
                      Catch::Contains("s.json") && Catch::Contains("'speed'"));
  REQUIRE_THROWS_WITH(synthesizer_options::from_json(nlohmann::json{{"sample_ms", 0}}, "s.json"), Catch::Contains("out of range"));
  REQUIRE_THROWS_WITH(synthesizer_options::from_json(nlohmann::json{{"smoothness", 2}}, "s.json"), Catch::Contains("out of range"));
}
