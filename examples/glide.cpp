// glide: the command line of the Glide library.
//
//   glide decode    [--model DIR] [--vocab FILE] [--search SPEC] [FILE.jsonl ...]   swipes -> ranked words
//   glide predict   --data FILE --out FILE [--threads N] [--table FILE]             a dataset -> predictions file
//   glide evaluate  --predictions FILE                                             Swipe MRR, accuracy@1/@4
//   glide aggregate --method weighted|rrf|borda --fit A,B --apply A,B --out FILE  merge several models' lists
//   glide table merge OUT IN...                                                    merge prediction tables
//   glide synth     --grid NAME --words w1,w2,... [--count N] [--seed S]           synthetic swipes (JSONL)
//
// Defaults need nothing configured: the shipped English model (models/en-qwerty), the English
// vocabulary made at build time, the shipped grids, and the sample swipes in data/samples.

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <glide/backends/eigen/model.hpp>
#include <glide/glide.hpp>

namespace fs = std::filesystem;
using nlohmann::json;
using namespace glide;
namespace eg = glide::backends::eigen;

namespace {

struct model_options {
  std::string model_dir = GLIDE_DEFAULT_MODEL;
  std::string vocab = GLIDE_DEFAULT_VOCAB;
  std::size_t top_words = 0;
  std::string grids = GLIDE_SOURCE_DIR "/data/grids/grids.json";
  std::string search = "trie_beam:beam_width=8,n_best=4,prior_weight=0.3";
  std::size_t rerank = 0;

  void add_to(CLI::App* app) {
    app->add_option("--model", model_dir, "model directory (config.json + model.safetensors)");
    app->add_option("--vocab", vocab, "vocabulary: word list, one 'word [count]' a line");
    app->add_option("--top-words", top_words, "use only the first N words of the vocabulary (0: all)");
    app->add_option("--grids", grids, "keyboard grids file (name -> grid)");
    app->add_option("--search", search, "search: name[:key=value,...] of " + join(search_config::names()));
    app->add_option("--rerank", rerank, "Levenshtein-rerank out-of-vocabulary hypotheses within this distance (0: off)");
  }
  static std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  }
};

/// A loaded model with everything decoding needs.
struct loaded {
  eg::any_model model;
  model::model_config config;
  char_tokenizer tokenizer;
  swipe::grid_set grids;
  vocabulary_trie trie;
  search_config search;
  std::size_t rerank = 0;
  std::string name, weights;

  static loaded load(const model_options& o) {
    auto search = search_config::parse(o.search);
    auto m = eg::load_model(o.model_dir);
    auto config = model::model_config::load((fs::path(o.model_dir) / "config.json").string());
    auto list = read_word_list(o.vocab, config.tokenizer(), {.skip_unencodable = true});
    if (o.top_words != 0 && list.words.size() > o.top_words) list.words.resize(o.top_words);
    std::vector<weighted_word> fitting;
    for (auto& w : list.words)
      if (w.tokens.size() <= config.max_word_length) fitting.push_back(std::move(w));
    auto name = fs::path(o.model_dir).filename().string();
    if (name.empty()) name = fs::path(o.model_dir).parent_path().filename().string();
    return {std::move(m), config, config.tokenizer(), swipe::grid_set::load(o.grids), vocabulary_trie::build(std::move(fitting)), search,
            o.rerank, name, (fs::path(o.model_dir) / "model.safetensors").string()};
  }

};

/// Per-thread decoding state over a shared model.
class session {
 public:
  explicit session(loaded& l) : l_{&l} {}

