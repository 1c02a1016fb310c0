// The torch backend's trainer parts: the learning-rate schedule, batches drawn by step (what makes a
// resumed run see the batches it would have seen), and the one batching path.

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include <catch2/catch.hpp>

#include <glide/backends/torch/trainer.hpp>
#include <glide/testing/model_inputs.hpp>

#include "support/temp_dir.hpp"

using namespace glide;
namespace tg = glide::backends::torch;

namespace {

// A tiny model's training config over 8 words (written to `dir`/words.txt).
nlohmann::json tiny_config_json(const std::filesystem::path& dir) {
  {
    std::ofstream words{dir / "words.txt"};
    words << "the 100\nof 80\nand 70\nto 60\nin 50\nis 40\nthat 30\nfor 20\n";
  }
  return nlohmann::json::parse(R"({
    "model": {"d_model": 16, "heads": 2, "encoder_layers": 1, "decoder_layers": 1, "ffn": 32,
              "max_word_length": 10, "max_points": 40, "alphabet": "abcdefghijklmnopqrstuvwxyz"},
    "grids_file": ")" + std::string(GLIDE_SOURCE_DIR) + R"(/data/grids/grids.json",
    "grid": "qwerty_english", "valid_synthetic": 4, "batch_size": 5,
    "augment_synthetic": {"affine": {"probability": 0.5, "scale": 0.1, "offset": 0.1, "rotation_deg": 3}},
    "vocabulary": ")" + (dir / "words.txt").string() + R"("})");
}
tg::training_config tiny_config(const std::filesystem::path& dir) { return tg::training_config::from_json(tiny_config_json(dir), "tiny"); }

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

