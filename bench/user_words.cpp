// The user's dictionary at scale: time to add N words (in one call, and one call a word), the heap
// bytes per added word, and the time per swipe with and without them, side by side in one run (the
// same swipes decoded by the same recognizer with an empty and a full dictionary, interleaved).
//
// Usage: glide_bench_user_words [--words N] [--data FILE] [--grids FILE]... [--model DIR] [--vocab FILE] [--limit N]
//   Words: proper names and words of Debian's wamerican-large (/usr/share/dict/american-english-large)
//   that are not in the vocabulary, lower-case letters only, in file order; without that file,
//   pseudo-words drawn with a fixed seed. Defaults: 10,000 words, the first 500 How-We-Swipe
//   validation swipes, the CLI's default pipeline (literal spellings on).

#include <cctype>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <glide/backends/eigen/recognizer.hpp>
#include <glide/metrics/swipe_metrics.hpp>

#include "common.hpp"

int main(int argc, char** argv) try {
  using namespace glide;
  using bench::clock_type;
  bench::common_options opt;
  std::size_t n_words = 10000;
  CLI::App app{"glide_bench_user_words: adding words at run time, memory per word, time per swipe with them"};
  opt.add_to(app);
  app.add_option("--words", n_words, "words to add")->capture_default_str();
  std::size_t shortlist = backends::eigen::recognizer_options{}.user_shortlist;
  app.add_option("--user-shortlist", shortlist, "user words scored beside the searches per swipe (0: off)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  const auto& data = opt.one_data();

  auto o = opt.cli_defaults();
  o.user_shortlist = shortlist;
  auto rec = backends::eigen::load_recognizer(o);

  std::vector<user_word> words;
  std::string source = "/usr/share/dict/american-english-large";
  std::ifstream in{source};
  for (std::string w; words.size() < n_words && in >> w;) {
    bool letters = w.size() >= 3 && w.size() <= 16;
    for (char& c : w) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      letters = letters && c >= 'a' && c <= 'z';
    }
    if (letters && !rec->in_vocabulary(w) && (words.empty() || words.back().word != w)) words.push_back({w, {}});
  }
  if (words.size() < n_words) {
    source = "pseudo-words (seed 7)";
    std::mt19937 rng{7};
    std::uniform_int_distribution<int> len{4, 11}, letter{0, 25};
    while (words.size() < n_words) {
      std::string w(static_cast<std::size_t>(len(rng)), 'a');
      for (char& c : w) c = static_cast<char>('a' + letter(rng));
      if (!rec->in_vocabulary(w)) words.push_back({w, {}});
    }
  }
  std::printf("%zu words from %s, vocabulary of %zu words\n", words.size(), source.c_str(), rec->trie().word_count());

  // Adding: one call with every word, then (after removing them) one call a word.
  auto t0 = clock_type::now();
  const auto report = rec->add_words(words);
  const double one_call = bench::seconds_since(t0);
  const auto bytes = rec->user_words()->bytes();
  std::printf("add_words, one call:    %.1f ms for %zu words (%zu added, %zu rejected); %zu heap bytes, %.1f bytes a word\n",
              1000 * one_call, words.size(), report.added, report.rejected.size(), bytes,
              static_cast<double>(bytes) / static_cast<double>(words.size()));
  std::vector<std::string> spelled;
  for (const auto& w : words) spelled.push_back(w.word);
  t0 = clock_type::now();
  (void)rec->remove_words(spelled);
  std::printf("remove_words, one call: %.1f ms\n", 1000 * bench::seconds_since(t0));
  t0 = clock_type::now();
  for (const auto& w : words) (void)rec->add_words(std::span<const user_word>{&w, 1});
  const double one_by_one = bench::seconds_since(t0);
  std::printf("add_words, a word a call: %.1f ms for %zu words (%.1f us a call)\n", 1000 * one_by_one, words.size(),
              1e6 * one_by_one / static_cast<double>(words.size()));

  // Decoding with the words (this recognizer) and without (a second one), interleaved swipe by swipe.
  auto plain = backends::eigen::load_recognizer(o);
  auto examples = swipe::read_jsonl(data, rec->grids());
  if (opt.limit > 0 && examples.size() > opt.limit) examples.resize(opt.limit);
  double with = 0, without = 0;
  metric_accumulator acc_with, acc_without;
  for (std::size_t i = 0; i < std::min<std::size_t>(20, examples.size()); ++i) (void)rec->recognize(examples[i].curve), (void)plain->recognize(examples[i].curve);
  for (std::size_t i = 0; i < examples.size(); ++i)
    for (std::size_t k = 0; k < 2; ++k) {
      const bool full = (i + k) % 2 == 0;
      t0 = clock_type::now();
      const auto r = (full ? rec : plain)->recognize(examples[i].curve);
      (full ? with : without) += bench::seconds_since(t0);
      (full ? acc_with : acc_without).add(r.words, examples[i].word);
    }
  const auto n = static_cast<double>(examples.size());
  std::printf("%zu swipes of %s, one thread: %.3f ms a swipe without the words, %.3f ms with them (%.3fx); top-1 %.4f / %.4f\n",
              examples.size(), data.c_str(), 1000 * without / n, 1000 * with / n, with / without, acc_without.accuracy_at_1(),
              acc_with.accuracy_at_1());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "glide_bench_user_words: %s\n", e.what());
  return 1;
}
