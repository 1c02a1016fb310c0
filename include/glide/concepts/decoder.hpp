#pragma once
// Decoder: an incremental, batched, autoregressive scorer of next tokens.
//
// Syntactic requirements, for a `D d`, `const typename D::memory_type& m`, `typename D::state_type& s`,
// `std::span<const token_id> last` and `std::span<const std::size_t> rows`:
//   typename D::memory_type; typename D::state_type (copyable: searches branch by copying);
//   d.vocab_size() -> std::size_t;  d.bos_id(), d.eos_id() -> token_id;
//   d.init_state(m, batch) -> D::state_type       // `batch` rows, each an empty prefix
//   d.batch_size(s) -> std::size_t                // current rows of s
//   d.step(m, s, last) -> logits_view             // [batch_size(s) x vocab_size()]
//   d.reorder(s, rows)                            // row i of s becomes old row rows[i]
//
// Semantic laws (kit: glide/testing/laws/decoder_laws.hpp, target glide::laws), with "the logits of a prefix" meaning the row `step`
// returns after feeding bos_id() and then the prefix's tokens one by one:
//   incrementality: step feeds exactly one token per row and the logits depend only on the row's own
//                   prefix and the memory, never on other rows (batch independence);
//   reorder:        after reorder(s, rows), row i behaves as old row rows[i]; rows may repeat, and
//                   rows.size() may differ from the old batch (beams are dropped and duplicated);
//   copy:           a copy of a state evolves independently of the original;
//   shape:          last.size() must equal batch_size(s), otherwise step throws glide::shape_error;
//                   a row index out of range in reorder throws glide::shape_error.
//   The returned view stays valid until the next step or reorder on the same state.
//
// Optional: d.max_length() -> std::size_t, the most steps one state can take (a transformer's
// positions). decoder_max_length(d) reads it (or "unbounded"), and every search stops a hypothesis
// there, so a long vocabulary word or a large max_length never makes the decoder throw mid-search.
//
// Models: glide::testing::reference_decoder, glide::backends::eigen::transformer_decoder, ...
//
// Example:
//   auto s = d.init_state(memory, 1);
//   token_id t = d.bos_id();
//   auto logits = d.step(memory, s, std::span{&t, 1});

#include <concepts>
#include <cstddef>
#include <limits>
#include <span>

#include <glide/core/logits.hpp>
#include <glide/core/types.hpp>

namespace glide {

template <class D>
concept Decoder = requires(D& d, const D& cd, const typename D::memory_type& memory,
                           typename D::state_type& state, const typename D::state_type& cstate,
                           std::span<const token_id> last, std::span<const std::size_t> rows,
                           std::size_t batch) {
  typename D::memory_type;
  typename D::state_type;
  requires std::copyable<typename D::state_type>;
  { cd.vocab_size() } -> std::convertible_to<std::size_t>;
  { cd.bos_id() } -> std::same_as<token_id>;
  { cd.eos_id() } -> std::same_as<token_id>;
  { d.init_state(memory, batch) } -> std::same_as<typename D::state_type>;
  { cd.batch_size(cstate) } -> std::convertible_to<std::size_t>;
  { d.step(memory, state, last) } -> std::same_as<logits_view>;
  { d.reorder(state, rows) } -> std::same_as<void>;
};

/// A Decoder that says how many steps a state can take.
template <class D>
concept BoundedDecoder = Decoder<D> && requires(const D& cd) {
  { cd.max_length() } -> std::convertible_to<std::size_t>;
};

/// The most steps a state of `d` can take: d.max_length(), or the largest size_t when it has none.
template <Decoder D>
[[nodiscard]] constexpr std::size_t decoder_max_length(const D& d) {
  if constexpr (BoundedDecoder<D>) return static_cast<std::size_t>(d.max_length());
  else return std::numeric_limits<std::size_t>::max();
}

}  // namespace glide
