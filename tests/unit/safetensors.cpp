#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>

#include <catch2/catch.hpp>

#include <glide/io/safetensors.hpp>

#include "support/temp_dir.hpp"

using namespace glide;
using namespace glide::io;

namespace {
std::string temp_file(const char* name) { return glide_test::temp_path(name).string(); }

std::vector<char> file_bytes(const std::string& header, std::size_t data_bytes) {
  std::vector<char> b;
  b.reserve(8 + header.size() + data_bytes);
  const std::uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
  for (char c : header) b.push_back(c);
  b.resize(b.size() + data_bytes, 0);
  return b;
}
}  // namespace

TEST_CASE("safetensors round-trips tensors and metadata", "[unit][safetensors]") {
  const std::map<std::string, tensor> ts{{"a", {{2, 3}, {1, 2, 3, 4, 5, 6}}}, {"b.c", {{4}, {-1, 0.5F, 7, 8}}}};
  const auto path = temp_file("glide_rt.safetensors");
  save_safetensors(path, ts, {{"format", "glide"}});
  const auto f = safetensors_file::load(path);
  REQUIRE(f.get("a", {2, 3}).data == ts.at("a").data);
  REQUIRE(f.get("b.c", {4}).data == ts.at("b.c").data);
  REQUIRE(f.metadata().at("format") == "glide");
  REQUIRE_THROWS_WITH(f.get("a", {3, 2}), Catch::Contains("'a'") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(f.get("zzz", {1}), Catch::Contains("missing tensor 'zzz'"));
  REQUIRE_THROWS_AS(save_safetensors(path, {{"x", {{5}, {1, 2}}}}), shape_error);
}

TEST_CASE("safetensors converts F16 and BF16", "[unit][safetensors]") {
  auto b = file_bytes(R"({"h":{"dtype":"F16","shape":[3],"data_offsets":[0,6]},"g":{"dtype":"BF16","shape":[1],"data_offsets":[6,8]}})", 8);
  const std::size_t d = b.size() - 8;
  const std::uint16_t halves[] = {0x3C00, 0xC000, 0x0001, 0x3FC0};  // 1, -2, smallest subnormal; bf16 1.5
  std::memcpy(b.data() + d, halves, 8);
  const auto f = safetensors_file::parse(b, "mem");
  REQUIRE(f.get("h", {3}).data[0] == 1.0F);
  REQUIRE(f.get("h", {3}).data[1] == -2.0F);
  REQUIRE(f.get("h", {3}).data[2] == Approx(5.96e-8F).epsilon(0.01));
  REQUIRE(f.get("g", {1}).data[0] == 1.5F);
}

TEST_CASE("truncated or lying safetensors files give clear errors", "[unit][safetensors][errors]") {
  auto fails = [](const std::vector<char>& bytes, const char* what) {
    REQUIRE_THROWS_WITH(safetensors_file::parse(bytes, "w.safetensors"), Catch::Contains("w.safetensors") && Catch::Contains(what));
  };
  const std::string ok = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  REQUIRE_NOTHROW(safetensors_file::parse(file_bytes(ok, 8), "w"));
  fails(std::vector<char>(5, 0), "shorter than its header size");
  auto big = file_bytes(ok, 8);
  big[0] = static_cast<char>(0xFF);
  big[3] = 0x10;
  fails(big, "truncated");
  fails(file_bytes(ok, 4), "outside");
  fails(file_bytes(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8), "needs 12 bytes");
  fails(file_bytes(R"({"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})", 8), "unsupported dtype I64");
  fails(file_bytes(R"({"a":{"dtype":"F32","shape":[2]}})", 8), "data_offsets");
  fails(file_bytes(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8), "bad dimension");
  fails(file_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}})", 8), "overlap");
  fails(file_bytes("{not json", 0), "not JSON");
  // A shape whose element count wraps 64 bits must not pass the size check.
  fails(file_bytes(R"({"a":{"dtype":"F32","shape":[4611686018427387905],"data_offsets":[0,4]}})", 8), "more elements");
  fails(file_bytes(R"({"a":{"dtype":"F32","shape":[65536,65536,65536,65536],"data_offsets":[0,4]}})", 8), "more elements");
  fails(file_bytes(R"({"a":{"dtype":"F32","shape":[1e400],"data_offsets":[0,4]}})", 8), "not JSON");  // out of double range
  // A zero-element tensor is valid (and copies nothing).
  const auto empty = safetensors_file::parse(file_bytes(R"({"a":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]}})", 0), "w");
  REQUIRE(empty.get("a", {0, 3}).data.empty());
  // NaN or inf weights are named when a model asks for the tensor.
  std::map<std::string, tensor> bad;
  bad["w"].shape = {2};
  bad["w"].data = {1.0F, std::numeric_limits<float>::quiet_NaN()};
  const auto nan_file = safetensors_file::from_tensors(bad);
  REQUIRE_THROWS_WITH(nan_file.get("w", {2}), Catch::Contains("'w'") && Catch::Contains("non-finite") && Catch::Contains("index 1"));
  REQUIRE_THROWS_AS(safetensors_file::load("/nonexistent.safetensors"), io_error);
}

