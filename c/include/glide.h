/* Glide's C API: a swipe recognizer behind opaque handles, in the manner of sqlite3.h and llama.h.
 * No C++ type, exception or container crosses it; every call returns a status; glide_last_error()
 * gives the message of the calling thread's last failed call. A recognizer may be used from several
 * threads at once (decodes take turns; words may be added while others decode).
 *
 *   glide_options o;
 *   glide_options_init(&o);
 *   o.model_dir = "models/en-qwerty"; o.vocabulary = "build/vocab/en.tsv";
 *   const char* grids[] = {"data/grids/grids.json"}; o.grid_files = grids; o.grid_count = 1;
 *   glide_recognizer* r;
 *   if (glide_recognizer_create(&o, &r) != GLIDE_OK) { puts(glide_last_error()); return 1; }
 *   glide_result* words;
 *   if (glide_decode(r, x, y, t, n, "qwerty_english", &words) == GLIDE_OK) {
 *     for (size_t i = 0; i < glide_result_count(words); ++i) puts(glide_result_word(words, i));
 *     glide_result_free(words);
 *   }
 *   glide_recognizer_free(r);
 *
 * Build: the CMake target glide::c (a static library; link it with a C++ linker or libstdc++). */
#ifndef GLIDE_H
#define GLIDE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum glide_status {
  GLIDE_OK = 0,
  GLIDE_ERROR_ARGUMENT = 1,     /* a null pointer or an impossible size where one is required */
  GLIDE_ERROR_IO = 2,           /* a file could not be read */
  GLIDE_ERROR_PARSE = 3,        /* a file or text is malformed */
  GLIDE_ERROR_CONFIG = 4,       /* an option is invalid */
  GLIDE_ERROR_UNKNOWN_NAME = 5, /* a grid, search or character that does not exist */
  GLIDE_ERROR_SHAPE = 6,        /* array lengths that do not agree */
  GLIDE_ERROR_NUMERIC = 7,      /* NaN or infinity in an input or a model's output */
  GLIDE_ERROR_OTHER = 99
} glide_status;

/* Where a decoded word came from. */
typedef enum glide_origin { GLIDE_ORIGIN_VOCABULARY = 0, GLIDE_ORIGIN_USER = 1, GLIDE_ORIGIN_LITERAL = 2 } glide_origin;

typedef struct glide_options {
  const char* model_dir;          /* config.json + model.safetensors (required) */
  const char* vocabulary;         /* word list, one "word [count]" a line (required) */
  const char* const* grid_files;  /* keyboard grid files, loaded as one set (at least one) */
  size_t grid_count;
  const char* search;             /* e.g. "trie_beam:beam_width=9,n_best=9,prior_weight=0.3"; NULL: the default */
  size_t top;                     /* words kept per swipe (0: all the search returns) */
  float rescore_geometric;        /* weight of the geometric rescoring (0: off) */
  const char* rescore_params;     /* its channel weights (JSON); NULL: built in */
  int literal;                    /* nonzero: literal spellings beside the vocabulary */
  const char* literal_params;     /* the literal gate (JSON); NULL: built in */
  const char* alphabet;           /* the letters words are spelled in (a language pack's keys); NULL: the model's */
  const char* const* ensemble;    /* other model directories decoded with model_dir (NULL or ensemble_count 0: none) */
  size_t ensemble_count;
  const float* ensemble_weights;  /* one per model, model_dir's first (NULL: equal weights) */
  size_t ensemble_weight_count;
  const char* ensemble_method;    /* "product" or "mixture" inside one search, "words": the lists merged; NULL: product */
} glide_options;

/* The defaults: the CLI's search, top 4, no rescoring, no literal spellings; paths NULL. */
void glide_options_init(glide_options* options);

typedef struct glide_recognizer glide_recognizer;
typedef struct glide_result glide_result;

/* Loads a recognizer into *out (NULL on failure). */
glide_status glide_recognizer_create(const glide_options* options, glide_recognizer** out);
void glide_recognizer_free(glide_recognizer* recognizer);
/* The vocabulary's words, and the user's (0 for a NULL recognizer). */
size_t glide_recognizer_word_count(const glide_recognizer* recognizer);
size_t glide_recognizer_user_word_count(const glide_recognizer* recognizer);

/* Decodes one swipe of n points (x, y in the grid's pixels, t in ms) on the named grid; *out holds
 * the words, best first, until glide_result_free. */
glide_status glide_decode(glide_recognizer* recognizer, const float* x, const float* y, const float* t, size_t n, const char* grid,
                          glide_result** out);
size_t glide_result_count(const glide_result* result);
const char* glide_result_word(const glide_result* result, size_t i); /* UTF-8, as displayed; NULL if i is out of range */
float glide_result_score(const glide_result* result, size_t i);
glide_origin glide_result_origin(const glide_result* result, size_t i);
size_t glide_result_decoder_steps(const glide_result* result); /* the decoder steps the decode took */
void glide_result_free(glide_result* result);

/* Adds n words to the user's dictionary (weights may be NULL, and a weight <= 0 takes the default);
 * *added (may be NULL) gets how many were new. Words that cannot be spelled fail the call, naming
 * them, and nothing is added. */
glide_status glide_add_words(glide_recognizer* recognizer, const char* const* words, const double* weights, size_t n, size_t* added);
/* Removes n words from the user's dictionary; *removed (may be NULL) gets how many were there. */
glide_status glide_remove_words(glide_recognizer* recognizer, const char* const* words, size_t n, size_t* removed);

/* Incremental decoding while the finger moves: begin a live swipe on a grid, add points as they
 * arrive, ask for the best words so far (cheap: a narrower search over at most 48 of the points, and
 * no decode at all when no point arrived since the last ask), and finish with the words of the whole
 * swipe, exactly those glide_decode gives for it. A live swipe is used by one thread at a time and
 * must be freed before its recognizer; glide_live_clear begins the next swipe on the same grid.
 *
 *   glide_live* live;
 *   glide_live_begin(r, "qwerty_english", &live);
 *   while (finger down) { glide_live_add(live, &x, &y, &t, 1); glide_live_partial(live, 3, &words); show; free }
 *   glide_live_finish(live, &words);
 *   glide_live_free(live); */
typedef struct glide_live glide_live;
glide_status glide_live_begin(glide_recognizer* recognizer, const char* grid, glide_live** out);
glide_status glide_live_add(glide_live* live, const float* x, const float* y, const float* t, size_t n);
glide_status glide_live_partial(glide_live* live, size_t k, glide_result** out);
glide_status glide_live_finish(glide_live* live, glide_result** out);
glide_status glide_live_clear(glide_live* live);
void glide_live_free(glide_live* live);

/* The message of the calling thread's last failed call ("" if none). */
const char* glide_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* GLIDE_H */
