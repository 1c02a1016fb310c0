#pragma once
// Per-point trajectory features, invariant to the grid's pixel size:
//   x, y normalised to the letter keys' bounding box (0..1 across the letters);
//   first and second time derivatives of x and y (time in units of 100 ms);
//   optionally, per letter key, sigmoid(-slope * d + offset) with d the distance to the key centre in
//   half key diagonals ("weighted sum of key embeddings" weights);
// plus the nearest letter key of every point.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <glide/core/error.hpp>
#include <glide/swipe/dataset.hpp>
#include <glide/swipe/grid.hpp>
#include <glide/swipe/key_lookup.hpp>

namespace glide::swipe {

struct feature_options {
  bool key_weights = false;
  float weight_slope = 1.8F;
  float weight_offset = 4.0F;
};

struct swipe_features {
  std::size_t points = 0;
  std::size_t dim = 0;
  std::vector<float> values;               ///< [points x dim], row-major
  std::vector<std::int32_t> nearest_keys;  ///< letter index per point

  [[nodiscard]] std::span<const float> point(std::size_t i) const noexcept { return {values.data() + i * dim, dim}; }
};

class feature_extractor {
 public:
  static constexpr std::size_t kinematic_dim = 6;

  explicit feature_extractor(const keyboard_grid& grid, feature_options options = {})
      : grid_{&grid}, lookup_{grid}, options_{options} {}

  [[nodiscard]] std::size_t dim() const noexcept {
    return kinematic_dim + (options_.key_weights ? grid_->letter_count() : 0);
  }
  [[nodiscard]] const key_lookup& lookup() const noexcept { return lookup_; }
  [[nodiscard]] const keyboard_grid& grid() const noexcept { return *grid_; }

  [[nodiscard]] swipe_features extract(const swipe_curve& c) const {
    if (c.x.empty()) throw shape_error("swipe features: empty swipe (no points)");
    if (c.y.size() != c.x.size() || c.t.size() != c.x.size())
      throw shape_error("swipe features: x, y and t have different lengths");
    const std::size_t n = c.x.size();
    swipe_features f;
    f.points = n;
    f.dim = dim();
    f.values.assign(n * f.dim, 0.0F);
    f.nearest_keys.resize(n);
    const auto& area = grid_->letter_area();
    std::vector<float> xs(n), ys(n), ts(n);
    for (std::size_t i = 0; i < n; ++i) {
      xs[i] = (c.x[i] - area.x) / area.w;
      ys[i] = (c.y[i] - area.y) / area.h;
      ts[i] = c.t[i] / 100.0F;
    }
    const auto vx = derivative(xs, ts), vy = derivative(ys, ts);
    const auto ax = derivative(vx, ts), ay = derivative(vy, ts);
    std::vector<float> dist(grid_->letter_count());
    for (std::size_t i = 0; i < n; ++i) {
      float* row = f.values.data() + i * f.dim;
      row[0] = xs[i];
      row[1] = ys[i];
      row[2] = vx[i];
      row[3] = vy[i];
      row[4] = ax[i];
      row[5] = ay[i];
      f.nearest_keys[i] = static_cast<std::int32_t>(lookup_.nearest(c.x[i], c.y[i]));
      if (options_.key_weights) {
        lookup_.distances(c.x[i], c.y[i], dist);
        for (std::size_t k = 0; k < dist.size(); ++k)
          row[kinematic_dim + k] = 1.0F / (1.0F + std::exp(options_.weight_slope * dist[k] - options_.weight_offset));
      }
    }
    return f;
  }

 private:
  // Central differences on possibly uneven (even repeated or decreasing) timestamps: a time step
  // below 1 ms counts as 1 ms, so duplicates never divide by zero.
  static std::vector<float> derivative(const std::vector<float>& v, const std::vector<float>& t) {
    const std::size_t n = v.size();
    std::vector<float> d(n, 0.0F);
    if (n < 2) return d;
    constexpr float min_dt = 0.01F;  // 1 ms in units of 100 ms
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t lo = i == 0 ? 0 : i - 1;
      const std::size_t hi = i + 1 == n ? n - 1 : i + 1;
      d[i] = (v[hi] - v[lo]) / std::max(t[hi] - t[lo], min_dt);
    }
    return d;
  }

  const keyboard_grid* grid_;
  key_lookup lookup_;
  feature_options options_;
};

}  // namespace glide::swipe
