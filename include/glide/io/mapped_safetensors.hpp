#pragma once
// Typed safetensors files read through a read-only memory mapping, and written durably column by
// column. The format is the standard one (an 8-byte little-endian header length, a JSON header of
// {name: {dtype, shape, data_offsets}} with a "__metadata__" map of strings, then the data), with
// columns of four dtypes: F32, I32, I64 and U8. glide/io/safetensors.hpp stays the float-only reader of
// model weights; this one serves data that is read piece by piece (feature shards: swipe/shards.hpp).
//
// Opening maps the file (MAP_PRIVATE, PROT_READ) and checks the header against the file: a sane header
// length, every column's dtype, shape and data range inside the file, no two ranges overlapping. It
// reads nothing of the data, so a reader that uses some columns never touches the pages of the others.
// Values are read with memcpy: the data need not be aligned (other writers do not pad).
//
// The writer orders the columns by element size (I64, then F32 and I32, then U8) behind a header
// padded to 8 bytes, so every column of a file it wrote is aligned to its element size with no gap
// between columns (the reference implementation refuses gaps).

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cassert>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <glide/core/error.hpp>
#include <glide/io/durable_file.hpp>

namespace glide::io {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

enum class column_type : std::uint8_t { f32, i32, i64, u8 };

[[nodiscard]] constexpr std::size_t element_size(column_type t) noexcept {
  switch (t) {
    case column_type::i64: return 8;
    case column_type::f32:
    case column_type::i32: return 4;
    case column_type::u8: return 1;
  }
  return 1;
}

/// The dtype's name in a safetensors header.
[[nodiscard]] constexpr std::string_view dtype_name(column_type t) noexcept {
  switch (t) {
    case column_type::f32: return "F32";
    case column_type::i32: return "I32";
    case column_type::i64: return "I64";
    case column_type::u8: return "U8";
  }
  return "?";
}

template <class T>
inline constexpr bool is_column_value = std::is_same_v<T, float> || std::is_same_v<T, std::int32_t> ||
                                        std::is_same_v<T, std::int64_t> || std::is_same_v<T, std::uint8_t>;

/// The column type of values of type T (float, int32, int64, uint8).
template <class T>
  requires is_column_value<T>
inline constexpr column_type column_type_of = std::is_same_v<T, float>          ? column_type::f32
                                              : std::is_same_v<T, std::int32_t> ? column_type::i32
                                              : std::is_same_v<T, std::int64_t> ? column_type::i64
                                                                                : column_type::u8;

/// One column of a mapped file: its dtype, shape and bytes inside the mapping.
struct mapped_column {
  std::string name;
  column_type type = column_type::u8;
  std::vector<std::int64_t> shape;
  std::size_t numel = 0;
  const char* data = nullptr;  ///< numel * element_size(type) bytes; not necessarily aligned
  std::size_t bytes = 0;

