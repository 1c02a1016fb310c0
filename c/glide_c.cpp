// The C API (c/include/glide.h) over backends::eigen::load_recognizer: every call catches Glide's
// errors into a status and the calling thread's message, and nothing C++ crosses the boundary.

#include <glide.h>

#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include <glide/backends/eigen/recognizer.hpp>

struct glide_recognizer {
  std::unique_ptr<glide::backends::eigen::loaded_recognizer> r;
};

struct glide_result {
  glide::prediction words;
  glide::search_stats stats;
};

struct glide_live {
  glide::backends::eigen::live_swipe swipe;
};

namespace {

thread_local std::string last_error;

glide_status fail(glide_status s, std::string message) {
  last_error = std::move(message);
  return s;
}

// Runs `f`, mapping Glide's error classes to statuses.
template <class F>
glide_status guarded(F&& f) {
  try {
    f();
    return GLIDE_OK;
  } catch (const glide::io_error& e) {
    return fail(GLIDE_ERROR_IO, e.what());
  } catch (const glide::parse_error& e) {
    return fail(GLIDE_ERROR_PARSE, e.what());
  } catch (const glide::unknown_name_error& e) {
    return fail(GLIDE_ERROR_UNKNOWN_NAME, e.what());
  } catch (const glide::shape_error& e) {
    return fail(GLIDE_ERROR_SHAPE, e.what());
  } catch (const glide::numeric_error& e) {
    return fail(GLIDE_ERROR_NUMERIC, e.what());
  } catch (const glide::config_error& e) {
    return fail(GLIDE_ERROR_CONFIG, e.what());
  } catch (const std::bad_alloc&) {
    return fail(GLIDE_ERROR_OTHER, "out of memory");
  } catch (const std::exception& e) {
    return fail(GLIDE_ERROR_OTHER, e.what());
  }
}

}  // namespace

