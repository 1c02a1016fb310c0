#pragma once
// Feature shards: real swipes of JSONL files turned once into binary files a trainer maps into memory
// and reads example by example, touching only the columns it asks for.
//
// A folder of shards holds `shards.json` (the manifest: format version, the shard files in order with
// their example counts, the source files with their sizes, the total, and the lines skipped, counted by
// reason with the first few named) and files `shard-NNNNN.safetensors`, each a standard safetensors
// file (io/mapped_safetensors.hpp) of at most `examples_per_shard` swipes of one source file. Its
// columns, for n swipes of P points in all and words of W bytes in all:
//   x, y, t             F32 [P]       every swipe's points, one after another
//   point_offsets       I64 [n + 1]   swipe i's points are [point_offsets[i], point_offsets[i + 1])
//   grid                I32 [n]       an index into metadata "grids" (a JSON array of grid names)
//   word_bytes          U8  [W]       the words (UTF-8), one after another
//   word_offsets        I64 [n + 1]
//   source_line         I64 [n]       the swipe's line (1-based) in metadata "source" (the JSONL path)
// and, when prepared for a model's inputs (make_model_input, Q rows in all, K keys a row):
//   kinematics          F32 [Q, 6]
//   keys                I32 [Q, K]
//   key_weights         F32 [Q, K]    only when K > 1
//   feature_offsets     I64 [n + 1]
// with metadata "features" = {"max_points", "soft_keys", "key_sigma", "alphabet"} (what the inputs
// depend on besides the grids, whose content hashes are in metadata "grid_hashes").
//
// prepare_shards streams JSONL files line by line (memory: one shard's columns). Lines that cannot be
// used are skipped, counted and the first 10 named: malformed JSON or an invalid curve, no word, and,
// with a model's features, a word outside its alphabet or longer than its max_word_length. A swipe
// that carries its grid inline, or names a grid outside the grid set, stops the preparation with an
// error naming the file and line: shards hold named grids only.
//
// shard_set::open maps every shard and checks its header and columns (dtypes, shapes against n,
// offsets from 0 rising to the column's length, grid indices in range); any fault is a parse_error
// naming the shard file and the column. It reads the offset and grid columns only: example(i) then
// reads x, y, t, the grid and the word of one swipe, features(i) its feature rows, so a trainer that
// reads features never touches the pages of x, y and t, and one that reads swipes never touches the
// features'. Reading is const and thread-safe.

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <glide/core/error.hpp>
#include <glide/core/types.hpp>
#include <glide/io/content_hash.hpp>
#include <glide/io/durable_file.hpp>
#include <glide/io/json_file.hpp>
#include <glide/io/mapped_safetensors.hpp>
#include <glide/swipe/dataset.hpp>
#include <glide/swipe/grid.hpp>
#include <glide/swipe/model_input.hpp>
#include <glide/text/char_tokenizer.hpp>

namespace glide::swipe {

inline constexpr std::string_view shard_manifest_name = "shards.json";
inline constexpr int shard_format_version = 1;
/// Skipped lines named in the manifest (the rest are counted).
inline constexpr std::size_t shard_named_skips = 10;

/// What a model's inputs depend on besides the grids, as metadata "features" records it. Settings
/// that make no difference are stored in one form: max_points < 2 as 0 (no limit), soft_keys < 2 as 0
/// (the nearest key).
struct shard_feature_settings {
  std::size_t max_points = 0;
  std::size_t soft_keys = 0;
  float key_sigma = 0.5F;  ///< used only when soft_keys >= 2
  std::string alphabet;

  [[nodiscard]] static shard_feature_settings of(std::size_t max_points, const feature_options& o, std::string alphabet) {
    return {max_points >= 2 ? max_points : 0, o.soft_keys >= 2 ? o.soft_keys : 0, o.soft_sigma, std::move(alphabet)};
  }
  /// Keys a point: K.
  [[nodiscard]] std::size_t keys_per_point() const noexcept { return soft_keys >= 2 ? soft_keys : 1; }

  [[nodiscard]] nlohmann::json to_json() const {
    return {{"max_points", max_points}, {"soft_keys", soft_keys}, {"key_sigma", static_cast<double>(key_sigma)}, {"alphabet", alphabet}};
  }
  /// parse_error "WHERE: ..." when `j` is not such an object.
  [[nodiscard]] static shard_feature_settings from_json(const nlohmann::json& j, const std::string& where) {
    auto bad = [&](const std::string& why) { throw parse_error(where + ": " + why); };
    if (!j.is_object()) bad("not a JSON object");
    for (const char* k : {"max_points", "soft_keys", "key_sigma", "alphabet"})
      if (!j.contains(k)) bad(std::string("'") + k + "' is missing");
    if (!j["max_points"].is_number_unsigned() || !j["soft_keys"].is_number_unsigned()) bad("'max_points' and 'soft_keys' must be counts");
    if (!j["key_sigma"].is_number() || !j["alphabet"].is_string()) bad("'key_sigma' must be a number and 'alphabet' a string");
    shard_feature_settings s;
    s.max_points = j["max_points"].get<std::size_t>();
    s.soft_keys = j["soft_keys"].get<std::size_t>();
    s.key_sigma = static_cast<float>(j["key_sigma"].get<double>());
    s.alphabet = j["alphabet"].get<std::string>();
    // The limits of model_config::validate: anything above is a damaged file.
    if (s.max_points == 1 || s.max_points > (std::size_t{1} << 20)) bad("'max_points' " + std::to_string(s.max_points) + " is out of range");
    if (s.soft_keys == 1 || s.soft_keys > 64) bad("'soft_keys' " + std::to_string(s.soft_keys) + " is out of range");
    if (!(s.key_sigma > 0 && s.key_sigma < 100)) bad("'key_sigma' is out of range (0, 100)");
    return s;
  }