  /// Value `i` (row-major). Preconditions: T is the column's type, i < numel.
  template <class T>
  [[nodiscard]] T at(std::size_t i) const noexcept {
    assert(column_type_of<T> == type && i < numel);
    T v;
    std::memcpy(&v, data + i * sizeof(T), sizeof(T));
    return v;
  }
  /// Values [begin, end) appended to `out`. Preconditions as at().
  template <class T>
  void append_to(std::vector<T>& out, std::size_t begin, std::size_t end) const {
    assert(column_type_of<T> == type && begin <= end && end <= numel);
    const std::size_t old = out.size();
    out.resize(old + (end - begin));
    if (end > begin) std::memcpy(out.data() + old, data + begin * sizeof(T), (end - begin) * sizeof(T));
  }
};

/// A read-only, private mapping of a whole file, unmapped on destruction. Movable: the mapped bytes
/// stay where they are, so pointers into them survive a move.
class mapped_file {
 public:
  mapped_file() = default;
  /// Maps `path`; io_error naming it (and `what` it is) when it cannot be opened or mapped.
  explicit mapped_file(const std::string& path, std::string_view what = "file") {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw io_error("cannot open " + std::string(what) + " '" + path + "': " + detail::system_reason(errno));
    struct stat st {};
    const bool stated = ::fstat(fd, &st) == 0;
    if (!stated || !S_ISREG(st.st_mode)) {
      const std::string why = stated ? "not a regular file" : detail::system_reason(errno);
      (void)::close(fd);
      throw io_error("cannot read " + std::string(what) + " '" + path + "': " + why);
    }
    size_ = static_cast<std::size_t>(st.st_size);
    if (size_ > 0) {  // mmap refuses a length of 0
      void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p == MAP_FAILED) {
        const int err = errno;
        (void)::close(fd);
        throw io_error("cannot map " + std::string(what) + " '" + path + "': " + detail::system_reason(err));
      }
      data_ = static_cast<const char*>(p);
    }
    (void)::close(fd);  // the mapping keeps the file
  }
  mapped_file(const mapped_file&) = delete;
  mapped_file& operator=(const mapped_file&) = delete;
  mapped_file(mapped_file&& o) noexcept : data_{std::exchange(o.data_, nullptr)}, size_{std::exchange(o.size_, 0)} {}
  mapped_file& operator=(mapped_file&& o) noexcept {
    if (this != &o) {
      unmap();
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
    }
    return *this;
  }
  ~mapped_file() { unmap(); }

  [[nodiscard]] std::span<const char> bytes() const noexcept { return {data_, size_}; }

 private:
  void unmap() noexcept {
    if (data_ != nullptr) (void)::munmap(const_cast<char*>(data_), size_);
    data_ = nullptr;
    size_ = 0;
  }
  const char* data_ = nullptr;
  std::size_t size_ = 0;
};

/// A typed safetensors file, mapped and its header checked (see the top of this header).
class mapped_safetensors {
 public:
  /// Headers above this many bytes are refused as damaged (the reference implementation's limit).
  static constexpr std::uint64_t max_header_bytes = 100'000'000;

  /// Maps and checks `path`. `what` ("shard") names the file in messages: "shard 'PATH': column 'x': ...".
  /// io_error when it cannot be read, parse_error for anything wrong in it.
  static mapped_safetensors open(const std::string& path, std::string_view what = "safetensors") {
    mapped_safetensors f;
    f.path_ = path;
    f.what_ = what;
    f.file_ = mapped_file{path, what};
    f.parse();
    return f;
  }

  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  /// "WHAT 'PATH'", the start of this file's messages.
  [[nodiscard]] std::string where() const { return what_ + " '" + path_ + "'"; }
  [[nodiscard]] const std::map<std::string, std::string>& metadata() const noexcept { return metadata_; }
  [[nodiscard]] const std::map<std::string, mapped_column>& columns() const noexcept { return columns_; }
  [[nodiscard]] bool contains(const std::string& name) const { return columns_.count(name) != 0; }
  /// The whole mapping (header included).
  [[nodiscard]] std::span<const char> bytes() const noexcept { return file_.bytes(); }

  /// Column `name`, checked to be of `type` with `rank` dimensions: parse_error naming the file and
  /// the column otherwise.
  [[nodiscard]] const mapped_column& column(const std::string& name, column_type type, std::size_t rank) const {
    auto it = columns_.find(name);
    if (it == columns_.end()) fail("column '" + name + "' is missing");
    const auto& c = it->second;
    if (c.type != type)
      fail("column '" + name + "': dtype " + std::string(dtype_name(c.type)) + ", expected " + std::string(dtype_name(type)));
    if (c.shape.size() != rank)
      fail("column '" + name + "': shape " + shape_text(c.shape) + " has " + std::to_string(c.shape.size()) + " dimension(s), expected " +
           std::to_string(rank));
    return c;
  }

  /// Metadata `key`: parse_error naming the file and the key when absent.
  [[nodiscard]] const std::string& metadata(const std::string& key) const {
    auto it = metadata_.find(key);
    if (it == metadata_.end()) fail("metadata '" + key + "' is missing");
    return it->second;
  }

  /// Throws parse_error "WHAT 'PATH': why".
  [[noreturn]] void fail(const std::string& why) const { throw parse_error(where() + ": " + why); }

