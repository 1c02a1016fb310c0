#pragma once
// A geometric swipe recognizer for any layout, with no training: SHARK2-style template matching
// (Kristensson & Zhai, UIST 2004). Each vocabulary word's ideal path runs through its letters' key
// centres; a swipe is compared with it by
//   start, end   the distance of the swipe's first / last point to the word's first / last key centre
//   location     the mean distance of corresponding points of the two paths, each resampled to N
//                points equally spaced along its length
//   shape        the same after translating each path's centroid to the origin and scaling its larger
//                bounding-box side to 1 (so a well-drawn but offset or scaled swipe still matches)
// all in key units (x in key widths, y in key heights, from the letter area's corner), so one set of
// parameters fits every keyboard size. A word's score, higher is better, is
//   -(start_weight * start + end_weight * end + location_weight * location + shape_weight * shape)
//   + prior_weight * log p(word).
// Pruning is exact: words are grouped by (first letter, last letter) and, within a group, sorted by
// prior; start + end give an upper bound on every word of a group, so a best-first walk over groups
// stops as soon as no unseen word can enter the n-best (tests check it equals the full scan).
// Templates depend only on the layout in key units: the many sizes of one keyboard share one set
// (centres within share_tolerance key units).

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <glide/core/error.hpp>
#include <glide/core/types.hpp>
#include <glide/io/json_file.hpp>
#include <glide/metrics/swipe_metrics.hpp>
#include <glide/search/prediction.hpp>
#include <glide/swipe/dataset.hpp>
#include <glide/swipe/grid.hpp>
#include <glide/text/char_tokenizer.hpp>
#include <glide/text/utf8.hpp>
#include <glide/vocab/trie.hpp>

namespace glide::swipe {

struct geometric_options {
  std::size_t points = 32;       ///< points per resampled path
  float start_weight = 1.0F;     ///< per key unit of start distance
  float end_weight = 0.5F;       ///< per key unit of end distance
  float location_weight = 1.0F;  ///< per key unit of mean point distance
  float shape_weight = 2.0F;     ///< per unit of mean distance of normalised shapes
  float prior_weight = 0.3F;     ///< on the natural log of the word's relative frequency
  std::size_t n_best = 4;
  bool prune = true;             ///< false: score every word (the reference the pruning must equal)

  [[nodiscard]] nlohmann::json to_json() const {
    // Four decimals: the fitted steps are coarser, and the file stays readable.
    auto r = [](float v) { return std::round(static_cast<double>(v) * 1e4) / 1e4; };
    return {{"points", points},
            {"start_weight", r(start_weight)},
            {"end_weight", r(end_weight)},
            {"location_weight", r(location_weight)},
            {"shape_weight", r(shape_weight)},
            {"prior_weight", r(prior_weight)},
            {"n_best", n_best}};
  }
  /// Reads the fields of to_json() (any subset); unknown keys and negative or non-finite weights throw
  /// config_error naming `source`.
  static geometric_options from_json(const nlohmann::json& j, const std::string& source) {
    geometric_options o;
    if (!j.is_object()) throw config_error(source + ": geometric options must be a JSON object");
    for (const auto& [k, v] : j.items()) {
      float* f = k == "start_weight"      ? &o.start_weight
                 : k == "end_weight"      ? &o.end_weight
                 : k == "location_weight" ? &o.location_weight
                 : k == "shape_weight"    ? &o.shape_weight
                 : k == "prior_weight"    ? &o.prior_weight
                                          : nullptr;
      if (f) {
        if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0)
          throw config_error(source + ": '" + k + "' must be a finite number >= 0");
        *f = v.get<float>();
      } else if (k == "points" || k == "n_best") {
        if (!v.is_number_unsigned() || v.get<std::size_t>() == 0 || v.get<std::size_t>() > 1024)
          throw config_error(source + ": '" + k + "' must be an integer in 1..1024");
        (k == "points" ? o.points : o.n_best) = v.get<std::size_t>();
      } else {
        throw config_error(source + ": unknown geometric option '" + k + "'");
      }
    }
    if (o.points < 2) throw config_error(source + ": 'points' must be at least 2");
    return o;
  }
  static geometric_options load(const std::string& path) { return from_json(io::read_json_file(path, "geometric options"), path); }
};

/// The channels of one (swipe, word) pair: distances in key units and the word's log prior.
struct geometric_channels {
  float start = 0, end = 0, location = 0, shape = 0, log_prior = 0;

