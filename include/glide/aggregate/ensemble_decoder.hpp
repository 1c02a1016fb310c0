#pragma once
// ensemble_decoder: several Decoders over the same tokens read as one Decoder, so one search averages
// the models at every step (a beam keeps the prefixes the models agree on), instead of each model
// searching alone and their final lists being merged afterwards (aggregate/aggregators.hpp).
//
// A step runs every member on its own state and memory, turns each member's rows into
// log-probabilities and combines them with the members' weights (normalised to sum to 1):
//   ensemble_rule::product: sum_i w_i log p_i, a weighted geometric mean (searches renormalise it);
//   ensemble_rule::mixture: log sum_i w_i p_i, a weighted arithmetic mean of the probabilities.
// Members are of one type D (a variant-backed decoder mixes model families at run time; see
// glide::backends::eigen::any_decoder) and must agree on vocab_size, bos_id and eos_id. The memory
// is one memory per member, in member order (each member may read its own input). max_length is the
// smallest member's. The ensemble holds pointers (members outlive it) and no state of its own: steps on
// different states may run concurrently when the members' steps may.
//
// Example:
//   ensemble_decoder<D> both{{&a.decoder(), &b.decoder()}, {.weights = {0.6F, 0.4F}}};
//   const std::vector memory{a.encoder().encode(xa), b.encoder().encode(xb)};
//   auto words = constrained_beam_search(both, memory, trie, {.beam = {.beam_width = 8}});

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include <glide/concepts/decoder.hpp>
#include <glide/core/error.hpp>
#include <glide/core/logits.hpp>
#include <glide/core/types.hpp>

namespace glide {

enum class ensemble_rule { product, mixture };

/// "product" or "mixture"; unknown_name_error otherwise.
[[nodiscard]] inline ensemble_rule parse_ensemble_rule(const std::string& name) {
  if (name == "product") return ensemble_rule::product;
  if (name == "mixture") return ensemble_rule::mixture;
  throw unknown_name_error("unknown ensemble rule '" + name + "' (known: product, mixture)");
}
[[nodiscard]] inline const char* to_string(ensemble_rule r) noexcept {
  return r == ensemble_rule::product ? "product" : "mixture";
}

struct ensemble_options {
  std::vector<float> weights;  ///< one per member, finite and > 0 (empty: equal weights)
  ensemble_rule rule = ensemble_rule::product;
};

/// `weights` checked as one finite weight > 0 per member (empty: all 1), as given (not normalised);
/// config_error naming the count or the first bad weight.
[[nodiscard]] inline std::vector<float> checked_ensemble_weights(std::vector<float> weights, std::size_t members) {
  if (weights.empty()) weights.assign(members, 1.0F);
  if (weights.size() != members)
    throw config_error("ensemble: " + std::to_string(weights.size()) + " weights for " + std::to_string(members) + " members");
  for (std::size_t i = 0; i < weights.size(); ++i)
    if (!(weights[i] > 0) || !std::isfinite(weights[i]))
      throw config_error("ensemble weight " + std::to_string(i) + " is " + std::to_string(weights[i]) + " (each must be finite and > 0)");
  return weights;
}

template <Decoder D>
class ensemble_decoder {
 public:
  using member_type = D;
  using memory_type = std::vector<typename D::memory_type>;  ///< one per member, in member order
  struct state_type {
    std::vector<typename D::state_type> members;
    std::vector<float> logits;  ///< the combined rows [batch x vocab]
    std::vector<logits_view> views;  ///< the members' rows of the step in progress
  };

  /// config_error for no members, a null member, members that disagree on vocabulary or special
  /// tokens, or weights that are not one finite positive weight per member.
  explicit ensemble_decoder(std::vector<D*> members, ensemble_options options = {})
      : members_{std::move(members)}, rule_{options.rule} {
    if (members_.empty()) throw config_error("ensemble_decoder: no members");
    for (std::size_t i = 0; i < members_.size(); ++i) {
      if (members_[i] == nullptr) throw config_error("ensemble_decoder: member " + std::to_string(i) + " is null");
      const auto& m = *members_[i];
      const auto& first = *members_.front();
      if (m.vocab_size() != first.vocab_size() || m.bos_id() != first.bos_id() || m.eos_id() != first.eos_id())
        throw config_error("ensemble_decoder: member " + std::to_string(i) + " has " + std::to_string(m.vocab_size()) +
                           " tokens (start " + std::to_string(m.bos_id()) + ", end " + std::to_string(m.eos_id()) +
                           "), member 0 has " + std::to_string(first.vocab_size()) + " (start " +
                           std::to_string(first.bos_id()) + ", end " + std::to_string(first.eos_id()) +
                           "): members must share one tokenizer");
    }
    const auto w = checked_ensemble_weights(std::move(options.weights), members_.size());
    double sum = 0;
    for (float x : w) sum += x;
    for (float x : w) weights_.push_back(static_cast<float>(x / sum));
    max_length_ = std::numeric_limits<std::size_t>::max();
    for (const D* m : members_) max_length_ = std::min(max_length_, decoder_max_length(*m));
  }

