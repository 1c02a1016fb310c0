#pragma once
// Reading and writing safetensors files (https://github.com/huggingface/safetensors): an 8-byte
// little-endian header size N, N bytes of JSON {"name": {"dtype", "shape", "data_offsets": [b, e]},
// "__metadata__": {...}}, then the data. Everything in the header is checked against the file: a
// truncated or lying file gives a glide::parse_error naming the file and the tensor, never a crash.
// Tensors load as float32 (F32 directly; F16 and BF16 converted; I8 dequantized, see below).
//
// int8 weights (`glide quantize`): an I8 tensor `name` of shape [rows, ...] comes with an F32 tensor
// `name.scale` of shape [rows] (one scale an output channel, symmetric: value = q * scale[row]) or
// shape [1] (one scale for the tensor). The reader dequantizes it to float32 on load, so every
// consumer (the Eigen and LibTorch backends, the trainer) reads an int8 file like any other; a file
// is about four times smaller. quantized() names the tensors that were stored as int8.

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <glide/core/error.hpp>
#include <glide/io/durable_file.hpp>

namespace glide::io {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

struct tensor {
  std::vector<std::int64_t> shape;
  std::vector<float> data;  ///< row-major

  [[nodiscard]] std::size_t numel() const noexcept { return data.size(); }
};

namespace detail {

/// The float with these bits (std::bit_cast where the standard library has it: libc++ 14, e.g.
/// emscripten 3.1's, does not).
inline float float_from_bits(std::uint32_t bits) noexcept {
#if defined(__cpp_lib_bit_cast)
  return std::bit_cast<float>(bits);
#else
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
#endif
}

inline float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = (h & 0x8000U) << 16;
  std::uint32_t exp = (h >> 10) & 0x1FU;
  std::uint32_t mant = h & 0x3FFU;
  std::uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      exp = 127 - 15 + 1;
      while ((mant & 0x400U) == 0) {
        mant <<= 1;
        --exp;
      }
      bits = sign | (exp << 23) | ((mant & 0x3FFU) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7F800000U | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  return float_from_bits(bits);
}
}  // namespace detail

/// All tensors of a safetensors file, by name.
class safetensors_file {
 public:
  static safetensors_file load(const std::string& path) {
    std::ifstream in{path, std::ios::binary};
    if (!in) throw io_error("cannot open weights file '" + path + "'");
    std::vector<char> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    return parse(bytes, path);
  }

