// Glide against ONNX Runtime on the same model, the same swipes and the same search, side by side in
// one run: the shipped model exported to ONNX (bench/peer/onnx_export.py: an encoder graph that also
// projects the cross-attention keys and values once per swipe, and a decoder-step graph with its
// self-attention KV cache as inputs and outputs, as ONNX-based keyboards run it), decoded by
// bench/peer/ort_decode.mjs (onnxruntime-node, one intra-op and one inter-op thread) with a port of
// Glide's trie beam (width 6, n-best 4), and Glide's Eigen backend with its trie beam. Both sides are
// timed from the model inputs to the ranked words (model loading excluded) in --rounds rounds that
// alternate the two sides, so both see the same machine load; each side's figures are its fastest
// round's (by whole decode).
// Prints the encoder (with the cross-attention keys/values), the mean decoder step at each batch size
// the beam used, all the steps and the rest of the search (the trie, the beams, the cache's reorder;
// the peer's in JavaScript), the whole decode, what a call of onnxruntime-node costs apart from its
// graph, how many top-1 words agree; the last line is
// `glide/onnxruntime speed ratio: N.NNx` (whole decode; Glide faster when > 1).
//
// Usage: glide_bench_onnx_peer [--model DIR] [--vocab FILE] [--grids FILE]... [--data FILE.jsonl]
//                              [--limit N] [--node PATH] [--python PATH] [--onnx-dir DIR]
//                              [--ort-modules DIR] [--rounds N]
// Defaults: the shipped English model, build/vocab/en.tsv, the How-We-Swipe keyboards and the first
// 200 swipes of its validation file; node from PATH; /usr/bin/python3 (Debian's, with python3-torch
// and python3-onnx) to export the graphs into a temporary folder, or into --onnx-dir when it lacks
// them; onnxruntime-node from bench/peer/node_modules (scripts/install-deps.sh --with-onnx).
// Exit status 77 (a skip for ctest) when node, onnxruntime-node or Python's torch or onnx is absent.

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
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

namespace {
bool succeeds(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0; }

using bench::step_times;

/// One side's figures: encoder (+ cross keys/values), decoder steps by batch size and whole decode
/// seconds of all swipes, in one pass.
struct figures {
  double encoder_s = 1e300, decode_s = 1e300;
  step_times steps;
  /// Seconds of all the steps.
  [[nodiscard]] double steps_s() const {
    double s = 0;
    for (const auto& [batch, v] : steps) s += v.second;
    return s;
  }
  /// Keeps the faster pass (by whole decode), so the figures shown add up.
  void keep_best(const figures& f) {
    if (f.decode_s < decode_s) *this = f;
  }
};
}  // namespace

