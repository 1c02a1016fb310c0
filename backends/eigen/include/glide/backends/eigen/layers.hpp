#pragma once
// The building blocks of Glide's Eigen models: weight loading with shape checks, linear layers,
// layer norm, activations, sinusoidal positions and multi-head attention. Layouts follow PyTorch
// (a Linear weight is [out x in]), so weights exported from the LibTorch backend load unchanged.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(__AVX512VNNI__) && defined(__AVX512BW__) && defined(__AVX512F__)
#include <immintrin.h>
#define GLIDE_INT8_VNNI 1
#endif
#if defined(__AVX512F__)
#include <immintrin.h>
#define GLIDE_PACKED_AVX512 1
#endif
// WebAssembly SIMD (the page, built by scripts/build-web.sh): 4-lane kernels for both, the int8 one
// on i32x4.dot_i16x8_s (8 products an instruction, pairs of inputs widened to 16 bits).
#if defined(__wasm_simd128__) && !defined(GLIDE_PACKED_AVX512)
#include <wasm_simd128.h>
#define GLIDE_PACKED_WASM 1
#define GLIDE_INT8_WASM 1
#endif

#include <Eigen/Dense>
#include <unsupported/Eigen/SpecialFunctions>  // vectorised erf (GELU)

#include <glide/core/error.hpp>
#include <glide/io/safetensors.hpp>

namespace glide::backends::eigen {

using matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using row_vector = Eigen::Matrix<float, 1, Eigen::Dynamic>;

/// Whether models loaded now multiply their int8-stored weights with the int8 kernel
/// (int8_weights): the default where compiled for a CPU with AVX-512 VNNI (GLIDE_INT8_VNNI) or for
/// WebAssembly SIMD (GLIDE_INT8_WASM, the page); GLIDE_INT8_KERNELS=0 in the environment turns it off. Otherwise the weights are dequantized to
/// float32 on load and multiplied as float32 (by packed_weights where compiled for AVX-512). The
/// kernel quantizes activations too; with the encoder's first layer left in float32
/// (weight_reader::int8) whole decodes are about 1.3x faster than with the packed float kernel
/// within 0.2 points of its top-1 on valid and test (docs/searches.md).
[[nodiscard]] inline bool int8_kernels_enabled() {
#if defined(GLIDE_INT8_VNNI) || defined(GLIDE_INT8_WASM)
  const char* v = std::getenv("GLIDE_INT8_KERNELS");
  return v == nullptr || std::strcmp(v, "0") != 0;
#else
  return false;
#endif
}

#ifdef GLIDE_PACKED_AVX512
/// Stores the first `left` lanes of v (all 16 when left >= 16) at out, or adds them to what is there.
inline void store_lanes(float* out, Eigen::Index left, __m512 v, bool accumulate) {
  const __mmask16 mask = left >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1U << left) - 1U);
  if (accumulate) _mm512_mask_storeu_ps(out, mask, _mm512_add_ps(_mm512_maskz_loadu_ps(mask, out), v));
  else _mm512_mask_storeu_ps(out, mask, v);
}
#endif

#ifdef GLIDE_PACKED_WASM
/// Stores the first `left` lanes of v (all 4 when left >= 4) at out, or adds them to what is there.
inline void store4(float* out, Eigen::Index left, v128_t v, bool accumulate) {
  if (left >= 4) {
    wasm_v128_store(out, accumulate ? wasm_f32x4_add(wasm_v128_load(out), v) : v);
    return;
  }
  alignas(16) float lanes[4];
  wasm_v128_store(lanes, v);
  for (Eigen::Index l = 0; l < left; ++l) out[l] = accumulate ? out[l] + lanes[l] : lanes[l];
}
#endif

#ifdef GLIDE_PACKED_WASM
/// Splits [0, rows) into blocks of 4 rows, then one of 2 and one of 1 for what is left, and calls
/// f(std::integral_constant<int, R>{}, r0) for each: the WebAssembly kernels keep R x 2 accumulators,
/// 2 weight vectors and a splat in the SIMD registers V8 has on x64 (wider blocks spilled, in a
/// standalone loop tried while writing them; docs/web.md).
template <class F>
void for_row_quads(Eigen::Index rows, F&& f) {
  Eigen::Index r0 = 0;
  for (; r0 + 4 <= rows; r0 += 4) f(std::integral_constant<int, 4>{}, r0);
  if (rows - r0 >= 2) {
    f(std::integral_constant<int, 2>{}, r0);
    r0 += 2;
  }
  if (r0 < rows) f(std::integral_constant<int, 1>{}, r0);
}
#endif

/// Splits [0, rows) into blocks of at most 12 rows, as even as the count allows (17 rows as 9 + 8, not
/// 12 + 5: a kernel reads its weights once a block), and calls f(std::integral_constant<int, R>{}, r0)
/// for each block of R rows from r0, so a kernel keeps R rows' accumulators in registers.
template <class F>
void for_row_blocks(Eigen::Index rows, F&& f) {
  const Eigen::Index blocks = (rows + 11) / 12;
  for (Eigen::Index bl = 0, r0 = 0; bl < blocks; ++bl) {
    const Eigen::Index rn = (rows - r0) / (blocks - bl);
    [&]<int... R>(std::integer_sequence<int, R...>) {
      (void)((rn == R + 1 && (f(std::integral_constant<int, R + 1>{}, r0), true)) || ...);
    }(std::make_integer_sequence<int, 12>{});
    r0 += rn;
  }
}

/// A linear layer's weights as int8 for y = x * wt: one scale an output channel (the columns of
/// wt, the rows of the PyTorch weight, as glide quantize stores them), packed for the VNNI
/// instruction vpdpbusd (16 output channels x 4 inputs a 64-byte block). Each row of x is quantized
/// on the fly to 8 unsigned bits between its own minimum and maximum (x ~ lo + step * q, q in
/// 0..255: asymmetric, so a row of GELU outputs, mostly positive, gets twice the resolution a
/// symmetric scale would give it), products summed in int32 and scaled back to float, the rows'
/// offsets added back with the weights' column sums.
class int8_weights {
 public:
  /// A product's activations, quantized row by row ([rows x padded in] bytes).
  struct quantized_rows {
    std::vector<std::uint8_t> q;
    std::vector<float> step, lo;
  };

  /// From float weights [in x out] whose columns are int8 values times a scale (rebuilt exactly).
  explicit int8_weights(const matrix& wt) : in_{wt.rows()}, out_{wt.cols()}, kp_{(wt.rows() + 3) / 4 * 4}, np_{(wt.cols() + 15) / 16 * 16} {
    packed_.assign(static_cast<std::size_t>(kp_ * np_), 0);
    scale_.assign(static_cast<std::size_t>(np_), 0.0F);
    sum_.assign(static_cast<std::size_t>(np_), 0.0F);
    for (Eigen::Index n = 0; n < out_; ++n) {
      const float scale = io::int8_scale(in_ > 0 ? wt.col(n).cwiseAbs().maxCoeff() : 0.0F);
      scale_[static_cast<std::size_t>(n)] = scale;
      std::int32_t sum = 0;
      for (Eigen::Index k = 0; k < in_; ++k) {
        const auto q = io::to_int8(wt(k, n), scale);
        packed_[index(k, n)] = q;
        sum += q;
      }
      sum_[static_cast<std::size_t>(n)] = scale * static_cast<float>(sum);
    }
#ifdef GLIDE_INT8_WASM
    // Panel of 16 outputs, then pair of inputs (k, k + 1), then 4 groups of 4 outputs, each output's
    // pair side by side as 16 bits: the operand of i32x4.dot_i16x8_s against a row's pair.
    wide_.assign(static_cast<std::size_t>(kp_ * np_), 0);
    for (Eigen::Index n = 0; n < np_; ++n)
      for (Eigen::Index k = 0; k < kp_; ++k)
        wide_[static_cast<std::size_t>(((n / 16) * (kp_ / 2) + k / 2) * 32 + (n % 16) * 2 + k % 2)] = packed_[index(k, n)];
#endif
  }

