#pragma once
// Reading a whole JSON file, with errors that name the file and what it was meant to be.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include <glide/core/error.hpp>

namespace glide::io {

/// Parses `path`; `what` ("grid file", "model config", ...) names it in io_error and parse_error.
inline nlohmann::json read_json_file(const std::string& path, const std::string& what) {
  std::ifstream in{path};
  if (!in) throw io_error("cannot open " + what + " '" + path + "'");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {  // parse_error, and out_of_range for numbers like 1e400
    throw parse_error(what + " '" + path + "': " + e.what());
  }
}

/// `v` as a count or size: a whole number >= 0. JSON's -1 and 2.7 are refused (a plain get<std::size_t>
/// wraps -1 to 2^64 - 1 and cuts 2.7 to 2); `what` ("jobs.json: job 3: 'top'") names the field.
inline std::size_t json_count(const nlohmann::json& v, const std::string& what) {
  if (v.is_number_unsigned()) return v.get<std::size_t>();
  if (v.is_number_integer() && v.get<std::int64_t>() >= 0) return static_cast<std::size_t>(v.get<std::int64_t>());
  if (v.is_number_float()) {
    const double d = v.get<double>();
    // Whole values written as floats (1e3) are counts too.
    if (d >= 0 && d == std::floor(d) && d < 18446744073709551616.0) return static_cast<std::size_t>(d);
  }
  throw config_error(what + " must be a whole number >= 0, not " + excerpt(v.dump()));
}

}  // namespace glide::io
