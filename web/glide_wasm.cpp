// The recognizer compiled to WebAssembly: a C interface the page calls through ccall. Models,
// vocabularies and grids are preloaded into the module's file system (scripts/build-web.sh).
//
//   glide_load(model_dir, vocabulary, grids_file, options_json) -> handle (>= 0), or -1 (glide_error()
//       says why); options_json (may be "{}"): "search", "top", "rescore_geometric", "rescore_params",
//       "literal" (bool), "literal_params", "alphabet" (a language pack's letters: glide --language),
//       as the CLI's --search, --top, --rescore-geometric, --rescore-params, --no-literal and --literal-params
//   glide_decode(handle, swipe_json) -> {"words":[{"word":..,"score":..,"origin":..}],"ms":..,"steps":..}
//                                       or {"error":".."}; swipe_json is {"x":[..],"y":[..],"t":[..],"grid":"name"};
//                                       origin: "vocabulary", "user" or "literal"
//   glide_add_words(handle, text) -> {"added":..,"updated":..,"rejected":[..],"user_words":..} or {"error":".."};
//       text: the --user-words format, one "word [weight]" a line
//   glide_remove_words(handle, text) -> {"removed":..,"rejected":[..],"user_words":..}; text: a word a line
//   glide_word_count(handle) -> vocabulary words
//   glide_live_begin(handle, grid) -> live id (>= 0) or -1 (glide_error()): a swipe decoded while it is drawn
//   glide_live_add(live, x, y, t) -> 0, or -1 (glide_error()): one more point
//   glide_live_partial(live, k) -> {"words":[..],"ms":..,"steps":..}: the best k words so far (a narrower search)
//   glide_live_finish(live) -> {"words":[..],"ms":..,"steps":..}: the whole swipe's words (as glide_decode), and
//       the live swipe is freed
//
// Returned strings stay valid until the next call. Built natively too (no emscripten), the same
// functions time the same decodes outside the browser: bench/web_native.cpp, scripts/bench-web.sh.

#ifdef __EMSCRIPTEN__
#include <emscripten/emscripten.h>
#else
#define EMSCRIPTEN_KEEPALIVE
#endif

#if defined(__EMSCRIPTEN__) && defined(__SSE2__)
// Built with -msse4.1 (scripts/build-web.sh), emscripten maps SSE intrinsics to WebAssembly SIMD and
// Eigen 3.4 takes its SSE kernels. Its matrix-product kernel holds two empty asm statements ("+x,m",
// a register-spilling hint for gcc) that the WebAssembly target cannot take; they do nothing, so
// Eigen's headers are read once here with asm statements removed. The standard headers come first,
// whole.
#include <algorithm>
#include <cassert>
#include <cfloat>
#include <climits>
#include <cmath>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iosfwd>
#include <limits>
#include <new>
#include <type_traits>
#include <emmintrin.h>
#include <pmmintrin.h>
#include <smmintrin.h>
#include <tmmintrin.h>
#include <xmmintrin.h>
// Below gcc 6.3, Eigen's SSE min/max are asm statements too, which must not be removed.
#if !defined(__GNUC__) || __GNUC__ * 10 + __GNUC_MINOR__ < 63
#error "build with -fgnuc-version=10.2 (scripts/build-web.sh): Eigen's SSE min/max would be asm"
#endif
#define __asm__(...)
#include <Eigen/Dense>
#include <unsupported/Eigen/SpecialFunctions>
#undef __asm__
#endif

#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <glide/backends/eigen/recognizer.hpp>

namespace {

std::vector<std::unique_ptr<glide::backends::eigen::loaded_recognizer>> recognizers;
std::vector<std::unique_ptr<glide::backends::eigen::live_swipe>> lives;  // freed by glide_live_finish
std::string last_error, last_result;

nlohmann::json words_json(const glide::backends::eigen::recognition& r, double ms) {
  nlohmann::json out;
  out["words"] = nlohmann::json::array();
  for (const auto& w : r.words) out["words"].push_back({{"word", w.word}, {"score", w.score}, {"origin", glide::origin_name(w.origin)}});
  out["ms"] = ms;
  out["steps"] = r.stats.decoder_steps;
  return out;
}

// The live swipe `id`, or an error naming it.
glide::backends::eigen::live_swipe& live_at(int id) {
  if (id < 0 || static_cast<std::size_t>(id) >= lives.size() || !lives[static_cast<std::size_t>(id)])
    throw glide::config_error("no live swipe " + std::to_string(id));
  return *lives[static_cast<std::size_t>(id)];
}

// The JSON of `f()` for a live swipe, or {"error": ...}; valid until the next call.
template <class F>
const char* live_answer(F&& f) {
  nlohmann::json out;
  try {
    out = f();
  } catch (const std::exception& e) {
    out = {{"error", e.what()}};
  }
  last_result = out.dump();
  return last_result.c_str();
}

// The JSON text `f(recognizer)` returns for a handle, or {"error": ...}; valid until the next call.
template <class F>
const char* answer(int handle, F&& f) {
  nlohmann::json out;
  try {
    if (handle < 0 || static_cast<std::size_t>(handle) >= recognizers.size())
      throw glide::config_error("no recognizer " + std::to_string(handle));
    out = f(*recognizers[static_cast<std::size_t>(handle)]);
  } catch (const std::exception& e) {
    out = {{"error", e.what()}};
  }
  last_result = out.dump();
  return last_result.c_str();
}

}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE int glide_load(const char* model_dir, const char* vocabulary, const char* grids_file, const char* options_json) {
  try {
    const auto j = nlohmann::json::parse(options_json);
    glide::backends::eigen::recognizer_options o{.model_dir = model_dir, .vocabulary = vocabulary, .grid_files = {grids_file}};
    for (const auto& [k, v] : j.items()) {
      if (k == "search") o.search = glide::search_config::parse(v.get<std::string>());
      else if (k == "top") o.top = v.get<std::size_t>();
      else if (k == "rescore_geometric") o.rescore_geometric = v.get<float>();
      else if (k == "rescore_params") o.rescore_params = v.get<std::string>();
      else if (k == "literal") o.literal = v.get<bool>();
      else if (k == "literal_params") o.literal_params = v.get<std::string>();
      else if (k == "alphabet") o.alphabet = v.get<std::string>();
      else throw glide::config_error("glide_load: unknown option '" + k + "'");
    }
    recognizers.push_back(glide::backends::eigen::load_recognizer(std::move(o)));
    return static_cast<int>(recognizers.size() - 1);
  } catch (const std::exception& e) {
    last_error = e.what();
    return -1;
  }
}

