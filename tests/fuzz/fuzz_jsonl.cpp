// libFuzzer: the JSONL dataset reader and its write-back. Every line it accepts writes back to JSON
// that reads again to the same swipe; anything else is a glide::error naming the line.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include <glide/swipe/dataset.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in{std::string(reinterpret_cast<const char*>(data), size)};
  glide::swipe::jsonl_reader reader{in, "fuzz.jsonl"};
  try {
    while (auto ex = reader.next()) {
      const auto back = glide::swipe::parse_example(glide::swipe::to_json(*ex), "write-back: ");
      if (back.word != ex->word || back.curve.x != ex->curve.x || back.curve.y != ex->curve.y || back.curve.t != ex->curve.t ||
          back.curve.grid_name != ex->curve.grid_name || static_cast<bool>(back.curve.grid) != static_cast<bool>(ex->curve.grid) ||
          back.teacher != ex->teacher)
        __builtin_trap();
    }
  } catch (const glide::error&) {
  }
  return 0;
}
