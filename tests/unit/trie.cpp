#include <limits>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include <catch2/catch.hpp>

#include <glide/text/char_tokenizer.hpp>
#include <glide/vocab/trie.hpp>
#include <glide/vocab/word_list.hpp>

#include "unit/search_helpers.hpp"

using namespace glide;

TEST_CASE("vocabulary_trie holds exactly its words, with frequencies", "[unit][trie]") {
  for (unsigned seed = 0; seed < 50; ++seed) {
    std::mt19937 rng{seed};
    const auto vocab = test::random_vocabulary(rng, 1 + seed * 7, 1 + seed % 8, 3, 3 + static_cast<token_id>(seed % 30));
    const auto trie = vocabulary_trie::build(vocab);
    REQUIRE(trie.word_count() == vocab.size());
    double total = 0.0;
    for (const auto& w : vocab) total += w.count;
    std::map<std::vector<token_id>, float> expected;
    for (const auto& w : vocab) expected[w.tokens] = static_cast<float>(std::log(w.count / total));
    std::map<std::vector<token_id>, float> listed;
    trie.for_each_word([&](std::span<const token_id> t, float lf) { listed[{t.begin(), t.end()}] = lf; });
    REQUIRE(listed.size() == expected.size());
    for (const auto& [w, lf] : expected) {
      REQUIRE(listed.count(w) == 1);
      REQUIRE(listed[w] == Approx(lf).margin(1e-5));
      REQUIRE(trie.contains(w));
      REQUIRE(trie.log_frequency(*trie.find(w)) == Approx(lf).margin(1e-5));
      // A proper prefix is a word only if the vocabulary has it.
      std::vector<token_id> prefix(w.begin(), w.end() - 1);
      if (!prefix.empty()) REQUIRE(trie.contains(prefix) == (expected.count(prefix) == 1));
      auto longer = w;
      longer.push_back(200);
      REQUIRE_FALSE(trie.contains(longer));
    }
    // Nodes are exactly the distinct non-empty prefixes, plus the root.
    std::set<std::vector<token_id>> prefixes;
    for (const auto& w : vocab)
      for (std::size_t n = 1; n <= w.tokens.size(); ++n) prefixes.insert({w.tokens.begin(), w.tokens.begin() + n});
    REQUIRE(trie.node_count() == prefixes.size() + 1);
  }
}

TEST_CASE("vocabulary_trie merges duplicates and rejects bad words", "[unit][trie][errors]") {
  const auto trie = vocabulary_trie::build({{{3, 4}, 1.0}, {{3, 4}, 3.0}, {{5}, 4.0}});
  REQUIRE(trie.word_count() == 2);
  REQUIRE(trie.log_frequency(*trie.find(std::vector<token_id>{3, 4})) == Approx(std::log(0.5)));
  // Huge counts neither overflow when duplicates add up nor when the total does (issue 13 D6).
  const auto huge = vocabulary_trie::build({{{3}, 1e308}, {{3}, 1e308}, {{4}, 1e308}, {{5}, 1e308}});
  REQUIRE(huge.log_frequency(*huge.find(std::vector<token_id>{3})) == Approx(std::log(0.5)));
  REQUIRE(huge.log_frequency(*huge.find(std::vector<token_id>{4})) == Approx(std::log(0.25)));
  REQUIRE_THROWS_AS(vocabulary_trie::build({{{3}, std::numeric_limits<double>::infinity()}}), config_error);
  REQUIRE_THROWS_AS(vocabulary_trie::build({{{}, 1.0}}), config_error);
  REQUIRE_THROWS_AS(vocabulary_trie::build({{{3}, 0.0}}), config_error);
  REQUIRE_THROWS_AS(vocabulary_trie::build({{{-3}, 1.0}}), config_error);
  const vocabulary_trie empty;
  REQUIRE(empty.word_count() == 0);
  REQUIRE_FALSE(empty.contains(std::vector<token_id>{3}));
}

