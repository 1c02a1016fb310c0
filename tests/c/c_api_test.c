/* The C API used from C: load the shipped model with the CLI's defaults, decode synthetic swipes
 * (9 in 10 words among the top 4), decode each again incrementally (finish equals the whole decode),
 * add a user word and read it, and every bad call returns a status with a message. The swipes come from the test's shell script (tests/c/run.sh) as plain text: one
 * swipe a line, "word grid n x1..xn y1..yn t1..tn".
 * Usage: c_api_test MODEL_DIR VOCABULARY GRIDS SWIPES.txt RESCORE.json LITERAL.json */
#include <glide.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;
#define CHECK(cond, ...)                  \
  do {                                    \
    if (!(cond)) {                        \
      printf("FAIL: " __VA_ARGS__);       \
      printf(" (%s)\n", glide_last_error()); \
      ++failures;                         \
    }                                     \
  } while (0)

int main(int argc, char** argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: c_api_test MODEL_DIR VOCABULARY GRIDS SWIPES.txt RESCORE.json LITERAL.json\n");
    return 2;
  }
  glide_options o;
  glide_options_init(&o);
  const char* grids[] = {argv[3]};
  glide_recognizer* r = NULL;
  /* Bad calls first: statuses and messages, no crash. */
  CHECK(glide_recognizer_create(&o, &r) == GLIDE_ERROR_ARGUMENT && r == NULL, "create without a model");
  CHECK(strstr(glide_last_error(), "required") != NULL, "the missing option is named");
  o.model_dir = "/nonexistent";
  o.vocabulary = argv[2];
  o.grid_files = grids;
  o.grid_count = 1;
  CHECK(glide_recognizer_create(&o, &r) != GLIDE_OK && r == NULL, "create with a missing model");
  CHECK(strstr(glide_last_error(), "/nonexistent") != NULL, "the missing model's path is named");
  o.model_dir = argv[1];
  o.search = "astar";
  CHECK(glide_recognizer_create(&o, &r) == GLIDE_ERROR_UNKNOWN_NAME, "an unknown search");
  o.search = NULL;
  o.rescore_geometric = 1.0f;
  o.rescore_params = argv[5];
  o.literal = 1;
  o.literal_params = argv[6];
  /* Ensembles: bad members, weights and methods are statuses naming them; a good one decodes. */
  const char* members[] = {argv[1]};
  const float weights[] = {1.0f, 0.5f, 2.0f};
  o.ensemble_count = 1;
  CHECK(glide_recognizer_create(&o, &r) == GLIDE_ERROR_CONFIG && r == NULL, "ensemble NULL with a count");
  CHECK(strstr(glide_last_error(), "ensemble is NULL") != NULL, "the NULL ensemble is named");
  o.ensemble = members;
  o.ensemble_weights = weights;
  o.ensemble_weight_count = 3;
  CHECK(glide_recognizer_create(&o, &r) == GLIDE_ERROR_CONFIG && r == NULL, "three weights for two models");
  CHECK(strstr(glide_last_error(), "3 ensemble weights for 2 models") != NULL, "the weight count is named");
  o.ensemble_weight_count = 2;
  o.ensemble_method = "average";
  CHECK(glide_recognizer_create(&o, &r) == GLIDE_ERROR_UNKNOWN_NAME && r == NULL, "an unknown ensemble method");
  o.ensemble_method = "words";
  CHECK(glide_recognizer_create(&o, &r) == GLIDE_OK && r != NULL, "create an ensemble");
  glide_recognizer_free(r);
  r = NULL;
  o.ensemble = NULL;
  o.ensemble_count = 0;
  o.ensemble_weights = NULL;
  o.ensemble_weight_count = 0;
  o.ensemble_method = NULL;
  CHECK(glide_recognizer_create(&o, &r) == GLIDE_OK && r != NULL, "create");
  if (!r) return 1;

  FILE* f = fopen(argv[4], "r");
  if (!f) {
    perror(argv[4]);
    return 2;
  }
  char word[64], grid[64];
  size_t n, swipes = 0, found = 0;
  while (fscanf(f, "%63s %63s %zu", word, grid, &n) == 3) {
    float* xyz = malloc(3 * n * sizeof(float));
    for (size_t i = 0; i < 3 * n; ++i)
      if (fscanf(f, "%f", &xyz[i]) != 1) return 2;
    glide_result* res = NULL;
    CHECK(glide_decode(r, xyz, xyz + n, xyz + 2 * n, n, grid, &res) == GLIDE_OK, "decode %s", word);
    int hit = 0;
    for (size_t i = 0; res && i < glide_result_count(res); ++i) hit |= strcmp(glide_result_word(res, i), word) == 0;
    printf("%-12s -> %s (%.2f)%s\n", word, res && glide_result_count(res) ? glide_result_word(res, 0) : "(none)",
           res && glide_result_count(res) ? glide_result_score(res, 0) : 0.0,
           res && glide_result_count(res) && glide_result_origin(res, 0) == GLIDE_ORIGIN_USER ? " [user]" : "");
    if (strcmp(word, "tarantino") == 0) {
      /* Not a vocabulary word: add it, and it is read as written, marked as the user's. */
      const char* mine[] = {"Tarantino"};
      size_t added = 0, removed = 0;
      CHECK(glide_add_words(r, mine, NULL, 1, &added) == GLIDE_OK && added == 1, "add a user word");
      glide_result* again = NULL;
      CHECK(glide_decode(r, xyz, xyz + n, xyz + 2 * n, n, grid, &again) == GLIDE_OK, "decode with the user word");
      CHECK(again && glide_result_count(again) > 0 && strcmp(glide_result_word(again, 0), "Tarantino") == 0 &&
                glide_result_origin(again, 0) == GLIDE_ORIGIN_USER,
            "the user word read first, as written");
      glide_result_free(again);
      CHECK(glide_remove_words(r, mine, 1, &removed) == GLIDE_OK && removed == 1, "remove the user word");
      const char* bad[] = {"Kyoto", "\xe6\x97\xa5\xe6\x9c\xac"};
      CHECK(glide_add_words(r, bad, NULL, 2, &added) == GLIDE_ERROR_CONFIG && added == 0, "a word the model cannot spell");
      CHECK(strstr(glide_last_error(), "\xe6\x97\xa5") != NULL, "the unspellable word is named");
      hit = 1;
    } else {
      found += hit;
      ++swipes;
    }
    /* The same swipe live: a point at a time, the best words so far every 4 points, then the whole
     * swipe's words, which equal glide_decode's. */
    glide_live* live = NULL;
    CHECK(glide_live_begin(r, grid, &live) == GLIDE_OK && live != NULL, "begin a live swipe");
    for (size_t i = 0; live && i < n; ++i) {
      CHECK(glide_live_add(live, xyz + i, xyz + n + i, xyz + 2 * n + i, 1) == GLIDE_OK, "add point %zu", i);
      if (i % 4 == 3 || i + 1 == n) {
        glide_result* so_far = NULL;
        CHECK(glide_live_partial(live, 3, &so_far) == GLIDE_OK && so_far != NULL && glide_result_count(so_far) <= 3, "partial");
        glide_result_free(so_far);
      }
    }
    glide_result* whole = NULL;
    CHECK(live && glide_live_finish(live, &whole) == GLIDE_OK, "finish a live swipe");
    int same = whole != NULL && res != NULL && glide_result_count(whole) == glide_result_count(res);
    for (size_t i = 0; same && i < glide_result_count(res); ++i)
      same = strcmp(glide_result_word(whole, i), glide_result_word(res, i)) == 0 && glide_result_score(whole, i) == glide_result_score(res, i);
    CHECK(same || strcmp(word, "tarantino") == 0, "finish() gives glide_decode's words and scores for %s", word);
    glide_result_free(whole);
    CHECK(glide_live_clear(live) == GLIDE_OK, "clear");
    CHECK(glide_live_finish(live, &whole) == GLIDE_ERROR_SHAPE && whole == NULL, "finish without points");
    glide_live_free(live);
    glide_result_free(res);
    /* Mismatched or missing input. */
    CHECK(glide_decode(r, xyz, xyz + n, xyz + 2 * n, n, "workman", &res) == GLIDE_ERROR_UNKNOWN_NAME && res == NULL, "unknown grid");
    CHECK(glide_decode(r, NULL, xyz, xyz, n, grid, &res) == GLIDE_ERROR_ARGUMENT, "NULL x");
    free(xyz);
  }
  fclose(f);
  CHECK(glide_decode(NULL, NULL, NULL, NULL, 0, NULL, NULL) == GLIDE_ERROR_ARGUMENT, "all NULL");
  {
    glide_live* live = NULL;
    glide_result* res = NULL;
    const float bad[] = {1.0f, NAN};
    CHECK(glide_live_begin(r, "workman", &live) == GLIDE_ERROR_UNKNOWN_NAME && live == NULL, "live swipe on an unknown grid");
    CHECK(glide_live_begin(r, NULL, &live) == GLIDE_ERROR_ARGUMENT, "live swipe without a grid");
    CHECK(glide_live_begin(r, "qwerty_english", &live) == GLIDE_OK, "live swipe");
    CHECK(glide_live_partial(live, 3, &res) == GLIDE_OK && glide_result_count(res) == 0, "no words before the first point");
    glide_result_free(res);
    CHECK(glide_live_add(live, bad, bad, bad + 1, 1) == GLIDE_ERROR_NUMERIC, "a NaN time");
    CHECK(strstr(glide_last_error(), "point 0") != NULL, "the point is named");
    CHECK(glide_live_add(live, NULL, bad, bad, 1) == GLIDE_ERROR_ARGUMENT, "NULL x");
    CHECK(glide_live_add(NULL, bad, bad, bad, 1) == GLIDE_ERROR_ARGUMENT && glide_live_partial(NULL, 1, &res) == GLIDE_ERROR_ARGUMENT &&
              glide_live_finish(NULL, &res) == GLIDE_ERROR_ARGUMENT && glide_live_clear(NULL) == GLIDE_ERROR_ARGUMENT,
          "NULL live swipe");
    glide_live_free(live);
    glide_live_free(NULL);
  }
  CHECK(glide_result_word(NULL, 0) == NULL && glide_result_count(NULL) == 0, "NULL result");
  CHECK(swipes > 0 && found * 10 >= swipes * 9, "%zu of %zu swiped words among the top 4", found, swipes);
  glide_recognizer_free(r);
  printf("%zu of %zu swiped words among the top 4; %d failure(s)\n", found, swipes, failures);
  return failures == 0 ? 0 : 1;
}
