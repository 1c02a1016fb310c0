#pragma once
// Real swipes read from JSONL files of any size without holding them in memory: one pass counts each
// file's lines and remembers where every window of `window_lines` lines begins (a few bytes a window);
// example `e` of the stream is then a pure function of e and the seed, so a trainer's batches depend
// on the step alone and a resumed run sees what it would have seen.
//
// Order: e / lines() is the epoch (one pass over every line of every file); each epoch visits the
// windows in its own seeded order and each window's lines in a seeded order of their own. A line that
// is not a usable swipe (malformed JSON, a bad curve, a word the caller rejects) is replaced by the
// next usable line of its window in that order; such lines are counted and the first few named.
//
// The same from feature shards (swipe/shards.hpp, `glide prepare`): windows of `window_lines`
// swipes in shard order, read from the mapped columns, with the model inputs computed when the
// shards were made (features_at). Shards of a JSONL file without bad lines give the same stream as
// the file: the same swipe at every position.

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <glide/core/error.hpp>
#include <glide/swipe/dataset.hpp>
#include <glide/swipe/grid.hpp>
#include <glide/swipe/model_input.hpp>
#include <glide/swipe/shards.hpp>

namespace glide::swipe {

struct example_stream_options {
  std::size_t window_lines = 4096;  ///< lines a window holds (the unit of shuffling and of reading)
  std::uint32_t seed = 1;
  std::size_t named_skips = 10;  ///< skipped lines named in skipped().first
};

/// Lines a stream passed over, and why (the first few, as "file:line: reason").
struct skipped_lines {
  std::size_t count = 0;
  std::vector<std::string> first;
};

class example_stream {
  struct window {
    std::size_t file = 0;
    std::uint64_t offset = 0, bytes = 0;  // where the window's text begins in its file, and its length
    std::size_t first_line = 0;           // 1-based line number of its first line
    std::size_t lines = 0;
  };

 public:
  /// Says why an example cannot be trained on (empty: it can).
  using check_fn = std::function<std::string(const swipe_example&)>;

  /// What one reading thread keeps: the window it read last (its text, where each line starts, and its
  /// lines parsed so far).
  class cursor {
    friend class example_stream;
    const example_stream* stream_ = nullptr;  // the stream whose window it holds (a cursor may move to another)
    std::size_t epoch_ = static_cast<std::size_t>(-1), window_ = static_cast<std::size_t>(-1);
    std::string text_;
    std::vector<std::uint32_t> starts_;  // each line's start in text_, then text_.size() + 1
    std::vector<std::uint32_t> order_;   // the window's lines in this epoch's order
    std::vector<std::optional<swipe_example>> parsed_;
    std::vector<std::uint8_t> bad_;
  };

  /// Folders of feature shards to stream (instead of JSONL files).
  struct shard_folders {
    std::vector<std::string> folders;
  };

  /// Scans `files` once (their lines and window starts). Curves must name grids of `grids`; `check`
  /// (optional) rejects examples the caller cannot use.
  example_stream(std::vector<std::string> files, const grid_set& grids, example_stream_options options = {}, check_fn check = {})
      : files_{std::move(files)}, grids_{&grids}, options_{options}, check_{std::move(check)} {
    check_options();
    try {
      // Each file stays open from its indexing on: a file replaced afterwards is not read.
      for (std::size_t f = 0; f < files_.size(); ++f) index(f);
    } catch (...) {
      close_files();
      throw;
    }
    if (lines_ == 0) {
      close_files();
      throw io_error("example stream: no lines in " + describe_files());
    }
  }
  /// Maps the shards of each folder (their grids must be in `grids`).
  example_stream(shard_folders folders, const grid_set& grids, example_stream_options options = {}, check_fn check = {})
      : files_{std::move(folders.folders)}, grids_{&grids}, options_{options}, check_{std::move(check)} {
    check_options();
    for (std::size_t f = 0; f < files_.size(); ++f) {
      shards_.push_back(shard_set::open(files_[f]));
      shards_.back().check_grids(grids);
      const std::size_t n = shards_.back().size();
      for (std::size_t at = 0; at < n; at += options_.window_lines)
        windows_.push_back({f, 0, 0, at, std::min(options_.window_lines, n - at)});
      lines_ += n;
    }
    if (lines_ == 0) throw io_error("example stream: no swipes in the shards of " + describe_files());
  }
  example_stream(const example_stream&) = delete;
  example_stream& operator=(const example_stream&) = delete;
  ~example_stream() { close_files(); }