  std::pair<prediction, search_stats> operator()(const swipe::swipe_curve& c) {
    return std::visit(
        [&](auto& m) -> std::pair<prediction, search_stats> {
          using M = std::decay_t<decltype(m)>;
          auto& rec = recognizer_for<M>(m);
          if (l_->rerank == 0) {
            auto r = rec.recognize(c);
            return {std::move(r.words), r.stats};
          }
          const auto memory = m.encoder().encode(rec.input(c));
          auto hyps = run_search(m.decoder(), memory, &l_->trie, l_->search);
          auto rr = levenshtein_rerank(m.decoder(), memory, l_->trie, hyps,
                                       {.max_distance = l_->rerank, .n_best = l_->search.n_best,
                                        .prior_weight = l_->search.prior_weight});
          return {to_prediction(rr, l_->tokenizer), rr.stats};
        },
        l_->model);
  }

 private:
  template <class M>
  swipe::recognizer<M>& recognizer_for(M& m) {
    auto& slot = std::get<std::unique_ptr<swipe::recognizer<M>>>(recognizers_);
    if (!slot)
      slot = std::make_unique<swipe::recognizer<M>>(m, l_->grids, l_->tokenizer, &l_->trie, l_->search,
                                                    l_->config.max_points);
    return *slot;
  }
  loaded* l_;
  std::tuple<std::unique_ptr<swipe::recognizer<eg::transformer_model>>, std::unique_ptr<swipe::recognizer<eg::gru_model>>>
      recognizers_;
};

json prediction_json(const prediction& p) {
  json a = json::array();
  for (const auto& s : p) a.push_back({{"word", s.word}, {"score", s.score}});
  return a;
}

struct prediction_line {
  std::string word;
  prediction predictions;
};

std::vector<prediction_line> read_predictions(const std::string& path) {
  std::ifstream in{path};
  if (!in) throw io_error("cannot open predictions '" + path + "'");
  std::vector<prediction_line> out;
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(n) + ": ";
    try {
      const auto j = json::parse(line);
      prediction_line p;
      if (j.contains("word")) p.word = j.at("word").get<std::string>();
      for (const auto& s : j.at("predictions")) p.predictions.push_back({s.at("word").get<std::string>(), s.at("score").get<float>()});
      out.push_back(std::move(p));
    } catch (const json::exception& e) {
      throw parse_error(where + "bad predictions line (" + e.what() + ")");
    }
  }
  return out;
}

int cmd_decode(const model_options& o, std::vector<std::string> inputs) {
  if (inputs.empty()) inputs.push_back(GLIDE_SOURCE_DIR "/data/samples/en.jsonl");
  auto l = loaded::load(o);
  std::printf("model %s (%s encoder, %s decoder, d=%zu), %zu words, search %s%s\n", l.name.c_str(), l.config.encoder.c_str(),
              l.config.decoder.c_str(), l.config.d_model, l.trie.word_count(), l.search.canonical().c_str(),
              l.rerank ? (", Levenshtein rerank " + std::to_string(l.rerank)).c_str() : "");
  session decode{l};
  metric_accumulator acc;
  for (const auto& path : inputs) {
    std::ifstream file;
    std::istream* in = &std::cin;
    if (path != "-") {
      file.open(path);
      if (!file) throw io_error("cannot open swipes '" + path + "'");
      in = &file;
    }
    swipe::jsonl_reader reader{*in, path};
    while (auto ex = reader.next()) {
      const auto t0 = std::chrono::steady_clock::now();
      auto [words, stats] = decode(ex->curve);
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      std::printf("%-14s ->", ex->word.empty() ? "?" : ex->word.c_str());
      for (const auto& w : words) std::printf(" %s (%.2f)", w.word.c_str(), static_cast<double>(w.score));
      if (words.empty()) std::printf(" (no word)");
      std::printf("   [%zu points, %zu decoder steps, %.1f ms]\n", ex->curve.size(), stats.decoder_steps, ms);
      if (!ex->word.empty()) acc.add(words, ex->word);
    }
  }
  if (acc.count() > 0)
    std::printf("%zu swipes: Swipe MRR %.4f, accuracy@1 %.4f, accuracy@4 %.4f\n", acc.count(), acc.mrr(),
                acc.accuracy_at_1(), acc.accuracy_at_4());
  return 0;
}

