#include <cmath>
#include <random>
#include <set>

#include <catch2/catch.hpp>

#include <glide/swipe/geometric.hpp>
#include <glide/swipe/grid.hpp>
#include <glide/swipe/synthesizer.hpp>
#include <glide/vocab/trie.hpp>

#include "support/shipped_grids.hpp"

using namespace glide;
using namespace glide::swipe;
using nlohmann::json;
using glide_test::shipped_grids;

namespace {
const char_tokenizer& latin() {
  static const char_tokenizer t{"abcdefghijklmnopqrstuvwxyz"};
  return t;
}
vocabulary_trie trie_of(const std::vector<std::pair<std::string, double>>& words) {
  std::vector<weighted_word> ww;
  for (const auto& [w, c] : words) ww.push_back({latin().encode(w), c});
  return vocabulary_trie::build(std::move(ww));
}
// A vocabulary of real-looking words plus random strings, with Zipf-like counts.
std::vector<std::pair<std::string, double>> random_vocabulary(std::size_t n, std::uint32_t seed) {
  std::vector<std::pair<std::string, double>> out{{"hello", 500}, {"world", 300}, {"keyboard", 50}, {"was", 900}, {"qp", 1},
                                                  {"help", 200},  {"hell", 40},   {"jello", 5},     {"a", 2000}};
  std::mt19937 rng{seed};
  std::set<std::string> seen;
  for (const auto& [w, c] : out) seen.insert(w);
  std::uniform_int_distribution<int> len{1, 9}, letter{0, 25};
  while (out.size() < n) {
    std::string w;
    for (int i = len(rng); i > 0; --i) w += static_cast<char>('a' + letter(rng));
    if (seen.insert(w).second) out.emplace_back(w, 1000.0 / static_cast<double>(out.size()));
  }
  return out;
}
swipe_curve scaled(const swipe_curve& c, float f) {
  auto s = c;
  for (auto& v : s.x) v *= f;
  for (auto& v : s.y) v *= f;
  return s;
}
keyboard_grid scaled(const keyboard_grid& g, float f, const std::string& name) {
  auto j = g.to_json();
  j["width"] = j["width"].get<float>() * f;
  j["height"] = j["height"].get<float>() * f;
  for (auto& k : j["keys"])
    for (const char* field : {"x", "y", "w", "h"}) k["hitbox"][field] = k["hitbox"][field].get<float>() * f;
  return keyboard_grid::from_json(j, name);
}
}  // namespace

TEST_CASE("geometric templates: key centres in key units, equally spaced along the path", "[unit][swipe][geometric]") {
  const auto trie = trie_of({{"qp", 1}, {"was", 1}, {"aa", 1}, {"hello", 1}});
  const geometric_recognizer rec{trie, latin(), shipped_grids(), {.points = 10}};
  const auto& g = shipped_grids().at("qwerty_english");
  auto centre = [&](char32_t c) {
    const auto& b = g.letter(*g.find_letter(c)).box;
    return std::pair{(b.center_x() - g.letter_area().x) / g.key_width(), (b.center_y() - g.letter_area().y) / g.key_height()};
  };
  // q..p: a straight row, 9 key widths long, points one key apart.
  const auto qp = rec.template_of(g, "qp");
  REQUIRE(qp.size() == 10);
  REQUIRE(qp.front().first == Approx(centre(U'q').first));
  REQUIRE(qp.back().first == Approx(centre(U'p').first));
  // Nine key pitches: a little over nine key widths, as keys have gaps between them.
  REQUIRE(qp.back().first - qp.front().first > 9);
  REQUIRE(qp.back().first - qp.front().first < 9.5);
  const float pitch = (qp.back().first - qp.front().first) / 9;
  for (std::size_t i = 1; i < qp.size(); ++i) {
    REQUIRE(qp[i].second == Approx(qp[0].second));
    REQUIRE(qp[i].first - qp[i - 1].first == Approx(pitch).margin(1e-4));
  }
  // w-a-s bends at a: every step along the path has the same length, and a is on it.
  const auto was = rec.template_of(g, "was");
  const auto len = [](auto a, auto b) { return std::hypot(a.first - b.first, a.second - b.second); };
  const double total = len(centre(U'w'), centre(U'a')) + len(centre(U'a'), centre(U's'));
  double along = 0;
  for (std::size_t i = 1; i < was.size(); ++i) along += len(was[i - 1], was[i]);
  REQUIRE(along <= total + 1e-4);
  REQUIRE(along >= total * 0.95);  // the corner at a is cut by at most one step
  REQUIRE(was.front().first == Approx(centre(U'w').first));
  REQUIRE(was.back().second == Approx(centre(U's').second));
  // A doubled letter is one key: "aa" stays on a.
  for (const auto& p : rec.template_of(g, "aa")) REQUIRE(p == rec.template_of(g, "aa").front());
  // Key units: a keyboard twice the size gives the same template.
  const auto big = scaled(g, 2, "big");
  const auto hb = rec.template_of(big, "hello"), hs = rec.template_of(g, "hello");
  for (std::size_t i = 0; i < hb.size(); ++i) {
    REQUIRE(hb[i].first == Approx(hs[i].first).margin(1e-4));
    REQUIRE(hb[i].second == Approx(hs[i].second).margin(1e-4));
  }
  REQUIRE_THROWS_AS(rec.template_of(g, "nope"), unknown_name_error);
}

