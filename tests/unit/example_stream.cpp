// glide/swipe/example_stream.hpp: every line once an epoch, in an order fixed by the seed alone; bad
// lines replaced, counted and named; files without a final newline; empty inputs refused.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include <glide/swipe/example_stream.hpp>

#include "support/shipped_grids.hpp"
#include "support/temp_dir.hpp"

using namespace glide;
using namespace glide::swipe;
namespace fs = std::filesystem;

using glide_test::shipped_grids;

namespace {


// A line whose word is "w<i>" (the words tell lines apart), its x its number.
std::string line(std::size_t i) {
  return R"({"word":"w)" + std::to_string(i) + R"(","curve":{"x":[)" + std::to_string(i) +
         R"(,2],"y":[1,2],"t":[0,5],"grid_name":"qwerty_english"}})";
}

fs::path write(const std::string& name, const std::string& text) {
  const auto p = glide_test::temp_path("glide_example_stream_" + name);
  std::ofstream{p, std::ios::binary} << text;
  return p;
}

std::string lines(std::size_t from, std::size_t to, bool final_newline = true) {
  std::string s;
  for (std::size_t i = from; i < to; ++i) s += line(i) + (i + 1 < to || final_newline ? "\n" : "");
  return s;
}

}  // namespace

TEST_CASE("example_stream: each epoch visits every line of every file once, in a seeded order", "[example_stream]") {
  const auto a = write("a.jsonl", lines(0, 23));
  const auto b = write("b.jsonl", lines(23, 40, false));  // no newline after the last line
  example_stream s{{a.string(), b.string()}, shipped_grids(), {.window_lines = 5, .seed = 3}};
  REQUIRE(s.lines() == 40);
  REQUIRE(s.windows() == 5 + 4);  // 23 = 4 x 5 + 3; 17 = 3 x 5 + 2
  example_stream::cursor c;
  std::vector<std::string> first, second;
  for (std::size_t e = 0; e < 40; ++e) first.push_back(s.at(e, c).word);
  for (std::size_t e = 40; e < 80; ++e) second.push_back(s.at(e, c).word);
  auto sorted = first;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::string> all;
  for (std::size_t i = 0; i < 40; ++i) all.push_back("w" + std::to_string(i));
  std::sort(all.begin(), all.end());
  CHECK(sorted == all);
  CHECK(first != second);  // each epoch its own order
  std::vector<std::string> in_file_order;
  for (std::size_t i = 0; i < 40; ++i) in_file_order.push_back("w" + std::to_string(i));
  CHECK(first != in_file_order);
  // Another stream of the same files and seed, read in another order with another cursor: the same
  // example at every position (what makes a resumed run's batches the first run's).
  example_stream again{{a.string(), b.string()}, shipped_grids(), {.window_lines = 5, .seed = 3}};
  example_stream::cursor c2;
  for (std::size_t e : {79, 3, 41, 0, 17, 60}) CHECK(again.at(e, c2).word == (e < 40 ? first[e] : second[e - 40]));
  // The curve read is the line's.
  const auto ex = s.at(7, c);
  CHECK(ex.curve.x.at(0) == static_cast<float>(std::stoi(ex.word.substr(1))));
  CHECK(ex.curve.grid_name == "qwerty_english");
  // Another seed, another order.
  example_stream other{{a.string(), b.string()}, shipped_grids(), {.window_lines = 5, .seed = 4}};
  std::vector<std::string> other_first;
  example_stream::cursor c3;
  for (std::size_t e = 0; e < 40; ++e) other_first.push_back(other.at(e, c3).word);
  CHECK(other_first != first);
  CHECK(s.skipped().count == 0);
}

TEST_CASE("example_stream: bad lines are replaced by the next usable line of their window, counted once and named", "[example_stream]") {
  std::string text = lines(0, 6);
  text += "{\"word\": \"broken\", \"curve\": \n";                                                                // line 7
  text += "\n";                                                                                                  // line 8
  text += R"({"word":"skip me","curve":{"x":[1,2],"y":[1,2],"t":[0,5],"grid_name":"qwerty_english"}})" "\n";  // line 9
  text += R"({"curve":{"x":[1],"y":[1,2],"t":[0,5],"grid_name":"qwerty_english"}})" "\n";                     // line 10
  text += lines(10, 12);
  const auto p = write("bad.jsonl", text);
  example_stream s{{p.string()}, shipped_grids(), {.window_lines = 4, .seed = 1},
                   [](const swipe_example& ex) { return ex.word.find(' ') != std::string::npos ? std::string{"a space"} : std::string{}; }};
  REQUIRE(s.lines() == 12);
  example_stream::cursor c;
  std::map<std::string, int> seen;
  for (std::size_t e = 0; e < 24; ++e) ++seen[s.at(e, c).word];
  CHECK(seen.count("broken") == 0);
  CHECK(seen.count("skip me") == 0);
  for (const auto& [w, n] : seen) CHECK(w[0] == 'w');
  const auto sk = s.skipped();
  CHECK(sk.count == 4);  // each counted once over two epochs
  REQUIRE(sk.first.size() == 4);
  const std::set<std::string> named(sk.first.begin(), sk.first.end());
  const auto where = p.string() + ":";
  CHECK(std::any_of(named.begin(), named.end(), [&](const auto& m) { return m.rfind(where + "7: malformed JSON", 0) == 0; }));
  CHECK(named.count(where + "8: blank line") == 1);
  CHECK(named.count(where + "9: a space") == 1);
  CHECK(std::any_of(named.begin(), named.end(), [&](const auto& m) { return m.rfind(where + "10: ", 0) == 0 && m.find("different lengths") != std::string::npos; }));
}

