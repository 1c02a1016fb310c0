// libFuzzer: predictions files. Every file it reads writes back and reads again to the same lines;
// anything else is a glide::error naming the line.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include <glide/io/predictions.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in{std::string(reinterpret_cast<const char*>(data), size)};
  try {
    const auto lines = glide::io::read_predictions(in, "fuzz.jsonl");
    std::stringstream out;
    for (const auto& p : lines) glide::io::write_prediction_line(out, p);
    if (glide::io::read_predictions(out, "write-back") != lines) __builtin_trap();
  } catch (const glide::error&) {
  }
  return 0;
}
