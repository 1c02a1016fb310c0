#pragma once
// What distinguishes people's swipes from synthetic ones, measured per swipe in key units of its own
// grid (key widths across, key heights down), and a fit of the synthesizer's typical user to them.
//   start_offset   first point to the first letter's key centre
//   end_offset     last point to the last letter's key centre
//   approach       closest approach of the path to each inner letter's key centre
//   length_ratio   path length over the length of the key-centre path (words of 2+ distinct keys)
//   ms_per_key     duration over the key-centre path length (ms per key width)
//   sample_ms      median time between samples
//   overshoot      last point past the last key centre along the last key-to-key direction (signed)
//   start_dy       first point's vertical offset from the first key centre (+ is lower)

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <glide/core/error.hpp>
#include <glide/swipe/dataset.hpp>
#include <glide/swipe/grid.hpp>
#include <glide/swipe/synthesizer.hpp>
#include <glide/text/utf8.hpp>

namespace glide::swipe {

struct swipe_measures {
  static constexpr std::array<const char*, 8> names{"start_offset", "end_offset", "approach",  "length_ratio",
                                                    "ms_per_key",   "sample_ms",  "overshoot", "start_dy"};
  std::array<std::vector<double>, names.size()> values;

  /// Adds one swipe of `word` drawn on `grid`; returns false (adding nothing) when the grid cannot
  /// type the word or the swipe has fewer than 2 points.
  bool add(const swipe_curve& c, std::string_view word, const keyboard_grid& grid) {
    const auto chars = utf8::decode(word);
    if (c.size() < 2 || chars.empty()) return false;
    const float kw = grid.key_width(), kh = grid.key_height();
    struct p2 {
      double x, y;
    };
    std::vector<p2> keys;
    for (char32_t ch : chars) {
      const auto k = grid.find_letter(ch);
      if (!k) return false;
      const auto& b = grid.letter(*k).box;
      const p2 p{b.center_x() / kw, b.center_y() / kh};
      if (keys.empty() || keys.back().x != p.x || keys.back().y != p.y) keys.push_back(p);
    }
    std::vector<p2> pts(c.size());
    for (std::size_t i = 0; i < c.size(); ++i) pts[i] = {c.x[i] / kw, c.y[i] / kh};
    auto dist = [](p2 a, p2 b) { return std::hypot(a.x - b.x, a.y - b.y); };
    values[0].push_back(dist(pts.front(), keys.front()));
    values[1].push_back(dist(pts.back(), keys.back()));
    for (std::size_t k = 1; k + 1 < keys.size(); ++k) {
      double best = 1e300;
      for (const auto& p : pts) best = std::min(best, dist(p, keys[k]));
      values[2].push_back(best);
    }
    double key_len = 0, path_len = 0;
    for (std::size_t k = 1; k < keys.size(); ++k) key_len += dist(keys[k - 1], keys[k]);
    for (std::size_t i = 1; i < pts.size(); ++i) path_len += dist(pts[i - 1], pts[i]);
    const double duration = c.t.back() - c.t.front();
    if (key_len > 0) {
      values[3].push_back(path_len / key_len);
      if (duration > 0) values[4].push_back(duration / key_len);
      const p2 dir{(keys.back().x - keys[keys.size() - 2].x) / dist(keys.back(), keys[keys.size() - 2]),
                   (keys.back().y - keys[keys.size() - 2].y) / dist(keys.back(), keys[keys.size() - 2])};
      values[6].push_back((pts.back().x - keys.back().x) * dir.x + (pts.back().y - keys.back().y) * dir.y);
    }
    std::vector<double> dt;
    for (std::size_t i = 1; i < c.size(); ++i) dt.push_back(c.t[i] - c.t[i - 1]);
    std::nth_element(dt.begin(), dt.begin() + static_cast<std::ptrdiff_t>(dt.size() / 2), dt.end());
    values[5].push_back(dt[dt.size() / 2]);
    values[7].push_back(pts.front().y - keys.front().y);
    return true;
  }