TEST_CASE("example_stream: a window without a usable line hands on to the next, and a file without any, an unknown grid, no lines and no file are errors", "[example_stream]") {
  const auto bad = write("badwindow.jsonl", lines(0, 3) + "x\ny\nz\n");
  example_stream s{{bad.string()}, shipped_grids(), {.window_lines = 3}};
  example_stream::cursor c;
  for (std::size_t e = 0; e < 12; ++e) {
    const auto w = s.at(e, c).word;
    CHECK((w == "w0" || w == "w1" || w == "w2"));
  }
  CHECK(s.skipped().count == 3);
  const auto all_bad = write("allbad.jsonl", "x\n\ny\n");
  example_stream none{{all_bad.string()}, shipped_grids(), {.window_lines = 2}};
  CHECK_THROWS_WITH(none.at(0, c), Catch::Contains("no usable swipe in '" + all_bad.string() + "'"));
  const auto unknown = write("grid.jsonl", R"({"word":"a","curve":{"x":[1],"y":[1],"t":[0],"grid_name":"nowhere"}})" "\n");
  example_stream u{{unknown.string()}, shipped_grids(), {.window_lines = 3}};
  CHECK_THROWS_AS(u.at(0, c), unknown_name_error);
  const auto empty = write("empty.jsonl", "");
  CHECK_THROWS_AS((example_stream{{empty.string()}, shipped_grids()}), io_error);
  CHECK_THROWS_AS((example_stream{{"/nonexistent/x.jsonl"}, shipped_grids()}), io_error);
  CHECK_THROWS_AS((example_stream{{bad.string()}, shipped_grids(), {.window_lines = 0}}), config_error);
}

TEST_CASE("example_stream: shards of a JSONL file give the file's stream, with the model inputs of each swipe", "[example_stream][shards]") {
  const auto p = write("for_shards.jsonl", lines(0, 37));
  const auto dir = glide_test::temp_path("glide_example_stream_shards");
  fs::remove_all(dir);
  prepare_options po;
  po.inputs = {p.string()};
  po.out_dir = dir.string();
  po.examples_per_shard = 8;  // shard boundaries inside windows
  po.grids = shipped_grids();
  po.features = shard_features{.tokenizer = char_tokenizer{"abcdefghijklmnopqrstuvwxyz0123456789"}, .max_points = 40};
  (void)prepare_shards(po);
  const example_stream_options o{.window_lines = 5, .seed = 9};
  example_stream from_jsonl{{p.string()}, shipped_grids(), o};
  example_stream from_shards{example_stream::shard_folders{{dir.string()}}, shipped_grids(), o};
  REQUIRE(from_shards.lines() == 37);
  REQUIRE(from_shards.windows() == from_jsonl.windows());
  REQUIRE(from_shards.has_features());
  input_builder inputs{shipped_grids(), po.features->tokenizer, 40};
  example_stream::cursor a, b, c;
  for (std::size_t e = 0; e < 2 * 37; ++e) {
    const auto x = from_jsonl.at(e, a), y = from_shards.at(e, b);
    REQUIRE(x.word == y.word);
    CHECK(x.curve.x == y.curve.x);
    CHECK(x.curve.t == y.curve.t);
    const auto [word, in] = from_shards.features_at(e, c);
    CHECK(word == x.word);
    const auto expected = inputs(x.curve);
    CHECK(in.kinematics == expected.kinematics);
    CHECK(in.keys == expected.keys);
  }
  // A check rejects words in shards too, named by their source line.
  example_stream picky{example_stream::shard_folders{{dir.string()}}, shipped_grids(), o,
                       [](const swipe_example& ex) { return ex.word == "w3" ? std::string{"not w3"} : std::string{}; }};
  for (std::size_t e = 0; e < 37; ++e) CHECK(picky.at(e, c).word != "w3");
  REQUIRE(picky.skipped().count == 1);
  CHECK(picky.skipped().first.at(0) == p.string() + ":4 (in " + dir.string() + "): not w3");
  example_stream no_features{{p.string()}, shipped_grids(), o};
  CHECK_THROWS_AS(no_features.features_at(0, c), config_error);
}

TEST_CASE("example_stream: CRLF lines, a file of exactly whole windows, and threads reading with cursors of their own", "[example_stream]") {
  std::string crlf;
  for (std::size_t i = 0; i < 10; ++i) crlf += line(i) + "\r\n";
  const auto p = write("crlf.jsonl", crlf);
  example_stream s{{p.string()}, shipped_grids(), {.window_lines = 5, .seed = 2}};
  REQUIRE(s.lines() == 10);
  REQUIRE(s.windows() == 2);
  example_stream::cursor c;
  std::vector<std::string> one;
  for (std::size_t e = 0; e < 60; ++e) one.push_back(s.at(e, c).word);
  CHECK(s.skipped().count == 0);
  // Two threads, each with its cursor, reading every other position: the same examples.
  std::vector<std::string> two(60);
  auto read = [&](std::size_t from) {
    example_stream::cursor mine;
    for (std::size_t e = from; e < 60; e += 2) two[e] = s.at(e, mine).word;
  };
  std::thread a{read, 0}, b{read, 1};
  a.join();
  b.join();
  CHECK(two == one);
}