  /// The first setting in which `model` differs from these (the shard's), as a message; empty when
  /// they agree.
  [[nodiscard]] std::string difference(const shard_feature_settings& model) const {
    auto text = [](std::size_t v) { return std::to_string(v); };
    if (alphabet != model.alphabet)
      return "alphabet is \"" + excerpt(alphabet, 200) + "\" in the shard, \"" + excerpt(model.alphabet, 200) + "\" for the model";
    if (max_points != model.max_points)
      return "max_points is " + text(max_points) + " in the shard, " + text(model.max_points) + " for the model (0: no limit)";
    if (soft_keys != model.soft_keys)
      return "soft_keys is " + text(soft_keys) + " in the shard, " + text(model.soft_keys) + " for the model (0: the nearest key)";
    if (soft_keys >= 2 && key_sigma != model.key_sigma)
      return "key_sigma is " + std::to_string(key_sigma) + " in the shard, " + std::to_string(model.key_sigma) + " for the model";
    return {};
  }
};

/// The feature settings of a model, for prepare_options::features.
struct shard_features {
  char_tokenizer tokenizer;  ///< the model's alphabet: words it cannot spell are skipped; keys are its tokens
  std::size_t max_points = 0;
  feature_options options;           ///< soft_keys and soft_sigma shape the inputs
  std::size_t max_word_length = 0;  ///< words of more characters are skipped (0: no limit)
};

/// The feature settings of a model config (model::model_config: its alphabet, max_points, soft keys
/// and max_word_length).
template <class Config>
[[nodiscard]] shard_features shard_features_for(const Config& c) {
  return {.tokenizer = c.tokenizer(), .max_points = c.max_points, .options = feature_options_for(c), .max_word_length = c.max_word_length};
}

struct prepare_options {
  std::vector<std::string> inputs;  ///< JSONL files, in order (shard_writer does not read this)
  std::string out_dir;              ///< its shards.json and shard-*.safetensors are replaced
  std::size_t examples_per_shard = 65536;
  grid_set grids;                          ///< named grids must be in it (an empty set checks nothing); features need it
  std::optional<shard_features> features;  ///< set: the shards carry each swipe's model input too
  std::ostream* log = nullptr;             ///< a line a shard written
};

struct shard_entry {
  std::string file;  ///< inside the folder
  std::size_t examples = 0;
  std::uint64_t bytes = 0;
  std::string source;
};
struct shard_source {
  std::string path;
  std::uint64_t bytes = 0;
  std::size_t examples = 0, skipped = 0;
};

/// What a preparation wrote and skipped: the manifest's content.
struct prepare_summary {
  std::size_t examples = 0;
  std::size_t examples_per_shard = 0;
  std::vector<shard_entry> shards;
  std::vector<shard_source> sources;
  std::size_t skipped = 0;
  std::map<std::string, std::size_t> skipped_by_reason;
  std::vector<std::string> first_skipped;  ///< "FILE:LINE: reason", the first shard_named_skips
  std::optional<shard_feature_settings> features;
  /// Kept swipes whose lines had a "teacher" list, which shards do not hold (not in the manifest).
  std::size_t teacher_lists_dropped = 0;

  [[nodiscard]] std::uint64_t bytes() const noexcept {
    std::uint64_t b = 0;
    for (const auto& s : shards) b += s.bytes;
    return b;
  }

