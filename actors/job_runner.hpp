#pragma once
/// A job runner: one actor per running job. It plans the job's items (on a thread of its own
/// for a type whose planning reads data; a plan may refuse the job, which then fails without
/// a retry), or reloads them when a job runs again, so only items not yet done run. It hands
/// batches to the worker pool, keeps the counts, writes progress and item results in batches
/// every `jobs.progress_flush_ms` (with a heartbeat), publishes `progress` to the hub, and on
/// the end writes the final state before it announces it: `failed` when the share of failed
/// items exceeds the job's `max_failed_ratio`. Cancel and timeout are cooperative: no new
/// batches, in-flight items finish.
///
/// Quick jobs (job_plan::quick, first run, few items) run many at once in a job batch instead
/// (spawn_job_batch), which answers the same messages for each of its jobs by id.
///
/// (get_atom, id)    -> job_record the job as it is now
/// (cancel_atom, id)              end as cancelled at once (items in flight are not waited for,
///                                their results are dropped; queued batches leave the pool),
///                                unless the job is already ending; the supervisor learns which
///                                from done_atom
/// (tick_atom), (timeout_atom)    internal timers
/// (waited_atom, index, attempt, first try ms)  internal: an item's wait is over (a plan
///                                that waits, job_plan::wait_per_try, holds no worker)
/// On its end it sends (done_atom, job_record) to its supervisor and terminates normally; any
/// other termination is a crash that the supervisor's retry policy handles.

#include "actors/finished_jobs.hpp"
#include "actors/job_type.hpp"
#include "actors/messages.hpp"
#include "actors/metrics.hpp"
#include "actors/progress_hub.hpp"
#include "actors/storage_actors.hpp"
#include "actors/worker_pool.hpp"
#include "config/settings.hpp"

namespace jobmesh::actors {

using job_runner_actor = caf::typed_actor<caf::replies_to<caf::get_atom, std::string>::with<storage::job_record>,
                                          caf::reacts_to<cancel_atom, std::string>, caf::reacts_to<drain_atom>,
                                          caf::reacts_to<tick_atom>, caf::reacts_to<timeout_atom>,
                                          caf::reacts_to<waited_atom, std::int64_t, std::int64_t, std::int64_t>>;

/// Who hears that a job ended: from a runner, its job; from a batch, the jobs that ended and
/// those it gave up because another attempt owns them now (their writes were refused).
using job_done_listener = caf::typed_actor<
    caf::reacts_to<done_atom, storage::job_record>,
    caf::reacts_to<done_atom, std::vector<storage::job_record>, std::vector<storage::job_record>>>;

/// What every runner shares.
struct runner_context {
  std::shared_ptr<const job_type_registry> types;
  worker_pool_actor pool;
  storage_writer_actor writer;
  storage_reader_actor reader;
  progress_hub_actor hub;
  config::jobs_settings settings;
  std::shared_ptr<actors::metrics> metrics;  ///< may be null (tests that assemble their own engine)
  std::shared_ptr<finished_jobs> finished;   ///< may be null: what announcements of ends fill
};

/// Spawns a runner for `job` (status running, attempt already counted) as a child of `parent`,
/// which should monitor it. `first_run`: no run of the job ever started, so no items are
/// stored; a type that plans from its params alone then plans before its claim and writes the claim and its
/// items in one transaction, without reading items back.
job_runner_actor spawn_job_runner(caf::local_actor* parent, runner_context ctx, job_done_listener supervisor,
                                  storage::job_record job, bool first_run);

/// A job of a batch: the job as started (status running, attempt counted; its first run) and
/// its plan, a quick one with at most k_quick_items items.
struct quick_job {
  storage::job_record job;
  std::shared_ptr<const job_plan> plan;
};

/// Spawns a batch running `jobs` as a child of `parent`, which should monitor it. Their items
/// run inline on its first message, and their ends (with their items, stored only then) share
/// one commit, each fenced on its job still being queued at the attempt before: a quick job
/// has no claim of its own. A job cancelled before its items ran ends cancelled without
/// running; a later cancel finds it ending. It sends one (done_atom, ended, superseded) and
/// terminates normally; any other termination is a crash of every job it still held.
job_runner_actor spawn_job_batch(caf::local_actor* parent, runner_context ctx, job_done_listener supervisor,
                                 std::vector<quick_job> jobs);

/// Announces the job's state: `type` with the job's JSON as its data on the job's topics (the
/// hub writes the JSON only if a frame of it is sent), and the job held in `ctx.finished` when
/// it ended or dropped from there when it did not (before this returns: see finished_jobs.hpp).
void publish_job_event(const runner_context& ctx, const storage::job_record& job, const std::string& type);
/// As `publish_job_event` for each, in order: the finished jobs told under one lock, the hub in
/// one message.
void publish_job_events(const runner_context& ctx, const job_events& events);

/// Publishes `type` with `data` on the job's topics: `job:<id>`, `user:<user_id>` and `jobs`.
void publish_job_event(const progress_hub_actor& hub, const storage::job_record& job, const std::string& type,
                       const std::string& data);

}  // namespace jobmesh::actors
