#pragma once
// Swipe MRR (the Yandex Cup 2023 metric) and top-k accuracy. After duplicate words are removed, the
// target at rank 1, 2, 3, 4 scores 1, 0.1, 0.09, 0.08; lower ranks or a miss score 0. Words are
// compared as swiped (fold_plain): a display form "Boston" or "don't" hits the target "boston" or
// "dont", and two forms of one spelling count once.

#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <range/v3/range/conversion.hpp>
#include <range/v3/view/transform.hpp>

#include <glide/core/error.hpp>
#include <glide/core/types.hpp>
#include <glide/text/fold.hpp>

namespace glide {

inline constexpr std::array<double, 4> swipe_mrr_weights{1.0, 0.1, 0.09, 0.08};

/// 1-based rank of `target` among the distinct words of `words` (best first), or 0 if absent.
inline std::size_t distinct_rank(std::span<const std::string> words, std::string_view target) {
  const auto t = fold_plain(target);
  std::vector<std::string> seen;
  for (const auto& w : words) {
    auto f = fold_plain(w);
    if (std::find(seen.begin(), seen.end(), f) != seen.end()) continue;
    seen.push_back(std::move(f));
    if (seen.back() == t) return seen.size();
  }
  return 0;
}

inline std::vector<std::string> words_of(const prediction& p) {
  return p | ranges::views::transform(&scored_word::word) | ranges::to<std::vector>();
}

inline double swipe_mrr(std::span<const std::string> words, std::string_view target) {
  const auto r = distinct_rank(words, target);
  return r >= 1 && r <= swipe_mrr_weights.size() ? swipe_mrr_weights[r - 1] : 0.0;
}
inline double swipe_mrr(const prediction& p, std::string_view target) { return swipe_mrr(words_of(p), target); }

/// True when `target` is among the first k distinct words.
inline bool hit_at(std::span<const std::string> words, std::string_view target, std::size_t k) {
  const auto r = distinct_rank(words, target);
  return r >= 1 && r <= k;
}
inline bool hit_at(const prediction& p, std::string_view target, std::size_t k) {
  return hit_at(words_of(p), target, k);
}

/// Mean metrics over a dataset.
class metric_accumulator {
 public:
  void add(const prediction& p, std::string_view target) { add(words_of(p), target); }
  void add(std::span<const std::string> words, std::string_view target) {
    ++count_;
    mrr_ += swipe_mrr(words, target);
    at1_ += hit_at(words, target, 1);
    at4_ += hit_at(words, target, 4);
  }
  [[nodiscard]] std::size_t count() const noexcept { return count_; }
  [[nodiscard]] double mrr() const { return mean(mrr_); }
  [[nodiscard]] double accuracy_at_1() const { return mean(at1_); }
  [[nodiscard]] double accuracy_at_4() const { return mean(at4_); }

 private:
  [[nodiscard]] double mean(double sum) const {
    if (count_ == 0) throw config_error("metrics: no examples were scored");
    return sum / static_cast<double>(count_);
  }
  std::size_t count_ = 0;
  double mrr_ = 0, at1_ = 0, at4_ = 0;
};

}  // namespace glide
