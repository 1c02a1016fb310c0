#pragma once
// Type erasure for logits processors chosen at run time (command lines, config files), and a parser
// for textual processor specifications.

#include <charconv>
#include <concepts>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <glide/core/charconv.hpp>
#include <glide/concepts/logits_processor.hpp>
#include <glide/core/error.hpp>
#include <glide/processors/basic.hpp>

namespace glide {

/// Holds any LogitsProcessor by value.
class any_logits_processor {
 public:
  any_logits_processor() = default;

  template <class P>
    requires(LogitsProcessor<P> && !std::same_as<std::remove_cvref_t<P>, any_logits_processor>)
  any_logits_processor(P p)  // NOLINT(google-explicit-constructor): erasure is the point
      : self_{std::make_unique<model<P>>(std::move(p))} {}

  any_logits_processor(const any_logits_processor& other) : self_{other.self_ ? other.self_->clone() : nullptr} {}
  any_logits_processor(any_logits_processor&&) noexcept = default;
  any_logits_processor& operator=(const any_logits_processor& other) {
    if (this != &other) self_ = other.self_ ? other.self_->clone() : nullptr;
    return *this;
  }
  any_logits_processor& operator=(any_logits_processor&&) noexcept = default;
  ~any_logits_processor() = default;

  /// An empty processor changes nothing.
  void operator()(std::span<const token_id> prefix, std::span<float> scores) {
    if (self_) self_->apply(prefix, scores);
  }

  [[nodiscard]] explicit operator bool() const noexcept { return self_ != nullptr; }

 private:
  struct concept_t {
    virtual ~concept_t() = default;
    virtual void apply(std::span<const token_id>, std::span<float>) = 0;
    [[nodiscard]] virtual std::unique_ptr<concept_t> clone() const = 0;
  };
  template <class P>
  struct model final : concept_t {
    explicit model(P p) : p_{std::move(p)} {}
    void apply(std::span<const token_id> prefix, std::span<float> scores) override { p_(prefix, scores); }
    [[nodiscard]] std::unique_ptr<concept_t> clone() const override { return std::make_unique<model>(p_); }
    P p_;
  };
  std::unique_ptr<concept_t> self_;
};
static_assert(LogitsProcessor<any_logits_processor>);

/// A run-time sequence of processors, applied in order.
class runtime_chain {
 public:
  runtime_chain() = default;
  explicit runtime_chain(std::vector<any_logits_processor> processors) : processors_{std::move(processors)} {}

  void push_back(any_logits_processor p) { processors_.push_back(std::move(p)); }
  [[nodiscard]] std::size_t size() const noexcept { return processors_.size(); }

  void operator()(std::span<const token_id> prefix, std::span<float> scores) {
    for (auto& p : processors_) p(prefix, scores);
  }

 private:
  std::vector<any_logits_processor> processors_;
};
static_assert(LogitsProcessor<runtime_chain>);

namespace detail {
template <class T>
T parse_number(std::string_view text, std::string_view spec) {
  T value{};
  if (!glide::detail::parse_number(text, value))
    throw parse_error("logits processor '" + std::string(spec) + "': '" + std::string(text) + "' is not a number");
  return value;
}
}  // namespace detail

/// Parses one processor specification `name[:args]`:
///   min_length:N  suppress:T1,T2,...  repetition_penalty:X  temperature:X  top_k:N  top_p:X
/// `eos` is the end token that min_length forbids. Unknown names and bad numbers throw.
inline any_logits_processor make_logits_processor(std::string_view spec, token_id eos) {
  const auto colon = spec.find(':');
  const auto name = spec.substr(0, colon);
  const auto args = colon == std::string_view::npos ? std::string_view{} : spec.substr(colon + 1);
  auto need_args = [&] {
    if (args.empty()) throw parse_error("logits processor '" + std::string(spec) + "' needs an argument after ':'");
  };
  if (name == "min_length") {
    need_args();
    return min_length{.length = detail::parse_number<std::size_t>(args, spec), .eos = eos};
  }
  if (name == "suppress") {
    need_args();
    suppress_tokens p;
    std::string_view rest = args;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      p.tokens.push_back(detail::parse_number<token_id>(rest.substr(0, comma), spec));
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
    return p;
  }
  auto checked = [&](auto p) {
    // Run once on a dummy row so an out-of-domain value is reported now, naming the spec.
    float row[2] = {-1.0F, -2.0F};
    try {
      p(std::span<const token_id>{}, std::span<float>{row});
    } catch (const config_error& e) {
      throw config_error("logits processor '" + std::string(spec) + "': " + e.what());
    }
    return any_logits_processor{std::move(p)};
  };
  if (name == "repetition_penalty") {
    need_args();
    return checked(repetition_penalty{.penalty = detail::parse_number<float>(args, spec)});
  }
  if (name == "temperature") {
    need_args();
    return checked(temperature{.value = detail::parse_number<float>(args, spec)});
  }
  if (name == "top_k") {
    need_args();
    return checked(top_k{.k = detail::parse_number<std::size_t>(args, spec)});
  }
  if (name == "top_p") {
    need_args();
    return checked(top_p{.p = detail::parse_number<float>(args, spec)});
  }
  throw unknown_name_error("unknown logits processor '" + std::string(name) +
                           "' (known: min_length, suppress, repetition_penalty, temperature, top_k, top_p)");
}

}  // namespace glide
