// glide: the command line of the Glide library.
//
//   glide decode    [--model DIR] [--vocab FILE] [--search SPEC] [FILE.jsonl ...]   swipes -> ranked words
//   glide predict   --data FILE --out FILE [--threads N] [--table FILE]             a dataset -> predictions file
//   glide evaluate  --predictions FILE                                             Swipe MRR, accuracy@1/@4
//   glide teach     --data FILE --predictions FILE --out FILE                      swipes + teacher lists (distillation)
//   glide aggregate --method weighted|rrf|borda --fit A,B --apply A,B --out FILE  merge several models' lists
//   glide table merge OUT IN...                                                    merge prediction tables
//   glide synth     --grid NAME --words w1,w2,... [--count N] [--seed S]           synthetic swipes (JSONL)
//   glide prepare   --out DIR [--model DIR] [--examples-per-shard N] JSONL...     swipes -> feature shards (training)
//
// Defaults need nothing configured: the shipped English model (models/en-qwerty), the English
// vocabulary made at build time, the shipped grids, and the sample swipes in data/samples.

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <glide/backends/eigen/model.hpp>
#include <glide/backends/eigen/recognizer.hpp>
#include <glide/glide.hpp>
#include <glide/core/charconv.hpp>
#include <glide/core/memory.hpp>
#include <glide/io/content_hash.hpp>
#include <glide/io/durable_file.hpp>
#include <glide/io/json_file.hpp>
#include <glide/io/predictions.hpp>
#include <glide/io/run_record.hpp>
#include <glide/swipe/language_pack.hpp>
#include <glide/swipe/shards.hpp>

#include "ranks.hpp"
#include "svg_plot.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace glide;
namespace eg = glide::backends::eigen;
using glide::examples::broadcast_int;
using glide::examples::gather_text;
using glide::examples::rank_session;
using glide::examples::ranks;
using glide::examples::world;

namespace {

/// `s` padded with spaces to `width` characters (UTF-8 code points, so Cyrillic columns line up).
std::string padded(const std::string& s, std::size_t width) {
  std::size_t chars = 0;
  for (unsigned char c : s) chars += (c & 0xC0U) != 0x80U;
  return chars >= width ? s : s + std::string(width - chars, ' ');
}

/// Swipes whose timestamps the features repair are reported, not repaired silently.
template <class Examples>
void report_time_repairs(const std::string& path, const Examples& examples) {
  const auto c = swipe::count_time_repairs(examples);
  if (c.monotonic > 0)
    std::cerr << "glide: " << path << ": " << c.monotonic << " swipe(s) with timestamps going backwards (raised to the running maximum)\n";
  if (c.synthesized > 0)
    std::cerr << "glide: " << path << ": " << c.synthesized
              << " swipe(s) with constant or mostly backward timestamps (replaced by one point every 10 ms)\n";
}

/// Count and size options: whole numbers, at least `min`. CLI11 reads "-1" into a std::size_t as
/// 2^64 - 1 (so `--top -1` kept everything); this refuses it, and fractions, naming the option.
CLI::Validator count_at_least(std::size_t min) {
  return CLI::Validator(
      [min](std::string& s) -> std::string {
        std::size_t v = 0;
        if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || !glide::detail::parse_number(std::string_view{s}, v))
          return "must be a whole number" + std::string(min > 0 ? " >= " + std::to_string(min) : " >= 0") + ", not '" + excerpt(s) + "'";
        if (v < min) return "must be at least " + std::to_string(min) + ", not " + s;
        return {};
      },
      min > 0 ? "INT>=" + std::to_string(min) : "INT>=0");
}
const CLI::Validator count_check = count_at_least(0);

struct model_options {
  std::string model_dir = GLIDE_DEFAULT_MODEL;
  std::string vocab = GLIDE_DEFAULT_VOCAB;
  std::size_t top_words = 0;
  std::vector<std::string> grids = {GLIDE_SOURCE_DIR "/data/grids/grids.json"};
  // The defaults: the best valid.jsonl top-1 of the How-We-Swipe data within the speed limit (docs/accuracy.md).
  std::string search = glide::backends::eigen::default_search;
  std::size_t top = 4;
  std::size_t rerank = 0;
  std::string recognizer = "neural";
  std::string geometric_params = GLIDE_SOURCE_DIR "/configs/geometric-en.json";
  std::string rescore_params = GLIDE_SOURCE_DIR "/configs/rescore-en.json";
  float rescore_geometric = 1.0F;
  std::string literal_params = GLIDE_SOURCE_DIR "/configs/literal-en.json";
  bool no_literal = false;
  std::string user_words;
  std::size_t user_shortlist = 3;
  std::string language;  ///< a language pack's code (data/packs.json); see resolve()
  std::string alphabet;  ///< the letters words are spelled in (set by the language pack; empty: the model's)
  std::vector<std::string> ensemble;  ///< other model directories decoded with --model in one search
  std::vector<float> ensemble_weights;
  std::string ensemble_method = "product";
  CLI::App* app = nullptr;

  void add_to(CLI::App* a) {
    app = a;
    app->add_option("--language", language,
                    "a language pack (data/packs.json: " + join(packs().codes()) + "): its vocabulary, its layout's letters and its model "
                    "(the pack's own, else the layout-conditioned one); options given beside it win");
    app->add_option("--user-shortlist", user_shortlist,
                    "user words the geometric channels rank best per swipe, scored by the model too when the search missed them (0: off)")
        ->check(count_check);
    app->add_flag("--no-literal", no_literal, "decode vocabulary words only (no literal spellings of words outside it)");
    app->add_option("--literal-params", literal_params,
                    "the literal gate: where the model's own spellings rank (JSON, from 'glide fit-literal')");
    app->add_option("--user-words", user_words, "the user's words: one 'word [weight]' a line, added to the vocabulary "
                                                "(weight: a count in the vocabulary's units; default: the 1,000th most frequent word's)");
    app->add_option("--top", top, "words kept per swipe, after any rescoring (0: all the search returns)")->check(count_check);
    app->add_option("--recognizer", recognizer, "neural (model + search) or geometric (templates, no model)")
        ->check(CLI::IsMember({"neural", "geometric"}));
    app->add_option("--geometric-params", geometric_params, "geometric recognizer weights (JSON, from 'glide fit-geometric')");
    app->add_option("--rescore-geometric", rescore_geometric,
                    "rescore the neural n-best: score + W * geometric score under --rescore-params (0: off; the search's n_best is the pool)");
    app->add_option("--rescore-params", rescore_params, "channel weights of the rescoring (JSON, from 'glide fit-rescore')");
    app->add_option("--model", model_dir, "model directory (config.json + model.safetensors)");
    app->add_option("--ensemble", ensemble,
                    "other model directories decoded together with --model: one search over their combined next-letter "
                    "log-probabilities (each model reads its own features; they must share --model's alphabet)");
    app->add_option("--ensemble-weights", ensemble_weights,
                    "one weight per model, --model's first, then each --ensemble's (default: equal)")
        ->delimiter(',');
    app->add_option("--ensemble-method", ensemble_method,
                    "how the models combine: product (weighted geometric mean) or mixture (weighted mean) of their next-letter "
                    "probabilities inside one search, or words (each model's whole pipeline, the word lists merged)")
        ->check(CLI::IsMember({"product", "mixture", "words"}));
    app->add_option("--vocab", vocab, "vocabulary: word list, one 'word [count]' a line");
    app->add_option("--top-words", top_words, "use only the first N words of the vocabulary (0: all)")->check(count_check);
    app->add_option("--grids", grids, "keyboard grids file(s) (name -> grid); several files load as one set");
    app->add_option("--search", search, "search: name[:key=value,...] of " + join(search_config::names()));
    app->add_option("--rerank", rerank, "Levenshtein-rerank out-of-vocabulary hypotheses within this distance (0: off)")->check(count_check);
  }
  /// The files a run reads, as (option, path): an output may be none of them.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> inputs() const {
    std::vector<std::pair<std::string, std::string>> in{{"--model", (fs::path(model_dir) / "model.safetensors").string()},
                                                        {"--model", (fs::path(model_dir) / "config.json").string()},
                                                        {"--vocab", vocab}};
    for (const auto& g : grids) in.emplace_back("--grids", g);
    for (const auto& e : ensemble) {
      in.emplace_back("--ensemble", (fs::path(e) / "model.safetensors").string());
      in.emplace_back("--ensemble", (fs::path(e) / "config.json").string());
    }
    if (recognizer == "geometric" || rescore_geometric != 0) {
      in.emplace_back("--geometric-params", geometric_params);
      in.emplace_back("--rescore-params", rescore_params);
    }
    if (!no_literal && recognizer == "neural") in.emplace_back("--literal-params", literal_params);
    if (!user_words.empty()) in.emplace_back("--user-words", user_words);
    return in;
  }
  static const swipe::language_packs& packs() {
    static const auto p = swipe::language_packs::load(GLIDE_SOURCE_DIR "/data/packs.json");
    return p;
  }
  /// Applies --language: the pack's vocabulary (made at build time), the pack's model or else the
  /// layout-conditioned model spelling words in the pack's letters, and, outside English (whose gate
  /// it was fitted on), no literal spellings unless --literal-params is given. Explicit options win.
  void resolve() {
    if (language.empty()) return;
    const auto& pack = packs().at(language);
    auto given = [&](const char* option) { return app != nullptr && app->count(option) > 0; };
    if (!given("--vocab")) vocab = std::string(GLIDE_VOCAB_DIR) + "/" + pack.code + ".tsv";
    if (!given("--model")) {
      if (!pack.model.empty()) {
        model_dir = (fs::path(GLIDE_SOURCE_DIR) / pack.model).string();
      } else {
        model_dir = GLIDE_SOURCE_DIR "/models/multi-layout";
        alphabet = pack.alphabet;
      }
    } else {
      alphabet = pack.alphabet;
    }
    if (pack.code != "en" && !given("--literal-params")) no_literal = true;
    // A layout-conditioned model (soft keys) decodes the pack with its own search.
    const auto config = fs::path(model_dir) / "config.json";
    if (!given("--search") && fs::exists(config) && glide::model::model_config::load(config.string()).soft_keys >= 2)
      search = swipe::layout_model_search;
  }
  static std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  }
};

