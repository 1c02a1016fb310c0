#pragma once
// Small model configurations and random encoder inputs for tests and benchmarks of real backends.

#include <cstddef>
#include <random>
#include <string>

#include <glide/core/types.hpp>
#include <glide/model/config.hpp>
#include <glide/swipe/model_input.hpp>

namespace glide::testing {

/// A quick-to-run model of the given families (d=32, 2+2 layers, alphabet a-h).
inline model::model_config small_model_config(const std::string& encoder, const std::string& decoder) {
  model::model_config c;
  c.encoder = encoder;
  c.decoder = decoder;
  c.d_model = 32;
  c.heads = 4;
  c.encoder_layers = 2;
  c.decoder_layers = 2;
  c.ffn = 48;
  c.conv_kernel = 5;
  c.max_word_length = 12;
  c.alphabet = "abcdefgh";
  return c;
}

/// A swipe-shaped input: normal kinematics, keys uniform over [0, vocab); with keys_per_point > 1
/// (a model with soft_keys), that many keys a point with random weights summing to 1.
template <class Rng>
swipe::model_input random_model_input(Rng& rng, std::size_t points, std::size_t vocab, std::size_t keys_per_point = 1) {
  std::normal_distribution<float> z;
  std::uniform_int_distribution<token_id> key{0, static_cast<token_id>(vocab) - 1};
  std::uniform_real_distribution<float> u{0.01F, 1.0F};
  swipe::model_input in;
  in.points = points;
  in.keys_per_point = keys_per_point;
  for (std::size_t i = 0; i < points * model::model_config::kinematic_dim; ++i) in.kinematics.push_back(z(rng));
  for (std::size_t i = 0; i < points * keys_per_point; ++i) in.keys.push_back(key(rng));
  if (keys_per_point > 1) {
    for (std::size_t i = 0; i < points; ++i) {
      float total = 0;
      for (std::size_t j = 0; j < keys_per_point; ++j) total += in.key_weights.emplace_back(u(rng));
      for (std::size_t j = 0; j < keys_per_point; ++j) in.key_weights[i * keys_per_point + j] /= total;
    }
  }
  return in;
}

}  // namespace glide::testing
