// Memory and lookup speed of the compact vocabulary trie, side by side with a plain pointer trie
// (std::map children, as a straightforward implementation would have) and a hash set of strings.
//
// Usage: glide_bench_trie [word-list] (default /usr/share/dict/american-english, from wamerican)

#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include <CLI/CLI.hpp>

#include <glide/text/char_tokenizer.hpp>
#include <glide/vocab/trie.hpp>
#include <glide/vocab/word_list.hpp>

namespace {

std::size_t heap_in_use() { return mallinfo2().uordblks; }

struct map_node {
  std::map<glide::token_id, std::unique_ptr<map_node>> children;
  bool word = false;
  float log_freq = 0.0F;
};

bool map_contains(const map_node& root, const std::vector<glide::token_id>& w) {
  const map_node* n = &root;
  for (auto t : w) {
    auto it = n->children.find(t);
    if (it == n->children.end()) return false;
    n = it->second.get();
  }
  return n->word;
}

template <class F>
double seconds(F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::string path = "/usr/share/dict/american-english";
  CLI::App app{"glide_bench_trie: the compact trie's memory and lookup speed against a pointer trie and a hash set"};
  app.add_option("word-list", path, "word list, one word a line (default: wamerican's)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  // Letters of English and the Latin-1 accents wamerican uses, plus the apostrophe.
  const glide::char_tokenizer tokenizer{
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'\u00e0\u00e1\u00e2\u00e4\u00e5\u00e7\u00e8\u00e9\u00ea"
      "\u00eb\u00ed\u00ee\u00ef\u00f1\u00f3\u00f4\u00f6\u00fa\u00fb\u00fc\u00c5"};
  glide::word_list list;
  try {
    list = glide::read_word_list(path, tokenizer, {.skip_unencodable = true});
  } catch (const glide::error& e) {
    std::fprintf(stderr, "glide_bench_trie: %s\n", e.what());
    return 1;
  }
  const std::size_t words = list.words.size();

  const auto before = heap_in_use();
  glide::vocabulary_trie trie;
  const double build_s = seconds([&] { trie = glide::vocabulary_trie::build(list.words); });
  const auto compact_heap = heap_in_use() - before;

  const auto before_map = heap_in_use();
  map_node root;
  double total = 0;
  for (const auto& w : list.words) total += w.count;
  for (const auto& w : list.words) {
    map_node* n = &root;
    for (auto t : w.tokens) {
      auto& c = n->children[t];
      if (!c) c = std::make_unique<map_node>();
      n = c.get();
    }
    n->word = true;
    n->log_freq = static_cast<float>(std::log(w.count / total));
  }
  const auto map_heap = heap_in_use() - before_map;

  std::vector<std::string> texts;
  for (const auto& w : list.words) texts.push_back(tokenizer.decode(w.tokens));
  const auto before_set = heap_in_use();
  std::unordered_set<std::string> set(texts.begin(), texts.end());
  const auto set_heap = heap_in_use() - before_set;

  // Lookups: every word, then the same number of misses (words with one letter changed).
  std::vector<std::vector<glide::token_id>> queries;
  std::mt19937 rng{1};
  for (const auto& w : list.words) queries.push_back(w.tokens);
  for (const auto& w : list.words) {
    auto q = w.tokens;
    q[rng() % q.size()] = glide::char_tokenizer::first_char_id + static_cast<glide::token_id>(rng() % 26);
    queries.push_back(q);
  }
  std::size_t hits_trie = 0, hits_map = 0;
  const double trie_s = seconds([&] {
    for (const auto& q : queries) hits_trie += trie.contains(q);
  });
  const double map_s = seconds([&] {
    for (const auto& q : queries) hits_map += map_contains(root, q);
  });

  std::printf("word list: %s (%zu words, %zu skipped)\n", path.c_str(), words, list.skipped);
  std::printf("trie: %zu nodes (%.2f per word), built in %.3f s\n", trie.node_count(),
              double(trie.node_count()) / double(words), build_s);
  std::printf("%-28s %12s %12s\n", "structure", "bytes", "bytes/word");
  std::printf("%-28s %12zu %12.2f\n", "compact trie (bytes())", trie.bytes(), double(trie.bytes()) / double(words));
  std::printf("%-28s %12zu %12.2f\n", "compact trie (heap)", compact_heap, double(compact_heap) / double(words));
  std::printf("%-28s %12zu %12.2f\n", "std::map pointer trie", map_heap, double(map_heap) / double(words));
  std::printf("%-28s %12zu %12.2f\n", "unordered_set<string>", set_heap, double(set_heap) / double(words));
  std::printf("memory ratio pointer trie / compact trie: %.1fx\n", double(map_heap) / double(compact_heap));
  std::printf("lookups (%zu, half misses): compact %.1f ns, pointer trie %.1f ns, ratio %.2fx (hits %zu = %zu)\n",
              queries.size(), 1e9 * trie_s / double(queries.size()), 1e9 * map_s / double(queries.size()),
              map_s / trie_s, hits_trie, hits_map);
  return hits_trie == hits_map ? 0 : 1;
}
