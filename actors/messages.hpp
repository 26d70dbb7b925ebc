#pragma once
/// The engine's message vocabulary: atoms and the plain types actors send each other, with
/// their CAF 0.17 `inspect` functions. Types marked local-only carry pointers or functions and
/// never leave the process.

#include "actors/job_type.hpp"
#include "storage/activity_repository.hpp"
#include "storage/job_record.hpp"
#include "storage/job_repository.hpp"
#include "storage/orphan_repository.hpp"

#include <caf/all.hpp>

#include <atomic>
#include <map>
#include <memory>

namespace jobmesh::actors {

using submit_atom = caf::atom_constant<caf::atom("submit")>;
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
using list_atom = caf::atom_constant<caf::atom("list")>;
using items_atom = caf::atom_constant<caf::atom("items")>;
using write_atom = caf::atom_constant<caf::atom("write")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using lazy_atom = caf::atom_constant<caf::atom("lazy")>;
using run_atom = caf::atom_constant<caf::atom("run")>;
using idle_atom = caf::atom_constant<caf::atom("idle")>;
using done_atom = caf::atom_constant<caf::atom("done")>;
using publish_atom = caf::atom_constant<caf::atom("publish")>;
using subscribe_atom = caf::atom_constant<caf::atom("subscribe")>;
using unsubscribe_atom = caf::atom_constant<caf::atom("unsubscr")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using timeout_atom = caf::atom_constant<caf::atom("timeout")>;
using requeue_atom = caf::atom_constant<caf::atom("requeue")>;
using recover_atom = caf::atom_constant<caf::atom("recover")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
using frame_atom = caf::atom_constant<caf::atom("frame")>;
using plan_atom = caf::atom_constant<caf::atom("plan")>;
using stalled_atom = caf::atom_constant<caf::atom("stalled")>;
using cleanup_atom = caf::atom_constant<caf::atom("cleanup")>;
using drain_atom = caf::atom_constant<caf::atom("drain")>;
using retry_atom = caf::atom_constant<caf::atom("retry")>;
using enqueue_atom = caf::atom_constant<caf::atom("enqueue")>;
using statistics_atom = caf::atom_constant<caf::atom("stats")>;
/// With statistics_atom: only what the supervisor holds (no storage read).
using gauges_atom = caf::atom_constant<caf::atom("gauges")>;
using pause_atom = caf::atom_constant<caf::atom("pause")>;
using schedule_atom = caf::atom_constant<caf::atom("schedule")>;
using orphan_atom = caf::atom_constant<caf::atom("orphan")>;
using activity_atom = caf::atom_constant<caf::atom("activity")>;
using fences_atom = caf::atom_constant<caf::atom("fences")>;
using waited_atom = caf::atom_constant<caf::atom("waited")>;
using singles_atom = caf::atom_constant<caf::atom("singles")>;

/// A submission as the HTTP layer checked it (API.md `POST /api/v1/jobs`).
struct job_spec {
  std::string type;
  std::string params = "{}";  ///< a JSON object, as text
  std::int64_t priority = 0;
  std::int64_t max_attempts = 0;  ///< 0 = the configured default
  std::int64_t timeout_s = 0;     ///< 0 = the configured default
  std::string idempotency_key;
  std::string user_id;
  double max_failed_ratio = -1;   ///< < 0 = the type's default
  std::vector<std::string> depends_on;  ///< job ids that must complete first
  std::string schedule;                 ///< the schedule that made it; empty for a client's
  /// The submitter sees every user's jobs (admin, service, the engine's own): else another
  /// user's job is, to it, no job, also as a dependency.
  bool sees_all_jobs = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_spec& x) {
  return f(caf::meta::type_name("jobmesh.job_spec"), x.type, x.params, x.priority, x.max_attempts, x.timeout_s,
           x.idempotency_key, x.user_id, x.max_failed_ratio, x.depends_on, x.schedule, x.sees_all_jobs);
}

/// Why one submission of many was not taken: its position among them, the field at fault.
struct submission_refusal {
  std::int64_t index = 0;
  std::string field;
  std::string message;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, submission_refusal& x) {
  return f(caf::meta::type_name("jobmesh.submission_refusal"), x.index, x.field, x.message);
}

/// A refusal as the error of a single submission: unknown_job_type for the type, else
/// invalid_argument, naming its field.
caf::error error_of(const submission_refusal& r);

/// The answer to many submissions at once: the jobs, each with the position of the submission
/// it answers (an idempotent replay names the job stored before), and the refused ones.
struct bulk_submission {
  std::vector<storage::job_record> jobs;
  std::vector<std::int64_t> indexes;  ///< jobs[i] answers submission indexes[i]
  std::vector<std::uint8_t> created;  ///< created[i] = 0: jobs[i] was stored before (same key)
  std::vector<submission_refusal> refused;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, bulk_submission& x) {
  return f(caf::meta::type_name("jobmesh.bulk_submission"), x.jobs, x.indexes, x.created, x.refused);
}

/// `POST /api/v1/job-groups/{group}/enqueue`: one job per type of the group and of the types
/// they depend on; `params` by type name (JSON object text), `{}` for a type not named.
struct group_request {
  std::string group;
  std::string user_id;
  std::int64_t priority = 0;
  std::map<std::string, std::string> params;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, group_request& x) {
  return f(caf::meta::type_name("jobmesh.group_request"), x.group, x.user_id, x.priority, x.params);
}

/// The outcome of one item as a worker reports it.
struct item_result {
  std::int64_t index = 0;
  bool ok = true;
  std::int64_t attempts = 0;
  std::string error;
  std::int64_t processing_time_ms = 0;
  std::string result;  ///< JSON text, may be empty
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, item_result& x) {
  return f(caf::meta::type_name("jobmesh.item_result"), x.index, x.ok, x.attempts, x.error, x.processing_time_ms,
           x.result);
}

/// A worker's answer to one batch.
struct batch_result {
  std::vector<item_result> items;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, batch_result& x) {
  return f(caf::meta::type_name("jobmesh.batch_result"), x.items);
}

/// `GET /api/v1/queue/statistics`, one per job type. Ended counts are since 00:00 UTC today;
/// the peak is the deepest the type's queue was since this process started.
struct queue_statistics {
  std::string type;
  std::int64_t queue_depth = 0;       ///< queued, waiting for a retry or for dependencies
  std::int64_t processing_count = 0;  ///< running on this node
  std::int64_t completed_today = 0;
  std::int64_t failed_today = 0;
  double average_processing_time_ms = 0;  ///< of today's completed jobs, last attempt's start to end
  std::int64_t peak_queue_depth = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, queue_statistics& x) {
  return f(caf::meta::type_name("jobmesh.queue_statistics"), x.type, x.queue_depth, x.processing_count,
           x.completed_today, x.failed_today, x.average_processing_time_ms, x.peak_queue_depth);
}

/// The supervisor's queue: whether it starts jobs (`POST /api/v1/queue/pause`, `/resume`), and
/// per registered type what waits, runs and ended.
struct queue_report {
  bool paused = false;
  std::vector<queue_statistics> types;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, queue_report& x) {
  return f(caf::meta::type_name("jobmesh.queue_report"), x.paused, x.types);
}

/// Items of one job handed to a worker (local-only).
struct work_batch {
  std::string job_id;
  std::shared_ptr<const job_plan> plan;
  std::vector<std::int64_t> indexes;
  std::vector<std::string> keys;       ///< keys[i] is the key of item indexes[i]
  std::int64_t item_max_attempts = 1;  ///< tries per item in this run
  std::shared_ptr<const std::atomic<bool>> stop;  ///< set on cancel: finish the current item, skip the rest
};

/// What planning a job came to: a plan, or why the job cannot run (local-only).
struct plan_outcome {
  std::shared_ptr<const job_plan> plan;
  std::string error;
};

/// One event as sessions send it: serialised once, shared by every subscriber (local-only).
struct hub_frame {
  std::string topic;
  std::uint64_t seq = 0;
  bool droppable = false;  ///< progress may be coalesced (latest wins); terminal events never
  std::shared_ptr<const std::string> text;
  std::string job;  ///< the job it is about, if any: progress coalesces per topic and job
};

/// A frame as sinks receive it: one immutable copy for every subscriber.
using shared_frame = std::shared_ptr<const hub_frame>;

/// Where the hub hands a subscriber its frames itself, without a message per frame (a
/// WebSocket session's write queue, reached through its I/O thread's lane). `deliver` is
/// called on the hub's thread and must not block.
class frame_sink {
public:
  virtual ~frame_sink() = default;
  virtual void deliver(const shared_frame& frame) = 0;
};
using frame_sink_ptr = std::shared_ptr<frame_sink>;

/// A job's state as announced, shared by the hub's events and the engine's finished jobs (one
/// copy of the record per announcement).
using shared_job = std::shared_ptr<const storage::job_record>;

/// A job's own event: the job as announced and the event's type (`job_created`, its status).
struct job_event {
  shared_job job;
  std::string type;
};
/// Several jobs' events told at once (a batch's ends, a bulk call's jobs): one message.
using job_events = std::vector<job_event>;

/// Registers the sendable types above with the actor system's config (every node).
void add_message_types(caf::actor_system_config& cfg);

}  // namespace jobmesh::actors

