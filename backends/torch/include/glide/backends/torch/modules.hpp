#pragma once
// The swipe models as LibTorch modules, for training. Parameter names and shapes are exactly
// glide::model::weight_shapes(config), so export_weights() feeds the Eigen backend unchanged.
//
// Shapes: kinematics [B x T x 6] float, keys [B x T] int64 (or [B x T x K] with key_weights [B x T x K]
// for soft keys), point_mask [B x T] bool (true = a real point; sequences are right-padded), tokens
// [B x L] int64 (start token first).

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include <glide/core/error.hpp>
#include <glide/io/safetensors.hpp>
#include <glide/model/config.hpp>
#include <glide/model/weights.hpp>
#include <glide/text/fold.hpp>
#include <glide/text/utf8.hpp>

namespace glide::backends::torch {

namespace nn = ::torch::nn;
using ::torch::Tensor;

/// Sinusoidal positions [length x d], as the Eigen backend computes them.
inline Tensor positions(std::int64_t length, std::int64_t d) {
  auto pos = ::torch::arange(length, ::torch::kFloat64).unsqueeze(1);
  auto i = ::torch::arange(d / 2, ::torch::kFloat64);
  auto angle = pos / ::torch::pow(10000.0, 2.0 * i / static_cast<double>(d));
  auto pe = ::torch::stack({::torch::sin(angle), ::torch::cos(angle)}, 2).reshape({length, d});
  return pe.to(::torch::kFloat32);
}

struct attention_impl : nn::Module {
  attention_impl(std::int64_t d, std::int64_t heads_) : heads{heads_}, dim{d} {
    in_proj = register_module("in_proj", nn::Linear(d, 3 * d));
    out_proj = register_module("out_proj", nn::Linear(d, d));
  }
  /// q_in [B x Tq x d] attends over kv_in [B x Tk x d]; `causal` masks later keys; key_mask [B x Tk]
  /// is true for keys that exist.
  Tensor forward(const Tensor& q_in, const Tensor& kv_in, const Tensor& key_mask, bool causal) {
    const auto b = q_in.size(0), tq = q_in.size(1), tk = kv_in.size(1), dh = dim / heads;
    auto w = in_proj->weight, bias = in_proj->bias;
    auto q = ::torch::nn::functional::linear(q_in, w.slice(0, 0, dim), bias.slice(0, 0, dim));
    auto kv = ::torch::nn::functional::linear(kv_in, w.slice(0, dim, 3 * dim), bias.slice(0, dim, 3 * dim));
    auto k = kv.slice(2, 0, dim), v = kv.slice(2, dim, 2 * dim);
    q = q.view({b, tq, heads, dh}).transpose(1, 2);
    k = k.view({b, tk, heads, dh}).transpose(1, 2);
    v = v.view({b, tk, heads, dh}).transpose(1, 2);
    auto scores = ::torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(dh));
    if (key_mask.defined()) scores = scores.masked_fill(key_mask.logical_not().view({b, 1, 1, tk}), -1e9);
    if (causal) {
      auto future = ::torch::ones({tq, tk}, ::torch::kBool).triu(1).to(scores.device());
      scores = scores.masked_fill(future, -1e9);
    }
    auto o = ::torch::matmul(::torch::softmax(scores, -1), v).transpose(1, 2).reshape({b, tq, dim});
    return out_proj(o);
  }
  std::int64_t heads, dim;
  nn::Linear in_proj{nullptr}, out_proj{nullptr};
};
TORCH_MODULE_IMPL(attention, attention_impl);

