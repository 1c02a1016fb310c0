#pragma once
// The architecture of a swipe model, shared by every backend (config.json in a model directory).
// Weight names and shapes follow from it (docs/models.md).

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include <glide/core/error.hpp>
#include <glide/io/json_file.hpp>
#include <glide/text/char_tokenizer.hpp>

namespace glide::model {

struct model_config {
  std::string encoder = "transformer";  ///< "transformer" or "conformer"
  std::string decoder = "transformer";  ///< "transformer" or "gru"
  std::size_t d_model = 128;
  std::size_t heads = 4;
  std::size_t encoder_layers = 4;
  std::size_t decoder_layers = 4;
  std::size_t ffn = 512;
  std::size_t conv_kernel = 15;         ///< conformer depthwise convolution
  std::size_t max_word_length = 40;     ///< longest output, end token excluded
  std::size_t max_points = 0;           ///< swipes with more points are resampled to this many (0: never)
  std::string alphabet = "abcdefghijklmnopqrstuvwxyz";
  /// How a point's keys enter the encoder. 0: the nearest letter key's embedding. K >= 2: the
  /// embeddings of the K nearest letter keys of the grid decoded on, weighted by a softmax of
  /// -d^2 / (2 key_sigma^2) with d the distance to the key's centre in half key diagonals; the model
  /// then reads which letters lie under and around the finger on whatever layout it is given.
  std::size_t soft_keys = 0;
  double key_sigma = 0.5;

  static constexpr std::size_t kinematic_dim = 6;

  [[nodiscard]] char_tokenizer tokenizer() const { return char_tokenizer{alphabet}; }
  [[nodiscard]] std::size_t vocab_size() const { return tokenizer().vocab_size(); }
  [[nodiscard]] std::size_t head_dim() const noexcept { return d_model / heads; }

  void validate() const {
    auto fail = [](const std::string& why) { throw config_error("model config: " + why); };
    if (encoder != "transformer" && encoder != "conformer")
      throw unknown_name_error("model config: unknown encoder '" + encoder + "' (transformer, conformer)");
    if (decoder != "transformer" && decoder != "gru")
      throw unknown_name_error("model config: unknown decoder '" + decoder + "' (transformer, gru)");
    if (d_model == 0 || heads == 0 || d_model % heads != 0) fail("d_model must be a positive multiple of heads");
    if (d_model % 2 != 0) fail("d_model must be even (sinusoidal positions)");
    if (ffn == 0) fail("ffn must be positive");
    if (encoder_layers == 0) fail("encoder_layers must be positive");
    if (decoder == "transformer" && decoder_layers == 0) fail("decoder_layers must be positive");
    if (conv_kernel % 2 == 0) fail("conv_kernel must be odd");
    if (max_word_length == 0) fail("max_word_length must be positive");
    if (max_points == 1) fail("max_points must be 0 (no limit) or at least 2");
    if (soft_keys == 1) fail("soft_keys must be 0 (the nearest key) or at least 2");
    if (!(key_sigma > 0 && key_sigma < 100)) fail("key_sigma must be in (0, 100)");
    // Upper bounds far above any real model: an absurd size is a broken file, and products such as
    // 3 * d_model or d_model * ffn must not overflow (or ask for terabytes) before loading fails.
    auto at_most = [&](std::size_t v, std::size_t limit, const char* what) {
      if (v > limit) fail(std::string(what) + " " + std::to_string(v) + " is above the limit " + std::to_string(limit));
    };
    at_most(d_model, 16384, "d_model");
    at_most(heads, 1024, "heads");
    at_most(ffn, 65536, "ffn");
    at_most(encoder_layers, 1024, "encoder_layers");
    at_most(decoder_layers, 1024, "decoder_layers");
    at_most(conv_kernel, 4095, "conv_kernel");
    at_most(max_word_length, 4096, "max_word_length");
    at_most(max_points, 1 << 20, "max_points");
    at_most(soft_keys, 64, "soft_keys");
    (void)tokenizer();  // the alphabet must be valid UTF-8 without repeats
  }

  [[nodiscard]] nlohmann::json to_json() const {
    nlohmann::json j{{"encoder", encoder}, {"decoder", decoder}, {"d_model", d_model}, {"heads", heads},
                     {"encoder_layers", encoder_layers}, {"decoder_layers", decoder_layers}, {"ffn", ffn},
                     {"conv_kernel", conv_kernel}, {"max_word_length", max_word_length}, {"max_points", max_points},
                     {"alphabet", alphabet}};
    if (soft_keys != 0) {  // written only when used: older configs (and their table keys) stay as they were
      j["soft_keys"] = soft_keys;
      j["key_sigma"] = key_sigma;
    }
    return j;
  }

  static model_config from_json(const nlohmann::json& j, const std::string& source = "config") {
    if (!j.is_object()) throw parse_error(source + ": model config is not a JSON object");
    model_config c;
    auto text = [&](const char* k, std::string& v) {
      if (!j.contains(k)) return;
      if (!j[k].is_string()) throw parse_error(source + ": '" + k + "' must be a string");
      v = j[k].get<std::string>();
    };
    auto size = [&](const char* k, std::size_t& v) {
      if (!j.contains(k)) return;
      if (!j[k].is_number_unsigned()) throw parse_error(source + ": '" + k + "' must be a non-negative integer");
      v = j[k].get<std::size_t>();
    };
    for (const auto& [k, v] : j.items()) {
      static const char* known[] = {"encoder", "decoder", "d_model", "heads", "encoder_layers", "decoder_layers",
                                    "ffn", "conv_kernel", "max_word_length", "max_points", "alphabet", "soft_keys",
                                    "key_sigma", "training"};
      bool ok = false;
      for (const char* n : known) ok = ok || k == n;
      if (!ok) throw parse_error(source + ": unknown model config key '" + k + "'");
    }
    text("encoder", c.encoder);
    text("decoder", c.decoder);
    size("d_model", c.d_model);
    size("heads", c.heads);
    size("encoder_layers", c.encoder_layers);
    size("decoder_layers", c.decoder_layers);
    size("ffn", c.ffn);
    size("conv_kernel", c.conv_kernel);
    size("max_word_length", c.max_word_length);
    size("max_points", c.max_points);
    text("alphabet", c.alphabet);
    size("soft_keys", c.soft_keys);
    if (j.contains("key_sigma")) {
      if (!j["key_sigma"].is_number()) throw parse_error(source + ": 'key_sigma' must be a number");
      c.key_sigma = j["key_sigma"].get<double>();
    }
    try {
      c.validate();
    } catch (const error& e) {
      throw config_error(source + ": " + e.what());
    }
    return c;
  }

  static model_config load(const std::string& path) { return from_json(io::read_json_file(path, "model config"), path); }
};

}  // namespace glide::model
