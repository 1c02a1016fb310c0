#pragma once
// Stopping criteria (each an aggregate modelling StoppingCriterion) and their disjunction, built with
// `|`: `max_length{20} | eos_stop{eos}` stops when either does.

#include <chrono>
#include <cstddef>
#include <type_traits>
#include <utility>

#include <boost/hana/any_of.hpp>
#include <boost/hana/flatten.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/unpack.hpp>

#include <glide/concepts/stopping_criterion.hpp>
#include <glide/core/types.hpp>

namespace glide {

/// Stops a hypothesis once it holds `length` tokens (the end token included).
struct max_length {
  std::size_t length = 32;
  bool operator()(const hypothesis& h) const noexcept { return h.tokens.size() >= length; }
};
static_assert(StoppingCriterion<max_length>);

/// Stops a hypothesis whose last token is `eos`.
struct eos_stop {
  token_id eos = 0;
  bool operator()(const hypothesis& h) const noexcept { return !h.tokens.empty() && h.tokens.back() == eos; }
};
static_assert(StoppingCriterion<eos_stop>);

/// Stops everything once `limit` has passed since the criterion was made (or restarted).
struct max_time {
  using clock = std::chrono::steady_clock;
  std::chrono::duration<double> limit{1.0};
  clock::time_point start = clock::now();

  void restart() noexcept { start = clock::now(); }
  bool operator()(const hypothesis&) const noexcept { return clock::now() - start >= limit; }
};
static_assert(StoppingCriterion<max_time>);

/// Never stops: what searches use when no criterion is given.
struct never_stop {
  bool operator()(const hypothesis&) const noexcept { return false; }
};
static_assert(StoppingCriterion<never_stop>);

/// Stops when any of its criteria does.
template <StoppingCriterion... Cs>
class stopping_any {
 public:
  stopping_any() = default;
  explicit stopping_any(boost::hana::tuple<Cs...> criteria) : criteria_{std::move(criteria)} {}

  bool operator()(const hypothesis& h) {
    return boost::hana::unpack(criteria_, [&](auto&... c) { return (static_cast<bool>(c(h)) || ...); });
  }

  [[nodiscard]] const boost::hana::tuple<Cs...>& criteria() const noexcept { return criteria_; }

 private:
  boost::hana::tuple<Cs...> criteria_;
};
static_assert(StoppingCriterion<stopping_any<max_length, eos_stop>>);

namespace detail {
template <class T>
struct is_stopping_any : std::false_type {};
template <class... Cs>
struct is_stopping_any<stopping_any<Cs...>> : std::true_type {};

template <class C>
auto as_criteria_tuple(C&& c) {
  if constexpr (is_stopping_any<std::remove_cvref_t<C>>::value)
    return std::forward<C>(c).criteria();
  else
    return boost::hana::make_tuple(std::forward<C>(c));
}
}  // namespace detail

/// The disjunction of criteria; nested disjunctions are flattened.
template <StoppingCriterion... Cs>
auto stop_when_any(Cs... cs) {
  auto all = boost::hana::flatten(boost::hana::make_tuple(detail::as_criteria_tuple(std::move(cs))...));
  return boost::hana::unpack(std::move(all), [](auto... flat) {
    return stopping_any<decltype(flat)...>{boost::hana::make_tuple(std::move(flat)...)};
  });
}

template <class A, class B>
  requires StoppingCriterion<std::remove_cvref_t<A>> && StoppingCriterion<std::remove_cvref_t<B>>
auto operator|(A&& a, B&& b) {
  return stop_when_any(std::remove_cvref_t<A>(std::forward<A>(a)), std::remove_cvref_t<B>(std::forward<B>(b)));
}

}  // namespace glide
