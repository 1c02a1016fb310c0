#include <filesystem>
#include <fstream>
#include <random>

#include <catch2/catch.hpp>

#include <glide/aggregate/aggregators.hpp>
#include <glide/search/search_config.hpp>
#include <glide/swipe/prediction_table.hpp>

#include "support/temp_dir.hpp"

using namespace glide;

TEST_CASE("aggregators on hand-made lists", "[unit][aggregate]") {
  const std::vector<prediction> lists{{{"cat", -0.1F}, {"car", -2.5F}}, {{"car", -0.2F}, {"cat", -1.8F}, {"cart", -3.0F}}};
  const auto merged = weighted_merge{}(lists);
  REQUIRE(merged.size() == 3);
  REQUIRE(merged[0].word == "cat");  // 0.92 + 0.19 beats 0.08 + 0.78
  const auto trust_second = weighted_merge{.weights = {1.0F, 3.0F}}(lists);
  REQUIRE(trust_second[0].word == "car");
  const auto rrf = reciprocal_rank_fusion{.top_k = 2}(lists);
  REQUIRE(rrf.size() == 2);
  const auto b = borda{}(lists);
  REQUIRE(b[2].word == "cart");
  REQUIRE_THROWS_AS((weighted_merge{.weights = {1.0F}}(lists)), shape_error);
  REQUIRE_THROWS_AS((weighted_merge{.weights = {1.0F, -1.0F}}(lists)), config_error);
}

TEST_CASE("fit finds weights that trust the better model", "[unit][aggregate]") {
  // Model 0 is right 80% of the time, model 1 30%: fitted weights must favour model 0 and score at
  // least as well as either model alone.
  std::mt19937 rng{1};
  std::bernoulli_distribution good{0.8}, bad{0.3};
  std::vector<std::vector<prediction>> valid(2);
  std::vector<std::string> targets;
  for (int i = 0; i < 300; ++i) {
    const std::string t = "w" + std::to_string(i), other = "x" + std::to_string(i);
    targets.push_back(t);
    valid[0].push_back(good(rng) ? prediction{{t, -0.1F}, {other, -2.0F}} : prediction{{other, -0.1F}, {t, -2.0F}});
    valid[1].push_back(bad(rng) ? prediction{{t, -0.05F}, {other, -3.0F}} : prediction{{other, -0.05F}, {t, -3.0F}});
  }
  weighted_merge agg;
  agg.fit(valid, targets);
  REQUIRE(agg.weights.size() == 2);
  REQUIRE(agg.weights[0] > agg.weights[1]);
  auto alone = [&](std::size_t m) {
    metric_accumulator acc;
    for (std::size_t i = 0; i < targets.size(); ++i) acc.add(valid[m][i], targets[i]);
    return acc.mrr();
  };
  REQUIRE(agg.fitted_mrr >= std::max(alone(0), alone(1)));
  REQUIRE_THROWS_AS(agg.fit(std::vector<std::vector<prediction>>{{}}, targets), shape_error);
}

TEST_CASE("search configs: canonical text has every option and round-trips", "[unit][search_config][errors]") {
  const auto a = search_config::parse("best_first");
  const auto b = search_config::parse("best_first:n_best=4,max_batch=256,prior_weight=0");
  REQUIRE(a.canonical() == b.canonical());
  REQUIRE(a.canonical() == "best_first:max_batch=256,n_best=4,prior_weight=0");
  const auto c = search_config::parse("best_first:prior_weight=0.5");
  REQUIRE(c.canonical() != a.canonical());
  for (const auto& name : search_config::names()) {
    const auto s = search_config::parse(name);
    REQUIRE(search_config::parse(s.canonical()).canonical() == s.canonical());
  }
  REQUIRE(search_config::parse("traversal:score_floor=-inf").canonical() == search_config::parse("traversal").canonical());
  // Floats print exactly (shortest round-trip form): values differing in the 7th digit get different keys.
  const auto p1 = search_config::parse("trie_beam:prior_weight=0.1234567");
  const auto p2 = search_config::parse("trie_beam:prior_weight=0.1234568");
  REQUIRE(p1.canonical() != p2.canonical());
  REQUIRE(search_config::parse(p1.canonical()).prior_weight == p1.prior_weight);
  REQUIRE_THAT(p1.canonical(), Catch::Contains("prior_weight=0.1234567"));
  REQUIRE_THROWS_WITH(search_config::parse("dfs"), Catch::Contains("unknown search 'dfs'"));
  REQUIRE_THROWS_WITH(search_config::parse("greedy:beam_width=3"), Catch::Contains("no option 'beam_width'"));
  REQUIRE_THROWS_AS(search_config::parse("beam:beam_width=x"), parse_error);
  REQUIRE_THROWS_AS(search_config::parse("beam:beam_width"), parse_error);
}

TEST_CASE("prediction table: keys, round trip, merge and conflicts", "[unit][table][errors]") {
  using namespace glide::swipe;
  const auto dir = glide_test::temp_path("glide_table_test");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const run_key k1{"en", "models/en/model.safetensors", "qwerty", "valid.jsonl", search_config::parse("beam").canonical()};
  auto k2 = k1;
  k2.search = search_config::parse("beam:beam_width=9").canonical();
  prediction_table t;
  t.put(k1, {"p1.jsonl", "0.81", "0.75", "0.9", "100"});
  t.put(k2, {"p2 with, comma \"q\".jsonl", "0.8", "0.7", "0.9", "100"});
  const auto path = (dir / "table.csv").string();
  t.save(path);
  const auto back = prediction_table::load(path);
  REQUIRE(back.rows() == t.rows());

  prediction_table other;
  auto k3 = k1;
  k3.grid = "extra";
  other.put(k3, {"p3.jsonl", "0.5", "0.4", "0.6", "10"});
  other.put(k1, {"p1.jsonl", "0.81", "0.75", "0.9", "100"});  // the same run: no conflict
  auto merged = back;
  merged.merge(other);
  REQUIRE(merged.rows().size() == 3);
  other.put(k1, {"elsewhere.jsonl", "0.79", "0.75", "0.9", "100"});
  REQUIRE_THROWS_WITH(merged.merge(other), Catch::Contains("conflict") && Catch::Contains("elsewhere.jsonl"));

  std::ofstream{dir / "bad.csv"} << "model,weights\n";
  REQUIRE_THROWS_AS(prediction_table::load((dir / "bad.csv").string()), parse_error);
  std::ofstream bad2{dir / "bad2.csv"};
  io::write_csv_row(bad2, prediction_table::header);
  bad2 << "a,b,c\n";
  bad2.close();
  REQUIRE_THROWS_WITH(prediction_table::load((dir / "bad2.csv").string()), Catch::Contains("bad2.csv:2"));
  REQUIRE(prediction_table::load((dir / "missing.csv").string()).rows().empty());
}
