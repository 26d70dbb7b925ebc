// The bench reads the times jobmesh writes (bench/harness.hpp's iso_time_ms is the inverse of
// actors::format_time): a WebSocket suite's latencies come from the `sent_at` of each event.
#include "actors/job_json.hpp"
#include "bench/harness.hpp"

#include <gtest/gtest.h>

#include <sched.h>
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

// The machine line's pauses (bench/harness.hpp): gaps below the threshold are not pauses; each
// pause counts in every band it reaches; tallies of several threads add up.
TEST(bench_pauses, gaps_count_in_each_band_they_reach) {
  bench::pause_tally t;
  for (double gap : {0.0001, 0.0004, 0.0006, 0.0015, 0.0025, 0.0070})
    t.add_gap(gap);
  EXPECT_EQ(t.over_1ms, 3u);
  EXPECT_EQ(t.over_2ms, 2u);
  EXPECT_EQ(t.over_5ms, 1u);
  EXPECT_DOUBLE_EQ(t.longest_s, 0.0070);
  EXPECT_NEAR(t.lost_s, 0.0006 + 0.0015 + 0.0025 + 0.0070, 1e-12);

  bench::pause_tally other;
  other.seconds = 2;
  other.add_gap(0.0120);
  t.seconds = 2;
  t.merge(other);
  EXPECT_EQ(t.over_5ms, 2u);
  EXPECT_DOUBLE_EQ(t.longest_s, 0.0120);
  EXPECT_DOUBLE_EQ(t.seconds, 4);
  auto j = bench::to_json(t);
  EXPECT_DOUBLE_EQ(j.at("over_1ms_per_s").as_double(), 1.0);   // 4 pauses in 4 core-seconds
  EXPECT_DOUBLE_EQ(j.at("over_5ms_per_s").as_double(), 0.5);
  EXPECT_DOUBLE_EQ(j.at("longest_ms").as_double(), 12.0);
}

TEST(bench_pauses, watching_the_clock_takes_the_time_asked_on_every_core) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  ASSERT_EQ(::sched_getaffinity(0, sizeof allowed, &allowed), 0);
  auto t = bench::machine_pauses(0.05);
  EXPECT_GE(t.seconds, 0.05 * CPU_COUNT(&allowed));  // a thread per core, each as long as asked
  EXPECT_LE(t.over_2ms, t.over_1ms);
  EXPECT_LE(t.lost_s, t.seconds);
}
