#pragma once
// Character decoders over an encoded swipe, both modelling glide::Decoder:
//  - transformer_decoder: pre-norm layers of causal self-attention with a KV cache (each step projects
//    only the new token; earlier keys and values are reused), cross-attention over the swipe (its keys
//    and values computed once per swipe and shared by every row and copy of the state), feed-forward;
//  - gru_decoder: a GRU cell fed the previous token and attention context, with dot-product attention
//    over the swipe.
// A state's rows all hold prefixes of the same length (each step feeds one token to every row).

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <glide/concepts/decoder.hpp>
#include <glide/core/error.hpp>
#include <glide/core/logits.hpp>
#include <glide/model/config.hpp>
#include <glide/text/char_tokenizer.hpp>
#include <glide/backends/eigen/encoder.hpp>
#include <glide/backends/eigen/layers.hpp>

namespace glide::backends::eigen {

namespace detail {
inline void check_step(std::size_t batch, std::span<const token_id> last, std::size_t vocab, const char* who) {
  if (last.size() != batch)
    throw shape_error(std::string(who) + "::step: " + std::to_string(last.size()) + " tokens for a batch of " +
                      std::to_string(batch));
  for (token_id t : last)
    if (t < 0 || static_cast<std::size_t>(t) >= vocab)
      throw shape_error(std::string(who) + "::step: token " + std::to_string(t) + " outside the vocabulary");
}
inline void check_memory(const encoded_swipe& m, std::size_t d_model, const char* who) {
  if (m.states.cols() != static_cast<Eigen::Index>(d_model) || m.states.rows() == 0)
    throw shape_error(std::string(who) + ": memory is " + std::to_string(m.states.rows()) + " x " +
                      std::to_string(m.states.cols()) + ", expected points x " + std::to_string(d_model));
}
inline void check_rows(std::span<const std::size_t> rows, std::size_t batch, const char* who) {
  for (auto r : rows)
    if (r >= batch)
      throw shape_error(std::string(who) + "::reorder: row " + std::to_string(r) + " of a batch of " + std::to_string(batch));
}
inline std::vector<Eigen::Index> checked_rows(std::span<const std::size_t> rows, std::size_t batch, const char* who) {
  check_rows(rows, batch, who);
  return {rows.begin(), rows.end()};
}
}  // namespace detail

class transformer_decoder {
 public:
  using memory_type = encoded_swipe;

  /// One position's self-attention keys and values, every layer: [rows when written x d] each.
  /// Written once and never changed, so states share them.
  struct kv_block {
    std::vector<matrix> k, v;
  };
  struct state_type {
    std::size_t batch = 0;
    std::size_t length = 0;  ///< tokens fed so far (start token included)
    std::shared_ptr<const std::vector<matrix>> cross_k, cross_v;  ///< per layer, [points x d] (without the packed kernel)
    /// With the packed kernel (packed_weights::in_use() when the model loaded): per layer and head (layer * heads + head),
    /// the head's cross-attention keys transposed [dh x points] and values [points x dh], packed once
    /// a swipe for the steps' small products (Eigen's product packed them again at every step).
    std::shared_ptr<const std::vector<packed_weights>> cross_kt, cross_vh;
    /// The KV cache: blocks[p] holds position p; row r of this state reads row source[p][r] of it.
    /// A reorder rewrites only these indices (no keys or values are copied), and a copied state
    /// shares the blocks.
    std::vector<std::shared_ptr<const kv_block>> blocks;
    std::vector<std::vector<std::uint32_t>> source;
    matrix logits;
    /// Buffers every step reuses (no allocation per step once sized); a copy starts with its own empty ones.
    struct scratch_buffers {
      matrix x, h, o, qkv, q, att, hidden;
      row_vector scores;
      std::vector<const float*> key_rows, value_rows;  ///< self-attention: a row's key and value at each position
      scratch_buffers() = default;
      scratch_buffers(const scratch_buffers&) {}
      scratch_buffers(scratch_buffers&&) noexcept = default;
      scratch_buffers& operator=(const scratch_buffers&) { return *this; }
      scratch_buffers& operator=(scratch_buffers&&) noexcept = default;
      ~scratch_buffers() = default;
    } scratch;
  };