  [[nodiscard]] nlohmann::json to_json() const {
    nlohmann::json shards_j = nlohmann::json::array(), sources_j = nlohmann::json::array();
    for (const auto& s : shards) shards_j.push_back({{"file", s.file}, {"examples", s.examples}, {"bytes", s.bytes}, {"source", s.source}});
    for (const auto& s : sources)
      sources_j.push_back({{"path", s.path}, {"bytes", s.bytes}, {"examples", s.examples}, {"skipped", s.skipped}});
    return {{"format", "glide-shards"},
            {"version", shard_format_version},
            {"examples", examples},
            {"examples_per_shard", examples_per_shard},
            {"bytes", bytes()},
            {"shards", std::move(shards_j)},
            {"sources", std::move(sources_j)},
            {"skipped", {{"lines", skipped}, {"reasons", skipped_by_reason}, {"first", first_skipped}}},
            {"features", features ? features->to_json() : nlohmann::json(nullptr)}};
  }
};

namespace detail {

/// "fnv1a64:..." of a grid's geometry (its canonical JSON).
[[nodiscard]] inline std::string grid_content_hash(const keyboard_grid& g) {
  return "fnv1a64:" + io::hex64(io::fnv1a64(g.to_json().dump()));
}

/// "shard-00042.safetensors"
[[nodiscard]] inline std::string shard_file_name(std::size_t index) {
  char name[48];
  std::snprintf(name, sizeof name, "shard-%05zu.safetensors", index);
  return name;
}

/// Whether `name` is one shard_file_name gives.
[[nodiscard]] inline bool is_shard_file_name(std::string_view name) {
  constexpr std::string_view head = "shard-", tail = ".safetensors";
  if (name.size() <= head.size() + tail.size() || !name.starts_with(head) || !name.ends_with(tail)) return false;
  const auto digits = name.substr(head.size(), name.size() - head.size() - tail.size());
  return std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace detail

/// Writes examples into shards of one folder (see the top of this header): begin_source, then add
/// each example of that source (and skip_line each line that could not be read), and finish.
class shard_writer {
 public:
  /// Creates the folder and removes its old manifest and shards (a preparation that fails leaves no
  /// manifest, never one naming shards of two preparations). config_error for an empty out_dir, a
  /// zero examples_per_shard or features without grids; io_error when the folder cannot be made.
  explicit shard_writer(prepare_options options)
      : options_{std::move(options)}, grids_{std::make_shared<const grid_set>(std::move(options_.grids))} {
    if (options_.out_dir.empty()) throw config_error("prepare_shards: no output folder");
    if (options_.examples_per_shard == 0) throw config_error("prepare_shards: examples_per_shard must be at least 1");
    check_grids_ = !grids_->names().empty();
    if (options_.features) {
      if (!check_grids_) throw config_error("prepare_shards: the model's features need the grids the swipes name (no grid given)");
      const auto& f = *options_.features;
      settings_ = shard_feature_settings::of(f.max_points, f.options, f.tokenizer.alphabet());
      builder_.emplace(*grids_, f.tokenizer, f.max_points, f.options);
    }
    summary_.examples_per_shard = options_.examples_per_shard;
    summary_.features = settings_;
    namespace fs = std::filesystem;
    const fs::path dir{options_.out_dir};
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir)) throw io_error("cannot make the shard folder '" + options_.out_dir + "': " + (ec ? ec.message() : "not a folder"));
    fs::remove(dir / shard_manifest_name, ec);
    if (ec) throw io_error("cannot remove the old manifest '" + (dir / shard_manifest_name).string() + "': " + ec.message());
    std::vector<fs::path> old;
    for (const auto& entry : fs::directory_iterator(dir, ec))
      if (detail::is_shard_file_name(entry.path().filename().string())) old.push_back(entry.path());
    for (const auto& p : old) fs::remove(p, ec);
  }

  /// The examples that follow come from `path` (of `bytes` bytes): a shard holds one source's, so the
  /// current shard is written first.
  void begin_source(std::string path, std::uint64_t bytes) {
    flush();
    summary_.sources.push_back({std::move(path), bytes, 0, 0});
  }

  /// Adds the example of line `line` of the current source; false when it was skipped (counted, and
  /// named among the first few). A swipe with an inline grid is a parse_error, one naming a grid
  /// outside the grid set an unknown_name_error, both naming the file and line.
  bool add(const swipe_example& ex, std::size_t line) {
    assert(!summary_.sources.empty() && !finished_);  // begin_source first
    auto& source = summary_.sources.back();
    const std::string where = source.path + ":" + std::to_string(line) + ": ";
    if (ex.curve.grid)
      throw parse_error(where + "the swipe carries its grid inline; shards hold named grids only (put the grid in a grid file and name it "
                                "with 'grid_name')");
    try {
      validate_curve(ex.curve, "");
    } catch (const error& e) {
      return skip("invalid line", where + e.what());
    }
    if (check_grids_ && !grids_->contains(ex.curve.grid_name))
      throw unknown_name_error(where + "grid '" + ex.curve.grid_name + "' is in none of the grid files (" +
                               (grids_->sources().empty() ? "grids built in memory" : grids_->sources()) + ")");
    if (ex.word.empty()) return skip("no word", where + "no word");
    if (options_.features) {
      std::size_t length = 0;
      try {
        length = options_.features->tokenizer.encode(ex.word).size();
      } catch (const error& e) {
        return skip("word outside the alphabet", where + e.what());
      }
      const auto limit = options_.features->max_word_length;
      if (limit != 0 && length > limit)
        return skip("word too long", where + "\"" + excerpt(ex.word) + "\" has " + std::to_string(length) +
                                         " characters, more than the model's max_word_length " + std::to_string(limit));
    }
    if (!ex.teacher.empty()) ++summary_.teacher_lists_dropped;
    auto& b = buffers_;
    if (builder_) {
      model_input in;
      try {
        in = (*builder_)(ex.curve);
      } catch (const error& e) {
        throw error(where + e.what());
      }
      b.kinematics.insert(b.kinematics.end(), in.kinematics.begin(), in.kinematics.end());
      b.keys.insert(b.keys.end(), in.keys.begin(), in.keys.end());
      b.key_weights.insert(b.key_weights.end(), in.key_weights.begin(), in.key_weights.end());
      b.feature_offsets.push_back(b.feature_offsets.back() + static_cast<std::int64_t>(in.points));
    }
    b.x.insert(b.x.end(), ex.curve.x.begin(), ex.curve.x.end());
    b.y.insert(b.y.end(), ex.curve.y.begin(), ex.curve.y.end());
    b.t.insert(b.t.end(), ex.curve.t.begin(), ex.curve.t.end());
    b.point_offsets.push_back(static_cast<std::int64_t>(b.x.size()));
    auto [it, added] = b.grid_index.try_emplace(ex.curve.grid_name, static_cast<std::int32_t>(b.grid_names.size()));
    if (added) b.grid_names.push_back(ex.curve.grid_name);
    b.grid.push_back(it->second);
    b.word_bytes.insert(b.word_bytes.end(), ex.word.begin(), ex.word.end());
    b.word_offsets.push_back(static_cast<std::int64_t>(b.word_bytes.size()));
    b.source_line.push_back(static_cast<std::int64_t>(line));
    ++source.examples;
    ++summary_.examples;
    if (b.grid.size() >= options_.examples_per_shard) flush();
    return true;
  }

