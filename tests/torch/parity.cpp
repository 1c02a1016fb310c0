// The Eigen and LibTorch backends on the same weights: equal logits (max abs diff < 1e-4) and equal
// search results, for every encoder/decoder pairing.

#include <filesystem>
#include <random>

#include <catch2/catch.hpp>

#include <glide/backends/eigen/model.hpp>
#include <glide/backends/torch/backend.hpp>
#include <glide/backends/torch/modules.hpp>
#include <glide/glide.hpp>
#include <glide/model/weights.hpp>
#include <glide/testing/model_inputs.hpp>

#include "support/temp_dir.hpp"

using namespace glide;
namespace eg = glide::backends::eigen;
namespace tg = glide::backends::torch;

namespace {



io::safetensors_file as_file(const std::map<std::string, io::tensor>& w) {
  const auto path = glide_test::temp_path("glide_parity.safetensors").string();
  io::save_safetensors(path, w);
  return io::safetensors_file::load(path);
}

float max_diff(std::span<const float> a, std::span<const float> b) {
  REQUIRE(a.size() == b.size());
  float m = 0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

template <class EigenModel>
void check_pair(const model::model_config& c) {
  ::torch::manual_seed(7);
  tg::swipe_model tm{c};
  const auto weights = tm->export_weights();
  // Parameter names and shapes are exactly what the config implies.
  const auto shapes = model::weight_shapes(c);
  REQUIRE(weights.size() == shapes.size());
  for (const auto& [name, t] : weights) {
    INFO(name);
    REQUIRE(shapes.count(name) == 1);
    REQUIRE(shapes.at(name) == t.shape);
  }
  const auto file = as_file(weights);
  EigenModel em{c, file};
  tg::torch_backend tb{tm};

  std::mt19937 rng{11};
  for (std::size_t points : {1U, 9U, 40U}) {
    const auto in = testing::random_model_input(rng, points, c.vocab_size(), c.soft_keys >= 2 ? c.soft_keys : 1);
    const auto em_mem = em.encoder().encode(in);
    const auto tb_mem = tb.encoder().encode(in);
    auto t_states = tb_mem.states.contiguous();
    REQUIRE(max_diff({em_mem.states.data(), static_cast<std::size_t>(em_mem.states.size())},
                     {t_states.template data_ptr<float>(), static_cast<std::size_t>(t_states.numel())}) < 1e-4F);
    // Decode random prefixes in a batch of 3 and compare every step's logits.
    auto es = em.decoder().init_state(em_mem, 3);
    auto ts = tb.decoder().init_state(tb_mem, 3);
    std::vector<token_id> last(3, char_tokenizer::bos_id);
    std::uniform_int_distribution<token_id> tok{char_tokenizer::first_char_id, static_cast<token_id>(c.vocab_size()) - 1};
    for (int step = 0; step < 8; ++step) {
      auto ev = em.decoder().step(em_mem, es, last);
      auto tv = tb.decoder().step(tb_mem, ts, last);
      REQUIRE(max_diff({ev.data(), ev.rows() * ev.cols()}, {tv.data(), tv.rows() * tv.cols()}) < 1e-4F);
      for (auto& t : last) t = tok(rng);
      if (step == 3) {
        const std::vector<std::size_t> rows{2, 2, 0};
        em.decoder().reorder(es, rows);
        tb.decoder().reorder(ts, rows);
        last = {last[2], last[2], last[0]};
      }
    }
    // Searches agree.
    const auto eg_greedy = greedy_search(em.decoder(), em_mem, {.max_length = 8});
    const auto tg_greedy = greedy_search(tb.decoder(), tb_mem, {.max_length = 8});
    REQUIRE(eg_greedy.hypotheses[0].tokens == tg_greedy.hypotheses[0].tokens);
    const auto tok_ = c.tokenizer();
    std::vector<weighted_word> words;
    for (const char* w : {"bad", "bed", "cab", "dead", "fade", "face", "cafe", "add", "egg", "gag", "head"})
      words.push_back({tok_.encode(w), 1.0});
    const auto trie = vocabulary_trie::build(words);
    const auto eb = best_first_search(em.decoder(), em_mem, trie, {.k = 5});
    const auto tbf = best_first_search(tb.decoder(), tb_mem, trie, {.k = 5});
    REQUIRE(eb.hypotheses.size() == tbf.hypotheses.size());
    for (std::size_t i = 0; i < eb.hypotheses.size(); ++i) {
      REQUIRE(eb.hypotheses[i].tokens == tbf.hypotheses[i].tokens);
      REQUIRE(eb.hypotheses[i].score == Approx(tbf.hypotheses[i].score).margin(1e-4));
    }
  }
}

}  // namespace

TEST_CASE("Eigen and LibTorch give the same logits and searches: transformer + transformer", "[torch][parity]") {
  check_pair<eg::transformer_model>(testing::small_model_config("transformer", "transformer"));
}
TEST_CASE("Eigen and LibTorch give the same logits and searches: conformer + transformer", "[torch][parity]") {
  check_pair<eg::transformer_model>(testing::small_model_config("conformer", "transformer"));
}
TEST_CASE("Eigen and LibTorch give the same logits and searches: transformer + gru", "[torch][parity]") {
  check_pair<eg::gru_model>(testing::small_model_config("transformer", "gru"));
}
TEST_CASE("Eigen and LibTorch give the same logits and searches: conformer + gru", "[torch][parity]") {
  check_pair<eg::gru_model>(testing::small_model_config("conformer", "gru"));
}

TEST_CASE("Eigen and LibTorch give the same logits and searches: soft keys (a layout-conditioned encoder)", "[torch][parity]") {
  for (const char* enc : {"transformer", "conformer"}) {
    auto c = testing::small_model_config(enc, "transformer");
    c.soft_keys = 3;
    check_pair<eg::transformer_model>(c);
  }
}

TEST_CASE("padded torch batches equal their sequences alone, and weights import back", "[torch]") {
  for (const char* enc : {"transformer", "conformer"})
    for (const char* dec : {"transformer", "gru"}) {
      const auto c = testing::small_model_config(enc, dec);
      ::torch::manual_seed(3);
      tg::swipe_model m{c};
      m->eval();
      ::torch::NoGradGuard ng;
      auto kin = ::torch::randn({2, 10, 6});
      auto keys = ::torch::randint(0, static_cast<std::int64_t>(c.vocab_size()), {2, 10}, ::torch::kInt64);
      auto mask = ::torch::ones({2, 10}, ::torch::kBool);
      mask.index_put_({1, ::torch::indexing::Slice(6, 10)}, false);
      auto tokens = ::torch::randint(3, static_cast<std::int64_t>(c.vocab_size()), {2, 5}, ::torch::kInt64);
      auto batched = m->forward(kin, keys, mask, tokens);
      auto alone = m->forward(kin.slice(0, 1, 2).slice(1, 0, 6), keys.slice(0, 1, 2).slice(1, 0, 6),
                              mask.slice(0, 1, 2).slice(1, 0, 6), tokens.slice(0, 1, 2));
      REQUIRE((batched.slice(0, 1, 2) - alone).abs().max().item<float>() < 1e-4F);

      tg::swipe_model other{c};
      other->import_weights(as_file(m->export_weights()));
      REQUIRE((other->forward(kin, keys, mask, tokens) - batched).abs().max().item<float>() == 0.0F);
    }
}

TEST_CASE("a model grown from a smaller one's weights computes what the smaller one does, and then learns", "[torch][grow]") {
  for (const char* dec : {"transformer", "gru"}) {
    INFO(dec);
    const auto small = testing::small_model_config("transformer", dec);
    auto big = small;
    big.encoder_layers += 2;
    big.ffn *= 2;
    if (big.decoder == "transformer") big.decoder_layers += 1;
    ::torch::manual_seed(5);
    tg::swipe_model a{small};
    tg::swipe_model b{big};
    const auto grown = b->grow_from(as_file(a->export_weights()));
    REQUIRE(grown > 0);
    a->eval();
    b->eval();
    ::torch::NoGradGuard ng;
    auto kin = ::torch::randn({2, 12, 6});
    auto keys = ::torch::randint(0, static_cast<std::int64_t>(small.vocab_size()), {2, 12}, ::torch::kInt64);
    auto mask = ::torch::ones({2, 12}, ::torch::kBool);
    mask.index_put_({1, ::torch::indexing::Slice(7, 12)}, false);
    auto tokens = ::torch::randint(3, static_cast<std::int64_t>(small.vocab_size()), {2, 5}, ::torch::kInt64);
    const auto diff = (a->forward(kin, keys, mask, tokens) - b->forward(kin, keys, mask, tokens)).abs().max().item<float>();
    REQUIRE(diff < 1e-5F);
    // The added layers are not dead: their input projections are random, only their outputs start at zero.
    const auto params = b->named_parameters();
    REQUIRE(params["enc.layers." + std::to_string(small.encoder_layers) + ".attn.in_proj.weight"].abs().sum().item<float>() > 0);
    REQUIRE(params["enc.layers." + std::to_string(small.encoder_layers) + ".attn.out_proj.weight"].abs().sum().item<float>() == 0);
  }
  // What cannot grow is refused with the tensor's name.
  const auto c = testing::small_model_config("transformer", "transformer");
  tg::swipe_model a{c};
  auto wider = c;
  wider.d_model *= 2;
  tg::swipe_model w{wider};
  REQUIRE_THROWS_WITH(w->grow_from(as_file(a->export_weights())), Catch::Contains("only layers and feed-forward widths grow"));
  auto fewer = c;
  fewer.encoder_layers -= 1;
  tg::swipe_model f{fewer};
  REQUIRE_THROWS_WITH(f->grow_from(as_file(a->export_weights())), Catch::Contains("tensor(s) the model lacks"));
  tg::swipe_model conf{testing::small_model_config("conformer", "transformer")};
  REQUIRE_THROWS_AS(conf->grow_from(as_file(a->export_weights())), config_error);
}
