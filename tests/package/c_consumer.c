/* The installed C API from a C program: load the shipped English model, decode a swipe along the
 * keys t-h-e of the How-We-Swipe keyboard, live and whole, and get words; a missing model is an
 * error with a message. Usage: glide_c_consumer MODEL_DIR VOCABULARY GRIDS */
#include <glide.h>

#include <stdio.h>
#include <string.h>

int main(int argc, char** argv) {
  if (argc != 4) return 2;
  glide_options o;
  glide_options_init(&o);
  const char* grids[] = {argv[3]};
  o.model_dir = "/nonexistent";
  o.vocabulary = argv[2];
  o.grid_files = grids;
  o.grid_count = 1;
  glide_recognizer* r = NULL;
  if (glide_recognizer_create(&o, &r) == GLIDE_OK || strstr(glide_last_error(), "/nonexistent") == NULL) return 1;
  o.model_dir = argv[1];
  if (glide_recognizer_create(&o, &r) != GLIDE_OK) {
    printf("create: %s\n", glide_last_error());
    return 1;
  }
  /* t (187, 26), h (205, 83), e (79, 26) on qwerty_english, 360x215. */
  const float x[] = {187, 192, 198, 205, 170, 130, 95, 79}, y[] = {26, 45, 64, 83, 66, 48, 33, 26};
  const float t[] = {0, 30, 60, 90, 120, 150, 180, 210};
  glide_result* words = NULL;
  if (glide_decode(r, x, y, t, 8, "qwerty_english", &words) != GLIDE_OK || glide_result_count(words) == 0) {
    printf("decode: %s\n", glide_last_error());
    return 1;
  }
  glide_live* live = NULL;
  glide_result* whole = NULL;
  if (glide_live_begin(r, "qwerty_english", &live) != GLIDE_OK || glide_live_add(live, x, y, t, 8) != GLIDE_OK ||
      glide_live_finish(live, &whole) != GLIDE_OK || strcmp(glide_result_word(whole, 0), glide_result_word(words, 0)) != 0) {
    printf("live: %s\n", glide_last_error());
    return 1;
  }
  printf("t-h-e -> %s (live: %s)\n", glide_result_word(words, 0), glide_result_word(whole, 0));
  glide_result_free(whole);
  glide_live_free(live);
  glide_result_free(words);
  glide_recognizer_free(r);
  return 0;
}
