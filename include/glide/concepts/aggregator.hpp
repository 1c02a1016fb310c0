#pragma once
// Aggregator: merges the ranked predictions of several models for one input into one prediction.
// FittableAggregator: an Aggregator whose parameters (per-model weights) are fitted on validation data.
//
// Syntactic requirements, for an `A a` and `std::span<const prediction> per_model` (one per model, in
// a fixed model order):
//   a(per_model) -> prediction          // ranked, best first, no duplicate words
// FittableAggregator additionally, for `std::span<const std::vector<prediction>> validation`
// (validation[m][i]: model m's prediction for example i) and `std::span<const std::string> targets`:
//   a.fit(validation, targets) -> void  // then a(per_model) uses the fitted parameters
//
// Semantic laws (kit: glide/testing/laws/aggregator_laws.hpp, target glide::laws):
//   no duplicates: every word appears at most once in the result;
//   closure: every result word comes from some input prediction;
//   identity: aggregating a single prediction keeps its order (after duplicates are removed);
//   trust: raising one model's weight never lowers the rank of a word that model ranks first.
//
// Models: weighted_merge, reciprocal_rank_fusion, borda.

#include <concepts>
#include <span>
#include <string>
#include <vector>

#include <glide/core/types.hpp>

namespace glide {

template <class A>
concept Aggregator = requires(A& a, std::span<const prediction> per_model) {
  { a(per_model) } -> std::same_as<prediction>;
};

template <class A>
concept FittableAggregator =
    Aggregator<A> && requires(A& a, std::span<const std::vector<prediction>> validation,
                              std::span<const std::string> targets) {
      { a.fit(validation, targets) } -> std::same_as<void>;
    };

}  // namespace glide
