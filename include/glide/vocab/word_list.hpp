#pragma once
// Reading word lists into vocabulary tries. A line is `word` or `word<whitespace>count`; blank lines
// and lines starting with '#' are ignored. With `fold`, a word is read as displayed (Boston, don't,
// café) and spelled in the tokenizer's alphabet (glide/text/fold.hpp); `shown` keeps what was written.

#include <charconv>
#include <cmath>
#include <cstddef>
#include <fstream>
#include <istream>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <glide/core/charconv.hpp>
#include <glide/core/error.hpp>
#include <glide/text/char_tokenizer.hpp>
#include <glide/text/fold.hpp>
#include <glide/vocab/trie.hpp>

namespace glide {

struct word_list_options {
  /// Skip words with characters outside the tokenizer's alphabet or invalid UTF-8 (they are counted
  /// in the result) instead of throwing.
  bool skip_unencodable = false;
  /// Skip (and count) words of more tokens than this, e.g. a model's max_word_length (0: no limit).
  std::size_t max_tokens = 0;
  /// Spell each word in the alphabet (lower case, no diacritics or apostrophes where the alphabet has
  /// none) and keep the written form in `shown`.
  bool fold = false;
  /// With `fold`: fold to this alphabet instead of the tokenizer's (the keys of a language pack's
  /// layout, a subset of a layout-conditioned model's alphabet); the result is encoded by the tokenizer.
  const char_tokenizer* spell_in = nullptr;
};

struct word_list {
  std::vector<weighted_word> words;
  std::vector<std::string> shown;  ///< with `fold`: each word as written (words[i]'s display form)
  std::size_t skipped = 0;                  ///< lines skipped for characters outside the alphabet
  std::vector<std::string> skipped_examples;  ///< the first few of them
  std::size_t too_long = 0;                 ///< lines skipped for more tokens than max_tokens
  std::vector<std::string> too_long_examples;

  /// What was dropped, in words (empty when nothing was): for a message on stderr.
  [[nodiscard]] std::string dropped_summary() const {
    std::string s;
    auto examples = [](const std::vector<std::string>& v) {
      std::string e;
      for (const auto& w : v) e += (e.empty() ? "" : ", ") + ("'" + excerpt(w) + "'");
      return e;
    };
    if (skipped > 0)
      s += std::to_string(skipped) + " line(s) with characters outside the alphabet or invalid UTF-8 (e.g. " +
           examples(skipped_examples) + ")";
    if (too_long > 0)
      s += (s.empty() ? "" : "; ") + std::to_string(too_long) + " word(s) longer than the model allows (e.g. " +
           examples(too_long_examples) + ")";
    return s;
  }
};

/// The written form of each spelling of a list read with `fold` that is written otherwise (Boston
/// for boston, café for cafe): among the forms of one spelling the one with the largest count, the
/// first listed on a tie. Spellings whose chosen form is the spelling itself are absent.
[[nodiscard]] inline std::unordered_map<std::string, std::string> display_forms(const word_list& list, const char_tokenizer& tokenizer) {
  // The entries grouped by spelling (a sort of their indices, not a map of every spelling: a
  // vocabulary is loaded in a few MB), then each group's form.
  const std::size_t n = std::min(list.words.size(), list.shown.size());
  std::vector<std::uint32_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = static_cast<std::uint32_t>(i);
  std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return list.words[a].tokens < list.words[b].tokens; });
  std::unordered_map<std::string, std::string> display;
  for (std::size_t lo = 0; lo < n;) {
    std::size_t hi = lo + 1;
    while (hi < n && list.words[order[hi]].tokens == list.words[order[lo]].tokens) ++hi;
    std::uint32_t best = order[lo];  // indices ascend within a group: the first listed wins a tie
    for (std::size_t j = lo + 1; j < hi; ++j)
      if (list.words[order[j]].count > list.words[best].count) best = order[j];
    const auto& shown = list.shown[best];
    if (auto spelled = tokenizer.decode(list.words[best].tokens); shown != spelled) display.emplace(std::move(spelled), shown);
    lo = hi;
  }
  return display;
}

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
        if (!detail::parse_number(text, count))
          throw parse_error(where() + "count '" + excerpt(text) + "' is not a number");
        if (!(count > 0.0) || !std::isfinite(count))
          throw parse_error(where() + "count '" + excerpt(text) + "' is not a finite positive number");
      }
    }
    std::vector<token_id> tokens;
    try {
      if (options.fold) {
        const auto spelled = fold_for(options.spell_in != nullptr ? *options.spell_in : tokenizer, word);
        tokens = tokenizer.encode(spelled ? std::string_view{*spelled} : std::string_view{word});
      } else {
        tokens = tokenizer.encode(word);
      }
    } catch (const error& e) {
      if (!options.skip_unencodable) throw parse_error(where() + e.what());
      ++out.skipped;
      if (out.skipped_examples.size() < 5) out.skipped_examples.push_back(word);
      continue;
    }
    if (options.max_tokens != 0 && tokens.size() > options.max_tokens) {
      ++out.too_long;
      if (out.too_long_examples.size() < 5) out.too_long_examples.push_back(word);
      continue;
    }
    out.words.push_back({std::move(tokens), count});
    if (options.fold) out.shown.push_back(word);
  }
  if (out.words.empty()) {
    const auto dropped = out.dropped_summary();
    throw parse_error(std::string(source) + ": no words" + (dropped.empty() ? std::string{} : " (dropped: " + dropped + ")"));
  }
  return out;
}

inline word_list read_word_list(const std::string& path, const char_tokenizer& tokenizer,
                                word_list_options options = {}) {
  std::ifstream in{path};
  if (!in) throw io_error("cannot open word list '" + path + "'");
  return read_word_list(in, tokenizer, options, path);
}

}  // namespace glide
