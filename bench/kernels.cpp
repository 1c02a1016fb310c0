// How close the Eigen backend runs to the hardware, in one run: the model's FLOPs per swipe (from the
// config, the swipe's points and the decoder rows the search actually ran), the achieved GFLOP/s of
// the encoder and of the decoder, and their share of a peak measured in the same run on the same core:
// Eigen's best large GEMM (512 x 512 x 512, float) and a tight loop of the encoder's own GEMM shapes.
//
// FLOPs count multiply-adds as 2 and only matrix products (projections, attention scores and
// weighted sums, feed-forward, output layer); layer norms, softmax and activations are not counted.
//
// Usage: glide_bench_kernels [--model DIR] [--vocab FILE] [--grids FILE]... [--data FILE.jsonl] [--limit N]
//                            [--search SPEC]
// Defaults: the shipped English model, build/vocab/en.tsv, the How-We-Swipe keyboards and its first
// 500 validation swipes, the CLI's default search (backends::eigen::default_search).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <deque>
#include <utility>
#include <string>
#include <vector>

#include <glide/backends/eigen/model.hpp>
#include <glide/backends/eigen/recognizer.hpp>
#include <glide/glide.hpp>

#include "common.hpp"

using namespace glide;
namespace eg = glide::backends::eigen;
namespace fs = std::filesystem;
using bench::clock_type;