  /// Lines of every file: one epoch.
  [[nodiscard]] std::size_t lines() const noexcept { return lines_; }
  [[nodiscard]] std::size_t windows() const noexcept { return windows_.size(); }
  [[nodiscard]] const std::vector<std::string>& files() const noexcept { return files_; }

  /// Whether the stream reads shards that hold model inputs (features_at).
  [[nodiscard]] bool has_features() const noexcept { return !shards_.empty() && shards_.front().has_features(); }
  /// The shard folders (empty for JSONL).
  [[nodiscard]] const std::vector<shard_set>& shards() const noexcept { return shards_; }

  /// Example `e` of the stream (epoch e / lines()). Thread-safe with one cursor per thread.
  [[nodiscard]] swipe_example at(std::size_t e, cursor& c) const {
    const auto [w, j] = locate(e, c);
    if (shards_.empty()) return *c.parsed_[j];
    return shards_[windows_[w].file].example(windows_[w].first_line + j);
  }
  /// Example `e`'s word and model input, read from shards made with features (has_features()).
  [[nodiscard]] std::pair<std::string, model_input> features_at(std::size_t e, cursor& c) const {
    if (!has_features()) throw config_error("example stream: " + describe_files() + " hold no model inputs (glide prepare --model)");
    const auto [w, j] = locate(e, c);
    return {c.parsed_[j]->word, shards_[windows_[w].file].features(windows_[w].first_line + j)};
  }

  /// The lines passed over so far (each counted once), the first few named.
  [[nodiscard]] skipped_lines skipped() const {
    std::lock_guard lock{mutex_};
    return {skipped_.size(), named_};
  }

 private:
  // The window of example `e` and the line of it that stands for e (parsed and usable).
  [[nodiscard]] std::pair<std::size_t, std::size_t> locate(std::size_t e, cursor& c) const {
    const std::size_t epoch = e / lines_, pos = e % lines_;
    const auto order = epoch_order(epoch);
    // The window holding position `pos` in this epoch's order, and the line's place in it.
    const auto it = std::upper_bound(order->ends.begin(), order->ends.end(), pos);
    const std::size_t k = static_cast<std::size_t>(it - order->ends.begin());
    const std::size_t in = pos - (k == 0 ? 0 : order->ends[k - 1]);
    // A window without a usable line (a short last window of blank lines, say) hands on to the next
    // window of the epoch's order.
    for (std::size_t t = 0; t < order->windows.size(); ++t) {
      const std::size_t w = order->windows[(k + t) % order->windows.size()];
      load(c, epoch, w);
      const auto& win = windows_[w];
      for (std::size_t tried = 0; tried < win.lines; ++tried) {
        const std::size_t j = c.order_[(in + tried) % win.lines];
        if (c.bad_[j]) continue;
        if (!c.parsed_[j]) parse(c, w, j);
        if (c.parsed_[j]) return {w, j};
      }
    }
    throw parse_error("example stream: no usable swipe in " + describe_files() + " (" + first_skip_reason() + ")");
  }

  void close_files() noexcept {
    for (int fd : fds_) ::close(fd);
    fds_.clear();
  }
  void check_options() const {
    if (options_.window_lines == 0) throw config_error("example stream: window_lines must be positive");
    if (options_.window_lines > (1U << 24)) throw config_error("example stream: window_lines above 16777216");
  }

  struct order_of_epoch {
    std::vector<std::size_t> windows;  // in this epoch's order
    std::vector<std::size_t> ends;     // running line counts
  };

  static std::uint64_t mix(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
  }
  [[nodiscard]] std::uint64_t seed_of(std::uint64_t a, std::uint64_t b) const {
    return mix(mix(mix(options_.seed) ^ a) ^ (b * 0x9E3779B97F4A7C15ULL));
  }

  [[nodiscard]] std::string describe_files() const {
    std::string s;
    for (const auto& f : files_) s += (s.empty() ? "'" : ", '") + f + "'";
    return s.empty() ? "no files" : s;
  }