  [[nodiscard]] float score(const geometric_options& o) const noexcept {
    return -(o.start_weight * start + o.end_weight * end + o.location_weight * location + o.shape_weight * shape) +
           o.prior_weight * log_prior;
  }
};

namespace detail {

struct point2 {
  float x = 0, y = 0;
};

/// `n` points equally spaced along the polyline `p` (its first and last included); all at p[0] when
/// the polyline has no length.
inline void resample(const std::vector<point2>& p, std::size_t n, point2* out) {
  double total = 0;
  for (std::size_t i = 1; i < p.size(); ++i) total += std::hypot(p[i].x - p[i - 1].x, p[i].y - p[i - 1].y);
  if (p.size() < 2 || total <= 0) {
    for (std::size_t i = 0; i < n; ++i) out[i] = p.front();
    return;
  }
  const double step = total / static_cast<double>(n - 1);
  std::size_t seg = 1;
  double seg_start = 0;  // arc length at p[seg - 1]
  double seg_len = std::hypot(p[1].x - p[0].x, p[1].y - p[0].y);
  for (std::size_t i = 0; i < n; ++i) {
    const double target = i + 1 == n ? total : step * static_cast<double>(i);
    while (seg + 1 < p.size() && seg_start + seg_len < target) {
      seg_start += seg_len;
      ++seg;
      seg_len = std::hypot(p[seg].x - p[seg - 1].x, p[seg].y - p[seg - 1].y);
    }
    const double f = seg_len > 0 ? std::clamp((target - seg_start) / seg_len, 0.0, 1.0) : 0.0;
    out[i] = {static_cast<float>(p[seg - 1].x + f * (p[seg].x - p[seg - 1].x)),
              static_cast<float>(p[seg - 1].y + f * (p[seg].y - p[seg - 1].y))};
  }
}

/// Centroid and scale (the larger bounding-box side, at least `min_scale`) of n points.
inline void normaliser(const point2* p, std::size_t n, float min_scale, float& cx, float& cy, float& inv_scale) {
  float x0 = p[0].x, x1 = p[0].x, y0 = p[0].y, y1 = p[0].y;
  double sx = 0, sy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    x0 = std::min(x0, p[i].x);
    x1 = std::max(x1, p[i].x);
    y0 = std::min(y0, p[i].y);
    y1 = std::max(y1, p[i].y);
    sx += p[i].x;
    sy += p[i].y;
  }
  cx = static_cast<float>(sx / static_cast<double>(n));
  cy = static_cast<float>(sy / static_cast<double>(n));
  inv_scale = 1.0F / std::max({x1 - x0, y1 - y0, min_scale});
}

/// Keeps the `k` best of the items offered: `top` is a heap whose front is the worst kept, under
/// `worse` (a before b when a is better).
template <class T, class Worse>
void keep_best(std::vector<T>& top, const T& item, std::size_t k, Worse worse) {
  if (top.size() < k) {
    top.push_back(item);
    std::push_heap(top.begin(), top.end(), worse);
  } else if (k > 0 && worse(item, top.front())) {
    std::pop_heap(top.begin(), top.end(), worse);
    top.back() = item;
    std::push_heap(top.begin(), top.end(), worse);
  }
}

}  // namespace detail

class geometric_recognizer {
 public:
  /// Shapes smaller than this (key units) are not blown up: a tap's jitter is not a shape.
  static constexpr float min_shape_scale = 0.5F;

  /// Templates for every word of `trie` (spelled by `tokenizer`); `grids` resolves curves' grid names.
  geometric_recognizer(const vocabulary_trie& trie, const char_tokenizer& tokenizer, const grid_set& grids,
                       geometric_options options = {})
      : grids_{&grids}, options_{options} {
    if (options_.points < 2) throw config_error("geometric recognizer: points must be at least 2");
    trie.for_each_word([&](std::span<const token_id> tokens, float log_freq) {
      text_ += tokenizer.decode(tokens);
      ends_.push_back(static_cast<std::uint32_t>(text_.size()));
      log_prior_.push_back(log_freq);
    });
    if (ends_.empty()) throw config_error("geometric recognizer: the vocabulary has no words");
    // Which named grids share a template set is decided here, in name order, so it never depends on
    // which swipe came first (results must not change with the order or sharding of a dataset).
    for (const auto& name : grids.names()) {
      const auto& g = grids.at(name);
      auto layout = layout_of(g);
      if (std::none_of(representatives_.begin(), representatives_.end(), [&](const auto& r) { return near(r.layout, layout); }))
        representatives_.push_back({std::move(layout), &g});
    }
  }

