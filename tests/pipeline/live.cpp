// Incremental decoding (live_swipe): finish() gives exactly recognize()'s words and scores for the whole
// swipe, on every How-We-Swipe validation swipe (the shipped samples where the data is absent), with the
// CLI's default pipeline (rescoring, literal spellings) and partial updates asked for along the way;
// partial words are vocabulary words in display form; user words are seen; errors are named.

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

using glide_test::hws;

std::unique_ptr<eg::loaded_recognizer> defaults() {
  eg::recognizer_options o;
  o.model_dir = GLIDE_SOURCE_DIR "/models/en-qwerty";
  o.vocabulary = GLIDE_VOCAB_DIR "/en.tsv";
  o.grid_files = {GLIDE_SOURCE_DIR "/data/grids/grids.json"};
  if (std::filesystem::exists(hws + "/grids.json")) o.grid_files.push_back(hws + "/grids.json");
  o.rescore_geometric = 1;
  o.rescore_params = GLIDE_SOURCE_DIR "/configs/rescore-en.json";
  o.literal = true;
  o.literal_params = GLIDE_SOURCE_DIR "/configs/literal-en.json";
  o.top = 4;
  return eg::load_recognizer(o);
}

}  // namespace

TEST_CASE("live swipes: finish() equals recognize() on every validation swipe, partial updates along the way", "[pipeline][live]") {
  const auto rec = defaults();
  std::vector<swipe::swipe_example> examples;
  if (std::filesystem::exists(hws + "/valid.jsonl")) {
    examples = swipe::read_jsonl(hws + "/valid.jsonl", rec->grids());
  } else {
    WARN("How-We-Swipe data not found at " << hws << ": the shipped samples only");
    examples = swipe::read_jsonl(GLIDE_SOURCE_DIR "/data/samples/en.jsonl", rec->grids());
  }
  eg::loaded_recognizer::session whole{*rec};
  std::size_t checked = 0, partials = 0;
  for (std::size_t i = 0; i < examples.size(); ++i) {
    const auto& c = examples[i].curve;
    if (c.grid) continue;
    eg::live_swipe live{*rec, c.grid_name};
    for (std::size_t p = 0; p < c.size(); ++p) {
      live.add(c.x[p], c.y[p], c.t[p]);
      // A few partial updates per swipe (every point would take the test minutes).
      if (p % 16 == 15) {
        const auto& so_far = live.partial(4);
        REQUIRE(so_far.words.size() <= 4);
        ++partials;
      }
    }
    const auto expected = whole(c);
    const auto got = live.finish();
    INFO("swipe " << i << " (" << examples[i].word << ")");
    REQUIRE(got.words.size() == expected.words.size());
    for (std::size_t k = 0; k < got.words.size(); ++k) {
      REQUIRE(got.words[k].word == expected.words[k].word);
      REQUIRE(got.words[k].score == expected.words[k].score);
      REQUIRE(got.words[k].origin == expected.words[k].origin);
    }
    ++checked;
  }
  REQUIRE(checked >= 20);
  REQUIRE(partials > checked);
}

TEST_CASE("live swipes: partial words, caching, user words, clear and errors", "[pipeline][live]") {
  const auto rec = defaults();
  const auto examples = swipe::read_jsonl(GLIDE_SOURCE_DIR "/data/samples/en.jsonl", rec->grids());
  const auto& ex = examples.front();
  eg::live_swipe live{*rec, ex.curve.grid_name};
  REQUIRE(live.partial(3).words.empty());  // no points yet
  live.add(ex.curve.x, ex.curve.y, ex.curve.t);
  const auto first = live.partial(3);
  REQUIRE_FALSE(first.words.empty());
  REQUIRE(first.words.size() <= 3);
  REQUIRE(first.stats.decoder_steps > 0);
  // No new point: the same words, not decoded again (the same object).
  REQUIRE(&live.partial(3) == &live.partial(3));
  for (const auto& w : first.words) REQUIRE(w.origin != word_origin::literal);
  // On whole swipes the cheap partial search mostly agrees with the full pipeline's top word.
  std::size_t same = 0;
  for (const auto& e : examples) {
    eg::live_swipe l{*rec, e.curve.grid_name};
    l.add(e.curve.x, e.curve.y, e.curve.t);
    same += l.partial(1).words.front().word == l.finish().words.front().word;
  }
  REQUIRE(same * 10 >= examples.size() * 7);
  // User words are seen by partial updates too.
  REQUIRE(rec->add_words(std::vector<user_word>{{"Zqxwv", {}}}).added == 1);
  live.clear();
  REQUIRE(live.size() == 0);
  REQUIRE(live.partial(3).words.empty());
  REQUIRE_THROWS_WITH(live.finish(), Catch::Contains("without points"));
  // Errors: unknown grid, non-finite points, mismatched lengths.
  REQUIRE_THROWS_WITH((eg::live_swipe{*rec, "workman"}), Catch::Contains("workman"));
  REQUIRE_THROWS_WITH(live.add(1.0F, std::nanf(""), 0.0F), Catch::Contains("point 0 is not finite"));
  const std::vector<float> two{1, 2}, one{1};
  REQUIRE_THROWS_WITH(live.add(two, two, one), Catch::Contains("2 x, 2 y and 1 t"));
  REQUIRE(live.size() == 0);  // nothing was added
}
