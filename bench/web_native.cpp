// The web demo's decodes outside the browser: web/glide_wasm.cpp's C interface (the code the page
// calls, here compiled natively) loads a model with the page's options and decodes each swipe of a
// JSONL file REPEAT times, printing one JSON line a decode ({"i":..,"word":..,"ms":..,"words":[..]})
// for scripts/bench-web.sh, which runs the page in Chromium on the same swipes in the same run and
// prints the two side by side.
//
//   glide_bench_web_native --model DIR --vocab FILE --grids FILE --options JSON --swipes FILE [--repeat N]

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

extern "C" {
int glide_web_load(const char* model_dir, const char* vocabulary, const char* grids_file, const char* options_json);
const char* glide_web_error();
const char* glide_web_decode(int handle, const char* swipe_json);
}

int main(int argc, char** argv) {
  std::string model, vocab, grids, options = "{}", swipes;
  unsigned repeat = 4;
  CLI::App app{"glide_bench_web_native: the page's decodes (web/glide_wasm.cpp) timed natively"};
  app.add_option("--model", model, "model directory")->required();
  app.add_option("--vocab", vocab, "vocabulary file")->required();
  app.add_option("--grids", grids, "grid file")->required();
  app.add_option("--options", options, "glide_web_load's options, JSON (as the page passes them)")->capture_default_str();
  app.add_option("--swipes", swipes, "swipes, JSONL with a 'curve' each (glide synth's output)")->required();
  app.add_option("--repeat", repeat, "decodes of each swipe")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  const int handle = glide_web_load(model.c_str(), vocab.c_str(), grids.c_str(), options.c_str());
  if (handle < 0) {
    std::cerr << "glide_bench_web_native: " << glide_web_error() << '\n';
    return 1;
  }
  std::ifstream in(swipes);
  if (!in) {
    std::cerr << "glide_bench_web_native: cannot open " << swipes << '\n';
    return 1;
  }
  std::string line;
  for (std::size_t i = 0, line_no = 1; std::getline(in, line); ++line_no) {
    if (line.empty()) continue;
    nlohmann::json s;
    try {
      s = nlohmann::json::parse(line);
    } catch (const std::exception& e) {
      std::cerr << "glide_bench_web_native: " << swipes << ':' << line_no << ": " << e.what() << '\n';
      return 1;
    }
    const auto& c = s.at("curve");
    const std::string request = nlohmann::json{{"x", c.at("x")}, {"y", c.at("y")}, {"t", c.at("t")}, {"grid", c.at("grid_name")}}.dump();
    for (unsigned r = 0; r < repeat; ++r) {
      const auto result = nlohmann::json::parse(glide_web_decode(handle, request.c_str()));
      if (result.contains("error")) {
        std::cerr << "glide_bench_web_native: " << swipes << ':' << line_no << ": " << result["error"].get<std::string>() << '\n';
        return 1;
      }
      nlohmann::json words = nlohmann::json::array();
      for (const auto& w : result["words"]) words.push_back(w["word"]);
      std::cout << nlohmann::json{{"i", i}, {"word", s.value("word", "")}, {"ms", result["ms"]}, {"words", words}}.dump() << '\n';
    }
    ++i;
  }
  return 0;
}
