// The packed float32 kernel (packed_weights: weights packed once in panels of 16 outputs, AVX-512)
// against Eigen's product, where the build targets AVX-512 (elsewhere linear uses Eigen's product and
// this test says it has nothing to check).

#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <tuple>
#include <vector>

#include <catch2/catch.hpp>

#include <glide/backends/eigen/layers.hpp>

namespace eg = glide::backends::eigen;

TEST_CASE("packed float products equal Eigen's within rounding, for every row count and ragged shapes", "[unit][eigen][packed]") {
  if (!eg::packed_weights::available()) {
    WARN("packed_weights: not compiled for AVX-512 here; linear layers use Eigen's product");
    return;
  }
  std::mt19937 rng{7};
  std::normal_distribution<float> normal{0.0F, 1.0F};
  // Outputs not a multiple of 16 or of 32 (masked stores, a lone last panel), rows from 1 to 19 (the
  // kernel's blocks of 8 and every remainder) and a swipe's 65.
  for (const auto [in, out, rows] : {std::tuple{96, 288, 19}, std::tuple{96, 28, 17}, std::tuple{384, 96, 65}, std::tuple{37, 29, 9},
                                     std::tuple{5, 3, 3}, std::tuple{96, 48, 8}}) {
    eg::matrix wt(in, out), xs(rows, in);
    for (auto* m : {&wt, &xs})
      for (Eigen::Index i = 0; i < m->size(); ++i) m->data()[i] = normal(rng);
    const eg::packed_weights p{wt};
    REQUIRE(p.unpacked() == wt);
    for (Eigen::Index r = 1; r <= rows; ++r) {
      const eg::matrix x = xs.topRows(r);
      eg::matrix y;
      p.multiply(x, y);
      const eg::matrix exact = x * wt;
      REQUIRE(y.rows() == r);
      REQUIRE(y.cols() == out);
      // Sums of `in` products in another order: within a few ulps of the sum of absolute terms.
      const eg::matrix bound = (x.cwiseAbs() * wt.cwiseAbs()) * (1e-6F * static_cast<float>(in));
      REQUIRE(((y - exact).cwiseAbs() - bound).maxCoeff() <= 0.0F);
      eg::matrix acc = eg::matrix::Constant(r, out, 2.0F);
      p.multiply(x, acc, true);
      REQUIRE((acc - (y + eg::matrix::Constant(r, out, 2.0F))).cwiseAbs().maxCoeff() < 1e-5F);
    }
  }
}

TEST_CASE("a linear layer with packed weights: the packed copy alone is kept, its columns are the layer's columns",
          "[unit][eigen][packed]") {
  if (!eg::packed_weights::in_use()) {
    WARN("packed_weights: not compiled for AVX-512 here, or GLIDE_PACKED_KERNELS=0");
    return;
  }
  std::mt19937 rng{8};
  std::normal_distribution<float> normal{0.0F, 1.0F};
  eg::matrix w(3 * 20, 20);  // a PyTorch in_proj weight [out x in]
  eg::row_vector b(3 * 20);
  for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = normal(rng);
  for (Eigen::Index i = 0; i < b.size(); ++i) b[i] = normal(rng);
  std::map<std::string, glide::io::tensor> tensors;
  tensors["l.weight"] = {{60, 20}, std::vector<float>(w.data(), w.data() + w.size())};
  tensors["l.bias"] = {{60}, std::vector<float>(b.data(), b.data() + b.size())};
  const auto file = glide::io::safetensors_file::from_tensors(std::move(tensors));
  eg::weight_reader reader{file};
  const auto l = eg::linear::load(reader, "l", 20, 60);
  REQUIRE(l.p != nullptr);
  REQUIRE(l.wt.size() == 0);
  eg::matrix x(5, 20);
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = normal(rng);
  const eg::matrix y = l(x);
  const eg::matrix exact = (x * w.transpose()).rowwise() + b;
  REQUIRE((y - exact).cwiseAbs().maxCoeff() < 1e-4F);
  const auto kv = l.columns(20, 40);  // as the decoder splits cross-attention's in_proj
  REQUIRE(kv.p != nullptr);
  REQUIRE((kv(x) - exact.middleCols(20, 40)).cwiseAbs().maxCoeff() < 1e-4F);
}

