#pragma once
// Keyboard grids in the Yandex Cup 2023 JSON format:
//   {"width": W, "height": H, "keys": [{"label": "q" | "action": "shift", "hitbox": {x, y, w, h}}, ...]}
// and named collections of them ({"name": grid, ...}).
//
// Geometry that features and lookups use is measured on the letter keys: the bounding box of their
// hitboxes and the median letter key size, so two grids of the same layout at different pixel sizes
// give the same features.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <glide/core/error.hpp>
#include <glide/io/json_file.hpp>
#include <glide/text/utf8.hpp>

namespace glide::swipe {

/// The largest |coordinate| in pixels a grid or a swipe may hold: far above any real keyboard or
/// gesture; beyond it a value is a broken file (finite but absurd values overflow the features).
inline constexpr float max_pixels = 1e6F;

struct hitbox {
  float x = 0, y = 0, w = 0, h = 0;
  [[nodiscard]] float center_x() const noexcept { return x + w / 2; }
  [[nodiscard]] float center_y() const noexcept { return y + h / 2; }
  [[nodiscard]] bool contains(float px, float py) const noexcept { return px >= x && px <= x + w && py >= y && py <= y + h; }
  /// Euclidean distance from a point to the box (0 inside).
  [[nodiscard]] float distance(float px, float py) const noexcept {
    const float dx = std::max({x - px, 0.0F, px - (x + w)});
    const float dy = std::max({y - py, 0.0F, py - (y + h)});
    // Beside the box in one axis (or inside) the distance is the other axis' gap, exactly as hypot
    // would give it; hypot itself (a libm call) only for points off a corner.
    if (dx == 0.0F) return dy;
    if (dy == 0.0F) return dx;
    return std::hypot(dx, dy);
  }
};

struct key {
  std::string label;   ///< one character (UTF-8), or empty for an action key
  std::string action;  ///< "shift", "space", ...; empty for a character key
  hitbox box;
  char32_t character = 0;  ///< the label's code point
};

/// Actions a grid may name; anything else is reported as an unknown action.
inline constexpr std::string_view known_actions[] = {
    "shift", "backspace", "enter", "space", "globe", "toNumberState", "toSymbolState", "toLetterState",
    "emoji", "language", "settings", "mic", "tab", "capslock"};

class keyboard_grid {
 public:
  /// Overlap accepted between neighbouring hitboxes, in pixels (the competition's grids overlap by 1).
  static constexpr float overlap_tolerance = 2.0F;

  keyboard_grid() = default;

  /// Parses and validates a grid; `name` appears in every error.
  static keyboard_grid from_json(const nlohmann::json& j, std::string name) {
    auto fail = [&](const std::string& why) -> keyboard_grid { throw parse_error("grid '" + name + "': " + why); };
    if (!j.is_object()) return fail("not a JSON object");
    keyboard_grid g;
    g.name_ = name;  // a copy: `fail` names the grid after this
    auto number = [&](const nlohmann::json& o, const char* field, const std::string& where) {
      if (!o.contains(field) || !o[field].is_number()) fail(where + "missing or non-numeric '" + field + "'");
      // Bounded as swipe coordinates are (dataset.hpp): far above any real keyboard, and a float.
      const auto v = o[field].get<double>();
      if (!(std::abs(v) <= max_pixels)) fail(where + "'" + field + "' = " + std::to_string(v) + " is out of range (|value| <= 1e6 pixels)");
      return static_cast<float>(v);
    };
    g.width_ = number(j, "width", "");
    g.height_ = number(j, "height", "");
    if (!(g.width_ > 0 && g.height_ > 0)) return fail("width and height must be positive");
    if (!j.contains("keys") || !j["keys"].is_array()) return fail("missing 'keys' array");
    std::size_t index = 0;
    for (const auto& kj : j["keys"]) {
      const std::string where = "key " + std::to_string(index++) + ": ";
      if (!kj.is_object()) fail(where + "not an object");
      key k;
      if (kj.contains("label")) {
        if (!kj["label"].is_string()) fail(where + "label is not a string");
        k.label = kj["label"].get<std::string>();
        std::vector<char32_t> cps;
        try {
          cps = utf8::decode(k.label);
        } catch (const parse_error& e) {
          fail(where + e.what());
        }
        if (cps.size() != 1) fail(where + "unknown label '" + k.label + "' (a label is one character)");
        k.character = cps[0];
      } else if (kj.contains("action")) {
        if (!kj["action"].is_string()) fail(where + "action is not a string");
        k.action = kj["action"].get<std::string>();
        if (std::find(std::begin(known_actions), std::end(known_actions), k.action) == std::end(known_actions))
          fail(where + "unknown action '" + k.action + "'");
      } else {
        fail(where + "has neither 'label' nor 'action'");
      }
      if (!kj.contains("hitbox") || !kj["hitbox"].is_object()) fail(where + "missing 'hitbox'");
      const auto& hb = kj["hitbox"];
      k.box = {number(hb, "x", where), number(hb, "y", where), number(hb, "w", where), number(hb, "h", where)};
      if (!(k.box.w > 0 && k.box.h > 0))
        fail(where + "'" + (k.label.empty() ? k.action : k.label) + "' has an empty hitbox");
      if (k.box.x >= g.width_ || k.box.y >= g.height_ || k.box.x + k.box.w <= 0 || k.box.y + k.box.h <= 0)
        fail(where + "'" + (k.label.empty() ? k.action : k.label) + "' lies outside the keyboard");
      g.keys_.push_back(std::move(k));
    }
    g.finish();
    return g;
  }

