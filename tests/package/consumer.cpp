// A tiny program using Glide as a package: greedy decoding with the reference model.
#include <cstdio>
#include <random>

#include <glide/glide.hpp>
#include <glide/testing/reference_model.hpp>

int main() {
  std::mt19937 rng{7};
  auto model = glide::testing::reference_backend::random(rng);
  auto memory = model.encoder().encode(model.random_input(rng));
  auto result = glide::greedy_search(model.decoder(), memory, {.max_length = 8});
  if (result.hypotheses.size() != 1 || result.stats.decoder_steps == 0) return 1;
  std::printf("greedy: %zu tokens, score %.3f, %zu steps\n", result.hypotheses[0].tokens.size(),
              static_cast<double>(result.hypotheses[0].score), result.stats.decoder_steps);
  return 0;
}
