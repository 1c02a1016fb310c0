#pragma once
// A user's dictionary: words added (and removed) while a recognizer runs, each with a weight, spelled
// in the model's alphabet (glide/text/fold.hpp) and shown as written. A dictionary is a value: a
// recognizer publishes a changed copy and decoders keep the one they started a swipe with, so a swipe
// sees all of an add_words call or none of it.
//
// Files (`--user-words FILE`): one `word [weight]` a line, the weight a count in the vocabulary's
// units (a word already in the vocabulary gets its count raised by it); blank lines and lines
// starting with '#' are skipped; a bad line is an error naming FILE:LINE.

#include <cmath>
#include <cstddef>
#include <fstream>
#include <istream>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <glide/core/charconv.hpp>
#include <glide/core/error.hpp>
#include <glide/text/char_tokenizer.hpp>
#include <glide/text/fold.hpp>
#include <glide/vocab/user_trie.hpp>

namespace glide {

/// One word to add: as written (shown so), with a count in the vocabulary's units (nullopt: the
/// recognizer's default).
struct user_word {
  std::string word;
  std::optional<double> weight;
};

/// What an add or remove did; `rejected` holds "word: reason" for each word it could not take.
struct user_words_report {
  std::size_t added = 0;    ///< words new to the dictionary
  std::size_t updated = 0;  ///< words already there, weight (and display form) replaced
  std::size_t removed = 0;
  std::vector<std::string> rejected;
};

namespace detail {
/// `text` cut to 80 characters for a message.
[[nodiscard]] inline std::string clipped(std::string_view text) {
  return text.size() <= 80 ? std::string(text) : std::string(text.substr(0, 77)) + "...";
}
}  // namespace detail

/// Reads user words; `source` names the input in errors ("FILE:LINE: ...").
[[nodiscard]] inline std::vector<user_word> read_user_words(std::istream& in, const std::string& source) {
  std::vector<user_word> out;
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    const auto where = source + ":" + std::to_string(n) + ": ";
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    const auto word_end = line.find_first_of(" \t", first);
    user_word w{line.substr(first, word_end - first), std::nullopt};
    if (word_end != std::string::npos) {
      const auto c0 = line.find_first_not_of(" \t", word_end);
      if (c0 != std::string::npos) {
        const auto c1 = line.find_last_not_of(" \t");
        const std::string_view text = std::string_view(line).substr(c0, c1 - c0 + 1);
        double v = 0;
        if (text.find_first_of(" \t") != std::string_view::npos)
          throw parse_error(where + "expected 'word [weight]', got '" + detail::clipped(line) + "'");
        if (!detail::parse_number(text, v)) throw parse_error(where + "weight '" + detail::clipped(text) + "' is not a number");
        if (!(v > 0.0) || !(v <= 1e15))
          throw parse_error(where + "weight '" + detail::clipped(text) + "' is not a positive number up to 1e15");
        w.weight = v;
      }
    }
    out.push_back(std::move(w));
  }
  if (in.bad()) throw io_error("error reading user words '" + source + "'");
  return out;
}

[[nodiscard]] inline std::vector<user_word> read_user_words(const std::string& path) {
  std::ifstream in{path};
  if (!in) throw io_error("cannot open user words '" + path + "'");
  return read_user_words(in, path);
}

class user_dictionary {
 public:
  /// The largest weight a word may have (vocabulary counts are below 1e9; the bound keeps totals finite).
  static constexpr double max_weight = 1e15;

  /// Adds or updates `words` (spelled by `tokenizer`, at most `max_tokens` tokens, 0: any); a word
  /// that cannot be spelled, is too long or has a bad weight is rejected and named in the report.
  /// With `all_or_nothing`, any rejected word leaves the dictionary as it was.
  user_words_report add(std::span<const user_word> words, const char_tokenizer& tokenizer, double default_weight,
                        std::size_t max_tokens = 0, bool all_or_nothing = false) {
    user_words_report r;
    struct checked {
      const user_word* word;
      std::string folded;
      std::vector<token_id> tokens;
      double weight;
    };
    std::vector<checked> ok;
    for (const auto& w : words) {
      const auto folded = fold_for(tokenizer, w.word);
      if (!folded) {
        r.rejected.push_back(detail::clipped(w.word) + ": has a character the model's alphabet \"" + tokenizer.alphabet() +
                             "\" cannot spell");
        continue;
      }
      auto tokens = tokenizer.encode(*folded);
      if (max_tokens != 0 && tokens.size() > max_tokens) {
        r.rejected.push_back(detail::clipped(w.word) + ": longer than the model's " + std::to_string(max_tokens) + " letters");
        continue;
      }
      const double weight = w.weight.value_or(default_weight);
      if (!(weight > 0.0) || !(weight <= max_weight)) {
        r.rejected.push_back(detail::clipped(w.word) + ": weight " + std::to_string(weight) + " is not a positive number up to 1e15");
        continue;
      }
      ok.push_back({&w, *folded, std::move(tokens), weight});
    }
    if (all_or_nothing && !r.rejected.empty()) return r;
    for (auto& c : ok) {
      const bool existed = lexicon_contains(trie_, c.tokens);
      trie_.set(c.tokens, c.weight);
      (existed ? r.updated : r.added)++;
      if (c.folded != c.word->word) display_[c.folded] = c.word->word;
      else display_.erase(c.folded);
      if (!existed) words_.push_back({std::move(c.folded), std::move(c.tokens)});
    }
    return r;
  }

  /// Removes `words` (as written or folded); one not in the dictionary is named in the report.
  user_words_report remove(std::span<const std::string> words, const char_tokenizer& tokenizer) {
    user_words_report r;
    for (const auto& w : words) {
      const auto folded = fold_for(tokenizer, w);
      if (!folded || !trie_.erase(tokenizer.encode(*folded))) {
        r.rejected.push_back(detail::clipped(w) + ": not in the user dictionary");
        continue;
      }
      display_.erase(*folded);
      ++r.removed;
    }
    if (r.removed > 0) {
      trie_.prune();
      words_.clear();
      trie_.for_each_word([&](std::span<const token_id> t, double) { words_.push_back({tokenizer.decode(t), {t.begin(), t.end()}}); });
    }
    return r;
  }

  [[nodiscard]] const user_trie& trie() const noexcept { return trie_; }
  /// A word's spelling and its tokens.
  struct spelled_word {
    std::string spelling;
    std::vector<token_id> tokens;
  };
  /// The words, in the order they were first added (after a removal: token order).
  [[nodiscard]] const std::vector<spelled_word>& words() const noexcept { return words_; }
  [[nodiscard]] bool empty() const noexcept { return trie_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return trie_.word_count(); }
  /// How `folded` (a spelling) is shown, when the user wrote it otherwise.
  [[nodiscard]] const std::string* display(const std::string& folded) const {
    const auto it = display_.find(folded);
    return it == display_.end() ? nullptr : &it->second;
  }
  /// Heap bytes held (trie and display forms).
  [[nodiscard]] std::size_t bytes() const noexcept {
    std::size_t b = trie_.bytes() + words_.capacity() * sizeof(spelled_word);
    for (const auto& w : words_) b += w.spelling.capacity() + w.tokens.capacity() * sizeof(token_id);
    for (const auto& [k, v] : display_) b += sizeof(k) + sizeof(v) + 48 + k.capacity() + v.capacity();
    return b;
  }

 private:
  user_trie trie_;
  std::map<std::string, std::string> display_;
  std::vector<spelled_word> words_;
};

}  // namespace glide
