// libFuzzer: a grid file, its key lookups and the features of swipes across each grid. Any JSON
// gives grids whose features are finite, or a glide::error.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include <glide/swipe/features.hpp>
#include <glide/swipe/grid.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(std::string(reinterpret_cast<const char*>(data), size));
  } catch (const nlohmann::json::exception&) {
    return 0;
  }
  try {
    const auto grids = glide::swipe::grid_set::from_json(j, "fuzz");
    for (const auto& name : grids.names()) {
      const auto& g = grids.at(name);
      const glide::swipe::feature_extractor fx{g, {.key_weights = true}};
      // A diagonal swipe across the keyboard and one point off it, with a repeated timestamp.
      glide::swipe::swipe_curve c;
      c.grid_name = name;
      for (int i = 0; i <= 8; ++i) {
        c.x.push_back(g.width() * static_cast<float>(i) / 8.0F);
        c.y.push_back(g.height() * static_cast<float>(i) / 8.0F);
        c.t.push_back(static_cast<float>(i == 4 ? 30 : 10 * i));
      }
      c.x.push_back(-g.width());
      c.y.push_back(2 * g.height());
      c.t.push_back(100);
      const auto f = fx.extract(c);
      for (float v : f.values)
        if (!std::isfinite(v)) __builtin_trap();
      for (auto k : f.nearest_keys)
        if (k < 0 || static_cast<std::size_t>(k) >= g.letter_count()) __builtin_trap();
    }
  } catch (const glide::error&) {
  }
  return 0;
}
