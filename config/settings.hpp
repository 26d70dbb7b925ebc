#pragma once
/// jobmesh's configuration: one JSON file, `JOBMESH_<SECTION>_<KEY>` environment variables and
/// command-line overrides, merged in that order (flags beat environment beat file) onto the
/// defaults below, validated once at start. Every key is listed in `config/keys.cpp` and
/// documented in `config/jobmesh.example.json` and `config/README.md`; a test keeps them in step.
/// The result is plain structs, handed out by value: no area reads the environment itself.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace jobmesh::config {

/// The HTTP/WebSocket gateway.
struct server_settings {
  std::string host = "127.0.0.1";
  std::int64_t port = 8080;              ///< 0 picks a free port (tests)
  std::int64_t io_threads = 0;           ///< 0 = one per core
  std::int64_t body_limit_bytes = 16 << 20; ///< 10,000 NDJSON records fit
  std::int64_t header_limit_bytes = 8 << 10;
  std::int64_t read_timeout_ms = 10'000; ///< to receive one whole request
  std::int64_t idle_timeout_ms = 60'000; ///< keep-alive / WebSocket silence before closing
  std::int64_t request_timeout_ms = 10'000; ///< for the engine to answer a request
  std::int64_t max_connections = 10'000;
  std::int64_t max_connections_per_ip = 1'024; ///< open connections from one address at most
  std::int64_t ws_queue_limit = 256;     ///< unsent frames per WebSocket; then progress makes room
  std::string web_root = "web";          ///< the dashboard's static files
  std::string allowed_origins;           ///< origins besides the server's own, comma-separated
};

/// The database.
struct storage_settings {
  std::string db = "sqlite:var/jobmesh.db"; ///< `sqlite:PATH` or `postgresql://...`
  std::int64_t batch_max = 1024;            ///< writes per group-commit transaction at most
  std::int64_t busy_timeout_ms = 5'000;
};

/// The job engine.
struct jobs_settings {
  std::int64_t max_concurrent = 128;   ///< runs in flight: a job alone, or a batch of quick jobs
  std::int64_t workers = 8;            ///< worker actors in the pool
  std::int64_t batch_size = 64;        ///< items handed to a worker at once (at most)
  std::int64_t max_attempts = 3;       ///< default for jobs that do not say
  std::int64_t timeout_s = 1800;       ///< default for jobs that do not say
  std::int64_t item_max_attempts = 3;  ///< tries per item before it counts as failed
  std::int64_t retry_base_ms = 1'000;  ///< first retry delay; doubles per attempt, with jitter
  std::int64_t retry_max_ms = 60'000;
  std::int64_t progress_flush_ms = 250; ///< how often a runner writes its counts
  std::int64_t max_items = 1'000'000;  ///< items one job may plan
  std::int64_t retention_days = 7;     ///< finished jobs expire after this
  std::int64_t queue_limit = 1'000'000; ///< queued jobs before submissions get 503
  std::int64_t stall_threshold_s = 30;  ///< a running job without a heartbeat this long is stalled
  std::int64_t stall_check_s = 0;       ///< how often the sweeper looks; 0 = a third of the threshold
  std::int64_t drain_timeout_s = 30;    ///< graceful stop: how long running jobs may take to hand back
  std::int64_t finished_cache = 4'096; ///< jobs that ended lately held for GET without storage; 0: none
  std::map<std::string, std::int64_t> type_limits;  ///< type -> jobs of it running at once, at most
};

/// Recurring jobs (API.md `schedules`).
struct schedules_settings {
  std::int64_t grace_s = 3'600;  ///< a due time missed while down fires at start if this recent
};

/// Activity tracking (issue 10): the weights and decay of engagement (match/engagement.hpp) and
/// how often its decay reaches the matcher shards.
struct activity_settings {
  std::string tracking = "on";  ///< on: the engine computes engagement; off: the record's field counts
  double login = 1;
  double session_end = 0.5;     ///< per 10 minutes of session, at most 6 units
  double view = 0.5;
  double apply = 3;
  double half_life_days = 14;
  double saturation = 10;
  std::int64_t refresh_s = 60;  ///< decayed engagement is pushed to the shards this often
};

