#pragma once
// Strict UTF-8 decoding and encoding (no overlong forms, no surrogates, nothing above U+10FFFF).

#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include <glide/core/error.hpp>

namespace glide::utf8 {

/// "U+0451": how errors name a code point.
inline std::string code_point_name(char32_t c) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(c));
  return buf;
}

/// Decodes `text`; throws glide::parse_error naming the byte offset of the first invalid sequence.
inline std::vector<char32_t> decode(std::string_view text) {
  std::vector<char32_t> out;
  out.reserve(text.size());
  std::size_t i = 0;
  auto fail = [&](const char* why) {
    throw parse_error("invalid UTF-8 at byte " + std::to_string(i) + " of \"" + std::string(text) + "\": " + why);
  };
  while (i < text.size()) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    std::size_t len = 0;
    char32_t c = 0;
    if (b0 < 0x80) {
      len = 1;
      c = b0;
    } else if ((b0 & 0xE0) == 0xC0) {
      len = 2;
      c = b0 & 0x1F;
    } else if ((b0 & 0xF0) == 0xE0) {
      len = 3;
      c = b0 & 0x0F;
    } else if ((b0 & 0xF8) == 0xF0) {
      len = 4;
      c = b0 & 0x07;
    } else {
      fail("bad lead byte");
    }
    if (i + len > text.size()) fail("truncated sequence");
    for (std::size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(text[i + k]);
      if ((b & 0xC0) != 0x80) fail("bad continuation byte");
      c = (c << 6) | (b & 0x3F);
    }
    static constexpr char32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < min_for_len[len]) fail("overlong encoding");
    if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) fail("not a Unicode scalar value");
    out.push_back(c);
    i += len;
  }
  return out;
}

/// Appends the UTF-8 form of `c` to `out`.
inline void append(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

inline std::string encode(char32_t c) {
  std::string s;
  append(s, c);
  return s;
}

}  // namespace glide::utf8
