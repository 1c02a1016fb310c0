// The torch backend's trainer parts: the learning-rate schedule, batches drawn by step (what makes a
// resumed run see the batches it would have seen), and the one batching path.

#include <filesystem>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include <glide/backends/torch/trainer.hpp>

#include "support/temp_dir.hpp"

using namespace glide;
namespace tg = glide::backends::torch;

namespace {

tg::training_config tiny_config(const std::filesystem::path& dir) {
  {
    std::ofstream words{dir / "words.txt"};
    words << "the 100\nof 80\nand 70\nto 60\nin 50\nis 40\nthat 30\nfor 20\n";
  }
  const auto j = nlohmann::json::parse(R"({
    "model": {"d_model": 16, "heads": 2, "encoder_layers": 1, "decoder_layers": 1, "ffn": 32,
              "max_word_length": 10, "max_points": 40, "alphabet": "abcdefghijklmnopqrstuvwxyz"},
    "grids_file": ")" + std::string(GLIDE_SOURCE_DIR) + R"(/data/grids/grids.json",
    "grid": "qwerty_english", "valid_synthetic": 4, "batch_size": 5,
    "augment_synthetic": {"affine": {"probability": 0.5, "scale": 0.1, "offset": 0.1, "rotation_deg": 3}},
    "vocabulary": ")" + (dir / "words.txt").string() + R"("})");
  return tg::training_config::from_json(j, "tiny");
}

}  // namespace

TEST_CASE("learning rate: linear warm-up, then held, or a cosine from held to min_lr by step", "[torch][trainer]") {
  tg::training_config c;
  c.warmup_steps = 10;
  c.min_lr = 1e-5;
  REQUIRE(tg::learning_rate_at(c, 1e-3, 0) == Approx(1e-4));
  REQUIRE(tg::learning_rate_at(c, 1e-3, 9) == Approx(1e-3));
  REQUIRE(tg::learning_rate_at(c, 1e-3, 5000) == Approx(1e-3));
  c.decay_from_step = 100;
  c.decay_steps = 400;
  REQUIRE_FALSE(tg::decaying_at(c, 99));
  REQUIRE(tg::decaying_at(c, 100));
  REQUIRE(tg::learning_rate_at(c, 1e-3, 100) == Approx(1e-3));
  REQUIRE(tg::learning_rate_at(c, 1e-3, 300) == Approx((1e-3 + 1e-5) / 2));
  REQUIRE(tg::learning_rate_at(c, 1e-3, 500) == Approx(1e-5));
  REQUIRE(tg::learning_rate_at(c, 1e-3, 9000) == Approx(1e-5));
  double last = 1;
  for (std::size_t s = 100; s <= 500; s += 7) {
    const double lr = tg::learning_rate_at(c, 1e-3, s);
    REQUIRE(lr <= last);
    last = lr;
  }
}

TEST_CASE("the batch of a step depends on the step alone, not on the batches drawn before", "[torch][trainer]") {
  const auto dir = glide_test::temp_path("glide_trainer_test");
  std::filesystem::create_directories(dir);
  const auto cfg = tiny_config(dir);
  std::ostringstream log;
  tg::training_data a{cfg, log}, b{cfg, log};
  REQUIRE(log.str().find("8 words") != std::string::npos);
  REQUIRE(a.valid_synthetic().size() == 4);
  const auto a3 = a.batch(3);
  const auto a7 = a.batch(7);
  const auto b7 = b.batch(7);  // b draws 7 first
  const auto b3 = b.batch(3);
  for (const auto& [x, y] : {std::pair{&a3, &b3}, std::pair{&a7, &b7}}) {
    REQUIRE(x->input.kinematics.equal(y->input.kinematics));
    REQUIRE(x->input.keys.equal(y->input.keys));
    REQUIRE(x->tokens_in.equal(y->tokens_in));
    REQUIRE(x->targets.equal(y->targets));
  }
  const bool same = a3.input.kinematics.sizes() == a7.input.kinematics.sizes() && a3.input.kinematics.equal(a7.input.kinematics);
  REQUIRE_FALSE(same);
  REQUIRE(a3.input.kinematics.size(0) == 5);
}

