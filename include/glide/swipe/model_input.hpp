#pragma once
// What a swipe model's encoder reads: per point, the 6 kinematic features and the token of the
// nearest key's character (pad_id for keys outside the model's alphabet, such as ',' or '.').

#include <cstddef>
#include <vector>

#include <glide/core/error.hpp>
#include <glide/core/types.hpp>
#include <glide/swipe/features.hpp>
#include <glide/text/char_tokenizer.hpp>

namespace glide::swipe {

struct model_input {
  std::size_t points = 0;
  std::vector<float> kinematics;  ///< [points x 6]
  std::vector<token_id> keys;     ///< [points]
};

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
  in.keys.resize(in.points);
  // Map grid letters to tokens once.
  std::vector<token_id> letter_token(grid.letter_count(), char_tokenizer::pad_id);
  for (std::size_t k = 0; k < grid.letter_count(); ++k)
    if (auto t = tokens.find(grid.letter(k).character)) letter_token[k] = *t;
  for (std::size_t i = 0; i < keep.size(); ++i) {
    for (std::size_t d = 0; d < feature_extractor::kinematic_dim; ++d)
      in.kinematics[i * feature_extractor::kinematic_dim + d] = f.point(keep[i])[d];
    in.keys[i] = letter_token[static_cast<std::size_t>(f.nearest_keys[keep[i]])];
  }
  return in;
}

}  // namespace glide::swipe
