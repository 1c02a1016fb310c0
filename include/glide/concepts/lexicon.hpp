#pragma once
// Lexicon: what a vocabulary-constrained search needs of a vocabulary.
//
// Syntactic requirements, for a `const L l`, `typename L::node_id n` and `token_id t`:
//   typename L::node_id                  // regular and cheap to copy (a search keeps one per hypothesis)
//   l.root_node() -> L::node_id          // the empty prefix
//   l.child(n, t) -> std::optional<L::node_id>
//   l.for_each_child(n, f)               // f(token_id, L::node_id) for every child, tokens ascending
//   l.is_word(n) -> bool                 // a whole word ends at n
//   l.log_frequency(n) -> float          // log prior of the word ending at n; requires is_word(n)
//   l.max_word_length() -> std::size_t   // no node lies deeper
//
// Semantic laws (kit: glide/testing/laws/lexicon_laws.hpp):
//   children:   for_each_child visits each child once, in strictly ascending token order, and
//               child(n, t) finds exactly the nodes it visits (nullopt for any other token);
//   root:       the root is not a word (an empty word cannot be decoded);
//   prior:      log_frequency is finite and <= 0 (so a prior only lowers a score and a prefix's score
//               stays an upper bound of its words': best-first and traversal stay exact);
//   no dead ends: every node is a word or has a child (a search never keeps a prefix that can end nowhere);
//   depth:      a node reached by k tokens has k <= max_word_length().
//
// Models: vocabulary_trie (compact, built once), user_trie (small, mutable: words added at run time),
// lexicon_union<A, B> (two lexicons as one: base + user words), any_spelling (no constraint: every
// string of an alphabet up to a length; literal decoding).
//
// Example:
//   template <Lexicon L> bool has_word(const L& l, std::span<const token_id> w) {
//     auto n = lexicon_find(l, w);
//     return n && l.is_word(*n);
//   }

#include <concepts>
#include <cstddef>
#include <optional>
#include <span>

#include <glide/core/types.hpp>

namespace glide {

namespace detail {
struct child_sink {
  template <class N>
  void operator()(token_id, const N&) const noexcept {}
};
}  // namespace detail

template <class L>
concept Lexicon = requires(const L& l, const typename L::node_id& n, token_id t, detail::child_sink f) {
  typename L::node_id;
  requires std::regular<typename L::node_id>;
  { l.root_node() } -> std::same_as<typename L::node_id>;
  { l.child(n, t) } -> std::same_as<std::optional<typename L::node_id>>;
  l.for_each_child(n, f);
  { l.is_word(n) } -> std::convertible_to<bool>;
  { l.log_frequency(n) } -> std::convertible_to<float>;
  { l.max_word_length() } -> std::convertible_to<std::size_t>;
};

/// The node reached by `tokens` from the root of `l`, if any.
template <Lexicon L>
[[nodiscard]] std::optional<typename L::node_id> lexicon_find(const L& l, std::span<const token_id> tokens) {
  auto n = l.root_node();
  for (token_id t : tokens) {
    auto c = l.child(n, t);
    if (!c) return std::nullopt;
    n = *c;
  }
  return n;
}

/// Whether `tokens` is a word of `l`.
template <Lexicon L>
[[nodiscard]] bool lexicon_contains(const L& l, std::span<const token_id> tokens) {
  auto n = lexicon_find(l, tokens);
  return n && l.is_word(*n);
}

}  // namespace glide
