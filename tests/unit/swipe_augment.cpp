#include <cmath>
#include <random>

#include <catch2/catch.hpp>

#include <glide/swipe/augment.hpp>
#include <glide/swipe/grid.hpp>
#include <glide/swipe/synthesizer.hpp>

#include "support/shipped_grids.hpp"

using namespace glide;
using namespace glide::swipe;
using nlohmann::json;

namespace {
const keyboard_grid& qwerty() { return glide_test::shipped_grids().at("qwerty_english"); }
swipe_curve sample_curve(std::uint32_t seed) {
  const swipe_synthesizer synth{qwerty()};
  std::mt19937 rng{seed};
  return synth.example("keyboard", rng).curve;
}
bool monotone(const std::vector<float>& t) {
  for (std::size_t i = 1; i < t.size(); ++i)
    if (t[i] < t[i - 1]) return false;
  return true;
}
}  // namespace

TEST_CASE("augmentation off returns the swipe unchanged", "[unit][swipe][augment]") {
  const auto c = sample_curve(1);
  std::mt19937 rng{3};
  const augment_options none{};
  REQUIRE_FALSE(none.any());
  const auto a = augment(c, qwerty(), none, rng);
  REQUIRE(a.x == c.x);
  REQUIRE(a.y == c.y);
  REQUIRE(a.t == c.t);
}

TEST_CASE("each augmentation does what it says, seeded", "[unit][swipe][augment]") {
  const auto c = sample_curve(2);
  const auto& g = qwerty();
  for (std::uint32_t seed = 0; seed < 50; ++seed) {
    std::mt19937 r1{seed}, r2{seed};
    augment_options o;
    o.affine.probability = 1;
    o.affine.offset = 0.5;
    const auto a = augment(c, g, o, r1);
    const auto b = augment(c, g, o, r2);
    REQUIRE(a.x == b.x);  // the same seed gives the same swipe
    REQUIRE(a.size() == c.size());
    REQUIRE(a.t == c.t);
    // Scale 0.9-1.1, rotation 3 degrees and an offset of N(0, 0.5 keys): every point moves, but by
    // far less than the keyboard's width unless the offset is extreme.
    double moved = 0;
    for (std::size_t i = 0; i < c.size(); ++i) moved += std::hypot(a.x[i] - c.x[i], a.y[i] - c.y[i]);
    REQUIRE(moved > 0);
    REQUIRE(moved / static_cast<double>(c.size()) < 3 * g.key_width());

    augment_options w;
    w.time_warp.probability = 1;
    const auto tw = augment(c, g, w, r1);
    REQUIRE(tw.x == c.x);
    REQUIRE(monotone(tw.t));
    REQUIRE(tw.t.front() == Approx(c.t.front()));
    REQUIRE(tw.t.back() == Approx(c.t.back()).margin(1e-2));  // duration kept
    REQUIRE(tw.t != c.t);

    augment_options d;
    d.dropout.probability = 1;
    d.dropout.rate = 0.5;
    const auto dr = augment(c, g, d, r1);
    REQUIRE(dr.size() < c.size());
    REQUIRE(dr.x.front() == c.x.front());
    REQUIRE(dr.x.back() == c.x.back());
    REQUIRE(dr.t.back() == c.t.back());

    augment_options du;
    du.duplicate.probability = 1;
    du.duplicate.rate = 0.5;
    const auto dd = augment(c, g, du, r1);
    REQUIRE(dd.size() > c.size());
    REQUIRE(monotone(dd.t));
    REQUIRE(dd.x.front() == c.x.front());

    augment_options tr;
    tr.trim.probability = 1;
    tr.trim.max_fraction = 0.3;
    const auto tt = augment(c, g, tr, r1);
    REQUIRE(tt.size() <= c.size());
    REQUIRE(tt.size() >= 2);
    REQUIRE(tt.t.front() == 0);
  }
}

TEST_CASE("affine offsets are in key units: the same draw moves a bigger keyboard's swipe by more pixels", "[unit][swipe][augment]") {
  const auto& small = qwerty();
  auto j = small.to_json();
  j["width"] = j["width"].get<float>() * 2;
  j["height"] = j["height"].get<float>() * 2;
  for (auto& k : j["keys"])
    for (const char* f : {"x", "y", "w", "h"}) k["hitbox"][f] = k["hitbox"][f].get<float>() * 2;
  const auto big = keyboard_grid::from_json(j, "big");
  const auto c = sample_curve(4);
  swipe_curve c2 = c;
  for (auto& v : c2.x) v *= 2;
  for (auto& v : c2.y) v *= 2;
  augment_options o;
  o.affine.probability = 1;
  std::mt19937 r1{9}, r2{9};
  const auto a = augment(c, small, o, r1);
  const auto b = augment(c2, big, o, r2);
  for (std::size_t i = 0; i < c.size(); ++i) {
    REQUIRE(b.x[i] == Approx(2 * a.x[i]).margin(1e-2));
    REQUIRE(b.y[i] == Approx(2 * a.y[i]).margin(1e-2));
  }
}

TEST_CASE("augmentation options: read from JSON, unknown names and bad values rejected", "[unit][swipe][augment][errors]") {
  const auto o = augment_options::from_json(json::parse(R"({"affine": {"probability": 0.5, "offset": 0.2}, "trim": {"probability": 1}})"), "cfg.json");
  REQUIRE(o.affine.probability == 0.5);
  REQUIRE(o.affine.offset == 0.2);
  REQUIRE(o.trim.probability == 1);
  REQUIRE(o.time_warp.probability == 0);
  auto fails = [](const char* text, const char* needle) {
    try {
      (void)augment_options::from_json(json::parse(text), "cfg.json");
    } catch (const config_error& e) {
      return std::string(e.what()).find(needle) != std::string::npos && std::string(e.what()).find("cfg.json") != std::string::npos;
    }
    return false;
  };
  REQUIRE(fails(R"({"blur": {}})", "unknown augmentation 'blur'"));
  REQUIRE(fails(R"({"affine": {"angle": 1}})", "augment.affine.angle"));
  REQUIRE(fails(R"({"affine": {"probability": 2}})", "probability is above 1"));
  REQUIRE(fails(R"({"dropout": {"rate": -1}})", "augment.dropout.rate"));
  REQUIRE(fails(R"({"dropout": {"rate": 1}})", "rate < 1"));
  REQUIRE(fails(R"([1])", "must be an object"));
}