TEST_CASE("geometric pruning returns exactly the full scan's n-best", "[unit][swipe][geometric]") {
  const auto vocab = random_vocabulary(3000, 11);
  const auto trie = trie_of(vocab);
  const auto& g = shipped_grids().at("qwerty_english");
  const swipe_synthesizer synth{g};
  std::mt19937 rng{5};
  const std::vector<geometric_options> settings{
      {.n_best = 4},
      {.start_weight = 0, .end_weight = 0, .n_best = 8},
      {.shape_weight = 0, .prior_weight = 0, .n_best = 1},
      {.start_weight = 3, .end_weight = 2, .location_weight = 0.2F, .shape_weight = 5, .prior_weight = 1, .n_best = 16},
  };
  std::size_t pruned_scored = 0, full_scored = 0;
  for (const auto& o : settings) {
    geometric_recognizer pruned{trie, latin(), shipped_grids(), o};
    auto full_o = o;
    full_o.prune = false;
    geometric_recognizer full{trie, latin(), shipped_grids(), full_o};
    for (int i = 0; i < 40; ++i) {
      const auto& word = vocab[std::uniform_int_distribution<std::size_t>{0, 200}(rng)].first;
      auto curve = synth.example(word, rng).curve;
      curve.grid_name = "qwerty_english";
      const auto a = pruned.recognize(curve), b = full.recognize(curve);
      REQUIRE(a.words.size() == b.words.size());
      for (std::size_t k = 0; k < a.words.size(); ++k) {
        REQUIRE(a.words[k].word == b.words[k].word);
        REQUIRE(a.words[k].score == b.words[k].score);
      }
      if (&o == &settings.front()) {  // the default weights; with no start/end weight nothing can be pruned
        pruned_scored += a.scored;
        full_scored += b.scored;
      }
    }
  }
  // The pruning is worth having: far fewer words scored than the full scan.
  REQUIRE(pruned_scored * 10 < full_scored);
}

TEST_CASE("geometric recognizer reads clean swipes on any layout size, and its channels are consistent", "[unit][swipe][geometric]") {
  const auto vocab = random_vocabulary(2000, 3);
  const auto trie = trie_of(vocab);
  grid_set set = shipped_grids();
  set.add(scaled(shipped_grids().at("qwerty_english"), 0.4F, "small"));
  const geometric_recognizer rec{trie, latin(), set, {.n_best = 4}};
  const swipe_synthesizer synth{set.at("qwerty_english")};
  std::mt19937 rng{8};
  std::size_t hits = 0, same_on_small = 0, n = 0;
  for (const std::string word : {"hello", "world", "keyboard", "was", "help", "jello"}) {
    for (int i = 0; i < 10; ++i, ++n) {
      auto c = synth.example(word, rng).curve;
      c.grid_name = "qwerty_english";
      const auto r = rec.recognize(c);
      REQUIRE(!r.words.empty());
      hits += r.words.front().word == word;
      auto small = scaled(c, 0.4F);
      small.grid_name = "small";
      const auto rs = rec.recognize(small);
      same_on_small += rs.words.front().word == r.words.front().word;
      // channels_of gives the candidate's own score.
      const auto ch = rec.channels_of(c, r.words.front().word);
      REQUIRE(ch);
      REQUIRE(ch->score(rec.options()) == Approx(r.words.front().score).margin(1e-4));
    }
  }
  REQUIRE(hits >= n * 8 / 10);
  REQUIRE(same_on_small == n);
  swipe_curve c;
  c.x = {1, 2};
  c.y = {1, 2};
  c.t = {0, 1};
  c.grid_name = "qwerty_english";
  REQUIRE_FALSE(rec.channels_of(c, "notaword"));
  c.grid_name = "nowhere";
  REQUIRE_THROWS_AS(rec.recognize(c), unknown_name_error);
}

