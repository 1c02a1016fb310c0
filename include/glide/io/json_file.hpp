#pragma once
// Reading a whole JSON file, with errors that name the file and what it was meant to be.

#include <fstream>
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

}  // namespace glide::io
