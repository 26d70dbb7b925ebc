// A record's skill set in one buffer: what it holds reads back as the sorted set of what was given.
#include "match/sorted_terms.hpp"

#include <gmock/gmock.h>

using namespace jobmesh::match;
using ::testing::ElementsAre;

TEST(sorted_terms, reads_back_the_given_terms_sorted_once_each) {
  sorted_terms t{"python", "go", "python", "c++", "machine learning"};
  EXPECT_EQ(t.size(), 4u);
  EXPECT_EQ(t.strings(), (std::vector<std::string>{"c++", "go", "machine learning", "python"}));
  EXPECT_EQ(t[2], "machine learning");
  EXPECT_EQ(t.front(), "c++");
  EXPECT_EQ(t.back(), "python");
  EXPECT_EQ(t.end() - t.begin(), 4);
  EXPECT_TRUE(std::binary_search(t.begin(), t.end(), std::string_view{"go"}));
  EXPECT_FALSE(std::binary_search(t.begin(), t.end(), std::string_view{"java"}));
}

TEST(sorted_terms, orders_bytes_as_std_string_does_and_keeps_any_byte) {
  using namespace std::string_literals;
  std::vector<std::string> given{"\xc3\xb6l\xc3\xa7\xc3\xbc", "zeta", "a\0b"s, "a", std::string(70'000, 'x')};
  sorted_terms t{given};
  auto expected = given;
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(t.strings(), expected);
  EXPECT_EQ(t[1], "a\0b"s) << "a NUL inside a term is a byte like any other";
}

TEST(sorted_terms, empty_sets_equal_and_hold_nothing) {
  sorted_terms none;
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(none.size(), 0u);
  EXPECT_EQ(none.begin(), none.end());
  EXPECT_EQ(none, sorted_terms{});
  EXPECT_EQ(none, sorted_terms{std::vector<std::string>{}});
  sorted_terms some{"a"};
  some.clear();
  EXPECT_EQ(some, none);
}

TEST(sorted_terms, insert_keeps_the_order_and_ignores_a_term_held) {
  sorted_terms t{"b", "d"};
  t.insert("c");
  t.insert("a");
  t.insert("e");
  t.insert("c");
  EXPECT_EQ(t.strings(), (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  EXPECT_EQ(t, (sorted_terms{"e", "d", "c", "b", "a"})) << "equal sets are equal however they were built";
  EXPECT_NE(t, (sorted_terms{"a", "b", "c", "d"}));
}

TEST(sorted_terms, counts_the_terms_two_sets_share) {
  EXPECT_EQ(common_count(sorted_terms{"a", "b", "c"}, sorted_terms{"b", "c", "d"}), 2u);
  EXPECT_EQ(common_count(sorted_terms{"a"}, sorted_terms{"b"}), 0u);
  EXPECT_EQ(common_count(sorted_terms{}, sorted_terms{"b"}), 0u);
  EXPECT_EQ(common_count(sorted_terms{"x", "y"}, sorted_terms{"y", "x"}), 2u);
}