TEST_CASE("int8 tensors round-trip within half a step of their row's scale", "[unit][safetensors]") {
  // Rows of different magnitudes each get their own scale; a row of zeros stays zeros.
  const std::map<std::string, tensor> ts{{"w", {{3, 4}, {1.0F, -0.5F, 0.25F, 0.1F, 100, -37, 12.5F, 0, 0, 0, 0, 0}}},
                                         {"b", {{4}, {0.5F, 1, 2, 3}}}};
  const auto path = temp_file("glide_int8.safetensors");
  save_safetensors(path, ts, {}, {"w"});
  const auto f = safetensors_file::load(path);
  REQUIRE(f.quantized() == std::set<std::string>{"w"});
  REQUIRE_FALSE(f.contains("w.scale"));  // consumed by the dequantization
  REQUIRE(f.get("b", {4}).data == ts.at("b").data);
  const auto& w = f.get("w", {3, 4}).data;
  for (std::size_t i = 0; i < 4; ++i) REQUIRE(std::abs(w[i] - ts.at("w").data[i]) <= 0.5F * 1.0F / 127 + 1e-7F);
  for (std::size_t i = 4; i < 8; ++i) REQUIRE(std::abs(w[i] - ts.at("w").data[i]) <= 0.5F * 100.0F / 127 + 1e-5F);
  REQUIRE(w[0] == 1.0F);     // each row's largest value is exact
  REQUIRE(w[4] == 100.0F);
  for (std::size_t i = 8; i < 12; ++i) REQUIRE(w[i] == 0.0F);
  REQUIRE_THROWS_WITH(save_safetensors(path, ts, {}, {"nope"}), Catch::Contains("'nope'"));
  REQUIRE_THROWS_WITH(save_safetensors(path, {{"w", ts.at("w")}, {"w.scale", {{3}, {1, 1, 1}}}}, {}, {"w"}), Catch::Contains("collide"));
}

TEST_CASE("int8 tensors without a usable scale are refused, naming the tensor", "[unit][safetensors][errors]") {
  auto fails = [](const std::string& header, std::size_t bytes, const char* what) {
    REQUIRE_THROWS_WITH(safetensors_file::parse(file_bytes(header, bytes), "q.safetensors"),
                        Catch::Contains("q.safetensors") && Catch::Contains("'q'") && Catch::Contains(what));
  };
  fails(R"({"q":{"dtype":"I8","shape":[2,2],"data_offsets":[0,4]}})", 4, "without its float scale");
  fails(R"({"q":{"dtype":"I8","shape":[2,2],"data_offsets":[0,4]},"q.scale":{"dtype":"F32","shape":[3],"data_offsets":[4,16]}})", 16,
        "expected [2] or [1]");
  fails(R"({"q":{"dtype":"I8","shape":[2,2],"data_offsets":[0,4]},"q.scale":{"dtype":"I8","shape":[2],"data_offsets":[4,6]}})", 6,
        "without its float scale");
  // A negative scale.
  auto b = file_bytes(R"({"q":{"dtype":"I8","shape":[2,2],"data_offsets":[0,4]},"q.scale":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8);
  const float minus = -1.0F;
  std::memcpy(b.data() + b.size() - 4, &minus, 4);
  REQUIRE_THROWS_WITH(safetensors_file::parse(b, "q.safetensors"), Catch::Contains("'q'") && Catch::Contains("negative"));
  // One scale for the whole tensor is read too.
  const float two = 2.0F;
  std::memcpy(b.data() + b.size() - 4, &two, 4);
  b[b.size() - 8] = -3;
  const auto f = safetensors_file::parse(b, "q.safetensors");
  REQUIRE(f.get("q", {2, 2}).data == std::vector<float>{-6, 0, 0, 0});
}