  transformer_decoder(const model::model_config& c, weight_reader& w) : config_{c} {
    const std::size_t d = c.d_model;
    vocab_ = c.vocab_size();
    tok_emb_ = w.mat("dec.tok_emb.weight", vocab_, d);
    for (std::size_t i = 0; i < c.decoder_layers; ++i) {
      const std::string p = "dec.layers." + std::to_string(i);
      layer l;
      l.self_ln = layer_norm::load(w, p + ".self_ln", d);
      l.self_attn = attention::load(w, p + ".self_attn", d, c.heads);
      l.cross_ln = layer_norm::load(w, p + ".cross_ln", d);
      const auto cross = attention::load(w, p + ".cross_attn", d, c.heads);
      const auto dd = static_cast<Eigen::Index>(d);
      l.cross_q = cross.in_proj.columns(0, dd);
      l.cross_kv = cross.in_proj.columns(dd, 2 * dd);
      l.cross_out = cross.out_proj;
      l.ffn_ln = layer_norm::load(w, p + ".ffn_ln", d);
      l.ffn = feed_forward::load(w, p + ".ffn", d, c.ffn);
      layers_.push_back(std::move(l));
    }
    ln_f_ = layer_norm::load(w, "dec.ln_f", d);
    out_ = linear::load(w, "dec.out", d, vocab_);
    positions_ = position_table{c.max_word_length + 2, d};
    packed_cross_ = packed_weights::in_use();
  }

  [[nodiscard]] std::size_t vocab_size() const noexcept { return vocab_; }
  /// Steps a state can take: one per position of the table (start token, max_word_length characters, end).
  [[nodiscard]] std::size_t max_length() const noexcept { return config_.max_word_length + 2; }
  [[nodiscard]] token_id bos_id() const noexcept { return char_tokenizer::bos_id; }
  [[nodiscard]] token_id eos_id() const noexcept { return char_tokenizer::eos_id; }
  [[nodiscard]] std::size_t batch_size(const state_type& s) const noexcept { return s.batch; }

  [[nodiscard]] state_type init_state(const encoded_swipe& m, std::size_t batch) const {
    detail::check_memory(m, config_.d_model, "transformer_decoder");
    state_type s;
    s.batch = batch;
    const auto d = static_cast<Eigen::Index>(config_.d_model);
    if (packed_cross_) {
      // Each head's keys (transposed) and values packed straight from the layer's [points x 2d] projection.
      const auto heads = static_cast<Eigen::Index>(config_.heads), dh = d / heads;
      auto kt = std::make_shared<std::vector<packed_weights>>(layers_.size() * static_cast<std::size_t>(heads));
      auto vh = std::make_shared<std::vector<packed_weights>>(kt->size());
      matrix kv;
      for (std::size_t li = 0; li < layers_.size(); ++li) {
        layers_[li].cross_kv.apply(m.states, kv);
        const Eigen::Index points = kv.rows(), ld = kv.cols();
        for (Eigen::Index hd = 0; hd < heads; ++hd) {
          const auto at = li * static_cast<std::size_t>(heads) + static_cast<std::size_t>(hd);
          (*kt)[at].assign(kv.data() + hd * dh, dh, points, 1, ld);
          (*vh)[at].assign(kv.data() + d + hd * dh, points, dh, ld, 1);
        }
      }
      s.cross_kt = std::move(kt);
      s.cross_vh = std::move(vh);
      return s;
    }
    auto ck = std::make_shared<std::vector<matrix>>();
    auto cv = std::make_shared<std::vector<matrix>>();
    for (const auto& l : layers_) {
      const matrix kv = l.cross_kv(m.states);
      ck->push_back(kv.leftCols(d));
      cv->push_back(kv.rightCols(d));
    }
    s.cross_k = std::move(ck);
    s.cross_v = std::move(cv);
    return s;
  }

