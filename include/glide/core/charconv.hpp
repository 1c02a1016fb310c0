#pragma once
// Locale-independent number parsing and shortest round-trip printing: std::from_chars/to_chars,
// with a fallback for standard libraries without their floating-point overloads (libc++ 14, used
// by emscripten 3.1 for the WebAssembly build).

#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace glide::detail {

#if defined(__cpp_lib_to_chars) || !defined(_LIBCPP_VERSION)
inline constexpr bool floating_charconv = true;
#else
inline constexpr bool floating_charconv = false;
#endif

/// Parses all of `text` as a T; false when it is not exactly one number.
template <class T>
[[nodiscard]] bool parse_number(std::string_view text, T& value) {
  if (text.empty()) return false;
  if constexpr (std::is_floating_point_v<T> && !floating_charconv) {
    // strtod reads "inf", hex and leading spaces too; from_chars does not: refuse those here as well.
    if (text.front() == ' ' || text.front() == '+' || text.find_first_of("xX") != std::string_view::npos) return false;
    const std::string s{text};
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size() || errno == ERANGE) return false;
    value = static_cast<T>(v);
    return true;
  } else {
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc{} && ptr == text.data() + text.size();
  }
}

/// The shortest text that reads back to the same number (0.3F -> "0.3", 0.1234567F -> "0.1234567").
template <class T>
[[nodiscard]] std::string shortest_text(T v) {
  std::array<char, 64> b{};
  if constexpr (std::is_floating_point_v<T> && !floating_charconv) {
    for (int precision = 1; precision <= 17; ++precision) {
      std::snprintf(b.data(), b.size(), "%.*g", precision, static_cast<double>(v));
      if (static_cast<T>(std::strtod(b.data(), nullptr)) == v) break;
    }
    return b.data();
  } else {
    return std::string(b.data(), std::to_chars(b.data(), b.data() + b.size(), v).ptr);
  }
}

}  // namespace glide::detail
