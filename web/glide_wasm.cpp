// The page's interface to the recognizer, over Glide's C API (c/include/glide.h, compiled into the
// module): JSON in and out for the page's ccall. Models, vocabularies and grids are preloaded into the
// module's file system (scripts/build-web.sh).
//
//   glide_web_load(model_dir, vocabulary, grids_file, options_json) -> handle (>= 0), or -1
//       (glide_web_error() says why); options_json (may be "{}"): "search", "top", "rescore_geometric",
//       "rescore_params", "literal" (bool), "literal_params", "alphabet" (a language pack's letters),
//       as glide_options and the CLI's --search, --top, --rescore-geometric, --rescore-params,
//       --no-literal, --literal-params and --language
//   glide_web_decode(handle, swipe_json) -> {"words":[{"word":..,"score":..,"origin":..}],"ms":..,"steps":..}
//       or {"error":".."}; swipe_json is {"x":[..],"y":[..],"t":[..],"grid":"name"}; origin: "vocabulary",
//       "user" or "literal"
//   glide_web_add_words(handle, text) -> {"added":..,"user_words":..} or {"error":".."}; text: the
//       --user-words format, one "word [weight]" a line (all of it or, with an error naming the words, none)
//   glide_web_remove_words(handle, text) -> {"removed":..,"user_words":..}; text: a word a line
//   glide_web_word_count(handle) -> vocabulary words
//   glide_web_live_begin(handle, grid) -> live id (>= 0) or -1 (glide_web_error()): a swipe decoded while drawn
//   glide_web_live_add(live, x, y, t) -> 0, or -1 (glide_web_error()): one more point
//   glide_web_live_partial(live, k) -> {"words":[..],"ms":..,"steps":..}: the best k words so far
//   glide_web_live_finish(live) -> {"words":[..],"ms":..,"steps":..}: the whole swipe's words (as
//       glide_web_decode), and the live swipe is freed
//
// Returned strings stay valid until the next call. Built natively too (no emscripten), the same
// functions time the same decodes outside the browser: bench/web_native.cpp, scripts/bench-web.sh.

#ifdef __EMSCRIPTEN__
#include <emscripten/emscripten.h>
#else
#define EMSCRIPTEN_KEEPALIVE
#endif

#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <glide.h>
#include <glide/core/error.hpp>
#include <glide/vocab/user_dictionary.hpp>