TEST_CASE("teacher lists: a real swipe trains on a word drawn from its teacher's list with probability teacher_weight",
          "[torch][trainer][distill]") {
  const auto dir = glide_test::temp_path("glide_trainer_teacher");
  std::filesystem::create_directories(dir);
  auto j = tiny_config_json(dir);
  const auto grids = swipe::grid_set::load(GLIDE_SOURCE_DIR "/data/grids/grids.json");
  const swipe::swipe_synthesizer synth{grids.at("qwerty_english")};
  std::mt19937 rng{5};
  auto write = [&](const std::string& name, const std::vector<swipe::teacher_word>& teacher, std::size_t n) {
    std::ofstream out{dir / name};
    for (std::size_t i = 0; i < n; ++i) {
      auto ex = synth.example("the", rng);
      ex.teacher = teacher;
      swipe::write_jsonl(out, ex);
    }
    return (dir / name).string();
  };
  // The teacher reads every swipe of "the" as "of" (0.75) or "and" (0.25).
  const auto taught = write("taught.jsonl", {{"of", 0.75F}, {"and", 0.25F}}, 20);
  j["train_jsonl"] = std::vector<std::string>{taught};
  j["real_fraction"] = 1.0;
  j["batch_size"] = 40;
  // Each target's length in tokens (the word's letters and the end token): "the" 4, "of" 3, "and" 4.
  auto counts = [](const tg::training_batch& b) {
    std::map<std::int64_t, int> n;
    const auto len = (b.targets != char_tokenizer::pad_id).sum(1);
    for (std::int64_t i = 0; i < len.size(0); ++i) ++n[len[i].item<std::int64_t>()];
    return n;
  };
  std::ostringstream log;
  j["teacher_weight"] = 0.0;
  tg::training_data labels{tg::training_config::from_json(j, "c.json"), log};
  REQUIRE(counts(labels.batch(1)) == std::map<std::int64_t, int>{{4, 40}});  // all "the"
  j["teacher_weight"] = 1.0;
  tg::training_data teacher{tg::training_config::from_json(j, "c.json"), log};
  REQUIRE(log.str().find("20 swipes, 20 with teacher lists") != std::string::npos);
  int of = 0, total = 0;
  for (std::size_t step = 0; step < 10; ++step) {
    const auto n = counts(teacher.batch(step));
    of += n.count(3) ? n.at(3) : 0;
    total += 40;
  }
  REQUIRE(of > total * 0.65);  // 0.75 expected: 300 of 400
  REQUIRE(of < total * 0.85);
  j["teacher_weight"] = 0.5;
  tg::training_data half{tg::training_config::from_json(j, "c.json"), log};
  of = 0;
  for (std::size_t step = 0; step < 10; ++step) {
    const auto n = counts(half.batch(step));
    of += n.count(3) ? n.at(3) : 0;
  }
  REQUIRE(of > total * 0.3);  // 0.375 expected
  REQUIRE(of < total * 0.45);
  // Draws are part of the step's seed: the same step gives the same words.
  REQUIRE(half.batch(4).targets.equal(half.batch(4).targets));

  // Without teacher lists, teacher_weight is an error naming the file; so are weights outside [0, 1]
  // and a run without train_jsonl.
  j["train_jsonl"] = std::vector<std::string>{write("plain.jsonl", {}, 3)};
  REQUIRE_THROWS_WITH((tg::training_data{tg::training_config::from_json(j, "c.json"), log}),
                      Catch::Contains("plain.jsonl: teacher_weight is 0.5") && Catch::Contains("no line has a 'teacher' list"));
  j["teacher_weight"] = 1.5;
  REQUIRE_THROWS_WITH(tg::training_config::from_json(j, "c.json"), Catch::Contains("c.json: teacher_weight must be in [0, 1]"));
  j.erase("train_jsonl");
  j["teacher_weight"] = 0.5;
  REQUIRE_THROWS_WITH(tg::training_config::from_json(j, "c.json"), Catch::Contains("teacher_weight") && Catch::Contains("needs train_jsonl"));
  // A teacher's word the model cannot spell: that swipe is skipped and counted, as a label would be.
  j["train_jsonl"] = std::vector<std::string>{taught, write("odd.jsonl", {{"théé", 0.5F}}, 2)};
  std::ostringstream odd_log;
  const tg::training_data odd{tg::training_config::from_json(j, "c.json"), odd_log};
  REQUIRE(odd_log.str().find("odd.jsonl: 0 swipes (2 skipped") != std::string::npos);
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

TEST_CASE("several sources (language packs), soft keys and layout variants: reproducible batches, grids that type the words",
          "[torch][trainer][layouts]") {
  const auto dir = glide_test::temp_path("glide_trainer_sources");
  std::filesystem::create_directories(dir);
  std::ofstream{dir / "de.txt"} << "für 100\nÜber 80\nHaus 70\nstraße 60\n";
  std::ofstream{dir / "el.txt"} << "και 100\nτο 80\nκαλά 50\n";
  const auto j = nlohmann::json::parse(R"({
    "model": {"d_model": 16, "heads": 2, "encoder_layers": 1, "decoder_layers": 1, "ffn": 32, "max_word_length": 10,
              "max_points": 40, "alphabet": "abcdefghijklmnopqrstuvwxyzäöüαβγδεζηθικλμνξοπρσςτυφχψω", "soft_keys": 3},
    "grids_file": ")" + std::string(GLIDE_SOURCE_DIR) + R"(/data/grids/grids.json",
    "sources": [{"vocabulary": ")" + (dir / "de.txt").string() + R"(", "grids": ["de_qwertz"]},
                {"vocabulary": ")" + (dir / "el.txt").string() + R"(", "grids": ["el_greek"], "share": 3}],
    "layout_variants": {"count": 2}, "fold_words": true, "valid_synthetic": 40, "batch_size": 6})");
  const auto cfg = tg::training_config::from_json(j, "multi");
  REQUIRE(cfg.sources.size() == 2);
  std::ostringstream log;
  tg::training_data a{cfg, log}, b{cfg, log};
  REQUIRE(log.str().find("de.txt: 4 words (0 skipped), 3 grid(s)") != std::string::npos);  // Über as über, straße as strasse
  REQUIRE(log.str().find("el.txt: 3 words (0 skipped), 3 grid(s)") != std::string::npos);  // καλά as καλα
  REQUIRE(a.source_count() == 2);
  REQUIRE(a.trie(1).word_count() == 3);
  // Validation swipes: each on its source's grid as given (no variant), words of its source.
  std::size_t greek = 0;
  for (std::size_t i = 0; i < a.valid_synthetic().size(); ++i) {
    const auto& ex = a.valid_synthetic()[i];
    const bool el = a.valid_synthetic_sources()[i] == 1;
    greek += el;
    REQUIRE(ex.curve.grid_name == (el ? "el_greek" : "de_qwertz"));
  }
  REQUIRE(greek > 20);  // share 3 of 4
  REQUIRE(a.grids().contains("de_qwertz~2"));
  REQUIRE(a.grids().at("el_greek~1").letter_count() == a.grids().at("el_greek").letter_count());
  const auto a5 = a.batch(5), b5 = b.batch(5);
  REQUIRE(a5.input.keys.dim() == 3);  // [B x T x 3] soft keys
  REQUIRE(a5.input.keys.size(2) == 3);
  REQUIRE(a5.input.keys.equal(b5.input.keys));
  REQUIRE(a5.input.key_weights.equal(b5.input.key_weights));
  REQUIRE(a5.targets.equal(b5.targets));
  // Each point's weights sum to 1 (padding rows are 0).
  const auto sums = a5.input.key_weights.sum(2);
  REQUIRE(((sums - a5.input.mask.to(::torch::kFloat32)).abs().max().item<float>()) < 1e-5F);

  auto bad = j;
  bad["vocabulary"] = "x.txt";
  REQUIRE_THROWS_WITH(tg::training_config::from_json(bad, "m.json"), Catch::Contains("not both"));
  bad = j;
  bad["sources"][0]["share"] = 0;
  REQUIRE_THROWS_WITH(tg::training_config::from_json(bad, "m.json"), Catch::Contains("sources[0]") && Catch::Contains("'share'"));
  bad = j;
  bad["sources"][1].erase("grids");
  REQUIRE_THROWS_WITH(tg::training_config::from_json(bad, "m.json"), Catch::Contains("sources[1]: needs 'vocabulary' and 'grids'"));
  bad = j;
  bad["sources"][1]["grid"] = "x";
  REQUIRE_THROWS_WITH(tg::training_config::from_json(bad, "m.json"), Catch::Contains("unknown key 'grid'"));
  bad = j;
  bad["layout_variants"]["aspect"] = 3;
  REQUIRE_THROWS_WITH(tg::training_config::from_json(bad, "m.json"), Catch::Contains("layout_variants"));
  bad = j;
  bad["model"]["soft_keys"] = 1;
  REQUIRE_THROWS_WITH(tg::training_config::from_json(bad, "m.json"), Catch::Contains("soft_keys"));
}

