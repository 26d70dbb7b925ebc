// The Prometheus counters keep one series per label set, however often they are counted: the
// metrics are looked up by their labels' values (actors/metrics.cpp) rather than added to their
// family on every call.
#include "actors/metrics.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>
#include <vector>

using ::testing::HasSubstr;

TEST(metrics, each_label_set_is_one_series_that_adds_up) {
  jobmesh::actors::metrics m;
  for (int i = 0; i < 3; ++i) {
    m.job_ended("noop", "completed", 0.002);
    m.http_request("/api/v1/jobs/{id}", 200, 0.001);
  }
  m.job_ended("noop", "failed", 0.5);
  m.job_ended("sleep", "completed", 2);
  m.http_request("/api/v1/jobs/{id}", 404, 0.001);
  m.http_request("/api/v1/jobs", 202, 0.003);
  m.items_done("noop", 4, 0.004);
  m.items_done("noop", 2, 0.002);
  auto text = m.text();
  EXPECT_THAT(text, HasSubstr(R"(jobmesh_jobs_ended_total{status="completed",type="noop"} 3)"));
  EXPECT_THAT(text, HasSubstr(R"(jobmesh_jobs_ended_total{status="failed",type="noop"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"(jobmesh_jobs_ended_total{status="completed",type="sleep"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"(jobmesh_job_duration_seconds_count{type="noop"} 4)"));
  EXPECT_THAT(text, HasSubstr(R"(jobmesh_job_duration_seconds_count{type="sleep"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"(jobmesh_item_duration_seconds_count{type="noop"} 6)"));
  EXPECT_THAT(text, HasSubstr(R"(jobmesh_http_requests_total{code="200",route="/api/v1/jobs/{id}"} 3)"));
  EXPECT_THAT(text, HasSubstr(R"(jobmesh_http_requests_total{code="404",route="/api/v1/jobs/{id}"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"(jobmesh_http_requests_total{code="202",route="/api/v1/jobs"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"(jobmesh_http_request_duration_seconds_count{route="/api/v1/jobs/{id}"} 4)"));
}

// Counted from several threads at once (the I/O threads count requests, the scheduler's
// threads count jobs), every count arrives.
TEST(metrics, counts_from_several_threads_all_arrive) {
  jobmesh::actors::metrics m;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&m, t] {
      for (int i = 0; i < 1000; ++i) {
        m.http_request(t % 2 == 0 ? "/a" : "/b", 200, 0.001);
        m.job_ended("noop", "completed", 0.001);
      }
    });
  for (auto& t : threads)
    t.join();
  auto text = m.text();
  EXPECT_THAT(text, HasSubstr(R"(jobmesh_http_requests_total{code="200",route="/a"} 2000)"));
  EXPECT_THAT(text, HasSubstr(R"(jobmesh_http_requests_total{code="200",route="/b"} 2000)"));
  EXPECT_THAT(text, HasSubstr(R"(jobmesh_jobs_ended_total{status="completed",type="noop"} 4000)"));
}
