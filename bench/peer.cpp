// Glide against the seed's Python decoding, side by side in one run, on the same exported weights and
// the same swipes: bench/peer/seed_decode.py (PyTorch eager, one swipe at a time, a heap-based beam
// of width 6 whose every hypothesis re-runs the decoder over its whole prefix each step, a dict of
// prefixes as the vocabulary mask) and Glide's Eigen backend with its vocabulary-constrained beam of
// the same width (KV cache, all beams in one batch, the trie as the mask). Both run on one thread and
// are timed from the model inputs to the ranked words (model loading excluded). Prints both speeds,
// the ratio and how many top-1 words agree; the last line is `glide/seed speed ratio: N.NNx`.
//
// Usage: glide_bench_peer [--model DIR] [--vocab FILE] [--grids FILE]... [--data FILE.jsonl] [--limit N]
//                         [--python PATH]
// Defaults: the shipped English model, build/vocab/en.tsv, the How-We-Swipe keyboards and the first
// 200 swipes of its validation file; python: /usr/bin/python3 (Debian's, with python3-torch).
// Exit status 77 (a skip for ctest) when that Python cannot import torch.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <glide/backends/eigen/model.hpp>
#include <glide/backends/eigen/recognizer.hpp>
#include <glide/glide.hpp>

#include "common.hpp"

using namespace glide;
namespace eg = glide::backends::eigen;
namespace fs = std::filesystem;
using bench::clock_type;
using bench::shell_quoted;
using bench::token_string;

int main(int argc, char** argv) try {
  bench::common_options opt;
  opt.limit = 200;
  std::string python = fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
  CLI::App app{"glide_bench_peer: Glide against the seed's Python decoding, side by side"};
  opt.add_to(app);
  app.add_option("--python", python, "a Python that can import torch")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  const auto& data = opt.one_data();
  const auto& model_dir = opt.model_dir;
  if (std::system((shell_quoted(python) + " -c 'import torch' 2>/dev/null").c_str()) != 0) {
    std::printf("glide_bench_peer: skipped: %s cannot import torch (install Debian's python3-torch)\n", python.c_str());
    return 77;
  }
  const auto cfg = search_config::parse("trie_beam:beam_width=6,n_best=4");
  const bench::transformer_setup setup{opt, cfg, "the seed's Python decoding"};
  const auto& config = setup.loaded->config();
  auto& model = *setup.model;
  const auto& tokenizer = setup.loaded->tokenizer();
  const auto& trie = setup.loaded->trie();
  const auto& inputs = setup.inputs;

  // The peer's inputs: the same model inputs and the same words, as token ids.
  char tmpl[] = "/tmp/glide-peer-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) throw io_error("cannot create a temporary directory");
  const fs::path dir = tmpl;
  {
    nlohmann::json j;
    auto& arr = j["swipes"] = nlohmann::json::array();
    for (const auto& in : inputs) arr.push_back({{"points", in.points}, {"kinematics", in.kinematics}, {"keys", in.keys}});
    std::ofstream(dir / "inputs.json") << j.dump();
    std::ofstream w{dir / "words.txt"};
    trie.for_each_word([&](const auto& tokens, float) { w << token_string(tokens) << '\n'; });
  }
  std::printf("%zu swipes of %s, model %s (d=%zu, %zu+%zu layers), %zu words, beam width 6, one thread\n", inputs.size(),
              data.c_str(), model_dir.c_str(), config.d_model, config.encoder_layers, config.decoder_layers, trie.word_count());
  std::fflush(stdout);

  const std::string cmd = shell_quoted(python) + " " + shell_quoted(GLIDE_SOURCE_DIR "/bench/peer/seed_decode.py") + " --model " +
                          shell_quoted(model_dir) + " --inputs " + shell_quoted((dir / "inputs.json").string()) + " --words " +
                          shell_quoted((dir / "words.txt").string()) + " --out " + shell_quoted((dir / "peer.json").string()) +
                          " --beam 6 --n-best 4";
  if (std::system(cmd.c_str()) != 0) throw io_error("the Python peer failed: " + cmd);
  nlohmann::json peer;
  std::ifstream(dir / "peer.json") >> peer;
  fs::remove_all(dir);
  const double peer_s = peer.at("seconds").get<double>();
  const auto& peer_words = peer.at("words");
  if (peer_words.size() != inputs.size()) throw io_error("the Python peer returned " + std::to_string(peer_words.size()) + " lists");

  // Glide, best of 3 passes over the same inputs.
  Eigen::setNbThreads(1);
  std::vector<std::string> glide_top(inputs.size());
  double glide_s = 1e300;
  for (int pass = 0; pass < 3; ++pass) {
    const auto t0 = clock_type::now();
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      const auto memory = model.encoder().encode(inputs[i]);
      auto r = run_search(model.decoder(), memory, &trie, cfg);
      if (pass == 0 && !r.hypotheses.empty()) {
        auto t = r.hypotheses[0].tokens;
        if (!t.empty() && t.back() == tokenizer.eos_id) t.pop_back();
        glide_top[i] = token_string(t);
      }
    }
    glide_s = std::min(glide_s, bench::seconds_since(t0));
  }
  std::size_t agree = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const auto& p = peer_words[i];
    const std::string top = p.empty() ? std::string{} : p[0].get<std::string>();
    agree += top == glide_top[i];
  }
  const double n = static_cast<double>(inputs.size());
  std::printf("%-44s %10.2f ms/swipe %10.1f swipes/s\n", "seed (Python, PyTorch eager, re-run prefix)", 1000 * peer_s / n, n / peer_s);
  std::printf("%-44s %10.2f ms/swipe %10.1f swipes/s\n", "glide (Eigen, KV cache, batched beam)", 1000 * glide_s / n, n / glide_s);
  std::printf("top-1 words agreeing: %zu of %zu (%.1f%%)\n", agree, inputs.size(), 100.0 * static_cast<double>(agree) / n);
  std::printf("glide/seed speed ratio: %.2fx\n", peer_s / glide_s);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "glide_bench_peer: %s\n", e.what());
  return 1;
}