  [[nodiscard]] std::size_t size() const noexcept { return members_.size(); }
  [[nodiscard]] std::span<const float> weights() const noexcept { return weights_; }
  [[nodiscard]] ensemble_rule rule() const noexcept { return rule_; }

  [[nodiscard]] std::size_t vocab_size() const { return members_.front()->vocab_size(); }
  [[nodiscard]] token_id bos_id() const { return members_.front()->bos_id(); }
  [[nodiscard]] token_id eos_id() const { return members_.front()->eos_id(); }
  [[nodiscard]] std::size_t max_length() const noexcept { return max_length_; }

  [[nodiscard]] state_type init_state(const memory_type& memory, std::size_t batch) {
    check_memory(memory);
    state_type s;
    s.members.reserve(members_.size());
    for (std::size_t i = 0; i < members_.size(); ++i) s.members.push_back(members_[i]->init_state(memory[i], batch));
    return s;
  }

  [[nodiscard]] std::size_t batch_size(const state_type& s) const { return members_.front()->batch_size(s.members.front()); }

  logits_view step(const memory_type& memory, state_type& s, std::span<const token_id> last) {
    check_memory(memory);
    const std::size_t vocab = vocab_size();
    const std::size_t n = members_.size();
    s.views.resize(n);
    for (std::size_t i = 0; i < n; ++i) s.views[i] = members_[i]->step(memory[i], s.members[i], last);
    const auto& views = s.views;
    const std::size_t rows = views.front().rows();
    s.logits.resize(rows * vocab);
    for (std::size_t i = 0; i < n; ++i) {
      if (views[i].rows() != rows || views[i].cols() != vocab)
        throw shape_error("ensemble_decoder::step: member " + std::to_string(i) + " returned " + std::to_string(views[i].rows()) +
                          " x " + std::to_string(views[i].cols()) + " logits, member 0 " + std::to_string(rows) + " x " +
                          std::to_string(vocab));
      for (std::size_t r = 0; r < rows; ++r) checked_log_softmax(views[i].row(r));
    }
    for (std::size_t r = 0; r < rows; ++r) {
      float* out = s.logits.data() + r * vocab;
      if (rule_ == ensemble_rule::product) {
        std::fill(out, out + vocab, 0.0F);
        for (std::size_t i = 0; i < n; ++i) {
          const float* p = views[i].row(r).data();
          const float w = weights_[i];
          for (std::size_t t = 0; t < vocab; ++t) out[t] += w * p[t];  // -inf stays -inf (w > 0)
        }
      } else {
        for (std::size_t t = 0; t < vocab; ++t) {
          float top = minus_infinity;
          for (std::size_t i = 0; i < n; ++i) top = std::max(top, views[i].row(r)[t]);
          if (top == minus_infinity) {
            out[t] = minus_infinity;
            continue;
          }
          double sum = 0;
          for (std::size_t i = 0; i < n; ++i) sum += weights_[i] * std::exp(static_cast<double>(views[i].row(r)[t] - top));
          out[t] = top + static_cast<float>(std::log(sum));
        }
      }
    }
    return {s.logits.data(), rows, vocab};
  }

  void reorder(state_type& s, std::span<const std::size_t> rows) {
    for (std::size_t i = 0; i < members_.size(); ++i) members_[i]->reorder(s.members[i], rows);
  }

 private:
  void check_memory(const memory_type& memory) const {
    if (memory.size() != members_.size())
      throw shape_error("ensemble_decoder: " + std::to_string(memory.size()) + " memories for " + std::to_string(members_.size()) +
                        " members (one per member, in member order)");
  }
  std::vector<D*> members_;
  std::vector<float> weights_;
  ensemble_rule rule_;
  std::size_t max_length_ = 0;
};

}  // namespace glide