TEST_CASE("softmax of a row: the vectorised one equals the plain expression within rounding, for every length and tail",
          "[unit][eigen][packed]") {
  std::mt19937 rng{9};
  std::normal_distribution<float> normal{0.0F, 6.0F};
  for (Eigen::Index n : {1, 2, 15, 16, 17, 31, 32, 33, 63, 100}) {
    eg::matrix m(2, n + 3);  // a row segment of a row-major matrix, as attention's scores are
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = normal(rng);
    m(1, 1) = 80.0F;  // one large score: the others underflow towards 0 (the maximum is taken out first)
    for (Eigen::Index r = 0; r < 2; ++r) {
      const Eigen::ArrayXf v = m.row(r).segment(1, n).transpose().array().cast<float>();
      const Eigen::ArrayXd e = (v.cast<double>() - static_cast<double>(v.maxCoeff())).exp();
      const Eigen::ArrayXd want = e / e.sum();
      const float before = m(r, 0), after = m(r, n + 1);
#ifdef GLIDE_PACKED_AVX512
      static_assert(decltype(m.row(r).segment(1, n))::InnerStrideAtCompileTime == 1);  // softmax_inplace takes the vector path
      eg::softmax_contiguous(m.row(r).data() + 1, n);
#else
      eg::softmax_inplace(m.row(r).segment(1, n));
#endif
      for (Eigen::Index i = 0; i < n; ++i) REQUIRE(std::abs(static_cast<double>(m(r, 1 + i)) - want[i]) <= 2e-6 * want[i] + 1e-30);
      REQUIRE(m(r, 0) == before);  // nothing outside the segment is touched
      REQUIRE(m(r, n + 1) == after);
    }
  }
}

#ifdef GLIDE_PACKED_AVX512
TEST_CASE("exp16: e^x within 2 ulps over float's range, 0 far below it, NaN kept", "[unit][eigen][packed]") {
  std::vector<float> xs;
  for (float x = -104.0F; x <= 88.0F; x += 0.01337F) xs.push_back(x);
  for (float x : {0.0F, -0.0F, 1e-8F, -1e-8F, 0.34657359F, -0.34657359F, 88.5F, -87.0F, -103.9F}) xs.push_back(x);
  while (xs.size() % 16 != 0) xs.push_back(0.5F);
  for (std::size_t i = 0; i < xs.size(); i += 16) {
    alignas(64) float out[16];
    _mm512_store_ps(out, eg::exp16(_mm512_loadu_ps(xs.data() + i)));
    for (std::size_t j = 0; j < 16; ++j) {
      const double want = std::exp(static_cast<double>(xs[i + j]));
      if (want < 1.2e-38) {  // denormal results: within a few of the smallest steps
        REQUIRE(std::abs(static_cast<double>(out[j]) - want) <= 4 * 1.4013e-45);
        continue;
      }
      INFO("x = " << xs[i + j]);
      REQUIRE(std::abs(static_cast<double>(out[j]) - want) <= 2.5e-7 * want);  // 2 ulps of float
    }
  }
  alignas(64) float special[16] = {-std::numeric_limits<float>::infinity(), -1000.0F, -111.0F, std::numeric_limits<float>::quiet_NaN(),
                                   std::numeric_limits<float>::infinity(), 0.0F};
  alignas(64) float out[16];
  _mm512_store_ps(out, eg::exp16(_mm512_load_ps(special)));
  REQUIRE(out[0] == 0.0F);
  REQUIRE(out[1] == 0.0F);
  REQUIRE(out[2] == 0.0F);
  REQUIRE(std::isnan(out[3]));
  REQUIRE(out[4] > 1e38F);  // clamped to e^88.5, the largest it gives
  REQUIRE(out[5] == 1.0F);
}
#endif

TEST_CASE("softmax of a matrix's rows: each row as softmax_inplace makes it, for every row count and length", "[unit][eigen][packed]") {
  std::mt19937 rng{10};
  std::normal_distribution<float> normal{0.0F, 5.0F};
  for (Eigen::Index rows : {1, 3, 4, 5, 8, 9})
    for (Eigen::Index n : {1, 7, 16, 24, 63, 78}) {
      eg::matrix m(rows, n);
      for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = normal(rng);
      eg::matrix want = m;
      for (Eigen::Index r = 0; r < rows; ++r) eg::softmax_inplace(want.row(r));
      eg::softmax_rows(m);
      REQUIRE(m == want);  // bit for bit: the same operations in the same order for each row
      for (Eigen::Index r = 0; r < rows; ++r) REQUIRE(std::abs(m.row(r).sum() - 1.0F) < 1e-5F);
    }
}

