// The helper that splits work over threads: every share runs, and a share's exception reaches
// the caller after every thread has ended (it would otherwise end the process).
#include "match/detail/threads.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>

using namespace jobmesh::match::detail;

TEST(threads, every_share_runs_once) {
  std::vector<int> ran(5, 0);
  run_on_threads(5, [&](unsigned t) { ++ran[t]; });
  EXPECT_EQ(ran, std::vector<int>(5, 1));
}

TEST(threads, an_exception_on_another_thread_reaches_the_caller_after_all_ended) {
  std::atomic<int> ended{0};
  EXPECT_THROW(run_on_threads(3,
                              [&](unsigned t) {
                                if (t == 2)
                                  throw std::runtime_error("share 2 failed");
                                ++ended;
                              }),
               std::runtime_error);
  EXPECT_EQ(ended.load(), 2);
}

TEST(threads, the_count_is_bounded_by_the_work) {
  EXPECT_EQ(thread_count(8, 100, 50), 2u);
  EXPECT_EQ(thread_count(8, 10, 50), 1u);
  EXPECT_EQ(thread_count(3), 3u);
  EXPECT_GE(thread_count(0), 1u);
}
