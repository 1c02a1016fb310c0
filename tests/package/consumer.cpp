// A tiny program using Glide as a package: greedy decoding with the reference model, and the Eigen
// backend's targets and headers (a random model built from a config).
#include <cstdio>
#include <random>

#include <glide/backends/eigen/model.hpp>
#include <glide/glide.hpp>
#include <glide/model/weights.hpp>
#include <glide/testing/model_inputs.hpp>
#include <glide/testing/reference_model.hpp>

int main() {
  std::mt19937 rng{7};
  auto model = glide::testing::reference_backend::random(rng);
  auto memory = model.encoder().encode(model.random_input(rng));
  auto result = glide::greedy_search(model.decoder(), memory, {.max_length = 8});
  if (result.hypotheses.size() != 1 || result.stats.decoder_steps == 0) return 1;
  std::printf("greedy: %zu tokens, score %.3f, %zu steps\n", result.hypotheses[0].tokens.size(),
              static_cast<double>(result.hypotheses[0].score), result.stats.decoder_steps);

  const auto config = glide::testing::small_model_config("transformer", "transformer");
  glide::backends::eigen::transformer_model eigen_model{
      config, glide::io::safetensors_file::from_tensors(glide::model::random_weights(config, 1))};
  const auto swipe = eigen_model.encoder().encode(glide::testing::random_model_input(rng, 10, config.vocab_size()));
  const auto words = glide::beam_search(eigen_model.decoder(), swipe, {.beam_width = 3, .n_best = 2, .max_length = 6});
  std::printf("eigen beam: %zu hypotheses, %zu steps\n", words.hypotheses.size(), words.stats.decoder_steps);
  return words.hypotheses.empty() ? 1 : 0;
}
