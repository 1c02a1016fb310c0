#pragma once
// The grids the repository ships (data/grids/grids.json), loaded once per test process.

#include <glide/swipe/grid.hpp>

namespace glide_test {

inline const glide::swipe::grid_set& shipped_grids() {
  static const glide::swipe::grid_set g = glide::swipe::grid_set::load(GLIDE_SOURCE_DIR "/data/grids/grids.json");
  return g;
}

}  // namespace glide_test
