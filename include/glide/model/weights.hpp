#pragma once
// The names and shapes of every weight a model config implies, in PyTorch layout (a Linear weight is
// [out x in]). Backends load and export exactly these; tests draw random models from them.

#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <glide/io/safetensors.hpp>
#include <glide/model/config.hpp>

namespace glide::model {

using shape = std::vector<std::int64_t>;

inline std::map<std::string, shape> weight_shapes(const model_config& c) {
  c.validate();
  const auto d = static_cast<std::int64_t>(c.d_model);
  const auto f = static_cast<std::int64_t>(c.ffn);
  const auto v = static_cast<std::int64_t>(c.vocab_size());
  std::map<std::string, shape> s;
  auto linear = [&](const std::string& n, std::int64_t in, std::int64_t out) {
    s[n + ".weight"] = {out, in};
    s[n + ".bias"] = {out};
  };
  auto norm = [&](const std::string& n) {
    s[n + ".weight"] = {d};
    s[n + ".bias"] = {d};
  };
  auto attention = [&](const std::string& n) {
    linear(n + ".in_proj", d, 3 * d);
    linear(n + ".out_proj", d, d);
  };
  auto ffn = [&](const std::string& n) {
    linear(n + ".fc1", d, f);
    linear(n + ".fc2", f, d);
  };
  linear("enc.in_proj", static_cast<std::int64_t>(model_config::kinematic_dim), d);
  s["enc.key_emb.weight"] = {v, d};
  for (std::size_t i = 0; i < c.encoder_layers; ++i) {
    const std::string p = "enc.layers." + std::to_string(i);
    norm(p + ".attn_ln");
    attention(p + ".attn");
    norm(p + ".ffn_ln");
    ffn(p + ".ffn");
    if (c.encoder == "conformer") {
      norm(p + ".ffn0_ln");
      ffn(p + ".ffn0");
      norm(p + ".conv_ln");
      linear(p + ".conv.pw1", d, 2 * d);
      s[p + ".conv.dw.weight"] = {d, static_cast<std::int64_t>(c.conv_kernel)};
      s[p + ".conv.dw.bias"] = {d};
      norm(p + ".conv.norm");
      linear(p + ".conv.pw2", d, d);
      norm(p + ".out_ln");
    }
  }
  norm("enc.ln_f");
  s["dec.tok_emb.weight"] = {v, d};
  if (c.decoder == "transformer") {
    for (std::size_t i = 0; i < c.decoder_layers; ++i) {
      const std::string p = "dec.layers." + std::to_string(i);
      norm(p + ".self_ln");
      attention(p + ".self_attn");
      norm(p + ".cross_ln");
      attention(p + ".cross_attn");
      norm(p + ".ffn_ln");
      ffn(p + ".ffn");
    }
    norm("dec.ln_f");
    linear("dec.out", d, v);
  } else {
    s["dec.gru.weight_ih"] = {3 * d, 2 * d};
    s["dec.gru.weight_hh"] = {3 * d, d};
    s["dec.gru.bias_ih"] = {3 * d};
    s["dec.gru.bias_hh"] = {3 * d};
    linear("dec.init", d, d);
    linear("dec.attn_q", d, d);
    linear("dec.attn_k", d, d);
    linear("dec.out", 2 * d, v);
  }
  return s;
}

/// Random weights for `c` (uniform in +-1/sqrt(fan_in); norms near 1 and 0), for tests and benches.
inline std::map<std::string, io::tensor> random_weights(const model_config& c, std::uint32_t seed) {
  std::mt19937 rng{seed};
  std::map<std::string, io::tensor> out;
  for (const auto& [name, sh] : weight_shapes(c)) {
    io::tensor t{sh, {}};
    std::size_t n = 1;
    for (auto x : sh) n *= static_cast<std::size_t>(x);
    const bool norm_weight = name.ends_with("ln.weight") || name.ends_with("ln_f.weight") ||
                             name.ends_with("norm.weight");
    const float bound = sh.size() == 2 ? 1.0F / std::sqrt(static_cast<float>(sh[1])) : 0.1F;
    std::uniform_real_distribution<float> u{-bound, bound};
    t.data.resize(n);
    for (auto& x : t.data) x = norm_weight ? 1.0F + u(rng) : u(rng);
    out.emplace(name, std::move(t));
  }
  return out;
}

}  // namespace glide::model
