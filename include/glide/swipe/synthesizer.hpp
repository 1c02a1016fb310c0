#pragma once
// A realistic swipe synthesizer. For a word it picks a noisy via-point inside (or just around) each
// letter's key, joins them with a smooth Catmull-Rom path, and times the path like a hand: each
// segment's duration grows sub-linearly with its length (Fitts-like), and along a segment the pen
// follows a blend of constant speed and the minimum-jerk profile 10s^3 - 15s^4 + 6s^5, so it slows
// near keys without stopping. Doubled letters dwell and wiggle on their key. Per-user style (speed,
// scatter, smoothness, sampling rate) is drawn once per simulated user. Everything is in units of the
// grid's key size, so the same style works on any grid; output is in the grid's pixels, clipped to
// the keyboard, with integer millisecond timestamps. Seeded: equal seeds give equal swipes.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <glide/core/error.hpp>
#include <glide/io/json_file.hpp>
#include <glide/swipe/dataset.hpp>
#include <glide/swipe/grid.hpp>
#include <glide/text/utf8.hpp>

namespace glide::swipe {

struct user_style {
  float keys_per_second = 12.0F;  ///< speed, in key widths per second on long segments
  float scatter = 0.22F;         ///< via-point spread, in key sizes (standard deviation)
  float smoothness = 0.55F;      ///< weight of the minimum-jerk profile against constant speed
  float sample_ms = 18.0F;       ///< time between samples (real touch screens: 8 to 30 ms)
  float jitter_ms = 3.0F;        ///< random variation of that time
  float tremor = 0.03F;          ///< per-sample noise, in key sizes
  float overshoot = 0.0F;        ///< the end moves this far past the last key (key widths, along the last move)
  float start_dy = 0.0F;         ///< the start sits this far below the first key centre (key heights)
};

struct synthesizer_options {
  user_style typical{};
  /// Users vary around `typical` by this relative spread (log-normal for speed, normal otherwise).
  float user_spread = 0.25F;

  [[nodiscard]] nlohmann::json to_json() const {
    const auto& u = typical;
    auto r = [](float v) { return std::round(static_cast<double>(v) * 1e4) / 1e4; };  // readable files
    return {{"keys_per_second", r(u.keys_per_second)}, {"scatter", r(u.scatter)},     {"smoothness", r(u.smoothness)},
            {"sample_ms", r(u.sample_ms)},             {"jitter_ms", r(u.jitter_ms)}, {"tremor", r(u.tremor)},
            {"overshoot", r(u.overshoot)},             {"start_dy", r(u.start_dy)},   {"user_spread", r(user_spread)}};
  }
  /// Reads the fields of to_json() (any subset); unknown keys and non-finite values throw config_error
  /// naming `source`.
  static synthesizer_options from_json(const nlohmann::json& j, const std::string& source) {
    synthesizer_options o;
    if (!j.is_object()) throw config_error(source + ": synthesizer options must be a JSON object");
    auto& u = o.typical;
    for (const auto& [k, v] : j.items()) {
      float* f = k == "keys_per_second" ? &u.keys_per_second
                 : k == "scatter"       ? &u.scatter
                 : k == "smoothness"    ? &u.smoothness
                 : k == "sample_ms"     ? &u.sample_ms
                 : k == "jitter_ms"     ? &u.jitter_ms
                 : k == "tremor"        ? &u.tremor
                 : k == "overshoot"     ? &u.overshoot
                 : k == "start_dy"      ? &u.start_dy
                 : k == "user_spread"   ? &o.user_spread
                                        : nullptr;
      if (!f) throw config_error(source + ": unknown synthesizer option '" + k + "'");
      if (!v.is_number() || !std::isfinite(v.get<double>())) throw config_error(source + ": '" + k + "' must be a finite number");
      *f = v.get<float>();
    }
    if (!(u.keys_per_second > 0) || !(u.sample_ms > 0) || u.scatter < 0 || u.tremor < 0 || u.jitter_ms < 0 || o.user_spread < 0 ||
        u.smoothness < 0 || u.smoothness > 1)
      throw config_error(source + ": synthesizer options out of range (speeds and sampling > 0, spreads >= 0, smoothness 0..1)");
    return o;
  }
  static synthesizer_options load(const std::string& path) {
    return from_json(io::read_json_file(path, "synthesizer options"), path);
  }
};

class swipe_synthesizer {
 public:
  explicit swipe_synthesizer(const keyboard_grid& grid, synthesizer_options options = {})
      : grid_{&grid}, options_{options} {}

