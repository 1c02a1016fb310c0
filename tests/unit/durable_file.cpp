// glide/io/durable_file.hpp: durable replacement of a file and the advisory file lock (issue 29 D9, D15).

#include <sys/resource.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include <glide/io/durable_file.hpp>

#include "support/temp_dir.hpp"

using namespace glide;
namespace fs = std::filesystem;

namespace {

std::string read_all(const fs::path& p) {
  std::ifstream in{p, std::ios::binary};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::size_t temporaries_in(const fs::path& dir) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.path().extension() == ".tmp";
  return n;
}

/// RLIMIT_FSIZE lowered (SIGXFSZ ignored, so writes fail with EFBIG as on a full disk) for a scope.
class file_size_limit {
 public:
  explicit file_size_limit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &old_);
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit r = old_;
    r.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &r);
  }
  file_size_limit(const file_size_limit&) = delete;
  file_size_limit& operator=(const file_size_limit&) = delete;
  ~file_size_limit() {
    setrlimit(RLIMIT_FSIZE, &old_);
    std::signal(SIGXFSZ, old_handler_);
  }

 private:
  rlimit old_{};
  void (*old_handler_)(int) = nullptr;
};

}  // namespace

TEST_CASE("write_file_durably replaces a file whole", "[unit][io][durable]") {
  const auto dir = glide_test::temp_path("durable_replace");
  fs::create_directories(dir);
  const auto path = dir / "out.txt";
  io::write_file_durably(path, "first\n", "test file");
  REQUIRE(read_all(path) == "first\n");
  io::write_file_durably(path, std::string(100000, 'x'), "test file");
  REQUIRE(read_all(path) == std::string(100000, 'x'));
  io::write_file_durably(path, "", "test file");
  REQUIRE(read_all(path).empty());
  REQUIRE(temporaries_in(dir) == 0);
}

TEST_CASE("write_file_durably on a full disk keeps the old file and names the path and reason", "[unit][io][durable][faults]") {
  const auto dir = glide_test::temp_path("durable_full");
  fs::create_directories(dir);
  const auto path = dir / "table.csv";
  const std::string good(30000, 'g');
  io::write_file_durably(path, good, "prediction table");
  {
    const file_size_limit limit{20 * 1024};
    REQUIRE_THROWS_WITH(io::write_file_durably(path, std::string(46000, 'n'), "prediction table"),
                        Catch::Contains("cannot write prediction table '" + path.string() + "'") && Catch::Contains("File too large"));
  }
  REQUIRE(read_all(path) == good);
  REQUIRE(temporaries_in(dir) == 0);
}

TEST_CASE("write_file_durably refuses a folder and a missing folder, leaving nothing behind", "[unit][io][durable][errors]") {
  const auto dir = glide_test::temp_path("durable_dir");
  fs::create_directories(dir / "sub");
  REQUIRE_THROWS_AS(io::write_file_durably(dir / "sub", "x", "predictions"), io_error);
  REQUIRE_THROWS_WITH(io::write_file_durably(dir / "sub", "x", "predictions"),
                      Catch::Contains("'" + (dir / "sub").string() + "'") && Catch::Contains("Is a directory"));
  REQUIRE_THROWS_WITH(io::write_file_durably(dir / "missing" / "p.jsonl", "x", "predictions"),
                      Catch::Contains("missing/p.jsonl") && Catch::Contains("No such file or directory"));
  REQUIRE(fs::is_directory(dir / "sub"));
  REQUIRE(temporaries_in(dir) == 0);
}

TEST_CASE("write_file_durably from many threads: each write is whole, none shares a temporary", "[unit][io][durable]") {
  const auto dir = glide_test::temp_path("durable_threads");
  fs::create_directories(dir);
  const auto path = dir / "shared.txt";
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      for (int r = 0; r < 20; ++r) io::write_file_durably(path, std::string(5000 + static_cast<std::size_t>(i), static_cast<char>('a' + i)));
    });
  for (auto& t : threads) t.join();
  const auto text = read_all(path);
  REQUIRE(text.size() >= 5000);
  REQUIRE(text == std::string(text.size(), text.front()));  // one writer's content, whole
  REQUIRE(temporaries_in(dir) == 0);
}

TEST_CASE("file_lock serialises read-modify-write across threads", "[unit][io][durable]") {
  const auto dir = glide_test::temp_path("durable_lock");
  fs::create_directories(dir);
  const auto path = dir / "counter.txt";
  io::write_file_durably(path, "0");
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      for (int r = 0; r < 10; ++r) {
        const io::file_lock lock{dir / "counter.txt.lock"};
        const int n = std::stoi(read_all(path));
        io::write_file_durably(path, std::to_string(n + 1));
      }
    });
  for (auto& t : threads) t.join();
  REQUIRE(read_all(path) == "80");
  REQUIRE_THROWS_WITH(io::file_lock{dir / "missing" / "x.lock"}, Catch::Contains("missing/x.lock"));
}

TEST_CASE("same_file and refuse_output_over_inputs see through spellings of one path (issue 29 D10)", "[unit][io][errors]") {
  const auto dir = glide_test::temp_path("durable_same");
  fs::create_directories(dir / "sub");
  io::write_file_durably(dir / "data.jsonl", "x");
  REQUIRE(io::same_file(dir / "data.jsonl", dir / "sub" / ".." / "data.jsonl"));
  REQUIRE(io::same_file(dir / "new.jsonl", dir / "sub" / ".." / "new.jsonl"));  // neither exists yet
  fs::create_hard_link(dir / "data.jsonl", dir / "link.jsonl");
  REQUIRE(io::same_file(dir / "data.jsonl", dir / "link.jsonl"));
  REQUIRE_FALSE(io::same_file(dir / "data.jsonl", dir / "other.jsonl"));
  const auto data = (dir / "data.jsonl").string();
  REQUIRE_THROWS_WITH(io::refuse_output_over_inputs("--out", (dir / "sub" / ".." / "data.jsonl").string(), {{"--vocab", ""}, {"--data", data}}),
                      Catch::Contains("--out '") && Catch::Contains("is the same file as --data '" + data + "'"));
  REQUIRE_NOTHROW(io::refuse_output_over_inputs("--out", (dir / "p.jsonl").string(), {{"--data", data}}));
  REQUIRE_NOTHROW(io::refuse_output_over_inputs("--out", "-", {{"--data", "-"}}));
}