struct feed_forward_impl : nn::Module {
  feed_forward_impl(std::int64_t d, std::int64_t hidden) {
    fc1 = register_module("fc1", nn::Linear(d, hidden));
    fc2 = register_module("fc2", nn::Linear(hidden, d));
  }
  Tensor forward(const Tensor& x) { return fc2(::torch::gelu(fc1(x))); }
  nn::Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE_IMPL(feed_forward, feed_forward_impl);

inline nn::LayerNorm layer_norm(std::int64_t d) { return nn::LayerNorm(nn::LayerNormOptions({d}).eps(1e-5)); }

struct depthwise_impl : nn::Module {
  depthwise_impl(std::int64_t d, std::int64_t kernel) {
    weight = register_parameter("weight", ::torch::randn({d, kernel}) / std::sqrt(static_cast<double>(kernel)));
    bias = register_parameter("bias", ::torch::zeros({d}));
  }
  /// x [B x T x d] -> [B x T x d], zero padded in time.
  Tensor forward(const Tensor& x) {
    const auto k = weight.size(1);
    auto y = ::torch::conv1d(x.transpose(1, 2), weight.unsqueeze(1), bias, 1, k / 2, 1, weight.size(0));
    return y.transpose(1, 2);
  }
  Tensor weight, bias;
};
TORCH_MODULE_IMPL(depthwise, depthwise_impl);

struct conv_module_impl : nn::Module {
  conv_module_impl(std::int64_t d, std::int64_t kernel) {
    pw1 = register_module("pw1", nn::Linear(d, 2 * d));
    dw = register_module("dw", depthwise(d, kernel));
    norm = register_module("norm", layer_norm(d));
    pw2 = register_module("pw2", nn::Linear(d, d));
  }
  Tensor forward(const Tensor& x, const Tensor& mask) {
    auto h = ::torch::glu(pw1(x), -1);
    h = h * mask.unsqueeze(-1).to(h.dtype());  // padding is zeros, as past the end of one swipe
    h = dw(h);
    h = ::torch::silu(norm(h));
    return pw2(h);
  }
  nn::Linear pw1{nullptr}, pw2{nullptr};
  depthwise dw{nullptr};
  nn::LayerNorm norm{nullptr};
};
TORCH_MODULE_IMPL(conv_module, conv_module_impl);

struct encoder_layer_impl : nn::Module {
  encoder_layer_impl(const model::model_config& c) : conformer{c.encoder == "conformer"} {
    const auto d = static_cast<std::int64_t>(c.d_model), f = static_cast<std::int64_t>(c.ffn);
    attn_ln = register_module("attn_ln", layer_norm(d));
    attn = register_module("attn", attention(d, static_cast<std::int64_t>(c.heads)));
    ffn_ln = register_module("ffn_ln", layer_norm(d));
    ffn = register_module("ffn", feed_forward(d, f));
    if (conformer) {
      ffn0_ln = register_module("ffn0_ln", layer_norm(d));
      ffn0 = register_module("ffn0", feed_forward(d, f));
      conv_ln = register_module("conv_ln", layer_norm(d));
      conv = register_module("conv", conv_module(d, static_cast<std::int64_t>(c.conv_kernel)));
      out_ln = register_module("out_ln", layer_norm(d));
    }
  }
  Tensor forward(Tensor x, const Tensor& mask) {
    if (conformer) x = x + 0.5 * ffn0(ffn0_ln(x));
    auto h = attn_ln(x);
    x = x + attn(h, h, mask, false);
    if (conformer) x = x + conv(conv_ln(x), mask);
    x = x + (conformer ? 0.5 : 1.0) * ffn(ffn_ln(x));
    if (conformer) x = out_ln(x);
    return x;
  }
  bool conformer;
  nn::LayerNorm attn_ln{nullptr}, ffn_ln{nullptr}, ffn0_ln{nullptr}, conv_ln{nullptr}, out_ln{nullptr};
  attention attn{nullptr};
  feed_forward ffn{nullptr}, ffn0{nullptr};
  conv_module conv{nullptr};
};
TORCH_MODULE_IMPL(encoder_layer, encoder_layer_impl);

struct encoder_impl : nn::Module {
  explicit encoder_impl(const model::model_config& c) {
    const auto d = static_cast<std::int64_t>(c.d_model);
    in_proj = register_module("in_proj", nn::Linear(static_cast<std::int64_t>(model::model_config::kinematic_dim), d));
    key_emb = register_module("key_emb", nn::Embedding(static_cast<std::int64_t>(c.vocab_size()), d));
    layers = register_module("layers", nn::ModuleList());
    for (std::size_t i = 0; i < c.encoder_layers; ++i) layers->push_back(encoder_layer(c));
    ln_f = register_module("ln_f", layer_norm(d));
  }
  /// key_weights [B x T x K] (soft keys, keys [B x T x K]) or undefined (the nearest key, keys [B x T]).
  Tensor forward(const Tensor& kinematics, const Tensor& keys, const Tensor& mask, const Tensor& key_weights = {}) {
    auto x = in_proj(kinematics) + (key_weights.defined() ? (key_emb(keys) * key_weights.unsqueeze(-1)).sum(2) : key_emb(keys));
    x = x + positions(x.size(1), x.size(2)).to(x.device()).unsqueeze(0);
    for (auto& l : *layers) x = l->as<encoder_layer_impl>()->forward(x, mask);
    return ln_f(x);
  }
  nn::Linear in_proj{nullptr};
  nn::Embedding key_emb{nullptr};
  nn::ModuleList layers{nullptr};
  nn::LayerNorm ln_f{nullptr};
};
TORCH_MODULE_IMPL(encoder, encoder_impl);

struct decoder_layer_impl : nn::Module {
  explicit decoder_layer_impl(const model::model_config& c) {
    const auto d = static_cast<std::int64_t>(c.d_model);
    const auto h = static_cast<std::int64_t>(c.heads);
    self_ln = register_module("self_ln", layer_norm(d));
    self_attn = register_module("self_attn", attention(d, h));
    cross_ln = register_module("cross_ln", layer_norm(d));
    cross_attn = register_module("cross_attn", attention(d, h));
    ffn_ln = register_module("ffn_ln", layer_norm(d));
    ffn = register_module("ffn", feed_forward(d, static_cast<std::int64_t>(c.ffn)));
  }
  Tensor forward(Tensor x, const Tensor& memory, const Tensor& mask) {
    auto h = self_ln(x);
    x = x + self_attn(h, h, Tensor{}, true);
    x = x + cross_attn(cross_ln(x), memory, mask, false);
    return x + ffn(ffn_ln(x));
  }
  nn::LayerNorm self_ln{nullptr}, cross_ln{nullptr}, ffn_ln{nullptr};
  attention self_attn{nullptr}, cross_attn{nullptr};
  feed_forward ffn{nullptr};
};
TORCH_MODULE_IMPL(decoder_layer, decoder_layer_impl);

/// Both decoder families: logits [B x L x V] for every position of `tokens`.
struct decoder_impl : nn::Module {
  explicit decoder_impl(const model::model_config& c) : gru_family{c.decoder == "gru"} {
    const auto d = static_cast<std::int64_t>(c.d_model);
    const auto v = static_cast<std::int64_t>(c.vocab_size());
    tok_emb = register_module("tok_emb", nn::Embedding(v, d));
    if (!gru_family) {
      layers = register_module("layers", nn::ModuleList());
      for (std::size_t i = 0; i < c.decoder_layers; ++i) layers->push_back(decoder_layer(c));
      ln_f = register_module("ln_f", layer_norm(d));
      out = register_module("out", nn::Linear(d, v));
    } else {
      gru = register_module("gru", nn::GRUCell(2 * d, d));
      init = register_module("init", nn::Linear(d, d));
      attn_q = register_module("attn_q", nn::Linear(d, d));
      attn_k = register_module("attn_k", nn::Linear(d, d));
      out = register_module("out", nn::Linear(2 * d, v));
    }
  }