  [[nodiscard]] nlohmann::json to_json() const {
    nlohmann::json keys = nlohmann::json::array();
    for (const auto& k : keys_) {
      nlohmann::json kj;
      if (k.label.empty())
        kj["action"] = k.action;
      else
        kj["label"] = k.label;
      kj["hitbox"] = {{"x", k.box.x}, {"y", k.box.y}, {"w", k.box.w}, {"h", k.box.h}};
      keys.push_back(std::move(kj));
    }
    return {{"width", width_}, {"height", height_}, {"keys", std::move(keys)}};
  }

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] float width() const noexcept { return width_; }
  [[nodiscard]] float height() const noexcept { return height_; }
  [[nodiscard]] const std::vector<key>& keys() const noexcept { return keys_; }

  /// Indices into keys() of the character keys, in grid order.
  [[nodiscard]] const std::vector<std::size_t>& letter_keys() const noexcept { return letters_; }
  [[nodiscard]] const key& letter(std::size_t i) const noexcept { return keys_[letters_[i]]; }
  [[nodiscard]] std::size_t letter_count() const noexcept { return letters_.size(); }

  /// Letter index of a character, if the grid has it.
  [[nodiscard]] std::optional<std::size_t> find_letter(char32_t c) const noexcept {
    for (std::size_t i = 0; i < letters_.size(); ++i)
      if (keys_[letters_[i]].character == c) return i;
    return std::nullopt;
  }

  /// Bounding box of the letter keys.
  [[nodiscard]] const hitbox& letter_area() const noexcept { return area_; }
  /// Median letter key width and height.
  [[nodiscard]] float key_width() const noexcept { return key_w_; }
  [[nodiscard]] float key_height() const noexcept { return key_h_; }
  [[nodiscard]] float half_key_diagonal() const noexcept { return std::hypot(key_w_, key_h_) / 2; }

 private:
  void finish() {
    for (std::size_t i = 0; i < keys_.size(); ++i)
      if (!keys_[i].label.empty()) letters_.push_back(i);
    if (letters_.empty()) throw parse_error("grid '" + name_ + "': no character keys");
    // Duplicate characters would make lookups ambiguous.
    for (std::size_t a = 0; a < letters_.size(); ++a)
      for (std::size_t b = a + 1; b < letters_.size(); ++b)
        if (keys_[letters_[a]].character == keys_[letters_[b]].character)
          throw parse_error("grid '" + name_ + "': character '" + keys_[letters_[a]].label + "' appears twice");
    // Overlaps beyond the tolerance mean a broken grid.
    for (std::size_t a = 0; a < keys_.size(); ++a)
      for (std::size_t b = a + 1; b < keys_.size(); ++b) {
        const auto& p = keys_[a].box;
        const auto& q = keys_[b].box;
        const float ox = std::min(p.x + p.w, q.x + q.w) - std::max(p.x, q.x);
        const float oy = std::min(p.y + p.h, q.y + q.h) - std::max(p.y, q.y);
        if (ox > overlap_tolerance && oy > overlap_tolerance)
          throw parse_error("grid '" + name_ + "': keys '" + describe(keys_[a]) + "' and '" + describe(keys_[b]) +
                            "' overlap by " + std::to_string(ox) + " x " + std::to_string(oy) + " px");
      }
    float x0 = 1e30F, y0 = 1e30F, x1 = -1e30F, y1 = -1e30F;
    std::vector<float> ws, hs;
    for (auto i : letters_) {
      const auto& b = keys_[i].box;
      x0 = std::min(x0, b.x);
      y0 = std::min(y0, b.y);
      x1 = std::max(x1, b.x + b.w);
      y1 = std::max(y1, b.y + b.h);
      ws.push_back(b.w);
      hs.push_back(b.h);
    }
    area_ = {x0, y0, x1 - x0, y1 - y0};
    std::nth_element(ws.begin(), ws.begin() + static_cast<std::ptrdiff_t>(ws.size() / 2), ws.end());
    std::nth_element(hs.begin(), hs.begin() + static_cast<std::ptrdiff_t>(hs.size() / 2), hs.end());
    key_w_ = ws[ws.size() / 2];
    key_h_ = hs[hs.size() / 2];
  }

