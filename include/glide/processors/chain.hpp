#pragma once
// A compile-time chain of logits processors (a Boost.Hana tuple), built with `|`, applied left to
// right. `a | b | c` flattens into one processor_chain<A, B, C>.

#include <type_traits>
#include <utility>

#include <boost/hana/flatten.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/unpack.hpp>

#include <glide/concepts/logits_processor.hpp>

namespace glide {

template <LogitsProcessor... Ps>
class processor_chain {
 public:
  processor_chain() = default;
  explicit processor_chain(boost::hana::tuple<Ps...> processors) : processors_{std::move(processors)} {}

  void operator()(std::span<const token_id> prefix, std::span<float> scores) {
    boost::hana::for_each(processors_, [&](auto& p) { p(prefix, scores); });
  }

  [[nodiscard]] const boost::hana::tuple<Ps...>& processors() const noexcept { return processors_; }
  [[nodiscard]] boost::hana::tuple<Ps...>& processors() noexcept { return processors_; }

 private:
  boost::hana::tuple<Ps...> processors_;
};

static_assert(LogitsProcessor<processor_chain<>>);

namespace detail {
template <class T>
struct is_processor_chain : std::false_type {};
template <class... Ps>
struct is_processor_chain<processor_chain<Ps...>> : std::true_type {};

template <class P>
auto as_processor_tuple(P&& p) {
  if constexpr (is_processor_chain<std::remove_cvref_t<P>>::value)
    return std::forward<P>(p).processors();
  else
    return boost::hana::make_tuple(std::forward<P>(p));
}
}  // namespace detail

/// Chains processors in order; nested chains are flattened.
template <LogitsProcessor... Ps>
auto chain(Ps... ps) {
  auto all = boost::hana::flatten(boost::hana::make_tuple(detail::as_processor_tuple(std::move(ps))...));
  return boost::hana::unpack(std::move(all), [](auto... flat) {
    return processor_chain<decltype(flat)...>{boost::hana::make_tuple(std::move(flat)...)};
  });
}

template <class A, class B>
  requires LogitsProcessor<std::remove_cvref_t<A>> && LogitsProcessor<std::remove_cvref_t<B>>
auto operator|(A&& a, B&& b) {
  return chain(std::remove_cvref_t<A>(std::forward<A>(a)), std::remove_cvref_t<B>(std::forward<B>(b)));
}

/// The processor that changes nothing: what searches use when none is given.
using no_processor = processor_chain<>;

}  // namespace glide