  // Counts a file's lines (the last may lack its newline; a file of one blank line has one line) and
  // records a window every window_lines lines.
  void index(std::size_t f) {
    const auto& path = files_[f];
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw io_error("cannot open dataset '" + path + "': " + std::strerror(errno));
    fds_.push_back(fd);
    std::vector<char> buf(1 << 20);
    std::uint64_t at = 0, line_start = 0;
    std::size_t line = 0;
    window cur{f, 0, 0, 1, 0};
    bool pending = false;  // bytes after the last newline
    auto close_line = [&](std::uint64_t end) {  // the line ends at `end` (its newline)
      ++line;
      ++cur.lines;
      line_start = end + 1;
      if (cur.lines == options_.window_lines) {
        cur.bytes = line_start - cur.offset;
        check_window(cur);
        windows_.push_back(cur);
        cur = window{f, line_start, 0, line + 1, 0};
      }
    };
    for (;;) {
      const ssize_t n = ::read(fd, buf.data(), buf.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        throw io_error("cannot read dataset '" + path + "': " + std::strerror(errno));
      }
      if (n == 0) break;
      const char* p = buf.data();
      const char* end = p + n;
      while (p < end) {
        const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
        if (!nl) {
          pending = true;
          break;
        }
        close_line(at + static_cast<std::uint64_t>(static_cast<const char*>(nl) - buf.data()));
        pending = false;
        p = static_cast<const char*>(nl) + 1;
      }
      at += static_cast<std::uint64_t>(n);
    }
    if (pending && at > line_start) {
      ++line;
      ++cur.lines;
      line_start = at + 1;
    }
    if (cur.lines > 0) {
      cur.bytes = std::min<std::uint64_t>(line_start, at) - cur.offset;
      check_window(cur);
      windows_.push_back(cur);
    }
    lines_ += line;
  }
  // A window's line starts are 32-bit offsets into its text.
  void check_window(const window& w) const {
    if (w.bytes > 0xFFFFFFF0ULL)
      throw io_error("example stream: lines " + std::to_string(w.first_line) + "-" + std::to_string(w.first_line + w.lines - 1) + " of '" +
                     files_[w.file] + "' hold over 4 GiB; use fewer window_lines");
  }

  [[nodiscard]] std::shared_ptr<const order_of_epoch> epoch_order(std::size_t epoch) const {
    std::lock_guard lock{mutex_};
    if (auto it = orders_.find(epoch); it != orders_.end()) return it->second;
    auto o = std::make_shared<order_of_epoch>();
    o->windows.resize(windows_.size());
    std::iota(o->windows.begin(), o->windows.end(), std::size_t{0});
    std::mt19937_64 rng{seed_of(epoch, 0)};  // (window w's lines: seed_of(epoch, w + 1))
    std::shuffle(o->windows.begin(), o->windows.end(), rng);
    std::size_t total = 0;
    for (std::size_t w : o->windows) o->ends.push_back(total += windows_[w].lines);
    // Readers run a little ahead of and behind each other at an epoch's end: keep the two newest.
    if (orders_.size() >= 2) orders_.erase(orders_.begin());
    orders_[epoch] = o;
    return o;
  }

  void load(cursor& c, std::size_t epoch, std::size_t w) const {
    if (c.stream_ != this) {
      c.stream_ = this;
      c.window_ = c.epoch_ = static_cast<std::size_t>(-1);
    }
    if (c.window_ == w && c.epoch_ == epoch) return;
    const auto& win = windows_[w];
    if (c.window_ != w && !shards_.empty()) {
      c.parsed_.assign(win.lines, std::nullopt);
      c.bad_.assign(win.lines, 0);
    } else if (c.window_ != w) {
      c.text_.resize(win.bytes);
      std::size_t got = 0;
      while (got < win.bytes) {
        const ssize_t n = ::pread(fds_[win.file], c.text_.data() + got, win.bytes - got, static_cast<off_t>(win.offset + got));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0)
          throw io_error("cannot read dataset '" + files_[win.file] + "' at line " + std::to_string(win.first_line) + ": " +
                         (n < 0 ? std::strerror(errno) : "the file is shorter than when it was indexed"));
        got += static_cast<std::size_t>(n);
      }
      c.starts_.clear();
      std::size_t s = 0;
      for (std::size_t i = 0; i < win.lines; ++i) {
        c.starts_.push_back(static_cast<std::uint32_t>(s));
        const auto nl = c.text_.find('\n', s);
        s = nl == std::string::npos ? c.text_.size() + 1 : nl + 1;
      }
      c.starts_.push_back(static_cast<std::uint32_t>(s));
      c.parsed_.assign(win.lines, std::nullopt);
      c.bad_.assign(win.lines, 0);
    }
    c.order_.resize(win.lines);
    std::iota(c.order_.begin(), c.order_.end(), std::uint32_t{0});
    std::mt19937_64 rng{seed_of(epoch, w + 1)};
    std::shuffle(c.order_.begin(), c.order_.end(), rng);
    c.epoch_ = epoch;
    c.window_ = w;
  }

