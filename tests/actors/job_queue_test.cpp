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

namespace {

storage::job_record job(std::string id, std::int64_t priority, std::string user, std::string type = "t") {
  auto j = job(std::move(id), priority);
  j.user_id = std::move(user);
  j.type = std::move(type);
  return j;
}

std::string drain(job_queue& q, std::int64_t now_ms) {
  std::string order;
  while (auto j = q.pop(now_ms))
    order += j->id + " ";
  return order;
}

}  // namespace

TEST(job_queue, one_job_of_a_second_user_is_not_stuck_behind_ten_thousand) {
  job_queue q{std::chrono::milliseconds(1'000'000)};
  for (int i = 0; i < 10'000; ++i)
    q.push(job("a" + std::to_string(i), 5, "A"), i);
  EXPECT_EQ(q.pop(10'000)->id, "a0");  // A has been served before B arrives
  q.push(job("b0", 5, "B"), 10'000);
  // B joins the rotation behind A (alone in it), so at most one of A's jobs goes first.
  auto first = q.pop(10'000)->id;
  auto second = q.pop(10'000)->id;
  EXPECT_EQ(first, "a1");
  EXPECT_EQ(second, "b0");
  EXPECT_EQ(q.pop(10'000)->id, "a2");
  EXPECT_EQ(q.size(), 9'997u);
}

TEST(job_queue, second_user_arriving_while_first_is_at_the_front_waits_one_pop) {
  job_queue q{std::chrono::milliseconds(1'000'000)};
  for (int i = 0; i < 10'000; ++i)
    q.push(job("a" + std::to_string(i), 5, "A"), i);
  q.push(job("b0", 5, "B"), 10'000);
  EXPECT_EQ(q.pop(10'000)->id, "a0");
  EXPECT_EQ(q.pop(10'000)->id, "b0");
  EXPECT_EQ(q.pop(10'000)->id, "a1");
}

TEST(job_queue, round_robin_between_three_users_in_order_of_arrival) {
  job_queue q{std::chrono::milliseconds(1'000'000)};
  q.push(job("a1", 0, "A"), 0);
  q.push(job("a2", 0, "A"), 1);
  q.push(job("b1", 0, "B"), 2);
  q.push(job("a3", 0, "A"), 3);
  q.push(job("c1", 0, "C"), 4);
  q.push(job("b2", 0, "B"), 5);
  q.push(job("c2", 0, "C"), 6);
  q.push(job("a4", 0, "A"), 7);
  EXPECT_EQ(drain(q, 10), "a1 b1 c1 a2 b2 c2 a3 a4 ");
  EXPECT_TRUE(q.empty());
}

TEST(job_queue, a_user_whose_jobs_ran_out_rejoins_at_the_back) {
  job_queue q{std::chrono::milliseconds(1'000'000)};
  q.push(job("a1", 0, "A"), 0);
  q.push(job("b1", 0, "B"), 1);
  q.push(job("b2", 0, "B"), 2);
  q.push(job("c1", 0, "C"), 3);
  q.push(job("c2", 0, "C"), 4);
  EXPECT_EQ(q.pop(10)->id, "a1");  // A leaves the rotation: [B, C]
  q.push(job("a2", 0, "A"), 5);    // A rejoins behind C: [B, C, A]
  EXPECT_EQ(drain(q, 10), "b1 c1 a2 b2 c2 ");
}

TEST(job_queue, fifo_within_one_user) {
  job_queue q{std::chrono::milliseconds(1'000'000)};
  for (auto id : {"u3", "u1", "u4", "u2"})
    q.push(job(id, 0, "U"), 0);
  q.push(job("v1", 0, "V"), 0);
  EXPECT_EQ(drain(q, 0), "u3 v1 u1 u4 u2 ");
}

TEST(job_queue, can_start_skips_a_blocked_type_and_the_blocked_job_returns_when_allowed) {
  job_queue q{std::chrono::milliseconds(1'000'000)};
  q.push(job("a_x", 0, "A", "x"), 0);
  q.push(job("b_y1", 0, "B", "y"), 1);
  q.push(job("b_y2", 0, "B", "y"), 2);
  q.push(job("c_x", 0, "C", "x"), 3);
  auto not_x = [](const storage::job_record& j) { return j.type != "x"; };
  EXPECT_EQ(q.pop(10, not_x)->id, "b_y1");
  EXPECT_EQ(q.pop(10, not_x)->id, "b_y2");
  EXPECT_FALSE(q.pop(10, not_x));  // only x jobs left
  EXPECT_EQ(q.size(), 2u);
  // A was passed over but kept its place at the front, ahead of C.
  EXPECT_EQ(drain(q, 10), "a_x c_x ");
}

TEST(job_queue, a_skipped_user_keeps_its_place_in_the_rotation) {
  job_queue q{std::chrono::milliseconds(1'000'000)};
  q.push(job("a1", 0, "A", "x"), 0);
  q.push(job("b1", 0, "B", "y"), 1);
  q.push(job("b2", 0, "B", "y"), 2);
  q.push(job("c1", 0, "C", "y"), 3);
  auto not_x = [](const storage::job_record& j) { return j.type != "x"; };
  EXPECT_EQ(q.pop(10, not_x)->id, "b1");  // rotation [A, C, B]
  EXPECT_EQ(q.pop(10)->id, "a1");         // x allowed again: A is first
  EXPECT_EQ(drain(q, 10), "c1 b2 ");
}

TEST(job_queue, a_users_other_type_does_not_wait_behind_its_blocked_type) {
  job_queue q{std::chrono::milliseconds(1'000'000)};
  q.push(job("x1", 0, "A", "x"), 0);
  q.push(job("x2", 0, "A", "x"), 1);
  q.push(job("y1", 0, "A", "y"), 2);
  auto not_x = [](const storage::job_record& j) { return j.type != "x"; };
  EXPECT_EQ(q.pop(10, not_x)->id, "y1");
  EXPECT_EQ(drain(q, 10), "x1 x2 ");
}

TEST(job_queue, lookahead_bounds_how_far_into_a_users_fifo_pop_looks) {
  job_queue q{std::chrono::milliseconds(1'000'000), 2};
  q.push(job("x1", 0, "A", "x"), 0);
  q.push(job("x2", 0, "A", "x"), 1);
  q.push(job("y1", 0, "A", "y"), 2);
  auto not_x = [](const storage::job_record& j) { return j.type != "x"; };
  EXPECT_FALSE(q.pop(10, not_x));  // y1 is third, beyond the lookahead of 2
  EXPECT_EQ(q.pop(10)->id, "x1");
  EXPECT_EQ(q.pop(10, not_x)->id, "y1");
  EXPECT_EQ(q.pop(10)->id, "x2");
}

TEST(job_queue, can_start_skipping_crosses_priorities) {
  job_queue q{std::chrono::milliseconds(1'000'000)};
  q.push(job("high_x", 10, "A", "x"), 0);
  q.push(job("low_y", 0, "B", "y"), 0);
  auto not_x = [](const storage::job_record& j) { return j.type != "x"; };
  EXPECT_EQ(q.pop(10, not_x)->id, "low_y");
  EXPECT_EQ(q.pop(10, not_x), std::nullopt);
  EXPECT_EQ(q.pop(10)->id, "high_x");
}

TEST(job_queue, remove_and_find_with_users) {
  job_queue q{std::chrono::milliseconds(1'000'000)};
  q.push(job("a1", 0, "A"), 0);
  q.push(job("a2", 0, "A"), 1);
  q.push(job("b1", 0, "B"), 2);
  q.push(job("c1", 3, "C"), 3);
  ASSERT_NE(q.find("a2"), nullptr);
  EXPECT_EQ(q.find("a2")->user_id, "A");
  EXPECT_EQ(q.find("c1")->priority, 3);
  EXPECT_EQ(q.find("zz"), nullptr);
  EXPECT_EQ(q.remove("a1")->id, "a1");  // A keeps its place at the front with a2
  EXPECT_FALSE(q.remove("a1"));
  EXPECT_FALSE(q.contains("a1"));
  EXPECT_EQ(q.remove("c1")->id, "c1");  // its bucket empties
  EXPECT_EQ(q.find("c1"), nullptr);
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(drain(q, 10), "a2 b1 ");
  EXPECT_TRUE(q.empty());
}

TEST(job_queue, removing_a_users_last_job_takes_it_out_of_the_rotation) {
  job_queue q{std::chrono::milliseconds(1'000'000)};
  q.push(job("a1", 0, "A"), 0);
  q.push(job("b1", 0, "B"), 1);
  q.push(job("b2", 0, "B"), 2);
  EXPECT_TRUE(q.remove("a1"));
  q.push(job("a2", 0, "A"), 3);  // rejoins behind B
  EXPECT_EQ(drain(q, 10), "b1 a2 b2 ");
}

TEST(job_queue, size_by_type_follows_push_pop_and_remove) {
  job_queue q{std::chrono::milliseconds(1'000'000)};
  using counts = std::map<std::string, std::size_t>;
  EXPECT_EQ(q.size_by_type(), counts{});
  q.push(job("a1", 0, "A", "x"), 0);
  q.push(job("a2", 0, "A", "y"), 1);
  q.push(job("b1", 0, "B", "x"), 2);
  q.push(job("b1", 0, "B", "x"), 2);  // duplicate: not counted
  EXPECT_EQ(q.size_by_type(), (counts{{"x", 2}, {"y", 1}}));
  EXPECT_EQ(q.pop(10)->id, "a1");
  EXPECT_EQ(q.size_by_type(), (counts{{"x", 1}, {"y", 1}}));
  EXPECT_TRUE(q.remove("a2"));
  EXPECT_EQ(q.size_by_type(), (counts{{"x", 1}}));
  EXPECT_FALSE(q.remove("a2"));
  EXPECT_EQ(q.pop(10)->id, "b1");
  EXPECT_EQ(q.size_by_type(), counts{});
}

TEST(job_queue, aging_across_priorities_still_wins_with_users) {
  job_queue q{std::chrono::milliseconds(1000)};
  q.push(job("a1", 0, "A"), 0);         // aged 20 at t = 20 s
  q.push(job("b1", 0, "B"), 0);         // aged 20
  q.push(job("c1", 10, "C"), 20'000);   // aged 10
  EXPECT_EQ(q.pop(20'000)->id, "a1");
  EXPECT_EQ(q.pop(20'000)->id, "b1");
  EXPECT_EQ(q.pop(20'000)->id, "c1");
}

TEST(job_queue, a_buckets_candidate_is_the_rotations_next_job_not_its_oldest) {
  job_queue q{std::chrono::milliseconds(1000)};
  q.push(job("a1", 0, "A"), 0);
  q.push(job("a2", 0, "A"), 0);         // aged 20 at t = 20 s, but A is behind B after a1
  q.push(job("b1", 0, "B"), 19'000);    // aged 1
  q.push(job("c1", 10, "C"), 20'000);   // aged 10
  q.push(job("c2", 10, "C"), 20'000);
  EXPECT_EQ(q.pop(20'000)->id, "a1");   // 20 > 10; rotation of bucket 0 is now [B, A]
  EXPECT_EQ(q.pop(20'000)->id, "c1");   // bucket 0 offers b1 (aged 1) < 10
  EXPECT_EQ(q.pop(20'000)->id, "c2");
  EXPECT_EQ(drain(q, 20'000), "b1 a2 ");
}
