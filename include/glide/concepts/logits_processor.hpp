#pragma once
// LogitsProcessor: edits one row of next-token scores in place, given the row's prefix.
//
// Searches hand processors log-probabilities (log_softmax of the decoder's logits) and add the edited
// values to hypothesis scores as they are, so a processor that only masks (sets -inf) or only lowers
// scores keeps every score an upper bound of its completions.
//
// Syntactic requirements, for a `P p`, `std::span<const token_id> prefix`, `std::span<float> scores`:
//   p(prefix, scores) -> void.
// `prefix` holds the tokens generated so far (no start token).
//
// Semantic laws (kit: glide/testing/laws/processor_laws.hpp, target glide::laws):
//   locality:   only `scores` changes; its size never does;
//   determinism: equal (prefix, scores) give equal results;
//   no revival: a -inf score stays -inf (a masked token is never unmasked);
//   no NaN:     a row without NaN stays without NaN.
//
// Models: min_length, suppress_tokens, repetition_penalty, temperature, top_k, top_p, trie_mask,
// processor_chain, any_logits_processor.
//
// Example:
//   auto chain = glide::min_length{.length = 2, .eos = eos} | glide::top_k{.k = 5};
//   chain(prefix, row);

#include <span>

#include <glide/core/types.hpp>

namespace glide {

template <class P>
concept LogitsProcessor = requires(P& p, std::span<const token_id> prefix, std::span<float> scores) {
  { p(prefix, scores) } -> std::same_as<void>;
};

}  // namespace glide
