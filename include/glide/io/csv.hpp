#pragma once
// RFC 4180 CSV: fields with commas, quotes or line breaks are quoted, quotes doubled.

#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <glide/core/error.hpp>

namespace glide::io {

inline std::string csv_field(const std::string& f) {
  if (f.find_first_of(",\"\n\r") == std::string::npos) return f;
  std::string out = "\"";
  for (char c : f) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

inline void write_csv_row(std::ostream& out, const std::vector<std::string>& fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) out << (i ? "," : "") << csv_field(fields[i]);
  out << '\n';
}

/// The next record, or nullopt at the end. `line` counts physical lines, for errors.
inline std::optional<std::vector<std::string>> read_csv_row(std::istream& in, std::size_t& line, const std::string& source) {
  std::string text;
  if (!std::getline(in, text)) return std::nullopt;
  ++line;
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0;; ++i) {
    if (i == text.size()) {
      if (!quoted) break;
      std::string more;
      if (!std::getline(in, more)) throw parse_error(source + ":" + std::to_string(line) + ": unterminated quoted field");
      ++line;
      fields.back() += '\n';
      text = more;
      i = static_cast<std::size_t>(-1);
      continue;
    }
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          fields.back() += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  return fields;
}

}  // namespace glide::io
