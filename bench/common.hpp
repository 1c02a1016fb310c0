#pragma once
// What the benches share: the default inputs (the shipped English model, the English vocabulary made
// at build time, the shipped grids plus the How-We-Swipe keyboards and validation swipes), the
// parsing of their common options, and a Decoder wrapper that times every call and reports each step.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include <glide/concepts/decoder.hpp>
#include <glide/core/error.hpp>

namespace glide::bench {

using clock_type = std::chrono::steady_clock;

inline double seconds_since(clock_type::time_point t0) { return std::chrono::duration<double>(clock_type::now() - t0).count(); }

/// --model DIR, --vocab FILE, --grids FILE (repeatable), --data FILE (repeatable), --limit N.
struct common_options {
  std::string model_dir = GLIDE_SOURCE_DIR "/models/en-qwerty";
  std::string vocab = GLIDE_VOCAB_DIR "/en.tsv";
  std::vector<std::string> grid_files, data;
  std::size_t limit = 500;

  /// Parses argv with `extra` for the bench's own flag `name` (its value goes to `value`), fills the
  /// defaults, and returns the one data file (an error when there is none or several).
  const std::string& parse_one_data(int argc, char** argv, const std::string& name, std::string& value) {
    parse(argc, argv, [&](const std::string& a, const char* v) {
      if (a != name) return false;
      value = v;
      return true;
    });
    fill_defaults(true);
    if (data.size() != 1)
      throw config_error("give one data file (--data FILE.jsonl; the default, the How-We-Swipe valid file, is not there)");
    return data.front();
  }

  /// Takes `flag value` if it is a common option; false otherwise.
  bool take(const std::string& flag, const char* value) {
    if (flag == "--model") model_dir = value;
    else if (flag == "--vocab") vocab = value;
    else if (flag == "--grids") grid_files.emplace_back(value);
    else if (flag == "--data") data.emplace_back(value);
    else if (flag == "--limit") limit = std::stoul(value);
    else return false;
    return true;
  }
  /// Parses argv: common options, then `extra(flag, value)` for a bench's own (false: unknown).
  template <class Extra>
  void parse(int argc, char** argv, Extra&& extra) {
    if (argc % 2 == 0) throw config_error("options come in pairs: --flag value");
    for (int i = 1; i + 1 < argc; i += 2)
      if (!take(argv[i], argv[i + 1]) && !extra(std::string{argv[i]}, argv[i + 1]))
        throw config_error(std::string{"unknown option "} + argv[i]);
  }
  /// Defaults for what was not given: the shipped grids plus the How-We-Swipe keyboards, and its
  /// validation file when `default_data`.
  void fill_defaults(bool default_data) {
    namespace fs = std::filesystem;
    const std::string hws = GLIDE_SOURCE_DIR "/../shared/data/how-we-swipe";
    if (grid_files.empty()) {
      grid_files.push_back(GLIDE_SOURCE_DIR "/data/grids/grids.json");
      if (fs::exists(hws + "/grids.json")) grid_files.push_back(hws + "/grids.json");
    }
    if (default_data && data.empty() && fs::exists(hws + "/valid.jsonl")) data.push_back(hws + "/valid.jsonl");
  }
};

/// Wraps a Decoder: adds up the time of its calls, counts steps and rows, and calls `on_step(memory,
/// state, rows)` after every step (e.g. to count FLOPs).
template <Decoder D>
class timed_decoder {
 public:
  using memory_type = typename D::memory_type;
  using state_type = typename D::state_type;
  explicit timed_decoder(D& d, std::function<void(const memory_type&, const state_type&, std::size_t)> on_step = {})
      : d_{&d}, on_step_{std::move(on_step)} {}
  [[nodiscard]] std::size_t vocab_size() const { return d_->vocab_size(); }
  [[nodiscard]] std::size_t max_length() const { return decoder_max_length(*d_); }
  [[nodiscard]] token_id bos_id() const { return d_->bos_id(); }
  [[nodiscard]] token_id eos_id() const { return d_->eos_id(); }
  [[nodiscard]] std::size_t batch_size(const state_type& s) const { return d_->batch_size(s); }
  state_type init_state(const memory_type& m, std::size_t b) {
    const auto t0 = clock_type::now();
    auto s = d_->init_state(m, b);
    seconds += seconds_since(t0);
    return s;
  }
  logits_view step(const memory_type& m, state_type& s, std::span<const token_id> last) {
    const auto t0 = clock_type::now();
    auto v = d_->step(m, s, last);
    seconds += seconds_since(t0);
    ++steps;
    rows += last.size();
    if (on_step_) on_step_(m, s, last.size());
    return v;
  }
  void reorder(state_type& s, std::span<const std::size_t> r) {
    const auto t0 = clock_type::now();
    d_->reorder(s, r);
    seconds += seconds_since(t0);
  }
  double seconds = 0;
  std::size_t steps = 0, rows = 0;

 private:
  D* d_;
  std::function<void(const memory_type&, const state_type&, std::size_t)> on_step_;
};

}  // namespace glide::bench
