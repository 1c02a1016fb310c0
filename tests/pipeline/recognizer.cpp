// The library pipeline on the shipped English model and real swipes: load_recognizer, recognize,
// recognize_batch (thread count and input order), errors by index, and batch-size invariance of the
// exact searches.

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <glide/backends/eigen/recognizer.hpp>
#include <glide/glide.hpp>

#include "support/pipeline_paths.hpp"

using namespace glide;
namespace eg = glide::backends::eigen;

namespace {

using glide_test::model_dir;
using glide_test::vocab;
using glide_test::hws;

std::vector<std::string> grid_files() {
  std::vector<std::string> g{GLIDE_SOURCE_DIR "/data/grids/grids.json"};
  if (std::filesystem::exists(hws + "/grids.json")) g.push_back(hws + "/grids.json");
  return g;
}

/// The shipped samples, and the first `n` How-We-Swipe validation swipes when the data is there.
std::vector<swipe::swipe_example> real_swipes(const swipe::grid_set& grids, std::size_t n) {
  auto out = swipe::read_jsonl(GLIDE_SOURCE_DIR "/data/samples/en.jsonl", grids);
  if (std::filesystem::exists(hws + "/valid.jsonl")) {
    auto v = swipe::read_jsonl(hws + "/valid.jsonl", grids);
    if (v.size() > n) v.resize(n);
    out.insert(out.end(), v.begin(), v.end());
  } else {
    WARN("How-We-Swipe data not found at " << hws << ": only the 20 shipped samples are used");
  }
  return out;
}

}  // namespace

TEST_CASE("load_recognizer decodes real swipes and recognize_batch keeps input order on any thread count",
          "[pipeline][recognizer]") {
  auto rec = eg::load_recognizer(model_dir, vocab, grid_files());
  REQUIRE(rec->trie().word_count() > 10000);
  const auto examples = real_swipes(rec->grids(), 60);
  std::vector<eg::recognition> one_by_one;
  std::size_t right = 0;
  for (const auto& ex : examples) {
    one_by_one.push_back(rec->recognize(ex.curve));
    REQUIRE(!one_by_one.back().words.empty());
    right += one_by_one.back().words.front().word == ex.word;
  }
  REQUIRE(right * 10 >= examples.size() * 6);  // the shipped model reads most real swipes
  for (unsigned threads : {1U, 2U, 3U}) {
    std::size_t calls = 0, last = 0;
    bool ordered = true;
    const auto batch = rec->recognize_batch(std::span<const swipe::swipe_example>{examples}, threads, [&](std::size_t done, std::size_t total) {
      ordered = ordered && done == last + 1 && total == examples.size();
      last = done;
      ++calls;
    });
    REQUIRE(ordered);
    REQUIRE(calls == examples.size());
    REQUIRE(batch.size() == examples.size());
    for (std::size_t i = 0; i < examples.size(); ++i) {
      REQUIRE(batch[i].words.size() == one_by_one[i].words.size());
      for (std::size_t k = 0; k < batch[i].words.size(); ++k) {
        REQUIRE(batch[i].words[k].word == one_by_one[i].words[k].word);
        REQUIRE(batch[i].words[k].score == one_by_one[i].words[k].score);  // same kernels, same numbers
      }
    }
  }
}

TEST_CASE("recognize_batch names the first failing swipe by index", "[pipeline][recognizer][errors]") {
  auto rec = eg::load_recognizer(model_dir, vocab, grid_files());
  auto examples = swipe::read_jsonl(GLIDE_SOURCE_DIR "/data/samples/en.jsonl", rec->grids());
  std::vector<swipe::swipe_curve> curves;
  for (const auto& ex : examples) curves.push_back(ex.curve);
  curves[7].grid_name = "no_such_grid";
  curves[12].grid_name = "no_such_grid_either";
  for (unsigned threads : {1U, 2U}) {
    try {
      (void)rec->recognize_batch(curves, threads);
      FAIL("no error");
    } catch (const eg::batch_error& e) {
      REQUIRE(e.index() == 7);
      REQUIRE_THAT(e.what(), Catch::Matchers::Contains("swipe 7") && Catch::Matchers::Contains("no_such_grid"));
    }
  }
  REQUIRE_THROWS_AS(eg::load_recognizer({.model_dir = model_dir, .vocabulary = vocab, .grid_files = grid_files(), .recognizer = "neurall"}),
                    unknown_name_error);
  REQUIRE_THROWS_AS(eg::load_recognizer(model_dir, GLIDE_SOURCE_DIR "/no/such/words.txt", grid_files()), io_error);
}

// One row and many rows take different matrix kernels (GEMV vs blocked GEMM), so scores may differ in
// the last bits: the exact searches must return the same top-4 words for any batch size, with scores
// within 1e-5 (measured by hand on 2,900 swipes: at most 5.7e-6). docs/searches.md says so.
TEST_CASE("best-first and traversal give the same top-4 for max_batch 1, 7 and 256", "[pipeline][batch]") {
  auto rec = eg::load_recognizer({.model_dir = model_dir, .vocabulary = vocab, .grid_files = grid_files(), .top_words = 8000});
  const auto examples = real_swipes(rec->grids(), 40);
  auto& m = std::get<eg::transformer_model>(rec->model());
  swipe::recognizer inputs{m, rec->grids(), rec->tokenizer(), &rec->trie(), search_config{}, rec->config().max_points,
                           swipe::feature_options_for(rec->config())};
  double worst = 0;
  for (const auto& ex : examples) {
    const auto memory = m.encoder().encode(inputs.input(ex.curve));
    for (const char* search : {"best_first:n_best=4,prior_weight=0.3", "traversal:n_best=4,prior_weight=0.3"}) {
      std::vector<search_result> rs;
      for (const char* batch : {"1", "7", "256"})
        rs.push_back(run_search(m.decoder(), memory, &rec->trie(), search_config::parse(std::string(search) + ",max_batch=" + batch)));
      for (std::size_t b = 1; b < rs.size(); ++b) {
        INFO(ex.word << " with " << search);
        REQUIRE(rs[b].hypotheses.size() == rs[0].hypotheses.size());
        for (std::size_t k = 0; k < rs[0].hypotheses.size(); ++k) {
          REQUIRE(rs[b].hypotheses[k].tokens == rs[0].hypotheses[k].tokens);
          const double d = std::abs(static_cast<double>(rs[b].hypotheses[k].score - rs[0].hypotheses[k].score));
          worst = std::max(worst, d);
          REQUIRE(d <= 1e-5);
        }
      }
    }
  }
  WARN("largest score difference across batch sizes: " << worst);
}

