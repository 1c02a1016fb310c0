#pragma once
// A non-owning, mutable, row-major view of a [batch x vocab] block of scores, and the row operations
// every search needs.

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstddef>
#include <span>

#include <string>

#include <glide/core/error.hpp>
#include <glide/core/types.hpp>

namespace glide {

/// Row-major [rows x cols] view. Decoders return one from `step`; it stays valid until the next
/// `step` or `reorder` on the same state.
class logits_view {
 public:
  constexpr logits_view() noexcept = default;
  constexpr logits_view(float* data, std::size_t rows, std::size_t cols) noexcept
      : data_{data}, rows_{rows}, cols_{cols} {}

  [[nodiscard]] constexpr std::size_t rows() const noexcept { return rows_; }
  [[nodiscard]] constexpr std::size_t cols() const noexcept { return cols_; }
  [[nodiscard]] constexpr float* data() const noexcept { return data_; }

  [[nodiscard]] constexpr std::span<float> row(std::size_t r) const noexcept {
    assert(r < rows_);
    return {data_ + r * cols_, cols_};
  }

 private:
  float* data_ = nullptr;
  std::size_t rows_ = 0;
  std::size_t cols_ = 0;
};

/// Turns a row of logits into log-probabilities in place (numerically stable). A row that is all
/// -inf stays all -inf.
inline void log_softmax_inplace(std::span<float> row) noexcept {
  if (row.empty()) return;
  const float max = *std::max_element(row.begin(), row.end());
  if (max == minus_infinity) return;
  double sum = 0.0;
  for (float v : row) sum += std::exp(static_cast<double>(v - max));
  const auto log_z = max + static_cast<float>(std::log(sum));
  for (float& v : row) v -= log_z;
}

/// log_softmax_inplace for a decoder's row, checked first: a NaN or +inf logit (broken weights, a
/// broken input) throws numeric_error naming the token instead of silently ranking garbage. -inf is a
/// valid logit ("impossible"). Every search scores through this.
inline void checked_log_softmax(std::span<float> row) {
  for (std::size_t i = 0; i < row.size(); ++i)
    if (std::isnan(row[i]) || row[i] == -minus_infinity)
      throw numeric_error("decoder logits: token " + std::to_string(i) + " is " + (std::isnan(row[i]) ? "NaN" : "+inf") +
                          " (check the model's weights and its input)");
  log_softmax_inplace(row);
}

/// Index of the largest value; the lowest index wins a tie, so results never depend on the platform.
[[nodiscard]] inline token_id argmax(std::span<const float> row) noexcept {
  assert(!row.empty());
  return static_cast<token_id>(std::max_element(row.begin(), row.end()) - row.begin());
}

}  // namespace glide
