// glide/swipe/prediction_table.hpp: concurrent updates, durable saves, merging files (issue 29 D8, D9, D14).

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include <glide/swipe/prediction_table.hpp>

#include "support/temp_dir.hpp"

using namespace glide;
using namespace glide::swipe;
namespace fs = std::filesystem;

namespace {
run_key key_of(int i) { return {"en", "fnv1a64:1", "qwerty", "d" + std::to_string(i) + ".jsonl#fnv1a64:2", "beam"}; }
run_record record_of(int i) { return {"p" + std::to_string(i) + ".jsonl", "0.5", "0.4", "0.6", "2"}; }
}  // namespace

TEST_CASE("prediction table: concurrent updates keep every row", "[unit][table]") {
  const auto dir = glide_test::temp_path("table_concurrent");
  fs::create_directories(dir);
  const auto path = (dir / "t.csv").string();
  for (int n : {8, 32}) {
    fs::remove(path);
    std::vector<std::thread> writers;
    for (int i = 0; i < n; ++i)
      writers.emplace_back([&, i] { prediction_table::update(path, [&](prediction_table& t) { t.put(key_of(i), record_of(i)); }); });
    for (auto& w : writers) w.join();
    const auto t = prediction_table::load(path);
    REQUIRE(t.rows().size() == static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) REQUIRE(t.find(key_of(i)) != nullptr);
  }
  for (const auto& e : fs::directory_iterator(dir)) REQUIRE(e.path().extension() != ".tmp");
}

TEST_CASE("prediction table: merge_files names both conflicting files, and a folder is no table", "[unit][table][errors]") {
  const auto dir = glide_test::temp_path("table_merge_files");
  fs::create_directories(dir / "folder");
  prediction_table a, b, c;
  a.put(key_of(1), record_of(1));
  b.put(key_of(2), record_of(2));
  c.put(key_of(1), record_of(9));  // key 1 elsewhere: a conflict with a
  const auto pa = (dir / "a.csv").string(), pb = (dir / "b.csv").string(), pc = (dir / "c.csv").string();
  a.save(pa);
  b.save(pb);
  c.save(pc);
  REQUIRE(prediction_table::merge_files({pa, pb}).rows().size() == 2);
  REQUIRE_THROWS_WITH(prediction_table::merge_files({pa, pb, pc}),
                      Catch::Contains("'" + pa + "' and '" + pc + "' conflict") && Catch::Contains("p9.jsonl"));
  REQUIRE_THROWS_WITH(prediction_table::merge_files({pa, (dir / "folder").string()}), Catch::Contains("is a directory"));
  REQUIRE_THROWS_WITH(prediction_table::load((dir / "folder").string()), Catch::Contains("folder' is a directory"));
  REQUIRE_THROWS_WITH(prediction_table::merge_files({pa, (dir / "none.csv").string()}), Catch::Contains("no prediction table"));
  REQUIRE_THROWS_WITH(a.save((dir / "folder").string()), Catch::Contains("Is a directory"));
}