int main(int argc, char** argv) try {
  bench::common_options opt;
  opt.limit = 200;
  std::string python = fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
  std::string node = "node", onnx_dir, ort_modules = GLIDE_SOURCE_DIR "/bench/peer/node_modules";
  int rounds = 3;
  CLI::App app{"glide_bench_onnx_peer: Glide against ONNX Runtime on the same model and search, side by side"};
  opt.add_to(app);
  app.add_option("--node", node, "Node.js")->capture_default_str();
  app.add_option("--python", python, "a Python that can import torch and onnx (to export the graphs)")
      ->capture_default_str();
  app.add_option(
      "--onnx-dir", onnx_dir,
      "folder of encoder.onnx and decoder_step.onnx (exported there when missing; default: a temporary folder)");
  app.add_option("--ort-modules", ort_modules, "node_modules folder holding onnxruntime-node")->capture_default_str();
  app.add_option("--rounds", rounds, "rounds alternating the two sides (the fastest of each side shown)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  CLI11_PARSE(app, argc, argv);
  const auto& data = opt.one_data();
  const auto& model_dir = opt.model_dir;

  auto skip = [](const std::string& why) {
    std::printf("glide_bench_onnx_peer: skipped: %s\n", why.c_str());
    return 77;
  };
  if (!succeeds(shell_quoted(node) + " --version"))
    return skip(node + " (Node.js) is not there (scripts/install-deps.sh --with-web)");
  const fs::path ort_package = fs::path{ort_modules} / "onnxruntime-node";
  if (!succeeds(shell_quoted(node) + " -e " +
                shell_quoted("require(" + nlohmann::json(ort_package.string()).dump() + ")")))
    return skip("node cannot load onnxruntime-node from " + ort_modules + " (scripts/install-deps.sh --with-onnx)");
  const fs::path given = onnx_dir;
  const bool exported =
      !onnx_dir.empty() && fs::exists(given / "encoder.onnx") && fs::exists(given / "decoder_step.onnx");
  if (!exported && !succeeds(shell_quoted(python) + " -c 'import torch, onnx'"))
    return skip(python +
                " cannot import torch and onnx (install Debian's python3-torch and python3-onnx: "
                "scripts/install-deps.sh --with-onnx)");

  const auto cfg = search_config::parse("trie_beam:beam_width=6,n_best=4");
  const bench::transformer_setup setup{opt, cfg, "the ONNX Runtime peer"};
  const auto& config = setup.loaded->config();
  auto& model = *setup.model;
  const auto& tokenizer = setup.loaded->tokenizer();
  const auto& trie = setup.loaded->trie();
  const auto& inputs = setup.inputs;

  char tmpl[] = "/tmp/glide-onnx-peer-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) throw io_error("cannot create a temporary directory");
  const fs::path dir = tmpl;
  struct remove_at_exit {
    fs::path p;
    ~remove_at_exit() {
      std::error_code ec;
      fs::remove_all(p, ec);
    }
  } cleanup{dir};
  {
    nlohmann::json j;
    auto& arr = j["swipes"] = nlohmann::json::array();
    for (const auto& in : inputs)
      arr.push_back({{"points", in.points}, {"kinematics", in.kinematics}, {"keys", in.keys}});
    std::ofstream(dir / "inputs.json") << j.dump();
    std::ofstream w{dir / "words.txt"};
    trie.for_each_word([&](const auto& tokens, float) { w << token_string(tokens) << '\n'; });
  }
  const fs::path graphs = onnx_dir.empty() ? dir / "onnx" : given;
  if (!exported) {
    const std::string cmd = shell_quoted(python) + " " + shell_quoted(GLIDE_SOURCE_DIR "/bench/peer/onnx_export.py") +
                            " --model " + shell_quoted(model_dir) + " --out " + shell_quoted(graphs.string()) +
                            " --node " + shell_quoted(node);
    std::fflush(stdout);
    if (std::system(cmd.c_str()) != 0) throw io_error("the ONNX export failed: " + cmd);
  }
  // The beam's length limit, as constrained_beam_search sets it.
  const std::size_t max_length =
      std::min({cfg.max_length, trie.word_count() ? trie.max_word_length() + 1 : 1, model.decoder().max_length()});
  std::printf(
      "%zu swipes of %s, model %s (d=%zu, %zu+%zu layers), %zu words, trie beam width 6, n-best 4, one thread each, %d "
      "rounds\n",
      inputs.size(), data.c_str(), model_dir.c_str(), config.d_model, config.encoder_layers, config.decoder_layers,
      trie.word_count(), rounds);
  std::fflush(stdout);

  const std::string peer_cmd =
      shell_quoted(node) + " " + shell_quoted(GLIDE_SOURCE_DIR "/bench/peer/ort_decode.mjs") + " --onnx-dir " +
      shell_quoted(graphs.string()) + " --inputs " + shell_quoted((dir / "inputs.json").string()) + " --words " +
      shell_quoted((dir / "words.txt").string()) + " --out " + shell_quoted((dir / "peer.json").string()) +
      " --ort-modules " + shell_quoted(ort_modules) + " --beam 6 --n-best 4 --max-length " + std::to_string(max_length);
  Eigen::setNbThreads(1);
  figures glide_fig, ort_fig;
  std::vector<std::string> glide_top(inputs.size());
  nlohmann::json peer_words;
  std::string ort_version;
  double call_s = 0;
  // Warm-up, as the peer warms up on its first swipes: the first decodes size Glide's buffers.
  for (std::size_t i = 0; i < std::min<std::size_t>(5, inputs.size()); ++i)
    (void)run_search(model.decoder(), model.encoder().encode(inputs[i]), &trie, cfg);
  for (int round = 0; round < rounds; ++round) {
    // Glide: the encoder, then the trie beam on the decoder, the encoder and each step timed.
    bench::timed_decoder timer{model.decoder()};
    figures g{.encoder_s = 0, .decode_s = 0, .steps = {}};
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      const auto t0 = clock_type::now();
      const auto memory = model.encoder().encode(inputs[i]);
      g.encoder_s += bench::seconds_since(t0);
      auto r = run_search(timer, memory, &trie, cfg);
      g.decode_s += bench::seconds_since(t0);
      if (round == 0 && !r.hypotheses.empty()) {
        auto t = r.hypotheses[0].tokens;
        if (!t.empty() && t.back() == tokenizer.eos_id) t.pop_back();
        glide_top[i] = token_string(t);
      }
    }
    g.encoder_s += timer.init_seconds;
    g.steps = timer.by_batch;
    glide_fig.keep_best(g);

    // ONNX Runtime.
    if (std::system(peer_cmd.c_str()) != 0) throw io_error("the ONNX Runtime peer failed: " + peer_cmd);
    nlohmann::json peer;
    std::ifstream(dir / "peer.json") >> peer;
    figures o{
        .encoder_s = peer.at("encoder_s").get<double>(), .decode_s = peer.at("decode_s").get<double>(), .steps = {}};
    for (const auto& [batch, v] : peer.at("steps").items())
      o.steps[std::stoul(batch)] = {v.at(0).get<std::size_t>(), v.at(1).get<double>()};
    ort_fig.keep_best(o);
    if (peer.contains("call_s") && peer.at("call_s").is_number()) {
      const double c = peer.at("call_s").get<double>();
      call_s = call_s > 0 ? std::min(call_s, c) : c;
    }
    if (round == 0) {
      peer_words = peer.at("words");
      ort_version = peer.value("ort_version", "");
    }
  }
  if (peer_words.size() != inputs.size())
    throw io_error("the ONNX Runtime peer returned " + std::to_string(peer_words.size()) + " lists");

  std::size_t agree = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const auto& p = peer_words[i];
    agree += (p.empty() ? std::string{} : p[0].get<std::string>()) == glide_top[i];
  }
  const double n = static_cast<double>(inputs.size());
  const std::string ort_name = "onnxruntime " + ort_version;
  std::printf("%-40s %16s %16s %8s\n", "ms (the fastest round of each)", "glide (Eigen)", ort_name.c_str(), "ratio");
  auto row = [](const std::string& what, double g, double o) {
    std::printf("%-40s %16.3f %16.3f %7.2fx\n", what.c_str(), g, o, o / g);
  };
  row("encoder + cross K/V, per swipe", 1000 * glide_fig.encoder_s / n, 1000 * ort_fig.encoder_s / n);
  for (const auto& [batch, v] : glide_fig.steps) {
    const auto it = ort_fig.steps.find(batch);
    if (it == ort_fig.steps.end()) continue;
    row("decoder step, batch " + std::to_string(batch) + " (" + std::to_string(v.first) + " steps)",
        1000 * v.second / static_cast<double>(v.first),
        1000 * it->second.second / static_cast<double>(it->second.first));
  }
  row("decoder steps, all, per swipe", 1000 * glide_fig.steps_s() / n, 1000 * ort_fig.steps_s() / n);
  row("rest of the search, per swipe", 1000 * (glide_fig.decode_s - glide_fig.encoder_s - glide_fig.steps_s()) / n,
      1000 * (ort_fig.decode_s - ort_fig.encoder_s - ort_fig.steps_s()) / n);
  row("whole decode, per swipe", 1000 * glide_fig.decode_s / n, 1000 * ort_fig.decode_s / n);
  if (call_s > 0)
    std::printf("onnxruntime-node's cost of one call apart from the graph (an identity graph): %.3f ms\n",
                1000 * call_s);
  std::printf("swipes/s: glide %.1f, onnxruntime %.1f\n", n / glide_fig.decode_s, n / ort_fig.decode_s);
  std::printf("top-1 words agreeing: %zu of %zu (%.1f%%)\n", agree, inputs.size(),
              100.0 * static_cast<double>(agree) / n);
  std::printf("glide/onnxruntime speed ratio: %.2fx\n", ort_fig.decode_s / glide_fig.decode_s);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "glide_bench_onnx_peer: %s\n", e.what());
  return 1;
}
