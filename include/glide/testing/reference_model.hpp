#pragma once
// A small, deterministic, table-driven character model that models Encoder, Decoder and Backend, for
// testing searches exactly. Its next-token logits after a prefix p_1..p_n are
//
//   bigram[p_n][v] + position[min(n, P-1)][v] + recurrent[h(p_1..p_n)][v] + memory.bias[v]
//
// where p_0 is the start token, h is a rolling hash of the whole prefix kept in the decoder's state
// (so a wrong reorder changes results), and memory.bias = features * projection. The pad and start
// tokens are never predicted (their logits are -inf). `reference_log_probs` recomputes the same
// distribution from scratch, without any state: the oracle that searches are checked against.

#include <cassert>
#include <cstddef>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <glide/concepts/backend.hpp>
#include <glide/concepts/decoder.hpp>
#include <glide/concepts/encoder.hpp>
#include <glide/core/error.hpp>
#include <glide/core/logits.hpp>
#include <glide/core/types.hpp>

namespace glide::testing {

struct reference_model_options {
  std::size_t characters = 4;      ///< tokens after pad, start and end
  std::size_t hash_states = 7;     ///< size of the recurrent table
  std::size_t positions = 4;       ///< position rows; later positions share the last
  std::size_t feature_dim = 3;     ///< encoder input size
  float scale = 2.0F;              ///< spread of the random tables
  float eos_bias = 0.0F;           ///< added to the end token's logit (negative: longer outputs)
};

struct reference_tables {
  static constexpr token_id pad_id = 0;
  static constexpr token_id bos_id = 1;
  static constexpr token_id eos_id = 2;

  std::size_t vocab = 0;
  std::size_t hash_states = 1;
  std::size_t positions = 1;
  std::size_t feature_dim = 0;
  std::vector<float> bigram;      // [vocab x vocab]
  std::vector<float> position;    // [positions x vocab]
  std::vector<float> recurrent;   // [hash_states x vocab]
  std::vector<float> projection;  // [feature_dim x vocab]

  [[nodiscard]] std::size_t next_hash(std::size_t h, token_id t) const noexcept {
    return (h * 31 + static_cast<std::size_t>(t) + 1) % hash_states;
  }
};

struct reference_memory {
  std::vector<float> bias;  // [vocab]
};

class reference_encoder {
 public:
  using input_type = std::vector<float>;
  using memory_type = reference_memory;

  explicit reference_encoder(std::shared_ptr<const reference_tables> tables) : tables_{std::move(tables)} {}

  [[nodiscard]] reference_memory encode(const input_type& features) const {
    if (features.size() != tables_->feature_dim)
      throw shape_error("reference_encoder: expected " + std::to_string(tables_->feature_dim) + " features, got " +
                        std::to_string(features.size()));
    reference_memory m{std::vector<float>(tables_->vocab, 0.0F)};
    for (std::size_t f = 0; f < features.size(); ++f)
      for (std::size_t v = 0; v < tables_->vocab; ++v) m.bias[v] += features[f] * tables_->projection[f * tables_->vocab + v];
    return m;
  }

 private:
  std::shared_ptr<const reference_tables> tables_;
};
static_assert(Encoder<reference_encoder>);

class reference_decoder {
 public:
  using memory_type = reference_memory;
  struct state_type {
    std::vector<std::size_t> hash;      // per row
    std::vector<std::size_t> position;  // per row: tokens fed so far
    std::vector<float> logits;          // [rows x vocab], what step returns a view of
    std::vector<std::size_t> scratch_hash, scratch_position;
  };

  explicit reference_decoder(std::shared_ptr<const reference_tables> tables) : tables_{std::move(tables)} {}

  [[nodiscard]] std::size_t vocab_size() const noexcept { return tables_->vocab; }
  [[nodiscard]] token_id bos_id() const noexcept { return reference_tables::bos_id; }
  [[nodiscard]] token_id eos_id() const noexcept { return reference_tables::eos_id; }

  [[nodiscard]] state_type init_state(const memory_type& memory, std::size_t batch) const {
    if (memory.bias.size() != tables_->vocab)
      throw shape_error("reference_decoder: memory has " + std::to_string(memory.bias.size()) + " entries, vocabulary " +
                        std::to_string(tables_->vocab));
    state_type s;
    s.hash.assign(batch, 0);
    s.position.assign(batch, 0);
    return s;
  }

  [[nodiscard]] std::size_t batch_size(const state_type& s) const noexcept { return s.hash.size(); }

