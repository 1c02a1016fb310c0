// MPI ranks: `glide_mpi` and `glide_train_mpi` (see ranks.hpp).
#include "ranks.hpp"

#include <algorithm>

#include <mpi.h>

#include <glide/core/error.hpp>

namespace glide::examples {

bool with_mpi() noexcept { return true; }

ranks world() {
  ranks r;
  MPI_Comm_rank(MPI_COMM_WORLD, &r.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &r.size);
  return r;
}

std::vector<std::string> gather_text(const ranks& w, const std::string& text) {
  if (w.size <= 1) return {text};
  // Lengths first (as 64-bit counts: a shard's predictions can pass 2 GB), then the bytes in chunks
  // MPI's int counts can carry.
  const auto len = static_cast<unsigned long long>(text.size());
  std::vector<unsigned long long> lens(static_cast<std::size_t>(w.size));
  MPI_Gather(&len, 1, MPI_UNSIGNED_LONG_LONG, lens.data(), 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
  std::vector<std::string> out;
  constexpr unsigned long long chunk = 1ULL << 30;
  if (w.root()) {
    out.resize(static_cast<std::size_t>(w.size));
    out[0] = text;
    for (int r = 1; r < w.size; ++r) {
      auto& t = out[static_cast<std::size_t>(r)];
      t.resize(lens[static_cast<std::size_t>(r)]);
      for (unsigned long long at = 0; at < t.size(); at += chunk)
        MPI_Recv(t.data() + at, static_cast<int>(std::min(chunk, t.size() - at)), MPI_CHAR, r, 7, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
    }
  } else {
    for (unsigned long long at = 0; at < text.size(); at += chunk)
      MPI_Send(text.data() + at, static_cast<int>(std::min(chunk, text.size() - at)), MPI_CHAR, 0, 7, MPI_COMM_WORLD);
  }
  return out;
}

int broadcast_int(const ranks& w, int value) {
  if (w.size > 1) MPI_Bcast(&value, 1, MPI_INT, 0, MPI_COMM_WORLD);
  return value;
}

void sum_over_ranks(std::span<float> values) {
  // MPI counts are ints: a model of more than 2^31 - 1 parameters goes in pieces.
  constexpr std::size_t piece = 1U << 30;
  for (std::size_t at = 0; at < values.size(); at += piece) {
    const int n = static_cast<int>(std::min(piece, values.size() - at));
    if (MPI_Allreduce(MPI_IN_PLACE, values.data() + at, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD) != MPI_SUCCESS)
      throw glide::error("MPI_Allreduce of the gradients failed");
  }
}

rank_session::rank_session(int& argc, char**& argv, bool threaded) {
  if (threaded) {
    int provided = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  } else {
    MPI_Init(&argc, &argv);
  }
}

rank_session::~rank_session() { MPI_Finalize(); }

void rank_session::abort(int code) { MPI_Abort(MPI_COMM_WORLD, code); }

}  // namespace glide::examples
