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
    std::vector<float> min_d(boxes_.size());
    for (std::size_t cy = 0; cy < ny_; ++cy)
      for (std::size_t cx = 0; cx < nx_; ++cx) {
        const hitbox cell{x0_ + static_cast<float>(cx) * cw_, y0_ + static_cast<float>(cy) * ch_, cw_, ch_};
        // A key can be nearest somewhere in the cell only if its closest approach to the cell is no
        // farther than the best worst case (distance to a convex box is largest at a cell corner).
        float best_max = std::numeric_limits<float>::infinity();
        for (std::size_t k = 0; k < boxes_.size(); ++k) {
          min_d[k] = box_to_box(cell, boxes_[k]);
          float max_d = 0;
          for (float px : {cell.x, cell.x + cell.w})
            for (float py : {cell.y, cell.y + cell.h}) max_d = std::max(max_d, boxes_[k].distance(px, py));
          best_max = std::min(best_max, max_d);
        }
        for (std::size_t k = 0; k < boxes_.size(); ++k)
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
  static float box_to_box(const hitbox& a, const hitbox& b) noexcept {
    const float dx = std::max({b.x - (a.x + a.w), 0.0F, a.x - (b.x + b.w)});
    const float dy = std::max({b.y - (a.y + a.h), 0.0F, a.y - (b.y + b.h)});
    return std::hypot(dx, dy);
  }

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
