#pragma once
// Literal (open-vocabulary) decoding: beside the vocabulary-constrained search, the model's best free
// spellings are candidates too, and a gate fitted on validation swipes decides where they rank.
//
// A spelling the lexicon holds is an ordinary vocabulary (or user) word. Any other spelling s gets
//   gate(s) = model log-prob(s) + rescoring weight * geometric score(s, no prior) + bias
//             + length_weight * letters(s) + near_weight[d(s)]
// where d(s) is the edit distance from s to the nearest word among the swipe's vocabulary candidates
// (near_weight for d = 1, 2; 0 beyond: a spelling one letter off a candidate is more often the model
// misspelling that word than a new word). That is the scale of a vocabulary word's score (log-prob +
// prior + rescoring), so a literal spelling outranks the vocabulary's best word only when the model
// and the key path are sure enough of it.
// With reserve_rank r > 0, the best literal spelling whose gate is at least reserve_floor but that
// ranks below r is moved up to rank r (so it is offered among the first r words, never first).
// `fit_literal_gate` chooses bias and length_weight for top-1 and then the floor for top-r.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <glide/core/error.hpp>
#include <glide/core/types.hpp>
#include <glide/io/json_file.hpp>
#include <glide/metrics/swipe_metrics.hpp>
#include <glide/text/utf8.hpp>
#include <glide/vocab/levenshtein.hpp>

namespace glide::swipe {

struct literal_options {
  bool enabled = true;
  std::size_t beam_width = 4;  ///< the free beam search's width (run in one batch with a trie beam)
  std::size_t n_best = 2;      ///< free spellings considered per swipe
  float bias = -3.0F;          ///< added to a literal spelling's score
  float length_weight = 0.0F;  ///< per letter
  float near1_weight = 0.0F;   ///< a spelling 1 edit from a vocabulary candidate
  float near2_weight = 0.0F;   ///< 2 edits
  std::size_t reserve_rank = 0;  ///< 1-based rank kept for the best literal spelling (0: off)
  float reserve_floor = minus_infinity;

  [[nodiscard]] nlohmann::json to_json() const {
    auto r = [](float v) { return std::round(static_cast<double>(v) * 1e4) / 1e4; };
    nlohmann::json j{{"enabled", enabled}, {"beam_width", beam_width}, {"n_best", n_best}, {"bias", r(bias)},
                     {"length_weight", r(length_weight)}, {"near1_weight", r(near1_weight)},
                     {"near2_weight", r(near2_weight)},   {"reserve_rank", reserve_rank}};
    if (reserve_rank > 0 && std::isfinite(reserve_floor)) j["reserve_floor"] = r(reserve_floor);
    return j;
  }

