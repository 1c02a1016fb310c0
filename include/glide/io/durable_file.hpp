#pragma once
// Durable writes: a file is either its old content or its complete new content, never a part.
//
// write_file_durably writes into a temporary file in the target's own folder (so the rename stays on one
// file system), named by process id and a per-process counter (so concurrent writers of one target never
// share a temporary), checks every write and the close, fsyncs the data, renames it over the target and
// fsyncs the folder. On any failure (a full disk, a file-size limit, the target being a folder) the
// temporary is removed, the target keeps its old content, and io_error names the path and the system's
// reason. A kill between the steps leaves at most a stray temporary (`NAME.PID.N.tmp`) beside the intact
// target.
//
// file_lock is an advisory, exclusive lock (flock) on a sidecar file, held for its lifetime: the
// read-modify-write of a file shared by processes on one machine (the prediction table) runs under it.

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <glide/core/error.hpp>

namespace glide::io {

namespace detail {

/// The system's reason for `err` (strerror), for messages.
inline std::string system_reason(int err) { return std::strerror(err); }

/// A temporary name beside `path`, unique within this machine's processes and this process's threads.
inline std::filesystem::path temporary_beside(const std::filesystem::path& path) {
  static std::atomic<unsigned long> counter{0};
  auto name = path.filename().string();
  name += "." + std::to_string(::getpid()) + "." + std::to_string(counter.fetch_add(1)) + ".tmp";
  return path.parent_path() / name;
}

/// Writes all of `bytes` to `fd`, retrying short writes and interrupted calls; false (errno set) on failure.
inline bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const auto n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (n == 0) {
      errno = EIO;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

/// Flushes a folder's entries (the rename) to disk; best effort (some file systems refuse it).
inline void sync_folder(const std::filesystem::path& folder) {
  const int fd = ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);
  (void)::close(fd);
}

}  // namespace detail

/// Replaces `path` by `bytes` durably (see the top of this header). `what` ("predictions", "prediction
/// table", ...) names the file in the error: "cannot write WHAT 'PATH': REASON".
inline void write_file_durably(const std::filesystem::path& path, std::string_view bytes, std::string_view what = "file") {
  auto fail = [&](int err, const std::filesystem::path* tmp) {
    if (tmp != nullptr) (void)::unlink(tmp->c_str());
    throw io_error("cannot write " + std::string(what) + " '" + path.string() + "': " + detail::system_reason(err));
  };
  if (path.empty()) fail(ENOENT, nullptr);
  // A folder at the target would only be found at the rename, after all the writing.
  if (std::error_code ec; std::filesystem::is_directory(path, ec)) fail(EISDIR, nullptr);
  const auto tmp = detail::temporary_beside(path);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) fail(errno, nullptr);
  if (!detail::write_all(fd, bytes) || ::fsync(fd) != 0) {
    const int err = errno;
    (void)::close(fd);
    fail(err, &tmp);
  }
  if (::close(fd) != 0) fail(errno, &tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail(errno, &tmp);
  detail::sync_folder(path.parent_path());
}

/// An exclusive advisory lock on `lock_path` (created if absent, never removed: removing it would let
/// two processes hold locks on two different files), held until destruction. Blocks while another
/// process holds it.
class file_lock {
 public:
  explicit file_lock(const std::filesystem::path& lock_path) {
    fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd_ < 0) throw io_error("cannot open lock file '" + lock_path.string() + "': " + detail::system_reason(errno));
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      (void)::close(fd_);
      throw io_error("cannot lock '" + lock_path.string() + "': " + detail::system_reason(err));
    }
  }
  file_lock(const file_lock&) = delete;
  file_lock& operator=(const file_lock&) = delete;
  ~file_lock() { (void)::close(fd_); }  // closing releases the lock

 private:
  int fd_ = -1;
};

/// Whether `a` and `b` name one file: hard links to it, or two spellings of one path (`./x`, `d/../x`,
/// a symbolic link), whether or not it exists yet.
[[nodiscard]] inline bool same_file(const std::filesystem::path& a, const std::filesystem::path& b) {
  std::error_code ec;
  if (std::filesystem::equivalent(a, b, ec) && !ec) return true;
  // Absolute first: weakly_canonical leaves a relative path relative when none of it exists yet.
  std::error_code ea, eb;
  const auto ca = std::filesystem::weakly_canonical(std::filesystem::absolute(a, ea), ea);
  const auto cb = std::filesystem::weakly_canonical(std::filesystem::absolute(b, eb), eb);
  return !ea && !eb && ca == cb;
}

/// A command's output must not be one of its inputs (writing it would destroy what is being read, or
/// what the run's record says it read): throws config_error naming both options. `inputs` are (option,
/// path) pairs; empty paths are skipped.
inline void refuse_output_over_inputs(std::string_view output_option, const std::string& output,
                                      const std::vector<std::pair<std::string, std::string>>& inputs) {
  if (output.empty() || output == "-") return;
  for (const auto& [option, input] : inputs)
    if (!input.empty() && same_file(output, input))
      throw config_error(std::string(output_option) + " '" + output + "' is the same file as " + option + " '" + input +
                         "': the output would overwrite an input; write it elsewhere");
}

}  // namespace glide::io
