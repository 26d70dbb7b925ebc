#pragma once
/// The HTTP API (API.md): what its handlers share, and the functions that add each group of
/// routes. A handler parses and checks, sends one message to an actor, and turns the answer
/// into HTTP; it never touches SQL and never computes a score.

#include "actors/engine.hpp"
#include "config/settings.hpp"
#include "net/actor_bridge.hpp"
#include "net/rate_limit.hpp"
#include "net/router.hpp"
#include "net/submit_lane.hpp"

#include <caf/actor_system.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace jobmesh::net {

/// `serve --demo`'s generated records on their way into storage and the shards (the node sets
/// it; handlers read it): until they are all in, `/readyz` answers 503 and a posting or
/// candidate not found says the demo is still loading, instead of a bare 404 that reads as
/// "the demo has no such record".
struct demo_status {
  std::atomic<bool> loading{false};
  std::atomic<std::uint64_t> stored{0};  ///< records stored so far
  std::atomic<std::uint64_t> total{0};   ///< records it generates (0 while it counts what is there)

  /// "the demo marketplace is still loading (N of M records stored)" while it loads.
  std::optional<std::string> loading_note() const;
};

/// What every handler may use. Read-only after start.
struct api_context {
  caf::actor_system* sys = nullptr;
  actors::engine engine;
  config::settings settings;
  /// Submissions and ingest per user (`limits.*`); made from `settings` when the router is.
  std::shared_ptr<rate_limiter> limits;
  /// The bridge actors handlers send their requests through (actor_bridge.hpp).
  std::shared_ptr<const actor_bridge> bridge;
  /// Single job submissions, taken to the supervisor together (submit_lane.hpp).
  std::shared_ptr<const submit_lane> submits;
  /// Bearer tokens verified by this server (auth.hpp), checked before libjwt is asked again.
  std::shared_ptr<token_cache> tokens = std::make_shared<token_cache>();
  /// The demo's load (never null; not loading unless `serve --demo` loads one).
  std::shared_ptr<const demo_status> demo = std::make_shared<demo_status>();

  std::chrono::milliseconds request_timeout() const {
    return std::chrono::milliseconds(settings.server.request_timeout_ms);
  }
};

/// Replies 403 saying the role `needs` unless `allowed`; true when it replied.
bool forbid_unless(bool allowed, const route_request& rr, const responder& respond, std::string_view needs);

/// Replies 429 with `Retry-After` when the caller's bucket is empty (rate_limit.hpp); true when
/// it replied.
bool refuse_if_limited(const api_context& ctx, const route_request& rr, const responder& respond);

/// Whether the caller may see jobs of `owner`: its own, or any for an admin. Another user's
/// job answers 404, as if it did not exist (API.md "Auth").
inline bool may_see(const identity& who, const std::string& owner) {
  return who.sees_all_jobs() || who.user == owner;
}

/// The body is NDJSON (`Content-Type: application/x-ndjson`, parameters ignored).
bool is_ndjson(const request& req);

/// The OpenAPI 3.1 document of every route (net/openapi.json, compiled in).
const std::string& openapi_document();

/// `/api/v1/jobs...`, `/api/v1/job-groups/{group}/enqueue`, `/api/v1/queue/statistics`.
void add_job_routes(router& r, std::shared_ptr<const api_context> ctx);

/// `/api/v1/schedules...`: list, create or change by name.
void add_schedule_routes(router& r, std::shared_ptr<const api_context> ctx);

/// `/api/v1/postings...`, `/api/v1/candidates...`: ingest, read, delete, list, matches.
void add_record_routes(router& r, std::shared_ptr<const api_context> ctx);

/// `/healthz`, `/readyz`, `/api/v1/job-types`, and the dashboard's static files.
void add_operation_routes(router& r, std::shared_ptr<const api_context> ctx);

/// Every route of the API.
router make_api_router(std::shared_ptr<const api_context> ctx);

}  // namespace jobmesh::net
