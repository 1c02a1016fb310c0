#pragma once
// What a swipe model's encoder reads: per point, the 6 kinematic features and the token of the
// nearest key's character (pad_id for keys outside the model's alphabet, such as ',' or '.'), or, for
// a layout-conditioned model (model_config::soft_keys >= 2), the tokens of the K nearest letter keys
// with their weights.

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <glide/core/error.hpp>
#include <glide/core/types.hpp>
#include <glide/swipe/features.hpp>
#include <glide/text/char_tokenizer.hpp>

namespace glide::swipe {

struct model_input {
  std::size_t points = 0;
  std::vector<float> kinematics;  ///< [points x 6]
  std::vector<token_id> keys;     ///< [points x keys_per_point], nearest first
  std::size_t keys_per_point = 1;
  std::vector<float> key_weights;  ///< [points x keys_per_point] when keys_per_point > 1 (rows sum to 1); else empty
};

/// The feature options a model's config asks for (its soft keys).
template <class Config>
[[nodiscard]] feature_options feature_options_for(const Config& c) {
  feature_options o;
  o.soft_keys = c.soft_keys;
  o.soft_sigma = static_cast<float>(c.key_sigma);
  return o;
}

/// `max_points` > 0 keeps at most that many points, evenly spread, the first and last included (long
/// swipes cost attention time quadratically; features are computed before, on the full swipe).
inline model_input make_model_input(const swipe_features& f, const keyboard_grid& grid, const char_tokenizer& tokens,
                                    std::size_t max_points = 0) {
  if (f.points == 0) throw shape_error("model input: empty swipe (no points)");
  std::vector<std::size_t> keep;
  if (max_points >= 2 && f.points > max_points) {
    for (std::size_t i = 0; i < max_points; ++i) keep.push_back(i * (f.points - 1) / (max_points - 1));
  } else {
    for (std::size_t i = 0; i < f.points; ++i) keep.push_back(i);
  }
  model_input in;
  in.points = keep.size();
  in.kinematics.resize(in.points * feature_extractor::kinematic_dim);
  const std::size_t per = f.soft_keys >= 2 ? f.soft_keys : 1;
  in.keys_per_point = per;
  in.keys.resize(in.points * per);
  if (per > 1) in.key_weights.resize(in.points * per);
  // Map grid letters to tokens once.
  std::vector<token_id> letter_token(grid.letter_count(), char_tokenizer::pad_id);
  for (std::size_t k = 0; k < grid.letter_count(); ++k)
    if (auto t = tokens.find(grid.letter(k).character)) letter_token[k] = *t;
  for (std::size_t i = 0; i < keep.size(); ++i) {
    for (std::size_t d = 0; d < feature_extractor::kinematic_dim; ++d)
      in.kinematics[i * feature_extractor::kinematic_dim + d] = f.point(keep[i])[d];
    if (per == 1) {
      in.keys[i] = letter_token[static_cast<std::size_t>(f.nearest_keys[keep[i]])];
      continue;
    }
    for (std::size_t j = 0; j < per; ++j) {
      in.keys[i * per + j] = letter_token[static_cast<std::size_t>(f.soft_key_index[keep[i] * per + j])];
      in.key_weights[i * per + j] = f.soft_key_weight[keep[i] * per + j];
    }
  }
  return in;
}

/// Model inputs of swipes on the grids of a grid set, with one feature extractor (and nearest-key
/// raster) per named grid, built on first use; a swipe that carries its grid inline gets a fresh one.
class input_builder {
 public:
  /// `grids` must outlive the builder.
  input_builder(const grid_set& grids, char_tokenizer tokenizer, std::size_t max_points = 0, feature_options options = {})
      : grids_{&grids}, tokenizer_{std::move(tokenizer)}, max_points_{max_points}, options_{options} {}

  /// The model input of a swipe (its grid named or carried inline).
  [[nodiscard]] model_input operator()(const swipe_curve& c) {
    const keyboard_grid& grid = c.grid ? *c.grid : grids_->at(c.grid_name);
    return make_model_input(extractor(grid, c.grid.has_value()).extract(c), grid, tokenizer_, max_points_);
  }

  [[nodiscard]] const char_tokenizer& tokenizer() const noexcept { return tokenizer_; }

 private:
  feature_extractor& extractor(const keyboard_grid& grid, bool inline_grid) {
    if (inline_grid) {
      // Inline grids may differ line to line: build a fresh extractor each time.
      inline_ = std::make_unique<feature_extractor>(grid, options_);
      return *inline_;
    }
    auto it = cache_.find(grid.name());
    if (it == cache_.end()) it = cache_.emplace(grid.name(), std::make_unique<feature_extractor>(grid, options_)).first;
    return *it->second;
  }

  const grid_set* grids_;
  char_tokenizer tokenizer_;
  std::size_t max_points_ = 0;
  feature_options options_;
  std::map<std::string, std::unique_ptr<feature_extractor>> cache_;
  std::unique_ptr<feature_extractor> inline_;
};

}  // namespace glide::swipe
