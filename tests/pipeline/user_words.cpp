// Open vocabulary on the shipped English model: words added at run time decode as a trie rebuilt with
// them would (every vocabulary search, literal spellings on), with their display forms and origins;
// adding and removing words while other threads decode (run under TSan by scripts/run-tests.sh:
// tag [threads]); literal spellings marked as such; bad user words named.

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include <glide/backends/eigen/recognizer.hpp>
#include <glide/glide.hpp>
#include <glide/swipe/synthesizer.hpp>

#include "support/pipeline_paths.hpp"

using namespace glide;
namespace eg = glide::backends::eigen;

namespace {

using glide_test::model_dir;
using glide_test::vocab;
const std::string grids = GLIDE_SOURCE_DIR "/data/grids/grids.json";

// Names from data/user-words/dev.txt (not in the vocabulary), as a user writes them.
std::vector<user_word> names(std::size_t n, double weight = 0) {
  std::ifstream in{GLIDE_SOURCE_DIR "/data/user-words/dev.txt"};
  std::vector<user_word> out;
  for (const auto& w : read_user_words(in, "dev.txt")) {
    if (out.size() == n) break;
    out.push_back({w.word, weight > 0 ? std::optional<double>{weight} : std::nullopt});
  }
  return out;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Synthetic swipes of `words` (spelled in lower case) on qwerty_english, fitted synthesizer.
std::vector<swipe::swipe_example> swipes_of(const eg::loaded_recognizer& r, const std::vector<std::string>& words, unsigned seed) {
  const auto options = swipe::synthesizer_options::load(GLIDE_SOURCE_DIR "/configs/synth-en.json");
  const swipe::swipe_synthesizer synth{r.grids().at("qwerty_english"), options};
  std::mt19937 rng{seed};
  std::vector<swipe::swipe_example> out;
  for (const auto& w : words) out.push_back(synth.example(lower(w), rng));
  return out;
}

eg::recognizer_options options_for(const std::string& search, bool literal) {
  eg::recognizer_options o;
  o.model_dir = model_dir;
  o.vocabulary = vocab;
  o.grid_files = {grids};
  o.search = search_config::parse(search);
  o.rescore_geometric = 1;
  o.rescore_params = GLIDE_SOURCE_DIR "/configs/rescore-en.json";
  o.literal = literal;
  o.literal_params = GLIDE_SOURCE_DIR "/configs/literal-en.json";
  o.top = 4;
  return o;
}

}  // namespace

TEST_CASE("words added at run time decode as a vocabulary rebuilt with them, for every search", "[pipeline][user_words]") {
  const auto added = names(12, 50000.0);
  std::vector<std::string> spelled;
  for (const auto& w : added) spelled.push_back(w.word);
  // (search, swipes decoded): the exhaustive searches are slow on 80k words, so they see fewer.
  for (const auto& [search, count] : std::vector<std::pair<std::string, std::size_t>>{
           {eg::default_search, 12}, {"best_first:n_best=4,prior_weight=0.3", 6},
           {"hybrid:beam_width=4,beam_steps=2,n_best=4,prior_weight=0.3,max_batch=256", 2},
           {"traversal:n_best=4,prior_weight=0.3,score_floor=-25,max_batch=512", 2}}) {
    INFO(search);
    // The searches alone: no shortlist of user words scored besides them (the rebuilt vocabulary has none).
    auto runtime_options = options_for(search, true);
    runtime_options.user_shortlist = 0;
    auto runtime = eg::load_recognizer(runtime_options);
    const auto report = runtime->add_words(added);
    REQUIRE(report.added == added.size());
    REQUIRE(report.rejected.empty());
    auto o = options_for(search, true);
    const auto& tokenizer = runtime->tokenizer();
    o.edit_words = [&](std::vector<weighted_word>& words, const char_tokenizer&) {
      for (const auto& w : added) words.push_back({tokenizer.encode(*fold_for(tokenizer, w.word)), *w.weight});
    };
    auto rebuilt = eg::load_recognizer(o);
    std::vector<std::string> some(spelled.begin(), spelled.begin() + static_cast<std::ptrdiff_t>(count));
    auto examples = swipes_of(*runtime, some, 5);
    for (const auto& ex : examples) {
      INFO(ex.word);
      const auto a = runtime->recognize(ex.curve).words;
      const auto b = rebuilt->recognize(ex.curve).words;
      REQUIRE(a.size() == b.size());
      for (std::size_t i = 0; i < a.size(); ++i) {
        INFO("rank " << i << ": " << a[i].word << " / " << b[i].word);
        REQUIRE(fold_plain(a[i].word) == fold_plain(b[i].word));
        REQUIRE(a[i].score == Approx(b[i].score).margin(2e-3));
        // The run-time word says where it came from, and shows as the user wrote it.
        if (a[i].origin == word_origin::user) REQUIRE(a[i].word != b[i].word);
      }
    }
  }
}

TEST_CASE("user words: display forms, origins, removal, in_vocabulary, literal spellings marked", "[pipeline][user_words]") {
  auto rec = eg::load_recognizer(options_for(eg::default_search, true));
  const auto added = names(20);
  const auto examples = swipes_of(*rec, [&] {
    std::vector<std::string> w;
    for (const auto& a : added) w.push_back(a.word);
    return w;
  }(), 11);
  std::size_t literal_hits = 0, before_hits = 0;
  for (const auto& ex : examples) {
    const auto r = rec->recognize(ex.curve).words;
    REQUIRE(!r.empty());
    if (fold_plain(r[0].word) == ex.word) {
      ++before_hits;
      REQUIRE(r[0].origin == word_origin::literal);  // not in the vocabulary: only a literal spelling can read it
    }
    for (const auto& w : r)
      if (w.origin == word_origin::literal) {
        ++literal_hits;
        REQUIRE(!rec->in_vocabulary(w.word));
      }
  }
  CHECK(literal_hits > 0);
  REQUIRE(!rec->in_vocabulary(added[0].word));
  const auto report = rec->add_words(added);
  REQUIRE(report.added == added.size());
  REQUIRE(rec->user_words()->size() == added.size());
  REQUIRE(rec->in_vocabulary(added[0].word));
  REQUIRE(rec->in_vocabulary(lower(added[0].word)));
  std::size_t user_hits = 0;
  for (const auto& ex : examples) {
    const auto r = rec->recognize(ex.curve).words;
    if (fold_plain(r[0].word) == ex.word) {
      ++user_hits;
      REQUIRE(r[0].origin == word_origin::user);
      REQUIRE(r[0].word != ex.word);  // shown capitalised, as added
      REQUIRE(std::isupper(static_cast<unsigned char>(r[0].word[0])));
    }
  }
  CHECK(user_hits >= before_hits);
  CHECK(user_hits >= examples.size() * 8 / 10);
  // Updating a word's weight is not a second word; removing takes it out of every search.
  const auto again = rec->add_words(std::vector<user_word>{{added[0].word, 3.0}});
  REQUIRE(again.updated == 1);
  REQUIRE(rec->user_words()->size() == added.size());
  std::vector<std::string> gone{added[0].word, "nosuchword"};
  const auto removed = rec->remove_words(gone);
  REQUIRE(removed.removed == 1);
  REQUIRE(removed.rejected.size() == 1);
  REQUIRE_THAT(removed.rejected[0], Catch::Matchers::Contains("nosuchword"));
  REQUIRE(!rec->in_vocabulary(added[0].word));
  const auto r = rec->recognize(examples[0].curve).words;
  for (const auto& w : r) REQUIRE(w.origin != word_origin::user);
  // A word the alphabet cannot spell, or too long, is rejected by name; the rest are added.
  const auto bad = rec->add_words(std::vector<user_word>{{"naïve", {}}, {"日本", {}}, {std::string(60, 'a'), {}}, {"café", 2.0}});
  REQUIRE(bad.added == 2);
  REQUIRE(bad.rejected.size() == 2);
  REQUIRE_THAT(bad.rejected[0], Catch::Matchers::Contains("日本"));
  REQUIRE_THAT(bad.rejected[1], Catch::Matchers::Contains("longer than"));
  REQUIRE(rec->in_vocabulary("cafe"));
}

TEST_CASE("adding and removing words while other threads decode: each swipe sees one dictionary", "[pipeline][user_words][threads]") {
  auto rec = eg::load_recognizer(options_for(eg::default_search, true));
  const auto added = names(30);
  std::vector<std::string> words;
  for (const auto& w : added) words.push_back(w.word);
  const auto examples = swipes_of(*rec, words, 3);
  // Each swipe's words without and with the user words: a concurrent result must be one of the two.
  std::vector<prediction> without, with;
  for (const auto& ex : examples) without.push_back(rec->recognize(ex.curve).words);
  rec->add_words(added);
  for (const auto& ex : examples) with.push_back(rec->recognize(ex.curve).words);
  rec->remove_words(words);
  std::atomic<bool> done{false};
  std::thread writer{[&] {
    for (int round = 0; round < 6; ++round) {
      rec->add_words(added);
      std::this_thread::yield();
      rec->remove_words(words);
    }
    done = true;
  }};
  std::size_t decoded = 0;
  while (!done || decoded < examples.size()) {
    const auto results = rec->recognize_batch(std::span<const swipe::swipe_example>{examples}, 2);
    for (std::size_t i = 0; i < results.size(); ++i) {
      const auto& w = results[i].words;
      REQUIRE((w == without[i] || w == with[i]));
    }
    decoded += results.size();
  }
  writer.join();
  REQUIRE(rec->user_words()->empty());
}

TEST_CASE("user word files: bad lines are named errors with file and line", "[pipeline][user_words][errors]") {
  auto parse = [](const std::string& text) {
    std::istringstream in{text};
    return read_user_words(in, "words.txt");
  };
  const auto ok = parse("# names\nBoston\n\n  iPhone  12.5 \ncafé\t3\r\n");
  REQUIRE(ok.size() == 3);
  REQUIRE(ok[1].word == "iPhone");
  REQUIRE(*ok[1].weight == 12.5);
  REQUIRE(!ok[0].weight);
  REQUIRE_THROWS_WITH(parse("a\nb x\n"), Catch::Matchers::StartsWith("words.txt:2: weight 'x' is not a number"));
  REQUIRE_THROWS_WITH(parse("a -1\n"), Catch::Matchers::StartsWith("words.txt:1: weight '-1' is not a positive number up to 1e15"));
  REQUIRE_THROWS_WITH(parse("a 0\n"), Catch::Matchers::Contains("not a positive number up to 1e15"));
  REQUIRE_THROWS_WITH(parse("a 1e300\n"), Catch::Matchers::Contains("not a positive number up to 1e15"));
  REQUIRE_THROWS_WITH(parse("a inf\n"), Catch::Matchers::Contains("words.txt:1:"));
  REQUIRE_THROWS_WITH(parse("a 1 2\n"), Catch::Matchers::StartsWith("words.txt:1: expected 'word [weight]'"));
  REQUIRE_THROWS_WITH(parse("a " + std::string(5000, '9') + "x\n"), Catch::Matchers::Contains("..."));
  REQUIRE_THROWS_AS(read_user_words("/nonexistent/words.txt"), io_error);
}