TEST_CASE("word lists: counts, comments, unknown characters, bad lines", "[unit][trie][errors]") {
  const char_tokenizer tok{"abcdefghijklmnopqrstuvwxyz"};
  std::istringstream ok{"# comment\nhello 10\nworld\t5\n\nhelp\n"};
  const auto list = read_word_list(ok, tok);
  REQUIRE(list.words.size() == 3);
  REQUIRE(list.words[0].count == 10.0);
  REQUIRE(list.words[2].count == 1.0);
  const auto trie = vocabulary_trie::build(list.words);
  REQUIRE(trie.contains(tok.encode("help")));
  REQUIRE_FALSE(trie.contains(tok.encode("hel")));

  std::istringstream bad_count{"hello 10\nworld x5\n"};
  REQUIRE_THROWS_WITH(read_word_list(bad_count, tok, {}, "words.txt"), Catch::Contains("words.txt:2"));
  std::istringstream unknown{"hello\nWorld\ncan't\n"};
  REQUIRE_THROWS_WITH(read_word_list(unknown, tok, {}, "w"), Catch::Contains("w:2") && Catch::Contains("'W'"));
  std::istringstream skipping{"hello\nWorld\ncan't\n"};
  const auto skipped = read_word_list(skipping, tok, {.skip_unencodable = true});
  REQUIRE(skipped.words.size() == 1);
  REQUIRE(skipped.skipped == 2);
  REQUIRE(skipped.skipped_examples == std::vector<std::string>{"World", "can't"});
  // Counts must be finite (issue 13 D6): the error names the line.
  std::istringstream infinite{"hello 10\nworld inf\n"};
  REQUIRE_THROWS_WITH(read_word_list(infinite, tok, {}, "words.txt"), Catch::Contains("words.txt:2") && Catch::Contains("finite"));
  std::istringstream nan_count{"hello nan\n"};
  REQUIRE_THROWS_WITH(read_word_list(nan_count, tok, {}, "words.txt"), Catch::Contains("words.txt:1"));
  // Words longer than a model allows are counted, with examples.
  std::istringstream lengths{"hello\nhi\nincomprehensibilities\n"};
  const auto short_only = read_word_list(lengths, tok, {.max_tokens = 5});
  REQUIRE(short_only.words.size() == 2);
  REQUIRE(short_only.too_long == 1);
  REQUIRE_THAT(short_only.dropped_summary(), Catch::Contains("1 word(s) longer") && Catch::Contains("incomprehensibilities"));
  // A list of nothing usable says what was dropped, not only "no words".
  std::istringstream upper{"HELLO\nWORLD\n"};
  REQUIRE_THROWS_WITH(read_word_list(upper, tok, {.skip_unencodable = true}, "w"),
                      Catch::Contains("no words") && Catch::Contains("2 line(s)") && Catch::Contains("'HELLO'"));
  std::istringstream none{"# nothing\n"};
  REQUIRE_THROWS_AS(read_word_list(none, tok), parse_error);
  REQUIRE_THROWS_AS(read_word_list(std::string{"/nonexistent/words.txt"}, tok), io_error);
}

TEST_CASE("a word list line of 1 MB with a bad count is cut in the error (issue 29 D14)", "[unit][vocab][errors]") {
  const glide::char_tokenizer t{"abc"};
  std::istringstream in{"abc 1\nab " + std::string(1 << 20, '7') + "x\n"};
  try {
    (void)glide::read_word_list(in, t, {}, "big.tsv");
    FAIL("accepted a bad count");
  } catch (const glide::parse_error& e) {
    const std::string m = e.what();
    REQUIRE(m.find("big.tsv:2: count '7777") != std::string::npos);
    REQUIRE(m.find("(1048577 bytes)") != std::string::npos);
    REQUIRE(m.size() < 300);
  }
  REQUIRE(glide::excerpt("short") == "short");
  // A cut never splits a UTF-8 character: 41 two-byte letters cut at 80 bytes keep 40 of them.
  std::string cyrillic;
  for (int i = 0; i < 41; ++i) cyrillic += "ж";
  REQUIRE(glide::excerpt(cyrillic) == cyrillic.substr(0, 80) + "... (82 bytes)");
  std::string odd = "a" + cyrillic;  // byte 80 is the second half of a letter: cut before it
  REQUIRE(glide::excerpt(odd).rfind(odd.substr(0, 79) + "...", 0) == 0);
}
