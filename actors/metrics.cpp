#include "actors/metrics.hpp"

#include "match/detail/text_hash.hpp"
#include "match/word.hpp"

#include <boost/unordered/unordered_flat_map.hpp>
#include <fmt/format.h>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <mutex>
#include <sstream>

namespace jobmesh::actors {

namespace {

// Seconds, from a millisecond to an hour.
const prometheus::Histogram::BucketBoundaries k_job_seconds{0.001, 0.01, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600};
// Seconds per item, from 10 µs to a minute.
const prometheus::Histogram::BucketBoundaries k_item_seconds{0.00001, 0.0001, 0.001, 0.01, 0.1, 1, 10, 60};
// Seconds per request or commit, from 100 µs to 10 s.
const prometheus::Histogram::BucketBoundaries k_fast_seconds{0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                             0.05,   0.1,    0.25,  0.5,    1,     2.5,   10};
// Rows per transaction.
const prometheus::Histogram::BucketBoundaries k_rows{1, 4, 16, 64, 256, 1024, 4096, 16384};

// prometheus-cpp's Family::Add builds a std::map of the labels and the metric itself (a
// histogram's buckets included) before it looks the labels up, and drops the new metric when
// they are there already: that was done for every HTTP request and every ended job (~1% of the
// server's samples running quick jobs, with each histogram built and freed). A family's metrics
// are looked up here instead, by a text key of their labels, and added to the family once; a
// family never removes them, so the pointers stay valid.
template <class Metric>
class metric_cache {
public:
  template <class Add>
  Metric& get(std::string_view key, Add add) {
    std::lock_guard lock{mutex_};
    if (auto it = by_key_.find(key); it != by_key_.end())
      return *it->second;
    return *by_key_.emplace(std::string{key}, &add()).first->second;
  }

private:
  std::mutex mutex_;
  boost::unordered_flat_map<std::string, Metric*, match::detail::text_hash, match::detail::text_equal> by_key_;
};

// The labels' values as one key (a unit separator between them), built without allocating.
struct label_key {
  fmt::basic_memory_buffer<char, 128> text;
  label_key(std::string_view a, std::string_view b = {}) { fmt::format_to(std::back_inserter(text), "{}\x1f{}", a, b); }
  std::string_view view() const { return {text.data(), text.size()}; }
};

}  // namespace

struct metrics::families {
  prometheus::Registry registry;
  prometheus::Family<prometheus::Counter>& jobs_ended = prometheus::BuildCounter()
                                                            .Name("jobmesh_jobs_ended_total")
                                                            .Help("Jobs that ended, by type and status")
                                                            .Register(registry);
  prometheus::Family<prometheus::Gauge>& jobs = prometheus::BuildGauge()
                                                    .Name("jobmesh_jobs")
                                                    .Help("Jobs queued or running now, by type and status")
                                                    .Register(registry);
  prometheus::Family<prometheus::Histogram>& job_seconds = prometheus::BuildHistogram()
                                                               .Name("jobmesh_job_duration_seconds")
                                                               .Help("Run time of ended jobs, by type")
                                                               .Register(registry);
  prometheus::Family<prometheus::Histogram>& item_seconds = prometheus::BuildHistogram()
                                                                .Name("jobmesh_item_duration_seconds")
                                                                .Help("Time per item on a worker, by job type")
                                                                .Register(registry);
  prometheus::Family<prometheus::Histogram>& commit_seconds = prometheus::BuildHistogram()
                                                                  .Name("jobmesh_storage_commit_seconds")
                                                                  .Help("Time per storage transaction")
                                                                  .Register(registry);
  prometheus::Family<prometheus::Histogram>& sync_seconds = prometheus::BuildHistogram()
                                                                .Name("jobmesh_storage_sync_seconds")
                                                                .Help("Time per sync of the write-ahead log (SQLite), "
                                                                      "each making every commit before it durable")
                                                                .Register(registry);
  prometheus::Family<prometheus::Histogram>& commit_rows = prometheus::BuildHistogram()
                                                               .Name("jobmesh_storage_commit_rows")
                                                               .Help("Rows per storage transaction (group commit)")
                                                               .Register(registry);
  prometheus::Family<prometheus::Counter>& http_requests = prometheus::BuildCounter()
                                                               .Name("jobmesh_http_requests_total")
                                                               .Help("HTTP requests, by route pattern and status code")
                                                               .Register(registry);
  prometheus::Family<prometheus::Histogram>& http_seconds = prometheus::BuildHistogram()
                                                                .Name("jobmesh_http_request_duration_seconds")
                                                                .Help("Time to answer an HTTP request, by route pattern")
                                                                .Register(registry);
  prometheus::Gauge& paused = prometheus::BuildGauge()
                                  .Name("jobmesh_queue_paused")
                                  .Help("1 while the queue is paused (POST /api/v1/queue/pause): no job starts")
                                  .Register(registry)
                                  .Add({});
  prometheus::Gauge& websockets = prometheus::BuildGauge()
                                      .Name("jobmesh_websocket_sessions")
                                      .Help("WebSocket sessions open now")
                                      .Register(registry)
                                      .Add({});
  prometheus::Family<prometheus::Counter>& frames = prometheus::BuildCounter()
                                                        .Name("jobmesh_websocket_frames_total")
                                                        .Help("Progress frames a slow client did not get as sent: "
                                                              "coalesced (a later one replaced it) or dropped")
                                                        .Register(registry);
  prometheus::Counter& coalesced = frames.Add({{"outcome", "coalesced"}});
  prometheus::Counter& dropped = frames.Add({{"outcome", "dropped"}});
  prometheus::Gauge& match_words = prometheus::BuildGauge()
                                       .Name("jobmesh_match_words")
                                       .Help("Distinct words (categories, industries, places, skills) this process holds once "
                                             "for all its records; the pool only grows")
                                       .Register(registry)
                                       .Add({});
  metric_cache<prometheus::Counter> ended_by_type_status, requests_by_route_code;
  metric_cache<prometheus::Histogram> job_seconds_by_type, item_seconds_by_type, request_seconds_by_route;
  prometheus::Histogram& commit_time = commit_seconds.Add({}, k_fast_seconds);
  prometheus::Histogram& commit_size = commit_rows.Add({}, k_rows);
  prometheus::Histogram& sync_time = sync_seconds.Add({}, k_fast_seconds);
};

metrics::metrics() : f_(std::make_unique<families>()) {}

metrics::~metrics() = default;

void metrics::job_ended(std::string_view type, std::string_view status, double run_seconds) {
  auto& f = *f_;
  f.ended_by_type_status
      .get(label_key{type, status}.view(),
           [&]() -> auto& { return f.jobs_ended.Add({{"type", std::string{type}}, {"status", std::string{status}}}); })
      .Increment();
  f.job_seconds_by_type
      .get(label_key{type}.view(),
           [&]() -> auto& { return f.job_seconds.Add({{"type", std::string{type}}}, k_job_seconds); })
      .Observe(run_seconds);
}

void metrics::set_jobs(std::string_view type, std::int64_t queued, std::int64_t running) {
  f_->jobs.Add({{"type", std::string{type}}, {"status", "queued"}}).Set(static_cast<double>(queued));
  f_->jobs.Add({{"type", std::string{type}}, {"status", "running"}}).Set(static_cast<double>(running));
}

void metrics::set_paused(bool paused) {
  f_->paused.Set(paused ? 1.0 : 0.0);
}

void metrics::items_done(std::string_view type, std::size_t count, double seconds) {
  if (count == 0)
    return;
  auto& f = *f_;
  auto& h = f.item_seconds_by_type.get(
      label_key{type}.view(), [&]() -> auto& { return f.item_seconds.Add({{"type", std::string{type}}}, k_item_seconds); });
  auto each = seconds / static_cast<double>(count);
  for (std::size_t i = 0; i < count; ++i)
    h.Observe(each);
}

void metrics::commit(double seconds, std::size_t rows) {
  f_->commit_time.Observe(seconds);
  f_->commit_size.Observe(static_cast<double>(rows));
}

void metrics::sync(double seconds) {
  f_->sync_time.Observe(seconds);
}

void metrics::http_request(std::string_view route, unsigned code, double seconds) {
  auto& f = *f_;
  fmt::basic_memory_buffer<char, 16> status;
  fmt::format_to(std::back_inserter(status), "{}", code);
  std::string_view code_text{status.data(), status.size()};
  f.requests_by_route_code
      .get(label_key{route, code_text}.view(),
           [&]() -> auto& {
             return f.http_requests.Add({{"route", std::string{route}}, {"code", std::string{code_text}}});
           })
      .Increment();
  f.request_seconds_by_route
      .get(label_key{route}.view(),
           [&]() -> auto& { return f.http_seconds.Add({{"route", std::string{route}}}, k_fast_seconds); })
      .Observe(seconds);
}

void metrics::websocket_opened() { f_->websockets.Increment(); }

void metrics::websocket_closed() { f_->websockets.Decrement(); }

void metrics::frame_coalesced() { f_->coalesced.Increment(); }

void metrics::frame_dropped() { f_->dropped.Increment(); }

std::string metrics::text() const {
  f_->match_words.Set(static_cast<double>(match::word::pool_size()));
  std::ostringstream out;
  prometheus::TextSerializer{}.Serialize(out, f_->registry.Collect());
  return out.str();
}

}  // namespace jobmesh::actors