  logits_view step(const memory_type& memory, state_type& s, std::span<const token_id> last) const {
    const auto& t = *tables_;
    const std::size_t rows = s.hash.size();
    if (last.size() != rows)
      throw shape_error("reference_decoder::step: " + std::to_string(last.size()) + " tokens for a batch of " +
                        std::to_string(rows));
    s.logits.resize(rows * t.vocab);
    for (std::size_t r = 0; r < rows; ++r) {
      const token_id prev = last[r];
      if (prev < 0 || static_cast<std::size_t>(prev) >= t.vocab)
        throw shape_error("reference_decoder::step: token " + std::to_string(prev) + " outside the vocabulary");
      // The start token does not enter the hash: the first step sees the empty prefix.
      if (s.position[r] > 0) s.hash[r] = t.next_hash(s.hash[r], prev);
      const std::size_t pos = std::min(s.position[r], t.positions - 1);
      float* out = s.logits.data() + r * t.vocab;
      for (std::size_t v = 0; v < t.vocab; ++v)
        out[v] = t.bigram[static_cast<std::size_t>(prev) * t.vocab + v] + t.position[pos * t.vocab + v] +
                 t.recurrent[s.hash[r] * t.vocab + v] + memory.bias[v];
      out[reference_tables::pad_id] = minus_infinity;
      out[reference_tables::bos_id] = minus_infinity;
      ++s.position[r];
    }
    return {s.logits.data(), rows, t.vocab};
  }

  void reorder(state_type& s, std::span<const std::size_t> rows) const {
    const std::size_t old = s.hash.size();
    s.scratch_hash.resize(rows.size());
    s.scratch_position.resize(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (rows[i] >= old)
        throw shape_error("reference_decoder::reorder: row " + std::to_string(rows[i]) + " of a batch of " +
                          std::to_string(old));
      s.scratch_hash[i] = s.hash[rows[i]];
      s.scratch_position[i] = s.position[rows[i]];
    }
    s.hash.swap(s.scratch_hash);
    s.position.swap(s.scratch_position);
  }

  [[nodiscard]] const reference_tables& tables() const noexcept { return *tables_; }

 private:
  std::shared_ptr<const reference_tables> tables_;
};
static_assert(Decoder<reference_decoder>);

class reference_backend {
 public:
  using encoder_type = reference_encoder;
  using decoder_type = reference_decoder;

  explicit reference_backend(std::shared_ptr<const reference_tables> tables)
      : tables_{tables}, encoder_{tables}, decoder_{tables} {}

  /// A model with tables drawn from `rng`.
  template <class Rng>
  static reference_backend random(Rng& rng, reference_model_options options = {}) {
    auto t = std::make_shared<reference_tables>();
    t->vocab = options.characters + 3;
    t->hash_states = std::max<std::size_t>(1, options.hash_states);
    t->positions = std::max<std::size_t>(1, options.positions);
    t->feature_dim = options.feature_dim;
    std::normal_distribution<float> normal{0.0F, options.scale};
    auto fill = [&](std::vector<float>& v, std::size_t n) {
      v.resize(n);
      for (auto& x : v) x = normal(rng);
    };
    fill(t->bigram, t->vocab * t->vocab);
    fill(t->position, t->positions * t->vocab);
    fill(t->recurrent, t->hash_states * t->vocab);
    fill(t->projection, t->feature_dim * t->vocab);
    for (std::size_t p = 0; p < t->positions; ++p) t->position[p * t->vocab + reference_tables::eos_id] += options.eos_bias;
    return reference_backend{std::move(t)};
  }

  /// Random encoder input of the right size.
  template <class Rng>
  [[nodiscard]] std::vector<float> random_input(Rng& rng) const {
    std::normal_distribution<float> normal{0.0F, 1.0F};
    std::vector<float> x(tables_->feature_dim);
    for (auto& v : x) v = normal(rng);
    return x;
  }

  reference_encoder& encoder() noexcept { return encoder_; }
  reference_decoder& decoder() noexcept { return decoder_; }
  [[nodiscard]] const reference_tables& tables() const noexcept { return *tables_; }

 private:
  std::shared_ptr<const reference_tables> tables_;
  reference_encoder encoder_;
  reference_decoder decoder_;
};
static_assert(Backend<reference_backend>);

/// The next-token log-probabilities after `prefix`, computed from scratch (no decoder state).
inline std::vector<float> reference_log_probs(const reference_tables& t, const reference_memory& m,
                                              std::span<const token_id> prefix) {
  std::size_t hash = 0;
  for (token_id tok : prefix) hash = t.next_hash(hash, tok);
  const token_id prev = prefix.empty() ? reference_tables::bos_id : prefix.back();
  const std::size_t pos = std::min(prefix.size(), t.positions - 1);
  std::vector<float> row(t.vocab);
  for (std::size_t v = 0; v < t.vocab; ++v)
    row[v] = t.bigram[static_cast<std::size_t>(prev) * t.vocab + v] + t.position[pos * t.vocab + v] +
             t.recurrent[hash * t.vocab + v] + m.bias[v];
  row[reference_tables::pad_id] = minus_infinity;
  row[reference_tables::bos_id] = minus_infinity;
  log_softmax_inplace(row);
  return row;
}

}  // namespace glide::testing
