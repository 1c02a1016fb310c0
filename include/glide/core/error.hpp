#pragma once
// Errors thrown at Glide's boundaries (files, JSON, tensor shapes, unknown names). Precondition bugs
// inside the library assert instead.

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace glide {

/// Base of every error Glide throws. The message names the offending input.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A file could not be opened, read or written.
class io_error : public error {
 public:
  using error::error;
};

/// Text (JSON, CSV, a word list, UTF-8) that does not parse.
class parse_error : public error {
 public:
  using error::error;
};

/// A tensor, batch or span of the wrong shape or size.
class shape_error : public error {
 public:
  using error::error;
};

/// A name (grid, model, search, processor, character) that is not known.
class unknown_name_error : public error {
 public:
  using error::error;
};

/// An option or configuration value out of its domain.
class config_error : public error {
 public:
  using error::error;
};

/// A value that must be a number is not (a NaN or infinite logit, score or weight).
class numeric_error : public error {
 public:
  using error::error;
};

/// `text` as an error message quotes it: whole when short, else its first `limit` bytes (not cutting a
/// UTF-8 character) and how long it was, so a 1 MB line does not become a 1 MB message.
[[nodiscard]] inline std::string excerpt(std::string_view text, std::size_t limit = 80) {
  if (text.size() <= limit) return std::string(text);
  std::size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0U) == 0x80U) --cut;  // a continuation byte
  return std::string(text.substr(0, cut)) + "... (" + std::to_string(text.size()) + " bytes)";
}

}  // namespace glide
