// Whole recognition pipelines (model + vocabulary + search + rescoring) timed against a reference,
// interleaved swipe by swipe in one process: each swipe is decoded by every pipeline in turn (the
// order rotating from swipe to swipe), so a machine that slows down or speeds up during the run
// slows every pipeline alike. Prints each pipeline's ms per swipe, its ratio to the first, and its
// top-1 / top-4 / Swipe MRR on the swipes, on all and on in-vocabulary ones.
//
// Usage: glide_bench_pipelines --pipeline NAME:key=value;... [--pipeline ...] [--data FILE] [--grids FILE]...
//                              [--model DIR] [--vocab FILE] [--limit N] [--passes N]
//   keys: model (directory), vocab (word list), search (name:key=value,..., as the CLI's --search;
//   commas are fine inside), rescore (the CLI's --rescore-geometric weight), rescore_params (JSON),
//   top (words kept), literal (0: no literal spellings), literal_params (the gate's JSON), kernels
//   (default: the build's, int8 where compiled for AVX-512 VNNI; float: the packed float32 kernel,
//   GLIDE_INT8_KERNELS=0; eigen: Eigen's float32 products, GLIDE_INT8_KERNELS=0 and
//   GLIDE_PACKED_KERNELS=0; set while that pipeline loads). Missing keys take --model and --vocab (by default the shipped English model and
//   the English vocabulary) and the CLI's defaults (backends::eigen::default_search with geometric
//   rescoring under configs/rescore-en.json, literal spellings under configs/literal-en.json, top 4).
//   The first pipeline is the reference of the ratios. Defaults: the How-We-Swipe validation file
//   and keyboards, all of its swipes (--limit 0), 2 passes.
//
// scripts/beam-speed.sh runs it for issue 10's speed condition (the defaults against the issue's
// baseline, docs/accuracy.md).

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <glide/backends/eigen/recognizer.hpp>
#include <glide/metrics/swipe_metrics.hpp>

#include "common.hpp"

namespace {

using namespace glide;

struct pipeline {
  std::string name;
  backends::eigen::recognizer_options options;
  std::unique_ptr<backends::eigen::loaded_recognizer> loaded;
  std::string kernels = "default";  ///< default, float or eigen
  double seconds = 0;
  metric_accumulator all, in_vocab, out_of_vocab;
};

/// "NAME:key=value;key=value": the common options' model and vocabulary (--model, --vocab) and the
/// CLI's rescoring defaults where a key is missing.
pipeline parse_pipeline(const std::string& spec, const bench::common_options& opt) {
  pipeline p;
  const auto colon = spec.find(':');
  p.name = spec.substr(0, colon);
  if (p.name.empty()) throw config_error("--pipeline '" + spec + "': give it a name (NAME:key=value;...)");
  auto& o = p.options;
  o.model_dir = opt.model_dir;
  o.vocabulary = opt.vocab;
  o.grid_files = opt.grid_files;
  o.rescore_geometric = 1;
  o.rescore_params = GLIDE_SOURCE_DIR "/configs/rescore-en.json";
  o.top = 4;
  o.literal = true;  // the CLI's default: literal spellings under configs/literal-en.json
  o.literal_params = GLIDE_SOURCE_DIR "/configs/literal-en.json";
  std::string rest = colon == std::string::npos ? "" : spec.substr(colon + 1);
  while (!rest.empty()) {
    const auto semi = rest.find(';');
    const std::string item = rest.substr(0, semi);
    rest = semi == std::string::npos ? "" : rest.substr(semi + 1);
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string::npos) throw config_error("--pipeline '" + spec + "': '" + item + "' is not key=value");
    const std::string k = item.substr(0, eq), v = item.substr(eq + 1);
    if (k == "model") o.model_dir = v;
    else if (k == "vocab") o.vocabulary = v;
    else if (k == "search") o.search = search_config::parse(v);
    else if (k == "rescore") o.rescore_geometric = std::stof(v);
    else if (k == "rescore_params") o.rescore_params = v;
    else if (k == "top") o.top = std::stoul(v);
    else if (k == "literal") o.literal = v != "0";
    else if (k == "literal_params") o.literal_params = v;
    else if (k == "kernels") {
      if (v != "default" && v != "float" && v != "eigen") throw config_error("--pipeline '" + spec + "': kernels is default, float or eigen");
      p.kernels = v;
    } else throw config_error("--pipeline '" + spec + "': unknown key '" + k +
                              "' (model, vocab, search, rescore, rescore_params, top, literal, literal_params, kernels)");
  }
  return p;
}

}  // namespace

