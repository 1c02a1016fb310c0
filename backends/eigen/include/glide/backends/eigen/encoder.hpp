#pragma once
// The swipe encoder: kinematic features and nearest-key embeddings (or, for a layout-conditioned
// model, the weighted sum of the embeddings of the K nearest keys), then transformer or conformer
// layers (pre-norm). Models glide::Encoder.

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <glide/concepts/encoder.hpp>
#include <glide/core/error.hpp>
#include <glide/model/config.hpp>
#include <glide/swipe/model_input.hpp>
#include <glide/backends/eigen/layers.hpp>

namespace glide::backends::eigen {

/// What the encoder hands the decoders: one row per swipe point.
struct encoded_swipe {
  matrix states;  ///< [points x d_model]
};

class swipe_encoder {
 public:
  using input_type = swipe::model_input;
  using memory_type = encoded_swipe;

  swipe_encoder(const model::model_config& c, weight_reader& w) : config_{c} {
    const std::size_t d = c.d_model;
    in_proj_ = linear::load(w, "enc.in_proj", model::model_config::kinematic_dim, d);
    key_emb_ = w.mat("enc.key_emb.weight", c.vocab_size(), d);
    for (std::size_t i = 0; i < c.encoder_layers; ++i) {
      const std::string p = "enc.layers." + std::to_string(i);
      layer l;
      l.attn_ln = layer_norm::load(w, p + ".attn_ln", d);
      l.attn = attention::load(w, p + ".attn", d, c.heads);
      l.ffn_ln = layer_norm::load(w, p + ".ffn_ln", d);
      l.ffn = feed_forward::load(w, p + ".ffn", d, c.ffn);
      if (c.encoder == "conformer") {
        l.ffn0_ln = layer_norm::load(w, p + ".ffn0_ln", d);
        l.ffn0 = feed_forward::load(w, p + ".ffn0", d, c.ffn);
        l.conv_ln = layer_norm::load(w, p + ".conv_ln", d);
        l.pw1 = linear::load(w, p + ".conv.pw1", d, 2 * d);
        l.dw_w = w.mat(p + ".conv.dw.weight", d, c.conv_kernel);
        l.dw_b = w.vec(p + ".conv.dw.bias", d);
        l.conv_norm = layer_norm::load(w, p + ".conv.norm", d);
        l.pw2 = linear::load(w, p + ".conv.pw2", d, d);
        l.out_ln = layer_norm::load(w, p + ".out_ln", d);
      }
      layers_.push_back(std::move(l));
    }
    ln_f_ = layer_norm::load(w, "enc.ln_f", d);
    positions_ = position_table{c.max_points, d};
  }

  [[nodiscard]] encoded_swipe encode(const swipe::model_input& in) const {
    const std::size_t kd = model::model_config::kinematic_dim;
    if (in.points == 0) throw shape_error("swipe encoder: empty swipe (no points)");
    const std::size_t per = config_.soft_keys >= 2 ? config_.soft_keys : 1;
    if (in.keys_per_point != per)
      throw shape_error("swipe encoder: input has " + std::to_string(in.keys_per_point) + " key(s) a point, the model reads " +
                        std::to_string(per) + " (its soft_keys)");
    if (in.kinematics.size() != in.points * kd || in.keys.size() != in.points * per ||
        in.key_weights.size() != (per > 1 ? in.points * per : 0))
      throw shape_error("swipe encoder: input holds " + std::to_string(in.kinematics.size()) + " features, " +
                        std::to_string(in.keys.size()) + " keys and " + std::to_string(in.key_weights.size()) + " key weights for " +
                        std::to_string(in.points) + " points");
    const auto t = static_cast<Eigen::Index>(in.points);
    const matrix kin = Eigen::Map<const matrix>(in.kinematics.data(), t, static_cast<Eigen::Index>(kd));
    matrix x = in_proj_(kin);
    for (Eigen::Index i = 0; i < t; ++i) {
      for (std::size_t j = 0; j < per; ++j) {
        const auto at = static_cast<std::size_t>(i) * per + j;
        const auto k = in.keys[at];
        if (k < 0 || k >= key_emb_.rows()) throw shape_error("swipe encoder: key token " + std::to_string(k) + " out of range");
        if (per == 1) x.row(i) += key_emb_.row(k);
        else x.row(i) += in.key_weights[at] * key_emb_.row(k);
      }
      positions_.add(x.row(i), static_cast<std::size_t>(i));
    }
    if (config_.encoder != "conformer") {  // residual connections added in place (no temporaries)
      matrix h, hidden;
      for (const auto& l : layers_) {
        l.attn_ln.apply(x, h);
        l.attn.self_add(h, x);
        l.ffn_ln.apply(x, h);
        l.ffn.apply_add(h, hidden, x);
      }
      return {ln_f_(x)};
    }
    for (const auto& l : layers_) {  // the conformer's macaron block
      x += 0.5F * l.ffn0(l.ffn0_ln(x));
      x += l.attn.self(l.attn_ln(x));
      x += convolution(l, l.conv_ln(x));
      x += 0.5F * l.ffn(l.ffn_ln(x));
      x = l.out_ln(x);
    }
    return {ln_f_(x)};
  }

  [[nodiscard]] const model::model_config& config() const noexcept { return config_; }

 private:
  struct layer {
    layer_norm attn_ln, ffn_ln, ffn0_ln, conv_ln, conv_norm, out_ln;
    attention attn;
    feed_forward ffn, ffn0;
    linear pw1, pw2;
    matrix dw_w;  // [d x kernel]
    row_vector dw_b;
  };

  // Conformer convolution module: pointwise (GLU), depthwise over time (zero padded), norm, SiLU,
  // pointwise.
  [[nodiscard]] matrix convolution(const layer& l, const matrix& x) const {
    const Eigen::Index d = x.cols(), t = x.rows();
    const matrix h2 = l.pw1(x);
    const matrix h = h2.leftCols(d).cwiseProduct(
        sigmoid(h2.rightCols(d).array()).matrix());
    const auto k = l.dw_w.cols();
    matrix y(t, d);
    for (Eigen::Index i = 0; i < t; ++i) {
      y.row(i) = l.dw_b;
      for (Eigen::Index j = 0; j < k; ++j) {
        const Eigen::Index src = i + j - k / 2;
        if (src < 0 || src >= t) continue;
        y.row(i) += h.row(src).cwiseProduct(l.dw_w.col(j).transpose());
      }
    }
    matrix z = l.conv_norm(y);
    silu_inplace(z);
    return l.pw2(z);
  }

  model::model_config config_;
  linear in_proj_;
  matrix key_emb_;
  std::vector<layer> layers_;
  layer_norm ln_f_;
  position_table positions_;
};
static_assert(Encoder<swipe_encoder>);

}  // namespace glide::backends::eigen
