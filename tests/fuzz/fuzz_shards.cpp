// libFuzzer: the shard reader (swipe/shards.hpp). The input is written as the one shard of a folder
// whose manifest the harness writes to agree with the input's header (its swipe count and feature
// settings, so the checks of the columns are reached); opening the folder and reading every swipe,
// word, line and feature row gives values or a glide::error, never a crash.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include <glide/swipe/shards.hpp>

namespace {

// One folder per process, removed at exit.
struct scratch_folder {
  std::string path = (std::filesystem::temp_directory_path() / ("glide-fuzz-shards-" + std::to_string(::getpid()))).string();
  scratch_folder() { std::filesystem::create_directories(path); }
  ~scratch_folder() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

const std::string& folder() {
  static const scratch_folder dir;
  return dir.path;
}

/// The manifest of a folder whose one shard is `data`: the swipe count and features its header claims.
nlohmann::json manifest_for(const std::uint8_t* data, std::size_t size) {
  std::size_t examples = 0;
  nlohmann::json features = nullptr;
  std::uint64_t n = 0;
  if (size >= 8) std::memcpy(&n, data, 8);
  if (size >= 8 && n <= size - 8) {
    try {
      const auto h = nlohmann::json::parse(data + 8, data + 8 + n);
      const auto& po = h.at("point_offsets").at("shape").at(0);
      if (po.is_number_unsigned() && po.get<std::uint64_t>() > 0) examples = po.get<std::size_t>() - 1;
      features = nlohmann::json::parse(h.at("__metadata__").at("features").get<std::string>());
    } catch (const nlohmann::json::exception&) {
    }
  }
  return {{"format", "glide-shards"},
          {"version", glide::swipe::shard_format_version},
          {"examples", examples},
          {"shards", {{{"file", "shard-00000.safetensors"}, {"examples", examples}}}},
          {"features", features}};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& dir = folder();
  {
    std::ofstream out{dir + "/shard-00000.safetensors", std::ios::binary | std::ios::trunc};
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  std::ofstream{dir + "/shards.json", std::ios::trunc} << manifest_for(data, size).dump();
  try {
    const auto set = glide::swipe::shard_set::open(dir);
    for (std::size_t i = 0; i < set.size(); ++i) {
      try {
        const auto ex = set.example(i);
        if (ex.curve.x.size() != ex.curve.t.size() || ex.word != set.word(i)) __builtin_trap();
        (void)set.source_line(i);
      } catch (const glide::error&) {
      }
      if (!set.has_features()) continue;
      try {
        const auto in = set.features(i);
        if (in.kinematics.size() != in.points * 6 || in.keys.size() != in.points * in.keys_per_point) __builtin_trap();
      } catch (const glide::error&) {
      }
    }
    if (set.has_features()) set.check_features(0, {}, "abc");
  } catch (const glide::error&) {
  }
  return 0;
}
