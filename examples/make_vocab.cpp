// Builds a vocabulary with frequencies ("word<TAB>count" lines, most frequent first) from Debian's
// packaged word data, at build time:
//   - onboard-data's n-gram models (/usr/share/onboard/models/LANG.lm, GPL-3+): the unigram counts;
//   - optional plain word lists (e.g. wamerican's /usr/share/dict/american-english) add words the
//     counts lack, each with the smallest count seen.
// Words are written as displayed (Boston, I'm, café) and counted by their spelling in the alphabet
// (glide/text/fold.hpp: boston, im, cafe): the forms of one spelling add their counts and the line
// shows the commonest form (a lower-case one when it has 2% of the commonest's count). A word whose
// characters have no spelling in the alphabet is dropped and reported, never silently lost.
// --no-contractions: the list as it was before display forms and contractions (lower-cased words,
// those with apostrophes or characters outside the alphabet dropped), for docs/accuracy.md's
// baseline row.
//
// Usage: glide_make_vocab [--no-contractions] ALPHABET OUT.tsv COUNTS.lm [WORDLIST...]

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <glide/core/error.hpp>
#include <glide/io/durable_file.hpp>
#include <glide/text/char_tokenizer.hpp>
#include <glide/text/fold.hpp>
#include <glide/text/utf8.hpp>

namespace {

// The lower case of every character (glide/text/fold.hpp's table: Latin, Greek, Cyrillic, Ё to ё).
std::string lower(const std::string& word) {
  std::string out;
  for (char32_t c : glide::utf8::decode(word)) glide::utf8::append(out, glide::detail::to_lower(c));
  return out;
}

// Swipe keyboards have no apostrophe on the letter keys: "don't" is swiped as "dont".
std::string strip_apostrophes(std::string w) {
  std::erase(w, '\'');
  return w;
}

}  // namespace

int main(int argc, char** argv) try {
  // --no-contractions: drop words with apostrophes, as the vocabulary did before (docs/accuracy.md's baseline).
  const bool contractions = !(argc > 1 && std::string(argv[1]) == "--no-contractions");
  if (!contractions) {
    --argc;
    ++argv;
  }
  if (argc < 4) {
    std::cerr << "usage: glide_make_vocab [--no-contractions] ALPHABET OUT.tsv COUNTS.lm [WORDLIST...]\n";
    return 2;
  }
  const glide::char_tokenizer alphabet{argv[1]};
  std::map<std::string, double> counts;
  std::size_t dropped = 0, read = 0;
  std::vector<std::string> examples;
  std::size_t contracted = 0;
  // Display forms: each spelling's forms with their counts (only with contractions: the default).
  std::map<std::string, std::map<std::string, double>> forms;
  auto keep = [&](const std::string& raw, double count) {
    ++read;
    std::string w;
    if (contractions) {
      const auto folded = glide::fold_for(alphabet, raw);
      if (folded) w = *folded;
      if (raw.find('\'') != std::string::npos) ++contracted;
    } else {
      try {
        w = lower(raw);
      } catch (const glide::error&) {
        w.clear();
      }
    }
    if (w.empty() || !alphabet.can_encode(w)) {
      ++dropped;
      if (examples.size() < 5) examples.push_back(raw);
      return;
    }
    counts[w] += count;
    if (contractions) forms[w][raw] += count;
  };

  {
    std::ifstream lm{argv[3]};
    if (!lm) throw glide::io_error(std::string("cannot open counts file '") + argv[3] + "'");
    std::string line;
    bool unigrams = false;
    std::size_t line_no = 0;
    while (std::getline(lm, line)) {
      ++line_no;
      if (line.rfind("\\1-grams:", 0) == 0) {
        unigrams = true;
        continue;
      }
      if (line.rfind("\\", 0) == 0) {
        if (unigrams) break;
        continue;
      }
      if (!unigrams || line.empty()) continue;
      const auto space = line.find(' ');
      if (space == std::string::npos)
        throw glide::parse_error(std::string(argv[3]) + ":" + std::to_string(line_no) + ": expected 'count word'");
      const std::string word = line.substr(space + 1);
      if (word.front() == '<') continue;  // <unk>, <s>, </s>, <num>
      keep(word, std::stod(line.substr(0, space)));
    }
    if (counts.empty()) throw glide::parse_error(std::string(argv[3]) + ": no unigram counts found");
  }
  double smallest = 1e300;
  for (const auto& [w, c] : counts) smallest = std::min(smallest, c);
  std::size_t added = 0;
  for (int i = 4; i < argc; ++i) {
    std::ifstream list{argv[i]};
    if (!list) throw glide::io_error(std::string("cannot open word list '") + argv[i] + "'");
    std::string word;
    while (std::getline(list, word)) {
      if (word.empty()) continue;
      // Proper nouns stay out; only lower-case words extend the counts. Contractions (that's, shouldn't)
      // come in as people swipe them, without the apostrophe; a possessive (dog's) mostly equals a plural.
      if (word != lower(word)) continue;
      const auto plain = contractions ? strip_apostrophes(word) : word;
      if (plain.empty() || !alphabet.can_encode(plain) || counts.count(plain) != 0) continue;
      counts[plain] = smallest;
      if (contractions) forms[plain][word] = smallest;
      ++added;
    }
  }
  std::vector<std::pair<std::string, double>> sorted(counts.begin(), counts.end());
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::ostringstream out;
  out << "# generated by glide_make_vocab from " << argv[3];
  for (int i = 4; i < argc; ++i) out << " + " << argv[i];
  out << "\n";
  std::size_t shown_otherwise = 0;
  for (const auto& [w, c] : sorted) {
    std::string shown = w;
    if (const auto it = forms.find(w); it != forms.end()) {
      // The commonest form (on a tie the first in code-point order), unless a lower-case form has at
      // least 2% of its count: this corpus capitalises common words at sentence starts, in titles and
      // in names (US 305,621 against us 67,153, Hello 5,830 against hello 765, Fox 60,314 against fox
      // 5,697 in en_US.lm), and a keyboard should offer "us", "hello" and "fox"; China (china 1%)
      // and Boston (no lower-case form) stay capitalised.
      double best = -1, best_lower = -1;
      std::string lower_form;
      for (const auto& [form, n] : it->second) {
        if (n > best) best = n, shown = form;
        bool is_lower = true;
        for (char32_t ch : glide::utf8::decode(form)) is_lower = is_lower && glide::detail::to_lower(ch) == ch;
        if (is_lower && n > best_lower) best_lower = n, lower_form = form;
      }
      if (best_lower >= 0.02 * best) shown = lower_form;
    }
    shown_otherwise += shown != w;
    out << shown << '\t' << static_cast<long long>(c) << '\n';
  }
  // Whole or not at all: a build stopped mid-write must not leave a short vocabulary that looks made.
  glide::io::write_file_durably(argv[2], out.str(), "vocabulary");
  std::printf("%s: %zu words, %zu shown otherwise than spelled (%zu counted entries read, %zu without a spelling in the alphabet, e.g.",
              argv[2], sorted.size(), shown_otherwise, read, dropped);
  for (const auto& e : examples) std::printf(" '%s'", e.c_str());
  std::printf("; %zu with apostrophes counted without them; %zu added from word lists)\n", contracted, added);
  return 0;
} catch (const std::exception& e) {
  std::cerr << "glide_make_vocab: " << e.what() << '\n';
  return 1;
}