  /// A random user's style.
  template <class Rng>
  [[nodiscard]] user_style draw_user(Rng& rng) const {
    const auto& m = options_.typical;
    const float s = options_.user_spread;
    std::normal_distribution<float> z{0.0F, 1.0F};
    user_style u;
    u.keys_per_second = m.keys_per_second * std::exp(s * z(rng));
    u.scatter = std::clamp(m.scatter * (1.0F + s * z(rng)), 0.02F, 0.6F);
    u.smoothness = std::clamp(m.smoothness + s * z(rng), 0.0F, 1.0F);
    u.sample_ms = std::clamp(m.sample_ms * (1.0F + s * z(rng)), 12.0F, 35.0F);
    u.jitter_ms = std::clamp(m.jitter_ms * (1.0F + s * z(rng)), 0.0F, u.sample_ms / 2);
    u.tremor = std::clamp(m.tremor * (1.0F + s * z(rng)), 0.0F, 0.2F);
    // Drawn only when set, so that styles without them give the same swipes as before they existed.
    if (m.overshoot != 0) u.overshoot = m.overshoot * (1.0F + s * z(rng));
    if (m.start_dy != 0) u.start_dy = m.start_dy * (1.0F + s * z(rng));
    return u;
  }

  /// One swipe of `word` by `user`. Throws unknown_name_error for a character the grid lacks.
  template <class Rng>
  [[nodiscard]] swipe_curve synthesize(std::string_view word, const user_style& user, Rng& rng) const {
    const auto chars = utf8::decode(word);
    if (chars.empty()) throw config_error("swipe synthesizer: empty word");
    const float kw = grid_->key_width(), kh = grid_->key_height();
    std::normal_distribution<float> z{0.0F, 1.0F};

    // Via-points, with doubled letters marked for a dwell.
    struct via {
      float x, y;
      bool dwell;
    };
    std::vector<via> vias;
    for (std::size_t i = 0; i < chars.size(); ++i) {
      const auto k = grid_->find_letter(chars[i]);
      if (!k)
        throw unknown_name_error("swipe synthesizer: character '" + utf8::encode(chars[i]) + "' of \"" +
                                 std::string(word) + "\" is not on grid '" + grid_->name() + "'");
      const auto& box = grid_->letter(*k).box;
      if (i > 0 && chars[i] == chars[i - 1]) {
        vias.back().dwell = true;
        continue;
      }
      const float x = box.center_x() + std::clamp(z(rng) * user.scatter, -0.7F, 0.7F) * kw;
      const float y = box.center_y() + std::clamp(z(rng) * user.scatter, -0.7F, 0.7F) * kh;
      vias.push_back({x, y, false});
    }
    vias.front().y += user.start_dy * kh;
    if (user.overshoot != 0 && vias.size() >= 2) {
      auto& last = vias.back();
      const auto& prev = vias[vias.size() - 2];
      const float len = std::hypot((last.x - prev.x) / kw, (last.y - prev.y) / kh);
      if (len > 0) {
        last.x += user.overshoot * (last.x - prev.x) / len;
        last.y += user.overshoot * (last.y - prev.y) / len;
      }
    }
    // A single key: a short stroke across it.
    if (vias.size() == 1) {
      const float angle = std::uniform_real_distribution<float>{0.0F, 6.2831853F}(rng);
      via end{vias[0].x + 0.25F * kw * std::cos(angle), vias[0].y + 0.25F * kh * std::sin(angle), false};
      vias[0].x -= 0.15F * kw * std::cos(angle);
      vias[0].y -= 0.15F * kh * std::sin(angle);
      vias.push_back(end);
    }

    // Segment durations (ms): a base plus a sub-linear share of the length.
    const float px_per_ms = user.keys_per_second * kw / 1000.0F;
    std::vector<float> seg_ms(vias.size() - 1), start_ms(vias.size(), 0.0F);
    float total = 0.0F;
    for (std::size_t i = 0; i + 1 < vias.size(); ++i) {
      const float len = std::hypot(vias[i + 1].x - vias[i].x, vias[i + 1].y - vias[i].y);
      const float len_keys = len / kw;
      seg_ms[i] = (0.35F * kw + kw * std::pow(len_keys, 0.75F)) / px_per_ms;
      if (vias[i].dwell) seg_ms[i] += 0.8F * kw / px_per_ms;
      start_ms[i] = total;
      total += seg_ms[i];
    }
    start_ms.back() = total;

    swipe_curve c;
    c.grid_name = grid_->name();
    std::uniform_real_distribution<float> jitter{-user.jitter_ms, user.jitter_ms};
    float t = 0.0F;
    std::size_t seg = 0;
    while (true) {
      const float tt = std::min(t, total);
      while (seg + 1 < seg_ms.size() && tt > start_ms[seg + 1]) ++seg;
      const float tau = std::clamp((tt - start_ms[seg]) / seg_ms[seg], 0.0F, 1.0F);
      const float mj = tau * tau * tau * (10.0F - 15.0F * tau + 6.0F * tau * tau);
      const float s = (1.0F - user.smoothness) * tau + user.smoothness * mj;
      auto [px, py] = catmull_rom(vias, seg, s);
      if (vias[seg].dwell) {
        // A small loop on a doubled letter's key, largest mid-segment.
        const float bump = std::sin(3.1415927F * s) * 0.25F;
        px += bump * kw * std::cos(6.2831853F * s);
        py += bump * kh * std::sin(6.2831853F * s);
      }
      px += z(rng) * user.tremor * kw;
      py += z(rng) * user.tremor * kh;
      c.x.push_back(std::clamp(px, 0.0F, grid_->width() - 1));
      c.y.push_back(std::clamp(py, 0.0F, grid_->height() - 1));
      c.t.push_back(std::round(tt));
      if (tt >= total) break;
      t += std::max(1.0F, user.sample_ms + jitter(rng));
    }
    return c;
  }

