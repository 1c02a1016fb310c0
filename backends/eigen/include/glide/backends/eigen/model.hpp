#pragma once
// Eigen swipe models as Backends, loaded from a model directory (config.json + model.safetensors).
// The decoder family is a compile-time choice (transformer_model, gru_model); load_model picks one at
// run time from the config and returns a variant to std::visit.

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <variant>

#include <glide/concepts/backend.hpp>
#include <glide/core/error.hpp>
#include <glide/io/safetensors.hpp>
#include <glide/model/config.hpp>
#include <glide/backends/eigen/decoders.hpp>
#include <glide/backends/eigen/encoder.hpp>

namespace glide::backends::eigen {

template <class DecoderT>
class model {
 public:
  using encoder_type = swipe_encoder;
  using decoder_type = DecoderT;

  /// Builds the model from weights; every tensor the config implies must be present with its shape,
  /// and no other tensor may be.
  model(const glide::model::model_config& config, const io::safetensors_file& weights,
        const std::string& source = "weights")
      : model{validated(config), weight_reader{weights}, source} {}

  encoder_type& encoder() noexcept { return encoder_; }
  decoder_type& decoder() noexcept { return decoder_; }
  [[nodiscard]] const glide::model::model_config& config() const noexcept { return encoder_.config(); }

 private:
  model(const glide::model::model_config& config, weight_reader&& w, const std::string& source)
      : encoder_{config, w}, decoder_{config, w} {
    w.require_all_used(source);
  }
  static const glide::model::model_config& validated(const glide::model::model_config& c) {
    c.validate();
    return c;
  }

  encoder_type encoder_;
  decoder_type decoder_;
};

using transformer_model = model<transformer_decoder>;
using gru_model = model<gru_decoder>;
static_assert(Backend<transformer_model>);
static_assert(Backend<gru_model>);

using any_model = std::variant<transformer_model, gru_model>;

/// The model family the config names, built from `weights`.
inline any_model make_model(const glide::model::model_config& config, const io::safetensors_file& weights,
                            const std::string& source = "weights") {
  if (config.decoder == "gru") return any_model{std::in_place_type<gru_model>, config, weights, source};
  return any_model{std::in_place_type<transformer_model>, config, weights, source};
}

/// Loads `dir`/config.json and `dir`/model.safetensors.
inline any_model load_model(const std::string& dir) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(dir)) throw io_error("model directory '" + dir + "' does not exist");
  const auto config = glide::model::model_config::load((fs::path(dir) / "config.json").string());
  const auto weights_path = (fs::path(dir) / "model.safetensors").string();
  if (!fs::exists(weights_path)) throw io_error("model directory '" + dir + "' has no model.safetensors");
  return make_model(config, io::safetensors_file::load(weights_path), weights_path);
}

}  // namespace glide::backends::eigen
