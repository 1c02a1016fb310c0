#pragma once
// Sizes checked against the machine before allocating: an option such as beam_width = 1e11 or a
// batch_size of 2^64 - 1 is refused with an error naming it, instead of std::bad_alloc (or the
// kernel's OOM killer) long after the option was read.

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include <glide/core/error.hpp>

namespace glide {

/// This machine's physical memory in bytes (0 when the system does not say).
[[nodiscard]] inline std::uint64_t physical_memory_bytes() noexcept {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page) : 0;
}

/// Throws config_error naming `option` when `count` items of at least `bytes_each` bytes (a lower
/// bound of what each needs) would not fit in the machine's physical memory.
inline void check_fits_in_memory(std::string_view option, std::uint64_t count, std::uint64_t bytes_each,
                                 std::uint64_t memory = physical_memory_bytes()) {
  if (memory == 0 || count == 0 || bytes_each == 0) return;
  if (count <= memory / bytes_each) return;
  char need[64], have[64];
  std::snprintf(need, sizeof need, "%.3g GiB", static_cast<double>(count) * static_cast<double>(bytes_each) / 1073741824.0);
  std::snprintf(have, sizeof have, "%.3g GiB", static_cast<double>(memory) / 1073741824.0);
  throw config_error(std::string(option) + " = " + std::to_string(count) + " needs at least " + need + " (" +
                     std::to_string(bytes_each) + " bytes each), more than this machine's " + have + " of memory");
}

}  // namespace glide