  logits_view step(const encoded_swipe&, state_type& s, std::span<const token_id> last) const {
    detail::check_step(s.batch, last, vocab_, "transformer_decoder");
    if (s.length > config_.max_word_length + 1)
      throw shape_error("transformer_decoder: prefix longer than max_word_length " +
                        std::to_string(config_.max_word_length));
    const auto b = static_cast<Eigen::Index>(s.batch);
    const auto d = static_cast<Eigen::Index>(config_.d_model);
    const auto heads = static_cast<Eigen::Index>(config_.heads);
    const Eigen::Index dh = d / heads;
    const float scale = 1.0F / std::sqrt(static_cast<float>(dh));
    auto& sc = s.scratch;
    auto& x = sc.x;
    x.resize(b, d);
    for (Eigen::Index r = 0; r < b; ++r) {
      x.row(r) = tok_emb_.row(last[static_cast<std::size_t>(r)]);
      positions_.add(x.row(r), s.length);
    }
    // This position's keys and values, filled layer by layer below.
    auto block = std::make_shared<kv_block>();
    block->k.resize(layers_.size());
    block->v.resize(layers_.size());
    s.source.emplace_back(s.batch);
    for (std::uint32_t r = 0; r < s.batch; ++r) s.source.back()[r] = r;
    const auto len = static_cast<Eigen::Index>(s.blocks.size()) + 1;
    auto& o = sc.o;
    auto& h = sc.h;
    o.resize(b, d);
    row_vector& scores = sc.scores;  // [heads x len] for attend_heads (AVX-512 or WebAssembly), [len] otherwise
    scores.resize(heads * len);
    auto& kp = sc.key_rows;
    auto& vp = sc.value_rows;
    kp.resize(static_cast<std::size_t>(len));
    vp.resize(static_cast<std::size_t>(len));
    using row_map = Eigen::Map<const row_vector>;
    for (std::size_t li = 0; li < layers_.size(); ++li) {
      const auto& l = layers_[li];
      // Causal self-attention: only the new position is projected.
      l.self_ln.apply(x, h);
      l.self_attn.in_proj.apply(h, sc.qkv);
      block->k[li] = sc.qkv.middleCols(d, d);
      block->v[li] = sc.qkv.rightCols(d);
      for (Eigen::Index r = 0; r < b; ++r) {
        // Row r's key and value at each position, found once for every head.
        for (Eigen::Index j = 0; j < len; ++j) {
          const auto& blk = j + 1 == len ? *block : *s.blocks[static_cast<std::size_t>(j)];
          const auto src = static_cast<Eigen::Index>(s.source[static_cast<std::size_t>(j)][static_cast<std::size_t>(r)]);
          kp[static_cast<std::size_t>(j)] = blk.k[li].row(src).data();
          vp[static_cast<std::size_t>(j)] = blk.v[li].row(src).data();
        }
#ifdef GLIDE_PACKED_AVX512
        if (dh <= 32) {  // every head's scores, their softmaxes side by side, then the weighted sums, in registers
          attend_heads(sc.qkv.row(r).data(), kp.data(), vp.data(), len, heads, dh, scale, scores.data(), o.row(r).data());
          continue;
        }
#elif defined(GLIDE_PACKED_WASM)
        if (dh % 4 == 0 && dh <= 32) {
          attend_heads_wasm(sc.qkv.row(r).data(), kp.data(), vp.data(), len, heads, dh, scale, scores.data(), o.row(r).data());
          continue;
        }
#endif
        for (Eigen::Index hd = 0; hd < heads; ++hd) {
          const row_map qh{sc.qkv.row(r).data() + hd * dh, dh};
          for (Eigen::Index j = 0; j < len; ++j) scores[j] = row_map{kp[static_cast<std::size_t>(j)] + hd * dh, dh}.dot(qh) * scale;
          softmax_inplace(scores.head(len));
          auto oh = o.row(r).segment(hd * dh, dh);
          oh.setZero();
          for (Eigen::Index j = 0; j < len; ++j) oh += scores[j] * row_map{vp[static_cast<std::size_t>(j)] + hd * dh, dh};
        }
      }
      l.self_attn.out_proj.apply_add(o, x);
      // Cross-attention over the swipe: per head, a [rows x points] product of the queries and keys.
      l.cross_ln.apply(x, h);
      l.cross_q.apply(h, sc.q);
      if (s.cross_kt) {
        sc.q *= scale;
        const auto points = (*s.cross_kt)[0].outputs();
        sc.att.resize(b, points);
        for (Eigen::Index hd = 0; hd < heads; ++hd) {
          const auto at = li * static_cast<std::size_t>(heads) + static_cast<std::size_t>(hd);
          (*s.cross_kt)[at].multiply(sc.q.data() + hd * dh, d, b, sc.att.data(), points);
          softmax_rows(sc.att);
          (*s.cross_vh)[at].multiply(sc.att.data(), points, b, o.data() + hd * dh, d);
        }
      } else {
        const auto& mk = (*s.cross_k)[li];
        const auto& mv = (*s.cross_v)[li];
        for (Eigen::Index hd = 0; hd < heads; ++hd) {
          sc.att.noalias() = sc.q.middleCols(hd * dh, dh) * mk.middleCols(hd * dh, dh).transpose();
          sc.att *= scale;
          softmax_rows(sc.att);
          o.middleCols(hd * dh, dh).noalias() = sc.att * mv.middleCols(hd * dh, dh);
        }
      }
      l.cross_out.apply_add(o, x);
      l.ffn_ln.apply(x, h);
      l.ffn.apply_add(h, sc.hidden, x);
    }
    s.blocks.push_back(std::move(block));
    ln_f_.apply(x, h);
    out_.apply(h, s.logits);
    ++s.length;
    return {s.logits.data(), s.batch, vocab_};
  }

