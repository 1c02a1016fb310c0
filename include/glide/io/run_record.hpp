#pragma once
// The record of a training run (issue 26): what reproduces a model directory and what it measured.
// MODEL_DIR/record.json holds one session per start of the trainer (a first run, then each resume):
// the exact command line, the working directory, the code version (the git commit of the source
// tree and whether it had uncommitted changes), and every input file (config, JSONL data, grids,
// vocabularies, initial weights) with its size and content hash. metrics.csv (a row per validation)
// and metrics.svg sit beside it. list_runs reads the directories under a folder into one summary per
// run, for `glide runs`, as the prediction table does for predictions.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <glide/core/charconv.hpp>
#include <glide/core/error.hpp>
#include <glide/io/content_hash.hpp>
#include <glide/io/csv.hpp>
#include <glide/io/durable_file.hpp>
#include <glide/io/shell.hpp>

namespace glide::io {

/// The version of the code a run was made with.
struct code_version {
  std::string commit;  ///< the source tree's git commit; empty when it is not a git work tree (or git is absent)
  bool dirty = false;  ///< tracked files differ from the commit
  std::string source;  ///< the source tree asked about

  [[nodiscard]] nlohmann::json to_json() const {
    return {{"commit", commit.empty() ? nlohmann::json(nullptr) : nlohmann::json(commit)}, {"dirty", dirty}, {"source", source}};
  }
};

/// The git commit of `source_dir` and whether its tracked files have uncommitted changes.
[[nodiscard]] inline code_version code_version_of(const std::string& source_dir) {
  code_version v;
  v.source = source_dir;
  const std::string git = "git -C " + shell_quoted(source_dir) + " ";
  auto commit = command_output(git + "rev-parse HEAD 2> /dev/null");
  while (!commit.empty() && (commit.back() == '\n' || commit.back() == '\r')) commit.pop_back();
  if (commit.size() != 40) return v;
  v.commit = commit;
  v.dirty = !command_output(git + "status --porcelain --untracked-files=no 2> /dev/null").empty();
  return v;
}

/// One input file of a run: its role in the config, path, size and content hash.
[[nodiscard]] inline nlohmann::json data_file_record(const std::string& role, const std::string& path) {
  namespace fs = std::filesystem;
  if (!fs::is_regular_file(path)) throw io_error("run record: " + role + " '" + path + "' is not a file");
  return {{"role", role}, {"path", path}, {"bytes", fs::file_size(path)}, {"hash", file_content_hash(path)}};
}

/// The current UTC time as 2026-12-04T14:50:00Z.
[[nodiscard]] inline std::string utc_now() {
  const auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

/// The run record at `path`; an error naming it when it is not JSON or has no 'sessions' list.
[[nodiscard]] inline nlohmann::json read_run_record(const std::filesystem::path& path) {
  std::ifstream in{path};
  nlohmann::json record;
  try {
    record = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw parse_error(path.string() + ": not JSON (" + e.what() + ")");
  }
  if (!record.is_object() || !record.contains("sessions") || !record["sessions"].is_array())
    throw parse_error(path.string() + ": not a run record (no 'sessions' list)");
  return record;
}

/// Appends `session` to `model_dir`/record.json (made when absent), durably. A record.json that is
/// not a run record is an error naming it (it is never overwritten).
inline void append_run_session(const std::filesystem::path& model_dir, const nlohmann::json& session) {
  const auto path = model_dir / "record.json";
  auto record = std::filesystem::exists(path) ? read_run_record(path)
                                              : nlohmann::json{{"format", "glide run record 1"}, {"sessions", nlohmann::json::array()}};
  record["sessions"].push_back(session);
  write_file_durably(path.string(), record.dump(2) + "\n", "run record");
}

/// What `glide runs` shows of one model directory.
struct run_summary {
  std::filesystem::path dir;
  std::size_t validations = 0;
  std::size_t last_step = 0;
  std::optional<double> best_real;  ///< best validation MRR on real swipes (raw or averaged weights)
  std::size_t best_real_step = 0;
  std::optional<double> best_synthetic;  ///< best validation MRR on synthetic swipes
  bool finished = false;
  std::size_t sessions = 0;  ///< starts recorded in record.json (0: no record)
  std::string commit;        ///< of the last session
  bool dirty = false;
  std::uintmax_t model_bytes = 0;
};

/// The summary of the run in `dir` (metrics.csv, record.json, finished, model.safetensors); rows of
/// metrics.csv that do not parse are an error naming the file and line.
[[nodiscard]] inline run_summary summarize_run(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  run_summary s;
  s.dir = dir;
  s.finished = fs::exists(dir / "finished");
  if (fs::is_regular_file(dir / "model.safetensors")) s.model_bytes = fs::file_size(dir / "model.safetensors");
  if (std::ifstream in{dir / "metrics.csv"}) {
    const auto csv = (dir / "metrics.csv").string();
    std::size_t n = 0;  // the line read last
    const auto header = read_csv_row(in, n, csv).value_or(std::vector<std::string>{});
    auto column = [&](const char* name) -> std::ptrdiff_t {
      const auto it = std::find(header.begin(), header.end(), name);
      return it == header.end() ? -1 : it - header.begin();
    };
    const auto c_step = column("step"), c_syn = column("valid_mrr"), c_real = column("real_mrr"), c_ema = column("ema_mrr");
    if (c_step < 0) throw parse_error(csv + ": no 'step' column");
    while (const auto row = read_csv_row(in, n, csv)) {
      const auto& cells = *row;
      if (cells.size() == 1 && cells[0].empty()) continue;  // a blank line
      auto value = [&](std::ptrdiff_t c) -> std::optional<double> {
        if (c < 0 || static_cast<std::size_t>(c) >= cells.size() || cells[static_cast<std::size_t>(c)].empty()) return std::nullopt;
        double v = 0;
        if (!glide::detail::parse_number(std::string_view{cells[static_cast<std::size_t>(c)]}, v))
          throw parse_error(csv + ":" + std::to_string(n) + ": '" + excerpt(cells[static_cast<std::size_t>(c)]) +
                            "' is not a number");
        if (std::isnan(v)) return std::nullopt;
        return v;
      };
      const auto step = value(c_step);
      if (!step) throw parse_error(csv + ":" + std::to_string(n) + ": no step");
      ++s.validations;
      s.last_step = static_cast<std::size_t>(*step);
      // The averaged weights are scored on what decides the run: the real swipes when there are any.
      const bool real = value(c_real).has_value();
      for (auto c : {c_real, c_ema})
        if (const auto v = value(c); real && v && (!s.best_real || *v > *s.best_real)) {
          s.best_real = v;
          s.best_real_step = s.last_step;
        }
      for (auto c : {c_syn, real ? std::ptrdiff_t{-1} : c_ema})
        if (const auto v = value(c); v && (!s.best_synthetic || *v > *s.best_synthetic)) s.best_synthetic = v;
    }
  }
  if (fs::exists(dir / "record.json")) {
    const auto r = read_run_record(dir / "record.json");
    s.sessions = r["sessions"].size();
    if (s.sessions > 0) {
      const auto& code = r["sessions"].back().value("code", nlohmann::json::object());
      if (code.contains("commit") && code["commit"].is_string()) s.commit = code["commit"].get<std::string>();
      s.dirty = code.contains("dirty") && code["dirty"].is_boolean() && code["dirty"].get<bool>();
    }
  }
  return s;
}

/// Every run under `root` (a directory holding metrics.csv or record.json, `root` itself included,
/// at most `depth` levels down; snapshot folders skipped), in path order.
[[nodiscard]] inline std::vector<run_summary> list_runs(const std::filesystem::path& root, int depth = 3) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(root)) throw io_error("runs: '" + root.string() + "' is not a directory");
  std::vector<fs::path> dirs;
  auto visit = [&](auto&& self, const fs::path& d, int left) -> void {
    if (fs::exists(d / "metrics.csv") || fs::exists(d / "record.json")) dirs.push_back(d);
    if (left == 0) return;
    std::vector<fs::path> children;
    for (const auto& e : fs::directory_iterator(d))
      if (e.is_directory() && e.path().filename() != "snapshot") children.push_back(e.path());
    std::sort(children.begin(), children.end());
    for (const auto& c : children) self(self, c, left - 1);
  };
  visit(visit, root, depth);
  std::vector<run_summary> out;
  for (const auto& d : dirs) out.push_back(summarize_run(d));
  return out;
}

}  // namespace glide::io