TEST_CASE("the trainer reads a vocabulary's display forms folded by default, as the CLI decodes them", "[torch][trainer]") {
  const auto dir = glide_test::temp_path("glide_trainer_fold");
  std::filesystem::create_directories(dir);
  auto j = tiny_config_json(dir);
  std::ofstream{dir / "shown.txt"} << "the 100\nI 90\ndon't 80\nBoston 70\ncafé 60\n";
  j["vocabulary"] = (dir / "shown.txt").string();
  std::ostringstream log;
  const tg::training_data folded{tg::training_config::from_json(j, "c.json"), log};
  REQUIRE(log.str().find("shown.txt: 5 words (0 skipped)") != std::string::npos);
  const char_tokenizer letters{"abcdefghijklmnopqrstuvwxyz"};
  for (const char* w : {"i", "dont", "boston", "cafe"}) REQUIRE(folded.trie().contains(letters.encode(w)));
  j["fold_words"] = false;  // only the words written as spelled: 4 skipped, counted
  log.str("");
  const tg::training_data spelled{tg::training_config::from_json(j, "c.json"), log};
  REQUIRE(log.str().find("shown.txt: 1 words (4 skipped)") != std::string::npos);
  REQUIRE(!spelled.trie().contains(letters.encode("i")));
}

TEST_CASE("a layout variant keeps the letters and their order in each row, moves and scales them", "[torch][trainer][layouts]") {
  const auto grids = swipe::grid_set::load(std::string(GLIDE_SOURCE_DIR) + "/data/grids/grids.json");
  const auto& g = grids.at("de_qwertz");
  std::mt19937 rng{5};
  bool moved = false;
  for (int i = 0; i < 20; ++i) {
    const auto v = tg::layout_variant(g, {.count = 1, .key_scale = 0.2, .aspect = 0.3, .row_shift = 0.5}, rng, "v");
    REQUIRE(v.letter_count() == g.letter_count());
    for (std::size_t k = 0; k + 1 < g.letter_count(); ++k) {
      const auto& a = g.letter(k).box;
      const auto& b = g.letter(k + 1).box;
      const auto& va = v.letter(*v.find_letter(g.letter(k).character)).box;
      const auto& vb = v.letter(*v.find_letter(g.letter(k + 1).character)).box;
      if (a.y == b.y) REQUIRE(va.x < vb.x);  // same row, same order
      REQUIRE(va.x >= 0);
      REQUIRE(va.x + va.w <= v.width() + 1e-3F);
    }
    moved = moved || std::abs(v.key_width() - g.key_width()) > 1;
  }
  REQUIRE(moved);
}

