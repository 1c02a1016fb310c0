// glide/core/prefetch.hpp: items in order whatever the threads' timing, the byte bound respected, a
// worker's exception rethrown at its item.
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include <glide/core/prefetch.hpp>

using namespace glide;

TEST_CASE("ordered_prefetcher: items come in order from any number of threads", "[prefetch]") {
  for (std::size_t threads : {1, 2, 5}) {
    ordered_prefetcher<std::string> p{[](std::size_t i, std::size_t) {
                                        // Uneven work, so later items are often ready first.
                                        std::this_thread::sleep_for(std::chrono::microseconds((i * 7919) % 300));
                                        return std::to_string(i);
                                      },
                                      [](const std::string& s) { return s.size(); }, 10, 1 << 20, threads};
    for (std::size_t i = 10; i < 200; ++i) REQUIRE(p.take() == std::to_string(i));
  }
}

TEST_CASE("ordered_prefetcher: no more than the byte bound waits (plus one item a thread)", "[prefetch]") {
  std::atomic<std::size_t> made{0};
  ordered_prefetcher<std::string> p{[&](std::size_t, std::size_t) {
                                      ++made;
                                      return std::string(100, 'x');
                                    },
                                    [](const std::string& s) { return s.size(); }, 0, 1000, 2};
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(p.waiting_bytes() <= 1000 + 2 * 100);
  CHECK(made.load() <= 12);
  for (int i = 0; i < 50; ++i) (void)p.take();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(p.waiting_bytes() <= 1000 + 2 * 100);
  CHECK(made.load() <= 50 + 12);
}

TEST_CASE("ordered_prefetcher: a worker's exception reaches take() at its item", "[prefetch]") {
  ordered_prefetcher<int> p{[](std::size_t i, std::size_t) {
                              if (i == 3) throw std::runtime_error("item 3 failed");
                              return static_cast<int>(i);
                            },
                            [](int) { return std::size_t{4}; }, 0, 1 << 10, 2};
  CHECK(p.take() == 0);
  CHECK(p.take() == 1);
  CHECK(p.take() == 2);
  CHECK_THROWS_WITH(p.take(), "item 3 failed");
  CHECK_THROWS_AS((ordered_prefetcher<int>{[](std::size_t, std::size_t) { return 0; }, [](int) { return std::size_t{0}; }, 0, 1, 0}),
                  config_error);
}

TEST_CASE("ordered_prefetcher: no more than the item bound is made ahead", "[prefetch]") {
  std::atomic<std::size_t> made{0};
  ordered_prefetcher<int> p{[&](std::size_t i, std::size_t) {
                              ++made;
                              return static_cast<int>(i);
                            },
                            [](int) { return std::size_t{1}; }, 0, 1 << 20, 2, 3};
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(made.load() <= 3);
  for (int i = 0; i < 10; ++i) CHECK(p.take() == i);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(made.load() <= 13);
}