  /// Reads the fields of to_json() (any subset); unknown keys and bad values throw config_error naming `source`.
  static literal_options from_json(const nlohmann::json& j, const std::string& source) {
    literal_options o;
    if (!j.is_object()) throw config_error(source + ": literal options must be a JSON object");
    for (const auto& [k, v] : j.items()) {
      auto number = [&, &k = k, &v = v] {
        if (!v.is_number() || !std::isfinite(v.get<double>())) throw config_error(source + ": '" + k + "' must be a finite number");
        return v.get<float>();
      };
      auto count = [&, &k = k, &v = v](std::size_t lo, std::size_t hi) {
        if (!v.is_number_unsigned() || v.get<std::size_t>() < lo || v.get<std::size_t>() > hi)
          throw config_error(source + ": '" + k + "' must be an integer in " + std::to_string(lo) + ".." + std::to_string(hi));
        return v.get<std::size_t>();
      };
      if (k == "enabled") {
        if (!v.is_boolean()) throw config_error(source + ": 'enabled' must be true or false");
        o.enabled = v.get<bool>();
      } else if (k == "beam_width") o.beam_width = count(1, 256);
      else if (k == "n_best") o.n_best = count(1, 256);
      else if (k == "bias") o.bias = number();
      else if (k == "length_weight") o.length_weight = number();
      else if (k == "near1_weight") o.near1_weight = number();
      else if (k == "near2_weight") o.near2_weight = number();
      else if (k == "reserve_rank") o.reserve_rank = count(0, 1024);
      else if (k == "reserve_floor") o.reserve_floor = number();
      else throw config_error(source + ": unknown literal option '" + k + "'");
    }
    if (o.n_best > o.beam_width) throw config_error(source + ": 'n_best' must be at most 'beam_width'");
    return o;
  }
  static literal_options load(const std::string& path) { return from_json(io::read_json_file(path, "literal options"), path); }
};

/// A word before the gate: vocabulary and user words with their final scores, literal spellings with
/// their score before bias and length (log-prob + rescoring).
struct word_candidate {
  std::string word;
  score_t score = 0;
  word_origin origin = word_origin::vocabulary;
  std::size_t letters = 0;
  std::size_t distance = 0;  ///< literal: edit distance to the nearest vocabulary candidate (0: none)
};

/// The edit distance (insertions, deletions, substitutions of code points) between two words.
[[nodiscard]] inline std::size_t edit_distance(std::string_view a, std::string_view b) {
  auto code_points = [](std::string_view w) {
    std::vector<token_id> out;
    for (char32_t c : utf8::decode(w)) out.push_back(static_cast<token_id>(c));
    return out;
  };
  const auto x = code_points(a), y = code_points(b);
  return levenshtein(x, y);
}

/// Sets each literal spelling's `distance`: to the nearest vocabulary or user candidate of the list.
inline void set_literal_distances(std::vector<word_candidate>& c) {
  for (auto& w : c) {
    if (w.origin != word_origin::literal) continue;
    w.distance = 0;
    for (const auto& v : c)
      if (v.origin != word_origin::literal) {
        const auto d = edit_distance(w.word, v.word);
        if (w.distance == 0 || d < w.distance) w.distance = d;
      }
  }
}

/// The gate's addition to a literal spelling's score.
[[nodiscard]] inline float literal_adjustment(const word_candidate& w, const literal_options& o) noexcept {
  return o.bias + o.length_weight * static_cast<float>(w.letters) +
         (w.distance == 1 ? o.near1_weight : w.distance == 2 ? o.near2_weight : 0.0F);
}

/// The ranked words: literal scores gated, sorted (stable: equal scores keep the candidates' order),
/// the reserved rank applied, the first `top` kept (0: all).
[[nodiscard]] inline prediction apply_literal_gate(std::vector<word_candidate> c, const literal_options& o, std::size_t top = 0) {
  for (auto& w : c)
    if (w.origin == word_origin::literal) w.score += literal_adjustment(w, o);
  std::stable_sort(c.begin(), c.end(), [](const auto& a, const auto& b) { return a.score > b.score; });
  if (o.reserve_rank > 0) {
    const auto best = std::find_if(c.begin(), c.end(), [](const auto& w) { return w.origin == word_origin::literal; });
    const auto at = static_cast<std::ptrdiff_t>(o.reserve_rank - 1);
    if (best != c.end() && best - c.begin() > at && best->score >= o.reserve_floor) std::rotate(c.begin() + at, best, best + 1);
  }
  if (top > 0 && c.size() > top) c.resize(top);
  prediction out;
  out.reserve(c.size());
  for (auto& w : c) out.push_back({std::move(w.word), w.score, w.origin});
  return out;
}

/// One labelled swipe's candidates for fitting the gate.
struct literal_pool {
  std::vector<word_candidate> candidates;
  std::string target;
  bool in_vocab = true;  ///< whether the target is a word of the decoding vocabulary
};

struct literal_fit {
  literal_options options;
  double accuracy_at_1 = 0, accuracy_at_4 = 0, mrr = 0;           ///< with the fitted gate
  double off_accuracy_at_1 = 0, off_accuracy_at_4 = 0, off_mrr = 0;  ///< without literal spellings
  double in_vocab_accuracy_at_1 = 0, off_in_vocab_accuracy_at_1 = 0;  ///< on swipes of vocabulary words
  std::size_t swipes = 0, target_literal = 0;  ///< swipes; swipes whose target is among the literal spellings
};

/// Fits the gate's weights by coordinate ascent over grids (accuracy@1 first, Swipe MRR breaking
/// ties), keeping accuracy@1 on swipes of vocabulary words within `max_in_vocab_loss` of what it is
/// without literal spellings; then the reserve floor (accuracy@reserve_rank first). `start` gives the
/// beam settings and the reserve rank.
[[nodiscard]] inline literal_fit fit_literal_gate(const std::vector<literal_pool>& pools, literal_options start,
                                                  double max_in_vocab_loss = 0.002) {
  if (pools.empty()) throw config_error("literal fit: no labelled swipes");
  struct score {
    double at1 = 0, at4 = 0, mrr = 0, in_at1 = 0;
  };
  std::size_t in_vocab = 0;
  for (const auto& p : pools) in_vocab += p.in_vocab;
  auto evaluate = [&](const literal_options& o) {
    score s;
    for (const auto& p : pools) {
      const auto words = apply_literal_gate(p.candidates, o, 0);
      for (std::size_t r = 0; r < words.size(); ++r)
        if (words[r].word == p.target) {
          s.at1 += r == 0;
          s.in_at1 += r == 0 && p.in_vocab;
          s.at4 += r < 4;
          if (r < swipe_mrr_weights.size()) s.mrr += swipe_mrr_weights[r];
          break;
        }
    }
    const auto n = static_cast<double>(pools.size());
    return score{s.at1 / n, s.at4 / n, s.mrr / n, in_vocab ? s.in_at1 / static_cast<double>(in_vocab) : 0.0};
  };
  literal_fit fit;
  fit.swipes = pools.size();
  for (const auto& p : pools)
    fit.target_literal += std::any_of(p.candidates.begin(), p.candidates.end(),
                                      [&](const auto& c) { return c.origin == word_origin::literal && c.word == p.target; });
  auto off = start;
  off.bias = -1e30F;
  off.reserve_rank = 0;
  const auto o0 = evaluate(off);
  fit.off_accuracy_at_1 = o0.at1, fit.off_accuracy_at_4 = o0.at4, fit.off_mrr = o0.mrr;
  fit.off_in_vocab_accuracy_at_1 = o0.in_at1;
  auto allowed = [&](const score& s) { return s.in_at1 >= o0.in_at1 - max_in_vocab_loss; };
  auto better = [&](const score& a, const score& b) { return a.at1 > b.at1 || (a.at1 == b.at1 && a.mrr > b.mrr); };

  auto best = start;
  best.reserve_rank = 0;
  best.bias = -1e30F;  // off: always allowed
  best.length_weight = best.near1_weight = best.near2_weight = 0;
  score best_score = o0;
  // A coarse grid of bias x length first, then coordinate rounds over every weight.
  for (float lw = -4.0F; lw <= 0.61F; lw += 0.4F)
    for (float b = -24.0F; b <= 12.0F; b += 1.0F) {
      auto o = best;
      o.bias = b;
      o.length_weight = lw;
      const auto s = evaluate(o);
      if (allowed(s) && better(s, best_score)) best_score = s, best = o;
    }
  struct axis {
    float literal_options::*field;
    float lo, hi, step;
  };
  const axis axes[] = {{&literal_options::bias, -30.0F, 15.0F, 0.25F},
                       {&literal_options::length_weight, -5.0F, 1.0F, 0.1F},
                       {&literal_options::near1_weight, -15.0F, 5.0F, 0.25F},
                       {&literal_options::near2_weight, -15.0F, 5.0F, 0.25F}};
  for (int round = 0; round < 3; ++round)
    for (const auto& a : axes)
      for (float v = a.lo; v <= a.hi + 1e-4F; v += a.step) {
        auto o = best;
        o.*a.field = v;
        const auto s = evaluate(o);
        if (allowed(s) && better(s, best_score)) best_score = s, best = o;
      }
  if (start.reserve_rank > 0) {
    best.reserve_rank = start.reserve_rank;
    float best_floor = 1e30F;  // off unless a floor helps
    score top = best_score;
    for (float f = -100.0F; f <= 0.0F; f += 0.5F) {
      auto o = best;
      o.reserve_floor = f;
      const auto s = evaluate(o);
      const bool gain = start.reserve_rank >= 4 ? (s.at4 > top.at4 || (s.at4 == top.at4 && s.mrr > top.mrr)) : s.mrr > top.mrr;
      if (gain && s.at1 >= best_score.at1 && allowed(s)) top = s, best_floor = f;
    }
    best.reserve_floor = best_floor;
    if (best_floor >= 1e30F) best.reserve_rank = 0;
    best_score = evaluate(best);
  }
  fit.options = best;
  fit.accuracy_at_1 = best_score.at1;
  fit.accuracy_at_4 = best_score.at4;
  fit.mrr = best_score.mrr;
  fit.in_vocab_accuracy_at_1 = best_score.in_at1;
  return fit;
}

}  // namespace glide::swipe
