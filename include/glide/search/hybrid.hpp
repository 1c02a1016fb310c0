#pragma once
// Hybrid search: `beam_steps` steps of trie-constrained beam search keep the best `beam_width`
// prefixes, then every vocabulary word below the survivors is scored exactly by traversal. Words
// shorter than beam_steps are scored when the beam passes them.

#include <algorithm>
#include <cstddef>
#include <span>
#include <vector>

#include <glide/concepts/decoder.hpp>
#include <glide/concepts/lexicon.hpp>
#include <glide/core/error.hpp>
#include <glide/core/logits.hpp>
#include <glide/core/types.hpp>
#include <glide/search/detail.hpp>
#include <glide/search/traversal.hpp>
#include <glide/vocab/trie.hpp>

namespace glide {

struct hybrid_options {
  std::size_t beam_width = 16;
  std::size_t beam_steps = 2;
  /// How the traversal below the survivors runs (n_best, batch, floor, prior apply to the whole search).
  traversal_options traversal{};
};

template <Decoder D, Lexicon L>
search_result hybrid_search(D& decoder, const typename D::memory_type& memory, const L& trie,
                            hybrid_options options = {}) {
  detail::validate(options.traversal);
  if (options.beam_width == 0) throw config_error("hybrid search: beam_width must be >= 1");
  const auto& topts = options.traversal;
  search_result result;
  detail::path_table paths;
  detail::best_words words{topts.n_best};
  using item = detail::frontier_item<typename L::node_id>;
  std::vector<item> items{{trie.root_node(), 0.0F, 0, detail::path_table::none, decoder.bos_id()}};
  auto state = decoder.init_state(memory, 1);
  std::vector<item> candidates;
  std::vector<std::size_t> rows;

  for (std::size_t step = 0; step < options.beam_steps; ++step) {
    candidates.clear();
    detail::expand_frontier(decoder, memory, trie, topts, state, items, words, result.stats,
                            step + 2 <= decoder_max_length(decoder),
                            [&](std::size_t i, const typename L::node_id& c, score_t s, token_id t) {
                              candidates.push_back({c, s, i, detail::path_table::none, t});
                            });
    const std::size_t keep = std::min(candidates.size(), options.beam_width);
    std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(keep), candidates.end(),
                      [](const auto& a, const auto& b) {
                        // Ties by (parent row, token): the same order over any lexicon of the same words.
                        if (a.score != b.score) return a.score > b.score;
                        if (a.row != b.row) return a.row < b.row;
                        return a.last < b.last;
                      });
    candidates.resize(keep);
    if (candidates.empty()) {
      result.hypotheses = words.take(paths, decoder.eos_id());
      return result;
    }
    rows.clear();
    for (auto& c : candidates) {
      c.path = paths.add(items[c.row].path, c.last);
      rows.push_back(c.row);
      c.row = rows.size() - 1;
    }
    decoder.reorder(state, std::span<const std::size_t>{rows});
    items.swap(candidates);
  }
  detail::traverse_below(decoder, memory, trie, topts, std::move(state), items, paths, words, result.stats,
                         options.beam_steps);
  result.hypotheses = words.take(paths, decoder.eos_id());
  return result;
}

}  // namespace glide
