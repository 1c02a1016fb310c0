// Compile-time tests: which types model which concepts, and which do not.

#include <span>
#include <vector>

#include <glide/glide.hpp>
#include <glide/testing/reference_model.hpp>

namespace {
using namespace glide;

// A decoder missing reorder is no Decoder.
struct no_reorder {
  using memory_type = int;
  using state_type = int;
  std::size_t vocab_size() const { return 3; }
  token_id bos_id() const { return 1; }
  token_id eos_id() const { return 2; }
  int init_state(const int&, std::size_t) { return 0; }
  std::size_t batch_size(const int&) const { return 1; }
  logits_view step(const int&, int&, std::span<const token_id>) { return {}; }
};
static_assert(!Decoder<no_reorder>);

// A decoder whose step returns a copy instead of a logits_view is no Decoder.
struct wrong_step : no_reorder {
  std::vector<float> step(const int&, int&, std::span<const token_id>) { return {}; }
  void reorder(int&, std::span<const std::size_t>) {}
};
static_assert(!Decoder<wrong_step>);

struct fixed : no_reorder {
  void reorder(int&, std::span<const std::size_t>) {}
};
static_assert(Decoder<fixed>);

// Processors and criteria are told apart by their call signatures.
static_assert(LogitsProcessor<top_k> && !StoppingCriterion<top_k>);
static_assert(StoppingCriterion<max_length> && !LogitsProcessor<max_length>);
static_assert(!LogitsProcessor<int>);

// Backends need encoder and decoder to agree on the memory type.
struct mismatched {
  using encoder_type = testing::reference_encoder;
  using decoder_type = fixed;
  encoder_type& encoder();
  decoder_type& decoder();
};
static_assert(!Backend<mismatched>);
static_assert(Backend<testing::reference_backend>);
static_assert(BoundedDecoder<ensemble_decoder<testing::reference_decoder>>);
static_assert(Decoder<ensemble_decoder<ensemble_decoder<testing::reference_decoder>>>);  // ensembles nest
static_assert(BoundedDecoder<token_map_decoder<testing::reference_decoder>>);
static_assert(Decoder<ensemble_decoder<token_map_decoder<testing::reference_decoder>>>);

// Options are aggregates set with designated initializers.
constexpr greedy_options opts{.max_length = 7};
static_assert(opts.max_length == 7);
}  // namespace
