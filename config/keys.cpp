#include "config/keys.hpp"

#include "config/detail/binding.hpp"

#include <cctype>
#include <limits>

namespace jobmesh::config {

namespace detail {

namespace {

constexpr std::int64_t k_int_max = std::numeric_limits<std::int32_t>::max();

// One row per key: section, name, field, then the key_info tail (description, bounds).
#define JOBMESH_INT(sec, key, lo, hi, text)                                              \
  key_binding {                                                                          \
    key_info{#sec, #key, value_kind::integer, text, lo, hi, {}},                         \
        +[](settings& s) -> std::int64_t& { return s.sec.key; }                          \
  }
#define JOBMESH_NUM(sec, key, lo, hi, text)                                              \
  key_binding {                                                                          \
    key_info{#sec, #key, value_kind::number, text, lo, hi, {}},                          \
        +[](settings& s) -> double& { return s.sec.key; }                                \
  }
#define JOBMESH_STR(sec, key, text, ...)                                                 \
  key_binding {                                                                          \
    key_info{#sec, #key, value_kind::string, text, 0, 0, {__VA_ARGS__}},                 \
        +[](settings& s) -> std::string& { return s.sec.key; }                           \
  }

}  // namespace

// The texts below are literals (they feed config/README.md); a rule they quote is checked here.
static_assert(auth_settings::k_min_secret_length == 32, "auth.secret's description says 32 characters");

const std::vector<key_binding>& bindings() {
  static const std::vector<key_binding> table{
      JOBMESH_STR(server, host, "address to listen on"),
      JOBMESH_INT(server, port, 0, 65535, "port to listen on; 0 picks a free one"),
      JOBMESH_INT(server, io_threads, 0, 256, "network threads; 0 = one per core"),
      JOBMESH_INT(server, body_limit_bytes, 1, k_int_max, "largest request body accepted (413 above)"),
      JOBMESH_INT(server, header_limit_bytes, 1024, 1 << 20, "largest request header block accepted"),
      JOBMESH_INT(server, read_timeout_ms, 1, k_int_max, "time to receive one whole request"),
      JOBMESH_INT(server, idle_timeout_ms, 1, k_int_max, "idle keep-alive or WebSocket time before closing"),
      JOBMESH_INT(server, request_timeout_ms, 1, k_int_max, "time the engine has to answer one request (503 after)"),
      JOBMESH_INT(server, max_connections, 1, k_int_max, "open connections at most; more are refused"),
      JOBMESH_INT(server, max_connections_per_ip, 1, k_int_max, "open connections from one client address at most; more are refused"),
      JOBMESH_INT(server, ws_queue_limit, 8, 1 << 20, "unsent frames per WebSocket; past it the oldest unsent progress frame makes room"),
      JOBMESH_STR(server, web_root, "folder of the dashboard's static files"),
      JOBMESH_STR(server, allowed_origins, "origins (scheme://host[:port], comma-separated) whose pages may change state besides the server's own"),
      JOBMESH_STR(storage, db, "database URL: sqlite:PATH or postgresql://..."),
      JOBMESH_INT(storage, batch_max, 1, 1 << 20, "writes per group-commit transaction at most"),
      JOBMESH_INT(storage, busy_timeout_ms, 0, k_int_max, "how long SQLite waits for a lock"),
      JOBMESH_INT(jobs, max_concurrent, 1, 1 << 16, "jobs running at once on this node"),
      JOBMESH_INT(jobs, workers, 1, 4096, "worker actors in the pool"),
      JOBMESH_INT(jobs, batch_size, 1, 1 << 20, "items handed to a worker at once, at most"),
      JOBMESH_INT(jobs, max_attempts, 1, 100, "attempts of a job that does not say"),
      JOBMESH_INT(jobs, timeout_s, 1, k_int_max, "run-time limit of a job that does not say"),
      JOBMESH_INT(jobs, item_max_attempts, 1, 100, "tries per item before it counts as failed"),
      JOBMESH_INT(jobs, retry_base_ms, 0, k_int_max, "first retry delay; doubles per attempt, with jitter"),
      JOBMESH_INT(jobs, retry_max_ms, 0, k_int_max, "longest retry delay"),
      JOBMESH_INT(jobs, progress_flush_ms, 1, k_int_max, "how often a running job writes its counts"),
      JOBMESH_INT(jobs, max_items, 1, k_int_max, "items one job may plan"),
      JOBMESH_INT(jobs, retention_days, 1, 3650, "days a finished job is kept"),
      JOBMESH_INT(jobs, queue_limit, 1, k_int_max, "queued jobs before submissions get 503"),
      JOBMESH_INT(jobs, stall_threshold_s, 1, 86'400, "a running job whose heartbeat is older than this is stalled: the sweeper requeues it"),
      JOBMESH_INT(jobs, drain_timeout_s, 0, 86'400, "graceful stop (SIGTERM, Ctrl-C): how long in-flight items may take to finish before the process exits anyway"),
      JOBMESH_INT(jobs, finished_cache, 0, 1 << 24, "the jobs that ended last held in memory, so GET of one needs no read of storage; 0 = none"),
      JOBMESH_INT(jobs, stall_check_s, 0, 86'400, "how often the stalled sweeper looks; 0 = a third of jobs.stall_threshold_s"),
      JOBMESH_INT(schedules, grace_s, 0, 31'536'000, "a schedule's due time missed while the server was down fires once at start if it is at most this old; older ones are skipped and logged"),
      JOBMESH_INT(actors, scheduler_threads, 0, 256, "actor scheduler threads; 0 = one per core"),
      JOBMESH_STR(actors, scheduler_policy, "sharing (one queue; idle workers sleep until work comes) or stealing (CAF's work stealing: idle workers poll)", "sharing", "stealing"),
      JOBMESH_STR(log, level, "log level", "trace", "debug", "info", "warn", "error", "critical", "off"),
      JOBMESH_STR(auth, mode, "off (demo: everyone is admin) or jwt", "off", "jwt"),
      JOBMESH_STR(auth, secret, "HS256 secret for tokens; required when auth.mode is jwt (at least 32 characters)"),
      JOBMESH_INT(auth, leeway_s, 0, 300, "seconds of clock leeway when checking a token's exp"),
      JOBMESH_INT(limits, user_burst, 1, k_int_max, "submission and ingest requests a user may make at once (then limits.user_per_s)"),
      JOBMESH_INT(limits, user_per_s, 0, k_int_max, "submission and ingest requests a user may make per second after its burst (429 above); 0 = unlimited"),
      JOBMESH_INT(limits, admin_burst, 1, k_int_max, "as limits.user_burst, for role admin"),
      JOBMESH_INT(limits, admin_per_s, 0, k_int_max, "as limits.user_per_s, for role admin; 0 = unlimited"),
      JOBMESH_INT(limits, service_burst, 1, k_int_max, "as limits.user_burst, for role service"),
      JOBMESH_INT(limits, service_per_s, 0, k_int_max, "as limits.user_per_s, for role service; 0 = unlimited"),
      JOBMESH_INT(demo, postings, 0, 10'000'000, "postings serve --demo generates into an empty database"),
      JOBMESH_INT(demo, candidates, 0, 10'000'000, "candidates serve --demo generates into an empty database"),
      JOBMESH_INT(demo, seed, 0, k_int_max, "seed of the demo marketplace's generator"),
      JOBMESH_INT(imports, max_parallel_workers, 1, 256, "fetches one import-postings job makes at once, at most (the worker pool, `jobs.workers`, bounds it too)"),
      JOBMESH_INT(imports, connect_timeout_ms, 1, 600'000, "how long an import fetch may take to connect"),
      JOBMESH_INT(imports, read_timeout_ms, 1, 3'600'000, "how long an import fetch may take to read its answer"),
      JOBMESH_INT(imports, max_body_bytes, 1, 1 << 30, "largest page an import fetch takes"),
      JOBMESH_STR(imports, private_addresses,
                  "whether an import fetch may reach loopback, private, link-local, shared (100.64/10), unspecified, "
                  "multicast or reserved addresses: allow, refuse, or auto (allow only when auth.mode is off, the "
                  "loopback-only demo)",
                  "auto", "allow", "refuse"),
      JOBMESH_INT(matching, shards, 0, 1024, "matcher shard actors holding the marketplace; 0 = one per core"),
      JOBMESH_STR(activity, tracking, "on: the engine computes each candidate's engagement from their activity (the record's field is ignored) and applies reviews and completed work to rating, review_count and completed_jobs; off: records count as given", "on", "off"),
      JOBMESH_NUM(activity, login, 0, 1000, "engagement weight of a login"),
      JOBMESH_NUM(activity, session_end, 0, 1000, "engagement weight of 10 minutes of session (at most 6 units per session)"),
      JOBMESH_NUM(activity, view, 0, 1000, "engagement weight of a posting viewed"),
      JOBMESH_NUM(activity, apply, 0, 1000, "engagement weight of an application"),
      JOBMESH_NUM(activity, half_life_days, 0, 3650, "days after which an event counts half (more than 0)"),
      JOBMESH_NUM(activity, saturation, 0, 1'000'000, "weighted activity at which engagement reaches 1 - 1/e (more than 0)"),
      JOBMESH_INT(activity, refresh_s, 1, 86'400, "how often decayed engagement reaches the matcher shards (events reach them before their POST is answered)"),
      key_binding{key_info{"jobs", "type_limits", value_kind::integer_map,
                           "jobs of a type running at once on this node, at most, type -> limit (types not named: only jobs.max_concurrent)",
                           1, 1 << 16, {}},
                  +[](settings& s) -> integer_map& { return s.jobs.type_limits; }},
      key_binding{key_info{"matching", "synonyms", value_kind::string_map,
                           "extra skill synonyms, word -> canonical word", 0, 0, {}},
                  +[](settings& s) -> string_map& { return s.matching.synonyms; }},
      key_binding{key_info{"matching", "profiles", value_kind::profile_map,
                           "extra profiles, name -> factor -> weight (weights sum to 1)", 0, 0, {}},
                  +[](settings& s) -> profile_map& { return s.matching.profiles; }},
  };
  return table;
}

#undef JOBMESH_INT
#undef JOBMESH_STR
#undef JOBMESH_NUM

}  // namespace detail

const std::vector<key_info>& all_keys() {
  static const std::vector<key_info> keys = [] {
    std::vector<key_info> out;
    for (const auto& b : detail::bindings())
      out.push_back(b.info);
    return out;
  }();
  return keys;
}

std::string dotted_name(const key_info& key) {
  return std::string{key.section} + "." + std::string{key.name};
}

std::string environment_name(const key_info& key) {
  std::string out = "JOBMESH_" + std::string{key.section} + "_" + std::string{key.name};
  for (auto& c : out)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace jobmesh::config