/// The recognizer the options describe (the library's pipeline: model, vocabulary, grids, search).
std::unique_ptr<eg::loaded_recognizer> load(const model_options& o) {
  return eg::load_recognizer({.model_dir = o.model_dir, .vocabulary = o.vocab, .grid_files = o.grids, .top_words = o.top_words,
                              .alphabet = o.alphabet,
                              .search = search_config::parse(o.search), .rerank = o.rerank, .top = o.top,
                              .recognizer = o.recognizer, .geometric_params = o.geometric_params,
                              .rescore_geometric = o.rescore_geometric, .rescore_params = o.rescore_params,
                              .literal = !o.no_literal && o.recognizer == "neural", .literal_params = o.literal_params,
                              .user_shortlist = o.user_shortlist, .ensemble = o.ensemble, .ensemble_weights = o.ensemble_weights,
                              .ensemble_method = o.ensemble_method, .log = &std::cerr});
}

/// Loads the recognizer and adds --user-words: a bad line is an error naming FILE:LINE, and a word
/// the model cannot spell is an error naming it (nothing is dropped without a word).
std::unique_ptr<eg::loaded_recognizer> load_with_user_words(const model_options& o) {
  auto l = load(o);
  if (!o.user_words.empty()) {
    const auto words = read_user_words(o.user_words);
    const auto r = l->add_words(words, /*all_or_nothing=*/true);
    if (!r.rejected.empty()) {
      std::string all;
      for (std::size_t i = 0; i < r.rejected.size() && i < 5; ++i) all += (i ? "; " : "") + r.rejected[i];
      if (r.rejected.size() > 5) all += "; and " + std::to_string(r.rejected.size() - 5) + " more";
      throw parse_error(o.user_words + ": " + std::to_string(r.rejected.size()) + " word(s) cannot be added: " + all);
    }
    std::cerr << "glide: " << o.user_words << ": " << r.added << " user word(s) added, " << r.updated << " already in the vocabulary (weights raised)\n";
  }
  return l;
}

using io::prediction_line;
using io::read_predictions;

int cmd_decode(const model_options& o, std::vector<std::string> inputs) {
  if (inputs.empty()) inputs.push_back(std::string(GLIDE_SOURCE_DIR "/data/samples/") + (o.language.empty() ? "en" : o.language) + ".jsonl");
  const auto l = load_with_user_words(o);
  if (o.recognizer == "geometric")
    std::printf("geometric recognizer (%s), %zu words\n", l->geometric()->options().to_json().dump().c_str(), l->trie().word_count());
  else
    std::printf("model %s (%s encoder, %s decoder, d=%zu), %zu words%s, search %s%s, %s\n", l->name().c_str(), l->config().encoder.c_str(),
                l->config().decoder.c_str(), l->config().d_model, l->trie().word_count(),
                l->user_words()->empty() ? "" : (" + " + std::to_string(l->user_words()->size()) + " user words").c_str(),
                l->options().search.canonical().c_str(), o.rerank ? (", Levenshtein rerank " + std::to_string(o.rerank)).c_str() : "",
                l->literal().enabled ? "literal spellings on" : "literal spellings off");
  eg::loaded_recognizer::session decode{*l};
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
      std::printf("%s ->", padded(ex->word.empty() ? "?" : ex->word, 14).c_str());
      for (const auto& w : words)
        std::printf(" %s (%.2f)%s", w.word.c_str(), static_cast<double>(w.score),
                    w.origin == word_origin::literal ? " [literal]" : w.origin == word_origin::user ? " [user]" : "");
      if (words.empty()) std::printf(" (no word)");
      const auto repair = swipe::needed_time_repair(ex->curve.t);
      std::printf("   [%zu points, %zu decoder steps, %.1f ms%s]\n", ex->curve.size(), stats.decoder_steps, ms,
                  repair == swipe::time_repair::none        ? ""
                  : repair == swipe::time_repair::monotonic ? "; timestamps going backwards repaired"
                                                            : "; constant timestamps replaced");
      if (!ex->word.empty()) acc.add(words, ex->word);
    }
  }
  if (acc.count() > 0)
    std::printf("%zu swipes: Swipe MRR %.4f, accuracy@1 %.4f, accuracy@4 %.4f\n", acc.count(), acc.mrr(),
                acc.accuracy_at_1(), acc.accuracy_at_4());
  return 0;
}

/// Fails every rank when any failed: rank 0 throws naming the first failing rank and its cause (and
/// how many failed); the others throw a short note. Without failures, nothing happens.
void all_or_nothing(const ranks& w, const std::string& failure) {
  const auto failures = gather_text(w, failure);
  std::string first;
  int first_rank = -1, failed = 0;
  for (std::size_t r = 0; r < failures.size(); ++r)
    if (!failures[r].empty()) {
      ++failed;
      if (first_rank < 0) first_rank = static_cast<int>(r), first = failures[r];
    }
  const int any = broadcast_int(w, failed);
  if (any == 0) return;
  if (!w.root()) throw error("");  // rank 0 reports
  if (w.size == 1) throw error(first);
  throw error("rank " + std::to_string(first_rank) + " of " + std::to_string(w.size) + " failed" +
              (failed > 1 ? " (" + std::to_string(failed) + " ranks failed)" : "") + ": " + first);
}

/// Writes `text` to `path` durably: all of it, or (on any failure) the old file and an error naming the
/// path and the system's reason.
void write_file_atomically(const std::string& path, const std::string& text, const char* what = "predictions") {
  io::write_file_durably(path, text, what);
}

/// The prediction table's key of a run: the recognizer by its weights' content, the inputs by content.
swipe::run_key table_key(const model_options& o, const eg::loaded_recognizer& l, const std::string& data,
                                       const std::vector<swipe::swipe_example>& examples) {
  std::string grid = examples.empty() || examples[0].curve.grid ? "*" : examples[0].curve.grid_name;
  for (const auto& ex : examples)
    if (ex.curve.grid || ex.curve.grid_name != grid) grid = "*";
  auto search = l.canonical_decoding();
  // Inputs by content, not path: the same files elsewhere give the same key, a changed file a new one.
  search += ";vocab=" + io::file_content_hash(o.vocab) + ";top_words=" + std::to_string(o.top_words) + ";grids=";
  if (!o.alphabet.empty()) search = search.substr(0, search.size() - 7) + ";alphabet=" + o.alphabet + ";grids=";
  for (std::size_t i = 0; i < o.grids.size(); ++i) search += (i ? "," : "") + io::file_content_hash(o.grids[i]);
  return {l.name(), io::file_content_hash(l.weights_file()), grid, data + "#" + io::file_content_hash(data), search};
}

/// What one predict run measured, from its predictions file's text.
struct predict_summary {
  metric_accumulator all, in_vocab, out_of_vocab;
  std::size_t swipes = 0;

  static predict_summary of(const std::string& text, const std::string& where) {
    predict_summary s;
    std::istringstream in{text};
    std::string line;
    while (std::getline(in, line)) {
      ++s.swipes;
      const auto p = io::parse_prediction_line(line, where + ":" + std::to_string(s.swipes) + ": ");
      if (p.word.empty()) continue;
      s.all.add(p.predictions, p.word);
      if (p.in_vocab.value_or(false)) s.in_vocab.add(p.predictions, p.word);
      else if (p.in_vocab) s.out_of_vocab.add(p.predictions, p.word);
    }
    return s;
  }
  [[nodiscard]] swipe::run_record row(const std::string& out_path) const {
    auto fmt = [](double v) {
      char b[32];
      std::snprintf(b, sizeof b, "%.6f", v);
      return std::string(b);
    };
    const bool any = all.count() > 0;
    return {out_path, any ? fmt(all.mrr()) : "", any ? fmt(all.accuracy_at_1()) : "", any ? fmt(all.accuracy_at_4()) : "",
            std::to_string(swipes)};
  }
  void print(double secs, unsigned threads, int ranks) const {
    std::printf("%zu swipes in %.1f s (%u threads", swipes, secs, threads);
    if (ranks > 1) std::printf(" x %d ranks", ranks);
    std::printf(")");
    if (all.count() > 0)
      std::printf(": Swipe MRR %.4f, accuracy@1 %.4f, accuracy@4 %.4f", all.mrr(), all.accuracy_at_1(), all.accuracy_at_4());
    if (in_vocab.count() > 0)
      std::printf("; in-vocabulary (%zu): Swipe MRR %.4f, accuracy@1 %.4f, accuracy@4 %.4f", in_vocab.count(), in_vocab.mrr(),
                  in_vocab.accuracy_at_1(), in_vocab.accuracy_at_4());
    if (out_of_vocab.count() > 0)
      std::printf("; out-of-vocabulary (%zu): Swipe MRR %.4f, accuracy@1 %.4f, accuracy@4 %.4f", out_of_vocab.count(),
                  out_of_vocab.mrr(), out_of_vocab.accuracy_at_1(), out_of_vocab.accuracy_at_4());
    std::printf("\n");
  }
};

