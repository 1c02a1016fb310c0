#pragma once
// From a search's token hypotheses to a ranked list of words.

#include <string>
#include <unordered_set>

#include <glide/core/types.hpp>
#include <glide/text/char_tokenizer.hpp>

namespace glide {

/// The hypotheses' texts, best first; a word produced twice keeps its first (best) rank.
inline prediction to_prediction(const search_result& result, const char_tokenizer& tokenizer) {
  prediction out;
  std::unordered_set<std::string> seen;
  for (const auto& h : result.hypotheses) {
    auto word = tokenizer.decode(h.tokens);
    if (seen.insert(word).second) out.push_back({std::move(word), h.score});
  }
  return out;
}

}  // namespace glide
