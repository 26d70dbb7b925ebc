// How a job whose items partly failed ends (API.md): completed, unless its failed share exceeds
// its max_failed_ratio.
#include "actors/detail/job_outcome.hpp"

#include <gtest/gtest.h>

#include <tuple>

using jobmesh::actors::detail::too_many_failed;

namespace {

jobmesh::storage::job_record job_of(std::int64_t failed, std::int64_t total, double ratio) {
  jobmesh::storage::job_record job;
  job.failed_items = failed;
  job.processed_items = total - failed;
  job.total_items = total;
  job.max_failed_ratio = ratio;
  return job;
}

}  // namespace

TEST(too_many_failed, a_share_exactly_at_the_ratio_is_within_it) {
  // Each of these shares equals its ratio, where ratio * total rounds below the count.
  const std::tuple<std::int64_t, std::int64_t, double> cases[] = {{29, 100, 0.29}, {57, 100, 0.57}, {7, 100, 0.07},
                                                                   {1, 10, 0.1},    {3, 10, 0.3},    {1, 3, 1.0 / 3}};
  for (auto [failed, total, ratio] : cases) {
    EXPECT_FALSE(too_many_failed(job_of(failed, total, ratio))) << failed << " of " << total << " at " << ratio;
    EXPECT_TRUE(too_many_failed(job_of(failed + 1, total, ratio))) << failed + 1 << " of " << total << " at " << ratio;
  }
}

TEST(too_many_failed, none_failed_is_never_too_many_and_ratio_0_allows_none) {
  EXPECT_FALSE(too_many_failed(job_of(0, 0, 0)));
  EXPECT_FALSE(too_many_failed(job_of(0, 10, 0)));
  EXPECT_TRUE(too_many_failed(job_of(1, 10'000, 0)));
  EXPECT_FALSE(too_many_failed(job_of(10'000, 10'000, 1)));
}
