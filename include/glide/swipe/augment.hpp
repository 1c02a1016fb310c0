#pragma once
// Swipe augmentation for training: each transform is seeded by the caller's generator, switched on or
// off on its own, and sized in key units (key widths and heights of the swipe's grid), so one setting
// fits every keyboard size. A transform applies to a swipe with its own probability.
//   affine     per-swipe scale about the swipe's centre, offset and small rotation: where and how big
//              a person draws the word (people's swipes drift off the key centres as a whole)
//   time_warp  a smooth monotone remapping of the timestamps: speeding up and slowing down
//   dropout    drops points (never the first or the last): sparser sampling
//   duplicate  repeats points with the same timestamp + 1 ms: a finger resting, a slow touch stream
//   trim       cuts points off the start and end: a late touchdown, an early lift

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numbers>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <glide/core/error.hpp>
#include <glide/swipe/dataset.hpp>
#include <glide/swipe/grid.hpp>

namespace glide::swipe {

struct augment_options {
  struct affine_t {
    double probability = 0;    ///< 0 switches it off
    double scale = 0.1;        ///< scale drawn uniformly in [1 - scale, 1 + scale], x and y separately
    double offset = 0.25;      ///< offset drawn from N(0, offset) key widths (x) and key heights (y)
    double rotation_deg = 3;   ///< rotation drawn uniformly in [-r, r] degrees about the swipe's centre
  } affine;
  struct time_warp_t {
    double probability = 0;
    double strength = 0.3;     ///< local speed varies within [1 - s, 1 + s]
  } time_warp;
  struct dropout_t {
    double probability = 0;
    double rate = 0.2;         ///< each inner point is dropped with this probability
  } dropout;
  struct duplicate_t {
    double probability = 0;
    double rate = 0.1;         ///< each point is doubled with this probability
  } duplicate;
  struct trim_t {
    double probability = 0;
    double max_fraction = 0.08;  ///< up to this share of the points cut at each end (uniformly drawn)
  } trim;

  [[nodiscard]] bool any() const noexcept {
    return affine.probability > 0 || time_warp.probability > 0 || dropout.probability > 0 || duplicate.probability > 0 ||
           trim.probability > 0;
  }

  /// Reads {"affine": {"probability": 0.5, ...}, "time_warp": {...}, ...}; unknown keys and values outside
  /// their ranges throw config_error naming `source`.
  static augment_options from_json(const nlohmann::json& j, std::string_view source) {
    const std::string src{source};
    augment_options o;
    if (!j.is_object()) throw config_error(src + ": 'augment' must be an object");
    auto read = [&](const nlohmann::json& part, const std::string& name, std::initializer_list<std::pair<const char*, double*>> fields) {
      if (!part.is_object()) throw config_error(src + ": augment." + name + " must be an object");
      for (const auto& [k, v] : part.items()) {
        auto it = std::find_if(fields.begin(), fields.end(), [&](const auto& f) { return k == f.first; });
        if (it == fields.end()) throw config_error(src + ": unknown option augment." + name + "." + k);
        if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0)
          throw config_error(src + ": augment." + name + "." + k + " must be a finite number >= 0");
        *it->second = v.get<double>();
      }
    };
    for (const auto& [k, v] : j.items()) {
      if (k == "affine")
        read(v, k, {{"probability", &o.affine.probability}, {"scale", &o.affine.scale}, {"offset", &o.affine.offset},
                    {"rotation_deg", &o.affine.rotation_deg}});
      else if (k == "time_warp")
        read(v, k, {{"probability", &o.time_warp.probability}, {"strength", &o.time_warp.strength}});
      else if (k == "dropout")
        read(v, k, {{"probability", &o.dropout.probability}, {"rate", &o.dropout.rate}});
      else if (k == "duplicate")
        read(v, k, {{"probability", &o.duplicate.probability}, {"rate", &o.duplicate.rate}});
      else if (k == "trim")
        read(v, k, {{"probability", &o.trim.probability}, {"max_fraction", &o.trim.max_fraction}});
      else
        throw config_error(src + ": unknown augmentation '" + k + "' (known: affine, time_warp, dropout, duplicate, trim)");
    }
    for (double p : {o.affine.probability, o.time_warp.probability, o.dropout.probability, o.duplicate.probability, o.trim.probability})
      if (p > 1) throw config_error(src + ": an augmentation probability is above 1");
    if (o.affine.scale >= 1 || o.time_warp.strength >= 1 || o.dropout.rate >= 1 || o.duplicate.rate > 1 || o.trim.max_fraction >= 0.5)
      throw config_error(src + ": augmentation sizes must keep the swipe (scale, strength, rate < 1; max_fraction < 0.5)");
    return o;
  }
};