  [[nodiscard]] Eigen::Index in() const noexcept { return in_; }
  [[nodiscard]] Eigen::Index out() const noexcept { return out_; }

  /// The weights [in x out] as floats again: each int8 value times its column's scale.
  [[nodiscard]] matrix unpacked() const {
    matrix wt(in_, out_);
    for (Eigen::Index k = 0; k < in_; ++k)
      for (Eigen::Index n = 0; n < out_; ++n) wt(k, n) = static_cast<float>(packed_[index(k, n)]) * scale_[static_cast<std::size_t>(n)];
    return wt;
  }

  /// The rows of x quantized as multiply() does (padding inputs 0).
  void quantize(const matrix& x, quantized_rows& out) const {
    const Eigen::Index rows = x.rows();
    out.q.resize(static_cast<std::size_t>(rows * kp_));  // every byte written below, padding 0
    out.step.resize(static_cast<std::size_t>(rows));
    out.lo.resize(static_cast<std::size_t>(rows));
    for (Eigen::Index r = 0; r < rows; ++r) {
      float lo = 0.0F, hi = 0.0F;
      row_range(x.data() + r * in_, lo, hi);
      const float step = hi > lo ? (hi - lo) / 255.0F : 1.0F;
      out.step[static_cast<std::size_t>(r)] = step;
      out.lo[static_cast<std::size_t>(r)] = lo;
      const float inv = 1.0F / step;
      std::uint8_t* q = out.q.data() + r * kp_;
      const float* xr = x.data() + r * in_;
      Eigen::Index k = 0;
#ifdef GLIDE_INT8_VNNI
      // 16 at a time: (x - lo) / step rounded to nearest even (as nearbyint), clamped to [0, 255].
      // The conversion rounds to nearest even itself; negatives are clamped to 0 as integers and the
      // narrowing saturates above 255 (the same bytes as rounding and clamping as floats).
      const __m512 vlo = _mm512_set1_ps(lo), vinv = _mm512_set1_ps(inv);
      const __m512i zero = _mm512_setzero_si512();
      for (; k + 16 <= in_; k += 16) {
        const __m512i t = _mm512_cvt_roundps_epi32(_mm512_mul_ps(_mm512_sub_ps(_mm512_loadu_ps(xr + k), vlo), vinv),
                                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(q + k), _mm512_cvtusepi32_epi8(_mm512_max_epi32(t, zero)));
      }
#endif
      for (; k < in_; ++k) q[k] = static_cast<std::uint8_t>(std::clamp(std::nearbyint((xr[k] - lo) * inv), 0.0F, 255.0F));
      std::fill(q + in_, q + kp_, std::uint8_t{0});
    }
  }

  /// The minimum and maximum of a row of `in` values (0 and 0 for none).
  void row_range(const float* xr, float& lo, float& hi) const {
    if (in_ == 0) {
      lo = hi = 0.0F;
      return;
    }
#ifdef GLIDE_INT8_VNNI
    // One pass, 16 lanes at a time (Eigen's minCoeff and maxCoeff took two, through the stack).
    __m512 vmin = _mm512_set1_ps(xr[0]), vmax = vmin;
    Eigen::Index k = 0;
    for (; k + 16 <= in_; k += 16) {
      const __m512 v = _mm512_loadu_ps(xr + k);
      vmin = _mm512_min_ps(vmin, v);
      vmax = _mm512_max_ps(vmax, v);
    }
    if (k < in_) {
      const auto mask = static_cast<__mmask16>((1U << (in_ - k)) - 1U);
      const __m512 v = _mm512_mask_loadu_ps(vmin, mask, xr + k);  // lanes past the row keep the minimum so far
      vmin = _mm512_min_ps(vmin, v);
      vmax = _mm512_max_ps(vmax, _mm512_mask_loadu_ps(vmax, mask, xr + k));
    }
    lo = _mm512_reduce_min_ps(vmin);
    hi = _mm512_reduce_max_ps(vmax);
#elif defined(GLIDE_INT8_WASM)
    // 4 lanes at a time with pmin/pmax, one instruction each (min and max, NaN-propagating, take several in V8).
    v128_t vmin = wasm_f32x4_splat(xr[0]), vmax = vmin;
    Eigen::Index k = 0;
    for (; k + 4 <= in_; k += 4) {
      const v128_t v = wasm_v128_load(xr + k);
      vmin = wasm_f32x4_pmin(vmin, v);
      vmax = wasm_f32x4_pmax(vmax, v);
    }
    lo = std::min(std::min(wasm_f32x4_extract_lane(vmin, 0), wasm_f32x4_extract_lane(vmin, 1)),
                  std::min(wasm_f32x4_extract_lane(vmin, 2), wasm_f32x4_extract_lane(vmin, 3)));
    hi = std::max(std::max(wasm_f32x4_extract_lane(vmax, 0), wasm_f32x4_extract_lane(vmax, 1)),
                  std::max(wasm_f32x4_extract_lane(vmax, 2), wasm_f32x4_extract_lane(vmax, 3)));
    for (; k < in_; ++k) {
      lo = std::min(lo, xr[k]);
      hi = std::max(hi, xr[k]);
    }
#else
    const Eigen::Map<const row_vector> row{xr, in_};
    lo = row.minCoeff();
    hi = row.maxCoeff();
#endif
  }

  /// y = x * W (or y += x * W with `accumulate`); x is [rows x in].
  void multiply(const matrix& x, matrix& y, bool accumulate = false) const {
    if (!accumulate) y.resize(x.rows(), out_);
#ifdef GLIDE_INT8_WASM
    multiply_wasm(x, y, accumulate);
#else
    thread_local quantized_rows xq;
    quantize(x, xq);
#ifdef GLIDE_INT8_VNNI
    multiply_vnni(xq, x.rows(), y, accumulate);
#else
    multiply_scalar(xq, x.rows(), y, accumulate);
#endif
#endif
  }

