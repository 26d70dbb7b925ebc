#include "actors/job_queue.hpp"

#include <gtest/gtest.h>

using namespace jobmesh;
using actors::job_queue;

namespace {

storage::job_record job(std::string id, std::int64_t priority) {
  storage::job_record j;
  j.id = std::move(id);
  j.priority = priority;
  return j;
}

}  // namespace

TEST(job_queue, higher_priority_first_fifo_within) {
  job_queue q{std::chrono::milliseconds(1'000'000)};
  q.push(job("a", 0), 0);
  q.push(job("b", 10), 1);
  q.push(job("c", 0), 2);
  q.push(job("d", 10), 3);
  std::string order;
  while (auto j = q.pop(10))
    order += j->id;
  EXPECT_EQ(order, "bdac");
  EXPECT_TRUE(q.empty());
}

TEST(job_queue, aging_lets_a_long_wait_beat_a_fresh_higher_priority) {
  job_queue q{std::chrono::milliseconds(1000)};
  q.push(job("old_low", 0), 0);         // waited 20 s at t = 20 s: aged priority 20
  q.push(job("new_high", 10), 20'000);  // aged priority 10
  EXPECT_EQ(q.pop(20'000)->id, "old_low");
  EXPECT_EQ(q.pop(20'000)->id, "new_high");
}

TEST(job_queue, equal_aged_priority_prefers_the_higher_base_priority) {
  job_queue q{std::chrono::milliseconds(1000)};
  q.push(job("low", 0), 0);       // aged 10 at t = 10 s
  q.push(job("high", 10), 10'000);  // aged 10
  EXPECT_EQ(q.pop(10'000)->id, "high");
}

TEST(job_queue, remove_find_and_no_duplicates) {
  job_queue q{std::chrono::milliseconds(1000)};
  q.push(job("a", 0), 0);
  q.push(job("a", 5), 0);
  q.push(job("b", 1), 0);
  EXPECT_EQ(q.size(), 2u);
  ASSERT_NE(q.find("a"), nullptr);
  EXPECT_EQ(q.find("a")->priority, 0);
  EXPECT_TRUE(q.remove("a"));
  EXPECT_FALSE(q.remove("a"));
  EXPECT_EQ(q.find("a"), nullptr);
  EXPECT_EQ(q.pop(0)->id, "b");
  EXPECT_FALSE(q.pop(0));
}
