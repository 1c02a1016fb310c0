#pragma once
// What the benches share: the default inputs (the shipped English model, the English vocabulary made
// at build time, the shipped grids plus the How-We-Swipe keyboards and validation swipes), the
// parsing of their common options (CLI11), the setup of the benches that count a transformer's work,
// and a Decoder wrapper that times every call and reports each step.

#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include <glide/backends/eigen/recognizer.hpp>
#include <glide/concepts/decoder.hpp>
#include <glide/core/error.hpp>
#include <glide/io/shell.hpp>
#include <glide/swipe/dataset.hpp>

namespace glide::bench {

using clock_type = std::chrono::steady_clock;

inline double seconds_since(clock_type::time_point t0) { return std::chrono::duration<double>(clock_type::now() - t0).count(); }

/// Sets an environment variable to `value` (nothing when null) and puts back what it was.
class scoped_env {
 public:
  scoped_env(const char* name, const char* value) : name_{name} {
    if (value == nullptr) return;
    const char* before = std::getenv(name);
    had_ = before != nullptr;
    if (had_) before_ = before;
    set_ = true;
    ::setenv(name, value, 1);
  }
  scoped_env(const scoped_env&) = delete;
  scoped_env& operator=(const scoped_env&) = delete;
  ~scoped_env() {
    if (!set_) return;
    if (had_) ::setenv(name_, before_.c_str(), 1);
    else ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::string before_;
  bool had_ = false, set_ = false;
};

using io::shell_quoted;  // the peer benchmarks start other programs
/// Tokens as space-separated numbers (what the peer scripts read).
inline std::string token_string(std::span<const token_id> t) {
  std::string s;
  for (auto x : t) s += (s.empty() ? "" : " ") + std::to_string(x);
  return s;
}

/// --model DIR, --vocab FILE, --grids FILE (repeatable), --data FILE (repeatable), --limit N, parsed
/// with CLI11 like the CLI.
struct common_options {
  std::string model_dir = GLIDE_SOURCE_DIR "/models/en-qwerty";
  std::string vocab = GLIDE_VOCAB_DIR "/en.tsv";
  std::vector<std::string> grid_files, data;
  std::size_t limit = 500;

  /// Adds the common options to `app`.
  void add_to(CLI::App& app) {
    app.add_option("--model", model_dir, "model directory (config.json + model.safetensors)")->capture_default_str();
    app.add_option("--vocab", vocab, "vocabulary: one 'word [count]' a line")->capture_default_str();
    app.add_option("--grids", grid_files, "grid file (repeatable; default: the shipped grids and the How-We-Swipe keyboards)");
    app.add_option("--data", data, "swipes, JSONL (repeatable; default: the How-We-Swipe validation file)");
    app.add_option("--limit", limit, "first N swipes of each data file")->capture_default_str();
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
  /// The CLI's default pipeline on these options' model, vocabulary and grids: trie beam 9, the
  /// geometric rescoring (configs/rescore-en.json), literal spellings (configs/literal-en.json), top 4.
  [[nodiscard]] backends::eigen::recognizer_options cli_defaults() const {
    backends::eigen::recognizer_options o;
    o.model_dir = model_dir;
    o.vocabulary = vocab;
    o.grid_files = grid_files;
    o.rescore_geometric = 1;
    o.rescore_params = GLIDE_SOURCE_DIR "/configs/rescore-en.json";
    o.literal = true;
    o.literal_params = GLIDE_SOURCE_DIR "/configs/literal-en.json";
    o.top = 4;
    return o;
  }
  /// The one data file, after the defaults (an error when there is none or several).
  [[nodiscard]] const std::string& one_data() {
    fill_defaults(true);
    if (data.size() != 1)
      throw config_error("give one data file (--data FILE.jsonl; the default, the How-We-Swipe valid file, is not there)");
    return data.front();
  }
};

/// What the benches that count a transformer's work start from: the recognizer (model, vocabulary,
/// grids) loaded with `search`, the first `limit` swipes of the one data file, and their model inputs.
struct transformer_setup {
  std::unique_ptr<backends::eigen::loaded_recognizer> loaded;
  backends::eigen::transformer_model* model = nullptr;
  std::vector<swipe::swipe_example> examples;
  std::vector<swipe::model_input> inputs;

  /// `who` names the bench in the error for a model that is not a transformer.
  transformer_setup(common_options& opt, const search_config& search, const std::string& who) {
    const auto& data = opt.one_data();
    backends::eigen::recognizer_options o;
    o.model_dir = opt.model_dir;
    o.vocabulary = opt.vocab;
    o.grid_files = opt.grid_files;
    o.search = search;
    loaded = backends::eigen::load_recognizer(std::move(o));
    const auto& config = loaded->config();
    if (config.encoder != "transformer" || config.decoder != "transformer")
      throw config_error(who + " runs transformer models only (" + opt.model_dir + " is " + config.encoder + "/" + config.decoder + ")");
    model = &std::get<backends::eigen::transformer_model>(loaded->model());
    examples = swipe::read_jsonl(data, loaded->grids());
    if (examples.size() > opt.limit) examples.resize(opt.limit);
    if (examples.empty()) throw config_error(data + ": no swipes");
    for (const auto& ex : examples) inputs.push_back(loaded->input(ex.curve));
  }
};

/// Decoder steps by batch size: how many, and their seconds.
using step_times = std::map<std::size_t, std::pair<std::size_t, double>>;

/// Wraps a Decoder: adds up the time of its calls (init_state's apart too, and the steps by batch
/// size), counts steps and rows, and calls `on_step(memory, state, rows)` after every step (e.g. to
/// count FLOPs).
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
    const double t = seconds_since(t0);
    seconds += t;
    init_seconds += t;
    return s;
  }
  logits_view step(const memory_type& m, state_type& s, std::span<const token_id> last) {
    const auto t0 = clock_type::now();
    auto v = d_->step(m, s, last);
    const double t = seconds_since(t0);
    seconds += t;
    auto& batch = by_batch[last.size()];
    ++batch.first;
    batch.second += t;
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
  double seconds = 0, init_seconds = 0;
  std::size_t steps = 0, rows = 0;
  step_times by_batch;

 private:
  D* d_;
  std::function<void(const memory_type&, const state_type&, std::size_t)> on_step_;
};

}  // namespace glide::bench