  /// The portable kernel (the same integer sums and scaling as the VNNI one): for tests and CPUs
  /// without VNNI.
  void multiply_scalar(const quantized_rows& xq, Eigen::Index rows, matrix& y, bool accumulate) const {
    for (Eigen::Index r = 0; r < rows; ++r)
      for (Eigen::Index n = 0; n < out_; ++n) {
        std::int32_t acc = 0;
        for (Eigen::Index k = 0; k < kp_; ++k) acc += static_cast<std::int32_t>(xq.q[static_cast<std::size_t>(r * kp_ + k)]) * packed_[index(k, n)];
        const auto rr = static_cast<std::size_t>(r), nn = static_cast<std::size_t>(n);
        const float v = std::fma(static_cast<float>(acc), xq.step[rr] * scale_[nn], xq.lo[rr] * sum_[nn]);
        if (accumulate) y(r, n) += v;
        else y(r, n) = v;
      }
  }

#ifdef GLIDE_INT8_VNNI
  // Blocks of up to 12 rows (for_row_blocks) against two panels of 16 outputs at a time: 24 int32
  // accumulators, each 64-byte weight block feeding every row of the block.
  void multiply_vnni(const quantized_rows& xq, Eigen::Index rows, matrix& y, bool accumulate) const {
    for_row_blocks(rows, [&](auto r, Eigen::Index r0) { vnni_rows<decltype(r)::value>(xq, r0, y, accumulate); });
  }
  template <int R>
  void vnni_rows(const quantized_rows& xq, Eigen::Index r0, matrix& y, bool accumulate) const {
    const Eigen::Index kb_count = kp_ / 4, panels = np_ / 16;
    for (Eigen::Index nb = 0; nb < panels; nb += 2) {
      const bool two = nb + 1 < panels;
      const std::int8_t* w0 = packed_.data() + nb * kb_count * 64;
      const std::int8_t* w1 = two ? w0 + kb_count * 64 : w0;
      __m512i a0[R], a1[R];
      for (int i = 0; i < R; ++i) a0[i] = a1[i] = _mm512_setzero_si512();
      for (Eigen::Index kb = 0; kb < kb_count; ++kb) {
        const __m512i v0 = _mm512_loadu_si512(w0 + kb * 64), v1 = _mm512_loadu_si512(w1 + kb * 64);
        for (int i = 0; i < R; ++i) {
          std::int32_t a4;
          std::memcpy(&a4, xq.q.data() + (r0 + i) * kp_ + kb * 4, 4);
          const __m512i a = _mm512_set1_epi32(a4);
          a0[i] = _mm512_dpbusd_epi32(a0[i], a, v0);
          a1[i] = _mm512_dpbusd_epi32(a1[i], a, v1);
        }
      }
      vnni_store<R>(a0, xq, r0, nb, y, accumulate);
      if (two) vnni_store<R>(a1, xq, r0, nb + 1, y, accumulate);
    }
  }
  template <int R>
  void vnni_store(const __m512i* acc, const quantized_rows& xq, Eigen::Index r0, Eigen::Index nb, matrix& y, bool accumulate) const {
    const __m512 sum = _mm512_loadu_ps(sum_.data() + nb * 16);
    const __m512 scale = _mm512_loadu_ps(scale_.data() + nb * 16);
    for (int i = 0; i < R; ++i) {
      const auto r = static_cast<std::size_t>(r0 + i);
      const __m512 v = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc[i]), _mm512_mul_ps(_mm512_set1_ps(xq.step[r]), scale),
                                       _mm512_mul_ps(_mm512_set1_ps(xq.lo[r]), sum));
      store_lanes(y.data() + (r0 + i) * out_ + nb * 16, out_ - nb * 16, v, accumulate);
    }
  }
#endif

#ifdef GLIDE_INT8_WASM
  // Activation levels of the WebAssembly kernel: its operands are 16 bits wide whatever the levels,
  // so a row is quantized to as many as the int32 sums allow (a pair of products is at most
  // 2 x levels x 127, and kp_ / 2 pairs are summed): 32,767 (15 bits) up to 1,032 inputs. Products
  // then round about as finely as float32 weights dequantized from int8 would (docs/web.md).
  [[nodiscard]] float wasm_levels() const noexcept {
    const double most = 2147483647.0 / (127.0 * static_cast<double>(std::max<Eigen::Index>(kp_, 1)));
    return static_cast<float>(std::floor(std::min(32767.0, most)));
  }

  // The rows of x quantized as quantize() does but to wasm_levels() levels, 4 lanes at a time, each
  // value 16 bits (multiply_wasm's operand); xq keeps the rows' steps and offsets.
  void quantize16(const matrix& x, quantized_rows& xq, std::vector<std::uint16_t>& x16) const {
    const float levels = wasm_levels();
    const Eigen::Index rows = x.rows();
    x16.resize(static_cast<std::size_t>(rows * kp_));
    xq.step.resize(static_cast<std::size_t>(rows));
    xq.lo.resize(static_cast<std::size_t>(rows));
    for (Eigen::Index r = 0; r < rows; ++r) {
      const float* xr = x.data() + r * in_;
      float lo = 0.0F, hi = 0.0F;
      row_range(xr, lo, hi);
      const float step = hi > lo ? (hi - lo) / levels : 1.0F;
      xq.step[static_cast<std::size_t>(r)] = step;
      xq.lo[static_cast<std::size_t>(r)] = lo;
      const float inv = 1.0F / step;
      std::uint16_t* q = x16.data() + r * kp_;
      const v128_t vlo = wasm_f32x4_splat(lo), vinv = wasm_f32x4_splat(inv), top = wasm_f32x4_splat(levels), zero = wasm_f32x4_splat(0.0F);
      Eigen::Index k = 0;
      // Clamped to [0, levels], then 2^23 added: the sum's low mantissa bits are the value rounded to
      // the nearest integer, ties to even (as nearbyint), read as an integer by subtracting the bits
      // of 2^23 (V8 lowers WebAssembly's float rounding and saturating conversion to long sequences).
      const v128_t magic = wasm_f32x4_splat(8388608.0F), magic_bits = wasm_i32x4_splat(0x4B000000);
      for (; k + 8 <= in_; k += 8) {
        auto level = [&](const float* at) {
          const v128_t t = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(at), vlo), vinv);
          return wasm_i32x4_sub(wasm_f32x4_add(wasm_f32x4_pmin(top, wasm_f32x4_pmax(zero, t)), magic), magic_bits);
        };
        wasm_v128_store(q + k, wasm_u16x8_narrow_i32x4(level(xr + k), level(xr + k + 4)));
      }
      for (; k < in_; ++k) q[k] = static_cast<std::uint16_t>(std::clamp(std::nearbyint((xr[k] - lo) * inv), 0.0F, levels));
      std::fill(q + in_, q + kp_, std::uint16_t{0});
    }
  }

  // Blocks of rows (for_row_quads) against each half panel of 8 outputs: each 32-byte block of widened
  // weights (a pair of inputs, 8 outputs) feeds every row of the block; a row's pair of quantized
  // inputs is one 32-bit splat of the rows widened to 16 bits. The same integer sums as the other
  // kernels; the scaling rounds once more than multiply_scalar's fma (WebAssembly SIMD has none).
  void multiply_wasm(const matrix& x, matrix& y, bool accumulate) const {
    thread_local quantized_rows xq;
    thread_local std::vector<std::uint16_t> x16;
    quantize16(x, xq, x16);
    for_row_quads(x.rows(), [&](auto r, Eigen::Index r0) { wasm_rows<decltype(r)::value>(x16.data(), xq, r0, y, accumulate); });
  }
  template <int R>
  void wasm_rows(const std::uint16_t* x16, const quantized_rows& xq, Eigen::Index r0, matrix& y, bool accumulate) const {
    const Eigen::Index pairs = kp_ / 2, halves = np_ / 8;
    for (Eigen::Index hp = 0; hp < halves; ++hp) {
      const Eigen::Index n0 = hp * 8;
      if (n0 >= out_) break;
      const std::int16_t* w = wide_.data() + (hp / 2) * pairs * 32 + (hp % 2) * 16;
      v128_t acc[R][2];
      for (int i = 0; i < R; ++i) acc[i][0] = acc[i][1] = wasm_i32x4_splat(0);
      const std::uint16_t* xr = x16 + r0 * kp_;
      for (Eigen::Index kb = 0; kb < pairs; ++kb, w += 32) {
        const v128_t w0 = wasm_v128_load(w), w1 = wasm_v128_load(w + 8);
        for (int i = 0; i < R; ++i) {
          const v128_t a = wasm_v128_load32_splat(xr + i * kp_ + kb * 2);
          acc[i][0] = wasm_i32x4_add(acc[i][0], wasm_i32x4_dot_i16x8(a, w0));
          acc[i][1] = wasm_i32x4_add(acc[i][1], wasm_i32x4_dot_i16x8(a, w1));
        }
      }
      for (int i = 0; i < R; ++i) {
        const auto r = static_cast<std::size_t>(r0 + i);
        const v128_t step = wasm_f32x4_splat(xq.step[r]), lo = wasm_f32x4_splat(xq.lo[r]);
        float* out = y.data() + (r0 + i) * out_;
        for (int j = 0; j < 2; ++j) {
          const Eigen::Index n = n0 + j * 4;
          if (n >= out_) break;
          const v128_t scale = wasm_v128_load(scale_.data() + n), sum = wasm_v128_load(sum_.data() + n);
          const v128_t v = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_convert_i32x4(acc[i][j]), wasm_f32x4_mul(step, scale)),
                                          wasm_f32x4_mul(lo, sum));
          store4(out + n, out_ - n, v, accumulate);
        }
      }
    }
  }
