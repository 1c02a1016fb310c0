// Where a program stands among the ranks of an MPI run. The CLI (glide.cpp) and the trainer
// (train.cpp) are each compiled once: `glide` and `glide_train` link ranks_single.cpp (one rank),
// `glide_mpi` and `glide_train_mpi` link ranks_mpi.cpp (MPI), so only these few calls differ.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace glide::examples {

/// This process's place among the ranks (rank 0 of 1 without MPI).
struct ranks {
  int rank = 0, size = 1;
  [[nodiscard]] bool root() const noexcept { return rank == 0; }
};

/// Whether this program was built with MPI.
[[nodiscard]] bool with_mpi() noexcept;

/// This process's rank and the number of ranks.
[[nodiscard]] ranks world();

/// Every rank's `text`, in rank order, on rank 0 (elsewhere: empty). One rank: {text}.
[[nodiscard]] std::vector<std::string> gather_text(const ranks& w, const std::string& text);

/// Rank 0's `value` on every rank. One rank: `value`.
[[nodiscard]] int broadcast_int(const ranks& w, int value);

/// Sums `values` over the ranks, in place (every rank gets the sums). One rank: nothing to do.
void sum_over_ranks(std::span<float> values);

/// MPI for the life of main: `MPI_Init_thread` with `threaded` (MPI_THREAD_FUNNELED: only the
/// calling thread talks to MPI) or `MPI_Init`, and `MPI_Finalize` at the end. One rank: nothing.
class rank_session {
 public:
  rank_session(int& argc, char**& argv, bool threaded = false);
  ~rank_session();
  rank_session(const rank_session&) = delete;
  rank_session& operator=(const rank_session&) = delete;
  /// Ends every rank at once with `code` (a failed rank cannot leave the others waiting in a
  /// collective call). One rank: nothing; the caller returns `code`.
  void abort(int code);
};

}  // namespace glide::examples
