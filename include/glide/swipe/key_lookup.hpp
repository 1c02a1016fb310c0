#pragma once
// Nearest letter key and key distances for points of a swipe, precomputed per grid.
//
// The nearest key is the letter key whose hitbox is closest to the point (0 inside it); ties (points
// inside overlapping hitboxes) go to the closer key centre, then the lower index. A raster over the
// keyboard (extended by half its size on each side, where real swipes stray) stores for each cell the
// few keys that can be nearest anywhere in it, so a lookup checks one to three keys: O(1), and exact,
// as the brute-force test shows. Points beyond the raster fall back to a scan.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include <glide/core/error.hpp>
#include <glide/swipe/grid.hpp>

namespace glide::swipe {

class key_lookup {
 public:
  key_lookup() = default;

  explicit key_lookup(const keyboard_grid& grid, std::size_t cells_x = 96, std::size_t cells_y = 64)
      : nx_{cells_x}, ny_{cells_y} {
    for (std::size_t i = 0; i < grid.letter_count(); ++i) boxes_.push_back(grid.letter(i).box);
    unit_ = grid.half_key_diagonal();
    x0_ = -grid.width() / 2;
    y0_ = -grid.height() / 2;
    cw_ = 2 * grid.width() / static_cast<float>(nx_);
    ch_ = 2 * grid.height() / static_cast<float>(ny_);
    offsets_.reserve(nx_ * ny_ + 1);
    offsets_.push_back(0);
    // A key can be nearest somewhere in a cell only if its closest approach to the cell is no farther
    // than the best worst case (the distance to a convex box is largest at a cell corner). Both are
    // sums of an x and a y term (the corners are every x edge with every y edge), so the terms are
    // computed once a raster column and row, and compared squared (no square roots): a cell costs
    // two additions a key. A relative slack of 1e-5 on the bound keeps every key that float rounding
    // could put on the wrong side; an extra candidate costs a comparison, never a wrong answer.
    const std::size_t keys = boxes_.size();
    auto gap = [](float lo, float hi, float p) { return std::max({lo - p, 0.0F, p - hi}); };
    auto terms = [&](std::size_t cells, float origin, float size, auto lo, auto hi, std::vector<float>& near, std::vector<float>& far) {
      near.resize(cells * keys);
      far.resize(cells * keys);
      for (std::size_t c = 0; c < cells; ++c) {
        const float a = origin + static_cast<float>(c) * size, b = a + size;
        for (std::size_t k = 0; k < keys; ++k) {
          const float l = lo(boxes_[k]), h = hi(boxes_[k]);
          const float g = std::max({l - b, 0.0F, a - h});
          const float f = std::max(gap(l, h, a), gap(l, h, b));
          near[c * keys + k] = g * g;
          far[c * keys + k] = f * f;
        }
      }
    };
    std::vector<float> near_x, far_x, near_y, far_y;
    terms(nx_, x0_, cw_, [](const hitbox& h) { return h.x; }, [](const hitbox& h) { return h.x + h.w; }, near_x, far_x);
    terms(ny_, y0_, ch_, [](const hitbox& h) { return h.y; }, [](const hitbox& h) { return h.y + h.h; }, near_y, far_y);
    std::vector<float> min_d(keys);
    for (std::size_t cy = 0; cy < ny_; ++cy)
      for (std::size_t cx = 0; cx < nx_; ++cx) {
        const float* nx = near_x.data() + cx * keys;
        const float* fx = far_x.data() + cx * keys;
        const float* ny = near_y.data() + cy * keys;
        const float* fy = far_y.data() + cy * keys;
        float best_max = std::numeric_limits<float>::infinity();
        for (std::size_t k = 0; k < keys; ++k) {
          min_d[k] = nx[k] + ny[k];
          best_max = std::min(best_max, fx[k] + fy[k]);
        }
        best_max *= 1.0F + 1e-5F;
        for (std::size_t k = 0; k < keys; ++k)
          if (min_d[k] <= best_max) candidates_.push_back(static_cast<std::uint16_t>(k));
        offsets_.push_back(static_cast<std::uint32_t>(candidates_.size()));
      }
  }

  /// Letter index (as in keyboard_grid::letter) of the key nearest to (x, y), in the grid's pixels.
  [[nodiscard]] std::size_t nearest(float x, float y) const noexcept {
    const float fx = (x - x0_) / cw_;
    const float fy = (y - y0_) / ch_;
    if (fx >= 0 && fy >= 0 && fx < static_cast<float>(nx_) && fy < static_cast<float>(ny_)) {
      const std::size_t cell = static_cast<std::size_t>(fy) * nx_ + static_cast<std::size_t>(fx);
      return best_of(std::span<const std::uint16_t>{candidates_}.subspan(offsets_[cell], offsets_[cell + 1] - offsets_[cell]),
                     x, y);
    }
    return nearest_by_scan(x, y);
  }

  /// The same answer by scanning every key: the reference for tests, and the fallback off the raster.
  [[nodiscard]] std::size_t nearest_by_scan(float x, float y) const noexcept {
    std::size_t best = 0;
    for (std::size_t k = 1; k < boxes_.size(); ++k)
      if (better(k, best, x, y)) best = k;
    return best;
  }

  /// Distance from (x, y) to each letter key's centre, in half key diagonals (pixel-size invariant).
  void distances(float x, float y, std::span<float> out) const {
    if (out.size() != boxes_.size())
      throw shape_error("key_lookup::distances: output has " + std::to_string(out.size()) + " entries for " +
                        std::to_string(boxes_.size()) + " keys");
    for (std::size_t k = 0; k < boxes_.size(); ++k)
      out[k] = std::hypot(x - boxes_[k].center_x(), y - boxes_[k].center_y()) / unit_;
  }

  [[nodiscard]] std::size_t key_count() const noexcept { return boxes_.size(); }
  /// Mean candidates per raster cell: the cost of a lookup.
  [[nodiscard]] double mean_candidates() const noexcept {
    return static_cast<double>(candidates_.size()) / static_cast<double>(nx_ * ny_);
  }

 private:
  [[nodiscard]] bool better(std::size_t a, std::size_t b, float x, float y) const noexcept {
    const float da = boxes_[a].distance(x, y), db = boxes_[b].distance(x, y);
    if (da != db) return da < db;
    const float ca = std::hypot(x - boxes_[a].center_x(), y - boxes_[a].center_y());
    const float cb = std::hypot(x - boxes_[b].center_x(), y - boxes_[b].center_y());
    if (ca != cb) return ca < cb;
    return a < b;
  }

  [[nodiscard]] std::size_t best_of(std::span<const std::uint16_t> keys, float x, float y) const noexcept {
    std::size_t best = keys[0];
    for (std::size_t i = 1; i < keys.size(); ++i)
      if (better(keys[i], best, x, y)) best = keys[i];
    return best;
  }

  std::vector<hitbox> boxes_;
  float unit_ = 1, x0_ = 0, y0_ = 0, cw_ = 1, ch_ = 1;
  std::size_t nx_ = 0, ny_ = 0;
  std::vector<std::uint32_t> offsets_;
  std::vector<std::uint16_t> candidates_;
};

}  // namespace glide::swipe