#endif

 private:
  // Block (n / 16, k / 4), then lane n % 16, then byte k % 4.
  [[nodiscard]] std::size_t index(Eigen::Index k, Eigen::Index n) const noexcept {
    return static_cast<std::size_t>(((n / 16) * (kp_ / 4) + k / 4) * 64 + (n % 16) * 4 + k % 4);
  }

  Eigen::Index in_, out_, kp_, np_;
  std::vector<std::int8_t> packed_;
  std::vector<float> scale_;
  std::vector<float> sum_;  ///< scale x the column's sum of int8 weights: a row's offset lo times it is lo * sum of its weights
#ifdef GLIDE_INT8_WASM
  std::vector<std::int16_t> wide_;  ///< the weights widened to 16 bits in multiply_wasm's order
#endif
};

/// Whether models loaded now use the packed float kernel (packed_weights) where it is available;
/// GLIDE_PACKED_KERNELS=0 turns it off (for comparing with Eigen's products side by side).
[[nodiscard]] inline bool packed_kernels_enabled() {
  const char* v = std::getenv("GLIDE_PACKED_KERNELS");
  return v == nullptr || std::strcmp(v, "0") != 0;
}

/// A linear layer's float32 weights packed once: panels of 16 output channels, each panel [in x 16]
/// contiguous, so a product reads the weights as they lie instead of packing them again at every call
/// as Eigen's general product does (16% of a decode's time went to that packing: a decoder step has 7
/// to 17 rows, a swipe 30 to 100). The kernel keeps up to 12 rows x 32 outputs in AVX-512 registers
/// (for_row_blocks); glide_bench_kernels times it against Eigen's product side by side. Only where
/// compiled for AVX-512 or WebAssembly SIMD (4 rows x 8 outputs, for_row_quads): in_use() is false
/// elsewhere (and with GLIDE_PACKED_KERNELS=0), where linear layers and attention use Eigen's product.
class packed_weights {
 public:
  [[nodiscard]] static constexpr bool available() noexcept {
#if defined(GLIDE_PACKED_AVX512) || defined(GLIDE_PACKED_WASM)
    return true;
#else
    return false;
#endif
  }
  /// Whether models loaded now use it: available here and not turned off.
  [[nodiscard]] static bool in_use() { return available() && packed_kernels_enabled(); }

  packed_weights() = default;
  explicit packed_weights(const matrix& wt) { assign(wt.data(), wt.rows(), wt.cols(), wt.cols(), 1); }

  /// Packs the [in x out] weights whose element (k, n) is src[k * k_stride + n * n_stride]: a
  /// strided view, such as one head's keys (transposed) or values inside an attention's stacked
  /// projections, packed without copying it out first. Reuses this object's storage.
  void assign(const float* src, Eigen::Index in, Eigen::Index out, Eigen::Index k_stride, Eigen::Index n_stride) {
    in_ = in;
    out_ = out;
    panels_ = (out + 15) / 16;
    data_.resize(static_cast<std::size_t>(panels_ * 16 * in_));
    float* d = data_.data();
    for (Eigen::Index p = 0; p < panels_; ++p) {
      const Eigen::Index lanes = std::min<Eigen::Index>(16, out_ - p * 16);
      for (Eigen::Index k = 0; k < in_; ++k, d += 16) {
        const float* from = src + k * k_stride + p * 16 * n_stride;
        Eigen::Index l = 0;
        for (; l < lanes; ++l) d[l] = from[l * n_stride];
        for (; l < 16; ++l) d[l] = 0.0F;
      }
    }
  }

  [[nodiscard]] Eigen::Index inputs() const noexcept { return in_; }
  [[nodiscard]] Eigen::Index outputs() const noexcept { return out_; }

  /// The weights [in x out] as they were given.
  [[nodiscard]] matrix unpacked() const {
    matrix wt(in_, out_);
    for (Eigen::Index n = 0; n < out_; ++n)
      for (Eigen::Index k = 0; k < in_; ++k) wt(k, n) = data_[index(k, n)];
    return wt;
  }

  /// y = x * W (or y += x * W with `accumulate`); x is [rows x in], row-major.
  void multiply(const matrix& x, matrix& y, bool accumulate = false) const {
    if (!accumulate) y.resize(x.rows(), out_);
    multiply(x.data(), in_, x.rows(), y.data(), out_, accumulate);
  }

  /// The same product on strided rows: x's rows [rows x in] lie x_stride floats apart, y's [rows x
  /// out] y_stride apart (a head's columns of a wider matrix, read and written in place).
  void multiply(const float* x, Eigen::Index x_stride, Eigen::Index rows_in_x, float* y, Eigen::Index y_stride, bool accumulate = false) const {
#ifdef GLIDE_PACKED_AVX512
    // Blocks of at most 12 rows: 24 accumulators (two panels of 16 outputs a row).
    for_row_blocks(rows_in_x, [&](auto r, Eigen::Index r0) {
      rows<decltype(r)::value>(x + r0 * x_stride, x_stride, y + r0 * y_stride, y_stride, accumulate);
    });
#elif defined(GLIDE_PACKED_WASM)
    for_row_quads(rows_in_x, [&](auto r, Eigen::Index r0) {
      wasm_rows<decltype(r)::value>(x + r0 * x_stride, x_stride, y + r0 * y_stride, y_stride, accumulate);
    });
#else
    (void)x, (void)x_stride, (void)rows_in_x, (void)y, (void)y_stride, (void)accumulate;
    throw std::logic_error("packed_weights::multiply without AVX-512 or WebAssembly SIMD");
#endif
  }

