// Pooled words: one text, one word, whichever thread made it; the pool grows once per text.
#include "match/word.hpp"

#include "match/normaliser.hpp"

#include <gmock/gmock.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

namespace jobmesh::match {
namespace {

TEST(word, equal_texts_are_one_word_and_the_pool_grows_once_per_text) {
  auto before = word::pool_size();
  word a{"word-test-logistics"};
  EXPECT_EQ(word::pool_size(), before + 1);
  word b{std::string{"word-test-"} + "logistics"};  // another buffer, the same text
  EXPECT_EQ(word::pool_size(), before + 1);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.view().data(), b.view().data()) << "equal words share their text";
  EXPECT_EQ(a.view(), "word-test-logistics");
  word c{"word-test-retail"};
  EXPECT_EQ(word::pool_size(), before + 2);
  EXPECT_EQ(c.id(), a.id() + 1) << "numbered densely, in the order met";
  EXPECT_EQ(c.id(), word::pool_size()) << "the last number is the pool's size (0 is the empty word)";
  EXPECT_NE(a, c);
  EXPECT_LT(a, c) << "bytewise order of the texts";
  EXPECT_EQ(a, std::string_view{"word-test-logistics"});
  EXPECT_NE(a, std::string_view{"word-test-logistic"});
}

TEST(word, the_empty_text_is_the_empty_word_and_not_pooled) {
  auto before = word::pool_size();
  word empty{""};
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty, word{});
  EXPECT_EQ(empty.view(), "");
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_EQ(empty.id(), 0u);
  EXPECT_EQ(word::pool_size(), before);
  EXPECT_NE(word{"word-test-x"}, word{});
}

// Shards load on threads of their own: a text they meet at once is still one word.
TEST(word, threads_making_the_same_texts_get_the_same_words) {
  constexpr int k_threads = 4, k_texts = 500;
  auto before = word::pool_size();
  std::vector<std::vector<word>> made(k_threads);
  std::vector<std::thread> threads;
  for (int t = 0; t < k_threads; ++t)
    threads.emplace_back([t, &made] {
      for (int i = 0; i < k_texts; ++i) {
        int n = t % 2 == 0 ? i : k_texts - 1 - i;  // half the threads in the other order
        made[t].push_back(word{"word-test-thread-" + std::to_string(n)});
      }
      if (t % 2 == 1)
        std::reverse(made[t].begin(), made[t].end());
    });
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(word::pool_size(), before + k_texts);
  for (int t = 1; t < k_threads; ++t)
    EXPECT_EQ(made[t], made[0]) << "thread " << t;
  for (int i = 0; i < k_texts; ++i)
    ASSERT_EQ(made[0][i].view(), "word-test-thread-" + std::to_string(i));
}

TEST(word, normal_word_normalises_before_pooling) {
  EXPECT_EQ(normal_word("  Data   Engineering "), word{"data engineering"});
  EXPECT_EQ(normal_word(""), word{});
  EXPECT_EQ(normal_word("   "), word{});
  std::string long_text(300, 'A');
  EXPECT_EQ(normal_word(long_text), word{std::string(300, 'a')}) << "longer than the stack buffer";
}

}  // namespace
}  // namespace jobmesh::match
