// A library user's own LogitsProcessor and Decoder checked with the installed law kits
// (glide::laws, glide/testing/laws/), as a user's test suite would.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <random>

#include <glide/glide.hpp>
#include <glide/testing/laws/decoder_laws.hpp>
#include <glide/testing/laws/processor_laws.hpp>
#include <glide/testing/reference_model.hpp>

namespace {

/// A user's processor: bans a token right after itself (no doubled letters).
struct no_doubles {
  void operator()(std::span<const glide::token_id> prefix, std::span<float> scores) const {
    if (prefix.empty()) return;
    const auto last = static_cast<std::size_t>(prefix.back());
    if (last < scores.size()) scores[last] = glide::minus_infinity;
  }
};
static_assert(glide::LogitsProcessor<no_doubles>);

}  // namespace

TEST_CASE("a user's processor obeys the LogitsProcessor laws") {
  std::mt19937 rng{1};
  glide::laws::check_logits_processor_laws(no_doubles{}, rng);
  glide::laws::check_logits_processor_laws(no_doubles{} | glide::top_k{.k = 3}, rng);
}

TEST_CASE("a decoder obeys the Decoder laws from the installed kit") {
  std::mt19937 rng{2};
  auto model = glide::testing::reference_backend::random(rng);
  const auto memory = model.encoder().encode(model.random_input(rng));
  auto oracle = [&](const std::vector<glide::token_id>& prefix) {
    return glide::testing::reference_log_probs(model.tables(), memory, prefix);
  };
  glide::laws::check_decoder_laws(model.decoder(), memory, oracle, glide::testing::reference_tables::eos_id + 1, rng);
}
