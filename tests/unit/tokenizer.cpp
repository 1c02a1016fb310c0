#include <catch2/catch.hpp>

#include <glide/core/error.hpp>
#include <glide/text/char_tokenizer.hpp>

using namespace glide;

TEST_CASE("char_tokenizer round-trips Latin and Cyrillic words", "[unit][tokenizer]") {
  const char_tokenizer en{"abcdefghijklmnopqrstuvwxyz"};
  REQUIRE(en.vocab_size() == 29);
  auto tokens = en.encode("hello");
  REQUIRE(tokens == std::vector<token_id>{10, 7, 14, 14, 17});
  REQUIRE(en.decode(tokens) == "hello");
  tokens.push_back(char_tokenizer::eos_id);
  tokens.push_back(5);
  REQUIRE(en.decode(tokens) == "hello");  // stops at the end token

  const char_tokenizer ru{"абвгдеёжзийклмнопрстуфхцчшщъыьэюя"};
  REQUIRE(ru.vocab_size() == 33 + 3);
  const auto ye = ru.encode("ёж");
  REQUIRE(ye.size() == 2);
  REQUIRE(ru.decode(ye) == "ёж");
  REQUIRE(ru.encode("е") != ru.encode("ё"));
}

TEST_CASE("char_tokenizer never confuses Cyrillic ё with Latin ë", "[unit][tokenizer]") {
  const char_tokenizer ru{"её"};
  const char_tokenizer latin{"eë"};
  REQUIRE(ru.find(U'\u0451').has_value());
  REQUIRE_FALSE(ru.find(U'\u00EB').has_value());
  REQUIRE_FALSE(latin.find(U'\u0451').has_value());
  REQUIRE_THROWS_WITH(ru.encode("\u00EB"), Catch::Contains("U+00EB"));
  REQUIRE_THROWS_AS(latin.encode("\u0451"), unknown_name_error);
  REQUIRE(latin.can_encode("\u00EBe"));
  REQUIRE_FALSE(latin.can_encode("\u0451"));
}

TEST_CASE("char_tokenizer reports bad input clearly", "[unit][tokenizer][errors]") {
  const char_tokenizer en{"abc"};
  REQUIRE_THROWS_WITH(en.encode("abd"), Catch::Contains("'d'") && Catch::Contains("abd"));
  REQUIRE_THROWS_AS(en.encode("a\xff"), parse_error);
  REQUIRE_THROWS_AS(en.encode("\xc3"), parse_error);           // truncated
  REQUIRE_THROWS_AS(en.encode("\xc0\xaf"), parse_error);       // overlong '/'
  REQUIRE_THROWS_AS(en.encode("\xed\xa0\x80"), parse_error);   // surrogate
  REQUIRE_THROWS_AS(char_tokenizer{"aba"}, config_error);
  REQUIRE_THROWS_AS(en.decode(std::vector<token_id>{3, 99}), shape_error);
}

TEST_CASE("utf8 decodes what it encodes for every plane", "[unit][utf8]") {
  for (char32_t c : {U'a', U'\u00EB', U'\u0451', U'\u20AC', U'\U0001F600'}) {
    const auto s = utf8::encode(c);
    REQUIRE(utf8::decode(s) == std::vector<char32_t>{c});
  }
}