/// Decodes swipes [lo, hi) of `examples` into predictions-file lines; errors name data:line.
std::string predict_lines(const eg::loaded_recognizer& l, const std::string& data, const std::vector<swipe::swipe_example>& examples,
                          const std::vector<std::size_t>& lines, std::size_t lo, std::size_t hi, unsigned threads, bool progress) {
  // A bar redrawn in place on a terminal; where stderr is a log, a plain line every 10 seconds.
  const bool terminal = isatty(fileno(stderr)) != 0;
  const auto t0 = std::chrono::steady_clock::now();
  double last_shown = -1;
  auto show = [&](std::size_t d, std::size_t n) {
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (s - last_shown < (terminal ? 0.2 : 10.0) && d < n) return;
    last_shown = s;
    const double rate = s > 0 ? static_cast<double>(d) / s : 0.0;
    if (terminal) {
      const int bar = n == 0 ? 30 : static_cast<int>(30 * d / n);
      std::fprintf(stderr, "\r[%-30s] %zu/%zu  %.0f swipes/s%s", std::string(static_cast<std::size_t>(bar), '#').c_str(), d, n, rate,
                   d == n ? "\n" : "");
    } else {
      std::fprintf(stderr, "glide predict: %zu/%zu swipes, %.0f swipes/s\n", d, n, rate);
    }
  };
  const std::span<const swipe::swipe_example> shard{examples.data() + lo, hi - lo};
  std::vector<eg::recognition> results;
  try {
    results = l.recognize_batch(shard, std::max(1U, threads), progress ? std::function<void(std::size_t, std::size_t)>{show} : nullptr);
  } catch (const eg::batch_error& e) {
    throw error(data + ":" + std::to_string(lines[lo + e.index()]) + ": " + e.cause());
  }
  std::ostringstream out;
  for (std::size_t i = 0; i < shard.size(); ++i) {
    prediction_line p{shard[i].word, results[i].words, std::nullopt};
    if (!shard[i].word.empty()) p.in_vocab = l.in_vocabulary(shard[i].word);
    io::write_prediction_line(out, p);
  }
  return out.str();
}

// Under MPI each rank decodes its contiguous share of the lines (threads inside each rank as without
// MPI); rank 0 gathers them in input order, writes the file and registers the run. A rank that fails
// fails the run, naming the rank and the cause, and nothing is written or registered.
int cmd_predict(const model_options& o, const std::string& data, const std::string& out_path, unsigned threads,
                const std::string& table_path) {
  const auto w = world();
  {
    auto inputs = o.inputs();
    inputs.emplace_back("--data", data);
    inputs.emplace_back("--table", table_path);
    io::refuse_output_over_inputs("--out", out_path, inputs);
    inputs.pop_back();
    inputs.emplace_back("--out", out_path);
    io::refuse_output_over_inputs("--table", table_path, inputs);
  }
  const auto t0 = std::chrono::steady_clock::now();
  std::string text, failure;
  std::unique_ptr<eg::loaded_recognizer> l;
  std::vector<swipe::swipe_example> examples;
  try {
    l = load_with_user_words(o);
    std::vector<std::size_t> lines;  // each example's line in `data`, for error messages
    examples = swipe::read_jsonl(data, l->grids(), &lines);
    if (w.root()) report_time_repairs(data, examples);
    const auto n = examples.size(), r = static_cast<std::size_t>(w.rank), size = static_cast<std::size_t>(w.size);
    text = predict_lines(*l, data, examples, lines, n * r / size, n * (r + 1) / size, threads, w.root());
  } catch (const std::exception& e) {
    failure = e.what();
    if (failure.empty()) failure = "unknown error";
  }
  all_or_nothing(w, failure);
  const auto shards = gather_text(w, text);
  if (!w.root()) return 0;
  std::string all;
  for (const auto& s : shards) all += s;
  // The key hashes the inputs before anything is written.
  const auto key = table_path.empty() ? swipe::run_key{} : table_key(o, *l, data, examples);
  write_file_atomically(out_path, all);
  const auto summary = predict_summary::of(all, out_path);
  summary.print(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), std::max(1U, threads), w.size);
  if (!table_path.empty()) {
    // Under the table's lock: runs registering at once each keep their row.
    swipe::prediction_table::update(table_path, [&](swipe::prediction_table& t) { t.put(key, summary.row(out_path)); });
    std::printf("registered in %s\n", table_path.c_str());
  }
  return 0;
}

// A sweep: jobs (model x search x dataset, each a predict run with its own output) spread over the
// ranks, job j on rank j mod ranks; every rank skips jobs already in the table; rank 0 registers the
// finished ones. A failed job fails the sweep (naming rank, job and cause); the jobs that finished
// are registered all the same, and a rerun does only what is missing.
int cmd_sweep(const model_options& defaults, const std::string& jobs_path, const std::string& table_path, unsigned threads) {
  const auto w = world();
  const auto jobs = io::read_json_file(jobs_path, "sweep jobs");
  if (!jobs.is_array()) throw parse_error(jobs_path + ": a sweep is a JSON array of jobs");
  const auto table = swipe::prediction_table::load(table_path);
  // Every job is read and checked before any runs: options, and outputs that would collide (two jobs
  // writing one file, a job writing another's input or the table) refuse the sweep.
  struct sweep_job {
    model_options o;
    std::string data, out;
  };
  std::vector<sweep_job> parsed;
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    const std::string where = jobs_path + ": job " + std::to_string(j);
    try {
      const auto& job = jobs[j];
      if (!job.is_object()) throw parse_error("not a JSON object");
      sweep_job sj{defaults, {}, {}};
      auto& o = sj.o;
      for (const auto& [k, v] : job.items()) {
        if (k == "model") o.model_dir = v.get<std::string>();
        else if (k == "search") o.search = v.get<std::string>();
        else if (k == "vocab") o.vocab = v.get<std::string>();
        else if (k == "grids") o.grids = v.is_string() ? std::vector<std::string>{v.get<std::string>()} : v.get<std::vector<std::string>>();
        else if (k == "top") o.top = io::json_count(v, "'top'");
        else if (k == "rescore_geometric") o.rescore_geometric = v.get<float>();
        else if (k == "rescore_params") o.rescore_params = v.get<std::string>();
        else if (k == "literal_params") o.literal_params = v.get<std::string>();
        else if (k == "literal") o.no_literal = !v.get<bool>();
        else if (k == "user_words") o.user_words = v.get<std::string>();
        else if (k == "ensemble") o.ensemble = v.is_string() ? std::vector<std::string>{v.get<std::string>()} : v.get<std::vector<std::string>>();
        else if (k == "ensemble_weights") o.ensemble_weights = v.get<std::vector<float>>();
        else if (k == "ensemble_method") o.ensemble_method = v.get<std::string>();
        else if (k == "data") sj.data = v.get<std::string>();
        else if (k == "out") sj.out = v.get<std::string>();
        else throw parse_error("unknown job option '" + k + "'");
      }
      if (sj.data.empty() || sj.out.empty()) throw parse_error("a job needs 'data' and 'out'");
      auto inputs = o.inputs();
      inputs.emplace_back("'data'", sj.data);
      inputs.emplace_back("--table", table_path);
      io::refuse_output_over_inputs("'out'", sj.out, inputs);
      for (std::size_t e = 0; e < parsed.size(); ++e) {
        if (io::same_file(sj.out, parsed[e].out))
          throw config_error("'out' '" + sj.out + "' is also job " + std::to_string(e) + "'s 'out' '" + parsed[e].out +
                             "': each job needs its own output");
        if (io::same_file(sj.out, parsed[e].data) || io::same_file(parsed[e].out, sj.data))
          throw config_error("job " + std::to_string(e) + " reads what this job writes, or writes what it reads ('" + sj.data + "' -> '" +
                             sj.out + "', '" + parsed[e].data + "' -> '" + parsed[e].out + "')");
      }
      parsed.push_back(std::move(sj));
    } catch (const nlohmann::json::exception& e) {
      if (!w.root()) throw error("");  // every rank finds the same fault; rank 0 reports it
      throw parse_error(where + ": " + e.what());
    } catch (const error& e) {
      if (!w.root()) throw error("");
      throw config_error(where + ": " + e.what());
    }
  }
  std::string rows, failure;  // rows: one JSON line per finished job
  std::size_t done = 0, skipped = 0;
  for (std::size_t j = static_cast<std::size_t>(w.rank); j < jobs.size(); j += static_cast<std::size_t>(w.size)) {
    const std::string where = jobs_path + ": job " + std::to_string(j);
    try {
      const auto& o = parsed[j].o;
      const auto& data = parsed[j].data;
      const auto& out = parsed[j].out;
      const auto l = load_with_user_words(o);
      std::vector<std::size_t> lines;
      const auto examples = swipe::read_jsonl(data, l->grids(), &lines);
      const auto key = table_key(o, *l, data, examples);
      if (table.find(key)) {
        ++skipped;
        continue;
      }
      const auto text = predict_lines(*l, data, examples, lines, 0, examples.size(), threads, false);
      write_file_atomically(out, text);
      const auto row = predict_summary::of(text, out).row(out);
      rows += json{{"key", {key.model, key.weights, key.grid, key.dataset, key.search}},
                   {"row", {row.predictions, row.mrr, row.accuracy_at_1, row.accuracy_at_4, row.examples}}}.dump() + "\n";
      ++done;
    } catch (const std::exception& e) {
      if (failure.empty()) failure = where + ": " + e.what();
    }
  }
  const auto all_rows = gather_text(w, rows);
  const auto counts = gather_text(w, std::to_string(done) + " " + std::to_string(skipped));
  if (w.root()) {
    std::size_t total_done = 0, total_skipped = 0;
    for (const auto& c : counts) {
      std::istringstream in{c};
      std::size_t d = 0, s = 0;
      in >> d >> s;
      total_done += d;
      total_skipped += s;
    }
    // Under the table's lock, re-read: other runs may have registered since the sweep began.
    if (total_done > 0)
      swipe::prediction_table::update(table_path, [&](swipe::prediction_table& t) {
        for (const auto& text : all_rows) {
          std::istringstream in{text};
          std::string line;
          while (std::getline(in, line)) {
            const auto j = json::parse(line);
            const auto& k = j["key"];
            const auto& r = j["row"];
            t.put({k[0].get<std::string>(), k[1].get<std::string>(), k[2].get<std::string>(), k[3].get<std::string>(),
                   k[4].get<std::string>()},
                  {r[0].get<std::string>(), r[1].get<std::string>(), r[2].get<std::string>(), r[3].get<std::string>(),
                   r[4].get<std::string>()});
          }
        }
      });
    std::printf("sweep: %zu jobs on %d rank(s): %zu run and registered in %s, %zu already there\n", jobs.size(), w.size, total_done,
                table_path.c_str(), total_skipped);
  }
  all_or_nothing(w, failure);
  return 0;
}

