// libFuzzer: word lists into vocabulary tries. Any text gives a trie holding exactly the words read,
// with finite log-frequencies, or a glide::error.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include <glide/text/char_tokenizer.hpp>
#include <glide/vocab/trie.hpp>
#include <glide/vocab/word_list.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const glide::char_tokenizer tokenizer{"abcdefghijklmnopqrstuvwxyzабвгдеёжзийклмнопрстуфхцчшщъыьэюя"};
  std::istringstream in{std::string(reinterpret_cast<const char*>(data), size)};
  try {
    const auto list = glide::read_word_list(in, tokenizer, {.skip_unencodable = (size % 2) == 0, .max_tokens = 30}, "fuzz");
    const auto trie = glide::vocabulary_trie::build(list.words);
    for (const auto& w : list.words)
      if (!trie.contains(w.tokens)) __builtin_trap();
    trie.for_each_word([&](auto tokens, float log_frequency) {
      if (!std::isfinite(log_frequency) || log_frequency > 1e-5F || tokens.empty()) __builtin_trap();
    });
    (void)list.dropped_summary();
  } catch (const glide::error&) {
  }
  return 0;
}
