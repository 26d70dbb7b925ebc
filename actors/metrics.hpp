#pragma once
/// What a node counts, for `GET /metrics` in the Prometheus text format (prometheus-cpp does
/// the bookkeeping and the format). One per node, made by whoever starts it and handed to the
/// actors and the gateway that feed it; every member is thread-safe. Names carry the
/// `jobmesh_` prefix; labels stay bounded (job types, statuses, route patterns, status codes).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace jobmesh::actors {

class metrics {
public:
  metrics();
  ~metrics();
  metrics(const metrics&) = delete;
  metrics& operator=(const metrics&) = delete;

  /// A job reached `status` (completed, failed or cancelled) after `run_seconds` of running.
  void job_ended(std::string_view type, std::string_view status, double run_seconds);
  /// Jobs of `type` queued and running now (set when scraped).
  void set_jobs(std::string_view type, std::int64_t queued, std::int64_t running);
  /// Whether the supervisor starts jobs (set when scraped).
  void set_paused(bool paused);
  /// `count` items of `type` took `seconds` in all on a worker.
  void items_done(std::string_view type, std::size_t count, double seconds);

  /// One storage transaction of `rows` rows took `seconds`.
  void commit(double seconds, std::size_t rows);
  /// One sync of the write-ahead log, made apart from the commits it made durable, took `seconds`.
  void sync(double seconds);

  /// A request matched `route` (its pattern, or "unmatched") and was answered `code`.
  void http_request(std::string_view route, unsigned code, double seconds);

  void websocket_opened();
  void websocket_closed();
  /// A slow client's progress frame replaced an older one, or was dropped.
  void frame_coalesced();
  void frame_dropped();

  /// Everything, in the text exposition format 0.0.4.
  std::string text() const;

private:
  struct families;
  std::unique_ptr<families> f_;
};

}  // namespace jobmesh::actors