  [[nodiscard]] const geometric_options& options() const noexcept { return options_; }
  [[nodiscard]] std::size_t word_count() const noexcept { return ends_.size(); }
  /// Template sets built so far (one per distinct layout in key units). Only the recognizer alone
  /// (recognize, best) needs a template for every word; rescoring and spellings make theirs per
  /// swipe, so a recognizer that only rescores never holds the vocabulary's templates.
  [[nodiscard]] std::size_t template_sets() const {
    std::lock_guard lock{mutex_};
    return cache_.size();
  }

  struct candidate {
    std::size_t word = 0;  ///< index into the vocabulary (in the trie's token order)
    float score = 0;
    geometric_channels channels;
  };

  struct result {
    prediction words;
    std::size_t scored = 0;  ///< words whose full score was computed
  };

  /// The n-best words for a swipe (its grid named or carried inline), best first; ties go to the
  /// word earlier in token order.
  [[nodiscard]] result recognize(const swipe_curve& c) const {
    auto [cands, scored] = best(c, options_, options_.n_best);
    result r;
    r.scored = scored;
    for (const auto& k : cands) r.words.push_back({word(k.word), k.score});
    return r;
  }

  /// The `k` best candidates under `o` (same template size), with their channels: what fitting and
  /// rescoring read. Also returns how many words were scored in full.
  [[nodiscard]] std::pair<std::vector<candidate>, std::size_t> best(const swipe_curve& c, const geometric_options& o,
                                                                    std::size_t k) const {
    if (o.points != options_.points) throw config_error("geometric recognizer: options with another template size");
    if (k == 0) return {};  // nothing asked for (and the pruning below compares against the worst kept)
    const auto& g = c.grid ? *c.grid : grids_->at(c.grid_name);
    const auto& t = templates_for(g);
    const auto sw = prepare(c, g);
    std::vector<candidate> top;  // min-heap on (score, -word)
    auto worse = [](const candidate& a, const candidate& b) { return a.score > b.score || (a.score == b.score && a.word < b.word); };
    std::size_t scored = 0;
    auto offer = [&](std::size_t w) {
      ++scored;
      const auto ch = channels(sw, t, w);
      detail::keep_best(top, candidate{w, ch.score(o), ch}, k, worse);
    };
    if (!o.prune) {
      for (std::size_t w = 0; w < word_count(); ++w)
        if (t.typeable[w]) offer(w);
    } else {
      // Best-first over (first, last) groups: a group's bound is its geometry bound plus its next
      // word's prior; the location term's two end points are part of the bound too.
      const float n = static_cast<float>(o.points);
      struct entry {
        float bound;
        std::size_t group, next;
        bool operator<(const entry& e) const { return bound < e.bound; }
      };
      std::priority_queue<entry> queue;
      std::vector<float> group_geo(t.groups.size());
      for (std::size_t g = 0; g < t.groups.size(); ++g) {
        const auto& grp = t.groups[g];
        const float ds = std::hypot(sw.path.front().x - grp.first.x, sw.path.front().y - grp.first.y);
        const float de = std::hypot(sw.path.back().x - grp.last.x, sw.path.back().y - grp.last.y);
        const float geo = -((o.start_weight + o.location_weight / n) * ds + (o.end_weight + o.location_weight / n) * de);
        queue.push({geo + o.prior_weight * log_prior_[grp.words.front()], g, 0});
        group_geo[g] = geo;
      }
      while (!queue.empty()) {
        const auto e = queue.top();
        // The slack covers rounding: the bound and the score add the same terms in another order.
        if (top.size() >= k && e.bound + 1e-4F * (1 + std::abs(e.bound)) < top.front().score) break;
        queue.pop();
        const auto& grp = t.groups[e.group];
        offer(grp.words[e.next]);
        if (e.next + 1 < grp.words.size())
          queue.push({group_geo[e.group] + o.prior_weight * log_prior_[grp.words[e.next + 1]], e.group, e.next + 1});
      }
    }
    std::sort(top.begin(), top.end(), worse);
    return {std::move(top), scored};
  }