// glide teach: the data's swipes, each with what a recognizer read for it (its predictions file, line
// for line, e.g. an ensemble's `glide predict`) as a "teacher" list, for a trainer's teacher_weight
// (distillation; swipe/dataset.hpp). A list: the first `top` words (0: all), each with the softmax of
// the list's scores / temperature, in the spelling a swipe has (fold_plain: "Boston" and "boston" add
// up), those under min_p left out. The lines are kept as they are, "teacher" added (or replaced).
int cmd_teach(const std::string& data, const std::string& predictions_path, const std::string& out_path, std::size_t top,
              double temperature, double min_p, bool where_right) {
  if (!(temperature > 0) || !std::isfinite(temperature)) throw config_error("teach: --temperature must be a finite number > 0");
  if (!(min_p >= 0 && min_p <= 1)) throw config_error("teach: --min-p must be in [0, 1]");
  io::refuse_output_over_inputs("--out", out_path, {{"--data", data}, {"--predictions", predictions_path}});
  const auto predictions = read_predictions(predictions_path);
  std::ifstream in{data};
  if (!in) throw io_error("cannot open dataset '" + data + "'");
  swipe::jsonl_reader reader{in, data};
  std::ostringstream text;
  std::size_t n = 0, taught = 0, entries = 0;
  while (const auto read = reader.next()) {
    const auto& ex = *read;
    auto& j = reader.last_json();
    const std::string where = data + ":" + std::to_string(reader.line()) + ": ";
    if (n >= predictions.size())
      throw shape_error(where + "has no prediction: " + predictions_path + " holds " + std::to_string(predictions.size()) +
                        " lines, fewer than the data's swipes (predictions of another file?)");
    const auto& p = predictions[n++];
    if (!p.word.empty() && !ex.word.empty() && p.word != ex.word)
      throw shape_error(where + "the swipe of '" + excerpt(ex.word) + "', but line " + std::to_string(n) + " of " + predictions_path +
                        " predicts '" + excerpt(p.word) + "' (predictions of another file?)");
    // --where-right: a list only where the teacher's first word is the swipe's label (it then says which
    // words are close to the right one, never that a wrong one is right).
    const bool right = !ex.word.empty() && hit_at(p.predictions, ex.word, 1);
    const std::size_t k = where_right && !right ? 0 : top == 0 ? p.predictions.size() : std::min(top, p.predictions.size());
    double best = -std::numeric_limits<double>::infinity(), total = 0;
    for (const auto& w : p.predictions) best = std::max(best, static_cast<double>(w.score));
    std::vector<double> weight;
    for (const auto& w : p.predictions) weight.push_back(std::exp((static_cast<double>(w.score) - best) / temperature));
    for (double w : weight) total += w;
    std::vector<std::pair<std::string, double>> list;
    for (std::size_t i = 0; i < k; ++i) {
      const double prob = weight[i] / total;
      const auto spelled = fold_plain(p.predictions[i].word);
      const auto same = std::find_if(list.begin(), list.end(), [&](const auto& e) { return e.first == spelled; });
      if (same != list.end()) same->second += prob;
      else list.emplace_back(spelled, prob);
    }
    auto t = json::array();
    for (const auto& [word, prob] : list)
      if (prob >= min_p && !word.empty()) t.push_back(json::array({word, std::round(prob * 1e4) / 1e4}));
    if (t.empty()) j.erase("teacher");
    else {
      j["teacher"] = std::move(t);
      ++taught;
      entries += j["teacher"].size();
    }
    text << j.dump() << '\n';
  }
  if (n != predictions.size())
    throw shape_error(predictions_path + " holds " + std::to_string(predictions.size()) + " lines but " + data + " " +
                      std::to_string(n) + " swipes (predictions of another file?)");
  write_file_atomically(out_path, text.str(), "teacher swipes");
  std::printf("%zu swipes, %zu with teacher lists (%.2f words each), in %s\n", n, taught,
              taught == 0 ? 0.0 : static_cast<double>(entries) / static_cast<double>(taught), out_path.c_str());
  return 0;
}

