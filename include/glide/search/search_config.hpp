#pragma once
// A search chosen at run time: its name and its complete options, with a canonical text form (every
// option the search reads, defaults included, in a fixed order) so two equal configurations always
// print the same and two different ones never do. Format: `name:key=value,key=value`.

#include <array>
#include <charconv>
#include <cstddef>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <glide/core/charconv.hpp>
#include <glide/concepts/decoder.hpp>
#include <glide/concepts/lexicon.hpp>
#include <glide/core/error.hpp>
#include <glide/core/types.hpp>
#include <glide/search/beam.hpp>
#include <glide/search/best_first.hpp>
#include <glide/search/greedy.hpp>
#include <glide/search/hybrid.hpp>
#include <glide/search/traversal.hpp>
#include <glide/vocab/trie.hpp>

namespace glide {

/// The shortest text that reads back to the same number (0.3F -> "0.3", 0.1234567F -> "0.1234567").
template <class T>
[[nodiscard]] std::string exact_text(T v) {
  return detail::shortest_text(v);
}

struct search_config {
  std::string name = "best_first";  ///< greedy, beam, trie_beam, traversal, hybrid, best_first
  std::size_t n_best = 4;           ///< results (best_first: k)
  std::size_t beam_width = 8;
  std::size_t max_length = 32;
  float length_penalty = 0.0F;
  bool early_stopping = false;
  float prior_weight = 0.0F;
  std::size_t beam_steps = 2;
  std::size_t max_batch = 256;
  float score_floor = minus_infinity;
  std::size_t max_expansions = 0;  ///< best_first: stop after this many expanded prefixes (0: off)
  std::size_t max_queue = 0;       ///< best_first: most queued prefixes (0: off)
  float time_budget_ms = 0;        ///< best_first: stop after this many milliseconds (0: off)

  static const std::vector<std::string>& names() {
    static const std::vector<std::string> n{"greedy", "beam", "trie_beam", "traversal", "hybrid", "best_first"};
    return n;
  }

  /// The options this search reads, in canonical order.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> options() const {
    // Two configurations differing in any digit never share a canonical form.
    auto num = [](auto v) { return exact_text(v); };
    std::vector<std::pair<std::string, std::string>> o;
    if (name == "greedy") {
      o = {{"max_length", num(max_length)}};
    } else if (name == "beam") {
      o = {{"beam_width", num(beam_width)}, {"early_stopping", early_stopping ? "1" : "0"},
           {"length_penalty", num(length_penalty)}, {"max_length", num(max_length)}, {"n_best", num(n_best)}};
    } else if (name == "trie_beam") {
      o = {{"beam_width", num(beam_width)}, {"early_stopping", early_stopping ? "1" : "0"},
           {"length_penalty", num(length_penalty)}, {"max_length", num(max_length)}, {"n_best", num(n_best)},
           {"prior_weight", num(prior_weight)}};
    } else if (name == "traversal") {
      o = {{"max_batch", num(max_batch)}, {"n_best", num(n_best)}, {"prior_weight", num(prior_weight)},
           {"score_floor", num(score_floor)}};
    } else if (name == "hybrid") {
      o = {{"beam_steps", num(beam_steps)}, {"beam_width", num(beam_width)}, {"max_batch", num(max_batch)},
           {"n_best", num(n_best)}, {"prior_weight", num(prior_weight)}, {"score_floor", num(score_floor)}};
    } else if (name == "best_first") {
      o = {{"max_batch", num(max_batch)}, {"n_best", num(n_best)}, {"prior_weight", num(prior_weight)}};
      // The limits appear only when set, so the canonical form of an exact search stays what it was.
      if (max_expansions != 0) o.emplace_back("max_expansions", num(max_expansions));
      if (max_queue != 0) o.emplace_back("max_queue", num(max_queue));
      if (time_budget_ms != 0) o.emplace_back("time_budget_ms", num(time_budget_ms));
    }
    return o;
  }

  [[nodiscard]] std::string canonical() const {
    std::string s = name + ":";
    bool first = true;
    for (const auto& [k, v] : options()) {
      s += (first ? "" : ",") + k + "=" + v;
      first = false;
    }
    return s;
  }

  [[nodiscard]] bool needs_vocabulary() const { return name != "greedy" && name != "beam"; }

