// Kernels compiled for this machine's CPU (-march=native, as Glide's programs are): the int8
// product's VNNI kernel where the CPU has AVX-512 VNNI (elsewhere the portable one, the same test).

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <random>
#include <tuple>
#include <vector>

#include <unistd.h>

#include <catch2/catch.hpp>

#include <glide/backends/eigen/layers.hpp>
#include <glide/io/safetensors.hpp>

TEST_CASE("int8 products: within the quantization error of the float product, the VNNI kernel equal to the portable one",
          "[unit][eigen][int8]") {
  namespace eg = glide::backends::eigen;
  std::mt19937 rng{5};
  std::normal_distribution<float> normal{0.0F, 1.0F};
  // Shapes with inputs not a multiple of 4 and outputs not a multiple of 16 (padding), and rows not a
  // multiple of 4 (the kernel's row blocks).
  for (const auto [in, out, rows] : {std::tuple{96, 288, 65}, std::tuple{37, 29, 7}, std::tuple{5, 3, 1}}) {
    eg::matrix wt(in, out), x(rows, in);
    for (auto* m : {&wt, &x})
      for (Eigen::Index i = 0; i < m->size(); ++i) m->data()[i] = normal(rng);
    // Weights that are int8 values times a column scale, as a quantized file holds them.
    for (Eigen::Index n = 0; n < out; ++n) {
      const float scale = wt.col(n).cwiseAbs().maxCoeff() / 127.0F;
      for (Eigen::Index k = 0; k < in; ++k) wt(k, n) = std::nearbyint(wt(k, n) / scale) * scale;
    }
    const eg::int8_weights q{wt};
    REQUIRE(q.in() == in);
    REQUIRE(q.out() == out);
    REQUIRE((q.unpacked() - wt).cwiseAbs().maxCoeff() <= 1e-6F * wt.cwiseAbs().maxCoeff());  // the weights it was made of
    eg::matrix y;
    q.multiply(x, y);
    const eg::matrix exact = x * wt;
    REQUIRE(y.rows() == rows);
    REQUIRE(y.cols() == out);
    for (Eigen::Index r = 0; r < rows; ++r) {
      // Only the activations are rounded: at most half a step of the row's range / 255 per input.
      const float step = (x.row(r).maxCoeff() - x.row(r).minCoeff()) / 255.0F;
      for (Eigen::Index n = 0; n < out; ++n) {
        const float bound = 0.5F * step * wt.col(n).cwiseAbs().sum() * 1.001F + 1e-4F;
        REQUIRE(std::abs(y(r, n) - exact(r, n)) <= bound);
      }
    }
    // Accumulating adds the product.
    eg::matrix acc = eg::matrix::Ones(rows, out);
    q.multiply(x, acc, true);
    REQUIRE((acc - (y + eg::matrix::Ones(rows, out))).cwiseAbs().maxCoeff() < 1e-5F);
    // The quantized rows are round((x - min) / step) between each row's minimum and maximum, padding 0.
    eg::int8_weights::quantized_rows xq;
    q.quantize(x, xq);
    const auto kp = static_cast<Eigen::Index>((in + 3) / 4 * 4);
    REQUIRE(xq.q.size() == static_cast<std::size_t>(rows * kp));
    for (Eigen::Index r = 0; r < rows; ++r) {
      const auto rr = static_cast<std::size_t>(r);
      REQUIRE(xq.lo[rr] == x.row(r).minCoeff());
      REQUIRE(xq.step[rr] == (x.row(r).maxCoeff() - x.row(r).minCoeff()) / 255.0F);
      for (Eigen::Index k = 0; k < kp; ++k) {
        const float want = k < in ? std::clamp(std::nearbyint((x(r, k) - xq.lo[rr]) * (1.0F / xq.step[rr])), 0.0F, 255.0F) : 0.0F;
        REQUIRE(static_cast<float>(xq.q[static_cast<std::size_t>(r * kp + k)]) == want);
      }
      REQUIRE(*std::max_element(xq.q.begin() + r * kp, xq.q.begin() + r * kp + in) == 255);  // the maximum maps to the top
    }
    // The portable kernel computes the same integer sums and scaling.
    eg::matrix portable(rows, out);
    q.multiply_scalar(xq, rows, portable, false);
    REQUIRE(portable == y);
  }
  // A zero row gives zeros and a constant row its exact product (no division by a zero range).
  const eg::int8_weights q{eg::matrix::Ones(8, 16)};
  eg::matrix y;
  q.multiply(eg::matrix::Zero(2, 8), y);
  REQUIRE(y.isZero());
  q.multiply(eg::matrix::Constant(2, 8, 0.5F), y);
  REQUIRE((y.array() - 4.0F).abs().maxCoeff() < 1e-6F);
}