  /// The channels of each of `words` for one swipe, the swipe resampled once; nullopt for a word not
  /// in the vocabulary or not typeable on the swipe's grid. Rescoring another recognizer's candidates
  /// reads this. The words' templates are made for the swipe (the same points as the template sets').
  [[nodiscard]] std::vector<std::optional<geometric_channels>> channels_of(const swipe_curve& c,
                                                                         std::span<const std::string> words) const {
    const auto& index = sorted_index();
    std::vector<std::string> known;
    std::vector<float> priors;
    std::vector<std::size_t> at(words.size(), words.size());  // each word's place in `known`, or none
    for (std::size_t i = 0; i < words.size(); ++i) {
      const auto it = std::lower_bound(index.begin(), index.end(), words[i],
                                       [&](std::size_t w, const std::string& x) { return word_view(w) < x; });
      if (it == index.end() || word_view(*it) != words[i]) continue;
      at[i] = known.size();
      known.push_back(words[i]);
      priors.push_back(log_prior_[*it]);
    }
    std::vector<std::optional<geometric_channels>> out(words.size());
    if (known.empty()) return out;
    const auto ch = channels_of_spellings(c, known, priors);
    for (std::size_t i = 0; i < words.size(); ++i)
      if (at[i] < known.size()) out[i] = ch[at[i]];
    return out;
  }
  [[nodiscard]] std::optional<geometric_channels> channels_of(const swipe_curve& c, const std::string& word) const {
    return channels_of(c, std::span<const std::string>{&word, 1}).front();
  }

