#pragma once
// Greedy search: the best next token at every step, fed back incrementally through the decoder's
// state (the prefix is never re-run).

#include <algorithm>
#include <cstddef>
#include <span>

#include <glide/concepts/decoder.hpp>
#include <glide/concepts/logits_processor.hpp>
#include <glide/concepts/stopping_criterion.hpp>
#include <glide/core/logits.hpp>
#include <glide/core/types.hpp>
#include <glide/processors/chain.hpp>
#include <glide/stopping/criteria.hpp>

namespace glide {

struct greedy_options {
  /// Most tokens generated, the end token included.
  std::size_t max_length = 32;
};

/// Decodes one memory greedily. The single hypothesis is `finished` if it ended with the decoder's
/// end token. Processors see log-probabilities; `stop` is asked before every step.
template <Decoder D, LogitsProcessor P = no_processor, StoppingCriterion S = never_stop>
search_result greedy_search(D& decoder, const typename D::memory_type& memory, greedy_options options = {},
                            P processors = {}, S stop = {}) {
  search_result result;
  hypothesis h;
  options.max_length = std::min(options.max_length, decoder_max_length(decoder));
  h.tokens.reserve(options.max_length);
  auto state = decoder.init_state(memory, 1);
  token_id last = decoder.bos_id();
  const token_id eos = decoder.eos_id();
  while (h.tokens.size() < options.max_length && !stop(h)) {
    auto logits = decoder.step(memory, state, std::span<const token_id>{&last, 1});
    ++result.stats.decoder_steps;
    ++result.stats.rows_scored;
    ++result.stats.hypotheses_expanded;
    auto row = logits.row(0);
    checked_log_softmax(row);
    processors(std::span<const token_id>{h.tokens}, row);
    const token_id best = argmax(row);
    if (row[static_cast<std::size_t>(best)] == minus_infinity) break;  // everything masked
    h.score += row[static_cast<std::size_t>(best)];
    h.tokens.push_back(best);
    if (best == eos) {
      h.finished = true;
      break;
    }
    last = best;
  }
  result.hypotheses.push_back(std::move(h));
  return result;
}

}  // namespace glide