  /// Counts a line of the current source that could not be read; `message` names it ("FILE:LINE: why").
  void skip_line(std::string message) {
    assert(!summary_.sources.empty() && !finished_);
    (void)skip("invalid line", std::move(message));
  }

  /// Writes the last shard and the manifest; the summary of everything written and skipped.
  prepare_summary finish() {
    assert(!finished_);
    flush();
    finished_ = true;
    const auto path = std::filesystem::path(options_.out_dir) / shard_manifest_name;
    io::write_file_durably(path, summary_.to_json().dump(2) + "\n", "shard manifest");
    return summary_;
  }

  [[nodiscard]] const prepare_summary& summary() const noexcept { return summary_; }

 private:
  struct buffers {
    std::vector<float> x, y, t;
    std::vector<std::int64_t> point_offsets{0};
    std::vector<std::int32_t> grid;
    std::vector<std::string> grid_names;
    std::map<std::string, std::int32_t> grid_index;
    std::string word_bytes;
    std::vector<std::int64_t> word_offsets{0};
    std::vector<std::int64_t> source_line;
    std::vector<float> kinematics;
    std::vector<token_id> keys;
    std::vector<float> key_weights;
    std::vector<std::int64_t> feature_offsets{0};

    void clear() {  // keeps the capacity: the next shard needs as much
      for (auto* v : {&x, &y, &t, &kinematics, &key_weights}) v->clear();
      for (auto* v : {&point_offsets, &word_offsets, &feature_offsets}) v->assign(1, 0);
      grid.clear();
      grid_names.clear();
      grid_index.clear();
      word_bytes.clear();
      source_line.clear();
      keys.clear();
    }
  };

  bool skip(std::string_view kind, std::string message) {
    ++summary_.skipped;
    ++summary_.skipped_by_reason[std::string(kind)];
    ++summary_.sources.back().skipped;
    if (summary_.first_skipped.size() < shard_named_skips) summary_.first_skipped.push_back(excerpt(message, 400));
    return false;
  }

  void flush() {
    auto& b = buffers_;
    const std::size_t n = b.grid.size();
    if (n == 0) return;
    using io::column_bytes;
    auto i64 = [](std::size_t v) { return static_cast<std::int64_t>(v); };
    const auto points = i64(b.x.size());
    std::vector<column_bytes> columns{
        column_bytes::of<float>("x", {points}, b.x),
        column_bytes::of<float>("y", {points}, b.y),
        column_bytes::of<float>("t", {points}, b.t),
        column_bytes::of<std::int64_t>("point_offsets", {i64(n + 1)}, b.point_offsets),
        column_bytes::of<std::int32_t>("grid", {i64(n)}, b.grid),
        column_bytes::of<std::uint8_t>("word_bytes", {i64(b.word_bytes.size())},
                                       std::span{reinterpret_cast<const std::uint8_t*>(b.word_bytes.data()), b.word_bytes.size()}),
        column_bytes::of<std::int64_t>("word_offsets", {i64(n + 1)}, b.word_offsets),
        column_bytes::of<std::int64_t>("source_line", {i64(n)}, b.source_line)};
    const auto& source = summary_.sources.back();
    std::map<std::string, std::string> metadata{
        {"format", "glide-shard"}, {"version", std::to_string(shard_format_version)}, {"source", source.path}, {"grids", nlohmann::json(b.grid_names).dump()}};
    if (check_grids_) {
      std::vector<std::string> hashes;
      for (const auto& g : b.grid_names) hashes.push_back(detail::grid_content_hash(grids_->at(g)));
      metadata["grid_hashes"] = nlohmann::json(hashes).dump();
    }
    if (settings_) {
      const auto k = i64(settings_->keys_per_point());
      const auto rows = i64(b.feature_offsets.back());
      columns.push_back(column_bytes::of<float>("kinematics", {rows, i64(feature_extractor::kinematic_dim)}, b.kinematics));
      columns.push_back(column_bytes::of<std::int32_t>("keys", {rows, k}, b.keys));
      if (k > 1) columns.push_back(column_bytes::of<float>("key_weights", {rows, k}, b.key_weights));
      columns.push_back(column_bytes::of<std::int64_t>("feature_offsets", {i64(n + 1)}, b.feature_offsets));
      metadata["features"] = settings_->to_json().dump();
    }
    shard_entry entry{detail::shard_file_name(summary_.shards.size()), n, 0, source.path};
    const auto path = std::filesystem::path(options_.out_dir) / entry.file;
    entry.bytes = io::write_safetensors_columns(path, std::move(columns), metadata, "shard");
    if (options_.log != nullptr)
      *options_.log << "prepare_shards: " << path.string() << ": " << n << " swipes of " << source.path << ", " << entry.bytes << " bytes\n";
    summary_.shards.push_back(std::move(entry));
    b.clear();
  }

