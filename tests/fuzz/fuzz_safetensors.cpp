// libFuzzer: the safetensors reader. Any input gives tensors or a glide::error; every tensor it
// accepts converts to float32 with its declared shape.
#include <cstddef>
#include <cstdint>
#include <span>

#include <glide/io/safetensors.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto f = glide::io::safetensors_file::parse(std::span{reinterpret_cast<const char*>(data), size}, "fuzz");
    for (const auto& [name, t] : f.tensors()) {
      const auto& got = f.get(name, t.shape);
      std::size_t n = 1;
      for (auto d : got.shape) n *= static_cast<std::size_t>(d);
      if (got.data.size() != n) __builtin_trap();
    }
  } catch (const glide::error&) {
  }
  return 0;
}