 private:
  // Panel n / 16, then input k, then lane n % 16.
  [[nodiscard]] std::size_t index(Eigen::Index k, Eigen::Index n) const noexcept {
    return static_cast<std::size_t>(((n / 16) * in_ + k) * 16 + n % 16);
  }

#ifdef GLIDE_PACKED_AVX512
  // Rows [r0, r0 + R) against every panel, two panels (32 outputs) at a time.
  template <int R>
  void rows(const float* xr, Eigen::Index x_stride, float* yr, Eigen::Index y_stride, bool accumulate) const {
    for (Eigen::Index p = 0; p < panels_; p += 2) {
      const bool two = p + 1 < panels_;
      const float* w0 = data_.data() + p * in_ * 16;
      const float* w1 = two ? w0 + in_ * 16 : w0;
      __m512 a0[R], a1[R];
      for (int i = 0; i < R; ++i) a0[i] = a1[i] = _mm512_setzero_ps();
      for (Eigen::Index k = 0; k < in_; ++k) {
        const __m512 v0 = _mm512_load_ps(w0 + k * 16), v1 = _mm512_load_ps(w1 + k * 16);
        for (int i = 0; i < R; ++i) {
          const __m512 s = _mm512_set1_ps(xr[i * x_stride + k]);
          a0[i] = _mm512_fmadd_ps(s, v0, a0[i]);
          a1[i] = _mm512_fmadd_ps(s, v1, a1[i]);
        }
      }
      for (int i = 0; i < R; ++i) {
        float* out = yr + i * y_stride + p * 16;
        store_lanes(out, out_ - p * 16, a0[i], accumulate);
        if (two) store_lanes(out + 16, out_ - (p + 1) * 16, a1[i], accumulate);
      }
    }
  }
#endif

#ifdef GLIDE_PACKED_WASM
  // Rows [0, R) against every half panel (8 outputs: 2 float32x4), skipping halves past the outputs
  // (a head of 24 values is a panel and a half); R is for_row_quads' block.
  template <int R>
  void wasm_rows(const float* xr, Eigen::Index x_stride, float* yr, Eigen::Index y_stride, bool accumulate) const {
    for (Eigen::Index hp = 0; hp < panels_ * 2; ++hp) {
      const Eigen::Index n0 = hp * 8;
      if (n0 >= out_) break;
      const float* w = data_.data() + (hp / 2) * in_ * 16 + (hp % 2) * 8;
      v128_t acc[R][2];
      for (int i = 0; i < R; ++i) acc[i][0] = acc[i][1] = wasm_f32x4_splat(0.0F);
      for (Eigen::Index k = 0; k < in_; ++k, w += 16) {
        const v128_t w0 = wasm_v128_load(w), w1 = wasm_v128_load(w + 4);
        for (int i = 0; i < R; ++i) {
          const v128_t a = wasm_v128_load32_splat(xr + i * x_stride + k);
          acc[i][0] = wasm_f32x4_add(acc[i][0], wasm_f32x4_mul(a, w0));
          acc[i][1] = wasm_f32x4_add(acc[i][1], wasm_f32x4_mul(a, w1));
        }
      }
      for (int i = 0; i < R; ++i)
        for (int j = 0; j < 2; ++j) {
          const Eigen::Index n = n0 + j * 4;
          if (n >= out_) break;
          store4(yr + i * y_stride + n, out_ - n, acc[i][j], accumulate);
        }
    }
  }
#endif

  Eigen::Index in_ = 0, out_ = 0, panels_ = 0;
  std::vector<float, Eigen::aligned_allocator<float>> data_;  // 64-byte aligned with AVX-512
};

/// Reads named tensors with the shapes a config implies, and reports tensors nobody asked for (a
/// weights file that does not match its config).
class weight_reader {
 public:
  explicit weight_reader(const io::safetensors_file& file) : file_{&file} {}

  /// Whether `name` was stored as int8 and products with it use the int8 kernel.
  /// The encoder's first layer stays float32 (its weights dequantized, as without the kernel): when this
  /// was chosen (the encoder's attention then on Eigen's product) the int8 kernel read valid top-1
  /// 0.8543 with it against float32's 0.8547, with every layer int8 0.8527, and kept most of the speed
  /// (whole decodes 1.21x float32's against 1.25x; glide_bench_pipelines).
  [[nodiscard]] bool int8(const std::string& name) const {
#ifdef GLIDE_INT8_WASM
    // The WebAssembly kernel quantizes activations to 15 bits (int8_weights::quantize16): the first
    // layer's features keep their resolution, so it is int8 too.
    return file_->quantized().count(name) != 0 && int8_kernels_enabled();
#else
    return file_->quantized().count(name) != 0 && int8_kernels_enabled() && !name.starts_with("enc.layers.0.");
#endif
  }

  matrix mat(const std::string& name, std::size_t rows, std::size_t cols) {
    const auto& t = file_->get(name, {static_cast<std::int64_t>(rows), static_cast<std::int64_t>(cols)});
    used_.insert(name);
    return Eigen::Map<const matrix>(t.data.data(), static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
  }
  row_vector vec(const std::string& name, std::size_t n) {
    const auto& t = file_->get(name, {static_cast<std::int64_t>(n)});
    used_.insert(name);
    return Eigen::Map<const row_vector>(t.data.data(), static_cast<Eigen::Index>(n));
  }

  /// Throws if the file holds tensors that were never read.
  void require_all_used(const std::string& source) const {
    for (const auto& [name, t] : file_->tensors())
      if (used_.count(name) == 0)
        throw shape_error("weights '" + source + "': unexpected tensor '" + name + "' (does the config match?)");
  }

 private:
  const io::safetensors_file* file_;
  std::set<std::string> used_;
};

struct linear {
  matrix wt;  ///< [in x out]: the transposed PyTorch weight, so y = x * wt is a row-major product (empty when packed or int8)
  row_vector b;
  std::shared_ptr<const int8_weights> q;  ///< set: products use the int8 kernel (weights stored as int8)
  std::shared_ptr<const packed_weights> p;  ///< set: products use the packed float kernel (wt is freed)

  static linear load(weight_reader& w, const std::string& name, std::size_t in, std::size_t out) {
    linear l{w.mat(name + ".weight", out, in).transpose(), w.vec(name + ".bias", out), nullptr, nullptr};
    l.prepare(w.int8(name + ".weight"));
    return l;
  }
  /// Output channels [first, first + n) as a layer of their own (int8 too when this one is).
  [[nodiscard]] linear columns(Eigen::Index first, Eigen::Index n) const {
    linear l{(p ? p->unpacked() : q ? q->unpacked() : wt).middleCols(first, n), b.middleCols(first, n), nullptr, nullptr};
    l.prepare(q != nullptr);
    return l;
  }
  void apply(const matrix& x, matrix& y) const {
    if (q) q->multiply(x, y);
    else if (p) p->multiply(x, y);
    else y.noalias() = x * wt;
    y.rowwise() += b;
  }
  /// y += x * wt + b (a residual connection without a temporary).
  void apply_add(const matrix& x, matrix& y) const {
    if (q) q->multiply(x, y, true);
    else if (p) p->multiply(x, y, true);
    else y.noalias() += x * wt;
    y.rowwise() += b;
  }
  [[nodiscard]] matrix operator()(const matrix& x) const {
    matrix y;
    apply(x, y);
    return y;
  }