int main(int argc, char** argv) try {
  using namespace glide;
  using bench::clock_type;
  bench::common_options opt;
  opt.limit = 0;
  std::vector<std::string> specs;
  unsigned passes = 2;
  CLI::App app{"glide_bench_pipelines: whole pipelines timed against the first, interleaved swipe by swipe"};
  opt.add_to(app);
  app.add_option("--pipeline", specs, "NAME:key=value;... (model, vocab, search, rescore, rescore_params, top); the first is the reference")
      ->required();
  app.add_option("--passes", passes, "passes over the swipes (every pipeline decodes each swipe once a pass)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  const auto& data = opt.one_data();

  std::vector<pipeline> ps;
  for (const auto& s : specs) ps.push_back(parse_pipeline(s, opt));
  for (auto& p : ps) {
    // The kernels are chosen when a model loads: the variables are set for that load only.
    const bench::scoped_env int8{"GLIDE_INT8_KERNELS", p.kernels != "default" ? "0" : nullptr};
    const bench::scoped_env packed{"GLIDE_PACKED_KERNELS", p.kernels == "eigen" ? "0" : nullptr};
    p.loaded = backends::eigen::load_recognizer(p.options);
  }
  auto examples = swipe::read_jsonl(data, ps.front().loaded->grids());
  if (opt.limit > 0 && examples.size() > opt.limit) examples.resize(opt.limit);
  if (examples.empty()) throw config_error(data + ": no swipes");
  std::printf("%zu swipes of %s, %u passes, %zu pipelines interleaved swipe by swipe, one thread\n", examples.size(),
              data.c_str(), passes, ps.size());

  // Every pipeline once on the first swipes before timing (its templates, feature caches, first allocations).
  for (auto& p : ps)
    for (std::size_t i = 0; i < std::min<std::size_t>(20, examples.size()); ++i) (void)p.loaded->recognize(examples[i].curve);
  for (unsigned pass = 0; pass < passes; ++pass)
    for (std::size_t i = 0; i < examples.size(); ++i)
      for (std::size_t k = 0; k < ps.size(); ++k) {
        auto& p = ps[(i + k + pass) % ps.size()];
        const auto t0 = clock_type::now();
        const auto r = p.loaded->recognize(examples[i].curve);
        p.seconds += bench::seconds_since(t0);
        if (pass == 0) {
          p.all.add(r.words, examples[i].word);
          (p.loaded->in_vocabulary(examples[i].word) ? p.in_vocab : p.out_of_vocab).add(r.words, examples[i].word);
        }
      }

  const double n = static_cast<double>(examples.size()) * passes;
  std::printf("%-24s %9s %9s   %-26s %-26s %-26s\n", "pipeline", "ms/swipe", "ratio", "top-1 / top-4 / MRR", "in-vocabulary",
              "out-of-vocabulary");
  for (const auto& p : ps)
    std::printf("%-24s %9.3f %8.3fx   %.4f / %.4f / %.4f   %.4f / %.4f / %.4f   %.4f / %.4f / %.4f (%zu)\n", p.name.c_str(),
                1000 * p.seconds / n, p.seconds / ps.front().seconds, p.all.accuracy_at_1(), p.all.accuracy_at_4(), p.all.mrr(),
                p.in_vocab.accuracy_at_1(), p.in_vocab.accuracy_at_4(), p.in_vocab.mrr(), p.out_of_vocab.accuracy_at_1(),
                p.out_of_vocab.accuracy_at_4(), p.out_of_vocab.mrr(), p.out_of_vocab.count());
  for (const auto& p : ps) std::printf("  %s: %s\n", p.name.c_str(), p.loaded->canonical_decoding().c_str());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "glide_bench_pipelines: %s\n", e.what());
  return 1;
}