  prepare_options options_;
  std::shared_ptr<const grid_set> grids_;  // shared: builder_ points at it, and the writer may move
  bool check_grids_ = false;
  std::optional<shard_feature_settings> settings_;
  std::optional<input_builder> builder_;
  buffers buffers_;
  prepare_summary summary_;
  bool finished_ = false;
};

/// JSONL files -> a folder of shards (see the top of this header). Each file is streamed line by line;
/// io_error names a file that cannot be read.
inline prepare_summary prepare_shards(prepare_options options) {
  if (options.inputs.empty()) throw config_error("prepare_shards: no input file");
  const auto inputs = options.inputs;
  for (const auto& path : inputs)  // before the folder's old shards are removed
    if (!std::filesystem::is_regular_file(path)) throw io_error("cannot open swipes '" + path + "': not a readable file");
  shard_writer writer{std::move(options)};
  for (const auto& path : inputs) {
    std::ifstream in{path};
    if (!in) throw io_error("cannot open swipes '" + path + "'");
    std::error_code ec;
    const auto bytes = std::filesystem::file_size(path, ec);
    writer.begin_source(path, ec ? 0 : bytes);
    jsonl_reader reader{in, path};
    for (;;) {
      std::optional<swipe_example> ex;
      try {
        ex = reader.next();
      } catch (const parse_error& e) {  // the reader has moved past the line
        writer.skip_line(e.what());
        continue;
      }
      if (!ex) break;
      writer.add(*ex, reader.line());
    }
    if (in.bad()) throw io_error("error reading swipes '" + path + "' after line " + std::to_string(reader.line()));
  }
  return writer.finish();
}

/// A folder of shards, mapped (see the top of this header).
class shard_set {
 public:
  /// Reads `dir`/shards.json and maps and checks every shard it names: io_error when a file cannot be
  /// read, parse_error naming the file (and the column) for anything wrong in one.
  static shard_set open(const std::string& dir) {
    shard_set s;
    s.dir_ = dir;
    const auto manifest_path = (std::filesystem::path(dir) / shard_manifest_name).string();
    const auto m = io::read_json_file(manifest_path, "shard manifest");
    auto bad = [&](const std::string& why) { throw parse_error("shard manifest '" + manifest_path + "': " + why); };
    if (!m.is_object()) bad("not a JSON object");
    if (!m.contains("format") || m["format"] != "glide-shards") bad("'format' is not \"glide-shards\"");
    if (!m.contains("version") || !m["version"].is_number_integer()) bad("'version' is missing");
    if (m["version"].get<std::int64_t>() != shard_format_version)
      bad("version " + m["version"].dump() + ", this reader reads version " + std::to_string(shard_format_version));
    if (!m.contains("shards") || !m["shards"].is_array()) bad("'shards' is not an array");
    if (!m.contains("examples") || !m["examples"].is_number_unsigned()) bad("'examples' is not a count");
    if (m.contains("features") && !m["features"].is_null())
      s.settings_ = shard_feature_settings::from_json(m["features"], "shard manifest '" + manifest_path + "': features");
    std::size_t total = 0;
    s.shards_.reserve(m["shards"].size());
    for (const auto& e : m["shards"]) {
      const std::string at = "shard " + std::to_string(s.shards_.size());
      if (!e.is_object() || !e.contains("file") || !e["file"].is_string() || !e.contains("examples") || !e["examples"].is_number_unsigned())
        bad(at + ": needs 'file' (a name) and 'examples' (a count)");
      const auto file = e["file"].get<std::string>();
      if (file.empty() || file == "." || file == ".." || file.find('/') != std::string::npos)
        bad(at + ": 'file' must name a file in the folder, not '" + excerpt(file) + "'");
      const auto count = e["examples"].get<std::size_t>();
      s.starts_.push_back(total);
      s.shards_.push_back(open_shard((std::filesystem::path(dir) / file).string(), count, s.settings_));
      total += count;
    }
    if (total != m["examples"].get<std::size_t>())
      bad("'examples' is " + m["examples"].dump() + " but the shards hold " + std::to_string(total));
    s.size_ = total;
    if (s.settings_) {
      try {
        s.vocab_size_ = char_tokenizer{s.settings_->alphabet}.vocab_size();
      } catch (const error& e) {
        bad(std::string("features: alphabet: ") + e.what());
      }
    }
    return s;
  }