 private:
  void prepare(bool int8) {
    if (int8) {
      q = std::make_shared<const int8_weights>(wt);
      wt = matrix{};  // the int8 copy is the only one kept
    } else if (packed_weights::in_use()) {
      p = std::make_shared<const packed_weights>(wt);
      wt = matrix{};  // the packed copy is the only one kept
    }
  }
};

struct layer_norm {
  row_vector g, b;
  static constexpr float eps = 1e-5F;

  static layer_norm load(weight_reader& w, const std::string& name, std::size_t d) {
    return {w.vec(name + ".weight", d), w.vec(name + ".bias", d)};
  }
  void apply(const matrix& x, matrix& y) const {
    y.resize(x.rows(), x.cols());
#ifdef GLIDE_PACKED_AVX512
    if (x.cols() <= 128) {  // a row in at most 8 registers: one load, the mean, the variance, the output
      rows_in_registers(x, y);
      return;
    }
#endif
    for (Eigen::Index r = 0; r < x.rows(); ++r) {
      const float mean = x.row(r).mean();
      const float var = (x.row(r).array() - mean).square().mean();
      y.row(r) = ((x.row(r).array() - mean) / std::sqrt(var + eps)).matrix().cwiseProduct(g) + b;
    }
  }
  [[nodiscard]] matrix operator()(const matrix& x) const {
    matrix y;
    apply(x, y);
    return y;
  }

 private:
#ifdef GLIDE_PACKED_AVX512
  // Rows of at most 128 values, each held in registers from its load to its store (Eigen's row
  // expressions read a row three times, through dynamic-size loops): 3.6% of a decode.
  void rows_in_registers(const matrix& x, matrix& y) const {
    const Eigen::Index d = x.cols(), vecs = (d + 15) / 16;
    __mmask16 mask[8];
    __m512 gv[8], bv[8];
    for (Eigen::Index v = 0; v < vecs; ++v) {
      const Eigen::Index left = d - v * 16;
      mask[v] = left >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1U << left) - 1U);
      gv[v] = _mm512_maskz_loadu_ps(mask[v], g.data() + v * 16);
      bv[v] = _mm512_maskz_loadu_ps(mask[v], b.data() + v * 16);
    }
    const float inv_d = 1.0F / static_cast<float>(d);
    for (Eigen::Index r = 0; r < x.rows(); ++r) {
      const float* xr = x.data() + r * d;
      float* yr = y.data() + r * d;
      __m512 xv[8];
      __m512 sum = _mm512_setzero_ps();
      for (Eigen::Index v = 0; v < vecs; ++v) {
        xv[v] = _mm512_maskz_loadu_ps(mask[v], xr + v * 16);
        sum = _mm512_add_ps(sum, xv[v]);
      }
      const __m512 mean = _mm512_set1_ps(_mm512_reduce_add_ps(sum) * inv_d);
      __m512 sq = _mm512_setzero_ps();
      for (Eigen::Index v = 0; v < vecs; ++v) {
        xv[v] = _mm512_maskz_sub_ps(mask[v], xv[v], mean);  // lanes past the row stay 0
        sq = _mm512_fmadd_ps(xv[v], xv[v], sq);
      }
      const __m512 inv = _mm512_set1_ps(1.0F / std::sqrt(_mm512_reduce_add_ps(sq) * inv_d + eps));
      for (Eigen::Index v = 0; v < vecs; ++v)
        _mm512_mask_storeu_ps(yr + v * 16, mask[v], _mm512_fmadd_ps(_mm512_mul_ps(xv[v], inv), gv[v], bv[v]));
    }
  }
#endif
};

// Activations use Eigen's packet erf and exp (vectorised; erf within 5e-7 of std::erf), not a
// scalar libm call per element: GELU was a third of decoding time when it called std::erf.
inline void gelu_inplace(matrix& x) {
#ifdef GLIDE_PACKED_WASM
  // Eigen's float erf (generic_fast_erf_float: the same rational polynomial, multiplies and adds
  // as its SSE path does them) 4 lanes at a time, without Eigen's expression loops around it.
  float* p = x.data();
  const Eigen::Index n = x.size(), whole = n / 4 * 4;
  auto erf4 = [](v128_t v) {
    v = wasm_f32x4_pmax(wasm_f32x4_pmin(v, wasm_f32x4_splat(4.0F)), wasm_f32x4_splat(-4.0F));
    const v128_t x2 = wasm_f32x4_mul(v, v);
    auto madd = [](v128_t a, v128_t b, float c) { return wasm_f32x4_add(wasm_f32x4_mul(a, b), wasm_f32x4_splat(c)); };
    v128_t num = madd(x2, wasm_f32x4_splat(-2.72614225801306e-10F), 2.77068142495902e-08F);
    for (const float c : {-2.10102402082508e-06F, -5.69250639462346e-05F, -7.34990630326855e-04F, -2.95459980854025e-03F, -1.60960333262415e-02F})
      num = madd(x2, num, c);
    num = wasm_f32x4_mul(v, num);
    v128_t den = madd(x2, wasm_f32x4_splat(-1.45660718464996e-05F), -2.13374055278905e-04F);
    for (const float c : {-1.68282697438203e-03F, -7.37332916720468e-03F, -1.42647390514189e-02F}) den = madd(x2, den, c);
    return wasm_f32x4_div(num, den);
  };
  const v128_t half = wasm_f32x4_splat(0.5F), one = wasm_f32x4_splat(1.0F), r2 = wasm_f32x4_splat(0.70710678118654752F);
  for (Eigen::Index i = 0; i < whole; i += 4) {
    const v128_t v = wasm_v128_load(p + i);
    wasm_v128_store(p + i, wasm_f32x4_mul(wasm_f32x4_mul(half, v), wasm_f32x4_add(one, erf4(wasm_f32x4_mul(v, r2)))));
  }
  if (whole < n) {
    alignas(16) float last[4] = {0, 0, 0, 0};
    for (Eigen::Index i = whole; i < n; ++i) last[i - whole] = p[i];
    const v128_t v = wasm_v128_load(last);
    wasm_v128_store(last, wasm_f32x4_mul(wasm_f32x4_mul(half, v), wasm_f32x4_add(one, erf4(wasm_f32x4_mul(v, r2)))));
    for (Eigen::Index i = whole; i < n; ++i) p[i] = last[i - whole];
  }
#else
  auto a = x.array();
  a = 0.5F * a * (1.0F + (a * 0.70710678118654752F).erf());
#endif
}
template <class Array>
auto sigmoid(const Array& a) {
  return (1.0F + (-a).exp()).inverse();
}
inline void silu_inplace(matrix& x) {
  auto a = x.array();
  a = a * sigmoid(a);
}