  Tensor forward(const Tensor& memory, const Tensor& mask, const Tensor& tokens) {
    if (!gru_family) {
      auto x = tok_emb(tokens);
      x = x + positions(x.size(1), x.size(2)).to(x.device()).unsqueeze(0);
      for (auto& l : *layers) x = l->as<decoder_layer_impl>()->forward(x, memory, mask);
      return out(ln_f(x));
    }
    const auto b = memory.size(0), d = memory.size(2);
    auto m = mask.unsqueeze(-1).to(memory.dtype());
    auto mean = (memory * m).sum(1) / m.sum(1).clamp_min(1.0);
    auto h = ::torch::tanh(init(mean));
    auto context = ::torch::zeros({b, d}, memory.options());
    auto keys = attn_k(memory);
    auto emb = tok_emb(tokens);
    std::vector<Tensor> outs;
    for (std::int64_t t = 0; t < tokens.size(1); ++t) {
      h = gru(::torch::cat({emb.select(1, t), context}, 1), h);
      auto scores = ::torch::bmm(keys, attn_q(h).unsqueeze(2)).squeeze(2) / std::sqrt(static_cast<double>(d));
      scores = scores.masked_fill(mask.logical_not(), -1e9);
      context = ::torch::bmm(::torch::softmax(scores, 1).unsqueeze(1), memory).squeeze(1);
      outs.push_back(out(::torch::cat({h, context}, 1)));
    }
    return ::torch::stack(outs, 1);
  }

  bool gru_family;
  nn::Embedding tok_emb{nullptr};
  nn::ModuleList layers{nullptr};
  nn::LayerNorm ln_f{nullptr};
  nn::Linear out{nullptr}, init{nullptr}, attn_q{nullptr}, attn_k{nullptr};
  nn::GRUCell gru{nullptr};
};
TORCH_MODULE_IMPL(decoder, decoder_impl);

struct swipe_model_impl : nn::Module {
  explicit swipe_model_impl(const model::model_config& c) : config{c} {
    c.validate();
    enc = register_module("enc", encoder(c));
    dec = register_module("dec", decoder(c));
  }
  Tensor forward(const Tensor& kinematics, const Tensor& keys, const Tensor& mask, const Tensor& tokens, const Tensor& key_weights = {}) {
    return dec(enc(kinematics, keys, mask, key_weights), mask, tokens);
  }

