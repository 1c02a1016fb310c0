#pragma once
// StoppingCriterion: decides that a live hypothesis must not grow further.
//
// Syntactic requirements, for a `C c` and `const hypothesis& h`:
//   c(h) -> bool      // true: stop this hypothesis now
//
// Semantic laws (checked in tests/laws/laws.cpp):
//   monotone: a criterion that stops h for its length stops every longer hypothesis; a time-based one
//             that stopped once stops every later call; eos_stop looks at the last token only (a search
//             never extends a hypothesis after it was stopped);
//   the empty hypothesis of a fresh criterion is not stopped unless the criterion allows no tokens.
//
// Models: max_length, eos_stop, max_time, stopping_any.
//
// Example:
//   auto stop = glide::max_length{20} | glide::eos_stop{eos};
//   if (stop(h)) ...

#include <concepts>

#include <glide/core/types.hpp>

namespace glide {

template <class C>
concept StoppingCriterion = requires(C& c, const hypothesis& h) {
  { c(h) } -> std::convertible_to<bool>;
};

}  // namespace glide
