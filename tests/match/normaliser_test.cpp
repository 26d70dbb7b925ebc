// normalise_word against a plain model of the spec's rule, on words of every byte and length
// (its fast path, taken by words spaced normally, is vector code with tails to get right).
#include "match/normaliser.hpp"

#include <gtest/gtest.h>

#include <random>

using namespace jobmesh::match;

namespace {

// SPEC-matching.md: lower case (ASCII), trimmed, white space runs folded to one space.
std::string model(std::string_view word) {
  auto space = [](unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
  std::string out;
  bool pending = false;
  for (unsigned char c : word) {
    if (space(c)) {
      pending = !out.empty();
      continue;
    }
    if (pending)
      out += ' ';
    pending = false;
    out += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  return out;
}

}  // namespace

TEST(normaliser, a_word_is_normalised_as_the_spec_says_for_any_bytes_and_length) {
  std::mt19937 rng(7);
  // Mostly letters and single spaces (the fast path), sometimes any byte (the careful one).
  const std::string common = "abcXYZ -_09 Q";
  for (int round = 0; round < 20'000; ++round) {
    std::size_t length = rng() % 80;
    bool any_byte = rng() % 3 == 0;
    std::string word;
    for (std::size_t i = 0; i < length; ++i)
      word += any_byte ? static_cast<char>(rng() % 256) : common[rng() % common.size()];
    ASSERT_EQ(normalise_word(word), model(word)) << "word of " << length << " bytes: [" << word << "]";
  }
  EXPECT_EQ(normalise_word("Data Engineering"), "data engineering");
  EXPECT_EQ(normalise_word("Data\vEngineering"), "data engineering");
  EXPECT_EQ(normalise_word("Data  Engineering"), "data engineering");
  EXPECT_EQ(normalise_word("Data Engineering\r"), "data engineering");
  EXPECT_EQ(normalise_word("@[`{"), "@[`{") << "the bytes next to A-Z stay as they are";
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
