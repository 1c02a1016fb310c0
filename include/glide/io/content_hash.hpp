#pragma once
// Content hashes of files, for keys that must change when a file's bytes change and only then (the
// prediction table keys runs by the weights', grids' and vocabulary's contents, not their paths).
// FNV-1a, 64 bits: not cryptographic; it tells files apart, it does not defend against forgery.

#include <array>
#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>

#include <glide/core/error.hpp>

namespace glide::io {

/// FNV-1a 64 of `bytes`, continuing from `h`.
[[nodiscard]] constexpr std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t h = 0xcbf29ce484222325ULL) noexcept {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

/// The 16 lower-case hex digits of `h`.
[[nodiscard]] inline std::string hex64(std::uint64_t h) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (int shift = 60; shift >= 0; shift -= 4) out += digits[(h >> shift) & 0xFU];
  return out;
}

/// "fnv1a64:" and 16 hex digits of the file's bytes; io_error naming the file when it cannot be read.
[[nodiscard]] inline std::string file_content_hash(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in) throw io_error("cannot read '" + path + "' to hash it");
  std::uint64_t h = fnv1a64({});
  std::array<char, 1 << 16> buf{};
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    h = fnv1a64(std::string_view{buf.data(), static_cast<std::size_t>(in.gcount())}, h);
  }
  if (in.bad()) throw io_error("error reading '" + path + "' to hash it");
  return "fnv1a64:" + hex64(h);
}

}  // namespace glide::io
