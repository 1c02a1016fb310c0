#pragma once
// Eigen swipe models as Backends, loaded from a model directory (config.json + model.safetensors).
// The decoder family is a compile-time choice (transformer_model, gru_model); load_model picks one at
// run time from the config and returns a variant to std::visit.

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <span>
#include <variant>

#include <glide/concepts/backend.hpp>
#include <glide/concepts/decoder.hpp>
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

/// The decoder of an any_model as one Decoder type, its family chosen at run time: models of both
/// families join one ensemble_decoder<any_decoder>. Holds a pointer (the model outlives it) and no
/// state of its own, like the decoder it wraps.
class any_decoder {
  using pointer = std::variant<transformer_decoder*, gru_decoder*>;

 public:
  using memory_type = encoded_swipe;
  using state_type = std::variant<transformer_decoder::state_type, gru_decoder::state_type>;

 private:
  // The state of the wrapped family (a state made by another any_decoder's family is a shape_error).
  // Defined before their uses: emscripten's clang does not instantiate a member template used (from a
  // generic lambda) before its definition in the class.
  template <class Dec>
  static typename Dec::state_type& own(Dec*, state_type& s) {
    auto* p = std::get_if<typename Dec::state_type>(&s);
    if (p == nullptr) throw shape_error("any_decoder: a state of the other decoder family");
    return *p;
  }
  template <class Dec>
  static const typename Dec::state_type& own(Dec* d, const state_type& s) {
    return own(d, const_cast<state_type&>(s));  // NOLINT: read only
  }

 public:
  explicit any_decoder(any_model& m) : d_{std::visit([](auto& x) -> pointer { return &x.decoder(); }, m)} {}

  [[nodiscard]] std::size_t vocab_size() const {
    return std::visit([](auto* d) -> std::size_t { return d->vocab_size(); }, d_);
  }
  [[nodiscard]] token_id bos_id() const { return std::visit([](auto* d) { return d->bos_id(); }, d_); }
  [[nodiscard]] token_id eos_id() const { return std::visit([](auto* d) { return d->eos_id(); }, d_); }
  [[nodiscard]] std::size_t max_length() const {
    return std::visit([](auto* d) { return decoder_max_length(*d); }, d_);
  }
  [[nodiscard]] state_type init_state(const memory_type& memory, std::size_t batch) {
    return std::visit([&](auto* d) -> state_type { return d->init_state(memory, batch); }, d_);
  }
  [[nodiscard]] std::size_t batch_size(const state_type& s) const {
    return std::visit([&](auto* d) -> std::size_t { return d->batch_size(own(d, s)); }, d_);
  }
  logits_view step(const memory_type& memory, state_type& s, std::span<const token_id> last) {
    return std::visit([&](auto* d) { return d->step(memory, own(d, s), last); }, d_);
  }
  void reorder(state_type& s, std::span<const std::size_t> rows) {
    std::visit([&](auto* d) { d->reorder(own(d, s), rows); }, d_);
  }

 private:
  pointer d_;
};
static_assert(BoundedDecoder<any_decoder>);

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
