#pragma once
// The building blocks of Glide's Eigen models: weight loading with shape checks, linear layers,
// layer norm, activations, sinusoidal positions and multi-head attention. Layouts follow PyTorch
// (a Linear weight is [out x in]), so weights exported from the LibTorch backend load unchanged.

#include <cmath>
#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <unsupported/Eigen/SpecialFunctions>  // vectorised erf (GELU)

#include <glide/core/error.hpp>
#include <glide/io/safetensors.hpp>

namespace glide::backends::eigen {

using matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using row_vector = Eigen::Matrix<float, 1, Eigen::Dynamic>;

/// Reads named tensors with the shapes a config implies, and reports tensors nobody asked for (a
/// weights file that does not match its config).
class weight_reader {
 public:
  explicit weight_reader(const io::safetensors_file& file) : file_{&file} {}

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
  matrix wt;  ///< [in x out]: the transposed PyTorch weight, so y = x * wt is a row-major product
  row_vector b;

  static linear load(weight_reader& w, const std::string& name, std::size_t in, std::size_t out) {
    return {w.mat(name + ".weight", out, in).transpose(), w.vec(name + ".bias", out)};
  }
  void apply(const matrix& x, matrix& y) const {
    y.noalias() = x * wt;
    y.rowwise() += b;
  }
  /// y += x * wt + b (a residual connection without a temporary).
  void apply_add(const matrix& x, matrix& y) const {
    y.noalias() += x * wt;
    y.rowwise() += b;
  }
  [[nodiscard]] matrix operator()(const matrix& x) const {
    matrix y;
    apply(x, y);
    return y;
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
};

// Activations use Eigen's packet erf and exp (vectorised; erf within 5e-7 of std::erf), not a
// scalar libm call per element: GELU was a third of decoding time when it called std::erf.
inline void gelu_inplace(matrix& x) {
  auto a = x.array();
  a = 0.5F * a * (1.0F + (a * 0.70710678118654752F).erf());
}
template <class Array>
auto sigmoid(const Array& a) {
  return (1.0F + (-a).exp()).inverse();
}
inline void silu_inplace(matrix& x) {
  auto a = x.array();
  a = a * sigmoid(a);
}

/// Softmax of a row segment in place.
template <class Row>
void softmax_inplace(Row&& r) {
  const float m = r.maxCoeff();
  r = (r.array() - m).exp().matrix();
  r /= r.sum();
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

  static attention load(weight_reader& w, const std::string& name, std::size_t d, std::size_t heads) {
    return {linear::load(w, name + ".in_proj", d, 3 * d), linear::load(w, name + ".out_proj", d, d), heads};
  }

  /// Full (unmasked) self-attention over the rows of x.
  [[nodiscard]] matrix self(const matrix& x) const {
    const auto d = x.cols();
    const auto dh = d / static_cast<Eigen::Index>(heads);
    const matrix qkv = in_proj(x);
    matrix o(x.rows(), d);
    const float scale = 1.0F / std::sqrt(static_cast<float>(dh));
    for (Eigen::Index h = 0; h < static_cast<Eigen::Index>(heads); ++h) {
      matrix s = (qkv.middleCols(h * dh, dh) * qkv.middleCols(d + h * dh, dh).transpose()) * scale;
      for (Eigen::Index r = 0; r < s.rows(); ++r) softmax_inplace(s.row(r));
      o.middleCols(h * dh, dh).noalias() = s * qkv.middleCols(2 * d + h * dh, dh);
    }
    return out_proj(o);
  }
};

}  // namespace glide::backends::eigen
