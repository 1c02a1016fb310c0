// Incremental decoding while the finger moves (backends::eigen::live_swipe): real swipes fed point by
// point at their recorded timestamps, the best words asked for at every frame of a 60 Hz display
// (every 16.7 ms of swipe time, and at the last point); prints the time per partial update (median,
// p95, max; only updates that decoded, i.e. some point arrived since the last), how often the live top
// word already equals the final word at 50% / 75% / 90% of the swipe's duration, and the time of the
// final decode (finish) beside it. One thread, the CLI's default pipeline for finish.
//
// Usage: glide_bench_live [--data FILE] [--limit N] [--model DIR] [--vocab FILE] [--grids FILE]...
//   Default: the first 500 How-We-Swipe validation swipes.

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include <glide/backends/eigen/recognizer.hpp>
#include <glide/text/fold.hpp>

#include "common.hpp"

int main(int argc, char** argv) try {
  using namespace glide;
  using bench::clock_type;
  bench::common_options opt;
  double frame_ms = 1000.0 / 60;
  backends::eigen::live_options live;
  std::string live_search = live.search.canonical();
  CLI::App app{"glide_bench_live: incremental decoding at the swipes' own pace"};
  opt.add_to(app);
  app.add_option("--frame-ms", frame_ms, "swipe time between two asks for the best words")->capture_default_str();
  app.add_option("--live-search", live_search, "the partial decodes' search")->capture_default_str();
  app.add_option("--live-points", live.max_points, "points a partial decode reads at most (0: the model's limit)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  live.search = search_config::parse(live_search);
  const auto& data = opt.one_data();

  auto rec = backends::eigen::load_recognizer(opt.cli_defaults());
  auto examples = swipe::read_jsonl(data, rec->grids());
  if (opt.limit > 0 && examples.size() > opt.limit) examples.resize(opt.limit);

  std::vector<double> update_ms, finish_ms;
  const double marks[] = {0.5, 0.75, 0.9};
  std::size_t agree[3] = {0, 0, 0}, final_right = 0, skipped = 0;
  std::string live_top[3];
  for (const auto& ex : examples) {
    if (ex.curve.grid || ex.curve.size() < 2) {
      ++skipped;  // live swipes run on named grids
      continue;
    }
    backends::eigen::live_swipe s{*rec, ex.curve.grid_name, live};
    const auto& c = ex.curve;
    const double t0 = c.t.front(), duration = std::max(1e-3, static_cast<double>(c.t.back()) - t0);
    double next_frame = t0;
    for (auto& w : live_top) w.clear();
    for (std::size_t i = 0; i < c.size(); ++i) {
      s.add(c.x[i], c.y[i], c.t[i]);
      const bool last = i + 1 == c.size();
      if (c.t[i] < next_frame && !last) continue;
      next_frame = c.t[i] + frame_ms;
      const auto start = clock_type::now();
      const auto& words = s.partial(4).words;
      update_ms.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - start).count());
      // The live top word at each mark: the last one shown at or before it.
      const double at = (c.t[i] - t0) / duration;
      for (std::size_t m = 0; m < 3; ++m)
        if (at <= marks[m]) live_top[m] = words.empty() ? "" : words[0].word;
    }
    const auto start = clock_type::now();
    const auto final_words = s.finish().words;
    finish_ms.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - start).count());
    const std::string final_top = final_words.empty() ? "" : final_words[0].word;
    for (std::size_t m = 0; m < 3; ++m) agree[m] += !final_top.empty() && live_top[m] == final_top;
    final_right += !final_top.empty() && fold_plain(final_top) == fold_plain(ex.word);
  }
  auto pct = [](std::vector<double> v, double p) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5))];
  };
  const std::size_t n = examples.size() - skipped;
  std::printf("%zu swipes of %s (%zu skipped: inline grids or under 2 points), a partial update every %.1f ms of swipe time\n", n,
              data.c_str(), skipped, frame_ms);
  std::printf("partial search %s over at most %zu points\n", live.search.canonical().c_str(), live.max_points);
  std::printf("partial update: %zu updates, median %.3f ms, p95 %.3f ms, max %.3f ms\n", update_ms.size(), pct(update_ms, 0.5),
              pct(update_ms, 0.95), pct(update_ms, 1.0));
  std::printf("finish (the full pipeline): median %.3f ms, p95 %.3f ms\n", pct(finish_ms, 0.5), pct(finish_ms, 0.95));
  for (std::size_t m = 0; m < 3; ++m)
    std::printf("live top word = final top word at %2.0f%% of the swipe: %.4f\n", 100 * marks[m],
                static_cast<double>(agree[m]) / static_cast<double>(std::max<std::size_t>(1, n)));
  std::printf("final top word = target: %.4f\n", static_cast<double>(final_right) / static_cast<double>(std::max<std::size_t>(1, n)));
  std::printf("partial update p95: %.3f ms (target 5 ms)\n", pct(update_ms, 0.95));
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "glide_bench_live: %s\n", e.what());
  return 1;
}
