#include "actors/job_id.hpp"

#include <gtest/gtest.h>

using jobmesh::actors::is_job_id;
using jobmesh::actors::job_id_generator;

TEST(job_id, ids_increase_within_and_across_milliseconds) {
  job_id_generator gen;
  std::string last;
  for (int i = 0; i < 10'000; ++i) {
    auto id = gen.next(1'700'000'000'000 + i / 100);
    ASSERT_TRUE(is_job_id(id)) << id;
    ASSERT_GT(id, last);
    last = id;
  }
}

TEST(job_id, clock_stepping_back_still_increases) {
  job_id_generator gen;
  auto a = gen.next(2'000);
  auto b = gen.next(1'000);
  EXPECT_GT(b, a);
}

TEST(job_id, shape_check) {
  EXPECT_FALSE(is_job_id(""));
  EXPECT_FALSE(is_job_id("01M819SZZC4RY7478857NQTNX"));    // 25 chars
  EXPECT_FALSE(is_job_id("01M819SZZC4RY7478857NQTNXI"));   // I is not Crockford
  EXPECT_TRUE(is_job_id("01M819SZZC4RY7478857NQTNXP"));
}
