#pragma once
// The LibTorch model as a Backend. The decoder re-runs the whole prefix at every step (no cache): it
// is the straightforward reference that the Eigen backend's KV-cached decoding is checked against.

#include <cstring>
#include <span>
#include <string>
#include <vector>

#include <torch/torch.h>

#include <glide/concepts/backend.hpp>
#include <glide/core/error.hpp>
#include <glide/core/logits.hpp>
#include <glide/swipe/model_input.hpp>
#include <glide/text/char_tokenizer.hpp>
#include <glide/backends/torch/batch.hpp>
#include <glide/backends/torch/modules.hpp>

namespace glide::backends::torch {

struct encoded_swipe {
  Tensor states;  ///< [1 x T x d]
  Tensor mask;    ///< [1 x T], all true
};

class torch_encoder {
 public:
  using input_type = swipe::model_input;
  using memory_type = encoded_swipe;
  explicit torch_encoder(swipe_model m) : model_{std::move(m)} {}

  [[nodiscard]] encoded_swipe encode(const swipe::model_input& in) const {
    ::torch::NoGradGuard no_grad;
    auto batch = input_tensors(std::span<const swipe::model_input>{&in, 1});
    return {model_->enc(batch.kinematics, batch.keys, batch.mask, batch.key_weights), batch.mask};
  }

 private:
  mutable swipe_model model_;  // a shared handle; calling a module is not const in LibTorch
};
static_assert(Encoder<torch_encoder>);

class torch_decoder {
 public:
  using memory_type = encoded_swipe;
  struct state_type {
    Tensor tokens;  ///< [batch x fed], int64
    std::vector<float> logits;
  };
  explicit torch_decoder(swipe_model m) : model_{std::move(m)}, vocab_{model_->config.vocab_size()} {}

  [[nodiscard]] std::size_t vocab_size() const noexcept { return vocab_; }
  [[nodiscard]] token_id bos_id() const noexcept { return char_tokenizer::bos_id; }
  [[nodiscard]] token_id eos_id() const noexcept { return char_tokenizer::eos_id; }
  [[nodiscard]] std::size_t batch_size(const state_type& s) const { return static_cast<std::size_t>(s.tokens.size(0)); }

  [[nodiscard]] state_type init_state(const encoded_swipe&, std::size_t batch) const {
    return {::torch::zeros({static_cast<std::int64_t>(batch), 0}, ::torch::kInt64), {}};
  }

  logits_view step(const encoded_swipe& m, state_type& s, std::span<const token_id> last) const {
    const auto b = s.tokens.size(0);
    if (static_cast<std::int64_t>(last.size()) != b)
      throw shape_error("torch_decoder::step: " + std::to_string(last.size()) + " tokens for a batch of " + std::to_string(b));
    std::vector<std::int64_t> l(last.begin(), last.end());
    for (auto t : l)
      if (t < 0 || static_cast<std::size_t>(t) >= vocab_) throw shape_error("torch_decoder::step: token outside the vocabulary");
    ::torch::NoGradGuard no_grad;
    s.tokens = ::torch::cat({s.tokens, ::torch::from_blob(l.data(), {b, 1}, ::torch::kInt64).clone()}, 1);
    auto out = model_->dec(m.states.expand({b, -1, -1}), m.mask.expand({b, -1}), s.tokens).select(1, -1).contiguous();
    s.logits.assign(out.data_ptr<float>(), out.data_ptr<float>() + out.numel());
    return {s.logits.data(), static_cast<std::size_t>(b), vocab_};
  }

  void reorder(state_type& s, std::span<const std::size_t> rows) const {
    std::vector<std::int64_t> idx;
    for (auto r : rows) {
      if (static_cast<std::int64_t>(r) >= s.tokens.size(0))
        throw shape_error("torch_decoder::reorder: row " + std::to_string(r) + " out of range");
      idx.push_back(static_cast<std::int64_t>(r));
    }
    s.tokens = s.tokens.index_select(0, ::torch::from_blob(idx.data(), {static_cast<std::int64_t>(idx.size())}, ::torch::kInt64).clone());
  }

 private:
  mutable swipe_model model_;  // a shared handle; calling a module is not const in LibTorch
  std::size_t vocab_;
};
static_assert(Decoder<torch_decoder>);

class torch_backend {
 public:
  using encoder_type = torch_encoder;
  using decoder_type = torch_decoder;
  explicit torch_backend(swipe_model m) : model_{m}, encoder_{m}, decoder_{m} { model_->eval(); }

  encoder_type& encoder() noexcept { return encoder_; }
  decoder_type& decoder() noexcept { return decoder_; }
  swipe_model& module() noexcept { return model_; }

 private:
  mutable swipe_model model_;  // a shared handle; calling a module is not const in LibTorch
  torch_encoder encoder_;
  torch_decoder decoder_;
};
static_assert(Backend<torch_backend>);

}  // namespace glide::backends::torch