TEST_CASE("linear layers stored as int8 take the int8 kernel by default where built for VNNI, float32 with GLIDE_INT8_KERNELS=0",
          "[unit][eigen][int8]") {
  namespace eg = glide::backends::eigen;
  namespace io = glide::io;
  std::mt19937 rng{6};
  std::normal_distribution<float> normal{0.0F, 1.0F};
  std::map<std::string, io::tensor> tensors;
  for (const std::string name : {"dec.out", "enc.layers.0.ff", "enc.layers.1.ff"}) {
    std::vector<float> w(24 * 20), b(24);
    for (auto& v : w) v = normal(rng);
    for (auto& v : b) v = normal(rng);
    tensors[name + ".weight"] = {{24, 20}, w};
    tensors[name + ".bias"] = {{24}, b};
  }
  const auto path = std::filesystem::temp_directory_path() / ("glide-int8-layers-" + std::to_string(::getpid()) + ".safetensors");
  io::save_safetensors(path.string(), tensors, {}, {"dec.out.weight", "enc.layers.0.ff.weight", "enc.layers.1.ff.weight"});
  const auto file = io::safetensors_file::load(path.string());
  std::filesystem::remove(path);
  REQUIRE(file.quantized().size() == 3);
  eg::matrix x(5, 20);
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = normal(rng);
  auto load = [&](const std::string& name) {
    eg::weight_reader reader{file};
    return eg::linear::load(reader, name, 20, 24);
  };
  // The build's default first, whatever the environment says (put back at the end).
  const char* set = std::getenv("GLIDE_INT8_KERNELS");
  const std::string before = set ? set : "";
  ::unsetenv("GLIDE_INT8_KERNELS");
#ifdef GLIDE_INT8_VNNI
  REQUIRE(eg::int8_kernels_enabled());
  REQUIRE(load("dec.out").q != nullptr);
  REQUIRE(load("enc.layers.1.ff").q != nullptr);
  REQUIRE(load("enc.layers.0.ff").q == nullptr);  // the first encoder layer reads raw features: float32
  {
    const auto l = load("dec.out");
    REQUIRE(l.wt.size() == 0);  // the int8 copy alone is kept
    const auto part = l.columns(4, 8);  // as the decoder splits cross-attention's in_proj
    REQUIRE(part.q != nullptr);
    REQUIRE((part(x) - l(x).middleCols(4, 8)).cwiseAbs().maxCoeff() < 1e-4F);
  }
#else
  REQUIRE_FALSE(eg::int8_kernels_enabled());
  REQUIRE(load("dec.out").q == nullptr);
#endif
  ::setenv("GLIDE_INT8_KERNELS", "0", 1);
  const bool enabled = eg::int8_kernels_enabled();
  const auto float32 = load("dec.out");
  if (set) ::setenv("GLIDE_INT8_KERNELS", before.c_str(), 1);
  else ::unsetenv("GLIDE_INT8_KERNELS");
  REQUIRE_FALSE(enabled);
  REQUIRE(float32.q == nullptr);
  // Either way the layer computes x * W^T + b of the dequantized weights (int8: within the rounding of
  // the activations).
  const auto& w = file.tensors().at("dec.out.weight").data;
  const auto& b = file.tensors().at("dec.out.bias").data;
  const eg::matrix exact = (x * Eigen::Map<const eg::matrix>(w.data(), 24, 20).transpose()).rowwise() + Eigen::Map<const eg::row_vector>(b.data(), 24);
  REQUIRE((float32(x) - exact).cwiseAbs().maxCoeff() < 1e-4F);
  REQUIRE((load("dec.out")(x) - exact).cwiseAbs().maxCoeff() < 0.1F);
}
