#pragma once
// A character tokenizer: one token per Unicode code point of a fixed alphabet, after three special
// tokens. Code points are compared exactly, so Cyrillic ё (U+0451) and Latin ë (U+00EB) are different
// characters and neither is folded into е or e.

#include <algorithm>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <glide/core/error.hpp>
#include <glide/core/types.hpp>
#include <glide/text/utf8.hpp>

namespace glide {

class char_tokenizer {
 public:
  static constexpr token_id pad_id = 0;
  static constexpr token_id bos_id = 1;
  static constexpr token_id eos_id = 2;
  static constexpr token_id first_char_id = 3;

  char_tokenizer() = default;

  /// `alphabet`: the characters, in token order, as UTF-8. Duplicates are an error.
  explicit char_tokenizer(std::string_view alphabet) : chars_{utf8::decode(alphabet)} {
    sorted_.reserve(chars_.size());
    for (std::size_t i = 0; i < chars_.size(); ++i)
      sorted_.emplace_back(chars_[i], static_cast<token_id>(i) + first_char_id);
    std::sort(sorted_.begin(), sorted_.end());
    auto dup = std::adjacent_find(sorted_.begin(), sorted_.end(),
                                  [](const auto& a, const auto& b) { return a.first == b.first; });
    if (dup != sorted_.end())
      throw config_error("alphabet repeats the character '" + utf8::encode(dup->first) + "' (" +
                         utf8::code_point_name(dup->first) + ")");
  }

  /// Tokens in the model's vocabulary: specials plus characters.
  [[nodiscard]] std::size_t vocab_size() const noexcept { return chars_.size() + first_char_id; }
  [[nodiscard]] const std::vector<char32_t>& characters() const noexcept { return chars_; }

  /// The alphabet as UTF-8, as given to the constructor.
  [[nodiscard]] std::string alphabet() const {
    std::string s;
    for (char32_t c : chars_) utf8::append(s, c);
    return s;
  }

  [[nodiscard]] std::optional<token_id> find(char32_t c) const noexcept {
    auto it = std::lower_bound(sorted_.begin(), sorted_.end(), std::pair{c, token_id{-1}});
    if (it == sorted_.end() || it->first != c) return std::nullopt;
    return it->second;
  }

  /// The tokens of `word` (no start or end token). Throws unknown_name_error for a character outside
  /// the alphabet and parse_error for invalid UTF-8.
  [[nodiscard]] std::vector<token_id> encode(std::string_view word) const {
    std::vector<token_id> out;
    for (char32_t c : utf8::decode(word)) {
      auto t = find(c);
      if (!t)
        throw unknown_name_error("character '" + utf8::encode(c) + "' (" + utf8::code_point_name(c) + ") of \"" +
                                 excerpt(word) + "\" is not in the alphabet \"" + excerpt(alphabet(), 400) + "\"");
      out.push_back(*t);
    }
    return out;
  }

  /// True when every character of `word` is in the alphabet (and it is valid UTF-8).
  [[nodiscard]] bool can_encode(std::string_view word) const {
    try {
      for (char32_t c : utf8::decode(word))
        if (!find(c)) return false;
    } catch (const parse_error&) {
      return false;
    }
    return true;
  }

  /// The text of `tokens`, stopping at the end token and skipping pad and start tokens. A token
  /// outside the vocabulary throws shape_error.
  [[nodiscard]] std::string decode(std::span<const token_id> tokens) const {
    std::string out;
    for (token_id t : tokens) {
      if (t == eos_id) break;
      if (t == pad_id || t == bos_id) continue;
      if (t < first_char_id || static_cast<std::size_t>(t) >= vocab_size())
        throw shape_error("token " + std::to_string(t) + " is outside the tokenizer's vocabulary of " +
                          std::to_string(vocab_size()));
      utf8::append(out, chars_[static_cast<std::size_t>(t - first_char_id)]);
    }
    return out;
  }

 private:
  std::vector<char32_t> chars_;
  std::vector<std::pair<char32_t, token_id>> sorted_;
};

/// `to`'s id of each of `from`'s tokens (specials to specials, each character to the same character):
/// the map a token_map_decoder reads a `to` model through. config_error naming the first character of
/// `from` that `to` lacks.
[[nodiscard]] inline std::vector<token_id> token_map(const char_tokenizer& from, const char_tokenizer& to) {
  std::vector<token_id> map{char_tokenizer::pad_id, char_tokenizer::bos_id, char_tokenizer::eos_id};
  for (char32_t c : from.characters()) {
    const auto t = to.find(c);
    if (!t)
      throw config_error("the alphabet '" + to.alphabet() + "' lacks '" + utf8::encode(c) + "' (" + utf8::code_point_name(c) + ")");
    map.push_back(*t);
  }
  return map;
}

}  // namespace glide