/// The actor system.
struct actors_settings {
  std::int64_t scheduler_threads = 0; ///< 0 = one per core
  std::string scheduler_policy = "sharing";  ///< or "stealing"
};

/// Logging.
struct log_settings {
  std::string level = "info"; ///< trace, debug, info, warn, error, critical, off
};

/// Authentication (API.md "Auth").
struct auth_settings {
  /// HS256 wants a key of at least its hash's 256 bits (RFC 7518, 3.2): a shorter one is
  /// refused by the loader (mode `jwt`) and by `jobmesh token`.
  static constexpr std::size_t k_min_secret_length = 32;

  std::string mode = "off"; ///< `off` (embedded demo only) or `jwt`
  std::string secret;       ///< HS256 secret; required when mode is `jwt`
  std::int64_t leeway_s = 30;  ///< clock leeway when checking a token's `exp`
};

/// Request rates per user: token buckets on submissions and ingest (429 with Retry-After).
/// A role's `per_s` of 0 leaves it unlimited.
struct limits_settings {
  std::int64_t user_burst = 100;   ///< requests a `user` may make at once
  std::int64_t user_per_s = 20;    ///< and then per second
  std::int64_t admin_burst = 100;
  std::int64_t admin_per_s = 0;    ///< unlimited unless configured
  std::int64_t service_burst = 100;
  std::int64_t service_per_s = 0;  ///< unlimited unless configured
};

/// Matching: synonyms and operator-defined profiles (SPEC-matching.md).
struct matching_settings {
  std::int64_t shards = 0;                                           ///< matcher shards; 0 = one per core
  std::map<std::string, std::string> synonyms;                       ///< added to the defaults
  std::map<std::string, std::map<std::string, double>> profiles;    ///< name -> factor -> weight
};

/// How the `import-postings` job type fetches pages (at most 3 redirects, always).
struct imports_settings {
  std::int64_t max_parallel_workers = 8;  ///< cap on a job's `parallel_workers`
  std::int64_t connect_timeout_ms = 5'000;
  std::int64_t read_timeout_ms = 10'000;
  std::int64_t max_body_bytes = 4 << 20;
  /// Whether a fetch may reach the addresses net::private_address_kind names (loopback, private,
  /// link-local, ...): "allow", "refuse", or "auto" (allow only with auth.mode off: the
  /// loopback-only demo).
  std::string private_addresses = "auto";

  /// "auto" decided by `auth_mode`.
  bool refuses_private_addresses(const std::string& auth_mode) const {
    return private_addresses == "refuse" || (private_addresses == "auto" && auth_mode != "off");
  }
};

/// What `serve --demo` loads into an empty database.
struct demo_settings {
  std::int64_t postings = 20'000;
  std::int64_t candidates = 20'000;
  std::int64_t seed = 1;
};

/// Everything, as the process runs with it.
struct settings {
  server_settings server;
  storage_settings storage;
  jobs_settings jobs;
  actors_settings actors;
  log_settings log;
  auth_settings auth;
  limits_settings limits;
  matching_settings matching;
  demo_settings demo;
  imports_settings imports;
  schedules_settings schedules;
  activity_settings activity;
};

/// Where values come from, lowest precedence first.
struct sources {
  std::optional<std::string> file;                      ///< path of a JSON config file
  std::map<std::string, std::string> environment;       ///< e.g. from `current_environment()`
  std::vector<std::pair<std::string, std::string>> overrides; ///< "section.key" -> value (flags)
};

/// The merged settings, or every problem found, each naming its key and source.
struct load_result {
  settings values;
  std::vector<std::string> errors;
  bool ok() const { return errors.empty(); }
};

/// Merges defaults, file, environment and overrides, then validates. Never throws.
load_result load(const sources& from);

/// The process environment's `JOBMESH_*` variables.
std::map<std::string, std::string> current_environment();

}  // namespace jobmesh::config