  static std::string describe(const key& k) { return k.label.empty() ? k.action : k.label; }

  std::string name_;
  float width_ = 0, height_ = 0;
  std::vector<key> keys_;
  std::vector<std::size_t> letters_;
  hitbox area_;
  float key_w_ = 0, key_h_ = 0;
};

/// Named grids, as in the competition's gridname_to_grid.json.
class grid_set {
 public:
  grid_set() = default;

  static grid_set from_json(const nlohmann::json& j, std::string_view source = "grids") {
    if (!j.is_object()) throw parse_error(std::string(source) + ": expected an object of named grids");
    grid_set s;
    for (const auto& [name, g] : j.items()) {
      try {
        s.add(keyboard_grid::from_json(g, name));
      } catch (const parse_error& e) {
        throw parse_error(std::string(source) + ": " + e.what());  // the file, then the grid and what is wrong
      }
    }
    return s;
  }

  static grid_set load(const std::string& path) {
    auto s = from_json(io::read_json_file(path, "grid file"), path);
    s.sources_ = path;
    return s;
  }

  /// Loads several grid files into one set; a name defined in two files must hold the same grid.
  static grid_set load(const std::vector<std::string>& paths) {
    if (paths.empty()) throw config_error("no grid file given");
    grid_set all;
    for (const auto& p : paths) {
      try {
        all.merge(load(p));
      } catch (const config_error& e) {
        throw config_error(p + ": " + e.what() + " (another grid file given defines it too)");
      }
    }
    all.sources_.clear();
    for (const auto& p : paths) all.sources_ += (all.sources_.empty() ? "" : ", ") + p;
    return all;
  }

  /// The file(s) the set was loaded from (empty when built in memory): unknown-name errors name them.
  [[nodiscard]] const std::string& sources() const noexcept { return sources_; }

  void add(keyboard_grid g) {
    auto name = g.name();
    grids_.insert_or_assign(std::move(name), std::move(g));
  }

  /// Adds every grid of `other`; a name present in both must hold the same grid.
  void merge(const grid_set& other) {
    for (const auto& [name, g] : other.grids_) {
      auto it = grids_.find(name);
      if (it != grids_.end() && it->second.to_json() != g.to_json())
        throw config_error("grid '" + name + "' is defined twice, differently");
      grids_.insert_or_assign(name, g);
    }
  }

  [[nodiscard]] const keyboard_grid& at(std::string_view name) const {
    auto it = grids_.find(std::string(name));
    if (it == grids_.end()) {
      std::string known;
      std::size_t listed = 0;
      for (const auto& [n, g] : grids_)
        if (++listed <= 12) known += (known.empty() ? "" : ", ") + n;
      if (grids_.size() > 12) known += ", ... (" + std::to_string(grids_.size()) + " in all)";
      throw unknown_name_error("unknown grid '" + std::string(name) + "'" +
                               (sources_.empty() ? std::string{} : " in " + sources_) + " (known: " + known + ")");
    }
    return it->second;
  }
  [[nodiscard]] bool contains(std::string_view name) const { return grids_.count(std::string(name)) != 0; }
  [[nodiscard]] std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& [n, g] : grids_) out.push_back(n);
    return out;
  }

 private:
  std::map<std::string, keyboard_grid> grids_;
  std::string sources_;
};

}  // namespace glide::swipe