  void parse(cursor& c, std::size_t w, std::size_t j) const {
    const auto& win = windows_[w];
    if (!shards_.empty()) {
      // Shards hold usable swipes only (glide prepare skipped the rest); the caller's check sees the word.
      swipe_example ex;
      ex.word = shards_[win.file].word(win.first_line + j);
      const std::string reason = ex.word.empty() ? std::string{"no word"} : check_ ? check_(ex) : std::string{};
      if (reason.empty()) {
        c.parsed_[j] = std::move(ex);
        return;
      }
      const auto& set = shards_[win.file];
      skip(c, w, j, [&] { return set.source(win.first_line + j) + ":" + std::to_string(set.source_line(win.first_line + j)) + " (in " +
                               files_[win.file] + "): " + reason; });
      return;
    }
    const std::size_t line = win.first_line + j;
    const std::string where = files_[win.file] + ":" + std::to_string(line) + ": ";
    std::string_view text{c.text_};
    text = text.substr(c.starts_[j], c.starts_[j + 1] - 1 - c.starts_[j]);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    std::string reason;
    if (text.find_first_not_of(" \t\r") == std::string_view::npos) {
      reason = "blank line";
    } else {
      try {
        auto ex = parse_example(nlohmann::json::parse(text), where);
        if (!ex.curve.grid && !grids_->contains(ex.curve.grid_name))
          throw unknown_name_error(where + "grid '" + ex.curve.grid_name + "' is in none of the grid files (" +
                                   (grids_->sources().empty() ? "grids built in memory" : grids_->sources()) + ")");
        if (ex.word.empty()) reason = "no word";
        else if (check_) reason = check_(ex);
        if (reason.empty()) {
          c.parsed_[j] = std::move(ex);
          return;
        }
      } catch (const nlohmann::json::exception& e) {
        reason = std::string{"malformed JSON ("} + e.what() + ")";
      } catch (const parse_error& e) {
        reason = e.what();
      } catch (const shape_error& e) {
        reason = e.what();
      }
    }
    // Parse errors already say where; the others get the place here.
    skip(c, w, j, [&] { return reason.rfind(where, 0) == 0 ? reason : where + reason; });
  }

  // Line j of window w is not usable: marked in the cursor, counted once, named (`message()`) among the first few.
  template <class Message>
  void skip(cursor& c, std::size_t w, std::size_t j, Message message) const {
    c.bad_[j] = 1;
    const auto key = (static_cast<std::uint64_t>(windows_[w].file) << 48) | (windows_[w].first_line + j);
    std::lock_guard lock{mutex_};
    if (skipped_.insert(key).second && named_.size() < options_.named_skips) named_.push_back(message());
  }

  [[nodiscard]] std::string first_skip_reason() const {
    std::lock_guard lock{mutex_};
    return named_.empty() ? "every line skipped" : "first skipped: " + named_.front();
  }

  std::vector<std::string> files_;
  const grid_set* grids_;
  example_stream_options options_;
  check_fn check_;
  std::vector<window> windows_;
  std::size_t lines_ = 0;
  std::vector<int> fds_;
  std::vector<shard_set> shards_;
  mutable std::mutex mutex_;
  mutable std::map<std::size_t, std::shared_ptr<const order_of_epoch>> orders_;
  mutable std::set<std::uint64_t> skipped_;
  mutable std::vector<std::string> named_;
};

}  // namespace glide::swipe
