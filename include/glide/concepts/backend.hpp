#pragma once
// Backend: a policy bundling an Encoder and a Decoder that share a memory type, so a search written
// `template <Backend B>` plugs into any model family, chosen at compile time.
//
// Syntactic requirements, for a `B b`:
//   typename B::encoder_type (an Encoder); typename B::decoder_type (a Decoder);
//   their memory_type is the same type;
//   b.encoder() -> B::encoder_type&;  b.decoder() -> B::decoder_type&.
//
// Semantic laws: encoder() and decoder() return the same objects on every call (the backend owns
// them); decoding the memory of encoder().encode(x) is what "running the model on x" means.
//
// Models: glide::testing::reference_backend, glide::backends::eigen::model.
//
// Example:
//   template <Backend B> auto decode(B& b, const typename B::encoder_type::input_type& x) {
//     auto memory = b.encoder().encode(x);
//     return greedy_search(b.decoder(), memory, {});
//   }

#include <concepts>

#include <glide/concepts/decoder.hpp>
#include <glide/concepts/encoder.hpp>

namespace glide {

template <class B>
concept Backend = requires(B& b) {
  typename B::encoder_type;
  typename B::decoder_type;
  requires Encoder<typename B::encoder_type>;
  requires Decoder<typename B::decoder_type>;
  requires std::same_as<typename B::encoder_type::memory_type, typename B::decoder_type::memory_type>;
  { b.encoder() } -> std::same_as<typename B::encoder_type&>;
  { b.decoder() } -> std::same_as<typename B::decoder_type&>;
};

}  // namespace glide