  static safetensors_file parse(std::span<const char> bytes, const std::string& source) {
    auto fail = [&](const std::string& why) -> safetensors_file {
      throw parse_error("safetensors '" + source + "': " + why);
    };
    if (bytes.size() < 8) return fail("file is " + std::to_string(bytes.size()) + " bytes, shorter than its header size");
    std::uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]);
    if (n > bytes.size() - 8)
      return fail("header claims " + std::to_string(n) + " bytes but only " + std::to_string(bytes.size() - 8) +
                  " follow (truncated?)");
    nlohmann::json header;
    try {
      header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(n));
    } catch (const nlohmann::json::exception& e) {  // parse_error, and out_of_range for numbers like 1e400
      return fail(std::string("header is not JSON: ") + e.what());
    }
    if (!header.is_object()) return fail("header is not a JSON object");
    const std::span<const char> data = bytes.subspan(8 + n);
    safetensors_file f;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
    for (const auto& [name, info] : header.items()) {
      if (name == "__metadata__") {
        if (info.is_object())
          for (const auto& [k, v] : info.items())
            if (v.is_string()) f.metadata_[k] = v.get<std::string>();
        continue;
      }
      const std::string where = "tensor '" + name + "': ";
      if (!info.is_object() || !info.contains("dtype") || !info.contains("shape") || !info.contains("data_offsets"))
        fail(where + "needs dtype, shape and data_offsets");
      if (!info["dtype"].is_string() || !info["shape"].is_array() || !info["data_offsets"].is_array() ||
          info["data_offsets"].size() != 2)
        fail(where + "malformed dtype, shape or data_offsets");
      const auto dtype = info["dtype"].get<std::string>();
      std::size_t elem = 0;
      if (dtype == "F32") elem = 4;
      else if (dtype == "F16" || dtype == "BF16") elem = 2;
      else if (dtype == "I8") elem = 1;
      else fail(where + "unsupported dtype " + dtype + " (F32, F16, BF16, I8 are)");
      tensor t;
      std::uint64_t numel = 1;
      for (const auto& d : info["shape"]) {
        if (!d.is_number_integer() || d.get<std::int64_t>() < 0) fail(where + "shape has a bad dimension");
        t.shape.push_back(d.get<std::int64_t>());
        const auto dim = static_cast<std::uint64_t>(t.shape.back());
        // No tensor holds more elements than the file has bytes: this also keeps numel from wrapping.
        if (dim != 0 && numel > data.size() / dim)
          fail(where + "shape " + shape_text(t.shape) + "... has more elements than the file's " + std::to_string(data.size()) +
               " data bytes");
        numel *= dim;
      }
      const auto& off = info["data_offsets"];
      if (!off[0].is_number_unsigned() || !off[1].is_number_unsigned()) fail(where + "data_offsets are not sizes");
      const auto b = off[0].get<std::uint64_t>(), e = off[1].get<std::uint64_t>();
      if (b > e || e > data.size())
        fail(where + "data [" + std::to_string(b) + ", " + std::to_string(e) + ") lies outside the " +
             std::to_string(data.size()) + " data bytes (truncated?)");
      if (e - b != numel * elem)
        fail(where + "shape needs " + std::to_string(numel * elem) + " bytes but data_offsets give " +
             std::to_string(e - b));
      ranges.emplace_back(b, e);
      t.data.resize(numel);
      const char* p = data.data() + b;
      if (dtype == "F32") {
        if (numel > 0) std::memcpy(t.data.data(), p, numel * 4);  // data() may be null when empty
      } else if (dtype == "I8") {
        for (std::uint64_t i = 0; i < numel; ++i) t.data[i] = static_cast<float>(static_cast<std::int8_t>(p[i]));
        f.quantized_.insert(name);
      } else {
        for (std::uint64_t i = 0; i < numel; ++i) {
          const auto h = static_cast<std::uint16_t>(static_cast<unsigned char>(p[2 * i]) |
                                                    (static_cast<unsigned char>(p[2 * i + 1]) << 8));
          t.data[i] = dtype == "F16" ? detail::half_to_float(h) : detail::float_from_bits(std::uint32_t{h} << 16);
        }
      }
      f.tensors_.emplace(name, std::move(t));
    }
    std::sort(ranges.begin(), ranges.end());
    for (std::size_t i = 1; i < ranges.size(); ++i)
      if (ranges[i].first < ranges[i - 1].second) fail("tensors' data ranges overlap");
    f.dequantize(fail);
    return f;
  }

  /// Tensors already in memory (as an exporter produces them), checked like a file's.
  static safetensors_file from_tensors(std::map<std::string, tensor> tensors) {
    safetensors_file f;
    for (const auto& [name, t] : tensors) {
      std::size_t n = 1;
      for (auto d : t.shape) {
        if (d < 0) throw shape_error("tensor '" + name + "' has a negative dimension");
        n *= static_cast<std::size_t>(d);
      }
      if (n != t.data.size())
        throw shape_error("tensor '" + name + "' holds " + std::to_string(t.data.size()) + " values for shape " +
                          shape_text(t.shape));
    }
    f.tensors_ = std::move(tensors);
    return f;
  }

  [[nodiscard]] bool contains(const std::string& name) const { return tensors_.count(name) != 0; }

  /// The tensor `name`, checked to have `shape`.
  [[nodiscard]] const tensor& get(const std::string& name, std::span<const std::int64_t> shape) const {
    auto it = tensors_.find(name);
    if (it == tensors_.end()) throw parse_error("weights: missing tensor '" + name + "'");
    if (!std::equal(shape.begin(), shape.end(), it->second.shape.begin(), it->second.shape.end()))
      throw shape_error("weights: tensor '" + name + "' has shape " + shape_text(it->second.shape) + ", expected " +
                        shape_text({shape.begin(), shape.end()}));
    // A NaN or infinite weight would make every score NaN downstream: name it here instead.
    const auto& d = it->second.data;
    if (auto bad = std::find_if(d.begin(), d.end(), [](float v) { return !std::isfinite(v); }); bad != d.end())
      throw parse_error("weights: tensor '" + name + "' holds a non-finite value (NaN or inf) at index " +
                        std::to_string(bad - d.begin()));
    return it->second;
  }
  [[nodiscard]] const tensor& get(const std::string& name, std::initializer_list<std::int64_t> shape) const {
    return get(name, std::span<const std::int64_t>{shape.begin(), shape.size()});
  }

  [[nodiscard]] const std::map<std::string, tensor>& tensors() const noexcept { return tensors_; }
  [[nodiscard]] const std::map<std::string, std::string>& metadata() const noexcept { return metadata_; }
  /// The tensors the file stored as int8 (already dequantized in tensors()).
  [[nodiscard]] const std::set<std::string>& quantized() const noexcept { return quantized_; }

  static std::string shape_text(const std::vector<std::int64_t>& s) {
    std::string out = "[";
    for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
    return out + "]";
  }

 private:
  // Each I8 tensor times its `.scale` tensor (which is then dropped).
  template <class Fail>
  void dequantize(Fail&& fail) {
    for (const auto& name : quantized_) {
      const std::string where = "tensor '" + name + "': ";
      auto& t = tensors_.at(name);
      auto s = tensors_.find(name + ".scale");
      if (s == tensors_.end() || quantized_.count(s->first) != 0)
        fail(where + "int8 tensor without its float scale tensor '" + name + ".scale'");
      const auto& scale = s->second.data;
      const std::size_t rows = t.shape.empty() ? 1 : static_cast<std::size_t>(t.shape[0]);
      if (s->second.shape.size() != 1 || (scale.size() != rows && scale.size() != 1))
        fail(where + "scale tensor has shape " + shape_text(s->second.shape) + ", expected [" + std::to_string(rows) + "] or [1]");
      for (std::size_t r = 0; r < scale.size(); ++r)
        if (!std::isfinite(scale[r]) || scale[r] < 0)
          fail(where + "scale " + std::to_string(r) + " is negative or not finite");
      const std::size_t per_row = rows == 0 ? 0 : t.data.size() / rows;
      for (std::size_t i = 0; i < t.data.size(); ++i) t.data[i] *= scale.size() == 1 ? scale[0] : scale[i / per_row];
      tensors_.erase(s);
    }
  }

  std::map<std::string, tensor> tensors_;
  std::map<std::string, std::string> metadata_;
  std::set<std::string> quantized_;
};