  /// Row i becomes old row rows[i]: only the cache's row indices move.
  void reorder(state_type& s, std::span<const std::size_t> rows) const {
    detail::check_rows(rows, s.batch, "transformer_decoder");
    std::vector<std::uint32_t> moved(rows.size());
    for (auto& src : s.source) {
      for (std::size_t i = 0; i < rows.size(); ++i) moved[i] = src[rows[i]];
      src.swap(moved);
      moved.resize(rows.size());
    }
    s.batch = rows.size();
  }

  [[nodiscard]] const model::model_config& config() const noexcept { return config_; }

 private:
#ifdef GLIDE_PACKED_AVX512
  // One row's causal self-attention over its cached positions, every head (head size <= 32: two
  // 16-lane registers, the second masked): q is the row's queries [heads x dh], key[j] and value[j]
  // the row's key and value at position j ([heads x dh] each), out its [heads x dh] output. The
  // heads' score rows ([heads x len] in scores) get their softmaxes four at a time (softmax_block).
  // Eigen's dynamic-size dot and axpy (a 24-float head split into a 16-lane packet, a half packet and
  // loads and stores of the output at every position) were most of a decoder step's own time.
  static void attend_heads(const float* q, const float* const* key, const float* const* value, Eigen::Index len, Eigen::Index heads,
                           Eigen::Index dh, float scale, float* scores, float* out) {
    const auto high = static_cast<__mmask16>(dh > 16 ? (1U << (dh - 16)) - 1U : 0U);
    const auto low = static_cast<__mmask16>(dh >= 16 ? 0xFFFFU : (1U << dh) - 1U);
    for (Eigen::Index hd = 0; hd < heads; ++hd) {
      const Eigen::Index off = hd * dh;
      const __m512 q0 = _mm512_maskz_loadu_ps(low, q + off), q1 = _mm512_maskz_loadu_ps(high, q + off + 16);
      float* sh = scores + hd * len;
      for (Eigen::Index j = 0; j < len; ++j) {
        const float* k = key[j] + off;
        const __m512 p = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(high, k + 16), q1, _mm512_mul_ps(_mm512_maskz_loadu_ps(low, k), q0));
        sh[j] = _mm512_reduce_add_ps(p) * scale;
      }
    }
    Eigen::Index hd = 0;
    for (; hd + 4 <= heads; hd += 4) softmax_block<4>(scores + hd * len, len, len);
    for (; hd < heads; ++hd) softmax_block<1>(scores + hd * len, len, len);
    for (hd = 0; hd < heads; ++hd) {
      const Eigen::Index off = hd * dh;
      const float* sh = scores + hd * len;
      __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
      for (Eigen::Index j = 0; j < len; ++j) {
        const float* v = value[j] + off;
        const __m512 w = _mm512_set1_ps(sh[j]);
        a0 = _mm512_fmadd_ps(w, _mm512_maskz_loadu_ps(low, v), a0);
        a1 = _mm512_fmadd_ps(w, _mm512_maskz_loadu_ps(high, v + 16), a1);
      }
      _mm512_mask_storeu_ps(out + off, low, a0);
      _mm512_mask_storeu_ps(out + off + 16, high, a1);
    }
  }
#endif

#ifdef GLIDE_PACKED_WASM
  // attend_heads in WebAssembly SIMD: a head of C x 4 floats (C <= 8) in C registers.
  template <int C>
  static void attend_head_wasm(const float* q, const float* const* key, const float* const* value, Eigen::Index len, Eigen::Index off,
                               float scale, float* sh, float* out) {
    v128_t qv[C];
    for (int c = 0; c < C; ++c) qv[c] = wasm_v128_load(q + off + 4 * c);
    for (Eigen::Index j = 0; j < len; ++j) {
      const float* k = key[j] + off;
      v128_t p = wasm_f32x4_mul(wasm_v128_load(k), qv[0]);
      for (int c = 1; c < C; ++c) p = wasm_f32x4_add(p, wasm_f32x4_mul(wasm_v128_load(k + 4 * c), qv[c]));
      sh[j] = ((wasm_f32x4_extract_lane(p, 0) + wasm_f32x4_extract_lane(p, 1)) + (wasm_f32x4_extract_lane(p, 2) + wasm_f32x4_extract_lane(p, 3))) * scale;
    }
    softmax_contiguous(sh, len);
    v128_t acc[C];
    for (int c = 0; c < C; ++c) acc[c] = wasm_f32x4_splat(0.0F);
    for (Eigen::Index j = 0; j < len; ++j) {
      const float* v = value[j] + off;
      const v128_t w = wasm_f32x4_splat(sh[j]);
      for (int c = 0; c < C; ++c) acc[c] = wasm_f32x4_add(acc[c], wasm_f32x4_mul(w, wasm_v128_load(v + 4 * c)));
    }
    for (int c = 0; c < C; ++c) wasm_v128_store(out + off + 4 * c, acc[c]);
  }
  static void attend_heads_wasm(const float* q, const float* const* key, const float* const* value, Eigen::Index len, Eigen::Index heads,
                                Eigen::Index dh, float scale, float* scores, float* out) {
    for (Eigen::Index hd = 0; hd < heads; ++hd) {
      const Eigen::Index off = hd * dh;
      float* sh = scores + hd * len;
      [&]<int... C>(std::integer_sequence<int, C...>) {
        (void)((dh == 4 * (C + 1) && (attend_head_wasm<C + 1>(q, key, value, len, off, scale, sh, out), true)) || ...);
      }(std::make_integer_sequence<int, 8>{});
    }
  }
#endif

