#pragma once
// Swipe datasets as JSON lines, one swipe per line (the Yandex Cup 2023 format):
//   {"word": "hello", "curve": {"x": [...], "y": [...], "t": [...], "grid_name": "default"}}
// where the curve may carry a whole "grid" object instead of "grid_name", and test sets may have no
// "word". A line may also carry what another recognizer (a teacher) read for the swipe, for training a
// model on the teacher's probabilities (distillation; `glide teach` writes them):
//   "teacher": [["hello", 0.81], ["hells", 0.12]]
// each a word and its probability (in [0, 1], summing to at most 1, each word once). Reading streams
// line by line; a bad line throws parse_error naming the source and line.

#include <cmath>
#include <cstddef>
#include <fstream>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <glide/core/error.hpp>
#include <glide/swipe/grid.hpp>

namespace glide::swipe {

struct swipe_curve {
  std::vector<float> x, y, t;  ///< pixels of the grid; milliseconds
  std::string grid_name;       ///< the grid, by name, or
  std::optional<keyboard_grid> grid;  ///< the grid itself, when the line carries it

  [[nodiscard]] std::size_t size() const noexcept { return x.size(); }
};

/// A word a teacher recognizer read for a swipe, and the probability it gave it.
struct teacher_word {
  std::string word;
  float p = 0;

  friend bool operator==(const teacher_word&, const teacher_word&) = default;
};

struct swipe_example {
  std::string word;  ///< empty when the line has none (test sets)
  swipe_curve curve;
  std::vector<teacher_word> teacher;  ///< the line's "teacher" list (empty without one)
};

/// Checks a curve's shape: non-empty, equal lengths, finite numbers. `where` prefixes the message.
inline void validate_curve(const swipe_curve& c, const std::string& where) {
  if (c.x.empty()) throw shape_error(where + "empty swipe (no points)");
  if (c.y.size() != c.x.size() || c.t.size() != c.x.size())
    throw shape_error(where + "x, y and t have different lengths (" + std::to_string(c.x.size()) + ", " +
                      std::to_string(c.y.size()) + ", " + std::to_string(c.t.size()) + ")");
  // Finite but absurd values (3e38 px) overflow the features into NaN scores (max_pixels: grid.hpp).
  constexpr float max_ms = 1e9F;
  for (std::size_t i = 0; i < c.x.size(); ++i) {
    if (!std::isfinite(c.x[i]) || !std::isfinite(c.y[i]) || !std::isfinite(c.t[i]))
      throw shape_error(where + "point " + std::to_string(i) + " is not finite");
    if (std::abs(c.x[i]) > max_pixels || std::abs(c.y[i]) > max_pixels || std::abs(c.t[i]) > max_ms)
      throw shape_error(where + "point " + std::to_string(i) + " is out of range (|x|, |y| <= 1e6 pixels, |t| <= 1e9 ms)");
  }
  if (c.grid_name.empty() && !c.grid) throw parse_error(where + "curve has neither 'grid_name' nor 'grid'");
}

/// A line's "teacher" list: [[word, probability], ...], each word once, probabilities in [0, 1] summing
/// to at most 1 (to within 1e-3: they are written rounded).
inline std::vector<teacher_word> parse_teacher(const nlohmann::json& j, const std::string& where) {
  if (!j.is_array()) throw parse_error(where + "'teacher' is not a list of [word, probability] pairs");
  std::vector<teacher_word> out;
  std::unordered_set<std::string> seen;
  double total = 0;
  for (std::size_t i = 0; i < j.size(); ++i) {
    const auto& e = j[i];
    const std::string at = where + "'teacher' entry " + std::to_string(i) + ": ";
    if (!e.is_array() || e.size() != 2 || !e[0].is_string() || !e[1].is_number())
      throw parse_error(at + "not a [word, probability] pair");
    teacher_word t{e[0].get<std::string>(), e[1].get<float>()};
    if (t.word.empty()) throw parse_error(at + "empty word");
    if (!std::isfinite(t.p) || t.p < 0 || t.p > 1) throw parse_error(at + "probability " + e[1].dump() + " is not in [0, 1]");
    if (!seen.insert(t.word).second) throw parse_error(at + "'" + excerpt(t.word) + "' is listed twice");
    total += t.p;
    out.push_back(std::move(t));
  }
  if (total > 1.001) throw parse_error(where + "'teacher' probabilities sum to " + std::to_string(total) + ", more than 1");
  return out;
}

inline swipe_example parse_example(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) throw parse_error(where + "not a JSON object");
  swipe_example ex;
  if (j.contains("word")) {
    if (!j["word"].is_string()) throw parse_error(where + "'word' is not a string");
    ex.word = j["word"].get<std::string>();
  }
  if (!j.contains("curve") || !j["curve"].is_object()) throw parse_error(where + "missing 'curve' object");
  const auto& c = j["curve"];
  auto numbers = [&](const char* field) {
    if (!c.contains(field) || !c[field].is_array()) throw parse_error(where + "curve has no '" + field + "' array");
    std::vector<float> out;
    out.reserve(c[field].size());
    for (const auto& v : c[field]) {
      if (!v.is_number()) throw parse_error(where + "curve '" + field + "' holds a non-number");
      out.push_back(v.get<float>());
    }
    return out;
  };
  ex.curve.x = numbers("x");
  ex.curve.y = numbers("y");
  ex.curve.t = numbers("t");
  if (c.contains("grid_name")) {
    if (!c["grid_name"].is_string()) throw parse_error(where + "'grid_name' is not a string");
    ex.curve.grid_name = c["grid_name"].get<std::string>();
  }
  if (c.contains("grid")) {
    try {
      ex.curve.grid = keyboard_grid::from_json(c["grid"], ex.curve.grid_name.empty() ? "inline" : ex.curve.grid_name);
    } catch (const error& e) {
      throw parse_error(where + e.what());
    }
  }
  validate_curve(ex.curve, where);
  if (j.contains("teacher")) ex.teacher = parse_teacher(j["teacher"], where);
  return ex;
}

