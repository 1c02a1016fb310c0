#pragma once
// The exact log-probability of given sequences under a decoder (teacher forcing), all in one decoder
// batch: row i feeds its own tokens, a row leaves the batch once it has scored its end token. What a
// recognizer uses to score candidates that came from elsewhere (a user word the geometric channels
// suggest), and the oracle's probability of a word computed incrementally.

#include <cstddef>
#include <span>
#include <vector>

#include <glide/concepts/decoder.hpp>
#include <glide/core/error.hpp>
#include <glide/core/logits.hpp>
#include <glide/core/types.hpp>

namespace glide {

/// One hypothesis per sequence, in input order: its tokens with the end token appended and its
/// log-probability (start token given). A sequence the decoder cannot take whole (longer than
/// decoder_max_length() - 1 tokens) gets score -inf and finished == false; an empty one is only the
/// end token.
template <Decoder D>
search_result score_sequences(D& decoder, const typename D::memory_type& memory, std::span<const std::vector<token_id>> sequences) {
  search_result result;
  const token_id eos = decoder.eos_id();
  const std::size_t max_steps = decoder_max_length(decoder);
  result.hypotheses.resize(sequences.size());
  std::vector<std::size_t> active;  // indices of sequences still being scored, one decoder row each
  for (std::size_t i = 0; i < sequences.size(); ++i) {
    auto& h = result.hypotheses[i];
    h.tokens = sequences[i];
    h.tokens.push_back(eos);
    for (token_id t : sequences[i])
      if (t < 0 || static_cast<std::size_t>(t) >= decoder.vocab_size())
        throw shape_error("score_sequences: token " + std::to_string(t) + " is outside the decoder's vocabulary");
    if (h.tokens.size() > max_steps) h.score = minus_infinity;
    else active.push_back(i);
  }
  if (active.empty()) return result;
  auto state = decoder.init_state(memory, active.size());
  std::vector<token_id> last(active.size(), decoder.bos_id());
  std::vector<std::size_t> keep;
  for (std::size_t pos = 0; !active.empty(); ++pos) {
    auto logits = decoder.step(memory, state, std::span<const token_id>{last});
    ++result.stats.decoder_steps;
    result.stats.rows_scored += active.size();
    keep.clear();
    std::vector<std::size_t> still;
    for (std::size_t r = 0; r < active.size(); ++r) {
      auto& h = result.hypotheses[active[r]];
      auto row = logits.row(r);
      checked_log_softmax(row);
      const token_id next = h.tokens[pos];
      h.score += row[static_cast<std::size_t>(next)];
      if (next == eos) {
        h.finished = true;
        continue;
      }
      keep.push_back(r);
      still.push_back(active[r]);
    }
    active.swap(still);
    if (active.empty()) break;
    decoder.reorder(state, std::span<const std::size_t>{keep});
    last.resize(active.size());
    for (std::size_t r = 0; r < active.size(); ++r) last[r] = result.hypotheses[active[r]].tokens[pos];
  }
  result.stats.hypotheses_expanded = result.stats.rows_scored;
  return result;
}

}  // namespace glide