int cmd_evaluate(const std::string& path, std::size_t confusions) {
  metric_accumulator acc, in_vocab_acc, out_acc;
  std::map<std::pair<std::string, std::string>, std::size_t> confused;  // (target, top-1) of wrong top-1s
  std::size_t line = 0;
  for (const auto& p : read_predictions(path)) {
    ++line;
    if (p.word.empty()) throw parse_error(path + ": prediction " + std::to_string(line) + " has no target 'word' to evaluate against");
    acc.add(p.predictions, p.word);
    if (p.in_vocab.value_or(false)) in_vocab_acc.add(p.predictions, p.word);
    else if (p.in_vocab) out_acc.add(p.predictions, p.word);
    const std::string top = p.predictions.empty() ? "(no word)" : p.predictions.front().word;
    if (fold_plain(top) != fold_plain(p.word)) ++confused[{p.word, top}];
  }
  std::printf("%zu predictions: Swipe MRR %.4f, accuracy@1 %.4f, accuracy@4 %.4f\n", acc.count(), acc.mrr(),
              acc.accuracy_at_1(), acc.accuracy_at_4());
  if (in_vocab_acc.count() > 0)
    std::printf("%zu in-vocabulary: Swipe MRR %.4f, accuracy@1 %.4f, accuracy@4 %.4f\n", in_vocab_acc.count(), in_vocab_acc.mrr(),
                in_vocab_acc.accuracy_at_1(), in_vocab_acc.accuracy_at_4());
  if (out_acc.count() > 0)
    std::printf("%zu out-of-vocabulary: Swipe MRR %.4f, accuracy@1 %.4f, accuracy@4 %.4f\n", out_acc.count(), out_acc.mrr(),
                out_acc.accuracy_at_1(), out_acc.accuracy_at_4());
  if (confusions > 0) {
    std::vector<std::pair<std::size_t, std::pair<std::string, std::string>>> top;
    for (const auto& [k, n] : confused) top.push_back({n, k});
    std::stable_sort(top.begin(), top.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    if (top.size() > confusions) top.resize(confusions);
    std::printf("commonest confusions (target -> top-1: count):\n");
    for (const auto& [n, k] : top) std::printf("  %s -> %s: %zu\n", k.first.c_str(), k.second.c_str(), n);
  }
  return 0;
}

std::string file_text(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in) throw io_error("cannot open '" + path + "'");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// `glide quantize`: the model in `in_dir` with its matrices (tensors of two or more dimensions and at
// least `min_elements` values) stored as per-output-channel int8, written to `out_dir` with its
// config; the reader dequantizes on load. Prints each tensor's largest rounding error and the sizes.
// With `to_float32`, the other way: an int8 model's weights written as float32 (to train on from
// exactly these values, or for a runtime that reads float32 alone).
int cmd_quantize(const std::string& in_dir, const std::string& out_dir, std::size_t min_elements, bool to_float32,
                 const std::vector<std::string>& command) {
  const auto in_file = (fs::path(in_dir) / "model.safetensors").string();
  const auto in_config = (fs::path(in_dir) / "config.json").string();
  if (!fs::is_regular_file(in_file) || !fs::is_regular_file(in_config))
    throw io_error("quantize: '" + in_dir + "' is not a model directory (config.json and model.safetensors)");
  if (fs::exists(out_dir) && fs::equivalent(in_dir, out_dir))
    throw config_error("quantize: --out '" + out_dir + "' is the model directory itself; write the new model elsewhere");
  const auto config = glide::model::model_config::load(in_config);
  const auto weights = io::safetensors_file::load(in_file);
  (void)eg::make_model(config, weights, in_file);  // the model must load before it is quantized
  if (!to_float32 && !weights.quantized().empty()) throw config_error("quantize: '" + in_file + "' is already quantized");
  if (to_float32 && weights.quantized().empty()) throw config_error("quantize --float32: '" + in_file + "' is float32 already");
  const auto code = io::code_version_of(GLIDE_SOURCE_DIR);  // before this command changes any tracked file
  std::set<std::string> as_int8;
  std::size_t int8_values = 0, f32_values = 0;
  for (const auto& [name, t] : weights.tensors()) {
    if (!to_float32 && t.shape.size() >= 2 && t.numel() >= min_elements) {
      as_int8.insert(name);
      int8_values += t.numel();
    } else {
      f32_values += t.numel();
    }
  }
  auto metadata = weights.metadata();
  if (to_float32) {
    metadata.erase("glide.quantization");
    metadata["glide.dequantized_from"] = in_file;
  } else {
    metadata["glide.quantization"] = "int8, one scale an output channel, for matrices of at least " + std::to_string(min_elements) + " values";
    metadata["glide.quantized_from"] = in_file;
  }
  fs::create_directories(out_dir);
  const auto out_file = (fs::path(out_dir) / "model.safetensors").string();
  io::save_safetensors(out_file, weights.tensors(), metadata, as_int8);
  io::write_file_durably((fs::path(out_dir) / "config.json").string(), file_text(in_config), "model config");
  for (const char* extra : {"metrics.csv", "metrics.svg"})
    if (fs::is_regular_file(fs::path(in_dir) / extra))
      io::write_file_durably((fs::path(out_dir) / extra).string(), file_text((fs::path(in_dir) / extra).string()), extra);
  // The new model loads, and each int8 tensor as written is within its rounding of the source.
  const auto written = io::safetensors_file::load(out_file);
  (void)eg::make_model(config, written, out_file);
  double worst = 0;
  for (const auto& name : as_int8) {
    const auto& a = weights.tensors().at(name).data;
    const auto& b = written.tensors().at(name).data;
    double err = 0, peak = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
      err = std::max(err, static_cast<double>(std::abs(a[i] - b[i])));
      peak = std::max(peak, static_cast<double>(std::abs(a[i])));
    }
    worst = std::max(worst, peak > 0 ? err / peak : 0.0);
  }
  // The run's record: the source's sessions, then this command.
  if (fs::is_regular_file(fs::path(in_dir) / "record.json"))
    io::write_file_durably((fs::path(out_dir) / "record.json").string(), file_text((fs::path(in_dir) / "record.json").string()), "run record");
  else
    fs::remove(fs::path(out_dir) / "record.json");  // another model's record must not carry over
  io::append_run_session(out_dir, {{"started", io::utc_now()},
                                   {"command", command},
                                   {"cwd", fs::current_path().string()},
                                   {"code", code.to_json()},
                                   {"data", {io::data_file_record("model", in_file), io::data_file_record("config", in_config)}}});
  std::printf("%zu tensors (%zu values) as int8, %zu values kept as float32; largest rounding error %.4f of a tensor's largest "
              "value\n%s: %ju bytes (was %ju)\n",
              as_int8.size(), int8_values, f32_values, worst, out_file.c_str(), static_cast<std::uintmax_t>(fs::file_size(out_file)),
              static_cast<std::uintmax_t>(fs::file_size(in_file)));
  return 0;
}

