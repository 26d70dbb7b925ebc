// The engine's finished jobs (actors/finished_jobs.hpp): ends are held, anything else drops the
// job, expired jobs are not served, and the bound holds.
#include "actors/finished_jobs.hpp"

#include <gtest/gtest.h>

#include <string>

using jobmesh::actors::finished_jobs;
using jobmesh::storage::job_record;
using jobmesh::storage::job_status;

namespace {

jobmesh::actors::shared_job job(const std::string& id, job_status status, std::int64_t expires_at = 0) {
  job_record j;
  j.id = id;
  j.user_id = "alice";
  j.status = status;
  j.expires_at = expires_at;
  return std::make_shared<const job_record>(std::move(j));
}

}  // namespace

TEST(finished_jobs, holds_jobs_that_ended_and_nothing_else) {
  finished_jobs held(8);
  held.announced(job("a", job_status::queued));
  held.announced(job("b", job_status::running));
  EXPECT_EQ(held.find("a", 0), nullptr);
  EXPECT_EQ(held.find("b", 0), nullptr);
  for (auto status : {job_status::completed, job_status::failed, job_status::cancelled}) {
    held.announced(job("c", status));
    auto found = held.find("c", 0);
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(found->status, status) << "the latest end replaces the one before";
  }
  EXPECT_EQ(held.size(), 1u);
}

TEST(finished_jobs, a_job_announced_again_as_not_ended_is_dropped_at_once) {
  finished_jobs held(8);
  held.announced(job("a", job_status::failed));
  ASSERT_NE(held.find("a", 0), nullptr);
  held.announced(job("a", job_status::queued));  // a retry
  EXPECT_EQ(held.find("a", 0), nullptr);
  held.announced(job("a", job_status::completed));  // the retry ended
  ASSERT_NE(held.find("a", 0), nullptr);
  EXPECT_EQ(held.find("a", 0)->status, job_status::completed);
}

TEST(finished_jobs, an_expired_job_is_not_served) {
  finished_jobs held(8);
  held.announced(job("a", job_status::completed, 1'000));
  EXPECT_NE(held.find("a", 999), nullptr);
  EXPECT_EQ(held.find("a", 1'000), nullptr) << "cleanup may delete it from then on";
  held.announced(job("b", job_status::completed, 0));
  EXPECT_NE(held.find("b", 1'000'000), nullptr) << "0: no expiry";
}

TEST(finished_jobs, holds_at_most_its_capacity_dropping_the_oldest_first) {
  finished_jobs held(3);
  for (int i = 0; i < 5; ++i)
    held.announced(job(std::to_string(i), job_status::completed));
  EXPECT_EQ(held.size(), 3u);
  EXPECT_EQ(held.find("0", 0), nullptr);
  EXPECT_EQ(held.find("1", 0), nullptr);
  for (const char* id : {"2", "3", "4"})
    EXPECT_NE(held.find(id, 0), nullptr) << id;
  // "2" ends again: its new end is the newest, so "3" goes first now.
  held.announced(job("2", job_status::failed));
  held.announced(job("5", job_status::completed));
  EXPECT_EQ(held.size(), 3u);
  EXPECT_EQ(held.find("3", 0), nullptr);
  for (const char* id : {"2", "4", "5"})
    EXPECT_NE(held.find(id, 0), nullptr) << id;
  EXPECT_EQ(held.find("2", 0)->status, job_status::failed);
}

TEST(finished_jobs, capacity_zero_holds_nothing) {
  finished_jobs held(0);
  held.announced(job("a", job_status::completed));
  EXPECT_EQ(held.find("a", 0), nullptr);
  EXPECT_EQ(held.size(), 0u);
}
