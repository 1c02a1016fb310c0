#pragma once
// Umbrella header: everything in Glide's core (no backend, no testing utilities).

#include <glide/concepts/aggregator.hpp>
#include <glide/concepts/backend.hpp>
#include <glide/concepts/decoder.hpp>
#include <glide/concepts/encoder.hpp>
#include <glide/concepts/logits_processor.hpp>
#include <glide/concepts/stopping_criterion.hpp>
#include <glide/core/error.hpp>
#include <glide/core/logits.hpp>
#include <glide/core/types.hpp>
#include <glide/processors/any_logits_processor.hpp>
#include <glide/processors/basic.hpp>
#include <glide/processors/chain.hpp>
#include <glide/processors/trie_mask.hpp>
#include <glide/search/beam.hpp>
#include <glide/search/best_first.hpp>
#include <glide/search/greedy.hpp>
#include <glide/search/hybrid.hpp>
#include <glide/search/prediction.hpp>
#include <glide/search/traversal.hpp>
#include <glide/stopping/criteria.hpp>
#include <glide/text/char_tokenizer.hpp>
#include <glide/text/utf8.hpp>
#include <glide/vocab/trie.hpp>
#include <glide/vocab/word_list.hpp>