  /// Swipes in all shards.
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::size_t shard_count() const noexcept { return shards_.size(); }
  [[nodiscard]] const std::string& folder() const noexcept { return dir_; }
  /// Shard `s`'s mapped file (its columns' bytes), in manifest order.
  [[nodiscard]] const io::mapped_safetensors& shard_file(std::size_t s) const noexcept { return shards_[s].file; }

  /// Swipe `i` as its JSONL line gives it (x, y, t, grid_name and word; floats bit for bit). Reads
  /// its points, grid and word. Precondition: i < size().
  [[nodiscard]] swipe_example example(std::size_t i) const {
    const auto [sh, j] = locate(i);
    swipe_example ex;
    ex.word = word_of(sh, j);
    const auto b = offset(sh.point_offsets, j), e = offset(sh.point_offsets, j + 1);
    sh.x.append_to(ex.curve.x, b, e);
    sh.y.append_to(ex.curve.y, b, e);
    sh.t.append_to(ex.curve.t, b, e);
    ex.curve.grid_name = sh.grids[static_cast<std::size_t>(sh.grid.at<std::int32_t>(j))];
    try {
      validate_curve(ex.curve, "");
    } catch (const error& e) {
      sh.file.fail("columns 'x', 'y', 't': swipe " + std::to_string(j) + ": " + e.what());
    }
    return ex;
  }

  /// Swipe `i`'s word. Precondition: i < size().
  [[nodiscard]] std::string word(std::size_t i) const {
    const auto [sh, j] = locate(i);
    return word_of(sh, j);
  }

  /// Swipe `i`'s line (1-based) in its source file. Precondition: i < size().
  [[nodiscard]] std::size_t source_line(std::size_t i) const {
    const auto [sh, j] = locate(i);
    const auto line = sh.source_line.at<std::int64_t>(j);
    if (line < 1) sh.file.fail("column 'source_line': swipe " + std::to_string(j) + " has line " + std::to_string(line));
    return static_cast<std::size_t>(line);
  }
  /// The JSONL file swipe `i` came from. Precondition: i < size().
  [[nodiscard]] const std::string& source(std::size_t i) const { return locate(i).first.source; }

  [[nodiscard]] bool has_features() const noexcept { return settings_.has_value(); }
  /// The settings the features were computed with (none without features).
  [[nodiscard]] const std::optional<shard_feature_settings>& feature_settings() const noexcept { return settings_; }

  /// Swipe `i`'s model input, equal to make_model_input's for it (input_builder(...)(example(i).curve)).
  /// Reads its feature rows only. Preconditions: has_features(), i < size().
  [[nodiscard]] model_input features(std::size_t i) const {
    assert(has_features());
    const auto at = locate(i);  // not a structured binding: clang before 16 cannot capture one
    const shard& sh = at.first;
    const std::size_t j = at.second;
    const auto b = offset(sh.feature_offsets, j), e = offset(sh.feature_offsets, j + 1);
    const std::size_t k = settings_->keys_per_point();
    model_input in;
    in.points = e - b;
    in.keys_per_point = k;
    constexpr std::size_t dim = feature_extractor::kinematic_dim;
    sh.kinematics.append_to(in.kinematics, b * dim, e * dim);
    sh.keys.append_to(in.keys, b * k, e * k);
    if (k > 1) sh.key_weights.append_to(in.key_weights, b * k, e * k);
    auto where = [&](const char* column) { return std::string("column '") + column + "': swipe " + std::to_string(j) + ": "; };
    for (float v : in.kinematics)
      if (!std::isfinite(v)) sh.file.fail(where("kinematics") + "a value is not finite");
    for (token_id t : in.keys)
      if (t < 0 || static_cast<std::size_t>(t) >= vocab_size_)
        sh.file.fail(where("keys") + "token " + std::to_string(t) + " is outside the alphabet's " + std::to_string(vocab_size_) + " tokens");
    for (float v : in.key_weights)
      if (!(v >= 0 && v <= 1)) sh.file.fail(where("key_weights") + "a weight is outside [0, 1]");
    return in;
  }

  /// Checks that the features were computed as a model with these settings computes them: parse_error
  /// naming the shard and the first setting that differs (or the absence of features).
  void check_features(std::size_t max_points, const feature_options& options, std::string_view alphabet) const {
    const std::string where = shards_.empty() ? "shards '" + dir_ + "'" : shards_.front().file.where();
    if (!settings_) throw parse_error(where + ": metadata 'features' is missing: the shards were prepared without a model's features");
    const auto diff = settings_->difference(shard_feature_settings::of(max_points, options, std::string(alphabet)));
    if (!diff.empty()) throw parse_error(where + ": features: " + diff + " (prepare the shards again for this model)");
  }
  /// check_features for a model config (model::model_config).
  template <class Config>
  void check_features(const Config& c) const {
    check_features(c.max_points, feature_options_for(c), c.alphabet);
  }