  /// The `k` best of `count` words (any spellings, e.g. a user's dictionary) for a swipe under this
  /// recognizer's options, best first, as (score, index into words); `log_prior(i)` gives word i's log
  /// prior (<= 0). Pruned as best() is: a word's start and end distances bound its score (with a
  /// prior of 0), so templates are made, in bound order, only until no word left can enter; exact
  /// unless `max_templates` (0: no limit) stops it first, which bounds the work for large lists.
  /// `spelling(i)` gives word i (of `count`) as a string.
  template <class Spelling, class LogPrior>
  [[nodiscard]] std::vector<std::pair<float, std::size_t>> best_spellings(const swipe_curve& c, std::size_t count, Spelling&& spelling,
                                                                          LogPrior&& log_prior, std::size_t k,
                                                                          std::size_t max_templates = 0) const {
    std::vector<std::pair<float, std::size_t>> top;
    if (k == 0 || count == 0) return top;
    const auto& g = c.grid ? *c.grid : grids_->at(c.grid_name);
    const auto layout = resolve(g).first;
    const auto sw = prepare(c, g);
    const auto& o = options_;
    const float n = static_cast<float>(o.points);
    const key_centres centre{layout};
    auto ends = [](const std::string& w) -> std::pair<char32_t, char32_t> {
      const auto f = static_cast<unsigned char>(w.front()), b = static_cast<unsigned char>(w.back());
      if (f < 128 && b < 128) return {f, b};
      const auto chars = utf8::decode(w);
      return {chars.front(), chars.back()};
    };
    std::vector<std::pair<float, std::size_t>> bounds;
    bounds.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      const std::string& w = spelling(i);
      if (w.empty()) continue;
      const auto [a, z] = ends(w);
      const auto* first = centre(a);
      const auto* last = centre(z);
      if (!first || !last) continue;
      const float ds = std::hypot(sw.path.front().x - first->x, sw.path.front().y - first->y);
      const float de = std::hypot(sw.path.back().x - last->x, sw.path.back().y - last->y);
      bounds.emplace_back(-((o.start_weight + o.location_weight / n) * ds + (o.end_weight + o.location_weight / n) * de), i);
    }
    auto worse = [](const std::pair<float, std::size_t>& a, const std::pair<float, std::size_t>& b) {
      return a.first > b.first || (a.first == b.first && a.second < b.second);
    };
    std::sort(bounds.begin(), bounds.end(), worse);
    std::size_t made = 0;
    for (const auto& [bound, i] : bounds) {
      if (top.size() >= k && bound + 1e-4F * (1 + std::abs(bound)) < top.front().first) break;
      if (max_templates != 0 && made++ == max_templates) break;
      const float prior = log_prior(i);
      const std::string& word = spelling(i);
      const auto ch = channels_of_spellings(sw, centre, std::span<const std::string>{&word, 1}, std::span<const float>{&prior, 1}).front();
      if (ch) detail::keep_best(top, std::pair{ch->score(o), i}, k, worse);
    }
    std::sort(top.begin(), top.end(), worse);
    return top;
  }

  /// The channels of any spellings (words of the user's dictionary, literal spellings), each with the
  /// log prior given for it, their templates made for this swipe's layout on the fly; nullopt for a
  /// spelling the grid cannot type.
  [[nodiscard]] std::vector<std::optional<geometric_channels>> channels_of_spellings(const swipe_curve& c,
                                                                                   std::span<const std::string> words,
                                                                                   std::span<const float> log_priors) const {
    if (words.size() != log_priors.size()) throw shape_error("channels_of_spellings: one log prior per word");
    if (words.empty()) return std::vector<std::optional<geometric_channels>>(0);
    const auto& g = c.grid ? *c.grid : grids_->at(c.grid_name);
    const auto layout = resolve(g).first;
    return channels_of_spellings(prepare(c, g), key_centres{layout}, words, log_priors);
  }

 private:
  struct template_set;
  struct prepared;
  using layout_type = std::vector<std::pair<char32_t, detail::point2>>;
  // The key centres of a layout by character: a table for ASCII (most spellings), a scan of the
  // layout otherwise.
  struct key_centres {
    explicit key_centres(const layout_type& l) : layout{&l} {
      for (const auto& l : *layout)
        if (l.first < ascii.size() && !ascii[l.first]) ascii[l.first] = &l.second;
    }
    [[nodiscard]] const detail::point2* operator()(char32_t ch) const {
      if (ch < ascii.size()) return ascii[ch];
      for (const auto& l : *layout)
        if (l.first == ch) return &l.second;
      return nullptr;
    }
    const std::vector<std::pair<char32_t, detail::point2>>* layout;
    std::array<const detail::point2*, 128> ascii{};
  };
  std::vector<std::optional<geometric_channels>> channels_of_spellings(const prepared& sw, const key_centres& centre,
                                                                     std::span<const std::string> words,
                                                                     std::span<const float> log_priors) const {
    std::vector<std::optional<geometric_channels>> out(words.size());
    const std::size_t n = options_.points;
    std::vector<detail::point2> centres, q(n);
    for (std::size_t w = 0; w < words.size(); ++w) {
      centres.clear();
      bool ok = true;
      for (char32_t ch : utf8::decode(words[w])) {
        const auto* p = centre(ch);
        if (!p) {
          ok = false;
          break;
        }
        if (centres.empty() || centres.back().x != p->x || centres.back().y != p->y) centres.push_back(*p);
      }
      if (!ok || centres.empty()) continue;
      detail::resample(centres, n, q.data());
      float cx = 0, cy = 0, is = 1;
      detail::normaliser(q.data(), n, min_shape_scale, cx, cy, is);
      out[w] = channels_at(sw, q.data(), cx, cy, is, log_priors[w]);
    }
    return out;
  }

 public:
  /// Word `i` of the vocabulary (in the trie's token order).
  [[nodiscard]] std::string word(std::size_t i) const { return std::string{word_view(i)}; }

  /// The template of `word` on `grid`, in key units (tests read the geometry).
  [[nodiscard]] std::vector<std::pair<float, float>> template_of(const keyboard_grid& grid, const std::string& word) const {
    std::size_t w = 0;
    while (w < word_count() && word_view(w) != word) ++w;
    if (w == word_count()) throw unknown_name_error("geometric recognizer: no word '" + word + "' in the vocabulary");
    const auto& t = templates_for(grid);
    if (!t.typeable[w]) throw config_error("geometric recognizer: grid '" + grid.name() + "' cannot type '" + word + "'");
    std::vector<std::pair<float, float>> out;
    for (std::size_t i = 0; i < options_.points; ++i) out.emplace_back(t.points[w * options_.points + i].x, t.points[w * options_.points + i].y);
    return out;
  }

 private:
  struct group {
    detail::point2 first, last;     ///< key centres of the first and last letters
    std::vector<std::size_t> words;  ///< by prior, best first
  };
  struct template_set {
    std::vector<detail::point2> points;  ///< [word x points], key units
    std::vector<float> cx, cy, inv_scale;  ///< each template's normaliser
    std::vector<char> typeable;
    std::vector<group> groups;
    std::vector<std::pair<char32_t, detail::point2>> layout;  ///< letters and key centres, key units
  };
  struct prepared {
    std::vector<detail::point2> path;  ///< resampled, key units
    float cx = 0, cy = 0, inv_scale = 1;
  };

  // The swipe in key units of its own grid (template sets are shared by grids of one layout).
  prepared prepare(const swipe_curve& c, const keyboard_grid& g) const {
    if (c.x.empty()) throw shape_error("geometric recognizer: empty swipe (no points)");
    const auto& area = g.letter_area();
    const float kw = g.key_width(), kh = g.key_height();
    std::vector<detail::point2> raw(c.size());
    for (std::size_t i = 0; i < c.size(); ++i) raw[i] = {(c.x[i] - area.x) / kw, (c.y[i] - area.y) / kh};
    prepared p;
    p.path.resize(options_.points);
    detail::resample(raw, options_.points, p.path.data());
    detail::normaliser(p.path.data(), options_.points, min_shape_scale, p.cx, p.cy, p.inv_scale);
    return p;
  }

  geometric_channels channels(const prepared& s, const template_set& t, std::size_t w) const {
    const std::size_t n = options_.points;
    return channels_at(s, t.points.data() + w * n, t.cx[w], t.cy[w], t.inv_scale[w], log_prior_[w]);
  }

  geometric_channels channels_at(const prepared& s, const detail::point2* q, float tcx, float tcy, float tis, float log_prior) const {
    const std::size_t n = options_.points;
    float loc = 0, shape = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const float dx = s.path[i].x - q[i].x, dy = s.path[i].y - q[i].y;
      loc += std::sqrt(dx * dx + dy * dy);
      const float sx = (s.path[i].x - s.cx) * s.inv_scale - (q[i].x - tcx) * tis;
      const float sy = (s.path[i].y - s.cy) * s.inv_scale - (q[i].y - tcy) * tis;
      shape += std::sqrt(sx * sx + sy * sy);
    }
    geometric_channels ch;
    ch.start = std::hypot(s.path.front().x - q[0].x, s.path.front().y - q[0].y);
    ch.end = std::hypot(s.path.back().x - q[n - 1].x, s.path.back().y - q[n - 1].y);
    ch.location = loc / static_cast<float>(n);
    ch.shape = shape / static_cast<float>(n);
    ch.log_prior = log_prior;
    return ch;
  }

  // Grids whose letters sit within this many key units of a template set's layout share it: the sizes
  // of one keyboard differ by a pixel here and there (one set is 25 MB at 100k words).
  static constexpr float share_tolerance = 0.12F;

  [[nodiscard]] std::string_view word_view(std::size_t i) const {
    const std::size_t b = i == 0 ? 0 : ends_[i - 1];
    return std::string_view{text_}.substr(b, ends_[i] - b);
  }

  /// The letters' centres in key units from the letter area's corner.
  static layout_type layout_of(const keyboard_grid& g) {
    const float kw = g.key_width(), kh = g.key_height();
    const auto& area = g.letter_area();
    layout_type layout;
    for (std::size_t i = 0; i < g.letter_count(); ++i) {
      const auto& l = g.letter(i);
      layout.push_back({l.character, {(l.box.center_x() - area.x) / kw, (l.box.center_y() - area.y) / kh}});
    }
    return layout;
  }
  static bool near(const layout_type& a, const layout_type& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (a[i].first != b[i].first || std::abs(a[i].second.x - b[i].second.x) > share_tolerance ||
          std::abs(a[i].second.y - b[i].second.y) > share_tolerance)
        return false;
    return true;
  }

  /// The layout whose templates `input` uses, and its grid: the first named grid (in name order)
  /// whose layout is within share_tolerance of it, or, for an inline grid near none, its own.
  std::pair<layout_type, const keyboard_grid*> resolve(const keyboard_grid& input) const {
    auto layout = layout_of(input);
    for (const auto& r : representatives_)
      if (near(r.layout, layout)) return {r.layout, r.grid};
    return {std::move(layout), &input};
  }

  /// The templates of every word for `input`'s layout (resolve), made at the first call.
  const template_set& templates_for(const keyboard_grid& input) const {
    auto [layout, source] = resolve(input);
    const keyboard_grid& g = *source;
    const float kw = g.key_width(), kh = g.key_height();
    const auto& area = g.letter_area();
    std::lock_guard lock{mutex_};
    for (const auto& set : cache_) {
      bool same = set->layout.size() == layout.size();
      for (std::size_t i = 0; i < layout.size() && same; ++i)
        same = set->layout[i].first == layout[i].first && set->layout[i].second.x == layout[i].second.x &&
               set->layout[i].second.y == layout[i].second.y;
      if (same) return *set;
    }
    auto t = std::make_unique<template_set>();
    t->layout = std::move(layout);
    const std::size_t n = options_.points;
    const std::size_t words = word_count();
    t->points.resize(words * n);
    t->cx.resize(words);
    t->cy.resize(words);
    t->inv_scale.resize(words);
    t->typeable.assign(words, 0);
    std::map<std::pair<std::size_t, std::size_t>, std::size_t> group_of;
    std::vector<detail::point2> centres;
    for (std::size_t w = 0; w < words; ++w) {
      centres.clear();
      std::size_t first = 0, last = 0;
      bool ok = true;
      const auto chars = utf8::decode(word_view(w));
      for (std::size_t i = 0; i < chars.size() && ok; ++i) {
        const auto k = g.find_letter(chars[i]);
        if (!k) {
          ok = false;
          break;
        }
        const auto& box = g.letter(*k).box;
        const detail::point2 p{(box.center_x() - area.x) / kw, (box.center_y() - area.y) / kh};
        if (i == 0) first = *k;
        last = *k;
        if (centres.empty() || centres.back().x != p.x || centres.back().y != p.y) centres.push_back(p);
      }
      if (!ok || centres.empty()) continue;
      t->typeable[w] = 1;
      detail::resample(centres, n, t->points.data() + w * n);
      detail::normaliser(t->points.data() + w * n, n, min_shape_scale, t->cx[w], t->cy[w], t->inv_scale[w]);
      auto [gi, fresh] = group_of.try_emplace({first, last}, t->groups.size());
      if (fresh) t->groups.push_back({centres.front(), centres.back(), {}});
      t->groups[gi->second].words.push_back(w);
    }
    for (auto& grp : t->groups)
      std::stable_sort(grp.words.begin(), grp.words.end(), [&](std::size_t a, std::size_t b) { return log_prior_[a] > log_prior_[b]; });
    cache_.push_back(std::move(t));
    return *cache_.back();
  }

  const std::vector<std::uint32_t>& sorted_index() const {
    std::lock_guard lock{mutex_};
    if (sorted_.empty()) {
      sorted_.resize(word_count());
      for (std::size_t i = 0; i < sorted_.size(); ++i) sorted_[i] = static_cast<std::uint32_t>(i);
      std::sort(sorted_.begin(), sorted_.end(), [&](std::size_t a, std::size_t b) { return word_view(a) < word_view(b); });
    }
    return sorted_;
  }

  const grid_set* grids_;
  geometric_options options_;
  std::string text_;                 // every word, back to back (UTF-8)
  std::vector<std::uint32_t> ends_;  // word i is text_[ends_[i - 1], ends_[i])
  std::vector<float> log_prior_;
  struct representative {
    layout_type layout;
    const keyboard_grid* grid;
  };
  std::vector<representative> representatives_;  ///< named grids that own a template set, in name order
  mutable std::mutex mutex_;
  mutable std::vector<std::unique_ptr<template_set>> cache_;
  mutable std::vector<std::uint32_t> sorted_;  // word indices in string order
};

