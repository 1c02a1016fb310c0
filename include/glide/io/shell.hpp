#pragma once
// Running a shell command from a program: quoting an argument, reading a command's output. The run
// records ask git for the code version with these; the peer benchmarks start other programs.

#include <cstdio>
#include <string>

namespace glide::io {

/// `s` in single quotes for a POSIX shell command line (a quote inside becomes '\'').
[[nodiscard]] inline std::string shell_quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

/// The standard output of a shell command (empty when it cannot start or exits non-zero).
[[nodiscard]] inline std::string command_output(const std::string& command) {
  std::string out;
  if (FILE* p = ::popen(command.c_str(), "r")) {
    char buf[256];
    while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
    if (::pclose(p) != 0) out.clear();
  }
  return out;
}

}  // namespace glide::io
