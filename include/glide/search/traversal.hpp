#pragma once
// Exhaustive vocabulary traversal: every vocabulary word is scored exactly, sharing decoder work along
// trie prefixes. Each trie node costs one decoder row (its last token fed once, whatever the number of
// words below it); the frontier is batched up to max_batch rows and walked depth-first in chunks, so
// memory stays bounded by depth x max_batch rows.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <glide/concepts/decoder.hpp>
#include <glide/concepts/lexicon.hpp>
#include <glide/core/error.hpp>
#include <glide/core/logits.hpp>
#include <glide/core/types.hpp>
#include <glide/search/detail.hpp>
#include <glide/vocab/trie.hpp>

namespace glide {

struct traversal_options {
  /// Words returned, best first (0: every word).
  std::size_t n_best = 0;
  /// Most decoder rows per step.
  std::size_t max_batch = 512;
  /// Prefixes scoring below this are not expanded. Scores only fall along a path, so every word
  /// scoring at least this is still found, exactly.
  score_t score_floor = minus_infinity;
  /// Weight of log(word frequency) added when a word ends (>= 0).
  float prior_weight = 0.0F;
};

namespace detail {

inline void validate(const traversal_options& o) {
  if (o.max_batch == 0) throw config_error("vocabulary traversal: max_batch must be >= 1");
  if (!(o.prior_weight >= 0.0F)) throw config_error("vocabulary traversal: prior_weight must be >= 0");
}

/// A lexicon node whose last token is still to be fed, at `row` of its parent's state.
template <class Node>
struct frontier_item {
  Node node;
  score_t score;
  std::size_t row;
  std::uint32_t path;
  token_id last;
};

/// Feeds `items` (rows of `state`, in order) one decoder step, adds the words they end to `words`,
/// and calls on_child(item index, child node, child score, child token) for every child that can
/// still lead to a word worth keeping (at least the floor, above the n-th best word so far).
template <Decoder D, Lexicon L, class OnChild>
void expand_frontier(D& decoder, const typename D::memory_type& memory, const L& trie,
                     const traversal_options& options, typename D::state_type& state,
                     const std::vector<frontier_item<typename L::node_id>>& items, best_words& words, search_stats& stats, bool children_fit,
                     OnChild&& on_child) {
  const token_id eos = decoder.eos_id();
  std::vector<token_id> last(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) last[i] = items[i].last;
  auto logits = decoder.step(memory, state, std::span<const token_id>{last});
  ++stats.decoder_steps;
  stats.rows_scored += items.size();
  stats.hypotheses_expanded += items.size();
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto& it = items[i];
    auto row = logits.row(i);
    checked_log_softmax(row);
    if (trie.is_word(it.node)) {
      const score_t s = it.score + row[static_cast<std::size_t>(eos)] + options.prior_weight * trie.log_frequency(it.node);
      if (s > words.threshold() && s >= options.score_floor) words.add(it.path, s);
    }
    if (!children_fit) continue;  // the decoder could not take another step
    trie.for_each_child(it.node, [&](token_id t, const typename L::node_id& c) {
      const score_t s = it.score + row[static_cast<std::size_t>(t)];
      // Scores only fall along a path: a prefix below the floor or the n-th best word cannot do better.
      if (s < options.score_floor || s <= words.threshold() || s == minus_infinity) return;
      on_child(i, c, s, t);
    });
  }
}

/// Feeds `items` (prefixes of `depth` characters) one step, emits their words, and recurses into their
/// children in chunks of at most max_batch rows, while the decoder can take another step.
template <Decoder D, Lexicon L>
void traverse_below(D& decoder, const typename D::memory_type& memory, const L& trie,
                    const traversal_options& options, typename D::state_type state,
                    std::vector<frontier_item<typename L::node_id>>& items, path_table& paths, best_words& words,
                    search_stats& stats, std::size_t depth = 0) {
  using item = frontier_item<typename L::node_id>;
  std::vector<item> children;
  // This step is number depth + 1; the children's would be depth + 2.
  const bool children_fit = depth + 2 <= decoder_max_length(decoder);
  expand_frontier(decoder, memory, trie, options, state, items, words, stats, children_fit,
                  [&](std::size_t i, const typename L::node_id& c, score_t s, token_id t) {
                    children.push_back({c, s, i, paths.add(items[i].path, t), t});
                  });
  items.clear();
  items.shrink_to_fit();
  if (children.empty()) return;

  std::vector<std::size_t> rows;
  for (std::size_t lo = 0; lo < children.size(); lo += options.max_batch) {
    const std::size_t hi = std::min(children.size(), lo + options.max_batch);
    std::vector<item> chunk(children.begin() + static_cast<std::ptrdiff_t>(lo),
                                     children.begin() + static_cast<std::ptrdiff_t>(hi));
    rows.clear();
    for (auto& c : chunk) {
      rows.push_back(c.row);
      c.row = rows.size() - 1;
    }
    // The last chunk takes the state itself; earlier ones branch off a copy.
    auto sub = hi == children.size() ? std::move(state) : state;
    decoder.reorder(sub, std::span<const std::size_t>{rows});
    traverse_below(decoder, memory, trie, options, std::move(sub), chunk, paths, words, stats, depth + 1);
  }
}

}  // namespace detail

/// Scores every word of a Lexicon (tokens + end token) under the model; returns the n_best best.
template <Decoder D, Lexicon L>
search_result traverse_vocabulary(D& decoder, const typename D::memory_type& memory, const L& trie,
                                  traversal_options options = {}) {
  detail::validate(options);
  search_result result;
  detail::path_table paths;
  detail::best_words words{options.n_best};
  std::vector<detail::frontier_item<typename L::node_id>> items{
      {trie.root_node(), 0.0F, 0, detail::path_table::none, decoder.bos_id()}};
  detail::traverse_below(decoder, memory, trie, options, decoder.init_state(memory, 1), items, paths, words,
                         result.stats);
  result.hypotheses = words.take(paths, decoder.eos_id());
  return result;
}

}  // namespace glide