/// Re-ranks another recognizer's n-best `words` for swipe `c`: each score becomes
/// score + weight * geometric score (under `rec`'s options); a word the geometric recognizer cannot
/// score (not in its vocabulary, or not typeable on the grid) goes last, with the lowest finite score
/// (a predictions file must stay valid JSON). Stable for equal scores. The channels come from `rec`
/// (its templates and resampling); `options`, by default rec's own, weigh them.
inline void rescore_geometric(prediction& words, const swipe_curve& c, const geometric_recognizer& rec,
                              const geometric_options& options, float weight) {
  const auto ch = rec.channels_of(c, words_of(words));
  for (std::size_t i = 0; i < words.size(); ++i)
    words[i].score = ch[i] ? words[i].score + weight * ch[i]->score(options) : std::numeric_limits<float>::lowest();
  std::stable_sort(words.begin(), words.end(), [](const auto& a, const auto& b) { return a.score > b.score; });
}
inline void rescore_geometric(prediction& words, const swipe_curve& c, const geometric_recognizer& rec, float weight) {
  rescore_geometric(words, c, rec, rec.options(), weight);
}

/// One labelled swipe's candidates for fitting: each candidate's channels and a fixed base score
/// (0 for the geometric recognizer alone; another recognizer's score when fitting a rescoring).
struct geometric_pool {
  std::vector<geometric_channels> channels;
  std::vector<float> base;
  std::ptrdiff_t target = -1;  ///< the target word's index, or -1 when it is not among the candidates
};

