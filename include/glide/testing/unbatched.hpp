#pragma once
// An adapter that runs a Decoder one row at a time (each row its own batch-1 state). A search run
// through it must give exactly what it gives on the batched decoder: the test that results do not
// depend on batch size.

#include <cstddef>
#include <span>
#include <vector>

#include <glide/concepts/decoder.hpp>
#include <glide/core/error.hpp>
#include <glide/core/logits.hpp>

namespace glide::testing {

template <Decoder D>
class unbatched {
 public:
  using memory_type = typename D::memory_type;
  struct state_type {
    std::vector<typename D::state_type> rows;
    std::vector<float> logits;
  };

  explicit unbatched(D& inner) : inner_{&inner} {}

  [[nodiscard]] std::size_t vocab_size() const { return inner_->vocab_size(); }
  [[nodiscard]] std::size_t max_length() const { return decoder_max_length(*inner_); }
  [[nodiscard]] token_id bos_id() const { return inner_->bos_id(); }
  [[nodiscard]] token_id eos_id() const { return inner_->eos_id(); }
  [[nodiscard]] std::size_t batch_size(const state_type& s) const noexcept { return s.rows.size(); }

  state_type init_state(const memory_type& m, std::size_t batch) {
    state_type s;
    for (std::size_t i = 0; i < batch; ++i) s.rows.push_back(inner_->init_state(m, 1));
    return s;
  }

  logits_view step(const memory_type& m, state_type& s, std::span<const token_id> last) {
    if (last.size() != s.rows.size()) throw shape_error("unbatched::step: token count differs from the batch");
    const std::size_t v = vocab_size();
    s.logits.resize(s.rows.size() * v);
    for (std::size_t r = 0; r < s.rows.size(); ++r) {
      auto row = inner_->step(m, s.rows[r], last.subspan(r, 1)).row(0);
      std::copy(row.begin(), row.end(), s.logits.begin() + static_cast<std::ptrdiff_t>(r * v));
    }
    return {s.logits.data(), s.rows.size(), v};
  }

  void reorder(state_type& s, std::span<const std::size_t> rows) {
    std::vector<typename D::state_type> next;
    for (auto r : rows) {
      if (r >= s.rows.size()) throw shape_error("unbatched::reorder: row out of range");
      next.push_back(s.rows[r]);
    }
    s.rows = std::move(next);
  }

 private:
  D* inner_;
};

}  // namespace glide::testing