namespace jobmesh::storage {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_record& x) {
  return f(caf::meta::type_name("jobmesh.job_record"), x.id, x.type, x.user_id, x.status, x.priority, x.total_items,
           x.processed_items, x.failed_items, x.attempt, x.max_attempts, x.timeout_s, x.params, x.error_message,
           x.idempotency_key, x.current_item, x.group, x.depends_on, x.created_at, x.started_at, x.completed_at,
           x.updated_at, x.expires_at, x.run_after, x.heartbeat_at, x.max_failed_ratio, x.schedule);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, schedule_record& x) {
  return f(caf::meta::type_name("jobmesh.schedule_record"), x.name, x.cron, x.type, x.params, x.priority, x.enabled,
           x.last_due_at, x.created_at, x.updated_at);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, finished_counts& x) {
  return f(caf::meta::type_name("jobmesh.finished_counts"), x.type, x.completed, x.failed, x.average_run_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, item_record& x) {
  return f(caf::meta::type_name("jobmesh.item_record"), x.job_id, x.index, x.key, x.status, x.attempts, x.error,
           x.processing_time_ms, x.updated_at, x.result);
}

}  // namespace jobmesh::storage

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobmesh::actors::work_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobmesh::actors::plan_outcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobmesh::actors::hub_frame)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobmesh::actors::frame_sink_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobmesh::actors::shared_job)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobmesh::actors::job_events)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobmesh::storage::write_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobmesh::storage::job_filter)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobmesh::storage::item_filter)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobmesh::storage::orphan_count)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<jobmesh::storage::activity_row>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobmesh::storage::orphan_deletion)