  /// Parses `name[:key=value,...]`; unknown names, unknown keys and bad values throw.
  static search_config parse(std::string_view text) {
    search_config c;
    const auto colon = text.find(':');
    c.name = std::string(text.substr(0, colon));
    bool known = false;
    for (const auto& n : names()) known = known || n == c.name;
    if (!known) {
      std::string all;
      for (const auto& n : names()) all += (all.empty() ? "" : ", ") + n;
      throw unknown_name_error("unknown search '" + c.name + "' (known: " + all + ")");
    }
    std::string_view rest = colon == std::string_view::npos ? std::string_view{} : text.substr(colon + 1);
    std::map<std::string, std::string> allowed;
    for (const auto& [k, v] : c.options()) allowed[k] = v;
    if (c.name == "best_first") allowed["max_expansions"] = allowed["max_queue"] = allowed["time_budget_ms"] = "0";
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const auto item = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      const auto eq = item.find('=');
      if (eq == std::string_view::npos) throw parse_error("search '" + std::string(text) + "': expected key=value, got '" + std::string(item) + "'");
      const std::string key{item.substr(0, eq)};
      const std::string value{item.substr(eq + 1)};
      if (allowed.count(key) == 0) throw unknown_name_error("search " + c.name + " has no option '" + key + "'");
      c.set(key, value);
    }
    return c;
  }

 private:
  void set(const std::string& key, const std::string& value) {
    auto as_size = [&] {
      std::size_t v{};
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
      if (ec != std::errc{} || p != value.data() + value.size())
        throw parse_error("search option " + key + "='" + value + "' is not a non-negative integer");
      return v;
    };
    auto as_float = [&] {
      if (value == "-inf") return minus_infinity;
      float v{};
      if (!detail::parse_number(std::string_view{value}, v))
        throw parse_error("search option " + key + "='" + value + "' is not a number");
      return v;
    };
    if (key == "n_best") n_best = as_size();
    else if (key == "beam_width") beam_width = as_size();
    else if (key == "max_length") max_length = as_size();
    else if (key == "length_penalty") length_penalty = as_float();
    else if (key == "early_stopping") early_stopping = as_size() != 0;
    else if (key == "prior_weight") prior_weight = as_float();
    else if (key == "beam_steps") beam_steps = as_size();
    else if (key == "max_batch") max_batch = as_size();
    else if (key == "score_floor") score_floor = as_float();
    else if (key == "max_expansions") max_expansions = as_size();
    else if (key == "max_queue") max_queue = as_size();
    else if (key == "time_budget_ms") time_budget_ms = as_float();
  }
};

/// Runs the configured search over a Lexicon (the vocabulary trie, base + user words, ...). `trie`
/// may be null for greedy and beam.
template <Decoder D, Lexicon L>
search_result run_search(D& decoder, const typename D::memory_type& memory, const L* trie, const search_config& c) {
  if (c.needs_vocabulary() && trie == nullptr) throw config_error("search " + c.name + " needs a vocabulary");
  const beam_options beam{.beam_width = c.beam_width, .n_best = c.n_best, .max_length = c.max_length,
                          .length_penalty = c.length_penalty, .early_stopping = c.early_stopping};
  if (c.name == "greedy") return greedy_search(decoder, memory, {.max_length = c.max_length});
  if (c.name == "beam") return beam_search(decoder, memory, beam);
  if (c.name == "trie_beam") return constrained_beam_search(decoder, memory, *trie, {.beam = beam, .prior_weight = c.prior_weight});
  const traversal_options trav{.n_best = c.n_best, .max_batch = c.max_batch, .score_floor = c.score_floor,
                               .prior_weight = c.prior_weight};
  if (c.name == "traversal") return traverse_vocabulary(decoder, memory, *trie, trav);
  if (c.name == "hybrid")
    return hybrid_search(decoder, memory, *trie, {.beam_width = c.beam_width, .beam_steps = c.beam_steps, .traversal = trav});
  if (c.name == "best_first")
    return best_first_search(decoder, memory, *trie,
                             {.k = c.n_best, .max_batch = c.max_batch, .prior_weight = c.prior_weight,
                              .max_expansions = c.max_expansions, .time_budget_ms = c.time_budget_ms, .max_queue = c.max_queue});
  throw unknown_name_error("unknown search '" + c.name + "'");
}

/// Runs a search that needs no vocabulary (greedy, beam).
template <Decoder D>
search_result run_search(D& decoder, const typename D::memory_type& memory, std::nullptr_t, const search_config& c) {
  return run_search(decoder, memory, static_cast<const vocabulary_trie*>(nullptr), c);
}

}  // namespace glide