  /// A dataset line for `word` by a freshly drawn user.
  template <class Rng>
  [[nodiscard]] swipe_example example(std::string_view word, Rng& rng) const {
    const auto user = draw_user(rng);
    return {std::string(word), synthesize(word, user, rng)};
  }

  [[nodiscard]] const keyboard_grid& grid() const noexcept { return *grid_; }

 private:
  template <class Via>
  static std::pair<float, float> catmull_rom(const std::vector<Via>& v, std::size_t i, float s) {
    const auto& p1 = v[i];
    const auto& p2 = v[i + 1];
    const auto& p0 = i == 0 ? p1 : v[i - 1];
    const auto& p3 = i + 2 < v.size() ? v[i + 2] : p2;
    // Tangents scaled down from the classic 0.5 so corners stay near their keys.
    constexpr float k = 0.35F;
    const float m1x = k * (p2.x - p0.x), m1y = k * (p2.y - p0.y);
    const float m2x = k * (p3.x - p1.x), m2y = k * (p3.y - p1.y);
    const float s2 = s * s, s3 = s2 * s;
    const float h00 = 2 * s3 - 3 * s2 + 1, h10 = s3 - 2 * s2 + s, h01 = -2 * s3 + 3 * s2, h11 = s3 - s2;
    return {h00 * p1.x + h10 * m1x + h01 * p2.x + h11 * m2x, h00 * p1.y + h10 * m1y + h01 * p2.y + h11 * m2y};
  }

  const keyboard_grid* grid_;
  synthesizer_options options_;
};

}  // namespace glide::swipe
