#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include <catch2/catch.hpp>

#include <glide/metrics/swipe_metrics.hpp>
#include <glide/swipe/dataset.hpp>
#include <glide/swipe/features.hpp>
#include <glide/swipe/synthesizer.hpp>
#include <glide/text/utf8.hpp>

#include "support/shipped_grids.hpp"
#include "support/temp_dir.hpp"

using namespace glide;
using namespace glide::swipe;
using glide_test::shipped_grids;

namespace {

/// The word's letters with doubled letters collapsed.
std::vector<std::size_t> key_path(const keyboard_grid& g, std::string_view word) {
  std::vector<std::size_t> out;
  for (char32_t c : utf8::decode(word)) {
    const auto k = *g.find_letter(c);
    if (out.empty() || out.back() != k) out.push_back(k);
  }
  return out;
}

bool is_subsequence(const std::vector<std::size_t>& needle, const std::vector<std::int32_t>& hay) {
  std::size_t i = 0;
  for (auto h : hay)
    if (i < needle.size() && static_cast<std::size_t>(h) == needle[i]) ++i;
  return i == needle.size();
}
}  // namespace

TEST_CASE("features: shape, normalisation, key weights, pixel-size invariance", "[unit][swipe][features]") {
  const auto& g = shipped_grids().at("qwerty");
  const feature_extractor plain{g};
  const feature_extractor weighted{g, {.key_weights = true}};
  REQUIRE(plain.dim() == 6);
  REQUIRE(weighted.dim() == 6 + g.letter_count());
  const auto& q = g.letter(*g.find_letter(U'q')).box;
  const auto& m = g.letter(*g.find_letter(U'm')).box;
  swipe_curve c{{q.center_x(), m.center_x()}, {q.center_y(), m.center_y()}, {0, 100}, "qwerty", {}};
  const auto f = weighted.extract(c);
  REQUIRE(f.points == 2);
  REQUIRE(f.nearest_keys == std::vector<std::int32_t>{static_cast<std::int32_t>(*g.find_letter(U'q')),
                                                      static_cast<std::int32_t>(*g.find_letter(U'm'))});
  const auto& area = g.letter_area();
  REQUIRE(f.point(0)[0] == Approx((q.center_x() - area.x) / area.w));
  REQUIRE(f.point(1)[2] == Approx((m.center_x() - q.center_x()) / area.w));  // per 100 ms
  // The weight of the key under the point is the largest, sigmoid(4) at its centre.
  const auto w0 = f.point(0).subspan(6);
  REQUIRE(std::max_element(w0.begin(), w0.end()) - w0.begin() == f.nearest_keys[0]);
  REQUIRE(w0[static_cast<std::size_t>(f.nearest_keys[0])] == Approx(1.0 / (1.0 + std::exp(-4.0))));

  // The same gesture on qwerty_english (a 360 px grid) gives nearly the same features.
  const auto& small = shipped_grids().at("qwerty_english");
  const feature_extractor small_x{small};
  const auto& sq = small.letter(*small.find_letter(U'q')).box;
  const auto& sm = small.letter(*small.find_letter(U'm')).box;
  swipe_curve sc{{sq.center_x(), sm.center_x()}, {sq.center_y(), sm.center_y()}, {0, 100}, "qwerty_english", {}};
  const auto sf = small_x.extract(sc);
  REQUIRE(sf.nearest_keys[0] == static_cast<std::int32_t>(*small.find_letter(U'q')));
  for (std::size_t d = 0; d < 2; ++d) REQUIRE(sf.point(0)[d] == Approx(f.point(0)[d]).margin(0.05));
}

TEST_CASE("features cope with repeated timestamps, off-keyboard points and bad shapes", "[unit][swipe][features][errors]") {
  const feature_extractor fx{shipped_grids().at("qwerty_english")};
  swipe_curve c{{10, 400, 400, 30}, {-20, 50, 50, 300}, {0, 0, 0, 16}, "qwerty_english", {}};
  const auto f = fx.extract(c);
  for (float v : f.values) REQUIRE(std::isfinite(v));
  REQUIRE_THROWS_AS(fx.extract(swipe_curve{{}, {}, {}, "qwerty_english", {}}), shape_error);
  REQUIRE_THROWS_AS(fx.extract(swipe_curve{{1, 2}, {1}, {0, 1}, "qwerty_english", {}}), shape_error);
}

