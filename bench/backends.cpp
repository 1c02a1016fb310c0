// Eigen vs LibTorch on the same weights, batch 1, in one run: encoder time, decoder step time, and the
// cost of a step as the prefix grows (the Eigen decoder's KV cache keeps it nearly flat; the LibTorch
// reference re-runs the prefix). Models: the class (d=128, 4+4 layers, 4 heads) with random
// weights, and the shipped model's configuration.
//
// Usage: glide_bench_backends [--threads N]

#include <chrono>
#include <cstdio>
#include <random>
#include <string>

#include <CLI/CLI.hpp>

#include <glide/backends/eigen/model.hpp>
#include <glide/backends/torch/backend.hpp>
#include <glide/glide.hpp>
#include <glide/model/weights.hpp>
#include <glide/testing/model_inputs.hpp>

using namespace glide;
namespace eg = glide::backends::eigen;
namespace tg = glide::backends::torch;
using clock_type = std::chrono::steady_clock;

namespace {

template <class F>
double best_ms(F&& f, int reps) {
  double best = 1e300;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = clock_type::now();
    f();
    best = std::min(best, std::chrono::duration<double, std::milli>(clock_type::now() - t0).count());
  }
  return best;
}


template <class EigenModel>
void run(const std::string& name, const model::model_config& c) {
  ::torch::manual_seed(1);
  tg::swipe_model net{c};
  tg::torch_backend tb{net};
  EigenModel em{c, io::safetensors_file::from_tensors(net->export_weights())};
  std::mt19937 rng{1};
  const auto in = testing::random_model_input(rng, 60, c.vocab_size());
  std::printf("\n%s (%s/%s, d=%zu, %zu+%zu layers), 60-point swipe, batch 1, best of 7\n", name.c_str(), c.encoder.c_str(),
              c.decoder.c_str(), c.d_model, c.encoder_layers, c.decoder_layers);
  const double enc_e = best_ms([&] { (void)em.encoder().encode(in); }, 7);
  const double enc_t = best_ms([&] { (void)tb.encoder().encode(in); }, 7);
  std::printf("  encoder:               Eigen %8.3f ms   LibTorch %8.3f ms   LibTorch/Eigen %5.2fx\n", enc_e, enc_t, enc_t / enc_e);
  const auto em_mem = em.encoder().encode(in);
  const auto tb_mem = tb.encoder().encode(in);
  // Step cost at prefix length L: feed L tokens, then time one more step (best of 7).
  std::printf("  one decoder step after a prefix of L tokens (ms):\n      L      Eigen   LibTorch   LibTorch/Eigen   Eigen(L)/Eigen(0)\n");
  double first = 0;
  for (std::size_t len : {0U, 4U, 8U, 16U, 24U}) {
    // Feed `len` tokens once, then time the next step alone on copies of that state.
    auto one_step = [&](auto& dec, const auto& mem) {
      auto s0 = dec.init_state(mem, 1);
      token_id t = char_tokenizer::bos_id;
      for (std::size_t i = 0; i < len; ++i) {
        (void)dec.step(mem, s0, std::span{&t, 1});
        t = 3 + static_cast<token_id>(i % 20);
      }
      double best = 1e300;
      for (int r = 0; r < 15; ++r) {
        auto s = s0;
        const auto t0 = clock_type::now();
        (void)dec.step(mem, s, std::span{&t, 1});
        best = std::min(best, std::chrono::duration<double, std::milli>(clock_type::now() - t0).count());
      }
      return best;
    };
    const double e = one_step(em.decoder(), em_mem);
    const double t = one_step(tb.decoder(), tb_mem);
    if (len == 0) first = e;
    std::printf("  %5zu   %8.3f   %8.3f   %14.2fx   %17.2fx\n", len, e, t, t / e, e / first);
  }
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1;
  CLI::App app{"glide_bench_backends: Eigen against LibTorch on the same weights, batch 1"};
  app.add_option("--threads", threads, "threads of both backends")->capture_default_str()->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  ::torch::set_num_threads(threads);
  model::model_config big;
  big.d_model = 128;
  big.heads = 4;
  big.encoder_layers = 4;
  big.decoder_layers = 4;
  big.ffn = 512;
  run<eg::transformer_model>("issue class", big);
  const auto shipped = model::model_config::load(GLIDE_SOURCE_DIR "/models/en-qwerty/config.json");
  run<eg::transformer_model>("shipped en-qwerty configuration", shipped);
  auto gru = big;
  gru.decoder = "gru";
  run<eg::gru_model>("GRU decoder", gru);
  auto conformer = big;
  conformer.encoder = "conformer";
  run<eg::transformer_model>("conformer encoder", conformer);
  return 0;
}