/// The symmetric int8 rule of Glide's weights (save_safetensors writes it, the Eigen backend's int8
/// kernel rebuilds it): a row's scale is its largest magnitude / 127 (1 for a row of zeros), a value
/// is rounded to the nearest step and clamped to [-127, 127].
[[nodiscard]] inline float int8_scale(float max_abs) noexcept { return max_abs > 0 ? max_abs / 127.0F : 1.0F; }
[[nodiscard]] inline std::int8_t to_int8(float v, float scale) noexcept {
  return static_cast<std::int8_t>(std::clamp(std::nearbyint(v / scale), -127.0F, 127.0F));
}

/// Per-output-channel symmetric int8 of a tensor (rows = its first dimension): the int8 values and
/// one scale a row, as save_safetensors writes them.
struct int8_tensor {
  std::vector<std::int8_t> q;
  std::vector<float> scale;
};
inline int8_tensor quantize_rows(const tensor& t) {
  const std::size_t rows = t.shape.empty() ? 1 : static_cast<std::size_t>(t.shape[0]);
  const std::size_t per_row = rows == 0 ? 0 : t.data.size() / rows;
  int8_tensor out{std::vector<std::int8_t>(t.data.size()), std::vector<float>(rows)};
  for (std::size_t r = 0; r < rows; ++r) {
    float m = 0;
    for (std::size_t c = 0; c < per_row; ++c) m = std::max(m, std::abs(t.data[r * per_row + c]));
    out.scale[r] = int8_scale(m);
    for (std::size_t c = 0; c < per_row; ++c) out.q[r * per_row + c] = to_int8(t.data[r * per_row + c], out.scale[r]);
  }
  return out;
}

/// Writes float32 tensors (sorted by name) and string metadata; the tensors named in `as_int8` are
/// written as int8 with a `.scale` tensor each (quantize_rows), which safetensors_file dequantizes.
inline void save_safetensors(const std::string& path, const std::map<std::string, tensor>& tensors,
                             const std::map<std::string, std::string>& metadata = {},
                             const std::set<std::string>& as_int8 = {}) {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::uint64_t offset = 0;
  std::string data;
  for (const auto& name : as_int8)
    if (tensors.count(name) == 0) throw shape_error("save_safetensors: no tensor '" + name + "' to write as int8");
  for (const auto& [name, t] : tensors) {
    std::uint64_t numel = 1;
    for (auto d : t.shape) numel *= static_cast<std::uint64_t>(d);
    if (numel != t.data.size())
      throw shape_error("save_safetensors: tensor '" + name + "' has " + std::to_string(t.data.size()) +
                        " values for shape " + safetensors_file::shape_text(t.shape));
    if (as_int8.count(name) != 0) {
      if (tensors.count(name + ".scale") != 0)
        throw shape_error("save_safetensors: tensor '" + name + ".scale' would collide with the scales of '" + name + "'");
      const auto q = quantize_rows(t);
      header[name] = {{"dtype", "I8"}, {"shape", t.shape}, {"data_offsets", {offset, offset + numel}}};
      data.append(reinterpret_cast<const char*>(q.q.data()), q.q.size());
      offset += numel;
      header[name + ".scale"] = {{"dtype", "F32"},
                                 {"shape", {static_cast<std::int64_t>(q.scale.size())}},
                                 {"data_offsets", {offset, offset + q.scale.size() * 4}}};
      data.append(reinterpret_cast<const char*>(q.scale.data()), q.scale.size() * 4);
      offset += q.scale.size() * 4;
      continue;
    }
    header[name] = {{"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + numel * 4}}};
    data.append(reinterpret_cast<const char*>(t.data.data()), t.data.size() * 4);
    offset += numel * 4;
  }
  std::string text = header.dump();
  while ((text.size() + 8) % 8 != 0) text.push_back(' ');  // align the data, as the reference writer does
  std::string bytes;
  bytes.reserve(8 + text.size() + offset);
  const std::uint64_t n = text.size();
  for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
  bytes += text;
  bytes += data;
  // All of the new weights or the old file: a reader never sees a half-written model.
  write_file_durably(path, bytes, "weights file");
}

}  // namespace glide::io
