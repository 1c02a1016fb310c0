#pragma once
// A compact, immutable vocabulary trie over token ids, with a log-frequency per word.
//
// Layout (breadth-first, so the children of a node are contiguous and sorted by token):
//   label_       1 byte per node: index into the trie's alphabet (at most 256 distinct tokens);
//   offset_      2 bytes per node: first child, relative to a 32-bit base kept per block of 64 nodes;
//   word_bits_   1 bit per node, with a rank directory per 64 nodes mapping a word node to its index;
//   log_freq_    4 bytes per word: log(count / total count).
// That is about 3.1 bytes per node plus 4 per word (see bytes()).

#include <algorithm>
#include <bit>
#include <cassert>
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

/// One word to put in a trie: its tokens (no start or end token) and a positive count.
struct weighted_word {
  std::vector<token_id> tokens;
  double count = 1.0;
};

class vocabulary_trie {
 public:
  using node_id = std::uint32_t;
  static constexpr node_id root = 0;

  /// The empty vocabulary.
  vocabulary_trie() { build_from_sorted({}); }

  /// Builds a trie. Repeated words have their counts added; empty words, negative tokens and
  /// counts that are not finite and positive throw config_error.
  static vocabulary_trie build(std::vector<weighted_word> words) {
    for (const auto& w : words) {
      if (w.tokens.empty()) throw config_error("vocabulary_trie: empty word");
      if (!(w.count > 0.0) || !std::isfinite(w.count))
        throw config_error("vocabulary_trie: count " + std::to_string(w.count) + " is not a finite positive number");
      for (token_id t : w.tokens)
        if (t < 0) throw config_error("vocabulary_trie: negative token " + std::to_string(t));
    }
    // Counts relative to the largest, so that adding duplicates and the total cannot overflow (two
    // counts of 1e308 stay finite); log(count / total) is unchanged by the scale.
    double largest = 0.0;
    for (const auto& w : words) largest = std::max(largest, w.count);
    for (auto& w : words) w.count /= largest;
    std::sort(words.begin(), words.end(), [](const auto& a, const auto& b) { return a.tokens < b.tokens; });
    // Merge duplicates in place (a second list of 100k words would be the largest allocation of a
    // recognizer's loading).
    std::size_t kept = 0;
    for (std::size_t i = 0; i < words.size(); ++i) {
      if (kept > 0 && words[kept - 1].tokens == words[i].tokens) words[kept - 1].count += words[i].count;
      else if (kept++ != i) words[kept - 1] = std::move(words[i]);
    }
    words.resize(kept);

    vocabulary_trie t{words};
    double total = 0.0;
    for (const auto& w : words) total += w.count;
    t.total_count_ = total * largest;
    return t;
  }

  [[nodiscard]] std::size_t node_count() const noexcept { return label_.size(); }
  /// The sum of the counts the trie was built from, in their units (0 for the empty trie): what a
  /// union with other words (lexicon_union) needs to give each word the prior a rebuilt trie would.
  [[nodiscard]] double total_count() const noexcept { return total_count_; }

  // The Lexicon interface (glide/concepts/lexicon.hpp).
  [[nodiscard]] node_id root_node() const noexcept { return root; }
  template <class F>
  void for_each_child(node_id n, F&& f) const {
    auto [first, last] = children(n);
    for (node_id c = first; c < last; ++c) f(token(c), c);
  }
  [[nodiscard]] std::size_t word_count() const noexcept { return log_freq_.size(); }
  [[nodiscard]] std::size_t max_word_length() const noexcept { return max_length_; }

  /// The token on the edge into `n` (meaningless for the root).
  [[nodiscard]] token_id token(node_id n) const noexcept { return alphabet_[label_[n]]; }

  /// Children of `n`: the nodes [first, last).
  [[nodiscard]] std::pair<node_id, node_id> children(node_id n) const noexcept {
    return {first_child(n), first_child(n + 1)};
  }

  [[nodiscard]] std::optional<node_id> child(node_id n, token_id tok) const noexcept {
    if (tok < 0 || static_cast<std::size_t>(tok) >= label_of_token_.size()) return std::nullopt;
    const auto lab = label_of_token_[static_cast<std::size_t>(tok)];
    if (lab < 0) return std::nullopt;
    auto [first, last] = children(n);
    // Children are sorted by label; alphabets are small, so a linear scan beats bisection.
    for (node_id c = first; c < last; ++c) {
      if (label_[c] == lab) return c;
      if (label_[c] > lab) break;
    }
    return std::nullopt;
  }

  [[nodiscard]] bool is_word(node_id n) const noexcept { return (word_bits_[n >> 6] >> (n & 63)) & 1U; }

  /// Index of the word ending at `n` among all words (breadth-first order); requires is_word(n).
  [[nodiscard]] std::size_t word_index(node_id n) const noexcept {
    assert(is_word(n));
    const std::uint64_t below = word_bits_[n >> 6] & ((std::uint64_t{1} << (n & 63)) - 1);
    return word_rank_[n >> 6] + static_cast<std::size_t>(std::popcount(below));
  }

  /// log(count / total) of the word ending at `n`; requires is_word(n).
  [[nodiscard]] float log_frequency(node_id n) const noexcept { return log_freq_[word_index(n)]; }

  /// The node reached by `tokens` from the root, if any.
  [[nodiscard]] std::optional<node_id> find(std::span<const token_id> tokens) const noexcept {
    node_id n = root;
    for (token_id t : tokens) {
      auto c = child(n, t);
      if (!c) return std::nullopt;
      n = *c;
    }
    return n;
  }