// Geometric rescoring shares template sets between near-identical keyboards; which grids share must
// not depend on the order swipes arrive in, or a sharded (MPI) run would differ from a single one.
TEST_CASE("results do not depend on the order swipes are decoded in", "[pipeline][order]") {
  const eg::recognizer_options o{.model_dir = model_dir, .vocabulary = vocab, .grid_files = grid_files(), .top = 4,
                                 .rescore_geometric = 1, .rescore_params = GLIDE_SOURCE_DIR "/configs/rescore-en.json"};
  auto forward = eg::load_recognizer(o);
  auto backward = eg::load_recognizer(o);
  const auto examples = real_swipes(forward->grids(), 120);
  std::vector<eg::recognition> a, b(examples.size());
  for (const auto& ex : examples) a.push_back(forward->recognize(ex.curve));
  for (std::size_t i = examples.size(); i-- > 0;) b[i] = backward->recognize(examples[i].curve);
  for (std::size_t i = 0; i < examples.size(); ++i) {
    INFO("swipe " << i << " (" << examples[i].word << ")");
    REQUIRE(a[i].words.size() == b[i].words.size());
    for (std::size_t k = 0; k < a[i].words.size(); ++k) {
      REQUIRE(a[i].words[k].word == b[i].words[k].word);
      REQUIRE(a[i].words[k].score == b[i].words[k].score);
    }
  }
}

TEST_CASE("recognizer_options::edit_words changes the vocabulary before the trie is built", "[pipeline][recognizer][vocabulary]") {
  const auto plain = eg::load_recognizer(model_dir, vocab, grid_files());
  eg::recognizer_options o;
  o.model_dir = model_dir;
  o.vocabulary = vocab;
  o.grid_files = grid_files();
  o.top_words = 1000;
  std::size_t seen = 0;
  o.edit_words = [&](std::vector<weighted_word>& words, const char_tokenizer& tokens) {
    seen = words.size();
    words.push_back({tokens.encode("qqqzx"), 1.0});
    words.push_back({tokens.encode(std::string(40, 'a')), 1.0});  // longer than the model can spell: dropped after
  };
  const auto edited = eg::load_recognizer(std::move(o));
  REQUIRE(seen == 1000);  // after top_words
  REQUIRE(edited->trie().word_count() == 1001);
  REQUIRE(edited->trie().contains(edited->tokenizer().encode("qqqzx")));
  REQUIRE(!plain->trie().contains(plain->tokenizer().encode("qqqzx")));
}

TEST_CASE("ensembles: a model with itself reads as the model alone, and with another model every method decodes", "[pipeline][ensemble]") {
  eg::recognizer_options o;
  o.model_dir = model_dir;
  o.vocabulary = vocab;
  o.grid_files = grid_files();
  o.literal = true;
  const auto alone = eg::load_recognizer(o);
  const auto examples = real_swipes(alone->grids(), 40);
  // The same model twice: the product of two equal distributions is the distribution, so the search,
  // its words and scores are the single model's; merged lists of two equal lists keep their order.
  for (const char* method : {"product", "mixture", "words"}) {
    auto e = o;
    e.ensemble = {model_dir};
    e.ensemble_weights = {2.0F, 1.0F};
    e.ensemble_method = method;
    const auto twice = eg::load_recognizer(e);
    CHECK(twice->canonical_decoding().find(std::string(";ensemble=") + method) != std::string::npos);
    for (const auto& ex : examples) {
      const auto a = alone->recognize(ex.curve).words;
      const auto b = twice->recognize(ex.curve).words;
      REQUIRE(a.size() == b.size());
      for (std::size_t k = 0; k < a.size(); ++k) {
        REQUIRE(a[k].word == b[k].word);
        REQUIRE(a[k].origin == b[k].origin);
        if (std::string(method) != "words") REQUIRE(a[k].score == Approx(b[k].score).margin(2e-3));
      }
    }
  }
  // With the layout-conditioned model (another alphabet, soft-key inputs): each method reads most swipes.
  for (const char* method : {"product", "mixture", "words"}) {
    auto e = o;
    e.ensemble = {GLIDE_SOURCE_DIR "/models/multi-layout"};
    e.ensemble_method = method;
    const auto both = eg::load_recognizer(e);
    std::size_t right = 0;
    for (const auto& ex : examples) {
      const auto words = both->recognize(ex.curve).words;
      REQUIRE(!words.empty());
      for (const auto& w : words) REQUIRE(std::isfinite(w.score));
      right += words.front().word == ex.word;
    }
    CHECK(right * 10 >= examples.size() * 7);
  }
}