  /// Checks that every grid the shards name is in `grids` with the geometry the shards were prepared
  /// on (where they recorded it): unknown_name_error for a missing grid, parse_error for a different one.
  void check_grids(const grid_set& grids) const {
    for (const auto& sh : shards_)
      for (std::size_t g = 0; g < sh.grids.size(); ++g) {
        if (!grids.contains(sh.grids[g]))
          throw unknown_name_error(sh.file.where() + ": grid '" + sh.grids[g] + "' is in none of the grid files (" +
                                   (grids.sources().empty() ? "grids built in memory" : grids.sources()) + ")");
        if (!sh.grid_hashes.empty() && detail::grid_content_hash(grids.at(sh.grids[g])) != sh.grid_hashes[g])
          throw parse_error(sh.file.where() + ": grid '" + sh.grids[g] + "' differs from the one the shard was prepared on" +
                            (grids.sources().empty() ? std::string{} : " (in " + grids.sources() + ")"));
      }
  }

 private:
  struct shard {
    io::mapped_safetensors file;
    std::string source;
    std::vector<std::string> grids, grid_hashes;
    std::size_t count = 0;
    io::mapped_column x, y, t, point_offsets, grid, word_bytes, word_offsets, source_line;
    io::mapped_column kinematics, keys, key_weights, feature_offsets;  // with features
  };

  shard_set() = default;

  [[nodiscard]] std::pair<const shard&, std::size_t> locate(std::size_t i) const {
    assert(i < size_);
    const auto s = static_cast<std::size_t>(std::upper_bound(starts_.begin(), starts_.end(), i) - starts_.begin()) - 1;
    return {shards_[s], i - starts_[s]};
  }
  // Offsets were checked at open: within their column, from 0, rising.
  static std::size_t offset(const io::mapped_column& c, std::size_t j) { return static_cast<std::size_t>(c.at<std::int64_t>(j)); }
  static std::string word_of(const shard& sh, std::size_t j) {
    const auto b = offset(sh.word_offsets, j), e = offset(sh.word_offsets, j + 1);
    return {sh.word_bytes.data + b, e - b};
  }

  // Checks `c` as offsets of n items into a column of `end` values: n + 1 of them, from 0, rising
  // (each item holds at least one value), the last `end`.
  static void check_offsets(const io::mapped_safetensors& f, const io::mapped_column& c, std::size_t n, std::size_t end,
                            const std::string& of) {
    if (c.numel != n + 1)
      f.fail("column '" + c.name + "': shape " + io::mapped_safetensors::shape_text(c.shape) + ", expected [" + std::to_string(n + 1) +
             "] (one more than the " + std::to_string(n) + " swipes)");
    if (c.at<std::int64_t>(0) != 0) f.fail("column '" + c.name + "': starts at " + std::to_string(c.at<std::int64_t>(0)) + ", not 0");
    for (std::size_t j = 0; j < n; ++j)
      if (c.at<std::int64_t>(j + 1) <= c.at<std::int64_t>(j))
        f.fail("column '" + c.name + "': offsets do not rise at swipe " + std::to_string(j) + " (" + std::to_string(c.at<std::int64_t>(j)) +
               " then " + std::to_string(c.at<std::int64_t>(j + 1)) + ")");
    if (static_cast<std::uint64_t>(c.at<std::int64_t>(n)) != end)
      f.fail("column '" + c.name + "': ends at " + std::to_string(c.at<std::int64_t>(n)) + " but " + of + " holds " + std::to_string(end));
  }

