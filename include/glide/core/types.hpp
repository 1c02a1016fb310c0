#pragma once
// Core vocabulary types shared by every layer of Glide.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace glide {

/// A model token. One integer type everywhere: tokenizers, decoders, tries and searches agree on it.
using token_id = std::int32_t;

/// A log-probability (or a sum of them). Higher is better; 0 is certainty.
using score_t = float;

inline constexpr score_t minus_infinity = -std::numeric_limits<score_t>::infinity();

/// One decoded sequence. `tokens` excludes the start token and, when `finished`, ends with the
/// end-of-sequence token.
struct hypothesis {
  std::vector<token_id> tokens;
  score_t score = 0.0F;
  bool finished = false;

  friend bool operator==(const hypothesis&, const hypothesis&) = default;
};

/// Where a predicted word came from: the recognizer's vocabulary, the user's dictionary (words added
/// at run time), or spelled letter by letter by the model (literal, open-vocabulary decoding).
enum class word_origin : std::uint8_t { vocabulary, user, literal };

/// The origin's name in files and messages: "vocabulary", "user" or "literal".
[[nodiscard]] constexpr const char* origin_name(word_origin o) noexcept {
  return o == word_origin::user ? "user" : o == word_origin::literal ? "literal" : "vocabulary";
}

/// One entry of a ranked prediction.
struct scored_word {
  std::string word;
  score_t score = 0.0F;
  word_origin origin = word_origin::vocabulary;

  friend bool operator==(const scored_word&, const scored_word&) = default;
};

/// A ranked list of words, best first.
using prediction = std::vector<scored_word>;

/// What a search spent. `decoder_steps` counts calls of Decoder::step, `rows_scored` the batch rows
/// those calls computed, `hypotheses_expanded` the prefixes whose continuations were scored.
struct search_stats {
  std::size_t decoder_steps = 0;
  std::size_t rows_scored = 0;
  std::size_t hypotheses_expanded = 0;

  friend bool operator==(const search_stats&, const search_stats&) = default;
  search_stats& operator+=(const search_stats& other) noexcept {
    decoder_steps += other.decoder_steps;
    rows_scored += other.rows_scored;
    hypotheses_expanded += other.hypotheses_expanded;
    return *this;
  }
};

/// What every search returns: its hypotheses, best first, and what it spent.
struct search_result {
  std::vector<hypothesis> hypotheses;
  search_stats stats;
};

}  // namespace glide
