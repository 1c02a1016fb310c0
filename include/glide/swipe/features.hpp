#pragma once
// Per-point trajectory features, invariant to the grid's pixel size:
//   x, y normalised to the letter keys' bounding box (0..1 across the letters);
//   first and second time derivatives of x and y (time in units of 100 ms; timestamps that go
//   backwards or never change are repaired first, see time_repair);
//   optionally, per letter key, sigmoid(-slope * d + offset) with d the distance to the key centre in
//   half key diagonals ("weighted sum of key embeddings" weights);
// plus the nearest letter key of every point and, optionally, its `soft_keys` nearest letter keys with
// softmax weights of -d^2 / (2 soft_sigma^2) (what a layout-conditioned model reads).

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

/// How a swipe's timestamps were repaired before its time derivatives were taken.
enum class time_repair {
  none,         ///< non-decreasing and not all equal (negative times are fine: only differences count)
  monotonic,    ///< a few timestamps went backwards: each is raised to the running maximum
  synthesized,  ///< all equal, or more than a quarter of the steps went backwards: times are replaced
                ///< by one sample every 10 ms (a typical touch sampling interval)
};

/// Which repair `repaired_times` applies to `t`.
[[nodiscard]] inline time_repair needed_time_repair(std::span<const float> t) noexcept {
  if (t.size() < 2) return time_repair::none;
  std::size_t backwards = 0;
  for (std::size_t i = 1; i < t.size(); ++i) backwards += t[i] < t[i - 1];
  const auto [lo, hi] = std::minmax_element(t.begin(), t.end());
  if (*hi == *lo || 4 * backwards > t.size() - 1) return time_repair::synthesized;
  return backwards > 0 ? time_repair::monotonic : time_repair::none;
}

/// The timestamps features use (ms): `t` itself, or its repair (see time_repair).
[[nodiscard]] inline std::vector<float> repaired_times(std::span<const float> t) {
  std::vector<float> out(t.begin(), t.end());
  switch (needed_time_repair(t)) {
    case time_repair::none: break;
    case time_repair::monotonic:
      for (std::size_t i = 1; i < out.size(); ++i) out[i] = std::max(out[i], out[i - 1]);
      break;
    case time_repair::synthesized:
      for (std::size_t i = 0; i < out.size(); ++i) out[i] = 10.0F * static_cast<float>(i);
      break;
  }
  return out;
}

/// How many swipes of a data set need each repair (a program reports these instead of repairing
/// silently).
struct time_repair_counts {
  std::size_t monotonic = 0, synthesized = 0;
};
template <class Examples>
[[nodiscard]] time_repair_counts count_time_repairs(const Examples& examples) {
  time_repair_counts c;
  for (const auto& ex : examples) {
    const auto r = needed_time_repair(ex.curve.t);
    c.monotonic += r == time_repair::monotonic;
    c.synthesized += r == time_repair::synthesized;
  }
  return c;
}

struct feature_options {
  bool key_weights = false;
  float weight_slope = 1.8F;
  float weight_offset = 4.0F;
  std::size_t soft_keys = 0;  ///< >= 2: the nearest soft_keys letter keys of each point and their weights
  float soft_sigma = 0.5F;    ///< in half key diagonals
};

struct swipe_features {
  std::size_t points = 0;
  std::size_t dim = 0;
  std::vector<float> values;               ///< [points x dim], row-major
  std::vector<std::int32_t> nearest_keys;  ///< letter index per point
  std::size_t soft_keys = 0;               ///< keys per point in soft_key_index / soft_key_weight (0: none)
  std::vector<std::int32_t> soft_key_index;  ///< [points x soft_keys] letter indices, nearest first
  std::vector<float> soft_key_weight;        ///< [points x soft_keys], each row sums to 1

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
    std::vector<float> xs(n), ys(n), ts = repaired_times(c.t);
    for (std::size_t i = 0; i < n; ++i) {
      xs[i] = (c.x[i] - area.x) / area.w;
      ys[i] = (c.y[i] - area.y) / area.h;
      ts[i] /= 100.0F;
    }
    const auto vx = derivative(xs, ts), vy = derivative(ys, ts);
    const auto ax = derivative(vx, ts), ay = derivative(vy, ts);
    std::vector<float> dist(grid_->letter_count());
    // A grid with fewer letters than soft_keys repeats its farthest key with weight 0.
    const std::size_t soft = options_.soft_keys >= 2 ? options_.soft_keys : 0;
    f.soft_keys = soft;
    f.soft_key_index.resize(n * soft);
    f.soft_key_weight.resize(n * soft);
    std::vector<std::int32_t> order(grid_->letter_count());
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
      if (soft != 0) soft_keys_of(c.x[i], c.y[i], dist, order, f.soft_key_index.data() + i * soft, f.soft_key_weight.data() + i * soft, soft);
    }
    return f;
  }

 private:
  // The `soft` nearest letter keys of (x, y), nearest first (ties by letter index), and their softmax
  // weights of -d^2 / (2 sigma^2).
  void soft_keys_of(float x, float y, std::vector<float>& dist, std::vector<std::int32_t>& order, std::int32_t* index,
                    float* weight, std::size_t soft) const {
    lookup_.distances(x, y, dist);
    for (std::size_t k = 0; k < order.size(); ++k) order[k] = static_cast<std::int32_t>(k);
    const std::size_t m = std::min(soft, order.size());
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(m), order.end(), [&](std::int32_t a, std::int32_t b) {
      const float da = dist[static_cast<std::size_t>(a)], db = dist[static_cast<std::size_t>(b)];
      return da < db || (da == db && a < b);
    });
    const float inv = 1.0F / (2.0F * options_.soft_sigma * options_.soft_sigma);
    const float d0 = dist[static_cast<std::size_t>(order[0])];
    float total = 0;
    for (std::size_t j = 0; j < soft; ++j) {
      if (j < m) {
        const float d = dist[static_cast<std::size_t>(order[j])];
        index[j] = order[j];
        weight[j] = std::exp(-(d * d - d0 * d0) * inv);  // relative to the nearest: no underflow to 0 / 0
      } else {
        index[j] = order[m - 1];
        weight[j] = 0;
      }
      total += weight[j];
    }
    for (std::size_t j = 0; j < soft; ++j) weight[j] /= total;
  }

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