  struct layer {
    layer_norm self_ln, cross_ln, ffn_ln;
    attention self_attn;
    linear cross_q, cross_kv, cross_out;
    feed_forward ffn;
  };
  model::model_config config_;
  std::size_t vocab_ = 0;
  matrix tok_emb_;
  std::vector<layer> layers_;
  layer_norm ln_f_;
  linear out_;
  position_table positions_;
  bool packed_cross_ = false;  ///< cross-attention's per-head products use packed_weights (decided at load)
};
static_assert(Decoder<transformer_decoder>);

class gru_decoder {
 public:
  using memory_type = encoded_swipe;

  struct state_type {
    std::size_t batch = 0;
    std::shared_ptr<const matrix> keys;  ///< attention keys of the swipe, [points x d]
    matrix h, context, logits;
  };

  gru_decoder(const model::model_config& c, weight_reader& w) : config_{c} {
    const std::size_t d = c.d_model;
    vocab_ = c.vocab_size();
    tok_emb_ = w.mat("dec.tok_emb.weight", vocab_, d);
    w_ih_ = w.mat("dec.gru.weight_ih", 3 * d, 2 * d).transpose();
    w_hh_ = w.mat("dec.gru.weight_hh", 3 * d, d).transpose();
    b_ih_ = w.vec("dec.gru.bias_ih", 3 * d);
    b_hh_ = w.vec("dec.gru.bias_hh", 3 * d);
    init_ = linear::load(w, "dec.init", d, d);
    attn_q_ = linear::load(w, "dec.attn_q", d, d);
    attn_k_ = linear::load(w, "dec.attn_k", d, d);
    out_ = linear::load(w, "dec.out", 2 * d, vocab_);
  }