// `glide prepare`: JSONL swipe files -> a folder of feature shards (swipe/shards.hpp) that a trainer maps
// into memory; with --model (a model directory or its config.json), each swipe's model input too, as
// that config computes it, and words the model cannot spell skipped. Prints what was written and what
// was skipped (counted by reason, the first lines named).
int cmd_prepare(const std::string& out_dir, const std::string& model, const std::vector<std::string>& grid_files, std::size_t per_shard,
                const std::vector<std::string>& inputs) {
  const auto t0 = std::chrono::steady_clock::now();
  {
    std::vector<std::pair<std::string, std::string>> read;
    for (const auto& p : inputs) read.emplace_back("the input", p);
    for (const auto& g : grid_files) read.emplace_back("--grids", g);
    io::refuse_output_over_inputs("--out", (fs::path(out_dir) / swipe::shard_manifest_name).string(), read);
  }
  swipe::prepare_options o{.inputs = inputs, .out_dir = out_dir, .examples_per_shard = per_shard, .grids = swipe::grid_set::load(grid_files),
                           .log = &std::cerr};
  std::string config_path;
  if (!model.empty()) {
    config_path = fs::is_directory(model) ? (fs::path(model) / "config.json").string() : model;
    o.features = swipe::shard_features_for(glide::model::model_config::load(config_path));
  }
  const auto s = swipe::prepare_shards(std::move(o));
  std::uintmax_t input_bytes = 0;
  for (const auto& src : s.sources) input_bytes += src.bytes;
  std::printf("%zu swipes from %zu file(s) (%ju bytes) -> %zu shard(s) in %s (%ju bytes) in %.1f s\n", s.examples, s.sources.size(),
              input_bytes, s.shards.size(), out_dir.c_str(), static_cast<std::uintmax_t>(s.bytes()),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  if (s.features)
    std::printf("features of %s: max_points %zu, soft_keys %zu, key_sigma %g, alphabet \"%s\"\n", config_path.c_str(), s.features->max_points,
                s.features->soft_keys, static_cast<double>(s.features->key_sigma), excerpt(s.features->alphabet, 200).c_str());
  else
    std::printf("no features (give --model to store a model's inputs too)\n");
  if (s.teacher_lists_dropped > 0)
    std::printf("%zu swipes' teacher lists not kept (shards hold the words; train with teacher_weight from the JSONL)\n",
                s.teacher_lists_dropped);
  if (s.skipped == 0) {
    std::printf("skipped 0 lines\n");
    return 0;
  }
  std::string reasons;
  for (const auto& [why, n] : s.skipped_by_reason) reasons += (reasons.empty() ? "" : ", ") + std::to_string(n) + " " + why;
  std::printf("skipped %zu line(s): %s\n", s.skipped, reasons.c_str());
  for (const auto& line : s.first_skipped) std::printf("  %s\n", line.c_str());
  if (s.skipped > s.first_skipped.size()) std::printf("  ... and %zu more\n", s.skipped - s.first_skipped.size());
  return 0;
}

// `glide runs`: the training runs under each folder (model directories with metrics.csv or
// record.json), a line each: validations, last step, best real and synthetic validation MRR, whether
// finished, recorded sessions, the code version of the last session and the weights' size.
int cmd_runs(const std::vector<std::string>& roots, bool as_json) {
  json all = json::array();
  if (!as_json)
    std::printf("%-36s %5s %7s %-19s %9s %8s %8s %-14s %9s\n", "run", "valid", "step", "best real MRR (step)", "synthetic", "finished",
                "sessions", "commit", "weights");
  for (const auto& root : roots)
    for (const auto& r : io::list_runs(root)) {
      const std::string commit = r.commit.empty() ? "-" : r.commit.substr(0, 10) + (r.dirty ? "+dirty" : "");
      if (as_json) {
        all.push_back({{"dir", r.dir.string()}, {"validations", r.validations}, {"last_step", r.last_step},
                       {"best_real_mrr", r.best_real ? json(*r.best_real) : json(nullptr)}, {"best_real_step", r.best_real_step},
                       {"best_synthetic_mrr", r.best_synthetic ? json(*r.best_synthetic) : json(nullptr)}, {"finished", r.finished},
                       {"sessions", r.sessions}, {"commit", r.commit}, {"dirty", r.dirty}, {"model_bytes", r.model_bytes}});
        continue;
      }
      char real[32] = "-", syn[16] = "-", size[16] = "-";
      if (r.best_real) std::snprintf(real, sizeof real, "%.4f (%zu)", *r.best_real, r.best_real_step);
      if (r.best_synthetic) std::snprintf(syn, sizeof syn, "%.4f", *r.best_synthetic);
      if (r.model_bytes > 0) std::snprintf(size, sizeof size, "%.2f MB", static_cast<double>(r.model_bytes) / 1e6);
      std::printf("%-36s %5zu %7zu %-19s %9s %8s %8zu %-14s %9s\n", r.dir.string().c_str(), r.validations, r.last_step, real, syn,
                  r.finished ? "yes" : "no", r.sessions, commit.c_str(), size);
    }
  if (as_json) std::printf("%s\n", all.dump(2).c_str());
  return 0;
}

// Prints fitted options on one line and, when `out_path` is given, writes them there (indented).
void print_and_save(const json& j, const std::string& out_path) {
  std::printf("%s\n", j.dump().c_str());
  if (out_path.empty()) return;
  io::write_file_durably(out_path, j.dump(2) + "\n", "fitted options");
}

int cmd_fit_geometric(model_options o, const std::string& data, const std::string& out_path, std::size_t pool) {
  o.recognizer = "geometric";
  if (!fs::exists(o.geometric_params)) o.geometric_params.clear();
  {
    auto inputs = o.inputs();
    inputs.emplace_back("--data", data);
    io::refuse_output_over_inputs("--out", out_path, inputs);
  }
  const auto l = load(o);
  const auto examples = swipe::read_jsonl(data, l->grids());
  report_time_repairs(data, examples);
  const auto t0 = std::chrono::steady_clock::now();
  auto start = l->geometric()->options();
  const auto fit = swipe::fit_geometric_options(*l->geometric(), examples, start, pool);
  std::printf("%zu swipes (target among the %zu candidates: %zu), fitted in %.1f s: accuracy@1 %.4f, Swipe MRR %.4f\n", fit.swipes,
              pool, fit.target_in_pool, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
              fit.accuracy_at_1, fit.mrr);
  print_and_save(fit.options.to_json(), out_path);
  return 0;
}

// Fits the rescoring's channel weights on a neural predictions file of labelled swipes (its n-best
// lists, e.g. from predict --rescore-geometric 0 --top 0) and the same swipes; starts from
// --geometric-params scaled by --rescore-geometric.
int cmd_fit_rescore(model_options o, const std::string& data, const std::string& predictions_path, const std::string& out_path) {
  o.recognizer = "geometric";  // load the geometric recognizer (with --geometric-params)
  {
    auto inputs = o.inputs();
    inputs.emplace_back("--data", data);
    inputs.emplace_back("--predictions", predictions_path);
    io::refuse_output_over_inputs("--out", out_path, inputs);
  }
  const auto l = load(o);
  const auto examples = swipe::read_jsonl(data, l->grids());
  report_time_repairs(data, examples);
  auto lines = read_predictions(predictions_path);
  {
    std::vector<std::string> targets;
    for (const auto& ex : examples) targets.push_back(ex.word);
    io::check_same_swipes(targets, data, io::targets_of(lines), predictions_path);
  }
  std::vector<prediction> lists;
  for (auto& p : lines) lists.push_back(std::move(p.predictions));
  auto start = l->geometric()->options();
  for (float* w : {&start.start_weight, &start.end_weight, &start.location_weight, &start.shape_weight, &start.prior_weight})
    *w *= o.rescore_geometric;
  const auto fit = swipe::fit_rescoring(*l->geometric(), examples, lists, start);
  std::printf("%zu swipes (target among the candidates: %zu): accuracy@1 %.4f with the starting weights, %.4f fitted (Swipe MRR %.4f)\n",
              fit.swipes, fit.target_in_pool, fit.start_accuracy_at_1, fit.accuracy_at_1, fit.mrr);
  print_and_save(fit.options.to_json(), out_path);
  return 0;
}

// Decodes labelled (validation) swipes with literal spellings as candidates and fits the gate that
// ranks them (swipe/literal.hpp), printing the accuracy without and with it.
int cmd_fit_literal(model_options o, const std::string& data, const std::string& out_path, unsigned threads, std::size_t reserve_rank,
                    double max_in_vocab_loss) {
  o.no_literal = false;
  if (!fs::exists(o.literal_params)) o.literal_params.clear();
  {
    auto inputs = o.inputs();
    if (o.literal_params.empty()) std::erase_if(inputs, [](const auto& in) { return in.first == "--literal-params"; });
    inputs.emplace_back("--data", data);
    io::refuse_output_over_inputs("--out", out_path, inputs);
  }
  const auto l = load(o);
  const auto examples = swipe::read_jsonl(data, l->grids());
  report_time_repairs(data, examples);
  std::vector<swipe::literal_pool> pools(examples.size());
  std::atomic<std::size_t> next{0};
  std::string failure;
  std::mutex m;
  auto work = [&] {
    eg::loaded_recognizer::session s{*l};
    for (std::size_t i = next++; i < examples.size(); i = next++) {
      try {
        if (examples[i].word.empty()) throw parse_error("swipe " + std::to_string(i + 1) + " has no target word");
        pools[i] = {s.candidates(examples[i].curve).first, examples[i].word, l->in_vocabulary(examples[i].word)};
      } catch (const std::exception& e) {
        std::lock_guard lock{m};
        if (failure.empty()) failure = data + ": " + e.what();
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < std::max(1U, threads); ++t) pool.emplace_back(work);
  for (auto& t : pool) t.join();
  if (!failure.empty()) throw error(failure);
  auto start = l->literal();
  start.reserve_rank = reserve_rank;
  const auto fit = swipe::fit_literal_gate(pools, start, max_in_vocab_loss);
  std::printf("%zu swipes, target among the literal spellings on %zu\n", fit.swipes, fit.target_literal);
  std::printf("without literal spellings: accuracy@1 %.4f, accuracy@4 %.4f, Swipe MRR %.4f\n", fit.off_accuracy_at_1,
              fit.off_accuracy_at_4, fit.off_mrr);
  std::printf("with the fitted gate:      accuracy@1 %.4f, accuracy@4 %.4f, Swipe MRR %.4f\n", fit.accuracy_at_1, fit.accuracy_at_4,
              fit.mrr);
  std::printf("in-vocabulary accuracy@1: %.4f without, %.4f with (allowed loss %.4f)\n", fit.off_in_vocab_accuracy_at_1,
              fit.in_vocab_accuracy_at_1, max_in_vocab_loss);
  print_and_save(fit.options.to_json(), out_path);
  return 0;
}

// Measures real swipes against synthetic ones of the same words on the same grids, fits the
// synthesizer's typical user to the real ones, prints the three side by side and writes the fit.
int cmd_synth_fit(const std::vector<std::string>& grid_files, const std::string& data, std::size_t limit,
                  const std::string& out_path, const std::string& plot_path) {
  {
    std::vector<std::pair<std::string, std::string>> inputs{{"--data", data}};
    for (const auto& g : grid_files) inputs.emplace_back("--grids", g);
    io::refuse_output_over_inputs("--out", out_path, inputs);
    inputs.emplace_back("--out", out_path);
    io::refuse_output_over_inputs("--plot", plot_path, inputs);
  }
  const auto grids = swipe::grid_set::load(grid_files);
  std::vector<swipe::swipe_example> examples;
  {
    // Every k-th line, so a limit still spans the whole file (its users and keyboards).
    auto all = swipe::read_jsonl(data, grids);
    report_time_repairs(data, all);
    for (const auto& ex : all)
      if (ex.word.empty()) throw parse_error(data + ": a swipe has no 'word' to measure against");
    const std::size_t step = limit == 0 || all.size() <= limit ? 1 : all.size() / limit;
    for (std::size_t i = 0; i < all.size() && (limit == 0 || examples.size() < limit); i += step) examples.push_back(std::move(all[i]));
  }
  auto grid_of = [&](const swipe::swipe_example& ex) -> const swipe::keyboard_grid& {
    return ex.curve.grid ? *ex.curve.grid : grids.at(ex.curve.grid_name);
  };
  const swipe::synthesizer_options before{};
  const auto t0 = std::chrono::steady_clock::now();
  const auto fit = swipe::fit_synthesizer(examples, grid_of, before);
  const auto& real = fit.real;
  const auto syn_before = swipe::measure_synthetic(examples, grid_of, before, 2);
  const auto syn_after = swipe::measure_synthetic(examples, grid_of, fit.options, 2);
  std::printf("%zu swipes of %s; fitted in %.1f s; distance (sum of squared decile gaps in real 10-90%% spreads): %.2f -> %.2f\n",
              examples.size(), data.c_str(), std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
              fit.distance_before, fit.distance_after);
  std::printf("%-14s %-24s %-24s %-24s\n", "measure", "real 10/50/90%", "synthetic (default)", "synthetic (fitted)");
  for (std::size_t m = 0; m < swipe::swipe_measures::names.size(); ++m) {
    auto cell = [&](const swipe::swipe_measures& s) {
      char b[64];
      std::snprintf(b, sizeof b, "%.2f / %.2f / %.2f", s.quantile(m, 0.1), s.quantile(m, 0.5), s.quantile(m, 0.9));
      return std::string(b);
    };
    std::printf("%-14s %-24s %-24s %-24s\n", swipe::swipe_measures::names[m], cell(real).c_str(), cell(syn_before).c_str(),
                cell(syn_after).c_str());
  }
  print_and_save(fit.options.to_json(), out_path);
  if (!plot_path.empty()) {
    // One panel per measure: the share of swipes per bin, real, default synthetic and fitted
    // synthetic, over the real 1-99% range.
    std::vector<examples::plot_panel> panels;
    for (std::size_t m = 0; m < swipe::swipe_measures::names.size(); ++m) {
      const double lo = real.quantile(m, 0.01), hi = std::max(real.quantile(m, 0.99), lo + 1e-6);
      constexpr int bins = 40;
      std::vector<double> xs(bins);
      for (int b = 0; b < bins; ++b) xs[static_cast<std::size_t>(b)] = lo + (hi - lo) * (b + 0.5) / bins;
      auto hist = [&](const swipe::swipe_measures& s) {
        std::vector<double> h(bins, 0.0);
        for (double v : s.values[m]) {
          const int b = static_cast<int>((v - lo) / (hi - lo) * bins);
          if (b >= 0 && b < bins) h[static_cast<std::size_t>(b)] += 1.0 / static_cast<double>(s.values[m].size());
        }
        return h;
      };
      panels.push_back({swipe::swipe_measures::names[m], swipe::swipe_measures::names[m], "share of swipes", xs,
                        {{"real", hist(real), "#2ca02c"}, {"synthetic (default)", hist(syn_before), "#1f77b4"},
                         {"synthetic (fitted)", hist(syn_after), "#d62728"}}});
    }
    examples::write_svg_plot(plot_path, panels, 2, 420, 170);
    std::printf("plot: %s\n", plot_path.c_str());
  }
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
  {
    std::vector<std::pair<std::string, std::string>> inputs;
    for (const auto& f : fit) inputs.emplace_back("--fit", f);
    for (const auto& a : apply) inputs.emplace_back("--apply", a);
    io::refuse_output_over_inputs("--out", out_path, inputs);
  }
  auto load_all = [](const std::vector<std::string>& paths) {
    std::vector<std::vector<prediction_line>> all;
    for (const auto& p : paths) all.push_back(read_predictions(p));
    // Lines are paired by position: the files must describe the same swipes.
    for (std::size_t m = 1; m < all.size(); ++m)
      try {
        io::check_same_swipes(io::targets_of(all[0]), paths[0], io::targets_of(all[m]), paths[m]);
      } catch (const error& e) {
        throw shape_error(std::string("aggregate: ") + e.what());
      }
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
  std::ostringstream out;
  metric_accumulator acc;
  for (std::size_t i = 0; i < t[0].size(); ++i) {
    std::vector<prediction> row;
    for (const auto& m : t) row.push_back(m[i].predictions);
    const auto merged = agg(row);
    if (!t[0][i].word.empty()) acc.add(merged, t[0][i].word);
    io::write_prediction_line(out, {t[0][i].word, merged, t[0][i].in_vocab});
  }
  write_file_atomically(out_path, out.str(), "merged predictions");
  if (acc.count())
    std::printf("%zu merged: Swipe MRR %.4f, accuracy@1 %.4f\n", acc.count(), acc.mrr(), acc.accuracy_at_1());
  return 0;
}

/// What `glide synth` makes: --words, or --draw words drawn by their counts from --vocab (a language
/// pack's vocabulary by default), each labelled as written and swiped as the layout spells it (café on
/// a layout without é: c-a-f-e).
struct synth_request {
  std::string grids = GLIDE_SOURCE_DIR "/data/grids/grids.json", grid = "qwerty_english", words, out, options;
  std::string language, vocab;
  std::size_t count = 1, draw = 0;
  std::uint32_t seed = 1;
};

int cmd_synth(synth_request r, CLI::App* cmd) {
  if (!r.language.empty()) {
    const auto& pack = model_options::packs().at(r.language);
    if (cmd->count("--grid") == 0) r.grid = pack.grid;
    if (r.vocab.empty()) r.vocab = std::string(GLIDE_VOCAB_DIR) + "/" + pack.code + ".tsv";
  }
  if (r.words.empty() == (r.draw == 0)) throw config_error("synth: give --words or --draw (not both)");
  if (r.draw > 0 && r.vocab.empty()) throw config_error("synth: --draw needs --vocab or --language");
  io::refuse_output_over_inputs("--out", r.out, {{"--grids", r.grids}, {"--synthesizer", r.options}, {"--vocab", r.vocab}});
  const auto grids = swipe::grid_set::load(r.grids);
  const auto options = r.options.empty() ? swipe::synthesizer_options{} : swipe::synthesizer_options::load(r.options);
  const auto& grid = grids.at(r.grid);
  const swipe::swipe_synthesizer synth{grid, options};
  std::mt19937 rng{r.seed};
  // The words and how the layout spells them.
  std::vector<std::pair<std::string, std::string>> words;  // (as written, as swiped)
  std::vector<double> counts;
  if (r.draw > 0) {
    std::string letters;
    for (std::size_t k = 0; k < grid.letter_count(); ++k) utf8::append(letters, grid.letter(k).character);
    const char_tokenizer keys{letters};
    const auto list = read_word_list(r.vocab, keys, {.skip_unencodable = true, .fold = true});
    if (list.words.empty()) throw config_error("synth: no word of '" + r.vocab + "' can be typed on grid '" + r.grid + "'");
    for (std::size_t i = 0; i < list.words.size(); ++i) {
      words.emplace_back(list.shown[i], keys.decode(list.words[i].tokens));
      counts.push_back(list.words[i].count);
    }
  } else {
    for (const auto& w : split(r.words)) words.emplace_back(w, w);
  }
  const std::size_t per_round = r.draw > 0 ? r.draw : words.size();
  const bool to_file = !r.out.empty() && r.out != "-";
  // A file is written whole from memory (durably): a count whose swipes (over 1 KB each as JSON) could
  // not fit is refused before any is made.
  if (to_file) check_fits_in_memory("--count", r.count, 1024 * std::max<std::size_t>(1, per_round));
  std::ostringstream text;
  std::ostream& out = to_file ? static_cast<std::ostream&>(text) : std::cout;
  std::discrete_distribution<std::size_t> pick{counts.begin(), counts.end()};
  for (std::size_t i = 0; i < r.count; ++i)
    for (std::size_t j = 0; j < per_round; ++j) {
      const auto& [shown, spelled] = words[r.draw > 0 ? pick(rng) : j];
      auto ex = synth.example(spelled, rng);
      ex.word = shown;
      swipe::write_jsonl(out, ex);
    }
  if (to_file) write_file_atomically(r.out, text.str(), "synthetic swipes");
  return 0;
}

}  // namespace

int main(int argc, char** argv) try {
  const rank_session mpi{argc, argv};
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
  predict->add_option("--threads", threads, "decoding threads")->check(count_check);
  predict->add_option("--table", table, "prediction table (CSV) to register the run in");

  model_options sweep_opts;
  std::string sweep_jobs, sweep_table;
  auto* sweep = app.add_subcommand("sweep", "run a list of predict jobs (model x search x dataset), skipping those in the table");
  sweep_opts.add_to(sweep);
  sweep->add_option("--jobs", sweep_jobs, "JSON array of jobs: {\"data\", \"out\", and any of \"model\", \"search\", \"vocab\", "
                                          "\"grids\", \"top\", \"rescore_geometric\", \"rescore_params\"}; the rest from the options")
      ->required();
  sweep->add_option("--table", sweep_table, "prediction table (CSV): finished jobs are registered, registered ones skipped")->required();
  sweep->add_option("--threads", threads, "decoding threads (per rank under MPI)")->check(count_check);

  model_options fit_opts;
  fit_opts.recognizer = "geometric";
  std::string fit_data, fit_out;
  std::size_t fit_pool = 64;
  auto* fit_geo = app.add_subcommand("fit-geometric", "fit the geometric recognizer's weights on labelled (validation) swipes");
  fit_opts.add_to(fit_geo);
  fit_geo->add_option("--data", fit_data, "labelled JSONL swipes (validation)")->required();
  fit_geo->add_option("--out", fit_out, "where to write the fitted weights (JSON)");
  fit_geo->add_option("--pool", fit_pool, "candidates per swipe scored once, then re-ranked by each setting")
      ->check(count_at_least(1));

  model_options fr_opts;
  std::string fr_data, fr_predictions, fr_out;
  auto* fit_rescore = app.add_subcommand("fit-rescore", "fit the rescoring's channel weights on neural n-best lists of labelled swipes");
  fr_opts.add_to(fit_rescore);
  fit_rescore->add_option("--data", fr_data, "labelled JSONL swipes (validation)")->required();
  fit_rescore->add_option("--predictions", fr_predictions, "the neural n-best of those swipes (predict --rescore-geometric 0 --top 0)")->required();
  fit_rescore->add_option("--out", fr_out, "where to write the fitted weights (JSON, for --rescore-params)");

  std::vector<std::string> sf_grids{GLIDE_SOURCE_DIR "/data/grids/grids.json"};
  std::string sf_data, sf_out, sf_plot;
  std::size_t sf_limit = 4000;
  auto* fit_literal = app.add_subcommand("fit-literal", "fit the gate that ranks the model's literal spellings, on labelled swipes");
  model_options fl_opts;
  fl_opts.add_to(fit_literal);
  std::string fl_data, fl_out;
  unsigned fl_threads = std::max(1U, std::thread::hardware_concurrency());
  std::size_t fl_reserve = 4;
  fit_literal->add_option("--data", fl_data, "labelled JSONL swipes (validation)")->required();
  fit_literal->add_option("--out", fl_out, "where to write the gate (JSON, for --literal-params)");
  fit_literal->add_option("--threads", fl_threads, "decoding threads");
  fit_literal->add_option("--reserve-rank", fl_reserve, "rank kept for the best literal spelling when the gate allows (0: none)");
  double fl_max_loss = 0.002;
  fit_literal->add_option("--max-in-vocab-loss", fl_max_loss, "most accuracy@1 the gate may cost on swipes of vocabulary words")
      ->check(CLI::Range(0.0, 1.0));

  auto* synth_fit = app.add_subcommand("synth-fit", "measure real swipes, fit the synthesizer's typical user to them, compare");
  synth_fit->add_option("--grids", sf_grids, "keyboard grids file(s)");
  synth_fit->add_option("--data", sf_data, "real labelled swipes (JSONL; training data)")->required();
  synth_fit->add_option("--limit", sf_limit, "swipes measured, spread over the file (0: all)")->check(count_check);
  synth_fit->add_option("--out", sf_out, "fitted synthesizer options (JSON), for the trainer's 'synthesizer'");
  synth_fit->add_option("--plot", sf_plot, "SVG plot of the distributions (real, default synthetic, fitted synthetic), with axes and legend");

  std::string predictions;
  auto* evaluate = app.add_subcommand("evaluate", "Swipe MRR and accuracy of a predictions file");
  evaluate->add_option("--predictions", predictions, "predictions file (JSONL with target words)")->required();
  std::size_t confusions = 0;
  evaluate->add_option("--confusions", confusions, "also list the N commonest (target -> wrong top-1) pairs")->check(count_check);

  std::string teach_data, teach_predictions, teach_out;
  std::size_t teach_top = 4;
  double teach_temperature = 1, teach_min_p = 0.01;
  auto* teach = app.add_subcommand("teach", "a dataset's swipes with a recognizer's predictions as teacher lists (training with teacher_weight)");
  teach->add_option("--data", teach_data, "the swipes (JSONL) the predictions were made from")->required();
  teach->add_option("--predictions", teach_predictions, "their predictions (glide predict), line for line")->required();
  teach->add_option("--out", teach_out, "the swipes with their teacher lists (JSONL)")->required();
  teach->add_option("--top", teach_top, "words a list keeps at most (0: all)")->check(count_check);
  teach->add_option("--temperature", teach_temperature, "softmax temperature over a list's scores");
  teach->add_option("--min-p", teach_min_p, "words of lower probability are left out");
  bool teach_where_right = false;
  teach->add_flag("--where-right", teach_where_right, "lists only for the swipes whose label is the teacher's first word");

  std::string method = "weighted", fit, apply, agg_out;
  std::size_t top_k = 4;
  auto* aggregate = app.add_subcommand("aggregate", "merge several models' predictions, with weights fitted on validation");
  aggregate->add_option("--method", method, "weighted, rrf or borda")->check(CLI::IsMember({"weighted", "rrf", "borda"}));
  aggregate->add_option("--fit", fit, "validation predictions, one file per model, comma-separated");
  aggregate->add_option("--apply", apply, "predictions to merge, one file per model in the same order, comma-separated");
  aggregate->add_option("--out", agg_out, "merged predictions file");
  aggregate->add_option("--top-k", top_k, "words kept per swipe (0: all)")->check(count_check);

  auto* table_cmd = app.add_subcommand("table", "prediction tables");
  table_cmd->require_subcommand(1);
  std::string merged_table;
  std::vector<std::string> tables;
  auto* merge = table_cmd->add_subcommand("merge", "merge tables from several machines; conflicting rows are an error");
  merge->add_option("out", merged_table, "merged table")->required();
  merge->add_option("tables", tables, "tables to merge")->required();

  synth_request sr;
  auto* synth = app.add_subcommand("synth", "synthesise swipes for words");
  synth->add_option("--grids", sr.grids, "grids file");
  synth->add_option("--grid", sr.grid, "grid name");
  synth->add_option("--words", sr.words, "comma-separated words");
  synth->add_option("--draw", sr.draw, "words drawn by their counts from --vocab (instead of --words), each round")->check(count_check);
  synth->add_option("--vocab", sr.vocab, "the word list --draw draws from (default with --language: the pack's)");
  synth->add_option("--language", sr.language, "a language pack: its grid and vocabulary");
  synth->add_option("--count", sr.count, "swipes per word (rounds of --draw)")->check(count_check);
  synth->add_option("--seed", sr.seed, "random seed")->check(count_check);
  synth->add_option("--out", sr.out, "output JSONL (default: standard output)");
  synth->add_option("--synthesizer", sr.options, "synthesizer options (JSON, e.g. from 'glide synth-fit')");

  std::string q_model, q_out;
  std::size_t q_min = 1024;
  auto* quantize = app.add_subcommand("quantize", "store a model's weight matrices as int8 (about 4x smaller files)");
  quantize->add_option("--model", q_model, "model directory (config.json + model.safetensors)")->required();
  quantize->add_option("--out", q_out, "the int8 model's directory")->required();
  quantize->add_option("--min-elements", q_min, "matrices with fewer values stay float32")->check(count_check);
  bool q_float32 = false;
  quantize->add_flag("--float32", q_float32, "the other way: write an int8 model's weights as float32");

  std::string prep_out, prep_model;
  std::vector<std::string> prep_grids{GLIDE_SOURCE_DIR "/data/grids/grids.json"}, prep_inputs;
  std::size_t prep_per_shard = 65536;
  auto* prepare = app.add_subcommand("prepare", "turn JSONL swipes into feature shards that a trainer maps into memory (docs/training.md)");
  prepare->add_option("--out", prep_out, "the shards' folder (its shards.json and shard-*.safetensors are replaced)")->required();
  prepare->add_option("--model", prep_model, "a model directory or its config.json: store each swipe's model input as that config computes it "
                                             "too, and skip words the model cannot spell");
  prepare->add_option("--grids", prep_grids, "keyboard grids file(s) the swipes name; several files load as one set");
  prepare->add_option("--examples-per-shard", prep_per_shard, "swipes a shard holds at most")->check(count_at_least(1));
  prepare->add_option("inputs", prep_inputs, "JSONL swipe files")->required();

  std::vector<std::string> run_roots{"models"};
  bool runs_json = false;
  auto* runs = app.add_subcommand("runs", "list the training runs (model directories) under folders, with their best validation figures");
  runs->add_option("folders", run_roots, "folders to search (default: models)");
  runs->add_flag("--json", runs_json, "print JSON instead of a table");

  CLI11_PARSE(app, argc, argv);
  for (auto* o : {&decode_opts, &predict_opts, &sweep_opts, &fit_opts, &fr_opts, &fl_opts}) o->resolve();
  if (*decode) return cmd_decode(decode_opts, decode_inputs);
  if (*predict) return cmd_predict(predict_opts, data, out, threads, table);
  if (*sweep) return cmd_sweep(sweep_opts, sweep_jobs, sweep_table, threads);
  // The other commands are not sharded: under MPI they run on rank 0 alone.
  if (!world().root()) return 0;
  if (*synth_fit) return cmd_synth_fit(sf_grids, sf_data, sf_limit, sf_out, sf_plot);
  if (*fit_rescore) return cmd_fit_rescore(fr_opts, fr_data, fr_predictions, fr_out);
  if (*fit_literal) return cmd_fit_literal(fl_opts, fl_data, fl_out, fl_threads, fl_reserve, fl_max_loss);
  if (*fit_geo) return cmd_fit_geometric(fit_opts, fit_data, fit_out, fit_pool);
  if (*evaluate) return cmd_evaluate(predictions, confusions);
  if (*teach) return cmd_teach(teach_data, teach_predictions, teach_out, teach_top, teach_temperature, teach_min_p, teach_where_right);
  if (*aggregate) {
    if (fit.empty() && apply.empty()) throw config_error("aggregate: give --fit, --apply or both");
    if (!apply.empty() && agg_out.empty()) throw config_error("aggregate: --apply needs --out");
    const auto f = split(fit), a = split(apply);
    if (method == "rrf") return aggregate_with(reciprocal_rank_fusion{}, f, a, agg_out, top_k);
    if (method == "borda") return aggregate_with(borda{}, f, a, agg_out, top_k);
    return aggregate_with(weighted_merge{}, f, a, agg_out, top_k);
  }
  if (*merge) {
    std::vector<std::pair<std::string, std::string>> inputs;
    for (const auto& t : tables) inputs.emplace_back("table", t);
    io::refuse_output_over_inputs("the merged table", merged_table, inputs);
    const auto t = swipe::prediction_table::merge_files(tables);
    t.save(merged_table);
    std::printf("%zu runs in %s\n", t.rows().size(), merged_table.c_str());
    return 0;
  }
  if (*synth) return cmd_synth(sr, synth);
  if (*quantize) return cmd_quantize(q_model, q_out, q_min, q_float32, std::vector<std::string>(argv, argv + argc));
  if (*runs) return cmd_runs(run_roots, runs_json);
  if (*prepare) return cmd_prepare(prep_out, prep_model, prep_grids, prep_per_shard, prep_inputs);
  return 0;
} catch (const std::exception& e) {
  // An empty message: an MPI rank other than 0 whose failure rank 0 reports (all_or_nothing, sweep's job
  // file). It exits 0 and leaves the job's exit status to rank 0: mpirun kills every rank as soon as one
  // exits non-zero, which could cut rank 0 off before its message is out.
  if (*e.what() == '\0') return 0;
  std::fprintf(stderr, "glide: %s\n", e.what());
  return 1;
}