TEST_CASE("timestamps that go backwards or never change are repaired as documented, and counted", "[unit][swipe][features][errors]") {
  const feature_extractor fx{shipped_grids().at("qwerty_english")};
  const std::vector<float> xs{10, 60, 120, 200, 260}, ys{20, 30, 40, 30, 20};
  // Negative but increasing: nothing to repair (only differences count).
  const std::vector<float> negative{-50, -40, -30, -20, -10};
  REQUIRE(needed_time_repair(negative) == time_repair::none);
  // One step backwards: the running maximum.
  const std::vector<float> jitter{0, 10, 8, 30, 40};
  REQUIRE(needed_time_repair(jitter) == time_repair::monotonic);
  REQUIRE(repaired_times(jitter) == std::vector<float>{0, 10, 10, 30, 40});
  // All equal, or mostly backwards: one point every 10 ms.
  const std::vector<float> constant{5, 5, 5, 5, 5}, reversed{40, 30, 20, 10, 0};
  REQUIRE(needed_time_repair(constant) == time_repair::synthesized);
  REQUIRE(needed_time_repair(reversed) == time_repair::synthesized);
  REQUIRE(repaired_times(reversed) == std::vector<float>{0, 10, 20, 30, 40});
  // The features of a repaired swipe are those of the swipe with the repaired times, all finite.
  const swipe_curve broken{xs, ys, constant, "qwerty_english", {}}, fixed{xs, ys, {0, 10, 20, 30, 40}, "qwerty_english", {}};
  const auto fb = fx.extract(broken).values;
  REQUIRE(fb == fx.extract(fixed).values);
  for (float v : fb) REQUIRE(std::isfinite(v));
  // Counted for a report.
  const std::vector<swipe_example> set{{"a", broken}, {"b", fixed}, {"c", {xs, ys, jitter, "qwerty_english", {}}}};
  const auto counts = count_time_repairs(set);
  REQUIRE(counts.monotonic == 1);
  REQUIRE(counts.synthesized == 1);
}

TEST_CASE("synthesizer: on the keyboard, seeded, and its key path spells the word", "[unit][swipe][synth]") {
  const std::vector<std::string> english{"hello", "world", "the", "keyboard", "swipe", "a", "committee", "quiz",
                                         "typewriter", "pool", "jazz", "minimum", "glide", "decoder", "of"};
  const std::vector<std::string> russian{"привет", "мир", "клавиатура", "ёжик", "съезд", "я", "длинношеее"};
  for (auto [grid_name, words] : {std::pair{"qwerty", english}, std::pair{"qwerty_english", english},
                                  std::pair{"extra", russian}}) {
    const auto& g = shipped_grids().at(grid_name);
    const swipe_synthesizer synth{g};
    const feature_extractor fx{g};
    std::mt19937 rng{1};
    std::size_t spelled = 0, total = 0;
    for (int rep = 0; rep < 20; ++rep)
      for (const auto& w : words) {
        const auto ex = synth.example(w, rng);
        REQUIRE(ex.word == w);
        REQUIRE(ex.curve.grid_name == grid_name);
        REQUIRE(ex.curve.size() >= 2);
        for (std::size_t i = 0; i < ex.curve.size(); ++i) {
          REQUIRE(ex.curve.x[i] >= 0);
          REQUIRE(ex.curve.x[i] < g.width());
          REQUIRE(ex.curve.y[i] >= 0);
          REQUIRE(ex.curve.y[i] < g.height());
          if (i > 0) REQUIRE(ex.curve.t[i] >= ex.curve.t[i - 1]);
        }
        const auto keys = fx.extract(ex.curve).nearest_keys;
        spelled += is_subsequence(key_path(g, w), keys);
        ++total;
        // The swipe starts near the first letter and ends near the last.
        const auto path = key_path(g, w);
        const auto& first = g.letter(path.front()).box;
        REQUIRE(std::hypot(ex.curve.x[0] - first.center_x(), ex.curve.y[0] - first.center_y()) < 1.6F * g.key_width() + 1.6F * g.key_height());
      }
    INFO(grid_name << ": " << spelled << " of " << total << " swipes pass over every letter's key");
    REQUIRE(static_cast<double>(spelled) / static_cast<double>(total) >= 0.8);
  }
  // Equal seeds, equal swipes.
  const swipe_synthesizer synth{shipped_grids().at("qwerty")};
  std::mt19937 a{42}, b{42};
  REQUIRE(to_json(synth.example("hello", a)) == to_json(synth.example("hello", b)));
  std::mt19937 rng{0};
  REQUIRE_THROWS_WITH(synth.example("héllo", rng), Catch::Contains("'é'") && Catch::Contains("qwerty"));
  REQUIRE_THROWS_AS(synth.example("", rng), config_error);
}