/// Returns an augmented copy of `c` drawn on `grid` (the curve's own grid). Every curve keeps at least
/// its first and last points; timestamps stay non-decreasing.
template <class Rng>
[[nodiscard]] swipe_curve augment(const swipe_curve& c, const keyboard_grid& grid, const augment_options& o, Rng& rng) {
  swipe_curve out = c;
  std::uniform_real_distribution<double> u01{0.0, 1.0};
  auto happens = [&](double p) { return p > 0 && u01(rng) < p; };
  const std::size_t n0 = out.size();
  auto keep_where = [&](const std::vector<char>& keep) {
    std::size_t j = 0;
    for (std::size_t i = 0; i < out.size(); ++i)
      if (keep[i]) {
        out.x[j] = out.x[i];
        out.y[j] = out.y[i];
        out.t[j] = out.t[i];
        ++j;
      }
    out.x.resize(j);
    out.y.resize(j);
    out.t.resize(j);
  };

  if (happens(o.trim.probability) && n0 >= 6) {
    std::uniform_real_distribution<double> frac{0.0, o.trim.max_fraction};
    const auto head = static_cast<std::size_t>(frac(rng) * static_cast<double>(n0));
    const auto tail = static_cast<std::size_t>(frac(rng) * static_cast<double>(n0));
    if (head + tail + 2 <= n0) {
      std::vector<char> keep(n0, 1);
      for (std::size_t i = 0; i < head; ++i) keep[i] = 0;
      for (std::size_t i = 0; i < tail; ++i) keep[n0 - 1 - i] = 0;
      keep_where(keep);
      const float t0 = out.t.front();
      for (auto& t : out.t) t -= t0;
    }
  }
  if (happens(o.dropout.probability) && out.size() > 2) {
    std::vector<char> keep(out.size(), 1);
    for (std::size_t i = 1; i + 1 < out.size(); ++i) keep[i] = u01(rng) >= o.dropout.rate ? 1 : 0;
    keep_where(keep);
  }
  if (happens(o.duplicate.probability)) {
    swipe_curve d = out;
    d.x.clear();
    d.y.clear();
    d.t.clear();
    float shift = 0;  // each repeat delays the rest of the swipe by 1 ms, so time never runs backwards
    for (std::size_t i = 0; i < out.size(); ++i) {
      d.x.push_back(out.x[i]);
      d.y.push_back(out.y[i]);
      d.t.push_back(out.t[i] + shift);
      if (u01(rng) < o.duplicate.rate) {
        shift += 1;
        d.x.push_back(out.x[i]);
        d.y.push_back(out.y[i]);
        d.t.push_back(out.t[i] + shift);
      }
    }
    out = std::move(d);
  }
  if (happens(o.time_warp.probability) && out.size() >= 2) {
    // Speed factor s(u) = 1 + a sin(2 pi f u + phase) over normalised time u; the new time is the
    // integral of 1/s, which is monotone since |a| < 1.
    const double a = std::uniform_real_distribution<double>{-o.time_warp.strength, o.time_warp.strength}(rng);
    const double f = std::uniform_real_distribution<double>{0.5, 1.5}(rng);
    const double phase = std::uniform_real_distribution<double>{0.0, 2 * std::numbers::pi}(rng);
    const double total = static_cast<double>(out.t.back() - out.t.front());
    if (total > 0) {
      std::vector<double> warped(out.size(), 0.0);
      for (std::size_t i = 1; i < out.size(); ++i) {
        const double um = (static_cast<double>(out.t[i] + out.t[i - 1]) / 2 - out.t.front()) / total;
        const double speed = 1 + a * std::sin(2 * std::numbers::pi * f * um + phase);
        warped[i] = warped[i - 1] + static_cast<double>(out.t[i] - out.t[i - 1]) / speed;
      }
      const double scale = total / std::max(warped.back(), 1e-9);  // keep the duration
      for (std::size_t i = 0; i < out.size(); ++i) out.t[i] = out.t.front() + static_cast<float>(warped[i] * scale);
    }
  }
  if (happens(o.affine.probability)) {
    double cx = 0, cy = 0;
    for (std::size_t i = 0; i < out.size(); ++i) {
      cx += out.x[i];
      cy += out.y[i];
    }
    cx /= static_cast<double>(out.size());
    cy /= static_cast<double>(out.size());
    std::uniform_real_distribution<double> sd{1 - o.affine.scale, 1 + o.affine.scale};
    const double sx = sd(rng), sy = sd(rng);
    const double deg = std::uniform_real_distribution<double>{-o.affine.rotation_deg, o.affine.rotation_deg}(rng);
    const double rad = deg * std::numbers::pi / 180;
    std::normal_distribution<double> off{0.0, o.affine.offset};
    const double ox = off(rng) * grid.key_width(), oy = off(rng) * grid.key_height();
    // Rotate in key units so a non-square key does not shear the swipe.
    const double kw = grid.key_width(), kh = grid.key_height();
    for (std::size_t i = 0; i < out.size(); ++i) {
      const double dx = (out.x[i] - cx) / kw * sx, dy = (out.y[i] - cy) / kh * sy;
      const double rx = dx * std::cos(rad) - dy * std::sin(rad), ry = dx * std::sin(rad) + dy * std::cos(rad);
      out.x[i] = static_cast<float>(cx + rx * kw + ox);
      out.y[i] = static_cast<float>(cy + ry * kh + oy);
    }
  }
  return out;
}

}  // namespace glide::swipe
