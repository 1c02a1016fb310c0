#pragma once
// The files the pipeline tests read: the shipped English model, its vocabulary (made at build time)
// and the How-We-Swipe data beside the repository.

#include <string>

namespace glide_test {

inline const std::string model_dir = GLIDE_SOURCE_DIR "/models/en-qwerty";
inline const std::string vocab = GLIDE_VOCAB_DIR "/en.tsv";
inline const std::string hws = GLIDE_SOURCE_DIR "/../shared/data/how-we-swipe";

}  // namespace glide_test
