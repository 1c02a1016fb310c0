#pragma once
// Language packs (data/packs.json): per language, the phone layout's grid, the letters it has keys for,
// the word counts its vocabulary is made from (onboard-data's model, plus word lists) and, where one
// is trained for it alone, a dedicated model. A layout-conditioned model (model_config::soft_keys)
// reads every pack; `glide decode --language CODE` picks all of it by the code.

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <glide/core/error.hpp>
#include <glide/io/json_file.hpp>
#include <glide/text/char_tokenizer.hpp>

namespace glide::swipe {

/// The search a layout-conditioned model decodes a language pack with (chosen on synthetic validation
/// swipes of every pack, scripts/languages-choose.sh: docs/languages.md).
inline constexpr const char* layout_model_search = "trie_beam:beam_width=16,n_best=9,prior_weight=0.3";

struct language_pack {
  std::string code;                     ///< e.g. "de"
  std::string name;                     ///< e.g. "German"
  std::string grid;                     ///< the layout's grid name (data/grids/grids.json)
  std::string alphabet;                 ///< the letters the layout has keys for
  std::string lm;                       ///< onboard-data's word counts (/usr/share/onboard/models/...)
  std::vector<std::string> word_lists;  ///< further word lists (used where installed)
  std::string model;                    ///< a model trained for this pack alone (empty: none)
};

class language_packs {
 public:
  static language_packs from_json(const nlohmann::json& j, const std::string& source = "language packs") {
    if (!j.is_object() || j.empty()) throw parse_error(source + ": not a JSON object of packs");
    language_packs out;
    for (const auto& [code, p] : j.items()) {
      const auto where = source + ": pack '" + code + "'";
      if (!p.is_object()) throw parse_error(where + " is not an object");
      static const std::vector<std::string> known{"name", "grid", "alphabet", "lm", "word_lists", "model"};
      for (const auto& [k, v] : p.items())
        if (std::find(known.begin(), known.end(), k) == known.end()) throw parse_error(where + ": unknown key '" + k + "'");
      language_pack pack;
      pack.code = code;
      try {
        pack.name = p.at("name").get<std::string>();
        pack.grid = p.at("grid").get<std::string>();
        pack.alphabet = p.at("alphabet").get<std::string>();
        pack.lm = p.at("lm").get<std::string>();
        if (p.contains("word_lists")) pack.word_lists = p["word_lists"].get<std::vector<std::string>>();
        if (p.contains("model")) pack.model = p["model"].get<std::string>();
      } catch (const nlohmann::json::exception& e) {
        throw parse_error(where + ": " + e.what());
      }
      try {
        (void)char_tokenizer{pack.alphabet};
      } catch (const error& e) {
        throw parse_error(where + ": alphabet: " + e.what());
      }
      out.packs_.emplace(code, std::move(pack));
    }
    return out;
  }
  static language_packs load(const std::string& path) { return from_json(io::read_json_file(path, "language packs"), path); }

  /// The pack of `code`; an unknown code is an error listing the known ones.
  [[nodiscard]] const language_pack& at(const std::string& code) const {
    auto it = packs_.find(code);
    if (it != packs_.end()) return it->second;
    std::string known;
    for (const auto& [c, p] : packs_) known += (known.empty() ? "" : ", ") + c;
    throw unknown_name_error("unknown language '" + code + "' (known: " + known + ")");
  }
  [[nodiscard]] std::vector<std::string> codes() const {
    std::vector<std::string> out;
    for (const auto& [c, p] : packs_) out.push_back(c);
    return out;
  }
  [[nodiscard]] const std::map<std::string, language_pack>& all() const noexcept { return packs_; }

 private:
  std::map<std::string, language_pack> packs_;
};

}  // namespace glide::swipe
