// libFuzzer: user word files into a user dictionary and the union with a vocabulary. Any text gives
// words that are added (or rejected by name), found in the union as words with finite priors <= 0,
// and removed again, or a glide::error naming the line.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include <glide/concepts/lexicon.hpp>
#include <glide/text/char_tokenizer.hpp>
#include <glide/text/fold.hpp>
#include <glide/vocab/lexicon_union.hpp>
#include <glide/vocab/trie.hpp>
#include <glide/vocab/user_dictionary.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const glide::char_tokenizer tokenizer{"abcdefghijklmnopqrstuvwxyz"};
  static const auto base = glide::vocabulary_trie::build({{{3, 4}, 10.0}, {{5}, 2.0}, {{3, 4, 6}, 1.0}});
  std::istringstream in{std::string(reinterpret_cast<const char*>(data), size)};
  try {
    const auto words = glide::read_user_words(in, "fuzz");
    glide::user_dictionary dict;
    const auto report = dict.add(words, tokenizer, 5.0, 30);
    if (report.added + report.updated + report.rejected.size() != words.size()) __builtin_trap();
    const glide::lexicon_union<glide::vocabulary_trie, glide::user_trie> both{base, dict.trie()};
    std::vector<std::string> spelled;
    for (const auto& w : words) {
      const auto folded = glide::fold_for(tokenizer, w.word);
      if (!folded || folded->size() > 30) continue;
      const auto tokens = tokenizer.encode(*folded);
      const auto n = glide::lexicon_find(both, tokens);
      if (!n || !both.is_word(*n)) __builtin_trap();
      const float lf = both.log_frequency(*n);
      if (!std::isfinite(lf) || lf > 1e-5F) __builtin_trap();
      spelled.push_back(w.word);
    }
    (void)dict.remove(spelled, tokenizer);
    if (!dict.empty()) __builtin_trap();
  } catch (const glide::error&) {
  }
  return 0;
}
