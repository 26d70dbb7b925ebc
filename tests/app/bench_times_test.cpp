// The bench reads the times jobmesh writes (bench/harness.hpp's iso_time_ms is the inverse of
// actors::format_time): a WebSocket suite's latencies come from the `sent_at` of each event.
#include "actors/job_json.hpp"
#include "bench/harness.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

using namespace jobmesh;

TEST(bench_times, what_jobmesh_writes_reads_back_to_the_same_millisecond) {
  for (std::int64_t ms : {0LL, 1LL, 999LL, 1'000LL, 951'782'400'123LL, 1'796'272'914'106LL, 4'102'444'799'999LL})
    EXPECT_EQ(bench::iso_time_ms(actors::format_time(ms)), ms) << actors::format_time(ms);
  EXPECT_EQ(bench::iso_time_ms("2026-12-03T04:41:54.106Z"), 1'796'272'914'106LL);
}

TEST(bench_times, anything_else_is_refused) {
  for (const char* bad : {"", "2026-12-03", "2026-12-03T04:41:54Z", "2026-13-03T04:41:54.106Z", "yesterday"})
    EXPECT_THROW(bench::iso_time_ms(bad), std::runtime_error) << bad;
}
