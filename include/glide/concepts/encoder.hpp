#pragma once
// Encoder: turns one model input (a swipe's features, a test seed, ...) into the memory a Decoder
// attends to.
//
// Syntactic requirements, for an `E e` and `const typename E::input_type& x`:
//   typename E::input_type;  typename E::memory_type (copyable);
//   e.encode(x) -> E::memory_type.
//
// Semantic laws (checked in tests/laws/laws.cpp):
//   determinism: encode(x) called twice on equal inputs gives memories on which a Decoder produces the
//                same logits;
//   purity: encode does not change the encoder's observable behaviour.
//
// Models: glide::testing::reference_encoder, glide::backends::eigen encoders.
//
// Example:
//   auto memory = encoder.encode(features);
//   auto state = decoder.init_state(memory, beam_width);

#include <concepts>

namespace glide {

template <class E>
concept Encoder = requires(E& e, const typename E::input_type& input) {
  typename E::input_type;
  typename E::memory_type;
  requires std::copyable<typename E::memory_type>;
  { e.encode(input) } -> std::same_as<typename E::memory_type>;
};

}  // namespace glide