namespace {

std::vector<glide_recognizer*> recognizers;  // for the page's lifetime
std::vector<glide_live*> lives;              // freed by glide_web_live_finish
std::string last_error, last_result;

// What the C API said went wrong, as an exception for answer().
void check(glide_status s) {
  if (s != GLIDE_OK) throw glide::error(glide_last_error());
}

glide_recognizer* recognizer_at(int handle) {
  if (handle < 0 || static_cast<std::size_t>(handle) >= recognizers.size()) throw glide::config_error("no recognizer " + std::to_string(handle));
  return recognizers[static_cast<std::size_t>(handle)];
}
glide_live* live_at(int id) {
  if (id < 0 || static_cast<std::size_t>(id) >= lives.size() || !lives[static_cast<std::size_t>(id)])
    throw glide::config_error("no live swipe " + std::to_string(id));
  return lives[static_cast<std::size_t>(id)];
}

const char* origin_name(glide_origin o) {
  return o == GLIDE_ORIGIN_USER ? "user" : o == GLIDE_ORIGIN_LITERAL ? "literal" : "vocabulary";
}

// A result as the page's JSON (and frees it).
nlohmann::json words_json(glide_result* r, double ms) {
  nlohmann::json out;
  out["words"] = nlohmann::json::array();
  for (std::size_t i = 0; i < glide_result_count(r); ++i)
    out["words"].push_back({{"word", glide_result_word(r, i)}, {"score", glide_result_score(r, i)}, {"origin", origin_name(glide_result_origin(r, i))}});
  out["ms"] = ms;
  out["steps"] = glide_result_decoder_steps(r);
  glide_result_free(r);
  return out;
}

// The JSON text of f(), or {"error": ...}; valid until the next call.
template <class F>
const char* answer(F&& f) {
  nlohmann::json out;
  try {
    out = f();
  } catch (const std::exception& e) {
    out = {{"error", e.what()}};
  }
  last_result = out.dump();
  return last_result.c_str();
}

// f()'s number, or -1 with the reason in glide_web_error().
template <class F>
int number_or_minus_one(F&& f) {
  try {
    return f();
  } catch (const std::exception& e) {
    last_error = e.what();
    return -1;
  }
}

// Milliseconds since `t0`.
double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE int glide_web_load(const char* model_dir, const char* vocabulary, const char* grids_file, const char* options_json) {
  return number_or_minus_one([&] {
    const auto j = nlohmann::json::parse(options_json);
    glide_options o;
    glide_options_init(&o);
    o.model_dir = model_dir;
    o.vocabulary = vocabulary;
    o.grid_files = &grids_file;
    o.grid_count = 1;
    std::string search, rescore_params, literal_params, alphabet;  // alive until created
    for (const auto& [k, v] : j.items()) {
      if (k == "search") o.search = (search = v.get<std::string>()).c_str();
      else if (k == "top") o.top = v.get<std::size_t>();
      else if (k == "rescore_geometric") o.rescore_geometric = v.get<float>();
      else if (k == "rescore_params") o.rescore_params = (rescore_params = v.get<std::string>()).c_str();
      else if (k == "literal") o.literal = v.get<bool>() ? 1 : 0;
      else if (k == "literal_params") o.literal_params = (literal_params = v.get<std::string>()).c_str();
      else if (k == "alphabet") o.alphabet = (alphabet = v.get<std::string>()).c_str();
      else throw glide::config_error("glide_web_load: unknown option '" + k + "'");
    }
    glide_recognizer* r = nullptr;
    check(glide_recognizer_create(&o, &r));
    recognizers.push_back(r);
    return static_cast<int>(recognizers.size() - 1);
  });
}

EMSCRIPTEN_KEEPALIVE const char* glide_web_error() { return last_error.c_str(); }

EMSCRIPTEN_KEEPALIVE int glide_web_word_count(int handle) {
  if (handle < 0 || static_cast<std::size_t>(handle) >= recognizers.size()) return -1;
  return static_cast<int>(glide_recognizer_word_count(recognizers[static_cast<std::size_t>(handle)]));
}

EMSCRIPTEN_KEEPALIVE const char* glide_web_decode(int handle, const char* swipe_json) {
  return answer([&] {
    auto* r = recognizer_at(handle);
    const auto j = nlohmann::json::parse(swipe_json);
    const auto x = j.at("x").get<std::vector<float>>(), y = j.at("y").get<std::vector<float>>(), t = j.at("t").get<std::vector<float>>();
    const auto grid = j.at("grid").get<std::string>();
    if (x.empty() || x.size() != y.size() || x.size() != t.size()) throw glide::shape_error("a swipe needs x, y and t of one non-zero length");
    const auto t0 = std::chrono::steady_clock::now();
    glide_result* res = nullptr;
    check(glide_decode(r, x.data(), y.data(), t.data(), x.size(), grid.c_str(), &res));
    return words_json(res, since(t0));
  });
}

EMSCRIPTEN_KEEPALIVE const char* glide_web_add_words(int handle, const char* text) {
  return answer([&] {
    auto* r = recognizer_at(handle);
    std::istringstream in{text};
    const auto words = glide::read_user_words(in, "words");
    std::vector<const char*> list;
    std::vector<double> weights;
    for (const auto& w : words) {
      list.push_back(w.word.c_str());
      weights.push_back(w.weight.value_or(0.0));
    }
    std::size_t added = 0;
    check(glide_add_words(r, list.data(), weights.data(), list.size(), &added));
    return nlohmann::json{{"added", added}, {"user_words", glide_recognizer_user_word_count(r)}};
  });
}

EMSCRIPTEN_KEEPALIVE const char* glide_web_remove_words(int handle, const char* text) {
  return answer([&] {
    auto* r = recognizer_at(handle);
    std::istringstream in{text};
    const auto words = glide::read_user_words(in, "words");
    std::vector<const char*> list;
    for (const auto& w : words) list.push_back(w.word.c_str());
    std::size_t removed = 0;
    check(glide_remove_words(r, list.data(), list.size(), &removed));
    return nlohmann::json{{"removed", removed}, {"user_words", glide_recognizer_user_word_count(r)}};
  });
}

EMSCRIPTEN_KEEPALIVE int glide_web_live_begin(int handle, const char* grid) {
  return number_or_minus_one([&] {
    glide_live* live = nullptr;
    check(glide_live_begin(recognizer_at(handle), grid, &live));
    for (std::size_t i = 0; i < lives.size(); ++i)
      if (!lives[i]) {
        lives[i] = live;
        return static_cast<int>(i);
      }
    lives.push_back(live);
    return static_cast<int>(lives.size() - 1);
  });
}

EMSCRIPTEN_KEEPALIVE int glide_web_live_add(int id, float x, float y, float t) {
  return number_or_minus_one([&] {
    check(glide_live_add(live_at(id), &x, &y, &t, 1));
    return 0;
  });
}

EMSCRIPTEN_KEEPALIVE const char* glide_web_live_partial(int id, int k) {
  return answer([&] {
    const auto t0 = std::chrono::steady_clock::now();
    glide_result* res = nullptr;
    check(glide_live_partial(live_at(id), static_cast<std::size_t>(k < 0 ? 0 : k), &res));
    return words_json(res, since(t0));
  });
}

EMSCRIPTEN_KEEPALIVE const char* glide_web_live_finish(int id) {
  return answer([&] {
    auto* live = live_at(id);
    const auto t0 = std::chrono::steady_clock::now();
    glide_result* res = nullptr;
    const auto status = glide_live_finish(live, &res);
    glide_live_free(live);
    lives[static_cast<std::size_t>(id)] = nullptr;
    check(status);
    return words_json(res, since(t0));
  });
}

}  // extern "C"
