// glide_train: the command line of the torch backend's trainer (glide/backends/torch/trainer.hpp):
// trains a swipe model with LibTorch on synthetic swipes and real JSONL swipes, validating by Swipe MRR
// of vocabulary-constrained decoding with the Eigen backend; draws metrics.svg after each validation.
//
// Usage: glide_train TRAINING_CONFIG.json MODEL_DIR   (train, or resume)
//        glide_train --plot MODEL_DIR                 (redraw metrics.svg from metrics.csv)
//
// SIGINT or SIGTERM writes a snapshot and exits 130; a rerun resumes from it.
//
// glide_train_mpi (built with GLIDE_WITH_MPI=ON) is the same program over MPI ranks, data-parallel:
//   mpirun -np 2 glide_train_mpi CONFIG.json MODEL_DIR
// each rank trains on its part of every step's batch and the gradients are summed over the ranks
// (MPI_Allreduce); rank 0 writes MODEL_DIR, which every rank must see (one machine, or a shared file
// system). The config needs "stream".

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <stdexcept>
#include <vector>

#include <CLI/CLI.hpp>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <glide/backends/torch/trainer.hpp>
#include <glide/core/charconv.hpp>
#include <glide/io/json_file.hpp>

#include "ranks.hpp"
#include "svg_plot.hpp"

namespace fs = std::filesystem;
using namespace glide;
namespace tg = glide::backends::torch;

namespace {

void plot(const fs::path& csv, const fs::path& svg) {
  std::ifstream in{csv};
  if (!in) throw io_error("cannot read " + csv.string());
  std::string line;
  std::getline(in, line);
  std::vector<double> steps, loss, mrr, real, ema;
  for (std::size_t n = 2; std::getline(in, line); ++n) {
    std::vector<double> v;
    std::stringstream ss{line};
    std::string cell;
    while (std::getline(ss, cell, ',')) {
      double x = std::nan("");
      if (!cell.empty() && !glide::detail::parse_number(std::string_view{cell}, x))
        throw parse_error(csv.string() + ":" + std::to_string(n) + ": '" + excerpt(cell) + "' is not a number");
      v.push_back(x);
    }
    if (v.size() < 7) continue;
    steps.push_back(v[0]);
    loss.push_back(v[3]);
    mrr.push_back(v[4]);
    real.push_back(v[6]);
    ema.push_back(v.size() > 8 ? v[8] : std::nan(""));
  }
  std::vector<examples::plot_panel> panels{
      {"training loss (mean over the steps since the last validation)", "step", "cross-entropy", steps, {{"train", loss, "#d62728"}}},
      {"validation Swipe MRR", "step", "MRR", steps,
       {{"synthetic", mrr, "#1f77b4"}, {"real", real, "#2ca02c"}, {"real, averaged weights", ema, "#ff7f0e"}}}};
  if (std::all_of(real.begin(), real.end(), [](double v) { return std::isnan(v); })) panels[1].series.resize(1);
  if (std::all_of(ema.begin(), ema.end(), [](double v) { return std::isnan(v); }) && panels[1].series.size() == 3) panels[1].series.pop_back();
  examples::write_svg_plot(svg.string(), panels);
}

volatile std::sig_atomic_t interrupted = 0;

// This process's rank, and the sum over the ranks, from MPI (one rank without it).
tg::rank_group mpi_ranks() {
  tg::rank_group g;
  const auto w = examples::world();
  g.rank = static_cast<std::size_t>(w.rank);
  g.size = static_cast<std::size_t>(w.size);
  if (examples::with_mpi()) g.sum = examples::sum_over_ranks;
  return g;
}

int run(int argc, char** argv);

}  // namespace

int main(int argc, char** argv) {
  // The training thread alone calls MPI (the batch readers and LibTorch's threads do not).
  examples::rank_session mpi{argc, argv, /*threaded=*/true};
  const int code = run(argc, argv);
  // A failed rank cannot leave the others waiting in the next all-reduce.
  if (code == 1) mpi.abort(1);
  return code;
}

namespace {

// glibc's malloc serves blocks over its mmap threshold with fresh mappings and gives the heap's top
// back past its trim threshold; a training step frees and allocates activations of a few hundred KB
// to MB by the hundred, and with those defaults each of them faults its pages in again (a million
// page faults in 300 steps of a small model, half its time). Keep freed memory for reuse instead:
// the peak is what it is either way. (MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_ in the
// environment still decide, when set.)
void keep_freed_memory() {
#ifdef __GLIBC__
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") != nullptr || std::getenv("MALLOC_TRIM_THRESHOLD_") != nullptr) return;
  // glibc before 2.35 refuses an mmap threshold above HEAP_MAX_SIZE / 2 (32 MiB on 64 bits); setting
  // the trim threshold alone would fix the mmap threshold at its 128 KiB default, worse than both.
  if (mallopt(M_MMAP_THRESHOLD, 256 << 20) == 0 && mallopt(M_MMAP_THRESHOLD, 32 << 20) == 0) return;
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
#endif
}

int run(int argc, char** argv) try {
  keep_freed_memory();
  std::string config_path, model_dir, plot_dir;
  CLI::App app{"glide_train: trains a swipe model with LibTorch (train, or resume from MODEL_DIR's snapshot)"};
  app.add_option("config", config_path, "training configuration (JSON)");
  app.add_option("model_dir", model_dir, "where the model, its snapshots and metrics go");
  app.add_option("--plot", plot_dir, "redraw MODEL_DIR/metrics.svg from its metrics.csv, and exit");
  CLI11_PARSE(app, argc, argv);
  if (!plot_dir.empty()) {
    if (!config_path.empty()) throw std::invalid_argument("--plot takes only MODEL_DIR");
    plot(fs::path(plot_dir) / "metrics.csv", fs::path(plot_dir) / "metrics.svg");
    return 0;
  }
  if (model_dir.empty()) {
    std::cerr << app.help() << "give TRAINING_CONFIG.json and MODEL_DIR (or --plot MODEL_DIR)\n";
    return 2;
  }
  std::signal(SIGINT, [](int) { interrupted = 1; });
  std::signal(SIGTERM, [](int) { interrupted = 1; });
  const auto ranks = mpi_ranks();
  // Ranks after the first train quietly (their progress is rank 0's) but name the lines they skipped.
  std::ostringstream quiet, skipped;
  const tg::training_hooks hooks{.log = ranks.rank == 0 ? &std::cout : &quiet,
                                 .on_validation = [](const fs::path& dir) { plot(dir / "metrics.csv", dir / "metrics.svg"); },
                                 .stop = &interrupted,
                                 .command = std::vector<std::string>(argv, argv + argc),
                                 .source_dir = GLIDE_SOURCE_DIR,
                                 .ranks = ranks,
                                 .skipped_report = ranks.rank == 0 ? nullptr : &skipped};
  const auto result = tg::train(io::read_json_file(config_path, "training config"), config_path, model_dir, hooks);
  std::istringstream report{skipped.str()};
  for (std::string line; std::getline(report, line);) std::cerr << "rank " << ranks.rank << ": " << line << '\n';
  return result == tg::training_result::interrupted ? 130 : 0;
} catch (const std::exception& e) {
  std::cerr << "glide_train: " << e.what() << '\n';
  return 1;
}

}  // namespace