int cmd_predict(const model_options& o, const std::string& data, const std::string& out_path, unsigned threads,
                const std::string& table_path) {
  auto l = loaded::load(o);
  const auto examples = swipe::read_jsonl(data);
  std::vector<std::pair<prediction, search_stats>> results(examples.size());
  std::atomic<std::size_t> next{0}, done{0};
  std::mutex error_mutex;
  std::string first_error;
  auto work = [&] {
    session decode{l};
    for (std::size_t i = next++; i < examples.size(); i = next++) {
      try {
        results[i] = decode(examples[i].curve);
      } catch (const std::exception& e) {
        std::lock_guard lock{error_mutex};
        if (first_error.empty()) first_error = data + " example " + std::to_string(i + 1) + ": " + e.what();
      }
      ++done;
    }
  };
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < std::max(1U, threads); ++t) pool.emplace_back(work);
  while (done < examples.size()) {
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const auto d = done.load();
    const int bar = examples.empty() ? 30 : static_cast<int>(30 * d / examples.size());
    std::fprintf(stderr, "\r[%-30s] %zu/%zu  %.0f swipes/s", std::string(static_cast<std::size_t>(bar), '#').c_str(), d,
                 examples.size(), s > 0 ? static_cast<double>(d) / s : 0.0);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  for (auto& t : pool) t.join();
  std::fprintf(stderr, "\r[%-30s] %zu/%zu\n", std::string(30, '#').c_str(), examples.size(), examples.size());
  if (!first_error.empty()) throw error(first_error);

  std::ofstream out{out_path};
  if (!out) throw io_error("cannot write predictions '" + out_path + "'");
  metric_accumulator acc;
  for (std::size_t i = 0; i < examples.size(); ++i) {
    json j{{"predictions", prediction_json(results[i].first)}};
    if (!examples[i].word.empty()) {
      j["word"] = examples[i].word;
      acc.add(results[i].first, examples[i].word);
    }
    out << j.dump() << '\n';
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%zu swipes in %.1f s (%u threads)", examples.size(), secs, std::max(1U, threads));
  if (acc.count() > 0)
    std::printf(": Swipe MRR %.4f, accuracy@1 %.4f, accuracy@4 %.4f", acc.mrr(), acc.accuracy_at_1(), acc.accuracy_at_4());
  std::printf("\n");
  if (!table_path.empty()) {
    auto table = swipe::prediction_table::load(table_path);
    std::string grid = examples.empty() || examples[0].curve.grid ? "*" : examples[0].curve.grid_name;
    for (const auto& ex : examples)
      if (ex.curve.grid || ex.curve.grid_name != grid) grid = "*";
    auto search = l.search.canonical();
    if (l.rerank) search += ";rerank=" + std::to_string(l.rerank);
    search += ";vocab=" + o.vocab + ";top_words=" + std::to_string(o.top_words);
    auto fmt = [](double v) {
      char b[32];
      std::snprintf(b, sizeof b, "%.6f", v);
      return std::string(b);
    };
    table.put({l.name, l.weights, grid, data, search},
              {out_path, acc.count() ? fmt(acc.mrr()) : "", acc.count() ? fmt(acc.accuracy_at_1()) : "",
               acc.count() ? fmt(acc.accuracy_at_4()) : "", std::to_string(examples.size())});
    table.save(table_path);
    std::printf("registered in %s\n", table_path.c_str());
  }
  return 0;
}

int cmd_evaluate(const std::string& path) {
  metric_accumulator acc;
  for (const auto& p : read_predictions(path)) {
    if (p.word.empty()) throw parse_error(path + ": a line has no target 'word' to evaluate against");
    acc.add(p.predictions, p.word);
  }
  std::printf("%zu predictions: Swipe MRR %.4f, accuracy@1 %.4f, accuracy@4 %.4f\n", acc.count(), acc.mrr(),
              acc.accuracy_at_1(), acc.accuracy_at_4());
  return 0;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss{s};
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

template <class A>
int aggregate_with(A agg, const std::vector<std::string>& fit, const std::vector<std::string>& apply,
                   const std::string& out_path, std::size_t top_k) {
  agg.top_k = top_k;
  auto load_all = [](const std::vector<std::string>& paths) {
    std::vector<std::vector<prediction_line>> all;
    for (const auto& p : paths) all.push_back(read_predictions(p));
    for (std::size_t m = 1; m < all.size(); ++m)
      if (all[m].size() != all[0].size())
        throw shape_error("aggregate: '" + paths[m] + "' has " + std::to_string(all[m].size()) + " lines, '" + paths[0] +
                          "' " + std::to_string(all[0].size()));
    return all;
  };
  if (!fit.empty()) {
    const auto v = load_all(fit);
    std::vector<std::vector<prediction>> per_model(v.size());
    std::vector<std::string> targets;
    for (std::size_t i = 0; i < v[0].size(); ++i) targets.push_back(v[0][i].word);
    for (std::size_t m = 0; m < v.size(); ++m)
      for (const auto& p : v[m]) per_model[m].push_back(p.predictions);
    agg.fit(per_model, targets);
    std::printf("fitted weights:");
    for (float w : agg.weights) std::printf(" %.2f", static_cast<double>(w));
    std::printf("  (validation Swipe MRR %.4f)\n", agg.fitted_mrr);
  }
  if (apply.empty()) return 0;
  if (!agg.weights.empty() && agg.weights.size() != apply.size())
    throw shape_error("aggregate: fitted on " + std::to_string(agg.weights.size()) + " models, applied to " +
                      std::to_string(apply.size()));
  const auto t = load_all(apply);
  std::ofstream out{out_path};
  if (!out) throw io_error("cannot write '" + out_path + "'");
  metric_accumulator acc;
  for (std::size_t i = 0; i < t[0].size(); ++i) {
    std::vector<prediction> row;
    for (const auto& m : t) row.push_back(m[i].predictions);
    const auto merged = agg(row);
    json j{{"predictions", prediction_json(merged)}};
    if (!t[0][i].word.empty()) {
      j["word"] = t[0][i].word;
      acc.add(merged, t[0][i].word);
    }
    out << j.dump() << '\n';
  }
  if (acc.count())
    std::printf("%zu merged: Swipe MRR %.4f, accuracy@1 %.4f\n", acc.count(), acc.mrr(), acc.accuracy_at_1());
  return 0;
}

int cmd_synth(const std::string& grids_path, const std::string& grid_name, const std::string& words, std::size_t count,
              std::uint32_t seed, const std::string& out_path) {
  const auto grids = swipe::grid_set::load(grids_path);
  const swipe::swipe_synthesizer synth{grids.at(grid_name)};
  std::mt19937 rng{seed};
  std::ofstream file;
  std::ostream* out = &std::cout;
  if (!out_path.empty() && out_path != "-") {
    file.open(out_path);
    if (!file) throw io_error("cannot write '" + out_path + "'");
    out = &file;
  }
  for (std::size_t i = 0; i < count; ++i)
    for (const auto& w : split(words)) swipe::write_jsonl(*out, synth.example(w, rng));
  return 0;
}

}  // namespace

int main(int argc, char** argv) try {
  CLI::App app{"glide: decode swipes into words with neural models and vocabulary-constrained search"};
  app.require_subcommand(1);

  model_options decode_opts;
  std::vector<std::string> decode_inputs;
  auto* decode = app.add_subcommand("decode", "decode swipes (JSONL lines) into ranked words");
  decode_opts.add_to(decode);
  decode->add_option("inputs", decode_inputs, "JSONL swipe files ('-' for standard input); default: the shipped samples");

  model_options predict_opts;
  std::string data, out, table;
  unsigned threads = std::max(1U, std::thread::hardware_concurrency());
  auto* predict = app.add_subcommand("predict", "decode a dataset into a predictions file and register the run");
  predict_opts.add_to(predict);
  predict->add_option("--data", data, "JSONL dataset")->required();
  predict->add_option("--out", out, "predictions file (JSONL)")->required();
  predict->add_option("--threads", threads, "decoding threads");
  predict->add_option("--table", table, "prediction table (CSV) to register the run in");

  std::string predictions;
  auto* evaluate = app.add_subcommand("evaluate", "Swipe MRR and accuracy of a predictions file");
  evaluate->add_option("--predictions", predictions, "predictions file (JSONL with target words)")->required();

  std::string method = "weighted", fit, apply, agg_out;
  std::size_t top_k = 4;
  auto* aggregate = app.add_subcommand("aggregate", "merge several models' predictions, with weights fitted on validation");
  aggregate->add_option("--method", method, "weighted, rrf or borda")->check(CLI::IsMember({"weighted", "rrf", "borda"}));
  aggregate->add_option("--fit", fit, "validation predictions, one file per model, comma-separated");
  aggregate->add_option("--apply", apply, "predictions to merge, one file per model in the same order, comma-separated");
  aggregate->add_option("--out", agg_out, "merged predictions file");
  aggregate->add_option("--top-k", top_k, "words kept per swipe (0: all)");

  auto* table_cmd = app.add_subcommand("table", "prediction tables");
  table_cmd->require_subcommand(1);
  std::string merged_table;
  std::vector<std::string> tables;
  auto* merge = table_cmd->add_subcommand("merge", "merge tables from several machines; conflicting rows are an error");
  merge->add_option("out", merged_table, "merged table")->required();
  merge->add_option("tables", tables, "tables to merge")->required();

  std::string synth_grids = GLIDE_SOURCE_DIR "/data/grids/grids.json", synth_grid = "qwerty_english", synth_words, synth_out;
  std::size_t synth_count = 1;
  std::uint32_t synth_seed = 1;
  auto* synth = app.add_subcommand("synth", "synthesise swipes for words");
  synth->add_option("--grids", synth_grids, "grids file");
  synth->add_option("--grid", synth_grid, "grid name");
  synth->add_option("--words", synth_words, "comma-separated words")->required();
  synth->add_option("--count", synth_count, "swipes per word");
  synth->add_option("--seed", synth_seed, "random seed");
  synth->add_option("--out", synth_out, "output JSONL (default: standard output)");

  CLI11_PARSE(app, argc, argv);
  if (*decode) return cmd_decode(decode_opts, decode_inputs);
  if (*predict) return cmd_predict(predict_opts, data, out, threads, table);
  if (*evaluate) return cmd_evaluate(predictions);
  if (*aggregate) {
    if (fit.empty() && apply.empty()) throw config_error("aggregate: give --fit, --apply or both");
    if (!apply.empty() && agg_out.empty()) throw config_error("aggregate: --apply needs --out");
    const auto f = split(fit), a = split(apply);
    if (method == "rrf") return aggregate_with(reciprocal_rank_fusion{}, f, a, agg_out, top_k);
    if (method == "borda") return aggregate_with(borda{}, f, a, agg_out, top_k);
    return aggregate_with(weighted_merge{}, f, a, agg_out, top_k);
  }
  if (*merge) {
    swipe::prediction_table t;
    for (const auto& path : tables) {
      if (!fs::exists(path)) throw io_error("no prediction table '" + path + "'");
      t.merge(swipe::prediction_table::load(path));
    }
    t.save(merged_table);
    std::printf("%zu runs in %s\n", t.rows().size(), merged_table.c_str());
    return 0;
  }
  if (*synth) return cmd_synth(synth_grids, synth_grid, synth_words, synth_count, synth_seed, synth_out);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "glide: %s\n", e.what());
  return 1;
}
