#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include <glide/io/run_record.hpp>

#include "support/temp_dir.hpp"

using namespace glide;
namespace fs = std::filesystem;

namespace {
void write_text(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream{p} << text;
}
const char* header = "step,elapsed_s,lr,train_loss,valid_mrr,valid_acc1,real_mrr,real_acc1,ema_mrr,ema_acc1\n";
}  // namespace

TEST_CASE("run records: sessions appended, summaries of metrics, runs listed in path order", "[unit][run_record]") {
  const auto root = glide_test::temp_path("glide_runs");
  fs::remove_all(root);
  // A run validated on real swipes: the best of the raw and averaged weights' real MRR.
  write_text(root / "b" / "metrics.csv", std::string(header) + "100,1,0.001,2.5,0.50,0.4,0.60,0.5,0.62,0.5\n200,2,0.001,2.0,0.70,0.6,0.65,0.6,0.64,0.6\n");
  write_text(root / "b" / "finished", "step 200\n");
  // A synthetic-only run: its averaged weights count as synthetic.
  write_text(root / "a" / "metrics.csv", std::string(header) + "50,1,0.001,3,0.30,0.2,,,0.35,0.3\n");
  write_text(root / "a" / "snapshot" / "metrics.csv", header);  // snapshots are not runs
  write_text(root / "a" / "words.txt", "the 3\n");
  io::append_run_session(root / "a", {{"command", {"glide_train", "c.json", "a"}},
                                      {"code", io::code_version{"0123456789012345678901234567890123456789", true, "/src"}.to_json()},
                                      {"data", {io::data_file_record("vocabulary", (root / "a" / "words.txt").string())}}});
  io::append_run_session(root / "a", {{"command", {"glide_train", "c.json", "a"}}, {"resumed_from_step", 50}});

  const auto runs = io::list_runs(root);
  REQUIRE(runs.size() == 2);
  REQUIRE(runs[0].dir == root / "a");
  REQUIRE_FALSE(runs[0].best_real);
  REQUIRE(*runs[0].best_synthetic == Approx(0.35));
  REQUIRE(runs[0].sessions == 2);
  REQUIRE(runs[0].commit.empty());  // the last session names none
  REQUIRE(runs[1].dir == root / "b");
  REQUIRE(*runs[1].best_real == Approx(0.65));
  REQUIRE(runs[1].best_real_step == 200);
  REQUIRE(*runs[1].best_synthetic == Approx(0.70));
  REQUIRE(runs[1].finished);
  REQUIRE(runs[1].validations == 2);
  REQUIRE(runs[1].last_step == 200);

  std::ifstream in{root / "a" / "record.json"};
  const auto r = nlohmann::json::parse(in);
  REQUIRE(r["sessions"][0]["code"]["commit"] == "0123456789012345678901234567890123456789");
  REQUIRE(r["sessions"][0]["data"][0]["hash"].get<std::string>().rfind("fnv1a64:", 0) == 0);
  REQUIRE(r["sessions"][0]["data"][0]["bytes"] == 6);
}

TEST_CASE("run records: damaged files are errors naming them", "[unit][run_record][errors]") {
  const auto root = glide_test::temp_path("glide_runs_bad");
  fs::remove_all(root);
  write_text(root / "m" / "metrics.csv", std::string(header) + "100,1,0.001,2.5,zero,0.4,,,,\n");
  REQUIRE_THROWS_WITH(io::list_runs(root), Catch::Contains("metrics.csv:2") && Catch::Contains("'zero' is not a number"));
  write_text(root / "m" / "metrics.csv", header);
  write_text(root / "m" / "record.json", "[1, 2]");
  REQUIRE_THROWS_WITH(io::list_runs(root), Catch::Contains("record.json") && Catch::Contains("not a run record"));
  // A file that is not a record is never overwritten by a session.
  REQUIRE_THROWS_WITH(io::append_run_session(root / "m", {{"command", {"x"}}}), Catch::Contains("not a run record"));
  std::ifstream in{root / "m" / "record.json"};
  REQUIRE(std::string{std::istreambuf_iterator<char>(in), {}} == "[1, 2]");
  write_text(root / "m" / "record.json", "{not json");
  REQUIRE_THROWS_WITH(io::list_runs(root), Catch::Contains("record.json") && Catch::Contains("not JSON"));
  REQUIRE_THROWS_WITH(io::data_file_record("vocabulary", (root / "nope.txt").string()), Catch::Contains("vocabulary") && Catch::Contains("nope.txt"));
  REQUIRE_THROWS_AS(io::list_runs(root / "missing"), io_error);
  // Outside a git work tree the code version has no commit (and is not dirty).
  const auto v = io::code_version_of(root.string());
  REQUIRE(v.commit.empty());
  REQUIRE_FALSE(v.dirty);
}