  [[nodiscard]] std::size_t vocab_size() const noexcept { return vocab_; }
  [[nodiscard]] token_id bos_id() const noexcept { return char_tokenizer::bos_id; }
  [[nodiscard]] token_id eos_id() const noexcept { return char_tokenizer::eos_id; }
  [[nodiscard]] std::size_t batch_size(const state_type& s) const noexcept { return s.batch; }

  [[nodiscard]] state_type init_state(const encoded_swipe& m, std::size_t batch) const {
    detail::check_memory(m, config_.d_model, "gru_decoder");
    state_type s;
    s.batch = batch;
    s.keys = std::make_shared<const matrix>(attn_k_(m.states));
    matrix h0 = init_(matrix(m.states.colwise().mean()));
    h0 = h0.array().tanh().matrix();
    s.h = h0.replicate(static_cast<Eigen::Index>(batch), 1);
    s.context = matrix::Zero(static_cast<Eigen::Index>(batch), m.states.cols());
    return s;
  }

  logits_view step(const encoded_swipe& m, state_type& s, std::span<const token_id> last) const {
    detail::check_step(s.batch, last, vocab_, "gru_decoder");
    const auto b = static_cast<Eigen::Index>(s.batch);
    const auto d = static_cast<Eigen::Index>(config_.d_model);
    matrix x(b, 2 * d);
    for (Eigen::Index r = 0; r < b; ++r) {
      x.row(r).head(d) = tok_emb_.row(last[static_cast<std::size_t>(r)]);
      x.row(r).tail(d) = s.context.row(r);
    }
    matrix gi = x * w_ih_;
    gi.rowwise() += b_ih_;
    matrix gh = s.h * w_hh_;
    gh.rowwise() += b_hh_;
    auto sigmoid = [](float v) { return 1.0F / (1.0F + std::exp(-v)); };
    const matrix rg = (gi.leftCols(d) + gh.leftCols(d)).unaryExpr(sigmoid);
    const matrix zg = (gi.middleCols(d, d) + gh.middleCols(d, d)).unaryExpr(sigmoid);
    const matrix n = (gi.rightCols(d) + rg.cwiseProduct(gh.rightCols(d))).array().tanh().matrix();
    s.h = (1.0F - zg.array()).matrix().cwiseProduct(n) + zg.cwiseProduct(s.h);
    matrix att = attn_q_(s.h) * s.keys->transpose() / std::sqrt(static_cast<float>(d));
    for (Eigen::Index r = 0; r < b; ++r) softmax_inplace(att.row(r));
    s.context = att * m.states;
    matrix hc(b, 2 * d);
    hc << s.h, s.context;
    out_.apply(hc, s.logits);
    return {s.logits.data(), s.batch, vocab_};
  }

  void reorder(state_type& s, std::span<const std::size_t> rows) const {
    const auto idx = detail::checked_rows(rows, s.batch, "gru_decoder");
    s.h = s.h(idx, Eigen::all).eval();
    s.context = s.context(idx, Eigen::all).eval();
    s.batch = rows.size();
  }

  [[nodiscard]] const model::model_config& config() const noexcept { return config_; }

 private:
  model::model_config config_;
  std::size_t vocab_ = 0;
  matrix tok_emb_, w_ih_, w_hh_;
  row_vector b_ih_, b_hh_;
  linear init_, attn_q_, attn_k_, out_;
};
static_assert(Decoder<gru_decoder>);

}  // namespace glide::backends::eigen
