// One rank: `glide` and `glide_train` (see ranks.hpp).
#include "ranks.hpp"

namespace glide::examples {

bool with_mpi() noexcept { return false; }
ranks world() { return {}; }
std::vector<std::string> gather_text(const ranks&, const std::string& text) { return {text}; }
int broadcast_int(const ranks&, int value) { return value; }
void sum_over_ranks(std::span<float>) {}
rank_session::rank_session(int&, char**&, bool) {}
rank_session::~rank_session() = default;
void rank_session::abort(int) {}

}  // namespace glide::examples