inline nlohmann::json to_json(const swipe_example& ex) {
  nlohmann::json curve{{"x", ex.curve.x}, {"y", ex.curve.y}, {"t", ex.curve.t}};
  if (!ex.curve.grid_name.empty()) curve["grid_name"] = ex.curve.grid_name;
  if (ex.curve.grid) curve["grid"] = ex.curve.grid->to_json();
  nlohmann::json j;
  if (!ex.word.empty()) j["word"] = ex.word;
  j["curve"] = std::move(curve);
  if (!ex.teacher.empty()) {
    auto t = nlohmann::json::array();
    for (const auto& w : ex.teacher) t.push_back(nlohmann::json::array({w.word, w.p}));
    j["teacher"] = std::move(t);
  }
  return j;
}

/// Streams examples from JSON lines. Blank lines are skipped.
class jsonl_reader {
 public:
  jsonl_reader(std::istream& in, std::string source) : in_{&in}, source_{std::move(source)} {}

  /// The next example, or nullopt at the end.
  std::optional<swipe_example> next() {
    std::string line;
    while (std::getline(*in_, line)) {
      ++line_;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      const std::string where = source_ + ":" + std::to_string(line_) + ": ";
      try {
        json_ = nlohmann::json::parse(line);
      } catch (const nlohmann::json::exception& e) {  // parse_error, and out_of_range for numbers like 1e400
        throw parse_error(where + "malformed JSON (" + e.what() + ")");
      }
      try {
        return parse_example(json_, where);
      } catch (const shape_error& e) {
        throw parse_error(e.what());
      }
    }
    return std::nullopt;
  }

  [[nodiscard]] std::size_t line() const noexcept { return line_; }
  /// The JSON object of the last example next() returned (to write its line back with changes).
  [[nodiscard]] nlohmann::json& last_json() noexcept { return json_; }

 private:
  std::istream* in_;
  std::string source_;
  std::size_t line_ = 0;
  nlohmann::json json_;
};

inline std::vector<swipe_example> read_jsonl(const std::string& path) {
  std::ifstream in{path};
  if (!in) throw io_error("cannot open dataset '" + path + "'");
  jsonl_reader reader{in, path};
  std::vector<swipe_example> out;
  while (auto ex = reader.next()) out.push_back(std::move(*ex));
  return out;
}

/// Reads a dataset whose curves name grids of `grids` (or carry their own): a name in none of them
/// throws unknown_name_error naming the file, the line and the grid files, before anything is decoded.
/// `lines`, when given, receives each example's line number (for later errors).
inline std::vector<swipe_example> read_jsonl(const std::string& path, const grid_set& grids, std::vector<std::size_t>* lines = nullptr) {
  std::ifstream in{path};
  if (!in) throw io_error("cannot open dataset '" + path + "'");
  jsonl_reader reader{in, path};
  std::vector<swipe_example> out;
  while (auto ex = reader.next()) {
    if (!ex->curve.grid && !grids.contains(ex->curve.grid_name))
      throw unknown_name_error(path + ":" + std::to_string(reader.line()) + ": grid '" + ex->curve.grid_name +
                               "' is in none of the grid files (" + (grids.sources().empty() ? "grids built in memory" : grids.sources()) + ")");
    out.push_back(std::move(*ex));
    if (lines) lines->push_back(reader.line());
  }
  return out;
}

inline void write_jsonl(std::ostream& out, const swipe_example& ex) { out << to_json(ex).dump() << '\n'; }

}  // namespace glide::swipe
