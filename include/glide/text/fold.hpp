#pragma once
// Display forms and the spelling a model swipes: a word is stored and shown as written (Boston,
// iPhone, café, naïve, don't) and decoded in its folded form, the letters a keyboard has keys for. A
// character is folded only when the model's alphabet lacks it, so a layout with é keeps é:
//   upper case -> lower case (Latin, Latin-1, Latin Extended-A, Romanian's ș ț, Greek, Cyrillic);
//   a letter with a diacritic -> its base letter (é -> e, ł -> l, ș -> s, ά -> α, ё -> е, ѝ -> и),
//   ligatures -> letters (æ -> ae, œ -> oe, ß -> ss);
//   apostrophes and hyphens -> nothing (keyboards swipe "don't" as d-o-n-t).
// The table is one per alphabet, not per language: a language pack whose alphabet has ä keeps it.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <glide/core/error.hpp>
#include <glide/text/char_tokenizer.hpp>
#include <glide/text/utf8.hpp>

namespace glide {

namespace detail {

/// The lower-case of `c` where it has one in the scripts above; else `c`.
[[nodiscard]] constexpr char32_t to_lower(char32_t c) noexcept {
  if (c >= U'A' && c <= U'Z') return c + 32;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
  if (c >= 0x100 && c <= 0x137 && c != 0x130) return c | 1U;             // pairs: even upper, odd lower
  if (c >= 0x139 && c <= 0x148) return (c % 2 == 1) ? c + 1 : c;        // odd upper, even lower
  if (c >= 0x14A && c <= 0x177) return c | 1U;
  if (c == 0x178) return 0xFF;
  if (c == 0x218 || c == 0x21A) return c + 1;                          // Ș Ț
  if (c == 0x386) return 0x3AC;                                         // Greek capitals with tonos
  if (c >= 0x388 && c <= 0x38A) return c + 37;
  if (c == 0x38C) return 0x3CC;
  if (c == 0x38E || c == 0x38F) return c + 63;
  if (c >= 0x179 && c <= 0x17E) return (c % 2 == 1) ? c + 1 : c;
  if (c >= 0x391 && c <= 0x3AB && c != 0x3A2) return c + 32;            // Greek
  if (c >= 0x410 && c <= 0x42F) return c + 32;                          // Cyrillic А-Я
  if (c >= 0x400 && c <= 0x40F) return c + 80;                          // Ѐ-Џ (Ё -> ё)
  return c;
}

/// The base letters of a lower-case Latin-1 / Latin Extended-A letter (empty when it has none).
[[nodiscard]] inline std::string_view latin_base(char32_t c) noexcept {
  // U+00E0..U+00FF, lower case; '.' marks a character with no base letter.
  static constexpr std::string_view latin1 = "aaaaaa.ceeeeiiiidnooooo.ouuuuy.y";
  // U+0100..U+017F (both cases share a letter); '*' marks the two-letter ones.
  static constexpr std::string_view extended_a =
      "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii**jjkkkllllllllllnnnnnnnnnoooooo**rrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";
  if (c == 0xE6) return "ae";
  if (c == 0xDF) return "ss";
  if (c == 0xFE) return "th";
  if (c >= 0xE0 && c <= 0xFF) {
    const auto i = static_cast<std::size_t>(c - 0xE0);
    return latin1[i] == '.' ? std::string_view{} : latin1.substr(i, 1);
  }
  if (c >= 0x100 && c <= 0x17F) {
    if (c == 0x132 || c == 0x133) return "ij";
    if (c == 0x152 || c == 0x153) return "oe";
    return extended_a.substr(static_cast<std::size_t>(c - 0x100), 1);
  }
  if (c == 0x219) return "s";  // ș (Romanian's comma below; ş with a cedilla is in Extended-A)
  if (c == 0x21B) return "t";  // ț
  return {};
}

/// The base letter of a lower-case Greek letter with tonos or dialytika (ά -> α, ϊ -> ι, ΰ -> υ), of
/// Cyrillic ѐ and ѝ (-> е, и), or 0 when it has none. (ё -> е is separate: Russian keeps ё where its
/// alphabet has it.)
[[nodiscard]] constexpr char32_t accent_base(char32_t c) noexcept {
  switch (c) {
    case 0x3AC: return 0x3B1;  // ά
    case 0x3AD: return 0x3B5;  // έ
    case 0x3AE: return 0x3B7;  // ή
    case 0x3AF: case 0x3CA: case 0x390: return 0x3B9;  // ί ϊ ΐ
    case 0x3CC: return 0x3BF;  // ό
    case 0x3CD: case 0x3CB: case 0x3B0: return 0x3C5;  // ύ ϋ ΰ
    case 0x3CE: return 0x3C9;  // ώ
    case 0x450: return 0x435;  // ѐ
    case 0x45D: return 0x438;  // ѝ
    default: return 0;
  }
}

}  // namespace detail

/// The spelling of `word` in `tokenizer`'s alphabet (see the header comment), or nullopt when a
/// character has no folded form in it (or `word` is not valid UTF-8).
[[nodiscard]] inline std::optional<std::string> fold_for(const char_tokenizer& tokenizer, std::string_view word) {
  std::u32string chars;
  try {
    for (char32_t c : utf8::decode(word)) chars.push_back(c);
  } catch (const error&) {
    return std::nullopt;
  }
  std::string out;
  auto put = [&](char32_t c) {
    if (!tokenizer.find(c)) return false;
    utf8::append(out, c);
    return true;
  };
  for (char32_t c : chars) {
    if (put(c)) continue;
    if (c == U'\'' || c == U'\u2019' || c == U'-' || c == U'\u02BC') continue;
    const char32_t lower = detail::to_lower(c);
    if (lower != c && put(lower)) continue;
    if (lower == 0x451 && put(0x435)) continue;  // ё -> е where the alphabet has no ё
    if (lower == 0x3C2 && put(0x3C3)) continue;  // final sigma
    if (const char32_t a = detail::accent_base(lower); a != 0) {
      if (put(a)) continue;
      return std::nullopt;
    }
    const auto base = detail::latin_base(lower);
    if (base.empty()) return std::nullopt;
    for (char b : base)
      if (!put(static_cast<char32_t>(b))) return std::nullopt;
  }
  if (out.empty()) return std::nullopt;
  return out;
}

/// `word` as a swipe spells it whatever the alphabet: lower case, Latin and Greek letters without diacritics,
/// no apostrophes or hyphens; other characters kept. Metrics compare words so ("Boston" is a hit
/// for the target "boston", "café" for "cafe"). Invalid UTF-8 is returned unchanged.
[[nodiscard]] inline std::string fold_plain(std::string_view word) {
  std::string out;
  try {
    for (char32_t c : utf8::decode(word)) {
      if (c == U'\'' || c == U'\u2019' || c == U'-' || c == U'\u02BC') continue;
      const char32_t lower = detail::to_lower(c);
      const auto base = (lower >= 0xDF && lower <= 0x17F) || lower == 0x219 || lower == 0x21B ? detail::latin_base(lower) : std::string_view{};
      const char32_t accent = lower >= 0x390 && lower <= 0x3CE ? detail::accent_base(lower) : 0;  // Greek
      if (!base.empty()) out += base;
      else utf8::append(out, accent != 0 ? accent : lower);
    }
  } catch (const error&) {
    return std::string(word);
  }
  return out;
}

}  // namespace glide
