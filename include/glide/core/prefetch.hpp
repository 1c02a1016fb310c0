#pragma once
// Items made ahead of their use by worker threads, handed out in order, with a bound on the bytes
// waiting: a trainer's batches (parsed, synthesised, augmented, turned into tensors) are built while
// the previous steps train, and memory stays flat however large the data.

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include <glide/core/error.hpp>

namespace glide {

template <class T>
class ordered_prefetcher {
 public:
  /// make(index, worker): item `index`, built on worker thread `worker` (0 .. threads - 1; per-worker
  /// state such as readers is indexed by it). bytes(item): what it holds. Items from `first` on are
  /// made ahead while fewer than `byte_limit` bytes and `item_limit` items wait or are being made (the
  /// item next due is always made).
  ordered_prefetcher(std::function<T(std::size_t, std::size_t)> make, std::function<std::size_t(const T&)> bytes, std::size_t first,
                     std::size_t byte_limit, std::size_t threads, std::size_t item_limit = static_cast<std::size_t>(-1))
      : make_{std::move(make)}, bytes_{std::move(bytes)}, next_make_{first}, next_take_{first}, limit_{byte_limit}, item_limit_{item_limit} {
    if (threads == 0) throw config_error("prefetcher: needs at least one thread");
    for (std::size_t w = 0; w < threads; ++w) workers_.emplace_back([this, w] { run(w); });
  }
  ordered_prefetcher(const ordered_prefetcher&) = delete;
  ordered_prefetcher& operator=(const ordered_prefetcher&) = delete;
  ~ordered_prefetcher() {
    {
      std::lock_guard lock{mutex_};
      stop_ = true;
    }
    changed_.notify_all();
    for (auto& t : workers_) t.join();
  }

  /// The next item (first, first + 1, ...), waiting for it; a worker's exception is rethrown here.
  [[nodiscard]] T take() {
    std::unique_lock lock{mutex_};
    changed_.wait(lock, [&] { return ready_.count(next_take_) != 0 || failed_.count(next_take_) != 0; });
    if (auto f = failed_.find(next_take_); f != failed_.end()) std::rethrow_exception(f->second);
    auto node = ready_.extract(next_take_);
    waiting_bytes_ -= node.mapped().second;
    ++next_take_;
    lock.unlock();
    changed_.notify_all();
    return std::move(node.mapped().first);
  }

  /// Bytes of the items made and not yet taken.
  [[nodiscard]] std::size_t waiting_bytes() const {
    std::lock_guard lock{mutex_};
    return waiting_bytes_;
  }

 private:
  void run(std::size_t worker) {
    for (;;) {
      std::size_t index = 0;
      {
        std::unique_lock lock{mutex_};
        changed_.wait(lock, [&] { return stop_ || next_make_ == next_take_ || (waiting_bytes_ < limit_ && next_make_ - next_take_ < item_limit_); });
        if (stop_) return;
        index = next_make_++;
      }
      try {
        T item = make_(index, worker);
        const std::size_t b = bytes_(item);
        std::lock_guard lock{mutex_};
        waiting_bytes_ += b;
        ready_.emplace(index, std::pair<T, std::size_t>{std::move(item), b});
      } catch (...) {
        std::lock_guard lock{mutex_};
        failed_.emplace(index, std::current_exception());
        stop_ = true;  // nothing after a failure is needed
      }
      changed_.notify_all();
    }
  }

  std::function<T(std::size_t, std::size_t)> make_;
  std::function<std::size_t(const T&)> bytes_;
  std::size_t next_make_, next_take_, limit_, item_limit_;
  std::size_t waiting_bytes_ = 0;
  bool stop_ = false;
  std::map<std::size_t, std::pair<T, std::size_t>> ready_;
  std::map<std::size_t, std::exception_ptr> failed_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::thread> workers_;
};

}  // namespace glide