extern "C" {

void glide_options_init(glide_options* o) {
  if (!o) return;
  *o = glide_options{};
  o->top = 4;
}

glide_status glide_recognizer_create(const glide_options* o, glide_recognizer** out) {
  if (!out) return fail(GLIDE_ERROR_ARGUMENT, "glide_recognizer_create: out is NULL");
  *out = nullptr;
  if (!o) return fail(GLIDE_ERROR_ARGUMENT, "glide_recognizer_create: options is NULL");
  if (!o->model_dir || !o->vocabulary) return fail(GLIDE_ERROR_ARGUMENT, "glide_recognizer_create: model_dir and vocabulary are required");
  if (o->grid_count == 0 || !o->grid_files) return fail(GLIDE_ERROR_ARGUMENT, "glide_recognizer_create: give at least one grid file");
  return guarded([&] {
    glide::backends::eigen::recognizer_options ro;
    ro.model_dir = o->model_dir;
    ro.vocabulary = o->vocabulary;
    for (std::size_t i = 0; i < o->grid_count; ++i) {
      if (!o->grid_files[i]) throw glide::config_error("glide_recognizer_create: grid_files[" + std::to_string(i) + "] is NULL");
      ro.grid_files.emplace_back(o->grid_files[i]);
    }
    if (o->search) ro.search = glide::search_config::parse(o->search);
    ro.top = o->top;
    ro.rescore_geometric = o->rescore_geometric;
    if (o->rescore_params) ro.rescore_params = o->rescore_params;
    ro.literal = o->literal != 0;
    if (o->literal_params) ro.literal_params = o->literal_params;
    if (o->alphabet) ro.alphabet = o->alphabet;
    if (o->ensemble_count > 0 && !o->ensemble) throw glide::config_error("glide_recognizer_create: ensemble is NULL with ensemble_count > 0");
    for (std::size_t i = 0; i < o->ensemble_count; ++i) {
      if (!o->ensemble[i]) throw glide::config_error("glide_recognizer_create: ensemble[" + std::to_string(i) + "] is NULL");
      ro.ensemble.emplace_back(o->ensemble[i]);
    }
    if (o->ensemble_weight_count > 0 && !o->ensemble_weights)
      throw glide::config_error("glide_recognizer_create: ensemble_weights is NULL with ensemble_weight_count > 0");
    if (o->ensemble_weight_count > 0) ro.ensemble_weights.assign(o->ensemble_weights, o->ensemble_weights + o->ensemble_weight_count);
    if (o->ensemble_method) ro.ensemble_method = o->ensemble_method;
    auto r = std::make_unique<glide_recognizer>();
    r->r = glide::backends::eigen::load_recognizer(std::move(ro));
    *out = r.release();
  });
}

void glide_recognizer_free(glide_recognizer* r) { delete r; }

size_t glide_recognizer_word_count(const glide_recognizer* r) { return r ? r->r->trie().word_count() : 0; }
size_t glide_recognizer_user_word_count(const glide_recognizer* r) { return r ? r->r->user_words()->size() : 0; }

glide_status glide_decode(glide_recognizer* r, const float* x, const float* y, const float* t, size_t n, const char* grid,
                          glide_result** out) {
  if (!out) return fail(GLIDE_ERROR_ARGUMENT, "glide_decode: out is NULL");
  *out = nullptr;
  if (!r) return fail(GLIDE_ERROR_ARGUMENT, "glide_decode: recognizer is NULL");
  if (n == 0 || !x || !y || !t) return fail(GLIDE_ERROR_ARGUMENT, "glide_decode: a swipe needs n > 0 points and x, y, t");
  if (!grid) return fail(GLIDE_ERROR_ARGUMENT, "glide_decode: grid is NULL");
  return guarded([&] {
    glide::swipe::swipe_curve c;
    c.x.assign(x, x + n);
    c.y.assign(y, y + n);
    c.t.assign(t, t + n);
    c.grid_name = grid;
    auto res = std::make_unique<glide_result>();
    auto rec = r->r->recognize(c);
    res->words = std::move(rec.words);
    res->stats = rec.stats;
    *out = res.release();
  });
}

size_t glide_result_count(const glide_result* res) { return res ? res->words.size() : 0; }
const char* glide_result_word(const glide_result* res, size_t i) {
  return res && i < res->words.size() ? res->words[i].word.c_str() : nullptr;
}
float glide_result_score(const glide_result* res, size_t i) { return res && i < res->words.size() ? res->words[i].score : 0.0F; }
glide_origin glide_result_origin(const glide_result* res, size_t i) {
  return res && i < res->words.size() ? static_cast<glide_origin>(res->words[i].origin) : GLIDE_ORIGIN_VOCABULARY;
}
size_t glide_result_decoder_steps(const glide_result* res) { return res ? res->stats.decoder_steps : 0; }
void glide_result_free(glide_result* res) { delete res; }

glide_status glide_add_words(glide_recognizer* r, const char* const* words, const double* weights, size_t n, size_t* added) {
  if (added) *added = 0;
  if (!r) return fail(GLIDE_ERROR_ARGUMENT, "glide_add_words: recognizer is NULL");
  if (n > 0 && !words) return fail(GLIDE_ERROR_ARGUMENT, "glide_add_words: words is NULL");
  return guarded([&] {
    std::vector<glide::user_word> list;
    for (std::size_t i = 0; i < n; ++i) {
      if (!words[i]) throw glide::config_error("glide_add_words: words[" + std::to_string(i) + "] is NULL");
      list.push_back({words[i], weights && weights[i] > 0 ? std::optional<double>{weights[i]} : std::nullopt});
    }
    const auto report = r->r->add_words(list, /*all_or_nothing=*/true);
    if (!report.rejected.empty()) {
      std::string why;
      for (const auto& w : report.rejected) why += (why.empty() ? "" : "; ") + w;
      throw glide::config_error("glide_add_words: nothing added: " + why);
    }
    if (added) *added = report.added;
  });
}

glide_status glide_remove_words(glide_recognizer* r, const char* const* words, size_t n, size_t* removed) {
  if (removed) *removed = 0;
  if (!r) return fail(GLIDE_ERROR_ARGUMENT, "glide_remove_words: recognizer is NULL");
  if (n > 0 && !words) return fail(GLIDE_ERROR_ARGUMENT, "glide_remove_words: words is NULL");
  return guarded([&] {
    std::vector<std::string> list;
    for (std::size_t i = 0; i < n; ++i) {
      if (!words[i]) throw glide::config_error("glide_remove_words: words[" + std::to_string(i) + "] is NULL");
      list.emplace_back(words[i]);
    }
    const auto report = r->r->remove_words(list);
    if (removed) *removed = report.removed;
  });
}

glide_status glide_live_begin(glide_recognizer* r, const char* grid, glide_live** out) {
  if (!out) return fail(GLIDE_ERROR_ARGUMENT, "glide_live_begin: out is NULL");
  *out = nullptr;
  if (!r) return fail(GLIDE_ERROR_ARGUMENT, "glide_live_begin: recognizer is NULL");
  if (!grid) return fail(GLIDE_ERROR_ARGUMENT, "glide_live_begin: grid is NULL");
  return guarded([&] { *out = new glide_live{glide::backends::eigen::live_swipe{*r->r, grid}}; });
}

glide_status glide_live_add(glide_live* live, const float* x, const float* y, const float* t, size_t n) {
  if (!live) return fail(GLIDE_ERROR_ARGUMENT, "glide_live_add: live is NULL");
  if (n > 0 && (!x || !y || !t)) return fail(GLIDE_ERROR_ARGUMENT, "glide_live_add: x, y or t is NULL");
  return guarded([&] { live->swipe.add({x, n}, {y, n}, {t, n}); });
}

glide_status glide_live_partial(glide_live* live, size_t k, glide_result** out) {
  if (!out) return fail(GLIDE_ERROR_ARGUMENT, "glide_live_partial: out is NULL");
  *out = nullptr;
  if (!live) return fail(GLIDE_ERROR_ARGUMENT, "glide_live_partial: live is NULL");
  return guarded([&] {
    auto res = std::make_unique<glide_result>();
    const auto& rec = live->swipe.partial(k);
    res->words = rec.words;
    res->stats = rec.stats;
    *out = res.release();
  });
}

glide_status glide_live_finish(glide_live* live, glide_result** out) {
  if (!out) return fail(GLIDE_ERROR_ARGUMENT, "glide_live_finish: out is NULL");
  *out = nullptr;
  if (!live) return fail(GLIDE_ERROR_ARGUMENT, "glide_live_finish: live is NULL");
  return guarded([&] {
    auto res = std::make_unique<glide_result>();
    auto rec = live->swipe.finish();
    res->words = std::move(rec.words);
    res->stats = rec.stats;
    *out = res.release();
  });
}

glide_status glide_live_clear(glide_live* live) {
  if (!live) return fail(GLIDE_ERROR_ARGUMENT, "glide_live_clear: live is NULL");
  live->swipe.clear();
  return GLIDE_OK;
}

void glide_live_free(glide_live* live) { delete live; }

const char* glide_last_error(void) { return last_error.c_str(); }

}  // extern "C"