  static shard open_shard(const std::string& path, std::size_t expected, const std::optional<shard_feature_settings>& settings) {
    using io::column_type;
    shard sh;
    sh.file = io::mapped_safetensors::open(path, "shard");
    const auto& f = sh.file;
    if (f.metadata("format") != "glide-shard") f.fail("metadata 'format' is '" + excerpt(f.metadata("format")) + "', not 'glide-shard'");
    if (f.metadata("version") != std::to_string(shard_format_version))
      f.fail("metadata 'version' is '" + excerpt(f.metadata("version")) + "', this reader reads " + std::to_string(shard_format_version));
    sh.source = f.metadata("source");
    auto names = [&](const char* key) {
      std::vector<std::string> out;
      try {
        const auto j = nlohmann::json::parse(f.metadata(key));
        if (!j.is_array()) f.fail(std::string("metadata '") + key + "' is not a JSON array");
        for (const auto& v : j) {
          if (!v.is_string() || v.get<std::string>().empty()) f.fail(std::string("metadata '") + key + "' holds something other than a name");
          out.push_back(v.get<std::string>());
        }
      } catch (const nlohmann::json::exception& e) {
        f.fail(std::string("metadata '") + key + "' is not JSON: " + e.what());
      }
      return out;
    };
    sh.grids = names("grids");
    if (f.metadata().count("grid_hashes") != 0) {
      sh.grid_hashes = names("grid_hashes");
      if (sh.grid_hashes.size() != sh.grids.size()) f.fail("metadata 'grid_hashes' does not have one hash a grid of 'grids'");
    }

    sh.point_offsets = f.column("point_offsets", column_type::i64, 1);
    if (sh.point_offsets.numel == 0) f.fail("column 'point_offsets': shape [0], expected [n + 1]");
    const std::size_t n = sh.point_offsets.numel - 1;
    if (n != expected) f.fail("holds " + std::to_string(n) + " swipes (column 'point_offsets'), the manifest says " + std::to_string(expected));
    sh.count = n;
    sh.x = f.column("x", column_type::f32, 1);
    for (auto* c : {&sh.y, &sh.t}) {
      *c = f.column(c == &sh.y ? "y" : "t", column_type::f32, 1);
      if (c->numel != sh.x.numel)
        f.fail("column '" + c->name + "': shape " + io::mapped_safetensors::shape_text(c->shape) + ", expected [" + std::to_string(sh.x.numel) +
               "] (the length of 'x')");
    }
    check_offsets(f, sh.point_offsets, n, sh.x.numel, "column 'x'");
    auto per_swipe = [&](const char* name, column_type type) {
      auto c = f.column(name, type, 1);
      if (c.numel != n)
        f.fail("column '" + c.name + "': shape " + io::mapped_safetensors::shape_text(c.shape) + ", expected [" + std::to_string(n) + "] (the swipes)");
      return c;
    };
    sh.grid = per_swipe("grid", column_type::i32);
    for (std::size_t j = 0; j < n; ++j) {
      const auto g = sh.grid.at<std::int32_t>(j);
      if (g < 0 || static_cast<std::size_t>(g) >= sh.grids.size())
        f.fail("column 'grid': swipe " + std::to_string(j) + " has grid index " + std::to_string(g) + ", outside the " +
               std::to_string(sh.grids.size()) + " grids of metadata 'grids'");
    }
    sh.word_bytes = f.column("word_bytes", column_type::u8, 1);
    sh.word_offsets = f.column("word_offsets", column_type::i64, 1);
    check_offsets(f, sh.word_offsets, n, sh.word_bytes.numel, "column 'word_bytes'");
    sh.source_line = per_swipe("source_line", column_type::i64);

    const bool has = f.metadata().count("features") != 0;
    if (has != settings.has_value())
      f.fail(has ? "metadata 'features' is there but the manifest says the shards carry no features"
                 : "metadata 'features' is missing but the manifest says the shards carry features");
    if (!has) {
      for (const char* c : {"kinematics", "keys", "key_weights", "feature_offsets"})
        if (f.contains(c)) f.fail(std::string("column '") + c + "' without metadata 'features'");
      return sh;
    }
    nlohmann::json fj;
    try {
      fj = nlohmann::json::parse(f.metadata("features"));
    } catch (const nlohmann::json::exception& e) {
      f.fail(std::string("metadata 'features' is not JSON: ") + e.what());
    }
    const auto mine = shard_feature_settings::from_json(fj, f.where() + ": metadata 'features'");
    if (const auto diff = settings->difference(mine); !diff.empty() || mine.key_sigma != settings->key_sigma)
      f.fail("metadata 'features' " + fj.dump() + " differs from the manifest's " + settings->to_json().dump());
    const std::size_t k = settings->keys_per_point();
    constexpr std::size_t dim = feature_extractor::kinematic_dim;
    auto rows = [&](const char* name, column_type type, std::size_t width) {
      auto c = f.column(name, type, 2);
      if (static_cast<std::size_t>(c.shape[1]) != width)
        f.fail("column '" + c.name + "': shape " + io::mapped_safetensors::shape_text(c.shape) + ", expected [Q, " + std::to_string(width) + "]");
      return c;
    };
    sh.kinematics = rows("kinematics", column_type::f32, dim);
    const auto q = sh.kinematics.numel / dim;
    sh.keys = rows("keys", column_type::i32, k);
    if (static_cast<std::size_t>(sh.keys.shape[0]) != q)
      f.fail("column 'keys': shape " + io::mapped_safetensors::shape_text(sh.keys.shape) + ", expected [" + std::to_string(q) + ", " +
             std::to_string(k) + "] (the rows of 'kinematics')");
    if (k > 1) {
      sh.key_weights = rows("key_weights", column_type::f32, k);
      if (sh.key_weights.shape != sh.keys.shape)
        f.fail("column 'key_weights': shape " + io::mapped_safetensors::shape_text(sh.key_weights.shape) + ", expected that of 'keys'");
    } else if (f.contains("key_weights")) {
      f.fail("column 'key_weights' with one key a point (soft_keys 0)");
    }
    sh.feature_offsets = f.column("feature_offsets", column_type::i64, 1);
    check_offsets(f, sh.feature_offsets, n, q, "column 'kinematics'");
    // Each swipe has as many rows as make_model_input keeps of its points.
    for (std::size_t j = 0; j < n; ++j) {
      const auto p = offset(sh.point_offsets, j + 1) - offset(sh.point_offsets, j);
      const auto rows_j = offset(sh.feature_offsets, j + 1) - offset(sh.feature_offsets, j);
      const auto want = settings->max_points >= 2 && p > settings->max_points ? settings->max_points : p;
      if (rows_j != want)
        f.fail("column 'feature_offsets': swipe " + std::to_string(j) + " has " + std::to_string(rows_j) + " rows for its " + std::to_string(p) +
               " points, expected " + std::to_string(want) + " (max_points " + std::to_string(settings->max_points) + ")");
    }
    return sh;
  }

  std::string dir_;
  std::vector<shard> shards_;
  std::vector<std::size_t> starts_;  // each shard's first swipe
  std::size_t size_ = 0;
  std::optional<shard_feature_settings> settings_;
  std::size_t vocab_size_ = 0;
};

}  // namespace glide::swipe
