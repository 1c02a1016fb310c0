#pragma once
// Brute-force oracles over the reference model: every answer is computed from scratch, with no
// decoder state, no batching and no pruning, so searches can be checked exactly.

#include <algorithm>
#include <cstddef>
#include <functional>
#include <span>
#include <vector>

#include <glide/core/types.hpp>
#include <glide/testing/reference_model.hpp>

namespace glide::testing {

/// log P(tokens) where `tokens` may end with the end token.
inline score_t sequence_log_prob(const reference_tables& t, const reference_memory& m,
                                 std::span<const token_id> tokens) {
  double total = 0.0;
  for (std::size_t i = 0; i < tokens.size(); ++i)
    total += reference_log_probs(t, m, tokens.first(i))[static_cast<std::size_t>(tokens[i])];
  return static_cast<score_t>(total);
}

/// Orders best first; equal scores by tokens, so rankings compare deterministically.
inline void sort_hypotheses(std::vector<hypothesis>& hs) {
  std::stable_sort(hs.begin(), hs.end(), [](const hypothesis& a, const hypothesis& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.tokens < b.tokens;
  });
}

/// Greedy decoding recomputed from scratch at each step.
inline hypothesis oracle_greedy(const reference_tables& t, const reference_memory& m, std::size_t max_length) {
  hypothesis h;
  while (h.tokens.size() < max_length) {
    auto row = reference_log_probs(t, m, h.tokens);
    const auto best = static_cast<token_id>(std::max_element(row.begin(), row.end()) - row.begin());
    h.score += row[static_cast<std::size_t>(best)];
    h.tokens.push_back(best);
    if (best == reference_tables::eos_id) {
      h.finished = true;
      break;
    }
  }
  return h;
}

/// Every finished sequence of at most `max_length` tokens (end token included), best first.
inline std::vector<hypothesis> oracle_all_sequences(const reference_tables& t, const reference_memory& m,
                                                    std::size_t max_length) {
  std::vector<hypothesis> out;
  std::vector<token_id> prefix;
  std::function<void()> walk = [&] {
    if (prefix.size() + 1 > max_length) return;
    const auto row = reference_log_probs(t, m, prefix);
    const score_t base = sequence_log_prob(t, m, prefix);
    auto with_eos = prefix;
    with_eos.push_back(reference_tables::eos_id);
    out.push_back({with_eos, base + row[reference_tables::eos_id], true});
    for (token_id c = reference_tables::eos_id + 1; static_cast<std::size_t>(c) < t.vocab; ++c) {
      prefix.push_back(c);
      walk();
      prefix.pop_back();
    }
  };
  walk();
  for (auto& h : out) h.score = sequence_log_prob(t, m, h.tokens);
  sort_hypotheses(out);
  return out;
}

/// Each word (tokens without the end token) scored as word + end token, best first.
inline std::vector<hypothesis> oracle_vocabulary(const reference_tables& t, const reference_memory& m,
                                                 const std::vector<std::vector<token_id>>& words) {
  std::vector<hypothesis> out;
  for (const auto& w : words) {
    auto tokens = w;
    tokens.push_back(reference_tables::eos_id);
    out.push_back({tokens, sequence_log_prob(t, m, tokens), true});
  }
  sort_hypotheses(out);
  return out;
}

}  // namespace glide::testing
