#pragma once
// From a swipe to ranked words: grid lookup, features, encoder, search, words. Generic over the
// Backend; one recognizer per model, reusable across swipes (feature extractors are cached per grid).

#include <string>

#include <glide/concepts/backend.hpp>
#include <glide/core/error.hpp>
#include <glide/core/types.hpp>
#include <glide/search/prediction.hpp>
#include <glide/search/search_config.hpp>
#include <glide/swipe/dataset.hpp>
#include <glide/swipe/features.hpp>
#include <glide/swipe/grid.hpp>
#include <glide/swipe/model_input.hpp>
#include <glide/text/char_tokenizer.hpp>
#include <glide/vocab/trie.hpp>

namespace glide::swipe {

template <Backend B>
class recognizer {
 public:
  recognizer(B& backend, const grid_set& grids, char_tokenizer tokenizer, const vocabulary_trie* trie, search_config search,
             std::size_t max_points = 0, feature_options features = {})
      : backend_{&backend}, inputs_{grids, std::move(tokenizer), max_points, features}, trie_{trie}, search_{std::move(search)} {}

  /// The model input of a swipe (its grid named or carried inline).
  [[nodiscard]] model_input input(const swipe_curve& c) { return inputs_(c); }

  struct result {
    prediction words;
    search_stats stats;
  };

  [[nodiscard]] result recognize(const swipe_curve& c) {
    const auto memory = backend_->encoder().encode(input(c));
    auto r = run_search(backend_->decoder(), memory, trie_, search_);
    return {to_prediction(r, inputs_.tokenizer()), r.stats};
  }

  [[nodiscard]] const search_config& search() const noexcept { return search_; }

 private:
  B* backend_;
  input_builder inputs_;
  const vocabulary_trie* trie_;
  search_config search_;
};

}  // namespace glide::swipe