TEST_CASE("weights of another alphabet are adopted letter by letter (folded letters take their base's rows)", "[torch][trainer][layouts]") {
  const auto from_cfg = testing::small_model_config("transformer", "transformer");  // alphabet a-h
  auto to_cfg = from_cfg;
  to_cfg.alphabet = "abcäθ";
  ::torch::manual_seed(1);
  tg::swipe_model from{from_cfg}, to{to_cfg};
  const auto path = glide_test::temp_path("glide_adopt.safetensors").string();
  io::save_safetensors(path, from->export_weights());
  const auto w = io::safetensors_file::load(path);
  REQUIRE(to->adopt_alphabet(w, from_cfg.alphabet) == 4);  // a b c, and ä from a; θ has no row
  const auto ft = from_cfg.tokenizer(), tt = to_cfg.tokenizer();
  auto row = [](tg::swipe_model& m, const char* name, token_id t) {
    for (const auto& p : m->named_parameters())
      if (p.key() == name) return p.value()[t].clone();
    FAIL(name);
    return ::torch::Tensor{};
  };
  for (const char* name : {"enc.key_emb.weight", "dec.tok_emb.weight", "dec.out.weight", "dec.out.bias"}) {
    INFO(name);
    REQUIRE(row(to, name, *tt.find(U'b')).equal(row(from, name, *ft.find(U'b'))));
    REQUIRE(row(to, name, *tt.find(U'ä')).equal(row(from, name, *ft.find(U'a'))));
    REQUIRE(row(to, name, char_tokenizer::eos_id).equal(row(from, name, char_tokenizer::eos_id)));
    REQUIRE_FALSE(row(to, name, *tt.find(U'θ')).equal(row(from, name, *ft.find(U'h'))));
  }
  REQUIRE(row(to, "enc.ln_f.weight", 0).equal(row(from, "enc.ln_f.weight", 0)));
  auto other = from_cfg;
  other.ffn *= 2;
  tg::swipe_model wide{other};
  REQUIRE_THROWS_WITH(wide->adopt_alphabet(w, from_cfg.alphabet), Catch::Contains("only the alphabet may differ"));
}

TEST_CASE("chunk hooks: a caller's hook runs after each chunk of steps with the chunk's loss and the weights", "[torch][trainer]") {
  const auto dir = glide_test::temp_path("glide_trainer_hooks");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto config = tiny_config_json(dir);
  config.update({{"batch_size", 4}, {"max_steps", 25}, {"validate_every", 10}, {"snapshot_seconds", 1000}, {"threads", 1}});
  std::vector<tg::chunk_event> seen;
  std::size_t weight_tensors = 0;
  std::ostringstream log;
  tg::training_hooks hooks{.log = &log};
  hooks.chunk_hooks.push_back({"every 4 steps", 4, 0, [&](const tg::chunk_event& e) {
                                 seen.push_back(e);
                                 weight_tensors = e.weights().size();
                               }});
  REQUIRE(tg::train(config, "hooks.json", dir / "run", hooks) == tg::training_result::finished);
  REQUIRE(seen.size() == 6);  // after steps 4, 8, ..., 24
  for (std::size_t i = 0; i < seen.size(); ++i) {
    REQUIRE(seen[i].step == 4 * (i + 1));
    REQUIRE(seen[i].steps == 4);
    REQUIRE(std::isfinite(seen[i].loss));
    REQUIRE(seen[i].loss > 0);
    REQUIRE(seen[i].learning_rate > 0);
    REQUIRE(seen[i].model_dir == dir / "run");
  }
  REQUIRE(weight_tensors > 0);
  // Validation stayed a hook of its own: every 10 steps and at the last.
  std::ifstream csv{dir / "run" / "metrics.csv"};
  std::string line, steps;
  std::getline(csv, line);
  while (std::getline(csv, line)) steps += line.substr(0, line.find(',')) + " ";
  REQUIRE(steps == "10 20 25 ");
  // A hook without a schedule is refused, naming it.
  tg::training_hooks bad{.log = &log};
  bad.chunk_hooks.push_back({"never", 0, 0, [](const tg::chunk_event&) {}});
  REQUIRE_THROWS_WITH(tg::train(config, "hooks.json", dir / "run2", bad), Catch::Contains("'never'"));
}
