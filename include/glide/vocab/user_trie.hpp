#pragma once
// A small mutable trie: words added and removed at run time (a user's dictionary), a Lexicon.
//
// Nodes live in one vector (first child / next sibling links, siblings sorted by token), so a copy
// is a few flat vectors: recognizers publish a changed copy while decoders keep reading the old one.
// Adding a word costs its length in node visits; removing one rebuilds the trie from the remaining
// words, so no branch is left that leads to no word (the Lexicon's no-dead-ends law).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <glide/concepts/lexicon.hpp>
#include <glide/core/error.hpp>
#include <glide/core/types.hpp>

namespace glide {

class user_trie {
 public:
  using node_id = std::uint32_t;
  static constexpr node_id root = 0;

  user_trie() { nodes_.push_back({-1, none, none}); counts_.push_back(0.0); }

  /// Sets the count of `tokens` (added when new). Empty words, negative tokens and counts that are
  /// not finite and positive throw config_error.
  void set(std::span<const token_id> tokens, double count) {
    if (tokens.empty()) throw config_error("user_trie: empty word");
    if (!(count > 0.0) || !std::isfinite(count))
      throw config_error("user_trie: count " + std::to_string(count) + " is not a finite positive number");
    for (token_id t : tokens)
      if (t < 0) throw config_error("user_trie: negative token " + std::to_string(t));
    if (!std::isfinite(total_ + count))
      throw config_error("user_trie: count " + std::to_string(count) + " makes the total count overflow");
    node_id n = root;
    for (token_id t : tokens) n = child_or_add(n, t);
    const double old = counts_[n];
    if (old == 0.0) ++words_;
    counts_[n] = count;
    // A count that is most of the total is summed again rather than subtracted: a huge count
    // replaced by a small one would otherwise cancel to a total smaller than a word's count.
    if (old > 0.5 * total_) recount();
    else total_ += count - old;
    max_length_ = std::max(max_length_, tokens.size());
  }

  /// Removes `tokens`; false when it was not a word.
  bool remove(std::span<const token_id> tokens) {
    if (!erase(tokens)) return false;
    prune();
    return true;
  }

  /// Removes `tokens` but leaves its nodes (false when it was not a word): call prune() after a batch
  /// of erasures, before the trie is searched again (until then it may hold branches with no word).
  bool erase(std::span<const token_id> tokens) {
    const auto n = lexicon_find(*this, tokens);
    if (!n || counts_[*n] == 0.0) return false;
    total_ -= counts_[*n];
    counts_[*n] = 0.0;
    --words_;
    return true;
  }

  /// Rebuilds the trie from its words, dropping branches that lead to none (and summing the total
  /// count afresh, whatever erasures subtracted from it).
  void prune() {
    std::vector<std::pair<std::vector<token_id>, double>> keep;
    for_each_word([&](std::span<const token_id> w, double c) { keep.emplace_back(std::vector<token_id>(w.begin(), w.end()), c); });
    *this = user_trie{};
    for (const auto& [w, c] : keep) set(w, c);
  }

  [[nodiscard]] std::size_t word_count() const noexcept { return words_; }
  [[nodiscard]] std::size_t node_count() const noexcept { return nodes_.size(); }
  [[nodiscard]] bool empty() const noexcept { return words_ == 0; }
  /// The sum of the words' counts.
  [[nodiscard]] double total_count() const noexcept { return total_; }
  /// The count of the word ending at `n` (0 when none does).
  [[nodiscard]] double count(node_id n) const noexcept { return counts_[n]; }

  // The Lexicon interface.
  [[nodiscard]] node_id root_node() const noexcept { return root; }
  [[nodiscard]] std::optional<node_id> child(node_id n, token_id t) const noexcept {
    for (node_id c = nodes_[n].first_child; c != none; c = nodes_[c].next_sibling) {
      if (nodes_[c].token == t) return c;
      if (nodes_[c].token > t) break;
    }
    return std::nullopt;
  }
  template <class F>
  void for_each_child(node_id n, F&& f) const {
    for (node_id c = nodes_[n].first_child; c != none; c = nodes_[c].next_sibling) f(nodes_[c].token, c);
  }
  [[nodiscard]] bool is_word(node_id n) const noexcept { return counts_[n] > 0.0; }
  /// log(count / total count) of the word ending at `n` (<= 0); requires is_word(n).
  [[nodiscard]] float log_frequency(node_id n) const noexcept {
    return static_cast<float>(std::min(0.0, std::log(counts_[n] / total_)));
  }
  [[nodiscard]] std::size_t max_word_length() const noexcept { return max_length_; }

  /// Calls f(tokens, count) for every word, in token order.
  template <class F>
  void for_each_word(F&& f) const {
    std::vector<token_id> path;
    auto walk = [&](auto& self, node_id n) -> void {
      if (counts_[n] > 0.0) f(std::span<const token_id>{path}, counts_[n]);
      for_each_child(n, [&](token_id t, node_id c) {
        path.push_back(t);
        self(self, c);
        path.pop_back();
      });
    };
    walk(walk, root);
  }

  /// Heap bytes held.
  [[nodiscard]] std::size_t bytes() const noexcept {
    return nodes_.capacity() * sizeof(node) + counts_.capacity() * sizeof(double);
  }

 private:
  static constexpr node_id none = std::numeric_limits<node_id>::max();
  struct node {
    token_id token;
    node_id first_child, next_sibling;
  };

  void recount() noexcept {
    total_ = 0.0;
    for (double c : counts_) total_ += c;
  }

  node_id child_or_add(node_id n, token_id t) {
    node_id prev = none;
    node_id c = nodes_[n].first_child;
    for (; c != none && nodes_[c].token < t; c = nodes_[c].next_sibling) prev = c;
    if (c != none && nodes_[c].token == t) return c;
    if (nodes_.size() >= none - 1) throw config_error("user_trie: too many nodes");
    const auto fresh = static_cast<node_id>(nodes_.size());
    nodes_.push_back({t, none, c});
    counts_.push_back(0.0);
    (prev == none ? nodes_[n].first_child : nodes_[prev].next_sibling) = fresh;
    return fresh;
  }

  std::vector<node> nodes_;
  std::vector<double> counts_;
  std::size_t words_ = 0;
  double total_ = 0.0;
  std::size_t max_length_ = 0;
};
static_assert(Lexicon<user_trie>);

}  // namespace glide
