#pragma once
// Model inputs as LibTorch tensors: the one batching path of the torch backend (inference and training).
//
// Sequences are right-padded: kinematics [B x T x 6] float, keys [B x T] int64, mask [B x T] bool (true
// = a real point), with T the longest swipe of the batch; inputs with K > 1 keys a point (soft keys)
// give keys [B x T x K] and key_weights [B x T x K] float (undefined otherwise). Training batches add the decoder's inputs
// (start token, then the word) and targets (the word, then the end token; pad 0 elsewhere, which the
// loss ignores), [B x L] int64 with L one more than the longest word.

#include <algorithm>
#include <span>
#include <string>
#include <vector>

#include <torch/torch.h>

#include <glide/core/error.hpp>
#include <glide/core/types.hpp>
#include <glide/model/config.hpp>
#include <glide/swipe/model_input.hpp>
#include <glide/text/char_tokenizer.hpp>

namespace glide::backends::torch {

struct input_batch {
  ::torch::Tensor kinematics, keys, mask, key_weights;
};

/// The swipes as one right-padded batch; an empty swipe or one whose sizes disagree is an error naming it.
inline input_batch input_tensors(std::span<const swipe::model_input> inputs) {
  constexpr auto dim = model::model_config::kinematic_dim;
  if (inputs.empty()) throw shape_error("torch input: empty batch");
  std::int64_t t = 0;
  const std::size_t per = inputs[0].keys_per_point;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const auto& in = inputs[i];
    if (in.points == 0) throw shape_error("torch input: swipe " + std::to_string(i) + " is empty (no points)");
    if (in.keys_per_point != per)
      throw shape_error("torch input: swipe " + std::to_string(i) + " has " + std::to_string(in.keys_per_point) +
                        " key(s) a point, swipe 0 " + std::to_string(per));
    if (per == 0 || in.kinematics.size() != in.points * dim || in.keys.size() != in.points * per ||
        in.key_weights.size() != (per > 1 ? in.points * per : 0))
      throw shape_error("torch input: swipe " + std::to_string(i) + "'s sizes do not match its point count");
    t = std::max<std::int64_t>(t, static_cast<std::int64_t>(in.points));
  }
  const auto b = static_cast<std::int64_t>(inputs.size());
  const auto k = static_cast<std::int64_t>(per);
  auto kin = ::torch::zeros({b, t, static_cast<std::int64_t>(dim)});
  auto keys = per > 1 ? ::torch::zeros({b, t, k}, ::torch::kInt64) : ::torch::zeros({b, t}, ::torch::kInt64);
  auto weights = per > 1 ? ::torch::zeros({b, t, k}) : ::torch::Tensor{};
  auto mask = ::torch::zeros({b, t}, ::torch::kBool);
  auto* kin_p = kin.data_ptr<float>();
  auto* keys_p = keys.data_ptr<std::int64_t>();
  auto* mask_p = mask.data_ptr<bool>();
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const auto& in = inputs[i];
    const auto row = static_cast<std::size_t>(t) * i;
    std::copy(in.kinematics.begin(), in.kinematics.end(), kin_p + row * dim);
    std::copy(in.keys.begin(), in.keys.end(), keys_p + row * per);
    if (per > 1) std::copy(in.key_weights.begin(), in.key_weights.end(), weights.data_ptr<float>() + row * per);
    std::fill_n(mask_p + row, in.points, true);
  }
  return {kin, keys, mask, weights};
}

struct training_batch {
  input_batch input;
  ::torch::Tensor tokens_in, targets;
};

/// Swipes and their words (token ids without start or end) as one batch for teacher forcing.
inline training_batch make_training_batch(std::span<const swipe::model_input> inputs, std::span<const std::vector<token_id>> words) {
  if (inputs.size() != words.size())
    throw shape_error("torch training batch: " + std::to_string(inputs.size()) + " swipes for " + std::to_string(words.size()) + " words");
  auto input = input_tensors(inputs);
  std::int64_t l = 1;
  for (const auto& w : words) l = std::max<std::int64_t>(l, static_cast<std::int64_t>(w.size()) + 1);
  const auto b = static_cast<std::int64_t>(words.size());
  auto tin = ::torch::zeros({b, l}, ::torch::kInt64);
  auto tgt = ::torch::zeros({b, l}, ::torch::kInt64);  // pad_id 0 is ignored by the loss
  auto tin_a = tin.accessor<std::int64_t, 2>();
  auto tgt_a = tgt.accessor<std::int64_t, 2>();
  for (std::int64_t i = 0; i < b; ++i) {
    const auto& w = words[static_cast<std::size_t>(i)];
    tin_a[i][0] = char_tokenizer::bos_id;
    for (std::size_t k = 0; k < w.size(); ++k) {
      tin_a[i][static_cast<std::int64_t>(k + 1)] = w[k];
      tgt_a[i][static_cast<std::int64_t>(k)] = w[k];
    }
    tgt_a[i][static_cast<std::int64_t>(w.size())] = char_tokenizer::eos_id;
  }
  return {std::move(input), tin, tgt};
}

}  // namespace glide::backends::torch