  /// Every parameter as float32 tensors named as weight_shapes(config) names them.
  [[nodiscard]] std::map<std::string, io::tensor> export_weights() const {
    std::map<std::string, io::tensor> out;
    for (const auto& p : named_parameters()) {
      auto t = p.value().detach().to(::torch::kCPU).to(::torch::kFloat32).contiguous();
      io::tensor x;
      x.shape.assign(t.sizes().begin(), t.sizes().end());
      x.data.assign(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
      out.emplace(p.key(), std::move(x));
    }
    return out;
  }

  /// Sets every parameter from `weights`; names and shapes must match exactly.
  void import_weights(const io::safetensors_file& weights) {
    ::torch::NoGradGuard no_grad;
    for (auto& p : named_parameters()) {
      const auto& t = weights.get(p.key(), std::vector<std::int64_t>(p.value().sizes().begin(), p.value().sizes().end()));
      p.value().copy_(::torch::from_blob(const_cast<float*>(t.data.data()), p.value().sizes(), ::torch::kFloat32));
    }
    if (weights.tensors().size() != named_parameters().size())
      throw shape_error("torch model: weights hold " + std::to_string(weights.tensors().size()) + " tensors, the model " +
                        std::to_string(named_parameters().size()));
  }

  /// Starts a larger model from a smaller one's weights without changing what it computes: layers the
  /// weights lack (encoder or decoder layers past theirs) are appended as identities, their residual
  /// branches' output projections zero (the rest of the layer keeps its random init, so it can learn);
  /// feed-forward layers wider than the weights' keep the trained units, and the new units' outputs
  /// start at zero. Every other tensor must match exactly. Only pre-norm transformer layers grow (a
  /// conformer layer ends in a layer norm, so it is no identity). Returns how many tensors were grown
  /// or added.
  std::size_t grow_from(const io::safetensors_file& weights) {
    ::torch::NoGradGuard no_grad;
    if (config.encoder == "conformer") throw config_error("grow_from: a conformer encoder cannot grow (its layers end in a layer norm)");
    auto layer_of = [](const std::string& name, const std::string& prefix) -> std::optional<std::size_t> {
      if (name.rfind(prefix, 0) != 0) return std::nullopt;
      return static_cast<std::size_t>(std::stoul(name.substr(prefix.size())));
    };
    auto count_layers = [&](const std::string& prefix) {
      std::size_t n = 0;
      for (const auto& [name, t] : weights.tensors())
        if (auto l = layer_of(name, prefix)) n = std::max(n, *l + 1);
      return n;
    };
    const std::size_t enc_from = count_layers("enc.layers."), dec_from = count_layers("dec.layers.");
    auto ends_with = [](const std::string& s, const std::string& tail) {
      return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
    };
    // The last linear map of each residual branch: zero makes the branch add nothing.
    auto branch_output = [&](const std::string& name) {
      for (const char* tail : {".attn.out_proj.", ".self_attn.out_proj.", ".cross_attn.out_proj.", ".ffn.fc2."})
        if (name.find(tail) != std::string::npos) return true;
      return false;
    };
    std::size_t grown = 0, used = 0;
    for (auto& p : named_parameters()) {
      const auto& name = p.key();
      auto& v = p.value();
      const std::vector<std::int64_t> shape(v.sizes().begin(), v.sizes().end());
      const auto enc_layer = layer_of(name, "enc.layers."), dec_layer = layer_of(name, "dec.layers.");
      if ((enc_layer && *enc_layer >= enc_from) || (dec_layer && *dec_layer >= dec_from)) {
        if (weights.contains(name)) throw shape_error("grow_from: weights hold '" + name + "' past their own layer count");
        if (branch_output(name)) v.zero_();
        ++grown;
        continue;
      }
      if (!weights.contains(name)) throw parse_error("grow_from: weights lack '" + name + "', which is no added layer");
      ++used;
      const auto& t = weights.tensors().at(name);
      if (t.shape == shape) {
        v.copy_(::torch::from_blob(const_cast<float*>(weights.get(name, shape).data.data()), v.sizes(), ::torch::kFloat32));
        continue;
      }
      // A wider feed-forward layer: fc1 [f x d] and its bias [f] gain rows, fc2 [d x f] gains columns.
      const auto old = ::torch::from_blob(const_cast<float*>(weights.get(name, t.shape).data.data()), t.shape, ::torch::kFloat32);
      const bool fc1 = ends_with(name, ".ffn.fc1.weight") || ends_with(name, ".ffn.fc1.bias");
      const bool fc2 = ends_with(name, ".ffn.fc2.weight");
      if (fc1 && t.shape.size() == shape.size() && t.shape[0] < shape[0] && (shape.size() == 1 || t.shape[1] == shape[1])) {
        v.slice(0, 0, t.shape[0]).copy_(old);
      } else if (fc2 && t.shape.size() == 2 && t.shape[0] == shape[0] && t.shape[1] < shape[1]) {
        v.zero_();
        v.slice(1, 0, t.shape[1]).copy_(old);
      } else {
        throw shape_error("grow_from: tensor '" + name + "' has shape " + io::safetensors_file::shape_text(t.shape) +
                          " in the weights and " + io::safetensors_file::shape_text(shape) + " in the model; only layers and feed-forward widths grow");
      }
      ++grown;
    }
    if (used != weights.tensors().size())
      throw shape_error("grow_from: the weights hold " + std::to_string(weights.tensors().size() - used) + " tensor(s) the model lacks");
    return grown;
  }

  /// Starts from the weights of a model of the same architecture but another alphabet (`from_alphabet`):
  /// the tensors indexed by token (the key and token embeddings, the output layer) take each letter's
  /// row from the same letter, or else from the letter it folds to in the old alphabet (ü from u, ё
  /// from е); the special tokens keep theirs; letters with neither keep their random rows (output
  /// bias: the old letters' mean). Every other tensor must match exactly. Returns how many letters
  /// were found (directly or folded).
  std::size_t adopt_alphabet(const io::safetensors_file& weights, const std::string& from_alphabet) {
    ::torch::NoGradGuard no_grad;
    const char_tokenizer from{from_alphabet}, to = config.tokenizer();
    const auto to_chars = utf8::decode(config.alphabet);
    // Row of each new token in the old tensors (-1: none).
    std::vector<std::int64_t> source(to.vocab_size(), -1);
    const auto specials = static_cast<std::int64_t>(to.vocab_size() - to_chars.size());
    for (std::int64_t t = 0; t < specials; ++t) source[static_cast<std::size_t>(t)] = t;
    std::size_t found = 0;
    for (char32_t c : to_chars) {
      const auto t = static_cast<std::size_t>(*to.find(c));
      if (auto old = from.find(c)) {
        source[t] = *old;
      } else {
        std::string text;
        utf8::append(text, c);
        const auto folded = fold_for(from, text);
        if (!folded || utf8::decode(*folded).size() != 1) continue;
        source[t] = *from.find(utf8::decode(*folded)[0]);
      }
      ++found;
    }
    const std::vector<std::string> by_token{"enc.key_emb.weight", "dec.tok_emb.weight", "dec.out.weight", "dec.out.bias"};
    std::size_t used = 0;
    for (auto& p : named_parameters()) {
      const auto& name = p.key();
      auto& v = p.value();
      if (!weights.contains(name)) throw parse_error("adopt_alphabet: the weights lack '" + name + "'");
      ++used;
      const auto& t = weights.tensors().at(name);
      const auto old = ::torch::from_blob(const_cast<float*>(t.data.data()), t.shape, ::torch::kFloat32);
      if (std::find(by_token.begin(), by_token.end(), name) == by_token.end()) {
        if (std::vector<std::int64_t>(v.sizes().begin(), v.sizes().end()) != t.shape)
          throw shape_error("adopt_alphabet: tensor '" + name + "' has shape " + io::safetensors_file::shape_text(t.shape) +
                            " in the weights and another in the model; only the alphabet may differ");
        v.copy_(old);
        continue;
      }
      if (t.shape.empty() || t.shape[0] != static_cast<std::int64_t>(from.vocab_size()) ||
          (t.shape.size() == 2 && t.shape[1] != v.size(1)))
        throw shape_error("adopt_alphabet: tensor '" + name + "' does not fit the alphabet '" + from_alphabet + "'");
      if (name == "dec.out.bias") v.fill_(old.slice(0, specials).mean().item<float>());
      for (std::size_t r = 0; r < source.size(); ++r)
        if (source[r] >= 0) v[static_cast<std::int64_t>(r)].copy_(old[source[r]]);
    }
    if (used != weights.tensors().size())
      throw shape_error("adopt_alphabet: the weights hold " + std::to_string(weights.tensors().size() - used) + " tensor(s) the model lacks");
    return found;
  }

  model::model_config config;
  encoder enc{nullptr};
  decoder dec{nullptr};
};
TORCH_MODULE_IMPL(swipe_model, swipe_model_impl);

}  // namespace glide::backends::torch