TEST_CASE("JSONL datasets round-trip and report bad lines by number", "[unit][swipe][dataset][errors]") {
  const swipe_synthesizer synth{shipped_grids().at("default")};
  std::mt19937 rng{3};
  std::stringstream io;
  std::vector<swipe_example> written;
  for (const char* w : {"привет", "мир"}) {
    written.push_back(synth.example(w, rng));
    write_jsonl(io, written.back());
  }
  swipe_example inline_grid{"", {{1, 2}, {3, 4}, {0, 10}, "", shipped_grids().at("qwerty")}};
  write_jsonl(io, inline_grid);
  jsonl_reader reader{io, "mem"};
  for (const auto& w : written) {
    const auto r = reader.next();
    REQUIRE(r);
    REQUIRE(r->word == w.word);
    REQUIRE(r->curve.x == w.curve.x);
    REQUIRE(r->curve.t == w.curve.t);
  }
  const auto g = reader.next();
  REQUIRE(g);
  REQUIRE(g->word.empty());
  REQUIRE(g->curve.grid->to_json() == shipped_grids().at("qwerty").to_json());
  REQUIRE_FALSE(reader.next());

  auto fails_with = [](const std::string& text, const std::string& what) {
    std::istringstream in{text};
    jsonl_reader r{in, "data.jsonl"};
    REQUIRE_THROWS_WITH(
        [&] {
          while (r.next()) {
          }
        }(),
        Catch::Contains(what));
  };
  const std::string good = R"({"word": "a", "curve": {"x": [1], "y": [2], "t": [0], "grid_name": "qwerty"}})";
  fails_with(good + "\n{\"word\": \n", "data.jsonl:2: malformed JSON");
  fails_with(good + "\n\n" + R"({"word": "a", "curve": {"x": [1, 2], "y": [2], "t": [0], "grid_name": "q"}})",
             "data.jsonl:3: x, y and t have different lengths");
  fails_with(R"({"word": "a", "curve": {"x": [], "y": [], "t": [], "grid_name": "q"}})", "data.jsonl:1: empty swipe");
  fails_with(R"({"word": "a", "curve": {"x": [1], "y": [2], "t": [0]}})", "neither 'grid_name' nor 'grid'");
  fails_with(R"({"word": "a", "curve": {"x": ["1"], "y": [2], "t": [0], "grid_name": "q"}})", "non-number");
  fails_with(R"({"word": 5, "curve": {}})", "'word' is not a string");
  fails_with(R"([1, 2])", "not a JSON object");
  fails_with(good + "\n" + R"({"word": "a", "curve": {"x": [1e400], "y": [2], "t": [0], "grid_name": "q"}})",
             "data.jsonl:2: malformed JSON");  // beyond double range: the JSON library's out_of_range
  fails_with(R"({"word": "a", "curve": {"x": [3e38], "y": [2], "t": [0], "grid_name": "q"}})", "data.jsonl:1: point 0 is out of range");
  REQUIRE_THROWS_AS(read_jsonl("/nonexistent.jsonl"), io_error);
  // With a grid set, a grid in none of its files is named with the file and line before decoding.
  const auto dir = glide_test::temp_path("glide-dataset-grids");
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "d.jsonl") << good << "\n\n" << R"({"word": "b", "curve": {"x": [1], "y": [2], "t": [0], "grid_name": "nope"}})" << "\n";
  const auto set = grid_set::load(GLIDE_SOURCE_DIR "/data/grids/grids.json");
  REQUIRE_THROWS_WITH(read_jsonl((dir / "d.jsonl").string(), set),
                      Catch::Contains("d.jsonl:3: grid 'nope' is in none of the grid files") && Catch::Contains("grids.json"));
  std::ofstream(dir / "ok.jsonl") << good << "\n\n" << good << "\n";
  std::vector<std::size_t> lines;
  REQUIRE(read_jsonl((dir / "ok.jsonl").string(), set, &lines).size() == 2);
  REQUIRE(lines == std::vector<std::size_t>{1, 3});
}

