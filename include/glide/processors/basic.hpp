#pragma once
// The vocabulary-agnostic logits processors users know from Hugging Face `generate`. Each is an
// aggregate set with designated initializers and models LogitsProcessor. They see log-probabilities
// (see concepts/logits_processor.hpp).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include <glide/concepts/logits_processor.hpp>
#include <glide/core/error.hpp>
#include <glide/core/types.hpp>

namespace glide {

namespace detail {
// Scratch space reused across calls so the per-step loop does not allocate after warm-up.
inline std::vector<float>& processor_scratch() {
  thread_local std::vector<float> buffer;
  return buffer;
}
}  // namespace detail

/// Forbids end-of-sequence until `length` tokens have been generated.
struct min_length {
  std::size_t length = 0;
  token_id eos = 0;

  void operator()(std::span<const token_id> prefix, std::span<float> scores) const {
    if (prefix.size() < length && eos >= 0 && static_cast<std::size_t>(eos) < scores.size())
      scores[static_cast<std::size_t>(eos)] = minus_infinity;
  }
};
static_assert(LogitsProcessor<min_length>);

/// Forbids a fixed set of tokens (ids outside the row are ignored).
struct suppress_tokens {
  std::vector<token_id> tokens;

  void operator()(std::span<const token_id>, std::span<float> scores) const {
    for (token_id t : tokens)
      if (t >= 0 && static_cast<std::size_t>(t) < scores.size()) scores[static_cast<std::size_t>(t)] = minus_infinity;
  }
};
static_assert(LogitsProcessor<suppress_tokens>);

/// Hugging Face's repetition penalty (Keskar et al. 2019): a token already in the prefix has its
/// negative score multiplied, its positive score divided, by `penalty` (> 0; 1 disables it).
struct repetition_penalty {
  float penalty = 1.0F;

  void operator()(std::span<const token_id> prefix, std::span<float> scores) const {
    if (!(penalty > 0.0F)) throw config_error("repetition_penalty: penalty must be > 0, got " + std::to_string(penalty));
    // A token repeated in the prefix is penalised once, as in Hugging Face.
    auto& seen = detail::processor_scratch();
    seen.assign(scores.size(), 0.0F);
    for (token_id t : prefix) {
      if (t < 0 || static_cast<std::size_t>(t) >= scores.size()) continue;
      auto& s = scores[static_cast<std::size_t>(t)];
      if (seen[static_cast<std::size_t>(t)] != 0.0F) continue;
      seen[static_cast<std::size_t>(t)] = 1.0F;
      s = s < 0.0F ? s * penalty : s / penalty;
    }
  }
};
static_assert(LogitsProcessor<repetition_penalty>);

/// Divides every score by `value` (> 0). Below 1 sharpens, above 1 flattens.
struct temperature {
  float value = 1.0F;

  void operator()(std::span<const token_id>, std::span<float> scores) const {
    if (!(value > 0.0F)) throw config_error("temperature: value must be > 0, got " + std::to_string(value));
    for (float& s : scores) s /= value;
  }
};
static_assert(LogitsProcessor<temperature>);

/// Keeps the `k` best scores (ties with the k-th kept too) and masks the rest.
struct top_k {
  std::size_t k = 50;

  void operator()(std::span<const token_id>, std::span<float> scores) const {
    if (k == 0) throw config_error("top_k: k must be >= 1");
    if (k >= scores.size()) return;
    auto& buf = detail::processor_scratch();
    buf.assign(scores.begin(), scores.end());
    std::nth_element(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(k - 1), buf.end(), std::greater<>{});
    const float kth = buf[k - 1];
    for (float& s : scores)
      if (s < kth) s = minus_infinity;
  }
};
static_assert(LogitsProcessor<top_k>);

/// Nucleus filtering: keeps the smallest set of best tokens whose probability (softmax of the
/// current scores) reaches `p`, at least `min_keep` of them; masks the rest.
struct top_p {
  float p = 0.9F;
  std::size_t min_keep = 1;

  void operator()(std::span<const token_id>, std::span<float> scores) const {
    if (!(p > 0.0F && p <= 1.0F)) throw config_error("top_p: p must be in (0, 1], got " + std::to_string(p));
    if (scores.empty()) return;
    auto& buf = detail::processor_scratch();
    buf.assign(scores.begin(), scores.end());
    std::sort(buf.begin(), buf.end(), std::greater<>{});
    const float max = buf.front();
    if (max == minus_infinity) return;
    double z = 0.0;
    for (float v : buf) z += std::exp(static_cast<double>(v - max));
    double mass = 0.0;
    std::size_t keep = 0;
    while (keep < buf.size()) {
      mass += std::exp(static_cast<double>(buf[keep] - max)) / z;
      ++keep;
      if (mass >= static_cast<double>(p) && keep >= min_keep) break;
    }
    const float threshold = buf[keep - 1];
    for (float& s : scores)
      if (s < threshold) s = minus_infinity;
  }
};
static_assert(LogitsProcessor<top_p>);

}  // namespace glide
