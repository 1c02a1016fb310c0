#pragma once
// From a swipe to ranked words: grid lookup, features, encoder, search, words. Generic over the
// Backend; one recognizer per model, reusable across swipes (feature extractors are cached per grid).

#include <map>
#include <memory>
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
             std::size_t max_points = 0)
      : backend_{&backend}, grids_{&grids}, tokenizer_{std::move(tokenizer)}, trie_{trie}, search_{std::move(search)},
        max_points_{max_points} {}

  /// The model input of a swipe (its grid named or carried inline).
  [[nodiscard]] model_input input(const swipe_curve& c) {
    const keyboard_grid& grid = c.grid ? *c.grid : grids_->at(c.grid_name);
    auto& fx = extractor(grid, c.grid.has_value());
    return make_model_input(fx.extract(c), grid, tokenizer_, max_points_);
  }

  struct result {
    prediction words;
    search_stats stats;
  };

  [[nodiscard]] result recognize(const swipe_curve& c) {
    const auto memory = backend_->encoder().encode(input(c));
    auto r = run_search(backend_->decoder(), memory, trie_, search_);
    return {to_prediction(r, tokenizer_), r.stats};
  }

  [[nodiscard]] const search_config& search() const noexcept { return search_; }

 private:
  feature_extractor& extractor(const keyboard_grid& grid, bool inline_grid) {
    if (inline_grid) {
      // Inline grids may differ line to line: build a fresh extractor each time.
      inline_ = std::make_unique<feature_extractor>(grid);
      return *inline_;
    }
    auto it = cache_.find(grid.name());
    if (it == cache_.end()) it = cache_.emplace(grid.name(), std::make_unique<feature_extractor>(grid)).first;
    return *it->second;
  }

  B* backend_;
  const grid_set* grids_;
  char_tokenizer tokenizer_;
  const vocabulary_trie* trie_;
  search_config search_;
  std::size_t max_points_ = 0;
  std::map<std::string, std::unique_ptr<feature_extractor>> cache_;
  std::unique_ptr<feature_extractor> inline_;
};

}  // namespace glide::swipe
