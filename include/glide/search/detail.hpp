#pragma once
// Pieces shared by the vocabulary searches: a table of prefix paths (so hypotheses keep one entry
// per expanded node instead of a token vector), and a collector of the best finished words.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <queue>
#include <vector>

#include <glide/core/types.hpp>

namespace glide::detail {

/// Prefixes as parent links: entry i is (parent entry, last token).
class path_table {
 public:
  static constexpr std::uint32_t none = std::numeric_limits<std::uint32_t>::max();

  std::uint32_t add(std::uint32_t parent, token_id t) {
    links_.push_back({parent, t});
    return static_cast<std::uint32_t>(links_.size() - 1);
  }

  /// The tokens of prefix `i`, then `tail` if it is not negative.
  [[nodiscard]] std::vector<token_id> tokens(std::uint32_t i, token_id tail = -1) const {
    std::vector<token_id> out;
    for (; i != none; i = links_[i].parent) out.push_back(links_[i].token);
    std::reverse(out.begin(), out.end());
    if (tail >= 0) out.push_back(tail);
    return out;
  }

  [[nodiscard]] std::size_t size() const noexcept { return links_.size(); }

 private:
  struct link {
    std::uint32_t parent;
    token_id token;
  };
  std::vector<link> links_;
};

/// Keeps the `n` best (prefix, end token) finished words; n == 0 keeps all.
class best_words {
 public:
  explicit best_words(std::size_t n) : n_{n} {}

  /// The score a new word must beat to be kept.
  [[nodiscard]] score_t threshold() const noexcept {
    return (n_ != 0 && heap_.size() == n_) ? heap_.top().score : minus_infinity;
  }

  void add(std::uint32_t path, score_t score) {
    if (n_ != 0 && heap_.size() == n_) {
      if (!(score > heap_.top().score)) return;
      heap_.pop();
    }
    heap_.push({score, path});
  }

  [[nodiscard]] std::vector<hypothesis> take(const path_table& paths, token_id eos) {
    std::vector<hypothesis> out;
    out.reserve(heap_.size());
    while (!heap_.empty()) {
      out.push_back({paths.tokens(heap_.top().path, eos), heap_.top().score, true});
      heap_.pop();
    }
    std::reverse(out.begin(), out.end());
    return out;
  }

 private:
  struct entry {
    score_t score;
    std::uint32_t path;
    // The heap's top is the worst kept word.
    bool operator<(const entry& o) const noexcept { return score > o.score; }
  };
  std::size_t n_;
  std::priority_queue<entry> heap_;
};

}  // namespace glide::detail