EMSCRIPTEN_KEEPALIVE const char* glide_error() { return last_error.c_str(); }

EMSCRIPTEN_KEEPALIVE int glide_word_count(int handle) {
  if (handle < 0 || static_cast<std::size_t>(handle) >= recognizers.size()) return -1;
  return static_cast<int>(recognizers[static_cast<std::size_t>(handle)]->trie().word_count());
}

EMSCRIPTEN_KEEPALIVE const char* glide_decode(int handle, const char* swipe_json) {
  return answer(handle, [&](glide::backends::eigen::loaded_recognizer& r) {
    const auto j = nlohmann::json::parse(swipe_json);
    glide::swipe::swipe_curve c;
    c.x = j.at("x").get<std::vector<float>>();
    c.y = j.at("y").get<std::vector<float>>();
    c.t = j.at("t").get<std::vector<float>>();
    c.grid_name = j.at("grid").get<std::string>();
    if (c.x.empty() || c.x.size() != c.y.size() || c.x.size() != c.t.size())
      throw glide::shape_error("a swipe needs x, y and t of one non-zero length");
    const auto t0 = std::chrono::steady_clock::now();
    const auto result = r.recognize(c);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    return words_json(result, ms);
  });
}

EMSCRIPTEN_KEEPALIVE const char* glide_add_words(int handle, const char* text) {
  return answer(handle, [&](glide::backends::eigen::loaded_recognizer& r) {
    std::istringstream in{text};
    const auto report = r.add_words(glide::read_user_words(in, "words"));
    return nlohmann::json{{"added", report.added}, {"updated", report.updated}, {"rejected", report.rejected},
                          {"user_words", r.user_words()->size()}};
  });
}

EMSCRIPTEN_KEEPALIVE const char* glide_remove_words(int handle, const char* text) {
  return answer(handle, [&](glide::backends::eigen::loaded_recognizer& r) {
    std::istringstream in{text};
    std::vector<std::string> words;
    for (auto& w : glide::read_user_words(in, "words")) words.push_back(std::move(w.word));
    const auto report = r.remove_words(words);
    return nlohmann::json{{"removed", report.removed}, {"rejected", report.rejected}, {"user_words", r.user_words()->size()}};
  });
}

EMSCRIPTEN_KEEPALIVE int glide_live_begin(int handle, const char* grid) {
  try {
    if (handle < 0 || static_cast<std::size_t>(handle) >= recognizers.size())
      throw glide::config_error("no recognizer " + std::to_string(handle));
    auto live = std::make_unique<glide::backends::eigen::live_swipe>(*recognizers[static_cast<std::size_t>(handle)], grid);
    for (std::size_t i = 0; i < lives.size(); ++i)
      if (!lives[i]) {
        lives[i] = std::move(live);
        return static_cast<int>(i);
      }
    lives.push_back(std::move(live));
    return static_cast<int>(lives.size() - 1);
  } catch (const std::exception& e) {
    last_error = e.what();
    return -1;
  }
}

EMSCRIPTEN_KEEPALIVE int glide_live_add(int id, float x, float y, float t) {
  try {
    live_at(id).add(x, y, t);
    return 0;
  } catch (const std::exception& e) {
    last_error = e.what();
    return -1;
  }
}

EMSCRIPTEN_KEEPALIVE const char* glide_live_partial(int id, int k) {
  return live_answer([&] {
    const auto t0 = std::chrono::steady_clock::now();
    const auto& r = live_at(id).partial(static_cast<std::size_t>(std::max(0, k)));
    return words_json(r, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  });
}

EMSCRIPTEN_KEEPALIVE const char* glide_live_finish(int id) {
  return live_answer([&] {
    auto& live = live_at(id);
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = live.finish();
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    lives[static_cast<std::size_t>(id)].reset();
    return words_json(r, ms);
  });
}

}  // extern "C"
