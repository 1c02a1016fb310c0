#pragma once
// Predictions files: one JSON object a line, a swipe's ranked words with their scores and origins, the
// target word when known and whether the decoding vocabulary held it:
//   {"predictions": [{"word": "hello", "score": -1.25, "origin": "vocabulary"}, ...], "word": "hello", "in_vocab": true}
// "origin" is "vocabulary", "user" (the user's dictionary) or "literal" (spelled by the model); a
// prediction without it (files of earlier versions, other tools) reads as "vocabulary".
// Scores are finite (a non-finite score is refused on writing and on reading, so NaN never reaches a
// file); every error names the file and line.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <fstream>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <glide/core/error.hpp>
#include <glide/core/types.hpp>

namespace glide::io {

struct prediction_line {
  std::string word;  ///< the target word; empty when unknown
  prediction predictions;
  std::optional<bool> in_vocab;  ///< whether the target was in the decoding vocabulary, when recorded

  friend bool operator==(const prediction_line&, const prediction_line&) = default;
};

[[nodiscard]] inline nlohmann::json to_json(const prediction_line& p) {
  auto a = nlohmann::json::array();
  for (const auto& s : p.predictions) {
    if (!std::isfinite(s.score))
      throw shape_error("predictions: the score of '" + s.word + "' is not finite (" + std::to_string(s.score) + ")");
    a.push_back({{"word", s.word}, {"score", s.score}, {"origin", origin_name(s.origin)}});
  }
  nlohmann::json j{{"predictions", std::move(a)}};
  if (!p.word.empty()) j["word"] = p.word;
  if (p.in_vocab) j["in_vocab"] = *p.in_vocab;
  return j;
}

/// One line of a predictions file; `where` (e.g. "file:12: ") prefixes every error.
[[nodiscard]] inline prediction_line parse_prediction_line(const std::string& line, const std::string& where) {
  try {
    const auto j = nlohmann::json::parse(line);
    if (!j.is_object()) throw parse_error(where + "not a JSON object");
    prediction_line p;
    if (j.contains("word")) p.word = j.at("word").get<std::string>();
    if (j.contains("in_vocab")) p.in_vocab = j.at("in_vocab").get<bool>();
    if (!j.contains("predictions") || !j["predictions"].is_array()) throw parse_error(where + "no 'predictions' array");
    for (const auto& s : j["predictions"]) {
      const auto& score = s.at("score");
      if (!score.is_number()) throw parse_error(where + "a score is not a number");
      const double v = score.get<double>();
      if (!std::isfinite(v) || std::abs(v) > 3e38) throw parse_error(where + "score " + score.dump() + " is out of range");
      auto origin = word_origin::vocabulary;
      if (s.contains("origin")) {
        const auto& o = s.at("origin");
        if (o == "vocabulary") origin = word_origin::vocabulary;
        else if (o == "user") origin = word_origin::user;
        else if (o == "literal") origin = word_origin::literal;
        else throw parse_error(where + "origin " + o.dump().substr(0, 40) + " is not \"vocabulary\", \"user\" or \"literal\"");
      }
      p.predictions.push_back({s.at("word").get<std::string>(), static_cast<score_t>(v), origin});
    }
    return p;
  } catch (const nlohmann::json::exception& e) {
    throw parse_error(where + "bad predictions line (" + e.what() + ")");
  }
}

/// Every non-blank line of `in`; `source` names it in errors.
[[nodiscard]] inline std::vector<prediction_line> read_predictions(std::istream& in, const std::string& source) {
  std::vector<prediction_line> out;
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    out.push_back(parse_prediction_line(line, source + ":" + std::to_string(n) + ": "));
  }
  return out;
}

[[nodiscard]] inline std::vector<prediction_line> read_predictions(const std::string& path) {
  std::ifstream in{path};
  if (!in) throw io_error("cannot open predictions '" + path + "'");
  return read_predictions(in, path);
}

inline void write_prediction_line(std::ostream& out, const prediction_line& p) { out << to_json(p).dump() << '\n'; }

/// Checks that two files describe the same swipes, line by line: as many lines, and the same target
/// word on each (a line without a target matches any). Files paired by position alone would otherwise
/// fit or merge the lists of different swipes without a word. Throws shape_error naming both files
/// and the first line that differs.
inline void check_same_swipes(const std::vector<std::string>& a_targets, const std::string& a,
                              const std::vector<std::string>& b_targets, const std::string& b) {
  for (std::size_t i = 0; i < std::min(a_targets.size(), b_targets.size()); ++i)
    if (!a_targets[i].empty() && !b_targets[i].empty() && a_targets[i] != b_targets[i])
      throw shape_error("'" + a + "' and '" + b + "' describe different swipes: line " + std::to_string(i + 1) + " is '" +
                        excerpt(a_targets[i]) + "' in one, '" + excerpt(b_targets[i]) + "' in the other");
  if (a_targets.size() != b_targets.size())
    throw shape_error("'" + a + "' has " + std::to_string(a_targets.size()) + " swipes, '" + b + "' " +
                      std::to_string(b_targets.size()) + ": they must describe the same swipes");
}

/// The target words of `lines`, in order.
[[nodiscard]] inline std::vector<std::string> targets_of(const std::vector<prediction_line>& lines) {
  std::vector<std::string> t;
  t.reserve(lines.size());
  for (const auto& l : lines) t.push_back(l.word);
  return t;
}

}  // namespace glide::io
