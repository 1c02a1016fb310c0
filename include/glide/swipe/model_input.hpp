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

inline model_input make_model_input(const swipe_features& f, const keyboard_grid& grid, const char_tokenizer& tokens) {
  if (f.points == 0) throw shape_error("model input: empty swipe (no points)");
  model_input in;
  in.points = f.points;
  in.kinematics.resize(f.points * feature_extractor::kinematic_dim);
  in.keys.resize(f.points);
  // Map grid letters to tokens once.
  std::vector<token_id> letter_token(grid.letter_count(), char_tokenizer::pad_id);
  for (std::size_t k = 0; k < grid.letter_count(); ++k)
    if (auto t = tokens.find(grid.letter(k).character)) letter_token[k] = *t;
  for (std::size_t i = 0; i < f.points; ++i) {
    for (std::size_t d = 0; d < feature_extractor::kinematic_dim; ++d)
      in.kinematics[i * feature_extractor::kinematic_dim + d] = f.point(i)[d];
    in.keys[i] = letter_token[static_cast<std::size_t>(f.nearest_keys[i])];
  }
  return in;
}

}  // namespace glide::swipe
