#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <glide/io/mapped_safetensors.hpp>
#include <glide/swipe/dataset.hpp>
#include <glide/swipe/model_input.hpp>
#include <glide/swipe/shards.hpp>
#include <glide/swipe/synthesizer.hpp>

#include "support/shipped_grids.hpp"
#include "support/temp_dir.hpp"

using namespace glide;
using namespace glide::swipe;
namespace fs = std::filesystem;

// Both the type and the message (Catch2 v2's REQUIRE_THROWS_MATCHES matches exception objects only).
#define REQUIRE_THROWS_AS_WITH(expr, type, matcher) \
  do {                                              \
    REQUIRE_THROWS_AS(expr, type);                  \
    REQUIRE_THROWS_WITH(expr, matcher);             \
  } while (false)

namespace {

const std::string alphabet = "abcdefghijklmnopqrstuvwxyz";

std::string temp(const std::string& name) { return glide_test::temp_path(name).string(); }

/// `count` synthetic swipes of English words on qwerty_english.
std::vector<swipe_example> synthetic(std::size_t count, unsigned seed) {
  static const std::vector<std::string> words{"hello", "world", "the", "keyboard", "swipe", "a", "committee", "quiz", "of", "glide"};
  const swipe_synthesizer synth{glide_test::shipped_grids().at("qwerty_english")};
  std::mt19937 rng{seed};
  std::vector<swipe_example> out;
  for (std::size_t i = 0; i < count; ++i) out.push_back(synth.example(words[i % words.size()], rng));
  return out;
}

void write_lines(const std::string& path, const std::vector<swipe_example>& examples, const std::vector<std::string>& extra = {}) {
  std::ofstream out{path};
  for (const auto& ex : examples) write_jsonl(out, ex);
  for (const auto& line : extra) out << line << '\n';
}

shard_features features(std::size_t max_points, std::size_t soft_keys, std::size_t max_word_length = 0) {
  feature_options o;
  o.soft_keys = soft_keys;
  o.soft_sigma = 0.4F;
  return {.tokenizer = char_tokenizer{alphabet}, .max_points = max_points, .options = o, .max_word_length = max_word_length};
}

void require_same(const swipe_example& got, const swipe_example& want) {
  REQUIRE(got.word == want.word);
  REQUIRE(got.curve.grid_name == want.curve.grid_name);
  REQUIRE(!got.curve.grid);
  REQUIRE(got.curve.x == want.curve.x);  // bit for bit: both come from the same floats
  REQUIRE(got.curve.y == want.curve.y);
  REQUIRE(got.curve.t == want.curve.t);
}

void require_same(const model_input& got, const model_input& want) {
  REQUIRE(got.points == want.points);
  REQUIRE(got.keys_per_point == want.keys_per_point);
  REQUIRE(got.kinematics == want.kinematics);
  REQUIRE(got.keys == want.keys);
  REQUIRE(got.key_weights == want.key_weights);
}

/// Every swipe of `set` against the JSONL file's own parse: the examples kept, in order, with their
/// lines; and the features against input_builder's.
void require_round_trip(const shard_set& set, const std::string& jsonl, const grid_set& grids, const std::optional<shard_features>& f) {
  std::vector<std::size_t> lines;
  const auto parsed = read_jsonl(jsonl, grids, &lines);
  std::optional<input_builder> builder;
  if (f) builder.emplace(grids, f->tokenizer, f->max_points, f->options);
  std::size_t k = 0;
  for (std::size_t i = 0; i < set.size(); ++i) {
    if (set.source(i) != jsonl) continue;
    const auto line = set.source_line(i);
    while (k < lines.size() && lines[k] < line) ++k;
    REQUIRE(k < lines.size());
    REQUIRE(lines[k] == line);
    const auto ex = set.example(i);
    require_same(ex, parsed[k]);
    REQUIRE(set.word(i) == parsed[k].word);
    if (builder) require_same(set.features(i), (*builder)(parsed[k].curve));
  }
}

std::vector<char> read_bytes(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void write_bytes(const std::string& path, const std::vector<char>& b) {
  std::ofstream out{path, std::ios::binary | std::ios::trunc};
  out.write(b.data(), static_cast<std::streamsize>(b.size()));
}

/// A shard file's header (JSON) and where its data starts.
std::pair<nlohmann::json, std::size_t> header_of(const std::vector<char>& b) {
  std::uint64_t n = 0;
  std::memcpy(&n, b.data(), 8);
  return {nlohmann::json::parse(b.begin() + 8, b.begin() + 8 + static_cast<std::ptrdiff_t>(n)), 8 + n};
}

/// Rewrites a shard's header with `edit` applied (it must not grow).
void edit_header(const std::string& path, const std::function<void(nlohmann::json&)>& edit) {
  auto b = read_bytes(path);
  auto [h, start] = header_of(b);
  edit(h);
  auto text = h.dump();
  REQUIRE(text.size() <= start - 8);
  text.resize(start - 8, ' ');
  std::copy(text.begin(), text.end(), b.begin() + 8);
  write_bytes(path, b);
}

/// Overwrites value `index` of a column with `value`.
template <class T>
void poke(const std::string& path, const std::string& column, std::size_t index, T value) {
  auto b = read_bytes(path);
  const auto [h, start] = header_of(b);
  const auto at = start + h[column]["data_offsets"][0].get<std::size_t>() + index * sizeof(T);
  REQUIRE(at + sizeof(T) <= b.size());
  std::memcpy(b.data() + at, &value, sizeof(T));
  write_bytes(path, b);
}

/// Makes a good folder of shards with features (K = 3) and returns it; `name` keeps folders apart.
std::string good_shards(const std::string& name, std::size_t per_shard = 1000) {
  const auto jsonl = temp(name + ".jsonl");
  write_lines(jsonl, synthetic(12, 3));
  const auto dir = temp(name);
  (void)prepare_shards({.inputs = {jsonl}, .out_dir = dir, .examples_per_shard = per_shard, .grids = glide_test::shipped_grids(),
                        .features = features(24, 3)});
  return dir;
}

}  // namespace

TEST_CASE("shards: each swipe as its JSONL line gives it and its features as make_model_input does", "[unit][shards]") {
  const auto& grids = glide_test::shipped_grids();
  const auto jsonl = temp("round.jsonl");
  write_lines(jsonl, synthetic(20, 1));
  for (std::size_t soft : {0, 3}) {
    DYNAMIC_SECTION("soft keys " << soft) {
      const auto dir = temp("round-" + std::to_string(soft));
      const auto f = features(24, soft);  // swipes of more points are resampled: both paths
      const auto summary =
          prepare_shards({.inputs = {jsonl}, .out_dir = dir, .examples_per_shard = 7, .grids = grids, .features = f});
      REQUIRE(summary.examples == 20);
      REQUIRE(summary.skipped == 0);
      REQUIRE(summary.shards.size() == 3);  // 7 + 7 + 6
      REQUIRE(summary.shards[2].examples == 6);
      const auto set = shard_set::open(dir);
      REQUIRE(set.size() == 20);
      REQUIRE(set.shard_count() == 3);
      REQUIRE(set.has_features());
      REQUIRE(set.feature_settings()->keys_per_point() == (soft == 0 ? 1 : 3));
      require_round_trip(set, jsonl, grids, f);
      for (std::size_t i = 0; i < set.size(); ++i) REQUIRE(set.source_line(i) == i + 1);
      bool resampled = false;
      for (std::size_t i = 0; i < set.size(); ++i) resampled = resampled || set.example(i).curve.size() > 24;
      REQUIRE(resampled);
      // The settings the model reads them with.
      set.check_features(24, f.options, alphabet);
      set.check_grids(grids);
      REQUIRE_THROWS_AS_WITH(set.check_features(48, f.options, alphabet), parse_error,
                             Catch::Contains("shard-00000.safetensors") && Catch::Contains("max_points is 24 in the shard, 48"));
      REQUIRE_THROWS_AS_WITH(set.check_features(24, f.options, "abc"), parse_error, Catch::Contains("alphabet"));
      auto other = f.options;
      other.soft_keys = soft == 0 ? 4 : 0;
      REQUIRE_THROWS_AS_WITH(set.check_features(24, other, alphabet), parse_error, Catch::Contains("soft_keys"));
      other = f.options;
      other.soft_sigma = 0.7F;
      if (soft == 0) set.check_features(24, other, alphabet);  // sigma shapes nothing with one key
      else REQUIRE_THROWS_AS_WITH(set.check_features(24, other, alphabet), parse_error, Catch::Contains("key_sigma"));
    }
  }
}

TEST_CASE("shards: without features, one source file a shard, the manifest", "[unit][shards]") {
  const auto a = temp("src-a.jsonl"), b = temp("src-b.jsonl");
  write_lines(a, synthetic(5, 2));
  write_lines(b, synthetic(9, 4));
  const auto dir = temp("plain");
  const auto summary = prepare_shards({.inputs = {a, b}, .out_dir = dir, .examples_per_shard = 4});
  REQUIRE(summary.examples == 14);
  std::vector<std::size_t> counts;
  for (const auto& s : summary.shards) counts.push_back(s.examples);
  REQUIRE(counts == std::vector<std::size_t>{4, 1, 4, 4, 1});
  REQUIRE(summary.shards[1].source == a);
  REQUIRE(summary.shards[2].source == b);
  const auto set = shard_set::open(dir);
  REQUIRE(!set.has_features());
  REQUIRE_THROWS_AS_WITH(set.check_features(0, {}, alphabet), parse_error, Catch::Contains("'features' is missing"));
  require_round_trip(set, a, glide_test::shipped_grids(), std::nullopt);
  require_round_trip(set, b, glide_test::shipped_grids(), std::nullopt);
  REQUIRE(set.source(4) == a);
  REQUIRE(set.source(5) == b);
  const auto m = io::read_json_file(dir + "/shards.json", "manifest");
  REQUIRE(m["version"] == 1);
  REQUIRE(m["examples"] == 14);
  REQUIRE(m["shards"].size() == 5);
  REQUIRE(m["sources"][1]["path"] == b);
  REQUIRE(m["sources"][1]["bytes"] == fs::file_size(b));
  REQUIRE(m["features"].is_null());
  // Preparing again into the folder replaces it: no shard of the first run is left.
  const auto again = prepare_shards({.inputs = {b}, .out_dir = dir, .examples_per_shard = 100});
  REQUIRE(again.shards.size() == 1);
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.path().extension() == ".safetensors";
  REQUIRE(files == 1);
  REQUIRE(shard_set::open(dir).size() == 9);
}

TEST_CASE("shards: shard_writer takes examples built in memory", "[unit][shards]") {
  const auto& grids = glide_test::shipped_grids();
  const auto examples = synthetic(5, 9);
  const auto dir = temp("writer");
  const auto f = features(0, 2);
  shard_writer w{{.out_dir = dir, .examples_per_shard = 2, .grids = grids, .features = f}};
  w.begin_source("memory", 0);
  for (std::size_t i = 0; i < examples.size(); ++i) REQUIRE(w.add(examples[i], 10 + i));
  auto empty = examples[0];
  empty.curve.x.clear();
  REQUIRE(!w.add(empty, 20));
  w.skip_line("memory:21: unreadable");
  const auto s = w.finish();
  REQUIRE(s.shards.size() == 3);
  REQUIRE(s.skipped == 2);
  REQUIRE(s.first_skipped == std::vector<std::string>{"memory:20: empty swipe (no points)", "memory:21: unreadable"});
  const auto set = shard_set::open(dir);
  input_builder builder{grids, f.tokenizer, f.max_points, f.options};
  REQUIRE(set.size() == 5);
  for (std::size_t i = 0; i < set.size(); ++i) {
    require_same(set.example(i), examples[i]);
    require_same(set.features(i), builder(examples[i].curve));
    REQUIRE(set.source_line(i) == 10 + i);
    REQUIRE(set.source(i) == "memory");
  }
}

TEST_CASE("shards: bad lines are skipped, counted by reason and named, inline and unknown grids stop the preparation", "[unit][shards][errors]") {
  const auto& grids = glide_test::shipped_grids();
  const auto good = synthetic(3, 5);
  auto no_word = good[0];
  no_word.word.clear();
  auto upper = good[1];
  upper.word = "Hello";
  auto long_word = good[2];
  long_word.word = "abcdefghijklmnop";
  std::ostringstream lines;
  for (const auto* ex : {&no_word, &upper, &long_word}) write_jsonl(lines, *ex);
  std::vector<std::string> extra{"{not json", R"({"word":"x","curve":{"x":[1,2],"y":[1],"t":[0,1],"grid_name":"qwerty_english"}})"};
  std::string line;
  std::istringstream split{lines.str()};
  while (std::getline(split, line)) extra.push_back(line);
  const auto jsonl = temp("bad.jsonl");
  write_lines(jsonl, good, extra);  // lines 1-3 good, 4 malformed, 5 bad curve, 6 no word, 7 upper case, 8 too long
  const auto dir = temp("bad");
  const auto s = prepare_shards({.inputs = {jsonl}, .out_dir = dir, .examples_per_shard = 7, .grids = grids, .features = features(0, 0, 10)});
  REQUIRE(s.examples == 3);
  REQUIRE(s.skipped == 5);
  REQUIRE(s.skipped_by_reason.at("invalid line") == 2);
  REQUIRE(s.skipped_by_reason.at("no word") == 1);
  REQUIRE(s.skipped_by_reason.at("word outside the alphabet") == 1);
  REQUIRE(s.skipped_by_reason.at("word too long") == 1);
  REQUIRE(s.first_skipped.size() == 5);
  REQUIRE_THAT(s.first_skipped[0], Catch::StartsWith(jsonl + ":4: malformed JSON"));
  REQUIRE_THAT(s.first_skipped[1], Catch::StartsWith(jsonl + ":5: ") && Catch::Contains("different lengths"));
  REQUIRE_THAT(s.first_skipped[2], Catch::StartsWith(jsonl + ":6: no word"));
  REQUIRE_THAT(s.first_skipped[3], Catch::StartsWith(jsonl + ":7: ") && Catch::Contains("'H'"));
  REQUIRE_THAT(s.first_skipped[4], Catch::StartsWith(jsonl + ":8: ") && Catch::Contains("max_word_length 10"));
  const auto m = io::read_json_file(dir + "/shards.json", "manifest");
  REQUIRE(m["skipped"]["lines"] == 5);
  REQUIRE(m["skipped"]["first"].size() == 5);
  REQUIRE(m["sources"][0]["skipped"] == 5);
  // Without a model, every word is kept.
  REQUIRE(prepare_shards({.inputs = {jsonl}, .out_dir = dir, .grids = grids}).examples == 5);
  // The first 10 skipped lines are named, the rest counted.
  std::vector<std::string> many(25, "[]");
  write_lines(jsonl, good, many);
  const auto s2 = prepare_shards({.inputs = {jsonl}, .out_dir = dir});
  REQUIRE(s2.skipped == 25);
  REQUIRE(s2.first_skipped.size() == 10);

  auto inline_grid = good[0];
  inline_grid.curve.grid = grids.at("qwerty_english");
  write_lines(jsonl, {good[0], inline_grid});
  REQUIRE_THROWS_AS_WITH(prepare_shards({.inputs = {jsonl}, .out_dir = dir}), parse_error,
                         Catch::StartsWith(jsonl + ":2: ") && Catch::Contains("inline"));
  REQUIRE(!fs::exists(dir + "/shards.json"));  // a failed preparation leaves no manifest
  auto unknown = good[0];
  unknown.curve.grid_name = "no_such_grid";
  write_lines(jsonl, {good[0], good[1], unknown});
  REQUIRE_THROWS_AS_WITH(prepare_shards({.inputs = {jsonl}, .out_dir = dir, .grids = grids}), unknown_name_error,
                         Catch::StartsWith(jsonl + ":3: ") && Catch::Contains("no_such_grid"));
  REQUIRE_THROWS_AS_WITH(prepare_shards({.inputs = {temp("absent.jsonl")}, .out_dir = dir}), io_error,
                         Catch::Contains("absent.jsonl"));
  REQUIRE_THROWS_AS(prepare_shards({.inputs = {jsonl}, .out_dir = dir, .features = features(0, 0)}), config_error);  // no grids
  REQUIRE_THROWS_AS(prepare_shards({.inputs = {jsonl}, .out_dir = dir, .examples_per_shard = 0}), config_error);
}

TEST_CASE("shards: How-We-Swipe valid.jsonl lines read back equal", "[unit][shards]") {
  const std::string hws = GLIDE_SHARED_DIR "/data/how-we-swipe/";
  if (!fs::exists(hws + "valid.jsonl")) {
    WARN("How-We-Swipe data not available at " << hws);
    return;
  }
  const auto jsonl = temp("hws-head.jsonl");
  {
    std::ifstream in{hws + "valid.jsonl"};
    std::ofstream out{jsonl};
    std::string line;
    for (int i = 0; i < 300 && std::getline(in, line); ++i) out << line << '\n';
  }
  const auto grids = grid_set::load(hws + "grids.json");
  for (std::size_t soft : {0, 3}) {
    DYNAMIC_SECTION("soft keys " << soft) {
      const auto dir = temp("hws-" + std::to_string(soft));
      const auto f = features(100, soft, 30);
      const auto s = prepare_shards({.inputs = {jsonl}, .out_dir = dir, .examples_per_shard = 64, .grids = grids, .features = f});
      REQUIRE(s.examples + s.skipped == 300);
      REQUIRE(s.examples > 250);
      const auto set = shard_set::open(dir);
      REQUIRE(set.size() == s.examples);
      require_round_trip(set, jsonl, grids, f);
      set.check_grids(grids);
      REQUIRE_THROWS_AS(set.check_grids(glide_test::shipped_grids()), unknown_name_error);
    }
  }
}

TEST_CASE("shards: a reader of some columns does not touch the pages of the others", "[unit][shards]") {
  const auto jsonl = temp("pages.jsonl");
  write_lines(jsonl, synthetic(400, 7));
  const auto dir = temp("pages");
  (void)prepare_shards({.inputs = {jsonl}, .out_dir = dir, .grids = glide_test::shipped_grids(), .features = features(0, 3)});
  const auto set = shard_set::open(dir);
  const auto& file = set.shard_file(0);
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  // The whole pages inside a column: reading them after this faults (the test crashes).
  auto protect = [&](const char* name, int prot) {
    const auto& c = file.columns().at(name);
    const auto begin = (reinterpret_cast<std::uintptr_t>(c.data) + page - 1) / page * page;
    const auto end = (reinterpret_cast<std::uintptr_t>(c.data) + c.bytes) / page * page;
    REQUIRE(end > begin);  // the column spans whole pages, or the test would test nothing
    REQUIRE(::mprotect(reinterpret_cast<void*>(begin), end - begin, prot) == 0);
  };
  const std::vector<const char*> features_columns{"kinematics", "keys", "key_weights"};
  const std::vector<const char*> swipe_columns{"x", "y", "t"};
  for (auto* c : features_columns) protect(c, PROT_NONE);
  std::size_t points = 0;
  for (std::size_t i = 0; i < set.size(); ++i) points += set.example(i).curve.size() + set.word(i).size() + set.source_line(i);
  for (auto* c : features_columns) protect(c, PROT_READ);
  for (auto* c : swipe_columns) protect(c, PROT_NONE);
  std::size_t rows = 0;
  for (std::size_t i = 0; i < set.size(); ++i) rows += set.features(i).points;
  for (auto* c : swipe_columns) protect(c, PROT_READ);
  REQUIRE(static_cast<std::int64_t>(rows) == file.columns().at("kinematics").shape[0]);
  REQUIRE(points > 0);
}

TEST_CASE("shards: damaged files throw parse_error naming the file and the column", "[unit][shards][errors]") {
  const auto good = good_shards("damage");
  const auto shard = good + "/shard-00000.safetensors";
  const auto original = read_bytes(shard);
  REQUIRE(shard_set::open(good).size() == 12);
  auto expect = [&](const std::string& what, const std::function<void()>& damage, const std::vector<std::string>& words) {
    INFO(what);
    write_bytes(shard, original);
    damage();
    try {
      (void)shard_set::open(good);
      FAIL("accepted: " << what);
    } catch (const parse_error& e) {
      const std::string msg = e.what();
      INFO(msg);
      REQUIRE_THAT(msg, Catch::Contains(shard));
      for (const auto& w : words) REQUIRE_THAT(msg, Catch::Contains(w));
    }
  };
  expect("truncated", [&] { write_bytes(shard, {original.begin(), original.end() - 5}); }, {"'word_bytes'", "outside"});
  expect("empty", [&] { write_bytes(shard, {}); }, {"shorter than its header length"});
  expect("header length beyond the file", [&] {
    auto b = original;
    const std::uint64_t n = b.size();
    std::memcpy(b.data(), &n, 8);
    write_bytes(shard, b);
  }, {"header length", "beyond"});
  expect("wrong dtype", [&] { edit_header(shard, [](nlohmann::json& h) { h["x"]["dtype"] = "I32"; }); }, {"column 'x'", "dtype I32"});
  expect("unknown dtype", [&] { edit_header(shard, [](nlohmann::json& h) { h["y"]["dtype"] = "F16"; }); }, {"column 'y'", "F16"});
  expect("shape against data_offsets", [&] { edit_header(shard, [](nlohmann::json& h) { h["t"]["shape"][0] = 3; }); }, {"column 't'", "needs"});
  expect("offsets not rising", [&] { poke<std::int64_t>(shard, "point_offsets", 2, 1); }, {"column 'point_offsets'", "do not rise"});
  expect("offsets not from 0", [&] { poke<std::int64_t>(shard, "word_offsets", 0, 1); }, {"column 'word_offsets'", "starts at 1"});
  expect("grid index out of range", [&] { poke<std::int32_t>(shard, "grid", 4, 7); }, {"column 'grid'", "grid index 7"});
  expect("offsets end short of the column", [&] {
    const auto [h, start] = header_of(original);
    (void)start;
    const auto n = h["word_offsets"]["shape"][0].get<std::size_t>();
    const auto words = h["word_bytes"]["shape"][0].get<std::int64_t>();
    poke<std::int64_t>(shard, "word_offsets", n - 1, words + 1);
  }, {"column 'word_offsets'", "ends at"});
  expect("missing column", [&] {
    edit_header(shard, [](nlohmann::json& h) {
      h["source_lin_"] = h["source_line"];
      h.erase("source_line");
    });
  }, {"column 'source_line' is missing"});
  expect("features rows against max_points", [&] { poke<std::int64_t>(shard, "feature_offsets", 1, 1); }, {"column 'feature_offsets'"});
  expect("keys of the wrong width", [&] {
    edit_header(shard, [](nlohmann::json& h) {
      const auto q = h["keys"]["shape"][0].get<std::int64_t>();
      h["keys"]["shape"] = {q * 3, 1};
    });
  }, {"column 'keys'", "expected [Q, 3]"});
  expect("features settings against the manifest", [&] {
    edit_header(shard, [](nlohmann::json& h) {
      auto f = nlohmann::json::parse(h["__metadata__"]["features"].get<std::string>());
      f["max_points"] = 25;
      h["__metadata__"]["features"] = f.dump();
    });
  }, {"metadata 'features'", "differs"});
  expect("grids metadata", [&] { edit_header(shard, [](nlohmann::json& h) { h["__metadata__"]["grids"] = "[1]"; }); }, {"metadata 'grids'"});
  // Found on reading the swipe: a token outside the alphabet, a point that is not finite.
  write_bytes(shard, original);
  poke<std::int32_t>(shard, "keys", 5, 999);
  poke<float>(shard, "x", 3, std::numeric_limits<float>::infinity());
  const auto set = shard_set::open(good);
  REQUIRE_THROWS_AS_WITH(set.features(0), parse_error, Catch::Contains(shard) && Catch::Contains("column 'keys'"));
  REQUIRE_THROWS_AS_WITH(set.example(0), parse_error, Catch::Contains(shard) && Catch::Contains("'x'"));
  write_bytes(shard, original);
  // The manifest.
  const auto manifest = good + "/shards.json";
  const auto m = io::read_json_file(manifest, "manifest");
  auto with = [&](const std::function<void(nlohmann::json&)>& edit) {
    auto j = m;
    edit(j);
    std::ofstream{manifest} << j.dump();
  };
  with([](nlohmann::json& j) { j["shards"][0]["examples"] = 11; });
  REQUIRE_THROWS_AS_WITH(shard_set::open(good), parse_error, Catch::Contains(shard) && Catch::Contains("manifest says 11"));
  with([](nlohmann::json& j) { j["version"] = 2; });
  REQUIRE_THROWS_AS_WITH(shard_set::open(good), parse_error, Catch::Contains("shards.json") && Catch::Contains("version 2"));
  with([](nlohmann::json& j) { j["shards"][0]["file"] = "../x"; });
  REQUIRE_THROWS_AS(shard_set::open(good), parse_error);
  with([](nlohmann::json& j) { j["features"] = nullptr; });
  REQUIRE_THROWS_AS_WITH(shard_set::open(good), parse_error, Catch::Contains(shard) && Catch::Contains("metadata 'features'"));
  fs::remove(manifest);
  REQUIRE_THROWS_AS_WITH(shard_set::open(good), io_error, Catch::Contains("shards.json"));
}

TEST_CASE("shards: typed safetensors columns round-trip aligned and without gaps", "[unit][shards][safetensors]") {
  const std::vector<float> f{1.5F, -2.0F, 3.25F};
  const std::vector<std::int64_t> l{0, 1LL << 40};
  const std::vector<std::int32_t> i{-7, 8, 9, 10};
  const std::vector<std::uint8_t> u{1, 2, 3};
  const auto path = temp("typed.safetensors");
  using io::column_bytes;
  const auto bytes = io::write_safetensors_columns(path,
                                                   {column_bytes::of<std::uint8_t>("u", {3}, u), column_bytes::of<float>("f", {3}, f),
                                                    column_bytes::of<std::int32_t>("i", {2, 2}, i), column_bytes::of<std::int64_t>("l", {2}, l)},
                                                   {{"k", "v"}});
  REQUIRE(bytes == fs::file_size(path));
  const auto m = io::mapped_safetensors::open(path);
  REQUIRE(m.metadata("k") == "v");
  const auto& cl = m.column("l", io::column_type::i64, 1);
  REQUIRE(cl.at<std::int64_t>(1) == (1LL << 40));
  REQUIRE(reinterpret_cast<std::uintptr_t>(cl.data) % 8 == 0);
  REQUIRE(m.column("f", io::column_type::f32, 1).at<float>(2) == 3.25F);
  REQUIRE(m.column("i", io::column_type::i32, 2).at<std::int32_t>(0) == -7);
  REQUIRE(m.column("u", io::column_type::u8, 1).at<std::uint8_t>(2) == 3);
  // No gaps: the columns cover the data exactly (the reference implementation's check).
  const auto [h, start] = header_of(read_bytes(path));
  std::vector<std::pair<std::size_t, std::size_t>> ranges;
  for (const auto& [name, info] : h.items())
    if (name != "__metadata__") ranges.emplace_back(info["data_offsets"][0], info["data_offsets"][1]);
  std::sort(ranges.begin(), ranges.end());
  REQUIRE(ranges.front().first == 0);
  for (std::size_t k = 1; k < ranges.size(); ++k) REQUIRE(ranges[k].first == ranges[k - 1].second);
  REQUIRE(start + ranges.back().second == bytes);
  REQUIRE(start % 8 == 0);
  REQUIRE_THROWS_AS_WITH(m.column("f", io::column_type::i32, 1), parse_error, Catch::Contains("column 'f'"));
  REQUIRE_THROWS_AS_WITH(m.column("zz", io::column_type::i32, 1), parse_error, Catch::Contains("column 'zz' is missing"));
  REQUIRE_THROWS_AS(io::mapped_safetensors::open(temp("none.safetensors")), io_error);
}