TEST_CASE("packed weights from a strided view, multiplied on strided rows: a head's block of a wider matrix, in place",
          "[unit][eigen][packed]") {
  if (!eg::packed_weights::available()) {
    WARN("packed_weights: not compiled for AVX-512 here");
    return;
  }
  std::mt19937 rng{12};
  std::normal_distribution<float> normal{0.0F, 1.0F};
  // An attention's stacked projections [n x 3d], d = 4 heads of 24 (and a ragged 3 heads of 13).
  for (const auto [n, heads, dh] : {std::tuple{70, 4, 24}, std::tuple{9, 3, 13}, std::tuple{33, 2, 40}}) {
    const Eigen::Index d = heads * dh;
    eg::matrix qkv(n, 3 * d);
    for (Eigen::Index i = 0; i < qkv.size(); ++i) qkv.data()[i] = normal(rng);
    eg::packed_weights kt, vh;
    for (Eigen::Index h = 0; h < heads; ++h) {
      // Keys transposed [dh x n]: element (k, j) is qkv(j, d + h dh + k).
      kt.assign(qkv.data() + d + h * dh, dh, n, 1, qkv.cols());
      REQUIRE(kt.inputs() == dh);
      REQUIRE(kt.outputs() == n);
      REQUIRE(kt.unpacked() == eg::matrix(qkv.middleCols(d + h * dh, dh).transpose()));
      vh.assign(qkv.data() + 2 * d + h * dh, n, dh, qkv.cols(), 1);
      REQUIRE(vh.unpacked() == eg::matrix(qkv.middleCols(2 * d + h * dh, dh)));
      // Queries read in place (stride 3d), scores [n x n], then the weighted values written into
      // head h's columns of o (stride d) and nowhere else.
      eg::matrix s(n, n), o = eg::matrix::Constant(n, d, 7.0F);
      kt.multiply(qkv.data() + h * dh, qkv.cols(), n, s.data(), n);
      const eg::matrix q = qkv.middleCols(h * dh, dh), k = qkv.middleCols(d + h * dh, dh), v = qkv.middleCols(2 * d + h * dh, dh);
      const eg::matrix want_s = q * k.transpose();
      REQUIRE(((s - want_s).cwiseAbs() - (q.cwiseAbs() * k.cwiseAbs().transpose()) * (1e-6F * static_cast<float>(dh))).maxCoeff() <= 0.0F);
      vh.multiply(s.data(), n, n, o.data() + h * dh, d);
      const eg::matrix want_o = s * v;
      const eg::matrix bound = (s.cwiseAbs() * v.cwiseAbs()) * (1e-6F * static_cast<float>(n));
      REQUIRE(((o.middleCols(h * dh, dh) - want_o).cwiseAbs() - bound).maxCoeff() <= 0.0F);
      for (Eigen::Index c = 0; c < d; ++c)
        if (c < h * dh || c >= (h + 1) * dh) REQUIRE((o.col(c).array() == 7.0F).all());
    }
  }
}

TEST_CASE("attention over a swipe: the packed kernel's heads equal Eigen's products within rounding", "[unit][eigen][packed]") {
  if (!eg::packed_weights::available()) {
    WARN("packed_weights: not compiled for AVX-512 here");
    return;
  }
  std::mt19937 rng{13};
  std::normal_distribution<float> normal{0.0F, 0.3F};
  const Eigen::Index d = 96, n = 57;
  auto random = [&](Eigen::Index r, Eigen::Index c) {
    eg::matrix m(r, c);
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = normal(rng);
    return m;
  };
  const eg::matrix x = random(n, d);
  eg::attention eigen{{random(d, 3 * d), random(1, 3 * d)}, {random(d, d), random(1, d)}, 4, false};
  eg::attention packed = eigen;
  packed.packed = true;
  const eg::matrix want = eigen.self(x), got = packed.self(x);
  REQUIRE((got - want).cwiseAbs().maxCoeff() < 1e-4F * (1.0F + want.cwiseAbs().maxCoeff()));
  eg::matrix y = x;
  packed.self_add(x, y);
  REQUIRE((y - (x + got)).cwiseAbs().maxCoeff() < 1e-5F * (1.0F + y.cwiseAbs().maxCoeff()));
}

TEST_CASE("layer norm: rows held in registers (up to 128) and Eigen's rows (longer) against double precision", "[unit][eigen]") {
  std::mt19937 rng{14};
  std::normal_distribution<float> normal{0.5F, 3.0F};
  for (Eigen::Index d : {1, 5, 16, 96, 100, 128, 129, 200}) {
    eg::layer_norm ln{eg::row_vector(d), eg::row_vector(d)};
    for (Eigen::Index i = 0; i < d; ++i) {
      ln.g[i] = normal(rng);
      ln.b[i] = normal(rng);
    }
    eg::matrix x(7, d), y;
    for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = normal(rng);
    x.row(3).setConstant(2.5F);  // no variance: the output is the bias
    ln.apply(x, y);
    REQUIRE(y.rows() == 7);
    REQUIRE(y.cols() == d);
    for (Eigen::Index r = 0; r < 7; ++r) {
      double mean = 0, var = 0;
      for (Eigen::Index i = 0; i < d; ++i) mean += x(r, i);
      mean /= static_cast<double>(d);
      for (Eigen::Index i = 0; i < d; ++i) var += (x(r, i) - mean) * (x(r, i) - mean);
      var /= static_cast<double>(d);
      for (Eigen::Index i = 0; i < d; ++i) {
        const double want = (x(r, i) - mean) / std::sqrt(var + eg::layer_norm::eps) * ln.g[i] + ln.b[i];
        INFO("d = " << d << ", row " << r << ", column " << i);
        REQUIRE(std::abs(y(r, i) - want) <= 2e-5 * (1.0 + std::abs(want)));
      }
    }
  }
}
