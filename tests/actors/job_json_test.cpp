// The job writer that skips building a JSON object writes exactly what the object would, and
// strings are escaped exactly as Boost.JSON's serializer escapes them.
#include "actors/job_json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>

using namespace jobmesh;

namespace {

storage::job_record sample_job() {
  storage::job_record job;
  job.id = "01M8X3SAPA6PE3KPRKZW6ZXXQ2";
  job.type = "noop";
  job.user_id = "demo";
  job.status = storage::job_status::running;
  job.priority = -3;
  job.total_items = 3;
  job.processed_items = 1;  // 33.33 %: a fraction
  job.failed_items = 0;
  job.attempt = 2;
  job.max_attempts = 5;
  job.timeout_s = 1800;
  job.max_failed_ratio = 0.25;
  job.created_at = 1'764'700'000'123;
  job.started_at = 1'764'700'000'456;
  job.updated_at = 1'764'700'001'000;
  job.run_after = 0;
  return job;
}

std::string via_object(const storage::job_record& job) {
  return actors::json_text(actors::job_to_json(job));
}

}  // namespace

TEST(job_json_text, writes_what_the_json_object_writes) {
  auto job = sample_job();
  EXPECT_EQ(actors::job_json_text(job), via_object(job));
  // Every null and every present optional field, numbers whole and fractional, nested params.
  job.params = R"({"items": 3, "ratio": 0.5, "names": ["a", "b\"c"], "nested": {"x": null, "y": true}})";
  job.error_message = "item 3 (http://a/x): HTTP 404 \"Not Found\"\n\tat line 1";
  job.idempotency_key = "key-\xc3\xa9-1";
  job.completed_at = job.expires_at = 1'764'800'000'000;
  job.run_after = 1'764'700'100'000;
  job.depends_on = {"01A", "01B"};
  job.group = "maintenance";
  job.schedule = "nightly";
  job.max_failed_ratio = 1;
  job.processed_items = 3;
  job.status = storage::job_status::completed;
  EXPECT_EQ(actors::job_json_text(job), via_object(job));
  job.params = "not json";  // stored params that do not parse show as {}
  EXPECT_EQ(actors::job_json_text(job), via_object(job));
  job.params = "{}";
  EXPECT_EQ(actors::job_json_text(job), via_object(job));
  // And it parses back to the same object.
  EXPECT_EQ(boost::json::parse(actors::job_json_text(job)), boost::json::value(actors::job_to_json(job)));
}

TEST(job_json_text, escapes_strings_as_boost_json_does) {
  std::string every_ascii;
  for (int c = 0; c < 128; ++c)
    every_ascii += static_cast<char>(c);
  for (std::string s : {std::string{}, std::string{"plain"}, every_ascii, std::string{"caf\xc3\xa9 \xe2\x82\xac"},
                        std::string{"\"\\/"}, std::string{"\x1f\x7f"}}) {
    std::string mine;
    actors::append_json_string(mine, s);
    EXPECT_EQ(mine, boost::json::serialize(boost::json::string(s))) << "for " << s.size() << " bytes";
  }
}

TEST(format_time, writes_utc_times_as_gmtime_does) {
  // Every day of 1970-2100 at a varying time of day, leap days and month ends among them.
  for (std::int64_t day = 0; day < 47'482; ++day) {
    std::int64_t ms = day * 86'400'000 + (day * 7'919'123) % 86'400'000;
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char want[96];  // room for any int in each field (GCC checks the format by type)
    std::snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
    ASSERT_EQ(actors::format_time(ms), want) << "at " << ms;
  }
  EXPECT_EQ(actors::format_time(1'764'700'000'123), "2025-12-02T18:26:40.123Z");
}
