#pragma once
// token_map_decoder: a Decoder read through another tokenizer's ids, so a model with a larger alphabet
// (a layout-conditioned model knowing 95 letters) joins an ensemble_decoder of models that spell in
// fewer (26), or serves a search over the smaller alphabet's vocabulary.
//
// `map[t]` is the wrapped decoder's id of outer token t, for every outer token. step maps each row's
// last token in and returns the wrapped decoder's logits gathered back to the outer ids: the wrapped
// decoder's letters no outer token names are left out (a search's log-softmax renormalises over the
// rest, as a trie over the smaller alphabet would). bos_id and eos_id are the outer ids of the wrapped
// decoder's own (config_error if the map does not name them). Models glide::Decoder.
//
// Example:
//   token_map_decoder<D> in_latin{&multi.decoder(), token_map(latin_tokenizer, multi_tokenizer)};

#include <algorithm>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include <glide/concepts/decoder.hpp>
#include <glide/core/error.hpp>
#include <glide/core/logits.hpp>
#include <glide/core/types.hpp>

namespace glide {

template <Decoder D>
class token_map_decoder {
 public:
  using memory_type = typename D::memory_type;
  struct state_type {
    typename D::state_type inner;
    std::vector<token_id> last;  ///< the step's tokens in the wrapped decoder's ids
    std::vector<float> logits;   ///< [batch x outer vocab]
  };

  /// config_error for a null decoder, a map that names an id outside the wrapped vocabulary, or a map
  /// without the wrapped decoder's start or end token.
  token_map_decoder(D* inner, std::vector<token_id> map) : inner_{inner}, map_{std::move(map)} {
    if (inner_ == nullptr) throw config_error("token_map_decoder: null decoder");
    if (map_.empty()) throw config_error("token_map_decoder: empty map");
    const auto vocab = inner_->vocab_size();
    for (std::size_t t = 0; t < map_.size(); ++t)
      if (map_[t] < 0 || static_cast<std::size_t>(map_[t]) >= vocab)
        throw config_error("token_map_decoder: token " + std::to_string(t) + " maps to " + std::to_string(map_[t]) +
                           ", outside the wrapped decoder's " + std::to_string(vocab) + " tokens");
    bos_ = outer_of(inner_->bos_id(), "start");
    eos_ = outer_of(inner_->eos_id(), "end");
  }

  [[nodiscard]] std::size_t vocab_size() const noexcept { return map_.size(); }
  [[nodiscard]] token_id bos_id() const noexcept { return bos_; }
  [[nodiscard]] token_id eos_id() const noexcept { return eos_; }
  [[nodiscard]] std::size_t max_length() const { return decoder_max_length(*inner_); }
  [[nodiscard]] std::span<const token_id> map() const noexcept { return map_; }

  [[nodiscard]] state_type init_state(const memory_type& memory, std::size_t batch) {
    return {inner_->init_state(memory, batch), {}, {}};
  }
  [[nodiscard]] std::size_t batch_size(const state_type& s) const { return inner_->batch_size(s.inner); }

  logits_view step(const memory_type& memory, state_type& s, std::span<const token_id> last) {
    s.last.resize(last.size());
    for (std::size_t r = 0; r < last.size(); ++r) {
      if (last[r] < 0 || static_cast<std::size_t>(last[r]) >= map_.size())
        throw shape_error("token_map_decoder::step: token " + std::to_string(last[r]) + " outside the vocabulary");
      s.last[r] = map_[static_cast<std::size_t>(last[r])];
    }
    const logits_view in = inner_->step(memory, s.inner, s.last);
    const std::size_t vocab = map_.size();
    s.logits.resize(in.rows() * vocab);
    for (std::size_t r = 0; r < in.rows(); ++r) {
      const float* from = in.row(r).data();
      float* to = s.logits.data() + r * vocab;
      for (std::size_t t = 0; t < vocab; ++t) to[t] = from[map_[t]];
    }
    return {s.logits.data(), in.rows(), vocab};
  }

  void reorder(state_type& s, std::span<const std::size_t> rows) { inner_->reorder(s.inner, rows); }

 private:
  token_id outer_of(token_id inner, const char* which) const {
    const auto it = std::find(map_.begin(), map_.end(), inner);
    if (it == map_.end())
      throw config_error(std::string("token_map_decoder: no token maps to the wrapped decoder's ") + which + " token " +
                         std::to_string(inner));
    return static_cast<token_id>(it - map_.begin());
  }

  D* inner_;
  std::vector<token_id> map_;
  token_id bos_ = 0, eos_ = 0;
};

}  // namespace glide
