#pragma once
// "No constraint" as a Lexicon: every non-empty string of an alphabet's tokens up to a length is a
// word, each with the same prior (log 1 = 0). A vocabulary search given it spells freely, which is
// literal (open-vocabulary) decoding with the same search code; a node is just its depth.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <glide/concepts/lexicon.hpp>
#include <glide/core/error.hpp>
#include <glide/core/types.hpp>

namespace glide {

class any_spelling {
 public:
  using node_id = std::uint32_t;  ///< the prefix's length

  any_spelling() = default;
  /// Every string of `alphabet` (tokens, any order, no repeats) of 1..max_length tokens.
  any_spelling(std::vector<token_id> alphabet, std::size_t max_length) : alphabet_{std::move(alphabet)}, max_length_{max_length} {
    std::sort(alphabet_.begin(), alphabet_.end());
    if (std::adjacent_find(alphabet_.begin(), alphabet_.end()) != alphabet_.end())
      throw config_error("any_spelling: the alphabet repeats a token");
    if (!alphabet_.empty() && alphabet_.front() < 0) throw config_error("any_spelling: negative token");
    if (alphabet_.empty() || max_length_ == 0) max_length_ = 0;
  }

  [[nodiscard]] node_id root_node() const noexcept { return 0; }
  [[nodiscard]] std::optional<node_id> child(node_id n, token_id t) const noexcept {
    if (n >= max_length_ || !std::binary_search(alphabet_.begin(), alphabet_.end(), t)) return std::nullopt;
    return n + 1;
  }
  template <class F>
  void for_each_child(node_id n, F&& f) const {
    if (n >= max_length_) return;
    for (token_id t : alphabet_) f(t, n + 1);
  }
  [[nodiscard]] bool is_word(node_id n) const noexcept { return n > 0; }
  [[nodiscard]] float log_frequency(node_id) const noexcept { return 0.0F; }
  [[nodiscard]] std::size_t max_word_length() const noexcept { return max_length_; }
  [[nodiscard]] const std::vector<token_id>& alphabet() const noexcept { return alphabet_; }

 private:
  std::vector<token_id> alphabet_;
  std::size_t max_length_ = 0;
};
static_assert(Lexicon<any_spelling>);

}  // namespace glide