#ifdef GLIDE_PACKED_AVX512
/// e^x of 16 lanes: x = n ln 2 + r with n = round(x / ln 2) and |r| <= ln 2 / 2 (ln 2 in two parts, so
/// r is exact to float rounding), e^r by its Taylor polynomial of degree 7 (truncation below 1e-8
/// relative), scaled by 2^n in one instruction (scalef: 0 below float's range, no integer exponent
/// arithmetic). Within 2 ulps of e^x over float's range; x below -110 gives 0 (as e^x rounds to), NaN
/// stays NaN. Eigen's pexp took twice the instructions for the same accuracy (a decode's softmaxes
/// were 10% of its time).
inline __m512 exp16(__m512 x) {
  // Clamped to [-110, 88.5]; min and max return their second operand when one is NaN, so NaN stays.
  x = _mm512_min_ps(_mm512_set1_ps(88.5F), _mm512_max_ps(_mm512_set1_ps(-110.0F), x));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341F)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693145751953125F), x);  // ln 2's high part: n * it is exact
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(1.42860682030941723212e-6F), r);
  __m512 e = _mm512_set1_ps(1.0F / 5040.0F);
  e = _mm512_fmadd_ps(e, r, _mm512_set1_ps(1.0F / 720.0F));
  e = _mm512_fmadd_ps(e, r, _mm512_set1_ps(1.0F / 120.0F));
  e = _mm512_fmadd_ps(e, r, _mm512_set1_ps(1.0F / 24.0F));
  e = _mm512_fmadd_ps(e, r, _mm512_set1_ps(1.0F / 6.0F));
  e = _mm512_fmadd_ps(e, r, _mm512_set1_ps(0.5F));
  e = _mm512_fmadd_ps(e, r, _mm512_set1_ps(1.0F));
  e = _mm512_fmadd_ps(e, r, _mm512_set1_ps(1.0F));
  return _mm512_scalef_ps(e, n);
}

/// Softmax of R rows of n contiguous floats each, `stride` apart, in place, 16 lanes at a time (exp16)
/// with masked tails; the rows' passes are interleaved so that their reductions overlap (a row of an
/// attention's 10 to 100 scores is a chain of dependent reductions otherwise). Each row's result is
/// the same whatever R. Eigen's own expression peeled each row's unaligned head and tail into scalar
/// expf calls: most exps were scalar (10% of a decode).
template <int R>
inline void softmax_block(float* p, Eigen::Index n, Eigen::Index stride) {
  const __m512 lowest = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
  const Eigen::Index whole = n / 16 * 16;
  const auto tail = static_cast<__mmask16>((1U << (n - whole)) - 1U);
  __m512 mx[R], sum[R];
  for (int i = 0; i < R; ++i) mx[i] = _mm512_mask_loadu_ps(lowest, tail, p + i * stride + whole);
  for (Eigen::Index k = 0; k < whole; k += 16)
    for (int i = 0; i < R; ++i) mx[i] = _mm512_max_ps(mx[i], _mm512_loadu_ps(p + i * stride + k));
  for (int i = 0; i < R; ++i) {
    mx[i] = _mm512_set1_ps(_mm512_reduce_max_ps(mx[i]));
    sum[i] = _mm512_setzero_ps();
  }
  for (Eigen::Index k = 0; k < whole; k += 16)
    for (int i = 0; i < R; ++i) {
      const __m512 e = exp16(_mm512_sub_ps(_mm512_loadu_ps(p + i * stride + k), mx[i]));
      _mm512_storeu_ps(p + i * stride + k, e);
      sum[i] = _mm512_add_ps(sum[i], e);
    }
  if (tail != 0)
    for (int i = 0; i < R; ++i) {
      float* q = p + i * stride + whole;
      const __m512 e = _mm512_maskz_mov_ps(tail, exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(tail, q), mx[i])));
      _mm512_mask_storeu_ps(q, tail, e);
      sum[i] = _mm512_add_ps(sum[i], e);
    }
  for (int i = 0; i < R; ++i) sum[i] = _mm512_set1_ps(1.0F / _mm512_reduce_add_ps(sum[i]));
  for (Eigen::Index k = 0; k < whole; k += 16)
    for (int i = 0; i < R; ++i) _mm512_storeu_ps(p + i * stride + k, _mm512_mul_ps(_mm512_loadu_ps(p + i * stride + k), sum[i]));
  if (tail != 0)
    for (int i = 0; i < R; ++i) {
      float* q = p + i * stride + whole;
      _mm512_mask_storeu_ps(q, tail, _mm512_mul_ps(_mm512_maskz_loadu_ps(tail, q), sum[i]));
    }
}

/// Softmax of n contiguous floats in place (softmax_block of one row).
inline void softmax_contiguous(float* p, Eigen::Index n) { softmax_block<1>(p, n, n); }
#endif

#ifdef GLIDE_PACKED_WASM
/// e^x of 4 lanes, as exp16 (the same reduction and polynomial) without FMA or scalef: 2^n is built
/// in the exponent bits, so x below -87.3 (where 2^n would leave float's normal range) gives 0, as
/// e^x rounds to within 1.2e-38; NaN stays NaN. Eigen's exp through emscripten's SSE mapping, with
/// each row's unaligned head and tail in scalar expf, was 14% of the page's decode.
inline v128_t exp4(v128_t x) {
  const v128_t under = wasm_f32x4_lt(x, wasm_f32x4_splat(-87.3F));
  x = wasm_f32x4_pmin(wasm_f32x4_splat(88.5F), wasm_f32x4_pmax(wasm_f32x4_splat(-87.3F), x));
  const v128_t n = wasm_f32x4_nearest(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504088896341F)));
  v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693145751953125F)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, wasm_f32x4_splat(1.42860682030941723212e-6F)));
  v128_t e = wasm_f32x4_splat(1.0F / 5040.0F);
  for (const float c : {1.0F / 720.0F, 1.0F / 120.0F, 1.0F / 24.0F, 1.0F / 6.0F, 0.5F, 1.0F, 1.0F})
    e = wasm_f32x4_add(wasm_f32x4_mul(e, r), wasm_f32x4_splat(c));
  // n + 127 as an integer: n is integral, so adding 2^23 leaves it in the low mantissa bits (V8 lowers
  // the saturating conversion to a long sequence).
  const v128_t biased = wasm_i32x4_sub(wasm_f32x4_add(n, wasm_f32x4_splat(8388608.0F + 127.0F)), wasm_i32x4_splat(0x4B000000));
  const v128_t two_n = wasm_i32x4_shl(biased, 23);
  return wasm_v128_andnot(wasm_f32x4_mul(e, two_n), under);
}

