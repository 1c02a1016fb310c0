#pragma once
// Two lexicons as one (a Lexicon): the words of both, a word of both with its counts added, each
// word's prior log(count / total count of both). That is the prior of the trie built from both word
// lists at once, so a search over base + user words finds what it would over a rebuilt trie
// (tests/unit/lexicon.cpp checks every search), with no rebuild.
//
// Counts: a lexicon's word count is read from count(n) where it has one (user_trie), else from
// exp(log_frequency(n)) * total_count() (vocabulary_trie, whose float priors make the union's equal
// a rebuilt trie's to float rounding).

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

#include <glide/concepts/lexicon.hpp>
#include <glide/core/types.hpp>

namespace glide {

/// A Lexicon that also says the total of its counts (the unit a union adds counts in).
template <class L>
concept CountedLexicon = Lexicon<L> && requires(const L& l) {
  { l.total_count() } -> std::convertible_to<double>;
};

/// The count of the word ending at `n` of a CountedLexicon.
template <CountedLexicon L>
[[nodiscard]] double word_count_at(const L& l, const typename L::node_id& n) {
  if constexpr (requires { { l.count(n) } -> std::convertible_to<double>; })
    return static_cast<double>(l.count(n));
  else
    return std::exp(static_cast<double>(l.log_frequency(n))) * static_cast<double>(l.total_count());
}

template <CountedLexicon A, CountedLexicon B>
class lexicon_union {
 public:
  struct node_id {
    typename A::node_id a{};
    typename B::node_id b{};
    bool in_a = false, in_b = false;
    friend bool operator==(const node_id&, const node_id&) = default;
  };

  lexicon_union(const A& a, const B& b)
      : a_{&a}, b_{&b}, log_total_{std::log(static_cast<double>(a.total_count()) + static_cast<double>(b.total_count()))} {}

  [[nodiscard]] node_id root_node() const { return {a_->root_node(), b_->root_node(), true, true}; }

  [[nodiscard]] std::optional<node_id> child(const node_id& n, token_id t) const {
    node_id c;
    if (n.in_a)
      if (auto x = a_->child(n.a, t)) c.a = *x, c.in_a = true;
    if (n.in_b)
      if (auto x = b_->child(n.b, t)) c.b = *x, c.in_b = true;
    if (!c.in_a && !c.in_b) return std::nullopt;
    return c;
  }

  /// Children of both, merged in ascending token order (a token of both is one child).
  template <class F>
  void for_each_child(const node_id& n, F&& f) const {
    children<typename A::node_id> ca;
    children<typename B::node_id> cb;
    if (n.in_a) a_->for_each_child(n.a, [&](token_id t, const typename A::node_id& c) { ca.push(t, c); });
    if (n.in_b) b_->for_each_child(n.b, [&](token_id t, const typename B::node_id& c) { cb.push(t, c); });
    std::size_t i = 0, j = 0;
    while (i < ca.size() || j < cb.size()) {
      node_id c;
      token_id t;
      if (j == cb.size() || (i < ca.size() && ca.token(i) < cb.token(j))) {
        t = ca.token(i);
        c.a = ca.node(i++), c.in_a = true;
      } else if (i == ca.size() || cb.token(j) < ca.token(i)) {
        t = cb.token(j);
        c.b = cb.node(j++), c.in_b = true;
      } else {
        t = ca.token(i);
        c.a = ca.node(i++), c.in_a = true;
        c.b = cb.node(j++), c.in_b = true;
      }
      f(t, c);
    }
  }

  [[nodiscard]] bool is_word(const node_id& n) const {
    return (n.in_a && a_->is_word(n.a)) || (n.in_b && b_->is_word(n.b));
  }

  [[nodiscard]] float log_frequency(const node_id& n) const {
    double count = 0.0;
    if (n.in_a && a_->is_word(n.a)) count += word_count_at(*a_, n.a);
    if (n.in_b && b_->is_word(n.b)) count += word_count_at(*b_, n.b);
    // At most 0: rounding may put a word's count a hair above the total.
    return static_cast<float>(std::min(0.0, std::log(count) - log_total_));
  }

  [[nodiscard]] std::size_t max_word_length() const { return std::max<std::size_t>(a_->max_word_length(), b_->max_word_length()); }
  [[nodiscard]] double total_count() const { return static_cast<double>(a_->total_count()) + static_cast<double>(b_->total_count()); }

  [[nodiscard]] const A& first() const noexcept { return *a_; }
  [[nodiscard]] const B& second() const noexcept { return *b_; }

 private:
  // A node's children, gathered without allocating for up to 64 (alphabets are small).
  template <class N>
  class children {
   public:
    void push(token_id t, const N& n) {
      if (size_ < fixed_.size()) fixed_[size_] = {t, n};
      else {
        if (more_.empty()) more_.assign(fixed_.begin(), fixed_.end());
        more_.emplace_back(t, n);
      }
      ++size_;
    }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] token_id token(std::size_t i) const noexcept { return at(i).first; }
    [[nodiscard]] const N& node(std::size_t i) const noexcept { return at(i).second; }

   private:
    [[nodiscard]] const std::pair<token_id, N>& at(std::size_t i) const noexcept { return more_.empty() ? fixed_[i] : more_[i]; }
    std::array<std::pair<token_id, N>, 64> fixed_{};
    std::vector<std::pair<token_id, N>> more_;
    std::size_t size_ = 0;
  };

  const A* a_;
  const B* b_;
  double log_total_;
};

}  // namespace glide
