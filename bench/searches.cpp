// Search strategies side by side on one model and one vocabulary, in one run: per-swipe time,
// decoder steps and rows, Swipe MRR and accuracy, and the share of time spent outside the model
// (search overhead). Also the trie's memory and the process's peak RSS.
//
// The geometric recognizer (no model) runs on the same swipes and vocabulary as the last row.
//
// Usage: glide_bench_search [--model DIR] [--vocab FILE] [--grids FILE]... [--data FILE.jsonl]... [--limit N]
//                           [--synthetic N] [--geometric-params FILE] [--vocab-size N] [--rescore W]
//                           [--rescore-params FILE]
// --vocab-size N pads the vocabulary with generated letter strings (count 1) to N words, to measure
// speed and memory at that size.
// Defaults: the shipped English model, build/vocab/en.tsv, the shipped grids plus the How-We-Swipe
// keyboards, the first 500 How-We-Swipe validation swipes (real, held-out volunteers) and 200
// synthetic swipes of vocabulary words.

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <glide/backends/eigen/model.hpp>
#include <glide/glide.hpp>

#include "common.hpp"

using namespace glide;
namespace eg = glide::backends::eigen;
namespace fs = std::filesystem;

namespace {

using bench::clock_type;

using bench::timed_decoder;

long peak_rss_kb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) try {
  bench::common_options opt;
  std::string geometric_params = GLIDE_SOURCE_DIR "/configs/geometric-en.json";
  std::size_t synthetic = 200, vocab_size = 0;
  std::string rescore_params = GLIDE_SOURCE_DIR "/configs/rescore-en.json";
  float rescore_weight = 1.0F;  // the CLI's --rescore-geometric default
  CLI::App app{"glide_bench_search: search strategies side by side on one model and one vocabulary"};
  opt.add_to(app);
  app.add_option("--geometric-params", geometric_params, "the geometric recognizer's options (JSON)")->capture_default_str();
  app.add_option("--vocab-size", vocab_size, "pad the vocabulary with generated letter strings to N words");
  app.add_option("--rescore", rescore_weight, "weight of the geometric rescoring (the CLI's default pipeline)")->capture_default_str();
  app.add_option("--rescore-params", rescore_params, "the rescoring's channel weights (JSON)")->capture_default_str();
  app.add_option("--synthetic", synthetic, "synthetic swipes of vocabulary words")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  opt.fill_defaults(true);
  const auto& model_dir = opt.model_dir;
  const auto& vocab = opt.vocab;
  const auto& data = opt.data;
  const auto limit = opt.limit;

  const long rss_start = peak_rss_kb();
  std::vector<weighted_word> words;  // the vocabulary's words in its order (the synthetic swipes' words)
  eg::recognizer_options options;
  options.model_dir = model_dir;
  options.vocabulary = vocab;
  options.grid_files = opt.grid_files;
  options.edit_words = [&](std::vector<weighted_word>& list, const char_tokenizer& tokenizer) {
    words.assign(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(5000, list.size())));
    // Generated letter strings (count 1, 3 to 10 letters, none a real word) up to --vocab-size.
    std::set<std::vector<token_id>> known;
    for (const auto& w : list) known.insert(w.tokens);
    std::mt19937 rng{11};
    std::uniform_int_distribution<token_id> letter{char_tokenizer::first_char_id, static_cast<token_id>(tokenizer.vocab_size() - 1)};
    std::uniform_int_distribution<std::size_t> length{3, 10};
    while (list.size() < vocab_size) {
      std::vector<token_id> t(length(rng));
      for (auto& x : t) x = letter(rng);
      if (known.insert(t).second) list.push_back({std::move(t), 1.0});
    }
  };
  const auto loaded = eg::load_recognizer(std::move(options));
  auto& any = loaded->model();
  const auto& config = loaded->config();
  const auto& tokenizer = loaded->tokenizer();
  const auto& grids = loaded->grids();
  const auto& trie = loaded->trie();
  const long rss_loaded = peak_rss_kb();

  struct set {
    std::string name;
    std::vector<swipe::swipe_example> examples;
  };
  std::vector<set> sets;
  for (const auto& path : data) {
    auto ex = swipe::read_jsonl(path, grids);
    if (limit && ex.size() > limit) ex.resize(limit);
    sets.push_back({fs::path(path).filename().string(), std::move(ex)});
  }
  if (synthetic > 0) {
    // Words drawn from the 5,000 most frequent, swiped by simulated users.
    const swipe::swipe_synthesizer synth{grids.at("qwerty_english")};
    std::mt19937 rng{7};
    std::uniform_int_distribution<std::size_t> pick{0, std::min<std::size_t>(5000, words.size()) - 1};
    set s{"synthetic", {}};
    for (std::size_t i = 0; i < synthetic; ++i) s.examples.push_back(synth.example(tokenizer.decode(words[pick(rng)].tokens), rng));
    sets.push_back(std::move(s));
  }

  const std::vector<std::string> searches{
      "greedy",           "beam:beam_width=8,n_best=4",  "trie_beam:beam_width=8,n_best=4",
      "hybrid:beam_width=32,beam_steps=2,n_best=4", "best_first:n_best=4", "traversal:n_best=4,score_floor=-25"};
  std::printf("model %s (%s/%s, d=%zu), vocabulary %s: %zu words, trie %zu nodes, %.2f MB (%.1f B/word)\n",
              model_dir.c_str(), config.encoder.c_str(), config.decoder.c_str(), config.d_model, vocab.c_str(),
              trie.word_count(), trie.node_count(), static_cast<double>(trie.bytes()) / 1e6,
              static_cast<double>(trie.bytes()) / static_cast<double>(trie.word_count()));
  for (const auto& s : sets) {
    std::printf("\n%s: %zu swipes\n", s.name.c_str(), s.examples.size());
    std::printf("%-52s %9s %8s %9s %8s %8s %8s %9s\n", "search", "ms/swipe", "steps", "rows", "MRR", "acc@1", "acc@4",
                "overhead");
    for (const auto& spec : searches) {
      const auto cfg = search_config::parse(spec);
      metric_accumulator acc;
      search_stats total;
      double model_s = 0, all_s = 0;
      std::visit(
          [&](auto& m) {
            swipe::recognizer<std::decay_t<decltype(m)>> rec{m, grids, tokenizer, &trie, cfg, config.max_points, swipe::feature_options_for(config)};
            timed_decoder td{m.decoder()};
            for (const auto& ex : s.examples) {
              const auto t0 = clock_type::now();
              const auto in = rec.input(ex.curve);
              const auto te = clock_type::now();
              const auto memory = m.encoder().encode(in);
              const auto t1 = clock_type::now();
              auto r = run_search(td, memory, &trie, cfg);
              auto p = to_prediction(r, tokenizer);
              // Unconstrained searches may produce non-words; they still count as predictions.
              const auto t2 = clock_type::now();
              all_s += std::chrono::duration<double>(t2 - t0).count();
              model_s += std::chrono::duration<double>(t1 - te).count();
              total += r.stats;
              acc.add(p, ex.word);
            }
            model_s += td.seconds;
          },
          any);
      const double n = static_cast<double>(s.examples.size());
      const double ms = 1000.0 * all_s / n;
      std::printf("%-52s %9.2f %8.1f %9.1f %8.4f %8.4f %8.4f %8.1f%%\n", cfg.canonical().c_str(), ms,
                  static_cast<double>(total.decoder_steps) / n, static_cast<double>(total.rows_scored) / n, acc.mrr(),
                  acc.accuracy_at_1(), acc.accuracy_at_4(), 100.0 * (all_s - model_s) / all_s);
    }
    // The geometric recognizer: no model; "rows" are the words scored in full.
    const swipe::geometric_recognizer geo{trie, tokenizer, grids,
                                          fs::exists(geometric_params) ? swipe::geometric_options::load(geometric_params)
                                                                       : swipe::geometric_options{}};
    metric_accumulator acc;
    std::size_t scored = 0;
    for (const auto& ex : s.examples) (void)geo.recognize(ex.curve);  // builds the templates of each layout once
    const auto t0 = clock_type::now();
    for (const auto& ex : s.examples) {
      auto r = geo.recognize(ex.curve);
      scored += r.scored;
      acc.add(r.words, ex.word);
    }
    const double secs = std::chrono::duration<double>(clock_type::now() - t0).count();
    const double n = static_cast<double>(s.examples.size());
    std::printf("%-52s %9.2f %8s %9.1f %8.4f %8.4f %8.4f %9s\n", "geometric (templates, no model)", 1000.0 * secs / n, "-",
                static_cast<double>(scored) / n, acc.mrr(), acc.accuracy_at_1(), acc.accuracy_at_4(), "-");
    std::printf("  (geometric: %zu template set(s) for the %zu words; rows = words scored in full)\n", geo.template_sets(),
                geo.word_count());

    // The rescoring weighs the same recognizer's channels with the CLI's weights (--rescore-params).
    const auto rescore_options = fs::exists(rescore_params) ? swipe::geometric_options::load(rescore_params) : swipe::geometric_options{};
    // The CLI's default pipeline against its previous default, side by side on the same swipes:
    // trie beam 8 -> 4 words, against the default search's words rescored by the geometric channels -> 4.
    double ms_of[2] = {0, 0};
    for (int pipeline = 0; pipeline < 2; ++pipeline) {
      const auto cfg = search_config::parse(pipeline == 0 ? "trie_beam:beam_width=8,n_best=4,prior_weight=0.3"
                                                          : backends::eigen::default_search);
      metric_accumulator pacc;
      const auto p0 = clock_type::now();
      std::visit(
          [&](auto& m) {
            swipe::recognizer<std::decay_t<decltype(m)>> rec{m, grids, tokenizer, &trie, cfg, config.max_points, swipe::feature_options_for(config)};
            for (const auto& ex : s.examples) {
              auto words = rec.recognize(ex.curve).words;
              if (pipeline == 1) {
                swipe::rescore_geometric(words, ex.curve, geo, rescore_options, rescore_weight);
                if (words.size() > 4) words.resize(4);
              }
              pacc.add(words, ex.word);
            }
          },
          any);
      ms_of[pipeline] = 1000.0 * std::chrono::duration<double>(clock_type::now() - p0).count() / n;
      const std::string label = pipeline == 0 ? std::string{"previous CLI default (trie_beam 8, prior 0.3)"}
                                              : std::string{"CLI default ("} + backends::eigen::default_search + ", rescored)";
      std::printf("%-52s %9.2f %8s %9s %8.4f %8.4f %8.4f %9s\n", label.c_str(),
                  ms_of[pipeline], "-", "-", pacc.mrr(), pacc.accuracy_at_1(), pacc.accuracy_at_4(), "-");
    }
    std::printf("  default / previous default time per swipe: %.2fx\n", ms_of[1] / ms_of[0]);
  }
  const long rss_end = peak_rss_kb();
  std::printf("\npeak RSS: %.1f MB at start, %.1f MB after loading model and vocabulary, %.1f MB at the end\n",
              static_cast<double>(rss_start) / 1024, static_cast<double>(rss_loaded) / 1024,
              static_cast<double>(rss_end) / 1024);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "glide_bench_search: %s\n", e.what());
  return 1;
}