TEST_CASE("JSONL teacher lists round-trip, and bad ones are named with their line and entry", "[unit][swipe][dataset][errors]") {
  swipe_example ex{"hello", {{1, 2}, {3, 4}, {0, 10}, "qwerty", std::nullopt}, {{"hello", 0.75F}, {"hells", 0.125F}}};
  std::stringstream io;
  write_jsonl(io, ex);
  write_jsonl(io, swipe_example{"hi", ex.curve, {}});
  REQUIRE(io.str().find("\"teacher\":[[\"hello\",0.75],[\"hells\",0.125]]") != std::string::npos);
  jsonl_reader reader{io, "mem"};
  const auto a = reader.next();
  REQUIRE(a);
  REQUIRE(a->teacher == ex.teacher);
  const auto b = reader.next();
  REQUIRE(b);
  REQUIRE(b->teacher.empty());  // no list: none written, none read

  auto fails_with = [](const std::string& teacher, const std::string& what) {
    std::istringstream in{R"({"word": "a", "curve": {"x": [1], "y": [2], "t": [0], "grid_name": "q"}, "teacher": )" + teacher + "}\n"};
    jsonl_reader r{in, "t.jsonl"};
    REQUIRE_THROWS_WITH(r.next(), Catch::Contains("t.jsonl:1: ") && Catch::Contains(what));
  };
  fails_with(R"({"a": 1})", "'teacher' is not a list of [word, probability] pairs");
  fails_with(R"([["a", 0.5], ["b"]])", "'teacher' entry 1: not a [word, probability] pair");
  fails_with(R"([[1, 0.5]])", "entry 0: not a [word, probability] pair");
  fails_with(R"([["a", "0.5"]])", "entry 0: not a [word, probability] pair");
  fails_with(R"([["", 0.5]])", "entry 0: empty word");
  fails_with(R"([["a", -0.1]])", "entry 0: probability -0.1 is not in [0, 1]");
  fails_with(R"([["a", 1.5]])", "entry 0: probability 1.5 is not in [0, 1]");
  fails_with(R"([["a", 1e300]])", "is not in [0, 1]");  // beyond float: infinite
  fails_with(R"([["a", 0.5], ["a", 0.25]])", "entry 1: 'a' is listed twice");
  fails_with(R"([["a", 0.75], ["b", 0.5]])", "'teacher' probabilities sum to 1.25");
  // Rounded probabilities summing a little over 1 are read.
  std::istringstream in{R"({"word": "a", "curve": {"x": [1], "y": [2], "t": [0], "grid_name": "q"}, "teacher": [["a", 0.6667], ["b", 0.3334]]})"};
  jsonl_reader ok{in, "t.jsonl"};
  REQUIRE(ok.next()->teacher.size() == 2);
}

TEST_CASE("the How-We-Swipe swipes read cleanly and each names one of its exact keyboards", "[unit][swipe][dataset]") {
  const std::string dir = GLIDE_SHARED_DIR "/data/how-we-swipe/";
  if (!std::filesystem::exists(dir)) {
    WARN("How-We-Swipe data not available at " << dir);
    return;
  }
  const auto grids = grid_set::load(dir + "grids.json");
  std::size_t lines = 0;
  std::map<std::string, feature_extractor> fx;
  for (const char* file : {"train.jsonl", "valid.jsonl", "test.jsonl"}) {
    for (const auto& ex : read_jsonl(dir + file)) {
      ++lines;
      REQUIRE(!ex.word.empty());
      const auto& g = grids.at(ex.curve.grid_name);
      if (lines % 50 == 0) {  // features of a sample: finite on messy real swipes
        const auto f = fx.try_emplace(g.name(), g).first->second.extract(ex.curve);
        for (float v : f.values) REQUIRE(std::isfinite(v));
      }
    }
  }
  REQUIRE(lines == 62194 + 2966 + 3710);
}

TEST_CASE("Swipe MRR and accuracy on hand-made cases", "[unit][metrics]") {
  const std::vector<std::string> p{"cat", "cat", "car", "cart", "care", "cast"};
  REQUIRE(swipe_mrr(p, "cat") == 1.0);
  REQUIRE(swipe_mrr(p, "car") == 0.1);   // rank 2 once the duplicate "cat" is removed
  REQUIRE(swipe_mrr(p, "cart") == 0.09);
  REQUIRE(swipe_mrr(p, "care") == 0.08);
  REQUIRE(swipe_mrr(p, "cast") == 0.0);  // rank 5
  REQUIRE(swipe_mrr(p, "dog") == 0.0);
  REQUIRE(swipe_mrr(std::vector<std::string>{}, "dog") == 0.0);
  REQUIRE(hit_at(p, "care", 4));
  REQUIRE_FALSE(hit_at(p, "car", 1));
  metric_accumulator acc;
  acc.add(p, "cat");
  acc.add(p, "car");
  acc.add(prediction{{"x", -1.0F}}, "y");
  REQUIRE(acc.count() == 3);
  REQUIRE(acc.mrr() == Approx(1.1 / 3));
  REQUIRE(acc.accuracy_at_1() == Approx(1.0 / 3));
  REQUIRE(acc.accuracy_at_4() == Approx(2.0 / 3));
  REQUIRE_THROWS_AS(metric_accumulator{}.mrr(), config_error);
}