struct geometric_fit {
  geometric_options options;
  double accuracy_at_1 = 0, mrr = 0;  ///< over all pools (a pool without its target is a miss)
  double start_accuracy_at_1 = 0;     ///< under the starting weights
  std::size_t swipes = 0, target_in_pool = 0;
};

/// Coordinate ascent over each weight of `start`, on multiplicative steps, maximising accuracy@1
/// (Swipe MRR breaks ties) of base + geometric score over the pools.
inline geometric_fit fit_geometric_pools(const std::vector<geometric_pool>& pools, geometric_options start, std::size_t rounds = 3) {
  if (pools.empty()) throw config_error("geometric fit: no labelled swipes");
  auto evaluate = [&](const geometric_options& o) {
    double at1 = 0, mrr = 0;
    for (const auto& p : pools) {
      if (p.target < 0) continue;
      const auto t = static_cast<std::size_t>(p.target);
      const float ts = p.base[t] + p.channels[t].score(o);
      std::size_t better = 0;  // candidates ranked above the target (ties go against it)
      for (std::size_t i = 0; i < p.channels.size(); ++i)
        if (i != t && p.base[i] + p.channels[i].score(o) >= ts) ++better;
      at1 += better == 0;
      if (better < swipe_mrr_weights.size()) mrr += swipe_mrr_weights[better];
    }
    const auto n = static_cast<double>(pools.size());
    return std::pair{at1 / n, mrr / n};
  };
  geometric_fit fit;
  fit.swipes = pools.size();
  for (const auto& p : pools) fit.target_in_pool += p.target >= 0;
  geometric_options best = start;
  auto best_score = evaluate(best);
  fit.start_accuracy_at_1 = best_score.first;
  float geometric_options::*fields[] = {&geometric_options::start_weight, &geometric_options::end_weight,
                                         &geometric_options::location_weight, &geometric_options::shape_weight,
                                         &geometric_options::prior_weight};
  for (std::size_t round = 0; round < rounds; ++round) {
    for (auto f : fields) {
      const float base = best.*f;
      for (float m : {0.0F, 0.25F, 0.5F, 0.7F, 0.85F, 1.2F, 1.4F, 2.0F, 4.0F}) {
        auto o = best;
        o.*f = base == 0 ? m * 0.5F : base * m;  // a weight at 0 can come back
        const auto sc = evaluate(o);
        if (sc > best_score) {
          best_score = sc;
          best = o;
        }
      }
    }
  }
  fit.options = best;
  fit.accuracy_at_1 = best_score.first;
  fit.mrr = best_score.second;
  return fit;
}

