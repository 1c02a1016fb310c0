#pragma once
// One scratch folder per test process. ctest runs each test case as its own process, in parallel,
// so fixed names under the system temp folder would race (one case overwriting the file another is
// reading); the process id keeps them apart, and the folder is removed when the process ends.

#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include <unistd.h>

namespace glide_test {

class scratch_folder {
 public:
  scratch_folder() : path_{std::filesystem::temp_directory_path() / ("glide-test-" + std::to_string(::getpid()))} {
    std::filesystem::remove_all(path_);  // a folder left by an earlier process with the same id
    std::filesystem::create_directories(path_);
  }
  scratch_folder(const scratch_folder&) = delete;
  scratch_folder& operator=(const scratch_folder&) = delete;
  ~scratch_folder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
};

/// `name` inside this process's scratch folder (not created: callers make files or folders).
inline std::filesystem::path temp_path(std::string_view name) {
  static const scratch_folder folder;
  return folder.path() / name;
}

}  // namespace glide_test
