#pragma once
// Reading word lists into vocabulary tries. A line is `word` or `word<whitespace>count`; blank lines
// and lines starting with '#' are ignored.

#include <charconv>
#include <cstddef>
#include <fstream>
#include <istream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <glide/core/error.hpp>
#include <glide/text/char_tokenizer.hpp>
#include <glide/vocab/trie.hpp>

namespace glide {

struct word_list_options {
  /// Skip words with characters outside the tokenizer's alphabet (they are counted in the result)
  /// instead of throwing.
  bool skip_unencodable = false;
};

struct word_list {
  std::vector<weighted_word> words;
  std::size_t skipped = 0;                  ///< lines skipped for characters outside the alphabet
  std::vector<std::string> skipped_examples;  ///< the first few of them
};

inline word_list read_word_list(std::istream& in, const char_tokenizer& tokenizer, word_list_options options = {},
                                std::string_view source = "word list") {
  word_list out;
  std::string line;
  std::size_t line_no = 0;
  auto where = [&] { return std::string(source) + ":" + std::to_string(line_no) + ": "; };
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    const auto word_end = line.find_first_of(" \t", first);
    const std::string word = line.substr(first, word_end - first);
    double count = 1.0;
    if (word_end != std::string::npos) {
      const auto c0 = line.find_first_not_of(" \t", word_end);
      if (c0 != std::string::npos) {
        const auto c1 = line.find_last_not_of(" \t");
        const std::string_view text = std::string_view(line).substr(c0, c1 - c0 + 1);
        auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), count);
        if (ec != std::errc{} || ptr != text.data() + text.size())
          throw parse_error(where() + "count '" + std::string(text) + "' is not a number");
        if (!(count > 0.0)) throw parse_error(where() + "count '" + std::string(text) + "' is not positive");
      }
    }
    try {
      out.words.push_back({tokenizer.encode(word), count});
    } catch (const error& e) {
      if (!options.skip_unencodable) throw parse_error(where() + e.what());
      ++out.skipped;
      if (out.skipped_examples.size() < 5) out.skipped_examples.push_back(word);
    }
  }
  if (out.words.empty()) throw parse_error(std::string(source) + ": no words");
  return out;
}

inline word_list read_word_list(const std::string& path, const char_tokenizer& tokenizer,
                                word_list_options options = {}) {
  std::ifstream in{path};
  if (!in) throw io_error("cannot open word list '" + path + "'");
  return read_word_list(in, tokenizer, options, path);
}

}  // namespace glide
