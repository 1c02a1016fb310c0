#pragma once
// Exact best-first top-k over the vocabulary trie (branch and bound). Log-probabilities are <= 0, so
// a prefix's score bounds every word below it: a finished word at the top of the priority queue beats
// everything still queued. Prefixes are expanded in batches of up to max_batch rows, grouped by the
// decoder state they branch from; batching changes the work done, never the result.
//
// Memory: a decoder state is kept only while queued prefixes still branch from it. Three opt-in
// limits trade exactness for bounded work: max_expansions, time_budget_ms (both stop the search and
// return the best words found), and max_queue (the worst queued prefixes are dropped, never found
// words). Hypotheses never grow past the decoder's max length (decoder_max_length).

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <queue>
#include <span>
#include <string>
#include <vector>

#include <glide/concepts/decoder.hpp>
#include <glide/concepts/lexicon.hpp>
#include <glide/core/error.hpp>
#include <glide/core/logits.hpp>
#include <glide/core/types.hpp>
#include <glide/search/detail.hpp>
#include <glide/vocab/trie.hpp>

namespace glide {

struct best_first_options {
  /// Words returned, best first.
  std::size_t k = 4;
  /// Most prefixes expanded together in one decoder batch.
  std::size_t max_batch = 16;
  /// Weight of log(word frequency) added when a word ends (>= 0, so bounds stay valid).
  float prior_weight = 0.0F;
  /// Stop after this many expanded prefixes (0: no limit); the result is then the best words found.
  std::size_t max_expansions = 0;
  /// Stop after this many milliseconds (0: no limit); the result is then the best words found.
  double time_budget_ms = 0;
  /// Most queued prefixes (0: no limit): past it the worst are dropped (with their states, once no
  /// other prefix needs them); finished words are always kept. A capped search may miss words below
  /// a dropped prefix, so it is exact only while the queue stays under the cap.
  std::size_t max_queue = 0;
};

template <Decoder D, Lexicon L>
search_result best_first_search(D& decoder, const typename D::memory_type& memory, const L& trie,
                                best_first_options options = {}) {
  if (options.k == 0) throw config_error("best-first search: k must be >= 1");
  if (options.max_batch == 0) throw config_error("best-first search: max_batch must be >= 1");
  if (!(options.prior_weight >= 0.0F)) throw config_error("best-first search: prior_weight must be >= 0");
  if (!(options.time_budget_ms >= 0)) throw config_error("best-first search: time_budget_ms must be >= 0");
  const auto started = std::chrono::steady_clock::now();
  const std::size_t max_steps = decoder_max_length(decoder);
  using state_type = typename D::state_type;
  const token_id eos = decoder.eos_id();

  struct entry {
    score_t score;
    bool word;                     // a finished word (exact score) or a prefix (an upper bound)
    typename L::node_id node;
    std::uint32_t path;
    std::uint32_t state;           // prefixes: the state holding their parent, at `row`
    std::uint32_t row;
    token_id last;
    std::uint32_t depth;           // characters of the prefix (its expansion is step depth + 1)
  };
  auto worse = [](const entry& a, const entry& b) {
    if (a.score != b.score) return a.score < b.score;
    return a.word < b.word;  // at equal scores a finished word comes out first
  };
  std::priority_queue<entry, std::vector<entry>, decltype(worse)> queue{worse};

  // States that queued prefixes branch from, with how many prefixes still need each.
  std::vector<std::optional<state_type>> states;
  std::vector<std::size_t> users;
  states.emplace_back(decoder.init_state(memory, 1));
  users.push_back(1);

  search_result result;
  detail::path_table paths;
  queue.push({0.0F, false, trie.root_node(), detail::path_table::none, 0, 0, decoder.bos_id(), 0});

  std::vector<entry> batch;
  std::vector<std::size_t> rows;
  std::vector<token_id> last;
  while (!queue.empty() && result.hypotheses.size() < options.k) {
    if (queue.top().word) {
      const auto& top = queue.top();
      result.hypotheses.push_back({paths.tokens(top.path, eos), top.score, true});
      queue.pop();
      continue;
    }
    if (options.max_expansions != 0 && result.stats.hypotheses_expanded >= options.max_expansions) break;
    if (options.time_budget_ms > 0 &&
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count() >= options.time_budget_ms)
      break;
    batch.clear();
    while (!queue.empty() && !queue.top().word && batch.size() < options.max_batch) {
      batch.push_back(queue.top());
      queue.pop();
    }
    std::sort(batch.begin(), batch.end(), [](const entry& a, const entry& b) { return a.state < b.state; });
    for (std::size_t lo = 0; lo < batch.size();) {
      std::size_t hi = lo;
      while (hi < batch.size() && batch[hi].state == batch[lo].state) ++hi;
      const std::uint32_t parent = batch[lo].state;
      rows.clear();
      last.clear();
      for (std::size_t i = lo; i < hi; ++i) {
        rows.push_back(batch[i].row);
        last.push_back(batch[i].last);
      }
      users[parent] -= hi - lo;
      state_type s = users[parent] == 0 ? std::move(*states[parent]) : *states[parent];
      if (users[parent] == 0) states[parent].reset();
      decoder.reorder(s, std::span<const std::size_t>{rows});
      auto logits = decoder.step(memory, s, std::span<const token_id>{last});
      ++result.stats.decoder_steps;
      result.stats.rows_scored += hi - lo;
      result.stats.hypotheses_expanded += hi - lo;
      const auto id = static_cast<std::uint32_t>(states.size());
      std::size_t children = 0;
      for (std::size_t i = lo; i < hi; ++i) {
        const auto& e = batch[i];
        auto row = logits.row(i - lo);
        checked_log_softmax(row);
        if (trie.is_word(e.node)) {
          const score_t s_word =
              e.score + row[static_cast<std::size_t>(eos)] + options.prior_weight * trie.log_frequency(e.node);
          if (s_word != minus_infinity) queue.push({s_word, true, e.node, e.path, 0, 0, eos, e.depth});
        }
        // A child is expanded at step depth + 2: past the decoder's length it could never end.
        if (static_cast<std::size_t>(e.depth) + 2 > max_steps) continue;
        trie.for_each_child(e.node, [&](token_id t, const typename L::node_id& c) {
          const score_t s_child = e.score + row[static_cast<std::size_t>(t)];
          if (s_child == minus_infinity) return;
          queue.push({s_child, false, c, paths.add(e.path, t), id, static_cast<std::uint32_t>(i - lo), t, e.depth + 1});
          ++children;
        });
      }
      states.emplace_back(children > 0 ? std::optional<state_type>{std::move(s)} : std::nullopt);
      users.push_back(children);
      lo = hi;
    }
    if (options.max_queue != 0 && queue.size() > 2 * options.max_queue) {
      // Keep every found word and the best max_queue prefixes; release the states only dropped ones used.
      std::vector<entry> all;
      all.reserve(queue.size());
      while (!queue.empty()) {
        all.push_back(queue.top());
        queue.pop();
      }
      std::size_t prefixes = 0;
      for (const auto& e : all) {  // best first
        if (!e.word && ++prefixes > options.max_queue) {
          if (--users[e.state] == 0) states[e.state].reset();
          continue;
        }
        queue.push(e);
      }
    }
  }
  return result;
}

}  // namespace glide
