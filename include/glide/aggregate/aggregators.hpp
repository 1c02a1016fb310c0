#pragma once
// Aggregation of several models' ranked predictions for one input. Each aggregator scores every word
// as a weighted sum of per-model contributions; a word a model did not predict gets nothing from it.
//   weighted_merge:          w_m * p_m(word), p_m the softmax of model m's scores over its list;
//   reciprocal_rank_fusion:  w_m / (k + rank_m(word));
//   borda:                   w_m * (list length - rank_m(word) + 1).
// Weights mean trust: each contribution grows with its weight, and a model's first word gets its
// largest contribution, so raising a model's weight never demotes that model's first word. Results
// are de-duplicated (a model's repeated word counts once, at its best rank) and cut to `top_k`.
// fit() searches the weights that maximise Swipe MRR on validation predictions (coordinate ascent
// over a fixed grid, deterministic).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <map>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include <glide/concepts/aggregator.hpp>
#include <glide/core/error.hpp>
#include <glide/core/types.hpp>
#include <glide/metrics/swipe_metrics.hpp>

namespace glide {

namespace detail {

/// A model's list without repeated words (first occurrence kept).
inline prediction distinct(const prediction& p) {
  prediction out;
  for (const auto& s : p)
    if (std::none_of(out.begin(), out.end(), [&](const scored_word& o) { return o.word == s.word; })) out.push_back(s);
  return out;
}

template <class Contribution>
class weighted_aggregator {
 public:
  std::vector<float> weights;  ///< one per model; empty means all 1
  std::size_t top_k = 0;       ///< 0: keep every word
  Contribution contribution{};

  prediction operator()(std::span<const prediction> per_model) const {
    if (!weights.empty() && weights.size() != per_model.size())
      throw shape_error("aggregator: " + std::to_string(weights.size()) + " weights for " +
                        std::to_string(per_model.size()) + " models");
    std::unordered_map<std::string, double> score;
    std::vector<std::string> order;  // first appearance, for deterministic ties
    for (std::size_t m = 0; m < per_model.size(); ++m) {
      const double w = weights.empty() ? 1.0 : weights[m];
      if (w < 0) throw config_error("aggregator: weights must be >= 0");
      const auto list = distinct(per_model[m]);
      const auto values = contribution(list);
      for (std::size_t r = 0; r < list.size(); ++r) {
        auto [it, fresh] = score.emplace(list[r].word, 0.0);
        if (fresh) order.push_back(list[r].word);
        it->second += w * values[r];
      }
    }
    prediction out;
    for (const auto& w : order) out.push_back({w, static_cast<score_t>(score[w])});
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.score > b.score; });
    if (top_k != 0 && out.size() > top_k) out.resize(top_k);
    return out;
  }

  /// Weights maximising mean Swipe MRR: validation[m][i] is model m's prediction for example i.
  void fit(std::span<const std::vector<prediction>> validation, std::span<const std::string> targets) {
    if (validation.empty()) throw config_error("aggregator fit: no models");
    for (const auto& v : validation)
      if (v.size() != targets.size())
        throw shape_error("aggregator fit: a model has " + std::to_string(v.size()) + " predictions for " +
                          std::to_string(targets.size()) + " targets");
    if (targets.empty()) throw config_error("aggregator fit: no validation examples");
    static constexpr float grid[] = {0.0F, 0.1F, 0.25F, 0.5F, 0.75F, 1.0F, 1.5F, 2.0F, 3.0F, 5.0F};
    weights.assign(validation.size(), 1.0F);
    auto mrr = [&] {
      double total = 0;
      std::vector<prediction> row(validation.size());
      for (std::size_t i = 0; i < targets.size(); ++i) {
        for (std::size_t m = 0; m < validation.size(); ++m) row[m] = validation[m][i];
        total += swipe_mrr((*this)(row), targets[i]);
      }
      return total / static_cast<double>(targets.size());
    };
    double best = mrr();
    for (int round = 0; round < 3; ++round) {
      bool improved = false;
      for (std::size_t m = 0; m < weights.size(); ++m) {
        const float keep = weights[m];
        float best_w = keep;
        for (float w : grid) {
          weights[m] = w;
          const double s = mrr();
          if (s > best + 1e-12) {
            best = s;
            best_w = w;
            improved = true;
          }
        }
        weights[m] = best_w;
      }
      if (!improved) break;
    }
    fitted_mrr = best;
  }

  double fitted_mrr = 0;  ///< validation MRR reached by fit()
};

struct softmax_contribution {
  std::vector<double> operator()(const prediction& list) const {
    std::vector<double> p(list.size());
    if (list.empty()) return p;
    double mx = -1e300;
    for (const auto& s : list) mx = std::max(mx, static_cast<double>(s.score));
    double z = 0;
    for (std::size_t i = 0; i < list.size(); ++i) z += p[i] = std::exp(static_cast<double>(list[i].score) - mx);
    for (auto& v : p) v /= z;
    // Lists are ranked; a list whose scores are not sorted still gives its first word the most.
    for (std::size_t i = 1; i < p.size(); ++i) p[i] = std::min(p[i], p[i - 1]);
    return p;
  }
};

struct reciprocal_rank_contribution {
  double k = 60.0;
  std::vector<double> operator()(const prediction& list) const {
    std::vector<double> v(list.size());
    for (std::size_t r = 0; r < list.size(); ++r) v[r] = 1.0 / (k + static_cast<double>(r + 1));
    return v;
  }
};

struct borda_contribution {
  std::vector<double> operator()(const prediction& list) const {
    std::vector<double> v(list.size());
    for (std::size_t r = 0; r < list.size(); ++r) v[r] = static_cast<double>(list.size() - r);
    return v;
  }
};

}  // namespace detail

using weighted_merge = detail::weighted_aggregator<detail::softmax_contribution>;
using reciprocal_rank_fusion = detail::weighted_aggregator<detail::reciprocal_rank_contribution>;
using borda = detail::weighted_aggregator<detail::borda_contribution>;

static_assert(FittableAggregator<weighted_merge>);
static_assert(FittableAggregator<reciprocal_rank_fusion>);
static_assert(FittableAggregator<borda>);

}  // namespace glide
