#pragma once
// The prediction table: one CSV row per prediction run, keyed by everything that determines the run's
// output (model name, weights file, grid, dataset, and the search's canonical configuration with every
// option, defaults included), holding where its predictions are and its validation metrics. Two equal
// runs always have the same key and two different ones never do. Tables made on several machines
// merge; a key present in both with different values is a conflict and an error naming both files.
//
// Concurrent writers on one machine register through `update`: the read-modify-write runs under an
// exclusive advisory lock on the sidecar file `TABLE.lock`, and the table is replaced durably
// (io::write_file_durably), so no registration is lost and a failed write leaves the old table. Advisory
// locks are not reliable across machines on a network file system: there, give each machine its own
// table and join them with merge_files (`glide table merge`).

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <glide/core/error.hpp>
#include <glide/io/csv.hpp>
#include <glide/io/durable_file.hpp>

namespace glide::swipe {

struct run_key {
  std::string model;    ///< model name
  std::string weights;  ///< the weights file's content hash (io::file_content_hash), not its path
  std::string grid;     ///< grid name ("*" when the dataset names its own per line)
  std::string dataset;  ///< dataset file, with its content hash ("path#fnv1a64:...")
  std::string search;   ///< search_config::canonical(), plus what else shapes the output (rescoring,
                        ///< top, the vocabulary's and grids' content hashes)

  friend auto operator<=>(const run_key&, const run_key&) = default;
};

struct run_record {
  std::string predictions;  ///< predictions file
  std::string mrr;          ///< metrics as written (text, so tables round-trip exactly)
  std::string accuracy_at_1;
  std::string accuracy_at_4;
  std::string examples;

  friend bool operator==(const run_record&, const run_record&) = default;
};

class prediction_table {
 public:
  static inline const std::vector<std::string> header{"model", "weights", "grid", "dataset", "search", "predictions",
                                                      "mrr", "accuracy_at_1", "accuracy_at_4", "examples"};

  /// Adds or replaces the row of `key` (re-running a configuration updates it).
  void put(const run_key& key, const run_record& record) { rows_[key] = record; }

  [[nodiscard]] const run_record* find(const run_key& key) const {
    auto it = rows_.find(key);
    return it == rows_.end() ? nullptr : &it->second;
  }
  [[nodiscard]] const std::map<run_key, run_record>& rows() const noexcept { return rows_; }

  /// Adds every row of `other`; equal keys with different records throw config_error naming them.
  void merge(const prediction_table& other) {
    for (const auto& [k, r] : other.rows_) {
      auto it = rows_.find(k);
      if (it != rows_.end() && !(it->second == r)) throw config_error(conflict_text(k, it->second, r));
      rows_[k] = r;
    }
  }

  /// The tables of `paths` merged; a conflict throws config_error naming the two files and the key.
  static prediction_table merge_files(const std::vector<std::string>& paths) {
    prediction_table t;
    std::map<run_key, std::size_t> from;  // each row's first file, to name both sides of a conflict
    for (std::size_t i = 0; i < paths.size(); ++i) {
      if (!std::filesystem::exists(paths[i])) throw io_error("no prediction table '" + paths[i] + "'");
      for (const auto& [k, r] : load(paths[i]).rows_) {
        auto it = t.rows_.find(k);
        if (it != t.rows_.end() && !(it->second == r))
          throw config_error("'" + paths[from.at(k)] + "' and '" + paths[i] + "' conflict: " + conflict_text(k, it->second, r));
        if (it == t.rows_.end()) from[k] = i;
        t.rows_[k] = r;
      }
    }
    return t;
  }

  static prediction_table load(const std::string& path) {
    prediction_table t;
    if (!std::filesystem::exists(path)) return t;
    if (std::filesystem::is_directory(path)) throw io_error("prediction table '" + path + "' is a directory");
    std::ifstream in{path};
    if (!in) throw io_error("cannot open prediction table '" + path + "'");
    std::size_t line = 0;
    auto first = io::read_csv_row(in, line, path);
    if (!first) return t;
    if (*first != header) throw parse_error(path + ":1: not a prediction table header");
    while (auto row = io::read_csv_row(in, line, path)) {
      if (row->size() == 1 && row->front().empty()) continue;
      if (row->size() != header.size())
        throw parse_error(path + ":" + std::to_string(line) + ": expected " + std::to_string(header.size()) + " fields, got " +
                          std::to_string(row->size()));
      const auto& f = *row;
      const run_key key{f[0], f[1], f[2], f[3], f[4]};
      if (t.rows_.count(key) != 0) throw parse_error(path + ":" + std::to_string(line) + ": repeated run key");
      t.rows_[key] = {f[5], f[6], f[7], f[8], f[9]};
    }
    return t;
  }

  /// The table as CSV text (header first, rows in key order).
  [[nodiscard]] std::string text() const {
    std::ostringstream out;
    io::write_csv_row(out, header);
    for (const auto& [k, r] : rows_)
      io::write_csv_row(out, {k.model, k.weights, k.grid, k.dataset, k.search, r.predictions, r.mrr, r.accuracy_at_1,
                              r.accuracy_at_4, r.examples});
    return out.str();
  }

  /// Replaces the file at `path` durably (all of the new table, or the old one on any failure).
  void save(const std::string& path) const { io::write_file_durably(path, text(), "prediction table"); }

  /// The sidecar file whose lock guards the table at `path`.
  static std::string lock_path(const std::string& path) { return path + ".lock"; }

  /// Loads the table at `path` (empty if absent), lets `change` edit it and saves it, all under the
  /// table's lock: concurrent updates on one machine each see the others' rows and none is lost.
  template <class Change>
  static void update(const std::string& path, Change&& change) {
    if (std::filesystem::is_directory(path)) throw io_error("prediction table '" + path + "' is a directory");
    const io::file_lock lock{lock_path(path)};
    auto t = load(path);
    std::forward<Change>(change)(t);
    t.save(path);
  }

 private:
  static std::string conflict_text(const run_key& k, const run_record& a, const run_record& b) {
    return "prediction table conflict for model '" + k.model + "', weights '" + k.weights + "', grid '" + k.grid + "', dataset '" +
           k.dataset + "', search '" + k.search + "': predictions '" + a.predictions + "' (MRR " + a.mrr + ") vs '" +
           b.predictions + "' (MRR " + b.mrr + ")";
  }
  std::map<run_key, run_record> rows_;
};

}  // namespace glide::swipe
