// The same decoding function, instantiated for two backends chosen at compile time: the shipped
// model run by the Eigen backend and, on the same weights, by the LibTorch backend. Both print the
// same words for the sample swipes.
//
// Usage: glide_backend_swap [MODEL_DIR] [SWIPES.jsonl]

#include <cstdio>
#include <string>

#include <glide/backends/eigen/model.hpp>
#include <glide/backends/eigen/recognizer.hpp>
#include <glide/backends/torch/backend.hpp>
#include <glide/glide.hpp>

using namespace glide;

/// Any Backend: the search, the vocabulary and everything else stay the same.
template <Backend B>
prediction decode(B& backend, const swipe::model_input& input, const vocabulary_trie& words, const char_tokenizer& tokens) {
  const auto memory = backend.encoder().encode(input);
  return to_prediction(constrained_beam_search(backend.decoder(), memory, words,
                                               {.beam = {.beam_width = 8, .n_best = 3}, .prior_weight = 0.3F}),
                       tokens);
}

int main(int argc, char** argv) try {
  const std::string dir = argc > 1 ? argv[1] : GLIDE_SOURCE_DIR "/models/en-qwerty";
  const std::string swipes = argc > 2 ? argv[2] : GLIDE_SOURCE_DIR "/data/samples/en.jsonl";
  // The library's pipeline loads the model, the vocabulary and the grids; the torch backend gets the same weights.
  auto loaded = backends::eigen::load_recognizer(dir, GLIDE_VOCAB_DIR "/en.tsv", {GLIDE_SOURCE_DIR "/data/grids/grids.json"});
  const auto& config = loaded->config();
  const auto weights = io::safetensors_file::load(dir + "/model.safetensors");
  const auto& tokens = loaded->tokenizer();
  const auto& grids = loaded->grids();
  const auto& words = loaded->trie();

  auto& eigen_model = std::get<backends::eigen::transformer_model>(loaded->model());
  backends::torch::swipe_model net{config};
  net->import_weights(weights);
  backends::torch::torch_backend torch_model{net};

  std::size_t same = 0, total = 0;
  for (const auto& ex : swipe::read_jsonl(swipes)) {
    const auto& grid = grids.at(ex.curve.grid_name);
    const swipe::feature_extractor fx{grid, swipe::feature_options_for(config)};
    const auto input = swipe::make_model_input(fx.extract(ex.curve), grid, tokens, config.max_points);
    const auto a = decode(eigen_model, input, words, tokens);
    const auto b = decode(torch_model, input, words, tokens);
    std::printf("%-10s eigen:", ex.word.c_str());
    for (const auto& w : a) std::printf(" %s", w.word.c_str());
    std::printf("   libtorch:");
    for (const auto& w : b) std::printf(" %s", w.word.c_str());
    std::printf("\n");
    same += words_of(a) == words_of(b);
    ++total;
  }
  std::printf("%zu of %zu swipes decoded identically by both backends\n", same, total);
  return same == total ? 0 : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "glide_backend_swap: %s\n", e.what());
  return 1;
}