namespace {

using bench::seconds_since;

/// Matrix-product FLOPs of encoding a swipe of `t` points (transformer or conformer encoder).
double encoder_flops(const model::model_config& c, double t) {
  const double d = static_cast<double>(c.d_model), f = static_cast<double>(c.ffn);
  double per_layer = 2 * t * d * 3 * d   // q, k, v projection
                     + 2 * 2 * t * t * d  // scores and weighted sum, all heads
                     + 2 * t * d * d      // output projection
                     + 2 * 2 * t * d * f;  // feed-forward
  if (c.encoder == "conformer")
    per_layer += 2 * 2 * t * d * f + 2 * t * d * 2 * d + 2 * t * d * d + 2 * t * d * static_cast<double>(c.conv_kernel);
  return 2 * t * static_cast<double>(model::model_config::kinematic_dim) * d + static_cast<double>(c.encoder_layers) * per_layer;
}

/// FLOPs of the transformer decoder: once per swipe, the cross-attention keys and values.
double decoder_init_flops(const model::model_config& c, double t) {
  const double d = static_cast<double>(c.d_model);
  return static_cast<double>(c.decoder_layers) * 2 * t * d * 2 * d;
}
/// One row of one step, the prefix holding `len` tokens after this one is fed.
double decoder_row_flops(const model::model_config& c, double t, double len) {
  const double d = static_cast<double>(c.d_model), f = static_cast<double>(c.ffn), v = static_cast<double>(c.vocab_size());
  const double per_layer = 2 * d * 3 * d + 2 * 2 * len * d + 2 * d * d  // self-attention
                           + 2 * d * d + 2 * 2 * t * d + 2 * d * d       // cross-attention
                           + 2 * 2 * d * f;                              // feed-forward
  return static_cast<double>(c.decoder_layers) * per_layer + 2 * d * v;
}

/// Best GFLOP/s of C = A * B for [m x k] * [k x n] over `reps` timed rounds of `inner` products.
double gemm_gflops(Eigen::Index m, Eigen::Index k, Eigen::Index n, int reps, int inner) {
  eg::matrix a = eg::matrix::Random(m, k), b = eg::matrix::Random(k, n), c(m, n);
  double best = 0;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = clock_type::now();
    for (int i = 0; i < inner; ++i) {
      c.noalias() = a * b;
      a(0, 0) += c(0, 0) * 1e-30F;  // keep the products alive
    }
    best = std::max(best, 2.0 * static_cast<double>(m * k * n) * inner / seconds_since(t0) / 1e9);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) try {
  bench::common_options opt;
  std::string search = backends::eigen::default_search;
  CLI::App app{"glide_bench_kernels: the Eigen backend's GFLOP/s against a peak measured in the same run"};
  opt.add_to(app);
  app.add_option("--search", search, "search configuration")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  const auto cfg = search_config::parse(search);
  const bench::transformer_setup setup{opt, cfg, "glide_bench_kernels"};
  const auto& data = opt.one_data();
  const auto& model_dir = opt.model_dir;
  const auto& config = setup.loaded->config();
  auto& model = *setup.model;
  const auto& trie = setup.loaded->trie();
  const auto& inputs = setup.inputs;
  double points = 0;
  for (const auto& in : inputs) points += static_cast<double>(in.points);
  const double n = static_cast<double>(inputs.size());

  std::printf("model %s: %s/%s, d=%zu, heads %zu, %zu+%zu layers, ffn %zu; %zu swipes of %s (%.1f points on average)\n",
              model_dir.c_str(), config.encoder.c_str(), config.decoder.c_str(), config.d_model, config.heads,
              config.encoder_layers, config.decoder_layers, config.ffn, inputs.size(), data.c_str(), points / n);
  std::printf("Eigen %d.%d.%d, SIMD: %s, one thread\n\n", EIGEN_WORLD_VERSION, EIGEN_MAJOR_VERSION, EIGEN_MINOR_VERSION,
              Eigen::SimdInstructionSetsInUse());
  Eigen::setNbThreads(1);

  // Peaks, measured now on this core.
  const double peak_large = gemm_gflops(512, 512, 512, 5, 4);
  const auto t_typ = static_cast<Eigen::Index>(points / n + 0.5);
  const auto d = static_cast<Eigen::Index>(config.d_model), f = static_cast<Eigen::Index>(config.ffn);
  const double peak_qkv = gemm_gflops(t_typ, d, 3 * d, 5, 400);
  const double peak_ffn1 = gemm_gflops(t_typ, d, f, 5, 400);
  const double peak_ffn2 = gemm_gflops(t_typ, f, d, 5, 400);
  const double peak_shapes = (3 * d + 2 * f) / (3 * d / peak_qkv + f / peak_ffn1 + f / peak_ffn2);
  std::printf("measured peak: Eigen GEMM 512x512x512 %.1f GFLOP/s; the encoder's GEMM shapes at %ld points "
              "([%ldx%ld]x[%ldx%ld] %.1f, x[%ldx%ld] %.1f, [%ldx%ld]x[%ldx%ld] %.1f) %.1f GFLOP/s combined\n\n",
              peak_large, static_cast<long>(t_typ), static_cast<long>(t_typ), static_cast<long>(d), static_cast<long>(d),
              static_cast<long>(3 * d), peak_qkv, static_cast<long>(d), static_cast<long>(f), peak_ffn1, static_cast<long>(t_typ),
              static_cast<long>(f), static_cast<long>(f), static_cast<long>(d), peak_ffn2, peak_shapes);

  // Encoder: every swipe, best of 3 passes.
  double enc_s = 1e300, enc_flops = 0;
  for (const auto& in : inputs) enc_flops += encoder_flops(config, static_cast<double>(in.points));
  std::vector<eg::encoded_swipe> memories;
  for (int pass = 0; pass < 3; ++pass) {
    memories.clear();
    const auto t0 = clock_type::now();
    for (const auto& in : inputs) memories.push_back(model.encoder().encode(in));
    enc_s = std::min(enc_s, seconds_since(t0));
  }
  // Decoder: the search over each encoded swipe, with FLOPs of the rows it ran.
  double dec_flops = 0;
  bench::timed_decoder dec{model.decoder(), [&](const eg::encoded_swipe& m, const auto& s, std::size_t rows) {
                             dec_flops += static_cast<double>(rows) * decoder_row_flops(config, static_cast<double>(m.states.rows()),
                                                                                      static_cast<double>(s.length));
                           }};
  const auto t0 = clock_type::now();
  for (const auto& m : memories) {
    dec_flops += decoder_init_flops(config, static_cast<double>(m.states.rows()));
    (void)run_search(dec, m, &trie, cfg);
  }
  const double search_s = seconds_since(t0);

  const double enc_gf = enc_flops / enc_s / 1e9, dec_gf = dec_flops / dec.seconds / 1e9;
  std::printf("%-10s %10s %12s %10s %14s %16s\n", "part", "ms/swipe", "MFLOP/swipe", "GFLOP/s", "% of 512 GEMM", "% of its shapes");
  std::printf("%-10s %10.3f %12.2f %10.2f %13.1f%% %15.1f%%\n", "encoder", 1000 * enc_s / n, enc_flops / n / 1e6, enc_gf,
              100 * enc_gf / peak_large, 100 * enc_gf / peak_shapes);
  std::printf("%-10s %10.3f %12.2f %10.2f %13.1f%% %16s\n", "decoder", 1000 * dec.seconds / n, dec_flops / n / 1e6, dec_gf,
              100 * dec_gf / peak_large, "-");
  std::printf("%-10s %10.3f %12s %10s %14s %16s\n", "search", 1000 * (search_s - dec.seconds) / n, "-", "-", "-", "-");
  std::printf("  decoder: %.1f steps and %.1f rows a swipe (%.1f rows a step)\n", static_cast<double>(dec.steps) / n,
              static_cast<double>(dec.rows) / n, static_cast<double>(dec.rows) / static_cast<double>(dec.steps));
  std::printf("encoder share of measured peak (512 GEMM): %.1f%%\n", 100 * enc_gf / peak_large);

  // Other kernels against this run's products of the same weights, alternating, best of 3 rounds each.
  auto time_model = [&](auto& m, double& enc, double& decode, std::vector<std::string>& top) {
    std::vector<eg::encoded_swipe> mem;
    auto t = clock_type::now();
    for (const auto& in : inputs) mem.push_back(m.encoder().encode(in));
    enc = std::min(enc, seconds_since(t));
    bench::timed_decoder timed{m.decoder(), [](const eg::encoded_swipe&, const auto&, std::size_t) {}};
    top.clear();
    for (const auto& mm : mem) {
      const auto r = run_search(timed, mm, &trie, cfg);
      top.push_back(r.hypotheses.empty() ? std::string{} : setup.loaded->tokenizer().decode(r.hypotheses.front().tokens));
    }
    decode = std::min(decode, timed.seconds);
  };
  // Loads the model with each variable of `env` set (name, value) while it loads, and puts them back.
  using env_list = std::vector<std::pair<const char*, const char*>>;
  auto load_with = [&](const env_list& env) {
    std::deque<bench::scoped_env> set;
    for (const auto& [name, value] : env) set.emplace_back(name, value);
    return eg::load_model(model_dir);
  };
  // Two ways of computing the same weights, `ours` loaded under `ours_env` and `theirs` under
  // `theirs_env`, alternating rounds; theirs_faster: the ratio is ours' time over theirs'.
  auto compare = [&](const char* title, const char* ours, const env_list& ours_env, const char* theirs,
                     const env_list& theirs_env, bool theirs_faster) {
    auto loaded_a = load_with(ours_env);
    auto loaded_b = load_with(theirs_env);
    auto* a = std::get_if<eg::transformer_model>(&loaded_a);
    auto* b = std::get_if<eg::transformer_model>(&loaded_b);
    if (a == nullptr || b == nullptr) return;
    double a_enc = 1e300, a_dec = 1e300, b_enc = 1e300, b_dec = 1e300;
    std::vector<std::string> a_top, b_top;
    for (int round = 0; round < 3; ++round) {
      time_model(*a, a_enc, a_dec, a_top);
      time_model(*b, b_enc, b_dec, b_top);
    }
    std::size_t agree = 0;
    for (std::size_t i = 0; i < a_top.size(); ++i) agree += a_top[i] == b_top[i] ? 1 : 0;
    auto ratio = [&](double x, double y) { return theirs_faster ? x / y : y / x; };
    std::printf("\n%s, ms/swipe, best of 3 alternating rounds:\n", title);
    std::printf("%-10s %10s %10s %8s\n", "part", ours, theirs, "ratio");
    std::printf("%-10s %10.3f %10.3f %7.2fx\n", "encoder", 1000 * a_enc / n, 1000 * b_enc / n, ratio(a_enc, b_enc));
    std::printf("%-10s %10.3f %10.3f %7.2fx\n", "decoder", 1000 * a_dec / n, 1000 * b_dec / n, ratio(a_dec, b_dec));
    std::printf("top-1 words of the search agreeing: %zu of %zu\n", agree, a_top.size());
    std::printf("%s/%s speed ratio (encoder + decoder): %.2fx\n", theirs_faster ? theirs : ours, theirs_faster ? ours : theirs,
                ratio(a_enc + a_dec, b_enc + b_dec));
  };
  const env_list float32{{"GLIDE_INT8_KERNELS", "0"}};
  // The packed float kernel (eg::packed_weights, where compiled for AVX-512) against Eigen's general
  // product (GLIDE_PACKED_KERNELS=0), both on float32 weights.
  if (eg::packed_weights::in_use())
    compare("packed float32 kernel (AVX-512, few rows) against Eigen's products (GLIDE_PACKED_KERNELS=0)", "packed", float32,
            "eigen", {{"GLIDE_INT8_KERNELS", "0"}, {"GLIDE_PACKED_KERNELS", "0"}}, false);
  // The int8 kernel (the default where compiled for AVX-512 VNNI, with an int8 model file) against
  // float32 products of the same weights (GLIDE_INT8_KERNELS=0).
  if (eg::int8_kernels_enabled())
    compare("int8 kernel (AVX-512 VNNI, the default) against float32 products (GLIDE_INT8_KERNELS=0)", "float32", float32, "int8", {},
            true);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "glide_bench_kernels: %s\n", e.what());
  return 1;
}
