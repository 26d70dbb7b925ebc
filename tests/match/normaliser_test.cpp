// normalise_word against a plain model of the spec's rule, on words of every byte and length
// (its fast path, taken by ASCII words spaced normally, is vector code with tails to get right;
// other words take the careful ASCII path or the UTF-8 one).
#include "match/normaliser.hpp"

#include <gtest/gtest.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <random>

using namespace jobmesh::match;

namespace {

// SPEC-matching.md: Unicode-aware lower case, trimmed, white space runs folded to one space. A
// character at a time, Unicode's tables for both (ICU); bytes that are not UTF-8 kept as given.
std::string model(std::string_view word) {
  std::string out;
  bool pending = false;
  std::size_t i = 0;
  while (i < word.size()) {
    std::size_t start = i;
    UChar32 c;
    U8_NEXT(reinterpret_cast<const std::uint8_t*>(word.data()), i, word.size(), c);
    if (c >= 0 && u_isUWhiteSpace(c)) {
      pending = !out.empty();
      continue;
    }
    if (pending)
      out += ' ';
    pending = false;
    if (c < 0) {
      out.append(word.substr(start, i - start));
    } else {
      char bytes[4];
      std::size_t n = 0;
      U8_APPEND_UNSAFE(bytes, n, u_tolower(c));
      out.append(bytes, n);
    }
  }
  return out;
}

// `c` as UTF-8.
std::string utf8(UChar32 c) {
  char bytes[4];
  std::size_t n = 0;
  U8_APPEND_UNSAFE(bytes, n, c);
  return {bytes, n};
}

}  // namespace

TEST(normaliser, a_word_is_normalised_as_the_spec_says_for_any_bytes_and_length) {
  std::mt19937 rng(7);
  // Mostly ASCII letters and single spaces (the fast path), sometimes other characters and white
  // space (the UTF-8 path), sometimes any byte.
  const std::string common = "abcXYZ -_09 Q";
  const std::vector<std::string> wide = {"Ä", "ö", "Σ", "Ω", "İ", "ẞ", "\u00a0", "\u3000", "\u2028", "Ⱥ", "K", "日"};
  for (int round = 0; round < 30'000; ++round) {
    std::size_t length = rng() % 80;
    int kind = static_cast<int>(rng() % 4);
    std::string word;
    for (std::size_t i = 0; i < length; ++i) {
      if (kind == 0)
        word += static_cast<char>(rng() % 256);
      else if (kind == 1 && rng() % 4 == 0)
        word += wide[rng() % wide.size()];
      else
        word += common[rng() % common.size()];
    }
    ASSERT_EQ(normalise_word(word), model(word)) << "word of " << length << " bytes: [" << word << "]";
  }
  EXPECT_EQ(normalise_word("Data Engineering"), "data engineering");
  EXPECT_EQ(normalise_word("Data\vEngineering"), "data engineering");
  EXPECT_EQ(normalise_word("Data  Engineering"), "data engineering");
  EXPECT_EQ(normalise_word("Data Engineering\r"), "data engineering");
  EXPECT_EQ(normalise_word("@[`{"), "@[`{") << "the bytes next to A-Z stay as they are";
}

// The cases the spec's "Unicode-aware lower case" decides, written out (not through the model).
TEST(normaliser, letters_beyond_ascii_are_lowered_and_unicode_white_space_folds) {
  EXPECT_EQ(normalise_word("ÄRZTE"), "ärzte");
  EXPECT_EQ(normalise_word("ΣΟΦΙΑ"), "σοφια");
  EXPECT_EQ(normalise_word("ÖSTERREICH"), "österreich");
  EXPECT_EQ(normalise_word("ÉNERGIE Solaire"), "énergie solaire");
  EXPECT_EQ(normalise_word("\u00a0Naive\u00a0\u00a0Bayes\u3000"), "naive bayes") << "no-break and ideographic spaces";
  EXPECT_EQ(normalise_word("a\u2028b\u0085c"), "a b c");
  EXPECT_EQ(normalise_word("Ⱥ"), "ⱥ") << "two bytes lower to three";
  EXPECT_EQ(normalise_word("\u212a"), "k") << "the Kelvin sign lowers to ASCII";
  EXPECT_EQ(normalise_word("東京"), "東京");
  EXPECT_EQ(normalise_word("caf\xc3"), "caf\xc3") << "a cut UTF-8 sequence passes as it is";
  EXPECT_EQ(normalise_word("AB\xff\xfe" "CD"), "ab\xff\xfe" "cd");
}

// normal_capacity bounds every character's lower case: no word's normal form outgrows it.
TEST(normaliser, no_character_lowers_to_more_than_normal_capacity) {
  for (UChar32 c = 0; c <= 0x10ffff; ++c) {
    if (U_IS_SURROGATE(c))
      continue;
    auto text = utf8(c);
    ASSERT_LE(utf8(u_tolower(c)).size(), normal_capacity(text.size())) << "U+" << std::hex << c;
  }
  std::string many;
  for (int i = 0; i < 100; ++i)
    many += "Ⱥ";  // 200 bytes whose normal form is 300: past normal_word's stack buffer
  std::string lowered;
  for (int i = 0; i < 100; ++i)
    lowered += "ⱥ";
  EXPECT_EQ(normalise_word(many), lowered);
  EXPECT_EQ(normal_word(many).view(), lowered);
  normaliser n;
  EXPECT_EQ(n.word_set({many, "Ⱥ", "ⱥ"}), (std::vector<std::string>{"ⱥ", lowered}));
}

// Each thread keeps the terms it normalised, per normaliser: a thread that uses two with other
// synonyms in turn, and more distinct texts than it keeps, still gets every term right.
TEST(normaliser, terms_of_two_normalisers_used_in_turn_and_past_the_cache_are_right) {
  normaliser plain;
  normaliser py{{{"Py", "Python"}, {"golang", "Rust"}}};
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(plain.term_word(" Py ").view(), "py");
    EXPECT_EQ(py.term_word(" Py ").view(), "python");
    EXPECT_EQ(plain.term_word("golang").view(), "go") << "the default synonyms";
    EXPECT_EQ(py.term_word("golang").view(), "rust") << "the config's win";
    EXPECT_EQ(normal_word(" Data  Engineering ").view(), "data engineering");
  }
  EXPECT_EQ(py.term_set({"Py", "python", " PY", "", "  ", "C++", "c++ "}), (sorted_terms{"c++", "python"}));
  EXPECT_EQ(plain.term_set({"Py", "python", "js", "Go"}), (sorted_terms{"go", "javascript", "py", "python"}));
  std::mt19937 rng(3);
  for (int i = 0; i < 70'000; ++i) {  // more than a thread keeps
    auto raw = "Skill " + std::to_string(rng() % 100'000) + (i % 2 == 0 ? "  X" : "");
    ASSERT_EQ(py.term_word(raw).view(), py.term(raw)) << raw;
    ASSERT_EQ(normal_word(raw).view(), normalise_word(raw)) << raw;
  }
}