  /// The q-quantile (0..1) of measure m; NaN when it has no values.
  [[nodiscard]] double quantile(std::size_t m, double q) const {
    auto v = values[m];
    if (v.empty()) return std::nan("");
    const auto i = static_cast<std::size_t>(std::clamp(q, 0.0, 1.0) * static_cast<double>(v.size() - 1));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
    return v[i];
  }
};

/// How far `synthetic`'s deciles (10%, 50%, 90%) sit from `real`'s, each in units of the real
/// 10-90% spread (at least a tenth of the median): the sum of squares over all measures.
inline double measures_distance(const swipe_measures& real, const swipe_measures& synthetic) {
  double d = 0;
  for (std::size_t m = 0; m < swipe_measures::names.size(); ++m) {
    // A measure with no spread (every browser samples at 17 ms) is judged against a tenth of its median.
    const double spread = std::max({real.quantile(m, 0.9) - real.quantile(m, 0.1), 0.1 * std::abs(real.quantile(m, 0.5)), 1e-3});
    for (double q : {0.1, 0.5, 0.9}) {
      const double a = real.quantile(m, q), b = synthetic.quantile(m, q);
      if (std::isfinite(a) && std::isfinite(b)) d += ((a - b) / spread) * ((a - b) / spread);
    }
  }
  return d;
}

/// Synthesises one swipe per example (same word, same grid, seeded) and measures them.
template <class GridOf>
swipe_measures measure_synthetic(const std::vector<swipe_example>& examples, GridOf&& grid_of, const synthesizer_options& o,
                                 std::uint32_t seed) {
  swipe_measures m;
  std::mt19937 rng{seed};
  for (const auto& ex : examples) {
    const keyboard_grid& g = grid_of(ex);
    const swipe_synthesizer synth{g, o};
    try {
      m.add(synth.example(ex.word, rng).curve, ex.word, g);
    } catch (const unknown_name_error&) {
      // A word the grid cannot type is not measured on either side (add() skips it for real swipes too).
    }
  }
  return m;
}

struct synthesizer_fit {
  swipe_measures real;  ///< the measures of the real swipes fitted to
  synthesizer_options options;
  double distance_before = 0, distance_after = 0;
};

/// Fits the synthesizer's typical user to real swipes by coordinate search on multiplicative steps,
/// minimising measures_distance between the real swipes and synthetic ones of the same words on
/// the same grids.
template <class GridOf>
synthesizer_fit fit_synthesizer(const std::vector<swipe_example>& examples, GridOf&& grid_of, synthesizer_options start,
                                std::size_t rounds = 3, std::uint32_t seed = 1) {
  synthesizer_fit fit;
  auto& real = fit.real;
  for (const auto& ex : examples) real.add(ex.curve, ex.word, grid_of(ex));
  if (real.values[0].empty()) throw config_error("fit_synthesizer: no measurable swipes");
  auto cost = [&](const synthesizer_options& o) { return measures_distance(real, measure_synthetic(examples, grid_of, o, seed)); };
  fit.options = start;
  fit.distance_before = fit.distance_after = cost(start);
  // Each parameter, reached through the options (user_spread is not a user_style field).
  auto field = [](synthesizer_options& o, int i) -> float& {
    switch (i) {
      case 0: return o.typical.keys_per_second;
      case 1: return o.typical.scatter;
      case 2: return o.typical.smoothness;
      case 3: return o.typical.sample_ms;
      case 4: return o.typical.jitter_ms;
      case 5: return o.typical.tremor;
      case 6: return o.typical.overshoot;
      case 7: return o.typical.start_dy;
      default: return o.user_spread;
    }
  };
  for (std::size_t r = 0; r < rounds; ++r)
    for (int f = 0; f < 9; ++f)
      for (float m : {0.0F, 0.6F, 0.8F, 0.9F, 1.1F, 1.25F, 1.6F}) {
        auto o = fit.options;
        float& v = field(o, f);
        v = v == 0 ? (m - 1) * 0.5F : v * m;  // a parameter at 0 can move off it
        if (f == 2) v = std::clamp(v, 0.0F, 1.0F);
        if (f == 0 || f == 3) v = std::max(v, 1.0F);  // speed and sampling interval stay positive
        if (f == 1 || f == 4 || f == 5 || f == 8) v = std::max(v, 0.0F);
        const double c = cost(o);
        if (c < fit.distance_after) {
          fit.distance_after = c;
          fit.options = o;
        }
      }
  return fit;
}

}  // namespace glide::swipe