  static std::string shape_text(const std::vector<std::int64_t>& s) {
    std::string out = "[";
    for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
    return out + "]";
  }

 private:
  void parse() {
    const auto bytes = file_.bytes();
    if (bytes.size() < 8) fail("file is " + std::to_string(bytes.size()) + " bytes, shorter than its header length (truncated?)");
    std::uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]);
    if (n > bytes.size() - 8)
      fail("header length " + std::to_string(n) + " is beyond the file's " + std::to_string(bytes.size() - 8) + " bytes after it (truncated?)");
    if (n > max_header_bytes) fail("header length " + std::to_string(n) + " is above the limit of " + std::to_string(max_header_bytes));
    nlohmann::json header;
    try {
      header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(n));
    } catch (const nlohmann::json::exception& e) {  // parse_error, and out_of_range for numbers like 1e400
      fail(std::string("header is not JSON: ") + e.what());
    }
    if (!header.is_object()) fail("header is not a JSON object");
    const std::span<const char> data = bytes.subspan(8 + n);
    std::vector<std::pair<std::size_t, std::size_t>> ranges;
    for (const auto& [name, info] : header.items()) {
      if (name == "__metadata__") {
        if (!info.is_object()) fail("__metadata__ is not a JSON object");
        for (const auto& [k, v] : info.items()) {
          if (!v.is_string()) fail("metadata '" + k + "' is not a string");
          metadata_[k] = v.get<std::string>();
        }
        continue;
      }
      const std::string where = "column '" + name + "': ";
      if (!info.is_object() || !info.contains("dtype") || !info.contains("shape") || !info.contains("data_offsets"))
        fail(where + "needs dtype, shape and data_offsets");
      if (!info["dtype"].is_string() || !info["shape"].is_array() || !info["data_offsets"].is_array() || info["data_offsets"].size() != 2)
        fail(where + "malformed dtype, shape or data_offsets");
      mapped_column c;
      c.name = name;
      const auto dtype = info["dtype"].get<std::string>();
      if (dtype == "F32") c.type = column_type::f32;
      else if (dtype == "I32") c.type = column_type::i32;
      else if (dtype == "I64") c.type = column_type::i64;
      else if (dtype == "U8") c.type = column_type::u8;
      else fail(where + "unsupported dtype " + excerpt(dtype) + " (F32, I32, I64, U8 are)");
      const std::size_t elem = element_size(c.type);
      std::uint64_t numel = 1;
      for (const auto& d : info["shape"]) {
        if (!d.is_number_integer() || d.get<std::int64_t>() < 0) fail(where + "shape has a bad dimension");
        c.shape.push_back(d.get<std::int64_t>());
        const auto dim = static_cast<std::uint64_t>(c.shape.back());
        // No column holds more elements than the file has bytes: this also keeps numel from wrapping.
        if (dim != 0 && numel > data.size() / dim)
          fail(where + "shape " + shape_text(c.shape) + "... has more elements than the file's " + std::to_string(data.size()) + " data bytes");
        numel *= dim;
      }
      const auto& off = info["data_offsets"];
      if (!off[0].is_number_unsigned() || !off[1].is_number_unsigned()) fail(where + "data_offsets are not sizes");
      const auto b = off[0].get<std::uint64_t>(), e = off[1].get<std::uint64_t>();
      if (b > e || e > data.size())
        fail(where + "data [" + std::to_string(b) + ", " + std::to_string(e) + ") lies outside the file's " + std::to_string(data.size()) +
             " data bytes (truncated?)");
      if (e - b != numel * elem)
        fail(where + "shape " + shape_text(c.shape) + " of " + std::string(dtype_name(c.type)) + " needs " + std::to_string(numel * elem) +
             " bytes but data_offsets give " + std::to_string(e - b));
      c.numel = static_cast<std::size_t>(numel);
      c.data = data.data() + b;
      c.bytes = static_cast<std::size_t>(e - b);
      if (c.bytes > 0) ranges.emplace_back(b, e);
      columns_.emplace(name, std::move(c));
    }
    std::sort(ranges.begin(), ranges.end());
    for (std::size_t i = 1; i < ranges.size(); ++i)
      if (ranges[i].first < ranges[i - 1].second) fail("two columns' data ranges overlap");
  }

  mapped_file file_;
  std::string path_, what_;
  std::map<std::string, std::string> metadata_;
  std::map<std::string, mapped_column> columns_;
};

