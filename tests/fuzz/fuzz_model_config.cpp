// libFuzzer: a model's config.json and the weight shapes it implies. Any JSON gives a validated
// config whose shapes are all computable, or a glide::error.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include <glide/model/config.hpp>
#include <glide/model/weights.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(std::string(reinterpret_cast<const char*>(data), size));
  } catch (const nlohmann::json::exception&) {
    return 0;  // not JSON: the file readers' own concern (io/json_file.hpp)
  }
  try {
    const auto c = glide::model::model_config::from_json(j, "fuzz");
    c.validate();
    std::size_t total = 0;
    for (const auto& [name, shape] : glide::model::weight_shapes(c)) {
      std::size_t n = 1;
      for (auto d : shape) {
        if (d <= 0) __builtin_trap();
        n *= static_cast<std::size_t>(d);
      }
      total += n;
    }
    (void)c.tokenizer();
    (void)c.to_json().dump();
    (void)total;
  } catch (const glide::error&) {
  }
  return 0;
}