  [[nodiscard]] bool contains(std::span<const token_id> tokens) const noexcept {
    auto n = find(tokens);
    return n && is_word(*n);
  }

  /// Calls f(tokens, log_frequency) for every word, in token order.
  template <class F>
  void for_each_word(F&& f) const {
    std::vector<token_id> path;
    walk(root, path, f);
  }

  /// Heap bytes held by the trie.
  [[nodiscard]] std::size_t bytes() const noexcept {
    return label_.capacity() * sizeof(label_[0]) + offset_.capacity() * sizeof(offset_[0]) +
           base_.capacity() * sizeof(base_[0]) + word_bits_.capacity() * sizeof(word_bits_[0]) +
           word_rank_.capacity() * sizeof(word_rank_[0]) + log_freq_.capacity() * sizeof(log_freq_[0]) +
           alphabet_.capacity() * sizeof(alphabet_[0]) + label_of_token_.capacity() * sizeof(label_of_token_[0]);
  }

  [[nodiscard]] const std::vector<token_id>& alphabet() const noexcept { return alphabet_; }

 private:
  explicit vocabulary_trie(const std::vector<weighted_word>& sorted_unique) { build_from_sorted(sorted_unique); }

  [[nodiscard]] node_id first_child(node_id n) const noexcept { return base_[n >> 6] + offset_[n]; }

  template <class F>
  void walk(node_id n, std::vector<token_id>& path, F& f) const {
    if (n != root && is_word(n)) f(std::span<const token_id>{path}, log_frequency(n));
    auto [first, last] = children(n);
    for (node_id c = first; c < last; ++c) {
      path.push_back(token(c));
      walk(c, path, f);
      path.pop_back();
    }
  }

  void build_from_sorted(const std::vector<weighted_word>& words) {
    // Alphabet and its inverse.
    token_id max_token = -1;
    for (const auto& w : words)
      for (token_id t : w.tokens) max_token = std::max(max_token, t);
    label_of_token_.assign(static_cast<std::size_t>(max_token + 1), -1);
    for (const auto& w : words)
      for (token_id t : w.tokens) label_of_token_[static_cast<std::size_t>(t)] = 0;
    for (std::size_t t = 0; t < label_of_token_.size(); ++t)
      if (label_of_token_[t] == 0) {
        if (alphabet_.size() == 256) throw config_error("vocabulary_trie: more than 256 distinct tokens");
        label_of_token_[t] = static_cast<std::int16_t>(alphabet_.size());
        alphabet_.push_back(static_cast<token_id>(t));
      }
    if (alphabet_.empty()) alphabet_.push_back(0);

    // Breadth-first over ranges of the sorted word list: a node is the range of words sharing its
    // prefix; words equal to the prefix come first in the range.
    struct range {
      std::size_t lo, hi, depth;
    };
    std::vector<range> level{{0, words.size(), 0}}, next;
    std::vector<std::uint32_t> first_child_abs;
    std::vector<bool> is_word_node;
    std::vector<float> freq_in_order;
    double total = 0.0;
    for (const auto& w : words) total += w.count;
    std::uint32_t next_id = 1;
    label_.push_back(0);  // root
    while (!level.empty()) {
      next.clear();
      for (const auto& r : level) {
        std::size_t lo = r.lo;
        const bool word_here = lo < r.hi && words[lo].tokens.size() == r.depth && r.depth > 0;
        is_word_node.push_back(word_here);
        if (word_here) {
          freq_in_order.push_back(static_cast<float>(std::log(words[lo].count / total)));
          max_length_ = std::max(max_length_, r.depth);
          ++lo;
        }
        first_child_abs.push_back(next_id);
        while (lo < r.hi) {
          const token_id t = words[lo].tokens[r.depth];
          std::size_t hi = lo;
          while (hi < r.hi && words[hi].tokens[r.depth] == t) ++hi;
          next.push_back({lo, hi, r.depth + 1});
          label_.push_back(static_cast<std::uint8_t>(label_of_token_[static_cast<std::size_t>(t)]));
          ++next_id;
          lo = hi;
        }
      }
      level.swap(next);
    }
    first_child_abs.push_back(next_id);  // sentinel: the node after the last has no children

    const std::size_t n = label_.size();
    base_.resize(n / 64 + 1);
    offset_.resize(n + 1);
    for (std::size_t i = 0; i <= n; ++i) {
      if (i % 64 == 0) base_[i / 64] = first_child_abs[i];
      const auto off = first_child_abs[i] - base_[i / 64];
      assert(off <= std::numeric_limits<std::uint16_t>::max());  // 64 nodes x 256 children fit
      offset_[i] = static_cast<std::uint16_t>(off);
    }
    word_bits_.assign(n / 64 + 1, 0);
    word_rank_.assign(n / 64 + 1, 0);
    std::uint32_t rank = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (i % 64 == 0) word_rank_[i / 64] = rank;
      if (is_word_node[i]) {
        word_bits_[i / 64] |= std::uint64_t{1} << (i % 64);
        ++rank;
      }
    }
    log_freq_ = std::move(freq_in_order);
    label_.shrink_to_fit();
    log_freq_.shrink_to_fit();
  }

  std::vector<std::uint8_t> label_;
  std::vector<std::uint16_t> offset_;
  std::vector<std::uint32_t> base_;
  std::vector<std::uint64_t> word_bits_;
  std::vector<std::uint32_t> word_rank_;
  std::vector<float> log_freq_;
  std::vector<token_id> alphabet_;
  std::vector<std::int16_t> label_of_token_;
  std::size_t max_length_ = 0;
  double total_count_ = 0.0;
};
static_assert(Lexicon<vocabulary_trie>);

}  // namespace glide