/// One column to write: name, dtype, shape and the bytes (borrowed: they must outlive the write).
struct column_bytes {
  std::string name;
  column_type type = column_type::u8;
  std::vector<std::int64_t> shape;
  std::string_view bytes;

  template <class T>
    requires is_column_value<T>
  static column_bytes of(std::string name, std::vector<std::int64_t> shape, std::span<const T> values) {
    return {std::move(name), column_type_of<T>, std::move(shape),
            std::string_view{reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T)}};
  }
};

namespace detail {

/// write_file_durably (durable_file.hpp) of the concatenation of `pieces`, without concatenating them
/// (a shard's columns are written from where they are).
inline void write_pieces_durably(const std::filesystem::path& path, std::span<const std::string_view> pieces, std::string_view what) {
  auto fail = [&](int err, const std::filesystem::path* tmp) {
    if (tmp != nullptr) (void)::unlink(tmp->c_str());
    throw io_error("cannot write " + std::string(what) + " '" + path.string() + "': " + system_reason(err));
  };
  if (path.empty()) fail(ENOENT, nullptr);
  if (std::error_code ec; std::filesystem::is_directory(path, ec)) fail(EISDIR, nullptr);
  const auto tmp = temporary_beside(path);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) fail(errno, nullptr);
  bool ok = true;
  for (auto piece : pieces) ok = ok && write_all(fd, piece);
  if (!ok || ::fsync(fd) != 0) {
    const int err = errno;
    (void)::close(fd);
    fail(err, &tmp);
  }
  if (::close(fd) != 0) fail(errno, &tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail(errno, &tmp);
  sync_folder(path.parent_path());
}

}  // namespace detail

/// Writes `columns` and string `metadata` as a safetensors file, durably (all of it or the old file;
/// io_error naming the path and the reason). Columns are laid out by element size, then name (see the
/// top of this header). Returns the file's size in bytes.
inline std::uint64_t write_safetensors_columns(const std::filesystem::path& path, std::vector<column_bytes> columns,
                                               const std::map<std::string, std::string>& metadata, std::string_view what = "safetensors") {
  std::stable_sort(columns.begin(), columns.end(), [](const column_bytes& a, const column_bytes& b) {
    const auto ea = element_size(a.type), eb = element_size(b.type);
    return ea != eb ? ea > eb : a.name < b.name;
  });
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::uint64_t offset = 0;
  for (const auto& c : columns) {
    std::uint64_t numel = 1;
    for (auto d : c.shape) numel *= static_cast<std::uint64_t>(d);
    if (numel * element_size(c.type) != c.bytes.size())
      throw shape_error("write_safetensors_columns: column '" + c.name + "' has " + std::to_string(c.bytes.size()) + " bytes for shape " +
                        mapped_safetensors::shape_text(c.shape) + " of " + std::string(dtype_name(c.type)));
    if (header.contains(c.name)) throw shape_error("write_safetensors_columns: column '" + c.name + "' given twice");
    header[c.name] = {{"dtype", dtype_name(c.type)}, {"shape", c.shape}, {"data_offsets", {offset, offset + c.bytes.size()}}};
    offset += c.bytes.size();
  }
  std::string text = header.dump();
  while (text.size() % 8 != 0) text.push_back(' ');  // the data starts 8-aligned
  std::string length(8, '\0');
  for (int i = 0; i < 8; ++i) length[static_cast<std::size_t>(i)] = static_cast<char>((text.size() >> (8 * i)) & 0xFF);
  std::vector<std::string_view> pieces{length, text};
  for (const auto& c : columns) pieces.push_back(c.bytes);
  detail::write_pieces_durably(path, pieces, what);
  return 8 + text.size() + offset;
}

}  // namespace glide::io