TEST_CASE("one batching path: padding, masks, teacher-forcing tokens, and named errors", "[torch][trainer]") {
  swipe::model_input one, two;
  one.points = 2;
  one.kinematics.assign(12, 1.0F);
  one.keys = {3, 4};
  two.points = 3;
  two.kinematics.assign(18, 2.0F);
  two.keys = {5, 6, 7};
  const std::vector<swipe::model_input> inputs{one, two};
  const std::vector<std::vector<token_id>> words{{3, 4}, {5}};
  const auto b = tg::make_training_batch(inputs, words);
  REQUIRE((b.input.kinematics.sizes() == std::vector<std::int64_t>{2, 3, 6}));
  REQUIRE(b.input.mask[0][1].item<bool>());
  REQUIRE_FALSE(b.input.mask[0][2].item<bool>());
  REQUIRE(b.input.kinematics[0][2].abs().sum().item<float>() == 0.0F);
  REQUIRE(b.input.keys[1][2].item<std::int64_t>() == 7);
  REQUIRE(b.tokens_in[0][0].item<std::int64_t>() == char_tokenizer::bos_id);
  REQUIRE(b.tokens_in[0][2].item<std::int64_t>() == 4);
  REQUIRE(b.targets[0][2].item<std::int64_t>() == char_tokenizer::eos_id);
  REQUIRE(b.targets[1][1].item<std::int64_t>() == char_tokenizer::eos_id);
  REQUIRE(b.targets[1][2].item<std::int64_t>() == char_tokenizer::pad_id);
  swipe::model_input empty;
  const std::vector<swipe::model_input> bad{one, empty};
  REQUIRE_THROWS_WITH(tg::input_tensors(bad), Catch::Contains("swipe 1 is empty"));
  REQUIRE_THROWS_WITH(tg::make_training_batch(inputs, std::span<const std::vector<token_id>>{words.data(), 1}), Catch::Contains("2 swipes for 1 words"));
}

TEST_CASE("training config: negative, fractional and impossible counts are named errors (issue 29 D13)", "[torch][trainer][errors]") {
  const auto dir = glide_test::temp_path("glide_trainer_counts");
  std::filesystem::create_directories(dir);
  std::ofstream{dir / "words.txt"} << "the 100\nof 80\n";
  const nlohmann::json base{{"vocabulary", (dir / "words.txt").string()},
                            {"grids_file", std::string(GLIDE_SOURCE_DIR) + "/data/grids/grids.json"},
                            {"grid", "qwerty_english"}};
  auto with = [&](const char* key, const nlohmann::json& v) {
    auto j = base;
    j[key] = v;
    return j;
  };
  REQUIRE_NOTHROW(tg::training_config::from_json(base, "c.json"));
  REQUIRE_THROWS_WITH(tg::training_config::from_json(with("batch_size", -1), "c.json"),
                      Catch::Contains("c.json: 'batch_size' must be a whole number >= 0, not -1"));
  REQUIRE_THROWS_WITH(tg::training_config::from_json(with("max_steps", -1), "c.json"), Catch::Contains("'max_steps'"));
  REQUIRE_THROWS_WITH(tg::training_config::from_json(with("validate_every", -1), "c.json"), Catch::Contains("'validate_every'"));
  REQUIRE_THROWS_WITH(tg::training_config::from_json(with("top_words", 2.7), "c.json"), Catch::Contains("'top_words'") && Catch::Contains("2.7"));
  REQUIRE_THROWS_WITH(tg::training_config::from_json(with("seed", -1), "c.json"), Catch::Contains("'seed'"));
  REQUIRE_THROWS_WITH(tg::training_config::from_json(with("seed", 5000000000LL), "c.json"), Catch::Contains("'seed'"));
  REQUIRE_THROWS_WITH(tg::training_config::from_json(with("threads", 0), "c.json"), Catch::Contains("'threads' must be at least 1"));
  REQUIRE_THROWS_WITH(tg::training_config::from_json(with("batch_size", 100000000000000LL), "c.json"),
                      Catch::Contains("c.json: 'batch_size' = 100000000000000 needs at least") && Catch::Contains("of memory"));
}

TEST_CASE("trainer state: a damaged state.json is an error naming it (issue 29 D13, D14)", "[torch][trainer][errors]") {
  const nlohmann::json ok{{"step", 5}, {"lr", 1e-3}, {"best_mrr", 0.5}, {"bad_validations", 0}, {"elapsed_s", 1.5},
                          {"files", {{"model", "model-5.pt"}, {"optimizer", "optimizer-5.pt"}}}};
  const auto s = tg::trainer_state::from_json(ok, "snap/state.json");
  REQUIRE(s.step == 5);
  REQUIRE(s.files.at("model") == "model-5.pt");
  REQUIRE(tg::trainer_state::from_json(s.to_json()).files == s.files);
  auto bad = ok;
  bad["step"] = -5;
  REQUIRE_THROWS_WITH(tg::trainer_state::from_json(bad, "snap/state.json"),
                      Catch::Contains("snap/state.json: 'step' must be a whole number >= 0, not -5"));
  bad = ok;
  bad.erase("lr");
  REQUIRE_THROWS_WITH(tg::trainer_state::from_json(bad, "snap/state.json"), Catch::Contains("snap/state.json"));
  bad = ok;
  bad["files"]["model"] = "../elsewhere.pt";
  REQUIRE_THROWS_WITH(tg::trainer_state::from_json(bad, "snap/state.json"), Catch::Contains("no file name"));
  REQUIRE_THROWS_WITH(tg::trainer_state::from_json(nlohmann::json::array(), "snap/state.json"), Catch::Contains("snap/state.json"));
}
