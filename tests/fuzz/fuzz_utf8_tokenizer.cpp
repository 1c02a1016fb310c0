// libFuzzer: UTF-8 decoding and the character tokenizer. Valid text round-trips through code points
// and through tokens; invalid text is a glide::error.
#include <cstddef>
#include <cstdint>
#include <string>

#include <glide/text/char_tokenizer.hpp>
#include <glide/text/utf8.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto cps = glide::utf8::decode(text);
    std::string back;
    for (char32_t c : cps) back += glide::utf8::encode(c);
    if (back != text) __builtin_trap();
    // The text's first distinct characters as an alphabet: every word of them round-trips.
    std::u32string alphabet;
    for (char32_t c : cps)
      if (alphabet.find(c) == std::u32string::npos && alphabet.size() < 40) alphabet += c;
    if (alphabet.empty()) return 0;
    std::string alpha_utf8;
    for (char32_t c : alphabet) alpha_utf8 += glide::utf8::encode(c);
    const glide::char_tokenizer tok{alpha_utf8};
    std::string word;
    for (char32_t c : cps)
      if (alphabet.find(c) != std::u32string::npos) word += glide::utf8::encode(c);
    if (!tok.can_encode(word)) __builtin_trap();
    if (tok.decode(tok.encode(word)) != word) __builtin_trap();
  } catch (const glide::error&) {
  }
  return 0;
}