/// Softmax of n contiguous floats in place, 4 lanes at a time (the tail through a padded copy).
inline void softmax_contiguous(float* p, Eigen::Index n) {
  const Eigen::Index whole = n / 4 * 4, tail = n - whole;
  alignas(16) float last[4];
  v128_t mx = wasm_f32x4_splat(-std::numeric_limits<float>::infinity());
  for (Eigen::Index k = 0; k < whole; k += 4) mx = wasm_f32x4_pmax(mx, wasm_v128_load(p + k));
  float m = std::max(std::max(wasm_f32x4_extract_lane(mx, 0), wasm_f32x4_extract_lane(mx, 1)),
                     std::max(wasm_f32x4_extract_lane(mx, 2), wasm_f32x4_extract_lane(mx, 3)));
  for (Eigen::Index k = whole; k < n; ++k) m = std::max(m, p[k]);
  const v128_t vm = wasm_f32x4_splat(m);
  v128_t sum = wasm_f32x4_splat(0.0F);
  for (Eigen::Index k = 0; k < whole; k += 4) {
    const v128_t e = exp4(wasm_f32x4_sub(wasm_v128_load(p + k), vm));
    wasm_v128_store(p + k, e);
    sum = wasm_f32x4_add(sum, e);
  }
  if (tail != 0) {
    for (Eigen::Index l = 0; l < 4; ++l) last[l] = l < tail ? p[whole + l] : -std::numeric_limits<float>::infinity();
    const v128_t e = exp4(wasm_f32x4_sub(wasm_v128_load(last), vm));  // padding lanes: e^-inf = 0
    wasm_v128_store(last, e);
    sum = wasm_f32x4_add(sum, e);
  }
  const float total = (wasm_f32x4_extract_lane(sum, 0) + wasm_f32x4_extract_lane(sum, 1)) +
                      (wasm_f32x4_extract_lane(sum, 2) + wasm_f32x4_extract_lane(sum, 3));
  const v128_t inv = wasm_f32x4_splat(1.0F / total);
  for (Eigen::Index k = 0; k < whole; k += 4) wasm_v128_store(p + k, wasm_f32x4_mul(wasm_v128_load(p + k), inv));
  for (Eigen::Index l = 0; l < tail; ++l) p[whole + l] = last[l] * (1.0F / total);
}
#endif

/// Softmax of a row segment in place.
template <class Row>
void softmax_inplace(Row&& r) {
#if defined(GLIDE_PACKED_AVX512) || defined(GLIDE_PACKED_WASM)
  if constexpr (std::decay_t<Row>::InnerStrideAtCompileTime == 1) {
    softmax_contiguous(r.data(), r.size());
    return;
  }
#endif
  const float m = r.maxCoeff();
  r = (r.array() - m).exp().matrix();
  r /= r.sum();
}

/// Softmax of every row of a row-major matrix in place (four rows at a time where built for AVX-512).
inline void softmax_rows(matrix& m) {
#ifdef GLIDE_PACKED_AVX512
  Eigen::Index r = 0;
  for (; r + 4 <= m.rows(); r += 4) softmax_block<4>(m.data() + r * m.cols(), m.cols(), m.cols());
  for (; r < m.rows(); ++r) softmax_block<1>(m.data() + r * m.cols(), m.cols(), m.cols());
#else
  for (Eigen::Index r = 0; r < m.rows(); ++r) softmax_inplace(m.row(r));
#endif
}

/// Sinusoidal position encoding of one position (PE[2i] = sin, PE[2i+1] = cos).
inline void add_position(Eigen::Ref<row_vector> row, std::size_t pos) {
  const auto d = static_cast<std::size_t>(row.size());
  for (std::size_t i = 0; i < d / 2; ++i) {
    const double angle = static_cast<double>(pos) / std::pow(10000.0, 2.0 * static_cast<double>(i) / static_cast<double>(d));
    row[static_cast<Eigen::Index>(2 * i)] += static_cast<float>(std::sin(angle));
    row[static_cast<Eigen::Index>(2 * i + 1)] += static_cast<float>(std::cos(angle));
  }
}

/// The encodings of positions 0..n-1 computed once (a model's lifetime), so a step adds a row
/// instead of calling sin, cos and pow d times; positions past the table are computed.
class position_table {
 public:
  position_table() = default;
  position_table(std::size_t n, std::size_t d) : table_{matrix::Zero(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(d))} {
    for (Eigen::Index p = 0; p < table_.rows(); ++p) add_position(table_.row(p), static_cast<std::size_t>(p));
  }
  void add(Eigen::Ref<row_vector> row, std::size_t pos) const {
    if (pos < static_cast<std::size_t>(table_.rows()) && row.size() == table_.cols()) row += table_.row(static_cast<Eigen::Index>(pos));
    else add_position(row, pos);
  }

 private:
  matrix table_;
};

struct feed_forward {
  linear fc1, fc2;
  static feed_forward load(weight_reader& w, const std::string& name, std::size_t d, std::size_t hidden) {
    return {linear::load(w, name + ".fc1", d, hidden), linear::load(w, name + ".fc2", hidden, d)};
  }
  [[nodiscard]] matrix operator()(const matrix& x) const {
    matrix h = fc1(x);
    gelu_inplace(h);
    return fc2(h);
  }
  /// y += ffn(x), with `hidden` as scratch.
  void apply_add(const matrix& x, matrix& hidden, matrix& y) const {
    fc1.apply(x, hidden);
    gelu_inplace(hidden);
    fc2.apply_add(hidden, y);
  }
};

/// Multi-head attention with one [3d x d] input projection (q, k, v stacked), as PyTorch's.
struct attention {
  linear in_proj, out_proj;
  std::size_t heads = 1;
  bool packed = false;  ///< its own products (scores, weighted sums) use packed_weights: decided at load, as the layers' kernels are

  static attention load(weight_reader& w, const std::string& name, std::size_t d, std::size_t heads) {
    return {linear::load(w, name + ".in_proj", d, 3 * d), linear::load(w, name + ".out_proj", d, d), heads, packed_weights::in_use()};
  }

  /// Full (unmasked) self-attention over the rows of x.
  [[nodiscard]] matrix self(const matrix& x) const {
    matrix o = heads_of(x), y;
    out_proj.apply(o, y);
    return y;
  }
  /// y += self(x): the residual connection without a temporary.
  void self_add(const matrix& x, matrix& y) const { out_proj.apply_add(heads_of(x), y); }

 private:
  // The heads' outputs [rows x d], before the output projection.
  [[nodiscard]] matrix heads_of(const matrix& x) const {
    const auto d = x.cols();
    const auto dh = d / static_cast<Eigen::Index>(heads);
    const matrix qkv = in_proj(x);
    matrix o(x.rows(), d);
    const float scale = 1.0F / std::sqrt(static_cast<float>(dh));
    if (packed) {
      // The packed kernel: each head's keys (transposed) and values packed straight from the stacked
      // projections, its output written into its columns of o (no per-head copies or allocations).
      const Eigen::Index n = x.rows(), ld = qkv.cols();
      matrix q(n, dh), s(n, n);
      packed_weights kt, vh;
      for (Eigen::Index h = 0; h < static_cast<Eigen::Index>(heads); ++h) {
        q = qkv.middleCols(h * dh, dh) * scale;
        kt.assign(qkv.data() + d + h * dh, dh, n, 1, ld);
        kt.multiply(q.data(), dh, n, s.data(), n);
        softmax_rows(s);
        vh.assign(qkv.data() + 2 * d + h * dh, n, dh, ld, 1);
        vh.multiply(s.data(), n, n, o.data() + h * dh, d);
      }
      return o;
    }
    for (Eigen::Index h = 0; h < static_cast<Eigen::Index>(heads); ++h) {
      matrix s = (qkv.middleCols(h * dh, dh) * qkv.middleCols(d + h * dh, dh).transpose()) * scale;
      softmax_rows(s);
      o.middleCols(h * dh, dh).noalias() = s * qkv.middleCols(2 * d + h * dh, dh);
    }
    return o;
  }
};

}  // namespace glide::backends::eigen
