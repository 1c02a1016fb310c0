// glide/io/json_file.hpp: json_count refuses what a plain get<std::size_t> would wrap or cut (issue 29 D13).

#include <catch2/catch.hpp>

#include <glide/io/json_file.hpp>

using namespace glide;
using nlohmann::json;

TEST_CASE("json_count takes whole numbers >= 0 and names the field otherwise", "[unit][io][errors]") {
  REQUIRE(io::json_count(json(5), "'top'") == 5);
  REQUIRE(io::json_count(json(0), "'top'") == 0);
  REQUIRE(io::json_count(json::parse("1e3"), "'top'") == 1000);
  REQUIRE_THROWS_WITH(io::json_count(json(-1), "jobs.json: job 0: 'top'"), Catch::Contains("jobs.json: job 0: 'top' must be a whole number >= 0, not -1"));
  REQUIRE_THROWS_WITH(io::json_count(json(2.7), "'top'"), Catch::Contains("not 2.7"));
  REQUIRE_THROWS_WITH(io::json_count(json("3"), "'top'"), Catch::Contains("not \"3\""));
  REQUIRE_THROWS_WITH(io::json_count(json::parse("1e30"), "'top'"), Catch::Contains("'top' must be"));
  REQUIRE_THROWS_AS(io::json_count(json(nullptr), "'top'"), config_error);
}