/// Fits the weights of a geometric recognizer on labelled swipes (validation data): each swipe's
/// `pool` best candidates under `start` (loose weights, so the target is usually among them) are
/// scored once into channels, then fit_geometric_pools re-ranks them under each setting.
inline geometric_fit fit_geometric_options(const geometric_recognizer& rec, const std::vector<swipe_example>& data,
                                           geometric_options start, std::size_t pool = 64, std::size_t rounds = 3) {
  if (pool == 0) throw config_error("geometric fit: the pool (candidates per swipe) must be at least 1");
  std::vector<geometric_pool> pools;
  for (const auto& ex : data) {
    if (ex.word.empty()) throw config_error("fit_geometric_options: a swipe has no target word");
    geometric_pool p;
    for (const auto& c : rec.best(ex.curve, start, pool).first) {
      if (rec.word(c.word) == ex.word) p.target = static_cast<std::ptrdiff_t>(p.channels.size());
      p.channels.push_back(c.channels);
      p.base.push_back(0);
    }
    pools.push_back(std::move(p));
  }
  return fit_geometric_pools(pools, start, rounds);
}

/// Fits the channel weights of rescore_geometric (weight 1) on another recognizer's n-best lists of
/// labelled swipes: `lists[i]` holds swipe `data[i]`'s words and scores. Words the geometric
/// recognizer cannot score are left out of their pool (rescoring puts them last).
inline geometric_fit fit_rescoring(const geometric_recognizer& rec, const std::vector<swipe_example>& data,
                                   const std::vector<prediction>& lists, geometric_options start, std::size_t rounds = 3) {
  if (lists.size() != data.size())
    throw shape_error("fit_rescoring: " + std::to_string(lists.size()) + " lists for " + std::to_string(data.size()) + " swipes");
  std::vector<geometric_pool> pools;
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (data[i].word.empty()) throw config_error("fit_rescoring: swipe " + std::to_string(i + 1) + " has no target word");
    geometric_pool p;
    const auto ch = rec.channels_of(data[i].curve, words_of(lists[i]));
    for (std::size_t k = 0; k < lists[i].size(); ++k) {
      if (!ch[k]) continue;
      if (lists[i][k].word == data[i].word) p.target = static_cast<std::ptrdiff_t>(p.channels.size());
      p.channels.push_back(*ch[k]);
      p.base.push_back(lists[i][k].score);
    }
    pools.push_back(std::move(p));
  }
  return fit_geometric_pools(pools, start, rounds);
}

}  // namespace glide::swipe