TEST_CASE("geometric options: JSON round trip and named errors", "[unit][swipe][geometric][errors]") {
  geometric_options o{.start_weight = 2.5F, .prior_weight = 0.1F, .n_best = 8};
  const auto back = geometric_options::from_json(o.to_json(), "p.json");
  REQUIRE(back.start_weight == 2.5F);
  REQUIRE(back.prior_weight == 0.1F);
  REQUIRE(back.n_best == 8);
  auto fails = [](const char* text, const char* needle) {
    try {
      (void)geometric_options::from_json(json::parse(text), "p.json");
    } catch (const config_error& e) {
      const std::string m = e.what();
      return m.find(needle) != std::string::npos && m.find("p.json") != std::string::npos;
    }
    return false;
  };
  REQUIRE(fails(R"({"speed": 1})", "unknown geometric option 'speed'"));
  REQUIRE(fails(R"({"shape_weight": -1})", "'shape_weight'"));
  REQUIRE(fails(R"({"points": 0})", "'points'"));
  REQUIRE(fails(R"({"points": 1})", "at least 2"));
  REQUIRE(fails(R"(3)", "JSON object"));
}

TEST_CASE("geometric templates are shared by the many sizes of one keyboard", "[unit][swipe][geometric]") {
  const auto hws = grid_set::load(GLIDE_SHARED_DIR "/data/how-we-swipe/grids.json");
  const auto trie = trie_of({{"hello", 3}, {"world", 2}, {"help", 1}});
  const geometric_recognizer rec{trie, latin(), hws, {}};
  for (const auto& name : hws.names()) {
    const auto& g = hws.at(name);
    swipe_curve c;
    for (char32_t ch : {U'h', U'e', U'l', U'o'}) {
      const auto& b = g.letter(*g.find_letter(ch)).box;
      c.x.push_back(b.center_x());
      c.y.push_back(b.center_y());
      c.t.push_back(static_cast<float>(c.t.size()) * 17);
    }
    c.grid_name = name;
    INFO(name);
    REQUIRE(rec.recognize(c).words.front().word == "hello");
  }
  REQUIRE(hws.names().size() == 206);
  REQUIRE(rec.template_sets() <= 2);
}

TEST_CASE("rescoring another recognizer's n-best moves the geometrically better word up", "[unit][swipe][geometric]") {
  const auto trie = trie_of({{"hello", 1}, {"jello", 1}, {"world", 1}});
  const geometric_recognizer rec{trie, latin(), shipped_grids(), {}};
  const auto& g = shipped_grids().at("qwerty_english");
  swipe_curve c;  // through h, e, l, o: "hello", not "jello"
  for (char32_t ch : {U'h', U'e', U'l', U'o'}) {
    const auto& b = g.letter(*g.find_letter(ch)).box;
    c.x.push_back(b.center_x());
    c.y.push_back(b.center_y());
    c.t.push_back(static_cast<float>(c.t.size()) * 17);
  }
  c.grid_name = "qwerty_english";
  const prediction neural{{"jello", -1.0F}, {"hello", -1.2F}, {"notaword", -0.5F}};
  auto off = neural;
  rescore_geometric(off, c, rec, 0.0F);
  REQUIRE(off[0].word == "jello");  // weight 0: the neural order, and the unknown word last
  REQUIRE(off.back().word == "notaword");
  auto on = neural;
  rescore_geometric(on, c, rec, 1.0F);
  REQUIRE(on[0].word == "hello");
  REQUIRE(on[1].word == "jello");
  REQUIRE(on[0].score == Approx(-1.2F + rec.channels_of(c, "hello")->score(rec.options())));
  REQUIRE(on.back().word == "notaword");
}

TEST_CASE("geometric best() with k = 0 is empty, and a fit with pool 0 is a named error (issue 29 D7)", "[unit][swipe][geometric][errors]") {
  const auto trie = trie_of(random_vocabulary(300, 4));
  const geometric_recognizer rec{trie, latin(), shipped_grids(), {.n_best = 4}};
  const swipe_synthesizer synth{shipped_grids().at("qwerty_english")};
  std::mt19937 rng{2};
  auto ex = synth.example("hello", rng);
  ex.curve.grid_name = "qwerty_english";
  for (const bool prune : {true, false}) {
    auto o = rec.options();
    o.prune = prune;
    REQUIRE(rec.best(ex.curve, o, 0).first.empty());
  }
  REQUIRE_THROWS_WITH(fit_geometric_options(rec, {ex}, rec.options(), 0), Catch::Contains("pool") && Catch::Contains("at least 1"));
  REQUIRE(fit_geometric_options(rec, {ex}, rec.options(), 1).swipes == 1);
}
