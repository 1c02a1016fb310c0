#include <cmath>
#include <limits>
#include <sstream>

#include <catch2/catch.hpp>

#include <glide/io/predictions.hpp>

using namespace glide;
using namespace glide::io;

TEST_CASE("predictions files round-trip, and bad lines and non-finite scores are named errors", "[unit][io][predictions][errors]") {
  const std::vector<prediction_line> lines{{"hello", {{"hello", -1.25F}, {"help", -3.5F}}, true},
                                           {"", {{"xyz", -0.5F}}, std::nullopt},
                                           {"qwzx", {}, false}};
  std::stringstream buf;
  for (const auto& p : lines) write_prediction_line(buf, p);
  REQUIRE(read_predictions(buf, "p.jsonl") == lines);

  // NaN never reaches a file.
  const prediction_line nan_line{"a", {{"a", std::numeric_limits<float>::quiet_NaN()}}, std::nullopt};
  std::stringstream sink;
  REQUIRE_THROWS_WITH(write_prediction_line(sink, nan_line), Catch::Contains("not finite"));

  auto error_of = [](const std::string& text) {
    std::istringstream in{text};
    try {
      (void)read_predictions(in, "p.jsonl");
    } catch (const parse_error& e) {
      return std::string{e.what()};
    }
    return std::string{"no error"};
  };
  REQUIRE_THAT(error_of("{\"predictions\": []}\n\n{\"predictions\": [{\"word\": \"a\", \"score\": null}]}\n"),
               Catch::Contains("p.jsonl:3") && Catch::Contains("not a number"));
  REQUIRE_THAT(error_of("{\"predictions\": [{\"word\": \"a\", \"score\": 1e400}]}\n"), Catch::Contains("p.jsonl:1"));
  REQUIRE_THAT(error_of("{\"predictions\": [{\"word\": \"a\", \"score\": 1e39}]}\n"), Catch::Contains("out of range"));
  REQUIRE_THAT(error_of("{\"word\": \"a\"}\n"), Catch::Contains("no 'predictions'"));
  REQUIRE_THAT(error_of("[1, 2]\n"), Catch::Contains("not a JSON object"));
  REQUIRE_THAT(error_of("{\"predictions\": [{\"word\": 3, \"score\": 1}]}\n"), Catch::Contains("p.jsonl:1: bad predictions line"));
  REQUIRE_THAT(error_of("{\"predictions\": \n"), Catch::Contains("p.jsonl:1"));
}

TEST_CASE("check_same_swipes names the first line whose target differs, and a count mismatch (issue 29 D12)", "[unit][io][errors]") {
  using glide::io::check_same_swipes;
  REQUIRE_NOTHROW(check_same_swipes({"a", "b", ""}, "x.jsonl", {"a", "b", "c"}, "y.jsonl"));
  REQUIRE_THROWS_WITH(check_same_swipes({"a", "b", "c"}, "x.jsonl", {"a", "z", "c"}, "y.jsonl"),
                      Catch::Contains("'x.jsonl' and 'y.jsonl' describe different swipes: line 2 is 'b' in one, 'z' in the other"));
  REQUIRE_THROWS_WITH(check_same_swipes({"a", "b"}, "x.jsonl", {"a"}, "y.jsonl"),
                      Catch::Contains("'x.jsonl' has 2 swipes, 'y.jsonl' 1"));
}
